"""Talks to a Windsock serving app through the real Open Inference Protocol clients, with their defaults.

Reads {"url": "127.0.0.1:PORT", "model": NAME, "rows": [[...30 floats], ...]} on stdin and prints one
JSON object: what each client call returned (probabilities as lists of floats, metadata, health,
whether the answer came as binary data), so that test/serving/python-clients.test.ts compares them
with what Windsock's own JSON inference returns. A failed call is reported as {"error": ...} rather
than raised, so one broken path does not hide the others.
"""

import asyncio
import json
import sys
import traceback
from importlib.metadata import version

import numpy as np
import tritonclient.http as triton
import tritonclient.utils as triton_utils
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig
from kserve.protocol.infer_type import RequestedOutput


def attempt(fn):
    try:
        return fn()
    except Exception as err:  # noqa: BLE001 - reported to the test, which names the path that failed
        status = err.status() if isinstance(err, triton_utils.InferenceServerException) else None
        return {"error": f"{type(err).__name__}: {err}", "status": status}


async def attempt_async(fn):
    try:
        return await fn()
    except Exception as err:  # noqa: BLE001
        return {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc(limit=3)}


def triton_result(result):
    """The probabilities and how they came back: binary when the output carries binary_data_size."""
    header = result.get_response()
    output = next(o for o in header["outputs"] if o["name"] == "probabilities")
    return {
        "id": header.get("id"),
        "model_version": header.get("model_version"),
        "binary": "binary_data_size" in (output.get("parameters") or {}),
        "dtype": str(result.as_numpy("probabilities").dtype),
        "probabilities": result.as_numpy("probabilities").tolist(),
    }


def triton_calls(url, model, x):
    client = triton.InferenceServerClient(url=url)

    def features(binary=True):
        tensor = triton.InferInput("features", list(x.shape), "FP32")
        tensor.set_data_from_numpy(x, binary_data=binary)
        return tensor

    out = {
        "is_server_live": attempt(client.is_server_live),
        "is_server_ready": attempt(client.is_server_ready),
        "is_model_ready": attempt(lambda: client.is_model_ready(model)),
        "server_metadata": attempt(client.get_server_metadata),
        "model_metadata": attempt(lambda: client.get_model_metadata(model)),
        # The defaults: binary input, no outputs named (so binary_data_output: true).
        "defaults": attempt(lambda: triton_result(client.infer(model, [features()], request_id="triton-defaults"))),
        "binary_output": attempt(
            lambda: triton_result(client.infer(model, [features()], outputs=[triton.InferRequestedOutput("probabilities", binary_data=True)], request_id="triton-binary-out"))
        ),
        "json": attempt(
            lambda: triton_result(client.infer(model, [features(binary=False)], outputs=[triton.InferRequestedOutput("probabilities", binary_data=False)], request_id="triton-json"))
        ),
        "versioned_with_parameters": attempt(
            lambda: triton_result(client.infer(model, [features()], model_version="1", request_id="triton-v1", priority=1, timeout=5_000_000, parameters={"my_custom": "yes"}))
        ),
        "classification": attempt(
            lambda: triton_result(client.infer(model, [features()], outputs=[triton.InferRequestedOutput("probabilities", class_count=1)]))
        ),
    }
    client.close()
    return out


def kserve_result(response, headers):
    """KServe's client drops binary_data_size once it has decoded an output: the header tells instead."""
    output = next(o for o in response.outputs if o.name == "probabilities")
    return {
        "id": response.id,
        "binary": "inference-header-content-length" in {k.lower() for k in headers},
        "probabilities": output.as_numpy().tolist(),
    }


async def kserve_calls(url, model, x):
    base = f"http://{url}"
    # RESTConfig's only non-default here: KServe's REST client speaks its v1 protocol unless told v2.
    async with InferenceRESTClient(RESTConfig(protocol="v2")) as client:

        def request(request_id, binary=True, **kwargs):
            tensor = InferInput("features", list(x.shape), "FP32")
            tensor.set_data_from_numpy(x, binary_data=binary)
            return InferRequest(model_name=model, infer_inputs=[tensor], request_id=request_id, **kwargs)

        async def infer(req):
            headers = {}
            return kserve_result(await client.infer(base, req, model_name=model, response_headers=headers), headers)

        return {
            "is_server_live": await attempt_async(lambda: client.is_server_live(base)),
            "is_server_ready": await attempt_async(lambda: client.is_server_ready(base)),
            "is_model_ready": await attempt_async(lambda: client.is_model_ready(base, model)),
            "defaults": await attempt_async(lambda: infer(request("kserve-defaults"))),
            "binary_output": await attempt_async(
                lambda: infer(request("kserve-binary-out", request_outputs=[RequestedOutput("probabilities", {"binary_data": True})]))
            ),
            "binary_data_output": await attempt_async(lambda: infer(request("kserve-binary-data-output", parameters={"binary_data_output": True}))),
            "json": await attempt_async(lambda: infer(request("kserve-json", binary=False))),
        }


def main():
    spec = json.load(sys.stdin)
    x = np.array(spec["rows"], dtype=np.float32)
    result = {
        "versions": {"tritonclient": version("tritonclient"), "kserve": version("kserve")},
        "triton": triton_calls(spec["url"], spec["model"], x),
        "kserve": asyncio.run(kserve_calls(spec["url"], spec["model"], x)),
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

"""The FastAPI peer for the serving benchmarks: one ONNX model behind onnxruntime with the KServe v2
(Open Inference Protocol) JSON routes Windsock's edge serves, written the way a FastAPI service
usually is (pydantic request model, dict response), with the same input checks (names, datatype,
shape, batch and element limits, finite numbers). One process, one intra-op thread, as the edge
runs one single-threaded isolate.

Environment: SERVING_PORT, SERVING_MODEL (path to the .onnx), SERVING_MODEL_NAME.
Needs fastapi, uvicorn, onnxruntime, numpy (uvicorn picks uvloop and httptools when installed).
"""

import os
from typing import Any, Optional, Union

import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

PORT = int(os.environ["SERVING_PORT"])
MODEL_PATH = os.environ["SERVING_MODEL"]
MODEL_NAME = os.environ["SERVING_MODEL_NAME"]
MAX_BATCH = 1024
MAX_ELEMENTS = 1_000_000

options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(MODEL_PATH, options, providers=["CPUExecutionProvider"])

ORT_TO_V2 = {"tensor(float)": "FP32", "tensor(double)": "FP64", "tensor(int64)": "INT64", "tensor(int32)": "INT32"}
V2_TO_NUMPY = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32}
INPUTS = {i.name: (ORT_TO_V2[i.type], [d if isinstance(d, int) else -1 for d in i.shape]) for i in session.get_inputs()}
OUTPUTS = {o.name: ORT_TO_V2[o.type] for o in session.get_outputs()}

Scalar = Union[float, int, bool, str]


class RequestInput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    parameters: Optional[dict[str, Scalar]] = None
    data: list[Any]


class RequestOutput(BaseModel):
    name: str
    parameters: Optional[dict[str, Scalar]] = None


class InferenceRequest(BaseModel):
    id: Optional[str] = None
    parameters: Optional[dict[str, Scalar]] = None
    inputs: list[RequestInput]
    outputs: Optional[list[RequestOutput]] = None


app = FastAPI()


@app.get("/v2/health/live")
def live() -> dict:
    return {"live": True}


@app.get("/v2/health/ready")
def ready() -> dict:
    return {"ready": True}


def bad(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def feeds_of(request: InferenceRequest) -> dict[str, np.ndarray]:
    feeds: dict[str, np.ndarray] = {}
    total = 0
    for item in request.inputs:
        if item.name not in INPUTS:
            raise bad(f"input '{item.name}' is not an input of this model")
        if item.name in feeds:
            raise bad(f"input '{item.name}' appears more than once")
        datatype, expected = INPUTS[item.name]
        if item.datatype != datatype:
            raise bad(f"input '{item.name}': expected datatype {datatype}, got {item.datatype}")
        if len(item.shape) != len(expected) or any(w != -1 and s != w or s < 1 for s, w in zip(item.shape, expected)):
            raise bad(f"input '{item.name}': shape {item.shape} does not match the model's {expected}")
        if expected[0] == -1 and item.shape[0] > MAX_BATCH:
            raise bad(f"input '{item.name}': batch of {item.shape[0]} exceeds the limit of {MAX_BATCH}")
        count = int(np.prod(item.shape))
        total += count
        if total > MAX_ELEMENTS:
            raise bad(f"request holds more than {MAX_ELEMENTS} elements")
        try:
            array = np.asarray(item.data, dtype=V2_TO_NUMPY[datatype])
        except (TypeError, ValueError) as err:
            raise bad(f"input '{item.name}': {err}")
        if array.size != count:
            raise bad(f"input '{item.name}': shape {item.shape} holds {count} elements, data has {array.size}")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise bad(f"input '{item.name}': data holds a non-finite number")
        feeds[item.name] = array.reshape(item.shape)
    missing = [name for name in INPUTS if name not in feeds]
    if missing:
        raise bad(f"input '{missing[0]}' is missing")
    return feeds


@app.post("/v2/models/{name}/infer")
def infer(name: str, request: InferenceRequest) -> dict:
    if name != MODEL_NAME:
        raise HTTPException(status_code=404, detail=f"model '{name}' not found")
    feeds = feeds_of(request)
    names = [o.name for o in request.outputs] if request.outputs else list(OUTPUTS)
    unknown = [n for n in names if n not in OUTPUTS]
    if unknown:
        raise bad(f"output '{unknown[0]}' is not an output of this model")
    results = session.run(names, feeds)
    response: dict[str, Any] = {
        "model_name": name,
        "model_version": "1",
        "outputs": [
            {"name": n, "shape": list(r.shape), "datatype": OUTPUTS[n], "data": r.ravel().tolist()}
            for n, r in zip(names, results)
        ],
    }
    if request.id is not None:
        response["id"] = request.id
    return response


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning", access_log=False)

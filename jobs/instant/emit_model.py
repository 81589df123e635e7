#!/usr/bin/env python3
"""Windsock training job that trains nothing: it copies an existing ONNX model to the output.

The benchmarks use it to measure the pipeline's control overhead with a job that costs next to
nothing, so it imports the standard library only (no torch, no numpy: interpreter start-up is the
whole cost).

Contract (the job reads only environment variables):

  WINDSOCK_PARAMS      JSON object with "model_path": absolute path of the ONNX file to emit;
                       other keys (the model template's hyperparameters) are ignored
  WINDSOCK_OUTPUT_DIR  where model.onnx is written

stdout carries one JSON event: {"event":"completed","metrics":{}}. Exit status 2 on bad input
(with an "error: ..." line on stderr).
"""
import json
import os
import shutil
import sys


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def main() -> None:
    try:
        params = json.loads(os.environ.get("WINDSOCK_PARAMS") or "{}")
    except json.JSONDecodeError as err:
        fail(f"WINDSOCK_PARAMS is not JSON: {err}")
    model_path = params.get("model_path") if isinstance(params, dict) else None
    # The job runs in its own job directory, so a relative path would silently mean something else.
    if not isinstance(model_path, str) or not os.path.isabs(model_path):
        fail('WINDSOCK_PARAMS needs "model_path": the absolute path of an ONNX file')
    if not os.path.isfile(model_path):
        fail(f"model_path {model_path} is not a file")
    output_dir = os.environ.get("WINDSOCK_OUTPUT_DIR")
    if not output_dir:
        fail("environment variable WINDSOCK_OUTPUT_DIR is not set")
    os.makedirs(output_dir, exist_ok=True)
    shutil.copyfile(model_path, os.path.join(output_dir, "model.onnx"))
    print(json.dumps({"event": "completed", "metrics": {}}), flush=True)


if __name__ == "__main__":
    main()

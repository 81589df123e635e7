"""The plain-Python peer of bench/batch-scoring.ts: pandas reads the CSV, onnxruntime scores the spec's
feature columns in chunks, pandas writes row number, id, predicted class and class probabilities, and
the output file is hashed, as Windsock's batch does. Prints one JSON object: versions and each run's
seconds (read, score, write, total).

python bench/batch_scoring_peer.py INPUT MODEL OUTPUT SPEC_JSON ID_COLUMN CHUNK_ROWS RUNS
"""
import hashlib
import json
import sys
import time

import numpy as np
import onnxruntime as ort
import pandas as pd


def main() -> None:
    input_path, model_path, output_path, spec_path, id_column, chunk_rows, runs = sys.argv[1:8]
    spec = json.load(open(spec_path))
    features = [f["name"] for f in spec["features"]]
    classes = spec["target"]["classes"]
    chunk = int(chunk_rows)
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    outputs = [o.name for o in session.get_outputs()]
    output_name = "probabilities" if "probabilities" in outputs else outputs[0]
    timings = []
    for _ in range(int(runs)):
        started = time.perf_counter()
        frame = pd.read_csv(input_path)
        read = time.perf_counter()
        matrix = frame[features].to_numpy(dtype=np.float32)
        parts = [session.run([output_name], {input_name: matrix[i : i + chunk]})[0] for i in range(0, len(matrix), chunk)]
        probabilities = np.concatenate(parts) if parts else np.zeros((0, len(classes)), dtype=np.float32)
        scored = time.perf_counter()
        result = pd.DataFrame({"row": np.arange(1, len(frame) + 1), id_column: frame[id_column], "prediction": np.asarray(classes)[probabilities.argmax(axis=1)]})
        for c, name in enumerate(classes):
            result[f"probability_{name}"] = probabilities[:, c]
        result.to_csv(output_path, index=False)
        digest = hashlib.sha256()
        with open(output_path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        done = time.perf_counter()
        timings.append({"rows": len(frame), "read": read - started, "score": scored - read, "write": done - scored, "total": done - started, "sha256": digest.hexdigest()})
    print(json.dumps({"versions": {"python": sys.version.split()[0], "pandas": pd.__version__, "numpy": np.__version__, "onnxruntime": ort.__version__}, "runs": timings}))


if __name__ == "__main__":
    main()

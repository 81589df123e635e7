#!/usr/bin/env python3
"""Write data/breast-cancer.csv from scikit-learn's bundled copy of the
Breast Cancer Wisconsin (Diagnostic) dataset.

Needs scikit-learn only to run this script (the CSV is committed), e.g.:

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
    /tmp/skvenv/bin/python examples/breast-cancer/generate_dataset.py

Columns: the 30 features with snake_case names (spaces -> underscores), then
`diagnosis` with sklearn's target mapped 0 -> "malignant", 1 -> "benign".
Row order is sklearn's; values are written with repr() (shortest round-trip form).
"""
import csv
import os
import sys

from sklearn.datasets import load_breast_cancer


def main() -> int:
    data = load_breast_cancer()
    names = [str(n).replace(" ", "_") for n in data.feature_names]
    labels = [str(t) for t in data.target_names]  # ['malignant', 'benign']
    assert labels == ["malignant", "benign"], labels
    assert data.data.shape == (569, 30), data.data.shape

    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "breast-cancer.csv")
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + ["diagnosis"])
        for row, target in zip(data.data, data.target):
            w.writerow([repr(float(v)) for v in row] + [labels[int(target)]])
    os.replace(tmp, path)
    print(f"wrote {path}: {data.data.shape[0]} rows, {len(names)} features", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Write data/digits.csv from scikit-learn's bundled copy of the UCI "Optical Recognition of
Handwritten Digits" test set (8x8 images, 1797 rows).

Needs scikit-learn only to run this script (the CSV is committed), e.g.:

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
    /tmp/skvenv/bin/python examples/digits/generate_dataset.py

Columns: the 64 pixel counts with scikit-learn's feature names (`pixel_<row>_<column>`, integers
0..16), then `digit`, the label "0".."9". Row order is scikit-learn's.
"""
import csv
import os
import sys

from sklearn.datasets import load_digits


def main() -> int:
    data = load_digits()
    names = [str(n) for n in data.feature_names]
    assert data.data.shape == (1797, 64), data.data.shape
    assert names[0] == "pixel_0_0" and names[-1] == "pixel_7_7", names
    assert ((data.data >= 0) & (data.data <= 16) & (data.data == data.data.round())).all()

    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "digits.csv")
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + ["digit"])
        for row, target in zip(data.data, data.target):
            w.writerow([str(int(v)) for v in row] + [str(int(target))])
    os.replace(tmp, path)
    print(f"wrote {path}: {data.data.shape[0]} rows, {len(names)} features", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

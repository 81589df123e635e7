"""scikit-learn's StratifiedKFold and numpy's mean and sample standard deviation for the cases that
test/unit/cross-validation-sklearn.test.ts splits and summarizes with core/evaluation/cross-validation.ts.

Reads {"splits": [{"name", "labels", "folds"}], "summaries": [{"name", "values"}]} as JSON on stdin and
writes {"sklearn": version, "splits": {name: {"classCounts": [[...per class] per fold], "error": str|null}},
"summaries": {name: {"mean", "std"}}} to stdout. The fold order and rows differ with the shuffle, so what
is compared is each fold's count of every class, which StratifiedKFold fixes whatever its random_state.
"""

import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.model_selection import StratifiedKFold


def split_counts(labels, folds):
    y = np.asarray(labels)
    classes = np.unique(y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
            counts = [[int((y[test] == c).sum()) for c in classes] for _, test in splitter.split(np.zeros((len(y), 1)), y)]
        except ValueError as err:
            return {"classCounts": None, "error": str(err), "warned": False}
    warned = any("least populated class" in str(w.message) for w in caught)
    return {"classCounts": counts, "error": None, "warned": warned}


def main():
    request = json.load(sys.stdin)
    splits = {case["name"]: split_counts(case["labels"], case["folds"]) for case in request["splits"]}
    summaries = {
        case["name"]: {"mean": float(np.mean(case["values"])), "std": float(np.std(case["values"], ddof=1))}
        for case in request["summaries"]
    }
    json.dump({"sklearn": sklearn.__version__, "splits": splits, "summaries": summaries}, sys.stdout)


main()

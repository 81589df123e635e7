"""scikit-learn's classification metrics for the cases that test/unit/classification-metrics-sklearn.test.ts
scores with core/evaluation/classification-metrics.ts.

Reads {"cases": [{"name", "labels", "probabilities", "numClasses", "positiveClass"?}]} as JSON on stdin
and writes {"sklearn": version, "results": {name: {...}}} to stdout, NaN as null. Each value is a plain
sklearn call, so the test compares against sklearn itself rather than against a second implementation.
"""

import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)

# An AUC with one side empty and float32 rows that miss 1 by 1e-7 are cases the test means to cover.
warnings.simplefilter("ignore", UndefinedMetricWarning)
warnings.filterwarnings("ignore", message="The y_prob values do not sum to one")


def number(value):
    value = float(value)
    return None if math.isnan(value) else value


def reference(case):
    y = np.asarray(case["labels"], dtype=np.int64)
    proba = np.asarray(case["probabilities"], dtype=np.float64)
    k = case["numClasses"]
    classes = list(range(k))
    y_pred = proba.argmax(axis=1)
    metrics = {"accuracy": accuracy_score(y, y_pred)}

    for average in ("macro", "weighted"):
        # labels=None: sklearn averages over the classes in y or y_pred, which the TS side documents.
        p, r, f, _ = precision_recall_fscore_support(y, y_pred, average=average, zero_division=0)
        metrics[f"precision_{average}"] = p
        metrics[f"recall_{average}"] = r
        metrics[f"f1_{average}"] = f

    if k == 2:
        # sklearn refuses a 2-column score for binary labels; its binary AUC is the greater label's column.
        metrics["roc_auc_ovr"] = roc_auc_score(y, proba[:, 1])
    else:
        metrics["roc_auc_ovr"] = roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes)
    metrics["log_loss"] = log_loss(y, proba, labels=classes)
    metrics["support"] = len(y)

    positive = case.get("positiveClass", 1 if k == 2 else None)
    if positive is not None:
        if k == 2:
            p, r, f, _ = precision_recall_fscore_support(
                y, y_pred, average="binary", pos_label=positive, zero_division=0
            )
        else:
            p, r, f, _ = precision_recall_fscore_support(
                y, y_pred, labels=[positive], average=None, zero_division=0
            )
            p, r, f = p[0], r[0], f[0]
        metrics.update(precision=p, recall=r, f1=f, roc_auc=roc_auc_score(y == positive, proba[:, positive]))

    p, r, f, s = precision_recall_fscore_support(y, y_pred, labels=classes, average=None, zero_division=0)
    return {
        "metrics": {name: number(value) for name, value in metrics.items()},
        "classMetrics": [
            {"precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]), "support": int(s[c])} for c in classes
        ],
        "confusionMatrix": confusion_matrix(y, y_pred, labels=classes).tolist(),
    }


def main():
    cases = json.load(sys.stdin)["cases"]
    results = {case["name"]: reference(case) for case in cases}
    json.dump({"sklearn": sklearn.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()

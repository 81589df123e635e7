"""fairlearn's group fairness metrics for the cases that test/unit/fairness-metrics-fairlearn.test.ts
scores with core/evaluation/fairness-metrics.ts.

Reads {"cases": [{"name", "labels", "predictions", "favorableClass"?, "sensitiveFeatures": [{"name",
"categories", "groups"}]}]} as JSON on stdin and writes {"fairlearn": version, "results": {name: {feature:
{...}}}} to stdout, NaN as null. Each value is a plain fairlearn call on the group names (not indices), so
the test compares against fairlearn itself rather than against a second implementation. The favourable
class is scored one-vs-rest: fairlearn's rate metrics take binary labels with 1 as the positive one.
"""

import json
import math
import sys

import fairlearn
import numpy as np
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score


def number(value):
    value = float(value)
    return None if math.isnan(value) else value


def feature_reference(y, y_pred, favorable, feature):
    groups = np.asarray([feature["categories"][g] for g in feature["groups"]], dtype=object)
    # Per-group accuracy is over all classes, as the TS side documents; the rest is one-vs-rest.
    accuracy = MetricFrame(
        metrics={"accuracy": accuracy_score, "rows": count}, y_true=y, y_pred=y_pred, sensitive_features=groups
    )
    result = {
        "groups": {
            str(group): {"rows": int(row["rows"]), "accuracy": float(row["accuracy"])}
            for group, row in accuracy.by_group.iterrows()
        },
        "accuracy_min_group": number(accuracy.group_min()["accuracy"]),
        "accuracy_difference": number(accuracy.difference()["accuracy"]),
    }
    if favorable is None:
        return result

    y_bin = (y == favorable).astype(np.int64)
    pred_bin = (y_pred == favorable).astype(np.int64)
    rates = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "positives": lambda y_true, y_pred: int(y_true.sum()),
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
        },
        y_true=y_bin,
        y_pred=pred_bin,
        sensitive_features=groups,
    )
    for group, row in rates.by_group.iterrows():
        result["groups"][str(group)].update({name: number(value) for name, value in row.items()})
        result["groups"][str(group)]["positives"] = int(row["positives"])
    kwargs = {"sensitive_features": groups}
    result.update(
        demographic_parity_difference=number(demographic_parity_difference(y_bin, pred_bin, **kwargs)),
        demographic_parity_ratio=number(demographic_parity_ratio(y_bin, pred_bin, **kwargs)),
        equalized_odds_difference=number(equalized_odds_difference(y_bin, pred_bin, **kwargs)),
        equalized_odds_ratio=number(equalized_odds_ratio(y_bin, pred_bin, **kwargs)),
    )
    return result


def reference(case):
    y = np.asarray(case["labels"], dtype=np.int64)
    y_pred = np.asarray(case["predictions"], dtype=np.int64)
    favorable = case.get("favorableClass")
    return {feature["name"]: feature_reference(y, y_pred, favorable, feature) for feature in case["sensitiveFeatures"]}


def main():
    cases = json.load(sys.stdin)["cases"]
    results = {case["name"]: reference(case) for case in cases}
    json.dump({"fairlearn": fairlearn.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()

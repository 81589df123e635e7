"""Evidently's side of bench/drift-vs-evidently.ts: PSI, Jensen-Shannon and normed Wasserstein on the
raw rows the TS side profiled and sketched, both as Evidently bins them and on Windsock's own bins,
and the time Evidently takes. Reads the manifest the TS side wrote; writes one JSON answer.

Usage: python bench/drift_evidently_peer.py MANIFEST OUT [--timing-datasets N] [--report-methods psi,...]
Needs the pins in bench/requirements-drift.txt (evidently 0.7.23 does not import with pandas 3).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import pandas as pd
import scipy
from scipy import stats

import evidently
from evidently.legacy.calculations.stattests import (
    jensenshannon_stat_test,
    ks_stat_test,
    psi_stat_test,
    wasserstein_stat_test,
)
from evidently.legacy.core import ColumnType

NUM = ColumnType.Numerical
CAT = ColumnType.Categorical
RAW_TESTS = [psi_stat_test, jensenshannon_stat_test, wasserstein_stat_test]


def finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def raw_drift(ref: pd.Series, cur: pd.Series) -> dict:
    """What Evidently reports for a numeric column: its own binning (Sturges' rule over both samples)."""
    return {
        "psi": finite(psi_stat_test(ref, cur, NUM, None).drift_score),
        "js": finite(jensenshannon_stat_test(ref, cur, NUM, None).drift_score),
        "wasserstein": finite(wasserstein_stat_test(ref, cur, NUM, None).drift_score),
        "ksPValue": finite(ks_stat_test(ref, cur, NUM, None).drift_score),
        "ksStatistic": finite(stats.ks_2samp(ref.to_numpy(), cur.to_numpy()).statistic),
    }


def same_bins_drift(ref: np.ndarray, cur: np.ndarray, feature: dict) -> dict:
    """Evidently's stattests on Windsock's bins: bin indices as a categorical column for PSI and JS, and
    each value moved to its bin's point (Windsock's binRepresentatives) as a numeric column for
    Wasserstein, re-normed from the points' std to the raw reference std that Windsock divides by."""
    edges = np.asarray(feature["edges"], dtype=np.float64)
    # binIndex: the first edge >= value, i.e. right-closed bins.
    ref_bins = np.searchsorted(edges, ref, side="left")
    cur_bins = np.searchsorted(edges, cur, side="left")
    nbins = len(edges) + 1
    same_counts = (
        np.bincount(ref_bins, minlength=nbins).tolist() == feature["refCounts"]
        and np.bincount(cur_bins, minlength=nbins).tolist() == feature["curCounts"]
    )
    ref_cat, cur_cat = pd.Series(ref_bins), pd.Series(cur_bins)
    points = np.asarray(feature["points"], dtype=np.float64)
    ref_pts, cur_pts = pd.Series(points[ref_bins]), pd.Series(points[cur_bins])
    wass_on_points = wasserstein_stat_test(ref_pts, cur_pts, NUM, None).drift_score
    renorm = max(float(np.std(ref_pts)), 0.001) / max(feature["std"], 0.001)
    return {
        "sameCounts": bool(same_counts),
        "psi": finite(psi_stat_test(ref_cat, cur_cat, CAT, None).drift_score),
        "js": finite(jensenshannon_stat_test(ref_cat, cur_cat, CAT, None).drift_score),
        "wasserstein": finite(wass_on_points * renorm),
    }


def time_stattests(ref: pd.DataFrame, cur: pd.DataFrame) -> dict:
    """Seconds for PSI, JS and Wasserstein on every column of one model's raw rows, per method and in all."""
    per_method = {}
    for test in RAW_TESTS:
        start = time.perf_counter()
        for column in ref.columns:
            test(ref[column], cur[column], NUM, None)
        per_method[test.name] = time.perf_counter() - start
    return {"seconds": sum(per_method.values()), "perMethod": per_method}


def time_report(ref: pd.DataFrame, cur: pd.DataFrame, method: str) -> dict:
    """Evidently's own entry point: a Report with DataDriftPreset(method) over every column (it renders
    its plotly widgets as part of run, which is most of its time)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=list(ref.columns))
    start = time.perf_counter()
    snapshot = Report([DataDriftPreset(method=method)]).run(
        Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition)
    )
    seconds = time.perf_counter() - start
    values = {}
    for metric in snapshot.dict()["metrics"]:
        column = metric.get("config", {}).get("column")
        if metric.get("config", {}).get("type") == "evidently:metric_v2:ValueDrift" and column is not None:
            values[column] = finite(metric["value"])
    return {"method": method, "seconds": seconds, "values": values}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("manifest")
    parser.add_argument("out")
    parser.add_argument("--timing-datasets", type=int, default=None)
    parser.add_argument("--report-methods", default="psi")
    args = parser.parse_args()
    with open(args.manifest) as f:
        manifest = json.load(f)
    base = os.path.dirname(os.path.abspath(args.manifest))

    datasets = []
    for entry in manifest["datasets"]:
        ref = np.load(os.path.join(base, entry["ref"]))
        cur = np.load(os.path.join(base, entry["cur"]))
        names = [feature["name"] for feature in entry["features"]]
        datasets.append((entry, pd.DataFrame(ref, columns=names), pd.DataFrame(cur, columns=names)))

    # Warm up imports and first-call paths on one column before anything is timed.
    _, ref0, cur0 = datasets[0]
    first = ref0.columns[0]
    for test in RAW_TESTS:
        test(ref0[first], cur0[first], NUM, None)

    timing_n = len(datasets) if args.timing_datasets is None else min(args.timing_datasets, len(datasets))
    stattests = [time_stattests(ref, cur) for _, ref, cur in datasets[:timing_n]]

    reports = []
    methods = [m for m in args.report_methods.split(",") if m]
    for method in methods:
        reports.append(time_report(ref0, cur0, method))

    values = []
    quantile_gap = 0.0
    for entry, ref, cur in datasets:
        features = []
        for feature in entry["features"]:
            r, c = ref[feature["name"]], cur[feature["name"]]
            # Windsock's quantile edges are numpy's 'linear' quantiles, less duplicates and any at the max;
            # on continuous data none are dropped, so the edges line up with numpy's one for one.
            bins = manifest["bins"]
            if len(feature["edges"]) == bins - 1:
                expected = np.quantile(r.to_numpy(), [k / bins for k in range(1, bins)])
                quantile_gap = max(quantile_gap, float(np.max(np.abs(expected - np.asarray(feature["edges"])))))
            else:
                quantile_gap = math.inf
            features.append(
                {"name": feature["name"], "raw": raw_drift(r, c), "sameBins": same_bins_drift(r.to_numpy(), c.to_numpy(), feature)}
            )
        values.append(features)

    out = {
        "versions": {
            "python": sys.version.split()[0],
            "evidently": evidently.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "pandas": pd.__version__,
        },
        "rows": {"reference": int(ref0.shape[0]), "current": int(cur0.shape[0]), "features": int(ref0.shape[1])},
        "quantileEdgesMaxAbsDiff": finite(quantile_gap),
        "stattests": stattests,
        "reports": reports,
        "values": values,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, allow_nan=False)


if __name__ == "__main__":
    main()

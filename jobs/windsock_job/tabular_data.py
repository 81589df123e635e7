"""The dataset spec (core/data/dataset-spec.ts) and the training CSV, read into the numbers a model
takes: the same encoding as toFeatureMatrix in core/data/dataset-validation.ts (a numeric cell as
its number, a categorical cell as its index in the column's categories, a null cell as NaN)."""
import csv
import json
import math
import re
from dataclasses import dataclass, field
from typing import List, Optional

from windsock_job.job_process import InputError

NUMERIC_TYPES = ("float", "integer")
ALL_TYPES = NUMERIC_TYPES + ("categorical",)
# Mirrors NULL_TOKENS and parseNumberCell in core/data/dataset-validation.ts.
NULL_TOKENS = frozenset(["", "NA", "NaN", "null"])
DECIMAL_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = False
    categories: Optional[List[str]] = None

    @property
    def categorical(self) -> bool:
        return self.type == "categorical"

    def describe(self) -> dict:
        """What a model built for this column depends on (for checkpoint compatibility checks)."""
        return {
            "name": self.name, "type": self.type, "nullable": self.nullable, "categories": self.categories,
        }


@dataclass
class DatasetSpec:
    columns: List[Column]
    target: str
    classes: List[str]
    feature_names: List[str] = field(init=False)

    def __post_init__(self):
        self.feature_names = [c.name for c in self.columns]


def load_spec(path: str, supported_types=ALL_TYPES, supported_text: str = "") -> DatasetSpec:
    """Reads and checks a dataset spec; a feature whose type is not in `supported_types` is an
    InputError that says the job supports only `supported_text`."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            spec = json.load(f)
    except OSError as e:
        raise InputError(f"cannot read dataset spec {path}: {e.strerror or e}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"dataset spec {path} is not valid JSON: {e}")
    try:
        features = spec["features"]
        target = spec["target"]
        target_name = target["name"]
        classes = target["classes"]
    except (KeyError, TypeError) as e:
        raise InputError(f"dataset spec {path} is missing {e}")
    if not isinstance(features, list) or not features:
        raise InputError(f"dataset spec {path}: features must be a non-empty list")
    columns = []
    for i, col in enumerate(features):
        if not isinstance(col, dict) or not isinstance(col.get("name"), str) or not col["name"]:
            raise InputError(f"dataset spec {path}: feature {i} has no name")
        name, kind = col["name"], col.get("type")
        if kind not in supported_types:
            raise InputError(
                f"dataset spec {path}: feature {name!r} has type {kind!r}; "
                f"this job supports only {supported_text or ', '.join(supported_types)} features"
            )
        nullable = col.get("nullable", False)
        if not isinstance(nullable, bool):
            raise InputError(f"dataset spec {path}: feature {name!r}: nullable must be true or false")
        categories = None
        if kind == "categorical":
            categories = col.get("categories")
            if (
                not isinstance(categories, list)
                or not categories
                or not all(isinstance(c, str) for c in categories)
                or len(set(categories)) != len(categories)
            ):
                raise InputError(
                    f"dataset spec {path}: feature {name!r}: categories must be 1 or more distinct strings"
                )
        columns.append(Column(name, kind, nullable, categories))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise InputError(f"dataset spec {path}: duplicate feature names")
    if not isinstance(target_name, str) or not target_name:
        raise InputError(f"dataset spec {path}: target.name must be a non-empty string")
    if target_name in names:
        raise InputError(f"dataset spec {path}: target {target_name!r} is also a feature")
    if (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(c, str) for c in classes)
        or len(set(classes)) != len(classes)
    ):
        raise InputError(f"dataset spec {path}: target.classes must be 2 or more distinct strings")
    return DatasetSpec(columns, target_name, classes)


def load_csv(path: str, spec: DatasetSpec, allow_nulls: bool):
    """The CSV's feature matrix (float64, [rows, features]) and class indices (int64, [rows]).
    Null cells are NaN when `allow_nulls`, else an InputError."""
    import numpy as np

    class_index = {c: i for i, c in enumerate(spec.classes)}
    category_index = [
        {c: i for i, c in enumerate(col.categories)} if col.categorical else None for col in spec.columns
    ]
    try:
        f = open(path, "r", encoding="utf-8", newline="")
    except OSError as e:
        raise InputError(f"cannot read dataset {path}: {e.strerror or e}")
    with f:
        try:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputError(f"dataset {path} is empty (no header row)")
            header = [h.strip() for h in header]
            if header and header[0].startswith("\ufeff"):
                header[0] = header[0][1:]
            missing = [n for n in spec.feature_names + [spec.target] if n not in header]
            if missing:
                raise InputError(f"dataset {path} is missing column(s): {', '.join(missing)}")
            feat_idx = [header.index(n) for n in spec.feature_names]
            tgt_idx = header.index(spec.target)
            width = len(header)
            rows, labels = [], []
            for row in reader:
                line = reader.line_num
                if not row or (len(row) == 1 and row[0].strip() == ""):
                    continue  # blank line
                if len(row) != width:
                    raise InputError(f"dataset {path} line {line}: {len(row)} fields, header has {width}")
                values = []
                for col, j, categories in zip(spec.columns, feat_idx, category_index):
                    text = row[j].strip()
                    if text in NULL_TOKENS:
                        if not allow_nulls:
                            what = "is empty" if text == "" else f"is missing ({text!r})"
                            raise InputError(f"dataset {path} line {line}: {col.name} {what}")
                        values.append(math.nan)
                    elif categories is not None:
                        if text not in categories:
                            raise InputError(
                                f"dataset {path} line {line}: {col.name} {text!r} "
                                "is not one of its categories"
                            )
                        values.append(float(categories[text]))
                    else:
                        v = float(text) if DECIMAL_NUMBER.match(text) else math.nan
                        if not math.isfinite(v):
                            raise InputError(
                                f"dataset {path} line {line}: {col.name} is not a number: {text!r}"
                            )
                        values.append(v)
                label = row[tgt_idx].strip()
                if label not in class_index:
                    raise InputError(
                        f"dataset {path} line {line}: {spec.target} {label!r} is not one of "
                        f"the spec's classes {spec.classes}"
                    )
                rows.append(values)
                labels.append(class_index[label])
        except csv.Error as e:
            raise InputError(f"dataset {path} is not valid CSV: {e}")
        except UnicodeDecodeError as e:
            raise InputError(f"dataset {path} is not UTF-8 text: {e}")
    if not rows:
        raise InputError(f"dataset {path} has no data rows")
    return (
        np.asarray(rows, dtype=np.float64).reshape(len(rows), len(spec.columns)),
        np.asarray(labels, dtype=np.int64),
    )

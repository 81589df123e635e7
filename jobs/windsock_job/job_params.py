"""WINDSOCK_PARAMS: a JSON object of hyperparameters over a job's defaults, checked one key at a time."""
import json
import math

from windsock_job.job_process import InputError, log


def parse_params(raw, defaults: dict) -> dict:
    """The defaults with the given keys applied; unknown keys are reported on stderr and ignored."""
    params = dict(defaults)
    if raw is None or raw.strip() == "":
        return params
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(f"WINDSOCK_PARAMS is not valid JSON: {e}")
    if not isinstance(given, dict):
        raise InputError("WINDSOCK_PARAMS must be a JSON object")
    for key, value in given.items():
        if key not in defaults:
            log(f"warning: ignoring unknown parameter {key!r}")
            continue
        params[key] = value
    return params


def is_integer(v) -> bool:
    # JSON has one number type: accept 60 and 60.0, refuse 60.5, true, "60".
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v == int(v)


def check_int(params: dict, key: str, lo: int) -> None:
    v = params[key]
    if not is_integer(v):
        raise InputError(f"parameter {key} must be an integer, got {v!r}")
    v = int(v)
    if v < lo:
        raise InputError(f"parameter {key} must be >= {lo}, got {v}")
    params[key] = v


def check_float(params: dict, key: str, positive: bool, below=None) -> None:
    """A finite number, > 0 when `positive`, else >= 0; and < `below` when given."""
    v = params[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InputError(f"parameter {key} must be a finite number, got {v!r}")
    v = float(v)
    if positive and v <= 0:
        raise InputError(f"parameter {key} must be > 0, got {v}")
    if not positive and v < 0:
        raise InputError(f"parameter {key} must be >= 0, got {v}")
    if below is not None and v >= below:
        raise InputError(f"parameter {key} must be < {below}, got {v}")
    params[key] = v


def check_hold_file(params: dict) -> None:
    if params["hold_file"] is not None and not (isinstance(params["hold_file"], str) and params["hold_file"]):
        raise InputError(f"parameter hold_file must be a non-empty path, got {params['hold_file']!r}")

"""The process side of the job contract: JSON events on stdout, logs on stderr, exit statuses.

Importing this module claims stdout for events: events go to a private duplicate of fd 1, and fd 1
itself (Python prints and any C/C++ library output) is pointed at stderr. Import it before torch.
"""
import json
import os
import sys
import time

_events = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

HOLD_POLL_SECONDS = 0.05


class InputError(Exception):
    """Bad input from the caller: reported on stderr, exit status 2."""


def emit(event: dict) -> None:
    _events.write(json.dumps(event) + "\n")
    _events.flush()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def require_env(name: str) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        raise InputError(f"environment variable {name} is not set")
    return value


def make_dirs(dirs) -> None:
    """Creates each (path, variable name) pair's directory; a None path is skipped."""
    for d, what in dirs:
        if d is None:
            continue
        try:
            os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create {what} {d}: {e.strerror or e}")


def hold_while_exists(path: str, epoch: int) -> None:
    """Waits while `path` exists, so that a test can keep a job running as long as it needs."""
    if not os.path.exists(path):
        return
    log(f"holding after epoch {epoch} while {path} exists")
    while os.path.exists(path):
        time.sleep(HOLD_POLL_SECONDS)
    log("released")


def write_json_atomic(path: str, value) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def run_job(run) -> int:
    """Runs `run()` and returns the job's exit status: 0, 2 on InputError, 130 on interrupt, else 1."""
    try:
        run()
    except InputError as e:
        log(f"error: {e}")
        return 2
    except KeyboardInterrupt:
        log("error: interrupted")
        return 130
    except Exception as e:  # noqa: BLE001
        import traceback

        traceback.print_exc(file=sys.stderr)
        log(f"error: {type(e).__name__}: {e}")
        return 1
    return 0

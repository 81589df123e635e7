#!/usr/bin/env python3
"""Windsock training job: a small PyTorch MLP classifier for the breast-cancer example.

Contract (the job reads only environment variables):

  WINDSOCK_DATASET         path of the training CSV (header row; the spec's feature columns
                           and its target column; other columns are ignored)
  WINDSOCK_DATASET_SPEC    path of the dataset-spec JSON (core/data/dataset-spec.ts): feature names
                           in input order, target name, classes (class i = output index i)
  WINDSOCK_PARAMS          optional JSON object of hyperparameters, all optional:
                             epochs (60; 0 exports the untrained, randomly initialised model),
                             lr (1e-2), hidden (32), batch_size (64), seed (42),
                             weight_decay (1e-4), checkpoint_every (10),
                             hold_file (none), hold_after_epoch (1): after that epoch's progress
                               event and checkpoint, the job waits while hold_file exists, so a
                               test can keep a job running as long as it needs (deleting the file
                               releases it; a resumed run past that epoch does not wait again)
                           unknown keys are reported on stderr and ignored
  WINDSOCK_OUTPUT_DIR      where model.onnx and metrics.json are written
  WINDSOCK_CHECKPOINT_DIR  optional: checkpoint.pt is saved there every checkpoint_every epochs
                           (and after the last epoch) and resumed from at start when present

stdout carries only JSON events, one per line:
  {"event":"started","device":...,"epochs":N}
  {"event":"resumed","epoch":k,"epochs":N}                    (only when resuming)
  {"event":"progress","epoch":e,"epochs":N,"loss":...,"accuracy":...,"progress":e/N}
  {"event":"completed","metrics":{...}}
Human-readable logs go to stderr. Exit status 2 on bad input (with an "error: ..." line on
stderr), 1 on any other failure.

The ONNX model (opset 13) takes input "features" float32 [batch, n_features] of raw feature
values (standardisation is its first layer) and returns "probabilities" float32
[batch, n_classes] (softmax over the spec's classes, in order).
"""
import csv
import json
import math
import os
import sys
import time

# Keep stdout for JSON events only: events go to a private duplicate of fd 1, and fd 1 itself
# (Python prints and any C/C++ library output) is pointed at stderr.
_events = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

DEFAULT_PARAMS = {
    "epochs": 60,
    "lr": 1e-2,
    "hidden": 32,
    "batch_size": 64,
    "seed": 42,
    "weight_decay": 1e-4,
    "checkpoint_every": 10,
    "hold_file": None,
    "hold_after_epoch": 1,
}
HOLD_POLL_SECONDS = 0.05
CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_FORMAT = 1


class InputError(Exception):
    """Bad input from the caller: reported on stderr, exit status 2."""


def emit(event: dict) -> None:
    _events.write(json.dumps(event) + "\n")
    _events.flush()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def hold_while_exists(path: str, epoch: int) -> None:
    if not os.path.exists(path):
        return
    log(f"holding after epoch {epoch} while {path} exists")
    while os.path.exists(path):
        time.sleep(HOLD_POLL_SECONDS)
    log("released")


def require_env(name: str) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        raise InputError(f"environment variable {name} is not set")
    return value


# ---------------------------------------------------------------------------------------------
# Inputs


def load_params(raw):
    params = dict(DEFAULT_PARAMS)
    if raw is None or raw.strip() == "":
        return params
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(f"WINDSOCK_PARAMS is not valid JSON: {e}")
    if not isinstance(given, dict):
        raise InputError("WINDSOCK_PARAMS must be a JSON object")
    for key, value in given.items():
        if key not in DEFAULT_PARAMS:
            log(f"warning: ignoring unknown parameter {key!r}")
            continue
        params[key] = value

    def as_int(key, lo):
        v = params[key]
        # JSON has one number type: accept 60 and 60.0, refuse 60.5, true, "60".
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v != int(v):
            raise InputError(f"parameter {key} must be an integer, got {v!r}")
        v = int(v)
        if v < lo:
            raise InputError(f"parameter {key} must be >= {lo}, got {v}")
        params[key] = v

    def as_float(key, positive):
        v = params[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"parameter {key} must be a finite number, got {v!r}")
        v = float(v)
        if positive and v <= 0:
            raise InputError(f"parameter {key} must be > 0, got {v}")
        if not positive and v < 0:
            raise InputError(f"parameter {key} must be >= 0, got {v}")
        params[key] = v

    as_int("epochs", 0)
    as_int("hidden", 1)
    as_int("batch_size", 1)
    as_int("seed", 0)
    as_int("checkpoint_every", 1)
    as_int("hold_after_epoch", 1)
    as_float("lr", True)
    as_float("weight_decay", False)
    if params["hold_file"] is not None and not (isinstance(params["hold_file"], str) and params["hold_file"]):
        raise InputError(f"parameter hold_file must be a non-empty path, got {params['hold_file']!r}")
    return params


def load_spec(path):
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
    names = []
    for i, col in enumerate(features):
        if not isinstance(col, dict) or not isinstance(col.get("name"), str) or not col["name"]:
            raise InputError(f"dataset spec {path}: feature {i} has no name")
        if col.get("type") not in ("float", "integer"):
            raise InputError(
                f"dataset spec {path}: feature {col['name']!r} has type {col.get('type')!r}; "
                "this job supports only numeric (float, integer) features"
            )
        names.append(col["name"])
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
    return names, target_name, classes


def load_csv(path, feature_names, target_name, classes):
    import numpy as np

    class_index = {c: i for i, c in enumerate(classes)}
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
            missing = [n for n in feature_names + [target_name] if n not in header]
            if missing:
                raise InputError(f"dataset {path} is missing column(s): {', '.join(missing)}")
            feat_idx = [header.index(n) for n in feature_names]
            tgt_idx = header.index(target_name)
            width = len(header)
            rows, labels = [], []
            for row in reader:
                line = reader.line_num
                if not row or (len(row) == 1 and row[0].strip() == ""):
                    continue  # blank line
                if len(row) != width:
                    raise InputError(
                        f"dataset {path} line {line}: {len(row)} fields, header has {width}"
                    )
                values = []
                for name, j in zip(feature_names, feat_idx):
                    text = row[j].strip()
                    try:
                        v = float(text)
                    except ValueError:
                        if text == "":
                            raise InputError(f"dataset {path} line {line}: {name} is empty")
                        raise InputError(
                            f"dataset {path} line {line}: {name} is not a number: {text!r}"
                        )
                    if math.isnan(v):
                        raise InputError(f"dataset {path} line {line}: {name} is NaN")
                    if math.isinf(v):
                        raise InputError(f"dataset {path} line {line}: {name} is infinite")
                    values.append(v)
                label = row[tgt_idx].strip()
                if label not in class_index:
                    raise InputError(
                        f"dataset {path} line {line}: {target_name} {label!r} is not one of "
                        f"the spec's classes {classes}"
                    )
                rows.append(values)
                labels.append(class_index[label])
        except csv.Error as e:
            raise InputError(f"dataset {path} is not valid CSV: {e}")
        except UnicodeDecodeError as e:
            raise InputError(f"dataset {path} is not UTF-8 text: {e}")
    if not rows:
        raise InputError(f"dataset {path} has no data rows")
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Model


def build_model(torch, n_features, hidden, n_classes, mean, std):
    nn = torch.nn

    class Standardize(nn.Module):
        """(x - mean) / std with the training data's statistics, stored as buffers."""

        def __init__(self, mean, std):
            super().__init__()
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).clone())
            self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32).clone())

        def forward(self, x):
            return (x - self.mean) / self.std

    # Outputs logits; softmax is added for export (ExportWrapper).
    return nn.Sequential(
        Standardize(mean, std),
        nn.Linear(n_features, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, n_classes),
    )


def export_onnx(torch, model, n_features, out_path):
    class ExportWrapper(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, features):
            return torch.softmax(self.net(features), dim=1)

    wrapper = ExportWrapper(model).cpu().eval()
    dummy = torch.zeros(2, n_features, dtype=torch.float32)
    tmp = out_path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (dummy,),
            tmp,
            input_names=["features"],
            output_names=["probabilities"],
            dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
            opset_version=13,
            do_constant_folding=True,
        )
    os.replace(tmp, out_path)


def save_checkpoint(torch, path, state):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------


def run():
    t0 = time.monotonic()
    dataset_path = require_env("WINDSOCK_DATASET")
    spec_path = require_env("WINDSOCK_DATASET_SPEC")
    output_dir = require_env("WINDSOCK_OUTPUT_DIR")
    checkpoint_dir = os.environ.get("WINDSOCK_CHECKPOINT_DIR") or None
    params = load_params(os.environ.get("WINDSOCK_PARAMS"))

    feature_names, target_name, classes = load_spec(spec_path)
    X, y = load_csv(dataset_path, feature_names, target_name, classes)
    n_rows, n_features = X.shape
    n_classes = len(classes)
    counts = [int((y == i).sum()) for i in range(n_classes)]
    log(f"loaded {n_rows} rows x {n_features} features from {dataset_path}; class counts "
        + ", ".join(f"{c}={n}" for c, n in zip(classes, counts)))

    for d, what in ((output_dir, "WINDSOCK_OUTPUT_DIR"), (checkpoint_dir, "WINDSOCK_CHECKPOINT_DIR")):
        if d is None:
            continue
        try:
            os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create {what} {d}: {e.strerror or e}")

    import numpy as np
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)
    seed = params["seed"]
    torch.manual_seed(seed)
    np.random.seed(seed)
    shuffle_gen = torch.Generator()  # CPU generator: the same batch order on CPU and CUDA
    shuffle_gen.manual_seed(seed)

    epochs = params["epochs"]
    emit({"event": "started", "device": device.type, "epochs": epochs})
    log(f"device {device}, torch {torch.__version__}, params {json.dumps(params)}")

    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)  # a constant column passes through centred
    model = build_model(torch, n_features, params["hidden"], n_classes, mean, std).to(device)
    # Built after model.to(device), so loading a checkpoint casts its state to the device.
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=params["lr"], weight_decay=params["weight_decay"]
    )

    config = {
        "features": feature_names,
        "target": target_name,
        "classes": classes,
        "hidden": params["hidden"],
    }
    start_epoch = 0
    ckpt_path = os.path.join(checkpoint_dir, CHECKPOINT_NAME) if checkpoint_dir else None
    if ckpt_path and os.path.exists(ckpt_path):
        try:
            ckpt = torch.load(ckpt_path, map_location="cpu")
        except Exception as e:  # noqa: BLE001 - any unreadable checkpoint is bad input
            raise InputError(f"cannot load checkpoint {ckpt_path}: {e}")
        if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
            raise InputError(f"checkpoint {ckpt_path} is not a checkpoint of this job")
        if ckpt.get("config") != config:
            raise InputError(
                f"checkpoint {ckpt_path} was written for a different model "
                f"(features, target, classes or hidden differ); remove it to start afresh"
            )
        # The model's Standardize buffers come from the checkpoint's normalisation stats,
        # so a resumed model keeps the scaling it was trained with.
        model.load_state_dict(ckpt["model"])
        mean = np.asarray(ckpt["normalisation"]["mean"], dtype=np.float64)
        std = np.asarray(ckpt["normalisation"]["std"], dtype=np.float64)
        optimizer.load_state_dict(ckpt["optimizer"])
        for group in optimizer.param_groups:  # this run's params win over the checkpoint's
            group["lr"] = params["lr"]
            group["weight_decay"] = params["weight_decay"]
        shuffle_gen.set_state(ckpt["shuffle_rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        start_epoch = int(ckpt["epoch"])
        emit({"event": "resumed", "epoch": start_epoch, "epochs": epochs})
        log(f"resumed from {ckpt_path} at epoch {start_epoch}")
        if start_epoch > epochs:
            log(f"warning: checkpoint is at epoch {start_epoch}, past epochs={epochs}; "
                "exporting it without further training")

    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.int64, device=device)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch_size = params["batch_size"]
    every = params["checkpoint_every"]

    def checkpoint(epoch):
        save_checkpoint(torch, ckpt_path, {
            "format": CHECKPOINT_FORMAT,
            "epoch": epoch,
            "config": config,
            "params": params,
            "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "optimizer": optimizer.state_dict(),
            "shuffle_rng": shuffle_gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "normalisation": {"mean": mean.tolist(), "std": std.tolist()},
        })

    for epoch in range(start_epoch + 1, epochs + 1):
        model.train()
        order = torch.randperm(n_rows, generator=shuffle_gen).to(device)
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.int64, device=device)
        for i in range(0, n_rows, batch_size):
            idx = order[i:i + batch_size]
            xb, yb = Xt[idx], yt[idx]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.detach() * len(idx)
            correct += (logits.detach().argmax(dim=1) == yb).sum()
        loss_v = float(total_loss) / n_rows
        acc_v = int(correct) / n_rows
        if not math.isfinite(loss_v):
            raise RuntimeError(f"training diverged at epoch {epoch} (loss {loss_v}); try a lower lr")
        emit({
            "event": "progress",
            "epoch": epoch,
            "epochs": epochs,
            "loss": loss_v,
            "accuracy": acc_v,
            "progress": epoch / epochs,
        })
        if ckpt_path and (epoch % every == 0 or epoch == epochs):
            checkpoint(epoch)
        if epoch == params["hold_after_epoch"] and params["hold_file"]:
            hold_while_exists(params["hold_file"], epoch)

    epochs_done = max(start_epoch, epochs)

    # Final metrics: the trained model evaluated on the whole training set.
    model.eval()
    with torch.no_grad():
        logits = model(Xt)
        train_loss = float(loss_fn(logits, yt))
        train_acc = int((logits.argmax(dim=1) == yt).sum()) / n_rows

    model.cpu()
    model_path = os.path.join(output_dir, "model.onnx")
    export_onnx(torch, model, n_features, model_path)
    log(f"wrote {model_path}")

    metrics = {
        "train_loss": train_loss,
        "train_accuracy": train_acc,
        "epochs_run": epochs_done,
        "epochs_this_run": max(0, epochs - start_epoch),
        "resumed_from_epoch": start_epoch if start_epoch > 0 else None,
        "rows": n_rows,
        "features": n_features,
        "classes": classes,
        "class_counts": counts,
        "params": params,
        "device": device.type,
        "torch_version": torch.__version__,
        "seconds": round(time.monotonic() - t0, 3),
    }
    metrics_path = os.path.join(output_dir, "metrics.json")
    tmp = metrics_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    os.replace(tmp, metrics_path)
    log(f"train loss {train_loss:.4f}, train accuracy {train_acc:.4f}, {metrics['seconds']}s")
    emit({"event": "completed", "metrics": metrics})


def main():
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


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Windsock's built-in trainer: a PyTorch MLP classifier for any tabular dataset spec. A model
template that names no job runs this one.

Contract (the job reads only environment variables; the same as jobs/breast-cancer/train.py):

  WINDSOCK_DATASET         path of the training CSV (header row; the spec's feature columns and its
                           target column; other columns are ignored). Cells as the dataset
                           validation reads them: numbers, category labels, and "", NA, NaN or
                           null for a missing value
  WINDSOCK_DATASET_SPEC    path of the dataset-spec JSON (core/data/dataset-spec.ts): float, integer
                           and categorical features in input order, target name, classes (2 or
                           more; class i = output index i)
  WINDSOCK_PARAMS          optional JSON object of hyperparameters, all optional:
                             epochs (200; 0 exports the untrained, randomly initialised model),
                             lr (3e-3), hidden (list of layer widths, [128, 64]; a number n means
                               [n, n]; [] is multinomial logistic regression), batch_size (64),
                             seed (42), weight_decay (1e-4),
                             validation_fraction (0.1): a stratified share of the rows held out to
                               watch the validation loss; 0, or too few rows for 10, trains on all
                               rows without early stopping,
                             patience (20): stop after this many epochs without a better validation
                               loss and keep the best epoch's weights; 0 trains every epoch and
                               keeps the last,
                             checkpoint_every (10),
                             hold_file (none), hold_after_epoch (1): after that epoch's progress
                               event and checkpoint, the job waits while hold_file exists, so a
                               test can keep a job running as long as it needs (deleting the file
                               releases it; a resumed run past that epoch does not wait again)
                           unknown keys are reported on stderr and ignored
  WINDSOCK_OUTPUT_DIR      where model.onnx and metrics.json are written
  WINDSOCK_CHECKPOINT_DIR  optional: checkpoint.pt is saved there every checkpoint_every epochs
                           (and after the last epoch, or the early stop) and resumed from at start
                           when present

stdout carries only JSON events, one per line:
  {"event":"started","device":...,"epochs":N}
  {"event":"resumed","epoch":k,"epochs":N}                    (only when resuming)
  {"event":"progress","epoch":e,"epochs":N,"loss":...,"accuracy":...,"progress":e/N,
   "val_loss":...,"val_accuracy":...}                         (val_* only with a validation split)
  {"event":"completed","metrics":{...}}
Human-readable logs go to stderr. Exit status 2 on bad input (with an "error: ..." line on
stderr), 1 on any other failure. On CPU the same inputs and seed give the same model.

The ONNX model (opset 13) takes input "features" float32 [batch, n_features] of raw values as
toFeatureMatrix encodes them (a number; a category's index in the spec's categories; NaN for
missing) and returns "probabilities" float32 [batch, n_classes]; the imputation, standardisation
and one-hot encoding are part of the graph (tabular_model.py).
"""
import json
import math
import os
import sys
import time

# The shared job modules live in jobs/windsock_job; importing job_process claims stdout for events.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from windsock_job.job_params import (  # noqa: E402
    check_float, check_hold_file, check_int, is_integer, parse_params,
)
from windsock_job.job_process import (  # noqa: E402
    InputError, emit, hold_while_exists, log, make_dirs, require_env, run_job, write_json_atomic,
)
from windsock_job.tabular_data import load_csv, load_spec  # noqa: E402
from windsock_job.torch_training import (  # noqa: E402
    CHECKPOINT_NAME, export_onnx, load_checkpoint, save_checkpoint, start_torch, train_epoch,
)
from tabular_model import build_network, fit_standardisation  # noqa: E402

DEFAULT_PARAMS = {
    "epochs": 200,
    "lr": 3e-3,
    "hidden": [128, 64],
    "batch_size": 64,
    "seed": 42,
    "weight_decay": 1e-4,
    "validation_fraction": 0.1,
    "patience": 20,
    "checkpoint_every": 10,
    "hold_file": None,
    "hold_after_epoch": 1,
}
CHECKPOINT_FORMAT = 1
MAX_HIDDEN_LAYERS = 8
MAX_HIDDEN_WIDTH = 4096
# Fewer validation rows than this make early stopping a coin toss: train on all rows instead.
MIN_VALIDATION_ROWS = 10
# A validation loss must improve by more than this to count as better.
MIN_IMPROVEMENT = 1e-6


def load_params(raw):
    params = parse_params(raw, DEFAULT_PARAMS)
    check_int(params, "epochs", 0)
    check_int(params, "batch_size", 1)
    check_int(params, "seed", 0)
    check_int(params, "patience", 0)
    check_int(params, "checkpoint_every", 1)
    check_int(params, "hold_after_epoch", 1)
    check_float(params, "lr", True)
    check_float(params, "weight_decay", False)
    check_float(params, "validation_fraction", False, below=1)
    check_hold_file(params)
    hidden = params["hidden"]
    if is_integer(hidden):
        hidden = [hidden, hidden]
    if (
        not isinstance(hidden, list)
        or len(hidden) > MAX_HIDDEN_LAYERS
        or not all(is_integer(h) and 1 <= h <= MAX_HIDDEN_WIDTH for h in hidden)
    ):
        raise InputError(
            f"parameter hidden must be a layer width or a list of at most {MAX_HIDDEN_LAYERS} widths "
            f"(integers 1..{MAX_HIDDEN_WIDTH}), got {params['hidden']!r}"
        )
    params["hidden"] = [int(h) for h in hidden]
    return params


def split_validation(np, y, n_classes, fraction, seed):
    """Stratified (train rows, validation rows), both sorted; no validation rows when there would
    be fewer than MIN_VALIDATION_ROWS. Every class keeps at least one training row."""
    everything = np.arange(len(y))
    if fraction <= 0:
        return everything, everything[:0]
    rng = np.random.RandomState(seed)
    held = []
    for c in range(n_classes):
        rows = np.flatnonzero(y == c)
        rng.shuffle(rows)
        k = min(int(math.floor(fraction * len(rows) + 0.5)), max(len(rows) - 1, 0))
        held.append(rows[:k])
    val = np.sort(np.concatenate(held))
    if len(val) < MIN_VALIDATION_ROWS:
        return everything, everything[:0]
    return np.setdiff1d(everything, val), val


def run():
    t0 = time.monotonic()
    dataset_path = require_env("WINDSOCK_DATASET")
    spec_path = require_env("WINDSOCK_DATASET_SPEC")
    output_dir = require_env("WINDSOCK_OUTPUT_DIR")
    checkpoint_dir = os.environ.get("WINDSOCK_CHECKPOINT_DIR") or None
    params = load_params(os.environ.get("WINDSOCK_PARAMS"))

    spec = load_spec(spec_path)
    X, y = load_csv(dataset_path, spec, allow_nulls=True)
    n_rows, n_features = X.shape
    classes = spec.classes
    n_classes = len(classes)
    counts = [int((y == i).sum()) for i in range(n_classes)]
    log(f"loaded {n_rows} rows x {n_features} features from {dataset_path}; class counts "
        + ", ".join(f"{c}={n}" for c, n in zip(classes, counts)))

    make_dirs(((output_dir, "WINDSOCK_OUTPUT_DIR"), (checkpoint_dir, "WINDSOCK_CHECKPOINT_DIR")))

    np, torch, device, shuffle_gen = start_torch(params)
    seed, epochs = params["seed"], params["epochs"]

    train_rows, val_rows = split_validation(np, y, n_classes, params["validation_fraction"], seed)
    validating = len(val_rows) > 0
    early_stopping = validating and params["patience"] > 0
    if params["validation_fraction"] > 0 and not validating:
        log(f"too few rows for a validation split of {params['validation_fraction']}: "
            "training on all rows without early stopping")
    numeric_idx = [i for i, c in enumerate(spec.columns) if not c.categorical]
    mean, std = fit_standardisation(X[train_rows], numeric_idx)
    net = build_network(torch, spec.columns, mean, std, params["hidden"], n_classes).to(device)
    preprocess, mlp = net[0], net[1]
    # Built after net.to(device), so loading a checkpoint casts its state to the device.
    optimizer = torch.optim.AdamW(mlp.parameters(), lr=params["lr"], weight_decay=params["weight_decay"])

    config = {
        "features": [c.describe() for c in spec.columns],
        "target": spec.target,
        "classes": classes,
        "hidden": params["hidden"],
        "seed": seed,
        "validation_fraction": params["validation_fraction"],
        "rows": n_rows,
    }
    # Early stopping's state; `weights` is the best epoch's state_dict.
    best = {"loss": math.inf, "epoch": 0, "weights": None, "bad_epochs": 0, "stopped": False}
    start_epoch = 0
    ckpt_path = os.path.join(checkpoint_dir, CHECKPOINT_NAME) if checkpoint_dir else None
    if ckpt_path and os.path.exists(ckpt_path):
        ckpt = load_checkpoint(
            torch, ckpt_path, CHECKPOINT_FORMAT, config,
            "features, target, classes, hidden, seed, validation_fraction or row count differ",
        )
        # The preprocessing buffers come from the checkpoint too: a resumed model keeps the
        # statistics it was trained with.
        net.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        for group in optimizer.param_groups:  # this run's params win over the checkpoint's
            group["lr"] = params["lr"]
            group["weight_decay"] = params["weight_decay"]
        shuffle_gen.set_state(ckpt["shuffle_rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        best = ckpt["best"]
        start_epoch = int(ckpt["epoch"])
        emit({"event": "resumed", "epoch": start_epoch, "epochs": epochs})
        log(f"resumed from {ckpt_path} at epoch {start_epoch}")
        if best["stopped"]:
            log(f"the checkpoint stopped early at epoch {start_epoch}; exporting it")
        elif start_epoch > epochs:
            log(f"warning: checkpoint is at epoch {start_epoch}, past epochs={epochs}; "
                "exporting it without further training")

    # The preprocessing has no trainable parameters: apply it once and train the MLP on its output.
    with torch.no_grad():
        Z = preprocess(torch.as_tensor(X, dtype=torch.float32, device=device))
    yt = torch.as_tensor(y, dtype=torch.int64, device=device)
    train_t = torch.as_tensor(train_rows, dtype=torch.int64, device=device)
    val_t = torch.as_tensor(val_rows, dtype=torch.int64, device=device)
    Zt, ytt, Zv, ytv = Z[train_t], yt[train_t], Z[val_t], yt[val_t]
    n_train = len(train_rows)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch_size = params["batch_size"]
    every = params["checkpoint_every"]

    def evaluate(Zs, ys):
        mlp.eval()
        with torch.no_grad():
            logits = mlp(Zs)
            return float(loss_fn(logits, ys)), int((logits.argmax(dim=1) == ys).sum()) / len(ys)

    def checkpoint(epoch):
        save_checkpoint(torch, ckpt_path, {
            "format": CHECKPOINT_FORMAT,
            "epoch": epoch,
            "config": config,
            "params": params,
            "model": {k: v.detach().cpu() for k, v in net.state_dict().items()},
            "optimizer": optimizer.state_dict(),
            "shuffle_rng": shuffle_gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "best": best,
        })

    last_epoch = start_epoch
    for epoch in range(start_epoch + 1, epochs + 1):
        if best["stopped"]:
            break
        mlp.train()
        order = torch.randperm(n_train, generator=shuffle_gen).to(device)
        total_loss, correct = train_epoch(torch, mlp, optimizer, loss_fn, Zt, ytt, order, batch_size)
        loss_v = float(total_loss) / n_train
        if not math.isfinite(loss_v):
            raise RuntimeError(f"training diverged at epoch {epoch} (loss {loss_v}); try a lower lr")
        event = {
            "event": "progress",
            "epoch": epoch,
            "epochs": epochs,
            "loss": loss_v,
            "accuracy": int(correct) / n_train,
            "progress": epoch / epochs,
        }
        if validating:
            val_loss, val_acc = evaluate(Zv, ytv)
            event.update(val_loss=val_loss, val_accuracy=val_acc)
            if val_loss < best["loss"] - MIN_IMPROVEMENT:
                weights = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
                best.update(loss=val_loss, epoch=epoch, weights=weights, bad_epochs=0)
            else:
                best["bad_epochs"] += 1
                best["stopped"] = early_stopping and best["bad_epochs"] >= params["patience"]
        emit(event)
        last_epoch = epoch
        if ckpt_path and (epoch % every == 0 or epoch == epochs or best["stopped"]):
            checkpoint(epoch)
        if epoch == params["hold_after_epoch"] and params["hold_file"]:
            hold_while_exists(params["hold_file"], epoch)
        if best["stopped"]:
            log(f"stopping early after epoch {epoch}: no better validation loss for "
                f"{params['patience']} epochs; keeping epoch {best['epoch']}")

    if early_stopping and best["weights"] is not None:
        net.load_state_dict(best["weights"])

    metrics = {}
    train_loss, train_acc = evaluate(Zt, ytt)
    metrics.update(train_loss=train_loss, train_accuracy=train_acc)
    if validating:
        val_loss, val_acc = evaluate(Zv, ytv)
        metrics.update(val_loss=val_loss, val_accuracy=val_acc)

    net.cpu()
    model_path = os.path.join(output_dir, "model.onnx")
    export_onnx(torch, net, n_features, model_path)
    log(f"wrote {model_path}")

    metrics.update({
        "epochs_run": max(start_epoch, last_epoch),
        "epochs_this_run": last_epoch - start_epoch,
        "resumed_from_epoch": start_epoch if start_epoch > 0 else None,
        "best_epoch": best["epoch"] if early_stopping and best["weights"] is not None else None,
        "stopped_early": bool(best["stopped"]),
        "rows": n_rows,
        "train_rows": n_train,
        "validation_rows": len(val_rows),
        "features": n_features,
        "model_inputs": preprocess.out_features,
        "classes": classes,
        "class_counts": counts,
        "params": params,
        "device": device.type,
        "torch_version": torch.__version__,
        "seconds": round(time.monotonic() - t0, 3),
    })
    write_json_atomic(os.path.join(output_dir, "metrics.json"), metrics)
    log(f"train loss {train_loss:.4f}, train accuracy {train_acc:.4f}"
        + (f", validation loss {metrics['val_loss']:.4f}, accuracy {metrics['val_accuracy']:.4f}"
           if validating else "")
        + f", {metrics['seconds']}s")
    emit({"event": "completed", "metrics": metrics})


if __name__ == "__main__":
    sys.exit(run_job(run))

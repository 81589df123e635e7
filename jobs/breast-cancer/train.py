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

The process contract, parameter checks, dataset reading, checkpoint files and ONNX export are
shared with the built-in tabular trainer (jobs/tabular/train.py) in jobs/windsock_job/.
"""
import json
import math
import os
import sys
import time

# The shared job modules live in jobs/windsock_job; importing job_process claims stdout for events.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from windsock_job.job_params import check_float, check_hold_file, check_int, parse_params  # noqa: E402
from windsock_job.job_process import (  # noqa: E402
    emit, hold_while_exists, log, make_dirs, require_env, run_job, write_json_atomic,
)
from windsock_job.tabular_data import NUMERIC_TYPES, load_csv, load_spec  # noqa: E402
from windsock_job.torch_training import (  # noqa: E402
    CHECKPOINT_NAME, export_onnx, load_checkpoint, save_checkpoint, start_torch, train_epoch,
)

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
CHECKPOINT_FORMAT = 1


# ---------------------------------------------------------------------------------------------
# Inputs


def load_params(raw):
    params = parse_params(raw, DEFAULT_PARAMS)
    check_int(params, "epochs", 0)
    check_int(params, "hidden", 1)
    check_int(params, "batch_size", 1)
    check_int(params, "seed", 0)
    check_int(params, "checkpoint_every", 1)
    check_int(params, "hold_after_epoch", 1)
    check_float(params, "lr", True)
    check_float(params, "weight_decay", False)
    check_hold_file(params)
    return params


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


# ---------------------------------------------------------------------------------------------


def run():
    t0 = time.monotonic()
    dataset_path = require_env("WINDSOCK_DATASET")
    spec_path = require_env("WINDSOCK_DATASET_SPEC")
    output_dir = require_env("WINDSOCK_OUTPUT_DIR")
    checkpoint_dir = os.environ.get("WINDSOCK_CHECKPOINT_DIR") or None
    params = load_params(os.environ.get("WINDSOCK_PARAMS"))

    spec = load_spec(spec_path, NUMERIC_TYPES, "numeric (float, integer)")
    feature_names, target_name, classes = spec.feature_names, spec.target, spec.classes
    X, y = load_csv(dataset_path, spec, allow_nulls=False)
    n_rows, n_features = X.shape
    n_classes = len(classes)
    counts = [int((y == i).sum()) for i in range(n_classes)]
    log(f"loaded {n_rows} rows x {n_features} features from {dataset_path}; class counts "
        + ", ".join(f"{c}={n}" for c, n in zip(classes, counts)))

    make_dirs(((output_dir, "WINDSOCK_OUTPUT_DIR"), (checkpoint_dir, "WINDSOCK_CHECKPOINT_DIR")))

    np, torch, device, shuffle_gen = start_torch(params)
    epochs = params["epochs"]

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
        ckpt = load_checkpoint(
            torch, ckpt_path, CHECKPOINT_FORMAT, config, "features, target, classes or hidden differ"
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
        total_loss, correct = train_epoch(torch, model, optimizer, loss_fn, Xt, yt, order, batch_size)
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
    write_json_atomic(metrics_path, metrics)
    log(f"train loss {train_loss:.4f}, train accuracy {train_acc:.4f}, {metrics['seconds']}s")
    emit({"event": "completed", "metrics": metrics})


if __name__ == "__main__":
    sys.exit(run_job(run))

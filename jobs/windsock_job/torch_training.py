"""PyTorch pieces both trainers use: one epoch of minibatch training, checkpoint files and the
ONNX export of a classifier ("features" float32 [batch, n] -> "probabilities" float32 [batch, classes])."""
import inspect
import os

from windsock_job.job_process import InputError, emit, log

CHECKPOINT_NAME = "checkpoint.pt"


def start_torch(params):
    """Imports numpy and torch (late: bad input is refused before paying for the import), picks the
    device, makes CPU runs deterministic, seeds everything from params["seed"] and announces the
    start. Returns (np, torch, device, shuffle generator); the generator is a CPU one, so the batch
    order is the same on CPU and CUDA. The job contract's determinism rules (README, "Reproducible
    versions") are these: every generator seeded from the seed, deterministic kernels, no autotuning,
    and the seed and CPU thread count announced in the started event."""
    import json
    import random

    import numpy as np
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)
    # cuDNN's autotuner picks kernels by timing them: a run would depend on the machine's load.
    torch.backends.cudnn.benchmark = False
    seed = params["seed"]
    random.seed(seed)
    torch.manual_seed(seed)
    np.random.seed(seed)
    shuffle_gen = torch.Generator()
    shuffle_gen.manual_seed(seed)
    # The thread count can change how CPU kernels split their sums: reproduce with the same count
    # (OMP_NUM_THREADS, which jobs get from the host, else the host's cores).
    emit({"event": "started", "device": device.type, "epochs": params["epochs"], "seed": seed,
          "threads": torch.get_num_threads()})
    log(f"device {device}, torch {torch.__version__}, params {json.dumps(params)}")
    return np, torch, device, shuffle_gen


def train_epoch(torch, model, optimizer, loss_fn, Xt, yt, order, batch_size):
    """One pass over the rows in `order`: returns (summed loss, correct predictions) as tensors."""
    total_loss = torch.zeros((), device=Xt.device)
    correct = torch.zeros((), dtype=torch.int64, device=Xt.device)
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        xb, yb = Xt[idx], yt[idx]
        optimizer.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = loss_fn(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.detach() * len(idx)
        correct += (logits.detach().argmax(dim=1) == yb).sum()
    return total_loss, correct


def save_checkpoint(torch, path, state):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(torch, path, checkpoint_format, config, differs):
    """The checkpoint at `path`, written by this job for the same `config`; `differs` says what a
    config mismatch means (e.g. "features, target, classes or hidden differ")."""
    try:
        ckpt = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unreadable checkpoint is bad input
        raise InputError(f"cannot load checkpoint {path}: {e}")
    if not isinstance(ckpt, dict) or ckpt.get("format") != checkpoint_format:
        raise InputError(f"checkpoint {path} is not a checkpoint of this job")
    if ckpt.get("config") != config:
        raise InputError(
            f"checkpoint {path} was written for a different model "
            f"({differs}); remove it to start afresh"
        )
    return ckpt


def export_onnx(torch, model, n_features, out_path):
    """Exports `model` (raw features -> logits) with a softmax on top, at opset 13."""

    class ExportWrapper(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, features):
            return torch.softmax(self.net(features), dim=1)

    wrapper = ExportWrapper(model).cpu().eval()
    dummy = torch.zeros(2, n_features, dtype=torch.float32)
    tmp = out_path + ".tmp"
    # torch >= 2.9 exports through dynamo by default (opset 18 and a different graph); the
    # TorchScript exporter keeps the graph, and so the model bytes, the same on every torch.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
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
            **legacy,
        )
    os.replace(tmp, out_path)

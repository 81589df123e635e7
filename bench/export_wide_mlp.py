"""Writes a wide MLP classifier as ONNX for bench/ort-node-cuda.ts: "features" float32 [batch, 256] ->
"probabilities" float32 [batch, 10] through three 2048-wide ReLU layers (about 8.9 M weights), seeded,
so that a GPU has enough arithmetic per row to matter. Usage: python export_wide_mlp.py OUT.onnx"""
import inspect
import sys

import torch

torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Linear(256, 2048), torch.nn.ReLU(),
    torch.nn.Linear(2048, 2048), torch.nn.ReLU(),
    torch.nn.Linear(2048, 2048), torch.nn.ReLU(),
    torch.nn.Linear(2048, 10), torch.nn.Softmax(dim=1),
).eval()
legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
with torch.no_grad():
    torch.onnx.export(
        net, (torch.zeros(2, 256),), sys.argv[1], input_names=["features"], output_names=["probabilities"],
        dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=13, **legacy,
    )

#!/usr/bin/env bash
# Puts onnxruntime-node's CUDA execution provider in place from PyPI instead of NuGet: the
# onnxruntime-gpu wheel of the same version carries the same libonnxruntime_providers_cuda.so (built
# for CUDA 13 and cuDNN 9 from 1.30 on). Use it on a GPU host where onnxruntime-node's own installer
# cannot reach api.nuget.org (ONNXRUNTIME_NODE_INSTALL=cuda12 fetches from there). The CUDA 13 runtime
# libraries must be on LD_LIBRARY_PATH when serving (a PyTorch cu13 install has them under
# site-packages/nvidia/*/lib). Usage: bash scripts/install-ort-cuda.sh [python]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${1:-python3}"
version="$(node -p "require('$root/node_modules/onnxruntime-node/package.json').version")"
bin="$root/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
[[ -d "$bin" ]] || { echo "error: $bin is missing: run npm ci first (Linux x64 only)" >&2; exit 1; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
echo "downloading onnxruntime-gpu==$version (about 250 MB) from PyPI" >&2
"$python" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 -d "$tmp" "onnxruntime-gpu==$version" \
  || { echo "error: pip could not download onnxruntime-gpu==$version" >&2; exit 1; }
"$python" - "$tmp"/onnxruntime_gpu-*.whl "$bin" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in ("libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"):
        with z.open(f"onnxruntime/capi/{name}") as src, open(f"{target}/{name}", "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        print(f"installed {target}/{name}", file=sys.stderr)
PY

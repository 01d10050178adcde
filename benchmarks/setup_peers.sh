#!/usr/bin/env bash
# The peers' environment, in one command: benchmarks/.venv-peers (or $HYPERPOWER_PEERS_VENV) with
# Optuna (TPE, GPSampler, NSGA-II), Ax/BoTorch, Syne Tune, onnxruntime (the LCBench surrogate),
# CPU torch, HyperPower's own dependencies, and this checkout installed editable without deps.
#
#   benchmarks/setup_peers.sh            # create or complete the venv, then check its imports
#
# torch: HYPERPOWER_PEERS_TORCH (default torch==2.13.0) is installed first and alone, so that
# pip resolves the other packages against it. Where the default index gives a CUDA build of
# several GB, point it at a CPU-only build, e.g. HYPERPOWER_PEERS_TORCH="torch==2.13.0 --index-url
# <your CPU wheel index>" or a wheel file's path.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
VENV=${HYPERPOWER_PEERS_VENV:-$REPO/benchmarks/.venv-peers}
TORCH=${HYPERPOWER_PEERS_TORCH:-torch==2.13.0}
PEERS="optuna greenlet ax-platform syne-tune onnxruntime"
HYPERPOWER_DEPS="numpy scipy matplotlib keras tensorflow-cpu scikit-learn pymongo nvidia-ml-py"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup_peers] creating $VENV" >&2
  python3 -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip"
# shellcheck disable=SC2086  # the specs are lists of words on purpose
$PIP install $TORCH
# shellcheck disable=SC2086
$PIP install $PEERS $HYPERPOWER_DEPS
$PIP install --no-deps -e "$REPO"
"$VENV/bin/python" -c "import optuna, torch, ax, syne_tune, onnxruntime, hyperpower; print('[setup_peers] ready:', '$VENV')"

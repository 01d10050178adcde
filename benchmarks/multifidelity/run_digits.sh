#!/bin/bash
# Digits with real Keras training on this CPU (up to 27 epochs): full-fidelity HW-IECI against
# HyperPower's ASHA with HW-IECI sampling, one seed each, the same wall-clock limit (LIMIT).
# ASHA's ladder starts at 3 epochs (rungs 3, 9, 27): with ~15 s of process start and
# measurement per job on this loaded CPU, a ladder from 1 epoch needs ~40 jobs before its first
# 27-epoch one. Each run is a copy of experiments/digits under results/digits/<name>.
set -e
cd "$(dirname "$0")"
source ../env.sh
require_python "$PYTHON" ./run_tool.sh
PY=$PYTHON
export TF_CPP_MIN_LOG_LEVEL=2
LIMIT=${LIMIT:-8m}
run() {  # name, flags...
  local name=$1; shift
  local folder=results/digits/$name
  rm -rf "$folder"; mkdir -p "$folder"; cp -r "$REPO/experiments/digits/keras_model" "$folder/"
  nice -n 10 $PY -m hyperpower run "$folder" --seed 0 --max-evals 200 --max-time "$LIMIT" --keep-models none "$@" \
      > "$folder.log" 2>&1 || true
}
run full_hw-ieci --epochs 27
run asha_hw-ieci --scheduler asha --min-epochs 3 --max-epochs 27 --eta 3

#!/bin/bash
# Digits with real Keras training on this CPU (1 to 27 epochs): full-fidelity HW-IECI against
# HyperPower's ASHA (model-based and random sampling), one seed each, the same wall-clock limit.
# Each run is a copy of experiments/digits under results/digits/<name>; report.py reads the stores.
set -e
cd "$(dirname "$0")"
REPO=$(cd ../.. && pwd)
PY=/work/main/.venv/bin/python
export PYTHONPATH=$REPO TF_CPP_MIN_LOG_LEVEL=2
LIMIT=${LIMIT:-6m}
run() {  # name, flags...
  local name=$1; shift
  local folder=results/digits/$name
  rm -rf "$folder"; mkdir -p "$folder"; cp -r "$REPO/experiments/digits/keras_model" "$folder/"
  nice -n 10 $PY -m hyperpower run "$folder" --seed 0 --max-evals 200 --max-time "$LIMIT" --keep-models none "$@" \
      > "$folder.log" 2>&1 || true
}
run full_hw-ieci --epochs 27
run asha_hw-ieci --scheduler asha --min-epochs 1 --max-epochs 27 --eta 3
run asha_rand --scheduler asha --min-epochs 1 --max-epochs 27 --eta 3 --method rand

#!/bin/bash
# The command behind RESULTS.md (SURROGATE results for LCBench; real training for digits).
# LCBench: three tasks, five seeds; the model-based ASHA (a GP fitted per new configuration,
# ~3 s each on this shared CPU) runs three seeds per task, the order below putting it last.
set -e
cd "$(dirname "$0")"
PY=/work/main/benchmarks/.venv-peers/bin/python
export PYTHONPATH=../.. OMP_NUM_THREADS=1
TASKS="3945 7593 189906"
nice -n 10 $PY run_benchmarks.py --tasks $TASKS --seeds 5 --methods "full fidelity rand" "HyperPower ASHA, rand" \
    "HyperPower Hyperband, rand" "Optuna TPE + SuccessiveHalvingPruner" "Optuna TPE + HyperbandPruner" "Syne Tune ASHA"
nice -n 10 $PY run_benchmarks.py --tasks $TASKS --seeds 5 --methods "full fidelity HW-IECI"
for task in $TASKS; do
  nice -n 10 $PY run_benchmarks.py --tasks $task --seeds 3 --methods "HyperPower ASHA, HW-IECI"
done

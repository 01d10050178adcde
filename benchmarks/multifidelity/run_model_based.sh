#!/bin/bash
# The model-based methods (a GP fitted for every configuration), seeds interleaved across the
# tasks so that a cut in CPU time leaves every task with the same number of seeds.
cd "$(dirname "$0")"
PY=/work/main/benchmarks/.venv-peers/bin/python
export PYTHONPATH=../.. OMP_NUM_THREADS=1
TASKS="3945 7593 189906"
for seeds in 1 2 3 4 5; do
  nice -n 10 $PY run_benchmarks.py --tasks $TASKS --seeds $seeds --methods "full fidelity HW-IECI"
done
for seeds in 1 2 3 4 5; do
  nice -n 10 $PY run_benchmarks.py --tasks $TASKS --seeds $seeds --methods "HyperPower ASHA, HW-IECI"
done

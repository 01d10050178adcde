#!/bin/bash
# The model-based methods (a GP fitted for every configuration), seeds interleaved across the
# tasks so that a cut in CPU time leaves every task with the same number of seeds.
set -e
cd "$(dirname "$0")"
source ../env.sh
require_python "$PEERS_PYTHON" benchmarks/setup_peers.sh
PY=$PEERS_PYTHON
TASKS="3945 7593 189906"
for seeds in 1 2 3 4 5; do
  nice -n 10 $PY run_benchmarks.py --tasks $TASKS --seeds $seeds --methods "full fidelity HW-IECI"
done
for seeds in 1 2 3 4 5; do
  nice -n 10 $PY run_benchmarks.py --tasks $TASKS --seeds $seeds --methods "HyperPower ASHA, HW-IECI"
done

#!/bin/bash
# Every command behind RESULTS.md, in the order they ran (LCBench: SURROGATE results; digits:
# real training). Everything niced; see RESULTS.md for the cuts the shared 2-core CPU forced.
set -e
cd "$(dirname "$0")"
source ../env.sh
require_python "$PEERS_PYTHON" benchmarks/setup_peers.sh
PY=$PEERS_PYTHON
TASKS="3945 7593 189906"
# 1. the cheap methods: five seeds on three tasks
nice -n 10 $PY run_benchmarks.py --tasks $TASKS --seeds 5 --methods "full fidelity rand" "HyperPower ASHA, rand" \
    "HyperPower Hyperband, rand" "Optuna TPE + SuccessiveHalvingPruner" "Optuna TPE + HyperbandPruner" "Syne Tune ASHA"
# 2. the model-based methods, seeds interleaved across tasks
./run_model_based.sh
# 3. two objectives (error, seconds per epoch): two tasks, three seeds
nice -n 10 $PY run_two_objectives.py --tasks 7593 189906 --seeds 3
# 4. digits, real training, 8 minutes per run
LIMIT=8m ./run_digits.sh   # (a first round, 4 minutes and rungs 1..27, reached no 27-epoch ASHA job)
# 5. tables and plots
$PY report.py                  # RESULTS.md's generated blocks, plots/*.png

# Sourced by the benchmarks' shell scripts: where the repository, the interpreters and the shared
# data are, all relative to this checkout unless the environment says otherwise.
#   HYPERPOWER_PYTHON        HyperPower's interpreter (default: .venv/bin/python, made by ./run_tool.sh)
#   HYPERPOWER_PEERS_PYTHON  the peers' interpreter (default: benchmarks/.venv-peers/bin/python,
#                            made by benchmarks/setup_peers.sh)
#   HYPERPOWER_SHARED_DATA   the shared data sets (default: ../shared/data beside the repository)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${HYPERPOWER_PYTHON:-$REPO/.venv/bin/python}
PEERS_PYTHON=${HYPERPOWER_PEERS_PYTHON:-$REPO/benchmarks/.venv-peers/bin/python}
export HYPERPOWER_SHARED_DATA=${HYPERPOWER_SHARED_DATA:-$(dirname "$REPO")/shared/data}
export PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

require_python() {  # $1: the interpreter, $2: the command that makes it
  if [ ! -x "$1" ]; then
    echo "benchmarks: no interpreter at $1; run $2 first (or set the variable named in benchmarks/env.sh)" >&2
    exit 1
  fi
}

#!/usr/bin/env bash
# One-command launcher. First use creates .venv and installs HyperPower into it; then:
#   ./run_tool.sh                 run the digits experiment (HW-IECI, embedded SQLite store)
#   ./run_tool.sh EXP [options]   run another experiment folder (options as `hyperpower run`)
#   ./run_tool.sh test [pytest args]   install the test extras and run the test suite, one
#                                 pytest-xdist worker per CPU (-n0: serially; later args win)
set -euo pipefail
cd "$(dirname "$0")"
VENV="${HYPERPOWER_VENV:-.venv}"
PY="$VENV/bin/python"

bootstrap() {  # $1: pip extras spec, e.g. ".[test]"; $2: more modules the extras give, ", a, b"
  if [ ! -x "$PY" ]; then
    echo "[run_tool] creating $VENV" >&2
    python3 -m venv "$VENV"
  fi
  local extra="${2:-}"
  # found, not imported: importing Keras alone costs about 7 s of CPU, on every call
  # shellcheck disable=SC2086
  if ! "$PY" -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in sys.argv[1:]))' \
      hyperpower keras numpy scipy plotly ${extra//,/ } >/dev/null 2>&1; then
    echo "[run_tool] installing HyperPower and its dependencies into $VENV (first use only)" >&2
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -e "$1"
  fi
}

ensure_browser() {  # Debian's headless Chromium for the dashboard's browser tests (skipped without it)
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[run_tool] installing Debian's chromium and chromium-driver for the dashboard's browser tests" >&2
    if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/dev/null 2>&1; then
      return 0
    fi
  fi
  echo "[run_tool] no chromium/chromedriver here (apt-get install chromium chromium-driver as root): the dashboard's browser tests will be skipped" >&2
}

export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"

if [ "${1:-}" = "test" ]; then
  shift
  bootstrap ".[test]" ", pytest, mongomock, selenium, xdist"
  ensure_browser
  set +e
  # in parallel by default; --dist loadgroup keeps each xdist_group (the signal and kill tests) on
  # one worker. One worker more than CPUs: the end-to-end tests wait on their processes part of
  # the time, and a third worker on two CPUs took the suite from 6 min 10 s to 5 min 40 s here.
  # The caller's arguments come last, so `-n0` or `-n 4` replaces it.
  # Bytecode caches (gitignored) are written even where PYTHONDONTWRITEBYTECODE is set: without
  # them each of the suite's hundreds of processes compiles the package again, and each worker
  # re-rewrites every test module's asserts (a clean clone here: 5 min 18 s of test time without
  # them, 4 min 46 s with).
  PYTHONDONTWRITEBYTECODE= "$PY" -m pytest -n "$(( $(nproc) + 1 ))" --dist loadgroup "$@"
  status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "[run_tool] pytest collected no tests: treating that as a failure" >&2
    exit 1
  fi
  exit "$status"
fi

bootstrap "."
if [ $# -eq 0 ]; then
  # The default job: digits with HW-IECI under a budget this machine can measure, set at the
  # median of the profiled model (half the space fits), profiling on the fly the first time.
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    budget="power=p50"
  else
    budget="memory=p50"
  fi
  set -- experiments/digits --method hw-ieci --budget "$budget" --epochs 3 --max-evals 10 --seed 0
elif [[ "${1:-}" == -* ]]; then
  set -- experiments/digits "$@"
fi
exec "$VENV/bin/hyperpower" run "$@"

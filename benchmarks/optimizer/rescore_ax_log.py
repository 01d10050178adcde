"""Re-score Ax's hartmann6-power runs from its log: points on the power boundary were counted
as violations because float rounding put them a hair over 70 W.

The runners store values and feasibility, not parameters, so the parameters come from Ax's own
log (printed to 6 decimals, hence the 1e-4 W tolerance: 4 coefficients of 20 x 5e-7). Only
feasibility flags of hartmann6-power/ax-botorch are changed; values are untouched.

    python benchmarks/optimizer/rescore_ax_log.py AX_LOG_FILE
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from problems import PROBLEMS  # noqa: E402

TOLERANCE_W = 1e-4


def main(log_path: str) -> None:
    problem = PROBLEMS["hartmann6-power"]
    power = problem.constraints[0]
    trials = []
    for line in Path(log_path).read_text().splitlines():
        match = re.search(r"Generated new trial (\d+) with parameters (\{.*?\})", line)
        if match and "'x6'" in line:
            trials.append((int(match.group(1)), ast.literal_eval(match.group(2))))
    runs = sorted((HERE / "results/quality/hartmann6-power/ax-botorch").glob("seed*.json"))
    for run_index, path in enumerate(runs):
        record = json.loads(path.read_text())
        params = [p for _, p in trials[run_index * len(record["values"]):(run_index + 1) * len(record["values"])]]
        changed = 0
        for index, parameters in enumerate(params):
            if abs(problem.objective(parameters) - record["values"][index]) > 1e-3:
                raise SystemExit(f"{path}: log trial {index} does not match the recorded value; not rescoring")
            feasible = power.value(parameters) <= power.threshold + TOLERANCE_W
            if feasible != record["feasible"][index]:
                changed += 1
            record["feasible"][index] = feasible
        record["rescored_from_log"] = {"tolerance_W": TOLERANCE_W, "flags_changed": changed}
        path.write_text(json.dumps(record))
        print(f"{path.name}: {changed} feasibility flags changed")


if __name__ == "__main__":
    main(sys.argv[1])

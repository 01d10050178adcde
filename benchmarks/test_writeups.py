"""The benchmarks' own checks: write-ups follow their data, cached cells reproduce, and the
benchmarks find what they need relative to the checkout.

* Findings agree with their tables: report generators run on small fixtures of result files
  whose numbers are worked out here by hand.
* Every committed write-up's generated blocks are what its report script makes of the committed
  result files (a result added without rerunning the report fails here).
* Cheap deterministic cells rerun equal to the stored results (the shared-helper move kept the
  runners' behaviour).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.common import paths, writeup

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
#: the top-level module names the benchmark folders share (each folder imports its own)
FOLDER_MODULES = ("report", "runners", "problems", "run_benchmarks", "lcbench", "nb201", "digits", "findings",
                  "analysis", "runs_layout", "model_based", "model_based_report", "digits_latency")
#: where this project's machines keep their checkouts and data (spelt in two pieces so that this
#: file does not name it)
MACHINE_ROOT = "/" + "work/"


@contextlib.contextmanager
def folder_modules(folder: str):
    """Import a benchmark folder's modules as its scripts do (the folder first on sys.path),
    without leaking them into another folder's imports."""
    saved_path, saved = list(sys.path), {name: sys.modules.pop(name) for name in FOLDER_MODULES if name in sys.modules}
    sys.path.insert(0, str(BENCHMARKS / folder))
    try:
        yield importlib.import_module
    finally:
        for name in FOLDER_MODULES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        sys.path[:] = saved_path


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _table_rows(markdown: str) -> dict[str, dict[str, str]]:
    """First column -> {header: cell} of every markdown table row."""
    rows, header = {}, None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if header is None:
            header = cells
        elif not set("".join(cells)) <= set("-: "):
            rows[cells[0]] = dict(zip(header, cells))
    return rows


# -- the write-up blocks ---------------------------------------------------------------------------
def test_fill_replaces_only_the_named_blocks_and_refuses_a_missing_one() -> None:
    text = ("intro 1.0\n<!-- begin generated: a -->\nold a\n<!-- end generated: a -->\nmiddle\n"
            "<!-- begin generated: b -->\nold b\n<!-- end generated: b -->\n")
    filled = writeup.fill(text, {"a": "new a\n"})
    assert writeup.blocks(filled) == {"a": "new a\n", "b": "old b\n"}
    assert filled.startswith("intro 1.0\n") and "middle\n" in filled
    with pytest.raises(KeyError, match="no generated block named c"):
        writeup.fill(text, {"c": "x"})


# -- findings agree with their tables (fixtures worked out by hand) -----------------------------------
def _constrained_run(values: list[float], feasible: list[bool], seconds: float = 0.1) -> dict:
    return {"values": values, "feasible": feasible, "seconds": [seconds] * len(values)}


def test_optimizer_findings_state_the_numbers_of_their_tables(tmp_path: Path) -> None:
    """branin-disk with optimum 1.0: hw-ieci ends 2e-3 above it in every seed, hw-cwei 5e-2 with
    two violations, GPSampler 1e-2 (default design) and 3e-2 (HyperPower's design)."""
    ok = [True] * 4
    fixtures = {"hw-ieci": [1.5, 1.2, 1.1, 1.002], "hw-cwei": [1.5, 1.4, 1.2, 1.05],
                "optuna-gp": [2.0, 1.5, 1.2, 1.01], "optuna-gp-init5": [2.0, 1.5, 1.2, 1.03]}
    for method, values in fixtures.items():
        for seed in range(3):
            feasible = [True, False, False, True] if method == "hw-cwei" else ok
            _write(tmp_path / "quality" / "branin-disk" / method / f"seed{seed}.json", _constrained_run(values, feasible))
    with folder_modules("optimizer") as load:
        report = load("report")
        problems = report.summaries(report.load_runs(tmp_path / "quality"), {"branin-disk": 1.0})
        table = _table_rows(report.quality_tables(problems, {"branin-disk": 1.0}, (2, 4)))
        findings = report.quality_findings(problems, 4)
    regret, violations = "median regret @4", "violations @4"
    assert [table[m][regret] for m in fixtures] == ["2.0e-03", "5.0e-02", "1.0e-02", "3.0e-02"]
    assert table["hw-cwei"][violations] == "2 [2, 2]" and table["hw-ieci"]["initial design"] == "5"
    assert table["optuna-gp"]["initial design"] == "10" and table["optuna-gp-init5"]["initial design"] == "5"
    text = "\n".join(findings)
    assert "the lowest median regret at 4 evaluations is hw-ieci 2.0e-03 (3 seeds)" in text
    assert "the best peer is optuna-gp 1.0e-02 (3 seeds)" in text
    assert "hw-ieci 0, hw-cwei 2" in text  # violations, as the table's medians
    assert "median regret 5.0e-02 against 2.0e-03, median violations 2 against 0" in text
    assert ("optuna-gp-init5 3.0e-02 (3 seeds), GPSampler with HyperPower's 5 random startup trials; "
            "optuna-gp 1.0e-02 (3 seeds) with its default 10") in text
    for method, value, seeds in re.findall(r"([\w-]+) (\d\.\de[+-]\d\d) \((\d+) seeds\)", text):
        assert (table[method][regret], table[method]["seeds"]) == (value, seeds)


def test_optimizer_speed_findings_count_the_points_of_the_speed_table(tmp_path: Path) -> None:
    for engine, times in (("hyperpower", {(2, 10): 0.1, (2, 20): 0.5}), ("optuna-gp", {(2, 10): 0.2, (2, 20): 0.3})):
        for (dim, n), seconds in times.items():
            _write(tmp_path / "speed" / engine / f"d{dim}_n{n}.json", {"dim": dim, "n": n, "seconds": [seconds] * 3})
    with folder_modules("optimizer") as load:
        report = load("report")
        table, findings = report.speed_table(tmp_path), report.speed_findings(tmp_path)
    assert "| 2 | 0.10 / 0.20 | 0.50 / 0.30 |" in table
    assert findings[0] == ("HyperPower's hw-ieci suggests at or below GPSampler's time at 1 of 2 (d, n) points; "
                           "it is slower at d = 2, n = 20 (0.50 / 0.30 s).")


def test_multiobjective_findings_state_the_hypervolumes_of_their_tables(tmp_path: Path) -> None:
    """Reference (1, 1): a point (0.5, 0.5) dominates 0.25, adding (0.2, 0.8) makes it 0.31, and
    (0.9, 0.9) alone 0.01."""
    runs = {"ehvi": [[0.9, 0.9], [0.5, 0.5], [0.5, 0.5], [0.2, 0.8]],
            "optuna-gp": [[0.9, 0.9], [0.9, 0.9], [0.5, 0.5], [0.5, 0.5]],
            "optuna-gp-init5": [[0.5, 0.5], [0.9, 0.9], [0.2, 0.8], [0.2, 0.8]]}
    for method, values in runs.items():
        for seed in range(3):
            _write(tmp_path / "quality" / "toy" / method / f"seed{seed}.json",
                   {"values": values, "seconds": [0.1] * 25})
    facts = {"toy": {"reference": [1.0, 1.0], "optimum": 1.0, "objectives": ["a", "b"]}}
    with folder_modules("multiobjective") as load:
        report = load("report")
        blocks = report.generated_blocks(tmp_path, facts, (2, 4))
    table = _table_rows(blocks["hypervolume"])
    assert [table[m]["HV @ 2"] for m in runs] == ["0.2 [0.2, 0.2]", "0.0 [0.0, 0.0]", "0.2 [0.2, 0.2]"]
    assert [table[m]["HV @ 4"] for m in runs] == ["0.3 [0.3, 0.3]", "0.2 [0.2, 0.2]", "0.3 [0.3, 0.3]"]
    assert table["ehvi"]["initial design"] == "5" and table["optuna-gp"]["initial design"] == "10"
    findings = blocks["findings"]
    assert "ehvi (5 initial points) against optuna-gp (10 startup trials): 0.2 vs 0.0 at 2, 0.3 vs 0.2 at 4; at or above it at 2 of 2 cuts" in findings
    assert "ehvi (5 initial points) against optuna-gp-init5 (5 startup trials): 0.2 vs 0.2 at 2, 0.3 vs 0.3 at 4" in findings
    for method, value in re.findall(r"([\w-]+) (\d+\.\d) \(3 seeds\)", findings):
        assert table[method]["HV @ 4"].startswith(value + " ")


def _device_run(shares: list[float], devices: list[str], predicted: list | None = None) -> dict:
    values = [[0.2, 10.0 if p is None else 5.0, 1.0] for p in (predicted or [None] * len(shares))]
    return {"hv_share": shares, "devices": devices, "values": values, "seconds": [0.5] * len(shares),
            "predicted": predicted or [None] * len(shares)}


def test_devices_ehvi_findings_state_the_shares_of_their_table_and_the_verdict(tmp_path: Path) -> None:
    """60 evaluations, 2 seeds. The device variable is behind pixel2 until 20 (0.1 / 0.4 against
    0.5 at 10 and 20), ahead from 30 (0.6 and 0.9 against 0.5 and 0.6): the goal is not met at 10
    and 20. It reaches 25% after 15 evaluations and 50% after 30; pixel2 reaches both after 5.
    Its evaluations 31-60 are 20 on pixel2 and 10 on xeon_gold_6240 (67%). The a-priori pixel2
    arm's model predicts 2.5 ms where 5 ms is measured (0.50); ehvi-reference reaches 25% in one
    seed of two (its median lies beyond the budget), so it is the best device-variable arm at 10
    (0.15 against 0.1); the first of the equal pixel2 arms is named. The model check's pixel2 latency errors 0.2 and
    0.4 average to 30%, rank correlations 0.1 and 0.3 to 0.20, evaluations 1 and 2 to 1.5."""
    def ramp(points: dict[int, float]) -> list[float]:
        cuts = sorted(points)
        return [points[max(c for c in cuts if c <= n)] if any(c <= n for c in cuts) else 0.0 for n in range(1, 61)]

    variable = [ramp({10: 0.1, 15: 0.3, 20: 0.4, 30: 0.6, 60: 0.9})] * 2
    fixed = ramp({5: 0.5, 60: 0.6})
    gold = ramp({5: 0.3, 60: 0.4})
    design = ["pixel2"] * 5
    arms = {"ehvi_variable": [_device_run(shares, design + ["pixel2"] * 45 + ["xeon_gold_6240"] * 10) for shares in variable],
            "ehvi_fixed_pixel2": [_device_run(fixed, ["pixel2"] * 60)] * 2,
            "ehvi_fixed_xeon_gold_6240": [_device_run(gold, ["xeon_gold_6240"] * 60)] * 2,
            "ehvi-apriori-fixed_variable": [_device_run(ramp({60: 0.1}), design + ["samsung_s7"] * 55,
                                                        [None] * 5 + [-2.5] * 55)] * 2,
            "ehvi-apriori-fixed_fixed_pixel2": [_device_run(fixed, ["pixel2"] * 60, [None] * 5 + [2.5] * 55)] * 2,
            "ehvi-reference_variable": [_device_run(ramp({10: 0.3}), ["pixel2"] * 60), _device_run(ramp({}), ["pixel2"] * 60)]}
    for arm, runs in arms.items():
        for seed, run in enumerate(runs):
            _write(tmp_path / "model_based" / arm / f"seed{seed}.json", run)
    for seed, (error, correlation, evaluated) in enumerate([(0.2, 0.1, 1), (0.4, 0.3, 2)]):
        check = {"devices": {"pixel2": {"median_relative_error": error, "rank_correlation": correlation, "evaluated": evaluated},
                             "titan_rtx": {"median_relative_error": 0.9, "rank_correlation": 0.0, "evaluated": 0}}}
        _write(tmp_path / "model_based" / "model_check" / "ehvi_variable" / f"seed{seed}.json",
               {"cells": 300, "cuts": [{"evaluations": 10, **check}]})
    with folder_modules("devices") as load:
        blocks = load("model_based_report").generated_blocks(tmp_path)
    table = _table_rows(blocks["devices-ehvi"])
    assert "model check" not in " ".join(table), "a diagnostic folder is not an arm"
    assert [table["ehvi variable"][f"HV share after {n}"] for n in (10, 20, 30, 60)] == ["0.100", "0.400", "0.600", "0.900"]
    assert table["ehvi variable"]["evaluations to 25% (median, reached)"] == "15 (2/2)"
    assert table["ehvi variable"]["evaluations to 50% (median, reached)"] == "30 (2/2)"
    assert table["ehvi fixed pixel2"]["evaluations to 50% (median, reached)"] == "5 (2/2)"
    assert table["ehvi-apriori-fixed variable"]["evaluations to 50% (median, reached)"] == "> budget (0/2)"
    findings = blocks["devices-ehvi-findings"]
    assert ("ehvi: the device variable against the best fixed device (pixel2), mean hypervolume share after "
            "10: 0.100 vs 0.500; 20: 0.400 vs 0.500; 30: 0.600 vs 0.500; 60: 0.900 vs 0.600") in findings
    assert ("25% in a median 15 (2/2) against 5 (2/2), 50% in a median 30 (2/2) against 5 (2/2), 75% in a median "
            "60 (2/2) against > budget (0/2) evaluations; goal not met: ahead at 30, 60 of 10, 20, 30, 60 evaluations, "
            "as fast to 1 of 3 targets") in findings
    assert ("ehvi-apriori-fixed: the device variable against the best fixed device (pixel2), mean hypervolume share "
            "after 10: 0.000 vs 0.500") in findings
    assert "goal not met: ahead at no cut of 10, 20, 30, 60 evaluations, as fast to 1 of 3 targets" in findings
    assert "ehvi-reference:" not in findings.split("Device variable, every method")[0], "no fixed arm: no verdict"
    assert ("Best arm of any method at each cut, device variable against a fixed device, mean share after 10: "
            "ehvi-reference variable 0.150 vs ehvi fixed pixel2 0.500; 20: ehvi variable 0.400 vs ehvi fixed pixel2 "
            "0.500; 30: ehvi variable 0.600 vs ehvi fixed pixel2 0.500; 60: ehvi variable 0.900 vs ehvi fixed pixel2 "
            "0.600.") in findings
    assert table["ehvi-reference variable"]["evaluations to 25% (median, reached)"] == "> budget (1/2)", "half reached"
    assert ("ehvi: after the shared design (5 evaluations) the device variable holds a mean share of 0.000 against "
            "0.500 on pixel2 alone (its design measured pixel2 in 2 of 2 seeds); the part of its evaluations made on "
            "pixel2 (the fixed arm: all), evaluations 6-20 100%, 21-30 100%, 31-60 67%.") in findings
    diagnosis = blocks["devices-ehvi-diagnosis"]
    assert "ehvi variable: suggestions by device pixel2 82%, xeon_gold_6240 18%" in diagnosis
    assert "samsung_s7 -0.50 (110 of 110 predicted at or below 0 ms)" in diagnosis
    assert "ehvi-apriori-fixed fixed pixel2: median predicted/measured latency of its suggestions: pixel2 0.50." in diagnosis
    assert ("ehvi variable, its latency GP refitted on each seed's first evaluations and scored on 300 random cells per "
            "device (mean over 2 seeds of median relative error / rank correlation / evaluations made on the device): "
            "after 10: pixel2 30% / 0.20 / 1.5, titan_rtx 90% / 0.00 / 0.0.") in diagnosis


def test_devices_ehvi_fronts_are_counted_by_device_inside_the_reference(tmp_path: Path) -> None:
    """Reference (1, 20, 2). Seed 0: pixel2 (0.2, 10, 0.1) and xeon (0.1, 5, 0.5) are both on the
    front, titan (0.3, 12, 1.0) is dominated by pixel2, and a gtx point (0.05, 1, 3.0) is the best
    in two objectives but outside the reference in cost. Seed 1: pixel2 alone. Two titan points
    (0.5, 15, 1.5) in each seed are dominated (runs of six: the table's CPU column skips a design of five)."""
    dominated = [[0.5, 15, 1.5]] * 2
    seed0 = {"hv_share": [0.1] * 6, "seconds": [0.1] * 6,
             "devices": ["pixel2", "xeon_gold_6240", "titan_rtx", "gtx_1080ti"] + ["titan_rtx"] * 2,
             "values": [[0.2, 10, 0.1], [0.1, 5, 0.5], [0.3, 12, 1.0], [0.05, 1, 3.0]] + dominated}
    seed1 = {"hv_share": [0.1] * 6, "seconds": [0.1] * 6, "devices": ["pixel2"] + ["titan_rtx"] * 5,
             "values": [[0.2, 10, 0.1]] + [[0.5, 15, 1.5]] * 5}
    for seed, run in enumerate([seed0, seed1]):
        _write(tmp_path / "model_based" / "ehvi_variable" / f"seed{seed}.json", run)
    _write(tmp_path / "model_based" / "facts.json", {"reference": [1, 20, 2], "device_best_share": {}, "latency_models": {}})
    with folder_modules("devices") as load:
        blocks = load("model_based_report").generated_blocks(tmp_path)
    assert ("ehvi variable: its final fronts' points by device, over 2 seeds: pixel2 2, xeon_gold_6240 1; fronts on "
            "more than one device: 1 of 2.") in blocks["devices-ehvi-diagnosis"]


def test_multifidelity_findings_state_the_epochs_and_errors_of_their_tables(tmp_path: Path) -> None:
    """Full fidelity reaches error 0.2 after 100 epochs; ASHA reaches it after 30 and ends at 0.1."""
    def run(points: list) -> dict:
        return {"points": points}

    data = {"full fidelity HW-IECI": [(10.0, 50, 0.3), (20.0, 100, 0.2)],
            "HyperPower ASHA, HW-IECI": [(5.0, 30, 0.2), (15.0, 60, 0.1)],
            "Syne Tune ASHA": [(5.0, 30, 0.25), (15.0, 60, 0.25)]}
    for index, (method, points) in enumerate(data.items()):
        _write(tmp_path / f"lcbench_1_{index}.json",
               {"task": "1", "method": method, "budget_s": 100.0, "runs": {str(s): run(points) for s in range(3)}})
    with folder_modules("multifidelity") as load:
        report = load("report")
        blocks = report.generated_blocks(tmp_path, plots=False)
    table = _table_rows(blocks["lcbench"])
    assert table["HyperPower ASHA, HW-IECI"]["epochs to target (median)"] == "30"
    assert table["full fidelity HW-IECI"]["epochs to target (median)"] == "100"
    findings = blocks["lcbench-findings"]
    assert "the lowest median final error is HyperPower ASHA, HW-IECI's (10.00%)" in findings
    assert "reached the target in 3 of 3 seeds after a median 30 epochs, against 100 for full fidelity HW-IECI (3 of 3 seeds): 0.30 of its epochs" in findings
    assert "the best peer, Syne Tune ASHA, ends at 25.00% against 10.00%" in findings
    assert table["Syne Tune ASHA"]["final error (median)"] == "25.00%"


def test_learning_digits_findings_count_the_violations_of_their_windows(tmp_path: Path) -> None:
    """Budget 2 ms, 20 evaluations per run: the fixed run measures over it 6 times in the first
    10 and 5 times in the next, the learning run 5 then 1."""
    def run(mode: str, over: list[int]) -> dict:
        evaluations = [{"id": i + 1, "status": "complete", "latency": 2.5 if i in over else 1.5, "a_priori": 1.6,
                        "predicted": 1.6 if mode == "fixed" else (2.4 if i in over else 1.5), "error": 0.1 + i / 100}
                       for i in range(20)]
        return {"mode": mode, "method": "hw-ieci", "seed": 0, "budget_ms": 2.0, "epochs": 1, "model": "m.json",
                "command": "python -m hyperpower run ...", "machine": "a CPU", "evaluations": evaluations}

    _write(tmp_path / "fixed-hw-ieci-seed0.json", run("fixed", [0, 2, 3, 5, 7, 9, 10, 12, 14, 16, 18]))
    _write(tmp_path / "learning-hw-ieci-seed0.json", run("learning", [0, 1, 2, 4, 6, 15]))
    with folder_modules("learning") as load:
        blocks = load("digits_latency").generated_blocks(tmp_path)
    table = _table_rows(blocks["digits-violations"])
    assert table["fixed"]["evaluations 1-10"] == "6/10 (60%)" and table["fixed"]["all"] == "11/20 (55%)"
    assert table["learning"]["evaluations 11-20"] == "1/10 (10%)"
    findings = blocks["digits-findings"]
    assert "Fixed model: 60% of evaluations 1-10 measured over the budget and 50% of evaluations 11-20." in findings
    assert "Learning model: 50% in evaluations 1-10, then 10% in 11-20." in findings
    # best error within the budget: fixed 0.11 (job 2), learning 0.13 (job 4)
    assert ("less often than the fixed run of the same seed in 1 of 1 seeds, and ended with a lower best error measured "
            "within the budget in 0.") in findings
    accuracy = _table_rows(blocks["digits-accuracy"])
    # learning, 1-10: five jobs at |2.4 - 2.5| / 2.5 = 4% and five at 0%; fixed: six at |1.6 - 2.5| / 2.5 = 36%
    assert accuracy["recorded by learning runs"]["evaluations 1-10"] == "2%"
    assert accuracy["recorded by fixed runs"]["evaluations 1-10"] == "36%"


def test_learning_nb201_findings_state_the_shares_of_their_table(tmp_path: Path) -> None:
    """Reference (40, 10) and an attainable volume of 100: the learning runs find (20, 5), a share
    of 1; the fixed-model runs (30, 5), 0.5; GPSampler (25, 5), 0.75."""
    _write(tmp_path / "problems.json", {"nb201-gpu": {"reference": [40.0, 10.0], "optimum": 100.0, "latency_model": {
        "samples": 50, "rmspe_cv": 0.032, "rmspe_all_cells": 0.036, "impossible": 2, "checked": 15625, "lowest": -0.5}}})
    for method, point in (("ehvi-learning", [20.0, 5.0]), ("ehvi-apriori", [30.0, 5.0]), ("optuna-gp", [25.0, 5.0])):
        for seed in range(2):
            _write(tmp_path / "nb201-gpu" / method / f"seed{seed}.json", {"values": [point] * 100, "initial_design": 10})
    with folder_modules("learning") as load:
        blocks = load("nb201").generated_blocks(tmp_path)
    table = _table_rows(blocks["nb201-table"])
    assert table["nb201-gpu"]["method"] == "optuna-gp"  # the last row of the problem wins in _table_rows
    assert "| nb201-gpu | ehvi-apriori | 10 | 2 | 0.500 ± 0.000 | 0.500 ± 0.000 | 0.500 ± 0.000 |" in blocks["nb201-table"]
    assert "| 3.2% | 3.6% | 2 of 15,625 | -0.5 ms |" in blocks["nb201-models"]
    # the diagnosis: each method's two ends after 50 evaluations; no predictions recorded: "-"
    assert "| nb201-gpu | ehvi-learning | 20.00% | 5 ms | - |" in blocks["nb201-diagnosis"]
    assert "| nb201-gpu | ehvi-apriori | 30.00% | 5 ms | - |" in blocks["nb201-diagnosis"]
    assert ("nb201-gpu, 50 evaluations: learning model 1.000 against the fixed model's 0.500 (+0.500); GPSampler 0.750, "
            "the learning model +0.250 from it.") in blocks["nb201-findings"]


def test_syne_tune_loop_pays_stopped_and_completed_trials_until_the_budget_is_gone() -> None:
    """A scheduler that stops every odd trial after 2 epochs and lets even ones run to 3; each epoch
    costs 10 s; the budget ends once more than 50 s were spent (choosing time is negligible here)."""
    from types import SimpleNamespace

    from benchmarks.common.syne_tune import ask_tell_loop

    class Scheduler:
        def __init__(self) -> None:
            self.trials, self.completed, self.reported = 0, [], []

        def suggest(self):
            self.trials += 1
            return SimpleNamespace(config={"x": self.trials})

        def on_trial_add(self, trial) -> None:
            pass

        def on_trial_result(self, trial, result) -> str:
            self.reported.append((trial.trial_id, result["epoch"]))
            return "STOP" if trial.trial_id % 2 and result["epoch"] == 2 else "CONTINUE"

        def on_trial_complete(self, trial, result) -> None:
            self.completed.append(trial.trial_id)

    spent = []

    def spend(seconds: float, epoch: int, result: dict | None) -> bool:
        spent.append((round(seconds), epoch, result is not None))
        return sum(s for s, _, _ in spent) <= 50

    scheduler = Scheduler()
    ask_tell_loop(scheduler, lambda config, epoch: ({"epoch": epoch}, 10.0 * epoch), spend, max_epochs=3,
                  make_trial=lambda trial_id, config, created: SimpleNamespace(trial_id=trial_id, config=config))
    assert spent == [(30, 3, True), (20, 2, False), (30, 3, True)]
    assert scheduler.completed == [0, 2] and (1, 3) not in scheduler.reported


# -- committed write-ups follow the committed results ------------------------------------------------
def _committed_blocks(path: Path) -> dict[str, str]:
    return writeup.blocks(path.read_text())


def _generated(folder: str) -> tuple[Path, dict[str, str]]:
    with folder_modules("multiobjective" if folder == "digits" else folder) as load:
        if folder == "optimizer":
            report = load("report")
            results = BENCHMARKS / folder / "results"
            optima = json.loads((results / "optima.json").read_text())
            return BENCHMARKS / folder / "RESULTS.md", report.generated_blocks(results, optima, (10, 25, 50))
        if folder == "multiobjective":
            report = load("report")
            results = BENCHMARKS / folder / "results"
            facts = json.loads((results / "problems.json").read_text())
            return BENCHMARKS / folder / "RESULTS.md", report.generated_blocks(results, facts, (20, 40, 80))
        if folder == "multifidelity":
            return BENCHMARKS / folder / "RESULTS.md", load("report").generated_blocks(plots=False)
        if folder == "devices":
            return BENCHMARKS / folder / "README.md", load("report").generated_blocks()
        if folder == "learning":
            return BENCHMARKS / folder / "RESULTS.md", {**load("digits_latency").generated_blocks(),
                                                        **load("nb201").generated_blocks()}
        if folder == "paper":
            summary = json.loads((BENCHMARKS / folder / "results.json").read_text())
            return BENCHMARKS / folder / "RESULTS.md", {"findings": writeup.bullets(load("findings").sentences(summary))}
        digits = load("digits")
        runs = digits.load_runs()
        return BENCHMARKS / "multiobjective" / "DIGITS.md", {"table": digits.report(runs) + "\n",
                                                              "findings": writeup.bullets(digits.findings(runs))}


@pytest.mark.parametrize("folder", ["optimizer", "multiobjective", "multifidelity", "devices", "digits", "paper", "learning"])
def test_committed_writeup_is_what_its_report_makes_of_the_committed_results(folder: str) -> None:
    path, generated = _generated(folder)
    committed = _committed_blocks(path)
    assert set(generated) <= set(committed), f"{path.name} lacks blocks {sorted(set(generated) - set(committed))}"
    for name, text in generated.items():
        assert committed[name].rstrip("\n") == text.rstrip("\n"), (
            f"{path.relative_to(REPO)}'s block '{name}' is not what the report makes of the results: rerun the report")


# -- cached cells reproduce ------------------------------------------------------------------------------
@pytest.mark.parametrize("folder, problem, method", [("optimizer", "gramacy", "random"),
                                                     ("optimizer", "gramacy", "rand-walk"),
                                                     ("multiobjective", "branin-currin", "random")])
def test_a_cheap_deterministic_cell_reruns_equal_to_its_stored_result(folder: str, problem: str, method: str) -> None:
    stored = json.loads((BENCHMARKS / folder / "results" / "quality" / problem / method / "seed0.json").read_text())
    with folder_modules(folder) as load:
        problems, runners = load("problems"), load("runners")
        instance = problems.PROBLEMS[problem] if folder == "optimizer" else problems.problem(problem)
        record = runners.RUNNERS[method](instance, 0, len(stored["values"]))
    np.testing.assert_allclose(np.array(record["values"], dtype=float), np.array(stored["values"], dtype=float), rtol=1e-12)
    if "feasible" in stored:
        assert record["feasible"] == stored["feasible"]


# -- found relative to the checkout ----------------------------------------------------------------------
def test_shared_data_follows_the_variable_and_names_it_when_missing(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "nasbench201").mkdir()
    monkeypatch.setenv(paths.SHARED_DATA_VARIABLE, str(tmp_path))
    assert paths.shared_data("nasbench201") == tmp_path / "nasbench201"
    with pytest.raises(paths.MissingDataError, match="HYPERPOWER_SHARED_DATA") as error:
        paths.shared_data("yahpo_lcbench", "lcbench")
    assert str(tmp_path / "yahpo_lcbench" / "lcbench") in str(error.value)
    monkeypatch.delenv(paths.SHARED_DATA_VARIABLE)
    assert paths.shared_data_root() == REPO.parent / "shared" / "data"


def test_no_committed_benchmark_file_names_a_machine_path() -> None:
    listing = subprocess.run(["git", "ls-files", "-z", "benchmarks"], cwd=REPO, capture_output=True)
    if listing.returncode != 0:
        pytest.skip("not a git checkout: the committed files cannot be listed")
    offenders = []
    for name in filter(None, listing.stdout.decode().split("\0")):
        path = REPO / name
        if path.is_file() and path.suffix not in (".png", ".gz", ".onnx"):
            text = path.read_text(errors="replace")
            if MACHINE_ROOT in text or str(REPO) in text:
                offenders.append(name)
    assert offenders == [], f"machine paths in committed files: {offenders}"

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
                  "analysis", "runs_layout", "digits_latency")
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

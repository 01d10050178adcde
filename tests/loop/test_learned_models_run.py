"""Through the CLI (issue 25): a run's a-priori model learns from what the jobs measure, each job
records the corrected prediction (export's ``predicted``), and ``--models-fixed`` records the
model's own values, as the paper's HyperPower does."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

#: the machine the jobs run on draws 1.5 x the model's cost plus 0.1
SLOWER_MACHINE = """\
    def main(job_id, params):
        x, y = float(params['x'][0]), float(params['y'][0])
        return {'quad': (x - 0.7) ** 2 + (y - 0.6) ** 2, 'cost': 1.5 * x + 0.1}
    """
XY = {"x": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}, "y": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}}


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "slower"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "experiment-name": "slower", "language": "PYTHON", "main-file": "cost.py", "variables": XY,
        "tasks": {"quad": {"type": "OBJECTIVE"}}}))
    (folder / "cost.py").write_text(textwrap.dedent(SLOWER_MACHINE))
    model = tmp_path / "cost.json"
    model.write_text(json.dumps({"metric": "cost", "features": ["x"], "coef": [1.0], "intercept": 0.0, "cv_rmspe": 0.1}))
    return folder, model


def _exported(run_cli, folder: Path) -> list[dict]:
    return sorted(json.loads(run_cli("export", str(folder), "--format", "json").stdout), key=lambda job: job["id"])


@pytest.mark.parametrize("fixed", [False, True])
def test_a_run_records_the_corrected_predictions_and_the_flag_restores_the_model(tmp_path: Path, run_cli,
                                                                                fixed: bool) -> None:
    folder, model = _folder(tmp_path)
    flags = ["--models-fixed"] if fixed else []
    evaluations = 5 if fixed else 8
    result = run_cli("run", str(folder), "--budget", "cost=0.7", "--model", f"cost={model}", "--method", "rand",
                     "--max-evals", str(evaluations), "--seed", "4", *flags)
    said = "fixed as profiled (--models-fixed)" if fixed else "learning from this run's measurements"
    assert f"hyperpower: models of cost: {said}" in result.stdout
    jobs = _exported(run_cli, folder)
    assert len(jobs) == evaluations and all(job["status"] == "complete" for job in jobs)
    snapshot = json.loads((folder / "output" / "run_config.json").read_text())
    assert snapshot["hyperpower"]["models_fixed"] is fixed
    x = [job["params"]["x"] for job in jobs]
    predicted = [job["predicted"]["cost"] for job in jobs]
    measured = [job["values"]["cost"] for job in jobs]
    assert predicted[0] == pytest.approx(x[0]), "no measurement yet: the first job records the model's value"
    if fixed:
        assert predicted == pytest.approx(x)
    else:
        late = range(5, 8)
        assert all(abs(predicted[i] / measured[i] - 1) < 0.1 for i in late), (predicted, measured)
        assert all(abs(predicted[i] - x[i]) > 0.05 for i in late), "not the model's own value"
        assert all(value <= 0.7 for value in predicted) and sum(measured[i] > 0.7 for i in late) <= 1


NEGATIVE_AT_THE_CHEAP_END = """\
    def main(job_id, params):
        n, k = int(params['n'][0]), params['k'][0]
        return {'quad': (n - 4) ** 2 / 10.0, 'latency': 0.1 + 0.2 * n + (0.3 if k == 'b' else 0.0)}
    """


def test_run_reports_the_share_of_the_space_a_model_prices_below_zero(tmp_path: Path, run_cli) -> None:
    """latency = -0.45 + 0.2 n + 0.3 [k = b] is at or below zero for n <= 2 with k = a and n = 0 with
    k = b: 4 of the 20 configurations, found by enumerating them all."""
    folder = tmp_path / "cheap"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "experiment-name": "cheap", "language": "PYTHON", "main-file": "cheap.py",
        "variables": {"n": {"type": "INT", "size": 1, "min": 0, "max": 9},
                      "k": {"type": "ENUM", "size": 1, "options": ["a", "b"]}},
        "tasks": {"quad": {"type": "OBJECTIVE"}}}))
    (folder / "cheap.py").write_text(textwrap.dedent(NEGATIVE_AT_THE_CHEAP_END))
    model = tmp_path / "latency.json"
    model.write_text(json.dumps({"metric": "latency", "features": ["n", "k=b"], "coef": [0.2, 0.3], "intercept": -0.45}))
    result = run_cli("run", str(folder), "--budget", "latency=1.5", "--model", f"latency={model}", "--method", "rand",
                     "--max-evals", "1")
    warning = next(line for line in result.stdout.splitlines() if "at or below zero" in line)
    assert warning.startswith(f"hyperpower: warning: the latency model ({model}) predicts latency at or below zero for "
                              f"20% of the space (4 of every configuration of its variables, 20; lowest -0.45 ms)")
    assert "this run corrects them where its jobs measure (the models learn)" in warning


def test_the_warning_says_what_a_run_does_with_the_impossible_predictions() -> None:
    from hyperpower.loop.preparation import impossible_text
    from hyperpower.optimize import LinearModel
    from hyperpower.optimize.model_range import ImpossibleShare

    found = ImpossibleShare("latency", 4, 20, True, -0.45)
    model = LinearModel("latency", ["n"], [0.2], -0.45, source="models/latency.json")
    assert "this run keeps them (--models-fixed)" in impossible_text(found, model, None, fixed=True)
    assert "this run keeps them" in impossible_text(found, model, None, fixed=False, learns=False)  # unaware
    learning = impossible_text(found, model, "gpu:0", fixed=False)
    assert learning.startswith("hyperpower: warning: the latency model of gpu:0 (models/latency.json) predicts")
    assert "this run corrects them where its jobs measure" in learning

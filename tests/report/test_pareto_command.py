"""Several objectives through the real CLI (issue 12): a Spearmint folder with two or three
OBJECTIVE tasks and a digits run with `--optimize error --optimize memory` run, and `pareto
--json` agrees with a front and hypervolume computed by brute force from `export`."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from pareto_brute_force import brute_front, brute_hypervolume, worst_plus_tenth

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]

MAIN = """
import math
def main(job_id, params):
    x, y = float(params["x"][0]), float(params["y"][0])
    values = {"f1": x, "f2": (1 - x) ** 2 + y, "f3": (x - 0.5) ** 2 + (1 - y), "c": 0.7 - y}
    if job_id == 3:
        values["f2"] = math.nan  # an invalid result in one objective only
    return values
"""


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "hyperpower", *args], capture_output=True, text=True,
                            timeout=600, cwd=REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"hyperpower {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def _folder(tmp_path: Path, objectives: list[str], hyperpower: dict | None = None) -> Path:
    """A Spearmint folder (PESM style): one OBJECTIVE task per name, a constraint c >= 0."""
    folder = tmp_path / "mo"
    folder.mkdir()
    tasks = {name: {"type": "OBJECTIVE", "likelihood": "NOISELESS"} for name in objectives}
    tasks["c"] = {"type": "CONSTRAINT", "likelihood": "NOISELESS"}
    config = {"language": "PYTHON", "main-file": "toy", "experiment-name": "mo",
              "variables": {"x": {"type": "FLOAT", "size": 1, "min": 0.0, "max": 1.0},
                            "y": {"type": "FLOAT", "size": 1, "min": 0.0, "max": 1.0}},
              "tasks": tasks, "hyperpower": hyperpower or {"method": "rand"}}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "toy.py").write_text(textwrap.dedent(MAIN))
    return folder


def _brute_force_from_export(records: list[dict], objectives: list[str]) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Ids of the feasible front, the candidates' values and the default reference, from export."""
    candidates = [r for r in records if r["status"] == "complete" and r["feasible"] is not False
                  and all(r["values"].get(name) is not None for name in objectives)]
    values = np.array([[r["values"][name] for name in objectives] for r in candidates])
    return sorted(candidates[i]["id"] for i in brute_front(values)), values, worst_plus_tenth(values)


def _check_pareto_against_export(folder: Path, objectives: list[str], evaluations: int) -> dict:
    pareto = json.loads(_cli("pareto", str(folder), "--json").stdout)
    records = json.loads(_cli("export", str(folder), "--format", "json").stdout)
    assert len(records) == evaluations
    front_ids, values, reference = _brute_force_from_export(records, objectives)
    assert set(pareto) == {"objectives", "reference", "hypervolume", "outside_reference", "front"}
    assert pareto["outside_reference"] == []  # the default rule leaves every front point inside
    assert pareto["objectives"] == objectives
    assert sorted(job["id"] for job in pareto["front"]) == front_ids
    assert all(set(job) == {"id", "values", "params"} for job in pareto["front"])
    assert np.allclose([pareto["reference"][name] for name in objectives], reference)
    assert math.isclose(pareto["hypervolume"], brute_hypervolume(values, reference), rel_tol=1e-9)
    ranks = {r["id"]: r["pareto_rank"] for r in records}
    assert sorted(i for i, rank in ranks.items() if rank == 0) == front_ids
    for record in records:  # only feasible complete jobs with every objective are ranked
        ranked = record["status"] == "complete" and record["feasible"] is not False \
            and all(record["values"].get(n) is not None for n in objectives)
        assert (ranks[record["id"]] is not None) == ranked
    return pareto


def test_spearmint_folder_with_two_objective_tasks_runs_and_pareto_agrees_with_brute_force(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["f1", "f2"])
    run = _cli("run", str(folder), "--max-evals", "10", "--seed", "2")
    assert "objectives f1, f2 (Pareto front)" in run.stdout and "front:" in run.stdout
    pareto = _check_pareto_against_export(folder, ["f1", "f2"], 10)
    records = {r["id"]: r for r in json.loads(_cli("export", str(folder)).stdout)}
    assert records[3]["feasible"] is False and records[3]["values"]["f2"] is None  # NaN: invalid, not broken
    assert records[3]["status"] == "complete" and records[3]["pareto_rank"] is None
    assert any(r["values"]["c"] < 0 for r in records.values()), "no job broke the constraint: the test is weak"
    assert all(records[job["id"]]["values"]["c"] >= 0 for job in pareto["front"])

    text = _cli("pareto", str(folder)).stdout
    assert "default rule: each objective's worst feasible value plus 10% of its range" in text
    status = _cli("status", str(folder)).stdout
    assert f"front: {len(pareto['front'])} job(s)" in status and "invalid (NaN)" in status
    best = json.loads(_cli("best", str(folder), "--json").stdout)
    assert sorted(r["id"] for r in best) == sorted(job["id"] for job in pareto["front"])
    given = json.loads(_cli("pareto", str(folder), "--json", "--reference", "f1=2", "--reference", "f2=3").stdout)
    values = np.array([[job["values"]["f1"], job["values"]["f2"]] for job in given["front"]])
    assert given["reference"] == {"f1": 2.0, "f2": 3.0}
    assert math.isclose(given["hypervolume"], brute_hypervolume(values, np.array([2.0, 3.0])), rel_tol=1e-9)
    written = _cli("plot", str(folder), "--out", str(tmp_path / "plots")).stdout
    assert "pareto_front.png" in written and "hypervolume.png" in written


def test_three_objectives_with_rand_walk(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ["f1", "f2", "f3"], {"method": "rand-walk"})
    _cli("run", str(folder), "--max-evals", "9", "--seed", "5")
    _check_pareto_against_export(folder, ["f1", "f2", "f3"], 9)
    written = _cli("plot", str(folder), "--out", str(tmp_path / "plots")).stdout
    assert "pareto_front.png" in written


@pytest.mark.parametrize("extra, message", [
    (["--method", "hw-ieci"], "--method hw-ieci improves one objective .* use --method ehvi"),
    (["--method", "hw-cwei"], "--method hw-cwei improves one objective"),
    (["--reference", "f1=2"], "needs a value for every objective .* missing f2"),
    (["--reference", "f1=2", "--reference", "power=3"], "'power' is not an objective of this run"),
    (["--budget", "f1=0.5"], "names the OBJECTIVE task 'f1'"),
])
def test_bad_multi_objective_input_is_one_paragraph_and_writes_nothing(tmp_path: Path, extra: list[str],
                                                                       message: str) -> None:
    folder = _folder(tmp_path, ["f1", "f2"])
    before = sorted(p.name for p in folder.iterdir())
    result = _cli("run", str(folder), "--max-evals", "2", *extra, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("hyperpower: error: ")
    assert __import__("re").search(message, result.stderr), result.stderr
    assert sorted(p.name for p in folder.iterdir()) == before  # no store, no output/


def unfiltered_hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """The definition with nothing left out first: inclusion-exclusion over the boxes [p,
    reference], a box empty in any objective where p is not below the reference."""
    total = 0.0
    for size in range(1, len(points) + 1):
        for subset in __import__("itertools").combinations(points, size):
            total += (-1) ** (size + 1) * float(np.prod(np.clip(reference - np.max(subset, axis=0), 0.0, None)))
    return total


def test_a_reference_point_that_cuts_the_front_is_accepted_and_says_what_lies_outside(tmp_path: Path) -> None:
    """Issue 22 point 7: `pareto --reference` and `run --reference` with a point inside the front's
    range are accepted (published benchmarks fix theirs); the hypervolume counts the part of the
    front that dominates it, and the reports say how many front jobs lie outside."""
    folder = _folder(tmp_path, ["f1", "f2"])
    _cli("run", str(folder), "--max-evals", "8", "--seed", "1")
    records = json.loads(_cli("export", str(folder)).stdout)
    front = np.array([[r["values"]["f1"], r["values"]["f2"]] for r in records if r["pareto_rank"] == 0])
    ids = [r["id"] for r in records if r["pareto_rank"] == 0]
    assert len(front) >= 3, "a front of fewer than three points cannot be cut in the middle: the test is weak"
    # f1 at the front's median cuts it: the points with f1 >= it lie outside, the others count
    reference = [float(np.median(front[:, 0])), float(front[:, 1].max()) + 0.5]
    outside = sorted(i for i, (a, _) in zip(ids, front) if not a < reference[0])
    assert 0 < len(outside) < len(ids)
    result = _cli("pareto", str(folder), "--json", "--reference", f"f1={reference[0]!r}",
                  "--reference", f"f2={reference[1]!r}")
    given = json.loads(result.stdout)
    assert sorted(job["id"] for job in given["front"]) == sorted(ids)  # the front is still the whole front
    assert given["outside_reference"] == outside
    values = np.array([[r["values"]["f1"], r["values"]["f2"]] for r in records
                       if r["status"] == "complete" and r["feasible"] and r["values"]["f2"] is not None])
    assert math.isclose(given["hypervolume"], unfiltered_hypervolume(values, np.array(reference)), rel_tol=1e-9)
    assert given["hypervolume"] > 0
    text = _cli("pareto", str(folder), "--reference", f"f1={reference[0]!r}", "--reference", f"f2={reference[1]!r}").stdout
    assert f"{len(outside)} of {len(ids)} front job(s) ({', '.join(map(str, outside))}) lie outside the reference point" \
        in text and "counts only the part of the front that dominates the reference point" in text
    unknown = _cli("pareto", str(folder), "--reference", "memory=3", check=False)
    assert unknown.returncode == 2 and "'memory' is not an objective of experiment mo" in unknown.stderr
    run = _cli("run", str(folder), "--max-evals", "9", "--method", "rand", "--reference", f"f1={reference[0]!r}",
               "--reference", f"f2={reference[1]!r}")
    assert "lie outside the reference point" in run.stdout
    assert len(json.loads(_cli("export", str(folder)).stdout)) == 9
    status = _cli("status", str(folder)).stdout
    assert "front job(s)" in status and "lie outside the reference point" in status


MEMORY_MODEL = {"metric": "memory", "unit": "MB", "intercept": 250.0,
                "features": ["conv1_filters", "conv1_kernel", "conv2_filters", "dense_units"],
                "coef": [0.2, 1.0, 0.3, 0.01]}


@pytest.mark.slow
def test_digits_error_against_memory_runs_through_the_cli(tmp_path: Path) -> None:
    """--optimize twice on a template; memory, an objective with a model (--model), is predicted
    a priori for every job and measured after training; the front is feasible and agrees."""
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    (folder / "memory_model.json").write_text(json.dumps(MEMORY_MODEL))
    _cli("run", str(folder), "--optimize", "error", "--optimize", "memory", "--method", "rand", "--epochs", "1",
         "--max-evals", "3", "--seed", "0", "--model", f"memory={folder / 'memory_model.json'}")
    config = json.loads((folder / "spearmint" / "config.json").read_text())
    assert config["hyperpower"]["objective"] == ["error", "memory"]
    assert [t["type"] for t in config["tasks"].values()] == ["OBJECTIVE", "OBJECTIVE"]
    records = json.loads(_cli("export", str(folder)).stdout)
    assert [r["status"] for r in records] == ["complete"] * 3
    assert all(r["values"]["memory"] > 0 and r["predicted"]["memory"] > 0 for r in records)
    pareto = _check_pareto_against_export(folder, ["error", "memory"], 3)
    text = _cli("pareto", str(folder)).stdout
    assert all(f"job_{job['id']:05d}_network.py" in text for job in pareto["front"])
    again = _cli("run", str(folder), "--max-evals", "3")  # the kept settings: still two objectives
    assert "objectives error, memory (Pareto front)" in again.stdout


@pytest.mark.slow
def test_digits_default_ehvi_knows_the_profiled_memory_model_a_priori(tmp_path: Path) -> None:
    """Issue 12's done-when through the CLI: `--optimize error --optimize memory` with no
    --method (so ehvi) and no --model, aware: the run takes the profiled EXP/models/memory.json
    (`profile` here with few samples; without it `run` profiles the same way first, 30 samples),
    ehvi knows memory a priori (its model's value, no GP), and `pareto --json` agrees with export."""
    from hyperpower.cli import build_parser
    from hyperpower.commands.options import options_from_args
    from hyperpower.experiment import resolve_experiment
    from hyperpower.loop.preparation import prepare_run
    from hyperpower.optimize import Optimizer, load_linear_model
    from hyperpower.optimize.observations import collect_observations
    from hyperpower.store import open_store

    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    _cli("profile", str(folder), "--samples", "6", "--folds", "3", "--metrics", "memory", "--repetitions", "2",
         "--seed", "0")
    assert (folder / "models" / "memory.json").is_file()
    # --models-fixed: the paper's a-priori model, the subject here (the default learns from the
    # measurements: tests/loop/test_learned_models_run.py, tests/optimize/test_learned_model.py)
    run = _cli("run", str(folder), "--optimize", "error", "--optimize", "memory", "--epochs", "1", "--max-evals",
               "5", "--seed", "0", "--models-fixed").stdout
    assert "digits: ehvi, objectives error, memory (Pareto front)" in run and "profiling" not in run
    config = json.loads((folder / "spearmint" / "config.json").read_text())["hyperpower"]
    assert (config["method"], config["aware"], config["models"], config["models_fixed"]) == ("ehvi", True, {}, True)
    records = json.loads(_cli("export", str(folder)).stdout)
    assert [(r["status"], r["method"]) for r in records] == [("complete", "ehvi")] * 5
    model = load_linear_model(folder / "models" / "memory.json")
    for record in records:  # the a-priori value of each suggestion is the profiled model's
        assert record["predicted"]["memory"] == pytest.approx(model.predict(record["params"]))
        assert record["values"]["memory"] > 0
    _check_pareto_against_export(folder, ["error", "memory"], 5)

    # the optimizer `run` builds for this folder: memory is known (the model), error learnt by a GP
    args = build_parser().parse_args(["run", str(folder)])
    prepared = prepare_run(resolve_experiment(folder), options_from_args(args))
    assert prepared.to_profile == [] and set(prepared.loaded.models) == {"memory"}
    optimizer = Optimizer(prepared.config, prepared.loaded.models, np.random.default_rng(0))
    error_spec, memory_spec = optimizer.multi_problem.objectives
    assert error_spec.known is None and memory_spec.known is not None
    with open_store(prepared.store_uri) as store:
        jobs = store.list_jobs(prepared.config.name)
    observations = collect_observations(jobs, optimizer.space, ["error", "memory"], optimizer.rules)
    assert np.allclose(memory_spec.known(observations.points), [r["predicted"]["memory"] for r in records])
    fits = optimizer.strategy.fit(observations)
    assert fits.objectives[0] is not None and fits.objectives[1] is None  # no GP for memory

"""``--transfer-from`` across stores and folders (issue 23 point 4), with several objectives
(issue 22.4: each GP conditioned only on measured values, the design near the sources' front) and
source values within rounding of a log-scale bound (issue 22.5), through the CLI.

Source experiments are written with the store API as an earlier ``hyperpower run`` leaves them
(its config snapshot and finished jobs): the value 0.010000000000000004 of issue 22.5 is what an
earlier version's log-scale decoding stored, which this one no longer produces."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from hyperpower.config import config_from_json, config_to_json
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.worker import META_CONFIG
from hyperpower.store import open_store

LOG_VARIABLES = {"lr": {"type": "FLOAT", "min": 0.0001, "max": 0.01, "scale": "log"},
                 "x": {"type": "FLOAT", "min": 0.0, "max": 1.0}}
PLANE = {"x": {"type": "FLOAT", "min": 0.0, "max": 1.0}, "y": {"type": "FLOAT", "min": 0.0, "max": 1.0}}


def _folder(root: Path, name: str, variables: dict, tasks: dict, main: str, **settings) -> Path:
    """A plain Spearmint folder with its own default store."""
    folder = root / name
    folder.mkdir()
    config = {"experiment-name": name, "language": "PYTHON", "main-file": "main", "variables": variables,
              "tasks": tasks, "hyperpower": settings}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "main.py").write_text(main)
    return folder


def _publish(folder: Path, jobs: list[tuple[dict, dict, JobStatus]]) -> str:
    """What a finished `hyperpower run` leaves in the folder's store: config snapshot and jobs."""
    config = json.loads((folder / "config.json").read_text())
    name = config["experiment-name"]
    uri = f"sqlite:///{folder / 'hyperpower.sqlite'}"
    with open_store(uri) as store:
        store.set_meta(name, META_CONFIG, config_to_json(config_from_json(config)))
        for raw, values, status in jobs:
            store.add_job(name, Job(id=0, experiment=name, status=status, method="rand", raw_params=raw,
                                    params=raw, values=values, feasible=True if status is JobStatus.COMPLETE else None))
    return uri


def _jobs(uri: str, name: str) -> list[Job]:
    with open_store(uri) as store:
        return store.list_jobs(name)


LOG_MAIN = "import math\ndef main(job_id, params):\n    return -math.log10(float(params['lr'][0])) + float(params['x'][0])\n"


def test_a_folder_in_its_own_store_and_a_uri_are_read_and_a_value_at_a_bound_is_used(tmp_path, run_cli) -> None:
    """The source lives in its folder's default store, the target in its own. Its best job sits at
    the log-scale max, stored as 0.010000000000000004: used (clipped), and the target starts there."""
    tasks = {"objective": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}}
    source = _folder(tmp_path, "logtoy", LOG_VARIABLES, tasks, LOG_MAIN)
    best = {"lr": 0.010000000000000004, "x": 0.1}
    rows = [({"lr": lr, "x": x}, {"objective": -math.log10(lr) + x}, JobStatus.COMPLETE)
            for lr, x in ((0.0001, 0.9), (0.0003, 0.5), (0.001, 0.7), (0.002, 0.3))]
    rows += [(best, {"objective": 2.1}, JobStatus.COMPLETE), ({"lr": 0.005, "x": 0.5}, {}, JobStatus.BROKEN)]
    source_uri = _publish(source, rows)
    target = _folder(tmp_path, "logtoy_target", LOG_VARIABLES, tasks, LOG_MAIN, initial_design=2)
    result = run_cli("run", str(target), "--transfer-from", str(source), "--method", "hw-ieci", "--max-evals", "1",
                     "--seed", "0")
    assert "transfer from logtoy (store sqlite:///" in result.stdout, result.stdout
    assert f"transfer source logtoy (store {source_uri}): 5 of 6 jobs used (left out: 1 not complete (broken, " \
           f"pending or skipped))" in result.stdout, result.stdout
    target_uri = f"sqlite:///{target / 'hyperpower.sqlite'}"
    [first] = _jobs(target_uri, "logtoy_target")
    assert first.raw_params == {"lr": 0.01, "x": 0.1}, "the design starts at the source's best, clipped onto the bound"
    kept = json.loads((target / "output" / "run_config.json").read_text())["hyperpower"]["transfer_from"]
    assert kept == [str(source.resolve())], "the folder is kept as an absolute path"

    again = run_cli("run", str(target), "--transfer-from", f"{source_uri}#logtoy", "--max-evals", "2", "--seed", "0")
    assert f"transfer source logtoy (store {source_uri}): 5 of 6 jobs used" in again.stdout, again.stdout
    assert len(_jobs(target_uri, "logtoy_target")) == 2
    with open_store(source_uri) as store:
        assert len(store.list_jobs("logtoy")) == 6, "the source store is only read"


def test_bad_sources_in_other_stores_are_refused_naming_them(tmp_path, capsys) -> None:
    tasks = {"objective": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}}
    target = _folder(tmp_path, "target", LOG_VARIABLES, tasks, LOG_MAIN)
    never_run = _folder(tmp_path, "never_run", LOG_VARIABLES, tasks, LOG_MAIN)
    cases = [
        (str(never_run), "store sqlite:///" + str(never_run / "hyperpower.sqlite") + " does not exist yet"),
        (str(tmp_path / "nowhere"), "no such experiment folder"),
        (f"sqlite:///{tmp_path / 'other.sqlite'}#old", "does not exist yet, so it holds no experiment 'old'"),
    ]
    from hyperpower import cli

    for given, message in cases:  # in this process: the same CLI, without a Python start per case
        capsys.readouterr()
        status = cli.main(["run", str(target), "--transfer-from", given, "--max-evals", "1"])
        error = capsys.readouterr().err
        assert status == 2 and message in error and error.count("\n") == 1, (given, error)
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "main.py"], "nothing written"


TWO_OBJECTIVES = {"f1": {"type": "OBJECTIVE", "likelihood": "NOISELESS"},
                  "f2": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}}
TWO_MAIN = ("def main(job_id, params):\n    x, y = float(params['x'][0]), float(params['y'][0])\n"
            "    return {'f1': (x - 0.2) ** 2 + (y - 0.2) ** 2, 'f2': (x - 0.8) ** 2 + (y - 0.8) ** 2}\n")


def _f(x: float, y: float) -> dict[str, float]:
    return {"f1": (x - 0.2) ** 2 + (y - 0.2) ** 2, "f2": (x - 0.8) ** 2 + (y - 0.8) ** 2}


def _distance_to_front(point: np.ndarray) -> float:
    """Distance to the segment from (0.2, 0.2) to (0.8, 0.8): the Pareto set of f1 x f2."""
    along = float(np.clip(((point[0] - 0.2) + (point[1] - 0.2)) / 1.2, 0.0, 1.0))
    return float(np.linalg.norm(point - (0.2 + 0.6 * along)))


def test_several_objectives_each_gp_sees_only_measured_values(tmp_path, monkeypatch, capsys) -> None:
    """Source ``only_f1`` measured f1 alone, ``both`` measured f1 and f2. Run from the CLI (in
    this process, so the GP fits can be watched), the f2 GP is never conditioned on an
    ``only_f1`` configuration, the f1 GP is on both sources', no fit sees a made-up or NaN
    value, and the initial design comes from the sources' front estimate."""
    from hyperpower import cli
    from hyperpower.optimize.ensemble import GaussianProcessEnsemble
    from hyperpower.optimize.strategies import BayesianStrategy
    from hyperpower.optimize.transfer import TransferPrior

    rng = np.random.default_rng(3)
    only_points, both_points = rng.random((12, 2)), rng.random((12, 2))
    only = _folder(tmp_path, "only_f1", PLANE, {"f1": TWO_OBJECTIVES["f1"]}, TWO_MAIN)
    _publish(only, [({"x": x, "y": y}, {"f1": _f(x, y)["f1"]}, JobStatus.COMPLETE) for x, y in only_points])
    both = _folder(tmp_path, "both", PLANE, TWO_OBJECTIVES, TWO_MAIN)
    _publish(both, [({"x": x, "y": y}, _f(x, y), JobStatus.COMPLETE) for x, y in both_points])
    target = _folder(tmp_path, "target", PLANE, TWO_OBJECTIVES, TWO_MAIN, initial_design=2)

    names: dict[int, str] = {}
    fits: list[tuple[str, np.ndarray, np.ndarray]] = []
    design_used_front: list[bool] = []
    original_ensemble, original_fit = BayesianStrategy._ensemble, GaussianProcessEnsemble.fit
    original_front = TransferPrior.front_probability

    def ensemble(self, name, noiseless, inputs=None):
        made = original_ensemble(self, name, noiseless, inputs)
        names[id(made)] = name
        return made

    def fit(self, points, values):
        fits.append((names.get(id(self), "?"), np.array(points), np.array(values)))
        return original_fit(self, points, values)

    def front_probability(self, candidates, neighbours=5):
        design_used_front.append(True)
        return original_front(self, candidates, neighbours)

    monkeypatch.setattr(BayesianStrategy, "_ensemble", ensemble)
    monkeypatch.setattr(GaussianProcessEnsemble, "fit", fit)
    monkeypatch.setattr(TransferPrior, "front_probability", front_probability)
    status = cli.main(["run", str(target), "--transfer-from", str(only), str(both), "--method", "ehvi",
                       "--max-evals", "3", "--seed", "0"])
    output = capsys.readouterr()
    assert status == 0, output.err
    assert "transfer source only_f1 (store" in output.out and \
        "12 of 12 jobs used; measured f1; f2 not measured, so its configurations are left out of that GP" in output.out
    assert "transfer source both (store" in output.out and "12 of 12 jobs used; measured f1, f2\n" in output.out

    target_jobs = _jobs(f"sqlite:///{target / 'hyperpower.sqlite'}", "target")
    own = np.array([[job.raw_params["x"], job.raw_params["y"]] for job in target_jobs])

    def inside(point: np.ndarray, group: np.ndarray) -> bool:
        return bool(np.min(np.abs(group - point).max(axis=1)) < 1e-9)

    by_name = {name: [(p, v) for n, p, v in fits if n == f"objective {name}"] for name in ("f1", "f2")}
    assert by_name["f1"] and by_name["f2"], f"both objectives' GPs were fitted: {[n for n, _, _ in fits]}"
    lent: dict[str, set[str]] = {"f1": set(), "f2": set()}
    for name, rounds in by_name.items():
        for points, values in rounds:
            assert np.all(np.isfinite(values)), f"{name}'s GP was given a value nobody measured"
            for point, value in zip(points, values):
                if inside(point, own):  # the target's own job: its measured value
                    assert value == pytest.approx(_f(*point)[name])
                    continue
                source = "only_f1" if inside(point, only_points) else "both" if inside(point, both_points) else None
                assert source is not None, f"{name}'s GP is conditioned on {point}, neither a job nor a source's"
                lent[name].add(source)
    assert lent["f2"] == {"both"}, "f2's GP learns from `both` and never from `only_f1`, which did not measure f2"
    assert lent["f1"] == {"only_f1", "both"}, "f1's GP learns from both sources"

    assert design_used_front, "the initial design ranked candidates by the sources' front estimate"
    assert _distance_to_front(own[0]) < 0.1, f"the first job lies near the sources' front: {own[0]}"

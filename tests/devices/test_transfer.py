"""Transfer from related tasks (issue 14 point 4): a Gaussian-copula prior from finished
experiments warm-starts the optimizer. A related task is solved faster than from a cold start;
an unrelated one loses its influence within a few evaluations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperpower.config import config_from_json
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize import Optimizer
from hyperpower.optimize.ensemble import MCMCSettings
from hyperpower.optimize.observations import collect_observations
from hyperpower.optimize.transfer import MIN_WEIGHT, SourceTask, TransferPrior, normal_scores

CONFIG = {"variables": {"x": {"type": "FLOAT", "min": 0.0, "max": 1.0}, "y": {"type": "FLOAT", "min": 0.0, "max": 1.0}},
          "tasks": {"objective": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}},
          "hyperpower": {"method": "hw-ieci", "initial_design": 3}}


def branin(x: float, y: float, shift: float = 0.0) -> float:
    """Branin on the unit square (three minima of 0.397887), optionally moved by ``shift``."""
    a, b = 15 * (x + shift) - 5, 15 * y
    return (b - 5.1 / (4 * math.pi ** 2) * a ** 2 + 5 / math.pi * a - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(a) + 10


def _source(function, count: int = 60, seed: int = 7) -> SourceTask:
    rng = np.random.default_rng(seed)
    raw = [{"x": float(x), "y": float(y)} for x, y in rng.random((count, 2))]
    return SourceTask("source", config_from_json(CONFIG).space, raw,
                      np.array([[function(p["x"], p["y"])] for p in raw]))


def _optimize(function, prior: TransferPrior | None, evaluations: int, seed: int) -> list[float]:
    config = config_from_json(CONFIG)
    optimizer = Optimizer(config, {}, np.random.default_rng(seed), mcmc=MCMCSettings(samples=5, burn_in=30),
                          transfer=prior)
    jobs, values = [], []
    for index in range(evaluations):
        raw = optimizer.suggest(jobs, 1)[0].raw_params
        values.append(function(raw["x"], raw["y"]))
        jobs.append(Job(id=index + 1, experiment="t", status=JobStatus.COMPLETE, raw_params=raw, params=raw,
                        values={"objective": values[-1]}))
    return values


def test_normal_scores_remove_scale_and_keep_order() -> None:
    values = np.array([[3.0], [30.0], [0.3], [300.0]])
    assert np.allclose(normal_scores(values), normal_scores(values * 7 + 100))
    assert list(np.argsort(normal_scores(values)[:, 0])) == [2, 0, 1, 3]


def test_transfer_from_a_related_task_beats_the_cold_start() -> None:
    """Source: Branin; target: a scaled, offset and slightly moved Branin (related, not equal)."""
    target = lambda x, y: 3.0 * branin(x, y, shift=0.02) + 50.0  # noqa: E731
    prior = TransferPrior(config_from_json(CONFIG).space, [_source(branin)])
    best_warm, best_cold = [], []
    for seed in range(3):
        best_warm.append(min(_optimize(target, prior, 6, seed)))
        best_cold.append(min(_optimize(target, None, 6, seed)))
    optimum = 3.0 * 0.397887 + 50.0
    assert np.mean(best_warm) - optimum < 0.5 * (np.mean(best_cold) - optimum), (best_warm, best_cold)


def test_an_unrelated_task_loses_its_influence_within_a_few_evaluations() -> None:
    """The source is the target upside down: its best configurations are the target's worst."""
    target = lambda x, y: branin(x, y)  # noqa: E731
    prior = TransferPrior(config_from_json(CONFIG).space, [_source(lambda x, y: -branin(x, y))])
    values = _optimize(target, prior, 10, 0)
    rng = np.random.default_rng(1)
    raw = [{"x": float(x), "y": float(y)} for x, y in rng.random((8, 2))]
    observed = collect_observations(
        [Job(id=i + 1, experiment="t", status=JobStatus.COMPLETE, raw_params=p, values={"objective": target(**p)})
         for i, p in enumerate(raw)], prior.space, "objective", [])
    assert prior.weight(observed) < MIN_WEIGHT, "after 8 observations the anti-correlated source is dropped"
    assert len(prior.augment(observed).objective) == len(observed.objective)
    cold = _optimize(target, None, 10, 0)
    assert min(values) <= min(cold) + 5.0, (min(values), min(cold))


def _copy_named(source, name: str, variables: dict | None = None):
    import json
    import shutil

    folder = source.parent / name
    shutil.copytree(source, folder)
    config = json.loads((folder / "config.json").read_text())
    config["experiment-name"] = name
    if variables is not None:
        config["variables"] = variables
        (folder / "toy.py").write_text("def main(job_id, params):\n    return {'objective': float(params['a'][0]), "
                                       "'budget_left': 1.0}\n")
    (folder / "config.json").write_text(json.dumps(config))
    for leftover in ("hyperpower.sqlite", "output"):
        path = folder / leftover
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return folder


def test_a_run_starts_from_a_finished_experiment_of_the_same_store(toy_experiment, run_cli) -> None:
    from hyperpower.store import open_store

    first = run_cli("run", str(toy_experiment), "--method", "rand", "--max-evals", "4", "--seed", "2")
    assert first.returncode == 0, first.stderr
    store = f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}"
    related = _copy_named(toy_experiment, "toy_again")
    result = run_cli("run", str(related), "--transfer-from", "spearmint_toy", "--store", store, "--max-evals", "1",
                     "--seed", "2")
    assert result.returncode == 0, result.stderr
    assert "transfer from spearmint_toy: 4 configurations over the shared variables x, y" in result.stdout
    with open_store(store) as opened:
        sources = opened.list_jobs("spearmint_toy")
        started = opened.list_jobs("toy_again")[0]
    assert started.raw_params in [job.raw_params for job in sources], "the first job is a source configuration"


def test_bad_transfer_sources_are_refused_naming_them_and_nothing_is_written(toy_experiment, run_cli) -> None:
    from hyperpower.store import open_store

    other = _copy_named(toy_experiment, "unrelated", {"a": {"type": "FLOAT", "min": 0, "max": 1}})
    missing_store = run_cli("run", str(other), "--transfer-from", "spearmint_toy", "--max-evals", "1", check=False)
    assert missing_store.returncode == 2 and "does not exist yet, so it holds no experiment 'spearmint_toy'" in \
        missing_store.stderr
    assert run_cli("run", str(toy_experiment), "--method", "rand", "--max-evals", "3").returncode == 0
    store = toy_experiment / "hyperpower.sqlite"
    before = store.read_bytes()
    for name, message in (("nowhere", "no experiment 'nowhere' in store"),
                          ("spearmint_toy", "experiment 'spearmint_toy' shares no variable with 'unrelated'")):
        result = run_cli("run", str(other), "--transfer-from", name, "--store", f"sqlite:///{store}",
                         "--max-evals", "1", check=False)
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert sorted(p.name for p in other.iterdir()) == ["README.md", "config.json", "toy.py"], "nothing written"
    assert store.read_bytes() == before
    with open_store(f"sqlite:///{store}") as opened:
        assert opened.list_experiments() == ["spearmint_toy"]


def test_transfer_sources_are_kept_as_names_absolute_folders_or_uris(tmp_path, monkeypatch) -> None:
    """A folder now names that folder's experiment in its own store (issue 23 point 4), so it is
    kept as an absolute path; a relative SQLite path of STORE_URI#NAME becomes absolute too."""
    import argparse

    from hyperpower.commands.options import device_options_from_args

    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments" / "cifar10").mkdir(parents=True)
    given = device_options_from_args(argparse.Namespace(transfer_from=[
        "experiments/cifar10/", "mnist", "sqlite:///old.sqlite#mnist", "mongodb://db1/hp#cifar10"]))
    assert given["transfer_from"] == [str(tmp_path / "experiments" / "cifar10"), "mnist",
                                      f"sqlite:///{tmp_path / 'old.sqlite'}#mnist", "mongodb://db1/hp#cifar10"]
    assert device_options_from_args(argparse.Namespace(transfer_from=["none"]))["transfer_from"] == []


@pytest.mark.parametrize("given,message", [
    ("sqlite:///x.sqlite#", "expected STORE_URI#EXPERIMENT"),
    ("#mnist", "expected STORE_URI#EXPERIMENT"),
    ("postgres://db/x#old", "is not understood"),
    ("experiments/nowhere", "no such experiment folder"),
])
def test_malformed_transfer_sources_are_refused_naming_them(given: str, message: str) -> None:
    from hyperpower.errors import ConfigError
    from hyperpower.loop.transfer_sources import normalize_transfer_source

    with pytest.raises(ConfigError, match="--transfer-from") as raised:
        normalize_transfer_source(given)
    assert message in str(raised.value)


def test_normal_scores_rank_each_objective_over_the_values_it_has() -> None:
    values = np.array([[1.0, np.nan], [3.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    scores = normal_scores(values)
    assert np.isnan(scores[0, 1]) and np.all(np.isfinite(scores[1:, 1]))
    assert list(np.argsort(scores[:, 0])) == [0, 2, 1, 3]
    assert np.allclose(scores[1:, 1], normal_scores(values[1:, 1:])[:, 0]), "ranked among the 3 measured"


def _two_objective_sources() -> tuple[SourceTask, SourceTask]:
    space = config_from_json(CONFIG).space
    rng = np.random.default_rng(5)
    first = [{"x": float(x), "y": float(y)} for x, y in rng.random((10, 2))]
    second = [{"x": float(x), "y": float(y)} for x, y in rng.random((10, 2))]
    only = SourceTask("only_f1", space, first, np.array([[p["x"], np.nan] for p in first]))
    both = SourceTask("both", space, second, np.array([[p["x"], 1 - p["x"]] for p in second]))
    return only, both


def test_extra_observations_carry_only_the_objectives_their_source_measured() -> None:
    only, both = _two_objective_sources()
    prior = TransferPrior(only.space, [only, both])
    assert prior.modelled == [0, 1] and prior.usage["only_f1"].used == 10
    jobs = [Job(id=i + 1, experiment="t", status=JobStatus.COMPLETE, raw_params={"x": x, "y": 0.5},
                values={"f1": x, "f2": 1 - x}) for i, x in enumerate((0.15, 0.55, 0.85))]
    observed = collect_observations(jobs, prior.space, ("f1", "f2"), [])
    augmented = prior.augment(observed)
    extra = augmented.objectives[len(jobs):]
    assert len(extra) > 0 and np.all(np.isfinite(extra[:, 0]))
    from_only = [i for i, point in enumerate(augmented.points[len(jobs):])
                 if any(np.allclose(point, only.space.to_unit(p)) for p in only.raw_params)]
    assert from_only and np.all(np.isnan(extra[from_only, 1])), "no f2 is made up for `only_f1`"
    assert np.all(np.isfinite(np.delete(extra[:, 1], from_only))), "`both` lends its measured f2"
    assert not augmented.feasible[len(jobs):].any()


def test_a_value_within_rounding_of_a_bound_is_used_and_one_beyond_it_is_left_out_with_the_reason() -> None:
    space = config_from_json({**CONFIG, "variables": {
        "lr": {"type": "FLOAT", "min": 0.0001, "max": 0.01, "scale": "log"},
        "y": {"type": "FLOAT", "min": 0.0, "max": 1.0}}}).space
    raw = [{"lr": 0.010000000000000004, "y": 0.1}, {"lr": 0.011, "y": 0.2}, {"lr": 0.001, "y": 0.3},
           {"lr": 0.0001, "y": 0.4}]
    prior = TransferPrior(space, [SourceTask("source", space, raw, np.array([[1.0], [2.0], [3.0], [4.0]]))])
    assert prior.usage["source"].used == 3
    assert prior.usage["source"].left_out == {"outside this experiment's values of lr": 1}
    assert np.allclose(prior.source_points()[0], space.to_unit({"lr": 0.01, "y": 0.1}))

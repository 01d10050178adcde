"""Part A with a model-based method (issue 25.3): the device as a variable against each fixed
device, with ``ehvi`` (the default multi-objective method), black-box and with per-device
a-priori latency models, and the peers in the same run.

Problem (as part A of ``run_devices.py``): six ENUM edges of NAS-Bench-201's cell, and for the
device-variable arms a seventh ENUM, the device among ``nb201.DEVICES`` (two GPUs, two Xeon CPUs,
two phones); objectives, all minimized: CIFAR-10 validation error, latency (ms, batch 1) and
serving cost (price per hour x latency, currency per million inferences). Score: the
hypervolume of the evaluated points as a share of the best attainable over all 15,625 x 6
(architecture, device) pairs, reference the median of every objective over those pairs.

Arms (one JSON per arm and seed under ``results/model_based/``, never recomputed: resumable):

* ``ehvi-apriori variable`` / ``ehvi-apriori fixed DEVICE``: latency and cost are known
  objectives: each device's one-hot linear latency model, fitted as ``hyperpower profile`` fits
  it (``hardware.profile_models.fit_all``, feature set "hyperparameters") on PROFILED random cells
  measured on that device; cost is the same model times the device's price. Only the error is
  learnt (a GP). With the device a variable the models are a ``PerDeviceModel``, which prices each
  candidate with the model of its device, as a run with ``--devices`` and ``--model
  latency@DEVICE=FILE`` does.
* ``ehvi variable`` / ``ehvi fixed DEVICE``: black-box, every objective learnt.
* peers (benchmarks' venv): Optuna's GPSampler (logEHVI), NSGA-II and TPE, and random search,
  with the device a categorical variable.

Every method starts from the same INITIAL design: per seed the same INITIAL random architectures
(a fixed arm measures them on its device; a device-variable arm on devices drawn without
replacement, so the design spreads over INITIAL of the six), enqueued into the peers' studies.

    P=benchmarks/.venv-peers/bin/python      # benchmarks/setup_peers.sh makes it
    nice $P benchmarks/devices/model_based.py run --seeds 5                   # DEFAULT_ARMS
    nice $P benchmarks/devices/model_based.py run --arms "ehvi-apriori variable" --seeds 5
    nice $P benchmarks/devices/model_based.py model-check --arm "ehvi variable"   # the GPs per device, early
    python benchmarks/devices/report.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]

from benchmarks.common.peers import one_blas_thread  # noqa: E402

one_blas_thread()  # before numpy: every method alike

import numpy as np  # noqa: E402

from nb201 import DEVICES, EDGES, OPS, Table, cell_string  # noqa: E402

from benchmarks.common.cache import run_once, write_json  # noqa: E402

RESULTS = HERE / "results" / "model_based"
OBJECTIVES = ("error", "latency", "cost")
EVALUATIONS = 60
INITIAL = 5
PROFILED = 50
PROFILE_SEED = 2018
DEVICE = "device"
#: inferences per serving-cost unit over milliseconds per hour: cost = price x latency x COST_SCALE
COST_SCALE = 1e6 / 3.6e6


# -- the table, the reference and the attainable front -----------------------------------------------
@lru_cache(maxsize=1)
def table() -> Table:
    return Table()


def values_of(cell: str, device: str) -> list[float]:
    return [table().error(cell, "cifar10"), table().latency(cell, device), table().cost(cell, device)]


def facts() -> dict:
    """Reference point, attainable hypervolume, each device's own best share and the latency
    models' errors; computed once (a minute of CPU) and cached in ``facts.json``."""
    path = RESULTS / "facts.json"
    if path.exists():
        return json.loads(path.read_text())
    from hyperpower.optimize.pareto import hypervolume

    from run_devices import _front, _reference

    reference, front = _reference(table())  # part A's own reference, so its rand-walk arms compare
    best = hypervolume(front, reference)
    per_device = {d: np.array([values_of(c, d) for c in table().cells]) for d in DEVICES}
    shares = {}
    for device, rows in per_device.items():
        inside = rows[np.all(rows < reference, axis=1)]
        shares[device] = hypervolume(_front(inside), reference) / best if len(inside) else 0.0
    record = {"reference": reference.tolist(), "best_hv": best, "device_best_share": shares,
              "latency_models": {d: model_report(d) for d in DEVICES}}
    write_json(path, record)
    return record


# -- per-device a-priori models ----------------------------------------------------------------------
def profiled_cells(count: int = PROFILED, seed: int = PROFILE_SEED) -> list[dict[str, str]]:
    """The random cells every device is profiled on (the same cells on each device)."""
    rng = np.random.default_rng(seed)
    return [{edge: str(rng.choice(OPS)) for edge in EDGES} for _ in range(count)]


@lru_cache(maxsize=None)
def latency_fit(device: str):
    """(LinearModel, LinearFit) of ``device``'s latency, one-hot linear on PROFILED cells, fitted
    by ``hyperpower profile``'s own code with the "hyperparameters" feature set."""
    from hyperpower.hardware.profile_models import fit_all
    from hyperpower.optimize import load_linear_model

    from nb201 import space_config

    samples = [{"params": cell, "values": {"latency": table().latency(cell_string(cell), device)}}
               for cell in profiled_cells()]
    fits, chosen = fit_all(samples, ["latency"], list(EDGES), folds=10, seed=PROFILE_SEED, device=device,
                           features="hyperparameters", space=space_config().space)["latency"]
    return load_linear_model(chosen.to_json()), chosen


def cost_model(device: str):
    """The serving-cost model of ``device``: its latency model times price x COST_SCALE."""
    from hyperpower.optimize import LinearModel

    latency = latency_fit(device)[0]
    factor = DEVICES[device][1] * COST_SCALE
    return LinearModel("cost", list(latency.features), [c * factor for c in latency.coef], latency.intercept * factor,
                       device=device, samples=latency.samples, cv_rmspe=latency.cv_rmspe)


def model_report(device: str) -> dict:
    """Cross-validated error on the profiled cells and the truth over all 15,625 cells."""
    model, fit = latency_fit(device)
    truth = np.array([table().latency(c, device) for c in table().cells])
    predicted = np.array([model.predict(_cell_params(c)) for c in table().cells])
    relative = np.abs(predicted - truth) / truth
    return {"cv_rmspe": fit.cv_rmspe, "median_error_all_cells": float(np.median(relative)),
            "negative_predictions": int((predicted <= 0).sum()),
            "rank_correlation": float(_spearman(predicted, truth))}


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ranks = lambda x: np.argsort(np.argsort(x))  # noqa: E731
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


@lru_cache(maxsize=None)
def _cell_ops() -> dict[str, dict[str, str]]:
    """cell string -> {edge: op} for every cell of the table."""
    import itertools

    return {cell_string(dict(zip(EDGES, ops))): dict(zip(EDGES, ops)) for ops in itertools.product(OPS, repeat=6)}


def _cell_params(cell: str) -> dict[str, str]:
    return _cell_ops()[cell]


# -- arms ------------------------------------------------------------------------------------------------
def arm_devices(arm: str) -> list[str]:
    """The devices an arm may evaluate on: all for "variable", one for "fixed DEVICE"."""
    rule = arm.split(" ", 1)[1]
    return list(DEVICES) if rule == "variable" else [rule.removeprefix("fixed ")]


def initial_design(seed: int, devices: list[str]) -> list[tuple[dict[str, str], str]]:
    """INITIAL (cell, device) pairs: the same random cells for every arm of a seed; devices drawn
    without replacement from the arm's (one device: always it)."""
    rng = np.random.default_rng(10_000 + seed)
    cells = [{edge: str(rng.choice(OPS)) for edge in EDGES} for _ in range(INITIAL)]
    order = [devices[i] for i in rng.permutation(len(devices))] if len(devices) > 1 else devices
    return [(cell, order[i % len(order)]) for i, cell in enumerate(cells)]


#: HyperPower's variants: (a-priori models?, extra settings of the config's hyperpower section)
#: * ``ehvi``: black-box, every objective learnt (a GP each);
#: * ``ehvi-apriori-fixed``: latency and cost known from the per-device models, used as they are
#:   (the paper's pure a-priori behaviour, ``models_fixed``);
#: * ``ehvi-apriori-learning``: the same models learning from the measurements (issue 25.1, the
#:   default of an aware run);
#: * ``ehvi-error-gp-with-device``: ``ehvi`` with the device declared as a plain ENUM (no
#:   ``device_variable``), so the error's GP reads the device's columns too: the ablation of
#:   ``devices.device_independent``;
#: * ``ehvi-reference``: ``ehvi`` told the score's reference point (the ``reference`` setting, as a
#:   user states the region that matters; BoTorch's benchmarks hand qNEHVI the problem's
#:   reference likewise), instead of the default rule (each objective's worst value plus 10 %).
SCORE_REFERENCE = "the score's reference"
VARIANTS = {"ehvi": (False, {}), "ehvi-apriori-fixed": (True, {"models_fixed": True}),
            "ehvi-apriori-learning": (True, {"models_fixed": False}),
            "ehvi-error-gp-with-device": (False, {"device_variable": None}),
            "ehvi-reference": (False, {"reference": SCORE_REFERENCE})}


def _section_settings(extra: dict) -> dict:
    """``extra`` as the config's hyperpower section takes it: the score's reference spelt out."""
    if extra.get("reference") == SCORE_REFERENCE:
        return {**extra, "reference": dict(zip(OBJECTIVES, facts()["reference"]))}
    return extra


def optimizer_config(devices: list[str], aware: bool, extra: dict | None = None):
    """The experiment's config: the six edges (and the device, a non-structural ENUM named by
    ``device_variable``, when there are several), the three objectives, ``ehvi``, an initial
    design of INITIAL (given as finished jobs); ``extra`` overrides the hyperpower section."""
    from hyperpower.config import config_from_json

    variables = {edge: {"type": "ENUM", "options": list(OPS)} for edge in EDGES}
    settings = {"method": "ehvi", "objective": list(OBJECTIVES), "aware": aware, "initial_design": INITIAL}
    if len(devices) > 1:
        variables[DEVICE] = {"type": "ENUM", "options": devices, "structural": False}
        settings["device_variable"] = DEVICE
    return config_from_json({"variables": variables,
                             "tasks": {name: {"type": "OBJECTIVE", "likelihood": "GAUSSIAN"} for name in OBJECTIVES},
                             "hyperpower": {**settings, **_section_settings(extra or {})}})


def apriori_models(devices: list[str]) -> dict:
    """metric -> the run's model of latency and of cost: one device's, or a ``PerDeviceModel``
    over the devices (what ``--model latency@DEVICE=FILE`` loads for a run with ``--devices``)."""
    from hyperpower.optimize.device_models import PerDeviceModel

    if len(devices) == 1:
        return {"latency": latency_fit(devices[0])[0], "cost": cost_model(devices[0])}
    return {"latency": PerDeviceModel("latency", DEVICE, {d: latency_fit(d)[0] for d in devices}),
            "cost": PerDeviceModel("cost", DEVICE, {d: cost_model(d) for d in devices})}


def measure(record: dict, params: dict[str, str], device: str) -> list[float]:
    """Look the (cell, device) pair up and append it to the run's record: its values, its device
    and its cell (the six operations in EDGES order, so a run can be replayed)."""
    values = values_of(cell_string(params), device)
    record["values"].append(values)
    record["devices"].append(device)
    record["cells"].append([params[edge] for edge in EDGES])
    return values


def _raw(params: dict[str, str], device: str, devices: list[str]) -> dict[str, str]:
    return {**params, **({DEVICE: device} if len(devices) > 1 else {})}


def hyperpower_run(arm: str, seed: int, evaluations: int = EVALUATIONS) -> dict:
    """``ehvi`` through the ``Optimizer`` the run loop calls (jobs in, one suggestion out), after
    the shared initial design given as finished jobs."""
    from hyperpower.jobs import Job, JobStatus

    optimizer, devices, apriori = _optimizer(arm, seed)
    jobs, record = [], {"values": [], "devices": [], "cells": [], "seconds": [], "predicted": []}
    for index in range(evaluations):
        started = time.process_time()
        if index < INITIAL:
            params, device = initial_design(seed, devices)[index]
            raw, predicted = _raw(params, device, devices), {}
        else:
            suggestion = optimizer.suggest(jobs, 1)[0]
            raw, predicted = suggestion.raw_params, suggestion.predicted
            device = raw.get(DEVICE, devices[0])
        record["seconds"].append(time.process_time() - started)
        values = measure(record, raw, device)
        record["predicted"].append(predicted.get("latency"))
        jobs.append(Job(id=index + 1, experiment="devices", status=JobStatus.COMPLETE, raw_params=raw, params=raw,
                        values=dict(zip(OBJECTIVES, values)), feasible=True))
    record["stats"] = getattr(optimizer.strategy, "stats", {})
    record["models"] = ("learning" if getattr(optimizer, "learned", None) else "fixed") if apriori else "none"
    return record


def peer_run(arm: str, seed: int, evaluations: int = EVALUATIONS) -> dict:
    """An Optuna sampler (``optuna-gp``, ``optuna-nsga2``, ``optuna-tpe``) or ``random``, the
    design enqueued first and the sampler's startup trials set to its size."""
    devices = arm_devices(arm)
    design = initial_design(seed, devices)
    kind = arm.split(" ", 1)[0]
    record: dict = {"values": [], "devices": [], "cells": [], "seconds": []}
    if kind == "random":
        rng = np.random.default_rng(seed)
        for index in range(evaluations):
            params, device = design[index] if index < len(design) else (
                {edge: str(rng.choice(OPS)) for edge in EDGES}, str(rng.choice(devices)))
            record["seconds"].append(0.0)
            measure(record, params, device)
        return record
    import optuna

    from benchmarks.common.peers import one_torch_thread, optuna_sampler

    one_torch_thread()
    options = {"optuna-gp": {"n_startup_trials": INITIAL}, "optuna-tpe": {"n_startup_trials": INITIAL},
               "optuna-nsga2": {"population_size": 10}}[kind]
    study = optuna.create_study(sampler=optuna_sampler(kind.removeprefix("optuna-"), seed, **options),
                                directions=["minimize"] * len(OBJECTIVES))
    for params, device in design:
        study.enqueue_trial({**params, **({DEVICE: device} if len(devices) > 1 else {})})
    for _ in range(evaluations):
        started = time.process_time()
        trial = study.ask()
        params = {edge: trial.suggest_categorical(edge, list(OPS)) for edge in EDGES}
        device = trial.suggest_categorical(DEVICE, devices) if len(devices) > 1 else devices[0]
        record["seconds"].append(time.process_time() - started)
        study.tell(trial, measure(record, params, device))
    return record


SEARCH_GAP_CUTS = (10, 20, 30, 40, 50)


def _optimizer(arm: str, seed: int):
    """(Optimizer, devices, whether a-priori) of a HyperPower arm, as ``hyperpower_run`` makes them."""
    from hyperpower.optimize import Optimizer

    apriori, extra = VARIANTS[arm.split(" ", 1)[0]]
    devices = arm_devices(arm)
    config = optimizer_config(devices, aware=apriori, extra=extra)
    return Optimizer(config, apriori_models(devices) if apriori else {}, np.random.default_rng(seed)), devices, apriori


def _recorded_run(arm: str, seed: int) -> dict:
    return json.loads((RESULTS / arm.replace(" ", "_") / f"seed{seed}.json").read_text())


def _replayed_jobs(record: dict, n: int, devices) -> list:
    """The first ``n`` evaluations of a recorded run as the finished jobs ``suggest`` sees."""
    from hyperpower.jobs import Job, JobStatus

    return [Job(id=i + 1, experiment="devices", status=JobStatus.COMPLETE,
                raw_params=_raw(dict(zip(EDGES, cell)), device, devices), values=dict(zip(OBJECTIVES, values)))
            for i, (cell, device, values) in enumerate(zip(record["cells"][:n], record["devices"][:n], record["values"][:n]))]


def search_gap(arm: str, seed: int, cuts: tuple[int, ...] = SEARCH_GAP_CUTS) -> dict:
    """How much the sampled acquisition search gives up where the space is too large to score
    whole (6 x 15,625 = 93,750 configurations, past ``SearchSettings.exact_limit``): at each cut, the
    run's first ``n`` evaluations refitted, and the EHVI of the sampled search's pick against the
    exact maximum over every configuration of that same acquisition."""
    from hyperpower.optimize.candidates import TakenPoints
    from hyperpower.optimize.observations import collect_observations
    from hyperpower.optimize.search import SearchSettings, maximize_acquisition

    record = _recorded_run(arm, seed)
    rows = []
    for n in cuts:
        optimizer, devices, _ = _optimizer(arm, seed)
        jobs = _replayed_jobs(record, n, devices)
        if hasattr(optimizer, "_learn"):
            optimizer._learn(jobs)  # models that learn are conditioned as ``suggest`` conditions them
        strategy, space = optimizer.strategy, optimizer.space
        observations = collect_observations(jobs, space, OBJECTIVES, [])
        fits = strategy.fit(observations)
        acquisition = strategy.build(strategy.problem, fits, observations)
        taken = TakenPoints(observations.every_point)
        rng = np.random.default_rng(seed)
        sampled, sampled_score = maximize_acquisition(acquisition, space, rng, strategy.problem.search, None, taken,
                                                      strategy.anchors(observations))
        exact, exact_score = maximize_acquisition(acquisition, space, rng, SearchSettings(exact_limit=10**6), None, taken)
        rows.append({"evaluations": n, "sampled": sampled_score, "exact": exact_score,
                     "sampled_device": space.from_unit(sampled).get(DEVICE), "exact_device": space.from_unit(exact).get(DEVICE)})
        print(f"search gap {arm} seed {seed} after {n}: sampled {sampled_score:.4g}, exact {exact_score:.4g}", flush=True)
    return {"arm": arm, "seed": seed, "cuts": rows}


MODEL_CHECK_CUTS = (10, 20, 30)
MODEL_CHECK_CELLS = 300


def model_check(arm: str, seed: int, cuts: tuple[int, ...] = MODEL_CHECK_CUTS) -> dict:
    """How good a black-box device-variable run's GPs were where it chose devices: at each cut, the
    run's first ``n`` evaluations refitted as ``suggest`` fits them, and on every device the
    posterior mean of latency against the table's over MODEL_CHECK_CELLS random cells (the same
    cells on each device): median relative error, rank correlation, how many evaluations the run
    had made on that device."""
    from hyperpower.optimize.observations import collect_observations

    record = _recorded_run(arm, seed)
    rng = np.random.default_rng(20_000 + seed)
    cells = [{edge: str(rng.choice(OPS)) for edge in EDGES} for _ in range(MODEL_CHECK_CELLS)]
    rows = []
    for n in cuts:
        optimizer, devices, _ = _optimizer(arm, seed)
        jobs = _replayed_jobs(record, n, devices)
        strategy, space = optimizer.strategy, optimizer.space
        fits = strategy.fit(collect_observations(jobs, space, OBJECTIVES, []))
        per_device = {}
        for device in devices:
            points = np.array([space.to_unit(_raw(cell, device, devices)) for cell in cells])
            predicted = fits.mean(points)[:, OBJECTIVES.index("latency")]
            truth = np.array([table().latency(cell_string(cell), device) for cell in cells])
            per_device[device] = {"median_relative_error": float(np.median(np.abs(predicted - truth) / truth)),
                                  "rank_correlation": _spearman(predicted, truth),
                                  "evaluated": record["devices"][:n].count(device)}
        rows.append({"evaluations": n, "devices": per_device})
        print(f"model check {arm} seed {seed} after {n}: " + ", ".join(
            f"{d} {v['median_relative_error']:.0%}" for d, v in per_device.items()), flush=True)
    return {"arm": arm, "seed": seed, "cells": MODEL_CHECK_CELLS, "cuts": rows}


def score(record: dict, facts_: dict) -> dict:
    """The run's hypervolume share after each evaluation, and its search cost (summed serving cost)."""
    from hyperpower.optimize.pareto import hypervolume

    values, reference = np.array(record["values"]), np.array(facts_["reference"])
    record["hv_share"] = [hypervolume(values[: n + 1], reference) / facts_["best_hv"] for n in range(len(values))]
    record["search_cost"] = np.cumsum(values[:, 2]).tolist()
    return record


#: the fixed devices run: the two whose own fronts reach furthest (``facts``' device_best_share:
#: pixel2 0.83 and xeon_gold_6240 0.64 of the attainable hypervolume; every other device's whole
#: front is at most 0.36, so it cannot be the best fixed device for long)
FIXED = ("pixel2", "xeon_gold_6240")
HYPERPOWER_ARMS = [f"{variant} {rule}" for variant in ("ehvi", "ehvi-reference", "ehvi-apriori-fixed", "ehvi-apriori-learning")
                   for rule in ["variable", *(f"fixed {d}" for d in FIXED)]] + ["ehvi-error-gp-with-device variable"]
PEER_ARMS = [f"{kind} variable" for kind in ("optuna-gp", "optuna-nsga2", "optuna-tpe", "random")]
ARMS = HYPERPOWER_ARMS + PEER_ARMS
#: what ``run`` runs unless told: every variant on the device variable and on the fixed devices,
#: less ``ehvi-reference`` on the fixed devices (an ablation of the variable arm only)
DEFAULT_ARMS = [arm for arm in ARMS if not (arm.startswith("ehvi-reference ") and " fixed " in arm)]


def run(arms: list[str], seeds: list[int], evaluations: int) -> None:
    facts_ = facts()
    for seed in seeds:  # seeds outermost: an interrupted run leaves every arm comparable
        for arm in arms:
            runner = hyperpower_run if arm in HYPERPOWER_ARMS else peer_run
            run_once(RESULTS / arm.replace(" ", "_") / f"seed{seed}.json",
                     lambda: score(runner(arm, seed, evaluations), facts_), f"{arm:32s} seed {seed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    command = sub.add_parser("run")
    command.add_argument("--arms", nargs="+", default=DEFAULT_ARMS, choices=ARMS, metavar="ARM")
    command.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    command.add_argument("--seed-list", type=int, nargs="+", help="these seeds, in this order")
    command.add_argument("--evaluations", type=int, default=EVALUATIONS)
    gap = sub.add_parser("search-gap", help="sampled against exact acquisition search of a finished arm's runs")
    gap.add_argument("--arm", default="ehvi variable", choices=HYPERPOWER_ARMS, metavar="ARM")
    gap.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1")
    check = sub.add_parser("model-check", help="a finished black-box run's latency GPs per device at early cuts")
    check.add_argument("--arm", default="ehvi variable", metavar="ARM",
                       choices=[a for a in HYPERPOWER_ARMS if a.endswith(" variable") and not VARIANTS[a.split(" ")[0]][0]],
                       help="a black-box variant with the device variable (an a-priori arm's latency has no GP)")
    check.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    sub.add_parser("facts")
    args = parser.parse_args()
    if args.command == "facts":
        print(json.dumps(facts(), indent=1))
    elif args.command == "search-gap":
        for seed in range(args.seeds):
            run_once(RESULTS / "search_gap" / args.arm.replace(" ", "_") / f"seed{seed}.json",
                     lambda: search_gap(args.arm, seed), f"search gap {args.arm} seed {seed}")
    elif args.command == "model-check":
        for seed in range(args.seeds):
            run_once(RESULTS / "model_check" / args.arm.replace(" ", "_") / f"seed{seed}.json",
                     lambda: model_check(args.arm, seed), f"model check {args.arm} seed {seed}")
    else:
        run(args.arms, args.seed_list or list(range(args.seeds)), args.evaluations)


if __name__ == "__main__":
    main()

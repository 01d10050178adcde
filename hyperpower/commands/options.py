"""Options shared by commands: the experiment settings (generate, run) and the store (reports).

``add_experiment_options`` / ``options_from_args`` turn ``--optimize --budget --method --unaware
--epochs --max-evals --max-time --store --model --seed --objective-split --keep-models`` into ``GenerateOptions``; a flag left out
stays ``None`` so regeneration keeps the existing value. ``experiment_context`` finds an
experiment's folder, the settings its jobs were run with, and the store, for the commands that
read results.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from pathlib import Path

from hyperpower.config import ExperimentConfig, load_config, load_experiment_config
from hyperpower.settings.objectives import OBJECTIVE_SPLITS
from hyperpower.settings.search import DEFAULT_MULTI_OBJECTIVE_METHOD, METHODS
from hyperpower.settings.training import KEEP_MODELS
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.settings.schedule import SCHEDULERS
from hyperpower.generate import GenerateOptions, build_config, effective_store_uri, normalize_store_uri
from hyperpower.metrics import SELECTABLE_METRICS
from hyperpower.units import parse_budget

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|s)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}
_PERCENTILE = re.compile(r"^[pP](\d+(?:\.\d+)?)$")


def add_experiment_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", metavar="EXP", help="experiment folder (e.g. experiments/digits)")


def add_experiment_options(parser: argparse.ArgumentParser) -> None:
    """The settings written into config.json's ``hyperpower`` section."""
    group = parser.add_argument_group("experiment settings (kept from the existing config when left out)")
    group.add_argument("--optimize", metavar="METRIC", action="append",
                       help=f"metric to minimize: {', '.join(SELECTABLE_METRICS)} (default error); repeat for several "
                            f"objectives (a Pareto front), e.g. --optimize error --optimize power")
    group.add_argument("--budget", metavar="METRIC=VALUE", action="append", dest="budgets",
                       help="hardware budget, e.g. power=90W, memory=1.25GB, latency=5ms; repeat for several "
                            "(the given budgets replace the existing ones); in a plain Spearmint folder any task "
                            "the main-file returns, feasible when value <= VALUE")
    group.add_argument("--no-budgets", action="store_true", help="drop every budget of the existing config")
    group.add_argument("--method", choices=METHODS,
                       help=f"search method (default hw-ieci; {DEFAULT_MULTI_OBJECTIVE_METHOD} for several objectives; "
                            f"hw-cwei for a Spearmint folder with CONSTRAINT tasks)")
    group.add_argument("--reference", metavar="METRIC=VALUE", action="append", dest="reference",
                       help="fixed hypervolume reference point of several objectives, one per objective (e.g. "
                            "error=1 --reference power=150W); default: each objective's worst feasible value "
                            "plus 10%% of its range")
    awareness = group.add_mutually_exclusive_group()
    awareness.add_argument("--unaware", dest="aware", action="store_false", default=None,
                           help="constraint-unaware baseline: train everything, check budgets afterwards")
    awareness.add_argument("--aware", dest="aware", action="store_true", default=None,
                           help="hardware-aware search (the default; undoes an earlier --unaware)")
    group.add_argument("--epochs", type=int, metavar="N", help="training epochs per job")
    group.add_argument("--max-evals", type=int, metavar="N", help="finished jobs the experiment should have in total")
    group.add_argument("--max-time", metavar="DURATION",
                       help="wall-time limit, e.g. 90s, 20m, 1h, 1h30m; none (or 0, inf) removes a saved limit")
    add_store_option(group)
    group.add_argument("--model", metavar="METRIC=FILE", action="append", dest="models",
                       help="fitted model of a budget metric (the JSON file `hyperpower profile` writes into "
                            "EXP/models/), e.g. power=models/power.json: that budget is then checked before training")
    group.add_argument("--seed", type=int, metavar="N", help="random seed, for a reproducible run")
    group.add_argument("--model-margin", type=float, metavar="K",
                       help="aware methods keep predictions K cross-validated model errors under each budget "
                            "(default 0: the paper's indicator model <= budget)")
    group.add_argument("--violation-rate", type=float, metavar="A",
                       help="calibrated budgets, replacing --model-margin: aware methods keep a configuration only "
                            "when prediction x (1 + q) <= budget, q the split-conformal (1-A) quantile of the "
                            "model's profiling residuals, so at most a fraction A (e.g. 0.05) of accepted "
                            "configurations measure over the budget; 0 turns it off")
    learning = group.add_mutually_exclusive_group()
    learning.add_argument("--models-fixed", dest="models_fixed", action="store_true", default=None,
                          help="the a-priori models stay as profiled for the whole run (the paper's HyperPower); by "
                               "default each model learns from the jobs' measurements (a GP over its residuals)")
    learning.add_argument("--models-learn", dest="models_fixed", action="store_false", default=None,
                          help="the a-priori models learn from the jobs' measurements (the default; undoes an "
                               "earlier --models-fixed)")
    group.add_argument("--objective-split", choices=OBJECTIVE_SPLITS,
                       help="split whose error is the objective and stops trainings early: validation (default: "
                            "a seeded, stratified 20%% of x_train, or the network file's x_val, y_val) or test "
                            "(the paper's setting); the test error is recorded either way")
    group.add_argument("--devices", metavar="DEV[,DEV...]",
                       help="choose the device too: a search variable over these devices (cpu, gpu:N), e.g. "
                            "gpu:0,gpu:1,cpu; each job runs on its device, on a worker that serves it")
    group.add_argument("--price", metavar="DEVICE=PRICE", action="append", dest="prices",
                       help="price of a device in currency per hour, e.g. cpu=0.10, gpu:0=2.50 (repeat; the given "
                            "prices replace the existing ones): jobs record cost = price x training hours")
    group.add_argument("--transfer-from", metavar="SOURCE", nargs="+",
                       help="finished experiments (same or overlapping variables) whose results warm-start the "
                            "search: a name in this run's store, an experiment folder (read in its own store), "
                            "or STORE_URI#NAME; none drops a kept list")
    group.add_argument("--profile-samples", type=int, metavar="N",
                       help="configurations measured when run profiles on the fly because a budget or "
                            "objective metric has no model (default 30, at least 3)")
    group.add_argument("--keep-models", choices=KEEP_MODELS,
                       help="trained models kept as EXP/output/job_NNNNN.keras: best (default: the current best "
                            "job's only), all complete jobs', or none")
    add_schedule_options(parser)


def add_schedule_options(parser: argparse.ArgumentParser) -> None:
    """Multi-fidelity (``hyperpower.schedule``): kept in config.json like every setting."""
    group = parser.add_argument_group("stopping early, on purpose (multi-fidelity; kept from the existing config)")
    group.add_argument("--scheduler", choices=(*SCHEDULERS, "none"),
                       help="asha: asynchronous successive halving, jobs start at --min-epochs and the top 1/eta "
                            "of each rung continue eta times longer; hyperband: brackets of ASHA starting at "
                            "different rungs; none (default): every job trains --epochs")
    group.add_argument("--min-epochs", type=int, metavar="N", help="epochs of the first rung (default 1)")
    group.add_argument("--max-epochs", type=int, metavar="N",
                       help="epochs of the last rung, full fidelity (default: --epochs, else 10)")
    group.add_argument("--eta", type=int, metavar="N",
                       help="reduction factor: rungs at min-epochs x eta^k, top 1/eta promoted (default 3, >= 2)")


def add_store_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--store", metavar="URI",
                        help="sqlite:///PATH or mongodb://HOST/DB (default: the config's store, else EXP/hyperpower.sqlite)")


def options_from_args(args: argparse.Namespace, any_metric: bool = False) -> GenerateOptions:
    """Parse the flag values (budget units, durations, METRIC=FILE) into GenerateOptions.

    ``any_metric``: budgets may name any task (a plain Spearmint folder), not only HyperPower's metrics."""
    budgets = percentiles = None
    if getattr(args, "no_budgets", False):
        if args.budgets:
            raise ConfigError("--no-budgets and --budget contradict each other; give one of them")
        budgets = {}
    elif args.budgets:
        budgets, percentiles = parse_budget_flags(args.budgets, any_metric)
    return GenerateOptions(
        optimize=args.optimize,
        budgets=budgets,
        budget_percentiles=percentiles or None,
        method=args.method,
        aware=args.aware,
        epochs=args.epochs,
        max_evals=args.max_evals,
        max_time_s=parse_duration(args.max_time) if args.max_time is not None else None,
        store=args.store,
        models=dict(split_assignment(text, "--model", "METRIC=FILE") for text in args.models) if args.models else None,
        seed=args.seed,
        model_margin=args.model_margin,
        violation_rate=getattr(args, "violation_rate", None),
        models_fixed=getattr(args, "models_fixed", None),
        objective_split=getattr(args, "objective_split", None),
        keep_models=getattr(args, "keep_models", None),
        profile_samples=getattr(args, "profile_samples", None),
        reference=parse_reference_flags(args.reference) if getattr(args, "reference", None) else None,
        scheduler=getattr(args, "scheduler", None),
        min_epochs=getattr(args, "min_epochs", None),
        max_epochs=getattr(args, "max_epochs", None),
        eta=getattr(args, "eta", None),
        **device_options_from_args(args),
    )


def parse_reference_flags(texts: list[str], flag: str = "--reference") -> dict[str, float]:
    """``["error=1", "power=150W"]`` -> ``{"error": 1.0, "power": 150.0}`` (units as budgets take them;
    a Spearmint task's value is a bare number); which names are objectives is the caller's check."""
    reference: dict[str, float] = {}
    for text in texts:
        name, value = split_assignment(text, flag, "METRIC=VALUE (e.g. power=150W)")
        if name in reference:
            raise ConfigError(f"{flag} {text!r}: {name!r} is given twice")
        try:
            reference[name] = parse_budget(name, value)
        except ConfigError as exc:
            raise ConfigError(f"{flag} {text!r}: {str(exc).replace('budget ', '', 1)}") from None
    return reference


def device_options_from_args(args: argparse.Namespace) -> dict:
    """``--devices``, ``--price`` and ``--transfer-from`` as GenerateOptions fields (``hyperpower.devices``)."""
    from hyperpower.devices import parse_device_list, parse_prices

    devices = getattr(args, "devices", None)
    prices = getattr(args, "prices", None)
    transfer = getattr(args, "transfer_from", None)
    return {"devices": parse_device_list(devices) if devices is not None else None,
            "prices": parse_prices(prices) if prices else None,
            "transfer_from": _transfer_names(transfer) if transfer else None}


def _transfer_names(given: list[str]) -> list[str]:
    """Sources as config.json keeps them (``loop.transfer_sources``: a name, an absolute folder
    path, or STORE_URI#NAME); ``none`` drops a kept transfer."""
    from hyperpower.loop.transfer_sources import normalize_transfer_source

    if [name.lower() for name in given] == ["none"]:
        return []
    return [normalize_transfer_source(name) for name in given]


def split_assignment(text: str, flag: str, form: str) -> tuple[str, str]:
    """``"power=90W"`` -> ``("power", "90W")``; ConfigError naming the flag otherwise."""
    metric, separator, value = text.partition("=")
    if not separator or not metric.strip() or not value.strip():
        raise ConfigError(f"{flag} {text!r}: expected {form}")
    return metric.strip(), value.strip()


def parse_budget_flags(texts: list[str], any_metric: bool = False) -> tuple[dict[str, float], dict[str, float]]:
    """``["memory=200MB", "latency=p50"]`` -> ``({"memory": 200.0}, {"latency": 50.0})``.

    A ``pN`` value is a percentile budget: the value that N % of the search space is predicted
    to stay under, resolved by ``run`` from the metric's model (profiling first if needed).
    ``any_metric`` lets a budget name any task of a plain Spearmint folder (bare numbers).
    """
    budgets: dict[str, float] = {}
    percentiles: dict[str, float] = {}
    for text in texts:
        metric, value = split_assignment(text, "--budget", "METRIC=VALUE (e.g. power=90W or power=p50)")
        if metric not in SELECTABLE_METRICS and not (any_metric and not _PERCENTILE.match(value)):
            raise ConfigError(f"--budget {text!r}: unknown metric {metric!r}; use one of {', '.join(SELECTABLE_METRICS)}")
        if metric in budgets or metric in percentiles:
            raise ConfigError(f"--budget {text!r}: metric {metric!r} is given twice")
        percentile = _PERCENTILE.match(value)
        if percentile:
            percentiles[metric] = float(percentile.group(1))
            if not 0 < percentiles[metric] < 100:
                raise ConfigError(f"--budget {text!r}: a percentile budget must lie strictly between p0 and p100")
        else:
            budgets[metric] = parse_budget(metric, value)
    return budgets, percentiles


def parse_duration(text: str, flag: str = "--max-time") -> float:
    """``"90s"`` -> 90.0, ``"20m"`` -> 1200.0, ``"1h30m"`` -> 5400.0; a bare number is seconds.
    ``flag`` names the option in error messages.

    ``none``, ``inf`` and zero (``0``, ``0s``) mean "no time limit" (``math.inf``): the limit is
    saved with the experiment's settings, so a later run needs a way to remove it."""
    cleaned = str(text).strip().lower()
    if cleaned == "none":
        return math.inf
    try:
        seconds = float(cleaned)
    except ValueError:
        parts = _DURATION.findall(cleaned)
        if not parts or _DURATION.sub("", cleaned).strip():
            raise ConfigError(f"{flag} {text!r}: expected a duration like 90s, 20m, 1h or 1h30m, "
                              f"or none to remove the limit") from None
        seconds = sum(float(number) * _SECONDS[unit] for number, unit in parts)
    if seconds == 0 or seconds == math.inf:
        return math.inf
    if not seconds > 0:
        raise ConfigError(f"{flag} {text!r}: the duration must be positive (none, inf or 0 remove the limit)")
    return seconds


@dataclasses.dataclass(frozen=True)
class ExperimentContext:
    """What a report command needs: the folder, the run's config and the store URI to read.

    config_source: the file the settings come from (the run's ``output/run_config.json``, else the
    experiment's config.json), None when neither exists and the template's defaults stand in.
    """

    paths: ExperimentPaths
    config: ExperimentConfig
    store_uri: str
    config_source: Path | None = None


def effective_config(paths: ExperimentPaths) -> tuple[ExperimentConfig, Path | None]:
    """The settings the experiment's jobs were run with, and the file they come from.

    ``run`` writes its effective settings (command-line flags included) to
    ``output/run_config.json``; a plain Spearmint folder's own config.json never holds them, so
    that snapshot wins when present, then the config.json. A HyperPower folder with neither (never
    run, or cleaned) gets the template's default settings, written nowhere.
    """
    if paths.run_config.is_file():
        config = load_config(paths.run_config)
        name = load_experiment_config(paths).name if paths.config.is_file() else paths.name
        return dataclasses.replace(config, name=name), paths.run_config  # a copied folder's snapshot names the original
    if paths.config.is_file():
        return load_experiment_config(paths), paths.config
    if paths.layout == "hyperpower":
        return build_config(paths, GenerateOptions()), None
    raise ConfigError(f"{paths.config}: no such config file")


def experiment_context(args: argparse.Namespace) -> ExperimentContext:
    """Folder from ``args.experiment``; store from ``--store``, else the run's config, else EXP/hyperpower.sqlite.

    A ``--store`` naming a SQLite file that does not exist is an error (a typo would otherwise
    read as an experiment with no jobs); nothing is created.
    """
    paths = resolve_experiment(args.experiment)
    config, source = effective_config(paths)
    store = getattr(args, "store", None)
    uri = normalize_store_uri(store) if store else effective_store_uri(paths, config.settings)
    if store and store_is_missing(uri):
        from hyperpower.store.uri import parse_store_uri

        raise ConfigError(f"--store {store}: no SQLite file {parse_store_uri(uri).target}; give the store the "
                          f"experiment was run with (without --store, the run's own store is read)")
    return ExperimentContext(paths=paths, config=config, store_uri=uri, config_source=source)


def store_is_missing(uri: str) -> bool:
    """True for a SQLite URI whose file does not exist (opening it would create an empty store)."""
    from hyperpower.store.uri import parse_store_uri

    address = parse_store_uri(uri)
    return address.kind == "sqlite" and not Path(address.target).exists()

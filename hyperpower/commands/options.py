"""Options shared by commands: the experiment settings (generate, run) and the store (reports).

``add_experiment_options`` / ``options_from_args`` turn ``--optimize --budget --method --unaware
--epochs --max-evals --max-time --store --model --seed`` into ``GenerateOptions``; a flag left out
stays ``None`` so regeneration keeps the existing value. ``experiment_context`` finds an
experiment's folder, config and store for the commands that read results.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from pathlib import Path

from hyperpower.config import METHODS, ExperimentConfig, load_experiment_config
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.generate import METRICS, GenerateOptions, effective_store_uri, normalize_store_uri
from hyperpower.units import parse_budget

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|s)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}
_PERCENTILE = re.compile(r"^[pP](\d+(?:\.\d+)?)$")


def add_experiment_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", metavar="EXP", help="experiment folder (e.g. experiments/digits)")


def add_experiment_options(parser: argparse.ArgumentParser) -> None:
    """The settings written into config.json's ``hyperpower`` section (design §4, §8)."""
    group = parser.add_argument_group("experiment settings (kept from the existing config when left out)")
    group.add_argument("--optimize", metavar="METRIC", help=f"metric to minimize: {', '.join(METRICS)} (default error)")
    group.add_argument("--budget", metavar="METRIC=VALUE", action="append", dest="budgets",
                       help="hardware budget, e.g. power=90W, memory=1.25GB, latency=5ms; repeat for several "
                            "(the given budgets replace the existing ones); in a plain Spearmint folder any task "
                            "the main-file returns, feasible when value <= VALUE")
    group.add_argument("--no-budgets", action="store_true", help="drop every budget of the existing config")
    group.add_argument("--method", choices=METHODS, help="search method (default hw-ieci)")
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
                       help="fitted model (design §7 JSON) of a budget metric, e.g. power=models/power.json: "
                            "the budget is then checked a priori")
    group.add_argument("--seed", type=int, metavar="N", help="random seed, for a reproducible run")
    group.add_argument("--model-margin", type=float, metavar="K",
                       help="aware methods keep predictions K cross-validated model errors under each budget "
                            "(default 0: the paper's indicator model <= budget)")


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
    )


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
        if metric not in METRICS and not (any_metric and not _PERCENTILE.match(value)):
            raise ConfigError(f"--budget {text!r}: unknown metric {metric!r}; use one of {', '.join(METRICS)}")
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


def parse_duration(text: str) -> float:
    """``"90s"`` -> 90.0, ``"20m"`` -> 1200.0, ``"1h30m"`` -> 5400.0; a bare number is seconds.

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
            raise ConfigError(f"--max-time {text!r}: expected a duration like 90s, 20m, 1h or 1h30m, "
                              f"or none to remove the limit") from None
        seconds = sum(float(number) * _SECONDS[unit] for number, unit in parts)
    if seconds == 0 or seconds == math.inf:
        return math.inf
    if not seconds > 0:
        raise ConfigError(f"--max-time {text!r}: the duration must be positive (none, inf or 0 remove the limit)")
    return seconds


@dataclasses.dataclass(frozen=True)
class ExperimentContext:
    """What a report command needs: the folder, its config and the store URI to read."""

    paths: ExperimentPaths
    config: ExperimentConfig
    store_uri: str


def experiment_context(args: argparse.Namespace) -> ExperimentContext:
    """Folder from ``args.experiment``; store from ``--store``, else the config, else EXP/hyperpower.sqlite."""
    paths = resolve_experiment(args.experiment)
    if not paths.config.is_file():
        raise ConfigError(f"{paths.config}: no config yet; run `hyperpower generate {args.experiment}` "
                          f"or `hyperpower run {args.experiment}` first")
    config = load_experiment_config(paths)
    store = getattr(args, "store", None)
    uri = normalize_store_uri(store) if store else effective_store_uri(paths, config.settings)
    return ExperimentContext(paths=paths, config=config, store_uri=uri)


def store_is_missing(uri: str) -> bool:
    """True for a SQLite URI whose file does not exist (opening it would create an empty store)."""
    from hyperpower.store.uri import parse_store_uri

    address = parse_store_uri(uri)
    return address.kind == "sqlite" and not Path(address.target).exists()

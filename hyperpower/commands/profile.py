"""``hyperpower profile EXP [--samples L] [--device DEV] [--folds 10] [--store URI] [--seed N]``.

Measures L random structural configurations of the experiment's network (no training), stores
the samples, fits the power/memory/latency/energy models measurable here with k-fold
cross-validation, prints their RMSPE and R² for every feature set, and writes
EXP/models/<metric>.json with the structural variables it was fitted on, which ``run`` checks
against the template (see ``hyperpower.hardware.profile`` and ``provenance``).
"""

from __future__ import annotations

import argparse

from hyperpower.metrics import HARDWARE_METRICS
from hyperpower.commands.options import add_experiment_argument, add_store_option
from hyperpower.settings.measurement import DEFAULT_PROFILE_SAMPLES as DEFAULT_SAMPLES



def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "profile", help="measure random structural configurations and fit power/memory/latency models",
        epilog="Profile once on the target GPU (--device gpu:N), then optimize anywhere with --model METRIC=FILE.")
    add_experiment_argument(parser)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, metavar="L",
                        help=f"configurations to measure (default {DEFAULT_SAMPLES})")
    parser.add_argument("--device", metavar="DEV", help="cpu, gpu, gpu:N (NVML index) or auto (default: auto)")
    parser.add_argument("--folds", type=int, default=10, metavar="K", help="cross-validation folds (default 10)")
    parser.add_argument("--metrics", metavar="M[,M...]",
                        help=f"metrics to profile, of {', '.join(HARDWARE_METRICS)} (default: all measurable here)")
    parser.add_argument("--min-window", type=float, metavar="SECONDS", dest="min_window_s",
                        help="steady-state inference per configuration (default: 5 s with NVML, 1.5 s on CPU)")
    parser.add_argument("--repetitions", type=int, metavar="N",
                        help="measurement windows per configuration, separated by random gaps (default: 12 when the "
                             "process sensor measures: latency, memory on a CPU; else 4)")
    parser.add_argument("--seed", type=int, metavar="N", help="seed for the configurations and the CV folds")
    parser.add_argument("--features", choices=("auto", "hyperparameters", "pairwise", "network"), default="auto",
                        help="feature set of the written models (all are fitted and reported): auto (default: "
                             "the cheapest set unless a costlier one has a cross-validated RMSPE a fifth lower "
                             "and R² >= 0.5; network features only on spaces of at most 1000 distinct networks, "
                             "since each candidate the optimizer scores needs a build), or force one: "
                             "hyperparameters, pairwise (plus products of two structural variables; both one dot "
                             "product per candidate) or network")
    add_store_option(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from hyperpower.config import load_experiment_config
    from hyperpower.errors import ConfigError
    from hyperpower.experiment import resolve_experiment
    from hyperpower.generate import effective_store_uri, normalize_store_uri
    from hyperpower.hardware.profile import format_report, profile_experiment
    from hyperpower.store import open_store

    paths = resolve_experiment(args.experiment)
    if paths.layout != "hyperpower":
        raise ConfigError(f"{args.experiment} is a plain Spearmint folder: profiling needs a HyperPower template "
                          f"({paths.template}) to build networks from")
    for flag, value, least in (("--samples", args.samples, 3), ("--folds", args.folds, 2), ("--repetitions", args.repetitions, 1)):
        if value is not None and value < least:
            raise ConfigError(f"{flag} must be at least {least}, got {value}")
    metrics = _parse_metrics(args.metrics)
    config = load_experiment_config(paths) if paths.config.is_file() else None
    experiment = config.name if config is not None else paths.name
    if args.store:
        uri = normalize_store_uri(args.store)
    else:
        uri = effective_store_uri(paths, config.settings) if config is not None else paths.default_store_uri
    with open_store(uri) as store:
        result = profile_experiment(paths, args.samples, device=args.device, folds=args.folds, store=store,
                                    experiment=experiment, seed=args.seed, metrics=metrics,
                                    min_window_s=args.min_window_s, repetitions=args.repetitions,
                                    features=args.features)
    print(format_report(result))
    return 0


def _parse_metrics(text: str | None) -> list[str] | None:
    from hyperpower.errors import ConfigError

    if not text:
        return None
    metrics = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in metrics if m not in HARDWARE_METRICS]
    if unknown:
        raise ConfigError(f"--metrics {text!r}: {', '.join(unknown)} cannot be profiled; use {', '.join(HARDWARE_METRICS)}")
    return metrics

"""Generate an experiment's config.json, then run it: the original HyperPower tool's entry point.

    python gener_experiment.py --experiment experiments/digits --optimize error --epochs 2 \\
        --constraint power --constraint_val 90 [--constraint memory --constraint_val 1.25GB] [--no-run]

``--constraint``/``--constraint_val`` repeat in pairs (the n-th value belongs to the n-th
constraint; values take unit suffixes). Every option of ``hyperpower generate`` is accepted too
(``--method``, ``--unaware``, ``--max-evals``, ``--budget``, ...). Without ``--no-run`` the
experiment then runs as ``hyperpower run EXP`` would.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import Sequence

from hyperpower.cli import run_reporting_errors
from hyperpower.commands.options import add_experiment_options, options_from_args, parse_budget_flags
from hyperpower.errors import ConfigError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions, generate_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gener_experiment.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experiment", required=True, metavar="DIR", help="experiment folder")
    parser.add_argument("--constraint", action="append", default=[], metavar="METRIC",
                        help="constrained metric (power, memory, latency, energy); repeat with --constraint_val")
    parser.add_argument("--constraint_val", action="append", default=[], metavar="VALUE",
                        help="budget of the constraint given at the same position, e.g. 90 or 90W")
    parser.add_argument("--no-run", action="store_true", help="only write the config; do not run")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="local workers for the run")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    add_experiment_options(parser)
    return parser


def constraint_budgets(constraints: list[str], values: list[str]) -> dict[str, float]:
    """Pair ``--constraint`` with ``--constraint_val`` by position; a count mismatch is an error."""
    if len(constraints) != len(values):
        raise ConfigError(
            f"--constraint and --constraint_val come in pairs: got {len(constraints)} --constraint "
            f"({', '.join(constraints) or 'none'}) and {len(values)} --constraint_val ({', '.join(values) or 'none'})")
    budgets, percentiles = parse_budget_flags([f"{metric}={value}" for metric, value in zip(constraints, values)])
    if percentiles:
        raise ConfigError(f"--constraint_val takes a value such as 90 or 90W, not a percentile "
                          f"({', '.join(f'p{p:g}' for p in percentiles.values())}); percentile budgets are for "
                          f"`hyperpower run --budget METRIC=pN`")
    return budgets


def options_with_constraints(args: argparse.Namespace) -> GenerateOptions:
    """The generate options, with the constraint pairs joined to any ``--budget`` flags."""
    options = options_from_args(args)
    pairs = constraint_budgets(args.constraint, args.constraint_val)
    if pairs:
        budgets = dict(options.budgets or {})
        for metric, value in pairs.items():
            if metric in budgets:
                raise ConfigError(f"metric {metric!r} has a budget from both --budget and --constraint; give it once")
            budgets[metric] = value
        options.budgets = budgets
    return options


def generate(args: argparse.Namespace) -> int:
    paths = resolve_experiment(args.experiment)
    config, changed = generate_config(paths, options_with_constraints(args))
    print(f"{'wrote' if changed else 'unchanged'} {paths.config} ({len(config.space)} variables, "
          f"{len(config.constraint_tasks)} constraint(s))")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status = run_reporting_errors(lambda: generate(args), debug=args.debug)
    if status != 0 or args.no_run:
        return status
    if importlib.util.find_spec("hyperpower.commands.run") is None:
        print("gener_experiment.py: error: this installation has no `run` command; the config is written, "
              "run it with `hyperpower run` once available", file=sys.stderr)
        return 1
    from hyperpower.cli import main as hyperpower_main

    return hyperpower_main(["run", args.experiment, "--workers", str(args.workers), *(["--debug"] if args.debug else [])])


if __name__ == "__main__":
    sys.exit(main())

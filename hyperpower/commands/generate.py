"""``hyperpower generate EXP [options]``: write EXP/spearmint/config.json from the template."""

from __future__ import annotations

import argparse

from hyperpower.commands.options import add_experiment_argument, add_experiment_options, options_from_args
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import generate_config
from hyperpower.units import format_value


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "generate", help="write the experiment's config.json from its HYPERPARAM template",
        epilog="Settings left out are kept from an existing config; regenerating with the same options "
               "leaves the file byte-identical.")
    add_experiment_argument(parser)
    add_experiment_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    paths = resolve_experiment(args.experiment)
    config, changed = generate_config(paths, options)
    settings = config.settings
    budgets = ", ".join(f"{metric} <= {format_value(metric, value)}" for metric, value in settings.budgets.limits.items()) or "none"
    print(f"{'wrote' if changed else 'unchanged'} {paths.config}")
    print(f"  {len(config.space)} variables: {', '.join(config.space.names)}")
    print(f"  minimize {', '.join(settings.objectives.names)}; budgets: {budgets}; method {settings.search.method}"
          f"{'' if settings.search.aware else ' (unaware)'}; max evals {settings.search.max_evals}")
    return 0

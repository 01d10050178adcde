"""``hyperpower enqueue EXP NAME=VALUE ...`` (or ``--file``): queue known configurations first.

Values are the network's (after template transforms), as ``export`` shows a job's params; the
checks and what happens to the jobs are in ``hyperpower.loop.enqueue``. Everything is checked
before the store is opened for writing, so a refused command leaves the folder and the store as
they were.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hyperpower.commands.options import add_experiment_argument, add_store_option


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "enqueue", help="queue known configurations (NAME=VALUE ..., or --file) to run before any suggestion",
        epilog="Values are given as the network gets them, after transforms: the params `export` shows "
               "(e.g. lr=0.001 for a NEGEXP10 variable). One configuration per command line, or any number "
               "with --file: a JSON list of {NAME: VALUE} objects or `export --format json` output, or a CSV "
               "with a header of variable names (or `export --format csv` output).")
    add_experiment_argument(parser)
    parser.add_argument("assignments", metavar="NAME=VALUE", nargs="*",
                        help="one configuration: every variable of the experiment and its value")
    parser.add_argument("--file", metavar="FILE", type=Path,
                        help="configurations to queue: .json (a list of objects, or export's records) or .csv "
                             "(a header of variable names, or export's params.NAME columns)")
    parser.add_argument("--force", action="store_true",
                        help="queue configurations the a-priori models predict to break a budget, and ones "
                             "the experiment has evaluated already")
    add_store_option(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from hyperpower.commands.options import effective_config, store_is_missing
    from hyperpower.configurations import configuration_from_assignments, read_configurations
    from hyperpower.errors import ConfigError
    from hyperpower.experiment import resolve_experiment
    from hyperpower.generate import effective_store_uri, normalize_store_uri
    from hyperpower.jobs import JobStatus
    from hyperpower.loop.enqueue import plan_enqueue, queued_lines
    from hyperpower.store import mask_uri, open_store
    from hyperpower.store.rules import check_experiment_name

    if bool(args.assignments) == bool(args.file):
        raise ConfigError("enqueue: give one configuration as NAME=VALUE words or a file of them with --file "
                          "(not both, not neither)")
    paths = resolve_experiment(args.experiment)
    config, _ = effective_config(paths)
    check_experiment_name(config.name)
    uri = normalize_store_uri(args.store) if args.store else effective_store_uri(paths, config.settings)
    configurations = read_configurations(args.file) if args.file else [configuration_from_assignments(args.assignments)]
    models, unchecked = _models(paths, config)
    existing = []
    if not store_is_missing(uri):
        with open_store(uri, create=False) as store:
            existing = store.list_jobs(config.name)
    planned = plan_enqueue(config, models, existing, configurations, force=args.force)  # every refusal: nothing written
    with open_store(uri) as store:
        queued = [store.add_job(config.name, item.job) for item in planned]
    counted = sum(job.status is not JobStatus.SKIPPED for job in existing)
    print(f"hyperpower: {config.name}: {len(queued)} configuration(s) queued in store {mask_uri(uri)}")
    for line in queued_lines(queued, planned, unchecked, counted, config.settings.search.max_evals, str(args.experiment)):
        print(line)
    return 0


def _models(paths, config) -> tuple[dict, list[str]]:
    """The usable a-priori models of the budgets (as ``run`` loads them), and the budgets none covers."""
    from hyperpower.loop.model_files import load_models
    from hyperpower.loop.preparation import template_feature_function_factory
    from hyperpower.optimize.optimizer import constraint_rules

    factory = template_feature_function_factory(paths) if paths.layout == "hyperpower" else None
    models = load_models(paths, config, factory).models
    unchecked = [rule.name for rule in constraint_rules(config) if rule.feasible_below and rule.name not in models]
    return models, unchecked

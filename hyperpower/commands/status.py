"""``hyperpower status EXP``: counts by status, best so far, violations, and the job table."""

from __future__ import annotations

import argparse

from hyperpower.commands.options import (ExperimentContext, add_experiment_argument, add_store_option,
                                         experiment_context, store_is_missing)
from hyperpower.jobs import Job
from hyperpower.report.table import jobs_table, summary_lines


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("status", help="table of jobs, best so far, counts by status, violations")
    add_experiment_argument(parser)
    add_store_option(parser)
    return parser


def load_jobs(store_uri: str, experiment: str) -> list[Job]:
    """All jobs of the experiment; none when the default SQLite file was never created."""
    if store_is_missing(store_uri):
        return []
    from hyperpower.store import open_store

    with open_store(store_uri) as store:
        return store.list_jobs(experiment)


def settings_source(context: ExperimentContext) -> str:
    """Where the settings shown come from, relative to the experiment folder."""
    if context.config_source is None:
        return "settings: the template's defaults (no config yet)"
    return f"settings from {context.config_source.relative_to(context.paths.root)}"


def run(args: argparse.Namespace) -> int:
    from hyperpower.store import mask_uri

    context = experiment_context(args)
    config = context.config
    jobs = load_jobs(context.store_uri, config.name)
    print(f"experiment {config.name} | store {mask_uri(context.store_uri)} | {settings_source(context)}")
    for line in summary_lines(jobs, config):
        print(line)
    if jobs:
        print()
        print(jobs_table(jobs, config))
    return 0

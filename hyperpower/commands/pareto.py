"""``hyperpower pareto EXP [--json] [--reference METRIC=VALUE]...``: the feasible Pareto front of
several objectives (issue 12), its jobs' values, parameters and rendered network files, and the
hypervolume against a reference point, the default rule stated whenever it is used."""

from __future__ import annotations

import argparse
import json

from hyperpower.commands.best import NoFeasibleJobError, network_file
from hyperpower.commands.options import (add_experiment_argument, add_store_option, experiment_context,
                                         parse_reference_flags)
from hyperpower.commands.status import load_jobs
from hyperpower.errors import HyperPowerError
from hyperpower.report.pareto import (REFERENCE_RULE, ParetoFront, front_json, has_several_objectives,
                                     objective_names, outside_text, pareto_front)
from hyperpower.report.table import format_params, format_table
from hyperpower.units import format_value


class OneObjectiveError(HyperPowerError):
    """``pareto`` on an experiment of one objective: not a bad flag, a command that does not
    apply (exit status 1), answered instead of printing a one-point "front"."""

    exit_code = 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "pareto", help="feasible Pareto front of several objectives: jobs, values, params, network files, hypervolume",
        epilog=f"Default reference point: {REFERENCE_RULE}.")
    add_experiment_argument(parser)
    add_store_option(parser)
    parser.add_argument("--json", action="store_true",
                        help='print {"objectives", "reference", "hypervolume", "outside_reference", "front": '
                             '[{"id", "values", "params"}]} (outside_reference: ids of the front jobs not better '
                             'than the reference point in every objective, which add no volume)')
    parser.add_argument("--reference", metavar="METRIC=VALUE", action="append", default=[],
                        help="reference point value of an objective (repeat; units as budgets, e.g. "
                             "memory=400MB); it may cut the front, whose part that dominates it is then counted; "
                             "objectives not given take the run's fixed reference, else the default rule: "
                             + REFERENCE_RULE.replace("%", "%%"))
    return parser


def run(args: argparse.Namespace) -> int:
    context = experiment_context(args)
    config = context.config
    if not has_several_objectives(config):
        raise OneObjectiveError(
            f"experiment {config.name} has one objective ({objective_names(config)[0]}), so no Pareto front: a front "
            f"of one objective is its best job, which `hyperpower best {args.experiment}` shows; `pareto` is for "
            f"experiments with several objectives (--optimize given more than once, or several OBJECTIVE tasks)")
    given = parse_reference_flags(args.reference) if args.reference else {}
    jobs = load_jobs(context.store_uri, config.name)
    front = pareto_front(jobs, config, given)
    if not front.jobs:
        finished = sum(1 for job in jobs if job.status.finished)
        raise NoFeasibleJobError(
            f"experiment {config.name} has no feasible complete job with every objective "
            f"({', '.join(front.objectives)}) measured yet ({len(jobs)} job(s), {finished} finished), so no front; "
            f"see `hyperpower status {args.experiment}`")
    if args.json:
        print(json.dumps(front_json(front), indent=2, allow_nan=False))
        return 0
    for line in front_text(front, lambda job: network_file(context, job)):
        print(line)
    return 0


def front_text(front: ParetoFront, network_of) -> list[str]:
    """The reference point (and its rule), the hypervolume, then one row per front job."""
    lines = [f"objectives (all minimized): {', '.join(front.objectives)}",
             "reference point: " + ", ".join(_reference_part(front, name) for name in front.objectives)]
    if "default" in front.reference_sources.values():
        lines.append(f"  default rule: {REFERENCE_RULE}")
    lines.append(f"hypervolume: {front.hypervolume:.6g}")
    if front.outside:
        lines.append(f"  {outside_text(front)}: the hypervolume counts only the part of the front that dominates "
                     f"the reference point")
    lines += [f"front: {len(front.jobs)} feasible non-dominated job(s)", ""]
    rows = []
    for job in front.jobs:
        path = network_of(job)
        rows.append([str(job.id), *[format_value(name, job.values[name]) for name in front.objectives],
                     str(path) if path else "-", format_params(job.params)])
    lines.append(format_table(["id", *front.objectives, "network file", "params"], rows))
    return lines


def _reference_part(front: ParetoFront, name: str) -> str:
    source = {"given": "given", "run": "the run's --reference", "default": "default rule"}[front.reference_sources[name]]
    return f"{name}={format_value(name, front.reference[name])} ({source})"

"""``hyperpower best EXP [--json]``: the best feasible complete job, its rendered network file and
its trained model (``output/job_NNNNN.keras``, none when ``--keep-models`` pruned or never kept it).
With several objectives there is no one best: the feasible Pareto front's jobs, each shown the
same way (``--json``: a list of records), after the front's hypervolume line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hyperpower.commands.options import (
    ExperimentContext,
    add_experiment_argument,
    add_store_option,
    experiment_context,
)
from hyperpower.commands.status import load_jobs
from hyperpower.errors import HyperPowerError
from hyperpower.jobs import Job
from hyperpower.report.pareto import front_jobs, front_summary_line, has_several_objectives, pareto_front
from hyperpower.report.summary import best_feasible_job, objective_name, unknown_feasibility_jobs
from hyperpower.report.table import format_params
from hyperpower.units import format_value


class NoFeasibleJobError(HyperPowerError):
    """Not a configuration problem: the experiment simply has no answer yet (exit status 1)."""

    exit_code = 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("best", help="best feasible job: parameters, values, network file, trained model")
    add_experiment_argument(parser)
    add_store_option(parser)
    parser.add_argument("--json", action="store_true",
                        help="print the job as JSON (the fields of `hyperpower export` plus network_file; trained_model is null when --keep-models pruned the job's model); with several objectives a list, one per front job")
    return parser


def network_file(context: ExperimentContext, job: Job) -> Path | None:
    """The job's rendered network file; re-rendered from the template when output/ was emptied.

    A plain Spearmint folder has no template, so no network file (None). Re-rendering states the
    epochs of the current config (the job's own run may have used others).
    """
    path = context.paths.job_network(job.id)
    if path.is_file():
        return path
    if context.paths.layout != "hyperpower" or not context.paths.template.is_file() or not job.params:
        return None
    from hyperpower.objective import network_settings
    from hyperpower.template import parse_template, render_to_file

    template = parse_template(context.paths.template)
    if set(job.params) != set(template.space.names):
        return None  # the template changed since this job ran; rendering would mislead
    return render_to_file(template, job.params, path, **network_settings(context.config))


def best_record(context: ExperimentContext, job: Job) -> dict[str, Any]:
    from hyperpower.feasibility import reported_feasibility
    from hyperpower.loop.trained_models import trained_model_file

    model = trained_model_file(context.paths, job)
    record = job.export_dict(trained_model=str(model) if model else None)
    record["feasible"] = reported_feasibility(job, context.config)  # as export and status say
    path = network_file(context, job)
    record["network_file"] = str(path) if path else None
    return record


def run(args: argparse.Namespace) -> int:
    context = experiment_context(args)
    config = context.config
    jobs = load_jobs(context.store_uri, config.name)
    best = best_feasible_job(jobs, config)
    if has_several_objectives(config):
        best = next(iter(front_jobs(jobs, config)), None)
    if best is None:
        finished = sum(1 for job in jobs if job.status.finished)
        unknown = len(unknown_feasibility_jobs(jobs, config))
        unknown_text = (f", {unknown} of unknown feasibility (a budget metric neither measured nor predicted)"
                        if unknown else "")
        raise NoFeasibleJobError(
            f"experiment {config.name} has no feasible complete job yet ({len(jobs)} job(s), {finished} finished"
            f"{unknown_text}); see `hyperpower status {args.experiment}`")
    if has_several_objectives(config):
        return _print_front(context, jobs, args.json)
    record = best_record(context, best)
    if args.json:
        print(json.dumps(record, indent=2, allow_nan=False))
        return 0
    _print_job(context, best, record, "best job")
    return 0


def _print_front(context: ExperimentContext, jobs: list[Job], as_json: bool) -> int:
    """Several objectives: every feasible non-dominated job, as ``best`` shows one."""
    front = pareto_front(jobs, context.config)
    records = [best_record(context, job) for job in front.jobs]
    if as_json:
        print(json.dumps(records, indent=2, allow_nan=False))
        return 0
    print(f"no single best with {len(front.objectives)} objectives; {front_summary_line(front)}")
    for job, record in zip(front.jobs, records):
        _print_job(context, job, record, "front job")
    return 0


def _print_job(context: ExperimentContext, best: Job, record: dict[str, Any], title: str) -> None:
    config = context.config
    objective = objective_name(config)
    split = f" ({config.settings.objectives.split} split)" if "test_error" in best.values else ""
    print(f"{title} {best.id} ({best.method or '-'}): "
          f"{objective}={format_value(objective, best.values[objective])}{split}")
    others = {k: v for k, v in best.values.items() if k != objective}
    for metric, value in others.items():
        predicted = best.predicted.get(metric)
        suffix = f" (predicted {format_value(metric, predicted)})" if predicted is not None else ""
        suffix += " (test split)" if metric == "test_error" else ""
        print(f"  {metric}: {format_value(metric, value)}{suffix}")
    if best.epochs is not None and config.settings.schedule.scheduler is not None:
        from hyperpower.settings.schedule import epochs_text, ladder

        print(f"  fidelity: {epochs_text(best.epochs)} (rungs at {', '.join(map(str, ladder(config.settings)))} "
              f"epochs)")
    print(f"  params: {format_params(best.params)}")
    print(f"  network file: {record['network_file'] or '-'}")
    print(f"  trained model: {record['trained_model'] or '-'}")

"""``hyperpower export EXP [--format csv|json] [--out FILE]``: every job, for other tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hyperpower.commands.options import add_experiment_argument, add_store_option, experiment_context
from hyperpower.commands.status import load_jobs
from hyperpower.errors import ConfigError
from hyperpower.report.export import EXPORT_FORMATS, export_jobs


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("export", help="all jobs as JSON or CSV (values in W, MB, ms, mJ; error a fraction)")
    add_experiment_argument(parser)
    add_store_option(parser)
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="json", help="output format (default json)")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    return parser


def run(args: argparse.Namespace) -> int:
    from hyperpower.feasibility import reported_feasibility
    from hyperpower.loop.trained_models import trained_model_file
    from hyperpower.report.pareto import pareto_ranks_by_id

    context = experiment_context(args)
    jobs = load_jobs(context.store_uri, context.config.name)
    models = {job.id: str(path) for job in jobs if (path := trained_model_file(context.paths, job))}
    verdicts = {job.id: reported_feasibility(job, context.config) for job in jobs}
    text = export_jobs(jobs, args.format, models, pareto_ranks_by_id(jobs, context.config), verdicts)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.is_dir():
        raise ConfigError(f"--out {args.out}: is a folder; give a file name")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {args.out}: folder {out.parent} does not exist")
    out.write_text(text)
    print(f"wrote {out} ({args.format})", file=sys.stderr)
    return 0

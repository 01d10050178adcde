"""``hyperpower plot EXP [--out DIR] [--store URI]``: the experiment's PNG figures.

Writes best_so_far.png, objective_vs_hardware.png, predicted_vs_measured.png and
budget_violations.png, and with several objectives pareto_front.png and hypervolume.png (see
``hyperpower.report.plots``) into DIR, by default EXP/plots/. A figure
with no data is left out with a note saying why; an experiment with no finished job is an error,
so an empty folder never passes for a result.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hyperpower.commands.options import (add_experiment_argument, add_store_option, experiment_context,
                                         store_is_missing)
from hyperpower.errors import ConfigError, HyperPowerError


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "plot", help="draw PNG figures: best so far, objective vs power/memory, predicted vs measured, "
                     "budget violations",
        epilog="Figures without data (e.g. no hardware model, so no predictions) are skipped with a note.")
    add_experiment_argument(parser)
    parser.add_argument("--out", metavar="DIR", type=Path, default=None,
                        help="folder for the PNG files (default: EXP/plots)")
    add_store_option(parser)
    return parser


def check_out_dir(out: Path) -> None:
    """``--out`` must be a folder or a path where one can be made: a file there, or a file among
    its parents, is a ConfigError before anything is read or written."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file, not a folder; give a folder for the PNG figures "
                          f"(it is created when missing)")
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"--out {out}: {parent} is a file, so no folder can be made there")


def run(args: argparse.Namespace) -> int:
    from hyperpower.report.plots import write_plots
    from hyperpower.store import mask_uri, open_store

    if args.out is not None:
        check_out_dir(args.out)
    context = experiment_context(args)
    uri = context.store_uri
    if store_is_missing(uri):
        raise HyperPowerError(f"no finished jobs in {args.experiment}: its store {mask_uri(uri)} does not "
                              f"exist yet; run `hyperpower run {args.experiment}` first (or pass --store URI)")
    with open_store(uri) as store:
        jobs = store.list_jobs(context.config.name)
    if not any(job.status.finished for job in jobs):
        counts = f"{len(jobs)} job(s), none finished" if jobs else "no jobs"
        raise HyperPowerError(f"no finished jobs in {args.experiment}: store {mask_uri(uri)} holds {counts} "
                              f"for experiment {context.config.name!r}; run `hyperpower run {args.experiment}` first")
    out_dir = args.out if args.out is not None else context.paths.plots_dir
    written = write_plots(jobs, context.config, out_dir, note=lambda text: print(f"note: {text}"))
    for path in written:
        print(f"wrote {path}")
    return 0

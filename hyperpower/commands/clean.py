"""``hyperpower clean EXP [--yes] [--all]``: drop what running the experiment made, keep its inputs.

Removed: the experiment's jobs, metadata, profiling samples and stored models in the store;
``output/`` (rendered networks, job logs, the run's ``run_config.json``); ``plots/``;
``profiles/``; the generated ``spearmint/config.json`` of a HyperPower folder. Kept, and said so:
the template (or a plain Spearmint folder's own ``config.json`` and main file), the store file
itself (other experiments may share it), and the fitted hardware models in ``models/`` unless
``--all`` (they took minutes of profiling and describe the machine, not the run).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from hyperpower.commands.options import add_experiment_argument, add_store_option, experiment_context, store_is_missing
from hyperpower.experiment import ExperimentPaths


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "clean", help="drop the experiment's jobs and the files its runs made (asks first)",
        epilog="Keeps the template (or a Spearmint folder's config.json and main file), the store file and the "
               "fitted models in EXP/models/ (--all deletes those too).")
    add_experiment_argument(parser)
    add_store_option(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--all", action="store_true", help="also delete the fitted models in EXP/models/")
    return parser


def files_to_delete(paths: ExperimentPaths, include_models: bool) -> list[Path]:
    """Generated files and folders that exist; a Spearmint folder's config.json is the user's."""
    candidates = [paths.output_dir, paths.plots_dir, paths.profiles_dir]
    if paths.layout == "hyperpower":
        candidates.append(paths.config)
    if include_models:
        candidates.append(paths.models_dir)
    return [path for path in candidates if path.exists()]


def files_kept(paths: ExperimentPaths, include_models: bool) -> list[str]:
    """What stays, in words, so nobody wonders whether the template or the models are gone."""
    kept = [f"{paths.template} (template)" if paths.layout == "hyperpower"
            else f"{paths.config} and the main file (the Spearmint folder's own)"]
    if not include_models and paths.models_dir.exists():
        kept.append(f"{paths.models_dir}/ (fitted hardware models; --all deletes them)")
    return kept


def confirm(question: str) -> bool:
    """y/yes on stdin confirms; anything else, or no input at all, declines."""
    print(f"{question} [y/N] ", end="", flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def run(args: argparse.Namespace) -> int:
    from hyperpower.store import mask_uri, open_store

    context = experiment_context(args)
    paths, name, store_uri = context.paths, context.config.name, context.store_uri
    files = files_to_delete(paths, args.all)
    print(f"clean experiment {name}:")
    print(f"  store {mask_uri(store_uri)}: its jobs, metadata, profiles and models (the file stays)")
    for path in files:
        print(f"  {path}{'/' if path.is_dir() else ''}")
    print("keeps:")
    for text in files_kept(paths, args.all):
        print(f"  {text}")
    if not args.yes and not confirm("Delete these?"):
        print("nothing deleted", file=sys.stderr)
        return 1
    if not store_is_missing(store_uri):
        with open_store(store_uri) as store:
            store.delete_experiment(name)
    for path in files:
        _remove(path)
    generated_folder = paths.config.parent
    if paths.layout == "hyperpower" and generated_folder.is_dir() and not any(generated_folder.iterdir()):
        generated_folder.rmdir()
    print(f"cleaned {name}")
    return 0

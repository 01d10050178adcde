"""``hyperpower clean EXP [--yes] [--all]``: drop the experiment's results and generated files.

Removed: the experiment's jobs, metadata, profiling samples and models in the store; the generated
``spearmint/config.json``; ``output/``. Kept: the template, a plain Spearmint folder's own
``config.json``, and ``models/`` unless ``--all``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from hyperpower.commands.options import add_experiment_argument, add_store_option, store_is_missing
from hyperpower.config import HyperPowerSettings, load_experiment_config
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.generate import effective_store_uri, normalize_store_uri


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("clean", help="drop the experiment's jobs and generated files (asks first)")
    add_experiment_argument(parser)
    add_store_option(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--all", action="store_true", help="also delete the fitted models in EXP/models/")
    return parser


def files_to_delete(paths: ExperimentPaths, include_models: bool) -> list[Path]:
    """Generated files and folders that exist; a Spearmint folder's config.json is the user's."""
    candidates = [paths.output_dir]
    if paths.layout == "hyperpower":
        candidates.append(paths.config)
    if include_models:
        candidates.append(paths.models_dir)
    return [path for path in candidates if path.exists()]


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

    paths = resolve_experiment(args.experiment)
    config = load_experiment_config(paths) if paths.config.is_file() else None
    name = config.name if config else paths.name
    settings = config.settings if config else HyperPowerSettings()
    store_uri = normalize_store_uri(args.store) if args.store else effective_store_uri(paths, settings)
    files = files_to_delete(paths, args.all)
    print(f"clean experiment {name}:")
    print(f"  store {mask_uri(store_uri)}: its jobs, metadata, profiles and models")
    for path in files:
        print(f"  {path}{'/' if path.is_dir() else ''}")
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

"""Reproduce the HyperPower paper's comparison (DATE 2018, Tables 2-5, Fig. 4) on digits.

    python benchmarks/paper/run_paper.py profile                       # once: models + budgets
    python benchmarks/paper/run_paper.py fixed-evals --evals 15 --seeds 0,1 --epochs 2
    python benchmarks/paper/run_paper.py fixed-time --max-time 3m --seeds 0 --epochs 2
    python benchmarks/paper/run_paper.py report                        # RESULTS.md + figures

``--twins`` runs each aware run at the same time as its unaware twin (same method and seed), so
both see the same machine: on a shared, noisy CPU their time ratios (Tables 3-5) compare runs under
the same load, and the sweep takes about half as long. Without it, runs go one at a time.

Every run is resumable: a fixed-evaluations run already holding ``--evals`` finished jobs is
skipped (one holding fewer is finished by `hyperpower run` itself); a fixed-time run with its done
marker is skipped, one cut off part-way is restarted from scratch (its clock cannot resume).
All runs use the same profiled models and numeric budgets (benchmarks/paper/budgets.json), and
the paper's objective: the test error, which also stops trainings early (``--objective-split test``,
added to every run's command by ``runs_layout.run_command``; the tool's default selects on a
validation split instead).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import runs_layout as layout  # noqa: E402

PROFILE_FOLDER = layout.RUNS_DIR / "profile"


def profile(samples: int, seed: int, sample_size: int) -> None:
    """Profile one copy of digits (skipped when models exist), then choose and store budgets."""
    from budgets import BUDGET_METRICS, choose_budgets, predictions

    layout.MODELS_DIR.mkdir(parents=True, exist_ok=True)
    model_files = {metric: layout.MODELS_DIR / f"{metric}.json" for metric in BUDGET_METRICS}
    if not all(path.is_file() for path in model_files.values()):
        if not (PROFILE_FOLDER / "keras_model").is_dir():
            PROFILE_FOLDER.mkdir(parents=True, exist_ok=True)
            shutil.copytree(layout.DIGITS_TEMPLATE, PROFILE_FOLDER / "keras_model")
        # Hyper-parameter features: a network-feature model needs a Keras build per distinct
        # candidate (~0.3 s on this CPU), which makes each HW-IECI suggestion (and choosing the
        # budgets over 4096 points) take many minutes here; the comparison needs the cheap model.
        subprocess.check_call([sys.executable, "-m", "hyperpower", "profile", str(PROFILE_FOLDER),
                               "--samples", str(samples), "--seed", str(seed), "--features", "hyperparameters"],
                              cwd=layout.REPO)
        for metric, path in model_files.items():
            shutil.copy(PROFILE_FOLDER / "models" / f"{metric}.json", path)
    predicted = predictions(model_files, layout.DIGITS_TEMPLATE / "network_def.py", sample_size, seed)
    choice = choose_budgets(predicted, target=0.5, sample_seed=seed)
    layout.BUDGETS_FILE.write_text(json.dumps(dataclasses.asdict(choice), indent=2) + "\n")
    print(f"budgets at percentile {choice.percentile}: {choice.budgets}; jointly predicted infeasible "
          f"{choice.infeasible_fraction:.3f} of {choice.sample_size} random points")


def load_budgets() -> dict[str, float]:
    if not layout.BUDGETS_FILE.is_file():
        raise SystemExit(f"{layout.BUDGETS_FILE} is missing: run `{Path(__file__).name} profile` first")
    return json.loads(layout.BUDGETS_FILE.read_text())["budgets"]


def fixed_evals(evals: int, seeds: list[int], epochs: int, twins: bool) -> None:
    """Every variant for ``evals`` finished evaluations per seed."""
    budgets = load_budgets()
    todo = []
    for spec in layout.all_specs("evals", seeds):
        if layout.finished_evaluations(spec) >= evals:
            print(f"skip {spec.name}: {evals} evaluations already finished", flush=True)
            continue
        layout.prepare_folder(spec)
        todo.append((spec, layout.run_command(spec, budgets, epochs, evals, None)))
    _run_all(todo, twins)


def fixed_time(max_time: str, seeds: list[int], epochs: int, twins: bool) -> None:
    """Every variant for one wall-clock budget per seed; no evaluation limit (a large one)."""
    budgets = load_budgets()
    todo = []
    for spec in layout.all_specs("time", seeds):
        if spec.done_marker.is_file():
            done_command = json.loads(spec.done_marker.read_text())["command"]
            if done_command[done_command.index("--max-time") + 1] == max_time:
                print(f"skip {spec.name}: finished", flush=True)
                continue
            print(f"replace {spec.name}: it ran with another --max-time", flush=True)
        if spec.folder.is_dir():
            layout.restart_folder(spec)
        layout.prepare_folder(spec)
        todo.append((spec, layout.run_command(spec, budgets, epochs, 10_000, max_time)))
    _run_all(todo, twins)


def _run_all(todo: list[tuple[layout.RunSpec, list[str]]], twins: bool) -> None:
    """One run at a time, or each aware run beside its unaware twin (``--twins``)."""
    groups: dict[object, list] = {}
    for spec, command in todo:
        key = (spec.method, spec.seed) if twins else spec.name
        groups.setdefault(key, []).append((spec, command))
    for group in groups.values():
        threads = [threading.Thread(target=_run, args=item) for item in group]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _run(spec: layout.RunSpec, command: list[str]) -> None:
    started = time.time()
    _say(f"run  {spec.name}: {' '.join(command[1:])}")
    code = layout.execute(spec, command)
    _say(f"done {spec.name}: exit {code}, {time.time() - started:.0f} s, "
         f"{layout.finished_evaluations(spec)} evaluations")


def _say(line: str) -> None:
    """One whole line at a time (twins report from two threads)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("profile", help="profile digits once and choose the budgets")
    p.add_argument("--samples", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-size", type=int, default=4096, help="random points to choose budgets on")
    e = commands.add_parser("fixed-evals", help="fixed number of evaluations (Fig. 4)")
    e.add_argument("--evals", type=int, default=30)
    e.add_argument("--seeds", default="0,1,2,3,4")
    e.add_argument("--epochs", type=int, default=2)
    e.add_argument("--twins", action="store_true", help="run aware and unaware twins at the same time")
    t = commands.add_parser("fixed-time", help="fixed wall-clock per run (Tables 2-5)")
    t.add_argument("--max-time", default="20m")
    t.add_argument("--seeds", default="0,1,2")
    t.add_argument("--epochs", type=int, default=2)
    t.add_argument("--twins", action="store_true", help="run aware and unaware twins at the same time")
    r = commands.add_parser("report", help="write RESULTS.md, results.json and figures")
    r.add_argument("--seeds-evals", default=None, help="seeds to include (default: all found)")
    args = parser.parse_args(argv)
    if args.command == "profile":
        profile(args.samples, args.seed, args.sample_size)
    elif args.command == "fixed-evals":
        fixed_evals(args.evals, _seeds(args.seeds), args.epochs, args.twins)
    elif args.command == "fixed-time":
        fixed_time(args.max_time, _seeds(args.seeds), args.epochs, args.twins)
    else:
        from report import write_report

        write_report()
    return 0


def _seeds(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


if __name__ == "__main__":
    raise SystemExit(main())

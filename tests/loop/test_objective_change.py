"""Issue 22.3: `run` on an experiment whose stored jobs ran under other objectives re-reads them
under the new ones where every job holds those values, and otherwise refuses (naming the earlier
objectives and the ways out) with the folder and the store as they were.

Before: the run was accepted and the earlier jobs silently dropped out of the front."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from hyperpower.config import load_config
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.worker import META_CONFIG
from hyperpower.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hardware"))
from hardware_fixtures import write_tiny_experiment  # noqa: E402

VALUES = """\
    def main(job_id, params):
        x = float(params['x'][0])
        return {'f': x, 'g': 1.0 - x, 'h': (x - 0.5) ** 2}
    """


def _folder(tmp_path: Path, objectives: list[str]) -> Path:
    folder = tmp_path / "moo"
    folder.mkdir(exist_ok=True)
    (folder / "values.py").write_text(textwrap.dedent(VALUES))
    _set_objectives(folder, objectives)
    return folder


def _set_objectives(folder: Path, objectives: list[str]) -> None:
    (folder / "config.json").write_text(json.dumps({
        "main-file": "values", "experiment-name": "moo",
        "variables": {"x": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}},
        "tasks": {name: {"type": "OBJECTIVE"} for name in objectives}}))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_spearmint_folder_whose_objective_tasks_changed(tmp_path: Path, run_cli) -> None:
    folder = _folder(tmp_path, ["f", "g"])
    run_cli("run", str(folder), "--max-evals", "3", "--method", "rand", "--seed", "0")

    _set_objectives(folder, ["f", "h"])  # h was returned (and stored) all along
    reread = run_cli("run", str(folder), "--max-evals", "3", "--method", "rand")
    line = reread.stdout.splitlines()[1]
    assert line == ("hyperpower: moo: the objectives changed from f × g to f × h; the 3 complete job(s) stored are "
                    "re-read under f × h (each holds those values)"), reread.stdout
    pareto = json.loads(run_cli("pareto", str(folder), "--json").stdout)
    assert pareto["objectives"] == ["f", "h"] and pareto["front"]  # the earlier jobs, read under f x h

    _set_objectives(folder, ["f", "k"])  # k was never returned
    before = _tree(folder)
    refused = run_cli("run", str(folder), "--max-evals", "4", "--method", "rand", check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = refused.stderr
    assert "the last run of moo minimized f × h" in message and "3 have no k value (first: job 1)" in message
    assert f"keep the OBJECTIVE task(s) f, h in {folder / 'config.json'}" in message
    assert 'a new "experiment-name"' in message and f"`hyperpower clean {folder}`" in message
    assert _tree(folder) == before  # the store file included


def _store_earlier_jobs(folder: Path) -> None:
    """Two finished error x memory jobs, as `run --optimize error --optimize memory` left them
    (every measured metric kept; no runtime or cost, as no price was given), without training."""
    config = load_config(folder / "spearmint" / "config.json")
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        store.set_meta("tiny", META_CONFIG, json.loads((folder / "spearmint" / "config.json").read_text()))
        for units, error in ((2, 0.5), (5, 0.25)):
            raw = {"units": units, "learning_rate": 0.01}
            job = store.add_job("tiny", Job(id=0, experiment="tiny", raw_params=raw,
                                            params=config.space.network_params(raw)))
            store.claim_job("tiny", "w")
            store.finish_job("tiny", job.id, "w", JobStatus.COMPLETE, feasible=True, values={
                "error": error, "test_error": error, "memory": 250.0 + units, "latency": 1.0 + units / 10})


def test_a_hyperpower_folder_run_with_other_objectives(tmp_path: Path, run_cli) -> None:
    """The issue's command: `run EXP --optimize error --optimize cost` on error x memory jobs."""
    folder = write_tiny_experiment(tmp_path)
    run_cli("generate", str(folder), "--optimize", "error", "--optimize", "memory", "--unaware", "--method", "rand")
    _store_earlier_jobs(folder)
    before = _tree(folder)
    refused = run_cli("run", str(folder), "--optimize", "error", "--optimize", "cost", "--price", "cpu=0.1",
                      "--max-evals", "2", check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = refused.stderr
    assert "the last run of tiny minimized error × memory" in message
    assert "2 have no cost value (first: job 1)" in message and "cost needs a --price when the job runs" in message
    assert "keep them (--optimize error --optimize memory)" in message
    assert f"cp -r {folder} " in message and f"`hyperpower clean {folder}`" in message
    assert _tree(folder) == before

    reread = run_cli("run", str(folder), "--optimize", "error", "--optimize", "latency", "--max-evals", "2")
    assert ("the objectives changed from error × memory to error × latency; the 2 complete job(s) stored are "
            "re-read under error × latency") in reread.stdout
    assert "front: 2 job(s)" in reread.stdout  # job 2 has the lower error, job 1 the lower latency

"""Issue 22.14: the defaults a run takes are the ones the README and `--help` state, and a run's
first line states its limits, also when a percentile budget (or profiling) comes next."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hyperpower.jobs import Job, JobStatus
from hyperpower.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hardware"))
from test_model_budgets import write_model  # noqa: E402
from hardware_fixtures import write_tiny_experiment  # noqa: E402

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
#: the sentence the README's method section and its Spearmint section both hold
CONSTRAINED_DEFAULT = "without `--method`, a plain spearmint folder whose `config.json` has constraint tasks runs `hw-cwei`"


def test_a_constrained_spearmint_folder_runs_the_default_the_docs_state(toy_experiment: Path, run_cli) -> None:
    """Before: the README said hw-ieci was the default, the run took hw-cwei."""
    first = run_cli("run", str(toy_experiment), "--max-evals", "1").stdout.splitlines()[0]
    assert first.startswith("hyperpower: spearmint_toy: hw-cwei, objective objective, budgets budget_left >= 0,")
    methods = README.split("\n## Methods", 1)[1].split("\n## ", 1)[0]
    spearmint = README.split("\n## Plain Spearmint experiments", 1)[1].split("\n## ", 1)[0]
    assert CONSTRAINED_DEFAULT in " ".join(methods.lower().split()), "README's Methods section"
    assert CONSTRAINED_DEFAULT in " ".join(spearmint.lower().split()), "README's Plain Spearmint experiments section"
    help_text = " ".join(run_cli("run", "--help").stdout.split())
    assert "default hw-ieci; ehvi for several objectives; hw-cwei for a Spearmint folder with CONSTRAINT tasks" \
        in help_text


def test_the_first_line_states_the_limits_before_a_percentile_budget_is_set(tmp_path: Path, run_cli) -> None:
    """`./run_tool.sh`'s default run: `--budget memory=p50`, which profiles when no model exists
    (here one does, and the experiment already has its one job, so nothing trains). Before: the
    percentile lines came first and the limits only after them."""
    folder = write_tiny_experiment(tmp_path)
    write_model(folder, folder / "models" / "memory.json", features=("units",), coef=(0.05,))
    run_cli("generate", str(folder))
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        job = store.add_job("tiny", Job(id=0, experiment="tiny", raw_params={"units": 2, "learning_rate": 0.01}))
        store.claim_job("tiny", "w")
        store.finish_job("tiny", job.id, "w", JobStatus.COMPLETE, values={"error": 0.5, "memory": 110.0})
    lines = run_cli("run", str(folder), "--budget", "memory=p50", "--max-evals", "1", "--max-time", "1h").stdout.splitlines()
    assert lines[0].startswith("hyperpower: tiny: hw-ieci, objective error, budgets memory <= p50 (from the memory "
                               "model), up to 1 evaluations, at most 1h, store sqlite:///"), lines
    assert lines[1].startswith("hyperpower: budget memory=p50 -> "), lines
    budget = json.loads((folder / "spearmint" / "config.json").read_text())["hyperpower"]["budgets"]["memory"]
    assert lines[1].startswith(f"hyperpower: budget memory=p50 -> {budget:.4g} MB")

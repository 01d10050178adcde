"""Issue 22.9: a refusal of conflicting settings names where each came from (a flag of this
command, or a file and key an earlier command wrote) and the flag that drops the kept one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hardware"))
from hardware_fixtures import write_tiny_experiment  # noqa: E402


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_optimize_a_metric_the_kept_config_bounds(tmp_path: Path, run_cli) -> None:
    """`./run_tool.sh` keeps `budgets: {memory: ...}` in spearmint/config.json; the user then asks
    for `--optimize memory` and gives no --budget. Before: "... and a budget (--budget memory=...)"."""
    folder = write_tiny_experiment(tmp_path)
    run_cli("generate", str(folder), "--budget", "memory=300MB")
    config = folder / "spearmint" / "config.json"
    before = _tree(folder)
    refused = run_cli("run", str(folder), "--optimize", "memory", check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = refused.stderr
    assert message.startswith("hyperpower: error: metric 'memory' is both the objective (--optimize memory) and a "
                              f"budget (kept in {config} as hyperpower.budgets.memory = 300, set by an earlier "
                              "generate or run)"), message
    assert "--budget memory=" not in message and "drop the kept budgets with --no-budgets" in message
    assert _tree(folder) == before
    run_cli("generate", str(folder), "--optimize", "memory", "--no-budgets")  # the way out it names
    settings = json.loads(config.read_text())["hyperpower"]
    assert settings["objective"] == "memory" and settings["budgets"] == {}


def test_bound_the_metric_the_kept_config_optimizes(tmp_path: Path, run_cli) -> None:
    folder = write_tiny_experiment(tmp_path)
    run_cli("generate", str(folder), "--optimize", "memory")
    config = folder / "spearmint" / "config.json"
    refused = run_cli("generate", str(folder), "--budget", "memory=300MB", check=False)
    assert refused.returncode == 2
    assert (f"is both the objective (kept in {config} as hyperpower.objective = \"memory\") and a budget "
            "(--budget memory=300 MB)") in refused.stderr, refused.stderr
    assert "give the objective with --optimize (e.g. --optimize error)" in refused.stderr


def test_a_method_for_one_objective_with_kept_objectives(tmp_path: Path, run_cli) -> None:
    folder = write_tiny_experiment(tmp_path)
    run_cli("generate", str(folder), "--optimize", "error", "--optimize", "memory", "--unaware")
    refused = run_cli("generate", str(folder), "--method", "hw-ieci", check=False)
    assert refused.returncode == 2
    assert (f"2 objectives are minimized (error, memory; kept in {folder / 'spearmint' / 'config.json'} as "
            "hyperpower.objective)") in refused.stderr, refused.stderr


def test_a_budget_flag_on_a_spearmint_objective_names_the_flag(toy_experiment: Path, run_cli) -> None:
    """Before, the flag's budget was merged into the file's settings first, so the refusal blamed
    config.json for a value the user typed."""
    refused = run_cli("run", str(toy_experiment), "--budget", "objective=3", check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"hyperpower: error: --budget objective=3 names the OBJECTIVE task 'objective' "
                                     f"of {toy_experiment / 'config.json'}"), refused.stderr

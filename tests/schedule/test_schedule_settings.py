"""Scheduler flags: the rung ladder, config.json, and refusals that write nothing (issue 13 point 1)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hyperpower.config import config_from_json
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.errors import ConfigError
from hyperpower.settings.schedule import check_schedule, ladder, rung_epochs

REPO = Path(__file__).resolve().parents[2]


def test_rungs_are_min_times_eta_to_the_k_and_end_at_full_fidelity() -> None:
    assert rung_epochs(1, 9, 3) == [1, 3, 9]
    assert rung_epochs(1, 27, 3) == [1, 3, 9, 27]
    assert rung_epochs(1, 10, 3) == [1, 3, 10]
    assert rung_epochs(2, 16, 2) == [2, 4, 8, 16]
    assert rung_epochs(5, 5, 3) == [5]


def test_max_epochs_defaults_to_the_run_epochs_then_ten() -> None:
    assert ladder(HyperPowerSettings.from_section({"scheduler": "asha", "epochs": 9})) == [1, 3, 9]
    assert ladder(HyperPowerSettings.from_section({"scheduler": "asha"})) == [1, 3, 10]
    assert ladder(HyperPowerSettings.from_section({"scheduler": "asha", "epochs": 4, "max_epochs": 27})) == [1, 3, 9, 27]


@pytest.mark.parametrize("args, message", [
    (("asha", 1, 9, 1), "--eta must be a whole number >= 2, got 1"),
    (("asha", 10, 9, 3), "--min-epochs 10 is more than --max-epochs 9"),
    (("asha", 0, 9, 3), "--min-epochs must be a whole number of epochs >= 1, got 0"),
    (("sha", 1, 9, 3), "--scheduler 'sha' is not one of asha, hyperband"),
])
def test_bad_settings_are_refused(args, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        check_schedule(*args)


def test_a_config_json_with_a_bad_eta_names_the_file() -> None:
    data = {"variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
            "hyperpower": {"scheduler": "asha", "eta": 1}}
    with pytest.raises(ConfigError, match=r"cfg.json: the 'hyperpower' section's --eta must be"):
        config_from_json(data, "cfg.json")


def _hyperpower(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hyperpower", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


def _digits(tmp_path: Path) -> Path:
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.e2e
def test_generate_keeps_the_scheduler_settings_in_config_json(tmp_path: Path) -> None:
    folder = _digits(tmp_path)
    result = _hyperpower("generate", folder, "--scheduler", "hyperband", "--min-epochs", "2", "--max-epochs", "18",
                         "--eta", "3")
    assert result.returncode == 0, result.stderr
    settings = json.loads((folder / "spearmint" / "config.json").read_text())["hyperpower"]
    assert (settings["scheduler"], settings["min_epochs"], settings["max_epochs"], settings["eta"]) == \
        ("hyperband", 2, 18, 3)
    assert _hyperpower("generate", folder, "--eta", "2").returncode == 0  # the rest is kept
    settings = json.loads((folder / "spearmint" / "config.json").read_text())["hyperpower"]
    assert (settings["scheduler"], settings["eta"]) == ("hyperband", 2)
    assert _hyperpower("generate", folder, "--scheduler", "none").returncode == 0
    assert json.loads((folder / "spearmint" / "config.json").read_text())["hyperpower"]["scheduler"] is None


@pytest.mark.parametrize("flags, message", [
    (["--scheduler", "asha", "--eta", "1"], "--eta must be a whole number >= 2, got 1"),
    (["--scheduler", "asha", "--min-epochs", "5", "--max-epochs", "3"], "--min-epochs 5 is more than --max-epochs 3"),
    (["--scheduler", "asha", "--epochs", "2", "--min-epochs", "3"],
     "--min-epochs 3 is more than the top rung's 2 epochs"),
])
@pytest.mark.e2e
def test_run_refuses_bad_scheduler_flags_in_one_paragraph_and_writes_nothing(tmp_path: Path, flags, message) -> None:
    folder = _digits(tmp_path)
    before = _tree(folder)
    result = _hyperpower("run", folder, "--max-evals", "1", *flags)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("hyperpower: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert _tree(folder) == before and sorted(p.name for p in folder.iterdir()) == ["keras_model"]


@pytest.mark.e2e
def test_a_scheduler_on_a_main_file_without_epochs_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    before = _tree(folder)
    result = _hyperpower("run", folder, "--max-evals", "2", "--scheduler", "asha", "--max-epochs", "9")
    assert result.returncode == 2, result.stderr
    assert "toy.py: --scheduler asha trains each job for a rung's number of epochs" in result.stderr
    assert "main(job_id, params, epochs=N)" in result.stderr and result.stderr.count("\n") == 1
    assert _tree(folder) == before and not (folder / "hyperpower.sqlite").exists()

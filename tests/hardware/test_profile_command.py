"""``hyperpower profile`` end to end on a tiny template, and ``hyperpower devices`` here."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hyperpower", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


@pytest.mark.slow
def test_profile_measures_stores_and_writes_models(tiny_experiment: Path) -> None:
    from hyperpower.optimize import load_linear_model
    from hyperpower.store import open_store

    result = _cli("profile", str(tiny_experiment), "--samples", "6", "--folds", "3", "--seed", "0",
                  "--metrics", "memory,latency", "--min-window", "0.1", "--repetitions", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[6/6] units=" in result.stdout
    progress = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(progress) == 6  # each measured value with its unit: "memory 301.2 ± 0.05 MB, latency 1.2 ± 0.1 ms"
    assert all(re.search(r": memory \S+ ± \S+ MB, latency \S+ ± \S+ ms \(", line) for line in progress), progress
    assert any(line.startswith("memory   MB") for line in result.stdout.splitlines())
    assert any(line.startswith("latency  ms") for line in result.stdout.splitlines())

    memory = json.loads((tiny_experiment / "models" / "memory.json").read_text())
    assert memory["metric"] == "memory" and memory["samples"] == 6 and memory["folds"] == 3
    assert memory["feature_set"] in ("hyperparameters", "pairwise", "network")
    assert memory["comparison"]["hyperparameters"]["features"] == ["units"]
    assert memory["comparison"]["pairwise"]["features"] == ["units", "units*units"]
    assert len(memory["cv_relative_residuals"]) == 6  # what --violation-rate calibrates on
    assert "feature set rule: the cheapest set" in result.stdout
    assert load_linear_model(tiny_experiment / "models" / "latency.json").metric == "latency"

    profile_files = list((tiny_experiment / "profiles").glob("profile-*.json"))
    assert len(profile_files) == 1
    samples = json.loads(profile_files[0].read_text())["samples"]
    assert len(samples) == 6 and [s["params"]["learning_rate"] for s in samples] == pytest.approx([0.01] * 6)
    # each sample records the protocol it was measured with (issue 22 point 13); the suite's
    # HYPERPOWER_QUICK_MEASURE is in force, and the report says its samples are noisy
    assert all(s["protocol"] == {"windows": 2, "window_s": 0.1, "max_gap_s": 0.01, "quick": True} for s in samples)
    assert "6 of 6 samples were measured with the quick protocol (HYPERPOWER_QUICK_MEASURE): 2 windows over " \
           "0.1 s" in result.stdout
    # memory follows the network's size: 1024 units hold ~1M more weights (~4 MB) than 64 units
    by_units = sorted((s["params"]["units"], s["values"]["memory"]) for s in samples)
    assert by_units[-1][0] - by_units[0][0] >= 512
    assert by_units[-1][1] - by_units[0][1] > 1.0

    with open_store(f"sqlite:///{tiny_experiment / 'hyperpower.sqlite'}") as store:
        assert len(store.list_profile_samples("tiny")) == 6
        assert set(store.load_models("tiny")) == {"memory", "latency"}


def test_profile_refuses_a_metric_nothing_here_measures(tiny_experiment: Path) -> None:
    from hyperpower.hardware import detect_sensors

    with detect_sensors("cpu") as sensors:
        if "power" in sensors.measurable():
            pytest.skip("this machine measures CPU power (readable RAPL)")
    result = _cli("profile", str(tiny_experiment), "--device", "cpu", "--metrics", "power", "--samples", "3")
    assert result.returncode != 0
    assert "power needs an NVIDIA GPU (NVML) or readable RAPL counters" in result.stderr
    assert not (tiny_experiment / "models").exists()


def test_devices_lists_the_process_sensor_and_explains_missing_metrics() -> None:
    result = _cli("devices", timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("process") and "latency, memory" in line for line in lines)
    for metric in ("power", "memory", "latency", "energy"):
        entry = next(line for line in lines if line.strip().startswith(f"{metric}:"))
        assert "not measurable" not in entry or f"{metric} needs" in entry
    assert "latency: process" in result.stdout


@pytest.mark.slow
def test_profile_gives_an_enum_of_activations_a_one_hot_model(tiny_experiment: Path) -> None:
    """Issue 12 point 4: an unflagged ENUM of activations is detected as structural (it changes
    the work of every inference, not a shape) and priced by one-hot features, relu the baseline."""
    from hyperpower.optimize import load_linear_model
    from hyperpower.template import parse_template

    network = tiny_experiment / "keras_model" / "network_def.py"
    text = network.read_text().replace(
        'batch_size = 16', 'activation = HYPERPARAM{"type": "ENUM", "token": "activation", '
        '"options": ["relu", "tanh", "sigmoid"]}\nbatch_size = 16').replace('activation="relu"', "activation=activation")
    network.write_text(text)
    result = _cli("profile", str(tiny_experiment), "--samples", "8", "--folds", "4", "--seed", "0", "--metrics",
                  "latency", "--features", "hyperparameters", "--min-window", "0.1", "--repetitions", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "of units, activation;" in result.stdout, "activation detected as structural"
    model_file = tiny_experiment / "models" / "latency.json"
    document = json.loads(model_file.read_text())
    assert document["features"] == ["units", "activation=tanh", "activation=sigmoid"]
    assert document["structural"]["activation"]["options"] == ["relu", "tanh", "sigmoid"]
    model = load_linear_model(model_file)
    space = parse_template(network).space
    model.check_space(space)  # usable a priori: every option it names exists
    coef = dict(zip(model.features, model.coef))
    base = {"units": 512, "learning_rate": 0.01}
    assert model.predict({**base, "activation": "relu"}) == pytest.approx(model.intercept + 512 * coef["units"])
    assert model.predict({**base, "activation": "sigmoid"}) - model.predict({**base, "activation": "relu"}) == \
        pytest.approx(coef["activation=sigmoid"])

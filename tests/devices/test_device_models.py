"""Per-device a-priori models (issue 14 point 2): ``--model power@gpu:0=FILE``; a candidate's
budget is checked with its own device's model; a device without a model is profiled first when
it is here and refused when it is not, before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hyperpower.errors import ConfigError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions
from hyperpower.loop.preparation import prepare_run
from hyperpower.optimize import Optimizer
from hyperpower.optimize.device_models import PerDeviceModel


def _experiment(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    (folder / "keras_model").mkdir(parents=True)
    (folder / "keras_model" / "network_def.py").write_text(
        'units = HYPERPARAM{"type": "INT", "token": "units", "min": 1, "max": 100, "structural": true}\n'
        'rate = HYPERPARAM{"type": "FLOAT", "token": "rate", "min": 0.0, "max": 1.0, "structural": false}\n')
    for name, coef in (("gpu", 2.0), ("cpu", 0.5)):
        (folder / f"{name}.json").write_text(json.dumps(
            {"metric": "power", "unit": "W", "features": ["units"], "coef": [coef], "intercept": 10.0,
             "device": f"a {name}"}))
    return folder


def test_each_candidate_is_checked_with_its_own_devices_model(tmp_path: Path) -> None:
    folder = _experiment(tmp_path)
    options = GenerateOptions(method="rand", devices=["gpu:0", "cpu"], budgets={"power": 50.0},
                              models={"power@gpu:0": str(folder / "gpu.json"), "power@cpu": str(folder / "cpu.json")})
    prepared = prepare_run(resolve_experiment(folder), options)
    assert prepared.to_profile == [] and prepared.config.settings.budgets.models == {"power@gpu:0": "gpu.json",
                                                                             "power@cpu": "cpu.json"}
    model = prepared.loaded.models["power"]
    assert isinstance(model, PerDeviceModel)
    assert model.predict({"units": 20, "device": "gpu:0", "rate": 0.1}) == 50.0
    assert model.predict({"units": 20, "device": "cpu", "rate": 0.1}) == 20.0
    optimizer = Optimizer(prepared.config, prepared.loaded.models, np.random.default_rng(0))
    suggestions = optimizer.suggest([], 60)
    by_device = {device: [s.raw_params["units"] for s in suggestions if s.raw_params["device"] == device]
                 for device in ("gpu:0", "cpu")}
    assert max(by_device["gpu:0"]) <= 20, "the GPU model allows at most 20 units under 50 W"
    assert max(by_device["cpu"]) > 40, "the CPU model allows up to 80 units: not held to the GPU's model"
    for suggestion in suggestions:
        assert suggestion.predicted["power"] <= 50.0


def test_a_device_without_a_model_is_profiled_when_here_and_refused_when_not(tmp_path: Path) -> None:
    folder = _experiment(tmp_path)
    paths = resolve_experiment(folder)
    local = prepare_run(paths, GenerateOptions(devices=["gpu:0", "cpu"], budgets={"power": 50.0},
                                               models={"power@gpu:0": str(folder / "gpu.json")}))
    assert local.to_profile == ["power@cpu"] and "power" not in local.loaded.models
    with pytest.raises(ConfigError, match=r"device gpu:1 has no power model and is not on this machine.*"
                                          r"--model power@gpu:1=FILE"):
        prepare_run(paths, GenerateOptions(devices=["gpu:0", "gpu:1"], budgets={"power": 50.0},
                                           models={"power@gpu:0": str(folder / "gpu.json")}))
    with pytest.raises(ConfigError, match=r"--model power@gpu:3=\.\.\.: device 'gpu:3' is not among the devices"):
        prepare_run(paths, GenerateOptions(devices=["gpu:0", "cpu"], budgets={"power": 50.0},
                                           models={"power@gpu:3": str(folder / "gpu.json")}))
    unaware = prepare_run(paths, GenerateOptions(devices=["gpu:0", "gpu:1"], budgets={"power": 50.0}, aware=False))
    assert unaware.to_profile == [], "an unaware run measures its budgets after training"
    assert sorted(p.name for p in folder.iterdir()) == ["cpu.json", "gpu.json", "keras_model"], "nothing written"


def test_profiling_a_local_device_keeps_its_models_as_metric_at_device(tmp_path: Path, monkeypatch) -> None:
    """``run`` profiles each local device lacking a model on that device, then loads the copies."""
    import types

    import hyperpower.hardware.profile as profile
    from hyperpower.loop.device_preparation import profile_devices
    from hyperpower.loop.model_files import load_models

    folder = _experiment(tmp_path)
    paths = resolve_experiment(folder)
    calls = []

    def fake_profile(paths, config, store, metrics, device=None):
        calls.append((device, list(metrics)))
        paths.models_dir.mkdir(exist_ok=True)
        written = {}
        for metric in metrics:
            written[metric] = paths.models_dir / f"{metric}.json"
            written[metric].write_text((folder / "cpu.json").read_text())
        return types.SimpleNamespace(model_paths=written)

    monkeypatch.setattr(profile, "profile_for_run", fake_profile)
    prepared = prepare_run(paths, GenerateOptions(devices=["gpu:0", "cpu"], budgets={"power": 50.0},
                                                  models={"power@gpu:0": str(folder / "gpu.json")}))
    profile_devices(paths, prepared.config, None, prepared.to_profile)
    assert calls == [("cpu", ["power"])]
    assert (paths.models_dir / "power@cpu.json").is_file()
    model = load_models(paths, prepared.config).models["power"]
    assert model.predict({"units": 20, "device": "cpu", "rate": 0.5}) == 20.0

"""The a-priori models of a run that chooses the device (issue 14): one per budget metric and device.

Where each device's model of a metric comes from, first found wins: ``--model METRIC@DEVICE=FILE``
(the config's ``models["power@gpu:0"]``), ``--model METRIC=FILE`` (the user's statement that one
model fits every device), then the tool's own ``EXP/models/METRIC@DEVICE.json`` (written by
profiling that device). An aware run checks every hardware budget before training, on every device
it may choose, so a device without a model is profiled first when this machine has it and refused
otherwise, naming the device and the flag that fixes it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

from hyperpower.config import ExperimentConfig
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.optimize.device_models import PerDeviceModel, device_model_key, split_model_key

HARDWARE_METRICS = ("power", "memory", "latency", "energy")


def device_model_sources(paths: ExperimentPaths, config: ExperimentConfig, metric: str) -> dict[str, tuple[Any, bool]]:
    """device -> (model file path or inline model, whether it is the tool's own file), for the
    devices that have one."""
    given = config.settings.models
    sources: dict[str, tuple[Any, bool]] = {}
    for device in config.settings.devices:
        entry = given.get(device_model_key(metric, device), given.get(metric))
        if isinstance(entry, str):
            path = Path(entry)
            sources[device] = (path if path.is_absolute() else paths.root / path, False)
        elif entry is not None:
            sources[device] = (entry, False)
        elif (paths.models_dir / f"{device_model_key(metric, device)}.json").is_file():
            sources[device] = (paths.models_dir / f"{device_model_key(metric, device)}.json", True)
    return sources


def load_device_models(paths: ExperimentPaths, config: ExperimentConfig, loaded: Any,
                       load_one: Callable[[str, Any, Any, bool], Any]) -> Any:
    """Fill ``loaded`` (``preparation.LoadedModels``): a ``PerDeviceModel`` per budget metric whose
    every device has a usable model; the devices lacking one in ``loaded.missing_devices``."""
    from hyperpower.loop.preparation import _provenance_checker

    check = _provenance_checker(paths)
    for metric in config.settings.budgets:
        models = {}
        for device, (source, own) in device_model_sources(paths, config, metric).items():
            model = load_one(device_model_key(metric, device), source, check, own)
            if model is not None:
                models[device] = model
        missing = [device for device in config.settings.devices if device not in models]
        if not missing:
            loaded.models[metric] = PerDeviceModel(metric, config.settings.device_variable, models)
        elif metric in HARDWARE_METRICS or models:
            loaded.missing_devices[metric] = missing
    return loaded


def devices_to_profile(config: ExperimentConfig, loaded: Any, here: list[str]) -> list[str]:
    """``metric@device`` keys an aware run profiles before its first job (devices this machine
    has); ConfigError for a device without a model that is not here."""
    if not config.settings.aware:
        return []
    keys = []
    for metric, devices in loaded.missing_devices.items():
        if metric not in HARDWARE_METRICS:
            continue
        for device in devices:
            if device not in here:
                raise ConfigError(
                    f"the aware method {config.settings.method} checks the {metric} budget before training, on every "
                    f"device the search may choose, but device {device} has no {metric} model and is not on this "
                    f"machine to profile it: profile it where it is (`hyperpower profile EXP --device {device}`) and "
                    f"give the file with --model {metric}@{device}=FILE, or drop {device} from --devices")
            keys.append(device_model_key(metric, device))
    return keys


def profile_devices(paths: ExperimentPaths, config: ExperimentConfig, store: Any, keys: list[str]) -> None:
    """Profile each local device that lacks models, then keep its files as ``METRIC@DEVICE.json``."""
    from hyperpower.hardware.profile import profile_for_run

    by_device: dict[str, list[str]] = {}
    for key in keys:
        metric, device = split_model_key(key)
        by_device.setdefault(device, []).append(metric)
    for device, metrics in by_device.items():
        result = profile_for_run(paths, config, store, metrics, device=device)
        for metric in metrics:
            shutil.copyfile(result.model_paths[metric], paths.models_dir / f"{device_model_key(metric, device)}.json")

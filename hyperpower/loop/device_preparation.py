"""Profiling before a run that chooses the device (issue 14): one model per budget metric and device.

Where each device's model comes from is ``loop.model_files``'s concern. An aware run checks every hardware budget before training, on every device
it may choose, so a device without a model is profiled first when this machine has it and refused
otherwise, naming the device and the flag that fixes it.
"""

from __future__ import annotations

import shutil
from typing import Any

from hyperpower.config import ExperimentConfig
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.metrics import HARDWARE_METRICS
from hyperpower.optimize.device_models import device_model_key, split_model_key



def devices_to_profile(config: ExperimentConfig, loaded: Any, here: list[str]) -> list[str]:
    """``metric@device`` keys an aware run profiles before its first job (devices this machine
    has); ConfigError for a device without a model that is not here."""
    if not config.settings.search.aware:
        return []
    keys = []
    for metric, devices in loaded.missing_devices.items():
        if metric not in HARDWARE_METRICS:
            continue
        for device in devices:
            if device not in here:
                raise ConfigError(
                    f"the aware method {config.settings.search.method} checks the {metric} budget before training, on every "
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

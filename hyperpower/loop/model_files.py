"""The a-priori models a run uses: where each model file comes from, and whether it still fits.

A model of a budget metric (or of a hardware objective of several) is, first found wins, the one
``--model METRIC=FILE`` or the config's ``models`` names, else the tool's own
``EXP/models/METRIC.json``. A run that chooses the device (issue 14) has one model per metric and
device: ``--model METRIC@DEVICE=FILE``, then ``--model METRIC=FILE`` (the user's statement that one
model fits every device), then ``EXP/models/METRIC@DEVICE.json``. Each model is checked against the
template's structural variables (``hardware.provenance``): the tool's own stale file is left out
(the run profiles again), a stale file the user named is refused.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

from hyperpower.config import ExperimentConfig
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.generate import modelled_objectives
from hyperpower.metrics import HARDWARE_METRICS
from hyperpower.optimize.device_models import PerDeviceModel, device_model_key


def model_sources(paths: ExperimentPaths, config: ExperimentConfig) -> dict[str, Any]:
    """metric -> model file path or inline model: the config's ``models``, else EXP/models/<metric>.json."""
    sources: dict[str, Any] = {}
    for metric in [*config.settings.budgets.limits, *modelled_objectives(config.settings)]:
        given = config.settings.budgets.models.get(metric)
        if isinstance(given, str):
            path = Path(given)
            sources[metric] = path if path.is_absolute() else paths.root / path
        elif given is not None:
            sources[metric] = given
        elif (paths.models_dir / f"{metric}.json").is_file():
            sources[metric] = paths.models_dir / f"{metric}.json"
    return sources


@dataclasses.dataclass
class LoadedModels:
    """The budget metrics' models a run may use, and what was found about the others.

    stale: metric -> why the tool's own ``EXP/models/<metric>.json`` (found there, not named by
    ``--model`` or the config's ``models``) no longer fits the template; it is left out, so the
    caller profiles again exactly as for a missing model. warnings: one line per model used
    without provenance to check (hand-written, or profiled by an older HyperPower).
    """

    models: dict[str, Any]
    stale: dict[str, str] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: metric -> devices of the run with no model of it (``--devices``; those metrics have no entry in ``models``)
    missing_devices: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def load_models(paths: ExperimentPaths, config: ExperimentConfig,
                feature_function_factory: Callable[[], Any] | None = None) -> LoadedModels:
    """The a-priori models of the budget metrics that have one (LinearModel per metric), each
    checked against the template's structural variables (``hardware.provenance``).

    The rule for a model that no longer fits the template: the tool's own file found at
    ``EXP/models/<metric>.json`` is stale (left out: the run profiles again); a file the user
    named is refused (ConfigError naming the variable and the command to re-profile), since it
    may come from another machine and must not be silently replaced by one profiled here."""
    loaded = LoadedModels(models={})
    if config.settings.devices.options:  # one model per device and metric (issue 14)
        return load_device_models(paths, config, loaded, lambda key, source, check, own: _load_one(
            paths, config, key, source, check, own, loaded, feature_function_factory))
    sources = model_sources(paths, config)
    check = _provenance_checker(paths) if sources else None
    for metric, source in sources.items():
        model = _load_one(paths, config, metric, source, check, _is_own_model_file(paths, config, metric, source),
                          loaded, feature_function_factory)
        if model is not None:
            loaded.models[metric] = model
    return loaded


def _load_one(paths: ExperimentPaths, config: ExperimentConfig, key: str, source: Any, check: Any, own: bool,
              loaded: "LoadedModels", feature_function_factory: Callable[[], Any] | None) -> Any:
    """One model file (``key``: its metric, or ``metric@device``), checked against the template;
    None when it is the tool's own file and stale (the reason kept in ``loaded.stale``)."""
    from hyperpower.optimize import load_linear_model

    metric = key.partition("@")[0]
    model = load_linear_model(source)
    if model.missing_features(config.space) and feature_function_factory is not None:
        model = load_linear_model(source, feature_function_factory())
    if model.metric != metric:
        raise ConfigError(f"model {source} is a model of {model.metric!r}, not of the budget metric {metric!r}")
    where = str(source) if isinstance(source, Path) else "the config's inline model"
    verdict = check(model, where) if check is not None else None
    if verdict is not None and verdict.verdict == "mismatch":
        if own:
            loaded.stale[key] = f"{where} no longer fits the template: {verdict.reason_text}"
            return None
        raise ConfigError(_refusal(paths, metric, where, verdict))
    if verdict is not None and verdict.verdict == "unknown":
        loaded.warnings.append(_unknown_provenance_warning(paths, metric, where, model, verdict.fitted_on))
    return model


def _provenance_checker(paths: ExperimentPaths) -> Callable[[Any, str], Any] | None:
    """``(model, where) -> ProvenanceCheck`` against the experiment's template (None without one:
    a plain Spearmint folder, or a HyperPower folder holding only its generated config).
    Structural detection (two builds per unflagged variable) runs at most once per variable."""
    if paths.layout != "hyperpower" or not paths.template.is_file():
        return None
    from hyperpower.hardware.provenance import check_model
    from hyperpower.hardware.structure import detect_structural, keras_signature_function
    from hyperpower.template import parse_template

    template = parse_template(paths.template)
    detected: dict[str, bool] = {}

    def detect(names):
        todo = [name for name in names if name not in detected]
        if todo:
            detected.update(detect_structural(template.space, keras_signature_function(template), todo))
        return {name: detected[name] for name in names}

    return lambda model, where: check_model(model, template, detect, where)


def _is_own_model_file(paths: ExperimentPaths, config: ExperimentConfig, metric: str, source: Any) -> bool:
    """EXP/models/<metric>.json found by default, the file ``profile`` writes (and may rewrite)."""
    return metric not in config.settings.budgets.models and isinstance(source, Path) and \
        source == paths.models_dir / f"{metric}.json"


def _refusal(paths: ExperimentPaths, metric: str, where: str, verdict: Any) -> str:
    fitted = ", ".join(verdict.fitted_on) or "none"
    return (f"{where}: the {metric} model (given by --model or the config's models; fitted on structural "
            f"variables {fitted}) does not fit the template {paths.template}: {verdict.reason_text}. Its "
            f"predictions would ignore that, so it is not used. Re-profile with `hyperpower profile {paths.root}` "
            f"(on the device the budget is for; it writes {paths.models_dir / (metric + '.json')}) and give that "
            f"file with --model {metric}=FILE")


def _unknown_provenance_warning(paths: ExperimentPaths, metric: str, where: str, model: Any,
                                structural: list[str]) -> str:
    checked = ("its network features cannot be checked against the template's structural variables"
               if model.feature_set == "network" or model.feature_function is not None else
               f"its features cover the structural variables ({', '.join(structural) or 'none'}), but a change "
               "of their ranges cannot be seen")
    return (f"hyperpower: warning: {where}: the {metric} model records no template provenance (hand-written, or "
            f"profiled by an older HyperPower); {checked}. `hyperpower profile {paths.root}` writes one that does")


def device_model_sources(paths: ExperimentPaths, config: ExperimentConfig, metric: str) -> dict[str, tuple[Any, bool]]:
    """device -> (model file path or inline model, whether it is the tool's own file), for the
    devices that have one."""
    given = config.settings.budgets.models
    sources: dict[str, tuple[Any, bool]] = {}
    for device in config.settings.devices.options:
        entry = given.get(device_model_key(metric, device), given.get(metric))
        if isinstance(entry, str):
            path = Path(entry)
            sources[device] = (path if path.is_absolute() else paths.root / path, False)
        elif entry is not None:
            sources[device] = (entry, False)
        elif (paths.models_dir / f"{device_model_key(metric, device)}.json").is_file():
            sources[device] = (paths.models_dir / f"{device_model_key(metric, device)}.json", True)
    return sources


def load_device_models(paths: ExperimentPaths, config: ExperimentConfig, loaded: LoadedModels,
                       load_one: Callable[[str, Any, Any, bool], Any]) -> LoadedModels:
    """Fill ``loaded``: a ``PerDeviceModel`` per budget metric whose
    every device has a usable model; the devices lacking one in ``loaded.missing_devices``."""
    check = _provenance_checker(paths)
    for metric in config.settings.budgets.limits:
        models = {}
        for device, (source, own) in device_model_sources(paths, config, metric).items():
            model = load_one(device_model_key(metric, device), source, check, own)
            if model is not None:
                models[device] = model
        missing = [device for device in config.settings.devices.options if device not in models]
        if not missing:
            loaded.models[metric] = PerDeviceModel(metric, config.settings.devices.variable, models)
        elif metric in HARDWARE_METRICS or models:
            loaded.missing_devices[metric] = missing
    return loaded

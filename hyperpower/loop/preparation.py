"""Everything `hyperpower run` settles before the first suggestion.

The effective config (generated from the template, or a plain Spearmint config with the command
line's settings), the config snapshot the job processes read, the store, and the a-priori hardware
models. Budgets that nothing here can measure and no model covers are refused here, before any
job is queued.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable

from hyperpower.config import ExperimentConfig, config_to_json
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.generate import GenerateOptions, build_config, effective_store_uri, generate_config, normalize_store_uri

HARDWARE_METRICS = ("power", "memory", "latency", "energy")


@dataclasses.dataclass
class PreparedRun:
    config: ExperimentConfig
    config_path: Path  # the snapshot job processes read
    store_uri: str


def prepare_config(paths: ExperimentPaths, options: GenerateOptions, device: str | None = None) -> PreparedRun:
    """HyperPower folders get spearmint/config.json (re)generated; a plain Spearmint config.json is
    the user's file and is never rewritten: the effective config goes to the run snapshot only.
    ``device`` (``--device``) is a setting of this run, kept in the snapshot only."""
    if paths.layout == "hyperpower":
        config, _ = generate_config(paths, options)
    else:
        config = build_config(paths, options)
    if device:
        config.settings.device = device
    paths.output_dir.mkdir(parents=True, exist_ok=True)
    snapshot = paths.output_dir / "run_config.json"
    snapshot.write_text(json.dumps(config_to_json(config), indent=2) + "\n")
    uri = normalize_store_uri(options.store) if options.store else effective_store_uri(paths, config.settings)
    return PreparedRun(config=config, config_path=snapshot, store_uri=uri)


def model_sources(paths: ExperimentPaths, config: ExperimentConfig) -> dict[str, Any]:
    """metric -> model file path or inline model: the config's ``models``, else EXP/models/<metric>.json."""
    sources: dict[str, Any] = {}
    for metric in config.settings.budgets:
        given = config.settings.models.get(metric)
        if isinstance(given, str):
            path = Path(given)
            sources[metric] = path if path.is_absolute() else paths.root / path
        elif given is not None:
            sources[metric] = given
        elif (paths.models_dir / f"{metric}.json").is_file():
            sources[metric] = paths.models_dir / f"{metric}.json"
    return sources


def load_models(paths: ExperimentPaths, config: ExperimentConfig,
                feature_function_factory: Callable[[], Any] | None = None) -> dict[str, Any]:
    """The a-priori models of the budget metrics that have one (LinearModel per metric)."""
    from hyperpower.optimize import load_linear_model

    models = {}
    for metric, source in model_sources(paths, config).items():
        model = load_linear_model(source)
        if model.missing_features(config.space) and feature_function_factory is not None:
            model = load_linear_model(source, feature_function_factory())
        if model.metric != metric:
            raise ConfigError(f"model {source} is a model of {model.metric!r}, not of the budget metric {metric!r}")
        models[metric] = model
    return models


def metrics_needing_models(config: ExperimentConfig, models: dict[str, Any]) -> list[str]:
    """Aware HyperPower runs check every hardware budget a priori, so each needs a model."""
    if not config.settings.aware:
        return []
    return [m for m in config.settings.budgets if m in HARDWARE_METRICS and m not in models]


def resolve_percentile_budgets(paths: ExperimentPaths, options: GenerateOptions, device: str | None,
                               output: Callable[[str], None] = print) -> None:
    """Turn ``--budget memory=p50`` into a value: the 50th percentile of the memory model's
    predictions over the search space, so about half of the space is predicted feasible whatever
    this machine's baseline is. Profiles first when the metric has no model. Updates ``options``."""
    import numpy as np

    from hyperpower.store import open_store
    from hyperpower.units import format_value

    if paths.layout != "hyperpower":
        raise ConfigError(f"{paths.root} is a plain Spearmint folder: percentile budgets need a HyperPower template")
    base = build_config(paths, dataclasses.replace(options, budgets=None, budget_percentiles=None))
    metrics = list(options.budget_percentiles)
    probe = dataclasses.replace(base, settings=dataclasses.replace(
        base.settings, budgets={m: 0.0 for m in metrics}, models={**base.settings.models, **(options.models or {})}))
    factory = template_feature_function_factory(paths)
    missing = [m for m in metrics if m not in load_models(paths, probe, factory)]
    if missing:
        from hyperpower.hardware.profile import profile_for_run

        output(f"hyperpower: no model for {', '.join(missing)}: profiling {paths.root.name} to set the percentile budget")
        uri = normalize_store_uri(options.store) if options.store else effective_store_uri(paths, base.settings)
        with open_store(uri) as store:
            profile_for_run(paths, base, store, missing, device=device)
    models = load_models(paths, probe, factory)
    rng = np.random.default_rng(base.settings.seed)
    resolved = dict(options.budgets or {})
    for metric, percentile in options.budget_percentiles.items():
        model = models[metric]
        points = base.space.sample(rng, 64 if model.missing_features(base.space) else 4096)
        resolved[metric] = float(np.percentile(model.predict_unit(base.space, points), percentile))
        output(f"hyperpower: budget {metric}=p{percentile:g} -> {format_value(metric, resolved[metric])} "
               f"({percentile:g}% of the space is predicted to fit, model {model.metric} on {model.device or 'this machine'})")
    options.budgets, options.budget_percentiles = resolved, None


def template_feature_function_factory(paths: ExperimentPaths) -> Callable[[], Any]:
    """Models on computed network features need the template to build each configuration."""
    from hyperpower.hardware.features import feature_function_for
    from hyperpower.template import parse_template

    return lambda: feature_function_for(parse_template(paths.template))

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


def load_models(paths: ExperimentPaths, config: ExperimentConfig,
                feature_function_factory: Callable[[], Any] | None = None) -> LoadedModels:
    """The a-priori models of the budget metrics that have one (LinearModel per metric), each
    checked against the template's structural variables (``hardware.provenance``).

    The rule for a model that no longer fits the template: the tool's own file found at
    ``EXP/models/<metric>.json`` is stale (left out: the run profiles again); a file the user
    named is refused (ConfigError naming the variable and the command to re-profile), since it
    may come from another machine and must not be silently replaced by one profiled here."""
    from hyperpower.optimize import load_linear_model

    loaded = LoadedModels(models={})
    sources = model_sources(paths, config)
    check = _provenance_checker(paths) if sources else None
    for metric, source in sources.items():
        model = load_linear_model(source)
        if model.missing_features(config.space) and feature_function_factory is not None:
            model = load_linear_model(source, feature_function_factory())
        if model.metric != metric:
            raise ConfigError(f"model {source} is a model of {model.metric!r}, not of the budget metric {metric!r}")
        where = str(source) if isinstance(source, Path) else "the config's inline model"
        verdict = check(model, where) if check is not None else None
        if verdict is not None and verdict.verdict == "mismatch":
            if _is_own_model_file(paths, config, metric, source):
                loaded.stale[metric] = f"{where} no longer fits the template: {verdict.reason_text}"
                continue
            raise ConfigError(_refusal(paths, metric, where, verdict))
        if verdict is not None and verdict.verdict == "unknown":
            loaded.warnings.append(_unknown_provenance_warning(paths, metric, where, model, verdict.fitted_on))
        loaded.models[metric] = model
    return loaded


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
    return metric not in config.settings.models and isinstance(source, Path) and \
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


def metrics_needing_models(config: ExperimentConfig, models: dict[str, Any]) -> list[str]:
    """Aware HyperPower runs check every hardware budget a priori, so each needs a model."""
    if not config.settings.aware:
        return []
    return [m for m in config.settings.budgets if m in HARDWARE_METRICS and m not in models]


def resolve_percentile_budgets(paths: ExperimentPaths, options: GenerateOptions, device: str | None,
                               output: Callable[[str], None] = print) -> None:
    """Turn ``--budget memory=p50`` into a value: the 50th percentile of the memory model's
    predictions over the search space, so about half of the space is predicted feasible whatever
    this machine's baseline is. The predictions are those of a fixed sample of the space
    (``space_predictions``), so the budget does not move with ``--seed``. Profiles first when the
    metric has no usable model. Updates ``options``."""
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
    first = load_models(paths, probe, factory)
    missing = [m for m in metrics if m not in first.models]
    if missing:
        from hyperpower.hardware.profile import profile_for_run

        for why in first.stale.values():
            output(f"hyperpower: {why}")
        output(f"hyperpower: no usable model for {', '.join(missing)}: profiling {paths.root.name} to set the "
               "percentile budget")
        uri = normalize_store_uri(options.store) if options.store else effective_store_uri(paths, base.settings)
        with open_store(uri) as store:
            profile_for_run(paths, base, store, missing, device=device)
    loaded = load_models(paths, probe, factory)  # its warnings are `run`'s to print, once
    resolved = dict(options.budgets or {})
    for metric, percentile in options.budget_percentiles.items():
        model = loaded.models[metric]
        resolved[metric] = float(np.percentile(space_predictions(model, base.space), percentile))
        output(f"hyperpower: budget {metric}=p{percentile:g} -> {format_value(metric, resolved[metric])} "
               f"({percentile:g}% of the space is predicted to fit, model {model.metric} on {model.device or 'this machine'})")
    options.budgets, options.budget_percentiles = resolved, None


#: percentile budgets and the budget-coverage lines read the same fixed sample of the space, so
#: that neither moves with --seed and "p50" is a budget of which the coverage line says 50%
COVERAGE_SEED = 2018
COVERAGE_POINTS = 4096
#: a network-feature model builds a network per distinct structure (~0.3 s each on a CPU)
COVERAGE_POINTS_BUILT = 64


def space_predictions(model: Any, space: Any) -> Any:
    """(n,) predictions of ``model`` on a fixed uniform sample of ``space`` (seed COVERAGE_SEED)."""
    import numpy as np

    rng = np.random.default_rng(COVERAGE_SEED)
    count = COVERAGE_POINTS_BUILT if model.feature_function is not None else COVERAGE_POINTS
    return model.predict_unit(space, space.sample(rng, count))


def budget_coverage_lines(config: ExperimentConfig, models: dict[str, Any]) -> list[str]:
    """``memory <= 1000 MB: 100% of the space is predicted to fit (the budget constrains nothing)``,
    one line per budget with a model: what an absolute budget means for this search space."""
    from hyperpower.optimize.optimizer import safe_threshold
    from hyperpower.units import format_value

    lines = []
    for metric, budget in config.settings.budgets.items():
        if metric not in models or budget is None:
            continue
        model = models[metric]
        predictions = space_predictions(model, config.space)
        line = f"hyperpower: budget {metric} <= {format_value(metric, budget)}: {_coverage_text(predictions, budget)}"
        threshold = safe_threshold(budget, model, float(config.settings.model_margin))
        if threshold < budget:
            line += (f"; under --model-margin {config.settings.model_margin:g} (predictions <= "
                     f"{format_value(metric, threshold)}): {_percent(float((predictions <= threshold).mean()))}")
        lines.append(line + f" [model {_model_label(model)}, {len(predictions)} sampled configurations]")
    return lines


def _coverage_text(predictions: Any, budget: float) -> str:
    fraction = float((predictions <= budget).mean())
    if fraction >= 1.0:
        return "100% of the space is predicted to fit (the budget constrains nothing)"
    if fraction <= 0.0:
        return ("0% of the space is predicted to fit (no sampled configuration: an aware search has nothing "
                "to suggest; raise the budget)")
    return f"{_percent(fraction)} of the space is predicted to fit"


def _percent(fraction: float) -> str:
    """0.003 -> '0.3%', 0.5 -> '50%', 0.9999 -> '>99.9%' (never rounds up to a false 100%)."""
    percent = 100.0 * fraction
    if 99.9 < percent < 100.0:
        return ">99.9%"
    return (f"{percent:.2g}" if percent < 1 else f"{percent:.1f}".rstrip("0").rstrip(".")) + "%"


def _model_label(model: Any) -> str:
    return f"{model.feature_set or 'hyperparameters'} on {model.device or 'this machine'}"


def template_feature_function_factory(paths: ExperimentPaths) -> Callable[[], Any]:
    """Models on computed network features need the template to build each configuration."""
    from hyperpower.hardware.features import feature_function_for
    from hyperpower.template import parse_template

    return lambda: feature_function_for(parse_template(paths.template))

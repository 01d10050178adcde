"""Build or refresh ``spearmint/config.json`` from the template and the command-line options.

Regenerating is idempotent (same options, byte-identical file) and keeps every setting of an
existing config that the command line does not give, so ``hyperpower run EXP`` after
``hyperpower generate EXP --budget memory=200MB`` still runs with that budget. Everything is
validated before anything is written: on error the old config stays as it was.

Variables come from the template's tokens in file order; a ``structural`` flag is copied only
when the template states it (detection by building the model belongs to profiling, not here).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from hyperpower.config import ExperimentConfig, Task, config_from_json, load_experiment_config, read_config_json, save_config
from hyperpower.settings.budgets import check_budget_tightening
from hyperpower.settings.measurement import check_profile_samples
from hyperpower.settings.objectives import OBJECTIVE_SPLITS
from hyperpower.settings.search import METHODS, MULTI_OBJECTIVE_METHODS, SINGLE_OBJECTIVE_METHODS
from hyperpower.settings.section import (HyperPowerSettings, check_method_fits, check_settings_schedule, default_method,
                                         with_changes)
from hyperpower.settings.training import KEEP_MODELS
from hyperpower.errors import ConfigError, StoreError
from hyperpower.experiment import ExperimentPaths
from hyperpower.metrics import HARDWARE_METRICS, SELECTABLE_METRICS
from hyperpower.template import parse_template

MAIN_FILE = "hyperpower.py"


@dataclasses.dataclass
class GenerateOptions:
    """Settings from the command line; ``None`` means "not given: keep the existing value".

    budgets: metric -> budget in the metric's canonical unit (design §5); given budgets replace
        the whole set ({} drops every budget). In a plain Spearmint folder a budget may name any
        task the main-file returns.
    max_time_s: seconds; ``math.inf`` removes the time limit (``--max-time none``).
    models: metric -> model file (design §7) of a budget metric, or of a hardware objective when
        there are several objectives; given entries replace those metrics only.
    optimize: the objective, or several in order (``--optimize`` repeated).
    reference: objective -> value of a fixed hypervolume reference point (every objective).
    """

    optimize: str | list[str] | None = None
    budgets: dict[str, float] | None = None
    budget_percentiles: dict[str, float] | None = None
    method: str | None = None
    aware: bool | None = None
    epochs: int | None = None
    max_evals: int | None = None
    max_time_s: float | None = None
    store: str | None = None
    models: dict[str, str] | None = None
    seed: int | None = None
    model_margin: float | None = None
    violation_rate: float | None = None
    models_fixed: bool | None = None  # --models-fixed / --models-learn
    objective_split: str | None = None
    keep_models: str | None = None
    profile_samples: int | None = None
    reference: dict[str, float] | None = None
    scheduler: str | None = None  # "none" removes a saved scheduler
    min_epochs: int | None = None
    max_epochs: int | None = None
    eta: int | None = None
    devices: list[str] | None = None  # --devices: the device becomes a search variable
    prices: dict[str, float] | None = None  # --price DEVICE=PRICE (currency per hour); replace the set
    transfer_from: list[str] | None = None  # --transfer-from EXP...: warm-start from finished experiments


def generate_config(paths: ExperimentPaths, options: GenerateOptions) -> tuple[ExperimentConfig, bool]:
    """Write ``paths.config`` from the template (or refresh a Spearmint config's settings).

    Returns the config and whether the file changed. Raises ConfigError/TemplateError, writing
    nothing, when the template, an existing config or an option is invalid.
    """
    if options.budget_percentiles:
        given = ", ".join(f"{m}=p{p:g}" for m, p in options.budget_percentiles.items())
        raise ConfigError(f"--budget {given}: percentile budgets are resolved from the hardware models by "
                          f"`hyperpower run`, which profiles first when a model is missing; give "
                          f"`generate` a value with a unit instead (e.g. memory=300MB)")
    if paths.layout == "spearmint":
        raise ConfigError(f"{paths.root} is a plain Spearmint folder: its {paths.config} is the user's file and is "
                          f"never rewritten, and there is no template to generate from; give the settings to "
                          f"`hyperpower run` (they apply to that run, recorded in output/run_config.json)")
    config = build_config(paths, options)
    changed = save_config(config, paths.config)
    return config, changed


def build_config(paths: ExperimentPaths, options: GenerateOptions) -> ExperimentConfig:
    """The config ``generate_config`` would write, without writing it (``run`` may use this)."""
    if paths.layout == "spearmint":
        return _refresh_spearmint(paths, options)
    template = parse_template(paths.template)  # the source of truth: its errors come first
    existing = load_experiment_config(paths) if paths.config.is_file() else None
    settings = existing.settings.copy() if existing else HyperPowerSettings()
    _apply_options(paths, settings, options)
    config = ExperimentConfig(
        name=paths.name,  # the folder names a HyperPower experiment: a copy is an experiment of its own
        space=apply_device_options(template.space, settings, options, template.device_token),
        tasks=tasks_for(settings),
        settings=settings,
        main_file=MAIN_FILE,
        language="PYTHON",
        polling_time=existing.polling_time if existing else 1.0,
    )
    config.database = {"name": config.name, "address": effective_store_uri(paths, settings)}
    return config


def tasks_for(settings: HyperPowerSettings) -> dict[str, Task]:
    """The objectives in order (GAUSSIAN: training and measurements are noisy) and one NOISELESS
    constraint per budget."""
    tasks = {name: Task(name, "OBJECTIVE", "GAUSSIAN") for name in settings.objectives.names}
    for metric, budget in settings.budgets.limits.items():
        tasks[metric] = Task(metric, "CONSTRAINT", "NOISELESS", budget)
    return tasks


def effective_store_uri(paths: ExperimentPaths, settings: HyperPowerSettings) -> str:
    """The store the experiment uses: its ``hyperpower.store`` setting, else EXP/hyperpower.sqlite."""
    return settings.store or paths.default_store_uri


def _refresh_spearmint(paths: ExperimentPaths, options: GenerateOptions) -> ExperimentConfig:
    """A plain Spearmint folder keeps its variables and tasks; ``--budget`` bounds (or adds) a
    CONSTRAINT task of that name; the other options are HyperPower settings of this run."""
    if options.optimize is not None:
        raise ConfigError(f"{paths.root} is a plain Spearmint folder: its objective is the OBJECTIVE task in "
                          f"{paths.config}; --optimize applies to HyperPower templates only")
    data = read_config_json(paths.config)
    config = config_from_json(data, str(paths.config), default_name=paths.name)
    if options.budgets is not None:
        budgets = _check_budgets(options.budgets, any_name=True)
        for name, value in budgets.items():
            task = config.tasks.get(name)
            if task is not None and task.type == "OBJECTIVE":
                raise ConfigError(f"--budget {name}={value:g} names the OBJECTIVE task {name!r} of {paths.config}; a "
                                  f"task is either minimized or bounded: bound a CONSTRAINT task or another value "
                                  f"the main-file returns")
        section = data.get("hyperpower") if isinstance(data.get("hyperpower"), dict) else {}
        data = {**data, "hyperpower": {**section, "budgets": budgets}}
        config = config_from_json(data, str(paths.config), default_name=paths.name)
    settings = config.settings.copy()
    _apply_options(paths, settings, dataclasses.replace(options, budgets=None))
    space = apply_device_options(config.space, settings, options, None)
    return dataclasses.replace(config, settings=settings, space=space)


def apply_device_options(space, settings: HyperPowerSettings, options: GenerateOptions, device_token: str | None):
    """The search space with the device variable (``hyperpower.devices``): a template's DEVICE
    token names it and lists its options, ``--devices`` replaces the options (or adds the
    variable ``device``), a config that has one keeps it. Prices must name devices of the list."""
    from hyperpower.devices import DEVICE_VARIABLE, parse_device_list, with_device_variable

    if device_token and not settings.devices.variable:
        settings.devices.variable = device_token
    if device_token and not options.devices and not settings.devices.options:
        settings.devices.options = list(space[device_token].options)
    if options.devices is not None:
        settings.devices.options = parse_device_list(options.devices)
        settings.devices.variable = settings.devices.variable or DEVICE_VARIABLE
        if settings.devices.variable in space.names and settings.devices.variable != device_token and \
                space[settings.devices.variable].structural is not False:
            raise ConfigError(f"--devices: the search space already has a variable {settings.devices.variable!r} "
                              f"that is not a device variable; rename it")
    if options.prices is not None:
        settings.devices.prices = dict(options.prices)
    per_device = [key for key in settings.budgets.models if "@" in key and key.partition("@")[2] not in settings.devices.options]
    if per_device:
        key = per_device[0]
        raise ConfigError(f"--model {key}=...: device {key.partition('@')[2]!r} is not among the devices of this run "
                          f"({', '.join(settings.devices.options) or 'none: give --devices'}); a per-device model needs its device "
                          f"in --devices")
    if settings.devices.options:
        unknown = sorted(set(settings.devices.prices) - set(settings.devices.options))
        if unknown:
            raise ConfigError(f"--price {unknown[0]}=...: device {unknown[0]!r} is not among the devices of this run "
                              f"({', '.join(settings.devices.options)}); give it in --devices or drop the price")
        return with_device_variable(space, settings.devices.options, settings.devices.variable)
    return space


def _apply_options(paths: ExperimentPaths, settings: HyperPowerSettings, options: GenerateOptions) -> None:
    """Validate each given option and set it; the order keeps error messages about one flag."""
    if options.optimize is not None:
        settings.objectives.names = _check_objectives(options.optimize)
        if set(settings.objectives.reference) != set(settings.objectives.names):
            settings.objectives.reference = {}  # a kept reference point belongs to the objectives it names
    if options.budgets is not None:
        settings.budgets.limits = _check_budgets(options.budgets)
    for name in settings.objectives.names:
        if name in settings.budgets.limits:
            raise ConfigError(_objective_and_budget(paths, name, settings, options))
    if options.method is not None:
        settings.search.method = _check_choice(options.method, METHODS, "--method")
    elif options.optimize is not None and _method_fits_other_count(settings):
        settings.search.method = default_method(settings)  # --optimize changed the count: a kept method follows it
    check_method_fits(settings, objectives_from=_objectives_source(paths, options))
    if options.reference is not None:
        settings.objectives.reference = check_reference(options.reference, settings.objectives.names)
    if options.aware is not None:
        settings.search.aware = bool(options.aware)
    if options.epochs is not None:
        settings.training.epochs = _check_positive_int(options.epochs, "--epochs")
    if options.max_evals is not None:
        settings.search.max_evals = _check_positive_int(options.max_evals, "--max-evals")
    if options.max_time_s is not None:
        if options.max_time_s == math.inf:
            settings.search.max_time_s = None
        elif not math.isfinite(options.max_time_s) or options.max_time_s <= 0:
            raise ConfigError(f"--max-time must be a positive duration (or none), got {options.max_time_s!r} s")
        else:
            settings.search.max_time_s = float(options.max_time_s)
    if options.seed is not None:
        if isinstance(options.seed, bool) or not isinstance(options.seed, int) or options.seed < 0:
            raise ConfigError(f"--seed must be a non-negative integer, got {options.seed!r}")
        settings.search.seed = options.seed
    if options.model_margin is not None or options.violation_rate is not None:
        margin = settings.budgets.margin if options.model_margin is None else options.model_margin
        rate = settings.budgets.violation_rate if options.violation_rate is None else options.violation_rate
        check_budget_tightening(margin, rate)  # a saved margin counts: the config keeps both
        settings.budgets.margin, settings.budgets.violation_rate = float(margin), float(rate)
    if options.models_fixed is not None:
        settings.budgets.models_fixed = bool(options.models_fixed)
    if options.objective_split is not None:
        settings.objectives.split = _check_choice(options.objective_split, OBJECTIVE_SPLITS, "--objective-split")
    if options.keep_models is not None:
        settings.training.keep_models = _check_choice(options.keep_models, KEEP_MODELS, "--keep-models")
    if options.profile_samples is not None:
        settings.measurement.profile_samples = check_profile_samples(options.profile_samples)
    if options.transfer_from is not None:
        settings.transfer.sources = list(options.transfer_from)
    if options.store is not None:
        settings.store = normalize_store_uri(options.store)
    _apply_schedule(settings, options)
    if options.models:
        bounded = {*settings.budgets.limits, *(options.budget_percentiles or {}), *modelled_objectives(settings)}
        unbounded = [metric for metric in options.models if metric.partition("@")[0] not in bounded]
        if unbounded:
            metric = unbounded[0]
            raise ConfigError(f"--model {metric}={options.models[metric]}: {metric!r} has no budget, so its model "
                              f"would not be used; give --budget {metric}=VALUE with it (budgets of this run: "
                              f"{', '.join(sorted(bounded)) or 'none'})")
        settings.budgets.models = {**settings.budgets.models, **_check_models(paths, options.models)}
        settings.budgets.models = dict(sorted(settings.budgets.models.items(), key=lambda item: _metric_order(item[0])))


def _objectives_source(paths: ExperimentPaths, options: GenerateOptions) -> str:
    """Where the objectives of this run come from when no --optimize gave them."""
    if options.optimize is not None:
        return ""
    if paths.layout == "spearmint":
        return f"the OBJECTIVE tasks of {paths.config}"
    return f"kept in {paths.config} as hyperpower.objective" if paths.config.is_file() else ""


def _objective_and_budget(paths: ExperimentPaths, name: str, settings: HyperPowerSettings,
                          options: GenerateOptions) -> str:
    """A metric both minimized and bounded: say where each setting came from (a flag of this
    command, or kept in config.json by an earlier one, e.g. ``./run_tool.sh``'s budget) and the
    flag that drops the one the user did not give now."""
    from hyperpower.units import format_value

    kept = f"kept in {paths.config}"
    names = settings.objectives.names
    objective = f"--optimize {name}" if options.optimize is not None else \
        f"{kept} as hyperpower.objective = {json.dumps(names[0] if len(names) == 1 else names)}"
    budget = f"--budget {name}={format_value(name, settings.budgets.limits[name])}" if options.budgets is not None else \
        f"{kept} as hyperpower.budgets.{name} = {settings.budgets.limits[name]:g}, set by an earlier generate or run"
    if options.optimize is not None and options.budgets is None:
        way_out = ("drop the kept budgets with --no-budgets, or give the budgets this run keeps with --budget "
                   "(given budgets replace the kept ones), or optimize another metric")
    elif options.optimize is None and options.budgets is not None:
        way_out = "give the objective with --optimize (e.g. --optimize error), or bound another metric"
    else:
        way_out = "drop one of the two"
    return (f"metric {name!r} is both the objective ({objective}) and a budget ({budget}); a metric is either "
            f"minimized or bounded: {way_out}")


def _check_objectives(optimize: str | list[str]) -> list[str]:
    names = [optimize] if isinstance(optimize, str) else list(optimize)
    checked = [_check_metric(name, "--optimize") for name in names]
    for name in checked:
        if checked.count(name) > 1:
            raise ConfigError(f"--optimize {name} is given twice; each objective once (--optimize error "
                              f"--optimize power)")
    return checked


def _method_fits_other_count(settings: HyperPowerSettings) -> bool:
    """The kept method is one of the other objective count's (HW-IECI kept from a one-objective run
    now given several, or EHVI kept from several now given one)."""
    several = len(settings.objectives.names) > 1
    return settings.search.method in (SINGLE_OBJECTIVE_METHODS if several else MULTI_OBJECTIVE_METHODS)


def modelled_objectives(settings: HyperPowerSettings) -> list[str]:
    """Hardware objectives of a multi-objective run: each has an a-priori model like a budget,
    which aware methods evaluate instead of learning it."""
    names = settings.objectives.names
    return [name for name in names if name in HARDWARE_METRICS] if len(names) > 1 else []


def check_reference(reference: dict[str, float], objectives: list[str], flag: str = "--reference") -> dict[str, float]:
    """A fixed reference point of a run names every objective once, with a finite value."""
    unknown = [name for name in reference if name not in objectives]
    if unknown:
        raise ConfigError(f"{flag} {unknown[0]}={reference[unknown[0]]:g}: {unknown[0]!r} is not an objective of this "
                          f"run (objectives: {', '.join(objectives)}); a reference point gives a value per objective")
    if len(objectives) < 2:
        raise ConfigError(f"{flag}: a hypervolume reference point needs two or more objectives; this run minimizes "
                          f"{objectives[0]!r} only")
    missing = [name for name in objectives if name not in reference]
    if missing:
        raise ConfigError(f"{flag}: a fixed reference point needs a value for every objective "
                          f"({', '.join(objectives)}); missing {', '.join(missing)} (without --reference the run "
                          f"takes the default rule: each objective's worst feasible value plus 10% of its range)")
    for name, value in reference.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{flag} {name}={value!r}: not a finite number")
    return {name: float(reference[name]) for name in objectives}


def _apply_schedule(settings: HyperPowerSettings, options: GenerateOptions) -> None:
    """``--scheduler --min-epochs --max-epochs --eta``, checked together (``check_settings_schedule``)
    against what the config keeps, before anything is set."""
    changes = {key: getattr(options, key) for key in ("scheduler", "min_epochs", "max_epochs", "eta")
               if getattr(options, key) is not None}
    if changes.get("scheduler") == "none":
        changes["scheduler"] = None
    if changes or settings.schedule.scheduler is not None:
        check_settings_schedule(with_changes(settings, schedule=changes))
    settings.schedule = settings.schedule.replaced(**changes)


def _metric_order(metric: str) -> tuple[int, str]:
    return (SELECTABLE_METRICS.index(metric) if metric in SELECTABLE_METRICS else len(SELECTABLE_METRICS), metric)


def _check_metric(metric: str, flag: str) -> str:
    if metric not in SELECTABLE_METRICS:
        raise ConfigError(f"{flag} {metric!r}: unknown metric; use one of {', '.join(SELECTABLE_METRICS)}")
    return metric


def _check_budgets(budgets: dict[str, float], any_name: bool = False) -> dict[str, float]:
    """Known metrics (any task name in a Spearmint folder, ``any_name``), finite values, positive
    for HyperPower's metrics, in the fixed metric order (so the file is stable)."""
    checked = {}
    for metric, value in budgets.items():
        if not any_name or not str(metric).strip():
            _check_metric(metric, "--budget")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or \
                (value <= 0 and metric in SELECTABLE_METRICS):
            raise ConfigError(f"--budget {metric}={value!r}: a budget must be a positive number")
        checked[metric] = float(value)
    return dict(sorted(checked.items(), key=lambda item: _metric_order(item[0])))


def _check_choice(value: str, allowed: tuple[str, ...], flag: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{flag} {value!r} is not one of {', '.join(allowed)}")
    return value


def _check_positive_int(value: int, flag: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{flag} must be a positive integer, got {value!r}")
    return value


def normalize_store_uri(uri: str) -> str:
    """Validate a store URI; a relative SQLite path becomes absolute (the config outlives the cwd)."""
    from hyperpower.store.uri import SQLITE_PREFIX, parse_store_uri

    try:
        address = parse_store_uri(uri)
    except StoreError as exc:
        raise ConfigError(f"--store: {exc}") from None
    if address.kind == "sqlite":
        return SQLITE_PREFIX + str(Path(address.target).resolve())
    return uri.strip()


def _check_models(paths: ExperimentPaths, models: dict[str, str]) -> dict[str, str]:
    """Each model file exists and is a model of that metric; stored relative to EXP when inside it."""
    checked = {}
    for metric, file in models.items():
        path = Path(file).expanduser().resolve()
        where = f"--model {metric}={file}"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{where}: no such model file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{where}: not a readable JSON model file ({exc})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: a model file holds one JSON object (metric, features, coef, intercept), "
                              f"as `hyperpower profile` writes it")
        if data.get("metric", metric.partition("@")[0]) != metric.partition("@")[0]:
            raise ConfigError(f"{where}: the file is a model of {data['metric']!r}, not {metric.partition('@')[0]!r}")
        checked[_model_key(metric, where)] = _relative_to_experiment(paths, path)
    return checked


def _model_key(key: str, where: str) -> str:
    """``power@GPU:0`` -> ``power@gpu:0`` (a per-device model, ``hyperpower.devices``); ``power`` as is."""
    metric, separator, device = key.partition("@")
    if not separator:
        return key
    from hyperpower.devices import canonical_device

    return f"{metric}@{canonical_device(device, where)}"


def _relative_to_experiment(paths: ExperimentPaths, path: Path) -> str:
    """Model paths inside the experiment are kept relative to it, so the folder can move."""
    try:
        return str(path.relative_to(paths.root))
    except ValueError:
        return str(path)

"""config.json: Spearmint's format plus a ``hyperpower`` section (design §4).

``load_config`` reads and validates a config (HyperPower or plain Spearmint) into an
``ExperimentConfig``; ``config_to_json`` writes it back in the same format, so loading and saving
round-trips. Generating a config from a template lives in ``hyperpower.generate``.

Top-level keys are read as Spearmint reads them: hyphens and spaces count as underscores
(``main-file`` = ``main_file``), task types and likelihoods in any case, a top-level
``likelihood`` for tasks that name none, no ``tasks`` meaning one objective ``main``, and
``max_finished_jobs`` as the default number of evaluations. Spearmint keys HyperPower does not use
(``acquisition``, ``grid_size``, ...) are accepted and listed in ``ExperimentConfig.ignored``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path, PurePath
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.space import SearchSpace, Variable, VariableType

METHODS = ("hw-ieci", "hw-cwei", "rand", "rand-walk", "ehvi", "pabo")
#: methods that improve one objective only (EI needs one incumbent), and those that need several
SINGLE_OBJECTIVE_METHODS = ("hw-ieci", "hw-cwei")
MULTI_OBJECTIVE_METHODS = ("ehvi", "pabo")
DEFAULT_METHOD = "hw-ieci"
#: the one place the default method of several objectives is decided (issue 12: the benchmark's winner)
DEFAULT_MULTI_OBJECTIVE_METHOD = "ehvi"
TASK_TYPES = ("OBJECTIVE", "CONSTRAINT")
LIKELIHOODS = ("GAUSSIAN", "NOISELESS")
#: which split gives the objective and stops trainings early: a validation split carved from the
#: training data (default), or the test split (the paper's setting, kept for its benchmark)
OBJECTIVE_SPLITS = ("validation", "test")
#: which jobs' trained models stay in EXP/output: the current best, every complete job, or none
KEEP_MODELS = ("best", "all", "none")
DEFAULT_TASK = "main"  # Spearmint's one objective when a config has no 'tasks'
#: top-level keys HyperPower reads, in Spearmint's normalized form (hyphens/spaces -> underscores)
_USED_KEYS = ("experiment_name", "language", "main_file", "polling_time", "likelihood", "max_finished_jobs",
              "variables", "tasks", "database", "hyperpower")
#: a task's keys HyperPower reads, normalized the same way; ``main_file``: the file whose main()
#: returns this task (Spearmint's distributed example), else the top-level one
_TASK_KEYS = ("type", "likelihood", "budget", "main_file", "language")


#: profiling samples: 40 suffice for the pairwise models' ridge fit, 30 for the paper's linear ones
DEFAULT_PROFILE_SAMPLES = 30
MIN_PROFILE_SAMPLES = 3


@dataclasses.dataclass
class Task:
    """A Spearmint task. A CONSTRAINT with a ``budget`` is feasible when value <= budget
    (HyperPower's hardware budgets); without one, when value >= 0 (Spearmint's rule)."""

    name: str
    type: str = "OBJECTIVE"
    likelihood: str = "GAUSSIAN"
    budget: float | None = None
    main_file: str | None = None  # this task's own main-file (Spearmint's per-task "main-file")

    @property
    def is_budget(self) -> bool:
        """An upper limit on a hardware metric, which an a-priori model can predict."""
        return self.budget is not None

    def is_satisfied(self, value: float) -> bool:
        if self.budget is not None:
            return value <= self.budget
        return value >= 0


@dataclasses.dataclass
class HyperPowerSettings:
    """The ``hyperpower`` section; defaults are what a plain Spearmint folder runs with."""

    objective: str = "error"
    #: every minimized objective in order (``objective`` first) when there are several; empty for
    #: one. config.json keeps them in the one ``objective`` key: a name, or a list of names
    objectives: list[str] = dataclasses.field(default_factory=list)
    budgets: dict[str, float] = dataclasses.field(default_factory=dict)
    method: str = "hw-ieci"
    aware: bool = True
    epochs: int | None = None
    early_termination: dict[str, Any] = dataclasses.field(default_factory=lambda: {"epochs": 2, "min_accuracy": None})
    max_evals: int = 30
    max_time_s: float | None = None
    initial_design: int = 3
    seed: int | None = None
    models: dict[str, Any] = dataclasses.field(default_factory=dict)
    store: str | None = None
    sigma0: float = 0.1
    job_timeout_s: float | None = None
    device: str | None = None
    model_margin: float = 0.0
    #: True: the a-priori models stay as profiled (the paper's HyperPower); False (default): each
    #: is the prior mean of a GP over its residuals and learns from the jobs' measurements
    models_fixed: bool = False
    #: calibrated budgets (``--violation-rate``): 0 off, else the accepted share allowed to measure over
    violation_rate: float = 0.0
    objective_split: str = "validation"
    keep_models: str = "best"
    #: configurations ``run`` measures when it profiles on the fly (a model is missing)
    profile_samples: int = DEFAULT_PROFILE_SAMPLES
    #: fixed hypervolume reference point of several objectives (objective -> value); empty: the
    #: default rule (worst feasible value + 10% of its range)
    reference: dict[str, float] = dataclasses.field(default_factory=dict)
    #: multi-fidelity (``hyperpower.schedule``): None trains every job for ``epochs``
    scheduler: str | None = None
    min_epochs: int = 1
    max_epochs: int | None = None  # None: ``epochs``, else the default 10
    eta: int = 3
    #: the device as a search variable (``hyperpower.devices``): its options, the variable's name,
    #: and prices in currency per hour (``cost`` = price x training hours)
    devices: list[str] = dataclasses.field(default_factory=list)
    device_variable: str | None = None
    prices: dict[str, float] = dataclasses.field(default_factory=dict)
    #: finished experiments of the same store whose results warm-start this one (``optimize.transfer``)
    transfer_from: list[str] = dataclasses.field(default_factory=list)

    def objective_names(self) -> list[str]:
        """The minimized objectives in order, the primary (``objective``) first."""
        return list(self.objectives) if len(self.objectives) > 1 else [self.objective]

    def set_objectives(self, names: list[str]) -> None:
        """One objective, or several in order; keeps ``objective`` the first of them."""
        self.objective = names[0]
        self.objectives = list(names) if len(names) > 1 else []


def method_label(settings: HyperPowerSettings) -> str:
    """``hw-ieci`` for the hardware-aware form, ``hw-ieci-unaware`` for the paper's baseline: the
    ``method`` every job records."""
    return settings.method if settings.aware else f"{settings.method}-unaware"


@dataclasses.dataclass
class ExperimentConfig:
    name: str
    space: SearchSpace
    tasks: dict[str, Task]
    settings: HyperPowerSettings
    main_file: str | None = "hyperpower.py"  # None: a Spearmint config that names none
    language: str = "PYTHON"
    polling_time: float = 1.0
    database: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: Spearmint keys of the file that HyperPower does not use (named once by ``run``; not saved)
    ignored: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    @property
    def objective_task(self) -> Task:
        return next(t for t in self.tasks.values() if t.type == "OBJECTIVE")

    @property
    def objective_tasks(self) -> list[Task]:
        """The OBJECTIVE tasks in order (several: a multi-objective experiment, Spearmint's PESM)."""
        return [t for t in self.tasks.values() if t.type == "OBJECTIVE"]

    @property
    def constraint_tasks(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.type == "CONSTRAINT"]


def _variable_from_json(name: str, spec: dict[str, Any], where: str) -> Variable:
    if not isinstance(spec, dict) or "type" not in spec:
        raise ConfigError(f"{where}: variable {name!r} needs a 'type' (INT, FLOAT or ENUM)")
    kind = str(spec["type"]).upper()
    if kind not in VariableType.__members__:
        raise ConfigError(f"{where}: variable {name!r} has unknown type {spec['type']!r}; use INT, FLOAT or ENUM")
    try:
        return Variable(
            name=name, type=VariableType(kind), min=spec.get("min"), max=spec.get("max"),
            options=tuple(spec.get("options") or ()), size=int(spec.get("size", 1)),
            transform=spec.get("transform"), log_scale=spec.get("scale") == "log",
            structural=spec.get("structural"),
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _variable_to_json(variable: Variable) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": variable.type.value, "size": variable.size}
    if variable.type is VariableType.ENUM:
        spec["options"] = list(variable.options)
    else:
        spec["min"], spec["max"] = variable.min, variable.max
    if variable.transform:
        spec["transform"] = variable.transform
    if variable.log_scale:
        spec["scale"] = "log"
    if variable.structural is not None:
        spec["structural"] = variable.structural
    return spec


def _likelihood(value: Any, where: str, what: str) -> str:
    likelihood = str(value).upper()
    if likelihood not in LIKELIHOODS:
        raise ConfigError(f"{where}: {what} has likelihood {value!r}; use GAUSSIAN or NOISELESS")
    return likelihood


def _tasks_from_json(raw: Any, where: str, likelihood: str, ignored: list[str]) -> dict[str, Task]:
    """Spearmint's tasks; ``likelihood`` is the default of tasks that name none."""
    if raw is None:
        return {DEFAULT_TASK: Task(DEFAULT_TASK, "OBJECTIVE", likelihood)}
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{where}: 'tasks' must be an object of task name -> {{type, likelihood}}")
    tasks = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: task {name!r} must be an object like {{\"type\": \"OBJECTIVE\"}}")
        spec, spelled = _task_keys(spec, where, name)
        kind = str(spec.get("type", "OBJECTIVE")).upper()
        if kind not in TASK_TYPES:
            raise ConfigError(f"{where}: task {name!r} has type {spec.get('type')!r}; use OBJECTIVE or CONSTRAINT")
        budget = spec.get("budget")
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float))):
            raise ConfigError(f"{where}: task {name!r} has budget {budget!r}; a budget is a number")
        _check_language(spec.get("language", "PYTHON"), where, f"task {name!r} has language")
        main_file = _main_file(spec.get("main_file"), where, f"tasks.{name}.{spelled.get('main_file', 'main-file')}")
        tasks[name] = Task(name, kind, _likelihood(spec.get("likelihood", likelihood), where, f"task {name!r}"),
                           None if budget is None else float(budget), main_file)
        ignored += [f"tasks.{name}.{spelled[key]}" for key in spec if key not in _TASK_KEYS]
    if not any(t.type == "OBJECTIVE" for t in tasks.values()):
        raise ConfigError(f"{where}: 'tasks' needs an OBJECTIVE task (two or more for several objectives), found none")
    return tasks


def _task_keys(spec: dict[str, Any], where: str, task: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A task's keys as Spearmint spells them in either form (``main-file`` = ``main_file``), and
    normalized -> spelling in the file."""
    normalized: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in spec.items():
        name = str(key).replace("-", "_").replace(" ", "_")
        if name in spelled:
            raise ConfigError(f"{where}: task {task!r}: {spelled[name]!r} and {key!r} are the same setting; keep one")
        spelled[name], normalized[name] = key, value
    return normalized, spelled


def _check_language(language: Any, where: str, what: str) -> str:
    if str(language).upper() != "PYTHON":
        raise ConfigError(f"{where}: {what} {language!r}: HyperPower runs PYTHON main-files only")
    return str(language).upper()


def tasks_with_budgets(tasks: dict[str, Task], budgets: dict[str, float], likelihood: str,
                       where: str) -> dict[str, Task]:
    """Each budget bounds the CONSTRAINT task of its name (value <= budget replaces Spearmint's
    value >= 0) or adds one, so ``--budget`` works on any Spearmint folder; the objective task
    cannot be bounded."""
    bounded = dict(tasks)
    for name, budget in budgets.items():
        if isinstance(budget, bool) or not isinstance(budget, (int, float)):
            raise ConfigError(f"{where}: budget {name}={budget!r} is not a number")
        task = bounded.get(name)
        if task is not None and task.type == "OBJECTIVE":
            raise ConfigError(f"{where}: budget {name}={budget:g} names the OBJECTIVE task {name!r}; a task is "
                              f"either minimized or bounded")
        bounded[name] = (dataclasses.replace(task, budget=float(budget)) if task is not None
                         else Task(name, "CONSTRAINT", likelihood, float(budget)))
    return bounded


def known_keys() -> dict[str, str]:
    """Every key the ``hyperpower`` section may hold, as the file may spell it -> its canonical
    spelling: the settings' fields, but ``objectives``, which the file keeps in ``objective``.
    The README's Reference lists the same keys (``tests/test_readme_reference.py``)."""
    fields = [f.name for f in dataclasses.fields(HyperPowerSettings) if f.name != "objectives"]
    return {**{name.replace("_", "-"): name for name in fields}, **{name: name for name in fields}}


def _settings_from_json(raw: Any, where: str) -> tuple[HyperPowerSettings, set[str]]:
    """The ``hyperpower`` section and the names of the settings it gives."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the 'hyperpower' section must be an object")
    known = known_keys()
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} in the 'hyperpower' section")
        values[known[key]] = value
    given = set(values)
    objectives = _objective_names(values.pop("objective", "error"), where)
    values["reference"] = _reference_from_json(values.get("reference", {}), None, where)
    settings = HyperPowerSettings(**values)
    settings.set_objectives(objectives)
    if settings.method not in METHODS:
        raise ConfigError(f"{where}: method {settings.method!r} is not one of {', '.join(METHODS)}")
    check_budget_tightening(settings.model_margin, settings.violation_rate, f"{where}: the 'hyperpower' section's")
    if not isinstance(settings.models_fixed, bool):
        raise ConfigError(f"{where}: models-fixed {settings.models_fixed!r} in the 'hyperpower' section is not true or "
                          f"false (true: the a-priori models stay as profiled; false: they learn from measurements)")
    for key, allowed in (("objective_split", OBJECTIVE_SPLITS), ("keep_models", KEEP_MODELS)):
        if getattr(settings, key) not in allowed:
            raise ConfigError(f"{where}: {key.replace('_', '-')} {getattr(settings, key)!r} in the 'hyperpower' "
                              f"section is not one of {', '.join(allowed)}")
    check_settings_schedule(settings, f"{where}: the 'hyperpower' section's")
    check_profile_samples(settings.profile_samples, f"{where}: the 'hyperpower' section's profile-samples")
    return settings, given


def check_profile_samples(value: Any, what: str = "--profile-samples") -> int:
    """A linear model needs at least 3 samples; ``what`` names the flag or the config key."""
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_PROFILE_SAMPLES:
        raise ConfigError(f"{what} must be an integer of at least {MIN_PROFILE_SAMPLES} (configurations measured "
                          f"when run profiles on the fly; default {DEFAULT_PROFILE_SAMPLES}), got {value!r}")
    return value


def _objective_names(value: Any, where: str) -> list[str]:
    """The section's ``objective``: one name (every config before issue 12), or a list of two or
    more in order, the first the primary."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(f"{where}: the 'hyperpower' section's objective must be a name or a list of names "
                          f"(several objectives), got {value!r}")
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: the 'hyperpower' section's objective lists {value!r}: a name twice")
    return list(names)


def _reference_from_json(value: Any, objectives: list[str] | None, where: str) -> dict[str, float]:
    """objective -> finite number; with ``objectives``, only for those (an unknown name is refused)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: the 'hyperpower' section's reference must be an object of objective -> "
                          f"value, got {value!r}")
    for name, number in value.items():
        if objectives is not None and name not in objectives:
            raise ConfigError(f"{where}: the 'hyperpower' section's reference names {name!r}, which is not an "
                              f"objective ({', '.join(objectives)})")
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ConfigError(f"{where}: the 'hyperpower' section's reference {name}={number!r} is not a number")
    missing = [name for name in objectives or [] if value and name not in value]
    if missing:
        raise ConfigError(f"{where}: the 'hyperpower' section's reference point lacks {', '.join(missing)}; it gives "
                          f"a value for every objective ({', '.join(objectives)}), or is left out (default rule)")
    return {name: float(number) for name, number in value.items()}


def check_method_fits(settings: HyperPowerSettings, where: str = "", objectives_from: str = "") -> None:
    """EI methods improve one objective; EHVI and PABO need two or more to trade off.
    ``objectives_from``: where the objectives came from when no flag gave them (named in the refusal)."""
    prefix = f"{where}: " if where else ""
    source = f"; {objectives_from}" if objectives_from else ""
    names = settings.objective_names()
    if len(names) > 1 and settings.method in SINGLE_OBJECTIVE_METHODS:
        raise ConfigError(
            f"{prefix}--method {settings.method} improves one objective (expected improvement over one "
            f"incumbent), but {len(names)} objectives are minimized ({', '.join(names)}{source}); use --method "
            f"{DEFAULT_MULTI_OBJECTIVE_METHOD} (expected hypervolume improvement, the default for several "
            f"objectives) or pabo (one agent per objective), or rand / rand-walk, or optimize one objective")
    if len(names) < 2 and settings.method in MULTI_OBJECTIVE_METHODS:
        raise ConfigError(
            f"{prefix}--method {settings.method} trades off several objectives, but only {names[0]!r} is minimized"
            f"{f' ({objectives_from})' if objectives_from else ''}; "
            f"give two or more (--optimize error --optimize power, or two OBJECTIVE tasks in a Spearmint "
            f"config), or use --method {DEFAULT_METHOD} for one objective")


def default_method(settings: HyperPowerSettings, constrained: bool = False) -> str:
    """The method a run takes when none is given: EHVI for several objectives, HW-IECI for one
    (HW-CWEI for a Spearmint folder's measured-only constraints)."""
    if len(settings.objective_names()) > 1:
        return DEFAULT_MULTI_OBJECTIVE_METHOD
    return "hw-cwei" if constrained else DEFAULT_METHOD


def check_settings_schedule(settings: HyperPowerSettings, where: str = "") -> None:
    """The scheduler settings make a rung ladder (``schedule.settings.check_schedule``); the top
    rung is ``max_epochs``, else ``epochs``, else the default."""
    from hyperpower.schedule.settings import check_schedule, top_epochs

    check_schedule(settings.scheduler, settings.min_epochs, settings.max_epochs, settings.eta, where)
    top = top_epochs(settings)
    if settings.scheduler is not None and settings.max_epochs is None and settings.min_epochs > top:
        raise ConfigError(f"{where + ' ' if where else ''}--min-epochs {settings.min_epochs} is more than the top "
                          f"rung's {top} epochs (--max-epochs defaults to --epochs, else 10): give --max-epochs "
                          f"of at least {settings.min_epochs}, or a smaller --min-epochs")


def check_budget_tightening(margin: Any, rate: Any, where: str = "") -> None:
    """``model-margin`` (K cross-validated errors) and ``violation-rate`` (a calibrated error
    quantile) are two ways to tighten the budgets; one at a time, each a valid number."""
    prefix = f"{where} " if where else ""
    for flag, value, valid in (("--model-margin", margin, "a number >= 0"),
                               ("--violation-rate", rate, "a fraction in [0, 1), e.g. 0.05 (0: off)")):
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not number or value < 0 or (flag == "--violation-rate" and value >= 1):
            raise ConfigError(f"{prefix}{flag} must be {valid}, got {value!r}")
    if margin > 0 and rate > 0:
        raise ConfigError(f"{prefix}--model-margin {margin:g} and --violation-rate {rate:g} both tighten the budgets; "
                          "use one: --violation-rate (calibrated from the model's profiling residuals) replaces "
                          "--model-margin, so give --model-margin 0 with it, or --violation-rate 0 to keep the margin")


def _spearmint_keys(data: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """Top-level keys as Spearmint normalizes them (``main-file`` = ``main_file`` = ``main file``),
    the original names of those HyperPower does not use, and normalized -> spelling in the file."""
    normalized: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    ignored = []
    for key, value in data.items():
        name = str(key).replace("-", "_").replace(" ", "_")
        if name in spelled:
            raise ConfigError(f"{where}: {spelled[name]!r} and {key!r} are the same setting; keep one")
        spelled[name] = key
        normalized[name] = value
        if name not in _USED_KEYS:
            ignored.append(key)
    return normalized, ignored, spelled


def _main_file(value: Any, where: str, key: str) -> str | None:
    """The main-file stays inside the experiment folder: workers run it on every machine, and the
    config may come from the store (design §4), so no absolute path and no '..'."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key!r} must name a Python file in the experiment folder, got {value!r}")
    path = PurePath(value)
    if path.is_absolute() or ".." in path.parts or value.startswith("~"):
        raise ConfigError(f"{where}: {key!r} {value!r} must be a file inside the experiment folder "
                          f"(a name like 'branin' or 'branin.py'; no absolute path, no '..')")
    return value


def _positive_int(value: Any, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 1:
        raise ConfigError(f"{where}: {key!r} must be a positive whole number, got {value!r}")
    return int(value)


def config_from_json(data: dict[str, Any], where: str = "config.json", default_name: str | None = None) -> ExperimentConfig:
    """Validate a parsed config; ``where`` names the file in error messages. The experiment is
    named by the config's ``experiment-name``, else ``default_name``, else the file's folder."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a JSON object")
    data, ignored, spelled = _spearmint_keys(data, where)
    variables_raw = data.get("variables")
    if not isinstance(variables_raw, dict) or not variables_raw:
        raise ConfigError(f"{where}: 'variables' must be a non-empty object of name -> {{type, min, max | options}}")
    variables = [_variable_from_json(name, spec, where) for name, spec in variables_raw.items()]
    likelihood = _likelihood(data.get("likelihood", "GAUSSIAN"), where, "the top level")
    tasks = _tasks_from_json(data.get("tasks"), where, likelihood, ignored)
    settings, given = _settings_from_json(data.get("hyperpower") or {}, where)
    objectives = [t.name for t in tasks.values() if t.type == "OBJECTIVE"]
    if "objective" not in given:
        settings.set_objectives(objectives)
    elif settings.objective_names() != objectives:
        raise ConfigError(f"{where}: the 'hyperpower' section's objective {_names_text(settings.objective_names())} "
                          f"is not the OBJECTIVE task(s) {_names_text(objectives)}")
    settings.reference = _reference_from_json(settings.reference, objectives, where)
    if "method" not in given:  # Spearmint's own constraints are measured only: constraint-weighted EI
        settings.method = default_method(settings, any(t.type == "CONSTRAINT" for t in tasks.values()))
    if "max_evals" not in given and data.get("max_finished_jobs") is not None:
        settings.max_evals = _positive_int(data["max_finished_jobs"], where, "max_finished_jobs")
    settings.budgets = {**{t.name: t.budget for t in tasks.values() if t.budget is not None}, **settings.budgets}
    tasks = tasks_with_budgets(tasks, settings.budgets, likelihood, where)
    language = _check_language(data.get("language", "PYTHON"), where, "language")
    name = data.get("experiment_name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ConfigError(f"{where}: 'experiment-name' must be a non-empty string, got {name!r}")
    try:
        polling_time = float(data.get("polling_time", 1.0))
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: 'polling-time' must be a number of seconds, got {data['polling_time']!r}") from None
    database = data.get("database") or {}
    if not isinstance(database, dict):
        raise ConfigError(f"{where}: 'database' must be an object like {{\"name\": ..., \"address\": ...}}")
    if "hyperpower" not in data and database:
        ignored.append("database")  # a Spearmint MongoDB address: the store is --store or EXP/hyperpower.sqlite
    return ExperimentConfig(
        name=name or default_name or Path(where).parent.name or "experiment",
        space=SearchSpace(variables), tasks=tasks, settings=settings,
        main_file=_main_file(data.get("main_file"), where, spelled.get("main_file", "main-file")), language=language,
        polling_time=polling_time, database=dict(database), ignored=tuple(ignored),
    )


def _names_text(names: list[str]) -> str:
    return repr(names[0]) if len(names) == 1 else repr(names)


def settings_to_json(settings: HyperPowerSettings) -> dict[str, Any]:
    """The ``hyperpower`` section: ``objective`` a name for one objective (as every config before
    issue 12 has it, so old configs and old readers agree), a list for several."""
    section = dataclasses.asdict(settings)
    names = section.pop("objectives")
    if len(names) > 1:
        section["objective"] = names
    return section


def config_to_json(config: ExperimentConfig) -> dict[str, Any]:
    """The config.json form of ``config`` (inverse of ``config_from_json``)."""
    tasks = {}
    for task in config.tasks.values():
        tasks[task.name] = {"type": task.type, "likelihood": task.likelihood}
        if task.budget is not None:
            tasks[task.name]["budget"] = task.budget
        if task.main_file is not None:
            tasks[task.name]["main-file"] = task.main_file
    return {
        "experiment-name": config.name,
        "language": config.language,
        **({"main-file": config.main_file} if config.main_file is not None else {}),
        "polling-time": config.polling_time,
        "database": config.database,
        "variables": {v.name: _variable_to_json(v) for v in config.space.variables},
        "tasks": tasks,
        "hyperpower": settings_to_json(config.settings),
    }


def read_config_json(path: str | Path) -> dict[str, Any]:
    """The parsed JSON of a config file; a missing or malformed file raises ConfigError naming it."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (a comma before '}' or ']'? JSON allows none)" if exc.msg.startswith("Expecting property name") \
            or exc.msg.startswith("Expecting value") else ""
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}{hint}") from None


def load_config(path: str | Path, default_name: str | None = None) -> ExperimentConfig:
    """Read and validate a config file (see ``config_from_json``)."""
    return config_from_json(read_config_json(path), str(path), default_name)


def load_experiment_config(paths: ExperimentPaths) -> ExperimentConfig:
    """The experiment's config.json, named as design §4 says: a HyperPower experiment is named by
    its folder (its config is generated, so a copied folder is an experiment of its own); a plain
    Spearmint config's ``experiment-name`` is the user's explicit choice, else the folder names it."""
    if paths.layout == "hyperpower":
        return dataclasses.replace(load_config(paths.config), name=paths.name)
    return load_config(paths.config, default_name=paths.name)


def save_config(config: ExperimentConfig, path: str | Path) -> bool:
    """Write config.json; returns False (and leaves the file untouched) when nothing changed."""
    path = Path(path)
    text = json.dumps(config_to_json(config), indent=2) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return True

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
from pathlib import Path, PurePath
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.settings.objectives import reference_values
from hyperpower.settings.section import HyperPowerSettings, default_method, settings_from_section
from hyperpower.space import SearchSpace, Variable, VariableType

TASK_TYPES = ("OBJECTIVE", "CONSTRAINT")
LIKELIHOODS = ("GAUSSIAN", "NOISELESS")
DEFAULT_TASK = "main"  # Spearmint's one objective when a config has no 'tasks'
#: top-level keys HyperPower reads, in Spearmint's normalized form (hyphens/spaces -> underscores)
_USED_KEYS = ("experiment_name", "language", "main_file", "polling_time", "likelihood", "max_finished_jobs",
              "variables", "tasks", "database", "hyperpower")
#: a task's keys HyperPower reads, normalized the same way; ``main_file``: the file whose main()
#: returns this task (Spearmint's distributed example), else the top-level one
_TASK_KEYS = ("type", "likelihood", "budget", "main_file", "language")


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
    settings, given = settings_from_section(data.get("hyperpower") or {}, where)
    objectives = [t.name for t in tasks.values() if t.type == "OBJECTIVE"]
    if "objective" not in given:
        settings.objectives.names = list(objectives)
    elif settings.objectives.names != objectives:
        raise ConfigError(f"{where}: the 'hyperpower' section's objective {_names_text(settings.objectives.names)} "
                          f"is not the OBJECTIVE task(s) {_names_text(objectives)}")
    settings.objectives.reference = reference_values(settings.objectives.reference, objectives, where)
    if "method" not in given:  # Spearmint's own constraints are measured only: constraint-weighted EI
        settings.search.method = default_method(settings, any(t.type == "CONSTRAINT" for t in tasks.values()))
    if "max_evals" not in given and data.get("max_finished_jobs") is not None:
        settings.search.max_evals = _positive_int(data["max_finished_jobs"], where, "max_finished_jobs")
    settings.budgets.limits = {**{t.name: t.budget for t in tasks.values() if t.budget is not None},
                               **settings.budgets.limits}
    tasks = tasks_with_budgets(tasks, settings.budgets.limits, likelihood, where)
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
        "hyperpower": config.settings.to_section(),
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

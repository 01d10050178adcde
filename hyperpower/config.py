"""config.json: Spearmint's format plus a ``hyperpower`` section (design §4).

``load_config`` reads and validates a config (HyperPower or plain Spearmint) into an
``ExperimentConfig``; ``config_to_json`` writes it back in the same format, so loading and saving
round-trips. Generating a config from a template lives in ``hyperpower.generate``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.space import SearchSpace, Variable, VariableType

METHODS = ("hw-ieci", "hw-cwei", "rand", "rand-walk")
TASK_TYPES = ("OBJECTIVE", "CONSTRAINT")
LIKELIHOODS = ("GAUSSIAN", "NOISELESS")
#: which split gives the objective and stops trainings early: a validation split carved from the
#: training data (default), or the test split (the paper's setting, kept for its benchmark)
OBJECTIVE_SPLITS = ("validation", "test")
#: which jobs' trained models stay in EXP/output: the current best, every complete job, or none
KEEP_MODELS = ("best", "all", "none")


@dataclasses.dataclass
class Task:
    """A Spearmint task. A CONSTRAINT with a ``budget`` is feasible when value <= budget
    (HyperPower's hardware budgets); without one, when value >= 0 (Spearmint's rule)."""

    name: str
    type: str = "OBJECTIVE"
    likelihood: str = "GAUSSIAN"
    budget: float | None = None

    def is_satisfied(self, value: float) -> bool:
        if self.budget is not None:
            return value <= self.budget
        return value >= 0


@dataclasses.dataclass
class HyperPowerSettings:
    """The ``hyperpower`` section; defaults are what a plain Spearmint folder runs with."""

    objective: str = "error"
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
    objective_split: str = "validation"
    keep_models: str = "best"


@dataclasses.dataclass
class ExperimentConfig:
    name: str
    space: SearchSpace
    tasks: dict[str, Task]
    settings: HyperPowerSettings
    main_file: str = "hyperpower.py"
    language: str = "PYTHON"
    polling_time: float = 1.0
    database: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def objective_task(self) -> Task:
        return next(t for t in self.tasks.values() if t.type == "OBJECTIVE")

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


def _tasks_from_json(raw: Any, where: str) -> dict[str, Task]:
    if raw is None:
        return {"main": Task("main")}
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{where}: 'tasks' must be an object of task name -> {{type, likelihood}}")
    tasks = {}
    for name, spec in raw.items():
        kind = str(spec.get("type", "OBJECTIVE")).upper()
        likelihood = str(spec.get("likelihood", "GAUSSIAN")).upper()
        if kind not in TASK_TYPES:
            raise ConfigError(f"{where}: task {name!r} has type {spec.get('type')!r}; use OBJECTIVE or CONSTRAINT")
        if likelihood not in LIKELIHOODS:
            raise ConfigError(f"{where}: task {name!r} has likelihood {likelihood!r}; use GAUSSIAN or NOISELESS")
        tasks[name] = Task(name, kind, likelihood, spec.get("budget"))
    objectives = [t for t in tasks.values() if t.type == "OBJECTIVE"]
    if len(objectives) != 1:
        raise ConfigError(f"{where}: 'tasks' needs exactly one OBJECTIVE task, found {len(objectives)}")
    return tasks


def _settings_from_json(raw: dict[str, Any], where: str) -> HyperPowerSettings:
    known = {f.name.replace("_", "-"): f.name for f in dataclasses.fields(HyperPowerSettings)}
    known.update({f.name: f.name for f in dataclasses.fields(HyperPowerSettings)})
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} in the 'hyperpower' section")
        values[known[key]] = value
    settings = HyperPowerSettings(**values)
    if settings.method not in METHODS:
        raise ConfigError(f"{where}: method {settings.method!r} is not one of {', '.join(METHODS)}")
    for key, allowed in (("objective_split", OBJECTIVE_SPLITS), ("keep_models", KEEP_MODELS)):
        if getattr(settings, key) not in allowed:
            raise ConfigError(f"{where}: {key.replace('_', '-')} {getattr(settings, key)!r} in the 'hyperpower' "
                              f"section is not one of {', '.join(allowed)}")
    return settings


def config_from_json(data: dict[str, Any], where: str = "config.json") -> ExperimentConfig:
    """Validate a parsed config; ``where`` names the file in error messages."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a JSON object")
    variables_raw = data.get("variables")
    if not isinstance(variables_raw, dict) or not variables_raw:
        raise ConfigError(f"{where}: 'variables' must be a non-empty object of name -> {{type, min, max | options}}")
    variables = [_variable_from_json(name, spec, where) for name, spec in variables_raw.items()]
    tasks = _tasks_from_json(data.get("tasks"), where)
    settings = _settings_from_json(data.get("hyperpower") or {}, where)
    if "hyperpower" not in data:
        settings.objective = next(t.name for t in tasks.values() if t.type == "OBJECTIVE")
        settings.method = "hw-cwei" if any(t.type == "CONSTRAINT" for t in tasks.values()) else "hw-ieci"
    return ExperimentConfig(
        name=str(data.get("experiment-name") or Path(where).parent.name or "experiment"),
        space=SearchSpace(variables), tasks=tasks, settings=settings,
        main_file=str(data.get("main-file", "hyperpower.py")), language=str(data.get("language", "PYTHON")),
        polling_time=float(data.get("polling-time", 1.0)), database=dict(data.get("database") or {}),
    )


def config_to_json(config: ExperimentConfig) -> dict[str, Any]:
    """The config.json form of ``config`` (inverse of ``config_from_json``)."""
    tasks = {}
    for task in config.tasks.values():
        tasks[task.name] = {"type": task.type, "likelihood": task.likelihood}
        if task.budget is not None:
            tasks[task.name]["budget"] = task.budget
    return {
        "experiment-name": config.name,
        "language": config.language,
        "main-file": config.main_file,
        "polling-time": config.polling_time,
        "database": config.database,
        "variables": {v.name: _variable_to_json(v) for v in config.space.variables},
        "tasks": tasks,
        "hyperpower": dataclasses.asdict(config.settings),
    }


def load_config(path: str | Path) -> ExperimentConfig:
    """Read config.json; a missing or malformed file raises ConfigError naming it."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return config_from_json(data, str(path))


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

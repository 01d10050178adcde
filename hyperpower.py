"""The HyperPower objective in Spearmint's form: ``main(job_id, params)`` (design §2, §4).

Spearmint calls ``main`` of its experiment's main-file with the job id and the parameters as
numpy arrays (name -> array of ``size`` values, before template transforms). This wrapper finds
the experiment, converts those values into the network's, and runs HyperPower's objective:
render the template, train, test, measure. It returns the dict of task values
(``{"error": ..., "memory": ..., ...}``) that Spearmint accepts.

The experiment is ``$HYPERPOWER_EXPERIMENT`` when set, else the current directory or its parent
(Spearmint runs main-files from ``EXP/spearmint``), whichever holds ``keras_model/network_def.py``.

Note: beside the ``hyperpower/`` package, ``import hyperpower`` always means the package; load
this file by path (``importlib.util.spec_from_file_location``) or run it from Spearmint.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from hyperpower.config import load_experiment_config
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.jobs import Job
from hyperpower.space import SearchSpace, VariableType

EXPERIMENT_ENVIRONMENT_VARIABLE = "HYPERPOWER_EXPERIMENT"


def main(job_id: int, params: Mapping[str, Any]) -> dict[str, float]:
    """Evaluate one configuration; returns the objective and every inference metric measured."""
    from hyperpower.objective import evaluate_job

    paths = locate_experiment()
    config = load_experiment_config(paths)
    raw_params = raw_params_from_spearmint(config.space, params)
    job = Job(id=int(job_id), experiment=config.name, raw_params=raw_params,
              params=config.space.network_params(raw_params))
    result = evaluate_job(paths, config, job, sys.stdout)
    return dict(result.values)


def locate_experiment(start: str | Path | None = None) -> ExperimentPaths:
    """The experiment named by $HYPERPOWER_EXPERIMENT, else the one at ``start`` (default: the
    current directory) or its parent."""
    named = os.environ.get(EXPERIMENT_ENVIRONMENT_VARIABLE)
    if named:
        return resolve_experiment(named)
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, here.parent):
        if (candidate / "keras_model" / "network_def.py").is_file():
            return ExperimentPaths(candidate, "hyperpower")
    raise ConfigError(
        f"cannot find the experiment: set {EXPERIMENT_ENVIRONMENT_VARIABLE}=EXP, or run from EXP or EXP/spearmint "
        f"(neither {here} nor {here.parent} holds keras_model/network_def.py)"
    )


def raw_params_from_spearmint(space: SearchSpace, params: Mapping[str, Any]) -> dict[str, Any]:
    """Spearmint's name -> numpy array into raw values: a scalar for ``size`` 1, a list otherwise;
    INT as int, FLOAT as float, ENUM as the matching option."""
    raw = {}
    for variable in space.variables:
        if variable.name not in params:
            raise ConfigError(f"Spearmint passed no value for variable {variable.name!r} (got {sorted(params)})")
        values = [_element(variable, value) for value in np.asarray(params[variable.name], dtype=object).ravel()]
        if len(values) != variable.size:
            raise ConfigError(f"variable {variable.name!r} has size {variable.size} but got {len(values)} values")
        raw[variable.name] = values[0] if variable.size == 1 else values
    return raw


def _element(variable: Any, value: Any) -> Any:
    if variable.type is VariableType.INT:
        return int(round(float(value)))
    if variable.type is VariableType.FLOAT:
        return float(value)
    for option in variable.options:
        if option == value or str(option) == str(value):
            return option
    raise ConfigError(f"ENUM variable {variable.name!r} got {value!r}, not one of {list(variable.options)}")

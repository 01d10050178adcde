"""Bayesian optimization engine (pure numpy/scipy): GP + MCMC, acquisitions, random methods.

The run loop needs only ``Optimizer``, ``Suggestion`` and the a-priori model loader; the math
modules (kernels, gp, mcmc, ensemble, acquisition, search) know nothing of jobs, stores or Keras.
"""

from __future__ import annotations

import importlib
from typing import Any

#: name -> module: imported on first use (PEP 562), so importing a light submodule such as
#: ``hyperpower.optimize.pareto`` (every report does) does not import the GP stack and scipy
_EXPORTS = {"InfeasibleBudgetsError": "optimizer", "Optimizer": "optimizer", "Suggestion": "optimizer",
            "LinearModel": "constraints", "load_linear_model": "constraints"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"hyperpower.optimize.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'hyperpower.optimize' has no attribute {name!r}")

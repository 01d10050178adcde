"""Bayesian optimization engine (pure numpy/scipy): GP + MCMC, acquisitions, random methods.

The run loop needs only ``Optimizer``, ``Suggestion`` and the a-priori model loader; the math
modules (kernels, gp, mcmc, ensemble, acquisition, search) know nothing of jobs, stores or Keras.
"""

from hyperpower.optimize.constraints import LinearModel, load_linear_model
from hyperpower.optimize.optimizer import InfeasibleBudgetsError, Optimizer, Suggestion

__all__ = ["InfeasibleBudgetsError", "LinearModel", "Optimizer", "Suggestion", "load_linear_model"]

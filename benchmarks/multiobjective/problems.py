"""Multi-objective benchmark problems (every objective minimized, named variables).

* ``branin-currin``: Branin and Currin on the unit square (BoTorch's BraninCurrin, both
  minimized), scored against the reference point (18, 6); the whole front dominates 59.36.
* ``nb201-<device>``: NAS-Bench-201 (``$HYPERPOWER_SHARED_DATA/nasbench201/``): six ENUM edges of five
  operations each (15,625 cells), error = 100 - CIFAR-10 validation accuracy (12 epochs) against
  the measured inference latency on a GPU (GTX 1080 Ti, batch 1), a CPU (Xeon Gold 6240) and a
  phone (Pixel 2). A table lookup: the "training" of a cell is reading its row. Scored against
  (error 40 %, the device's 90th-percentile latency); the optimum is the front of the whole table.

``latency_model`` fits the a-priori model of the "-apriori" variants: least squares of the
latency on the one-hot operation features (``edge3=nor_conv_3x3``; "none" is each edge's
baseline) over PROFILED random cells, returned as the project's ``LinearModel``. (Fitting such
models is ``hyperpower profile``'s job; its one-hot fitting is being added in parallel, so the
benchmark fits the same form itself with a few lines of numpy.)
"""

from __future__ import annotations

import dataclasses
import math
import sys
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import nb201  # noqa: E402

OPS = nb201.OPS
EDGES = tuple(f"edge{i}" for i in range(6))
DEVICES = {"gpu": "lat_1080ti_1", "cpu": "lat_gold_6240", "phone": "lat_pixel2"}
ERROR_REFERENCE = 40.0
LATENCY_QUANTILE = 90
PROFILED = 50
CV_FOLDS = 10


@dataclasses.dataclass(frozen=True)
class MOProblem:
    """variables: name -> ("FLOAT", (lo, hi)) or ("ENUM", options); evaluate(params) -> values
    in ``objectives`` order; ``reference``: the scoring reference point; ``optimum``: the
    hypervolume of the true front (a number, or a function computing it: for NAS problems the
    front of all 15,625 cells, a minute of CPU, only needed by the report); ``device``: the latency column of NAS problems."""

    name: str
    variables: dict[str, tuple[str, tuple]]
    objectives: tuple[str, ...]
    evaluate: Callable[[dict], tuple[float, ...]]
    reference: tuple[float, ...]
    optimum: float | Callable[[], float]
    noiseless: bool
    device: str | None = None


def _branin_currin(params: dict) -> tuple[float, float]:
    x, y = params["x1"], params["x2"]
    u, v = 15 * x - 5, 15 * y
    branin = (v - 5.1 / (4 * math.pi**2) * u**2 + 5 / math.pi * u - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(u) + 10
    factor = 1.0 if y == 0 else 1 - math.exp(-1 / (2 * y))
    currin = factor * (2300 * x**3 + 1900 * x**2 + 2092 * x + 60) / (100 * x**3 + 500 * x**2 + 4 * x + 20)
    return branin, currin


def cell_string(params: dict) -> str:
    """NAS-Bench-201's cell string of six edge operations."""
    return nb201.cell_string([params[edge] for edge in EDGES])


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, float]]:
    """cell string -> {"error": ..., device column: latency ms} for all 15,625 cells."""
    return {row["cellstr"]: {"error": 100.0 - float(row["cifar10-val"]), **{c: float(row[c]) for c in DEVICES.values()}}
            for row in nb201.rows()}


def _all_cells() -> list[dict]:
    import itertools

    return [dict(zip(EDGES, ops)) for ops in itertools.product(OPS, repeat=6)]


def _nas_problem(device: str) -> MOProblem:
    from hyperpower.optimize.pareto import hypervolume

    column = DEVICES[device]
    data = table()
    values = np.array([[row["error"], row[column]] for row in data.values()])
    reference = (ERROR_REFERENCE, float(np.percentile(values[:, 1], LATENCY_QUANTILE)))
    evaluate = lambda params: (data[cell_string(params)]["error"], data[cell_string(params)][column])  # noqa: E731
    return MOProblem(f"nb201-{device}", {e: ("ENUM", OPS) for e in EDGES}, ("error", "latency"), evaluate,
                     reference, lambda: hypervolume(values, np.array(reference)), noiseless=False, device=column)


def one_hot(cells: list[dict]) -> tuple[list[str], np.ndarray]:
    """Feature names ``edgeI=op`` (no "none": the baseline) and the (n, 24) 0/1 matrix."""
    features = [f"{e}={op}" for e in EDGES for op in OPS[1:]]
    matrix = np.array([[float(cell[f.split("=")[0]] == f.split("=")[1]) for f in features] for cell in cells])
    return features, matrix


def _least_squares(matrix: np.ndarray, target: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones(len(matrix)), matrix])
    return np.linalg.lstsq(design, target, rcond=None)[0]


def rmspe(predicted: np.ndarray, measured: np.ndarray) -> float:
    return float(np.sqrt(np.mean(((measured - predicted) / measured) ** 2)))


def latency_model(problem: MOProblem, seed: int = 0):
    """(LinearModel, report) fitted on PROFILED random cells: in-sample, 10-fold cross-validated
    and whole-table RMSPE (the last is what a user never sees: the truth over all 15,625 cells)."""
    from hyperpower.optimize import LinearModel

    rng = np.random.default_rng(seed)
    cells = _all_cells()
    profiled = [cells[i] for i in rng.choice(len(cells), PROFILED, replace=False)]
    features, matrix = one_hot(profiled)
    latency = np.array([table()[cell_string(c)][problem.device] for c in profiled])
    coef = _least_squares(matrix, latency)
    folds = np.arange(PROFILED) % CV_FOLDS
    out_of_fold = np.empty(PROFILED)
    for fold in range(CV_FOLDS):
        test = folds == fold
        fold_coef = _least_squares(matrix[~test], latency[~test])
        out_of_fold[test] = fold_coef[0] + matrix[test] @ fold_coef[1:]
    all_features = one_hot(cells)[1]
    truth = np.array([table()[cell_string(c)][problem.device] for c in cells])
    report = {"device": problem.device, "samples": PROFILED,
              "rmspe_in_sample": rmspe(coef[0] + matrix @ coef[1:], latency),
              "rmspe_cv": rmspe(out_of_fold, latency),
              "rmspe_all_cells": rmspe(coef[0] + all_features @ coef[1:], truth)}
    model = LinearModel("latency", features, list(coef[1:]), float(coef[0]), unit="ms", device=problem.device,
                        samples=PROFILED, cv_rmspe=report["rmspe_cv"])
    return model, report


@lru_cache(maxsize=None)
def problem(name: str) -> MOProblem:
    if name == "branin-currin":
        return MOProblem("branin-currin", {"x1": ("FLOAT", (0.0, 1.0)), "x2": ("FLOAT", (0.0, 1.0))},
                         ("branin", "currin"), _branin_currin, (18.0, 6.0), 59.36011874867746, noiseless=True)
    return _nas_problem(name.removeprefix("nb201-"))


PROBLEMS = ("branin-currin", "nb201-gpu", "nb201-cpu", "nb201-phone")

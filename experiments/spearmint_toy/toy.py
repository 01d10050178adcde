"""A plain Spearmint experiment: a bowl whose unconstrained minimum (0.6, 0.2) breaks a linear
constraint x + y <= 0.7, so the constrained optimum sits on the boundary at (0.55, 0.15) with
value 1.005. Spearmint's CONSTRAINT convention: the task is satisfied when its value is >= 0."""

import numpy as np


def main(job_id, params):
    x, y = float(params["x"][0]), float(params["y"][0])
    return {
        "objective": (x - 0.6) ** 2 + (y - 0.2) ** 2 + 1.0,
        "budget_left": 0.7 - x - y,
    }

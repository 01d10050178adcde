"""EHVI's cost per suggestion with three, four and five objectives at 100 front points (issue 25.5).

A DTLZ2 problem (m objectives on m + 2 inputs in [0, 1]) seeded with ``front`` results on its
Pareto front (the two distance inputs at 0.5) and 50 uniform ones, then ``ehvi`` suggests
``rounds`` times, each suggestion evaluated and added: CPU seconds per suggestion
(``time.process_time``, the first suggestion, which burns the MCMC chains in, timed apart), the
number of boxes the free region is cut into, and whether EHVI is exact or estimated. With
``--accuracy``, the Monte Carlo estimate against the exact value (computed without the box limit)
for 400 candidate posteriors around the front.

    P=.venv/bin/python
    $P benchmarks/multiobjective/ehvi_scaling.py --objectives 3 4 5 --label after --accuracy
    # the code before issue 25 (grid of (k+1)^(m-1) boxes), from an archive of it:
    BEFORE=$(mktemp -d) && git archive 70f746a hyperpower | tar -x -C $BEFORE     # the code before issue 25
    PYTHONPATH=$BEFORE $P benchmarks/multiobjective/ehvi_scaling.py --objectives 3 --rounds 1 --label before

Results: results/ehvi-scaling/<label>-m<m>-k<front>.json (read by report_issue25.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
HERE = Path(__file__).resolve().parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(HERE.parent.parent))

import numpy as np  # noqa: E402

RESULTS = HERE / "results" / "ehvi-scaling"
DOMINATED = 50


def dtlz2(x: np.ndarray, objectives: int) -> np.ndarray:
    """(n, m + 2) inputs -> (n, m) DTLZ2 values; the front is where the last two inputs are 0.5."""
    distance = ((x[:, objectives - 1:] - 0.5) ** 2).sum(axis=1)
    angles = x[:, :objectives - 1] * math.pi / 2
    values = np.empty((len(x), objectives))
    for j in range(objectives):
        value = 1.0 + distance
        for k in range(objectives - 1 - j):
            value = value * np.cos(angles[:, k])
        if j > 0:
            value = value * np.sin(angles[:, objectives - 1 - j])
        values[:, j] = value
    return values


def _jobs(points: np.ndarray, values: np.ndarray, names: list[str]) -> list:
    from hyperpower.jobs import Job, JobStatus

    return [Job(id=i + 1, experiment="dtlz2", status=JobStatus.COMPLETE, method="ehvi",
                raw_params={f"x{j}": float(p[j]) for j in range(len(p))}, values=dict(zip(names, map(float, v))), feasible=True)
            for i, (p, v) in enumerate(zip(points, values))]


def _box_count(front: np.ndarray, reference: np.ndarray) -> tuple[int, bool]:
    """(boxes, exact) as this checkout's EHVI cuts the free region."""
    try:
        from hyperpower.optimize.boxes import TooManyBoxes, nondominated_boxes
        from hyperpower.optimize.ehvi import MAX_EXACT_BOXES
    except ImportError:  # before issue 25: the grid of the front's coordinates, always exact
        return (len(front) + 1) ** (front.shape[1] - 1), True
    try:
        return len(nondominated_boxes(front, reference, limit=MAX_EXACT_BOXES)[0]), True
    except TooManyBoxes:
        return MAX_EXACT_BOXES, False


def measure(objectives: int, front_size: int, rounds: int, seed: int = 0) -> dict:
    from hyperpower.optimize.candidates import TakenPoints
    from hyperpower.optimize.constraints import KnownConstraints
    from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES
    try:
        from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem, ObjectiveSpec
    except ImportError:  # the code before issue 25 kept them in multiobjective
        from hyperpower.optimize.multiobjective import MultiObjectiveProblem, ObjectiveSpec
    from hyperpower.optimize.observations import collect_observations, feasible_front_indices
    from hyperpower.optimize.strategies import Problem
    from hyperpower.space import SearchSpace, Variable

    rng = np.random.default_rng(seed)
    dim, names = objectives + 2, [f"f{j}" for j in range(objectives)]
    space = SearchSpace([Variable(f"x{j}", "FLOAT", 0.0, 1.0) for j in range(dim)])
    on_front = rng.random((front_size, dim))
    on_front[:, objectives - 1:] = 0.5
    points = np.vstack([on_front, rng.random((DOMINATED, dim))])
    jobs = _jobs(points, dtlz2(points, objectives), names)
    multi = MultiObjectiveProblem(Problem(space=space, known=KnownConstraints(space, []), measured=[]),
                                  [ObjectiveSpec(n, noiseless=True) for n in names])
    strategy = MULTI_OBJECTIVE_STRATEGIES["ehvi"](multi, rng)
    cpu, boxes, exact = [], [], []
    for _ in range(rounds + 1):
        observed = collect_observations(jobs, space, names, [])
        front = observed.objectives[feasible_front_indices(observed)]
        count, is_exact = _box_count(front, multi.reference_point(observed))
        start = time.process_time()
        point = strategy.propose(observed, TakenPoints(observed.every_point), 1)[0]
        cpu.append(time.process_time() - start)
        boxes.append(count)
        exact.append(is_exact)
        value = dtlz2(point[None], objectives)
        jobs += _jobs(point[None], value, names)
        jobs[-1].id = len(jobs)
    return {"objectives": objectives, "front": front_size, "first_cpu_s": cpu[0], "cpu_s": cpu[1:],
            "boxes": boxes[1:], "exact": exact[1:]}


def accuracy(objectives: int, front_size: int, candidates: int = 400, seed: int = 0) -> dict:
    """The Monte Carlo estimate against the exact EHVI for candidate posteriors around the front."""
    from hyperpower.optimize.ehvi import MonteCarloEHVI, expected_hvi

    rng = np.random.default_rng(seed)
    x = rng.random((front_size, objectives + 2))
    x[:, objectives - 1:] = 0.5
    front, reference = dtlz2(x, objectives), np.full(objectives, 1.1)
    anchors = front[rng.integers(front_size, size=candidates)]
    mean = anchors + rng.normal(0.0, 0.08, anchors.shape)
    variance = rng.choice([0.01, 0.05, 0.2], size=anchors.shape) ** 2
    start = time.process_time()
    exact = expected_hvi(mean, variance, front, reference)
    exact_s = time.process_time() - start
    start = time.process_time()
    estimate = MonteCarloEHVI(front, reference)
    values, errors = estimate(mean, variance), estimate.standard_error(mean, variance)
    estimate_s = time.process_time() - start
    best = np.argsort(-exact)[:10]
    return {"objectives": objectives, "front": front_size, "candidates": candidates,
            "within_4_errors": float(np.mean(np.abs(values - exact) <= 4 * errors + 1e-12)),
            "top10_relative_error": float(np.median(np.abs(values - exact)[best] / exact[best])),
            "top10_stated_relative_error": float(np.median(errors[best] / exact[best])),
            "rank_of_estimate_best": int(np.sum(exact > exact[int(np.argmax(values))])),
            "best_ratio": float(exact[int(np.argmax(values))] / exact.max()),
            "exact_cpu_s": exact_s, "estimate_cpu_s": estimate_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objectives", type=int, nargs="+", default=[3, 4, 5])
    parser.add_argument("--front", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--label", default="after")
    parser.add_argument("--accuracy", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for objectives in args.objectives:
        path = RESULTS / f"{args.label}-m{objectives}-k{args.front}.json"
        if not path.exists():
            record = measure(objectives, args.front, args.rounds)
            path.write_text(json.dumps(record))
            print(f"{args.label} m={objectives}: median {np.median(record['cpu_s']):.2f} CPU s/suggestion, "
                  f"boxes {record['boxes']}, exact {record['exact']}", flush=True)
        accuracy_path = RESULTS / f"accuracy-m{objectives}-k{args.front}.json"
        if args.accuracy and not accuracy_path.exists():
            accuracy_path.write_text(json.dumps(accuracy(objectives, args.front)))
            print(accuracy_path.read_text(), flush=True)


if __name__ == "__main__":
    main()

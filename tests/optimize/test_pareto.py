"""Pareto arithmetic against brute force on random point sets, 2 and 3 objectives."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hyperpower.optimize.pareto import (
    crowding_distance, default_reference, dominates, hypervolume, hypervolume_improvement, inside_reference,
    nondominated_mask, pareto_ranks,
)
from hyperpower.optimize.boxes import nondominated_boxes


def brute_front(points: np.ndarray) -> np.ndarray:
    return np.array([not any(dominates(q, p) for q in points) for p in points])


def brute_hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Inclusion-exclusion over every subset: the union of boxes [p, reference]."""
    boxes = [p for p in points if np.all(p < reference)]
    total = 0.0
    for size in range(1, len(boxes) + 1):
        for subset in itertools.combinations(boxes, size):
            corner = np.max(subset, axis=0)
            total += (-1) ** (size + 1) * float(np.prod(reference - corner))
    return total


@pytest.mark.parametrize("objectives", [2, 3])
@pytest.mark.parametrize("seed", range(6))
def test_front_and_hypervolume_match_brute_force(objectives: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    points = rng.random((9, objectives))
    points[3] = points[1]  # a duplicate: both copies share the same fate
    reference = np.full(objectives, 0.95)
    assert np.array_equal(nondominated_mask(points), brute_front(points))
    assert hypervolume(points, reference) == pytest.approx(brute_hypervolume(points, reference), rel=1e-12)


def unfiltered_brute_hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """The definition, with no point left out beforehand: inclusion-exclusion over every subset
    of the boxes [p, reference], a box being empty (volume 0) in any objective where p is not
    below the reference. So a point outside the reference box adds nothing by the arithmetic
    itself, not by a filter the code under test might share."""
    total = 0.0
    for size in range(1, len(points) + 1):
        for subset in itertools.combinations(points, size):
            corner = np.max(subset, axis=0)
            total += (-1) ** (size + 1) * float(np.prod(np.clip(reference - corner, 0.0, None)))
    return total


@pytest.mark.parametrize("objectives", [2, 3, 4])
@pytest.mark.parametrize("seed", range(8))
def test_a_reference_cutting_the_front_counts_only_the_part_that_dominates_it(objectives: int, seed: int) -> None:
    """Issue 22 point 7: a given reference point may lie inside the front's range; the volume is
    then that of the front's part below it, as BoTorch, pymoo and Optuna count it, and the points
    outside add nothing (on integer grids, so ties with the reference occur)."""
    rng = np.random.default_rng(100 + seed)
    points = rng.integers(0, 6, size=(8, objectives)).astype(float)
    front = points[nondominated_mask(points)]
    reference = np.median(front, axis=0) + rng.integers(0, 2, size=objectives)  # cuts through the front
    inside = inside_reference(front, reference)
    assert inside.tolist() == [bool(np.all(p < reference)) for p in front]
    volume = hypervolume(points, reference)
    assert volume == pytest.approx(unfiltered_brute_hypervolume(points, reference), abs=1e-9)
    assert volume == pytest.approx(hypervolume(front[inside], reference), abs=1e-9)
    lower, upper = nondominated_boxes(points, reference)  # EHVI's cells: the free part of the same box
    box = np.maximum(np.minimum(upper, reference) - np.maximum(lower, points.min(axis=0) - 1), 0).prod(axis=1).sum()
    assert box + volume == pytest.approx(np.prod(reference - (points.min(axis=0) - 1)), abs=1e-9)


def test_points_on_or_beyond_the_reference_add_nothing() -> None:
    points = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    reference = np.array([3.0, 2.5])  # (3, 1) equals it in f1, (1, 3) is beyond it in f2
    assert inside_reference(points, reference).tolist() == [False, True, False]
    assert hypervolume(points, reference) == pytest.approx((3.0 - 2.0) * (2.5 - 2.0))
    assert hypervolume(points, np.array([0.5, 0.5])) == 0.0


def test_known_two_objective_volume() -> None:
    points = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])
    # staircase under (4, 4): 3*1 + 2*1 + 1*1
    assert hypervolume(points, np.array([4.0, 4.0])) == pytest.approx(6.0)
    assert hypervolume(points, np.array([1.0, 1.0])) == 0.0


def test_ranks_peel_fronts() -> None:
    points = np.array([[1, 1], [2, 2], [3, 3], [1, 3], [3, 1], [0.5, 4]])
    assert pareto_ranks(points).tolist() == [0, 1, 2, 1, 1, 0]


def test_improvement_is_zero_for_dominated_and_positive_otherwise() -> None:
    front = np.array([[1.0, 3.0], [3.0, 1.0]])
    reference = np.array([4.0, 4.0])
    assert hypervolume_improvement(front, [3.5, 3.5], reference) == 0.0
    assert hypervolume_improvement(front, [2.0, 2.0], reference) == pytest.approx(1.0)
    assert hypervolume_improvement(np.zeros((0, 2)), [2.0, 2.0], reference) == pytest.approx(4.0)


def test_crowding_keeps_extremes_and_prefers_isolated_points() -> None:
    front = np.array([[0.0, 1.0], [0.1, 0.9], [0.5, 0.5], [1.0, 0.0]])
    distance = crowding_distance(front)
    assert np.isinf(distance[[0, 3]]).all()
    assert distance[2] > distance[1]


def test_default_reference_pads_the_worst_value_by_a_tenth_of_the_range() -> None:
    points = np.array([[0.0, 10.0], [1.0, 5.0], [2.0, 5.0]])
    assert default_reference(points).tolist() == pytest.approx([2.2, 10.5])
    assert default_reference(np.array([[3.0, 0.0]])).tolist() == pytest.approx([3.3, 0.1])

"""The free region's box decomposition against brute force: disjoint, filling, exact HVI, small."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.optimize.boxes import BoxSet, TooManyBoxes, local_upper_bounds, nondominated_boxes
from hyperpower.optimize.pareto import hypervolume, hypervolume_improvement, nondominated_mask


def random_front(rng: np.random.Generator, count: int, objectives: int, integer: bool = False) -> np.ndarray:
    """Non-dominated points of a uniform sample; ``integer``: on a coarse grid, so coordinates tie."""
    points = rng.integers(0, 6, (count, objectives)).astype(float) / 6 if integer else rng.random((count, objectives))
    return points[nondominated_mask(points)]


def sphere_front(rng: np.random.Generator, count: int, objectives: int) -> np.ndarray:
    """Points on the positive unit sphere: every one non-dominated (DTLZ2's front)."""
    points = np.abs(rng.standard_normal((count, objectives)))
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def clipped_volumes(lower: np.ndarray, upper: np.ndarray, floor: np.ndarray) -> np.ndarray:
    return np.prod(np.clip(upper - np.maximum(lower, floor), 0, None), axis=1)


def assert_disjoint(lower: np.ndarray, upper: np.ndarray, floor: np.ndarray) -> None:
    low = np.maximum(lower, floor)
    overlap = np.prod(np.clip(np.minimum(upper[:, None], upper[None]) - np.maximum(low[:, None], low[None]), 0, None), axis=2)
    np.fill_diagonal(overlap, 0.0)
    assert overlap.max() <= 1e-12


CASES = [(objectives, seed, integer) for objectives in (2, 3, 4) for seed in range(3) for integer in (False, True)]


@pytest.mark.parametrize("objectives,seed,integer", CASES)
def test_boxes_are_disjoint_fill_the_free_region_and_give_the_exact_improvement(objectives: int, seed: int, integer: bool) -> None:
    rng = np.random.default_rng(seed)
    front = random_front(rng, 40, objectives, integer)
    reference, floor = np.full(objectives, 1.1), np.full(objectives, -0.5)
    lower, upper = nondominated_boxes(front, reference)
    assert np.all(upper > lower) and np.all(upper <= reference)
    assert_disjoint(lower, upper, floor)
    assert clipped_volumes(lower, upper, floor).sum() == pytest.approx(np.prod(reference - floor) - hypervolume(front, reference), rel=1e-12)
    for y in np.vstack([rng.random((8, objectives)) * 1.3 - 0.2, front[:2]]):
        improvement = clipped_volumes(lower, upper, y).sum()
        assert improvement == pytest.approx(hypervolume_improvement(front, y, reference), abs=1e-12)


def test_an_empty_front_leaves_one_box_and_points_past_the_reference_count_for_nothing() -> None:
    lower, upper = nondominated_boxes(np.zeros((0, 3)), np.ones(3))
    assert lower.tolist() == [[-np.inf] * 3] and upper.tolist() == [[1.0] * 3]
    lower, upper = nondominated_boxes(np.array([[2.0, 0.5, 0.5]]), np.ones(3))
    assert len(lower) == 1


@pytest.mark.parametrize("objectives,most", [(3, 320), (4, 2_200)])
def test_a_hundred_front_points_need_few_boxes(objectives: int, most: int) -> None:
    """Issue 25.5: the grid of the front's coordinates had (k+1)^(m-1) cells (10,201 and
    1,030,301); the local-upper-bound cut has 2k+1 bounds in three objectives."""
    front = sphere_front(np.random.default_rng(0), 100, objectives)
    reference = np.full(objectives, 1.1)
    bounds, defining = local_upper_bounds(front, reference)
    if objectives == 3:
        assert len(bounds) == 2 * 100 + 1
    assert np.all(defining[:, np.arange(objectives), np.arange(objectives)] == bounds)
    lower, upper = nondominated_boxes(front, reference)
    assert len(lower) <= most
    floor = np.zeros(objectives)
    assert clipped_volumes(lower, upper, floor).sum() == pytest.approx(np.prod(reference) - hypervolume(front, reference), rel=1e-10)
    with pytest.raises(TooManyBoxes):
        nondominated_boxes(front, reference, limit=len(lower) // 2)


def test_box_set_indexes_each_objective_edges() -> None:
    front = random_front(np.random.default_rng(4), 20, 3)
    lower, upper = nondominated_boxes(front, np.full(3, 1.0))
    boxes = BoxSet.of(lower, upper)
    np.testing.assert_array_equal(boxes.lower, lower)
    np.testing.assert_array_equal(boxes.upper, upper)
    assert len(boxes) == len(lower) and all(len(e) <= len(front) + 2 for e in boxes.edges)

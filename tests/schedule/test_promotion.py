"""Promotion rules against hand-worked cases (issue 13 point 2)."""

from __future__ import annotations

import math

import numpy as np

from hyperpower.schedule.promotion import promotable, promotion_order


def test_one_objective_promotes_the_top_third_as_soon_as_it_is_known() -> None:
    errors = np.array([[0.5], [0.1], [0.3], [0.9], [0.2], [0.4]])
    # six finished, eta 3: the top floor(6/3) = 2 are rows 1 (0.1) and 4 (0.2)
    assert promotable(errors, eta=3) == [1, 4]
    assert promotable(errors, eta=3, promoted=np.array([0, 1, 0, 0, 0, 0], dtype=bool)) == [4]
    # eta 2: the top 3 add row 2 (0.3)
    assert promotable(errors, eta=2) == [1, 4, 2]


def test_fewer_finished_jobs_than_eta_promote_nobody() -> None:
    assert promotable(np.array([[0.1], [0.2]]), eta=3) == []
    assert promotable(np.array([[0.1], [0.2], [0.3]]), eta=3) == [0]


def test_an_ineligible_job_counts_but_never_takes_a_slot() -> None:
    """Row 1 is the best error but infeasible (or stopped early): the slot goes to row 4."""
    errors = np.array([[0.5], [0.1], [0.3], [0.9], [0.2], [0.4]])
    eligible = np.array([True, False, True, True, True, True])
    assert promotable(errors, eta=3, eligible=eligible) == [4, 2]
    assert list(promotion_order(errors, eligible)) == [4, 2, 5, 0, 3, 1]


def test_a_nan_objective_sorts_last() -> None:
    errors = np.array([[math.nan], [0.3], [0.2]])
    assert list(promotion_order(errors)) == [2, 1, 0]
    assert promotable(errors, eta=2) == [2]


# Two objectives, both minimized (error, latency). Hand-worked:
#   rows 0 (1,6), 1 (2,4), 2 (3,3), 3 (6,1) form the front (rank 0); row 4 (4,5) is dominated by
#   row 2 (rank 1); row 5 (5,5) is dominated by row 4 (rank 2).
#   Crowding in the front (spans 5 and 5): rows 0 and 3 are extremes (inf);
#   row 1: (3-1)/5 + (6-3)/5 = 1.0; row 2: (6-2)/5 + (4-1)/5 = 1.4.
TWO = np.array([[1, 6], [2, 4], [3, 3], [6, 1], [4, 5], [5, 5]], dtype=float)


def test_several_objectives_rank_by_front_then_crowding() -> None:
    assert list(promotion_order(TWO)) == [0, 3, 2, 1, 4, 5]


def test_several_objectives_promote_the_front_ends_first_then_the_least_crowded() -> None:
    # eta 3: top 2 = the two extremes; sorting by error alone would have taken rows 0 and 1
    assert promotable(TWO, eta=3) == [0, 3]
    # eta 2: top 3 adds row 2 (crowding 1.4) before row 1 (1.0)
    assert promotable(TWO, eta=2) == [0, 3, 2]


def test_a_dominated_row_never_beats_a_front_row() -> None:
    values = np.array([[0.1, 10.0], [0.2, 20.0], [0.3, 1.0]])  # row 1 dominated by row 0
    assert list(promotion_order(values)) == [0, 2, 1]
    assert promotable(values, eta=2) == [0]

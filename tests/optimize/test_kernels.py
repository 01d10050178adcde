"""Matérn-5/2 ARD against a direct, loop-based evaluation of its formula."""

from __future__ import annotations

import math

import numpy as np

from hyperpower.optimize.kernels import matern52, matern52_symmetric, scaled_square_distances


def direct_matern52(a: np.ndarray, b: np.ndarray, length_scales: np.ndarray, amplitude: float) -> np.ndarray:
    result = np.zeros((len(a), len(b)))
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            r = math.sqrt(sum(((x[k] - y[k]) / length_scales[k]) ** 2 for k in range(len(x))))
            s = math.sqrt(5.0) * r
            result[i, j] = amplitude * (1 + s + s * s / 3) * math.exp(-s)
    return result


def test_matern52_matches_direct_formula() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.random((7, 3)), rng.random((5, 3))
    scales = np.array([0.2, 1.5, 0.7])
    np.testing.assert_allclose(matern52(a, b, scales, 2.5), direct_matern52(a, b, scales, 2.5), rtol=1e-10)


def test_symmetric_kernel_has_exact_diagonal_and_symmetry() -> None:
    points = np.random.default_rng(1).random((20, 4))
    matrix = matern52_symmetric(points, np.array([0.3, 0.3, 2.0, 0.1]), 1.7)
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), np.full(20, 1.7))
    assert np.all(np.linalg.eigvalsh(matrix) > -1e-10)


def test_square_distances_are_never_negative_for_identical_points() -> None:
    points = np.full((4, 2), 0.123456789)
    assert np.all(scaled_square_distances(points, points, np.array([1e-2, 1e-2])) >= 0.0)

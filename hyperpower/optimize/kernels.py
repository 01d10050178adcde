"""Matérn-5/2 kernel with one length scale per input dimension (ARD), on the unit cube.

Matérn-5/2 is Spearmint's and the paper's choice: twice differentiable, so it does not assume
the error surface is as smooth as a squared-exponential kernel would, yet it is smooth enough for
EI to be well behaved. ``k(x, x') = a * (1 + s + s**2 / 3) * exp(-s)`` with
``s = sqrt(5) * r`` and ``r**2 = sum_j ((x_j - x'_j) / l_j)**2``.
"""

from __future__ import annotations

import numpy as np

SQRT5 = np.sqrt(5.0)


def scaled_square_distances(first: np.ndarray, second: np.ndarray, length_scales: np.ndarray) -> np.ndarray:
    """(n, d), (m, d), (d,) -> (n, m) squared distances after dividing each dimension by its scale.

    Uses ``|a|^2 + |b|^2 - 2 a.b`` so the work is one matrix product (BLAS); rounding can make
    tiny negative values, which are clipped to zero.
    """
    a = first / length_scales
    b = second / length_scales
    squares = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(squares, 0.0)


def matern52_from_square_distances(square_distances: np.ndarray, amplitude: float) -> np.ndarray:
    """Kernel values from squared scaled distances, any shape."""
    s = SQRT5 * np.sqrt(square_distances)
    return amplitude * (1.0 + s + s * s / 3.0) * np.exp(-s)


def matern52(first: np.ndarray, second: np.ndarray, length_scales: np.ndarray, amplitude: float) -> np.ndarray:
    """(n, d), (m, d) points -> (n, m) covariance matrix; ``amplitude`` is the signal variance."""
    return matern52_from_square_distances(scaled_square_distances(first, second, length_scales), amplitude)


def matern52_symmetric(points: np.ndarray, length_scales: np.ndarray, amplitude: float) -> np.ndarray:
    """(n, d) -> (n, n) covariance of the points with themselves, exactly symmetric with an
    exact diagonal (``amplitude``), which keeps the Cholesky factorization well behaved."""
    square_distances = scaled_square_distances(points, points, length_scales)
    square_distances = 0.5 * (square_distances + square_distances.T)
    np.fill_diagonal(square_distances, 0.0)
    return matern52_from_square_distances(square_distances, amplitude)

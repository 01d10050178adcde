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

    Uses ``|a|^2 + |b|^2 - 2 a.b`` so the work is one matrix product (BLAS), then in-place
    updates (no (n, m) temporaries: at n = 1000 and 2,000 candidates each pass costs ~10 ms);
    rounding can make tiny negative values, which are clipped to zero.
    """
    a = first / length_scales
    b = second / length_scales
    squares = a @ b.T
    squares *= -2.0
    squares += (a * a).sum(axis=1)[:, None]
    squares += (b * b).sum(axis=1)[None, :]
    return np.maximum(squares, 0.0, out=squares)


def matern52_from_square_distances(square_distances: np.ndarray, amplitude: float) -> np.ndarray:
    """Kernel values from squared scaled distances, any shape (the input is left unchanged)."""
    s = np.multiply(square_distances, 5.0)
    np.sqrt(s, out=s)
    result = np.negative(s)
    np.exp(result, out=result)
    polynomial = np.multiply(s, s)
    polynomial *= 1.0 / 3.0
    polynomial += s
    polynomial += 1.0
    result *= polynomial
    if amplitude != 1.0:
        result *= amplitude
    return result


def matern52(first: np.ndarray, second: np.ndarray, length_scales: np.ndarray, amplitude: float) -> np.ndarray:
    """(n, d), (m, d) points -> (n, m) covariance matrix; ``amplitude`` is the signal variance."""
    return matern52_from_square_distances(scaled_square_distances(first, second, length_scales), amplitude)


def matern52_symmetric(points: np.ndarray, length_scales: np.ndarray, amplitude: float) -> np.ndarray:
    """(n, d) -> (n, n) covariance of the points with themselves, exactly symmetric with an
    exact diagonal (``amplitude``), which keeps the Cholesky factorization well behaved."""
    square_distances = scaled_square_distances(points, points, length_scales)
    square_distances += square_distances.T
    square_distances *= 0.5
    np.fill_diagonal(square_distances, 0.0)
    return matern52_from_square_distances(square_distances, amplitude)


def coordinate_square_differences(points: np.ndarray) -> np.ndarray:
    """(n, d) -> (n * n, d): (x_i,j - x_k,j)^2 per input dimension j, row i * n + k.

    The length scales of a hyper-parameter sample then give every squared scaled distance by
    one matrix-vector product (``@ length_scales ** -2``): the MCMC evaluates the likelihood
    hundreds of times on the same points, so the differences are computed once per fit.
    """
    differences = points[:, None, :] - points[None, :, :]
    return (differences * differences).reshape(-1, points.shape[1])

"""Candidate points for the acquisition search and the random methods.

Everything returned here is snapped onto the grid (INT rounded, ENUM one-hot), so a score is
always computed for a configuration that can actually be trained. ``TakenPoints`` remembers
every configuration already in the experiment (complete, broken, pending) so none is suggested
twice: a broken configuration would break again, a pending one is already being trained.
"""

from __future__ import annotations

import numpy as np

from hyperpower.optimize.encoding import snap_points
from hyperpower.space import SearchSpace

KEY_DECIMALS = 9


class NoFeasiblePoint(Exception):
    """No candidate satisfied the a-priori models; ``tried``: (n, dim) the points examined."""

    def __init__(self, tried: np.ndarray) -> None:
        super().__init__(f"no feasible point among {len(tried)} candidates")
        self.tried = tried


class TakenPoints:
    """A set of grid points, compared after rounding to ``KEY_DECIMALS`` decimals."""

    def __init__(self, points: np.ndarray | None = None) -> None:
        self._keys: set[bytes] = set()
        if points is not None:
            self.add(points)

    @staticmethod
    def _keys_of(points: np.ndarray) -> list[bytes]:
        """One key per row, rounding the whole array at once (a suggestion checks thousands)."""
        rounded = np.round(np.atleast_2d(points), KEY_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
        return [row.tobytes() for row in rounded]

    def add(self, points: np.ndarray) -> None:
        self._keys.update(self._keys_of(points))

    def mask_new(self, points: np.ndarray) -> np.ndarray:
        """(n, dim) -> (n,) True for points not taken yet."""
        keys = self._keys
        return np.fromiter((key not in keys for key in self._keys_of(points)), dtype=bool, count=len(np.atleast_2d(points)))

    def union(self, points: np.ndarray) -> "TakenPoints":
        """A new set holding these points and ``points``; this one is unchanged."""
        combined = TakenPoints()
        combined._keys = set(self._keys)
        combined.add(points)
        return combined

    def __len__(self) -> int:
        return len(self._keys)


def sobol_points(space: SearchSpace, count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, dim) scrambled Sobol points, snapped; count is rounded up to a power of two for
    the balance properties of the sequence, then cut."""
    if count <= 0:
        return np.zeros((0, space.dim))
    from scipy.stats import qmc  # here, not at import: scipy.stats costs ~0.7 s CPU of every CLI start

    power = int(np.ceil(np.log2(max(count, 2))))
    engine = qmc.Sobol(space.dim, scramble=True, rng=rng)
    return snap_points(space, engine.random_base2(power)[:count])


def uniform_points(space: SearchSpace, count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, dim) independent uniform points, snapped."""
    return snap_points(space, rng.random((count, space.dim)))


def gaussian_neighbours(space: SearchSpace, centers: np.ndarray, sigma: float, per_center: int, rng: np.random.Generator) -> np.ndarray:
    """(k, dim) centers -> (k * per_center, dim) draws of N(center, sigma^2 I), clipped to the
    cube and snapped (Rand-Walk's proposal, and the local refinement of the acquisition)."""
    centers = np.atleast_2d(centers)
    draws = np.repeat(centers, per_center, axis=0) + sigma * rng.standard_normal((len(centers) * per_center, space.dim))
    return snap_points(space, np.clip(draws, 0.0, 1.0))


def unique_rows(points: np.ndarray) -> np.ndarray:
    """Drop repeated rows (after rounding), keeping the first occurrence and the order."""
    if len(points) == 0:
        return points
    first: dict[bytes, int] = {}
    for index, key in enumerate(TakenPoints._keys_of(points)):  # a dict: np.unique(axis=0) sorts rows, 10x slower
        first.setdefault(key, index)
    return points[list(first.values())]

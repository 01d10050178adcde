"""The vectorized encoders must agree with SearchSpace's one-point reference methods."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.optimize.encoding import network_columns, raw_columns, snap_points
from hyperpower.space import SearchSpace, Variable


@pytest.fixture
def mixed_space() -> SearchSpace:
    return SearchSpace([
        Variable("units", "INT", 1, 7, transform="X16"),
        Variable("rate", "FLOAT", 1e-4, 1e-1, log_scale=True),
        Variable("momentum", "FLOAT", 0.8, 0.95),
        Variable("activation", "ENUM", options=("relu", "tanh", "elu")),
        Variable("kernels", "INT", 2, 5, size=3),
        Variable("fixed", "FLOAT", 3.0, 3.0),
        Variable("decay", "INT", 1, 4, transform="NEGEXP10"),
    ])


def test_snap_points_matches_space_snap(mixed_space: SearchSpace) -> None:
    points = np.random.default_rng(0).random((300, mixed_space.dim))
    points[:5] = 0.0
    points[5:10] = 1.0
    np.testing.assert_allclose(snap_points(mixed_space, points), mixed_space.snap(points), atol=1e-12)


def test_snapping_is_idempotent(mixed_space: SearchSpace) -> None:
    snapped = snap_points(mixed_space, np.random.default_rng(1).random((50, mixed_space.dim)))
    np.testing.assert_allclose(snap_points(mixed_space, snapped), snapped, atol=1e-12)


def test_raw_and_network_columns_match_per_point_decoding(mixed_space: SearchSpace) -> None:
    points = np.random.default_rng(2).random((40, mixed_space.dim))
    raw = raw_columns(mixed_space, points)
    network = network_columns(mixed_space, points)
    for row, point in enumerate(points):
        expected_raw = mixed_space.from_unit(point)
        expected_network = mixed_space.network_params(expected_raw)
        for name in mixed_space.names:
            got_raw = raw[name][row]
            got_network = network[name][row]
            if isinstance(expected_raw[name], list):
                np.testing.assert_allclose(got_raw, expected_raw[name])
                np.testing.assert_allclose(got_network, expected_network[name])
            elif isinstance(expected_raw[name], str):
                assert got_raw == expected_raw[name] and got_network == expected_network[name]
            else:
                assert got_raw == pytest.approx(expected_raw[name], rel=1e-12)
                assert got_network == pytest.approx(expected_network[name], rel=1e-12)

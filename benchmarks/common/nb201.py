"""NAS-Bench-201 with per-device latency (``$HYPERPOWER_SHARED_DATA/nasbench201/``): the table
both the multi-objective and the device benchmarks look cells up in."""

from __future__ import annotations

import csv
import gzip
from functools import lru_cache
from typing import Sequence

from benchmarks.common.paths import shared_data

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (node, input node) of each of the cell's six edges, in the order every benchmark names them
EDGE_NODES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))


def table_path():
    return shared_data("nasbench201", "nb201_devices.csv.gz")


@lru_cache(maxsize=1)
def rows() -> tuple[dict[str, str], ...]:
    """Every row of the table (15,625 cells), read once per process."""
    with gzip.open(table_path(), "rt") as handle:
        return tuple(csv.DictReader(handle))


def cell_string(ops: Sequence[str]) -> str:
    """NAS-Bench-201's cell string of six edge operations given in ``EDGE_NODES`` order."""
    return "+".join("|" + "|".join(f"{op}~{source}" for op, (node, source) in zip(ops, EDGE_NODES) if node == target) + "|"
                    for target in (1, 2, 3))

"""NAS-Bench-201 with per-device latency (``$HYPERPOWER_SHARED_DATA/nasbench201/``, read by
``benchmarks.common.nb201``): the tables the device and transfer benchmarks look configurations
up in, and the search space HyperPower optimizes over."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import nb201 as common_nb201  # noqa: E402

OPS = list(common_nb201.OPS)
EDGES = ["e10", "e20", "e21", "e30", "e31", "e32"]  # eIJ: node I from node J
#: the devices of the device benchmark, one column each, and the stated price per hour (currency)
#: a GPU and a CPU as rented in a cloud, a phone as its amortized price (~300 over 3 years' use)
DEVICES = {"titan_rtx": ("lat_titan_rtx_1", 2.50), "gtx_1080ti": ("lat_1080ti_1", 0.90),
           "xeon_gold_6240": ("lat_gold_6240", 0.40), "xeon_silver_4114": ("lat_silver_4114", 0.20),
           "pixel2": ("lat_pixel2", 0.011), "samsung_s7": ("lat_samsung_s7", 0.011)}


def cell_string(ops: dict[str, str]) -> str:
    return common_nb201.cell_string([ops[edge] for edge in EDGES])


class Table:
    """cellstr -> row; error (fraction) per task, latency (ms) and serving cost per device."""

    def __init__(self) -> None:
        rows = common_nb201.rows()
        self.rows = {row["cellstr"]: row for row in rows}
        self.cells = [row["cellstr"] for row in rows]

    def error(self, cell: str, task: str) -> float:
        return 1.0 - float(self.rows[cell][f"{task}-val"]) / 100.0

    def latency(self, cell: str, device: str) -> float:
        return float(self.rows[cell][DEVICES[device][0]])

    def cost(self, cell: str, device: str) -> float:
        """Serving cost of a million inferences (currency): price per hour x latency."""
        return DEVICES[device][1] * self.latency(cell, device) * 1e6 / 3.6e6

    def all_errors(self, task: str) -> np.ndarray:
        return np.array([self.error(cell, task) for cell in self.cells])


def space_config(devices: list[str] | None = None, method: str = "hw-ieci"):
    """The HyperPower config of the six ENUM edges (and the device as a variable)."""
    from hyperpower.config import config_from_json

    variables = {edge: {"type": "ENUM", "options": OPS} for edge in EDGES}
    if devices:
        variables["device"] = {"type": "ENUM", "options": devices, "structural": False}
    return config_from_json({"variables": variables,
                             "tasks": {"error": {"type": "OBJECTIVE", "likelihood": "GAUSSIAN"}},
                             "hyperpower": {"method": method, "initial_design": 3}})

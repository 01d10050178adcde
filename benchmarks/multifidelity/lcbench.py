"""The LCBench surrogate of YAHPO Gym (``$HYPERPOWER_SHARED_DATA/yahpo_lcbench``), called through onnxruntime
directly: yahpo_gym's own import of ConfigSpace fails in the peers venv (ConfigSpace built
against numpy 1.x, numpy 2.4 installed: "numpy.dtype size changed"), so this module reproduces
its input encoding (``BenchmarkSet._config_to_xs``: the continuous inputs in ``cont_names``
order, raw values; the task id integer-encoded by ``encoding.json``).

SURROGATE numbers: predictions of a model fitted on real learning curves, not measurements.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common.paths import shared_data  # noqa: E402

CONT_NAMES = ("epoch", "batch_size", "learning_rate", "momentum", "weight_decay", "num_layers", "max_units",
              "max_dropout")
Y_NAMES = ("time", "val_accuracy", "val_cross_entropy", "val_balanced_accuracy", "test_cross_entropy",
           "test_balanced_accuracy")
MAX_EPOCHS = 52
#: the search space, in the unit-cube form both HyperPower and the peers sample (log where YAHPO is)
SPACE = {
    "batch_size": (16, 512, True, True),  # (low, high, log, integer)
    "learning_rate": (1e-4, 1e-1, True, False),
    "momentum": (0.1, 0.99, False, False),
    "weight_decay": (1e-5, 1e-1, False, False),
    "num_layers": (1, 5, False, True),
    "max_units": (64, 1024, True, True),
    "max_dropout": (0.0, 1.0, False, False),
}


class Surrogate:
    """``evaluate(config, epochs)`` -> (validation error in [0, 1], cumulative training seconds)."""

    def __init__(self, task: str) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        data = shared_data("yahpo_lcbench", "lcbench")
        self.session = onnxruntime.InferenceSession(str(data / "model.onnx"), options)
        self.inputs = [x.name for x in self.session.get_inputs()]
        self.output = self.session.get_outputs()[0].name
        self.task = str(task)
        self.task_code = json.loads((data / "encoding.json").read_text())["OpenML_task_id"][self.task]
        self.cache: dict[tuple, tuple[float, float]] = {}

    def evaluate(self, config: dict, epochs: int) -> tuple[float, float]:
        key = (tuple(sorted(config.items())), int(epochs))
        if key not in self.cache:
            x_cont = np.array([[float(epochs), *(float(config[name]) for name in CONT_NAMES[1:])]], dtype=np.float32)
            x_cat = np.array([[self.task_code]], dtype=np.int32)
            y = self.session.run([self.output], {self.inputs[0]: x_cat, self.inputs[1]: x_cont})[0][0]
            values = dict(zip(Y_NAMES, map(float, y)))
            error = min(max(1.0 - values["val_accuracy"] / 100.0, 0.0), 1.0)
            self.cache[key] = (error, max(values["time"], 1e-3))
        return self.cache[key]


def from_unit(unit: dict) -> dict:
    """A point of [0, 1]^7 (named) -> an LCBench configuration."""
    config = {}
    for name, (low, high, log, integer) in SPACE.items():
        u = float(unit[name])
        value = math.exp(math.log(low) + u * (math.log(high) - math.log(low))) if log else low + u * (high - low)
        config[name] = int(round(value)) if integer else value
    return config


if __name__ == "__main__":
    surrogate = Surrogate("3945")
    rng = np.random.default_rng(0)
    for _ in range(3):
        config = from_unit({name: rng.random() for name in SPACE})
        print(config, [surrogate.evaluate(config, e) for e in (1, 3, 9, 27, 52)])

"""Helpers shared by the hardware tests (a module of its own, so tests import it by a unique name)."""

from __future__ import annotations

from pathlib import Path


def write_rapl_domain(root: Path, name: str, label: str, energy_uj: int, max_range_uj: int = 262_143_328_850) -> Path:
    """One powercap domain folder as the kernel lays it out."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "name").write_text(label + "\n")
    (folder / "energy_uj").write_text(f"{energy_uj}\n")
    (folder / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
    return folder


TINY_TEMPLATE = '''"""A tiny MLP template for profiling tests: one structural width, one optimizer setting."""
import keras
import numpy as np

rng = np.random.default_rng(0)
x_train = rng.random((64, 12), dtype=np.float32)
y_train = rng.integers(0, 3, 64)
x_test = rng.random((48, 12), dtype=np.float32)
y_test = rng.integers(0, 3, 48)
units = HYPERPARAM{"type": "INT", "token": "units", "min": 1, "max": 16, "transform": "X64"STRUCTURAL}
learning_rate = HYPERPARAM{"type": "FLOAT", "token": "learning_rate", "min": 0.001, "max": 0.1, "scale": "log"NOT_STRUCTURAL}
batch_size = 16
model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(units, activation="relu"),
                          keras.layers.Dense(units, activation="relu"), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="sparse_categorical_crossentropy")
'''


def write_tiny_experiment(root: Path, flagged: bool = True) -> Path:
    """EXP/keras_model/network_def.py with the tiny template; ``flagged``: structural flags given."""
    folder = root / "tiny"
    (folder / "keras_model").mkdir(parents=True)
    text = TINY_TEMPLATE.replace("NOT_STRUCTURAL", ', "structural": false' if flagged else "")
    text = text.replace("STRUCTURAL}", ', "structural": true}' if flagged else "}")
    (folder / "keras_model" / "network_def.py").write_text(text)
    return folder

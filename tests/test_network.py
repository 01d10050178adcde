"""load_network: runs a rendered network file and checks what it defines (design §3)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hyperpower.errors import HyperPowerError
from hyperpower.network import NetworkDefinitionError, load_network

DATA = """
import numpy as np
rng = np.random.default_rng(0)
x_train = rng.random((40, 4)).astype("float32")
y_train = rng.integers(0, 3, 40)
x_test = rng.random((10, 4)).astype("float32")
y_test = rng.integers(0, 3, 10)
"""
MODEL = """
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
"""


def write(tmp_path: Path, *parts: str) -> Path:
    path = tmp_path / "job_00001_network.py"
    path.write_text("\n".join(textwrap.dedent(part) for part in parts))
    return path


def test_valid_file_gives_its_model_arrays_and_defaults(tmp_path):
    definition = load_network(write(tmp_path, DATA, MODEL))
    assert definition.x_train.shape == (40, 4) and definition.y_test.shape == (10,)
    assert definition.batch_size == 32
    assert definition.epochs is None
    assert definition.num_classes == 3
    assert definition.path == tmp_path / "job_00001_network.py"
    assert definition.namespace["rng"] is not None


def test_batch_size_and_epochs_from_the_file(tmp_path):
    definition = load_network(write(tmp_path, DATA, MODEL, "batch_size = 16.0\nepochs = 3\n"))
    assert (definition.batch_size, definition.epochs) == (16, 3)
    assert isinstance(definition.batch_size, int)


def test_a_validation_split_of_the_file_is_read_and_checked(tmp_path):
    assert load_network(write(tmp_path, DATA, MODEL)).x_val is None
    definition = load_network(write(tmp_path, DATA, MODEL, "x_val, y_val = x_test[:4], y_test[:4]\n"))
    assert definition.x_val.shape == (4, 4) and definition.y_val.shape == (4,)
    with pytest.raises(NetworkDefinitionError, match="defines 'x_val' but no 'y_val'"):
        load_network(write(tmp_path, DATA, MODEL, "x_val = x_test\n"))
    with pytest.raises(NetworkDefinitionError, match="'x_val' has 10 samples but 'y_val' has 3"):
        load_network(write(tmp_path, DATA, MODEL, "x_val, y_val = x_test, y_test[:3]\n"))


def test_single_sigmoid_unit_counts_as_two_classes(tmp_path):
    binary = MODEL.replace("Dense(3, activation=\"softmax\")", "Dense(1, activation=\"sigmoid\")").replace(
        "sparse_categorical_crossentropy", "binary_crossentropy")
    assert load_network(write(tmp_path, DATA, binary)).num_classes == 2


@pytest.mark.parametrize("missing", ["model", "x_train", "y_test"])
def test_missing_name_is_named_with_the_file(tmp_path, missing):
    path = write(tmp_path, DATA, MODEL, f"del {missing}\n")
    with pytest.raises(NetworkDefinitionError) as caught:
        load_network(path)
    assert str(path) in str(caught.value)
    assert f"'{missing}'" in str(caught.value)
    assert isinstance(caught.value, HyperPowerError)


def test_uncompiled_model_is_refused(tmp_path):
    path = write(tmp_path, DATA, MODEL.replace("model.compile", "_ = dict"))
    with pytest.raises(NetworkDefinitionError, match="not compiled"):
        load_network(path)


def test_model_that_is_not_a_keras_model_is_refused(tmp_path):
    with pytest.raises(NetworkDefinitionError, match="'model' is a dict, not a keras.Model"):
        load_network(write(tmp_path, DATA, "model = {}\n"))


def test_mismatched_sample_counts_are_refused(tmp_path):
    with pytest.raises(NetworkDefinitionError, match="'x_test' has 10 samples but 'y_test' has 9"):
        load_network(write(tmp_path, DATA, MODEL, "y_test = y_test[:9]\n"))


@pytest.mark.parametrize("value", ["0", "'32'", "2.5", "True"])
def test_batch_size_must_be_a_positive_integer(tmp_path, value):
    with pytest.raises(NetworkDefinitionError, match="'batch_size' must be a positive integer"):
        load_network(write(tmp_path, DATA, MODEL, f"batch_size = {value}\n"))


def test_exception_in_the_users_file_propagates_unchanged(tmp_path):
    with pytest.raises(ZeroDivisionError):
        load_network(write(tmp_path, DATA, "units = 1 / 0\n", MODEL))


def test_main_block_of_the_file_is_not_run(tmp_path):
    definition = load_network(write(tmp_path, DATA, MODEL, "if __name__ == '__main__':\n    raise SystemExit(3)\n"))
    assert definition.model is not None


def test_missing_file_is_named(tmp_path):
    with pytest.raises(NetworkDefinitionError, match="does_not_exist.py does not exist"):
        load_network(tmp_path / "does_not_exist.py")

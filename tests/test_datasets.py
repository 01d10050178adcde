"""load_keras_dataset: keras.datasets with a message naming the cache path when offline."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.datasets import DatasetUnavailableError, keras_cache_dir, load_keras_dataset
from hyperpower.errors import HyperPowerError


def test_cache_dir_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert keras_cache_dir() == tmp_path / "datasets"
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert keras_cache_dir() == tmp_path / "home" / ".keras" / "datasets"


def test_download_failure_names_the_cache_file_to_fill(monkeypatch, tmp_path):
    import keras

    def offline():
        raise Exception("URL fetch failure on https://example.invalid/mnist.npz: None -- [Errno -2]")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetUnavailableError) as caught:
        load_keras_dataset("mnist")
    message = str(caught.value)
    assert str(tmp_path / "datasets" / "mnist.npz") in message
    assert "URL fetch failure" in message and "experiments/digits" in message
    assert isinstance(caught.value, HyperPowerError)


def test_cifar10_message_names_its_cache_folder(monkeypatch, tmp_path):
    import keras

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: (_ for _ in ()).throw(OSError("no network")))
    with pytest.raises(DatasetUnavailableError, match="cifar-10-batches-py-target"):
        load_keras_dataset("cifar10")


def test_cached_data_is_returned_as_keras_gives_it(monkeypatch):
    import keras

    arrays = ((np.zeros((3, 28, 28)), np.arange(3)), (np.ones((2, 28, 28)), np.arange(2)))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: arrays)
    assert load_keras_dataset("mnist") is arrays


def test_unknown_dataset_is_refused():
    with pytest.raises(HyperPowerError, match="unknown keras data set 'imagenet'"):
        load_keras_dataset("imagenet")

"""Data sets for network templates: keras.datasets with a clear message when offline.

``keras.datasets.<name>.load_data()`` downloads on first use into Keras' cache
(``$KERAS_HOME/datasets`` or ``~/.keras/datasets``). On a machine without that network access
the download fails deep inside Keras with a URL error; templates call ``load_keras_dataset``
instead, which says which file to put where.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from hyperpower.errors import HyperPowerError


@dataclasses.dataclass(frozen=True)
class KerasDataset:
    """name: module of keras.datasets; origin: where Keras downloads it from; cache_name: the
    file or folder Keras looks for in its datasets cache."""

    name: str
    origin: str
    cache_name: str


KERAS_DATASETS = {
    dataset.name: dataset
    for dataset in (
        KerasDataset("mnist", "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz", "mnist.npz"),
        KerasDataset("fashion_mnist", "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
                     "fashion-mnist"),
        KerasDataset("cifar10", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                     "cifar-10-batches-py-target"),
        KerasDataset("cifar100", "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                     "cifar-100-python-target"),
    )
}


class DatasetUnavailableError(HyperPowerError):
    """A keras.datasets data set is neither cached nor downloadable."""


def keras_cache_dir() -> Path:
    """Where Keras caches data sets: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def load_keras_dataset(name: str) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``((x_train, y_train), (x_test, y_test))`` of ``keras.datasets.<name>``.

    Raises DatasetUnavailableError naming the cache path to fill when the data is not cached and
    cannot be downloaded (no network), or HyperPowerError for an unknown name.
    """
    if name not in KERAS_DATASETS:
        raise HyperPowerError(f"unknown keras data set {name!r}; known: {', '.join(sorted(KERAS_DATASETS))}")
    import keras

    loader = getattr(keras.datasets, name).load_data
    try:
        return loader()
    except Exception as exc:  # noqa: BLE001 - Keras raises a bare Exception for URL failures
        raise DatasetUnavailableError(_unavailable_message(KERAS_DATASETS[name], exc)) from exc


def _unavailable_message(dataset: KerasDataset, exc: Exception) -> str:
    cache = keras_cache_dir()
    return (
        f"the {dataset.name} data set could not be loaded ({type(exc).__name__}: {exc}). Keras looks for it in "
        f"{cache / dataset.cache_name} and otherwise downloads it from {dataset.origin}, which this machine "
        f"cannot reach. Fill the cache on a machine with network access (python -c \"import keras; "
        f"keras.datasets.{dataset.name}.load_data()\") and copy {cache} here, or set KERAS_HOME to a folder "
        f"whose datasets/ holds it; the digits experiment (experiments/digits) needs no download."
    )

"""Which data a job trains on, is selected by, and is reported on: train, validation, test.

Choosing networks by their test error tunes the hyper-parameters to the test set, and the test
error of the winner is then an optimistic estimate. So by default the objective and the
early-termination check use a *validation* split, and the test split only gives each job's
``test_error``. The validation split is the network file's own ``x_val, y_val`` when it defines
them; otherwise it is carved from ``x_train`` by a fixed rule, the same for every job of every
run (so the objectives of all jobs compare): a stratified 20 % chosen with seed 0, independent of
the run's ``--seed``. ``--objective-split test`` is the paper's setting (train on all of
``x_train``, select and stop early on the test split), kept for the paper benchmark.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np

from hyperpower.network import NetworkDefinition, NetworkDefinitionError

VALIDATION_FRACTION = 0.2
VALIDATION_SEED = 0


@dataclasses.dataclass
class JobSplits:
    """train: what the model is fitted on. selection: what stops the training early and gives
    the objective (``selection_name`` says which split that is). test: what gives ``test_error``.
    Each is an ``(x, y)`` pair."""

    train: tuple[Any, Any]
    selection: tuple[Any, Any]
    test: tuple[Any, Any]
    selection_name: str

    @property
    def selection_is_test(self) -> bool:
        return self.selection_name == "test"


def job_splits(definition: NetworkDefinition, objective_split: str = "validation") -> JobSplits:
    """The splits one job uses; ``objective_split`` is the config's ``objective_split`` setting.

    Raises NetworkDefinitionError (naming the file) when ``x_train`` is too small to carve a
    validation split from."""
    test = (definition.x_test, definition.y_test)
    if objective_split == "test":
        return JobSplits((definition.x_train, definition.y_train), test, test, "test")
    if definition.x_val is not None:
        return JobSplits((definition.x_train, definition.y_train), (definition.x_val, definition.y_val),
                         test, "validation")
    train_index, val_index = stratified_indices(definition.y_train)
    if len(train_index) == 0 or len(val_index) == 0:
        raise NetworkDefinitionError(
            f"{definition.path}: x_train has {len(definition.y_train)} samples, too few to carve a "
            f"{VALIDATION_FRACTION:.0%} validation split from; define x_val and y_val in the network file, "
            f"or select on the test split with --objective-split test")
    x, y = np.asarray(definition.x_train), np.asarray(definition.y_train)
    return JobSplits((x[train_index], y[train_index]), (x[val_index], y[val_index]), test, "validation")


def stratified_indices(labels: Any, fraction: float = VALIDATION_FRACTION,
                       seed: int = VALIDATION_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) sample indices, both sorted: ``floor(n * fraction)`` samples for
    validation, each class contributing its share to within one sample.

    The samples are shuffled with ``seed``, grouped by class (stable), and every
    (1/fraction)-th one goes to validation: a systematic sample, so it needs no minimum class
    size and works for integer, one-hot or string labels alike."""
    classes = _class_ids(labels)
    order = np.random.default_rng(seed).permutation(len(classes))
    order = order[np.argsort(classes[order], kind="stable")]
    share = Fraction(fraction).limit_denominator(1000)
    positions = np.arange(len(order))
    chosen = (positions + 1) * share.numerator // share.denominator > positions * share.numerator // share.denominator
    return np.sort(order[~chosen]), np.sort(order[chosen])


def _class_ids(labels: Any) -> np.ndarray:
    """(n,) integer class ids from (n,), (n, 1) or one-hot (n, classes) labels."""
    array = np.asarray(labels)
    if array.ndim > 1 and array.reshape(len(array), -1).shape[1] > 1:
        return np.argmax(array.reshape(len(array), -1), axis=1)
    return np.unique(array.reshape(len(array)), return_inverse=True)[1].reshape(-1)

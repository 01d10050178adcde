"""The train / validation / test splits of a job (hyperpower.splits): the carving rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hyperpower.network import NetworkDefinition, NetworkDefinitionError
from hyperpower.splits import job_splits, stratified_indices


def definition(samples: int = 100, classes: int = 4, **extra) -> NetworkDefinition:
    labels = np.arange(samples) % classes
    inputs = np.arange(samples, dtype="float32")[:, None]  # each input names its sample
    return NetworkDefinition(model=None, x_train=inputs, y_train=labels, x_test=inputs[:10] + 1000,
                             y_test=labels[:10], path=Path("net.py"), **extra)


def test_carved_validation_is_a_fixed_stratified_fifth_of_the_training_data():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 20)
    train, validation = stratified_indices(labels)
    assert len(validation) == 20 and len(train) == 80
    assert sorted(np.concatenate([train, validation])) == list(range(100))  # disjoint, covers everything
    assert list(train) == sorted(train) and list(validation) == sorted(validation)  # training order kept
    assert [int(np.sum(labels[validation] == c)) for c in (0, 1, 2)] == [10, 6, 4]
    again_train, again_validation = stratified_indices(labels)
    assert np.array_equal(validation, again_validation) and np.array_equal(train, again_train)
    _, other_seed = stratified_indices(labels, seed=1)
    assert not np.array_equal(validation, other_seed)


def test_one_hot_labels_are_stratified_by_class():
    labels = np.array([0] * 40 + [1] * 10)
    _, validation = stratified_indices(np.eye(2)[labels])
    assert len(validation) == 10 and int(np.sum(labels[validation] == 1)) == 2


def test_job_splits_carve_validation_unless_the_file_defines_it():
    carved = job_splits(definition())
    assert carved.selection_name == "validation" and not carved.selection_is_test
    assert len(carved.train[0]) == 80 and len(carved.selection[0]) == 20
    assert not set(carved.train[0].ravel()) & set(carved.selection[0].ravel())
    assert carved.test[0].min() >= 1000  # the test split is never carved into

    x_val, y_val = np.zeros((7, 1), "float32"), np.zeros(7, "int64")
    own = job_splits(definition(x_val=x_val, y_val=y_val))
    assert own.selection[0] is x_val and len(own.train[0]) == 100


def test_the_papers_setting_selects_on_the_test_split_and_trains_on_everything():
    splits = job_splits(definition(), "test")
    assert splits.selection_is_test and splits.selection[0].min() >= 1000 and len(splits.train[0]) == 100


def test_too_few_training_samples_to_carve_from_is_an_error_naming_the_file():
    with pytest.raises(NetworkDefinitionError, match="net.py: x_train has 4 samples, too few .* define x_val"):
        job_splits(definition(samples=4))

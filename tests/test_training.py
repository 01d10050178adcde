"""Early termination, progress logging and test accuracy (hyperpower.training)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from hyperpower.training import EarlyTerminationRule, accuracy_of, train


class FixedPredictions:
    """Stands in for a model whose predictions are known, to check accuracy_of's arithmetic."""

    def __init__(self, predictions):
        self.predictions = np.asarray(predictions, dtype=float)

    def predict(self, x, batch_size=32, verbose=0):
        return self.predictions


def small_problem(seed: int = 0, samples: int = 64):
    """(x_train, y_train), (x_test, y_test): 3 separable classes in 4 features."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, samples)
    x = rng.normal(size=(samples, 4)).astype("float32")
    x[np.arange(samples), labels] += 3.0
    return (x[:48], labels[:48]), (x[48:], labels[48:])


def small_model(learning_rate: float = 0.05, metrics=("accuracy",)):
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def test_default_min_accuracy_is_one_and_a_half_times_chance():
    assert EarlyTerminationRule.from_settings({"epochs": 2, "min_accuracy": None}, 10) == EarlyTerminationRule(2, 0.15)
    assert EarlyTerminationRule.from_settings(None, 4) == EarlyTerminationRule(2, 0.375)
    assert EarlyTerminationRule.from_settings({"epochs": 3, "min_accuracy": 0.5}, 10) == EarlyTerminationRule(3, 0.5)


def test_accuracy_counts_matching_classes_for_integer_and_one_hot_labels():
    model = FixedPredictions([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert accuracy_of(model, None, np.array([0, 1, 1, 1])) == 0.75
    assert accuracy_of(model, None, np.array([[0], [1], [1], [1]])) == 0.75
    assert accuracy_of(model, None, np.eye(2)[[0, 1, 1, 0]]) == 0.5


def test_accuracy_of_a_sigmoid_output_thresholds_at_one_half():
    assert accuracy_of(FixedPredictions([[0.9], [0.2], [0.6]]), None, np.array([1, 1, 1])) == pytest.approx(2 / 3)


def test_non_finite_predictions_count_as_wrong():
    model = FixedPredictions([[np.nan, np.nan], [0.2, 0.8], [np.inf, 0.0]])
    assert accuracy_of(model, None, np.array([0, 1, 0])) == pytest.approx(1 / 3)


def test_diverging_training_stops_in_its_first_epoch():
    (x_train, y_train), validation = small_problem()
    log = io.StringIO()
    outcome = train(small_model(learning_rate=1e12), x_train * 1e6, y_train, validation, epochs=5, batch_size=8,
                    log=log, rule=EarlyTerminationRule(epochs=2, min_accuracy=0.5))
    assert outcome.early_terminated
    assert outcome.epochs_run == 1
    assert outcome.diverged
    assert "training loss became" in outcome.reason
    assert "early termination: training loss became" in log.getvalue()


def test_low_validation_accuracy_stops_after_the_configured_epochs():
    (x_train, y_train), validation = small_problem()
    outcome = train(small_model(), x_train, y_train, validation, epochs=5, batch_size=8, log=io.StringIO(),
                    rule=EarlyTerminationRule(epochs=2, min_accuracy=1.0))
    assert outcome.early_terminated and outcome.epochs_run == 2
    assert outcome.reason.startswith("validation accuracy") and "after 2 epochs" in outcome.reason
    assert not outcome.diverged


def test_accuracy_check_without_an_accuracy_metric_computes_it_from_predictions():
    (x_train, y_train), validation = small_problem()
    model = small_model(metrics=())
    outcome = train(model, x_train, y_train, validation, epochs=3, batch_size=8, log=io.StringIO(),
                    rule=EarlyTerminationRule(epochs=1, min_accuracy=1.0))
    assert outcome.epochs_run == 1
    measured = float(outcome.reason.split()[2])
    assert measured == pytest.approx(accuracy_of(model, *validation), abs=1e-4)


def test_good_training_runs_to_the_end_and_logs_each_epoch():
    (x_train, y_train), validation = small_problem()
    log = io.StringIO()
    model = small_model()
    outcome = train(model, x_train, y_train, validation, epochs=3, batch_size=8, log=log,
                    rule=EarlyTerminationRule(epochs=1, min_accuracy=0.0))
    assert not outcome.early_terminated and outcome.reason is None and outcome.epochs_run == 3
    lines = [line for line in log.getvalue().splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "val_accuracy=" in lines[-1] and "loss=" in lines[-1]
    assert math.isfinite(outcome.final_loss)


def test_without_a_rule_a_diverging_training_runs_to_the_end():
    (x_train, y_train), validation = small_problem()
    outcome = train(small_model(learning_rate=1e12), x_train * 1e6, y_train, validation, epochs=2, batch_size=8,
                    log=io.StringIO(), rule=None)
    assert outcome.epochs_run == 2 and not outcome.early_terminated
    assert outcome.diverged


def test_accuracy_check_at_the_last_planned_epoch_does_not_flag_the_job():
    (x_train, y_train), validation = small_problem()
    outcome = train(small_model(), x_train, y_train, validation, epochs=2, batch_size=8, log=io.StringIO(),
                    rule=EarlyTerminationRule(epochs=2, min_accuracy=1.0))
    assert outcome.epochs_run == 2
    assert not outcome.early_terminated and outcome.reason is None

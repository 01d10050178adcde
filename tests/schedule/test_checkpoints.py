"""Checkpoints (issue 13 point 3): Keras's native file keeps the optimizer state, so a promotion
continues the training; a lost checkpoint means training from scratch, logged."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from hyperpower.config import config_from_json
from hyperpower.experiment import resolve_experiment
from hyperpower.jobs import Job
from hyperpower.objective import needs_checkpoint, resume_parent
from hyperpower.schedule.checkpoints import checkpoint_path, load_checkpoint, save_checkpoint


def _paths(tmp_path: Path):
    folder = tmp_path / "exp"
    (folder / "keras_model").mkdir(parents=True)
    (folder / "keras_model" / "network_def.py").write_text("x = 1\n")
    return resolve_experiment(folder)


def _trained_model():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).random((64, 4)), np.arange(64) % 3
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model


def test_a_checkpoint_keeps_the_weights_and_the_optimizer_state(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    paths.output_dir.mkdir()
    model = _trained_model()
    log = io.StringIO()
    assert save_checkpoint(model, paths, 7, log) == checkpoint_path(paths, 7)
    loaded = load_checkpoint(paths, 7, log)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 8  # 2 epochs x 4 batches
    for mine, theirs in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs))
    for mine, theirs in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(mine, theirs)
    assert "continuing job 7's training" in log.getvalue()


def _config(tmp_path: Path):
    return config_from_json({"variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
                             "hyperpower": {"scheduler": "asha", "min_epochs": 1, "max_epochs": 9, "eta": 3}},
                            str(tmp_path / "config.json"))


def test_a_promotion_resumes_at_its_parents_epochs_and_a_lost_checkpoint_starts_over(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    paths.output_dir.mkdir()
    config = _config(tmp_path)
    fresh = object()
    definition = SimpleNamespace(model=fresh)
    promotion = Job(id=5, experiment="e", rung=2, epochs=9, parent=4)
    log = io.StringIO()
    assert resume_parent(paths, config, promotion, definition, log) == 0 and definition.model is fresh
    assert f"checkpoint of job 4 lost ({checkpoint_path(paths, 4)} does not exist): training from scratch" \
        in log.getvalue()
    save_checkpoint(_trained_model(), paths, 4, log)
    assert resume_parent(paths, config, promotion, definition, log) == 3  # rung 1 trained 3 epochs
    assert definition.model is not fresh
    checkpoint_path(paths, 4).write_text("not a keras file")
    definition.model = fresh
    assert resume_parent(paths, config, promotion, definition, log) == 0 and definition.model is fresh
    assert "checkpoint of job 4 unusable" in log.getvalue()


def test_only_jobs_below_the_top_rung_leave_a_checkpoint(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert needs_checkpoint(config, Job(id=1, experiment="e", rung=0, epochs=1))
    assert needs_checkpoint(config, Job(id=2, experiment="e", rung=1, epochs=3))
    assert not needs_checkpoint(config, Job(id=3, experiment="e", rung=2, epochs=9))
    assert not needs_checkpoint(config_from_json({"variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}}}),
                                Job(id=4, experiment="e"))


def test_a_continued_training_counts_the_networks_epochs_and_early_termination_still_applies() -> None:
    from hyperpower.training import EarlyTerminationRule, train

    model = _trained_model()  # trained 2 epochs: a promotion to 4 trains epochs 3 and 4 only
    x, y = np.random.default_rng(1).random((32, 4)), np.arange(32) % 3
    log = io.StringIO()
    outcome = train(model, x, y, (x, y), 4, 16, log, None, initial_epoch=2)
    assert outcome.epochs_run == 2 and "epoch 3/4" in log.getvalue() and "epoch 1/4" not in log.getvalue()
    impossible = EarlyTerminationRule(epochs=2, min_accuracy=1.0)  # past the rule's epochs at once
    outcome = train(model, x, y, (x, y), 6, 16, io.StringIO(), impossible, initial_epoch=4)
    assert outcome.early_terminated and outcome.epochs_run == 1

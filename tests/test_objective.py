"""evaluate_job: render, train (early termination in aware mode), test error, inference metrics."""

from __future__ import annotations

import io
import json
import math
import shutil
import textwrap
from pathlib import Path

import pytest

from hyperpower.config import ExperimentConfig, Task, save_config
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.errors import HyperPowerError
from hyperpower.experiment import ExperimentPaths
from hyperpower.jobs import Job
from hyperpower import objective
from hyperpower.objective import TrainingDivergedError, evaluate_job, metrics_to_measure

REPO = Path(__file__).resolve().parents[1]

# Four separable classes in six features; the learning rate and hidden width are searched.
TINY_TEMPLATE = textwrap.dedent('''
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 200)
    inputs = rng.normal(size=(200, 6)).astype("float32")
    inputs[np.arange(200), labels] += 3.0
    x_train, y_train, x_test, y_test = inputs[:150], labels[:150], inputs[150:], labels[150:]
    FAIL_HERE
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(HYPERPARAM{"type": "INT", "token": "units", "min": 4, "max": 32, "structural": true},
                           activation="relu"),
        keras.layers.Dense(4, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=HYPERPARAM{"type": "FLOAT", "token": "learning_rate", "min": 0.001, "max": 10.0, "scale": "log"},
            momentum=0.9),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    batch_size = 16
    epochs = 5
''')


class RecordedMeasurement:
    """Stands in for hyperpower.hardware in the training-focused tests (measurement is slow and
    tested with the real sensors below): records what it was asked and returns fixed values."""

    def __init__(self) -> None:
        self.calls = []

    def __call__(self, network_path, config, log, *, measurer=None, seed=None):
        self.calls.append(network_path)
        return {"latency": 1.5, "memory": 300.0}


def make_experiment(root: Path, failure: str = "") -> ExperimentPaths:
    (root / "keras_model").mkdir(parents=True)
    (root / "keras_model" / "network_def.py").write_text(TINY_TEMPLATE.replace("FAIL_HERE", failure))
    return ExperimentPaths(root, "hyperpower")


def make_config(paths: ExperimentPaths, **settings) -> ExperimentConfig:
    from hyperpower.template import parse_template

    space = parse_template(paths.template).space
    return ExperimentConfig(name=paths.name, space=space, tasks={"error": Task("error")},
                            settings=HyperPowerSettings.from_section({"seed": 0, **settings}))


def make_job(config: ExperimentConfig, job_id: int = 1, **raw) -> Job:
    return Job(id=job_id, experiment=config.name, raw_params=raw, params=config.space.network_params(raw))


@pytest.fixture
def measured(monkeypatch) -> RecordedMeasurement:
    recorder = RecordedMeasurement()
    monkeypatch.setattr(objective, "measure_hardware", recorder)
    return recorder


def test_good_configuration_trains_to_the_end_and_reports_its_error(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, epochs=3)
    log = io.StringIO()
    result = evaluate_job(paths, config, make_job(config, units=16, learning_rate=0.05), log)
    assert not result.early_terminated
    assert result.values["error"] < 0.2 and 0.0 <= result.values["test_error"] <= 1.0
    assert result.values["latency"] == 1.5 and result.values["memory"] == 300.0
    rendered = paths.job_network(1)
    assert rendered == tmp_path / "tiny" / "output" / "job_00001_network.py"
    assert "units=16" not in rendered.read_text() and "Dense(16," in rendered.read_text()
    assert measured.calls == [rendered], "the rendered network file is what gets measured"
    assert "epoch 3/3:" in log.getvalue() and "epoch 4/" not in log.getvalue()


# Labels of the test split shifted by one class: a model that learned the task gets them all wrong.
WRONG_TEST_LABELS = "y_test = (y_test + 1) % 4"


def test_early_termination_and_the_objective_use_the_validation_split_not_the_test_split(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny", failure=WRONG_TEST_LABELS)
    stop_below_half = {"epochs": 2, "min_accuracy": 0.5}
    config = make_config(paths, epochs=4, early_termination=stop_below_half)
    log = io.StringIO()
    result = evaluate_job(paths, config, make_job(config, units=16, learning_rate=0.05), log)
    assert not result.early_terminated, "the test split's accuracy (near 0) must not stop the training"
    assert result.values["error"] < 0.2 and result.values["test_error"] > 0.8
    assert "training 4 epochs on 120 samples" in log.getvalue()  # 150 minus the carved 20 %
    assert "objective and early termination on the validation split (30 samples)" in log.getvalue()

    # the paper's setting on the same job: selected and stopped on the test split
    paper = make_config(paths, epochs=4, early_termination=stop_below_half, objective_split="test")
    log = io.StringIO()
    result = evaluate_job(paths, paper, make_job(paper, units=16, learning_rate=0.05), log)
    assert result.early_terminated and "test accuracy" in log.getvalue()
    assert result.values["error"] > 0.8 and result.values["test_error"] == result.values["error"]
    assert "training 4 epochs on 150 samples" in log.getvalue()


def test_a_validation_split_defined_by_the_network_file_is_the_one_used(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny", failure="x_val, y_val = x_test, (y_test + 1) % 4")
    config = make_config(paths, epochs=4, early_termination={"epochs": 2, "min_accuracy": 0.5})
    log = io.StringIO()
    result = evaluate_job(paths, config, make_job(config, units=16, learning_rate=0.05), log)
    assert result.early_terminated and "validation accuracy" in log.getvalue()
    assert result.values["error"] > 0.8 and result.values["test_error"] < 0.5
    assert "on 150 samples" in log.getvalue()  # nothing carved from x_train


def test_the_rendered_network_file_states_the_epochs_the_job_trained(tmp_path, measured):
    from hyperpower.network import build_network, load_network
    from hyperpower.template import parse_template

    paths = make_experiment(tmp_path / "tiny")  # the template says epochs = 5
    config = make_config(paths, epochs=2)
    evaluate_job(paths, config, make_job(config, units=8, learning_rate=0.05), io.StringIO())
    rendered = paths.job_network(1).read_text()
    assert "epochs = 2\n" in rendered and "epochs = 5" not in rendered
    assert load_network(paths.job_network(1)).epochs == 2

    template_without_epochs = tmp_path / "no_epochs.py"
    template_without_epochs.write_text(paths.template.read_text().replace("epochs = 5\n", ""))
    params = make_job(config, units=8, learning_rate=0.05).params
    definition = build_network(parse_template(template_without_epochs), params, tmp_path / "rendered.py",
                               **objective.network_settings(make_config(paths)))
    assert definition.epochs == objective.DEFAULT_EPOCHS
    assert f"epochs = {objective.DEFAULT_EPOCHS}  # set by HyperPower" in (tmp_path / "rendered.py").read_text()


def test_the_saved_trained_model_reproduces_the_reported_errors(tmp_path, measured):
    import keras

    from hyperpower.network import load_network
    from hyperpower.splits import job_splits
    from hyperpower.training import accuracy_of

    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, epochs=3)
    result = evaluate_job(paths, config, make_job(config, units=16, learning_rate=0.05), io.StringIO())
    model = keras.saving.load_model(paths.job_model(1))
    splits = job_splits(load_network(paths.job_network(1)))  # the data, re-created from the rendered file
    # only float rounding may differ: the same weights predict the same classes
    error = 1.0 - accuracy_of(model, *splits.selection, batch_size=16)
    test_error = 1.0 - accuracy_of(model, *splits.test, batch_size=16)
    assert (error, test_error) == pytest.approx((result.values["error"], result.values["test_error"]), abs=1e-12)


def test_keep_models_none_saves_no_model(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, epochs=1, keep_models="none")
    log = io.StringIO()
    evaluate_job(paths, config, make_job(config, units=8, learning_rate=0.05), log)
    assert not paths.job_model(1).exists() and list(paths.output_dir.glob("*.keras")) == []
    assert "trained model" not in log.getvalue()


def test_a_model_keras_cannot_save_leaves_the_job_valid(tmp_path, measured, monkeypatch):
    import keras

    def refuse(self, *args, **kwargs):
        raise TypeError("cannot serialize this layer")

    monkeypatch.setattr(keras.Model, "save", refuse)
    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, epochs=1)
    log = io.StringIO()
    result = evaluate_job(paths, config, make_job(config, units=8, learning_rate=0.05), log)
    assert "error" in result.values and not paths.job_model(1).exists()
    assert "trained model not kept: saving it failed: TypeError: cannot serialize this layer" in log.getvalue()
    assert list(paths.output_dir.glob(".*")) == []  # no partial file left behind


def test_diverging_configuration_is_stopped_early_with_the_error_reached(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, aware=True, epochs=20)
    log = io.StringIO()
    result = evaluate_job(paths, config, make_job(config, units=16, learning_rate=10.0), log)
    assert result.early_terminated
    assert 0.0 <= result.values["error"] <= 1.0 and math.isfinite(result.values["error"])
    # learning rate 10 sends the loss to 1e8 and beyond: stopped at NaN or at chance accuracy
    assert "early termination: " in log.getvalue()
    assert "epoch 3/20" not in log.getvalue() or "loss became nan" in log.getvalue()
    assert "epoch 20/20" not in log.getvalue()
    assert len(measured.calls) == 1  # power/memory do not depend on training: still measured


def test_unaware_mode_trains_a_diverging_configuration_to_the_end_then_fails(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, aware=False, epochs=8)
    log = io.StringIO()
    with pytest.raises(TrainingDivergedError, match="after 8 epochs; unaware mode"):
        evaluate_job(paths, config, make_job(config, units=16, learning_rate=10.0), log)
    assert "epoch 8/8:" in log.getvalue() and "early termination:" not in log.getvalue()


def test_low_accuracy_threshold_from_the_config_stops_after_its_epochs(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, epochs=6, early_termination={"epochs": 2, "min_accuracy": 0.999})
    log = io.StringIO()
    result = evaluate_job(paths, config, make_job(config, units=8, learning_rate=0.001), log)
    assert result.early_terminated
    assert "after 2 epochs" in log.getvalue() and "epoch 3/6" not in log.getvalue()


def test_exception_in_the_template_propagates(tmp_path, measured):
    paths = make_experiment(tmp_path / "tiny", failure="raise RuntimeError('the user network is broken')")
    config = make_config(paths)
    with pytest.raises(RuntimeError, match="the user network is broken"):
        evaluate_job(paths, config, make_job(config, units=8, learning_rate=0.01), io.StringIO())
    assert paths.job_network(1).is_file()  # kept, so the user can run it and see the failure
    assert measured.calls == []


def test_job_process_records_an_early_terminated_job_as_finished(tmp_path, measured):
    from hyperpower.loop import job_process

    paths = make_experiment(tmp_path / "tiny")
    config = make_config(paths, epochs=20)
    save_config(config, paths.config)
    job = make_job(config, job_id=7, units=16, learning_rate=10.0)
    result_path = tmp_path / "result.json"
    code = job_process.main(["--experiment-dir", str(paths.root), "--config", str(paths.config),
                             "--job", json.dumps(job.to_dict()), "--result", str(result_path)])
    result = json.loads(result_path.read_text())
    assert code == 0 and result["ok"] and result["early_terminated"] is True
    assert 0.0 <= result["values"]["error"] <= 1.0


@pytest.mark.parametrize("budgets, objective_metric, measurable, expected", [
    ({}, "error", {"latency", "memory"}, ["memory", "latency"]),
    ({"power": 90.0}, "error", {"power", "energy", "latency", "memory"}, ["power", "memory", "latency"]),
    ({"power": 90.0}, "error", {"latency", "memory"}, ["memory", "latency"]),
    ({"energy": 3.0}, "error", {"latency"}, ["latency"]),
    ({}, "energy", {"energy", "latency", "memory"}, ["memory", "latency", "energy"]),
])
def test_metrics_to_measure(budgets, objective_metric, measurable, expected, tmp_path):
    config = ExperimentConfig(name="x", space=None, tasks={objective_metric: Task(objective_metric)},
                              settings=HyperPowerSettings.from_section({"objective": objective_metric, "budgets": budgets}))
    assert metrics_to_measure(config, measurable) == expected


def test_objective_that_cannot_be_measured_here_is_an_error():
    config = ExperimentConfig(name="x", space=None, tasks={"power": Task("power")},
                              settings=HyperPowerSettings.from_section({"objective": "power"}))
    with pytest.raises(HyperPowerError, match="objective 'power'.*measurable here: latency, memory"):
        metrics_to_measure(config, {"latency", "memory"})


@pytest.mark.slow
def test_one_epoch_of_digits_through_the_real_keras_and_sensor_path(tmp_path):
    root = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", root / "keras_model")
    paths = ExperimentPaths(root, "hyperpower")
    config = make_config(paths, epochs=1, budgets={"memory": 4000.0})
    raw = config.space.from_unit([0.5] * config.space.dim)
    log = io.StringIO()
    result = evaluate_job(paths, config, make_job(config, **raw), log)
    assert 0.0 <= result.values["error"] <= 1.0
    assert result.values["latency"] > 0 and result.values["memory"] > 0
    assert "epoch 1/1:" in log.getvalue()

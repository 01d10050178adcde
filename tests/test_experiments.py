"""The shipped experiment templates parse, span the paper's hyper-parameters, and build.

MNIST and CIFAR-10 load their data through keras.datasets (a download); here the loader is
replaced by small random arrays of the real shapes, so the templates' networks are built and
trained for one step at their extreme configurations without network access.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from hyperpower import datasets
from hyperpower.network import build_network
from hyperpower.training import accuracy_of

REPO = Path(__file__).resolve().parents[1]
SHAPES = {"mnist": ((28, 28), ()), "cifar10": ((32, 32, 3), (1,))}

MNIST_VARIABLES = {"conv1_num_output": (20, 80), "conv2_num_output": (20, 80), "conv1_kernel_size": (2, 5),
                   "conv2_kernel_size": (2, 5), "ip1_num_output": (200, 700), "learning_rate": (0.001, 0.1)}
CIFAR10_VARIABLES = {
    **{f"conv{i}_num_output": (20, 80) for i in (1, 2, 3)},
    **{f"conv{i}_kernel_size": (2, 5) for i in (1, 2, 3)},
    **{f"pool{i}_kernel_size": (1, 3) for i in (1, 2, 3)},
    "ip1_num_output": (200, 700), "learning_rate": (0.001, 0.1), "momentum": (0.8, 0.95),
    "weight_decay": (0.0001, 0.01),
}


def fake_keras_dataset(name: str):
    """Random uint8 images and labels with the shapes keras.datasets.<name> returns."""
    image_shape, label_shape = SHAPES[name]
    rng = np.random.default_rng(0)
    images = lambda n: rng.integers(0, 256, (n, *image_shape), dtype=np.uint8)  # noqa: E731
    labels = lambda n: rng.integers(0, 10, (n, *label_shape)).astype(np.uint8)  # noqa: E731
    return (images(64), labels(64)), (images(16), labels(16))


def template_of(name: str):
    from hyperpower.template import parse_template

    return parse_template(REPO / "experiments" / name / "keras_model" / "network_def.py")


@pytest.mark.parametrize("name, expected", [("mnist", MNIST_VARIABLES), ("cifar10", CIFAR10_VARIABLES)])
def test_template_spans_the_papers_hyper_parameters(name, expected):
    space = template_of(name).space
    assert {v.name: (v.min, v.max) for v in space.variables} == expected
    learning_rate = space["learning_rate"]
    assert learning_rate.log_scale and learning_rate.structural is False
    assert all(space[n].structural for n in expected if n.startswith(("conv", "pool", "ip")))


def test_digits_template_has_six_to_eight_hyper_parameters():
    assert 6 <= len(template_of("digits").space) <= 8


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
@pytest.mark.parametrize("corner", [0.0, 1.0])
def test_template_builds_and_trains_at_its_extreme_configurations(name, corner, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "load_keras_dataset", fake_keras_dataset)
    template = template_of(name)
    raw = template.space.from_unit([corner] * template.space.dim)
    definition = build_network(template, template.space.network_params(raw), tmp_path / "job_00001_network.py")
    assert definition.num_classes == 10
    assert definition.x_train.dtype == np.float32 and float(definition.x_train.max()) <= 1.0
    definition.model.fit(definition.x_train[:8], definition.y_train[:8], batch_size=8, epochs=1, verbose=0)
    assert 0.0 <= accuracy_of(definition.model, definition.x_test, definition.y_test) <= 1.0

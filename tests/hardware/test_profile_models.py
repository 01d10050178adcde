"""From samples to model files: feature columns, both feature sets, loadable documents."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hyperpower.hardware.profile_models import fit_all, hyperparameter_columns, model_document, write_model


def _samples(n: int = 40, seed: int = 0) -> list[dict]:
    """Memory truth: 300 MB + 0.004 MB per weight; widths are a size-2 variable."""
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        widths = [int(w) for w in rng.integers(1, 9, 2) * 64]
        kind = str(rng.choice(["relu", "tanh"]))
        parameters = 12 * widths[0] + widths[0] * widths[1] + widths[1] * 3
        samples.append({
            "params": {"widths": widths, "kind": kind, "learning_rate": 0.01},
            "features": {"parameters": parameters, "macs": parameters, "activations": sum(widths) + 3},
            "values": {"memory": 300.0 + 0.004 * parameters * (1 + 0.002 * rng.standard_normal())},
        })
    return samples


def test_columns_expand_size_k_variables_and_skip_text_enums() -> None:
    names, skipped = hyperparameter_columns(_samples(3), ["widths", "kind"])
    assert names == ["widths[0]", "widths[1]"] and skipped == ["kind"]


def test_network_features_win_when_the_truth_is_in_the_weights() -> None:
    fits, chosen = fit_all(_samples(), ["memory"], ["widths", "kind"], folds=10, seed=1, device="test")["memory"]
    assert set(fits) == {"hyperparameters", "network"}
    assert fits["network"].cv_rmspe < 0.005
    assert fits["hyperparameters"].cv_rmspe > fits["network"].cv_rmspe + 0.02, "width product is not linear in widths"
    assert chosen.feature_set == "network"


def test_features_option_forces_the_cheap_model_even_when_network_fits_better() -> None:
    fits, chosen = fit_all(_samples(), ["memory"], ["widths", "kind"], folds=10, seed=1, device="test",
                           features="hyperparameters")["memory"]
    assert chosen is fits["hyperparameters"]
    assert fits["network"].cv_rmspe < chosen.cv_rmspe


def test_document_is_design_format_and_loads_in_the_optimizer(tmp_path) -> None:
    optimize = pytest.importorskip("hyperpower.optimize")
    fits, chosen = fit_all(_samples(), ["memory"], ["widths"], folds=5, seed=1, device="AMD EPYC")["memory"]
    document = model_document(fits, fits["hyperparameters"], "profiles/profile-x.json")
    path = write_model(tmp_path / "models", document)
    data = json.loads(path.read_text())
    assert path.name == "memory.json"
    for key in ("metric", "unit", "features", "coef", "intercept", "device", "samples", "cv_rmspe", "feature_set"):
        assert key in data
    assert data["unit"] == "MB" and data["samples"] == 40 and data["profile"] == "profiles/profile-x.json"
    assert set(data["comparison"]) == {"hyperparameters", "network"}
    model = optimize.load_linear_model(path)
    params = {"widths": [128, 256], "learning_rate": 0.01}
    expected = fits["hyperparameters"].predict([[128, 256]])[0]
    assert model.predict(params) == pytest.approx(expected)

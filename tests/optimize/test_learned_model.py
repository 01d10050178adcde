"""A-priori models as the prior mean of a residual GP (issue 25): n = 0 is the model exactly, a
known linear cost plus a smooth bias is recovered, predictions move to the measurements."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.optimize.constraints import LinearModel, ModelBudget
from hyperpower.optimize.device_models import PerDeviceModel
from hyperpower.optimize.learned_model import LearnedModel, learned_model, model_variables
from hyperpower.optimize.residual_gp import ResidualProcess
from hyperpower.space import SearchSpace, Variable, VariableType

SPACE = SearchSpace([
    Variable("width", VariableType.INT, 8, 128),
    Variable("depth", VariableType.INT, 1, 8),
    Variable("rate", VariableType.FLOAT, 0.0, 1.0),  # not read by the model: no input of the residual GP
])
LATENCY = LinearModel("latency", ["width", "depth"], [0.02, 0.3], 0.5, unit="ms", cv_rmspe=0.1)


def points_of(rng: np.random.Generator, n: int) -> np.ndarray:
    return SPACE.sample(rng, n)


def network(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    decoded = [SPACE.network_params(SPACE.from_unit(p)) for p in points]
    return np.array([d["width"] for d in decoded], float), np.array([d["depth"] for d in decoded], float)


def smooth_bias(points: np.ndarray) -> np.ndarray:
    """What the linear form misses: a bump over the wide networks, up to 1.2 ms."""
    width, _ = network(points)
    return 1.2 * np.exp(-(((width - 100.0) / 25.0) ** 2))


def test_before_any_measurement_the_prediction_is_the_model_exactly() -> None:
    learned = LearnedModel(LATENCY, SPACE, np.random.default_rng(0))
    candidates = points_of(np.random.default_rng(1), 50)
    for _ in range(2):  # never updated, then updated with no measurement
        prediction = learned.predict(candidates)
        np.testing.assert_array_equal(prediction.mean, LATENCY.predict_unit(SPACE, candidates))
        assert not prediction.learned.any() and not prediction.variance.any()
        learned.update(np.zeros((0, SPACE.dim)), np.zeros(0))


def test_a_known_linear_cost_plus_a_smooth_bias_is_recovered() -> None:
    rng = np.random.default_rng(3)
    measured_at, held_out = points_of(rng, 40), points_of(rng, 300)
    truth = lambda p: LATENCY.predict_unit(SPACE, p) + smooth_bias(p)  # noqa: E731
    values = truth(measured_at) + 0.02 * rng.standard_normal(40)
    learned = LearnedModel(LATENCY, SPACE, np.random.default_rng(0))
    learned.update(measured_at, values)
    prediction = learned.predict(held_out)
    model_error = np.sqrt(np.mean(smooth_bias(held_out) ** 2))
    learned_error = np.sqrt(np.mean((prediction.mean - truth(held_out)) ** 2))
    assert model_error > 0.3
    assert learned_error < 0.2 * model_error, (learned_error, model_error)
    # the bias is recovered where it is large, not smeared: the bump's top and a narrow network
    top, narrow = SPACE.to_unit({"width": 100, "depth": 4, "rate": 0.5}), SPACE.to_unit({"width": 20, "depth": 4, "rate": 0.5})
    corrected = learned.predict(np.array([top, narrow])).mean - LATENCY.predict_unit(SPACE, np.array([top, narrow]))
    assert corrected[0] == pytest.approx(1.2, abs=0.15) and abs(corrected[1]) < 0.1


def test_the_variance_is_small_where_measured_and_wide_where_not() -> None:
    rng = np.random.default_rng(4)
    narrow = np.array([SPACE.to_unit({"width": int(w), "depth": 2, "rate": 0.5}) for w in rng.integers(8, 40, 15)])
    learned = LearnedModel(LATENCY, SPACE, np.random.default_rng(0))
    learned.update(narrow, LATENCY.predict_unit(SPACE, narrow) + smooth_bias(narrow))
    near, far = SPACE.to_unit({"width": 24, "depth": 2, "rate": 0.1}), SPACE.to_unit({"width": 128, "depth": 8, "rate": 0.1})
    variance = learned.predict(np.array([near, far])).variance
    assert variance[1] > 10 * variance[0]


def test_predictions_move_to_the_measurements_as_they_arrive() -> None:
    """One configuration measured again and again 1.5 ms over its prediction: the first
    measurement moves the prediction part of the way (the correction fades in), more of them
    all the way; the gap shrinks at every step."""
    point = SPACE.to_unit({"width": 64, "depth": 4, "rate": 0.5})[None, :]
    model_value = float(LATENCY.predict_unit(SPACE, point)[0])
    rng = np.random.default_rng(5)
    learned = LearnedModel(LATENCY, SPACE, np.random.default_rng(0))
    gaps = []
    for n in (1, 2, 4, 8, 16):
        measured = model_value + 1.5 + 0.05 * rng.standard_normal(n)
        learned.update(np.repeat(point, n, axis=0), measured)
        gaps.append(float(measured.mean() - learned.predict(point).mean[0]))
    assert 0.05 < gaps[0] < 1.5, "one measurement moves the prediction part of the way, not past it"
    assert all(later < earlier for earlier, later in zip(gaps, gaps[1:])), gaps
    assert abs(gaps[-1]) < 0.1


def test_a_relative_error_learnt_on_small_networks_carries_to_large_ones() -> None:
    """The machine is 40% slower than the one profiled: measured = 1.4 x model. Measurements of
    small networks only; the large ones' predictions move most of the way to 1.4 x too (the
    residual's relative term), which a purely local correction could not do."""
    rng = np.random.default_rng(6)
    small = np.array([SPACE.to_unit({"width": int(w), "depth": int(d), "rate": 0.5})
                      for w, d in zip(rng.integers(8, 48, 20), rng.integers(1, 4, 20))])
    learned = LearnedModel(LATENCY, SPACE, np.random.default_rng(0))
    learned.update(small, 1.4 * LATENCY.predict_unit(SPACE, small) * (1 + 0.02 * rng.standard_normal(20)))
    large = SPACE.to_unit({"width": 128, "depth": 8, "rate": 0.5})[None, :]
    model_value = LATENCY.predict_unit(SPACE, large)[0]
    assert learned.predict(large).mean[0] > model_value * 1.25


def test_only_the_variables_the_model_reads_are_inputs() -> None:
    assert model_variables(LATENCY, SPACE) == ["width", "depth"]
    product = LinearModel("memory", ["width*depth", "depth"], [0.1, 1.0], 10.0)
    assert model_variables(product, SPACE) == ["width", "depth"]
    enum_space = SearchSpace([Variable("op", VariableType.ENUM, options=("conv", "pool", "skip"), size=2),
                              Variable("lr", VariableType.FLOAT, 0.0, 1.0)])
    one_hot = LinearModel("latency", ["op[0]=conv", "op[1]=pool"], [2.0, 1.0], 1.0)
    assert model_variables(one_hot, enum_space) == ["op"]
    assert LearnedModel(one_hot, enum_space, np.random.default_rng(0)).columns.tolist() == list(range(6))


def test_each_device_learns_from_its_own_jobs() -> None:
    space = SearchSpace([Variable("width", VariableType.INT, 8, 128),
                         Variable("device", VariableType.ENUM, options=("cpu", "gpu:0"), structural=False)])
    model = PerDeviceModel("latency", "device", {"cpu": LinearModel("latency", ["width"], [0.05], 1.0),
                                                 "gpu:0": LinearModel("latency", ["width"], [0.005], 0.2)})
    learned = learned_model(model, space, np.random.default_rng(0))
    cpu = np.array([space.to_unit({"width": int(w), "device": "cpu"}) for w in range(8, 128, 10)])
    learned.update(cpu, model.predict_unit(space, cpu) + 2.0)  # the CPU is 2 ms slower than profiled
    probe = np.array([space.to_unit({"width": 64, "device": "cpu"}), space.to_unit({"width": 64, "device": "gpu:0"})])
    prediction = learned.predict(probe)
    assert prediction.learned.tolist() == [True, False]
    assert prediction.mean[0] == pytest.approx(model.predict_unit(space, probe[:1])[0] + 2.0, abs=0.2)
    assert prediction.mean[1] == model.predict_unit(space, probe[1:])[0], "no GPU job: the GPU's model exactly"


def test_a_learned_budget_decides_on_the_corrected_prediction_and_its_spread() -> None:
    """Measured latency is 1.3 x the model's: the a-priori rule accepts configurations the
    measurements say break the budget; the learned rule refuses them, and a margin of two
    predictive standard deviations refuses more."""
    rng = np.random.default_rng(8)
    measured_at = points_of(rng, 30)
    learned = LearnedModel(LATENCY, SPACE, np.random.default_rng(0))
    fixed = ModelBudget(LATENCY, 3.0)
    plain = ModelBudget(LATENCY, 3.0, learned=learned, limit=3.0)
    careful = ModelBudget(LATENCY, 3.0, learned=learned, limit=3.0, sds=2.0)
    candidates = points_of(rng, 2000)
    np.testing.assert_array_equal(plain.feasible(SPACE, candidates), fixed.feasible(SPACE, candidates))  # n = 0
    np.testing.assert_array_equal(plain.probability(SPACE, candidates), fixed.probability(SPACE, candidates))
    learned.update(measured_at, 1.3 * LATENCY.predict_unit(SPACE, measured_at) * (1 + 0.03 * rng.standard_normal(30)))
    truly_within = 1.3 * LATENCY.predict_unit(SPACE, candidates) <= 3.0
    for budget in (plain, careful):
        accepted = budget.feasible(SPACE, candidates)
        assert accepted.any() and truly_within[accepted].mean() > 0.9
    assert fixed.feasible(SPACE, candidates).sum() > 1.2 * plain.feasible(SPACE, candidates).sum()
    assert careful.feasible(SPACE, candidates).sum() < plain.feasible(SPACE, candidates).sum()
    probability = plain.probability(SPACE, candidates)
    assert probability[truly_within].mean() > 0.8 and probability[~truly_within].mean() < 0.2


def test_the_chain_continues_between_fits() -> None:
    process = ResidualProcess([np.array([0])], 0.1, np.random.default_rng(0))
    inputs = np.linspace(0, 1, 10)[:, None]
    first = process.fit(inputs, np.ones(10), np.ones(10) * 1.1)
    second = process.fit(inputs, np.ones(10), np.ones(10) * 1.1)
    assert len(first.posteriors) == len(second.posteriors) == process.settings.samples
    shared = {p.hyper.offset for p in first.posteriors} & {p.hyper.offset for p in second.posteriors}
    assert len(shared) == process.settings.samples - process.settings.fresh, "a rolling pool, not a fresh burn-in"

"""MCMC-integrated GP: standardization, warm start, fantasies."""

from __future__ import annotations

import numpy as np

from hyperpower.optimize.ensemble import GaussianProcessEnsemble, MCMCSettings, standardize

FAST = MCMCSettings(samples=4, thinning=1, burn_in=20)


def _data() -> tuple[np.ndarray, np.ndarray]:
    points = np.random.default_rng(0).random((15, 2))
    return points, 100.0 + 10.0 * np.sin(6 * points[:, 0]) + 5.0 * points[:, 1]


def test_standardize_handles_constant_values() -> None:
    values, offset, scale = standardize(np.array([3.0, 3.0, 3.0]))
    assert offset == 3.0 and scale == 1.0
    np.testing.assert_array_equal(values, np.zeros(3))


def test_fit_returns_one_gp_per_sample_in_original_units() -> None:
    points, values = _data()
    fitted = GaussianProcessEnsemble(np.random.default_rng(1), settings=FAST).fit(points, values)
    assert len(fitted.members) == FAST.samples
    mean, variance = fitted.predict(points)
    assert mean.shape == variance.shape == (FAST.samples, len(points))
    # the data are smooth and noise-free: every sample must fit them closely in original units
    assert np.max(np.abs(mean - values)) < 1.0
    assert np.all(variance >= 0)


def test_chain_is_warm_started_and_burns_in_only_once() -> None:
    points, values = _data()
    ensemble = GaussianProcessEnsemble(np.random.default_rng(2), settings=MCMCSettings(samples=2, thinning=1, burn_in=30))
    ensemble.fit(points, values)
    first_state, first_count = ensemble.state, ensemble.last_evaluations
    ensemble.fit(points, values)
    # burn-in (30 sweeps) costs many times the 2 sweeps of a warm-started fit
    assert ensemble.last_evaluations > 0 and first_count > 8 * ensemble.last_evaluations
    assert not np.array_equal(first_state, ensemble.state)


def test_fantasies_collapse_variance_at_pending_points_only() -> None:
    points, values = _data()
    fitted = GaussianProcessEnsemble(np.random.default_rng(3), settings=FAST).fit(points, values)
    pending = np.array([[0.95, 0.05]])
    far = np.array([[0.05, 0.95]])
    before_pending, before_far = fitted.predict(pending)[1], fitted.predict(far)[1]
    believer = fitted.with_fantasies(pending)
    assert np.all(believer.predict(pending)[1] < 0.1 * before_pending)
    np.testing.assert_allclose(believer.predict(pending)[0], fitted.predict(pending)[0], rtol=1e-6)
    assert np.all(believer.predict(far)[1] > 0.5 * before_far)


def test_noiseless_likelihood_interpolates() -> None:
    points, values = _data()
    fitted = GaussianProcessEnsemble(np.random.default_rng(4), noiseless=True, settings=FAST).fit(points, values)
    mean, _ = fitted.predict(points)
    assert np.max(np.abs(mean - values)) < 0.05


def test_scaling_rules_of_the_settings() -> None:
    settings = MCMCSettings(samples=10, refresh_below=20, fresh_scale=20, members_below=100, min_members=3)
    assert [settings.fresh_samples(n) for n in (5, 20, 40, 200, 1000)] == [10, 10, 5, 1, 1]
    assert [settings.member_count(n) for n in (50, 100, 200, 400, 1000)] == [10, 10, 5, 3, 3]


def test_warm_fits_draw_fewer_fresh_samples_and_keep_the_pool() -> None:
    rng = np.random.default_rng(5)
    points = rng.random((60, 2))
    values = np.sin(5 * points[:, 0]) + points[:, 1]
    settings = MCMCSettings(samples=6, burn_in=10, refresh_below=20, fresh_scale=20, members_below=1000)
    ensemble = GaussianProcessEnsemble(np.random.default_rng(6), settings=settings)
    first = ensemble.fit(points[:50], values[:50])
    second = ensemble.fit(points, values)
    assert settings.fresh_samples(60) == 2
    lengths = lambda fitted: [tuple(m.hyper.length_scales) for m in fitted.members]  # noqa: E731
    # four of the six samples carried over (refitted on all 60 points), two are new
    assert lengths(second)[:4] == lengths(first)[2:]
    assert len(set(lengths(second)[4:]) & set(lengths(first))) == 0
    assert all(len(m.values) == 60 for m in second.members)


def test_large_n_samples_on_a_subset_but_members_use_every_point() -> None:
    rng = np.random.default_rng(7)
    points = rng.random((90, 2))
    values = np.sin(5 * points[:, 0]) + points[:, 1]
    settings = MCMCSettings(samples=4, burn_in=5, subset=30, members_below=40, min_members=2)
    ensemble = GaussianProcessEnsemble(np.random.default_rng(8), settings=settings)
    import hyperpower.optimize.ensemble as module

    sizes = []
    real = module.HyperPosterior

    class Recording(real):
        def __init__(self, points, values, packing):
            sizes.append(len(points))
            super().__init__(points, values, packing)

    module.HyperPosterior = Recording
    try:
        fitted = ensemble.fit(points, values)
    finally:
        module.HyperPosterior = real
    assert sizes == [30]
    assert len(fitted.members) == settings.member_count(90) == 2
    assert all(len(m.values) == 90 for m in fitted.members)
    # the newest sample is always a member
    np.testing.assert_allclose(fitted.members[-1].hyper.length_scales, np.exp(ensemble.state[2:4]))


def test_predict_mean_equals_predict() -> None:
    points, values = _data()
    fitted = GaussianProcessEnsemble(np.random.default_rng(9), settings=FAST).fit(points, values)
    test = np.random.default_rng(10).random((7, 2))
    np.testing.assert_allclose(fitted.predict_mean(test), fitted.predict(test)[0], rtol=1e-10)


def test_an_ensemble_over_some_columns_ignores_the_others_in_every_method() -> None:
    """``inputs`` keeps the GP off a column (the device variable's, for the error): the same data
    with that column scrambled fit the very same model, and every method takes whole-space points."""
    points, values = _data()
    extra = np.random.default_rng(5).random((len(points), 1))
    wide = np.hstack([points, extra])
    fitted = GaussianProcessEnsemble(np.random.default_rng(6), settings=FAST, inputs=np.array([0, 1])).fit(wide, values)
    narrow = GaussianProcessEnsemble(np.random.default_rng(6), settings=FAST).fit(points, values)
    query = np.array([[0.3, 0.7, 0.0], [0.3, 0.7, 1.0], [0.9, 0.1, 0.5]])
    np.testing.assert_allclose(fitted.predict(query)[0], narrow.predict(query[:, :2])[0])
    np.testing.assert_allclose(fitted.predict(query)[1], narrow.predict(query[:, :2])[1])
    mean, variance = fitted.predict(query)
    assert np.allclose(mean[:, 0], mean[:, 1]) and np.allclose(variance[:, 0], variance[:, 1]), \
        "the left-out column changes nothing"
    np.testing.assert_allclose(fitted.predict_mean(query), mean)
    believer = fitted.with_fantasies(query[:1])  # a pending point on one device ...
    assert np.all(believer.predict(query[1:2])[1] < 1e-3 * variance[:, 1]), "... is pending on every device"
    refitted = fitted.refit(wide[:10], values[:10])
    assert refitted.inputs is not None and refitted.predict(query).__len__() == 2
    looped = np.array([p.predict(query)[0] for p in fitted.predictors()])
    np.testing.assert_allclose(looped, mean)

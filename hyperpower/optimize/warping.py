"""Input warping (Snoek et al. 2014, Spearmint's ``transformations``): a Kumaraswamy CDF per input.

A stationary kernel assumes the function varies as fast everywhere; an objective that changes
quickly near one end of a range (a learning rate near 0, a constraint boundary bent towards a
corner) does not. Spearmint maps each unit-cube input through a CDF with two shape parameters
(a, b), sampled by the MCMC with the GP's, so the GP works on a stretched axis. Spearmint's GP
uses the Beta CDF (``transformations/beta_warp.py``) and also ships the Kumaraswamy CDF
(``kumar_warp.py``); we use Kumaraswamy, ``1 - (1 - x**a)**b``: the same family of shapes
(identity at a = b = 1, concave/convex/sigmoid otherwise) in closed form, so warping costs a few
array operations instead of an incomplete-beta function per point per likelihood evaluation.

Prior, Spearmint's (``BetaWarp``: ``priors.LognormalTophat(0.5, 0.1, 30.0, mean=5)`` on a and on
b): log-normal with sigma 0.5 and a tophat on [0.1, 30]. Spearmint passes ``mean=5`` as
scipy's ``loc``, which shifts the support to (5, 30] and gives its own initial value a = b = 1
zero density; we keep the intended prior (median 1, the identity warp, as its comment
``# 0.1 --> 1.0`` and the paper's log-normal prior describe) without the shift.
"""

from __future__ import annotations

import math

import numpy as np

#: Spearmint's LognormalTophat(0.5, 0.1, 30.0): log-normal scale and the tophat bounds
WARP_LOG_SCALE = 0.5
WARP_BOUNDS = (0.1, 30.0)
LOG_WARP_BOUNDS = (math.log(WARP_BOUNDS[0]), math.log(WARP_BOUNDS[1]))


def kumaraswamy_cdf(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, d) unit-cube points, (d,) shapes -> (n, d) warped points, still in [0, 1]."""
    x = np.clip(points, 0.0, 1.0)  # rounding must not take x**a below 0 (NaN for a fractional a)
    return 1.0 - (1.0 - x**a) ** b


def log_prior(log_a: np.ndarray, log_b: np.ndarray) -> float:
    """log density of (log a, log b) under Spearmint's warp prior, -inf outside the tophat.

    The sampler moves log a and log b, so the log-normal density of a in a, times the Jacobian
    da/dlog a = a, is a Normal(0, 0.5**2) density in log a.
    """
    logs = np.concatenate([np.atleast_1d(log_a), np.atleast_1d(log_b)])
    if np.any(logs < LOG_WARP_BOUNDS[0]) or np.any(logs > LOG_WARP_BOUNDS[1]):
        return -math.inf
    return float(-0.5 * np.sum((logs / WARP_LOG_SCALE) ** 2) - len(logs) * math.log(WARP_LOG_SCALE * math.sqrt(2 * math.pi)))

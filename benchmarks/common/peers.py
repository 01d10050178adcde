"""The peers' set-up, one place for every benchmark: Optuna's samplers, Ax's client, and the
one-thread rule. Optuna, Ax and torch are imported when called: they live in the peers' venv
(``benchmarks/setup_peers.sh``), and HyperPower's own methods run without them."""

from __future__ import annotations

import os

#: initial random (startup) trials of each Optuna sampler at its defaults, as the write-ups state
#: them next to HyperPower's initial design (TPE's and GPSampler's ``n_startup_trials``)
OPTUNA_DEFAULT_STARTUP = {"tpe": 10, "gp": 10}


def one_blas_thread() -> None:
    """One BLAS thread per process for every method alike (set before numpy is imported): on the
    2 shared cores a threaded BLAS spent 3x the CPU time of a single thread in contention."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def one_torch_thread() -> None:
    """torch (GPSampler's and BoTorch's fits) on one thread: extra threads only add contention."""
    import torch

    torch.set_num_threads(1)


def optuna_sampler(kind: str, seed: int, **options):
    """Optuna's ``tpe``, ``gp`` (GPSampler) or ``nsga2`` sampler with ``options``; Optuna's own
    logging quietened to warnings."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    samplers = {"tpe": optuna.samplers.TPESampler, "gp": optuna.samplers.GPSampler,
                "nsga2": optuna.samplers.NSGAIISampler}
    return samplers[kind](seed=seed, **options)


def ax_client(seed: int):
    """Ax's ``Client`` seeded, on one torch thread, its logging quietened to warnings."""
    import logging

    from ax import Client

    one_torch_thread()
    logging.getLogger("ax").setLevel(logging.WARNING)
    return Client(random_seed=seed)

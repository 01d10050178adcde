"""Fixtures: a private copy of experiments/digits, and one with its config and a filled store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_fixtures import REPO, FilledExperiment, fill_store

from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions, generate_config


@pytest.fixture
def digits_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    return folder


@pytest.fixture
def filled_experiment(digits_copy: Path) -> FilledExperiment:
    """Budgets power <= 90 W and memory <= 200 MB; jobs as described in report_fixtures.fill_store."""
    config, _ = generate_config(resolve_experiment(digits_copy),
                                GenerateOptions(budgets={"power": 90.0, "memory": 200.0}))
    uri = config.database["address"]
    fill_store(uri, config.name)
    return FilledExperiment(folder=digits_copy, config=config, store_uri=uri)

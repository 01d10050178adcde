"""Fixtures of the dashboard's tests (helpers in ``dashboard_fixtures``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard_fixtures import write_experiment


@pytest.fixture
def experiment_folder(tmp_path: Path) -> Path:
    """The crafted-name experiment of ``dashboard_fixtures``, no jobs yet."""
    return write_experiment(tmp_path / "mo")

"""The dashboard's JSON views and routes, through the real HTTP server on an ephemeral port, over
the store of a real (tiny) run: they agree with the report functions ``status`` and ``pareto``
use, update when the store changes, escape store strings, refuse path traversal and other hosts,
and never change the store."""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import pytest

from dashboard_fixtures import CRAFTED_NAME, fetch, fetch_json, run_flags, serving, write_experiment
from hyperpower.commands.options import effective_config
from hyperpower.dashboard.source import DashboardSource, ExperimentFolder
from hyperpower.experiment import resolve_experiment
from hyperpower.jobs import Job, JobStatus
from hyperpower.report.pareto import front_jobs
from hyperpower.report.table import summary_lines
from hyperpower.store import open_store
from urllib.parse import quote

# every test reads the real run of the module's fixture; on one xdist worker, so it runs once
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dashboard_views")]

EVALUATIONS = 4


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the crafted-name experiment: 4 random-search evaluations."""
    import subprocess
    import sys

    folder = write_experiment(tmp_path_factory.mktemp("views") / "mo")
    subprocess.run([sys.executable, "-m", "hyperpower", "run", str(folder), *run_flags(folder), "--method", "rand",
                    "--max-evals", str(EVALUATIONS), "--seed", "3"], check=True, capture_output=True, timeout=300)
    return folder


@pytest.fixture
def run_copy(finished_run: Path, tmp_path: Path) -> Path:
    """A private copy of the run's folder (tests that add jobs change only their copy)."""
    import shutil

    return Path(shutil.copytree(finished_run, tmp_path / "mo"))


def _source(folder: Path) -> DashboardSource:
    paths = resolve_experiment(folder)
    config, _ = effective_config(paths)
    return DashboardSource(f"sqlite:///{folder / 'hyperpower.sqlite'}",
                           ExperimentFolder(paths, config, lambda: effective_config(paths)[0]))


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _state_url(base: str, since: str | None = None) -> str:
    return f"{base}api/state?experiment={quote(CRAFTED_NAME)}" + (f"&since={since}" if since else "")


def _trace(figure: dict, name: str) -> dict:
    return next(trace for trace in figure["figure"]["data"] if trace.get("name") == name)


def test_the_state_says_what_status_and_pareto_say(finished_run: Path) -> None:
    paths = resolve_experiment(finished_run)
    config, _ = effective_config(paths)
    with open_store(f"sqlite:///{finished_run / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs(CRAFTED_NAME)
    with serving(_source(finished_run)) as base:
        assert fetch_json(f"{base}api/experiments")["experiments"] == [CRAFTED_NAME]
        state = fetch_json(_state_url(base))
    overview = state["overview"]
    assert overview["experiment"] == CRAFTED_NAME and overview["state"] == "finished"
    assert overview["progress"]["finished"] == EVALUATIONS and overview["progress"]["max_evals"] == EVALUATIONS
    assert overview["status_lines"] == summary_lines(jobs, config)
    front = front_jobs(jobs, config)
    assert [job["id"] for job in overview["best"]["jobs"]] == [job.id for job in front]
    latency = overview["budgets"][0]
    assert latency["metric"] == "latency" and latency["limit"] == "<= 3.5 ms"
    assert "--violation-rate 0.1: predictions must stay <=" in latency["calibration"] and latency["threshold"] < 3.5
    figures = {figure["key"]: figure for figure in state["figures"]}
    assert {"pareto_front", "hypervolume", "best_so_far", "best_so_far_time", "violations",
            "predicted_vs_measured_memory", "predicted_vs_measured_latency"} <= set(figures)
    front_trace = _trace(figures["pareto_front"], "feasible front")
    assert sorted(front_trace["customdata"]) == sorted(job.id for job in front)
    measured = [job for job in jobs if job.status is JobStatus.COMPLETE]
    points = sum(len(trace["customdata"]) for trace in figures["predicted_vs_measured_memory"]["figure"]["data"]
                 if "customdata" in trace)
    assert points == len(measured) == EVALUATIONS
    assert [row["id"] for row in state["jobs"]["rows"]] == [job.id for job in jobs]


def test_an_unchanged_store_answers_in_a_few_bytes_and_a_new_job_changes_the_revision(run_copy: Path) -> None:
    uri = f"sqlite:///{run_copy / 'hyperpower.sqlite'}"
    with serving(_source(run_copy)) as base:
        first = fetch_json(_state_url(base))
        same = fetch_json(_state_url(base, first["revision"]))
        assert same["unchanged"] is True and set(same) == {"revision", "unchanged", "clock"}
        with open_store(uri) as writer:  # a worker of a run going on
            job = writer.add_job(CRAFTED_NAME, Job(id=0, experiment=CRAFTED_NAME, method="rand", params={"x": 0.5, "y": 0.5}))
        after = fetch_json(_state_url(base, first["revision"]))
        assert after["revision"] != first["revision"] and after["overview"]["state"] == "running"
        row = next(row for row in after["jobs"]["rows"] if row["id"] == job.id)
        assert row["filters"]["status"] == "pending" and row["cells"]["params"] == "x=0.5 y=0.5"
        with open_store(uri) as writer:
            writer.claim_job(CRAFTED_NAME, "w")
            writer.finish_job(CRAFTED_NAME, job.id, "w", JobStatus.BROKEN,
                              error="Traceback (most recent call last):\n  ...\nRuntimeError: <b>diverged</b>")
        page = fetch_json(f"{base}api/job?experiment={quote(CRAFTED_NAME)}&id={job.id}")
    assert page["status"] == "broken" and page["reason"] == "RuntimeError: <b>diverged</b>"


def test_a_job_page_has_parameters_values_predictions_and_its_log(finished_run: Path) -> None:
    with serving(_source(finished_run)) as base:
        page = fetch_json(f"{base}api/job?experiment={quote(CRAFTED_NAME)}&id=1")
        missing = fetch(f"{base}api/job?experiment={quote(CRAFTED_NAME)}&id=99")
    assert [param["name"] for param in page["params"]] == ["x", "y"]
    metrics = {row["metric"]: row for row in page["metrics"]}
    assert metrics["latency"]["budget"] == "<= 3.5 ms" and metrics["latency"]["predicted"].endswith(" ms")
    assert metrics["memory"]["measured"].endswith(" MB") and metrics["memory"]["predicted"] != "-"
    assert "job 1: x=" in page["files"]["log"]["text"]
    assert page["files"]["network"]["text"] is None and "no job_00001_network.py" in page["files"]["network"]["note"]
    assert missing[0] == 404


def test_every_store_string_in_a_figure_is_escaped(finished_run: Path) -> None:
    """Plotly reads titles, names and hover labels as markup: the crafted name must arrive as
    entities (shown as text); the page itself puts the raw name into textContent only."""
    with open_store(f"sqlite:///{finished_run / 'hyperpower.sqlite'}") as store:
        store_copy = store.list_jobs(CRAFTED_NAME)
    assert store_copy
    source = _source(finished_run)
    with serving(source) as base:
        text = fetch(_state_url(base))[2].decode()
    state = json.loads(text)
    for figure in state["figures"]:
        layout, traces = figure["figure"]["layout"], figure["figure"]["data"]
        strings = [layout["title"]["text"], *[trace.get("name", "") for trace in traces],
                   *[label for trace in traces for label in trace.get("hovertext", [])]]
        assert all("<img" not in string and "<script" not in string for string in strings), figure["key"]
        assert all("%{" not in label for trace in traces for label in trace.get("hovertext", []))


@pytest.mark.parametrize("path", [
    "../hyperpower.sqlite", "..%2Fhyperpower.sqlite", "%2E%2E%2Fconfig.json", "job_00001.out%2F..%2F..%2Fconfig.json",
    "%2Fetc%2Fpasswd", "config.json", "run_config.json", "job_00099.out", "job_1.out", "job_00001.keras",
    "job_00002.out",  # a link out of the folder
])
def test_job_file_routes_refuse_everything_but_a_jobs_own_files(run_copy: Path, path: str) -> None:
    outside = run_copy.parent / "secret.txt"
    outside.write_text("secret")
    (run_copy / "output" / "job_00002.out").unlink()
    os.symlink(outside, run_copy / "output" / "job_00002.out")
    with serving(_source(run_copy)) as base:
        status, headers, body = fetch(f"{base}files/{quote(CRAFTED_NAME, safe='')}/{path}")
        good = fetch(f"{base}files/{quote(CRAFTED_NAME, safe='')}/job_00001.out")
        other = fetch(f"{base}files/elsewhere/job_00001.out")
    assert status == 404 and b"secret" not in body and b"x=" not in body
    assert good[0] == 200 and good[2] == (run_copy / "output" / "job_00001.out").read_bytes()
    assert good[1]["Content-Type"] == "text/plain; charset=utf-8" and good[1]["X-Content-Type-Options"] == "nosniff"
    assert other[0] == 404


def test_other_hosts_and_methods_are_refused_and_the_store_never_changes(finished_run: Path) -> None:
    store_file = finished_run / "hyperpower.sqlite"
    before = _digest(store_file)
    with serving(_source(finished_run)) as base:
        page = fetch(base)
        assert page[0] == 200 and "script-src 'self'" in page[1]["Content-Security-Policy"]
        assert b"<script src=\"/static/plotly.min.js\"" in page[2] and b"cdn" not in page[2].lower()
        bundle = fetch(f"{base}static/plotly.min.js")
        assert bundle[0] == 200 and len(bundle[2]) > 1_000_000 and bundle[2].startswith(b"/**")
        assert fetch(base, headers={"Host": "attacker.example:80"})[0] == 403  # DNS rebinding
        assert fetch(f"{base}api/experiments", method="POST")[0] == 405
        assert fetch(f"{base}api/state?experiment=elsewhere")[0] == 404
        assert fetch(f"{base}api/job?experiment={quote(CRAFTED_NAME)}&id=x")[0] == 400
        for _ in range(3):
            fetch_json(_state_url(base))
            fetch_json(f"{base}api/job?experiment={quote(CRAFTED_NAME)}&id=1")
    assert _digest(store_file) == before


def test_a_whole_store_shows_each_experiment_with_the_settings_its_driver_published(finished_run: Path) -> None:
    source = DashboardSource(f"sqlite:///{finished_run / 'hyperpower.sqlite'}")
    with serving(source) as base:
        listing = fetch_json(f"{base}api/experiments")
        state = fetch_json(_state_url(base))
    assert listing["experiments"] == [CRAFTED_NAME] and listing["single"] is False
    assert state["overview"]["folder"] == str(finished_run) and state["overview"]["method"] == "rand"
    assert math.isclose(state["overview"]["budgets"][0]["budget"], 3.5)

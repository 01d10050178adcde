"""``hyperpower dashboard`` in a real browser (Debian's headless Chromium through selenium and
/usr/bin/chromedriver) over a real run, as a person would watch it: the page loads while the run
goes on, shows its running job, updates without a reload when the job finishes, draws the front and
predicted-vs-measured figures with one point per job, opens a job page, and shows an experiment
named ``<img src=x onerror=alert(1)>`` as text. Skipped, with the reason, where the browser is
absent (``./run_tool.sh test`` installs it on a Debian machine); selenium, a test extra, must be there."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from dashboard_fixtures import CRAFTED_NAME, run_flags, write_experiment

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000")
EVALUATIONS = 3


#: selenium is in the test extra, so a missing selenium fails; only the system's browser may be absent
pytestmark = [pytest.mark.skipif(not CHROMIUM or not CHROMEDRIVER,
                                 reason="Debian's chromium and chromium-driver are not installed "
                                        "(./run_tool.sh test installs them when run as root)"),
              pytest.mark.e2e]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium for the module, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="hyperpower-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hyperpower", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _url(dashboard: subprocess.Popen) -> str:
    line = dashboard.stdout.readline()
    assert line.startswith("hyperpower dashboard: http://127.0.0.1:"), line + dashboard.stderr.read()
    return line.split()[2]


def _wait(browser, script: str, expected, timeout: float = 60.0):
    """Poll ``script`` in the page until it returns ``expected``; its last value otherwise."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = browser.execute_script(script)
        if value == expected:
            return value
        time.sleep(0.2)
    raise AssertionError(f"after {timeout} s, {script!r} gives {value!r}, not {expected!r}")


ROW_STATUS = """const row = document.querySelector('#job-table tr[data-job="{id}"]');
return row ? row.children[1].textContent : null;"""
TRACE_POINTS = """const div = document.getElementById('figure-{key}');
if (!div || !div.data) return null;
return div.data.filter((t) => t.customdata && (!{name} || t.name === {name}))
               .reduce((n, t) => n + t.customdata.length, 0);"""


def test_a_running_experiment_shows_live_in_chromium(browser, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    folder = write_experiment(tmp_path / "mo", gated=True)
    run = _start("run", str(folder), *run_flags(folder), "--method", "rand", "--max-evals", str(EVALUATIONS),
                 "--seed", "0")
    dashboard = _start("dashboard", str(folder), "--port", "0")
    try:
        browser.get(_url(dashboard))  # possibly before the run has created its store: the page waits
        browser.execute_script("window.loadedOnce = 'yes';")
        _wait(browser, ROW_STATUS.format(id=1), "running")
        assert browser.find_element("id", "experiment-name").text == CRAFTED_NAME
        assert browser.execute_script("return document.querySelectorAll('img').length") == 0
        assert browser.find_element("id", "run-state").text == "running"

        (folder / "gate" / "job_1").touch()
        _wait(browser, ROW_STATUS.format(id=1), "complete", timeout=30)
        assert browser.execute_script("return window.loadedOnce") == "yes", "the page reloaded"
        for job_id in range(2, EVALUATIONS + 1):
            (folder / "gate" / f"job_{job_id}").touch()
        assert run.wait(timeout=300) == 0, run.stderr.read()
        _wait(browser, "return document.getElementById('run-state').textContent", "finished", timeout=30)
        _check_figures(browser, folder)

        browser.find_element("css selector", '#job-table tr[data-job="2"]').click()
        _wait(browser, "return (document.getElementById('job-title') || {}).textContent", "job 2: complete", timeout=20)
        assert len(browser.find_elements("css selector", "#job-params tbody tr")) == 2
        assert "job 2: x=" in browser.find_element("id", "job-log").text
        browser.execute_script("history.back()")
        _wait(browser, "return document.getElementById('job-view').hidden", True, timeout=10)
        browser.execute_script(  # Plotly's click on a point of the front opens that job
            "const div = document.getElementById('figure-pareto_front');"
            "const trace = div.data.find((t) => t.name === 'feasible front');"
            "div.emit('plotly_click', {points: [{customdata: trace.customdata[0]}]});")
        _wait(browser, "return (document.getElementById('job-title') || {}).textContent.startsWith('job ')", True, 20)

        assert browser.execute_script("return document.querySelectorAll('img').length") == 0
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text
        assert browser.execute_script("return document.title") == f"HyperPower: {CRAFTED_NAME}"
    finally:
        if run.poll() is None:
            run.kill()
        dashboard.send_signal(signal.SIGINT)
        assert dashboard.wait(timeout=30) == 0, dashboard.stderr.read()


def _check_figures(browser, folder: Path) -> None:
    """The front and predicted-vs-measured figures have exactly the store's points."""
    from hyperpower.commands.options import effective_config
    from hyperpower.experiment import resolve_experiment
    from hyperpower.report.pareto import front_jobs
    from hyperpower.store import open_store

    config, _ = effective_config(resolve_experiment(folder))
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}", read_only=True) as store:
        jobs = store.list_jobs(CRAFTED_NAME)
    front = front_jobs(jobs, config)
    assert front, "a run of complete feasible jobs has a front"
    _wait(browser, TRACE_POINTS.format(key="pareto_front", name="'feasible front'"), len(front), timeout=20)
    measured = [job for job in jobs if "latency" in job.values and "latency" in job.predicted]
    assert len(measured) == EVALUATIONS
    for metric in ("latency", "memory"):
        _wait(browser, TRACE_POINTS.format(key=f"predicted_vs_measured_{metric}", name="null"), EVALUATIONS, timeout=10)

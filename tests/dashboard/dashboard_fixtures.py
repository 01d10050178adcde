"""Helpers of the dashboard's tests: a small plain Spearmint experiment with two objectives
(error, memory), a latency budget and a-priori models of memory and latency, named like an attack
(``<img src=x onerror=alert(1)>``) so every test also checks that the name stays text; and a
dashboard server on an ephemeral port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

CRAFTED_NAME = "<img src=x onerror=alert(1)>"
RESIDUALS = [0.01, -0.02, 0.03, 0.02, -0.01, 0.04, 0.0, 0.01, -0.03, 0.02, 0.05, 0.01, -0.02, 0.03, 0.02, 0.01,
             0.0, 0.02, -0.01, 0.03]
#: the main-file: a bowl in (x, y) whose memory and latency a linear model predicts closely. When
#: the folder has a gate/ folder, job N waits for gate/job_N before it returns, so a test decides
#: when each job finishes.
MAIN_FILE = '''\
import pathlib
import time


def main(job_id, params):
    gate = pathlib.Path(__file__).parent / "gate"
    if gate.is_dir():
        deadline = time.time() + 120
        while not (gate / f"job_{job_id}").exists() and time.time() < deadline:
            time.sleep(0.05)
    x, y = float(params["x"][0]), float(params["y"][0])
    print(f"job {job_id}: x={x:.3f} y={y:.3f}")
    return {"error": (x - 0.3) ** 2 + 0.1 * y + 0.05, "memory": 100 + 80 * x + 5 * y,
            "latency": 2 + 3 * y + 0.2 * x}
'''


def write_experiment(folder: Path, name: str = CRAFTED_NAME, gated: bool = False) -> Path:
    """The experiment folder; ``run_flags`` gives the flags that add its budget and models."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {"experiment-name": name, "language": "PYTHON", "main-file": "net.py",
              "variables": {"x": {"type": "FLOAT", "size": 1, "min": 0.0, "max": 1.0},
                            "y": {"type": "FLOAT", "size": 1, "min": 0.0, "max": 1.0}},
              "tasks": {"error": {"type": "OBJECTIVE"}, "memory": {"type": "OBJECTIVE"}}}
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    (folder / "net.py").write_text(MAIN_FILE)
    for metric, unit, coef, intercept in (("memory", "MB", [75.0, 6.0], 102.0), ("latency", "ms", [0.25, 2.8], 2.1)):
        model = {"metric": metric, "unit": unit, "features": ["x", "y"], "coef": coef, "intercept": intercept,
                 "cv_relative_residuals": RESIDUALS}
        (folder / f"{metric}_model.json").write_text(json.dumps(model))
    if gated:
        (folder / "gate").mkdir(exist_ok=True)
    return folder


def run_flags(folder: Path) -> list[str]:
    return ["--budget", "latency=3.5", "--model", f"latency={folder / 'latency_model.json'}",
            "--model", f"memory={folder / 'memory_model.json'}", "--violation-rate", "0.1"]


@contextlib.contextmanager
def serving(source) -> Iterator[str]:
    """A real ``DashboardServer`` over ``source`` on a free port of 127.0.0.1; its base URL."""
    from hyperpower.dashboard.server import DashboardApp, DashboardServer

    server = DashboardServer(("127.0.0.1", 0), DashboardApp(source))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        source.close()


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request, errors included."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def fetch_json(url: str) -> dict:
    status, _, body = fetch(url)
    assert status == 200, (status, body[:300])
    return json.loads(body)

"""The dashboard's HTTP server: a ``ThreadingHTTPServer`` with a handful of read-only routes.

Routes (GET only; any other method is 405, nothing can be written):

* ``/``: the page; ``/static/dashboard.js``, ``/static/dashboard.css``; ``/static/plotly.min.js``,
  the bundle of the installed ``plotly`` package (no CDN: it works offline);
* ``/api/experiments``: the experiments shown and the store;
* ``/api/state?experiment=NAME&since=REVISION``: overview, job table and figures (``views``);
* ``/api/job?experiment=NAME&id=N``: one job's page (``job_page``);
* ``/files/NAME/job_00003.out`` or ``/files/NAME/job_00003_network.py``: a job's own file, as
  plain text (``job_files`` refuses every other path).

Every answer carries a Content-Security-Policy that allows scripts from this server only (no
inline script, no ``eval``), ``nosniff`` and ``no-referrer``. A server bound to a loopback address
answers only requests whose ``Host`` is a loopback name, so a web page elsewhere cannot read it
through DNS rebinding. The page builds its DOM with ``textContent``, never with markup made of
store strings; the server adds a second wall should that ever slip.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from hyperpower.dashboard.job_files import job_file
from hyperpower.dashboard.job_page import job_page
from hyperpower.dashboard.source import DashboardSource, UnknownExperiment
from hyperpower.dashboard.views import StateCache, to_json
from hyperpower.errors import HyperPowerError

STATIC = Path(__file__).with_name("static")
PAGE_FILES = {"dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    cache: str = "no-store"


def plotly_bundle() -> bytes:
    """Plotly's JavaScript exactly as the installed ``plotly`` package ships it."""
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


class DashboardApp:
    """The routes, apart from the socket plumbing, so they can be read (and tested) as functions."""

    def __init__(self, source: DashboardSource) -> None:
        self.source = source
        self.cache = StateCache()
        self._plotly: bytes | None = None

    def answer(self, target: str) -> Response:
        """The response to ``GET target`` (path and query)."""
        parts = urlsplit(target)
        path, query = parts.path, {key: values[-1] for key, values in parse_qs(parts.query).items()}
        try:
            if path in ("/", "/index.html"):
                return Response(200, (STATIC / "index.html").read_bytes(), "text/html; charset=utf-8")
            if path.startswith("/static/"):
                return self._static(path[len("/static/"):])
            if path == "/api/experiments":
                names = self.source.experiment_names()
                return self._json({"store": self.source.store_display, "experiments": names,
                                   "single": self.source.folder is not None or self.source.only is not None})
            if path == "/api/state":
                snapshot = self.source.snapshot(query.get("experiment", ""))
                return self._json(self.cache.state(snapshot, query.get("since")))
            if path == "/api/job":
                return self._job(query)
            if path.startswith("/files/"):
                return self._file(path[len("/files/"):])
        except UnknownExperiment as error:
            return self._error(404, str(error))
        except HyperPowerError as error:  # the store went away, or a lock outlasted its timeout
            return self._error(503, str(error))
        return self._error(404, f"no such page: {path}")

    def _static(self, name: str) -> Response:
        if name == "plotly.min.js":
            if self._plotly is None:
                self._plotly = plotly_bundle()
            return Response(200, self._plotly, "text/javascript; charset=utf-8", cache="max-age=86400")
        if name in PAGE_FILES:
            return Response(200, (STATIC / name).read_bytes(), PAGE_FILES[name])
        return self._error(404, f"no such file: /static/{name}")

    def _job(self, query: dict[str, str]) -> Response:
        try:
            job_id = int(query.get("id", ""))
        except ValueError:
            return self._error(400, f"job id {query.get('id')!r} is not a number")
        page = job_page(self.source.snapshot(query.get("experiment", "")), job_id)
        if page is None:
            return self._error(404, f"experiment {query.get('experiment')!r} has no job {job_id}")
        return self._json(page)

    def _file(self, rest: str) -> Response:
        """``NAME/FILE``, each part percent-decoded once; only a job file of that experiment."""
        experiment, separator, name = rest.partition("/")
        experiment, name = unquote(experiment), unquote(name)
        if not separator or "/" in name or "\\" in name:
            return self._error(404, "no such job file")
        snapshot = self.source.snapshot(experiment)
        path = job_file(snapshot.paths, name, {job.id for job in snapshot.jobs})
        if path is None:
            return self._error(404, "no such job file")
        return Response(200, path.read_bytes(), "text/plain; charset=utf-8")

    @staticmethod
    def _json(value: Any) -> Response:
        return Response(200, to_json(value))

    @staticmethod
    def _error(status: int, message: str) -> Response:
        return Response(status, json.dumps({"error": message}).encode("utf-8"))


class DashboardHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into ``DashboardApp.answer`` calls; GET and HEAD only."""

    server: "DashboardServer"
    server_version = "HyperPowerDashboard"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server looks for
        self._respond(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(body=False)

    def _refuse_method(self) -> None:
        self._send(Response(405, b'{"error": "the dashboard is read-only: GET only"}'), body=True,
                   extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse_method

    def _respond(self, body: bool) -> None:
        if not self.server.host_allowed(self.headers.get("Host", "")):
            response = Response(403, b'{"error": "unexpected Host header"}')
        else:
            response = self.server.app.answer(self.path)
        self._send(response, body)

    def _send(self, response: Response, body: bool, extra: dict[str, str] | None = None) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", response.cache)
        for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        """Quiet: a page polling every two seconds would fill the terminal."""


class DashboardServer(ThreadingHTTPServer):
    """The listening server; ``app`` answers, ``host_allowed`` guards against DNS rebinding."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: DashboardApp) -> None:
        self.app = app
        if ":" in address[0]:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__(address, DashboardHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def host_allowed(self, header: str) -> bool:
        """Any Host when bound to a non-loopback address (the user chose to share); else only
        ``localhost``, ``127.0.0.1`` or ``[::1]`` with or without the port."""
        if not is_loopback(str(self.server_address[0])):
            return True
        port = str(self.server_address[1])
        name = header.strip().lower()
        if name.endswith(f":{port}"):
            name = name[: -len(port) - 1]
        return name in LOOPBACK_NAMES


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

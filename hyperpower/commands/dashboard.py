"""``hyperpower dashboard [EXP] [--store URI] [--host 127.0.0.1] [--port 8080]``: a live, local,
read-only web page over the experiment store (``hyperpower.dashboard``).

EXP is an experiment folder (its store as ``status`` finds it), or, with ``--store``, the name of
an experiment in that store; ``--store`` alone shows every experiment of the store. Everything is
checked before the port is taken: a bad store URI, a store file that is not there, an unknown
experiment, a host that does not resolve or a port in use is a one-paragraph error and exit 2.
The server binds 127.0.0.1 unless ``--host`` says otherwise, and then says so. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import errno
import signal
import socket
import sys
from pathlib import Path

from hyperpower.commands.options import add_store_option
from hyperpower.errors import ConfigError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8080


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dashboard", help="live read-only web page over the store: overview, figures, jobs (local, offline)",
        epilog="Examples: hyperpower dashboard experiments/digits; hyperpower dashboard --store "
               "sqlite:///runs.sqlite (every experiment of a store); --port 0 picks a free port.")
    parser.add_argument("experiment", metavar="EXP", nargs="?",
                        help="experiment folder (e.g. experiments/digits), or with --store an experiment's name "
                             "in that store; left out, --store shows every experiment of the store")
    add_store_option(parser)
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only); another address "
                             f"lets every machine that reaches it read the experiment, without a password")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0: a free one, printed)")
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def dashboard_source(args: argparse.Namespace):
    """The ``DashboardSource`` the arguments name, checked: the store opens read-only and the
    experiment is in it (or its folder exists, for a store a run has yet to create)."""
    from hyperpower.dashboard.source import DashboardSource, ExperimentFolder
    from hyperpower.generate import normalize_store_uri

    if args.experiment is None and not args.store:
        raise ConfigError("give an experiment folder (hyperpower dashboard experiments/digits) or --store URI "
                          "to show every experiment of a store")
    if args.experiment is not None and (Path(args.experiment).is_dir() or not args.store):
        from hyperpower.commands.options import effective_config, experiment_context

        context = experiment_context(args)
        folder = ExperimentFolder(context.paths, context.config, lambda: effective_config(context.paths)[0])
        source = DashboardSource(context.store_uri, folder)
        source.open()  # a bad store is refused now; a SQLite file a run has yet to create is waited for
        return source
    source = DashboardSource(normalize_store_uri(args.store))
    store = source.open()
    if store is None:
        raise ConfigError(f"--store {args.store}: no such SQLite file; give the store a run wrote")
    if args.experiment is not None:
        present = store.list_experiments()
        if args.experiment not in present:
            source.close()
            raise ConfigError(f"{args.experiment}: no such experiment folder, and store {source.store_display} holds no "
                              f"experiment of that name (it holds: {', '.join(present) or 'none'})")
        source.only = args.experiment
    return source


def bind(app, host: str, port: int):
    """The listening server; ConfigError naming ``--host`` or ``--port`` when it cannot listen."""
    from hyperpower.dashboard.server import DashboardServer

    try:
        return DashboardServer((host, port), app)
    except socket.gaierror as error:
        raise ConfigError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(f"--port {port}: address {host}:{port} is already in use (another dashboard, or "
                              f"another server); give another --port, or --port 0 for a free one") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise ConfigError(f"--host {host}: not an address of this machine") from None
        if error.errno == errno.EACCES:
            raise ConfigError(f"--port {port}: not allowed to listen there (ports below 1024 need root); "
                              f"give a port of 1024 or more") from None
        raise ConfigError(f"--host {host} --port {port}: cannot listen ({error.strerror or error})") from None


def run(args: argparse.Namespace) -> int:
    from hyperpower.dashboard.server import DashboardApp, is_loopback

    source = dashboard_source(args)
    server = bind(DashboardApp(source), args.host, args.port)
    names = source.experiment_names()
    what = f"experiment {names[0]}" if len(names) == 1 else f"{len(names)} experiment(s)"
    print(f"hyperpower dashboard: {server.url} ({what} in store {source.store_display}; read-only; Ctrl-C stops)",
          flush=True)
    if not is_loopback(args.host):
        print(f"hyperpower dashboard: listening on {args.host}, not only this machine: anyone who reaches "
              f"port {server.server_address[1]} can read the experiment (no password)", flush=True)
    _stop_on_interrupt_or_terminate()
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        print("hyperpower dashboard: stopped", file=sys.stderr)
    finally:
        server.server_close()
        source.close()
    return 0


def _stop_on_interrupt_or_terminate() -> None:
    """Ctrl-C and SIGTERM stop the server cleanly, also when the dashboard was started with SIGINT
    ignored (a shell does that to a script's background jobs), as ``hyperpower run`` does."""

    def stop(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stop)

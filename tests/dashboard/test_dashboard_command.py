"""``hyperpower dashboard`` through the CLI: bad flags and values are one-paragraph errors with exit
2 and no server; a good call prints its address, serves, says so when it listens beyond this
machine, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest


def _one_paragraph_error(result: subprocess.CompletedProcess, pattern: str) -> None:
    """Exit 2, no traceback, one error line matching ``pattern`` (argparse's own refusals print
    the command's usage above it, as for every command)."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len([line for line in lines if "error:" in line]) == 1, result.stderr
    assert lines[-1].startswith("hyperpower") and re.search(pattern, lines[-1]), result.stderr
    if not lines[0].startswith("usage:"):
        assert len(lines) == 1, result.stderr


@pytest.mark.parametrize("arguments, pattern", [
    ([], "give an experiment folder .* or --store URI"),
    (["--store", "sqlite:///{tmp}/none.sqlite"], "--store sqlite:///.*none.sqlite: no such SQLite file"),
    (["--store", "redis://host/0"], "store URI 'redis://host/0' is not understood; accepted forms"),
    (["--port", "70000", "{tmp}"], "argument --port: 70000 is not a port number"),
])
def test_bad_arguments_are_refused_before_any_server_starts(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            arguments: list[str], pattern: str) -> None:
    """Through the CLI's own ``main`` in this process (the subprocess tests below pay the
    interpreter's start-up once each)."""
    from hyperpower.cli import main

    given = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    try:
        code = main(["dashboard", *given])
    except SystemExit as exit_:  # argparse's own refusals
        code = exit_.code
    captured = capsys.readouterr()
    _one_paragraph_error(subprocess.CompletedProcess([], code, captured.out, captured.err), pattern)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Spearmint toy experiment after one evaluation (shared: the tests only read it)."""
    import shutil

    folder = Path(shutil.copytree(Path(__file__).resolve().parents[2] / "experiments" / "spearmint_toy",
                                  tmp_path_factory.mktemp("command") / "spearmint_toy"))
    subprocess.run([sys.executable, "-m", "hyperpower", "run", str(folder), "--max-evals", "1", "--seed", "0"],
                   check=True, capture_output=True, timeout=300)
    return folder


@pytest.mark.e2e
@pytest.mark.xdist_group("dashboard_command")  # they share toy_run's real run: one worker runs it once
def test_an_unknown_experiment_of_a_store_and_a_port_in_use_are_refused(run_cli, toy_run: Path) -> None:
    store = f"sqlite:///{toy_run / 'hyperpower.sqlite'}"
    unknown = run_cli("dashboard", "nothing-here", "--store", store, check=False, timeout=60)
    _one_paragraph_error(unknown, "nothing-here: no such experiment folder, and store .* holds no experiment of "
                                  "that name \\(it holds: spearmint_toy\\)")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run_cli("dashboard", str(toy_run), "--port", str(port), check=False, timeout=60)
    _one_paragraph_error(busy, f"--port {port}: address 127.0.0.1:{port} is already in use")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what a shell gives a script's `&` job


@pytest.mark.e2e
@pytest.mark.xdist_group("dashboard_command")  # they share toy_run's real run: one worker runs it once
@pytest.mark.parametrize("stop_signal, started_with_sigint_ignored",
                         [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["ctrl-c", "ctrl-c-after-a-background-start", "sigterm"])
def test_it_serves_says_when_it_listens_beyond_this_machine_and_stops_on_ctrl_c(
        toy_run: Path, stop_signal: int, started_with_sigint_ignored: bool) -> None:
    store = f"sqlite:///{toy_run / 'hyperpower.sqlite'}"
    process = subprocess.Popen([sys.executable, "-m", "hyperpower", "dashboard", "--store", store, "--host", "0.0.0.0",
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_ignore_sigint if started_with_sigint_ignored else None)
    try:
        first, second = process.stdout.readline(), process.stdout.readline()
        assert re.match(r"hyperpower dashboard: http://0\.0\.0\.0:\d+/ \(experiment spearmint_toy in store sqlite:///"
                        r".*; read-only; Ctrl-C stops\)", first), first + process.stderr.read()
        assert "listening on 0.0.0.0, not only this machine" in second and "no password" in second
        port = int(first.split(":")[3].split("/")[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/experiments", timeout=30) as response:
            assert json.loads(response.read())["experiments"] == ["spearmint_toy"]
    finally:
        process.send_signal(stop_signal)
        try:
            assert process.wait(timeout=30) == 0
        finally:
            process.kill()
    assert "hyperpower dashboard: stopped" in process.stderr.read()

"""A fork server: import the heavy libraries once, then run each task in a fresh fork.

Starting Python and importing Keras/TensorFlow costs 3-10 s on a small CPU machine, often more
than the task itself (measuring a digits network takes ~1 s, training it for two epochs ~3 s).
The server process imports the ``preload`` modules, then ``fork``s a child per task: every child
starts from the same warm, untouched state, runs ``target(argv)`` with its output in the task's
log file, and is thrown away, so tasks stay as isolated as separate processes.

Forking after importing TensorFlow is safe as long as the server has run no TensorFlow op (its
thread pools start lazily); the server never does. CUDA does not survive a fork, and JAX/torch
start threads early, so callers use the server for the CPU with the TensorFlow backend only
(``fork_server_supported``) and fresh processes otherwise.

Protocol (JSON lines on the server's stdin/stdout): the server prints ``{"ready": true}``; for
each request ``{"argv": [...], "log": PATH}`` it prints ``{"pid": N}`` when the child starts and
``{"exit": CODE}`` when it ends. One task at a time. A request may name another ``"target"``
(``module:function``): the child imports it after the fork, so the server's own state, which
every later child starts from, stays what its preload made it. That is how one server serves a
worker's jobs and their measurements (``loop.executor``).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import IO, Any, Sequence


def die_with_parent() -> None:
    """In a child: get SIGKILL when the parent dies, so a killed run leaves no orphan task."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def shielded_child_options() -> dict[str, Any]:
    """``Popen`` options for a helper process (fork server, job, measurement): its own session,
    so a terminal's Ctrl-C (SIGINT to the foreground process group) reaches only the parent, which
    decides what becomes of the job (``loop.interrupts``); and death with the parent."""
    return {"start_new_session": True, "preexec_fn": die_with_parent if sys.platform == "linux" else None}


def fork_server_supported(device: str | None) -> bool:
    """Forks are used on Linux, for the CPU, with Keras on TensorFlow (its default backend)."""
    from hyperpower.device_names import parse_device

    spec = parse_device(device)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow").strip().lower()
    return sys.platform.startswith("linux") and spec is not None and spec.kind == "cpu" and backend == "tensorflow"


class ForkServerError(RuntimeError):
    """The server did not start or stopped answering."""


class ForkedTask:
    """A running child of the server; ``wait`` gives its exit code (negative: killed by signal)."""

    def __init__(self, server: "ForkServer", pid: int) -> None:
        self.server, self.pid = server, pid
        self.returncode: int | None = None

    def wait(self, timeout_s: float) -> int | None:
        """The exit code, or None when the task is still running after ``timeout_s``."""
        if self.returncode is None:
            message = self.server._replies.message(timeout_s)
            if message is not None and "exit" in message:
                self.returncode = int(message["exit"])
                self.server._busy = False
            elif message is None and not self.server.alive():
                raise ForkServerError("the fork server died while running a task")
        return self.returncode

    def kill(self) -> None:
        """Kill the child and collect its exit."""
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.wait(30.0)


class ForkServer:
    """Parent side: start the server with ``preload`` imported; ``start`` runs ``target(argv)``."""

    def __init__(self, preload: Sequence[str], target: str, env: dict[str, str] | None = None,
                 startup_timeout_s: float = 300.0) -> None:
        command = [sys.executable, "-m", "hyperpower.forkserver", "--preload", ",".join(preload), "--target", target]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, text=True, env=env,
                                         **shielded_child_options())
        self._replies = _LineReader(self._process.stdout)
        self._busy = False
        if self._replies.message(startup_timeout_s) != {"ready": True}:
            self.close()
            raise ForkServerError(f"the fork server for {target} did not start (could not import {', '.join(preload)}?)")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, argv: Sequence[str], log_path: str | Path, target: str | None = None) -> ForkedTask:
        """Fork a child running the target (the server's, or ``target``, imported in the child) with
        ``argv``, its stdout/stderr appended to ``log_path``."""
        if self._busy:
            raise ForkServerError("the fork server runs one task at a time; wait for the previous one")
        request = {"argv": list(argv), "log": str(log_path), **({"target": target} if target else {})}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        message = self._replies.message(60.0) or {}
        if "pid" not in message:
            raise ForkServerError("the fork server stopped answering")
        self._busy = True
        return ForkedTask(self, int(message["pid"]))

    def close(self) -> None:
        if self._process is not None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> "ForkServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _LineReader:
    """Reads the server's reply lines in a thread, so waiting for one can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(stream,), name="hyperpower-fork-replies", daemon=True)
        self._thread.start()

    def _run(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def message(self, timeout_s: float) -> dict[str, Any] | None:
        """The next JSON message, or None on timeout or end of stream (stray prints skipped)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                return None
            if line is None:
                self._lines.put(None)
                return None
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue


# -- server side -----------------------------------------------------------------------------------
def _resolve(target: str):
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def _child(function, request: dict[str, Any], armed: int, server_pid: int) -> int:
    """In the fork: die with the server, send output to the log, run the task.

    The death signal is armed before the server announces the child (closing ``armed`` tells it),
    so a server killed right after it named the task cannot leave the task running."""
    die_with_parent()
    if os.getppid() != server_pid:
        return 1  # the server died before the death signal was armed
    os.close(armed)
    descriptor = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    if "target" in request:  # imported here, after the fork: the server's state stays as it was
        function = _resolve(request["target"])
    return int(function(request["argv"]) or 0)


def serve(preload: Sequence[str], target: str, requests: IO[str], replies: IO[str]) -> None:
    for module in preload:
        importlib.import_module(module)  # the point of the server: import once, before forking
    function = _resolve(target)
    server_pid = os.getpid()
    _send(replies, {"ready": True})
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        armed_read, armed_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(armed_read)
                code = _child(function, request, armed_write, server_pid)
            except BaseException:  # noqa: BLE001 - the task's failure goes to its log, not the server
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(armed_write)
        os.read(armed_read, 1)  # end of file once the child armed its death signal (or died)
        os.close(armed_read)
        _send(replies, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _send(replies, {"exit": os.waitstatus_to_exitcode(status)})


def _send(replies: IO[str], message: dict[str, Any]) -> None:
    replies.write(json.dumps(message) + "\n")
    replies.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preload", default="", help="comma-separated modules to import before forking")
    parser.add_argument("--target", required=True, help="module:function called with each task's argv")
    args = parser.parse_args(argv)
    reply_stream = os.fdopen(os.dup(1), "w")
    sys.stdout = sys.stderr  # stray prints of imported modules must not corrupt the protocol
    serve([m for m in args.preload.split(",") if m], args.target, sys.stdin, reply_stream)
    return 0


if __name__ == "__main__":
    sys.exit(main())

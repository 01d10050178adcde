"""Execute one claimed job in its own process, keep its heartbeat, and record the outcome.

A job ends in exactly one of two ways: COMPLETE with its values (feasibility measured against the
budgets; a NaN objective is an invalid result, COMPLETE with ``feasible=False``, see hyperpower.feasibility), or
BROKEN with the reason and the log kept (exception, missing or infinite objective, timeout, killed
process). Either way the run goes on.
"""

from __future__ import annotations

import json
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from hyperpower.config import ExperimentConfig
from hyperpower.devices import job_runtime_values
from hyperpower.errors import StoreError
from hyperpower.experiment import ExperimentPaths
from hyperpower.forkserver import ForkServer, ForkServerError, fork_server_supported
from hyperpower.jobs import LOG_TAIL_MARKER, Job, JobStatus
from hyperpower.loop.heartbeat import DEFAULT_HEARTBEAT_TIMEOUT_S, JobHeartbeat, heartbeat_interval
from hyperpower.loop.launcher import JobLauncher, JobTask
from hyperpower.feasibility import measured_feasibility, objective_problem
from hyperpower.store.base import ExperimentStore

_LOG_TAIL_CHARS = 2000


def _log_tail(log_path: Path) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-_LOG_TAIL_CHARS:]


class JobExecutor:
    """Runs jobs of one experiment for one worker name."""

    def __init__(self, store: ExperimentStore, paths: ExperimentPaths, config: ExperimentConfig,
                 config_path: Path, worker: str, timeout_s: float | None = None,
                 stop_event: threading.Event | None = None,
                 heartbeat_timeout_s: float = DEFAULT_HEARTBEAT_TIMEOUT_S,
                 notify: Callable[[str], None] = print) -> None:
        self.store, self.paths, self.config = store, paths, config
        self.config_path, self.worker, self.timeout_s = config_path, worker, timeout_s
        self.stop_event = stop_event or threading.Event()
        self.heartbeat_interval_s = heartbeat_interval(heartbeat_timeout_s)
        self.notify = notify
        self._process_s = 0.0  # wall time of the last job process, start-up included
        self.released: list[int] = []  # jobs given back on a stop request
        self.lost: list[int] = []  # jobs the driver requeued while this worker ran them
        self._device: str | None = None
        self._launcher: JobLauncher | None = None
        self._launcher_device: str | None = None
        self._server = None  # MeasurementServer
        self._server_device: str | None = None
        self._warm: ForkServer | None = None  # jobs and measurements fork from it (``_warm_server``)
        self._warm_device: str | None = None

    @property
    def device(self) -> str:
        """The concrete device (``cpu`` or ``gpu:N``) this worker trains and measures on."""
        if self._device is None:
            from hyperpower.hardware import detect_sensors

            with detect_sensors(self.config.settings.devices.device) as sensors:
                self._device = str(sensors.device)
        return self._device

    def run(self, job: Job) -> Job | None:
        """Evaluate a job this worker holds and record its outcome; None if it was given back
        (stop request: in ``released``) or lost (requeued by the driver: in ``lost``)."""
        self.paths.output_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.paths.job_log(job.id)
        log_path.write_text(f"# job {job.id} ({job.method}) params {json.dumps(job.params)}\n")
        with JobHeartbeat(self.store, self.config.name, job.id, self.worker, self.heartbeat_interval_s) as beat, \
                tempfile.TemporaryDirectory(prefix="hyperpower-job-") as tmp:
            if self.stop_event.is_set():
                return self._release(job)
            result_path = Path(tmp) / "result.json"
            started = time.monotonic()
            try:
                returncode, reason = self._wait(self._start(job, result_path, log_path), beat)
                self._process_s = time.monotonic() - started
            except ForkServerError as exc:
                self.close()  # a fresh server for the next job
                returncode, reason = None, f"the job's fork server failed: {exc}"
            if reason == "released":
                return self._release(job)
            if reason == "lost" or beat.lost.is_set():
                return self._drop_lost(job)
            try:
                return self._record(job, log_path, result_path, returncode, reason)
            except StoreError:
                if self._still_holds(job):
                    raise
                return self._drop_lost(job)  # requeued while it was measured or recorded

    def _release(self, job: Job) -> None:
        self.store.release_job(self.config.name, job.id, self.worker)
        self.released.append(job.id)
        return None

    def _drop_lost(self, job: Job) -> None:
        """The driver gave the job to the queue (our heartbeat looked dead): its result is not ours."""
        self.lost.append(job.id)
        self.notify(f"worker {self.worker}: lost job {job.id}: the driver returned it to the queue "
                    f"(no heartbeat for its --heartbeat-timeout), so this result is dropped")
        return None

    def _still_holds(self, job: Job) -> bool:
        current = self.store.get_job(self.config.name, job.id)
        return current is not None and current.status is JobStatus.RUNNING and current.worker == self.worker

    def device_of(self, job: Job) -> str:
        """The device a job runs on: its own (the device variable's value), else this worker's."""
        return job.device or self.device

    def _start(self, job: Job, result_path: Path, log_path: Path) -> JobTask:
        device = self.device_of(job)
        warm = self._warm_server(device)  # a new one (and no launcher) after a failure or on another device
        if self._launcher is None or self._launcher_device != device:  # devices differ in CUDA_VISIBLE_DEVICES
            self._launcher, self._launcher_device = JobLauncher.for_device(device, warm), device
        argv = ["--experiment-dir", str(self.paths.root), "--config", str(self.config_path),
                "--job", json.dumps(job.to_dict()), "--result", str(result_path)]
        return self._launcher.start(argv, log_path)

    def _wait(self, task: JobTask, beat: JobHeartbeat) -> tuple[int | None, str | None]:
        """Wait for the task (``beat`` keeps its heartbeat); kill it on timeout, lost job or stop request."""
        started = time.monotonic()
        while True:
            returncode = task.wait(0.2)
            if returncode is not None:
                return returncode, None
            if self.timeout_s and time.monotonic() - started > self.timeout_s:
                task.kill()
                return None, f"timed out after {self.timeout_s:g} s"
            if self.stop_event.is_set():
                task.kill()
                return None, "released"
            if beat.lost.is_set():
                task.kill()
                return None, "lost"

    def _record(self, job: Job, log_path: Path, result_path: Path, returncode: int | None,
                reason: str | None) -> Job | None:
        if reason == "lost":
            return None  # another worker owns the job now; its result is theirs to write
        result = json.loads(result_path.read_text()) if result_path.exists() else None
        if reason is None and result is None:
            reason = self._describe_exit(returncode)
        if reason is None and not result["ok"]:
            reason = result["error"]
        values = {k: float(v) for k, v in (result or {}).get("values", {}).items()}
        if reason is None:  # a value the job returned itself (a Spearmint task named cost) wins
            values = {**job_runtime_values(self.config.settings, self.device_of(job), self._training_time(result)),
                      **values}
        if reason is None and self.paths.layout == "hyperpower":
            reason = self._measure(job, values, log_path)  # first: the objective may be a hardware metric
        if reason is None:
            reason = objective_problem(self.config, values)  # a NaN objective is an invalid result, not a reason
        if reason is not None:
            return self._finish(job, JobStatus.BROKEN, values=values, log_path=log_path,
                                error=f"{reason}\n{LOG_TAIL_MARKER}\n{_log_tail(log_path)}")
        return self._finish(job, JobStatus.COMPLETE, values=values, log_path=log_path,
                            feasible=measured_feasibility(self.config, values),
                            early_terminated=bool(result.get("early_terminated")),
                            trained_epochs=result.get("trained_epochs"))

    def _training_time(self, result: dict) -> float:
        """A job's ``runtime``: the seconds its process spent training, as it timed them (issue
        22 point 11: not the process start, the imports, the first job's fork-server start or the
        model build, which made job 1 look several times slower than the others); the process's
        wall time only for a result that lacks it."""
        seconds = result.get("training_s")
        return float(seconds) if isinstance(seconds, (int, float)) and seconds >= 0 else self._process_s

    def _measure(self, job: Job, values: dict[str, float], log_path: Path) -> str | None:
        """Add the inference metrics of the job's rendered network; the reason when that fails."""
        from hyperpower.errors import HyperPowerError
        from hyperpower.objective import alias_objective_task, measure_hardware, measurement_seed
        from hyperpower.schedule.scheduler import inherited_measurements

        with open(log_path, "a") as log:
            inherited = inherited_measurements(self.store, self.config, job, log)
            if inherited is not None:  # a promotion: same network, same inference cost as its parent
                values.update(inherited)
                alias_objective_task(self.config, values)
                return None
            try:
                values.update(measure_hardware(self.paths.job_network(job.id), self.config, log,
                                               measurer=self._measurement_server(self.device_of(job)),
                                               seed=measurement_seed(self.config.settings.search.seed, job.id),
                                               device=self.device_of(job)))
                alias_objective_task(self.config, values)
            except HyperPowerError as exc:
                return f"measuring the network failed: {exc}"
        return None

    def _measurement_server(self, device: str):
        """The worker's measurements on ``device``: forks of its warm server (CPU), else fresh processes."""
        from hyperpower.hardware.measure_server import MeasurementServer
        from hyperpower.hardware.subprocess_measure import MeasurementFailed

        try:
            warm = self._warm_server(device)
        except ForkServerError as exc:
            raise MeasurementFailed(f"the measurement server did not start: {exc}") from None
        if self._server is None or self._server_device != device:
            self._server, self._server_device = MeasurementServer(device, server=warm), device
        return self._server

    def _warm_server(self, device: str) -> ForkServer | None:
        """The worker's fork server on ``device``, started on first use: Keras is imported once, and
        each job and each measurement of its network is a fork of it (``forkserver``). Its own
        target is the measurement's; a job imports its modules after the fork (about 0.1 s of CPU),
        so a measurement's process holds what it held when measurements had a server of their own,
        and a worker starts one server, not two. None where tasks get fresh processes: GPUs (CUDA
        does not survive a fork), other Keras backends, plain Spearmint main-files."""
        if self.paths.layout != "hyperpower" or not fork_server_supported(device):
            return None
        if self._warm is not None and (self._warm_device != device or not self._warm.alive()):
            self.close()
        if self._warm is None:
            from hyperpower.hardware.measure_server import measurement_fork_server

            self._warm = measurement_fork_server(device, {"PYTHONUNBUFFERED": "1"})  # job logs unbuffered
            self._warm_device = device
        return self._warm

    def close(self) -> None:
        """Stop this worker's fork server."""
        self._launcher = None
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._warm is not None:
            self._warm.close()
            self._warm = None

    @staticmethod
    def _describe_exit(returncode: int | None) -> str:
        if returncode is not None and returncode < 0:
            name = signal.Signals(-returncode).name
            hint = " (out of memory?)" if -returncode == signal.SIGKILL else ""
            return f"job process killed by {name}{hint}"
        return f"job process exited with code {returncode} without writing a result"

    def _finish(self, job: Job, status: JobStatus, **fields) -> Job:
        return self.store.finish_job(self.config.name, job.id, self.worker, status,
                                     values=fields.get("values"), feasible=fields.get("feasible"),
                                     early_terminated=fields.get("early_terminated", False),
                                     error=fields.get("error"), log_path=str(fields["log_path"]),
                                     trained_epochs=fields.get("trained_epochs"))

"""The device as a search variable (issue 14 part 1): declared by --devices or a DEVICE token,
kept in config.json, categorical for the optimizer, recorded per job, and routed to the workers
that serve it; runtime and cost recorded per job; bad device input refused with nothing written."""

from __future__ import annotations

import json
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from hyperpower.config import load_config
from hyperpower.errors import ConfigError, TemplateError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions, generate_config
from hyperpower.jobs import JobStatus
from hyperpower.loop.driver import Driver, RunOptions
from hyperpower.loop.preparation import prepare_run, write_run_files
from hyperpower.loop.worker import Worker
from hyperpower.optimize import Optimizer
from hyperpower.space import VariableType
from hyperpower.store import open_store
from hyperpower.template import parse_template_text

TEMPLATE = """
units = HYPERPARAM{"type": "INT", "token": "units", "min": 4, "max": 32, "structural": true}
DEVICE_LINE
"""


def _template_experiment(tmp_path: Path, device_line: str = "") -> Path:
    folder = tmp_path / "tiny"
    (folder / "keras_model").mkdir(parents=True)
    (folder / "keras_model" / "network_def.py").write_text(TEMPLATE.replace("DEVICE_LINE", device_line))
    return folder


def test_devices_flag_adds_a_categorical_variable_kept_in_config_json(tmp_path: Path) -> None:
    folder = _template_experiment(tmp_path)
    paths = resolve_experiment(folder)
    generate_config(paths, GenerateOptions(devices=["gpu:0", "gpu:1", "cpu"], prices={"cpu": 0.1, "gpu:0": 2.5}))
    config = load_config(paths.config)
    device = config.space["device"]
    assert device.type is VariableType.ENUM and device.options == ("gpu:0", "gpu:1", "cpu")
    assert device.structural is False, "the device never changes the network"
    assert config.settings.devices.options == ["gpu:0", "gpu:1", "cpu"] and config.settings.devices.variable == "device"
    assert config.settings.devices.prices == {"cpu": 0.1, "gpu:0": 2.5}
    again, _ = generate_config(paths, GenerateOptions())  # a later run without flags keeps them
    assert again.settings.devices.options == ["gpu:0", "gpu:1", "cpu"] and again.space.names == ["units", "device"]
    assert config.space.slice_of("device").stop - config.space.slice_of("device").start == 3, "one-hot: categorical"


def test_a_device_token_in_the_template_declares_the_device_variable(tmp_path: Path) -> None:
    line = 'where = HYPERPARAM{"type": "DEVICE", "token": "where", "options": ["GPU:1", "cpu"]}'
    folder = _template_experiment(tmp_path, line)
    config, _ = generate_config(resolve_experiment(folder), GenerateOptions())
    assert config.settings.devices.variable == "where" and config.settings.devices.options == ["gpu:1", "cpu"]
    assert config.space["where"].options == ("gpu:1", "cpu") and config.space["where"].structural is False
    with pytest.raises(TemplateError, match="'tpu' is not a device"):
        parse_template_text('d = HYPERPARAM{"type": "DEVICE", "token": "d", "options": ["tpu"]}')


def test_bad_device_input_is_refused_naming_it_and_nothing_is_written(tmp_path: Path, run_cli) -> None:
    folder = _template_experiment(tmp_path)
    cases = [(["--devices", "tpu:0"], "'tpu:0' is not a device"),
             (["--devices", "cpu", "--price", "gpu:0=2.5"], "device 'gpu:0' is not among the devices of this run (cpu)"),
             (["--devices", "gpu:7,cpu"], "no device gpu:7 on this machine"),
             (["--devices", "cpu", "--optimize", "cost"], "needs a price for every device")]
    for flags, message in cases:
        result = run_cli("run", str(folder), *flags, "--max-evals", "1", check=False)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["keras_model"], "nothing written"


def test_with_devices_cpu_a_run_behaves_as_today_and_records_device_runtime_and_cost(toy_experiment: Path,
                                                                                  run_cli) -> None:
    result = run_cli("run", str(toy_experiment), "--devices", "cpu", "--price", "cpu=3.6", "--method", "rand",
                     "--max-evals", "3", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert "stopped (max-evals)" in result.stdout and "3 complete, 0 broken" in result.stdout
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs("spearmint_toy")
    assert [job.device for job in jobs] == ["cpu"] * 3 and all(j.raw_params["device"] == "cpu" for j in jobs)
    for job in jobs:
        assert job.status is JobStatus.COMPLETE and 0 < job.values["runtime"] < 120
        assert job.values["cost"] == pytest.approx(3.6 * job.values["runtime"] / 3600)
    assert json.loads((toy_experiment / "config.json").read_text())["variables"].keys() == {"x", "y"}, \
        "a Spearmint folder's config.json is never rewritten"
    status = run_cli("status", str(toy_experiment))
    header = next(line for line in status.stdout.splitlines() if line.startswith("id "))
    assert header.split()[3:5] == ["device", "cost"], status.stdout
    plotted = run_cli("plot", str(toy_experiment), "--out", str(toy_experiment / "plots"))
    assert plotted.returncode == 0 and (toy_experiment / "plots" / "devices.png").stat().st_size > 1000
    exported = json.loads(run_cli("export", str(toy_experiment), "--format", "json").stdout)
    assert [record["device"] for record in exported] == ["cpu"] * 3


ROUTED_MAIN = """
import os

def main(job_id, params):
    x, y = float(params["x"][0]), float(params["y"][0])
    return {"objective": (x - 0.6) ** 2 + (y - 0.2) ** 2 + 1.0, "budget_left": 0.7 - x - y,
            "cuda": float(os.environ.get("CUDA_VISIBLE_DEVICES") or -1)}
"""


@pytest.mark.e2e
def test_jobs_are_routed_to_the_workers_that_serve_their_device(toy_experiment: Path) -> None:
    """Two fake devices (no GPU here: only the job's environment says where it ran), a
    queue-only driver and one worker per device: each job runs on a worker of its device."""
    (toy_experiment / "toy.py").write_text(textwrap.dedent(ROUTED_MAIN))
    paths = resolve_experiment(toy_experiment)
    prepared = prepare_run(paths, GenerateOptions(method="rand", max_evals=8, seed=3, devices=["gpu:0", "gpu:1"]))
    write_run_files(paths, prepared)
    config = prepared.config
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        driver = Driver(store, paths, config, prepared.config_path, Optimizer(config, {}, np.random.default_rng(3)),
                        RunOptions(queue_only=True, workers=2, poll_interval_s=0.1), output=lambda line: None)
        workers = [Worker(store, paths, config, prepared.config_path, name=f"w-{device}", poll_interval_s=0.1,
                          devices=[device], heartbeat_timeout_s=60, notify=lambda line: None)
                   for device in ("gpu:0", "gpu:1")]
        threads = [threading.Thread(target=worker.run) for worker in workers]
        for thread in threads:
            thread.start()
        summary = driver.run()
        for thread in threads:
            thread.join(timeout=60)
        jobs = store.list_jobs(config.name)
    assert summary.complete == 8
    assert {job.device for job in jobs} == {"gpu:0", "gpu:1"}, "the optimizer chose both devices"
    for job in jobs:
        assert job.worker == f"w-{job.device}" and job.raw_params["device"] == job.device
        assert job.values["cuda"] == float(job.device.split(":")[1]), "the job ran in its device's environment"


def test_a_worker_only_serves_devices_it_has_and_the_experiment_uses() -> None:
    from hyperpower.settings.section import HyperPowerSettings
    from hyperpower.devices import worker_devices

    settings = HyperPowerSettings.from_section({"devices": ["gpu:0", "cpu"]})
    assert worker_devices(settings, None, here=["cpu"]) == ["cpu"]
    assert worker_devices(settings, ["GPU:0"], here=["cpu", "gpu:0"]) == ["gpu:0"]
    with pytest.raises(ConfigError, match="--device gpu:1: this machine has no such device"):
        worker_devices(settings, ["gpu:1"], here=["cpu"])
    with pytest.raises(ConfigError, match="--device gpu:1: the experiment's jobs run on gpu:0, cpu only"):
        worker_devices(settings, ["gpu:1"], here=["cpu", "gpu:1"])
    assert worker_devices(HyperPowerSettings(), None, here=["cpu"]) is None, "no device variable: any job"


def test_runtime_and_cost_budgets_have_their_units() -> None:
    from hyperpower.commands.options import parse_budget_flags

    budgets, _ = parse_budget_flags(["runtime=10m", "cost=1.5", "latency=2s"])
    assert budgets == {"runtime": 600.0, "cost": 1.5, "latency": 2000.0}
    with pytest.raises(ConfigError, match="unit 'W' is for power, not runtime"):
        parse_budget_flags(["runtime=3W"])


def test_a_queue_only_driver_names_the_devices_no_live_worker_serves(toy_experiment: Path) -> None:
    import time as clock

    paths = resolve_experiment(toy_experiment)
    prepared = prepare_run(paths, GenerateOptions(method="rand", max_evals=3, max_time_s=1.5, devices=["gpu:0"]))
    write_run_files(paths, prepared)
    output: list[str] = []
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        store.set_meta("spearmint_toy", "worker/cpu-box", {"state": "idle", "seen": clock.time() + 60,
                                                           "devices": ["cpu"]})
        Driver(store, paths, prepared.config, prepared.config_path,
               Optimizer(prepared.config, {}, np.random.default_rng(0)),
               RunOptions(queue_only=True, poll_interval_s=0.1), output=output.append).run()
    notices = [line for line in output if "jobs for gpu:0 are queued and no live worker serves it" in line]
    assert len(notices) == 1 and "--device gpu:0" in notices[0], output

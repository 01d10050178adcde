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

from hyperpower.config import config_from_json, load_config
from hyperpower.devices import columns_without_device, device_independent, device_variable
from hyperpower.errors import ConfigError, TemplateError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions, generate_config
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.driver import Driver, RunOptions
from hyperpower.loop.preparation import prepare_run, write_run_files
from hyperpower.loop.worker import Worker
from hyperpower.optimize import Optimizer
from hyperpower.optimize.constraints import KnownConstraints
from hyperpower.optimize.ensemble import MCMCSettings
from hyperpower.optimize.multiobjective_bayes import EHVIStrategy
from hyperpower.optimize.multiobjective_problem import MultiObjectiveProblem, ObjectiveSpec
from hyperpower.optimize.pabo import PABOStrategy
from hyperpower.optimize.observations import collect_observations
from hyperpower.optimize.strategies import Problem
from hyperpower.space import SearchSpace, Variable, VariableType
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


def test_the_error_is_learnt_without_the_device_and_hardware_metrics_with_it() -> None:
    """A network's error does not depend on where it is trained: its GP leaves the device's
    columns out, so a result on one device informs the same configuration on every other; the
    latency and the cost differ by device and keep them. Without a device variable nothing changes."""
    assert device_independent("error") and not any(map(device_independent, ("latency", "power", "cost", "my_task")))
    variables = {"units": {"type": "INT", "min": 1, "max": 8}, "act": {"type": "ENUM", "options": ["relu", "tanh"]},
                 "device": {"type": "ENUM", "options": ["gpu:0", "cpu"], "structural": False}}

    def optimizer(objectives: list[str], device_variable: str | None) -> Optimizer:
        settings = {"objective": objectives if len(objectives) > 1 else objectives[0], "device_variable": device_variable,
                    "aware": False}
        return Optimizer(config_from_json({"variables": variables, "hyperpower": settings,
                                           "tasks": {name: {"type": "OBJECTIVE"} for name in objectives}}),
                         {}, np.random.default_rng(0))

    several = optimizer(["error", "latency", "cost"], "device")
    space = several.space
    assert columns_without_device(space, "device").tolist() == [0, 1, 2]  # units, then act's one-hot pair
    assert [None if s.inputs is None else s.inputs.tolist() for s in several.multi_problem.objectives] == \
        [[0, 1, 2], None, None]
    assert optimizer(["error"], "device").problem.objective_inputs.tolist() == [0, 1, 2]
    assert optimizer(["error"], None).problem.objective_inputs is None, "no device variable: the GP reads everything"
    assert all(s.inputs is None for s in optimizer(["error", "latency"], None).multi_problem.objectives)
    assert columns_without_device(space, "missing") is None


def test_an_error_measured_on_one_device_is_known_for_the_same_network_on_the_other() -> None:
    """The multi-objective strategy's error GP, given results on the GPU only, predicts a
    measured configuration on the CPU as it does on the GPU (the measured value, little variance),
    where a GP over the device's columns too would not."""
    space = SearchSpace([Variable("units", "INT", 1, 16), device_variable(["gpu:0", "cpu"])])
    rng = np.random.default_rng(0)
    units = rng.integers(1, 17, size=12)
    jobs = [Job(id=i + 1, experiment="d", status=JobStatus.COMPLETE, raw_params={"units": int(u), "device": "gpu:0"},
                values={"error": 1.0 / float(u), "latency": float(u)}) for i, u in enumerate(units)]
    observations = collect_observations(jobs, space, ("error", "latency"), [])
    measured_gpu = space.to_unit({"units": int(units[0]), "device": "gpu:0"})
    same_on_cpu = space.to_unit({"units": int(units[0]), "device": "cpu"})

    def error_gp(inputs):
        problem = MultiObjectiveProblem(Problem(space, KnownConstraints(space, []), [], mcmc=MCMCSettings(samples=4, burn_in=40)),
                                        [ObjectiveSpec("error", inputs=inputs), ObjectiveSpec("latency")])
        return EHVIStrategy(problem, np.random.default_rng(1)).fit(observations).objectives[0]

    projected = error_gp(columns_without_device(space, "device"))
    mean, variance = projected.predict(np.array([measured_gpu, same_on_cpu]))
    np.testing.assert_allclose(mean[:, 1], mean[:, 0])
    assert abs(mean[:, 1].mean() - 1.0 / units[0]) < 0.05 and np.all(variance[:, 1] == variance[:, 0])
    whole = error_gp(None).predict(np.array([measured_gpu, same_on_cpu]))[1].mean(axis=0)
    assert whole[1] > 5 * max(whole[0], variance[:, 0].mean()), "over every column the CPU twin stays uncertain"
    problem = MultiObjectiveProblem(Problem(space, KnownConstraints(space, []), [], mcmc=MCMCSettings(samples=2, burn_in=5)),
                                    [ObjectiveSpec("error", inputs=columns_without_device(space, "device")),
                                     ObjectiveSpec("latency")])
    pabo = PABOStrategy(problem, np.random.default_rng(1)).fit(observations).objectives
    assert pabo[0].inputs.tolist() == [0] and pabo[1].inputs is None, "PABO's agents read the same columns"

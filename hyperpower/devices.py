"""The device as a search variable (``--devices gpu:0,gpu:1,cpu``, or a DEVICE template token).

Seed 002's point: there is no single best device, only cost/runtime trade-offs, so the device is
chosen with the hyper-parameters. It is an ENUM variable of the search space (one-hot, so the
optimizer treats it as categorical, and a per-device a-priori model can dispatch on it) that is
not structural (it never changes the network). ``settings.devices.options`` lists the options and
``settings.devices.variable`` names the variable; each job records the device it was given
(``Job.device``) and only a worker that serves that device claims it (``claim_job(devices=...)``).

Prices (``--price cpu=0.10``, currency per hour) turn a job's training time into ``cost``.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from hyperpower.errors import ConfigError, HyperPowerError
from hyperpower.metrics import DERIVED_METRICS, Origin, metric
from hyperpower.space import SearchSpace, Variable, VariableType

#: the variable ``--devices`` adds (a template's DEVICE token may name it otherwise)
DEVICE_VARIABLE = "device"


def canonical_device(text: Any, where: str) -> str:
    """``"GPU"`` -> ``"gpu:0"``, ``" cpu "`` -> ``"cpu"``; ConfigError naming ``where`` otherwise.

    The same names ``--device`` and the sensors understand (``hardware.sensors.parse_device``),
    so a device in the list is one a worker can serve and measure."""
    from hyperpower.device_names import parse_device

    try:
        spec = parse_device(str(text)) if isinstance(text, str) else None
    except HyperPowerError:
        spec = None
    if spec is None:
        raise ConfigError(f"{where}: {text!r} is not a device; name each device cpu or gpu:N (the NVML index of "
                          f"the GPU), e.g. --devices gpu:0,gpu:1,cpu")
    return str(spec)


def parse_device_list(text: str | Sequence[str], where: str = "--devices") -> list[str]:
    """``"gpu:0, cpu"`` (or a list) -> ``["gpu:0", "cpu"]``; each name valid, none twice."""
    items = text.split(",") if isinstance(text, str) else list(text)
    devices: list[str] = []
    for item in items:
        device = canonical_device(item.strip() if isinstance(item, str) else item, where)
        if device in devices:
            raise ConfigError(f"{where}: device {device!r} is listed twice")
        devices.append(device)
    if not devices:
        raise ConfigError(f"{where}: give at least one device, e.g. --devices gpu:0,cpu")
    return devices


def parse_prices(texts: Iterable[str]) -> dict[str, float]:
    """``["cpu=0.10", "gpu:0=2.5"]`` -> ``{"cpu": 0.1, "gpu:0": 2.5}`` (currency per hour).

    ``generate.apply_device_options`` then refuses a price for a device the run does not choose
    from: it is a typo or a leftover, and a cost computed with another device's price would mislead."""
    prices: dict[str, float] = {}
    for text in texts:
        name, separator, value = str(text).partition("=")
        if not separator or not name.strip() or not value.strip():
            raise ConfigError(f"--price {text!r}: expected DEVICE=PRICE (currency per hour), e.g. --price gpu:0=2.50")
        device = canonical_device(name.strip(), f"--price {text}")
        try:
            price = float(value)
        except ValueError:
            price = float("nan")
        if not price >= 0 or price == float("inf"):
            raise ConfigError(f"--price {text!r}: a price is a finite number >= 0 (currency per hour)")
        prices[device] = price
    return prices


def device_variable(devices: Sequence[str], name: str = DEVICE_VARIABLE) -> Variable:
    """The ENUM variable of the devices; not structural, so models and profiling ignore it."""
    return Variable(name=name, type=VariableType.ENUM, options=tuple(devices), structural=False)


def with_device_variable(space: SearchSpace, devices: Sequence[str], name: str = DEVICE_VARIABLE) -> SearchSpace:
    """``space`` with the device variable set to ``devices`` (added last, or its options replaced
    in place); ``generate.apply_device_options`` has checked that ``name`` is free or a device."""
    variable = device_variable(devices, name)
    if name in space.names:
        return SearchSpace([variable if v.name == name else v for v in space.variables])
    return SearchSpace([*space.variables, variable])


def device_independent(name: str) -> bool:
    """Whether the device a job runs on leaves metric ``name`` unchanged: a trained metric (the
    same network trained the same epochs has the same error on any device); measured, derived
    (runtime, cost) and a user's own tasks may all differ by device."""
    return metric(name).origin is Origin.TRAINED


def columns_without_device(space: SearchSpace, name: str | None) -> np.ndarray | None:
    """The unit-cube columns of ``space`` other than those of the device variable ``name``: what
    the GP of a device-independent metric reads, so that a result on one device informs the same
    configuration on every other. None when there is no such variable or nothing else to read."""
    if not name or name not in space.names:
        return None
    excluded = space.slice_of(name)
    kept = np.array([column for column in range(space.dim) if not excluded.start <= column < excluded.stop], dtype=int)
    return kept if len(kept) else None


def job_device(settings: Any, raw_params: dict[str, Any]) -> str | None:
    """The device a job with ``raw_params`` runs on; None when the experiment has no device variable."""
    name = settings.devices.variable
    if not name or name not in raw_params:
        return None
    return str(raw_params[name])


def local_devices() -> list[str]:
    """The devices this machine has: ``cpu`` and each GPU NVML sees (``gpu:N``)."""
    found = ["cpu"]
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            found += [f"gpu:{index}" for index in range(pynvml.nvmlDeviceGetCount())]
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # noqa: BLE001 - no driver, no library: no GPU here
        pass
    return found


def check_devices_here(devices: Sequence[str], here: Sequence[str], how: str) -> None:
    """Refuse a device no local worker could serve (``how``: why the workers are local)."""
    missing = [device for device in devices if device not in here]
    if missing:
        raise ConfigError(f"--devices: no device {', '.join(missing)} on this machine (it has {', '.join(here)}), so "
                          f"{how} could run its jobs; drop it from --devices, or queue the jobs with --queue-only and "
                          f"start `hyperpower worker --device {missing[0]}` on a machine that has it")


def job_runtime_values(settings: Any, device: str | None, seconds: float) -> dict[str, float]:
    """``runtime`` (s of training) and ``cost`` (price × hours) of a job, when the experiment
    chooses devices or prices them; empty otherwise, so plain runs record what they always did."""
    prices = dict(settings.devices.prices)
    named = {*settings.objectives.names, *settings.budgets.limits}
    if not settings.devices.options and not prices and not named & set(DERIVED_METRICS):
        return {}
    values = {"runtime": float(seconds)}
    price = prices.get(device or "cpu")
    if price is not None:
        values["cost"] = price * float(seconds) / 3600.0
    return values


def check_run_devices(settings: Any, queue_only: bool, here: Sequence[str] | None = None,
                      layout: str = "hyperpower") -> None:
    """Before ``run`` writes anything: local workers must have every device of the list, and a
    ``cost`` objective or budget needs a price for every device it may run on (in a plain
    Spearmint folder ``cost`` may be a task of its main-file, unless the run prices devices)."""
    if settings.devices.options and not queue_only:
        check_devices_here(settings.devices.options, local_devices() if here is None else here, "no local worker of `run`")
    priced = layout == "hyperpower" or settings.devices.options or settings.devices.prices
    cost_objective = "cost" in settings.objectives.names
    uses_cost = priced and (cost_objective or "cost" in settings.budgets.limits)
    if uses_cost:
        unpriced = [device for device in settings.devices.options if device not in settings.devices.prices]
        if unpriced or not settings.devices.prices:
            raise ConfigError(f"the cost {'objective' if cost_objective else 'budget'} needs a price for "
                              f"every device a job may run on; no --price for {', '.join(unpriced) or 'any device'} "
                              f"(e.g. --price {(unpriced or ['cpu'])[0]}=0.10, currency per hour)")


def worker_devices(settings: Any, given: Sequence[str] | None, here: Sequence[str] | None = None) -> list[str] | None:
    """The devices a ``hyperpower worker`` serves: those given with ``--device`` (each on this
    machine and, when the experiment chooses devices, among them); without ``--device``, the
    experiment's devices this machine has; None (any job) for an experiment without devices."""
    here = local_devices() if here is None else here
    if given:
        devices = parse_device_list(list(given), "--device")
        for device in devices:
            if device not in here:
                raise ConfigError(f"--device {device}: this machine has no such device (it has {', '.join(here)})")
            if settings.devices.options and device not in settings.devices.options:
                raise ConfigError(f"--device {device}: the experiment's jobs run on {', '.join(settings.devices.options)} only, "
                                  f"so a worker for {device} would wait forever")
        return devices
    if not settings.devices.options:
        return None
    served = [device for device in settings.devices.options if device in here]
    if not served:
        raise ConfigError(f"the experiment's jobs run on {', '.join(settings.devices.options)}, none of which this machine has "
                          f"({', '.join(here)}); start the worker where one of them is")
    return served


def unserved_devices(pending_devices: Iterable[str | None], registry: dict[str, dict], now: float,
                     timeout_s: float) -> list[str]:
    """Devices of pending jobs that no live worker serves (a live entry without ``devices`` serves
    any job), so a queue-only driver can say which worker to start instead of waiting silently."""
    live = [entry for entry in registry.values()
            if entry.get("state") != "stopped" and now - float(entry.get("seen", 0)) <= timeout_s]
    if not live or any(entry.get("devices") is None for entry in live):
        return []
    served = {device for entry in live for device in entry["devices"]}
    return sorted({device for device in pending_devices if device is not None and device not in served})

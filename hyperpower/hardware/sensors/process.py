"""The process sensor: inference latency and the peak memory of the measuring process (CPU).

Latency is the wall time of one synchronized inference batch (the measurement loop times each
call with ``perf_counter`` and forces the result to the host, so the time covers the work). A
measurement's latency is the ``LATENCY_QUANTILE`` (2nd) percentile of every batch time of every
window, pooled (``latency_ms``); each window's own 2nd percentile is its reading, and the spread
is the bootstrap standard error of the pooled value over resampled windows
(``ProcessSensor.combined_spread``).

Why a low quantile, measured on this project's shared 2-CPU virtual machine
(``benchmarks/hardware/latency_noise.py``; ``benchmarks/hardware/RESULTS.md``, "Latency on a
shared CPU"): other processes used 60-94% of the CPUs, and a batch's wall time is the network's
work plus the time its threads waited for a core. That waiting is only ever added, and it changes
from second to second with the other processes' load, so the median or mean of the batch times
follows the *other processes*: three digits networks measured 12 times each had coefficients of
variation of 36-70% under the old protocol (4 windows over 0.5 s, the mean of window medians),
and the smallest read slower than the largest in some repeats. The batches that got the CPU are
the network's own cost. When others use 80-90% of the CPUs, fewer than one batch in ten gets a
free core for a network whose operations run on two threads, so the 10th percentile still
carries waiting (70% variation for the largest network) while the 1st-2nd percentile repeated
within 16-36%; the lowest quantile that is not a single extreme batch (a minimum falls as more
batches are timed and carries timer jitter) is the 2nd, which needs at least 50 batches to be
more than the minimum. The sensor asks for more, spread-out windows (``default_repetitions`` 12
over ``default_min_window_s`` 1.5 s, gaps up to 0.1 s: 140-730 batches for a digits network) so
that a burst of other work falls in a few windows and the quantile is pinned.

What no protocol removes: the waiting when the machine is never free (the low quantile then
still includes some), and the cache and memory bandwidth other processes take. The hypervisor's
steal time was under 1% here, and a virtual machine shows no CPU frequency (no ``cpufreq``; a
constant nominal MHz), so neither could be measured as a cause. ``contention.contention_since``
measures the other processes' share of the CPUs during each measurement, and it is reported
beside the value.

Peak memory, and why it is measured this way:

* ``tracemalloc`` only sees Python's allocator; TensorFlow's tensors, kernels and thread stacks
  come from C++ ``malloc``/``mmap`` and are invisible to it.
* Sampling the resident set (``/proc/self/statm``) from a thread misses short peaks between
  samples, and sampling fast enough to catch them steals a core from the inference it measures
  (this machine class has two).
* The kernel already tracks the exact peak resident set of the process (``VmHWM`` in
  ``/proc/self/status``) and, since Linux 4.0, lets a process reset it by writing ``5`` to
  ``/proc/self/clear_refs``. Resetting it when a window opens and reading it when the window
  closes gives the true peak resident memory during inference, at no cost while it runs.

What is counted: the peak *anonymous* resident memory of the process in MB (10^6 bytes), that
is the window's peak resident set minus its file-backed and shared pages (``RssFile`` +
``RssShmem``, constant during steady-state inference). Anonymous memory is what the process
allocated: framework runtime state, data, weights, activations, thread stacks. File-backed pages
are mostly shared-library code (~300 MB of TensorFlow), shared with other processes and
reclaimable, and how many of them count depends on how the process started: a process forked
from one that imported TensorFlow (the profiling server) maps them without touching them, a
fresh one has them resident. Measured for one digits network, the total resident set read 352 MB
in a forked child and 652 MB in a fresh process, while anonymous memory read 277.4 MB in both;
so only anonymous memory makes profiles and optimization runs comparable. It is the CPU analogue
of NVML's per-process device memory (which includes the CUDA context) and grows linearly with
the weights: with TensorFlow 2.21 about 3.1 bytes per byte of weights, as the initializers'
temporaries stay in the allocator's heap; the runtime part is a constant the fitted model's
intercept absorbs. Measure each configuration in a process of its own
(``hyperpower.hardware.subprocess_measure``), or memory freed by earlier models and kept by the
allocator leaks into later readings; a process that trained the network first also reads higher
(about +25 MB for a digits network after 3 epochs: optimizer state, retained heap).

Where the reset is not allowed, the sensor falls back to sampling ``statm`` (resident minus
shared pages) in a thread; where ``/proc`` does not exist, to ``getrusage`` (peak resident set
since process start, file pages included; stated in ``describe``).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from hyperpower.hardware.sensors.base import Sensor, SensorInfo, Window

_BYTES_PER_MB = 1e6


class ProcessSensor(Sensor):
    """Latency (median ms per batch) and peak anonymous resident memory (MB) of this process."""

    name = "process"
    metrics = ("latency", "memory")
    default_min_window_s = 1.5
    default_repetitions = 12
    max_gap_s = 0.1

    def __init__(self, proc_root: str | Path = "/proc/self", sample_interval_s: float = 0.002) -> None:
        self._proc_root = Path(proc_root)
        self._sample_interval_s = sample_interval_s
        self._page_size = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self.memory_method = self._choose_memory_method()
        self._sampler: _ResidentSampler | None = None

    # -- description ---------------------------------------------------------------------------
    def _choose_memory_method(self) -> str:
        if self._read_hwm_kb() is not None and self._reset_hwm():
            return "peak-reset"
        if self._read_statm_bytes() is not None:
            return "sampled"
        return "rusage"

    def describe(self) -> SensorInfo:
        methods = {
            "peak-reset": "memory: peak anonymous resident memory per window (VmHWM reset via clear_refs, "
                          "minus file-backed pages)",
            "sampled": f"memory: anonymous resident memory sampled every {self._sample_interval_s * 1e3:g} ms "
                       "(clear_refs not writable, short peaks may be missed)",
            "rusage": "memory: peak resident set since process start, library pages included (getrusage; no /proc)",
        }
        return SensorInfo(self.name, self.metrics, True,
                          f"this process (pid {os.getpid()}), latency: perf_counter; {methods[self.memory_method]}")

    # -- /proc readers -------------------------------------------------------------------------
    def _read_status_kb(self) -> dict[str, int]:
        """Memory fields of /proc/self/status in KiB (VmHWM, RssFile, RssShmem...); {} if unreadable."""
        fields = {}
        try:
            for line in (self._proc_root / "status").read_text().splitlines():
                if line.startswith(("Vm", "Rss")):
                    name, value = line.split(":", 1)
                    fields[name] = int(value.split()[0])
        except (OSError, ValueError, IndexError):
            return {}
        return fields

    def _read_hwm_kb(self) -> int | None:
        return self._read_status_kb().get("VmHWM")

    def _reset_hwm(self) -> bool:
        try:  # O_WRONLY without O_CREAT: never create the file where /proc is faked or absent
            descriptor = os.open(self._proc_root / "clear_refs", os.O_WRONLY)
        except OSError:
            return False
        try:
            os.write(descriptor, b"5")
            return True
        except OSError:
            return False
        finally:
            os.close(descriptor)

    def _read_statm_bytes(self) -> int | None:
        """Anonymous resident bytes from statm: resident pages minus shared (file + shmem) pages."""
        try:
            fields = (self._proc_root / "statm").read_text().split()
            return (int(fields[1]) - int(fields[2])) * self._page_size
        except (OSError, ValueError, IndexError):
            return None

    def current_anonymous_mb(self) -> float:
        """Anonymous resident memory right now, in MB (used for baselines and tests)."""
        resident = self._read_statm_bytes()
        return resident / _BYTES_PER_MB if resident is not None else _rusage_peak_bytes() / _BYTES_PER_MB

    # -- windows -------------------------------------------------------------------------------
    def start_window(self) -> None:
        if self.memory_method == "peak-reset" and not self._reset_hwm():
            self.memory_method = "sampled"
        if self.memory_method == "sampled":
            self._sampler = _ResidentSampler(self._read_statm_bytes, self._sample_interval_s)
            self._sampler.start()

    def stop_window(self, window: Window) -> dict[str, float]:
        return {"latency": latency_ms(window.batch_times_s), "memory": self._window_peak_bytes() / _BYTES_PER_MB}

    def combine(self, metric: str, windows: Sequence[Window], readings: Sequence[float]) -> float | None:
        """Latency: the low quantile of all windows' batch times pooled (``latency_ms``)."""
        if metric != "latency":
            return None
        return latency_ms([t for window in windows for t in window.batch_times_s])

    def combined_spread(self, metric: str, windows: Sequence[Window], readings: Sequence[float]) -> float | None:
        """Latency: the bootstrap standard error of the pooled quantile, windows resampled with
        replacement (``BOOTSTRAP_DRAWS``, a fixed seed): how far the value would move were the
        measurement's windows drawn again. The standard deviation of the per-window quantiles
        would instead report how unsteady the machine was: a window of ~25 batches that never got
        a core reads several times the value, which the pooled quantile rightly ignores."""
        if metric != "latency" or len(windows) < 2:
            return None
        times = [np.asarray(window.batch_times_s, dtype=float) for window in windows]
        rng = np.random.default_rng(0)
        draws = [latency_ms(np.concatenate([times[i] for i in rng.integers(0, len(times), len(times))]))
                 for _ in range(BOOTSTRAP_DRAWS)]
        return float(np.std(draws, ddof=1))

    def _window_peak_bytes(self) -> float:
        if self.memory_method == "peak-reset":
            status = self._read_status_kb()
            if "VmHWM" in status:
                shared_kb = status.get("RssFile", 0) + status.get("RssShmem", 0)
                return (status["VmHWM"] - shared_kb) * 1024.0
        if self._sampler is not None:
            peak = self._sampler.stop()
            self._sampler = None
            return peak
        return _rusage_peak_bytes()

    def close(self) -> None:
        if self._sampler is not None:
            self._sampler.stop()
            self._sampler = None


#: the percentile of batch wall times a latency is (see the module docstring)
LATENCY_QUANTILE = 2.0
#: window resamples behind a latency's spread (``ProcessSensor.combined_spread``)
BOOTSTRAP_DRAWS = 200


def latency_ms(batch_times_s: Sequence[float]) -> float:
    """The latency of batches timed in seconds, in ms: their ``LATENCY_QUANTILE`` percentile
    (NaN for none). Used per window and, pooled over every window, for the measurement."""
    if not len(batch_times_s):
        return float("nan")
    return 1e3 * float(np.percentile(np.asarray(batch_times_s, dtype=float), LATENCY_QUANTILE))


class _ResidentSampler:
    """Polls the resident set in a daemon thread and keeps the maximum (fallback method)."""

    def __init__(self, read_bytes, interval_s: float) -> None:
        self._read_bytes = read_bytes
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._peak = float(read_bytes() or 0)
        self._thread = threading.Thread(target=self._run, name="hyperpower-rss-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self._peak = max(self._peak, float(self._read_bytes() or 0))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self._peak, float(self._read_bytes() or 0))


def _rusage_peak_bytes() -> float:
    """Peak resident set since process start; ru_maxrss is KiB on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak) if sys.platform == "darwin" else float(peak) * 1024.0

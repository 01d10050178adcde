"""How busy the machine was with other work while a measurement ran (Linux ``/proc/stat``).

On a CPU shared with other processes, a batch's wall time is the network's own work plus the time
its threads waited for a core. The waiting cannot be removed from wall-clock latency by any
measurement protocol; it can only be avoided (a low quantile of the batch times: the batches that
got the CPU, see ``sensors.process``) and shown. This module measures it, so every measurement
says how contended it was:

* ``others_share``: the share of all CPUs' time that processes other than the measuring one used
  (machine busy time minus this process's own CPU time, over the machine's total);
* ``steal_share``: the share a virtual machine's hypervisor gave to other guests (``steal``);
* ``load_1min``: the 1-minute load average at the end (runnable processes, for the record).

CPU frequency is not read: virtual machines such as this project's (AMD EPYC, 2 CPUs) expose no
``cpufreq`` and report a constant nominal MHz, so frequency scaling is invisible from inside them.
Where ``/proc/stat`` does not exist (macOS), ``contention_since`` returns ``{}``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class CpuCounters:
    """Machine-wide CPU jiffies (total, idle+iowait, steal) and this process's CPU seconds."""

    total: float
    idle: float
    steal: float
    own_s: float


def read_counters(stat_path: str | Path = "/proc/stat") -> CpuCounters | None:
    """The counters now; None where ``/proc/stat`` cannot be read."""
    try:
        fields = [float(v) for v in Path(stat_path).read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    fields += [0.0] * (8 - len(fields))
    times = os.times()  # children_* left out: a measurement starts no child
    return CpuCounters(total=sum(fields[:8]), idle=fields[3] + fields[4], steal=fields[7],
                       own_s=times.user + times.system)


def contention_since(before: CpuCounters | None, after: CpuCounters | None) -> dict[str, float]:
    """{others_share, steal_share, load_1min} between two readings ({} when either is missing
    or no tick passed)."""
    if before is None or after is None or after.total <= before.total:
        return {}
    total = after.total - before.total
    steal = after.steal - before.steal
    busy = total - (after.idle - before.idle) - steal
    own = (after.own_s - before.own_s) * os.sysconf("SC_CLK_TCK")
    return {"others_share": min(1.0, max(0.0, (busy - own) / total)), "steal_share": max(0.0, steal / total),
            "load_1min": os.getloadavg()[0]}

"""What the latency noise on a shared CPU is, and which measurement protocol repeats best.

Builds three fixed digits networks (small, middle, large) in this process and measures each one's
inference latency many times, interleaved in a random order, with two protocols:

* ``old``: the protocol of HyperPower before issue 15: 4 windows totalling 0.5 s, gaps of up to
  20 ms, the value being the mean over windows of each window's median batch time;
* ``new``: the protocol since then, 12 windows totalling 1.5 s, gaps of up to 0.1 s (so a
  burst of another process's work falls into few windows).

From each measurement's batch times several statistics are computed, among them the old one
(mean of window medians) and the tool's new one (``pooled_p2 (tool)``: the 2nd percentile of
all batch times, ``sensors.process.latency_ms``), beside other quantiles.

Per measurement it records how busy the machine was with *other* work (``hardware.contention``:
other processes' share of the CPUs, the hypervisor's steal time, the 1-minute load average); per
batch the wall time and the process's CPU time. It writes the
raw data and a summary (coefficient of variation over repeats per network and statistic, and the
correlation of the measured latency with the other processes' share) to ``latency_noise.json``.

    nice .venv/bin/python benchmarks/hardware/latency_noise.py [--repeats 12] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hyperpower.hardware.contention import contention_since, read_counters
from hyperpower.hardware.sensors.process import latency_ms

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NETWORKS = {  # digits structural values: small, middle, large
    "small": {"conv1_filters": 8, "conv1_kernel": 2, "conv2_filters": 8, "dense_units": 1},
    "middle": {"conv1_filters": 32, "conv1_kernel": 3, "conv2_filters": 32, "dense_units": 8},
    "large": {"conv1_filters": 64, "conv1_kernel": 4, "conv2_filters": 64, "dense_units": 16},
}
PROTOCOLS = {"old": {"windows": 4, "total_s": 0.5, "max_gap_s": 0.02},
             "new": {"windows": 12, "total_s": 1.5, "max_gap_s": 0.1}}


def measure(run_batch, batches, protocol: dict, rng: np.random.Generator) -> dict:
    """Warm-up, then the protocol's windows; per window the batch wall and CPU times."""
    for index in range(5):
        run_batch(batches[index % len(batches)])
    before, started = read_counters(), time.perf_counter()
    windows = []
    target = protocol["total_s"] / protocol["windows"]
    for number in range(protocol["windows"]):
        if number:
            time.sleep(float(rng.uniform(0.0, protocol["max_gap_s"])))
        walls, cpus, start = [], [], time.perf_counter()
        while not walls or time.perf_counter() - start < target:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            run_batch(batches[len(walls) % len(batches)])
            walls.append(time.perf_counter() - wall0)
            cpus.append(time.process_time() - cpu0)
        windows.append({"wall_ms": [1e3 * w for w in walls], "cpu_ms": [1e3 * c for c in cpus]})
    return {"windows": windows, "wall_s": time.perf_counter() - started, **contention_since(before, read_counters())}


def statistics(record: dict) -> dict[str, float]:
    """The candidate latency statistics (ms) of one measurement."""
    medians = np.array([np.median(w["wall_ms"]) for w in record["windows"]])
    walls = np.concatenate([w["wall_ms"] for w in record["windows"]])
    cpus = np.concatenate([w["cpu_ms"] for w in record["windows"]])
    return {"mean_of_window_medians": float(medians.mean()), "median_of_window_medians": float(np.median(medians)),
            "pooled_p2 (tool)": latency_ms(1e-3 * walls), "pooled_p10": float(np.percentile(walls, 10)),
            "pooled_p25": float(np.percentile(walls, 25)),
            "pooled_median": float(np.median(walls)), "pooled_min": float(walls.min()),
            "cpu_median": float(np.median(cpus))}


def build(name: str, workdir: Path):
    from hyperpower.network import build_network
    from hyperpower.template import parse_template

    template = parse_template(REPO / "experiments" / "digits" / "keras_model" / "network_def.py")
    params = template.space.network_params(template.space.from_unit(np.full(template.space.dim, 0.5)))
    params.update(NETWORKS[name])
    definition = build_network(template, params, workdir / f"{name}.py")
    from hyperpower.hardware.measure import inference_function, make_batches

    return inference_function(definition.model), make_batches(np.asarray(definition.x_test), definition.batch_size)


def summarize(records: list[dict]) -> dict:
    summary = {}
    for network in NETWORKS:
        for protocol in PROTOCOLS:
            rows = [r for r in records if r["network"] == network and r["protocol"] == protocol]
            stats = {key: np.array([r["statistics"][key] for r in rows]) for key in rows[0]["statistics"]}
            other = np.array([r["others_share"] for r in rows])
            summary[f"{network}/{protocol}"] = {
                key: {"mean_ms": float(v.mean()), "cv": float(v.std(ddof=1) / v.mean()),
                      "max_over_min": float(v.max() / v.min()),
                      "corr_with_other_share": float(np.corrcoef(v, other)[0, 1]) if other.std() > 0 else None}
                for key, v in stats.items()}
            summary[f"{network}/{protocol}"]["other_share"] = [float(other.min()), float(np.median(other)), float(other.max())]
            summary[f"{network}/{protocol}"]["steal_share_median"] = float(np.median([r["steal_share"] for r in rows]))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "latency_noise.json")
    parser.add_argument("--threads", type=int, default=None,
                        help="TensorFlow intra- and inter-op threads (default: TensorFlow's, one per CPU)")
    parser.add_argument("--protocols", default="old,new", help="which protocols to measure")
    parser.add_argument("--resummarize", action="store_true",
                        help="recompute the statistics and summary of the records already in --out, measuring nothing")
    args = parser.parse_args()
    if args.resummarize:
        data = json.loads(args.out.read_text())
        for record in data["records"]:
            record["statistics"] = statistics(record)
        data["summary"] = summarize(data["records"])
        args.out.write_text(json.dumps(data, indent=1) + "\n")
        print(json.dumps(data["summary"], indent=1))
        return 0
    rng = np.random.default_rng(args.seed)
    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    for name in [p for p in PROTOCOLS if p not in args.protocols.split(",")]:
        del PROTOCOLS[name]
    records = []
    with tempfile.TemporaryDirectory(prefix="hyperpower-noise-") as folder:
        built = {name: build(name, Path(folder)) for name in NETWORKS}
        plan = [(n, p) for n in NETWORKS for p in PROTOCOLS] * args.repeats
        for network, protocol in (plan[i] for i in rng.permutation(len(plan))):
            record = measure(*built[network], PROTOCOLS[protocol], rng)
            record.update(network=network, protocol=protocol, statistics=statistics(record), time=time.time())
            records.append(record)
            print(f"{network:>6} {protocol}: {record['statistics']['mean_of_window_medians']:.3f} ms, "
                  f"others {100 * record['others_share']:.0f}%, steal {100 * record['steal_share']:.1f}%", flush=True)
    summary = summarize(records)
    args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpus": os.cpu_count(),
                                    "threads": args.threads,
                                    "summary": summary, "records": records}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Draw benchmarks/devices/README.md's tables and figures from results/*.json (run_devices.py, peers.py).

    python benchmarks/devices/report.py   (prints the markdown tables; writes results/*.png)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _median(values: list) -> str:
    known = [v for v in values if v is not None]
    if len(known) < len(values) / 2:
        return f"> budget ({len(known)}/{len(values)} reached)"
    padded = sorted(v if v is not None else np.inf for v in values)
    return f"{np.median(padded):.0f} ({len(known)}/{len(values)} reached)"


DEVICE_SHARE = 0.25  # the "front of given hypervolume": a quarter of the best attainable (80 % is out of reach in 60)


def devices_table(data: dict) -> str:
    lines = ["| arm | HV share after 10 | after 30 | after 60 | evaluations to 25 % (median) | "
             "search cost to 25 % (median, currency) |", "| --- | --- | --- | --- | --- | --- |"]
    for arm, runs in data["arms"].items():
        shares = np.array([r["hv_share"] for r in runs])
        cells = [f"{shares[:, n - 1].mean():.3f}" for n in (10, 30, min(60, shares.shape[1]))]
        reached = [next((n for n, v in enumerate(r["hv_share"]) if v >= DEVICE_SHARE), None) for r in runs]
        evals = [None if n is None else n + 1 for n in reached]
        cost = [None if n is None else r["search_cost"][n] for n, r in zip(reached, runs)]
        cost_text = _median(cost) if sum(c is None for c in cost) > len(cost) / 2 else \
            f"{np.median([c if c is not None else np.inf for c in cost]):.1f} ({sum(c is not None for c in cost)}/{len(cost)})"
        lines.append(f"| {arm} | {' | '.join(cells)} | {_median(evals)} | {cost_text} |")
    return "\n".join(lines)


def transfer_table(data: dict, peers: dict | None) -> str:
    """Peers ran more seeds and evaluations: they are cut to this run's evaluations (not seeds)."""
    evals = data["evals"]
    lines = ["| source -> target | arm | seeds | evaluations to target (median) | best after 10 (median) | "
             f"best after {evals} (median) |", "| --- | --- | --- | --- | --- | --- |"]
    for pair, result in data["pairs"].items():
        arms = dict(result["arms"])
        target_task = pair.split(" -> ")[1]
        for name, runs in (peers or {}).get(target_task, {}).items():
            arms[name] = [{"best": r["best"][:evals],
                           "evals_to_target": r["evals_to_target"] if (r["evals_to_target"] or evals + 1) <= evals
                           else None} for r in runs]
        for arm, runs in arms.items():
            if not runs:
                continue
            best = np.array([r["best"] for r in runs])
            lines.append(f"| {pair} (target {result['target_error']:.4f}) | {arm} | {len(runs)} | "
                         f"{_median([r['evals_to_target'] for r in runs])} | {np.median(best[:, 9]):.4f} | "
                         f"{np.median(best[:, evals - 1]):.4f} |")
    return "\n".join(lines)


FRONT_SHARE = 0.4  # the two-objective target: 40 % of the attainable hypervolume (80 % is out of reach in 30)


def front_table(data: dict) -> str:
    lines = [f"| source -> target | arm | HV share after 5 | after 10 | after 30 | evaluations to {FRONT_SHARE:.0%} "
             "(median) |", "| --- | --- | --- | --- | --- | --- |"]
    for pair, result in data["pairs"].items():
        for arm, runs in result["arms"].items():
            shares = np.array([r["hv_share"] for r in runs])
            cells = " | ".join(f"{shares[:, n - 1].mean():.3f}" for n in (5, 10, shares.shape[1]))
            reached = [next((n + 1 for n, v in enumerate(r["hv_share"]) if v >= FRONT_SHARE), None) for r in runs]
            lines.append(f"| {pair} | {arm} | {cells} | {_median(reached)} |")
    return "\n".join(lines)


def plots(devices: dict | None, transfer: dict | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if devices:
        figure, axis = plt.subplots(figsize=(7, 4.5))
        for arm, runs in devices["arms"].items():
            shares = np.array([r["hv_share"] for r in runs]).mean(axis=0)
            style = "-" if "fixed" not in arm else ":"
            axis.plot(np.arange(1, len(shares) + 1), shares, style, label=arm)
        axis.set_xlabel("evaluations")
        axis.set_ylabel("hypervolume share (mean of seeds)")
        axis.legend(fontsize="x-small")
        figure.tight_layout()
        figure.savefig(RESULTS / "devices_hv.png", dpi=90)
    if transfer:
        pairs = list(transfer["pairs"].items())
        figure, axes = plt.subplots(1, len(pairs), figsize=(11, 4))
        for axis, (pair, result) in zip(np.atleast_1d(axes), pairs):
            for arm, runs in result["arms"].items():
                if not runs:
                    continue
                best = np.median(np.array([r["best"] for r in runs]), axis=0)
                axis.plot(np.arange(1, len(best) + 1), best, label=arm)
            axis.axhline(result["target_error"], color="gray", linestyle="--", label="target (1 % quantile)")
            axis.set_title(pair)
            axis.set_xlabel("evaluations")
            axis.set_ylabel("best validation error (median of seeds)")
            axis.legend(fontsize="small")
        figure.tight_layout()
        figure.savefig(RESULTS / "transfer.png", dpi=90)


def main() -> None:
    load = lambda name: json.loads((RESULTS / name).read_text()) if (RESULTS / name).is_file() else None  # noqa: E731
    devices, transfer, peers = load("devices.json"), load("transfer.json"), load("peers.json")
    front = load("transfer_front.json")
    if front:
        print(front_table(front), "\n")
    if devices:
        print(devices_table(devices), "\n")
    if transfer:
        print(transfer_table(transfer, peers))
    plots(devices, transfer)


if __name__ == "__main__":
    main()

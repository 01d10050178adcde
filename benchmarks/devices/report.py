"""benchmarks/devices/README.md's generated tables and findings, and its figures, from
results/*.json (run_devices.py, peers.py) and results/model_based/ (model_based.py, whose blocks
``model_based_report`` writes).

    python benchmarks/devices/report.py   (rewrites README.md's generated blocks; writes results/*.png)

The findings read the same statistics as the tables, so the prose cannot drift from them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parents[1]))

from benchmarks.common.writeup import bullets, update  # noqa: E402

sys.path.insert(0, str(HERE))
import model_based_report  # noqa: E402


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
        for arm, runs in _with_peers(result, pair, peers, evals).items():
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


def _reached(runs: list[dict], key: str, share: float) -> list[int | None]:
    return [next((n + 1 for n, v in enumerate(r[key]) if v >= share), None) for r in runs]


def _median_evaluations(values: list[int | None]) -> str:
    """The median as ``_median`` gives it, without the count."""
    return _median(values).split(" (")[0]


def devices_findings(data: dict) -> list[str]:
    """The device as a variable against a random device, Rand, and the fixed devices."""
    last = len(data["arms"][next(iter(data["arms"]))][0]["hv_share"])
    final = {arm: float(np.mean([r["hv_share"][-1] for r in runs])) for arm, runs in data["arms"].items()}
    reached = {arm: _reached(runs, "hv_share", DEVICE_SHARE) for arm, runs in data["arms"].items()}
    fixed = {arm: value for arm, value in final.items() if arm.startswith("fixed")}
    variable = "device variable (rand-walk)"
    better = sorted((arm for arm, value in fixed.items() if value > final[variable]), key=lambda a: -fixed[a])
    best_fixed = max(fixed, key=fixed.get)
    return [
        f"With the device a variable, the walk reaches {DEVICE_SHARE:.0%} of the attainable hypervolume in a median "
        f"{_median_evaluations(reached[variable])} evaluations ({sum(n is not None for n in reached[variable])}/"
        f"{len(reached[variable])} seeds within {last}) and ends at a mean share of {final[variable]:.3f}.",
        "Mean share after " + f"{last}: " + ", ".join(f"{arm} {value:.3f}" for arm, value in final.items()) + ".",
        f"{len(better)} of the {len(fixed)} fixed devices end above the device variable ({', '.join(better) or 'none'}); "
        f"the best fixed device, {best_fixed.removeprefix('fixed ').removesuffix(' (rand-walk)')}, reaches "
        f"{DEVICE_SHARE:.0%} in a median {_median_evaluations(reached[best_fixed])} evaluations; the mean over the "
        f"fixed devices ends at {np.mean(list(fixed.values())):.3f}.",
    ]


def transfer_findings(data: dict) -> list[str]:
    sentences = []
    evals = data["evals"]
    for pair, result in data["pairs"].items():
        arms = {arm: runs for arm, runs in result["arms"].items() if runs}
        parts = [f"{arm} {_median([r['evals_to_target'] for r in runs])}, best after {evals} "
                 f"{np.median([r['best'][evals - 1] for r in runs]):.4f}" for arm, runs in arms.items()]
        sentences.append(f"{pair} (target {result['target_error']:.4f}), evaluations to the target (median): "
                         + "; ".join(parts) + ".")
    return sentences


def front_findings(data: dict) -> list[str]:
    sentences = []
    for pair, result in data["pairs"].items():
        parts = []
        for arm, runs in result["arms"].items():
            shares = np.array([r["hv_share"] for r in runs])
            parts.append(f"{arm} {shares[:, 4].mean():.3f} after 5 and {shares[:, -1].mean():.3f} after "
                         f"{shares.shape[1]}, {FRONT_SHARE:.0%} in a median "
                         f"{_median_evaluations(_reached(runs, 'hv_share', FRONT_SHARE))}")
        sentences.append(f"{pair}, mean hypervolume share: " + "; ".join(parts) + ".")
    return sentences


def stale_findings(data: dict) -> list[str]:
    """The first version of the transfer prior (kept under ``stale_first_version``)."""
    stale = data.get("stale_first_version", {})
    sentences = []
    for name, runs in stale.items():
        best = np.array([r["best"] for r in runs])
        sentences.append(f"First version, {name}: median best {np.median(best[:, 0]):.4f} after one evaluation, "
                         f"{np.median(best[:, 9]):.4f} after 10; target reached in "
                         f"{sum(r.get('evals_to_target') is not None for r in runs)} of {len(runs)} seeds.")
    return sentences


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


def generated_blocks(results: Path = RESULTS) -> dict[str, str]:
    load = lambda name: json.loads((results / name).read_text()) if (results / name).is_file() else None  # noqa: E731
    devices, transfer, peers, front = load("devices.json"), load("transfer.json"), load("peers.json"), load("transfer_front.json")
    blocks = {}
    if devices:
        blocks.update({"devices": devices_table(devices) + "\n", "devices-findings": bullets(devices_findings(devices))})
    if transfer:
        with_peers = {**transfer, "pairs": {pair: {**result, "arms": _with_peers(result, pair, peers, transfer["evals"])}
                                           for pair, result in transfer["pairs"].items()}}
        blocks.update({"transfer": transfer_table(transfer, peers) + "\n",
                       "transfer-findings": bullets(transfer_findings(with_peers) + stale_findings(transfer))})
    if front:
        blocks.update({"front": front_table(front) + "\n", "front-findings": bullets(front_findings(front))})
    blocks.update(model_based_report.generated_blocks(results))
    return blocks


def _with_peers(result: dict, pair: str, peers: dict | None, evals: int) -> dict:
    """The pair's arms plus the cold peers cut to ``evals`` evaluations (as the table shows them)."""
    arms = dict(result["arms"])
    for name, runs in (peers or {}).get(pair.split(" -> ")[1], {}).items():
        arms[name] = [{"best": r["best"][:evals],
                       "evals_to_target": r["evals_to_target"] if (r["evals_to_target"] or evals + 1) <= evals else None}
                      for r in runs]
    return arms


def main() -> None:
    update(HERE / "README.md", generated_blocks())
    load = lambda name: json.loads((RESULTS / name).read_text()) if (RESULTS / name).is_file() else None  # noqa: E731
    plots(load("devices.json"), load("transfer.json"))
    model_based_report.plot(RESULTS, RESULTS / "devices_ehvi_hv.png")
    print(f"wrote {HERE / 'README.md'} and the figures in {RESULTS}")


if __name__ == "__main__":
    main()

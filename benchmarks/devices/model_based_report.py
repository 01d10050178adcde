"""README.md's part A with ehvi (``model_based.py``'s results): the table, the findings and the
diagnosis, generated from ``results/model_based/``; ``report.py`` writes them with its other blocks.

Every sentence with a number is computed here from the same statistics as the table, so the
verdict on the goal (the device as a variable at least as fast as the best fixed device) cannot
drift from the data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks.common.writeup import bullets

CUTS = (10, 20, 30, 60)
#: the shares of the attainable hypervolume whose first reaching the tables time: part A's 25 %,
#: half, and three quarters (the best fixed device's own front is 0.83 of it: near its limit)
TARGETS = (0.25, 0.5, 0.75)
VARIABLE = "variable"
#: folders of diagnostics beside the arms' (``model_based.py search-gap`` and ``model-check``)
DIAGNOSTIC_FOLDERS = ("search_gap", "model_check")
#: evaluations of the shared initial design (``model_based.INITIAL``)
DESIGN = 5
#: the windows of evaluations (first, last) over which the exploration sentences count where the
#: device-variable runs went: the evaluations the gap opens in, where it closes, and the rest
WINDOWS = ((DESIGN + 1, 20), (21, 30), (31, 60))


def load(results: Path) -> tuple[dict | None, dict[str, list[dict]]]:
    """(facts, arm -> runs in seed order); an arm's folder is its name with '_' for ' ' (device
    names keep their own underscores: the arm is the folder name up to the rule)."""
    folder = results / "model_based"
    facts_path = folder / "facts.json"
    facts = json.loads(facts_path.read_text()) if facts_path.is_file() else None
    runs = {}
    for arm_folder in (p for p in folder.glob("*") if p.is_dir() and p.name not in DIAGNOSTIC_FOLDERS):
        seeds = sorted(arm_folder.glob("seed*.json"), key=lambda p: int(p.stem.removeprefix("seed")))
        if seeds:
            runs[arm_name(arm_folder.name)] = [json.loads(p.read_text()) for p in seeds]
    return facts, dict(sorted(runs.items(), key=lambda item: _order(item[0])))


#: the table's order: HyperPower's variants, then the peers; the device variable before the fixed devices
VARIANT_ORDER = ("ehvi", "ehvi-reference", "ehvi-error-gp-with-device", "ehvi-apriori-fixed", "ehvi-apriori-learning",
                 "optuna-gp", "optuna-nsga2", "optuna-tpe", "random")


def _order(arm: str) -> tuple:
    variant, rule = arm.split(" ", 1)
    rank = VARIANT_ORDER.index(variant) if variant in VARIANT_ORDER else len(VARIANT_ORDER)
    return rank, rule != VARIABLE, rule


def arm_name(folder: str) -> str:
    """``ehvi_fixed_xeon_gold_6240`` -> ``ehvi fixed xeon_gold_6240``; ``ehvi_variable`` -> ``ehvi variable``."""
    method, rest = folder.split("_", 1)
    return f"{method} {rest.replace('_', ' ', 1)}" if rest.startswith("fixed_") else f"{method} {rest.replace('_', ' ')}"


def _reached(run: dict, share: float) -> int | None:
    return next((n + 1 for n, value in enumerate(run["hv_share"]) if value >= share), None)


def _median_text(values: list[int | None]) -> str:
    """The median evaluations (unreached runs counted as beyond the budget) and how many reached."""
    known = sum(v is not None for v in values)
    median = np.median([v if v is not None else np.inf for v in values])
    if not np.isfinite(median):  # at most half reached: the median lies beyond the budget
        return f"> budget ({known}/{len(values)})"
    return f"{median:.0f} ({known}/{len(values)})"


def _median_evaluations(runs: list[dict], share: float) -> float:
    return float(np.median([_reached(r, share) or np.inf for r in runs]))


def mean_share(runs: list[dict], cut: int) -> float:
    return float(np.mean([r["hv_share"][min(cut, len(r["hv_share"])) - 1] for r in runs]))


def table(runs: dict[str, list[dict]]) -> str:
    header = ("| arm | seeds | " + " | ".join(f"HV share after {c}" for c in CUTS) + " | "
              + " | ".join(f"evaluations to {t:.0%} (median, reached)" for t in TARGETS) + " | CPU s per suggestion (median) |")
    lines = [header, "|" + " --- |" * (3 + len(CUTS) + len(TARGETS))]
    for arm, arm_runs in runs.items():
        shares = " | ".join(f"{mean_share(arm_runs, c):.3f}" for c in CUTS)
        targets = " | ".join(_median_text([_reached(r, t) for r in arm_runs]) for t in TARGETS)
        seconds = np.median([s for r in arm_runs for s in r["seconds"][5:]])
        lines.append(f"| {arm} | {len(arm_runs)} | {shares} | {targets} | {seconds:.2f} |")
    return "\n".join(lines) + "\n"


def _variants(runs: dict[str, list[dict]]) -> list[str]:
    return [arm.split(" ", 1)[0] for arm in runs if arm.endswith(f" {VARIABLE}")]


def _best_fixed(runs: dict[str, list[dict]], variant: str) -> str | None:
    """The variant's fixed device of highest mean share after the last cut (ties: earliest to half)."""
    fixed = [arm for arm in runs if arm.startswith(f"{variant} fixed ")]
    if not fixed:
        return None
    return max(fixed, key=lambda arm: (mean_share(runs[arm], CUTS[-1]), -_median_evaluations(runs[arm], TARGETS[-1])))


def goal_sentences(runs: dict[str, list[dict]]) -> list[str]:
    """Per variant with fixed arms: the device variable against the best fixed device, at every
    cut and in evaluations to each target, and the verdict."""
    sentences = []
    for variant in _variants(runs):
        best = _best_fixed(runs, variant)
        if best is None:
            continue
        variable = runs[f"{variant} {VARIABLE}"]
        device = best.split(" ", 2)[2]
        cuts = "; ".join(f"{c}: {mean_share(variable, c):.3f} vs {mean_share(runs[best], c):.3f}" for c in CUTS)
        faster = [_median_evaluations(variable, t) <= _median_evaluations(runs[best], t) for t in TARGETS]
        ahead = [c for c in CUTS if mean_share(variable, c) >= mean_share(runs[best], c)]
        verdict = ("goal met: at or ahead of it at every cut and as fast to every target" if all(faster) and len(ahead) == len(CUTS)
                   else f"goal not met: ahead at {', '.join(map(str, ahead)) or 'no cut'} of {', '.join(map(str, CUTS))} "
                        f"evaluations, as fast to {sum(faster)} of {len(TARGETS)} targets")
        targets = ", ".join(f"{t:.0%} in a median {_median_text([_reached(r, t) for r in variable])} against "
                            f"{_median_text([_reached(r, t) for r in runs[best]])}" for t in TARGETS)
        sentences.append(f"{variant}: the device variable against the best fixed device ({device}), mean hypervolume "
                         f"share after {cuts}; {targets} evaluations; {verdict}.")
    return sentences


def best_of_all_sentences(runs: dict[str, list[dict]]) -> list[str]:
    """Across every method at each cut: the best device-variable arm against the best fixed-device
    arm (the goal read with the method chosen freely on both sides)."""
    variable = [arm for arm in runs if arm.endswith(f" {VARIABLE}")]
    fixed = [arm for arm in runs if " fixed " in arm]
    if not variable or not fixed:
        return []
    parts = []
    for cut in CUTS:
        best_variable = max(variable, key=lambda arm: mean_share(runs[arm], cut))
        best_fixed = max(fixed, key=lambda arm: mean_share(runs[arm], cut))
        parts.append(f"{cut}: {best_variable} {mean_share(runs[best_variable], cut):.3f} vs "
                     f"{best_fixed} {mean_share(runs[best_fixed], cut):.3f}")
    return ["Best arm of any method at each cut, device variable against a fixed device, mean share after "
            + "; ".join(parts) + "."]


def exploration_sentences(runs: dict[str, list[dict]]) -> list[str]:
    """Where the gap to the best fixed device comes from: the share each arm holds after the
    shared design (the variable arm's design is spread over DESIGN devices), and in each window
    the part of the device variable's suggestions that went to that best fixed device."""
    sentences = []
    for variant in _variants(runs):
        best = _best_fixed(runs, variant)
        if best is None:
            continue
        variable, device = runs[f"{variant} {VARIABLE}"], best.split(" ", 2)[2]
        on_device = sum(device in r["devices"][:DESIGN] for r in variable)
        windows = ", ".join(f"{first}-{last} {_part_on(variable, device, first, last):.0%}" for first, last in WINDOWS)
        sentences.append(f"{variant}: after the shared design ({DESIGN} evaluations) the device variable holds a mean "
                         f"share of {mean_share(variable, DESIGN):.3f} against {mean_share(runs[best], DESIGN):.3f} on "
                         f"{device} alone (its design measured {device} in {on_device} of {len(variable)} seeds); "
                         f"the part of its evaluations made on {device} (the fixed arm: all), evaluations {windows}.")
    return sentences


def _part_on(runs: list[dict], device: str, first: int, last: int) -> float:
    """The share of the runs' evaluations ``first``..``last`` (1-based, inclusive) made on ``device``."""
    chosen = [d for r in runs for d in r["devices"][first - 1:last]]
    return chosen.count(device) / len(chosen) if chosen else float("nan")


def ablation_sentences(runs: dict[str, list[dict]]) -> list[str]:
    """The error's GP without the device's columns (``ehvi``) against with them."""
    with_device, without = runs.get(f"ehvi-error-gp-with-device {VARIABLE}"), runs.get(f"ehvi {VARIABLE}")
    if not with_device or not without:
        return []
    cuts = "; ".join(f"{c}: {mean_share(without, c):.3f} vs {mean_share(with_device, c):.3f}" for c in CUTS)
    half = (f"{_median_text([_reached(r, TARGETS[-1]) for r in without])} against "
            f"{_median_text([_reached(r, TARGETS[-1]) for r in with_device])}")
    return [f"The error's GP without the device's columns (ehvi variable) against over them "
            f"(ehvi-error-gp-with-device variable), mean share after {cuts}; {TARGETS[-1]:.0%} in a median {half} evaluations."]


def device_sentences(runs: dict[str, list[dict]]) -> list[str]:
    """Where the device-variable arms spent their suggestions (after the design), and for a-priori
    arms (fixed devices too) how the models' predictions compared with the measured latency there."""
    sentences = []
    for arm, arm_runs in runs.items():
        chosen = [d for r in arm_runs for d in r["devices"][DESIGN:]]
        devices = sorted(set(chosen), key=lambda d: (-chosen.count(d), d))  # ties by name: stable across runs
        ratios = _prediction_ratios(arm_runs, devices)
        if arm.endswith(f" {VARIABLE}"):
            parts = ", ".join(f"{d} {chosen.count(d) / len(chosen):.0%}" for d in devices)
            sentence = f"{arm}: suggestions by device {parts}"
            if ratios:
                sentence += "; median predicted/measured latency of those suggestions: " + ", ".join(ratios)
        elif ratios:
            sentence = f"{arm}: median predicted/measured latency of its suggestions: " + ", ".join(ratios)
        else:
            continue
        sentences.append(sentence + ".")
    return sentences


def _prediction_ratios(runs: list[dict], devices: list[str]) -> list[str]:
    """Per device, the median ratio of the a-priori model's latency to the measured one over the
    suggestions (after the design), and how many were predicted at or below 0 ms; [] without predictions."""
    predicted = [(r["devices"][n], p, r["values"][n][1]) for r in runs for n, p in enumerate(r.get("predicted", []))
                 if n >= DESIGN and p is not None]
    ratios = []
    for device in devices:
        pairs = [(p, m) for d, p, m in predicted if d == device]
        if pairs:
            negative = sum(p <= 0 for p, _ in pairs)
            ratios.append(f"{device} {np.median([p / m for p, m in pairs]):.2f}"
                          + (f" ({negative} of {len(pairs)} predicted at or below 0 ms)" if negative else ""))
    return ratios


def search_gap_sentences(results: Path) -> list[str]:
    """The sampled acquisition search against the exact one (``model_based.py search-gap``)."""
    sentences = []
    for arm_folder in sorted((results / "model_based" / "search_gap").glob("*")):
        rows = [row for path in sorted(arm_folder.glob("seed*.json")) for row in json.loads(path.read_text())["cuts"]]
        if not rows:
            continue
        ratios = np.array([row["sampled"] / row["exact"] if row["exact"] > 0 else 1.0 for row in rows])
        other = sum(row["sampled_device"] != row["exact_device"] for row in rows)
        sentences.append(f"{arm_name(arm_folder.name)}, sampled against exact acquisition search (the 93,750 (cell, "
                         f"device) configurations are past the exact search's limit): over {len(rows)} states the "
                         f"sampled pick reached a median {np.median(ratios):.1%} of the exact maximum EHVI (lowest "
                         f"{ratios.min():.1%}), its device differing from the exact pick's in {other}.")
    return sentences


def front_sentences(runs: dict[str, list[dict]], facts: dict) -> list[str]:
    """Which devices the device-variable runs' final fronts hold: the non-dominated evaluations
    inside the score's reference, counted by device over the seeds (a front no single fixed
    device could reach when it spans several)."""
    from hyperpower.optimize.pareto import inside_reference, nondominated_mask

    reference = np.array(facts["reference"])
    sentences = []
    for arm, arm_runs in runs.items():
        if not arm.endswith(f" {VARIABLE}"):
            continue
        counts: dict[str, int] = {}
        spanning = 0
        for run in arm_runs:
            values = np.array(run["values"])
            inside = np.flatnonzero(inside_reference(values, reference))
            front = [run["devices"][i] for i in inside[nondominated_mask(values[inside])]] if len(inside) else []
            spanning += len(set(front)) > 1
            for device in front:
                counts[device] = counts.get(device, 0) + 1
        held = ", ".join(f"{device} {count}" for device, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        sentences.append(f"{arm}: its final fronts' points by device, over {len(arm_runs)} seeds: {held or 'none'}; "
                         f"fronts on more than one device: {spanning} of {len(arm_runs)}.")
    return sentences


def model_check_sentences(results: Path) -> list[str]:
    """How good the black-box runs' latency GPs were per device at the early cuts
    (``model_based.py model-check``): median relative error and rank correlation over the same
    random cells, and how many evaluations the run had made on the device, means over seeds."""
    sentences = []
    for arm_folder in sorted((results / "model_based" / "model_check").glob("*")):
        records = [json.loads(path.read_text()) for path in sorted(arm_folder.glob("seed*.json"))]
        if not records:
            continue
        parts = []
        for index, cut in enumerate(records[0]["cuts"]):
            rows = [record["cuts"][index]["devices"] for record in records]
            per_device = ", ".join(
                f"{device} {np.mean([r[device]['median_relative_error'] for r in rows]):.0%} / "
                f"{np.mean([r[device]['rank_correlation'] for r in rows]):.2f} / "
                f"{np.mean([r[device]['evaluated'] for r in rows]):.1f}" for device in rows[0])
            parts.append(f"after {cut['evaluations']}: {per_device}")
        sentences.append(f"{arm_name(arm_folder.name)}, its latency GP refitted on each seed's first evaluations and "
                         f"scored on {records[0]['cells']} random cells per device (mean over {len(records)} seeds of "
                         f"median relative error / rank correlation / evaluations made on the device): "
                         + "; ".join(parts) + ".")
    return sentences


def device_table(facts: dict) -> str:
    """Per device: what its own front reaches, and how good its latency model is."""
    lines = ["| device | its own front's share of the attainable HV | latency model: CV RMSPE | median error over all "
             "15,625 cells | rank correlation | cells predicted at or below 0 ms |", "|" + " --- |" * 6]
    for device, share in facts["device_best_share"].items():
        model = facts["latency_models"][device]
        lines.append(f"| {device} | {share:.3f} | {model['cv_rmspe']:.0%} | {model['median_error_all_cells']:.0%} | "
                     f"{model['rank_correlation']:.2f} | {model['negative_predictions']} |")
    return "\n".join(lines) + "\n"


def peer_sentences(runs: dict[str, list[dict]]) -> list[str]:
    variable = {arm: arm_runs for arm, arm_runs in runs.items() if arm.endswith(f" {VARIABLE}")}
    if not variable:
        return []
    return ["Device variable, every method, mean share after 20 and 60: " + ", ".join(
        f"{arm.removesuffix(' ' + VARIABLE)} {mean_share(r, 20):.3f} and {mean_share(r, 60):.3f}"
        for arm, r in sorted(variable.items(), key=lambda item: -mean_share(item[1], 60))) + "."]


def generated_blocks(results: Path) -> dict[str, str]:
    facts, runs = load(results)
    if not runs:
        return {}
    blocks = {"devices-ehvi": table(runs),
              "devices-ehvi-findings": bullets(goal_sentences(runs) + best_of_all_sentences(runs) + exploration_sentences(runs) + ablation_sentences(runs)
                                              + peer_sentences(runs)),
              "devices-ehvi-diagnosis": bullets(device_sentences(runs) + model_check_sentences(results)
                                               + search_gap_sentences(results))}
    if facts:
        blocks["devices-ehvi-devices"] = device_table(facts)
        blocks["devices-ehvi-diagnosis"] += bullets(front_sentences(runs, facts))
    return blocks


def plot(results: Path, path: Path) -> None:
    """Mean share against evaluations, every arm: one colour per variant, the device variable a
    solid line, each fixed device its own dash."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, runs = load(results)
    if not runs:
        return
    variants = list(dict.fromkeys(arm.split(" ", 1)[0] for arm in runs))
    rules = [rule for rule in dict.fromkeys(arm.split(" ", 1)[1] for arm in runs) if rule != VARIABLE]
    dashes = [":", "--", "-.", (0, (1, 3))]
    figure, axis = plt.subplots(figsize=(9.5, 4.8))
    for arm, arm_runs in runs.items():
        variant, rule = arm.split(" ", 1)
        shares = np.array([r["hv_share"] for r in arm_runs]).mean(axis=0)
        style = "-" if rule == VARIABLE else dashes[rules.index(rule) % len(dashes)]
        axis.plot(np.arange(1, len(shares) + 1), shares, linestyle=style, color=plt.cm.tab10(variants.index(variant) % 10),
                  label=arm)
    axis.set_xlabel("evaluations")
    axis.set_ylabel("hypervolume share (mean of seeds)")
    axis.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()
    figure.savefig(path, dpi=90)

"""``hyperpower plot``: the four figures from a real SQLite store of synthetic jobs.

Each test checks the written PNG (signature and pixel size) and, through a spy on
``plot_style.save_figure``, what the figure holds: axis labels with units, the dashed budget line
where the budget is, the running best, the violation counts and the RMSPE in the title.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from hyperpower.cli import main
from hyperpower.config import ExperimentConfig, Task, config_to_json
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.errors import HyperPowerError
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import plot_style, plots
from hyperpower.space import SearchSpace, Variable
from hyperpower.store.sqlite import SQLiteStore

NAME = "toy"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# (method, status, values, predicted, feasible, early_terminated); predictions are 1.1 x power and
# 1.05 x memory, so the RMSPE is exactly 10.0 % and 5.0 %. Budgets: power 90 W, memory 1250 MB.
EVALUATIONS = [
    ("hw-ieci", JobStatus.COMPLETE, {"error": 0.30, "power": 80.0, "memory": 1000.0, "latency": 2.0}, True, False),
    ("hw-ieci", JobStatus.COMPLETE, {"error": 0.20, "power": 100.0, "memory": 1000.0}, False, False),
    ("hw-ieci", JobStatus.BROKEN, {}, None, False),
    ("hw-ieci", JobStatus.COMPLETE, {"error": 0.25, "power": 85.0, "memory": 1100.0, "latency": 3.0}, True, False),
    ("hw-ieci", JobStatus.COMPLETE, {"error": 0.90, "power": 70.0, "memory": 900.0}, True, True),
    ("hw-ieci", JobStatus.COMPLETE, {"error": 0.15, "power": 88.0, "memory": 1300.0}, False, False),
    ("hw-ieci-unaware", JobStatus.COMPLETE, {"error": 0.12, "power": 120.0, "memory": 800.0}, False, False),
    ("hw-ieci-unaware", JobStatus.COMPLETE, {"error": 0.22, "power": 60.0, "memory": 700.0}, True, False),
]
BROKEN_JOB_PREDICTION = {"power": 99.0}


def make_config(budgets: dict[str, float] | None = None) -> ExperimentConfig:
    budgets = {"power": 90.0, "memory": 1250.0} if budgets is None else budgets
    tasks = {"error": Task("error")}
    tasks.update({metric: Task(metric, "CONSTRAINT", "NOISELESS", limit) for metric, limit in budgets.items()})
    return ExperimentConfig(NAME, SearchSpace([Variable("units", "INT", 8, 64)]), tasks,
                            HyperPowerSettings.from_section({"budgets": dict(budgets)}))


class Clock:
    """A store clock that moves 30 s per reading, so the wall-clock axis spans minutes."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        self.now += 30.0
        return self.now


def fill_store(path: Path, evaluations=EVALUATIONS, predictions: bool = True) -> list[Job]:
    """Run the synthetic evaluations through a SQLite store as the loop would; its jobs."""
    store = SQLiteStore(path, clock=Clock())
    for method, status, values, feasible, early in evaluations:
        predicted = {}
        if predictions and method == "hw-ieci":
            predicted = ({"power": values["power"] * 1.1, "memory": values["memory"] * 1.05} if values
                         else dict(BROKEN_JOB_PREDICTION))
        added = store.add_job(NAME, Job(id=0, experiment=NAME, method=method, predicted=predicted))
        claimed = store.claim_job(NAME, "worker-1")
        assert claimed is not None and claimed.id == added.id
        store.finish_job(NAME, claimed.id, "worker-1", status, values=values, feasible=feasible,
                         early_terminated=early, error="boom" if status is JobStatus.BROKEN else None)
    if predictions:
        store.add_job(NAME, Job(id=0, experiment=NAME, method="hw-ieci", status=JobStatus.SKIPPED,
                                predicted={"power": 150.0, "memory": 900.0}))
    jobs = store.list_jobs(NAME)
    store.close()
    return jobs


@pytest.fixture
def figures(monkeypatch) -> dict[str, object]:
    """File name -> the matplotlib Figure saved under it (the real save still happens)."""
    saved: dict[str, object] = {}
    real_save = plot_style.save_figure

    def spy(figure, path: Path) -> Path:
        saved[path.name] = figure
        return real_save(figure, path)

    monkeypatch.setattr(plot_style, "save_figure", spy)
    return saved


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


def dashed_vertical_lines(axis) -> list[float]:
    return [line.get_xdata()[0] for line in axis.get_lines()
            if line.get_linestyle() == "--" and len(set(line.get_xdata())) == 1]


def test_all_four_figures_are_written_with_fixed_pixel_sizes(tmp_path, figures):
    jobs = fill_store(tmp_path / "store.sqlite")
    notes: list[str] = []
    written = plots.write_plots(jobs, make_config(), tmp_path / "plots", note=notes.append)
    assert [path.name for path in written] == [
        "best_so_far.png", "objective_vs_hardware.png", "predicted_vs_measured.png", "budget_violations.png"]
    sizes = {path.name: png_size(path) for path in written}
    assert sizes == {"best_so_far.png": (1000, 400), "objective_vs_hardware.png": (1500, 400),
                     "predicted_vs_measured.png": (1000, 400), "budget_violations.png": (500, 400)}
    assert notes == []
    for figure in figures.values():
        assert NAME in figure.get_suptitle()


def test_objective_vs_hardware_has_units_and_budget_lines(tmp_path, figures):
    plots.plot_objective_vs_hardware(fill_store(tmp_path / "s.sqlite"), make_config(), tmp_path)
    power, memory, latency = figures["objective_vs_hardware.png"].axes
    assert [a.get_xlabel() for a in (power, memory, latency)] == ["power (W)", "memory (MB)", "latency (ms)"]
    assert all("error" in a.get_ylabel() for a in (power, memory, latency))
    assert dashed_vertical_lines(power) == [90.0] and dashed_vertical_lines(memory) == [1250.0]
    assert dashed_vertical_lines(latency) == []
    low, high = power.get_xlim()
    assert low < 60.0 and 90.0 < 120.0 < high  # every point and the budget are in view
    assert "budget 90 W" in power.get_title() and "no budget" in latency.get_title()


def test_predicted_vs_measured_reports_rmspe_per_metric(tmp_path, figures):
    notes: list[str] = []
    plots.plot_predicted_vs_measured(fill_store(tmp_path / "s.sqlite"), make_config(), tmp_path, note=notes.append)
    power, memory = figures["predicted_vs_measured.png"].axes
    assert "RMSPE 10.0%" in power.get_title() and "RMSPE 5.0%" in memory.get_title()
    assert power.get_xlabel() == "measured power (W)" and power.get_ylabel() == "predicted power (W)"
    # The broken job's power prediction has no measurement: five pairs, not six.
    assert "5 jobs" in power.get_title()
    # the status line's words: of the jobs predicted under each budget, how many measured over it
    power_title, memory_title = (" ".join(axis.get_title().split()) for axis in (power, memory))
    assert "0 of 2 job(s) predicted under 90 W measured over it (0.0%; no rate requested)" in power_title
    assert "0 of 4 job(s) predicted under 1250 MB measured over it" in memory_title
    identity = [line for line in power.get_lines() if line.get_label() == "prediction = measurement"]
    assert len(identity) == 1 and list(identity[0].get_xdata()) == list(identity[0].get_ydata())
    assert notes == []


def test_budget_violations_count_measured_and_predicted_per_method(tmp_path, figures):
    plots.plot_budget_violations(fill_store(tmp_path / "s.sqlite"), make_config(), tmp_path)
    (axis,) = figures["budget_violations.png"].axes
    lines = {line.get_label(): list(line.get_ydata()) for line in axis.get_lines()}
    assert lines["measured (hw-ieci)"] == [0, 0, 1, 1, 1, 1, 2]
    # predictions: 88 ok, 110 over, broken job 99 over, 93.5 over, 77 ok, 96.8 over
    assert lines["predicted (hw-ieci) (+1 skipped a priori)"] == [0, 0, 1, 2, 3, 3, 4]
    assert lines["measured (hw-ieci-unaware)"] == [0, 1, 1]
    assert not any("predicted (hw-ieci-unaware)" in label for label in lines)  # it had no model


def test_violation_counts_are_steps_with_the_prediction_visible_under_the_measurement(tmp_path, figures):
    plots.plot_budget_violations(fill_store(tmp_path / "s.sqlite"), make_config(), tmp_path)
    (axis,) = figures["budget_violations.png"].axes
    lines = {line.get_label(): line for line in axis.get_lines()}
    measured, predicted = lines["measured (hw-ieci)"], lines["predicted (hw-ieci) (+1 skipped a priori)"]
    assert measured.get_drawstyle() == predicted.get_drawstyle() == "steps-post"  # a count jumps at an evaluation
    assert predicted.get_zorder() < measured.get_zorder()  # drawn underneath ...
    assert predicted.get_linewidth() > 2 * measured.get_linewidth()  # ... and wider, so it shows where they agree
    assert predicted.get_linestyle() == "--" and measured.get_linestyle() == "-"


def test_plots_round_a_budget_as_status_does(tmp_path, figures):
    from hyperpower.report.table import budget_text

    config = make_config({"memory": 299.6543, "power": 12345.6})
    plots.plot_objective_vs_hardware(fill_store(tmp_path / "s.sqlite"), config, tmp_path)
    titles = {axis.get_xlabel(): axis.get_title() for axis in figures["objective_vs_hardware.png"].axes}
    memory, power = titles["memory (MB)"], titles["power (W)"]
    assert "budget 299.7 MB" in memory and "budget 12346 W" in power
    assert budget_text(config) == "memory <= 299.7 MB, power <= 12346 W"


def test_best_so_far_curve_and_marks(tmp_path, figures):
    jobs = fill_store(tmp_path / "s.sqlite")
    plots.plot_best_so_far(jobs, make_config(), tmp_path)
    by_count, by_time = figures["best_so_far.png"].axes
    curves = {line.get_label(): line for line in by_count.get_lines() if line.get_label().startswith("best")}
    np.testing.assert_allclose(curves["best feasible (hw-ieci)"].get_ydata(), [0.30, 0.30, 0.30, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(curves["best feasible (hw-ieci-unaware)"].get_ydata(), [np.nan, 0.22])
    # The store clock moves 30 s per reading (submit, start, end): each method's clock starts at
    # its first job's start, so its first evaluation ends 30 s (0.5 min) in.
    times = {line.get_label(): list(line.get_xdata()) for line in by_time.get_lines() if line.get_label().startswith("best")}
    np.testing.assert_allclose(times["best feasible (hw-ieci)"], [0.5, 2.0, 3.5, 5.0, 6.5, 8.0])
    np.testing.assert_allclose(times["best feasible (hw-ieci-unaware)"], [0.5, 2.0])
    assert by_count.get_xlabel() == "evaluation number"
    assert by_time.get_xlabel() == "wall-clock time since its method's first job started (min)"
    legend_labels = [text.get_text() for text in figures["best_so_far.png"].legends[0].get_texts()]
    assert {"breaks a budget", "stopped early", "broken"} <= set(legend_labels)


def test_missing_predictions_skip_only_that_figure(tmp_path, figures):
    notes: list[str] = []
    jobs = fill_store(tmp_path / "s.sqlite", predictions=False)
    written = plots.write_plots(jobs, make_config(), tmp_path / "plots", note=notes.append)
    assert [p.name for p in written] == ["best_so_far.png", "objective_vs_hardware.png", "budget_violations.png"]
    assert len(notes) == 1 and "predicted_vs_measured.png" in notes[0]
    assert "no predictions recorded" in notes[0]
    assert not (tmp_path / "plots" / "predicted_vs_measured.png").exists()


def test_no_budget_skips_violations_and_draws_no_budget_line(tmp_path, figures):
    notes: list[str] = []
    jobs = fill_store(tmp_path / "s.sqlite", predictions=False)
    written = plots.write_plots(jobs, make_config(budgets={}), tmp_path, note=notes.append)
    assert "budget_violations.png" not in [p.name for p in written]
    assert any("budget_violations.png" in n and "no budget is set" in n for n in notes)
    assert all(dashed_vertical_lines(axis) == [] for axis in figures["objective_vs_hardware.png"].axes)


def test_only_broken_jobs_skip_the_objective_figures(tmp_path):
    notes: list[str] = []
    broken = [("rand", JobStatus.BROKEN, {}, None, False)] * 2
    jobs = fill_store(tmp_path / "s.sqlite", evaluations=broken, predictions=False)
    written = plots.write_plots(jobs, make_config(), tmp_path, note=notes.append)
    assert [p.name for p in written] == ["budget_violations.png"]
    assert any("best_so_far.png" in n and "2 broken" in n for n in notes)
    assert any("objective_vs_hardware.png" in n for n in notes)


def test_an_experiment_with_no_finished_job_is_an_error(tmp_path):
    with pytest.raises(HyperPowerError, match="no finished jobs"):
        plots.write_plots([], make_config(), tmp_path)
    pending = [Job(id=1, experiment=NAME), Job(id=2, experiment=NAME, status=JobStatus.RUNNING)]
    with pytest.raises(HyperPowerError, match="no finished jobs"):
        plots.write_plots(pending, make_config(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def spearmint_experiment(tmp_path: Path) -> Path:
    """A plain Spearmint folder (config.json at its root) whose default store is EXP/hyperpower.sqlite."""
    folder = tmp_path / NAME
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config_to_json(make_config())))
    return folder


def test_command_writes_into_exp_plots_by_default(tmp_path, capsys):
    folder = spearmint_experiment(tmp_path)
    fill_store(folder / "hyperpower.sqlite", predictions=False)
    assert main(["plot", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "note: skipped predicted_vs_measured.png: no predictions recorded" in out
    written = sorted(p.name for p in (folder / "plots").iterdir())
    assert written == ["best_so_far.png", "budget_violations.png", "objective_vs_hardware.png"]
    assert out.count("wrote ") == 3


def test_command_honours_out_and_store(tmp_path, capsys):
    folder = spearmint_experiment(tmp_path)
    fill_store(tmp_path / "elsewhere.sqlite")
    out_dir = tmp_path / "figures"
    assert main(["plot", str(folder), "--out", str(out_dir), "--store", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"]) == 0
    assert len(list(out_dir.glob("*.png"))) == 4


@pytest.mark.parametrize("where", ["the folder", "a parent"])
def test_out_naming_a_file_is_an_error_and_writes_nothing(tmp_path, capsys, where):
    folder = spearmint_experiment(tmp_path)
    fill_store(folder / "hyperpower.sqlite")
    existing = tmp_path / "figures.png"
    existing.write_text("mine")
    out = existing if where == "the folder" else existing / "plots"
    assert main(["plot", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hyperpower: error: --out {out}: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "is a file" in err
    assert existing.read_text() == "mine" and not (folder / "plots").exists()


def test_command_on_an_empty_experiment_fails_with_one_paragraph(tmp_path, capsys):
    folder = spearmint_experiment(tmp_path)
    assert main(["plot", str(folder)]) != 0  # no store file yet
    assert "no finished jobs in" in capsys.readouterr().err
    SQLiteStore(folder / "hyperpower.sqlite").close()  # an empty store
    assert main(["plot", str(folder)]) != 0
    err = capsys.readouterr().err
    assert "no finished jobs in" in err and "no jobs" in err and "Traceback" not in err
    assert not (folder / "plots").exists()


def figure_texts(figure) -> list[str]:
    """Every piece of text a figure shows: titles, axis labels, legend entries, annotations."""
    from matplotlib.text import Text

    return [text.get_text() for text in figure.findobj(Text) if text.get_text()]


def test_figures_name_the_split_the_error_was_measured_on(filled_experiment, figures, tmp_path, capsys):
    """Issue 22 point 8: a run selecting on the validation split (the default) is plotted as
    validation error, one with --objective-split test as test error, in every figure."""
    folder = filled_experiment.folder
    assert main(["plot", str(folder), "--out", str(tmp_path / "validation")]) == 0
    assert {"best_so_far.png", "objective_vs_hardware.png"} <= set(figures)
    best = figures["best_so_far.png"]
    assert best.axes[0].get_ylabel() == "validation error (fraction, 1 - accuracy)"
    assert "best feasible validation error so far" in best.get_suptitle()
    assert {axis.get_ylabel() for axis in figures["objective_vs_hardware.png"].axes} == {
        "validation error (fraction, 1 - accuracy)"}
    for name, figure in figures.items():
        assert not any("test error" in text for text in figure_texts(figure)), name
    figures.clear()
    assert main(["generate", str(folder), "--objective-split", "test"]) == 0
    assert main(["plot", str(folder), "--out", str(tmp_path / "test")]) == 0
    assert figures["best_so_far.png"].axes[0].get_ylabel() == "test error (fraction, 1 - accuracy)"
    for name, figure in figures.items():
        assert not any("validation" in text for text in figure_texts(figure)), name
    capsys.readouterr()


def test_a_spearmint_main_files_error_task_claims_no_split(tmp_path, figures):
    """A plain Spearmint main-file's task named ``error`` is whatever the file returns."""
    config = make_config()
    config.main_file = "toy"
    plots.plot_best_so_far(fill_store(tmp_path / "s.sqlite"), config, tmp_path)
    assert figures["best_so_far.png"].axes[0].get_ylabel() == "error (fraction, 1 - accuracy)"


def visible_tick_labels(figure, axis, which: str) -> list:
    """The drawn tick labels of ``which`` axis ("x" or "y") that lie within its limits."""
    figure.canvas.draw()
    low, high = sorted(axis.get_xlim() if which == "x" else axis.get_ylim())
    ticks = axis.get_xticklabels() if which == "x" else axis.get_yticklabels()
    return [tick for tick in ticks if low <= (tick.get_position()[0 if which == "x" else 1]) <= high
            and tick.get_text()]


def test_cost_and_count_ticks_are_readable(tmp_path, figures, capsys):
    """Issue 22 point 12, through `hyperpower plot`: devices.png's cost ticks (fractions of a cent)
    are few, apart and written without exponent; the violations plot counts in whole numbers
    even when every count is 0."""
    from hyperpower.settings.section import HyperPowerSettings

    config = make_config({"memory": 1e6})  # a budget nothing breaks: every count is 0
    config.settings = HyperPowerSettings.from_section({"budgets": {"memory": 1e6}, "devices": ["cpu", "gpu:0"],
                                                       "prices": {"cpu": 0.1, "gpu:0": 0.2}})
    folder = tmp_path / NAME
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config_to_json(config)))
    store = SQLiteStore(folder / "hyperpower.sqlite", clock=Clock())
    for index in range(8):
        device = ["cpu", "gpu:0"][index % 2]
        runtime = 1.0 + 0.3 * index
        store.add_job(NAME, Job(id=0, experiment=NAME, method="rand", device=device))
        claimed = store.claim_job(NAME, "worker-1", devices=[device])
        store.finish_job(NAME, claimed.id, "worker-1", JobStatus.COMPLETE, feasible=True,
                         values={"error": 0.5 - 0.03 * index, "memory": 100.0, "runtime": runtime,
                                 "cost": config.settings.devices.prices[device] * runtime / 3600})
    store.close()
    assert main(["plot", str(folder)]) == 0
    capsys.readouterr()
    devices = figures["devices.png"]
    cost_axis = devices.axes[0]
    assert cost_axis.get_xlabel() == "cost (price x training hours)"
    labels = visible_tick_labels(devices, cost_axis, "x")
    texts = [label.get_text() for label in labels]
    assert 3 <= len(texts) <= 5 and len(set(texts)) == len(texts), texts
    assert not any("e" in text.lower() for text in texts) and cost_axis.xaxis.get_offset_text().get_text() == ""
    for text, label in zip(texts, labels):  # each label says its tick's value
        assert float(text) == pytest.approx(label.get_position()[0], abs=1e-12)
    boxes = [label.get_window_extent() for label in labels]
    assert all(left.x1 < right.x0 for left, right in zip(boxes, boxes[1:])), "cost tick labels overlap"
    violations = figures["budget_violations.png"]
    counts = [label.get_text() for label in visible_tick_labels(violations, violations.axes[0], "y")]
    assert counts == ["0", "1"], counts


def test_the_front_plot_tells_rungs_apart(tmp_path, figures, capsys):
    """Issue 22 point 10: under a scheduler, pareto_front.png sizes each job by the epochs it
    trained, names the rungs in its legend and marks the jobs of lower rungs, which the front (of
    the top rung reached) does not rank."""
    from hyperpower.config import config_from_json

    folder = tmp_path / "mo"
    folder.mkdir()
    document = {"experiment-name": "mo", "main-file": "mo", "variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
                "tasks": {"f1": {"type": "OBJECTIVE"}, "f2": {"type": "OBJECTIVE"}},
                "hyperpower": {"method": "rand", "scheduler": "asha", "min_epochs": 1, "max_epochs": 9, "eta": 3}}
    (folder / "config.json").write_text(json.dumps(document))
    config = config_from_json(document)
    store = SQLiteStore(folder / "hyperpower.sqlite", clock=Clock())
    points = [(1, 0.1, 0.9), (1, 0.5, 0.5), (3, 0.9, 0.1), (9, 0.4, 0.4), (9, 0.8, 0.8), (1, 0.95, 0.95)]
    for epochs, f1, f2 in points:
        rung = {1: 0, 3: 1, 9: 2}[epochs]
        store.add_job("mo", Job(id=0, experiment="mo", method="rand", epochs=epochs, rung=rung))
        claimed = store.claim_job("mo", "worker-1")
        store.finish_job("mo", claimed.id, "worker-1", JobStatus.COMPLETE, values={"f1": f1, "f2": f2}, feasible=True)
    store.close()
    assert config.settings.schedule.scheduler == "asha"
    assert main(["plot", str(folder), "--out", str(tmp_path / "plots")]) == 0
    capsys.readouterr()
    axis = figures["pareto_front.png"].axes[0]
    legend = [text.get_text() for text in axis.get_legend().get_texts()]
    assert {"rung: 1 epoch", "rung: 3 epochs", "rung: 9 epochs"} <= set(legend)
    drawn = {}  # (f1, f2) -> marker area
    for collection in axis.collections:
        sizes = collection.get_sizes()
        for index, (x, y) in enumerate(collection.get_offsets()):
            drawn[(round(float(x), 3), round(float(y), 3))] = float(sizes[index % len(sizes)])
    # the front is that of the top rung reached (9 epochs): job (0.4, 0.4); lower rungs are not ranked
    assert "feasible, lower rung (not ranked)" in legend and "feasible, dominated" in legend
    off = {epochs: {drawn[(f1, f2)] for e, f1, f2 in points if e == epochs and (f1, f2) != (0.4, 0.4)}
           for epochs in (1, 3, 9)}
    assert max(off[1]) < min(off[3]) <= max(off[3]) < min(off[9]), off  # larger with every rung
    assert drawn[(0.4, 0.4)] > max(off[9])  # a front job is drawn larger still

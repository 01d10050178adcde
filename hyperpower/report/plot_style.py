"""Shared look of the ``hyperpower plot`` figures: sizes, colours, markers, figure creation.

Every figure is a row of equal panels of ``PANEL_WIDTH_IN`` x ``PANEL_HEIGHT_IN`` inches at
``DPI``, so a figure of ``k`` panels is exactly ``k * 500`` x ``400`` pixels: benchmarks and tests
can rely on the size. matplotlib is imported inside the functions (it costs ~0.3 s), and figures
are drawn on an Agg canvas directly, never through pyplot, so no display or global state is used.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: receives one line saying why a figure was not drawn
Note = Callable[[str], None]

PANEL_WIDTH_IN = 5.0
PANEL_HEIGHT_IN = 4.0
DPI = 100
#: room one legend entry needs, so a legend under one narrow panel wraps instead of being cut
LEGEND_ENTRY_WIDTH_IN = 1.9

#: feasibility of a job -> (colour, legend label)
FEASIBILITY_STYLE: dict[bool | None, tuple[str, str]] = {
    True: ("tab:blue", "feasible"),
    False: ("tab:red", "breaks a budget"),
    None: ("tab:gray", "no budget verdict"),
}
BUDGET_STYLE: dict[str, Any] = {"color": "black", "linestyle": "--", "linewidth": 1.5, "zorder": 4}
OVER_BUDGET_SHADE: dict[str, Any] = {"color": "tab:red", "alpha": 0.08, "linewidth": 0}
BEST_STYLE: dict[str, Any] = {"marker": "*", "s": 260, "color": "gold", "edgecolors": "black",
                              "linewidths": 1.0, "zorder": 5}
#: what happened to an evaluation -> matplotlib marker
MARKERS: dict[str, str] = {"complete": "o", "breaks a budget": "X", "stopped early": "v", "broken": "|"}


#: the two curves of the violations figure: the prediction wide and light underneath, the
#: measurement thin on top, so where they coincide both stay visible
_VIOLATION_LINES: dict[str, dict[str, Any]] = {
    "measured": {"linestyle": "-", "linewidth": 1.8, "alpha": 1.0, "zorder": 3},
    "predicted": {"linestyle": "--", "linewidth": 5.0, "alpha": 0.4, "zorder": 2},
}


def violation_line(kind: str, colour: str) -> dict[str, Any]:
    """Line properties of the ``measured`` or ``predicted`` violations curve in ``colour``."""
    return {"color": colour, **_VIOLATION_LINES[kind]}


def print_note(text: str) -> None:
    """Default ``note``: one line on stderr, so stdout keeps only the paths written."""
    print(f"note: {text}", file=sys.stderr)


def new_figure(panels: int) -> tuple[Any, list[Any]]:
    """A Figure with ``panels`` axes in a row (constrained layout keeps labels inside)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(panels * PANEL_WIDTH_IN, PANEL_HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, panels, squeeze=False)[0]
    for axis in axes:
        axis.grid(True, alpha=0.3)
    return figure, list(axes)


def save_figure(figure: Any, path: Path) -> Path:
    """Write ``figure`` as PNG at the fixed size (no tight bounding box: the size must not move)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, format="png")
    return path


def method_colours(methods: list[str]) -> dict[str, str]:
    """A stable colour per method, from matplotlib's tab10 cycle."""
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink",
               "tab:olive", "tab:cyan", "tab:red", "tab:gray"]
    return {method: palette[index % len(palette)] for index, method in enumerate(methods)}


def marker_legend_handles(kinds: list[str], colour: str = "dimgray") -> list[Any]:
    """Legend entries for marker kinds (complete, breaks a budget, ...) drawn in a neutral colour."""
    from matplotlib.lines import Line2D

    return [Line2D([], [], linestyle="none", marker=MARKERS[kind], color=colour, markersize=8,
                   markerfacecolor="none" if kind == "stopped early" else colour,
                   markeredgewidth=2 if kind == "broken" else 1, label=kind) for kind in kinds]


def rung_sizes(levels: list[int], base: float) -> dict[int | None, float]:
    """Marker area per fidelity (epochs) under a scheduler: the lowest rung ``base / 2``, each rung
    up larger, the top ``base * 2.5``, so a full-fidelity point stands out from a 1-epoch one;
    ``None`` (no scheduler, or a job without epochs) keeps ``base``."""
    sizes: dict[int | None, float] = {None: base}
    if len(levels) == 1:
        sizes[levels[0]] = base
    for index, epochs in enumerate(levels if len(levels) > 1 else []):
        sizes[epochs] = base * 0.5 * 5.0 ** (index / (len(levels) - 1))
    return sizes


def rung_legend_handles(sizes: dict[int | None, float], colour: str = "dimgray") -> list[Any]:
    """One legend entry per rung, a circle of its marker's size: ``1 epoch``, ``9 epochs``."""
    from matplotlib.lines import Line2D

    levels = sorted(epochs for epochs in sizes if epochs is not None)
    return [Line2D([], [], linestyle="none", marker="o", color=colour, markerfacecolor="none",
                   markersize=sizes[epochs] ** 0.5, label=f"rung: {epochs} epoch{'' if epochs == 1 else 's'}")
            for epochs in levels]


def bottom_rug(axis: Any, xs: list[float], colour: str) -> None:
    """Tick marks along the bottom edge at ``xs`` (data x, axes y): for jobs with no objective."""
    from matplotlib.transforms import blended_transform_factory

    if not xs:
        return
    transform = blended_transform_factory(axis.transData, axis.transAxes)
    axis.plot(xs, [0.03] * len(xs), linestyle="none", marker=MARKERS["broken"], markersize=12,
              markeredgewidth=2, color=colour, transform=transform, clip_on=False)


#: at most this many intervals on an axis of money, so its longer labels never run together
MONEY_BINS = 4


def money_axis(axis: Any, which: str = "x") -> None:
    """Ticks of an amount of money (``cost``: price x hours): at most ``MONEY_BINS`` intervals at
    round steps, each label with the decimals its step needs and no exponent (``0.00005``, not
    ``5e-05`` or an offset in a corner), since a job's cost is often a fraction of a cent."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    locator = MaxNLocator(nbins=MONEY_BINS, steps=[1, 2, 2.5, 5, 10])

    def label(value: float, _position: int | None = None) -> str:
        ticks = locator.tick_values(*sorted(_limits(axis, which)))
        step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else abs(value) or 1.0
        return "0" if value == 0 else f"{value:.{money_decimals(step)}f}"

    _axis_of(axis, which).set_major_locator(locator)
    _axis_of(axis, which).set_major_formatter(FuncFormatter(label))


def money_decimals(step: float) -> int:
    """Decimals that tell ticks ``step`` apart: 2 for 0.25 or 0.5, 5 for 0.00005, 0 for 10."""
    if not step > 0:
        return 0
    decimals = 0
    while decimals < 12 and abs(round(step, decimals) - step) > 1e-9 * step:
        decimals += 1
    return decimals


def count_axis(axis: Any, which: str = "y") -> None:
    """Ticks of a count, once its data is drawn: whole numbers only, written as such, from 0 to at
    least 1, so an all-zero count reads 0 and 1 rather than 0.00 to 0.05."""
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    target = _axis_of(axis, which)
    target.set_major_locator(MaxNLocator(integer=True))
    target.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    _low, high = _limits(axis, which)
    setter = axis.set_xlim if which == "x" else axis.set_ylim
    setter(0, max(high, 1))


def _axis_of(axis: Any, which: str) -> Any:
    return axis.xaxis if which == "x" else axis.yaxis


def _limits(axis: Any, which: str) -> tuple[float, float]:
    return axis.get_xlim() if which == "x" else axis.get_ylim()

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


def bottom_rug(axis: Any, xs: list[float], colour: str) -> None:
    """Tick marks along the bottom edge at ``xs`` (data x, axes y): for jobs with no objective."""
    from matplotlib.transforms import blended_transform_factory

    if not xs:
        return
    transform = blended_transform_factory(axis.transData, axis.transAxes)
    axis.plot(xs, [0.03] * len(xs), linestyle="none", marker=MARKERS["broken"], markersize=12,
              markeredgewidth=2, color=colour, transform=transform, clip_on=False)

"""The package's layers, written down once, and a check that imports only run downward.

A module may import modules of its own layer or of a lower one, never of a higher one; imports
inside functions count too (they tie modules as much as top-level ones). Two modules that need
each other move the shared piece down a layer. The order follows the data's path: names and
records at the bottom, then the space and the store, the settings and the config, the
optimizer's math, the scheduler and the hardware, the objective and the reports, the loop that
drives them, the dashboard (a view over the store that also reads what the loop publishes there),
and the commands on top. A new module is placed here when it is created (the test refuses one it
cannot place).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "hyperpower"

#: bottom first; an entry is a module or a package (every module inside it), the longest entry
#: naming a module decides its layer
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "metrics", "jobs", "transforms", "training", "saved_models", "device_names", "datasets"),
    ("units", "experiment", "forkserver", "store", "space", "configurations"),
    ("devices", "settings"),
    ("config",),
    ("feasibility", "template", "main_file", "spearmint_params"),
    ("optimize", "network", "generate"),
    ("splits", "schedule"),
    ("hardware",),
    ("objective", "report"),
    ("loop",),
    ("dashboard",),
    ("commands",),
    ("cli", "__main__", "__init__"),
)


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """``hyperpower/loop/driver.py`` -> ``loop.driver``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for level, entries in enumerate(LAYERS):
        for entry in entries:
            if module == entry or module.startswith(entry + "."):
                if best is None or len(entry) > best[1]:
                    best = (level, len(entry))
    return None if best is None else best[0]


def imported_modules(path: Path, package_root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module within the package) of every import in the file, lazy ones included."""
    module = f"hyperpower.{module_name(path, package_root)}".split(".")
    package = module if path.name == "__init__.py" else module[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                names = [".".join(base + ([node.module] if node.module else []))]
            else:
                names = [node.module or ""]
            names += [f"{names[0]}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == "hyperpower" or name.startswith("hyperpower."):
                inner = name.removeprefix("hyperpower").lstrip(".")
                if inner and _is_module(inner, package_root):
                    found.append((node.lineno, inner))
    return sorted(found)


def _is_module(name: str, package_root: Path) -> bool:
    path = package_root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_every_module_has_a_layer() -> None:
    unplaced = [module_name(path) for path in sorted(PACKAGE.rglob("*.py")) if layer_of(module_name(path)) is None]
    assert unplaced == [], f"place these modules in LAYERS: {unplaced}"


def test_imports_run_downward_only() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        for line, target in imported_modules(path):
            if layer_of(target) > layer_of(module):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} {module} imports {target} "
                              f"(layer {layer_of(module)} -> {layer_of(target)})")
    assert upward == []


def test_the_check_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    """The scan finds an import inside a function and a relative one (a scan that finds nothing
    would pass vacuously)."""
    package = tmp_path / "hyperpower"
    (package / "loop").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("")
    (package / "errors.py").write_text("")
    (package / "loop" / "__init__.py").write_text("")
    (package / "loop" / "driver.py").write_text("def f():\n    from hyperpower import cli\nfrom .. import errors\n")
    assert imported_modules(package / "loop" / "driver.py", package) == [(2, "cli"), (3, "errors")]
    assert layer_of("cli") > layer_of("loop.driver") > layer_of("errors")

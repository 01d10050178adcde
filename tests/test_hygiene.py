"""Repository hygiene: a broken import must fail a test, never skip it; CI runs every test; what
running a shipped experiment generates is ignored by git.

``pytest.importorskip`` turns an ImportError into a skip. For the project's own modules and the
libraries it installs (setup.py), an ImportError is breakage, so such a skip would hide it.
"""

from __future__ import annotations

import ast
import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: import names of hyperpower and of what setup.py installs (install_requires and the test extra)
INSTALLED = {"hyperpower", "numpy", "scipy", "keras", "tensorflow", "pymongo", "pynvml", "sklearn", "matplotlib",
             "plotly", "pytest", "mongomock", "selenium", "xdist"}


def importorskip_calls(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every ``pytest.importorskip("module")`` / ``importorskip(...)`` call."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "importorskip" and node.args and isinstance(node.args[0], ast.Constant):
            calls.append((node.lineno, str(node.args[0].value)))
    return calls


def checked_files() -> list[Path]:
    """Every Python file of tests/, and the test modules and conftests of benchmarks/ (whose other
    .py files include HYPERPARAM templates, not Python until rendered)."""
    benchmarks = [path for pattern in ("test_*.py", "conftest.py") for path in (REPO / "benchmarks").rglob(pattern)
                  if ".venv" not in str(path) and "runs" not in path.parts]
    return sorted((REPO / "tests").rglob("*.py")) + sorted(benchmarks)


def test_no_test_skips_on_a_module_the_project_installs() -> None:
    files = checked_files()
    assert REPO / "benchmarks" / "paper" / "test_paper_analysis.py" in files
    hidden = [f"{path.relative_to(REPO)}:{line} importorskip({module!r})" for path in files
              for line, module in importorskip_calls(path) if module.split(".")[0] in INSTALLED]
    assert hidden == []


def test_importorskip_calls_are_found(tmp_path: Path) -> None:
    """The scan above sees both spellings (a scan that finds nothing would pass vacuously)."""
    sample = tmp_path / "t.py"
    sample.write_text('import pytest\nk = pytest.importorskip("keras")\nfrom pytest import importorskip\n'
                      'o = importorskip("hyperpower.optimize")\n')
    assert importorskip_calls(sample) == [(2, "keras"), (4, "hyperpower.optimize")]


def test_ci_collects_the_benchmarks_tests_too() -> None:
    parser = configparser.ConfigParser()
    parser.read(REPO / "pytest.ini")
    testpaths = parser["pytest"]["testpaths"].split()
    assert "tests" in testpaths and "benchmarks" in testpaths
    assert (REPO / "benchmarks" / "paper" / "test_paper_analysis.py").is_file()


#: what `run --budget memory=p50`, `profile`, `plot` and `best` created in a copy of experiments/digits
#: (listed from a real run), and what `run` creates in the plain Spearmint folder
GENERATED = [
    "experiments/digits/hyperpower.sqlite", "experiments/digits/hyperpower.sqlite-wal",
    "experiments/digits/hyperpower.sqlite-shm", "experiments/digits/models/memory.json",
    "experiments/digits/output/run_config.json", "experiments/digits/output/job_00001.out",
    "experiments/digits/output/job_00001_network.py", "experiments/digits/output/job_00001_network.measure.json",
    "experiments/digits/profiles/profile-intel-xeon-20261130-063110.json",
    "experiments/digits/spearmint/config.json", "experiments/digits/plots/best_so_far.png",
    "experiments/digits/output/job_00001_model.keras", "experiments/mnist/trained/job_00002.keras",
    "experiments/spearmint_toy/hyperpower.sqlite", "experiments/spearmint_toy/output/run_config.json",
]
SHIPPED = ["experiments/digits/keras_model/network_def.py", "experiments/digits/README.md",
           "experiments/spearmint_toy/config.json", "experiments/spearmint_toy/toy.py"]


def git_ignored(paths: list[str]) -> set[str]:
    result = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], input="\n".join(paths),
                            capture_output=True, text=True, cwd=REPO, timeout=30)
    assert result.returncode in (0, 1), result.stderr
    return set(result.stdout.split())


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="not a git checkout")
def test_gitignore_covers_what_running_an_experiment_generates_and_nothing_shipped() -> None:
    assert git_ignored(GENERATED) == set(GENERATED)
    assert git_ignored(SHIPPED) == set()

"""The command line: fast help, command registry, --debug, one-paragraph errors and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hyperpower import cli
from hyperpower.errors import ConfigError, HyperPowerError, StoreError, TemplateError

REPO = Path(__file__).resolve().parents[1]
#: scipy too: it took 1.2 s of the CLI's 1.45 s of CPU at start (scipy.stats alone 0.8 s), and the
#: suite starts the CLI hundreds of times; the optimizer imports it, reports and --help need not
HEAVY_MODULES = ("keras", "tensorflow", "pymongo", "pynvml", "matplotlib", "sklearn", "plotly", "scipy")


def _hyperpower(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hyperpower", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)


@pytest.mark.e2e
def test_help_of_every_command_imports_no_heavy_library() -> None:
    """`hyperpower --help` and each `COMMAND --help` must stay fast: no keras/tensorflow, no
    scipy on that path."""
    script = f"""
import contextlib, io, json, sys
from hyperpower import cli
helps = {{}}
for argv in [["--help"]] + [[name, "--help"] for name in cli.COMMANDS]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            cli.main(argv)
        except SystemExit as exit:
            assert exit.code == 0, (argv, exit.code)
    helps[" ".join(argv)] = buffer.getvalue()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY_MODULES!r})
print(json.dumps({{"heavy": heavy, "helps": helps}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["heavy"] == []
    for name in ("generate", "status", "best", "export", "clean"):
        assert f"{name} --help" in report["helps"] and "--store" in report["helps"][f"{name} --help"]
        assert f"    {name}" in report["helps"]["--help"]


@pytest.mark.parametrize("module, cause", [
    ("not_written_yet", "ModuleNotFoundError: No module named 'hyperpower.commands.not_written_yet'"),
    ("broken_import", "ModuleNotFoundError: No module named 'a_library_that_is_not_installed'"),
])
def test_a_registered_command_that_does_not_import_stops_the_cli_naming_it(
        module: str, cause: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Never hide a command: a missing module or one whose imports fail is a broken installation."""
    import hyperpower.commands

    (tmp_path / "broken_import.py").write_text("import a_library_that_is_not_installed\n")
    monkeypatch.setattr(hyperpower.commands, "__path__", [*hyperpower.commands.__path__, str(tmp_path)])
    monkeypatch.setattr(cli, "COMMANDS", ("generate", module, "status"))
    for argv in (["status", "--help"], []):  # whatever was asked for
        assert cli.main(argv) == 1
        out, err = capsys.readouterr()
        assert err.startswith(f"hyperpower: error: command {module!r} cannot be loaded: module "
                              f"hyperpower.commands.{module} failed to import ({cause})")
        assert err.count("\n") == 1 and "Traceback" not in err and out == ""
    assert cli.main(["--debug", "status"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_help_and_messages_do_not_cite_design_documents() -> None:
    """Users do not have design.md: no string a user can see (help, errors, output) cites it.
    Docstrings may, for developers."""
    import ast

    found = []
    for path in sorted((REPO / "hyperpower").rglob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        found += [f"{path.relative_to(REPO)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and "design §" in node.value]
    assert found == []


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "usage: hyperpower" in capsys.readouterr().err


@pytest.mark.parametrize("error, code", [
    (ConfigError("bad flag"), 2), (TemplateError("t.py", 3, 4, "bad"), 2), (StoreError("locked"), 1),
    (HyperPowerError("failed"), 1),
])
def test_user_errors_print_one_paragraph_and_map_to_exit_codes(error: HyperPowerError, code: int,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    def action() -> int:
        raise error

    assert cli.run_reporting_errors(action) == code
    err = capsys.readouterr().err
    assert err == f"hyperpower: error: {error}\n" and "Traceback" not in err


def test_multi_line_messages_are_joined_and_errors_may_carry_an_exit_code(capsys) -> None:
    class NothingYet(HyperPowerError):
        exit_code = 3

    def action() -> int:
        raise NothingYet("first line\n   second   line")

    assert cli.run_reporting_errors(action) == 3
    assert capsys.readouterr().err == "hyperpower: error: first line second line\n"


def test_keyboard_interrupt_exits_130_and_bugs_keep_their_traceback(capsys) -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    def bug() -> int:
        raise ZeroDivisionError("a bug")

    assert cli.run_reporting_errors(interrupted) == 130
    with pytest.raises(ZeroDivisionError):
        cli.run_reporting_errors(bug)


MALFORMED = {
    "bad JSON": ('x = 1\ny = HYPERPARAM{"type": "INT" "token": "y"}\n', "2:5", "invalid JSON"),
    "duplicate token": ('a = HYPERPARAM{"type":"INT","token":"a","min":1,"max":2}\n'
                        'b = HYPERPARAM{"type":"INT","token":"a","min":1,"max":2}\n', "2:5", "duplicate token 'a'"),
    "min > max": ('a = HYPERPARAM{"type":"INT","token":"a","min":5,"max":2}\n', "1:5", "min 5 > max 2"),
    "unknown type": ('a = HYPERPARAM{"type":"LIST","token":"a"}\n', "1:5", "unknown type 'LIST'"),
    "unknown transform": ('a = HYPERPARAM{"type":"INT","token":"a","min":1,"max":2,"transform":"SQR"}\n', "1:5",
                          "unknown transform 'SQR'"),
    "no tokens": ("import keras\n", "1:1", "no HYPERPARAM{...} tokens found"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_template_exits_2_with_location_and_writes_nothing(case: str, tmp_path: Path) -> None:
    text, location, reason = MALFORMED[case]
    template = tmp_path / "exp" / "keras_model" / "network_def.py"
    template.parent.mkdir(parents=True)
    template.write_text(text)
    result = _hyperpower("generate", tmp_path / "exp", "--budget", "memory=200MB")
    assert result.returncode == 2
    assert result.stderr.startswith(f"hyperpower: error: {template}:{location}: ")
    assert reason in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1  # one paragraph
    assert sorted(p.name for p in (tmp_path / "exp").iterdir()) == ["keras_model"]


@pytest.mark.e2e
def test_missing_template_file_exits_2_naming_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "exp"
    (folder / "spearmint").mkdir(parents=True)
    (folder / "spearmint" / "config.json").write_text("{}")  # a HyperPower folder whose template is gone
    result = _hyperpower("generate", folder)
    assert result.returncode == 2
    assert f"{folder / 'keras_model' / 'network_def.py'}: no such template file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.e2e
def test_not_an_experiment_folder(tmp_path: Path) -> None:
    result = _hyperpower("status", tmp_path)
    assert result.returncode == 2 and "is not an experiment folder" in result.stderr


@pytest.mark.e2e
@pytest.mark.parametrize("position", ["before", "after"])
def test_debug_shows_the_traceback_before_or_after_the_command(position: str, tmp_path: Path) -> None:
    folder = tmp_path / "exp"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    args = ["generate", folder, "--optimize", "accuracy"]
    args = ["--debug", *args] if position == "before" else [*args, "--debug"]
    result = _hyperpower(*args)
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "ConfigError: --optimize 'accuracy': unknown metric" in result.stderr


@pytest.mark.e2e
def test_generate_reports_what_it_wrote(tmp_path: Path) -> None:
    folder = tmp_path / "exp"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    first = _hyperpower("generate", folder, "--budget", "memory=200MB", "--method", "hw-ieci")
    again = _hyperpower("generate", folder, "--budget", "memory=200MB", "--method", "hw-ieci")
    assert first.returncode == 0 and again.returncode == 0
    assert first.stdout.startswith(f"wrote {folder / 'spearmint' / 'config.json'}")
    assert again.stdout.startswith("unchanged ")
    assert "budgets: memory <= 200 MB; method hw-ieci" in first.stdout

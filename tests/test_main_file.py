"""The Spearmint main-file check `run` makes before the first job (issue 11.2, 11.10)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from hyperpower.config import load_experiment_config
from hyperpower.errors import ConfigError
from hyperpower.experiment import resolve_experiment
from hyperpower.main_file import check_main_files

# examples/simple/branin.py of HIPS/Spearmint, cut down: Python 2 prints
BRANIN_PY2 = """\
import numpy as np
import math

def branin(x, y):
  result = np.square(y - (5.1/(4*np.square(math.pi)))*np.square(x) + (5/math.pi)*x - 6) + 10
  result = float(result)
  print 'Result = %f' % result
  return result

def main(job_id, params):
  return branin(params['x'], params['y'])
"""


def _folder(tmp_path: Path, main_source: str | None, main_file: str = "branin.py") -> Path:
    folder = tmp_path / "simple"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "language": "PYTHON", "main-file": main_file, "experiment-name": "simple-braninhoo-example",
        "likelihood": "NOISELESS",
        "variables": {"x": {"type": "FLOAT", "size": 1, "min": -5, "max": 10},
                      "y": {"type": "FLOAT", "size": 1, "min": 0, "max": 15}}}))
    if main_source is not None:
        (folder / "branin.py").write_text(textwrap.dedent(main_source))
    return folder


def _check(folder: Path) -> list[Path]:
    paths = resolve_experiment(folder)
    return check_main_files(paths, load_experiment_config(paths))


def test_python3_main_file_passes(tmp_path: Path) -> None:
    folder = _folder(tmp_path, BRANIN_PY2.replace("print 'Result = %f' % result", "print('Result = %f' % result)"))
    assert _check(folder) == [folder / "branin.py"]


def test_python2_print_is_refused_with_file_line_and_a_porting_hint(tmp_path: Path) -> None:
    folder = _folder(tmp_path, BRANIN_PY2)
    with pytest.raises(ConfigError) as error:
        _check(folder)
    message = str(error.value)
    assert message.startswith(f"{folder / 'branin.py'}:7: does not compile under Python 3: Missing parentheses")
    assert "this looks like Python 2" in message and "`print x` -> `print(x)`" in message


@pytest.mark.parametrize("line", ["except ValueError, e:", "raise ValueError, 'bad'"])
def test_other_python2_syntax_gets_the_hint_too(tmp_path: Path, line: str) -> None:
    body = f"def main(job_id, params):\n    try:\n        pass\n    {line}\n        pass\n" if line.startswith("except") \
        else f"def main(job_id, params):\n    {line}\n"
    folder = _folder(tmp_path, body)
    with pytest.raises(ConfigError, match=r"branin.py:\d: does not compile under Python 3.*looks like Python 2"):
        _check(folder)


def test_the_check_never_executes_the_users_module(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    folder = _folder(tmp_path, f"open({str(marker)!r}, 'w').close()\ndef helper():\n    pass\n")
    with pytest.raises(ConfigError, match="defines no main function at its top level"):
        _check(folder)
    assert not marker.exists()
    (folder / "branin.py").write_text(f"open({str(marker)!r}, 'w').close()\ndef main(job_id, params):\n    return 1.0\n")
    _check(folder)
    assert not marker.exists()


@pytest.mark.parametrize("source", [
    "def evaluate(job_id, params):\n    return 1.0\nmain = evaluate\n",
    "try:\n    import numpy\nexcept ImportError:\n    pass\nelse:\n    def main(job_id, params):\n        return 1.0\n",
    "from os.path import basename as main\n",
])
def test_main_defined_other_ways_at_the_top_level_is_found(tmp_path: Path, source: str) -> None:
    _check(_folder(tmp_path, source))


def test_main_nested_in_a_class_or_function_does_not_count(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "class Job:\n    def main(self):\n        pass\n")
    with pytest.raises(ConfigError, match="defines no main function"):
        _check(folder)


def test_missing_main_file_names_the_config_and_the_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path, None)
    with pytest.raises(ConfigError, match=r"config.json: main-file 'branin.py': no such file .*simple/branin.py"):
        _check(folder)


def test_config_without_a_main_file_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "def main(job_id, params):\n    return 1.0\n")
    data = json.loads((folder / "config.json").read_text())
    del data["main-file"]
    (folder / "config.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="no 'main-file'"):
        _check(folder)


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("def main(job_id, params):\n    return 1.0\n")
    folder = _folder(tmp_path, None)
    (folder / "branin.py").symlink_to(outside)
    with pytest.raises(ConfigError, match="outside the experiment folder"):
        _check(folder)

"""The ``xdist_group`` marks hold in a real parallel run (tests/xdist_groups.py works around
pytest-xdist 3.8 under pytest 9.2, where ``--dist loadgroup`` silently spreads a group)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parent

SUITE = """
import json, os, pytest
from pathlib import Path

def _record(name):
    with open(Path(__file__).parent / "ran.jsonl", "a") as ledger:
        ledger.write(json.dumps([name, os.environ["PYTEST_XDIST_WORKER"]]) + "\\n")

@pytest.mark.xdist_group("signals")
@pytest.mark.parametrize("index", range(4))
def test_grouped(index):
    _record(f"grouped{index}")

@pytest.mark.parametrize("index", range(8))
def test_free(index):
    _record(f"free{index}")
"""


def test_a_group_runs_on_one_worker_under_loadgroup(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        from xdist_groups import (pytest_collection_finish, pytest_configure, pytest_configure_node,
                                  pytest_unconfigure, pytest_xdist_make_scheduler)
        """))
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    xdist_group(name): one worker\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q",
                             "-p", "no:cacheprovider", str(tmp_path)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    ran = dict(json.loads(line) for line in (tmp_path / "ran.jsonl").read_text().splitlines())
    assert len(ran) == 12
    assert len({ran[f"grouped{index}"] for index in range(4)}) == 1, ran
    assert set(ran.values()) == {"gw0", "gw1"}, "both workers ran tests"


"""The README lists every flag of `run`, `profile` and `worker` (issue 16 point 13): a flag added
to a command without a line in the README fails here, so the two cannot drift apart."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hyperpower.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return subparsers.choices[name]


@pytest.mark.parametrize("command", ["run", "enqueue", "profile", "worker"])
def test_readme_lists_every_flag_of_the_command(command: str) -> None:
    section = README.split(f"`{command}`:\n", 1)
    assert len(section) == 2, f"README has no flag table for `{command}`"
    table = section[1].strip().split("\n\n", 1)[0]
    flags = [option for action in _subcommand(command)._actions for option in action.option_strings
             if option not in ("-h", "--help")]
    missing = [flag for flag in flags if f"`{flag}" not in table]
    assert not missing, f"README's `{command}` table lacks {missing}"

"""Where the benchmarks find what is not in the repository: the shared data sets and the peers'
venv. Both are relative to the repository unless an environment variable says otherwise, so a
benchmark runs on any checkout.

* ``HYPERPOWER_SHARED_DATA``: the folder holding ``nasbench201/`` and ``yahpo_lcbench/``;
  default ``../shared/data`` beside the repository root.
* ``HYPERPOWER_PEERS_PYTHON`` (shell scripts only): the peers' interpreter; default
  ``benchmarks/.venv-peers/bin/python``, which ``benchmarks/setup_peers.sh`` creates.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA_VARIABLE = "HYPERPOWER_SHARED_DATA"


class MissingDataError(FileNotFoundError):
    """A shared data file is not where the benchmarks look for it."""


def shared_data_root() -> Path:
    """``$HYPERPOWER_SHARED_DATA``, or ``../shared/data`` beside the repository root."""
    configured = os.environ.get(SHARED_DATA_VARIABLE)
    return Path(configured).expanduser() if configured else REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under the shared data folder; an error naming the variable when it is missing."""
    path = shared_data_root().joinpath(*parts)
    if not path.exists():
        source = (f"${SHARED_DATA_VARIABLE} = {os.environ[SHARED_DATA_VARIABLE]}"
                  if os.environ.get(SHARED_DATA_VARIABLE) else
                  f"the default ../shared/data beside the repository ({SHARED_DATA_VARIABLE} is not set)")
        raise MissingDataError(
            f"{path} not found. The benchmarks read the shared data sets from {source}; set "
            f"{SHARED_DATA_VARIABLE} to the folder that holds nasbench201/ and yahpo_lcbench/.")
    return path

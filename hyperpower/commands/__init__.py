"""One module per CLI subcommand, each with ``add_parser(subparsers)`` and ``run(args) -> int``.

``COMMANDS`` is the registry, in the order ``hyperpower --help`` lists them. A module that does
not exist yet (another part of the tool still being written) is skipped, so the CLI always starts.
Command modules must stay cheap to import: keras, tensorflow, pymongo, pynvml and matplotlib are
imported inside ``run`` (or deeper), never at module level, so ``hyperpower --help`` stays fast.
"""

from __future__ import annotations

COMMANDS: tuple[str, ...] = (
    "generate", "run", "worker", "profile", "status", "best", "export", "plot", "devices", "clean",
)

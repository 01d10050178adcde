"""One module per CLI subcommand, each with ``add_parser(subparsers)`` and ``run(args) -> int``.

``COMMANDS`` is the registry, in the order ``hyperpower --help`` lists them. Every registered module
must import: a missing or broken one stops ``hyperpower`` with an error naming it (``cli.load_command``).
Command modules must stay cheap to import: keras, tensorflow, pymongo, pynvml and matplotlib are
imported inside ``run`` (or deeper), never at module level, so ``hyperpower --help`` stays fast.
"""

from __future__ import annotations

COMMANDS: tuple[str, ...] = (
    "generate", "run", "enqueue", "worker", "profile", "status", "best", "pareto", "export", "plot", "dashboard",
    "devices", "clean",
)

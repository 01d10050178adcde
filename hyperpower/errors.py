"""User-facing errors.

A ``HyperPowerError`` is an expected failure caused by the user's input or environment (a bad
template, an unreachable store, a budget nothing can measure). The CLI prints its message as one
paragraph and exits non-zero without a traceback (unless ``--debug``). Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations


class HyperPowerError(Exception):
    """An error the user can fix; its message names the file, line, flag or value at fault."""


class TemplateError(HyperPowerError):
    """A malformed ``HYPERPARAM{...}`` template, reported as ``file:line:col: reason``."""

    def __init__(self, path: str, line: int, column: int, reason: str) -> None:
        self.path, self.line, self.column, self.reason = path, line, column, reason
        super().__init__(f"{path}:{line}:{column}: {reason}")


class ConfigError(HyperPowerError):
    """An invalid config.json, flag or budget."""


class StoreError(HyperPowerError):
    """The experiment store is unreachable, locked for too long, or refuses an operation."""

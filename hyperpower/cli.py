"""The ``hyperpower`` command line: subcommand registry, ``--debug``, one-paragraph errors.

Exit status: 0 on success; 2 for usage and configuration errors (``ConfigError``,
``TemplateError``, argparse errors); 1 for other failures; 130 when interrupted (Ctrl-C), 143 on
SIGTERM (``loop.interrupts``). A ``HyperPowerError`` prints ``hyperpower: error: <message>`` as
one paragraph on stderr; with ``--debug`` (before or after the subcommand) it shows the traceback
instead. Any other exception is a bug and always keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import Any, Callable, Sequence

from hyperpower import __version__
from hyperpower.commands import COMMANDS
from hyperpower.errors import ConfigError, HyperPowerError, TemplateError

PROGRAM = "hyperpower"
EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class _CommandRegistrar:
    """Stands in for argparse's subparsers object while one command module registers itself.

    Every parser it creates gets the shared ``--debug`` flag and remembers which ``run`` to call,
    so command modules only describe their own options.
    """

    def __init__(self, subparsers: Any, common: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int]) -> None:
        self._subparsers, self._common, self._run = subparsers, common, run

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs["parents"] = [*kwargs.get("parents", []), self._common]
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        if "help" in kwargs:
            kwargs.setdefault("description", kwargs["help"])
        parser = self._subparsers.add_parser(name, **kwargs)
        parser.set_defaults(command_run=self._run, command_name=name)
        return parser


def _common_options() -> argparse.ArgumentParser:
    """``--debug`` accepted after the subcommand too; SUPPRESS keeps a ``--debug`` given before it."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks instead of one-paragraph error messages")
    return common


class CommandLoadError(HyperPowerError):
    """A registered command's module is missing or fails to import: a broken installation, never
    something to hide by leaving the command out of ``--help``."""


def load_command(name: str) -> Any:
    """The module ``hyperpower.commands.NAME``; CommandLoadError naming it when it cannot be imported."""
    module_name = f"hyperpower.commands.{name}"
    try:
        return importlib.import_module(module_name)
    except Exception as exc:  # any import failure: ImportError, SyntaxError, an error at module level
        raise CommandLoadError(
            f"command {name!r} cannot be loaded: module {module_name} failed to import "
            f"({type(exc).__name__}: {exc}); the installation is broken, reinstall HyperPower "
            f"(`pip install -e .` in its folder)") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Power- and memory-constrained hyper-parameter optimization of Keras networks.",
        epilog="Run `hyperpower COMMAND --help` for a command's options.",
    )
    parser.add_argument("--debug", action="store_true", default=False,
                        help="show tracebacks instead of one-paragraph error messages")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    common = _common_options()
    for name in COMMANDS:
        module = load_command(name)
        module.add_parser(_CommandRegistrar(subparsers, common, module.run))
    return parser


def one_paragraph(message: str) -> str:
    """Collapse a message onto one line: errors are read in terminals and CI logs."""
    return " ".join(str(message).split())


def exit_code_for(error: HyperPowerError) -> int:
    """2 for configuration/usage errors, 1 otherwise; an error may carry its own ``exit_code``."""
    explicit = getattr(error, "exit_code", None)
    if isinstance(explicit, int):
        return explicit
    return EXIT_USAGE if isinstance(error, (ConfigError, TemplateError)) else EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command, return the exit status.

    Every registered command is loaded first: a missing or broken command module stops the CLI
    with an error naming it (exit 1), whatever command was asked for.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
    except CommandLoadError as error:
        return report_error(error, debug="--debug" in argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "command_run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command_name in MEASURING_COMMANDS:
        warn_test_switches()
    return run_reporting_errors(lambda: args.command_run(args), debug=args.debug)


#: the commands that measure hardware, whose values a test-only switch would change
MEASURING_COMMANDS = ("run", "worker", "profile")


def warn_test_switches() -> None:
    """One line on stderr per test-only switch in force outside the test suite (issue 22 point
    13: ``HYPERPOWER_QUICK_MEASURE`` exported in a shell must not shorten measurements silently)."""
    from hyperpower.hardware.protocol import switch_warnings

    for line in switch_warnings():
        print(f"{PROGRAM}: {line}", file=sys.stderr, flush=True)


def run_reporting_errors(action: Callable[[], int | None], debug: bool = False) -> int:
    """Run ``action`` and turn the failures a user can cause into an exit status and a message."""
    try:
        return int(action() or 0)
    except HyperPowerError as error:
        return report_error(error, debug)
    except KeyboardInterrupt as interrupt:
        # a plain Ctrl-C (130) or an ``Interrupted`` carrying its signal (SIGTERM: 143)
        name = f" by {interrupt.args[0]}" if interrupt.args else ""
        print(f"{PROGRAM}: interrupted{name}", file=sys.stderr)
        return int(getattr(interrupt, "exit_code", EXIT_INTERRUPTED))
    except BrokenPipeError:
        # the reader (e.g. `| head`) went away; stop quietly instead of a traceback on exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE


def report_error(error: HyperPowerError, debug: bool = False) -> int:
    """Print ``hyperpower: error: ...`` as one paragraph (the traceback with ``--debug``); the exit status."""
    if debug:
        traceback.print_exception(error)
    else:
        print(f"{PROGRAM}: error: {one_paragraph(str(error))}", file=sys.stderr)
    return exit_code_for(error)

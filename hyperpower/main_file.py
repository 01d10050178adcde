"""A plain Spearmint folder's main-files: where they are, which tasks each returns, and whether
they can run at all.

``run`` checks it before the first job, so a missing file, Python 2 syntax (Spearmint's own
examples use ``print x``) or a missing ``main`` is one clear refusal instead of one broken job
after another. The check compiles the file and reads its syntax tree; it never executes the
user's module (that happens only in a job's own process).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hyperpower.config import ExperimentConfig
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths

#: SyntaxError messages and source lines that mean "written for Python 2"
_PYTHON2_MESSAGES = ("Missing parentheses in call to", "multiple exception types must be parenthesized",
                     "leading zeros in decimal integer literals", "inconsistent use of tabs and spaces")
_PYTHON2_LINE = re.compile(r"^\s*(print\s+[^\s(=]|print$|exec\s+[\"'\w]|raise\s+\w+\s*,|except\s+[\w.]+\s*,\s*\w+\s*:)"
                           r"|`|<>|\bur[\"']")


def main_files(config: ExperimentConfig) -> dict[str, list[str]]:
    """main-file name -> the tasks it returns, in task order: a task's own ``main-file`` (as in
    Spearmint's distributed example), else the top-level one. Several tasks naming one file is the
    common case (the file is called once); tasks naming different files make a job call each file
    in turn (``loop.job_process``). A task with no file of its own and no top-level one (a
    ``--budget`` task, say) takes its value from whichever file returns it."""
    files: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}  # 'branin' and 'branin.py' are one file, named as first written
    for task in config.tasks.values():
        name = task.main_file or config.main_file
        if name is not None:
            name = spelling.setdefault(_file_name(name), name)
            files.setdefault(name, []).append(task.name)
    return files


def _file_name(name: str) -> str:
    return name if name.endswith(".py") else f"{name}.py"


def main_file_path(paths: ExperimentPaths, config: ExperimentConfig, name: str | None = None) -> Path:
    """EXP/<main-file>[.py] (``name``, else the config's only main-file); the name was checked to
    stay inside the folder when the config was read, and a link pointing out of it is refused here."""
    if name is None:
        names = list(main_files(config))
        if not names:
            raise ConfigError(f"{paths.config}: no 'main-file': name the Python file whose main(job_id, params) "
                              f"Spearmint calls, e.g. \"main-file\": \"branin.py\" at the top level, or in each task "
                              f"(\"tasks\": {{\"branin\": {{\"type\": \"OBJECTIVE\", \"main-file\": \"branin\"}}}})")
        name = names[0]
    path = paths.root / _file_name(name)
    try:
        path.resolve().relative_to(paths.root.resolve())
    except ValueError:
        raise ConfigError(f"{paths.config}: main-file {name!r} resolves to {path.resolve()}, outside "
                          f"the experiment folder {paths.root}") from None
    return path


def check_main_files(paths: ExperimentPaths, config: ExperimentConfig) -> list[Path]:
    """Every main-file exists, compiles under this Python 3 and defines ``main`` at its top level;
    ConfigError ``file:line: reason`` otherwise (with a porting hint for Python 2 syntax)."""
    main_file_path(paths, config)  # refuses a config that names no main-file at all
    return [_check_one(paths, config, name, tasks) for name, tasks in main_files(config).items()]


def _check_one(paths: ExperimentPaths, config: ExperimentConfig, name: str, tasks: list[str]) -> Path:
    path = main_file_path(paths, config, name)
    if not path.is_file():
        owner = "" if name == config.main_file else f" (named by task {', '.join(repr(t) for t in tasks)})"
        raise ConfigError(f"{paths.config}: main-file {name!r}{owner}: no such file {path}")
    source = path.read_bytes()
    try:
        tree = compile(source, str(path), "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        compile(tree, str(path), "exec", dont_inherit=True)
    except SyntaxError as error:
        raise ConfigError(_syntax_message(path, source, error)) from None
    except ValueError as error:  # e.g. null bytes
        raise ConfigError(f"{path}: cannot be compiled: {error}") from None
    if not _defines_main(tree.body):
        raise ConfigError(f"{path}: defines no main function at its top level; Spearmint calls "
                          f"main(job_id, params) in the main-file named by {paths.config}")
    if config.settings.schedule.scheduler is not None and not _main_takes_epochs(tree.body):
        raise ConfigError(f"{path}: --scheduler {config.settings.schedule.scheduler} trains each job for a rung's number of "
                          f"epochs, passed as main(job_id, params, epochs=N), but this file's main takes no "
                          f"'epochs' parameter (nor **kwargs); add one (`def main(job_id, params, epochs=10):`) "
                          f"and train that many epochs, or run without --scheduler")
    return path


def _syntax_message(path: Path, source: bytes, error: SyntaxError) -> str:
    line = error.lineno or 1
    text = error.text or _source_line(source, line)
    message = f"{path}:{line}: does not compile under Python 3: {error.msg}"
    if text.strip():
        message += f" in `{text.strip()}`"
    if any(error.msg.startswith(m) for m in _PYTHON2_MESSAGES) or _PYTHON2_LINE.search(text):
        message += ("; this looks like Python 2 (as Spearmint's own examples are): HyperPower runs main-files "
                    "under Python 3, so port the file, e.g. `print x` -> `print(x)`, `except E, e:` -> "
                    "`except E as e:`")
    return message


def _source_line(source: bytes, line: int) -> str:
    lines = source.decode("utf-8", errors="replace").splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _main_takes_epochs(statements: list[ast.stmt]) -> bool:
    """A top-level ``def main`` with an ``epochs`` parameter or ``**kwargs``; a ``main`` that is
    not a plain def (imported, assigned) cannot be read without running it, so it is trusted."""
    for statement in statements:
        if isinstance(statement, ast.FunctionDef) and statement.name == "main":
            arguments = statement.args
            names = [a.arg for a in arguments.args + arguments.kwonlyargs]
            return "epochs" in names or arguments.kwarg is not None
    return True


def _defines_main(statements: list[ast.stmt]) -> bool:
    """A top-level ``def main``, ``main = ...`` or ``from m import main``, also inside top-level
    if/try/with blocks (no code is run to find it)."""
    for statement in statements:
        if isinstance(statement, ast.FunctionDef) and statement.name == "main":
            return True
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "main" for t in targets):
                return True
        if isinstance(statement, ast.ImportFrom) and any((a.asname or a.name) == "main" for a in statement.names):
            return True
        blocks = [getattr(statement, field, []) for field in ("body", "orelse", "finalbody")]
        blocks += [handler.body for handler in getattr(statement, "handlers", [])]
        if isinstance(statement, (ast.If, ast.Try, ast.With)) and any(_defines_main(b) for b in blocks):
            return True
    return False

"""``HYPERPARAM{...}`` templates: find the tokens, validate them, render values into the file.

A token is the word ``HYPERPARAM`` immediately followed by a JSON object, anywhere on a line and
any number of times per line (design §3). The JSON is decoded with ``json.JSONDecoder.raw_decode``
at the ``{`` so strings holding braces, spaces or newlines are read correctly. The file itself is
never executed or imported while parsing, so templates written for Python 2 / Keras 2 parse too.

Errors a user can make are ``TemplateError(path, line, column, reason)``, where line and column
(1-based) locate the ``HYPERPARAM`` word of the offending token.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from hyperpower.errors import ConfigError, TemplateError
from hyperpower.space import SearchSpace, Variable, VariableType
from hyperpower.transforms import parse_transform

MARKER = "HYPERPARAM"
_MARKER_PATTERN = re.compile(r"(?<![A-Za-z0-9_])HYPERPARAM[ \t]*\{")
_BARE_MARKER = re.compile(r"(?<![A-Za-z0-9_])HYPERPARAM(?![A-Za-z0-9_]|[ \t]*\{)")
_STRING_START = re.compile(r"(?:(?<![A-Za-z0-9_])[rRbBuUfF]{1,2})?('''|\"\"\"|'|\")")
_COMMON_KEYS = {"type", "token", "transform", "structural"}
_KEYS_BY_TYPE = {
    VariableType.INT: _COMMON_KEYS | {"min", "max"},
    VariableType.FLOAT: _COMMON_KEYS | {"min", "max", "scale"},
    VariableType.ENUM: _COMMON_KEYS | {"options"},
}
_ALL_KEYS = sorted(set().union(*_KEYS_BY_TYPE.values()))


@dataclasses.dataclass(frozen=True)
class Token:
    """One ``HYPERPARAM{...}`` occurrence.

    ``start``/``end`` are character offsets into ``Template.text`` (``text[start:end]`` is the
    whole token, marker included); ``line``/``column`` are 1-based and locate ``start``.
    """

    name: str
    variable: Variable
    line: int
    column: int
    start: int
    end: int
    device: bool = False  # a DEVICE token: the device is a search variable (``hyperpower.devices``)


@dataclasses.dataclass(frozen=True)
class Template:
    """A parsed template: its text, its tokens in file order, and the search space they span."""

    path: Path
    text: str
    tokens: list[Token]
    space: SearchSpace

    @property
    def device_token(self) -> str | None:
        """The DEVICE token's name, None when the template has none (``hyperpower.devices``)."""
        return next((token.name for token in self.tokens if token.device), None)


class _Locator:
    """Offsets -> (line, column), both 1-based, for error messages and tokens."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def position(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, column

    def error(self, offset: int, reason: str) -> TemplateError:
        line, column = self.position(offset)
        return TemplateError(str(self.path), line, column, reason)


def read_template_text(path: str | Path) -> str:
    """The file's text, undecodable bytes kept (surrogateescape) so rendering preserves them."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as file:
            return file.read()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such template file (expected the network definition with "
                          f"HYPERPARAM{{...}} tokens, e.g. EXP/keras_model/network_def.py)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a template file") from None


def parse_template(path: str | Path) -> Template:
    """Read and validate a template file; raises TemplateError(path, line, column, reason)."""
    path = Path(path)
    return parse_template_text(read_template_text(path), path)


def parse_template_text(text: str, path: str | Path = "<template>") -> Template:
    """Parse template text; ``path`` only names the file in errors and in ``Template.path``."""
    path = Path(path)
    locator = _Locator(path, text)
    tokens: list[Token] = []
    seen: dict[str, Token] = {}
    for start in _marker_offsets(text):
        token = _read_token(locator, start)
        if token.name in seen:
            first = seen[token.name]
            raise locator.error(start, f"duplicate token {token.name!r} (first defined at line {first.line}, "
                                       f"column {first.column}); every HYPERPARAM needs a unique 'token' name")
        seen[token.name] = token
        tokens.append(token)
    _refuse_bare_markers(locator)
    devices = [token for token in tokens if token.device]
    if len(devices) > 1:
        raise locator.error(devices[1].start, f"a second DEVICE token {devices[1].name!r} (the first is "
                                              f"{devices[0].name!r}); a job runs on one device")
    if not tokens:
        raise TemplateError(str(path), 1, 1, "no HYPERPARAM{...} tokens found; mark at least one value, e.g. "
                                             'units = HYPERPARAM{"type": "INT", "token": "units", "min": 16, "max": 128}')
    return Template(path=path, text=text, tokens=tokens, space=SearchSpace(t.variable for t in tokens))


def _marker_offsets(text: str) -> list[int]:
    """Offsets of every ``HYPERPARAM`` that starts a token (is followed by ``{``).

    A bare word ``HYPERPARAM`` in prose (e.g. a comment) is left alone; ``HYPERPARAM {`` with
    white space before the brace is kept, and reported by ``_read_token``, since it is almost
    surely a typo for a token.
    """
    return [match.start() for match in _MARKER_PATTERN.finditer(text)]


def _refuse_bare_markers(locator: _Locator) -> None:
    """A ``HYPERPARAM`` in code without its ``{...}`` is a token whose JSON was forgotten: it would
    stay in the rendered network and fail there, job after job. The word in a comment or a string
    (prose, a docstring) is left alone."""
    bare = [match.start() for match in _BARE_MARKER.finditer(locator.text)]
    if not bare:
        return
    prose = _comment_and_string_spans(locator.text)
    for offset in bare:
        if not any(start <= offset < end for start, end in prose):
            raise locator.error(offset, "HYPERPARAM without its JSON object: write e.g. "
                                        'HYPERPARAM{"type": "INT", "token": "units", "min": 16, "max": 128}')


def _comment_and_string_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of Python comments and string literals, from a lexical scan that needs
    no valid Python (templates may be Python 2, and hold tokens); an unterminated string runs to
    the end of its line (or of the file, for triple quotes)."""
    spans, position = [], 0
    while position < len(text):
        if text[position] == "#":
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
        else:
            match = _STRING_START.match(text, position)
            if match is None:
                position += 1
                continue
            end = _string_end(text, match.end(), match.group(1))
        spans.append((position, end))
        position = end
    return spans


def _string_end(text: str, end: int, delimiter: str) -> int:
    while end < len(text):
        if text[end] == "\\":
            end += 2
        elif text.startswith(delimiter, end):
            return end + len(delimiter)
        elif text[end] == "\n" and len(delimiter) == 1:
            return end
        else:
            end += 1
    return len(text)


def _read_token(locator: _Locator, start: int) -> Token:
    text = locator.text
    brace = start + len(MARKER)
    if text[brace] != "{":
        raise locator.error(start, "HYPERPARAM must be followed immediately by '{' (no space before the JSON object)")
    try:
        spec, end = json.JSONDecoder().raw_decode(text, brace)
    except json.JSONDecodeError as exc:
        raise locator.error(start, _json_reason(locator, exc)) from None
    device = isinstance(spec, dict) and isinstance(spec.get("type"), str) and spec["type"].upper() == "DEVICE"
    variable = _device_variable_from_spec(locator, start, spec) if device else _variable_from_spec(locator, start, spec)
    line, column = locator.position(start)
    return Token(name=variable.name, variable=variable, line=line, column=column, start=start, end=end, device=device)


def _device_variable_from_spec(locator: _Locator, start: int, spec: dict[str, Any]) -> Variable:
    """``{"type": "DEVICE", "token": "device", "options": ["gpu:0", "cpu"]}``: the devices to
    choose from, an ENUM that is never structural (``hyperpower.devices``)."""
    from hyperpower.devices import device_variable, parse_device_list

    unknown = sorted(set(spec) - {"type", "token", "options"})
    if unknown:
        raise locator.error(start, f"key {unknown[0]!r} does not apply to a DEVICE token (type, token, options)")
    name = spec.get("token")
    if not isinstance(name, str) or not name.isidentifier():
        raise locator.error(start, f"DEVICE token {name!r}: 'token' must be a valid identifier")
    options = spec.get("options")
    if not isinstance(options, list) or not options:
        raise locator.error(start, f"DEVICE token {name!r}: 'options' must be a non-empty list of devices (cpu, gpu:N)")
    try:
        return device_variable(parse_device_list(options, f"DEVICE token {name!r}"), name)
    except ConfigError as exc:
        raise locator.error(start, str(exc)) from None


def _json_reason(locator: _Locator, exc: json.JSONDecodeError) -> str:
    line, column = locator.position(exc.pos)
    reason = f"invalid JSON after HYPERPARAM (at line {line}, column {column}): {exc.msg}"
    snippet = locator.text[exc.pos - 40 if exc.pos > 40 else 0:exc.pos + 1]
    if "'" in snippet:
        reason += "; JSON strings need double quotes"
    return reason


def _variable_from_spec(locator: _Locator, start: int, spec: dict[str, Any]) -> Variable:
    """Validate one token's keys and build its Variable; each failure names what is wrong."""

    def fail(reason: str) -> TemplateError:
        return locator.error(start, reason)

    if "type" not in spec:
        raise fail("missing key 'type' (INT, FLOAT or ENUM)")
    kind = spec["type"]
    if not isinstance(kind, str) or kind.upper() not in VariableType.__members__:
        raise fail(f"unknown type {kind!r}; use INT, FLOAT or ENUM")
    kind = VariableType(kind.upper())
    unknown = sorted(set(spec) - set(_ALL_KEYS))
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}; allowed keys are {', '.join(_ALL_KEYS)}")
    misplaced = sorted(set(spec) - _KEYS_BY_TYPE[kind])
    if misplaced:
        raise fail(f"key {misplaced[0]!r} does not apply to a {kind.value} token")
    name = spec.get("token")
    if name is None:
        raise fail("missing key 'token' (a unique name for this hyper-parameter)")
    if not isinstance(name, str) or not name.isidentifier():
        raise fail(f"token {name!r} is not a valid identifier (letters, digits, underscores; not starting with a digit)")
    if kind is VariableType.ENUM:
        _check_options(fail, name, spec)
    else:
        _check_bounds(fail, name, kind, spec)
    transform = spec.get("transform")
    if transform is not None:
        _check_transform(fail, name, kind, transform)
    structural = spec.get("structural")
    if structural is not None and not isinstance(structural, bool):
        raise fail(f"token {name!r}: 'structural' must be true or false, got {structural!r}")
    try:
        return Variable(name=name, type=kind, min=spec.get("min"), max=spec.get("max"),
                        options=tuple(spec.get("options") or ()), transform=transform,
                        log_scale=spec.get("scale") == "log", structural=structural)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _check_bounds(fail, name: str, kind: VariableType, spec: dict[str, Any]) -> None:
    for key in ("min", "max"):
        if key not in spec:
            raise fail(f"token {name!r}: missing key {key!r} (required for {kind.value})")
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise fail(f"token {name!r}: {key!r} must be a finite number, got {value!r}")
        if kind is VariableType.INT and value != int(value):
            raise fail(f"token {name!r}: INT bound {key!r} must be an integer, got {value!r}")
    if spec["min"] > spec["max"]:
        raise fail(f"token {name!r}: min {spec['min']} > max {spec['max']}")
    scale = spec.get("scale")
    if scale not in (None, "linear", "log"):
        raise fail(f"token {name!r}: unknown scale {scale!r}; use \"log\" or leave it out")
    if scale == "log" and spec["min"] <= 0:
        raise fail(f"token {name!r}: a log scale needs min > 0, got min {spec['min']}")


def _check_options(fail, name: str, spec: dict[str, Any]) -> None:
    options = spec.get("options")
    if options is None:
        raise fail(f"token {name!r}: missing key 'options' (required for ENUM)")
    if not isinstance(options, list) or not options:
        raise fail(f"token {name!r}: 'options' must be a non-empty list, got {options!r}")
    seen: list[tuple[type, Any]] = []
    for option in options:
        if not isinstance(option, (str, int, float, bool)) and option is not None:
            raise fail(f"token {name!r}: option {option!r} is not a JSON string, number, boolean or null")
        key = (type(option), option)
        if key in seen:
            raise fail(f"token {name!r}: option {option!r} is listed twice")
        seen.append(key)


def _check_transform(fail, name: str, kind: VariableType, transform: Any) -> None:
    if kind is VariableType.ENUM:
        raise fail(f"token {name!r}: an ENUM token cannot have a transform")
    try:
        parse_transform(transform)
    except ValueError as exc:
        raise fail(f"token {name!r}: {exc}") from None


# -- rendering -------------------------------------------------------------------------------

def python_literal(name: str, value: Any) -> str:
    """``repr(value)``, checked to read back as the same value (so no raw text reaches the file)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"value of {name!r} is {value!r}, which is not a finite number and cannot be rendered")
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ConfigError(f"value of {name!r} ({text}) is not a Python literal and cannot be rendered")
    return text


def render_template(template: Template, network_params: dict[str, Any],
                    overrides: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None) -> str:
    """The template text with each token replaced by ``repr`` of its network value.

    ``network_params`` holds values after transforms (``SearchSpace.network_params``).
    ``overrides`` (name -> value) are settings the tool imposes, e.g. the run's ``epochs``: each
    top-level ``name = ...`` of the rendered file gets the value, so the file states what the job
    actually used. ``defaults`` are written only when the file assigns no such name (the tool's
    default then applies and the file says so). See ``state_values``.
    """
    missing = [t.name for t in template.tokens if t.name not in network_params]
    if missing:
        raise ConfigError(f"{template.path}: no value for token(s) {', '.join(missing)}; the config's "
                          f"variables do not match the template (run `hyperpower generate` again)")
    pieces, position = [], 0
    for token in template.tokens:
        pieces.append(template.text[position:token.start])
        pieces.append(python_literal(token.name, network_params[token.name]))
        position = token.end
    pieces.append(template.text[position:])
    text = "".join(pieces)
    if overrides:
        text = state_values(text, overrides, replace=True)
    if defaults:
        text = state_values(text, defaults, replace=False)
    return text


def state_values(text: str, values: dict[str, Any], replace: bool = True) -> str:
    """Make the Python source ``text`` end up with ``name == value`` for each of ``values``.

    Each top-level ``name = EXPR`` (or ``name: T = EXPR``) gets EXPR replaced by the literal, in
    place, so a reader sees the value where the file sets it. When the file has no such
    assignment, or also binds the name some other way (``a, name = ...``, ``name += 1``, inside
    an ``if``), or does not parse, ``name = value`` is appended at the end instead, which wins
    whatever came before. With ``replace=False`` a name the file binds anywhere is left alone.
    """
    for name, value in values.items():
        literal = python_literal(name, value)
        simple, other = _bindings(text, name)
        if not replace and (simple or other):
            continue
        for start, end in sorted(simple, reverse=True):
            text = text[:start] + literal + text[end:]
        if other or not simple:
            newline = "" if not text or text.endswith(("\n", "\r")) else "\n"
            text += f"{newline}{name} = {literal}  # set by HyperPower\n"
    return text


def _bindings(text: str, name: str) -> tuple[list[tuple[int, int]], bool]:
    """(character spans of the values of top-level simple assignments to ``name``, whether the
    file binds ``name`` any other way); unparsable text counts as "other"."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, UnicodeError):
        return [], True
    offsets = _line_offsets(text)
    simple, nodes = [], set()
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else (
            [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value is not None else [])
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == name:
            value = statement.value
            simple.append((_offset(text, offsets, value.lineno, value.col_offset),
                           _offset(text, offsets, value.end_lineno, value.end_col_offset)))
            nodes.add(id(targets[0]))
    other = any(isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, (ast.Store, ast.Del))
                and id(node) not in nodes for node in ast.walk(tree))
    other = other or any(isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names for node in ast.walk(tree))
    return simple, other


def _line_offsets(text: str) -> list[int]:
    """Character offset of each line's start, lines ended as Python's tokenizer ends them."""
    return [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]


def _offset(text: str, offsets: list[int], lineno: int, col_bytes: int) -> int:
    """ast's (1-based line, UTF-8 byte column) -> character offset into ``text``."""
    start = offsets[lineno - 1]
    line = text[start:offsets[lineno] if lineno < len(offsets) else len(text)]
    return start + len(line.encode("utf-8")[:col_bytes].decode("utf-8"))


def render_to_file(template: Template, network_params: dict[str, Any], out_path: str | Path,
                   overrides: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None) -> Path:
    """Render (``render_template``) and write atomically (a reader never sees half a file); returns ``out_path``."""
    out_path = Path(out_path)
    text = render_template(template, network_params, overrides, defaults)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out_path.name}.", dir=out_path.parent)
    try:
        with open(handle, "w", encoding="utf-8", errors="surrogateescape", newline="") as file:
            file.write(text)
        os.replace(temporary, out_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return out_path

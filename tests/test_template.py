"""Template parsing (tokens anywhere, JSON read properly, errors located) and rendering."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hyperpower.errors import ConfigError, TemplateError
from hyperpower.space import VariableType
from hyperpower.template import parse_template, parse_template_text, render_template, render_to_file

REPO = Path(__file__).resolve().parents[1]
DIGITS = REPO / "experiments" / "digits" / "keras_model" / "network_def.py"


def _assignments(text: str) -> dict[str, object]:
    """Execute only the ``name = literal`` lines of rendered text (no imports needed)."""
    namespace: dict[str, object] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            namespace[node.targets[0].id] = ast.literal_eval(node.value)
    return namespace


def test_digits_template_tokens() -> None:
    template = parse_template(DIGITS)
    assert template.space.names == ["conv1_filters", "conv1_kernel", "conv2_filters", "dense_units", "activation",
                                    "learning_rate", "momentum", "weight_decay"]
    space = template.space
    assert (space["conv1_filters"].min, space["conv1_filters"].max, space["conv1_filters"].structural) == (8, 64, True)
    assert space["dense_units"].transform == "X64" and space["learning_rate"].transform == "NEGEXP10"
    assert space["activation"].options == ("relu", "tanh") and space["activation"].structural is False
    assert space["weight_decay"].log_scale and space["weight_decay"].type is VariableType.FLOAT
    first = template.tokens[0]
    line = DIGITS.read_text().splitlines()[first.line - 1]
    assert line[first.column - 1:].startswith('HYPERPARAM{"type": "INT", "token": "conv1_filters"')
    assert template.text[first.start:first.end].startswith("HYPERPARAM{") and template.text[first.end - 1] == "}"


def test_tokens_anywhere_and_several_per_line() -> None:
    text = ('layer(HYPERPARAM{"type":"INT","token":"a","min":1,"max":3}, k=HYPERPARAM{"type":"INT","token":"b",'
            '"min":2,"max":5})\n  x=[HYPERPARAM{"type":"FLOAT","token":"c","min":0,"max":1}]\n')
    template = parse_template_text(text, "net.py")
    assert [(t.name, t.line, t.column) for t in template.tokens] == [("a", 1, 7), ("b", 1, 63), ("c", 2, 6)]
    rendered = render_template(template, {"a": 2, "b": 5, "c": 0.25})
    assert rendered == "layer(2, k=5)\n  x=[0.25]\n"


def test_json_strings_with_braces_spaces_and_newlines() -> None:
    text = textwrap.dedent('''\
        act = HYPERPARAM{
            "type": "ENUM",
            "token": "act",
            "options": ["a}b", "with space", "new\\nline", "{x}"]
        }
        after = 1
        ''')
    template = parse_template_text(text, "net.py")
    assert template.space["act"].options == ("a}b", "with space", "new\nline", "{x}")
    for option in template.space["act"].options:
        assert _assignments(render_template(template, {"act": option})) == {"act": option, "after": 1}


def test_python2_keras2_template_parses_without_executing() -> None:
    text = textwrap.dedent('''\
        import keras2_only_module
        print "python 2 statement"
        raise SystemExit("never executed")
        opt = keras.optimizers.SGD(lr=HYPERPARAM{"type":"INT", "token": "base_lr_base", "transform": "NEGEXP10", "min": 1, "max": 5},
                                   momentum=HYPERPARAM{"type":"FLOAT", "token": "momentum", "min": 0.95, "max": 0.999})
        ''')
    template = parse_template_text(text, "old.py")
    assert template.space.names == ["base_lr_base", "momentum"]
    rendered = render_template(template, template.space.network_params({"base_lr_base": 3, "momentum": 0.97}))
    assert "SGD(lr=0.001,\n" in rendered and "momentum=0.97)" in rendered


def test_bare_marker_word_in_prose_is_not_a_token() -> None:
    text = '# values marked HYPERPARAM are searched\nx = HYPERPARAM{"type":"INT","token":"x","min":0,"max":1}\n'
    assert [t.name for t in parse_template_text(text).tokens] == ["x"]


def test_bare_marker_in_prose_strings_and_comments_is_left_alone() -> None:
    text = ('"""Values marked with HYPERPARAM tokens are searched."""\n'
            "s = 'HYPERPARAM' + \"it's a HYPERPARAM\" + r'\\\\'  # HYPERPARAM\n"
            'x = HYPERPARAM{"type":"INT","token":"x","min":0,"max":1}\n')
    assert [t.name for t in parse_template_text(text).tokens] == ["x"]


@pytest.mark.parametrize("text, line, column", [
    ("units = HYPERPARAM\n", 1, 9),
    ('x = HYPERPARAM{"type":"INT","token":"x","min":0,"max":1}\ny = HYPERPARAM("units")\n', 2, 5),
    ('s = "a # b"; y = HYPERPARAM\n', 1, 18),
])
def test_bare_marker_in_code_is_an_error_at_its_position(text: str, line: int, column: int) -> None:
    """Issue 16.9: a HYPERPARAM without its {...} used to pass silently and break every job."""
    with pytest.raises(TemplateError) as error:
        parse_template_text(text, "net.py")
    assert (error.value.line, error.value.column) == (line, column)
    assert str(error.value).startswith(f"net.py:{line}:{column}: HYPERPARAM without its JSON object")


@pytest.mark.parametrize("transform, raw, expected", [
    ("X16", 3, 48), ("X0.5", 3, 1.5), ("NEGEXP10", 3, 0.001), ("NEGEXP2", 1, 0.5), ("LOG2", 2, 4), ("EXP3", 2, 9),
])
def test_each_transform_renders_its_network_value(transform: str, raw: int, expected: float) -> None:
    template = parse_template_text(f'v = HYPERPARAM{{"type":"INT","token":"v","min":0,"max":8,"transform":"{transform}"}}\n')
    rendered = render_template(template, template.space.network_params({"v": raw}))
    assert _assignments(rendered)["v"] == pytest.approx(expected)
    assert rendered == f"v = {expected!r}\n" or rendered == f"v = {float(expected)!r}\n"


@pytest.mark.parametrize("options, chosen, literal", [
    (["relu", "tanh"], "tanh", "'tanh'"), ([1, 2.5], 2.5, "2.5"), ([True, False], False, "False"),
    ([None, "same"], None, "None"), (["it's"], "it's", '"it\'s"'),
])
def test_enum_values_render_as_python_literals(options: list, chosen: object, literal: str) -> None:
    import json

    template = parse_template_text(f'v = HYPERPARAM{{"type":"ENUM","token":"v","options":{json.dumps(options)}}}\n')
    assert render_template(template, {"v": chosen}) == f"v = {literal}\n"


def test_rendered_values_round_trip_for_random_configurations() -> None:
    text = textwrap.dedent('''\
        n = HYPERPARAM{"type":"INT","token":"n","min":1,"max":8,"transform":"X16"}
        lr = HYPERPARAM{"type":"INT","token":"lr","min":1,"max":5,"transform":"NEGEXP10"}
        wd = HYPERPARAM{"type":"FLOAT","token":"wd","min":1e-5,"max":1e-2,"scale":"log"}
        m = HYPERPARAM{"type":"FLOAT","token":"m","min":0.8,"max":0.95}
        act = HYPERPARAM{"type":"ENUM","token":"act","options":["relu","tanh","elu"]}
        k = HYPERPARAM{"type":"INT","token":"k","min":2,"max":5,"transform":"LOG2"}
        ''')
    template = parse_template_text(text)
    rng = np.random.default_rng(7)
    for point in template.space.sample(rng, 25):
        network = template.space.network_params(template.space.from_unit(point))
        assert _assignments(render_template(template, network)) == network


def test_render_accepts_numpy_scalars_and_refuses_non_literals() -> None:
    template = parse_template_text('v = HYPERPARAM{"type":"FLOAT","token":"v","min":0,"max":1}\n')
    assert render_template(template, {"v": np.float64(0.5)}) == "v = 0.5\n"
    with pytest.raises(ConfigError, match="not a finite number"):
        render_template(template, {"v": float("nan")})
    with pytest.raises(ConfigError, match="not a Python literal"):
        render_template(template, {"v": object()})
    with pytest.raises(ConfigError, match="no value for token"):
        render_template(template, {})


def test_render_to_file_keeps_everything_but_the_tokens(tmp_path: Path) -> None:
    template = parse_template(DIGITS)
    values = template.space.network_params(template.space.from_unit(np.full(template.space.dim, 0.5)))
    out = render_to_file(template, values, tmp_path / "output" / "job_00001_network.py")
    rendered = out.read_text()
    original = DIGITS.read_text()
    assert len(rendered.splitlines()) == len(original.splitlines())
    for before, after in zip(original.splitlines(), rendered.splitlines()):
        if "HYPERPARAM{" not in before:
            assert before == after
    ast.parse(rendered)  # valid Python once rendered
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind


BAD_TEMPLATES = [
    ("bad JSON", 'a = 1\nb = HYPERPARAM{"type": "INT", token: "b"}\n', 2, 5, "invalid JSON"),
    ("single quotes", "b = HYPERPARAM{'type': 'INT'}\n", 1, 5, "double quotes"),
    ("unterminated", 'b = HYPERPARAM{"type": "INT", "token": "b",\n', 1, 5, "invalid JSON"),
    ("duplicate token", 'a = HYPERPARAM{"type":"INT","token":"a","min":1,"max":2}\n'
                        'b = [0, HYPERPARAM{"type":"INT","token":"a","min":1,"max":2}]\n', 2, 9, "duplicate token 'a'"),
    ("min > max", 'x = HYPERPARAM{"type":"FLOAT","token":"x","min":2,"max":1}\n', 1, 5, "min 2 > max 1"),
    ("unknown type", 'x = HYPERPARAM{"type":"REAL","token":"x","min":0,"max":1}\n', 1, 5, "unknown type 'REAL'"),
    ("unknown transform", 'x = HYPERPARAM{"type":"INT","token":"x","min":0,"max":1,"transform":"SQRT2"}\n', 1, 5,
     "unknown transform 'SQRT2'"),
    ("unknown key", 'x = HYPERPARAM{"type":"INT","token":"x","min":0,"max":1,"step":2}\n', 1, 5, "unknown key 'step'"),
    ("missing type", 'x = HYPERPARAM{"token":"x","min":0,"max":1}\n', 1, 5, "missing key 'type'"),
    ("missing token", 'x = HYPERPARAM{"type":"INT","min":0,"max":1}\n', 1, 5, "missing key 'token'"),
    ("missing max", 'x = HYPERPARAM{"type":"INT","token":"x","min":0}\n', 1, 5, "missing key 'max'"),
    ("token not identifier", 'x = HYPERPARAM{"type":"INT","token":"2x","min":0,"max":1}\n', 1, 5,
     "not a valid identifier"),
    ("INT with fractional bound", 'x = HYPERPARAM{"type":"INT","token":"x","min":0.5,"max":1}\n', 1, 5,
     "must be an integer"),
    ("empty options", 'x = HYPERPARAM{"type":"ENUM","token":"x","options":[]}\n', 1, 5, "non-empty list"),
    ("duplicate option", 'x = HYPERPARAM{"type":"ENUM","token":"x","options":["a","b","a"]}\n', 1, 5,
     "option 'a' is listed twice"),
    ("options on INT", 'x = HYPERPARAM{"type":"INT","token":"x","min":0,"max":1,"options":[1]}\n', 1, 5,
     "'options' does not apply to a INT token"),
    ("log scale on INT", 'x = HYPERPARAM{"type":"INT","token":"x","min":1,"max":9,"scale":"log"}\n', 1, 5,
     "'scale' does not apply"),
    ("log scale from zero", 'x = HYPERPARAM{"type":"FLOAT","token":"x","min":0,"max":1,"scale":"log"}\n', 1, 5,
     "log scale needs min > 0"),
    ("structural not bool", 'x = HYPERPARAM{"type":"INT","token":"x","min":0,"max":1,"structural":"yes"}\n', 1, 5,
     "'structural' must be true or false"),
    ("transform on ENUM", 'x = HYPERPARAM{"type":"ENUM","token":"x","options":[1],"transform":"X2"}\n', 1, 5,
     "cannot have a transform"),
    ("space before brace", 'x = HYPERPARAM {"type":"INT","token":"x","min":0,"max":1}\n', 1, 5,
     "followed immediately by '{'"),
    ("no tokens", "import keras\nmodel = None\n", 1, 1, "no HYPERPARAM{...} tokens found"),
]


@pytest.mark.parametrize("name, text, line, column, reason", BAD_TEMPLATES, ids=[case[0] for case in BAD_TEMPLATES])
def test_malformed_templates_name_line_column_and_reason(name: str, text: str, line: int, column: int,
                                                         reason: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template_text(text, "exp/net.py")
    error = caught.value
    assert (error.path, error.line, error.column) == ("exp/net.py", line, column)
    assert reason in error.reason
    assert str(error).startswith(f"exp/net.py:{line}:{column}: ")


def test_missing_template_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "keras_model" / "network_def.py"
    with pytest.raises(ConfigError, match=f"{missing}: no such template file"):
        parse_template(missing)


def test_digits_template_renders_into_a_compiled_keras_model(tmp_path: Path) -> None:
    """The shipped template is a real network: render the smallest configuration and build it."""
    import runpy

    template = parse_template(DIGITS)
    raw = {v.name: (v.options[0] if v.type is VariableType.ENUM else v.min) for v in template.space.variables}
    out = render_to_file(template, template.space.network_params(raw), tmp_path / "net.py")
    namespace = runpy.run_path(str(out))
    model = namespace["model"]
    assert model.output_shape == (None, 10) and model.optimizer is not None
    assert namespace["x_train"].shape[1:] == (8, 8, 1) and len(namespace["x_test"]) == len(namespace["y_test"])
    assert model.layers[0].filters == 8 and model.layers[0].kernel_size == (2, 2)


# -- values the tool sets in the rendered file (the run's epochs) ------------------------------

def _final_value(text: str, name: str) -> object:
    namespace: dict[str, object] = {}
    exec(compile(text, "<rendered>", "exec"), namespace)
    return namespace[name]


def test_an_override_replaces_the_files_own_assignment_in_place() -> None:
    template = parse_template_text('units = HYPERPARAM{"type": "INT", "token": "units", "min": 1, "max": 9}\n'
                                   'epochs = 10  # the template\'s choice\nbatch_size = 16\n')
    text = render_template(template, {"units": 4}, overrides={"epochs": 2})
    assert text == "units = 4\nepochs = 2  # the template's choice\nbatch_size = 16\n"


def test_an_override_is_appended_when_the_file_binds_the_name_otherwise_or_not_at_all() -> None:
    from hyperpower.template import state_values

    for source in ("batch_size, epochs = 16, 10\n", "epochs = 10\nepochs += 5\n",
                   "if True:\n    epochs = 10\n", "x = 1"):
        text = state_values(source, {"epochs": 2})
        assert _final_value(text, "epochs") == 2, source
        assert text.rstrip().endswith("epochs = 2  # set by HyperPower")
    # a multi-byte character before the value on the same line and a value spanning lines
    text = state_values('label = "é"; epochs = int(\n    10)\nrest = epochs\n', {"epochs": 3})
    assert text == 'label = "é"; epochs = 3\nrest = epochs\n'


def test_a_default_is_written_only_where_the_file_sets_no_value() -> None:
    template = parse_template_text('units = HYPERPARAM{"type": "INT", "token": "units", "min": 1, "max": 9}\n')
    assert render_template(template, {"units": 4}, defaults={"epochs": 10}) == \
        "units = 4\nepochs = 10  # set by HyperPower\n"
    template = parse_template_text('units = HYPERPARAM{"type": "INT", "token": "units", "min": 1, "max": 9}\n'
                                   'epochs = 7\n')
    assert render_template(template, {"units": 4}, defaults={"epochs": 10}) == "units = 4\nepochs = 7\n"

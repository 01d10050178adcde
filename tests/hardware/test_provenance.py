"""Model provenance: which template a model was fitted on, and whether it still fits it."""

from __future__ import annotations

import pytest

from hyperpower.errors import ConfigError
from hyperpower.hardware.provenance import check_model, template_provenance
from hyperpower.optimize import load_linear_model
from hyperpower.template import parse_template_text

BASE = '''
conv1 = HYPERPARAM{"type": "INT", "token": "conv1", "min": 8, "max": 64, "structural": true}
dense = HYPERPARAM{"type": "INT", "token": "dense", "min": 1, "max": 16, "transform": "X64", "structural": true}
lr = HYPERPARAM{"type": "FLOAT", "token": "lr", "min": 0.001, "max": 0.1, "scale": "log", "structural": false}
'''
NEW_FLAGGED = 'conv2 = HYPERPARAM{"type": "INT", "token": "conv2", "min": 4, "max": 32, "structural": true}\n'
NEW_UNFLAGGED = 'width = HYPERPARAM{"type": "INT", "token": "width", "min": 2, "max": 8}\n'


def _model(text: str = BASE, **extra):
    """A memory model profiled on ``text``'s structural variables (conv1, dense)."""
    template = parse_template_text(text)
    document = {"metric": "memory", "features": ["conv1", "dense"], "coef": [0.1, 0.02], "intercept": 100.0,
                **template_provenance(template.space, ["conv1", "dense"]), **extra}
    return load_linear_model(document)


def _never(names):
    raise AssertionError(f"no build needed, asked to detect {names}")


def _check(model, text: str, detect=_never):
    return check_model(model, parse_template_text(text), detect, "models/memory.json")


def test_the_same_template_matches_and_a_learning_rate_edit_changes_nothing() -> None:
    model = _model()
    assert _check(model, BASE).verdict == "match"
    edited = BASE.replace('"min": 0.001, "max": 0.1', '"min": 0.0001, "max": 0.5')
    assert edited != BASE
    assert template_provenance(parse_template_text(edited).space, ["conv1", "dense"])["template_hash"] == \
        model.extra["template_hash"]
    assert _check(model, edited).verdict == "match"


def test_a_new_flagged_structural_variable_is_a_mismatch_naming_it() -> None:
    check = _check(_model(), BASE + NEW_FLAGGED)
    assert check.verdict == "mismatch" and check.fitted_on == ["conv1", "dense"]
    assert check.reasons == ["new structural variable conv2 (INT 4..32)"]


def test_an_edited_or_removed_structural_variable_is_a_mismatch() -> None:
    wider = BASE.replace('"min": 8, "max": 64', '"min": 8, "max": 128')
    assert _check(_model(), wider).reasons == ["structural variable conv1 changed from INT 8..64 to INT 8..128"]
    without_dense = "\n".join(line for line in BASE.splitlines() if not line.startswith("dense"))
    assert _check(_model(), without_dense).reasons == ["structural variable dense is no longer in the template"]
    retransformed = BASE.replace('"transform": "X64"', '"transform": "X32"')
    assert "dense changed from INT 1..16 X64 to INT 1..16 X32" in _check(_model(), retransformed).reason_text


def test_an_unflagged_new_variable_is_detected_once_and_counts_only_when_structural() -> None:
    asked = []

    def detect(structural: bool):
        def answer(names):
            asked.append(list(names))
            return {name: structural for name in names}
        return answer

    assert _check(_model(), BASE + NEW_UNFLAGGED, detect(True)).reasons == ["new structural variable width (INT 2..8)"]
    assert _check(_model(), BASE + NEW_UNFLAGGED, detect(False)).verdict == "match"
    assert asked == [["width"], ["width"]]


def test_a_model_without_provenance_is_unknown_unless_it_ignores_a_structural_variable() -> None:
    plain = load_linear_model({"metric": "memory", "features": ["conv1", "dense"], "coef": [0.1, 0.02]})
    assert _check(plain, BASE).verdict == "unknown"
    check = _check(plain, BASE + NEW_FLAGGED)
    assert check.verdict == "mismatch"
    assert check.reasons[0].startswith("structural variable conv2 (INT 4..32) is not among its features (conv1, dense")
    with_zero = load_linear_model({"metric": "memory", "features": ["conv1", "dense", "conv2"], "coef": [0.1, 0.02, 0]})
    assert _check(with_zero, BASE + NEW_FLAGGED).verdict == "unknown"
    # issue 12 point 4: an ENUM of layer types enters a model as one-hot features, so a model that
    # lists none of them ignores it (it used to be exempt, as no linear model could use it)
    layer = 'kind = HYPERPARAM{"type": "ENUM", "token": "kind", "options": ["dense", "conv"], "structural": true}\n'
    assert "structural variable kind (ENUM [dense, conv]) is not among" in _check(plain, BASE + layer).reason_text
    one_hot = load_linear_model({"metric": "memory", "features": ["conv1", "dense", "kind=conv*dense"],
                                 "coef": [0.1, 0.02, 0.5]})
    assert _check(one_hot, BASE + layer).verdict == "unknown", "kind is used, as a factor of a product"
    kernel = 'kernel = HYPERPARAM{"type": "ENUM", "token": "kernel", "options": [3, 5], "structural": true}\n'
    assert "structural variable kernel (ENUM [3, 5]) is not among" in _check(plain, BASE + kernel).reason_text


def test_a_malformed_provenance_field_names_the_file() -> None:
    with pytest.raises(ConfigError, match="models/memory.json: 'structural' must map variable names"):
        _check(_model(structural=["conv1", "dense"]), BASE)

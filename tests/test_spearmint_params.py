"""Spearmint's params under numpy 2 (issue 22.1): 1-element arrays that also act as numbers."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from hyperpower.space import SearchSpace, Variable
from hyperpower.spearmint_params import SpearmintArray, spearmint_params


def test_numpy_2_refuses_what_spearmint_examples_do_with_a_plain_array() -> None:
    """The reason for the subclass: if numpy ever accepts these again, this test says so."""
    plain = np.array([1.5])
    with pytest.raises(TypeError, match="only 0-dimensional arrays"):
        float(plain)
    with pytest.raises(TypeError):
        "%f" % plain


def test_one_value_converts_and_formats_as_that_value() -> None:
    x, y = SpearmintArray([1.5]), SpearmintArray([2.25])
    assert float(x) == 1.5 and isinstance(float(x), float)
    assert "Evaluating at (%f, %f)" % (x, y) == "Evaluating at (1.500000, 2.250000)"
    assert f"{x:.2f} {y:g}" == "1.50 2.25" and "{:e}".format(x) == "1.500000e+00"
    assert math.cos(x) == pytest.approx(math.cos(1.5)) and complex(x) == 1.5 + 0j
    assert int(SpearmintArray([3.0])) == 3 and "%d" % SpearmintArray([7]) == "7"
    assert list(range(SpearmintArray([3], dtype=int))) == [0, 1, 2]


def test_arithmetic_and_ufuncs_keep_the_convention() -> None:
    """Spearmint's Branin: float(np.square(y - c * np.square(x) + ...) + 10 * np.cos(x) + 10)."""
    x, y = SpearmintArray([np.pi]), SpearmintArray([2.275])
    result = np.square(y - 5.1 / (4 * np.square(math.pi)) * np.square(x) + 5 / math.pi * x - 6) \
        + 10 * (1 - 1 / (8 * math.pi)) * np.cos(x) + 10
    assert isinstance(result, SpearmintArray) and result.shape == (1,)
    assert float(result) == pytest.approx(0.397887, abs=1e-6)
    assert float(y - x) == pytest.approx(2.275 - np.pi) and bool(x > 3) and not (x < 0 or x > 5.0)


def test_it_stays_an_array_as_spearmint_passed_it() -> None:
    x = SpearmintArray([0.5])
    assert x[0] == 0.5 and len(x) == 1 and x.shape == (1,) and isinstance(x, np.ndarray)
    assert repr(x) == "array([0.5])" and str(x) == "[0.5]" and f"{x}" == "[0.5]"
    assert str({"x": x}) == "{'x': array([0.5])}"  # `print(params)` as Spearmint's users saw it
    assert pickle.loads(pickle.dumps(x))[0] == 0.5


def test_several_values_refuse_conversion_exactly_as_numpy_does() -> None:
    pair = SpearmintArray([1.0, 2.0])
    for convert in (float, int, complex):
        with pytest.raises(TypeError, match="only 0-dimensional arrays"):
            convert(pair)
    with pytest.raises(TypeError):
        "%f" % pair
    assert float(pair.sum()) == 3.0 and f"{pair}" == "[1. 2.]"


def test_params_are_typed_as_spearmint_typed_them() -> None:
    space = SearchSpace([Variable("lr", "FLOAT", 0.0, 1.0), Variable("units", "INT", 1, 8),
                         Variable("act", "ENUM", options=("relu", "tanh")), Variable("w", "FLOAT", 0.0, 1.0, size=2)])
    params = spearmint_params(space, {"lr": 0.25, "units": 4, "act": "tanh", "w": [0.1, 0.2]})
    assert all(isinstance(value, SpearmintArray) for value in params.values())
    assert params["lr"].dtype == float and params["units"].dtype.kind == "i" and params["act"][0] == "tanh"
    assert float(params["lr"]) == 0.25 and list(range(params["units"])) == [0, 1, 2, 3]
    assert params["w"].tolist() == [0.1, 0.2]

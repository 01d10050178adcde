"""Params as Spearmint passes them to a main-file, kept working under numpy 2.

Spearmint calls ``main(job_id, params)`` with each variable as a numpy array of its ``size``
values, and its own examples treat a 1-element array as a number: ``float(params['x'])``,
``'%f' % (x, y)``, ``float(np.square(y - x) + 10)``, ``math.cos(x)``. numpy 1 allowed that;
numpy 2 refuses it ("only 0-dimensional arrays can be converted to Python scalars"), so every
such job breaks, or, in a main-file that catches the exception and returns NaN (Spearmint's
constrained example), silently becomes an invalid result.

``SpearmintArray`` is an ``ndarray`` subclass that keeps Spearmint's convention (indexing,
``params['x'][0]``, ``len``, shapes and printing are those of the array) and adds what numpy 1
gave a 1-element array: conversion to a Python ``float``/``int``/``complex``, use as an index
(integer arrays), and ``format``/f-string specs. Results of arithmetic and ufuncs on it stay
``SpearmintArray`` (numpy keeps the subclass), so ``float(np.square(x) + 1)`` works too. Arrays
of several values convert exactly as numpy's do (they refuse), as Spearmint's always did.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hyperpower.space import SearchSpace, VariableType


class SpearmintArray(np.ndarray):
    """A Spearmint parameter value: an array that, holding one value, also acts as that value."""

    def __new__(cls, values: Any, dtype: Any = None) -> "SpearmintArray":
        return np.asarray(values, dtype=dtype).view(cls)

    def _single(self) -> Any:
        """The one value as a numpy scalar, or None when the array holds several (or none)."""
        return self.reshape(-1)[0].item() if self.size == 1 else None

    def __float__(self) -> float:
        if self.size == 1:
            return float(self._single())
        return np.ndarray.__float__(self)

    def __int__(self) -> int:
        if self.size == 1:
            return int(self._single())
        return np.ndarray.__int__(self)

    def __complex__(self) -> complex:
        if self.size == 1:
            return complex(self._single())
        return np.ndarray.__complex__(self)

    def __index__(self) -> int:
        """``range(params['n'])`` for an INT variable, as numpy 1 allowed for one integer."""
        if self.size == 1 and np.issubdtype(self.dtype, np.integer):
            return int(self._single())
        return np.ndarray.__index__(self)

    def __format__(self, spec: str) -> str:
        """``f'{x:.3f}'`` formats the one value; an empty spec prints the array as numpy does."""
        if spec and self.size == 1:
            return format(self._single(), spec)
        return np.ndarray.__format__(self.view(np.ndarray), spec)

    def __repr__(self) -> str:
        """``array([0.5])``, as ``print(params)`` showed it under Spearmint."""
        return repr(self.view(np.ndarray))


def spearmint_params(space: SearchSpace, raw_params: dict[str, Any]) -> dict[str, SpearmintArray]:
    """name -> ``SpearmintArray`` of the variable's ``size`` values, typed as Spearmint typed
    them (float for FLOAT, int for INT, the options' strings for ENUM)."""
    params = {}
    for variable in space.variables:
        value = raw_params[variable.name]
        values = value if isinstance(value, list) else [value]
        dtype = {VariableType.FLOAT: float, VariableType.INT: int}.get(variable.type)
        params[variable.name] = SpearmintArray(values, dtype=dtype)
    return params

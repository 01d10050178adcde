"""Which variables are structural: they change the network's architecture, hence power/memory.

A template may say so (``"structural": true/false``). Where it does not, the variable is
detected by building the network (no training) with that variable at its minimum and at its
maximum, every other variable at the midpoint of its range, and comparing the architectures:
layer types, weight shapes and output shapes. A learning rate leaves them unchanged; a layer
width or kernel size does not. Detection is needed only by profiling and aware runs, never by
``generate`` (design §3).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from hyperpower.space import SearchSpace, Variable, VariableType

if TYPE_CHECKING:  # pragma: no cover
    from hyperpower.template import Template

#: builds a network for network_params and returns a hashable description of its architecture
SignatureFunction = Callable[[dict[str, Any]], tuple]


def midpoint_params(space: SearchSpace) -> dict[str, Any]:
    """Raw values at the middle of every variable's range (ENUM: its first option)."""
    return space.from_unit(np.full(space.dim, 0.5))


def extreme_raw_value(variable: Variable, high: bool) -> Any:
    """A variable's raw value at the low or high end of its range (ENUM: first/last option)."""
    if variable.type is VariableType.ENUM:
        option = variable.options[-1] if high else variable.options[0]
        return [option] * variable.size if variable.size > 1 else option
    return variable.from_unit(np.full(variable.unit_dims, 1.0 if high else 0.0))


def architecture_signature(model: Any) -> tuple:
    """(layer type, weight shapes, output shape, activation) per layer: equal iff the architecture
    is. The activation a layer applies (``Dense(..., activation=act)``) counts: it changes no
    shape, but it is work every inference does (tanh costs more than relu), so an unflagged ENUM
    of activations is structural and ``profile`` prices it with one-hot features."""
    from hyperpower.hardware.features import _leaf_layers_with_shapes

    return tuple(
        (type(layer).__name__, tuple(tuple(w.shape) for w in layer.weights), tuple(output_shape or ()),
         _activation_name(layer))
        for layer, _, output_shape in _leaf_layers_with_shapes(model)
    )


def _activation_name(layer: Any) -> str:
    """The name of the activation function a layer applies ("" for none or the identity)."""
    function = getattr(layer, "activation", None)
    name = getattr(function, "__name__", "") if callable(function) else str(function or "")
    return "" if name == "linear" else name


def keras_signature_function(template: "Template", workdir: str | Path | None = None) -> SignatureFunction:
    """Render + build the template's network in this process and return its signature."""
    folder = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="hyperpower-structure-"))

    def signature(network_params: dict[str, Any]) -> tuple:
        import keras

        from hyperpower.network import build_network

        definition = build_network(template, network_params, folder / "network.py")
        try:
            return architecture_signature(definition.model)
        finally:
            del definition
            keras.backend.clear_session()

    return signature


def detect_structural(space: SearchSpace, signature: SignatureFunction,
                      names: Sequence[str] | None = None) -> dict[str, bool]:
    """name -> structural? for every variable (or those ``names``): its flag when set, else
    detected (two builds each)."""
    base_raw = midpoint_params(space)
    result: dict[str, bool] = {}
    for variable in space.variables if names is None else [space[name] for name in names]:
        if variable.structural is not None:
            result[variable.name] = bool(variable.structural)
            continue
        low = extreme_raw_value(variable, high=False)
        high = extreme_raw_value(variable, high=True)
        if low == high:
            result[variable.name] = False
            continue
        signatures = [signature(space.network_params({**base_raw, variable.name: value})) for value in (low, high)]
        result[variable.name] = signatures[0] != signatures[1]
    return result


def structural_variables(template: "Template", signature: SignatureFunction | None = None) -> list[str]:
    """Names of the structural variables of a template, in template order."""
    space = template.space
    if all(v.structural is not None for v in space.variables):
        return space.structural_names()
    flags = detect_structural(space, signature or keras_signature_function(template))
    return [name for name in space.names if flags[name]]

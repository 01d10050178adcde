"""Features computed from a built network, for hardware models beyond the paper's eq. 1-2.

The paper regresses power and memory on the structural hyper-parameters themselves. What the
hardware actually sees is the network they produce: how many weights it stores, how many
multiply-accumulates one image costs, how many activation values it writes. Those are computed
here from a built Keras model, per image (batch dimension dropped):

* ``parameters``: all weights (trainable or not);
* ``macs``: multiply-accumulates of layers with kernels: for each kernel-like weight (``kernel``,
  ``depthwise_kernel``, ``pointwise_kernel``, ``recurrent_kernel``), its size times the number
  of output positions (transposed convolutions: input positions; recurrent layers: time steps).
  Element-wise layers (activations, pooling, normalization) cost no MACs here;
* ``activations``: output values summed over layers (what inference writes to memory);
* ``peak_activation``: the largest input+output pair of one layer (what must coexist).

``feature_function_for(template)`` gives the optimizer a ``network_params -> features`` function
that renders and builds the network (no training) and caches the result by structural values.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from hyperpower.space import SearchSpace
    from hyperpower.template import Template

#: the network features a "network" model regresses on
NETWORK_FEATURES: tuple[str, ...] = ("parameters", "macs", "activations")
_KERNEL_WEIGHTS = ("kernel", "depthwise_kernel", "pointwise_kernel", "recurrent_kernel")


def network_features(model: Any) -> dict[str, float]:
    """{parameters, macs, activations, peak_activation, layers} of a built Keras model."""
    totals = {"parameters": float(model.count_params()), "macs": 0.0, "activations": 0.0,
              "peak_activation": 0.0, "layers": 0.0}
    for layer, input_shape, output_shape in _leaf_layers_with_shapes(model):
        input_size, output_size = _size(input_shape), _size(output_shape)
        totals["macs"] += _layer_macs(layer, input_shape, output_shape)
        totals["activations"] += output_size
        totals["peak_activation"] = max(totals["peak_activation"], input_size + output_size)
        totals["layers"] += 1
    return totals


def _leaf_layers_with_shapes(model: Any) -> list[tuple[Any, tuple, tuple]]:
    """(layer, input shape, output shape) of every non-container layer, nested models unrolled."""
    leaves = []
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == "InputLayer":
            continue
        if getattr(layer, "layers", None):
            leaves.extend(_leaf_layers_with_shapes(layer))
            continue
        leaves.append((layer, _shape(layer, "input"), _shape(layer, "output")))
    if leaves and any(shape is None for _, shape, _ in leaves):
        return _propagate_shapes(model, [layer for layer, _, _ in leaves])
    return leaves


def _shape(layer: Any, which: str) -> tuple | None:
    """A layer's symbolic input/output shape; None when the model was not built symbolically."""
    try:
        tensor = getattr(layer, which)
    except (AttributeError, ValueError):
        return None
    if isinstance(tensor, (list, tuple)):
        tensor = tensor[0] if tensor else None
    return tuple(tensor.shape) if tensor is not None else None


def _propagate_shapes(model: Any, layers: list[Any]) -> list[tuple[Any, tuple, tuple]]:
    """For a Sequential built with ``build(shape)``: chain ``compute_output_shape``."""
    shape = tuple(getattr(model, "input_shape", ()) or ())
    if not shape:
        raise ValueError("network_features needs a built model (give it a keras.Input or call build())")
    result = []
    for layer in layers:
        output = tuple(layer.compute_output_shape(shape))
        result.append((layer, shape, output))
        shape = output
    return result


def _size(shape: tuple | None) -> float:
    """Values per image of a shape (batch dimension dropped, unknown dimensions as 1)."""
    if not shape:
        return 0.0
    return float(math.prod(int(d) if d is not None else 1 for d in shape[1:]))


def _layer_macs(layer: Any, input_shape: tuple, output_shape: tuple) -> float:
    kernels = [w for w in layer.weights if w.path.split("/")[-1] in _KERNEL_WEIGHTS]
    if not kernels:
        return 0.0
    name = type(layer).__name__
    if "Transpose" in name:
        positions = _size(input_shape[:-1] + (1,))
    elif name in ("LSTM", "GRU", "SimpleRNN") or hasattr(layer, "cell"):
        positions = float(input_shape[1] or 1) if len(input_shape) > 2 else 1.0
    else:
        positions = _size(output_shape[:-1] + (1,))
    return positions * float(sum(math.prod(w.shape) for w in kernels))


def feature_function_for(template: "Template", structural: list[str] | None = None,
                         workdir: str | Path | None = None) -> Callable[[dict[str, Any]], dict[str, float]]:
    """A ``network_params -> network_features`` function for a template (the optimizer's
    LinearModel ``feature_function`` for models with ``feature_set: "network"``).

    Each call renders and builds the network without training (about 0.1-1 s on a CPU,
    dominated by running the user's file, data loading included), so results are cached by the
    values of the ``structural`` variables. By default that is every variable the template does
    not flag ``"structural": false``: a variable without a flag may change the architecture
    (profiling detects it by building), so leaving it out of the key would hand two different
    networks the same features. Networks that differ only in a flagged-false variable (a learning
    rate) share one build.
    """
    names = structural if structural is not None else cache_key_variables(template.space)
    cache: dict[tuple, dict[str, float]] = {}
    folder = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="hyperpower-features-"))

    def features(network_params: dict[str, Any]) -> dict[str, float]:
        key = tuple(_hashable(network_params[name]) for name in names)
        if key not in cache:
            cache[key] = _build_and_measure_features(template, network_params, folder / "network.py")
        return dict(cache[key])

    features.cache = cache  # type: ignore[attr-defined] - exposed for tests and cost reports
    return features


def cache_key_variables(space: "SearchSpace") -> list[str]:
    """Variables that may change the built network: all but those flagged ``structural: false``."""
    return [variable.name for variable in space.variables if variable.structural is not False]


def _build_and_measure_features(template: "Template", network_params: dict[str, Any], out_path: Path) -> dict[str, float]:
    import keras

    from hyperpower.network import build_network

    definition = build_network(template, network_params, out_path)
    try:
        return network_features(definition.model)
    finally:
        del definition
        keras.backend.clear_session()


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value

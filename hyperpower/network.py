"""A rendered network file, executed and checked: the model and data one job trains.

The user's template, once its ``HYPERPARAM{...}`` tokens are replaced, is an ordinary Python file
(design §3). It must define ``model`` (a compiled Keras model) and the four arrays ``x_train,
y_train, x_test, y_test``; it may define ``batch_size`` (default 32), ``epochs``, and a validation
split ``x_val, y_val`` (both or neither; see ``hyperpower.splits``). This module
runs that file in a fresh namespace and turns what it defined into a ``NetworkDefinition``, so the
objective never has to know how a particular network file is written.

Exceptions raised by the user's own code propagate unchanged: the job is then marked broken with
the user's traceback, which points at the line of their file. Only a file that runs but defines
the wrong things raises ``NetworkDefinitionError``, naming the file and what is missing.
"""

from __future__ import annotations

import dataclasses
import runpy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hyperpower.errors import HyperPowerError

if TYPE_CHECKING:  # pragma: no cover - imported for type hints only
    from hyperpower.template import Template

DEFAULT_BATCH_SIZE = 32
REQUIRED_ARRAYS = ("x_train", "y_train", "x_test", "y_test")
OPTIONAL_ARRAYS = ("x_val", "y_val")
#: run_name given to the executed file, so a ``if __name__ == "__main__":`` block in it is skipped
RUN_NAME = "__hyperpower_network__"


class NetworkDefinitionError(HyperPowerError):
    """A rendered network file ran but does not define what HyperPower needs (design §3)."""


@dataclasses.dataclass
class NetworkDefinition:
    """What one rendered network file defines.

    model: a compiled ``keras.Model``.
    x_train, y_train: training inputs ``(n_train, ...)`` and labels ``(n_train,)`` integer classes
        or ``(n_train, classes)`` one-hot.
    x_test, y_test: the same for the test split, which gives each job's test error.
    x_val, y_val: the file's own validation split, None when it defines none (one is then carved
        from the training data, see ``hyperpower.splits``).
    batch_size: used for training and for inference measurement.
    epochs: the file's own choice, None when it does not say (config or default decides).
    namespace: everything the file defined, for callers that need more (e.g. a custom metric).
    path: the rendered file, for messages.
    """

    model: Any
    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    batch_size: int = DEFAULT_BATCH_SIZE
    epochs: int | None = None
    x_val: Any = None
    y_val: Any = None
    namespace: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)
    path: Path | None = None

    @property
    def output_units(self) -> int:
        """Width of the model's (first) output: the number of classes, or 1 for a binary head."""
        shape = self.model.outputs[0].shape
        return int(shape[-1]) if len(shape) > 1 and shape[-1] is not None else 1

    @property
    def num_classes(self) -> int:
        """Classes the model tells apart; a single sigmoid unit counts as two."""
        return max(self.output_units, 2)


def load_network(rendered_path: str | Path) -> NetworkDefinition:
    """Execute a rendered network file in a fresh namespace and validate what it defines.

    Raises NetworkDefinitionError (naming the file and the missing or wrong name) when the file
    runs but lacks ``model`` or an array, when ``model`` is not a compiled Keras model, or when
    ``batch_size``/``epochs`` are not positive integers. Exceptions from the file itself propagate.
    """
    path = Path(rendered_path)
    if not path.is_file():
        raise NetworkDefinitionError(f"network file {path} does not exist")
    namespace = runpy.run_path(str(path), run_name=RUN_NAME)
    model = _checked_model(path, namespace)
    arrays = {name: _checked_array(path, namespace, name) for name in REQUIRED_ARRAYS}
    _check_same_length(path, arrays, "x_train", "y_train")
    _check_same_length(path, arrays, "x_test", "y_test")
    arrays.update(_optional_validation(path, namespace))
    batch_size = _positive_int(path, namespace, "batch_size", DEFAULT_BATCH_SIZE)
    epochs = _positive_int(path, namespace, "epochs", None)
    return NetworkDefinition(model=model, batch_size=batch_size, epochs=epochs, namespace=namespace,
                             path=path, **arrays)


def build_network(template: "Template", network_params: dict[str, Any], out_path: str | Path,
                  overrides: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None) -> NetworkDefinition:
    """Render ``template`` with ``network_params`` (values after transforms) to ``out_path`` and load it.

    The rendered file is kept (``EXP/output/job_NNNNN_network.py``) so a user can rerun or read
    exactly what a job trained: ``overrides`` (e.g. the run's ``epochs``) replace the file's own
    top-level assignments, ``defaults`` are written when the file assigns no such name
    (``template.render_template``).
    """
    from hyperpower.template import render_to_file

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    rendered = render_to_file(template, network_params, out_path, overrides=overrides, defaults=defaults)
    return load_network(rendered)


def _checked_model(path: Path, namespace: dict[str, Any]) -> Any:
    if "model" not in namespace:
        raise NetworkDefinitionError(
            f"{path} defines no 'model': the network file must assign a compiled Keras model to "
            f"a top-level variable named 'model'"
        )
    import keras

    model = namespace["model"]
    if not isinstance(model, keras.Model):
        raise NetworkDefinitionError(
            f"{path}: 'model' is a {type(model).__name__}, not a keras.Model (build it with "
            f"keras.Sequential or the functional API)"
        )
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise NetworkDefinitionError(
            f"{path}: 'model' is not compiled; call model.compile(optimizer=..., loss=..., "
            f"metrics=['accuracy']) in the network file"
        )
    if not model.outputs:
        raise NetworkDefinitionError(f"{path}: 'model' has no outputs; give it an input shape so it is built")
    return model


def _checked_array(path: Path, namespace: dict[str, Any], name: str) -> Any:
    if name not in namespace:
        raise NetworkDefinitionError(
            f"{path} defines no '{name}': the network file must define x_train, y_train, x_test "
            f"and y_test (arrays of samples)"
        )
    value = namespace[name]
    try:
        length = len(value)
    except TypeError:
        raise NetworkDefinitionError(f"{path}: '{name}' is a {type(value).__name__}, not an array of samples") from None
    if length == 0:
        raise NetworkDefinitionError(f"{path}: '{name}' is empty")
    return value


def _optional_validation(path: Path, namespace: dict[str, Any]) -> dict[str, Any]:
    """``x_val, y_val`` when the file defines both, {} when neither; one alone is a mistake."""
    present = [name for name in OPTIONAL_ARRAYS if namespace.get(name) is not None]
    if not present:
        return {}
    if len(present) == 1:
        missing = next(name for name in OPTIONAL_ARRAYS if name not in present)
        raise NetworkDefinitionError(f"{path} defines '{present[0]}' but no '{missing}': a validation split "
                                     f"needs both x_val and y_val (or neither, to carve one from x_train)")
    arrays = {name: _checked_array(path, namespace, name) for name in OPTIONAL_ARRAYS}
    _check_same_length(path, arrays, "x_val", "y_val")
    return arrays


def _check_same_length(path: Path, arrays: dict[str, Any], inputs: str, labels: str) -> None:
    if len(arrays[inputs]) != len(arrays[labels]):
        raise NetworkDefinitionError(
            f"{path}: '{inputs}' has {len(arrays[inputs])} samples but '{labels}' has {len(arrays[labels])}"
        )


def _positive_int(path: Path, namespace: dict[str, Any], name: str, default: int | None) -> int | None:
    if name not in namespace or namespace[name] is None:
        return default
    value = namespace[name]
    if not _is_integral(value) or int(value) < 1:
        raise NetworkDefinitionError(f"{path}: '{name}' must be a positive integer, got {value!r}")
    return int(value)


def _is_integral(value: Any) -> bool:
    """True for ints, numpy integers and floats such as 64.0 that a transform may produce."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return float(value) == int(value)
    except (ValueError, OverflowError):
        return False

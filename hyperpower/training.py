"""Training one network: early termination (paper §3, design §6), progress logging, test error.

Early termination is what lets the hardware-aware methods spend their time on promising
configurations: a training whose validation accuracy after a few epochs is no better than a
little above chance, or whose loss has become NaN/inf, is stopped. The job is still COMPLETE,
flagged ``early_terminated``, with the error it reached, so the optimizer learns that this region
is bad instead of losing the point as a broken job.

Everything here uses ``keras.*`` APIs and numpy only, so it runs with KERAS_BACKEND tensorflow,
jax or torch. Keras is imported inside the functions that need it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Mapping, TextIO

import numpy as np

DEFAULT_TERMINATION_EPOCHS = 2
CHANCE_MULTIPLIER = 1.5
_VALIDATION_ACCURACY_KEYS = ("val_accuracy", "val_acc", "val_sparse_categorical_accuracy",
                             "val_categorical_accuracy", "val_binary_accuracy")


@dataclasses.dataclass(frozen=True)
class EarlyTerminationRule:
    """When to give up on a training.

    epochs: the accuracy check starts after this many epochs (and repeats after each later one).
    min_accuracy: a validation accuracy at or below this stops the training.
    """

    epochs: int = DEFAULT_TERMINATION_EPOCHS
    min_accuracy: float = 0.15

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None, num_classes: int) -> "EarlyTerminationRule":
        """From config's ``early_termination`` ({epochs, min_accuracy}); a missing or null
        min_accuracy means 1.5 x chance, chance being 1 / num_classes."""
        settings = dict(settings or {})
        epochs = settings.get("epochs")
        min_accuracy = settings.get("min_accuracy")
        if min_accuracy is None:
            min_accuracy = CHANCE_MULTIPLIER / max(num_classes, 2)
        return cls(epochs=int(epochs) if epochs is not None else DEFAULT_TERMINATION_EPOCHS,
                   min_accuracy=float(min_accuracy))


@dataclasses.dataclass
class TrainingOutcome:
    """What happened during ``fit``.

    epochs_run: epochs that finished.
    early_terminated: the termination callback stopped the training.
    reason: why it stopped early (None when it ran to the end).
    final_loss: the last training loss seen (NaN/inf when it diverged).
    """

    epochs_run: int
    early_terminated: bool = False
    reason: str | None = None
    final_loss: float | None = None

    @property
    def diverged(self) -> bool:
        """The last epoch's mean training loss is NaN/inf (Keras averages over batches, so one
        non-finite batch makes the epoch's loss non-finite)."""
        return self.final_loss is not None and not math.isfinite(self.final_loss)


def make_early_termination_callback(rule: EarlyTerminationRule, validation: tuple[Any, Any] | None = None,
                                    batch_size: int = 32) -> Any:
    """A ``keras.callbacks.Callback`` applying ``rule``; its ``.reason`` says why it stopped.

    validation: (x, y) used to compute the accuracy when the model's logs have no validation
        accuracy (a model compiled without an accuracy metric).
    """
    import keras

    class EarlyTermination(keras.callbacks.Callback):
        """Stops on a non-finite batch loss at once, and on low validation accuracy after
        ``rule.epochs`` epochs."""

        def __init__(self) -> None:
            super().__init__()
            self.rule, self.validation, self.batch_size = rule, validation, batch_size
            self.reason: str | None = None
            self.epoch = 0

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.epoch = epoch

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(float(loss)):
                self._stop(f"training loss became {float(loss)} in epoch {self.epoch + 1}, batch {batch + 1}")

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if self.reason is not None or epoch + 1 < self.rule.epochs or self._last_epoch(epoch):
                return
            accuracy = self._validation_accuracy(logs or {})
            if accuracy is not None and not accuracy > self.rule.min_accuracy:
                self._stop(f"validation accuracy {accuracy:.4f} <= {self.rule.min_accuracy:.4f} "
                           f"after {epoch + 1} epochs")

        def _last_epoch(self, epoch: int) -> bool:
            """Stopping after the last epoch saves nothing, so such a job is not flagged."""
            planned = (self.params or {}).get("epochs")
            return planned is not None and epoch + 1 >= planned

        def _validation_accuracy(self, logs: dict) -> float | None:
            for key in _VALIDATION_ACCURACY_KEYS:
                if key in logs:
                    return float(logs[key])
            if self.validation is None:
                return None
            return accuracy_of(self.model, *self.validation, batch_size=self.batch_size)

        def _stop(self, reason: str) -> None:
            self.reason = reason
            self.model.stop_training = True

    return EarlyTermination()


def make_progress_logger(log: TextIO, total_epochs: int) -> Any:
    """A callback writing one line per epoch to ``log`` (loss, metrics, seconds), flushed so the
    job log shows progress while the job runs."""
    import keras

    class ProgressLogger(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.started = time.monotonic()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            metrics = " ".join(f"{key}={float(value):.4g}" for key, value in sorted((logs or {}).items())
                               if _is_number(value))
            log.write(f"epoch {epoch + 1}/{total_epochs}: {metrics} ({time.monotonic() - self.started:.1f} s)\n")
            log.flush()

    return ProgressLogger()


def train(model: Any, x_train: Any, y_train: Any, validation: tuple[Any, Any], epochs: int, batch_size: int,
          log: TextIO, rule: EarlyTerminationRule | None = None, initial_epoch: int = 0) -> TrainingOutcome:
    """Fit ``model`` up to epoch ``epochs`` with validation on ``validation``; with a ``rule``
    (aware mode), stop early by it. Returns what happened; never raises for a diverged loss.

    ``initial_epoch``: epochs the model has already trained (a promotion continuing its parent's
    checkpoint): only ``epochs - initial_epoch`` run, numbered as in one continuous training, so
    the early-termination rule's epoch count is the network's, not this job's."""
    callbacks = [make_progress_logger(log, epochs)]
    termination = None
    if rule is not None:
        termination = make_early_termination_callback(rule, validation, batch_size)
        callbacks.append(termination)
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_data=validation,
                        callbacks=callbacks, verbose=0, initial_epoch=initial_epoch)
    losses = history.history.get("loss") or []
    reason = termination.reason if termination is not None else None
    final_loss = float(losses[-1]) if losses else None
    if reason is not None:
        log.write(f"early termination: {reason}\n")
        log.flush()
    return TrainingOutcome(epochs_run=len(losses), early_terminated=reason is not None, reason=reason,
                           final_loss=final_loss)


def accuracy_of(model: Any, x: Any, y: Any, batch_size: int = 32) -> float:
    """Fraction of samples of ``x`` whose predicted class equals the label in ``y``.

    y: (n,) or (n, 1) integer classes, or (n, classes) one-hot. A prediction with a non-finite
    value counts as wrong, so a diverged network gets accuracy 0 rather than NaN, and the error
    reported for it is a finite number in [0, 1].
    """
    predictions = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    return float(np.mean(_predicted_classes(predictions) == _label_classes(y, predictions.shape)))


def _predicted_classes(predictions: np.ndarray) -> np.ndarray:
    """(n, classes) scores -> (n,) classes; a single column is a sigmoid, thresholded at 0.5;
    rows with NaN/inf get class -1 (never equal to a label)."""
    scores = predictions.reshape(len(predictions), -1)
    if scores.shape[1] == 1:
        classes = (scores[:, 0] > 0.5).astype(int)
    else:
        classes = np.argmax(np.nan_to_num(scores, nan=-np.inf), axis=1)
    classes[~np.all(np.isfinite(scores), axis=1)] = -1
    return classes


def _label_classes(y: Any, prediction_shape: tuple[int, ...]) -> np.ndarray:
    labels = np.asarray(y)
    width = int(np.prod(prediction_shape[1:])) if len(prediction_shape) > 1 else 1
    if labels.ndim > 1 and labels.shape[-1] == width and width > 1:
        return np.argmax(labels.reshape(len(labels), -1), axis=1)
    return labels.reshape(len(labels)).astype(int)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True

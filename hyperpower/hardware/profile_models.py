"""From profiling samples to model files: one fit per metric and feature set, one rule picks.

Three feature sets are fitted on the same samples with the same cross-validation folds:

* ``hyperparameters`` (the paper's eq. 1-2): the structural variables' network values
  (after transforms); an element of a size-k variable is ``name[i]``; least squares. A variable
  whose values are not numbers (an ENUM of activations, of a NAS cell's operations) enters as
  one-hot indicators ``name=option`` with ONE LEVEL DROPPED as the baseline: the first option
  (in the template's order) that the samples contain. The intercept then is the baseline's cost
  and each coefficient the extra cost of choosing that option instead, which is what an additive
  cost over categorical choices is; with every level kept the columns would sum to the
  intercept's and least squares would have no unique answer. An option no sample chose gets no
  column (it is predicted as the baseline) and ``unsampled_options`` names it;
* ``pairwise``: those columns plus every product of two of them (``a*b``, squares included),
  since parameter counts and multiply-accumulates are products of adjacent layer sizes; ridge
  with a leave-one-out penalty (``regression.ridge_loo``) so 40 samples suffice, and still one
  dot product per candidate. Products of two indicators of the same ENUM element are left out
  (an indicator's square is itself, two options of one choice never co-occur);
* ``network``: features of the built network (``features.NETWORK_FEATURES``).

``regression.choose_fit`` is the one rule: cheapest set first, a costlier one only when its CV
RMSPE is a fifth lower and its CV R² at least 0.5. Under ``--features auto`` "network" is a
candidate only when the space has few distinct networks (``MAX_NETWORK_BUILDS``): a
network-feature prediction needs the network built (~0.2-0.4 s on a CPU, cached per structure),
and the optimizer scores ~2,500 candidates per suggestion, so on a space of 20,000 structures
(digits) every suggestion would take minutes. The model file records which was used and every
set's RMSPE.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hyperpower.hardware.features import NETWORK_FEATURES
from hyperpower.hardware.regression import LinearFit, choose_fit, fit_linear_model, least_squares, ridge_loo
from hyperpower.optimize.constraints import _option_text, feature_value
from hyperpower.space import SearchSpace, VariableType

FEATURE_SETS = ("hyperparameters", "pairwise", "network")
#: "auto" uses network features only on spaces with at most this many distinct structures
MAX_NETWORK_BUILDS = 1000


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def hyperparameter_columns(samples: Sequence[dict[str, Any]], structural: Sequence[str],
                           space: SearchSpace | None = None) -> tuple[list[str], list[str]]:
    """(feature names, skipped variable names): numeric structural values become features
    (``name`` or ``name[i]``); a variable with non-numeric values becomes one-hot indicators
    ``name=option`` (``name[i]=option`` per element) with its baseline option dropped (see the
    module docstring). Skipped: a variable whose options cannot be named in a feature (an option
    text holding ``*`` or ``=``, which the feature syntax uses)."""
    names, skipped = [], []
    for name in structural:
        elements = _element_values(samples, name)
        if not _categorical(elements):
            names.extend(elements)
            continue
        options = _option_order(space, name, [v for values in elements.values() for v in values])
        if any("*" in option or "=" in option for option in options):
            skipped.append(name)
            continue
        for element, values in elements.items():
            present = [option for option in options if option in set(values)]
            names.extend(f"{element}={option}" for option in present[1:])  # present[0]: the baseline
    return names, skipped


def unsampled_options(samples: Sequence[dict[str, Any]], structural: Sequence[str], space: SearchSpace) -> list[str]:
    """``name=option`` for each option of a categorical structural variable that no sample chose:
    the fitted model has no column for it and predicts it as the baseline (profile says so)."""
    unsampled = []
    for name in structural:
        elements = _element_values(samples, name)
        if _categorical(elements):
            options = _option_order(space, name, [])
            unsampled += [f"{element}={option}" for element, values in elements.items()
                          for option in options if option not in set(values)]
    return unsampled


def _element_values(samples: Sequence[dict[str, Any]], name: str) -> dict[str, list[Any]]:
    """``name`` (or ``name[i]`` per element of a size-k variable) -> its value in each sample;
    categorical values as their feature text (``constraints._option_text``)."""
    values = [sample["params"][name] for sample in samples]
    if not isinstance(values[0], list):
        columns = {name: values}
    else:
        columns = {f"{name}[{i}]": [value[i] for value in values] for i in range(len(values[0]))}
    if _categorical(columns):
        columns = {element: [_option_text(v) for v in column] for element, column in columns.items()}
    return columns


def _categorical(elements: dict[str, list[Any]]) -> bool:
    return not all(_is_number(v) for column in elements.values() for v in column)


def _option_order(space: SearchSpace | None, name: str, values: Sequence[str]) -> list[str]:
    """A categorical variable's options as feature texts: the template's order when the space is
    known (the first option is the natural baseline), else the sampled texts sorted."""
    if space is not None and name in space.names and space[name].options:
        ordered = [_option_text(option) for option in space[name].options]
        if set(values) <= set(ordered):  # a transform could make network values differ from options
            return ordered
    return sorted(set(values))


def _indicator_of(feature: str) -> str | None:
    """The ENUM element a one-hot feature indicates (``edge[2]`` for ``edge[2]=conv``), else None."""
    return feature.split("=", 1)[0] if "=" in feature else None


def pairwise_columns(names: Sequence[str]) -> list[str]:
    """``names`` plus ``a*b`` for every pair a <= b of them (squares too: a kernel size enters a
    convolution's weight count squared), except two indicators of one ENUM element."""
    products = [f"{a}*{b}" for i, a in enumerate(names) for b in names[i:]
                if _indicator_of(a) is None or _indicator_of(a) != _indicator_of(b)]
    return [*names, *products]


def feature_matrix(samples: Sequence[dict[str, Any]], feature_set: str, names: Sequence[str]) -> np.ndarray:
    """(n, f) values of ``names`` in each sample (params for hyper-parameter sets, else features)."""
    if feature_set in ("hyperparameters", "pairwise"):
        return np.array([[float(feature_value(s["params"], name)) for name in names] for s in samples], dtype=float)
    return np.array([[float(s["features"][name]) for name in names] for s in samples], dtype=float)


def fit_metric(samples: Sequence[dict[str, Any]], metric: str, structural: Sequence[str], *, folds: int,
               seed: int, device: str, space: SearchSpace | None = None) -> dict[str, LinearFit]:
    """feature set -> LinearFit for one metric; every set uses the same CV folds (same seed).
    ``space`` orders a categorical variable's options (the first sampled one is the baseline)."""
    usable = [s for s in samples if metric in s.get("values", {})]
    targets = np.array([s["values"][metric] for s in usable], dtype=float)
    hyper_names, _ = hyperparameter_columns(usable, structural, space)
    fits = {}
    sets = (("hyperparameters", hyper_names, least_squares), ("pairwise", pairwise_columns(hyper_names), ridge_loo),
            ("network", list(NETWORK_FEATURES), least_squares))
    for feature_set, names, solver in sets:
        if not names or (feature_set == "network" and not all(s.get("features") for s in usable)):
            continue  # samples of a table (NAS-Bench) or a hand-made profile carry no built network
        fits[feature_set] = fit_linear_model(metric, names, feature_matrix(usable, feature_set, names), targets,
                                             folds=folds, rng=np.random.default_rng(seed), feature_set=feature_set,
                                             device=device, solver=solver)
    return fits


def model_document(fits: dict[str, LinearFit], chosen: LinearFit, profile_file: str | None = None,
                   provenance: dict[str, Any] | None = None) -> dict[str, Any]:
    """Design §7 model JSON of ``chosen`` plus the side-by-side comparison of feature sets and
    the template it was fitted on (``provenance.template_provenance``)."""
    document = chosen.to_json()
    document.update(provenance or {})
    document["comparison"] = {name: {"cv_rmspe": fit.cv_rmspe, "cv_r2": fit.cv_r2, "features": fit.features}
                              for name, fit in fits.items()}
    if profile_file:
        document["profile"] = profile_file
    return document


def write_model(models_dir: Path, document: dict[str, Any]) -> Path:
    """EXP/models/<metric>.json, written atomically."""
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / f"{document['metric']}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n")
    temporary.replace(path)
    return path


def fit_all(samples: Sequence[dict[str, Any]], metrics: Sequence[str], structural: Sequence[str], *,
            folds: int, seed: int, device: str, features: str = "auto",
            distinct_networks: float = math.inf,
            space: SearchSpace | None = None) -> dict[str, tuple[dict[str, LinearFit], LinearFit]]:
    """metric -> (fits by feature set, chosen fit).

    Every feature set is always fitted (the profile report compares them); ``features`` picks
    the one written: "hyperparameters", "pairwise" or "network" force it, "auto" applies
    ``choose_fit`` to the affordable sets (``affordable_sets``, see the module docstring).
    """
    result = {}
    for metric in metrics:
        fits = fit_metric(samples, metric, structural, folds=folds, seed=seed, device=device, space=space)
        if fits:
            result[metric] = (fits, _pick(fits, features, distinct_networks))
    return result


def affordable_sets(fits: dict[str, LinearFit], distinct_networks: float) -> dict[str, LinearFit]:
    """The fits ``--features auto`` may choose: "network" only on a space of at most
    ``MAX_NETWORK_BUILDS`` distinct networks (a build per candidate), unless it is all there is."""
    affordable = {name: fit for name, fit in fits.items()
                  if name != "network" or distinct_networks <= MAX_NETWORK_BUILDS}
    return affordable or dict(fits)


def _pick(fits: dict[str, LinearFit], features: str, distinct_networks: float) -> LinearFit:
    if features != "auto":
        return fits.get(features) or choose_fit(fits)
    return choose_fit(affordable_sets(fits, distinct_networks))


def distinct_structures(space: SearchSpace, structural: Sequence[str]) -> float:
    """How many different networks the structural variables can make (inf with a FLOAT one)."""
    count = 1.0
    for name in structural:
        variable = space[name]
        if variable.type is VariableType.INT:
            per_element = int(variable.max) - int(variable.min) + 1
        elif variable.type is VariableType.ENUM:
            per_element = len(variable.options)
        else:
            return math.inf
        count *= float(per_element) ** variable.size
    return count

"""Which template a hardware model was fitted on, and whether it still describes the template.

A model of memory fitted on ``conv1, conv2`` knows nothing of a ``conv3`` added to the template
later: used as is, it predicts every configuration as if ``conv3`` did not exist, and jobs go over
their budget. So ``hyperpower profile`` records in each model file:

* ``structural``: the structural variables it was fitted on, each with its spec (type, range or
  options, size, transform: what decides the network values the model saw);
* ``template_hash``: a short hash of those specs, to tell two model files apart at a glance;
* ``non_structural``: the specs of the other variables, so that a run does not rebuild networks
  to re-detect them.

Only structural specs invalidate a model: editing a learning rate's range changes nothing the
model saw. ``check_model`` compares a model with the template and says ``match``, ``mismatch``
(with the variables at fault) or ``unknown`` (a file without these fields: hand-written, or
profiled by an older HyperPower). For an ``unknown`` model of hyper-parameter features, a
structural variable that is not among its features is a mismatch too: that is the silent error
this module exists to stop. What a run does with each verdict is ``loop.preparation``'s rule.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Any, Callable, Sequence

from hyperpower.errors import ConfigError
from hyperpower.space import SearchSpace, Variable, VariableType

if TYPE_CHECKING:  # pragma: no cover
    from hyperpower.optimize.constraints import LinearModel
    from hyperpower.template import Template

PROVENANCE_KEYS = ("template_hash", "structural", "non_structural")
#: name -> structural? for the named variables, by building networks (structure.detect_structural)
Detector = Callable[[Sequence[str]], dict[str, bool]]


def variable_spec(variable: Variable) -> dict[str, Any]:
    """What decides a variable's network values: type, range or options, size, transform.

    The search scale (log or linear) and the structural flag are left out: they change how the
    space is searched or described, not which networks the model was fitted on."""
    spec: dict[str, Any] = {"type": variable.type.value}
    if variable.type is VariableType.ENUM:
        spec["options"] = list(variable.options)
    else:
        spec["min"], spec["max"] = variable.min, variable.max
    spec["size"] = variable.size
    spec["transform"] = variable.transform or None
    return spec


def structural_hash(specs: dict[str, dict[str, Any]]) -> str:
    """16 hex digits of SHA-256 over the structural variables' names and specs."""
    text = json.dumps(specs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def template_provenance(space: SearchSpace, structural: Sequence[str]) -> dict[str, Any]:
    """The provenance fields a model file records (see the module docstring)."""
    specs = {name: variable_spec(space[name]) for name in structural}
    others = {v.name: variable_spec(v) for v in space.variables if v.name not in specs}
    return {"template_hash": structural_hash(specs), "structural": specs, "non_structural": others}


@dataclasses.dataclass
class ProvenanceCheck:
    """verdict: "match", "mismatch" or "unknown"; reasons name the variables at fault."""

    verdict: str
    reasons: list[str] = dataclasses.field(default_factory=list)
    fitted_on: list[str] = dataclasses.field(default_factory=list)

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)


def check_model(model: "LinearModel", template: "Template", detect: Detector, where: str) -> ProvenanceCheck:
    """Does ``model`` (from ``where``) still describe ``template``'s structural variables?

    ``detect`` is called only for variables whose structural status the model file and the
    template flags leave open (a new or edited variable without a flag): two builds each."""
    recorded = _recorded_specs(model, where)
    if recorded is None:
        return _check_unknown(model, template, detect)
    structural, others = recorded
    space = template.space
    reasons = []
    for name, spec in structural.items():
        if name not in space.names:
            reasons.append(f"structural variable {name} is no longer in the template")
        elif variable_spec(space[name]) != spec:
            reasons.append(f"structural variable {name} changed from {_describe(spec)} to "
                           f"{_describe(variable_spec(space[name]))}")
    open_names = [v.name for v in space.variables
                  if v.name not in structural and v.structural is not False
                  and (v.structural or others.get(v.name) != variable_spec(v))]
    for name in _structural_among(space, open_names, detect):
        spec = _describe(variable_spec(space[name]))
        reasons.append(f"new structural variable {name} ({spec})" if name not in others
                       else f"variable {name} ({spec}) is now structural")
    return ProvenanceCheck("mismatch" if reasons else "match", reasons, list(structural))


def _check_unknown(model: "LinearModel", template: "Template", detect: Detector) -> ProvenanceCheck:
    """A model without provenance: refuse it only for what can be seen, a structural variable
    that none of its hyper-parameter features uses (as itself, an element ``name[i]``, a one-hot
    ``name=option`` or a factor of a product)."""
    space = template.space
    structural = _structural_among(space, [v.name for v in space.variables if v.structural is not False], detect)
    if model.feature_set == "network" or model.feature_function is not None:
        return ProvenanceCheck("unknown", fitted_on=structural)
    used = {_variable_of(factor) for feature in model.features for factor in feature.split("*")}
    ignored = [name for name in structural if name not in used]
    reasons = [f"structural variable {name} ({_describe(variable_spec(space[name]))}) is not among its features "
               f"({', '.join(model.features) or 'none'}; a model meant to ignore it lists it with coefficient 0)"
               for name in ignored]
    return ProvenanceCheck("mismatch" if reasons else "unknown", reasons, structural)


def _variable_of(factor: str) -> str:
    """The variable a feature factor reads: ``edge`` for ``edge[2]=conv``, ``conv1`` for ``conv1``."""
    return factor.split("=", 1)[0].split("[", 1)[0]


def _structural_among(space: SearchSpace, names: Sequence[str], detect: Detector) -> list[str]:
    """Which of ``names`` are structural: flagged true, or detected when unflagged."""
    unflagged = [name for name in names if space[name].structural is None]
    detected = detect(unflagged) if unflagged else {}
    return [name for name in names if space[name].structural or detected.get(name)]


def _recorded_specs(model: "LinearModel", where: str) -> tuple[dict, dict] | None:
    structural = model.extra.get("structural")
    if structural is None:
        return None
    others = model.extra.get("non_structural", {})
    for key, value in (("structural", structural), ("non_structural", others)):
        if not isinstance(value, dict) or not all(isinstance(spec, dict) for spec in value.values()):
            raise ConfigError(f"{where}: {key!r} must map variable names to their specs (as `hyperpower profile` "
                              f"writes it); delete the field or re-profile")
    return structural, others


def _describe(spec: dict[str, Any]) -> str:
    """``INT 8..64 X64`` / ``ENUM [relu, tanh]``, with ``×k`` for a size-k variable."""
    if spec.get("type") == "ENUM":
        text = f"ENUM [{', '.join(str(o) for o in spec.get('options', []))}]"
    else:
        text = f"{spec.get('type')} {spec.get('min')}..{spec.get('max')}"
    if spec.get("size", 1) != 1:
        text += f" x{spec['size']}"
    return text + (f" {spec['transform']}" if spec.get("transform") else "")

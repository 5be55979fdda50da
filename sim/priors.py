"""Prior distributions for scenario parameters.

A prior turns one uniform number ``u`` in (0, 1) into a value by its inverse CDF, so that the
Monte Carlo can draw every stream's uniforms up front (DESIGN.md, "Randomness and exactness")
and changing one prior's family leaves every other number unchanged. A ``fixed`` prior
draws nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.errors import ConfigError
from sim.parameters import Range

PARAMETERS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "truncnormal": ("mean", "sd", "low", "high"),
    "beta": ("a", "b"),
    "uniform_integer": ("low", "high"),
}
OPTIONAL = {"beta": {"low": 0.0, "high": 1.0}}
EVIDENCE = ("quote", "external", "assumption", "calibrated")
"""What a prior rests on (DESIGN.md, "Evidence: what each number rests on"): ``quote`` a phrase
found verbatim in a document of ``shared/sources`` that its ``source`` names; ``external`` a
public source cited in full; ``assumption`` the modeller's judgement, with a range wide enough
to say so; ``calibrated`` fitted to the ``targets`` it records."""


@dataclass(frozen=True)
class Prior:
    """A named, bounded uncertainty (EMA workbench style) with its justification."""

    dist: str
    params: dict[str, float] = field(hash=False)
    rationale: str = ""
    source: str = ""
    evidence: str = ""  # one of EVIDENCE
    quote: str = ""  # evidence "quote": the phrase, verbatim in the source file
    targets: str = ""  # evidence "calibrated": what it was fitted to

    @property
    def is_fixed(self) -> bool:
        return self.dist == "fixed"

    def support(self) -> tuple[float, float]:
        """The closed interval that every draw lies in."""
        p = self.params
        if self.dist == "fixed":
            return p["value"], p["value"]
        if self.dist == "normal":
            return -math.inf, math.inf
        return p["low"], p["high"]

    def mean(self) -> float:
        """The prior's mean (used for expected-value summaries and the dashboard)."""
        p = self.params
        if self.dist == "fixed":
            return p["value"]
        if self.dist in ("uniform", "uniform_integer"):
            return 0.5 * (p["low"] + p["high"])
        if self.dist == "normal":
            return p["mean"]
        if self.dist == "truncnormal":
            from scipy import stats

            return float(stats.truncnorm.mean(*self._standard_bounds(), loc=p["mean"], scale=p["sd"]))
        return p["low"] + (p["high"] - p["low"]) * p["a"] / (p["a"] + p["b"])

    def _standard_bounds(self) -> tuple[float, float]:
        p = self.params
        return (p["low"] - p["mean"]) / p["sd"], (p["high"] - p["mean"]) / p["sd"]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at ``u`` (an array of uniforms in (0, 1)): :func:`sim.quantiles.quantile`."""
        if self.dist == "beta":
            from scipy import special  # here, not at import: a command that draws nothing starts faster

            p = self.params
            return p["low"] + (p["high"] - p["low"]) * special.betaincinv(p["a"], p["b"], u)
        from sim import quantiles

        quantiles.bind_ndtri()
        u = np.ascontiguousarray(u, dtype=np.float64)
        how, parameters = self.quantile_parameters()
        return quantiles.fill_quantiles(how, parameters, u.reshape(-1), np.empty(u.size)).reshape(u.shape)

    def quantile_parameters(self) -> tuple[int, np.ndarray]:
        """How :func:`sim.quantiles.quantile` inverts this prior: its code and numbers (not
        for ``beta``, which scipy inverts)."""
        from sim import quantiles

        p, numbers = self.params, np.zeros(quantiles.N_PARAMETERS)
        if self.dist == "fixed":
            numbers[0] = p["value"]
            return quantiles.CONSTANT, numbers
        if self.dist == "uniform":
            numbers[:2] = p["low"], p["high"] - p["low"]
            return quantiles.UNIFORM, numbers
        if self.dist == "uniform_integer":  # each of low, ..., high with probability 1/(high - low + 1)
            numbers[:3] = p["low"], p["high"] - p["low"] + 1.0, p["high"]
            return quantiles.UNIFORM_INTEGER, numbers
        if self.dist == "normal":
            numbers[:2] = p["mean"], p["sd"]
            return quantiles.NORMAL, numbers
        if self.dist == "truncnormal":
            from scipy import special

            a, b = self._standard_bounds()
            lower, upper, upper_tail_a, upper_tail_b = special.ndtr([a, b, -a, -b])
            numbers[:] = p["mean"], p["sd"], p["low"], p["high"], lower, upper - lower, upper_tail_b, upper_tail_a - upper_tail_b
            return quantiles.TRUNCATED_NORMAL, numbers
        raise ValueError(f"a {self.dist} prior is inverted by scipy, not by sim.quantiles")


def finite_number(value: object, where: str) -> float:
    """``value`` as a float, or a :class:`ConfigError` at ``where``: a finite number that a
    float can hold (not a bool, a string, NaN, or ``10**400``, which a YAML integer can be)."""
    try:
        if not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
    except OverflowError:
        pass
    raise ConfigError(where, value, "must be a finite number")


def parse_prior(node: object, path: str, allowed: Range, families: tuple[str, ...] | None = None) -> Prior:
    """Build a :class:`Prior` from plain data, checking its parameters and its support.

    ``allowed`` is the parameter's range (:mod:`sim.parameters`; DESIGN.md: a normal
    prior on a bounded field, or a probability outside [0, 1], is an error).
    """
    if not isinstance(node, dict):
        raise ConfigError(path, node, "a prior must be a mapping with 'dist' and its parameters")
    dist = node.get("dist")
    if not isinstance(dist, str) or dist not in PARAMETERS:  # a list or a mapping is no name (and unhashable)
        raise ConfigError(f"{path}.dist", dist, f"unknown distribution; use one of {sorted(PARAMETERS)}")
    if families is not None and dist not in families:
        raise ConfigError(f"{path}.dist", dist, f"not allowed here; use one of {list(families)}")
    params: dict[str, float] = dict(OPTIONAL.get(dist, {}))
    known = set(PARAMETERS[dist]) | set(params) | {"dist", "rationale", "source", "evidence", "quote", "targets"}
    for key, value in node.items():
        if key not in known:
            if value is None:
                continue  # an unused field of the structured config's schema
            raise ConfigError(f"{path}.{key}", value, f"not a parameter of a {dist} prior")
    for name in PARAMETERS[dist] + tuple(OPTIONAL.get(dist, {})):
        value = node.get(name)
        if value is None:
            value = params.get(name)
        if value is None:
            raise ConfigError(f"{path}.{name}", None, f"a {dist} prior needs '{name}'")
        params[name] = finite_number(value, f"{path}.{name}")
    for text in ("rationale", "source"):
        if not str(node.get(text) or "").strip():
            raise ConfigError(f"{path}.{text}", node.get(text), "every prior needs a rationale and a source")
    evidence, quote, targets = _evidence(node, path)
    _check_parameters(dist, params, path)
    prior = Prior(dist, params, str(node["rationale"]), str(node["source"]), evidence, quote, targets)
    low, high = prior.support()
    allowed = allowed if isinstance(allowed, Range) else Range(*allowed)
    if not allowed.contains(low, high):
        raise ConfigError(
            path,
            dict(params),
            f"support [{low:g}, {high:g}] of this {dist} prior leaves the allowed range {allowed}",
        )
    return prior


def _evidence(node: dict, path: str) -> tuple[str, str, str]:
    """A prior's ``evidence`` type and, as the type asks, its ``quote`` or its ``targets``."""
    evidence = node.get("evidence")
    if evidence is None or evidence == "":
        raise ConfigError(f"{path}.evidence", evidence, f"every prior needs an evidence type, one of {list(EVIDENCE)}")
    if evidence not in EVIDENCE:
        raise ConfigError(f"{path}.evidence", evidence, f"unknown evidence type; use one of {list(EVIDENCE)}")
    texts = {}
    for name, owner in (("quote", "quote"), ("targets", "calibrated")):
        value = node.get(name)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}.{name}", value, "must be a string")
        value = (value or "").strip()
        if evidence == owner and not value:
            why = (
                "a quote prior needs a quote: a phrase found verbatim in the source file its source names"
                if owner == "quote" else "a calibrated prior records the targets it was fitted to"
            )
            raise ConfigError(f"{path}.{name}", node.get(name), why)
        if evidence != owner and value:
            raise ConfigError(f"{path}.{name}", value, f"only a {owner} prior has a {name} (this prior's evidence is {evidence!r})")
        texts[name] = value
    return str(evidence), texts["quote"], texts["targets"]


def _check_parameters(dist: str, params: dict[str, float], path: str) -> None:
    """Reject distributions whose parameters are impossible (sd <= 0, low >= high, ...)."""
    if dist in ("normal", "truncnormal") and params["sd"] <= 0:
        raise ConfigError(f"{path}.sd", params["sd"], "standard deviation must be > 0")
    if dist == "beta":
        for name in ("a", "b"):
            if params[name] <= 0:
                raise ConfigError(f"{path}.{name}", params[name], "beta shape parameters must be > 0")
    if dist == "uniform_integer":
        for name in ("low", "high"):
            if not float(params[name]).is_integer():
                raise ConfigError(f"{path}.{name}", params[name], "must be a whole number")
        if params["high"] < params["low"]:
            raise ConfigError(f"{path}.high", params["high"], f"must be at least low ({params['low']:g})")
    if dist in ("uniform", "truncnormal", "beta") and not params["low"] < params["high"]:
        raise ConfigError(f"{path}.high", params["high"], f"must be greater than low ({params['low']:g})")

"""Shared fixtures for the unit and model tests.

The small scenario built here has three items and the four default actors, every prior fixed
and every number dyadic (a sum of powers of two), so that utilities and aspirations are exact
in float64 and tests can assert them with ``==``. Tests get a fresh copy of its plain data
(``scenario_dict``), tweak it, and validate it with ``build_scenario``.

Only fixtures are shared (no ``from conftest import ...``), so this file coexists with the
``conftest.py`` of other test folders (``tests/cli/``).

Default small scenario (``s`` = normalised salience, ``c`` = contribution ``s * v``)::

    items   alpha: a0 a1 a2     beta: b0 b1     gamma: g0 g1
    weights 1, 1, 2 for every actor  ->  s = (0.25, 0.25, 0.5)

    actor        every_text  veto   values (alpha a1, a2 | beta b1 | gamma g1)   r     h  T  e
    us           yes         -      -0.25, -1.0 | -0.5 | -0.5                     -1    0  4  1
    russia       yes         -       0.5,   1.0 |  0.5 |  0.5                     -1    0  4  1
    ukraine      no          gamma   0,     0   |  0   | -1.0                     -1    0  4  1
    nato_allies  no          beta    0,     0   |  0   |  0                       -1    0  4  1

    contributions  us:     alpha (0, -0.0625, -0.25)  beta (0, -0.125)  gamma (0, -0.25)
                   russia: alpha (0,  0.125,   0.25)  beta (0,  0.125)  gamma (0,  0.25)
                   ukraine: gamma (0, -0.5), others 0

Opening offer: (a0, b0, g0), the status quo. Escalation: start rung 1, ``beta0 = -1000``
(sigmoid = 0: never climbs), ``beta_gap = beta_time = p_deadline = p_spillover = 0``, no
shifts. Ratifiers: the US Senate on ``beta`` with bias 0. With these defaults every actor
accepts the opening offer in round 1 (utilities 0 >= reservation -1).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from sim.scenario import Scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
SCENARIO_DIR = REPO / "scenarios"


def fixed(value: float) -> dict:
    """A fixed prior, with the rationale, source and evidence type that validation requires."""
    return {
        "dist": "fixed",
        "value": value,
        "rationale": "test value",
        "source": "tests/conftest.py",
        "evidence": "assumption",
    }


def uniform(low: float, high: float) -> dict:
    """A uniform prior on [low, high]."""
    return {
        "dist": "uniform",
        "low": low,
        "high": high,
        "rationale": "test range",
        "source": "tests/conftest.py",
        "evidence": "assumption",
    }


def _actor(
    every_text: bool, veto: list[str], alpha: tuple[float, float], beta: float, gamma: float
) -> dict:
    return {
        "description": "test actor",
        "must_accept_every_text": every_text,
        "veto_items": list(veto),
        "values": {
            "alpha": {"a1": fixed(alpha[0]), "a2": fixed(alpha[1])},
            "beta": {"b1": fixed(beta)},
            "gamma": {"g1": fixed(gamma)},
        },
        "salience": {"alpha": fixed(1.0), "beta": fixed(1.0), "gamma": fixed(2.0)},
        "reservation": fixed(-1.0),
        "opening_surplus": fixed(0.0),
        "deadline": fixed(4),
        "concession_exponent": fixed(1.0),
    }


def make_scenario_dict() -> dict:
    """The small scenario's plain data (see the module docstring); a fresh copy each call."""
    actors = {
        "us": _actor(True, [], (-0.25, -1.0), -0.5, -0.5),
        "russia": _actor(True, [], (0.5, 1.0), 0.5, 0.5),
        "ukraine": _actor(False, ["gamma"], (0.0, 0.0), 0.0, -1.0),
        "nato_allies": _actor(False, ["beta"], (0.0, 0.0), 0.0, 0.0),
    }
    actors["us"]["ratifier"] = {"name": "US Senate", "items": ["beta"], "bias": fixed(0.0)}
    return copy.deepcopy(
        {
            "name": "small",
            "title": "Small test scenario",
            "description": "Three items, four actors, fixed dyadic priors.",
            "as_of": "2022-01-26",
            "items": {
                "alpha": {"levels": ["a0", "a1", "a2"]},
                "beta": {"levels": ["b0", "b1"]},
                "gamma": {"levels": ["g0", "g1"]},
            },
            "opening_offer": {"alpha": "a0", "beta": "b0", "gamma": "g0"},
            "escalation": {
                "start_rung": 1,
                "actor": "russia",
                "beta0": fixed(-1000.0),
                "beta_gap": fixed(0.0),
                "beta_time": fixed(0.0),
                "p_deadline": fixed(0.0),
                "p_spillover": fixed(0.0),
                "shifts": {},
            },
            "actors": actors,
        }
    )


def load_bundled(name: str) -> Scenario:
    """A bundled scenario (``scenarios/<name>.yaml``), validated."""
    with open(SCENARIO_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return scenario_from_dict(yaml.safe_load(handle))


@pytest.fixture
def scenario_dict() -> dict:
    """A fresh copy of the small scenario's plain data, for a test to tweak."""
    return make_scenario_dict()


@pytest.fixture
def fixed_prior():
    """``fixed_prior(v)``: a fixed prior mapping (with rationale and source)."""
    return fixed


@pytest.fixture
def uniform_prior():
    """``uniform_prior(low, high)``: a uniform prior mapping (with rationale and source)."""
    return uniform


@pytest.fixture
def build_scenario():
    """``build_scenario(data)``: validate plain data with ``scenario_from_dict``."""
    return scenario_from_dict


@pytest.fixture
def small_scenario() -> Scenario:
    """The small scenario with its defaults, validated."""
    return scenario_from_dict(make_scenario_dict())


@pytest.fixture(scope="session")
def bundled_scenario_paths() -> list[Path]:
    """Every bundled scenario file, sorted."""
    return sorted(SCENARIO_DIR.glob("*.yaml"))


@pytest.fixture(scope="session")
def bundled_scenario():
    """``bundled_scenario(name)``: load and validate ``scenarios/<name>.yaml``."""
    return load_bundled


@pytest.fixture(scope="session")
def bundled_scenario_data():
    """``bundled_scenario_data(name)``: a fresh copy of ``scenarios/<name>.yaml``'s data."""

    def load(name: str) -> dict:
        with open(SCENARIO_DIR / f"{name}.yaml", encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    return load

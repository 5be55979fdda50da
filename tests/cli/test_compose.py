"""Composition of negsim's Hydra config (``conf/`` + the ``scenario`` group of scenario files)
through Hydra's compose API, and :func:`sim.configure.build` turning it into validated objects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException

import sim.app  # noqa: F401  (importing sim.app registers the structured config "negsim_schema")
from sim.configure import build
from sim.montecarlo import MonteCarlo
from sim.protocols import Protocol
from sim.scenario import Scenario

REPO = Path(__file__).resolve().parents[2]
CONF_DIR = REPO / "conf"
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.yaml"))
PROTOCOL_FILES = sorted((CONF_DIR / "protocol").glob("*.yaml"))
ENGINE_FILES = sorted((CONF_DIR / "engine").glob("*.yaml"))
SCHEME = "negsim-scenarios"


def _load(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def compose_config():
    """``compose_config(overrides)``: ``compose("config", overrides)`` inside an initialised
    Hydra (cleared again after the test)."""
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR), job_name="test_compose"):
        yield lambda overrides=(): compose(config_name="config", overrides=list(overrides))


def _node(data: dict, dotted: str) -> object:
    for key in dotted.split("."):
        data = data[key]
    return data


def _assert_file_in_config(composed: object, file_data: object, where: str = "scenario") -> None:
    """Every key and value of the scenario file is in the composed config, unchanged
    (the structured config may add its own defaults, e.g. unused prior parameters = None)."""
    if isinstance(file_data, dict):
        assert isinstance(composed, dict), where
        for key, value in file_data.items():
            assert key in composed, f"{where}.{key} from the file is missing in the composed config"
            _assert_file_in_config(composed[key], value, f"{where}.{key}")
    else:
        assert composed == file_data, f"{where}: file has {file_data!r}, composed config has {composed!r}"


def _assert_priors_match_file(scenario: Scenario, file_data: dict) -> None:
    priors = scenario.priors()
    assert priors, "the built scenario has no priors"
    for path, prior in priors.items():
        node = _node(file_data, path)
        assert prior.dist == node["dist"], path
        for key, value in node.items():
            if key not in ("dist", "rationale", "source", "evidence", "quote", "targets"):
                assert prior.params[key] == value, f"{path}.{key}: file {value!r}, built {prior.params[key]!r}"
        assert prior.rationale == node["rationale"] and prior.source == node["source"], path
        assert prior.evidence == node["evidence"] and prior.quote == node.get("quote", ""), path


def test_the_bundled_files_exist():
    assert [p.stem for p in SCENARIO_FILES] and len(PROTOCOL_FILES) >= 2 and len(ENGINE_FILES) >= 2
    assert {p.stem for p in PROTOCOL_FILES} >= {"single_text", "ultimatum"}
    assert {p.stem for p in ENGINE_FILES} >= {"batch", "mesa"}


@pytest.mark.parametrize("engine_file", ENGINE_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("protocol_file", PROTOCOL_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("scenario_file", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_bundled_combination_composes_and_builds(compose_config, scenario_file, protocol_file, engine_file):
    cfg = compose_config(
        [f"scenario={scenario_file.stem}", f"protocol={protocol_file.stem}", f"engine={engine_file.stem}"]
    )
    scenario, protocol, engine, mc, container = build(cfg)

    file_data = _load(scenario_file)
    assert isinstance(scenario, Scenario)
    assert scenario.name == file_data["name"] == scenario_file.stem  # docs: name = file name
    assert scenario.item_names == tuple(file_data["items"])
    assert scenario.actor_names == tuple(file_data["actors"])
    _assert_file_in_config(container["scenario"], file_data)
    _assert_priors_match_file(scenario, file_data)

    protocol_data = _load(protocol_file)
    assert protocol == Protocol(
        protocol_data["name"], protocol_data["max_rounds"], protocol_data["continue_after_invasion"]
    )
    assert engine == _load(engine_file)["name"] == engine_file.stem
    assert mc == MonteCarlo(**_load(CONF_DIR / "mc" / "default.yaml"))
    assert "hydra" not in container
    assert container["scenario_file"] is None


def test_defaults(compose_config):
    scenario, protocol, engine, mc, container = build(compose_config())
    assert (scenario.name, protocol.name, engine) == ("lieven_2022", "single_text", "batch")
    assert mc == MonteCarlo(**_load(CONF_DIR / "mc" / "default.yaml"))
    assert container["figures"] is True and container["quiet"] is False


def test_experiment_ball_in_their_court(compose_config):
    cfg = compose_config(["experiment=ball_in_their_court"])
    assert cfg.scenario.name == "us_response_2022"
    assert cfg.protocol.name == "ultimatum"
    scenario, protocol, engine, mc, container = build(cfg)
    assert scenario.name == "us_response_2022"
    assert protocol == Protocol("ultimatum", 1, False)
    _assert_file_in_config(container["scenario"], _load(REPO / "scenarios" / "us_response_2022.yaml"))
    # command-line overrides still apply on top of the experiment
    cfg = compose_config(["experiment=ball_in_their_court", "mc.n_runs=50", "scenario.actors.russia.reservation.low=0.0"])
    scenario, _, _, mc, _ = build(cfg)
    assert mc.n_runs == 50
    assert scenario.priors()["actors.russia.reservation"].params["low"] == 0.0


def _changed_parameter(prior) -> tuple[str, float]:
    """One parameter of ``prior`` and a new value for it that keeps the prior valid."""
    params = prior.params
    if "low" in params and "high" in params:
        return "low", (params["low"] + params["high"]) / 2
    if prior.dist == "normal":
        return "mean", params["mean"] + 0.125
    if prior.dist == "fixed":
        return "value", params["value"] / 2 if params["value"] else 0.5
    raise AssertionError(f"no rule to change a {prior.dist} prior")


@pytest.mark.parametrize("scenario_file", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_prior_is_overridable_by_its_key_path(compose_config, scenario_file):
    stem = scenario_file.stem
    base = build(compose_config([f"scenario={stem}"]))[0].priors()
    overrides, expected = [], {}
    for path, prior in base.items():
        key, value = _changed_parameter(prior)
        assert value != prior.params[key]
        overrides.append(f"scenario.{path}.{key}={value!r}")
        expected[path] = {**prior.params, key: value}

    changed = build(compose_config([f"scenario={stem}", *overrides]))[0].priors()

    assert list(changed) == list(base)
    wrong = {
        path: {"expected": expected[path], "built": changed[path].params}
        for path in base
        if changed[path].dist != base[path].dist or changed[path].params != expected[path]
    }
    assert not wrong, f"{len(wrong)} of {len(base)} priors did not take their override: {wrong}"


def test_one_prior_override_changes_that_prior_only(compose_config):
    base_scenario, _, _, _, _ = build(compose_config())
    cfg = compose_config(["scenario.actors.russia.reservation.low=0.0"])
    scenario, _, _, _, container = build(cfg)
    assert container["scenario"]["actors"]["russia"]["reservation"]["low"] == 0.0
    base, changed = base_scenario.priors(), scenario.priors()
    before = base["actors.russia.reservation"]
    assert before.params["low"] != 0.0
    assert changed["actors.russia.reservation"].params == {**before.params, "low": 0.0}
    assert changed["actors.russia.reservation"].dist == before.dist
    others = [p for p in base if p != "actors.russia.reservation"]
    assert [(changed[p].dist, changed[p].params) for p in others] == [(base[p].dist, base[p].params) for p in others]


def test_a_prior_family_is_changed_by_setting_dist_and_its_parameters(compose_config):
    prefix = "scenario.actors.russia.reservation"
    cfg = compose_config([f"{prefix}.dist=fixed", f"{prefix}.value=0.2", f"{prefix}.low=null", f"{prefix}.high=null"])
    prior = build(cfg)[0].priors()["actors.russia.reservation"]
    assert (prior.dist, prior.params) == ("fixed", {"value": 0.2})


def _user_scenario(scenario_data, name: str) -> dict:
    data = scenario_data("lieven_2022")
    data["name"] = name
    data["title"] = "A user's scenario"
    data["actors"]["russia"]["reservation"].update(low=0.0, high=0.2)
    return data


def test_user_scenario_file_through_the_search_path(compose_config, scenario_data, write_scenario):
    path = write_scenario(_user_scenario(scenario_data, "my_case"), "my_case").resolve()
    searchpath = f"hydra.searchpath=[{SCHEME}://{path}]"

    cfg = compose_config([searchpath, "scenario=my_case"])
    scenario, _, _, _, container = build(cfg)
    assert scenario.name == "my_case"
    assert scenario.title == "A user's scenario"
    assert scenario.priors()["actors.russia.reservation"].params == {"low": 0.0, "high": 0.2}
    _assert_file_in_config(container["scenario"], _load(path))

    # the bundled scenarios are still there, and unchanged
    assert build(compose_config([searchpath, "scenario=us_response_2022"]))[0].name == "us_response_2022"
    bundled = build(compose_config([searchpath]))[0]
    assert bundled.name == "lieven_2022"
    assert bundled.priors()["actors.russia.reservation"].params != {"low": 0.0, "high": 0.2}


def test_user_scenario_directory_through_the_search_path(compose_config, scenario_data, write_scenario):
    first = write_scenario(_user_scenario(scenario_data, "case_a"), "case_a")
    write_scenario(_user_scenario(scenario_data, "case_b"), "case_b")
    searchpath = f"hydra.searchpath=[{SCHEME}://{first.parent.resolve()}]"
    for stem in ("case_a", "case_b"):
        assert build(compose_config([searchpath, f"scenario={stem}"]))[0].name == stem


def test_a_typo_in_a_user_scenario_fails_at_composition(compose_config, scenario_data, write_scenario):
    data = _user_scenario(scenario_data, "typo_case")
    data["actors"]["russia"]["reservaton"] = data["actors"]["russia"]["reservation"]
    path = write_scenario(data, "typo_case").resolve()
    with pytest.raises(ConfigCompositionException, match="reservaton"):
        compose_config([f"hydra.searchpath=[{SCHEME}://{path}]", "scenario=typo_case"])


def test_beta_prior_with_default_bounds_composes_and_builds(compose_config, scenario_data, write_scenario):
    data = _user_scenario(scenario_data, "beta_case")
    reservation = data["actors"]["russia"]["reservation"]
    data["actors"]["russia"]["reservation"] = {
        "dist": "beta",
        "a": 2.0,
        "b": 5.0,
        "rationale": reservation["rationale"],
        "source": reservation["source"],
        "evidence": "assumption",
    }
    path = write_scenario(data, "beta_case").resolve()
    scenario = build(compose_config([f"hydra.searchpath=[{SCHEME}://{path}]", "scenario=beta_case"]))[0]
    prior = scenario.priors()["actors.russia.reservation"]
    assert (prior.dist, prior.params) == ("beta", {"low": 0.0, "high": 1.0, "a": 2.0, "b": 5.0})

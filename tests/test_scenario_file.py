"""A scenario file is read as data only (:mod:`sim.scenario_file`): each refusal is one line
naming the file and, where there is one, the line; and the refusals hold on every path that
reads a scenario file (``negsim scenario_file=...``, the ``scenario`` group's Hydra plugin,
``negsim-scenarios show``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hydra.plugins.config_source import ConfigLoadError

from hydra_plugins.negsim_scenarios import ScenarioSource
from sim.scenario_file import ScenarioFileError, load, parse
from tests.support import run_in_process

REPO = Path(__file__).resolve().parents[1]


def _alias_bomb(depth: int = 9) -> str:
    """The 'billion laughs': 10**depth strings from under 1 kB of YAML."""
    lines = ["name: bomb", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


PARSE = [  # (id, text, None if it is data, else texts of the error line)
    ("plain", "name: x\nitems: {a: {levels: [a0, a1]}}\nsmall: 1e-3\n", None),
    ("interpolation_env", "name: x\ndescription: ${oc.env:HOME}\n", ("line 2", "description", "${oc.env:HOME}", "interpolation")),
    ("interpolation_nested", "a:\n  b: [1, 'x ${c}']\n", ("line 2", "a.b[1]", "interpolation")),
    ("interpolation_in_a_key", "a:\n  ${oc.env:HOME}: 1\n", ("line 2", "interpolation")),
    ("alias_bomb", _alias_bomb(), ("line 2", "anchor &a0", "not allowed")),
    ("merge_key", "base: &b {x: 1}\nother:\n  <<: *b\n", ("line 1", "anchor &b")),
    ("duplicate_key", "actors:\n  russia:\n    reservation: 1\n    reservation: 2\n", ("line 4", "duplicate key 'actors.russia.reservation'", "first given at line 3")),
    ("duplicate_top_key", "name: a\nitems: {}\nname: b\n", ("line 3", "duplicate key 'name'", "line 1")),
    ("not_yaml", "name: [x\n", ("not valid YAML", "line 2")),
    ("integer_too_long", "name: x\nbeta0:\n  low: 1" + "0" * 5000 + "\n", ("line 3", "beta0.low", "an integer of 5,001 digits")),  # was a traceback (fuzz)
    ("long_integer", "name: x\nlow: 1" + "0" * 400 + "\n", None),  # read; parse_prior refuses it as a prior
]


@pytest.mark.parametrize("text, expected", [pytest.param(t, e, id=i) for i, t, e in PARSE])
def test_parse(text, expected):
    if expected is None:
        assert isinstance(parse(text, "my.yaml"), dict)
        return
    with pytest.raises(ScenarioFileError) as error:
        parse(text, "my.yaml")
    line = str(error.value)
    assert "\n" not in line and line.startswith("scenario_file: my.yaml: ")
    for part in expected:
        assert part in line, line


def test_plain_data_is_read_as_hydra_reads_config_files():
    """OmegaConf's YAML rules (1e-3 a number, a date kept as text), as the composed config has them."""
    assert parse("a: 1e-3\nb: 2022-01-26\nc: [1, two]\n", "f") == {"a": 0.001, "b": "2022-01-26", "c": [1, "two"]}


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def _not_utf8_name(tmp_path: Path) -> Path:
    path = Path(os.fsdecode(os.fsencode(str(tmp_path)) + b"/bad\xff.yaml"))
    path.write_text("name: x\n")
    return path


def _latin1(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\ndescription: Qu\xe9bec\n".encode("latin-1"))
    return path


def _large(tmp_path: Path) -> Path:
    path = tmp_path / "large.yaml"
    path.write_text("name: large\ndescription: '" + "x" * 1_000_001 + "'\n")
    return path


PATHS = [  # (id, make the path, texts of the error line)
    ("missing", lambda tmp: tmp / "nope.yaml", ("nope.yaml", "no such file")),
    ("directory", lambda tmp: tmp, ("is a directory",)),
    ("device", lambda tmp: Path("/dev/null"), ("/dev/null", "not a regular file")),
    ("fifo", _fifo, ("pipe.yaml", "not a regular file")),
    ("name_not_utf8", _not_utf8_name, ("bad", "file name is not valid UTF-8")),
    ("contents_not_utf8", _latin1, ("latin1.yaml", "not UTF-8 text (line 2")),
    ("too_large", _large, ("large.yaml", "too large a scenario file", "at most 1,000,000", "NEGSIM_MAX_SCENARIO_BYTES")),
]


@pytest.mark.parametrize("make, expected", [pytest.param(m, e, id=i) for i, m, e in PATHS])
def test_paths_that_are_not_scenario_files(tmp_path, make, expected):
    path = make(tmp_path)
    with pytest.raises(ScenarioFileError) as error:
        load(path)
    for part in expected:
        assert part in str(error.value), str(error.value)


def test_the_size_bound_can_be_raised(tmp_path, monkeypatch):
    path = _large(tmp_path)
    monkeypatch.setenv("NEGSIM_MAX_SCENARIO_BYTES", "2000000")
    assert load(path)["name"] == "large"


def test_the_hydra_plugin_refuses_too(tmp_path):
    """The ``scenario`` group's own loader (not only ``scenario_file=``'s pre-check)."""
    (tmp_path / "leaky.yaml").write_text("name: leaky\ndescription: ${oc.env:HOME}\n")
    source = ScenarioSource(provider="test", path=f"negsim-scenarios://{tmp_path}")
    with pytest.raises(ConfigLoadError, match="interpolation is not allowed"):
        source.load_config("scenario/leaky")


def _leaky_scenario(tmp_path: Path, stem: str = "leaky") -> Path:
    data = yaml.safe_load((REPO / "scenarios" / "lieven_2022.yaml").read_text(encoding="utf-8"))
    data["name"] = stem
    data["description"] = "${oc.env:NEGSIM_TEST_SECRET}"
    path = tmp_path / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["sim", "negsim-scenarios"])
def test_an_environment_variable_never_reaches_the_results(tmp_path, command):
    """The issue's case: ``description: "${oc.env:...}"`` in a shared scenario."""
    path = _leaky_scenario(tmp_path)
    env = {**os.environ, "NEGSIM_TEST_SECRET": "s3cr3t-value"}
    env.pop("HYDRA_FULL_ERROR", None)
    args = (
        [f"scenario_file={path}", "mc.n_runs=100", f"hydra.run.dir={tmp_path / 'run'}"]
        if command == "sim"
        else ["show", str(path)]
    )
    result = run_in_process(command, args, tmp_path, env=env)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.describe()
    assert "leaky.yaml" in lines[0] and "line " in lines[0] and "interpolation is not allowed" in lines[0]
    assert "s3cr3t-value" not in result.stdout + result.stderr
    assert not (tmp_path / "run").exists()

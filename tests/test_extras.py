"""The optional parts of the install (pyproject.toml's extras): the core stays lean, `make`
installs every extra, and a command that needs a missing extra names it in one line."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from sim.launchers import cluster_hint

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_dashboard_and_the_launchers_are_extras_not_core():
    core, extras = _names(PROJECT["dependencies"]), PROJECT["optional-dependencies"]
    assert not core & {"panel", "bokeh", "hydra-joblib-launcher", "hydra-submitit-launcher"}, core
    assert "panel" in _names(extras["dashboard"])
    assert {"hydra-joblib-launcher", "hydra-submitit-launcher"} <= _names(extras["cluster"])


def test_make_installs_and_locks_every_extra():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^EXTRAS := (.+)$", makefile, re.MULTILINE).group(1).split(",")
    assert sorted(listed) == sorted(PROJECT["optional-dependencies"])
    lock = (REPO / "requirements.lock").read_text(encoding="utf-8")
    for extra in listed:
        assert f"--extra={extra}" in lock, f"requirements.lock was not compiled with the {extra} extra (make lock)"
    pinned = {line.split("==")[0].lower() for line in lock.splitlines() if "==" in line}
    assert {"panel", "hydra-joblib-launcher", "hydra-submitit-launcher"} <= pinned


def test_the_dashboard_without_panel_says_which_extra(monkeypatch, capsys):
    from sim.teaching import dashboard

    monkeypatch.setitem(sys.modules, "panel", None)  # import panel raises ImportError
    with pytest.raises(SystemExit) as exit_:
        dashboard.main([])
    lines = capsys.readouterr().err.splitlines()
    assert exit_.value.code == 2 and len(lines) == 1, lines
    assert "pip install 'negsim[dashboard]'" in lines[0]


@pytest.mark.parametrize(
    "name, hinted",
    [("joblib", True), ("submitit_local", True), ("slurm_example", True),
     ("hydra_plugins.hydra_submitit_launcher.submitit_launcher", True), ("ray", False), (None, False)],
)  # fmt: skip
def test_a_missing_launcher_of_the_cluster_extra_says_how_to_install_it(name, hinted):
    assert ("negsim[cluster]" in cluster_hint(name)) is hinted

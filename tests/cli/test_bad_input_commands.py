"""Bad input to every command (``negsim`` and the eight others): an unknown key, a wrong type,
a missing file, a bad choice, a mistaken flag, an interpolation that does not resolve. Each
ends with exit status 2 and exactly one line on stderr, which starts with the command's name
and contains the text given here; no traceback, and nothing written to the output folder.

The commands run in this process (:func:`tests.support.run_in_process`); the dashboard's
server is replaced by a failure, so a case that got past the checks fails instead of serving.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import run_in_process

HYDRA_APPS = ("negsim", "negsim-explore", "negsim-optimize", "negsim-sensitivity", "negsim-transcript", "negsim-calibrate")
DATA = Path(__file__).resolve().parents[1] / "data"

# (command, arguments ({tmp}: the test's folder, {data}: tests/data), text of the one line)
EVERY_HYDRA_APP = [
    (["nope.key=1"], "nope.key"),
    (["mc.n_runs=abc"], "mc.n_runs: Value 'abc'"),
    (["scenario_file={tmp}/missing.yaml"], "missing.yaml: no such file"),
    (["protocol=bogus"], "the choices are alternating, single_text, ultimatum"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["mc.seed=${nope}"], "mc.seed: Interpolation key 'nope' not found"),  # was a traceback, exit 1
    (["scenario.title=${oc.env:NEGSIM_NO_SUCH_VARIABLE}"], "scenario.title:"),  # was a traceback, exit 1
    (["-cn", "other"], "-cn: negsim composes its own conf/ only"),  # was Hydra's 9 lines, exit 1
    (["--config-dir", "{tmp}/nowhere"], "--config-dir: negsim composes its own conf/ only"),  # idem
]
CASES = [(command, args, text) for command in HYDRA_APPS for args, text in EVERY_HYDRA_APP] + [
    ("negsim", ["--cfg", "nope"], "argument --cfg/-c: invalid choice: 'nope'"),  # was the usage, 8 lines
    ("negsim", ["mc.seed=${mc.seed}"], "mc.seed: Recursive interpolation"),
    ("negsim", ["hydra.run.dir=${nope}"], "hydra.run.dir: Interpolation key 'nope' not found"),  # was a traceback
    ("negsim", ["mc.n_runs=10", "-m", "mc.seed=1,2"], "Hydra's flags, e.g. -m, go before the overrides"),
    ("negsim", ["-m", "mc.seed=range(0,100000000)"], "too many sweep points"),  # was a hang
    ("negsim", ["-m", "mc.seed=glob(*)"], "mc.seed"),  # was a traceback ("ConfigLoader is not set")
    ("negsim-transcript", ["run=abc"], "run: Value 'abc'"),
    ("negsim-explore", ["threshold=abc"], "threshold: Value 'abc'"),
    ("negsim-optimize", ["sense=sideways"], "sense: use 'auto', 'max' or 'min'"),
    ("negsim-sensitivity", ["method=nope"], "method: use one of"),
    ("negsim-sensitivity", ["method=given_data", "outcomes={tmp}/missing.parquet"], "outcomes: no outcomes.parquet"),
    ("negsim-calibrate", [], "targets: name a targets file"),
    ("negsim-calibrate", ["targets={tmp}/missing.yaml"], "targets: no such file"),
    ("negsim-calibrate", ["targets={data}/calibrate/targets_bad_quantity.yaml"], "targets[0].quantity: use war"),
    ("negsim-calibrate", ["targets={data}/calibrate/targets_us_response_2022.yaml"], "us_response_2022 is a back-test"),
    ("negsim-calibrate", ["targets={data}/calibrate/targets_us_response_2022.yaml", "scenario=lieven_2022"], "scenario: the targets file is on scenario 'us_response_2022'"),
    ("negsim-calibrate", ["targets={data}/../../docs/examples/targets_lieven_2022.yaml", "points=100"], "points: must be a power of 2"),
    ("negsim-report", [], "the following arguments are required: path"),  # was the usage and the error, 2 lines
    ("negsim-report", ["--bogus", "{tmp}"], "unrecognized arguments: --bogus"),  # idem
    ("negsim-report", ["{tmp}/missing"], "missing: no such directory"),
    ("negsim-scenarios", [], "the following arguments are required"),
    ("negsim-scenarios", ["bogus"], "invalid choice: 'bogus'"),
    ("negsim-scenarios", ["show", "nope"], "unknown scenario 'nope'"),
    ("negsim-scenarios", ["show", "{tmp}/missing.yaml"], "missing.yaml: no such file"),
    ("negsim-dashboard", ["--port", "abc"], "argument --port: invalid int value"),
    ("negsim-dashboard", ["--runs", "-5"], "--runs: -5 is outside"),  # was a server started
    ("negsim-dashboard", ["--runs", "0"], "--runs: 0 is outside"),  # idem
    ("negsim-dashboard", ["--seed", "-1"], "--seed: -1 is not a seed"),  # idem
    ("negsim-dashboard", ["--scenario", "nope"], "--scenario: unknown scenario 'nope'"),
    ("negsim-dashboard", ["--protocol", "nope"], "--protocol: unknown protocol 'nope'"),
]
WRITES = {"negsim", *HYDRA_APPS}  # commands that would write into hydra.run.dir / hydra.sweep.dir


@pytest.mark.parametrize(
    "command, args, text", [pytest.param(c, a, t, id=f"{c}:{' '.join(a)}") for c, a, t in CASES]
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, monkeypatch, command, args, text):
    from sim.teaching import dashboard

    monkeypatch.setattr(dashboard, "serve", lambda *a, **k: pytest.fail("the dashboard served despite bad input"))
    args = [arg.replace("{tmp}", str(tmp_path)).replace("{data}", str(DATA)) for arg in args]
    if command in WRITES:
        defaults = ["mc.n_runs=100", f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'multirun'}"]
        args += [d for d in defaults if not any(a.startswith(d.split("=")[0] + "=") for a in args)]
    result = run_in_process(command, args, cwd=tmp_path)
    report = result.describe()
    lines = result.stderr.splitlines()
    assert result.returncode == 2, report
    assert len(lines) == 1 and lines[0].startswith(f"{command}: error: "), report
    assert text in lines[0], report
    assert "Traceback" not in result.stderr + result.stdout, report
    assert not (tmp_path / "run").exists() and not (tmp_path / "multirun").exists(), report


def test_a_glob_sweep_of_a_group_is_accepted(tmp_path: Path):
    """``protocol=glob(*)`` is Hydra's sweep over a group's options; the checks before Hydra
    starts list them too (they raised "ConfigLoader is not set")."""
    from sim.configure import hydra_context, sweep_combinations

    with hydra_context():
        combinations = sweep_combinations(["-m", "protocol=glob(*)"])
    assert combinations == [("protocol=alternating",), ("protocol=single_text",), ("protocol=ultimatum",)]

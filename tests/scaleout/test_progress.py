"""The progress bar: on a terminal, for runs that take longer than ``PROGRESS_DELAY``
(2 s); quiet with ``CI=true``, with ``quiet=true``, when stderr is not a terminal, and for
short runs. With a bar, chunks are simulated in pieces so that it moves: the outcomes are
the same, byte for byte.

The bar on a real terminal is checked once, end to end: the command in a process of its own
with stderr on a pseudo-terminal. The cases without a bar run the command in this process
with a stderr that says it is a terminal (:class:`tests.support.TerminalText`), next to the
same in-process run that does show a bar, so that each "no bar" can fail.
"""

from __future__ import annotations

import pytest
from hydra import compose, initialize_config_dir

from sim import app
from sim.montecarlo import run_monte_carlo

from .support import environment, run, run_on_terminal

# the command with the bar's delay set to 0, so that a short run shows it
NO_DELAY = "import sys, sim.app as a; a.PROGRESS_DELAY = 0.0; sys.argv[0] = 'negsim'; a.main()"
ARGS = ["engine=mesa", "mc.n_runs=1500", "figures=false"]
BAR = "%|"


def _env(**extra: str) -> dict[str, str]:
    env = environment(**extra)
    if "CI" not in extra:
        env.pop("CI", None)  # the suite may itself run in CI
    return env


@pytest.mark.slow
def test_bar_on_a_terminal(tmp_path):
    result = run_on_terminal([*ARGS, f"hydra.run.dir={tmp_path}/run"], tmp_path, _env(), code=NO_DELAY)
    assert result.returncode == 0, result.describe()
    assert BAR in result.stderr and "lieven_2022" in result.stderr, result.describe()
    assert "1.50k/1.50k" in result.stderr and "runs/s" in result.stderr, result.describe()
    assert result.stderr.count(BAR) >= 3, result.describe()  # it moved during the one chunk


IN_PROCESS_ARGS = ["mc.n_runs=1500", "figures=false"]  # the batch engine: with no delay, a bar shows at once


@pytest.mark.parametrize(
    "case, extra_args, env_extra, terminal, bar",
    [
        ("terminal", [], {}, True, True),  # the guard: this run shows a bar
        ("ci", [], {"CI": "true"}, True, False),
        ("quiet", ["quiet=true"], {}, True, False),
        ("not_a_terminal", [], {}, False, False),  # stderr: captured text, as a pipe
    ],
)
def test_no_bar_in_ci_when_quiet_or_off_a_terminal(tmp_path, monkeypatch, case, extra_args, env_extra, terminal, bar):
    """With the bar's delay set to 0, so that any run would show it."""
    monkeypatch.setattr(app, "PROGRESS_DELAY", 0.0)
    args = [*IN_PROCESS_ARGS, *extra_args, f"hydra.run.dir={tmp_path}/run"]
    result = run(args, tmp_path, env=_env(**env_extra), terminal=terminal)
    assert result.returncode == 0, result.describe()
    assert (BAR in result.stderr) is bar, result.describe()
    if bar:
        assert "1.50k/1.50k" in result.stderr and "lieven_2022" in result.stderr, result.describe()


@pytest.mark.parametrize("delay, bar", [(None, False), (0.0, True)], ids=["default_delay", "guard_no_delay"])
def test_no_bar_for_a_short_run(tmp_path, monkeypatch, delay, bar):
    """The default delay (2 s): a 300-run batch Monte Carlo ends before it (with no delay,
    the same run on a terminal shows one)."""
    if delay is not None:
        monkeypatch.setattr(app, "PROGRESS_DELAY", delay)
    args = ["mc.n_runs=300", "figures=false", f"hydra.run.dir={tmp_path}/run"]
    result = run(args, tmp_path, env=_env(), terminal=True)
    assert result.returncode == 0, result.describe()
    assert (BAR in result.stderr) is bar, result.describe()


@pytest.mark.parametrize("engine, n_runs, chunk_size", [("batch", 30_000, 20_000), ("mesa", 700, 65_536)])
def test_progress_pieces_give_the_same_outcomes_byte_for_byte(tmp_path, engine, n_runs, chunk_size):
    with initialize_config_dir(version_base="1.3", config_dir=app.CONF_DIR, job_name="test"):
        cfg = compose(config_name="config", overrides=[f"engine={engine}", f"mc.n_runs={n_runs}", f"mc.chunk_size={chunk_size}"])
    scenario, protocol, engine, mc, container = app.build(cfg)
    plain = run_monte_carlo(scenario, protocol, engine, mc, tmp_path / "plain", container)
    steps: list[int] = []
    stepped = run_monte_carlo(scenario, protocol, engine, mc, tmp_path / "stepped", container, progress=steps.append)
    assert sum(steps) == n_runs and len(steps) > len(list(mc.chunks()))  # pieces inside the chunks
    assert (tmp_path / "stepped" / "outcomes.parquet").read_bytes() == (tmp_path / "plain" / "outcomes.parquet").read_bytes()
    assert stepped == plain

"""Fixtures for the teaching tools' tests (``tests/teaching/``): the console scripts of the
interpreter running the tests, run in a temporary folder (in this process, or in a subprocess
with ``process=True``), and the transcript's composed config. Only fixtures are shared; the names differ from those of ``tests/conftest.py`` and
``tests/cli/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import Completed, environment, run_command, run_in_process, script_path

TIMEOUT = 300  # seconds; a hung command fails its test instead of the whole suite


@pytest.fixture(scope="session")
def run_script():
    """``run_script(name, args, cwd, process=False)``: run a console script (its entry point
    in this process, or the installed script in a subprocess with ``process=True``), return a
    :class:`Completed`."""

    def run(name: str, args: list[str], cwd: Path, process: bool = False) -> Completed:
        if not process:
            return run_in_process(name, args, cwd, env=environment(COLUMNS="100"))
        command = [str(script_path(name)), *args]
        return run_command(command, cwd, env=environment(COLUMNS="100"), timeout=TIMEOUT)

    return run


@pytest.fixture(scope="session")
def console_script():
    """``console_script(name)``: the path of an installed console script."""
    return script_path


@pytest.fixture(scope="session")
def script_environment() -> dict[str, str]:
    """The environment the console scripts run in."""
    return environment(COLUMNS="100")


@pytest.fixture(scope="session")
def compose_transcript():
    """``compose_transcript(overrides)``: the config ``negsim-transcript OVERRIDES`` composes."""
    from hydra import compose, initialize_config_dir

    from sim.configure import CONF_DIR
    from sim.teaching.transcript import CONFIG_NAME, transcript_schema

    def compose_(overrides: list[str]):
        with (
            transcript_schema(),
            initialize_config_dir(
                version_base="1.3", config_dir=CONF_DIR, job_name="test_transcript"
            ),
        ):
            return compose(config_name=CONFIG_NAME, overrides=overrides)

    return compose_

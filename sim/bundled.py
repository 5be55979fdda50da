"""Where negsim's bundled configuration (``conf/``), scenario files (``scenarios/``) and lock
file (``requirements.lock``) are.

In a checkout (and an editable install) they are at the top of the checkout, beside ``sim/``. A
built wheel carries copies of them as package data in ``sim/_data/`` (``setup.py`` copies them
there when it builds), so ``pip install negsim-*.whl`` works from any directory. Every module
that needs one of these folders asks here (:data:`sim.configure.CONF_DIR`, the scenario search
path in ``hydra_plugins.negsim_scenarios``); nothing else builds their path.

This module imports nothing heavy: ``negsim``'s start-up time is measured.
"""

from __future__ import annotations

from pathlib import Path

DATA = "_data"
"""The package-data folder of an installed wheel: ``sim/_data/conf``, ``sim/_data/scenarios``."""
FOLDERS = ("conf", "scenarios")
FILES = ("requirements.lock",)
"""The pinned environment (``make`` installs from it; :mod:`sim.environment` records its hash)."""


def bundled(name: str) -> Path:
    """The bundled folder or file ``name`` (:data:`FOLDERS`, :data:`FILES`): the installed
    package data if there is some, else the checkout's top-level one."""
    if name not in FOLDERS + FILES:
        raise ValueError(f"nothing bundled is called {name!r}; the bundled folders and files are {', '.join(FOLDERS + FILES)}")
    # The package's own folder, as importlib.resources.files("sim") gives it for an installed
    # package (Hydra needs a real directory, and a wheel is always unpacked); not imported,
    # because it costs tens of milliseconds at every command start.
    installed = Path(__file__).resolve().parent / DATA / name
    if installed.exists():
        return installed
    checkout = Path(__file__).resolve().parents[1] / name
    if checkout.exists():
        return checkout
    raise FileNotFoundError(f"negsim's {name} is neither installed ({installed}) nor in a checkout ({checkout}): reinstall negsim")


def conf_dir() -> Path:
    """``conf/``: the Hydra config groups that ``negsim`` and the Python API compose."""
    return bundled("conf")


def scenarios_dir() -> Path:
    """``scenarios/``: the bundled scenario files (and ``evidence/``)."""
    return bundled("scenarios")


def lock_file() -> Path:
    """``requirements.lock``: the versions ``make`` installs (the ``test`` extra, pinned)."""
    return bundled("requirements.lock")

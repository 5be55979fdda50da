"""Where negsim's bundled configuration (``conf/``) and scenario files (``scenarios/``) are.

In a checkout (and an editable install) they are the top-level folders beside ``sim/``. A
built wheel carries copies of them as package data in ``sim/_data/`` (``setup.py`` copies them
there when it builds), so ``pip install negsim-*.whl`` works from any directory. Every module
that needs one of these folders asks here (:data:`sim.configure.CONF_DIR`, the scenario search
path in ``hydra_plugins.negsim_scenarios``); nothing else builds their path.

This module imports nothing heavy: ``negsim``'s start-up time is measured.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DATA = "_data"
"""The package-data folder of an installed wheel: ``sim/_data/conf``, ``sim/_data/scenarios``."""
FOLDERS = ("conf", "scenarios")


def bundled(name: str) -> Path:
    """The bundled folder ``name`` (``conf`` or ``scenarios``): the installed package data if
    there is some, else the checkout's top-level folder."""
    if name not in FOLDERS:
        raise ValueError(f"no bundled folder {name!r}; the bundled folders are {', '.join(FOLDERS)}")
    installed = Path(str(files("sim").joinpath(DATA, name)))
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[1] / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"negsim's {name}/ is neither installed ({installed}) nor in a checkout ({checkout}): reinstall negsim")


def conf_dir() -> Path:
    """``conf/``: the Hydra config groups that ``negsim`` and the Python API compose."""
    return bundled("conf")


def scenarios_dir() -> Path:
    """``scenarios/``: the bundled scenario files (and ``evidence/``)."""
    return bundled("scenarios")

"""Build hook: the wheel carries ``conf/``, ``scenarios/`` and ``requirements.lock`` as package data.

The design keeps both folders at the top of the checkout (``conf/`` is Hydra's, ``scenarios/``
holds plain data files that researchers read and edit). A wheel installs only packages, so the
build copies them into ``sim/_data/`` of the build; :mod:`sim.bundled` finds them there in an
installed package, and beside ``sim/`` in a checkout. The metadata is in ``pyproject.toml``.
"""

import sys
from pathlib import Path

if sys.version_info < (3, 12):  # pip would first report that no Mesa 3.5 fits this Python
    sys.exit(f"negsim needs Python >= 3.12 (this is {sys.version.split()[0]}): install it with a python3.12 or newer")

from setuptools import setup  # noqa: E402 (after the version check)
from setuptools.command.build_py import build_py  # noqa: E402

FOLDERS = ("conf", "scenarios")  # sim.bundled.FOLDERS
FILES = ("requirements.lock",)  # sim.bundled.FILES
SKIP = ("local",)  # conf/local/: a user's own git-ignored overrides, not for a wheel


class BuildWithData(build_py):
    """``build_py``, then ``conf/`` and ``scenarios/`` copied to ``<build>/sim/_data/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout
            return
        root = Path(__file__).resolve().parent
        for name in FOLDERS:
            for source in sorted((root / name).rglob("*")):
                relative = source.relative_to(root / name)
                if source.is_dir() or relative.parts[0] in SKIP or "__pycache__" in relative.parts:
                    continue
                target = Path(self.build_lib) / "sim" / "_data" / name / relative
                self.mkpath(str(target.parent))
                self.copy_file(str(source), str(target))
        for name in FILES:
            self.mkpath(str(Path(self.build_lib) / "sim" / "_data"))
            self.copy_file(str(root / name), str(Path(self.build_lib) / "sim" / "_data" / name))


setup(cmdclass={"build_py": BuildWithData})

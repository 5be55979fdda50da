"""The import boundaries of the code (DESIGN.md "A layout that shows this"), read from the
source with ``ast``: every import counts, at the top of a module or inside a function.

- ``sim/core`` imports no shell library (Mesa, Hydra, OmegaConf, pandas, matplotlib, pyarrow, SciPy);
- no import cycle among the modules of ``sim/``, ``analysis/`` and ``hydra_plugins/``
  (strongly connected components of the import graph, not only pairs);
- ``analysis/`` imports neither the Hydra app (``sim.app``, ``sim.launchers``) nor the Mesa
  shell (``sim.abm``): it reads files, or composes and simulates through :mod:`sim.api`;
- only the entry points and the config machinery import Hydra or OmegaConf (:data:`HYDRA_ALLOWED`).

The checker is tested on small synthetic packages too, so that a cycle or a forbidden import
is shown to make it fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "analysis", "hydra_plugins")
SHELL = {"mesa", "hydra", "omegaconf", "pandas", "matplotlib", "pyarrow", "scipy"}
NOT_FOR_ANALYSIS = ("sim.app", "sim.launchers", "sim.abm")
HYDRA = {"hydra", "omegaconf"}
HYDRA_ALLOWED = {
    "sim/app.py",  # the negsim command
    "sim/configure.py",  # composing conf/, build(cfg), command-line checks: shared by the entry points
    "sim/config.py",  # the structured configs (schema)
    "sim/launchers.py",  # negsim's pre-launch checks of Hydra's launcher and directories
    "sim/scenario_file.py",  # reads a scenario file with OmegaConf's YAML loader, as Hydra reads conf/
    "sim/teaching/transcript.py",  # the negsim-transcript command
    "analysis/_tool.py",  # the Hydra app of negsim-explore, -optimize and -sensitivity
}
HYDRA_ALLOWED_DIRS = ("hydra_plugins/",)  # Hydra plugins


def module_files(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the packages under ``root``."""
    out = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported_names(path: Path, module: str) -> set[str]:
    """Every dotted name ``module`` imports, anywhere in the file: ``import a.b`` gives
    ``a.b``, ``from a import b`` gives ``a.b`` (a module or a name in ``a``); relative
    imports are made absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    """Module -> the modules of the packages it imports: for each imported name, the
    longest module that it is or is inside (``from a import b``: ``a.b`` if that is a
    module, else ``a``)."""
    files = module_files(root, packages)

    def target(name: str) -> str | None:
        parts = name.split(".")
        return next((m for m in (".".join(parts[:n]) for n in range(len(parts), 0, -1)) if m in files), None)

    graph = {}
    for module, path in files.items():
        targets = {target(name) for name in imported_names(path, module)}
        graph[module] = targets - {None, module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def top_level_imports(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    """File (relative, with ``/``) -> the top-level names of everything it imports."""
    return {
        path.relative_to(root).as_posix(): {name.split(".")[0] for name in imported_names(path, module)}
        for module, path in module_files(root, packages).items()
    }


def forbidden_imports(root: Path, package: str, forbidden: tuple[str, ...]) -> list[str]:
    """``module -> name`` for every import under ``package`` of a forbidden module or of one inside it."""
    return sorted(
        f"{module} -> {name}"
        for module, path in module_files(root, (package,)).items()
        for name in imported_names(path, module)
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
    )


# --- the boundaries of this code -----------------------------------------------------------
def test_the_core_imports_no_shell_library():
    used = {
        path: sorted(names & SHELL)
        for path, names in top_level_imports(ROOT, ("sim",)).items()
        if path.startswith("sim/core/")
    }
    assert used, "no module found in sim/core"
    assert {path: names for path, names in used.items() if names} == {}


def test_no_import_cycle():
    graph = import_graph(ROOT)
    assert {"sim.app", "sim.configure", "analysis._tool"} <= set(graph)
    # sim/__init__.py re-exports the Python API lazily (PEP 562 __getattr__): that import runs
    # when sim.run etc. is first used, never while a module is being imported, so its edge is
    # left out (every module that reads sim.__version__ would otherwise close a cycle through it);
    # that it stays lazy is checked below.
    assert "sim.api" in graph["sim"]
    graph["sim"] = graph["sim"] - {"sim.api"}
    assert cycles(graph) == []


def test_the_sim_package_imports_the_api_only_when_used():
    tree = ast.parse((ROOT / "sim" / "__init__.py").read_text(encoding="utf-8"))
    at_import = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    at_import += [node for stmt in tree.body if isinstance(stmt, ast.Try) for node in stmt.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert {node.module for node in at_import if isinstance(node, ast.ImportFrom)} == {"importlib.metadata"}
    assert not [node for node in at_import if isinstance(node, ast.Import)]


def test_analysis_imports_neither_the_hydra_app_nor_the_mesa_shell():
    assert forbidden_imports(ROOT, "analysis", NOT_FOR_ANALYSIS) == []


def test_only_entry_points_and_the_config_machinery_import_hydra():
    hydra_users = {path for path, names in top_level_imports(ROOT).items() if names & HYDRA}
    outside = sorted(path for path in hydra_users - HYDRA_ALLOWED if not path.startswith(HYDRA_ALLOWED_DIRS))
    assert outside == [], "Hydra/OmegaConf outside the entry points: go through sim.api or sim.configure"
    stale = sorted(HYDRA_ALLOWED - hydra_users)
    assert stale == [], "allowed but no longer importing Hydra: shorten HYDRA_ALLOWED"


# --- the checker can fail -------------------------------------------------------------------
def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checker_finds_a_cycle_through_a_lazy_and_a_relative_import(tmp_path):
    root = _package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "def late():\n    import pkg.c\n",
        "pkg/c.py": "from . import a\n",
        "pkg/d.py": "from pkg.a import name  # a name of pkg.a: an edge to pkg.a, none back\n",
    })  # fmt: skip
    graph = import_graph(root, ("pkg",))
    assert graph["pkg.d"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    (root / "pkg/c.py").write_text("import os\n", encoding="utf-8")
    assert cycles(import_graph(root, ("pkg",))) == []


def test_the_checker_finds_forbidden_and_shell_imports_inside_functions(tmp_path):
    root = _package(tmp_path, {
        "sim/__init__.py": "",
        "sim/app.py": "import hydra\n",
        "sim/abm/__init__.py": "",
        "sim/abm/model.py": "",
        "sim/core/__init__.py": "",
        "sim/core/round.py": "def plot():\n    import matplotlib.pyplot as plt\n",
        "analysis/__init__.py": "",
        "analysis/ok.py": "from sim import api\n",
        "analysis/bad.py": "def run():\n    from sim import app\n    from sim.abm.model import Model\n",
    })  # fmt: skip
    found = forbidden_imports(root, "analysis", NOT_FOR_ANALYSIS)
    assert found == ["analysis.bad -> sim.abm.model.Model", "analysis.bad -> sim.app"]
    imports = top_level_imports(root, ("sim",))
    assert imports["sim/core/round.py"] & SHELL == {"matplotlib"}
    assert imports["sim/app.py"] & HYDRA == {"hydra"}


@pytest.mark.parametrize("level, expected", [(1, "pkg.sub.x.y"), (2, "pkg.x.y")])
def test_relative_imports_are_made_absolute(tmp_path, level, expected):
    files = {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/m.py": f"from {'.' * level}x import y\n"}
    root = _package(tmp_path, files)
    assert expected in imported_names(root / "pkg/sub/m.py", "pkg.sub.m")

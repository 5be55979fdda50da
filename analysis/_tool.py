"""Shared plumbing of the simulating analysis commands (``negsim-explore``,
``negsim-optimize``, ``negsim-sensitivity``): Hydra apps like ``negsim``.

Each command composes exactly the config ``negsim`` composes (``conf/config.yaml``, the same
scenario search path, every override), plus a few keys of its own. Those keys come from a
small structured-config extension: a dataclass that subclasses :class:`sim.config.NegsimConf`
and is stored under the schema's name (``negsim_schema``) in the command's own process, so
``conf/config.yaml`` stays the single source of the defaults list and ``threshold=0.7`` (no
``+``) is type-checked like any other key; ``negsim`` itself never sees these keys.

Bad input ends like ``negsim``'s: one line on stderr, exit status 2, no traceback, and no
run directory (every combination of a sweep is composed and validated before Hydra starts).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from sim import atomic
from sim.errors import ConfigError

log = logging.getLogger("negsim")

Validate = Callable[[object, tuple], None]
"""``validate(cfg, built)``: raise ConfigError for a bad command key; ``built`` is
``sim.api.build(cfg)``'s ``(scenario, protocol, engine, mc, container)``."""


def fail(prog: str, error: Exception) -> None:
    print(f"{prog}: error: {error}", file=sys.stderr)
    sys.exit(2)


def check_tool_command_line(args: list[str], validate: Validate | None) -> None:
    """``negsim``'s own check (composition, scenario, protocol, mc), then the command's keys
    for every combination of a sweep."""
    from sim.configure import (
        FLAGS_WITHOUT_CHECK,
        build,
        check_command_line,
        compose_config,
        hydra_context,
        sweep_combinations,
    )

    try:
        check_command_line(args)
    except ConfigError as error:
        if any(("<" in arg or ">" in arg) and not arg.startswith("-") for arg in args):
            raise ConfigError(
                error.field,
                error.value,
                f"{error.reason}; Hydra needs conditions quoted, e.g. 'subject_to=[\"p_war<=0.1\"]', "
                "or written with words, e.g. subject_to=[p_war:le:0.1]",
            ) from None
        raise
    if validate is None or any(arg in FLAGS_WITHOUT_CHECK for arg in args):
        return
    with hydra_context():
        for combination in sweep_combinations(args):
            cfg = compose_config(list(combination))
            validate(cfg, build(cfg))


@contextlib.contextmanager
def tool_schema(schema: type):
    """Within the block, ``negsim_schema`` is ``schema`` (for checks and tests in a process
    that also composes ``negsim``'s own config); afterwards ``negsim``'s schema again."""
    from hydra.core.config_store import ConfigStore

    import sim.configure  # noqa: F401  (importing it registers negsim's schema: do that first)
    from sim.config import register_configs

    ConfigStore.instance().store(name="negsim_schema", node=schema)
    try:
        yield
    finally:
        register_configs()


def run_tool(
    prog: str,
    schema: type,
    task: Callable[[object, Path], object],
    validate: Validate | None = None,
    tag: str | None = None,
) -> None:
    """Run a Hydra command: ``task(cfg, run_dir)`` once per job, with ``schema`` (a subclass
    of NegsimConf) as the config's schema. Without ``hydra.run.dir`` on the command line, runs
    go to ``outputs/<date>/<time>_<tag>_<scenario>`` (``negsim``'s pattern, tagged)."""
    import hydra
    from hydra.core.config_store import ConfigStore
    from hydra.core.hydra_config import HydraConfig

    from sim.configure import CONF_DIR, expand_command_line  # registers negsim's schema: first

    ConfigStore.instance().store(name="negsim_schema", node=schema)
    args = sys.argv[1:]
    try:
        args = expand_command_line(args)
        check_tool_command_line(args, validate)
    except ConfigError as error:
        fail(prog, error)
    args = with_run_dir(args, tag)

    def _main(cfg) -> None:
        try:
            task(cfg, Path(HydraConfig.get().runtime.output_dir))
        except ConfigError as error:
            fail(prog, error)

    _main.__module__ = task.__module__  # Hydra names the job after the task's module
    sys.argv = [prog, *args]
    hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")(_main)()


def with_run_dir(args: list[str], tag: str | None) -> list[str]:
    """``args`` plus ``hydra.run.dir=outputs/<date>/<time>_<tag>_<scenario>`` unless a run
    directory is given; appended last, so that flags such as ``-m`` stay before the
    overrides (Hydra's argument order)."""
    if not tag or any(arg.startswith("hydra.run.dir=") for arg in args):
        return list(args)
    return [
        *args,
        f"hydra.run.dir=outputs/${{now:%Y-%m-%d}}/${{now:%H-%M-%S}}_{tag}_${{scenario.name}}",
    ]


def write_table(frame, folder: Path, stem: str) -> list[Path]:
    """``stem.parquet`` and ``stem.csv``, each renamed into place when complete."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, write in (
        (".parquet", lambda p: frame.to_parquet(p, index=False)),
        (".csv", lambda p: frame.to_csv(p, index=False)),
    ):
        path = folder / f"{stem}{suffix}"
        with atomic.Replacement(path) as partial:
            write(partial)
        paths.append(path)
    return paths


def save_figure(fig, path: Path) -> Path:
    """Write a matplotlib figure as PNG under a temporary name, then rename it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic.Replacement(path, hidden=True) as partial:
        fig.savefig(partial, dpi=120, format="png", metadata={"Software": None})
    plt.close(fig)
    return path

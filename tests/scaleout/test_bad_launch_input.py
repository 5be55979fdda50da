"""Bad launch input on the real command line: one line on stderr naming the field and the
value, exit status 2, no traceback, nothing written (checked before Hydra creates anything).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass

import pytest

from sim.errors import ConfigError
from sim.launchers import check_slurm, compose_with_hydra

from .support import run

SWEEP = ["-m", "mc.seed=1,2", "mc.n_runs=200", "figures=false"]


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    field: str
    text: str  # also on the line


CASES = [
    Case("launcher_not_installed", (*SWEEP, "hydra/launcher=ray"), "hydra/launcher", "no such launcher"),
    Case("slurm_without_partition", (*SWEEP, "hydra/launcher=slurm_example"), "hydra.launcher.partition", "required"),
    Case(
        "slurm_zero_time",
        (*SWEEP, "hydra/launcher=slurm_example", "hydra.launcher.partition=cpu", "hydra.launcher.timeout_min=0"),
        "hydra.launcher.timeout_min",
        ">= 1",
    ),
    Case("n_jobs_zero", ("mc.n_jobs=0",), "mc.n_jobs", ">= 1"),
    Case("n_jobs_negative_in_a_sweep", (*SWEEP, "mc.n_jobs=-1"), "mc.n_jobs", ">= 1"),
    Case("run_dir_under_a_file", ("mc.n_runs=200", "hydra.run.dir={tmp}/a_file/run"), "hydra.run.dir", "not a directory"),
    Case("sweep_dir_under_a_file", (*SWEEP, "hydra.sweep.dir={tmp}/a_file/sweep"), "hydra.sweep.dir", "not a directory"),
]


def _listing(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _check_refused(result, field: str, text: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.describe()
    assert len(lines) == 1, result.describe()
    assert lines[0].startswith(f"negsim: error: {field}: "), result.describe()
    assert text in lines[0], result.describe()
    assert "Traceback" not in result.stderr + result.stdout, result.describe()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_launch_input_is_one_line(case, tmp_path):
    (tmp_path / "a_file").write_text("not a directory\n")
    before = _listing(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    if not any(a.startswith(("hydra.run.dir=", "hydra.sweep.dir=")) for a in args):
        args += [f"hydra.run.dir={tmp_path}/run", f"hydra.sweep.dir={tmp_path}/sweep"]
    _check_refused(run(args, cwd=tmp_path), case.field, case.text)
    assert _listing(tmp_path) == before  # nothing written


@pytest.mark.skipif(bool(shutil.which("sbatch") and shutil.which("srun")), reason="this machine has SLURM")
def test_slurm_launcher_without_slurm_is_one_line(tmp_path):
    args = [*SWEEP, "hydra/launcher=submitit_slurm", "hydra.launcher.partition=cpu", f"hydra.sweep.dir={tmp_path}/sweep"]
    result = run(args, cwd=tmp_path)
    _check_refused(result, "hydra/launcher", "not found")
    assert "submitit_local" in result.stderr  # says what to use instead
    assert _listing(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only directory")
def test_read_only_output_directory_is_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = run(["mc.n_runs=200", f"hydra.run.dir={locked}/run"], cwd=tmp_path)
        _check_refused(result, "hydra.run.dir", "cannot write")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(stat.S_IRWXU)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_output_directory_on_a_file_system_that_refuses_it(tmp_path):
    """/proc refuses new directories even to root."""
    _check_refused(run(["mc.n_runs=200", "hydra.run.dir=/proc/negsim-test/run"], cwd=tmp_path), "hydra.run.dir", "cannot write")


@pytest.mark.parametrize(
    "key, value", [("array_parallelism", 0), ("cpus_per_task", 0), ("mem_gb", -1), ("nodes", 0), ("tasks_per_node", 0)]
)
def test_slurm_sizes_below_one_are_refused(key, value):
    cfg = compose_with_hydra(["hydra/launcher=slurm_example", "hydra.launcher.partition=cpu", f"hydra.launcher.{key}={value}"])
    with pytest.raises(ConfigError, match=f"hydra.launcher.{key}: must be a whole number >= 1"):
        check_slurm(cfg.hydra.launcher, "slurm_example")


def test_slurm_example_extends_the_plugin_config():
    launcher = compose_with_hydra(["hydra/launcher=slurm_example", "hydra.launcher.partition=cpu"]).hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher")
    assert (launcher.partition, launcher.timeout_min, launcher.cpus_per_task) == ("cpu", 60, 4)
    assert (launcher.array_parallelism, launcher.mem_gb, launcher.name) == (16, 8, "negsim")
    assert str(launcher.submitit_folder).endswith("/.submitit/%j")

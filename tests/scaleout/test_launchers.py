"""The same sweep through Hydra's launchers: basic (the reference), ``joblib`` (all local
cores) and ``submitit_local`` (submitit's code path, as on SLURM, on this machine). Every
point's ``summary.json`` gives the same estimates, and its outcomes table the same bytes, as
the basic launcher's for the same seed. The SLURM example config is checked up to the job
script it makes, through a stand-in ``sbatch`` that records the script and refuses it
(in this process: nothing is launched).
"""

from __future__ import annotations

import os
import stat
import sys

import pytest

from .support import N_POINTS, SWEEP, Sweep, environment, estimates, run, table_bytes


SEEDS = "mc.seed=1,2"
assert SEEDS in SWEEP


def _sweep(tmp_path_factory, launcher: str, seeds: str = SEEDS) -> Sweep:
    """The sweep through ``launcher``, started as a process of its own (the launchers start
    worker processes or jobs of their own: the command is run as a user runs it)."""
    root = tmp_path_factory.mktemp(launcher)
    args = [seeds if arg == SEEDS else arg for arg in SWEEP]
    result = run([*args, f"hydra/launcher={launcher}", f"hydra.sweep.dir={root / 'sweep'}"], cwd=root, process=True)
    assert result.returncode == 0, result.describe()
    return Sweep(root / "sweep", result)


@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory) -> Sweep:
    """All four points on the joblib workers (more points than workers: a worker runs two)."""
    return _sweep(tmp_path_factory, "joblib")


@pytest.fixture(scope="module")
def submitit_sweep(tmp_path_factory) -> Sweep:
    """Seed 1's two points: submitit starts one process per job, so two jobs are enough to
    see one job per point and half the interpreters to start."""
    return _sweep(tmp_path_factory, "submitit_local", seeds="mc.seed=1")


def test_reference_sweep_has_every_point_once(reference_sweep):
    found = reference_sweep.by_hash()
    assert len(found) == N_POINTS
    seen = {(estimates(d)["seed"], estimates(d)["scenario"]) for d in found.values()}
    assert seen == {(s, n) for s in (1, 2) for n in ("lieven_2022", "us_response_2022")}
    assert not list(reference_sweep.dir.rglob("INCOMPLETE"))


def _same_as_reference(sweep: Sweep, reference: Sweep, seeds: tuple[int, ...] = (1, 2)) -> None:
    """The sweep's points are exactly the reference's points of ``seeds``, with the same
    estimates and outcome bytes."""
    expected = {h: d for h, d in reference.by_hash().items() if estimates(d)["seed"] in seeds}
    assert len(expected) == 2 * len(seeds)  # two scenarios per seed
    found = sweep.by_hash()
    assert sorted(found) == sorted(expected), sweep.result.describe()
    for digest, run_dir in found.items():
        assert estimates(run_dir) == estimates(expected[digest]), run_dir
        assert table_bytes(run_dir / "outcomes.parquet") == table_bytes(expected[digest] / "outcomes.parquet"), run_dir
    assert not list(sweep.dir.rglob("INCOMPLETE")) and not list(sweep.dir.rglob("*.partial"))


@pytest.mark.slow
def test_joblib_launcher_gives_the_basic_launchers_estimates(joblib_sweep, reference_sweep):
    assert "Joblib.Parallel(" in joblib_sweep.result.stdout + joblib_sweep.result.stderr, joblib_sweep.result.describe()
    _same_as_reference(joblib_sweep, reference_sweep)


@pytest.mark.slow
def test_submitit_local_launcher_gives_the_basic_launchers_estimates(submitit_sweep, reference_sweep):
    logs = sorted((submitit_sweep.dir / ".submitit").rglob("*_log.out"))
    assert len(logs) == 2, submitit_sweep.result.describe()  # one submitit job per point
    _same_as_reference(submitit_sweep, reference_sweep, seeds=(1,))


FAKE_SBATCH = """#!/bin/sh
# stands in for SLURM's sbatch: keeps the job script, then refuses it
cp "$1" "$NEGSIM_TEST_SBATCH_SCRIPT"
echo "sbatch: error: test stand-in, nothing submitted" >&2
exit 1
"""


@pytest.mark.slow
def test_slurm_example_config_makes_the_job_script(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("sbatch", FAKE_SBATCH), ("srun", "#!/bin/sh\nexit 1\n")):  # submitit looks for both
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod((bin_dir / name).stat().st_mode | stat.S_IXUSR)
    script = tmp_path / "job.sh"
    env = environment(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", NEGSIM_TEST_SBATCH_SCRIPT=str(script))
    args = [
        *SWEEP, "hydra/launcher=slurm_example", "hydra.launcher.partition=cpu", "hydra.launcher.array_parallelism=2",
        "hydra.launcher.timeout_min=90", "mc.n_jobs=4", f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]  # fmt: skip
    result = run(args, cwd=tmp_path, env=env)
    assert result.returncode != 0, result.describe()  # the stand-in refused the job
    assert script.exists(), result.describe()
    text = script.read_text()
    for line in (
        "#SBATCH --partition=cpu", "#SBATCH --time=90", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8GB",
        f"#SBATCH --array=0-{N_POINTS - 1}%2", "#SBATCH --nodes=1", "#SBATCH --ntasks-per-node=1",
    ):  # fmt: skip
        assert line in text.splitlines(), (line, text)
    assert "#SBATCH --job-name=negsim" in text.splitlines(), text
    assert f"{sys.executable} -u -m submitit.core._submit" in text, text  # each task runs this Python
    assert not list((tmp_path / "sweep").rglob("summary.json"))


@pytest.mark.parametrize(
    "mode, target, shares",
    [
        ("RUN", "hydra._internal.core_plugins.basic_launcher.BasicLauncher", False),
        ("MULTIRUN", "hydra._internal.core_plugins.basic_launcher.BasicLauncher", False),
        ("MULTIRUN", "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher", True),
        ("MULTIRUN", "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher", True),
        ("MULTIRUN", "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher", False),
    ],
)
def test_points_beside_others_on_the_same_cores_default_to_one_thread(mode, target, shares):
    """A point that a local parallel launcher runs beside others gets mc.n_threads = 1 by
    default (every core per point would oversubscribe them); a SLURM task has its own CPU set."""
    from hydra.conf import HydraConf
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from sim.app import shares_cores

    hydra = OmegaConf.structured(HydraConf)
    hydra.mode = RunMode[mode]
    hydra.launcher = {"_target_": target}
    saved = HydraConfig.instance().cfg
    try:
        HydraConfig.instance().set_config(OmegaConf.create({"hydra": hydra}))
        assert shares_cores() is shares
    finally:
        HydraConfig.instance().cfg = saved

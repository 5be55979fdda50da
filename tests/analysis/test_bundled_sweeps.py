"""The ready grids of conf/sweep/: each composes (as ``sweep=NAME``) into a 3 x 3
``hydra.sweeper.params`` grid with its own sweep directory, every point is a valid negsim
config, and a 2 x 2 version runs through ``negsim -m`` and ``negsim-report``."""

from __future__ import annotations

import itertools

import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.configure import CONF_DIR, build

GRIDS = {
    "deadline_x_escalation": {
        "scenario.actors.russia.deadline.value": ["3", "5", "8"],
        "scenario.escalation.beta_gap.value": ["2", "4", "6"],
    },
    "membership_x_donbas": {
        "scenario.opening_offer.nato_membership": ["open_door", "moratorium_20y", "permanent_ban"],
        "scenario.opening_offer.donbas": ["status_quo", "minsk_ii_autonomy", "unconditional_autonomy"],
    },
}


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_bundled_sweep_composes_to_its_grid(name):
    with initialize_config_dir(version_base="1.3", config_dir=CONF_DIR, job_name="negsim"):
        cfg = compose(config_name="config", overrides=[f"sweep={name}"], return_hydra_config=True)
        params = dict(cfg.hydra.sweeper.params)
        assert cfg.hydra.sweep.dir == f"multirun/sweep_{name}"
        assert cfg.mc.n_runs == 5000
        parsed = OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()])
        values = {
            o.get_key_element(): list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.get_value_element_as_str()]
            for o in parsed
        }
        for key, grid in GRIDS[name].items():
            assert values[key] == grid
        assert sum(len(v) > 1 for v in values.values()) == 2
        # every point of the grid is a valid negsim config
        for point in itertools.product(*([f"{k}={v}" for v in vs] for k, vs in values.items())):
            build(compose(config_name="config", overrides=[f"sweep={name}", *point]))


@pytest.mark.slow
def test_a_bundled_sweep_runs(tmp_path, script):
    """2 x 2 of membership_x_donbas (command-line values win over the file's), 50 runs each."""
    out = tmp_path / "sweep"
    done = script(
        "negsim",
        [
            "-m",
            "sweep=membership_x_donbas",
            "scenario.opening_offer.nato_membership=open_door,permanent_ban",
            "scenario.opening_offer.donbas=status_quo,minsk_ii_autonomy",
            "mc.n_runs=50",
            "figures=false",
            "quiet=true",
            f"hydra.sweep.dir={out}",
        ],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["0", "1", "2", "3"]
    done = script("negsim-report", [str(out), "--quiet"], cwd=tmp_path)
    assert done.returncode == 0, done.describe()
    assert (out / "figures" / "sweep_heatmap_agreement.png").is_file()
    table = pq.read_table(out / "sweep.parquet").to_pylist()
    assert len(table) == 4  # the 2 x 2 sweep is exactly four rows, one per point
    membership, donbas = "scenario.opening_offer.nato_membership", "scenario.opening_offer.donbas"
    assert sorted((row[membership], row[donbas]) for row in table) == [
        ("open_door", "minsk_ii_autonomy"),
        ("open_door", "status_quo"),
        ("permanent_ban", "minsk_ii_autonomy"),
        ("permanent_ban", "status_quo"),
    ]
    assert all(row["n_runs"] == 50 and 0.0 <= row["p.agreement"] <= 1.0 for row in table)

"""``negsim-calibrate targets=FILE``: history matching of some priors to stated targets
(:mod:`analysis.calibrate`), a Hydra app like ``negsim-sensitivity``.

The targets file names the scenario and the protocol; without ``scenario=`` and
``protocol=`` on the command line they are taken from it (given, they must agree with it).
Every other key is ``negsim``'s (``mc.n_runs``, ``mc.seed``, ``mc.n_jobs``, ``engine``,
``scenario_file=``), plus ``points`` (a power of 2, default 128), ``cutoff`` (default 3) and
``design_seed`` (default ``mc.seed``). Bad input (a bad targets file, a back-test, an unknown
prior) ends with one line on stderr and exit status 2 before anything is written.

Outputs in the run directory (``outputs/<date>/<time>_calibrate_<scenario>``):

- ``points.parquet``/``.csv``: every design point, its simulated quantities, implausibilities,
  ``I_max`` and ``accepted``;
- ``fit.csv``: per target, the target, the best point, the accepted points' range and the
  calibrated scenario's check; ``region.csv``: per prior, the range searched and accepted;
- ``calibrate.json`` (settings, seed, version, config, the tables) and ``calibrate.md`` (the
  words the terminal shows);
- ``calibrated_<scenario>.yaml`` when some point is accepted: run it with ``negsim
  scenario_file=PATH``, audit it with ``negsim-scenarios audit PATH``;
- ``figures/calibrate_marginals.png``, ``calibrate_pairs.png``, ``calibrate_implausibility.png``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.calibrate import CUTOFF, Calibration, calibrate, check_spec, quantity_label, read_targets
from sim.config import NegsimConf
from sim.errors import ConfigError

PROG = "negsim-calibrate"


@dataclass
class CalibrateConf(NegsimConf):
    """``negsim``'s config plus the calibration's keys."""

    targets: str | None = None
    points: int = 128
    cutoff: float = CUTOFF
    design_seed: int | None = None


def _spec(cfg):
    if cfg.targets is None:
        raise ConfigError("targets", None, "name a targets file: targets=PATH (docs/analysis.md, 'Calibration')")
    return read_targets(cfg.targets)


def _validate(cfg, built) -> None:
    spec = _spec(cfg)
    check_spec(spec, built[0], built[1].name)
    points = int(cfg.points)
    if points < 2 or points & (points - 1):
        raise ConfigError("points", points, "must be a power of 2 of at least 2 (a Sobol design is balanced at powers of 2)")
    if not float(cfg.cutoff) > 0:
        raise ConfigError("cutoff", cfg.cutoff, "must be > 0")


def _task(cfg, out_dir: Path) -> Calibration:
    import sim
    from sim.configure import build  # not sim.api, which imports this module (sim.calibrate)

    scenario, protocol, engine, mc, container = build(cfg)
    spec = _spec(cfg)
    result = calibrate(spec, container["scenario"], protocol, engine, mc, int(cfg.points), float(cfg.cutoff),
                       cfg.design_seed, sim.__version__)  # fmt: skip
    result.settings["config"] = container
    write_outputs(result, out_dir, bool(cfg.figures))
    if not cfg.quiet:
        print(format_calibration(result, out_dir))
    return result


def write_outputs(result: Calibration, out_dir: Path, figures: bool = True) -> list[Path]:
    """Every output file (module docstring), each renamed into place when complete; the
    figures are drawn before anything is written."""
    from analysis._tool import save_figure, write_table
    from sim import atomic

    drawn = {}
    if figures:
        import matplotlib

        matplotlib.use("Agg")
        from analysis.calibrate_figures import plot_implausibility, plot_marginals, plot_pairs

        drawn = {"calibrate_marginals.png": plot_marginals(result), "calibrate_pairs.png": plot_pairs(result),
                 "calibrate_implausibility.png": plot_implausibility(result)}  # fmt: skip
    out_dir = Path(out_dir)
    paths = write_table(result.points, out_dir, "points")
    for name, frame in (("fit.csv", result.fit), ("region.csv", result.region)):
        with atomic.Replacement(out_dir / name) as partial:
            frame.to_csv(partial, index=False)
        paths.append(out_dir / name)
    meta = {
        "settings": result.settings,
        "accepted": result.n_accepted,
        "targets": [{"name": t.name, "quantity": t.quantity, "value": t.value, "sd": t.sd,
                     "interval": list(t.interval) if t.interval else None, "source": t.source} for t in result.spec.targets],
        "region": result.region.to_dict(orient="records"),
        "fit": result.fit.to_dict(orient="records"),
    }  # fmt: skip
    atomic.write_json(out_dir / "calibrate.json", meta)
    atomic.write_text(out_dir / "calibrate.md", f"```\n{format_calibration(result)}\n```\n")
    paths += [out_dir / "calibrate.json", out_dir / "calibrate.md"]
    if result.calibrated is not None:
        path = out_dir / f"{result.calibrated['name']}.yaml"
        header = (
            f"# Calibrated by negsim-calibrate from {result.spec.scenario} ({result.spec.path}); "
            "each calibrated prior records its targets.\n"
        )
        atomic.write_text(path, header + yaml.safe_dump(result.calibrated, sort_keys=False, allow_unicode=True, width=100))
        paths.append(path)
    for name, fig in drawn.items():
        paths.append(save_figure(fig, out_dir / "figures" / name))
    return paths


def format_calibration(result: Calibration, out_dir: Path | None = None) -> str:
    """The calibration in words: settings, accepted region, fit to each target."""
    s = result.settings
    n = len(result.points)
    lines = [
        f"Calibration of {result.spec.scenario} ({result.spec.protocol}): history matching, {n} Sobol points "
        f"(seed {s['design_seed']}) x {s['n_runs']} runs (seed {s['seed']}, the same at every point), "
        f"accepted iff max implausibility <= {s['cutoff']:g}.",
        f"Accepted: {result.n_accepted} of {n} points ({result.n_accepted / n:.0%} of the searched box).",
        "",
        "Prior".ljust(34) + "written".ljust(24) + "searched".ljust(20) + "accepted",
    ]
    for row in result.region.itertuples():
        accepted = "none" if result.n_accepted == 0 else f"[{row.accepted_low:.3g}, {row.accepted_high:.3g}]"
        lines.append(f"{row.prior:<34}{row.written:<24}{f'[{row.search_low:g}, {row.search_high:g}]':<20}{accepted}")
    lines += ["", "Target".ljust(30) + "best point (I)".ljust(18) + "accepted points".ljust(20) + "calibrated scenario (I)"]
    for row in result.fit.itertuples():
        target = f"{quantity_label(row.quantity)} {row.value:.3f}±{row.sd:.3f}"
        span = "-" if result.n_accepted == 0 else f"{row.accepted_sim_low:.3f}..{row.accepted_sim_high:.3f}"
        check = "-" if result.calibrated is None else f"{row.check_p:.3f} [{row.check_lo:.3f}, {row.check_hi:.3f}] ({row.check_I:.2f})"
        lines.append(f"{target:<30}{f'{row.best_sim:.3f} ({row.best_I:.2f})':<18}{span:<20}{check}")
    if result.calibrated is None:
        lines += ["", "No point is accepted: the targets cannot be reached within the searched ranges (no calibrated "
                  "scenario written). Widen the ranges, calibrate other priors, or question the targets."]  # fmt: skip
    else:
        lines += ["", "The calibrated scenario spreads each calibrated prior uniformly over its accepted range (the "
                  "design fixed it): its check can differ from the design's fit."]  # fmt: skip
    if out_dir is not None:
        lines += ["", f"Outputs: {out_dir}"]
    return "\n".join(lines)


def _with_file_choices(args: list[str]) -> list[str]:
    """``args`` plus ``scenario=`` and ``protocol=`` from the targets file where not given (a
    file that cannot be read is reported later, by the checks)."""
    given = [a.split("=", 1)[1] for a in args if a.startswith("targets=")]
    if not given:
        return args
    try:
        spec = read_targets(given[-1])
    except ConfigError:
        return args
    added = [f"{key}={value}" for key, value in (("scenario", spec.scenario), ("protocol", spec.protocol))
             if not any(a.startswith(f"{key}=") for a in args) and not (key == "scenario" and any(a.startswith("scenario_file=") for a in args))]  # fmt: skip
    return [*args, *added]


def main() -> None:
    """Console entry point ``negsim-calibrate``."""
    from analysis._tool import run_tool

    sys.argv = [sys.argv[0], *_with_file_choices(sys.argv[1:])]
    run_tool(PROG, CalibrateConf, _task, _validate, tag="calibrate")


if __name__ == "__main__":
    main()

"""``negsim-discover RUN_DIR --outcome war``: scenario discovery on an existing run
(:mod:`analysis.discover`), written beside it.

It reads files only (no Hydra, no simulation), so it is a plain command like
``negsim-report``. Bad input (a missing, incomplete or damaged run directory, an unknown
outcome, no varying prior, an outcome that never or always happens) ends with one line on
stderr and exit status 2, before anything is written; every file is written under a
temporary name and renamed into place (:mod:`sim.atomic`).

Outputs in ``--out`` (default ``RUN_DIR/discover/<outcome>/``):

- ``trajectory.csv``: PRIM's peeling trajectory, one row per step
  (:func:`analysis.discover.trajectory_table`), the chosen step marked;
- ``box.csv``: the chosen box, one row per restricted prior: its limits (empty for a side
  not restricted: open), its range in the fitted runs and the quasi-p-values of its lower
  and upper limit;
- ``tree.txt``: the CART tree (scikit-learn's text export);
- ``discover.json``: the sentence, the estimates, the box, the tree's best leaf, the settings;
- ``discover.md``: what the terminal shows, and the tree;
- ``figures/discover_tradeoff.png``, ``figures/discover_box.png``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from analysis.discover import DiscoverError, Discovery, discover, dumps, format_discovery, outcome_names
from sim import atomic

PROG = "negsim-discover"


def box_table(found: Discovery) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"parameter": r.parameter, "name": r.name, "low": r.low if r.restricts_low else float("nan"),
             "high": r.high if r.restricts_high else float("nan"), "minimum": r.minimum,
             "maximum": r.maximum, "qp_low": r.qp_low, "qp_high": r.qp_high}
            for r in found.restrictions
        ],
        columns=["parameter", "name", "low", "high", "minimum", "maximum", "qp_low", "qp_high"],
    )


def render_figures(found: Discovery) -> dict[str, object]:
    """The figures by file name, drawn before anything is written."""
    import matplotlib

    matplotlib.use("Agg")
    from analysis.discover_figures import plot_box, plot_tradeoff

    return {"discover_tradeoff.png": plot_tradeoff(found), "discover_box.png": plot_box(found)}


def write_outputs(found: Discovery, out_dir: Path, figures: bool = True) -> list[Path]:
    """Every output file (module docstring), each renamed into place when complete."""
    from analysis._tool import save_figure

    drawn = render_figures(found) if figures else {}
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in (("trajectory.csv", found.trajectory), ("box.csv", box_table(found))):
        path = out_dir / name
        with atomic.Replacement(path) as partial:
            frame.to_csv(partial, index=False)
        paths.append(path)
    texts = {
        "tree.txt": found.tree_text,
        "discover.json": dumps(found),
        "discover.md": f"```\n{format_discovery(found)}\n```\n\n## CART tree\n\n```\n{found.tree_text}```\n",
    }
    for name, text in texts.items():
        atomic.write_text(out_dir / name, text)
        paths.append(out_dir / name)
    for name, fig in drawn.items():
        paths.append(save_figure(fig, out_dir / "figures" / name))
    return paths


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``negsim-discover``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Scenario discovery on a negsim run: in which region of the priors does an outcome "
        "concentrate? PRIM (EMA Workbench) and CART (scikit-learn) on its outcomes.parquet.",
    )
    parser.add_argument("run_dir", help="a complete negsim run directory (with outcomes.parquet)")
    parser.add_argument(
        "--outcome", default="war",
        help="war (highest rung >= full-scale invasion), a status, or status.<name> (status.war: the status "
        f"war alone); one of {', '.join(outcome_names())} (default: war)",
    )
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--min-density", type=float, help="choose the significant box of highest coverage with at least this density")
    choice.add_argument("--box", type=int, help="choose this step of the peeling trajectory")
    parser.add_argument("--holdout", type=float, default=0.5, help="share of the runs held out to estimate the box (default 0.5; 0: none)")
    parser.add_argument("--seed", type=int, help="seed of the held-out draw (default: the run's seed)")
    parser.add_argument("--depth", type=int, default=3, help="depth of the CART tree (default 3)")
    parser.add_argument("--out", type=Path, help="output directory (default RUN_DIR/discover/<outcome>)")
    parser.add_argument("--no-figures", action="store_true", help="write the tables and texts only")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = parser.parse_args(argv)
    if args.depth < 1:
        parser.exit(2, f"{PROG}: error: --depth {args.depth}: at least 1\n")
    try:
        found = discover(args.run_dir, args.outcome, args.holdout, args.min_density, args.box, args.depth, args.seed)
    except DiscoverError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        sys.exit(2)
    out_dir = args.out if args.out is not None else Path(args.run_dir) / "discover" / args.outcome
    write_outputs(found, out_dir, not args.no_figures)
    if not args.quiet:
        print(format_discovery(found, out_dir))


if __name__ == "__main__":
    main()

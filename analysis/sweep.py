"""Sweep and run reports (``negsim-report PATH``): one tidy table, figures and a markdown page.

PATH is one Hydra run directory (it holds ``.hydra/``) or a multirun (sweep) directory
(``multirun/<date>/<time>/`` with one run directory per job). The report only reads files:
each run's ``.hydra/overrides.yaml`` and ``summary.json``; it never simulates.

It writes, in PATH:

- ``sweep.parquet`` and ``sweep.csv``: one row per run directory found. A column per
  overridden key, named exactly as the override's key (``mc.seed``, ``protocol``,
  ``scenario.escalation.beta_gap.low``; a ``+``/``++``/``~`` prefix dropped), holding the
  override's value (numbers as numbers); ``state`` (``ok``, ``failed``, ``incomplete``) and
  ``problem``; ``n_runs``; ``p_war``, ``p_war_lo``, ``p_war_hi``: P(war), the share of runs
  whose highest rung is at least full-scale invasion, whatever their status (``summary.json``'s
  ``p_war``, :func:`sim.summary.p_war`) and ``n_war``, its count of runs; ``p.<status>``,
  ``lo.<status>``, ``hi.<status>`` for every status (95% Wilson intervals, from
  ``summary.json``; ``p.war`` is the share of the status ``war``, "status war", not P(war))
  and ``n.<status>``, its count of runs; ``p_accept.<actor>``, ``lo_accept.<actor>``,
  ``hi_accept.<actor>``; ``eu.<actor>`` (mean utility of the final package); ``mean_rounds``;
  ``scenario``, ``protocol``, ``engine``, ``seed``, ``config_hash``, ``version``, ``run_dir``.
- ``figures/sweep_*.png``, labelled in words (:mod:`sim.labels`), titled with scenario,
  protocol, runs per point and seed: the paper figure ``sweep_<metric>.png`` (``--metric``,
  P(war) by default: the metric against ``--x``, a line per value of ``--y``, Wilson bands and
  error bars); with one swept parameter (an overridden key that takes more than
  one value), P(status) and P(war) against it with interval bands (and acceptance by actor);
  with two, heatmaps of P(agreement) and P(war); with more, the same heatmaps for two of them (``--x``,
  ``--y``; by default the first two swept keys) in a small-multiples grid, one panel per
  combination of the others, and a note naming the choice.
- ``report.md``: the table and the figures, and every run that failed (no ``summary.json``,
  or results that do not read back: :func:`sim.rundir.inspect`) or is incomplete (its
  ``INCOMPLETE`` marker, a ``*.partial`` file), and jobs missing from a basic sweep.

With no complete run at all, it writes nothing and exits with status 2 and one line naming
the first run directory and what is wrong with it.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.report import war_estimate
from sim import atomic, rundir
from sim.errors import OneLineParser
from sim.core.enums import STATUS_NAMES
from sim.labels import STATUS_WAR, actor_words, key_label, metric_label, status_label, value_label
from sim.summary import P_WAR_CAPTION, estimate

PROG = "negsim-report"
WAR_COLUMNS = ("p_war", "p_war_lo", "p_war_hi")
MEASURES = {
    "agreement": (("p.agreement", "lo.agreement", "hi.agreement"), "P(agreement)"),
    "war": (WAR_COLUMNS, P_WAR_CAPTION),
}
"""What the heatmaps show: P(agreement) (the status), and P(war) by the highest rung."""
ANALYSIS_OUTPUTS = ("packages.parquet", "offers.parquet", "sensitivity.parquet")
MAX_PANELS = 36


class ReportError(Exception):
    """Bad input to the report: printed as one line, exit status 2."""


@dataclass
class RunDir:
    path: Path | None  # None: a point of a sweep held in memory
    overrides: dict[str, str]
    job: int | None
    state: str  # ok | failed | incomplete
    problem: str = ""
    summary: dict | None = None


@dataclass
class Sweep:
    root: Path | None
    runs: list[RunDir]
    override_keys: list[str]
    swept: list[str]
    missing_jobs: list[int] = field(default_factory=list)
    expected_jobs: int | None = None

    @property
    def problems(self) -> list[RunDir]:
        return [run for run in self.runs if run.state != "ok"]


# --- reading -------------------------------------------------------------------------------


def override_key(text: str) -> tuple[str, str]:
    """``key=value`` of one override line; the key without its ``+``, ``++`` or ``~``."""
    key, _, value = str(text).partition("=")
    return key.lstrip("+~"), value


def _job_number(run: Path) -> int | None:
    hydra_file = run / ".hydra" / "hydra.yaml"
    if hydra_file.is_file():
        try:
            num = (
                (yaml.safe_load(hydra_file.read_text(encoding="utf-8")) or {})
                .get("hydra", {})
                .get("job", {})
                .get("num")
            )
            if isinstance(num, int):
                return num
        except yaml.YAMLError:
            pass
    return int(run.name) if run.name.isdigit() else None


def read_run(run: Path) -> RunDir:
    """One run directory: its overrides, its summary, and whether it finished."""
    overrides: dict[str, str] = {}
    problems = []
    overrides_file = run / ".hydra" / "overrides.yaml"
    if overrides_file.is_file():
        try:
            for line in yaml.safe_load(overrides_file.read_text(encoding="utf-8")) or []:
                key, value = override_key(line)
                if not key.startswith("hydra."):
                    overrides[key] = value
        except yaml.YAMLError:
            problems.append(".hydra/overrides.yaml is not valid YAML")
    else:
        problems.append("no .hydra/overrides.yaml")
    summary, why = rundir.inspect(run)
    state = "ok" if summary is not None else "failed"
    if summary is None:
        other = [name for name in ANALYSIS_OUTPUTS if (run / name).is_file()]
        if not (run / rundir.SUMMARY).is_file() and other:
            why = f"no summary.json: an analysis run ({other[0]}), not a negsim run"
        elif why.startswith(("unfinished files", f"marked {rundir.MARKER}")):
            state = "incomplete"
        problems.insert(0, why)
    if state == "ok" and problems:
        state = "incomplete"
    return RunDir(
        run,
        overrides,
        _job_number(run),
        state,
        "; ".join(problems),
        summary if state == "ok" else None,
    )


def _natural(path: Path, root: Path) -> tuple:
    parts = path.relative_to(root).parts
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def find_runs(root: Path) -> list[Path]:
    """``root`` itself if it is a run directory, else every run directory below it."""
    if (root / ".hydra").is_dir():
        return [root]
    runs = {hydra_dir.parent for hydra_dir in root.rglob(".hydra") if hydra_dir.is_dir()}
    return sorted(runs, key=lambda p: _natural(p, root))


def expected_jobs(root: Path) -> int | None:
    """Number of jobs a basic-sweeper multirun launched (from ``multirun.yaml``), or None."""
    file = root / "multirun.yaml"
    if not file.is_file():
        return None
    try:
        config = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        hydra = config.get("hydra", {})
        if "BasicSweeper" not in str(hydra.get("sweeper", {}).get("_target_", "")) or hydra.get(
            "sweeper", {}
        ).get("params"):
            return None
        from sim.configure import sweep_combinations  # the grammar only (sim.api reads this module)

        task = [o for o in hydra.get("overrides", {}).get("task", []) or []]
        return len(sweep_combinations(task))
    except Exception:  # noqa: BLE001 -- an unreadable multirun.yaml only loses the missing-job check
        return None


def _typed(values: list[str]) -> list:
    """Numbers as numbers when every value of the column is a number; else the strings."""
    out = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        try:
            number = float(value)
        except ValueError:
            return values
        if not math.isfinite(number):
            return values
        out.append(
            int(number)
            if number.is_integer() and "." not in value and "e" not in value.lower()
            else number
        )
    return out


def read_sweep(root: Path) -> Sweep:
    root = Path(root)
    if not root.exists():
        raise ReportError(f"{root}: no such directory")
    if not root.is_dir():
        raise ReportError(f"{root}: not a directory")
    paths = find_runs(root)
    if not paths:
        raise ReportError(f"{root}: no Hydra run directory (a folder with .hydra/) here or below")
    runs = [read_run(p) for p in paths]
    if not any(run.state == "ok" for run in runs):
        more = f" (and {len(runs) - 1} more run directories, none complete)" if len(runs) > 1 else ""
        raise ReportError(f"{runs[0].path}: {runs[0].problem}{more}")
    sweep = sweep_of(root, runs)
    sweep.expected_jobs = expected_jobs(root) if len(paths) > 1 or paths[0] != root else None
    found = {run.job for run in runs if run.job is not None}
    sweep.missing_jobs = sorted(set(range(sweep.expected_jobs)) - found) if sweep.expected_jobs is not None else []
    return sweep


def sweep_of(root: Path | None, runs: list[RunDir]) -> Sweep:
    """The sweep of these runs: every override key in order of appearance, and the swept
    ones (more than one value). ``root`` is ``None`` for a sweep held in memory
    (:func:`sim.api.sweep` without ``save_to``), whose runs have no directory."""
    keys: list[str] = []
    for run in runs:
        for key in run.overrides:
            if key not in keys:
                keys.append(key)
    swept = [key for key in keys if len({run.overrides.get(key) for run in runs}) > 1]
    return Sweep(root, runs, keys, swept)


def sweep_table(sweep: Sweep) -> pd.DataFrame:
    """One row per run directory (module docstring lists the columns)."""
    rows = []
    for run in sweep.runs:
        row: dict[str, object] = {key: run.overrides.get(key) for key in sweep.override_keys}
        row["state"] = run.state
        row["problem"] = run.problem
        summary = run.summary or {}
        row["n_runs"] = summary.get("n_runs")
        war = war_estimate(summary) if summary else {}
        row["p_war"], row["p_war_lo"], row["p_war_hi"] = war.get("p"), war.get("lo"), war.get("hi")
        row["n_war"] = war.get("count")
        for status in STATUS_NAMES:
            est = summary.get("status", {}).get(status, {})
            row[f"p.{status}"], row[f"lo.{status}"], row[f"hi.{status}"], row[f"n.{status}"] = (
                est.get("p"),
                est.get("lo"),
                est.get("hi"),
                est.get("count"),
            )
        for actor, est in summary.get("acceptance", {}).items():
            row[f"p_accept.{actor}"], row[f"lo_accept.{actor}"], row[f"hi_accept.{actor}"] = (
                est["p"],
                est["lo"],
                est["hi"],
            )
        for actor, value in summary.get("mean_utility", {}).items():
            row[f"eu.{actor}"] = value
        row["mean_rounds"] = summary.get("rounds", {}).get("mean")
        for key in ("scenario", "protocol", "engine", "seed", "config_hash", "version"):
            if key not in row:
                row[key] = summary.get(key)
        row["job"] = run.job
        row["run_dir"] = _relative(run.path, sweep.root)
        rows.append(row)
    frame = pd.DataFrame(rows)
    for key in sweep.override_keys:
        frame[key] = pd.Series(_typed(list(frame[key])), dtype=object).infer_objects()
    for column in frame.columns:
        if column.startswith(
            ("p.", "lo.", "hi.", "p_accept.", "lo_accept.", "hi_accept.", "eu.")
        ) or column in ("mean_rounds", *WAR_COLUMNS):
            frame[column] = pd.to_numeric(frame[column])
    for column in ("n_runs", "n_war", *[f"n.{status}" for status in STATUS_NAMES]):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    frame["job"] = frame["job"].astype("Int64")
    return frame


def _relative(path: Path | None, root: Path | None) -> str | None:
    if path is None:
        return None
    if root is None:
        return str(path)
    return str(path.relative_to(root)) if path != root else "."


# --- figures -------------------------------------------------------------------------------


def _ordered(values: pd.Series) -> list:
    unique = list(dict.fromkeys(values.dropna().tolist()))
    if all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in unique
    ):
        return sorted(unique)
    return unique


def _is_numeric(values: list) -> bool:
    return bool(values) and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in values
    )


def _plt():
    from analysis.figures import pyplot

    return pyplot()


def metric_columns(metric: str) -> tuple[str, str, str, str]:
    """The ``(p, lo, hi, count)`` columns of a metric: ``p_war`` (P(war), the highest rung),
    ``p_agreement`` or ``p.<status>``; ReportError for anything else."""
    if metric == "p_war":
        return (*WAR_COLUMNS, "n_war")
    status = metric.removeprefix("p_") if metric == "p_agreement" else metric.removeprefix("p.")
    if metric.startswith("p.") or metric == "p_agreement":
        if status in STATUS_NAMES:
            return f"p.{status}", f"lo.{status}", f"hi.{status}", f"n.{status}"
    raise ReportError(
        f"--metric {metric}: use p_war (highest rung >= full-scale invasion), p_agreement or "
        f"p.<status> (statuses: {', '.join(STATUS_NAMES)})"
    )


def _context(frame: pd.DataFrame) -> str:
    """Scenario, protocol, runs per point and seed of the rows, for a title ("various" where
    the rows differ)."""

    def one(column: str) -> str | None:
        values = _ordered(frame[column]) if column in frame else []
        return str(values[0]) if len(values) == 1 else None

    n = one("n_runs")
    parts = [
        one("scenario") or "several scenarios",
        f"{one('protocol')} protocol" if one("protocol") else "several protocols",
        f"{int(n):,} runs per point" if n else "runs per point vary",
        f"seed {one('seed')}" if one("seed") else "several seeds",
    ]
    return ", ".join(parts)


def _x_axis(ax, x: str, xs: list) -> np.ndarray:
    """Positions of the x values, with a tick at each swept value (whole numbers as integers:
    no 4.5 between a deadline of 4 and 5) and the key's label in words."""
    numeric = _is_numeric(xs)
    positions = np.array(xs, dtype=float) if numeric else np.arange(len(xs), dtype=float)
    if numeric and all(float(v).is_integer() for v in xs):
        ax.set_xticks(positions, [str(int(v)) for v in xs])
    elif numeric:
        ax.set_xticks(positions, [f"{v:g}" for v in xs])
    else:
        ax.set_xticks(positions, [value_label(x, v) for v in xs], rotation=20)
    ax.set_xlabel(key_label(x))
    return positions


def _line_panel(
    ax, frame: pd.DataFrame, x: str, series: list[tuple[str, tuple[str, str, str], dict]]
) -> None:
    """One line per ``(label, (p, lo, hi) columns, style)``, its 95% interval drawn twice
    (a filled band and error bars), so that it shows however narrow it is."""
    import matplotlib.ticker

    xs = _ordered(frame[x])
    numeric = _is_numeric(xs)
    positions = _x_axis(ax, x, xs)
    step = np.min(np.diff(positions)) if len(positions) > 1 else 1.0
    series = [entry for entry in series if entry[1][0] in frame]
    for k, (label, columns, style) in enumerate(series):
        by_x = frame.groupby(x, sort=False)[list(columns)].mean()
        by_x = by_x.reindex(xs)
        p, lo, hi = (by_x[c].to_numpy(dtype=float) for c in by_x.columns)
        offset = 0.0 if numeric else (k - (len(series) - 1) / 2) * 0.6 * step / max(len(series), 1)
        line = ax.errorbar(
            positions + offset,
            p,
            yerr=np.vstack([p - lo, hi - p]),
            marker="o",
            markersize=4,
            capsize=3,
            label=label,
            linestyle=style.get("linestyle", "-") if numeric else "none",
            color=style.get("color"),
        )
        if numeric:
            ax.fill_between(positions, lo, hi, alpha=0.25, color=line.lines[0].get_color(), linewidth=0)
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(alpha=0.3)


def _facets(frame: pd.DataFrame, keys: list[str]) -> list[tuple[dict, pd.DataFrame]]:
    if not keys:
        return [({}, frame)]
    levels = [_ordered(frame[k]) for k in keys]
    out = []
    for combo in itertools.product(*levels):
        mask = np.ones(len(frame), dtype=bool)
        for key, value in zip(keys, combo):
            mask &= (frame[key] == value).to_numpy()
        if mask.any():
            out.append((dict(zip(keys, combo)), frame[mask]))
    return out


def _facet_title(values: dict) -> str:
    return "; ".join(f"{key_label(k)} = {value_label(k, v)}" for k, v in values.items())


def _grid(n: int) -> tuple[int, int]:
    cols = max(1, min(6, math.ceil(math.sqrt(n))))
    return math.ceil(n / cols), cols


def _panels(n: int, width: float, height: float, **options):
    rows, cols = _grid(n)
    fig, axes = _plt().subplots(
        rows, cols, figsize=(width * cols, height * rows), squeeze=False, layout="constrained", **options
    )
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def plot_lines(
    frame: pd.DataFrame, x: str, facets: list[str], what: str = "status", title: str = ""
):
    """P(status) and P(war) (or P(accept) by actor) against ``x`` with 95% interval bands; one
    panel per combination of ``facets``. The status ``war`` is labelled "status war"; P(war)
    (the highest rung, whatever the status) is the black dashed line."""
    from analysis.figures import STATUS_COLOURS

    panels = _facets(frame, facets)
    fig, axes = _panels(len(panels), 5.8, 3.9, sharey=True)
    if what == "status":
        series = [
            (f"P({status_label(s)})", (f"p.{s}", f"lo.{s}", f"hi.{s}"), {"color": STATUS_COLOURS.get(s)})
            for s in STATUS_NAMES
        ]
        series.append((P_WAR_CAPTION, WAR_COLUMNS, {"color": "black", "linestyle": "--"}))
        ylabel = "Share of runs (95% Wilson interval)"
        what_text = "How the negotiation ends"
    else:
        names = [c[len("p_accept.") :] for c in frame.columns if c.startswith("p_accept.")]
        series = [(actor_words(a), (f"p_accept.{a}", f"lo_accept.{a}", f"hi_accept.{a}"), {}) for a in names]
        ylabel = "P(actor accepts the final package)"
        what_text = "Acceptance of the final package by actor"
    for ax, (values, data) in zip(axes.flat, panels):
        _line_panel(ax, data, x, series)
        if values:
            ax.set_title(_facet_title(values), fontsize=9)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize=8)
    fig.suptitle(title or f"{what_text} against {key_label(x)}\n{_context(frame)}")
    return fig


def plot_metric(frame: pd.DataFrame, metric: str, x: str, line: str | None = None, facets: list[str] = ()):
    """The paper figure: one metric (:func:`metric_columns`) against ``x``, one line per value
    of ``line``, each point's 95% Wilson interval as a band and error bars; one panel per
    combination of ``facets``. Points are pooled from the runs' counts (``n.<status>``,
    ``n_war``, ``n_runs``) with :func:`sim.summary.estimate`, so that several run
    directories of one point (split jobs) give one exact interval."""
    import matplotlib.ticker

    count_column = metric_columns(metric)[3]
    panels = _facets(frame, list(facets))
    fig, axes = _panels(len(panels), 6.4, 4.2, sharey=True)
    groups = _ordered(frame[line]) if line else [None]
    top = 0.0
    for ax, (values, data) in zip(axes.flat, panels):
        xs = _ordered(data[x])
        positions = _x_axis(ax, x, xs)
        numeric = _is_numeric(xs)
        for k, value in enumerate(groups):
            rows = data if line is None else data[data[line] == value]
            counts = rows.groupby(x, sort=False)[[count_column, "n_runs"]].sum().reindex(xs)
            estimates = [
                estimate(int(c), int(n)) if pd.notna(n) and n > 0 else {"p": np.nan, "lo": np.nan, "hi": np.nan}
                for c, n in zip(counts[count_column].fillna(0), counts["n_runs"])
            ]
            p, lo, hi = (np.array([e[k] for e in estimates], dtype=float) for k in ("p", "lo", "hi"))
            label = None if line is None else value_label(line, value)
            # categories (a protocol): dodged points, no line or band between them
            offset = 0.0 if numeric else (k - (len(groups) - 1) / 2) * 0.3 / max(len(groups), 1)
            drawn = ax.errorbar(
                positions + offset, p, yerr=np.vstack([p - lo, hi - p]), marker="o", markersize=4,
                capsize=3, label=label, linestyle="-" if numeric else "none",
            )
            if numeric:
                ax.fill_between(positions, lo, hi, alpha=0.25, color=drawn.lines[0].get_color(), linewidth=0)
            top = max(top, float(np.nanmax(hi)) if np.isfinite(hi).any() else 0.0)
        if values:
            ax.set_title(_facet_title(values), fontsize=9)
        ax.grid(alpha=0.3)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.flat[0].set_ylim(0, min(1.0, max(0.05, top * 1.15)))
    for ax in axes[:, 0]:
        ax.set_ylabel(f"{metric_label(metric)} (95% Wilson interval)")
    if line is not None:
        axes.flat[0].legend(title=key_label(line), fontsize=8, title_fontsize=8)
    caption = P_WAR_CAPTION if metric == "p_war" else metric_label(metric)
    fig.suptitle(f"{caption}, against {key_label(x)}\n{_context(frame)}", fontsize=10)
    return fig


def plot_heatmaps(
    frame: pd.DataFrame, x: str, y: str, facets: list[str], measure: str, title: str = ""
):
    """A measure of :data:`MEASURES` (``agreement``: P(agreement); ``war``: P(war), the
    highest rung at least full-scale invasion) over the (x, y) grid, each cell annotated with
    its estimate and 95% interval; the colour scale spans the data (not 0-100%), so that
    50% and 53% are different colours."""
    import matplotlib.ticker

    panels = _facets(frame, facets)
    xs, ys = _ordered(frame[x]), _ordered(frame[y])
    fig, axes = _panels(len(panels), max(6.0, 1.4 * len(xs) + 2.5), max(3.8, 0.8 * len(ys) + 2))
    columns, caption = MEASURES[measure]
    grids = []
    for values, data in panels:
        grid = {}
        for part, column in zip(("p", "lo", "hi"), columns):
            table = data.pivot_table(index=y, columns=x, values=column, aggfunc="mean")
            grid[part] = table.reindex(index=ys, columns=xs).to_numpy(dtype=float)
        grids.append(grid)
    low = float(np.nanmin([np.nanmin(g["p"]) for g in grids]))
    high = float(np.nanmax([np.nanmax(g["p"]) for g in grids]))
    if high - low < 0.01:
        low, high = max(0.0, (low + high) / 2 - 0.005), min(1.0, (low + high) / 2 + 0.005)
    image = None
    for ax, (values, data), grid in zip(axes.flat, panels, grids):
        image = ax.imshow(grid["p"], origin="lower", cmap="viridis", vmin=low, vmax=high, aspect="auto")
        ax.set_xticks(range(len(xs)), [value_label(x, v) for v in xs], rotation=20)
        ax.set_yticks(range(len(ys)), [value_label(y, v) for v in ys])
        ax.set_xlabel(key_label(x))
        ax.set_ylabel(key_label(y))
        if len(xs) * len(ys) <= 64:
            for (j, i), p in np.ndenumerate(grid["p"]):
                if np.isnan(p):
                    continue
                text = f"{p:.1%}\n[{grid['lo'][j, i]:.1%}, {grid['hi'][j, i]:.1%}]"
                dark = (p - low) / (high - low) < 0.55
                ax.text(i, j, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
        if values:
            ax.set_title(_facet_title(values), fontsize=9)
    if image is not None:
        fig.colorbar(image, ax=axes, label=caption, format=matplotlib.ticker.PercentFormatter(1.0, decimals=1), shrink=0.8)
    head = title or f"{caption}\n{_context(frame)}"
    fig.suptitle(f"{head}\neach cell: estimate [95% Wilson interval]; colours span the data's range", fontsize=9)
    return fig


def choose_axes(
    sweep: Sweep, x: str | None, y: str | None
) -> tuple[str | None, str | None, list[str], str]:
    """The x and y keys, the facet keys, and a note for the reader."""
    swept = sweep.swept
    for name, key in (("--x", x), ("--y", y)):
        if key is not None and key not in swept:
            known = ", ".join(swept) if swept else "none"
            raise ReportError(
                f"{name} {key}: not a swept parameter of {sweep.root or 'this sweep'} (swept: {known})"
            )
    if x is not None and y is not None and x == y:
        raise ReportError(f"--x and --y must differ (both {x})")
    if y is not None and x is None:
        x = next(k for k in swept if k != y)
    note = ""
    if x is None:
        if len(swept) == 1:
            x = swept[0]
        elif len(swept) >= 2:
            x, y = swept[0], swept[1]
            if len(swept) > 2:
                rest = [k for k in swept if k not in (x, y)]
                note = (
                    f"{len(swept)} swept parameters ({', '.join(swept)}): heatmaps of {x} x {y}, one panel per "
                    f"value of {', '.join(rest)}; choose the two axes with --x KEY --y KEY"
                )
    facets = [k for k in swept if k not in (x, y)]
    return x, y, facets, note


def save_sweep_figures(
    sweep: Sweep, frame: pd.DataFrame, x: str | None, y: str | None, facets: list[str], metric: str = "p_war"
) -> tuple[list[Path], list[str]]:
    """Write the figures; return their paths and any notes (e.g. too many panels). The paper
    figure ``sweep_<metric>.png`` draws ``metric`` against ``x``, one line per value of
    ``y``."""
    from analysis._tool import save_figure

    ok = frame[frame["state"] == "ok"]
    folder = sweep.root / "figures"
    paths, notes = [], []
    for stale in folder.glob("sweep_*.png") if folder.is_dir() else []:
        stale.unlink()  # figures of an earlier report (other axes) would contradict this one
    if x is None or ok.empty:
        return paths, notes
    n_panels = len(_facets(ok, facets))
    if n_panels > MAX_PANELS:
        notes.append(
            f"not plotted: {n_panels} panels (one per combination of {', '.join(facets)}) is more than {MAX_PANELS}; "
            "choose --x/--y among the keys with the most values"
        )
        return paths, notes
    paths.append(save_figure(plot_metric(ok, metric, x, y, facets), folder / f"sweep_{metric.replace('.', '_')}.png"))
    if y is None:
        paths.append(save_figure(plot_lines(ok, x, facets, "status"), folder / "sweep_status.png"))
        paths.append(save_figure(plot_lines(ok, x, facets, "acceptance"), folder / "sweep_acceptance.png"))
    else:
        for measure in MEASURES:
            paths.append(
                save_figure(
                    plot_heatmaps(ok, x, y, facets, measure),
                    folder / f"sweep_heatmap_{measure}.png",
                )
            )
    return paths, notes


# --- markdown ------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).replace("|", "\\|")


def _estimate(row: pd.Series, columns: tuple[str, str, str]) -> str:
    p_col, lo_col, hi_col = columns
    p = row.get(p_col)
    if p is None or pd.isna(p):
        return ""
    return f"{p:.1%} [{row[lo_col]:.1%}, {row[hi_col]:.1%}]"


def markdown_table(frame: pd.DataFrame, keys: list[str]) -> str:
    """P(war) (highest rung), then the share of each status ("status war" for ``war``)."""
    statuses = [(STATUS_WAR if s == "war" else f"P({s})", (f"p.{s}", f"lo.{s}", f"hi.{s}")) for s in STATUS_NAMES]
    headers = ["run", *keys, "n", "P(war)", *[label for label, _ in statuses]]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for _, row in frame.iterrows():
        cells = [_cell(row["run_dir"]), *[_cell(row[k]) for k in keys], _cell(row["n_runs"])]
        cells += [_estimate(row, WAR_COLUMNS), *[_estimate(row, columns) for _, columns in statuses]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_markdown(
    sweep: Sweep, frame: pd.DataFrame, figures: list[Path], notes: list[str]
) -> Path:
    root = sweep.root
    ok = frame[frame["state"] == "ok"]
    fixed = [k for k in sweep.override_keys if k not in sweep.swept]
    lines = [f"# negsim report: {root.resolve().name}", ""]
    lines.append(f"Source: `{root}`  ")
    lines.append(
        f"Runs: {len(frame)} run director{'y' if len(frame) == 1 else 'ies'}, {len(ok)} complete"
    )
    if sweep.expected_jobs is not None:
        lines[-1] += f", {sweep.expected_jobs} launched by the sweep"
    lines.append("")
    if sweep.swept:
        lines.append("Swept: " + ", ".join(f"`{k}`" for k in sweep.swept) + "  ")
    if fixed:
        first = sweep.runs[0].overrides
        lines.append("Fixed overrides: " + ", ".join(f"`{k}={first.get(k, '')}`" for k in fixed))
    lines += [
        "",
        (
            "Probabilities are estimates with 95% Wilson intervals. All points of a sweep share "
            "their random numbers wherever their configs agree (common random numbers). "
            f"{P_WAR_CAPTION}, whatever the status; \"status war\" is the share of the status `war`."
        ),
        "",
    ]
    if sweep.problems or sweep.missing_jobs:
        lines += ["## Failed, incomplete or missing runs", ""]
        for run in sweep.problems:
            where = run.path.relative_to(root) if run.path != root else Path(".")
            lines.append(f"- `{where}` ({run.state}): {run.problem}")
        for job in sweep.missing_jobs:
            lines.append(
                f"- job {job}: no run directory (the sweep launched {sweep.expected_jobs} jobs)"
            )
        lines.append("")
    for note in notes:
        lines += [f"> {note}", ""]
    lines += ["## Results", "", markdown_table(frame, sweep.swept or []), ""]
    if figures:
        lines += ["## Figures", ""]
        for path in figures:
            lines += [f"![{path.stem}]({path.relative_to(root).as_posix()})", ""]
    elif len(sweep.runs) == 1:
        own = sorted((root / "figures").glob("*.png")) if (root / "figures").is_dir() else []
        if own:
            lines += ["## Figures", ""]
            lines += [f"![{p.stem}]({p.relative_to(root).as_posix()})\n" for p in own]
    lines.append("Full table: `sweep.csv` / `sweep.parquet` (one row per run directory).")
    path = root / "report.md"
    atomic.write_text(path, "\n".join(lines) + "\n")
    return path


# --- the command ---------------------------------------------------------------------------


def report(
    root: Path, x: str | None = None, y: str | None = None, figures: bool = True, metric: str = "p_war"
) -> dict:
    """Read a run or sweep directory and write its table, figures and ``report.md``; the paper
    figure shows ``metric`` (:func:`metric_columns`) against ``x``, a line per value of ``y``."""
    from analysis._tool import write_table

    metric_columns(metric)
    sweep = read_sweep(Path(root))
    x, y, facets, note = choose_axes(sweep, x, y)
    frame = sweep_table(sweep)
    notes = [note] if note else []
    paths = write_table(frame, sweep.root, "sweep")
    figure_paths: list[Path] = []
    if figures:
        figure_paths, more = save_sweep_figures(sweep, frame, x, y, facets, metric)
        notes += more
    paths += figure_paths
    paths.append(write_markdown(sweep, frame, figure_paths, notes))
    return {
        "sweep": sweep,
        "table": frame,
        "paths": paths,
        "notes": notes,
        "x": x,
        "y": y,
        "facets": facets,
    }


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``negsim-report``."""
    parser = OneLineParser(
        prog=PROG,
        description="Tidy table, figures and report.md of a negsim run or sweep directory.",
    )
    parser.add_argument("path", help="a Hydra run directory or a multirun (sweep) directory")
    parser.add_argument("--x", help="swept key on the x axis")
    parser.add_argument("--y", help="swept key on the y axis (heatmaps), one line per value (figure of --metric)")
    parser.add_argument("--metric", default="p_war", help="p_war (default), p_agreement or p.<status>: sweep_<metric>.png")
    parser.add_argument(
        "--no-figures", action="store_true", help="write the table and report.md only"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing but errors and warnings"
    )
    args = parser.parse_args(argv)
    try:
        result = report(Path(args.path), args.x, args.y, not args.no_figures, args.metric)
    except ReportError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        sys.exit(2)
    sweep = result["sweep"]
    for note in result["notes"]:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    for run in sweep.problems:
        print(f"{PROG}: warning: {run.path} {run.state}: {run.problem}", file=sys.stderr)
    for job in sweep.missing_jobs:
        print(
            f"{PROG}: warning: job {job} of {sweep.expected_jobs} has no run directory",
            file=sys.stderr,
        )
    if not args.quiet:
        ok = sum(run.state == "ok" for run in sweep.runs)
        swept = ", ".join(sweep.swept) if sweep.swept else "nothing swept"
        print(f"{len(sweep.runs)} runs ({ok} complete); swept: {swept}")
        for path in result["paths"]:
            print(f"  {path}")


if __name__ == "__main__":
    main()

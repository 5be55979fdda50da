"""What the Python API returns: the results of one Monte Carlo (:class:`RunResult`) and of a
sweep (:class:`SweepResult`), whether just computed or loaded from a run or sweep directory.

A :class:`RunResult` is a thin front on the summary dict that ``summary.json`` holds (the same
numbers, from the same :class:`sim.summary.SummaryAccumulator`), with the outcomes table as a
pandas DataFrame and the command's figures; a :class:`SweepResult` is the tidy table that
``negsim-report`` writes (:func:`analysis.sweep.sweep_table`, one home for its columns) with a
:class:`RunResult` per complete point. Nothing here simulates or composes a config
(:mod:`sim.api` does); pandas and matplotlib are imported only when a table or a figure is
asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim import rundir

PLOTS = ("status", "rungs", "rounds", "acceptance")
"""The figures of a run (``negsim``'s ``figures/*.png``, :mod:`analysis.figures`)."""


@dataclass(frozen=True)
class Estimate:
    """A probability with its 95% Wilson interval and the number of runs counted (a
    ``summary.json`` estimate, :func:`sim.summary.estimate`)."""

    p: float
    lo: float
    hi: float
    count: int

    @classmethod
    def of(cls, estimate: dict) -> Estimate:
        return cls(float(estimate["p"]), float(estimate["lo"]), float(estimate["hi"]), int(estimate["count"]))

    def __float__(self) -> float:
        return self.p

    def __str__(self) -> str:
        return f"{self.p:.1%} [{self.lo:.1%}, {self.hi:.1%}]"


def _estimates_frame(estimates: dict, name: str):
    import pandas as pd

    frame = pd.DataFrame.from_dict(estimates, orient="index", columns=["p", "lo", "hi", "count"])
    frame.index.name = name
    return frame


class RunResult:
    """One Monte Carlo: its summary (``summary.json``'s numbers), outcomes and figures.

    Parameters
    ----------
    summary
        The summary dict (:func:`sim.montecarlo.run_monte_carlo`'s, ``summary.json``'s).
    path
        The run directory, if the results are on disk; the outcomes table is then read from
        its ``outcomes.parquet`` when first asked for.
    overrides
        The config overrides the run was composed with (``.hydra/overrides.yaml``).
    outcomes
        The outcomes table held in memory (a ``pyarrow.Table``), for a run not saved.
    """

    def __init__(self, summary: dict, path: Path | None = None, overrides=(), outcomes=None) -> None:
        self.summary = summary
        self.path = Path(path) if path is not None else None
        self.overrides = list(overrides)
        self._table = outcomes
        self._outcomes = None

    # --- what ran -----------------------------------------------------------------------
    @property
    def config(self) -> dict:
        """The composed config (``negsim --cfg job``'s, resolved)."""
        return self.summary["config"]

    @property
    def scenario(self) -> str:
        return self.summary["scenario"]

    @property
    def protocol(self) -> str:
        return self.summary["protocol"]

    @property
    def engine(self) -> str:
        return self.summary["engine"]

    @property
    def seed(self) -> int:
        return self.summary["seed"]

    @property
    def n_runs(self) -> int:
        return self.summary["n_runs"]

    # --- the numbers --------------------------------------------------------------------
    @property
    def p_war(self) -> Estimate:
        """P(war): the share of runs whose highest rung is at least full-scale invasion,
        whatever their status (:func:`sim.summary.p_war`)."""
        from analysis.report import war_estimate

        return Estimate.of(war_estimate(self.summary))

    @property
    def p_agreement(self) -> Estimate:
        """P(agreement): the share of runs with the status ``agreement`` (agreed and ratified)."""
        return self.p("agreement")

    def p(self, status: str) -> Estimate:
        """The share of runs ending with ``status`` (one of :data:`sim.core.enums.STATUS_NAMES`)."""
        known = self.summary["status"]
        if status not in known:
            raise ValueError(f"status {status!r}: not a status; the statuses are {', '.join(known)}")
        return Estimate.of(known[status])

    @property
    def status(self):
        """P(each status) with its interval: a DataFrame indexed by status (``p, lo, hi, count``)."""
        return _estimates_frame(self.summary["status"], "status")

    @property
    def acceptance(self):
        """P(each actor accepts the final package): a DataFrame indexed by actor."""
        return _estimates_frame(self.summary["acceptance"], "actor")

    @property
    def outcomes(self):
        """The outcomes table (``outcomes.parquet``'s rows: one per run, sampled inputs and
        outcome) as a pandas DataFrame."""
        if self._outcomes is None:
            self._outcomes = self._read_outcomes()
        return self._outcomes

    def _read_outcomes(self):
        if self._table is not None:
            frame, self._table = self._table.to_pandas(), None  # one copy in memory, not two
            return frame
        if self.path is not None and (self.path / rundir.OUTCOMES).is_file():
            import pyarrow.parquet as pq

            return pq.read_table(self.path / rundir.OUTCOMES).to_pandas()
        if not (self.config.get("mc") or {}).get("save_outcomes", True):
            raise ValueError("no outcomes table: this run had mc.save_outcomes=false")
        raise ValueError("no outcomes table: the points of a sweep keep theirs only on disk (sweep(..., save_to=DIR))")

    # --- words and figures --------------------------------------------------------------
    def plot(self, kind: str = "status", ax=None):
        """A figure of ``negsim``'s: ``status`` (each status with its interval, P(war) in the
        title), ``rungs`` (the highest escalation rung), ``rounds`` or ``acceptance``. Draws on
        ``ax`` if given; returns the matplotlib figure."""
        from analysis import figures

        plots = {"status": figures.plot_status, "rungs": figures.plot_rungs, "rounds": figures.plot_rounds, "acceptance": figures.plot_acceptance}
        if kind not in plots:
            raise ValueError(f"kind {kind!r}: not a figure of a run; the figures are {', '.join(PLOTS)}")
        return plots[kind](self.summary, ax=ax)

    def report(self) -> str:
        """The terminal summary that ``negsim`` prints."""
        from analysis.report import format_summary

        return format_summary(self.summary, self.path)

    def __repr__(self) -> str:
        where = f", {self.path}" if self.path is not None else ""
        return (
            f"<RunResult {self.scenario} | {self.protocol} | {self.n_runs:,} runs | seed {self.seed}: "
            f"P(war) {self.p_war}, P(agreement) {self.p_agreement}{where}>"
        )


class SweepResult:
    """A sweep: the tidy table ``negsim-report`` writes (one row per point: a column per
    override, ``p_war``/``p_war_lo``/``p_war_hi``, ``p.``/``lo.``/``hi.<status>``, ...), and
    a :class:`RunResult` per complete point.

    ``sweep`` is :class:`analysis.sweep.Sweep` (the points, their overrides and the swept keys).
    """

    def __init__(self, sweep, runs: list[RunResult]) -> None:
        from analysis.sweep import sweep_table

        self._sweep = sweep
        self.runs = runs
        self.table = sweep_table(sweep)

    @property
    def path(self) -> Path | None:
        return self._sweep.root

    @property
    def swept(self) -> list[str]:
        """The override keys that take more than one value."""
        return list(self._sweep.swept)

    def plot(self, measure: str | None = None, x: str | None = None, y: str | None = None):
        """``negsim-report``'s figure: with one swept key (or ``y`` not given), P(status) and
        P(war) (``measure="status"``) or P(accept) by actor (``"acceptance"``) against it with
        95% bands; with two, a heatmap of P(war) (``"war"``) or P(agreement)
        (``"agreement"``); one panel per combination of any other swept keys. A metric
        (``"p_war"``, ``"p_agreement"``, ``"p.<status>"``) gives the paper figure
        (``negsim-report --metric``): the metric against ``x``, one line per value of ``y``."""
        from analysis.sweep import MEASURES, ReportError, choose_axes, metric_columns, plot_heatmaps, plot_lines, plot_metric

        try:
            x, y, facets, _note = choose_axes(self._sweep, x, y)
        except ReportError as error:
            raise ValueError(str(error).replace("--x ", "x=").replace("--y ", "y=")) from None
        if x is None:
            raise ValueError("nothing swept: every point has the same overrides")
        ok = self.table[self.table["state"] == "ok"]
        if measure is not None and measure.startswith("p"):
            try:
                metric_columns(measure)
            except ReportError as error:
                raise ValueError(str(error).replace("--metric ", "measure ")) from None
            return plot_metric(ok, measure, x, y, facets)
        if y is None:
            measure = measure or "status"
            if measure not in ("status", "acceptance"):
                raise ValueError(f"measure {measure!r}: with one swept key, use 'status' or 'acceptance'")
            return plot_lines(ok, x, facets, measure)
        measure = measure or "war"
        if measure not in MEASURES:
            raise ValueError(f"measure {measure!r}: a heatmap shows {' or '.join(map(repr, MEASURES))}")
        return plot_heatmaps(ok, x, y, facets, measure)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        where = f", {self.path}" if self.path is not None else ""
        return f"<SweepResult {len(self.table)} points, {len(self.runs)} complete; swept: {', '.join(self.swept) or 'nothing'}{where}>"

"""Figures of a Monte Carlo summary. Each plot function takes the data and ``ax=None`` and
returns the figure; :func:`save_summary_figures` is the caller that writes PNGs."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import matplotlib.ticker
import numpy as np

from analysis.report import war_estimate
from sim import atomic
from sim.labels import actor_words, rung_label, status_label
from sim.summary import P_WAR_CAPTION

STATUS_COLOURS = {
    "agreement": "#2a9d8f",
    "ratification_failed": "#8ab17d",
    "stalemate": "#e9c46a",
    "limited_escalation": "#f4a261",
    "war": "#e76f51",
    "nato_russia_war": "#9b2226",
}


def pyplot():
    """``matplotlib.pyplot``, headless (the Agg backend) for the commands; but not where pyplot
    is already in use or in a Jupyter kernel, whose own (inline) backend must stay for the
    figures of the Python API to show in a notebook."""
    if "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(ax):
    if ax is None:
        fig, ax = pyplot().subplots(figsize=(7.5, 4.2), layout="constrained")
    return ax.figure, ax


def _title(summary: dict, what: str) -> str:
    return f"{what}\n{summary['scenario']}, {summary['protocol']} protocol, {summary['n_runs']:,} runs (seed {summary['seed']})"


def _bars_with_intervals(ax, estimates: dict, colours=None, label=str) -> None:
    names = list(estimates)
    p = np.array([estimates[n]["p"] for n in names])
    lo = np.array([estimates[n]["lo"] for n in names])
    hi = np.array([estimates[n]["hi"] for n in names])
    colour = [colours.get(n, "#577590") for n in names] if colours else "#577590"
    ax.bar([label(n) for n in names], p, color=colour, yerr=np.vstack([p - lo, hi - p]), capsize=4, ecolor="black")
    for x, (value, top) in enumerate(zip(p, hi)):
        ax.annotate(f"{value:.1%}", (x, top), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8)
    ax.set_ylim(0, min(1.0, max(0.05, float(hi.max()) * 1.2)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.tick_params(axis="x", labelrotation=20)


def plot_status(summary: dict, ax=None):
    """How negotiations ended: probability of each status with its 95% Wilson interval (in
    words; the status ``war`` labelled "status war"), and P(war) in the title."""
    fig, ax = _axes(ax)
    _bars_with_intervals(ax, summary["status"], STATUS_COLOURS, status_label)
    ax.set_ylabel("Share of runs (95% Wilson interval)")
    ax.set_xlabel("Outcome status")
    war = war_estimate(summary)
    what = f"How the negotiation ends\n{P_WAR_CAPTION}: {war['p']:.1%} [{war['lo']:.1%}, {war['hi']:.1%}]"
    ax.set_title(_title(summary, what))
    return fig


def plot_rungs(summary: dict, ax=None):
    """The highest escalation rung each run reached; P(war) is the share of the last two bars."""
    fig, ax = _axes(ax)
    _bars_with_intervals(ax, summary["highest_rung"], label=rung_label)
    ax.set_ylabel("Share of runs (95% Wilson interval)")
    ax.set_xlabel("Highest escalation rung reached")
    war = war_estimate(summary)
    ax.set_title(_title(summary, f"Escalation\n{P_WAR_CAPTION}: {war['p']:.1%} [{war['lo']:.1%}, {war['hi']:.1%}]"))
    return fig


def plot_rounds(summary: dict, ax=None):
    """How many rounds runs lasted before their outcome."""
    fig, ax = _axes(ax)
    histogram = summary["rounds"]["histogram"]
    rounds = [int(r) for r in histogram]
    counts = np.array([histogram[r] for r in histogram]) / max(summary["n_runs"], 1)
    ax.bar(rounds, counts, color="#577590")
    ax.set_xticks(rounds)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("Round in which the run ended")
    ax.set_ylabel("Share of runs")
    ax.set_title(_title(summary, f"Rounds to outcome (mean {summary['rounds']['mean']:.2f})"))
    return fig


def plot_acceptance(summary: dict, ax=None):
    """Which actors accept the final package at their last aspiration."""
    fig, ax = _axes(ax)
    _bars_with_intervals(ax, summary["acceptance"], label=actor_words)
    ax.set_ylabel("Share of runs accepting (95% Wilson interval)")
    ax.set_xlabel("Actor")
    ax.set_title(_title(summary, "Acceptance of the final package by actor"))
    return fig


FIGURES = {
    "status.png": plot_status,
    "escalation_rung.png": plot_rungs,
    "rounds.png": plot_rounds,
    "acceptance.png": plot_acceptance,
}


def save_summary_figures(summary: dict, folder: Path) -> list[Path]:
    """Write every summary figure as a PNG (each renamed into place when complete)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, plot in FIGURES.items():
        fig = plot(summary)
        path = folder / name
        with atomic.Replacement(path, hidden=True) as partial:
            fig.savefig(partial, dpi=120, format="png", metadata={"Software": None})
        pyplot().close(fig)
        paths.append(path)
    return paths

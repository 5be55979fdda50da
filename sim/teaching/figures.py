"""Matplotlib figures of one replayed run (the transcript's figure and the teaching notes').

They read the per-round table (:meth:`sim.teaching.transcript.Replay.rounds_frame`, the same
columns as ``rounds.csv``), never the model.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from sim import atomic
from sim.teaching.words import actor_words, rung_words

ACTOR_COLOURS = [
    "#1f77b4",
    "#d62728",
    "#e0a100",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
]


def actor_colour(a: int) -> str:
    return ACTOR_COLOURS[a % len(ACTOR_COLOURS)]


def plot_round_utilities(frame: pd.DataFrame, actors: list[str], title: str = "", ax=None):
    """Each actor's utility of the text on the table (solid) and its aspiration (dashed), by
    round. A filled marker is a yes, a cross a no, a hollow marker an actor not asked."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.4, 4.2), layout="constrained")
    fig = ax.figure
    rounds = frame["round"].to_numpy()
    handles = []
    for a, actor in enumerate(actors):
        colour = actor_colour(a)
        utility = frame[f"utility.{actor}"].to_numpy()
        aspiration = frame[f"aspiration.{actor}"].to_numpy()
        asked = frame[f"asked.{actor}"].to_numpy(dtype=bool)
        accepted = frame[f"accepted.{actor}"].to_numpy(dtype=bool)
        (line,) = ax.plot(rounds, utility, "-", color=colour, lw=1.8, label=actor_words(actor))
        handles.append(line)
        ax.plot(rounds, aspiration, "--", color=colour, lw=1.2, alpha=0.8)
        yes, no = asked & accepted, asked & ~accepted
        ax.scatter(rounds[yes], utility[yes], color=colour, s=36, zorder=3)
        ax.scatter(rounds[no], utility[no], color=colour, marker="X", s=56, zorder=3)
        ax.scatter(
            rounds[~asked], utility[~asked], facecolors="white", edgecolors=colour, s=30, zorder=3
        )
    climbs = frame[frame["rung_after"] > frame["rung_before"]]
    for _, row in climbs.iterrows():
        ax.axvline(row["round"] + 0.5, color="#9b2226", lw=1, ls=":", alpha=0.8)
        ax.annotate(
            f"→ {rung_words(row['rung_after'])}",
            (row["round"] + 0.5, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            rotation=90,
            va="top",
            fontsize=7,
            color="#9b2226",
        )
    ax.set_xticks(rounds)
    ax.set_xlim(rounds.min() - 0.3, rounds.max() + 0.7)
    ax.set_xlabel("Round")
    ax.set_ylabel("Utility (solid) and aspiration (dashed)")
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_title(title or "Utility of the text vs aspiration", fontsize=10)
    grey = "#555555"
    handles += [
        Line2D([], [], color=grey, lw=1.8, label="utility of the text"),
        Line2D([], [], color=grey, lw=1.2, ls="--", label="aspiration"),
        Line2D([], [], color=grey, marker="o", ls="", label="says yes"),
        Line2D([], [], color=grey, marker="X", ls="", markersize=7, label="says no"),
        Line2D([], [], color=grey, marker="o", ls="", markerfacecolor="white", label="not asked"),
    ]
    ax.legend(
        handles=handles, fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False
    )
    return fig


def save_figure(fig, path: Path, dpi: int = 110, palette: bool = False) -> Path:
    """Write a PNG under a temporary name and rename it into place; ``palette``: 256 colours
    (a third of the size, for figures committed to the repository)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic.Replacement(path, hidden=True) as partial:
        if palette:
            from io import BytesIO

            from PIL import Image

            buffer = BytesIO()
            fig.savefig(buffer, dpi=dpi, format="png")
            buffer.seek(0)
            Image.open(buffer).convert("RGB").quantize(colors=256).save(partial, format="png", optimize=True)
        else:
            fig.savefig(partial, dpi=dpi, format="png", metadata={"Software": None})
    plt.close(fig)
    return path

"""Figures of a scenario discovery (:mod:`analysis.discover`): the coverage–density trade-off
of PRIM's peeling trajectory with the chosen box marked, and the chosen box's limits against
each restricted prior's range. Each takes the result and ``ax=None`` and returns the figure;
the caller saves it."""

from __future__ import annotations

import numpy as np

from analysis.discover import Discovery


def _axes(ax, size):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        return fig, ax
    return ax.figure, ax


def plot_tradeoff(found: Discovery, ax=None):
    """Density against coverage at every step: the fitted runs coloured by how many priors
    the box restricts (open where a restriction's quasi-p-value exceeds 0.05), the held-out
    runs as a grey line; the chosen box circled (after :func:`analysis.discover.prune`), its
    held-out point a cross."""
    fig, ax = _axes(ax, (6.4, 4.8))
    t = found.trajectory
    if found.n_check:
        ax.plot(t["check_coverage"], t["check_density"], color="0.6", lw=1, label="held-out runs")
    significant = t["significant"].to_numpy()
    points = ax.scatter(
        t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=22, zorder=3,
        label="fitted runs (step)",
    )
    ax.scatter(
        t.loc[~significant, "coverage"], t.loc[~significant, "density"], s=22, zorder=4,
        facecolors="white", edgecolors=points.to_rgba(t.loc[~significant, "restricted"].to_numpy()),
        label="a restriction with quasi-p > 0.05",
    )
    fig.colorbar(points, ax=ax, label="restricted priors")
    ax.axhline(found.overall["p"], color="0.3", ls=":", lw=1, label=f"overall {found.label}")
    if found.chosen is not None:
        pruned = f", without {', '.join(found.dropped)}" if found.dropped else ""
        ax.scatter([found.fitted["coverage"]], [found.fitted["density"]], s=160, facecolors="none",
                   edgecolors="crimson", lw=2, zorder=5, label=f"chosen: step {found.chosen}{pruned}")
        if found.n_check:
            ax.scatter([found.coverage_check], [found.box_check["p"]], marker="x", color="crimson", zorder=5,
                       label="chosen, held out")
    ax.set_xlabel(f"coverage: share of the runs with {found.outcome} inside the box")
    ax.set_ylabel(f"density: {found.label} inside the box")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"{found.scenario or 'run'}: PRIM trade-off for {found.outcome}", fontsize=10)
    return fig


def plot_box(found: Discovery, ax=None):
    """Each restricted prior's range (grey, scaled to [0, 1]) and the box's limits on it
    (red), labelled with the limits and the quasi-p-values."""
    n = max(len(found.restrictions), 1)
    fig, ax = _axes(ax, (7.5, 1.1 + 0.7 * n))
    if not found.restrictions:
        ax.text(0.5, 0.5, "no box chosen: " + found.rule, ha="center", va="center", wrap=True)
        ax.set_axis_off()
        return fig
    for i, r in enumerate(found.restrictions):
        span = r.maximum - r.minimum
        low, high = (r.low - r.minimum) / span, (r.high - r.minimum) / span
        y = n - 1 - i
        ax.plot([0, 1], [y, y], color="0.8", lw=6, solid_capstyle="butt")
        ax.plot([low, high], [y, y], color="crimson", lw=6, solid_capstyle="butt")
        qps = [q for q in (r.qp_low, r.qp_high) if not np.isnan(q)]
        ax.text(low, y + 0.22, f"{r.low:.3g}", ha="center", fontsize=8)
        ax.text(high, y + 0.22, f"{r.high:.3g}", ha="center", fontsize=8)
        ax.text(0, y - 0.38, f"{r.minimum:.3g}", ha="left", fontsize=7, color="0.45")
        ax.text(1, y - 0.38, f"{r.maximum:.3g}", ha="right", fontsize=7, color="0.45")
        ax.text(1.02, y, "qp " + ", ".join(f"{q:.2g}" for q in qps), va="center", fontsize=8)
    ax.set_yticks(range(n), [r.name for r in reversed(found.restrictions)])
    ax.set_xlim(-0.02, 1.25)
    ax.set_ylim(-0.7, n - 0.2)
    ax.set_xticks([0, 1], ["lowest draw", "highest draw"])
    est = found.box_check
    ax.set_title(
        f"{found.scenario or 'run'}: the box of step {found.chosen}"
        f"{' without ' + ', '.join(found.dropped) if found.dropped else ''}\n{found.label} {est['p']:.2f} "
        f"[{est['lo']:.2f}, {est['hi']:.2f}]{' (held out)' if found.n_check else ''} against "
        f"{found.overall['p']:.2f} overall",
        fontsize=10,
    )
    return fig

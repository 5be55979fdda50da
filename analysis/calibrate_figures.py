"""Figures of a calibration (:mod:`analysis.calibrate`): the accepted values of each prior
against the range searched (and the prior as written), the design in pairs of priors coloured
by implausibility, and each point's largest implausibility against each prior. Each takes the
result and returns the figure; the caller saves it."""

from __future__ import annotations

import numpy as np

from analysis.calibrate import Calibration


def _grid(rows: int, cols: int, size: tuple[float, float]):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=size, layout="constrained", squeeze=False)
    return fig, axes


def plot_marginals(result: Calibration):
    """Per calibrated prior: histogram of the design points (the searched range, uniform
    by design) and of the accepted ones; the prior as written shaded."""
    priors = result.spec.priors
    fig, axes = _grid(1, len(priors), (3.6 * len(priors), 3.2))
    ok = result.points["accepted"].to_numpy()
    for ax, prior in zip(axes[0], priors):
        values = result.points[prior.path].to_numpy()
        bins = np.linspace(prior.low, prior.high, 17)
        ax.hist(values, bins=bins, color="0.8", label="design (searched)")
        ax.hist(values[ok], bins=bins, color="tab:blue", label="accepted")
        low, high = result.prior_ranges[prior.path]
        ax.axvspan(low, high, color="tab:orange", alpha=0.15, label="prior as written")
        ax.set_xlabel(prior.path, fontsize=8)
        ax.set_xlim(prior.low, prior.high)
    axes[0][0].set_ylabel("design points")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{result.spec.scenario}: accepted values ({result.n_accepted} of {len(result.points)} points)", fontsize=10)
    return fig


def plot_pairs(result: Calibration):
    """Every pair of calibrated priors (one prior: against ``I_max``): the design points
    coloured by their largest implausibility (capped at twice the cutoff), accepted ones
    outlined."""
    priors = result.spec.priors
    cutoff = result.settings["cutoff"]
    frame = result.points
    ok = frame["accepted"].to_numpy()
    colour = np.minimum(frame["I_max"].to_numpy(), 2 * cutoff)
    k = len(priors)
    if k == 1:
        return plot_implausibility(result)
    fig, axes = _grid(k - 1, k - 1, (3.2 * (k - 1) + 1.2, 3.0 * (k - 1)))
    shown = None
    for i in range(1, k):
        for j in range(k - 1):
            ax = axes[i - 1][j]
            if j >= i:
                ax.set_visible(False)
                continue
            x, y = frame[priors[j].path], frame[priors[i].path]
            shown = ax.scatter(x, y, c=colour, cmap="viridis_r", vmin=0, vmax=2 * cutoff, s=14)
            ax.scatter(x[ok], y[ok], s=40, facecolors="none", edgecolors="crimson", lw=1)
            ax.set_xlim(priors[j].low, priors[j].high)
            ax.set_ylim(priors[i].low, priors[i].high)
            if i == k - 1:
                ax.set_xlabel(priors[j].path, fontsize=8)
            if j == 0:
                ax.set_ylabel(priors[i].path, fontsize=8)
    fig.colorbar(shown, ax=axes, label=f"max implausibility (capped at {2 * cutoff:g})")
    fig.suptitle(f"{result.spec.scenario}: design points by implausibility (red rings: accepted)", fontsize=10)
    return fig


def plot_implausibility(result: Calibration):
    """Per calibrated prior: every design point's largest implausibility against its value,
    the cutoff as a line (points below it are accepted)."""
    priors = result.spec.priors
    cutoff = result.settings["cutoff"]
    fig, axes = _grid(1, len(priors), (3.6 * len(priors), 3.2))
    ok = result.points["accepted"].to_numpy()
    for ax, prior in zip(axes[0], priors):
        x, y = result.points[prior.path], result.points["I_max"]
        ax.scatter(x[~ok], y[~ok], s=10, color="0.6", label="ruled out")
        ax.scatter(x[ok], y[ok], s=10, color="tab:blue", label="accepted")
        ax.axhline(cutoff, color="crimson", ls="--", lw=1, label=f"cutoff {cutoff:g}")
        ax.set_xlabel(prior.path, fontsize=8)
        ax.set_yscale("symlog", linthresh=1)
    axes[0][0].set_ylabel("max implausibility over targets")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{result.spec.scenario}: implausibility of each design point", fontsize=10)
    return fig

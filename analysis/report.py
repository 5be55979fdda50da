"""A one-screen text summary of a Monte Carlo (the terminal output of ``negsim``)."""

from __future__ import annotations

from pathlib import Path

from sim.labels import STATUS_WAR
from sim.summary import P_WAR_CAPTION, p_war


def _row(label: str, est: dict, width: int = 22) -> str:
    return f"  {label:<{width}} {est['p']:7.1%}   [{est['lo']:6.1%}, {est['hi']:6.1%}]"


def status_label(name: str) -> str:
    """A status's name as the summaries show it: the status ``war`` is "status war", so that
    it is never read as P(war) (DESIGN.md, "Statuses")."""
    return STATUS_WAR if name == "war" else name


def war_estimate(summary: dict) -> dict:
    """A summary's P(war) (``summary.json``'s ``p_war``; for a summary written before it
    existed, :func:`sim.summary.p_war` of its highest-rung counts)."""
    if "p_war" in summary:
        return summary["p_war"]
    counts = [est["count"] for est in summary["highest_rung"].values()]
    return p_war(range(len(counts)), counts)


def format_summary(summary: dict, out_dir: Path | None = None) -> str:
    """Statuses and acceptance with 95% Wilson intervals, top packages, output folder."""
    lines = [
        f"negsim {summary['version']} | scenario {summary['scenario']} | protocol {summary['protocol']} | "
        f"engine {summary['engine']} | {summary['n_runs']:,} runs | seed {summary['seed']}",
        "",
        "Outcome status                 p     95% Wilson interval",
    ]
    lines += [_row(status_label(name), est) for name, est in summary["status"].items()]
    war = war_estimate(summary)
    lines += ["", _row("P(war)", war) + f"   {P_WAR_CAPTION.removeprefix('P(war): ')}"]
    lines += ["", "Accepts the final package      p     95% Wilson interval"]
    lines += [_row(name, est) for name, est in summary["acceptance"].items()]
    lines += ["", f"Rounds to outcome: mean {summary['rounds']['mean']:.2f}"]
    top = summary["top_packages"][:5]
    if top:
        lines += ["", "Most frequent final packages: " + " | ".join(top[0]["package"])]
    for entry in top:
        statuses = ", ".join(f"{s} {c / entry['count']:.0%}" for s, c in entry["status"].items())
        lines.append(f"  {entry['p']:6.1%}  " + " | ".join(entry["package"].values()))
        lines.append(f"          {statuses}")
    if out_dir is not None:
        lines += ["", f"Outputs: {out_dir}"]
    return "\n".join(lines)

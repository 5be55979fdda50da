"""A one-screen text summary of a Monte Carlo (the terminal output of ``negsim``)."""

from __future__ import annotations

from pathlib import Path


def _row(label: str, est: dict, width: int = 22) -> str:
    return f"  {label:<{width}} {est['p']:7.1%}   [{est['lo']:6.1%}, {est['hi']:6.1%}]"


def format_summary(summary: dict, out_dir: Path | None = None) -> str:
    """Statuses and acceptance with 95% Wilson intervals, top packages, output folder."""
    lines = [
        f"negsim {summary['version']} | scenario {summary['scenario']} | protocol {summary['protocol']} | "
        f"engine {summary['engine']} | {summary['n_runs']:,} runs | seed {summary['seed']}",
        "",
        "Outcome status                 p     95% Wilson interval",
    ]
    lines += [_row(name, est) for name, est in summary["status"].items()]
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

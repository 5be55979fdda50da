"""The figures of the teaching notes (``docs/teaching.md``), made from the same configs as the
commands the notes show.

``python -m sim.teaching.exercises [OUT_DIR] [--runs N]`` writes them (default
``docs/figures/teaching``, 20,000 runs each, seed 0). Every Monte Carlo here composes its
config with Hydra exactly as the command line does, then draws once and runs the batch engine
on those draws: the variants of an exercise share every random number (common random
numbers), so their differences are paired, and their 95% intervals are those of paired
differences.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.core.decisions import package_index, utility_tables
from sim.core.enums import Status
from sim.scenario import scenario_from_dict
from sim.summary import Z95, is_war
from sim.teaching.figures import save_figure
from sim.teaching.words import item_words, level_words

OUT_DIR = Path(__file__).resolve().parents[2] / "docs" / "figures" / "teaching"
SEED = 0
EX1_RUN = 4  # us_response_2022, single_text, seed 0: agreement after 8 rounds of mediation


def fixed(path: str, value: float) -> list[str]:
    """Overrides that make the prior at ``path`` fixed at ``value`` (its other fields null)."""
    return [f"{path}.dist=fixed", f"{path}.value={value}", f"{path}.low=null", f"{path}.high=null"]


def configure(overrides: list[str]):
    """``(scenario, protocol)`` of ``negsim OVERRIDES``."""
    return configure_many([overrides])[0]


def composed(overrides: list[str]) -> tuple[dict, object]:
    """The plain scenario data and the protocol of ``negsim OVERRIDES`` (to vary the scenario
    without composing again: composing takes about half a second)."""
    from sim import api

    _scenario, protocol, _engine, _mc, container = api.build(api.compose_many([overrides])[0])
    return container["scenario"], protocol


def configure_many(overrides: list[list[str]]) -> list[tuple]:
    """:func:`configure` of each list of overrides, composed in one Hydra context."""
    from sim import api

    return [api.build(cfg)[:2] for cfg in api.compose_many(overrides)]


def simulate(scenario, protocol, n: int, draws=None):
    from sim.engines import get_engine
    from sim.sampling import draw

    draws = draws if draws is not None else draw(scenario, protocol, SEED, 0, n)
    return get_engine("batch")(scenario, protocol, draws), draws


def utility_of(draws, scenario, actor: str, package) -> np.ndarray:
    """Each run's utility of ``package`` for ``actor`` (normalised salience, item order)."""
    a = scenario.actor_names.index(actor)
    number = package_index(np.asarray(package, dtype=np.int64), scenario.strides)
    return utility_tables(draws.actors.values, draws.actors.salience, scenario.n_levels)[:, a, number]


# --- exercise 1: why does Russia reject the US response? -----------------------------------
def exercise_1(out: Path, n: int) -> list[Path]:
    from sim.teaching.transcript import Replay

    (scenario, protocol), (lieven, _), (mediated, mediated_protocol) = configure_many(
        [
            ["experiment=ball_in_their_court"],
            ["scenario=lieven_2022"],
            ["scenario=us_response_2022"],
        ]
    )
    _, draws = simulate(scenario, protocol, n)
    r = draws.actors.reservation[:, scenario.actor_names.index("russia")]
    u_sq = utility_of(draws, scenario, "russia", scenario.opening_offer)
    u_lieven = utility_of(draws, scenario, "russia", lieven.opening_offer)
    fig, ax = plt.subplots(figsize=(7.2, 3.6), layout="constrained")
    bins = np.linspace(-0.05, 0.5, 45)
    ax.hist(r, bins=bins, color="#9b2226", alpha=0.75, label="Russia's BATNA r (its reservation)")
    ax.hist(
        u_lieven,
        bins=bins,
        color="#2a9d8f",
        alpha=0.6,
        label="Russia's utility of Lieven's package",
    )
    ax.axvline(
        float(u_sq.max()),
        color="black",
        lw=2,
        label="Russia's utility of the US response (always 0)",
    )
    share = float(np.mean(u_lieven >= r))
    ax.set_xlabel("utility")
    ax.set_ylabel(f"runs (of {n:,})")
    ax.set_title(
        f"The status quo is worth 0 to Russia, below its BATNA in every draw;\n"
        f"Lieven's package reaches Russia's BATNA in {share:.0%} of draws",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    paths = [save_figure(fig, out / "ex1_russia_batna.png", dpi=100, palette=True)]
    replay = Replay(mediated, mediated_protocol, SEED, EX1_RUN).play()
    paths.append(
        save_figure(replay.figure(), out / "ex1_us_response_transcript.png", dpi=100, palette=True)
    )
    return paths


# --- exercise 2: which single item moves P(agreement) most? --------------------------------
def exercise_2(out: Path, n: int) -> list[Path]:
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.0), layout="constrained", sharey=True)
    configs = configure_many(
        [["scenario=lieven_2022", f"protocol={name}"] for name in ("ultimatum", "single_text")]
    )
    for ax, protocol_name, (scenario, protocol) in zip(axes, ("ultimatum", "single_text"), configs):
        base, draws = simulate(scenario, protocol, n)
        agreed = base.status == Status.AGREEMENT
        labels, effects, halves = [], [], []
        for i, item in enumerate(scenario.items):
            for level in range(len(item.levels)):
                if level == scenario.opening_offer[i]:
                    continue
                offer = list(scenario.opening_offer)
                offer[i] = level
                variant, _ = simulate(
                    dataclasses.replace(scenario, opening_offer=tuple(offer)), protocol, n, draws
                )
                diff = (variant.status == Status.AGREEMENT).astype(float) - agreed
                labels.append(f"{item_words(item.name)} → {level_words(item.levels[level])}")
                effects.append(diff.mean())
                halves.append(Z95 * diff.std(ddof=1) / np.sqrt(n))
        y = np.arange(len(labels))
        colours = ["#2a9d8f" if e > 0 else "#e76f51" for e in effects]
        ax.barh(y, 100 * np.array(effects), xerr=100 * np.array(halves), color=colours, capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel("Δ P(agreement), percentage points")
        ax.set_title(
            f"{protocol_name} protocol\nP(agreement) with Lieven's package: {agreed.mean():.1%}",
            fontsize=9,
        )
    axes[0].invert_yaxis()  # shared: once
    fig.suptitle(
        f"One item changed in Lieven's opening offer (lieven_2022, {n:,} paired runs, 95% CI)",
        fontsize=10,
    )
    return [save_figure(fig, out / "ex2_single_item.png", dpi=100, palette=True)]


# --- exercise 3: what does a deadline do to a Boulware negotiator? -------------------------
EXPONENTS = (0.3, 1.0, 3.0)
DEADLINES = (2, 4, 6, 8, 10, 12)


def exercise_3(out: Path, n: int) -> list[Path]:
    from sim.core import decisions

    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.8), layout="constrained")
    t = np.arange(0, 13)
    styles = {
        0.3: ("#9b2226", "Boulware e = 0.3"),
        1.0: ("#577590", "linear e = 1"),
        3.0: ("#2a9d8f", "Conceder e = 3"),
    }
    for e, (colour, label) in styles.items():
        for deadline, ls in ((4, "-"), (10, "--")):
            asp = [decisions.aspiration(0.0, 1.0, deadline, e, int(s)) for s in t]
            left.plot(t, asp, ls, color=colour, label=f"{label}, T = {deadline}")
    left.set_xlabel("round t")
    left.set_ylabel("aspiration: (asp − r) / h")
    left.set_title("Aspiration falls to the BATNA by the deadline T", fontsize=9)
    left.legend(fontsize=7)
    base, protocol = composed(["scenario=lieven_2022"])
    for e, (colour, label) in styles.items():
        agreement, war = [], []
        for deadline in DEADLINES:
            # the same config as the overrides fixed("...concession_exponent", e) + fixed("...deadline", T)
            data = copy.deepcopy(base)
            russia = data["actors"]["russia"]
            russia["concession_exponent"] = {
                "dist": "fixed",
                "value": e,
                "rationale": "exercise 3",
                "source": "docs/teaching.md",
                "evidence": "assumption",
            }
            russia["deadline"] = {
                "dist": "fixed",
                "value": deadline,
                "rationale": "exercise 3",
                "source": "docs/teaching.md",
                "evidence": "assumption",
            }
            outcome, _ = simulate(scenario_from_dict(data), protocol, n)
            agreement.append(np.mean(outcome.status == Status.AGREEMENT))
            war.append(np.mean(is_war(outcome.highest_rung)))
        right.plot(
            DEADLINES, 100 * np.array(agreement), "o-", color=colour, label=f"{label}: agreement"
        )
        right.plot(
            DEADLINES, 100 * np.array(war), "s--", color=colour, label=f"{label}: P(war)"
        )
    right.set_xlabel("Russia's deadline T (fixed)")
    right.set_ylabel("share of runs (%)")
    right.set_xticks(DEADLINES)
    right.set_title("lieven_2022, single_text: Russia's tactic and deadline", fontsize=9)
    right.legend(fontsize=7, ncol=1)
    return [save_figure(fig, out / "ex3_deadline_boulware.png", dpi=100, palette=True)]


def make_all(out: Path = OUT_DIR, n: int = 20_000) -> list[Path]:
    out = Path(out)
    return exercise_1(out, n) + exercise_2(out, n) + exercise_3(out, n)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sim.teaching.exercises", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "out", nargs="?", default=str(OUT_DIR), help=f"output folder (default {OUT_DIR})"
    )
    parser.add_argument(
        "--runs", type=int, default=20_000, help="runs per Monte Carlo (default 20,000)"
    )
    args = parser.parse_args(argv)
    for path in make_all(Path(args.out), args.runs):
        print(path)


if __name__ == "__main__":
    main()

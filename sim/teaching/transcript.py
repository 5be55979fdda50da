"""Round-by-round transcript of one Monte Carlo run, replayed with the Mesa reference model.

``negsim-transcript scenario=NAME mc.seed=S run=K`` replays run ``K`` of the Monte Carlo that
``negsim`` runs with seed ``S``: ``draw(scenario, protocol, S, K, K + 1)`` gives exactly that
run's draws (common random numbers, DESIGN.md), so the transcript's outcome is the row
``run == K`` of that Monte Carlo's ``outcomes.parquet``. It narrates each round: the text on
the table, each actor's utility against its aspiration and its decision, the escalation draw
against its probability, reservation (BATNA) shifts, the mediator's amendment (or the
proposer's offer) and why, and how the talks end. Outputs in the Hydra run directory:
``transcript.md``, ``rounds.csv`` (one row per round) and ``figures/utilities.png``.

The command takes every override ``negsim`` takes (``scenario=``, ``protocol=``,
``experiment=``, ``scenario.*`` priors, ``scenario_file=``, ``mc.seed=``), plus ``run``. Its
config is negsim's, with a structured-config extension: :class:`TranscriptConf` is
:class:`sim.config.NegsimConf` plus ``run: int = 0``, registered as the schema of this
command only, so ``run`` is type-checked like every other key (``run=abc`` fails with one line).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import atomic, configure
from sim.abm.model import NegotiationModel, PeriodRecord, RoundRecord
from sim.config import NegsimConf, register_configs
from sim.core.decisions import package_index
from sim.core.enums import RoundOutcome, Rung
from sim.errors import ConfigError
from sim.protocols import Protocol
from sim.sampling import Draws, draw
from sim.scenario import Scenario
from sim.teaching.words import (
    actor_words,
    factor,
    refusal_words,
    item_words,
    level_words,
    number,
    package_words,
    rung_words,
    signed,
    status_words,
)

log = logging.getLogger("negsim")
CONFIG_NAME = "negsim_transcript"
RUN_DIR = "outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}_${scenario.name}_run${run}"


# --- the replay ----------------------------------------------------------------------------
@dataclass
class Amendment:
    """What the narrator worked out about a round's step 4 (the next text)."""

    kind: str  # "mediator", "proposal", "none" (no step 4 this round)
    text: np.ndarray | None  # the next text, or None if it stays
    explanation: str


class Replay:
    """One run, replayed round by round with :class:`NegotiationModel` (``trace=True``).

    ``step()`` plays one round; the ``*_markdown`` methods narrate what has been played so
    far. The dashboard steps it; the transcript command plays it to the end.
    """

    def __init__(self, scenario: Scenario, protocol: Protocol, seed: int, run: int) -> None:
        if isinstance(run, bool) or not isinstance(run, (int, np.integer)) or run < 0:
            raise ConfigError(
                "run", run, "must be a whole number >= 0 (the run's number in the Monte Carlo)"
            )
        self.scenario, self.protocol, self.seed, self.run = scenario, protocol, int(seed), int(run)
        self.draws: Draws = draw(scenario, protocol, self.seed, self.run, self.run + 1)
        self.model = NegotiationModel(scenario, protocol, self.draws, trace=True)
        self.actors = list(scenario.actor_names)

    # --- playing ---------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return not self.model.running

    @property
    def records(self) -> list[RoundRecord]:
        return self.model.history

    @property
    def periods(self) -> list[PeriodRecord]:
        return self.model.periods

    def step(self) -> RoundRecord | PeriodRecord | None:
        """Play one round of the talks or one aftermath period; None once the run has ended."""
        if self.finished:
            return None
        self.model.step()
        return self.model.periods[-1] if self.model.periods else self.model.history[-1]

    def last_markdown(self, reasons: bool = True) -> str:
        """The last round or aftermath period played, in words."""
        if self.periods:
            return self.period_markdown(len(self.periods) - 1)
        return self.round_markdown(len(self.records) - 1, reasons)

    def play(self) -> Replay:
        while not self.finished:
            self.step()
        return self

    @property
    def status(self) -> str | None:
        return None if self.model.status is None else self.model.status.label

    # --- the actors' parameters ------------------------------------------------------------
    def _agent(self, a: int):
        return self.model.negotiators[a]

    # --- narration: the header -------------------------------------------------------------
    def title(self) -> str:
        return f"Transcript of run {self.run}: {self.scenario.name}, {self.protocol.name} protocol, seed {self.seed}"

    def reproduction_markdown(self) -> str:
        """Where this run comes from, in code: its draws and the Monte Carlo row it is."""
        s = self.scenario
        return (
            f"Replayed with the Mesa reference model from run {self.run}'s own draws "
            f"(`draw(scenario, protocol, seed={self.seed}, start={self.run}, stop={self.run + 1})`): "
            f"the same run as row `run == {self.run}` of `negsim scenario={s.name} "
            f"protocol={self.protocol.name} mc.seed={self.seed}` (both engines give it the same outcome)."
        )

    def header_markdown(self, reproduction: bool = True) -> str:
        """The run's draws; ``reproduction=False`` leaves out the code that reproduces it (the
        dashboard folds it away from the teacher's view)."""
        s, d = self.scenario, self.draws
        lines = [
            f"# {self.title()}",
            "",
            f"*{s.title}.*" + (f" {self.reproduction_markdown()}" if reproduction else ""),
            "",
            f"**Opening offer:** {package_words(s, np.array(s.opening_offer))}.",
            "",
            "## This run's draws",
            "",
            "| actor | must say yes to | BATNA r | surplus h | deadline T | exponent e |",
            "|---|---|---:|---:|---:|---|",
        ]
        veto = s.veto_matrix()
        ratifiers = []
        for a, actor in enumerate(s.actors):
            agent = self._agent(a)
            if actor.must_accept_every_text:
                asked = "every text"
            else:
                asked = "texts moving " + ", ".join(
                    item_words(i) for i, v in zip(s.item_names, veto[a]) if v
                )
            lines.append(
                f"| {actor_words(actor.name)} | {asked} | {number(d.actors.reservation[0, a])} | {number(agent.opening_surplus)} "
                f"| {agent.deadline} | {agent.concession_exponent:.2f} {agent.tactic} |"
            )
            if actor.ratifier is not None:
                items = ", ".join(item_words(i) for i in actor.ratifier.items)
                ratifiers.append(
                    f"- {actor_words(actor.name)}: {actor.ratifier.name}, votes on texts moving {items}; bias b = {number(d.actors.ratifier_bias[0, a])}"
                )
        lines += [
            "",
            (
                "Aspiration: `asp(t) = r + h·(1 − (t/T)^(1/e))` before the deadline `T`, `r` from it on "
                "(e < 1: Boulware, concedes late; e > 1: Conceder, concedes early). "
                "An actor says yes iff the text's utility reaches its aspiration."
            ),
            "",
            "Ratifiers (approve iff `U + b ≥ r`):",
            "",
            *ratifiers,
            *self._red_line_lines(),
        ]
        esc, e = s.escalation, d.escalation
        escalator = actor_words(esc.actor)
        lines += [
            "",
            f"**Escalation** ({escalator} decides): start at {rung_words(esc.start_rung)}; "
            f"β0 = {number(e.beta0[0], 2)}, β_gap = {number(e.beta_gap[0], 2)}, β_time = {number(e.beta_time[0], 2)}, "
            f"p_deadline = {number(e.p_deadline[0])}, p_spillover = {number(e.p_spillover[0])}. "
            f"{escalator}'s deadline is round {self._agent(s.escalating_actor).deadline}"
            + (
                f" (after the last round, {self.protocol.max_rounds}: no deadline draw)."
                if self._agent(s.escalating_actor).deadline > self.protocol.max_rounds
                else "."
            ),
        ]
        return "\n".join(lines)

    # --- narration: one round --------------------------------------------------------------
    def round_markdown(self, k: int, reasons: bool = True) -> str:
        """The ``k``-th round played (0-based) in words; ``reasons=False`` leaves out why each
        refusing actor refused (the dashboard shows them in a box of their own)."""
        s, record = self.scenario, self.records[k]
        t = record.t
        before, after = record.reservations_before, record.reservations_after
        if t == 1:
            what = "the opening offer"
        elif self.protocol.module.SPEAKER:
            what = "the last proposal"
        else:
            what = "the mediator's text"
        lines = [
            f"## Round {t}",
            "",
            f"**On the table** ({what}): {package_words(s, record.text)}.",
            "",
            "| actor | utility of the text | aspiration | must say yes? | decision |",
            "|---|---:|---:|---|---|",
        ]
        for a, actor in enumerate(self.actors):
            u, asp = record.utilities[a], record.aspirations[a]
            if record.accepted[a]:
                verdict = f"yes (margin {signed(u - asp)})"
            elif record.crossing[a]:
                verdict = "no (the text crosses its red line" + (f"; margin {signed(u - asp)})" if u >= asp else ")")
            else:
                verdict = f"no (short by {number(asp - u)})"
            if record.asked[a]:
                decision = f"**{verdict}**"
            else:
                decision = f"not asked (would say {verdict})"
            lines.append(
                f"| {actor_words(actor)} | {number(u)} | {number(asp)} | {'yes' if record.asked[a] else 'no'} | {decision} |"
            )
        lines.append("")
        refusing = [
            a for a in range(len(self.actors)) if record.asked[a] and not record.accepted[a]
        ]
        if not refusing:
            lines += self._ratification_lines(record, before)
            return "\n".join(lines)
        names = ", ".join(actor_words(self.actors[a]) for a in refusing)
        lines.append(
            f"**No agreement:** refused by {names} (the blocker is the first refusing actor in actor order: "
            f"{actor_words(self.actors[refusing[0]])})."
        )
        lines.append("")
        if reasons:
            lines += [f"- {refusal_words(s, record, a)}" for a in refusing] + [""]
        lines += self._escalation_lines(record, before, after)
        if self._talks_end_by_escalation(record):
            lines.append(f"**The talks end** at {rung_words(record.rung_after)}.")
        else:
            lines.append(self.amendment(k).explanation)
        return "\n".join(lines)

    @staticmethod
    def _talks_end_by_escalation(record: RoundRecord) -> bool:
        return record.outcome == RoundOutcome.TALKS_ENDED

    def _escalation_lines(
        self, record: RoundRecord, before: np.ndarray, after: np.ndarray
    ) -> list[str]:
        s, d, r = self.scenario, self.draws.escalation, record.result
        e = s.escalating_actor
        name = actor_words(s.escalation.actor)
        gap = r.gap
        deadline = self._agent(e).deadline
        z = d.beta0[0] + d.beta_gap[0] * gap + d.beta_time[0] * min(1.0, record.t / deadline)
        p, u = r.p_climb, r.u_climb
        climbed = u < p
        lines = [
            f"- **Escalation draw.** {name}'s dissatisfaction gap = aspiration − utility = "
            f"{number(record.aspirations[e])} − {number(record.utilities[e])} = {number(gap)}. "
            f"P(climb) = σ(β0 + β_gap·gap + β_time·min(1, t/T)) = σ({number(d.beta0[0], 2)} + "
            f"{number(d.beta_gap[0], 2)}×{factor(gap)} + {number(d.beta_time[0], 2)}×{number(min(1.0, record.t / deadline), 2)}) "
            f"= σ({number(z, 2)}) = **{p:.3f}**. Draw u = {u:.3f} "
            + (f"< {p:.3f}: **{name} climbs one rung.**" if climbed else f"≥ {p:.3f}: no climb."),
        ]
        if record.t == deadline:
            ud, pd_ = self.draws.events.u_deadline[0], d.p_deadline[0]
            lines.append(
                f"- Round {record.t} is {name}'s deadline: deadline draw u = {ud:.3f} "
                + (
                    f"< p_deadline = {pd_:.3f}: **one more rung.**"
                    if ud < pd_
                    else f"≥ p_deadline = {pd_:.3f}: no extra rung."
                )
            )
        if record.rung_after != record.rung_before:
            lines.append(
                f"- Rung: {rung_words(record.rung_before)} → **{rung_words(record.rung_after)}**."
            )
            if record.rung_before < Rung.FULL_SCALE_INVASION <= record.rung_after:
                us, ps = self.draws.events.u_spill[0], d.p_spillover[0]
                if record.rung_after == Rung.NATO_RUSSIA_CLASH:
                    lines.append(
                        f"- Full-scale invasion reached: spill-over draw u = {us:.3f} < p_spillover = {ps:.3f}: "
                        f"**the war spills over into a direct NATO-Russia clash.**"
                    )
                else:
                    lines.append(
                        f"- Full-scale invasion reached: spill-over draw u = {us:.3f} ≥ p_spillover = {ps:.3f}: no spill-over."
                    )
                    if self.protocol.continue_after_invasion:
                        lines.append(
                            "- The protocol continues after an invasion: the talks go on at rung 3, with no further climb."
                        )
        elif record.rung_before >= Rung.FULL_SCALE_INVASION:
            lines[0] += " (The ladder stops at full-scale invasion: no further climb.)"
        shifted = [a for a in range(len(self.actors)) if after[a] != before[a]]
        if shifted:
            moves = "; ".join(
                f"{actor_words(self.actors[a])} {number(before[a])} → {number(after[a])} ({signed(after[a] - before[a])})"
                for a in shifted
            )
            lines.append(
                f"- **BATNAs shift** (each rung first reached above the start shifts the reservations): {moves}."
            )
        lines.append("")
        return lines

    def _ratification_lines(self, record: RoundRecord, reservations: np.ndarray) -> list[str]:
        s, d = self.scenario, self.draws
        lines = [
            "**Everyone who must say yes accepts:** the text goes to the ratifiers (Putnam's level II).",
            "",
        ]
        ratify = s.ratifier_matrix()
        for a, actor in enumerate(s.actors):
            if actor.ratifier is None:
                continue
            items = [i for i, on in enumerate(ratify[a]) if on]
            moved = [i for i in items if record.text[i] != 0]
            if not moved:
                lines.append(
                    f"- {actor.ratifier.name} does not vote: the text leaves its items "
                    f"({', '.join(item_words(s.item_names[i]) for i in items) or 'none'}) at the status quo."
                )
                continue
            u, b, r = record.utilities[a], d.actors.ratifier_bias[0, a], reservations[a]
            approves = u + b >= r
            lines.append(
                f"- {actor.ratifier.name} votes (the text moves {', '.join(item_words(s.item_names[i]) for i in moved)}): "
                f"U + b = {number(u)} + ({number(b)}) = {number(u + b)} "
                + (
                    f"≥ r = {number(r)}: **approves**."
                    if approves
                    else f"< r = {number(r)}: **refuses**."
                )
            )
        lines.append("")
        if record.ratification_refusal >= 0:
            ratifier = s.actors[record.ratification_refusal].ratifier
            lines.append(
                f"**Ratification fails:** {ratifier.name} refuses the text (the first refusal in actor order)."
            )
        else:
            lines.append("**Agreement**, ratified.")
        return lines

    def amendment(self, k: int) -> Amendment:
        """Step 4 of round ``k`` (0-based): the next text and why, as the round decided it
        (:class:`sim.core.bundles.Amendment`)."""
        record = self.records[k]
        if record.outcome in (RoundOutcome.AGREED, RoundOutcome.RATIFICATION_FAILED, RoundOutcome.TALKS_ENDED):
            return Amendment("none", None, "")
        if record.outcome == RoundOutcome.LAST_ROUND:
            if self.protocol.max_rounds == 1:
                why = f"**One round only** ({self.protocol.name} protocol): no amendment; the talks end without agreement."
            else:
                why = (
                    f"**Last round** (this protocol allows {self.protocol.max_rounds} rounds): no amendment; "
                    "the talks end without agreement and the final package is this text."
                )
            return Amendment("none", None, why)
        if self.protocol.module.SPEAKER:
            return self._proposal(record)
        return self._mediation(record)

    def _refusing(self, mask: int) -> str:
        return ", ".join(actor_words(actor) for a, actor in enumerate(self.actors) if mask >> a & 1) or "nobody"

    def _mediation(self, record: RoundRecord) -> Amendment:
        a = record.result.amendment

        def describe(refusals: int, shortfall: float, mask: int, anticipated: int) -> str:
            ratifiers = (
                f"; counted for its ratifier, which would refuse the text: {self._refusing(anticipated)}"
                if anticipated
                else ""
            )
            return (
                f"{refusals} refusal{'s' if refusals != 1 else ''} ({self._refusing(mask)}{ratifiers}), "
                f"shortfall {number(shortfall)}"
            )

        current = describe(a.refusals_before, a.shortfall_before, a.refusing_before, a.anticipated_before)
        if not a.amended:
            why = (
                f"**Mediator:** no one-step amendment (of {a.candidates}) ranks strictly better than the current text "
                f"at this round's aspirations (after any shifts): the text has {current}. "
                "The text stays, and aspirations keep falling."
            )
            return Amendment("mediator", None, why)
        item = self.scenario.items[a.item]
        if a.refusals_after < a.refusals_before:
            reason = "fewer refusals"
        else:
            reason = f"as many refusals but a smaller total shortfall ({number(a.shortfall_after)} < {number(a.shortfall_before)})"
        why = (
            f"**Mediator:** moves *{item_words(item.name)}* {'up' if a.step > 0 else 'down'} from "
            f"{level_words(item.levels[record.text[a.item]])} to **{level_words(item.levels[record.next_text[a.item]])}**. "
            f"At this round's aspirations (after any shifts) the current text has {current}; the amended text has "
            f"{describe(a.refusals_after, a.shortfall_after, a.refusing_after, a.anticipated_after)}: {reason}, "
            f"the best of the {a.candidates} one-step amendments."
        )
        return Amendment("mediator", record.next_text, why)

    def _proposal(self, record: RoundRecord) -> Amendment:
        s, a = self.scenario, record.result.amendment
        name = actor_words(self.actors[a.proposer])
        side = "every Western actor" if a.proposer == s.escalating_actor else "every actor"
        if not a.amended:
            why = (
                f"**{name} proposes:** nothing: none of the {len(s.packages)} packages would be accepted by {side} "
                "whose yes it needs, at its aspiration after this round. The text stays."
            )
            return Amendment("proposal", None, why)
        why = (
            f"**{name} proposes:** {package_words(s, record.next_text)}: the best package for {name} "
            f"(utility {number(self.model.state.utility_table[a.proposer, a.offer])}) among the {a.candidates} of "
            f"{len(s.packages)} packages that {side} whose yes it needs would accept at its aspiration after this round."
        )
        return Amendment("proposal", record.next_text, why)

    # --- narration: red lines and the aftermath --------------------------------------------
    def _red_line_lines(self) -> list[str]:
        s, d = self.scenario, self.draws
        lines = []
        for a, actor in enumerate(s.actors):
            for item_name, levels in actor.red_lines.items():
                i = s.item_names.index(item_name)
                hold, u = d.actors.red_lines_hold[0, a, i], d.events.u_red_line[0, a, i]
                binds = self.model.state.held[a, i]
                lines.append(
                    f"- {actor_words(actor.name)}'s red line on {item_words(item_name)}: it refuses "
                    f"{', '.join(level_words(level) for level in levels)}. Binds in this run iff u < hold: "
                    f"u = {u:.3f} {'<' if binds else '≥'} hold = {number(hold)}: "
                    + ("**it holds**." if binds else "it does not hold in this run.")
                )
        return ["", "Red lines (an actor refuses any text crossing a held red line, whatever its utility):", "", *lines] if lines else []

    def period_markdown(self, k: int) -> str:
        """The ``k``-th aftermath period played (0-based) in words."""
        s, d, record = self.scenario, self.draws.escalation, self.periods[k]
        r, p = s.escalating_actor, record.result
        name = actor_words(s.escalation.actor)
        reservation = record.reservations_before[r]
        utility = self.model.state.utility_table[r, package_index(self.model.text, s.strides)]
        gap = reservation - utility
        z = d.beta0[0] + d.beta_gap[0] * gap + d.beta_time[0]
        climbed = p.u_climb < p.p_climb
        lines = [
            f"## Aftermath, period {p.period} of {self.model.aftermath_periods}",
            "",
            (
                "The talks ended with neither agreement nor war; the crisis goes on. "
                if p.period == 1
                else ""
            )
            + f"{name}'s gap = reservation − utility of the final text = {number(reservation)} − {number(utility)} "
            f"= {number(gap)}. P(climb) = σ(β0 + β_gap·gap + β_time) = σ({number(z, 2)}) = **{p.p_climb:.3f}**. "
            f"Draw u = {p.u_climb:.3f} " + (f"< {p.p_climb:.3f}: **{name} climbs one rung.**" if climbed else f"≥ {p.p_climb:.3f}: no climb."),
        ]
        if p.rung_after != p.rung_before:
            lines.append(f"\n- Rung: {rung_words(p.rung_before)} → **{rung_words(p.rung_after)}**.")
            moved = [a for a in range(len(self.actors)) if record.reservations_after[a] != record.reservations_before[a]]
            if moved:
                lines.append(
                    "- **BATNAs shift**: " + "; ".join(
                        f"{actor_words(self.actors[a])} {number(record.reservations_before[a])} → "
                        f"{number(record.reservations_after[a])}" for a in moved
                    ) + "."
                )  # fmt: skip
        if p.ended:
            lines.append(f"\n**The crisis ends in war** at {rung_words(p.rung_after)}.")
        return "\n".join(lines)

    # --- narration: the end ----------------------------------------------------------------
    def ending_markdown(self, code: bool = True) -> str:
        """How the run ended; ``code=False`` names the status in words only (the dashboard's
        teacher view), not by its name in the outcomes table."""
        if not self.finished:
            return ""
        s, m = self.scenario, self.model
        last = self.records[-1]
        status = m.status.label
        lines = ["## How it ended", ""]
        if status == "agreement":
            lines.append(
                f"**Agreement in round {m.rounds}**, ratified: {package_words(s, m.text)}."
            )
        elif status == "ratification_failed":
            lines.append(
                f"**Ratification failed in round {m.rounds}:** {s.actors[m.blocker].ratifier.name} refused "
                f"the agreed text ({package_words(s, m.text)})."
            )
        elif status in ("war", "nato_russia_war") and self.periods:
            lines.append(
                f"**{status_words(status).capitalize()}:** the talks ended without agreement after {m.rounds} "
                f"round{'s' if m.rounds != 1 else ''}; the crisis went on, and in aftermath period {len(self.periods)} "
                f"{actor_words(s.escalation.actor)} reached {rung_words(m.rung)}. The last text: {package_words(s, m.text)}."
            )
        elif status in ("war", "nato_russia_war"):
            lines.append(
                f"**{status_words(status).capitalize()}:** the talks ended in round {m.rounds}, when {actor_words(s.escalation.actor)} "
                f"reached {rung_words(last.rung_after)}. The last text on the table: {package_words(s, m.text)}."
            )
        else:
            lines.append(
                f"**{status_words(status).capitalize()}:** no agreement after {m.rounds} round{'s' if m.rounds != 1 else ''} "
                f"(the last allowed)"
                + (f", then {len(self.periods)} aftermath period{'s' if len(self.periods) != 1 else ''} without war"
                   if self.periods else "")
                + f"; highest rung {rung_words(m.rung)}. The last text: {package_words(s, m.text)}."
            )  # fmt: skip
        blocker = actor_words(self.actors[m.blocker]) if m.blocker >= 0 else "none"
        lines += [
            "",
            f"- **Status:** `{status}`" if code else f"- **Status:** {status_words(status)}",
            f"- **Rounds:** {m.rounds}",
            f"- **Aftermath periods:** {len(self.periods)}",
            f"- **Highest rung:** {rung_words(m.rung)}",
            f"- **Blocker:** {blocker}",
        ]
        return "\n".join(lines)

    def markdown(self, code: bool = True) -> str:
        """The whole transcript so far; ``code=False`` leaves out code (the dashboard's view)."""
        parts = [self.header_markdown(reproduction=code)]
        parts += [self.round_markdown(k) for k in range(len(self.records))]
        parts += [self.period_markdown(k) for k in range(len(self.periods))]
        if self.finished:
            parts.append(self.ending_markdown(code))
        return "\n\n".join(parts) + "\n"

    # --- the per-round table ---------------------------------------------------------------
    def rounds_frame(self) -> pd.DataFrame:
        """One row per round played: the text, every actor's utility, aspiration, asked and
        accepted, the escalation draw, the reservations after the round and the next text."""
        s = self.scenario
        rows = []
        for k, record in enumerate(self.records):
            row: dict[str, object] = {"round": record.t}
            for i, item in enumerate(s.items):
                row[item.name] = item.levels[int(record.text[i])]
            for a, actor in enumerate(self.actors):
                row[f"utility.{actor}"] = float(record.utilities[a])
                row[f"aspiration.{actor}"] = float(record.aspirations[a])
                row[f"asked.{actor}"] = bool(record.asked[a])
                row[f"accepted.{actor}"] = bool(record.accepted[a])
            row["rung_before"] = int(record.rung_before)
            row["rung_after"] = int(record.rung_after)
            row["p_climb"] = float(record.result.p_climb)
            row["u_climb"] = float(record.result.u_climb)
            for a, actor in enumerate(self.actors):
                row[f"reservation_before.{actor}"] = float(record.reservations_before[a])
                row[f"reservation_after.{actor}"] = float(record.reservations_after[a])
            row["next_text"] = (
                ""
                if record.next_text is None
                else "|".join(item.levels[int(l)] for item, l in zip(s.items, record.next_text))
            )
            row["ratification_refusal"] = (
                "" if record.ratification_refusal < 0 else self.actors[record.ratification_refusal]
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def figure(self, ax=None):
        from sim.teaching.figures import plot_round_utilities

        status = f" → {status_words(self.status)}" if self.status else ""
        title = (
            f"{self.scenario.name}, run {self.run} (seed {self.seed}), {self.protocol.name}{status}"
        )
        return plot_round_utilities(self.rounds_frame(), self.actors, title, ax=ax)


# --- outputs -------------------------------------------------------------------------------
def write_outputs(replay: Replay, out_dir: Path, figures: bool = True) -> dict[str, Path]:
    """``transcript.md``, ``rounds.csv`` and (``figures``) ``figures/utilities.png``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"transcript": out_dir / "transcript.md", "rounds": out_dir / "rounds.csv"}
    for key, text in (
        ("transcript", replay.markdown()),
        ("rounds", replay.rounds_frame().to_csv(index=False)),
    ):
        atomic.write_text(paths[key], text)
    if figures:
        from sim.teaching.figures import save_figure

        paths["figure"] = save_figure(replay.figure(), out_dir / "figures" / "utilities.png")
    return paths


def print_transcript(replay: Replay, out_dir: Path | None = None, console=None) -> None:
    """The transcript in the terminal (rich renders the Markdown, tables included)."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = console or Console()
    console.print(Markdown(replay.markdown()))
    if out_dir is not None:
        console.print(f"\nOutputs: {out_dir}")


# --- the Hydra command ---------------------------------------------------------------------
@dataclass
class TranscriptConf(NegsimConf):
    """negsim's structured config plus the run to replay."""

    run: int = 0


@contextlib.contextmanager
def transcript_schema():
    """Make ``negsim_schema`` the transcript's schema (negsim's plus ``run``) while composing,
    and register the command's primary config (negsim's, with its own run directory).
    The plain negsim schema is restored afterwards, so other code in the same process (tests)
    is unaffected."""
    store = ConfigStore.instance()
    store.store(name="negsim_schema", node=TranscriptConf)
    store.store(
        name=CONFIG_NAME,
        node={"defaults": ["config", "_self_"], "hydra": {"run": {"dir": RUN_DIR}}},
    )
    try:
        yield
    finally:
        register_configs()


def replay_from_config(cfg: DictConfig) -> Replay:
    """The run ``cfg.run`` of the Monte Carlo that ``cfg`` configures, played to the end."""
    scenario, protocol, _engine, mc, _container = configure.build(cfg)
    if cfg.run >= mc.n_runs:
        raise ConfigError("run", cfg.run, f"beyond the Monte Carlo's runs: mc.n_runs={mc.n_runs} numbers them 0 to {mc.n_runs - 1}")
    return Replay(scenario, protocol, mc.seed, cfg.run).play()


def transcript(cfg: DictConfig, out_dir: Path) -> Replay:
    """Replay, write the outputs into ``out_dir`` and (unless ``quiet``) print the transcript."""
    replay = replay_from_config(cfg)
    write_outputs(replay, out_dir, figures=bool(cfg.figures))
    if not cfg.quiet:
        print_transcript(replay, out_dir)
    return replay


@hydra.main(version_base="1.3", config_path=configure.CONF_DIR, config_name=CONFIG_NAME)
def _hydra_main(cfg: DictConfig) -> None:
    try:
        transcript(cfg, Path(HydraConfig.get().runtime.output_dir))
    except ConfigError as error:
        _fail(error)


def _fail(error: Exception) -> None:
    print(f"negsim-transcript: error: {error}", file=sys.stderr)
    sys.exit(2)


def _check_run(args: list[str]) -> None:
    """``run`` (each value of a sweep) is a whole number >= 0; its type is checked by the schema."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    for arg in args:
        if arg.split("=", 1)[0].lstrip("+~") != "run" or "=" not in arg:
            continue
        (override,) = OverridesParser.create().parse_overrides([arg])
        values = (
            list(override.sweep_string_iterator())
            if override.is_sweep_override()
            else [override.value()]
        )
        for value in values:
            try:
                ok = int(str(value)) >= 0
            except ValueError:
                ok = True  # not a whole number: the schema reports it
            if not ok:
                raise ConfigError(
                    "run",
                    value,
                    "must be a whole number >= 0 (the run's number in the Monte Carlo)",
                )


def main() -> None:
    """Console entry point (``negsim-transcript``)."""
    args = sys.argv[1:]
    with transcript_schema():
        try:
            args = configure.expand_command_line(args)
            _check_run(args)
            configure.check_command_line(args)
        except ConfigError as error:
            _fail(error)
        sys.argv = [sys.argv[0], *args]
        _hydra_main()


if __name__ == "__main__":
    main()

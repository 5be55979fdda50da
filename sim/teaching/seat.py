"""Play a seat: a student takes one actor's decisions in one world, the agents play the rest.

A **world** is run ``k`` of the Monte Carlo with seed ``s``: its draws (every actor's values,
reservation and tactic, every climb, deadline and spill-over uniform) depend only on
``(s, k, config)`` (DESIGN.md, "Randomness and exactness"). The student plays that run round
by round with the Mesa model (:class:`~sim.abm.model.NegotiationModel` with ``seat=``): in
each round the student accepts or refuses the text and, under ``alternating``, chooses the
package to offer when it is the seat's turn to propose. Everything else is the model's: the
other actors' votes, the mediator, the escalation draws, the ratifiers (the seated actor's
too), and the aftermath. The round itself records what the agent rule would have decided in
the seat at every state the student met, so the page never works a decision out again.

"Where the result falls among the agent-played runs from the same world and scenario" is
shown twice, because common random numbers make the agents-only outcome of world ``k`` one
number, not a distribution:

- **this world**: the agents-only run of the same draws (what the agent in the seat did);
- **the scenario's worlds**: the Monte Carlo of the same scenario, protocol and seed
  (:data:`REFERENCE_RUNS` agent-played runs, world ``k`` among them), as the share with the
  student's status and its 95% Wilson interval.

Finished seats go to a :class:`~sim.teaching.seat_store.SeatStore` for the teacher's
debrief page (:func:`create_debrief_app`). The pages are served by ``negsim-dashboard`` at
``/seat`` and ``/debrief``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.abm.model import NegotiationModel
from sim.core.decisions import package_index
from sim.core.protocols import modules
from sim.core.round import aspirations_at
from sim.errors import ConfigError
from sim.protocols import Protocol
from sim.sampling import draw
from sim.scenario import Scenario
from sim.teaching.seat_store import LIMITS, SeatStore
from sim.teaching.words import actor_words, item_words, level_words, number, package_words, rung_words, status_words

REFERENCE_RUNS = 20_000
MAX_WORLD = 2**40  # any run number the sampler can draw; larger ones are surely typing errors
_REFERENCE_LOCK = threading.Lock()
_REFERENCES: dict[tuple, dict] = {}


def reference_summary(scenario: Scenario, protocol: Protocol, seed: int, n_runs: int = REFERENCE_RUNS) -> dict:
    """The summary of ``n_runs`` agent-played runs of the scenario (batch engine, one thread),
    computed once per server for each scenario, protocol and seed."""
    from sim.montecarlo import MonteCarlo, run_monte_carlo

    key = (scenario.name, protocol, seed, n_runs)
    with _REFERENCE_LOCK:
        if key not in _REFERENCES:
            mc = MonteCarlo(n_runs=n_runs, seed=seed, n_threads=1, save_outcomes=False)
            _REFERENCES[key] = run_monte_carlo(scenario, protocol, "batch", mc)
        return _REFERENCES[key]


@dataclass(frozen=True)
class Choice:
    """One round of the seat: the text, the student's decisions and the agent rule's."""

    t: int
    text: list[str]  # level names
    asked: bool  # whether the seat's yes was needed for this text
    accepted: bool
    agent_accepted: bool
    offer: list[str] | None = None  # the seat's offer, if it proposed in this round
    agent_offer: list[str] | None = None  # the agent rule's offer then (the text, if it had none: the text stays)

    @property
    def differs(self) -> bool:
        return self.accepted != self.agent_accepted or (self.offer is not None and self.offer != self.agent_offer)


class SeatGame:
    """One student in ``actor``'s seat of world ``world`` (run ``world`` with seed ``seed``)."""

    def __init__(self, scenario: Scenario, protocol: Protocol, seed: int, world: int, actor: str) -> None:
        for name, value, top in (("seed", seed, 2**32 - 1), ("world", world, MAX_WORLD)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= top:
                raise ConfigError(name, value, f"must be a whole number from 0 to {top:,}")
        if actor not in scenario.actor_names:
            raise ConfigError("actor", actor, f"is not an actor of {scenario.name}; use one of {list(scenario.actor_names)}")
        self.scenario, self.protocol = scenario, protocol
        self.seed, self.world, self.actor = int(seed), int(world), actor
        self.seat = scenario.actor_names.index(actor)
        self.draws = draw(scenario, protocol, self.seed, self.world, self.world + 1)
        self.model = NegotiationModel(scenario, protocol, self.draws, trace=True, seat=self.seat)
        self.choices: list[Choice] = []

    # --- the round about to be played ---------------------------------------------------------
    @property
    def finished(self) -> bool:
        """The talks are over (an aftermath, if any, needs no decision and is played at once)."""
        return not self.model.talking

    @property
    def t(self) -> int:
        return len(self.model.history) + 1

    def _levels(self, package) -> list[str]:
        return [item.levels[int(level)] for item, level in zip(self.scenario.items, package)]

    def proposes(self) -> bool:
        """Whether the seat proposes in step 4 of round ``t`` (if the round does not end the talks):
        under a protocol with proposers (``proposer_of``), when it names the seat."""
        proposer_of = getattr(modules()[self.protocol.name], "proposer_of", None)
        rules = self.model.rules
        return (
            proposer_of is not None and self.t < rules.max_rounds
            and proposer_of(self.t, rules.escalator, rules.west_speaker) == self.seat
        )  # fmt: skip

    def view(self) -> dict:
        """What the seat sees before it decides in round ``t``: the text, its utility, its
        aspiration (the agent's, at the current reservation), whether its yes is needed and
        whether the text crosses one of its held red lines; and the other actors' votes on the
        text of the round before (their stated positions)."""
        state, rules = self.model.state, self.model.rules
        number_ = package_index(state.text, rules.strides)
        aspirations = np.empty(len(self.scenario.actors))
        aspirations_at(self.t, 0, self.draws.bundle, state, aspirations)
        last = self.model.history[-1] if self.model.history else None
        others = {}
        for a, name in enumerate(self.scenario.actor_names):
            if a != self.seat and last is not None:
                others[name] = "not asked" if not last.asked[a] else ("accepted" if last.accepted[a] else "refused")
        return {
            "t": self.t,
            "text": self._levels(state.text),
            "utility": float(state.utility_table[self.seat, number_]),
            "aspiration": float(aspirations[self.seat]),
            "reservation": float(state.reservations[self.seat]),
            "asked": bool(rules.asked[self.seat, number_]),
            "crosses_red_line": bool(state.crosses[self.seat, number_]),
            "ratifier_votes": bool(rules.votes[self.seat, number_]),
            "rung": int(state.rung[0]),
            "others": others,
            "offered_by": self._offered_by(last),
            "proposes": self.proposes(),
        }

    def _offered_by(self, last) -> str | None:
        """Who put the text on the table in the round before: a proposer, the mediator, or no one."""
        if last is None or last.next_text is None:
            return None
        proposer = last.result.amendment.proposer
        return "the mediator" if proposer < 0 else actor_words(self.scenario.actor_names[proposer])

    # --- playing ----------------------------------------------------------------------------------
    def play(self, accepts: bool, offer: list[str] | None = None) -> Choice:
        """Play round ``t`` with the seat's vote and, when it proposes, its offer (a level name
        per item). Bad input is refused before anything is played."""
        if self.finished:
            raise ConfigError("round", self.t, "the talks are over")
        if not isinstance(accepts, (bool, np.bool_)):
            raise ConfigError("vote", accepts, "must be accept (True) or refuse (False)")
        proposes, levels = self.proposes(), None
        if proposes:
            if offer is None:
                raise ConfigError("offer", offer, "it is your turn to propose: choose a level for every item")
            levels = self._offer_levels(offer)
        elif offer is not None:
            raise ConfigError("offer", offer, f"{actor_words(self.actor)} does not propose in round {self.t}")
        text = self._levels(self.model.state.text)
        self.model.sit(bool(accepts), levels)
        self.model.step()
        record = self.model.history[-1]
        proposed = record.agent_offer is not None
        choice = Choice(
            t=record.t, text=text, asked=bool(record.asked[self.seat]), accepted=bool(record.accepted[self.seat]),
            agent_accepted=bool(record.agent_accepted), offer=offer if proposed else None,
            agent_offer=self._agent_offer(record, text) if proposed else None,
        )  # fmt: skip
        self.choices.append(choice)
        if self.finished:
            self.model.run()  # the aftermath: the crisis goes on, no one negotiates
        return choice

    def _agent_offer(self, record, text: list[str]) -> list[str]:
        """The agent rule's offer in the seat; with none, the text stays (it is what it offers)."""
        return self._levels(self.scenario.packages[record.agent_offer]) if record.agent_offer >= 0 else text

    def _offer_levels(self, offer: list[str]) -> np.ndarray:
        items = self.scenario.items
        if not isinstance(offer, (list, tuple)) or len(offer) != len(items):
            raise ConfigError("offer", offer, f"must name one level for each of the {len(items)} items")
        levels = []
        for item, level in zip(items, offer):
            if level not in item.levels:
                raise ConfigError("offer", level, f"is not a level of {item.name}; use one of {list(item.levels)}")
            levels.append(item.levels.index(level))
        return np.array(levels, dtype=np.int64)

    # --- the end ----------------------------------------------------------------------------------
    def agents_world(self) -> NegotiationModel:
        """The agents-only run of the same world (every seat the agents')."""
        return NegotiationModel(self.scenario, self.protocol, self.draws).run()

    def result(self, reference: dict, session: str = "", student: str = "") -> dict:
        """The finished seat as a row of the class store, with the agents' results beside it."""
        if not self.finished:
            raise ConfigError("seat", self.actor, "the talks are not over yet")
        model, agents = self.model, self.agents_world()
        status = model.status.label
        estimate = reference["status"][status]
        return {
            "session": session, "student": student, "scenario": self.scenario.name, "protocol": self.protocol.name,
            "seed": self.seed, "world": self.world, "actor": self.actor, "status": status, "rounds": model.rounds,
            "highest_rung": model.rung, "package": self._levels(model.text),
            "choices": [choice.__dict__ for choice in self.choices],
            "agents_status": agents.status.label, "agents_rounds": agents.rounds, "agents_n": int(reference["n_runs"]),
            "agents_p": float(estimate["p"]), "agents_lo": float(estimate["lo"]), "agents_hi": float(estimate["hi"]),
        }  # fmt: skip


# --- words -------------------------------------------------------------------------------------
def percent(p: float) -> str:
    return f"{100 * p:.0f}%"


def placement_words(row: dict) -> str:
    """``Your result: agreement in round 6. Agents in your seat: agreement 51% [50, 52] over
    20,000 worlds; in this world the agents reached agreement in round 4.``"""
    status = status_words(row["status"])
    interval = f"[{100 * row['agents_lo']:.0f}, {100 * row['agents_hi']:.0f}]"
    return (
        f"**Your result: {status} in round {row['rounds']}.** Agents in your seat: {status} "
        f"{percent(row['agents_p'])} {interval} over {row['agents_n']:,} worlds; in this world (run "
        f"{row['world']}) the agents reached {status_words(row['agents_status'])} in round {row['agents_rounds']}."
    )


def _vote(accepted: bool) -> str:
    return "accept" if accepted else "refuse"


def _offer(scenario: Scenario, levels: list[str]) -> str:
    return package_words(scenario, [item.levels.index(level) for item, level in zip(scenario.items, levels)])


def differences_markdown(scenario: Scenario, choices: list[Choice]) -> str:
    """Round by round: the student's decision and the agent rule's at the same state."""
    lines = ["| round | the text | you | the agent in your seat | |", "|---|---|---|---|---|"]
    for c in choices:
        text = package_words(scenario, [item.levels.index(level) for item, level in zip(scenario.items, c.text)], " · ")
        you, agent = _vote(c.accepted), _vote(c.agent_accepted)
        if not c.asked:
            you, agent = you + " (not needed)", agent + " (not needed)"
        if c.offer is not None:
            you += f"; offered {_offer(scenario, c.offer)}"
            agent += f"; would have offered {_offer(scenario, c.agent_offer)}"
        lines.append(f"| {c.t} | {text} | {you} | {agent} | {'**differs**' if c.differs else 'same'} |")
    differ = sum(c.differs for c in choices)
    lines.append("")
    lines.append(f"You decided differently from the agent in {differ} of {len(choices)} rounds.")
    return "\n".join(lines)


def round_markdown(game: SeatGame) -> str:
    """The round about to be played, as the seat sees it."""
    v, scenario = game.view(), game.scenario
    me = actor_words(game.actor)
    lines = [
        f"### Round {v['t']} of {game.protocol.max_rounds}: you are {me}",
        f"Escalation: {rung_words(v['rung'])}.",
        "",
        "**On the table:** " + _offer(scenario, v["text"]),
        "",
        f"- Your utility of this text: **{number(v['utility'])}**; your aspiration this round: "
        f"**{number(v['aspiration'])}** (your BATNA now: {number(v['reservation'])}). An agent in your "
        f"seat accepts a text whose utility reaches its aspiration and that crosses none of its red lines.",
        f"- Your yes {'is needed' if v['asked'] else 'is not needed'} for this text.",
    ]
    if v["crosses_red_line"]:
        ratifier = ", and your ratifier would refuse it if agreed" if v["ratifier_votes"] else " (your ratifier does not vote on it)"
        lines.append(f"- This text crosses one of your red lines: an agent in your seat refuses it{ratifier}.")
    if v["offered_by"]:
        lines.append(f"- This text is {v['offered_by']}'s {'amendment' if v['offered_by'] == 'the mediator' else 'offer'}.")
    if v["others"]:
        lines.append("- Last round the others: " + ", ".join(f"{actor_words(a)} {said}" for a, said in v["others"].items()) + ".")
    else:
        lines.append("- Round 1: this is the opening offer; no one has spoken yet.")
    if v["proposes"]:
        lines.append("- **It is your turn to propose**: if this text is not agreed, your offer below is the next text.")
    return "\n".join(lines)


def debrief_markdown(rows: list[dict]) -> str:
    """The class's seats, grouped by scenario, protocol, seed and seat, against the agents."""
    if not rows:
        return "No seat has been played yet."
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["scenario"], row["protocol"], row["seed"], row["actor"]), []).append(row)
    out = []
    for (scenario, protocol, seed, actor), members in groups.items():
        agreed = sum(r["status"] == "agreement" for r in members)
        agents_agreed = sum(r["agents_status"] == "agreement" for r in members)
        out.append(f"### {scenario}, {protocol}, seed {seed}: in {actor_words(actor)}'s seat")
        out.append(
            f"Students: agreement in {agreed} of {len(members)} worlds; the agents in the same worlds: "
            f"{agents_agreed} of {len(members)}."
        )
        out.append("")
        out.append("| student | session | world | result | agents in this world | agents over the worlds | rounds differing |")
        out.append("|---|---|---|---|---|---|---|")
        for r in members:
            differing = sum(Choice(**c).differs for c in r["choices"])
            out.append(
                f"| {r['student'] or '—'} | {r['session'] or '—'} | {r['world']} | {status_words(r['status'])}, round "
                f"{r['rounds']} | {status_words(r['agents_status'])}, round {r['agents_rounds']} | "
                f"{status_words(r['status'])} {percent(r['agents_p'])} [{100 * r['agents_lo']:.0f}, "
                f"{100 * r['agents_hi']:.0f}] of {r['agents_n']:,} | {differing} of {len(r['choices'])} |"
            )
        out.append("")
    return "\n".join(out)


# --- the pages -----------------------------------------------------------------------------------
Compose = Callable[[str, str], tuple[Scenario, Protocol]]


def build_from(composed: Callable[[str, str], dict]) -> Compose:
    """Scenario and protocol objects from a ``composed(scenario, protocol)`` config (the
    dashboard's cached one: Hydra's compose API is global, so one lock guards it)."""
    from sim.protocols import check_protocol_fits, protocol_from_dict
    from sim.scenario import scenario_from_dict

    def build(scenario: str, protocol: str) -> tuple[Scenario, Protocol]:
        data = composed(scenario, protocol)
        built, proto = scenario_from_dict(data["scenario"]), protocol_from_dict(data["protocol"])
        check_protocol_fits(built, proto)
        return built, proto

    return build


class SeatPage:
    """One browser session's seat page: choose, play round by round, see where you landed."""

    def __init__(self, build: Compose, scenarios: list[str], protocols: list[str], store: SeatStore, seed: int = 0) -> None:
        import panel as pn

        self.pn, self.build, self.store = pn, build, store
        self.game: SeatGame | None = None
        first = "lieven_2022" if "lieven_2022" in scenarios else scenarios[0]
        self.scenario_select = pn.widgets.Select(name="Scenario", options=scenarios, value=first, css_classes=["seat-scenario"])
        self.protocol_select = pn.widgets.Select(
            name="Protocol", options=protocols, value=protocols[0], css_classes=["seat-protocol"]
        )
        self.actor_select = pn.widgets.Select(name="Your seat", css_classes=["seat-actor"])
        self.world_input = pn.widgets.IntInput(name="World (run number)", value=0, start=0, css_classes=["seat-world"])
        self.seed_input = pn.widgets.IntInput(name="Seed", value=seed, start=0, css_classes=["seat-seed"])
        self.session_input = pn.widgets.TextInput(name="Class session (optional)", max_length=LIMITS["session"], css_classes=["seat-session"])
        self.student_input = pn.widgets.TextInput(name="Your name (optional)", max_length=LIMITS["student"], css_classes=["seat-student"])
        self.start_button = pn.widgets.Button(name="Take the seat", button_type="primary", css_classes=["seat-start"])
        self.accept_button = pn.widgets.Button(name="Accept", button_type="success", css_classes=["seat-accept"], disabled=True)
        self.refuse_button = pn.widgets.Button(name="Refuse", button_type="danger", css_classes=["seat-refuse"], disabled=True)
        self.message = pn.pane.Alert("", alert_type="danger", visible=False, css_classes=["seat-error"])
        self.round_text = pn.pane.Markdown("Choose a scenario, a protocol, your seat and a world, then take the seat.", css_classes=["seat-round"])
        self.offer_box = pn.Column(visible=False, css_classes=["seat-offer"])
        self.end_text = pn.pane.Markdown("", css_classes=["seat-end"])
        self.offer_selects: list = []
        self.scenario_select.param.watch(self._on_scenario, "value")
        self.protocol_select.param.watch(self._on_scenario, "value")
        self.start_button.on_click(self._start)
        self.accept_button.on_click(lambda _: self._play(True))
        self.refuse_button.on_click(lambda _: self._play(False))
        self._on_scenario()

    def _error(self, error: Exception | None) -> None:
        self.message.object = "" if error is None else str(error)
        self.message.visible = error is not None

    def _on_scenario(self, *_events) -> None:
        try:
            scenario, _ = self.build(self.scenario_select.value, self.protocol_select.value)
        except ConfigError as error:
            self._error(error)
            return
        self._error(None)
        self.actor_select.options = {actor_words(a): a for a in scenario.actor_names}

    def _start(self, *_events) -> None:
        try:
            scenario, protocol = self.build(self.scenario_select.value, self.protocol_select.value)
            world, seed = self.world_input.value, self.seed_input.value
            if world is None or seed is None:
                raise ConfigError("world" if world is None else "seed", None, "must be a whole number >= 0")
            self.game = SeatGame(scenario, protocol, seed, world, self.actor_select.value)
        except ConfigError as error:
            self._error(error)
            return
        self._error(None)
        self.end_text.object = ""
        self.offer_selects = [
            self.pn.widgets.Select(name=item_words(item.name), options={level_words(level): level for level in item.levels},
                                   css_classes=[f"seat-offer-{item.name}"])
            for item in scenario.items
        ]  # fmt: skip
        self.offer_box.objects = [self.pn.pane.Markdown("**Your offer** (if this text is not agreed)"), *self.offer_selects]
        self._show_round()

    def _show_round(self) -> None:
        game = self.game
        playing = game is not None and not game.finished
        self.accept_button.disabled = self.refuse_button.disabled = not playing
        if not playing:
            self.offer_box.visible = False
            return
        self.round_text.object = round_markdown(game)
        proposes = game.proposes()
        if proposes:
            for select, level in zip(self.offer_selects, game.view()["text"]):
                select.value = level
        self.offer_box.visible = proposes

    def _play(self, accepts: bool) -> None:
        game = self.game
        if game is None or game.finished:
            self._error(ConfigError("seat", None, "take a seat first"))
            return
        offer = [select.value for select in self.offer_selects] if game.proposes() else None
        try:
            choice = game.play(accepts, offer)
        except ConfigError as error:
            self._error(error)
            return
        self._error(None)
        if not game.finished:
            self._show_round()
            return
        self.round_text.object = f"### The talks are over (round {choice.t})"
        self._show_round()
        self._finish()

    def _finish(self) -> None:
        game = self.game
        reference = reference_summary(game.scenario, game.protocol, game.seed)
        row = game.result(reference, self.session_input.value.strip(), self.student_input.value.strip())
        final = package_words(game.scenario, game.model.text)
        try:
            self.store.add(row)
            stored = "Your result is stored for the class debrief (the teacher's page: /debrief)."
        except (OSError, sqlite3.Error, ValueError) as error:  # the play is still shown
            stored = f"Your result could not be stored for the class debrief: {error}."
        self.end_text.object = "\n\n".join([
            "## Where your result falls",
            placement_words(row),
            f"Final text: {final}. Highest rung: {rung_words(row['highest_rung'])}.",
            "## Where you and the agent decided differently",
            differences_markdown(game.scenario, game.choices),
            stored,
        ])  # fmt: skip

    def layout(self):
        pn = self.pn
        setup = pn.Column(
            self.scenario_select, self.protocol_select, self.actor_select, self.world_input, self.seed_input,
            self.session_input, self.student_input, self.start_button,
        )  # fmt: skip
        play = pn.Column(
            self.message, self.round_text, self.offer_box, pn.Row(self.accept_button, self.refuse_button), self.end_text,
            sizing_mode="stretch_width",
        )  # fmt: skip
        return setup, play


def create_seat_app(build: Compose, scenarios: list[str], protocols: list[str], store: SeatStore, seed: int = 0):
    """One browser session's seat page (Panel calls this once per session)."""
    import panel as pn

    page = SeatPage(build, scenarios, protocols, store, seed)
    setup, play = page.layout()
    template = pn.template.BootstrapTemplate(
        title="negsim: play a seat", sidebar=[setup], main=[play], sidebar_width=340, header_background="#264653"
    )
    template.seat_page = page  # for tests
    return template


def create_debrief_app(store: SeatStore):
    """The teacher's page: every seat played on this server, against the agents."""
    import panel as pn

    session = pn.widgets.TextInput(name="Class session (empty: all)", css_classes=["debrief-session"])
    refresh = pn.widgets.Button(name="Refresh", css_classes=["debrief-refresh"])
    table = pn.pane.Markdown(css_classes=["debrief-table"])

    def show(*_events) -> None:
        table.object = debrief_markdown(store.results(session.value.strip() or None))

    refresh.on_click(show)
    session.param.watch(show, "value")
    show()
    return pn.template.BootstrapTemplate(
        title="negsim: the class's seats", sidebar=[session, refresh], main=[table], sidebar_width=300,
        header_background="#264653",
    )  # fmt: skip

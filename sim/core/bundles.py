"""The named bundles the compiled code passes around (numba-passable named tuples).

Inputs: ``Draws`` (the run's sampled parameters and random events, run-first arrays) and
``Rules`` (what the scenario and the protocol fix for every run). Working memory: ``State``
(one run's text, reservations and rung, and the round's per-actor decisions). Results:
``RoundResult`` with its ``Amendment`` (scalars: what one round decided, with its terms) and
``OutcomeArrays`` (one row per run). The fields of ``Draws.actors`` and ``Draws.escalation``
come from the parameter table (:mod:`sim.parameters`).
"""

from collections import namedtuple

from sim.core.seat import NO_SEAT

Draws = namedtuple("Draws", "actors escalation events")
Draws.__doc__ = """A chunk's draws: ``actors`` (ActorDraws), ``escalation`` (EscalationDraws), ``events``."""

Events = namedtuple("Events", "u_round u_deadline u_spill u_red_line u_after")
Events.__doc__ = """The uniforms of a run's random events: the climb draw of each round
``(runs, max_rounds)``, the deadline draw and the spill-over draw ``(runs,)``, one uniform
per red line ``(runs, actors, items)`` (1 where there is none) and the climb draw of each
aftermath period ``(runs, K_max)``."""

Rules = namedtuple(
    "Rules",
    "opening n_levels strides packages asked votes red_line_levels start_rung escalator max_rounds keep_talking "
    "west_speaker anticipate_ratification",
)
Rules.__doc__ = """Fixed for every run of a scenario under a protocol: the opening text, the
package numbering, whose yes each package needs (``asked[a, p]``), whose ratifier votes on it
(``votes[a, p]``), the levels each actor's red lines rule out (``red_line_levels[a, i, l]``),
the ladder's start and its actor, the number of rounds, ``continue_after_invasion``, the
West's speaker under ``alternating`` (-1 otherwise) and whether the ``single_text`` mediator
anticipates ratification."""

State = namedtuple(
    "State",
    "text rung reservations utility_table contributions utilities aspirations asked accepted "
    "amend_aspirations needs_yes held crosses seat",
    defaults=(NO_SEAT,),
)
State.__doc__ = """One run's working memory, reused from run to run. ``text`` the text on the
table; ``rung`` a one-element array (the current rung, updated in place); ``reservations``
the current (shifted) reservations; ``utility_table[a, p]`` actor ``a``'s utility of package
``p`` in this run; ``held[a, i]`` whether actor ``a``'s red line on item ``i`` binds in this
run and ``crosses[a, p]`` whether package ``p`` crosses one of them. After a round: ``utilities``, ``aspirations``, ``asked``, ``accepted`` as
decided in its step 1, and ``amend_aspirations`` as used in its step 4. ``seat``: a person
in one actor's seat (:mod:`sim.core.seat`; by default no one)."""

Amendment = namedtuple(
    "Amendment",
    "amended item step proposer offer candidates refusals_before shortfall_before refusals_after "
    "shortfall_after refusing_before refusing_after anticipated_before anticipated_after",
)
Amendment.__doc__ = """Step 4 of a round and its terms. ``single_text``: the item moved and the
``step`` (+1 up, -1 down), the number of one-step ``candidates``, the mediator's rank
(refusals, shortfall) of the text before and after, and who refused each (bit ``a`` set for
actor ``a``), among them those counted for their ratifier (``anticipated_*``). ``alternating``: the ``proposer``, its ``offer`` (a package number, -1 for none)
and the number of ``candidates`` every needed actor accepts."""

RoundResult = namedtuple(
    "RoundResult",
    "t outcome blocker rung_before rung_after gap p_climb u_climb steps amendment",
)
RoundResult.__doc__ = """What round ``t`` decided (DESIGN.md, "One round, in this order").
``outcome`` a :class:`RoundOutcome`; ``blocker`` the first refusing must-say-yes actor, or
after agreement the first refusing ratifier (-1: none); the escalation draw's ``gap``,
``p_climb``, its uniform ``u_climb`` and the ``steps`` climbed (NaN and 0 when the text was
agreed); the rung before and after; the ``amendment`` (step 4)."""

PeriodResult = namedtuple("PeriodResult", "period p_climb u_climb rung_before rung_after ended")
PeriodResult.__doc__ = """One aftermath period (DESIGN.md, "After the talks"): its number, the
climb probability and its uniform, the rungs, and whether the run ended in it (rung 3)."""

OutcomeArrays = namedtuple(
    "OutcomeArrays", "status rounds highest_rung package utility accepted blocker aftermath red_lines_held"
)


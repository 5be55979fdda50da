"""A person in one actor's seat (``NegotiationModel(seat=...)``, ``State.seat`` in the round).

Two properties pin the hook: a seat that makes the agent's own choice every round replays the
agents-only run exactly (outcome and every round's votes and texts), and a seat that refuses a
text the agents would have agreed makes the round escalate instead, with the climb
probability and steps computed here by hand from DESIGN.md's formula and the world's draws.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import api
from sim.abm.model import NegotiationModel
from sim.core.enums import RoundOutcome, Status
from sim.sampling import draw

WORLDS = range(0, 60, 3)


def built(protocol: str):
    scenario, protocol, *_ = api.build(api.compose("lieven_2022", protocol))
    return scenario, protocol


@pytest.fixture(scope="module", params=["single_text", "alternating", "ultimatum"])
def setup(request):
    return built(request.param)


def agents_only(scenario, protocol, world: int) -> NegotiationModel:
    return NegotiationModel(scenario, protocol, draw(scenario, protocol, 0, world, world + 1), trace=True).run()


def replay_in_seat(scenario, protocol, world: int, seat: int, reference: NegotiationModel) -> NegotiationModel:
    """World ``world`` with ``seat`` taking, round by round, the decisions its agent took in
    ``reference`` (the vote, and under ``alternating`` the offer, or the text kept)."""
    model = NegotiationModel(scenario, protocol, draw(scenario, protocol, 0, world, world + 1), trace=True, seat=seat)
    for record in reference.history:
        amendment = record.result.amendment
        offer = None
        if record.outcome == RoundOutcome.CONTINUE and amendment.proposer == seat:
            offer = record.next_text if amendment.offer >= 0 else record.text
        model.sit(bool(record.accepted[seat]), offer)
        model.step()
    return model.run()


def test_the_agents_own_choices_replay_the_agents_only_run(setup):
    scenario, protocol = setup
    proposed = 0
    for world in WORLDS:
        reference = agents_only(scenario, protocol, world)
        for seat in range(len(scenario.actors)):
            seated = replay_in_seat(scenario, protocol, world, seat, reference)
            assert (seated.status, seated.rounds, seated.rung) == (reference.status, reference.rounds, reference.rung)
            assert np.array_equal(seated.text, reference.text)
            assert len(seated.periods) == len(reference.periods)
            for mine, theirs in zip(seated.history, reference.history, strict=True):
                assert np.array_equal(mine.text, theirs.text) and np.array_equal(mine.accepted, theirs.accepted)
                assert mine.seat == seat and mine.agent_accepted == bool(theirs.accepted[seat])
                if mine.agent_offer is not None:  # the round kept the agent's offer beside the seat's
                    proposed += 1
                    assert mine.agent_offer == theirs.result.amendment.offer
    if protocol.name == "alternating":
        assert proposed > 0, "no seat proposed: the offer half of the hook was not exercised"


def test_no_seat_records_no_agent_choice():
    scenario, protocol = built("single_text")
    record = agents_only(scenario, protocol, 0).history[0]
    assert (record.seat, record.agent_accepted, record.agent_offer) == (-1, None, None)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_a_refusal_where_the_agents_agreed_escalates_by_hand():
    """single_text: in a world the agents agree in round ``t``, the US (asked on every text)
    follows its agent until round ``t`` and then refuses. Round ``t`` is then Russia's climb
    draw (DESIGN.md step 3): ``p = sigma(beta0 + beta_gap * (asp_R(t) - U_R(text)) + beta_time
    * min(1, t/T_R))``, one rung if ``u_t < p`` and one more in Russia's deadline round if
    ``u_deadline < p_deadline``."""
    scenario, protocol = built("single_text")
    us, russia = scenario.actor_names.index("us"), scenario.escalating_actor
    world, reference = next(
        (w, m) for w in range(200) if (m := agents_only(scenario, protocol, w)).status == Status.AGREEMENT and m.rounds > 1
    )
    draws = draw(scenario, protocol, 0, world, world + 1)
    model = NegotiationModel(scenario, protocol, draws, trace=True, seat=us)
    for record in reference.history[:-1]:
        model.sit(bool(record.accepted[us]))
        model.step()
    model.sit(False)
    model.step()
    record, t = model.history[-1], reference.rounds
    assert record.t == t and record.agent_accepted is True and not record.accepted[us]
    assert record.result.blocker == us and record.outcome != RoundOutcome.AGREED
    e, events, deadline = draws.escalation, draws.events, draws.actors.deadline[0, russia]
    gap = record.aspirations[russia] - record.utilities[russia]
    p = sigmoid(e.beta0[0] + e.beta_gap[0] * gap + e.beta_time[0] * min(1.0, t / deadline))
    assert record.result.p_climb == pytest.approx(p, rel=1e-12)
    steps = int(events.u_round[0, t - 1] < p) + int(t == deadline and events.u_deadline[0] < e.p_deadline[0])
    assert record.result.steps == steps
    assert record.rung_after == min(record.rung_before + steps, 4) or record.outcome == RoundOutcome.TALKS_ENDED
    model.run()
    assert model.status != Status.AGREEMENT or model.rounds > t


def test_bad_seats_and_offers_are_refused():
    scenario, protocol = built("alternating")
    draws = draw(scenario, protocol, 0, 0, 1)
    with pytest.raises(ValueError, match="not an actor"):
        NegotiationModel(scenario, protocol, draws, seat=len(scenario.actors))
    with pytest.raises(ValueError, match="no one is seated"):
        NegotiationModel(scenario, protocol, draws).sit(True)
    model = NegotiationModel(scenario, protocol, draws, seat=0)
    with pytest.raises(ValueError, match="not a package"):
        model.sit(True, [9] * len(scenario.items))
    with pytest.raises(ValueError, match="not a package"):
        model.sit(True, [0])

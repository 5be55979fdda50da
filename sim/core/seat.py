"""A person in one actor's seat: the round's two decisions that a seat can take.

``State.seat`` is a :class:`Seat` when someone plays an actor (``sim.teaching.seat``), and
:data:`NO_SEAT` (an empty named tuple) otherwise. numba compiles the round once per type, as it
does per protocol tag (:mod:`sim.core.protocols`): with no seat, :func:`vote` and :func:`offer`
compile to nothing and ``State`` carries nothing more, so the Monte Carlo's round is the
agents' round, bit for bit and at its speed (a ``Seat`` field in every ``State`` cost the
batch engine 5-8%, measured on lieven_2022, 7 Dec 2026).
"""

from collections import namedtuple

import numpy as np
from numba.extending import overload

from sim.core.decisions import package_index
from sim.core.jit import is_named_tuple, kernel

Seat = namedtuple("Seat", "actor accepts offer agent_accepts agent_offer")
Seat.__doc__ = """``actor[0]`` the seated actor; ``accepts[0]`` its vote in the next round's
step 1; ``offer`` the package (a level per item) it proposes in that round's step 4 if it is
the proposer (``alternating``). The round writes what the agent rule would have decided:
``agent_accepts[0]`` (step 1) and, when the seat proposed, ``agent_offer[0]`` (a package
number, -1 for none). One-element arrays, written in place by the compiled round."""

NoSeat = namedtuple("NoSeat", "")
NO_SEAT = NoSeat()
"""Every decision the agents' (the default of ``State.seat``)."""


def new_seat(actor: int, n_items: int) -> Seat:
    return Seat(np.full(1, actor), np.zeros(1, np.bool_), np.zeros(n_items, np.int64), np.zeros(1, np.bool_), np.full(1, -1))


def vote(seat, state, blocker):
    """Step 1 with a seat: the seat's vote replaces the agent rule's (kept in
    ``seat.agent_accepts``); returns the first refusing actor whose yes is needed, or -1.
    Compiled code only; with no seat it returns ``blocker``."""
    raise NotImplementedError("resolved by numba from the seat's type")


def offer(seat, proposer, agent_offer, strides):
    """Step 4 with a seat (``alternating``): a seated proposer's package number replaces the
    agent rule's offer (kept in ``seat.agent_offer``). Compiled code only; with no seat it
    returns ``agent_offer``."""
    raise NotImplementedError("resolved by numba from the seat's type")


@kernel
def _vote(seat, state):
    a = seat.actor[0]
    seat.agent_accepts[0] = state.accepted[a]
    state.accepted[a] = seat.accepts[0]
    for b in range(state.accepted.shape[0]):
        if state.asked[b] and not state.accepted[b]:
            return b
    return -1


@kernel
def _offer(seat, proposer, agent_offer, strides):
    if proposer != seat.actor[0]:
        return agent_offer
    seat.agent_offer[0] = agent_offer
    return package_index(seat.offer, strides)


@overload(vote)
def _overload_vote(seat, state, blocker):
    if is_named_tuple(seat, NoSeat):
        return lambda seat, state, blocker: blocker
    if is_named_tuple(seat, Seat):
        return lambda seat, state, blocker: _vote(seat, state)
    return None


@overload(offer)
def _overload_offer(seat, proposer, agent_offer, strides):
    if is_named_tuple(seat, NoSeat):
        return lambda seat, proposer, agent_offer, strides: agent_offer
    if is_named_tuple(seat, Seat):
        return lambda seat, proposer, agent_offer, strides: _offer(seat, proposer, agent_offer, strides)
    return None

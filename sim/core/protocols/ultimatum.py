"""``ultimatum``: take it or leave it ("the ball is in their court"): one round in which every
aspiration is the reservation; a refusal is followed by round 1's escalation and deadline
draws (DESIGN.md, "Protocols")."""

from collections import namedtuple

from sim.core.protocols import no_amendment, register
from sim.core.jit import kernel

NAME = "ultimatum"
ONE_ROUND = True
ANTICIPATES = False  # honours protocol.anticipate_ratification
SPEAKER = False


@kernel
def amend(t, k, draws, rules, state):
    """Never called (the one round is the last); the text stays."""
    return no_amendment()


UltimatumTag = namedtuple("UltimatumTag", "code")
TAG = register(UltimatumTag, amend)

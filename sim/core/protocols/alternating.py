"""``alternating``: Russia and the West take turns to propose (Rubinstein-style alternating
offers with DESIGN.md's acceptance and escalation rules; DESIGN.md, "Protocols").

Decision (DESIGN.md leaves it open): Russia's offer must be accepted by every Western actor
whose yes it needs, not by Russia itself; the West's offer by everyone whose yes it needs,
the US included. The West speaks with the utility of ``protocol.west_speaker``.
"""

from collections import namedtuple

from sim.core.bundles import Amendment
from sim.core.protocols import register
from sim.core.decisions import accepts, copy
from sim.core.jit import kernel
from sim.core.seat import offer as seat_offer

NAME = "alternating"
ONE_ROUND = False
ANTICIPATES = False  # honours protocol.anticipate_ratification
SPEAKER = True


@kernel
def proposer_of(t, east, west):
    """Who proposes in step 4 of round ``t``: the East (the escalating actor) in odd rounds,
    the West's speaker in even rounds."""
    return east if t % 2 == 1 else west


@kernel
def best_offer(proposer, rules, state):
    """The package with the highest utility for ``proposer`` among those that every actor in
    ``state.needs_yes`` whose yes the package needs accepts at ``state.amend_aspirations``
    (utility and held red lines), and that cross none of the proposer's own held red lines;
    ties to the lowest package number. Returns ``(package number or -1, number of such
    packages)``."""
    utilities, aspirations, crosses = state.utility_table, state.amend_aspirations, state.crosses
    best, best_utility, candidates = -1, -1e308, 0
    for p in range(utilities.shape[1]):
        qualifies = not crosses[proposer, p]
        for a in range(utilities.shape[0]):
            if not qualifies:
                break
            if state.needs_yes[a] and rules.asked[a, p]:
                qualifies = accepts(utilities[a, p], aspirations[a]) and not crosses[a, p]
        if qualifies:
            candidates += 1
            if best < 0 or utilities[proposer, p] > best_utility:
                best, best_utility = p, utilities[proposer, p]
    return best, candidates


@kernel
def amend(t, k, draws, rules, state):
    """This round's proposer offers its best package the other side accepts; if there is
    none, the text stays. A seated proposer offers its seat's package (:mod:`sim.core.seat`)."""
    proposer = proposer_of(t, rules.escalator, rules.west_speaker)
    for a in range(state.needs_yes.shape[0]):
        state.needs_yes[a] = True
    state.needs_yes[rules.escalator] = proposer != rules.escalator  # the East needs the West's yes only
    offer, candidates = best_offer(proposer, rules, state)
    offer = seat_offer(state.seat, proposer, offer, rules.strides)
    if offer >= 0:
        copy(rules.packages[offer], state.text)
    return Amendment(offer >= 0, -1, 0, proposer, offer, candidates, 0, 0.0, 0, 0.0, 0, 0, 0, 0)


AlternatingTag = namedtuple("AlternatingTag", "code")
TAG = register(AlternatingTag, amend)

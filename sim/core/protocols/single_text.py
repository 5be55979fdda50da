"""``single_text``: a mediator amends one negotiating text a step at a time (Fisher's single
negotiating text; DESIGN.md, "Protocols")."""

from collections import namedtuple

import numpy as np

from sim.core.bundles import Amendment
from sim.core.protocols import register
from sim.core.decisions import package_index, ratifier_refuses
from sim.core.jit import kernel

NAME = "single_text"
ONE_ROUND = False
ANTICIPATES = True  # honours protocol.anticipate_ratification
SPEAKER = False
NO_BOUND = 1 << 62  # more refusals than any text can have


@kernel(inline="always")
def text_rank(index, biases, rules, state):
    """The mediator's rank of package ``index`` (:func:`rank_within`, counted in full)."""
    return rank_within(index, biases, rules, state, NO_BOUND, np.inf)


@kernel(inline="always")
def rank_within(index, biases, rules, state, bound_refusals, bound_shortfall):
    """The mediator's rank of package ``index`` at ``state.amend_aspirations``: (how many
    refuse it, the shortfall ``sum max(0, asp_a - U_a)`` of its must-say-yes actors in actor
    order, who refuses it and whose ratifier is anticipated to refuse it, as bit masks). Lower
    is better.

    A must-say-yes actor refuses if the text falls short of its aspiration or crosses one of
    its held red lines (the shortfall stays utility-only). With ``anticipate_ratification``
    the mediator also counts every actor not already refusing whose ratifier would vote on the
    text and refuse it (``U_a + b_a < r_a``, current reservations); other actors' views do not
    enter (DESIGN.md, ``single_text``).

    Counting stops as soon as the text cannot rank strictly better than ``(bound_refusals,
    bound_shortfall)`` (both only grow actor by actor); the partial rank returned then does
    not rank better either.
    """
    refusals, shortfall, refusing, anticipated = 0, 0.0, 0, 0
    utilities, aspirations = state.utility_table, state.amend_aspirations
    for a in range(aspirations.shape[0]):
        refuses = False
        if rules.asked[a, index]:
            gap = aspirations[a] - utilities[a, index]
            if gap > 0.0:
                shortfall += gap
                refuses = True
            refuses = refuses or state.crosses[a, index]
        if not refuses and rules.anticipate_ratification and rules.votes[a, index]:
            if ratifier_refuses(utilities[a, index], biases[a], state.reservations[a], state.crosses[a, index]):
                refuses = True
                anticipated |= 1 << a
        if refuses:
            refusals += 1
            refusing |= 1 << a
        if not ranks_better(refusals, shortfall, bound_refusals, bound_shortfall):
            break
    return refusals, shortfall, refusing, anticipated


@kernel
def ranks_better(refusals, shortfall, best_refusals, best_shortfall):
    """Lexicographic comparison of two ranks; strictly better only."""
    if refusals != best_refusals:
        return refusals < best_refusals
    return shortfall < best_shortfall


@kernel
def amend(t, k, draws, rules, state):
    """The mediator's amendment: among the one-step amendments, in the order item 1 up, item 1
    down, item 2 up, ..., the best-ranked (:func:`text_rank`; ties to the first) replaces the
    text only if it ranks strictly better than the text itself."""
    strides, n_levels, text = rules.strides, rules.n_levels, state.text
    biases = draws.actors.ratifier_bias[k]
    index = package_index(text, strides)
    before = text_rank(index, biases, rules, state)
    best, best_item, best_step, candidates = before, -1, 0, 0
    for i in range(text.shape[0]):
        for direction in range(2):
            step = 1 - 2 * direction  # up first, then down
            level = text[i] + step
            if level < 0 or level >= n_levels[i]:
                continue
            candidates += 1
            rank = rank_within(index + step * strides[i], biases, rules, state, best[0], best[1])
            if ranks_better(rank[0], rank[1], best[0], best[1]):
                best, best_item, best_step = rank, i, step
    if best_item >= 0:
        text[best_item] += best_step
    return Amendment(
        best_item >= 0, best_item, best_step, -1, -1, candidates,
        before[0], before[1], best[0], best[1], before[2], best[2], before[3], best[3],
    )  # fmt: skip


SingleTextTag = namedtuple("SingleTextTag", "code")
TAG = register(SingleTextTag, amend)

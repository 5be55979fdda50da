"""``single_text``: a mediator amends one negotiating text a step at a time (Fisher's single
negotiating text; DESIGN.md, "Protocols")."""

from numba import njit

from sim.core.bundles import Amendment
from sim.core.decisions import package_index

NAME = "single_text"
ONE_ROUND = False
SPEAKER = False


@njit(cache=True)
def text_rank(utilities, asked, aspirations, index):
    """The mediator's rank of package ``index``: (how many of its must-say-yes actors refuse
    it, their total shortfall ``sum max(0, asp_a - U_a)`` in actor order, who refuses it as a
    bit mask). Lower is better; other actors' views do not enter."""
    refusals, shortfall, refusing = 0, 0.0, 0
    for a in range(aspirations.shape[0]):
        if not asked[a, index]:
            continue
        gap = aspirations[a] - utilities[a, index]
        if gap > 0.0:
            refusals += 1
            shortfall += gap
            refusing |= 1 << a
    return refusals, shortfall, refusing


@njit(cache=True)
def ranks_better(refusals, shortfall, best_refusals, best_shortfall):
    """Lexicographic comparison of two ranks; strictly better only."""
    if refusals != best_refusals:
        return refusals < best_refusals
    return shortfall < best_shortfall


@njit(cache=True)
def amend(t, k, draws, rules, state):
    """The mediator's amendment: among the one-step amendments, in the order item 1 up, item 1
    down, item 2 up, ..., the best-ranked at ``state.amend_aspirations`` (ties to the first)
    replaces the text only if it ranks strictly better than the text itself."""
    strides, n_levels, text = rules.strides, rules.n_levels, state.text
    index = package_index(text, strides)
    before = text_rank(state.utility_table, rules.asked, state.amend_aspirations, index)
    best, best_item, best_step, candidates = before, -1, 0, 0
    for i in range(text.shape[0]):
        for direction in range(2):
            step = 1 - 2 * direction  # up first, then down
            level = text[i] + step
            if level < 0 or level >= n_levels[i]:
                continue
            candidates += 1
            rank = text_rank(state.utility_table, rules.asked, state.amend_aspirations, index + step * strides[i])
            if ranks_better(rank[0], rank[1], best[0], best[1]):
                best, best_item, best_step = rank, i, step
    if best_item >= 0:
        text[best_item] += best_step
    return Amendment(
        best_item >= 0, best_item, best_step, -1, -1, candidates,
        before[0], before[1], best[0], best[1], before[2], best[2],
    )  # fmt: skip

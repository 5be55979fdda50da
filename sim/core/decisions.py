"""One actor's and one mediator's decisions, as compiled pure functions.

The rules are those of DESIGN.md ("Actors", "One round, in this order", "Ratification",
"Protocols"). Arrays are indexed ``[actor, item, level]``; a package is an int array with one
level per item. Floating-point order is fixed (sums left to right, in item or actor order) so
that every caller gets the same bits.
"""

import numpy as np
from numba import njit

# Escalation rungs used by the climb (mirrors sim.core.enums.Rung; numba needs plain ints).
FULL_SCALE_INVASION = 3
NATO_RUSSIA_CLASH = 4


@njit(cache=True)
def item_contributions(values, weights, out=None):
    """Return ``s_i * v_i(l)`` for every item and level of one actor.

    Salience weights are normalised, ``s_i = w_i / (w_1 + ... + w_I)``, with the sum taken
    left to right, so that ``utility`` is a sum of table look-ups.

    Parameters
    ----------
    values : float64 array (items, levels), 0 at level 0 and at padding levels.
    weights : float64 array (items,), non-negative with a positive sum.
    out : optional float64 array like ``values`` to fill (saves an allocation per call).
    """
    total = 0.0
    for i in range(weights.shape[0]):
        total += weights[i]
    if out is None:
        out = np.empty(values.shape)
    for i in range(values.shape[0]):
        salience = weights[i] / total
        for level in range(values.shape[1]):
            out[i, level] = salience * values[i, level]
    return out


@njit(cache=True)
def utility(contributions, package):
    """Additive utility ``U(x) = sum_i s_i v_i(x_i)``, summed in item order."""
    total = 0.0
    for i in range(package.shape[0]):
        total += contributions[i, package[i]]
    return total


@njit(cache=True)
def aspiration(reservation, surplus, deadline, exponent, t):
    """Time-dependent concession tactic (Faratin, Sierra & Jennings 1998).

    ``asp(t) = r + h * (1 - (t/T)^(1/e))`` before the deadline ``T`` and ``r`` from it on;
    ``e < 1`` concedes late (Boulware), ``e > 1`` early (Conceder).
    """
    if t >= deadline:
        return reservation
    return reservation + surplus * (1.0 - (t / deadline) ** (1.0 / exponent))


@njit(cache=True)
def must_accept(every_text, veto_items, package):
    """Whether an actor's yes is needed: always, or when the text leaves one of its veto
    items off the status quo (level 0)."""
    if every_text:
        return True
    for i in range(package.shape[0]):
        if veto_items[i] and package[i] != 0:
            return True
    return False


@njit(cache=True)
def accepts(utility_of_text, aspiration_now):
    """An actor accepts a text iff its utility reaches its current aspiration."""
    return utility_of_text >= aspiration_now


@njit(cache=True)
def package_strides(n_levels):
    """Multipliers that turn a package into its number: packages are numbered in item order,
    last item fastest (DESIGN.md, ``alternating``)."""
    strides = np.empty_like(n_levels)
    stride = 1
    for i in range(n_levels.shape[0] - 1, -1, -1):
        strides[i] = stride
        stride *= n_levels[i]
    return strides


@njit(cache=True)
def package_index(package, strides):
    """A package's number (see ``package_strides``)."""
    index = 0
    for i in range(package.shape[0]):
        index += package[i] * strides[i]
    return index


@njit(cache=True)
def utility_table(contributions, n_levels, out):
    """Fill ``out[p]`` with ``utility`` of every package ``p``, bit for bit.

    The sums share their prefixes: after item ``i`` the table holds the partial sums of
    items ``0..i`` for every combination of their levels, each extended by one more item.
    Every entry is still ``((c_0 + c_1) + c_2) + ...`` in item order, exactly as
    ``utility`` adds it, at a third of the additions. Filled in place from the back, so no
    partial sum is overwritten before it is read.
    """
    out[0] = 0.0
    size = 1
    for i in range(n_levels.shape[0]):
        width = n_levels[i]
        for j in range(size - 1, -1, -1):
            base = out[j]
            for level in range(width - 1, -1, -1):
                out[j * width + level] = base + contributions[i, level]
        size *= width
    return out


@njit(cache=True)
def must_accept_table(every_text, veto_items, packages):
    """``asked[a, p]``: whether actor ``a``'s yes is needed for package ``p``
    (``must_accept`` for every package; it depends on the scenario only)."""
    asked = np.empty((every_text.shape[0], packages.shape[0]), dtype=np.bool_)
    for a in range(every_text.shape[0]):
        for p in range(packages.shape[0]):
            asked[a, p] = must_accept(every_text[a], veto_items[a], packages[p])
    return asked


@njit(cache=True)
def text_rank(utilities, asked, aspirations, index):
    """The mediator's ranking of package ``index``: (number of its must-say-yes actors who
    refuse it, their total shortfall ``sum max(0, asp_a - U_a)``, in actor order). Lower is
    better. ``utilities[a, p]`` is ``utility_table``; ``asked`` is ``must_accept_table``."""
    refusals = 0
    shortfall = 0.0
    for a in range(aspirations.shape[0]):
        if not asked[a, index]:
            continue
        gap = aspirations[a] - utilities[a, index]
        if gap > 0.0:
            refusals += 1
            shortfall += gap
    return refusals, shortfall


@njit(cache=True)
def ranks_better(refusals, shortfall, best_refusals, best_shortfall):
    """Lexicographic comparison of two ranks; strictly better only."""
    if refusals != best_refusals:
        return refusals < best_refusals
    return shortfall < best_shortfall


@njit(cache=True)
def best_amendment(utilities, asked, aspirations, n_levels, strides, text):
    """The single-text mediator's amendment (DESIGN.md, protocol ``single_text``).

    Among the one-step amendments, in the order item 1 up, item 1 down, item 2 up, ..., take
    the best-ranked one (ties to the first); it replaces the text only if it ranks strictly
    better than the text itself. Returns ``(new_text, amended)``; ``new_text`` is a copy.
    """
    index = package_index(text, strides)
    best_refusals, best_shortfall = text_rank(utilities, asked, aspirations, index)
    best_item, best_step = -1, 0
    for i in range(text.shape[0]):
        for direction in range(2):
            step = 1 - 2 * direction  # up first, then down
            level = text[i] + step
            if level < 0 or level >= n_levels[i]:
                continue
            refusals, shortfall = text_rank(utilities, asked, aspirations, index + step * strides[i])
            if ranks_better(refusals, shortfall, best_refusals, best_shortfall):
                best_refusals, best_shortfall = refusals, shortfall
                best_item, best_step = i, step
    new_text = text.copy()
    if best_item >= 0:
        new_text[best_item] += best_step
    return new_text, best_item >= 0


@njit(cache=True)
def best_offer(utilities, asked, aspirations, proposer, needs_yes):
    """An ``alternating`` proposer's offer (DESIGN.md, protocol ``alternating``): the package
    with the highest utility for ``proposer`` among those that every actor in ``needs_yes``
    whose yes the package needs (``asked``) accepts at its aspiration; ties to the lowest
    package number. Returns the package number, or -1 if no package qualifies.
    """
    best, best_utility = -1, -np.inf
    for p in range(utilities.shape[1]):
        qualifies = True
        for a in range(utilities.shape[0]):
            if needs_yes[a] and asked[a, p] and not accepts(utilities[a, p], aspirations[a]):
                qualifies = False
                break
        if qualifies and utilities[proposer, p] > best_utility:
            best, best_utility = p, utilities[proposer, p]
    return best


@njit(cache=True)
def offer_round_proposer(t, east, west):
    """Who proposes in step 4 of round ``t`` under ``alternating``: the East (Russia) in odd
    rounds, the West's speaker (the US) in even rounds."""
    return east if t % 2 == 1 else west


@njit(cache=True)
def sigmoid(z):
    """Logistic function; 0 where ``exp(-z)`` overflows (compiled ``exp`` gives inf there)."""
    return 1.0 / (1.0 + np.exp(-z))


@njit(cache=True)
def escalation_probability(beta0, beta_gap, beta_time, gap, t, deadline):
    """P(the escalating actor climbs one rung this round):
    ``sigmoid(beta0 + beta_gap * gap + beta_time * min(1, t / T))``."""
    return sigmoid(beta0 + beta_gap * gap + beta_time * min(1.0, t / deadline))


@njit(cache=True)
def rungs_to_climb(u_round, p_climb, t, deadline, u_deadline, p_deadline):
    """How many rungs this round's draws add: one if ``u_t < p``, one more in the escalating
    actor's deadline round if ``u_deadline < p_deadline``."""
    steps = 0
    if u_round < p_climb:
        steps += 1
    if t == deadline and u_deadline < p_deadline:
        steps += 1
    return steps


@njit(cache=True)
def climb(rung, steps, start_rung, reservations, shifts, u_spill, p_spillover, keep_talking):
    """Climb ``steps`` rungs, shifting reservations in place; return ``(rung, talks_end)``.

    Each rung first reached above the starting rung adds ``shifts[rung]`` to every actor's
    reservation. The climb stops at full-scale invasion (3): on first reaching it, a spill-over
    draw ``u_spill < p_spillover`` makes it a NATO-Russia clash (4); either way the talks end,
    unless ``keep_talking`` (``continue_after_invasion``), after which there is no further climb.
    """
    for _ in range(steps):
        if rung >= FULL_SCALE_INVASION:
            break
        rung += 1
        if rung > start_rung:
            for a in range(reservations.shape[0]):
                reservations[a] += shifts[rung, a]
        if rung == FULL_SCALE_INVASION:
            if u_spill < p_spillover:
                rung = NATO_RUSSIA_CLASH
                for a in range(reservations.shape[0]):
                    reservations[a] += shifts[rung, a]
                return rung, True
            return rung, not keep_talking
    return rung, False


@njit(cache=True)
def first_ratification_refusal(utilities, reservations, biases, ratify_items, package):
    """Two-level game (Putnam 1988): the first actor (in actor order) whose ratifier votes on
    the text and refuses it, or -1.

    A ratifier votes iff the text is off level 0 on one of its items, and approves iff
    ``U_a(x) + b_a >= r_a`` with the current reservation; ``utilities[a]`` is ``U_a(x)``.
    """
    for a in range(reservations.shape[0]):
        votes = False
        for i in range(package.shape[0]):
            if ratify_items[a, i] and package[i] != 0:
                votes = True
        if votes and utilities[a] + biases[a] < reservations[a]:
            return a
    return -1


@njit(cache=True)
def final_status(agreed, ratification_failed, highest_rung):
    """The run's status code (sim.core.enums.Status), decided in DESIGN.md's order."""
    if agreed:
        return 0  # agreement
    if ratification_failed:
        return 1  # ratification_failed
    if highest_rung >= NATO_RUSSIA_CLASH:
        return 2  # nato_russia_war
    if highest_rung == FULL_SCALE_INVASION:
        return 3  # war
    if highest_rung == 2:
        return 4  # limited_escalation
    return 5  # stalemate

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
def item_contributions(values, weights):
    """Return ``s_i * v_i(l)`` for every item and level of one actor.

    Salience weights are normalised, ``s_i = w_i / (w_1 + ... + w_I)``, with the sum taken
    left to right, so that ``utility`` is a sum of table look-ups.

    Parameters
    ----------
    values : float64 array (items, levels), 0 at level 0 and at padding levels.
    weights : float64 array (items,), non-negative with a positive sum.
    """
    total = 0.0
    for i in range(weights.shape[0]):
        total += weights[i]
    out = np.empty_like(values)
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
def text_rank(contributions, aspirations, every_text, veto_items, package):
    """The mediator's ranking of a text: (number of its must-say-yes actors who refuse it,
    their total shortfall ``sum max(0, asp_a - U_a)``, in actor order). Lower is better."""
    refusals = 0
    shortfall = 0.0
    for a in range(aspirations.shape[0]):
        if not must_accept(every_text[a], veto_items[a], package):
            continue
        gap = aspirations[a] - utility(contributions[a], package)
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
def best_amendment(contributions, aspirations, every_text, veto_items, n_levels, text):
    """The single-text mediator's amendment (DESIGN.md, protocol ``single_text``).

    Among the one-step amendments, in the order item 1 up, item 1 down, item 2 up, ..., take
    the best-ranked one (ties to the first); it replaces the text only if it ranks strictly
    better than the text itself. Returns ``(new_text, amended)``; ``new_text`` is a copy.
    """
    best_refusals, best_shortfall = text_rank(
        contributions, aspirations, every_text, veto_items, text
    )
    best = text.copy()
    amended = False
    candidate = text.copy()
    for i in range(text.shape[0]):
        for step in (1, -1):
            level = text[i] + step
            if level < 0 or level >= n_levels[i]:
                continue
            candidate[i] = level
            refusals, shortfall = text_rank(
                contributions, aspirations, every_text, veto_items, candidate
            )
            if ranks_better(refusals, shortfall, best_refusals, best_shortfall):
                best_refusals, best_shortfall = refusals, shortfall
                best[:] = candidate
                amended = True
            candidate[i] = text[i]
    return best, amended


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
def first_ratification_refusal(contributions, reservations, biases, ratify_items, package):
    """Two-level game (Putnam 1988): the first actor (in actor order) whose ratifier votes on
    the text and refuses it, or -1.

    A ratifier votes iff the text is off level 0 on one of its items, and approves iff
    ``U_a(x) + b_a >= r_a`` with the current reservation.
    """
    for a in range(reservations.shape[0]):
        votes = False
        for i in range(package.shape[0]):
            if ratify_items[a, i] and package[i] != 0:
                votes = True
        if votes and utility(contributions[a], package) + biases[a] < reservations[a]:
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

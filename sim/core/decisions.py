"""One actor's and one mediator's decisions, as compiled pure functions.

The rules are those of DESIGN.md ("Actors", "One round, in this order", "Ratification",
"Protocols"). Arrays are indexed ``[actor, item, level]``; a package is an int array with one
level per item. Floating-point order is fixed (sums left to right, in item or actor order) so
that every caller gets the same bits.

Everything compiled here is a :func:`~sim.core.jit.kernel`: it writes into arrays it is
given and allocates nothing (the round runs without reference counting). The few functions
that return a new table are plain Python that allocates it and calls a kernel to fill it.
"""

import numpy as np

from sim.core.enums import RoundOutcome, Rung, Status
from sim.core.jit import kernel


def item_contributions(values, weights):
    """``s_i * v_i(l)`` for every item and level of one actor, in a new array
    (:func:`fill_contributions`)."""
    values = np.asarray(values, dtype=np.float64)
    return fill_contributions(values, np.asarray(weights, dtype=np.float64), np.empty(values.shape))


@kernel
def fill_contributions(values, weights, out):
    """Fill ``out`` with ``s_i * v_i(l)`` for every item and level of one actor, and return it.

    Salience weights are normalised, ``s_i = w_i / (w_1 + ... + w_I)``, with the sum taken
    left to right, so that ``utility`` is a sum of table look-ups.

    Parameters
    ----------
    values : float64 array (items, levels), 0 at level 0 and at padding levels.
    weights : float64 array (items,), non-negative with a positive sum.
    out : float64 array like ``values``, filled in place (the round allocates nothing).
    """
    total = 0.0
    for i in range(weights.shape[0]):
        total += weights[i]
    for i in range(values.shape[0]):
        salience = weights[i] / total
        for level in range(values.shape[1]):
            out[i, level] = salience * values[i, level]
    return out


@kernel
def utility(contributions, package):
    """Additive utility ``U(x) = sum_i s_i v_i(x_i)``, summed in item order."""
    total = 0.0
    for i in range(package.shape[0]):
        total += contributions[i, package[i]]
    return total


@kernel
def aspiration(reservation, surplus, deadline, exponent, t):
    """Time-dependent concession tactic (Faratin, Sierra & Jennings 1998).

    ``asp(t) = r + h * (1 - (t/T)^(1/e))`` before the deadline ``T`` and ``r`` from it on;
    ``e < 1`` concedes late (Boulware), ``e > 1`` early (Conceder).
    """
    if t >= deadline:
        return reservation
    return reservation + surplus * (1.0 - (t / deadline) ** (1.0 / exponent))


@kernel
def must_accept(every_text, veto_items, package):
    """Whether an actor's yes is needed: always, or when the text leaves one of its veto
    items off the status quo (level 0)."""
    if every_text:
        return True
    for i in range(package.shape[0]):
        if veto_items[i] and package[i] != 0:
            return True
    return False


@kernel
def accepts(utility_of_text, aspiration_now):
    """Whether a text's utility reaches the current aspiration (an actor accepts iff it does
    and the text crosses none of its held red lines: :func:`sim.core.round.evaluate`)."""
    return utility_of_text >= aspiration_now


@kernel
def copy(source, target):
    """``target[:] = source`` for 1-d arrays, written as a loop: the round is compiled
    without numba's reference counting (:mod:`sim.core`), which a slice assignment needs."""
    for i in range(source.shape[0]):
        target[i] = source[i]


@kernel
def red_line_holds(u, hold):
    """A red line binds in a run iff its uniform ``u < hold`` (DESIGN.md, "Who must say yes")."""
    return u < hold


def red_lines_held(u, hold):
    """:func:`red_line_holds` element by element, for arrays of draws (the explorer's)."""
    u, hold = np.broadcast_arrays(np.asarray(u, dtype=np.float64), np.asarray(hold, dtype=np.float64))
    out = np.empty(u.shape, dtype=np.bool_)
    fill_red_lines_held(np.ravel(u), np.ravel(hold), out.reshape(-1))
    return out


@kernel
def fill_red_lines_held(u, hold, out):
    for j in range(out.shape[0]):
        out[j] = red_line_holds(u[j], hold[j])


@kernel
def crossings_table(held, red_line_levels, packages, out):
    """``out[a, p]``: whether package ``p`` crosses one of actor ``a``'s held red lines
    (``held[a, i]``: its red line on item ``i`` binds in this run)."""
    for a in range(out.shape[0]):
        crossings_row(held[a], red_line_levels[a], packages, out[a])
    return out


@kernel
def crossings_row(held, red_line_levels, packages, out):
    """Row ``a`` of :func:`crossings_table`: ``held``, ``red_line_levels`` and ``out`` are
    actor ``a``'s."""
    if not held.any():  # most actors hold no red line: no package crosses one
        for p in range(out.shape[0]):
            out[p] = False
        return
    for p in range(packages.shape[0]):
        crosses = False
        for i in range(packages.shape[1]):
            if held[i] and red_line_levels[i, packages[p, i]]:
                crosses = True
                break
        out[p] = crosses


def package_strides(n_levels):
    """Multipliers that turn a package into its number: packages are numbered in item order,
    last item fastest (DESIGN.md, ``alternating``)."""
    n_levels = np.asarray(n_levels)
    strides = np.empty_like(n_levels)
    stride = 1
    for i in range(n_levels.shape[0] - 1, -1, -1):
        strides[i] = stride
        stride *= n_levels[i]
    return strides


@kernel
def package_index(package, strides):
    """A package's number (see ``package_strides``)."""
    index = 0
    for i in range(package.shape[0]):
        index += package[i] * strides[i]
    return index


@kernel
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
        if width == 2:  # the common widths written out: the loop over levels costs more than its additions
            c0, c1 = contributions[i, 0], contributions[i, 1]
            for j in range(size - 1, -1, -1):
                base = out[j]
                out[2 * j + 1] = base + c1
                out[2 * j] = base + c0
        elif width == 3:
            c0, c1, c2 = contributions[i, 0], contributions[i, 1], contributions[i, 2]
            for j in range(size - 1, -1, -1):
                base = out[j]
                out[3 * j + 2] = base + c2
                out[3 * j + 1] = base + c1
                out[3 * j] = base + c0
        else:
            for j in range(size - 1, -1, -1):
                base = out[j]
                for level in range(width - 1, -1, -1):
                    out[j * width + level] = base + contributions[i, level]
        size *= width
    return out


def utility_tables(values, salience, n_levels):
    """``out[k, a, p]``: run ``k``'s utility of package ``p`` for actor ``a``
    (:func:`utility_table` for every run and actor; ``values`` and ``salience`` as in
    ``ActorDraws``)."""
    out = np.empty((salience.shape[0], salience.shape[1], int(np.prod(n_levels))))
    return fill_utility_tables(values, salience, n_levels, np.empty(values.shape[2:]), out)


@kernel
def fill_utility_tables(values, salience, n_levels, contributions, out):
    """Fill ``out`` as :func:`utility_tables` returns it (``contributions``: working memory)."""
    n, n_actors = salience.shape[0], salience.shape[1]
    for k in range(n):
        for a in range(n_actors):
            utility_table(fill_contributions(values[k, a], salience[k, a], contributions), n_levels, out[k, a])
    return out


def must_accept_table(every_text, veto_items, packages):
    """``asked[a, p]``: whether actor ``a``'s yes is needed for package ``p``
    (``must_accept`` for every package; it depends on the scenario only)."""
    return fill_must_accept(every_text, veto_items, packages, np.empty((len(every_text), len(packages)), dtype=np.bool_))


@kernel
def fill_must_accept(every_text, veto_items, packages, asked):
    for a in range(every_text.shape[0]):
        for p in range(packages.shape[0]):
            asked[a, p] = must_accept(every_text[a], veto_items[a], packages[p])
    return asked


@kernel
def sigmoid(z):
    """Logistic function; 0 where ``exp(-z)`` overflows (compiled ``exp`` gives inf there)."""
    return 1.0 / (1.0 + np.exp(-z))


@kernel
def escalation_probability(beta0, beta_gap, beta_time, gap, t, deadline):
    """P(the escalating actor climbs one rung this round):
    ``sigmoid(beta0 + beta_gap * gap + beta_time * min(1, t / T))``."""
    return sigmoid(beta0 + beta_gap * gap + beta_time * min(1.0, t / deadline))


@kernel
def rungs_to_climb(u_round, p_climb, t, deadline, u_deadline, p_deadline):
    """How many rungs this round's draws add: one if ``u_t < p``, one more in the escalating
    actor's deadline round if ``u_deadline < p_deadline``."""
    steps = 0
    if u_round < p_climb:
        steps += 1
    if t == deadline and u_deadline < p_deadline:
        steps += 1
    return steps


@kernel
def climb(rung, steps, start_rung, reservations, shifts, u_spill, p_spillover, keep_talking):
    """Climb ``steps`` rungs, shifting reservations in place; return ``(rung, talks_end)``.

    Each rung first reached above the starting rung adds ``shifts[rung]`` to every actor's
    reservation. The climb stops at full-scale invasion (3): on first reaching it, a spill-over
    draw ``u_spill < p_spillover`` makes it a NATO-Russia clash (4); either way the talks end,
    unless ``keep_talking`` (``continue_after_invasion``), after which there is no further climb.
    """
    for _ in range(steps):
        if rung >= Rung.FULL_SCALE_INVASION:
            break
        rung += 1
        if rung > start_rung:
            for a in range(reservations.shape[0]):
                reservations[a] += shifts[rung, a]
        if rung == Rung.FULL_SCALE_INVASION:
            if u_spill < p_spillover:
                rung = Rung.NATO_RUSSIA_CLASH
                for a in range(reservations.shape[0]):
                    reservations[a] += shifts[rung, a]
                return rung, True
            return rung, not keep_talking
    return rung, False


def votes_table(ratify_items, packages):
    """``votes[a, p]``: whether actor ``a``'s ratifier votes on package ``p``: iff the package
    is off level 0 on one of its items (it depends on the scenario only)."""
    return fill_votes(ratify_items, packages, np.zeros((len(ratify_items), len(packages)), dtype=np.bool_))


@kernel
def fill_votes(ratify_items, packages, votes):
    for a in range(ratify_items.shape[0]):
        for p in range(packages.shape[0]):
            for i in range(packages.shape[1]):
                if ratify_items[a, i] and packages[p, i] != 0:
                    votes[a, p] = True
    return votes


@kernel
def ratifier_refuses(utility_of_text, bias, reservation, crosses_red_line):
    """Two-level game (Putnam 1988): a voting ratifier approves iff ``U_a(x) + b_a >= r_a``
    (current reservation) and the text crosses none of its actor's held red lines."""
    return utility_of_text + bias < reservation or crosses_red_line


@kernel
def first_ratification_refusal(utilities, reservations, biases, votes, crosses):
    """The first actor (in actor order) whose ratifier votes on the text and refuses it, or
    -1; ``votes[a]`` and ``crosses[a]`` are ``votes_table`` and the held red lines for the text."""
    for a in range(reservations.shape[0]):
        if votes[a] and ratifier_refuses(utilities[a], biases[a], reservations[a], crosses[a]):
            return a
    return -1


@kernel
def run_status(outcome, highest_rung):
    """The run's :class:`Status`, decided in DESIGN.md's order from how its last round ended
    and the highest rung it reached."""
    if outcome == RoundOutcome.AGREED:
        return Status.AGREEMENT
    if outcome == RoundOutcome.RATIFICATION_FAILED:
        return Status.RATIFICATION_FAILED
    if highest_rung >= Rung.NATO_RUSSIA_CLASH:
        return Status.NATO_RUSSIA_WAR
    if highest_rung == Rung.FULL_SCALE_INVASION:
        return Status.WAR
    if highest_rung == Rung.LIMITED_INCURSION:
        return Status.LIMITED_ESCALATION
    return Status.STALEMATE

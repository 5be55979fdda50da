"""numpy's ``Generator(PCG64(SeedSequence(...))).random()``, compiled: the same uniforms, bit
for bit, without Python in the loop.

The sampler (:mod:`sim.sampling`) seeds about a hundred streams per block of runs. Seeding
them through numpy's objects is Python that holds the GIL (about 10 us a stream), which kept
two threads from drawing at once; here seeding, ``advance`` and drawing are compiled
(``nogil``), so a whole chunk is drawn in one call. The algorithms are numpy's, written from
its documented definitions (``numpy.random.SeedSequence`` with its default pool of four
words; PCG64 XSL-RR 128/64; ``random()`` as ``(next64 >> 11) * 2**-53``), and
``tests/test_pcg64.py`` checks every one against numpy itself.

A generator's state is four ``uint64``: the 128-bit LCG state and increment, each as
(high, low) halves. The 128-bit multiply is LLVM's own ``i128`` arithmetic (:func:`_muladd`).
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from sim.core.jit import kernel

_U32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(16)  # XSHIFT: half a 32-bit word
_INIT_A, _MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)
_INIT_B, _MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)
_MIX_L, _MIX_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
POOL_SIZE = 4  # SeedSequence's default pool (uint32 words)

_MULT_HI, _MULT_LO = np.uint64(2549297995355413924), np.uint64(4865540595714422341)  # PCG's 128-bit multiplier
_ZERO, _ONE = np.uint64(0), np.uint64(1)
_WORD = np.uint64(64)
_TWO_TO_MINUS_53 = 1.0 / 9007199254740992.0
STATE_WORDS = 4  # state high, state low, increment high, increment low


def entropy_words(value: int) -> list[int]:
    """An entropy integer as SeedSequence reads it: 32-bit words, least significant first
    (0 is one word)."""
    if value < 0:
        raise ValueError(f"entropy must be >= 0 (got {value})")
    words = [value & 0xFFFFFFFF]
    value >>= 32
    while value:
        words.append(value & 0xFFFFFFFF)
        value >>= 32
    return words


def spawn_prefix(seed: int, *spawn_key: int) -> np.ndarray:
    """SeedSequence's assembled entropy for ``seed`` and a spawn key that still lacks its last
    word (:func:`seed_streams` appends each stream's key): the seed's words, padded with
    zeros to the pool size, then each spawn-key entry's words."""
    run = entropy_words(seed)
    run += [0] * (POOL_SIZE - len(run))
    return np.array(run + [word for entry in spawn_key for word in entropy_words(entry)], dtype=np.uint64)


@intrinsic
def _muladd(typingctx, a_hi, a_lo, b_hi, b_lo, c_hi, c_lo):
    """``(a * b + c) mod 2**128`` of 128-bit numbers given as (high, low) ``uint64`` halves."""
    u64 = types.uint64
    signature = types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64)

    def codegen(context, builder, sig, args):
        wide = ir.IntType(128)
        joined = [
            builder.or_(builder.shl(builder.zext(hi, wide), ir.Constant(wide, 64)), builder.zext(lo, wide))
            for hi, lo in zip(args[0::2], args[1::2])
        ]
        result = builder.add(builder.mul(joined[0], joined[1]), joined[2])
        hi = builder.trunc(builder.lshr(result, ir.Constant(wide, 64)), ir.IntType(64))
        lo = builder.trunc(result, ir.IntType(64))
        return context.make_tuple(builder, sig.return_type, (hi, lo))

    return signature, codegen


@kernel
def _hashmix(value, hash_const):
    """SeedSequence's ``hashmix``; returns the value and the next hash constant (32-bit words
    held in ``uint64``, masked after every product)."""
    value = value ^ hash_const
    hash_const = (hash_const * _MULT_A) & _U32
    value = (value * hash_const) & _U32
    return value ^ (value >> _SHIFT), hash_const


@kernel
def _mix(x, y):
    result = ((_MIX_L * x) - (_MIX_R * y)) & _U32
    return result ^ (result >> _SHIFT)


@kernel
def _pool(entropy, last, pool):
    """SeedSequence's ``mix_entropy`` of ``entropy`` followed by the word ``last`` into
    ``pool`` (four words)."""
    n = entropy.shape[0] + 1
    hash_const = _INIT_A
    for i in range(POOL_SIZE):
        word = _ZERO if i >= n else (last if i == n - 1 else entropy[i])
        pool[i], hash_const = _hashmix(word, hash_const)
    for src in range(POOL_SIZE):
        for dst in range(POOL_SIZE):
            if src != dst:
                mixed, hash_const = _hashmix(pool[src], hash_const)
                pool[dst] = _mix(pool[dst], mixed)
    for src in range(POOL_SIZE, n):
        word = last if src == n - 1 else entropy[src]
        for dst in range(POOL_SIZE):
            mixed, hash_const = _hashmix(word, hash_const)
            pool[dst] = _mix(pool[dst], mixed)


@kernel
def _state_word(pool, i, hash_const):
    """Word ``i`` of SeedSequence's ``generate_state`` (32 bits) and the next hash constant."""
    value = pool[i % POOL_SIZE] ^ hash_const
    hash_const = (hash_const * _MULT_B) & _U32
    value = (value * hash_const) & _U32
    return value ^ (value >> _SHIFT), hash_const


@kernel
def _state_pair(pool, i, hash_const):
    """``uint64`` number ``i`` of ``generate_state(4, np.uint64)``: words ``2i`` and
    ``2i + 1``, little end first."""
    low, hash_const = _state_word(pool, 2 * i, hash_const)
    high, hash_const = _state_word(pool, 2 * i + 1, hash_const)
    return low | (high << np.uint64(32)), hash_const


@kernel
def _seed(pool, state):
    """``PCG64(seed_sequence)``: four ``uint64`` of ``generate_state`` are the initial state
    and the stream (increment ``2 * stream + 1``), then PCG's ``srandom`` (state 0, one step,
    add the initial state, one step)."""
    seed_hi, hash_const = _state_pair(pool, 0, _INIT_B)
    seed_lo, hash_const = _state_pair(pool, 1, hash_const)
    inc_hi, hash_const = _state_pair(pool, 2, hash_const)
    inc_lo, hash_const = _state_pair(pool, 3, hash_const)
    state[2] = (inc_hi << _ONE) | (inc_lo >> np.uint64(63))
    state[3] = (inc_lo << _ONE) | _ONE
    hi, lo = _add(state[2], state[3], seed_hi, seed_lo)  # one step from state 0 gives the increment
    state[0], state[1] = _muladd(hi, lo, _MULT_HI, _MULT_LO, state[2], state[3])


@kernel
def _add(a_hi, a_lo, b_hi, b_lo):
    """``(a + b) mod 2**128``."""
    return _muladd(a_hi, a_lo, _ZERO, _ONE, b_hi, b_lo)


@kernel
def advance(state, delta):
    """PCG64's ``advance(delta)``: ``delta`` steps at once (Brown's jump-ahead for an LCG),
    ``delta`` a whole number below 2**63."""
    mult_hi, mult_lo, plus_hi, plus_lo = _MULT_HI, _MULT_LO, state[2], state[3]
    acc_mult_hi, acc_mult_lo, acc_plus_hi, acc_plus_lo = _ZERO, _ONE, _ZERO, _ZERO
    steps = np.uint64(delta)
    while steps > _ZERO:
        if steps & _ONE:
            acc_mult_hi, acc_mult_lo = _muladd(acc_mult_hi, acc_mult_lo, mult_hi, mult_lo, _ZERO, _ZERO)
            acc_plus_hi, acc_plus_lo = _muladd(acc_plus_hi, acc_plus_lo, mult_hi, mult_lo, plus_hi, plus_lo)
        next_hi, next_lo = _add(mult_hi, mult_lo, _ZERO, _ONE)
        plus_hi, plus_lo = _muladd(next_hi, next_lo, plus_hi, plus_lo, _ZERO, _ZERO)
        mult_hi, mult_lo = _muladd(mult_hi, mult_lo, mult_hi, mult_lo, _ZERO, _ZERO)
        steps >>= _ONE
    state[0], state[1] = _muladd(acc_mult_hi, acc_mult_lo, state[0], state[1], acc_plus_hi, acc_plus_lo)


@kernel(forceinline=True)
def step(hi, lo, inc_hi, inc_lo):
    """One step of PCG64 from state ``(hi, lo)``: numpy's ``random()`` of it (a uniform on
    [0, 1) on the grid of 2**-53) and the new state. Scalars in and out, so that a loop over
    one stream keeps its state in registers."""
    hi, lo = _muladd(hi, lo, _MULT_HI, _MULT_LO, inc_hi, inc_lo)
    xored, rotation = hi ^ lo, hi >> np.uint64(58)
    bits = (xored >> rotation) | (xored << ((_WORD - rotation) & np.uint64(63)))
    return np.float64(bits >> np.uint64(11)) * _TWO_TO_MINUS_53, hi, lo


def seed_streams(prefix, keys, first):
    """One generator per key (rows of a ``(len(keys), 4)`` array): the PCG64 of
    SeedSequence entropy ``prefix`` + ``keys[j]`` (:func:`spawn_prefix`), moved on by
    ``first`` steps."""
    states = np.empty((len(keys), STATE_WORDS), dtype=np.uint64)
    return fill_states(prefix, np.asarray(keys, dtype=np.uint64), first, np.empty(POOL_SIZE, dtype=np.uint64), states)


@kernel
def fill_states(prefix, keys, first, pool, states):
    """:func:`seed_streams` into ``states`` (``pool``: working memory of four words)."""
    for j in range(keys.shape[0]):
        _pool(prefix, keys[j], pool)
        _seed(pool, states[j])
        if first > 0:
            advance(states[j], first)
    return states


@kernel
def fill_uniforms(state, out):
    """``out[:] = Generator.random()`` of the generator ``state``, which moves on as it draws."""
    hi, lo = state[0], state[1]
    for k in range(out.shape[0]):
        out[k], hi, lo = step(hi, lo, state[2], state[3])
    state[0], state[1] = hi, lo
    return out

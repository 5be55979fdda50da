"""The compiled generators (:mod:`sim.pcg64`) against numpy's own objects, bit for bit.

DESIGN.md fixes the streams as ``Generator(PCG64(SeedSequence(seed, spawn_key=(block,
key))))``; the sampler draws them in compiled code, so every step of numpy's recipe is
checked here: the entropy words, SeedSequence's pool, PCG64's seeding, ``advance`` and
``random()``.
"""

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import pcg64

SEEDS = [0, 1, 7, 2**32 - 1, 2**32, 2**40 + 3, 2**64 + 5, 12345678901234567890123]
KEYS = [0, 1, zlib.crc32(b"round.1"), 2**32 - 1]


def numpy_uniforms(seed, block, key, first, n):
    bits = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, key)))
    if first:
        bits.advance(first)
    return np.random.Generator(bits).random(n)


def compiled_uniforms(seed, block, key, first, n):
    states = pcg64.seed_streams(pcg64.spawn_prefix(seed, block), [key], first)
    return pcg64.fill_uniforms(states[0], np.empty(n))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("block", [0, 1, 5, 2**32 + 1])
@pytest.mark.parametrize("key", KEYS)
def test_streams_equal_numpys(seed, block, key):
    for first in (0, 1, 100, 16_383, 2**40):
        assert np.array_equal(compiled_uniforms(seed, block, key, first, 40), numpy_uniforms(seed, block, key, first, 40))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**130),
    block=st.integers(0, 2**40),
    key=st.integers(0, 2**32 - 1),
    first=st.integers(0, 2**62),
)
def test_any_stream_equals_numpys(seed, block, key, first):
    assert np.array_equal(compiled_uniforms(seed, block, key, first, 5), numpy_uniforms(seed, block, key, first, 5))


def test_pool_and_seeding_are_numpys():
    """SeedSequence's pool (a public attribute), and the PCG64 state and increment it seeds
    (``PCG64.state``), for seeds and blocks of one and of several 32-bit words."""
    for seed in SEEDS:
        for block in (0, 3, 2**33):
            sequence = np.random.SeedSequence(seed, spawn_key=(block, 99))
            pool = np.empty(pcg64.POOL_SIZE, dtype=np.uint64)
            pcg64._pool(pcg64.spawn_prefix(seed, block), np.uint64(99), pool)
            assert [int(w) for w in pool] == [int(w) for w in sequence.pool], (seed, block)
            state = pcg64.seed_streams(pcg64.spawn_prefix(seed, block), [99], 0)[0]
            expected = np.random.PCG64(sequence).state["state"]
            assert (int(state[0]) << 64 | int(state[1])) == expected["state"], (seed, block)
            assert (int(state[2]) << 64 | int(state[3])) == expected["inc"], (seed, block)


def test_a_long_stream_and_its_state_carry_on():
    """Drawing in two calls continues the stream: the state moves on in place."""
    states = pcg64.seed_streams(pcg64.spawn_prefix(3, 2), [KEYS[2]], 0)
    first, second = pcg64.fill_uniforms(states[0], np.empty(70_000)), pcg64.fill_uniforms(states[0], np.empty(30))
    assert np.array_equal(np.concatenate([first, second]), numpy_uniforms(3, 2, KEYS[2], 0, 70_030))


def test_advance_equals_stepping():
    states = pcg64.seed_streams(pcg64.spawn_prefix(0, 0), [5, 5], 0)
    pcg64.fill_uniforms(states[0], np.empty(1_000))
    pcg64.advance(states[1], 1_000)
    assert np.array_equal(states[0], states[1])


def test_negative_entropy_is_refused():
    with pytest.raises(ValueError, match="entropy must be >= 0"):
        pcg64.entropy_words(-1)

#!/usr/bin/env python3
"""Reference outputs of the sampler's random generator (SamplingTests.generatorIsPortable):
xoshiro256** seeded by splitmix64, written here from the two algorithms' published
definitions (Blackman and Vigna, https://prng.di.unimi.it/), not from the engine's code.

Usage: python3 scripts/ref/make_rng_refs.py [SEED] [COUNT]   (default: seed 0, 3 values)
"""
import sys

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(v, k):
    return ((v << k) | (v >> (64 - k))) & MASK


def xoshiro256starstar(seed, count):
    x, s = seed, []
    for _ in range(4):
        x, v = splitmix64(x)
        s.append(v)
    out = []
    for _ in range(count):
        out.append((rotl((s[1] * 5) & MASK, 7) * 9) & MASK)
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print("splitmix64 first output:", hex(splitmix64(seed)[1]))
    print("xoshiro256**:", ", ".join(f"0x{v:016X}" for v in xoshiro256starstar(seed, count)))

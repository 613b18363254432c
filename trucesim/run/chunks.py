"""Chunks of worlds and their random streams: the one place that cuts a run into pieces.

Chunk ``k`` of a run or a sweep always simulates its worlds with the random
stream ``SeedSequence(seed, spawn_key=(k,))``, whatever the total: so memory
stays bounded, the same seed gives the same worlds, and asking for more worlds
never changes the first ones.

Two sizes are defaults, each fixed because it defines which worlds a seed gives:
``CHUNK_WORLDS`` (10,000) for ``trucesim run`` and the designer, and
``SWEEP_CHUNK_WORLDS`` (50,000) for sweeps, where a chunk's fixed cost (about
0.15 s) would otherwise take a fifth of the time.  Changing either changes
every number drawn under a given seed.

Examples
--------
>>> chunk_bounds(25, 10)
[(0, 0, 10), (1, 10, 20), (2, 20, 25)]
>>> n_chunks(25, 10)
3
"""

from __future__ import annotations

import numpy as np

#: worlds per chunk of `trucesim run` and of the designer's candidates
CHUNK_WORLDS = 10_000
#: default worlds per chunk of a sweep (``--chunk-worlds``)
SWEEP_CHUNK_WORLDS = 50_000


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The random generator of chunk ``chunk`` under root ``seed``.

    Examples
    --------
    >>> float(chunk_rng(0, 3).random()) == float(chunk_rng(0, 3).random())
    True
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))


def n_chunks(worlds: int, chunk_worlds: int = CHUNK_WORLDS) -> int:
    """How many chunks of ``chunk_worlds`` cover ``worlds`` worlds (the last may be short)."""
    return -(-int(worlds) // int(chunk_worlds))


def chunk_bounds(worlds: int, chunk_worlds: int = CHUNK_WORLDS) -> list[tuple[int, int, int]]:
    """``(chunk, first world, end world)`` of every chunk over ``worlds`` worlds."""
    return [(k, s, min(s + chunk_worlds, worlds)) for k, s in enumerate(range(0, worlds, chunk_worlds))]


def chunk_sizes(worlds: int, chunk_worlds: int = CHUNK_WORLDS) -> list[int]:
    """Worlds in each chunk: ``chunk_sizes(25, 10) == [10, 10, 5]``."""
    return [e - s for _, s, e in chunk_bounds(worlds, chunk_worlds)]

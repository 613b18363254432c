"""Random streams of a model: one per block of consecutive worlds, so chunks can be simulated together.

A run cuts its worlds into chunks, each with its own random stream
(:func:`trucesim.run.chunks.chunk_rng`).  A model may hold several chunks as
consecutive *blocks* of worlds, one stream each.  Every draw names the worlds
it is for; each block's generator draws, in order, the values of its own
worlds, with the same call a model of that block alone would make (a block
with no world in a draw draws nothing, and numpy then consumes nothing).  So a
world's numbers do not depend on which other chunks share its model: five
chunks of 10,000 worlds simulated as one model of 50,000 give the same worlds
as five models, with a fifth of the fixed cost per simulated day.

With one block (any model built from an ``rng``) every draw is the plain
generator call the model always made.

Examples
--------
>>> a = np.random.default_rng(1)
>>> two = Streams([np.random.default_rng(1), np.random.default_rng(2)], [3, 3])
>>> x = two.uniform(np.array([4, 0, 2]))   # worlds 0 and 2 from block 0, world 4 from block 1
>>> bool(x[1] == a.random(2)[0])
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trucesim.config.scenario import Scenario

#: the bound of the draw Mesa makes to seed its stdlib ``random`` (see :func:`model_streams`)
_MESA_SEED_BOUND = int(np.iinfo(np.int32).max)


class Streams:
    """Random generators for consecutive blocks of worlds.

    Parameters
    ----------
    generators : sequence of numpy Generator
        One per block, in world order.
    sizes : sequence of int
        Worlds in each block; block ``b`` holds worlds ``sum(sizes[:b])`` onward.
    mesa_seed : int, optional
        The seed of the model's stdlib ``random`` (Mesa's), when the streams make one
        (:func:`block_streams`).
    """

    def __init__(self, generators: Sequence[np.random.Generator], sizes: Sequence[int], mesa_seed: int | None = None):
        if len(generators) != len(sizes) or not generators:
            raise ValueError(f"expected one generator per block, found {len(generators)} for {len(sizes)} blocks")
        self.generators = list(generators)
        self.sizes = [int(s) for s in sizes]
        self.starts = np.cumsum([0, *self.sizes])
        self.n_worlds = int(self.starts[-1])
        self.mesa_seed = mesa_seed

    def __len__(self) -> int:
        return len(self.generators)

    def _parts(self, idx: np.ndarray) -> list[tuple[np.random.Generator, np.ndarray | slice, int]]:
        """Each block with worlds in ``idx``: its generator, their positions in ``idx`` (in order), and how many."""
        if idx.size < 2 or bool(np.all(idx[1:] >= idx[:-1])):  # sorted: each block is a run of idx
            cuts = np.searchsorted(idx, self.starts)
            return [
                (g, slice(int(a), int(b)), int(b - a)) for g, a, b in zip(self.generators, cuts[:-1], cuts[1:]) if b > a
            ]
        block = self.block_of(idx).astype(np.int16 if len(self.generators) < 2**15 else np.int64)
        order = np.argsort(block, kind="stable")  # keeps each block's worlds in the order of idx (a radix sort)
        cuts = np.searchsorted(block[order], np.arange(len(self.generators) + 1))
        return [(g, order[a:b], int(b - a)) for g, a, b in zip(self.generators, cuts[:-1], cuts[1:]) if b > a]

    def uniform(self, idx: np.ndarray, rows: int | None = None) -> np.ndarray:
        """Uniforms on [0, 1) for worlds ``idx``: shape ``(len(idx),)``, or ``(rows, len(idx))``.

        Each block draws ``generator.random(k)`` (or ``random((rows, k))``) for its ``k`` worlds.
        """
        shape = (idx.size,) if rows is None else (rows, idx.size)
        if len(self.generators) == 1:
            return self.generators[0].random(shape)
        out = np.empty(shape)
        for g, pos, k in self._parts(idx):
            out[..., pos] = g.random(k if rows is None else (rows, k))
        return out

    def normal(self, idx: np.ndarray) -> np.ndarray:
        """Standard normal draws for worlds ``idx`` (each block draws ``generator.normal(0.0, 1.0, k)``)."""
        if len(self.generators) == 1:
            return self.generators[0].normal(0.0, 1.0, idx.size)
        out = np.empty(idx.size)
        for g, pos, k in self._parts(idx):
            out[pos] = g.normal(0.0, 1.0, k)
        return out

    def uniform_all(self) -> np.ndarray:
        """Uniforms on [0, 1) for every world (``uniform(np.arange(n_worlds))``, without the index)."""
        if len(self.generators) == 1:
            return self.generators[0].random(self.n_worlds)
        return np.concatenate([g.random(k) for g, k in zip(self.generators, self.sizes)])

    def blocks(self) -> list[tuple[np.random.Generator, int, int]]:
        """``(generator, first world, end world)`` of every block."""
        return [(g, int(a), int(b)) for g, a, b in zip(self.generators, self.starts[:-1], self.starts[1:])]

    def block_of(self, worlds: np.ndarray) -> np.ndarray:
        """The block of each world in ``worlds``."""
        return np.searchsorted(self.starts, worlds, side="right") - 1


def model_streams(rng, n: int) -> tuple[Streams, int]:
    """The streams of a model of ``n`` worlds and the seed of Mesa's stdlib ``random``.

    ``rng`` is what :class:`~trucesim.model.model.TruceModel` was given: an int, a
    numpy Generator or SeedSequence, ``None``, or :class:`Streams` (built by
    :func:`block_streams`).  Mesa seeds its stdlib ``random`` with an int ``rng``
    itself, and otherwise with one draw from the generator; that draw is made here,
    from every block's generator, so each block's stream starts where a model of
    that block alone starts.
    """
    if isinstance(rng, Streams):
        if rng.n_worlds != n:
            raise ValueError(f"expected streams for {n} worlds, found {rng.n_worlds}")
        if rng.mesa_seed is None:
            raise ValueError("expected streams made by block_streams (they seed Mesa's random)")
        return rng, rng.mesa_seed
    if isinstance(rng, (int, np.integer)):
        return Streams([np.random.default_rng(rng)], [n]), int(rng)
    g = np.random.default_rng(rng)
    return Streams([g], [n]), int(g.integers(_MESA_SEED_BOUND))


def block_streams(generators: Sequence[np.random.Generator], sizes: Sequence[int]) -> Streams:
    """Streams for a model of several blocks, each generator where a model of its block alone would start it.

    Each generator makes the draw Mesa makes to seed its stdlib ``random`` (see
    :func:`model_streams`); the first block's seeds the model's.

    >>> s = block_streams([np.random.default_rng(1), np.random.default_rng(2)], [5, 5])
    >>> s.n_worlds, len(s)
    (10, 2)
    """
    seeds = [int(g.integers(_MESA_SEED_BOUND)) for g in generators]
    return Streams(generators, sizes, mesa_seed=seeds[0])


def draw_parameters(scenario: Scenario, streams: Streams, overrides: dict | None = None) -> dict:
    """Every parameter of ``scenario`` for the worlds of ``streams``: each block draws its own.

    The same values as ``scenario.draw(generator, size, overrides)`` block by block,
    joined: a fixed value stays one number, a distribution gives one array over all
    worlds.  ``overrides`` (numbers, or arrays over all worlds) replace values
    after the draws, as in :meth:`~trucesim.config.scenario.Scenario.draw`.
    """
    if len(streams) == 1:
        return scenario.draw(streams.generators[0], streams.n_worlds, overrides)
    parts = [scenario.draw(g, k) for g, k in zip(streams.generators, streams.sizes)]
    out = {
        key: np.concatenate([part[key] for part in parts]) if isinstance(value, np.ndarray) else value
        for key, value in parts[0].items()
    }
    if overrides:
        out.update(overrides)
    return out

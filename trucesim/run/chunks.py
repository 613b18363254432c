"""Chunks of worlds: the one place that cuts a run into pieces.

A run's worlds are cut into chunks to bound memory and to share the work
between processes.  No number depends on the cut: every random number of world
``w`` is addressed by the seed and ``w`` (:mod:`trucesim.model.streams`), so the
same seed gives the same worlds whatever the chunk size, the grouping and the
workers, and asking for more worlds never changes the first ones.

``CHUNK_WORLDS`` (10,000) is the chunk of ``trucesim run`` and the designer, and
``SWEEP_CHUNK_WORLDS`` (50,000) that of sweeps (one file per chunk).  How many
chunks one model simulates at once, :func:`chunk_groups`, is up to
:data:`MODEL_WORLDS` worlds: the fixed cost of a simulated day is paid once per model.

Sizes that cannot finish are refused before any work (:func:`check_size`): more
than one core-year of worlds (:data:`trucesim.config.limits.MOST_WORLDS`), or more
than :data:`MAX_CHUNKS` chunks in a sweep (it writes one file per chunk).

Examples
--------
>>> chunk_bounds(25, 10)
[(0, 0, 10), (1, 10, 20), (2, 20, 25)]
>>> n_chunks(25, 10)
3
"""

from __future__ import annotations

from collections.abc import Iterator

from trucesim.config.limits import MOST_WORLDS, WORLDS_PER_SECOND

#: worlds per chunk of `trucesim run` and of the designer's candidates
CHUNK_WORLDS = 10_000
#: default worlds per chunk of a sweep (``--chunk-worlds``)
SWEEP_CHUNK_WORLDS = 50_000
#: the most worlds one model simulates at once.  Consecutive chunks run as one model give the same
#: worlds as run one by one (:mod:`trucesim.model.streams`) and pay the fixed cost of a simulated
#: day once; only speed and memory depend on this number
MODEL_WORLDS = 100_000


#: the most chunks a sweep may have: it writes a file per chunk (a run keeps none, so has no such cap)
MAX_CHUNKS = 100_000


class RunError(RuntimeError):
    """A run that cannot go on (too large, a chunk that failed, a bug caught); ``str(err)`` is one line."""


class SizeError(RunError):
    """A run or sweep too large to finish; ``str(err)`` is one line with the estimated time."""


def duration(seconds: float) -> str:
    """A rough human duration of ``seconds``, in the largest unit that counts at least 2.

    >>> duration(90), duration(5e6), duration(3e13), duration(6e16)
    ('about 90 seconds', 'about 58 days', 'about 951,294 years', 'about 1.9e+09 years')
    """
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            n = seconds / size
            shown = f"{n:,.0f}" if n < 1e6 else f"{n:.1e}"
            return f"about {shown} {unit}"
    return f"about {seconds:.0f} seconds"


def check_size(worlds: int, chunk_worlds: int, what: str, max_chunks: int | None = None) -> None:
    """Raise :class:`SizeError` (one line, starting ``what``) for a size that cannot finish.

    ``what`` names the option or key that set the size (``"--worlds"``).  The estimate is
    ``worlds / WORLDS_PER_SECOND`` on one core: divide by the workers for the wall time.
    ``max_chunks`` (a sweep's :data:`MAX_CHUNKS`) also caps the number of chunks.

    >>> check_size(10**6, 10_000, "--worlds")
    >>> check_size(2**70, 10_000, "--worlds")
    Traceback (most recent call last):
    ...
    trucesim.run.chunks.SizeError: --worlds: expected at most 630,720,000,000 worlds (one core-year at 20,000 worlds/s), found 1,180,591,620,717,411,303,424 worlds (about 1.9e+09 years on one core)
    """
    worlds = int(worlds)
    if worlds > MOST_WORLDS:
        raise SizeError(
            f"{what}: expected at most {MOST_WORLDS:,} worlds (one core-year at {WORLDS_PER_SECOND:,} worlds/s), "
            f"found {worlds:,} worlds ({duration(worlds / WORLDS_PER_SECOND)} on one core)"
        )
    chunks = n_chunks(worlds, chunk_worlds)
    if max_chunks is not None and chunks > max_chunks:
        raise SizeError(
            f"{what}: expected at most {max_chunks:,} chunks of {int(chunk_worlds):,} worlds (use larger chunks), "
            f"found {chunks:,} chunks for {worlds:,} worlds"
        )


def n_chunks(worlds: int, chunk_worlds: int = CHUNK_WORLDS) -> int:
    """How many chunks of ``chunk_worlds`` cover ``worlds`` worlds (the last may be short).

    >>> n_chunks(25_000), n_chunks(20_000), n_chunks(7, 3)
    (3, 2, 3)
    """
    return -(-int(worlds) // int(chunk_worlds))


def chunk_bounds(worlds: int, chunk_worlds: int = CHUNK_WORLDS) -> list[tuple[int, int, int]]:
    """``(chunk, first world, end world)`` of every chunk over ``worlds`` worlds (the end excluded).

    >>> chunk_bounds(7, 3)
    [(0, 0, 3), (1, 3, 6), (2, 6, 7)]
    """
    return list(iter_chunk_bounds(worlds, chunk_worlds))


def iter_chunk_bounds(worlds: int, chunk_worlds: int = CHUNK_WORLDS) -> Iterator[tuple[int, int, int]]:
    """:func:`chunk_bounds` one at a time: memory does not grow with the number of chunks."""
    for k, s in enumerate(range(0, worlds, chunk_worlds)):
        yield k, s, min(s + chunk_worlds, worlds)


def chunk_groups(worlds: int, chunk_worlds: int = CHUNK_WORLDS, parts: int = 1) -> list[tuple[int, int, int, int]]:
    """``(first chunk, chunks, first world, end world)`` of runs of consecutive chunks simulated as one model.

    A group holds at most :data:`MODEL_WORLDS` worlds (and at least one chunk); the
    number of groups is a multiple of ``parts`` while there are chunks enough, and
    groups are as even as can be, so ``parts`` workers finish together.  The
    grouping changes no number (see :data:`MODEL_WORLDS`).

    >>> [g[1] for g in chunk_groups(300_000, 10_000, parts=2)]   # not 10, 10, 10: one worker would do two
    [8, 8, 8, 6]
    >>> chunk_groups(25_000, 10_000, parts=2)
    [(0, 2, 0, 20000), (2, 1, 20000, 25000)]
    """
    chunks = n_chunks(worlds, chunk_worlds)
    parts = max(int(parts), 1)
    most = max(1, MODEL_WORLDS // int(chunk_worlds))
    groups = min(chunks, parts * -(-chunks // (parts * most)))
    per = -(-chunks // max(groups, 1))
    return [
        (first, min(per, chunks - first), first * chunk_worlds, min((first + per) * chunk_worlds, worlds))
        for first in range(0, chunks, per)
    ]


def chunk_sizes(worlds: int, chunk_worlds: int = CHUNK_WORLDS) -> list[int]:
    """Worlds in each chunk: ``chunk_sizes(25, 10) == [10, 10, 5]``."""
    return [e - s for _, s, e in chunk_bounds(worlds, chunk_worlds)]

"""Synchronised random numbers: every draw is addressed by what it is for.

A model's random numbers are not read from one stream in turn but computed from
an address: ``(seed, world, purpose, sub, counter)``, where the purpose says what
the draw decides (an answer, a study time, a death, a parameter), ``sub`` which
of several of the same kind (a coalition party) and the counter its round or
day.  The number is a counter-based hash of that address (SplitMix64's
finaliser over the world's key plus the address times the golden gamma; Salmon
et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", on counter-based
generators), so:

* a world's numbers never depend on which other worlds are simulated with it,
  nor on how many draws an earlier decision in that world took (Law and Kelton's
  "one stream per source of randomness");
* two variants of a scenario run with one seed share their worlds: a change of
  terms changes only the worlds whose decisions it changes (common random
  numbers, so comparisons and designs are paired for real);
* a world is named by its index in the run (``world``), not by the chunk or
  model that simulates it: the same seed gives the same numbers whatever the
  chunking, grouping and workers, and more worlds never change the first ones.

Examples
--------
>>> s = Streams(7, np.arange(5))
>>> u = s.uniform(np.array([3, 1]), ANSWER_GOV, counter=1)
>>> t = Streams(7, np.arange(2, 4))             # world 3 simulated with other worlds
>>> bool(u[0] == t.uniform(np.array([1]), ANSWER_GOV, counter=1)[0])
True
>>> bool(u[0] != s.uniform(np.array([3]), ANSWER_GOV, counter=2)[0])   # another round, another number
True
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from scipy.special import ndtri

from trucesim.config.scenario import Scenario

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53

# What a draw is for (the "purpose" of its address).  The numbers are part of the address: never
# renumber one, or every world of every seed changes; add new purposes at the end.
PARAMETER = 1  #: a parameter's value in a world (counter: a hash of its key)
STUDY_GOV = 2  #: days the government takes to study a text (counter: round)
STUDY_AG = 3  #: days the armed group takes to study a text (counter: round)
ANSWER_GOV = 4  #: the government's acceptance uniform of a round (counter: round)
ANSWER_AG = 5  #: the armed group's acceptance uniform of a round (counter: round)
WALK_AWAY = 6  #: whether the mediators walk away after a failed round (counter: round)
REVISION_WAIT = 7  #: days until a revised text is tabled (counter: round)
ESTIMATE_GOV = 8  #: the mediators' estimate noise about the government (counter: round)
ESTIMATE_AG = 9  #: the mediators' estimate noise about the armed group (counter: round)
NET = 10  #: whether the safety net holds in a ratification (counter: round; sub 64 in the later phase)
PAYMENT = 11  #: whether a partner takes a side payment (counter: round; sub: party, +64 in the later phase)
EXIT = 12  #: whether a partner quits (counter: round; sub: party, +64 in the later phase)
PHASE_TWO_GOV = 13  #: the government's answer to the permanent end
PHASE_TWO_AG = 14  #: the armed group's answer to the permanent end
OFFENSIVE = 15  #: whether the offensive starts (counter: day)
DEATHS = 16  #: deaths in captivity (counter: day)
BREACH = 17  #: whether the pause is breached, and by whom (counter: day)
EXTENSION = 18  #: whether a pause is extended (counter: day)
LATER_PHASE = 64  #: added to ``sub`` for the ratification of the later phase


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, elementwise over a ``uint64`` array (modified in place and returned).

    A bijection of 64-bit integers whose every output bit depends on every input bit.

    >>> mix64(np.array([0, 1], np.uint64)).tolist()
    [0, 6238072747940578789]
    """
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def seed_key(seed: int | Sequence[int] | np.random.SeedSequence) -> int:
    """A well-mixed 64-bit key for a root seed (an int, a sequence of ints, or a SeedSequence).

    >>> seed_key(0) == seed_key(0) != seed_key(1)
    True
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return int(ss.generate_state(1, np.uint64)[0])


@lru_cache(maxsize=4096)
def parameter_counter(key: str) -> int:
    """The counter of a parameter's draws: a stable 32-bit hash of its dotted key."""
    return zlib.crc32(key.encode())


class Streams:
    """Addressed random numbers for the worlds of one model.

    Parameters
    ----------
    seed : int, sequence of int or SeedSequence
        The run's root seed.
    worlds : array of int
        Each of the model's worlds as its index in the run (world ``i`` of the model is world
        ``worlds[i]`` of the run); its numbers depend on that index only.
    """

    def __init__(self, seed: int | Sequence[int] | np.random.SeedSequence, worlds: np.ndarray):
        self.seed = seed
        self.worlds = np.asarray(worlds, dtype=np.int64)
        self.n_worlds = int(self.worlds.size)
        root = np.uint64(seed_key(seed))
        keys = self.worlds.astype(np.uint64) * _GOLDEN
        keys ^= root
        self.keys = mix64(keys)
        self.mesa_seed = seed_key(seed) % (2**31 - 1)

    @staticmethod
    def _offset(purpose: int, sub: int, counter: np.ndarray | int) -> np.ndarray | np.uint64:
        """The address ``purpose (8 bits) | sub (24 bits) | counter (32 bits)`` times the golden gamma."""
        if not (0 <= purpose < 256 and 0 <= sub < 2**24):
            raise ValueError(f"expected a purpose < 256 and a sub < 2**24, found {purpose} and {sub}")
        high = (purpose << 56) | (sub << 32)
        if np.ndim(counter) == 0:  # a Python int product, wrapped: numpy warns on a scalar overflow
            return np.uint64(((high | (int(counter) & 0xFFFFFFFF)) * int(_GOLDEN)) & 0xFFFFFFFFFFFFFFFF)
        address = np.asarray(counter).astype(np.uint64) | np.uint64(high)
        address *= _GOLDEN
        return address

    def bits(self, idx: np.ndarray | None, purpose: int, counter: np.ndarray | int = 0, sub: int = 0) -> np.ndarray:
        """64 random bits for worlds ``idx`` (all worlds if ``None``) at one address."""
        keys = self.keys if idx is None else np.take(self.keys, idx)
        return mix64(keys + self._offset(purpose, sub, counter))

    def uniform(self, idx: np.ndarray | None, purpose: int, counter: np.ndarray | int = 0, sub: int = 0) -> np.ndarray:
        """Uniforms on [0, 1) for worlds ``idx`` (all worlds if ``None``): one per world, at the address given.

        ``counter`` is one number for all the worlds or one per world (e.g. each world's round).
        """
        z = self.bits(idx, purpose, counter, sub)
        return (z >> _S11).astype(np.float64) * _TO_UNIT

    def open_uniform(
        self, idx: np.ndarray | None, purpose: int, counter: np.ndarray | int = 0, sub: int = 0
    ) -> np.ndarray:
        """Uniforms on the open interval (0, 1), for inverse distribution functions."""
        z = self.bits(idx, purpose, counter, sub)
        return ((z >> _S11).astype(np.float64) + 0.5) * _TO_UNIT

    def normal(self, idx: np.ndarray | None, purpose: int, counter: np.ndarray | int = 0, sub: int = 0) -> np.ndarray:
        """Standard normal draws for worlds ``idx``, by inversion of :meth:`open_uniform`."""
        return ndtri(self.open_uniform(idx, purpose, counter, sub))

    def parameter_uniforms(self) -> Callable[[str], np.ndarray]:
        """For :meth:`~trucesim.config.scenario.Scenario.draw`: a parameter key -> its uniforms over every world."""
        return lambda key: self.open_uniform(None, PARAMETER, parameter_counter(key))


def model_streams(rng: object, n: int) -> Streams:
    """The streams of a model of ``n`` worlds, from what :class:`~trucesim.model.model.TruceModel` was given.

    :class:`Streams` as they are; an int (or a SeedSequence, or a sequence of ints) as the root
    seed of worlds ``0..n-1``; a numpy Generator gives a root seed from one draw; ``None`` a fresh
    one.

    >>> model_streams(3, 4).worlds.tolist()
    [0, 1, 2, 3]
    """
    if isinstance(rng, Streams):
        if rng.n_worlds != n:
            raise ValueError(f"expected streams for {n} worlds, found {rng.n_worlds}")
        return rng
    if isinstance(rng, np.random.Generator):
        seed: int | np.random.SeedSequence = int(rng.integers(2**63))
    elif rng is None:
        seed = np.random.SeedSequence()
    elif isinstance(rng, (int, np.integer)):
        seed = int(rng)
    elif isinstance(rng, np.random.SeedSequence):
        seed = rng
    else:
        raise TypeError(f"expected an int seed, a SeedSequence, a Generator or Streams, found {type(rng).__name__}")
    return Streams(seed, np.arange(n))


def run_streams(seed: int | np.random.SeedSequence, first: int, n: int) -> Streams:
    """Streams of the run's worlds ``first .. first + n - 1`` under root ``seed``.

    >>> a, b = run_streams(0, 0, 10), run_streams(0, 5, 5)
    >>> bool((a.uniform(np.arange(5, 10), DEATHS, 3) == b.uniform(None, DEATHS, 3)).all())
    True
    """
    return Streams(seed, np.arange(first, first + n))


def draw_parameters(scenario: Scenario, streams: Streams, overrides: dict | None = None) -> dict:
    """Every parameter of ``scenario`` for the worlds of ``streams``, each from its own addressed uniforms.

    A fixed value stays one number; a distribution gives one array over the worlds, the
    draw of world ``w`` depending only on the seed, ``w`` and the parameter's key.
    ``overrides`` (numbers, or arrays over the worlds) replace values after the draws.
    """
    return scenario.draw(streams.parameter_uniforms(), streams.n_worlds, overrides)


__all__ = [
    "Streams",
    "draw_parameters",
    "mix64",
    "model_streams",
    "run_streams",
    "seed_key",
]

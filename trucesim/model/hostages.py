"""Hostages: captivity, deaths in captivity, releases, and what Hamas can deliver.

Living hostages and the remains of the dead are separate quantities: a deal
may exchange both, and a death in captivity moves a hostage from the living to
the remains held.  Living hostages die with a daily hazard that rises under the
Rafah offensive and stops during a pause; deaths are binomial and strike every
category alike.
Hamas can release only the living hostages it holds in the categories of the
first phase (in April 2024 it said it did not hold 40 living hostages in them):
the categories hold ``floor(category_share * living)`` at day 0, and releases
come out of them.  Each release lowers Hamas's leverage, the share of the
living hostages of day 0 it still holds.

Examples
--------
>>> u = np.array([0.1, 0.999]); n = np.array([10, 10]); p = np.array([0.1, 0.1])
>>> binomial_inverse(u, n, p, (1 - p) ** n).tolist()   # P(X <= 4) = 0.9984 < 0.999
[0, 5]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from trucesim.config.terms import HOSTAGES, REMAINS
from trucesim.model.streams import DEATHS

if TYPE_CHECKING:
    from trucesim.model.agents import ArmedGroup
    from trucesim.model.model import TruceModel
    from trucesim.model.situation import Index, Situation


def binomial_inverse(u: np.ndarray, n: np.ndarray, p: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """Binomial(n, p) draws by inversion of the uniforms ``u``, given ``p0 = (1 - p) ** n``.

    Exact: walks the cumulative distribution from ``k = 0`` until it passes ``u``. One uniform per
    world gives that world's count, so a world's draw never depends on the others'.

    >>> n, p = np.array([10, 10, 3]), np.array([0.5, 0.5, 0.1])
    >>> binomial_inverse(np.array([0.01, 0.99, 0.5]), n, p, (1 - p) ** n).tolist()  # scipy.stats.binom.ppf's
    [1, 9, 0]
    """
    k = np.zeros(u.size, np.int32)
    pmf = p0.copy()
    cdf = p0.copy()
    active = (u > cdf) & (k < n)
    odds = p / np.maximum(1.0 - p, 1e-300)
    while active.any():
        pmf = pmf * (n - k) / (k + 1) * odds
        k = k + active
        cdf = cdf + pmf
        active &= (u > cdf) & (k < n)
    return k


def available(ag: ArmedGroup, idx: np.ndarray) -> np.ndarray:
    """Living hostages Hamas holds in the agreed categories in worlds ``idx``.

    The categories' share of the living (deaths strike all hostages alike),
    less those already released from them.
    """
    share = np.floor(ag.category_share[idx] * ag.living[idx])
    return np.maximum(np.minimum(share, ag.category_pool[idx] - ag.released[idx]), 0.0)


def whole_exchange(ag: ArmedGroup, terms: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Terms counted over the whole exchange, with the scales that make "all of them" 1.

    Returns ``(terms, living, remains)`` for :func:`trucesim.config.terms.normalise`:
    the text's hostages and remains plus those already released, the living
    hostages held when the talks began, and all the remains held over the
    exchange.
    """
    t = terms.copy()
    t[:, HOSTAGES] += ag.released[idx]
    t[:, REMAINS] += ag.remains_released[idx]
    return t, ag.living0[idx], ag.remains_total(idx)


def leverage(ag: ArmedGroup, idx: Index) -> np.ndarray:
    """Share of the living hostages of day 0 still held: Hamas's leverage, 0..1."""
    return ag.living[idx] / ag.living0[idx]


def hazard_rates(
    situation: Situation,
    ag: ArmedGroup,
    idx: np.ndarray,
    fight: np.ndarray,
    offensive: np.ndarray,
    permanent: np.ndarray,
) -> None:
    """Today's death hazard per living hostage in worlds ``idx`` (zero outside fighting), and what follows.

    ``fight``, ``offensive`` and ``permanent`` say whether the war, the offensive and a permanent
    end hold there.  Sets the situation's ``hostage_hazard`` and ``hostages_held`` and the armed
    group's ``log_survival`` and ``p_none`` (the chance that no hostage dies today).
    """
    h = ag.hazard[idx] * np.where(offensive, ag.offensive_hazard[idx], 1.0)
    situation.hostage_hazard[idx] = h = np.where(fight, np.minimum(h, 1.0 - 1e-12), 0.0)
    ag.log_survival[idx] = np.log1p(-h)
    ag.p_none[idx] = np.exp(ag.living[idx] * ag.log_survival[idx])
    situation.hostages_held[idx] = (ag.living[idx] > 0) & ~permanent


def deaths_today(ag: ArmedGroup, m: TruceModel) -> None:
    """Daily: living hostages die at today's hazard; the worlds with deaths and their counts are kept.

    Deaths are binomial(living, hazard), drawn by inversion from one uniform per
    world; the few worlds with any death are then resolved exactly.
    """
    u = m.streams.uniform(None, DEATHS, m.day)
    idx = np.flatnonzero(u > ag.p_none)
    ag.dying = idx
    if not idx.size:
        ag.deaths = idx
        return
    deaths = binomial_inverse(u[idx], ag.living[idx], m.situation.hostage_hazard[idx], ag.p_none[idx])
    ag.deaths = deaths
    ag.living[idx] -= deaths
    ag.died[idx] += deaths
    ag.remains_held[idx] += deaths
    recount(ag, m.refresh, idx)
    w = m.trace_world
    if w is not None and np.any(idx == w):
        m.record(np.array([w]), "hostage_deaths", ag.actor_id, {"count": int(deaths[idx == w][0])})


def release(ag: ArmedGroup, refresh: Callable[[np.ndarray], None], idx: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Release up to ``count`` living hostages in worlds ``idx``; return how many went free.

    ``refresh`` is the model's: called with the worlds where no living hostage is left."""
    count = np.minimum(count, ag.living[idx]).astype(np.int32)
    ag.living[idx] -= count
    ag.released[idx] += count
    recount(ag, refresh, idx)
    return count


def release_remains(ag: ArmedGroup, idx: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Return up to ``count`` remains in worlds ``idx``; return how many were returned."""
    count = np.minimum(count, ag.remains_held[idx]).astype(np.int32)
    ag.remains_held[idx] -= count
    ag.remains_released[idx] += count
    return count


def recount(ag: ArmedGroup, refresh: Callable[[np.ndarray], None], idx: np.ndarray) -> None:
    """After deaths or releases: today's chance of no death; worlds with no living hostage left are ``refresh``-ed."""
    ag.p_none[idx] = np.exp(ag.living[idx] * ag.log_survival[idx])
    gone = idx[ag.living[idx] == 0]
    if gone.size:
        refresh(gone)

"""The model's fast paths give the same numbers, to the last bit, as the plain computations they replace.

Each test holds the plain version (one decision path at a time, one candidate text at a
time) and compares bytes, not closeness: a speed-up must never change a result.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from trucesim.model.agents import CoalitionParty
from trucesim.model.coalition import Coalition
from trucesim.model.model import TruceModel


def _fall_by_path(co: Coalition, terms, idx, us, binding=False) -> np.ndarray:
    """The fall probability summed one path at a time (the model's computation before it was batched)."""
    fall = np.zeros(idx.size)
    crossed = [p.crossed(terms, idx) & ~p.exited[idx] for p in co.parties]
    seats = co.seats(idx)
    majority = co.majority[idx]
    at_risk = seats < majority
    for c in crossed:
        at_risk |= c
    if not at_risk.any():
        return fall
    r = np.flatnonzero(at_risk)
    sub, maj, us_r = idx[r], majority[r], us[r]
    net_seats, net_cred = co.net(sub, us_r)
    offer = co.side_payments[sub]
    live = []
    crossed_seats = np.zeros(sub.size)
    for party, c in zip(co.parties, crossed):
        c = c[r]
        if not c.any():
            continue
        crossed_seats += party.seats[sub] * c
        base = party.credibility[sub] * (1.0 - party.sens_us[sub] * us_r) * c
        if binding:
            base = np.where(party.promised[sub], c, base)
            keep = np.where(party.promised[sub], 0.0, offer * party.payment_acceptance[sub])
        else:
            keep = offer * party.payment_acceptance[sub]
        when_pivotal = np.where(
            binding & party.promised[sub], base, base * (1.0 - party.office_value[sub]) * (1.0 - keep)
        )
        live.append((party.seats[sub], base, when_pivotal))
    total = np.zeros(sub.size)
    covers = (
        seats[r] - crossed_seats + net_seats >= maj
    )  # partners count on a holding net only where it covers them all
    for holds, weight in ((True, net_cred), (False, 1.0 - net_cred)):
        paths = [(np.ones(sub.size), seats[r])]
        for s, base, when_pivotal in live:
            nxt = []
            for prob, left in paths:
                q = np.where(co._pivotal(left, s, maj, holds & covers, net_seats), when_pivotal, base)
                nxt += [(prob * q, left - s), (prob * (1.0 - q), left)]
            paths = nxt
        for prob, left in paths:
            total += weight * prob * co._pivotal(left, 0.0, maj, holds, net_seats)
    fall[r] = total
    return fall


def _party(rng, i: int, lines: int, n: int):
    p = types.SimpleNamespace(actor_id=f"p{i}", line_terms=np.arange(lines))
    p.seats = rng.integers(2, 30, n).astype(float)
    p.red_lines = rng.random((n, lines)) if lines else np.zeros((1, 0))
    for key in ("credibility", "office_value", "payment_acceptance", "sens_us"):
        setattr(p, key, rng.random(n))
    p.exited, p.promised = rng.random(n) < 0.1, rng.random(n) < 0.3
    p.crossed = types.MethodType(CoalitionParty.crossed, p)
    return p


@pytest.mark.parametrize("trial", range(12))
def test_fall_probability_is_the_path_by_path_sum_bit_for_bit(trial):
    """Up to four partners, with 0 to 3 red lines each, with and without a safety net, both phases."""
    rng = np.random.default_rng(trial)
    n = 300
    parties = [_party(rng, i, int(rng.integers(0, 4)), n) for i in range(int(rng.integers(1, 5)))]
    net = None
    if trial % 2:
        net = types.SimpleNamespace(
            net_seats=rng.integers(0, 20, n).astype(float), credibility=rng.random(n), sens_us=rng.random(n)
        )
    majority = np.full(n, 61.0) if trial % 3 else rng.integers(30, 80, n).astype(float)
    co = Coalition(parties, net, majority, rng.random(n))
    idx = np.sort(rng.choice(n, 250, replace=False))
    terms, us = rng.random((250, 12)), rng.random(250)
    for binding in (False, True):
        fast = co.fall_probability(terms, idx, us, binding)
        assert fast.tobytes() == _fall_by_path(co, terms, idx, us, binding).tobytes()


def test_candidate_gaps_are_the_decision_gaps_of_each_candidate(baseline):
    """The mediators' candidate texts: gaps computed once per world equal those of the tiled worlds."""
    m = TruceModel(baseline, 400, rng=3)
    m.run_until(20)
    worlds = np.arange(0, 400, 3)
    rng = np.random.default_rng(0)
    cand = np.concatenate([m.terms[worlds] * (1 + 0.3 * rng.random((worlds.size, 12))) for _ in range(5)])
    every = np.tile(worlds, 5)
    for side in (m.government, m.armed_group):
        fast = side.candidate_gaps(cand, worlds, 5)
        assert fast.tobytes() == side.decision_gap(cand, every)[0].tobytes()

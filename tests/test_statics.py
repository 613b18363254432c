"""Comparative statics of docs/ODD.md (section 1) as property tests: everything else equal, acceptance moves
the stated way when one term or pressure changes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trucesim.config.terms import TERM_INDEX
from trucesim.model.model import TruceModel

CONCESSIONS = ["prisoners_per_hostage", "aid_trucks_per_day", "return_north", "withdrawal", "permanent_ceasefire"]
TOL = 1e-12

terms_st = st.tuples(
    st.integers(0, 120),  # pause_days
    st.integers(0, 60),  # hostages_released
    st.floats(0, 60),  # prisoners_per_hostage
    st.floats(0, 1000),  # aid_trucks_per_day
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(0, 30),  # remains_released
    st.floats(0, 1),  # release_all
    st.floats(0, 1),  # security_arrangements
    st.floats(0, 1),  # disarmament
)
#: what the holding side gives: more of any of these never makes it more willing, nor the government less
DEMANDS = ["hostages_released", "remains_released", "release_all", "security_arrangements", "disarmament"]
context_st = st.fixed_dictionaries(
    {
        f"context.{k}": st.floats(0, 1)
        for k in (
            "us_pressure",
            "family_pressure",
            "military_pressure",
            "humanitarian_crisis",
            "international_isolation",
        )
    }
    | {"context.category_share": st.floats(0.2, 1.0)}
)
BUMP = {
    "prisoners_per_hostage": 60.0,
    "aid_trucks_per_day": 1000.0,
    "return_north": 1.0,
    "withdrawal": 1.0,
    "permanent_ceasefire": 1.0,
    "hostages_released": 60.0,
    "remains_released": 30.0,
    "release_all": 1.0,
    "security_arrangements": 1.0,
    "disarmament": 1.0,
}


def probabilities(scenario, context, terms):
    m = TruceModel(scenario, 1, rng=0, overrides=context)
    idx = np.array([0])
    t = np.array([terms], dtype=float)
    return m.government.decision_probability(t, idx)[0], m.armed_group.decision_probability(t, idx)[0]


def raised(terms, name, share):
    t = list(terms)
    j = TERM_INDEX[name]
    t[j] = t[j] + share * (BUMP[name] - t[j]) if t[j] < BUMP[name] else t[j] + share
    if name in ("hostages_released", "remains_released"):
        t[j] = round(t[j])
    return tuple(t)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(context=context_st, terms=terms_st, name=st.sampled_from(CONCESSIONS), share=st.floats(0.01, 1))
def test_concessions_raise_hamas_and_lower_government_acceptance(baseline, context, terms, name, share):
    g0, h0 = probabilities(baseline, context, terms)
    g1, h1 = probabilities(baseline, context, raised(terms, name, share))
    assert h1 >= h0 - TOL, (name, h0, h1)
    assert g1 <= g0 + TOL, (name, g0, g1)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(context=context_st, terms=terms_st, name=st.sampled_from(DEMANDS), share=st.floats(0.01, 1))
def test_more_demanded_of_hamas(baseline, context, terms, name, share):
    g0, h0 = probabilities(baseline, context, terms)
    g1, h1 = probabilities(baseline, context, raised(terms, name, share))
    assert h1 <= h0 + TOL, (name, h0, h1)  # Hamas never more willing
    assert g1 >= g0 - TOL, (name, g0, g1)  # the government never less willing


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    context=context_st,
    terms=terms_st,
    key=st.sampled_from(["context.us_pressure", "context.family_pressure"]),
    more=st.floats(0, 1),
)
def test_us_and_family_pressure_never_lower_government_acceptance(baseline, context, terms, key, more):
    g0, _ = probabilities(baseline, context, terms)
    higher = dict(context)
    higher[key] = min(1.0, context[key] + more)
    g1, _ = probabilities(baseline, higher, terms)
    assert g1 >= g0 - TOL


@settings(max_examples=60, deadline=None, derandomize=True)
@given(terms=terms_st, c0=st.floats(0, 1), more=st.floats(0, 1), exits=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_a_credible_safety_net_never_lowers_ratification(baseline, terms, c0, more, exits):
    def ratification(c):
        m = TruceModel(
            baseline,
            1,
            rng=0,
            overrides={
                "actors.opposition.safety_net_credibility": c,
                "actors.religious_zionism.exit_credibility": exits[0],
                "actors.otzma_yehudit.exit_credibility": exits[1],
            },
        )
        return 1.0 - m.coalition.fall_probability(np.array([terms], float), np.array([0]), np.zeros(1))[0]

    assert ratification(min(1.0, c0 + more)) >= ratification(c0) - TOL


#: a coalition whose 10-seat partner can quit without bringing it down while a 5-seat net holds,
#: after which the 5-seat partner is pivotal: the case where a net once made ratification less likely
SMALL_NET = {
    "actors.coalition_core.seats": 55,
    "actors.otzma_yehudit.seats": 10,
    "actors.religious_zionism.seats": 5,
    "actors.opposition.seats": 50,
    "actors.opposition.safety_net_seats": 5,
    "actors.otzma_yehudit.office_value": 0.9,
}
#: a text crossing both partners' red lines (a permanent ceasefire)
CROSSING = (42, 40, 18.0, 400.0, 0.5, 0.0, 1.0, 0.3, 0, 0.0, 0.0, 0.0)


@st.composite
def coalitions(draw):
    """Seats, office values and threats of a coalition of any shape, with a safety net of any size."""
    core, rz, oy = draw(st.integers(40, 70)), draw(st.integers(1, 15)), draw(st.integers(1, 15))
    opposition = 120 - core - rz - oy
    return {
        "actors.coalition_core.seats": core,
        "actors.religious_zionism.seats": rz,
        "actors.otzma_yehudit.seats": oy,
        "actors.opposition.seats": opposition,
        "actors.opposition.safety_net_seats": draw(st.integers(0, min(30, opposition))),
        "actors.israel.side_payments": draw(st.floats(0, 1)),
    } | {
        f"actors.{party}.{key}": draw(st.floats(0, 1))
        for party in ("religious_zionism", "otzma_yehudit")
        for key in ("office_value", "exit_credibility", "payment_acceptance")
    }


@settings(max_examples=60, deadline=None, derandomize=True)
@given(terms=terms_st, coalition=coalitions(), c0=st.floats(0, 1), more=st.floats(0, 1))
@example(terms=CROSSING, coalition=SMALL_NET, c0=0.0, more=1.0)  # random shapes seldom meet this one
def test_a_credible_safety_net_never_raises_the_chance_of_a_fall_whatever_the_seats(
    baseline, terms, coalition, c0, more
):
    """A net too small to replace every partner at risk must not make partners quit more readily
    (on 200 worlds at once: the posterior's draws of the partners' red lines and the government's values)."""
    n = 200

    def fall(c):
        m = TruceModel(baseline.with_values(coalition | {"actors.opposition.safety_net_credibility": c}), n, rng=0)
        return m.coalition.fall_probability(np.tile(np.array(terms, float), (n, 1)), np.arange(n), np.zeros(n))

    assert (fall(min(1.0, c0 + more)) <= fall(c0) + TOL).all()


def test_us_pressure_never_lowers_government_acceptance_with_a_small_net(baseline):
    """US pressure makes the net more credible (the opposition's ``sensitivity_us``); with a net too small
    to replace both partners, that must not make the government less willing (200 worlds)."""
    n = 200
    values = SMALL_NET | {
        "actors.opposition.safety_net_credibility": 0.0,
        "actors.opposition.sensitivity_us": 1.0,
        "actors.israel.survival_weight": 3.0,
        "actors.otzma_yehudit.exit_credibility": 1.0,
        "actors.religious_zionism.exit_credibility": 1.0,
    }
    terms = np.tile(np.array(CROSSING, float), (n, 1))
    p = [
        TruceModel(
            baseline.with_values(values | {"context.us_pressure": us}), n, rng=0
        ).government.decision_probability(terms, np.arange(n))
        for us in (0.2, 0.5, 0.8)
    ]
    for low, high in itertools.pairwise(p):
        assert (high >= low - TOL).all()


@pytest.mark.parametrize("shape", [{}, SMALL_NET], ids=["baseline", "small-net"])
def test_a_credible_safety_net_never_lowers_ratification_world_by_world(baseline, shape):
    """Carried home on the same worlds (same draws), a deal ratified under a net of credibility c is
    ratified under any more credible net: the deal vote and the confidence vote, not only the fall."""
    n = 4_000
    terms = np.tile(np.array(CROSSING, float), (n, 1))
    idx = np.arange(n)
    ratified = []
    for c in (0.0, 0.4, 1.0):
        m = TruceModel(baseline.with_values(shape | {"actors.opposition.safety_net_credibility": c}), n, rng=5)
        ratified.append(m.coalition.ratify(terms, idx, m.government.pressure(idx), m.streams).ratified)
    for low, high in itertools.pairwise(ratified):
        assert not (low & ~high).any()
    assert ratified[0].mean() < ratified[-1].mean()  # the net matters on these worlds


def test_safety_net_raises_deals_in_simulation(baseline):
    """The statics hold in whole runs too (20,000 worlds, fixed seed)."""
    from trucesim.run.simulate import simulate

    base = simulate(baseline, 20_000, seed=11)
    net = simulate(baseline.with_values({"actors.opposition.safety_net_credibility": 0.9}), 20_000, seed=11)
    assert net["government_fell"].mean() <= base["government_fell"].mean()
    assert net["deal"].mean() > base["deal"].mean()


def test_statics_hold_at_later_rounds_too(baseline):
    """The brief's statics hold 'at any round': on 3,000 worlds run to days 3, 20 and 60 (revised texts,
    missed deadlines, deaths, the offensive, costs accumulated), each concession and each demand moves
    both sides' acceptance of the text on the table the stated way, in every world still negotiating."""
    from trucesim.config.terms import SCALES

    m = TruceModel(baseline, 3_000, rng=5, collect=False)
    later = 0
    for day in (3, 20, 60):
        m.run_until(day)
        idx = np.flatnonzero(m.talks.status == m.NEGOTIATING)
        later += int((m.talks.round[idx] >= 2).sum())
        t0 = m.talks.terms[idx].copy()
        g0, h0 = m.government.decision_probability(t0, idx), m.armed_group.decision_probability(t0, idx)
        for name in CONCESSIONS + DEMANDS:
            j = TERM_INDEX[name]
            t1 = t0.copy()
            t1[:, j] += 1.0 if name in ("hostages_released", "remains_released") else 0.1 * SCALES[j]
            g1, h1 = m.government.decision_probability(t1, idx), m.armed_group.decision_probability(t1, idx)
            sign = 1.0 if name in CONCESSIONS else -1.0
            assert (sign * (h1 - h0) >= -TOL).all(), (day, name)
            assert (sign * (g0 - g1) >= -TOL).all(), (day, name)
    assert later > 100  # revised texts were on the table

"""Comparative statics of docs/ODD.md (section 1) as property tests: everything else equal, acceptance moves
the stated way when one term or pressure changes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
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


@settings(max_examples=60, deadline=None)
@given(context=context_st, terms=terms_st, name=st.sampled_from(CONCESSIONS), share=st.floats(0.01, 1))
def test_concessions_raise_hamas_and_lower_government_acceptance(baseline, context, terms, name, share):
    g0, h0 = probabilities(baseline, context, terms)
    g1, h1 = probabilities(baseline, context, raised(terms, name, share))
    assert h1 >= h0 - TOL, (name, h0, h1)
    assert g1 <= g0 + TOL, (name, g0, g1)


@settings(max_examples=60, deadline=None)
@given(context=context_st, terms=terms_st, name=st.sampled_from(DEMANDS), share=st.floats(0.01, 1))
def test_more_demanded_of_hamas(baseline, context, terms, name, share):
    g0, h0 = probabilities(baseline, context, terms)
    g1, h1 = probabilities(baseline, context, raised(terms, name, share))
    assert h1 <= h0 + TOL, (name, h0, h1)  # Hamas never more willing
    assert g1 >= g0 - TOL, (name, g0, g1)  # the government never less willing


@settings(max_examples=60, deadline=None)
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


@settings(max_examples=60, deadline=None)
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


def test_safety_net_raises_deals_in_simulation(baseline):
    """The statics hold in whole runs too (20,000 worlds, fixed seed)."""
    from trucesim.run.simulate import simulate

    base = simulate(baseline, 20_000, seed=11)
    net = simulate(baseline.with_values({"actors.opposition.safety_net_credibility": 0.9}), 20_000, seed=11)
    assert net["government_fell"].mean() <= base["government_fell"].mean()
    assert net["deal"].mean() > base["deal"].mean()

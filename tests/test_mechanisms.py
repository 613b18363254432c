"""Unit tests for each mechanism of the model (docs/ODD.md, section 7, 'Submodels')."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import expit

from trucesim.config.terms import HOSTAGES, TERM_INDEX, normalise
from trucesim.model.acceptance import ACCEPT
from trucesim.model.hostages import binomial_inverse
from trucesim.model.model import DAILY_SERIES, TruceModel


def model(scenario, n=200, seed=0, **over):
    return TruceModel(scenario, n, rng=seed, overrides=over or None)


def framework(m, idx):
    return m.terms[idx].copy()


def with_permanent_ceasefire(m, idx):
    """The framework with a binding end of the war: crosses both far-right parties' red lines."""
    t = framework(m, idx)
    t[:, TERM_INDEX["permanent_ceasefire"]] = 1.0
    return t


# --- utility and logit acceptance ---------------------------------------------------------


def test_utility_is_weighted_closeness_plus_truce_value(baseline):
    m = model(baseline, 5)
    idx = np.arange(5)
    g = m.government
    t = framework(m, idx)
    x = normalise(t, m.armed_group.living[idx])
    w = g.weights[0]
    expected = (1 - np.abs(x - g.ideal[0])) @ w + 0.05
    assert np.allclose(g.utility(t, idx), expected)
    assert np.isclose(w.sum(), 1.0)


def test_acceptance_is_logit_of_utility_minus_reservation(baseline):
    m = model(baseline, 5)
    idx = np.arange(5)
    h = m.armed_group
    t = framework(m, idx)
    gap = h.utility(t, idx) - h.reservation(idx)
    assert np.allclose(h.accept_probability(t, idx), expit(h.rationality[idx] * gap))


def test_large_rationality_is_near_deterministic(baseline):
    m = model(baseline, 2000, **{"actors.israel.rationality": 1000.0})
    idx = np.arange(2000)
    t = framework(m, idx)
    t[:, 0] = np.linspace(0, 120, 2000)  # pause lengths from none to four months
    gap = m.government.gap(t, idx)
    p = m.government.accept_probability(t, idx)
    clear = np.abs(gap) > 0.02
    assert clear.mean() > 0.8
    assert ((p[clear] < 1e-6) | (p[clear] > 1 - 1e-6)).all()
    assert ((p > 0.5) == (gap > 0)).all()


def test_noise_is_drawn_once_per_round_not_per_day(baseline):
    # Each side answers each tabled proposal once: answers never exceed rounds.
    m = model(baseline, 3000).run()
    g, h = m.government, m.armed_group
    answers_g = g.counters + g.rejections + (g.accepted_any & ~m.deal)
    assert (g.counters + g.rejections <= m.round).all()
    assert (h.counters + h.rejections <= m.round).all()
    assert (answers_g <= m.round).all()


# --- pressures ------------------------------------------------------------------------------


def test_government_reservation_falls_with_family_and_us_pressure(baseline):
    idx = np.arange(50)
    r0 = model(baseline, 50).government.reservation(idx)
    r_us = model(baseline, 50, **{"context.us_pressure": 0.9}).government.reservation(idx)
    r_fam = model(baseline, 50, **{"context.family_pressure": 0.95}).government.reservation(idx)
    assert (r_us < r0).all() and (r_fam < r0).all()


def test_hamas_reservation_moves_with_pressures_and_patience(baseline):
    idx = np.arange(50)
    r0 = model(baseline, 50).armed_group.reservation(idx)
    assert (model(baseline, 50, **{"context.military_pressure": 0.9}).armed_group.reservation(idx) < r0).all()
    assert (model(baseline, 50, **{"context.humanitarian_crisis": 1.0}).armed_group.reservation(idx) < r0).all()
    assert (model(baseline, 50, **{"context.international_isolation": 0.95}).armed_group.reservation(idx) > r0).all()


def test_daily_pressures_evolve(baseline):
    m = model(baseline, 500).run()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == m.horizon + 1 and list(df.columns) == list(DAILY_SERIES)
    assert df["family_pressure_mean"].iloc[-1] > df["family_pressure_mean"].iloc[0]
    assert df["isolation_mean"].iloc[-1] > df["isolation_mean"].iloc[0]
    assert df["pressure_on_government"].iloc[-1] > df["pressure_on_government"].iloc[0]  # deadlines, the offensive
    assert df["living_hostages"].is_monotonic_decreasing


# --- two-level ratification -----------------------------------------------------------------


#: partners who weigh neither office nor US pressure, and no side payments: exits by credibility alone
PLAIN_PARTNERS = {
    **{
        f"actors.{p}.{k}": 0.0
        for p in ("otzma_yehudit", "religious_zionism")
        for k in ("office_value", "sensitivity_us")
    },
    "actors.israel.side_payments": 0.0,
    "actors.opposition.sensitivity_us": 0.0,
}


def test_fall_probability_closed_form(baseline):
    # terms that cross both far-right parties' red lines (a permanent ceasefire)
    over = {
        **PLAIN_PARTNERS,
        "actors.otzma_yehudit.exit_credibility": 1.0,
        "actors.religious_zionism.exit_credibility": 0.0,
        "actors.opposition.safety_net_credibility": 0.0,
    }
    m = model(baseline, 10, **over)
    idx = np.arange(10)
    us = np.zeros(10)
    t = with_permanent_ceasefire(m, idx)
    assert np.allclose(m.coalition.fall_probability(t, idx, us), 1.0)  # 64 - 6 = 58 < 61
    m2 = model(baseline, 10, **{**over, "actors.opposition.safety_net_credibility": 0.8})
    assert np.allclose(m2.coalition.fall_probability(t, idx, us), 0.2)  # the net carries it 80% of the time
    m3 = model(
        baseline,
        10,
        **{**over, "actors.otzma_yehudit.exit_credibility": 0.5, "actors.religious_zionism.exit_credibility": 0.5},
    )
    assert np.allclose(m3.coalition.fall_probability(t, idx, us), 0.75)  # any of two quits
    # a pivotal partner weighs office: 1 - 0.4 of its threat is left
    m4 = model(baseline, 10, **{**over, "actors.otzma_yehudit.office_value": 0.4})
    assert np.allclose(m4.coalition.fall_probability(t, idx, us), 0.6)
    # a side payment offered for sure and taken half the time keeps it half the time
    pay = {"actors.israel.side_payments": 1.0, "actors.otzma_yehudit.payment_acceptance": 0.5}
    m5 = model(baseline, 10, **{**over, **pay})
    assert np.allclose(m5.coalition.fall_probability(t, idx, us), 0.5)
    # US pressure of 0.5 reaching a partner with sensitivity 0.6 removes 30% of its threat
    m6 = model(baseline, 10, **{**over, "actors.otzma_yehudit.sensitivity_us": 0.6})
    assert np.allclose(m6.coalition.fall_probability(t, idx, np.full(10, 0.5)), 0.7)
    t0 = framework(m, idx)
    t0[:, TERM_INDEX["pause_days"]] = 1
    t0[:, TERM_INDEX["prisoners_per_hostage"]] = 1
    assert np.allclose(m.coalition.fall_probability(t0, idx, us), 0.0)  # no red line crossed


def test_ratify_seat_arithmetic_and_safety_net(baseline):
    over = {
        **PLAIN_PARTNERS,
        "actors.otzma_yehudit.exit_credibility": 1.0,
        "actors.religious_zionism.exit_credibility": 1.0,
        "actors.opposition.safety_net_credibility": 1.0,
    }
    m = model(baseline, 20, **over)
    idx = np.arange(20)
    us = np.zeros(20)
    t = with_permanent_ceasefire(m, idx)
    r = m.coalition.ratify(t, idx, us, m.streams)
    assert all(q.all() for q in r.quitters[1:]) and not r.quitters[0].any()  # the core stays
    assert m.coalition.seats(idx)[0] == 51
    assert r.ratified.all() and r.net_used.all() and not r.fell.any()  # 51 + 24 >= 61
    m2 = model(baseline, 20, **{**over, "actors.opposition.safety_net_credibility": 0.0})
    r = m2.coalition.ratify(t, idx, us, m2.streams)
    assert r.fell.all() and not r.ratified.any() and not r.net_used.any()


def test_government_weighs_its_survival(baseline):
    idx = np.arange(100)
    sure = {
        "actors.otzma_yehudit.exit_credibility": 1.0,
        "actors.opposition.safety_net_credibility": 0.0,
        "actors.otzma_yehudit.red_lines.pause_days": 10.0,
    }
    fearless = model(baseline, 100, **{**sure, "actors.israel.survival_weight": 0.0})
    fearful = model(baseline, 100, **sure)
    t = framework(fearful, idx)
    assert (fearful.government.decision_probability(t, idx) < fearless.government.decision_probability(t, idx)).all()


def test_a_government_fall_ends_the_talks(baseline):
    over = {
        **PLAIN_PARTNERS,
        "actors.otzma_yehudit.exit_credibility": 1.0,
        "actors.opposition.safety_net_credibility": 0.0,
        "actors.otzma_yehudit.red_lines.pause_days": 1.0,
        "actors.israel.survival_weight": 0.0,
        "actors.israel.reservation": 0.0,
        "actors.hamas.reservation": -1.0,
        "terms.hostages_released": 10,
    }
    m = model(baseline, 300, **over).run()
    assert m.government.fell.mean() > 0.9
    assert not (m.deal & m.government.fell).any()
    otzma = next(p for p in m.coalition.parties if p.actor_id == "otzma_yehudit")
    assert (otzma.exited == m.government.fell).all()


# --- hostages -------------------------------------------------------------------------------


def test_binomial_inverse_is_binomial():
    rng = np.random.default_rng(3)
    n, p = 40, 0.05
    u = rng.random(200_000)
    k = binomial_inverse(u, np.full(u.size, n), np.full(u.size, p), np.full(u.size, (1 - p) ** n))
    observed = np.bincount(k, minlength=n + 1)[:8]
    expected = stats.binom.pmf(np.arange(8), n, p) * u.size
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert chi2 < stats.chi2.ppf(0.999, 7)


def test_no_deaths_during_a_pause_and_more_under_offensive(baseline):
    quick = {
        "actors.israel.reservation": 0.0,
        "actors.hamas.reservation": -1.0,
        "actors.otzma_yehudit.exit_credibility": 0.0,
        "actors.religious_zionism.exit_credibility": 0.0,
        "terms.hostages_released": 10,
        "terms.pause_days": 300,
        "context.hostage_daily_hazard": 0.01,
    }
    m = model(baseline, 500, **quick)
    m.run_until(20)
    deal = m.deal.copy()
    died = m.armed_group.died.copy()
    m.run_until(60)
    assert deal.mean() > 0.9
    paused = deal & (m.status == m.PAUSE)
    assert (m.armed_group.died[paused] == died[paused]).all()
    calm = model(baseline, 2000, **{"actors.israel.offensive_daily_prob": 0.0}).run()
    hot = model(
        baseline, 2000, **{"actors.israel.offensive_daily_prob": 1.0, "context.offensive_hazard_multiplier": 4.0}
    ).run()
    assert hot.armed_group.died.mean() > calm.armed_group.died.mean() + 5


def test_demand_beyond_available_hostages_cannot_be_accepted(baseline):
    m = model(baseline, 200, **{"context.category_share": 0.3})  # 95 living -> 28 available
    idx = np.arange(200)
    t = framework(m, idx)
    assert (t[:, HOSTAGES] > m.armed_group.available(idx)).all()
    assert (m.armed_group.decision_probability(t, idx) == 0).all()
    counter = m.armed_group.counter_proposal(t, idx)
    assert (counter[:, HOSTAGES] <= m.armed_group.available(idx)).all()


def test_releases_lower_leverage(baseline):
    m = model(baseline, 10)
    idx = np.arange(10)
    before = m.armed_group.leverage(idx).copy()
    m.armed_group.release(idx, np.full(10, 20))
    assert (m.armed_group.leverage(idx) < before).all() and (m.armed_group.released == 20).all()


# --- mediation ------------------------------------------------------------------------------


def test_revision_moves_toward_the_refusing_side(baseline):
    m = model(baseline, 2000, **{"context.category_share": 0.5}).run()
    # where a deal came after revisions, the terms moved toward Hamas on permanence and withdrawal
    revised = m.deal & (m.round > 1)
    assert revised.sum() > 10
    st = m.signed_terms[revised]
    assert st[:, TERM_INDEX["permanent_ceasefire"]].mean() > 0
    assert st[:, TERM_INDEX["withdrawal"]].mean() > 0


def test_mediators_walk_away_after_max_rounds(baseline):
    m = model(baseline, 1000, **{"protocol.max_rounds": 2, "protocol.walk_away_prob": 0.0}).run()
    assert m.round.max() <= 2
    assert m.walked_away.mean() > 0.5
    assert (m.status[m.walked_away] == m.ENDED).all()


def test_deadline_is_a_mesa_event_and_counts_misses(baseline):
    m = model(baseline, 500)
    events = list(m._event_list._events) if hasattr(m._event_list, "_events") else None
    m.run_until(2)
    assert m.deadlines_missed.sum() > 0  # Hamas takes 3-10 days to study the offer
    assert m.talks_failed[m.deadlines_missed > 0].all()
    assert events is None or any(getattr(e, "time", None) == 2.0 for e in events)


def test_a_lost_deal_vote_is_no_missed_deadline(baseline):
    """ODD 7.2(5): a vote lost on a text both sides accepted sends the text back to the mediators; it raises
    no pressure (no missed deadline), does not open the way to the offensive, and the net carried nothing."""
    from trucesim.model import mediation

    over = {"actors.coalition_core.red_lines.pause_days": 10.0, "actors.coalition_core.exit_credibility": 0.0}
    m = model(baseline, 2000, seed=2, **over)
    m.run_until(1)  # day 1: the first text's deadline (day 2) is still ahead
    idx = np.flatnonzero((m.status == m.NEGOTIATING) & (m.talks.next_table_day == -1))
    assert idx.size > 1000 and not m.deadlines_missed[idx].any() and not m.talks_failed[idx].any()
    m.government.answer_state[idx] = ACCEPT
    m.armed_group.answer_state[idx] = ACCEPT
    mediation.resolve(m, idx)
    lost = idx[m.talks.votes_lost[idx] > 0]
    assert lost.size > 500  # the core (51 seats) stays and votes against a pause beyond its line
    assert not m.deadlines_missed[lost].any() and not m.talks_failed[lost].any()
    stayed = lost[~np.any([party.exited[lost] for party in m.coalition.parties], axis=0)]
    assert stayed.size > 500 and not m.coalition.opposition.net_used[stayed].any()  # a majority held: no net needed
    revised = lost[~m.walked_away[lost]]
    assert revised.size and (m.talks.next_table_day[revised] > m.day).all()


# --- the deal lifecycle ---------------------------------------------------------------------


def lifecycle(baseline, n=2000, **extra):
    easy = {
        "actors.israel.reservation": 0.0,
        "actors.hamas.reservation": -1.0,
        "actors.otzma_yehudit.exit_credibility": 0.0,
        "actors.religious_zionism.exit_credibility": 0.0,
        "terms.hostages_released": 20,
    }
    return model(baseline, n, **{**easy, **extra}).run()


def test_releases_in_instalments_add_up(baseline):
    m = lifecycle(baseline, **{"actors.israel.breach_daily": 0.0, "actors.hamas.breach_daily": 0.0})
    assert m.deal.mean() > 0.95
    done = m.pause_completed
    assert done.mean() > 0.9
    # every world that completed its pause released the 20 agreed (and all the rest on a permanent end)
    assert (m.armed_group.released[done & ~m.permanent] == 20).all()
    assert (m.armed_group.living[m.permanent] == 0).all()


def test_breaches_collapse_the_pause(baseline):
    m = lifecycle(baseline, **{"actors.hamas.breach_daily": 0.2, "terms.guarantees": 0.0})
    assert m.deal.mean() > 0.95
    broken = m.deal & ~m.pause_completed & ~np.isnan(m.collapse_day)
    assert broken.mean() > 0.9
    assert (m.breach_by[broken] > 0).all()
    assert (m.collapse_day[broken] < m.pause_end[broken]).all()


def test_guarantees_lower_breaches(baseline):
    weak = lifecycle(baseline, **{"terms.guarantees": 0.0})
    strong = lifecycle(baseline, **{"terms.guarantees": 1.0})
    assert (strong.breach_by > 0).mean() < (weak.breach_by > 0).mean()


def test_permanence_commitment_raises_the_permanent_end(baseline):
    pause_only = lifecycle(baseline, **{"terms.permanent_ceasefire": 0.0, "terms.guarantees": 1.0})
    binding = lifecycle(baseline, **{"terms.permanent_ceasefire": 1.0, "terms.guarantees": 1.0})
    assert binding.permanent.mean() > pause_only.permanent.mean()


def test_pause_extension_november(baseline):
    from trucesim.config.scenario import load_scenario

    from .conftest import NOVEMBER

    m = TruceModel(load_scenario(NOVEMBER), 3000, rng=2).run()
    ext = m.extensions[m.deal]
    # up to ten days in all; extensions happen (about 0.4 days a deal: the record's three are a known gap)
    assert ext.max() <= 6 and ext.mean() > 0.3
    assert np.allclose(m.signed_terms[m.deal, 0], m.terms[m.deal, 0] + ext)  # a day per extension


def test_outcome_flags_are_consistent(baseline):
    m = model(baseline, 5000, seed=4).run()
    assert not (m.permanent & ~m.pause_completed).any()
    assert not (~m.deal & (m.armed_group.released > 0)).any()
    assert ((m.armed_group.released + m.armed_group.died + m.armed_group.living) == 95).all()
    assert (m.gov_answer[m.deal] == ACCEPT).all() and (m.ag_answer[m.deal] == ACCEPT).all()


def test_trace_records_one_world_as_events(baseline):
    from trucesim.model.events import KINDS, render_story

    m = TruceModel(baseline, 50, rng=1, trace_world=7).run()
    first = m.trace[0]
    assert (first.day, first.world, first.kind, first.values["round"]) == (0, 7, "tabled", 1)
    assert first.values["terms"]["pause_days"] == 42
    assert {e.world for e in m.trace} == {7}
    assert {e.kind for e in m.trace} <= set(KINDS)
    assert [e.day for e in m.trace] == sorted(e.day for e in m.trace)
    answers = [e for e in m.trace if e.kind == "answer"]
    assert answers and all(e.actor in (m.government.actor_id, m.armed_group.actor_id) for e in answers)
    text = "\n".join(t for _, t in render_story(m.trace, baseline.labels))
    assert "mediators table proposal 1 (deadline day 2)" in text
    assert f"{baseline.labels['hamas']} " in text


def test_tracing_changes_no_outcome(baseline):
    a = TruceModel(baseline, 300, rng=5).run()
    b = TruceModel(baseline, 300, rng=5, trace_world=11).run()
    assert a.trace == [] and b.trace
    for name in ("deal", "deal_day", "status", "round", "collapse_day"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_actor_table_order_changes_nothing(tmp_path):
    from trucesim.config.scenario import load_scenario

    from .conftest import BASELINE

    text = BASELINE.read_text()
    a, b = text.index("[actors.religious_zionism]"), text.index("[actors.otzma_yehudit]")
    end = text.index("[actors.opposition]")
    swapped = text[:a] + text[b:end] + text[a:b] + text[end:]
    p = tmp_path / "swapped.toml"
    p.write_text(swapped)
    one = TruceModel(load_scenario(BASELINE), 3000, rng=1).run()
    two = TruceModel(load_scenario(p), 3000, rng=1).run()
    assert (one.deal == two.deal).all()
    assert all((x.exited == y.exited).all() for x, y in zip(one.coalition.parties, two.coalition.parties))


def test_a_coalition_short_of_a_majority_is_known_to_be_at_risk(baseline):
    over = {"actors.coalition_core.seats": 40.0, "actors.opposition.safety_net_credibility": 0.0}
    m = model(baseline, 10, **over)  # 40 + 7 + 6 = 53 < 61 before anyone quits
    idx = np.arange(10)
    t = framework(m, idx)
    t[:, TERM_INDEX["pause_days"]] = 1
    t[:, TERM_INDEX["prisoners_per_hostage"]] = 1  # no red line crossed
    us = np.zeros(10)
    assert np.allclose(m.coalition.fall_probability(t, idx, us), 1.0)
    assert m.coalition.ratify(t, idx, us, m.streams).fell.all()


def test_releases_come_out_of_the_agreed_categories(baseline):
    m = model(baseline, 10, **{"context.category_share": 0.5})  # 95 living: 47 in the categories
    idx = np.arange(10)
    assert (m.armed_group.available(idx) == 47).all()
    m.armed_group.release(idx, np.full(10, 40))
    assert (m.armed_group.available(idx) == 7).all()  # not floor(0.5 * 55) = 27


def test_red_lines_shared_by_all_worlds_cross_as_per_world_ones(baseline):
    """A scenario whose red lines are plain numbers (one shared row) runs, and crosses where per-world ones do.

    Such a scenario used to fail on its first ratification (a row of booleans read in the wrong order).
    """
    keys = [
        f"actors.{p}.red_lines.{t}"
        for p in ("otzma_yehudit", "religious_zionism")
        for t in ("pause_days", "prisoners_per_hostage")
    ]
    fixed = {k: (30.0 if "pause" in k else 20.0) for k in keys}
    shared = TruceModel(baseline, 300, rng=4, overrides=fixed)
    per_world = TruceModel(baseline, 300, rng=4, overrides={k: np.full(300, v) for k, v in fixed.items()})
    terms = shared.terms.copy()  # the framework as tabled, with pauses and prices on both sides of the lines
    rng = np.random.default_rng(0)
    terms[:, TERM_INDEX["pause_days"]] = rng.uniform(0, 60, 300)
    terms[:, TERM_INDEX["prisoners_per_hostage"]] = rng.uniform(0, 40, 300)
    idx = np.arange(300)
    lined = [(a, b) for a, b in zip(shared.coalition.parties, per_world.coalition.parties) if a.line_terms.size]
    assert len(lined) == 2
    for a, b in lined:
        assert a.red_lines.shape[0] == 1 and b.red_lines.shape[0] == 300
        crossed = a.crossed(terms, idx)
        assert 0 < crossed.mean() < 1 and (crossed == b.crossed(terms, idx)).all()
    shared.run()
    assert TruceModel(baseline, 1, rng=4, overrides=fixed).run().n_worlds == 1


def test_the_story_of_a_binding_end_says_who_is_still_held(baseline):
    """A binding end without a release-all clause leaves the living hostages held: the story says so."""
    from trucesim.model.events import render

    over = {"terms.permanent_ceasefire": 1.0, "terms.guarantees": 1.0, "terms.release_all": 0.0}
    m = model(baseline, 3000, seed=1, **over).run()
    w = int(np.flatnonzero(m.pause.permanent & (m.armed_group.living > 0))[0])
    traced = TruceModel(baseline, 3000, rng=1, overrides=over, trace_world=w).run()
    end = [e for e in traced.trace if e.kind == "permanent_end"]
    assert len(end) == 1 and end[0].values == {"how": "binding", "all_released": False, "held": m.armed_group.living[w]}
    sentence = render(end[0])
    assert f"{m.armed_group.living[w]} living hostages still held" in sentence and "are released" not in sentence


def test_the_story_gives_the_probability_an_answer_was_drawn_with(baseline):
    """An answer at the deadline is drawn with the deadline's stakes in the gap: the trace shows that
    probability, not the stake-free one."""
    over = {"actors.hamas.deadline_cost": 1.0, "terms.hostages_released": 10}
    m = model(baseline, 500, seed=0, **over)
    idx = np.arange(500)
    stake_free = m.armed_group.decision_probability(m.terms[idx], idx)
    w = int(np.argmin(stake_free))
    assert stake_free[w] < 0.2
    traced = TruceModel(baseline, 500, rng=0, overrides=over, trace_world=w).run()
    first = next(e for e in traced.trace if e.kind == "answer" and e.actor == "hamas")
    assert first.values["answer"] == "accept" and first.values["p"] > 0.9

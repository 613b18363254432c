"""The revised model (docs/ODD.md, sections 7.2-7.7): what must hold at 20,000 worlds and a fixed seed,
and each new mechanism on its own."""

from __future__ import annotations

import numpy as np
import pytest

from trucesim.config.scenario import load_scenario
from trucesim.config.terms import HOSTAGES, REMAINS, TERM_INDEX
from trucesim.model.model import TruceModel
from trucesim.model.phase_two import phase_two_text
from trucesim.run.metrics import summarize
from trucesim.run.simulate import simulate

from .conftest import BASELINE, NOVEMBER

WORLDS = 20_000
SEED = 2024
#: US, family and military pressure and the humanitarian crisis all at 0.9 (the safety net as shipped)
STRONG = {f"context.{k}": 0.9 for k in ("us_pressure", "family_pressure", "military_pressure", "humanitarian_crisis")}


def summary(path, values=None):
    s = load_scenario(path)
    if values:
        s = s.with_values(values)
    return summarize(simulate(s, WORLDS, SEED), s, SEED)


@pytest.fixture(scope="module")
def april():
    return summary(BASELINE)


@pytest.fixture(scope="module")
def november():
    return summary(NOVEMBER)


# --- what must hold -------------------------------------------------------------------------------


def test_end_reasons_sum_to_one_and_match_the_deals(april):
    assert sum(april["end_reasons"].values()) == pytest.approx(1.0, abs=1e-5)
    assert april["end_reasons"]["deal"] == pytest.approx(april["p_deal"], abs=1e-6)
    assert sum(april["blockers"].values()) == pytest.approx(1.0, abs=1e-5)


def test_april_2024_hamas_is_the_main_gate(april):
    assert april["p_deal"] <= 0.25
    first = april["p_accept_first"]
    assert first["hamas"] < first["israel"]
    # Hamas stops the last round: it refuses the text, or counters asking for more living hostages
    # in the agreed categories than it holds (the article: it "does not have 40 hostages")
    blockers = april["blockers"]
    assert blockers["hamas_refused"] + blockers["demand_infeasible"] > 0.8, blockers
    assert max(blockers, key=lambda k: blockers[k]) in ("hamas_refused", "demand_infeasible"), blockers


def test_acceptances_bunch_near_deadlines(april):
    assert april["acceptances_near_deadline"] > 0.3


def test_november_2023_pause_is_far_likelier_than_april_2024_and_not_permanent(november, april):
    # the hand-set target (a deal in 80% of worlds) yielded to the fit to eleven rounds, ten without a
    # deal, with the sides' preferences shared by every round: the fitted model signs November 2023's
    # pause in about one world in eight, more than twice April 2024's (docs/validation.md)
    assert november["p_deal"] >= 2 * april["p_deal"]
    assert november["p_permanent"] <= 0.05
    per_deal = november["hostages_released_mean"] / november["p_deal"]
    assert 50 <= per_deal <= 125  # 50 in the first phase: extensions happen


def test_strong_pressure_on_both_sides_makes_a_deal_likelier(april):
    # hand-set before as p_deal >= 0.5; under the fitted model the mediators stop after most failed
    # texts, so strong pressure doubles the chance of a deal rather than making it likely
    assert summary(BASELINE, STRONG)["p_deal"] >= 2 * april["p_deal"]


def test_hamas_accepts_more_often_the_more_prisoners_per_hostage():
    """No artefact: over the whole talks, not only on the first text."""
    p = [summary(BASELINE, {"terms.prisoners_per_hostage": float(x)})["p_accept"]["hamas"] for x in (5, 20, 60)]
    assert p[2] > p[0] + 0.005, p
    assert p[1] >= p[0] - 0.01 and p[2] >= p[1] - 0.01, p


# --- two-level ratification ---------------------------------------------------------------------------


def test_a_small_partner_quits_and_the_government_survives(baseline):
    """A 68-seat coalition crosses the red line of a 6-seat partner, which quits for certain: 62 >= 61."""
    over = {
        "actors.coalition_core.seats": 55.0,
        "actors.otzma_yehudit.exit_credibility": 1.0,
        "actors.otzma_yehudit.red_lines.pause_days": 10.0,
        "actors.religious_zionism.exit_credibility": 0.0,
        "actors.opposition.safety_net_credibility": 0.0,
        "actors.opposition.sensitivity_us": 0.0,
    }
    m = TruceModel(baseline, 500, rng=3, overrides=over)
    idx = np.arange(500)
    r = m.coalition.ratify(m.terms[idx].copy(), idx, np.zeros(500), m.streams)
    otzma = [p.actor_id for p in m.coalition.parties].index("otzma_yehudit")
    assert r.quitters[otzma].all() and not r.fell.any() and r.ratified.all()
    assert np.allclose(m.coalition.fall_probability(m.terms[idx], idx, np.zeros(500)), 0.0)


def test_a_side_payment_keeps_a_pivotal_partner_and_binds_the_later_phase(baseline):
    over = {
        "actors.otzma_yehudit.exit_credibility": 1.0,
        "actors.otzma_yehudit.office_value": 0.0,
        "actors.otzma_yehudit.sensitivity_us": 0.0,
        "actors.otzma_yehudit.payment_acceptance": 1.0,
        "actors.israel.side_payments": 1.0,
        "actors.religious_zionism.exit_credibility": 0.0,
        "actors.opposition.safety_net_credibility": 0.0,
        "actors.opposition.sensitivity_us": 0.0,
    }
    m = TruceModel(baseline, 200, rng=1, overrides=over)
    idx = np.arange(200)
    us = np.zeros(200)
    t = m.terms[idx].copy()
    t[:, TERM_INDEX["permanent_ceasefire"]] = 1.0
    r = m.coalition.ratify(t, idx, us, m.streams)
    otzma = next(p for p in m.coalition.parties if p.actor_id == "otzma_yehudit")
    assert r.ratified.all() and not r.fell.any() and otzma.promised.all() and not otzma.exited.any()
    # the promise binds: a permanent end crossing its red line makes it quit for certain, and 58 < 61
    assert np.allclose(m.coalition.fall_probability(t, idx, us, binding=True), 1.0)
    assert m.coalition.ratify(t, idx, us, m.streams, binding=True).fell.all()


def test_a_side_payment_binds_nothing_when_the_deal_vote_is_lost(baseline):
    """A 10-seat core, a 5-seat partner that takes the payment and a 50-seat partner that stays and votes
    against: 15 against 50 in the cabinet, no net, so the vote is lost and no pause comes for the promise to end."""
    over = {
        "actors.coalition_core.seats": 10.0,
        "actors.otzma_yehudit.seats": 5.0,
        "actors.religious_zionism.seats": 50.0,
        "actors.opposition.seats": 55.0,
        "actors.opposition.safety_net_seats": 0.0,
        "actors.otzma_yehudit.payment_acceptance": 1.0,
        "actors.religious_zionism.payment_acceptance": 0.0,
        "actors.religious_zionism.exit_credibility": 0.0,
        "actors.israel.side_payments": 1.0,
    }
    m = TruceModel(baseline, 200, rng=1, overrides=over)
    idx = np.arange(200)
    t = m.terms[idx].copy()
    t[:, TERM_INDEX["permanent_ceasefire"]] = 1.0  # crosses both partners' red lines
    r = m.coalition.ratify(t, idx, np.zeros(200), m.streams)
    otzma = [p.actor_id for p in m.coalition.parties].index("otzma_yehudit")
    assert r.vote_lost.all() and not r.fell.any() and not r.quitters[otzma].any()
    assert not r.promised[otzma].any() and not m.coalition.parties[otzma].promised.any()


# --- the single negotiating text ------------------------------------------------------------------------


def test_revisions_never_ask_more_than_the_holding_side_can_deliver(baseline):
    m = TruceModel(baseline, 5000, rng=5)
    checked = 0
    for day in range(1, 90):
        m.run_until(day)
        tabled = (m.round > 1) & (m.deadline_day == day + m.deadline_days) & (m.status == m.NEGOTIATING)
        checked += tabled.sum()
        assert (m.terms[tabled, HOSTAGES] <= m.armed_group.available(np.flatnonzero(tabled))).all()
        assert (m.terms[tabled, REMAINS] <= m.armed_group.remains_held[tabled]).all()
    assert checked > 1000


def test_a_revision_always_moves_when_a_side_refuses(baseline):
    m = TruceModel(baseline, 2000, rng=7)
    before = m.terms.copy()
    m.run_until(m.deadline_days)  # the first round has failed or been agreed in every world
    revised = m.next_table_day > 0
    assert revised.mean() > 0.2  # the others were agreed, or the mediators walked away
    moved = np.abs(m.terms[revised] - before[revised]).max(axis=1) > 0
    assert moved.all()


# --- deadlines, ripeness, the later phase ------------------------------------------------------------


def test_answers_come_by_the_deadline(baseline):
    m = TruceModel(baseline, 2000, rng=2)
    assert (m.gov_due <= m.deadline_day).all() and (m.ag_due <= m.deadline_day).all()
    m.run_until(m.deadline_days)
    assert (m.round == 1).all() and not ((m.gov_answer == 0) & (m.status == m.NEGOTIATING)).any()


def test_accumulated_costs_push_reservations_below_the_pressure_floor(baseline):
    """Every pressure at its maximum gives a floor; costs that accumulate take the worth of war below it."""
    full = {f"context.{k}": 1.0 for k in ("us_pressure", "family_pressure", "international_isolation")}
    m = TruceModel(baseline, 500, rng=0, overrides={**full, "actors.israel.offensive_daily_prob": 0.0})
    idx = np.arange(500)
    floor = m.government.reservation(idx).max()
    m.run_until(150)
    fighting = idx[m.status == m.ENDED]
    assert fighting.size and (m.government.reservation(fighting) < floor - 0.02).all()


def test_a_pause_only_deal_has_no_later_phase_and_a_binding_end_sticks(baseline):
    easy = {
        "actors.israel.reservation": -1.0,
        "actors.hamas.reservation": -1.0,
        "terms.hostages_released": 10,
        "actors.otzma_yehudit.exit_credibility": 0.0,
        "actors.religious_zionism.exit_credibility": 0.0,
    }
    none = {"actors.israel.breach_daily": 0.0, "actors.hamas.breach_daily": 0.0}
    pause_only = TruceModel(baseline, 500, rng=1, overrides={**easy, **none}).run()
    assert pause_only.deal.mean() > 0.9 and not pause_only.permanent.any()
    binding = {**easy, **none, "terms.permanent_ceasefire": 1.0, "terms.release_all": 1.0}
    m = TruceModel(baseline, 500, rng=1, overrides=binding).run()
    gov_fell = m.government.fell
    assert (m.permanent == (m.deal & ~gov_fell)).all() and m.permanent.mean() > 0.5
    assert (m.armed_group.living[m.permanent] == 0).all()  # release_all: every hostage goes free


def test_the_phase_two_text_settles_the_war_and_releases_everyone(baseline):
    m = TruceModel(baseline, 10, rng=0)
    idx = np.arange(10)
    t2 = phase_two_text(m.armed_group, m.terms[idx], idx)
    assert (t2[:, TERM_INDEX["permanent_ceasefire"]] == 1).all() and (t2[:, TERM_INDEX["withdrawal"]] == 1).all()
    assert (t2[:, HOSTAGES] == m.armed_group.living).all() and (t2[:, REMAINS] == m.armed_group.remains_held).all()


def test_hostages_are_valued_over_the_whole_exchange(baseline):
    """Releasing the last hostages keeps its worth: the government's utility of a release does not
    depend on how few are left."""
    m = TruceModel(baseline, 2, rng=0)
    idx = np.arange(2)
    ag = m.armed_group
    ag.released[1] = ag.living[1] - 5
    ag.living[1] = 5
    t = m.terms[idx].copy()
    t[:, HOSTAGES] = [ag.living0[0], 5]
    u = m.government.utility(t, idx)
    assert u[1] == pytest.approx(u[0])  # all of them, in one text or over the whole exchange

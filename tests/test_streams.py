"""Synchronised random numbers: a world's numbers depend on the seed, the world and what a draw is for.

Every draw of the model is addressed (:mod:`trucesim.model.streams`), so these tests hold that:
a world is the same whichever chunk, group or model simulates it, and whatever the other worlds
do; a change that touches some worlds leaves the others as they were; two variants of a
scenario share their worlds (common random numbers), so a small change of terms changes few
worlds' outcomes; and the numbers themselves are uniform and unrelated across addresses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trucesim.config.scenario import load_scenario
from trucesim.model import streams as st
from trucesim.model.model import TruceModel
from trucesim.model.streams import Streams, model_streams, run_streams
from trucesim.run.chunks import chunk_groups
from trucesim.run.outcomes import outcome_table
from trucesim.run.simulate import run_chunk, simulate, trace_world

from .conftest import SCENARIOS

CHUNK = 1_500  # small chunks: enough worlds for deals, pauses, partners quitting and late answers


@pytest.mark.parametrize(
    "name", ["april-2024.toml", "november-2023.toml", "april-2024-uncertain.toml", "rounds/june-2025.toml"]
)
def test_a_run_is_the_same_whatever_the_chunks(name, monkeypatch):
    """Chunks of 1,500 one by one, in groups, and of 10,000: the same table to the last bit."""
    import trucesim.run.chunks as chunks

    scenario = load_scenario(SCENARIOS / name)
    worlds = 3 * CHUNK + 200
    grouped = simulate(scenario, worlds, seed=5, chunk_worlds=CHUNK)
    # the comparison can fail: another seed's worlds differ in most columns
    assert not grouped.equals(simulate(scenario, worlds, seed=6, chunk_worlds=CHUNK))
    pd.testing.assert_frame_equal(simulate(scenario, worlds, seed=5), grouped, check_exact=True)
    monkeypatch.setattr(chunks, "MODEL_WORLDS", CHUNK)
    pd.testing.assert_frame_equal(simulate(scenario, worlds, seed=5, chunk_worlds=CHUNK), grouped, check_exact=True)


def test_the_worlds_compared_exercise_every_mechanism():
    """The worlds compared above sign, pause, extend, breach, end the war, quit, lose votes and revise."""
    t = simulate(load_scenario(SCENARIOS / "april-2024-uncertain.toml"), 3 * CHUNK + 200, seed=5, chunk_worlds=CHUNK)
    for column in ("deal", "pause_completed", "permanent", "collapsed", "government_fell", "safety_net_used"):
        assert 0 < t[column].mean() < 1, column
    assert (t["rounds"] > 1).any() and (t["acceptances_near_deadline"] > 0).any() and (t["offensive"]).any()
    assert (t["remains_released"] > 0).any() and (t["hostages_died"] > 0).any()


def test_more_worlds_never_change_the_first():
    scenario = load_scenario(SCENARIOS / "april-2024.toml")
    small = simulate(scenario, 700, seed=3)
    large = simulate(scenario, 2_300, seed=3)
    pd.testing.assert_frame_equal(large.iloc[:700], small, check_exact=True)


def test_a_world_is_the_same_alone_and_among_others():
    """A traced world simulated alone tells the story it tells inside a chunk, with the same outcome row."""
    scenario = load_scenario(SCENARIOS / "april-2024.toml")
    world = 2 * CHUNK + 17
    together = run_chunk(scenario, 3, 0, CHUNK, trace_world=world, chunks=3)
    events, row = trace_world(scenario, world, seed=3)
    assert len(events) > 3
    assert [(e.day, e.actor, e.kind, e.values) for e in together.trace] == [
        (e.day, e.actor, e.kind, e.values) for e in events
    ]
    table = outcome_table(together)
    pd.testing.assert_series_equal(table.iloc[world], row, check_names=False)


def test_worlds_a_change_does_not_touch_stay_as_they_were():
    """Raising Hamas's reservation in the even worlds only leaves every odd world's outcome as it was."""
    scenario = load_scenario(SCENARIOS / "april-2024-uncertain.toml")
    n = 3_000
    model = TruceModel(scenario, n, rng=4)
    reservation = np.broadcast_to(model.params["actors.hamas.reservation"], (n,)).copy()  # as drawn per world
    base = outcome_table(model.run())
    reservation[::2] += 0.3
    changed = outcome_table(TruceModel(scenario, n, rng=4, overrides={"actors.hamas.reservation": reservation}).run())
    odd = slice(1, None, 2)
    pd.testing.assert_frame_equal(changed.iloc[odd], base.iloc[odd], check_exact=True)
    assert (changed["deal"].to_numpy()[::2] != base["deal"].to_numpy()[::2]).any()  # the change did something


def test_variants_share_their_worlds():
    """Common random numbers: a small change of terms changes few worlds, so paired differences are precise."""
    scenario = load_scenario(SCENARIOS / "april-2024.toml")
    base = simulate(scenario, 5_000, seed=1)["deal"].to_numpy()
    for values, least in (({"terms.prisoners_per_hostage": 20.0}, 0.8), ({"context.us_pressure": 0.6}, 0.6)):
        other = simulate(scenario.with_values(values), 5_000, seed=1)["deal"].to_numpy()
        assert np.corrcoef(base, other)[0, 1] >= least, values


def test_an_address_is_a_number_whatever_the_other_worlds():
    s = Streams(11, np.arange(1_000))
    idx = np.array([998, 3, 500])
    rounds = np.array([2, 1, 7])
    u = s.uniform(idx, st.ANSWER_AG, rounds)
    alone = [Streams(11, np.array([w])).uniform(None, st.ANSWER_AG, r)[0] for w, r in zip(idx, rounds)]
    assert u.tolist() == alone
    assert u.tolist() == run_streams(11, 0, 1_000).uniform(idx, st.ANSWER_AG, rounds).tolist()
    # another purpose, sub, counter or seed is another number
    for other in (
        s.uniform(idx, st.ANSWER_GOV, rounds),
        s.uniform(idx, st.ANSWER_AG, rounds + 1),
        s.uniform(idx, st.ANSWER_AG, rounds, sub=1),
        Streams(12, np.arange(1_000)).uniform(idx, st.ANSWER_AG, rounds),
    ):
        assert not np.any(other == u)


def test_the_numbers_are_uniform_and_unrelated():
    """Uniform on [0, 1) across worlds (Kolmogorov-Smirnov), and uncorrelated across days, purposes and worlds."""
    s = Streams(2024, np.arange(200_000))
    days = [s.uniform(None, st.DEATHS, d) for d in range(3)]
    for u in days:
        assert stats.kstest(u, "uniform").pvalue > 1e-3
        assert u.min() >= 0.0 and u.max() < 1.0
    for a, b in ((days[0], days[1]), (days[0], s.uniform(None, st.BREACH, 0)), (days[0][:-1], days[0][1:])):
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.01  # 4.5 standard errors at 200,000 pairs
    z = s.normal(None, st.ESTIMATE_GOV, 1)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01


def test_model_streams_from_what_a_model_is_given():
    assert model_streams(7, 5).worlds.tolist() == list(range(5))
    a = model_streams(np.random.default_rng(1), 5).uniform(None, st.DEATHS, 0)
    b = model_streams(np.random.default_rng(1), 5).uniform(None, st.DEATHS, 0)
    assert a.tolist() == b.tolist()
    with pytest.raises(ValueError, match="streams for 4 worlds"):
        model_streams(Streams(0, np.arange(5)), 4)
    with pytest.raises(TypeError, match="expected an int seed"):
        model_streams("seven", 5)
    with pytest.raises(ValueError, match="a purpose < 256"):
        Streams(0, np.arange(2)).uniform(None, 300)


def test_chunk_groups_cover_every_chunk_once():
    for worlds, parts in [(1, 1), (10_000, 2), (25_000, 2), (1_000_000, 2), (1_234_567, 3), (2_000_000, 1)]:
        groups = chunk_groups(worlds, 10_000, parts)
        assert [g[0] for g in groups] == list(np.cumsum([0] + [g[1] for g in groups[:-1]]))
        assert sum(g[1] for g in groups) == -(-worlds // 10_000)
        assert groups[0][2] == 0 and groups[-1][3] == worlds
        assert all(g[1] * 10_000 <= 100_000 for g in groups)
    assert len(chunk_groups(1_000_000, 10_000, 2)) == 10  # ten models of 100,000 worlds, five per worker
    assert len(chunk_groups(30_000, 10_000, 2)) == 2  # both workers have work

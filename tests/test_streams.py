"""Chunks simulated together, as one model with a stream per chunk, give the worlds they give alone.

`trucesim run` simulates up to ten chunks as one model (:func:`trucesim.run.chunks.chunk_groups`)
to pay the fixed cost of a simulated day once.  These tests hold that this is only a speed-up:
every per-world outcome, and a traced world's events, are equal to the last bit to those of the
chunks simulated one by one, whatever the grouping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trucesim.config.scenario import load_scenario
from trucesim.model.calendar import Calendar
from trucesim.model.streams import Streams, block_streams, model_streams
from trucesim.run.chunks import chunk_groups, chunk_rng
from trucesim.run.outcomes import outcome_table
from trucesim.run.simulate import run_chunk, simulate

from .conftest import SCENARIOS

CHUNK = 1_500  # small chunks: enough worlds for deals, pauses, partners quitting and late answers


def _alone(scenario, seed: int, chunks: int) -> pd.DataFrame:
    tables = [outcome_table(run_chunk(scenario, seed, k, CHUNK), world_offset=k * CHUNK) for k in range(chunks)]
    return pd.concat(tables, ignore_index=True)


def _together(scenario, seed: int, chunks: int) -> pd.DataFrame:
    return outcome_table(run_chunk(scenario, seed, 0, CHUNK, chunks=chunks))


@pytest.mark.parametrize(
    "name", ["april-2024.toml", "november-2023.toml", "april-2024-uncertain.toml", "rounds/june-2025.toml"]
)
def test_chunks_together_give_the_worlds_they_give_alone(name):
    scenario = load_scenario(SCENARIOS / name)
    alone = _alone(scenario, 5, 3)
    # the comparison can fail: the worlds of another seed differ in most columns
    assert not alone.equals(_alone(scenario, 6, 3))
    pd.testing.assert_frame_equal(_together(scenario, 5, 3), alone, check_exact=True)


def test_the_chunks_compared_exercise_every_mechanism():
    """The worlds compared above sign, pause, extend, breach, end the war, quit, lose votes and revise."""
    t = _alone(load_scenario(SCENARIOS / "april-2024-uncertain.toml"), 5, 3)
    for column in ("deal", "pause_completed", "permanent", "collapsed", "government_fell", "safety_net_used"):
        assert 0 < t[column].mean() < 1, column
    assert (t["rounds"] > 1).any() and (t["acceptances_near_deadline"] > 0).any() and (t["offensive"]).any()
    assert (t["remains_released"] > 0).any() and (t["hostages_died"] > 0).any()


def test_a_world_traced_in_a_group_tells_its_story_alone():
    scenario = load_scenario(SCENARIOS / "april-2024.toml")
    world = 2 * CHUNK + 17
    alone = run_chunk(scenario, 3, 2, CHUNK, trace_world=17).trace
    together = run_chunk(scenario, 3, 0, CHUNK, trace_world=world, chunks=3).trace
    assert len(alone) > 3
    assert [(e.day, e.actor, e.kind, e.values) for e in together] == [(e.day, e.actor, e.kind, e.values) for e in alone]


def test_a_run_is_the_same_whatever_the_grouping(monkeypatch):
    """`simulate` groups chunks; with groups of one chunk it gives the same table."""
    import trucesim.run.chunks as chunks

    scenario = load_scenario(SCENARIOS / "april-2024.toml")
    grouped = simulate(scenario, 4 * CHUNK + 300, seed=2, chunk_worlds=CHUNK)
    monkeypatch.setattr(chunks, "MODEL_WORLDS", CHUNK)
    one_by_one = simulate(scenario, 4 * CHUNK + 300, seed=2, chunk_worlds=CHUNK)
    assert len(grouped) == 4 * CHUNK + 300
    pd.testing.assert_frame_equal(grouped, one_by_one, check_exact=True)


def test_chunk_groups_cover_every_chunk_once():
    for worlds, parts in [(1, 1), (10_000, 2), (25_000, 2), (1_000_000, 2), (1_234_567, 3), (2_000_000, 1)]:
        groups = chunk_groups(worlds, 10_000, parts)
        assert [g[0] for g in groups] == list(np.cumsum([0] + [g[1] for g in groups[:-1]]))
        assert sum(g[1] for g in groups) == -(-worlds // 10_000)
        assert groups[0][2] == 0 and groups[-1][3] == worlds
        assert all(g[1] * 10_000 <= 100_000 for g in groups)
    assert len(chunk_groups(1_000_000, 10_000, 2)) == 10  # ten models of 100,000 worlds, five per worker
    assert len(chunk_groups(30_000, 10_000, 2)) == 2  # both workers have work


def test_streams_draw_each_block_as_its_own_generator_would():
    sizes = [4, 3, 5]
    streams = Streams([np.random.default_rng(s) for s in (1, 2, 3)], sizes)
    alone = [np.random.default_rng(s) for s in (1, 2, 3)]
    idx = np.array([9, 1, 5, 0, 11, 3])  # unsorted: blocks 2, 0, 1, 0, 2, 0
    x = streams.uniform(idx)
    b0, b1, b2 = alone[0].random(3), alone[1].random(1), alone[2].random(2)
    assert x.tolist() == [b2[0], b0[0], b1[0], b0[1], b2[1], b0[2]]
    # a block without worlds in a draw draws nothing: block 1 is not in this one
    rows = streams.uniform(np.array([0, 8]), rows=2)
    assert rows[:, 0].tolist() == alone[0].random((2, 1))[:, 0].tolist()
    assert rows[:, 1].tolist() == alone[2].random((2, 1))[:, 0].tolist()
    n = streams.normal(np.arange(12))
    assert n.tolist() == [*alone[0].normal(0.0, 1.0, 4), *alone[1].normal(0.0, 1.0, 3), *alone[2].normal(0.0, 1.0, 5)]
    assert streams.uniform_all()[:4].tolist() == alone[0].random(4).tolist()


def test_one_stream_is_the_generator_itself():
    streams, seed = model_streams(7, 5)
    assert len(streams) == 1 and seed == 7
    assert streams.uniform(np.arange(5)).tolist() == np.random.default_rng(7).random(5).tolist()
    g = chunk_rng(0, 4)
    streams, seed = model_streams(g, 5)
    h = chunk_rng(0, 4)
    assert seed == int(h.integers(np.iinfo(np.int32).max))  # the draw Mesa made to seed its random
    assert streams.uniform(np.arange(5)).tolist() == h.random(5).tolist()
    together = block_streams([chunk_rng(0, 4), chunk_rng(0, 5)], [5, 5])
    assert together.mesa_seed == seed
    alone, _ = model_streams(chunk_rng(0, 4), 5)
    assert together.uniform(np.arange(10))[:5].tolist() == alone.uniform(np.arange(5)).tolist()


def test_block_streams_start_where_a_model_of_the_block_starts():
    h = chunk_rng(0, 5)
    h.integers(np.iinfo(np.int32).max)
    together = block_streams([chunk_rng(0, 4), chunk_rng(0, 5)], [5, 5])
    assert together.uniform(np.arange(10))[5:].tolist() == h.random(5).tolist()
    with pytest.raises(ValueError, match="one generator per block"):
        Streams([np.random.default_rng(0)], [1, 2])


def test_the_calendar_keeps_each_blocks_order_of_handlers():
    """Block 0 books a deadline first, block 1 a pause end first: each is handled in its own order."""
    seen: list[tuple[str, list[int]]] = []
    handlers = {
        "deadline": lambda day, w: seen.append(("deadline", w.tolist())),
        "pause_end": lambda day, w: seen.append(("pause_end", w.tolist())),
    }
    cal = Calendar(None, 10, handlers, block_of=lambda w: np.asarray(w) // 10)
    cal.book("deadline", np.array(3), np.array([1, 2]))
    cal.book("pause_end", np.array(3), np.array([12]))
    cal.book("pause_end", np.array(3), np.array([4]))
    cal.book("deadline", np.array(3), np.array([15, 11]))
    cal.run_day(3)
    order0 = [kind for kind, w in seen if all(x < 10 for x in w)]
    order1 = [kind for kind, w in seen if all(x >= 10 for x in w)]
    assert order0 == ["deadline", "pause_end"] and order1 == ["pause_end", "deadline"]
    assert sorted(x for _, w in seen for x in w) == [1, 2, 4, 11, 12, 15]
    assert ("deadline", [15, 11]) in seen  # each block's worlds in booking order

"""Same inputs and seed, same numbers; more worlds never change the first ones."""

from __future__ import annotations

import json

import pandas as pd

from trucesim.run.simulate import simulate

from .conftest import BASELINE, cli


def test_same_seed_same_json():
    a = cli("run", BASELINE, "--worlds", 3000, "--seed", 9, "--format", "json", check=True)
    b = cli("run", BASELINE, "--worlds", 3000, "--seed", 9, "--format", "json", check=True)
    assert a.stdout == b.stdout
    c = cli("run", BASELINE, "--worlds", 3000, "--seed", 10, "--format", "json", check=True)
    assert json.loads(c.stdout) != json.loads(a.stdout)


def test_more_worlds_keep_the_first_ones(baseline):
    small = simulate(baseline, 1000, seed=3)
    large = simulate(baseline, 5000, seed=3)
    pd.testing.assert_frame_equal(small, large.iloc[:1000])


def test_more_worlds_keep_the_first_ones_across_chunks(baseline):
    small = simulate(baseline, 1000, seed=3, chunk_worlds=300)
    large = simulate(baseline, 5000, seed=3, chunk_worlds=300)
    pd.testing.assert_frame_equal(small, large.iloc[:1000])
    assert (large["world"].to_numpy() == range(5000)).all()


def test_tracing_does_not_change_outcomes(baseline):
    from trucesim.run.simulate import iter_tables

    plain = next(iter_tables(baseline, 500, seed=1))
    traced = next(iter_tables(baseline, 500, seed=1, trace=42, on_trace=lambda e: None))
    pd.testing.assert_frame_equal(plain, traced)


def test_run_is_the_same_with_one_or_two_workers(tmp_path):
    # 20,001 worlds: three chunks, the last cut to one world
    one, two = (
        cli(
            "run",
            BASELINE,
            "--worlds",
            20_001,
            "--seed",
            5,
            "--format",
            "json",
            "--workers",
            w,
            "--out",
            tmp_path / f"{name}.parquet",
            check=True,
        )
        for w, name in ((1, "one"), (2, "two"))
    )
    assert one.stdout == two.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), pd.read_parquet(tmp_path / "two.parquet"))


def test_streamed_summary_equals_the_summary_of_the_whole_table(baseline):
    from trucesim.run.metrics import Summary, summarize
    from trucesim.run.simulate import iter_tables

    acc = Summary(baseline, seed=4)
    tables = list(iter_tables(baseline, 1300, seed=4, chunk_worlds=400))
    for t in tables:
        acc.add(t)
    assert acc.result() == summarize(pd.concat(tables, ignore_index=True), baseline, 4)

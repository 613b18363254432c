"""The reference table (method = "table"): prior draws simulated once, fits that keep the nearest, folds that never
look at the round they leave out, resumable blocks, the same table whatever the workers."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from trucesim.config.calibration import Calibration, CalibrationError, load_calibration
from trucesim.history.distance import round_distances
from trucesim.history.fits import FitError
from trucesim.history.table import Table, build_table, distances, prior_draws, select

from .conftest import table_calibration


def small_text(table: int = 60) -> str:
    return table_calibration(table, population=10, worlds=20, predictive_worlds=200)


def small(tmp_path: Path, table: int = 60) -> Calibration:
    f = tmp_path / "small.toml"
    f.write_text(small_text(table))
    return load_calibration(f)


def synthetic(shares: list[np.ndarray], margins: np.ndarray) -> tuple[Table, Calibration]:
    """A table of hand-made shares (one fact, ``deal``, per round) and a calibration that keeps 2 draws."""
    n = len(margins)
    labels = [[f"r{j}:deal"] for j in range(len(shares))]
    table = Table(("a",), np.arange(n, dtype=float)[:, None], margins, shares, labels, draws=n, worlds=100)
    cal = Calibration(Path("c.toml"), "", (), ("a",), {}, {}, method="table", population=2, table=n)
    return table, cal


def test_a_fit_keeps_the_draws_nearest_the_rounds_it_fits_and_only_those():
    # draw i's share of round 0 is good for draws 0 and 1, of round 1 for draws 2 and 3
    r0 = np.array([[1.0], [0.9], [0.0], [0.1]])
    r1 = np.array([[0.0], [0.1], [1.0], [0.9]])
    table, cal = synthetic([r0, r1], np.ones((4, 2)))
    assert select(table, cal, [0]).particles["a"].tolist() == [0.0, 1.0]
    assert select(table, cal, [1]).particles["a"].tolist() == [2.0, 3.0]
    fit = select(table, cal, [0])
    assert fit.particles["weight"].tolist() == [0.5, 0.5]
    assert fit.generations[0]["epsilon"] == pytest.approx((1 - 0.9) ** 2)  # the largest distance kept
    assert list(fit.shares.columns) == ["r0:deal", "weight"]  # the left-out round's shares are not the fit's


def test_a_fold_truncates_the_prior_to_the_rounds_it_fits():
    r0 = np.array([[1.0], [0.9], [0.8]])
    margins = np.array([[1.0, -1.0], [1.0, 1.0], [1.0, 1.0]])  # draw 0 is inconsistent in round 1 only
    table, cal = synthetic([r0, r0], margins)
    assert select(table, cal, [0]).particles["a"].tolist() == [0.0, 1.0]  # round 1 is not fitted: draw 0 may stay
    assert select(table, cal, [0, 1]).particles["a"].tolist() == [1.0, 2.0]
    nowhere, _ = synthetic([r0, r0], -np.ones((3, 2)))
    with pytest.raises(FitError, match="0 consistent draws, fewer than population = 2; raise table"):
        select(nowhere, cal, [0])


def test_distances_count_a_rounds_overlapping_facts_once():
    shares = np.array([[0.5, 0.5, 1.0]])
    names = ["a:deal", "a:permanent_end", "a:exits"]
    assert round_distances("brier", names, shares, 100).tolist() == [0.125]
    table = Table(("x",), np.zeros((1, 1)), np.ones((1, 1)), [shares], [names], draws=1, worlds=100)
    assert distances(table, "brier").tolist() == [[0.125]]


def test_prior_draws_spread_over_the_prior_and_a_later_block_continues_the_sequence(tmp_path):
    cal = small(tmp_path)
    a = prior_draws(cal, 3, 0, 1024)
    patience, us = a[:, 0], a[:, 1]
    assert patience.min() >= 0 and patience.max() <= 0.6 and us.min() >= 0.1 and us.max() <= 0.8
    assert abs(us.mean() - 0.45) < 0.005  # a Sobol' sequence: far closer than 1024 random draws (sd 0.006)
    assert (prior_draws(cal, 3, 512, 512) == a[512:]).all()
    assert not (prior_draws(cal, 4, 0, 8) == a[:8]).all()


def test_the_table_is_stored_resumed_extended_and_the_same_whatever_the_workers(tmp_path):
    from trucesim.run.executors import make_executor

    cal = small(tmp_path, table=40)
    t1 = build_table(cal, tmp_path / "one", seed=2)
    assert len(t1.values) > 20 and t1.draws == 40  # most draws are consistent and simulated
    block = next((tmp_path / "one").glob("block-0000-40.parquet"))
    stamp = block.stat().st_mtime_ns
    again = build_table(cal, tmp_path / "one", seed=2)
    assert block.stat().st_mtime_ns == stamp  # read back, not simulated again
    assert np.array_equal(again.values, t1.values) and all(
        np.array_equal(a, b) for a, b in zip(again.shares, t1.shares)
    )
    with make_executor(workers=2) as ex:
        t2 = build_table(cal, tmp_path / "two", seed=2, executor=ex)
    assert all(np.array_equal(a, b) for a, b in zip(t1.shares, t2.shares))
    # a smaller table is the larger one's first draws
    smaller = build_table(dataclasses.replace(cal, table=25), tmp_path / "one", seed=2)
    n = len(smaller.values)
    assert np.array_equal(smaller.values, t1.values[:n]) and np.array_equal(smaller.shares[0], t1.shares[0][:n])
    with pytest.raises(FitError, match="holds a reference table of small.toml with seed 2"):
        build_table(cal, tmp_path / "one", seed=3)


def test_the_tables_progress_starts_with_the_work_and_moves_within_a_block(tmp_path):
    """A block of 40 draws on 3 rounds is 3 tasks: told at 0, after the first two tasks, then at the block's end."""
    cal = small(tmp_path, table=40)
    told: list[tuple[int, int, int, int]] = []
    build_table(cal, tmp_path / "t", seed=2, on_progress=lambda *a: told.append(a))
    drawn = [t[1] for t in told]
    assert drawn == [0, 13, 26, 40] and all(t[2] == 40 for t in told)
    assert told[-1][3] > 20  # the draws simulated (consistent in all rounds but one)
    told.clear()
    build_table(cal, tmp_path / "t", seed=2, on_progress=lambda *a: told.append(a))  # read back: no tasks
    assert [t[1] for t in told] == [0, 40]


def test_calibrate_and_validate_run_on_one_table(tmp_path, capsys):
    from trucesim.cli import main

    cal = small(tmp_path, table=40)
    out = tmp_path / "fit"
    assert main(["calibrate", str(cal.path), "--out", str(out), "--workers", "1", "--check-worlds", "100"]) == 0
    text = capsys.readouterr()
    assert "the 10 nearest of 40 prior draws" in text.err
    assert "kept the 10 nearest" in text.out and "table/" in text.out
    fitted = (out / "fitted.toml").read_text()
    assert "the 10 nearest of 40 prior draws" in fitted and 'dist = "sample"' in fitted
    val = tmp_path / "val"
    assert main(["validate", str(cal.path), "--out", str(val), "--workers", "1", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["sizes"]["method"] == "table" and d["sizes"]["table"] == 40 and "generations" not in d["sizes"]
    assert [r["name"] for r in d["rounds"]] == ["november-2023", "april-2024", "august-2024"]
    assert (val / "table" / "table.json").exists() and not list(val.glob("fold-*"))


def test_a_bad_method_or_table_size_is_one_line(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(small_text(60).replace('method = "table"', 'method = "grid"'))
    with pytest.raises(CalibrationError, match=r"method: expected one of smc, table, found 'grid'"):
        load_calibration(f)
    f.write_text(small_text(1))
    with pytest.raises(CalibrationError, match=r"table: expected a whole number >= 2, found 1"):
        load_calibration(f)

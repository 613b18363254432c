"""Experiments as a library: files and their validation, designs, chunks, the store and determinism."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trucesim
from trucesim.run.chunks import chunk_bounds
from trucesim.run.executors import DaskExecutor, InProcessExecutor, PoolExecutor, make_executor
from trucesim.sweep.designs import Design, build_design
from trucesim.sweep.experiment import ExperimentError, load_experiment
from trucesim.sweep.store import StoreError, load_manifest, load_points
from trucesim.sweep.sweep import ChunkError, ChunkTask, chunk_tasks, plan_sweep, sweep

from .conftest import ROOT, files, write_experiment

EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))

ISSUE_EXAMPLE = """\
scenario = "{scenario}"
seed = 7
worlds_per_point = 5000

[design]
kind = "grid"

[factors."terms.prisoners_per_hostage"]
range = [5, 60]
steps = 12

[factors."context.us_pressure"]
levels = [0.2, 0.5, 0.8]
"""

# a small sweep: 6 points x 60 worlds = 360 worlds in 4 chunks of 100 (chunks straddle points)
SMALL = """\
scenario = "{scenario}"
seed = 5
worlds_per_point = 60

[design]
kind = "grid"

[factors."terms.prisoners_per_hostage"]
range = [3, 60]
steps = 3

[factors."context.us_pressure"]
levels = [0.2, 0.8]
"""
SMALL_CHUNK = 100


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    return write_experiment(tmp_path, text, name)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small sweep run in this process: the dataset every other run must equal."""
    tmp = tmp_path_factory.mktemp("reference")
    exp = write(tmp, SMALL)
    out = tmp / "out"
    result = sweep(exp, out, workers=1, chunk_worlds=SMALL_CHUNK)
    return exp, out, result


# --------------------------------------------------------------------------- experiment files
def test_issue_example_works_as_written(tmp_path):
    exp = load_experiment(write(tmp_path, ISSUE_EXAMPLE))
    assert exp.seed == 7 and exp.worlds_per_point == 5000
    assert exp.factor_keys == ("terms.prisoners_per_hostage", "context.us_pressure")
    d = build_design(exp)
    assert d.matrix.shape == (36, 2) and exp.n_points == 36 and exp.worlds == 180_000
    # first factor varies slowest; steps evenly spaced, both ends included
    np.testing.assert_allclose(np.unique(d.matrix[:, 0]), np.linspace(5, 60, 12))
    np.testing.assert_array_equal(d.matrix[:3, 1], [0.2, 0.5, 0.8])
    assert (d.matrix[:3, 0] == 5).all()


def test_dotted_table_form_equals_quoted_key(tmp_path):
    quoted = load_experiment(write(tmp_path, ISSUE_EXAMPLE, "a.toml"))
    dotted_text = ISSUE_EXAMPLE.replace(
        '[factors."terms.prisoners_per_hostage"]', "[factors.terms.prisoners_per_hostage]"
    )
    dotted = load_experiment(write(tmp_path, dotted_text, "b.toml"))
    assert dotted.factors == quoted.factors


def test_scenario_may_be_a_shipped_scenarios_name(tmp_path):
    """``scenario = "april-2024"`` in a user's own folder names the shipped scenario, as ``extends`` does."""
    factor = '[factors."terms.pause_days"]\nlevels = [14, 42]\n'
    named = load_experiment(write(tmp_path, 'scenario = "april-2024"\nworlds_per_point = 10\n' + factor, "n.toml"))
    assert named.scenario.path.resolve() == (ROOT / "scenarios" / "april-2024.toml").resolve()
    (tmp_path / "april-2024.toml").write_text('extends = "april-2024"\n[meta]\nname = "mine"\n')
    beside = load_experiment(
        write(tmp_path, 'scenario = "april-2024.toml"\nworlds_per_point = 10\n' + factor, "b.toml")
    )
    assert beside.scenario.path == tmp_path / "april-2024.toml"  # a file beside the experiment wins


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_shipped_experiments_validate_and_explain_every_range(path):
    exp = load_experiment(path)
    assert exp.n_points >= 2
    for f in exp.factors:
        assert f.source, f"{path.name}: factor {f.key} has no source"
    # every factor table is preceded by a comment saying why its values were chosen
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("[factors."):
            above = [ln for ln in lines[max(0, i - 6) : i] if ln.strip()]
            assert (above and above[-1].lstrip().startswith("#")) or any(
                ln.startswith("[factors.") for ln in lines[max(0, i - 4) : i]
            ), (path.name, line)
    assert "worlds_per_point" in path.read_text()


def test_shipped_experiment_sizes():
    by_name = {p.stem: load_experiment(p) for p in EXPERIMENTS}
    assert {"prisoners-vs-us-pressure", "coalition-red-lines", "sobol-main"} <= set(by_name)
    grid = by_name["prisoners-vs-us-pressure"]
    assert grid.design.kind == "grid" and len(grid.factors) == 2
    assert grid.worlds == 1_000_000  # the benchmark's million worlds
    sobol = by_name["sobol-main"]
    assert sobol.design.kind == "sobol" and sobol.design.saltelli
    assert sobol.n_points == sobol.design.points * (len(sobol.factors) + 2)


BASE = 'scenario = "{scenario}"\nworlds_per_point = 10\n'
FACTOR = '[factors."terms.prisoners_per_hostage"]\nrange = [5, 60]\nsteps = 3\n'

#: (file text, fragments the one-line message must contain)
INVALID = [
    ("wordls_per_point = 3\n" + BASE + FACTOR, ["wordls_per_point", "unknown key", "did you mean 'worlds_per_point'"]),
    ("worlds_per_point = 10\n" + FACTOR, ["scenario", "expected a scenario file", "found nothing"]),
    (
        'scenario = "missing.toml"\nworlds_per_point = 10\n' + FACTOR,
        ["scenario", "missing.toml", "or a shipped scenario's name", "no file"],
    ),
    ("scenario = 3\nworlds_per_point = 10\n" + FACTOR, ["scenario", "expected a path"]),
    ('scenario = "{scenario}"\n' + FACTOR, ["worlds_per_point", "found nothing"]),
    (BASE.replace("10", "0") + FACTOR, ["worlds_per_point", "expected a whole number >= 1", "found 0"]),
    (BASE.replace("10", "2.5") + FACTOR, ["worlds_per_point", "found 2.5"]),
    ("seed = -3\n" + BASE + FACTOR, ["seed", "found -3"]),
    ('seed = "x"\n' + BASE + FACTOR, ["seed", "expected a whole number"]),
    (BASE, ["factors", "expected at least one factor"]),
    (BASE + "[factors]\n", ["factors", "found an empty table"]),
    (BASE + "factors = 3\n", ["factors", "expected tables"]),
    (
        BASE + '[factors."terms.prisoners_per_hostag"]\nlevels = [1]\n',
        ['factors."terms.prisoners_per_hostag"', "unknown key", "did you mean 'terms.prisoners_per_hostage'"],
    ),
    (
        BASE + '[factors."actors.otzma_yehudit.red_line.pause_days"]\nlevels = [14]\n',
        ["red_line.pause_days", "did you mean 'actors.otzma_yehudit.red_lines.pause_days'"],
    ),
    (
        BASE + '[factors."protocol.horizon_days"]\nlevels = [90, 180]\n',
        ['factors."protocol.horizon_days"', "may differ between worlds", "calendar"],
    ),
    (BASE + '[factors."protocol.deadline_days"]\nlevels = [2, 7]\n', ['factors."protocol.deadline_days"', "calendar"]),
    (
        BASE + '[factors."context.us_pressure"]\nlevels = [0.2]\nrang = [0, 1]\n',
        ['factors."context.us_pressure".rang', "unknown key", "did you mean 'range'"],
    ),
    (BASE + '[factors."context.us_pressure"]\nsource = "x"\n', ['factors."context.us_pressure"', "found neither"]),
    (BASE + '[factors."context.us_pressure"]\nlevels = [0.2]\nrange = [0, 1]\n', ["found both"]),
    (
        BASE + 'factors."context.us_pressure" = 0.5\n',
        ['factors."context.us_pressure"', "expected a table", "found 0.5"],
    ),
    (BASE + '[factors."context.us_pressure"]\nlevels = []\n', ["levels", "found an empty list"]),
    (BASE + '[factors."context.us_pressure"]\nlevels = 0.5\n', ["levels", "expected a list"]),
    (BASE + '[factors."context.us_pressure"]\nlevels = [0.5, "high"]\n', ["levels", "expected a number", "'high'"]),
    (BASE + '[factors."context.us_pressure"]\nlevels = [0.5, 0.5]\n', ["levels", "distinct", "0.5"]),
    (
        BASE + '[factors."context.us_pressure"]\nlevels = [0.5, 1.5]\n',
        ["levels", "expected a number in 0..1", "found 1.5"],
    ),
    (BASE + '[factors."context.us_pressure"]\nlevels = [0.5]\nsteps = 3\n', ["steps", "only with a range"]),
    (
        BASE + '[factors."context.us_pressure"]\nrange = [0.8, 0.2]\nsteps = 3\n',
        ['factors."context.us_pressure".range', "low <= high", "found low 0.8 > high 0.2"],
    ),
    (BASE + '[factors."context.us_pressure"]\nrange = [0.5, 0.5]\nsteps = 3\n', ["range", "empty range"]),
    (BASE + '[factors."context.us_pressure"]\nrange = [0.5]\nsteps = 3\n', ["range", "expected [low, high]"]),
    (BASE + '[factors."context.us_pressure"]\nrange = [-1, 0.5]\nsteps = 3\n', ["range", "0..1", "found -1"]),
    (BASE + '[factors."context.us_pressure"]\nrange = [0, 1]\n', ["steps", "found nothing"]),
    (BASE + '[factors."context.us_pressure"]\nrange = [0, 1]\nsteps = 1\n', ["steps", ">= 2", "found 1"]),
    (BASE + '[factors."terms.pause_days"]\nrange = [40, 42]\nsteps = 5\n', ["steps", "at most 3 steps", "found 5"]),
    (BASE + '[factors."terms.hostages_released"]\nlevels = [10, 12.5]\n', ["levels", "whole number", "12.5"]),
    (BASE + '[factors."terms.hostages_released"]\nlevels = [10]\ninteger = false\n', ["integer", "whole number"]),
    (BASE + '[factors."context.us_pressure"]\nlevels = [0.1]\ninteger = "yes"\n', ["integer", "true or false"]),
    (
        BASE + '[factors."context.hostages_dead"]\nlevels = [34, 200]\n',
        ["factors", "context.hostages_dead", "expected at most context.hostages_held", "found 200"],
    ),
    (BASE + '[design]\nkind = "sobl"\n' + FACTOR, ["design.kind", "did you mean 'sobol'", "'sobl'"]),
    (BASE + '[design]\nkind = "grid"\npoints = 8\n' + FACTOR, ["design.points", "expected no points in a grid"]),
    (BASE + '[design]\nkind = "sobol"\n' + FACTOR.replace("steps = 3\n", ""), ["design.points", "found nothing"]),
    (
        BASE + '[design]\nkind = "sobol"\npoints = 100\n' + FACTOR.replace("steps = 3\n", ""),
        ["design.points", "power of two", "64 or 128", "found 100"],
    ),
    (BASE + '[design]\nkind = "lhs"\npoints = 0\n' + FACTOR.replace("steps = 3\n", ""), ["design.points", "found 0"]),
    (BASE + '[design]\nkind = "lhs"\npoints = 8\n' + FACTOR, ["steps", 'kind = "lhs"']),
    (
        BASE + '[design]\nkind = "halton"\npoints = 8\nsaltelli = true\n' + FACTOR.replace("steps = 3\n", ""),
        ["design.saltelli", 'only with kind = "sobol"'],
    ),
    (
        BASE + '[design]\nkind = "lhs"\npoints = 8\nscrambled = false\n' + FACTOR.replace("steps = 3\n", ""),
        ["design.scrambled", "did you mean 'scramble'"],
    ),
    (
        BASE + '[design]\nkind = "lhs"\npoints = 2000000\n' + FACTOR.replace("steps = 3\n", ""),
        ["design.points", "at most 1,000,000"],
    ),
    (BASE + "[design\n", ["invalid TOML"]),
    (
        BASE + '[factors."context.us_pressure"]\nlevels = [0.2]\n[factors.context.us_pressure]\nlevels = [0.3]\n',
        ['factors."context.us_pressure"', "one table per factor", "found two"],
    ),
]


@pytest.mark.parametrize("text,fragments", INVALID, ids=[f"{i:02d}-{f[0][:30]}" for i, (_, f) in enumerate(INVALID)])
def test_invalid_experiments_raise_one_line_naming_file_and_key(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: "), msg
    for f in fragments:
        assert f in msg, (f, msg)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ExperimentError, match="file not found"):
        load_experiment(tmp_path / "nope.toml")
    with pytest.raises(ExperimentError, match="found a directory"):
        load_experiment(tmp_path)


def test_seed_override(tmp_path):
    exp = load_experiment(write(tmp_path, ISSUE_EXAMPLE), seed=42)
    assert exp.seed == 42 and exp.seed_option == 42


# --------------------------------------------------------------------------- designs
SAMPLED = (
    BASE
    + """
[design]
kind = "{kind}"
points = 64
{extra}

[factors."context.us_pressure"]
range = [0.2, 0.8]

[factors."terms.pause_days"]
range = [14, 42]

[factors."context.family_pressure"]
levels = [0.3, 0.6, 0.9]
"""
)


@pytest.mark.parametrize("kind", ["sobol", "lhs", "halton"])
def test_sampled_designs_cover_the_ranges(tmp_path, kind):
    exp = load_experiment(write(tmp_path, SAMPLED.replace("{kind}", kind).replace("{extra}", "")))
    d = build_design(exp)
    assert d.matrix.shape == (64, 3) and d.kind == kind
    us, pause, family = d.matrix.T
    assert us.min() >= 0.2 and us.max() <= 0.8 and np.ptp(us) > 0.5
    assert set(pause) <= set(range(14, 43)) and pause.min() == 14 and pause.max() == 42  # whole numbers
    assert set(family) == {0.3, 0.6, 0.9}
    # the same seed gives the same design; another design seed another one
    np.testing.assert_array_equal(build_design(exp).matrix, d.matrix)
    other = load_experiment(write(tmp_path, SAMPLED.replace("{kind}", kind).replace("{extra}", "seed = 99"), "o.toml"))
    assert not np.array_equal(build_design(other).matrix, d.matrix)


def test_saltelli_layout_gives_sobol_indices(tmp_path):
    from scipy.stats import sobol_indices

    text = (
        BASE
        + """
[design]
kind = "sobol"
points = 256
saltelli = true

[factors."context.us_pressure"]
range = [0, 1]

[factors."context.family_pressure"]
range = [0, 1]
"""
    )
    exp = load_experiment(write(tmp_path, text))
    d = build_design(exp)
    n, keys = 256, exp.factor_keys
    assert d.points == n * 4
    b = d.blocks
    assert b["n"] == n and b["A"] == [0, n] and b["B"] == [n, 2 * n]
    assert b["AB"] == {keys[0]: [2 * n, 3 * n], keys[1]: [3 * n, 4 * n]}
    A, B = d.matrix[0:n], d.matrix[n : 2 * n]
    for i, k in enumerate(keys):
        AB = d.matrix[slice(*b["AB"][k])]
        np.testing.assert_array_equal(AB[:, i], B[:, i])
        np.testing.assert_array_equal(np.delete(AB, i, axis=1), np.delete(A, i, axis=1))
    # y = x0 + 2 x1 on the unit square: S1 = ST = (0.2, 0.8)
    f = d.matrix[:, 0] + 2 * d.matrix[:, 1]
    res = sobol_indices(
        func={
            "f_A": f[None, 0:n],
            "f_B": f[None, n : 2 * n],
            "f_AB": np.stack([f[slice(*b["AB"][k])] for k in keys])[:, None, :],
        },
        n=n,
    )
    np.testing.assert_allclose(res.first_order, [0.2, 0.8], atol=0.03)
    np.testing.assert_allclose(res.total_order, [0.2, 0.8], atol=0.03)


def test_design_round_trips_through_its_manifest_form(tmp_path):
    d = build_design(load_experiment(write(tmp_path, SAMPLED.replace("{kind}", "sobol").replace("{extra}", ""))))
    back = Design.from_dict(json.loads(json.dumps(d.to_dict())))
    np.testing.assert_array_equal(back.matrix, d.matrix)
    assert back.factors == d.factors and back.kind == d.kind


# --------------------------------------------------------------------------- chunks
def test_chunk_bounds_cover_every_world_once():
    b = chunk_bounds(1001, 100)
    assert b[0] == (0, 0, 100) and b[-1] == (10, 1000, 1001) and len(b) == 11
    assert sum(e - s for _, s, e in b) == 1001


def test_chunk_task_is_the_model_with_the_design_as_overrides(tmp_path):
    """A chunk's worlds are its replicates' worlds of the seed (common random numbers across points)."""
    from trucesim.model.model import TruceModel
    from trucesim.model.streams import Streams
    from trucesim.run.outcomes import outcome_table

    exp = load_experiment(write(tmp_path, SMALL))
    d = build_design(exp)
    (task,) = list(chunk_tasks(exp, d, [chunk_bounds(exp.worlds, SMALL_CHUNK)[1]]))
    table = task.table()
    assert list(table.columns[:4]) == ["point", "replicate", *exp.factor_keys]
    w = np.arange(100, 200)
    np.testing.assert_array_equal(table["world"], w)
    np.testing.assert_array_equal(table["point"], w // 60)
    np.testing.assert_array_equal(table["replicate"], w % 60)
    np.testing.assert_array_equal(table["context.us_pressure"], d.matrix[w // 60, 1])
    overrides = {k: d.matrix[w // 60, j] for j, k in enumerate(exp.factor_keys)}
    model = TruceModel(exp.scenario, 100, rng=Streams(exp.seed, w % 60), overrides=overrides).run()
    direct = outcome_table(model, world_offset=100)
    pd.testing.assert_frame_equal(table[list(direct.columns)], direct)
    # the same replicates of the next points, given these points' values, are the same worlds:
    # worlds 160-259 (points 2-4) with points 1-3's rows of the design
    shifted = ChunkTask(exp.scenario, exp.seed, 9, 160, 260, 60, d.factors, d.matrix[1:4].copy()).table()
    np.testing.assert_array_equal(shifted["replicate"], table["replicate"])
    same = [c for c in table.columns if c not in ("world", "point")]
    pd.testing.assert_frame_equal(shifted[same], table[same])
    # while the next points' own values change what happens in them
    outcomes = [c for c in direct.columns if c != "world"]
    own = ChunkTask(exp.scenario, exp.seed, 9, 160, 260, 60, d.factors, d.matrix[2:5].copy()).table()
    assert not own[outcomes].equals(table[outcomes])
    # what a worker sends back: the same table as Parquet bytes
    from trucesim.run.files import decode_table

    pd.testing.assert_frame_equal(decode_table(task.run()), table)


# --------------------------------------------------------------------------- the store, load
def test_load_round_trip(reference):
    exp_path, out, result = reference
    exp = load_experiment(exp_path)
    df = trucesim.load(out)
    assert len(df) == 6 * 60
    assert list(df.columns[:4]) == ["point", "replicate", "terms.prisoners_per_hostage", "context.us_pressure"]
    np.testing.assert_array_equal(df["world"], np.arange(360))
    np.testing.assert_array_equal(df["world"], df["point"] * 60 + df["replicate"])
    # every column of the outcome table, with its dtype (categories included)
    tasks = chunk_tasks(exp, build_design(exp), chunk_bounds(exp.worlds, SMALL_CHUNK))
    direct = pd.concat([t.table() for t in tasks], ignore_index=True)
    pd.testing.assert_frame_equal(df, direct)
    assert isinstance(df["end_of_talks"].dtype, pd.CategoricalDtype)
    assert trucesim.load(out, columns=["point", "deal"]).shape == (360, 2)


def test_points_equal_the_run_summary_of_each_point(reference):
    from trucesim.run.metrics import summarize

    exp_path, out, result = reference
    exp = load_experiment(exp_path)
    pts = load_points(out)
    pd.testing.assert_frame_equal(pts, result.points)
    df = trucesim.load(out)
    gov, ag = exp.scenario.actors_of("government")[0], exp.scenario.actors_of("armed_group")[0]
    for p, rows in df.groupby("point"):
        s = summarize(rows, exp.scenario, exp.seed)
        r = pts.iloc[p]
        assert r["worlds"] == s["worlds"] == 60
        assert round(r["p_deal"], 6) == s["p_deal"]
        assert [round(r["p_deal_lo"], 6), round(r["p_deal_hi"], 6)] == s["p_deal_ci"]
        assert round(r[f"p_accept_{gov}"], 6) == s["p_accept"][gov]
        assert round(r[f"p_accept_{ag}"], 6) == s["p_accept"][ag]
        for party, v in s["p_exit"].items():
            assert round(r[f"p_exit_{party}"], 6) == v
        for k in (
            "p_government_falls",
            "p_pause_completed",
            "p_permanent",
            "hostages_released_mean",
            "hostages_died_mean",
        ):
            assert round(r[k], 6) == s[k], k
        for q, col in (("median", "deal_day_median"), ("p10", "deal_day_p10"), ("p90", "deal_day_p90")):
            assert (s["deal_day"][q] is None and math.isnan(r[col])) or round(r[col], 6) == s["deal_day"][q]
        for t, v in s["signed_terms_mean"].items():
            assert (v is None and math.isnan(r[f"terms_{t}_mean"])) or abs(r[f"terms_{t}_mean"] - v) < 1e-5
        assert r["terms.prisoners_per_hostage"] == rows["terms.prisoners_per_hostage"].iloc[0]


def test_manifest_holds_the_contract(reference):
    exp_path, out, _ = reference
    m = load_manifest(out)
    for key in ("experiment", "scenario", "seed", "chunk_worlds", "trucesim_version", "design", "factors"):
        assert key in m, key
    assert m["seed"] == 5 and m["chunk_worlds"] == SMALL_CHUNK and m["trucesim_version"] == trucesim.__version__
    assert m["factors"] == ["terms.prisoners_per_hostage", "context.us_pressure"]
    assert m["design"]["kind"] == "grid" and m["design"]["points"] == 6
    assert m["design"]["factors"] == m["factors"] and len(m["design"]["matrix"]) == 6
    assert m["experiment"]["factors"]["terms.prisoners_per_hostage"] == {
        "range": [3.0, 60.0],
        "steps": 3,
        "integer": False,
    }
    assert m["experiment"]["worlds_per_point"] == 60 and m["experiment"]["design"]["kind"] == "grid"
    assert m["scenario"]["values"]["terms.pause_days"] == 42.0
    assert m["scenario"]["values"]["context.category_share"]["dist"] == "uniform"
    assert "terms.pause_days" in m["scenario"]["sources"]


def test_points_columns_follow_the_contract(reference):
    pts = load_points(reference[1])
    for c in (
        "point",
        "terms.prisoners_per_hostage",
        "context.us_pressure",
        "worlds",
        "p_deal",
        "p_deal_lo",
        "p_deal_hi",
        "p_accept_israel",
        "p_accept_hamas",
        "p_exit_otzma_yehudit",
        "p_government_falls",
        "p_pause_completed",
        "p_permanent",
        "deal_day_median",
        "hostages_released_mean",
        "hostages_died_mean",
    ):
        assert c in pts.columns, c
    assert list(pts["point"]) == list(range(6))


def test_load_of_an_unfinished_sweep(tmp_path, reference):
    _, out, _ = reference
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "parts").mkdir()
    (partial / "manifest.json").write_bytes((out / "manifest.json").read_bytes())
    for k in (0, 2):
        name = f"parts/chunk-{k:06d}.parquet"
        (partial / name).write_bytes((out / name).read_bytes())
    with pytest.raises(StoreError, match="2 of 4 chunks written.*--resume"):
        trucesim.load(partial)
    df = trucesim.load(partial, allow_partial=True)
    assert list(df["world"]) == list(range(100)) + list(range(200, 300))
    with pytest.raises(StoreError, match="manifest.json: file not found"):
        trucesim.load(tmp_path)


# --------------------------------------------------------------------------- determinism
def test_two_process_workers_give_the_same_bytes(tmp_path, reference):
    exp, out, _ = reference
    plan = plan_sweep(exp, tmp_path / "pool", chunk_worlds=SMALL_CHUNK)
    with PoolExecutor(2) as ex:
        plan.run(ex)
    assert files(tmp_path / "pool") == files(out)


def test_dask_local_cluster_gives_the_same_bytes(tmp_path, reference):
    exp, out, _ = reference
    plan = plan_sweep(exp, tmp_path / "dask", chunk_worlds=SMALL_CHUNK)
    with DaskExecutor("local", workers=2, processes=False) as ex:
        plan.run(ex)
    assert files(tmp_path / "dask") == files(out)


def test_running_dask_cluster_by_address_gives_the_same_bytes(tmp_path, reference):
    import logging

    from distributed import LocalCluster

    exp, out, _ = reference
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",  # a real address: in-process inproc:// is refused as a --scheduler
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        plan = plan_sweep(exp, tmp_path / "tcp", chunk_worlds=SMALL_CHUNK)
        with make_executor(scheduler=cluster.scheduler_address) as ex:
            assert ex.workers == 2 and cluster.scheduler_address in ex.name
            plan.run(ex)
    assert files(tmp_path / "tcp") == files(out)


class _Shuffled(InProcessExecutor):
    """Finishes chunks in reverse order."""

    def map(self, tasks):
        for t in reversed(list(tasks)):
            yield from super().map([t])


def test_completion_order_does_not_matter(tmp_path, reference):
    exp, out, _ = reference
    plan = plan_sweep(exp, tmp_path / "rev", chunk_worlds=SMALL_CHUNK)
    plan.run(_Shuffled())
    assert files(tmp_path / "rev") == files(out)


def test_failing_chunk_then_resume(tmp_path, reference, monkeypatch):
    exp, out, _ = reference
    target = tmp_path / "fail"
    real_run = ChunkTask.run

    def flaky(self):
        if self.chunk == 3:
            raise FloatingPointError("injected failure\nsecond line")
        return real_run(self)

    monkeypatch.setattr(ChunkTask, "run", flaky)
    with pytest.raises(ChunkError) as err:
        sweep(exp, target, workers=1, chunk_worlds=SMALL_CHUNK)
    msg = str(err.value)
    assert "\n" not in msg and err.value.chunk == 3
    assert msg.startswith("chunk 3 (worlds 300-359, points 5-5) failed: FloatingPointError: injected failure")
    assert "3 chunk(s) already written" in msg and "--resume" in msg
    assert sorted(p.name for p in (target / "parts").iterdir()) == [f"chunk-{k:06d}.parquet" for k in range(3)]
    assert "FloatingPointError" in (target / "error.log").read_text()
    assert not (target / "points.parquet").exists()
    monkeypatch.setattr(ChunkTask, "run", real_run)
    result = sweep(exp, target, workers=1, resume=True)
    assert result.chunks_run == 1
    assert files(target) == files(out)  # error.log removed once the sweep completes


def test_resume_cleans_torn_writes(tmp_path, reference):
    exp, out, _ = reference
    target = tmp_path / "torn"
    target.mkdir()
    (target / "parts").mkdir()
    (target / "manifest.json").write_bytes((out / "manifest.json").read_bytes())
    (target / "parts" / "chunk-000000.parquet").write_bytes((out / "parts" / "chunk-000000.parquet").read_bytes())
    (target / "parts" / "chunk-000001.parquet").write_bytes(b"PAR1 torn")  # not a whole part: redone
    (target / "parts" / ".chunk-000002.parquet.123.abcd.tmp").write_bytes(b"partial")
    plan = plan_sweep(exp, target, resume=True)
    assert [k for k, _, _ in plan.pending] == [1, 2, 3]
    assert not list((target / "parts").glob("*.tmp"))
    assert [p.name for p, _, _ in plan.corrupt] == ["chunk-000001.parquet"]
    plan.run(InProcessExecutor())
    assert (target / "parts" / "corrupt" / "chunk-000001.parquet").read_bytes() == b"PAR1 torn"  # kept aside
    assert {k: v for k, v in files(target).items() if "corrupt" not in k} == files(out)


def test_resume_checks_the_experiment(tmp_path, reference):
    exp, out, _ = reference
    target = tmp_path / "copy"
    target.mkdir()
    (target / "manifest.json").write_bytes((out / "manifest.json").read_bytes())
    changed = write(tmp_path, SMALL.replace("levels = [0.2, 0.8]", "levels = [0.2, 0.9]"), "changed.toml")
    with pytest.raises(StoreError, match=r"--resume: factors\.context\.us_pressure\.levels: expected \[0.2, 0.8\]"):
        plan_sweep(changed, target, resume=True)
    with pytest.raises(StoreError, match="--resume: seed: expected 5"):
        plan_sweep(load_experiment(exp, seed=6), target, resume=True)
    with pytest.raises(StoreError, match="--resume: chunk_worlds: expected 100.*found 50"):
        plan_sweep(exp, target, resume=True, chunk_worlds=50)
    # sources, names and paths do not change the worlds: resuming is allowed
    moved = write(tmp_path, "# moved\n" + SMALL.replace("[design]", 'name = "renamed"\n[design]'), "moved.toml")
    plan_sweep(moved, target, resume=True)


def test_existing_directory_without_resume(tmp_path, reference):
    exp, out, _ = reference
    with pytest.raises(StoreError, match="found an existing one.*--resume"):
        plan_sweep(exp, out)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("mine")
    with pytest.raises(StoreError, match="not a sweep's results directory"):
        plan_sweep(exp, tmp_path / "other")
    (tmp_path / "empty").mkdir()
    assert plan_sweep(exp, tmp_path / "empty", chunk_worlds=SMALL_CHUNK).pending  # an empty one is fine


def test_a_resumed_seed_option_is_kept(tmp_path):
    exp = write(tmp_path, SMALL)
    out = tmp_path / "seeded"
    first = plan_sweep(load_experiment(exp, seed=9), out, chunk_worlds=SMALL_CHUNK)
    assert first.experiment.seed == 9
    first.close()  # a plan holds its directory's lock until it runs or is closed
    again = plan_sweep(exp, out, resume=True)  # no --seed, no --chunk-worlds: the manifest's
    assert again.experiment.seed == 9 and again.chunk_worlds == SMALL_CHUNK


def test_an_experiment_is_loaded_by_its_shipped_name_as_a_scenario_is():
    """``load_experiment("sobol-main")`` from any directory, as ``load_scenario("april-2024")``; a scenario's
    name is told to use ``trucesim run``, a name of nothing gets the shipped list's pointer."""
    assert load_experiment("sobol-main").path == (ROOT / "experiments" / "sobol-main.toml").resolve()
    with pytest.raises(ExperimentError, match=r"^april-2024: expected an experiment file, found a scenario file"):
        load_experiment("april-2024")
    with pytest.raises(ExperimentError, match=r"^sobol-mian: file not found, nor a shipped experiment .*'sobol-main'"):
        load_experiment("sobol-mian")

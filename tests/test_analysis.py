"""trucesim.analysis: probabilities with intervals, Sobol' indices (SALib), PRIM boxes (EMA Workbench)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc

from trucesim import analysis as an
from trucesim.run.stats import proportion_ci

from .conftest import BASELINE


# ------------------------------------------------------------------------------ probabilities
def test_intervals_are_the_one_wilson_interval_of_run_stats():
    df = pd.DataFrame({"deal": np.r_[np.ones(7, bool), np.zeros(93, bool)]})
    row = an.summary_table(df).iloc[0]
    lo, hi = proportion_ci(7, 100)
    assert (row["p_lo"], row["p_hi"]) == (lo, hi)
    assert not hasattr(an, "wilson_interval")  # one implementation: trucesim.run.stats


def test_bin_factor_keeps_grid_levels_and_bins_continuous_values():
    levels = an.bin_factor([0.2, 0.5, 0.8, 0.5])
    assert levels["value"].tolist() == [0.2, 0.5, 0.8, 0.5]
    assert (levels["lo"] == levels["hi"]).all()
    x = np.linspace(0, 1, 101)
    b = an.bin_factor(x, bins=4)
    assert sorted(b["value"].unique()) == [0.125, 0.375, 0.625, 0.875]
    assert ((b["lo"] <= x) & (x <= b["hi"])).all()
    edges = an.bin_factor(x, bins=[0, 0.5, 1.0])
    assert sorted(edges["value"].unique()) == [0.25, 0.75]
    with pytest.raises(ValueError, match="increasing"):
        an.bin_factor(x, bins=[1.0, 0.0])


def _toy_worlds(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"terms.prisoners_per_hostage": rng.choice([5.0, 20.0, 50.0], n), "context.us_pressure": rng.uniform(0, 1, n)}
    )
    p_gov = 0.2 + 0.6 * df["context.us_pressure"]
    p_ag = df["terms.prisoners_per_hostage"] / 60
    df["israel_accepted"] = rng.random(n) < p_gov
    df["hamas_accepted"] = rng.random(n) < p_ag
    df["deal"] = df["israel_accepted"] & df["hamas_accepted"]
    df["exit_religious_zionism"] = df["deal"] & (rng.random(n) < 0.5)
    df["exit_otzma_yehudit"] = df["deal"] & (rng.random(n) < 0.5)
    df["permanent"] = df["deal"] & (rng.random(n) < 0.2)
    return df


def test_probability_by_two_factors_counts_every_world_once():
    df = _toy_worlds()
    t = an.probability_by(df, ["terms.prisoners_per_hostage", "context.us_pressure"], "deal", bins=5)
    assert len(t) == 3 * 5
    assert t["worlds"].sum() == len(df)
    assert t["k"].sum() == df["deal"].sum()
    assert ((t["p_lo"] <= t["p"]) & (t["p"] <= t["p_hi"])).all()
    # the grid factor keeps its levels, the continuous one is binned over its range
    assert sorted(t["terms.prisoners_per_hostage"].unique()) == [5.0, 20.0, 50.0]
    assert (t["context.us_pressure_hi"] > t["context.us_pressure_lo"]).all()


def test_probability_by_recovers_the_planted_acceptance():
    df = _toy_worlds(20000)
    t = an.probability_by(
        df,
        "terms.prisoners_per_hostage",
        ["hamas_accepted", "israel_accepted"],
        labels={"hamas": "Hamas", "israel": "Israel's government"},
    )
    ham = t[t.outcome == "hamas_accepted"].set_index("terms.prisoners_per_hostage")
    for level in (5.0, 20.0, 50.0):
        assert ham.loc[level, "p_lo"] - 0.01 <= level / 60 <= ham.loc[level, "p_hi"] + 0.01
    assert t["label"].iloc[0] in ("Hamas accepts a proposal", "Israel's government accepts a proposal")


def test_labels_come_from_the_scenario_with_the_actor_id_as_fallback(baseline):
    assert an.outcome_label("hamas_accepted", baseline.labels) == "Hamas accepts a proposal"
    assert an.outcome_label("exit_otzma_yehudit", baseline.labels) == "Otzma Yehudit quits the coalition"
    assert an.outcome_label("gov_accepted") == "gov accepts a proposal"
    assert an.outcome_label("exit_p2", {"p1": "Party One"}) == "p2 quits the coalition"
    assert not hasattr(an, "DEFAULT_ACTOR_LABELS")
    # the sides in the table's column order: the government's first (as the outcome table writes them)
    assert an.acceptance_outcomes(_toy_worlds(10)) == ["israel_accepted", "hamas_accepted"]


def test_any_exit_and_outcome_names():
    df = _toy_worlds()
    names = an.outcome_names(df)
    assert names[:3] == ["deal", "israel_accepted", "hamas_accepted"]
    assert "any_exit" in names and "permanent" in names
    t = an.summary_table(df)
    row = t.set_index("outcome").loc["any_exit"]
    assert row["k"] == (df.exit_religious_zionism | df.exit_otzma_yehudit).sum()


def test_unknown_factor_and_outcome_say_what_was_meant():
    df = _toy_worlds(100)
    with pytest.raises(
        ValueError, match=r"unknown factor 'context\.us_presure' \(did you mean 'context\.us_pressure'\?\)"
    ):
        an.probability_by(df, "context.us_presure")
    with pytest.raises(ValueError, match=r"unknown outcome 'dael' \(did you mean 'deal'\?\)"):
        an.probability_by(df, "context.us_pressure", "dael")
    with pytest.raises(ValueError, match="yes/no"):
        an.binary_outcome(df, "context.us_pressure")


# ------------------------------------------------------------------------------ Sobol'
def _saltelli(d, n, seed=1):
    ab = qmc.Sobol(2 * d, seed=seed).random_base2(int(np.log2(n)))
    a, b = ab[:, :d], ab[:, d:]
    abi = [np.where(np.arange(d) == i, b, a) for i in range(d)]
    return a, b, abi


def test_sobol_indices_of_an_additive_function_match_the_analytic_values():
    # y = sum a_i x_i, x_i ~ U(0, 1): V_i = a_i^2 / 12, no interactions, so S1 = ST = a_i^2 / sum a_j^2
    coef = np.array([1.0, 2.0, 3.0, 0.0])
    f = lambda x: x @ coef
    a, b, abi = _saltelli(len(coef), 4096)
    names = ["x0", "x1", "x2", "x3"]
    res = an.sobol_from_samples(f(a), f(b), [f(m) for m in abi], names).set_index("factor")
    expected = coef**2 / (coef**2).sum()
    for name, e in zip(names, expected):
        assert res.loc[name, "S1"] == pytest.approx(e, abs=0.03)
        assert res.loc[name, "ST"] == pytest.approx(e, abs=0.03)
        assert res.loc[name, "S1_lo"] <= res.loc[name, "S1"] <= res.loc[name, "S1_hi"]
        assert res.loc[name, "ST_lo"] - 0.03 <= e <= res.loc[name, "ST_hi"] + 0.03
    assert list(res.index[:3]) == ["x2", "x1", "x0"]  # sorted by total order


def test_sobol_intervals_are_reproducible_and_shrink_with_more_samples():
    f = lambda x: x[:, 0] + 0.5 * x[:, 1] ** 2
    a, b, abi = _saltelli(2, 256)
    r1 = an.sobol_from_samples(f(a), f(b), [f(m) for m in abi], ["u", "v"], seed=3)
    r2 = an.sobol_from_samples(f(a), f(b), [f(m) for m in abi], ["u", "v"], seed=3)
    pd.testing.assert_frame_equal(r1, r2)
    a, b, abi = _saltelli(2, 4096)
    big = an.sobol_from_samples(f(a), f(b), [f(m) for m in abi], ["u", "v"], seed=3)
    assert (big.ST_hi - big.ST_lo).mean() < (r1.ST_hi - r1.ST_lo).mean()


def test_sobol_indices_from_a_saltelli_sweep_layout():
    # the layout trucesim.sweep.experiment records: rows [0,N) A, [N,2N) B, [(2+i)N,(3+i)N) AB_i
    coef = np.array([2.0, 1.0])
    d, n = 2, 1024
    a, b, abi = _saltelli(d, n)
    x = np.vstack([a, b, *abi])
    rng = np.random.default_rng(0)
    wpp = 4  # worlds per point, each a yes/no draw with probability f(x) / 3
    p = (x @ coef) / 3
    worlds = pd.DataFrame(
        {"point": np.repeat(np.arange(len(x)), wpp), "deal": rng.random(len(x) * wpp) < np.repeat(p, wpp)}
    )
    design = {
        "kind": "sobol",
        "points": len(x),
        "factors": ["k0", "k1"],
        "saltelli": {"n": n, "A": [0, n], "B": [n, 2 * n], "AB": {"k0": [2 * n, 3 * n], "k1": [3 * n, 4 * n]}},
    }
    res = an.sobol_indices(worlds, design, "deal").set_index("factor")
    assert res.attrs["base_samples"] == n
    assert res.loc["k0", "ST"] > res.loc["k1", "ST"]
    assert res.loc["k0", "S1"] == pytest.approx(0.8 * 0.5, abs=0.2)  # binomial noise shares the variance
    with pytest.raises(ValueError, match="Saltelli"):
        an.sobol_indices(worlds, {"kind": "grid", "factors": ["k0"], "saltelli": None})
    with pytest.raises(ValueError, match="no worlds"):
        an.sobol_indices(worlds[worlds.point != 5], design)


def test_sobol_of_a_constant_output_is_zero():
    res = an.sobol_from_samples(np.ones(8), np.ones(8), np.ones((2, 8)), ["a", "b"])
    assert (res[["S1", "ST"]] == 0).all().all()


# ------------------------------------------------------------------------------ PRIM
def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(0, 1, (4000, 4)), columns=["a", "b", "c", "d"])
    inside = (x.a > 0.3) & (x.a < 0.7) & (x.c > 0.6)
    y = np.where(inside, rng.random(4000) < 0.9, rng.random(4000) < 0.05)
    boxes, traj = an.prim_boxes(x, y, return_trajectory=True)
    first = boxes[boxes.box == 1].set_index("factor")
    assert set(first.index) == {"a", "c"}
    assert first.loc["a", "low"] == pytest.approx(0.3, abs=0.06)
    assert first.loc["a", "high"] == pytest.approx(0.7, abs=0.06)
    assert first.loc["c", "low"] == pytest.approx(0.6, abs=0.06)
    # 90% of the box's cases are of interest, and 5% outside it: at best 77% coverage
    assert first["density"].iloc[0] > 0.8 and first["coverage"].iloc[0] > 0.7
    assert traj["chosen"].sum() == 1 and {"coverage", "density", "mass", "res_dim"} <= set(traj.columns)


def test_an_outcome_that_never_varies_has_no_sobol_indices_and_no_prim_box():
    """Sobol' indices of an outcome equal at every point were drawn as 0 [0, 0] (they are 0/0), and PRIM of
    an outcome every world has drew a box with no restriction; both are refused, saying why."""
    design = {"factors": ["x"], "points": 6, "saltelli": {"A": [0, 2], "B": [2, 4], "AB": {"x": [4, 6]}}}
    worlds = pd.DataFrame({"point": np.repeat(np.arange(6), 3), "deal": False, "x": np.repeat(np.arange(6.0), 3)})
    with pytest.raises(ValueError, match="'deal' is 0 at every design point: its Sobol' indices are undefined"):
        an.sobol_indices(worlds, design, "deal")
    with pytest.raises(ValueError, match="every world has the outcome 'deal'"):
        an.scenario_discovery(worlds.assign(deal=True), ["x"], "deal")


def test_prim_with_a_threshold_and_bad_input():
    rng = np.random.default_rng(2)
    pts = pd.DataFrame({"u": rng.uniform(0, 1, 500), "v": rng.uniform(0, 1, 500)})
    p = np.clip(pts.u * 1.4, 0, 1)
    boxes = an.prim_boxes(pts, p, threshold=0.5)
    row = boxes.set_index("factor").loc["u"]
    assert row["low"] == pytest.approx(0.5 / 1.4, abs=0.05)
    with pytest.raises(ValueError, match="no case of interest"):
        an.prim_boxes(pts, np.zeros(500, bool))
    with pytest.raises(ValueError, match="threshold"):
        an.prim_boxes(pts, p)


# ------------------------------------------------------------------------------ sweeps read back, seats
def test_seats_kept_and_majority(baseline):
    df = pd.DataFrame(
        {
            "exit_coalition_core": [False, False, False],
            "exit_religious_zionism": [False, True, True],
            "exit_otzma_yehudit": [False, False, True],
        }
    )
    assert an.seats_kept(df, baseline).tolist() == [64.0, 57.0, 51.0]
    df["actors.otzma_yehudit.seats"] = [10.0, 10.0, 10.0]
    assert an.seats_kept(df, baseline).tolist() == [68.0, 61.0, 51.0]
    assert an.majority(df, baseline) == 61.0


def test_analysis_never_runs_the_model():
    import ast

    from .conftest import ROOT

    for path in sorted((ROOT / "trucesim" / "analysis").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(
                    (
                        "trucesim.model",
                        "trucesim.run.simulate",
                        "trucesim.plots",
                        "trucesim.report",
                        "trucesim.commands",
                    )
                ), (path.name, name)


def test_results_errors_are_one_line(tmp_path):
    with pytest.raises(an.ResultsError, match="no such directory"):
        an.open_results(tmp_path / "nowhere", "report")
    with pytest.raises(an.ResultsError, match="needs a sweep's results directory, found the scenario file"):
        an.open_results(BASELINE, "report")
    exp = tmp_path / "e.toml"
    exp.write_text('scenario = "x.toml"\n[factors."terms.pause_days"]\nlevels = [1, 2]\n')
    assert an.is_experiment_file(exp) and not an.is_experiment_file(BASELINE)
    with pytest.raises(an.ResultsError, match="run it first: trucesim sweep"):
        an.open_results(exp, "--kind heatmap")


def test_scenario_from_record_rebuilds_the_scenario(baseline):
    from trucesim.config.scenario import load_scenario
    from trucesim.sweep.manifest import scenario_record

    uncertain = load_scenario(BASELINE.parent / "april-2024-uncertain.toml")
    for s in (baseline, uncertain):
        rebuilt = an.scenario_from_record(scenario_record(s))
        assert rebuilt.name == s.name and rebuilt.actors == s.actors and rebuilt.labels == s.labels
        for k in s.values:
            assert rebuilt.value(k) == pytest.approx(s.value(k)), k
        a = s.draw(np.random.default_rng(0), 50)
        b = rebuilt.draw(np.random.default_rng(0), 50)
        for k in a:
            np.testing.assert_allclose(a[k], b[k])


def test_a_cell_pooling_points_that_share_worlds_keeps_its_95_percent():
    """A sweep's points share their worlds (world r has the same draws at every point), so a cell pooling
    several points holds fewer independent worlds than rows: its interval is clustered by draws. Simulated
    sweeps of 10 points x 300 worlds, the outcome a shared uniform under each point's probability (as
    common random numbers make it): the clustered interval covers the true pooled share about 95% of
    the time; one treating the 3,000 rows as independent, far less."""
    from trucesim.run.stats import wilson_interval

    rng = np.random.default_rng(7)
    points, worlds, reps = 10, 300, 250
    p_point = np.linspace(0.02, 0.2, points)
    truth = p_point.mean()
    covered = naive = 0
    for _ in range(reps):
        u = rng.random(worlds)  # one draw per world, shared by every point
        df = pd.DataFrame(
            {
                "replicate": np.tile(np.arange(worlds), points),
                "deal": (u[None, :] < p_point[:, None]).ravel(),
            }
        )
        row = an.probability_by(df, (), "deal").iloc[0]
        covered += row["p_lo"] <= truth <= row["p_hi"]
        lo, hi = wilson_interval(row["k"], row["worlds"])
        naive += lo <= truth <= hi
    assert covered / reps > 0.92, covered / reps
    assert naive / reps < 0.75, naive / reps


def test_rows_of_their_own_worlds_keep_wilsons_interval():
    from trucesim.run.stats import wilson_interval

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"replicate": np.arange(500), "deal": rng.random(500) < 0.3})
    row = an.probability_by(df, (), "deal").iloc[0]
    assert (row["p_lo"], row["p_hi"]) == tuple(float(v) for v in wilson_interval(row["k"], row["worlds"]))
    two_copies = pd.concat([df, df], ignore_index=True)  # the same 500 worlds twice: worth about 500 worlds
    pooled = an.probability_by(two_copies, (), "deal").iloc[0]
    assert pooled["worlds"] == 1000 and pooled["p"] == row["p"]
    assert pooled["p_hi"] - pooled["p_lo"] == pytest.approx(row["p_hi"] - row["p_lo"], rel=0.01)


def test_effective_worlds_at_the_edges():
    from trucesim.run.stats import effective_worlds

    one = np.zeros(3, int)
    # a single cluster: one world's draws, whatever the points
    assert effective_worlds(np.array([2]), np.array([5]), np.zeros(1, int), 1).tolist() == [1.0]
    # no event, or only events: no clustering to measure, every row counts (Wilson's own interval)
    assert effective_worlds(np.array([0, 0, 0]), np.array([4, 4, 4]), one, 1).tolist() == [12.0]
    # clusters of single worlds: every world counts, not n - 1
    assert effective_worlds(np.array([1, 0, 1]), np.array([1, 1, 1]), one, 1).tolist() == [3.0]
    # one event in a pooled cell is worth no more worlds than none
    none = effective_worlds(np.zeros(300, int), np.full(300, 10), np.zeros(300, int), 1)[0]
    k = np.zeros(300, int)
    k[0] = 1
    assert effective_worlds(k, np.full(300, 10), np.zeros(300, int), 1)[0] <= none

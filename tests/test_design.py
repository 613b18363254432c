"""The deal designer (``trucesim design``, :mod:`trucesim.designer`).

Most tests use a synthetic scenario (extending april-2024) in which each side
cares only about prisoners per hostage and aid, nothing moves its reservation
value, and the mediators table one proposal.  The probability of a deal is then
known in closed form::

    p_deal = expit(30 (U_gov - 0.7)) * expit(30 (U_ag - 0.6))
    U_gov = (1 - u1 + 1 - |u2 - 0.6|) / 2,  U_ag = (u1 + 1 - |u2 - 0.6|) / 2
    u1 = min(prisoners / 50, 1), u2 = min(trucks / 600, 1)

maximised at 20 prisoners per hostage and 360 trucks a day (p = expit(3)^2),
with a day-0 zone of possible agreement U_gov >= 0.7 and U_ag >= 0.6.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from trucesim import load_scenario
from trucesim.cli import main as cli_main
from trucesim.config.terms import TERM_NAMES
from trucesim.designer.design import MAX_POLISH_MOVES, design
from trucesim.designer.evaluate import Evaluator, day0_acceptance, simulate_candidate
from trucesim.designer.outputs import OUTPUT_FILES, write_outputs
from trucesim.designer.probes import marginal_effects, zone_of_agreement
from trucesim.designer.search import SearchPlan, pareto_front, plan_search
from trucesim.designer.search import search as run_search
from trucesim.designer.space import DesignError, make_space

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "scenarios" / "april-2024.toml"
TERMS = list(TERM_NAMES)
LAMBDA, R_GOV, R_AG = 30.0, 0.7, 0.6
X_STAR = (20.0, 360.0)
P_STAR = float(expit(LAMBDA * 0.1) ** 2)
VARY_2D = ["terms.prisoners_per_hostage=0..50", "terms.aid_trucks_per_day=0..1000"]


def synthetic_toml(out_dir: Path) -> str:
    rel = os.path.relpath(BASE, out_dir)
    weights = {t: 0 for t in TERMS} | {"prisoners_per_hostage": 1, "aid_trucks_per_day": 1}
    lines = [
        f'extends = "{rel}"',
        "",
        "[meta]",
        'name = "synthetic"',
        "",
        "[terms]",
        "hostages_released = 0",
        "prisoners_per_hostage = 20",
        "aid_trucks_per_day = 360",
        "",
        "[protocol]",
        "max_rounds = 1",
        "horizon_days = 20",
        "",
    ]
    zeros = {
        "israel": [
            "sensitivity_us",
            "sensitivity_family",
            "sensitivity_isolation",
            "survival_weight",
            "offensive_daily_prob",
            "offensive_value",
            "sensitivity_losses",
            "sensitivity_hostage_deaths",
            "deadline_cost",
        ],
        "hamas": [
            "sensitivity_military",
            "sensitivity_humanitarian",
            "sensitivity_mediators",
            "patience",
            "leverage_value",
            "sensitivity_attrition",
            "sensitivity_hardship",
            "deadline_cost",
        ],
    }
    for actor, r, ideal in (("israel", R_GOV, 0), ("hamas", R_AG, 1)):
        lines += [f"[actors.{actor}]", f"reservation = {r}", "truce_value = 0", f"rationality = {LAMBDA:g}"]
        lines += [f"{k} = 0" for k in zeros[actor]] + [""]
        lines += [f"[actors.{actor}.weights]"] + [f"{t} = {w}" for t, w in weights.items()] + [""]
        lines += [f"[actors.{actor}.ideal]", f"prisoners_per_hostage = {ideal}", "aid_trucks_per_day = 0.6", ""]
    for party in ("religious_zionism", "otzma_yehudit"):
        lines += [f"[actors.{party}]", "exit_credibility = 0", ""]
    return "\n".join(lines)


def closed_form(prisoners, trucks):
    """(p_gov, p_ag) of accepting the terms, in closed form."""
    u1 = np.clip(np.asarray(prisoners) / 50.0, 0, 1)  # terms are normalised onto 0..1
    u2 = np.clip(np.asarray(trucks) / 600.0, 0, 1)
    ug = (1 - u1 + 1 - np.abs(u2 - 0.6)) / 2
    ua = (u1 + 1 - np.abs(u2 - 0.6)) / 2
    return expit(LAMBDA * (ug - R_GOV)), expit(LAMBDA * (ua - R_AG))


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("synthetic")
    path = d / "synthetic.toml"
    path.write_text(synthetic_toml(d))
    return path


@pytest.fixture(scope="module")
def scenario(synth):
    return load_scenario(synth)


@pytest.fixture(scope="module")
def result2d(scenario):
    space = make_space(scenario, VARY_2D)
    return design(space, "p_deal", worlds=2000, seed=0, grid=21)


# --- the synthetic scenario is what the closed form says --------------------------------------


def test_synthetic_scenario_matches_the_closed_form(scenario):
    for x1, x2 in [(20, 360), (10, 360), (28, 300), (35, 500)]:
        acc = day0_acceptance(scenario, {"terms.prisoners_per_hostage": x1, "terms.aid_trucks_per_day": x2}, 500, 0)
        pg, pa = closed_form(x1, x2)
        assert acc["p_government_accepts"] == pytest.approx(pg, abs=1e-5)
        assert acc["p_armed_group_accepts"] == pytest.approx(pa, abs=1e-5)
    w = simulate_candidate(scenario, {"terms.prisoners_per_hostage": 20, "terms.aid_trucks_per_day": 360}, 4000, 3)
    assert w["deal"].mean() == pytest.approx(P_STAR, abs=0.025)


def test_day0_acceptance_is_the_models_own():
    """The zone uses each side's probability of accepting as the model's answers use it: the agents' own
    ``decision_probability`` on the tabled terms, world by world (the same worlds as ``trucesim run``)."""
    from trucesim.model.model import TruceModel
    from trucesim.model.streams import run_streams

    scenario = load_scenario(BASE)
    got = {}
    for held in (None, 200):  # 200: beyond what the armed group holds in the agreed categories
        values = {} if held is None else {"terms.hostages_released": held}
        w = got[held] = simulate_candidate(scenario, values, 200, 5, run=False)
        m = TruceModel(scenario, 200, rng=run_streams(5, 0, 200), collect=False)
        t, idx = m.terms.copy(), np.arange(200)
        if held is not None:
            t[:, 1] = held
        assert np.array_equal(w["p_gov0"], m.government.decision_probability(t, idx).astype(np.float32))
        assert np.array_equal(w["p_ag0"], m.armed_group.decision_probability(t, idx).astype(np.float32))
    for p in (got[None]["p_gov0"], got[None]["p_ag0"]):  # the tabled terms: probabilities, not certainties
        assert ((p > 0) & (p < 1)).any()
    assert (got[200]["p_ag0"] == 0).all()  # it cannot accept a demand beyond the hostages it holds


def test_points_built_together_give_each_points_own_numbers():
    """The zone builds many points in one model (day0_acceptances): each block of worlds must give what the
    point gives alone, with uncertain parameters, a calendar key (the deadline) among the varied ones,
    and a world count that does not divide the model's."""
    from trucesim.designer.evaluate import day0_acceptances

    scenario = load_scenario(REPO / "scenarios" / "april-2024-uncertain.toml")
    points = [
        {"terms.hostages_released": h, "protocol.deadline_days": d, "terms.permanent_ceasefire": c}
        for h in (10.0, 30.0, 200.0)
        for d in (2.0, 14.0)
        for c in (0.0, 1.0)
    ]

    class Count:
        n = 0

        def update(self, k):
            self.n += k

    bar = Count()
    together = day0_acceptances(scenario, points, 3333, 5, progress=bar)
    assert together == [day0_acceptance(scenario, v, 3333, 5) for v in points]
    assert len({a["p_armed_group_accepts"] for a in together}) > 4  # the points differ
    assert bar.n == len(points)
    # points that set different keys (one more, one fewer) each keep their own
    mixed = [points[0], {**points[1], "actors.hamas.reservation": 0.0}, {"terms.hostages_released": 10.0}]
    for order in (mixed, mixed[::-1]):
        assert day0_acceptances(scenario, order, 500, 5) == [day0_acceptance(scenario, v, 500, 5) for v in order]


def test_docstring_examples(monkeypatch):
    import doctest
    import importlib

    monkeypatch.chdir(REPO)
    attempted = 0
    for name in ("space", "evaluate", "search", "probes", "outputs", "design"):
        module = importlib.import_module(f"trucesim.designer.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
        attempted += result.attempted
    assert attempted >= 10


# --- the optimiser -------------------------------------------------------------------------------


def test_search_finds_the_maximum_of_a_known_function_within_its_budget():
    f = lambda X, stage: -((X[:, 0] - 3.3) ** 2 + ((X[:, 1] - 20.0) / 10.0) ** 2)
    plan = plan_search(2)
    for seed in range(4):
        calls = []
        r = run_search(
            lambda X, stage, calls=calls: calls.append(len(X)) or f(X, stage),
            [0.0, 0.0],
            [10.0, 50.0],
            plan=plan,
            seed=seed,
            integrality=[False, True],
        )
        assert r.x[0] == pytest.approx(3.3, abs=0.2)  # 2% of the range
        assert abs(r.x[1] - 20.0) <= 1 and r.x[1] == int(r.x[1])
        assert len(r.X) == sum(calls) <= plan.budget
        assert r.value == f(r.x[None, :], "search")[0] == r.y.max()


def test_plan_search_budget():
    assert plan_search(2) == SearchPlan(32, 10, 10)
    assert plan_search(1).budget == 116
    for d, b in [(1, 20), (2, 60), (3, 500)]:
        assert plan_search(d, b).budget <= b
    with pytest.raises(DesignError, match="--budget"):
        plan_search(2, 5)


def test_designer_finds_the_closed_form_optimum(result2d):
    best = result2d.best
    assert best["terms"]["terms.prisoners_per_hostage"] == pytest.approx(X_STAR[0], abs=2.0)
    assert best["terms"]["terms.aid_trucks_per_day"] == pytest.approx(X_STAR[1], abs=30.0)
    assert best["value"] == pytest.approx(P_STAR, abs=0.03)
    lo, hi = best["ci"]
    assert lo <= best["value"] <= hi and hi - lo < 0.05
    assert best["objective"] == "p_deal"
    assert best["search"]["simulations"] <= best["search"]["budget"] + 2 * (1 + MAX_POLISH_MOVES) * 2 + 1


def test_zone_of_agreement_matches_the_closed_form(result2d):
    z = result2d.zone
    x1, x2 = z["terms.prisoners_per_hostage"].to_numpy(), z["terms.aid_trucks_per_day"].to_numpy()
    pg, pa = closed_form(x1, x2)
    assert z["p_government_accepts"].to_numpy() == pytest.approx(pg, abs=1e-5)
    assert z["p_armed_group_accepts"].to_numpy() == pytest.approx(pa, abs=1e-5)
    clear = (np.abs(pg - 0.5) > 1e-3) & (np.abs(pa - 0.5) > 1e-3)
    expected = (pg >= 0.5) & (pa >= 0.5)
    assert (z["in_zone"].to_numpy()[clear] == expected[clear]).all()
    assert 0 < z["in_zone"].sum() < len(z)


def test_zone_in_one_dimension(scenario):
    space = make_space(scenario, ["terms.prisoners_per_hostage=0..40"], ["terms.aid_trucks_per_day=360"])
    z = zone_of_agreement(space, 300, 0, points=41)
    x = z["terms.prisoners_per_hostage"].to_numpy()
    inside = z["in_zone"].to_numpy()
    # U_gov >= 0.7 iff prisoners <= 30, U_ag >= 0.6 iff prisoners >= 10
    assert inside[(x > 10.5) & (x < 29.5)].all()
    assert not inside[(x < 9.5) | (x > 30.5)].any()


def test_marginal_effect_matches_the_closed_form_derivative(scenario):
    space = make_space(scenario, ["terms.prisoners_per_hostage=0..50"], ["terms.aid_trucks_per_day=360"])
    ev = Evaluator(space, worlds=4000, seed=2)
    for at, sign in ((14.0, +1), (26.0, -1)):
        m = marginal_effects(ev, [at], step=0.05).iloc[0]
        lo, hi = m["low"], m["high"]
        truth = np.prod(closed_form(hi, 360)) - np.prod(closed_form(lo, 360))
        truth /= hi - lo
        assert np.sign(m["p_deal_per_unit"]) == sign
        half = (m["p_deal_per_unit_hi"] - m["p_deal_per_unit_lo"]) / 2
        assert abs(m["p_deal_per_unit"] - truth) < 2.5 * half
        assert m["step"] == pytest.approx(2.5) and m["at"] == at


# --- Pareto front --------------------------------------------------------------------------------


def test_pareto_front():
    assert pareto_front([0.1, 0.2, 0.3, 0.2], [5.0, 4.0, 1.0, 3.0]).tolist() == [True, True, True, False]
    assert pareto_front([0.1, 0.2], [5.0, 4.0], maximize_b=False).tolist() == [False, True]
    assert pareto_front([0.1, 0.1], [1.0, 1.0]).tolist() == [True, True]  # identical points do not dominate
    ties = pareto_front([0.3, 0.3, 0.2, 0.3, 0.1], [0.02, 0.02, 0.01, 0.03, 0.02], maximize_b=False)
    assert ties.tolist() == [True, True, True, False, False]
    rng = np.random.default_rng(0)
    a, b = rng.random(200), rng.random(200)
    front = pareto_front(a, b)
    for i in np.flatnonzero(front):
        assert not ((a >= a[i]) & (b >= b[i]) & ((a > a[i]) | (b > b[i]))).any()
    for i in np.flatnonzero(~front):
        assert ((a[front] >= a[i]) & (b[front] >= b[i])).any()


def test_pareto_table_is_the_front_of_the_candidates(result2d):
    c = result2d.candidates
    front = c[c["pareto"]]
    assert len(result2d.pareto) == len(front) >= 1
    assert set(result2d.pareto["candidate"]) == set(front["candidate"])


def test_figures_name_the_sides_by_the_scenario_labels(result2d):
    from trucesim.plots.designer import design_figures

    figs = design_figures(result2d)
    labels = result2d.space.scenario.labels
    gov, ag = (labels[result2d.space.scenario.actors_of(kind)[0]] for kind in ("government", "armed_group"))
    legend = [t.get_text() for t in figs["zopa.png"].legends[0].get_texts()]  # below the axes, on the figure
    assert any(t.startswith(f"{gov} accepts") for t in legend) and any(t.startswith(f"{ag} accepts") for t in legend)
    assert not any("armed group" in t for t in legend)
    from matplotlib.text import Text

    pareto = [t.get_text() for t in figs["pareto.png"].findobj(Text) if t.get_text()]
    assert any("Pareto front" in t for t in pareto) and not any("armed group" in t for t in pareto)


def test_write_outputs_writes_the_figures_it_is_given(result2d, tmp_path):
    """The designer draws nothing itself: without figures no PNG is written, and an old one is removed."""
    from matplotlib.figure import Figure

    out = tmp_path / "d"
    out.mkdir()
    (out / "zopa.png").write_bytes(b"old")
    written, removed = write_outputs(result2d, out)
    assert sorted(p.name for p in written) == sorted(n for n in OUTPUT_FILES if not n.endswith(".png"))
    assert [p.name for p in removed] == ["zopa.png"]
    written, _ = write_outputs(result2d, out, figures={"pareto.png": Figure(), "zopa.png": None})
    assert written[-1].name == "pareto.png" and not (out / "zopa.png").exists()
    with pytest.raises(ValueError, match="figures"):
        write_outputs(result2d, out, figures={"zone.svg": Figure()})


def test_non_term_keys_and_calendar_keys_can_be_varied(scenario):
    """Any numeric key: an actor's reservation value (per world) and the deadline (the calendar)."""
    space = make_space(
        scenario,
        ["actors.hamas.reservation=0.5..0.7", "protocol.deadline_days=1..5"],
        ["terms.prisoners_per_hostage=20", "terms.aid_trucks_per_day=360"],
    )
    r = design(space, worlds=500, seed=0, budget=30, grid=3)
    # a lower worth of continuing the war for the armed group makes a deal more likely
    assert r.best["terms"]["actors.hamas.reservation"] == pytest.approx(0.5, abs=0.02)
    z = r.zone.groupby("actors.hamas.reservation")["p_armed_group_accepts"].mean()
    assert z.is_monotonic_decreasing
    assert set(r.candidates["protocol.deadline_days"]) <= {1, 2, 3, 4, 5}


def test_hostages_released_objective(scenario):
    space = make_space(scenario, VARY_2D, ["terms.hostages_released=5"])
    r = design(space, "hostages_released_mean", worlds=800, seed=0, budget=60, grid=4)
    b = r.best
    assert b["objective"] == "hostages_released_mean" and r.versus == "hostages_released_mean"
    assert b["ci"][0] <= b["value"] <= b["ci"][1] and b["value"] > 0
    assert b["terms"]["terms.prisoners_per_hostage"] == pytest.approx(X_STAR[0], abs=5)
    assert b["terms"]["terms.aid_trucks_per_day"] == pytest.approx(X_STAR[1], abs=60)
    assert "hostages_released_mean_per_unit" in r.marginal.columns


def test_bad_objectives(scenario):
    space = make_space(scenario, VARY_2D)
    with pytest.raises(DesignError, match="--maximize p_win: expected one of"):
        design(space, "p_win")
    with pytest.raises(DesignError, match="--versus p_deal: expected a second objective"):
        design(space, "p_deal", versus="p_deal")


# --- constraints ---------------------------------------------------------------------------------


def test_every_candidate_meets_the_constraints(scenario):
    cons = ["terms.prisoners_per_hostage >= 24", "terms.aid_trucks_per_day < 300", "30 <= terms.pause_days"]
    space = make_space(scenario, VARY_2D + ["terms.pause_days=10..60"], [], cons)
    r = design(space, "p_deal", worlds=1000, seed=0, budget=80, grid=5)
    c = r.candidates
    assert (c["terms.prisoners_per_hostage"] >= 24).all()
    assert (c["terms.aid_trucks_per_day"] < 300).all()
    assert (c["terms.pause_days"] >= 30).all()
    for frame in (r.zone, r.pareto):
        assert (frame["terms.prisoners_per_hostage"] >= 24).all()
        assert (frame["terms.aid_trucks_per_day"] < 300).all()
    # the constrained optimum: prisoners as near 20 and trucks as near 360 as allowed
    assert r.best["terms"]["terms.prisoners_per_hostage"] <= 27
    assert r.best["terms"]["terms.aid_trucks_per_day"] >= 270
    assert r.best["constraints"] == [
        "terms.prisoners_per_hostage >= 24",
        "terms.aid_trucks_per_day < 300",
        "terms.pause_days >= 30",
    ]


def test_constraints_narrow_whole_number_ranges(scenario):
    space = make_space(
        scenario,
        ["terms.pause_days=10..60", "terms.return_north=0..1"],
        [],
        ["terms.pause_days > 20.5", "terms.pause_days < 40", "terms.return_north < 0.5"],
    )
    assert space.lower.tolist() == [21.0, 0.0]
    assert space.upper[0] == 39.0 and space.upper[1] < 0.5
    X = space.from_unit(np.random.default_rng(0).random((500, 2)))
    assert space.feasible(X).all()


def test_equality_constraint_holds_a_key(scenario):
    space = make_space(scenario, VARY_2D, [], ["terms.aid_trucks_per_day == 360"])
    r = design(space, worlds=500, seed=0, budget=40, grid=5)
    assert (r.candidates["terms.aid_trucks_per_day"] == 360).all()
    assert r.marginal.set_index("key").loc["terms.aid_trucks_per_day", "step"] == 0


# --- reproducibility -----------------------------------------------------------------------------


def test_same_seed_same_result(scenario):
    space = make_space(scenario, VARY_2D)
    a = design(space, worlds=500, seed=4, budget=48, grid=4)
    b = design(space, worlds=500, seed=4, budget=48, grid=4)
    pd.testing.assert_frame_equal(a.candidates, b.candidates)
    pd.testing.assert_frame_equal(a.marginal, b.marginal)
    assert json.dumps(a.best, sort_keys=True) == json.dumps(b.best, sort_keys=True)
    c = design(space, worlds=500, seed=5, budget=48, grid=4)
    assert not a.candidates[space.keys].equals(c.candidates[space.keys])


def test_candidates_share_their_worlds(scenario):
    """Common random numbers: at day 0 every candidate's worlds draw the same uncertain parameters."""
    s = load_scenario(REPO / "scenarios" / "april-2024-uncertain.toml")
    a = simulate_candidate(s, {"terms.prisoners_per_hostage": 10.0}, 300, 7, run=False)
    b = simulate_candidate(s, {"terms.prisoners_per_hostage": 10.0}, 300, 7, run=False)
    c = simulate_candidate(s, {"terms.prisoners_per_hostage": 11.0}, 300, 7, run=False)
    assert np.array_equal(a["p_ag0"], b["p_ag0"])
    # more prisoners never lowers the armed group's acceptance in any world: same worlds, same draws
    assert (c["p_ag0"] >= a["p_ag0"]).all() and (c["p_ag0"] > a["p_ag0"]).any()


def test_jobs_do_not_change_results(scenario):
    space = make_space(scenario, VARY_2D)
    X = [[10, 300], [20, 360], [30, 500]]
    with Evaluator(space, 400, 1, jobs=2) as par:
        got = [c.metrics for c in par.evaluate(X, "screen")]
    with Evaluator(space, 400, 1, jobs=1) as one:
        want = [c.metrics for c in one.evaluate(X, "screen")]
    assert got == want


# --- the command ----------------------------------------------------------------------------------


def _cli(argv, capsys):
    """Run the command in-process: (exit status, stdout, stderr); argparse's exits included."""
    try:
        rc = cli_main(argv)
    except SystemExit as e:
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def test_command_end_to_end(synth, tmp_path, capsys):
    out = tmp_path / "design"
    rc, stdout, err = _cli(
        [
            "design",
            str(synth),
            *sum((["--vary", v] for v in VARY_2D), []),
            "--fix",
            "terms.pause_days=30",
            "--constraint",
            "terms.aid_trucks_per_day <= 340",
            "--versus",
            "p_government_falls",
            "--worlds",
            "600",
            "--seed",
            "3",
            "--budget",
            "48",
            "--grid",
            "6",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert rc == 0, err
    assert "best terms for p_deal" in stdout and "not a forecast" in stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(OUTPUT_FILES)
    best = json.loads((out / "best.json").read_text())
    assert set(best) >= {"terms", "objective", "value", "ci"}
    assert set(best["terms"]) == {"terms.prisoners_per_hostage", "terms.aid_trucks_per_day", "terms.pause_days"}
    assert best["terms"]["terms.pause_days"] == 30 and best["terms"]["terms.aid_trucks_per_day"] <= 340
    assert best["ci"][0] <= best["value"] <= best["ci"][1]
    cands = pd.read_csv(out / "candidates.csv")
    assert (cands["terms.aid_trucks_per_day"] <= 340).all() and len(cands) >= 16
    assert len(pd.read_csv(out / "marginal.csv")) == 2
    zopa = pd.read_csv(out / "zopa.csv")
    assert len(zopa) == 36 and {"p_government_accepts", "p_armed_group_accepts", "in_zone"} <= set(zopa.columns)
    assert "p_government_falls" in pd.read_csv(out / "pareto.csv").columns
    for png in ("zopa.png", "pareto.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # best.toml re-runs the best terms: `trucesim run` on fresh worlds gives best.json's value
    rc, stdout, err = _cli(
        ["run", str(out / "best.toml"), "--worlds", "600", "--seed", str(best["check"]["seed"]), "--format", "json"],
        capsys,
    )
    assert rc == 0, err
    assert json.loads(stdout)["p_deal"] == pytest.approx(best["value"], abs=1e-6)


def test_out_dir_is_refused_unless_force(synth, tmp_path, capsys):
    out = tmp_path / "d"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    argv = [
        "design",
        str(synth),
        "--vary",
        "terms.prisoners_per_hostage=0..50",
        "--worlds",
        "100",
        "--budget",
        "16",
        "--grid",
        "3",
        "--out",
        str(out),
    ]
    rc, _, err = _cli(argv, capsys)
    assert rc == 1 and err.startswith("trucesim: error: --out") and "--force" in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    rc, _, err = _cli(argv + ["--force"], capsys)
    assert rc == 0, err
    assert (out / "notes.txt").read_text() == "mine" and (out / "best.json").exists()
    # a second design with three keys draws no zone figure: the old one is removed, and said so
    rc, _, err = _cli(
        argv[:2]
        + ["--vary", "terms.pause_days=10..40", "--vary", "terms.return_north=0..1", "--vary", "terms.guarantees=0..1"]
        + argv[4:]
        + ["--force"],
        capsys,
    )
    assert rc == 0, err
    assert not (out / "zopa.png").exists() and "zopa.png" in err and (out / "notes.txt").exists()


def test_unwritable_out_fails_before_the_search(capsys):
    rc, _, err = _cli(["design", str(BASE), "--vary", "pause_days=10..20", "--out", "/dev/null/design"], capsys)
    assert rc == 1 and err.strip() == "trucesim: error: --out /dev/null/design: cannot write: Not a directory"


BAD = [
    (["--vary", "terms.pause_days"], "--vary 'terms.pause_days': expected KEY=LOW..HIGH"),
    (["--vary", "terms.pase_days=1..5"], "did you mean 'terms.pause_days'"),
    (["--vary", "terms.pause_days=10.."], "expected a range LOW..HIGH"),
    (["--vary", "terms.pause_days=50..10"], "expected LOW <= HIGH, found 50 > 10"),
    (["--vary", "terms.pause_days=10..400"], "expected a range within 0..365 (days), found 10..400"),
    (["--vary", "terms.pause_days=10.5..20"], "expected whole numbers"),
    (["--vary", "terms.pause_days=10..10"], "use --fix terms.pause_days=10"),
    (["--vary", "pause_days=10..20", "--vary", "terms.pause_days=5..9"], "expected each key once"),
    (
        ["--vary", "pause_days=10..20", "--fix", "terms.withdrawal=2"],
        "--fix 'terms.withdrawal=2': expected a value in 0..1",
    ),
    (["--vary", "pause_days=10..20", "--fix", "terms.withdrawal=abc"], "expected VALUE to be a number, found 'abc'"),
    (["--vary", "pause_days=10..20", "--fix", "terms.withdrawal"], "--fix 'terms.withdrawal': expected KEY=VALUE"),
    (["--vary", "pause_days=10..20", "--fix", "terms.hostages_released=4.5"], "expected a whole number"),
    (["--vary", "pause_days=10..20", "--fix", "pause_days=30"], "expected each key once"),
    (["--vary", "pause_days=10..20", "--constraint", "terms.pause_days = 15"], "did you mean '=='"),
    (["--vary", "pause_days=10..20", "--constraint", "terms.pause_days >= 40"], "found none in the range 10..20"),
    (
        ["--vary", "pause_days=10..20", "--constraint", "terms.hostages_released >= 50"],
        "found terms.hostages_released = 40 in april-2024.toml",
    ),
    (["--vary", "pause_days=10..20", "--constraint", "pause_days"], "expected KEY OP NUMBER"),
    (["--vary", "pause_days=10..20", "--constraint", "3 < 4"], "found two numbers"),
    (["--vary", "pause_days=10..20", "--constraint", "terms.pause_days >= ten"], "expected KEY OP NUMBER"),
    (["--vary", "pause_days=10..20", "--constraint", "context.category_share >= 0.2"], "which is uncertain"),
    ([], "--vary: expected at least one KEY=LOW..HIGH"),
    (["--vary", "pause_days=10..20", "--worlds", "0"], "--worlds: expected a number >= 1, found 0"),
    (["--vary", "pause_days=10..20", "--maximize", "p_win"], "--maximize: invalid choice: 'p_win'"),
    (["--vary", "pause_days=10..20", "--budget", "3"], "--budget 3: expected at least 16"),
    (["--vary", "terms.pause_days=abc"], "--vary 'terms.pause_days=abc': expected a range LOW..HIGH"),
    (
        ["--vary", "terms.hostages_released=10..20", "--constraint", "terms.pause_days => 3"],
        "--constraint 'terms.pause_days => 3': expected OP one of",
    ),
]


@pytest.mark.parametrize("args,expected", BAD, ids=[" ".join(a) or "no-vary" for a, _ in BAD])
def test_bad_arguments_give_one_line_errors(args, expected, tmp_path, capsys):
    rc, out, err = _cli(["design", str(BASE), *args, "--out", str(tmp_path / "o")], capsys)
    assert rc == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("trucesim: error: ") and expected in lines[0], lines[0]
    assert not (tmp_path / "o").exists()


def test_bad_arguments_in_a_real_process(tmp_path):
    """One bad argument through a new interpreter: exit status 1 and one line as a shell sees them
    (the other cases run in process, in test_bad_arguments_give_one_line_errors)."""
    expected = "--fix 'terms.withdrawal=9': expected a value in 0..1"
    argv = ["design", str(BASE), "--vary", "terms.hostages_released=10..20", "--fix", "terms.withdrawal=9"]
    argv += ["--out", str(tmp_path / "o")]
    p = subprocess.run([sys.executable, "-m", "trucesim", *argv], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("trucesim: error: ") and expected in p.stderr, p.stderr


def test_help_has_examples(capsys):
    rc, out, _ = _cli(["design", "--help"], capsys)
    assert rc == 0
    assert "examples:" in out and "--vary terms.hostages_released=10..50" in out and "best.json" in out


# --- the notebook ---------------------------------------------------------------------------------


# notebooks/04-deal-designer.ipynb is executed with a small size by tests/test_notebooks.py

"""The ``sample`` uncertainty table: runs draw the joint posterior (whole particles), not only its marginals.

A ``sample`` lists a key's values (a fit's particles) with optional weights; the keys of one
``joint`` group take the same particle in a world, so their correlations survive. These tests
hold that the inversion picks the right particle, that a group's keys share it (and keys outside
a group do not), that the draws keep the streams' guarantees (the same whatever the chunking),
that the parameter file a fit writes round-trips into the particles and their weights, and that a
malformed table is one line naming the file and the key.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from trucesim.config.distributions import Dist, DistributionError, parse_dist
from trucesim.config.scenario import ScenarioError, load_scenario
from trucesim.model.model import TruceModel
from trucesim.model.streams import Streams, run_streams
from trucesim.run.simulate import simulate

from .conftest import BASELINE, ROOT

KEYS = ["actors.hamas.reservation", "actors.hamas.patience", "actors.israel.reservation"]
BOUNDS = {"actors.hamas.reservation": (-1, 2), "actors.hamas.patience": (0, 1), "actors.israel.reservation": (-1, 2)}


def particles() -> pd.DataFrame:
    """Five particles with unequal weights; Hamas's patience falls as its reservation rises."""
    return pd.DataFrame(
        {
            "actors.hamas.reservation": [0.4, 0.55, 0.7, 0.85, 1.0],
            "actors.hamas.patience": [0.6, 0.45, 0.3, 0.15, 0.05],
            "actors.israel.reservation": [0.9, 0.5, 0.8, 0.6, 0.7],
            "weight": [0.1, 0.3, 0.2, 0.35, 0.05],
        }
    )


def scenario_with(tmp_path, tables: str, name: str = "s.toml"):
    path = tmp_path / name
    path.write_text(f'extends = ["{BASELINE}"]\n[meta]\nname = "joint-test"\n{tables}')
    return load_scenario(path)


def sample_line(key: str, p: pd.DataFrame, joint: str | None) -> str:
    values = ", ".join(f"{x:g}" for x in p[key])
    weights = ", ".join(f"{x:g}" for x in p["weight"])
    group = f', joint = "{joint}"' if joint else ""
    return f'{key.rsplit(".", 1)[1]} = {{ dist = "sample", values = [{values}], weights = [{weights}]{group} }}'


def grouped(tmp_path, joint_israel: str | None = "fit"):
    """The baseline with the three keys as samples of :func:`particles`; Hamas's two keys in group ``fit``."""
    p = particles()
    tables = (
        "[actors.hamas]\n"
        f"{sample_line(KEYS[0], p, 'fit')}\n{sample_line(KEYS[1], p, 'fit')}\n"
        f"[actors.israel]\n{sample_line(KEYS[2], p, joint_israel)}\n"
    )
    return scenario_with(tmp_path, tables)


def rows_of(draws: dict, keys: list[str]) -> set[tuple[float, ...]]:
    return set(zip(*(np.round(draws[k], 6) for k in keys), strict=True))


def particle_rows(keys: list[str]) -> set[tuple[float, ...]]:
    p = particles()
    return set(zip(*(np.round(p[k].to_numpy(float), 6) for k in keys), strict=True))


# --- the inversion -------------------------------------------------------------------------------


def test_ppf_picks_the_particle_whose_cumulative_weight_first_exceeds_u():
    d = Dist("sample", values=(10.0, 20.0, 30.0, 40.0), weights=(1.0, 3.0, 0.0, 4.0))  # cdf 0.125, 0.5, 0.5, 1
    u = np.array([0.0, 0.1249, 0.125, 0.3, 0.4999, 0.5, 0.75, 0.999999, 1.0])
    assert d.index(u).tolist() == [0, 0, 1, 1, 1, 3, 3, 3, 3]  # a weight of 0 is never drawn; u = 1 the last
    assert d.ppf(u, (0, 100)).tolist() == [10, 10, 20, 20, 20, 40, 40, 40, 40]
    assert d.ppf(u, (15, 35)).tolist() == [15, 15, 20, 20, 20, 35, 35, 35, 35]  # clipped to the bounds
    assert Dist("sample", values=(0.4, 2.6)).ppf(np.array([0.2, 0.7]), (0, 5), integer=True).tolist() == [0, 3]
    equal = Dist("sample", values=(1.0, 2.0, 3.0, 4.0))  # no weights: equal
    assert equal.index(np.array([0.1, 0.26, 0.6, 0.9])).tolist() == [0, 1, 2, 3]


def test_support_and_mean_are_the_values_range_and_weighted_mean():
    d = parse_dist({"dist": "sample", "values": [3, 1, 2], "weights": [2, 1, 1]}, (0, 5))
    assert d.support() == (1.0, 3.0)
    assert d.mean() == pytest.approx((3 * 2 + 1 + 2) / 4)
    assert parse_dist({"dist": "sample", "values": [1, 2]}, (0, 5)).mean() == 1.5
    with pytest.raises(DistributionError, match=r"^weights: expected as many weights as values \(200\), found 199$"):
        parse_dist({"dist": "sample", "values": [0.5] * 200, "weights": [1.0] * 199}, (0, 1))


def test_weighted_frequencies_follow_the_weights():
    d = Dist("sample", values=(0.0, 1.0, 2.0), weights=(0.2, 0.5, 0.3))
    x = d.draw(np.random.default_rng(0), 100_000, (0, 2))
    np.testing.assert_allclose([np.mean(x == v) for v in (0, 1, 2)], [0.2, 0.5, 0.3], atol=0.006)


# --- joint groups --------------------------------------------------------------------------------


def test_keys_of_a_joint_group_take_the_same_particle_in_every_world(tmp_path):
    s = grouped(tmp_path)
    for source in (Streams(3, np.arange(4_000)).parameter_uniforms(), np.random.default_rng(3)):
        draws = s.draw(source, 4_000)
        assert rows_of(draws, KEYS) <= particle_rows(KEYS)  # every world's triple is one particle's row
        assert len(rows_of(draws, KEYS)) == 5
        # perfectly rank-associated: Hamas's patience falls as its reservation rises, in every world
        assert pd.Series(draws[KEYS[0]]).corr(pd.Series(draws[KEYS[1]]), method="spearman") == pytest.approx(-1)


def test_keys_without_joint_draw_their_own_particle(tmp_path):
    s = grouped(tmp_path, joint_israel=None)
    draws = s.draw(Streams(3, np.arange(4_000)).parameter_uniforms(), 4_000)
    assert rows_of(draws, KEYS[:2]) <= particle_rows(KEYS[:2])  # the group still holds together
    assert not rows_of(draws, KEYS) <= particle_rows(KEYS)  # Israel's value comes from its own uniform
    assert len(rows_of(draws, KEYS)) > 5
    p = particles()
    hamas = [p[KEYS[0]].tolist().index(x) for x in np.round(draws[KEYS[0]], 6)]
    israel = [p[KEYS[2]].tolist().index(x) for x in np.round(draws[KEYS[2]], 6)]
    same = np.mean(np.array(hamas) == np.array(israel))
    assert 0.2 < same < 0.33  # independent: about sum(w^2) = 0.265 of the worlds share an index by chance


def test_a_group_draws_from_the_uniforms_of_its_name(tmp_path):
    """The group's uniforms are those of the key ``joint:<name>``, whichever keys are in it."""
    s = grouped(tmp_path)
    streams = Streams(9, np.arange(1_000))
    u = streams.parameter_uniforms()("joint:fit")
    d = s.values[KEYS[0]]
    assert isinstance(d, Dist)
    np.testing.assert_array_equal(s.draw(streams.parameter_uniforms(), 1_000)[KEYS[0]], d.ppf(u, BOUNDS[KEYS[0]]))


def test_a_group_draws_the_same_whatever_the_chunking(tmp_path):
    """The parameters of worlds 0..2,999 drawn as one model or as models of 1,000 and 2,000: the same bits."""
    s = grouped(tmp_path)
    whole = TruceModel(s, 3_000, rng=run_streams(5, 0, 3_000), collect=False).params
    parts = [
        TruceModel(s, n, rng=run_streams(5, first, n), collect=False).params
        for first, n in ((0, 1_000), (1_000, 2_000))
    ]
    for key in KEYS:
        np.testing.assert_array_equal(np.concatenate([p[key] for p in parts]), whole[key])
    assert rows_of(whole, KEYS) <= particle_rows(KEYS)


def test_a_run_with_a_joint_group_is_the_same_whatever_the_chunks(tmp_path, monkeypatch):
    import trucesim.run.chunks as chunks

    s = grouped(tmp_path)
    one = simulate(s, 2_300, seed=5)
    monkeypatch.setattr(chunks, "MODEL_WORLDS", 700)
    pd.testing.assert_frame_equal(simulate(s, 2_300, seed=5, chunk_worlds=700), one, check_exact=True)


def test_a_group_must_index_the_same_particles(tmp_path):
    p = particles()
    short = p.iloc[:4].copy()
    with pytest.raises(ScenarioError) as e:
        scenario_with(
            tmp_path, f"[actors.hamas]\n{sample_line(KEYS[0], p, 'fit')}\n{sample_line(KEYS[1], short, 'fit')}\n"
        )
    assert "\n" not in str(e.value)
    assert "actors.hamas.reservation: expected as many values as actors.hamas.patience (4)" in str(e.value)
    other = p.assign(weight=[0.2] * 5)
    with pytest.raises(ScenarioError, match="expected the weights of actors.hamas.patience in joint group 'fit'"):
        scenario_with(
            tmp_path, f"[actors.hamas]\n{sample_line(KEYS[0], other, 'fit')}\n{sample_line(KEYS[1], p, 'fit')}\n"
        )


# --- the parameter file a fit writes ------------------------------------------------------------


def test_the_parameter_file_round_trips_into_the_particles_and_their_weights(tmp_path):
    from trucesim.history.posterior import write_parameter_file

    p = particles()
    path = write_parameter_file(
        tmp_path / "fitted.toml", p, dict.fromkeys(KEYS), BOUNDS, "small.toml, seed 0", 4, 0.0123
    )
    # (named "small": the shipped scenarios already draw a "joint" group of fifteen keys, which a
    # file extending them may replace only whole)
    text = path.read_text()
    assert "each world draws one particle of the posterior" in text.lower()
    assert text.count('dist = "sample"') == 3 and text.count('joint = "small"') == 3
    assert 'source = "fitted: small.toml, seed 0, 4 generations, tolerance 0.0123' in text
    s = load_scenario(_extends(tmp_path, path))
    n = 40_000
    draws = s.draw(Streams(0, np.arange(n)).parameter_uniforms(), n)
    assert rows_of(draws, KEYS) <= particle_rows(KEYS)
    freq = [np.mean(draws[KEYS[0]] == x) for x in p[KEYS[0]]]
    np.testing.assert_allclose(freq, p["weight"], atol=0.01)
    assert s.value(KEYS[0]) == pytest.approx(np.average(p[KEYS[0]], weights=p["weight"]))
    # the same particles as a parameter file applied to a round (backtest --fitted, calibrate's check)
    from trucesim.config.scenario import apply_parameter_file

    applied = apply_parameter_file(load_scenario(BASELINE), path)
    np.testing.assert_array_equal(
        applied.draw(Streams(0, np.arange(n)).parameter_uniforms(), n)[KEYS[1]], draws[KEYS[1]]
    )


def test_the_parameter_file_rounds_values_and_keeps_them_in_bounds(tmp_path):
    from trucesim.history.posterior import write_parameter_file

    p = pd.DataFrame({"actors.hamas.patience": [0.123456789, 0.99999], "weight": [1.0, 2.0]})
    path = write_parameter_file(
        tmp_path / "f.toml", p, {"actors.hamas.patience": None}, {"actors.hamas.patience": (0, 0.9999)}, "c.toml", 1, 0
    )
    line = path.read_text().splitlines()[-1]
    assert "values = [0.1235, 0.9999]" in line and "weights = [0.333333, 0.666667]" in line and 'joint = "c"' in line


def _extends(tmp_path, fitted) -> object:
    path = tmp_path / "fitted-variant.toml"
    path.write_text(f'extends = ["{BASELINE}", "{fitted}"]\n[meta]\nname = "fitted-variant"\n')
    return path


# --- malformed tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("values = []", "values: expected a non-empty list of finite numbers, found []"),
        ('values = [0.5, "x"]', "values: expected a non-empty list of finite numbers"),
        ("values = 0.5", "values: expected a non-empty list of finite numbers, found 0.5"),
        ("values = [0.5, nan]", "values: expected a non-empty list of finite numbers"),
        ("weights = [1.0]", "values: expected a list of numbers (required by a sample distribution), found nothing"),
        ("values = [0.5, 0.6], weights = [1.0]", "weights: expected as many weights as values (2), found 1"),
        ("values = [0.5, 0.6], weights = [0, 0]", "weights: expected at least one weight above 0, found all zero"),
        ("values = [0.5, 0.6], weights = [1, -1]", "weights: expected a list of finite numbers >= 0"),
        ("values = [0.5, 0.6], joint = 3", "joint: expected a name (a string), found 3"),
        ('values = [0.5, 0.6], joint = ""', "joint: expected a name (a string), found ''"),
        ("values = [0.5, 9.6]", "values: expected values within -1..2, found 0.5..9.6"),
        ("values = [0.5], low = 0", "low: expected one of dist, joint, note, source, values, weights"),
    ],
)
def test_a_malformed_sample_is_one_line_naming_the_file_and_key(tmp_path, table, message):
    with pytest.raises(ScenarioError) as e:
        scenario_with(tmp_path, f'[actors.hamas]\nreservation = {{ dist = "sample", {table} }}\n', name="bad.toml")
    text = str(e.value)
    assert "\n" not in text
    assert "bad.toml" in text and "actors.hamas.reservation: " in text
    assert message in text


def test_check_counts_a_sample_as_uncertain(tmp_path, capsys):
    from .conftest import cli

    # a key the baseline fixes (a number), given as a sample: one more uncertain parameter
    assert not isinstance(load_scenario(BASELINE).values["context.us_pressure"], Dist)
    path = tmp_path / "ok.toml"
    path.write_text(
        f'extends = ["{BASELINE}"]\n[meta]\nname = "ok"\n'
        '[context]\nus_pressure = { dist = "sample", values = [0.3, 0.5, 0.8], weights = [0.2, 0.5, 0.3] }\n'
    )
    base = cli("check", BASELINE)
    out = cli("check", path)
    assert out.returncode == 0, out.stderr
    uncertain = [int(o.stdout.split(" uncertain")[0].rsplit(" ", 1)[1]) for o in (base, out)]
    assert uncertain[1] == uncertain[0] + 1, uncertain


# --- where else a Dist is read -------------------------------------------------------------------


def test_the_numeric_kinds_keep_their_repr_and_record():
    """A fit's fingerprint hashes the repr of its priors and rounds: the numeric kinds' must not change."""
    d = Dist("uniform", {"low": 0.1, "high": 0.5})
    assert repr(d) == "Dist(kind='uniform', args={'low': 0.1, 'high': 0.5})"
    assert d.record() == {"dist": "uniform", "low": 0.1, "high": 0.5}
    assert Dist.from_record(d.record()) == d
    s = Dist("sample", values=(1.0, 2.0), weights=(0.5, 0.5), joint="fit")
    assert Dist.from_record(s.record()) == s
    assert "values=(1.0, 2.0)" in repr(s) and "joint='fit'" in repr(s)


def test_a_sweeps_manifest_rebuilds_a_sample(tmp_path):
    import json

    from trucesim.analysis.results import scenario_from_record
    from trucesim.sweep.manifest import scenario_record
    from trucesim.sweep.store import manifest_json

    s = grouped(tmp_path)
    rebuilt = scenario_from_record(json.loads(manifest_json(scenario_record(s))))
    for key in KEYS:
        assert rebuilt.values[key] == s.values[key]


def test_app_controls_move_a_sample_with_its_group():
    from trucesim.app.controls import _shift

    d = Dist("sample", values=(0.2, 0.4), weights=(1.0, 3.0), joint="fit")
    moved = _shift(d, 0.1)
    assert moved.values == pytest.approx((0.3, 0.5)) and moved.weights == d.weights and moved.joint == "fit"
    assert moved.mean() == pytest.approx(d.mean() + 0.1)


def test_a_sample_is_refused_as_a_calibration_prior(tmp_path):
    pytest.importorskip("pyabc")
    from trucesim.config.calibration import load_calibration
    from trucesim.history.calibrate import FitError, calibrate

    rounds = ROOT / "scenarios" / "rounds"
    f = tmp_path / "small.toml"
    f.write_text(
        f'rounds = ["{rounds / "november-2023.toml"}", "{rounds / "april-2024.toml"}"]\n'
        'priors = "april-2024"\nfit = ["actors.israel.sensitivity_us"]\npopulation = 10\ngenerations = 1\nworlds = 50\n'
        '[prior]\n"actors.israel.sensitivity_us" = { dist = "uniform", low = 0.1, high = 0.8 }\n'
    )
    cal = load_calibration(f)
    sample = Dist("sample", values=(0.2, 0.4), joint="fit")
    cal = dataclasses.replace(cal, priors={**cal.priors, "actors.israel.sensitivity_us": sample})
    with pytest.raises(FitError) as e:
        calibrate(cal, tmp_path / "fit")
    assert "\n" not in str(e.value)
    assert "prior.actors.israel.sensitivity_us: expected uniform, normal, triangular or beta, found sample" in str(
        e.value
    )
    assert not (tmp_path / "fit").exists()  # refused before anything was written
    from trucesim.history.calibrate import prior_rv

    with pytest.raises(ValueError, match="expected uniform, normal, triangular or beta, found sample"):
        prior_rv(sample, (0, 1))  # nor does pyabc's prior (the posterior figure draws it)


def test_weights_that_draw_alike_are_one_groups_weights(tmp_path):
    """Weights [1, 1] and none, or [2, 2] and [1, 1], give each particle the same chance: one group may mix
    them (they were refused as 'other weights'); weights that differ in their shares are still refused."""
    from trucesim.config.scenario import ScenarioError, load_scenario

    def scenario(first: str, second: str):
        path = tmp_path / "w.toml"
        path.write_text(
            f'extends = ["{BASELINE}"]\n[context]\n'
            f'us_pressure = {{ dist = "sample", values = [0.2, 0.4]{first}, joint = "g" }}\n'
            f'family_pressure = {{ dist = "sample", values = [0.3, 0.5]{second}, joint = "g" }}\n'
        )
        return load_scenario(path)

    for first, second in ((", weights = [1, 1]", ""), (", weights = [2, 2]", ", weights = [1, 1]")):
        s = scenario(first, second)
        draws = s.draw(Streams(3, np.arange(2_000)).parameter_uniforms(), 2_000)
        assert set(zip(draws["context.us_pressure"], draws["context.family_pressure"])) == {(0.2, 0.3), (0.4, 0.5)}
    with pytest.raises(ScenarioError, match="expected the weights of"):
        scenario(", weights = [1, 3]", ", weights = [1, 1]")

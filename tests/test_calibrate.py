"""trucesim calibrate: pyabc recovers a known parameter, the batched fit is reproducible and resumable, bad files fail in one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from trucesim.config.calibration import CalibrationError, load_calibration

from .conftest import ROOT, cli

pyabc = pytest.importorskip("pyabc")

ROUNDS = ROOT / "scenarios" / "rounds"
PRIOR = (
    '[prior]\n"actors.israel.sensitivity_us" = { dist = "uniform", low = 0.1, high = 0.8 }\n'
    '"actors.hamas.patience" = { dist = "beta", a = 2, b = 5, low = 0, high = 0.6 }\n'
)


def small(top: dict | None = None, prior: str = PRIOR) -> str:
    """A small calibration file over two rounds; ``top`` replaces or adds top-level keys (TOML values as text)."""
    keys = {
        "rounds": f'["{ROUNDS / "november-2023.toml"}", "{ROUNDS / "april-2024.toml"}"]',
        "priors": '"april-2024-uncertain"',
        "fit": '["actors.hamas.patience", "actors.israel.sensitivity_us"]',
        "population": "100",
        "generations": "6",
        "worlds": "300",
    }
    keys.update(top or {})
    quick = "[quick]\npopulation = 8\ngenerations = 2\nworlds = 40\n"
    return "".join(f"{k} = {v}\n" for k, v in keys.items()) + prior + (quick if "[quick]" not in prior else "")


SMALL = small()


def test_pyabc_with_the_batch_sampler_recovers_a_parameter_that_generated_the_data(tmp_path):
    """Synthetic data from a known share (0.3): the posterior centres on it and is far narrower than the prior."""
    from trucesim.history.sampler import BatchModel, BatchSampler

    truth, trials = 0.3, 4000
    x0 = {"share": np.random.default_rng(5).binomial(trials, truth) / trials}
    model = BatchModel(["theta"])

    def simulate_batch(t, batch, params):
        rng = np.random.default_rng([t + 1, batch])
        return [{"share": rng.binomial(trials, p["theta"]) / trials} for p in params]

    sampler = BatchSampler(model, simulate_batch, seed=1, batch_size=200)
    abc = pyabc.ABCSMC(
        model,
        pyabc.Distribution(theta=pyabc.RV("uniform", 0, 1)),
        lambda x, y: abs(x["share"] - y["share"]),
        population_size=100,
        sampler=sampler,
    )
    abc.new(f"sqlite:///{tmp_path / 'abc.db'}", x0)
    history = abc.run(max_nr_populations=5)  # sd 0.009-0.011 and mean 0.2955-0.2961 over sampler seeds 1-3
    df, w = history.get_distribution()
    mean = np.average(df["theta"], weights=w)
    sd = np.sqrt(np.average((df["theta"] - mean) ** 2, weights=w))
    assert abs(mean - truth) < 0.02
    assert sd < 0.03  # the uniform prior's sd is 0.29


def test_the_fit_is_the_same_whatever_the_workers_and_when_resumed(tmp_path):
    import dataclasses

    from trucesim.history.calibrate import calibrate
    from trucesim.run.executors import make_executor

    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    cal = load_calibration(f).quick_preset()
    one = calibrate(cal, tmp_path / "one", seed=3)
    with make_executor(workers=2) as ex:
        two = calibrate(cal, tmp_path / "two", seed=3, executor=ex)
    pd.testing.assert_frame_equal(one.particles, two.particles)
    calibrate(dataclasses.replace(cal, generations=1), tmp_path / "resumed", seed=3)  # stopped after one generation
    resumed = calibrate(cal, tmp_path / "resumed", seed=3)
    pd.testing.assert_frame_equal(one.particles, resumed.particles)
    assert [g["generation"] for g in resumed.generations] == [0, 1]

    def interrupt(t, accepted, n, evaluations):
        if t == 1:  # within the second generation, as Ctrl-C or a killed job would
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate(cal, tmp_path / "killed", seed=3, on_progress=interrupt)
    pd.testing.assert_frame_equal(one.particles, calibrate(cal, tmp_path / "killed", seed=3).particles)
    other = calibrate(cal, tmp_path / "other", seed=4)
    assert not other.particles.equals(one.particles)


def test_a_fit_never_overwrites_another(tmp_path):
    import dataclasses

    from trucesim.history.calibrate import FitError, calibrate

    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    cal = dataclasses.replace(load_calibration(f).quick_preset(), generations=1)
    calibrate(cal, tmp_path / "fit", seed=1)
    before = (tmp_path / "fit" / "fit.json").read_bytes()
    with pytest.raises(FitError, match="holds a fit of .* with seed 1"):
        calibrate(cal, tmp_path / "fit", seed=2)
    assert (tmp_path / "fit" / "fit.json").read_bytes() == before


def test_calibrate_command_writes_the_fit_its_figures_and_the_parameter_file(tmp_path):
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    out = tmp_path / "fit"
    r = cli("calibrate", f, "--quick", "--out", out, "--workers", 1, "--check-worlds", 200, check=True)
    assert "8 particles x 2 generations (ABC-SMC), 40 worlds" in r.stderr  # the [quick] preset
    assert "posterior (weighted" in r.stdout and "before -> after" in r.stdout
    names = ("abc.db", "particles.parquet", "fit.json", "fitted.toml", "posterior.png", "predictive.png")
    for name in (*names, "scorecard-before.png", "scorecard-after.png", "shares.parquet"):
        assert (out / name).exists(), name
    assert (out / "posterior.png").read_bytes()[:4] == b"\x89PNG"
    check = json.loads((out / "backtest.json").read_text())
    assert 0 <= check["facts"]["april-2024:deal"]["after"] <= 1
    assert check["totals"]["after"]["overall"]["facts"] == 14
    # the parameter file is what scenarios extend
    scen = tmp_path / "calibrated.toml"
    scen.write_text(f'extends = ["{ROOT / "scenarios" / "april-2024.toml"}", "{out / "fitted.toml"}"]\n')
    from trucesim.config.distributions import Dist
    from trucesim.config.scenario import load_scenario

    s = load_scenario(scen)
    assert isinstance(s.values["actors.hamas.patience"], Dist)
    particles = pd.read_parquet(out / "particles.parquet")
    mean = np.average(particles["actors.hamas.patience"], weights=particles["weight"])
    assert s.values["actors.hamas.patience"].kind == "sample"  # the joint posterior: one particle per world
    assert s.values["actors.hamas.patience"].mean() == pytest.approx(mean, rel=1e-3)


BAD = [
    ({"rounds": "[]"}, PRIOR, "rounds: expected a list of round names"),
    ({"rounds": '["nowhere"]'}, PRIOR, "no such round file"),
    ({"rounds": f'["{ROOT / "scenarios" / "april-2024.toml"}"]'}, PRIOR, "expected a table [observed]"),
    ({"fit": '["actors.hamas.patienc"]'}, "", "did you mean 'actors.hamas.patience'"),
    ({"fit": '["context.us_pressure"]', "priors": '"april-2024"'}, "", "found the fixed value"),
    ({"fit": '["protocol.horizon_days"]'}, "", "sets the calendar"),
    ({"distance": '"euclid"'}, PRIOR, "distance: expected one of brier, absolute, log"),
    ({"population": "1"}, PRIOR, "population: expected a whole number >= 2"),
    ({"populaton": "3"}, PRIOR, "unknown key 'populaton' (did you mean 'population'?)"),
    ({}, PRIOR + "[quick]\nworld = 3\n", "quick.world: unknown key (did you mean 'worlds'?)"),
    ({}, PRIOR + "[quick]\npopulation = 1\n", "quick.population: expected a whole number >= 2"),
    # a size no machine can finish: refused when read, not after a table began or memory ran out
    ({"table": "1_000_000_000_000_000"}, PRIOR, "table: expected at most 630,720,000,000 (one core-year of worlds)"),
    ({}, PRIOR + "[validate]\npredictive_worlds = 1_000_000_000_000\n", "validate.predictive_worlds: expected at most"),
    ({}, '[prior]\n"actors.israel.sensitivity_us" = 0.3\n', "expected an uncertainty table"),
    ({}, PRIOR + '"actors.hamas.reservation" = { dist = "uniform", low = 1, high = 2 }\n', "a key listed in fit"),
]


@pytest.mark.parametrize(("top", "prior", "message"), BAD)
def test_bad_calibration_files_give_one_line(tmp_path, top, prior, message):
    f = tmp_path / "bad.toml"
    f.write_text(small(top, prior))
    with pytest.raises(CalibrationError) as e:
        load_calibration(f)
    assert message in str(e.value)
    assert "\n" not in str(e.value)
    r = cli("calibrate", f, "--out", tmp_path / "out")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and message in r.stderr
    assert not (tmp_path / "out").exists()


def test_the_shipped_calibration_file_loads_and_names_the_eleven_rounds():
    from tests.test_rounds import CALIBRATION

    cal = load_calibration(ROOT / "calibration" / "joint.toml")
    assert tuple(r.path.stem for r in cal.rounds) == CALIBRATION
    quick = cal.quick_preset()
    assert quick.table < cal.table and quick.population < cal.population and quick.worlds < cal.worlds


def test_calibrate_refuses_an_output_it_cannot_write(tmp_path):
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    (tmp_path / "file").write_text("x")
    r = cli("calibrate", f, "--quick", "--out", tmp_path / "file" / "fit")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "cannot create the directory" in r.stderr
    r = cli("calibrate", f, "--quick", "--out", tmp_path / "file")
    assert r.returncode == 1 and "expected a directory, found a file" in r.stderr

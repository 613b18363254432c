"""The second stage after a reference table (refine): an ABC-PMC step near the kept draws, weighted by prior over
proposal, fitted only on the rounds a fit or fold fits, the same whatever the workers."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from trucesim.config.calibration import Calibration, CalibrationError, load_calibration
from trucesim.history import refine as refine_module
from trucesim.history.fits import FitError
from trucesim.history.refine import kernel_draws, log_kernel_density, refine
from trucesim.history.table import build_table, select

from .test_table import small_text


def text(method: str = "table", patience: str = "uniform", extra: str = "") -> str:
    """test_table's small calibration file, keeping 8 of 40 draws, then 8 of ``refine = 48``; ``patience``'s prior
    is of that kind (with ``extra`` arguments)."""
    base = small_text(40).replace("population = 10\n", "population = 8\nrefine = 48\n")
    return base.replace('method = "table"', f'method = "{method}"').replace(
        'dist = "beta", a = 2, b = 5,', f'dist = "{patience}"{extra},'
    )


def small(tmp_path: Path, method: str = "table", patience: str = "uniform", extra: str = "") -> Calibration:
    f = tmp_path / "small.toml"
    f.write_text(text(method, patience, extra))
    return load_calibration(f)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A small calibration, its table and the first stage on rounds 0 and 2 (round 1 left out)."""
    tmp = tmp_path_factory.mktemp("refine")
    cal = small(tmp)
    table = build_table(cal, tmp / "table", seed=3)
    return cal, select(table, cal, [0, 2])


def test_the_kernel_density_is_the_mixture_of_normals():
    rng = np.random.default_rng(5)
    centres = rng.uniform(size=(6, 3))
    a = rng.normal(size=(3, 3))
    cov = a @ a.T * 0.01 + np.eye(3) * 0.001
    u = rng.uniform(size=(20, 3))
    expected = np.mean([stats.multivariate_normal(c, cov).pdf(u) for c in centres], axis=0)
    assert np.exp(log_kernel_density(u, centres, cov)) == pytest.approx(expected, rel=1e-9)


def test_kernel_draws_stay_inside_the_priors_and_near_the_centres():
    centres = np.array([[0.02, 0.5], [0.9, 0.9]])
    d = kernel_draws(centres, np.eye(2) * 0.01, 4000, np.random.default_rng(1))
    assert ((d > 0) & (d < 1)).all()
    near = np.min(np.linalg.norm(d[:, None, :] - centres[None], axis=2), axis=1)
    assert np.quantile(near, 0.95) < 0.3  # within a few kernel widths (sd 0.1) of a centre


def test_the_second_stage_keeps_weighted_draws_inside_the_priors(fitted):
    cal, first = fitted
    fit = refine(cal, first, [0, 2], seed=3)
    p = fit.particles
    assert len(p) == cal.population and p["weight"].sum() == pytest.approx(1.0) and (p["weight"] > 0).all()
    assert (
        p["actors.hamas.patience"].between(0, 0.6).all() and p["actors.israel.sensitivity_us"].between(0.1, 0.8).all()
    )
    assert (np.diff(p["distance"].to_numpy()) >= 0).all()  # the nearest, in order
    g = fit.generations[-1]
    assert len(fit.generations) == 2 and g["epsilon"] == pytest.approx(p["distance"].max())
    assert 1 <= g["ess"] <= cal.population
    # the fit's shares are of the rounds it fits only
    assert {c.split(":", 1)[0] for c in fit.shares.columns if c != "weight"} == {"november-2023", "august-2024"}


def test_a_fold_never_simulates_the_round_it_leaves_out(fitted, monkeypatch):
    cal, first = fitted
    seen = []
    real_margins, real_shares = refine_module.round_margins, refine_module.batch_shares

    def margins(rounds, *args):
        seen.extend(r.path.stem for r in rounds)
        return real_margins(rounds, *args)

    def shares(executor, rounds, *args, **kwargs):
        seen.extend(r.path.stem for r in rounds)
        return real_shares(executor, rounds, *args, **kwargs)

    monkeypatch.setattr(refine_module, "round_margins", margins)
    monkeypatch.setattr(refine_module, "batch_shares", shares)
    refine(cal, first, [0, 2], seed=3)
    assert set(seen) == {"november-2023", "august-2024"}


def test_the_same_particles_whatever_the_workers_and_other_ones_for_other_rounds(fitted):
    from trucesim.run.executors import make_executor

    cal, first = fitted
    one = refine(cal, first, [0, 2], seed=3)
    with make_executor(workers=2) as ex:
        two = refine(cal, first, [0, 2], seed=3, executor=ex)
    assert one.particles.equals(two.particles)
    assert not refine(cal, first, [0, 2], seed=4).particles.equals(one.particles)


def test_calibrate_and_validate_run_the_second_stage(tmp_path, capsys):
    from trucesim.cli import main

    cal = small(tmp_path)
    out = tmp_path / "fit"
    assert main(["calibrate", str(cal.path), "--out", str(out), "--workers", "1", "--check-worlds", "100"]) == 0
    text = capsys.readouterr()
    assert "then the 8 nearest of 48 draws near them" in text.err
    assert "second stage: 48 draws near them" in text.out and "effective sample" in text.out
    assert "then of 48 draws near them (weighted)" in (out / "fitted.toml").read_text()
    assert len(json.loads((out / "fit.json").read_text())["generations"]) == 2
    val = tmp_path / "val"
    assert main(["validate", str(cal.path), "--out", str(val), "--workers", "1", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["sizes"]["refine"] == 48 and len(d["rounds"]) == 3


def test_refine_needs_a_table_and_uniform_priors(tmp_path):
    with pytest.raises(CalibrationError, match=r'small.toml: refine: .* only with method = "table"'):
        small(tmp_path, method="smc")
    f = tmp_path / "quick.toml"
    f.write_text(text(method="smc").replace("refine = 48\n", "") + "\n[quick]\nrefine = 5\n")
    with pytest.raises(CalibrationError, match=r"quick.toml: quick.refine: .* only with method"):
        load_calibration(f)
    cal = small(tmp_path, patience="beta", extra=", a = 2, b = 5")
    table = build_table(dataclasses.replace(cal, table=30), tmp_path / "t", seed=1)
    first = select(table, cal, [0, 1, 2])
    with pytest.raises(FitError, match=r"refine: expected uniform priors .* found beta for actors.hamas.patience"):
        refine(cal, first, [0, 1, 2], seed=1)

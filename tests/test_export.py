"""``trucesim export DIR --format ema``: an archive ``ema_workbench.load_results`` reads back, value for value."""

from __future__ import annotations

import importlib.util
import re
import tarfile

import numpy as np
import pandas as pd
import pytest

from trucesim.analysis.export import read_ema, write_ema
from trucesim.analysis.results import load_results

from .conftest import BASELINE, ROOT, assert_one_line_error, cli

PX = "terms.prisoners_per_hostage"
US = "context.us_pressure"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from trucesim.sweep.sweep import sweep

    root = tmp_path_factory.mktemp("export")
    exp = root / "small.toml"
    exp.write_text(
        f'scenario = "{BASELINE.as_posix()}"\nseed = 3\nworlds_per_point = 40\n[design]\nkind = "grid"\n'
        f'[factors."{PX}"]\nlevels = [5, 40]\n[factors."{US}"]\nlevels = [0.2, 0.9]\n'
    )
    out = root / "results"
    sweep(exp, out, workers=1)
    return out


def _check_round_trip(results, experiments, outcomes):
    df = results.worlds.reset_index(drop=True)
    assert len(experiments) == len(df) == 160
    for f in (PX, US, "point"):
        np.testing.assert_array_equal(experiments[f].to_numpy(), df[f].to_numpy())
    assert set(experiments["model"].astype(str)) == {"trucesim"}
    for name in ("deal", "hostages_released", "deal_day", "hamas_accepted", "exit_otzma_yehudit"):
        got, want = outcomes[name], df[name].to_numpy()
        if want.dtype == bool:
            np.testing.assert_array_equal(got.astype(bool), want)
        else:
            np.testing.assert_allclose(got.astype(float), want.astype(float), equal_nan=True)
    assert list(outcomes["end_of_talks"]) == list(df["end_of_talks"].astype(str))
    assert not set(outcomes) & {PX, US, "point", "world"}  # factors and ids are experiments, not outcomes


def test_archive_has_ema_layout(sweep_dir, tmp_path):
    path = write_ema(load_results(sweep_dir), tmp_path / "x.tar.gz")
    with tarfile.open(path, "r:gz") as z:
        names = z.getnames()
    assert "experiments.csv" in names and "metadata.json" in names and "deal.cls" in names
    experiments, outcomes = read_ema(path)  # the steps of ema_workbench.load_results, without EMA
    _check_round_trip(load_results(sweep_dir), experiments, outcomes)


@pytest.mark.skipif(importlib.util.find_spec("ema_workbench") is None, reason="ema_workbench not installed")
def test_ema_workbench_loads_it(sweep_dir, tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import load_results as ema_load

    out = tmp_path / "sweep.tar.gz"
    cli("export", sweep_dir, "--format", "ema", "--out", out, check=True)
    experiments, outcomes = ema_load(str(out))
    assert isinstance(experiments, pd.DataFrame)
    _check_round_trip(load_results(sweep_dir), experiments, outcomes)


def test_export_errors_are_one_line(sweep_dir, tmp_path):
    assert_one_line_error(cli("export", tmp_path / "nowhere", "--out", tmp_path / "a.tar.gz"), "no such directory")
    assert_one_line_error(cli("export", BASELINE, "--out", tmp_path / "a.tar.gz"), "scenario file")
    assert_one_line_error(cli("export", sweep_dir, "--out", tmp_path / "a.zip"), "--out", ".tar.gz")
    assert_one_line_error(cli("export", sweep_dir, "--format", "emma"), "--format")
    old = tmp_path / "old.tar.gz"
    old.write_bytes(b"keep")
    assert_one_line_error(cli("export", sweep_dir, "--out", old), "--force")
    assert old.read_bytes() == b"keep"
    cli("export", sweep_dir, "--out", old, "--force", check=True)
    assert read_ema(old)[0].shape[0] == 160


def _doc_snippets() -> dict[str, str]:
    """The python blocks of docs/experiments.md's section on other tools, by the module they import first."""
    text = (ROOT / "docs" / "experiments.md").read_text()
    section = text.split("## Other tools", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return {re.search(r"^(?:from|import) (\w+)", b, flags=re.M).group(1): b for b in blocks}  # type: ignore[union-attr]


@pytest.mark.parametrize("module", ["ema_workbench", "duckdb", "polars"])
def test_docs_snippets_run(module, sweep_dir, tmp_path, monkeypatch):
    """The documented ways to read a sweep work (each where its package is installed)."""
    pytest.importorskip(module)
    code = _doc_snippets()[module]
    if module == "ema_workbench":
        write_ema(load_results(sweep_dir), tmp_path / "prisoners.tar.gz")
        code = code.replace("context.us_pressure", US)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "prisoners").symlink_to(sweep_dir, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, f"docs/experiments.md ({module})", "exec"), {})

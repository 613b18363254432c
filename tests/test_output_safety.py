"""calibrate and validate: they never overwrite what is not theirs, check their options before any work,
and end every failure (a full disk, a failed task, a missing [quick] table) with one line."""

from __future__ import annotations

import errno
import json
import re
import shutil

import pytest

from .conftest import assert_one_line_error, cli, files, table_calibration

pytest.importorskip("pyabc")

QUICK = "\n[quick]\ntable = 20\npopulation = 4\n"


def tiny(tmp_path, extra: str = QUICK):
    f = tmp_path / "tiny.toml"
    f.write_text(table_calibration(40, population=6, worlds=10, predictive_worlds=50, extra=extra))  # a second or two
    return f


def calibrate(f, out, *extra, check: bool = False):
    return cli("calibrate", f, "--out", out, "--workers", 1, "--check-worlds", 20, *extra, check=check)


def validate(f, out, *extra, check: bool = False):
    return cli("validate", f, "--out", out, "--workers", 1, *extra, check=check)


def last_line_error(proc, *fragments) -> str:
    """An error after the command's first line (what it runs): status 1, its last line the one error, no traceback."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert [ln for ln in lines if ln.startswith("trucesim: error:")] == lines[-1:], proc.stderr
    for f in fragments:
        assert f in lines[-1], (f, lines[-1])
    return lines[-1]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A finished calibrate of the tiny file (seed 0) and the file."""
    tmp = tmp_path_factory.mktemp("fitted")
    f = tiny(tmp)
    calibrate(f, tmp / "fit", check=True)
    return f, tmp / "fit"


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """A finished validation of the tiny file's three rounds (seed 0) and the file."""
    tmp = tmp_path_factory.mktemp("validated")
    f = tiny(tmp)
    validate(f, tmp / "v", check=True)
    return f, tmp / "v"


# --------------------------------------------------------------------------- 1. what is not theirs
def test_calibrate_refuses_a_directory_of_someone_elses_files(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "backtest.json").write_text("my notes\n")
    (mine / "fitted.toml").write_text("my fitted\n")
    before = files(mine)
    line = assert_one_line_error(
        calibrate(tiny(tmp_path), mine),
        f"--out {mine}: expected a new or empty directory, or one 'trucesim calibrate' wrote for tiny.toml",
        "found 2 entries and no fit.json: backtest.json, fitted.toml",
        "add --force to replace calibrate's files in it (other files are kept), or choose another --out",
    )
    assert "seed 0" in line
    assert files(mine) == before  # nothing written, nothing replaced


def test_calibrate_resumes_its_own_fit_refuses_another_and_force_replaces_only_its_files(fitted, tmp_path):
    f, done = fitted
    fit = tmp_path / "fit"
    shutil.copytree(done, fit)
    blocks = {p.name: p.stat().st_mtime_ns for p in (fit / "table").iterdir()}
    calibrate(f, fit, check=True)  # the same file, sizes and seed: its own, resumed (the table read back)
    assert {p.name: p.stat().st_mtime_ns for p in (fit / "table").iterdir()} == blocks
    before = files(fit)
    assert_one_line_error(
        calibrate(f, fit, "--seed", 1),
        "wrote for tiny.toml with seed 1 (to resume it), found a fit of tiny.toml with seed 0 "
        "(or of other rounds or sizes); add --force",
    )
    assert files(fit) == before
    (fit / "notes.txt").write_text("mine\n")
    calibrate(f, fit, "--seed", 1, "--force", check=True)
    assert json.loads((fit / "fit.json").read_text())["seed"] == 1
    assert json.loads((fit / "backtest.json").read_text())["seed"] == 1
    assert (fit / "notes.txt").read_text() == "mine\n"  # other files are kept


def test_validate_refuses_a_directory_of_someone_elses_files(tmp_path):
    mine = tmp_path / "mine2"
    mine.mkdir()
    (mine / "validation.json").write_text('{"mine": true}\n')
    (mine / "folds.png").write_bytes(b"my figure")
    before = files(mine)
    assert_one_line_error(
        validate(tiny(tmp_path), mine),
        f"--out {mine}: expected a new or empty directory, or one 'trucesim validate' wrote for tiny.toml with seed 0",
        "found 2 entries and no validate.json: folds.png, validation.json; add --force to replace validate's files",
    )
    assert files(mine) == before


def test_one_fold_beside_a_fuller_validation_is_printed_and_the_validation_kept(validated, tmp_path):
    """--fold into a directory holding every fold (as docs/validation.md runs it after a full validation): the
    fold is scored on the stored table and printed; validation.json and the figures are kept, unless --force."""
    f, done = validated
    v = tmp_path / "val1"
    shutil.copytree(done, v)
    before = files(v)
    one = validate(f, v, "--fold", "april-2024", check=True)
    assert ": 1 fold, seed 0" in one.stdout and "april-2024" in one.stdout
    assert "printed only" in one.stderr and "keep the validation of 3 folds" in one.stderr
    assert files(v) == before
    validate(f, v, check=True)  # every fold: its own validation, read back and written again
    assert [r["name"] for r in json.loads((v / "validation.json").read_text())["rounds"]] == [
        "november-2023",
        "april-2024",
        "august-2024",
    ]
    assert_one_line_error(validate(f, v, "--seed", 2), "found a validation of tiny.toml with seed 0")
    validate(f, v, "--fold", "april-2024", "--force", check=True)
    assert [r["name"] for r in json.loads((v / "validation.json").read_text())["rounds"]] == ["april-2024"]
    # a fold into a new directory, then every fold there: the fuller validation replaces the one-fold one
    one = tmp_path / "one"
    validate(f, one, "--fold", "april-2024", check=True)
    validate(f, one, check=True)
    assert len(json.loads((one / "validation.json").read_text())["rounds"]) == 3


def test_validate_force_keeps_other_files_and_the_same_table(validated, tmp_path):
    f, done = validated
    v = tmp_path / "v"
    shutil.copytree(done, v)
    (v / "validate.json").unlink()  # as a validation written before validate.json was: not known to be this one
    (v / "notes.txt").write_text("mine\n")
    blocks = {p.name: p.stat().st_mtime_ns for p in (v / "table").iterdir() if p.suffix == ".parquet"}
    assert_one_line_error(validate(f, v), "no validate.json")
    validate(f, v, "--force", check=True)
    assert (v / "notes.txt").read_text() == "mine\n"
    assert (v / "validate.json").exists() and (v / "validation.json").exists()
    assert {p.name: p.stat().st_mtime_ns for p in (v / "table").iterdir() if p.suffix == ".parquet"} == blocks


def test_a_table_copied_from_calibrate_is_read_back_by_validate(fitted, tmp_path):
    """docs/validation.md: a table built by calibrate (the same rounds, priors, worlds and seed) may be copied
    into validate's directory: that is work of the same draws, not someone else's files."""
    f, done = fitted
    v = tmp_path / "v"
    shutil.copytree(done / "table", v / "table")
    blocks = {p.name: p.stat().st_mtime_ns for p in (v / "table").iterdir()}
    validate(f, v, check=True)
    assert {p.name: p.stat().st_mtime_ns for p in (v / "table").iterdir()} == blocks
    shutil.copytree(done / "table", tmp_path / "w" / "table")  # of seed 0: other draws than seed 1's
    assert_one_line_error(validate(f, tmp_path / "w", "--seed", 1), "found 1 entry and no validate.json: table;")


# --------------------------------------------------------------------------- 2. --check-worlds, before any work
def test_a_check_worlds_too_large_is_refused_before_the_fit_naming_the_option(tmp_path):
    out = tmp_path / "fit"
    r = cli("calibrate", tiny(tmp_path), "--out", out, "--check-worlds", "99999999999999999999")
    assert_one_line_error(r, "argument --check-worlds: expected at most 630,720,000,000 worlds")
    assert "--worlds:" not in r.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- 3. a full disk
def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_calibrate_writes_its_figures_is_one_line(fitted, tmp_path, monkeypatch):
    import trucesim.plots.style

    f, done = fitted
    fit = tmp_path / "fit"
    shutil.copytree(done, fit)
    monkeypatch.setattr(trucesim.plots.style, "save_figure", _full)
    last_line_error(calibrate(f, fit), f"trucesim: error: --out {fit}: cannot write: No space left on device")
    assert (fit / "fit.json").exists() and (fit / "table").is_dir()  # what is stored stays, to resume


def test_a_full_disk_while_the_table_is_written_is_one_line(tmp_path, monkeypatch):
    import trucesim.history.table

    monkeypatch.setattr(trucesim.history.table, "_write_block", _full)
    f = tiny(tmp_path)
    last_line_error(calibrate(f, tmp_path / "fit"), "cannot write: No space left on device")
    last_line_error(validate(f, tmp_path / "v"), f"--out {tmp_path / 'v'}: cannot write: No space left on device")


# --------------------------------------------------------------------------- 4. a task that fails
def test_a_task_that_fails_is_one_line(tmp_path, monkeypatch):
    """A batch whose task raised (TaskError): one line naming the error, not a traceback."""
    import trucesim.history.batch

    def broken(*args, **kwargs):
        raise TypeError("too many arguments: expected 7, got 8")

    monkeypatch.setattr(trucesim.history.batch, "round_shares", broken)
    f = tiny(tmp_path)
    for r in (calibrate(f, tmp_path / "fit"), validate(f, tmp_path / "v")):
        last_line_error(
            r,
            "a simulation task failed: TypeError: too many arguments: expected 7, got 8; run the same command "
            "again (it goes on from what is stored, with the same numbers), or with --workers 1",
        )


# --------------------------------------------------------------------------- 5. --quick without [quick]
def test_quick_without_a_quick_table_is_one_line_naming_the_file(tmp_path):
    f = tiny(tmp_path, extra="")
    assert_one_line_error(
        cli("calibrate", f, "--quick", "--out", tmp_path / "fit"),
        "tiny.toml: --quick: expected a [quick] table of smaller sizes",
        "found none; add one, or leave out --quick",
    )
    assert_one_line_error(
        cli("validate", f, "--quick", "--out", tmp_path / "v"),
        "tiny.toml: --quick: expected a [quick] or [validate.quick] table of smaller sizes",
    )
    assert not (tmp_path / "fit").exists() and not (tmp_path / "v").exists()


def test_calibrate_refusing_an_option_leaves_no_directory_behind(tmp_path):
    for bad in (("--workers", 99), ("--scheduler", "foo://x")):
        out = tmp_path / "fit"
        assert_one_line_error(cli("calibrate", tiny(tmp_path), "--out", out, *bad), bad[0])
        assert not out.exists()


@pytest.mark.parametrize("text", ["{not json", '["a list"]', '{"fingerprint": 3}', "\udcff"])
def test_a_damaged_record_is_one_line_and_is_kept(tmp_path, text):
    """From Python too (the command refuses such a directory before): a fit.json, table.json or validate.json
    that is no record gives one FitError line naming the directory, and the file is left as it was."""
    from trucesim.history.fits import FitError, open_record

    path = tmp_path / "fit.json"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    before = path.read_bytes()
    with pytest.raises(
        FitError, match=rf"^{re.escape(str(tmp_path))}: holds a fit.json that is not the record of a fit"
    ) as e:
        open_record(path, "sha256:x", {"fingerprint": "sha256:x"}, "a fit", "rounds")
    assert "\n" not in str(e.value) and path.read_bytes() == before

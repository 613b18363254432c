"""Reliability of sweeps (issue 13): locking, honest resumes, damaged parts, bounded resources."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import assert_one_line_error, cli, files, write_experiment

# 2 points x 30 worlds = 60 worlds in 3 chunks of 20: cheap
TINY = """\
scenario = "{scenario}"
seed = 5
worlds_per_point = 30

[design]
kind = "grid"

[factors."terms.prisoners_per_hostage"]
levels = [5, 40]
"""
CHUNK = 20


def experiment(tmp_path: Path, text: str = TINY, name: str = "exp.toml") -> Path:
    return write_experiment(tmp_path, text, name)


def run_in_process(exp, out, **kw):
    from trucesim.run.executors import InProcessExecutor
    from trucesim.sweep.sweep import plan_sweep

    plan = plan_sweep(exp, out, chunk_worlds=kw.pop("chunk_worlds", CHUNK), **kw)
    return plan, plan.run(InProcessExecutor())


# --------------------------------------------------------------------------- 1. one writer at a time
def test_a_second_writer_is_refused_naming_the_holder(tmp_path):
    from trucesim.run.executors import InProcessExecutor
    from trucesim.sweep.store import StoreError
    from trucesim.sweep.sweep import plan_sweep

    exp, out = experiment(tmp_path), tmp_path / "out"
    first = plan_sweep(exp, out, chunk_worlds=CHUNK)
    for resume in (True, False):
        with pytest.raises(StoreError) as e:
            plan_sweep(exp, out, resume=resume, chunk_worlds=CHUNK)
        msg = str(e.value)
        assert "\n" not in msg and "in use" in msg and f"process {os.getpid()}" in msg, msg
    # the command line says the same in one line, and writes nothing
    before = files(out)
    assert_one_line_error(
        cli("sweep", exp, "--out", out, "--resume", "--workers", "1"), str(out), "in use", str(os.getpid())
    )
    assert files(out) == before
    first.run(InProcessExecutor())
    assert not (out / ".trucesim.lock").exists()  # released and removed at the end
    # now free: a resume finds everything done
    plan = plan_sweep(exp, out, resume=True)
    assert not plan.pending
    plan.close()


def test_a_stale_lock_is_taken_over(tmp_path):
    from trucesim.sweep.sweep import plan_sweep

    exp, out = experiment(tmp_path), tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out / ".trucesim.lock").write_text(dead.stdout)  # a killed holder: the file stays, its flock is gone
    plan_sweep(exp, out, chunk_worlds=CHUNK).close()
    # an orphan (e.g. a forked worker) still holds the flock, but the recorded holder is dead: broken
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; f = open(sys.argv[1], 'w'); fcntl.flock(f, fcntl.LOCK_EX); "
            "f.write(sys.argv[2]); f.flush(); print('ok', flush=True); time.sleep(60)",
            str(out / ".trucesim.lock"),
            dead.stdout.strip(),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        plan = plan_sweep(exp, out, resume=True)
        assert plan.store.lock is not None and plan.store.lock.held
        plan.close()
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------- 3. --resume trusts nothing
def test_resume_refuses_an_edited_manifest(tmp_path):
    import json

    from trucesim.sweep.store import StoreError, manifest_checksum
    from trucesim.sweep.sweep import plan_sweep

    exp, out = experiment(tmp_path), tmp_path / "out"
    plan = plan_sweep(exp, out, chunk_worlds=CHUNK)
    plan.close()  # a failed start: nothing run yet
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["checksum"] == manifest_checksum(manifest)
    manifest["design"]["matrix"][1][0] = 999.0  # outside the factor's range
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=r"manifest.json: checksum: .*edited"):
        plan_sweep(exp, out, resume=True)
    # a checksum made to match is no way round: the design is recomputed from the experiment file
    manifest["checksum"] = manifest_checksum(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=r"design\.matrix\[1\]\[0\]: expected 40\.0 .*found 999\.0") as e:
        plan_sweep(exp, out, resume=True)
    assert "\n" not in str(e.value) and str(exp) in str(e.value)
    assert_one_line_error(cli("sweep", exp, "--out", out, "--resume", "--workers", "1"), "design.matrix", "999")
    assert not (out / ".trucesim.lock").exists()


# --------------------------------------------------------------------------- issue 12 item 1: --worlds-per-point
def test_worlds_per_point_option_overrides_and_is_kept_on_resume(tmp_path):
    import json

    exp = experiment(tmp_path)
    same = experiment(tmp_path, TINY.replace("worlds_per_point = 30", "worlds_per_point = 10"), "ten.toml")
    dry = cli("sweep", exp, "--worlds-per-point", "10", "--dry-run")
    assert dry.returncode == 0 and "2 points x 10 worlds = 20 worlds" in dry.stdout, dry.stdout + dry.stderr
    out, ref = tmp_path / "out", tmp_path / "ref"
    args = ("--workers", "1", "--chunk-worlds", str(CHUNK))
    proc = cli("sweep", exp, "--out", out, "--worlds-per-point", "10", *args)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["worlds_per_point"] == 10 and manifest["worlds"] == 20
    assert manifest["experiment"]["worlds_per_point_option"] == 10
    assert cli("sweep", same, "--out", ref, *args).returncode == 0
    assert files(out / "parts") == files(ref / "parts")  # the same worlds as a file saying 10
    before = files(out)
    again = cli("sweep", exp, "--out", out, "--resume")  # omitted: the recorded value
    assert again.returncode == 0 and "all 1 chunks were already done" in again.stdout, again.stderr
    for changed in ("11", "30"):
        assert_one_line_error(
            cli("sweep", exp, "--out", out, "--resume", "--worlds-per-point", changed),
            "--resume",
            "worlds_per_point: expected 10",
            f"found {changed}",
        )
    assert files(out) == before


# --------------------------------------------------------------------------- 10. memory of one chunk
def _live_models() -> int:
    import gc

    from trucesim.model.model import TruceModel

    return sum(isinstance(o, TruceModel) for o in gc.get_objects())


def test_each_chunk_frees_its_model_without_the_garbage_collector(baseline, tmp_path, monkeypatch):
    """Chunks in one process (as --workers 1): no model outlives its group of chunks, memory has no trend.

    The collector is off, so whatever a model leaves in a reference cycle stays and shows (before
    the fix: every model, +0.3 MB a chunk here, +5 MB a 10,000-world chunk); small chunks, two to
    a model, keep it cheap, since tracemalloc slows the model's set-up.
    """
    import gc
    import tracemalloc

    import trucesim.run.chunks as chunks
    from trucesim.run.simulate import iter_tables
    from trucesim.sweep.sweep import ChunkTask

    monkeypatch.setattr(chunks, "MODEL_WORLDS", 600)
    gc.collect()
    before = _live_models()
    gc.disable()
    tracemalloc.start()
    try:
        used = []
        for _ in iter_tables(baseline, 12 * 300, seed=1, chunk_worlds=300):
            used.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        assert len(used) == 6 and _live_models() == before
        growth = used[-1] - used[3]  # the first models fill caches once; a leak shows over the last two
        assert growth < 100_000, [round(u / 1e6, 3) for u in used]
        # a sweep's chunks likewise
        import numpy as np

        for k in range(3):
            ChunkTask(baseline, 1, k, k * 200, k * 200 + 200, 200, (), np.zeros((1, 0))).table()
        assert _live_models() == before
    finally:
        tracemalloc.stop()
        gc.enable()


# --------------------------------------------------------------------------- 6. a failed start is reusable
@pytest.mark.parametrize("resume", [False, True], ids=["retry", "resume"])
def test_a_directory_left_by_a_failed_start_is_reused(tmp_path, resume):
    exp, out = experiment(tmp_path), tmp_path / "out"
    (out / "parts").mkdir(parents=True)  # disk full before the manifest was written
    (out / ".manifest.json.123.0badf00d.tmp").write_bytes(b"{")
    (out / ".trucesim.lock").write_text("1\n")  # the lock of the failed start, released
    proc = cli("sweep", exp, "--out", out, "--workers", "1", "--chunk-worlds", str(CHUNK), *(["--resume"] * resume))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "parts", "points.parquet"]
    # anything else still makes the directory someone else's
    other = tmp_path / "other"
    (other / "parts").mkdir(parents=True)
    (other / "parts" / "notes.txt").write_text("mine")
    assert_one_line_error(cli("sweep", exp, "--out", other, *(["--resume"] * resume)), str(other))
    assert (other / "parts" / "notes.txt").read_text() == "mine"


def test_resume_removes_the_temporary_files_an_interrupted_write_left(tmp_path):
    """A sweep killed while writing points.parquet leaves its temporary file beside the manifest; --resume
    removed only those in parts/."""
    exp, out = experiment(tmp_path), tmp_path / "out"
    assert cli("sweep", exp, "--out", out, "--workers", "1", "--chunk-worlds", str(CHUNK)).returncode == 0
    left = [out / ".points.parquet.999.abcdef12.tmp", out / "parts" / ".chunk-000001.parquet.999.abcdef12.tmp"]
    for p in left:
        p.write_bytes(b"PAR1")
    proc = cli("sweep", exp, "--out", out, "--workers", "1", "--resume")
    assert proc.returncode == 0, proc.stderr
    assert not any(p.exists() for p in left)


# --------------------------------------------------------------------------- 5. damaged parts
def twice(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The experiment, swept into ``ref`` (kept whole) and into ``out`` (to damage)."""
    exp = experiment(tmp_path)
    ref, out = tmp_path / "ref", tmp_path / "out"
    run_in_process(exp, ref)
    run_in_process(exp, out)
    return exp, ref, out


def test_damaged_parts_are_named_moved_aside_and_redone(tmp_path):
    from trucesim.sweep.store import StoreError, load

    exp, ref, out = twice(tmp_path)
    flipped = out / "parts" / "chunk-000001.parquet"
    data = bytearray(flipped.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 16):  # mid-file: the footer stays intact
        data[i] ^= 0xFF
    flipped.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"chunk-000001\.parquet: expected a Parquet part, found a damaged file"):
        load(out)
    torn = out / "parts" / "chunk-000002.parquet"
    torn.write_bytes(torn.read_bytes()[: len(data) // 2])
    with pytest.raises(StoreError) as e:  # load names a damaged file in one line
        load(out)
    assert "\n" not in str(e.value) and "chunk-00000" in str(e.value) and "damaged" in str(e.value), str(e.value)
    proc = cli("sweep", exp, "--out", out, "--resume", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    for name in ("chunk-000001.parquet", "chunk-000002.parquet"):
        assert f"{out / 'parts' / name}: damaged part" in proc.stderr, proc.stderr
        assert (out / "parts" / "corrupt" / name).is_file()  # kept, never deleted
    assert "2 of 3 chunks run" in proc.stdout, proc.stdout
    assert (out / "parts" / "corrupt" / "chunk-000001.parquet").read_bytes() == bytes(data)
    kept = {k: v for k, v in files(out).items() if not k.startswith("parts/corrupt/")}
    assert kept == files(ref)
    assert load(out).equals(load(ref))


def test_a_damaged_footer_is_moved_aside_and_redone_too(tmp_path):
    """The footer has no checksum: a byte that breaks a column's name, or a type changed in it, still
    lets the pages be read.  Both are caught on resume (the footer's strings must decode; the parts
    of a sweep share one schema) and redone, instead of failing every later load."""
    import struct

    import pyarrow as pa
    import pyarrow.parquet as pq

    from trucesim.sweep.store import load

    exp, ref, out = twice(tmp_path)
    named = out / "parts" / "chunk-000001.parquet"
    data = bytearray(named.read_bytes())
    footer = len(data) - 8 - struct.unpack("<i", bytes(data[-8:-4]))[0]
    at = data.index(b"point", footer) + 2
    data[at] ^= 0xFF  # 'point' becomes b'po\x96nt' in the footer: not UTF-8
    named.write_bytes(bytes(data))
    pq.read_table(named, page_checksum_verification=True)  # the pages still read
    typed = out / "parts" / "chunk-000002.parquet"
    table = pq.read_table(typed)
    i = table.schema.get_field_index("deal")
    table = table.set_column(i, "deal", table["deal"].cast(pa.int8())).replace_schema_metadata(None)
    pq.write_table(table, typed)  # another type, same values, and no pandas metadata to say so
    proc = cli("sweep", exp, "--out", out, "--resume", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert f"{named}: damaged part (unreadable" in proc.stderr, proc.stderr
    assert f"{typed}: damaged part (its columns or types differ from the other parts'" in proc.stderr, proc.stderr
    assert "2 of 3 chunks run" in proc.stdout, proc.stdout
    assert load(out).equals(load(ref))


@pytest.mark.parametrize("damage", ["name", "type"])
def test_a_part_whose_pandas_metadata_is_damaged_is_redone(tmp_path, damage):
    """pandas reads a part with the names and types in its footer's pandas metadata, which the pages'
    checksums do not cover: a byte there renamed a column (trucesim.load gave 'rellicate', and NaN in
    'replicate') or made the part unreadable to pandas, and --resume kept it. The metadata must name
    and type the columns the part holds, whatever the number of parts (no vote needed)."""
    import json

    import pyarrow.parquet as pq

    from trucesim.sweep.store import StoreError, load

    exp, ref, out = twice(tmp_path)
    part = out / "parts" / "chunk-000001.parquet"
    table = pq.read_table(part)
    meta = json.loads(table.schema.metadata[b"pandas"])
    column = next(c for c in meta["columns"] if c["name"] == ("replicate" if damage == "name" else "deal"))
    if damage == "name":
        column["name"] = "rellicate"
    else:
        column["pandas_type"] = column["numpy_type"] = "int64"
    pq.write_table(table.replace_schema_metadata({b"pandas": json.dumps(meta).encode()}), part)
    if damage == "name":  # before any resume, the reader names the part rather than returning the renamed column
        with pytest.raises(StoreError, match=f"{part}: expected a Parquet part, found a damaged file .*'rellicate'"):
            load(out)
    proc = cli("sweep", exp, "--out", out, "--resume", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    said = "names other columns than it holds" if damage == "name" else "gives other types than its columns have"
    assert f"{part}: damaged part (its pandas metadata {said}" in proc.stderr, proc.stderr
    assert load(out).equals(load(ref))


def _readers(exp: Path, out: Path, tmp_path: Path) -> dict:
    """Every reader of a results directory, on the command line: each one's CompletedProcess."""
    return {
        "resume": cli("sweep", exp, "--out", out, "--resume", "--workers", "1"),
        "plot": cli("plot", out, "--kind", "outcomes", "--out", tmp_path / "fig.png"),
        "export": cli("export", out, "--out", tmp_path / "x.tar.gz"),
        "report": cli("report", out, "--out", tmp_path / "page.html"),
    }


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """An experiment and its finished sweep, run once: each test damages a copy."""
    tmp = tmp_path_factory.mktemp("finished")
    exp = experiment(tmp)
    run_in_process(exp, tmp / "out")
    return exp, tmp / "out"


def finished_copy(finished, tmp_path: Path) -> tuple[Path, Path]:
    import shutil

    exp, out = finished
    shutil.copytree(out, tmp_path / "out")
    return exp, tmp_path / "out"


@pytest.mark.parametrize(
    "edit, key, fragment",
    [
        ({"chunk_worlds": "abc"}, "chunk_worlds", 'expected a whole number >= 1, found "abc"'),
        ({"worlds": -1}, "worlds", "expected a whole number >= 1, found -1"),
        ({"chunks": 2}, "chunks", "expected 3 (worlds / chunk_worlds, rounded up), found 2"),
        ({"factors": "terms.prisoners_per_hostage"}, "factors", "expected a list of distinct factor keys"),
        ({"experiment": None}, "experiment", "expected a table"),
    ],
)
@pytest.mark.parametrize("checksum", ["kept", "dropped"])
def test_a_damaged_manifest_is_one_line_naming_the_key_for_every_reader(
    finished, tmp_path, edit, key, fragment, checksum
):
    """Defect: the manifest's values were converted before its checksum was compared (a ValueError or a
    TypeError traceback from resume, plot, export and report), and worlds = -1 read as an unfinished sweep."""
    import json

    import trucesim
    from trucesim.sweep.store import StoreError, load_points

    exp, out = finished_copy(finished, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.update(edit)
    if checksum == "dropped":  # an older sweep's manifest, without a checksum: its keys are checked all the same
        del manifest["checksum"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = files(out)
    damaged = (
        "the manifest is damaged (its checksum does not match" if checksum == "kept" else "the manifest is damaged:"
    )
    for name, proc in _readers(exp, out, tmp_path).items():
        line = assert_one_line_error(proc, f"{out / 'manifest.json'}: {key}: {fragment}", damaged)
        assert "chunks written" not in line, (name, line)
    for read in (trucesim.load, load_points, trucesim.load_manifest):
        with pytest.raises(StoreError, match=re.escape(f"manifest.json: {key}: ")):
            read(out)
    assert files(out) == before  # nothing written, nothing lost
    assert not list(tmp_path.glob("fig.png")) and not list(tmp_path.glob("x.tar.gz"))


def test_an_edited_manifest_is_refused_by_the_readers_too(finished, tmp_path):
    """The checksum is checked by every reader, not only by --resume: an edited design would draw wrong figures."""
    import json

    exp, out = finished_copy(finished, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["design"]["matrix"][1][0] = 999.0  # still a number: only the checksum tells
    (out / "manifest.json").write_text(json.dumps(manifest))
    for proc in _readers(exp, out, tmp_path).values():
        assert_one_line_error(proc, f"{out / 'manifest.json'}: checksum: expected sha256:", "edited")
    # NaN is no JSON number (a manifest is written without one): refused as it is read, not at the checksum
    (out / "manifest.json").write_text(json.dumps({**manifest, "seed": float("nan")}))
    assert_one_line_error(_readers_one("export", out, tmp_path), "manifest.json: expected a JSON manifest", "NaN")


def test_a_damaged_points_table_is_named_and_resume_rebuilds_it(tmp_path):
    """Defect: a damaged points.parquet gave arrow's message alone, naming neither the damage nor the cure."""
    from trucesim.sweep.store import StoreError, load_points

    exp, ref, out = twice(tmp_path)
    points = out / "points.parquet"
    for damage in (b"garbage", ref.joinpath("points.parquet").read_bytes()[:-40]):
        points.write_bytes(damage)
        hint = f"trucesim sweep {exp} --out {out} --resume rebuilds it"
        with pytest.raises(StoreError) as e:
            load_points(out)
        assert str(e.value).startswith(
            f"{points}: expected the sweep's table of points (Parquet), found a damaged file"
        )
        assert hint in str(e.value) and "\n" not in str(e.value)
        for name in ("plot", "export", "report"):
            assert_one_line_error(_readers_one(name, out, tmp_path), str(points), "damaged", hint)
        proc = cli("sweep", exp, "--out", out, "--resume", "--workers", "1")
        assert proc.returncode == 0, proc.stderr
        assert "all 3 chunks were already done" in proc.stdout, proc.stdout
        assert files(out) == files(ref)  # rebuilt from the parts, byte for byte


def _readers_one(name: str, out: Path, tmp_path: Path):
    args = {
        "plot": ("plot", out, "--kind", "outcomes", "--out", tmp_path / "fig.png"),
        "export": ("export", out, "--out", tmp_path / "x.tar.gz"),
        "report": ("report", out, "--out", tmp_path / "page.html"),
    }[name]
    return cli(*args)


# --------------------------------------------------------------------------- 9. bounded workers, valid addresses
def test_workers_are_capped_at_the_chunks_and_refused_beyond_four_per_core():
    from trucesim.run.executors import InProcessExecutor, PoolExecutor, make_executor
    from trucesim.run.workers import WORKERS_PER_CORE, ExecutorError, available_cores, check_options

    limit = WORKERS_PER_CORE * available_cores()
    for force, hint in ((None, False), (False, True)):
        with pytest.raises(ExecutorError) as e:
            check_options(limit + 1, force=force)
        msg = str(e.value)
        assert f"--workers {limit + 1}: expected at most {limit}" in msg and ("--force" in msg) == hint, msg
    with pytest.raises(ExecutorError, match="at most"):
        check_options(1000, "local")
    check_options(limit + 1, force=True)  # allowed when forced
    with make_executor(workers=min(3, limit), tasks=2) as ex:
        assert isinstance(ex, PoolExecutor) and ex.workers == 2  # never more processes than chunks
    with make_executor(workers=2, tasks=1) as ex:
        assert isinstance(ex, InProcessExecutor)
    with make_executor(workers=min(3, limit), scheduler="local", tasks=1, processes=False) as ex:
        assert ex.workers == 1


@pytest.mark.parametrize(
    "address,fragment",
    [
        ("tcp://", "no host"),
        ("tcp://:8786", "no host"),
        ("tcp://10.0.0.5", "no port"),
        ("tcp://10.0.0.5:99999", "port from 1 to 65535"),
        ("tcp://10.0.0.5:http", "port from 1 to 65535"),
        ("inproc://x", "scheme 'inproc'"),
        ("tls://10.0.0.5:8786", "scheme 'tls'"),
        ("ucx://10.0.0.5:8786", "scheme 'ucx'"),
        ("http://10.0.0.5:8786", "scheme 'http'"),
        ("nowhere", "expected 'local' or a Dask scheduler address"),
        ("tcp://" + "x" * 300 + ":1/path", "..."),
    ],
)
def test_scheduler_addresses_are_validated(address, fragment):
    from trucesim.run.executors import ExecutorError, check_options

    with pytest.raises(ExecutorError) as e:
        check_options(scheduler=address)
    msg = str(e.value)
    assert msg.startswith("--scheduler") and fragment in msg and "\n" not in msg and len(msg) < 300, msg


def test_good_scheduler_addresses_pass():
    from trucesim.run.executors import check_options

    for address in ("local", "tcp://127.0.0.1:8786", "tcp://[::1]:8786", "tcp://scheduler.example.org:8786"):
        check_options(scheduler=address)


def test_worker_and_address_errors_on_the_command_line(tmp_path):
    from .conftest import BASELINE

    exp, out = experiment(tmp_path), tmp_path / "out"
    assert_one_line_error(cli("run", BASELINE, "--workers", "1000"), "--workers 1000", "expected at most")
    assert_one_line_error(cli("sweep", exp, "--out", out, "--workers", "1000"), "--workers 1000")
    assert_one_line_error(
        cli("sweep", exp, "--out", out, "--scheduler", "local", "--workers", "1000"), "--workers 1000"
    )
    assert_one_line_error(cli("sweep", exp, "--out", out, "--scheduler", "inproc://x"), "scheme 'inproc'")
    assert_one_line_error(cli("sweep", exp, "--out", out, "--scheduler", "tcp://10.0.0.5"), "no port")
    assert not out.exists()


# --------------------------------------------------------------------------- 2. no all-zero weights, no NaN out
def _one_weight_scenario(tmp_path: Path) -> Path:
    """The baseline with every armed-group weight 0 but withdrawal's."""
    from trucesim.config.terms import TERM_NAMES

    from .conftest import BASELINE

    body = "\n".join(f"{t} = 0" for t in TERM_NAMES if t != "withdrawal")
    path = tmp_path / "one.toml"
    path.write_text(f'extends = "{BASELINE}"\n[actors.hamas.weights]\nwithdrawal = 2.0\n{body}\n')
    return path


@pytest.mark.parametrize("sweep", ["levels = [0, 2]", "range = [0, 2]\nsteps = 3", "range = [0, 2]"])
def test_a_sweep_that_can_zero_all_of_a_sides_weights_is_refused(tmp_path, sweep):
    from trucesim.sweep.experiment import ExperimentError, load_experiment

    scenario = _one_weight_scenario(tmp_path)
    kind = 'kind = "lhs"\npoints = 4' if "steps" not in sweep and "levels" not in sweep else 'kind = "grid"'
    text = (
        f'scenario = "{scenario}"\nworlds_per_point = 10\n[design]\n{kind}\n'
        f'[factors."actors.hamas.weights.withdrawal"]\n{sweep}\n'
    )
    exp = tmp_path / "exp.toml"
    exp.write_text(text)
    with pytest.raises(ExperimentError) as e:
        load_experiment(exp)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"{exp}: ") and 'factors."actors.hamas.weights.withdrawal"' in msg, msg
    assert "actors.hamas.weights to 0" in msg, msg
    assert_one_line_error(cli("sweep", exp, "--dry-run"), str(exp), "actors.hamas.weights.withdrawal")
    # a sweep that keeps the weight positive is fine
    exp.write_text(text.replace("[0, 2]", "[0.5, 2]"))
    load_experiment(exp)


def test_a_nan_in_an_outcome_is_reported_as_a_bug_naming_column_and_chunk(baseline, monkeypatch):
    import numpy as np

    import trucesim.run.outcomes as outcomes
    from trucesim.run.outcomes import OutcomeError
    from trucesim.run.simulate import iter_tables
    from trucesim.sweep.sweep import ChunkTask

    real = outcomes.outcome_table

    def broken(model, world_offset=0):
        t = real(model, world_offset)
        at = {int(w): i for i, w in enumerate(t["world"])}
        if 45 in at:  # worlds 43 and 45, in chunk 2 of 20-world chunks: a NaN where a number must be
            t["hostages_living"] = t["hostages_living"].astype(float)
            t.loc[at[43], "hostages_living"] = np.nan
            t.loc[at[45], "deal_day"] = np.nan
            t.loc[at[45], "deal"] = True
        return t

    monkeypatch.setattr(outcomes, "outcome_table", broken)
    import trucesim.run.simulate as simulate

    monkeypatch.setattr(simulate, "outcome_table", broken)
    import trucesim.run.chunks as chunks

    with pytest.raises(OutcomeError, match=r"^chunk 2 \(worlds 40-59\): "):
        list(iter_tables(baseline, 60, seed=1, chunk_worlds=20))  # the three chunks as one model
    monkeypatch.setattr(chunks, "MODEL_WORLDS", 20)  # one chunk a model: the first two pass
    tables = iter_tables(baseline, 60, seed=1, chunk_worlds=20)
    assert len(next(tables)) == 20 and len(next(tables)) == 20
    with pytest.raises(OutcomeError) as e:
        next(tables)
    msg = str(e.value)
    assert "\n" not in msg and "chunk 2 (worlds 40-59)" in msg and "bug" in msg, msg
    assert "column deal_day holds NaN where deal is true" in msg and "world 45" in msg, msg
    with pytest.raises(OutcomeError, match=r"chunk 2 \(worlds 40-59\): column .* \(first: world 4[35]\)"):
        ChunkTask(baseline, 1, 2, 40, 60, 20, (), np.zeros((1, 0))).table()
    # a NaN that means "never happened" is fine: the real tables pass
    monkeypatch.setattr(outcomes, "outcome_table", real)
    monkeypatch.setattr(simulate, "outcome_table", real)
    assert sum(len(t) for t in iter_tables(baseline, 60, seed=1, chunk_worlds=20)) == 60


def test_an_infinity_or_a_nan_in_an_unlisted_float_column_is_a_bug():
    import pandas as pd

    from trucesim.run.outcomes import OutcomeError, check_outcomes

    ok = pd.DataFrame({"world": [7, 8], "deal": [True, False], "deal_day": [1.0, float("nan")], "x": [1.0, 2.0]})
    check_outcomes(ok, "chunk 0")
    with pytest.raises(OutcomeError, match=r"column x holds NaN in 1 world\(s\) \(first: world 8\)"):
        check_outcomes(ok.assign(x=[1.0, float("nan")]), "chunk 0")
    with pytest.raises(OutcomeError, match=r"column deal_day holds an infinite value"):
        check_outcomes(ok.assign(deal_day=[float("inf"), float("nan")]), "chunk 0")


# --------------------------------------------------------------------------- 8/9. sizes that cannot finish
def test_sizes_that_cannot_finish_are_refused_with_the_estimated_time(tmp_path):
    from .conftest import BASELINE

    huge = str(2**70)
    for proc in (
        cli("run", BASELINE, "--worlds", huge),
        cli("plot", BASELINE, "--kind", "days", "--worlds", huge, "--out", tmp_path / "d.png", timeout=60),
    ):
        assert_one_line_error(proc, "--worlds: expected at most", "worlds/s", "years on one core")
    assert_one_line_error(
        cli("plot", BASELINE, "--kind", "timeline", "--world", huge, "--out", tmp_path / "t.png", timeout=60),
        f"--trace {huge}: expected a world below",
    )
    exp = experiment(tmp_path)
    assert_one_line_error(cli("sweep", exp, "--worlds-per-point", huge, "--dry-run"), "--worlds-per-point", "years")
    big = experiment(
        tmp_path, TINY.replace("worlds_per_point = 30", "worlds_per_point = 1_000_000_000_000"), "big.toml"
    )
    out = tmp_path / "out"
    for extra in (["--dry-run"], ["--out", out]):
        assert_one_line_error(cli("sweep", big, *extra, timeout=60), f"{big}: worlds_per_point", "years")
    # fewer worlds, but more chunks (files) than a sweep may write: refused, with the way round
    many = experiment(tmp_path, TINY.replace("worlds_per_point = 30", "worlds_per_point = 600_000"), "many.toml")
    assert_one_line_error(
        cli("sweep", many, "--out", out, "--chunk-worlds", "10", timeout=60),
        "expected at most 100,000 chunks",
        "use larger chunks",
    )
    assert not out.exists()


# --------------------------------------------------------------------------- 8. more tracebacks made one line
def test_an_out_name_longer_than_the_filesystem_allows_is_one_line(tmp_path):
    from .conftest import BASELINE

    long = tmp_path / ("a" * 300 + ".csv")
    assert_one_line_error(cli("run", BASELINE, "--worlds", "10", "--out", long), "--out", "at most 233 bytes")


def test_a_killed_pool_worker_names_its_chunk_and_says_to_run_again(baseline, monkeypatch, capsys):
    import signal

    from trucesim.cli import main
    from trucesim.run.chunks import RunError
    from trucesim.run.simulate import RunTask, parallel_tables

    real = RunTask.run

    def dies(self):
        if self.chunk <= 1 < self.chunk + self.chunks:  # the task holding chunk 1
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or `kill -9` would
        return real(self)

    monkeypatch.setattr(RunTask, "run", dies)
    monkeypatch.setenv("TRUCESIM_START_METHOD", "fork")  # the workers see the patched task
    with pytest.raises(RunError) as e:
        list(parallel_tables(baseline, 60, seed=1, workers=2, chunk_worlds=20))
    msg = str(e.value)
    # a dying worker breaks the whole pool: the first task left unfinished is named (chunks 0-1 or 2 here)
    assert "\n" not in msg and re.search(r"(chunks 0-1 \(worlds 0-39\)|chunk 2 \(worlds 40-59\)) failed", msg), msg
    assert "died" in msg, msg
    assert "run the same command again" in msg, msg
    # the command line: one line, exit 1 (3 chunks of 10,000 worlds: the task of chunks 0-1 dies)
    assert main(["run", str(baseline.path), "--worlds", "20001", "--workers", "2"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.match(r"trucesim: error: chunks? [0-9-]+ \(worlds [0-9-]+\) failed: .*died", err[0]), (
        err
    )


# --------------------------------------------------------------------------- 8/9. a Dask cluster without workers, then lost
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_lost_before_any_worker_joined_is_named_as_such(monkeypatch):
    """Losing the scheduler while waiting for a first worker raised OSError, which the sweep reported as
    'cannot write the results'; it is the lost scheduler, in one line."""
    distributed = pytest.importorskip("distributed")
    from trucesim.run.executors import DaskExecutor, ExecutorError

    class Gone:  # a client whose scheduler answers once, then is gone
        def __init__(self, *args, **kwargs):
            pass

        def nthreads(self):
            return {}

        def wait_for_workers(self, n, timeout=None):
            raise OSError("Timed out trying to connect to tcp://127.0.0.1:8799 after 10 s")

    monkeypatch.setattr(distributed, "Client", Gone)
    with pytest.raises(
        ExecutorError, match=r"^--scheduler tcp://127.0.0.1:8799: lost the Dask scheduler \(OSError: Timed out"
    ):
        DaskExecutor("tcp://127.0.0.1:8799")


def test_a_cluster_without_workers_is_said_once_and_a_lost_scheduler_is_one_line(
    baseline, tmp_path, monkeypatch, capsys
):
    pytest.importorskip("distributed")
    import threading
    import time

    import trucesim.run.executors as executors
    from trucesim.run.executors import ClusterLost, DaskExecutor, map_ordered
    from trucesim.run.simulate import RunTask

    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen([dask, "scheduler", "--port", str(port), "--no-dashboard"], **quiet)
    worker: list[subprocess.Popen] = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline:  # the scheduler is listening
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        monkeypatch.setattr(executors, "NO_WORKERS_GRACE", 1.0)

        def start_worker():
            time.sleep(3)
            worker.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet))

        threading.Thread(target=start_worker, daemon=True).start()
        ex = DaskExecutor(address)  # no worker yet: waits, says so once, goes on when one joins
        err = capsys.readouterr().err
        assert err.count("has had no workers") == 1 and "waiting for one to join" in err, err
        try:
            tasks = [RunTask(baseline, 1, k, 20, 20) for k in range(2)]
            from trucesim.run.files import decode_table

            # the worker that joined late runs them: the same tables as in this process
            for got, task in zip(map_ordered(ex, tasks), tasks, strict=True):
                pd.testing.assert_frame_equal(decode_table(got), task.table())
            scheduler.kill()
            scheduler.wait()
            with pytest.raises(ClusterLost) as e:
                list(map_ordered(ex, [RunTask(baseline, 1, k, 20_000, 20_000) for k in range(4)]))
            msg = str(e.value)
            assert "\n" not in msg and "lost the Dask scheduler" in msg and address in msg, msg
        finally:
            ex.close()
    finally:
        for p in [scheduler, *worker]:
            p.kill()
            p.wait()
    assert "Traceback" not in capsys.readouterr().err


def test_a_lost_scheduler_mid_sweep_says_the_parts_are_kept_and_how_to_resume(tmp_path):
    from trucesim.run.executors import ClusterLost, InProcessExecutor
    from trucesim.sweep.sweep import plan_sweep

    class Losing(InProcessExecutor):
        def map(self, tasks):
            it = iter(tasks)
            yield from super().map([next(it)])
            raise ClusterLost("--scheduler tcp://10.0.0.5:8786: lost the Dask scheduler (FuturesCancelledError: x)")

    exp, out = experiment(tmp_path), tmp_path / "out"
    plan = plan_sweep(exp, out, chunk_worlds=CHUNK)
    with pytest.raises(ClusterLost) as e:
        plan.run(Losing())
    msg = str(e.value)
    assert "\n" not in msg and f"the 1 chunk(s) already written are kept in {out}" in msg and "--resume" in msg, msg
    assert not (out / ".trucesim.lock").exists()
    plan, _ = run_in_process(exp, out, resume=True)
    assert len(plan.pending) == 2


# --------------------------------------------------------------------------- 9. the designer's workers capped too
def test_the_designers_workers_are_capped_like_run_and_sweep(tmp_path):
    from trucesim.designer.evaluate import check_workers
    from trucesim.designer.space import DesignError
    from trucesim.run.workers import WORKERS_PER_CORE, available_cores

    from .conftest import BASELINE

    limit = WORKERS_PER_CORE * available_cores()
    check_workers(limit)
    with pytest.raises(DesignError, match=rf"--workers {limit + 1}: expected at most {limit}"):
        check_workers(limit + 1)
    out = tmp_path / "d"
    proc = cli(
        "design",
        BASELINE,
        "--vary",
        "terms.pause_days=14..90",
        "--maximize",
        "p_deal",
        "--workers",
        "1000",
        "--out",
        out,
    )
    assert_one_line_error(proc, "--workers 1000: expected at most")
    assert not out.exists()  # refused before anything is created


# --------------------------------------------------------------------------- 11. never echo another file's content
SECRET = "hunter2-s3cr3t"


@pytest.mark.parametrize(
    "content,fragment",
    [
        (f"root:x:0:0:{SECRET}:/root:/bin/bash\n", "invalid TOML"),  # like /etc/passwd
        (f"a = 1\n{SECRET}\x01 = 2\n", "invalid TOML"),
        (f"[{SECRET}]\n[{SECRET}]\n", "Cannot declare a key twice"),
        (f"x = {{{SECRET} = 1, {SECRET} = 2}}\n", "Duplicate inline table key"),
        (f'a = "{SECRET}\x01"\n', "illegal character"),
        (f'[tool.{SECRET}]\npassword = "{SECRET}"\n', "none of a scenario's keys"),  # valid TOML, not a scenario
    ],
)
def test_a_file_that_is_not_a_scenario_is_named_never_quoted(tmp_path, content, fragment):
    from .conftest import BASELINE

    other = tmp_path / "other.conf"
    other.write_text(content)
    via_extends = tmp_path / "s.toml"
    via_extends.write_text(f'extends = "{other}"\n')
    via_experiment = tmp_path / "e.toml"
    via_experiment.write_text(
        f'scenario = "{other}"\nworlds_per_point = 5\n[factors."terms.pause_days"]\nlevels = [14]\n'
    )
    for proc in (
        cli("check", via_extends),
        cli("run", via_extends, "--worlds", "10"),
        cli("sweep", via_experiment, "--dry-run"),
        cli("run", other, "--worlds", "10"),
    ):
        line = assert_one_line_error(proc, str(other), fragment)
        assert SECRET not in line, line
    assert cli("check", BASELINE).returncode == 0

"""``trucesim sweep``: runs and errors in this process; a failing chunk, kill-and-resume and Ctrl-C through a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT, assert_one_line_error, cli, files, write_experiment

# 4 points x 75 worlds = 300 worlds in 3 chunks of 100 (a chunk's fixed cost dominates small chunks)
SMALL = """\
scenario = "{scenario}"
seed = 3
worlds_per_point = 75

[design]
kind = "grid"

[factors."terms.prisoners_per_hostage"]
levels = [5, 40]

[factors."context.us_pressure"]
levels = [0.2, 0.8]
"""
CHUNK = "100"

# slow enough to be killed in the middle: 16 chunks
LONG = SMALL.replace("worlds_per_point = 75", "worlds_per_point = 400").replace("seed = 3", "seed = 4")
LONG_CHUNK = "100"


def env():
    return dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200")


#: a progress line (commands.progress.LineProgress, every 5 s when stderr is no terminal): a slow machine prints some
PROGRESS_LINE = re.compile(r"^sweep: .*\d+%(, (eta|done in|stopped after) .*)?$")


def one_line_error(proc, *fragments) -> str:
    """:func:`assert_one_line_error`, after the progress lines a loaded machine prints before the error."""
    kept = "\n".join(ln for ln in proc.stderr.splitlines() if not PROGRESS_LINE.match(ln))
    return assert_one_line_error(subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout, kept), *fragments)


def experiment(tmp_path: Path, text: str = SMALL, name: str = "exp.toml") -> Path:
    return write_experiment(tmp_path, text, name)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    exp = experiment(tmp)
    out = tmp / "out"
    proc = cli("sweep", exp, "--out", out, "--workers", "1", "--chunk-worlds", CHUNK)
    return exp, out, proc


def test_help_has_examples():
    proc = cli("sweep", "--help")
    assert proc.returncode == 0
    for f in (
        "examples:",
        "trucesim sweep experiments/prisoners-vs-us-pressure.toml --out",
        "--resume",
        "--scheduler",
        "tcp://",
        "--workers",
        "--seed",
        "--chunk-worlds",
        "trucesim.load(DIR)",
        "not forecasts",
    ):
        assert f in proc.stdout, f
    from trucesim.cli import build_parser

    assert "sweep" in build_parser()[0].format_help()


def test_sweep_runs_and_reports(small_run):
    exp, out, proc = small_run
    assert proc.returncode == 0, proc.stderr
    # no progress bar when stderr is not a terminal: at most plain progress lines (after 5 s, as under load)
    assert "\r" not in proc.stderr and all(line.startswith("sweep: ") for line in proc.stderr.splitlines())
    text = proc.stdout
    assert "4 points x 75 worlds = 300 worlds, seed 3" in text
    assert "not a forecast" in text
    assert "probability of a deal by point" in text
    assert "terms.prisoners_per_hostage" in text and "context.us_pressure" in text
    assert f"results in {out}/" in text and "trucesim.load(" in text
    assert sorted(p.name for p in (out / "parts").iterdir()) == [f"chunk-{k:06d}.parquet" for k in range(3)]
    import trucesim

    df = trucesim.load(out)
    assert len(df) == 300 and list(df.columns[:4]) == [
        "point",
        "replicate",
        "terms.prisoners_per_hostage",
        "context.us_pressure",
    ]
    pts = pd.read_parquet(out / "points.parquet")
    assert len(pts) == 4 and (pts["worlds"] == 75).all()


def test_two_workers_same_bytes(small_run, tmp_path):
    exp, out, _ = small_run
    proc = cli("sweep", exp, "--out", tmp_path / "w2", "--workers", "2", "--chunk-worlds", CHUNK)
    assert proc.returncode == 0, proc.stderr
    assert files(tmp_path / "w2") == files(out)


def test_dask_local_cluster_same_bytes(small_run, tmp_path):
    exp, out, _ = small_run
    proc = cli(
        "sweep", exp, "--out", tmp_path / "dask", "--scheduler", "local", "--workers", "1", "--chunk-worlds", CHUNK
    )
    assert proc.returncode == 0, proc.stderr
    # nothing on stderr but progress lines (printed only when the sweep takes more than 5 s, as under load)
    assert all(line.startswith("sweep: ") for line in proc.stderr.splitlines()), proc.stderr
    assert "dask LocalCluster, 1 worker" in proc.stdout
    assert files(tmp_path / "dask") == files(out)


def test_dry_run(small_run, capsys):
    from trucesim.cli import main

    exp, _, _ = small_run
    assert main(["sweep", str(exp), "--dry-run", "--chunk-worlds", CHUNK]) == 0
    text = capsys.readouterr().out
    assert "4 points x 75 worlds = 300 worlds" in text
    assert "3 chunks of up to 100 worlds" in text and "nothing simulated" in text
    # a size the run refuses is refused by the dry run too (it printed a plan of 100,100 chunks)
    shipped = ROOT / "experiments" / "prisoners-vs-us-pressure.toml"
    one_line_error(
        cli("sweep", shipped, "--worlds-per-point", 1001, "--chunk-worlds", 1, "--dry-run"),
        "--chunk-worlds 1: expected at most 100,000 chunks",
    )


def test_existing_directory_is_an_error(small_run):
    exp, out, _ = small_run
    before = files(out)
    one_line_error(cli("sweep", exp, "--out", out), str(out), "existing", "--resume")
    assert files(out) == before


def test_resume_with_another_experiment_is_an_error(small_run, tmp_path):
    exp, out, _ = small_run
    other = experiment(tmp_path, SMALL.replace("levels = [5, 40]", "levels = [5, 41]"), "other.toml")
    before = files(out)
    one_line_error(
        cli("sweep", other, "--out", out, "--resume"),
        "manifest.json",
        "--resume",
        "factors.terms.prisoners_per_hostage.levels",
        "expected [5.0, 40.0]",
        "found [5.0, 41.0]",
    )
    one_line_error(cli("sweep", exp, "--out", out, "--resume", "--seed", "8"), "seed: expected 3", "found 8")
    assert files(out) == before


def test_resume_of_a_finished_sweep(small_run):
    exp, out, _ = small_run
    before = files(out)
    proc = cli("sweep", exp, "--out", out, "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "all 3 chunks were already done" in proc.stdout
    assert files(out) == before


@pytest.mark.parametrize(
    "body,fragments",
    [
        (
            '[factors."terms.prisoners_per_hostag"]\nlevels = [5]\n',
            ['factors."terms.prisoners_per_hostag"', "did you mean"],
        ),
        (
            '[design]\nkind = "sobol"\npoints = 12\n[factors."context.us_pressure"]\nrange = [0.2, 0.8]\n',
            ["design.points", "power of two", "found 12"],
        ),
    ],
)
def test_validation_errors_are_one_line(tmp_path, body, fragments):
    # every validation error goes through the same path: tests/test_experiment.py checks them all
    exp = experiment(tmp_path, 'scenario = "{scenario}"\nworlds_per_point = 10\n' + body)
    one_line_error(cli("sweep", exp, "--out", tmp_path / "out"), str(exp), *fragments)
    assert not (tmp_path / "out").exists()


def test_option_errors_are_one_line(small_run, tmp_path):
    exp, _, _ = small_run
    one_line_error(
        cli("sweep", exp, "--out", tmp_path / "o", "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"), "--workers"
    )
    assert not (tmp_path / "o").exists()


def test_option_errors_in_process(small_run, tmp_path, capsys):
    from trucesim.cli import main

    exp, _, _ = small_run
    for target, args, fragment in (
        (exp, ["--scheduler", "nowhere"], "--scheduler: expected 'local'"),
        (tmp_path / "missing.toml", [], "missing.toml: file not found"),
        (exp, ["--out"], "--out: expected a results directory"),
    ):
        out = [] if args == ["--out"] else ["--out", str(tmp_path / "o")]
        assert main(["sweep", str(target), *out, *[a for a in args if a != "--out"]]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("trucesim: error: ") and fragment in err and "\n" not in err, err
    with pytest.raises(SystemExit) as e:
        main(["sweep", str(exp), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert e.value.code in (1, 2) and "expected a number >= 1, found 0" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


FAILING = """\
import sys
from trucesim.sweep.sweep import ChunkTask
real = ChunkTask.run
def run(self):
    if self.chunk == 1:
        raise ZeroDivisionError("the injected cause")
    return real(self)
ChunkTask.run = run
from trucesim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_failing_chunk_names_chunk_and_cause_and_keeps_parts(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            FAILING,
            "sweep",
            str(exp),
            "--out",
            str(out),
            "--workers",
            "1",
            "--chunk-worlds",
            CHUNK,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env(),
        timeout=300,
    )
    line = one_line_error(
        proc,
        "chunk 1 (worlds 100-199, points 1-2) failed: ZeroDivisionError: the injected cause",
        "1 chunk(s) already written",
        "error.log",
        "--resume",
    )
    assert "Traceback" not in proc.stderr and line
    assert sorted(p.name for p in (out / "parts").iterdir()) == [f"chunk-{k:06d}.parquet" for k in range(1)]
    assert "ZeroDivisionError" in (out / "error.log").read_text()
    # the cause fixed, --resume finishes the sweep
    from trucesim.cli import main

    assert main(["sweep", str(exp), "--out", str(out), "--resume"]) == 0
    text = capsys.readouterr().out
    assert "2 of 3 chunks run" in text and "1 were already done" in text
    assert not (out / "error.log").exists()


def _descendants_alive(out: Path) -> list[int]:
    """Processes still running a sweep into ``out`` (pool workers left behind)."""
    import psutil

    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            mine = str(out) in " ".join(p.info["cmdline"] or []) and p.pid != os.getpid()
            if mine and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p.pid)
        except psutil.Error:
            pass
    return found


def _default_sigint() -> None:
    # a shell running the suite in the background ignores SIGINT, and children inherit that
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_and_wait_for_parts(args, parts: Path, n: int, sig: int):
    proc = subprocess.Popen(
        [sys.executable, "-m", "trucesim", *map(str, args)],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if parts.is_dir() and len(list(parts.glob("chunk-*.parquet"))) >= n:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    assert proc.poll() is None, f"the sweep ended before it could be interrupted: {proc.communicate()}"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def test_kill_and_resume_equals_an_uninterrupted_run(tmp_path):
    exp = experiment(tmp_path, LONG)
    ref = tmp_path / "reference"
    from trucesim.sweep.sweep import sweep

    sweep(exp, ref, workers=2, chunk_worlds=int(LONG_CHUNK))  # any backend gives the same bytes

    out = tmp_path / "killed"
    code, _, _ = _start_and_wait_for_parts(
        ["sweep", exp, "--out", out, "--workers", "2", "--chunk-worlds", LONG_CHUNK], out / "parts", 2, signal.SIGKILL
    )
    assert code == -signal.SIGKILL
    written = sorted((out / "parts").glob("chunk-*.parquet"))
    assert 2 <= len(written) < 16 and not (out / "points.parquet").exists()
    # the orphaned pool workers notice and exit
    deadline = time.monotonic() + 10
    while _descendants_alive(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _descendants_alive(out)
    proc = cli("sweep", exp, "--out", out, "--resume", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"{16 - len(written)} of 16 chunks run" in proc.stdout
    assert files(out) == files(ref)


@pytest.mark.parametrize(
    "sig,code,word",
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["ctrl-c", "sigterm"],
)
def test_interruption_stops_cleanly_with_a_resume_hint(tmp_path, sig, code, word):
    exp = experiment(tmp_path, LONG)
    out = tmp_path / "interrupted"
    rc, stdout, stderr = _start_and_wait_for_parts(
        ["sweep", exp, "--out", out, "--workers", "1", "--chunk-worlds", LONG_CHUNK], out / "parts", 2, sig
    )
    assert rc == code, stderr
    # a loaded machine may print plain progress lines ("sweep: worlds ...") before the message
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("sweep: worlds ")]
    assert len(lines) == 1 and lines[0].startswith(f"trucesim: {word}:"), stderr
    assert "--resume" in lines[0] and "Traceback" not in stderr

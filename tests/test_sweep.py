"""``trucesim sweep`` through a subprocess: runs, errors, kill-and-resume, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "april-2024.toml"

# 4 points x 150 worlds = 600 worlds; chunks of 50 worlds: 12 chunks
SMALL = """\
scenario = "{scenario}"
seed = 3
worlds_per_point = 150

[design]
kind = "grid"

[factors."terms.prisoners_per_hostage"]
levels = [5, 40]

[factors."context.us_pressure"]
levels = [0.2, 0.8]
"""
CHUNK = "50"

# slow enough to be killed in the middle: 24 chunks
LONG = SMALL.replace("worlds_per_point = 150", "worlds_per_point = 600").replace("seed = 3", "seed = 4")
LONG_CHUNK = "100"


def env():
    return dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200")


def cli(*args, timeout=300):
    """``python -m trucesim ARGS`` (text mode, not a terminal: no progress bar)."""
    return subprocess.run([sys.executable, "-m", "trucesim", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env())


def one_line_error(proc, *fragments) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("trucesim: error: "), lines[0]
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


def experiment(tmp_path: Path, text: str = SMALL, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text.format(scenario=BASELINE.as_posix()))
    return path


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


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
    for s in ("examples:", "trucesim sweep experiments/prisoners-vs-us-pressure.toml --out", "--resume",
              "--scheduler", "tcp://", "--workers", "--seed", "--chunk-worlds", "trucesim.load(DIR)",
              "not forecasts"):
        assert s in proc.stdout, s
    assert "sweep" in cli("--help").stdout


def test_sweep_runs_and_reports(small_run):
    exp, out, proc = small_run
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    text = proc.stdout
    assert "4 points x 150 worlds = 600 worlds, seed 3" in text
    assert "not a forecast" in text
    assert "probability of a deal by point" in text
    assert "terms.prisoners_per_hostage" in text and "context.us_pressure" in text
    assert f"results in {out}/" in text and "trucesim.load(" in text
    assert sorted(p.name for p in (out / "parts").iterdir()) == [f"chunk-{k:06d}.parquet" for k in range(12)]
    import trucesim
    df = trucesim.load(out)
    assert len(df) == 600 and list(df.columns[:4]) == ["point", "replicate", "terms.prisoners_per_hostage",
                                                       "context.us_pressure"]
    pts = pd.read_parquet(out / "points.parquet")
    assert len(pts) == 4 and (pts["worlds"] == 150).all()


def test_two_workers_same_bytes(small_run, tmp_path):
    exp, out, _ = small_run
    proc = cli("sweep", exp, "--out", tmp_path / "w2", "--workers", "2", "--chunk-worlds", CHUNK)
    assert proc.returncode == 0, proc.stderr
    assert files(tmp_path / "w2") == files(out)


def test_dask_local_cluster_same_bytes(small_run, tmp_path):
    exp, out, _ = small_run
    proc = cli("sweep", exp, "--out", tmp_path / "dask", "--scheduler", "local", "--workers", "1",
               "--chunk-worlds", CHUNK)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and "dask LocalCluster, 1 worker" in proc.stdout
    assert files(tmp_path / "dask") == files(out)


def test_dry_run(small_run):
    exp, _, _ = small_run
    proc = cli("sweep", exp, "--dry-run", "--chunk-worlds", CHUNK)
    assert proc.returncode == 0, proc.stderr
    assert "4 points x 150 worlds = 600 worlds" in proc.stdout
    assert "12 chunks of up to 50 worlds" in proc.stdout and "nothing simulated" in proc.stdout


def test_existing_directory_is_an_error(small_run):
    exp, out, _ = small_run
    before = files(out)
    one_line_error(cli("sweep", exp, "--out", out), str(out), "existing", "--resume")
    assert files(out) == before


def test_resume_with_another_experiment_is_an_error(small_run, tmp_path):
    exp, out, _ = small_run
    other = experiment(tmp_path, SMALL.replace("levels = [5, 40]", "levels = [5, 41]"), "other.toml")
    before = files(out)
    one_line_error(cli("sweep", other, "--out", out, "--resume"), "manifest.json", "--resume",
                   "factors.terms.prisoners_per_hostage.levels", "expected [5.0, 40.0]", "found [5.0, 41.0]")
    one_line_error(cli("sweep", exp, "--out", out, "--resume", "--seed", "8"), "seed: expected 3", "found 8")
    assert files(out) == before


def test_resume_of_a_finished_sweep(small_run):
    exp, out, _ = small_run
    before = files(out)
    proc = cli("sweep", exp, "--out", out, "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "all 12 chunks were already done" in proc.stdout
    assert files(out) == before


@pytest.mark.parametrize("body,fragments", [
    ('[factors."terms.prisoners_per_hostag"]\nlevels = [5]\n', ['factors."terms.prisoners_per_hostag"', "did you mean"]),
    ('[factors."context.us_pressure"]\nrange = [0.8, 0.2]\nsteps = 2\n', ["range", "found low 0.8 > high 0.2"]),
    ('[design]\nkind = "sobol"\npoints = 12\n[factors."context.us_pressure"]\nrange = [0.2, 0.8]\n',
     ["design.points", "power of two", "found 12"]),
    ('[design]\nkind = "fractal"\n[factors."context.us_pressure"]\nlevels = [0.2]\n', ["design.kind", "'fractal'"]),
    ('[factors."protocol.horizon_days"]\nlevels = [90]\n', ['factors."protocol.horizon_days"', "calendar"]),
])
def test_validation_errors_are_one_line(tmp_path, body, fragments):
    exp = experiment(tmp_path, 'scenario = "{scenario}"\nworlds_per_point = 10\n' + body)
    one_line_error(cli("sweep", exp, "--out", tmp_path / "out"), str(exp), *fragments)
    assert not (tmp_path / "out").exists()


def test_option_errors_are_one_line(small_run, tmp_path):
    exp, _, _ = small_run
    one_line_error(cli("sweep", exp), "--out", "found nothing")
    one_line_error(cli("sweep", exp, "--out", tmp_path / "o", "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"),
                   "--workers")
    assert not (tmp_path / "o").exists()


def test_option_errors_in_process(small_run, tmp_path, capsys):
    from trucesim.cli import main

    exp, _, _ = small_run
    for args, fragment in ((["--scheduler", "nowhere"], "--scheduler: expected 'local'"),
                           ([], "missing.toml: file not found")):
        target = tmp_path / "missing.toml" if not args else exp
        assert main(["sweep", str(target), "--out", str(tmp_path / "o"), *args]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("trucesim: error: ") and fragment in err and "\n" not in err
    with pytest.raises(SystemExit) as e:
        main(["sweep", str(exp), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert e.value.code == 2 and "expected a number >= 1, found 0" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


FAILING = """\
import sys
from trucesim.experiment import ChunkTask
real = ChunkTask.run
def run(self):
    if self.chunk == 5:
        raise ZeroDivisionError("the injected cause")
    return real(self)
ChunkTask.run = run
from trucesim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_failing_chunk_names_chunk_and_cause_and_keeps_parts(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", FAILING, "sweep", str(exp), "--out", str(out), "--workers", "1",
                           "--chunk-worlds", CHUNK], cwd=ROOT, capture_output=True, text=True, env=env(), timeout=300)
    line = one_line_error(proc, "chunk 5 (worlds 250-299, points 1-1) failed: ZeroDivisionError: the injected cause",
                          "5 chunk(s) already written", "error.log", "--resume")
    assert "Traceback" not in proc.stderr and line
    assert sorted(p.name for p in (out / "parts").iterdir()) == [f"chunk-{k:06d}.parquet" for k in range(5)]
    assert "ZeroDivisionError" in (out / "error.log").read_text()
    # the cause fixed, --resume finishes the sweep
    proc = cli("sweep", exp, "--out", out, "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "7 of 12 chunks run" in proc.stdout and "5 were already done" in proc.stdout
    assert not (out / "error.log").exists()


def _descendants_alive(out: Path) -> list[int]:
    """Processes still running a sweep into ``out`` (pool workers left behind)."""
    import psutil
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if str(out) in " ".join(p.info["cmdline"] or []) and p.pid != os.getpid():
                if p.status() != psutil.STATUS_ZOMBIE:
                    found.append(p.pid)
        except psutil.Error:
            pass
    return found


def _start_and_wait_for_parts(args, parts: Path, n: int, sig: int):
    proc = subprocess.Popen([sys.executable, "-m", "trucesim", *map(str, args)], cwd=ROOT, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    from trucesim.experiment import sweep
    sweep(exp, ref, workers=1, chunk_worlds=int(LONG_CHUNK))

    out = tmp_path / "killed"
    code, _, _ = _start_and_wait_for_parts(["sweep", exp, "--out", out, "--workers", "2",
                                            "--chunk-worlds", LONG_CHUNK], out / "parts", 3, signal.SIGKILL)
    assert code == -signal.SIGKILL
    written = sorted((out / "parts").glob("chunk-*.parquet"))
    assert 3 <= len(written) < 24 and not (out / "points.parquet").exists()
    # the orphaned pool workers notice and exit
    deadline = time.monotonic() + 10
    while _descendants_alive(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _descendants_alive(out)
    proc = cli("sweep", exp, "--out", out, "--resume", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"{24 - len(written)} of 24 chunks run" in proc.stdout
    assert files(out) == files(ref)


def test_ctrl_c_stops_cleanly_with_a_resume_hint(tmp_path):
    exp = experiment(tmp_path, LONG)
    out = tmp_path / "interrupted"
    code, stdout, stderr = _start_and_wait_for_parts(["sweep", exp, "--out", out, "--workers", "1",
                                                      "--chunk-worlds", LONG_CHUNK], out / "parts", 2, signal.SIGINT)
    assert code == 130, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("trucesim: interrupted:"), stderr
    assert "--resume" in lines[0] and "Traceback" not in stderr

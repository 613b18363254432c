"""Shared fixtures: paths, the baseline scenario, and two CLI runners: in this process, and through a subprocess.

Call the CLI with :func:`cli` (``trucesim.cli.main`` in this process: no new interpreter) wherever a
subprocess proves nothing more; keep :func:`run_cli` (``python -m trucesim`` in a new process) for what
only a process shows: the entry point, exit statuses as the shell sees them, signals, a clean start.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import pytest

from .browser import app_server  # noqa: F401  (a session fixture: one app server per test process)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "april-2024.toml"
NOVEMBER = SCENARIOS / "november-2023.toml"


@pytest.fixture(scope="session")
def baseline():
    from trucesim.config.scenario import load_scenario

    return load_scenario(BASELINE)


def run_cli(*args, cwd=ROOT, check=False, timeout=600):
    """Run ``python -m trucesim ARGS`` and return the CompletedProcess (text mode)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200")
    proc = subprocess.run(
        [sys.executable, "-m", "trucesim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"trucesim {args} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


class _Capture(io.TextIOWrapper):
    """A text stream over bytes, like a pipe: it has a ``buffer`` and is not a terminal."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]


class CliTimeout(Exception):
    """A command run by :func:`cli` took longer than its ``timeout``."""


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Raise :class:`CliTimeout` in this (main) thread after ``seconds``, even inside a blocking call."""
    if not seconds:
        yield
        return

    def expire(signum, frame):
        raise CliTimeout(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cli(*args, cwd=ROOT, check=False, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``trucesim ARGS`` in this process (``trucesim.cli.main``) and return what a subprocess would.

    The same contract as :func:`run_cli`: a ``CompletedProcess`` with ``returncode`` (the value of
    ``main``, an argparse exit's code, or 1 with the traceback on stderr for an uncaught exception),
    ``stdout`` and ``stderr`` as text; run in ``cwd``, with ``COLUMNS=200`` and warnings ignored.
    ``timeout`` (seconds) fails the test with :class:`CliTimeout` if the command runs longer, even
    when it blocks in a system call (a FIFO opened for reading), as ``run_cli``'s timeout would.

    Examples
    --------
    >>> cli("list").returncode  # doctest: +SKIP
    0
    """
    from trucesim.cli import main

    argv = [str(a) for a in args]
    out, err = _Capture(), _Capture()
    saved_columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "200"
    try:
        with (
            contextlib.chdir(cwd),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
            _time_limit(timeout),
        ):
            warnings.simplefilter("ignore")
            try:
                code = main(argv)
            except SystemExit as e:
                if e.code is None or isinstance(e.code, int):
                    code = e.code or 0
                else:
                    print(e.code, file=sys.stderr)
                    code = 1
            except CliTimeout:
                raise
            except Exception:  # noqa: BLE001  # as the interpreter would: a traceback and status 1
                traceback.print_exc()
                code = 1
    finally:
        if saved_columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved_columns
    proc = subprocess.CompletedProcess(["trucesim", *argv], code or 0, out.text(), err.text())
    if check and proc.returncode != 0:
        raise AssertionError(f"trucesim {args} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def assert_one_line_error(proc, *fragments):
    """A user error: exit 1, one line on stderr starting 'trucesim: error:', no traceback."""
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("trucesim: error:"), lines[0]
    assert "Traceback" not in proc.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


def table_calibration(table: int, population: int, worlds: int, predictive_worlds: int, extra: str = "") -> str:
    """The text of a calibration small enough for a test: two values fitted on a reference table of ``table``
    draws over three shipped rounds, keeping ``population``, ``worlds`` per round and draw; ``extra`` TOML after
    its ``[validate]`` table (a ``[quick]`` table, say)."""
    r = SCENARIOS / "rounds"
    return f"""
rounds = ["{r}/november-2023.toml", "{r}/april-2024.toml", "{r}/august-2024.toml"]
priors = "april-2024"
fit = ["actors.hamas.patience", "actors.israel.sensitivity_us"]
method = "table"
table = {table}
population = {population}
worlds = {worlds}

[prior]
"actors.israel.sensitivity_us" = {{ dist = "uniform", low = 0.1, high = 0.8 }}
"actors.hamas.patience" = {{ dist = "beta", a = 2, b = 5, low = 0, high = 0.6 }}

[validate]
predictive_worlds = {predictive_worlds}
{extra}"""


def write_experiment(tmp_path, text: str, name: str = "exp.toml") -> Path:
    """An experiment file in ``tmp_path`` from ``text``, whose ``{scenario}`` becomes the baseline's path."""
    path = tmp_path / name
    path.write_text(text.format(scenario=BASELINE.as_posix()))
    return path


def files(root) -> dict[str, bytes]:
    """Every file below ``root``, by relative path, with its bytes (to compare whole directories)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}

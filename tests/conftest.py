"""Shared fixtures: paths, the baseline scenario, and a CLI runner through a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def write_experiment(tmp_path, text: str, name: str = "exp.toml") -> Path:
    """An experiment file in ``tmp_path`` from ``text``, whose ``{scenario}`` becomes the baseline's path."""
    path = tmp_path / name
    path.write_text(text.format(scenario=BASELINE.as_posix()))
    return path


def files(root) -> dict[str, bytes]:
    """Every file below ``root``, by relative path, with its bytes (to compare whole directories)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}

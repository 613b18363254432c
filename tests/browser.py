"""What the browser tests share: the app's packages, Debian's chromium, and one app server.

``app_server`` starts ``trucesim app`` once per test process (a session fixture, registered in
conftest.py): it takes seconds to start, and each browser page is a session of its own in the app
(Solara keeps a page's state with its connection), so tests that share the server do not see each
other's changes. Its log collects every page's output.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import pytest

IN_CI = bool(os.environ.get("CI"))


def _need(module: str):
    """Import a module of the app extra; skip without it, except in CI, where it must be installed."""
    if IN_CI:
        return importlib.import_module(module)
    return pytest.importorskip(module, reason="the app extra is not installed: pip install -e '.[app]'")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: painted pixels of each chart canvas (ECharts draws axes, legend and lines on one canvas)
CANVAS_INK = """() => [...document.querySelectorAll('.trucesim-chart canvas')].map(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
    return ink;
})"""


def _chromium() -> str:
    path = os.environ.get("TRUCESIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if IN_CI:
            pytest.fail("chromium is not installed (make test installs it: apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"trucesim app exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"trucesim app did not answer at {url} within {timeout} s")


class AppServer(NamedTuple):
    url: str
    log: Path


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """``trucesim app`` on a free port of 127.0.0.1: its URL and its log; stopped by its pid at the end."""
    from .conftest import BASELINE, ROOT  # conftest registers this fixture: imported here, not at the top

    _need("solara")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trucesim", "app", str(BASELINE), "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            _wait_for_server(url, proc)
            yield AppServer(url, log_path)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()

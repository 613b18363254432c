"""Start the app's web server (Solara's own ``solara run``), offline: no CDN, no telemetry, no version check.

Solara loads its JavaScript from the ``solara-assets`` package (pinned in the
``app`` extra), so the page works without internet.  Its usage statistics and
the check for a newer release, which would call out, are switched off.

Examples
--------
>>> solara_args("127.0.0.1", 8765)[:3]
['trucesim.app.page', '--host', '127.0.0.1']
"""

from __future__ import annotations

import gc
import os
import socket
import warnings
from pathlib import Path

from trucesim.app import catalogue

#: environment for Solara: no telemetry, no "runs on Solara" banner
SOLARA_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False"}


#: the start of the warning Solara (1.58.2, ``solara/server/starlette.py``) prints on a session's first
#: page when it is served over plain http at a host other than "localhost" (127.0.0.1 by default)
COOKIE_WARNING = "Cookies with samesite=none require https"


def quiet_cookie_warning() -> None:
    """Silence Solara's warning that its session cookie falls back to ``samesite=lax``, and only that one.

    Solara would like ``samesite=none`` so that its cookie also reaches a page embedded in
    another site's iframe; browsers allow that only over https or at "localhost".  The app
    is a page of its own, served over plain http (usually at 127.0.0.1), never embedded, so
    the ``lax`` cookie Solara falls back to is the right one and the warning says nothing to
    act on.  Other warnings, of Solara's or anyone's, are shown as before.

    Examples
    --------
    >>> import warnings
    >>> quiet_cookie_warning()
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("default")
    ...     quiet_cookie_warning()
    ...     warnings.warn_explicit(COOKIE_WARNING + ", but ...", UserWarning, "starlette.py", 1,
    ...                            module="solara.server.starlette")
    >>> seen
    []
    """
    warnings.filterwarnings("ignore", message=COOKIE_WARNING, category=UserWarning, module=r"solara\.server\.starlette")


def check_installed() -> str | None:
    """None if the app's packages are installed, else what to install (one line)."""
    from importlib.util import find_spec

    for package in ("solara", "solara_assets"):
        if find_spec(package) is None:  # not imported: Solara reads its settings on import
            return (
                f"the app needs the 'app' extra ({package} is not installed): "
                "pip install 'trucesim[app]' (or pip install -e '.[app]' in a clone)"
            )
    return None


def check_address(host: str, port: int) -> str | None:
    """None if the server can listen on ``host:port``, else why not (one line)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            s.bind(infos[0][4])
    except OSError as e:
        return f"cannot listen on {host}:{port}: {e.strerror or e}"
    return None


def solara_args(host: str, port: int) -> list[str]:
    """The arguments of ``solara run`` for the app."""
    return [
        "trucesim.app.page",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level",
        "warning",
    ]


def serve(scenario: Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the app at ``http://host:port/`` until interrupted, showing ``scenario`` first."""
    # the imports below take 10 to 20 seconds on two cores: say so first, not after a silence
    print("trucesim app: starting (loading Solara and Mesa's visualisation takes 10 to 20 seconds)", flush=True)
    os.environ[catalogue.ENV_SCENARIO] = str(Path(scenario).resolve())
    for k, v in SOLARA_ENV.items():
        os.environ.setdefault(k, v)
    from solara.__main__ import run  # after the environment: Solara reads its settings on import

    quiet_cookie_warning()

    import trucesim.app.page  # noqa: F401  (its imports now, then:)

    # the libraries' objects live as long as the server: out of the collector's way, so that
    # a full collection does not scan them (about 70 ms, inside a step while the model plays)
    gc.freeze()
    print(f"trucesim app: http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    run.main(args=solara_args(host, port), prog_name="trucesim app", standalone_mode=False)

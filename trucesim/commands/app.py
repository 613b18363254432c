"""``trucesim app [SCENARIO]``: the interactive browser app (Mesa's SolaraViz), served on this machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trucesim.commands.common import UserError

NAME = "app"
DEFAULT_SCENARIO = "april-2024"  # the shipped scenario, found from any directory
EPILOG = """what you get:
  controls   a scenario select (every scenario in SCENARIO's folder), worlds, seed, the world
             whose story is told, and sliders that CHANGE the deal's terms, the main pressures
             and the opposition's safety net from the scenario's values (0 = as shipped);
             press Reset to rebuild the model from them, Step or Play to run it day by day
  charts     share of worlds negotiating, in a pause, at a permanent end, collapsed;
             each side's acceptance; the pressures; hostages living and released
  panels     P(deal) at the horizon with its 95% interval; the difference from the scenario
             as shipped, with its interval; why there was no deal; one world's story

examples:
  trucesim app                                      # the shipped april-2024, port 8765
  trucesim app scenarios/november-2023.toml --port 8800
  trucesim app --host 0.0.0.0                       # reachable from other machines: trusted networks only

Needs the 'app' extra: pip install 'trucesim[app]'.  Works offline (no CDN).
Outputs explore the scenario's stated assumptions; they are not forecasts."""


def _port(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, found {text!r}") from None
    if not 1 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number in 1..65535, found {v}")
    return v


def add_parser(sub) -> argparse.ArgumentParser:
    app = sub.add_parser(
        NAME,
        help="open the interactive browser app: move sliders, watch the worlds, compare",
        description="Serve an interactive app (Mesa's SolaraViz) at http://HOST:PORT/: change the deal's "
        "terms, the pressures and the safety net, watch many worlds negotiate day by day, and "
        "see P(deal) at the horizon against the scenario as shipped.  Stop it with Ctrl-C.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    app.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?",
        default=DEFAULT_SCENARIO,
        type=Path,
        help=f"scenario shown first (default: {DEFAULT_SCENARIO}); the app offers every scenario in its folder",
    )
    app.add_argument("--port", type=_port, default=8765, metavar="N", help="port to listen on (default: 8765)")
    app.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    return app


def main(args) -> int:
    from trucesim.app.server import check_address, check_installed, serve
    from trucesim.config.scenario import load_scenario
    from trucesim.config.shipped import resolve

    args.scenario = resolve(args.scenario, "scenarios")  # a shipped scenario by name; a path wins
    load_scenario(args.scenario)  # a bad file is one line, before any server starts
    problem = check_installed() or check_address(args.host, args.port)
    if problem:
        raise UserError(problem)
    try:
        serve(args.scenario, host=args.host, port=args.port)
    except OSError as e:  # the port is taken, or the address is not this machine's
        raise UserError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    except SystemExit as e:  # uvicorn exits when it cannot bind
        if e.code:
            print(f"trucesim: error: cannot listen on {args.host}:{args.port} (see the message above)", file=sys.stderr)
            return 1
    return 0

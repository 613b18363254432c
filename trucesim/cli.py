"""The ``trucesim`` command line; each command lives in :mod:`trucesim.commands`.

Every user error ends with one line on stderr, ``trucesim: error: ...``, and
exit status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap

from trucesim import __version__
from trucesim.commands.common import UserError

#: command modules under trucesim.commands, in the order --help lists them
COMMANDS = (
    "run",
    "compare",
    "sweep",
    "backtest",
    "calibrate",
    "validate",
    "check",
    "list",
    "design",
    "plot",
    "report",
    "export",
    "app",
)


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(
        prog="trucesim",
        description="Simulate how a proposed truce deal fares with the actors who must accept it: "
        "many worlds of an agent-based model (Mesa) of the spring-2024 Gaza truce talks. "
        "Outputs explore stated assumptions; they are not forecasts.",
        epilog="Run 'trucesim COMMAND --help' for the options and examples of a command.",
    )
    parser.add_argument("--version", action="version", version=f"trucesim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    parser.error = _one_line_error("trucesim --help")  # type: ignore[method-assign]  # one-line errors, on purpose
    handlers = {}
    for name in COMMANDS:
        module = importlib.import_module(f".commands.{name}", __package__)
        command = module.add_parser(sub)
        if command is not None:
            if command.formatter_class is argparse.RawDescriptionHelpFormatter:
                command.formatter_class = _WrappedProse
            command.error = _one_line_error(f"trucesim {module.NAME} --help")
            command.set_defaults(usage_error=command.error)  # for arguments only the top level sees
        handlers[module.NAME] = module.main
    return parser, handlers


class _WrappedProse(argparse.RawDescriptionHelpFormatter):
    """A command's description and epilog as written (examples, aligned tables), except that a paragraph
    of prose with a line longer than the terminal is wrapped whole: its unindented lines, up to an
    indented or blank one, as the commands write their paragraphs (wrapping each line alone left
    single words on lines of their own)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        paragraph: list[str] = []

        def flush() -> None:
            if any(len(indent + line) > width for line in paragraph):
                joined = " ".join(line.strip() for line in paragraph)
                out.extend(textwrap.wrap(joined, width, initial_indent=indent, subsequent_indent=indent))
            else:
                out.extend(indent + line for line in paragraph)
            paragraph.clear()

        for line in text.splitlines():
            if line[:1].strip():  # unindented: prose
                paragraph.append(line)
            else:
                flush()
                out.append(indent + line)
        flush()
        return "\n".join(out)


def _one_line_error(help_hint: str):
    """argparse usage errors as one line and exit status 1, like every other user error."""

    def error(message: str):
        print(f"trucesim: error: {message} (see '{help_hint}')", file=sys.stderr)
        sys.exit(1)

    return error


def _is_user_error(e: BaseException) -> bool:
    """A :class:`UserError` or a ``ScenarioError``, told apart without importing the scenario module.

    A ``ScenarioError`` can only come from :mod:`trucesim.config.scenario` once imported, so
    ``trucesim list`` (which never loads a scenario) does not pay for numpy.
    """
    if isinstance(e, UserError):
        return True
    scenario = sys.modules.get("trucesim.config.scenario")
    return scenario is not None and isinstance(e, scenario.ScenarioError)


def main(argv: list[str] | None = None) -> int:
    parser, handlers = build_parser()
    given = sys.argv[1:] if argv is None else argv
    if given and given[0].startswith("-") and given[0] not in ("-h", "--help", "--version"):
        # options belong after the command: say so, rather than "the following arguments are required"
        parser.error(f"unrecognized option {given[0]}: expected a COMMAND first; a command's options come after it")
    args, extra = parser.parse_known_args(argv)
    if extra:  # "unrecognized arguments" would otherwise point to the top-level --help
        getattr(args, "usage_error", parser.error)(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        return 0
    except Exception as e:
        if not _is_user_error(e):
            raise
        from trucesim.config.tomlio import printable

        print(f"trucesim: error: {printable(str(e))}", file=sys.stderr)  # one line, no escape sequences
        return 1
    except KeyboardInterrupt:
        print("trucesim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

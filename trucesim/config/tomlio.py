"""Reading TOML files with one-line errors, and did-you-mean suggestions for unknown names.

Every file the project reads (scenarios, experiments, round files) goes through
:func:`read_toml`, so a missing file, a directory, bad TOML or a non-UTF-8 byte
gets the same one-line message whatever kind of file it was meant to be.

Examples
--------
>>> suggest("us_presure", ["us_pressure", "family_pressure"])
" (did you mean 'us_pressure'?)"
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from pathlib import Path


class TomlError(ValueError):
    """A file that cannot be read as TOML; ``str(err)`` is one line naming the file."""


def read_toml(path: Path, shown: str, what: str = "a TOML file", error: type[Exception] = TomlError) -> dict:
    """The TOML table of ``path``; any failure raises ``error`` with one line starting ``shown:``.

    ``what`` names the kind of file expected, for the message about a directory
    (``"an experiment file (TOML)"``).
    """
    try:
        with Path(path).open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise error(f"{shown}: file not found") from None
    except IsADirectoryError:
        raise error(f"{shown}: expected {what}, found a directory") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{shown}: invalid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise error(
            f"{shown}: expected a UTF-8 text file, found a byte it cannot decode at position {e.start}"
        ) from None
    except OSError as e:
        raise error(f"{shown}: cannot read: {e.strerror}") from None


#: top-level keys only a scenario has, and only an experiment has
SCENARIO_ONLY_KEYS = ("extends", "meta", "terms", "context", "actors", "protocol")
EXPERIMENT_ONLY_KEYS = ("scenario", "worlds_per_point", "design", "factors")


def kind_of(raw: dict) -> str | None:
    """``"scenario"`` or ``"experiment"`` if a file's top-level keys say which it is, else ``None``.

    >>> kind_of({"scenario": "a.toml", "factors": {}})
    'experiment'
    >>> kind_of({"meta": {}, "actors": {}}), kind_of({"foo": 1})
    ('scenario', None)
    """
    scen = any(k in raw for k in SCENARIO_ONLY_KEYS)
    exp = any(k in raw for k in EXPERIMENT_ONLY_KEYS)
    if scen != exp:
        return "scenario" if scen else "experiment"
    return None


def wrong_kind(raw: dict, expected: str, shown: str) -> str | None:
    """The one-line message for a file of the other kind than ``expected``, or ``None``."""
    found = kind_of(raw)
    if found is None or found == expected:
        return None
    command = "trucesim sweep" if found == "experiment" else "trucesim run"
    return f"{shown}: expected {'an' if expected == 'experiment' else 'a'} {expected} file, found {'an' if found == 'experiment' else 'a'} {found} file (use '{command} {shown}')"


#: the most characters of a value echoed in an error line
SHOWN_CHARS = 80


def printable(text: str) -> str:
    r"""``text`` without control characters (an escape sequence in a label could clear a terminal).

    >>> printable("Hamas\x1b[2J\tcell")
    'Hamas[2J cell'
    """
    return "".join(" " if c in "\t\n\r" else c for c in text if c.isprintable() or c in "\t\n\r")


def shown_value(v: object, limit: int = SHOWN_CHARS) -> str:
    r"""``repr(v)`` for an error line: control characters escaped, at most about ``limit`` characters.

    >>> shown_value("x" * 200)[-21:]
    'x... (200 characters)'
    >>> print(shown_value("a\x1b[2J"))
    'a\x1b[2J'
    """
    text = repr(v)
    if len(text) > limit:
        size = f"{len(v):,} characters" if isinstance(v, str) else f"{len(text):,} characters as written"
        text = f"{text[:limit]}... ({size})"
    return text


def suggest(word: str, candidates: Iterable, cutoff: float = 0.6) -> str:
    """``" (did you mean 'x'?)"`` for the closest candidate to ``word``, or ``""`` if none is close."""
    close = difflib.get_close_matches(word, [str(c) for c in candidates], n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""

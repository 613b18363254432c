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
import functools
import os
import pickle
import re
import stat
import tomllib
from collections.abc import Iterable
from pathlib import Path


class TomlError(ValueError):
    """A file that cannot be read as TOML; ``str(err)`` is one line naming the file."""


#: the largest file read (scenario and experiment files are a few KiB)
MAX_BYTES = 4 * 1024 * 1024


def read_toml(path: Path, shown: str, what: str = "a TOML file", error: type[Exception] = TomlError) -> dict:
    """The TOML table of ``path``; any failure raises ``error`` with one line starting ``shown:``.

    ``what`` names the kind of file expected, for the message about a directory
    (``"an experiment file (TOML)"``).  Only regular files of at most :data:`MAX_BYTES`
    are read: a FIFO, a device (``/dev/zero``) or a huge file is refused, never waited on.
    """
    shown = printable(shown)
    try:
        text = _read_regular(Path(path), shown, what, error).decode("utf-8-sig")  # -sig: a byte-order mark is no error
        stored = _parsed(text) if len(text) <= MAX_KEPT else _parsed.__wrapped__(text)
    except RecursionError:
        raise error(f"{shown}: expected {what}, found arrays or tables nested too deep to read") from None
    except FileNotFoundError:
        raise error(f"{shown}: file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{shown}: expected {what}, found invalid TOML: {toml_reason(e)}") from None
    except UnicodeDecodeError as e:
        raise error(
            f"{shown}: expected a UTF-8 text file, found a byte it cannot decode at position {e.start}"
        ) from None
    except OSError as e:
        raise error(f"{shown}: cannot read: {e.strerror}") from None
    except ValueError as e:  # "embedded null byte" in the path
        if isinstance(e, error):
            raise
        raise error(f"{shown}: expected a file name, found one with a NUL byte") from None
    if stored is None:
        raise error(f"{shown}: expected {what}, found arrays or tables nested more than {MAX_NESTING} deep")
    return pickle.loads(stored)


#: the longest text, in characters, whose parsed table is kept (the project's files have a few tens of
#: thousands): 32 kept texts and their tables then hold some tens of MiB at most
MAX_KEPT = 256 * 1024


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> bytes | None:
    """``text``'s TOML table, pickled; ``None`` if it nests deeper than :data:`MAX_NESTING`.

    Kept by content: the shipped scenarios all extend ``fitted/joint.toml``, whose posterior
    draws take tomllib some 20 ms to parse, and a sweep, a design or a validation reads
    it again for every scenario it loads.  A pickled copy loads in about a hundredth of that
    time and gives each caller a table of its own to change.  Texts longer than
    :data:`MAX_KEPT` are parsed each time (:func:`read_toml`), so the kept tables stay small.

    >>> pickle.loads(_parsed("a = [1, [2]]")), _parsed("a = " + "[" * 40 + "]" * 40)
    ({'a': [1, [2]]}, None)
    """
    raw = tomllib.loads(text)
    return pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL) if nesting(raw) <= MAX_NESTING else None


#: the deepest nesting of tables and arrays a file may have (the project's files need 4)
MAX_NESTING = 32


def nesting(value) -> int:
    """How deep tables and arrays nest in ``value`` (a scalar: 0), counted without recursion.

    >>> nesting({"a": {"b": [1, [2]]}}), nesting(3)
    (4, 0)
    """
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        elif not isinstance(v, list):
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((x, depth + 1) for x in v)
    return deepest


def toml_reason(e: tomllib.TOMLDecodeError) -> str:
    r"""Why a file is not TOML, and where, without quoting the file's content.

    Some tomllib messages quote a character or a key of the file (``Found invalid
    character 'x'``, ``Cannot declare ('password',) twice``): the file may be any file
    the user named (``extends = "/etc/passwd"``), so what it holds is never echoed.

    >>> import tomllib
    >>> try:
    ...     tomllib.loads("[a]\n[a]")
    ... except tomllib.TOMLDecodeError as e:
    ...     print(toml_reason(e))
    Cannot declare a key twice (at line 2, column 3)
    """
    text = str(e).splitlines()[0] if str(e) else ""
    m = re.search(r"\s*\((at line \d+, column \d+|at end of document)\)$", text)
    where = f" ({m.group(1)})" if m else ""
    msg = text[: m.start()] if m else text
    for prefix, plain in _QUOTING.items():
        if msg.startswith(prefix):
            msg = plain
            break
    return f"{msg or 'not TOML'}{where}"


#: tomllib messages that quote the file's content, and what is said instead
_QUOTING = {
    "Found invalid character": "Found an invalid character",
    "Illegal character": "Found an illegal character",
    "Cannot declare": "Cannot declare a key twice",
    "Duplicate inline table key": "Duplicate inline table key",
    "Cannot mutate immutable namespace": "Cannot change a table defined inline",
    "Cannot redefine namespace": "Cannot redefine a table",
    "Invalid hex value": "Invalid hex value in an escape",
}


def _read_regular(path: Path, shown: str, what: str, error: type[Exception]) -> bytes:
    # O_NONBLOCK: opening a FIFO returns at once (and is then refused) instead of waiting for a writer
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{shown}: expected {what}, found a directory")
        if not stat.S_ISREG(st.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or special file"
            raise error(f"{shown}: expected {what}, found {kind} (only regular files are read)")
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_BYTES:
            raise error(f"{shown}: expected {what} of at most {MAX_BYTES >> 20} MiB, found a larger file")
        return b"".join(chunks)
    finally:
        os.close(fd)


#: top-level keys only a scenario has, and only an experiment has
SCENARIO_ONLY_KEYS = ("extends", "meta", "terms", "context", "actors", "protocol", "observed")
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
    return kind_message(shown, expected, found)


def kind_message(shown: str, expected: str, found: str) -> str:
    """One line for a file (or a shipped name) ``shown`` of kind ``found`` given where ``expected`` was wanted.

    >>> kind_message("april-2024", "experiment", "scenario")
    "april-2024: expected an experiment file, found a scenario file (use 'trucesim run april-2024')"
    """
    command = "trucesim sweep" if found == "experiment" else "trucesim run"
    a = {"experiment": "an"}
    return (
        f"{shown}: expected {a.get(expected, 'a')} {expected} file, found {a.get(found, 'a')} {found} file "
        f"(use '{command} {shown}')"
    )


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


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` made printable and cut to about ``limit`` characters, for keys and names in error lines."""
    text = printable(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def first_line(e: BaseException, limit: int | None = SHOWN_CHARS) -> str:
    """The first line of an exception's message, printable and cut to about ``limit`` characters
    (``None``: whole), for an error line; the exception's type name if it has no message.

    >>> first_line(ValueError("expected a number\\nsecond line"))
    'expected a number'
    >>> first_line(KeyboardInterrupt())
    'KeyboardInterrupt'
    """
    lines = str(e).strip().splitlines()
    if not lines:
        return type(e).__name__
    return printable(lines[0]) if limit is None else cut(lines[0], limit)


def suggest(word: str, candidates: Iterable, cutoff: float = 0.6) -> str:
    """``" (did you mean 'x'?)"`` for the closest candidate to ``word``, or ``""`` if none is close.

    A shortened name counts as close: the one candidate that ``word`` (three characters or more)
    begins, as ``otzma`` for ``otzma_yehudit``.  A dotted key is matched by its last part among
    the candidates under the same table (``terms.bar`` is no ``terms.guarantees``, though the two
    share ``terms.``), then as that very last part under another table (``terms.us_pressure``:
    ``context.us_pressure``); only a table that has none (a misspelt actor id) is matched whole.

    Examples
    --------
    >>> suggest("pase_days", ["pause_days", "deadline_days"]), suggest("otzma", ["otzma_yehudit", "religious_zionism"])
    (" (did you mean 'pause_days'?)", " (did you mean 'otzma_yehudit'?)")
    >>> suggest("zz", ["pause_days"]), suggest("meta.author", ["meta.name", "meta.date"])
    ('', '')
    >>> suggest("actors.otzma_yehudt.seats", ["actors.otzma_yehudit.seats", "actors.likud.seats"])
    " (did you mean 'actors.otzma_yehudit.seats'?)"
    >>> suggest("terms.us_pressure", ["terms.pause_days", "context.us_pressure"])
    " (did you mean 'context.us_pressure'?)"
    """
    names = [str(c) for c in candidates]
    table, _, leaf = word.rpartition(".")
    siblings = {n.rpartition(".")[2]: n for n in names if table and n.rpartition(".")[0] == table}
    if siblings:
        close = [siblings[c] for c in _closest(leaf, list(siblings), cutoff)]
        if not close:  # the key itself, written under another table ([terms] us_pressure)
            same = [n for n in names if n.rpartition(".")[2] == leaf]  # the nearest table first
            close = sorted(same, key=lambda n: -_shared_tables(n, word))[:1]
    else:
        close = _closest(word, names, cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _shared_tables(a: str, b: str) -> int:
    """How many leading parts two dotted keys share: ``_shared_tables("actors.hamas.x", "actors.hamas.y") == 2``."""
    n = 0
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        n += 1
    return n


def _closest(word: str, names: list[str], cutoff: float) -> list[str]:
    """The closest of ``names`` to ``word`` (difflib), else the one name ``word`` begins; at most one."""
    close = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
    if not close and len(word) >= 3:
        close = [n for n in names if n.startswith(word)]
        close = close if len(close) == 1 else []
    return close

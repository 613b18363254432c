"""The scenarios and experiments shipped with trucesim, found by name from any directory.

The files live in ``scenarios/`` and ``experiments/`` at the root of the source tree
(the one copy to edit).  ``pyproject.toml`` maps them into the package as
``trucesim/scenarios`` and ``trucesim/experiments`` (``[tool.setuptools.package-dir]``),
so a wheel or a plain install carries them beside the code, with the same relative
layout (an experiment's ``scenario = "../scenarios/x.toml"`` still resolves).  A source
checkout or an editable install has them one level above the package instead.

Examples
--------
>>> [p.stem for p in shipped("scenarios")][:1]
['april-2024-permanent-ceasefire']
>>> resolve("april-2024", "scenarios").name
'april-2024.toml'
"""

from __future__ import annotations

from pathlib import Path

from trucesim.config.tomlio import TomlError, kind_message, printable, read_toml, suggest

#: each kind of shipped file and its directory (historical rounds are scenarios with an ``[observed]`` table)
KINDS = {
    "scenarios": "scenarios",
    "experiments": "experiments",
    "rounds": "scenarios/rounds",
    "calibrations": "calibration",
}
_PACKAGE = Path(__file__).resolve().parents[1]


def shipped_dir(kind: str) -> Path | None:
    """The directory of the shipped files of ``kind``: in the package if installed, else the source root."""
    for d in (_PACKAGE / KINDS[kind], _PACKAGE.parent / KINDS[kind]):
        if d.is_dir() and any(d.glob("*.toml")):
            return d
    return None


def shipped(kind: str) -> list[Path]:
    """The shipped files of ``kind`` ("scenarios", "experiments" or "rounds"), sorted by name."""
    d = shipped_dir(kind)
    return sorted(d.glob("*.toml")) if d is not None else []


def resolve(name: str | Path, kind: str) -> Path:
    """``name`` as a path if it exists (a path always wins), else the shipped file of that name.

    ``april-2024`` and ``april-2024.toml`` both name ``scenarios/april-2024.toml``; a name
    that is neither is returned unchanged, for the reader to report as not found.
    """
    path = Path(name)
    if path.exists() or len(path.parts) != 1:
        return path
    return shipped_named(path.name, kind) or path


def shipped_named(name: str, kind: str) -> Path | None:
    """The shipped file of ``kind`` called ``name`` (with or without ``.toml``), or ``None``.

    Unlike :func:`resolve`, no file in the working directory is looked at.

    >>> shipped_named("april-2024.toml", "scenarios").name
    'april-2024.toml'
    >>> shipped_named("nowhere", "scenarios") is None
    True
    """
    stem = name.removesuffix(".toml")
    for p in shipped(kind):
        if p.stem == stem:
            return p
    return None


def not_found(name: str | Path, kind: str, listed: bool = False) -> str:
    """One line for ``name``, neither a file nor a shipped file of ``kind``, with a suggestion.

    ``listed``: name every shipped file of the kind (a short list, the rounds) instead of
    pointing to ``trucesim list``.

    >>> not_found("april-2204", "scenarios")
    "april-2204: file not found, nor a shipped scenario (did you mean 'april-2024'?) (see 'trucesim list')"
    """
    names = [p.stem for p in shipped(kind)]
    stem = Path(str(name)).name.removesuffix(".toml")
    where = f"({kind}: {', '.join(names) or 'none'})" if listed else "(see 'trucesim list')"
    return (
        f"{printable(str(name))}: file not found, nor a shipped {kind.removesuffix('s')}{suggest(stem, names)} {where}"
    )


def missing_path(path: str | Path, kind: str) -> str | None:
    """One line for a path in a folder named as ``kind``'s (``calibration/`` for calibrations) that does not exist but whose file name is a shipped file
    of ``kind``, as the docs' ``experiments/sobol-main.toml`` run from another directory; else ``None``.

    >>> missing_path("elsewhere/experiments/sobol-main.toml", "experiments")
    "elsewhere/experiments/sobol-main.toml: file not found; the shipped experiment of that name runs from any directory as 'sobol-main'"
    >>> missing_path("elsewhere/mine.toml", "experiments") is None
    True
    """
    path = Path(path)
    if path.parent.name != Path(KINDS[kind]).name or path.exists() or shipped_named(path.name, kind) is None:
        return None  # a bare name, a file that is there, a folder of another kind (rounds/): the loader says
    stem = path.name.removesuffix(".toml")
    return (
        f"{printable(str(path))}: file not found; the shipped {kind.removesuffix('s')} of that name runs from any "
        f"directory as {stem!r}"
    )


def wrong_kind_named(name: str | Path, expected: str) -> str | None:
    """The one-line message for a shipped *name* of the other kind than ``expected``, else ``None``.

    ``expected`` is "scenario" or "experiment".  ``trucesim run prisoners-vs-us-pressure``
    is told what ``trucesim run experiments/prisoners-vs-us-pressure.toml`` is told: it is
    an experiment, to give to ``trucesim sweep``.  A path that exists, or a path of more
    than one part, is not a name, and a name of both kinds is the expected one: ``None``.

    >>> wrong_kind_named("april-2024", "experiment")
    "april-2024: expected an experiment file, found a scenario file (use 'trucesim run april-2024')"
    >>> wrong_kind_named("april-2024", "scenario") is None
    True
    """
    path = Path(name)
    if path.exists() or len(path.parts) != 1:
        return None
    other = "experiment" if expected == "scenario" else "scenario"
    if shipped_named(path.name, expected + "s") is not None or shipped_named(path.name, other + "s") is None:
        return None  # a shipped file of the kind expected, or no shipped file of the other kind
    return kind_message(printable(str(name)), expected, other)


def locate(name: str | Path, kind: str, error: type[Exception] = ValueError, listed: bool = False) -> Path:
    """The file ``name`` names for a reader of ``kind``: a path (a path always wins), else the shipped
    file of that name (:func:`resolve`); how every reader finds its file.

    Raises ``error`` with one line where neither is there: a repository path from the docs run
    from another directory (:func:`missing_path`), the shipped name of a file of the other kind
    (:func:`wrong_kind_named`), or a bare name that names nothing (:func:`not_found`; ``listed``
    names every shipped file of the kind, and refuses a missing path of several parts as well).
    A missing path of several parts is otherwise returned, for the reader's own "file not found".

    >>> locate("sobol-main", "experiments").name
    'sobol-main.toml'
    >>> locate("sobol-main", "scenarios")
    Traceback (most recent call last):
    ...
    ValueError: sobol-main: expected a scenario file, found an experiment file (use 'trucesim sweep sobol-main')
    """
    found = resolve(name, kind)
    elsewhere = missing_path(found, kind)
    if elsewhere:
        raise error(elsewhere)
    if not found.exists() and (listed or len(found.parts) == 1):
        other = wrong_kind_named(found, kind.removesuffix("s")) if kind in ("scenarios", "experiments") else None
        raise error(other or not_found(found, kind, listed))
    return found


def description(path: Path) -> str:
    """The one-line description of a shipped file (``[meta] description`` or ``description``)."""
    try:
        raw = read_toml(path, str(path))
    except TomlError:
        return "(unreadable)"
    meta = raw.get("meta")
    text = meta.get("description") if isinstance(meta, dict) else raw.get("description")
    return " ".join(str(text).split()) if text else ""

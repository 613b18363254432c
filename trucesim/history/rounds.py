"""The historical rounds: round files found by name or path, and loaded as scenarios that must say what happened.

A round is a scenario file with an ``[observed]`` table of what happened
(:mod:`trucesim.config.observed`); the shipped ones are in ``scenarios/rounds/``.
A round is named like a scenario: by its file name without ``.toml``
(``april-2024``), or by a path (a path always wins).

Examples
--------
>>> [p.stem for p in round_paths(["november-2023"])]
['november-2023']
>>> load_round(round_paths(["april-2024"])[0]).observed[0].key
'deal'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from trucesim.config.scenario import Scenario, ScenarioError, load_scenario
from trucesim.config.shipped import locate, shipped
from trucesim.config.tomlio import printable


class NotARoundError(ScenarioError):
    """A scenario file with no ``[observed]`` table where a round was expected; ``str(err)`` is one line."""


def round_name(path: str | Path) -> str:
    """How a round is named in tables and figures: its file name without ``.toml``.

    >>> round_name("scenarios/rounds/april-2024.toml")
    'april-2024'
    """
    return Path(path).name.removesuffix(".toml")


def round_paths(names: Iterable[str | Path] | None = None) -> list[Path]:
    """The files of the rounds ``names`` (shipped round names or paths); by default every shipped round.

    Raises
    ------
    ScenarioError
        One line for a name that is neither a file nor a shipped round, with the
        nearest shipped round's name if one is close.
    """
    names = list(names or [])
    if not names:
        found = shipped("rounds")
        if not found:
            raise ScenarioError("scenarios/rounds: expected round files (*.toml), found none")
        return found
    out = []
    for name in names:
        out.append(locate(name, "rounds", ScenarioError, listed=True))
    return out


def load_round(path: str | Path) -> Scenario:
    """Load a round file: a scenario that holds an ``[observed]`` table.

    Raises
    ------
    NotARoundError
        (a :class:`ScenarioError`) for a scenario without ``[observed]``, one line naming the file.
    ScenarioError
        Anything else wrong with the file, as :func:`trucesim.config.scenario.load_scenario` says.
    """
    scenario = load_scenario(path)
    if not scenario.observed:
        raise NotARoundError(
            f"{printable(str(path))}: observed: expected a table [observed] of what happened (a round file), found none"
        )
    return scenario


#: month names as a round's file may start (``august-2024``, ``aug-2024``), for rounds without a ``[meta] date``
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)} | {m[:3]: i for i, m in enumerate(_MONTH_NAMES, 1)}
_MONTH_YEAR = re.compile(r"([a-z]+)[-_ ]?(\d{4})")


def round_date(scenario: Scenario) -> str | None:
    """When a round's text was tabled, ``YYYY-MM`` or ``YYYY-MM-DD``, for putting rounds in time order.

    The round's own ``[meta] date`` if it has one; else a month and year its file name
    starts with (``august-2024.toml``: ``2024-08``); else ``None``.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> round_date(S(meta={"date": "2024-04-27"}, path=Path("x.toml")))
    '2024-04-27'
    >>> round_date(S(meta={}, path=Path("rounds/November-2023.toml"))), round_date(S(meta={}, path=Path("a.toml")))
    ('2023-11', None)
    """
    if scenario.meta.get("date"):
        return scenario.meta["date"]
    m = _MONTH_YEAR.match(round_name(scenario.path).lower())
    if m and m.group(1) in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1)]:02d}"
    return None


def in_time_order(rounds: Iterable[Scenario]) -> list[Scenario]:
    """Rounds sorted by :func:`round_date`, earliest first; rounds without a date after them, in the order given.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> rs = [S(meta={}, path=Path(p)) for p in ("june-2025.toml", "mine.toml", "november-2023.toml")]
    >>> [round_name(r.path) for r in in_time_order(rs)]
    ['november-2023', 'june-2025', 'mine']
    """
    rounds = list(rounds)
    dated = [(d, i, r) for i, r in enumerate(rounds) if (d := round_date(r)) is not None]
    undated = [r for r in rounds if round_date(r) is None]
    return [r for _, _, r in sorted(dated, key=lambda t: (t[0], t[1]))] + undated

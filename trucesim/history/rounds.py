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

from collections.abc import Iterable
from pathlib import Path

from trucesim.config.scenario import Scenario, ScenarioError, load_scenario
from trucesim.config.shipped import resolve, shipped
from trucesim.config.tomlio import printable, suggest


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
        path = resolve(name, "rounds")
        if not path.exists():
            known = [p.stem for p in shipped("rounds")]
            shown = printable(str(name))
            raise ScenarioError(
                f"{shown}: file not found, nor a shipped round"
                f"{suggest(Path(str(name)).name.removesuffix('.toml'), known)} (rounds: {', '.join(known) or 'none'})"
            )
        out.append(path)
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

"""What happened in a historical round: the ``[observed]`` table of a round file.

A round file is a scenario (``extends`` a base, sets the terms and context of that
moment) plus an ``[observed]`` table of facts the model also reports, each bare or
with its source::

    [observed]
    deal = { value = false, source = "cited public record: no deal" }
    first_text.israel = { value = "accept", source = "..." }
    first_text.hamas = "counter"
    exits = { value = [], source = "..." }
    hostages_released = { value = 105, tolerance = 10, source = "..." }

The facts a table may hold are :data:`FACTS`; ``first_text`` and ``accepted`` take
the id of the government or the armed group.  ``exits`` lists the coalition
parties that left (an empty list: none did).  A count is met within ``tolerance``
(by default a tenth of the count, at least 1; ``tolerance = 0`` asks for the exact
number).  Only the file's own table counts: a round that ``extends`` another does
not inherit what happened there.

Examples
--------
>>> obs = parse_observed({"deal": False, "first_text": {"hamas": "counter"}}, "r.toml",
...                      sides={"hamas": "armed_group", "israel": "government"}, parties=[])
>>> [(o.key, o.value) for o in obs]
[('deal', False), ('first_text.hamas', 'counter')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from trucesim.config.tomlio import shown_value, suggest

#: the answers a side can give to a text (as the model reports them)
ANSWERS = ("accept", "counter", "reject", "none")


@dataclass(frozen=True)
class Fact:
    """One kind of observable fact: its name, its type, and what it means."""

    name: str
    kind: str  # "bool", "answer" (per side), "bool_side" (per side), "parties", "count"
    meaning: str


FACTS: dict[str, Fact] = {
    f.name: f
    for f in (
        Fact("deal", "bool", "both sides accepted the same text, and it was signed"),
        Fact("government_fell", "bool", "the government lost its majority during the round"),
        Fact("permanent_end", "bool", "the war ended for good"),
        Fact("safety_net_used", "bool", "the opposition's safety net carried the government or the deal"),
        Fact("first_text", "answer", "a side's answer to the first text tabled (accept, counter, reject, none)"),
        Fact("accepted", "bool_side", "a side accepted some text during the round"),
        Fact("exits", "parties", "the coalition parties that left the government (an empty list: none)"),
        Fact("hostages_released", "count", "living hostages released"),
        Fact("remains_released", "count", "remains of hostages returned"),
    )
}


@dataclass(frozen=True)
class Observed:
    """One observed fact of a round.

    ``key`` is ``"deal"`` or, for a fact about one side, ``"first_text.hamas"``;
    ``value`` is a bool, an answer name, a tuple of party ids or a count;
    ``tolerance`` is the half-width of the window a count must fall in (0 for
    other facts).
    """

    key: str
    fact: str
    value: bool | str | float | tuple[str, ...]
    source: str
    tolerance: float = 0.0

    @property
    def side(self) -> str | None:
        """The side a per-side fact is about, else ``None``."""
        return self.key.split(".", 1)[1] if "." in self.key else None

    def value_text(self) -> str:
        """What happened, as a reader would write it: ``false``, ``counter``, ``[]``, ``105 ± 10``.

        >>> Observed("hostages_released", "hostages_released", 105.0, "", 10.0).value_text()
        '105 ± 10'
        """
        v = self.value
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, tuple):
            return "[" + ", ".join(v) + "]"
        if isinstance(v, float):
            return f"{v:g}" + (f" ± {self.tolerance:g}" if self.tolerance else "")
        return str(v)

    def shown(self) -> str:
        """The fact as a reader would write it: ``first_text.hamas = counter``."""
        return f"{self.key} = {self.value_text()}"


#: the source recorded for a value or fact written without one (``trucesim check`` warns of it)
NOT_STATED = "not stated"


def default_tolerance(count: float) -> float:
    """A tenth of a count rounded half up, at least 1: ``100`` is met by 90..110, ``105`` by 94..116, ``0`` by 0..1.

    >>> default_tolerance(100), default_tolerance(105), default_tolerance(0), default_tolerance(15), default_tolerance(25)
    (10.0, 11.0, 1.0, 2.0, 3.0)
    """
    # count / 10, not 0.1 * count (35 * 0.1 is 3.5000000000000004), and half up: round() takes 2.5 to 2
    return float(max(1, math.floor(count / 10 + 0.5)))


def _leaf(v, where: str) -> tuple[object, str, dict]:
    """(value, source, other keys) of a bare fact or a ``{ value = .., source = .. }`` table."""
    if isinstance(v, dict) and "value" in v:
        extra = {k: x for k, x in v.items() if k not in ("value", "source", "note")}
        source = v.get("source", NOT_STATED)
        if not isinstance(source, str):
            raise ValueError(f"{where}.source: expected a string, found {shown_value(source)}")
        return v["value"], source, extra
    return v, NOT_STATED, {}


def _no_extra(extra: dict, where: str, allowed: tuple[str, ...] = ()) -> None:
    for k in extra:
        if k not in allowed:
            raise ValueError(f"{where}: unknown key {shown_value(k)}{suggest(k, ('value', 'source', *allowed))}")


def _parse_one(fact: Fact, key: str, v, where: str, parties: list[str]) -> Observed:
    value, source, extra = _leaf(v, where)
    if fact.kind in ("bool", "bool_side"):
        _no_extra(extra, where)
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, found {shown_value(value)}")
        return Observed(key, fact.name, value, source)
    if fact.kind == "answer":
        _no_extra(extra, where)
        if value not in ANSWERS:
            raise ValueError(f"{where}: expected one of {', '.join(ANSWERS)}, found {shown_value(value)}")
        return Observed(key, fact.name, str(value), source)
    if fact.kind == "parties":
        _no_extra(extra, where)
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise ValueError(f"{where}: expected a list of coalition party ids (e.g. []), found {shown_value(value)}")
        for p in value:
            if p not in parties:
                raise ValueError(
                    f"{where}: expected coalition party ids ({', '.join(parties) or 'the round has none'}), "
                    f"found {shown_value(p)}{suggest(p, parties)}"
                )
        return Observed(key, fact.name, tuple(sorted(set(value))), source)
    _no_extra(extra, where, ("tolerance",))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: expected a count (a number >= 0), found {shown_value(value)}")
    tol = extra.get("tolerance", default_tolerance(value))
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not math.isfinite(tol) or tol < 0:
        raise ValueError(f"{where}.tolerance: expected a number >= 0, found {shown_value(tol)}")
    return Observed(key, fact.name, float(value), source, float(tol))


def parse_observed(table, shown: str, sides: dict[str, str], parties: list[str]) -> tuple[Observed, ...]:
    """Validate an ``[observed]`` table; raise ``ValueError`` with one line naming the file and key.

    ``sides`` maps the ids of the government and the armed group to their kind;
    ``parties`` lists the coalition parties' ids.
    """
    if not isinstance(table, dict):
        raise ValueError(f"{shown}: observed: expected a table [observed] of facts, found {shown_value(table)}")
    if not table:
        raise ValueError(f"{shown}: observed: expected at least one fact ({', '.join(FACTS)}), found none")
    out: list[Observed] = []
    for name, v in table.items():
        where = f"{shown}: observed.{name}"
        fact = FACTS.get(name)
        if fact is None:
            raise ValueError(f"{where}: unknown fact{suggest(name, FACTS)} (facts: {', '.join(FACTS)})")
        if fact.kind in ("answer", "bool_side"):
            if not isinstance(v, dict) or "value" in v:
                raise ValueError(
                    f"{where}: expected a table of sides ({name}.{next(iter(sides), 'side')} = ...), "
                    f"found {shown_value(v)}"
                )
            for side, x in v.items():
                if side not in sides:
                    raise ValueError(
                        f"{where}.{side}: expected the id of the government or the armed group "
                        f"({', '.join(sides)}), found {shown_value(side)}{suggest(side, sides)}"
                    )
                out.append(_parse_one(fact, f"{name}.{side}", x, f"{where}.{side}", parties))
        else:
            out.append(_parse_one(fact, name, v, where, parties))
    return tuple(out)


def check_counts(observed, shown: str, held: float, dead: float) -> None:
    """Refuse an observed count above what the round's context makes possible, in one line.

    ``held`` and ``dead`` are the most hostages a world of the round holds at day 0 and the fewest
    of them dead: the model releases only the living (at most ``held - dead``), and returns the
    remains of at most the ``held`` (those dead at day 0 and those who die in the round).

    >>> check_counts([Observed("hostages_released", "hostages_released", 500.0, "")], "r.toml", 129, 34)
    Traceback (most recent call last):
    ValueError: r.toml: observed.hostages_released: expected at most the living hostages held at day 0 \
(context.hostages_held - context.hostages_dead = 129 - 34 = 95), found 500
    """
    limits = {
        "hostages_released": (
            held - dead,
            f"the living hostages held at day 0 (context.hostages_held - context.hostages_dead = "
            f"{held:g} - {dead:g} = {held - dead:g})",
        ),
        "remains_released": (held, f"the hostages held at day 0 (context.hostages_held = {held:g})"),
    }
    for o in observed:
        if o.fact in limits and isinstance(o.value, float) and o.value > limits[o.fact][0]:
            raise ValueError(f"{shown}: observed.{o.key}: expected at most {limits[o.fact][1]}, found {o.value:g}")

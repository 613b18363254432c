"""Load and validate scenario files (TOML): inheritance, distributions, provenance.

A scenario file has the tables ``[meta]``, ``[terms]``, ``[context]``,
``[actors.<id>]`` and ``[protocol]``, and may start with
``extends = "base.toml"`` (a path relative to the file, else a shipped scenario's
name such as ``"april-2024"``) to name only what it changes, or
``extends = ["base.toml", "fitted/joint.toml"]`` to merge several files in order (a
later one overrides an earlier one: a parameter file of fitted values,
:mod:`trucesim.history.posterior`, is used this way); the files are read and merged
by :mod:`trucesim.config.scenario_files`.  ``[meta]`` describes its own file and is
not inherited: a variant without a ``name`` is named by its file
(:func:`scenario_label`).  A round file adds an ``[observed]`` table
(:mod:`trucesim.config.observed`).  Wherever a number is accepted, three forms may stand::

    reservation = 0.55
    reservation = { value = 0.55, source = "assumption" }
    reservation = { dist = "uniform", low = 0.5, high = 0.6, source = "assumption" }

Every problem is reported as one :class:`ScenarioError` line naming the file,
the key, what was expected and what was found.

Examples
--------
>>> s = load_scenario("scenarios/april-2024.toml")          # doctest: +SKIP
>>> s.value("terms.pause_days")                            # doctest: +SKIP
42.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from trucesim.config.distributions import Dist, DistributionError, check_own, finite_number, parse_dist
from trucesim.config.observed import NOT_STATED, Observed, parse_observed
from trucesim.config.params import (
    ACTOR_KINDS,
    ACTOR_STRING_KEYS,
    KIND_PARAMS,
    MEDIATOR_TARGETS,
    META_KEYS,
    SECTIONS,
    Param,
)
from trucesim.config.relations import check_consistency
from trucesim.config.scenario_files import TOP_KEYS, ScenarioError, flatten_table, read_merged
from trucesim.config.shipped import locate
from trucesim.config.tomlio import cut, printable, read_toml, shown_value, suggest

#: a ``[meta] date``: the day (or month) a round's text was tabled, used to put rounds in time order
_ISO_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?")


def scenario_label(path: str | Path, meta: Mapping[str, object] | None = None) -> str:
    """How a scenario is named in every output (run, compare, report, the app): its own ``[meta] name``, else its file name.

    A variant's ``[meta]`` is its own (never inherited), so a variant without a name is
    named by its file, not as the scenario it extends.

    Examples
    --------
    >>> scenario_label("mine/us-eighty.toml", {})
    'us-eighty'
    >>> scenario_label("scenarios/rounds/april-2024.toml", {"name": "round-april-2024"})
    'round-april-2024'
    """
    name = (meta or {}).get("name")
    return str(name) if name else Path(path).name.removesuffix(".toml")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: every numeric parameter resolved, defaults filled in.

    ``values`` maps dotted keys (``"actors.hamas.reservation"``) to a number or
    a :class:`~trucesim.config.distributions.Dist`; ``sources`` maps the same keys to
    their provenance as written (``"default"`` for a value the file left out).
    ``observed`` holds a round file's facts (:mod:`trucesim.config.observed`), empty
    for any other scenario.  ``meta`` is the file's own ``[meta]`` (never a base's);
    ``origins`` maps each key a file set to that file, as errors and warnings name it.
    """

    path: Path
    meta: dict[str, str]
    values: dict[str, float | Dist]
    sources: dict[str, str]
    actors: dict[str, str]
    targets: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    observed: tuple[Observed, ...] = ()
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """How the scenario is named in every output (:func:`scenario_label`)."""
        return scenario_label(self.path, self.meta)

    def unsourced(self) -> list[tuple[str, str]]:
        """``(file, key)`` of every value and observed fact written without a ``source``, in key order.

        A default (a key the files leave out) is not listed: its source is the parameter's
        documentation (docs/ODD.md).
        """
        top = printable(str(self.path))
        out = [(self.origins.get(k, top), k) for k, src in sorted(self.sources.items()) if src == NOT_STATED]
        return out + [
            (top, f"observed.{o.key}") for o in self.observed if not o.source.strip() or o.source == NOT_STATED
        ]

    def spec(self, key: str) -> Param:
        """The :class:`~trucesim.config.params.Param` behind a dotted key."""
        return param_for(key, self.actors)

    def value(self, key: str) -> float:
        """The value of a key: the number, or a distribution's mean."""
        v = self.values[key]
        return v.mean() if isinstance(v, Dist) else v

    def actors_of(self, kind: str) -> list[str]:
        """Actor ids of one kind, in file order."""
        return [a for a, k in self.actors.items() if k == kind]

    def with_values(self, updates: Mapping[str, float | Dist], where: str | None = None) -> Scenario:
        """A copy with some values replaced: a number held to its key's range (a whole number where the key
        counts), a distribution to parameters that draw (a beta's shapes above 0, low at most high; its
        draws are truncated to the key's range, as the app's shifted distributions rely on) and to one
        number for a key that sets the calendar; then the checks across keys (no more hostages dead than
        held).  ``where`` names the values' origin in an error (default: the scenario's file).

        Raises
        ------
        ScenarioError
            One line naming the key and what was expected.
        """
        top = where or printable(str(self.path))
        values = dict(self.values)
        for key, v in updates.items():
            if key not in values:
                raise ScenarioError(f"{top}: unknown key {shown_value(key)}{suggest(key, values)}")
            p = self.spec(key)
            if isinstance(v, Dist):
                if not p.per_world:
                    raise ScenarioError(
                        f"{top}: {key}: expected one number for all worlds (it sets the calendar), found a distribution"
                    )
                try:
                    check_own(v)
                except DistributionError as e:
                    raise ScenarioError(f"{top}: {key}: {e}") from None
            else:
                if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                    raise ScenarioError(f"{top}: {key}: expected a number, found {shown_value(v)}")
                v = float(v)
                if not (p.low <= v <= p.high) or math.isnan(v):
                    raise ScenarioError(f"{top}: {key}: expected a number in {p.low:g}..{p.high:g}, found {v:g}")
                if p.integer and v != int(v):
                    raise ScenarioError(f"{top}: {key}: expected a whole number ({p.unit}), found {v:g}")
            values[key] = v
        out = replace(self, values=values)
        check_consistency(out, top)
        return out

    def draw(
        self,
        source: np.random.Generator | Callable[[str], np.ndarray],
        n: int,
        overrides: dict[str, np.ndarray] | None = None,
    ) -> dict[str, float | np.ndarray]:
        """Draw every parameter for ``n`` worlds.

        ``source`` gives each distribution its ``n`` uniforms: a function of the parameter's
        key (the model's addressed streams, :meth:`trucesim.model.streams.Streams.parameter_uniforms`,
        so a parameter's draws do not depend on the others'), or a numpy Generator read in
        sorted key order.  Fixed values stay Python floats (they broadcast); each distribution
        gives an array of ``n`` draws, by inversion (:meth:`~trucesim.config.distributions.Dist.ppf`).
        ``overrides`` (arrays of length ``n`` or numbers) replace values, e.g. an experiment's design.

        The ``sample`` distributions of one ``joint`` group share their uniforms (those of the
        key ``"joint:" + name``; from a Generator, one draw at the group's first key), so in
        each world they all take the same particle and keep a fit's correlations.
        """
        uniforms = source if callable(source) else (lambda key: source.random(n))
        groups: dict[str, np.ndarray] = {}
        out: dict[str, float | np.ndarray] = {}
        for key in sorted(self.values):
            v = self.values[key]
            if isinstance(v, Dist):
                p = self.spec(key)
                if v.joint:
                    if v.joint not in groups:
                        groups[v.joint] = uniforms("joint:" + v.joint)
                    u = groups[v.joint]
                else:
                    u = uniforms(key)
                out[key] = v.ppf(u, (p.low, p.high), p.integer)
            else:
                out[key] = v
        if overrides:
            out.update(overrides)
        return out


def param_for(key: str, actors: dict[str, str]) -> Param:
    """Look up the parameter definition of a dotted key, or raise ``KeyError``."""
    parts = key.split(".")
    if parts[0] in SECTIONS and len(parts) == 2:
        return SECTIONS[parts[0]][parts[1]]
    if parts[0] == "actors" and len(parts) >= 3 and parts[1] in actors:
        return KIND_PARAMS[actors[parts[1]]][".".join(parts[2:])]
    raise KeyError(key)


def numeric_keys(actors: dict[str, str]) -> list[str]:
    """Every numeric key a scenario with these actors has."""
    keys = [f"{s}.{k}" for s, table in SECTIONS.items() for k in table]
    for actor, kind in actors.items():
        keys += [f"actors.{actor}.{k}" for k in KIND_PARAMS[kind]]
    return keys


def _number(v, where: str, p: Param) -> tuple[float | Dist, str | None]:
    """Parse one numeric leaf against its parameter; return (value, source)."""
    source = None
    if isinstance(v, dict):
        source = v.get("source")
        if source is not None and not isinstance(source, str):
            raise ScenarioError(f"{where}.source: expected a string, found {shown_value(source)}")
        if "dist" in v:
            if not p.per_world:
                raise ScenarioError(
                    f"{where}: expected one number for all worlds (it sets the calendar), found a distribution"
                )
            try:
                return parse_dist(v, (p.low, p.high)), source
            except DistributionError as e:
                raise ScenarioError(f"{where}: {e}") from None
        if "value" not in v:
            raise ScenarioError(
                f"{where}: expected a number, {{ value = .., source = .. }} or an uncertainty "
                f"table {{ dist = .., ... }}, found a table with keys {sorted(v) or 'none'}"
            )
        extra = set(v) - {"value", "source", "note"}
        if extra:
            k = sorted(extra)[0]
            raise ScenarioError(
                f"{where}: unknown key {shown_value(k)}{suggest(k, ('value', 'source', 'note', 'dist'))}"
            )
        v = v["value"]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ScenarioError(f"{where}: expected a number, found {type(v).__name__} {shown_value(v)}")
    if not finite_number(v):  # NaN, infinite, or an integer too large for a float
        raise ScenarioError(f"{where}: expected a finite number, found {shown_value(v)}")
    if not (p.low <= v <= p.high):
        span = f"{p.low:g}..{p.high:g}"
        unit = "" if p.unit == span else f" ({p.unit})"  # a unit that only restates the range: once
        raise ScenarioError(f"{where}: expected a number in {span}{unit}, found {v:g}")
    if p.integer and float(v) != int(v):
        raise ScenarioError(f"{where}: expected a whole number ({p.unit}), found {v:g}")
    return float(v), source


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    The keys are checked in file order (the first problem is the one reported): the
    actors' kinds first, as an actor's other keys are checked against its kind; then
    ``[meta]``, the actors' names and targets, and every number; then the defaults
    are filled in and the cast of actors, the observed facts and the relations
    between keys are checked.

    Raises
    ------
    ScenarioError
        One line: ``FILE: KEY: expected ..., found ...``.

    Examples
    --------
    >>> s = load_scenario("april-2024")          # a shipped scenario by name; a path wins
    >>> s.name, len(s.actors), s.values["context.us_pressure"]
    ('april-2024', 10, 0.5)
    >>> s.with_values({"context.us_pressure": 0.9}).values["context.us_pressure"]
    0.9
    """
    path = locate(path, "scenarios", ScenarioError)  # a path, or a shipped scenario's name ("april-2024")
    top = printable(str(path))
    flat, origin, raw_observed = read_merged(path, top, ())

    def where(key: str) -> str:
        return f"{origin.get(key, top)}: {cut(key)}"

    actors = _actor_kinds(flat, where)
    meta: dict[str, str] = {}
    targets: dict[str, str] = {}
    labels: dict[str, str] = {}
    values: dict[str, float | Dist] = {}
    sources: dict[str, str] = {}
    for key, v in flat.items():
        section = key.split(".")[0]
        if section == "meta":
            name, text = _meta_entry(key, v, where, origin.get(key, top))
            if origin.get(key, top) == top:  # [meta] describes its own file: a variant is not named as its base
                meta[name] = text
            continue
        if section == "actors" and _actor_string(key, v, actors, targets, labels, where):
            continue
        values[key], sources[key] = _numeric_entry(key, v, actors, where)
    standalone = all(o == top for o in origin.values())  # extends nothing: it must set every required key
    _fill_defaults(values, sources, actors, top, standalone)
    _check_cast(actors, targets, top)
    scenario = Scenario(
        path=path,
        meta=meta,
        values=values,
        sources=sources,
        actors=actors,
        targets=targets,
        labels=labels,
        observed=_observed(raw_observed, actors, top),
        origins={k: origin.get(k, top) for k in values if k in origin},
    )
    check_consistency(scenario, top)
    return scenario


def _actor_kinds(flat: Mapping[str, object], where: Callable[[str], str]) -> dict[str, str]:
    """``{actor id: kind}`` from the ``actors.<id>.kind`` keys, in file order."""
    actors: dict[str, str] = {}
    for key, v in flat.items():
        parts = key.split(".")
        if parts[0] == "actors" and len(parts) == 3 and parts[2] == "kind":
            if not parts[1].strip():  # [actors.""]: a row without a name in every table
                raise ScenarioError(f"{where(key)}: expected an actor id (such as hamas), found an empty one")
            if v not in ACTOR_KINDS:
                raise ScenarioError(f"{where(key)}: expected one of {', '.join(ACTOR_KINDS)}, found {shown_value(v)}")
            actors[parts[1]] = str(v)
    return actors


def _real_date(text: str) -> bool:
    """Whether ``text`` is a date of the calendar, ``YYYY-MM`` or ``YYYY-MM-DD``.

    >>> _real_date("2024-05-06"), _real_date("2024-05"), _real_date("2024-02-31"), _real_date("2024-13")
    (True, True, False, False)
    """
    import datetime

    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError:
        return False
    return True


def _meta_entry(key: str, v: object, where: Callable[[str], str], file: str) -> tuple[str, str]:
    """One ``[meta]`` key (``meta.name`` ...) checked: ``(name, text)``."""
    parts = key.split(".")
    if len(parts) < 2:
        raise ScenarioError(f"{where(key)}: expected a table [meta] ({', '.join(META_KEYS)}), found {shown_value(v)}")
    if parts[1] not in META_KEYS:
        raise ScenarioError(f"{where(key)}: unknown key{suggest(key, [f'meta.{m}' for m in META_KEYS])}")
    if len(parts) > 2 or isinstance(v, dict):
        raise ScenarioError(
            f'{file}: meta.{parts[1]}: expected a string ({parts[1]} = "..." under [meta]), found a table'
        )
    if not isinstance(v, str):
        raise ScenarioError(f"{where(key)}: expected a string, found {shown_value(v)}")
    if parts[1] == "date" and not _real_date(v):
        raise ScenarioError(f"{where(key)}: expected a date YYYY-MM or YYYY-MM-DD, found {shown_value(v)}")
    return parts[1], printable(v)


def _actor_string(
    key: str,
    v: object,
    actors: Mapping[str, str],
    targets: dict[str, str],
    labels: dict[str, str],
    where: Callable[[str], str],
) -> bool:
    """Check an ``actors.<id>.*`` key's actor; a ``kind``, ``label`` or ``target`` is taken here (True)."""
    parts = key.split(".")
    if len(parts) < 3:
        raise ScenarioError(f"{where(key)}: expected a table [actors.<id>] with a kind, found {shown_value(v)}")
    actor = parts[1]
    if actor not in actors:
        hint = suggest(actor, actors)
        if hint:  # most likely a misspelt id of an actor the file (or its base) has
            raise ScenarioError(
                f"{where(key)}: unknown actor {shown_value(actor)}{hint}; a new actor needs a kind "
                f"(one of {', '.join(ACTOR_KINDS)})"
            )
        raise ScenarioError(
            f"{where(f'actors.{actor}.kind')}: missing required key (expected one of {', '.join(ACTOR_KINDS)})"
        )
    if parts[2] not in ACTOR_STRING_KEYS or len(parts) != 3:
        return False
    if parts[2] == "target":
        if actors[actor] != "mediator":
            raise ScenarioError(f"{where(key)}: unknown key for a {actors[actor]} (only mediators have a target)")
        if v not in MEDIATOR_TARGETS:
            raise ScenarioError(f"{where(key)}: expected one of {', '.join(MEDIATOR_TARGETS)}, found {shown_value(v)}")
        targets[actor] = str(v)
    elif parts[2] == "label":
        if not isinstance(v, str):
            raise ScenarioError(f"{where(key)}: expected a string, found {shown_value(v)}")
        labels[actor] = printable(v)  # an escape sequence in a label could clear a terminal
    return True


def stated(source: object) -> str:
    """A value's source as the files state it, or :data:`NOT_STATED` where none is (missing, blank, not text).

    >>> stated("assumption: x"), stated("  "), stated(None)
    ('assumption: x', 'not stated', 'not stated')
    """
    return source if isinstance(source, str) and source.strip() else NOT_STATED


def _numeric_entry(
    key: str, v: object, actors: Mapping[str, str], where: Callable[[str], str]
) -> tuple[float | Dist, str]:
    """A numeric key checked against its parameter: ``(value, source)``, :data:`NOT_STATED` if the file gave none."""
    section = key.split(".")[0]
    try:
        p = param_for(key, dict(actors))
    except KeyError:
        if key in SECTIONS:  # terms = 5: a value where the table goes
            raise ScenarioError(f"{where(key)}: expected a table [{key}], found {shown_value(v)}") from None
        if section in SECTIONS or section == "actors":
            cands = numeric_keys(dict(actors)) + [f"actors.{a}.{s}" for a in actors for s in ACTOR_STRING_KEYS]
            raise ScenarioError(f"{where(key)}: unknown key{suggest(key, cands)}") from None
        raise ScenarioError(f"{where(key)}: unknown key{suggest(key, TOP_KEYS)}") from None
    value, src = _number(v, where(key), p)
    return value, stated(src)


def _fill_defaults(
    values: dict[str, float | Dist],
    sources: dict[str, str],
    actors: Mapping[str, str],
    top: str,
    standalone: bool = False,
) -> None:
    """Put each parameter's default where the file left it out; a required one missing is an error.

    ``standalone``: the file extends nothing, so the error says how a variant names its base.
    """
    hint = ' (a variant names its base: extends = "april-2024")' if standalone else ""
    for key in numeric_keys(dict(actors)):
        if key in values:
            continue
        p = param_for(key, dict(actors))
        if p.default is None:  # p.required
            raise ScenarioError(f"{top}: {key}: missing required key (expected {p.meaning}, {p.unit}){hint}")
        values[key] = float(p.default)
        sources[key] = "default"


def _check_cast(actors: Mapping[str, str], targets: Mapping[str, str], top: str) -> None:
    """One government, one armed group, at most one opposition and one hostage-family actor; mediators' targets."""
    for actor, kind in actors.items():
        if kind == "mediator" and actor not in targets:
            raise ScenarioError(
                f"{top}: actors.{actor}.target: missing required key (expected one of {', '.join(MEDIATOR_TARGETS)})"
            )
    for kind in ("government", "armed_group"):
        found = sum(k == kind for k in actors.values())
        if found != 1:
            raise ScenarioError(f"{top}: actors: expected exactly one actor of kind {kind!r}, found {found}")
    for kind in ("opposition", "hostage_families"):
        found = sum(k == kind for k in actors.values())
        if found > 1:
            raise ScenarioError(f"{top}: actors: expected at most one actor of kind {kind!r}, found {found}")


def _observed(raw: object, actors: Mapping[str, str], top: str) -> tuple[Observed, ...]:
    """A round file's ``[observed]`` facts, checked against the scenario's sides and parties (none: ``()``)."""
    if raw is None:
        return ()
    sides = {a: k for a, k in actors.items() if k in ("government", "armed_group")}
    parties = [a for a, k in actors.items() if k == "coalition_party"]
    try:
        return parse_observed(raw, top, sides, parties)
    except ValueError as e:
        raise ScenarioError(str(e)) from None


#: the tables a parameter file (fitted values: :func:`apply_parameter_file`) may hold
PARAMETER_TABLES = ("terms", "context", "actors", "protocol")


def apply_parameter_file(scenario: Scenario, path: str | Path) -> Scenario:
    """``scenario`` with the values of a parameter file (fitted values, for one) put in place of its own.

    A parameter file holds numeric keys only, in the scenario's tables (``[actors.hamas]
    reservation = { dist = "normal", ... }``), with no ``extends``, ``[meta]`` or
    ``[observed]``; the keys must exist in the scenario.  A round keeps its ``[observed]``
    table, which ``extends`` would drop.  :func:`trucesim.history.posterior.write_parameter_file`
    writes such files.

    Raises
    ------
    ScenarioError
        One line naming the file and the key: an unknown key, a value out of range, or one the
        checks across keys refuse with the scenario's other values (more hostages dead than held).
    """
    path = Path(path)
    shown = printable(str(path))
    raw = read_toml(path, shown, what="a parameter file", error=ScenarioError)
    for k in raw:
        if k not in PARAMETER_TABLES:
            raise ScenarioError(
                f"{shown}: {shown_value(k)}: expected only the tables [terms], [context], [actors.<id>] and "
                f"[protocol] in a parameter file, found {shown_value(k)}"
            )
    updates: dict[str, float | Dist] = {}
    for key, v in flatten_table(raw, shown).items():
        try:
            p = scenario.spec(key)
        except KeyError:
            raise ScenarioError(f"{shown}: {cut(key)}: unknown key{suggest(key, scenario.values)}") from None
        updates[key], _ = _number(v, f"{shown}: {cut(key)}", p)
    if not updates:  # nothing to apply: a header saying its values were applied would mislead
        raise ScenarioError(
            f"{shown}: expected a parameter file that sets at least one value (e.g. [actors.hamas] "
            f"reservation = 0.3), found {'only empty tables' if raw else 'an empty file'}"
        )
    return scenario.with_values(updates, where=shown)  # the checks a scenario extending the file would meet

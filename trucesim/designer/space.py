"""What the designer searches: varied keys within ranges, fixed keys, constraints.

``--vary KEY=LOW..HIGH``, ``--fix KEY=VALUE`` and ``--constraint 'KEY OP NUMBER'``
are parsed against the scenario's keys and ranges (:func:`parse_vary`,
:func:`parse_fix`, :func:`parse_constraint`) and checked together by
:func:`make_space`, which returns the :class:`DesignSpace`: the box of the
varied keys narrowed by the constraints, on a grid of resolutions, so every
candidate meets every constraint.  A request that cannot be run raises
:class:`DesignError`, one line naming the option.

Examples
--------
>>> from trucesim import load_scenario
>>> s = load_scenario("scenarios/april-2024.toml")
>>> space = make_space(s, ["terms.hostages_released=10..50"], constraints=["terms.hostages_released >= 20"])
>>> space.keys, space.lower.tolist(), space.upper.tolist()
(['terms.hostages_released'], [20.0], [50.0])
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from trucesim.config.distributions import Dist
from trucesim.config.scenario import Scenario, ScenarioError
from trucesim.config.terms import TERM_NAMES
from trucesim.config.tomlio import suggest

__all__ = [
    "Constraint",
    "DesignError",
    "DesignSpace",
    "Fix",
    "Vary",
    "make_space",
    "parse_constraint",
    "parse_fix",
    "parse_vary",
]


class DesignError(ValueError):
    """A design request that cannot be run; ``str(err)`` is one line naming the option."""


# --- parsing ----------------------------------------------------------------------

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE_RE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*$")
_KEY = r"[A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_]"
_CMP_RE = re.compile(rf"^\s*(?P<a>{_KEY}|{_NUM})\s*(?P<op><=|>=|==|=<|=>|<|>|=|!=)\s*(?P<b>{_KEY}|{_NUM})\s*$")
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}


def _resolve_key(option: str, text: str, key: str, scenario: Scenario) -> str:
    """The dotted key named by the user; a bare term name stands for ``terms.<name>``."""
    key = key.strip()
    if key in scenario.values:
        return key
    if key in TERM_NAMES:
        return f"terms.{key}"
    raise DesignError(
        f"{option} {text!r}: expected a numeric key of {scenario.path.name} (e.g. terms.pause_days), "
        f"found unknown key {key!r}{suggest(key, scenario.values)}"
    )


def _describe_range(scenario: Scenario, key: str) -> str:
    p = scenario.spec(key)
    kind = "whole numbers" if p.integer else "numbers"
    return f"{kind} in {p.low:g}..{p.high:g} ({p.unit})"


@dataclass(frozen=True)
class Vary:
    """A varied key and its range, as given by ``--vary KEY=LOW..HIGH``."""

    key: str
    low: float
    high: float
    integer: bool
    unit: str
    text: str = ""


@dataclass(frozen=True)
class Fix:
    """A key held at one value for every candidate, as given by ``--fix KEY=VALUE``."""

    key: str
    value: float
    text: str = ""


@dataclass(frozen=True)
class Constraint:
    """``key op bound``, as given by ``--constraint``; ``op`` is one of ``<, <=, >, >=, ==``.

    Examples
    --------
    >>> c = Constraint("terms.hostages_released", ">=", 40.0)
    >>> c.holds(np.array([39.0, 40.0, 41.0])).tolist()
    [False, True, True]
    """

    key: str
    op: str
    bound: float
    text: str = ""

    def holds(self, x):
        """Whether values ``x`` (number or array) meet the constraint."""
        b = self.bound
        return {
            "<": lambda v: v < b,
            "<=": lambda v: v <= b,
            ">": lambda v: v > b,
            ">=": lambda v: v >= b,
            "==": lambda v: v == b,
        }[self.op](x)

    def __str__(self) -> str:
        return f"{self.key} {self.op} {self.bound:g}"


def _number(option: str, text: str, s: str, what: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise DesignError(f"{option} {text!r}: expected {what} to be a number, found {s.strip()!r}") from None
    if not math.isfinite(v):
        raise DesignError(f"{option} {text!r}: expected {what} to be a finite number, found {s.strip()!r}")
    return v


def parse_vary(text: str, scenario: Scenario) -> Vary:
    """Parse ``KEY=LOW..HIGH`` against the scenario's keys and ranges.

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> parse_vary("pause_days=14..90", load_scenario("scenarios/april-2024.toml"))
    Vary(key='terms.pause_days', low=14.0, high=90.0, integer=True, unit='days', text='pause_days=14..90')
    """
    opt = "--vary"
    if "=" not in text:
        raise DesignError(f"{opt} {text!r}: expected KEY=LOW..HIGH (e.g. terms.pause_days=14..90), found no '='")
    key, _, rng = text.partition("=")
    if not key.strip():
        raise DesignError(f"{opt} {text!r}: expected KEY=LOW..HIGH, found no key before '='")
    key = _resolve_key(opt, text, key, scenario)
    m = _RANGE_RE.match(rng)
    if not m:
        raise DesignError(
            f"{opt} {text!r}: expected a range LOW..HIGH after '=' ({key} takes "
            f"{_describe_range(scenario, key)}), found {rng.strip()!r}"
        )
    lo, hi = float(m.group(1)), float(m.group(2))
    p = scenario.spec(key)
    if lo > hi:
        raise DesignError(f"{opt} {text!r}: expected LOW <= HIGH, found {lo:g} > {hi:g}")
    if lo == hi:
        raise DesignError(
            f"{opt} {text!r}: expected LOW < HIGH, found a single value {lo:g} (use --fix {key}={lo:g} to hold it)"
        )
    if lo < p.low or hi > p.high:
        raise DesignError(
            f"{opt} {text!r}: expected a range within {p.low:g}..{p.high:g} ({p.unit}), found {lo:g}..{hi:g}"
        )
    if p.integer and (lo != int(lo) or hi != int(hi)):
        raise DesignError(f"{opt} {text!r}: expected whole numbers ({p.unit}), found {lo:g}..{hi:g}")
    return Vary(key, lo, hi, p.integer, p.unit, text)


def parse_fix(text: str, scenario: Scenario) -> Fix:
    """Parse ``KEY=VALUE`` against the scenario's keys and ranges."""
    opt = "--fix"
    if "=" not in text:
        raise DesignError(f"{opt} {text!r}: expected KEY=VALUE (e.g. terms.withdrawal=0.5), found no '='")
    key, _, val = text.partition("=")
    if not key.strip():
        raise DesignError(f"{opt} {text!r}: expected KEY=VALUE, found no key before '='")
    key = _resolve_key(opt, text, key, scenario)
    if ".." in val:
        raise DesignError(
            f"{opt} {text!r}: expected one VALUE, found a range {val.strip()!r} "
            f"(use --vary {key}={val.strip()} to search it)"
        )
    v = _number(opt, text, val, "VALUE")
    p = scenario.spec(key)
    if not (p.low <= v <= p.high):
        raise DesignError(f"{opt} {text!r}: expected a value in {p.low:g}..{p.high:g} ({p.unit}), found {v:g}")
    if p.integer and v != int(v):
        raise DesignError(f"{opt} {text!r}: expected a whole number ({p.unit}), found {v:g}")
    return Fix(key, v, text)


def _is_number(s: str) -> bool:
    return re.fullmatch(_NUM, s) is not None


def parse_constraint(text: str, scenario: Scenario) -> Constraint:
    """Parse ``KEY OP NUMBER`` (or ``NUMBER OP KEY``) with ``OP`` one of ``<, <=, >, >=, ==``.

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> s = load_scenario("scenarios/april-2024.toml")
    >>> str(parse_constraint("40 <= terms.hostages_released", s))
    'terms.hostages_released >= 40'
    """
    opt = "--constraint"
    expected = "expected KEY OP NUMBER with OP one of <, <=, >, >=, == (e.g. 'terms.hostages_released >= 40')"
    m = _CMP_RE.match(text)
    if not m:
        raise DesignError(f"{opt} {text!r}: {expected}, found {text.strip()!r}")
    a, op, b = m.group("a"), m.group("op"), m.group("b")
    if op in ("=", "!=", "=<", "=>"):
        hint = {"=": "==", "=<": "<=", "=>": ">="}.get(op)
        found = f"{op!r}" + (f" (did you mean {hint!r}?)" if hint else "")
        raise DesignError(f"{opt} {text!r}: expected OP one of <, <=, >, >=, ==, found {found}")
    a_num, b_num = _is_number(a), _is_number(b)
    if a_num and b_num:
        raise DesignError(f"{opt} {text!r}: {expected}, found two numbers")
    if not a_num and not b_num:
        odd = [x for x in (a, b) if x.strip().lower().lstrip("+-") in ("nan", "inf", "infinity")]
        if odd:
            raise DesignError(f"{opt} {text!r}: expected a finite number for the bound, found {odd[0].strip()!r}")
        raise DesignError(f"{opt} {text!r}: {expected}, found two keys (compare a key with a number)")
    if a_num:
        a, b, op = b, a, _FLIP[op]
    key = _resolve_key(opt, text, a, scenario)
    bound = _number(opt, text, b, "the bound")
    return Constraint(key, op, bound, text)


# --- the design space ---------------------------------------------------------------


@dataclass(frozen=True)
class DesignSpace:
    """What the designer searches: varied keys within a box, fixed keys, constraints.

    ``scenario`` already carries the fixed values; ``tabled`` is the scenario as
    given, without them (the best is shown beside it).  ``lower``/``upper`` are the
    varied ranges narrowed by the constraints; every candidate is snapped to
    ``resolution`` (1 for whole-number keys, 1/1000 of the range otherwise),
    so every candidate meets every constraint.
    """

    scenario: Scenario
    varied: tuple[Vary, ...]
    fixed: tuple[Fix, ...]
    constraints: tuple[Constraint, ...]
    lower: np.ndarray
    upper: np.ndarray
    resolution: np.ndarray
    tabled: Scenario

    @property
    def keys(self) -> list[str]:
        return [v.key for v in self.varied]

    @property
    def d(self) -> int:
        return len(self.varied)

    @property
    def integrality(self) -> np.ndarray:
        return np.array([v.integer for v in self.varied])

    @property
    def free(self) -> np.ndarray:
        """Varied keys whose constrained range is more than one value."""
        return self.upper > self.lower

    def snap(self, X) -> np.ndarray:
        """Round candidates (rows) to the resolution and clip them to the constrained box."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        steps = np.round((X - self.lower) / self.resolution)
        out = np.clip(self.lower + steps * self.resolution, self.lower, self.upper)
        out[:, self.integrality] = np.round(out[:, self.integrality])
        return np.round(out, 10)

    def from_unit(self, U) -> np.ndarray:
        """Map points of the unit cube onto the box, snapped."""
        U = np.atleast_2d(np.asarray(U, dtype=float))
        return self.snap(self.lower + U * (self.upper - self.lower))

    def feasible(self, X) -> np.ndarray:
        """Whether each candidate (row) lies in the varied ranges and meets every constraint."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        ok = np.ones(len(X), bool)
        for j, v in enumerate(self.varied):
            ok &= (X[:, j] >= v.low) & (X[:, j] <= v.high)
        for c in self.constraints:
            if c.key in self.keys:
                ok &= c.holds(X[:, self.keys.index(c.key)])
        return ok

    def n_points(self) -> float:
        """Distinct candidates the box holds at its resolution."""
        return float(np.prod(np.round((self.upper - self.lower) / self.resolution) + 1))

    def values(self, x) -> dict[str, float]:
        """A candidate as ``{key: value}`` (whole numbers for integer keys)."""
        out = {}
        for v, val in zip(self.varied, np.asarray(x, dtype=float)):
            out[v.key] = int(round(val)) if v.integer else float(val)
        return out

    def fixed_values(self) -> dict[str, float]:
        return {f.key: (int(f.value) if self.scenario.spec(f.key).integer else f.value) for f in self.fixed}


def make_space(
    scenario: Scenario, vary: list[str], fix: list[str] | None = None, constraints: list[str] | None = None
) -> DesignSpace:
    """Parse and check ``--vary``, ``--fix`` and ``--constraint`` texts together.

    Raises :class:`DesignError` (one line naming the option) for a malformed or
    contradictory request: unknown keys, ranges outside a key's own range, a
    key both varied and fixed, or constraints no candidate can meet.
    """
    if not vary:
        raise DesignError(
            "--vary: expected at least one KEY=LOW..HIGH (e.g. --vary terms.pause_days=14..90), found none"
        )
    varied = [parse_vary(t, scenario) for t in vary]
    fixed = [parse_fix(t, scenario) for t in (fix or [])]
    cons = [parse_constraint(t, scenario) for t in (constraints or [])]
    seen: dict[str, str] = {}
    for opt, items in (("--vary", varied), ("--fix", fixed)):
        for it in items:
            if it.key in seen:
                raise DesignError(
                    f"{opt} {it.text!r}: expected each key once across --vary and --fix, "
                    f"found {it.key} already in {seen[it.key]}"
                )
            seen[it.key] = f"{opt} {it.text!r}"
    try:
        base = scenario.with_values({f.key: f.value for f in fixed})
    except ScenarioError as e:  # a fixed value the scenario's consistency rules reject
        raise DesignError(f"--fix: {e}") from None

    keys = [v.key for v in varied]
    lower = np.array([v.low for v in varied], float)
    upper = np.array([v.high for v in varied], float)
    resolution = np.array([1.0 if v.integer else (v.high - v.low) / 1000.0 for v in varied])
    fixed_map = {f.key: f.value for f in fixed}
    for c in cons:
        where = f"--constraint {c.text!r}"
        if c.key in keys:
            j = keys.index(c.key)
            lo, hi, res = lower[j], upper[j], resolution[j]
            b, integer = c.bound, varied[j].integer
            if c.op == "<":
                hi = min(hi, math.ceil(b) - 1 if integer else b - res)
            elif c.op == "<=":
                hi = min(hi, math.floor(b) if integer else b)
            elif c.op == ">":
                lo = max(lo, math.floor(b) + 1 if integer else b + res)
            elif c.op == ">=":
                lo = max(lo, math.ceil(b) if integer else b)
            else:
                if integer and b != int(b):
                    raise DesignError(f"{where}: expected a whole number for {c.key} ({varied[j].unit}), found {b:g}")
                lo, hi = max(lo, b), min(hi, b)
            if lo > hi:
                raise DesignError(
                    f"{where}: expected a constraint some values of {c.key} meet, found none in "
                    f"the range {lower[j]:g}..{upper[j]:g} left by --vary and the other constraints"
                )
            lower[j], upper[j] = lo, hi
            continue
        v: float | Dist
        if c.key in fixed_map:
            v, how = fixed_map[c.key], "by --fix"
        else:
            v = scenario.values[c.key]
            if isinstance(v, Dist):
                raise DesignError(
                    f"{where}: expected a varied or fixed key, found {c.key}, which is uncertain "
                    f"in {scenario.path.name} (vary it with --vary or hold it with --fix)"
                )
            how = f"in {scenario.path.name}"
        if not c.holds(v):
            raise DesignError(
                f"{where}: expected a constraint the design can meet, found {c.key} = {v:g} {how} "
                f"(vary it with --vary or change it with --fix)"
            )
    space = DesignSpace(base, tuple(varied), tuple(fixed), tuple(cons), lower, upper, resolution, scenario)
    return space

"""Deal designer: the terms both sides would accept, and what each concession buys.

Given a scenario, some keys to vary within ranges (usually ``terms.*``), some
to fix and some constraints, the designer

1. searches the varied keys for the values that maximise an objective
   (``p_deal``, ``p_permanent`` or ``hostages_released_mean``): a scrambled
   Sobol screen of the whole box (:class:`scipy.stats.qmc.Sobol`), then
   :func:`scipy.optimize.differential_evolution` started from the best
   screened points, with a fixed budget of simulations (:func:`plan_search`);
2. re-simulates the best terms on fresh worlds for an unbiased value and its
   95% confidence interval (the search's own figure for the winner is biased
   upward: it was picked for being high on those worlds);
3. maps the zone of possible agreement: on a grid of the varied keys, each
   side's probability of accepting the tabled terms at day 0, averaged over
   the worlds; the zone is where both averages are at least 0.5;
4. keeps the Pareto front between ``p_deal`` and a second objective among all
   evaluated candidates;
5. measures the marginal effect of each varied key at the best terms: the
   change in ``p_deal`` (and in the objective) per unit of the key, by finite
   differences on the same worlds, with a paired confidence interval.

**Common random numbers.**  Every candidate is simulated on the same worlds:
chunk ``k`` of every candidate uses the random stream
:func:`trucesim.run.simulate.chunk_rng` ``(seed, k)``, and a varied key replaces
the scenario's value *after* the uncertain parameters are drawn, so each
world starts with the same draws whatever the terms.  Two candidates'
worlds share every random number until their paths differ (a deal signed in
one and not the other); from then on their streams may diverge.  The same
seed gives the same search, candidate for candidate, whatever ``jobs``.

Outputs explore the scenario's stated assumptions; they are not predictions
and not advice on what any party should accept.

Examples
--------
>>> from trucesim import load_scenario
>>> s = load_scenario("scenarios/april-2024.toml")                               # doctest: +SKIP
>>> space = make_space(s, ["terms.hostages_released=10..50",
...                        "terms.prisoners_per_hostage=0..60"],
...                    constraints=["terms.hostages_released >= 20"])            # doctest: +SKIP
>>> result = design(space, "p_deal", worlds=1024, seed=0)                        # doctest: +SKIP
>>> result.best["terms"], result.best["value"], result.best["ci"]                # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import differential_evolution
from scipy.special import expit
from scipy.stats import qmc

from trucesim.config.distributions import Dist
from trucesim.model.model import TruceModel
from trucesim.run.stats import proportion_ci
from trucesim.config.scenario import Scenario, ScenarioError, _suggest
from trucesim.run.simulate import CHUNK_WORLDS, chunk_rng
from trucesim.config.terms import TERM_NAMES

__all__ = [
    "DesignError", "Metric", "METRICS", "OBJECTIVES", "VERSUS", "Vary", "Fix", "Constraint",
    "DesignSpace", "parse_vary", "parse_fix", "parse_constraint", "make_space",
    "simulate_candidate", "summarize_worlds", "decision_probability", "day0_acceptance",
    "Candidate", "Evaluator", "SearchPlan", "plan_search", "search", "zone_of_agreement",
    "zone_summary", "metric_ci", "pareto_front", "marginal_effects", "check_best", "DesignResult", "check_request", "design",
    "best_record", "best_scenario_toml", "plot_zone", "plot_pareto", "OUTPUT_FILES",
    "check_out_dir", "write_outputs", "format_summary",
]


class DesignError(ValueError):
    """A design request that cannot be run; ``str(err)`` is one line naming the option."""


# --- objectives -------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    """An outcome summarised over worlds: a share (``proportion``) or a mean count."""

    name: str
    label: str
    unit: str
    sense: int          # +1: more is better, -1: less is better
    kind: str           # "proportion" or "mean"
    column: str         # per-world array it summarises


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("p_deal", "probability of a deal", "share of worlds", +1, "proportion", "deal"),
    Metric("p_permanent", "probability of a permanent end", "share of worlds", +1, "proportion", "permanent"),
    Metric("hostages_released_mean", "hostages released", "hostages per world (mean)", +1, "mean", "released"),
    Metric("hostages_died_mean", "hostages who died in captivity", "hostages per world (mean)", -1, "mean", "died"),
    Metric("p_government_falls", "probability the government falls", "share of worlds", -1, "proportion", "fell"),
]}
from trucesim.designer.objectives import OBJECTIVES, VERSUS  # noqa: E402


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
    raise DesignError(f"{option} {text!r}: expected a numeric key of {scenario.path.name} (e.g. terms.pause_days), "
                      f"found unknown key {key!r}{_suggest(key, scenario.values)}")


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
        return {"<": lambda v: v < b, "<=": lambda v: v <= b, ">": lambda v: v > b,
                ">=": lambda v: v >= b, "==": lambda v: v == b}[self.op](x)

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
        raise DesignError(f"{opt} {text!r}: expected a range LOW..HIGH after '=' ({key} takes "
                          f"{_describe_range(scenario, key)}), found {rng.strip()!r}")
    lo, hi = float(m.group(1)), float(m.group(2))
    p = scenario.spec(key)
    if lo > hi:
        raise DesignError(f"{opt} {text!r}: expected LOW <= HIGH, found {lo:g} > {hi:g}")
    if lo == hi:
        raise DesignError(f"{opt} {text!r}: expected LOW < HIGH, found a single value {lo:g} "
                          f"(use --fix {key}={lo:g} to hold it)")
    if lo < p.low or hi > p.high:
        raise DesignError(f"{opt} {text!r}: expected a range within {p.low:g}..{p.high:g} ({p.unit}), "
                          f"found {lo:g}..{hi:g}")
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
        raise DesignError(f"{opt} {text!r}: expected one VALUE, found a range {val.strip()!r} "
                          f"(use --vary {key}={val.strip()} to search it)")
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

    ``scenario`` already carries the fixed values.  ``lower``/``upper`` are the
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

    def digits(self, j: int) -> int:
        """Decimals that show varied key ``j`` at its resolution."""
        r = float(self.resolution[j])
        return 0 if self.varied[j].integer or r >= 1 else max(0, int(math.ceil(-math.log10(r))))


def make_space(scenario: Scenario, vary: list[str], fix: list[str] | None = None,
               constraints: list[str] | None = None) -> DesignSpace:
    """Parse and check ``--vary``, ``--fix`` and ``--constraint`` texts together.

    Raises :class:`DesignError` (one line naming the option) for a malformed or
    contradictory request: unknown keys, ranges outside a key's own range, a
    key both varied and fixed, or constraints no candidate can meet.
    """
    if not vary:
        raise DesignError("--vary: expected at least one KEY=LOW..HIGH (e.g. --vary terms.pause_days=14..90), found none")
    varied = [parse_vary(t, scenario) for t in vary]
    fixed = [parse_fix(t, scenario) for t in (fix or [])]
    cons = [parse_constraint(t, scenario) for t in (constraints or [])]
    seen: dict[str, str] = {}
    for opt, items in (("--vary", varied), ("--fix", fixed)):
        for it in items:
            if it.key in seen:
                raise DesignError(f"{opt} {it.text!r}: expected each key once across --vary and --fix, "
                                  f"found {it.key} already in {seen[it.key]}")
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
                raise DesignError(f"{where}: expected a constraint some values of {c.key} meet, found none in "
                                  f"the range {lower[j]:g}..{upper[j]:g} left by --vary and the other constraints")
            lower[j], upper[j] = lo, hi
            continue
        if c.key in fixed_map:
            v, how = fixed_map[c.key], "by --fix"
        else:
            v = scenario.values[c.key]
            if isinstance(v, Dist):
                raise DesignError(f"{where}: expected a varied or fixed key, found {c.key}, which is uncertain "
                                  f"in {scenario.path.name} (vary it with --vary or hold it with --fix)")
            how = f"in {scenario.path.name}"
        if not c.holds(v):
            raise DesignError(f"{where}: expected a constraint the design can meet, found {c.key} = {v:g} {how} "
                              f"(vary it with --vary or change it with --fix)")
    space = DesignSpace(base, tuple(varied), tuple(fixed), tuple(cons), lower, upper, resolution)
    return space


# --- simulating one candidate ---------------------------------------------------------

def _split(scenario: Scenario, values: dict[str, float]) -> tuple[Scenario, dict[str, float]]:
    """Keys that shape the calendar go into the scenario; the others are per-world overrides.

    An override replaces a value after the uncertain parameters are drawn, so
    every candidate's worlds start from the same draws (common random numbers).
    """
    calendar = {k: v for k, v in values.items() if not scenario.spec(k).per_world}
    per_world = {k: float(v) for k, v in values.items() if scenario.spec(k).per_world}
    return (scenario.with_values(calendar) if calendar else scenario), per_world


def _chunks(worlds: int) -> list[int]:
    sizes = [CHUNK_WORLDS] * (worlds // CHUNK_WORLDS)
    if worlds % CHUNK_WORLDS:
        sizes.append(worlds % CHUNK_WORLDS)
    return sizes


def decision_probability(side, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """A side's probability of accepting ``terms`` today, as the model decides it.

    The agents' own ``decision_probability``: the logit of the decision gap,
    which for the government includes the cost of the chance that the deal
    brings it down, and for the armed group is zero for terms it cannot meet
    (more hostages than it holds in the agreed categories).
    """
    own = getattr(side, "decision_probability", None)
    if own is not None:
        return own(terms, idx)
    gap, feasible = side._decision_gap(terms, idx)  # models without the public method
    return expit(side.rationality[idx] * gap) * feasible


def _model_acceptance(model: TruceModel) -> tuple[np.ndarray, np.ndarray]:
    idx = np.arange(model.n_worlds)
    terms = model.terms.copy()
    return (decision_probability(model.government, terms, idx),
            decision_probability(model.armed_group, terms, idx))


def simulate_candidate(scenario: Scenario, values: dict[str, float], worlds: int, seed: int,
                       run: bool = True) -> dict[str, np.ndarray]:
    """Simulate one candidate over ``worlds`` worlds; per-world arrays.

    Chunk ``k`` (up to 10,000 worlds) uses :func:`~trucesim.run.simulate.chunk_rng`
    ``(seed, k)`` whatever the values, so all candidates share their draws.
    Returns ``p_gov0`` and ``p_ag0`` (each side's probability of accepting the
    tabled terms at day 0) and, with ``run``, ``deal``, ``permanent``,
    ``released``, ``died`` and ``fell`` from the simulation to the horizon.
    """
    scen, overrides = _split(scenario, values)
    parts: dict[str, list] = {k: [] for k in ("p_gov0", "p_ag0", "deal", "permanent", "released", "died", "fell")}
    for k, n in enumerate(_chunks(worlds)):
        model = TruceModel(scen, n, rng=chunk_rng(seed, k), overrides=overrides)
        pg, pa = _model_acceptance(model)  # draws nothing from the model's stream
        parts["p_gov0"].append(pg.astype(np.float32))
        parts["p_ag0"].append(pa.astype(np.float32))
        if run:
            model.run()
            parts["deal"].append(model.deal.copy())
            parts["permanent"].append(model.permanent.copy())
            parts["released"].append(model.armed_group.released.astype(np.int32))
            parts["died"].append(model.armed_group.died.astype(np.int32))
            parts["fell"].append(model.government.fell.copy())
    return {k: np.concatenate(v) for k, v in parts.items() if v}


def _mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    n = x.size
    m = float(np.mean(x))
    if n < 2:
        return (math.nan, math.nan)
    se = float(np.std(x, ddof=1)) / math.sqrt(n)
    if se == 0:
        return (m, m)
    lo, hi = stats.t.interval(level, n - 1, loc=m, scale=se)
    return (float(lo), float(hi))


def metric_ci(name: str, worlds: dict[str, np.ndarray]) -> tuple[float, tuple[float, float]]:
    """A metric's value and 95% CI from per-world arrays (Wilson for shares, t for means)."""
    m = METRICS[name]
    x = worlds[m.column]
    if m.kind == "proportion":
        k = int(np.sum(x))
        return k / x.size, proportion_ci(k, x.size)
    return float(np.mean(x)), _mean_ci(x.astype(float))


def summarize_worlds(worlds: dict[str, np.ndarray]) -> dict[str, float]:
    """Every metric, with 95% CIs, and the mean day-0 acceptance of each side."""
    out: dict[str, float] = {}
    for name in METRICS:
        if METRICS[name].column not in worlds:
            continue
        v, (lo, hi) = metric_ci(name, worlds)
        out[name] = v
        if name in OBJECTIVES or name == "p_deal":
            out[f"{name}_lo"], out[f"{name}_hi"] = lo, hi
    out["p_government_accepts_day0"] = float(np.mean(worlds["p_gov0"]))
    out["p_armed_group_accepts_day0"] = float(np.mean(worlds["p_ag0"]))
    out["in_zone"] = bool(out["p_government_accepts_day0"] >= 0.5 and out["p_armed_group_accepts_day0"] >= 0.5)
    return out


def day0_acceptance(scenario: Scenario, values: dict[str, float], worlds: int, seed: int) -> dict[str, float]:
    """Each side's mean probability of accepting the tabled terms at day 0 (no simulation)."""
    w = simulate_candidate(scenario, values, worlds, seed, run=False)
    pg, pa = w["p_gov0"].astype(float), w["p_ag0"].astype(float)
    return {"p_government_accepts": float(pg.mean()), "p_armed_group_accepts": float(pa.mean()),
            "p_both_accept": float(np.mean(pg * pa))}


# --- evaluating candidates in batches -----------------------------------------------------

@dataclass
class Candidate:
    """One evaluated candidate: its values, how it was found, its metrics and per-world outcomes."""

    id: int
    x: np.ndarray
    stage: str
    metrics: dict[str, float]
    worlds: dict[str, np.ndarray] = field(repr=False)


def _simulate_task(args):
    scenario, values, worlds, seed = args
    return simulate_candidate(scenario, values, worlds, seed)


class Evaluator:
    """Evaluate batches of candidates on common random numbers, with a cache.

    Each distinct candidate (after snapping) is simulated once; ``records``
    keeps them in the order they were first evaluated.  ``jobs > 1`` spreads a
    batch over worker processes; the numbers do not depend on it.

    Examples
    --------
    >>> ev = Evaluator(space, worlds=1000, seed=0)                # doctest: +SKIP
    >>> [c.metrics["p_deal"] for c in ev.evaluate([[20, 10], [40, 25]], "screen")]  # doctest: +SKIP
    """

    def __init__(self, space: DesignSpace, worlds: int, seed: int, jobs: int = 1, on_new=None):
        self.space = space
        self.worlds = int(worlds)
        self.seed = int(seed)
        self.jobs = max(1, int(jobs))
        self.on_new = on_new
        self.records: list[Candidate] = []
        self._cache: dict[tuple, Candidate] = {}
        self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _map(self, tasks):
        if self.jobs == 1 or len(tasks) == 1:
            for t in tasks:
                yield _simulate_task(t)
            return
        if self._pool is None:
            import multiprocessing as mp
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=mp.get_context("spawn"))
        yield from self._pool.map(_simulate_task, tasks)

    def evaluate(self, X, stage: str) -> list[Candidate]:
        """The candidates of the rows of ``X`` (snapped), simulating the ones not seen yet."""
        X = self.space.snap(X)
        keys = [tuple(row) for row in X]
        new, seen_new = [], set()
        for key, row in zip(keys, X):
            if key not in self._cache and key not in seen_new:
                seen_new.add(key)
                new.append(row)
        if new:
            assert self.space.feasible(np.array(new)).all(), "a candidate outside the design space"
            tasks = [(self.space.scenario, self.space.values(row), self.worlds, self.seed) for row in new]
            for row, worlds in zip(new, self._map(tasks)):
                c = Candidate(len(self.records), row, stage, summarize_worlds(worlds), worlds)
                self.records.append(c)
                self._cache[tuple(row)] = c
                if self.on_new is not None:
                    self.on_new(c)
        return [self._cache[k] for k in keys]

    def values(self, X, metric: str, stage: str) -> np.ndarray:
        """The metric of each candidate (a batch objective for :func:`search`)."""
        return np.array([c.metrics[metric] for c in self.evaluate(X, stage)])

    def table(self, objective: str) -> pd.DataFrame:
        """Every evaluated candidate: ``candidate``, ``stage``, the varied keys, the metrics."""
        rows = []
        for c in self.records:
            row = {"candidate": c.id, "stage": c.stage}
            row.update(self.space.values(c.x))
            row["objective"] = c.metrics[objective]
            row.update(c.metrics)
            rows.append(row)
        return pd.DataFrame(rows)


# --- the search -------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchPlan:
    """The fixed budget of a search.

    A Sobol screen of ``screen`` points, then differential evolution with a
    population of ``population`` (the best screened points) for at most
    ``generations`` generations: at most ``screen + population * generations``
    simulations (repeated candidates are not simulated again).
    """

    screen: int
    population: int
    generations: int

    @property
    def budget(self) -> int:
        return self.screen + self.population * self.generations


def plan_search(d: int, budget: int | None = None) -> SearchPlan:
    """The search plan for ``d`` varied keys and a budget of simulations.

    Screen: ``2**ceil(log2(16 d))`` Sobol points (16 for one key, 32 for two),
    at most half the budget; population ``max(10, 5 d)``; by default 10
    generations, so 116 simulations for one key, 132 for two, 214 for three.

    Examples
    --------
    >>> plan_search(2)
    SearchPlan(screen=32, population=10, generations=10)
    >>> plan_search(2, budget=60)
    SearchPlan(screen=16, population=10, generations=4)
    """
    population = max(10, 5 * d)
    screen = 2 ** math.ceil(math.log2(16 * d))
    if budget is None:
        return SearchPlan(screen, population, 10)
    if budget < 16:
        raise DesignError(f"--budget {budget}: expected at least 16 simulations, found {budget}")
    while screen > budget // 2 and screen > 8:
        screen //= 2
    population = min(population, screen)
    return SearchPlan(screen, population, max(0, (budget - screen) // population))


def _rng_kw(fn) -> str:
    return "rng" if "rng" in inspect.signature(fn).parameters else "seed"


def _search_rng(seed: int) -> np.random.Generator:
    """The stream of the search itself (Sobol scrambling, evolution), apart from the worlds'."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), 0x7E5D]))


@dataclass
class SearchResult:
    x: np.ndarray
    value: float
    X: np.ndarray
    y: np.ndarray
    generations: int
    exhaustive: bool


def search(fun, lower, upper, *, plan: SearchPlan, seed: int = 0, integrality=None,
           snap=None, on_stage=None) -> SearchResult:
    """Maximise a batch objective over a box: Sobol screen, then differential evolution.

    Parameters
    ----------
    fun : callable
        ``fun(X, stage)`` with ``X`` of shape ``(k, d)`` returns ``k`` values to maximise;
        ``stage`` is ``"screen"`` or ``"search"``.
    lower, upper : array_like
        The box; equal bounds hold a key fixed.
    plan : SearchPlan
        The budget (:func:`plan_search`).
    seed : int
        Seeds the Sobol scrambling and the evolution.
    integrality : array_like of bool, optional
        Keys restricted to whole numbers.
    snap : callable, optional
        Maps candidates onto the points actually evaluated (rounding).
    on_stage : callable, optional
        Called with ``"screen"`` and ``"search"`` as each stage starts.

    Returns
    -------
    SearchResult
        The best point seen and its value, every distinct point evaluated
        (``X``, ``y``; a point is never passed to ``fun`` twice, so at most
        ``plan.budget`` points are).

    Examples
    --------
    >>> f = lambda X, stage: -((X[:, 0] - 3.0) ** 2)
    >>> r = search(f, [0.0], [10.0], plan=plan_search(1), seed=0)
    >>> bool(abs(r.x[0] - 3.0) < 0.05)
    True
    """
    lower = np.asarray(lower, float)
    upper = np.asarray(upper, float)
    d = lower.size
    integ = np.zeros(d, bool) if integrality is None else np.broadcast_to(np.asarray(integrality, bool), (d,))
    if snap is None:
        def snap(X):
            X = np.clip(np.atleast_2d(np.asarray(X, float)), lower, upper)
            X[:, integ] = np.round(X[:, integ])
            return X
    rng = _search_rng(seed)
    Xs, ys = [], []
    seen: dict[tuple, float] = {}

    def evaluate(X, stage):
        """Values of the rows of X; only rows not seen before reach ``fun``."""
        X = snap(X)
        keys = [tuple(np.round(r, 9)) for r in X]  # DE's rescaling may perturb the last bits
        new_rows, new_keys = [], []
        for k, r in zip(keys, X):
            if k not in seen and k not in new_keys:
                new_keys.append(k)
                new_rows.append(r)
        if new_rows:
            Xn = np.array(new_rows)
            yn = np.asarray(fun(Xn, stage), float)
            seen.update(zip(new_keys, yn.tolist()))
            Xs.append(Xn)
            ys.append(yn)
        return np.array([seen[k] for k in keys])

    if on_stage:
        on_stage("screen")
    m = int(math.log2(plan.screen))
    sobol = qmc.Sobol(d, scramble=True, **{_rng_kw(qmc.Sobol): rng})
    U = sobol.random_base2(m)
    X0 = snap(lower + U * (upper - lower))
    y0 = evaluate(X0, "screen")
    generations = 0
    if plan.generations > 0 and np.any(upper > lower):
        if on_stage:
            on_stage("search")
        order = np.argsort(-y0, kind="stable")[:max(plan.population, 5)]
        init = X0[order]
        if len(init) < 5:
            init = np.vstack([init] * 5)[:5]

        def objective(xt):  # shape (d, S): differential_evolution's vectorised call
            return -evaluate(xt.T, "search")

        kw = {_rng_kw(differential_evolution): rng}
        res = differential_evolution(
            objective, list(zip(lower, upper)), init=init, maxiter=plan.generations,
            polish=False, vectorized=True, updating="deferred", tol=0.01,
            integrality=integ if integ.any() else None, **kw)
        generations = int(res.nit)
    X = np.vstack(Xs)
    y = np.concatenate(ys)
    best = int(np.argmax(y))  # first of equals: the earliest found
    return SearchResult(X[best], float(y[best]), X, y, generations, False)


# --- zone of possible agreement --------------------------------------------------------------

def _grid_axes(space: DesignSpace, points: int) -> list[np.ndarray]:
    free = int(space.free.sum())
    per = points if free <= 2 else max(2, int(math.floor(2000 ** (1.0 / free))))
    axes = []
    for j, v in enumerate(space.varied):
        lo, hi = space.lower[j], space.upper[j]
        if hi == lo:
            axes.append(np.array([lo]))
            continue
        if v.integer:
            n = int(min(per, hi - lo + 1))
            ax = np.unique(np.round(np.linspace(lo, hi, n)))
        else:
            ax = np.linspace(lo, hi, per)
        axes.append(ax)
    return axes


def zone_of_agreement(space: DesignSpace, worlds: int, seed: int, points: int = 21,
                      progress=None) -> pd.DataFrame:
    """Each side's acceptance of the tabled terms at day 0 on a grid of the varied keys.

    For every grid point the terms are tabled in each of the ``worlds`` worlds
    (the same worlds for every point) and each side's probability of accepting
    them, as the model decides it, is averaged over the worlds.  The zone of
    possible agreement is where both averages are at least 0.5 (``in_zone``).
    ``points`` per varied key for up to two keys; with more, about 2,000 grid
    points in all.  Nothing is simulated past day 0, so a grid is cheap.

    Returns
    -------
    DataFrame
        The varied keys, ``p_government_accepts``, ``p_armed_group_accepts``,
        ``p_both_accept`` (mean over worlds of the product) and ``in_zone``.
    """
    axes = _grid_axes(space, points)
    mesh = np.meshgrid(*axes, indexing="ij")
    X = np.stack([m.ravel() for m in mesh], axis=1)
    rows = []
    for x in X:
        vals = space.values(x)
        acc = day0_acceptance(space.scenario, vals, worlds, seed)
        rows.append({**vals, **acc})
        if progress is not None:
            progress.update(1)
    df = pd.DataFrame(rows)
    df["in_zone"] = (df["p_government_accepts"] >= 0.5) & (df["p_armed_group_accepts"] >= 0.5)
    return df


def zone_summary(zone: pd.DataFrame, keys: list[str]) -> dict:
    """How much of the grid is in the zone, and the range of each key inside it."""
    inside = zone[zone["in_zone"]]
    out = {"grid_points": int(len(zone)), "points_in_zone": int(len(inside))}
    out["ranges_in_zone"] = {k: ([float(inside[k].min()), float(inside[k].max())] if len(inside) else None)
                             for k in keys}
    out["max_p_government_accepts"] = float(zone["p_government_accepts"].max())
    out["max_p_armed_group_accepts"] = float(zone["p_armed_group_accepts"].max())
    return out


# --- Pareto front ----------------------------------------------------------------------------

def pareto_front(a, b, maximize_b: bool = True) -> np.ndarray:
    """Mask of the points not dominated when maximising ``a`` and maximising (or minimising) ``b``.

    A point is dominated when another is at least as good on both and better
    on one; of identical points only the first is kept.

    Examples
    --------
    >>> pareto_front([0.1, 0.2, 0.3, 0.2], [5.0, 4.0, 1.0, 3.0]).tolist()
    [True, True, True, False]
    >>> pareto_front([0.1, 0.2], [5.0, 4.0], maximize_b=False).tolist()
    [False, True]
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float) * (1 if maximize_b else -1)
    order = np.lexsort((np.arange(a.size), -b, -a))
    keep = np.zeros(a.size, bool)
    best_b = -np.inf
    for i in order:
        if b[i] > best_b:
            keep[i] = True
            best_b = b[i]
    return keep


# --- marginal effects --------------------------------------------------------------------------

#: times the best may move to a better marginal-effect neighbour before the effects are final
MAX_POLISH_MOVES = 5

def _paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of the per-world differences ``b - a`` and its 95% CI (normal approximation)."""
    diff = b.astype(float) - a.astype(float)
    delta = float(diff.mean())
    if diff.size < 2:
        return delta, math.nan, math.nan
    half = float(stats.norm.ppf(0.975)) * float(diff.std(ddof=1)) / math.sqrt(diff.size)
    return delta, delta - half, delta + half


def marginal_effects(evaluator: Evaluator, x_best, objective: str = "p_deal",
                     step: float = 0.05) -> pd.DataFrame:
    """What each varied key buys at the best terms, by finite differences on the same worlds.

    For key ``j`` the best candidate is moved ``step`` of the key's
    (constrained) range down and up (at least one unit for whole-number keys;
    one-sided at a bound), and both neighbours are simulated on the same
    worlds as the best.  At a maximum the central difference is near zero, so
    the one-sided changes say more: how much is lost by giving ``step`` more,
    or ``step`` less, of the term.

    Returns
    -------
    DataFrame
        One row per varied key: ``key``, ``unit``, ``at`` (best value), ``low``
        and ``high`` (the neighbours), ``step``; then for ``p_deal`` (and the
        objective when it is another): ``<m>_at``, ``<m>_low``, ``<m>_high``;
        ``<m>_change_up`` and ``<m>_change_down`` (high minus at, low minus at)
        with ``_lo``/``_hi`` 95% CIs; ``<m>_per_unit`` (central difference
        per unit of the key) with its CI.  CIs come from the per-world paired
        differences (common random numbers).  ``note`` flags one-sided
        differences and keys the constraints hold at one value.
    """
    space = evaluator.space
    x_best = space.snap(x_best)[0]
    (c0,) = evaluator.evaluate(x_best[None, :], "marginal")
    rows = []
    metrics = ["p_deal"] + ([objective] if objective != "p_deal" else [])
    for j, v in enumerate(space.varied):
        lo_b, hi_b = space.lower[j], space.upper[j]
        h = step * (hi_b - lo_b)
        h = max(1.0, round(h)) if v.integer else max(h, float(space.resolution[j]))
        row = {"key": v.key, "unit": v.unit, "at": float(x_best[j])}
        if hi_b == lo_b:
            row.update({"low": float(lo_b), "high": float(hi_b), "step": 0.0,
                        "note": "held at one value by the constraints"})
            rows.append(row)
            continue
        xl, xh = x_best.copy(), x_best.copy()
        xl[j] = max(lo_b, x_best[j] - h)
        xh[j] = min(hi_b, x_best[j] + h)
        cl, ch = evaluator.evaluate(np.vstack([xl, xh]), "marginal")
        dx = float(ch.x[j] - cl.x[j])
        row.update({"low": float(cl.x[j]), "high": float(ch.x[j]), "step": float(h)})
        for name in metrics:
            col = METRICS[name].column
            row[f"{name}_at"] = c0.metrics[name]
            row[f"{name}_low"] = cl.metrics[name]
            row[f"{name}_high"] = ch.metrics[name]
            for side, c in (("up", ch), ("down", cl)):
                if c is c0 or np.array_equal(c.x, c0.x):
                    row[f"{name}_change_{side}"] = row[f"{name}_change_{side}_lo"] = row[f"{name}_change_{side}_hi"] = math.nan
                    continue
                d, dlo, dhi = _paired(c0.worlds[col], c.worlds[col])
                row[f"{name}_change_{side}"], row[f"{name}_change_{side}_lo"], row[f"{name}_change_{side}_hi"] = d, dlo, dhi
            d, dlo, dhi = _paired(cl.worlds[col], ch.worlds[col])
            row[f"{name}_per_unit"], row[f"{name}_per_unit_lo"], row[f"{name}_per_unit_hi"] = d / dx, dlo / dx, dhi / dx
        row["note"] = "" if (xl[j] < x_best[j] < xh[j]) else "one-sided: the best value lies on a bound"
        rows.append(row)
    return pd.DataFrame(rows)


# --- checking the best terms on fresh worlds -----------------------------------------------------

def check_best(space: DesignSpace, x, objective: str, worlds: int, seed: int) -> dict:
    """Re-simulate the best terms on fresh worlds, as ``trucesim run`` would.

    The scenario with the best (and fixed) values is simulated with
    :func:`trucesim.run.simulate.iter_tables` over ``worlds`` worlds and seed
    ``seed + 1``: exactly ``trucesim run DIR/best.toml --worlds N --seed S+1``.
    """
    from trucesim.run.simulate import iter_tables

    check_seed = int(seed) + 1
    scen = space.scenario.with_values(space.values(x))
    table = pd.concat(list(iter_tables(scen, worlds, check_seed)), ignore_index=True)
    w = {"deal": table["deal"].to_numpy(), "permanent": table["permanent"].to_numpy(),
         "released": table["hostages_released"].to_numpy(), "died": table["hostages_died"].to_numpy(),
         "fell": table["government_fell"].to_numpy()}
    value, ci = metric_ci(objective, w)
    p_deal, p_ci = metric_ci("p_deal", w)
    return {"value": value, "ci": [ci[0], ci[1]], "p_deal": p_deal, "p_deal_ci": [p_ci[0], p_ci[1]],
            "seed": check_seed, "worlds": int(worlds)}


# --- the whole design ---------------------------------------------------------------------------

@dataclass
class DesignResult:
    """Everything ``trucesim design`` writes (see :func:`write_outputs`)."""

    space: DesignSpace
    objective: str
    versus: str
    worlds: int
    seed: int
    plan: SearchPlan
    best: dict
    candidates: pd.DataFrame
    zone: pd.DataFrame
    pareto: pd.DataFrame
    marginal: pd.DataFrame
    generations: int = 0
    notes: list[str] = field(default_factory=list)


def _bar(progress, total, desc, unit="sim"):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                disable=(None if progress is None else not progress), dynamic_ncols=True)


def check_request(space: DesignSpace, objective: str = "p_deal", versus: str | None = None,
                  budget: int | None = None, grid: int = 21, step: float = 0.05) -> tuple[str, SearchPlan]:
    """Check a design request before anything runs; return the ``versus`` metric and the search plan.

    Raises :class:`DesignError` naming the option (``--maximize``, ``--versus``,
    ``--budget``, ``--grid``, ``--step``).
    """
    if objective not in OBJECTIVES:
        raise DesignError(f"--maximize {objective}: expected one of {', '.join(OBJECTIVES)}, found {objective!r}")
    if versus is None:
        versus = "hostages_released_mean" if objective == "p_deal" else objective
    if versus == "p_deal":
        raise DesignError("--versus p_deal: expected a second objective other than p_deal "
                          f"(the front is drawn against p_deal): one of {', '.join(VERSUS)}")
    if versus not in METRICS:
        raise DesignError(f"--versus {versus}: expected one of {', '.join(VERSUS)}, found {versus!r}")
    if not (0 < step <= 0.5):
        raise DesignError(f"--step {step:g}: expected a share of each range in (0, 0.5], found {step:g}")
    if grid < 2:
        raise DesignError(f"--grid {grid}: expected at least 2 points per key, found {grid}")
    return versus, plan_search(space.d, budget)


def design(space: DesignSpace, objective: str = "p_deal", versus: str | None = None,
           worlds: int = 4096, seed: int = 0, budget: int | None = None, grid: int = 21,
           step: float = 0.05, jobs: int = 1, progress: bool | None = False) -> DesignResult:
    """Search, check, map the zone, the Pareto front and the marginal effects.

    Parameters
    ----------
    space : DesignSpace
        From :func:`make_space`.
    objective : str
        One of :data:`OBJECTIVES`, maximised.
    versus : str, optional
        Second axis of the Pareto front against ``p_deal`` (one of :data:`VERSUS`,
        or ``objective`` when that is not ``p_deal``); default
        ``hostages_released_mean`` when maximising ``p_deal``, else the objective.
    worlds, seed : int
        Worlds per candidate and the root seed (every candidate on the same worlds).
    budget : int, optional
        Simulations for the search (:func:`plan_search`).
    grid : int
        Grid points per varied key for the zone of possible agreement.
    step : float
        Finite-difference step, as a share of each key's range.
    jobs : int
        Worker processes for the simulations (results do not depend on it).
    progress : bool or None
        Progress bars on stderr (None: only on a terminal).
    """
    versus, plan = check_request(space, objective, versus, budget, grid, step)
    notes: list[str] = []
    with Evaluator(space, worlds, seed, jobs) as ev:
        bar = {"b": None}

        def on_stage(stage):
            if bar["b"] is not None:
                bar["b"].close()
            total = plan.screen if stage == "screen" else plan.population * plan.generations
            bar["b"] = _bar(progress, total, "screening" if stage == "screen" else "optimising")

        ev.on_new = lambda c: bar["b"] is not None and bar["b"].update(1)
        exhaustive = space.n_points() <= plan.budget
        if exhaustive:
            axes = [np.arange(space.lower[j], space.upper[j] + space.resolution[j] / 2, space.resolution[j])
                    for j in range(space.d)]
            mesh = np.meshgrid(*axes, indexing="ij")
            X = space.snap(np.stack([m.ravel() for m in mesh], axis=1))
            on_stage("screen")
            bar["b"].reset(total=len(X))
            y = ev.values(X, objective, "grid")
            i = int(np.argmax(y))
            res = SearchResult(X[i], float(y[i]), X, y, 0, True)
            notes.append(f"the design space holds only {len(X)} candidates: all were simulated")
        else:
            res = search(lambda X, stage: ev.values(X, objective, stage), space.lower, space.upper,
                         plan=plan, seed=seed, integrality=space.integrality, snap=space.snap,
                         on_stage=on_stage)
        if bar["b"] is not None:
            bar["b"].close()
            bar["b"] = None
        search_records = list(ev.records)
        best_c = max(search_records, key=lambda c: (c.metrics[objective], -c.id))
        # the zone of possible agreement (day 0 only: cheap)
        axes_n = int(np.prod([len(a) for a in _grid_axes(space, grid)]))
        with _bar(progress, axes_n, "zone of agreement", unit="point") as zb:
            zone = zone_of_agreement(space, worlds, seed, grid, progress=zb)
        # marginal effects at the best terms; a neighbour that does better becomes the best
        bar["b"] = _bar(progress, 2 * int(space.free.sum()), "marginal effects")
        for move in range(MAX_POLISH_MOVES + 1):
            marginal = marginal_effects(ev, best_c.x, objective, step)
            top = max(ev.records, key=lambda c: (c.metrics[objective], -c.id))
            if top.metrics[objective] <= best_c.metrics[objective] or move == MAX_POLISH_MOVES:
                break
            notes.append(f"a marginal-effect neighbour did better than the search's best "
                         f"(candidate {top.id} over {best_c.id}): the best moved there")
            best_c = top
            bar["b"].reset(total=2 * int(space.free.sum()))
        bar["b"].close()
        bar["b"] = None
        candidates = ev.table(objective)
    with _bar(progress, 1, "checking the best on fresh worlds") as cb:
        check = check_best(space, best_c.x, objective, worlds, seed)
        cb.update(1)
    front = pareto_front(candidates["p_deal"], candidates[versus], METRICS[versus].sense > 0)
    candidates["pareto"] = front
    pareto = candidates[front].sort_values(["p_deal", versus], ascending=[True, False]).reset_index(drop=True)
    if best_c.metrics[objective] == 0:
        notes.append(f"no candidate gave a {objective} above 0 on the search's worlds: the best terms are arbitrary")
    zs = zone_summary(zone, space.keys)
    if zs["points_in_zone"] == 0:
        notes.append("no grid point is in the zone of possible agreement: at day 0 no terms in the varied "
                     "ranges are accepted by both sides with probability >= 0.5 (deals may still come later, "
                     "as pressures build)")
    result = DesignResult(space, objective, versus, int(worlds), int(seed), plan, {}, candidates, zone,
                          pareto, marginal, generations=res.generations, notes=notes)
    result.best = best_record(result, best_c, check, zs, exhaustive)
    return result


def _py(v):
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if math.isnan(v) else round(v, 10)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def best_record(result: DesignResult, best: Candidate, check: dict, zone: dict, exhaustive: bool) -> dict:
    """The content of ``best.json``."""
    space = result.space
    m = best.metrics
    obj = result.objective
    terms = {**space.values(best.x), **space.fixed_values()}
    return {
        "scenario": space.scenario.name,
        "scenario_file": str(space.scenario.path),
        "terms": terms,
        "objective": obj,
        "value": _py(check["value"]),
        "ci": [_py(check["ci"][0]), _py(check["ci"][1])],
        "ci_level": 0.95,
        "value_on_search_worlds": _py(m[obj]),
        "ci_on_search_worlds": [_py(m.get(f"{obj}_lo")), _py(m.get(f"{obj}_hi"))],
        "p_deal": _py(check["p_deal"]),
        "p_deal_ci": [_py(x) for x in check["p_deal_ci"]],
        "acceptance_day0": {"government": _py(m["p_government_accepts_day0"]),
                            "armed_group": _py(m["p_armed_group_accepts_day0"]),
                            "in_zone": bool(m["in_zone"])},
        "check": {"worlds": check["worlds"], "seed": check["seed"],
                  "command": f"trucesim run best.toml --worlds {check['worlds']} --seed {check['seed']}"},
        "candidate": int(best.id),
        "worlds": result.worlds,
        "seed": result.seed,
        "varied": {v.key: [_py(space.lower[j]), _py(space.upper[j])] for j, v in enumerate(space.varied)},
        "fixed": space.fixed_values(),
        "constraints": [str(c) for c in space.constraints],
        "search": {"method": "exhaustive" if exhaustive else "sobol screen + differential evolution",
                   "screen": result.plan.screen, "population": result.plan.population,
                   "generations_planned": result.plan.generations, "generations_run": result.generations,
                   "budget": result.plan.budget,
                   "search_simulations": int(result.candidates["stage"].isin(["screen", "search", "grid"]).sum()),
                   "simulations": int(len(result.candidates))},
        "zone": zone,
        "versus": result.versus,
        "notes": result.notes,
        "about": "an exploration of the scenario's stated assumptions, not a forecast or advice",
    }


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def best_scenario_toml(result: DesignResult, out_dir: Path) -> str:
    """A scenario file extending the original with the best terms (``best.toml``)."""
    space = result.space
    path = Path(space.scenario.path)
    rel = os.path.relpath(path.resolve(), Path(out_dir).resolve())
    lines = [f"# The best terms found by trucesim design (objective {result.objective}, "
             f"{result.worlds} worlds, seed {result.seed}).",
             "# An exploration of the scenario's stated assumptions, not a forecast or advice.",
             f"# Check: trucesim run best.toml --worlds {result.worlds} --seed {result.seed + 1}",
             f"extends = {_toml_str(rel)}", ""]
    src = f"trucesim design: best for {result.objective}"
    fixed = space.fixed_values()
    for key, v in result.best["terms"].items():  # dotted keys: before any [table] header
        how = "trucesim design: fixed with --fix" if key in fixed else src
        lines.append(f"{key} = {{ value = {v!r}, source = {_toml_str(how)} }}")
    lines += ["", "[meta]", f"name = {_toml_str(space.scenario.name + '-designed')}",
              f"description = {_toml_str('the best terms for ' + result.objective + ' found by trucesim design')}"]
    return "\n".join(lines) + "\n"


# --- figures ---------------------------------------------------------------------------------

OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73", "orange": "#E69F00",
             "sky": "#56B4E9", "grey": "#999999", "black": "#000000"}


def _label(space: DesignSpace, key: str) -> str:
    """Axis label: the key (without ``terms.``) and its unit, unless the name already says it."""
    unit = space.scenario.spec(key).unit
    short = key.split(".", 1)[1] if key.startswith("terms.") else key
    if unit.replace(" ", "_") in short:
        return short.replace("_", " ")
    return f"{short.replace('_', ' ') if key.startswith('terms.') else short} ({unit})"


def _subtitle(space: DesignSpace, worlds: int, seed: int) -> str:
    return (f"scenario {space.scenario.name}, {worlds:,} worlds, seed {seed}; "
            "explores stated assumptions, not a forecast")


def plot_zone(zone: pd.DataFrame, space: DesignSpace, worlds: int, seed: int,
              best: dict | None = None, objective: str = "p_deal"):
    """Figure of the zone of possible agreement, or None unless one or two varied keys are free.

    ``zone`` comes from :func:`zone_of_agreement`; ``best`` (``{key: value}``)
    marks the best terms of a design.  Returns a matplotlib ``Figure`` (no
    pyplot state: safe in scripts, the CLI and notebooks).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D

    free = [j for j in range(space.d) if space.free[j]]
    if len(free) not in (1, 2):
        return None
    fig = Figure(figsize=(7.2, 5.6), layout="constrained")
    ax = fig.add_subplot()
    title = "Zone of possible agreement: each side's acceptance of the tabled terms at day 0"
    if len(free) == 1:
        k = space.keys[free[0]]
        z = zone.sort_values(k)
        x = z[k].to_numpy()
        ax.plot(x, z["p_government_accepts"], color=OKABE_ITO["blue"], lw=2, label="government accepts")
        ax.plot(x, z["p_armed_group_accepts"], color=OKABE_ITO["vermillion"], lw=2, ls="--", label="armed group accepts")
        ax.plot(x, z["p_both_accept"], color=OKABE_ITO["black"], lw=1.5, ls=":", label="both accept")
        ax.fill_between(x, 0, 1, where=z["in_zone"].to_numpy(), color=OKABE_ITO["green"], alpha=0.25,
                        hatch="//", edgecolor=OKABE_ITO["green"], label="zone (both >= 0.5)")
        ax.axhline(0.5, color=OKABE_ITO["grey"], lw=0.8)
        if best is not None:
            ax.axvline(best[k], color=OKABE_ITO["black"], lw=1, ls="-.", label=f"best for {objective}")
        ax.set_xlabel(_label(space, k))
        ax.set_ylabel("probability of accepting at day 0 (mean over worlds)")
        ax.set_ylim(0, 1)
        ax.legend(loc="best", fontsize=8)
    else:
        kx, ky = space.keys[free[0]], space.keys[free[1]]
        xs = np.sort(zone[kx].unique())
        ys = np.sort(zone[ky].unique())
        piv = lambda col: zone.pivot_table(index=ky, columns=kx, values=col, aggfunc="mean").reindex(index=ys, columns=xs).to_numpy()  # noqa: E731
        both = piv("p_both_accept")
        mesh = ax.pcolormesh(xs, ys, both, cmap="cividis", vmin=0, vmax=1, shading="nearest")
        fig.colorbar(mesh, ax=ax, label="probability both sides accept at day 0 (mean over worlds)")
        handles = []
        for col, who, colour, ls in (("p_government_accepts", "government", OKABE_ITO["sky"], "-"),
                                     ("p_armed_group_accepts", "armed group", OKABE_ITO["orange"], "--")):
            pv = piv(col)
            label = f"{who} accepts with p = 0.5"
            if pv.min() < 0.5 < pv.max():
                ax.contour(xs, ys, pv, levels=[0.5], colors=colour, linewidths=2.2, linestyles=ls)
            elif pv.max() < 0.5:
                label += f" (not reached: at most {100 * pv.max():.0f}%)"
            else:
                label += f" (everywhere above: at least {100 * pv.min():.0f}%)"
            handles.append(Line2D([], [], color=colour, lw=2.2, ls=ls, label=label))
        inz = piv("in_zone").astype(float)
        if inz.max() > 0:
            ax.contourf(xs, ys, inz, levels=[0.5, 1.5], colors="none", hatches=["//"])
            ax.contour(xs, ys, inz, levels=[0.5], colors="white", linewidths=1)
        handles.append(Patch(facecolor="none", edgecolor="black", hatch="//", label="zone: both accept with p >= 0.5"))
        if best is not None:
            ax.plot([best[kx]], [best[ky]], marker="*", ms=16, color="white", mec="black", ls="none")
            handles.append(Line2D([], [], marker="*", ms=12, color="white", mec="black", ls="none",
                                  label=f"best for {objective}"))
        ax.set_xlabel(_label(space, kx))
        ax.set_ylabel(_label(space, ky))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)
        if inz.max() == 0:
            ax.text(0.5, 0.5, "no terms in these ranges are accepted\nby both sides with p >= 0.5 at day 0",
                    transform=ax.transAxes, ha="center", va="center", fontsize=10,
                    bbox=dict(facecolor="white", alpha=0.85, edgecolor=OKABE_ITO["grey"]))
    fig.suptitle(title, fontsize=11)
    ax.set_title(_subtitle(space, worlds, seed), fontsize=8)
    return fig


def plot_pareto(result: DesignResult, versus: str | None = None):
    """Figure of the evaluated candidates and their Pareto front: p_deal against ``versus``.

    ``versus`` defaults to the design's own; another metric's front is
    computed from the same candidates (no new simulation).
    """
    from matplotlib.figure import Figure

    c = result.candidates
    v = versus or result.versus
    mv = METRICS[v]
    if v == result.versus:
        front = result.pareto
    else:
        front = c[pareto_front(c["p_deal"], c[v], mv.sense > 0)]
    scale = 100.0 if mv.kind == "proportion" else 1.0
    fig = Figure(figsize=(7.2, 5.2), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(100 * c["p_deal"], scale * c[v], s=14, color=OKABE_ITO["grey"], alpha=0.6,
               label="evaluated candidates", edgecolors="none")
    p = front.sort_values("p_deal")
    ax.plot(100 * p["p_deal"], scale * p[v], color=OKABE_ITO["blue"], marker="o", ms=5, lw=1.8,
            label=f"Pareto front ({len(p)} candidate{'s' if len(p) != 1 else ''})")
    b = c[c["candidate"] == result.best["candidate"]]
    ax.plot(100 * b["p_deal"], scale * b[v], marker="*", ms=16, color=OKABE_ITO["orange"], mec="black",
            ls="none", label=f"best for {result.objective}")
    better = "higher" if mv.sense > 0 else "lower"
    ax.set_xlabel("probability of a deal (% of worlds, on the search's worlds)")
    unit = "% of worlds" if mv.kind == "proportion" else mv.unit
    ax.set_ylabel(f"{mv.label} ({unit}; {better} is better)")
    ax.legend(loc="best", fontsize=8)
    fig.suptitle(f"Trade-off between the probability of a deal and {mv.label}", fontsize=11)
    ax.set_title(_subtitle(result.space, result.worlds, result.seed), fontsize=8)
    return fig


# --- writing -------------------------------------------------------------------------------------

OUTPUT_FILES = ("best.json", "best.toml", "candidates.csv", "zopa.csv", "zopa.png",
                "pareto.csv", "pareto.png", "marginal.csv")


def check_out_dir(out_dir: Path, force: bool) -> list[str]:
    """Refuse an existing non-empty directory unless ``force``; return the design files it would replace.

    Raises :class:`DesignError` if ``out_dir`` is a file, or is non-empty without ``force``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DesignError(f"--out {out_dir}: expected a directory, found a file")
    if out_dir.is_dir():
        present = sorted(p.name for p in out_dir.iterdir())
        if present and not force:
            raise DesignError(f"--out {out_dir}: expected a new or empty directory, found {len(present)} "
                              f"entries (add --force to replace the design's files in it; other files are kept)")
        return [n for n in present if n in OUTPUT_FILES]
    return []


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _round_table(df: pd.DataFrame, space: DesignSpace) -> pd.DataFrame:
    df = df.copy()
    for j, k in enumerate(space.keys):
        if k in df:
            df[k] = df[k].round(space.digits(j))
    for col in df.columns:
        if df[col].dtype.kind == "f" and col not in space.keys:
            df[col] = df[col].round(6)
    return df


def write_outputs(result: DesignResult, out_dir: Path) -> tuple[list[Path], list[Path]]:
    """Write ``best.json``, ``best.toml``, the CSV tables and the figures into ``out_dir``.

    Each file is written to a temporary name and renamed when complete; a
    design file a previous run left that this run does not produce (e.g.
    ``zopa.png`` with three varied keys) is removed.  Other files in the
    directory are kept.  Returns the files written and the files removed.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    space = result.space
    written: list[Path] = []

    def put(name, write):
        p = out_dir / name
        _atomic_write(p, write)
        written.append(p)

    put("best.json", lambda t: t.write_text(json.dumps(result.best, indent=2) + "\n"))
    put("best.toml", lambda t: t.write_text(best_scenario_toml(result, out_dir)))
    put("candidates.csv", lambda t: _round_table(result.candidates, space).to_csv(t, index=False))
    put("zopa.csv", lambda t: _round_table(result.zone, space).to_csv(t, index=False))
    put("pareto.csv", lambda t: _round_table(result.pareto, space).to_csv(t, index=False))
    put("marginal.csv", lambda t: result.marginal.round(8).to_csv(t, index=False))
    figures = (("zopa.png", plot_zone(result.zone, space, result.worlds, result.seed,
                                      best=result.best["terms"], objective=result.objective)),
               ("pareto.png", plot_pareto(result)))
    for name, fig in figures:
        if fig is not None:
            put(name, lambda t, fig=fig: fig.savefig(t, dpi=150, format="png"))
    removed = []
    for name in OUTPUT_FILES:
        p = out_dir / name
        if p.exists() and p not in written:
            p.unlink()
            removed.append(p)
    return written, removed


def format_summary(result: DesignResult) -> str:
    """The report ``trucesim design`` prints."""
    b, space = result.best, result.space
    obj = METRICS[result.objective]
    pct = obj.kind == "proportion"
    show = (lambda x: f"{100 * x:.1f}%") if pct else (lambda x: f"{x:.2f}")
    lines = [f"trucesim design: {space.scenario.name} - {result.worlds:,} worlds per candidate, seed {result.seed}",
             "(an exploration of the scenario's stated assumptions, not a forecast or advice)", "",
             f"  searched {len(space.keys)} key{'s' if len(space.keys) != 1 else ''} ({b['search']['method']}): "
             f"{b['search']['search_simulations']} simulations of budget {b['search']['budget']}, "
             f"{b['search']['simulations'] - b['search']['search_simulations']} more for the marginal effects"]
    lines.append(f"  best terms for {result.objective}:")
    for j, k in enumerate(space.keys):
        lines.append(f"    {k:<36}{b['terms'][k]:>10g}   (searched {space.lower[j]:g}..{space.upper[j]:g} {space.varied[j].unit})")
    for k, v in space.fixed_values().items():
        lines.append(f"    {k:<36}{v:>10g}   (fixed)")
    lines.append(f"  {obj.label}: {show(b['value'])}   95% CI {show(b['ci'][0])}-{show(b['ci'][1])}"
                 f"   (fresh worlds, seed {b['check']['seed']}; {show(b['value_on_search_worlds'])} on the search's worlds)")
    if result.objective != "p_deal":
        lines.append(f"  probability of a deal: {100 * b['p_deal']:.1f}%   95% CI "
                     f"{100 * b['p_deal_ci'][0]:.1f}-{100 * b['p_deal_ci'][1]:.1f}%")
    a = b["acceptance_day0"]
    lines.append(f"  acceptance of these terms at day 0: government {100 * a['government']:.1f}%, "
                 f"armed group {100 * a['armed_group']:.1f}%")
    z = b["zone"]
    lines.append(f"  zone of possible agreement: {z['points_in_zone']} of {z['grid_points']} grid points")
    for k, r in z["ranges_in_zone"].items():
        if r is not None:
            lines.append(f"    {k:<36}{r[0]:g}..{r[1]:g}")
    n_front = len(result.pareto)
    lines.append(f"  Pareto front (p_deal vs {result.versus}): {n_front} candidate{'s' if n_front != 1 else ''}")
    m = result.marginal
    if len(m):
        lines.append("  what each varied key buys at the best terms (change in the probability of a deal, "
                     "percentage points, same worlds):")
        for _, r in m.iterrows():
            if pd.isna(r.get("p_deal_per_unit", math.nan)):
                lines.append(f"    {r['key']:<36}held at one value by the constraints")
                continue
            parts = []
            for side, dist in (("up", r["high"] - r["at"]), ("down", r["low"] - r["at"])):
                ch = r.get(f"p_deal_change_{side}", math.nan)
                if not pd.isna(ch):
                    parts.append(f"{dist:+.4g}: {100 * ch:+.1f}")
            lines.append(f"    {r['key']:<36}{', '.join(parts)}   per unit {100 * r['p_deal_per_unit']:+.3f} "
                         f"(95% CI {100 * r['p_deal_per_unit_lo']:+.3f} to {100 * r['p_deal_per_unit_hi']:+.3f})")
    for n in result.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)

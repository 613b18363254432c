"""Experiments: a scenario swept over a design of parameter points, many worlds per point.

An experiment file (TOML, usually in ``experiments/``) names a scenario, a root
seed, the worlds simulated at each design point, the factors (dotted scenario
keys) and how their values are combined::

    scenario = "../scenarios/april-2024.toml"   # relative to this file
    seed = 7
    worlds_per_point = 5000

    [design]
    kind = "grid"            # or "sobol", "lhs", "halton" with points = N

    [factors."terms.prisoners_per_hostage"]
    range = [5, 60]
    steps = 12               # a grid takes evenly spaced steps, both ends included

    [factors."context.us_pressure"]
    levels = [0.2, 0.5, 0.8]

Each factor has ``levels = [...]`` or ``range = [low, high]`` (optional
``integer = true``; optional ``source = "..."``, the reason for its values,
kept in the results' manifest).  A grid combines every level of every factor
(the first factor varies slowest).  The sampled kinds draw ``points`` points
with :mod:`scipy.stats.qmc`; a ``levels`` factor then takes each level with
equal probability.  ``[design] saltelli = true`` (Sobol only) lays the points
out for Saltelli/Sobol' sensitivity indices, see
:func:`trucesim.sweep.designs.build_design`.

This module reads and validates the file (:func:`load_experiment`) into an
:class:`Experiment`; :mod:`trucesim.sweep.designs` builds its points and
:mod:`trucesim.sweep.sweep` runs them.

Examples
--------
>>> exp = load_experiment("experiments/prisoners-vs-us-pressure.toml")   # doctest: +SKIP
>>> exp.n_points, exp.worlds_per_point                                    # doctest: +SKIP
(100, 10000)
>>> print(describe(exp))                                                  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

import numpy as np

from trucesim.config.distributions import Dist
from trucesim.config.flatten import flat_items
from trucesim.config.relations import check_consistency
from trucesim.config.scenario import Scenario, ScenarioError, load_scenario, numeric_keys, param_for
from trucesim.config.scenario_files import base_path
from trucesim.config.shipped import locate
from trucesim.config.terms import TERM_NAMES
from trucesim.config.tomlio import read_toml, suggest
from trucesim.run.chunks import SizeError, check_size
from trucesim.sweep.designs import DESIGN_KINDS, SAMPLED_KINDS, DesignSpec, design_points

TOP_KEYS = ("name", "description", "scenario", "seed", "worlds_per_point", "design", "factors")
DESIGN_KEYS = ("kind", "points", "seed", "scramble", "saltelli")
FACTOR_KEYS = ("levels", "range", "steps", "integer", "source")
#: the most design points an experiment may have (the design matrix lives in the manifest)
MAX_POINTS = 1_000_000


class ExperimentError(ValueError):
    """An experiment file that cannot be used; ``str(err)`` is one line: file, key, expected, found."""


# --------------------------------------------------------------------------- factors
@dataclass(frozen=True)
class Factor:
    """One swept parameter: a dotted scenario key and its levels or range.

    Examples
    --------
    >>> Factor("context.us_pressure", range=(0.2, 0.8), steps=4).grid_values()
    array([0.2, 0.4, 0.6, 0.8])
    >>> Factor("terms.pause_days", range=(14, 42), integer=True).from_unit(np.array([0.0, 0.5, 0.999]))
    array([14., 28., 42.])
    """

    key: str
    levels: tuple[float, ...] | None = None
    range: tuple[float, float] | None = None
    steps: int | None = None
    integer: bool = False
    source: str | None = None

    def grid_values(self) -> np.ndarray:
        """The values a grid design takes: the levels, or ``steps`` evenly spaced values over the range."""
        if self.levels is not None:
            return np.array(self.levels, dtype=float)
        assert self.range is not None and self.steps is not None, "a grid factor has levels or a range and steps"
        x = np.linspace(self.range[0], self.range[1], self.steps)
        return np.round(x) if self.integer else x

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map uniform ``[0, 1)`` draws onto the factor: the range (scaled), or the levels (equally likely)."""
        u = np.asarray(u, dtype=float)
        if self.levels is not None:
            idx = np.minimum(np.floor(u * len(self.levels)).astype(np.int64), len(self.levels) - 1)
            return np.array(self.levels, dtype=float)[idx]
        assert self.range is not None, "a factor without levels has a range"
        lo, hi = self.range
        if self.integer:
            return np.minimum(np.floor(lo + u * (hi - lo + 1)), hi)
        return lo + u * (hi - lo)

    def to_dict(self) -> dict:
        """The factor as recorded in a manifest."""
        d: dict = {}
        if self.levels is not None:
            d["levels"] = list(self.levels)
        else:
            assert self.range is not None, "a factor without levels has a range"
            d["range"] = list(self.range)
            if self.steps is not None:
                d["steps"] = self.steps
        d["integer"] = self.integer
        if self.source is not None:
            d["source"] = self.source
        return d


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file: its scenario, seed, worlds per point, factors and design."""

    path: Path
    scenario: Scenario
    scenario_ref: str
    seed: int
    worlds_per_point: int
    factors: tuple[Factor, ...]
    design: DesignSpec
    name: str = ""
    description: str = ""
    seed_option: int | None = None  # a seed given on the command line, overriding the file's
    worlds_per_point_option: int | None = None  # --worlds-per-point, overriding the file's

    @property
    def factor_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    @property
    def n_points(self) -> int:
        """Design points, known without building the design."""
        return design_points(self.design, self.factors)

    @property
    def worlds(self) -> int:
        return self.n_points * self.worlds_per_point

    def with_seed(self, seed: int) -> Experiment:
        """The same experiment under another root seed (as ``--seed`` gives)."""
        return replace(self, seed=int(seed), seed_option=int(seed))

    def with_worlds_per_point(self, n: int) -> Experiment:
        """The same experiment with ``n`` worlds at each point (as ``--worlds-per-point`` gives)."""
        n = int(n)
        if n < 1:
            raise ExperimentError(f"--worlds-per-point: expected a whole number >= 1, found {n}")
        exp = replace(self, worlds_per_point=n, worlds_per_point_option=n)
        _check_size(exp, "--worlds-per-point")
        return exp

    def to_dict(self) -> dict:
        """The resolved experiment, as recorded in ``manifest.json``."""
        d = self.design
        return {
            "path": str(self.path),
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario_ref,
            "scenario_path": str(self.scenario.path),
            "seed": self.seed,
            "seed_option": self.seed_option,
            "worlds_per_point": self.worlds_per_point,
            "worlds_per_point_option": self.worlds_per_point_option,
            "factors": {f.key: f.to_dict() for f in self.factors},
            "design": {
                "kind": d.kind,
                "points": d.points,
                "seed": self.design_seed,
                "scramble": d.scramble if d.kind in SAMPLED_KINDS else None,
                "saltelli": d.saltelli,
            },
        }

    @property
    def design_seed(self) -> int | None:
        """The seed of the design's scrambling (sampled kinds): ``[design] seed``, else the root seed."""
        if self.design.kind == "grid":
            return None
        return self.design.seed if self.design.seed is not None else self.seed


# --------------------------------------------------------------------------- reading files
def _fail(msg: str) -> NoReturn:
    raise ExperimentError(msg)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _fmt(v) -> str:
    return f"{v:g}" if _is_number(v) else repr(v)


def _whole(v, where: str, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        else:
            _fail(f"{where}: expected a whole number >= {minimum}, found {_fmt(v)}")
    if v < minimum:
        _fail(f"{where}: expected a whole number >= {minimum}, found {v}")
    return v


def _bool(v, where: str) -> bool:
    if not isinstance(v, bool):
        _fail(f"{where}: expected true or false, found {_fmt(v)}")
    return v


def _flatten_factors(table: dict, shown: str) -> dict[str, object]:
    """``[factors."a.b"]`` and ``[factors.a.b]`` both name the factor ``a.b`` (written both ways: refused)."""

    def one_factor(v: Mapping) -> bool:  # a factor's own table, or a table that is not all sub-tables
        return any(m in v for m in FACTOR_KEYS) or not all(isinstance(x, dict) for x in v.values())

    out: dict[str, object] = {}
    for key, value in flat_items(table, is_leaf=one_factor):
        _add_factor(out, key, value, shown)
    return out


def _add_factor(out: dict, key: str, value, shown: str) -> None:
    if key in out:
        _fail(
            f'{shown}: factors."{key}": expected one table per factor, found two (written both as '
            f'[factors."{key}"] and [factors.{key}])'
        )
    out[key] = value


def _factor(key: str, raw, shown: str, scenario: Scenario, kind: str) -> Factor:
    where = f'{shown}: factors."{key}"'
    candidates = numeric_keys(scenario.actors)
    try:
        p = param_for(key, scenario.actors)
    except KeyError:
        _fail(
            f"{where}: expected a numeric key of scenario {scenario.path}, found unknown key {key!r}"
            f"{suggest(key, candidates)}"
        )
    if not p.per_world:
        _fail(
            f"{where}: expected a parameter that may differ between worlds, found {key}, which sets "
            f"the calendar of every world; change it in the scenario file instead"
        )
    if not isinstance(raw, dict):
        _fail(f"{where}: expected a table with levels = [...] or range = [low, high], found {_fmt(raw)}")
    for k in raw:
        if k not in FACTOR_KEYS:
            _fail(f"{where}.{k}: unknown key{suggest(k, FACTOR_KEYS)} (expected one of {', '.join(FACTOR_KEYS)})")
    bounds = f"{p.low:g}..{p.high:g} ({p.unit})"
    integer = p.integer
    if "integer" in raw:
        integer = _bool(raw["integer"], f"{where}.integer")
        if p.integer and not integer:
            _fail(f"{where}.integer: expected true (or nothing): {key} is a whole number ({p.unit}), found false")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        _fail(f"{where}.source: expected a string, found {_fmt(source)}")
    if "levels" in raw and "range" in raw:
        _fail(f"{where}: expected levels = [...] or range = [low, high], found both")
    if "levels" not in raw and "range" not in raw:
        _fail(f"{where}: expected levels = [...] or range = [low, high], found neither")

    def check_value(v, what: str) -> float:
        if not _is_number(v):
            _fail(f"{where}.{what}: expected a number, found {type(v).__name__} {_fmt(v)}")
        if not (p.low <= v <= p.high):
            _fail(f"{where}.{what}: expected a number in {bounds}, found {v:g}")
        if integer and float(v) != int(v):
            _fail(f"{where}.{what}: expected a whole number ({p.unit}), found {v:g}")
        return float(v)

    if "levels" in raw:
        levels = raw["levels"]
        if not isinstance(levels, list):
            _fail(f"{where}.levels: expected a list of numbers, found {_fmt(levels)}")
        if not levels:
            _fail(f"{where}.levels: expected at least one level, found an empty list")
        if "steps" in raw:
            _fail(f"{where}.steps: expected steps only with a range, found steps with levels")
        values = tuple(check_value(v, "levels") for v in levels)
        dup = [v for v in values if values.count(v) > 1]
        if dup:
            _fail(f"{where}.levels: expected distinct levels, found {dup[0]:g} more than once")
        return Factor(key, levels=values, integer=integer, source=source)

    rng = raw["range"]
    if not isinstance(rng, list) or len(rng) != 2:
        _fail(f"{where}.range: expected [low, high], found {_fmt(rng)}")
    lo, hi = (check_value(v, "range") for v in rng)
    if lo > hi:
        _fail(f"{where}.range: expected low <= high, found low {lo:g} > high {hi:g}")
    if lo == hi:
        _fail(
            f"{where}.range: expected a range with low < high, found an empty range [{lo:g}, {hi:g}] "
            f"(for one value write levels = [{lo:g}])"
        )
    steps = None
    if kind == "grid":
        if "steps" not in raw:
            _fail(
                f"{where}.steps: expected a number of steps >= 2 (a grid spaces them evenly over the range, "
                f"both ends included), found nothing"
            )
        steps = _whole(raw["steps"], f"{where}.steps", 2)
        if integer and steps > hi - lo + 1:
            _fail(
                f"{where}.steps: expected at most {int(hi - lo + 1)} steps for whole numbers in "
                f"[{lo:g}, {hi:g}], found {steps}"
            )
    elif "steps" in raw:
        _fail(
            f'{where}.steps: expected no steps with kind = "{kind}" (the design draws the points\' values '
            f"over the range), found steps = {_fmt(raw['steps'])}"
        )
    return Factor(key, range=(lo, hi), steps=steps, integer=integer, source=source)


def _design(raw, shown: str) -> DesignSpec:
    where = f"{shown}: design"
    if raw is None:
        return DesignSpec()
    if not isinstance(raw, dict):
        _fail(f"{where}: expected a table [design] with kind = {' | '.join(DESIGN_KINDS)}, found {_fmt(raw)}")
    for k in raw:
        if k not in DESIGN_KEYS:
            _fail(f"{where}.{k}: unknown key{suggest(k, DESIGN_KEYS)} (expected one of {', '.join(DESIGN_KEYS)})")
    kind = raw.get("kind", "grid")
    if kind not in DESIGN_KINDS:
        _fail(
            f"{where}.kind: expected one of {', '.join(DESIGN_KINDS)}, found {_fmt(kind)}"
            f"{suggest(str(kind), DESIGN_KINDS)}"
        )
    points = None
    if kind == "grid":
        for k in ("points", "seed", "scramble", "saltelli"):
            if k in raw:
                _fail(
                    f"{where}.{k}: expected no {k} in a grid design (its points are every combination of "
                    f"the factors' levels or steps), found {k} = {_fmt(raw[k])}"
                )
        return DesignSpec("grid")
    if "points" not in raw:
        _fail(f"{where}.points: expected the number of points of the {kind} design, found nothing")
    points = _whole(raw["points"], f"{where}.points", 1)
    saltelli = _bool(raw.get("saltelli", False), f"{where}.saltelli")
    if saltelli and kind != "sobol":
        _fail(f'{where}.saltelli: expected saltelli only with kind = "sobol", found it with kind = "{kind}"')
    seed = raw.get("seed")
    if seed is not None:
        seed = _whole(seed, f"{where}.seed", 0)
    scramble = _bool(raw.get("scramble", True), f"{where}.scramble")
    return DesignSpec(kind, points, seed, scramble, saltelli)


def _check_sobol_points(spec: DesignSpec, n_factors: int, where: str) -> None:
    """A Sobol design's points must be a power of two; the powers suggested are ones that would be accepted.

    The most base points allowed keep the design within :data:`MAX_POINTS` (with ``saltelli``, each base
    point is ``factors + 2`` points).
    """
    points = spec.points
    if spec.kind != "sobol" or points is None or not points & (points - 1):
        return
    per_point = n_factors + 2 if spec.saltelli else 1
    most = 1 << max((MAX_POINTS // per_point).bit_length() - 1, 0)  # the largest power of two allowed
    lower = 1 << (points.bit_length() - 1)
    fits = [p for p in (lower, lower * 2) if p <= most]
    if fits:
        _fail(
            f"{where}.points: expected a power of two for a Sobol design (its balance properties need it: "
            f"e.g. {' or '.join(map(str, fits))}), found {points}"
        )
    limit = f"{MAX_POINTS:,} design points" + (f", {per_point} per base point with saltelli" if per_point > 1 else "")
    _fail(
        f"{where}.points: expected a power of two of at most {most} for a Sobol design (its balance properties "
        f"need a power of two; at most {limit}), found {points}"
    )


def load_experiment(path: str | Path, seed: int | None = None, worlds_per_point: int | None = None) -> Experiment:
    """Read and validate an experiment file: a path, or a shipped experiment's name (``"sobol-main"``).

    ``seed`` (as ``--seed`` gives) overrides the file's ``seed``, and
    ``worlds_per_point`` (``--worlds-per-point``) the file's ``worlds_per_point``.

    Raises
    ------
    ExperimentError
        One line: ``FILE: KEY: expected ..., found ...``.
    ScenarioError
        The scenario the experiment names is itself invalid.
    """
    path = locate(path, "experiments", ExperimentError)  # a path wins over a shipped name
    shown = str(path)
    raw = read_toml(path, shown, "an experiment file (TOML)", error=ExperimentError)
    if raw and not any(k in TOP_KEYS for k in raw):  # some other TOML file: none of its keys is echoed
        _fail(
            f"{shown}: expected an experiment file (TOML with scenario, worlds_per_point and [factors]), "
            f"found a TOML file with none of an experiment's keys"
        )
    for k in raw:
        if k not in TOP_KEYS:
            _fail(f"{shown}: {k}: unknown key{suggest(k, TOP_KEYS)} (expected one of {', '.join(TOP_KEYS)})")
    for k in ("name", "description"):
        if k in raw and not isinstance(raw[k], str):
            _fail(f"{shown}: {k}: expected a string, found {_fmt(raw[k])}")
    if "scenario" not in raw:
        _fail(
            f'{shown}: scenario: expected a scenario file (e.g. scenario = "../scenarios/april-2024.toml"), '
            f"found nothing"
        )
    ref = raw["scenario"]
    if not isinstance(ref, str) or not ref:
        _fail(f"{shown}: scenario: expected a path to a scenario file (a string), found {_fmt(ref)}")
    try:  # a path relative to the experiment file, or a shipped scenario's name, as a scenario's extends
        scen_path = base_path(path, ref, shown, key="scenario")
    except ScenarioError as err:
        _fail(str(err))
    if scen_path.is_dir():
        _fail(f"{shown}: scenario: expected a scenario file, found {ref!r}, which is a directory ({scen_path})")
    scenario = load_scenario(scen_path)
    file_seed = _whole(raw.get("seed", 0), f"{shown}: seed", 0)
    if "worlds_per_point" not in raw:
        _fail(
            f"{shown}: worlds_per_point: expected a whole number >= 1 (worlds simulated at each design "
            f"point), found nothing"
        )
    wpp = _whole(raw["worlds_per_point"], f"{shown}: worlds_per_point", 1)
    spec = _design(raw.get("design"), shown)
    table = raw.get("factors")
    if table is None or (isinstance(table, dict) and not table):
        _fail(
            f'{shown}: factors: expected at least one factor table, e.g. [factors."context.us_pressure"], '
            f"found {'nothing' if table is None else 'an empty table'}"
        )
    if not isinstance(table, dict):
        _fail(f'{shown}: factors: expected tables [factors."<scenario key>"], found {_fmt(table)}')
    factors = tuple(_factor(k, v, shown, scenario, spec.kind) for k, v in _flatten_factors(table, shown).items())
    _check_sobol_points(spec, len(factors), f"{shown}: design")
    n_points = design_points(spec, factors)
    if n_points > MAX_POINTS:
        what = "design.points" if spec.kind != "grid" else "factors"
        _fail(f"{shown}: {what}: expected at most {MAX_POINTS:,} design points, found {n_points:,}")
    _check_weights(scenario, factors, shown)
    _check_relations(scenario, factors, shown)
    exp = Experiment(
        path=path,
        scenario=scenario,
        scenario_ref=ref,
        seed=file_seed,
        worlds_per_point=wpp,
        factors=factors,
        design=spec,
        name=raw.get("name", path.stem),
        description=raw.get("description", ""),
    )
    if worlds_per_point is not None:
        exp = exp.with_worlds_per_point(worlds_per_point)
    else:
        _check_size(exp, f"{shown}: worlds_per_point")
    return exp.with_seed(seed) if seed is not None else exp


def _check_size(exp: Experiment, what: str) -> None:
    """Refuse a design whose worlds cannot finish (:func:`trucesim.run.chunks.check_size`), in one line."""
    try:
        check_size(exp.worlds, 1, f"{what} ({exp.n_points:,} points x {exp.worlds_per_point:,} worlds)")
    except SizeError as e:
        raise ExperimentError(str(e)) from None


def _check_weights(scenario: Scenario, factors, shown: str) -> None:
    """Refuse factors whose levels or range can leave a side with all its weights zero (NaN utilities).

    A weight counts as possibly zero if its factor reaches 0 or, unswept, the scenario's value or
    distribution can be 0 (a conservative check: a design need not combine every extreme).
    """
    swept = {f.key: f for f in factors}
    for a in scenario.actors_of("government") + scenario.actors_of("armed_group"):
        keys = [f"actors.{a}.weights.{t}" for t in TERM_NAMES]
        mine = [k for k in keys if k in swept]
        if not mine:
            continue  # the scenario's own check covers it
        least = {}
        for k in keys:
            if k in swept:
                f = swept[k]
                least[k] = min(f.levels if f.levels is not None else f.range)
            else:
                v = scenario.values[k]
                least[k] = v.support()[0] if isinstance(v, Dist) else v
        if all(x <= 0 for x in least.values()):
            named = ", ".join(f'factors."{k}"' for k in mine)
            _fail(
                f"{shown}: {named}: expected levels or a range that leave actors.{a} at least one positive "
                f"weight, found a sweep that can set all of actors.{a}.weights to 0 (a side with no weight "
                f"cannot value any terms)"
            )


def _check_relations(scenario: Scenario, factors, shown: str) -> None:
    """Relations between keys (dead <= held hostages, min <= max days...) across the factors' extremes."""
    values = dict(scenario.values)
    for f in factors:
        vals = f.levels if f.levels is not None else f.range
        values[f.key] = Dist("uniform", {"low": float(min(vals)), "high": float(max(vals))})
    try:
        check_consistency(replace(scenario, values=values), f"{shown}: factors")
    except ScenarioError as e:
        raise ExperimentError(str(e)) from None


def describe(experiment: Experiment) -> str:
    """A few lines on an experiment's design, for ``--dry-run`` and logs."""
    d = experiment.design
    lines = [
        f"experiment {experiment.path}: scenario {experiment.scenario_ref}, seed {experiment.seed}",
        f"  design: {d.kind}"
        + (
            f", {d.points} base points (Saltelli: N x (d + 2))"
            if d.saltelli
            else f", {d.points} points"
            if d.points
            else ""
        ),
        "  factors:",
    ]
    for f in experiment.factors:
        if f.levels is not None:
            vals = "levels " + ", ".join(f"{v:g}" for v in f.levels)
        else:
            assert f.range is not None, "a factor without levels has a range"
            vals = f"range {f.range[0]:g}..{f.range[1]:g}" + (f" in {f.steps} steps" if f.steps else "")
        lines.append(f"    {f.key:<48} {vals}{' (whole numbers)' if f.integer else ''}")
    lines.append(
        f"  {experiment.n_points:,} points x {experiment.worlds_per_point:,} worlds = {experiment.worlds:,} worlds"
    )
    return "\n".join(lines)

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
out for Saltelli/Sobol' sensitivity indices, see :func:`build_design`.

The worlds of an experiment have a flat index ``world = point *
worlds_per_point + replicate``; they are simulated in fixed chunks of
``chunk_worlds`` consecutive worlds, chunk ``k`` with the random stream
:func:`trucesim.run.simulate.chunk_rng(seed, k) <trucesim.run.simulate.chunk_rng>`.
So a dataset depends only on the experiment, the seed and the chunk size:
never on the backend, the number of workers, the order chunks finish in or an
interruption.

Examples
--------
>>> exp = load_experiment("experiments/prisoners-vs-us-pressure.toml")   # doctest: +SKIP
>>> design = build_design(exp)                                            # doctest: +SKIP
>>> design.matrix.shape                                                   # doctest: +SKIP
(100, 2)
>>> result = sweep(exp, "results/prisoners", workers=2)                   # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import itertools
import json
import math
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config import scenario as _scenario_mod
from trucesim.config.distributions import Dist
from trucesim.config.scenario import Scenario, ScenarioError, _suggest, load_scenario, numeric_keys, param_for

DESIGN_KINDS = ("grid", "sobol", "lhs", "halton")
SAMPLED_KINDS = ("sobol", "lhs", "halton")
TOP_KEYS = ("name", "description", "scenario", "seed", "worlds_per_point", "design", "factors")
DESIGN_KEYS = ("kind", "points", "seed", "scramble", "saltelli")
FACTOR_KEYS = ("levels", "range", "steps", "integer", "source")
#: the most design points an experiment may have (the design matrix lives in the manifest)
MAX_POINTS = 1_000_000
#: default worlds per chunk: large enough that a chunk's fixed cost (about 0.15 s of Mesa set-up and
#: per-day overhead) is small next to its 1-2 s of work, small enough
#: that an interruption loses little and the progress bar moves
DEFAULT_CHUNK_WORLDS = 50_000


class ExperimentError(ValueError):
    """An experiment file that cannot be used; ``str(err)`` is one line: file, key, expected, found."""


# --------------------------------------------------------------------------- factors and designs
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
        x = np.linspace(self.range[0], self.range[1], self.steps)
        return np.round(x) if self.integer else x

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map uniform ``[0, 1)`` draws onto the factor: the range (scaled), or the levels (equally likely)."""
        u = np.asarray(u, dtype=float)
        if self.levels is not None:
            idx = np.minimum(np.floor(u * len(self.levels)).astype(np.int64), len(self.levels) - 1)
            return np.array(self.levels, dtype=float)[idx]
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
            d["range"] = list(self.range)
            if self.steps is not None:
                d["steps"] = self.steps
        d["integer"] = self.integer
        if self.source is not None:
            d["source"] = self.source
        return d


@dataclass(frozen=True)
class DesignSpec:
    """The ``[design]`` table as written: kind, points (sampled kinds), seed, scramble, saltelli."""

    kind: str = "grid"
    points: int | None = None
    seed: int | None = None
    scramble: bool = True
    saltelli: bool = False


@dataclass(frozen=True)
class Design:
    """A built design: one row of factor values per design point.

    ``blocks`` is ``None`` except for a Saltelli design, where it records which
    rows are the matrices A, B and each AB_i (half-open ``[start, stop)`` row
    ranges, see :func:`build_design`).
    """

    kind: str
    factors: tuple[str, ...]
    matrix: np.ndarray
    seed: int | None = None
    scramble: bool | None = None
    blocks: dict | None = None

    @property
    def points(self) -> int:
        return int(self.matrix.shape[0])

    def to_dict(self) -> dict:
        """The design as recorded in ``manifest.json`` (the matrix row by row)."""
        return {
            "kind": self.kind,
            "points": self.points,
            "factors": list(self.factors),
            "seed": self.seed,
            "scramble": self.scramble,
            "saltelli": self.blocks,
            "matrix": self.matrix.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Design:
        matrix = np.array(d["matrix"], dtype=float).reshape(d["points"], len(d["factors"]))
        return cls(kind=d["kind"], factors=tuple(d["factors"]), matrix=matrix, seed=d.get("seed"),
                   scramble=d.get("scramble"), blocks=d.get("saltelli"))


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

    @property
    def factor_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    @property
    def n_points(self) -> int:
        """Design points, known without building the design."""
        return _n_points(self.design, self.factors)

    @property
    def worlds(self) -> int:
        return self.n_points * self.worlds_per_point

    def with_seed(self, seed: int) -> Experiment:
        """The same experiment under another root seed (as ``--seed`` gives)."""
        return replace(self, seed=int(seed), seed_option=int(seed))

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
            "factors": {f.key: f.to_dict() for f in self.factors},
            "design": {"kind": d.kind, "points": d.points, "seed": self.design_seed,
                       "scramble": d.scramble if d.kind in SAMPLED_KINDS else None,
                       "saltelli": d.saltelli},
        }

    @property
    def design_seed(self) -> int | None:
        """The seed of the design's scrambling (sampled kinds): ``[design] seed``, else the root seed."""
        if self.design.kind == "grid":
            return None
        return self.design.seed if self.design.seed is not None else self.seed


def _n_points(spec: DesignSpec, factors) -> int:
    if spec.kind == "grid":
        return math.prod(len(f.levels) if f.levels is not None else f.steps for f in factors)
    if spec.saltelli:
        return spec.points * (len(factors) + 2)
    return spec.points


def _qmc_engine(kind: str, d: int, scramble: bool, seed: int):
    from scipy.stats import qmc

    cls = {"sobol": qmc.Sobol, "halton": qmc.Halton, "lhs": qmc.LatinHypercube}[kind]
    rng = np.random.default_rng(seed)
    # scipy >= 1.15 names the generator `rng`; older versions call it `seed`
    kw = "rng" if "rng" in inspect.signature(cls).parameters else "seed"
    return cls(d, scramble=scramble, **{kw: rng})


def build_design(experiment: Experiment) -> Design:
    """The design matrix of an experiment: one row per point, one column per factor.

    * ``grid``: every combination of the factors' grid values, the first
      factor varying slowest (``itertools.product`` order).
    * ``sobol``, ``lhs``, ``halton``: ``points`` rows drawn with
      :mod:`scipy.stats.qmc` (scrambled with ``numpy.random.default_rng(design
      seed)``), mapped onto each factor by :meth:`Factor.from_unit`.
    * ``sobol`` with ``saltelli = true``: the scheme of
      :func:`scipy.stats.sobol_indices` (Saltelli 2010).  One scrambled Sobol'
      sequence of ``2d`` dimensions and ``N = points`` rows gives A (its first
      ``d`` columns) and B (the last ``d``); AB_i is A with column ``i`` taken
      from B.  Rows ``[0, N)`` are A, ``[N, 2N)`` are B and
      ``[(2+i)N, (3+i)N)`` are AB_i: ``N (d + 2)`` points in all, recorded in
      :attr:`Design.blocks`.  With ``f`` the per-point output (e.g. ``p_deal``)
      ordered by point id, ``scipy.stats.sobol_indices(func={"f_A": f[A],
      "f_B": f[B], "f_AB": f[AB].reshape(d, 1, N)}, n=N)`` gives the indices.

    Examples
    --------
    >>> exp = load_experiment("experiments/sobol-main.toml")   # doctest: +SKIP
    >>> d = build_design(exp)                                   # doctest: +SKIP
    >>> d.blocks["A"], d.blocks["B"]                            # doctest: +SKIP
    ([0, 512], [512, 1024])
    """
    factors = experiment.factors
    keys = experiment.factor_keys
    spec = experiment.design
    d = len(factors)
    if spec.kind == "grid":
        rows = list(itertools.product(*(f.grid_values() for f in factors)))
        return Design("grid", keys, np.array(rows, dtype=float).reshape(len(rows), d))
    seed = experiment.design_seed
    blocks = None
    if spec.kind == "sobol" and spec.saltelli:
        n = spec.points
        ab = _qmc_engine("sobol", 2 * d, spec.scramble, seed).random_base2(int(math.log2(n)))
        a, b = ab[:, :d], ab[:, d:]
        pages = [a, b]
        for i in range(d):
            page = a.copy()
            page[:, i] = b[:, i]
            pages.append(page)
        u = np.vstack(pages)
        blocks = {"n": n, "A": [0, n], "B": [n, 2 * n],
                  "AB": {k: [(2 + i) * n, (3 + i) * n] for i, k in enumerate(keys)},
                  "scheme": "Saltelli 2010 as in scipy.stats.sobol_indices: AB_i is A with column i from B"}
    elif spec.kind == "sobol":
        u = _qmc_engine("sobol", d, spec.scramble, seed).random_base2(int(math.log2(spec.points)))
    else:
        u = _qmc_engine(spec.kind, d, spec.scramble, seed).random(spec.points)
    matrix = np.column_stack([f.from_unit(u[:, j]) for j, f in enumerate(factors)]) if d else u
    return Design(spec.kind, keys, matrix, seed=seed, scramble=spec.scramble, blocks=blocks)


# --------------------------------------------------------------------------- reading files
def _fail(msg: str):
    raise ExperimentError(msg)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _fmt(v) -> str:
    return f"{v:g}" if _is_number(v) else repr(v)


def _read(path: Path, shown: str) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        _fail(f"{shown}: file not found")
    except IsADirectoryError:
        _fail(f"{shown}: expected an experiment file (TOML), found a directory")
    except tomllib.TOMLDecodeError as e:
        _fail(f"{shown}: invalid TOML: {e}")
    except UnicodeDecodeError as e:
        _fail(f"{shown}: expected a UTF-8 text file, found a byte it cannot decode at position {e.start}")
    except OSError as e:
        _fail(f"{shown}: cannot read: {e.strerror}")


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


def _flatten_factors(table: dict, shown: str, prefix: str = "") -> dict[str, object]:
    """``[factors."a.b"]`` and ``[factors.a.b]`` both name the factor ``a.b``."""
    out: dict[str, object] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and not any(m in v for m in FACTOR_KEYS) \
                and all(isinstance(x, dict) for x in v.values()):
            for k2, v2 in _flatten_factors(v, shown, key + ".").items():
                _add_factor(out, k2, v2, shown)
        else:
            _add_factor(out, key, v, shown)
    return out


def _add_factor(out: dict, key: str, value, shown: str) -> None:
    if key in out:
        _fail(f'{shown}: factors."{key}": expected one table per factor, found two (written both as '
              f'[factors."{key}"] and [factors.{key}])')
    out[key] = value


def _factor(key: str, raw, shown: str, scenario: Scenario, kind: str) -> Factor:
    where = f'{shown}: factors."{key}"'
    candidates = numeric_keys(scenario.actors)
    try:
        p = param_for(key, scenario.actors)
    except KeyError:
        _fail(f"{where}: expected a numeric key of scenario {scenario.path}, found unknown key {key!r}"
              f"{_suggest(key, candidates)}")
    if not p.per_world:
        _fail(f"{where}: expected a parameter that may differ between worlds, found {key}, which sets "
              f"the calendar of every world; change it in the scenario file instead")
    if not isinstance(raw, dict):
        _fail(f"{where}: expected a table with levels = [...] or range = [low, high], found {_fmt(raw)}")
    for k in raw:
        if k not in FACTOR_KEYS:
            _fail(f"{where}.{k}: unknown key{_suggest(k, FACTOR_KEYS)} (expected one of {', '.join(FACTOR_KEYS)})")
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
        _fail(f"{where}.range: expected a range with low < high, found an empty range [{lo:g}, {hi:g}] "
              f"(for one value write levels = [{lo:g}])")
    steps = None
    if kind == "grid":
        if "steps" not in raw:
            _fail(f"{where}.steps: expected a number of steps >= 2 (a grid spaces them evenly over the range, "
                  f"both ends included), found nothing")
        steps = _whole(raw["steps"], f"{where}.steps", 2)
        if integer and steps > hi - lo + 1:
            _fail(f"{where}.steps: expected at most {int(hi - lo + 1)} steps for whole numbers in "
                  f"[{lo:g}, {hi:g}], found {steps}")
    elif "steps" in raw:
        _fail(f"{where}.steps: expected no steps with kind = \"{kind}\" (the design draws the points' values "
              f"over the range), found steps = {_fmt(raw['steps'])}")
    return Factor(key, range=(lo, hi), steps=steps, integer=integer, source=source)


def _design(raw, shown: str) -> DesignSpec:
    where = f"{shown}: design"
    if raw is None:
        return DesignSpec()
    if not isinstance(raw, dict):
        _fail(f"{where}: expected a table [design] with kind = {' | '.join(DESIGN_KINDS)}, found {_fmt(raw)}")
    for k in raw:
        if k not in DESIGN_KEYS:
            _fail(f"{where}.{k}: unknown key{_suggest(k, DESIGN_KEYS)} (expected one of {', '.join(DESIGN_KEYS)})")
    kind = raw.get("kind", "grid")
    if kind not in DESIGN_KINDS:
        _fail(f"{where}.kind: expected one of {', '.join(DESIGN_KINDS)}, found {_fmt(kind)}"
              f"{_suggest(str(kind), DESIGN_KINDS)}")
    points = None
    if kind == "grid":
        for k in ("points", "seed", "scramble", "saltelli"):
            if k in raw:
                _fail(f"{where}.{k}: expected no {k} in a grid design (its points are every combination of "
                      f"the factors' levels or steps), found {k} = {_fmt(raw[k])}")
        return DesignSpec("grid")
    if "points" not in raw:
        _fail(f"{where}.points: expected the number of points of the {kind} design, found nothing")
    points = _whole(raw["points"], f"{where}.points", 1)
    saltelli = _bool(raw.get("saltelli", False), f"{where}.saltelli")
    if saltelli and kind != "sobol":
        _fail(f"{where}.saltelli: expected saltelli only with kind = \"sobol\", found it with kind = \"{kind}\"")
    if kind == "sobol" and points & (points - 1):
        lower = 1 << (points.bit_length() - 1)
        _fail(f"{where}.points: expected a power of two for a Sobol design (its balance properties need it: "
              f"e.g. {lower} or {lower * 2}), found {points}")
    seed = raw.get("seed")
    if seed is not None:
        seed = _whole(seed, f"{where}.seed", 0)
    scramble = _bool(raw.get("scramble", True), f"{where}.scramble")
    return DesignSpec(kind, points, seed, scramble, saltelli)


def load_experiment(path: str | Path, seed: int | None = None) -> Experiment:
    """Read and validate an experiment file.

    ``seed`` (as ``--seed`` gives) overrides the file's ``seed``.

    Raises
    ------
    ExperimentError
        One line: ``FILE: KEY: expected ..., found ...``.
    ScenarioError
        The scenario the experiment names is itself invalid.
    """
    path = Path(path)
    shown = str(path)
    raw = _read(path, shown)
    for k in raw:
        if k not in TOP_KEYS:
            _fail(f"{shown}: {k}: unknown key{_suggest(k, TOP_KEYS)} (expected one of {', '.join(TOP_KEYS)})")
    for k in ("name", "description"):
        if k in raw and not isinstance(raw[k], str):
            _fail(f"{shown}: {k}: expected a string, found {_fmt(raw[k])}")
    if "scenario" not in raw:
        _fail(f'{shown}: scenario: expected a scenario file (e.g. scenario = "../scenarios/april-2024.toml"), '
              f"found nothing")
    ref = raw["scenario"]
    if not isinstance(ref, str) or not ref:
        _fail(f"{shown}: scenario: expected a path to a scenario file (a string), found {_fmt(ref)}")
    scen_path = path.parent / ref
    if not scen_path.is_file():
        _fail(f"{shown}: scenario: expected a scenario file (a path relative to the experiment file), "
              f"found {ref!r}, which {'is a directory' if scen_path.is_dir() else 'does not exist'} "
              f"({scen_path})")
    scenario = load_scenario(scen_path)
    file_seed = _whole(raw.get("seed", 0), f"{shown}: seed", 0)
    if "worlds_per_point" not in raw:
        _fail(f"{shown}: worlds_per_point: expected a whole number >= 1 (worlds simulated at each design "
              f"point), found nothing")
    wpp = _whole(raw["worlds_per_point"], f"{shown}: worlds_per_point", 1)
    spec = _design(raw.get("design"), shown)
    table = raw.get("factors")
    if table is None or (isinstance(table, dict) and not table):
        _fail(f'{shown}: factors: expected at least one factor table, e.g. [factors."context.us_pressure"], '
              f"found {'nothing' if table is None else 'an empty table'}")
    if not isinstance(table, dict):
        _fail(f'{shown}: factors: expected tables [factors."<scenario key>"], found {_fmt(table)}')
    factors = tuple(_factor(k, v, shown, scenario, spec.kind)
                    for k, v in _flatten_factors(table, shown).items())
    n_points = _n_points(spec, factors)
    if n_points > MAX_POINTS:
        what = "design.points" if spec.kind != "grid" else "factors"
        _fail(f"{shown}: {what}: expected at most {MAX_POINTS:,} design points, found {n_points:,}")
    _check_relations(scenario, factors, shown)
    exp = Experiment(path=path, scenario=scenario, scenario_ref=ref, seed=file_seed, worlds_per_point=wpp,
                     factors=factors, design=spec, name=raw.get("name", path.stem),
                     description=raw.get("description", ""))
    return exp.with_seed(seed) if seed is not None else exp


def _check_relations(scenario: Scenario, factors, shown: str) -> None:
    """Relations between keys (dead <= held hostages, min <= max days...) across the factors' extremes."""
    check = getattr(_scenario_mod, "_check_consistency", None)
    if check is None:
        return
    values = dict(scenario.values)
    for f in factors:
        vals = f.levels if f.levels is not None else f.range
        values[f.key] = Dist("uniform", {"low": float(min(vals)), "high": float(max(vals))})
    try:
        check(replace(scenario, values=values), f"{shown}: factors")
    except ScenarioError as e:
        raise ExperimentError(str(e)) from None


# --------------------------------------------------------------------------- chunks
def chunk_bounds(worlds: int, chunk_worlds: int) -> list[tuple[int, int, int]]:
    """``(chunk, first world, end world)`` of every chunk over ``worlds`` worlds.

    Examples
    --------
    >>> chunk_bounds(25, 10)
    [(0, 0, 10), (1, 10, 20), (2, 20, 25)]
    """
    return [(k, s, min(s + chunk_worlds, worlds)) for k, s in enumerate(range(0, worlds, chunk_worlds))]


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to simulate one chunk: self-contained and small to send.

    ``rows`` are the design rows of points ``start // worlds_per_point`` to
    ``(stop - 1) // worlds_per_point``.
    """

    scenario: Scenario
    seed: int
    chunk: int
    start: int
    stop: int
    worlds_per_point: int
    factors: tuple[str, ...]
    rows: np.ndarray

    def run(self) -> pd.DataFrame:
        """Simulate the chunk: one row per world (point, replicate, factors, outcomes)."""
        from trucesim.run.outcomes import outcome_table
        from trucesim.run.simulate import run_chunk

        n = self.stop - self.start
        world = np.arange(self.start, self.stop, dtype=np.int64)
        point = world // self.worlds_per_point
        values = self.rows[point - point[0]]
        overrides = {k: np.ascontiguousarray(values[:, j]) for j, k in enumerate(self.factors)}
        # the model gets its own copies: the columns show the design whatever the model does with them
        model = run_chunk(self.scenario, self.seed, self.chunk, n, {k: v.copy() for k, v in overrides.items()})
        table = outcome_table(model, world_offset=self.start)
        cols: dict[str, object] = {"point": point, "replicate": world - point * self.worlds_per_point}
        cols.update(overrides)
        for c in table.columns:
            if c not in cols:
                cols[c] = table[c].to_numpy() if not isinstance(table[c].dtype, pd.CategoricalDtype) \
                    else table[c].array
        return pd.DataFrame(cols)


def chunk_tasks(experiment: Experiment, design: Design, chunk_worlds: int,
                chunks: list[tuple[int, int, int]]) -> Iterator[ChunkTask]:
    """The tasks of the given chunks, built lazily."""
    wpp = experiment.worlds_per_point
    for k, start, stop in chunks:
        p0, p1 = start // wpp, (stop - 1) // wpp
        yield ChunkTask(experiment.scenario, experiment.seed, k, start, stop, wpp,
                        design.factors, design.matrix[p0:p1 + 1].copy())


# --------------------------------------------------------------------------- sweeps
class ChunkError(RuntimeError):
    """A chunk that raised: ``str(err)`` is one line with the chunk, its worlds and the cause."""

    def __init__(self, message: str, chunk: int, cause: str):
        super().__init__(message)
        self.chunk = chunk
        self.cause = cause


@dataclass
class SweepResult:
    """What a finished sweep produced."""

    out: Path
    points: pd.DataFrame
    worlds: int
    chunks: int
    chunks_run: int
    seconds: float
    backend: str
    workers: int


@dataclass
class SweepPlan:
    """A sweep ready to run: its store (created or reopened), design and the chunks still to do."""

    experiment: Experiment
    design: Design
    store: object  # trucesim.sweep.store.Store
    chunk_worlds: int
    pending: list[tuple[int, int, int]]
    chunks: int
    resumed: bool
    worlds_done: int = 0
    seconds: float = field(default=0.0)

    @property
    def worlds(self) -> int:
        return self.design.points * self.experiment.worlds_per_point

    def run(self, executor, progress: Callable[[int], None] | None = None) -> SweepResult:
        """Simulate the pending chunks on ``executor`` and write ``points.parquet``.

        ``progress(worlds)`` is called as each chunk is written.  A chunk that
        raises stops the sweep with :class:`ChunkError`; the parts written stay.
        """
        store = self.store
        bounds = {k: (s, e) for k, s, e in self.pending}
        t0 = time.perf_counter()
        done = 0
        store.clear_error()
        for res in executor.map(chunk_tasks(self.experiment, self.design, self.chunk_worlds, self.pending)):
            if res.error is not None:
                s, e = bounds[res.chunk]
                wpp = self.experiment.worlds_per_point
                log = store.write_error(res.chunk, s, e, res.error, res.traceback)
                written = len(store.done_chunks(clean=False))
                raise ChunkError(
                    f"chunk {res.chunk} (worlds {s}-{e - 1}, points {s // wpp}-{(e - 1) // wpp}) failed: "
                    f"{res.error}; the {written} chunk(s) already written stay in {store.root}"
                    f" (traceback in {log}); fix the cause, then run again with --resume",
                    res.chunk, res.error)
            store.write_part(res.chunk, res.data)
            done += 1
            if progress is not None:
                progress(res.rows)
        points = store.write_points()
        store.clear_error()
        self.seconds = time.perf_counter() - t0
        return SweepResult(out=store.root, points=points, worlds=self.worlds, chunks=self.chunks,
                           chunks_run=done, seconds=self.seconds, backend=executor.name,
                           workers=executor.workers)


def plan_sweep(experiment: Experiment | str | Path, out: str | Path, *, resume: bool = False,
               chunk_worlds: int | None = None) -> SweepPlan:
    """Create (or, with ``resume``, reopen) the results directory ``out`` and list the chunks to run.

    On resume the experiment must be the one recorded in ``out/manifest.json``
    (scenario values, factors, design, seed, chunk size, trucesim version);
    a seed or chunk size not given explicitly is taken from the manifest.
    A directory that does not exist yet is created, with or without ``resume``.

    Raises
    ------
    StoreError
        ``out`` exists without ``resume``, or holds a different experiment.
    """
    from trucesim.sweep import store as st

    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    out = Path(out)
    existing = st.Store.exists(out)
    if resume and existing:
        old = st.read_manifest(out)
        if experiment.seed_option is None and old.get("experiment", {}).get("seed_option") is not None:
            experiment = experiment.with_seed(old["experiment"]["seed_option"])
        if chunk_worlds is None:
            chunk_worlds = old.get("chunk_worlds")
    chunk_worlds = int(chunk_worlds or DEFAULT_CHUNK_WORLDS)
    if chunk_worlds < 1:
        raise ExperimentError(f"chunk_worlds: expected a whole number >= 1, found {chunk_worlds}")
    if resume and existing:
        store = st.Store.open(out)
        st.check_same_experiment(store.manifest, st.make_manifest(experiment, None, chunk_worlds), out,
                                 experiment.path)
        design = Design.from_dict(store.manifest["design"])
    else:
        design = build_design(experiment)
        store = st.Store.create(out, st.make_manifest(experiment, design, chunk_worlds))
    worlds = design.points * experiment.worlds_per_point
    bounds = chunk_bounds(worlds, chunk_worlds)
    done = store.done_chunks(clean=True)
    pending = [b for b in bounds if b[0] not in done]
    worlds_done = sum(e - s for k, s, e in bounds if k in done)
    return SweepPlan(experiment, design, store, chunk_worlds, pending, len(bounds),
                     resumed=bool(resume and existing), worlds_done=worlds_done)


def sweep(experiment: Experiment | str | Path, out: str | Path, *, workers: int | None = None,
          scheduler: str | None = None, resume: bool = False, chunk_worlds: int | None = None,
          progress: Callable[[int], None] | None = None) -> SweepResult:
    """Run an experiment into the results directory ``out``; return its per-point summary.

    ``workers``: processes on this machine (default: all cores; 1 runs in this
    process).  ``scheduler``: ``"local"`` for a Dask LocalCluster of
    ``workers`` processes, or the address of a running Dask scheduler
    (``"tcp://host:8786"``).  See :func:`plan_sweep` for ``resume`` and
    ``chunk_worlds``.

    Examples
    --------
    >>> r = sweep("experiments/prisoners-vs-us-pressure.toml", "results/p", workers=2)  # doctest: +SKIP
    >>> r.points.nlargest(3, "p_deal")                                                   # doctest: +SKIP
    """
    from trucesim.run.executors import make_executor

    plan = plan_sweep(experiment, out, resume=resume, chunk_worlds=chunk_worlds)
    with make_executor(workers=workers, scheduler=scheduler) as ex:
        return plan.run(ex, progress)


def describe(experiment: Experiment) -> str:
    """A few lines on an experiment's design, for ``--dry-run`` and logs."""
    d = experiment.design
    lines = [f"experiment {experiment.path}: scenario {experiment.scenario_ref}, seed {experiment.seed}",
             f"  design: {d.kind}" + (f", {d.points} base points (Saltelli: N x (d + 2))" if d.saltelli
                                      else f", {d.points} points" if d.points else ""),
             "  factors:"]
    for f in experiment.factors:
        if f.levels is not None:
            vals = "levels " + ", ".join(f"{v:g}" for v in f.levels)
        else:
            vals = f"range {f.range[0]:g}..{f.range[1]:g}" + (f" in {f.steps} steps" if f.steps else "")
        lines.append(f"    {f.key:<48} {vals}{' (whole numbers)' if f.integer else ''}")
    lines.append(f"  {experiment.n_points:,} points x {experiment.worlds_per_point:,} worlds = "
                 f"{experiment.worlds:,} worlds")
    return "\n".join(lines)


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


def to_json(obj) -> str:
    """JSON of manifest-like objects (numpy numbers and paths allowed)."""
    return json.dumps(obj, indent=1, default=_json_default, allow_nan=False)

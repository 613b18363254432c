"""Calibration files (TOML): which assumption values to fit, to which rounds, with which priors.

A calibration file names the rounds to fit jointly, the scenario whose uncertainty
tables are the priors, the keys to fit (each must have an uncertainty table there, or
in the file's own ``[prior]`` table), the distance and the size of the fit::

    description = "Structural values fitted to the four calibration rounds"
    rounds = ["november-2023", "april-2024", "august-2024", "june-2025"]
    priors = "april-2024-uncertain"          # a shipped scenario, or a path from this file
    fit = ["actors.hamas.patience", "actors.israel.sensitivity_us"]
    method = "smc"                           # smc (pyabc's ABC-SMC) | table (rejection on a reference table)
    distance = "brier"                       # brier | absolute | log
    population = 100                         # particles per generation (smc); particles kept (table)
    generations = 6                          # at most (smc)
    table = 20000                            # draws from the prior, each simulated once (table)
    refine = 0                               # draws of a second stage near those kept (table; 0: none)
    worlds = 300                             # worlds per round and particle
    min_epsilon = 0.0                        # stop once the tolerance is this low

    [prior]                                  # uncertainty tables for keys the priors lack
    "actors.israel.sensitivity_us" = { dist = "uniform", low = 0.1, high = 0.8, source = "assumption" }

    [quick]                                  # the --quick preset: any of the sizes
    population = 16

    [validate]                               # trucesim validate: each fold's fit (any of the sizes), and
    population = 50                          # the worlds that simulate the left-out round
    predictive_worlds = 4000

    [validate.quick]                         # trucesim validate --quick (over the [quick] sizes)
    predictive_worlds = 1000

A fitted value is shared by every round: fit structural values (sensitivities,
credibilities, patience) rather than the context of one moment.

Examples
--------
>>> spec = load_calibration("calibration/joint.toml")     # doctest: +SKIP
>>> spec.fit[:1]                                           # doctest: +SKIP
['actors.hamas.patience']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NoReturn

from trucesim.config.distributions import Dist, DistributionError, parse_dist
from trucesim.config.limits import MOST_WORLDS
from trucesim.config.observed import Observed
from trucesim.config.scenario import Scenario, ScenarioError, load_scenario
from trucesim.config.shipped import locate, resolve, shipped
from trucesim.config.tomlio import cut, printable, read_toml, shown_value, suggest

#: how a particle's simulated shares are compared with what happened (each fact's share p, per round)
DISTANCES = {
    "brier": "mean of (1 - p)^2 over a round's facts, then over rounds",
    "absolute": "mean of 1 - p over a round's facts, then over rounds",
    "log": "mean of -ln p (p floored at half a world) over a round's facts, then over rounds",
}
#: how a fit finds the values that reproduce the rounds
METHODS = {
    "smc": "ABC-SMC (pyabc): generations of particles narrow the tolerance",
    "table": "ABC rejection on a reference table: prior draws simulated once, the nearest kept",
}
#: the sizes a calibration file (and its ``[quick]`` table) may set, each with its least value; ``refine`` (0: none)
#: is the draws of a second stage after a reference table (:mod:`trucesim.history.refine`)
SIZES = {"population": 2, "generations": 1, "worlds": 1, "table": 2, "refine": 0}
#: the sizes a ``[validate]`` table may set: the fold's fit's, and the worlds of the left-out round
VALIDATE_SIZES = {**SIZES, "predictive_worlds": 1}
#: worlds that simulate a left-out round in ``trucesim validate`` unless ``[validate]`` says otherwise
PREDICTIVE_WORLDS = 4000
TOP = (
    "description",
    "rounds",
    "priors",
    "fit",
    "method",
    "distance",
    "min_epsilon",
    "prior",
    "quick",
    "validate",
    *SIZES,
)


class CalibrationError(ValueError):
    """A calibration file that cannot be used; ``str(err)`` is one line for the user."""


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file: the rounds (loaded), the fitted keys and their priors, the sizes."""

    path: Path
    description: str
    rounds: tuple[Scenario, ...]
    fit: tuple[str, ...]
    priors: dict[str, Dist]
    bounds: dict[str, tuple[float, float]]
    distance: str = "brier"
    method: str = "smc"
    population: int = 100
    generations: int = 6
    worlds: int = 300
    min_epsilon: float = 0.0
    table: int = 20_000
    refine: int = 0
    quick: dict[str, int] = field(default_factory=dict)
    predictive_worlds: int = PREDICTIVE_WORLDS
    validate: dict[str, int] = field(default_factory=dict)
    validate_quick: dict[str, int] = field(default_factory=dict)

    def quick_preset(self) -> Calibration:
        """The same fit with the ``[quick]`` sizes (for tests and a first look)."""
        return replace(self, **self.quick)  # type: ignore[arg-type]

    def validate_preset(self, quick: bool = False) -> Calibration:
        """The sizes of ``trucesim validate``: the file's, then ``[validate]``; with ``quick``, the
        ``[quick]`` sizes, then ``[validate.quick]``.

        >>> cal = Calibration(Path("c.toml"), "", (), (), {}, {}, population=200, quick={"population": 16},
        ...                   validate={"population": 60}, validate_quick={"predictive_worlds": 500})
        >>> v, q = cal.validate_preset(), cal.validate_preset(quick=True)
        >>> (v.population, v.predictive_worlds), (q.population, q.predictive_worlds)
        ((60, 4000), (16, 500))
        """
        base = self.quick_preset() if quick else self
        return replace(base, **(self.validate_quick if quick else self.validate))  # type: ignore[arg-type]

    def sizes(self) -> dict:
        """The method and the sizes a fit (or a validation) runs with, as its JSON records them.

        >>> Calibration(Path("c.toml"), "", (), (), {}, {}, method="table", table=4096).sizes()["table"]
        4096
        """
        return {
            "method": self.method,
            "population": self.population,
            **(
                {"table": self.table, "refine": self.refine}
                if self.method == "table"
                else {"generations": self.generations}
            ),
            "worlds": self.worlds,
            "predictive_worlds": self.predictive_worlds,
        }

    def facts(self) -> list[tuple[str, Observed]]:
        """(round name, fact) for every observed fact of every round, in order."""
        return [(r.path.stem, o) for r in self.rounds for o in r.observed]


def _fail(msg: str) -> NoReturn:
    raise CalibrationError(msg)


def _int(v, where: str, least: int) -> int:
    """A size of the file: a whole number from ``least`` up to the most worlds a run may simulate (one
    core-year, :data:`trucesim.config.limits.MOST_WORLDS`): a size past it cannot finish, and failed late (a
    table of 10^15 draws began, a trillion predictive worlds ran out of memory)."""
    if isinstance(v, bool) or not isinstance(v, int) or v < least:
        _fail(f"{where}: expected a whole number >= {least}, found {shown_value(v)}")
    if v > MOST_WORLDS:
        _fail(f"{where}: expected at most {MOST_WORLDS:,} (one core-year of worlds), found {v:,}")
    return int(v)


def _round(name, where: str, base: Path) -> Scenario:
    if not isinstance(name, str) or not name:
        _fail(f"{where}: expected a round's name or path (a string), found {shown_value(name)}")
    path = base / name if (base / name).exists() else resolve(name, "rounds")
    if not path.exists():
        names = [p.stem for p in shipped("rounds")]
        _fail(
            f"{where}: {shown_value(name)}: no such round file{suggest(str(name), names)} (rounds: {', '.join(names)})"
        )
    try:
        scenario = load_scenario(path)
    except ScenarioError as e:
        raise CalibrationError(str(e)) from None
    if not scenario.observed:
        _fail(
            f"{printable(str(path))}: observed: expected a table [observed] of what happened (a round file), found none"
        )
    return scenario


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file, a path or a shipped calibration's name (``"joint"``);
    raise :class:`CalibrationError` (one line) on any problem."""
    path = locate(path, "calibrations", CalibrationError, listed=True)  # a path wins over a shipped name
    shown = printable(str(path))
    raw = read_toml(path, shown, what="a calibration file (TOML)", error=CalibrationError)
    for k in raw:
        if k not in TOP:
            _fail(f"{shown}: unknown key {shown_value(k)}{suggest(k, TOP)}")
    for k in ("rounds", "priors", "fit"):
        if k not in raw:
            _fail(f"{shown}: {k}: missing required key")
    description = raw.get("description", "")
    if not isinstance(description, str):
        _fail(f"{shown}: description: expected a string, found {shown_value(description)}")
    if not isinstance(raw["rounds"], list) or not raw["rounds"]:
        _fail(f"{shown}: rounds: expected a list of round names or paths, found {shown_value(raw['rounds'])}")
    rounds = tuple(_round(r, f"{shown}: rounds", path.parent) for r in raw["rounds"])
    stems = [r.path.stem for r in rounds]
    if len(set(stems)) != len(stems):
        _fail(f"{shown}: rounds: expected each round once, found {shown_value(raw['rounds'])}")
    priors_name = raw["priors"]
    if not isinstance(priors_name, str):
        _fail(f"{shown}: priors: expected a scenario name or path (a string), found {shown_value(priors_name)}")
    local = path.parent / priors_name
    try:
        base = load_scenario(local if local.exists() else priors_name)
    except ScenarioError as e:
        raise CalibrationError(f"{shown}: priors: {e}") from None
    fit = raw["fit"]
    if not isinstance(fit, list) or not fit or not all(isinstance(k, str) for k in fit):
        _fail(f"{shown}: fit: expected a list of keys to fit (strings), found {shown_value(fit)}")
    if len(set(fit)) != len(fit):
        _fail(f"{shown}: fit: expected each key once, found {shown_value(fit)}")
    for key in fit:  # before [prior] is held to fit: a misspelt fit key is named, not the prior's right one
        if key not in base.values:
            _fail(f"{shown}: fit: {shown_value(key)}: unknown key{suggest(key, base.values)}")
    extra = raw.get("prior", {})
    if not isinstance(extra, dict):
        _fail(f"{shown}: prior: expected a table of uncertainty tables, found {shown_value(extra)}")
    for k in extra:
        if k not in fit:
            _fail(f"{shown}: prior.{cut(k)}: expected a key listed in fit, found one that is not{suggest(k, fit)}")
    priors: dict[str, Dist] = {}
    bounds: dict[str, tuple[float, float]] = {}
    for key in fit:
        spec = base.spec(key)
        if not spec.per_world:
            _fail(
                f"{shown}: fit: {key}: expected a value that can differ between worlds, found one that sets the calendar"
            )
        for r in rounds:
            if key not in r.values:
                _fail(f"{shown}: fit: {key}: expected a key every round has, found none in {printable(str(r.path))}")
        bounds[key] = (spec.low, spec.high)
        if key in extra:
            table = extra[key]
            if not isinstance(table, dict) or "dist" not in table:
                _fail(
                    f"{shown}: prior.{cut(key)}: expected an uncertainty table {{ dist = .. }}, found {shown_value(table)}"
                )
            try:
                priors[key] = parse_dist({k: v for k, v in table.items() if k != "source"}, bounds[key])
            except DistributionError as e:
                _fail(f"{shown}: prior.{cut(key)}: {e}")
            continue
        v = base.values[key]
        if not isinstance(v, Dist):
            _fail(
                f"{shown}: fit: {key}: expected an uncertainty table in {printable(str(base.path))} or in [prior], "
                f"found the fixed value {v:g}"
            )
        priors[key] = v
    method = raw.get("method", "smc")
    if method not in METHODS:
        _fail(f"{shown}: method: expected one of {', '.join(METHODS)}, found {shown_value(method)}")
    distance = raw.get("distance", "brier")
    if distance not in DISTANCES:
        _fail(f"{shown}: distance: expected one of {', '.join(DISTANCES)}, found {shown_value(distance)}")
    sizes = {k: _int(raw[k], f"{shown}: {k}", least) for k, least in SIZES.items() if k in raw}
    min_eps = raw.get("min_epsilon", 0.0)
    if isinstance(min_eps, bool) or not isinstance(min_eps, (int, float)) or not math.isfinite(min_eps) or min_eps < 0:
        _fail(f"{shown}: min_epsilon: expected a number >= 0, found {shown_value(min_eps)}")
    quick_sizes = _sizes(raw.get("quick", {}), f"{shown}: quick", SIZES)
    validate, validate_quick = _validate_table(raw.get("validate", {}), shown)
    if method != "table":
        for where, table in (
            ("", sizes),
            ("quick.", quick_sizes),
            ("validate.", validate),
            ("validate.quick.", validate_quick),
        ):
            if table.get("refine"):
                _fail(f'{shown}: {where}refine: a second stage after a reference table, so only with method = "table"')
    else:
        _check_population(shown, sizes, quick_sizes, validate, validate_quick)
    return Calibration(
        path=path,
        description=description,
        rounds=rounds,
        fit=tuple(fit),
        priors=priors,
        bounds=bounds,
        distance=distance,
        method=method,
        min_epsilon=float(min_eps),
        quick=quick_sizes,
        validate=validate,
        validate_quick=validate_quick,
        **sizes,
    )


#: the sizes a :class:`Calibration` has when its file does not set them
_DEFAULT_SIZES = {k: getattr(Calibration, k) for k in SIZES}


def _check_population(shown: str, sizes: dict, quick: dict, validate: dict, validate_quick: dict) -> None:
    """Refuse a fit on a reference table that keeps more draws than it has (``population`` > ``table``),
    or than its second stage draws (``population`` > ``refine`` > 0), in each preset: the file's sizes,
    ``--quick``'s, ``trucesim validate``'s and ``validate --quick``'s (each over the ones before it).

    Checked when the file is read, so ``check`` and ``calibrate`` both refuse it before any simulation.
    """
    presets = (
        (("", sizes),),
        (("", sizes), ("quick.", quick)),
        (("", sizes), ("validate.", validate)),
        (("", sizes), ("quick.", quick), ("validate.quick.", validate_quick)),
    )

    def value(layers, key: str) -> tuple[int, str, str]:
        """The size a preset runs with, the key that sets it (``quick.table``), and ``"the default; "`` if none does."""
        for where, table in reversed(layers):
            if key in table:
                return table[key], f"{where}{key}", ""
        return _DEFAULT_SIZES[key], key, "the default; "

    for layers in presets:
        population, pop_key, _ = value(layers, "population")
        table, table_key, default = value(layers, "table")
        if population > table:
            _fail(
                f"{shown}: {pop_key}: expected at most {table_key} = {table} ({default}a fit keeps population of "
                f"the reference table's draws: raise {table_key} or lower {pop_key}), found {population}"
            )
        refine, refine_key, _ = value(layers, "refine")
        if 0 < refine < population:
            _fail(
                f"{shown}: {pop_key}: expected at most {refine_key} = {refine} (the second stage keeps population "
                f"of its draws: raise {refine_key} or lower {pop_key}), found {population}"
            )


def _sizes(table, where: str, allowed: dict[str, int], subtables: tuple[str, ...] = ()) -> dict[str, int]:
    """The whole-number sizes of a table (``where`` names it in messages), each at least its ``allowed`` minimum."""
    if not isinstance(table, dict):
        _fail(f"{where}: expected a table of sizes ({', '.join(allowed)}), found {shown_value(table)}")
    for k in table:
        if k not in allowed and k not in subtables:
            known = [*allowed, *subtables]
            _fail(f"{where}.{cut(k)}: unknown key{suggest(k, known)} (keys: {', '.join(known)})")
    return {k: _int(v, f"{where}.{k}", allowed[k]) for k, v in table.items() if k not in subtables}


def _validate_table(table, shown: str) -> tuple[dict[str, int], dict[str, int]]:
    """The ``[validate]`` sizes and its ``[validate.quick]`` sizes (see the module's docstring)."""
    sizes = _sizes(table, f"{shown}: validate", VALIDATE_SIZES, ("quick",))
    quick = _sizes(table.get("quick", {}), f"{shown}: validate.quick", VALIDATE_SIZES)
    return sizes, quick

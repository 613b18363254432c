"""Uncertainty tables: parse ``{ dist = "...", ... }`` and draw one value per world.

A distribution is drawn with the model's generator, one value for each world,
and always lies inside the parameter's own range (normal draws are truncated
to it).  Integer parameters get rounded draws.

A ``sample`` is a list of values with optional weights, e.g. the particles of a
fit (:func:`trucesim.history.posterior.write_parameter_file`): a world draws one
of them, with probability its weight.  Keys whose samples name the same
``joint`` group draw the same index in a world (they share their uniforms, see
:meth:`trucesim.config.scenario.Scenario.draw`), so a fit's correlations are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trucesim.config.tomlio import shown_value

#: the keys each kind takes: (required, optional)
DIST_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
    "sample": (("values",), ("weights", "joint")),
}

#: the kinds whose keys are all numbers (``args``); a ``sample`` keeps lists and a name
NUMERIC_KINDS = ("uniform", "normal", "triangular", "beta")


class DistributionError(ValueError):
    """A malformed uncertainty table; the message says which key and why."""


@dataclass(frozen=True)
class Dist:
    """A per-world distribution of one parameter.

    Examples
    --------
    >>> d = Dist("uniform", {"low": 2.0, "high": 4.0})
    >>> x = d.draw(np.random.default_rng(0), 1000, bounds=(0, 10))
    >>> bool(((x >= 2) & (x <= 4)).all())
    True
    >>> s = Dist("sample", values=(1.0, 2.0, 5.0), weights=(0.5, 0.25, 0.25), joint="fit")
    >>> s.ppf(np.array([0.1, 0.6, 0.9]), (0, 10)).tolist(), s.mean(), s.support()
    ([1.0, 2.0, 5.0], 2.25, (1.0, 5.0))

    A ``sample`` keeps its ``values`` (and ``weights``, empty for equal weights, and its
    ``joint`` group, empty for none) in their own fields; ``args`` stays empty.
    """

    kind: str
    args: dict[str, float] = field(default_factory=dict)
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    joint: str = ""

    def __repr__(self) -> str:
        # the repr of the numeric kinds is unchanged (fit fingerprints hash it): the new fields only when set
        extra = "".join(
            f", {name}={getattr(self, name)!r}" for name in ("values", "weights", "joint") if getattr(self, name)
        )
        return f"Dist(kind={self.kind!r}, args={self.args!r}{extra})"

    def record(self) -> dict[str, Any]:
        """The table this distribution is written as in a manifest: ``{"dist": kind, ...}``."""
        out: dict[str, Any] = {"dist": self.kind, **self.args}
        if self.kind == "sample":
            out["values"] = list(self.values)
            if self.weights:
                out["weights"] = list(self.weights)
            if self.joint:
                out["joint"] = self.joint
        return out

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Dist:
        """The distribution :meth:`record` wrote (no checks: a manifest holds what a run drew from)."""
        kind = str(record["dist"])
        if kind == "sample":
            return cls(
                kind,
                values=tuple(float(x) for x in record["values"]),
                weights=tuple(float(x) for x in record.get("weights", ())),
                joint=str(record.get("joint", "")),
            )
        return cls(kind, {a: float(x) for a, x in record.items() if a != "dist"})

    def probabilities(self) -> np.ndarray:
        """A ``sample``'s weights as probabilities (equal without weights)."""
        w = np.asarray(self.weights, dtype=float) if self.weights else np.ones(len(self.values))
        return w / w.sum()

    def support(self) -> tuple[float, float]:
        """The least and greatest value the distribution can give, before a parameter's range
        truncates it (infinite for an unbounded normal), in the parameter's units."""
        if self.kind == "sample":
            return float(min(self.values)), float(max(self.values))
        a = self.args
        if self.kind in ("uniform", "triangular"):
            return a["low"], a["high"]
        if self.kind == "beta":
            return a.get("low", 0.0), a.get("high", 1.0)
        return a.get("low", -np.inf), a.get("high", np.inf)

    def mean(self) -> float:
        """The distribution's mean before truncation (a ``sample``'s weighted mean), in the parameter's units."""
        if self.kind == "sample":
            return float(np.dot(self.probabilities(), np.asarray(self.values, dtype=float)))
        a = self.args
        if self.kind == "uniform":
            return (a["low"] + a["high"]) / 2
        if self.kind == "triangular":
            return (a["low"] + a["mode"] + a["high"]) / 3
        if self.kind == "beta":
            lo, hi = self.support()
            return lo + (hi - lo) * a["a"] / (a["a"] + a["b"])
        return a["mean"]

    def scipy_args(self, bounds: tuple[float, float]) -> tuple[str, tuple[float, ...], dict[str, float]]:
        """The ``scipy.stats`` distribution of a numeric table as ``(name, args, kwds)``: a normal truncated
        to ``bounds`` (the key's range, like the model's draws), the other kinds on their own support. A fit's
        prior (``pyabc.RV(name, *args, **kwds)``) and its figure's prior density read the same one.

        >>> from scipy import stats
        >>> name, args, kwds = Dist("uniform", {"low": 0.2, "high": 0.6}).scipy_args((0, 1))
        >>> name, float(getattr(stats, name)(*args, **kwds).pdf(0.3))
        ('uniform', 2.5)
        """
        if self.kind not in NUMERIC_KINDS:
            raise ValueError(f"expected uniform, normal, triangular or beta, found {self.kind}")
        a = self.args
        if self.kind == "uniform":
            return "uniform", (a["low"], a["high"] - a["low"]), {}
        if self.kind == "triangular":
            width = a["high"] - a["low"]
            return "triang", ((a["mode"] - a["low"]) / width,), {"loc": a["low"], "scale": width}
        if self.kind == "beta":
            lo, hi = self.support()
            return "beta", (a["a"], a["b"]), {"loc": lo, "scale": hi - lo}
        lo = max(a.get("low", -np.inf), bounds[0])
        hi = min(a.get("high", np.inf), bounds[1])
        z = ((lo - a["mean"]) / a["sd"], (hi - a["mean"]) / a["sd"])
        return "truncnorm", z, {"loc": a["mean"], "scale": a["sd"]}

    def draw(self, rng: np.random.Generator, n: int, bounds: tuple[float, float], integer: bool = False) -> np.ndarray:
        """Draw ``n`` values, truncated to ``bounds`` (the parameter's range): :meth:`ppf` of ``n`` uniforms."""
        return self.ppf(rng.random(n), bounds, integer)

    def ppf(self, u: np.ndarray, bounds: tuple[float, float], integer: bool = False) -> np.ndarray:
        """The values at quantiles ``u`` (uniforms in (0, 1)), truncated to ``bounds``: the inverse CDF.

        Drawing by inversion lets each world's value come from its own uniform
        (:mod:`trucesim.model.streams`), so the draws of one world do not depend on the others'.
        A ``sample`` gives the value whose cumulative weight first exceeds ``u``: keys drawn with the
        same uniforms (a ``joint`` group) pick the same index.

        >>> Dist("triangular", {"low": 0.0, "mode": 1.0, "high": 2.0}).ppf(np.array([0.5]), (0, 2)).tolist()
        [1.0]
        """
        a = self.args
        u = np.asarray(u, dtype=float)
        if self.kind == "sample":
            x = np.asarray(self.values, dtype=float)[self.index(u)]
        elif self.kind == "uniform":
            x = a["low"] + u * (a["high"] - a["low"])
        elif self.kind == "triangular":
            lo, mode, hi = a["low"], a["mode"], a["high"]
            if lo == hi:
                x = np.full(u.shape, float(lo))
            else:
                c = (mode - lo) / (hi - lo)
                left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
                right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
                x = np.where(u < c, left, right)
        elif self.kind == "beta":
            from scipy.special import betaincinv

            lo, hi = self.support()
            x = lo + (hi - lo) * betaincinv(a["a"], a["b"], u)
        else:
            lo = max(a.get("low", -np.inf), bounds[0])
            hi = min(a.get("high", np.inf), bounds[1])
            if a["sd"] == 0 or lo == hi:
                x = np.full(u.shape, float(np.clip(a["mean"], lo, hi)))
            else:
                za, zb = (lo - a["mean"]) / a["sd"], (hi - a["mean"]) / a["sd"]
                from scipy import stats  # here: importing scipy.stats costs a third of a second

                x = stats.truncnorm.ppf(u, za, zb, loc=a["mean"], scale=a["sd"])
        if integer:
            x = np.round(x)
        return np.clip(x, bounds[0], bounds[1])

    def index(self, u: np.ndarray) -> np.ndarray:
        """A ``sample``'s index at quantiles ``u``: the first whose cumulative weight exceeds ``u``.

        >>> Dist("sample", values=(0.0, 1.0, 2.0), weights=(1.0, 0.0, 3.0)).index(np.array([0.0, 0.25, 0.99])).tolist()
        [0, 2, 2]
        """
        cdf = np.cumsum(self.probabilities())
        i = np.searchsorted(cdf, np.asarray(u, dtype=float), side="right")
        return np.minimum(i, len(self.values) - 1)


def finite_number(v: object) -> bool:
    """Whether ``v`` is a finite number a float can hold (not a bool; TOML integers may be too large).

    >>> [finite_number(x) for x in (1, 2.5, True, float("nan"), 11805916207174113034 ** 20, "1")]
    [True, True, False, False, False, False]
    """
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def check_own(d: Dist) -> None:
    """Refuse a distribution whose own parameters draw nothing sensible (a parameter's range aside): low above
    high, a mode outside them, a negative sd, a beta shape at or below 0.  Raises :class:`DistributionError`
    naming the parameter.  A ``sample`` is checked when read (:func:`parse_dist`).

    >>> check_own(Dist("beta", {"a": 2.0, "b": -1.0}))
    Traceback (most recent call last):
    trucesim.config.distributions.DistributionError: b: expected a beta shape parameter > 0, found -1
    """
    kind, args = d.kind, d.args
    if kind == "sample":
        return
    if kind == "beta":
        for shape in ("a", "b"):
            if args[shape] <= 0:
                raise DistributionError(f"{shape}: expected a beta shape parameter > 0, found {args[shape]:g}")
    lo, hi = d.support()  # a beta's bounds default to 0 and 1, a normal's to -inf and inf
    if lo > hi:
        given = "low" if "low" in args or "high" not in args else "high"
        defaults = " (a beta's low is 0 and its high 1 unless given)" if kind == "beta" else ""
        raise DistributionError(f"{given}: expected low <= high{defaults}, found low={lo:g} > high={hi:g}")
    if kind == "triangular" and not (args["low"] <= args["mode"] <= args["high"]):
        raise DistributionError(f"mode: expected low <= mode <= high, found mode={args['mode']:g}")
    if kind == "normal" and args["sd"] < 0:
        raise DistributionError(f"sd: expected a standard deviation >= 0, found {args['sd']:g}")


def parse_dist(table: dict, bounds: tuple[float, float]) -> Dist:
    """Check an uncertainty table against a parameter's ``bounds``; return a :class:`Dist`.

    Raises :class:`DistributionError` with a message naming the offending key.
    """
    kind = table.get("dist")
    if not isinstance(kind, str) or kind not in DIST_KEYS:
        raise DistributionError(f"dist: expected one of {', '.join(DIST_KEYS)}, found {shown_value(kind)}")
    required, optional = DIST_KEYS[kind]
    allowed = set(required) | set(optional) | {"dist", "source", "note"}
    for key in table:
        if key not in allowed:
            raise DistributionError(
                f"{key}: expected one of {', '.join(sorted(allowed))} for a {kind} distribution, found {shown_value(key)}"
            )
    if kind == "sample":
        return _parse_sample(table, bounds)
    args: dict[str, float] = {}
    for key in required + optional:
        if key not in table:
            if key in required:
                raise DistributionError(f"{key}: expected a number (required by a {kind} distribution), found nothing")
            continue
        v = table[key]
        if not finite_number(v):
            raise DistributionError(f"{key}: expected a finite number, found {shown_value(v)}")
        args[key] = float(v)
    d = Dist(kind, args)
    check_own(d)
    s_lo, s_hi = d.support()
    if kind != "normal" and (s_lo < bounds[0] or s_hi > bounds[1]):
        raise DistributionError(
            f"expected a distribution within {bounds[0]:g}..{bounds[1]:g}, found {s_lo:g}..{s_hi:g}"
        )
    if kind == "normal" and not (bounds[0] <= args["mean"] <= bounds[1]):
        raise DistributionError(f"mean: expected a value within {bounds[0]:g}..{bounds[1]:g}, found {args['mean']:g}")
    if kind == "normal":
        lo, hi = max(s_lo, bounds[0]), min(s_hi, bounds[1])
        if not lo <= args["mean"] <= hi:
            raise DistributionError(
                f"expected low <= mean <= high within {bounds[0]:g}..{bounds[1]:g}, "
                f"found {s_lo:g} <= {args['mean']:g} <= {s_hi:g}"
            )
    return d


def _numbers(v: object) -> list[float] | None:
    """``v`` as a list of finite numbers, or ``None`` if it is not one."""
    if not isinstance(v, list):
        return None
    if not all(finite_number(x) for x in v):
        return None
    return [float(x) for x in v]


def _parse_sample(table: dict, bounds: tuple[float, float]) -> Dist:
    """A ``sample`` table: ``values`` (required), ``weights`` (as many, >= 0, not all zero) and ``joint`` (a name)."""
    if "values" not in table:
        raise DistributionError("values: expected a list of numbers (required by a sample distribution), found nothing")
    values = _numbers(table["values"])
    if not values:
        raise DistributionError(
            f"values: expected a non-empty list of finite numbers, found {shown_value(table['values'])}"
        )
    lo, hi = min(values), max(values)
    if lo < bounds[0] or hi > bounds[1]:
        raise DistributionError(f"values: expected values within {bounds[0]:g}..{bounds[1]:g}, found {lo:g}..{hi:g}")
    weights: list[float] = []
    if "weights" in table:
        w = _numbers(table["weights"])
        if w is None or any(x < 0 for x in w):
            raise DistributionError(
                f"weights: expected a list of finite numbers >= 0, found {shown_value(table['weights'])}"
            )
        if len(w) != len(values):
            raise DistributionError(f"weights: expected as many weights as values ({len(values)}), found {len(w)}")
        if sum(w) <= 0:
            raise DistributionError("weights: expected at least one weight above 0, found all zero")
        weights = w
    joint = table.get("joint", "")
    if "joint" in table and (not isinstance(joint, str) or not joint.strip()):
        raise DistributionError(f"joint: expected a name (a string), found {shown_value(joint)}")
    return Dist("sample", values=tuple(values), weights=tuple(weights), joint=joint)

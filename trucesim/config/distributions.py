"""Uncertainty tables: parse ``{ dist = "...", ... }`` and draw one value per world.

A distribution is drawn with the model's generator, one value for each world,
and always lies inside the parameter's own range (normal draws are truncated
to it).  Integer parameters get rounded draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from trucesim.config.tomlio import shown_value

#: the keys each kind takes: (required, optional)
DIST_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
}


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
    """

    kind: str
    args: dict[str, float] = field(default_factory=dict)

    def support(self) -> tuple[float, float]:
        a = self.args
        if self.kind in ("uniform", "triangular"):
            return a["low"], a["high"]
        if self.kind == "beta":
            return a.get("low", 0.0), a.get("high", 1.0)
        return a.get("low", -np.inf), a.get("high", np.inf)

    def mean(self) -> float:
        a = self.args
        if self.kind == "uniform":
            return (a["low"] + a["high"]) / 2
        if self.kind == "triangular":
            return (a["low"] + a["mode"] + a["high"]) / 3
        if self.kind == "beta":
            lo, hi = self.support()
            return lo + (hi - lo) * a["a"] / (a["a"] + a["b"])
        return a["mean"]

    def draw(self, rng: np.random.Generator, n: int, bounds: tuple[float, float], integer: bool = False) -> np.ndarray:
        """Draw ``n`` values, truncated to ``bounds`` (the parameter's range): :meth:`ppf` of ``n`` uniforms."""
        return self.ppf(rng.random(n), bounds, integer)

    def ppf(self, u: np.ndarray, bounds: tuple[float, float], integer: bool = False) -> np.ndarray:
        """The values at quantiles ``u`` (uniforms in (0, 1)), truncated to ``bounds``: the inverse CDF.

        Drawing by inversion lets each world's value come from its own uniform
        (:mod:`trucesim.model.streams`), so the draws of one world do not depend on the others'.

        >>> Dist("triangular", {"low": 0.0, "mode": 1.0, "high": 2.0}).ppf(np.array([0.5]), (0, 2)).tolist()
        [1.0]
        """
        a = self.args
        u = np.asarray(u, dtype=float)
        if self.kind == "uniform":
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
    args: dict[str, float] = {}
    for key in required + optional:
        if key not in table:
            if key in required:
                raise DistributionError(f"{key}: expected a number (required by a {kind} distribution), found nothing")
            continue
        v = table[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise DistributionError(f"{key}: expected a finite number, found {shown_value(v)}")
        args[key] = float(v)
    lo, hi = args.get("low"), args.get("high")
    if lo is not None and hi is not None and lo > hi:
        raise DistributionError(f"low: expected low <= high, found low={lo:g} > high={hi:g}")
    if kind == "triangular" and not (args["low"] <= args["mode"] <= args["high"]):
        raise DistributionError(f"mode: expected low <= mode <= high, found mode={args['mode']:g}")
    if kind == "normal" and args["sd"] < 0:
        raise DistributionError(f"sd: expected a standard deviation >= 0, found {args['sd']:g}")
    if kind == "beta" and (args["a"] <= 0 or args["b"] <= 0):
        raise DistributionError("a: expected beta shape parameters a > 0 and b > 0")
    d = Dist(kind, args)
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

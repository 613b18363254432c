"""Designs: the points of an experiment, one row of factor values each.

:func:`build_design` turns an experiment's ``[design]`` table
(:class:`DesignSpec`) and factors into a :class:`Design`: a grid of every
combination of the factors' values, or points drawn with :mod:`scipy.stats.qmc`
(Sobol', Latin hypercube, Halton), optionally laid out for Saltelli/Sobol'
sensitivity indices.  The design matrix is recorded in the results' manifest,
so its row order is part of a dataset's identity (row ``i`` is point ``i``).

Examples
--------
>>> from trucesim.sweep.experiment import load_experiment
>>> exp = load_experiment("experiments/prisoners-vs-us-pressure.toml")   # doctest: +SKIP
>>> build_design(exp).matrix.shape                                        # doctest: +SKIP
(100, 2)
"""

from __future__ import annotations

import inspect
import itertools
import math
from dataclasses import dataclass

import numpy as np

DESIGN_KINDS = ("grid", "sobol", "lhs", "halton")
SAMPLED_KINDS = ("sobol", "lhs", "halton")


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
        return cls(
            kind=d["kind"],
            factors=tuple(d["factors"]),
            matrix=matrix,
            seed=d.get("seed"),
            scramble=d.get("scramble"),
            blocks=d.get("saltelli"),
        )


def design_points(spec: DesignSpec, factors) -> int:
    """Points of the design of ``spec`` over ``factors``, known without building it."""
    if spec.kind == "grid":
        return math.prod(len(f.levels) if f.levels is not None else f.steps for f in factors)
    assert spec.points is not None, "a sampled design states its points"
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


def build_design(experiment) -> Design:
    """The design matrix of an experiment: one row per point, one column per factor.

    ``experiment`` is an :class:`~trucesim.sweep.experiment.Experiment` (its
    ``factors``, ``factor_keys``, ``design`` and ``design_seed``).

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
    >>> from trucesim.sweep.experiment import load_experiment
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
        # SALib.sample.sobol.sample(..., calc_second_order=False) draws the same rows from the
        # same scrambled Sobol' sequence, but interleaves them per base point (A_j, AB_1j ..
        # AB_dj, B_j) where this layout keeps whole blocks (A, B, AB_1 .. AB_d).  Point ids
        # are rows of this matrix and the manifest records the blocks, so the order is part
        # of every Saltelli dataset: taking SALib's rows would need this reordering anyway.
        n = spec.points
        ab = _qmc_engine("sobol", 2 * d, spec.scramble, seed).random_base2(int(math.log2(n)))
        a, b = ab[:, :d], ab[:, d:]
        pages = [a, b]
        for i in range(d):
            page = a.copy()
            page[:, i] = b[:, i]
            pages.append(page)
        u = np.vstack(pages)
        blocks = {
            "n": n,
            "A": [0, n],
            "B": [n, 2 * n],
            "AB": {k: [(2 + i) * n, (3 + i) * n] for i, k in enumerate(keys)},
            "scheme": "Saltelli 2010 as in scipy.stats.sobol_indices: AB_i is A with column i from B",
        }
    elif spec.kind == "sobol":
        u = _qmc_engine("sobol", d, spec.scramble, seed).random_base2(int(math.log2(spec.points)))
    else:
        u = _qmc_engine(spec.kind, d, spec.scramble, seed).random(spec.points)
    matrix = np.column_stack([f.from_unit(u[:, j]) for j, f in enumerate(factors)]) if d else u
    return Design(spec.kind, keys, matrix, seed=seed, scramble=spec.scramble, blocks=blocks)

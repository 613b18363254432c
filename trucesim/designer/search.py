"""The search: a scrambled Sobol screen of the box, then differential evolution from its best points.

:func:`search` maximises any batch objective ``fun(X, stage)`` over a box
within a fixed budget of evaluations (:func:`plan_search`); a point is never
evaluated twice.  :func:`pareto_front` keeps the candidates no other beats on
two objectives at once.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import differential_evolution
from scipy.stats import qmc

from trucesim.designer.space import DesignError

__all__ = ["SearchPlan", "SearchResult", "pareto_front", "plan_search", "search"]

#: ``fun(X, stage)``: the values to maximise of the ``k`` rows of ``X`` (shape ``(k, d)``), at ``stage``
Objective = Callable[[np.ndarray, str], ArrayLike]
#: maps candidates (shape ``(k, d)``) onto the points actually evaluated
Snap = Callable[[ArrayLike], np.ndarray]


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
    """The best point ``x`` and its ``value``; every distinct point evaluated (``X``, ``y``); how it ran."""

    x: np.ndarray
    value: float
    X: np.ndarray
    y: np.ndarray
    generations: int
    exhaustive: bool


def search(
    fun: Objective,
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    plan: SearchPlan,
    seed: int = 0,
    integrality: ArrayLike | None = None,
    snap: Snap | None = None,
    on_stage: Callable[[str], object] | None = None,
) -> SearchResult:
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
        snap = _clip_and_round(lower, upper, integ)
    rng = _search_rng(seed)  # one stream: the screen draws from it first, then the evolution
    evaluate = _Evaluations(fun, snap)
    if on_stage:
        on_stage("screen")
    X0, y0 = _screen(evaluate, lower, upper, plan.screen, rng)
    generations = 0
    if plan.generations > 0 and np.any(upper > lower):
        if on_stage:
            on_stage("search")
        generations = _evolve(evaluate, X0, y0, lower, upper, plan, integ, rng)
    X = np.vstack(evaluate.Xs)
    y = np.concatenate(evaluate.ys)
    best = int(np.argmax(y))  # first of equals: the earliest found
    return SearchResult(X[best], float(y[best]), X, y, generations, False)


def _clip_and_round(lower: np.ndarray, upper: np.ndarray, integ: np.ndarray) -> Snap:
    """The default snap: candidates clipped into the box, whole-number keys (``integ``) rounded."""

    def snap(X: ArrayLike) -> np.ndarray:
        X = np.clip(np.atleast_2d(np.asarray(X, float)), lower, upper)
        X[:, integ] = np.round(X[:, integ])
        return X

    return snap


class _Evaluations:
    """The objective, evaluated once per distinct point: every point passed to ``fun`` (``Xs``) and its values (``ys``).

    Calling it with candidates ``X`` and a stage snaps them, passes only the
    rows not seen before to ``fun`` (in one batch) and returns a value for
    every row.
    """

    def __init__(self, fun: Objective, snap: Snap) -> None:
        self.fun = fun
        self.snap = snap
        self.Xs: list[np.ndarray] = []
        self.ys: list[np.ndarray] = []
        self.seen: dict[tuple, float] = {}

    def __call__(self, X: ArrayLike, stage: str) -> np.ndarray:
        """Values of the rows of X; only rows not seen before reach ``fun``."""
        X = self.snap(X)
        keys = [tuple(np.round(r, 9)) for r in X]  # DE's rescaling may perturb the last bits
        new_rows, new_keys = [], []
        for k, r in zip(keys, X):
            if k not in self.seen and k not in new_keys:
                new_keys.append(k)
                new_rows.append(r)
        if new_rows:
            Xn = np.array(new_rows)
            yn = np.asarray(self.fun(Xn, stage), float)
            self.seen.update(zip(new_keys, yn.tolist()))
            self.Xs.append(Xn)
            self.ys.append(yn)
        return np.array([self.seen[k] for k in keys])


def _screen(
    evaluate: _Evaluations, lower: np.ndarray, upper: np.ndarray, points: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The screen: ``points`` (a power of two) scrambled Sobol points of the box, snapped, and their values."""
    m = int(math.log2(points))
    sobol = qmc.Sobol(lower.size, scramble=True, **{_rng_kw(qmc.Sobol): rng})
    U = sobol.random_base2(m)
    X0 = evaluate.snap(lower + U * (upper - lower))
    return X0, evaluate(X0, "screen")


def _evolve(
    evaluate: _Evaluations,
    X0: np.ndarray,
    y0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    plan: SearchPlan,
    integ: np.ndarray,
    rng: np.random.Generator,
) -> int:
    """Differential evolution from the best screened points (at least five); the generations it ran.

    The population is the ``plan.population`` best of ``X0`` by ``y0`` (ties
    in screening order), repeated up to five rows if fewer; at most
    ``plan.generations`` generations, each one vectorised call of ``evaluate``.
    """
    order = np.argsort(-y0, kind="stable")[: max(plan.population, 5)]
    init = X0[order]
    if len(init) < 5:
        init = np.vstack([init] * 5)[:5]

    def objective(xt: np.ndarray) -> np.ndarray:  # shape (d, S): differential_evolution's vectorised call
        return -evaluate(xt.T, "search")

    kw = {_rng_kw(differential_evolution): rng}
    res = differential_evolution(
        objective,
        list(zip(lower, upper)),
        init=init,
        maxiter=plan.generations,
        polish=False,
        vectorized=True,
        updating="deferred",
        tol=0.01,
        integrality=integ if integ.any() else None,
        **kw,
    )
    return int(res.nit)


# --- Pareto front ----------------------------------------------------------------------------


def pareto_front(a, b, maximize_b: bool = True) -> np.ndarray:
    """Mask of the points not dominated when maximising ``a`` and maximising (or minimising) ``b``.

    A point is dominated when another is at least as good on both and better
    on one; identical points do not dominate each other, so all of them are on the front.

    Examples
    --------
    >>> pareto_front([0.1, 0.2, 0.3, 0.2], [5.0, 4.0, 1.0, 3.0]).tolist()
    [True, True, True, False]
    >>> pareto_front([0.3, 0.3, 0.3], [1.0, 1.0, 0.5]).tolist()
    [True, True, False]
    >>> pareto_front([0.1, 0.2], [5.0, 4.0], maximize_b=False).tolist()
    [False, True]
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float) * (1 if maximize_b else -1)
    order = np.lexsort((np.arange(a.size), -b, -a))
    keep = np.zeros(a.size, bool)
    best_b, last = -np.inf, -1
    for i in order:
        if b[i] > best_b:
            keep[i] = True
            best_b, last = b[i], i
        elif last >= 0 and a[i] == a[last] and b[i] == b[last]:
            keep[i] = True  # the same point as the last kept
    return keep

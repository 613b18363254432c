"""Deal designer: the terms both sides would accept, and what each concession buys.

Given a scenario, some keys to vary within ranges (usually ``terms.*``), some
to fix and some constraints, the designer

1. searches the varied keys for the values that maximise an objective
   (``p_deal``, ``p_permanent`` or ``hostages_released_mean``): a scrambled
   Sobol screen of the whole box (:class:`scipy.stats.qmc.Sobol`), then
   :func:`scipy.optimize.differential_evolution` started from the best
   screened points, with a fixed budget of simulations (:func:`~trucesim.designer.search.plan_search`);
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
every random number of world ``i`` is addressed by the seed, ``i`` and what it
decides (:mod:`trucesim.model.streams`), and a varied key replaces the
scenario's value *after* the uncertain parameters are drawn, so two
candidates' worlds differ only where their values change a decision.  The same
seed gives the same search, candidate for candidate, whatever ``jobs``.

The steps live in the modules of :mod:`trucesim.designer`: the request in
:mod:`~trucesim.designer.space`, the simulations in
:mod:`~trucesim.designer.evaluate`, the search and the Pareto front in
:mod:`~trucesim.designer.search`, the zone, the marginal effects and the check
in :mod:`~trucesim.designer.probes`, the files in
:mod:`~trucesim.designer.outputs`; this module runs them in order
(:func:`design`).  The figures are drawn by :mod:`trucesim.plots.designer`.

Outputs explore the scenario's stated assumptions; they are not predictions
and not advice on what any party should accept.

Examples
--------
>>> from trucesim import load_scenario
>>> from trucesim.designer import make_space
>>> s = load_scenario("scenarios/april-2024.toml")                               # doctest: +SKIP
>>> space = make_space(s, ["terms.hostages_released=10..50",
...                        "terms.prisoners_per_hostage=0..60"],
...                    constraints=["terms.hostages_released >= 20"])            # doctest: +SKIP
>>> result = design(space, "p_deal", worlds=1024, seed=0)                        # doctest: +SKIP
>>> result.best["terms"], result.best["value"], result.best["ci"]                # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trucesim.designer.evaluate import METRICS, Evaluator
from trucesim.designer.objectives import OBJECTIVES, VERSUS
from trucesim.designer.outputs import best_record, bound_notes
from trucesim.designer.probes import check_best, grid_axes, marginal_effects, zone_of_agreement, zone_summary
from trucesim.designer.search import SearchPlan, SearchResult, pareto_front, plan_search, search
from trucesim.designer.space import DesignError, DesignSpace

__all__ = ["MAX_POLISH_MOVES", "DesignError", "DesignResult", "check_request", "design"]


#: times the best may move to a better marginal-effect neighbour before the effects are final
MAX_POLISH_MOVES = 5


@dataclass
class DesignResult:
    """Everything ``trucesim design`` writes (see :func:`~trucesim.designer.outputs.write_outputs`)."""

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
    budget: int | None = None  # the simulations asked for (--budget); None: the default plan's


def _bar(progress, total, desc, unit="sim"):
    """A stage's progress display: ``progress(total, unit, desc)`` if a factory was given, else a tqdm bar."""
    if callable(progress):
        return progress(total, unit, desc)
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        leave=False,
        disable=(None if progress is None else not progress),
        dynamic_ncols=True,
    )


def check_request(
    space: DesignSpace,
    objective: str = "p_deal",
    versus: str | None = None,
    budget: int | None = None,
    grid: int = 21,
    step: float = 0.05,
) -> tuple[str, SearchPlan]:
    """Check a design request before anything runs; return the ``versus`` metric and the search plan.

    Raises :class:`DesignError` naming the option (``--maximize``, ``--versus``,
    ``--budget``, ``--grid``, ``--step``).
    """
    if objective not in OBJECTIVES:
        raise DesignError(f"--maximize {objective}: expected one of {', '.join(OBJECTIVES)}, found {objective!r}")
    if versus is None:
        versus = "hostages_released_mean" if objective == "p_deal" else objective
    if versus == "p_deal":
        raise DesignError(
            "--versus p_deal: expected a second objective other than p_deal "
            f"(the front is drawn against p_deal): one of {', '.join(VERSUS)}"
        )
    if versus not in METRICS:
        raise DesignError(f"--versus {versus}: expected one of {', '.join(VERSUS)}, found {versus!r}")
    if not (0 < step <= 0.5):
        raise DesignError(f"--step {step:g}: expected a share of each range in (0, 0.5], found {step:g}")
    if grid < 2:
        raise DesignError(f"--grid {grid}: expected at least 2 points per key, found {grid}")
    return versus, plan_search(space.d, budget)


def design(
    space: DesignSpace,
    objective: str = "p_deal",
    versus: str | None = None,
    worlds: int = 4096,
    seed: int = 0,
    budget: int | None = None,
    grid: int = 21,
    step: float = 0.05,
    jobs: int | None = 1,
    progress: bool | Callable | None = False,
) -> DesignResult:
    """Search, check, map the zone, the Pareto front and the marginal effects.

    Parameters
    ----------
    space : DesignSpace
        From :func:`~trucesim.designer.space.make_space`.
    objective : str
        One of :data:`~trucesim.designer.objectives.OBJECTIVES`, maximised.
    versus : str, optional
        Second axis of the Pareto front against ``p_deal`` (one of :data:`~trucesim.designer.objectives.VERSUS`,
        or ``objective`` when that is not ``p_deal``); default
        ``hostages_released_mean`` when maximising ``p_deal``, else the objective.
    worlds, seed : int
        Worlds per candidate and the root seed (every candidate on the same worlds).
    budget : int, optional
        Simulations for the search (:func:`~trucesim.designer.search.plan_search`).
    grid : int
        Grid points per varied key for the zone of possible agreement.
    step : float
        Finite-difference step, as a share of each key's range.
    jobs : int or None
        Worker processes for the simulations (None: all cores; results do not depend on it).
    progress : bool, None or callable
        Progress bars on stderr (None: only on a terminal); or a factory
        ``progress(total, unit, desc)`` returning an object with ``update``, ``reset``,
        ``close`` (and ``with``), e.g. :func:`trucesim.commands.progress.progress` with
        ``leave=False``, which ``trucesim design`` passes.
    """
    versus, plan = check_request(space, objective, versus, budget, grid, step)
    notes: list[str] = []
    with Evaluator(space, worlds, seed, jobs) as ev:
        stage = _StageBars(progress, plan)
        ev.on_new = stage.tick
        exhaustive = space.n_points() <= (plan.budget if budget is None else budget)  # the budget asked
        if exhaustive:
            res = _search_every_point(space, ev, objective, stage)
            notes.append(f"the design space holds only {len(res.X)} candidates: all were simulated")
        else:
            res = search(
                lambda X, stage_: ev.values(X, objective, stage_),
                space.lower,
                space.upper,
                plan=plan,
                seed=seed,
                integrality=space.integrality,
                snap=space.snap,
                on_stage=stage.start,
            )
        stage.close()
        best_c = max(ev.records, key=lambda c: (c.metrics[objective], -c.id))
        # the zone of possible agreement (day 0 only: cheap)
        axes_n = int(np.prod([len(a) for a in grid_axes(space, grid)]))
        with _bar(progress, axes_n, "zone of agreement", unit="point") as zb:
            zone = zone_of_agreement(space, worlds, seed, grid, progress=zb)
        best_c, marginal = _polish(ev, best_c, objective, step, progress, notes)
        candidates = ev.table(objective)
    with _bar(progress, 1, "checking the best on fresh worlds") as cb:
        check = check_best(space, best_c.x, objective, worlds, seed)
        cb.update(1)
    front = pareto_front(candidates["p_deal"], candidates[versus], METRICS[versus].sense > 0)
    candidates["pareto"] = front
    pareto = candidates[front].sort_values(["p_deal", versus], ascending=[True, False]).reset_index(drop=True)
    zs = zone_summary(zone, space.keys)
    notes += _closing_notes(space, best_c, objective, zs)
    result = DesignResult(
        space,
        objective,
        versus,
        int(worlds),
        int(seed),
        plan,
        {},
        candidates,
        zone,
        pareto,
        marginal,
        generations=res.generations,
        notes=notes,
        budget=budget,
    )
    result.best = best_record(result, best_c, check, zs, exhaustive)
    return result


class _StageBars:
    """The search's progress: one bar per stage (the screen, then the optimisation), ticked per new simulation."""

    def __init__(self, progress, plan: SearchPlan):
        self.progress, self.plan = progress, plan
        self.bar: Any = None

    def start(self, stage: str) -> None:
        """Close the running stage's bar and open the next one's."""
        self.close()
        total = self.plan.screen if stage == "screen" else self.plan.population * self.plan.generations
        self.bar = _bar(self.progress, total, "screening" if stage == "screen" else "optimising")

    def tick(self, _candidate) -> None:
        """One more candidate simulated."""
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _search_every_point(space: DesignSpace, ev: Evaluator, objective: str, stage: _StageBars) -> SearchResult:
    """Simulate every point of a design space small enough for the budget; the best is the search's result."""
    axes = [
        np.arange(space.lower[j], space.upper[j] + space.resolution[j] / 2, space.resolution[j]) for j in range(space.d)
    ]
    mesh = np.meshgrid(*axes, indexing="ij")
    X = space.snap(np.stack([m.ravel() for m in mesh], axis=1))
    stage.start("screen")
    stage.bar.reset(total=len(X))
    y = ev.values(X, objective, "grid")
    i = int(np.argmax(y))
    return SearchResult(X[i], float(y[i]), X, y, 0, True)


def _polish(ev: Evaluator, best_c, objective: str, step: float, progress, notes: list[str]):
    """The marginal effects at the best terms; a neighbour that does better becomes the best (a note says so).

    At most :data:`MAX_POLISH_MOVES` moves.  Returns the final best candidate and its marginal effects.
    """
    free = 2 * int(ev.space.free.sum())
    bar = _bar(progress, free, "marginal effects")
    for move in range(MAX_POLISH_MOVES + 1):
        marginal = marginal_effects(ev, best_c.x, objective, step)
        top = max(ev.records, key=lambda c: (c.metrics[objective], -c.id))
        if top.metrics[objective] <= best_c.metrics[objective] or move == MAX_POLISH_MOVES:
            break
        notes.append(
            f"a marginal-effect neighbour did better than the search's best "
            f"(candidate {top.id} over {best_c.id}): the best moved there"
        )
        best_c = top
        bar.reset(total=free)
    bar.close()
    return best_c, marginal


def _closing_notes(space: DesignSpace, best_c, objective: str, zone: dict) -> list[str]:
    """Notes on the result: an objective 0 everywhere, a best on a bound, an empty zone of agreement."""
    notes = []
    if best_c.metrics[objective] == 0:
        notes.append(f"no candidate gave a {objective} above 0 on the search's worlds: the best terms are arbitrary")
    notes += bound_notes(space, best_c.x)[1]  # a corner solution: say so, and how to look beyond it
    if zone["points_in_zone"] == 0:
        notes.append(
            "no grid point is in the zone of possible agreement: at day 0 no terms in the varied "
            "ranges are accepted by both sides with probability >= 0.5 (deals may still come later, "
            "as pressures build)"
        )
    return notes

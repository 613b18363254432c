"""What the app's panels show about a whole run: the summary at the horizon, why there was no deal, the comparison.

Each figure is computed from a run of the same worlds to the horizon (the
same scenario, worlds and seed as the live model, so the live charts end
where the summary says), kept in a small cache keyed by the app's
:class:`~trucesim.app.entry.Settings`: Step and Play redraw without
simulating again, and the scenario as shipped is simulated once per
scenario, worlds and seed.

Examples
--------
>>> from trucesim.app.entry import Settings
>>> s = Settings("scenarios", "april-2024", 2000, 0, (("us_pressure", 0.3),))
>>> c = comparison(s)
>>> c.shipped.n, round(c.difference - (c.changed.p - c.shipped.p), 12)
(2000, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from trucesim.app.entry import Settings
from trucesim.model.model import END_REASONS, TruceModel
from trucesim.run.blockers import END_WORDS, gate_labels, gate_words
from trucesim.run.metrics import summarize
from trucesim.run.outcomes import outcome_table
from trucesim.run.stats import paired_difference_ci, proportion_ci


@dataclass(frozen=True)
class Share:
    """``k`` of ``n`` worlds, with the Wilson 95% interval of the share."""

    label: str
    k: int
    n: int

    @property
    def p(self) -> float:
        return self.k / self.n if self.n else math.nan

    @property
    def ci(self) -> tuple[float, float]:
        return proportion_ci(self.k, self.n)


@dataclass(frozen=True)
class Comparison:
    """P(deal) with the controls' changes against the scenario as shipped, on the same seed and worlds.

    ``difference`` is ``changed.p - shipped.p``; ``gained`` and ``lost`` count the worlds with a
    deal only with the changes and only as shipped.  ``ci`` is the paired interval of the
    difference over those same worlds (Tango's score interval,
    :func:`trucesim.run.stats.paired_difference_ci`), as ``trucesim compare`` gives it.
    """

    changed: Share
    shipped: Share
    gained: int
    lost: int

    @property
    def difference(self) -> float:
        return self.changed.p - self.shipped.p

    @property
    def ci(self) -> tuple[float, float]:
        return paired_difference_ci(self.gained, self.lost, self.changed.n)


@lru_cache(maxsize=8)
def outcomes(settings: Settings) -> pd.DataFrame:
    """The outcome table (one row per world) of the run ``settings`` describes, simulated to the horizon."""
    scenario, _ = settings.scenario()
    model = TruceModel(scenario, settings.worlds, rng=settings.seed)  # worlds 0.. of `trucesim run --seed`
    return outcome_table(model.run())


def summary(settings: Settings) -> dict:
    """The summary of ``trucesim run`` (:func:`trucesim.run.metrics.summarize`) over the run's worlds."""
    scenario, _ = settings.scenario()
    return summarize(outcomes(settings), scenario, settings.seed)


def reasons(settings: Settings) -> dict[str, list[Share]]:
    """Why there was no deal, as titled lists of shares of worlds.

    "How the talks ended": the share of each way talks end (a deal, the
    mediators walking away, the government falling, still open at the
    horizon); "What stopped the last round": among the worlds without a deal,
    the share stopped by each gate (the ``blockers`` of ``trucesim run``);
    "Who accepted a proposal": the share of worlds in which each side
    accepted at least one.
    """
    table = outcomes(settings)
    scenario, _ = settings.scenario()
    n = len(table)
    ends = table["end_of_talks"].value_counts()
    ended = [Share(END_WORDS.get(r, r), int(ends.get(r, 0)), n) for r in END_REASONS]
    sides = scenario.actors_of("government") + scenario.actors_of("armed_group")
    accepted = [Share(scenario.labels.get(a, a), int(table[f"{a}_accepted"].sum()), n) for a in sides]
    no_deal = table.loc[~table["deal"], "blocker"].astype(str).value_counts()
    gates = [b for b in table["blocker"].cat.categories if b != "none" and no_deal.get(b, 0) > 0]
    total = int(no_deal.sum())
    stopped = [Share(gate_words(b, gate_labels(scenario)), int(no_deal[b]), total) for b in gates]
    stopped.sort(key=lambda sh: -sh.k)
    return {
        "How the talks ended": ended,
        "What stopped the last round (worlds without a deal)": stopped,
        "Who accepted a proposal": accepted,
    }


def comparison(settings: Settings) -> Comparison:
    """P(deal) of the run against the same run of the scenario as shipped, world by world."""
    n = settings.worlds
    now, before = outcomes(settings)["deal"].to_numpy(), outcomes(settings.as_shipped())["deal"].to_numpy()
    changed = Share("with your changes", int(now.sum()), n)
    shipped = Share("scenario as shipped", int(before.sum()), n)
    return Comparison(changed, shipped, gained=int((now & ~before).sum()), lost=int((before & ~now).sum()))

"""The actors, as Mesa agents whose state holds one entry per world.

Each agent reads its parameters from the drawn scenario (a number shared by all
worlds or an array with one value per world) and keeps its state in numpy
arrays of length ``model.n_worlds``.  Decisions take an index array of the
worlds that decide now and return arrays for those worlds only.  The mechanisms
themselves live in their own modules: :mod:`~trucesim.model.acceptance`
(utility, the logit, answers), :mod:`~trucesim.model.pressures` (reservation
values), :mod:`~trucesim.model.hostages` and :mod:`~trucesim.model.coalition`.
"""

from __future__ import annotations

import mesa
import numpy as np

from trucesim.config.terms import HOSTAGES, TERM_NAMES, TERMS, denormalise, normalise
from trucesim.model import acceptance, hostages, pressures
from trucesim.model.acceptance import ACCEPT, COUNTER, REJECT


def column(p: dict, key: str, n: int) -> np.ndarray:
    """A parameter as an array of ``n`` worlds (a shared number is broadcast).

    Examples
    --------
    >>> column({"a": 2.0}, "a", 3).tolist()
    [2.0, 2.0, 2.0]
    """
    return np.broadcast_to(np.asarray(p[key], dtype=float), (n,))


def terms_matrix(p: dict, prefix: str, n: int) -> np.ndarray:
    """Stack ``prefix + term`` parameters into an ``(n, 8)`` array.

    When none of them varies across worlds the result is one row, ``(1, 8)``,
    which broadcasts: read rows with :func:`rows`.
    """
    values = [p[prefix + t] for t in TERM_NAMES]
    if all(np.ndim(v) == 0 for v in values):
        return np.array([values], dtype=float)
    return np.stack([column(p, prefix + t, n) for t in TERM_NAMES], axis=1)


def rows(matrix: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Rows ``idx`` of a per-world matrix, or its single shared row."""
    return matrix if matrix.shape[0] == 1 else matrix[idx]


class Actor(mesa.Agent):
    """Base class: an actor identified by its scenario id."""

    def __init__(self, model, actor_id: str, label: str | None = None):
        super().__init__(model)
        self.actor_id = actor_id
        self.label = label or actor_id

    def param(self, key: str) -> np.ndarray:
        """This actor's parameter ``key`` for every world."""
        return column(self.model.params, f"actors.{self.actor_id}.{key}", self.model.n_worlds)


class Principal(Actor):
    """A side that accepts, counters or rejects: the government or the armed group.

    See :mod:`trucesim.model.acceptance` for its utility and the logit of acceptance.
    """

    def __init__(self, model, actor_id, label=None):
        super().__init__(model, actor_id, label)
        n = model.n_worlds
        p = model.params
        w = terms_matrix(p, f"actors.{actor_id}.weights.", n)
        self.weights = w / w.sum(axis=1, keepdims=True)
        self.ideal = terms_matrix(p, f"actors.{actor_id}.ideal.", n)
        self.reservation0 = self.param("reservation")
        self.truce_value = self.param("truce_value")
        self.rationality = self.param("rationality")
        self.counter_margin = self.param("counter_margin")
        self.counter_step = self.param("counter_step")
        self.study_min = self.param("study_days_min")
        self.study_max = self.param("study_days_max")
        self.breach_daily = self.param("breach_daily")
        self.guarantee_effect = self.param("guarantee_effect")
        self.accepted_any = np.zeros(n, bool)
        self.first_accept_day = np.full(n, np.nan)
        self.counters = np.zeros(n, np.int16)
        self.rejections = np.zeros(n, np.int16)

    # --- preferences -------------------------------------------------------
    def utility(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Utility of raw ``terms`` (shape ``(len(idx), 8)``) in worlds ``idx``."""
        x = normalise(terms, self.model.armed_group.living[idx])
        return acceptance.closeness_utility(x, rows(self.ideal, idx), rows(self.weights, idx), self.truce_value[idx])

    def reservation(self, idx: np.ndarray) -> np.ndarray:
        """Worth of continuing the war today in worlds ``idx`` (overridden by subclasses)."""
        return self.reservation0[idx]

    def gap(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Utility of the terms minus the worth of continuing the war."""
        return self.utility(terms, idx) - self.reservation(idx)

    def decision_gap(self, terms: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The gap a side weighs when it answers, and whether it can meet the terms as written."""
        return self.gap(terms, idx), np.ones(idx.size, bool)

    def accept_probability(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Logit probability of accepting ``terms`` on their merits (utility against reservation)."""
        return acceptance.acceptance(self.rationality[idx], self.gap(terms, idx))

    def decision_probability(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Probability of accepting ``terms`` today in worlds ``idx``, all considerations included.

        This is :meth:`accept_probability` with what else the side weighs when
        it answers: the government its own survival, Hamas whether it can meet
        the hostage demand at all.
        """
        gap, feasible = self.decision_gap(terms, idx)
        return acceptance.acceptance(self.rationality[idx], gap, feasible)

    def counter_proposal(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Terms moved ``counter_step`` of the way from ``terms`` toward the ideal point."""
        ideal = denormalise(np.broadcast_to(rows(self.ideal, idx), terms.shape), self.model.armed_group.living[idx])
        return acceptance.counter_proposal(terms, ideal, self.counter_step[idx])

    def study_days(self, idx: np.ndarray) -> np.ndarray:
        """Days taken to answer a proposal tabled today (at least one)."""
        lo, hi = self.study_min[idx], self.study_max[idx]
        days = np.floor(lo + self.model.rng.random(idx.size) * (hi - lo + 1))
        return np.maximum(days, 1).astype(np.int32)

    def answer(self, terms: np.ndarray, idx: np.ndarray, day: int) -> np.ndarray:
        """Answer the tabled terms in worlds ``idx``: ACCEPT, COUNTER or REJECT.

        The acceptance noise is drawn once, here, for this round and answer.
        """
        gap, feasible = self.decision_gap(terms, idx)
        p = acceptance.acceptance(self.rationality[idx], gap, feasible)
        out = acceptance.answer(p, self.model.rng.random(idx.size), gap, feasible, self.counter_margin[idx])
        accept = out == ACCEPT
        first = idx[accept & ~self.accepted_any[idx]]
        self.first_accept_day[first] = day
        self.accepted_any[idx[accept]] = True
        self.counters[idx[out == COUNTER]] += 1
        self.rejections[idx[out == REJECT]] += 1
        return out

    def breach_probability(self, guarantees: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Daily probability that this side breaches the pause, given the guarantees."""
        return self.breach_daily[idx] * (1.0 - self.guarantee_effect[idx] * guarantees)


class Government(Principal):
    """Israel's government: decides, carries the deal through its coalition, may launch the offensive.

    Its worth of continuing the war is :func:`trucesim.model.pressures.government_reservation`;
    it weighs its own survival: the expected chance that a deal brings it down
    costs ``survival_weight`` of utility.
    """

    def __init__(self, model, actor_id, label=None):
        super().__init__(model, actor_id, label)
        self.sens_us = self.param("sensitivity_us")
        self.sens_family = self.param("sensitivity_family")
        self.sens_isolation = self.param("sensitivity_isolation")
        self.survival_weight = self.param("survival_weight")
        self.offensive_daily = self.param("offensive_daily_prob")
        self.offensive_value = self.param("offensive_value")
        n = model.n_worlds
        self.offensive = np.zeros(n, bool)
        self.offensive_day = np.full(n, np.nan)
        self.fell = np.zeros(n, bool)

    def reservation(self, idx):
        return pressures.government_reservation(self, self.model, idx)

    def decision_gap(self, terms, idx):
        fall = self.model.coalition.fall_probability(terms, idx)
        return self.gap(terms, idx) - self.survival_weight[idx] * fall, np.ones(idx.size, bool)

    def step(self):
        """Daily: once talks have failed, maybe launch the Rafah offensive (only while fighting)."""
        m = self.model
        idx = np.flatnonzero(m.offensive_candidate)
        if idx.size:
            go = idx[m.rng.random(idx.size) < self.offensive_daily[idx]]
            if go.size:
                self.offensive[go] = True
                self.offensive_day[go] = m.day
                m.refresh(go)
                m.record(go, "offensive", self.actor_id)


class ArmedGroup(Principal):
    """Hamas: holds the hostages (its leverage) and can only release the living ones it holds.

    Its worth of continuing the war is :func:`trucesim.model.pressures.armed_group_reservation`;
    captivity, deaths and releases are :mod:`trucesim.model.hostages`.
    """

    def __init__(self, model, actor_id, label=None):
        super().__init__(model, actor_id, label)
        p = model.params
        n = model.n_worlds
        self.sens_military = self.param("sensitivity_military")
        self.sens_humanitarian = self.param("sensitivity_humanitarian")
        self.sens_mediators = self.param("sensitivity_mediators")
        self.patience = self.param("patience")
        self.leverage_value = self.param("leverage_value")
        held = column(p, "context.hostages_held", n)
        dead = column(p, "context.hostages_dead", n)
        self.living = (held - dead).astype(np.int32)
        self.living0 = np.maximum(self.living.astype(float), 1.0)
        self.category_share = column(p, "context.category_share", n)
        # the agreed categories hold floor(share * living) at day 0; releases come out of them
        self.category_pool = np.floor(self.category_share * self.living)
        self.hazard = column(p, "context.hostage_daily_hazard", n)
        self.offensive_hazard = column(p, "context.offensive_hazard_multiplier", n)
        self.released = np.zeros(n, np.int32)
        self.died = np.zeros(n, np.int32)
        self.log_survival = np.zeros(n)  # log(1 - daily hazard); set by the model's refresh
        self.p_none = np.ones(n)  # chance that no hostage dies today
        self.dying = np.zeros(0, np.intp)  # worlds with deaths today, and how many
        self.deaths = np.zeros(0, np.int32)

    def available(self, idx: np.ndarray) -> np.ndarray:
        """Living hostages held in the categories of the first phase (:func:`trucesim.model.hostages.available`)."""
        return hostages.available(self, idx)

    def leverage(self, idx):
        """Share of the living hostages of day 0 still held: Hamas's leverage, 0..1."""
        return hostages.leverage(self, idx)

    def reservation(self, idx):
        return pressures.armed_group_reservation(self, self.model, idx)

    def decision_gap(self, terms, idx):
        # a demand beyond the living hostages in the agreed categories cannot be met as written
        feasible = terms[:, HOSTAGES] <= self.available(idx)
        return self.gap(terms, idx), feasible

    def counter_proposal(self, terms, idx):
        out = super().counter_proposal(terms, idx)
        out[:, HOSTAGES] = np.minimum(out[:, HOSTAGES], self.available(idx))
        return out

    def step(self):
        """Daily: living hostages may die in captivity (:func:`trucesim.model.hostages.deaths_today`)."""
        hostages.deaths_today(self, self.model)

    def release(self, idx: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Release up to ``count`` living hostages in worlds ``idx``; return how many went free."""
        return hostages.release(self, self.model, idx, count)


class CoalitionParty(Actor):
    """A coalition partner: a veto player who may quit if a deal crosses its red lines."""

    def __init__(self, model, actor_id, label=None):
        super().__init__(model, actor_id, label)
        n = model.n_worlds
        self.seats = self.param("seats")
        lines = terms_matrix(model.params, f"actors.{actor_id}.red_lines.", n)
        # only the terms on which the party has a red line below the largest possible value
        highs = np.array([t.high for t in TERMS])
        self.line_terms = np.flatnonzero((lines < highs).any(axis=0))
        self.red_lines = lines[:, self.line_terms] + 1e-9
        self.credibility = self.param("exit_credibility")
        self.exited = np.zeros(n, bool)

    def crossed(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Whether the terms cross any of the party's red lines."""
        if not self.line_terms.size:
            return np.zeros(len(terms), bool)
        return (terms[:, self.line_terms] > rows(self.red_lines, idx)).any(axis=1)

    def exit_probability(self, terms, idx):
        """Probability the party quits over these terms (if it has not already)."""
        return np.where(self.exited[idx], 0.0, self.crossed(terms, idx) * self.credibility[idx])


class Opposition(Actor):
    """The opposition, whose safety net can carry a deal vote and keep the government alive."""

    def __init__(self, model, actor_id, label=None):
        super().__init__(model, actor_id, label)
        self.seats = self.param("seats")
        self.net_seats = self.param("safety_net_seats")
        self.credibility = self.param("safety_net_credibility")
        self.net_used = np.zeros(model.n_worlds, bool)


class Mediator(Actor):
    """The United States, Egypt or Qatar: presses its target and, together, tables proposals.

    The pressure it brings on its target is ``leverage + leverage_step *
    missed deadlines + leverage_humanitarian * crisis``, summed over the
    mediators pressing the same target (:class:`trucesim.model.pressures.MediatorPressure`).
    """

    def __init__(self, model, actor_id, target: str, label=None):
        super().__init__(model, actor_id, label)
        self.target = target
        self.leverage = self.param("leverage")
        self.step_per_deadline = self.param("leverage_step")
        self.humanitarian = self.param("leverage_humanitarian")
        self.noise = self.param("estimate_noise")


class HostageFamilies(Actor):
    """The hostage families: pressure on the government that rises with time and with deaths."""

    def __init__(self, model, actor_id, label=None):
        super().__init__(model, actor_id, label)
        self.pressure = column(model.params, "context.family_pressure", model.n_worlds).copy()
        self.growth = self.param("growth_per_day")
        self.per_death = self.param("per_death")

    def step(self):
        """Daily: pressure rises while hostages are held and with each reported death."""
        pressures.advance_family_pressure(self, self.model)


__all__ = [
    "Actor",
    "ArmedGroup",
    "CoalitionParty",
    "Government",
    "HostageFamilies",
    "Mediator",
    "Opposition",
    "Principal",
    "column",
    "rows",
    "terms_matrix",
]

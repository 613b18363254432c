"""The actors, as Mesa agents whose state holds one entry per world.

Each agent reads its parameters from the drawn scenario (a number shared by all
worlds or an array with one value per world) and keeps its state in numpy
arrays of length ``model.n_worlds``: each side also keeps its answer to the
round under way (its answer day, its answer, the round's uniform).  Decisions
take an index array of the worlds that decide now and return arrays for those
worlds only.  The mechanisms
themselves live in their own modules: :mod:`~trucesim.model.acceptance`
(utility, the logit, answers), :mod:`~trucesim.model.pressures` (reservation
values), :mod:`~trucesim.model.hostages` and :mod:`~trucesim.model.coalition`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from trucesim.config.terms import HOSTAGES, REMAINS, SCALES, TERMS, denormalise
from trucesim.model import acceptance, deadlines, hostages, kernels, pressures, streams
from trucesim.model.acceptance import ACCEPT, COUNTER, PENDING, REJECT
from trucesim.model.columns import column, rows, terms_matrix

if TYPE_CHECKING:
    from trucesim.model.model import TruceModel
    from trucesim.model.situation import Index

#: integer types as wide as a row of 1, 2, 4 or 8 booleans (see :meth:`CoalitionParty.crossed`)
_BOOL_ROWS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


class Actor(mesa.Agent):
    """Base class: an actor identified by its scenario id."""

    model: TruceModel

    def __init__(self, model: TruceModel, actor_id: str, label: str | None = None) -> None:
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

    #: the purposes of this side's draws (:mod:`trucesim.model.streams`): study days, answer, estimate noise
    STUDY, ANSWER, ESTIMATE, PHASE_TWO = (
        streams.STUDY_GOV,
        streams.ANSWER_GOV,
        streams.ESTIMATE_GOV,
        streams.PHASE_TWO_GOV,
    )
    #: the calendar kind under which this side's answer days are booked (:mod:`trucesim.model.calendar`)
    answer_kind = "gov_answer"

    def __init__(self, model: TruceModel, actor_id: str, label: str | None = None) -> None:
        super().__init__(model, actor_id, label)
        n = model.n_worlds
        p = model.params
        w = terms_matrix(p, f"actors.{actor_id}.weights.", n)
        self.weights = w / w.sum(axis=1, keepdims=True)
        self.ideal = terms_matrix(p, f"actors.{actor_id}.ideal.", n)
        self.reservation0 = self.param("reservation")
        self.truce_value = self.param("truce_value")
        self.rationality = self.param("rationality")
        self.counter_step = self.param("counter_step")
        self.study_min = self.param("study_days_min")
        self.study_max = self.param("study_days_max")
        self.breach_daily = self.param("breach_daily")
        self.guarantee_effect = self.param("guarantee_effect")
        self.deadline_cost = self.param("deadline_cost")
        self.accepted_any = np.zeros(n, bool)
        self.first_accept_day = np.full(n, np.nan)
        self.counters = np.zeros(n, np.int16)
        self.rejections = np.zeros(n, np.int16)
        self.first_answer = np.zeros(n, np.int8)  # PENDING until the first text is answered
        self.first_accept_round = np.zeros(n, np.int16)
        self.last_accept_round = np.zeros(n, np.int16)
        self.last_accept_day = np.full(n, np.nan)
        self.last_accept_deadline = np.full(n, np.nan)
        # the round under way: the day this side answers, its answer (PENDING until given) and the
        # uniform its answer is drawn with (one per round, drawn when the text is tabled)
        self.due = np.full(n, -1, np.int32)
        self.answer_state = np.zeros(n, np.int8)
        self.round_uniform = np.zeros(n)
        #: the probability of accepting with which the traced world's last answer was drawn (for its story)
        self.traced_p = float("nan")

    # --- preferences -------------------------------------------------------
    def utility(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Utility of raw ``terms`` (shape ``(len(idx), 12)``) in worlds ``idx``.

        Hostages and remains are valued over the whole exchange: what a text
        releases counts with what was released before, as a share of the
        living hostages held when the talks began (and of all remains), so the
        last releases keep their worth.
        """
        ag = self.model.armed_group  # the same numbers as normalise(whole_exchange) and closeness_utility, compiled
        return kernels.utility(
            np.ascontiguousarray(terms, dtype=float),
            np.asarray(idx, dtype=np.int64),
            SCALES,
            HOSTAGES,
            REMAINS,
            ag.released,
            ag.remains_released,
            ag.remains_held,
            ag.living0,
            self.ideal,
            self.weights,
            self.truce_value,
        )

    def reservation(self, idx: np.ndarray) -> np.ndarray:
        """Worth of continuing the war today in worlds ``idx`` (overridden by subclasses)."""
        return self.reservation0[idx]

    def gap(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Utility of the terms minus the worth of continuing the war."""
        return self.utility(terms, idx) - self.reservation(idx)

    def decision_gap(self, terms: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The gap a side weighs when it answers, and whether it can meet the terms as written."""
        return self.gap(terms, idx), np.ones(idx.size, bool)

    def candidate_gaps(self, terms: np.ndarray, worlds: np.ndarray, k: int) -> np.ndarray:
        """The decision gaps of ``k`` candidate texts per world: ``terms`` holds ``k`` blocks of rows, one
        row per world of ``worlds`` in each.

        The same numbers as ``decision_gap(terms, np.tile(worlds, k))[0]``; what depends on the world
        alone (the reservation value) is computed once per world.
        """
        return self.utility(terms, np.tile(worlds, k)) - np.tile(self.reservation(worlds), k)

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
        """Terms moved ``counter_step`` of the way from ``terms`` toward the ideal point (hostages: of what is left)."""
        ag = self.model.armed_group
        ideal = denormalise(np.broadcast_to(rows(self.ideal, idx), terms.shape), ag.living0[idx], ag.remains_total(idx))
        ideal[:, HOSTAGES] = np.maximum(ideal[:, HOSTAGES] - ag.released[idx], 0.0)
        ideal[:, REMAINS] = np.maximum(ideal[:, REMAINS] - ag.remains_released[idx], 0.0)
        return acceptance.counter_proposal(terms, ideal, self.counter_step[idx])

    def study_days(self, idx: np.ndarray) -> np.ndarray:
        """Days taken to answer the proposal tabled today in worlds ``idx`` (at least one)."""
        lo, hi = self.study_min[idx], self.study_max[idx]
        days = np.floor(lo + self.model.streams.uniform(idx, self.STUDY, self.model.talks.round[idx]) * (hi - lo + 1))
        return np.maximum(days, 1).astype(np.int32)

    def answer(
        self,
        terms: np.ndarray,
        idx: np.ndarray,
        day: int,
        u: np.ndarray | None = None,
        stakes: np.ndarray | float = 0.0,
        final: bool = True,
    ) -> np.ndarray:
        """Answer the tabled terms in worlds ``idx``: ACCEPT, COUNTER or REJECT.

        ``u`` are the round's uniforms for this side (drawn once per round and
        answer; drawn here when not given); ``stakes`` is what the side expects
        to lose if the deadline passes (:mod:`trucesim.model.deadlines`), added
        to its decision gap.  Unless ``final``, a side answers before the
        deadline only to accept, and accepts early only if the text is worth it
        after what it gives up by not holding out (:meth:`holding_value`, when
        the deadline is still ahead); otherwise its answer stays PENDING.  At
        the deadline (``final``) a side that does not accept counters when its
        own counter-proposal would clear its reservation, else rejects
        (:func:`trucesim.model.acceptance.answer`).
        """
        gap, feasible = self.decision_gap(terms, idx)
        gap = gap + stakes
        rationality = self.rationality[idx]
        p = acceptance.acceptance(rationality, gap, feasible)
        u = self.model.streams.uniform(idx, self.ANSWER, self.model.talks.round[idx]) if u is None else u
        if not final:
            early = np.flatnonzero(u < p)
            early = early[self.model.talks.deadline_day[idx[early]] > day]
            if early.size:
                hold = self.holding_value(terms[early], idx[early])
                p[early] = acceptance.acceptance(rationality[early], gap[early] - hold, feasible[early])
            out = np.where(u < p, ACCEPT, PENDING).astype(np.int8)
        else:
            counter_gap = np.full(idx.size, -np.inf)
            refuse = np.flatnonzero((u >= p) & feasible)
            if refuse.size:
                own = self.counter_proposal(terms[refuse], idx[refuse])
                extra = np.broadcast_to(np.asarray(stakes, dtype=float), idx.shape)[refuse]
                counter_gap[refuse] = self.decision_gap(own, idx[refuse])[0] + extra
            out = acceptance.answer(p, u, counter_gap, feasible)
        self._trace_probability(p, idx)
        self.note(out, idx, day)
        return out

    def _trace_probability(self, p: np.ndarray, idx: np.ndarray) -> None:
        """Keep the probability the traced world's answer was drawn with, if it is among ``idx``."""
        w = self.model.trace_world
        if w is not None:
            at = np.flatnonzero(idx == w)
            if at.size:
                self.traced_p = float(p[at[0]])

    def holding_value(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """What a side gives up by accepting ``terms`` before the deadline in worlds ``idx`` [utility, >= 0].

        The better terms it might still get by holding out: the gain of its own counter-proposal,
        what it would ask for at the deadline instead (:meth:`counter_proposal`).  Roth, Murnighan
        and Schoumaker (1988): conceding early costs a side those terms, so acceptances bunch at
        the deadline.
        """
        return np.maximum(self.utility(self.counter_proposal(terms, idx), idx) - self.utility(terms, idx), 0.0)

    def note(self, out: np.ndarray, idx: np.ndarray, day: int) -> None:
        """Keep the per-world record of answers ``out`` given on ``day`` in worlds ``idx`` (PENDING: none yet)."""
        m = self.model
        accept = out == ACCEPT
        first_text = (m.talks.round[idx] == 1) & (self.first_answer[idx] == PENDING) & (out != PENDING)
        self.first_answer[idx[first_text]] = out[first_text]
        yes = idx[accept]
        first = yes[~self.accepted_any[yes]]
        self.first_accept_day[first] = day
        self.first_accept_round[first] = m.talks.round[first]
        self.accepted_any[yes] = True
        self.last_accept_round[yes] = m.talks.round[yes]
        self.last_accept_day[yes] = day
        self.last_accept_deadline[yes] = m.talks.deadline_day[yes]
        m.talks.acceptances[yes] += 1
        m.talks.acceptances_near_deadline[yes] += deadlines.near_deadline(m.talks.deadline_day[yes], day).astype(
            np.int16
        )
        self.counters[idx[out == COUNTER]] += 1
        self.rejections[idx[out == REJECT]] += 1

    def breach_probability(self, guarantees: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Daily probability that this side breaches the pause, given the guarantees."""
        return self.breach_daily[idx] * (1.0 - self.guarantee_effect[idx] * guarantees)

    def stakes(self, idx: np.ndarray) -> np.ndarray:
        """What this side expects to lose when a deadline passes in worlds ``idx`` [utility]
        (:mod:`trucesim.model.deadlines`); overridden by each side."""
        raise NotImplementedError


class Government(Principal):
    """Israel's government: decides, carries the deal through its coalition, may launch the offensive.

    Its worth of continuing the war is :func:`trucesim.model.pressures.government_reservation`;
    it weighs its own survival: the expected chance that a deal brings it down
    costs ``survival_weight`` of utility.
    """

    def __init__(self, model: TruceModel, actor_id: str, label: str | None = None) -> None:
        super().__init__(model, actor_id, label)
        self.sens_us = self.param("sensitivity_us")
        self.sens_family = self.param("sensitivity_family")
        self.sens_isolation = self.param("sensitivity_isolation")
        self.survival_weight = self.param("survival_weight")
        self.offensive_daily = self.param("offensive_daily_prob")
        self.offensive_value = self.param("offensive_value")
        self.sens_losses = self.param("sensitivity_losses")
        self.sens_hostage_deaths = self.param("sensitivity_hostage_deaths")
        self.side_payments = self.param("side_payments")
        n = model.n_worlds
        self.offensive = np.zeros(n, bool)
        self.offensive_day = np.full(n, np.nan)
        self.fell = np.zeros(n, bool)

    def pressure(self, idx: Index) -> np.ndarray:
        """The mediators' (US first) pressure on the government in worlds ``idx``, 0..1
        (:func:`trucesim.model.pressures.pressure_on_government`)."""
        m = self.model
        return pressures.pressure_on_government(m.situation, self, m.mediator_pressure, m.talks, idx)

    def reservation(self, idx: Index, us: np.ndarray | None = None) -> np.ndarray:
        """Worth of continuing the war today in worlds ``idx`` (:func:`trucesim.model.pressures.government_reservation`);
        ``us`` is :meth:`pressure` there, when the caller has it already."""
        m = self.model
        return pressures.government_reservation(
            self, m.armed_group, m.families, m.situation, m.mediator_pressure, m.talks, idx, us
        )

    def stakes(self, idx: np.ndarray) -> np.ndarray:
        return deadlines.government_stakes(self, self.model.mediator_pressure, idx)

    def decision_gap(self, terms: np.ndarray, idx: np.ndarray, binding: bool = False) -> tuple[np.ndarray, np.ndarray]:
        us = self.pressure(idx)  # once: the survival term and the reservation share it
        fall = self.model.coalition.fall_probability(terms, idx, us, binding)
        gap = self.utility(terms, idx) - self.reservation(idx, us)
        return gap - self.survival_weight[idx] * fall, np.ones(idx.size, bool)

    def candidate_gaps(self, terms: np.ndarray, worlds: np.ndarray, k: int) -> np.ndarray:
        every = np.tile(worlds, k)
        us = self.pressure(worlds)
        fall = self.model.coalition.fall_probability(terms, every, np.tile(us, k))
        gap = self.utility(terms, every) - np.tile(self.reservation(worlds, us), k)
        return gap - self.survival_weight[every] * fall

    def step(self) -> None:
        """Daily: once talks have failed, maybe launch the Rafah offensive (only while fighting)."""
        m = self.model
        idx = np.flatnonzero(m.situation.offensive_candidate)
        if idx.size:
            go = idx[m.streams.uniform(idx, streams.OFFENSIVE, m.day) < self.offensive_daily[idx]]
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

    STUDY, ANSWER, ESTIMATE, PHASE_TWO = streams.STUDY_AG, streams.ANSWER_AG, streams.ESTIMATE_AG, streams.PHASE_TWO_AG
    answer_kind = "ag_answer"

    def __init__(self, model: TruceModel, actor_id: str, label: str | None = None) -> None:
        super().__init__(model, actor_id, label)
        p = model.params
        n = model.n_worlds
        self.sens_military = self.param("sensitivity_military")
        self.sens_humanitarian = self.param("sensitivity_humanitarian")
        self.sens_mediators = self.param("sensitivity_mediators")
        self.patience = self.param("patience")
        self.leverage_value = self.param("leverage_value")
        self.sens_attrition = self.param("sensitivity_attrition")
        self.sens_hardship = self.param("sensitivity_hardship")
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
        self.remains_held = np.maximum(dead, 0).astype(np.int32)  # deaths in captivity add to them
        self.remains_released = np.zeros(n, np.int32)
        self.log_survival = np.zeros(n)  # log(1 - daily hazard); set by the model's refresh
        self.p_none = np.ones(n)  # chance that no hostage dies today
        self.dying = np.zeros(0, np.intp)  # worlds with deaths today, and how many
        self.deaths: np.ndarray = np.zeros(0, np.int32)

    def available(self, idx: np.ndarray) -> np.ndarray:
        """Living hostages held in the categories of the first phase (:func:`trucesim.model.hostages.available`)."""
        return hostages.available(self, idx)

    def remains_total(self, idx: np.ndarray) -> np.ndarray:
        """All the remains held over the exchange (held now plus returned), at least 1."""
        return np.maximum(self.remains_held[idx] + self.remains_released[idx], 1.0)

    def leverage(self, idx: Index) -> np.ndarray:
        """Share of the living hostages of day 0 still held: Hamas's leverage, 0..1."""
        return hostages.leverage(self, idx)

    def reservation(self, idx: Index) -> np.ndarray:
        m = self.model
        return pressures.armed_group_reservation(self, m.government, m.situation, m.mediator_pressure, m.talks, idx)

    def stakes(self, idx: np.ndarray) -> np.ndarray:
        m = self.model
        return deadlines.armed_group_stakes(self, m.government, m.mediator_pressure, m.talks, m.situation, idx)

    def decision_gap(self, terms: np.ndarray, idx: np.ndarray, binding: bool = False) -> tuple[np.ndarray, np.ndarray]:
        return self.gap(terms, idx), self.can_deliver(terms, idx)

    def can_deliver(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Whether the text asks no more than the living hostages in the agreed categories and the remains held."""
        return (terms[:, HOSTAGES] <= self.available(idx)) & (terms[:, REMAINS] <= self.remains_held[idx])

    def counter_proposal(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        out = super().counter_proposal(terms, idx)
        out[:, HOSTAGES] = np.minimum(out[:, HOSTAGES], self.available(idx))
        out[:, REMAINS] = np.minimum(out[:, REMAINS], self.remains_held[idx])
        return out

    def step(self) -> None:
        """Daily: living hostages may die in captivity (:func:`trucesim.model.hostages.deaths_today`)."""
        hostages.deaths_today(self, self.model)

    def release(self, idx: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Release up to ``count`` living hostages in worlds ``idx``; return how many went free."""
        return hostages.release(self, self.model.refresh, idx, count)

    def release_remains(self, idx: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Return up to ``count`` remains in worlds ``idx``; return how many were returned."""
        return hostages.release_remains(self, idx, count)


class CoalitionParty(Actor):
    """A coalition partner: a veto player who may quit if a deal crosses its red lines."""

    def __init__(self, model: TruceModel, actor_id: str, label: str | None = None) -> None:
        super().__init__(model, actor_id, label)
        n = model.n_worlds
        self.seats = self.param("seats")
        lines = terms_matrix(model.params, f"actors.{actor_id}.red_lines.", n)
        # only the terms on which the party has a red line below the largest possible value
        highs = np.array([t.high for t in TERMS])
        self.line_terms = np.flatnonzero((lines < highs).any(axis=0))
        # C order: rows are gathered per decision (fancy indexing along axis 1 leaves it in F order)
        self.red_lines = np.ascontiguousarray(lines[:, self.line_terms] + 1e-9)
        self.credibility = self.param("exit_credibility")
        self.office_value = self.param("office_value")
        self.payment_acceptance = self.param("payment_acceptance")
        self.sens_us = self.param("sensitivity_us")
        self.exited = np.zeros(n, bool)
        self.promised = np.zeros(n, bool)  # took a side payment: the war resumes after the pause

    def crossed(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Whether the terms cross any of the party's red lines."""
        if not self.line_terms.size:
            return np.zeros(len(terms), bool)
        # C order whatever the operands' (a shared row of red lines left it in F order): the view below reads rows
        over = np.greater(terms[:, self.line_terms], rows(self.red_lines, idx), order="C")
        if over.shape[1] in _BOOL_ROWS:  # a row of 1, 2, 4 or 8 booleans read as one integer: nonzero iff any
            return over.view(_BOOL_ROWS[over.shape[1]])[:, 0] != 0
        return over.any(axis=1)


class Opposition(Actor):
    """The opposition, whose safety net can carry a deal vote and keep the government alive."""

    def __init__(self, model: TruceModel, actor_id: str, label: str | None = None) -> None:
        super().__init__(model, actor_id, label)
        self.seats = self.param("seats")
        self.net_seats = self.param("safety_net_seats")
        self.credibility = self.param("safety_net_credibility")
        self.sens_us = self.param("sensitivity_us")
        self.net_used = np.zeros(model.n_worlds, bool)


class Mediator(Actor):
    """The United States, Egypt or Qatar: presses its target and, together, tables proposals.

    The pressure it brings on its target is ``leverage + leverage_step *
    missed deadlines + leverage_humanitarian * crisis``, summed over the
    mediators pressing the same target (:class:`trucesim.model.pressures.MediatorPressure`).
    """

    def __init__(self, model: TruceModel, actor_id: str, target: str, label: str | None = None) -> None:
        super().__init__(model, actor_id, label)
        self.target = target
        self.leverage = self.param("leverage")
        self.step_per_deadline = self.param("leverage_step")
        self.humanitarian = self.param("leverage_humanitarian")
        self.noise = self.param("estimate_noise")


class HostageFamilies(Actor):
    """The hostage families: pressure on the government that rises with time and with deaths."""

    def __init__(self, model: TruceModel, actor_id: str, label: str | None = None) -> None:
        super().__init__(model, actor_id, label)
        self.pressure = column(model.params, "context.family_pressure", model.n_worlds).copy()
        self.growth = self.param("growth_per_day")
        self.per_death = self.param("per_death")

    def step(self) -> None:
        """Daily: pressure rises while hostages are held and with each reported death."""
        pressures.advance_family_pressure(self, self.model.situation, self.model.armed_group)


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

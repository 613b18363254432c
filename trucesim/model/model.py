"""TruceModel: many worlds of the truce negotiation, one Mesa step per day.

Day 0 the mediators table the framework.  Each day (in this order): the
situation moves (isolation, the humanitarian crisis); hostages may die in
captivity; the families' pressure rises; the government may launch the Rafah
offensive; revised proposals are tabled; each side answers the proposals it has
finished studying; rounds with both answers are resolved (ratification and
signature, or revision, or the mediators walk away); pauses release hostages and
may be breached.  Deadlines and the end of each pause are Mesa events scheduled
on their day; the DataCollector records the daily aggregates last.

Examples
--------
>>> from trucesim.config.scenario import load_scenario
>>> m = TruceModel(load_scenario("scenarios/april-2024.toml"), n_worlds=1000, rng=1)  # doctest: +SKIP
>>> m.run()                                                                           # doctest: +SKIP
>>> float(m.deal.mean())                                                              # doctest: +SKIP
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.time import Priority, Schedule
from scipy.special import expit

from trucesim.model.agents import (ACCEPT, COUNTER, PENDING, REJECT, ArmedGroup, CoalitionParty, Government,
                     HostageFamilies, Mediator, Opposition, _col)
from trucesim.model.coalition import Coalition
from trucesim.config.scenario import Scenario
from trucesim.config.terms import HOSTAGES, PAUSE, TERM_INDEX, TERM_NAMES, TERMS

_INTEGER_TERMS = np.array([t.integer for t in TERMS])
_ANSWER_WORDS = {ACCEPT: "accepts", COUNTER: "counters", REJECT: "rejects"}
END_REASONS = ("deal", "walked_away", "government_fell", "horizon")
_AID = TERM_INDEX["aid_trucks_per_day"]
#: daily aggregates over worlds kept by the DataCollector (shares of worlds, or means)
DAILY_SERIES = ("negotiating", "in_pause", "permanent_end", "collapsed", "talks_ended", "offensive",
                "living_hostages", "family_pressure_mean", "us_pressure", "isolation_mean",
                "humanitarian_crisis")


class TruceModel(mesa.Model):
    """The negotiation over ``n_worlds`` independent worlds.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`trucesim.config.scenario.load_scenario`).
    n_worlds : int
        Worlds simulated at once; every state variable is an array of this length.
    rng : int, numpy Generator or SeedSequence
        The model's random stream: every draw (parameters, decisions, deaths) comes from it.
    overrides : dict, optional
        Parameter values replacing the scenario's, as numbers or arrays of
        ``n_worlds`` (an experiment's design points).
    trace_world : int, optional
        A world whose day-by-day events are kept in :attr:`trace`.
    """

    NEGOTIATING, PAUSE, PERMANENT, COLLAPSED, ENDED = range(5)

    def __init__(self, scenario: Scenario, n_worlds: int = 1000, rng=None,
                 overrides: dict | None = None, trace_world: int | None = None):
        super().__init__(rng=rng)
        n = self.n_worlds = int(n_worlds)
        self.scenario_spec = scenario  # Mesa reserves `scenario` for its own Scenario class
        self.params = p = scenario.draw(self.rng, n, overrides)
        self.horizon = int(scenario.value("protocol.horizon_days"))
        self.deadline_days = int(scenario.value("protocol.deadline_days"))
        self.trace_world = trace_world
        self.trace: list[tuple[int, str]] = []
        self.day = 0

        # the situation, per world
        ctx = lambda k: _col(p, f"context.{k}", n)  # noqa: E731
        self.crisis = ctx("humanitarian_crisis").copy()
        self.isolation = ctx("international_isolation").copy()
        self.military0 = ctx("military_pressure")
        self.us0 = ctx("us_pressure")
        self.family0 = ctx("family_pressure")
        self.daily_deaths = ctx("daily_deaths_gaza")
        self.iso_per_death = ctx("isolation_per_1000_deaths") / 1000.0
        self.hunger = ctx("hunger_growth")
        self.relief = ctx("aid_relief")
        self.off_deaths = ctx("offensive_deaths_multiplier")
        self.off_military = ctx("offensive_military_pressure")
        self.off_us = ctx("offensive_us_pressure")
        self.majority = ctx("knesset_majority")
        proto = lambda k: _col(p, f"protocol.{k}", n)  # noqa: E731
        self.max_rounds = proto("max_rounds")
        self.step_size = proto("mediator_step")
        self.revision_min = proto("revision_days_min")
        self.revision_max = proto("revision_days_max")
        self.walk_away = proto("walk_away_prob")
        self.min_estimate = proto("min_estimated_acceptance")
        self.instalment = np.maximum(proto("instalment_days"), 1)
        self.commitment = proto("commitment_weight")
        self.extension_max = proto("extension_days_max")
        self.per_extension = proto("hostages_per_extension_day")

        # the actors
        self.mediators: list[Mediator] = []
        parties: list[CoalitionParty] = []
        opposition = None
        self.families = None
        # in id order, so that the order of the tables in a scenario file changes no number
        for actor_id, kind in sorted(scenario.actors.items()):
            label = scenario.labels.get(actor_id)
            if kind == "government":
                self.government = Government(self, actor_id, label)
            elif kind == "armed_group":
                self.armed_group = ArmedGroup(self, actor_id, label)
            elif kind == "coalition_party":
                parties.append(CoalitionParty(self, actor_id, label))
            elif kind == "opposition":
                opposition = Opposition(self, actor_id, label)
            elif kind == "mediator":
                self.mediators.append(Mediator(self, actor_id, scenario.targets[actor_id], label))
            else:
                self.families = HostageFamilies(self, actor_id, label)
        self.coalition = Coalition(parties, opposition, self.majority)
        # mediators' pressure is linear in missed deadlines and the crisis, so each target's
        # total is one sum: leverage + step * missed + humanitarian * crisis
        self._press = {target: tuple(np.sum([getattr(md, a) for md in self.mediators if md.target == target]
                                            or [np.zeros(n)], axis=0)
                                     for a in ("leverage", "step_per_deadline", "humanitarian"))
                       for target in ("government", "armed_group")}
        self._noise_gov = self._mediator_noise("government")
        self._noise_ag = self._mediator_noise("armed_group")

        # the negotiation, per world
        self.terms = np.stack([_col(p, f"terms.{t}", n) for t in TERM_NAMES], axis=1).astype(float)
        self.status = np.zeros(n, np.int8)
        self.round = np.zeros(n, np.int16)
        self.deadline_day = np.full(n, -1, np.int32)
        self.next_table_day = np.full(n, -1, np.int32)
        self.gov_due = np.full(n, -1, np.int32)
        self.ag_due = np.full(n, -1, np.int32)
        self.gov_answer = np.zeros(n, np.int8)
        self.ag_answer = np.zeros(n, np.int8)
        self.deadlines_missed = np.zeros(n, np.int16)
        self.talks_failed = np.zeros(n, bool)
        self.walked_away = np.zeros(n, bool)
        self.deal = np.zeros(n, bool)
        self.deal_day = np.full(n, np.nan)
        self.signed_terms = np.full((n, len(TERM_NAMES)), np.nan)
        self.pause_end = np.full(n, -1, np.int32)
        self.hostages_due = np.zeros(n, np.int32)
        self.extensions = np.zeros(n, np.int16)
        self.pause_completed = np.zeros(n, bool)
        self.permanent = np.zeros(n, bool)
        self.collapse_day = np.full(n, np.nan)
        self.breach_by = np.zeros(n, np.int8)  # 0 none, 1 government, 2 armed group
        self.end_reason = np.full(n, END_REASONS.index("horizon"), np.int8)
        self._event_days: set[tuple[str, int]] = set()
        self._calendar: dict[tuple[str, int], list[np.ndarray]] = {}

        # daily rates, refreshed only for worlds whose state changes (see refresh)
        self.fighting_mask = np.ones(n, bool)
        self.offensive_candidate = np.zeros(n, bool)
        self.hostage_hazard = np.zeros(n)
        self.hostages_held = np.zeros(n)
        self._iso_rate = np.zeros(n)
        self._crisis_rate = np.zeros(n)
        self._dirty: list[np.ndarray] = []
        self.refresh(np.arange(n))
        self._flush()

        self.datacollector = mesa.DataCollector(model_reporters={k: k for k in DAILY_SERIES})
        self._table(np.arange(n))
        self._collect()
        self.schedule_recurring(self._collect, Schedule(interval=1.0, start=1.0), priority=Priority.LOW)

    # --- running -------------------------------------------------------------
    def run(self) -> "TruceModel":
        """Simulate every day up to the horizon."""
        self.run_until(self.horizon)
        return self

    def step(self):
        """One day, in the order given in the module docstring."""
        self.day = int(round(self.time))
        self._environment()
        # hostages first (deaths are news for the families), then the families, then the
        # government's choice about the offensive: a fixed order, not a shuffle
        for kind in (ArmedGroup, HostageFamilies, Government):
            agents = self.agents_by_type.get(kind)
            if agents:
                agents.do("step")
        self._table_due()
        answered = self._answers()
        self._resolve(answered)
        self._pause_day()

    # --- pressures -------------------------------------------------------------
    def refresh(self, idx: np.ndarray) -> None:
        """Mark worlds ``idx`` whose state changed; their daily rates are recomputed at day's end.

        Rates (isolation, the crisis, the hostage hazard, the families'
        pressure, whether the offensive may start) depend only on a world's
        status, the offensive, the signed aid and the hostages held; every
        change of those calls this, so the day loop just adds rates.  All
        rates are read at the start of a day, so recomputing them once, after
        the day's events, gives the same result as recomputing at each change.
        """
        if idx.size:
            self._dirty.append(idx)

    def _flush(self) -> None:
        """Recompute the daily rates of the worlds marked by :meth:`refresh`."""
        if not self._dirty:
            return
        # duplicates are harmless: each write of a world's rates is the same value
        idx = np.concatenate(self._dirty) if len(self._dirty) > 1 else self._dirty[0]
        self._dirty = []
        st = self.status[idx]
        fight = (st != self.PAUSE) & (st != self.PERMANENT)
        self.fighting_mask[idx] = fight
        gov, ag = self.government, self.armed_group
        off = gov.offensive[idx]
        deaths = self.daily_deaths[idx] * np.where(off, self.off_deaths[idx], 1.0)
        self._iso_rate[idx] = self.iso_per_death[idx] * deaths * fight
        aid = np.nan_to_num(self.signed_terms[idx, _AID])
        relief = self.relief[idx] * np.minimum(aid / TERMS[_AID].scale, 1.0)
        self._crisis_rate[idx] = np.where(fight, self.hunger[idx], -relief)
        h = ag.hazard[idx] * np.where(off, ag.offensive_hazard[idx], 1.0)
        self.hostage_hazard[idx] = h = np.where(fight, np.minimum(h, 1.0 - 1e-12), 0.0)
        ag.log_survival[idx] = np.log1p(-h)
        ag.p_none[idx] = np.exp(ag.living[idx] * ag.log_survival[idx])
        self.hostages_held[idx] = (ag.living[idx] > 0) & (st != self.PERMANENT)
        self.offensive_candidate[idx] = fight & self.talks_failed[idx] & ~off

    def set_status(self, idx: np.ndarray, status: int) -> None:
        """Move worlds ``idx`` to ``status`` and refresh their rates."""
        self.status[idx] = status
        self.refresh(idx)

    def pressure_on_government(self, idx):
        """US and other mediators' pressure on the government, 0..1."""
        total = self.us0[idx] + self.off_us[idx] * self.government.offensive[idx] + self._mediators_on("government", idx)
        return np.clip(total, 0.0, 1.0)

    def _mediators_on(self, target, idx):
        lev, step, hum = self._press[target]
        return lev[idx] + step[idx] * self.deadlines_missed[idx] + hum[idx] * self.crisis[idx]

    def pressure_on_armed_group(self, idx):
        """Egyptian and Qatari (and other mediators') pressure on Hamas, 0..1."""
        return np.clip(self._mediators_on("armed_group", idx), 0.0, 1.0)

    def military_pressure(self, idx):
        """Military pressure on Hamas, 0..1: higher once the Rafah offensive runs."""
        return np.minimum(1.0, self.military0[idx] + self.off_military[idx] * self.government.offensive[idx])

    def family_pressure(self, idx):
        """The hostage families' pressure on the government, 0..1."""
        return self.families.pressure[idx] if self.families is not None else self.family0[idx]

    def _environment(self):
        np.add(self.isolation, self._iso_rate, out=self.isolation)
        np.minimum(self.isolation, 1.0, out=self.isolation)
        np.add(self.crisis, self._crisis_rate, out=self.crisis)
        np.clip(self.crisis, 0.0, 1.0, out=self.crisis)

    def _mediator_noise(self, target):
        sds = [m.noise for m in self.mediators if m.target == target]
        return np.mean(sds, axis=0) if sds else np.full(self.n_worlds, 0.1)

    # --- the protocol ------------------------------------------------------------
    def _book(self, kind: str, days: np.ndarray, idx: np.ndarray) -> None:
        """Note worlds ``idx`` in the calendar under ``kind`` on their ``days``.

        Deadlines and pause ends are Mesa events on their day (bound methods);
        answers and tablings are read back by the day's step.
        """
        if not idx.size:
            return
        days = np.broadcast_to(days, idx.shape)
        if days.min() == days.max():
            groups = [(int(days[0]), idx)]
        else:
            order = np.argsort(days, kind="stable")
            sorted_days = days[order]
            cuts = np.flatnonzero(np.diff(sorted_days)) + 1
            groups = [(int(days[g[0]]), idx[g]) for g in np.split(order, cuts)]
        handler = {"deadline": self._on_deadline, "pause_end": self._on_pause_end}.get(kind)
        for d, worlds in groups:
            self._calendar.setdefault((kind, d), []).append(worlds)
            if handler is not None and (kind, d) not in self._event_days and d <= self.horizon:
                self._event_days.add((kind, d))
                self.schedule_event(handler, at=float(d))

    def _take(self, kind: str, day: int) -> np.ndarray:
        """Worlds booked under ``kind`` for ``day`` (removed from the calendar)."""
        parts = self._calendar.pop((kind, day), None)
        if not parts:
            return np.zeros(0, np.intp)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _table(self, idx):
        """The mediators table the current terms in worlds ``idx`` today, with a deadline."""
        d = self.day
        self.round[idx] += 1
        self.deadline_day[idx] = d + self.deadline_days
        self._book("deadline", np.array(d + self.deadline_days), idx)
        self.next_table_day[idx] = -1
        self.gov_due[idx] = d + self.government.study_days(idx)
        self.ag_due[idx] = d + self.armed_group.study_days(idx)
        self._book("gov_answer", self.gov_due[idx], idx)
        self._book("ag_answer", self.ag_due[idx], idx)
        self.gov_answer[idx] = PENDING
        self.ag_answer[idx] = PENDING
        self.note(idx, lambda w: f"mediators table proposal {self.round[w]} "
                                 f"(deadline day {self.deadline_day[w]}): {self.describe_terms(self.terms[w])}")

    def _table_due(self):
        idx = self._take("table", self.day)
        idx = idx[(self.status[idx] == self.NEGOTIATING) & (self.next_table_day[idx] == self.day)]
        if idx.size:
            self._table(idx)

    def _answers(self) -> np.ndarray:
        """Each side answers the proposals it has finished studying; returns the worlds that answered."""
        answered = []
        for side, kind, due, answer in ((self.government, "gov_answer", self.gov_due, self.gov_answer),
                                        (self.armed_group, "ag_answer", self.ag_due, self.ag_answer)):
            idx = self._take(kind, self.day)
            idx = idx[(self.status[idx] == self.NEGOTIATING) & (answer[idx] == PENDING) & (due[idx] == self.day)]
            if idx.size:
                answer[idx] = side.answer(self.terms[idx], idx, self.day)
                answered.append(idx)
                self.note(idx, lambda w, side=side, answer=answer:
                          f"{side.label} {_ANSWER_WORDS[int(answer[w])]} proposal {self.round[w]} "
                          f"({self._explain(side, w)})")
        if len(answered) < 2:
            return answered[0] if answered else np.zeros(0, np.intp)
        mark = np.zeros(self.n_worlds, bool)
        for a in answered:
            mark[a] = True
        return np.flatnonzero(mark)

    def _explain(self, side, w) -> str:
        idx = np.array([w])
        p = side.decision_probability(self.terms[idx], idx)[0]
        if side is self.armed_group and self.terms[w, HOSTAGES] > side.available(idx)[0]:
            return (f"cannot meet the demand as written: holds {int(side.available(idx)[0])} living "
                    f"hostages in the agreed categories")
        return f"acceptance probability {float(p):.2f}"

    def _resolve(self, idx: np.ndarray):
        """Rounds with both answers in: ratify and sign, or revise."""
        idx = idx[(self.status[idx] == self.NEGOTIATING) & (self.next_table_day[idx] == -1)
                  & (self.gov_answer[idx] != PENDING) & (self.ag_answer[idx] != PENDING)]
        if not idx.size:
            return
        both = (self.gov_answer[idx] == ACCEPT) & (self.ag_answer[idx] == ACCEPT)
        agreed, failed = idx[both], idx[~both]
        if agreed.size:
            ratified, fell, net_used, quitters = self.coalition.ratify(self.terms[agreed], agreed, self.rng)
            for party, quits in zip(self.coalition.parties, quitters):
                self.note(agreed[quits], f"{party.label} quits the coalition over the deal")
            self.note(agreed[net_used], "the opposition's safety net carries the vote")
            self._sign(agreed[ratified])
            gone = agreed[fell]
            self.government.fell[gone] = True
            self.set_status(gone, self.ENDED)
            self.end_reason[gone] = END_REASONS.index("government_fell")
            self.note(gone, "the government loses its majority and falls; the deal is not ratified")
        if failed.size:
            self._revise(failed)

    def _revise(self, idx):
        """After a failed round: walk away, or move the terms toward the refusing side's counter."""
        self._fail_talks(idx)
        stop = (self.round[idx] >= self.max_rounds[idx]) | (self.rng.random(idx.size) < self.walk_away[idx])
        gone = idx[stop]
        self.set_status(gone, self.ENDED)
        self.walked_away[gone] = True
        self.end_reason[gone] = END_REASONS.index("walked_away")
        self.note(gone, "the mediators walk away")
        idx = idx[~stop]
        if not idx.size:
            return
        t = self.terms[idx]
        direction = np.zeros_like(t)
        g_refused = self.gov_answer[idx] != ACCEPT
        a_refused = self.ag_answer[idx] != ACCEPT
        direction += g_refused[:, None] * (self.government.counter_proposal(t, idx) - t)
        direction += a_refused[:, None] * (self.armed_group.counter_proposal(t, idx) - t)
        move = self.step_size[idx, None] * direction
        # the largest share of the move (1, 1/2, 1/4 or none) that keeps the side that accepted
        # likely to accept, by the mediators' noisy estimate; all shares are judged in one batch
        noise = {self.government: self.rng.normal(0.0, 1.0, idx.size) * self._noise_gov[idx],
                 self.armed_group: self.rng.normal(0.0, 1.0, idx.size) * self._noise_ag[idx]}
        shares = np.array([1.0, 0.5, 0.25])
        ok = np.ones((shares.size, idx.size), bool)
        for side, refused in ((self.government, g_refused), (self.armed_group, a_refused)):
            sub = np.flatnonzero(~refused)
            if not sub.size:
                continue
            cand = (t[sub] + shares[:, None, None] * move[sub]).reshape(-1, t.shape[1])
            worlds = np.tile(idx[sub], shares.size)
            gap, feasible = side._decision_gap(cand, worlds)
            est = expit(side.rationality[worlds] * (gap + np.tile(noise[side][sub], shares.size))) * feasible
            ok[:, sub] &= (est >= np.tile(self.min_estimate[idx[sub]], shares.size)).reshape(shares.size, -1)
        first_ok = np.argmax(ok, axis=0)
        chosen = np.where(ok.any(axis=0), shares[first_ok], 0.0)
        new = t + chosen[:, None] * move
        new[:, _INTEGER_TERMS] = np.round(new[:, _INTEGER_TERMS])
        self.terms[idx] = new
        lo, hi = self.revision_min[idx], self.revision_max[idx]
        wait = np.maximum(np.floor(lo + self.rng.random(idx.size) * (hi - lo + 1)), 1).astype(np.int32)
        self.next_table_day[idx] = self.day + wait
        self._book("table", self.next_table_day[idx], idx)
        self.note(idx, lambda w: f"the mediators revise the terms; the next proposal is due on day {self.next_table_day[w]}")

    def _on_deadline(self):
        """A deadline falls due: rounds still unanswered count as missed; the mediators press harder."""
        d = int(round(self.time))
        idx = self._take("deadline", d)
        missed = ((self.status[idx] == self.NEGOTIATING) & (self.deadline_day[idx] == d)
                  & (self.next_table_day[idx] == -1)
                  & ((self.gov_answer[idx] == PENDING) | (self.ag_answer[idx] == PENDING)))
        idx = idx[missed]
        self.deadlines_missed[idx] += 1
        self._fail_talks(idx)
        self.note(idx, "the deadline passes without an agreement; talks go on")

    def _fail_talks(self, idx):
        """Mark the talks of worlds ``idx`` as having failed once (the offensive may now start)."""
        first = idx[~self.talks_failed[idx]]
        self.talks_failed[first] = True
        self.refresh(first)

    def _sign(self, idx):
        d = self.day
        self.deal[idx] = True
        self.deal_day[idx] = d
        self.end_reason[idx] = END_REASONS.index("deal")
        self.signed_terms[idx] = self.terms[idx]
        self.set_status(idx, self.PAUSE)
        self.pause_end[idx] = d + np.maximum(self.terms[idx, PAUSE], 1).astype(np.int32)
        self.hostages_due[idx] = np.minimum(self.terms[idx, HOSTAGES], self.armed_group.living[idx])
        self._book("pause_end", self.pause_end[idx], idx)
        self.note(idx, lambda w: f"deal signed and ratified; pause until day {self.pause_end[w]}")

    def _pause_day(self):
        idx = np.flatnonzero((self.status == self.PAUSE) & (self.deal_day < self.day))
        if not idx.size:
            return
        k = self.day - self.deal_day[idx]
        length = self.pause_end[idx] - self.deal_day[idx]
        inst = self.instalment[idx]
        n_inst = np.maximum(np.ceil(length / inst), 1)
        target = np.where(k >= length, self.hostages_due[idx],
                          np.round(self.hostages_due[idx] * np.minimum(1.0, np.floor(k / inst) / n_inst)))
        owed = np.maximum(target - self.armed_group.released[idx], 0)
        give = idx[owed > 0]
        if give.size:
            self.armed_group.release(give, owed[owed > 0])
            self.note(give, lambda w: f"hostages released: {self.armed_group.released[w]} so far")
        g = self.signed_terms[idx, TERM_INDEX["guarantees"]]
        pg = self.government.breach_probability(g, idx)
        pa = self.armed_group.breach_probability(g, idx)
        u = self.rng.random(idx.size)
        by_gov = u < pg
        by_ag = ~by_gov & (u < pg + pa * (1 - pg))
        broken = by_gov | by_ag
        gone = idx[broken]
        self.set_status(gone, self.COLLAPSED)
        self.collapse_day[gone] = self.day
        self.breach_by[idx[by_gov]] = 1
        self.breach_by[idx[by_ag]] = 2
        self.note(gone, lambda w: f"the pause is breached by "
                                  f"{(self.government if self.breach_by[w] == 1 else self.armed_group).label}; war resumes")

    def _on_pause_end(self):
        """The pause ends: extend it a day, or decide on the permanent end (phase 2)."""
        d = int(round(self.time))
        idx = self._take("pause_end", d)
        idx = idx[(self.status[idx] == self.PAUSE) & (self.pause_end[idx] == d)]
        if not idx.size:
            return
        t = self.signed_terms[idx]
        ag = self.armed_group
        can_extend = (self.extensions[idx] < self.extension_max[idx]) & (ag.available(idx) >= self.per_extension[idx])
        ext = t.copy()
        ext[:, PAUSE] = 1
        ext[:, HOSTAGES] = self.per_extension[idx]
        p_ext = self.government.accept_probability(ext, idx) * ag.accept_probability(ext, idx)
        extend = can_extend & (self.rng.random(idx.size) < p_ext)
        more = idx[extend]
        self.extensions[more] += 1
        self.pause_end[more] += 1
        self.hostages_due[more] += self.per_extension[more].astype(np.int32)
        self.signed_terms[more, PAUSE] += 1
        self._book("pause_end", self.pause_end[more], more)
        self.note(more, "the pause is extended by a day for more releases")
        idx, t = idx[~extend], t[~extend]
        if not idx.size:
            return
        self.pause_completed[idx] = True
        t2 = t.copy()
        t2[:, TERM_INDEX["permanent_ceasefire"]] = 1.0
        t2[:, TERM_INDEX["withdrawal"]] = 1.0
        t2[:, HOSTAGES] = ag.living[idx]
        bonus = self.commitment[idx] * t[:, TERM_INDEX["permanent_ceasefire"]] * t[:, TERM_INDEX["guarantees"]]
        p_gov = expit(self.government.rationality[idx] * (self.government.gap(t2, idx) + bonus))
        p_ag = expit(ag.rationality[idx] * (ag.gap(t2, idx) + bonus))
        u = self.rng.random((2, idx.size))
        perm = (u[0] < p_gov) & (u[1] < p_ag)
        done = idx[perm]
        self.set_status(done, self.PERMANENT)
        self.permanent[done] = True
        ag.release(done, ag.living[done])
        self.note(done, "both sides agree to a permanent end of the war; the remaining hostages are released")
        gone = idx[~perm]
        self.set_status(gone, self.COLLAPSED)
        self.collapse_day[gone] = d
        self.note(gone, "no agreement on a permanent end; the war resumes after the pause")

    # --- records ------------------------------------------------------------------
    def note(self, idx: np.ndarray, text):
        """Add an event of the traced world to :attr:`trace` if it is among ``idx``."""
        w = self.trace_world
        if w is None or not np.any(idx == w):
            return
        self.trace.append((self.day if self.time < 1 else int(round(self.time)),
                           text(w) if callable(text) else text))

    def describe_terms(self, row: np.ndarray) -> str:
        """One line of terms, e.g. ``pause_days=42, hostages_released=40, ...``."""
        return ", ".join(f"{name}={v:g}" for name, v in zip(TERM_NAMES, np.round(row, 2)))

    def _collect(self):
        """End of day: refresh changed rates; daily aggregates for the DataCollector (DAILY_SERIES)."""
        self._flush()
        shares = np.bincount(self.status, minlength=5) / self.n_worlds
        (self.negotiating, self.in_pause, self.permanent_end,
         self.collapsed, self.talks_ended) = (float(x) for x in shares)
        all_ = slice(None)
        self.offensive = float(self.government.offensive.mean())
        self.living_hostages = float(self.armed_group.living.mean())
        self.family_pressure_mean = float(np.mean(self.family_pressure(all_)))
        self.us_pressure = float(np.mean(self.pressure_on_government(all_)))
        self.isolation_mean = float(self.isolation.mean())
        self.humanitarian_crisis = float(self.crisis.mean())
        self.datacollector.collect(self)

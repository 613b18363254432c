"""TruceModel: many worlds of the truce negotiation, one Mesa step per day.

Day 0 the mediators table the framework.  Each day (in this order): the
situation moves (isolation, the humanitarian crisis, the costs accumulated);
hostages may die in captivity; the families' pressure rises; the government may
launch the Rafah offensive; revised texts are tabled; each side whose answer day
it is accepts or holds out; rounds both sides accepted go home for ratification
and signature; pauses release hostages and remains and may be breached.
Deadlines (the sides still holding out answer; failed rounds are revised or the
mediators walk away) and the end of each pause are Mesa events scheduled on
their day; the DataCollector records the daily aggregates last.

This module holds the day loop, the calendar, the trace and the wiring.  The
state has typed owners: each side's on its agent (:mod:`~trucesim.model.agents`),
the talks in :attr:`TruceModel.talks` (:class:`~trucesim.model.talks.Talks`: the
text, status, rounds, deadlines, what can be delivered), the deal and its pause in
:attr:`TruceModel.pause` (:class:`~trucesim.model.pause.Pause`), the pressures and
accumulated costs in :attr:`TruceModel.situation`
(:class:`~trucesim.model.situation.Situation`).  Names read outside the model
(``model.deal``, ``model.terms``, ...) are read-only views of them (:class:`Owned`).
Each mechanism has its own module: :mod:`~trucesim.model.acceptance`,
:mod:`~trucesim.model.pressures`, :mod:`~trucesim.model.ripeness`,
:mod:`~trucesim.model.hostages`, :mod:`~trucesim.model.coalition`,
:mod:`~trucesim.model.mediation`, :mod:`~trucesim.model.deadlines`,
:mod:`~trucesim.model.text`, :mod:`~trucesim.model.deal`,
:mod:`~trucesim.model.phase_two`, with :mod:`~trucesim.model.calendar` for bookings
and :mod:`~trucesim.model.events` for the trace.

Examples
--------
>>> from trucesim.config.scenario import load_scenario
>>> m = TruceModel(load_scenario("scenarios/april-2024.toml"), n_worlds=1000, rng=1)
>>> _ = m.run()
>>> 0.0 <= float(m.deal.mean()) <= 1.0
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from trucesim.config.scenario import Scenario
from trucesim.config.terms import TERM_INDEX
from trucesim.model import deal, hostages, mediation, pressures
from trucesim.model.agents import ArmedGroup, CoalitionParty, Government, HostageFamilies, Mediator, Opposition
from trucesim.model.calendar import Calendar
from trucesim.model.coalition import Coalition
from trucesim.model.events import Event
from trucesim.model.pause import Pause
from trucesim.model.situation import Situation
from trucesim.model.streams import Streams, draw_parameters, model_streams
from trucesim.model.talks import END_REASONS, Talks

_AID = TERM_INDEX["aid_trucks_per_day"]
#: daily aggregates over worlds kept by the DataCollector (shares of worlds, or means)
DAILY_SERIES = (
    "negotiating",
    "in_pause",
    "permanent_end",
    "collapsed",
    "talks_ended",
    "offensive",
    "living_hostages",
    "family_pressure_mean",
    "pressure_on_government",
    "isolation_mean",
    "humanitarian_crisis",
)


class Owned:
    """A read-only name on the model for state owned by one of its parts.

    ``gov_answer = Owned("government", "answer_state")`` makes ``model.gov_answer`` read
    ``model.government.answer_state``: the names used outside :mod:`trucesim.model` (outcome
    tables, the app, tests) keep working while the state lives with its owner.  Assigning
    to it is an error; the arrays themselves may be written in place, as before.
    """

    def __init__(self, owner: str, name: str | None = None) -> None:
        self.owner = owner
        self.name = name

    def __set_name__(self, cls: type, name: str) -> None:
        self.name = self.name or name

    def __get__(self, model: object, cls: type | None = None) -> Any:
        if model is None:
            return self
        return getattr(getattr(model, self.owner), self.name or "")

    def __set__(self, model: object, value: object) -> None:
        raise AttributeError(f"{self.name} belongs to the model's {self.owner}: set it there")


class TruceModel(mesa.Model):
    """The negotiation over ``n_worlds`` independent worlds.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`trucesim.config.scenario.load_scenario`).
    n_worlds : int
        Worlds simulated at once; every state variable is an array of this length.
    rng : int, numpy Generator, SeedSequence or Streams
        The root seed of the model's addressed random numbers (:mod:`~trucesim.model.streams`):
        every draw (parameters, decisions, deaths) is computed from the seed, the world and what
        the draw is for.  An int names worlds ``0..n_worlds-1`` of that seed;
        :class:`~trucesim.model.streams.Streams` name any worlds of a run
        (:func:`~trucesim.model.streams.run_streams`).
    overrides : dict, optional
        Parameter values replacing the scenario's, as numbers or arrays of
        ``n_worlds`` (an experiment's design points).
    trace_world : int, optional
        A world whose events are kept in :attr:`trace` (a list of
        :class:`~trucesim.model.events.Event`).
    collect : bool
        Keep the daily aggregates (:data:`DAILY_SERIES`) in :attr:`datacollector`; runs that
        keep only each world's outcomes pass ``False`` (the same outcomes, less work a day).

    Examples
    --------
    >>> from trucesim.config.scenario import load_scenario
    >>> from trucesim.run.outcomes import outcome_table
    >>> model = TruceModel(load_scenario("april-2024"), 500, rng=0).run()   # 180 days, 500 worlds
    >>> table = outcome_table(model)                                      # one row per world
    >>> len(table), round(float(table["deal"].mean()), 3)
    (500, 0.084)
    """

    NEGOTIATING, PAUSE, PERMANENT, COLLAPSED, ENDED = range(5)
    END_REASONS = END_REASONS

    # read-only names for state owned by the model's parts (see Owned)
    gov_due = Owned("government", "due")
    ag_due = Owned("armed_group", "due")
    gov_answer = Owned("government", "answer_state")
    ag_answer = Owned("armed_group", "answer_state")
    soldiers_lost = Owned("situation")
    terms = Owned("talks")
    status = Owned("talks")
    round = Owned("talks")
    deadline_day = Owned("talks")
    deadline_days = Owned("talks")
    next_table_day = Owned("talks")
    deadlines_missed = Owned("talks")
    talks_failed = Owned("talks")
    walked_away = Owned("talks")
    votes_lost = Owned("talks")
    acceptances = Owned("talks")
    acceptances_near_deadline = Owned("talks")
    blocker = Owned("talks")
    end_reason = Owned("talks")
    deal = Owned("pause")
    deal_day = Owned("pause")
    signed_terms = Owned("pause")
    pause_end = Owned("pause")
    extensions = Owned("pause")
    pause_completed = Owned("pause")
    permanent = Owned("pause")
    collapse_day = Owned("pause")
    breach_by = Owned("pause")

    def __init__(
        self,
        scenario: Scenario,
        n_worlds: int = 1000,
        rng: int | np.random.Generator | np.random.SeedSequence | Streams | None = None,
        overrides: dict[str, Any] | None = None,
        trace_world: int | None = None,
        collect: bool = True,
    ) -> None:
        n = self.n_worlds = int(n_worlds)
        # every draw of the model comes from its addressed streams; Mesa's own rng is left unused
        self.streams = model_streams(rng, n)
        super().__init__(rng=self.streams.mesa_seed)
        self.scenario_spec = scenario  # Mesa reserves `scenario` for its own Scenario class
        self.params = p = draw_parameters(scenario, self.streams, overrides)
        self.horizon = int(scenario.value("protocol.horizon_days"))
        self.trace_world = trace_world
        self.trace: list[Event] = []
        self.day = 0

        # the situation, per world (pressures, the context, costs accumulated, daily rates)
        self.situation = Situation.from_params(p, n)

        # the talks (the text, rounds, deadlines) and the deal with its pause, per world
        self.talks = Talks.from_params(p, n, int(scenario.value("protocol.deadline_days")))
        self.pause = Pause.from_params(p, n)

        self._add_actors(scenario)
        self.mediator_pressure = pressures.MediatorPressure(self.mediators, n)

        self.calendar = Calendar(
            self.schedule_event, self.horizon, {"deadline": self.on_deadline, "pause_end": self.on_pause_end}
        )

        # daily rates, refreshed only for worlds whose state changes (see refresh)
        self._dirty: list[np.ndarray] = []
        self.refresh(np.arange(n))
        self._flush()

        self.datacollector = mesa.DataCollector(model_reporters={k: k for k in DAILY_SERIES})
        mediation.table(self, np.arange(n))
        # the daily aggregates cost a pass over every world a day: runs that keep only outcomes skip them
        end_of_day = self._collect if collect else self._flush
        end_of_day()
        self.schedule_recurring(end_of_day, Schedule(interval=1.0, start=1.0), priority=Priority.LOW)

    def _add_actors(self, scenario: Scenario) -> None:
        """One agent per actor of the scenario, in id order (so the order of tables in a file changes nothing)."""
        self.mediators: list[Mediator] = []
        parties: list[CoalitionParty] = []
        opposition = None
        self.families = None
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
        self.coalition = Coalition(parties, opposition, self.situation.majority, self.government.side_payments)

    # --- running -------------------------------------------------------------
    def run(self) -> TruceModel:
        """Simulate every day up to the horizon."""
        self.run_until(self.horizon)
        return self

    def step(self) -> None:
        """One day, in the order given in the module docstring."""
        self.day = int(round(self.time))
        pressures.advance_situation(self.situation)
        # hostages first (deaths are news for the families), then the families, then the
        # government's choice about the offensive: a fixed order, not a shuffle
        for kind in (ArmedGroup, HostageFamilies, Government):
            agents = self.agents_by_type.get(kind)
            if agents:
                agents.do("step")
        mediation.table_due(self)
        mediation.resolve(self, mediation.collect_answers(self))
        deal.pause_day(self)

    def on_deadline(self, day: int, idx: np.ndarray) -> None:
        """Calendar: deadlines booked for worlds ``idx`` fall due today: holdouts answer, rounds resolve
        (:func:`trucesim.model.mediation.deadline_passes`)."""
        mediation.deadline_passes(self, day, idx)

    def on_pause_end(self, day: int, idx: np.ndarray) -> None:
        """Calendar: pauses booked to end today in worlds ``idx`` end (:func:`trucesim.model.deal.pause_ends`)."""
        deal.pause_ends(self, day, idx)

    # --- status and daily rates -------------------------------------------------
    def set_status(self, idx: np.ndarray, status: int) -> None:
        """Move worlds ``idx`` to ``status`` and refresh their rates."""
        self.talks.status[idx] = status
        self.refresh(idx)

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
        sit = self.situation
        st = self.talks.status[idx]
        fight = (st != self.PAUSE) & (st != self.PERMANENT)
        sit.fighting_mask[idx] = fight
        off = self.government.offensive[idx]
        pressures.situation_rates(sit, idx, fight, off, self.pause.signed_terms[idx, _AID])
        hostages.hazard_rates(sit, self.armed_group, idx, fight, off, st == self.PERMANENT)
        sit.offensive_candidate[idx] = fight & self.talks.talks_failed[idx] & ~off

    # --- records ------------------------------------------------------------------
    def record(
        self,
        idx: np.ndarray,
        kind: str,
        actor: str | Callable[[int], str] | None = None,
        values: dict[str, Any] | Callable[[int], dict] | None = None,
    ) -> None:
        """Add an :class:`~trucesim.model.events.Event` to :attr:`trace` if the traced world is among ``idx``.

        ``actor`` and ``values`` may be functions of the traced world, so they
        are computed only when it is concerned.
        """
        w = self.trace_world
        if w is None or not np.any(idx == w):
            return
        day = self.day if self.time < 1 else int(round(self.time))
        self.trace.append(
            Event(
                day,
                int(w),
                actor(w) if callable(actor) else actor,
                kind,
                values(w) if callable(values) else dict(values or {}),
            )
        )

    def _collect(self) -> None:
        """End of day: refresh changed rates; daily aggregates for the DataCollector (DAILY_SERIES)."""
        self._flush()
        shares = np.bincount(self.talks.status, minlength=5) / self.n_worlds
        (self.negotiating, self.in_pause, self.permanent_end, self.collapsed, self.talks_ended) = (
            float(x) for x in shares
        )
        all_ = slice(None)
        self.offensive = float(self.government.offensive.mean())
        self.living_hostages = float(self.armed_group.living.mean())
        sit = self.situation
        self.family_pressure_mean = float(np.mean(pressures.family_pressure(sit, self.families, all_)))
        self.pressure_on_government = float(np.mean(self.government.pressure(all_)))
        self.isolation_mean = float(sit.isolation.mean())
        self.humanitarian_crisis = float(sit.crisis.mean())
        self.datacollector.collect(self)

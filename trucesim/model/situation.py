"""The situation the talks take place in: pressures, the context, costs accumulated, daily rates.

One :class:`Situation` per model holds, per world (arrays of ``n_worlds``):

* what moves day by day: international isolation and the humanitarian crisis
  (0..1), moved by :func:`trucesim.model.pressures.advance_situation`;
* the scenario's context, drawn per world (``context.*`` parameters): the
  starting pressures, the toll of the fighting and what the offensive changes;
* the costs each side has accumulated since day 0 (:mod:`trucesim.model.ripeness`:
  soldiers lost, the armed group's attrition and its population's hardship)
  and their daily rates;
* the daily rates that depend only on a world's status, the offensive, the
  signed aid and the hostages held, recomputed by the model's ``refresh`` only
  for the worlds whose state changed (isolation, crisis, the hostage hazard,
  whether hostages are held, whether the offensive may start).

The mechanisms that read and move it live in :mod:`trucesim.model.pressures`,
:mod:`trucesim.model.ripeness` and :mod:`trucesim.model.hostages`.

Examples
--------
>>> p = {f"context.{k}": 0.5 for k in CONTEXT_KEYS}
>>> s = Situation.from_params(p, 3)
>>> s.crisis.tolist(), s.iso_per_death.tolist()
([0.5, 0.5, 0.5], [0.0005, 0.0005, 0.0005])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trucesim.model.columns import column

#: worlds to read: an index array, or ``slice(None)`` for all of them
Index = np.ndarray | slice

#: the ``context.*`` parameters the situation reads
CONTEXT_KEYS = (
    "humanitarian_crisis",
    "international_isolation",
    "military_pressure",
    "us_pressure",
    "family_pressure",
    "daily_deaths_gaza",
    "isolation_per_1000_deaths",
    "hunger_growth",
    "aid_relief",
    "offensive_deaths_multiplier",
    "offensive_military_pressure",
    "offensive_us_pressure",
    "knesset_majority",
    "soldiers_lost_per_day",
)


@dataclass(eq=False)
class Situation:
    """Per-world pressures, context, accumulated costs and daily rates (arrays of ``n_worlds``).

    Build it with :meth:`from_params`.  Pressures and shares are on a 0..1 scale;
    costs are in their own units (soldiers, months at full pressure) until a
    side's sensitivity turns them into utility (:mod:`trucesim.model.ripeness`).
    """

    crisis: np.ndarray  #: humanitarian crisis today, 0..1
    isolation: np.ndarray  #: Israel's international isolation today, 0..1
    military0: np.ndarray  #: military pressure on the armed group before any offensive, 0..1
    us0: np.ndarray  #: US pressure on the government before any offensive, 0..1
    family0: np.ndarray  #: the families' pressure when the scenario has no families actor, 0..1
    daily_deaths: np.ndarray  #: deaths in Gaza per day of fighting
    iso_per_death: np.ndarray  #: isolation added per death in Gaza
    hunger: np.ndarray  #: daily rise of the crisis while fighting
    relief: np.ndarray  #: daily easing of the crisis at full signed aid
    off_deaths: np.ndarray  #: multiplier of the toll (and soldiers lost) under the offensive
    off_military: np.ndarray  #: military pressure the offensive adds, 0..1
    off_us: np.ndarray  #: US pressure the offensive adds, 0..1
    majority: np.ndarray  #: seats the government needs in the Knesset
    soldiers_per_day: np.ndarray  #: soldiers lost per day of fighting
    # costs accumulated since day 0 (ripeness) and their daily rates
    soldiers_lost: np.ndarray = field(init=False)  #: soldiers lost since day 0
    attrition: np.ndarray = field(init=False)  #: armed group's losses, months at full military pressure
    hardship: np.ndarray = field(init=False)  #: population's hardship, months at full crisis
    losses_rate: np.ndarray = field(init=False)  #: soldiers lost per day, at today's status
    attrition_rate: np.ndarray = field(init=False)  #: attrition added per day, at today's status
    # daily rates, refreshed only for worlds whose state changes (the model's refresh)
    fighting_mask: np.ndarray = field(init=False)  #: whether the war goes on (neither paused nor ended)
    offensive_candidate: np.ndarray = field(init=False)  #: the offensive may start today
    hostage_hazard: np.ndarray = field(init=False)  #: daily death hazard per living hostage
    hostages_held: np.ndarray = field(init=False)  #: 1.0 while living hostages are held and no permanent end is reached
    iso_rate: np.ndarray = field(init=False)  #: daily rise of isolation
    crisis_rate: np.ndarray = field(init=False)  #: daily change of the crisis

    def __post_init__(self) -> None:
        n = self.crisis.size
        for name in ("soldiers_lost", "attrition", "hardship", "losses_rate", "attrition_rate"):
            setattr(self, name, np.zeros(n))
        self.fighting_mask = np.ones(n, bool)
        self.offensive_candidate = np.zeros(n, bool)
        for name in ("hostage_hazard", "hostages_held", "iso_rate", "crisis_rate"):
            setattr(self, name, np.zeros(n))

    @classmethod
    def from_params(cls, p: dict[str, Any], n: int) -> Situation:
        """The situation on day 0 from drawn parameters ``p`` (:func:`trucesim.model.streams.draw_parameters`)."""

        def ctx(k: str) -> np.ndarray:
            return column(p, f"context.{k}", n)

        return cls(
            crisis=ctx("humanitarian_crisis").copy(),
            isolation=ctx("international_isolation").copy(),
            military0=ctx("military_pressure"),
            us0=ctx("us_pressure"),
            family0=ctx("family_pressure"),
            daily_deaths=ctx("daily_deaths_gaza"),
            iso_per_death=ctx("isolation_per_1000_deaths") / 1000.0,
            hunger=ctx("hunger_growth"),
            relief=ctx("aid_relief"),
            off_deaths=ctx("offensive_deaths_multiplier"),
            off_military=ctx("offensive_military_pressure"),
            off_us=ctx("offensive_us_pressure"),
            majority=ctx("knesset_majority"),
            soldiers_per_day=ctx("soldiers_lost_per_day"),
        )


__all__ = ["CONTEXT_KEYS", "Index", "Situation"]

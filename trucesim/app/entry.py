"""The app's model: :class:`~trucesim.model.model.TruceModel` built from plain keyword arguments.

Mesa's SolaraViz rebuilds the model on Reset as ``type(model)(**controls)``
and, when the constructor accepts an argument named ``scenario`` (or
``**kwargs``), also passes one of Mesa's own ``Scenario`` objects under that
name, which is not a trucesim scenario.  :class:`TruceAppModel` therefore
takes only plain keywords: the scenario's folder and name, worlds, seed, the
world whose story is told, and one change per control of
:mod:`trucesim.app.controls`.  It stops (``running = False``) at the
scenario's horizon, so Play stops there, and a Step of many days stops there too.

The worlds are worlds ``0..n-1`` of the seed (:mod:`trucesim.model.streams`): the app's
worlds are the first worlds of ``trucesim run SCENARIO --seed S``.

Examples
--------
>>> m = TruceAppModel(scenario_dir="scenarios", scenario_name="april-2024", worlds=2000, us_pressure=0.2)
>>> m.step(); m.day
1
>>> round(m.scenario_spec.value("context.us_pressure"), 2), [c.key for c in m.changes]
(0.7, ['context.us_pressure'])
>>> for _ in range(250): m.step()     # Step with a render interval past the horizon
>>> m.day, m.time, m.running
(180, 180.0, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import mesa
import numpy as np

from trucesim.app import catalogue
from trucesim.app.controls import CONTROL_NAMES, apply_changes
from trucesim.model import pressures
from trucesim.model.model import DAILY_SERIES, TruceModel

#: series the app adds to the model's DataCollector (means over worlds)
EXTRA_SERIES = {
    "government_accepted": lambda m: float(m.government.accepted_any.mean()),
    "armed_group_accepted": lambda m: float(m.armed_group.accepted_any.mean()),
    "military_pressure_mean": lambda m: float(
        np.mean(pressures.military_pressure(m.situation, m.government.offensive, slice(None)))
    ),
    "hostages_released_mean": lambda m: float(m.armed_group.released.mean()),
}


@dataclass(frozen=True)
class Settings:
    """Everything a run of the app depends on (hashable: results are cached by it).

    ``changes`` holds ``(control name, change)`` for the controls moved from 0, in control order.
    """

    scenario_dir: str
    scenario_name: str
    worlds: int
    seed: int
    changes: tuple[tuple[str, float], ...] = field(default=())

    def as_shipped(self) -> Settings:
        """The same run with every control back at 0: the scenario as shipped."""
        return replace(self, changes=())

    def scenario(self):
        """The scenario with the changes applied, and the list of :class:`~trucesim.app.controls.Change`."""
        return apply_changes(catalogue.load(self.scenario_dir, self.scenario_name), dict(self.changes))


class TruceAppModel(TruceModel):
    """The negotiation over ``worlds`` worlds of one scenario with the controls' changes applied.

    Every keyword after ``story_world`` is the change of the control of the
    same name (:data:`trucesim.app.controls.CONTROLS`): 0 keeps the scenario's value.
    """

    def __init__(
        self,
        scenario_dir: str = "scenarios",
        scenario_name: str = "april-2024",
        worlds: int = 10_000,
        seed: int = 0,
        story_world: int = 0,
        pause_days: float = 0,
        hostages_released: float = 0,
        prisoners_per_hostage: float = 0,
        aid_trucks_per_day: float = 0,
        return_north: float = 0,
        withdrawal: float = 0,
        permanent_ceasefire: float = 0,
        guarantees: float = 0,
        remains_released: float = 0,
        release_all: float = 0,
        security_arrangements: float = 0,
        disarmament: float = 0,
        us_pressure: float = 0,
        family_pressure: float = 0,
        military_pressure: float = 0,
        humanitarian_crisis: float = 0,
        international_isolation: float = 0,
        safety_net_credibility: float = 0,
        safety_net_seats: float = 0,
    ):
        given = locals()
        changes = tuple((name, float(given[name])) for name in CONTROL_NAMES if float(given[name]) != 0.0)
        self.settings = Settings(str(scenario_dir), str(scenario_name), int(worlds), int(seed), changes)
        spec, self.changes = self.settings.scenario()
        self.story_world = min(int(story_world), int(worlds) - 1)
        super().__init__(spec, n_worlds=int(worlds), rng=int(seed), trace_world=self.story_world)
        self.datacollector = mesa.DataCollector(model_reporters={**{k: k for k in DAILY_SERIES}, **EXTRA_SERIES})
        self.datacollector.collect(self)  # day 0 again, now with the app's series
        advance = self.step  # Mesa's: one day on its clock

        def step_until_the_horizon() -> None:
            # Mesa's Step button runs `render_interval` days whatever `running` says: stop here too
            if self.running:
                advance()

        self.step = step_until_the_horizon  # type: ignore[method-assign]

    def step(self):
        """One day; at the horizon the model stops (``running = False``; the instance's ``step`` then does nothing)."""
        super().step()
        if self.day >= self.horizon:
            self.running = False

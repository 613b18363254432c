"""The calendar: which worlds have a deadline, an answer, a tabling or a pause end on which day.

Worlds are booked in groups (index arrays) under a kind and a day and taken
back on that day.  Kinds with a handler (deadlines, pause ends) are also Mesa
events: the first booking of a (kind, day) schedules the handler, a bound
method of the model, at that time; answers and tablings are read back by the
day's step.

Examples
--------
>>> cal = Calendar(schedule=None, horizon=10)
>>> cal.book("gov_answer", np.array([3, 5, 3]), np.array([0, 1, 2]))
>>> cal.take("gov_answer", 3).tolist(), cal.take("gov_answer", 3).tolist()
([0, 2], [])
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np


class Calendar:
    """Bookings of worlds by ``(kind, day)``.

    Parameters
    ----------
    schedule : callable or None
        The model's ``schedule_event`` (Mesa), called as ``schedule(handler, at=day)``;
        ``None`` to schedule nothing.
    horizon : int
        Last day of the run: no event is scheduled after it.
    handlers : dict, optional
        Kind -> bound method run on each day that has bookings of that kind.
    """

    def __init__(self, schedule: Callable | None, horizon: int, handlers: dict[str, Callable] | None = None):
        self.schedule = schedule
        self.horizon = horizon
        self.handlers = handlers or {}
        self._scheduled: set[tuple[str, int]] = set()
        self._bookings: dict[tuple[str, int], list[np.ndarray]] = {}

    def book(self, kind: str, days: np.ndarray, idx: np.ndarray) -> None:
        """Note worlds ``idx`` under ``kind`` on their ``days`` (one day for all, or one per world)."""
        if not idx.size:
            return
        days = np.asarray(days)
        if days.ndim == 0:
            groups = [(int(days), idx)]
        elif (lo := days.min()) == days.max():
            groups = [(int(lo), idx)]
        else:  # worlds grouped by day, each group in booking order (a stable sort)
            order = np.argsort(days, kind="stable")
            by_day = days[order]
            cuts = [0, *(np.flatnonzero(by_day[1:] != by_day[:-1]) + 1).tolist(), by_day.size]
            groups = [(int(by_day[a]), idx[order[a:b]]) for a, b in pairwise(cuts)]
        handler = self.handlers.get(kind)
        for d, worlds in groups:
            self._bookings.setdefault((kind, d), []).append(worlds)
            if handler is not None and (kind, d) not in self._scheduled and d <= self.horizon:
                self._scheduled.add((kind, d))
                if self.schedule is not None:
                    self.schedule(handler, at=float(d))

    def take(self, kind: str, day: int) -> np.ndarray:
        """Worlds booked under ``kind`` for ``day``, removed from the calendar."""
        parts = self._bookings.pop((kind, day), None)
        if not parts:
            return np.zeros(0, np.intp)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

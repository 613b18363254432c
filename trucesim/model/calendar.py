"""The calendar: which worlds have a deadline, an answer, a tabling or a pause end on which day.

Worlds are booked in groups (index arrays) under a kind and a day and taken
back on that day.  Kinds with a handler (deadlines, pause ends) also make the
day a Mesa event: on that day, after the step, each handler is called with the
worlds booked for it.  When both kinds fall on one day, they run in the order
they were first booked for that day, as two Mesa events scheduled at their
first booking would (a world is never booked under both on one day, and its
random numbers are addressed, not read in turn, so the order changes no
number).  Answers and tablings are read back by the day's step.

Examples
--------
>>> cal = Calendar(schedule=None, horizon=10)
>>> cal.book("gov_answer", np.array([3, 5, 3]), np.array([0, 1, 2]))
>>> cal.take("gov_answer", 3).tolist(), cal.take("gov_answer", 3).tolist()
([0, 2], [])
>>> seen = []
>>> cal = Calendar(None, 10, {"deadline": lambda d, w: seen.append(("deadline", w.tolist())),
...                           "pause_end": lambda d, w: seen.append(("pause_end", w.tolist()))})
>>> cal.book("pause_end", np.array(4), np.array([1]))
>>> cal.book("deadline", np.array(4), np.array([0, 2]))
>>> cal.run_day(4); seen
[('pause_end', [1]), ('deadline', [0, 2])]
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import pairwise

import numpy as np


class Calendar:
    """Bookings of worlds by ``(kind, day)``.

    Parameters
    ----------
    schedule : callable or None
        The model's ``schedule_event`` (Mesa), called as ``schedule(self.run_next_day, at=day)``
        on the first booking of a handled kind for a day; ``None`` to schedule nothing
        (call :meth:`run_day` yourself).
    horizon : int
        Last day of the run: no day after it is scheduled.
    handlers : dict, optional
        Kind -> ``handler(day, worlds)``, run on each day with bookings of that kind.
    """

    def __init__(
        self,
        schedule: Callable | None,
        horizon: int,
        handlers: dict[str, Callable[[int, np.ndarray], None]] | None = None,
    ):
        self.schedule = schedule
        self.horizon = horizon
        self.handlers = handlers or {}
        self._bookings: dict[tuple[str, int], list[np.ndarray]] = {}
        self._due: dict[int, list[str]] = {}  # day -> kinds with a handler, in order of first booking
        self._days: list[int] = []  # days scheduled with Mesa, a heap

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
        handled = kind in self.handlers
        for d, worlds in groups:
            self._bookings.setdefault((kind, d), []).append(worlds)
            if handled and d <= self.horizon:
                self._note_due(kind, d)

    def _note_due(self, kind: str, day: int) -> None:
        if day not in self._due:
            self._due[day] = []
            heapq.heappush(self._days, day)
            if self.schedule is not None:
                self.schedule(self.run_next_day, at=float(day))
        if kind not in self._due[day]:
            self._due[day].append(kind)

    def take(self, kind: str, day: int) -> np.ndarray:
        """Worlds booked under ``kind`` for ``day``, removed from the calendar."""
        parts = self._bookings.pop((kind, day), None)
        if not parts:
            return np.zeros(0, np.intp)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def run_next_day(self) -> None:
        """Mesa event: run the handlers of the earliest day scheduled (see :meth:`run_day`)."""
        self.run_day(heapq.heappop(self._days))

    def run_day(self, day: int) -> None:
        """Call the handlers of ``day``, the kinds in the order they were first booked.

        Kinds first booked while the day runs are handled after, as Mesa events scheduled then would be.
        """
        while due := self._due.pop(day, None):
            for kind in due:
                self.handlers[kind](day, self.take(kind, day))

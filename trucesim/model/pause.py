"""The deal and its pause: what was signed, the pause's calendar and releases, and what followed.

One :class:`Pause` per model holds, per world (arrays of ``n_worlds``), the
state that :mod:`trucesim.model.deal` and :mod:`trucesim.model.phase_two` move:
whether a deal was signed and on which day, the signed text, when the pause
ends and what is due in it, its extensions, how it ended (completed, a
permanent end, a collapse and who breached), and the protocol's per-world
values for pauses (``protocol.*`` parameters).

Examples
--------
>>> p = {f"protocol.{k}": 0.5 for k in PAUSE_KEYS}
>>> s = Pause.from_params(p, 2)
>>> s.deal.tolist(), s.instalment.tolist(), s.signed_terms.shape
([False, False], [1.0, 1.0], (2, 12))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trucesim.config.terms import TERM_NAMES
from trucesim.model.columns import column

#: the ``protocol.*`` parameters the pause reads (per world)
PAUSE_KEYS = ("instalment_days", "commitment_weight", "extension_days_max", "hostages_per_extension_day")


#: who breached a pause, by code (``breach_by``): nobody, the government, the armed group
BREACHERS = ("none", "government", "armed_group")
NO_BREACH, BREACH_BY_GOVERNMENT, BREACH_BY_ARMED_GROUP = range(len(BREACHERS))


@dataclass(eq=False)
class Pause:
    """Signed deals and their pauses in every world.  Build it with :meth:`from_params`.

    Days count from day 0; NaN (or ``-1`` for integer days) marks a day that never came.
    """

    instalment: np.ndarray  #: days between instalments of releases (at least 1)
    commitment: np.ndarray  #: weight of a guaranteed agenda in the phase-two decision [utility]
    extension_max: np.ndarray  #: most days the pause may be extended
    per_extension: np.ndarray  #: living hostages released per day of extension
    deal: np.ndarray = field(init=False)  #: a deal was signed
    deal_day: np.ndarray = field(init=False)  #: the day it was signed
    signed_terms: np.ndarray = field(init=False)  #: the signed text, ``(n_worlds, 12)``, NaN without a deal
    pause_end: np.ndarray = field(init=False)  #: the day the pause ends (after extensions so far)
    hostages_due: np.ndarray = field(init=False)  #: living hostages due over the pause
    remains_due: np.ndarray = field(init=False)  #: remains due over the pause
    extensions: np.ndarray = field(init=False)  #: days the pause was extended
    pause_completed: np.ndarray = field(init=False)  #: the pause ran to its end
    permanent: np.ndarray = field(init=False)  #: a permanent end of the war
    collapse_day: np.ndarray = field(init=False)  #: the day the war resumed
    breach_by: np.ndarray = field(init=False)  #: who breached the pause, a code of :data:`BREACHERS`

    def __post_init__(self) -> None:
        n = self.instalment.size
        self.deal = np.zeros(n, bool)
        self.deal_day = np.full(n, np.nan)
        self.signed_terms = np.full((n, len(TERM_NAMES)), np.nan)
        self.pause_end = np.full(n, -1, np.int32)
        self.hostages_due = np.zeros(n, np.int32)
        self.remains_due = np.zeros(n, np.int32)
        self.extensions = np.zeros(n, np.int16)
        self.pause_completed = np.zeros(n, bool)
        self.permanent = np.zeros(n, bool)
        self.collapse_day = np.full(n, np.nan)
        self.breach_by = np.zeros(n, np.int8)

    @classmethod
    def from_params(cls, p: dict[str, Any], n: int) -> Pause:
        """No deal yet in any world; the pause protocol from drawn parameters ``p``."""

        def proto(k: str) -> np.ndarray:
            return column(p, f"protocol.{k}", n)

        return cls(
            instalment=np.maximum(proto("instalment_days"), 1),
            commitment=proto("commitment_weight"),
            extension_max=proto("extension_days_max"),
            per_extension=proto("hostages_per_extension_day"),
        )


__all__ = ["PAUSE_KEYS", "Pause"]

"""How much computing a file or a command may ask for: the one limit that refuses sizes no machine can finish.

Files read by :mod:`trucesim.config` (a calibration's sizes) and the commands' options
(``--worlds``, :func:`trucesim.run.chunks.check_size`) are held to the same limit: one core-year
of worlds at :data:`WORLDS_PER_SECOND`.

>>> f"{MOST_WORLDS:,}"
'630,720,000,000'
"""

from __future__ import annotations

#: worlds simulated per second on one core (April 2024 baseline, ``trucesim run --worlds 100000
#: --workers 1`` on a 2-core x86-64 machine: about 21,000/s after start-up); used only to estimate times
WORLDS_PER_SECOND = 20_000
#: the most computing a run or a sweep may ask for: one core-year
MAX_CORE_SECONDS = 365 * 24 * 3600
#: the most worlds a run may simulate: one core-year's (about 6.3 x 10^11)
MOST_WORLDS = MAX_CORE_SECONDS * WORLDS_PER_SECOND

__all__ = ["MAX_CORE_SECONDS", "MOST_WORLDS", "WORLDS_PER_SECOND"]

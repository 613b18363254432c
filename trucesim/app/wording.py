"""How the app's panels write numbers: shares as percentages, intervals, differences in points.

Examples
--------
>>> percent(0.0497), interval((0.0456, 0.0541)), points(0.0179), points_interval((0.0124, 0.0234))
('5.0%', '95% CI 4.6-5.4%', '+1.8 points', '95% CI +1.2 to +2.3 points')
>>> number(18.0), number(0.55)
('18', '0.55')
"""

from __future__ import annotations

import math


def percent(p: float | None) -> str:
    """A share as a percentage with one decimal, ``n/a`` when undefined."""
    if p is None or math.isnan(p):
        return "n/a"
    return f"{100 * p:.1f}%"


def interval(ci: tuple[float, float] | list[float]) -> str:
    """A 95% interval of a share, in percent."""
    lo, hi = ci
    return f"95% CI {100 * lo:.1f}-{100 * hi:.1f}%"


def points(d: float) -> str:
    """A difference of two shares in percentage points, with its sign."""
    return f"{100 * d:+.1f} points"


def points_interval(ci: tuple[float, float]) -> str:
    """A 95% interval of a difference, in signed percentage points."""
    lo, hi = ci
    return f"95% CI {100 * lo:+.1f} to {100 * hi:+.1f} points"


def number(x: float) -> str:
    """A parameter value: whole numbers without decimals, others with up to three significant digits."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.3g}"

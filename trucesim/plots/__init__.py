"""Figures of runs, sweeps and the designer, in one style."""

from trucesim.plots.figures import *  # noqa: F401,F403
from trucesim.plots.figures import __all__  # noqa: F401

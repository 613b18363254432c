"""Figures of runs, sweeps and traced worlds, in one style; every function returns a matplotlib Figure.

The public names of the modules below, in one namespace (``from trucesim import plots``):

* :mod:`~trucesim.plots.style` -- the palette, the disclaimer, figure scaffolding, factor labels;
* :mod:`~trucesim.plots.sweeps` -- :func:`heatmap`, :func:`acceptance_curves`, :func:`sobol_bars`;
* :mod:`~trucesim.plots.prim` -- :func:`prim_plot` of a sweep's PRIM boxes;
* :mod:`~trucesim.plots.runs` -- :func:`distributions`, :func:`seats`, :func:`outcome_bars`;
* :mod:`~trucesim.plots.compare` -- :func:`comparison_bars` of scenarios compared on the same worlds;
* :mod:`~trucesim.plots.timeline` -- :func:`timeline` of one traced world, from its events.

Nothing here opens a window: the functions work under the Agg backend (the
command line, the tests, a server).  Figures explore a scenario's stated
assumptions; they are not forecasts.
"""

from trucesim.plots import compare, prim, runs, style, sweeps
from trucesim.plots import timeline as _timeline_module
from trucesim.plots.compare import *
from trucesim.plots.prim import *
from trucesim.plots.runs import *
from trucesim.plots.style import *
from trucesim.plots.sweeps import *
from trucesim.plots.timeline import *

__all__ = style.__all__ + sweeps.__all__ + prim.__all__ + runs.__all__ + compare.__all__ + _timeline_module.__all__

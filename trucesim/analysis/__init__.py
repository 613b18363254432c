"""Reading a sweep's results: probabilities by factor, sensitivity, scenario discovery.

The public names of the modules below, in one namespace (``from trucesim import analysis``):

* :mod:`~trucesim.analysis.labels` -- outcome names and their labels;
* :mod:`~trucesim.analysis.probability` -- probabilities by factor, with Wilson intervals;
* :mod:`~trucesim.analysis.sensitivity` -- Sobol' indices (SALib);
* :mod:`~trucesim.analysis.discovery` -- PRIM boxes (EMA Workbench);
* :mod:`~trucesim.analysis.results` -- a sweep's results directory, read.

The numbers explore the stated assumptions of a scenario; they are not forecasts.
"""

from trucesim.analysis import discovery, labels, probability, results, sensitivity
from trucesim.analysis.discovery import *
from trucesim.analysis.labels import *
from trucesim.analysis.probability import *
from trucesim.analysis.results import *
from trucesim.analysis.sensitivity import *

__all__ = labels.__all__ + probability.__all__ + sensitivity.__all__ + discovery.__all__ + results.__all__

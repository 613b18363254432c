"""Reading a sweep's results: probabilities by factor, sensitivity, scenario discovery."""

from trucesim.analysis.probability import *  # noqa: F401,F403
from trucesim.analysis.probability import __all__  # noqa: F401

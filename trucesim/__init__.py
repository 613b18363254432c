"""trucesim: how a proposed truce deal fares with the actors who must accept it.

An agent-based model (Mesa) of the spring-2024 Gaza truce framework, simulated
over many worlds at once.  Outputs explore stated assumptions; they are not
forecasts.

>>> import trucesim
>>> scenario = trucesim.load_scenario("scenarios/april-2024.toml")  # doctest: +SKIP
>>> table = trucesim.simulate(scenario, worlds=10_000, seed=0)       # doctest: +SKIP
"""

__version__ = "0.1.0"

from .model import TruceModel  # noqa: E402
from .outcomes import outcome_table, summarize  # noqa: E402
from .scenario import Scenario, ScenarioError, load_scenario  # noqa: E402
from .simulate import simulate  # noqa: E402
from .store import load  # noqa: E402

__all__ = ["TruceModel", "Scenario", "ScenarioError", "load_scenario", "simulate",
           "outcome_table", "summarize", "load", "__version__"]

"""trucesim: how a proposed truce deal fares with the actors who must accept it.

An agent-based model (Mesa) of the spring-2024 Gaza truce framework, simulated
over many worlds at once.  Outputs explore stated assumptions; they are not
forecasts.

>>> import trucesim
>>> scenario = trucesim.load_scenario("april-2024")         # a shipped scenario by name, or a path
>>> table = trucesim.simulate(scenario, worlds=1_000, seed=0)   # one row per world
>>> len(table), round(float(table["deal"].mean()), 3)
(1000, 0.068)
>>> trucesim.summarize(table, scenario, seed=0)["p_deal"]       # the summary of `trucesim run`
0.068
"""

__version__ = "0.1.0"

# the public names load their modules on first use, so `trucesim --help` and
# `trucesim check` start without importing Mesa, SciPy and pandas
_EXPORTS = {
    "TruceModel": "model.model",
    "outcome_table": "run.outcomes",
    "summarize": "run.metrics",
    "Scenario": "config.scenario",
    "ScenarioError": "config.scenario",
    "load_scenario": "config.scenario",
    "simulate": "run.simulate",
    "load": "sweep.store",
    "load_points": "sweep.store",
    "load_manifest": "sweep.store",
}
__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'trucesim' has no attribute {name!r}")

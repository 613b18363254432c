"""The deal designer: search the terms both sides would accept, and what each concession buys.

The modules, in the order a design runs them (:func:`trucesim.designer.design.design`):

* :mod:`~trucesim.designer.objectives` -- the names ``--maximize`` and ``--versus`` take;
* :mod:`~trucesim.designer.space` -- ``--vary``, ``--fix``, ``--constraint`` and the
  :class:`DesignSpace` they make;
* :mod:`~trucesim.designer.evaluate` -- candidates simulated on common random numbers, and
  the metrics measured on them;
* :mod:`~trucesim.designer.search` -- the Sobol screen, differential evolution, the Pareto front;
* :mod:`~trucesim.designer.probes` -- the zone of possible agreement, marginal effects, the
  check of the best terms on fresh worlds;
* :mod:`~trucesim.designer.outputs` -- ``best.json``, ``best.toml``, the tables, the summary;
* :mod:`~trucesim.designer.design` -- :func:`~trucesim.designer.design.design`, which runs them.

Their public names can be taken from this package (``from trucesim.designer import
make_space``), except the function ``design``: ``trucesim.designer.design`` is its module,
so ``from trucesim.designer.design import design``.  The figures are drawn by
:mod:`trucesim.plots.designer`.  Names load their module on first use, so the command
line lists the objectives without importing the model.
"""

# name -> module under trucesim.designer
_EXPORTS = {
    **dict.fromkeys(("OBJECTIVES", "VERSUS"), "objectives"),
    **dict.fromkeys(
        (
            "DesignError",
            "Vary",
            "Fix",
            "Constraint",
            "parse_vary",
            "parse_fix",
            "parse_constraint",
            "DesignSpace",
            "make_space",
        ),
        "space",
    ),
    **dict.fromkeys(
        (
            "Metric",
            "METRICS",
            "simulate_candidate",
            "metric_ci",
            "summarize_worlds",
            "day0_acceptance",
            "day0_acceptances",
            "Candidate",
            "CandidateTask",
            "Evaluator",
        ),
        "evaluate",
    ),
    **dict.fromkeys(("SearchPlan", "plan_search", "SearchResult", "search", "pareto_front"), "search"),
    **dict.fromkeys(("grid_axes", "zone_of_agreement", "zone_summary", "marginal_effects", "check_best"), "probes"),
    **dict.fromkeys(
        ("best_record", "best_scenario_toml", "OUTPUT_FILES", "check_out_dir", "write_outputs", "format_summary"),
        "outputs",
    ),
    **dict.fromkeys(("DesignResult", "MAX_POLISH_MOVES", "check_request"), "design"),
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'trucesim.designer' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])

"""The interactive browser app (``trucesim app``): Mesa's SolaraViz with what-if controls.

* :mod:`~trucesim.app.controls` -- the sliders: changes from the scenario as shipped;
* :mod:`~trucesim.app.catalogue` -- the scenarios offered (one folder);
* :mod:`~trucesim.app.entry` -- the model, built from plain keyword arguments (Reset);
* :mod:`~trucesim.app.results` -- the run at the horizon: summary, why no deal, comparison;
* :mod:`~trucesim.app.charts` -- the live charts' series and ECharts options;
* :mod:`~trucesim.app.wording` -- how the panels write numbers;
* :mod:`~trucesim.app.panels` and :mod:`~trucesim.app.page` -- the Solara components and the page;
* :mod:`~trucesim.app.server` -- starting the server offline.

Only ``panels``, ``page`` and ``server.serve`` need the ``app`` extra (Solara).
"""

"""Responsiveness of the browser app (a benchmark, not a test): a step, a chart redraw, a Reset.

* one day of the app's model at 20,000 worlds (a Play to the horizon, every step timed), with
  the libraries' objects frozen out of the garbage collector as the server does;
* the server's part of redrawing the four live charts after a step, at the horizon (the
  longest series): the ECharts options the app sends (built and serialised to JSON), against
  the matplotlib PNGs that Mesa's own plot component would render
  (``mesa.visualization.components.matplotlib_components.PlotMatplotlib``: a Figure per
  chart, ``savefig(format="png", bbox_inches="tight")``);
* a Reset's summary: the same worlds run to the horizon for the panels, with the changes
  and as shipped.

Targets: one step at 20,000 worlds under 50 ms; a redraw of the charts well under the
play interval (50 ms), so Play leaves the server free to answer the controls.

    .venv/bin/python benchmarks/bench_app.py
"""

from __future__ import annotations

import gc
import io
import json
import statistics
import time
from pathlib import Path

from matplotlib.figure import Figure

from trucesim.app import results
from trucesim.app.charts import chart_specs, line_option
from trucesim.app.entry import TruceAppModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = str(ROOT / "scenarios")
LABELS = {"government": "government", "armed_group": "armed group"}


def ms(seconds: float) -> str:
    return f"{1000 * seconds:7.1f} ms"


def timed(f, repeat: int) -> float:
    """Median seconds of ``repeat`` calls of ``f``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def echarts_redraw(model) -> int:
    """Build and serialise the four charts' options; return the bytes sent."""
    return sum(
        len(json.dumps(line_option(spec, model.datacollector.model_vars, model.horizon)))
        for spec in chart_specs(LABELS)
    )


def matplotlib_redraw(model) -> None:
    """What Mesa's PlotMatplotlib does for each of the four charts."""
    df = model.datacollector.get_model_vars_dataframe()
    for spec in chart_specs(LABELS):
        fig = Figure()
        ax = fig.subplots()
        for column, label in spec.series:
            ax.plot(df.loc[:, column], label=label)
        ax.legend(loc="best")
        ax.set_xlabel("Step")
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")


def main() -> None:
    warm = TruceAppModel(scenario_dir=SCENARIOS, worlds=1_000, seed=0)  # first-use imports, not a step's cost
    while warm.running:
        warm.step()
    gc.freeze()  # as the server does after its imports (trucesim.app.server.serve)
    model = TruceAppModel(scenario_dir=SCENARIOS, worlds=20_000, seed=1)
    steps = []
    while model.running:
        t0 = time.perf_counter()
        model.step()
        steps.append((time.perf_counter() - t0, model.day))
    steps.sort()
    times = [t for t, _ in steps]
    print(
        f"one step at 20,000 worlds ({len(steps)} days): median {ms(statistics.median(times))}, "
        f"95th percentile {ms(times[int(0.95 * len(times))])}, slowest {ms(times[-1])} (day {steps[-1][1]})  "
        "(target < 50 ms)"
    )

    sent = echarts_redraw(model)
    t_echarts = timed(lambda: echarts_redraw(model), 20)
    t_mpl = timed(lambda: matplotlib_redraw(model), 3)
    print(
        f"redraw of the 4 charts at day {model.day}: ECharts options {ms(t_echarts)} ({sent / 1024:.0f} KiB "
        f"of JSON);  Mesa's matplotlib PNGs {ms(t_mpl)}  ({t_mpl / t_echarts:.0f}x)"
    )

    for worlds in (10_000, 20_000):
        changed = TruceAppModel(scenario_dir=SCENARIOS, worlds=worlds, seed=1, us_pressure=0.2).settings
        t0 = time.perf_counter()
        results.summary(changed)
        t1 = time.perf_counter()
        results.comparison(changed)
        t2 = time.perf_counter()
        print(
            f"Reset at {worlds:,} worlds: run to the horizon for the panels {t1 - t0:5.2f} s, "
            f"the scenario as shipped {t2 - t1:5.2f} s (once per scenario, worlds and seed)"
        )


if __name__ == "__main__":
    main()

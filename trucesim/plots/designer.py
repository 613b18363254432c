"""Figures of a design: the zone of possible agreement and the Pareto front.

Both return a matplotlib ``Figure`` (no pyplot state).  :func:`design_figures`
draws the figures ``trucesim design`` writes, for
:func:`trucesim.designer.outputs.write_outputs`.

Examples
--------
>>> from trucesim.designer.design import design                                  # doctest: +SKIP
>>> result = design(space, "p_deal", worlds=1024, seed=0)                        # doctest: +SKIP
>>> write_outputs(result, "designs/exchange", figures=design_figures(result))    # doctest: +SKIP
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from trucesim.config.paramdoc import side_label
from trucesim.designer.design import DesignResult
from trucesim.designer.evaluate import METRICS
from trucesim.designer.search import pareto_front
from trucesim.designer.space import DesignSpace
from trucesim.plots.style import CMAP, GREY, OKABE_ITO, factor_label

__all__ = ["colour_ceiling", "design_figures", "plot_pareto", "plot_zone", "side_label"]


def colour_ceiling(highest: float, limit: float) -> float:
    """The top of a colour scale from 0 that shows the values there are: ``highest`` rounded up to 1, 2 or 5 × 10^k.

    At most ``limit`` (the scale's natural end, e.g. 100 for percentages); ``limit`` if
    ``highest`` is 0 or not a number, so an empty field keeps the full scale.

    Examples
    --------
    >>> colour_ceiling(0.0199, 100), colour_ceiling(16.2, 100), colour_ceiling(73, 100), colour_ceiling(0, 100)
    (0.02, 20.0, 100.0, 100.0)
    """
    if not highest > 0:
        return float(limit)
    power = 10.0 ** math.floor(math.log10(highest))
    for step in (1, 2, 5, 10):
        if highest <= step * power * (1 + 1e-9):
            return float(min(limit, float(f"{step * power:.6g}")))
    return float(limit)


def _subtitle(space: DesignSpace, worlds: int, seed: int) -> str:
    return (
        f"scenario {space.scenario.name}, {worlds:,} worlds, seed {seed}; explores stated assumptions, not a forecast"
    )


def plot_zone(
    zone: pd.DataFrame, space: DesignSpace, worlds: int, seed: int, best: dict | None = None, objective: str = "p_deal"
) -> Figure | None:
    """Figure of the zone of possible agreement, or None unless one or two varied keys are free.

    ``zone`` comes from :func:`~trucesim.designer.probes.zone_of_agreement`;
    ``best`` (``{key: value}``) marks the best terms of a design.  The sides
    are named by the scenario's labels.  Returns a matplotlib ``Figure`` (no
    pyplot state: safe in scripts, the CLI and notebooks).
    """
    free = [j for j in range(space.d) if space.free[j]]
    if len(free) not in (1, 2):
        return None
    gov, ag = (side_label(space.scenario, kind) for kind in ("government", "armed_group"))
    fig = Figure(figsize=(8.0, 6.4), layout="constrained")
    ax = fig.add_subplot()
    title = "Zone of possible agreement: each side's acceptance of the tabled terms at day 0"
    if len(free) == 1:
        k = space.keys[free[0]]
        z = zone.sort_values(k)
        x = z[k].to_numpy()
        ax.plot(x, z["p_government_accepts"], color=OKABE_ITO["blue"], lw=2, label=f"{gov} accepts")
        ax.plot(x, z["p_armed_group_accepts"], color=OKABE_ITO["vermillion"], lw=2, ls="--", label=f"{ag} accepts")
        ax.plot(x, z["p_both_accept"], color=OKABE_ITO["black"], lw=1.5, ls=":", label="both accept")
        ax.fill_between(
            x,
            0,
            1,
            where=z["in_zone"].to_numpy(),
            color=OKABE_ITO["bluish_green"],
            alpha=0.25,
            hatch="//",
            edgecolor=OKABE_ITO["bluish_green"],
            label="zone (both >= 0.5)",
        )
        ax.axhline(0.5, color=GREY, lw=0.8)
        if best is not None:
            ax.axvline(best[k], color=OKABE_ITO["black"], lw=1, ls="-.", label=f"best for {objective}")
        ax.set_xlabel(factor_label(k, space.scenario))
        ax.set_ylabel("probability of accepting at day 0 (mean over worlds)")
        ax.set_ylim(0, 1)
        ax.legend(loc="best", fontsize=8)
    else:
        kx, ky = space.keys[free[0]], space.keys[free[1]]
        xs = np.sort(zone[kx].unique())
        ys = np.sort(zone[ky].unique())
        piv = lambda col: (
            zone.pivot_table(index=ky, columns=kx, values=col, aggfunc="mean").reindex(index=ys, columns=xs).to_numpy()
        )
        both = 100 * piv("p_both_accept")
        top = colour_ceiling(float(np.nanmax(both)), 100.0)
        mesh = ax.pcolormesh(xs, ys, both, cmap=CMAP, vmin=0, vmax=top, shading="nearest")
        scale = "" if top == 100 else f"; the scale ends at {top:g}%, above the highest value"
        fig.colorbar(mesh, ax=ax, label=textwrap.fill(f"both sides accept at day 0 [% of worlds{scale}]", 38))
        handles: list[Artist] = []
        for col, who, colour, ls in (
            ("p_government_accepts", gov, OKABE_ITO["sky_blue"], "-"),
            ("p_armed_group_accepts", ag, OKABE_ITO["orange"], "--"),
        ):
            pv = piv(col)
            label = f"{who} accepts with p = 0.5"
            if pv.min() < 0.5 < pv.max():
                ax.contour(xs, ys, pv, levels=[0.5], colors=colour, linewidths=2.2, linestyles=ls)
            elif pv.max() < 0.5:
                label += f" (not reached: at most {100 * pv.max():.0f}%)"
            else:
                label += f" (everywhere above: at least {100 * pv.min():.0f}%)"
            handles.append(Line2D([], [], color=colour, lw=2.2, ls=ls, label=label))
        inz = piv("in_zone").astype(float)
        if inz.max() > 0:
            ax.contourf(xs, ys, inz, levels=[0.5, 1.5], colors="none", hatches=["//"])
            ax.contour(xs, ys, inz, levels=[0.5], colors="white", linewidths=1)
        handles.append(Patch(facecolor="none", edgecolor="black", hatch="//", label="zone: both accept with p >= 0.5"))
        if best is not None:
            ax.plot([best[kx]], [best[ky]], marker="*", ms=16, color="white", mec="black", ls="none")
            handles.append(
                Line2D([], [], marker="*", ms=12, color="white", mec="black", ls="none", label=f"best for {objective}")
            )
        ax.set_xlabel(factor_label(kx, space.scenario))
        ax.set_ylabel(textwrap.fill(factor_label(ky, space.scenario), 44))
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
        if inz.max() == 0:
            ax.text(
                0.5,
                0.5,
                "no terms in these ranges are accepted\nby both sides with p >= 0.5 at day 0",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=10,
                bbox=dict(facecolor="white", alpha=0.85, edgecolor=GREY),
            )
    fig.suptitle(title, fontsize=11)
    ax.set_title(_subtitle(space, worlds, seed), fontsize=8)
    return fig


def plot_pareto(result: DesignResult, versus: str | None = None) -> Figure:
    """Figure of the evaluated candidates and their Pareto front: p_deal against ``versus``.

    ``versus`` defaults to the design's own; another metric's front is
    computed from the same candidates (no new simulation).
    """
    c = result.candidates
    v = versus or result.versus
    mv = METRICS[v]
    if v == result.versus:
        front = result.pareto
    else:
        front = c[pareto_front(c["p_deal"], c[v], mv.sense > 0)]
    scale = 100.0 if mv.kind == "proportion" else 1.0
    fig = Figure(figsize=(7.2, 5.2), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(
        100 * c["p_deal"], scale * c[v], s=14, color=GREY, alpha=0.6, label="evaluated candidates", edgecolors="none"
    )
    p = front.sort_values("p_deal")
    ax.plot(
        100 * p["p_deal"],
        scale * p[v],
        color=OKABE_ITO["blue"],
        marker="o",
        ms=5,
        lw=1.8,
        label=f"Pareto front ({len(p)} candidate{'s' if len(p) != 1 else ''})",
    )
    b = c[c["candidate"] == result.best["candidate"]]
    ax.plot(
        100 * b["p_deal"],
        scale * b[v],
        marker="*",
        ms=16,
        color=OKABE_ITO["orange"],
        mec="black",
        ls="none",
        label=f"best for {result.objective}",
    )
    better = "higher" if mv.sense > 0 else "lower"
    ax.set_xlabel("probability of a deal (% of worlds, on the search's worlds)")
    unit = "% of worlds" if mv.kind == "proportion" else mv.unit
    ax.set_ylabel(f"{mv.label} ({unit}; {better} is better)")
    ax.legend(loc="best", fontsize=8)
    fig.suptitle(f"Trade-off between the probability of a deal and {mv.label}", fontsize=11)
    ax.set_title(_subtitle(result.space, result.worlds, result.seed), fontsize=8)
    return fig


def design_figures(result: DesignResult) -> dict[str, Figure | None]:
    """The figures ``trucesim design`` writes, by file name: ``zopa.png`` and ``pareto.png``.

    ``zopa.png`` is None unless one or two varied keys are free (see :func:`plot_zone`).
    """
    return {
        "zopa.png": plot_zone(
            result.zone, result.space, result.worlds, result.seed, best=result.best["terms"], objective=result.objective
        ),
        "pareto.png": plot_pareto(result),
    }

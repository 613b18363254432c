"""Figures of a fit: the posterior (marginals and pairs) and the posterior predictive check.

Examples
--------
>>> from trucesim.history.calibrate import load_fit          # doctest: +SKIP
>>> fig = plot_posterior(fit.particles, fit.keys, priors, bounds)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from trucesim.config.distributions import Dist
from trucesim.plots.style import CYCLE, GREY, finish, grid_canvas, new_figure


def short_label(key: str) -> str:
    """A fitted key in a few words: ``actors.hamas.patience`` → ``hamas: patience``.

    >>> short_label("actors.israel.sensitivity_us"), short_label("context.us_pressure")
    ('israel: sensitivity us', 'us pressure')
    """
    parts = key.split(".")
    name = parts[-1].replace("_", " ")
    return f"{parts[1]}: {name}" if parts[0] == "actors" and len(parts) >= 3 else name


def _prior_pdf(dist: Dist, bounds: tuple[float, float], x: np.ndarray) -> np.ndarray:
    """The prior's density at ``x``: the distribution the fit's prior is (:meth:`Dist.scipy_args`)."""
    from scipy import stats

    name, args, kwds = dist.scipy_args(bounds)
    return np.asarray(getattr(stats, name)(*args, **kwds).pdf(x), dtype=float)


def plot_posterior(
    particles: pd.DataFrame,
    keys: Sequence[str],
    priors: dict[str, Dist],
    bounds: dict[str, tuple[float, float]],
    subtitle: str = "",
) -> Figure:
    """Marginals (weighted histograms over the prior's density) on the diagonal, pairs below it.

    Only the lower triangle is drawn, and only the outer panels carry tick labels: each column
    shares its parameter's range, each row (left of the diagonal) its own.
    """
    k = len(keys)
    fig, grid = grid_canvas(max(6.0, 2.1 * k), k)
    w = particles["weight"].to_numpy(float)

    def limits(key: str) -> tuple[float, float]:
        lo, hi = priors[key].support()
        return max(lo, bounds[key][0]), min(hi, bounds[key][1])

    for i, ki in enumerate(keys):
        lo, hi = limits(ki)
        for j, kj in enumerate(keys[: i + 1]):
            ax = fig.add_subplot(grid[i, j])
            if i == j:
                ax.hist(particles[ki], bins=15, range=(lo, hi), weights=w, density=True, color=CYCLE[0], alpha=0.75)
                x = np.linspace(lo, hi, 200)
                ax.plot(x, _prior_pdf(priors[ki], bounds[ki], x), color=GREY, lw=1.5, ls="--")
                ax.set_yticks([])
                ax.set_title(short_label(ki), fontsize=9)
            else:
                ax.scatter(particles[kj], particles[ki], s=8 + 400 * w, color=CYCLE[0], alpha=0.5, lw=0)
                ax.set_ylim(lo, hi)
            ax.set_xlim(*limits(kj))
            if i == k - 1:
                ax.set_xlabel(short_label(kj), fontsize=8)
            else:
                ax.tick_params(labelbottom=False)
            if j == 0 and i > 0:
                ax.set_ylabel(short_label(ki), fontsize=8)
            elif i != j:
                ax.tick_params(labelleft=False)
            ax.tick_params(labelsize=7)
    return finish(
        fig,
        "What the fit found: the posterior of the fitted values",
        subtitle,
        "Diagonal: posterior (bars, weighted particles) over the prior (dashed). Below: pairs of particles, "
        "larger for higher weight; each column's ticks are at its foot, each row's at its left.",
    )


def plot_predictive(shares: pd.DataFrame, before: dict[str, float] | None = None, subtitle: str = "") -> Figure:
    """Each round's facts: the probability the model gives what happened, across the posterior's particles.

    ``shares`` has one column ``"round:fact"`` per observed fact (and ``weight``); ``before``
    maps the same names to the probability the round files give before the fit (a dot).
    """
    names = [c for c in shares.columns if c != "weight"]
    fig, axes = new_figure((8.5, 1.0 + 0.32 * len(names)))
    ax = axes[0, 0]
    rounds = list(dict.fromkeys(n.split(":", 1)[0] for n in names))
    y = np.arange(len(names))[::-1]
    colour = {r: CYCLE[i % len(CYCLE)] for i, r in enumerate(rounds)}
    data = [shares[n].to_numpy(float) for n in names]
    parts = ax.boxplot(data, positions=y, orientation="horizontal", widths=0.6, patch_artist=True, showfliers=False)
    for box, n in zip(parts["boxes"], names, strict=True):
        box.set_facecolor(colour[n.split(":", 1)[0]])
        box.set_alpha(0.55)
    if before:
        xb = [before.get(n, np.nan) for n in names]
        ax.scatter(xb, y, marker="o", facecolor="white", edgecolor="black", zorder=3, label="before the fit")
        ax.legend(loc="lower left", fontsize=8, frameon=False)
    ax.axvline(0.5, color=GREY, lw=1, ls=":")
    ax.set_yticks(y, [n.replace(":", ": ") for n in names], fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("probability the model gives what happened (share of worlds)")
    return finish(
        fig,
        "Posterior predictive check: each round's observed facts",
        subtitle,
        "Boxes: the particles of the posterior (each simulated on its own worlds); "
        "right of the dotted line, the model's likelier outcome is what happened.",
    )

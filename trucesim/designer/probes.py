"""Probes of a design space: the zone of possible agreement, marginal effects, the best terms on fresh worlds.

* :func:`zone_of_agreement`: each side's probability of accepting the tabled
  terms at day 0 on a grid of the varied keys (nothing simulated past day 0);
  :func:`zone_summary` says how much of the grid both sides accept.
* :func:`marginal_effects`: what each varied key buys at the best terms, by
  finite differences on the same worlds, with paired confidence intervals.
* :func:`check_best`: the best terms re-simulated on fresh worlds, as
  ``trucesim run best.toml`` would, for an unbiased value.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from trucesim.designer.evaluate import METRICS, Evaluator, day0_acceptances, metric_ci
from trucesim.designer.space import DesignSpace
from trucesim.run.simulate import iter_tables
from trucesim.run.stats import paired_difference

__all__ = ["check_best", "grid_axes", "marginal_effects", "zone_of_agreement", "zone_summary"]


# --- zone of possible agreement --------------------------------------------------------------


def grid_axes(space: DesignSpace, points: int) -> list[np.ndarray]:
    """The values of each varied key on the grid of :func:`zone_of_agreement` (one value for a key held fixed)."""
    free = int(space.free.sum())
    per = points if free <= 2 else max(2, int(math.floor(2000 ** (1.0 / free))))
    axes = []
    for j, v in enumerate(space.varied):
        lo, hi = space.lower[j], space.upper[j]
        if hi == lo:
            axes.append(np.array([lo]))
            continue
        if v.integer:
            n = int(min(per, hi - lo + 1))
            ax = np.unique(np.round(np.linspace(lo, hi, n)))
        else:
            ax = np.linspace(lo, hi, per)
        axes.append(ax)
    return axes


def zone_of_agreement(space: DesignSpace, worlds: int, seed: int, points: int = 21, progress=None) -> pd.DataFrame:
    """Each side's acceptance of the tabled terms at day 0 on a grid of the varied keys.

    For every grid point the terms are tabled in each of the ``worlds`` worlds
    (the same worlds for every point) and each side's probability of accepting
    them, as the model decides it, is averaged over the worlds.  The zone of
    possible agreement is where both averages are at least 0.5 (``in_zone``).
    ``points`` per varied key for up to two keys; with more, about 2,000 grid
    points in all.  Nothing is simulated past day 0, so a grid is cheap.

    Returns
    -------
    DataFrame
        The varied keys, ``p_government_accepts``, ``p_armed_group_accepts``,
        ``p_both_accept`` (mean over worlds of the product) and ``in_zone``.
    """
    axes = grid_axes(space, points)
    mesh = np.meshgrid(*axes, indexing="ij")
    X = np.stack([m.ravel() for m in mesh], axis=1)
    values = [space.values(x) for x in X]
    accepted = day0_acceptances(space.scenario, values, worlds, seed, progress=progress)
    df = pd.DataFrame([{**v, **a} for v, a in zip(values, accepted, strict=True)])
    df["in_zone"] = (df["p_government_accepts"] >= 0.5) & (df["p_armed_group_accepts"] >= 0.5)
    return df


def zone_summary(zone: pd.DataFrame, keys: list[str]) -> dict:
    """How much of the grid is in the zone, and the range of each key inside it."""
    inside = zone[zone["in_zone"]]
    out: dict[str, object] = {"grid_points": int(len(zone)), "points_in_zone": int(len(inside))}
    out["ranges_in_zone"] = {
        k: ([float(inside[k].min()), float(inside[k].max())] if len(inside) else None) for k in keys
    }
    out["max_p_government_accepts"] = float(zone["p_government_accepts"].max())
    out["max_p_armed_group_accepts"] = float(zone["p_armed_group_accepts"].max())
    return out


# --- marginal effects --------------------------------------------------------------------------


def marginal_effects(evaluator: Evaluator, x_best, objective: str = "p_deal", step: float = 0.05) -> pd.DataFrame:
    """What each varied key buys at the best terms, by finite differences on the same worlds.

    For key ``j`` the best candidate is moved ``step`` of the key's
    (constrained) range down and up (at least one unit for whole-number keys;
    one-sided at a bound), and both neighbours are simulated on the same
    worlds as the best.  At a maximum the central difference is near zero, so
    the one-sided changes say more: how much is lost by giving ``step`` more,
    or ``step`` less, of the term.

    Returns
    -------
    DataFrame
        One row per varied key: ``key``, ``unit``, ``at`` (best value), ``low``
        and ``high`` (the neighbours), ``step``; then for ``p_deal`` (and the
        objective when it is another): ``<m>_at``, ``<m>_low``, ``<m>_high``;
        ``<m>_change_up`` and ``<m>_change_down`` (high minus at, low minus at)
        with ``_lo``/``_hi`` 95% CIs; ``<m>_per_unit`` (central difference
        per unit of the key) with its CI.  CIs come from the per-world paired
        differences (common random numbers): Tango's score interval for
        probabilities, Student's t for means
        (:func:`trucesim.run.stats.paired_difference`).  ``note`` flags one-sided
        differences and keys the constraints hold at one value.
    """
    space = evaluator.space
    x_best = space.snap(x_best)[0]
    (c0,) = evaluator.evaluate(x_best[None, :], "marginal")
    rows = []
    metrics = ["p_deal"] + ([objective] if objective != "p_deal" else [])
    for j, v in enumerate(space.varied):
        lo_b, hi_b = space.lower[j], space.upper[j]
        h = step * (hi_b - lo_b)
        h = max(1.0, round(h)) if v.integer else max(h, float(space.resolution[j]))
        row = {"key": v.key, "unit": v.unit, "at": float(x_best[j])}
        if hi_b == lo_b:
            row.update(
                {"low": float(lo_b), "high": float(hi_b), "step": 0.0, "note": "held at one value by the constraints"}
            )
            rows.append(row)
            continue
        xl, xh = x_best.copy(), x_best.copy()
        xl[j] = max(lo_b, x_best[j] - h)
        xh[j] = min(hi_b, x_best[j] + h)
        cl, ch = evaluator.evaluate(np.vstack([xl, xh]), "marginal")
        dx = float(ch.x[j] - cl.x[j])
        row.update({"low": float(cl.x[j]), "high": float(ch.x[j]), "step": float(h)})
        for name in metrics:
            col = METRICS[name].column
            row[f"{name}_at"] = c0.metrics[name]
            row[f"{name}_low"] = cl.metrics[name]
            row[f"{name}_high"] = ch.metrics[name]
            for side, c in (("up", ch), ("down", cl)):
                if c is c0 or np.array_equal(c.x, c0.x):
                    row[f"{name}_change_{side}"] = row[f"{name}_change_{side}_lo"] = row[f"{name}_change_{side}_hi"] = (
                        math.nan
                    )
                    continue
                d, dlo, dhi = paired_difference(
                    c0.worlds[col], c.worlds[col], yes_no=METRICS[name].kind == "proportion"
                )
                row[f"{name}_change_{side}"], row[f"{name}_change_{side}_lo"], row[f"{name}_change_{side}_hi"] = (
                    d,
                    dlo,
                    dhi,
                )
            d, dlo, dhi = paired_difference(cl.worlds[col], ch.worlds[col], yes_no=METRICS[name].kind == "proportion")
            row[f"{name}_per_unit"], row[f"{name}_per_unit_lo"], row[f"{name}_per_unit_hi"] = d / dx, dlo / dx, dhi / dx
        row["note"] = (
            ""
            if (xl[j] < x_best[j] < xh[j])
            else "one-sided: the best value is at an end of its range, with no room beyond it"
        )
        rows.append(row)
    return pd.DataFrame(rows)


# --- checking the best terms on fresh worlds -----------------------------------------------------


def check_best(space: DesignSpace, x, objective: str, worlds: int, seed: int) -> dict:
    """Re-simulate the best terms on fresh worlds, as ``trucesim run`` would.

    The scenario with the best (and fixed) values is simulated with
    :func:`trucesim.run.simulate.iter_tables` over ``worlds`` worlds and seed
    ``seed + 1``: exactly ``trucesim run DIR/best.toml --worlds N --seed S+1``.  The
    scenario as tabled (its own terms, without ``--fix``) is simulated on the same worlds,
    so the best is always shown beside it (``scenario_value``, ``scenario_ci``).
    """
    check_seed = int(seed) + 1

    def per_world(scen) -> dict[str, np.ndarray]:
        table = pd.concat(list(iter_tables(scen, worlds, check_seed)), ignore_index=True)
        return {
            "deal": table["deal"].to_numpy(),
            "deal_first": table["deal_first_text"].to_numpy(),
            "permanent": table["permanent"].to_numpy(),
            "released": table["hostages_released"].to_numpy(),
            "died": table["hostages_died"].to_numpy(),
            "fell": table["government_fell"].to_numpy(),
        }

    w = per_world(space.scenario.with_values(space.values(x)))
    value, ci = metric_ci(objective, w)
    p_deal, p_ci = metric_ci("p_deal", w)
    own, own_ci = metric_ci(objective, per_world(space.tabled))  # as tabled: without --fix
    return {
        "value": value,
        "ci": [ci[0], ci[1]],
        "p_deal": p_deal,
        "p_deal_ci": [p_ci[0], p_ci[1]],
        "scenario_value": own,
        "scenario_ci": [own_ci[0], own_ci[1]],
        "seed": check_seed,
        "worlds": int(worlds),
    }

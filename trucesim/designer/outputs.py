"""What a design writes: ``best.json``, ``best.toml``, the CSV tables, and the summary it prints.

:func:`write_outputs` writes the files of :data:`OUTPUT_FILES` into a
directory (the figures are drawn by :mod:`trucesim.plots.designer` and passed
in); :func:`check_out_dir` refuses a directory that holds other things unless
asked; :func:`format_summary` is the report ``trucesim design`` prints.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.paramdoc import side_label
from trucesim.designer.evaluate import METRICS, Candidate
from trucesim.designer.space import DesignError, DesignSpace
from trucesim.run.files import write_atomic

__all__ = [
    "BOUND_RULE",
    "OUTPUT_FILES",
    "best_record",
    "best_scenario_toml",
    "bound_notes",
    "check_out_dir",
    "format_summary",
    "on_bound",
    "range_words",
    "write_outputs",
]


# --- best.json and best.toml ----------------------------------------------------------------------


def _py(v):
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if math.isnan(v) else round(v, 10)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def _num(v: float, integer: bool) -> str:
    return f"{round(v):d}" if integer else f"{v:.4g}"


#: the rule by which a best value is on a bound, as the summary states it
BOUND_RULE = "on a bound: within 1% of the searched range of it, or one step of the key, whichever is larger"


def bound_tolerance(resolution: float, span: float) -> float:
    """How near a bound a value is on it (:data:`BOUND_RULE`): the larger of one step and 1% of the range.

    Examples
    --------
    >>> bound_tolerance(0.001, 1.0), bound_tolerance(1.0, 40.0)
    (0.01, 1.0)
    """
    return max(float(resolution), 0.01 * float(span))


def on_bound(value: float, edge: float, tolerance: float) -> bool:
    """Whether ``value`` is within ``tolerance`` of ``edge``, the tolerance itself included despite rounding.

    Examples
    --------
    >>> on_bound(0.99, 1.0, 0.01), on_bound(0.991, 1.0, 0.01), on_bound(0.989, 1.0, 0.01)
    (True, True, False)
    """
    return abs(value - edge) <= tolerance * (1 + 1e-9) + 1e-12


def bound_notes(space: DesignSpace, x) -> tuple[dict[str, str], list[str]]:
    """Which best terms ``x`` sit on a bound of their range, and a note for each saying what to do.

    A value within one resolution step or 1% of the searched range (``--vary``'s, narrowed by any
    ``--constraint``) of a bound is on it (:data:`BOUND_RULE`, :func:`on_bound`: 0.99 and 0.991 alike
    on the bound 1 of a range 0..1).  On a
    bound of ``--vary``, the best may lie beyond it: the note suggests a range half as wide again
    on that side (within the parameter's own limits); on the parameter's own limit it is a corner
    solution; on a bound a ``--constraint`` sets, relaxing the constraint may do better.

    Returns ``({key: "lower" or "upper"}, notes)``.
    """
    on: dict[str, str] = {}
    notes: list[str] = []
    for j, v in enumerate(space.varied):
        if not space.free[j]:
            continue
        span = v.high - v.low
        tol = bound_tolerance(float(space.resolution[j]), float(space.upper[j] - space.lower[j]))
        val = float(x[j])
        p = space.scenario.spec(v.key)
        vary = f"--vary {v.key}={_num(v.low, v.integer)}..{_num(v.high, v.integer)}"
        for side, edge, vary_edge, limit in (
            ("lower", space.lower[j], v.low, p.low),
            ("upper", space.upper[j], v.high, p.high),
        ):
            if not on_bound(val, edge, tol):
                continue
            on[v.key] = side
            head = f"the best {v.key} ({_num(val, v.integer)}) sits on the {side} bound"
            if abs(edge - vary_edge) > 1e-9 * max(1.0, abs(vary_edge)):
                notes.append(f"{head} a --constraint sets ({_num(edge, v.integer)}): relaxing it may do better")
            elif abs(vary_edge - limit) <= 1e-9 * max(1.0, abs(limit)):
                notes.append(f"{head} of {vary}, the parameter's own limit: a corner solution")
            else:
                lo, hi = (
                    (max(p.low, v.low - span / 2), v.high)
                    if side == "lower"
                    else (v.low, min(p.high, v.high + span / 2))
                )
                notes.append(
                    f"{head} of {vary}: the best terms may lie beyond it; widen the range, "
                    f"e.g. --vary {v.key}={_num(lo, v.integer)}..{_num(hi, v.integer)}"
                )
            break
    return on, notes


def best_record(result, best: Candidate, check: dict, zone: dict, exhaustive: bool) -> dict:
    """The content of ``best.json``.

    ``result`` is the :class:`~trucesim.designer.design.DesignResult` being made (its ``best`` not yet set).
    """
    space = result.space
    m = best.metrics
    obj = result.objective
    terms = {**space.values(best.x), **space.fixed_values()}
    return {
        "scenario": space.scenario.name,
        "scenario_file": str(space.scenario.path),
        "terms": terms,
        "objective": obj,
        "value": _py(check["value"]),
        "ci": [_py(check["ci"][0]), _py(check["ci"][1])],
        "ci_level": 0.95,
        "scenario_value": _py(check["scenario_value"]),
        "scenario_ci": [_py(check["scenario_ci"][0]), _py(check["scenario_ci"][1])],
        "value_on_search_worlds": _py(m[obj]),
        "ci_on_search_worlds": [_py(m.get(f"{obj}_lo")), _py(m.get(f"{obj}_hi"))],
        "p_deal": _py(check["p_deal"]),
        "p_deal_ci": [_py(x) for x in check["p_deal_ci"]],
        "on_bound": bound_notes(space, best.x)[0],
        "acceptance_day0": {
            "government": _py(m["p_government_accepts_day0"]),
            "armed_group": _py(m["p_armed_group_accepts_day0"]),
            "in_zone": bool(m["in_zone"]),
        },
        "check": {
            "worlds": check["worlds"],
            "seed": check["seed"],
            "command": f"trucesim run best.toml --worlds {check['worlds']} --seed {check['seed']}",
        },
        "candidate": int(best.id),
        "worlds": result.worlds,
        "seed": result.seed,
        "varied": {v.key: [_py(space.lower[j]), _py(space.upper[j])] for j, v in enumerate(space.varied)},
        "fixed": space.fixed_values(),
        "constraints": [str(c) for c in space.constraints],
        "search": {
            "method": "exhaustive" if exhaustive else "sobol screen + differential evolution",
            "screen": result.plan.screen,
            "population": result.plan.population,
            "generations_planned": result.plan.generations,
            "generations_run": result.generations,
            "budget": result.budget if result.budget is not None else result.plan.budget,
            "planned": result.plan.budget,
            "search_simulations": int(result.candidates["stage"].isin(["screen", "search", "grid"]).sum()),
            "simulations": int(len(result.candidates)),
        },
        "zone": zone,
        "versus": result.versus,
        "notes": result.notes,
        "about": "an exploration of the scenario's stated assumptions, not a forecast or advice",
    }


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def best_scenario_toml(result, out_dir: Path) -> str:
    """A scenario file extending the original with the best terms (``best.toml``)."""
    from trucesim.config.shipped import shipped

    space = result.space
    path = Path(space.scenario.path)
    if any(path.resolve() == p.resolve() for p in shipped("scenarios")):
        rel = path.stem  # a shipped scenario by name: the file still works if DIR moves or trucesim is reinstalled
    else:
        rel = os.path.relpath(path.resolve(), Path(out_dir).resolve())
    lines = [
        f"# The best terms found by trucesim design (objective {result.objective}, "
        f"{result.worlds} worlds, seed {result.seed}).",
        "# An exploration of the scenario's stated assumptions, not a forecast or advice.",
        f"# Check: trucesim run best.toml --worlds {result.worlds} --seed {result.seed + 1}",
        f"extends = {_toml_str(rel)}",
        "",
    ]
    src = f"trucesim design: best for {result.objective}"
    fixed = space.fixed_values()
    for key, v in result.best["terms"].items():  # dotted keys: before any [table] header
        how = "trucesim design: fixed with --fix" if key in fixed else src
        lines.append(f"{key} = {{ value = {v!r}, source = {_toml_str(how)} }}")
    lines += [
        "",
        "[meta]",
        f"name = {_toml_str(space.scenario.name + '-designed')}",
        f"description = {_toml_str('the best terms for ' + result.objective + ' found by trucesim design')}",
    ]
    return "\n".join(lines) + "\n"


# --- writing -------------------------------------------------------------------------------------

OUTPUT_FILES = (
    "best.json",
    "best.toml",
    "candidates.csv",
    "zopa.csv",
    "zopa.png",
    "pareto.csv",
    "pareto.png",
    "marginal.csv",
)


def check_out_dir(out_dir: Path, force: bool) -> list[str]:
    """Refuse an existing non-empty directory unless ``force``; return the design files it would replace.

    Raises :class:`DesignError` if ``out_dir`` is a file, or is non-empty without ``force``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DesignError(f"--out {out_dir}: expected a directory, found a file")
    if out_dir.is_dir():
        present = sorted(p.name for p in out_dir.iterdir())
        if present and not force:
            raise DesignError(
                f"--out {out_dir}: expected a new or empty directory, found {len(present)} "
                f"entries (add --force to replace the design's files in it; other files are kept)"
            )
        return [n for n in present if n in OUTPUT_FILES]
    return []


def _round_table(df: pd.DataFrame, space: DesignSpace) -> pd.DataFrame:
    df = df.copy()
    for k in space.keys:
        if k in df:  # as snapped (DesignSpace.snap): every candidate exactly, 0.1 + 0.2 as 0.3
            df[k] = df[k].round(10)
    for col in df.columns:
        if df[col].dtype.kind == "f" and col not in space.keys:
            df[col] = df[col].round(6)
    return df


def write_outputs(result, out_dir: Path, figures: dict | None = None, dpi: int = 150) -> tuple[list[Path], list[Path]]:
    """Write ``best.json``, ``best.toml``, the CSV tables and the given figures into ``out_dir``.

    ``result`` is a :class:`~trucesim.designer.design.DesignResult`.
    ``figures`` maps file names (``zopa.png``, ``pareto.png``) to matplotlib
    figures, written as PNG at ``dpi`` dots per inch in that order; a ``None`` figure is not written.
    The designer draws no figures itself:
    :func:`trucesim.plots.designer.design_figures` draws the ones
    ``trucesim design`` writes.

    Each file is written to a temporary name and renamed when complete; a
    design file a previous run left that this run does not produce (e.g.
    ``zopa.png`` with three varied keys) is removed.  Other files in the
    directory are kept.  Returns the files written and the files removed.
    """
    out_dir = Path(out_dir)
    unknown = sorted(set(figures or {}) - set(OUTPUT_FILES))
    if unknown:
        raise ValueError(f"figures: expected names among {', '.join(OUTPUT_FILES)}, found {', '.join(unknown)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    space = result.space
    written: list[Path] = []

    def put(name, write):
        p = out_dir / name
        write_atomic(p, write)
        written.append(p)

    put("best.json", lambda t: t.write_text(json.dumps(result.best, indent=2) + "\n"))
    put("best.toml", lambda t: t.write_text(best_scenario_toml(result, out_dir)))
    put("candidates.csv", lambda t: _round_table(result.candidates, space).to_csv(t, index=False))
    put("zopa.csv", lambda t: _round_table(result.zone, space).to_csv(t, index=False))
    put("pareto.csv", lambda t: _round_table(result.pareto, space).to_csv(t, index=False))
    put("marginal.csv", lambda t: result.marginal.round(8).to_csv(t, index=False))
    for name, fig in (figures or {}).items():
        if fig is not None:
            put(name, lambda t, fig=fig: fig.savefig(t, dpi=dpi, format="png"))
    removed = []
    for name in OUTPUT_FILES:
        p = out_dir / name
        if p.exists() and p not in written:
            p.unlink()
            removed.append(p)
    return written, removed


def range_words(low: float, high: float, unit: str) -> str:
    """A range and its unit in words, the unit's own range left out: ``20..50 hostages``, ``0..1, a share``.

    Examples
    --------
    >>> range_words(20, 50, "hostages"), range_words(0, 1, "share 0..1"), range_words(0, 0.5, "share")
    ('20..50 hostages', '0..1, a share', '0..0.5, a share')
    """
    unit = re.sub(r"\s*-?[\d.]+\s*\.\.\s*-?[\d.]+\s*$", "", unit).strip()  # "share 0..1" -> "share"
    if unit in ("share", "probability"):
        return f"{low:g}..{high:g}, a {unit}"
    return f"{low:g}..{high:g}" + (f" {unit}" if unit else "")


def _search_lines(result) -> list[str]:
    """How the search ran: its simulations, and the budget asked against the plan made of it."""
    s = result.best["search"]
    n_keys = len(result.space.keys)
    more = s["simulations"] - s["search_simulations"]
    head = (
        f"  searched {n_keys} key{'s' if n_keys != 1 else ''} ({s['method']}): "
        f"{s['search_simulations']} simulations, {more} more for the marginal effects"
    )
    asked = "--budget" if result.budget is not None else "the default budget"
    if s["method"] == "exhaustive":
        return [head, f"    ({asked} {s['budget']}: the design space holds fewer candidates, all simulated)"]
    plan = result.plan
    return [
        head,
        f"    ({asked} {s['budget']}: a Sobol screen of {plan.screen}, then up to {plan.generations} generations "
        f"of {plan.population}, at most {plan.budget} simulations)",
    ]


def format_summary(result) -> str:
    """The report ``trucesim design`` prints."""
    b, space = result.best, result.space
    obj = METRICS[result.objective]
    pct = obj.kind == "proportion"
    show = (lambda x: f"{100 * x:.1f}%") if pct else (lambda x: f"{x:.2f}")
    lines = [
        f"trucesim design: {space.scenario.name} - {result.worlds:,} worlds per candidate, seed {result.seed}",
        "(an exploration of the scenario's stated assumptions, not a forecast or advice)",
        "",
        *_search_lines(result),
    ]
    lines.append(f"  best terms for {result.objective}:")
    on_bound = b.get("on_bound", {})
    for j, k in enumerate(space.keys):
        mark = f"  <- on the {on_bound[k]} bound (see the note below)" if k in on_bound else ""
        searched = range_words(space.lower[j], space.upper[j], space.varied[j].unit)
        lines.append(f"    {k:<36}{b['terms'][k]:>10g}   (searched {searched}){mark}")
    if on_bound:
        lines.append(f"    ({BOUND_RULE})")
    for k, v in space.fixed_values().items():
        lines.append(f"    {k:<36}{v:>10g}   (fixed)")
    lines.append(
        f"  {obj.label}: {show(b['value'])}   95% CI {show(b['ci'][0])}-{show(b['ci'][1])}"
        f"   (fresh worlds, seed {b['check']['seed']}; {show(b['value_on_search_worlds'])} on the search's worlds)"
    )
    lines.append(
        f"  the scenario's own terms, on the same worlds: {show(b['scenario_value'])}   95% CI "
        f"{show(b['scenario_ci'][0])}-{show(b['scenario_ci'][1])}"
    )
    if result.objective != "p_deal":
        lines.append(
            f"  probability of a deal: {100 * b['p_deal']:.1f}%   95% CI "
            f"{100 * b['p_deal_ci'][0]:.1f}-{100 * b['p_deal_ci'][1]:.1f}%"
        )
    a = b["acceptance_day0"]
    gov, ag = (side_label(space.scenario, kind) for kind in ("government", "armed_group"))
    lines.append(
        f"  acceptance of these terms at day 0: {gov} {100 * a['government']:.1f}%, {ag} {100 * a['armed_group']:.1f}%"
    )
    z = b["zone"]
    lines.append(f"  zone of possible agreement: {z['points_in_zone']} of {z['grid_points']} grid points")
    for k, r in z["ranges_in_zone"].items():
        if r is not None:
            lines.append(f"    {k:<36}{r[0]:g}..{r[1]:g}")  # the key's unit is on its line above
    n_front = len(result.pareto)
    lines.append(f"  Pareto front (p_deal vs {result.versus}): {n_front} candidate{'s' if n_front != 1 else ''}")
    m = result.marginal
    if len(m):
        lines.append(
            "  what each varied key buys at the best terms (a step up and down in the key's unit -> the change "
            "in the probability of a deal, in percentage points, on the same worlds):"
        )
        for _, r in m.iterrows():
            if pd.isna(r.get("p_deal_per_unit", math.nan)):
                lines.append(f"    {r['key']:<36}held at one value by the constraints")
                continue
            parts = []
            for side, dist in (("up", r["high"] - r["at"]), ("down", r["low"] - r["at"])):
                ch = r.get(f"p_deal_change_{side}", math.nan)
                if not pd.isna(ch):
                    parts.append(f"{dist:+.4g} -> {100 * ch:+.1f}")
            lines.append(
                f"    {r['key']:<36}{', '.join(parts)};  per unit {100 * r['p_deal_per_unit']:+.3f} "
                f"(95% CI {100 * r['p_deal_per_unit_lo']:+.3f} to {100 * r['p_deal_per_unit_hi']:+.3f})"
            )
    for n in result.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)

"""The self-contained HTML report of a sweep: summary tables and every figure that fits.

:func:`build_report` turns a sweep read with
:func:`~trucesim.analysis.results.load_results` into one HTML page with no
outside references (figures embedded as base64 PNG): the experiment, its
factors, a summary over all worlds with Wilson intervals, a table per design
point, the Sobol' indices of a Saltelli sweep and the figures of
:mod:`trucesim.plots`.  Outputs explore the scenario's stated assumptions;
they are not forecasts.

Examples
--------
>>> from trucesim.analysis.results import load_results
>>> page = build_report(load_results("results/prisoners"))     # doctest: +SKIP
>>> page.startswith("<!DOCTYPE html>")                           # doctest: +SKIP
True
"""

from __future__ import annotations

import base64
import html
import io
import os
import time
from typing import TYPE_CHECKING

from trucesim import __version__, plots
from trucesim.analysis.discovery import PRIM_WORLDS, sweep_prim
from trucesim.analysis.labels import acceptance_outcomes, outcome_label
from trucesim.analysis.probability import probability_by, summary_table
from trucesim.analysis.results import ResultsError
from trucesim.analysis.sensitivity import has_saltelli_layout, sweep_sobol
from trucesim.plots.style import factor_label

if TYPE_CHECKING:
    import pandas as pd

#: most rows of the per-point table; larger designs show the extremes
MAX_POINT_ROWS = 30
#: most factors drawn as acceptance curves
MAX_CURVES = 8

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.note { background: #fff8e6; border-left: 4px solid #E69F00; padding: 0.6em 1em; margin: 1em 0; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e5e5e5; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
code { background: #f4f4f4; padding: 0 0.25em; }
footer { margin-top: 3em; font-size: 0.85em; color: #666; }
"""


def page_head(title: str) -> list[str]:
    """The opening lines of a self-contained page, up to its ``<h1>`` (the style sheet inline).

    Examples
    --------
    >>> page_head("x")[-1]
    '<h1>x</h1>'
    """
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
    ]


def written_on() -> str:
    """When a report says it was written, ``YYYY-MM-DD HH:MM``: now (local time), or, where the
    environment sets ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention),
    that moment in UTC, so that two runs of one report are the same file byte for byte.

    >>> import os
    >>> os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    >>> written_on()
    '2023-11-14 22:13'
    >>> del os.environ["SOURCE_DATE_EPOCH"]
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return time.strftime("%Y-%m-%d %H:%M", time.gmtime(int(epoch)))
    return time.strftime("%Y-%m-%d %H:%M")


def png_base64(fig, dpi: int) -> str:
    """A matplotlib figure as base64 PNG text, for an ``<img src="data:image/png;base64,...">``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def pct(p) -> str:
    """A proportion as a percentage with one decimal; NaN as ``n/a``.

    >>> pct(0.1234), pct(float("nan"))
    ('12.3%', 'n/a')
    """
    return "n/a" if p != p else f"{100 * p:.1f}%"


def html_table(headers, rows, numeric=()) -> str:
    """An HTML table (escaped, scrolling sideways if wide); columns whose index is in ``numeric`` align right.

    >>> html_table(["a"], [[1]]).count("<td>")
    1
    """
    head = "".join(
        f'<th class="num">{html.escape(h)}</th>' if i in numeric else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for r in rows:
        cells = "".join(
            f'<td class="num">{html.escape(str(c))}</td>' if i in numeric else f"<td>{html.escape(str(c))}</td>"
            for i, c in enumerate(r)
        )
        body.append(f"<tr>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _fmt_value(v) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:.4g}" if f == f else "n/a"


def _facts(exp) -> str:
    m = exp.manifest
    design = m.get("design") or {}
    wpp = exp.worlds.groupby("point").size() if "point" in exp.worlds.columns else None
    experiment = m.get("experiment")
    exp_name = experiment.get("name") or experiment.get("path") if isinstance(experiment, dict) else experiment
    scen = m.get("scenario")
    scen_text = scen.get("path") or scen.get("name") if isinstance(scen, dict) else scen
    rows = [
        ("experiment", exp_name or exp.path.name),
        ("scenario", f"{exp.scenario_name} ({scen_text})" if scen_text else exp.scenario_name),
        (
            "design",
            f"{exp.design_kind}, {design.get('points', 'n/a')} points"
            + (" (Saltelli layout for Sobol' indices)" if design.get("saltelli") else ""),
        ),
        (
            "worlds",
            f"{len(exp.worlds):,}"
            + (f" ({int(wpp.min()):,} per point)" if wpp is not None and len(wpp) and wpp.min() == wpp.max() else ""),
        ),
        ("seed", m.get("seed", (experiment or {}).get("seed") if isinstance(experiment, dict) else "n/a")),
        ("chunk worlds", m.get("chunk_worlds", "n/a")),
        ("trucesim version", m.get("trucesim_version", "n/a")),
        ("results directory", str(exp.path)),
    ]
    return html_table(["", ""], rows)


def _factor_table(exp) -> str:
    rows = []
    for f in exp.factors:
        col = exp.worlds[f] if f in exp.worlds.columns else None
        if col is None:
            continue
        levels = col.nunique()
        rows.append((factor_label(f, exp.scenario), _fmt_value(col.min()), _fmt_value(col.max()), levels))
    return html_table(["factor [unit]", "lowest", "highest", "distinct values"], rows, numeric=(1, 2, 3))


def _summary(exp) -> str:
    t = summary_table(exp.worlds, labels=exp.labels)
    rows = [(r.label, f"{r.worlds:,}", f"{r.k:,}", pct(r.p), f"{pct(r.p_lo)} – {pct(r.p_hi)}") for r in t.itertuples()]
    extra = []
    deal = exp.worlds["deal"].to_numpy(bool) if "deal" in exp.worlds.columns else None
    if deal is not None and deal.any():
        days = exp.worlds.loc[deal, "deal_day"]
        extra.append(
            f"Deal day (worlds with a deal): median {days.median():g}, 10–90%: "
            f"{days.quantile(0.1):g}–{days.quantile(0.9):g} days after the framework was tabled."
        )
    for col, what in (("hostages_released", "hostages released"), ("hostages_died", "hostages who died in captivity")):
        if col in exp.worlds.columns:
            extra.append(f"Mean {what} per world: {exp.worlds[col].mean():.1f}.")
    return html_table(
        ["outcome", "worlds", "with outcome", "probability", "95% interval (Wilson)"], rows, numeric=(1, 2, 3, 4)
    ) + "".join(f"<p>{html.escape(e)}</p>" for e in extra)


def _points(exp) -> str:
    df = exp.worlds
    if "point" not in df.columns or not exp.factors:
        return "<p>No design points recorded.</p>"
    outcomes = ["deal"] + acceptance_outcomes(df)
    t = probability_by(df, "point", outcomes, max_levels=10**9)
    wide = t.pivot(index="point", columns="outcome", values="p")
    lo = t[t.outcome == "deal"].set_index("point")["p_lo"]
    hi = t[t.outcome == "deal"].set_index("point")["p_hi"]
    n = t[t.outcome == "deal"].set_index("point")["worlds"]
    fac = df.groupby("point")[exp.factors].first()
    wide = wide.join(fac).join(n.rename("worlds")).join(lo.rename("lo")).join(hi.rename("hi"))
    wide = wide.sort_values("deal", ascending=False)
    note = ""
    if len(wide) > MAX_POINT_ROWS:
        k = MAX_POINT_ROWS // 2
        note = (
            f"<p>{len(wide):,} points: the {k} with the highest and the {k} with the lowest probability "
            f"of a deal are shown; every point is in <code>{html.escape(str(exp.path / 'points.parquet'))}</code>.</p>"
        )
        wide = wide.iloc[list(range(k)) + list(range(len(wide) - k, len(wide)))]
    labels = exp.labels
    headers = [
        "point",
        *exp.factors,
        "worlds",
        "P(deal)",
        "95% interval",
        *[outcome_label(o, labels) for o in outcomes[1:]],
    ]
    rows = []
    for pid, r in wide.iterrows():
        rows.append(
            (
                int(pid),
                *[_fmt_value(r[f]) for f in exp.factors],
                f"{int(r['worlds']):,}",
                pct(r["deal"]),
                f"{pct(r['lo'])} – {pct(r['hi'])}",
                *[pct(r[o]) for o in outcomes[1:]],
            )
        )
    numeric = tuple(range(1, len(headers)))
    return note + html_table(headers, rows, numeric=numeric)


def _pairs(exp, sobol) -> list[tuple[str, str]]:
    f = [x for x in exp.factors if x in exp.worlds.columns and exp.worlds[x].nunique() > 1]
    if len(f) < 2:
        return []
    if sobol is not None:
        ranked = [x for x in sobol["factor"] if x in f]
        return [(ranked[0], ranked[1])]
    return [(f[0], f[1])]


def build_report(exp, *, bins: int | None = None, dpi: int = 100, log=None) -> str:
    """The HTML page of a sweep read with :func:`trucesim.analysis.results.load_results`.

    ``bins`` and ``dpi`` as for the figures; ``log`` is called with a line as
    each part is drawn.  A figure that does not fit the sweep is left out with
    the reason.

    Raises
    ------
    trucesim.analysis.results.ResultsError
        One line, when the Sobol' indices of a Saltelli sweep cannot be computed
        (design points without worlds).
    """

    def say(msg):
        if log is not None:
            log(msg)

    scen = exp.scenario if exp.scenario is not None else exp.scenario_name
    figures: list[tuple[str, str, str]] = []  # (title, caption, base64)

    def add(title, caption, make):
        say(f"  figure: {title}")
        try:
            fig = make()
        except ResultsError as e:  # a figure that does not fit is left out, with the reason
            figures.append((title, f"Left out: {e}", ""))
            return
        figures.append((title, caption, png_base64(fig, dpi)))

    sobol = None
    if has_saltelli_layout(exp):
        say("  Sobol' indices")
        try:
            sobol = sweep_sobol(exp, "deal")
        except ResultsError as e:  # a deal at no point or at every one: nothing to apportion
            figures.append(("Sobol' indices of P(deal)", f"Left out: {e}", ""))
    _add_figures(exp, sobol, scen, bins, add, say)
    return _page(exp, sobol, figures)


def _add_figures(exp, sobol: pd.DataFrame | None, scen, bins: int | None, add, say) -> None:
    """Every figure a sweep's page shows, in order: ``add(title, caption, make)`` for each, ``say`` before PRIM.

    The outcomes, P(deal) and each side's acceptance over the two leading factors, the
    acceptance curves, the Sobol' indices (a Saltelli sweep), the PRIM boxes, the deal day
    and hostages, the coalition seats; each only where the sweep has what it needs.
    """
    df = exp.worlds
    add(
        "Every outcome",
        "Share of worlds with each outcome over the whole experiment, with 95% Wilson intervals on the "
        "independent worlds it holds (its points share their worlds).",
        lambda: plots.outcome_bars(df, scenario=scen),
    )
    for x, y in _pairs(exp, sobol):
        add(
            f"P(deal) over {x} and {y}",
            "Each cell: the share of worlds with a deal signed and ratified; the line, where P crosses 0.5, marks it. "
            + ("The two factors with the largest total-order Sobol' index." if sobol is not None else ""),
            lambda x=x, y=y: plots.heatmap(df, x, y, "deal", scenario=scen, bins=bins),
        )
        for side in acceptance_outcomes(df):
            add(
                f"{outcome_label(side, exp.labels)}: over {x} and {y}",
                "Share of worlds where this side accepts at least one proposal during the talks.",
                lambda x=x, y=y, side=side: plots.heatmap(df, x, y, side, scenario=scen, bins=bins),
            )
    varying = [f for f in exp.factors if f in df.columns and df[f].nunique() > 1]
    ranked = list(sobol["factor"]) if sobol is not None else varying
    for x in ranked[:MAX_CURVES]:
        add(
            f"Acceptance by {x}",
            "Each side's acceptance and the deal against one factor (all other factors as the design sets them), "
            "with 95% Wilson bands.",
            lambda x=x: plots.acceptance_curves(df, x, scenario=scen, bins=bins),
        )
    if sobol is not None:
        add(
            "Sobol' indices of P(deal)",
            "First-order (S1) and total-order (ST) Sobol' indices of the probability of a deal per design point, "
            "with 95% bootstrap intervals (SALib).",
            lambda: plots.sobol_bars(
                sobol, scenario=scen, worlds=len(df), outcome="deal", base_samples=sobol.attrs.get("base_samples")
            ),
        )
    if varying and "deal" in df.columns and df["deal"].any() and not df["deal"].all():

        def _prim():
            boxes, traj = sweep_prim(exp, "deal")
            return plots.prim_plot(boxes, traj, scenario=scen, worlds=min(len(df), PRIM_WORLDS), outcome="deal")

        say("  PRIM")
        add(
            "Where a deal is likely: PRIM boxes",
            "Scenario discovery (PRIM, EMA Workbench) on the worlds (at most 50,000, drawn at random): boxes of the "
            "factors' space rich in deals, with coverage and density.",
            _prim,
        )
    if "deal" in df.columns:
        add(
            "Deal day and hostages released",
            "Over the worlds with a deal.",
            lambda: plots.distributions(df, scenario=scen),
        )
    if exp.scenario is not None and any(c.startswith("exit_") for c in df.columns):
        add(
            "Coalition seats",
            "Seats the coalition keeps after the deal vote, against the majority.",
            lambda: plots.seats(df, exp.scenario),
        )


def _sobol_table(sobol: pd.DataFrame | None) -> str:
    """The Sobol' indices as an HTML table under its heading ("" without indices)."""
    if sobol is None:
        return ""
    rows = [
        (r.factor, f"{r.S1:.3f}", f"{r.S1_lo:.3f} – {r.S1_hi:.3f}", f"{r.ST:.3f}", f"{r.ST_lo:.3f} – {r.ST_hi:.3f}")
        for r in sobol.itertuples()
    ]
    return "<h2>Sobol' indices of P(deal)</h2>" + html_table(
        ["factor", "S1", "95% interval", "ST", "95% interval"], rows, numeric=(1, 2, 3, 4)
    )


def _figure_html(title: str, caption: str, b64: str) -> str:
    """A figure with its caption, or (no image: a figure left out) its title and the reason."""
    if b64:
        return (
            f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{b64}">'
            f"<figcaption><strong>{html.escape(title)}.</strong> {html.escape(caption)}</figcaption></figure>"
        )
    return f"<p><strong>{html.escape(title)}.</strong> {html.escape(caption)}</p>"


def _page(exp, sobol: pd.DataFrame | None, figures: list[tuple[str, str, str]]) -> str:
    """The whole page: the experiment, its factors, the summaries, the Sobol' table, the drawn ``figures``."""
    df = exp.worlds
    title = f"trucesim report: {exp.name}"
    parts = [
        *page_head(title),
        f"<p>Scenario <strong>{html.escape(exp.scenario_name)}</strong> · {len(df):,} worlds · "
        f"{html.escape(exp.design_kind)} design over {len(exp.factors)} factor(s).</p>",
        '<p class="note">trucesim is an exploratory agent-based model of the spring-2024 Gaza truce talks. '
        "Every number below follows from the scenario's stated assumptions and the experiment's design; "
        "they are explorations of those assumptions, not predictions of what the parties did or will do, "
        "and not advice.</p>",
        "<h2>Experiment</h2>",
        _facts(exp),
        "<h2>Factors</h2>",
        _factor_table(exp),
        "<h2>Summary over all worlds</h2>",
        _summary(exp),
        "<h2>By design point</h2>",
        _points(exp),
        _sobol_table(sobol),
        "<h2>Figures</h2>",
    ]
    parts += [_figure_html(*f) for f in figures]
    parts += [
        f"<footer>Written by trucesim {html.escape(__version__)} on "
        f"{written_on()} from <code>{html.escape(str(exp.path))}</code>.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts)


__all__ = ["CSS", "MAX_CURVES", "MAX_POINT_ROWS", "build_report", "html_table", "page_head", "pct", "png_base64"]

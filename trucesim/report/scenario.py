"""The self-contained HTML report of one scenario run, or of several scenarios compared on the same worlds.

:func:`build_scenario_report` takes what ``trucesim report SCENARIO...`` simulated
(one :class:`ScenarioRun` per scenario: its per-world outcome table, its summary and
the traced story of one world) and writes the same kind of page as the report of a
sweep (:mod:`trucesim.report.html`): every summary figure with its 95% interval; how
the talks ended and, where the summary has them, what blocked a deal; the deal day
and hostages released; coalition seats; one world's story, as a timeline and as
text.  With several scenarios the page opens with the comparison of
:class:`trucesim.analysis.compare.Comparison` (differences from the first scenario
with their intervals).  Figures are embedded as base64 PNG.

Examples
--------
>>> page = build_scenario_report([run], seed=0)                      # doctest: +SKIP
>>> page.startswith("<!DOCTYPE html>")                                 # doctest: +SKIP
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from trucesim import __version__, plots
from trucesim.analysis.compare import figure_label, flatten, is_share
from trucesim.analysis.compare_groups import row_label
from trucesim.report.comparison import INDEPENDENT, NO_INTERVAL, SIGNIFICANT, comparison_rows
from trucesim.report.html import html_table, page_head, pct, png_base64, written_on
from trucesim.report.text import trace_story
from trucesim.run.blockers import gate_labels
from trucesim.run.stats import proportion_ci

#: summary keys shown in their own section ("how the talks ended"), whatever else the summary holds
ENDING_KEYS = ("end_reasons", "blockers")


@dataclass
class ScenarioRun:
    """One scenario's run for the report: per-world table, summary, and the story of one world."""

    name: str
    scenario: object
    table: pd.DataFrame
    summary: dict
    story_world: int | None = None
    story: list = field(default_factory=list)


def _summary_rows(summary: dict, labels) -> list[tuple]:
    n = int(summary["worlds"])
    rows = []
    for name, v in flatten(summary).items():
        if name.split(".")[0] in ENDING_KEYS:
            continue
        if is_share(name):
            lo, hi = proportion_ci(round((v or 0) * n), n) if v is not None else (float("nan"),) * 2
            rows.append(
                (figure_label(name, labels), pct(v if v is not None else float("nan")), f"{pct(lo)} – {pct(hi)}")
            )
        else:
            rows.append((figure_label(name, labels), "n/a" if v is None else f"{v:.4g}", ""))
    return rows


def _category(column: str, value: str, words: dict[str, str]) -> str:
    """A per-world category in the words trucesim run uses: how the talks ended, what stopped the last round
    (``words``: the scenario's :func:`~trucesim.run.blockers.gate_labels`)."""
    if column == "blocker" and value == "none":
        return "none: a deal was signed"
    summary_key = {"end_of_talks": "end_reasons", "blocker": "blockers"}.get(column)
    if summary_key is not None:
        return row_label(f"{summary_key}.{value}", words)
    return value.replace("_", " ")


def _endings(run: ScenarioRun, labels) -> str:
    """How the talks ended: every category column of the table, and the summary's ending keys."""
    parts = []
    df = run.table
    n = len(df)
    words = gate_labels(run.scenario)
    for col in df.columns:
        if not isinstance(df[col].dtype, pd.CategoricalDtype):
            continue
        counts = df[col].astype(str).value_counts()
        rows = []
        for value, k in counts.items():
            lo, hi = proportion_ci(int(k), n)
            rows.append((_category(col, str(value), words), f"{int(k):,}", pct(k / n), f"{pct(lo)} – {pct(hi)}"))
        parts.append(f"<h3>{html.escape(col.replace('_', ' '))} (per world)</h3>")
        parts.append(html_table(["", "worlds", "share", "95% interval (Wilson)"], rows, numeric=(1, 2, 3)))
    for key in ENDING_KEYS:
        if isinstance(run.summary.get(key), dict):
            what = "worlds without a deal" if key == "blockers" else "worlds"
            shares = [  # in trucesim run's words, as the per-world tables above
                (row_label(f"{key}.{k}", {**labels, **words}), pct(v) if v is not None else "n/a")
                for k, v in run.summary[key].items()
            ]
            parts.append(f"<h3>{html.escape(key.replace('_', ' '))} (share of {what})</h3>")
            parts.append(html_table(["", "share"], shares, numeric=(1,)))
    if not any(isinstance(run.summary.get(k), dict) for k in ENDING_KEYS):
        parts.append("<p>This version of the model's summary names no blockers.</p>")
    return "".join(parts)


def _cell(v: float | None, share: bool) -> str:
    return "n/a" if v is None else (pct(v) if share else f"{v:.4g}")


def _comparison_table(comparison: dict, labels) -> str:
    names = comparison["scenarios"]
    headers, rows = comparison_rows(comparison, labels, _cell, "difference:")
    note = (
        f"<p>Differences from <strong>{html.escape(names[0])}</strong> with their 95% interval in brackets "
        "(probabilities in percentage points): paired over the same worlds (common random numbers: every "
        f"scenario runs with the same seed and chunk seeds) unless marked {INDEPENDENT}. {SIGNIFICANT} the interval "
        f"excludes zero; {INDEPENDENT} the interval is of two independent proportions (Newcombe's, from Wilson "
        f"intervals); no brackets: no interval ({NO_INTERVAL}).</p>"
    )
    return html_table(headers, rows, numeric=tuple(range(1, len(headers)))) + note


def build_scenario_report(
    runs: Sequence[ScenarioRun],
    *,
    seed: int,
    comparison: dict | None = None,
    dpi: int = 100,
    log=None,
) -> str:
    """The HTML page of one scenario run (one run) or of a comparison (several runs and ``comparison``)."""

    def say(msg):
        if log is not None:
            log(msg)

    labels: dict = {}
    for r in reversed(runs):
        labels.update(getattr(r.scenario, "labels", {}) or {})
    worlds = len(runs[0].table)
    several = len(runs) > 1
    title = "trucesim report: " + (" vs ".join(r.name for r in runs) if several else runs[0].name)

    def figure(title_: str, caption: str, make) -> str:
        say(f"  figure: {title_}")
        b64 = png_base64(make(), dpi)
        return (
            f'<figure><img alt="{html.escape(title_)}" src="data:image/png;base64,{b64}">'
            f"<figcaption><strong>{html.escape(title_)}.</strong> {html.escape(caption)}</figcaption></figure>"
        )

    facts = [
        ("scenario" + ("s" if several else ""), ", ".join(r.name for r in runs)),
        ("worlds", f"{worlds:,}" + (" per scenario, the same worlds for each" if several else "")),
        ("seed", seed),
        ("trucesim version", __version__),
    ]
    body = ["<h2>Run</h2>", html_table(["", ""], facts)]
    if several and comparison is not None:
        body += ["<h2>Comparison</h2>", _comparison_table(comparison, labels)]
        body.append(
            figure(
                "The main figures, side by side",
                "The main outcomes, hostages and acceptance, a panel each: probabilities as the share of worlds "
                f"with 95% Wilson intervals, hostages as means per world; {SIGNIFICANT} marks a difference from the "
                "first scenario whose 95% interval excludes zero (the table above gives every figure).",
                lambda: plots.comparison_bars(comparison, labels=labels),
            )
        )
    if not several:
        body.append(
            figure(
                "Every outcome",
                "Share of worlds with each outcome, with 95% Wilson intervals.",
                lambda: plots.outcome_bars(runs[0].table, scenario=runs[0].scenario),
            )
        )
    for r in runs:
        say(f"scenario {r.name}")
        head = f"<h2>{html.escape(r.name)}</h2>" if several else ""
        sec = [head, "<h3>Summary</h3>" if several else "<h2>Summary</h2>"]
        sec.append(html_table(["figure", "value", "95% interval (Wilson)"], _summary_rows(r.summary, labels), (1, 2)))
        sec += ["<h3>How the talks ended</h3>" if several else "<h2>How the talks ended</h2>", _endings(r, labels)]
        sec.append(
            figure(
                f"Deal day and hostages released: {r.name}",
                "Over the worlds with a deal.",
                lambda r=r: plots.distributions(r.table, scenario=r.scenario),
            )
        )
        if any(c.startswith("exit_") for c in r.table.columns):
            sec.append(
                figure(
                    f"Coalition seats: {r.name}",
                    "Seats the coalition keeps after the deal vote, against the majority.",
                    lambda r=r: plots.seats(r.table, r.scenario),
                )
            )
        if r.story_world is not None:
            why = "the first world with a deal" if r.table["deal"].any() else "world 0 (no world has a deal)"
            sec.append(
                figure(
                    f"One world's story: world {r.story_world} of {r.name}",
                    f"Day by day, {why}; the same world as 'trucesim run --seed {seed} --trace {r.story_world}'.",
                    lambda r=r: plots.timeline(r.story, scenario=r.scenario, world=r.story_world, seed=seed),
                )
            )
            row = r.table.loc[r.table["world"] == r.story_world].iloc[0]
            text = trace_story(r.story_world, r.story, row, r.scenario)  # as trucesim run --trace prints it
            sec.append(f"<details><summary>The story as text</summary><pre>{html.escape(text)}</pre></details>")
        body += sec
    parts = [
        *page_head(title),
        '<p class="note">trucesim is an exploratory agent-based model of the spring-2024 Gaza truce talks. '
        "Every number below follows from the scenario's stated assumptions; they are explorations of those "
        "assumptions, not predictions of what the parties did or will do, and not advice.</p>",
        *body,
        f"<footer>Written by trucesim {html.escape(__version__)} on {written_on()}.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts)


__all__ = ["ENDING_KEYS", "ScenarioRun", "build_scenario_report"]

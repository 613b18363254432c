"""The text of ``trucesim compare``: scenarios as columns, figures as rows, within 120 columns.

:func:`format_comparison` lays out :meth:`trucesim.analysis.compare.Comparison.result`
for the terminal: one row per figure under its group's heading
(:mod:`trucesim.analysis.compare_groups`), one column per scenario.  The first
scenario's column holds its values; every other column holds the value and the
difference from the first with its 95% interval.  When the columns do not fit the
width, they are wrapped into blocks, each repeating the figure names and the first
scenario.  :func:`comparison_rows` gives the same cells as a table for the HTML
report.

The marks mean one thing everywhere (the text, the report and the figure):

* ``*`` the 95% interval of the difference from the first scenario excludes zero;
* ``^`` the interval is of two independent proportions (Newcombe's, from Wilson
  intervals); unmarked intervals are paired over the same worlds;
* a difference without brackets has no interval (:data:`NO_INTERVAL`: deal days and
  signed terms, and the share of acceptances near a deadline).

Examples
--------
>>> d = {"diff": 0.027, "lo": 0.017, "hi": 0.036, "method": "paired"}
>>> format_difference(d, share=True)
'+2.7 [+1.7, +3.6] *'
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence

from trucesim.analysis.compare import figure_label
from trucesim.analysis.compare_groups import in_groups, row_label

#: the widest text ``trucesim compare`` prints, in characters
WIDTH = 120
#: the mark of a difference whose interval excludes zero
SIGNIFICANT = "*"
#: the mark of an interval of two independent proportions
INDEPENDENT = "^"
_LABEL_MAX = 34


def excludes_zero(d: Mapping) -> bool:
    """Whether a difference's interval lies wholly above or below zero (False without an interval).

    Examples
    --------
    >>> excludes_zero({"lo": 0.01, "hi": 0.2}), excludes_zero({"lo": -0.01, "hi": 0.2}), excludes_zero({"lo": None})
    (True, False, False)
    """
    lo, hi = d.get("lo"), d.get("hi")
    return lo is not None and hi is not None and (lo > 0 or hi < 0)


#: why some differences have no interval: the legend's words, in the text and the report alike
NO_INTERVAL = (
    "deal days and signed terms: the worlds with a deal differ; the share of acceptances near a deadline: "
    "the acceptances differ"
)


def marks_legend(first: str, level: int = 95, independent: bool = True) -> list[str]:
    """The lines that say what a difference and each mark mean (``independent``: some row carries the mark)."""
    return [
        f"diff: the difference from {first}, with its {level}% interval; probabilities in % of worlds,",
        "their differences in percentage points.",
        "Intervals are paired over the same worlds (common random numbers)"
        + (f" unless marked {INDEPENDENT}:" if independent else ":"),
        f"  {SIGNIFICANT} the interval excludes zero",
        *(
            [f"  {INDEPENDENT} the interval is of two independent proportions (Newcombe's, from Wilson intervals)"]
            if independent
            else []
        ),
        *textwrap.wrap(f"no brackets: no interval ({NO_INTERVAL})", 100, initial_indent="  ", subsequent_indent="  "),
    ]


def format_difference(d: Mapping, share: bool, unit: str = "") -> str:
    """A difference with its interval and marks: ``+2.7 [+1.7, +3.6] *``.

    Parameters
    ----------
    d : mapping
        ``diff``, ``lo``, ``hi`` (None: no interval) and ``method`` (``paired``, ``newcombe`` or None).
    share : bool
        A difference of probabilities, written in percentage points.
    unit : str
        Written after the difference (e.g. ``" pts"``).

    Examples
    --------
    >>> format_difference({"diff": -0.05, "lo": -0.1, "hi": 0.01, "method": "newcombe"}, True, " pts")
    '-5.0 pts [-10.0, +1.0] ^'
    >>> format_difference({"diff": -2.5, "lo": None, "hi": None, "method": None}, share=False)
    '-2.50'
    """
    if d.get("diff") is None:
        return "n/a"
    diff, interval = _difference_parts(d, share)
    return diff + unit + (f" {interval}" if interval else "")


def _difference_parts(d: Mapping, share: bool) -> tuple[str, str]:
    """The difference, and its interval in brackets followed by its marks ("" if it has no interval)."""
    if d.get("diff") is None:
        return "n/a", ""
    diff = _signed(d["diff"], share)
    if d.get("lo") is None or d.get("hi") is None:
        return diff, ""
    marks = (INDEPENDENT if d.get("method") == "newcombe" else "") + (SIGNIFICANT if excludes_zero(d) else "")
    interval = f"[{_signed(d['lo'], share)}, {_signed(d['hi'], share)}]"
    return diff, f"{interval} {marks}".rstrip()


def _decimals(x: float) -> int:
    """Decimals of a number that is no probability: 2 below 10, 1 below 100, else none."""
    return 2 if abs(x) < 10 else 1 if abs(x) < 100 else 0


def _signed(x: float, share: bool) -> str:
    """A signed number: percentage points to one decimal, other units as :func:`_decimals` says."""
    return f"{100 * x:+.1f}" if share else f"{x:+.{_decimals(x)}f}"


def _value(v: float | None, share: bool) -> str:
    if v is None:
        return "n/a"
    return f"{100 * v:.1f}%" if share else f"{v:.{_decimals(v)}f}"


def _chosen(comparison: Mapping, only: Sequence[str] | None) -> list[dict]:
    by_name = {f["figure"]: f for f in comparison["figures"]}
    names = list(by_name) if only is None else [n for n in only if n in by_name]
    return [by_name[n] for _, group in in_groups(names) for n in group]


def comparison_rows(
    comparison: Mapping,
    labels: Mapping[str, str] | None,
    value: Callable[[float | None, bool], str],
    heading: str,
    only: Sequence[str] | None = None,
) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a comparison as one table: the figure, each scenario's value, each difference.

    ``value(v, share)`` writes a scenario's value; ``heading`` starts each difference's
    header; ``only`` (dotted names) keeps those figures.  Figures come in the groups'
    order, named by their full label.  The scenario report (:mod:`trucesim.report.scenario`) uses it.
    """
    names = comparison["scenarios"]
    headers = ["figure", *names, *[f"{heading} {n}" for n in names[1:]]]
    rows = []
    for f in _chosen(comparison, only):
        share = f["share"]
        cells = [figure_label(f["figure"], labels)]
        cells += [value(v, share) for v in f["values"]]
        cells += [format_difference(d, share, " pts" if share else "") for d in f["differences"]]
        rows.append(cells)
    return headers, rows


def _parts(f: Mapping, j: int) -> list[str]:
    """The sub-columns of figure ``f`` in scenario ``j``'s column: the value; then the difference, interval, marks."""
    v = _value(f["values"][j], f["share"])
    return [v] if j == 0 else [v, *_difference_parts(f["differences"][j - 1], f["share"])]


#: the sub-columns of a scenario's column after the first: header, and whether aligned right
_SUB = (("value", True), ("diff", True), ("[95% interval]", False))


class _Column:
    """One scenario's column: its sub-columns' widths, and how a row of it is written."""

    def __init__(self, name: str, rows: Sequence[Sequence[str]], first: bool):
        self.name, self.first = name, first
        subs = _SUB[:1] if first else _SUB
        self.widths = [max([len(h), *[len(r[i]) for r in rows]]) for i, (h, _) in enumerate(subs)]
        self.right = [r for _, r in subs]
        inner = sum(self.widths) + 2 * (len(self.widths) - 1)
        self.width = max(inner, len(name))

    def write(self, parts: Sequence[str]) -> str:
        cells = [p.rjust(w) if r else p.ljust(w) for p, w, r in zip(parts, self.widths, self.right)]
        return "  ".join(cells).rjust(self.width) if self.first else "  ".join(cells).ljust(self.width)

    def head(self) -> list[str]:
        subs = _SUB[:1] if self.first else _SUB
        return [
            self.name.rjust(self.width) if self.first else self.name.ljust(self.width),
            self.write([h for h, _ in subs]),
        ]


def _blocks(widths: Sequence[int], room: int) -> list[list[int]]:
    """Columns 1.. into blocks that fit ``room`` beside the label and column 0, at least one to a block."""
    blocks: list[list[int]] = [[]]
    used = 0
    for j, w in enumerate(widths[1:], start=1):
        if blocks[-1] and used + 3 + w > room:
            blocks.append([])
            used = 0
        blocks[-1].append(j)
        used += 3 + w
    return blocks


def _block_lines(grouped, columns: Sequence[tuple[int, _Column]], parts, labels, label_w: int) -> list[str]:
    """The lines of one block of columns: two header lines, then each group's heading and rows."""

    def line(first: str, texts: Sequence[str]) -> str:
        return (first.ljust(label_w) + "".join("   " + t for t in texts)).rstrip()

    heads = [c.head() for _, c in columns]
    lines = ["", line("", [h[0] for h in heads]), line("", [h[1] for h in heads])]
    for g, names in grouped:
        lines.append(g.heading)
        for n in names:
            label = "  " + row_label(n, labels)
            cells = [c.write(parts[n][j]) for j, c in columns]
            if len(label) > label_w:  # a long name on its own line, the numbers under it
                lines += [label, line("", cells)]
            else:
                lines.append(line(label, cells))
    return lines


def format_comparison(
    comparison: Mapping,
    labels: Mapping[str, str] | None = None,
    only: Sequence[str] | None = None,
    width: int = WIDTH,
) -> str:
    """The comparison for the terminal: scenarios as columns, figures as rows under their group, ``width`` wide.

    Parameters
    ----------
    comparison : mapping
        :meth:`trucesim.analysis.compare.Comparison.result`.
    labels : mapping, optional
        Actor id -> label.
    only : sequence of str, optional
        The dotted figure names to show (:func:`trucesim.analysis.compare_groups.select`); default every figure.
    width : int
        The widest line, in characters; columns that do not fit are wrapped into blocks.

    Examples
    --------
    >>> c = {"scenarios": ["a", "b"], "worlds": 100, "seed": 0, "level": 0.95, "figures": [
    ...     {"figure": "p_deal", "share": True, "values": [0.2, 0.5],
    ...      "differences": [{"diff": 0.3, "lo": 0.2, "hi": 0.4, "method": "paired"}]}]}
    >>> print(*format_comparison(c).splitlines()[3:7], sep=chr(10))
                                   a   b
                               value   value   diff  [95% interval]
    main outcomes [% of worlds]
      deal signed and ratified   20.0%   50.0%  +30.0  [+20.0, +40.0] *
    """
    names = list(comparison["scenarios"])
    figures = _chosen(comparison, only)
    grouped = in_groups(f["figure"] for f in figures)
    parts = {f["figure"]: [_parts(f, j) for j in range(len(names))] for f in figures}
    columns = [_Column(n, [p[j] for p in parts.values()], j == 0) for j, n in enumerate(names)]
    longest = max([len(row_label(n, labels)) + 2 for _, ns in grouped for n in ns] or [10])
    label_w = min(_LABEL_MAX, longest)
    blocks = _blocks([c.width for c in columns], width - label_w - 3 - columns[0].width)
    widest = max(sum(3 + columns[j].width for j in [0, *b]) for b in blocks)
    label_w = max(label_w, min(longest, width - widest))  # names as long as the widest block leaves room for
    level = int(round(100 * comparison.get("level", 0.95)))
    lines = [
        f"trucesim compare: {len(names)} scenarios, the same {comparison['worlds']:,} worlds each, "
        f"seed {comparison['seed']}",
        "(an exploration of the scenarios' stated assumptions, not a forecast)",
    ]
    for block in blocks:
        cols = [(j, columns[j]) for j in [0, *block]]
        lines += _block_lines(grouped, cols, parts, labels, label_w)
    independent = any(d.get("method") == "newcombe" for f in figures for d in f.get("differences", []))
    lines += ["", *marks_legend(names[0], level, independent)]
    return "\n".join(lines)


__all__ = ["comparison_rows", "excludes_zero", "format_comparison", "format_difference", "marks_legend"]

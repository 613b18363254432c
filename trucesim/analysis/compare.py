"""Scenarios side by side: every summary figure, and its difference from the first scenario with a 95% interval.

:class:`Comparison` is fed, chunk by chunk, the outcome tables of the *same* worlds
(the same seed and chunk seeds: common random numbers) of several scenarios, and
streams them into one :class:`~trucesim.run.metrics.Summary` per scenario plus the
sums of the per-world differences from the first scenario.  Memory stays that of
one chunk per scenario.

Every figure of the summary is compared, found by walking the summary dict (so
figures added to the summary later show up by themselves).  The interval of a
difference is, in order of preference:

* **paired** (``method="paired"``): the figure is the mean over worlds of an
  outcome column (a probability of a yes/no outcome, a mean such as hostages
  released, or a share of ``end_reasons``, from each world's ``end_of_talks``), so
  world ``i`` of scenario B is compared with world ``i`` of scenario
  A.  For a probability, Tango's score interval of a difference of paired
  proportions, from the worlds gained and lost
  (:func:`trucesim.run.stats.paired_difference_ci`), which stays honest when only
  a few worlds differ; for a mean, Student's t interval of the mean per-world
  difference (:func:`trucesim.run.stats.mean_ci_from_sums`).  Worlds share their
  random streams, so these intervals are usually much narrower than independent ones;
* **independent** (``method="newcombe"``): a share the summary gives without a
  per-world column (``blockers``, of the worlds without a deal, which differ between scenarios):
  Newcombe's hybrid score interval of two independent proportions, built from
  Wilson intervals (:func:`trucesim.run.stats.difference_ci`); conservative here,
  since the worlds are positively correlated;
* none (``method=None``): deal-day quantiles and means over the worlds with a deal
  (signed terms), whose worlds differ between scenarios; the difference is given
  without an interval.

Examples
--------
>>> c = Comparison([s_a, s_b], ["a", "b"], seed=0)                # doctest: +SKIP
>>> for k, tables in enumerate(chunks): c.add(tables)            # doctest: +SKIP
>>> c.result()["figures"][0]["figure"]                           # doctest: +SKIP
'p_deal'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from trucesim.config.flatten import flat_items
from trucesim.run.metrics import Summary
from trucesim.run.stats import difference_ci, mean_ci_from_sums, paired_difference_ci, proportion_ci

#: summary keys that describe the run, not an outcome
META_KEYS = ("scenario", "worlds", "seed")
#: summary figures that are shares of a subset of worlds: key -> what the share is of
SHARE_OF = {"blockers": "no_deal"}
#: top-level keys of shares of all worlds that do not start with ``p_``
SHARES = ("end_reasons",)


def flatten(summary: dict, prefix: str = "") -> dict[str, float | None]:
    """Every number of a summary dict, under a dotted name; intervals (lists) and text are left out.

    Examples
    --------
    >>> flatten({"scenario": "x", "p_deal": 0.5, "p_deal_ci": [0.4, 0.6], "p_accept": {"a": 0.7, "b": None}})
    {'p_deal': 0.5, 'p_accept.a': 0.7, 'p_accept.b': None}
    """
    out: dict[str, float | None] = {}
    for name, value in flat_items(summary, prefix):
        if not prefix and name in META_KEYS:
            continue
        if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            out[name] = None if value is None else float(value)
    return out


def is_share(figure: str) -> bool:
    """Whether a flattened figure is a share of worlds (a probability), from its top-level key."""
    top = figure.split(".")[0]
    return top.startswith("p_") or top in SHARES or top in SHARE_OF


#: readable names of the summary's figures, by top-level key (``{}``: the actor or item after the dot)
_FIGURE_LABELS = {
    "p_accept": "{} accepts a proposal",
    "p_accept_first": "{} accepts the first text",
    "p_exit": "{} quits the coalition",
    "p_promise": "{} takes a side payment",
    "end_reasons": "talks ended: {}",
    "blockers": "no deal, stopped by: {}",
    "deal_day": "deal day, {} [days after tabling]",
    "signed_terms_mean": "signed terms: {} (mean over worlds with a deal)",
    "p_deal": "deal signed and ratified",
    "p_deal_first_text": "deal on the first text, as tabled",
    "p_government_falls": "government falls (at any time, with or without a deal)",
    "p_pause_completed": "pause completed",
    "p_permanent": "permanent end reached",
    "hostages_released_mean": "hostages released (mean)",
    "hostages_died_mean": "hostages died in captivity (mean)",
    "remains_released_mean": "remains returned (mean)",
    "acceptances_near_deadline": "acceptances on a deadline's last day (share)",
}


def figure_label(name: str, labels=None) -> str:
    """A readable label of a flattened summary figure; actors named by ``labels`` (id -> label).

    Examples
    --------
    >>> figure_label("p_accept.hamas", {"hamas": "Hamas"})
    'Hamas accepts a proposal'
    >>> figure_label("some_new_figure.x_y")
    'some new figure: x y'
    """
    labels = labels or {}
    top, _, rest = name.partition(".")
    item = labels.get(rest, rest.replace("_", " ")) if rest else ""
    pattern = _FIGURE_LABELS.get(top)
    if pattern is not None and ("{}" in pattern) == bool(rest):
        return pattern.format(item)
    return top.replace("_", " ") + (f": {item}" if rest else "")


def _num(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 6)


class Comparison:
    """Streams the same chunks of worlds of several scenarios into side-by-side figures and differences.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The scenarios; the first is the reference every difference is taken from.
    names : sequence of str
        How each is named in tables and figures (e.g. the file name as given).
    seed : int
        The root seed shared by every scenario.
    """

    def __init__(self, scenarios: Sequence, names: Sequence[str], seed: int):
        if len(scenarios) < 2:
            raise ValueError(f"expected at least two scenarios to compare, found {len(scenarios)}")
        self.names = list(names)
        self.seed = seed
        self.summaries = [Summary(s, seed) for s in scenarios]
        # flattened figure name -> per-world outcome column whose mean it is, per scenario
        self.paired = [self._paired_columns(s) for s in self.summaries]
        self.n: list[dict[str, int]] = [{} for _ in scenarios]
        self.sum: list[dict[str, float]] = [{} for _ in scenarios]
        self.sum_sq: list[dict[str, float]] = [{} for _ in scenarios]
        #: figure -> whether every per-world difference so far was -1, 0 or 1 (a yes/no outcome)
        self.yes_no: list[dict[str, bool]] = [{} for _ in scenarios]

    @staticmethod
    def _paired_columns(summary: Summary) -> dict[str, str]:
        columns = {"p_deal": "deal"}
        for out_col, col in summary.means.items():
            columns[out_col] = col  # matched to the flattened names in result()
        return columns

    def add(self, tables: Sequence[pd.DataFrame]) -> Comparison:
        """Add one chunk: the outcome tables of the same worlds, one per scenario, in the scenarios' order."""
        if len(tables) != len(self.summaries):
            raise ValueError(f"expected {len(self.summaries)} tables, one per scenario, found {len(tables)}")
        ref = tables[0]
        for t in tables[1:]:
            if len(t) != len(ref) or ("world" in t and not np.array_equal(t["world"].to_numpy(), ref["world"])):
                raise ValueError("expected the tables of the same worlds for every scenario")
        for s, t in zip(self.summaries, tables):
            s.add(t)
        base = self.paired[0]
        for j in range(1, len(tables)):
            t = tables[j]
            for key, col in self.paired[j].items():
                if base.get(key) != col or col not in t or col not in ref:
                    continue
                self._pair(j, key, t[col].to_numpy(float) - ref[col].to_numpy(float))
            if "end_of_talks" in t and "end_of_talks" in ref:  # how the talks ended: a share of all worlds, paired too
                for reason in self.summaries[0].end_reasons:
                    mine, theirs = t["end_of_talks"].to_numpy() == reason, ref["end_of_talks"].to_numpy() == reason
                    self._pair(j, f"end_reasons_{reason}", mine.astype(float) - theirs.astype(float))
        return self

    def _pair(self, j: int, key: str, d: np.ndarray) -> None:
        """Add the per-world differences ``d`` of figure ``key`` between scenario ``j`` and the first."""
        self.n[j][key] = self.n[j].get(key, 0) + d.size
        self.sum[j][key] = self.sum[j].get(key, 0.0) + float(d.sum())
        self.sum_sq[j][key] = self.sum_sq[j].get(key, 0.0) + float(np.dot(d, d))
        self.yes_no[j][key] = self.yes_no[j].get(key, True) and bool(np.isin(d, (-1.0, 0.0, 1.0)).all())

    def result(self, level: float = 0.95) -> dict:
        """The comparison as a JSON-ready dict.

        Keys: ``scenarios`` (names), ``seed``, ``worlds``, ``level``, ``summaries`` (each
        scenario's ``trucesim run`` summary) and ``figures``: one entry per figure of any
        summary, in the first summary's order, with ``figure`` (dotted name),
        ``share`` (a probability?), ``values`` (one per scenario, None if it lacks the
        figure), ``ci`` (each value's Wilson interval, shares only) and ``differences``
        (one per scenario after the first: ``diff``, ``lo``, ``hi``, ``method``).
        """
        summaries = [s.result() for s in self.summaries]
        flat = [flatten(s) for s in summaries]
        order: list[str] = []
        for f in flat:
            order += [k for k in f if k not in order]
        figures = []
        for name in order:
            values = [f.get(name) for f in flat]
            share = is_share(name)
            entry: dict = {"figure": name, "share": share, "values": values}
            if share:
                entry["ci"] = [self._share_ci(summaries[i], name, v, level) for i, v in enumerate(values)]
            entry["differences"] = [self._difference(j, name, values, summaries, level) for j in range(1, len(flat))]
            figures.append(entry)
        return {
            "scenarios": self.names,
            "seed": self.seed,
            "worlds": summaries[0]["worlds"],
            "level": level,
            "summaries": summaries,
            "figures": figures,
        }

    @staticmethod
    def _denominator(summary: dict, name: str) -> int:
        n = int(summary["worlds"])
        if SHARE_OF.get(name.split(".")[0]) == "no_deal":
            p = summary.get("p_deal") or 0.0
            n = round(n * (1 - p))
        return n

    def _share_ci(self, summary: dict, name: str, value, level: float) -> list | None:
        if value is None:
            return None
        n = self._denominator(summary, name)
        lo, hi = proportion_ci(round(value * n), n, level)
        return [_num(lo), _num(hi)]

    def _difference(self, j: int, name: str, values: list, summaries: list[dict], level: float) -> dict:
        a, b = values[0], values[j]
        if a is None or b is None:
            return {"diff": None, "lo": None, "hi": None, "method": None}
        key = name.replace(".", "_")
        if key in self.n[j] and self.n[j][key] > 0:
            n, total, total_sq = self.n[j][key], self.sum[j][key], self.sum_sq[j][key]
            if is_share(name) and self.yes_no[j][key]:
                # differences of -1, 0 and 1: their sum and sum of squares give the worlds gained and lost
                gained, lost = round((total_sq + total) / 2), round((total_sq - total) / 2)
                lo, hi = paired_difference_ci(gained, lost, n, level)
            else:
                lo, hi = mean_ci_from_sums(n, total, total_sq, level)
            return {"diff": _num(total / n), "lo": _num(lo), "hi": _num(hi), "method": "paired"}
        if is_share(name):
            n1, n2 = self._denominator(summaries[0], name), self._denominator(summaries[j], name)
            lo, hi = difference_ci(a, n1, b, n2, level)
            return {"diff": _num(b - a), "lo": _num(lo), "hi": _num(hi), "method": "newcombe"}
        return {"diff": _num(b - a), "lo": None, "hi": None, "method": None}


__all__ = ["Comparison", "figure_label", "flatten", "is_share"]

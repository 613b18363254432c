"""Per-world outcome tables and their summary over worlds, with confidence intervals.

:func:`outcome_table` turns a finished :class:`~trucesim.model.model.TruceModel` into
one row per world; :func:`summarize` reduces any number of such rows to the
figures ``trucesim run`` prints (JSON keys documented in the README).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from trucesim.model.model import END_REASONS, TruceModel
from trucesim.config.terms import TERM_NAMES

BREACH = ("none", "government", "armed_group")


def outcome_table(model: TruceModel, world_offset: int = 0) -> pd.DataFrame:
    """One row per world of a finished model.

    Columns: ``world``; ``deal``, ``deal_day``, ``deal_by_first_deadline``;
    ``rounds``, ``deadlines_missed``, ``end_of_talks``; for each side
    ``<id>_accepted``, ``<id>_first_accept_day``, ``<id>_counters``,
    ``<id>_rejections``; ``exit_<party>`` for each coalition party;
    ``government_fell``, ``safety_net_used``, ``offensive``, ``offensive_day``;
    ``hostages_released``, ``hostages_died``, ``hostages_living``;
    ``pause_completed``, ``permanent``, ``collapsed``, ``collapse_day``,
    ``breach_by``; ``terms_<term>`` (signed terms, NaN without a deal).
    Days count from the tabling of the framework (day 0).
    """
    m = model
    n = m.n_worlds
    gov, ag = m.government, m.armed_group
    cols: dict[str, object] = {
        "world": np.arange(world_offset, world_offset + n, dtype=np.int64),
        "deal": m.deal.copy(),
        "deal_day": m.deal_day.astype(np.float32),
        "deal_by_first_deadline": m.deal & (m.deal_day <= m.deadline_days),
        "rounds": m.round.copy(),
        "deadlines_missed": m.deadlines_missed.copy(),
        "end_of_talks": pd.Categorical.from_codes(m.end_reason, categories=list(END_REASONS)),
    }
    for side in (gov, ag):
        a = side.actor_id
        cols[f"{a}_accepted"] = side.accepted_any.copy()
        cols[f"{a}_first_accept_day"] = side.first_accept_day.astype(np.float32)
        cols[f"{a}_counters"] = side.counters.copy()
        cols[f"{a}_rejections"] = side.rejections.copy()
    for party in m.coalition.parties:
        cols[f"exit_{party.actor_id}"] = party.exited.copy()
    opp = m.coalition.opposition
    cols.update({
        "government_fell": gov.fell.copy(),
        "safety_net_used": opp.net_used.copy() if opp is not None else np.zeros(n, bool),
        "offensive": gov.offensive.copy(),
        "offensive_day": gov.offensive_day.astype(np.float32),
        "hostages_released": ag.released.copy(),
        "hostages_died": ag.died.copy(),
        "hostages_living": ag.living.copy(),
        "pause_completed": m.pause_completed.copy(),
        "permanent": m.permanent.copy(),
        "collapsed": ~np.isnan(m.collapse_day),
        "collapse_day": m.collapse_day.astype(np.float32),
        "breach_by": pd.Categorical.from_codes(m.breach_by, categories=list(BREACH)),
    })
    for j, t in enumerate(TERM_NAMES):
        cols[f"terms_{t}"] = m.signed_terms[:, j].astype(np.float32)
    return pd.DataFrame(cols)


def proportion_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``.

    Examples
    --------
    >>> [round(x, 3) for x in proportion_ci(50, 100)]
    [0.404, 0.596]
    """
    if n == 0:
        return (math.nan, math.nan)
    from scipy import stats

    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return (float(ci.low), float(ci.high))


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else round(x, 6)


def histogram_quantile(counts: np.ndarray, q: float) -> float:
    """Quantile ``q`` of the integers whose counts are ``counts[0], counts[1], ...``.

    The same number as ``np.quantile`` (linear interpolation) over the expanded sample.

    Examples
    --------
    >>> bool(histogram_quantile(np.array([0, 2, 0, 1]), 0.5) == np.quantile([1, 1, 3], 0.5))
    True
    """
    n = int(counts.sum())
    h = (n - 1) * q
    lo, hi = int(np.floor(h)), int(np.ceil(h))
    cum = np.cumsum(counts)
    v_lo = int(np.searchsorted(cum, lo, side="right"))
    v_hi = int(np.searchsorted(cum, hi, side="right"))
    return v_lo + (h - lo) * (v_hi - v_lo)


class Summary:
    """Streams outcome tables into the figures of :func:`summarize`, in bounded memory.

    Counts and sums are kept per column, and deal days as a histogram of whole
    days, so the summary of a billion worlds is exact and needs no more memory
    than that of one chunk.

    Examples
    --------
    >>> acc = Summary(scenario, seed=0)            # doctest: +SKIP
    >>> for table in tables: acc.add(table)        # doctest: +SKIP
    >>> acc.result()["p_deal"]                     # doctest: +SKIP
    """

    def __init__(self, scenario, seed: int):
        self.scenario = scenario
        self.seed = seed
        self.gov = scenario.actors_of("government")[0]
        self.ag = scenario.actors_of("armed_group")[0]
        self.parties = scenario.actors_of("coalition_party")
        self.count_cols = ["deal", f"{self.gov}_accepted", f"{self.ag}_accepted", "government_fell",
                           "pause_completed", "permanent", "hostages_released", "hostages_died",
                           *[f"exit_{p}" for p in self.parties]]
        self.n = 0
        self.sums = dict.fromkeys(self.count_cols, 0)
        self.term_sums = np.zeros(len(TERM_NAMES))
        self.days = np.zeros(1, np.int64)

    def add(self, table: pd.DataFrame) -> "Summary":
        """Add the rows of an outcome table."""
        self.n += len(table)
        for c in self.count_cols:
            self.sums[c] += int(table[c].to_numpy().sum(dtype=np.int64))
        deal = table["deal"].to_numpy()
        if deal.any():
            days = np.bincount(table["deal_day"].to_numpy()[deal].astype(np.int64))
            if days.size > self.days.size:
                days[: self.days.size] += self.days
                self.days = days
            else:
                self.days[: days.size] += days
            signed = table.loc[deal, [f"terms_{t}" for t in TERM_NAMES]].to_numpy(dtype=np.float64)
            self.term_sums += signed.sum(axis=0)
        return self

    def result(self) -> dict:
        """The summary dict (keys as in :func:`summarize`)."""
        n, s = self.n, self.sums
        k = s["deal"]
        mean = lambda c: _num(s[c] / n) if n else None  # noqa: E731
        quant = (lambda q: _num(histogram_quantile(self.days, q))) if k else (lambda q: None)
        return {
            "scenario": self.scenario.name,
            "worlds": n,
            "seed": self.seed,
            "p_deal": mean("deal"),
            "p_deal_ci": [_num(x) for x in proportion_ci(k, n)],
            "p_accept": {a: mean(f"{a}_accepted") for a in (self.gov, self.ag)},
            "p_exit": {p: mean(f"exit_{p}") for p in self.parties},
            "p_government_falls": mean("government_fell"),
            "p_pause_completed": mean("pause_completed"),
            "p_permanent": mean("permanent"),
            "deal_day": {"median": quant(0.5), "p10": quant(0.1), "p90": quant(0.9)},
            "hostages_released_mean": mean("hostages_released"),
            "hostages_died_mean": mean("hostages_died"),
            "signed_terms_mean": {t: (_num(self.term_sums[j] / k) if k else None)
                                  for j, t in enumerate(TERM_NAMES)},
        }


def summarize(table: pd.DataFrame, scenario, seed: int) -> dict:
    """The summary of ``trucesim run`` over the rows of ``table``.

    Keys (exactly): ``scenario``, ``worlds``, ``seed``, ``p_deal``, ``p_deal_ci``,
    ``p_accept``, ``p_exit``, ``p_government_falls``, ``p_pause_completed``,
    ``p_permanent``, ``deal_day``, ``hostages_released_mean``,
    ``hostages_died_mean``, ``signed_terms_mean``.  Probabilities are shares of
    worlds; ``p_deal_ci`` is the Wilson 95% interval; days count from the
    tabling of the framework.
    """
    return Summary(scenario, seed).add(table).result()


def to_json(summary: dict) -> str:
    """The summary as indented JSON."""
    return json.dumps(summary, indent=2)


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:5.1f}%"


def format_text(summary: dict, scenario) -> str:
    """A readable report of a summary, for the terminal."""
    s = summary
    lo, hi = s["p_deal_ci"]
    gov = scenario.actors_of("government")[0]
    ag = scenario.actors_of("armed_group")[0]
    label = lambda a: scenario.labels.get(a, a)  # noqa: E731
    d = s["deal_day"]
    rows = [
        ("deal signed and ratified", f"{_pct(s['p_deal'])}   95% CI {100 * lo:.1f}-{100 * hi:.1f}%"),
        (f"{label(gov)} accepted a proposal", _pct(s["p_accept"][gov])),
        (f"{label(ag)} accepted a proposal", _pct(s["p_accept"][ag])),
    ]
    rows += [(f"{label(p)} quits the coalition", _pct(v)) for p, v in s["p_exit"].items()]
    rows += [
        ("government falls", _pct(s["p_government_falls"])),
        ("pause completed", _pct(s["p_pause_completed"])),
        ("permanent end reached", _pct(s["p_permanent"])),
        ("deal day (days after tabling)", "no deal in any world" if d["median"] is None else
         f"median {d['median']:.0f}, 10-90%: {d['p10']:.0f}-{d['p90']:.0f}"),
        ("hostages released (mean)", f"{s['hostages_released_mean']:6.1f}"),
        ("hostages died in captivity (mean)", f"{s['hostages_died_mean']:6.1f}"),
    ]
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"trucesim: {s['scenario']} - {s['worlds']:,} worlds, seed {s['seed']}",
             "(an exploration of the scenario's stated assumptions, not a forecast)", ""]
    lines += [f"  {name:<{width}}{value}" for name, value in rows]
    if s["p_deal"]:
        lines += ["", "  signed terms (mean over worlds with a deal)"]
        lines += [f"    {t:<{width - 2}}{v:10.2f}" for t, v in s["signed_terms_mean"].items()]
    return "\n".join(lines)

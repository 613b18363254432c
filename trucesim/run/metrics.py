"""The summary over worlds, streamed: the figures ``trucesim run`` prints and ``points.parquet`` holds.

One accumulator, :class:`Metrics`, reduces outcome tables (see
:func:`trucesim.run.outcomes.outcome_table`) to counts, sums and deal-day
histograms *per group*: a sweep's design points, or a single group for a run.
Memory is bounded by the number of groups, never by the number of worlds.
From it come:

* :meth:`Metrics.table`: one row per group, the columns of a sweep's
  ``points.parquet`` (after its ``point`` and factor columns);
* :meth:`Summary.result` (and :func:`summarize`): the JSON of ``trucesim run``,
  the same figures for one group, rounded to six decimals.

Probabilities are shares of worlds with a 95% Wilson interval; means are over
worlds (signed terms: over the worlds with a deal); deal days count from the
tabling of the framework and their quantiles are ``np.quantile``'s (linear).

Examples
--------
>>> acc = Summary(scenario, seed=0)            # doctest: +SKIP
>>> for table in tables: acc.add(table)        # doctest: +SKIP
>>> acc.result()["p_deal"]                     # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from trucesim.config.terms import TERM_NAMES
from trucesim.model.model import END_REASONS
from trucesim.run.outcomes import blocker_names
from trucesim.run.stats import weighted_quantiles, wilson_interval

#: deal-day quantiles: (column suffix, run JSON key, q)
QUANTILES = (("median", "median", 0.5), ("p10", "p10", 0.1), ("p90", "p90", 0.9))


class Metrics:
    """Streams outcome tables into per-group counts, sums and deal-day histograms.

    Parameters
    ----------
    actors : mapping
        Actor id -> kind of the scenario (``scenario.actors``): the government, the
        armed group and the coalition parties name the acceptance and exit columns.
    groups : int
        Number of groups; rows are assigned to groups ``0 .. groups - 1`` by :meth:`add`.

    Examples
    --------
    >>> m = Metrics(scenario.actors, groups=n_points)            # doctest: +SKIP
    >>> for part in parts:                                        # doctest: +SKIP
    ...     m.add(part, part["point"].to_numpy())
    >>> m.table()["p_deal"]                                       # doctest: +SKIP
    """

    def __init__(self, actors: Mapping[str, str], groups: int = 1):
        kinds = dict(actors)
        self.government = next(a for a, k in kinds.items() if k == "government")
        self.armed_group = next(a for a, k in kinds.items() if k == "armed_group")
        self.parties = [a for a, k in kinds.items() if k == "coalition_party"]
        self.groups = int(groups)
        gov, ag = self.government, self.armed_group
        #: output column -> outcome column whose mean over worlds it is
        self.means = {
            "p_deal_first_text": "deal_first_text",
            f"p_accept_{gov}": f"{gov}_accepted",
            f"p_accept_{ag}": f"{ag}_accepted",
            f"p_accept_first_{gov}": f"{gov}_accepted_first",
            f"p_accept_first_{ag}": f"{ag}_accepted_first",
            **{f"p_exit_{p}": f"exit_{p}" for p in self.parties},
            **{f"p_promise_{p}": f"promise_{p}" for p in self.parties},
            "p_government_falls": "government_fell",
            "p_pause_completed": "pause_completed",
            "p_permanent": "permanent",
            "hostages_released_mean": "hostages_released",
            "hostages_died_mean": "hostages_died",
            "remains_released_mean": "remains_released",
        }
        #: categorical outcome column -> its categories; ``end_<reason>`` is a share of all worlds
        self.end_reasons = list(END_REASONS)
        #: ``blocker_<gate>``: a share of the worlds without a deal
        self.blockers = blocker_names(gov, ag)[1:]
        #: output column -> (numerator, denominator) columns whose sums it is the ratio of
        self.ratios = {"acceptances_near_deadline": ("acceptances_near_deadline", "acceptances")}
        #: output column -> outcome column whose mean over the worlds with a deal it is
        self.deal_means = {f"terms_{t}_mean": f"terms_{t}" for t in TERM_NAMES}
        g = self.groups
        self.worlds = np.zeros(g, np.int64)
        self.deals = np.zeros(g, np.int64)
        self.sums = {c: np.zeros(g) for c in self.means}
        self.deal_sums = {c: np.zeros(g) for c in self.deal_means}
        self.end_counts = {r: np.zeros(g) for r in self.end_reasons}
        self.blocker_counts = {b: np.zeros(g) for b in self.blockers}
        self.ratio_sums = {c: (np.zeros(g), np.zeros(g)) for c in self.ratios}
        self.quantiles = np.full((g, len(QUANTILES)), np.nan)
        self._open: dict[int, dict[float, int]] = {}  # deal-day counts of groups not yet sealed

    @property
    def columns(self) -> list[str]:
        """The outcome columns :meth:`add` reads (read only these from a large table)."""
        ratio_cols = [c for pair in self.ratios.values() for c in pair]
        return [
            "deal",
            "deal_day",
            "end_of_talks",
            "blocker",
            *self.means.values(),
            *self.deal_means.values(),
            *ratio_cols,
        ]

    def add(self, table: pd.DataFrame, group: np.ndarray | None = None) -> Metrics:
        """Add the rows of an outcome table; ``group`` gives each row's group (default: all in group 0)."""
        n = len(table)
        if n == 0:
            return self
        g = self.groups
        grp = np.zeros(n, np.int64) if group is None else np.asarray(group)
        deal = table["deal"].to_numpy()
        self.worlds += np.bincount(grp, minlength=g)
        self.deals += np.bincount(grp, weights=deal, minlength=g).astype(np.int64)
        for out_col, col in self.means.items():
            self.sums[out_col] += np.bincount(grp, weights=table[col].to_numpy(float), minlength=g)
        for name, counts in _category_counts(table["end_of_talks"], grp, g, self.end_reasons).items():
            self.end_counts[name] += counts
        no_deal = ~deal
        for name, counts in _category_counts(table["blocker"][no_deal], grp[no_deal], g, self.blockers).items():
            self.blocker_counts[name] += counts
        for out_col, (num, den) in self.ratios.items():
            self.ratio_sums[out_col][0][:] += np.bincount(grp, weights=table[num].to_numpy(float), minlength=g)
            self.ratio_sums[out_col][1][:] += np.bincount(grp, weights=table[den].to_numpy(float), minlength=g)
        dg = grp[deal]
        for out_col, col in self.deal_means.items():
            self.deal_sums[out_col] += np.bincount(dg, weights=table[col].to_numpy(float)[deal], minlength=g)
        if dg.size:
            days = table["deal_day"].to_numpy(float)[deal]
            pairs, counts = np.unique(np.column_stack([dg.astype(float), days]), axis=0, return_counts=True)
            for (p, day), c in zip(pairs.tolist(), counts.tolist()):
                h = self._open.setdefault(int(p), {})
                h[day] = h.get(day, 0) + c
        return self

    def seal(self, below: int | None = None) -> Metrics:
        """Declare groups below ``below`` (default: all) complete: their deal-day quantiles are fixed now.

        A sweep's parts come in world order, so after each part every point before
        its last is complete; sealing them keeps memory bounded by the open points.
        """
        for p in [p for p in self._open if below is None or p < below]:
            h = self._open.pop(p)
            values = np.array(sorted(h), dtype=float)
            counts = np.array([h[v] for v in values.tolist()], dtype=np.int64)
            self.quantiles[p] = weighted_quantiles(values, counts, [q for _, _, q in QUANTILES])
        return self

    def table(self) -> pd.DataFrame:
        """One row per group: ``worlds``, ``deals``, ``p_deal``, ``p_deal_lo``, ``p_deal_hi``, ``p_deal_first_text``,
        ``p_accept_<side>``, ``p_accept_first_<side>``, ``p_exit_<party>``, ``p_promise_<party>``,
        ``p_government_falls``, ``p_pause_completed``, ``p_permanent``, ``deal_day_median``,
        ``deal_day_p10``, ``deal_day_p90``, ``hostages_released_mean``, ``hostages_died_mean``,
        ``remains_released_mean``, ``end_<reason>`` (shares of worlds), ``blocker_<gate>`` (shares
        of the worlds without a deal), ``acceptances_near_deadline`` (share of all acceptances),
        ``terms_<term>_mean``.

        A group without worlds has NaN figures; one without deals NaN deal days and terms.
        """
        self.seal()
        out: dict[str, object] = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            n = self.worlds.astype(float)
            out["worlds"] = self.worlds.copy()
            out["deals"] = self.deals.copy()
            out["p_deal"] = self.deals / n
            out["p_deal_lo"], out["p_deal_hi"] = wilson_interval(self.deals, self.worlds)
            for c in self.means:
                if c.startswith("p_"):
                    out[c] = self.sums[c] / n
            for j, (suffix, _, _) in enumerate(QUANTILES):
                out[f"deal_day_{suffix}"] = self.quantiles[:, j].copy()
            for c in self.means:
                if not c.startswith("p_"):
                    out[c] = self.sums[c] / n
            for r in self.end_reasons:
                out[f"end_{r}"] = self.end_counts[r] / n
            no_deal = (self.worlds - self.deals).astype(float)
            for b in self.blockers:
                out[f"blocker_{b}"] = np.where(no_deal > 0, self.blocker_counts[b] / no_deal, np.nan)
            for c, (num, den) in self.ratio_sums.items():
                out[c] = np.where(den > 0, num / den, np.nan)
            for c in self.deal_means:
                out[c] = np.where(self.deals > 0, self.deal_sums[c] / self.deals, np.nan)
        return pd.DataFrame(out)


def _category_counts(values: pd.Series, grp: np.ndarray, groups: int, names: list[str]) -> dict[str, np.ndarray]:
    """Per group, how many rows hold each of ``names`` (a categorical column, or strings read back from a file)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        cats = list(values.cat.categories)
        return {
            name: np.bincount(grp, weights=codes == cats.index(name), minlength=groups)
            if name in cats
            else np.zeros(groups)
            for name in names
        }
    v = values.astype(str).to_numpy()
    return {name: np.bincount(grp, weights=v == name, minlength=groups) for name in names}


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else round(x, 6)


class Summary(Metrics):
    """The summary of ``trucesim run``: :class:`Metrics` of a single group, as the run's JSON.

    Counts and sums are kept per column, and deal days as a histogram, so the
    summary of a billion worlds is exact and needs no more memory than that of
    one chunk.

    Examples
    --------
    >>> acc = Summary(scenario, seed=0)            # doctest: +SKIP
    >>> for table in tables: acc.add(table)        # doctest: +SKIP
    >>> acc.result()["p_deal"]                     # doctest: +SKIP
    """

    def __init__(self, scenario, seed: int):
        super().__init__(scenario.actors, groups=1)
        self.scenario = scenario
        self.seed = seed

    def add(self, table: pd.DataFrame, group: np.ndarray | None = None) -> Summary:
        """Add the rows of an outcome table."""
        super().add(table, group)
        return self

    def result(self) -> dict:
        """The summary dict (keys as in :func:`summarize`)."""
        r = self.table().iloc[0]
        gov, ag = self.government, self.armed_group
        return {
            "scenario": self.scenario.name,
            "worlds": int(self.worlds[0]),
            "seed": self.seed,
            "p_deal": _num(r["p_deal"]),
            "p_deal_ci": [_num(r["p_deal_lo"]), _num(r["p_deal_hi"])],
            "p_deal_first_text": _num(r["p_deal_first_text"]),
            "p_accept": {a: _num(r[f"p_accept_{a}"]) for a in (gov, ag)},
            "p_accept_first": {a: _num(r[f"p_accept_first_{a}"]) for a in (gov, ag)},
            "end_reasons": {k: _num(r[f"end_{k}"]) for k in self.end_reasons},
            "blockers": {k: _num(r[f"blocker_{k}"]) for k in self.blockers},
            "acceptances_near_deadline": _num(r["acceptances_near_deadline"]),
            "p_exit": {p: _num(r[f"p_exit_{p}"]) for p in self.parties},
            "p_promise": {p: _num(r[f"p_promise_{p}"]) for p in self.parties},
            "p_government_falls": _num(r["p_government_falls"]),
            "p_pause_completed": _num(r["p_pause_completed"]),
            "p_permanent": _num(r["p_permanent"]),
            "deal_day": {key: _num(r[f"deal_day_{suffix}"]) for suffix, key, _ in QUANTILES},
            "hostages_released_mean": _num(r["hostages_released_mean"]),
            "hostages_died_mean": _num(r["hostages_died_mean"]),
            "remains_released_mean": _num(r["remains_released_mean"]),
            "signed_terms_mean": {t: _num(r[f"terms_{t}_mean"]) for t in TERM_NAMES},
        }


def summarize(table: pd.DataFrame, scenario, seed: int) -> dict:
    """The summary of ``trucesim run`` over the rows of ``table``.

    Keys (exactly): ``scenario``, ``worlds``, ``seed``, ``p_deal``, ``p_deal_ci``,
    ``p_deal_first_text`` (a deal on the first text as tabled, never revised), ``p_accept``, ``p_accept_first`` (the first text, as tabled), ``end_reasons``
    (shares of worlds by how the talks ended, summing to 1), ``blockers`` (for
    the worlds without a deal, the shares stopped by each gate in their last
    round), ``acceptances_near_deadline`` (share of all acceptances given on
    their round's deadline day, its last), ``p_exit``, ``p_promise``,
    ``p_government_falls``, ``p_pause_completed``, ``p_permanent``,
    ``deal_day``, ``hostages_released_mean``, ``hostages_died_mean``,
    ``remains_released_mean``, ``signed_terms_mean``.  Probabilities are shares
    of worlds; ``p_deal_ci`` is the Wilson 95% interval; days count from the
    tabling of the framework.

    Examples
    --------
    >>> from trucesim import load_scenario, simulate
    >>> s = load_scenario("scenarios/april-2024.toml")                       # doctest: +SKIP
    >>> summarize(simulate(s, 1000, seed=0), s, seed=0)["p_deal"]            # doctest: +SKIP
    """
    return Summary(scenario, seed).add(table).result()

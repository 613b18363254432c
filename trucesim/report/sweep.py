"""The closing text of ``trucesim sweep``: the points most and least likely to end in a deal, and where the results are.

:func:`format_sweep` lays out a finished sweep (:class:`trucesim.sweep.sweep.SweepResult`, with its
experiment and :class:`~trucesim.sweep.sweep.SweepPlan`) for the terminal: what was run and how fast,
the probability of a deal at every point (at most ten points), or at the five highest and the five
lowest, with its 95% interval and the factors' values (up to six factors), the factors in the
parameter table's words, and where the results are.  Factor columns too wide for the terminal are
labelled by the keys' shortest distinct suffixes, or ``f1``, ``f2``...

Examples
--------
>>> from trucesim.run.executors import make_executor
>>> from trucesim.sweep.sweep import plan_sweep
>>> plan = plan_sweep("experiments/prisoners-vs-us-pressure.toml", "results/prisoners")   # doctest: +SKIP
>>> with make_executor(workers=2) as ex:                                                  # doctest: +SKIP
...     print(format_sweep(plan.run(ex), plan.experiment, plan))
>>> print(_legend(["terms.pause_days"], None))     # a factor column in the parameter table's words
  terms.pause_days = length of the halt to the fighting [days]
"""

from __future__ import annotations


def _labels(keys: list[str], width: int = 96) -> tuple[list[str], str | None]:
    """Column labels for factor keys and a legend line if the labels are abbreviations.

    The keys themselves if they fit in ``width``; else each key's shortest dotted
    suffix that no other key shares; else ``f1``, ``f2``... with a legend.
    """

    def fits(labels):
        return sum(max(len(lab), 8) + 2 for lab in labels) <= width

    if fits(keys):
        return keys, None
    parts = [k.split(".") for k in keys]
    short = []
    for i, p in enumerate(parts):
        for n in range(1, len(p) + 1):
            suffix = p[-n:]
            if all(q[-n:] != suffix for j, q in enumerate(parts) if j != i):
                short.append(".".join(suffix))
                break
        else:
            short.append(keys[i])
    if fits(short):
        return short, None
    names = [f"f{i + 1}" for i in range(len(keys))]
    return names, "\n".join(f"  {n} = {k}" for n, k in zip(names, keys))


def _legend(keys: list[str], experiment) -> str:
    """What each factor column of the tables is, in the parameter table's words and unit.

    >>> print(_legend(["context.us_pressure"], None))
      context.us_pressure = United States pressure on Israel's government [0..1]
    """
    from trucesim.config.paramdoc import plain_label

    scenario = getattr(experiment, "scenario", None)
    labels, actors = getattr(scenario, "labels", None), getattr(scenario, "actors", None)
    names, _ = _labels(keys)
    out = []
    for n, k in zip(names, keys):
        words = plain_label(k, labels, actors)
        shown = f"{n} = {k}" if n != k else n
        out.append(f"  {shown}" + (f" = {words}" if words != k else ""))
    return "\n".join(out)


def _pct(x) -> str:
    return "   n/a" if x != x else f"{100 * x:5.1f}%"


def _table(factors: list[str], rows) -> list[str]:
    labels, _ = _labels(factors)
    widths = [max(len(lab), 8) for lab in labels]
    head = f"  {'point':>7}" + "".join(f"  {lab:>{w}}" for lab, w in zip(labels, widths))
    out = [head + f"  {'p(deal)':>7}  95% CI"]
    for _, r in rows.iterrows():
        line = f"  {int(r['point']):>7}" + "".join(f"  {r[k]:>{w}.4g}" for k, w in zip(factors, widths))
        line += f"  {_pct(r['p_deal']):>7}  {100 * r['p_deal_lo']:.1f}-{100 * r['p_deal_hi']:.1f}%"
        out.append(line)
    return out


def format_sweep(result, experiment, plan) -> str:
    """The closing summary: the points most and least likely to end in a deal, and where results are."""
    pts = result.points
    factors = list(experiment.factor_keys)
    rate = plan.seconds and (sum(e - s for _, s, e in plan.pending) / plan.seconds)
    lines = [
        f"trucesim sweep: {experiment.name} - {len(pts):,} points x {experiment.worlds_per_point:,} worlds "
        f"= {result.worlds:,} worlds, seed {experiment.seed}",
        "(an exploration of the scenario's stated assumptions, not a forecast)",
    ]
    if result.chunks_run:
        lines.append(
            f"{result.chunks_run} of {result.chunks} chunks run in {result.seconds:.1f} s "
            f"({rate:,.0f} worlds/s, {result.backend}, {result.workers} worker"
            f"{'s' if result.workers != 1 else ''})"
            + (f"; {result.chunks - result.chunks_run} were already done" if plan.resumed else "")
        )
    else:
        lines.append(f"all {result.chunks} chunks were already done")
    ordered = pts.sort_values(["p_deal", "point"], ascending=[False, True], kind="stable")
    shown = factors if len(factors) <= 6 else []
    if len(pts) <= 10:
        lines += ["", "probability of a deal by point"] + _table(shown, ordered)
    else:
        lines += ["", "highest probability of a deal"] + _table(shown, ordered.head(5))
        lines += ["", "lowest probability of a deal"] + _table(shown, ordered.tail(5))
    if shown:  # the columns in plain words (the parameter table's), with the key to use in the tools
        lines += ["", _legend(shown, experiment)]
    if not shown:
        lines.append(f"  (the {len(factors)} factors' values at each point are in points.parquet)")
    out = result.out
    lines += [
        "",
        f"results in {out}/: manifest.json, parts/ ({result.chunks} file{'s' if result.chunks != 1 else ''}), "
        f"points.parquet",
        f"  in Python: trucesim.load({str(out)!r}) (one row per world), "
        f"pandas.read_parquet({str(out / 'points.parquet')!r}) (one row per point)",
    ]
    return "\n".join(lines)


__all__ = ["format_sweep"]

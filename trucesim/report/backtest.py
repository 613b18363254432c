"""The text of ``trucesim backtest``: the scorecard of the historical rounds, and paths as the user types them.

:func:`format_scorecard` lays out the rounds' scores (:func:`trucesim.history.backtest.score_rounds`)
for the terminal: a table per round, one row per observed fact (the model's probability of what
happened, the hit, the Brier and log scores), then the totals, each said against the coin
(:func:`against_coin`), and a note when a round scores facts that are largely one outcome
(:func:`overlap_note`).  :func:`num` is the one number cell of the backtest's and the
validation's tables (:mod:`trucesim.report.validation`): ``n/a`` where there is no score;
:func:`shown_path` a file's path as the user would type it.

Examples
--------
>>> against_coin({"brier": 0.1, "log": 0.3}, {"brier": 0.25, "log": 0.693})
'better than the coin'
>>> num(0.1234, 6), num(None, 6)
(' 0.123', '   n/a')
"""

from __future__ import annotations

from pathlib import Path


def num(x, width: int, digits: int = 3) -> str:
    """A score in a cell of ``width`` characters with ``digits`` decimals, ``n/a`` where there is none."""
    return f"{'n/a':>{width}}" if x is None else f"{x:{width}.{digits}f}"


def shown_path(path: str | Path) -> str:
    """A path as the user would type it: relative to the working directory when it is below it.

    >>> shown_path(Path.cwd() / "scenarios" / "rounds" / "april-2024.toml")
    'scenarios/rounds/april-2024.toml'
    """
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def format_scorecard(scores, worlds: int, seed: int, fitted: Path | None = None) -> str:
    """The scorecard as text: a table per round, then the totals and the coin's reference.

    Examples
    --------
    >>> import numpy as np
    >>> from trucesim.config.observed import Observed
    >>> from trucesim.history.backtest import RoundScore
    >>> r = RoundScore("toy", "toy.toml", (Observed("deal", "deal", False, ""),), np.array([0.8]), 1000, 0)
    >>> print(format_scorecard([r], 1000, 0).splitlines()[0])
    Backtest of 1 round, 1,000 worlds each, seed 0
    """
    from trucesim.history.backtest import scorecard, totals

    n = len(scores)
    head = f"Backtest of {n} round{'s' if n != 1 else ''}, {worlds:,} worlds each, seed {seed}"
    if fitted is not None:
        head += f", with the values of {fitted} applied to every round"
    lines = [
        head,
        "p: the model's probability of what happened (share of worlds); hit: p >= 0.5; "
        "Brier (1-p)^2 and log -ln p (nats): lower is better",
    ]
    card = scorecard(scores)
    fact_w = max([len("fact"), *(len(f) for f in card["fact"])])
    obs_w = max([len("what happened"), *(len(o) for o in card["observed"])])
    for s in scores:
        lines += ["", f"{s.name}  ({shown_path(s.path)})"]
        lines.append(f"  {'fact':<{fact_w}}  {'what happened':<{obs_w}}  {'p':>6}  {'':4}  {'Brier':>6}  {'log':>6}")
        for row in card[card["round"] == s.name].itertuples():
            lines.append(
                f"  {row.fact:<{fact_w}}  {row.observed:<{obs_w}}  {row.p:6.3f}  {'hit' if row.hit else 'miss':4}  "
                f"{row.brier:6.3f}  {row.log:6.3f}"
            )
    t = totals(scores)
    name_w = max([len("all rounds"), len("coin (p = 0.5)"), *(len(s.name) for s in scores)])
    lines += [
        "",
        "Totals",
        f"  {'round':<{name_w}}  {'facts':>5}  {'hits':>4}  {'mean Brier':>10}  {'mean log':>8}  against the coin",
    ]
    rows = [*t["rounds"].items(), ("all rounds", t["overall"])]
    for name, v in rows:
        lines.append(
            f"  {name:<{name_w}}  {v['facts']:5d}  {v['hits']:4d}  {num(v['brier'], 10, 3)}  {num(v['log'], 8, 3)}  "
            f"{against_coin(v, t['coin'])}"
        )
    lines.append(f"  {'coin (p = 0.5)':<{name_w}}  {'':5}  {'':4}  {t['coin']['brier']:10.3f}  {t['coin']['log']:8.3f}")
    lines += overlap_note(scores)
    lines += ["", "Outputs explore the rounds' stated assumptions; they are not forecasts."]
    return "\n".join(lines)


def against_coin(total: dict, coin: dict) -> str:
    """A total's mean scores against the coin's, in words (lower is better; a tie is no better).

    Examples
    --------
    >>> coin = {"brier": 0.25, "log": 0.693}
    >>> against_coin({"brier": 0.1, "log": 0.3}, coin), against_coin({"brier": 0.4, "log": 1.2}, coin)
    ('better than the coin', 'worse than the coin (Brier and log)')
    >>> against_coin({"brier": 0.2, "log": 0.9}, coin)
    'worse than the coin on log; better on Brier'
    """
    if total["brier"] is None or total["log"] is None:
        return "n/a"
    worse = [name for name, key in (("Brier", "brier"), ("log", "log")) if total[key] >= coin[key]]
    if not worse:
        return "better than the coin"
    if len(worse) == 2:
        return "worse than the coin (Brier and log)"
    better = "log" if worse == ["Brier"] else "Brier"
    return f"worse than the coin on {worse[0]}; better on {better}"


def overlap_note(scores) -> list[str]:
    """A note under the totals when a round scores facts that overlap (the fit's
    :data:`~trucesim.history.distance.OVERLAPPING`), else nothing."""
    from trucesim.history.distance import OVERLAPPING

    if not any(sum(f.key in OVERLAPPING for f in s.facts) > 1 for s in scores):
        return []
    return [
        "",
        "Some facts overlap: a world without a deal releases no hostage and reaches no permanent end, so in a",
        "round without a deal, no deal, nothing released and no permanent end are largely one outcome scored",
        "up to three times (the totals weigh it accordingly; they are not independent facts).",
    ]


__all__ = ["against_coin", "format_scorecard", "num", "overlap_note", "shown_path"]

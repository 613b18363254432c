"""The text of ``trucesim validate``: a leave-one-round-out validation, its totals, and what they say.

:func:`format_validation` lays out a validation (:func:`trucesim.history.validate.to_dict`, the
``validation.json`` of its output directory) for the terminal: a table per left-out round, one row
per fact (the model's probability of what happened and its scores beside the base rate's), the
totals of the model, the base rate and the coin, the totals per kind of fact (:func:`by_fact_lines`),
the model's mean scores minus each reference's with their intervals (:func:`difference_lines`),
the verdict in plain sentences (:func:`verdict`) and, with ``--against``, this validation minus
another (:func:`against_lines`).  :func:`fit_sizes` says a fit's sizes in words.  The number
cells are those of the backtest's scorecard (:func:`trucesim.report.backtest.num`).

Examples
--------
>>> fit_sizes({"population": 50, "generations": 6, "worlds": 200})
'50 particles x 6 generations (ABC-SMC), 200 worlds per round and particle'
>>> verdict({"overall": {"brier": None}})
['No left-out fact was scored.']
"""

from __future__ import annotations

from trucesim.report.backtest import num, shown_path


def fit_sizes(s: dict) -> str:
    """A fit's sizes in words, from a validation's ``sizes`` (:meth:`trucesim.config.calibration.Calibration.sizes`).

    >>> fit_sizes({"method": "table", "population": 100, "table": 4096, "worlds": 50})
    'the 100 nearest of 4,096 prior draws (a reference table), 50 worlds per round and draw'
    >>> fit_sizes({"method": "table", "population": 100, "table": 4096, "refine": 2048, "worlds": 50})
    'the 100 nearest of 4,096 prior draws (a reference table), then the 100 nearest of 2,048 draws near them, 50 worlds per round and draw'
    >>> fit_sizes({"population": 50, "generations": 6, "worlds": 200})
    '50 particles x 6 generations (ABC-SMC), 200 worlds per round and particle'
    """
    if s.get("method") == "table":
        stage = f", then the {s['population']} nearest of {s['refine']:,} draws near them" if s.get("refine") else ""
        return (
            f"the {s['population']} nearest of {s['table']:,} prior draws (a reference table){stage}, "
            f"{s['worlds']} worlds per round and draw"
        )
    return f"{s['population']} particles x {s['generations']} generations (ABC-SMC), {s['worlds']} worlds per round and particle"


def _hits(t: dict) -> str:
    return "-" if t["hits"] is None else f"{t['hits']}/{t['facts']}"


def verdict(d: dict) -> list[str]:
    """Plain sentences: does the model beat the coin and the base rate, on mean Brier and on mean log?

    A score whose difference (``d["difference"]``, clustered by round) has a 95% interval that
    includes 0 is "within the rounds' noise": the rounds cannot tell the two apart on it.

    >>> d = {"overall": {"brier": 0.2, "log": 0.8}, "coin": {"brier": 0.25, "log": 0.693},
    ...      "base_rate": {"brier": 0.15, "log": 0.9},
    ...      "difference": {"coin": {"brier": {"low": -0.09, "high": -0.01}, "log": {"low": 0.0, "high": 0.2}}}}
    >>> print("\\n".join(verdict(d)))
    The model beats the coin on mean Brier (0.200 against 0.250) but not on mean log (0.800 against 0.693, within the rounds' noise).
    The model does not beat the base rate on mean Brier (0.200 against 0.150) but beats it on mean log (0.800 against 0.900).
    """
    m = d["overall"]
    if m["brier"] is None:
        return ["No left-out fact was scored."]
    out = []
    one = len(d.get("rounds", ())) == 1  # no interval: one round cannot say whether it is noise
    for name, label in (("coin", "the coin"), ("base_rate", "the base rate")):
        r = d[name]
        b, lg = m["brier"] < r["brier"], m["log"] < r["log"]
        noise = {
            score: x is not None and x.get("low") is not None and x["low"] <= 0 <= x["high"]
            for score, x in ((k, d.get("difference", {}).get(name, {}).get(k)) for k in ("brier", "log"))
        }
        why = {k: ", within the rounds' noise" if noise[k] else ", on one round" if one else "" for k in noise}
        brier = f"mean Brier ({m['brier']:.3f} against {r['brier']:.3f}{why['brier']})"
        log = f"mean log ({m['log']:.3f} against {r['log']:.3f}{why['log']})"
        if b and lg:
            out.append(f"The model beats {label} on {brier} and on {log}.")
        elif not b and not lg:
            out.append(f"The model does not beat {label}: not on {brier}, nor on {log}.")
        elif b:
            out.append(f"The model beats {label} on {brier} but not on {log}.")
        else:
            out.append(f"The model does not beat {label} on {brier} but beats it on {log}.")
    return out


def _signed(x) -> str:
    return "n/a" if x is None else f"{x:+.3f}"


def difference_lines(d: dict) -> list[str]:
    """The model's mean scores minus each reference's, with their intervals clustered by round, and
    whether each interval clears zero.

    >>> diff = {"brier": {"mean": 0.002, "low": -0.04, "high": 0.045}, "log": {"mean": -0.17, "low": -0.3, "high": -0.04}}
    >>> print("\\n".join(difference_lines({"rounds": [{}] * 11, "difference": {"base_rate": diff}})))
    Model minus reference over the left-out facts (negative: the model is better), 95% interval clustered by round (11 rounds):
      base rate  Brier +0.002 [-0.040, +0.045] (includes 0)   log -0.170 [-0.300, -0.040] (model better)
    """
    if not d.get("difference"):  # a validation.json stored before differences were reported
        return []
    n = len(d["rounds"])
    how = f"95% interval clustered by round ({n} rounds)" if n > 1 else "no interval: one round left out"
    lines = [f"Model minus reference over the left-out facts (negative: the model is better), {how}:"]
    for name, label in (("base_rate", "base rate"), ("coin", "coin")):
        if name in d["difference"]:
            lines.append(f"  {label:<9}  {_intervals(d['difference'][name], 'model')}")
    return lines


def _intervals(diff: dict, better: str) -> str:
    """``Brier +0.002 [-0.040, +0.045] (includes 0)   log ...`` for a difference of mean scores."""
    parts = []
    for score, shown in (("brier", "Brier"), ("log", "log")):
        x = diff[score]
        if x["low"] is None or x["high"] is None:
            parts.append(f"{shown} {_signed(x['mean'])}")
            continue
        word = f"{better} better" if x["high"] < 0 else f"{better} worse" if x["low"] > 0 else "includes 0"
        parts.append(f"{shown} {_signed(x['mean'])} [{_signed(x['low'])}, {_signed(x['high'])}] ({word})")
    return "   ".join(parts)


def against_lines(d: dict) -> list[str]:
    """This validation's scores minus another's (``--against``), with their intervals clustered by round,
    then per left-out round (mean over its facts) and per kind of fact (summed over its facts).

    >>> x = {"mean": -0.015, "low": -0.033, "high": 0.003}
    >>> d = {"against": {"file": "old.json", "rounds": 11, "brier": x, "log": x,
    ...      "by_round": [{"name": "june-2025", "brier": -0.026, "log": -0.1}],
    ...      "by_fact": [{"fact": "deal", "facts": 11, "brier": -0.12, "log": -0.5}]}}
    >>> print("\\n".join(against_lines(d)))
    This validation minus old.json over the same left-out facts (negative: this one is better), 95% interval clustered by round (11 rounds):
      Brier -0.015 [-0.033, +0.003] (includes 0)   log -0.015 [-0.033, +0.003] (includes 0)
      left out    Brier     log   (mean over the round's facts)
      june-2025  -0.026  -0.100
      kind of fact  facts   Brier     log   (summed over its facts)
      deal             11  -0.120  -0.500
    """
    a = d.get("against")
    if not a:
        return []
    lines = [
        f"This validation minus {a['file']} over the same left-out facts (negative: this one is better), "
        f"95% interval clustered by round ({a['rounds']} rounds):",
        f"  {_intervals(a, 'this one')}",
    ]
    if a.get("by_round"):  # not in a validation.json stored before they were reported
        name_w = max([len("left out"), *(len(r["name"]) for r in a["by_round"])])
        lines.append(f"  {'left out':<{name_w}}  {'Brier':>6}  {'log':>6}   (mean over the round's facts)")
        lines += [f"  {r['name']:<{name_w}}  {_signed(r['brier']):>6}  {_signed(r['log']):>6}" for r in a["by_round"]]
    if a.get("by_fact"):
        fact_w = max([len("kind of fact"), *(len(r["fact"]) for r in a["by_fact"])])
        lines.append(f"  {'kind of fact':<{fact_w}}  {'facts':>5}  {'Brier':>6}  {'log':>6}   (summed over its facts)")
        lines += [
            f"  {r['fact']:<{fact_w}}  {r['facts']:5d}  {_signed(r['brier']):>6}  {_signed(r['log']):>6}"
            for r in a["by_fact"]
        ]
    return lines


def by_fact_lines(d: dict) -> list[str]:
    """Totals per kind of fact (``by_fact``), model against base rate, and where the Brier gap between them lies.

    >>> t = {"facts": 2, "hits": 2, "brier": 0.1, "log": 0.3}
    >>> row = {"fact": "deal", "model": t, "base_rate": t | {"brier": 0.05}, "brier_gap": 0.1}
    >>> print("\\n".join(by_fact_lines({"by_fact": [row]})))
    <BLANKLINE>
    By kind of fact (model | base rate); gap: the model's Brier minus the base rate's, summed over the facts
      fact  facts  model hits   Brier     log  base hits   Brier     log     gap
      deal      2         2/2   0.100   0.300        2/2   0.050   0.300  +0.100
    """
    rows = d.get("by_fact")
    if not rows:  # a validation.json stored before kinds of fact were reported
        return []
    fact_w = max([len("fact"), *(len(r["fact"]) for r in rows)])
    lines = [
        "",
        "By kind of fact (model | base rate); gap: the model's Brier minus the base rate's, summed over the facts",
        f"  {'fact':<{fact_w}}  {'facts':>5}  {'model hits':>10}  {'Brier':>6}  {'log':>6}  "
        f"{'base hits':>9}  {'Brier':>6}  {'log':>6}  {'gap':>6}",
    ]
    for r in rows:
        m, b = r["model"], r["base_rate"]
        lines.append(
            f"  {r['fact']:<{fact_w}}  {m['facts']:5d}  {_hits(m):>10}  {num(m['brier'], 6)}  {num(m['log'], 6)}  "
            f"{_hits(b):>9}  {num(b['brier'], 6)}  {num(b['log'], 6)}  {_signed(r['brier_gap']):>6}"
        )
    return lines


def format_validation(d: dict) -> str:
    """The validation (:func:`trucesim.history.validate.to_dict`) as text: a table per left-out round, totals, verdict."""
    s = d["sizes"]
    table = s.get("method") == "table"
    n = len(d["rounds"])
    lines = [
        f"Leave-one-round-out validation of {shown_path(d['calibration'])}: {n} fold{'s' if n != 1 else ''}, "
        f"seed {d['seed']}",
        f"each fold: {fit_sizes(s)}; the left-out round: {s['predictive_worlds']:,} worlds from the fold's posterior",
        "p: probability given to what happened; hit: p >= 0.5; Brier (1-p)^2 and log -ln p (nats): lower is better;",
        "base rate: share of the other rounds observing the same fact with this value (0.5 if none does); coin: p = 0.5",
    ]
    rows = [f for r in d["rounds"] for f in r["facts"]]
    fact_w = max([len("fact"), *(len(f["fact"]) for f in rows)])
    obs_w = max([len("what happened"), *(len(f["observed"]) for f in rows)])
    for r in d["rounds"]:
        lines += [
            "",
            f"{r['name']} left out (fitted on {', '.join(r['fitted_on'])}; "
            f"{'' if table else str(r['generations']) + ' generations, '}tolerance {r['epsilon']:.4f})",
            f"  {'fact':<{fact_w}}  {'what happened':<{obs_w}}  {'model p':>7}  {'':4}  {'Brier':>6}  {'log':>6}"
            f"  {'base p':>6}  {'Brier':>6}  {'log':>6}",
        ]
        for f in r["facts"]:
            b = f["base_rate"]
            lines.append(
                f"  {f['fact']:<{fact_w}}  {f['observed']:<{obs_w}}  {f['p']:7.3f}  {'hit' if f['hit'] else 'miss':4}  "
                f"{f['brier']:6.3f}  {f['log']:6.3f}  {b['p']:6.3f}  {b['brier']:6.3f}  {b['log']:6.3f}"
            )
    name_w = max([len("all rounds"), *(len(r["name"]) for r in d["rounds"])])
    head = (
        f"  {'left out':<{name_w}}  {'facts':>5}  {'model hits':>10}  {'Brier':>6}  {'log':>6}  "
        f"{'base hits':>9}  {'Brier':>6}  {'log':>6}  {'coin Brier':>10}  {'log':>6}"
    )
    lines += ["", "Totals over the left-out facts (model | base rate | coin)", head]
    entries = [(r["name"], r["totals"], r["base_rate"], r["coin"]) for r in d["rounds"]]
    entries.append(("all rounds", d["overall"], d["base_rate"], d["coin"]))
    for name, m, b, c in entries:
        lines.append(
            f"  {name:<{name_w}}  {m['facts']:5d}  {_hits(m):>10}  {num(m['brier'], 6)}  {num(m['log'], 6)}  "
            f"{_hits(b):>9}  {num(b['brier'], 6)}  {num(b['log'], 6)}  {num(c['brier'], 10)}  {num(c['log'], 6)}"
        )
    lines += by_fact_lines(d)
    diff = difference_lines(d)
    lines += ["", *diff, *([""] if diff else []), *verdict(d), ""]
    if d.get("against"):
        lines += [*against_lines(d), ""]
    lines.append("Outputs explore the rounds' stated assumptions; they are not forecasts.")
    return "\n".join(lines)


__all__ = ["against_lines", "by_fact_lines", "difference_lines", "fit_sizes", "format_validation", "verdict"]

"""Two validations compared: this one's model scores minus another's, over the same left-out facts.

``trucesim validate --against FILE`` reads another validation's ``validation.json`` (another
calibration file, or another seed, validated on the same rounds), checks before any fit that it
scored the facts this one will (:func:`scored_facts`, :func:`against_rounds`), and reports the
differences with intervals clustered by round (:func:`against`), per left-out round and per kind
of fact.

Examples
--------
>>> f = lambda p, b: {"fact": "deal", "observed": "false", "p": p, "brier": b, "log": 0.0}
>>> a = {"rounds": [{"name": "r1", "facts": [f(0.9, 0.01)]}, {"name": "r2", "facts": [f(0.7, 0.09)]}]}
>>> o = {"rounds": [{"name": "r1", "facts": [f(0.8, 0.04)]}, {"name": "r2", "facts": [f(0.5, 0.25)]}]}
>>> [round(r["brier"], 2) for r in against(a, o, "other.json")["by_round"]]
[-0.03, -0.16]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trucesim.config.calibration import Calibration
from trucesim.config.distributions import finite_number
from trucesim.history.rounds import round_name
from trucesim.history.validate import ValidationError, clustered_difference


def scored_facts(cal: Calibration, folds: Sequence[int]) -> dict[str, list[tuple[str, str]]]:
    """The facts a validation of ``cal`` leaving out the rounds at ``folds`` scores, known before any fit.

    ``{round name: [(fact, what happened), ...]}``, as :func:`~trucesim.history.validate.to_dict`
    writes them (``fact``, ``observed``), in the order it writes them.
    """
    return {round_name(cal.rounds[i].path): [(o.key, o.value_text()) for o in cal.rounds[i].observed] for i in folds}


def against_rounds(other: object, expected: dict[str, list[tuple[str, str]]], shown: str) -> dict[str, list[dict]]:
    """The facts of a validation read from a file (``other``), checked to be those of ``expected``.

    ``expected`` maps each left-out round's name to its facts (:func:`scored_facts`); returns each
    round's facts from ``other``, by name, each a dict with finite ``brier`` and ``log`` scores.

    Raises
    ------
    ValidationError
        One line naming ``shown``: ``other`` is not a validation, left out other rounds, scored
        other facts (other round files), or lacks a finite score.

    >>> deal = {"fact": "deal", "observed": "false", "brier": 0.1, "log": 0.3}
    >>> against_rounds({"rounds": [{"name": "a", "facts": [deal]}]}, {"a": [("deal", "false")]}, "v.json")["a"][0]["brier"]
    0.1
    >>> against_rounds({"rounds": [{"name": "a", "facts": [deal]}]}, {"a": [], "b": []}, "v.json")
    Traceback (most recent call last):
    ...
    trucesim.history.validate.ValidationError: v.json: rounds: expected the rounds this validation leaves out (a, b), found a
    """
    rounds = other.get("rounds") if isinstance(other, dict) else None
    if not isinstance(rounds, list) or not all(isinstance(r, dict) and "name" in r for r in rounds):
        raise ValidationError(f"{shown}: rounds: expected the left-out rounds of a 'trucesim validate' run")
    theirs = {str(r["name"]): r.get("facts") for r in rounds}
    if sorted(theirs) != sorted(expected) or len(theirs) != len(rounds):
        raise ValidationError(
            f"{shown}: rounds: expected the rounds this validation leaves out ({', '.join(expected)}), "
            f"found {', '.join(map(str, theirs)) or 'none'}"
        )
    for name, key in expected.items():
        facts = theirs[name]
        if (
            not isinstance(facts, list)
            or not all(isinstance(f, dict) for f in facts)
            or [(f.get("fact"), f.get("observed")) for f in facts] != key
        ):
            raise ValidationError(
                f"{shown}: rounds.{name}.facts: expected the facts this validation scores "
                f"({', '.join(f'{a} = {b}' for a, b in key)}), found others: validated with other round files?"
            )
        for score in ("brier", "log"):
            if not all(finite_number(f.get(score)) for f in facts):
                raise ValidationError(f"{shown}: rounds.{name}.facts: expected a finite number for each fact's {score}")
    return {name: theirs[name] for name in expected}


def against(d: dict, other: dict, shown: str, level: float = 0.95) -> dict:
    """This validation's model scores minus another's, fact by fact, with intervals clustered by round.

    ``d`` and ``other`` are :func:`~trucesim.history.validate.to_dict` results (``other`` read
    from a ``validation.json``, shown as ``shown`` in errors): two calibrations, or two seeds of
    one, validated on the same rounds.  Returns ``{"brier": x, "log": x, "rounds": n}``, each
    ``x`` ``{"mean", "low", "high"}``: the mean over the left-out facts of this model's score
    minus the other's (negative: this one is better) and its ``level`` interval clustered by
    left-out round, as in :func:`~trucesim.history.validate.differences`; ``by_round`` (each
    left-out round's mean differences: ``name``, ``brier``, ``log``) and ``by_fact`` (each kind
    of fact's differences summed over its facts: ``fact``, ``facts``, ``brier``, ``log``; they
    add up to the mean times the facts).

    Raises
    ------
    ValidationError
        One line naming ``shown`` (:func:`against_rounds`): other rounds or facts than ``d``'s, or
        a score that is not a finite number.

    >>> f = lambda p, b: {"fact": "deal", "observed": "false", "p": p, "brier": b, "log": 0.0}
    >>> a = {"rounds": [{"name": "r1", "facts": [f(0.9, 0.01)]}, {"name": "r2", "facts": [f(0.7, 0.09)]}]}
    >>> o = {"rounds": [{"name": "r1", "facts": [f(0.8, 0.04)]}, {"name": "r2", "facts": [f(0.5, 0.25)]}]}
    >>> round(against(a, o, "other.json")["brier"]["mean"], 3)
    -0.095
    """
    expected = {r["name"]: [(f["fact"], f["observed"]) for f in r["facts"]] for r in d["rounds"]}
    theirs = against_rounds(other, expected, shown)
    scores: dict[str, list[float]] = {"brier": [], "log": []}
    groups: list[int] = []
    kinds: list[str] = []
    for k, r in enumerate(d["rounds"]):
        for score in scores:
            scores[score] += [f[score] - g[score] for f, g in zip(r["facts"], theirs[r["name"]], strict=True)]
        groups += [k] * len(r["facts"])
        kinds += [f["fact"] for f in r["facts"]]
    g, kind = np.array(groups, dtype=int), np.array(kinds, dtype=object)
    diffs = {s: np.array(v, dtype=float) for s, v in scores.items()}
    out: dict = {s: clustered_difference(x, g, level) for s, x in diffs.items()}
    out["rounds"] = len(d["rounds"])
    out["by_round"] = [
        {"name": r["name"], **{s: float(x[g == k].mean()) for s, x in diffs.items()}}
        for k, r in enumerate(d["rounds"])
        if (g == k).any()
    ]
    out["by_fact"] = [
        {"fact": key, "facts": int((kind == key).sum()), **{s: float(x[kind == key].sum()) for s, x in diffs.items()}}
        for key in dict.fromkeys(kinds)
    ]
    return out

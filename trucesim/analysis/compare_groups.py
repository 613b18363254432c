"""The figures of a comparison in named groups, and the ``--only`` choice of them.

A comparison (:class:`trucesim.analysis.compare.Comparison`) holds every figure of
the run summary under a dotted name (``p_deal``, ``p_accept.hamas``,
``signed_terms_mean.pause_days``).  They are shown in :data:`GROUPS`, by the
top-level key of their name: the main outcomes first, then hostages, acceptance,
how the talks ended, what stopped them, the coalition, deal days and signed terms;
a top-level key no group names (a figure added to the summary later) goes to
``other``.

``--only`` names a choice of figures, comma separated: a group (``main``), a
top-level key (``p_accept``: every actor) or one dotted figure
(``p_accept.hamas``).  :func:`select` checks the words against the figures there
are and keeps the figures chosen, in the groups' order.

Examples
--------
>>> names = ["p_deal", "p_accept.hamas", "p_government_falls", "deal_day.median"]
>>> select(names, "main,p_accept")
['p_deal', 'p_government_falls', 'p_accept.hamas']
>>> select(names, "p_dael")
Traceback (most recent call last):
...
ValueError: --only: unknown figure or group 'p_dael' (did you mean 'p_deal'?); expected ...
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from trucesim.run.blockers import END_WORDS, gate_words


@dataclass(frozen=True)
class Group:
    """A named group of summary figures, with the heading shown above them.

    Parameters
    ----------
    name : str
        The word that chooses it in ``--only`` (e.g. ``"main"``).
    heading : str
        What the figures are and in which unit, shown above them.
    keys : tuple of str
        The top-level summary keys of its figures, in the order shown.
    short : bool
        Whether a figure is named by its item alone under the heading
        (``walked away`` under "how the talks ended"), not by its full label.
    label : str, optional
        The name of the group's one figure under the heading, if not its full label.
    """

    name: str
    heading: str
    keys: tuple[str, ...]
    short: bool = False
    label: str | None = None


#: every group, in the order shown; ``other`` takes the top-level keys no other group names
GROUPS: tuple[Group, ...] = (
    Group(
        "main",
        "main outcomes [% of worlds]",
        ("p_deal", "p_deal_first_text", "p_government_falls", "p_pause_completed", "p_permanent"),
    ),
    Group(
        "hostages",
        "hostages [mean number per world]",
        ("hostages_released_mean", "hostages_died_mean", "remains_released_mean"),
    ),
    Group("acceptance", "acceptance [% of worlds]", ("p_accept", "p_accept_first")),
    Group(
        "deadlines",
        "deadlines [share of all acceptances]",
        ("acceptances_near_deadline",),
        label="accepted on its last day",
    ),
    Group("endings", "how the talks ended [% of worlds]", ("end_reasons",), short=True),
    Group("blockers", "what stopped the last round [% of worlds without a deal]", ("blockers",), short=True),
    Group("coalition", "coalition partners [% of worlds]", ("p_exit", "p_promise")),
    Group("deal_day", "deal day [days after tabling, over the worlds with a deal]", ("deal_day",), short=True),
    Group("terms", "signed terms [mean over the worlds with a deal]", ("signed_terms_mean",), short=True),
    Group("other", "other figures", ()),
)
#: the groups drawn by ``trucesim compare --out`` when ``--only`` is not given
FIGURE_GROUPS = ("main", "hostages", "acceptance")
#: the word of ``--only`` that chooses every figure
ALL = "all"

_BY_NAME = {g.name: g for g in GROUPS}


def group_of(figure: str) -> Group:
    """The group of a dotted figure name, by its top-level key (``other`` if no group names it).

    Examples
    --------
    >>> group_of("p_accept.hamas").name, group_of("some_new_figure").name
    ('acceptance', 'other')
    """
    top = figure.split(".")[0]
    return next((g for g in GROUPS if top in g.keys), _BY_NAME["other"])


def in_groups(figures: Iterable[str]) -> list[tuple[Group, list[str]]]:
    """The figures by group, in the groups' order, each group's figures in the order of its keys; empty groups left out.

    Examples
    --------
    >>> [(g.name, f) for g, f in in_groups(["deal_day.median", "p_permanent", "p_deal"])]
    [('main', ['p_deal', 'p_permanent']), ('deal_day', ['deal_day.median'])]
    """
    figures = list(figures)
    out = []
    for g in GROUPS:
        mine = [f for f in figures if group_of(f) is g]
        if g.keys:
            mine.sort(key=lambda f: g.keys.index(f.split(".")[0]))  # stable: items keep the summary's order
        if mine:
            out.append((g, mine))
    return out


def choices(figures: Sequence[str]) -> list[str]:
    """Every word ``--only`` accepts for these figures: ``all``, the groups, the top-level keys, the dotted names."""
    tops = list(dict.fromkeys(f.split(".")[0] for f in figures))
    return [ALL, *[g.name for g in GROUPS], *tops, *[f for f in figures if f not in tops]]


def select(figures: Sequence[str], only: str | None, default: Sequence[str] | None = None) -> list[str]:
    """The figures chosen by ``only`` (comma-separated words), in the groups' order.

    Parameters
    ----------
    figures : sequence of str
        Every dotted figure name there is.
    only : str or None
        Groups, top-level keys or dotted names, comma separated; ``all`` chooses
        every figure.  None: the groups ``default`` (every figure if that is None).
    default : sequence of str, optional
        Group names chosen when ``only`` is None.

    Raises
    ------
    ValueError
        A word that names no group nor figure, with the closest word and the choices.

    Examples
    --------
    >>> select(["p_deal", "p_accept.hamas"], None, default=["acceptance"])
    ['p_accept.hamas']
    >>> select(["p_deal", "p_accept.hamas"], "p_accept.hamas, all")
    ['p_deal', 'p_accept.hamas']
    """
    if only is None:
        words = list(default) if default is not None else [ALL]
    else:
        words = [w.strip() for w in only.split(",") if w.strip()]
        if not words:
            raise ValueError(f"--only: expected one or more figures or groups, comma separated, found {only!r}")
    known = choices(figures)
    chosen: set[str] = set()
    for w in words:
        if w == ALL:
            chosen.update(figures)
        elif w in _BY_NAME:
            members = [f for f in figures if group_of(f).name == w]
            if not members and only is not None:  # a group asked for by name that holds none of the figures
                held = ", ".join(g.name for g in GROUPS if any(group_of(f) is g for f in figures))
                raise ValueError(f"--only: the group {w!r} holds none of these figures; expected one of {held}")
            chosen.update(members)
        elif w in figures:
            chosen.add(w)
        elif any(f.startswith(f"{w}.") for f in figures):
            chosen.update(f for f in figures if f.startswith(f"{w}."))
        else:
            close = difflib.get_close_matches(w, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            groups = ", ".join(g.name for g in GROUPS)
            raise ValueError(
                f"--only: unknown figure or group {w!r}{hint}; expected {ALL}, a group ({groups}), "
                "a summary key such as p_accept, or a figure such as p_accept.hamas (see --format json)"
            )
    return [f for _, fs in in_groups(figures) for f in fs if f in chosen]


def row_label(figure: str, labels: Mapping[str, str] | None = None) -> str:
    """A figure's name under its group's heading: the item alone in a ``short`` group, else the full label.

    Examples
    --------
    >>> row_label("end_reasons.walked_away"), row_label("p_accept.hamas", {"hamas": "Hamas"})
    ('the mediators walked away', 'Hamas accepts a proposal')
    """
    from trucesim.analysis.compare import figure_label

    top, _, rest = figure.partition(".")
    group = group_of(figure)
    if group.label is not None and not rest:
        return group.label
    if group.short and rest:
        labels = labels or {}
        if top == "blockers":  # in the words of trucesim run's summary
            return gate_words(rest, labels)
        if top == "end_reasons":
            return END_WORDS.get(rest, rest.replace("_", " "))
        return labels.get(rest, rest.replace("_", " "))
    return figure_label(figure, labels)


__all__ = ["ALL", "FIGURE_GROUPS", "GROUPS", "Group", "choices", "group_of", "in_groups", "row_label", "select"]

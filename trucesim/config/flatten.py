"""Nested tables under dotted names: the one flattener of trucesim.

A scenario's ``[actors.hamas.weights]`` table, an experiment's ``[factors.a.b]``, a
run summary's ``p_accept`` and a sweep manifest are all nested dicts read or compared
key by key under dotted names (``"actors.hamas.weights.pause_days"``).
:func:`flat_items` walks such a tree once; :func:`flatten` collects the walk into a dict.
What counts as a leaf (a table that stands for one value, such as ``{ value = 0.5,
source = ".." }``) is the caller's rule; an empty table is always a leaf.

Examples
--------
>>> flatten({"a": {"b": 1, "c": {}}, "d": [1, 2]})
{'a.b': 1, 'a.c': {}, 'd': [1, 2]}
>>> flatten({"m": {"x": [[1], []]}}, lists=True)
{'m.x[0][0]': 1, 'm.x[1]': []}
>>> flatten({"k": {"value": 3, "source": "s"}}, is_leaf=lambda v: "value" in v)
{'k': {'value': 3, 'source': 's'}}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping


def flat_items(
    tree: Mapping,
    prefix: str = "",
    *,
    is_leaf: Callable[[Mapping], bool] | None = None,
    lists: bool = False,
    check_key: Callable[[str, str], None] | None = None,
) -> Iterator[tuple[str, object]]:
    """Every leaf of ``tree`` as ``(dotted name, value)``, in the tree's order, duplicates included.

    Parameters
    ----------
    tree : Mapping
        The nested tables; the top level is always walked into (an empty ``tree`` yields nothing).
    prefix : str
        Put before every name (``"factors."``): the names of a sub-table as seen from its parent.
    is_leaf : callable, optional
        ``is_leaf(table)`` true for a non-empty table that stands for one value (it is
        yielded whole, not walked into); by default every non-empty table is walked into.
    lists : bool
        Walk into non-empty lists too, naming their items ``name[i]`` (default: a list is a leaf).
    check_key : callable, optional
        Called as ``check_key(prefix, key)`` for every key met, before its value is used;
        it may raise to refuse a key (a scenario refuses a quoted key with a dot).

    Yields
    ------
    (str, object)
        The dotted name and the leaf value.  Two spellings of one name (``"a.b"`` as a
        quoted key and ``a.b`` as a nested one) both come out, for the caller to refuse.
    """
    for key, value in tree.items():
        if check_key is not None:
            check_key(prefix, str(key))
        name = f"{prefix}{key}"
        yield from _leaves(value, name, is_leaf, lists, check_key)


def _leaves(value: object, name: str, is_leaf, lists: bool, check_key) -> Iterator[tuple[str, object]]:
    if isinstance(value, Mapping) and value and not (is_leaf is not None and is_leaf(value)):
        yield from flat_items(value, name + ".", is_leaf=is_leaf, lists=lists, check_key=check_key)
    elif lists and isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from _leaves(item, f"{name}[{i}]", is_leaf, lists, check_key)
    else:
        yield name, value


def flatten(
    tree: Mapping,
    prefix: str = "",
    *,
    is_leaf: Callable[[Mapping], bool] | None = None,
    lists: bool = False,
    check_key: Callable[[str, str], None] | None = None,
) -> dict[str, object]:
    """:func:`flat_items` as a dict ``{dotted name: leaf value}`` (a later duplicate name wins).

    Examples
    --------
    >>> flatten({"p_accept": {"israel": 0.9, "hamas": 0.3}}, "summary.")
    {'summary.p_accept.israel': 0.9, 'summary.p_accept.hamas': 0.3}
    """
    return dict(flat_items(tree, prefix, is_leaf=is_leaf, lists=lists, check_key=check_key))


#: how a message shows a key one flattened table lacks
ABSENT = "<absent>"


def first_difference(a: dict, b: dict) -> str | None:
    """The first key (``a``'s order, then ``b``'s new keys) whose value differs between two flat tables, or None.

    >>> first_difference({"x": 1, "y": 2}, {"x": 1, "y": 3}), first_difference({"x": 1}, {"x": 1, "z": 0})
    ('y', 'z')
    """
    for key in list(a) + [k for k in b if k not in a]:
        if a.get(key, ABSENT) != b.get(key, ABSENT):
            return key
    return None

"""Per-world parameter arrays: a parameter as a column of worlds, the terms as a matrix, their rows.

A scenario's value is either shared by every world (a number) or drawn per world (an array);
the model reads both the same way through these functions, and a shared matrix stays a single
row that broadcasts, so the common case costs no memory per world.

Examples
--------
>>> m = terms_matrix({f"ideal.{t}": 1.0 for t in TERM_NAMES}, "ideal.", 5)
>>> m.shape, rows(m, np.arange(3)).shape
((1, 12), (1, 12))
"""

from __future__ import annotations

import numpy as np

from trucesim.config.terms import TERM_NAMES


def column(p: dict, key: str, n: int) -> np.ndarray:
    """A parameter as an array of ``n`` worlds (a shared number is broadcast).

    Examples
    --------
    >>> column({"a": 2.0}, "a", 3).tolist()
    [2.0, 2.0, 2.0]
    """
    return np.broadcast_to(np.asarray(p[key], dtype=float), (n,))


def terms_matrix(p: dict, prefix: str, n: int) -> np.ndarray:
    """Stack ``prefix + term`` parameters into an ``(n, 12)`` array.

    When none of them varies across worlds the result is one row, ``(1, 12)``,
    which broadcasts: read rows with :func:`rows`.
    """
    values = [p[prefix + t] for t in TERM_NAMES]
    if all(np.ndim(v) == 0 for v in values):
        return np.array([values], dtype=float)
    return np.stack([column(p, prefix + t, n) for t in TERM_NAMES], axis=1)


def rows(matrix: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Rows ``idx`` of a per-world matrix, or its single shared row.

    ``np.take`` gathers rows several times faster than ``matrix[idx]`` (the same values).
    """
    return matrix if matrix.shape[0] == 1 else np.take(matrix, idx, axis=0)

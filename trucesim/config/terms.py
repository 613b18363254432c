"""The deal's dimensions (terms) and their scales.

Every proposal is a point in a twelve-dimensional space, stored as an array of
shape ``(n_worlds, 12)`` whose columns follow :data:`TERM_NAMES`.  Utilities are
computed on *normalised* terms in ``[0, 1]``; :func:`normalise` maps raw values
(days, hostages, prisoners per hostage, trucks per day, shares) onto that scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TermSpec:
    """One negotiable dimension of a deal.

    ``low``/``high`` bound the values a scenario may state; ``scale`` is the raw
    value that counts as "all of it" (normalised 1) in utilities.  ``scale=None``
    marks the two hostage terms, normalised over the whole exchange: living
    hostages by the living held when the talks began, remains by all the
    remains held.  ``default`` is the value of a term a scenario leaves out
    (``None``: the scenario must state it).
    """

    name: str
    unit: str
    low: float
    high: float
    scale: float | None
    meaning: str
    integer: bool = False
    default: float | None = None


TERMS: tuple[TermSpec, ...] = (
    TermSpec("pause_days", "days", 0, 365, 90.0, "length of the halt to the fighting", integer=True),
    TermSpec(
        "hostages_released", "hostages", 0, 300, None, "living hostages released in the first phase", integer=True
    ),
    TermSpec(
        "prisoners_per_hostage",
        "prisoners per hostage",
        0,
        200,
        50.0,
        "Palestinian prisoners released for each hostage",
    ),
    TermSpec("aid_trucks_per_day", "trucks per day", 0, 2000, 600.0, "humanitarian aid trucks entering Gaza each day"),
    TermSpec("return_north", "share 0..1", 0, 1, 1.0, "return of the displaced to the north (0 none, 1 unrestricted)"),
    TermSpec("withdrawal", "share 0..1", 0, 1, 1.0, "withdrawal of troops (0 none, 0.5 from populated areas, 1 full)"),
    TermSpec(
        "permanent_ceasefire",
        "share 0..1",
        0,
        1,
        1.0,
        "0 pause only, 0.5 talks on a permanent end, 1 binding end of the war",
    ),
    TermSpec("guarantees", "share 0..1", 0, 1, 1.0, "third-party guarantees that later phases follow"),
    TermSpec(
        "remains_released",
        "remains",
        0,
        300,
        None,
        "remains of hostages who died in captivity, returned in the first phase",
        integer=True,
        default=0,
    ),
    TermSpec(
        "release_all",
        "share 0..1",
        0,
        1,
        1.0,
        "a clause that every living hostage is released over the whole exchange (0 no, 1 yes)",
        default=0,
    ),
    TermSpec(
        "security_arrangements",
        "share 0..1",
        0,
        1,
        1.0,
        "security arrangements kept after the war (0 none, 1 full control of the border and perimeter)",
        default=0,
    ),
    TermSpec(
        "disarmament",
        "share 0..1",
        0,
        1,
        1.0,
        "the armed group disarmed and out of the territory's government after the war (0 no, 1 fully)",
        default=0,
    ),
)

TERM_NAMES: tuple[str, ...] = tuple(t.name for t in TERMS)
TERM_INDEX: dict[str, int] = {name: i for i, name in enumerate(TERM_NAMES)}
HOSTAGES = TERM_INDEX["hostages_released"]
REMAINS = TERM_INDEX["remains_released"]
PAUSE = TERM_INDEX["pause_days"]

#: raw value that normalises to 1, per term (1.0 stands in for the hostage and remains columns, divided by counts)
SCALES = np.array([t.scale if t.scale is not None else 1.0 for t in TERMS])


def normalise(terms: np.ndarray, living: np.ndarray, remains: np.ndarray | float = 1.0) -> np.ndarray:
    """Map raw terms onto ``[0, 1]``.

    Parameters
    ----------
    terms : ndarray, shape (n, 12)
        Raw terms, columns in :data:`TERM_NAMES` order.
    living : ndarray, shape (n,)
        The living hostages that count as "all of them" in each world; the
        hostage column is divided by it.
    remains : ndarray, shape (n,), or float
        The remains that count as "all of them"; the remains column is divided by it.

    Returns
    -------
    ndarray, shape (n, 12)
        Normalised terms, each clipped to ``[0, 1]``.

    Examples
    --------
    >>> t = np.array([[42, 40, 18, 300, .5, 0, 0, .3, 10, 0, .5, 0]], dtype=float)
    >>> normalise(t, np.array([95.0]), np.array([40.0])).round(2).tolist()
    [[0.47, 0.42, 0.36, 0.5, 0.5, 0.0, 0.0, 0.3, 0.25, 0.0, 0.5, 0.0]]
    """
    out = terms / SCALES
    out[:, HOSTAGES] = terms[:, HOSTAGES] / np.maximum(living, 1.0)
    out[:, REMAINS] = terms[:, REMAINS] / np.maximum(remains, 1.0)
    np.maximum(out, 0.0, out=out)
    return np.minimum(out, 1.0, out=out)


def denormalise(norm: np.ndarray, living: np.ndarray, remains: np.ndarray | float = 1.0) -> np.ndarray:
    """Inverse of :func:`normalise` for values inside ``[0, 1]``.

    Examples
    --------
    >>> denormalise(np.array([[.5, .5, .5, .5, 0, 0, 0, 0, .5, 0, 0, 0]]), np.array([80.0]), 20.0)[0, [0, 1, 2, 3, 8]].tolist()
    [45.0, 40.0, 25.0, 300.0, 10.0]
    """
    out = norm * SCALES
    out[:, HOSTAGES] = norm[:, HOSTAGES] * np.maximum(living, 1.0)
    out[:, REMAINS] = norm[:, REMAINS] * np.maximum(remains, 1.0)
    return out

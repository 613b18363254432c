"""Scores of probabilistic forecasts of what happened: hit at 0.5, Brier and log scores.

``p`` is the probability the model gave the fact that was observed.  For each fact:

- **hit**: ``p >= 0.5`` (the model's likelier outcome is what happened);
- **Brier**: ``(1 - p)**2``, from 0 (certain and right) to 1 (certain and wrong); a coin
  (``p = 0.5``) scores 0.25;
- **log**: ``-ln p`` in nats, from 0 up; a coin scores 0.69.  ``p`` is floored at
  half a world (``0.5 / worlds``), so a fact no world reproduced scores a large but finite
  penalty that says how many worlds were run.

Lower Brier and log scores are better.

Examples
--------
>>> import numpy as np
>>> p = np.array([0.9, 0.5, 0.0])
>>> brier(p).round(2).tolist(), hit(p).tolist()
([0.01, 0.25, 1.0], [True, True, False])
>>> log_score(p, worlds=1000).round(2).tolist()
[0.11, 0.69, 7.6]
"""

from __future__ import annotations

import numpy as np

#: the scores of a forecast that gives every binary fact a half chance
COIN = {"brier": 0.25, "log": float(np.log(2))}


def hit(p: np.ndarray) -> np.ndarray:
    """Whether the model's likelier outcome is what happened (``p >= 0.5``)."""
    return np.asarray(p, dtype=float) >= 0.5


def brier(p: np.ndarray) -> np.ndarray:
    """The Brier score of each fact, ``(1 - p)**2``."""
    return (1.0 - np.asarray(p, dtype=float)) ** 2


def log_score(p: np.ndarray, worlds: int) -> np.ndarray:
    """The log score of each fact, ``-ln p`` in nats, with ``p`` floored at half a world."""
    return -np.log(np.maximum(np.asarray(p, dtype=float), 0.5 / max(worlds, 1)))

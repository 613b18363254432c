"""The per-world table names answer and blocker codes by the model's own constants."""

from __future__ import annotations

import trucesim
from trucesim.model.acceptance import ACCEPT, ANSWER_NAMES, COUNTER, PENDING, REJECT
from trucesim.model.mediation import BLOCKERS
from trucesim.run.outcomes import FIRST_ANSWERS, NO_BLOCKER


def test_first_answer_names_follow_the_answer_codes():
    assert FIRST_ANSWERS[PENDING] == "none"
    for code in (ACCEPT, COUNTER, REJECT):
        assert FIRST_ANSWERS[code] == ANSWER_NAMES[code]
    assert len(FIRST_ANSWERS) == len(ANSWER_NAMES) + 1
    assert BLOCKERS[NO_BLOCKER] == "none"


def test_outcome_columns_agree_with_the_codes(baseline):
    worlds = trucesim.simulate(baseline, worlds=2_000, seed=3)
    assert worlds["deal"].any() and (~worlds["deal"]).any()
    assert (worlds.loc[worlds["deal"], "blocker"] == "none").all()
    assert (worlds.loc[~worlds["deal"], "blocker"] != "none").all()
    for side in ("israel", "hamas"):
        accepted_first = worlds[f"{side}_accepted_first"]
        assert (accepted_first == (worlds[f"{side}_first_answer"] == "accept")).all()
    assert worlds["israel_accepted_first"].any()

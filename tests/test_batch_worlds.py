"""Particles simulated in one batch share their worlds; a posterior predictive run does not."""

from __future__ import annotations

import numpy as np

from trucesim.history.batch import round_shares
from trucesim.history.rounds import load_round, round_paths


def test_particles_share_their_worlds_unless_asked_not_to():
    scenario = load_round(round_paths(["april-2024"])[0])
    values = np.full((400, 1), float(scenario.value("actors.hamas.patience")))  # 400 identical particles
    shared = round_shares(scenario, ["actors.hamas.patience"], values, 1, (0, 1))
    own = round_shares(scenario, ["actors.hamas.patience"], values, 1, (0, 1), shared=False)
    # one world each: identical particles on a shared world reproduce the same facts; on their own worlds
    # they differ, as 400 independent worlds do
    assert (shared == shared[0]).all()
    assert not (own == own[0]).all()
    assert np.unique(own, axis=0).shape[0] > 1

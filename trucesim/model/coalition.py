"""Two-level ratification: coalition seat arithmetic and the opposition's safety net.

A deal counts only once the government carries it at home.  Partners whose red
lines the deal crosses may quit, taking their seats with them; if the seats left
fall below the majority the government falls, unless the opposition's safety
net holds and its seats carry the vote.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from trucesim.model.agents import CoalitionParty, Opposition


class Coalition:
    """The coalition partners and the opposition of one model, over all worlds."""

    def __init__(self, parties: list[CoalitionParty], opposition: Opposition | None, majority: np.ndarray):
        # sorted by id: exits are drawn party by party, so the order of tables in a file must not matter
        self.parties = sorted(parties, key=lambda p: p.actor_id)
        self.opposition = opposition
        self.majority = majority

    def seats(self, idx: np.ndarray) -> np.ndarray:
        """Seats of the partners still in the coalition."""
        total = np.zeros(idx.size)
        for party in self.parties:
            total += np.where(party.exited[idx], 0.0, party.seats[idx])
        return total

    def _net(self, idx):
        if self.opposition is None:
            z = np.zeros(idx.size)
            return z, z
        return self.opposition.net_seats[idx], self.opposition.credibility[idx]

    def fall_probability(self, terms: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Chance that bringing ``terms`` to a vote brings the government down.

        Sums over every combination of partners quitting (each independently,
        with its exit probability), counting those that leave fewer seats than
        the majority and that the safety net does not carry.

        Examples
        --------
        One 6-seat partner sure to quit a 64-seat coalition and no safety net:
        the government falls for certain (58 < 61).
        """
        fall = np.zeros(idx.size)
        if not self.parties:  # no coalition in the scenario: no vote to lose
            return fall
        q = [p.exit_probability(terms, idx) for p in self.parties]
        at_risk = self.seats(idx) < self.majority[idx]  # a coalition already short of a majority
        for qi in q:
            at_risk |= qi > 0
        if not at_risk.any():
            return fall
        # only worlds where some partner may quit can fall
        r = np.flatnonzero(at_risk)
        sub = idx[r]
        q = [qi[r] for qi in q]
        seats = self.seats(sub)
        majority = self.majority[sub]
        net_seats, net_cred = self._net(sub)
        live = [i for i, qi in enumerate(q) if qi.any()]
        total = np.zeros(sub.size)
        for combo in product((False, True), repeat=len(live)):
            prob = np.ones(sub.size)
            lost = np.zeros(sub.size)
            for i, quits in zip(live, combo):
                prob *= q[i] if quits else 1.0 - q[i]
                if quits:
                    lost += self.parties[i].seats[sub]
            left = seats - lost
            short = left < majority
            carried = (left + net_seats >= majority) * net_cred
            total += prob * short * (1.0 - carried)
        fall[r] = total
        return fall

    def ratify(self, terms: np.ndarray, idx: np.ndarray, rng: np.random.Generator):
        """Carry the deal to a vote in worlds ``idx``.

        Returns ``(ratified, fell, net_used, quitters)``: boolean arrays over
        ``idx`` and, for each party, whether it quit over this deal.
        """
        if not self.parties:  # no coalition in the scenario: nothing to ratify
            none = np.zeros(idx.size, bool)
            return ~none, none, none, []
        quitters = []
        for party in self.parties:
            quits = rng.random(idx.size) < party.exit_probability(terms, idx)
            quitters.append(quits)
        for party, quits in zip(self.parties, quitters):
            party.exited[idx[quits]] = True
        left = self.seats(idx)
        ok = left >= self.majority[idx]
        net_seats, net_cred = self._net(idx)
        net_holds = (rng.random(idx.size) < net_cred) & (left + net_seats >= self.majority[idx])
        net_used = ~ok & net_holds
        if self.opposition is not None:
            self.opposition.net_used[idx[net_used]] = True
        ratified = ok | net_used
        return ratified, ~ratified, net_used, quitters

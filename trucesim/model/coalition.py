"""Two-level ratification: partners who decide in turn, side payments, a deal vote and a confidence vote.

A deal the negotiators accept counts only once the government carries it at
home (Putnam 1988: the win-set of the second level).  The coalition partners
are veto players (Tsebelis 2002) whose threat is credible in proportion to
what it costs them:

1. **The safety net.** The opposition's offer holds in this ratification with
   its credibility (raised by US pressure on the government, ``sensitivity_us``).
2. **Partners decide in turn** (in id order) whether to quit over a deal that
   crosses one of their red lines.  Each knows whether it is *pivotal*: whether
   its seats are what keeps the government's majority, with no safety net to
   replace them.  Partners count on the net only where it holds and would
   replace every partner whose red line the deal crosses (none can know which
   of the others will quit): a net too small for that never makes a partner
   quit more readily, so a more credible net never lowers the chance of
   ratification, whatever the seats (:func:`net_covers`).  A partner that is
   not pivotal quits with its ``exit_credibility``; a pivotal one weighs the
   office it would lose
   (``office_value`` removes that share of its threat); US pressure on the
   government removes ``sensitivity_us`` of it per unit.
3. **Side payments.** Before a pivotal partner decides, the prime minister may
   offer it a side payment (``side_payments``): a promise that the war resumes
   after the pause.  A partner that takes it (``payment_acceptance``) stays and
   votes for the deal, and the promise binds the later phase of a deal that is
   signed (a lost vote or a fall leaves no pause to end): a permanent end
   that crosses that partner's red lines makes it quit for certain, with no
   second offer (:mod:`trucesim.model.phase_two`).
4. **The confidence vote.** The government falls only if the partners that stay
   hold fewer seats than a majority and the safety net does not replace the
   leavers; a fall ends the talks.
5. **The deal vote**, separate from confidence: the partners that stay and whose
   red lines the deal does not cross (or who took a side payment) vote for it,
   the others that stay against.  The text passes if its supporters outweigh
   its opponents within the coalition (the cabinet, by seats), or if its
   supporters and the safety net's seats, when it holds, reach a majority;
   otherwise the vote is lost, the deal is not signed, and the mediators
   revise the text.

The government foresees the confidence vote: :meth:`Coalition.fall_probability`
is the exact chance that taking ``terms`` to ratification brings it down,
summed over the paths of the partners' decisions.

Examples
--------
A 68-seat coalition whose 6-seat partner quits for certain keeps 62 >= 61 seats:
the government survives and the deal vote passes without the partner (see
``tests/test_mechanisms.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucesim.model import kernels
from trucesim.model.agents import CoalitionParty, Opposition
from trucesim.model.streams import EXIT, LATER_PHASE, NET, PAYMENT, Streams


def net_covers(seats: np.ndarray, crossed_seats: np.ndarray, net_seats: np.ndarray, majority: np.ndarray) -> np.ndarray:
    """Whether the safety net's seats would replace every partner whose red line the deal crosses.

    Partners count on the net (it makes them not pivotal) only where it covers them all:
    ``seats - crossed_seats + net_seats >= majority``, all in Knesset seats, per world.

    >>> net_covers(np.array([70.0, 70.0]), np.array([15.0, 15.0]), np.array([5.0, 24.0]), np.array([61.0, 61.0]))
    array([False,  True])
    """
    return seats - crossed_seats + net_seats >= majority


@dataclass
class Ratification:
    """What happened when a deal was taken home, over the worlds ``idx`` of :meth:`Coalition.ratify`.

    Every field is a boolean array over those worlds, except ``quitters`` and
    ``promised`` (one such array per party, in the coalition's order).  ``promised``
    marks the partners that took a side payment for a deal that was ratified: where the
    vote was lost or the government fell, no pause comes for the promise to end.
    """

    ratified: np.ndarray
    fell: np.ndarray
    vote_lost: np.ndarray
    net_used: np.ndarray
    quitters: list[np.ndarray]
    promised: list[np.ndarray]


class Coalition:
    """The coalition partners and the opposition of one model, over all worlds.

    Parameters
    ----------
    parties, opposition
        The scenario's coalition parties and its opposition (or ``None``).
    majority : ndarray
        Seats needed for a majority, per world.
    side_payments : ndarray
        Per world, the probability that the prime minister offers a pivotal partner a side payment.
    """

    def __init__(
        self,
        parties: list[CoalitionParty],
        opposition: Opposition | None,
        majority: np.ndarray,
        side_payments: np.ndarray,
    ) -> None:
        # sorted by id: partners decide in this order, so the order of tables in a file must not matter
        self.parties = sorted(parties, key=lambda p: p.actor_id)
        self.opposition = opposition
        self.majority = majority
        self.side_payments = side_payments

    def seats(self, idx: np.ndarray) -> np.ndarray:
        """Seats of the partners still in the coalition."""
        total = np.zeros(idx.size)
        for party in self.parties:
            total += np.where(party.exited[idx], 0.0, party.seats[idx])
        return total

    def net(self, idx: np.ndarray, us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The safety net's seats and its credibility under US pressure ``us`` (0..1) in worlds ``idx``."""
        if self.opposition is None:
            z = np.zeros(idx.size)
            return z, z
        o = self.opposition
        return o.net_seats[idx], np.minimum(1.0, o.credibility[idx] + o.sens_us[idx] * us)

    def _pivotal(
        self,
        left: np.ndarray,
        seats: np.ndarray,
        majority: np.ndarray,
        net_counted: np.ndarray | bool,
        net_seats: np.ndarray,
    ) -> np.ndarray:
        """Whether losing ``seats`` leaves the government short, with no safety net to replace them.

        ``net_counted`` (a boolean array, or one boolean for every world) says where the
        partners count on the net: it holds and covers every crossed partner (:func:`net_covers`).
        """
        after = left - seats
        if net_counted is False:
            return after < majority
        if net_counted is True:
            return after < majority - net_seats
        return (after < majority) & ~(net_counted & (after + net_seats >= majority))

    def _threat(self, party: CoalitionParty, idx: np.ndarray, pivotal: np.ndarray, us: np.ndarray) -> np.ndarray:
        """Probability the party quits over a crossed red line if no side payment keeps it."""
        office = 1.0 - party.office_value[idx] * pivotal
        return party.credibility[idx] * office * (1.0 - party.sens_us[idx] * us)  # both in 0..1

    def fall_probability(self, terms: np.ndarray, idx: np.ndarray, us: np.ndarray, binding: bool = False) -> np.ndarray:
        """Chance that taking ``terms`` to ratification brings the government down.

        Exact: sums over whether the safety net holds and over every path of the
        partners' decisions in turn (each partner's chance of quitting depends on
        whether the earlier exits made it pivotal).  ``binding`` marks the
        later phase, where a partner promised that the war resumes quits for
        certain over a crossed red line.
        """
        fall = np.zeros(idx.size)
        if not self.parties:  # no coalition in the scenario: no vote to lose
            return fall
        # a party without red lines crosses none: it can neither quit nor put the government at risk
        crossed = [p.crossed(terms, idx) & ~p.exited[idx] if p.line_terms.size else None for p in self.parties]
        seats = self.seats(idx)
        majority = self.majority[idx]
        at_risk = seats < majority  # a coalition already short of a majority
        for c in crossed:
            if c is not None:
                at_risk |= c
        if not at_risk.any():
            return fall
        r = np.flatnonzero(at_risk)
        sub = idx[r]
        maj = majority[r]
        us_r = us[r]
        net_seats, net_cred = self.net(sub, us_r)
        offer = self.side_payments[sub]
        # per live partner: seats, red line crossed, and its chance of quitting when pivotal or not
        live = []
        crossed_seats = np.zeros(sub.size)
        for i, c in enumerate(crossed):
            if c is None:
                continue
            c = c[r]
            if not c.any():
                continue
            party = self.parties[i]
            crossed_seats += party.seats[sub] * c
            base = party.credibility[sub] * (1.0 - party.sens_us[sub] * us_r) * c
            if binding:
                base = np.where(party.promised[sub], c, base)
                keep = np.where(party.promised[sub], 0.0, offer * party.payment_acceptance[sub])
            else:
                keep = offer * party.payment_acceptance[sub]
            when_pivotal = np.where(
                binding & party.promised[sub], base, base * (1.0 - party.office_value[sub]) * (1.0 - keep)
            )
            live.append((party.seats[sub], base, when_pivotal))
        # both states of the safety net and every path of decisions, in a compiled loop that adds the
        # paths in the order the decisions are taken (net holding first, quitting before staying)
        if live:
            party_seats, base_q, pivotal_q = (np.stack(x) for x in zip(*live))
        else:
            party_seats = base_q = pivotal_q = np.zeros((0, sub.size))
        covers = net_covers(seats[r], crossed_seats, net_seats, maj)
        total = kernels.fall_paths(seats[r], maj, net_seats, net_cred, covers, party_seats, base_q, pivotal_q)
        fall[r] = total
        return fall

    def ratify(
        self,
        terms: np.ndarray,
        idx: np.ndarray,
        us: np.ndarray,
        streams: Streams,
        counter: np.ndarray | int = 0,
        binding: bool = False,
    ) -> Ratification:
        """Carry the deal home in worlds ``idx`` (see the module docstring for the order of events).

        ``us`` is the US pressure on the government there (0..1).  The draws are
        addressed (:mod:`trucesim.model.streams`) by ``counter`` (the round), the
        party and the phase: one for the safety net, then two per partner (the
        side payment and the exit).
        """
        n = idx.size
        none = np.zeros(n, bool)
        if not self.parties:  # no coalition in the scenario: nothing to ratify
            return Ratification(~none, none, none, none, [], [])
        majority = self.majority[idx]
        net_seats, net_cred = self.net(idx, us)
        later = LATER_PHASE if binding else 0
        net_holds = streams.uniform(idx, NET, counter, later) < net_cred
        left = self.seats(idx)
        crossed_by = [
            party.crossed(terms, idx) & ~party.exited[idx] if party.line_terms.size else none for party in self.parties
        ]
        crossed_seats = sum((party.seats[idx] * c for party, c in zip(self.parties, crossed_by)), np.zeros(n))
        counted = net_holds & net_covers(left, crossed_seats, net_seats, majority)
        yes = np.zeros(n)
        no = np.zeros(n)
        quitters, promised = [], []
        offer = self.side_payments[idx]
        for i, (party, crossed) in enumerate(zip(self.parties, crossed_by)):
            u = (streams.uniform(idx, PAYMENT, counter, later + i), streams.uniform(idx, EXIT, counter, later + i))
            s = party.seats[idx]
            inside = ~party.exited[idx]
            if not party.line_terms.size:  # no red line to cross: it stays and votes for the deal
                yes += s * inside
                quitters.append(none)
                promised.append(none)
                continue
            forced = crossed & party.promised[idx] if binding else none
            piv = self._pivotal(left, s, majority, counted, net_seats)
            took = crossed & ~forced & piv & (u[0] < offer * party.payment_acceptance[idx])
            quits = forced | (crossed & ~took & (u[1] < self._threat(party, idx, piv, us)))
            party.exited[idx[quits]] = True
            left -= s * quits
            yes += s * (inside & ~quits & (~crossed | took))
            no += s * (crossed & ~quits & ~took)
            quitters.append(quits)
            promised.append(took)
        fell = (left < majority) & ~(net_holds & (left + net_seats >= majority))
        cabinet = yes > no
        passes = cabinet | (yes + net_seats * net_holds >= majority)
        # the net carried the government (its seats replaced the leavers) or the deal (its votes passed it)
        net_used = ~fell & net_holds & ((left < majority) | (~cabinet & passes))
        if self.opposition is not None:
            self.opposition.net_used[idx[net_used]] = True
        ratified = ~fell & passes
        # a promise binds only the pause of a deal that is signed: a lost vote or a fall leaves no pause to end
        promised = [took & ratified for took in promised]
        if not binding:
            for party, took in zip(self.parties, promised):
                party.promised[idx[took]] = True
        return Ratification(ratified, fell, ~fell & ~passes, net_used, quitters, promised)

"""Every parameter a scenario file may set: its range, default, unit and meaning.

This table is the single source for validation (:mod:`trucesim.config.scenario`), for
the model's defaults and for the parameter list of ``docs/ODD.md``.  Keys are
dotted paths below a section: ``context.us_pressure``,
``actors.<id>.weights.withdrawal`` (an actor's keys depend on its ``kind``).
"""

from __future__ import annotations

from dataclasses import dataclass

from trucesim.config.terms import TERM_NAMES, TERMS


@dataclass(frozen=True)
class Param:
    """A numeric scenario parameter.

    ``per_world=False`` marks parameters that shape the calendar (horizon,
    deadlines) and so must be one number for all worlds, never a distribution.
    """

    name: str
    low: float
    high: float
    default: float | None
    unit: str
    meaning: str
    integer: bool = False
    per_world: bool = True

    @property
    def required(self) -> bool:
        return self.default is None


def _p(name, low, high, default, unit, meaning, **kw) -> Param:
    return Param(name, low, high, default, unit, meaning, **kw)


TERM_PARAMS = {t.name: _p(t.name, t.low, t.high, t.default, t.unit, t.meaning, integer=t.integer) for t in TERMS}

CONTEXT_PARAMS = {
    p.name: p
    for p in [
        _p("hostages_seized", 0, 1000, 0, "people", "hostages seized on October 7", integer=True),
        _p("hostages_held", 0, 1000, None, "people", "hostages still held at day 0, living or dead", integer=True),
        _p("hostages_dead", 0, 1000, None, "people", "of those held, believed dead at day 0", integer=True),
        _p(
            "category_share",
            0,
            1,
            0.4,
            "share",
            "share of living hostages in the categories of the first phase (women, elderly, sick)",
        ),
        _p("knesset_seats", 1, 1000, 120, "seats", "seats in the Knesset", integer=True),
        _p("knesset_majority", 1, 1000, None, "seats", "seats a government needs to survive", integer=True),
        _p("us_pressure", 0, 1, None, "0..1", "United States pressure on Israel's government at day 0"),
        _p("family_pressure", 0, 1, None, "0..1", "hostage families' pressure on the government at day 0"),
        _p("military_pressure", 0, 1, None, "0..1", "military pressure on Hamas at day 0"),
        _p("humanitarian_crisis", 0, 1, None, "0..1", "severity of the humanitarian crisis in Gaza at day 0"),
        _p("international_isolation", 0, 1, None, "0..1", "Israel's international isolation at day 0"),
        _p(
            "killed_october_7",
            0,
            1e7,
            0,
            "people",
            "people killed in the October 7 attack (context only)",
            integer=True,
        ),
        _p("killed_gaza", 0, 1e7, 0, "people", "people killed in Gaza at day 0 (context only)", integer=True),
        _p("soldiers_lost", 0, 1e6, 0, "people", "Israeli soldiers lost in Gaza at day 0 (context only)", integer=True),
        _p("rafah_sheltering", 0, 1e8, 0, "people", "people sheltering in Rafah (context only)", integer=True),
        _p("rafah_battalions", 0, 100, 0, "battalions", "Hamas battalions in Rafah (context only)", integer=True),
        _p("daily_deaths_gaza", 0, 5000, 100, "people/day", "deaths in Gaza per day of fighting, before an offensive"),
        _p(
            "isolation_per_1000_deaths",
            0,
            1,
            0.01,
            "0..1 per 1,000 deaths",
            "rise of international isolation per 1,000 deaths in Gaza",
        ),
        _p("hunger_growth", 0, 1, 0.002, "0..1 per day", "daily worsening of the humanitarian crisis while fighting"),
        _p(
            "aid_relief",
            0,
            1,
            0.004,
            "0..1 per day at full aid",
            "daily easing of the crisis during a pause at the full scale of aid (600 trucks a day)",
        ),
        _p(
            "hostage_daily_hazard",
            0,
            1,
            0.001,
            "per day",
            "daily probability that a living hostage dies in captivity while fighting goes on",
        ),
        _p("offensive_hazard_multiplier", 1, 100, 2.0, "times", "hostage hazard multiplier during the Rafah offensive"),
        _p("offensive_deaths_multiplier", 1, 100, 2.0, "times", "daily deaths multiplier during the Rafah offensive"),
        _p(
            "offensive_military_pressure",
            0,
            1,
            0.2,
            "0..1",
            "rise of military pressure on Hamas when the Rafah offensive starts",
        ),
        _p("offensive_us_pressure", 0, 1, 0.1, "0..1", "rise of US pressure when the Rafah offensive starts"),
        _p(
            "soldiers_lost_per_day",
            0,
            100,
            0,
            "soldiers/day",
            "Israeli soldiers lost per day of fighting, before an offensive (doubled by it, like the toll)",
        ),
    ]
}

PROTOCOL_PARAMS = {
    p.name: p
    for p in [
        _p(
            "horizon_days",
            1,
            2000,
            180,
            "days",
            "days simulated from the tabling of the framework",
            integer=True,
            per_world=False,
        ),
        _p(
            "deadline_days",
            1,
            365,
            None,
            "days",
            "deadline the mediators set for an answer to each proposal",
            integer=True,
            per_world=False,
        ),
        _p("max_rounds", 1, 100, None, "rounds", "proposals the mediators table before they walk away", integer=True),
        _p(
            "mediator_step",
            0,
            1,
            None,
            "share",
            "how far a revision moves toward the rejecting side's counter-proposal",
        ),
        _p(
            "revision_days_min",
            0,
            365,
            5,
            "days",
            "fewest days the mediators take to table a revised proposal",
            integer=True,
        ),
        _p(
            "revision_days_max",
            0,
            365,
            14,
            "days",
            "most days the mediators take to table a revised proposal",
            integer=True,
        ),
        _p("walk_away_prob", 0, 1, 0.05, "per failed round", "probability the mediators stop after a failed round"),
        _p(
            "keep_acceptance_share",
            0,
            1,
            0.8,
            "share",
            "a revision must keep the side that accepted at least this share of its estimated chance of "
            "accepting the current text",
        ),
        _p(
            "instalment_days",
            1,
            365,
            7,
            "days",
            "days between instalments of hostage releases during the pause",
            integer=True,
        ),
        _p(
            "commitment_weight",
            0,
            1,
            0.3,
            "utility",
            "extra utility of a permanent end at the end of the pause, per unit of permanent_ceasefire times guarantees",
        ),
        _p(
            "extension_days_max",
            0,
            365,
            0,
            "days",
            "days the pause may be extended one at a time (November 2023: 3)",
            integer=True,
        ),
        _p(
            "hostages_per_extension_day",
            1,
            300,
            10,
            "hostages",
            "hostages released for each extra day of pause",
            integer=True,
        ),
    ]
}

_WEIGHT = "relative weight of the term in the actor's utility"
_IDEAL = "the actor's ideal normalised value of the term (0..1)"

_PREFERENCES = {
    **{f"weights.{t}": _p(f"weights.{t}", 0, 100, 0, "weight", _WEIGHT) for t in TERM_NAMES},
    **{f"ideal.{t}": _p(f"ideal.{t}", 0, 1, 0, "0..1", _IDEAL) for t in TERM_NAMES},
    "reservation": _p(
        "reservation", -1, 2, None, "utility", "worth of continuing the war at day 0 (utility of no deal)"
    ),
    "truce_value": _p("truce_value", -1, 1, 0, "utility", "utility of a truce as such, on top of its terms"),
    "rationality": _p("rationality", 0, 1000, 10, "1/utility", "logit precision lambda: large is near-deterministic"),
    "study_days_min": _p("study_days_min", 0, 365, 1, "days", "fewest days taken to answer a proposal", integer=True),
    "study_days_max": _p("study_days_max", 0, 365, 3, "days", "most days taken to answer a proposal", integer=True),
    "counter_step": _p(
        "counter_step", 0, 1, 0.5, "share", "how far a counter-proposal moves from the tabled terms toward the ideal"
    ),
    "breach_daily": _p(
        "breach_daily", 0, 1, 0.003, "per day", "daily probability of a breach during the pause, without guarantees"
    ),
    "guarantee_effect": _p(
        "guarantee_effect", 0, 1, 0.7, "share", "share of the breach risk removed by full guarantees"
    ),
    "deadline_cost": _p(
        "deadline_cost",
        0,
        2,
        0,
        "utility",
        "public blame the side expects to bear if a deadline passes without its acceptance",
    ),
}

KIND_PARAMS: dict[str, dict[str, Param]] = {
    "government": {
        **_PREFERENCES,
        **{
            p.name: p
            for p in [
                _p(
                    "sensitivity_us",
                    0,
                    10,
                    0.2,
                    "utility per unit",
                    "how much US pressure lowers the worth of continuing the war",
                ),
                _p(
                    "sensitivity_family",
                    0,
                    10,
                    0.2,
                    "utility per unit",
                    "how much hostage families' pressure lowers it",
                ),
                _p(
                    "sensitivity_isolation",
                    0,
                    10,
                    0.1,
                    "utility per unit",
                    "how much international isolation lowers it",
                ),
                _p(
                    "survival_weight",
                    0,
                    10,
                    0.3,
                    "utility",
                    "utility the government loses if it expects a deal to bring it down",
                ),
                _p(
                    "offensive_daily_prob",
                    0,
                    1,
                    0.02,
                    "per day",
                    "daily probability of launching the Rafah offensive once a deadline has passed without a deal",
                ),
                _p(
                    "offensive_value",
                    -1,
                    1,
                    0.05,
                    "utility",
                    "rise in the worth of continuing the war once the offensive runs",
                ),
                _p(
                    "sensitivity_losses",
                    0,
                    10,
                    0,
                    "utility per 100 soldiers",
                    "how much the soldiers lost since the talks began lower the worth of continuing the war",
                ),
                _p(
                    "sensitivity_hostage_deaths",
                    0,
                    10,
                    0,
                    "utility per share",
                    "how much hostage deaths in captivity since the talks began (share of the living) lower it",
                ),
                _p(
                    "side_payments",
                    0,
                    1,
                    0,
                    "probability",
                    "probability the prime minister offers a pivotal partner a side payment (the war resumes after "
                    "the pause) to keep it in the coalition",
                ),
            ]
        },
    },
    "armed_group": {
        **_PREFERENCES,
        **{
            p.name: p
            for p in [
                _p(
                    "sensitivity_military",
                    0,
                    10,
                    0.2,
                    "utility per unit",
                    "how much military pressure lowers the worth of continuing the war",
                ),
                _p(
                    "sensitivity_humanitarian",
                    0,
                    10,
                    0.2,
                    "utility per unit",
                    "how much the humanitarian crisis and hunger lower it",
                ),
                _p(
                    "sensitivity_mediators",
                    0,
                    10,
                    0.1,
                    "utility per unit",
                    "how much Egyptian and Qatari leverage lowers it",
                ),
                _p(
                    "patience",
                    0,
                    10,
                    0.2,
                    "utility per unit",
                    "how much Israel's isolation raises it: the hope that international pressure ends the war",
                ),
                _p(
                    "leverage_value",
                    0,
                    10,
                    0.3,
                    "utility",
                    "worth of the leverage of the living hostages it holds (per unit of their share at day 0)",
                ),
                _p(
                    "sensitivity_attrition",
                    0,
                    10,
                    0,
                    "utility per month",
                    "how much its military losses since the talks began (months of fighting at full military "
                    "pressure) lower the worth of continuing the war",
                ),
                _p(
                    "sensitivity_hardship",
                    0,
                    10,
                    0,
                    "utility per month",
                    "how much the accumulated humanitarian crisis since the talks began (months at full severity) "
                    "lowers it",
                ),
            ]
        },
    },
    "coalition_party": {
        p.name: p
        for p in [
            _p("seats", 0, 1000, None, "seats", "Knesset seats of the party", integer=True),
            *[
                _p(
                    f"red_lines.{t.name}",
                    t.low,
                    t.high,
                    t.high,
                    t.unit,
                    f"largest {t.name} the party tolerates (raw units); beyond it the party may quit",
                )
                for t in TERMS
            ],
            _p(
                "exit_credibility",
                0,
                1,
                1.0,
                "probability",
                "probability the party quits when a deal crosses a red line and it is not pivotal",
            ),
            _p(
                "office_value",
                0,
                1,
                0,
                "share",
                "share of its exit threat that the value of office removes when quitting would bring the "
                "government down (the party is pivotal)",
            ),
            _p(
                "payment_acceptance",
                0,
                1,
                0,
                "probability",
                "probability the party takes a side payment offered when it is pivotal, and stays",
            ),
            _p(
                "sensitivity_us",
                0,
                1,
                0,
                "share per unit",
                "share of its exit threat removed per unit of US pressure on the government",
            ),
        ]
    },
    "opposition": {
        p.name: p
        for p in [
            _p("seats", 0, 1000, None, "seats", "Knesset seats of the opposition", integer=True),
            _p("safety_net_seats", 0, 1000, 0, "seats", "opposition seats offered to carry a deal vote", integer=True),
            _p("safety_net_credibility", 0, 1, 0, "probability", "probability the safety net holds when needed"),
            _p(
                "sensitivity_us",
                0,
                1,
                0,
                "probability per unit",
                "rise of the safety net's credibility per unit of US pressure on the government",
            ),
        ]
    },
    "mediator": {
        p.name: p
        for p in [
            _p("leverage", 0, 1, 0.0, "0..1", "pressure the mediator brings on its target at day 0"),
            _p(
                "leverage_step",
                0,
                1,
                0.05,
                "0..1 per missed deadline",
                "rise of that pressure each time a deadline passes",
            ),
            _p(
                "leverage_humanitarian",
                0,
                1,
                0.0,
                "0..1 per unit",
                "rise of the pressure with the humanitarian crisis (US support 'dependent on ... the humanitarian situation')",
            ),
            _p(
                "estimate_noise",
                0,
                10,
                0.1,
                "utility",
                "standard deviation of the mediator's estimate of a side's utility gap",
            ),
        ]
    },
    "hostage_families": {
        p.name: p
        for p in [
            _p(
                "growth_per_day",
                0,
                1,
                0.002,
                "0..1 per day",
                "daily rise of the families' pressure while hostages are held",
            ),
            _p("per_death", 0, 1, 0.02, "0..1 per death", "rise of the pressure with each hostage death reported"),
        ]
    },
}

#: string-valued keys: kind of actor and, for mediators, who they press
ACTOR_KINDS = tuple(KIND_PARAMS)
MEDIATOR_TARGETS = ("government", "armed_group")
#: ``[meta]`` keys: strings describing the file they are in (never inherited through ``extends``);
#: ``date`` (YYYY-MM or YYYY-MM-DD, optional) is when a round's text was tabled, for time order
META_KEYS = ("name", "description", "source", "date")
#: an actor's keys that are strings, not parameters: its kind, its label, a mediator's target
ACTOR_STRING_KEYS = ("kind", "label", "target")

SECTIONS: dict[str, dict[str, Param]] = {
    "terms": TERM_PARAMS,
    "context": CONTEXT_PARAMS,
    "protocol": PROTOCOL_PARAMS,
}

"""Names of the outcome measures that options such as ``trucesim design --maximize`` choose among.

A module of its own so that the command line can list them without importing the model.
"""

#: what ``--maximize`` accepts
OBJECTIVES = ("p_deal", "p_deal_first_text", "p_permanent", "hostages_released_mean")
#: what ``--versus`` accepts: the second axis of the Pareto front (the first is p_deal)
VERSUS = ("p_deal_first_text", "p_permanent", "hostages_released_mean", "hostages_died_mean", "p_government_falls")

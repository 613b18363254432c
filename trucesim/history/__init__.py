"""History as data: the historical rounds, the backtest that scores the model on them, and the calibration.

Stage 3 of the pipeline (it runs the model, like :mod:`trucesim.sweep`): :mod:`.rounds`
finds the round files, :mod:`.facts` turns per-world outcomes into the probability the model
gives each observed fact, :mod:`.scores` scores those probabilities, :mod:`.backtest` runs
rounds into a scorecard, and :mod:`.calibrate` fits assumption values to the rounds with pyabc.
"""

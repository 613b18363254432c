"""History as data: the historical rounds, the backtest that scores the model on them, and the calibration.

Stage 3 of the pipeline (it runs the model, like :mod:`trucesim.sweep`):

- :mod:`.rounds` finds the round files (scenarios with an ``[observed]`` table);
- :mod:`.facts` turns per-world outcomes into the probability the model gives each observed fact,
  and :mod:`.scores` scores it (hit, Brier, log);
- :mod:`.backtest` runs rounds into a scorecard;
- :mod:`.batch` simulates many parameter sets at once, :mod:`.sampler` hands them to pyabc
  deterministically, :mod:`.calibrate` fits assumption values to the rounds (ABC-SMC) and
  :mod:`.posterior` summarises the fit and writes its parameter file;
- :mod:`.validate` checks the fit out of sample: leave-one-round-out cross-validation.
"""

"""A pyabc sampler that simulates particles in batches, the same way whatever the workers.

pyabc asks a sampler for ``n`` accepted particles and hands it ``simulate_one``, which
draws a parameter set (from the prior, or by perturbing the last generation), simulates
it through the model and accepts or rejects it.  Simulating particles one at a time
would be slow here (:mod:`trucesim.history.batch`), and pyabc's parallel samplers
reseed from the clock, so their results change from run to run.  This sampler:

1. draws a batch of parameter sets by calling ``simulate_one`` with numpy's global
   random state seeded per particle; the model (:class:`BatchModel`) records the
   parameters and stops the call (:class:`Recorded`);
2. simulates the whole batch at once, on the executor;
3. calls ``simulate_one`` again for each particle, in order, with the same seed: the
   same parameters are drawn, the model returns the batch's result, and pyabc computes
   the distance and accepts as usual.  Particles past the ``n``-th accepted one are
   dropped, so a generation is the same whatever the batch's size or the workers.

Seeds come from ``(seed, generation, batch, particle)`` only.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pyabc
from pyabc.sampler import Sampler


class Recorded(Exception):
    """Raised by :class:`BatchModel` in the recording pass, once it has the parameters."""


class BatchModel(pyabc.Model):
    """A pyabc model whose results come from a batch simulated beforehand.

    In the recording pass ``sample`` stores the parameters and raises :class:`Recorded`;
    in the replay pass it returns the summary statistics set for this particle.
    """

    def __init__(self, keys: list[str]):
        super().__init__(name="trucesim")
        self.keys = keys
        self.recording = False
        self.recorded: dict | None = None
        self.result: dict | None = None

    def sample(self, pars):
        if self.recording:
            self.recorded = {k: float(pars[k]) for k in self.keys}
            raise Recorded
        if self.result is None:  # pragma: no cover - a bug in the sampler
            raise RuntimeError("BatchModel: no result set for this particle")
        return self.result


def particle_seed(seed: int, t: int, batch: int, i: int) -> int:
    """The numpy seed of particle ``i`` of batch ``batch`` in generation ``t`` (``t`` from -1, pyabc's prior pass).

    >>> particle_seed(0, 0, 0, 1) == particle_seed(0, 0, 0, 1) != particle_seed(0, 0, 0, 2)
    True
    """
    return int(np.random.SeedSequence(seed, spawn_key=(t + 1, batch, i)).generate_state(1)[0])


class BatchSampler(Sampler):
    """Deterministic batched sampling for pyabc (see the module's docstring).

    ``simulate_batch(t, batch, params)`` takes a list of parameter dicts and returns
    one summary-statistics dict for each; ``on_progress(t, accepted, n, evaluations)``
    is told after each batch.
    """

    def __init__(
        self,
        model: BatchModel,
        simulate_batch: Callable[[int, int, list[dict]], list[dict]],
        seed: int,
        batch_size: int,
        on_progress: Callable[[int, int, int, int], None] | None = None,
    ):
        super().__init__()
        self.model = model
        self.simulate_batch = simulate_batch
        self.seed = seed
        self.batch_size = batch_size
        self.on_progress = on_progress

    def _draw(self, simulate_one, s: int):
        np.random.seed(s)
        random.seed(s)
        return simulate_one()

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        sample = self._create_empty_sample()
        evaluations = 0
        batch = 0
        rate = 1.0
        while sample.n_accepted < n and evaluations < max_eval:
            missing = n - sample.n_accepted
            # enough particles for the missing ones at the rate seen so far, within bounds
            size = int(min(max(missing / max(rate, 0.05), self.batch_size // 4, 1), 4 * self.batch_size))
            seeds = [particle_seed(self.seed, t, batch, i) for i in range(size)]
            params = []
            self.model.recording = True
            try:
                for s in seeds:
                    try:
                        self._draw(simulate_one, s)
                    except Recorded:
                        assert self.model.recorded is not None, "set just before Recorded is raised"
                        params.append(self.model.recorded)
                    else:  # pragma: no cover - pyabc never evaluates without the model
                        raise RuntimeError("BatchSampler: a particle was evaluated without the model")
            finally:
                self.model.recording = False
            results = self.simulate_batch(t, batch, params)
            accepted_here = 0
            for s, result in zip(seeds, results, strict=True):
                self.model.result = result
                particle = self._draw(simulate_one, s)
                evaluations += 1
                sample.append(particle)
                accepted_here += bool(particle.accepted)
                if sample.n_accepted >= n:
                    break
            rate = max(accepted_here / size, 1.0 / (4 * size))
            batch += 1
            if self.on_progress is not None:
                self.on_progress(t, sample.n_accepted, n, evaluations)
        self.model.result = None
        self.nr_evaluations_ = evaluations
        if sample.n_accepted < n:
            sample.ok = False
        return sample

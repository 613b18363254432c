"""A run that only summarises ships the summary's columns from its workers: the same numbers as one process."""

from __future__ import annotations

from .conftest import BASELINE
from .test_frictions import cli


def test_a_summary_is_the_same_with_one_or_two_workers(capsys):
    outs = []
    for workers in (1, 2):
        code, out, err = cli(
            capsys, "run", BASELINE, "--worlds", 20_001, "--seed", 5, "--format", "json", "--workers", workers
        )
        assert code == 0, err
        outs.append(out)
    assert outs[0] == outs[1]
    assert '"worlds": 20001' in outs[0]

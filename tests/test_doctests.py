"""The examples in the core modules' docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["trucesim.terms", "trucesim.distributions", "trucesim.agents", "trucesim.outcomes",
           "trucesim.simulate", "trucesim.scenario", "trucesim.model"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    from .conftest import ROOT
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

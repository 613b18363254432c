"""The examples in every module's docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import trucesim

MODULES = ["trucesim"] + sorted(  # the package's own docstring, then every module
    m.name for m in pkgutil.walk_packages(trucesim.__path__, "trucesim.") if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    from .conftest import ROOT

    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_examples_are_many():
    """A walk that found no module, or modules without examples, would pass the test above vacuously."""
    total = 0
    for name in MODULES:
        finder = doctest.DocTestFinder()
        total += sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
    assert len(MODULES) > 20 and total > 60

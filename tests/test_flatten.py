"""The one flattener (trucesim.config.flatten) and the places that use it."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from trucesim.config.flatten import flat_items, flatten


def test_nested_tables_become_dotted_names_in_order():
    tree = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    assert list(flatten(tree)) == ["a.b", "a.c.d", "e"]
    assert flatten(tree, "x.")["x.a.c.d"] == 2


def test_empty_tables_and_lists_are_leaves():
    assert flatten({"a": {}, "b": []}) == {"a": {}, "b": []}
    assert flatten({"a": {"b": [1, {"c": 2}]}}, lists=True) == {"a.b[0]": 1, "a.b[1].c": 2}
    assert flatten({"a": [1, 2]}) == {"a": [1, 2]}


def test_leaf_rule_and_key_check_are_the_callers():
    tree = {"k": {"value": 1, "source": "s"}, "t": {"u": {"dist": "uniform"}}}
    assert flatten(tree, is_leaf=lambda v: "value" in v or "dist" in v) == {
        "k": {"value": 1, "source": "s"},
        "t.u": {"dist": "uniform"},
    }

    def refuse(prefix: str, key: str) -> None:
        if key == "bad":
            raise ValueError(prefix + key)

    with pytest.raises(ValueError, match="t.bad"):
        flatten({"t": {"bad": 1}}, check_key=refuse)


def test_duplicate_spellings_both_come_out():
    assert list(flat_items({"a.b": 1, "a": {"b": 2}})) == [("a.b", 1), ("a.b", 2)]


def test_no_other_module_defines_its_own_flattener():
    import trucesim.analysis.compare as compare
    import trucesim.config.scenario_files as scenario
    import trucesim.sweep.experiment as experiment
    import trucesim.sweep.manifest as manifest
    import trucesim.sweep.store as store

    for module in (compare, scenario, experiment, manifest):
        source = inspect.getsource(module)
        assert "config.flatten import" in source, module.__name__
    assert not hasattr(store, "_flat") and not hasattr(store, "_flat_all")


def test_experiment_factor_written_two_ways_is_refused(tmp_path: Path):
    from trucesim.sweep.experiment import ExperimentError, load_experiment

    scen = Path(__file__).resolve().parents[1] / "scenarios" / "april-2024.toml"
    text = (
        f'scenario = "{scen}"\nworlds_per_point = 10\n[design]\nkind = "grid"\n'
        '[factors."context.us_pressure"]\nlow = 0.1\nhigh = 0.5\nsteps = 2\n'
        "[factors.context.us_pressure]\nlow = 0.1\nhigh = 0.5\nsteps = 2\n"
    )
    f = tmp_path / "e.toml"
    f.write_text(text)
    with pytest.raises(ExperimentError, match="expected one table per factor"):
        load_experiment(f)


def test_resume_names_the_design_key_that_differs(tmp_path: Path):
    from trucesim.sweep.manifest import check_same_design
    from trucesim.sweep.store import StoreError

    manifest = {"design": {"kind": "grid", "levels": [[1, 2], [3]]}}
    check_same_design(manifest, {"kind": "grid", "levels": [[1, 2], [3]]}, tmp_path, "e.toml")
    with pytest.raises(StoreError, match=r"design\.levels\[0\]\[1\]: expected 5 .*found 2"):
        check_same_design(manifest, {"kind": "grid", "levels": [[1, 5], [3]]}, tmp_path, "e.toml")
    with pytest.raises(StoreError, match=r"design\.kind: expected \"grid\""):
        check_same_design({"design": "edited"}, {"kind": "grid"}, tmp_path, "e.toml")

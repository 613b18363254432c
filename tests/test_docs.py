"""Documentation stays in step with the code: ODD parameter tables, scenario provenance."""

from __future__ import annotations

import re
import tomllib

from trucesim.config.paramdoc import render
from trucesim.config.params import KIND_PARAMS, SECTIONS

from .conftest import BASELINE, ROOT, SCENARIOS


def test_odd_parameter_tables_are_current(baseline):
    odd = (ROOT / "docs" / "ODD.md").read_text()
    assert render(odd, baseline) == odd, "run: python -m trucesim.config.paramdoc"


def test_odd_lists_every_parameter():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for table in [*SECTIONS.values(), *KIND_PARAMS.values()]:
        for name in table:
            assert f"`{name}`" in odd, name


def _leaves(table, prefix=""):
    for k, v in table.items():
        if isinstance(v, dict) and not ({"value", "dist"} & set(v)):
            yield from _leaves(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def test_every_shipped_parameter_names_its_source():
    for f in sorted(SCENARIOS.glob("*.toml")):
        raw = tomllib.loads(f.read_text())
        for key, v in _leaves({k: raw[k] for k in ("terms", "context", "protocol", "actors") if k in raw}):
            if key.endswith((".kind", ".label", ".target")):
                continue
            assert isinstance(v, dict) and isinstance(v.get("source"), str) and v["source"].strip(), (f.name, key)


def test_baseline_holds_the_article_figures(baseline):
    expected = {
        "context.hostages_seized": 250,
        "context.hostages_held": 129,
        "context.hostages_dead": 34,
        "context.killed_october_7": 1170,
        "context.killed_gaza": 33482,
        "context.soldiers_lost": 260,
        "context.rafah_sheltering": 1_500_000,
        "context.rafah_battalions": 4,
        "protocol.deadline_days": 2,
        "terms.pause_days": 42,
        "terms.hostages_released": 40,
    }
    for key, v in expected.items():
        assert baseline.value(key) == v, key
    assert BASELINE.name == "april-2024.toml"


def test_odd_names_every_column_of_the_per_world_table(baseline):
    """ODD section 7.8 (the README's link for ``run --out``) names every column, actors and terms by pattern."""
    from trucesim.run.simulate import simulate

    odd = (ROOT / "docs" / "ODD.md").read_text()
    section = odd[odd.index("### 7.8 Outcomes per world") : odd.index("## 8. Parameters")]
    named = set(re.findall(r"`([^`]+)`", section))
    actors = sorted(baseline.actors, key=len, reverse=True)
    missing = []
    for col in simulate(baseline, 20, seed=0).columns:
        pattern = col
        if col.startswith("terms_"):
            pattern = "terms_<term>"
        for a in actors:
            if col.startswith(f"exit_{a}") or col.startswith(f"promise_{a}"):
                pattern = col.replace(a, "<party>")
                break
            if col.startswith(f"{a}_"):
                pattern = col.replace(a, "<id>", 1)
                break
        if pattern not in named:
            missing.append(col)
    assert missing == []

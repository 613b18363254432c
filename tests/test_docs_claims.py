"""What the README, CONTRIBUTING.md and docs/ say about the code, checked against the code where that is cheap.

Each test reads a document and names the claim it checks, so a change to the code that leaves a
document behind fails here, with the document and the claim in the message.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import re
from pathlib import Path

import pytest

from trucesim.cli import build_parser
from trucesim.config.terms import TERMS
from trucesim.report.validation import by_fact_lines

from .conftest import ROOT, cli

README = ROOT / "README.md"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
ALL_DOCS = [README, CONTRIBUTING, *DOCS]
PACKAGE = ROOT / "trucesim"

_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
NUMBER_WORDS = {w: i for i, w in enumerate(_NUMBERS.split(" "))}


def _doc_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _code_block(text: str, after: str) -> str:
    """The first fenced code block after the heading or line ``after``."""
    rest = text[text.index(after) :]
    m = re.search(r"```[a-z]*\n(.*?)```", rest, re.S)
    assert m, f"no code block after {after!r}"
    return m.group(1)


def _subparsers() -> dict:
    parser, _ = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(action.choices)


def test_readme_names_every_json_key_of_run():
    out = cli("run", "april-2024", "--worlds", 200, "--format", "json", check=True).stdout
    readme = README.read_text()
    start = readme.index("`--format json` prints")
    sentence = readme[start : readme.index("`--out` writes", start)]
    missing = [k for k in json.loads(out) if f"`{k}`" not in sentence]
    assert not missing, f"README.md: `trucesim run --format json` prints keys the README's list lacks: {missing}"


def test_readme_scenario_table_lists_every_shipped_scenario():
    readme = README.read_text()
    missing = [p.name for p in sorted((ROOT / "scenarios").glob("*.toml")) if f"`scenarios/{p.name}`" not in readme]
    assert not missing, f"README.md: the scenario table lacks {missing}"


def test_readme_commands_exist_with_their_options():
    subparsers = _subparsers()
    block = _code_block(README.read_text(), "## Commands")
    lines = [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip().startswith("trucesim ")]
    assert len(lines) >= len(subparsers), "README.md: the Commands block lists fewer lines than there are commands"
    listed = set()
    for line in lines:
        name = line.split()[1]
        assert name in subparsers, f"README.md Commands: 'trucesim {name}' is not a command"
        listed.add(name)
        options = subparsers[name]._option_string_actions
        for m in re.finditer(r"(--[a-z][a-z-]*)(?:[ =]([\w.-]+(?:\|[\w.:/-]+)+))?", line):
            option, choices = m.group(1), m.group(2)
            assert option in options, f"README.md Commands: 'trucesim {name}' has no option {option}"
            allowed = options[option].choices
            if choices and allowed is not None:
                unknown = [c for c in choices.split("|") if c not in allowed and not c.isupper()]
                assert not unknown, f"README.md Commands: 'trucesim {name} {option}' does not accept {unknown}"
    assert listed == set(subparsers), f"README.md Commands: commands not listed: {set(subparsers) - listed}"


@pytest.mark.parametrize("doc", ALL_DOCS, ids=_doc_id)
def test_the_number_of_terms_stated_is_the_number_of_terms(doc):
    text = doc.read_text()
    words = "|".join(NUMBER_WORDS)
    stated = re.findall(rf"\b({words}) terms\b", text, re.I) + re.findall(r"terms of a deal\W+are (\w+)", text)
    for word in stated:
        assert NUMBER_WORDS[word.lower()] == len(TERMS), f"{_doc_id(doc)}: '{word} terms', but there are {len(TERMS)}"


def _existing_module(path: str, folders: list[Path]) -> bool:
    return any((folder / path).exists() for folder in folders)


@pytest.mark.parametrize("doc", ALL_DOCS, ids=_doc_id)
def test_cited_module_paths_exist(doc):
    """Every `x/y.py` the document cites exists, under the repository or the package."""
    text = doc.read_text()
    cited = set(re.findall(r"`((?:[\w-]+/)+[\w-]+\.py)`", text))
    missing = sorted(p for p in cited if not _existing_module(p, [ROOT, PACKAGE]))
    assert not missing, f"{_doc_id(doc)} cites modules that do not exist: {missing}"


def test_contributing_layout_table_names_real_modules():
    """Each row of CONTRIBUTING.md's layout table names modules of its own folder, and every subpackage has a row."""
    text = CONTRIBUTING.read_text()
    rows = re.findall(r"^\| `(\w+)/` \| (.*) \|$", text, re.M)
    folders = {f for f, _ in rows}
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert subpackages <= folders, f"CONTRIBUTING.md: the layout table lacks {sorted(subpackages - folders)}"
    for folder, cells in rows:
        for name in re.findall(r"`([\w]+\.py)`", cells):
            assert (PACKAGE / folder / name).exists(), f"CONTRIBUTING.md: {folder}/{name} does not exist"
    pipeline = _code_block(text, "## The layout")
    missing = sorted(f for f in subpackages if f"{f}/" not in pipeline)
    assert not missing, f"CONTRIBUTING.md: the pipeline omits {missing}"


def test_contributing_one_implementation_places_are_right():
    """'One implementation of each thing': each named function lives in the module named for it."""
    text = " ".join(CONTRIBUTING.read_text().split())
    for module, name in re.findall(r"`(\w+/\w+)\.py`'s `(\w+)`", text):
        mod = importlib.import_module(f"trucesim.{module.replace('/', '.')}")
        assert name in vars(mod) and getattr(mod, name).__module__ == mod.__name__, (
            f"CONTRIBUTING.md: {name} is not defined in {module}.py"
        )


def test_app_doc_code_modules_exist():
    text = (ROOT / "docs" / "app.md").read_text()
    section = text[text.index("## The code") :]
    names = re.findall(r"`(\w+\.py)`", section)
    assert names, "docs/app.md: 'The code' names no module"
    missing = [n for n in names if not (PACKAGE / "app" / n).exists() and not (PACKAGE / "commands" / n).exists()]
    assert not missing, f"docs/app.md: no trucesim/app/ module {missing}"


@pytest.mark.parametrize("doc", ALL_DOCS, ids=_doc_id)
def test_cited_python_names_exist(doc):
    """Every `trucesim.a.b` (module, function or constant) the document cites can be imported."""
    missing = []
    for dotted in sorted(set(re.findall(r"`(trucesim(?:\.\w+)+)", doc.read_text()))):
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            with contextlib.suppress(ImportError):
                obj = importlib.import_module(".".join(parts[:i]))
                break
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            missing.append(dotted)
    assert not missing, f"{_doc_id(doc)} cites names that do not exist: {missing}"


def test_contributing_names_the_model_streams_for_random_draws():
    text = " ".join(CONTRIBUTING.read_text().split())
    assert "model.rng" not in text, "CONTRIBUTING.md: the model's draws go through model/streams.py, not model.rng"
    assert "`trucesim/model/streams.py`" in text


def test_readme_from_python_block_runs(monkeypatch):
    """The README's 'From Python' code runs as printed, from the repository's root."""
    import trucesim

    code = _code_block(README.read_text(), "## From Python")
    monkeypatch.chdir(ROOT)
    names: dict = {}
    exec(compile(code, "README.md: From Python", "exec"), names)
    assert len(names["worlds"]) == 10_000 and names["summary"]["worlds"] == 10_000
    assert isinstance(names["model"], trucesim.TruceModel) and names["model"].trace
    for name in ("load", "load_points", "load_manifest"):
        assert callable(getattr(trucesim, name)), f"README.md: trucesim.{name} does not exist"


def test_validation_doc_by_kind_of_fact_is_the_stored_validations():
    """docs/validation.md's table by kind of fact is what `trucesim validate` prints for the stored
    validation (docs/validation/validation.json), line for line."""
    stored = json.loads((ROOT / "docs" / "validation" / "validation.json").read_text())
    printed = "\n".join(by_fact_lines(stored)[1:])
    doc = (ROOT / "docs" / "validation.md").read_text()
    assert printed in doc, "docs/validation.md: the table by kind of fact differs from validation.json's"

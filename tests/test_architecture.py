"""The package's architecture, checked from its source: stages, cycles, sizes, private names, actor ids.

Every import counts, including imports inside functions.  Stages of the pipeline, earliest first:
config -> model -> run -> sweep | designer -> analysis -> plots -> report -> app -> commands -> cli.
A module may import its own subpackage and earlier stages only.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from .conftest import ROOT, SCENARIOS

PACKAGE = ROOT / "trucesim"
STAGES = {
    "config": 0,
    "model": 1,
    "run": 2,
    "sweep": 3,
    "designer": 3,
    "history": 3,
    "analysis": 4,
    "plots": 5,
    "report": 6,
    "app": 7,
    "commands": 8,
    "cli": 9,
    "__main__": 10,
}
#: imports that the stage order alone allows but the design forbids
FORBIDDEN = [
    ("trucesim.analysis", "trucesim.model", "analysis reads results; it never runs the model"),
    ("trucesim.analysis", "trucesim.run.simulate", "analysis reads results; it never runs the model"),
    ("trucesim.sweep.store", "trucesim.sweep.", "the store holds files only"),
]
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _typing_only(tree: ast.Module) -> set[ast.AST]:
    """The import statements under ``if TYPE_CHECKING:``: read by mypy, never run."""
    return {
        node
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for stmt in block.body
        for node in ast.walk(stmt)
    }


def _imports(name: str, path: Path, runtime_only: bool = False) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import in the file, at any depth
    (without those under ``if TYPE_CHECKING:`` when ``runtime_only``)."""
    tree = ast.parse(path.read_text(), str(path))
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    skip = _typing_only(tree) if runtime_only else set()
    found = []
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("trucesim")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("trucesim"):
                found.append((mod, [a.name for a in node.names], node.lineno))
    return found


def _edges(runtime_only: bool = False) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (a name taken from a package may be a submodule);
    with ``runtime_only``, without the imports for annotations only (``if TYPE_CHECKING:``)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for mod, names, _ in _imports(name, path, runtime_only):
            targets = [f"{mod}.{n}" for n in names if f"{mod}.{n}" in MODULES]
            if mod in MODULES and (len(targets) < len(names) or not names):
                targets.append(mod)
            graph[name].update(t for t in targets if t != name)
    return graph


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_the_walk_sees_the_package():
    graph = _edges()
    assert len(MODULES) > 40
    assert "trucesim.model.acceptance" in graph["trucesim.model.agents"]
    assert "trucesim.run.simulate" in graph["trucesim.commands.run"]  # an import inside a function


def test_no_import_cycles():
    # imports for annotations only (if TYPE_CHECKING:) are not run, so they make no cycle
    graph = _edges(runtime_only=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            # a package importing its own submodules (re-exports) is not a cycle of the design
            if len(comp) > 1 and not all(c.startswith(min(comp, key=len)) for c in comp):
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_no_import_runs_up_the_pipeline():
    bad = []
    for name, path in MODULES.items():
        src = _stage(name)
        if src is None:
            continue
        for mod, names, line in _imports(name, path):
            dst = _stage(mod)
            targets = [f"{mod}.{n}" for n in names] or [mod]
            if dst is None:  # `from trucesim import x`: x is the stage
                dst_stages = [_stage(t) for t in targets if t in MODULES] or [None]
            else:
                dst_stages = [dst]
            for d in dst_stages:
                if d is None or d == src:
                    continue
                if STAGES[d] >= STAGES[src]:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {src} imports {d} ({mod})")
            for source, target, why in FORBIDDEN:
                if name.startswith(source) and any(t.startswith(target) and t != name for t in [mod, *targets]):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {mod}: {why}")
    assert not bad, "\n".join(bad)


def test_no_private_names_taken_from_another_module():
    bad = []
    for name, path in MODULES.items():
        for mod, names, line in _imports(name, path):
            for n in names:
                if n.startswith("_") and not n.startswith("__"):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {n} from {mod}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_small(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines (at most {MAX_LINES})"


def test_generic_code_names_no_actor_of_a_scenario():
    """Labels, colours and roles come from the scenario: no actor id appears as a string in the code."""
    ids = set()
    for path in SCENARIOS.rglob("*.toml"):
        ids |= set(tomllib.loads(path.read_text()).get("actors", {}))
    assert {"israel", "hamas"} <= ids
    from trucesim.config.params import ACTOR_KINDS

    ids -= set(ACTOR_KINDS)  # "opposition" is a kind of actor as well as an id
    bad = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ids:
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not bad, "\n".join(bad)

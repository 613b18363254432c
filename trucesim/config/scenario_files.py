"""Reading a scenario file and the files it ``extends``: one flat table of dotted keys, and who set each.

:func:`read_merged` reads a file, checks its top-level keys, reads its bases in order
(a path relative to the file, else a shipped scenario's name) and merges them key by
key; :mod:`trucesim.config.scenario` then validates the merged table.  ``[observed]``
and ``[meta]`` describe their own file: ``[observed]`` is returned apart, and the
loader keeps only the file's own ``[meta]``.

Examples
--------
>>> flat, origin, observed = read_merged(Path("scenarios/november-2023.toml"), "november-2023.toml", ())
>>> origin["context.hostages_held"], origin["actors.hamas.kind"]
('november-2023.toml', 'scenarios/april-2024.toml')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from trucesim.config.flatten import flatten
from trucesim.config.shipped import shipped, shipped_dir, shipped_named
from trucesim.config.tomlio import printable, read_toml, shown_value, suggest, wrong_kind

TOP_KEYS = ("extends", "meta", "terms", "context", "actors", "protocol", "observed")
LEAF_MARKERS = ("value", "dist")
#: the longest chain of files that extend one another
MAX_EXTENDS = 64


class ScenarioError(ValueError):
    """A scenario file that cannot be used; ``str(err)`` is one line for the user."""


def is_leaf(v: Mapping) -> bool:
    """A table that stands for one number: ``{ value = .. }`` or ``{ dist = .. }``."""
    return any(m in v for m in LEAF_MARKERS)


def flatten_table(table: dict, shown: str) -> dict[str, object]:
    """A scenario table under dotted names; a quoted key with a dot is refused (it would hide a nested one)."""

    def bare(prefix: str, k: str) -> None:
        if "." in k:  # a quoted key: "weights.x" = .. would silently override [<actor>.weights] x
            raise ScenarioError(
                f"{shown}: {prefix}{shown_value(k)}: expected a bare key, found a quoted key with a dot "
                f"(write {shown_value(k.strip())[1:-1]} without quotes, or in its own table)"
            )

    flat = flatten(table, is_leaf=is_leaf, check_key=bare)
    # an empty table header ([terms] with its lines commented out) sets nothing; an empty value that
    # names a parameter (us_pressure = {}) stays, for the loader to refuse
    return {k: v for k, v in flat.items() if not (isinstance(v, dict) and not v and not _names_a_value(k))}


def _names_a_value(key: str) -> bool:
    """Whether a dotted key names one value (``context.us_pressure``, ``actors.hamas.weights.withdrawal``,
    ``meta.name``, ``actors.hamas.kind``) rather than a table of them (``terms``, ``actors.hamas``,
    ``actors.hamas.weights``), whatever the actor's kind.

    >>> _names_a_value("context.us_pressure"), _names_a_value("actors.x.weights.withdrawal"), _names_a_value("terms")
    (True, True, False)
    """
    from trucesim.config.params import ACTOR_STRING_KEYS, KIND_PARAMS, META_KEYS, SECTIONS  # here: params loads numpy

    top, _, rest = key.partition(".")
    if top in SECTIONS:
        return rest in SECTIONS[top]
    if top == "meta":
        return rest in META_KEYS
    if top == "actors":
        own = rest.partition(".")[2]
        return own in ACTOR_STRING_KEYS or any(own in params for params in KIND_PARAMS.values())
    return False


def read_merged(path: Path, shown: str, stack: tuple[Path, ...]) -> tuple[dict, dict, object]:
    """Flattened, merged content of a file and its ancestors, who set each key, and the file's own ``[observed]``.

    ``[observed]`` is never inherited: what happened in a base round is not what happened here.
    """
    if len(stack) >= MAX_EXTENDS:
        raise ScenarioError(f"{shown}: extends: expected a chain of at most {MAX_EXTENDS} files, found a longer one")
    try:
        real = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte: read_toml names the problem
        real = path.absolute()
    if real in stack:
        chain = " -> ".join(p.name for p in (*stack, real))
        raise ScenarioError(f"{shown}: extends: expected a chain without cycles, found {chain}")
    raw = read_toml(path, shown, error=ScenarioError)
    other = wrong_kind(raw, "scenario", shown)
    if other:
        raise ScenarioError(other)
    if raw and not any(k in TOP_KEYS for k in raw):  # some other TOML file: none of its keys is echoed
        raise ScenarioError(
            f"{shown}: expected a scenario file (TOML with tables such as [meta] and [actors]), "
            f"found a TOML file with none of a scenario's keys"
        )
    for k in raw:
        if k not in TOP_KEYS:
            raise ScenarioError(f"{shown}: unknown key {shown_value(k)}{suggest(k, TOP_KEYS)}")
    flat: dict[str, object] = {}
    origin: dict[str, str] = {}
    observed = raw.pop("observed", None)
    ext = raw.pop("extends", None)
    bases = ext if isinstance(ext, list) and ext else [ext] if ext is not None else []
    for b in bases:  # in order: a later base overrides an earlier one
        if not isinstance(b, str):
            raise ScenarioError(
                f"{shown}: extends: expected a path or a list of paths (strings), found {shown_value(ext)}"
            )
        base = base_path(path, b, shown)
        more, more_origin, _ = read_merged(base, printable(str(base)), (*stack, real))
        for key in more:  # a leaf of a later base replaces a table of an earlier one (and vice versa)
            for old in [k for k in flat if k.startswith(key + ".") or key.startswith(k + ".")]:
                del flat[old], origin[old]
        flat.update(more)
        origin.update(more_origin)
    own = flatten_table(raw, shown)
    # a table replaced by a leaf (or a leaf by a table) drops what the base had below it
    for key in own:
        for old in [k for k in flat if k.startswith(key + ".")]:
            del flat[old], origin[old]
    flat.update(own)
    origin.update({k: shown for k in own})
    return flat, origin, observed


def base_path(path: Path, name: str, shown: str, key: str = "extends") -> Path:
    """The file an ``extends`` entry of ``path`` names: a path relative to ``path`` if it exists, else a shipped scenario.

    An experiment's ``scenario`` key names its scenario the same way (``key`` names it in the message).

    ``extends = "april-2024"`` (or ``"april-2024.toml"``) in a user's own folder names the
    shipped scenario, as ``trucesim run april-2024`` does; a file of that name beside the
    variant wins.  A relative path found nowhere beside the variant is looked for among the shipped
    scenarios (``fitted/joint.toml``, which a copy of ``april-2024.toml`` extends).  Neither: one
    line naming the variant, the key and the path tried.
    """
    base = path.parent / name
    try:
        base.lstat()
    except FileNotFoundError:
        pass
    except (OSError, ValueError):  # a symlink loop, a NUL byte: read_toml names the problem
        return base
    else:
        return base  # something is there (a file, a directory, a dangling link): read_toml says what
    if len(Path(name).parts) == 1:
        found = shipped_named(name, "scenarios")
        if found is not None:
            return found
    else:  # a path inside the shipped scenarios: a copy of april-2024.toml keeps its "fitted/joint.toml"
        home = shipped_dir("scenarios")
        if home is not None and not Path(name).is_absolute() and (home / name).is_file():
            return home / name
    names = [p.stem for p in shipped("scenarios")]
    hint = suggest(Path(name).name.removesuffix(".toml"), names) if len(Path(name).parts) == 1 else ""
    raise ScenarioError(
        f"{shown}: {key}: expected a scenario file (a path relative to this file, or a shipped scenario's "
        f"name{hint}), found {shown_value(name)}: no file {printable(str(base))}"
    )

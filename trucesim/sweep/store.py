"""Results of a sweep on disk: a manifest, one Parquet part per chunk, per-point summaries.

A results directory ``DIR`` holds::

    manifest.json    the resolved experiment and scenario, root seed, chunk size,
                     trucesim version and the design (kind, factors, matrix)
    parts/           chunk-000000.parquet, ...: one row per world of each chunk
    points.parquet   one row per design point: probability of a deal with its
                     95% confidence interval and the other figures of `trucesim run`

Every file is written to a temporary name and renamed when complete, so a
process killed at any moment leaves only whole files (and perhaps a temporary
file that the next ``--resume`` removes).  Nothing in ``DIR`` records when or
where the sweep ran: the same experiment, seed and chunk size give the same
bytes.

:func:`load` returns the worlds as one DataFrame: ``point``, ``replicate``,
one column per factor (named by its dotted key), then the columns of
:func:`trucesim.run.outcomes.outcome_table` (``world = point * worlds_per_point +
replicate``).

Examples
--------
>>> import trucesim
>>> worlds = trucesim.load("results/prisoners")                 # doctest: +SKIP
>>> worlds.groupby("terms.prisoners_per_hostage")["deal"].mean()  # doctest: +SKIP
>>> points = load_points("results/prisoners")                    # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.tomlio import cut, first_line
from trucesim.run.chunks import MAX_CHUNKS, chunk_bounds, n_chunks
from trucesim.run.files import write_atomic
from trucesim.run.lock import LOCK, DirLock, LockedError

MANIFEST = "manifest.json"
PARTS = "parts"
POINTS = "points.parquet"
ERROR_LOG = "error.log"
#: where --resume moves damaged parts (inside parts/)
CORRUPT = "corrupt"
#: version of the directory layout; a manifest of another format is refused
FORMAT = 1
_PART = re.compile(r"^chunk-(\d+)\.parquet$")
#: what a damaged or edited manifest's message tells to do
_RESTORE = "restore it, or start a new sweep with another --out"


class StoreError(ValueError):
    """A results directory that cannot be used as asked; ``str(err)`` is one line."""


# --------------------------------------------------------------------------- files
def part_name(chunk: int) -> str:
    """File name of a chunk's part: ``chunk-000012.parquet``."""
    return f"chunk-{chunk:06d}.parquet"


#: Arrow's name of a numpy type, where the two differ
_ARROW_TYPE = {"float64": "double", "float32": "float", "float16": "halffloat"}


def _same_type(field, column: dict) -> bool:
    """Whether a part's Arrow column and its pandas metadata agree on the type (unknown kinds: True).

    >>> import pyarrow as pa
    >>> _same_type(pa.field("x", pa.float64()), {"pandas_type": "float64", "numpy_type": "float64"})
    True
    >>> _same_type(pa.field("x", pa.int32()), {"pandas_type": "int64", "numpy_type": "int64"})
    False
    """
    arrow, kind, numpy_type = str(field.type), column.get("pandas_type"), str(column.get("numpy_type"))
    if kind == "categorical":
        return arrow.startswith("dictionary<") and f"indices={numpy_type}," in arrow
    if kind == "unicode":
        return arrow in ("string", "large_string")
    if kind in ("bool", "float16", "float32", "float64") or str(kind).startswith(("int", "uint")):
        return arrow == _ARROW_TYPE.get(numpy_type, numpy_type)
    return True


def verify_part(path: Path, rows: int) -> tuple[str | None, str]:
    """Why the part at ``path`` cannot be used (one line), or ``None`` if it is whole; and its schema.

    Reads its footer (whose strings must decode, the pandas metadata in it too) and all of it,
    verifying its pages' checksums (written by :func:`trucesim.run.files.encode_table`), and checks
    its row count and that the pandas metadata names the columns the part holds.  The footer has no
    checksum: the schema returned (columns and types, and the columns as pandas reads them, as text)
    lets the caller compare the parts of one sweep, which share one schema, to catch a damaged footer
    that still reads.
    """
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
        table = pq.read_table(path, page_checksum_verification=True)
        pandas = table.schema.pandas_metadata or {}  # the names and types pandas reads the part with
    except Exception as e:  # noqa: BLE001 - whatever the damage, the part is redone
        return f"unreadable: {first_line(e)}", ""
    columns = pandas.get("columns", [])
    if columns and (
        [c.get("field_name") for c in columns] != table.schema.names
        or any(c.get("name") != c.get("field_name") for c in columns)
    ):
        return "its pandas metadata names other columns than it holds: a damaged footer", ""
    if columns and not all(_same_type(f, c) for f, c in zip(table.schema, columns)):
        return "its pandas metadata gives other types than its columns have: a damaged footer", ""
    # what pandas reads too (a damaged byte there renames a column), without the writer's versions
    read_as = {k: pandas.get(k) for k in ("index_columns", "column_indexes", "columns")}
    schema = table.schema.remove_metadata().to_string() + "\n" + json.dumps(read_as, sort_keys=True)
    if table.num_rows != rows:
        return f"expected {rows} worlds, found {table.num_rows}", schema
    return None, schema


# --------------------------------------------------------------------------- manifest
def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


def manifest_json(manifest: dict) -> str:
    """The text of ``manifest.json`` (numpy numbers and paths allowed; no NaN)."""
    return json.dumps(manifest, indent=1, default=_json_default, allow_nan=False)


def canonical(d: dict) -> str:
    """A manifest (or part of one) as compact JSON with sorted keys, as its checksum reads it."""
    return json.dumps(json.loads(manifest_json(d)), sort_keys=True, separators=(",", ":"))


def manifest_checksum(manifest: dict) -> str:
    """``sha256:<hex>`` of the manifest (its design and settings), its own ``checksum`` left out."""
    import hashlib

    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(canonical(body).encode()).hexdigest()


def _check_sum(path: Path, recorded, computed: str) -> None:
    """Refuse a manifest whose recorded checksum is not the one computed from its contents."""
    if recorded != computed:
        raise StoreError(
            f"{path}: checksum: expected {computed[:23]}..., found {show_json(recorded)}: the manifest "
            f"was edited after the sweep started; {_RESTORE}"
        )


def show_json(v) -> str:
    """A value as JSON, cut to about 80 characters, for an error line."""
    return cut(json.dumps(v))


def _no_constant(name: str):  # NaN and Infinity are not JSON: a manifest is written without them
    raise ValueError(f"{name} is not a JSON number")


def read_manifest(out: str | Path) -> dict:
    """The manifest of a results directory, checked (:func:`validate_manifest`) before any reader uses it."""
    out = Path(out)
    path = out / MANIFEST
    if not out.exists():
        raise StoreError(f"{out}: no such directory")
    if not out.is_dir():
        raise StoreError(f"{out}: expected a results directory, found a file")
    if not path.is_file():
        raise StoreError(f"{path}: file not found (is {out} the --out of a trucesim sweep?)")
    try:
        m = json.loads(path.read_text(), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as e:  # json.JSONDecodeError is a ValueError
        raise StoreError(f"{path}: expected a JSON manifest, found invalid JSON ({first_line(e)})") from None
    except OSError as e:
        raise StoreError(f"{path}: cannot read the manifest: {e.strerror or e}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        found = m.get("format") if isinstance(m, dict) else type(m).__name__
        raise StoreError(f"{path}: format: expected {FORMAT}, found {found!r}")
    validate_manifest(out, m)
    return m


def validate_manifest(out: Path, manifest: dict) -> None:
    """Refuse, in one line naming the key, a manifest whose checksum (computed before any value is used) fails
    or whose keys a reader cannot use (:func:`manifest_problem`); an older one without a checksum: its keys."""
    path = out / MANIFEST
    recorded = manifest.get("checksum")
    computed = manifest_checksum(manifest) if recorded is not None else None
    problem = manifest_problem(manifest)
    if problem is not None:
        why = " (its checksum does not match its contents)" if recorded != computed else ""
        raise StoreError(f"{path}: {problem}; the manifest is damaged{why}: {_RESTORE}")
    if computed is not None:
        _check_sum(path, recorded, computed)


def _whole(least: int, null: bool = False):
    return lambda v: (null and v is None) or (isinstance(v, int) and not isinstance(v, bool) and v >= least)


def _table_of(kind=object):
    return lambda v: isinstance(v, dict) and all(isinstance(x, kind) for x in v.values())


_ABSENT = object()
#: the keys the readers use, each with its test and what it must be
_KEYS = (
    ("trucesim_version", lambda v: isinstance(v, str), "a string"),
    ("seed", _whole(0), "a whole number >= 0"),
    *(
        (k, _whole(1), "a whole number >= 1")
        for k in ("chunk_worlds", "worlds_per_point", "points", "worlds", "chunks")
    ),
    (
        "factors",
        lambda v: isinstance(v, list) and v and all(isinstance(k, str) for k in v) and len(set(v)) == len(v),
        "a list of distinct factor keys (strings)",
    ),
    ("design", _table_of(), "a table with the design's matrix"),
    ("design.matrix", lambda v: isinstance(v, list), "a list of the points' rows"),
    ("experiment", _table_of(), "a table with the experiment's path, factors and design"),
    ("experiment.path", lambda v: isinstance(v, str), "the experiment file's path (a string)"),
    ("experiment.factors", _table_of(dict), "a table of the factors' tables"),
    ("experiment.design", _table_of(), "a table of the design's settings"),
    ("experiment.seed_option", _whole(0, null=True), "a whole number >= 0, or null"),
    ("experiment.worlds_per_point_option", _whole(1, null=True), "a whole number >= 1, or null"),
    ("scenario", _table_of(), "a table with the scenario's actors and values"),
    ("scenario.actors", _table_of(str), "a table of actor ids and their kinds (strings)"),
    ("scenario.targets", _table_of(), "a table of the actors' targets"),
    ("scenario.values", _table_of(), "a table of the scenario's values"),
)


def manifest_problem(m: dict) -> str | None:
    """What makes a manifest unusable, as ``KEY: expected ..., found ...``, or ``None``: each key of :data:`_KEYS`
    of its type, ``worlds = points x worlds_per_point``, ``chunks`` those of ``chunk_worlds`` over the worlds,
    ``design.matrix`` a table of ``points`` x factors finite numbers.

    >>> manifest_problem({"trucesim_version": "0.1.0", "seed": 0, "chunk_worlds": -1})
    'chunk_worlds: expected a whole number >= 1, found -1'
    """
    for key, test, expected in _KEYS:
        v: object = m
        for part in key.split("."):
            v = v.get(part, _ABSENT) if isinstance(v, dict) else _ABSENT
        if v is _ABSENT or not test(v):
            return f"{key}: expected {expected}, found {'nothing' if v is _ABSENT else show_json(v)}"
    points, factors, worlds = m["points"], len(m["factors"]), m["worlds"]
    if worlds != points * m["worlds_per_point"]:
        return f"worlds: expected points x worlds_per_point = {points * m['worlds_per_point']}, found {worlds}"
    if m["chunks"] != (chunks := n_chunks(worlds, m["chunk_worlds"])):
        return f"chunks: expected {chunks} (worlds / chunk_worlds, rounded up), found {m['chunks']}"
    if m["chunks"] > MAX_CHUNKS:
        return f"chunks: expected at most {MAX_CHUNKS:,}, found {m['chunks']:,}"
    matrix = m["design"]["matrix"]
    try:
        arr = np.array(matrix)
    except ValueError:  # rows of different lengths
        arr = np.zeros(0)
    if arr.shape == (points, factors) and arr.dtype.kind in "iuf" and np.isfinite(arr).all():
        return None
    if arr.shape == (points, factors) and arr.dtype.kind == "f":  # numbers, but not all finite
        return f"design.matrix: expected finite numbers, found {show_json(arr[~np.isfinite(arr)][0].item())}"
    for i, row in enumerate(matrix):  # the first bad row, for the message (a bool is no number here)
        if not isinstance(row, list) or len(row) != factors or not all(type(x) in (int, float) for x in row):
            return f"design.matrix[{i}]: expected {factors} finite number(s), found {show_json(row)}"
    return f"design.matrix: expected {points} rows of {factors} finite number(s), found {len(matrix)} rows"


# --------------------------------------------------------------------------- the directory
def _leftover(p: Path) -> bool:
    """Whether ``p`` (in a results directory without a manifest) is what a failed start leaves."""
    if p.name == LOCK or (p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file()):
        return True
    return p.name == PARTS and p.is_dir() and all(q.name.endswith(".tmp") for q in p.iterdir())


class Store:
    """A results directory: manifest, parts and points (see the module docstring)."""

    def __init__(self, root: Path, manifest: dict, lock: DirLock | None = None):
        self.root = Path(root)
        self.manifest = manifest
        self.parts = self.root / PARTS
        self.lock = lock

    @staticmethod
    def exists(root: str | Path) -> bool:
        """Whether ``root`` exists and holds something: not empty, nor what a failed start leaves.

        A start that failed before its manifest was written (a full disk, a kill) leaves at most
        a lock file, an empty ``parts/`` and temporary files: such a directory counts as new.
        """
        root = Path(root)
        if not root.exists():
            return False
        if not root.is_dir():
            return True
        return any(not _leftover(p) for p in root.iterdir())

    @staticmethod
    def clear_leftovers(root: Path) -> None:
        """Remove the temporary files of interrupted writes: before starting anew after a failed start (see
        :meth:`exists`), and on resume."""
        for p in [*root.glob("*.tmp"), *(root / PARTS).glob("*.tmp")]:
            p.unlink(missing_ok=True)

    @staticmethod
    def lock_dir(root: str | Path) -> DirLock:
        """Take the exclusive lock of the directory ``root`` (which must exist) for this process.

        Raises :class:`StoreError` naming the holder if another live process has it.
        """
        try:
            return DirLock(root).acquire()
        except LockedError as e:
            raise StoreError(str(e)) from None

    def release(self) -> None:
        """Drop the directory's lock (taken by :meth:`lock_dir`), if this store holds it."""
        if self.lock is not None:
            self.lock.release()

    @classmethod
    def create(cls, root: str | Path, manifest: dict, lock: DirLock | None = None) -> Store:
        """Start a new results directory (it may exist if empty); ``lock``: its lock, if held."""
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root}: expected a directory for the results, found a file")
        if cls.exists(root):
            hint = (
                "add --resume to continue the sweep it holds"
                if (root / MANIFEST).is_file()
                else "it is not a sweep's results directory"
            )
            raise StoreError(
                f"{root}: expected a new or empty directory, found an existing one ({hint}; or choose another --out)"
            )
        if root.is_dir():
            cls.clear_leftovers(root)
        try:
            (root / PARTS).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"{root}: cannot create the results directory: {e.strerror}") from None
        write_atomic(root / MANIFEST, manifest_json(manifest).encode())
        return cls(root, manifest, lock)

    @classmethod
    def open(cls, root: str | Path, lock: DirLock | None = None, manifest: dict | None = None) -> Store:
        """Open an existing results directory; ``lock``: its lock, if held; ``manifest``: already read."""
        root = Path(root)
        store = cls(root, read_manifest(root) if manifest is None else manifest, lock)
        store.parts.mkdir(exist_ok=True)
        return store

    def discard(self) -> None:
        """Remove a just-created directory that holds no part yet (the sweep could not start)."""
        if self.done_chunks():
            self.release()
            return
        (self.root / MANIFEST).unlink(missing_ok=True)
        self.release()
        for path in (self.parts, self.root):
            try:
                path.rmdir()
            except OSError:
                pass

    def bounds(self) -> dict[int, tuple[int, int]]:
        """``chunk -> (first world, end world)`` of every chunk of the sweep."""
        return {k: (s, e) for k, s, e in chunk_bounds(self.manifest["worlds"], self.manifest["chunk_worlds"])}

    def done_chunks(self, clean: bool = False) -> dict[int, Path]:
        """Finished chunks and their parts.

        Without ``clean``, a part counts if its footer gives the right row count (cheap); the
        others are listed in ``self.bad_parts``.  With ``clean`` (on resume), temporary files
        of interrupted writes are removed and every part is read in full, its page checksums
        verified: a damaged one (a torn write, a flipped byte) is moved to ``parts/corrupt/``,
        listed in ``self.moved`` as ``(part, new path, reason)``, and its chunk is redone.
        """
        bounds = self.bounds()
        out: dict[int, Path] = {}
        self.bad_parts: list[Path] = []
        self.moved: list[tuple[Path, Path, str]] = []
        if clean:  # temporary files of interrupted writes, in parts/ and beside the manifest
            self.clear_leftovers(self.root)
        if not self.parts.is_dir():
            return out
        checked: list[tuple[int, Path, str | None, str]] = []
        for p in sorted(self.parts.iterdir()):
            if p.name.endswith(".tmp"):
                continue
            m = _PART.match(p.name)
            if not m or not p.is_file():
                continue
            k = int(m.group(1))
            if k not in bounds:
                continue
            rows = bounds[k][1] - bounds[k][0]
            if clean:
                checked.append((k, p, *verify_part(p, rows)))
            else:
                checked.append((k, p, None if self._rows(p) == rows else "unreadable", ""))
        # the parts share one schema: one that differs from the others' has a damaged footer
        # (the earlier chunk's schema wins a tie)
        schemas = Counter(schema for _, _, problem, schema in checked if problem is None and schema)
        common = schemas.most_common(1)[0][0] if schemas else ""  # most_common keeps chunk order in a tie
        for k, p, problem, schema in checked:
            if problem is None and schema and schema != common:
                problem = "its columns or types differ from the other parts': a damaged footer"
            if problem is None:
                out[k] = p
            elif clean:
                self.moved.append((p, self._move_aside(p), problem))
            else:
                self.bad_parts.append(p)
        return dict(sorted(out.items()))

    def _move_aside(self, path: Path) -> Path:
        """Move a damaged part to ``parts/corrupt/`` (never overwriting an earlier one there)."""
        aside = self.parts / CORRUPT
        aside.mkdir(exist_ok=True)
        dest, n = aside / path.name, 1
        while dest.exists():
            dest, n = aside / f"{path.stem}.{n}{path.suffix}", n + 1
        os.replace(path, dest)
        return dest

    @staticmethod
    def _rows(path: Path) -> int:
        import pyarrow.parquet as pq

        try:
            return pq.read_metadata(path).num_rows
        except Exception:  # noqa: BLE001 - any unreadable part is redone
            return -1

    def write_part(self, chunk: int, data: bytes) -> Path:
        path = self.parts / part_name(chunk)
        write_atomic(path, data)
        return path

    def write_error(self, chunk: int, start: int, stop: int, error: str, tb: str | None) -> Path:
        path = self.root / ERROR_LOG
        text = f"chunk {chunk} (worlds {start}-{stop - 1}) failed: {error}\n\n{tb or ''}"
        write_atomic(path, text.encode())
        return path

    def clear_error(self) -> None:
        (self.root / ERROR_LOG).unlink(missing_ok=True)

    def iter_parts(self, columns: list[str] | None = None, allow_partial: bool = False) -> Iterator[pd.DataFrame]:
        """The parts in chunk order, one DataFrame each."""
        done = self.done_chunks()
        missing = self.manifest["chunks"] - len(done)
        resume = f"trucesim sweep {self.manifest['experiment']['path']} --out {self.root} --resume"
        if missing and self.bad_parts and not allow_partial:
            raise StoreError(
                f"{self.bad_parts[0]}: expected a Parquet part, found a damaged file; {resume} moves it to "
                f"{PARTS}/{CORRUPT}/ and redoes it"
            )
        if missing and not allow_partial:
            raise StoreError(
                f"{self.root}: expected a complete sweep, found {len(done)} of {self.manifest['chunks']} chunks "
                f"written; finish it with: {resume}"
            )
        import pyarrow.parquet as pq

        for path in done.values():
            try:
                frame = pd.read_parquet(path, columns=columns, page_checksum_verification=True)
                held = list(columns) if columns is not None else pq.read_schema(path).names
                if list(frame.columns) != held:  # the footer's pandas metadata renamed a column
                    name, read = next((h, r) for h, r in zip([*held, None], [*frame.columns, None]) if h != r)
                    raise ValueError(f"its column {name!r} reads as {read!r}")
            except (OSError, ValueError) as e:  # arrow's errors derive from these
                raise StoreError(
                    f"{path}: expected a Parquet part, found a damaged file ({first_line(e)}); {resume} moves it "
                    f"to {PARTS}/{CORRUPT}/ and redoes it"
                ) from None
            yield frame


# --------------------------------------------------------------------------- reading
def load(out: str | Path, columns: list[str] | None = None, allow_partial: bool = False) -> pd.DataFrame:
    """The worlds of a sweep, one row each, in world order.

    Parameters
    ----------
    out : path
        A results directory (the ``--out`` of ``trucesim sweep``).
    columns : list of str, optional
        Read only these columns (e.g. ``["point", "deal"]``): less memory.
    allow_partial : bool
        Return the chunks written so far of an unfinished sweep instead of raising.

    Returns
    -------
    pandas.DataFrame
        ``point``, ``replicate``, one column per factor (its dotted key), then
        every column of :func:`trucesim.run.outcomes.outcome_table` (``world`` is
        ``point * worlds_per_point + replicate``).

    Raises
    ------
    StoreError
        Not a results directory, a damaged or edited manifest (:func:`read_manifest`), a damaged
        part, or an unfinished sweep without ``allow_partial``.

    Examples
    --------
    A small sweep (two levels of US pressure, 200 worlds each), then its worlds, its points
    (:func:`load_points`) and its manifest (:func:`load_manifest`):

    >>> import tempfile, trucesim
    >>> from trucesim.sweep.sweep import sweep
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "e.toml").write_text(
    ...     'scenario = "april-2024"\\nworlds_per_point = 200\\n[design]\\nkind = "grid"\\n'
    ...     '[factors."context.us_pressure"]\\nlevels = [0.2, 0.9]\\n'
    ... )
    >>> _ = sweep(d / "e.toml", d / "out", workers=1)
    >>> df = trucesim.load(d / "out", columns=["point", "context.us_pressure", "deal"])
    >>> len(df), df.columns.tolist()
    (400, ['point', 'context.us_pressure', 'deal'])
    >>> df.groupby("context.us_pressure")["deal"].mean().index.tolist()
    [0.2, 0.9]
    >>> points = trucesim.load_points(d / "out")
    >>> points[["point", "context.us_pressure", "worlds"]].values.tolist()
    [[0.0, 0.2, 200.0], [1.0, 0.9, 200.0]]
    >>> bool(points["p_deal"].between(0, 1).all())
    True
    >>> trucesim.load_manifest(d / "out")["worlds"]
    400
    >>> import shutil; shutil.rmtree(d)
    """
    store = Store(Path(out), read_manifest(out))
    frames = list(store.iter_parts(columns=columns, allow_partial=allow_partial))
    if not frames:
        return pd.DataFrame(columns=columns or ["point", "replicate", *store.manifest["factors"]])
    return pd.concat(frames, ignore_index=True)


def load_points(out: str | Path) -> pd.DataFrame:
    """``points.parquet`` of a finished sweep: one row per design point (see :func:`trucesim.sweep.sweep.summarize_points`).

    See :func:`load`'s example, which reads a sweep by world, by point and its manifest.
    """
    out = Path(out)
    manifest = read_manifest(out)
    path = out / POINTS
    if not path.is_file():
        raise StoreError(f"{path}: file not found (the sweep has not finished: resume it with --resume)")
    rebuild = f"trucesim sweep {manifest['experiment']['path']} --out {out} --resume rebuilds it from the parts"
    try:
        points = pd.read_parquet(path, page_checksum_verification=True)
    except (OSError, ValueError) as e:  # arrow's errors derive from these
        raise StoreError(
            f"{path}: expected the sweep's table of points (Parquet), found a damaged file ({first_line(e)}); {rebuild}"
        ) from None
    if len(points) != manifest["points"] or "point" not in points.columns:
        raise StoreError(
            f"{path}: expected the sweep's table of points ({manifest['points']:,} rows with a point column), "
            f"found {len(points):,} rows{'' if 'point' in points.columns else ' without one'}: a damaged file; {rebuild}"
        )
    return points


def load_manifest(out: str | Path) -> dict:
    """``manifest.json`` of a results directory, as a dict (see :func:`load` for an example)."""
    return read_manifest(out)

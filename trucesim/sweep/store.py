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

from trucesim.config.flatten import flatten
from trucesim.run.chunks import chunk_bounds, n_chunks
from trucesim.run.files import encode_table, write_atomic
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


class StoreError(ValueError):
    """A results directory that cannot be used as asked; ``str(err)`` is one line."""


# --------------------------------------------------------------------------- files
def part_name(chunk: int) -> str:
    """File name of a chunk's part: ``chunk-000012.parquet``."""
    return f"chunk-{chunk:06d}.parquet"


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return _cut(text[0] if text else type(e).__name__)


def _cut(s: str, n: int = 80) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def verify_part(path: Path, rows: int) -> tuple[str | None, str]:
    """Why the part at ``path`` cannot be used (one line), or ``None`` if it is whole; and its schema.

    Reads its footer (whose strings must decode) and all of it, verifying its pages' checksums
    (written by :func:`trucesim.run.files.encode_table`), and checks its row count.  The footer
    has no checksum: the schema returned (columns and types, as text) lets the caller compare
    the parts of one sweep, which share one schema, to catch a damaged footer that still reads.
    """
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
        table = pq.read_table(path, page_checksum_verification=True)
    except Exception as e:  # noqa: BLE001 - whatever the damage, the part is redone
        return f"unreadable: {_first_line(e)}", ""
    schema = table.schema.remove_metadata().to_string()
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


def scenario_record(scenario) -> dict:
    """A scenario's resolved values and provenance, as recorded in a manifest."""
    from trucesim.config.distributions import Dist

    def value(v):
        return v.record() if isinstance(v, Dist) else v  # a sample keeps its values, weights and joint group

    return {
        "path": str(scenario.path),
        "name": scenario.name,
        "meta": dict(scenario.meta),
        "actors": dict(scenario.actors),
        "targets": dict(scenario.targets),
        "labels": dict(scenario.labels),
        "values": {k: value(scenario.values[k]) for k in sorted(scenario.values)},
        "sources": {k: scenario.sources[k] for k in sorted(scenario.sources)},
    }


def _canonical(d: dict) -> str:
    return json.dumps(json.loads(manifest_json(d)), sort_keys=True, separators=(",", ":"))


def manifest_checksum(manifest: dict) -> str:
    """``sha256:<hex>`` of the manifest (its design and settings), its own ``checksum`` left out."""
    import hashlib

    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(_canonical(body).encode()).hexdigest()


def check_manifest(out: Path, manifest: dict, design: dict | None, experiment_path) -> None:
    """Refuse a manifest edited since it was written, or whose design is not its experiment's.

    ``design`` is the design recomputed from the experiment file (:meth:`Design.to_dict`), or
    ``None`` to check the checksum only.  A manifest without a checksum (an older sweep) is
    checked against the recomputed design only.
    """
    path = out / MANIFEST
    recorded = manifest.get("checksum")
    if recorded is not None and recorded != manifest_checksum(manifest):
        raise StoreError(
            f"{path}: checksum: expected {manifest_checksum(manifest)[:23]}..., found {_show(recorded)}: the manifest "
            f"was edited after the sweep started; restore it, or start a new sweep with another --out"
        )
    if design is None:
        return
    # under "design." so that a design edited into a list or a number is compared too
    a = flatten({"design": json.loads(_canonical(manifest.get("design") or {}))}, lists=True)
    b = flatten({"design": json.loads(_canonical(design))}, lists=True)
    for key in list(b) + [k for k in a if k not in b]:
        if a.get(key, "<absent>") != b.get(key, "<absent>"):
            raise StoreError(
                f"{path}: --resume: {key}: expected {_show(b.get(key, '<absent>'))} (recomputed from "
                f"{experiment_path}), found {_show(a.get(key, '<absent>'))} (in the manifest); the manifest does "
                f"not match its experiment: restore it, or start a new sweep with another --out"
            )


def make_manifest(experiment, design, chunk_worlds: int) -> dict:
    """The manifest of a sweep (``design`` may be ``None`` when only its identity is needed)."""
    from trucesim import __version__

    points = design.points if design is not None else experiment.n_points
    worlds = points * experiment.worlds_per_point
    manifest = {
        "format": FORMAT,
        "trucesim_version": __version__,
        "experiment": experiment.to_dict(),
        "scenario": scenario_record(experiment.scenario),
        "seed": experiment.seed,
        "chunk_worlds": int(chunk_worlds),
        "worlds_per_point": experiment.worlds_per_point,
        "points": points,
        "worlds": worlds,
        "chunks": n_chunks(worlds, chunk_worlds),
        "factors": list(experiment.factor_keys),
        "design": design.to_dict() if design is not None else None,
        "columns": {
            "point": "design point id (row of design.matrix)",
            "replicate": "world within its point, 0 .. worlds_per_point - 1",
            "<factor key>": "the factor's value at the point",
            "world": "flat world index: point * worlds_per_point + replicate",
            "...": "the per-world outcomes of `trucesim run --out` (see docs/experiments.md)",
        },
    }
    if design is not None:
        manifest["checksum"] = manifest_checksum(manifest)
    return manifest


def identity(manifest: dict) -> dict:
    """What makes two sweeps the same dataset: values, factors, design, seed, chunk size, version.

    Paths, names, descriptions and sources are left out: moving or
    re-commenting a file does not change the worlds it produces.
    """
    exp = manifest["experiment"]
    scen = manifest["scenario"]
    return {
        "trucesim_version": manifest["trucesim_version"],
        "seed": manifest["seed"],
        "chunk_worlds": manifest["chunk_worlds"],
        "worlds_per_point": manifest["worlds_per_point"],
        "factors": {k: {kk: vv for kk, vv in f.items() if kk != "source"} for k, f in exp["factors"].items()},
        "factor_order": list(exp["factors"]),
        "design": exp["design"],
        "scenario.actors": scen["actors"],
        "scenario.targets": scen["targets"],
        "scenario.values": scen["values"],
    }


def check_same_experiment(old: dict, new: dict, out: Path, experiment_path) -> None:
    """Raise :class:`StoreError` naming the first difference between two manifests' identities."""
    a = json.loads(json.dumps(identity(old)))
    b = json.loads(json.dumps(identity(new)))
    if a == b:
        return
    fa, fb = flatten(a), flatten(b)
    for key in list(fa) + [k for k in fb if k not in fa]:
        if fa.get(key, "<absent>") != fb.get(key, "<absent>"):
            raise StoreError(
                f"{out / MANIFEST}: --resume: {key}: expected {_show(fa.get(key, '<absent>'))} (the sweep in "
                f"{out}), found {_show(fb.get(key, '<absent>'))} (from {experiment_path} and the options given); "
                f"resume with the same experiment, or choose another --out to start a new sweep"
            )
    raise StoreError(f"{out / MANIFEST}: --resume: the experiment differs from the sweep in {out}")


def _show(v) -> str:
    s = json.dumps(v)
    return s if len(s) <= 80 else s[:77] + "..."


def read_manifest(out: str | Path) -> dict:
    """The manifest of a results directory, checked for format."""
    out = Path(out)
    path = out / MANIFEST
    if not out.exists():
        raise StoreError(f"{out}: no such directory")
    if not out.is_dir():
        raise StoreError(f"{out}: expected a results directory, found a file")
    if not path.is_file():
        raise StoreError(f"{path}: file not found (is {out} the --out of a trucesim sweep?)")
    try:
        m = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StoreError(f"{path}: expected a JSON manifest, found invalid JSON ({e})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        found = m.get("format") if isinstance(m, dict) else type(m).__name__
        raise StoreError(f"{path}: format: expected {FORMAT}, found {found!r}")
    return m


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
        """Remove the temporary files of a failed start (see :meth:`exists`) before starting anew."""
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
    def open(cls, root: str | Path, lock: DirLock | None = None) -> Store:
        """Open an existing results directory; ``lock``: its lock, if held."""
        root = Path(root)
        store = cls(root, read_manifest(root), lock)
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
        if not self.parts.is_dir():
            return out
        checked: list[tuple[int, Path, str | None, str]] = []
        for p in sorted(self.parts.iterdir()):
            if p.name.endswith(".tmp"):
                if clean:
                    p.unlink(missing_ok=True)
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
        for path in done.values():
            try:
                frame = pd.read_parquet(path, columns=columns, page_checksum_verification=True)
            except (OSError, ValueError) as e:  # arrow's errors derive from these
                raise StoreError(
                    f"{path}: expected a Parquet part, found a damaged file ({_first_line(e)}); {resume} moves it "
                    f"to {PARTS}/{CORRUPT}/ and redoes it"
                ) from None
            yield frame

    def write_points(self) -> pd.DataFrame:
        """Compute ``points.parquet`` by streaming over the parts; return it."""
        table = summarize_points(self)
        write_atomic(self.root / POINTS, encode_table(table))
        return table


# --------------------------------------------------------------------------- per-point summaries
def summarize_points(store: Store) -> pd.DataFrame:
    """One row per design point with the figures of ``trucesim run`` (streamed: memory bounded by points).

    Columns: ``point``, the factors, ``worlds``, ``deals``, ``p_deal``,
    ``p_deal_lo``, ``p_deal_hi`` (95% Wilson interval), ``p_accept_<side>``,
    ``p_exit_<party>``, ``p_government_falls``, ``p_pause_completed``,
    ``p_permanent``, ``deal_day_median``, ``deal_day_p10``, ``deal_day_p90``,
    ``hostages_released_mean``, ``hostages_died_mean``, ``terms_<term>_mean``
    (signed terms, mean over the worlds with a deal): the per-group table of
    :class:`trucesim.run.metrics.Metrics`, grouped by point.
    """
    from trucesim.run.metrics import Metrics

    m = store.manifest
    n_points = m["points"]
    metrics = Metrics(m["scenario"]["actors"], groups=n_points)
    for part in store.iter_parts(columns=["point", *metrics.columns]):
        pt = part["point"].to_numpy()
        metrics.add(part, pt)
        # parts come in world order, so every point below this part's last is complete
        metrics.seal(below=pt[-1])
    out: dict[str, object] = {"point": np.arange(n_points, dtype=np.int64)}
    design = np.array(m["design"]["matrix"], dtype=float).reshape(n_points, len(m["factors"]))
    for j, k in enumerate(m["factors"]):
        out[k] = design[:, j]
    figures = metrics.table()
    for c in figures.columns:
        out[c] = figures[c].to_numpy()
    return pd.DataFrame(out)


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
        Not a results directory, or an unfinished sweep without ``allow_partial``.

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
    """``points.parquet`` of a finished sweep: one row per design point (see :func:`summarize_points`).

    See :func:`load`'s example, which reads a sweep by world, by point and its manifest.
    """
    out = Path(out)
    read_manifest(out)
    path = out / POINTS
    if not path.is_file():
        raise StoreError(f"{path}: file not found (the sweep has not finished: resume it with --resume)")
    return pd.read_parquet(path)


def load_manifest(out: str | Path) -> dict:
    """``manifest.json`` of a results directory, as a dict (see :func:`load` for an example)."""
    return read_manifest(out)

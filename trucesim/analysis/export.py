"""A sweep's worlds in other tools' formats: the EMA Workbench's ``(experiments, outcomes)`` archive.

:func:`write_ema` writes a sweep read with :func:`~trucesim.analysis.results.load_results`
as the ``.tar.gz`` archive that ``ema_workbench.save_results`` writes (format 0.1 of
EMA Workbench 2.x and 3.x), so that ``ema_workbench.load_results`` reads it back:

* ``experiments.csv``: one row per world, with a header: the sweep's factors, then
  ``point`` (the design point), ``world`` and ``model`` (``"trucesim"``), as EMA's
  experiments table has a ``model`` column;
* ``<outcome>.cls``: one per outcome column (a ``ScalarOutcome``), one value per line,
  no header, in the worlds' order;
* ``metadata.json``: ``{"version": 0.1, "outcomes": [["ScalarOutcome", name, file], ...],
  "experiments": {column: dtype name}}``.

Yes/no outcomes stay booleans, counts integers, days floats (NaN where there is no
such day); text outcomes (``end_of_talks``, ``breach_by``) are written as their
labels.  The archive holds every world in memory while it is written (CSV in a
``BytesIO`` per column, as EMA does).

Examples
--------
>>> from trucesim.analysis.results import load_results
>>> write_ema(load_results("results/prisoners"), "prisoners.tar.gz")         # doctest: +SKIP
>>> from ema_workbench import load_results as ema_load                       # doctest: +SKIP
>>> experiments, outcomes = ema_load("prisoners.tar.gz")                     # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

#: the version ``ema_workbench.save_results`` writes in ``metadata.json``
EMA_FORMAT_VERSION = 0.1
#: columns of a sweep's worlds that say which world a row is, not what happened in it
ID_COLUMNS = ("point", "replicate", "world")


def ema_tables(results) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The ``(experiments, outcomes)`` of a sweep: factor and id columns, and every outcome column."""
    df = results.worlds
    factors = [f for f in results.factors if f in df.columns]
    ids = [c for c in ID_COLUMNS if c in df.columns]
    experiments = df[factors + ids].reset_index(drop=True)
    experiments["model"] = pd.Categorical(["trucesim"] * len(df))
    outcomes = {c: df[c].reset_index(drop=True) for c in df.columns if c not in factors and c not in ids}
    return experiments, outcomes


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _outcome_csv(values: pd.Series) -> bytes:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(str)
    return values.to_frame().to_csv(header=False, index=False, na_rep="nan").encode("utf-8")


def write_ema(results, path: str | Path, on_member: Callable[[int, int], None] | None = None) -> Path:
    """Write a sweep as an EMA Workbench results archive (``.tar.gz``) at ``path``, whole or not at all.

    Returns the path.  Written through :func:`trucesim.run.files.write_atomic`: a
    failure leaves any file already at ``path`` untouched.  ``on_member(done, total)`` is
    told as each of the archive's ``total`` files is written (a progress display).
    """
    from trucesim.run.files import write_atomic

    path = Path(path)
    experiments, outcomes = ema_tables(results)
    total = len(outcomes) + 2  # experiments.csv, one .cls per outcome, metadata.json

    def told(done: int) -> None:
        if on_member is not None:
            on_member(done, total)

    def write(tmp: Path) -> None:
        with tarfile.open(tmp, "w:gz") as z:
            _add(z, "experiments.csv", experiments.to_csv(header=True, index=False, na_rep="nan").encode("utf-8"))
            told(1)
            meta = []
            for k, (name, values) in enumerate(outcomes.items()):
                filename = f"{name}.cls"
                _add(z, filename, _outcome_csv(values))
                meta.append(("ScalarOutcome", name, filename))
                told(2 + k)
            metadata = {
                "version": EMA_FORMAT_VERSION,
                "outcomes": meta,
                "experiments": {k: v.name for k, v in experiments.dtypes.to_dict().items()},
            }
            _add(z, "metadata.json", json.dumps(metadata).encode("utf-8"))
            told(total)

    write_atomic(path, write)
    return path


def read_ema(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """Read an archive of :func:`write_ema` the way ``ema_workbench.load_results`` does, without EMA.

    Returns ``(experiments, outcomes)``: a DataFrame with the recorded dtypes, and a
    dict of outcome name to 1-D numpy array.
    """
    import numpy as np

    with tarfile.open(Path(path), "r:gz", encoding="UTF8") as archive:
        f = archive.extractfile("metadata.json")
        assert f is not None
        metadata = json.loads(f.read().decode())
        experiments = pd.read_csv(archive.extractfile("experiments.csv"))
        for name, dtype in metadata["experiments"].items():
            try:
                dt = np.dtype(dtype)
            except TypeError:
                dt = pd.api.types.pandas_dtype(dtype)
            experiments[name] = experiments[name].astype(dt)
        outcomes = {}
        for _kind, name, filename in metadata["outcomes"]:
            values = pd.read_csv(archive.extractfile(filename), index_col=False, header=None).values
            outcomes[name] = np.reshape(values, (values.shape[0],))
    return experiments, outcomes


__all__ = ["EMA_FORMAT_VERSION", "ema_tables", "read_ema", "write_ema"]

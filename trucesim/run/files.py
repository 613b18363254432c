"""Writing files whole or not at all, and outcome tables as Parquet bytes.

:func:`write_atomic` is the one way the package writes a file: to a temporary
name beside it, synced, then renamed.  A process killed at any moment leaves
either the old file or the new one (and perhaps a ``.NAME.PID.XXXXXXXX.tmp``
file, which a sweep's ``--resume`` removes), never half a file.

:func:`encode_table` and :func:`decode_table` carry outcome tables between
processes (and into a sweep's parts) as Parquet bytes.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"world": [0, 1], "deal": [True, False]})
>>> decode_table(encode_table(t)).equals(t)
True
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def temporary_name(path: Path) -> Path:
    """The temporary file :func:`write_atomic` writes ``path`` through: ``.NAME.PID.XXXXXXXX.tmp``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def write_atomic(path: str | Path, data: bytes | str | Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary file, synced and then renamed.

    ``data`` is the content (bytes, or text written as UTF-8), or a function
    that writes the file whose path it is given (for writers that stream, such
    as :meth:`pandas.DataFrame.to_csv` or a ``ParquetWriter``).  On any error
    the temporary file is removed, ``path`` is left as it was and the error is
    raised again.

    Examples
    --------
    >>> write_atomic("results/note.txt", "done\\n")                                    # doctest: +SKIP
    >>> write_atomic("table.csv", lambda tmp: table.to_csv(tmp, index=False))          # doctest: +SKIP
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        if callable(data):
            data(tmp)
        else:
            with open(tmp, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def encode_table(table: pd.DataFrame) -> bytes:
    """A table as Parquet bytes (zstd, page checksums, no index); the same table always gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    # page checksums let a reader detect a damaged file (a sweep's --resume verifies its parts)
    pq.write_table(
        pa.Table.from_pandas(table, preserve_index=False), sink, compression="zstd", write_page_checksum=True
    )
    return sink.getvalue().to_pybytes()


def decode_table(data: bytes) -> pd.DataFrame:
    """The table of :func:`encode_table`'s bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(pa.BufferReader(data)).to_pandas()

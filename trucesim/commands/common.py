"""Helpers shared by the command modules: argument types, user errors, table writing."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, found {v}")
    return v


def nonneg_int(text: str) -> int:
    """argparse type: a whole number >= 0."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, found {v}")
    return v


def write_table(path: Path, tables, option: str = "--out") -> None:
    """Stream DataFrames to ``path`` (.parquet or .csv) through a temporary file renamed when complete.

    A failure leaves any existing file at ``path`` untouched.
    """
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise UserError(f"{option} {path}: expected a file name ending in .parquet or .csv, "
                        f"found {suffix or 'no extension'!r}")
    if str(path.parent) not in ("", ".") and not path.parent.is_dir():
        raise UserError(f"{option} {path}: directory {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq
            writer = None
            try:
                for t in tables:
                    at = pa.Table.from_pandas(t, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, at.schema)
                    writer.write_table(at)
            finally:
                if writer is not None:
                    writer.close()
        else:
            first = True
            for t in tables:
                t.to_csv(tmp, mode="w" if first else "a", header=first, index=False)
                first = False
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

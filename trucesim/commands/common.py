"""Helpers shared by the command modules: argument types, user errors, table writing."""

from __future__ import annotations

import argparse
import os
from contextlib import contextmanager, suppress
from pathlib import Path

#: defaults shared by every command that has the option: ``--worlds`` of a run (run, plot) and
#: ``--dpi`` of a raster figure (:func:`add_dpi`); one constant each so the commands cannot drift apart
DEFAULT_WORLDS = 10_000
DEFAULT_DPI = 150


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


def whole_number(low: int, high: int | None = None, why: str = ""):
    """An argparse type: a whole number from ``low`` to ``high`` (no limit: ``None``); ``why`` explains ``high``.

    >>> whole_number(2, 101)("21")
    21
    >>> whole_number(2, 101, " (the grid's points)")("500")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a number <= 101 (the grid's points), found 500
    """

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"expected a number >= {low}, found {v}")
        if high is not None and v > high:
            raise argparse.ArgumentTypeError(f"expected a number <= {high:,}{why}, found {v:,}")
        return v

    return parse


#: argparse types: a whole number >= 1, and >= 0
positive_int = whole_number(1)
nonneg_int = whole_number(0)
#: the most dots per inch a figure may ask for: a 10 x 6 inch figure at 1,200 dpi is 86 million pixels
#: (print quality is 300 to 600); beyond, drawing it runs out of memory
MAX_DPI = 1_200
dpi_int = whole_number(1, MAX_DPI, " (print quality is 300 to 600; larger figures run out of memory)")


def worlds_int(text: str) -> int:
    """argparse type of every ``--worlds``: a whole number from 1 to one core-year of worlds.

    >>> worlds_int("20000")
    20000
    >>> worlds_int("99999999999999999999")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected at most 630,720,000,000 worlds (one core-year at 20,000 worlds/s), found 99,999,999,999,999,999,999 worlds (about 1.6e+08 years on one core)
    """
    from trucesim.run.chunks import SizeError, check_size

    v = positive_int(text)
    try:
        check_size(v, v, "")
    except SizeError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix(": ")) from None
    return v


#: the kinds of world ``--trace`` can pick instead of a number
TRACE_KINDS = ("first-deal", "first-no-deal")


def trace_arg(text: str) -> int | str:
    """``--trace`` of ``run`` and ``plot``: a world number (>= 0), or ``first-deal`` / ``first-no-deal``.

    Examples
    --------
    >>> trace_arg("7"), trace_arg("first-deal")
    (7, 'first-deal')
    """
    if text in TRACE_KINDS:
        return text
    try:
        return nonneg_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a world number >= 0, {TRACE_KINDS[0]} or {TRACE_KINDS[1]}, found {text[:80]!r}"
        ) from None


def traced_rows(table, target: int | str):
    """Which rows of an outcome table ``--trace target`` picks (a boolean array; the first true is the world).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"world": [0, 1, 2], "deal": [False, True, True]})
    >>> traced_rows(t, "first-deal").tolist(), traced_rows(t, 2).tolist()
    ([False, True, True], [False, False, True])
    """
    if isinstance(target, int):
        return (table["world"] == target).to_numpy()
    return table["deal"].to_numpy() == (target == "first-deal")


def write_table(path: Path, tables, option: str = "--out") -> None:
    """Stream DataFrames to ``path`` (.parquet or .csv), written whole or not at all.

    Written through :func:`trucesim.run.files.write_atomic`: a failure leaves
    any existing file at ``path`` untouched.
    """
    from trucesim.run.files import write_atomic

    check_out(path, TABLE_FORMATS, option)
    suffix = path.suffix.lower()

    def write(tmp: Path) -> None:
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

    with writing(path, option):
        write_atomic(path, write)


#: the suffixes an outcome table (``run --out``) and a figure (``plot``, ``compare``, ``backtest``) can have
TABLE_FORMATS = (".parquet", ".csv")
FIGURE_FORMATS = (".png", ".svg", ".pdf")
#: the longest output file name, in bytes: 255 less what its temporary name adds (22 bytes at most)
LONGEST_NAME = 255 - 22


def one_of(names) -> str:
    """``a, b or c``: the choices a message offers.

    >>> one_of((".png", ".svg", ".pdf")), one_of((".html",))
    ('.png, .svg or .pdf', '.html')
    """
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def check_out(path: Path, formats=TABLE_FORMATS, option: str = "--out") -> Path:
    """Refuse, before any work, an output file that could not be written; return ``path``.

    Checks the suffix against ``formats``, each name's length, that the directory exists and that
    a file can be created in it (a probe file, removed at once: a permission bit does not tell,
    for instance as root under ``/sys``).

    Examples
    --------
    >>> check_out(Path("figure.txt"), (".png",))
    Traceback (most recent call last):
    trucesim.commands.common.UserError: --out figure.txt: expected a file name ending in .png, found '.txt'
    """
    from trucesim.run.files import temporary_name

    suffix = path.suffix.lower()
    if not path.name.lower().endswith(tuple(formats)):  # endswith: a suffix of two parts (.tar.gz) too
        raise UserError(
            f"{option} {path}: expected a file name ending in {one_of(formats)}, found {suffix or 'no extension'!r}"
        )
    # a file is written through its temporary name (.NAME.PID.XXXXXXXX.tmp, up to 22 bytes longer): it
    # must fit in the filesystem's 255 bytes too, whatever the process id (else ENAMETOOLONG)
    if len(os.fsencode(path.name)) > LONGEST_NAME or any(len(os.fsencode(part)) > 255 for part in path.parts):
        raise UserError(
            f"{option} {str(path)[:80]}...: expected a file name of at most {LONGEST_NAME} bytes, found a longer one"
        )
    probe = temporary_name(path)
    parent = path.parent
    if not parent.is_dir():
        what = f"{parent} is a file, not a directory" if parent.exists() else f"directory {parent} does not exist"
        raise UserError(f"{option} {path}: {what}")
    if path.is_dir():
        raise UserError(f"{option} {path}: expected a file name, found a directory")
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as e:
        raise UserError(f"{option} {path}: cannot write in {parent}: {e.strerror or e}") from None
    finally:
        with suppress(OSError):  # also on Ctrl-C: no probe left behind
            probe.unlink()
    return path


@contextmanager
def writing(path: Path, option: str = "--out"):
    """Turn a failure to write ``path`` (a full disk, a directory gone) into a one-line :class:`UserError`.

    Examples
    --------
    >>> with writing(Path("no/such/dir/x.png")):
    ...     open("no/such/dir/x.png", "w")
    Traceback (most recent call last):
    trucesim.commands.common.UserError: --out no/such/dir/x.png: cannot write: No such file or directory
    """
    try:
        yield
    except OSError as e:
        raise UserError(f"{option} {path}: cannot write: {e.strerror or e}") from None


def file_kind(path: str | Path, expected: str | None = None) -> str | None:
    """Refuse a file of the other kind than ``expected`` ("scenario", "experiment" or None: either).

    Returns the kind the file's keys show (or ``None``: unreadable or unclear files are left
    to the loader, whose messages are more precise).
    """
    from trucesim.config.tomlio import TomlError, kind_of, read_toml, wrong_kind

    try:
        raw = read_toml(Path(path), str(path))
    except (TomlError, ValueError):
        return None
    other = wrong_kind(raw, expected, str(path)) if expected else None
    if other:
        raise UserError(other)
    return kind_of(raw)


class _DpiGiven(argparse.Action):
    """Store ``--dpi`` and note that it was given (``dpi_given``), for a command to refuse it where nothing is
    a raster figure."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        namespace.dpi_given = True


def add_dpi(parser: argparse.ArgumentParser, what: str, same_as_plot: bool = True) -> None:
    """The ``--dpi`` option every command that draws a raster figure has: the resolution of ``what``."""
    also = ", as 'trucesim plot --dpi'" if same_as_plot else ""
    parser.add_argument(
        "--dpi",
        type=dpi_int,
        default=DEFAULT_DPI,
        action=_DpiGiven,
        metavar="N",
        help=f"resolution of {what} (default: {DEFAULT_DPI}{also})",
    )
    parser.set_defaults(dpi_given=False)


def refuse_dpi_without_raster(args, out: Path | None) -> None:
    """A one-line :class:`UserError` for ``--dpi`` given where no PNG is written (no ``--out``, or an SVG or PDF):
    it would be ignored."""
    if getattr(args, "dpi_given", False) and (out is None or out.suffix.lower() not in ("", ".png")):
        where = "no --out" if out is None else f"{out.name} (vector graphics)"
        raise UserError(f"--dpi: applies to a PNG figure only, found {where}")


def add_workers(parser: argparse.ArgumentParser, what: str, scheduler: bool = False, **given) -> None:
    """The ``--workers`` option of every command that simulates (``what``: what its processes run), and with
    ``scheduler`` the ``--scheduler`` option beside it: one wording, and the promise that the numbers do not
    depend on either. ``given`` passes on to ``add_argument`` (an ``action``)."""
    cluster = "; with --scheduler local, the LocalCluster's workers" if scheduler else ""
    parser.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help=f"processes {what} (default: all cores; 1 runs in this process){cluster}; the numbers do not depend on it",
        **given,
    )
    if scheduler:
        parser.add_argument(
            "--scheduler",
            metavar="ADDRESS",
            help="run on Dask: 'local' starts a LocalCluster, tcp://HOST:PORT uses a running cluster's scheduler "
            "(default: no Dask, a process pool); the numbers do not depend on it",
        )


def add_force(parser: argparse.ArgumentParser, what: str = "the output file", workers: bool = False) -> None:
    """The ``--force`` option every command that writes a file has; ``workers``: it also lifts the cap on ``--workers``."""
    also = ""
    if workers:
        from trucesim.run.workers import WORKERS_PER_CORE

        also = f"; also starts more --workers than {WORKERS_PER_CORE} per core"
    parser.add_argument("--force", action="store_true", help=f"replace {what} if it exists (default: refuse){also}")


def refuse_overwrite(path: Path | None, force: bool, option: str = "--out") -> None:
    """Refuse, before any work, to replace an existing file unless ``--force``."""
    if path is not None and not force and (path.is_file() or path.is_symlink()):
        raise UserError(f"{option} {path}: expected a new file, found an existing one (add --force to replace it)")

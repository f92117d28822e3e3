"""Writing output files: the one atomic writer every table, figure, report and marker uses.

A file is written under a temporary name in its own folder (``.NAME.RANDOM.part``) and
renamed over the target only when complete, so a full disk, a permission error or a killed
process never leaves a half-written file under the real name: the target keeps its old
content, or does not exist. A failure raises :class:`OutputError` (one line, naming the
file) and removes the temporary file; a process killed mid-write can leave one behind,
which :func:`remove_partial_files` clears on the next run.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.errors import FramelensError

if TYPE_CHECKING:
    import pandas as pd

#: Temporary files of :func:`atomic_write`: ``.`` + target name + random part + this suffix.
PARTIAL_SUFFIX = ".part"

# mkstemp creates 0600 files; outputs get the permissions open() would give them
_UMASK = os.umask(0)
os.umask(_UMASK)


class OutputError(FramelensError, OSError):
    """An output file could not be written (disk full, permission denied, read-only)."""


def atomic_write(
    path: str | os.PathLike, write: Callable[[str], object], *, fsync: bool = False
) -> Path:
    """Call ``write(tmp)`` to fill a temporary file, then rename it to ``path``.

    Parameters
    ----------
    path : path
        The target; its folder is created if needed.
    write : callable
        Gets the temporary file's path (a ``str``) and writes the whole content there,
        e.g. ``lambda tmp: table.to_csv(tmp, index=False)``.
    fsync : bool
        Flush the content to disk before the rename, so the target is complete even after a
        power loss (used for the chunk parts and their done-markers).

    Returns the target path. Raises :class:`OutputError` if any step fails with an
    ``OSError``; other exceptions propagate. Either way no temporary file is left.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX)
        os.close(fd)
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OutputError:
        raise
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        err = OutputError(
            f"cannot write {path} ({why}); no partial file was left under that name: "
            "free some space or choose another output folder"
        )
        err.errno = exc.errno
        raise err from exc
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
    return path


def write_text(path: str | os.PathLike, text: str, *, fsync: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), fsync=fsync)


def write_csv(table: Any, path: str | os.PathLike, **to_csv: Any) -> Path:
    """Write a DataFrame as CSV atomically (``index=False`` unless given).

    The csv module quotes a field holding ``\\n`` but not a bare ``\\r``, which most readers
    (pandas, spreadsheets) take as a line break: a table with a carriage return in a text
    cell is written with every field quoted, so each row stays one row. Other tables are
    written exactly as ``to_csv`` would.
    """
    to_csv.setdefault("index", False)
    if has_carriage_return(table):
        to_csv.setdefault("quoting", csv.QUOTE_ALL)
    return atomic_write(path, lambda tmp: table.to_csv(tmp, **to_csv))


def has_carriage_return(table: Any) -> bool:
    """True when a column name or text cell holds a ``\\r`` (write such a table fully quoted)."""
    names = [str(c) for c in table.columns]
    if any("\r" in c for c in names):
        return True
    for i in range(table.shape[1]):
        values = table.iloc[:, i]
        if values.dtype.kind not in "biufcmM" and values.map(_holds_cr).any():
            return True
    return False


def _holds_cr(value: Any) -> bool:
    return isinstance(value, str) and "\r" in value


def remove_partial_files(folder: str | os.PathLike, depth: int = 1) -> int:
    """Delete temporary files a killed writer left in ``folder`` (and ``depth`` levels below).

    Returns how many were removed. Only names of the :func:`atomic_write` form
    (``.NAME.RANDOM.part``) are touched.
    """
    root = Path(folder)
    removed = 0
    patterns = [f".*{PARTIAL_SUFFIX}"] + [
        "/".join(["*"] * level + [f".*{PARTIAL_SUFFIX}"]) for level in range(1, depth + 1)
    ]
    for pattern in patterns:
        for path in root.glob(pattern):
            if path.is_file() and path.name.count(".") >= 3:
                try:
                    path.unlink()
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed


def write_tables(
    tables: Iterable[pd.DataFrame],
    tmp: str,
    fmt: str,
    strings: Sequence[str] = ("id", "reason"),
    integers: Sequence[str] = (),
) -> None:
    """Write tables one after another into one CSV/TSV (one header) or Parquet file (one
    schema: the ``strings`` columns strings, the ``integers`` columns int64, every other
    column float64, so a chunk whose reasons are all empty keeps the same types).

    The one writer of chunked tables (``framelens features``, ``classify predict``); pass it
    to :func:`atomic_write` so a file is complete or absent."""
    writer = None
    try:
        for i, table in enumerate(tables):
            if fmt == "parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                schema = pa.schema(
                    [
                        (c, pa.string() if c in strings else pa.int64() if c in integers
                         else pa.float64())
                        for c in table.columns
                    ]
                )  # fmt: skip
                if writer is None:
                    writer = pq.ParquetWriter(tmp, schema)
                writer.write_table(pa.Table.from_pandas(table, schema=schema, preserve_index=False))
            else:
                # a carriage return in a cell: quote every field of this chunk (write_csv)
                quoting = csv.QUOTE_ALL if has_carriage_return(table) else csv.QUOTE_MINIMAL
                table.to_csv(tmp, mode="w" if i == 0 else "a", header=i == 0, index=False,
                             sep="\t" if fmt == "tsv" else ",", float_format="%.6g",
                             quoting=quoting)  # fmt: skip
    finally:
        if writer is not None:
            writer.close()

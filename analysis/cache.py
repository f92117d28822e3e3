"""Feature cache: values keyed by text hash + extractor name + extractor version.

A rerun, or a second experiment over the same texts, reads the values instead of
recomputing them. Each extractor configuration gets its own SQLite table whose name is a
hash of the extractor's class, parameters, ``feature_version``, the content of the
lexicon files it may read and of files named in its parameters, the versions of the
scoring libraries (:data:`SCORING_LIBRARIES`), and a fitted
``fingerprint_`` when it has one (the trained model an extractor loaded), so values from
different versions are never mixed. SQLite
handles concurrent writers (local worker processes, Dask workers on one machine).

Rows are a 16-byte text digest and the zlib-compressed float64 values in a WITHOUT ROWID
table: the main job's cache (3,169 articles, ten extractors, 126,000 segments) takes 61 MB
against 216 MB for the first format (hex keys, raw values, a separate key index), with the
same run times cold and warm (benchmarks/pipeline.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"


def default_cache_dir() -> Path:
    return Path(os.environ.get("FRAMELENS_CACHE", Path.home() / ".cache" / "framelens"))


def text_key(text: str) -> bytes:
    """16-byte BLAKE2b digest of a text: the row key."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


#: Table name prefix of the current row format (16-byte keys, zlib-compressed float64 rows,
#: WITHOUT ROWID); tables of the first format (``f_``: hex keys, raw rows, about 4.5 times
#: larger) are dropped when a cache file is opened.
TABLE_PREFIX = "f2_"
_OLD_PREFIXES = ("f_",)


def _lexicon_fingerprint() -> str:
    digest = hashlib.sha1()
    for path in sorted(LEXICON_DIR.glob("*.yaml")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


#: Libraries whose scoring code or data the extractors run (VADER's lexicon and rules,
#: pattern's via TextBlob, NLTK's tokenizers): a new version of one may score differently,
#: so it starts new cache tables.
SCORING_LIBRARIES = ("vaderSentiment", "textblob", "nltk")


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for lib in SCORING_LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "absent"
    return out


def extractor_key(name: str, estimator: Any) -> str:
    """Stable id of an extractor configuration and version."""
    params = estimator.get_params(deep=False)
    files = {}
    for key, value in params.items():
        if isinstance(value, (str, os.PathLike)) and Path(value).is_file():
            files[key] = hashlib.sha1(Path(value).read_bytes()).hexdigest()
    from analysis import __version__

    spec = {
        "name": name,
        "class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
        "params": {k: repr(v) for k, v in sorted(params.items())},
        "feature_version": str(getattr(estimator, "feature_version", __version__)),
        "lexicons": _lexicon_fingerprint(),
        "files": files,
        "libraries": _library_versions(),
    }
    fitted = getattr(estimator, "fingerprint_", None)
    if fitted:  # what a fitted extractor read (a trained model's file), when it says
        spec["fitted"] = str(fitted)
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]


class FeatureCache:
    """Per-text feature rows in ``<dir>/features.sqlite``.

    Parameters
    ----------
    directory : path
        Cache folder (default ``$FRAMELENS_CACHE`` or ``~/.cache/framelens``).
    """

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory else default_cache_dir()
        # the folder is made on first use: `framelens cache info/clear --dir TYPO` must not
        self.path = self.directory / "features.sqlite"
        self._con: sqlite3.Connection | None = None
        self._tables: set[str] = set()  # tables this object has created or seen
        self.hits = 0
        self.misses = 0
        self.failed: str | None = None  # why the cache was given up (see transform)

    @property
    def con(self) -> sqlite3.Connection:
        if self._con is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path, timeout=120)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._drop_old_tables()
        return self._con

    def _drop_old_tables(self) -> None:
        """Drop the tables of the first row format, and vacuum a file that is mostly free
        pages (what such drops leave)."""
        names = [
            name
            for (name,) in self._con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if name.startswith(_OLD_PREFIXES) and not name.startswith(TABLE_PREFIX)
        ]
        if names:
            with self._con:
                for name in names:
                    self._con.execute(f"DROP TABLE IF EXISTS {name}")
        # give the space of dropped tables back to the disk (once: then the free list is empty)
        free = self._con.execute("PRAGMA freelist_count").fetchone()[0]
        pages = self._con.execute("PRAGMA page_count").fetchone()[0]
        if free > max(pages // 2, 1000):
            self._con.execute("VACUUM")

    def _table(self, key: str, name: str, estimator: Any) -> str:
        table = f"{TABLE_PREFIX}{key}"
        if table in self._tables:
            return table
        with self.con:
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {table} "
                "(h BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID"
            )
            # which extractor a table holds, for `framelens cache info`
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS extractors "
                "(tbl TEXT PRIMARY KEY, name TEXT, class TEXT, version TEXT, columns INTEGER)"
            )
            self.con.execute(
                "INSERT OR IGNORE INTO extractors VALUES (?, ?, ?, ?, ?)",
                (
                    table,
                    name,
                    f"{type(estimator).__module__}.{type(estimator).__qualname__}",
                    str(getattr(estimator, "feature_version", "")),
                    len(estimator.get_feature_names_out()),
                ),
            )
        self._tables.add(table)
        return table

    def info(self) -> list[dict[str, Any]]:
        """One entry per extractor table: ``table, name, class, version, columns, rows``."""
        if not self.path.is_file():
            return []
        con = self.con
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the log's pages into the file
        known = {}
        if con.execute("SELECT 1 FROM sqlite_master WHERE name='extractors'").fetchone():
            for row in con.execute("SELECT tbl, name, class, version, columns FROM extractors"):
                known[row[0]] = dict(
                    zip(("name", "class", "version", "columns"), row[1:], strict=True)
                )
        out = []
        for (table,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE ? ORDER BY name",
            (TABLE_PREFIX + "%",),
        ):
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            meta = known.get(table, {"name": "?", "class": "?", "version": "?", "columns": None})
            out.append({"table": table, **meta, "rows": rows})
        return out

    def files(self) -> list[Path]:
        """The cache file and SQLite's write-ahead log and index beside it, when present."""
        names = [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]
        return [p for p in names if p.is_file()]

    def clear(self) -> int:
        """Delete the cache file (every extractor's rows); returns the bytes freed."""
        self.close()
        freed = 0
        for path in self.files():
            freed += path.stat().st_size
            path.unlink()
        self._tables.clear()
        return freed

    def transform(self, name: str, estimator: Any, texts: Sequence[str]) -> np.ndarray:
        """``estimator.transform(texts)``, reading cached rows and computing only the rest.

        A cache that cannot be used (a folder that cannot be written, a full disk, a
        damaged file) is given up for the rest of the process with one warning: it only
        saves time, so the values are computed instead and the run goes on."""
        if self.failed is None:
            try:
                return self._transform(name, estimator, texts)
            except (sqlite3.Error, OSError) as exc:  # OSError: a folder it cannot create
                self._give_up(exc)
        return np.asarray(estimator.transform(list(texts)), dtype=np.float64).reshape(
            len(texts), len(estimator.get_feature_names_out())
        )

    def usable(self) -> bool:
        """Open the cache file now; one that cannot be used is given up with one warning
        that names the run (a run checks in its driver: once, not once per worker)."""
        if self.failed is None:
            try:
                self.con  # noqa: B018 (opens, creates or checks the file)
            except (sqlite3.Error, OSError) as exc:
                self._give_up(exc, who="this run")
        return self.failed is None

    def _give_up(self, exc: Exception, who: str = "this process") -> None:
        self.failed = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(sqlite3.Error):
            self.close()
        self._tables.clear()
        logging.getLogger("framelens").warning(
            "feature cache %s cannot be used (%s); %s computes every feature "
            "without it. Set cache.dir=PATH (or FRAMELENS_CACHE) to a writable folder with "
            "free space, or cache.enabled=false; `framelens cache clear` removes a damaged "
            "cache file",
            self.path,
            self.failed,
            who,
        )

    def _transform(self, name: str, estimator: Any, texts: Sequence[str]) -> np.ndarray:
        n_out = len(estimator.get_feature_names_out())
        table = self._table(extractor_key(name, estimator), name, estimator)
        keys = [text_key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 900):  # SQLite's bound-parameter limit
            batch = unique[start : start + 900]
            marks = ",".join("?" * len(batch))
            for h, blob in self.con.execute(
                f"SELECT h, v FROM {table} WHERE h IN ({marks})", batch
            ):
                try:
                    row = np.frombuffer(zlib.decompress(blob), dtype=np.float64)
                except (zlib.error, TypeError, ValueError):
                    continue  # a damaged row is a miss: computed again and written over
                if row.shape[0] == n_out:
                    found[h] = row
        todo = [i for i, k in enumerate(keys) if k not in found]
        first_of = {}
        for i in todo:
            first_of.setdefault(keys[i], i)
        self.hits += len(keys) - len(todo)
        self.misses += len(first_of)
        if first_of:
            idx = list(first_of.values())
            values = np.asarray(estimator.transform([texts[i] for i in idx]), dtype=np.float64)
            rows = [(keys[i], zlib.compress(values[j].tobytes(), 1)) for j, i in enumerate(idx)]
            with self.con:
                self.con.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", rows)
            for j, i in enumerate(idx):
                found[keys[i]] = values[j]
        if not keys:
            return np.empty((0, n_out))
        return np.vstack([found[k] for k in keys])

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __getstate__(self) -> dict[str, Any]:
        # connections do not cross process boundaries; each worker opens its own
        state = self.__dict__.copy()
        state["_con"] = None
        return state

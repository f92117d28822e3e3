"""The corpus layer: descriptors, fetching from a mirror or the public source, and loading.

This module is the one place that reads corpus files. Everything else receives article
tables (pandas DataFrames with :data:`analysis.records.ARTICLE_COLUMNS` plus extra columns).

Layout (see DESIGN.md)::

    corpora/<name>/corpus.yaml   descriptor: source, license, citation, files + sha256,
                                 tables (format, path, field mapping)
    corpora/<name>/README.md     what it is, for humans
    corpora/<name>/data/         fetched files (git-ignored)

A *mirror* is a directory with one ``<name>/`` folder per corpus laid out like ``data/``
(``../shared/corpora`` is one). ``FRAMELENS_MIRROR`` points at it.

Every record read becomes an article row or a quarantine entry with a reason; the
:class:`LoadReport` counts both so that ``read == loaded + quarantined + filtered``.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import dataclasses
import datetime as dt
import fnmatch
import glob
import gzip
import hashlib
import io
import itertools
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from collections import Counter, deque
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import yaml
from isal import igzip

from analysis.errors import ChecksumError, CorpusNotFound, FetchError, FramelensError
from analysis.io import atomic_write
from analysis.records import ARTICLE_COLUMNS

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("jsonl", "csv", "tsv", "parquet", "txt", "json_files", "lines")
#: Accepted date range; outside it a date is "implausible" (AllSides has 0001-11-30, 2050-09-30).
MIN_DATE = dt.date(1900, 1, 1)
#: Field mapping of a user's file when none is given: columns named like Article fields.
DEFAULT_FIELDS = {
    name: name for name in ("id", "outlet", "title", "text", "date", "url", "lean", "topic")
}
#: Alternative date spellings seen in real corpora (AllSides: ``7/23/17``).
#: Date forms read besides ISO 8601 and RFC 2822 (RSS: ``Tue, 06 Apr 2021 10:00:00 GMT``).
#: Slashed dates are read month first, as US sources write them; a corpus written day
#: first (``13/04/2021``) names its form with ``options.date_format`` (``%d/%m/%Y``).
DATE_FORMATS = (
    "%m/%d/%y",
    "%m/%d/%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y/%m/%d",
    "%d.%m.%Y",  # dotted dates are day first (05.04.2021 is 5 April)
)


# --------------------------------------------------------------------------- locations


def corpora_dir() -> Path:
    """Folder holding ``<name>/corpus.yaml`` descriptors (env ``FRAMELENS_CORPORA``)."""
    return Path(os.environ.get("FRAMELENS_CORPORA", PROJECT_ROOT / "corpora"))


def mirror_dir(mirror: str | os.PathLike | None = None) -> Path | None:
    """The mirror directory: the argument, else env ``FRAMELENS_MIRROR``, else None."""
    value = mirror if mirror not in (None, "") else os.environ.get("FRAMELENS_MIRROR")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise FetchError(
            f"mirror directory {path} does not exist: set FRAMELENS_MIRROR to a folder with "
            "one <name>/ folder per corpus (for example ../shared/corpora)"
        )
    return path.resolve()


# --------------------------------------------------------------------------- descriptors


@dataclass
class TableSpec:
    """How one table of a corpus maps onto Article.

    ``fields`` maps Article fields to source columns. A value is a column name, or one of
    ``@row`` (row number in the file), ``@stem`` (file name without suffix), ``@hash``
    (content hash of outlet+title+text), or a mapping with ``column`` and optional
    ``join`` (list of separators for nested lists), ``lower`` (lower-case), ``value``
    (a constant) or ``map`` (value translation).
    """

    name: str
    format: str
    path: str
    fields: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    date_policy: str = "quarantine"  # or "keep": keep the article, set date to None, count it
    max_chars: int = 10_000_000
    description: str = ""


@dataclass
class Descriptor:
    """A corpus descriptor (``corpora/<name>/corpus.yaml``)."""

    name: str
    title: str
    source: dict[str, Any]
    license: str
    citation: str
    files: dict[str, str]  # relative path -> sha256
    tables: dict[str, TableSpec]
    default_table: str
    counts: dict[str, int] = field(default_factory=dict)
    download: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    bundled: bool = False  # data committed beside the descriptor (corpora/sample)

    @property
    def data_dir(self) -> Path:
        assert self.folder is not None
        return self.folder if self.bundled else self.folder / "data"

    def table(self, name: str | None = None) -> TableSpec:
        key = name or self.default_table
        if key not in self.tables:
            raise CorpusNotFound(
                f"corpus {self.name!r} has no table {key!r}; its tables are: "
                + ", ".join(sorted(self.tables))
            )
        return self.tables[key]


def _table_from_dict(name: str, raw: Mapping[str, Any]) -> TableSpec:
    raw = dict(raw)
    fmt = raw.pop("format", None) or infer_format(raw.get("path", ""))
    if fmt not in FORMATS:
        raise FramelensError(
            f"table {name!r}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
        )
    known = {"path", "fields", "extra", "options", "date_policy", "max_chars", "description"}
    unknown = set(raw) - known
    if unknown:
        raise FramelensError(
            f"table {name!r}: unknown key(s) {sorted(unknown)}; known keys: {sorted(known)}"
        )
    spec = TableSpec(
        name=name,
        format=fmt,
        path=str(raw.get("path") or ""),
        fields=dict(raw.get("fields") or {}),
        extra=dict(raw.get("extra") or {}),
        options=dict(raw.get("options") or {}),
        date_policy=_date_policy(name, raw),
        max_chars=int(raw.get("max_chars") or 10_000_000),
        description=str(raw.get("description") or ""),
    )
    for required in ("outlet", "text"):
        if required not in spec.fields:
            raise FramelensError(
                f"table {name!r}: fields must map {required!r} (e.g. fields.{required}=<column>)"
            )
    return spec


def _date_policy(name: str, raw: Mapping[str, Any]) -> str:
    """``quarantine`` (the default, also for an absent key) or ``keep``.

    ``keep`` sets an unparseable or implausible date to None and keeps the article. Its
    older spelling ``"null"`` is accepted, and so is an explicit null (YAML ``null``, Hydra
    ``corpus.date_policy=null``): the key is always present in configs/corpus/custom.yaml,
    so a null there is a user asking for the "null" policy, never a missing setting.
    """
    if "date_policy" not in raw:
        return "quarantine"
    value = raw["date_policy"]
    policy = "keep" if value is None else str(value).strip().lower()
    if policy in ("keep", "null", "none"):
        return "keep"
    if policy == "quarantine":
        return policy
    raise FramelensError(
        f"table {name!r}: date_policy {value!r} not understood: use quarantine (set articles "
        "with an unparseable or implausible date aside) or keep (keep them without a date)"
    )


def infer_format(path: str | os.PathLike) -> str:
    """Guess a table format from a file name (``.jsonl.gz`` -> jsonl)."""
    name = str(path).lower()
    for suffix in (".gz", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    for ext, fmt in (
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".csv", "csv"),
        (".tsv", "tsv"),
        (".parquet", "parquet"),
        (".pq", "parquet"),
        (".txt", "txt"),
        (".json", "json_files"),
    ):
        if name.endswith(ext):
            return fmt
    raise FramelensError(
        f"cannot tell the format of {path}: give corpus.format=jsonl|csv|tsv|parquet|txt|json_files"
    )


#: A text that is nothing but a link: a record whose article was never fetched.
_LINK_ONLY_RE = re.compile(r"\s*(?:https?://|www\.)\S+\s*")


def list_corpora() -> list[str]:
    """Names of all corpora with a descriptor."""
    return sorted(p.parent.name for p in corpora_dir().glob("*/corpus.yaml"))


def get_descriptor(name: str) -> Descriptor:
    """Read ``corpora/<name>/corpus.yaml``."""
    path = corpora_dir() / name / "corpus.yaml"
    if not path.is_file():
        import difflib

        names = list_corpora()
        close = difflib.get_close_matches(str(name), names, n=2, cutoff=0.6)
        guess = f"did you mean {' or '.join(close)}? " if close else ""
        raise CorpusNotFound(
            f"no corpus named {name!r} (no {path}); {guess}known corpora: "
            f"{', '.join(names) or '(none)'}. For your own file use corpus=custom "
            "corpus.path=FILE"
        )
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    tables = {k: _table_from_dict(k, v) for k, v in (raw.get("tables") or {}).items()}
    if not tables:
        raise FramelensError(f"{path}: a descriptor needs at least one table under 'tables:'")
    return Descriptor(
        name=raw.get("name", name),
        title=raw.get("title", name),
        source=raw.get("source") or {},
        license=raw.get("license", "not stated"),
        citation=raw.get("citation", ""),
        files=dict(raw.get("files") or {}),
        tables=tables,
        default_table=raw.get("default_table") or next(iter(tables)),
        counts=dict(raw.get("counts") or {}),
        download=dict(raw.get("download") or {}),
        folder=path.parent,
        bundled=bool(raw.get("bundled", False)),
    )


# --------------------------------------------------------------------------- fetch and verify


def sha256_file(path: Path, bufsize: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(bufsize):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_join(root: Path, rel: str) -> Path:
    """``root / rel`` refusing absolute paths and ``..`` escapes (path traversal)."""
    target = (root / rel).resolve()
    if not target.is_relative_to(root.resolve()):
        raise FramelensError(f"refusing file path {rel!r}: it points outside {root}")
    return target


@dataclass
class VerifyResult:
    name: str
    location: Path
    ok: bool
    files: int
    bytes: int
    problems: list[str]

    def line(self) -> str:
        if self.ok:
            return f"{self.name}: OK ({self.files} files, {self.bytes / 1e6:.1f} MB in {self.location})"
        return f"{self.name}: FAILED in {self.location}: " + "; ".join(self.problems)


def verify_files(desc: Descriptor, root: Path) -> VerifyResult:
    """Check every file of a descriptor under ``root`` against its sha256."""
    problems, total = [], 0
    for rel, expected in sorted(desc.files.items()):
        path = _safe_join(root, rel)
        if not path.is_file():
            problems.append(f"missing file {rel}")
            continue
        total += path.stat().st_size
        actual = sha256_file(path)
        if actual != expected:
            problems.append(
                f"checksum mismatch for {rel} (expected {expected[:12]}…, got {actual[:12]}…)"
            )
    return VerifyResult(desc.name, root, not problems, len(desc.files), total, problems)


def is_fetched(desc: Descriptor) -> bool:
    """Data present: bundled with the descriptor, or every file fetched into ``data/``."""
    if desc.bundled:
        return True
    return (desc.data_dir / ".fetched").is_file() and all(
        (desc.data_dir / rel).is_file() for rel in desc.files
    )


def verify(name: str, mirror: str | os.PathLike | None = None) -> VerifyResult:
    """Verify the fetched copy of a corpus; if there is none, the mirror's copy."""
    desc = get_descriptor(name)
    if desc.bundled or is_fetched(desc):
        return verify_files(desc, desc.data_dir)
    mdir = mirror_dir(mirror)
    if mdir is None:
        raise CorpusNotFound(_how_to_get(desc))
    return verify_files(desc, mdir / desc.name)


def _how_to_get(desc: Descriptor) -> str:
    mirror = "" if mirror_dir() is not None else " and no mirror is configured"
    # only corpora whose exact files have public URLs can be downloaded
    download = (
        f"or `framelens corpora fetch {desc.name}` with network access to "
        f"{desc.source.get('url', 'its public source')}; `framelens run corpus=sample` works "
        "with neither"
        if desc.download.get("files")
        else "the only way to get these exact files; `framelens run corpus=sample` works without"
    )
    return (
        f"corpus {desc.name!r} is not fetched{mirror}. "
        f"Run `FRAMELENS_MIRROR=/path/to/mirror framelens corpora fetch {desc.name}` with a mirror "
        "directory holding one <name>/ folder per corpus (e.g. ../shared/corpora), " + download
    )


def _copy_verified(src: Path, dst: Path, expected: str, label: str) -> None:
    """Copy ``src`` to ``dst`` through a temporary file; rename only if the checksum matches."""

    def copy(tmp: str) -> None:
        digest = hashlib.sha256()
        with open(tmp, "wb") as out:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise ChecksumError(
                f"refusing {label}: checksum mismatch (expected {expected[:12]}…, got "
                f"{digest.hexdigest()[:12]}…); the source copy is corrupt or a different version"
            )

    with open(src, "rb") as fh:  # a source that cannot be read is not an output error
        atomic_write(dst, copy)


def _download(url: str, dst: Path, expected: str, timeout: float = 60) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    os.close(fd)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as out:
            shutil.copyfileobj(resp, out)
        _copy_verified(Path(tmp), dst, expected, url)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fetch(name: str, mirror: str | os.PathLike | None = None, force: bool = False) -> Path:
    """Make a corpus available under ``corpora/<name>/data/`` and return that folder.

    Copies from the mirror when one is configured, else downloads each file from the
    public source. Either way every file is checked against the descriptor's sha256 before
    it is put in place; a mismatch raises :class:`ChecksumError` naming the file.
    """
    desc = get_descriptor(name)
    if desc.bundled:
        return desc.data_dir
    if is_fetched(desc) and not force:
        return desc.data_dir
    mdir = mirror_dir(mirror)
    data = desc.data_dir
    (data / ".fetched").unlink(missing_ok=True)
    if mdir is not None:
        src_root = mdir / desc.name
        if not src_root.is_dir():
            raise FetchError(f"mirror {mdir} has no folder {desc.name}/: {_how_to_get(desc)}")
        for rel, expected in sorted(desc.files.items()):
            src = _safe_join(src_root, rel)
            if not src.is_file():
                raise FetchError(f"mirror {mdir} lacks {desc.name}/{rel}")
            _copy_verified(src, _safe_join(data, rel), expected, f"{desc.name}/{rel} from {mdir}")
    else:
        urls = desc.download.get("files") or {}
        if not urls:
            reason = desc.download.get("note", "no public download of these exact files exists")
            raise FetchError(
                f"corpus {desc.name!r} cannot be downloaded ({reason}). {_how_to_get(desc)}"
            )
        for rel, expected in sorted(desc.files.items()):
            url = urls.get(rel)
            if url is None:
                raise FetchError(f"descriptor of {desc.name} has no download URL for {rel}")
            try:
                _download(url, _safe_join(data, rel), expected)
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                raise FetchError(f"could not download {url} ({exc}). {_how_to_get(desc)}") from exc
    (data / ".fetched").write_text(dt.datetime.now(dt.timezone.utc).isoformat() + "\n")
    return data


def ensure_available(desc: Descriptor) -> Path:
    """Data folder of a corpus, fetching it from the mirror first if one is configured."""
    if is_fetched(desc):
        return desc.data_dir
    if mirror_dir() is None:
        raise CorpusNotFound(_how_to_get(desc))
    log.info("fetching %s from mirror %s", desc.name, mirror_dir())
    return fetch(desc.name)


# --------------------------------------------------------------------------- reading records


@dataclass
class RawRecord:
    """One record as read from a file: the parsed mapping, or the reason it could not be."""

    locator: str  # file:line (1-based) or file
    record: dict[str, Any] | None
    error: str | None = None
    raw: str | None = None  # the undecodable text, for the quarantine file
    # of a record with an error, the fields that could be read all the same (the id of a
    # row whose text has bytes that are not UTF-8), so a row-by-row output keeps its id
    partial: dict[str, Any] | None = None


def _open_binary(path: Path):
    if path.suffix == ".gz":
        # python-isal decompresses about twice as fast as the standard library's gzip
        return igzip.open(path, "rb")
    return open(path, "rb")


def decode_text(data: bytes, where: str) -> tuple[str | None, str | None]:
    """``(text, None)``, or ``(None, reason)``; ``where`` is ``on line N`` or ``in FILE``."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        part = "of the line" if where.startswith("on line") else "of the file"
        return None, (
            f"undecodable: invalid UTF-8 {where} (byte {exc.start + 1} {part}); "
            "save the file as UTF-8"
        )


def _read_jsonl(path: Path, spec: TableSpec) -> Generator[RawRecord, None, int]:
    """Records of a JSONL file; blank lines are not records. Returns (to ``yield from``)
    how many blank lines were skipped."""
    name = path.name
    lineno = blank = 0
    try:
        with _open_binary(path) as fh:
            for lineno, line in enumerate(fh, 1):  # noqa: B007 (used after the loop)
                if lineno == 1 and line.startswith(codecs.BOM_UTF8):
                    line = line[len(codecs.BOM_UTF8) :]  # a byte-order mark, as CSV allows
                if not line.strip():
                    blank += 1
                    continue
                loc = f"{name}:{lineno}"
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    # the reason without the line break: an unterminated string in a CRLF
                    # file read "unexpected control character" (its \r), not the real cause
                    try:
                        orjson.loads(line.rstrip(b"\r\n"))
                    except orjson.JSONDecodeError as bare:
                        exc = bare
                    text, err = decode_text(line, f"on line {lineno}")
                    # each line is parsed alone: json's own "line 1" would be the wrong line
                    err = err or f"invalid JSON: {exc.msg} (line {lineno}, column {exc.colno})"
                    yield RawRecord(loc, None, err, text or line.decode("utf-8", "replace"))
                    continue
                if not isinstance(obj, dict):
                    yield RawRecord(
                        loc,
                        None,
                        f"JSON line is {_a(type(obj).__name__)}, not an object",
                        line.decode("utf-8", "replace"),
                    )
                    continue
                yield RawRecord(loc, obj)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError, igzip.BadGzipFile) as exc:
        yield RawRecord(
            f"{name}:{lineno + 1}", None, f"truncated or corrupt file after line {lineno}: {exc}"
        )
    return blank


#: Fed to the csv module after a file's last line. It ends up inside a field only when a
#: quote opened in that field is never closed: the csv module then reads everything up to
#: the end of the file into that one field (and, not being strict, raises nothing).
_END_MARK = "\ufdd0framelens: end of file\ufdd0"


class _CsvLines:
    """The lines of a CSV text for the csv module, numbered, with lines pushed back to be
    read again (after a record that took in lines of its own neighbours)."""

    def __init__(self, lines: Iterable[str]):
        self.base = iter(lines)
        self.back: deque[str] = deque()
        self.next_line = 1  # file line number of the next line handed out
        self.taken: list[str] = []  # lines handed out for the current record

    def feed(self) -> Iterator[str]:
        while True:
            if self.back:
                line = self.back.popleft()
            else:
                line = next(self.base, None)
                if line is None:
                    yield _END_MARK
                    return
            self.taken.append(line)
            self.next_line += 1
            yield line

    def push_back(self, lines: list[str]) -> None:
        self.back.extendleft(reversed(lines))
        self.next_line -= len(lines)


def _offending_quote(lines: list[str], delimiter: str, quotechar: str = '"') -> tuple[int, bool]:
    """``(index of the line, still open)`` of the quoted field that breaks ``lines``: the
    last one opened before a closing quote is followed by other text (the csv module's
    strict error), else the one still open at the end."""
    text = "".join(lines)
    ends = list(itertools.accumulate(len(line) for line in lines))
    start, plain, quoted, closed = range(4)
    state, opened, prev = start, 0, 0
    for m in re.finditer(f"[{re.escape(quotechar + delimiter)}\r\n]", text):
        pos, char = m.start(), m.group()
        if pos > prev:  # ordinary characters before this one
            if state == closed:
                state = plain  # the csv module's strict error: ',' expected after '"'
                break
            if state == start:
                state = plain
        if state == start:
            if char == quotechar:
                state, opened = quoted, pos
        elif state == plain:
            if char != quotechar:
                state = start
        elif state == quoted:
            if char == quotechar:
                state = closed
        else:  # closed: "" is a quote inside the field; a delimiter or line break ends it
            state = quoted if char == quotechar else start
        prev = pos + 1
    return min(bisect.bisect_right(ends, opened), len(lines) - 1), state == quoted


def _csv_records(
    lines: Iterable[str], delimiter: str, quoting: int
) -> Iterator[tuple[int, list[str] | None, str | None, list[str]]]:
    """``(first line, fields or None, error, the record's lines)`` for each CSV record.

    Line numbers are 1-based physical lines of the file. A quote that is opened and never
    closed would take later lines into its field: up to the end of the file, or up to a
    later quote that the csv module (not strict) takes for its closing one. Such a record
    comes back with an error naming the line where the quote opened, and the lines after
    that one are read again as records of their own: nothing is silently swallowed.
    """
    src = _CsvLines(lines)
    while True:
        reader = csv.reader(src.feed(), delimiter=delimiter, quoting=quoting)
        while True:
            start = src.next_line
            src.taken = []
            row = next(reader, None)
            taken = src.taken
            if row is None or row == [_END_MARK]:
                return
            # the last field ran to the end of the file, or (checked only for records of
            # several lines: one line cannot take in another record) a quote closed a field
            # and text went on after it, which only a misplaced quote does
            to_the_end = bool(row) and row[-1].endswith(_END_MARK)
            if not to_the_end and (
                len(taken) < 2 or quoting == csv.QUOTE_NONE or _strict_ok(taken, delimiter)
            ):
                yield start, row, None, taken
                continue
            opened, still_open = _offending_quote(taken, delimiter)
            closing = (
                "is never closed, so it would take in the rest of the file"
                if still_open
                else "is not closed where it should be, so it took in the lines after it up "
                "to a later quote"
            )
            rest = taken[opened + 1 :]
            reason = (
                f"unterminated quote: the quoted field opened on line {start + opened} "
                f"{closing}; close the quote (a quote inside a quoted field is written "
                'twice: "")'
            )
            if rest:
                after, last = start + opened + 1, start + len(taken) - 1
                reason += (
                    f". Line {after} was read again as a record of its own"
                    if after == last
                    else f". Lines {after}-{last} were read again as records of their own"
                )
            yield start, None, reason, taken[: opened + 1]
            src.push_back(rest)
            break


def _strict_ok(lines: list[str], delimiter: str) -> bool:
    """True when ``lines`` parse as CSV with the csv module's strict quoting rules."""
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return False
    return True


def _csv_dialect(spec: TableSpec) -> tuple[str, int]:
    """``(delimiter, quoting)``: the table's options, else ',' for CSV and a tab for TSV."""
    opts = spec.options
    quoting = csv.QUOTE_NONE if opts.get("quoting") == "none" else csv.QUOTE_MINIMAL
    return opts.get("delimiter") or ("\t" if spec.format == "tsv" else ","), quoting


def _csv_header(row: list[str]) -> list[str]:
    # column names are text too: undecodable bytes become U+FFFD, not a crash later
    return [_replace_undecodable(h).lstrip("\ufeff") for h in row]


def _read_csv(path: Path, spec: TableSpec) -> Generator[RawRecord, None, int]:
    """Records of a CSV/TSV file after its header. In a one-column file an empty line is an
    empty value (a record, whose text is then "empty text"); with several columns a wholly
    empty line is not a record and is skipped. Returns (to ``yield from``) how many empty
    lines were skipped."""
    name = path.name
    blank = 0
    delimiter, quoting = _csv_dialect(spec)
    # the csv module stops at fields over 131,072 characters, losing every later row; long
    # texts are max_chars' business (quarantined with a reason), not the reader's
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    line = 0
    try:
        with _open_binary(path) as raw:
            # surrogateescape keeps undecodable bytes so the row can be quarantined, not lost
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
            records = _csv_records(text, delimiter, quoting)
            first = next(records, None)
            if first is None:
                return blank
            line, header, header_error, lines = first
            if header is None:
                yield RawRecord(f"{name}:{line}", None, header_error, _joined(lines))
                for line, row, error, lines in records:
                    if row is not None and not row:
                        blank += 1
                        continue
                    yield RawRecord(
                        f"{name}:{line}",
                        None,
                        error or "no header: the header could not be read (see its entry)",
                        _joined(lines),
                    )
                return blank
            header = _csv_header(header)
            width = len(header)
            row_no = 0
            for line, row, error, lines in records:
                if row is not None and not row:  # a truly empty line; whitespace is a record
                    if width != 1:
                        blank += 1
                        continue
                    row = [""]  # one column: the line is that column's empty value
                row_no += 1
                loc = f"{name}:{line}"
                if error:
                    # the first field comes before whatever broke the record (a quote
                    # opened later and never closed): kept, so the record keeps its id
                    first = lines[0].split(delimiter, 1) if lines else []
                    partial = None
                    if len(first) == 2 and not first[0].lstrip().startswith('"'):
                        partial = {header[0]: first[0]}
                    yield RawRecord(loc, None, error, _joined(lines), partial=partial)
                    continue
                bad = [i for i, v in enumerate(row) if _has_surrogates(v)]
                if bad:
                    columns = [repr(header[i]) if i < width else f"field {i + 1}" for i in bad]
                    readable = None
                    if len(row) == width:
                        pairs = zip(header, row, strict=True)
                        readable = {h: v for h, v in pairs if not _has_surrogates(v)}
                    yield RawRecord(
                        loc,
                        None,
                        f"undecodable: invalid UTF-8 in column{'s' if len(bad) > 1 else ''} "
                        f"{', '.join(columns)} of the record on line {line}; save the file "
                        "as UTF-8",
                        _joined(lines),
                        partial=readable,
                    )
                    continue
                if len(row) != width:
                    if len(row) > width:
                        fix = f"quote a field that holds the delimiter {delimiter!r}"
                    elif lines and not lines[-1].endswith(("\n", "\r")):
                        fix = (
                            "a field is missing on the file's last line, which has no line "
                            "break: the file may be cut off (an interrupted copy or download?)"
                        )
                    else:
                        fix = (
                            f"a field is missing, or the row is cut short; a field that holds "
                            f"the delimiter {delimiter!r} must be quoted"
                        )
                    yield RawRecord(
                        loc,
                        None,
                        f"row has {len(row)} fields, header has {width} (line {line}): {fix}",
                        _joined(lines),
                        # a field too many: the first field sits before the unquoted
                        # delimiter, so it is the record's id (a row too short may lack it)
                        partial={header[0]: row[0]} if len(row) > width else None,
                    )
                    continue
                rec = dict(zip(header, row, strict=True))
                rec["@row"] = row_no
                yield RawRecord(loc, rec)
    except (EOFError, gzip.BadGzipFile, zlib.error, csv.Error, OSError) as exc:
        after = f"reading stopped after the record on line {line}: " if line else ""
        yield RawRecord(f"{name}:{line + 1}", None, f"truncated or corrupt file: {after}{exc}")
    return blank


def _a(noun: str) -> str:
    """``a list``, ``an int``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _joined(lines: list[str]) -> str:
    return _replace_undecodable("".join(lines))


def _replace_undecodable(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_parquet(path: Path, spec: TableSpec) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        yield RawRecord(path.name, None, f"unreadable Parquet file: {exc}")
        return
    row = 0
    for batch in pf.iter_batches(batch_size=10_000):
        for rec in batch.to_pylist():
            row += 1
            rec["@row"] = row
            yield RawRecord(f"{path.name}:{row}", rec)


def _read_whole_file(path: Path, spec: TableSpec) -> Iterator[RawRecord]:
    with _open_binary(path) as fh:
        data = fh.read()
    text, err = decode_text(data, f"in {path.name}")
    if err:
        yield RawRecord(path.name, None, err, data.decode("utf-8", "replace"))
        return
    if spec.format == "txt":
        yield RawRecord(path.name, {"text": text, "@stem": path.stem})
        return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield RawRecord(path.name, None, f"invalid JSON: {exc}", text)
        return
    if isinstance(obj, list):
        # a JSON array of records (pandas' orient="records"): read whole, so JSONL is the
        # format for corpora too large for memory
        for i, item in enumerate(obj):
            where = f"{path.name}[{i}]"
            if isinstance(item, dict):
                item["@row"] = i + 1
                yield RawRecord(where, item)
            else:
                yield RawRecord(
                    where, None, f"JSON item is {_a(type(item).__name__)}, not an object", item
                )
        return
    if not isinstance(obj, dict):
        yield RawRecord(path.name, None, f"JSON file holds {_a(type(obj).__name__)}, not an object")
        return
    obj["@stem"] = path.stem
    yield RawRecord(path.name, obj)


def _read_lines(path: Path, spec: TableSpec) -> Iterator[RawRecord]:
    """One text per line, with optional parallel label files (TweetEval layout)."""
    label_files = {
        col: _safe_join(path.parent, rel) for col, rel in (spec.options.get("labels") or {}).items()
    }
    label_lines = {
        col: p.read_text(encoding="utf-8").splitlines() for col, p in label_files.items()
    }
    texts = path.read_bytes().split(b"\n")
    if texts and texts[-1] == b"":
        texts.pop()
    for col, lines in label_lines.items():
        if len(lines) != len(texts):
            raise FramelensError(
                f"{label_files[col]} has {len(lines)} lines but {path.name} has {len(texts)}: "
                "the label file does not line up with the text file"
            )
    for i, line in enumerate(texts):
        loc = f"{path.name}:{i + 1}"
        text, err = decode_text(line, f"on line {i + 1}")
        if err:
            yield RawRecord(loc, None, err, line.decode("utf-8", "replace"))
            continue
        rec = {"text": text, "@row": i + 1}
        for col, lines in label_lines.items():
            rec[col] = lines[i].strip()
        yield RawRecord(loc, rec)


def read_raw(path: Path, spec: TableSpec) -> Iterator[RawRecord]:
    """Yield raw records from one file in the table's format.

    The CSV/TSV and JSONL readers skip lines that are not records (an empty line of a
    multi-column CSV, a blank JSONL line) and return their count as the generator's value:
    ``skipped = yield from read_raw(...)`` (None from the other readers)."""
    fmt = spec.format
    if fmt == "jsonl":
        return _read_jsonl(path, spec)
    if fmt in ("csv", "tsv"):
        return _read_csv(path, spec)
    if fmt == "parquet":
        return _read_parquet(path, spec)
    if fmt in ("txt", "json_files"):
        return _read_whole_file(path, spec)
    if fmt == "lines":
        return _read_lines(path, spec)
    raise FramelensError(f"unknown format {fmt!r}")


def table_files(spec: TableSpec, root: Path) -> list[Path]:
    """Files of a table: ``spec.path`` is a file or glob relative to ``root`` (or absolute)."""
    pattern = Path(spec.path).expanduser()
    if not pattern.is_absolute():
        pattern = root / pattern
    if glob.has_magic(str(pattern)):
        files = sorted(Path(p) for p in glob.glob(str(pattern), recursive=True))
    else:
        files = [pattern] if pattern.exists() else []
    files = [f for f in files if f.is_file() and not fnmatch.fnmatch(f.name, "*.part")]
    if not files:
        raise CorpusNotFound(
            f"no input file matches {pattern}: check corpus.path (and that the corpus is fetched)"
        )
    return files


def table_columns(path: Path, spec: TableSpec) -> list[str] | None:
    """Column names of a CSV/TSV header or a Parquet schema; None when the format has no
    header (JSONL: each record has its own keys) or the header cannot be read (the reader
    then quarantines what it can, with a reason)."""
    try:
        if spec.format in ("csv", "tsv"):
            delimiter, quoting = _csv_dialect(spec)
            with _open_binary(path) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
                first = next(_csv_records(text, delimiter, quoting), None)
            return None if first is None or first[1] is None else _csv_header(first[1])
        if spec.format == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
    except Exception:  # noqa: BLE001 (an unreadable file is the reader's to report)
        return None
    return None


def record_fields(path: Path, spec: TableSpec, sample: int = 100) -> list[str] | None:
    """The field names of a file's first ``sample`` readable records, in any format the
    corpus layer reads (a CSV header, JSONL or JSON records, a Parquet schema): a hint of
    what a file holds, not a schema. None when no record can be read."""
    seen: dict[str, None] = {}
    read = 0
    try:
        for raw in read_raw(path, spec):
            if isinstance(raw.record, dict):
                seen.update(dict.fromkeys(k for k in raw.record if not k.startswith("@")))
                read += 1
                if read >= sample:
                    break
    except Exception:  # noqa: BLE001 (an unreadable file is the reader's to report)
        return list(seen) or None
    return list(seen) or None


def _mapped_column(how: Any) -> str | None:
    """The source column a field mapping reads (None for ``@row``, ``{value}``...)."""
    if isinstance(how, str):
        return None if how.startswith("@") else how
    if isinstance(how, Mapping) and "value" not in how:
        return how.get("column") or None
    return None


#: What the required fields hold, for messages; and columns that often hold them.
_REQUIRED = {
    "text": ("article text", ("body", "content", "article", "full_text", "sentence", "tweet")),
    "outlet": ("outlet", ("source", "publisher", "media", "site", "domain")),
}


def _how_to_map(field_name: str, source: CorpusSource) -> str:
    if source.custom:
        return source.fields_hint.format(field=field_name)
    if field_name in source.overridden:  # the mapping came from the command line
        return f"+corpus.fields.{field_name}=COLUMN"
    return f"fields.{field_name} of table {source.table.name} in corpora/{source.name}/corpus.yaml"


def check_columns(path: Path, source: CorpusSource) -> None:
    """Stop before reading when the header lacks the column a required field maps to.

    Every row would otherwise be quarantined with the same reason; this names the column,
    lists those the file has, and the setting that chooses another.
    """
    columns = table_columns(path, source.table)
    if columns is None:
        _check_named_columns(path, source, None)
        return
    missing: list[tuple[str, str, str]] = []  # (column, what, hint)
    for name, (what, likely) in _REQUIRED.items():
        column = _mapped_column(source.table.fields.get(name))
        if column is None or column in columns:
            continue
        shown = ", ".join(repr(c[:40]) for c in columns[:30])
        if len(columns) > 30:
            shown += f" and {len(columns) - 30} more"
        guess = next((c for c in columns if c.strip().lower() in likely), None)
        hint = _how_to_map(name, source)
        if guess is not None:
            hint = hint.replace("=COLUMN", f"={guess}")
        missing.append((column, what, hint))
        message = (
            f"{path.name} has no column {column!r} (the column mapped to the {what}); its "
            f"columns are: {shown or '(none)'}. Map the {what} to its column with {hint}"
        )
        sep = other_delimiter(columns, column)
        if sep is not None:  # e.g. a European spreadsheet's ';'-separated "CSV"
            if not source.custom:
                how = (
                    f"options.delimiter of table {source.table.name} in "
                    f"corpora/{source.name}/corpus.yaml"
                )
            elif sep == "\t":
                how = "corpus.format=tsv"
            else:  # quoted for the shell and for Hydra, which cannot parse a bare ';'
                how = f"\"corpus.options.delimiter='{sep}'\""
            raise FramelensError(
                f"{path.name} has one column {columns[0][:60]!r}: its fields look separated "
                f"by {sep!r}, not {_csv_dialect(source.table)[0]!r}; read it with {how}"
            )
    if len(missing) == 1:
        raise FramelensError(message)
    if missing:  # every column at once, not one per attempt
        raise FramelensError(
            f"{path.name} has none of the columns mapped to "
            + " and ".join(f"the {what} ({column!r})" for column, what, _ in missing)
            + f"; its columns are: {shown or '(none)'}. Map them with "
            + " and ".join(hint for _, _, hint in missing)
        )
    _check_named_columns(path, source, columns)


#: Records of a headerless file (JSONL, JSON) looked at for the columns a mapping names.
NAMED_COLUMN_SAMPLE = 1000


def _check_named_columns(path: Path, source: CorpusSource, columns: list[str] | None) -> None:
    """Stop when a column the user named (``corpus.fields.date=publishd``) is not in the
    file: the field would be empty in every article, and the analyses that need it (leans,
    dates) would quietly drop out. A headerless file is judged by its first
    :data:`NAMED_COLUMN_SAMPLE` records."""
    if not source.named_columns:
        return
    where = "its columns are"
    if columns is None:
        columns = record_fields(path, source.table, sample=NAMED_COLUMN_SAMPLE)
        if columns is None:
            return  # nothing readable: the reader quarantines each record with its reason
        where = f"its first {NAMED_COLUMN_SAMPLE:,} records have the keys"
    absent = [(setting, col) for setting, col in source.named_columns if col not in columns]
    if not absent:
        return
    import difflib

    fixes = []
    for setting, col in absent:
        close = difflib.get_close_matches(col, columns, n=1, cutoff=0.6)
        fixes.append(f"{setting}={close[0]}" if close else f"{setting}=COLUMN (or drop it)")
    shown = ", ".join(repr(c[:40]) for c in columns[:30])
    if len(columns) > 30:
        shown += f" and {len(columns) - 30} more"
    raise FramelensError(
        f"{path.name} has no column "
        + " and no column ".join(f"{col!r} (named by {setting})" for setting, col in absent)
        + f"; {where}: {shown or '(none)'}. Fix the mapping: {' '.join(fixes)}"
    )


def input_spec(path: Path, fmt: str, text_field: str) -> TableSpec:
    """The table spec of a researcher's own ``--input`` file (``framelens features``,
    ``classify predict``). A CSV or TSV whose header is one column that splits into the
    named text field on another delimiter (a spreadsheet export separated by ';', a tab
    or '|') is read with that delimiter, as it is written."""
    spec = TableSpec(name="input", format=fmt, path=str(path), fields={"text": text_field})
    if fmt in ("csv", "tsv"):
        header = table_columns(Path(path), spec) or []
        sep = other_delimiter(header, text_field) if len(header) == 1 else None
        if sep is not None:
            spec.options["delimiter"] = sep
    return spec


def other_delimiter(columns: list[str], wanted: str) -> str | None:
    """The delimiter a one-column header splits on into a header with ``wanted`` in it."""
    if len(columns) != 1:
        return None
    return next((sep for sep in (";", "\t", "|", ",") if wanted in columns[0].split(sep)), None)


# --------------------------------------------------------------------------- mapping + validation


@dataclass
class LoadReport:
    """Accounting of one load: every record read is loaded, quarantined or filtered."""

    corpus: str
    table: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    filtered: int = 0
    reasons: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    quarantine_path: Path | None = None
    outlets: Counter = field(default_factory=Counter)  # articles loaded per outlet name
    outlet_mapping: Any = "outlet"  # how the table maps the outlet field (for the merge hint)

    @property
    def outlet_variants(self) -> list[list[str]]:
        """Outlet names that differ only in case, spacing or punctuation ("Fox News",
        "FOX News"; "Newsmax - News", "Newsmax (News)"), largest first in each group: most
        likely one outlet, which the comparisons would count as several."""
        groups: dict[str, list[str]] = {}
        for name in self.outlets:
            groups.setdefault(_OUTLET_KEY_RE.sub("", name.casefold()), []).append(name)
        found = [sorted(g, key=lambda n: (-self.outlets[n], n)) for g in groups.values()]
        return sorted((g for g in found if len(g) > 1), key=lambda g: g[0])

    def variants_line(self) -> str | None:
        """The outlet variants in words, with the setting that merges them."""
        groups = self.outlet_variants
        if not groups:
            return None
        shown = "; ".join(
            " / ".join(f"{n!r} ({self.outlets[n]:,})" for n in g) for g in groups[:10]
        )
        more = f" and {len(groups) - 10} more" if len(groups) > 10 else ""
        return (
            f"outlet names that differ only in case, spacing or punctuation, counted as "
            f"different outlets: {shown}{more}. If they are one outlet, merge them with "
            + merge_override(self.outlet_mapping, {n: g[0] for g in groups for n in g[1:]})
        )

    def summary(self) -> str:
        line = (
            f"{self.corpus}/{self.table}: read {self.read:,} records: loaded {self.loaded:,}, "
            f"quarantined {self.quarantined:,}"
        )
        if self.filtered:
            line += f", filtered out {self.filtered:,}"
        if self.reasons:
            line += " (" + "; ".join(f"{k}: {v:,}" for k, v in self.reasons.most_common()) + ")"
        if self.warnings:
            line += "; kept with warnings: " + "; ".join(
                f"{k}: {v:,}" for k, v in self.warnings.most_common()
            )
        if self.quarantined and self.quarantine_path:
            line += f"; see {self.quarantine_path}"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "table": self.table,
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "filtered": self.filtered,
            "reasons": dict(sorted(self.reasons.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "outlet_variants": self.outlet_variants,
        }


_HYDRA_SPECIAL_RE = re.compile(r"([\\()\[\]{}:=,])")


def merge_override(how: Any, merge: Mapping[str, str]) -> str:
    """How to map outlet names onto others, on top of the outlet field's mapping ``how`` (a
    column name or ``{column, map}``): a command-line override quoted for the shell, or,
    when a name holds a quote (which Hydra's override syntax cannot carry), the YAML."""
    column = _mapped_column(how) or "COLUMN"
    old = dict(how.get("map") or {}) if isinstance(how, Mapping) else {}
    pairs = {str(k): str(v) for k, v in {**old, **merge}.items()}
    if any(q in text for pair in pairs.items() for text in pair for q in "'\""):
        mapping = {"corpus": {"fields": {"outlet": {"column": column, "map": pairs}}}}
        flow = yaml.safe_dump(mapping, default_flow_style=None, allow_unicode=True, width=1000)
        return f"this in the experiment config: {flow.strip()}"

    def esc(value: str) -> str:
        return _HYDRA_SPECIAL_RE.sub(r"\\\1", value)

    body = ",".join(f"{esc(k)}:{esc(v)}" for k, v in pairs.items())
    return f"'++corpus.fields.outlet={{column:{esc(column)},map:{{{body}}}}}'"


_QUOTED_VALUE_RE = re.compile(r"""\s*(?:'[^']*'|"[^"]*")""")
_OUTLET_KEY_RE = re.compile(r"[\W_]+")


def _reason_kind(reason: str) -> str:
    """Short category of a reason for the summary (the full text goes to the quarantine
    file): ``duplicate id 'a0' (first seen at …)`` -> ``duplicate id``, so a corpus of a
    million duplicates has one category, not a million."""
    # quoted values first: an id may hold ':' or ' (' ("duplicate id 'http://x'")
    kind = _QUOTED_VALUE_RE.sub("", reason).split(":", 1)[0].split(" (", 1)[0].strip()
    return kind or reason.split(":", 1)[0]


def parse_date(value: Any, fmt: str | None = None) -> tuple[str | None, str | None]:
    """``(iso_date, problem)``: ISO ``YYYY-MM-DD`` or None, and why not if it is not parseable.

    Read: ISO dates and date-times, RFC 2822 (RSS, e-mail), the :data:`DATE_FORMATS`.
    ``fmt`` (a ``strptime`` format: a table's ``options.date_format``) is tried first and
    takes the place of the month-first slashed forms (a day-first file must not read
    ``04/05/2021`` as April 5); ISO, RFC 2822 and written-out dates are still read.
    Empty values are no date and no problem.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None, None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed = value
    else:
        text = str(value).strip()
        if not text:
            return None, None
        parsed = None
        for form in (fmt, *_UNAMBIGUOUS_READERS) if fmt else _DATE_READERS:
            try:
                parsed = form(text) if callable(form) else dt.datetime.strptime(text, form).date()
                break
            except (ValueError, TypeError, IndexError):
                continue
        if parsed is None:
            how = f" (options.date_format {fmt!r})" if fmt else ""
            if not fmt and re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2,4}", text):
                how = (
                    " (slashed dates are read month first; for day-first dates set "
                    "corpus.options.date_format=%d/%m/%Y)"
                )
            iso = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ])", text)
            if iso and not how:  # the form is right, the day is not: 2021-02-30
                y, m, d = map(int, iso.groups())
                how = (
                    f" (there is no day {d} in month {m} of {y})"
                    if 1 <= m <= 12
                    else (f" (there is no month {m})")
                )
            return None, f"unparseable date: {text[:40]!r}{how}"
    if not (MIN_DATE <= parsed <= dt.date.today() + dt.timedelta(days=366)):
        return None, f"implausible date: {parsed.isoformat()}"
    return parsed.isoformat(), None


def _iso_date(text: str) -> dt.date:
    """``2021-04-05``, or an ISO date-time starting so (``T``/space and a time after it);
    not ``2021-04-05garbage``."""
    if len(text) > 10 and text[10] not in "T ":
        raise ValueError(text)
    return dt.date.fromisoformat(text[:10])


def _rfc2822_date(text: str) -> dt.date:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(text).date()


_DATE_READERS = (_iso_date, _rfc2822_date, *DATE_FORMATS)
#: what ``options.date_format`` leaves of them: not the month-first slashed forms
_UNAMBIGUOUS_READERS = tuple(f for f in _DATE_READERS if f not in ("%m/%d/%y", "%m/%d/%Y"))


def _nested_join(value: Any, seps: list[str]) -> str:
    if isinstance(value, str) and seps and value.startswith("["):
        # BASIL stores some lists as their Python repr; parse safely, never eval
        import ast

        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    if isinstance(value, list):
        sep, rest = (seps[0], seps[1:]) if seps else (" ", [])
        return sep.join(_nested_join(v, rest) for v in value)
    return "" if value is None else str(value)


class _Missing:
    """Marks a column absent from a record (as opposed to present but empty)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


class FieldMapper:
    """Turns a raw record into an article row according to a :class:`TableSpec`."""

    def __init__(self, spec: TableSpec, corpus: str):
        self.spec = spec
        self.corpus = corpus
        self.getters = {name: self._getter(name, how) for name, how in spec.fields.items()}
        self.extra_getters = {name: self._getter(name, how) for name, how in spec.extra.items()}
        self.file_stem = ""

    def _getter(self, name: str, how: Any):
        if isinstance(how, str):
            if how == "@row":
                return lambda rec: f"{self.file_stem}:{rec.get('@row')}"
            if how == "@stem":
                return lambda rec: rec.get("@stem")
            if how == "@hash":
                return None  # computed after the other fields
            return lambda rec, col=how: rec.get(col, MISSING)
        if isinstance(how, Mapping):
            if "value" in how:
                return lambda rec, v=how["value"]: v
            col = how.get("column")
            if not col:
                raise FramelensError(
                    f"corpus {self.corpus}: field {name!r} needs 'column' or 'value'"
                )
            seps = list(how.get("join") or [])
            lower = bool(how.get("lower"))
            mapping = dict(how.get("map") or {})

            def get(rec, col=col, seps=seps, lower=lower, mapping=mapping):
                v = rec.get(col, MISSING)
                if v is MISSING:  # the record has no such column: named in the reason
                    return MISSING
                if seps:
                    v = _nested_join(v, seps)
                if lower and isinstance(v, str):
                    v = v.lower()
                if mapping and v is not None:
                    v = mapping.get(v, mapping.get(str(v), v))
                return v

            return get
        raise FramelensError(f"corpus {self.corpus}: field {name!r} mapping {how!r} not understood")

    def map(self, rec: dict[str, Any]) -> dict[str, Any]:
        row = {name: (g(rec) if g else None) for name, g in self.getters.items()}
        for name, g in self.extra_getters.items():
            row[name] = g(rec)
        for name, value in row.items():
            if value is MISSING and name not in ("id", "text", "outlet"):
                row[name] = None
        return row


def _as_text(value: Any) -> tuple[str | None, str | None]:
    if value is None or (isinstance(value, float) and value != value):
        return None, "missing"
    if isinstance(value, str):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), None
    return None, f"is {_a(type(value).__name__)}, not text"


def _is_blank(record: Mapping[str, Any] | None, how: Any) -> bool:
    """The record has the column ``how`` maps, and it is empty (not absent)."""
    column = _mapped_column(how)
    if not record or column is None or column not in record:
        return False
    value = record[column]
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


def _content_id(outlet: str, title: str, text: str) -> str:
    h = hashlib.sha1(f"{outlet}\x1f{title}\x1f{text}".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:16]


class Validator:
    """Validates mapped rows; remembers ids across chunks to catch duplicates.

    ``source`` (when given) lets the reasons name the setting that fixes them: the command
    line override for a user's own file, the descriptor for a named corpus.
    """

    def __init__(self, spec: TableSpec, source: CorpusSource | None = None):
        self.spec = spec
        self.source = source
        self.seen: dict[str, tuple[str, bytes]] = {}  # id -> (where first seen, text digest)
        self.texts: dict[bytes, tuple[str, str]] = {}  # text digest -> (first id, its outlet)
        custom = source is None or source.custom
        self.keep_dates = "corpus.date_policy=keep" if custom else "++corpus.date_policy=keep"
        # options.duplicate_texts: "quarantine" (the default) an article whose outlet already
        # has one with the same text, or "keep" it (labelled corpora: each row is an item)
        policy = spec.options.get("duplicate_texts") or "quarantine"
        if policy not in ("quarantine", "keep"):
            raise FramelensError(
                f"table {spec.name!r}: options.duplicate_texts must be 'quarantine' or 'keep', "
                f"got {policy!r}"
            )
        self.keep_duplicates = policy == "keep"

    def _no_field(self, name: str, record: Mapping[str, Any] | None) -> str:
        column = _mapped_column(self.spec.fields.get(name))
        has = sorted(str(k) for k in (record or {}) if not str(k).startswith("@"))
        shown = ", ".join(repr(k[:40]) for k in has[:30]) or "none"
        how = (
            _how_to_map(name, self.source)
            if self.source is not None
            else f"corpus.fields.{name}=COLUMN"
        )
        return (
            f"missing {name}: the record has no {column!r} field (its fields: {shown}); "
            f"name the field that holds the {_REQUIRED[name][0]} with {how}"
        )

    def check(
        self, row: dict[str, Any], locator: str, record: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any] | None, str | None, list[str]]:
        """Return ``(article_row, reason, warnings)``; ``article_row`` is None when quarantined.

        ``record`` is the raw record ``row`` was mapped from (its keys name what it has).
        """
        warnings: list[str] = []
        if row.get("text") is MISSING:
            return None, self._no_field("text", record), warnings
        value = row.get("text")
        if value is not None and not isinstance(value, str) and value == value:
            # a number, a boolean or a list is not an article (CSV cells are strings:
            # "1984" stays text); in the words `framelens features` and `predict` use
            from analysis.records import text_problem

            problem = text_problem(value)
            if problem:
                return None, problem, warnings
        text, problem = _as_text(value)
        if problem:
            return (
                None,
                f"text {problem}" if problem != "missing" else "empty text: the text field is null",
                warnings,
            )
        if "\x00" in text:
            text = text.replace("\x00", "")
            warnings.append("NUL characters removed from text")
        if ("<" in text or "&" in text) and self.spec.options.get("html", True) is not False:
            # markup in a text field (a CMS export, a scraped page): inline tags and
            # entities would otherwise be read as quotations and prose
            from analysis.segment import html_to_text

            clean = html_to_text(text)
            if clean != text:
                text = clean
                warnings.append(
                    "HTML converted to text (corpus.options.html=false keeps it as given)"
                )
        if not text.strip():  # after NULs are removed: "\x00" alone is an empty text
            return None, "empty text: the text is empty or whitespace only", warnings
        if _LINK_ONLY_RE.fullmatch(text):
            return (
                None,
                "no article text: the text is only a link (the article was not fetched); "
                "fetch its text, or drop the record",
                warnings,
            )
        if len(text) > self.spec.max_chars:
            return (
                None,
                f"text too long: {len(text):,} characters > max_chars {self.spec.max_chars:,}",
                warnings,
            )
        if row.get("outlet") is MISSING:
            return None, self._no_field("outlet", record), warnings
        outlet, problem = _as_text(row.get("outlet"))
        if problem and problem != "missing":
            return None, f"outlet {problem}", warnings
        if problem or not outlet.strip():
            return (
                None,
                "missing outlet: this record's outlet value is empty (every article needs "
                "one: fill it in, or drop the record)",
                warnings,
            )
        title, problem = _as_text(row.get("title"))
        if problem == "missing":
            title = ""
        elif problem:
            return None, f"title {problem}", warnings
        elif "&" in title and self.spec.options.get("html", True) is not False:
            from analysis.segment import html_to_text

            title = html_to_text(title)  # "Q&amp;A" -> "Q&A"
        date, problem = parse_date(row.get("date"), self.spec.options.get("date_format"))
        if problem:
            if self.spec.date_policy == "quarantine":
                return (
                    None,
                    f"{problem} (to keep such articles without a date: {self.keep_dates})",
                    warnings,
                )
            warnings.append(_reason_kind(problem) + " set to null")
        elif date is None and _is_blank(record, self.spec.fields.get("date")):
            warnings.append("empty date: kept undated")
        if row.get("id") is MISSING:
            rid = locator  # the file has no id column: file:line identifies the record
            warnings.append("no id column: file:line used as id")
        elif "id" in self.spec.fields and self.spec.fields["id"] != "@hash":
            rid, problem = _as_text(row.get("id"))
            if problem or not rid.strip():
                return None, "missing id: the id column is empty", warnings
            rid = rid.strip()
        else:
            rid = _content_id(outlet, title, text)
        digest = hashlib.blake2b(
            text.encode("utf-8", "surrogatepass"), digest_size=8, usedforsecurity=False
        ).digest()
        if rid in self.seen:
            where, first = self.seen[rid]
            differs = "" if first == digest else "; its text differs from the first's"
            return None, f"duplicate id {rid!r} (first seen at {where}){differs}", warnings
        outlet = sys.intern(outlet.strip())
        same = self.texts.get(digest)
        if same is not None:
            first_id, first_outlet = same
            if first_outlet == outlet and self.keep_duplicates is False:
                # a repost or a repeated row: counted once
                return (
                    None,
                    f"duplicate text: the same outlet's article {first_id!r} (first seen at "
                    f"{self.seen[first_id][0]}) has the same text",
                    warnings,
                )
            warnings.append(
                "text identical to an earlier article of the same outlet"
                if first_outlet == outlet
                else "text identical to another outlet's article (a syndicated copy)"
            )
        else:
            self.texts[digest] = (rid, outlet)
        self.seen[rid] = (locator, digest)
        out = {
            "id": rid,
            "outlet": outlet,
            "title": title,
            "text": text,
            "date": date,
        }
        for name in ("url", "lean", "topic", "language"):
            v = row.get(name)
            out[name] = (
                None if v is None or (isinstance(v, float) and v != v) or v == "" else str(v)
            )
        if out["lean"] is not None:
            out["lean"] = normalize_lean(out["lean"])
        for name in self.spec.extra:
            out[name] = row.get(name)
        return out, None, warnings


#: The leans the comparisons group by; ``normalize_lean`` spells other ways of writing them so.
LEANS = ("left", "center", "right")
_LEAN_SPELLINGS = {"centre": "center", "central": "center"}


def normalize_lean(value: str) -> str:
    """``left``/``center``/``right`` whatever the case and spacing (``Left``, `` RIGHT``,
    ``Centre``); any other value (``Lean Right``, ``state-funded``) is kept as given: the
    comparison stage names such values in its report instead of guessing what they mean."""
    key = " ".join(value.split()).lower()
    key = _LEAN_SPELLINGS.get(key, key)
    return key if key in LEANS else value


class QuarantineWriter:
    """Appends quarantine entries (JSONL: where, why, and the record) to a file, lazily."""

    def __init__(self, path: Path | None):
        self.path = Path(path) if path else None
        self._fh = None

    def write(self, corpus: str, table: str, locator: str, reason: str, record: Any) -> None:
        if self.path is None:
            return
        entry = {
            "corpus": corpus,
            "table": table,
            "where": locator,
            "reason": reason,
            "record": record,
        }
        try:
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
            self._fh.write(
                json.dumps(entry, ensure_ascii=False, default=str, sort_keys=True) + "\n"
            )
            self._fh.flush()
        except OSError as exc:
            raise FramelensError(
                f"cannot write the quarantine file {self.path} ({exc.strerror or exc}): free "
                "some space, or choose another folder with output_dir=PATH"
            ) from exc

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _clean_record(rec: dict[str, Any] | None) -> Any:
    if rec is None:
        return None
    out = {}
    for k, v in rec.items():
        if k.startswith("@"):
            continue
        if isinstance(v, str):
            v = _replace_undecodable(v)
        out[_replace_undecodable(k) if isinstance(k, str) else k] = v
    return out


def _matches(row: dict[str, Any], filters: Mapping[str, Any]) -> bool:
    """Whether the row's value of every filtered field is one of that field's values."""
    for key, allowed in filters.items():
        if allowed is None:
            continue
        if not _is_one_of(row.get(key), allowed):
            return False
    return True


def _excluded(row: dict[str, Any], exclude: Mapping[str, Any]) -> bool:
    """Whether the row's value of any excluded field is one of that field's values."""
    return any(
        values is not None and _is_one_of(row.get(key), values) for key, values in exclude.items()
    )


def _is_one_of(value: Any, allowed: Any) -> bool:
    values = allowed if isinstance(allowed, (list, tuple, set)) else [allowed]
    return value in set(map(str, values)) or value in set(values)


@dataclass
class CorpusSource:
    """What to load: a descriptor table, or a user's own file with a field mapping."""

    name: str
    table: TableSpec
    root: Path
    filters: dict[str, Any] = field(default_factory=dict)
    limit: int | None = None
    custom: bool = False  # a user's own file (corpus.path), not a descriptor table
    overridden: frozenset[str] = frozenset()  # a named corpus's fields given on the command line
    # the columns the user named (corpus.fields.X / corpus.extra.X on a file of their own,
    # or over a named corpus's mapping): (setting, column), each checked against the file
    named_columns: tuple[tuple[str, str], ...] = ()
    # how a user's own file maps a field, in the words of the command that reads it
    # (a run: corpus.fields.text=COLUMN; framelens segment: --field text=COLUMN)
    fields_hint: str = "corpus.fields.{field}=COLUMN"
    # field -> values whose articles are left out (corpus.exclude), after the filters
    exclude: dict[str, Any] = field(default_factory=dict)


def resolve_source(cfg: Mapping[str, Any] | str) -> CorpusSource:
    """Turn a corpus config (``configs/corpus/*.yaml``) or a corpus name into a source.

    ``cfg`` keys: ``name``; optional ``table``, ``filters`` (field -> values kept),
    ``exclude`` (field -> values left out), ``limit``, ``fields`` and
    ``extra`` (replacing the descriptor's mapping of those fields: a ``map`` that merges an
    outlet's desks into one, another lean column), ``date_policy``; for a user's own file
    (``name: custom``): ``path``, ``format``, ``options``.
    """
    if isinstance(cfg, str):
        cfg = {"name": cfg}
    cfg = dict(cfg)
    name = cfg.get("name") or "custom"
    filters = {k: v for k, v in dict(cfg.get("filters") or {}).items() if v not in (None, [], "")}
    exclude = {k: v for k, v in dict(cfg.get("exclude") or {}).items() if v not in (None, [], "")}
    limit = cfg.get("limit")
    path = cfg.get("path")
    if path in (None, "", "???") and (name == "custom" or path == "???"):
        # "???" is OmegaConf's unset mandatory value (configs/corpus/custom.yaml)
        raise CorpusNotFound(
            "no corpus.path given: corpus=custom reads your own file, so name it with "
            "corpus.path=FILE (JSONL, CSV, TSV or Parquet), e.g. "
            "framelens run corpus=custom corpus.path=mydata.csv"
        )
    if path:
        raw = {
            k: cfg[k]
            for k in ("path", "format", "fields", "extra", "options", "max_chars")
            if cfg.get(k) is not None
        }
        if "date_policy" in cfg:  # an explicit null is a choice (see _date_policy)
            raw["date_policy"] = cfg["date_policy"]
        # same defaults as configs/corpus/custom.yaml: columns named like Article fields
        given = dict(raw.get("fields") or {})
        _check_field_names({k: v for k, v in given.items() if v not in (None, "")})
        raw["fields"] = {
            k: v for k, v in {**DEFAULT_FIELDS, **given}.items() if v not in (None, "")
        }
        path = Path(str(raw["path"])).expanduser()
        if not glob.has_magic(str(path)) and not path.exists():
            raise CorpusNotFound(
                f"corpus.path {path} does not exist: give the path of your JSONL/CSV/Parquet file"
            )
        spec = _table_from_dict(cfg.get("table") or "custom", raw)
        _check_filters(filters, spec)
        _check_filters(exclude, spec, "corpus.exclude")
        return CorpusSource(
            name,
            spec,
            Path.cwd(),
            filters,
            limit,
            custom=True,
            exclude=exclude,
            # a field read from the column of its own name is configs/corpus/custom.yaml's
            # default, which may be absent (that field then stays empty)
            named_columns=_named_columns(
                {k: v for k, v in given.items() if _mapped_column(v) != k}, raw.get("extra")
            ),
        )
    desc = get_descriptor(name)
    spec = desc.table(cfg.get("table"))
    if "date_policy" in cfg:  # ++corpus.date_policy=keep overrides the descriptor's
        spec = dataclasses.replace(spec, date_policy=_date_policy(spec.name, cfg))
    overridden: set[str] = set()
    named: dict[str, Any] = {}
    for key in ("fields", "extra", "options"):
        # +corpus.fields.outlet={column:source,map:{Fox Online News:Fox News}} on a named
        # corpus: the given fields (or options) replace the descriptor's, the others stay
        given = {k: v for k, v in dict(cfg.get(key) or {}).items() if v not in (None, "")}
        if key == "fields":
            _check_field_names(given)
            overridden |= set(given)
        if key != "options":
            named[key] = given
        if given:
            spec = dataclasses.replace(spec, **{key: {**getattr(spec, key), **given}})
    _check_filters(filters, spec)
    _check_filters(exclude, spec, "corpus.exclude")
    root = ensure_available(desc)
    return CorpusSource(
        desc.name,
        spec,
        root,
        filters,
        limit,
        overridden=frozenset(overridden),
        exclude=exclude,
        named_columns=_named_columns(named.get("fields"), named.get("extra")),
    )


def _named_columns(fields: Any, extra: Any) -> tuple[tuple[str, str], ...]:
    """(setting, column) for each column a user's mapping names, required fields aside
    (:func:`check_columns` has its own message for those)."""
    out = []
    for key, given in (("fields", fields), ("extra", extra)):
        for name, how in dict(given or {}).items():
            column = _mapped_column(how)
            if column and not (key == "fields" and name in _REQUIRED):
                out.append((f"corpus.{key}.{name}", column))
    return tuple(out)


def _check_field_names(fields: Mapping[str, Any]) -> None:
    """``corpus.fields`` maps article fields; another name would be read and dropped."""
    unknown = sorted(set(fields) - set(ARTICLE_COLUMNS))
    if unknown:
        raise FramelensError(
            f"corpus.fields.{unknown[0]} is not an article field (they are: "
            f"{', '.join(ARTICLE_COLUMNS)}); to keep another column of your file, add it "
            f"with +corpus.extra.{unknown[0]}=COLUMN"
        )


def _check_filters(
    filters: Mapping[str, Any], spec: TableSpec, where: str = "corpus.filters"
) -> None:
    """A filter on a field the articles do not have would select nothing (an exclusion,
    leave nothing out), and the run would end saying the corpus selected none of its
    records: name the field instead."""
    import difflib

    known = sorted({*ARTICLE_COLUMNS, *spec.fields, *spec.extra})
    for key in filters:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            guess = f"; did you mean {where}.{close[0]}?" if close else ""
            raise FramelensError(
                f"{where}.{key}: the articles have no field {key!r} (they have: "
                f"{', '.join(known)}){guess}"
            )


def iter_articles(
    source: CorpusSource | Mapping[str, Any] | str,
    *,
    chunk_size: int = 5000,
    quarantine: str | os.PathLike | None = None,
    report: LoadReport | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream validated article tables of at most ``chunk_size`` rows.

    Memory stays bounded by the chunk size. ``report`` (optional, updated in place) counts
    every record read; rejected records go to ``quarantine`` (JSONL) with their reason.
    """
    if not isinstance(source, CorpusSource):
        source = resolve_source(source)
    spec = source.table
    report = report if report is not None else LoadReport(source.name, spec.name)
    qwriter = QuarantineWriter(Path(quarantine) if quarantine else None)
    report.quarantine_path = qwriter.path
    report.outlet_mapping = spec.fields.get("outlet")
    mapper = FieldMapper(spec, source.name)
    validator = Validator(spec, source)
    columns = list(ARTICLE_COLUMNS) + [c for c in spec.extra if c not in ARTICLE_COLUMNS]
    rows: list[dict[str, Any]] = []
    try:
        for path in table_files(spec, source.root):
            mapper.file_stem = path.name
            check_columns(path, source)
            for raw in read_raw(path, spec):
                if source.limit is not None and report.loaded >= source.limit:
                    break
                report.read += 1
                if raw.record is None:
                    reason = raw.error or "unreadable record"
                    report.quarantined += 1
                    report.reasons[_reason_kind(reason)] += 1
                    qwriter.write(source.name, spec.name, raw.locator, reason, raw.raw)
                    continue
                row, reason, warns = validator.check(
                    mapper.map(raw.record), raw.locator, raw.record
                )
                if row is None:
                    report.quarantined += 1
                    report.reasons[_reason_kind(reason)] += 1
                    qwriter.write(
                        source.name, spec.name, raw.locator, reason, _clean_record(raw.record)
                    )
                    if (
                        report.quarantined == FAIL_FAST_RECORDS
                        and not report.loaded
                        and len(report.reasons) == 1
                        and reason.startswith(("missing outlet: the record has no",
                                               "missing text: the record has no"))
                    ):  # fmt: skip
                        # a mapping that names no field of these records: every record
                        # would be quarantined the same way, the whole corpus read for it
                        raise FramelensError(
                            f"the first {FAIL_FAST_RECORDS:,} records of {path.name} all lack "
                            f"a mapped field; {reason}"
                        )
                    continue
                if (source.filters and not _matches(row, source.filters)) or (
                    source.exclude and _excluded(row, source.exclude)
                ):
                    report.filtered += 1
                    continue
                for w in warns:  # "kept with warnings": of the articles kept
                    report.warnings[w] += 1
                report.loaded += 1
                report.outlets[row["outlet"]] += 1
                rows.append(row)
                if len(rows) >= chunk_size:
                    yield _frame(rows, columns)
                    rows = []
        if rows:
            yield _frame(rows, columns)
    finally:
        qwriter.close()


#: Records quarantined in a row, none loaded, for the same missing field, before a run
#: stops: the mapping is wrong, not the records.
FAIL_FAST_RECORDS = 1000


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    # column lists build a DataFrame about 3x faster than a list of row dicts
    return pd.DataFrame({c: [r.get(c) for r in rows] for c in columns}, columns=columns)


def load_corpus(
    source: CorpusSource | Mapping[str, Any] | str,
    *,
    quarantine: str | os.PathLike | None = None,
    **kwargs: Any,
) -> tuple[pd.DataFrame, LoadReport]:
    """Load a whole corpus table into memory: ``(articles, report)``.

    ``source`` is a corpus name (``"allsides"``), a corpus config mapping, or a
    :class:`CorpusSource`. For corpora larger than memory use :func:`iter_articles`.
    """
    if isinstance(source, str) and kwargs:
        source = {"name": source, **kwargs}
    elif isinstance(source, Mapping):
        source = {**source, **kwargs}
    if not isinstance(source, CorpusSource):
        source = resolve_source(source)
    report = LoadReport(source.name, source.table.name)
    chunks = list(iter_articles(source, chunk_size=50_000, quarantine=quarantine, report=report))
    columns = list(ARTICLE_COLUMNS) + [c for c in source.table.extra if c not in ARTICLE_COLUMNS]
    articles = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)
    return articles, report


def corpus_files(name: str, pattern: str) -> list[Path]:
    """Files of a fetched corpus matching a glob (for special readers such as BASIL spans)."""
    desc = get_descriptor(name)
    root = ensure_available(desc)
    return sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True))


def describe(articles: pd.DataFrame, top: int = 15) -> dict[str, Any]:
    """Counts by lean, top outlets and topics, date range: what ``corpora info`` prints."""
    out: dict[str, Any] = {"articles": len(articles)}
    for col in ("lean", "outlet", "topic", "language"):
        if col in articles and articles[col].notna().any():
            out[col] = (
                articles[col].value_counts(dropna=True).head(top if col != "lean" else 50).to_dict()
            )
    dates = articles["date"].dropna() if "date" in articles else pd.Series(dtype=str)
    if len(dates):
        out["dates"] = {
            "first": dates.min(),
            "last": dates.max(),
            "missing": int(articles["date"].isna().sum()),
        }
    return out


def _print(msg: str = "") -> None:
    sys.stdout.write(msg + "\n")

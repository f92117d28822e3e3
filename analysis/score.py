"""Score a researcher's own texts without an experiment (``framelens features``).

One output row per input row, in input order, keyed by the input's id column (or the row
number), with the feature columns as ``get_feature_names_out`` names them. Texts are
segmented first and the measured voices (outlet prose, quotes, embedded posts) combined by
character-weighted means; ``segment=False`` scores each text whole (tweets, sentences).
Rows that cannot be scored get a ``reason`` and empty feature values, never a crash.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from analysis.corpora import FramelensError, infer_format, input_spec, other_delimiter, read_raw
from analysis.io import atomic_write, write_tables
from analysis.pipeline import (
    MEASURED_VOICES,
    Stages,
    aggregate_article_voice,
    feature_matrix,
    score_segments,
)
from analysis.records import text_problem
from analysis.segment import html_to_text

#: Columns of :func:`iter_rows`' frames.
ROW_COLUMNS = ["row", "id", "text", "reason"]


def iter_rows(
    path: str | os.PathLike,
    text_field: str,
    id_field: str | None = "id",
    chunk_size: int = 5000,
    id_required: bool = False,
) -> Iterator[pd.DataFrame]:
    """Every input row in order, ``chunk_size`` at a time (at least one frame, maybe empty):
    ``row, id, text, reason`` (reason set when unusable; ``row`` numbers the records from
    1, ``id`` is empty for a record without an ``id_field`` value); with ``id_required`` (an --id-field the user named) an
    input none of whose records has that field stops with its columns."""
    path = Path(path)
    if not path.is_file():
        raise FramelensError(f"--input {path} does not exist")
    try:
        fmt = infer_format(path)
    except FramelensError:  # its message names corpus.format, which is not this command's
        fmt = None
    if fmt not in ("jsonl", "csv", "tsv", "parquet", "json_files"):
        raise FramelensError(
            f"--input must be CSV, TSV, JSONL, a JSON list of records or Parquet (by its "
            f"suffix: .csv, .tsv, .jsonl or .json, optionally .gz, or .parquet), not {path.name}"
        )
    spec = input_spec(path, fmt, text_field)
    rows: list[dict[str, Any]] = []
    yielded = False
    columns: dict[str, None] = {}  # the fields seen until a record has the text field
    found = False
    found_id = not (id_required and id_field)
    for n, raw in enumerate(read_raw(path, spec), 1):
        rec = raw.record or {}
        if not found or not found_id:
            found = found or text_field in rec
            found_id = found_id or id_field in rec
            columns.update(dict.fromkeys(k for k in rec if not str(k).startswith("@")))
        # a row that could not be read whole keeps its id when that field could be
        rid = (rec or raw.partial or {}).get(id_field) if id_field else None
        # no id: empty, not the row number, which could equal another record's real id
        # (the row column numbers every record)
        rid = (
            None
            if rid is None or (isinstance(rid, float) and rid != rid) or rid == ""
            else str(rid)
        )
        text, reason = rec.get(text_field), raw.error
        if reason is None:
            if text_field not in rec:
                reason = f"no column {text_field!r} (choose it with --text-field)"
            elif (reason := text_problem(text)) is not None:
                pass
            elif "<" in text or "&" in text:  # markup read as text, as a corpus's is
                text = html_to_text(text)
        rows.append(
            {"row": n, "id": rid, "text": text if reason is None else None, "reason": reason}
        )
        if len(rows) >= chunk_size:
            _check_fields(path, text_field, found, id_field, found_id, columns)
            yield pd.DataFrame(rows, columns=ROW_COLUMNS)
            rows, yielded = [], True
    _check_fields(path, text_field, found, id_field, found_id, columns)
    if rows or not yielded:
        yield pd.DataFrame(rows, columns=ROW_COLUMNS)


def _check_fields(
    path: Path, text_field: str, found: bool, id_field: str | None, found_id: bool, columns: dict
) -> None:
    """Stop when no record so far has the text field (a wrong --text-field, not bad rows),
    or the id field the user named; records that lack the text field among others that
    have it get a reason each instead."""
    if not found and columns:
        raise missing_field(
            path, text_field, columns, "name the column holding the text with --text-field"
        )
    if not found_id and columns:
        raise missing_field(
            path, id_field, columns, "name the id column with --id-field, or leave --id-field "
            "out to identify rows by their row number",
        )  # fmt: skip


def missing_field(path: Path, field: str, seen: Iterable, fix: str) -> FramelensError:
    """The error for an input none of whose records has ``field``: the columns it has, and
    ``fix`` (the flag to change). ``framelens features`` and ``classify predict`` use it."""
    seen = [str(c) for c in seen]
    names = ", ".join(repr(c) for c in seen[:20]) + (", ..." if len(seen) > 20 else "")
    sep = other_delimiter(seen, field)
    if sep is not None:  # one column named 'id;text': a ';'-separated spreadsheet export
        fix = (
            "name the file .tsv"
            if sep == "\t"
            else f"save it with ',' between fields (or as JSONL or Parquet); {sep!r} is not read"
        )
        return FramelensError(
            f"--input {path.name} has one column {seen[0][:60]!r}: its fields look separated "
            f"by {sep!r}; {fix}"
        )
    import difflib

    close = difflib.get_close_matches(field, seen, n=1, cutoff=0.6) or [
        c for c in seen if c.lower() == field.lower()
    ]
    if close:
        fix = f"did you mean {close[0]!r}? {fix}"
    if Path(path).suffix.lower() == ".json" and len(seen) == 1:
        fix += (
            f"; a .json input is one record or a list of records: if {seen[0]!r} holds the "
            "records, save that list as the file (or as JSONL)"
        )
    return FramelensError(
        f"--input {path.name} has no column {field!r} (its columns: {names}); {fix}"
    )


def read_rows(
    path: str | os.PathLike, text_field: str, id_field: str | None = "id"
) -> pd.DataFrame:
    """Every input row in order: ``row, id, text, reason`` (reason set when unusable)."""
    parts = list(iter_rows(path, text_field, id_field))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def score_rows(rows: pd.DataFrame, stages: Stages, segment: bool = True) -> pd.DataFrame:
    """Feature values for the usable rows; one output row per input row."""
    features = stages.features
    names = list(features.get_feature_names_out())
    ok = rows[rows["reason"].isna()]
    keys = ok["row"].astype(str).tolist()
    if segment and stages.segmenter is not None:
        articles = pd.DataFrame(
            {
                "id": keys,
                "outlet": "input",
                "title": "",
                "text": ok["text"].tolist(),
                "date": None,
                "url": None,
                "lean": None,
                "topic": None,
                "language": None,
            }
        )
        segments = stages.segmenter.segment_table(articles)
        seg_features = score_segments(segments, features, stages.cache)
        # all measured voices of a text together: a whole-text value per feature
        combined = aggregate_article_voice(seg_features.assign(voice="all"), articles)
        values = combined.set_index("article_id")[names]
        per_voice = seg_features.groupby(["article_id", "voice"])["n_chars"].sum().unstack()
        shares = per_voice.div(per_voice.sum(axis=1), axis=0).reindex(columns=MEASURED_VOICES)
        shares = shares.fillna(0.0).add_prefix("share_")
        values = values.join(shares, how="outer")
    else:
        other = _other_languages(ok["text"], stages)
        keys = [k for k, lang in zip(keys, other, strict=True) if lang is None]
        texts = [t for t, lang in zip(ok["text"], other, strict=True) if lang is None]
        matrix = feature_matrix(features, texts, stages.cache)
        values = pd.DataFrame(matrix, columns=names, index=keys)
        rows = rows.copy()
        langs = pd.Series(other, index=ok.index).dropna()
        rows.loc[langs.index, "reason"] = (
            "not English (language detected: " + langs + "); the lexicons are English, so it "
            "is not scored"
        )
    values.index = values.index.astype(str)
    out = rows[["row", "id"]].copy()
    out.index = rows["row"].astype(str)
    out = out.join(values, how="left")
    reasons = rows.set_index(rows["row"].astype(str))["reason"]
    no_measured = out[names].isna().all(axis=1) & reasons.isna()
    out["reason"] = reasons.where(
        ~no_measured, "no measurable English text (all segments debris or non-English)"
    )
    return out.reset_index(drop=True)


def _other_languages(texts: pd.Series, stages: Stages) -> list[str | None]:
    """Per text scored whole: the detected language when it is decidedly not English, else
    None (English, or too short to tell: a tweet of a few words is scored). Off when the
    segmenter's ``detect_language`` is off."""
    from analysis.segment import detect_language

    if not getattr(stages.segmenter, "detect_language", True):
        return [None] * len(texts)
    out: list[str | None] = []
    for text in texts:
        lang, decided = detect_language(text)
        out.append(lang if decided and lang not in (None, "en") else None)
    return out


def _output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".csv", ".tsv"):
        return suffix[1:]
    raise FramelensError(f"--output must end in .csv, .tsv or .parquet, not {path.name}")


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """CSV or Parquet by suffix, written atomically."""
    path = Path(path)
    return atomic_write(path, lambda tmp: write_tables([table], tmp, _output_format(path)))


def score_file(
    input: str | os.PathLike,
    output: str | os.PathLike,
    stages: Stages,
    text_field: str = "text",
    id_field: str | None = "id",
    segment: bool = True,
    chunk_size: int = 5000,
    id_required: bool = False,
) -> dict[str, Any]:
    """Score every row of ``input`` into ``output``, ``chunk_size`` rows at a time, so memory
    stays bounded whatever the file's size; the output is written atomically (complete or
    absent). Returns ``rows``, ``scored`` and ``output``. ``id_required``: see
    :func:`iter_rows`."""
    output = Path(output)
    fmt = _output_format(output)  # a wrong suffix stops before any work
    counts = {"rows": 0, "scored": 0}
    progress = tqdm(unit="row", desc="framelens features", disable=None, leave=False)

    def scored() -> Iterator[pd.DataFrame]:
        for rows in iter_rows(input, text_field, id_field, chunk_size, id_required):
            table = score_rows(rows, stages, segment=segment)
            counts["rows"] += len(table)
            counts["scored"] += int(table["reason"].isna().sum())
            progress.update(len(table))
            yield table

    try:
        atomic_write(output, lambda tmp: write_tables(scored(), tmp, fmt, integers=("row",)))
    finally:
        progress.close()
    return {**counts, "output": str(output)}

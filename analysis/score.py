"""Score a researcher's own texts without an experiment (``framelens features``).

One output row per input row, in input order, keyed by the input's id column (or the row
number), with the feature columns as ``get_feature_names_out`` names them. Texts are
segmented first and the measured voices (outlet prose, quotes, embedded posts) combined by
character-weighted means; ``segment=False`` scores each text whole (tweets, sentences).
Rows that cannot be scored get a ``reason`` and empty feature values, never a crash.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.corpora import FramelensError, TableSpec, infer_format, read_raw
from analysis.io import atomic_write, write_csv
from analysis.pipeline import MEASURED_VOICES, Stages, aggregate_article_voice, score_segments


def read_rows(
    path: str | os.PathLike, text_field: str, id_field: str | None = "id"
) -> pd.DataFrame:
    """Every input row in order: ``row, id, text, reason`` (reason set when unusable)."""
    path = Path(path)
    if not path.is_file():
        raise FramelensError(f"--input {path} does not exist")
    fmt = infer_format(path)
    if fmt not in ("jsonl", "csv", "tsv", "parquet"):
        raise FramelensError(f"--input must be CSV, TSV, JSONL or Parquet, not {path.name}")
    spec = TableSpec(name="input", format=fmt, path=str(path), fields={"text": text_field})
    rows = []
    for n, raw in enumerate(read_raw(path, spec), 1):
        rec = raw.record or {}
        rid = rec.get(id_field) if id_field else None
        rid = (
            str(n)
            if rid is None or (isinstance(rid, float) and rid != rid) or rid == ""
            else str(rid)
        )
        text, reason = rec.get(text_field), raw.error
        if reason is None:
            if text_field not in rec:
                reason = f"no column {text_field!r} (choose it with --text-field)"
            elif not isinstance(text, str):
                reason = f"text is {'missing' if text is None else type(text).__name__}, not text"
            elif not text.strip():
                reason = "empty text"
        rows.append(
            {"row": n, "id": rid, "text": text if reason is None else None, "reason": reason}
        )
    return pd.DataFrame(rows, columns=["row", "id", "text", "reason"])


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
        texts = ok["text"].tolist()
        if stages.cache is not None:
            blocks = [stages.cache.transform(n, e, texts) for n, e in features.transformer_list]
            matrix = np.hstack(blocks) if blocks else np.empty((len(texts), 0))
        else:
            matrix = np.asarray(features.transform(texts), dtype=float)
        values = pd.DataFrame(matrix, columns=names, index=keys)
    values.index = values.index.astype(str)
    out = rows[["id"]].copy()
    out.index = rows["row"].astype(str)
    out = out.join(values, how="left")
    reasons = rows.set_index(rows["row"].astype(str))["reason"]
    no_measured = out[names].isna().all(axis=1) & reasons.isna()
    out["reason"] = reasons.where(
        ~no_measured, "no measurable English text (all segments debris or non-English)"
    )
    return out.reset_index(drop=True)


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """CSV or Parquet by suffix, written atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False))
    elif suffix in (".csv", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        write_csv(table, path, sep=sep, float_format="%.6g")
    else:
        raise FramelensError(f"--output must end in .csv, .tsv or .parquet, not {path.name}")
    return path


def score_file(
    input: str | os.PathLike,
    output: str | os.PathLike,
    stages: Stages,
    text_field: str = "text",
    id_field: str | None = "id",
    segment: bool = True,
) -> dict[str, Any]:
    rows = read_rows(input, text_field, id_field)
    table = score_rows(rows, stages, segment=segment)
    write_table(table, output)
    return {"rows": len(table), "scored": int(table["reason"].isna().sum()), "output": str(output)}

"""The core records: Article and Segment, and the table schemas that hold many of them.

Single records are dataclasses (handy in notebooks and tests); bulk data travels as pandas
DataFrames whose columns are exactly :data:`ARTICLE_COLUMNS` (plus any corpus-specific
extra columns such as labels) or :data:`SEGMENT_COLUMNS`.
"""

from __future__ import annotations

import dataclasses
import json
import numbers
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Kinds of segment an article is split into.
KINDS = ("headline", "body", "quote", "embedded_post", "caption", "boilerplate", "media_link")

#: Who speaks in a segment. ``page`` is debris (share prompts, image URLs, captions
#: controls) that belongs to no voice and is never measured.
VOICES = ("outlet", "quoted", "social", "page")

#: Columns of an article table, in order. ``date`` is an ISO ``YYYY-MM-DD`` string or None.
ARTICLE_COLUMNS = ("id", "outlet", "title", "text", "date", "url", "lean", "topic", "language")

#: Columns of a segment table, in order. ``start``/``end`` are character offsets into the
#: article's ``field`` (``text`` for everything except the headline, which spans ``title``).
SEGMENT_COLUMNS = (
    "article_id",
    "position",
    "kind",
    "voice",
    "field",
    "start",
    "end",
    "lang",
    "speaker",
    "text",
)


def extra_as_text(articles: pd.DataFrame) -> pd.DataFrame:
    """``articles`` with every column beyond :data:`ARTICLE_COLUMNS` as text: a string
    stays, a number or flag becomes its ``str``, a list or mapping its JSON, a missing value
    ``None``.

    A run writes its article table chunk by chunk, and a JSONL corpus can give one field an
    integer in one record and a string (or a list) in the next; Parquet needs one type per
    column, the same in every chunk. Text is the one type every value has, whatever the
    chunk holds (``pd.to_numeric`` turns a numeric column back).
    """
    extra = [c for c in articles.columns if c not in ARTICLE_COLUMNS]
    if not extra:
        return articles
    return articles.assign(**{c: articles[c].map(_text_value) for c in extra})


def _text_value(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if hasattr(value, "tolist"):  # numpy scalars and arrays (a Parquet list column)
        return _text_value(value.tolist())
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


@dataclass(frozen=True, slots=True)
class Article:
    """One news article (or tweet, or sentence) as every stage sees it.

    Parameters
    ----------
    id : str
        Stable identifier: from the source, the row number, or a content hash.
    outlet : str
        Who published it (``New York Times - News``, ``RT``, ``Twitter``).
    title, text : str
        Headline (may be empty for tweets and sentences) and body.
    date : str or None
        ISO date ``YYYY-MM-DD``.
    extra : dict
        Corpus-specific columns (labels such as ``label_bias``, authors...).
    """

    id: str
    outlet: str
    title: str
    text: str
    date: str | None = None
    url: str | None = None
    lean: str | None = None
    topic: str | None = None
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Article:
        """Build an Article from one row of an article table (extra columns go to ``extra``)."""
        core = {name: row.get(name) for name in ARTICLE_COLUMNS}
        extra = {k: v for k, v in row.items() if k not in ARTICLE_COLUMNS}
        return cls(**core, extra=extra)

    def to_row(self) -> dict[str, Any]:
        """The inverse of :meth:`from_row`."""
        row = {name: getattr(self, name) for name in ARTICLE_COLUMNS}
        row.update(self.extra)
        return row


@dataclass(frozen=True, slots=True)
class Segment:
    """A contiguous piece of an article spoken by one voice.

    ``text`` equals ``article.<field>[start:end]``, so every segment can be traced back to
    the exact characters it came from.
    """

    article_id: str
    position: int
    kind: str
    voice: str
    field: str
    start: int
    end: int
    lang: str | None
    speaker: str | None
    text: str

    def to_row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def text_problem(value: Any) -> str | None:
    """Why ``value`` cannot be scored as a text (None: it can): missing, bytes, a number,
    a boolean, a list or mapping, or only white space. One wording for every command that
    scores texts (``features``, ``classify predict``)."""
    if value is None or (isinstance(value, float) and value != value):
        return "missing text"
    if isinstance(value, bytes):
        return "text is bytes, not decoded text"
    if isinstance(value, bool):
        return "text is a boolean (true/false), not text"
    if isinstance(value, (int, float, numbers.Number)):
        return f"text is a number ({value!r}), not text"
    if not isinstance(value, str):
        kind = {"list": "a list", "dict": "an object (mapping)"}.get(
            type(value).__name__, f"a {type(value).__name__}"
        )
        return f"text is {kind}, not text"
    if not value.strip():
        return "empty text"
    return None

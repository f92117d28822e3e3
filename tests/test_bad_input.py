"""Bad input: generated hostile files never crash a loader and never lose a record.

Each property runs a bounded number of hypothesis examples (see HYPOTHESIS_MAX); every
record read must come out loaded or quarantined with a reason (read = loaded + quarantined).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import corpora as C
from analysis.records import Article
from analysis.segment import Segmenter

MAX = int(os.environ.get("HYPOTHESIS_MAX", "60"))
SETTINGS = settings(
    max_examples=MAX, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
junk_values = st.one_of(
    texts, st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)  # fmt: skip
records = st.fixed_dictionaries(
    {},
    optional={"id": junk_values, "outlet": junk_values, "text": junk_values, "title": junk_values, "date": junk_values},
)  # fmt: skip


def _load(path, tmp_path, **kw):
    q = tmp_path / "q.jsonl"
    q.unlink(missing_ok=True)
    articles, report = C.load_corpus({"name": "custom", "path": str(path), **kw}, quarantine=q)
    entries = [json.loads(x) for x in q.read_text().splitlines()] if q.exists() else []
    assert report.read == report.loaded + report.quarantined == len(articles) + len(entries)
    assert all(e["reason"] for e in entries)
    return articles, report, entries


@SETTINGS
@given(lines=st.lists(st.one_of(records.map(json.dumps), st.binary(max_size=80)), max_size=12))
def test_jsonl_with_arbitrary_lines(tmp_path, lines):
    path = tmp_path / "in.jsonl"
    data = b"\n".join(
        x.encode("utf-8", "surrogatepass") if isinstance(x, str) else x.replace(b"\n", b" ")
        for x in lines
    )
    path.write_bytes(data + b"\n")
    articles, report, _ = _load(path, tmp_path)
    assert report.read == sum(1 for x in data.split(b"\n") if x.strip())
    assert articles["text"].map(lambda t: isinstance(t, str) and t.strip() != "").all()


@SETTINGS
@given(rows=st.lists(st.lists(junk_values.map(str), min_size=1, max_size=5), max_size=10))
def test_csv_with_embedded_newlines_quotes_and_ragged_rows(tmp_path, rows):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "outlet", "text"])
    for row in rows:
        writer.writerow(row)
    path = tmp_path / "in.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    _load(path, tmp_path)


@SETTINGS
@given(payload=st.binary(max_size=400), cut=st.integers(min_value=0, max_value=400))
def test_truncated_or_junk_gzip(tmp_path, payload, cut):
    raw = b'{"id": "a", "outlet": "X", "text": "fine"}\n' + payload
    data = gzip.compress(raw)[: max(cut, 1)]
    path = tmp_path / "in.jsonl.gz"
    path.write_bytes(data)
    _load(path, tmp_path)


@SETTINGS
@given(text=st.text(max_size=2000), title=texts)
def test_segmenter_on_arbitrary_unicode(text, title):
    article = Article(id="x", outlet="o", title=title, text=text)
    segments = Segmenter(detect_language=True).segment(article)
    for seg in segments:
        source = article.title if seg.field == "title" else article.text
        assert source[seg.start : seg.end] == seg.text


def test_mixed_encodings_and_control_characters(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "1", "outlet": "A", "text": "plain"}\n'
        + (
            json.dumps({"id": "2", "outlet": "A", "text": "caf\u00e9 \u202eRTL\u202c \u0000 nul"})
            + "\n"
        ).encode()
        + b'{"id": "3", "outlet": "A", "text": "latin-1 caf\xe9"}\n'
        + b"\x00\x01\x02 binary junk\n"
        + b'{"id": "4", "outlet": "A", "text": "\\ud800 lone surrogate escape"}\n'
    )
    articles, report, entries = _load(path, tmp_path)
    assert set(articles["id"]) >= {"1", "2"}
    assert report.quarantined >= 2


@pytest.mark.slow
def test_fifty_megabyte_article(tmp_path):
    big = ("Taliban militants were spotted parading. " * 1_250_000)[:50_000_000]
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"id": "big", "outlet": "A", "text": big}) + "\n")
    articles, report, entries = _load(path, tmp_path, max_chars=100_000_000)
    assert report.loaded == 1
    articles, report, entries = _load(path, tmp_path)  # default max_chars 10 M
    assert report.quarantined == 1 and entries[0]["reason"].startswith("text too long")

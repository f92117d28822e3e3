"""The corpus layer: descriptors, fetch/verify against the mirror, loaders, quarantine."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import urllib.error

import pandas as pd
import pytest
import yaml

from analysis import corpora as C
from analysis.errors import ChecksumError, CorpusNotFound, FetchError, FramelensError
from analysis.records import ARTICLE_COLUMNS, Article

MIRRORED = ["allsides", "basil", "babe", "gvfc", "rt_zaranj", "semeval2018_irony", "tweeteval"]

# (corpus, table, records) as stated in each corpus README
README_COUNTS = [
    ("allsides", "articles", 37_544),
    ("basil", "articles", 210),
    ("babe", "sentences", 2_940),
    ("gvfc", "headlines", 2_392),
    ("rt_zaranj", "articles", 1),
    ("semeval2018_irony", "taskA", 3_832),
    ("semeval2018_irony", "taskB", 3_832),
    ("semeval2018_irony", "taskA_emoji", 3_832),
    ("tweeteval", "irony_train", 2_860),
    ("tweeteval", "irony_val", 955),
    ("tweeteval", "sentiment_val", 2_000),
]


def test_every_mirrored_corpus_has_a_descriptor():
    assert set(MIRRORED) <= set(C.list_corpora())
    for name in MIRRORED:
        desc = C.get_descriptor(name)
        assert desc.source.get("url", "").startswith("http")
        assert desc.license and desc.citation
        assert desc.files and all(len(h) == 64 for h in desc.files.values())
        for spec in desc.tables.values():
            assert {"outlet", "text"} <= set(spec.fields)


@pytest.mark.parametrize(("name", "table", "expected"), README_COUNTS)
def test_loader_counts_match_readme(with_mirror, name, table, expected, tmp_path):
    articles, report = C.load_corpus(
        {"name": name, "table": table}, quarantine=tmp_path / "q.jsonl"
    )
    assert report.read == expected
    assert report.loaded == expected == len(articles)
    assert report.quarantined == 0
    assert list(articles.columns[: len(ARTICLE_COLUMNS)]) == list(ARTICLE_COLUMNS)
    assert articles["id"].is_unique
    assert articles["text"].str.strip().str.len().gt(0).all()


def test_allsides_fields_map_onto_article(with_mirror):
    articles, report = C.load_corpus("allsides")
    assert articles["lean"].value_counts().to_dict() == {
        "right": 13_727,
        "left": 13_003,
        "center": 10_814,
    }
    assert report.warnings["implausible date set to null"] == 3
    row = articles[articles["id"] == "004Gt3gcsotuiYmz"].iloc[0]
    assert row["outlet"] == "New York Times - News" and row["topic"] == "terrorism"
    assert row["date"] == "2016-09-20"
    # other date spellings are parsed, not dropped: 7/23/17 -> 2017-07-23
    assert articles["date"].str.fullmatch(r"\d{4}-\d\d-\d\d").sum() == 33_104 + 37 - 3


def test_basil_ids_come_from_file_names(with_mirror):
    articles, _ = C.load_corpus("basil")
    assert set(articles["outlet"]) == {"fox", "nyt", "hpo"}
    assert articles.groupby("outlet").size().to_dict() == {"fox": 70, "hpo": 70, "nyt": 70}
    assert articles["event"].nunique() == 70
    assert "\n" in articles["text"].iloc[0]  # paragraphs joined with newlines


def test_verify_all_seven_against_mirror(with_mirror):
    for name in MIRRORED:
        result = C.verify(name)
        assert result.ok, result.line()


@pytest.fixture
def small_corpus(tmp_path, mirror, monkeypatch):
    """A private corpora dir holding a copy of the gvfc descriptor and a private mirror."""
    root = tmp_path / "corpora"
    (root / "gvfc").mkdir(parents=True)
    shutil.copy(C.PROJECT_ROOT / "corpora" / "gvfc" / "corpus.yaml", root / "gvfc" / "corpus.yaml")
    fake_mirror = tmp_path / "mirror"
    shutil.copytree(mirror / "gvfc", fake_mirror / "gvfc")
    monkeypatch.setenv("FRAMELENS_CORPORA", str(root))
    monkeypatch.setenv("FRAMELENS_MIRROR", str(fake_mirror))
    return root, fake_mirror


def test_fetch_copies_and_verifies(small_corpus):
    root, _ = small_corpus
    path = C.fetch("gvfc")
    assert (path / "gvfc.csv").is_file() and C.is_fetched(C.get_descriptor("gvfc"))
    assert C.verify("gvfc").ok
    umask = os.umask(0)
    os.umask(umask)  # readable by the group like any file the user writes, not mkstemp's 0600
    assert (path / "gvfc.csv").stat().st_mode & 0o777 == 0o666 & ~umask


def test_corrupted_mirror_copy_is_refused_naming_the_file(small_corpus):
    root, fake_mirror = small_corpus
    target = fake_mirror / "gvfc" / "gvfc.csv"
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[1000] ^= 0x01  # one byte changed
    target.write_bytes(bytes(data))
    result = C.verify("gvfc")
    assert not result.ok and "gvfc.csv" in result.line()
    with pytest.raises(ChecksumError, match="gvfc/gvfc.csv"):
        C.fetch("gvfc")
    assert not (root / "gvfc" / "data" / "gvfc.csv").exists()  # nothing half-fetched


def test_corrupted_fetched_copy_fails_verify(small_corpus):
    root, _ = small_corpus
    path = C.fetch("gvfc")
    with open(path / "gvfc.csv", "r+b") as fh:
        fh.seek(10)
        fh.write(b"#")
    result = C.verify("gvfc")
    assert not result.ok
    assert "checksum mismatch for gvfc.csv" in result.line()


def test_no_mirror_and_no_network_says_how(small_corpus, monkeypatch):
    monkeypatch.delenv("FRAMELENS_MIRROR")
    with pytest.raises(FetchError, match="FRAMELENS_MIRROR=/path/to/mirror"):
        C.fetch("gvfc")
    with pytest.raises(CorpusNotFound, match="framelens corpora fetch gvfc") as err:
        C.load_corpus("gvfc")
    # GVFC's files come from a mirror only: no advice to download them
    assert "network access" not in str(err.value) and "the only way" in str(err.value)


def test_download_verifies_checksums(tmp_path, monkeypatch):
    """The public-source path (file:// stands in for https://), good and corrupt."""
    src = tmp_path / "upstream"
    src.mkdir()
    (src / "a.txt").write_text("Taliban militants were spotted parading.\n")
    good = C.sha256_file(src / "a.txt")
    root = tmp_path / "corpora"
    (root / "tiny").mkdir(parents=True)
    desc = {
        "name": "tiny",
        "source": {"url": "https://example.org/tiny"},
        "tables": {
            "t": {
                "format": "txt",
                "path": "*.txt",
                "fields": {"id": "@stem", "outlet": {"value": "X"}, "text": "text"},
            }
        },
        "files": {"a.txt": good},
        "download": {"files": {"a.txt": (src / "a.txt").as_uri()}},
    }
    (root / "tiny" / "corpus.yaml").write_text(yaml.safe_dump(desc))
    monkeypatch.setenv("FRAMELENS_CORPORA", str(root))
    monkeypatch.delenv("FRAMELENS_MIRROR", raising=False)
    C.fetch("tiny")
    articles, _ = C.load_corpus("tiny")
    assert articles["text"].iloc[0].startswith("Taliban")
    desc["files"]["a.txt"] = "0" * 64
    (root / "tiny" / "corpus.yaml").write_text(yaml.safe_dump(desc))
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        C.fetch("tiny", force=True)

    def offline(*a, **k):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(C.urllib.request, "urlopen", offline)
    with pytest.raises(FetchError, match="could not download.*FRAMELENS_MIRROR"):
        C.fetch("tiny", force=True)


def test_paths_cannot_escape_their_root(tmp_path):
    with pytest.raises(FramelensError, match="outside"):
        C._safe_join(tmp_path, "../../etc/passwd")
    with pytest.raises(FramelensError, match="outside"):
        C._safe_join(tmp_path, "/etc/passwd")


def test_sample_corpus_is_bundled_and_small():
    desc = C.get_descriptor("sample")
    assert desc.bundled and C.verify("sample").ok
    assert (desc.data_dir / "articles.jsonl").stat().st_size < 1_000_000
    articles, report = C.load_corpus("sample")
    assert report.quarantined == 0 and len(articles) == 41
    assert "000_3cce98ca88fb24fd" in set(articles["id"])
    assert {"left", "center", "right"} <= set(articles["lean"])


# ----------------------------------------------------------------- users' own corpora


def _custom(path, **kw):
    cfg = {"name": "custom", "path": str(path)}
    cfg.update(kw)
    return cfg


def test_user_csv_with_field_mapping(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame(
        {
            "doc": ["a1", "a2"],
            "source": ["Daily Planet", "Gotham Gazette"],
            "headline": ["Hero saves city", "Villain escapes"],
            "body": ['He said "thanks",\nthen left.', "Second body"],
            "published": ["2020-01-02", "3/4/21"],
        }
    ).to_csv(path, index=False)
    fields = {
        "id": "doc",
        "outlet": "source",
        "title": "headline",
        "text": "body",
        "date": "published",
    }
    articles, report = C.load_corpus(_custom(path, fields=fields))
    assert report.loaded == 2 and report.quarantined == 0
    assert articles["outlet"].tolist() == ["Daily Planet", "Gotham Gazette"]
    assert (
        articles["text"].iloc[0] == 'He said "thanks",\nthen left.'
    )  # embedded newline and quotes
    assert articles["date"].tolist() == ["2020-01-02", "2021-03-04"]
    assert Article.from_row(articles.iloc[0].to_dict()).title == "Hero saves city"


def test_user_jsonl_gz_with_field_mapping_and_extra(tmp_path):
    path = tmp_path / "mine.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(3):
            fh.write(
                json.dumps({"uid": f"u{i}", "pub": "RT", "content": f"text {i}", "label": i % 2})
                + "\n"
            )
    fields = {"id": "uid", "outlet": "pub", "text": "content"}
    articles, report = C.load_corpus(_custom(path, fields=fields, extra={"gold": "label"}))
    assert report.loaded == 3
    assert articles["gold"].tolist() == [0, 1, 0]
    assert articles["title"].tolist() == ["", "", ""]


def test_user_file_without_id_column_uses_line_numbers(tmp_path):
    path = tmp_path / "noid.jsonl"
    path.write_text('{"outlet": "A", "text": "one"}\n{"outlet": "A", "text": "two"}\n')
    articles, report = C.load_corpus(_custom(path))
    assert articles["id"].tolist() == ["noid.jsonl:1", "noid.jsonl:2"]
    assert report.warnings["no id column: file:line used as id"] == 2


def test_user_parquet(tmp_path):
    path = tmp_path / "mine.parquet"
    pd.DataFrame({"id": ["x", "y"], "outlet": ["A", "B"], "text": ["one", "two"]}).to_parquet(path)
    articles, report = C.load_corpus(_custom(path))
    assert articles["id"].tolist() == ["x", "y"] and report.loaded == 2


def test_missing_user_file_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusNotFound, match="does not exist"):
        C.load_corpus(_custom(tmp_path / "nope.csv"))


# ----------------------------------------------------------------- quarantine


BAD_JSONL_LINES = [
    (b'{"id": "ok1", "outlet": "A", "text": "good one", "date": "2020-01-01"}', None),
    (b'{"id": "e1", "outlet": "A", "text": "   "}', "empty text"),
    (b'{"id": "e2", "outlet": "A"}', "missing text: the record has no 'text' field"),
    (b'{"id": "m1", "outlet": "", "text": "no outlet"}', "missing outlet"),
    (b'{"id": "m2", "text": "no outlet key"}', "missing outlet"),
    (b'{"id": "m3", "outlet": ["A"], "text": "outlet in a list"}', "outlet is a list, not text"),
    (b'{"id": "ok1", "outlet": "B", "text": "same id again"}', "duplicate id"),
    (
        b'{"id": "d1", "outlet": "A", "text": "bad date", "date": "yesterday-ish"}',
        "unparseable date",
    ),
    (
        b'{"id": "d2", "outlet": "A", "text": "absurd date", "date": "0001-11-30"}',
        "implausible date",
    ),
    (b'{"id": "u1", "outlet": "A", "text": "caf\xe9 latin-1"}', "undecodable"),
    (b'{"id": "j1", "outlet": "A", "text": "broken', "invalid JSON"),
    (b'["a", "list"]', "JSON line is a list, not an object"),
    (b'{"id": "t1", "outlet": "A", "text": "fine", "title": ["x"]}', "title is a list, not text"),
    (b'{"id": "t2", "outlet": "A", "text": 12345}', "text is a number (12345), not text"),
    (b'{"id": "ok2", "outlet": "B", "text": "another good one"}', None),
]


def test_mixed_file_good_lines_load_bad_lines_are_quarantined_with_reasons(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(line for line, _ in BAD_JSONL_LINES) + b"\n")
    quarantine = tmp_path / "out" / "quarantine.jsonl"
    articles, report = C.load_corpus(_custom(path), quarantine=quarantine)
    assert articles["id"].tolist() == ["ok1", "ok2"]
    expected = [reason for _, reason in BAD_JSONL_LINES if reason]
    assert report.read == len(BAD_JSONL_LINES)
    assert report.read == report.loaded + report.quarantined
    entries = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert len(entries) == len(expected)
    for entry, reason in zip(entries, expected, strict=True):
        assert reason in entry["reason"], (entry, reason)
        assert entry["where"].startswith("mixed.jsonl:")
    # the record itself is kept so nothing is lost
    assert entries[0]["record"]["id"] == "e1"
    assert "loaded 2, quarantined 13" in report.summary()


@pytest.mark.parametrize("policy", ["keep", "null", "KEEP", None])
def test_date_policy_keep_keeps_the_article(tmp_path, policy):
    # "keep" is the spelling to use; "null" (the older one) and an explicit null (YAML null,
    # Hydra corpus.date_policy=null) mean the same; a missing key still quarantines
    path = tmp_path / "dates.jsonl"
    path.write_text('{"id": "a", "outlet": "A", "text": "t", "date": "soon"}\n')
    articles, report = C.load_corpus(_custom(path, date_policy=policy))
    assert report.loaded == 1 and articles["date"].isna().all()
    assert report.warnings["unparseable date set to null"] == 1
    _, report = C.load_corpus(_custom(path))
    assert report.quarantined == 1


def test_unknown_date_policy_is_refused(tmp_path):
    path = tmp_path / "dates.jsonl"
    path.write_text('{"id": "a", "outlet": "A", "text": "t"}\n')
    with pytest.raises(FramelensError, match="date_policy 'drop' not understood: use quarantine"):
        C.load_corpus(_custom(path, date_policy="drop"))


def _compose_corpus(overrides):
    from omegaconf import OmegaConf

    from analysis.run import compose_config

    return OmegaConf.to_container(compose_config(overrides).corpus, resolve=True)


def _suggested_override(reason):
    import re

    found = re.findall(r"(\+*corpus\.[\w.]+=\S+?)\)?(?:$|[\s;,])", reason)
    assert len(found) == 1, reason
    return found[0]


def test_the_override_a_bad_date_reason_suggests_works(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_text("id,outlet,text,date\n1,A,hello,2020-01-01\n2,A,bad date,soonish\n")
    base = ["corpus=custom", f"corpus.path={path}"]
    q = tmp_path / "q.jsonl"
    _, report = C.load_corpus(_compose_corpus(base), quarantine=q)
    assert report.quarantined == 1
    reason = json.loads(q.read_text())["reason"]
    override = _suggested_override(reason)
    assert override == "corpus.date_policy=keep"
    articles, report = C.load_corpus(_compose_corpus([*base, override]))
    assert report.loaded == 2 and articles["date"].iloc[0] == "2020-01-01"
    assert pd.isna(articles["date"].iloc[1])
    # the spelling the older message gave (Hydra turns it into None) keeps them too
    _, report = C.load_corpus(_compose_corpus([*base, "corpus.date_policy=null"]))
    assert report.loaded == 2


def test_the_date_override_works_for_a_descriptor_corpus(tmp_path, monkeypatch):
    folder = tmp_path / "corpora" / "mine"
    folder.mkdir(parents=True)
    (folder / "articles.jsonl").write_text(
        '{"id": "a", "outlet": "A", "text": "t", "date": "soonish"}\n'
    )
    (folder / "corpus.yaml").write_text(
        "name: mine\nbundled: true\ntables:\n  articles:\n    format: jsonl\n"
        "    path: articles.jsonl\n    fields: {id: id, outlet: outlet, text: text, date: date}\n"
    )
    monkeypatch.setenv("FRAMELENS_CORPORA", str(tmp_path / "corpora"))
    base = ["corpus=babe", "corpus.name=mine"]
    q = tmp_path / "q.jsonl"
    _, report = C.load_corpus(_compose_corpus(base), quarantine=q)
    override = _suggested_override(json.loads(q.read_text())["reason"])
    assert override == "++corpus.date_policy=keep"
    _, report = C.load_corpus(_compose_corpus([*base, override]))
    assert report.loaded == 1


@pytest.mark.parametrize(
    ("name", "sep", "fix", "options"),
    [
        ("semi.csv", ";", "\"corpus.options.delimiter=';'\"", {"options": {"delimiter": ";"}}),
        ("tabs.csv", "\t", "corpus.format=tsv", {"format": "tsv"}),
    ],
)
def test_csv_with_another_delimiter_says_which_and_how_to_read_it(
    tmp_path, name, sep, fix, options
):
    """A spreadsheet export separated by ';' (or tabs in a .csv) reads as one column; the
    error names the delimiter it looks like and the setting that reads it."""
    path = tmp_path / name
    path.write_text(sep.join(["id", "outlet", "text"]) + "\n" + sep.join(["1", "A", "hi"]) + "\n")
    with pytest.raises(FramelensError) as err:
        C.load_corpus(_custom(path))
    assert f"fields look separated by {sep!r}, not ','" in str(err.value)
    assert str(err.value).endswith(f"read it with {fix}")
    articles, report = C.load_corpus(_custom(path, **options))  # the suggested fix works
    assert report.loaded == 1 and articles["text"].tolist() == ["hi"]


def test_json_array_of_records_is_a_corpus(tmp_path):
    """One JSON file holding a list of records (pandas' orient="records") reads like JSONL;
    items that are not objects are quarantined by position."""
    path = tmp_path / "arts.json"
    items = [{"id": "a", "outlet": "A", "text": "hello"}, "stray", {"outlet": "B", "text": "hi"}]
    path.write_text(json.dumps(items))
    q = tmp_path / "q.jsonl"
    articles, report = C.load_corpus(_custom(path), quarantine=q)
    assert articles["id"].tolist() == ["a", "arts.json[2]"]
    assert report.read == 3 and report.loaded == 2
    (entry,) = [json.loads(line) for line in q.read_text().splitlines()]
    assert entry["where"] == "arts.json[1]" and entry["record"] == "stray"
    assert entry["reason"] == "JSON item is a str, not an object"


def test_custom_corpus_without_a_path_says_how_to_give_it():
    with pytest.raises(CorpusNotFound, match=r"no corpus.path given.*corpus.path=FILE"):
        C.resolve_source(_compose_corpus(["corpus=custom"]))
    with pytest.raises(CorpusNotFound, match="corpus.path=FILE"):
        C.load_corpus({"name": "custom"})


@pytest.mark.parametrize(
    ("header", "missing", "fix"),
    [
        ("id,outlet,body", "text", "corpus.fields.text=body"),
        ("id,publisher,text", "outlet", "corpus.fields.outlet=publisher"),
        ("id,who,text", "outlet", "corpus.fields.outlet=COLUMN"),
    ],
)
def test_header_without_a_mapped_column_stops_with_its_columns(tmp_path, header, missing, fix):
    path = tmp_path / "nocol.csv"
    path.write_text(f"{header}\n1,A,hello\n2,B,world\n")
    q = tmp_path / "q.jsonl"
    with pytest.raises(FramelensError) as err:
        C.load_corpus(_custom(path), quarantine=q)
    message = str(err.value)
    assert f"nocol.csv has no column {missing!r}" in message
    assert f"its columns are: {', '.join(repr(c) for c in header.split(','))}" in message
    assert message.endswith(fix)
    assert not q.exists()  # stopped before any row was read
    if "COLUMN" not in fix:  # the suggested override loads every row
        field, column = fix.removeprefix("corpus.fields.").split("=")
        _, report = C.load_corpus(_custom(path, fields={field: column}))
        assert report.loaded == 2


def test_parquet_without_the_text_column_stops_with_its_columns(tmp_path):
    path = tmp_path / "mine.parquet"
    pd.DataFrame({"id": ["x"], "outlet": ["A"], "content": ["one"]}).to_parquet(path)
    with pytest.raises(FramelensError, match=r"'id', 'outlet', 'content'.*fields.text=content"):
        C.load_corpus(_custom(path))


def test_jsonl_record_without_the_text_field_names_its_fields(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"id": "a", "outlet": "A", "body": "x"}\n{"id": "b", "outlet": "A", "text": "y"}\n'
    )
    q = tmp_path / "q.jsonl"
    _, report = C.load_corpus(_custom(path), quarantine=q)
    assert report.loaded == 1 and report.reasons == {"missing text": 1}
    reason = json.loads(q.read_text())["reason"]
    assert "no 'text' field (its fields: 'body', 'id', 'outlet')" in reason
    assert reason.endswith("corpus.fields.text=COLUMN")


def test_csv_bad_rows_are_quarantined(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        b"id,outlet,text\n"
        b'1,A,"fine, with comma"\n'
        b"2,A,too,many,fields\n"
        b'3,A,"multi\nline text"\n'
        b"4,A,\xff\xfe broken bytes\n"
        b"5,,no outlet\n"
    )
    quarantine = tmp_path / "q.jsonl"
    articles, report = C.load_corpus(_custom(path), quarantine=quarantine)
    assert articles["id"].tolist() == ["1", "3"]
    assert report.read == 5 and report.quarantined == 3
    reasons = [json.loads(line)["reason"] for line in quarantine.read_text().splitlines()]
    assert any("fields, header has 3" in r for r in reasons)
    assert any(r.startswith("undecodable") for r in reasons)
    assert any(r.startswith("missing outlet") for r in reasons)


def test_unterminated_quote_is_quarantined_and_later_rows_are_read(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_text(
        'id,outlet,text\n1,A,hello there\n2,A,"unterminated quote\n3,B,fine text\n4,B,more text\n'
    )
    q = tmp_path / "q.jsonl"
    articles, report = C.load_corpus(_custom(path), quarantine=q)
    assert articles["id"].tolist() == ["1", "3", "4"]
    assert articles["text"].tolist() == ["hello there", "fine text", "more text"]
    assert "read 4 records: loaded 3, quarantined 1 (unterminated quote: 1)" in report.summary()
    (entry,) = [json.loads(line) for line in q.read_text().splitlines()]
    assert entry["where"] == "custom.csv:3"
    assert entry["record"] == '2,A,"unterminated quote\n'
    assert entry["reason"].startswith("unterminated quote: the quoted field opened on line 3 ")
    assert 'close the quote (a quote inside a quoted field is written twice: "")' in entry["reason"]
    assert "Lines 4-5 were read again as records of their own" in entry["reason"]


def test_stray_quote_paired_with_a_later_one_is_caught(tmp_path):
    # the csv module closes the stray quote at the next row's quoted field: row 3 would
    # vanish into row 2's text without a word
    path = tmp_path / "custom.csv"
    path.write_text(
        'id,outlet,text\n1,A,hello\n2,A,"stray quote\n3,B,"He said ""hi"", then left"\n'
        '4,B,"two\nlines"\n'
    )
    q = tmp_path / "q.jsonl"
    articles, report = C.load_corpus(_custom(path), quarantine=q)
    assert articles["id"].tolist() == ["1", "3", "4"]
    assert articles["text"].tolist() == ["hello", 'He said "hi", then left', "two\nlines"]
    (entry,) = [json.loads(line) for line in q.read_text().splitlines()]
    assert entry["where"] == "custom.csv:3" and entry["record"] == '2,A,"stray quote\n'
    assert "opened on line 3 is not closed where it should be" in entry["reason"]


def test_features_reader_reports_an_unterminated_quote(tmp_path):
    from analysis.score import read_rows

    path = tmp_path / "in.csv"
    path.write_text('id,text\n1,hello\n2,"unterminated\n3,fine\n')
    rows = read_rows(path, "text")
    # the id comes before the quote that never closed: kept, so the row joins back
    assert rows["row"].tolist() == [1, 2, 3] and rows["id"].fillna("").tolist() == ["1", "2", "3"]
    assert (
        rows["reason"].iloc[1].startswith("unterminated quote: the quoted field opened on line 3")
    )
    assert rows["text"].iloc[0] == "hello" and rows["text"].iloc[2] == "fine"
    assert pd.isna(rows["text"].iloc[1])


def test_reasons_name_the_same_file_line_as_where(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_bytes(
        b'id,outlet,text\n1,A,"two\nlines"\n2,A,caf\xe9\n3,A,a,b\n4,A,"multi\nline",x\n'
    )
    q = tmp_path / "q.jsonl"
    C.load_corpus(_custom(path), quarantine=q)
    entries = [json.loads(line) for line in q.read_text().splitlines()]
    assert [e["where"] for e in entries] == ["custom.csv:4", "custom.csv:5", "custom.csv:6"]
    assert "invalid UTF-8 in column 'text' of the record on line 4" in entries[0]["reason"]
    assert "(line 5)" in entries[1]["reason"] and "(line 6)" in entries[2]["reason"]
    jsonl = tmp_path / "custom.jsonl"
    jsonl.write_bytes(
        b'{"id": "1", "outlet": "A", "text": "ok"}\n{"id": "2", "outlet": "A", "text": tru}\n'
    )
    q.unlink()
    C.load_corpus(_custom(jsonl), quarantine=q)
    (entry,) = [json.loads(line) for line in q.read_text().splitlines()]
    assert entry["where"] == "custom.jsonl:2"
    assert entry["reason"] == "invalid JSON: invalid literal, expected 'true' (line 2, column 36)"


def test_truncated_gzip_is_reported_not_lost(tmp_path):
    good = tmp_path / "full.jsonl.gz"
    with gzip.open(good, "wt") as fh:
        for i in range(2000):
            fh.write(
                json.dumps({"id": str(i), "outlet": "A", "text": f"article number {i} " * 20})
                + "\n"
            )
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    articles, report = C.load_corpus(_custom(cut), quarantine=tmp_path / "q.jsonl")
    assert 0 < report.loaded < 2000
    assert report.reasons[
        "truncated or corrupt file after line " + str(report.read - 1)
    ] == 1 or any(k.startswith("truncated") for k in report.reasons)


def test_iter_articles_streams_in_chunks(with_mirror):
    report = C.LoadReport("babe", "sentences")
    sizes = [len(c) for c in C.iter_articles("babe", chunk_size=1000, report=report)]
    assert sizes == [1000, 1000, 940] and report.loaded == 2940


def test_filters_are_counted(with_mirror):
    articles, report = C.load_corpus({"name": "babe", "filters": {"lean": ["left"]}})
    assert set(articles["lean"]) == {"left"}
    assert report.loaded + report.filtered == report.read == 2940


@pytest.mark.parametrize(
    ("given", "kept"),
    [("Left", "left"), (" RIGHT ", "right"), ("Centre", "center"), ("center", "center"),
     ("Lean Right", "Lean Right"), ("state-funded", "state-funded")],
)  # fmt: skip
def test_lean_spellings_of_the_three_are_normalised_others_kept(given, kept):
    assert C.normalize_lean(given) == kept


@pytest.mark.parametrize(
    ("value", "fmt", "iso"),
    [
        ("2021-04-05", None, "2021-04-05"),
        ("2021-04-05T10:00:00Z", None, "2021-04-05"),
        ("2021-04-05 10:00", None, "2021-04-05"),
        ("2021-04-05garbage", None, None),  # not only its first ten characters
        ("Tue, 06 Apr 2021 10:00:00 GMT", None, "2021-04-06"),  # RFC 2822: RSS feeds
        ("9/13/12", None, "2012-09-13"),  # slashed: month first, as AllSides writes them
        ("05.04.2021", None, "2021-04-05"),  # dotted: day first
        ("5 Apr 2021", None, "2021-04-05"),
        ("April 5 2021", None, "2021-04-05"),
        ("13/04/2021", None, None),
        ("13/04/2021", "%d/%m/%Y", "2021-04-13"),
        ("04/05/2021", "%d/%m/%Y", "2021-05-04"),
        # the format replaces the month-first reading only: other forms are still read
        ("2014-10-22", "%d/%m/%Y", "2014-10-22"),
        ("August 6, 2021", "%d/%m/%Y", "2021-08-06"),
        ("Tue, 06 Apr 2021 10:00:00 GMT", "%d/%m/%Y", "2021-04-06"),
        ("13/31/2021", "%d/%m/%Y", None),
    ],
)
def test_date_forms(value, fmt, iso):
    parsed, problem = C.parse_date(value, fmt)
    assert parsed == iso and (problem is None) == (iso is not None)


def test_a_date_of_the_right_form_but_no_such_day_says_so():
    assert C.parse_date("2021-02-30")[1].endswith("(there is no day 30 in month 2 of 2021)")
    assert C.parse_date("2021-13-01")[1].endswith("(there is no month 13)")
    assert C.parse_date("2021-02-30garbage")[1] == "unparseable date: '2021-02-30garbage'"


def test_day_first_dates_say_which_setting_reads_them(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("id,outlet,text,date\n1,A,first,13/04/2021\n2,B,second,04/05/2021\n")
    q = tmp_path / "q.jsonl"
    _, report = C.load_corpus(_custom(path), quarantine=q)
    assert report.loaded == 1
    assert "for day-first dates set corpus.options.date_format=%d/%m/%Y" in q.read_text()
    articles, _ = C.load_corpus(_custom(path, options={"date_format": "%d/%m/%Y"}))
    assert articles["date"].astype(str).tolist() == ["2021-04-13", "2021-05-04"]


def test_a_named_corpus_takes_field_overrides():
    """+corpus.fields.outlet={column:outlet,map:{...}} on a named corpus replaces that
    field's mapping (merging an outlet's desks, say) and keeps the others; it used to be
    ignored without a word."""
    plain, _ = C.load_corpus("sample")
    cfg = {
        "name": "sample",
        "fields": {"outlet": {"column": "outlet", "map": {"RT": "Russia Today"}}},
    }
    mapped, _ = C.load_corpus(cfg)
    assert "RT" in set(plain["outlet"]) and "RT" not in set(mapped["outlet"])
    assert (mapped["outlet"] == "Russia Today").sum() == (plain["outlet"] == "RT").sum()
    pd.testing.assert_frame_equal(mapped.drop(columns="outlet"), plain.drop(columns="outlet"))
    # another column as the lean, through extra's mapping as well
    extra, _ = C.load_corpus({"name": "sample", "extra": {"source_lean": "lean"}})
    assert (extra["source_lean"] == plain["lean"]).all()


def test_exclude_leaves_out_the_articles_of_the_values_given():
    """corpus.exclude: field -> values whose articles are left out (after the filters),
    counted as filtered out; an unknown field is named, as for filters."""
    plain, _ = C.load_corpus({"name": "sample"})
    outlet = plain["outlet"].value_counts().index[0]
    kept, report = C.load_corpus({"name": "sample", "exclude": {"outlet": [outlet]}})
    assert outlet not in set(kept["outlet"])
    assert len(kept) == len(plain) - (plain["outlet"] == outlet).sum() == report.loaded
    assert report.filtered == (plain["outlet"] == outlet).sum()
    lean = plain["lean"].dropna().iloc[0]
    both, _ = C.load_corpus(
        {"name": "sample", "filters": {"lean": [lean]}, "exclude": {"outlet": outlet}}
    )
    expected = plain[(plain["lean"] == lean) & (plain["outlet"] != outlet)]
    assert list(both["id"]) == list(expected["id"])
    with pytest.raises(C.FramelensError, match=r"corpus.exclude.outlt: .*did you mean corpus.exclude.outlet"):  # fmt: skip
        C.resolve_source({"name": "sample", "exclude": {"outlt": ["X"]}})


def test_html_in_a_text_field_is_read_as_text(tmp_path):
    """A CMS export's text field with markup: inline tags and entities used to reach the
    segmenter, which read an href's quotes as a quotation and "&quot;" as prose."""
    from analysis.segment import Segmenter

    html = (
        '<div><p>Lawmakers passed the <a href="https://e.com/x">bill</a> on Monday.</p>'
        "<p>The senator said it was &quot;a blank check&quot; &amp; more.</p>"
        '<script>var x = "y";</script><ul><li><a href="/">Home</a></li></ul></div>'
    )
    src = tmp_path / "mine.jsonl"
    rows = [
        {"id": "h", "outlet": "T", "text": html},
        {"id": "e", "outlet": "T", "text": "AT&amp;T said 3 &lt; 4 & more"},
        {"id": "p", "outlet": "T", "text": "Plain text & a stray <b> tag."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    arts, report = C.load_corpus({"name": "custom", "path": str(src)})
    text = dict(zip(arts["id"], arts["text"], strict=True))
    assert text["h"] == (
        'Lawmakers passed the bill on Monday.\n\nThe senator said it was "a blank check" '
        "& more.\n\nHome"
    )
    assert text["e"] == "AT&T said 3 < 4 & more"
    assert text["p"] == rows[2]["text"]  # one tag is not a page
    kind = "HTML converted to text (corpus.options.html=false keeps it as given)"
    assert report.warnings[kind] == 2
    quotes = [
        s for s in Segmenter().segment_table(arts.iloc[:1]).itertuples() if s.voice == "quoted"
    ]
    assert [q.text for q in quotes] == ['"a blank check"']
    raw, report = C.load_corpus({"name": "custom", "path": str(src), "options": {"html": False}})
    assert raw["text"].tolist() == [r["text"] for r in rows] and not report.warnings


def test_a_mapping_that_names_no_field_stops_early_and_unknown_fields_are_refused(tmp_path):
    """A misspelt column in a mapping quarantined every record, reading the whole corpus
    for it; a field name that is not an article field was accepted and had no effect."""
    src = tmp_path / "big.jsonl"
    src.write_text(
        "".join(json.dumps({"source": "A", "text": f"t {i}"}) + "\n" for i in range(1500))
    )
    cfg = {"name": "custom", "path": str(src), "fields": {"outlet": {"column": "sorce"}}}
    with pytest.raises(C.FramelensError, match="first 1,000 records of big.jsonl all lack") as err:
        C.load_corpus(cfg)
    assert "no 'sorce' field" in str(err.value) and "'source'" in str(err.value)
    with pytest.raises(C.FramelensError, match=r"corpus.fields.body is not an article field"):
        C.resolve_source({"name": "custom", "path": str(src), "fields": {"body": "text"}})
    with pytest.raises(C.FramelensError, match=r"\+corpus.extra.nonexistent=COLUMN"):
        C.resolve_source({"name": "sample", "fields": {"nonexistent": {"column": "outlet"}}})
    # a named corpus takes options too (the HTML warning names corpus.options.html=false)
    spec = C.resolve_source({"name": "sample", "options": {"html": False}}).table
    assert spec.options["html"] is False


def test_a_csv_row_of_the_wrong_width_says_which_way_it_is_wrong(tmp_path):
    """Too many fields: an unquoted delimiter; too few in the middle: a missing field;
    too few on a last line without its line break: the file is cut off."""
    path = tmp_path / "cut.csv"
    path.write_bytes(b"id,outlet,text\n1,A,too,many\n2,A\n3,A,fine\n4,A")
    quarantine = tmp_path / "q.jsonl"
    C.load_corpus(_custom(path), quarantine=quarantine)
    reasons = [json.loads(line)["reason"] for line in quarantine.read_text().splitlines()]
    assert reasons[0].endswith("quote a field that holds the delimiter ','")
    assert "(line 3): a field is missing, or the row is cut short" in reasons[1]
    assert "(line 5): a field is missing on the file's last line" in reasons[2]


def test_a_byte_order_mark_is_read_in_jsonl_as_in_csv(tmp_path):
    """Windows tools write a UTF-8 BOM: a CSV read with it, a JSONL file quarantined its
    first record as invalid JSON."""
    lines = [
        '{"id": "a", "outlet": "X", "text": "first"}',
        '{"id": "b", "outlet": "Y", "text": "second"}',
    ]
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    articles, report = C.load_corpus(_custom(path))
    assert report.loaded == 2 and articles["id"].tolist() == ["a", "b"]


def test_every_missing_mapped_column_is_named_at_once(tmp_path):
    """A file lacking the text and the outlet column named the text, and after that was
    fixed the outlet: one run per mistake."""
    path = tmp_path / "two.csv"
    path.write_text("key,source2,body2\n1,a,b\n")
    with pytest.raises(FramelensError) as err:
        C.load_corpus(_custom(path))
    said = str(err.value)
    assert "has none of the columns mapped to the article text ('text') and the outlet" in said
    assert "corpus.fields.text=COLUMN and corpus.fields.outlet=COLUMN" in said


def test_a_misspelt_corpus_name_gets_a_suggestion():
    from analysis.errors import CorpusNotFound

    with pytest.raises(CorpusNotFound, match=r"did you mean allsides\? known corpora: allsides"):
        C.get_descriptor("allsidez")


def test_an_unterminated_string_in_a_crlf_jsonl_file_says_so(tmp_path):
    """The reason named the CR of the line break ("unexpected control character"), not
    the string left open."""
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": "ok"}\r\n{"a": "unterminated\r\n{"a": 1}\r\n')
    spec = C.TableSpec(name="t", format="jsonl", path=str(path), fields={})
    errors = [r.error for r in C.read_raw(path, spec)]
    assert errors[0] is None and errors[2] is None
    assert errors[1].startswith("invalid JSON: unexpected end of data (line 2")


def test_a_text_that_is_only_a_link_is_quarantined(tmp_path):
    """A user test: a record whose text was a URL was kept silently, scored by its title
    alone, while `framelens features` gave the same text a reason. No article text."""
    src = tmp_path / "mine.jsonl"
    rows = [
        {"id": "u", "outlet": "T", "title": "Big news", "text": " https://example.com/a/b?c=1 "},
        {"id": "w", "outlet": "T", "text": "www.example.com/story"},
        {"id": "ok", "outlet": "T", "text": "The story is at https://example.com/a, he said."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    arts, report = C.load_corpus({"name": "custom", "path": str(src)})
    assert arts["id"].tolist() == ["ok"]
    assert report.reasons == {"no article text": 2}


def test_a_named_column_the_file_lacks_stops_with_the_fix(tmp_path):
    """corpus.fields.date=publishd used to load every article undated (and a misspelt lean
    column dropped every lean analysis) without a word: a column the user names must exist.
    The custom config's defaults (date read from 'date') may still be absent."""
    csv = tmp_path / "mine.csv"
    csv.write_text("source,body,published,allsides_rating\nA,some text,2020-01-02,left\n")
    fields = {"outlet": "source", "text": "body", "date": "publishd", "lean": "rating"}
    with pytest.raises(FramelensError) as err:
        C.load_corpus(_custom(csv, fields=fields))
    said = str(err.value)
    assert "no column 'publishd' (named by corpus.fields.date)" in said
    assert "no column 'rating' (named by corpus.fields.lean)" in said
    assert "corpus.fields.date=published" in said  # the close match is offered
    jsonl = tmp_path / "mine.jsonl"
    jsonl.write_text('{"source": "A", "body": "some text", "section": "x"}\n')
    with pytest.raises(FramelensError, match=r"no column 'sectionn' \(named by corpus.extra.sec"):
        C.load_corpus(_custom(jsonl, fields={"outlet": "source", "text": "body"},
                              extra={"sec": "sectionn"}))  # fmt: skip
    articles, report = C.load_corpus(
        _custom(jsonl, fields={"outlet": "source", "text": "body", "date": "date"})
    )
    assert report.loaded == 1 and articles["date"].tolist() == [None]


def test_repeated_texts_same_outlet_quarantined_other_outlets_kept_and_counted(tmp_path):
    """A scraped file with a row twice (no id column, so file:line ids differ), a repost
    under a new id, a syndicated copy in another outlet, and an id reused for another text:
    every record is loaded or quarantined with a reason that says which."""
    path = tmp_path / "scrape.jsonl"
    rows = [
        {"id": "a1", "outlet": "Daily", "text": "The council met.", "date": "2020-01-02"},
        {"id": "a2", "outlet": "Daily", "text": "The council met.", "date": ""},
        {"id": "b1", "outlet": "Gazette", "text": "The council met."},
        {"id": "a1", "outlet": "Daily", "text": "Another story."},
        {"id": "a3", "outlet": "Daily", "text": "Rain again.", "date": " "},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    quarantine = tmp_path / "q.jsonl"
    articles, report = C.load_corpus(_custom(path), quarantine=quarantine)
    assert articles["id"].tolist() == ["a1", "b1", "a3"]
    reasons = [json.loads(line)["reason"] for line in quarantine.read_text().splitlines()]
    assert reasons[0].startswith("duplicate text: the same outlet's article 'a1' (first seen")
    assert reasons[1].endswith("; its text differs from the first's")
    assert report.warnings["text identical to another outlet's article (a syndicated copy)"] == 1
    assert report.warnings["empty date: kept undated"] == 1  # a2 was quarantined
    assert report.reasons == {"duplicate text": 1, "duplicate id": 1}
    # labelled corpora keep each row: options.duplicate_texts=keep
    kept, report = C.load_corpus(_custom(path, options={"duplicate_texts": "keep"}))
    assert kept["id"].tolist() == ["a1", "a2", "b1", "a3"]
    assert report.warnings["text identical to an earlier article of the same outlet"] == 1
    with pytest.raises(FramelensError, match="duplicate_texts must be 'quarantine' or 'keep'"):
        C.load_corpus(_custom(path, options={"duplicate_texts": "drop"}))


def test_outlet_names_that_differ_only_in_case_or_punctuation_are_named_with_the_fix(tmp_path):
    """'Fox News' and 'FOX News' were two outlets without a word, and the split alone made a
    test between outlets significant. The loader names such groups and the override that
    merges them, which Hydra parses (names with brackets are escaped)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    path = tmp_path / "mine.jsonl"
    names = ["Fox News", "FOX News", "Fox News", "Newsmax - News", "Newsmax (News)", "CNN"]
    names.append("Newsmax - News")
    path.write_text(
        "".join(json.dumps({"outlet": o, "text": f"story {i}"}) + "\n" for i, o in enumerate(names))
    )
    _, report = C.load_corpus(_custom(path))
    assert report.outlet_variants == [
        ["Fox News", "FOX News"],
        ["Newsmax - News", "Newsmax (News)"],
    ]
    line = report.variants_line()
    assert "'Fox News' (2) / 'FOX News' (1)" in line
    override = line.rsplit(" with ", 1)[1].strip("'")
    parsed = OverridesParser.create().parse_override(override)
    assert parsed.key_or_group == "corpus.fields.outlet"
    assert parsed.value() == {
        "column": "outlet",
        "map": {"FOX News": "Fox News", "Newsmax (News)": "Newsmax - News"},
    }
    merged, report = C.load_corpus(_custom(path, fields={"outlet": parsed.value()}))
    assert report.outlet_variants == [] and report.variants_line() is None
    assert sorted(set(merged["outlet"])) == ["CNN", "Fox News", "Newsmax - News"]


def test_a_broken_csv_record_keeps_its_first_field_when_that_field_is_sound(tmp_path):
    """`classify predict` writes a refused row's id so results join back: the first field of
    a record whose later quote never closes, or that has a field too many, comes before the
    break; a row too short may lack it, so it keeps none."""
    path = tmp_path / "in.csv"
    path.write_text(
        'id,text,outlet\nq1,"fine",x\nq2,"never closed\nq3,"a,b",x,extra\n"q4 text",x\n'
    )
    spec = C.input_spec(path, "csv", "text")
    got = {r.locator: r.partial for r in C.read_raw(path, spec) if r.error}
    assert got["in.csv:3"] == {"id": "q2"}
    assert got["in.csv:4"] == {"id": "q3"}
    assert got["in.csv:5"] is None

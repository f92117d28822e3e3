"""framelens features: a researcher's own texts in, one row per input row out."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from analysis.pipeline import build_stages
from analysis.run import compose_config
from analysis.score import read_rows, score_file

TWEET = (
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR RECENT LARGE DONATION "
    "OF HUMVEE VEHICLES. pic.twitter.com/HW1VXPUTnF"
)
PROSE = "Taliban militants were spotted parading around in US-made Humvees, footage shows."


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    cfg = compose_config(["features=[irony_cues,issue_frames,actors,style]", f"cache.dir={cache}"])
    return build_stages(cfg)


def test_one_row_per_input_row_in_order_with_reasons(tmp_path, stages):
    src = tmp_path / "in.jsonl"
    lines = [
        {"id": "t1", "text": TWEET},
        {"id": "t2", "text": ""},
        {"id": "t3", "text": PROSE},
        {"id": "t4", "text": None},
        {"id": "t5", "text": ["not", "text"]},
    ]
    src.write_text(
        "\n".join(json.dumps(x) for x in lines[:3])
        + "\n{broken json\n"
        + "\n".join(json.dumps(x) for x in lines[3:])
        + "\n"
    )
    out = tmp_path / "out.csv"
    info = score_file(src, out, stages)
    table = pd.read_csv(out)
    assert info["rows"] == len(table) == 6
    assert table["row"].tolist() == [1, 2, 3, 4, 5, 6]
    # the broken line has no readable id: empty, not "4", which could be another record's id
    assert table["id"].fillna("").tolist() == ["t1", "t2", "t3", "", "t4", "t5"]
    reasons = table["reason"].fillna("").tolist()
    assert reasons[0] == "" and reasons[2] == ""
    assert reasons[1] == "empty text"
    assert reasons[3].startswith("invalid JSON")
    assert "missing" in reasons[4] and "list" in reasons[5]
    assert list(table.columns[:3]) == ["row", "id", "irony_sarcastic_gratitude"]
    # the mockery sits in the social voice; the prose is the outlet's
    assert table.loc[0, "irony_sarcastic_gratitude"] > 0 and table.loc[0, "share_social"] == 1
    assert table.loc[0, "issue_cost_to_taxpayer"] > table.loc[2, "issue_cost_to_taxpayer"]
    assert table.loc[2, "actor_taliban__militants"] > 0 and table.loc[2, "share_outlet"] == 1


@pytest.mark.parametrize("name", ["in.json", "in.json.gz"])
def test_a_json_list_of_records_reads_like_jsonl(tmp_path, stages, name):
    """A .json file holding one list of records (pandas' orient="records", what many
    exports write) gives the same table as the same records as JSONL; an item that is not
    an object gets a reason of its own row."""
    import gzip

    records = [{"id": "t1", "text": TWEET}, {"id": "t2", "text": ""}, {"id": "t3", "text": PROSE}]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    data = json.dumps([*records, "a bare string"]).encode()
    src = tmp_path / name
    src.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    score_file(jsonl, tmp_path / "a.csv", stages)
    info = score_file(src, tmp_path / "b.csv", stages)
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert info["rows"] == 4 and info["scored"] == 2
    pd.testing.assert_frame_equal(b.iloc[:3], a)
    assert b.loc[3, "row"] == 4 and "not an object" in b.loc[3, "reason"]


def test_no_segment_scores_whole_texts_and_parquet_output(tmp_path, stages):
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": [TWEET, PROSE, "   "]}).to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    score_file(src, out, stages, segment=False)
    table = pd.read_parquet(out)
    assert table["row"].tolist() == [1, 2, 3] and table["id"].isna().all()  # no id column
    assert table.loc[0, "irony_sarcastic_gratitude"] > 0
    assert table.loc[2, "reason"] == "empty text"
    assert "share_social" not in table.columns


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_chunks_give_the_same_table_as_one_pass(tmp_path, stages, suffix):
    """Rows are read and scored a chunk at a time (bounded memory for a file of any size):
    the output is the one-pass table, one header, one schema, rows in input order."""
    src = tmp_path / "in.csv"
    texts = [TWEET, PROSE, "", 'He said: "what a gift".', "Ok.", None, PROSE + " More."] * 3
    pd.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "text": texts}).to_csv(
        src, index=False
    )
    read = pd.read_parquet if suffix == ".parquet" else pd.read_csv
    kw = {} if suffix == ".parquet" else {"sep": "\t" if suffix == ".tsv" else ","}
    whole = tmp_path / f"whole{suffix}"
    score_file(src, whole, stages, chunk_size=1000)
    for size in (1, 4):
        out = tmp_path / f"chunks{size}{suffix}"
        info = score_file(src, out, stages, chunk_size=size)
        assert info["rows"] == len(texts) and info["scored"] == 15
        assert out.read_bytes() == whole.read_bytes() or suffix == ".parquet"
        pd.testing.assert_frame_equal(read(out, **kw), read(whole, **kw))
    if suffix == ".parquet":  # a chunk whose rows all score (no reason) keeps the schema
        import pyarrow.parquet as pq

        schema = pq.read_schema(tmp_path / f"chunks1{suffix}")
        assert str(schema.field("reason").type) == "string"
        assert str(schema.field("id").type) == "string"


def test_empty_input_gives_a_header(tmp_path, stages):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n")
    out = tmp_path / "out.csv"
    assert score_file(src, out, stages, chunk_size=2)["rows"] == 0
    table = pd.read_csv(out)
    assert table.empty and list(table.columns[:3]) == ["row", "id", "irony_sarcastic_gratitude"]


def test_wrong_output_suffix_stops_before_scoring(tmp_path, stages):
    from analysis.errors import FramelensError

    src = tmp_path / "in.csv"
    src.write_text("id,text\nx,hello there\n")
    with pytest.raises(FramelensError, match=r"--output must end in \.csv, \.tsv or \.parquet"):
        score_file(src, tmp_path / "out.xlsx", stages)
    assert not list(tmp_path.glob("*out*"))
    odd = tmp_path / "texts.bin"
    odd.write_bytes(b"\x00\x01")
    with pytest.raises(FramelensError, match=r"--input must be CSV.*not texts\.bin$"):
        score_file(odd, tmp_path / "out.csv", stages)  # not "give corpus.format": no such flag


def test_missing_text_column_stops_with_the_file_columns(tmp_path, stages):
    """A wrong --text-field is one clear error naming the columns there are, before any
    output is written; a record that lacks the field among others that have it (JSONL)
    gets a reason of its own."""
    from analysis.errors import FramelensError

    src = tmp_path / "in.csv"
    pd.DataFrame({"id": ["a"], "body": ["x"]}).to_csv(src, index=False)
    with pytest.raises(FramelensError, match=r"no column 'text' \(its columns: 'id', 'body'\)"):
        read_rows(src, "text")
    with pytest.raises(FramelensError, match="--text-field"):
        score_file(src, tmp_path / "out.csv", stages)
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(FramelensError, match=r"no column 'ident' \(its columns: 'id', 'body'\)"):
        score_file(src, tmp_path / "out.csv", stages, text_field="body", id_field="ident",
                   id_required=True)  # fmt: skip
    assert score_file(src, tmp_path / "out.csv", stages, text_field="body", id_field="ident")
    semi = tmp_path / "semi.csv"  # a European spreadsheet export: read as it is written
    semi.write_text('id;text\n1;"hello, world"\n2;bye\n')
    rows = read_rows(semi, "text")
    assert rows["id"].tolist() == ["1", "2"]
    assert rows["text"].tolist() == ["hello, world", "bye"]
    semi.write_text("id;body\n1;hello\n")  # the wrong --text-field still names the columns
    with pytest.raises(FramelensError, match=r"no column 'text' \(its columns: 'id;body'\)"):
        read_rows(semi, "text")
    mixed = tmp_path / "in.jsonl"
    mixed.write_text(json.dumps({"text": PROSE}) + "\n" + json.dumps({"body": "x"}) + "\n")
    rows = read_rows(mixed, "text")
    assert rows["reason"].isna().tolist() == [True, False]
    assert rows.loc[1, "reason"].startswith("no column 'text'")


def test_non_english_text_scored_whole_gets_a_reason(tmp_path, stages):
    """--no-segment scores each text whole, still only English ones: the lexicons are
    English. A short text (a tweet of a few words) cannot be told and is scored."""
    src = tmp_path / "in.csv"
    german = "Die Regierung hat heute angekündigt, dass die Steuern im nächsten Jahr steigen."
    pd.DataFrame({"text": [PROSE, german, "lol ok"]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    info = score_file(src, out, stages, segment=False)
    table = pd.read_csv(out)
    assert info["rows"] == 3 and info["scored"] == 2
    assert table.loc[1, "reason"].startswith("not English (language detected: de)")
    assert table.loc[1, "style_n_tokens"] != table.loc[1, "style_n_tokens"]  # NaN
    assert table["reason"].isna().tolist() == [True, False, True]


def test_a_text_combines_its_voices_extremes_and_size(tmp_path, stages):
    """Segmented, a text's size is the sum of its segments' and not their average."""
    src = tmp_path / "in.csv"
    text = 'The senator said the plan was "a disaster" and warned that taxpayers would pay.'
    pd.DataFrame({"text": [text]}).to_csv(src, index=False)
    score_file(src, tmp_path / "seg.csv", stages)
    score_file(src, tmp_path / "whole.csv", stages, segment=False)
    seg, whole = pd.read_csv(tmp_path / "seg.csv"), pd.read_csv(tmp_path / "whole.csv")
    assert seg.loc[0, "share_quoted"] > 0  # the quote is its own voice
    assert seg.loc[0, "style_n_tokens"] == whole.loc[0, "style_n_tokens"]


def test_cli_features(tmp_path):
    src = tmp_path / "in.tsv"
    src.write_text("id\ttext\nx\t" + PROSE + "\n")
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "features", "--input", str(src), "--output",
         str(out), "features=[hedging,vader]", f"cache.dir={tmp_path / 'cache'}"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    table = pd.read_csv(out)
    assert table["id"].tolist() == ["x"] and "vader_compound_mean" in table.columns


def test_cli_features_warns_about_an_input_without_rows(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n")
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "features", "--input", str(src), "--output",
         str(out), "features=[style]", f"cache.dir={tmp_path / 'cache'}"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "holds no rows; the output is a header only" in proc.stderr
    assert pd.read_csv(out).empty


def test_markup_in_a_text_is_read_as_text_as_in_a_corpus(tmp_path, stages):
    """A CMS export's HTML: its quotation (an &quot; entity) is the quoted voice, as when
    the same text comes through a corpus."""
    src = tmp_path / "in.json"
    html = "<p>&quot;We will win,&quot; he said.</p><p>The council met on Monday.</p>"
    plain = '"We will win," he said.\n\nThe council met on Monday.'
    src.write_text(json.dumps([{"id": "h", "text": html}, {"id": "p", "text": plain}]))
    score_file(src, tmp_path / "o.csv", stages)
    out = pd.read_csv(tmp_path / "o.csv")
    assert out.loc[1, "share_quoted"] > 0.2
    assert out.loc[0, "share_quoted"] == pytest.approx(out.loc[1, "share_quoted"])


def test_a_row_that_cannot_be_read_whole_keeps_its_id(tmp_path):
    """A user test: a row whose text has Latin-1 bytes came out with its reason but no id,
    though its id decodes fine, so the output could not be joined back by id."""
    src = tmp_path / "in.csv"
    src.write_bytes(b"key,text\nk1,fine text here\nk2,Caf\xe9 latin1 bytes\nk3,more text\n")
    rows = read_rows(src, "text", "key")
    assert rows["id"].tolist() == ["k1", "k2", "k3"]
    assert rows.loc[1, "reason"].startswith("undecodable: invalid UTF-8 in column 'text'")

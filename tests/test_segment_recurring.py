"""The corpus-level signal of the segmenter: lines recurring across an outlet's articles.

``Segmenter.fit`` learns, in one streaming pass, which short lines occur verbatim in at least
``recurring_min_articles`` articles of the same outlet; ``segment`` then sets the furniture
shapes among them aside. The pipeline fits the segmenter in a first pass and hands the table
to every worker in the run config (``fit_segment_config``).
"""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from analysis.records import Article
from analysis.segment import (
    RecurringLineCounter,
    Segmenter,
    decode_recurring,
    encode_recurring,
    fit_segment_config,
)

TAGLINE = "The Planet Weekly goes out every Friday from our newsroom in Metropolis."
SUBHEAD = "What happens next?"
STOCK = "The mayor's office did not respond to a request for comment."
REUSED = (
    "Metropolis has 1.2 million residents and its budget is the largest in the state, "
    "ahead of Gotham and Star City."
)


def _article(i: int, outlet: str = "Daily Planet", extra: tuple[str, ...] = ()) -> Article:
    body = [
        f"Story {i} opens with a paragraph about council meeting number {i} and its vote.",
        f"The second paragraph of story {i} quotes nobody and ends here, plainly.",
        f"Paragraph three of story {i} adds the budget figures for the year {2000 + i}.",
        *extra,
        *(f"Closing paragraph {k} of story {i} sums the meeting up in a sentence." for k in "abcd"),
        TAGLINE,
    ]
    return Article(id=f"a{i}", outlet=outlet, title=f"Story {i}", text="\n\n".join(body))


CORPUS = [_article(i, extra=(SUBHEAD, REUSED)) for i in range(5)] + [
    _article(9, outlet="Other Paper")
]


def _kinds(seg: Segmenter, article: Article) -> dict[str, str]:
    return {s.text: s.kind for s in seg.segment(article) if s.field == "text"}


def test_recurring_tagline_is_boilerplate_only_after_fit():
    plain = Segmenter(detect_language=False)
    assert _kinds(plain, CORPUS[0])[TAGLINE] == "body"  # no article-level rule fires
    fitted = Segmenter(detect_language=False).fit(CORPUS)
    kinds = _kinds(fitted, CORPUS[0])
    assert kinds[TAGLINE] == "boilerplate"
    # a subhead and the outlet's own reused prose between paragraphs stay outlet voice
    assert kinds[SUBHEAD] == "body"
    assert kinds[REUSED] == "body"
    # the same line in another outlet's article is not that outlet's furniture
    assert _kinds(fitted, CORPUS[-1])[TAGLINE] == "body"


def test_min_articles_and_off_switch():
    few = CORPUS[:2]  # the tagline in 2 articles only
    assert _kinds(Segmenter(detect_language=False).fit(few), few[0])[TAGLINE] == "body"
    two = Segmenter(detect_language=False, recurring_min_articles=2).fit(few)
    assert _kinds(two, few[0])[TAGLINE] == "boilerplate"
    off = Segmenter(detect_language=False, recurring_min_articles=0).fit(CORPUS)
    assert off.recurring_state() is None
    assert _kinds(off, CORPUS[0])[TAGLINE] == "body"


def test_stock_prose_questions_and_quotes_are_never_furniture():
    lines = (STOCK, '"We will rebuild," the mayor said.', "Why now?")
    corpus = [  # the recurring lines just above the tagline, inside the edge zone
        Article(
            id=a.id,
            outlet=a.outlet,
            title=a.title,
            text=a.text.replace(TAGLINE, "\n\n".join((*lines, TAGLINE))),
        )
        for a in (_article(i) for i in range(4))
    ]
    kinds = _kinds(Segmenter(detect_language=False).fit(corpus), corpus[0])
    assert kinds[TAGLINE] == "boilerplate"
    assert kinds[STOCK] == "body"
    assert kinds["Why now?"] == "body"
    assert "boilerplate" not in {kinds.get(t) for t in lines}


def test_label_shapes_recurring_mid_article_are_furniture():
    box = ("What to know about the flood:", "How it started and what to do: Flood explained")
    corpus = [_article(i, extra=box) for i in range(4)]
    kinds = _kinds(Segmenter(detect_language=False).fit(corpus), corpus[0])
    assert kinds[box[0]] == "boilerplate"
    assert kinds[box[1]] == "boilerplate"


def test_a_republished_story_is_not_stripped():
    """When most of an article's lines recur, it is the same story again, not furniture."""
    same = [
        Article(id=f"d{i}", outlet="Daily Planet", title="t", text=CORPUS[0].text) for i in range(3)
    ]
    fitted = Segmenter(detect_language=False).fit(same)
    assert "boilerplate" not in _kinds(fitted, same[0]).values()


def test_fit_is_the_same_for_articles_and_any_chunking():
    ref = Segmenter(detect_language=False).fit(CORPUS).recurring_state()
    table = pd.DataFrame(
        {
            "id": [a.id for a in CORPUS],
            "outlet": [a.outlet for a in CORPUS],
            "text": [a.text for a in CORPUS],
        }
    )
    for size in (1, 2, 4, len(CORPUS)):
        chunks = [table.iloc[i : i + size] for i in range(0, len(table), size)]
        assert Segmenter(detect_language=False).fit(chunks).recurring_state() == ref


def test_table_round_trips_and_pickles():
    seg = Segmenter(detect_language=False).fit(CORPUS)
    state = seg.recurring_state()
    assert state.startswith("r1:")
    assert encode_recurring(decode_recurring(state)) == state
    again = Segmenter(detect_language=False, recurring_lines=state)
    assert _kinds(again, CORPUS[1]) == _kinds(seg, CORPUS[1])
    clone = pickle.loads(pickle.dumps(seg))
    assert _kinds(clone, CORPUS[2]) == _kinds(seg, CORPUS[2])
    with pytest.raises(ValueError):
        decode_recurring("v0:AAAA")


def test_counter_memory_is_bounded_and_keeps_frequent_lines():
    counter = RecurringLineCounter(max_entries=50, bloom_bits=1 << 16)
    for i in range(400):
        unique = "\n".join(f"line {i}-{k} of a story, never seen again" for k in range(5))
        counter.add("X", f"{unique}\nSubscribe to the X daily briefing\nline {i % 7} again")
        assert len(counter.counts) <= 50
    assert counter.articles == 400
    keys = set(counter.recurring(3))
    seg = Segmenter(detect_language=False, recurring_lines=encode_recurring(keys))
    art = Article(
        id="x",
        outlet="X",
        title="",
        text="Prose line one here.\n\nSubscribe to the X daily briefing",
    )
    assert [s.kind for s in seg.segment(art)][-1] == "boilerplate"


def test_fit_segment_config_adds_the_table_to_a_copy():
    from omegaconf import OmegaConf

    cfg = OmegaConf.create(
        {"segment": {"_target_": "analysis.segment.Segmenter", "detect_language": False}}
    )
    OmegaConf.set_struct(cfg, True)
    calls = []

    def chunks():
        calls.append(1)
        return iter(CORPUS)

    run = fit_segment_config(cfg, chunks)
    assert calls == [1]
    assert "recurring_lines" not in cfg.segment  # the composed config is left as it was
    assert (
        run.segment.recurring_lines
        == Segmenter(detect_language=False).fit(CORPUS).recurring_state()
    )
    # already fitted, switched off, or another segmenter: no pass over the corpus
    assert fit_segment_config(run, chunks) is run
    off = OmegaConf.create(
        {"segment": {"_target_": "analysis.segment.Segmenter", "recurring_min_articles": 0}}
    )
    assert fit_segment_config(off, chunks) is off
    assert fit_segment_config(OmegaConf.create({"segment": None}), chunks) is not None
    assert calls == [1]


def test_pipeline_segments_do_not_depend_on_chunk_size(tmp_path):
    from analysis.pipeline import read_parts, run_pipeline
    from analysis.run import compose_config

    tables = []
    for size in (7, 41):
        cfg = compose_config(
            ["corpus=sample", "plot.formats=[png]", "features=[irony_cues]", f"chunk_size={size}"]
        )
        result = run_pipeline(cfg, out_dir=tmp_path / f"c{size}")
        seg = read_parts(result.work_dir, "segments").reset_index(drop=True)
        tables.append(seg)
        assert "recurring_lines" not in (result.out_dir / "config.yaml").read_text()
    pd.testing.assert_frame_equal(tables[0], tables[1])

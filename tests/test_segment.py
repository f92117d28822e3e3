"""Tests for the article segmenter (analysis.segment).

Inline snippets imitate the shapes found in AllSides ``content_original`` (embedded posts,
page debris, quotations); the worked example is read from the corpus mirror.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import segment_rules as R
from analysis.records import KINDS, SEGMENT_COLUMNS, VOICES, Article
from analysis.segment import (
    Segmenter,
    detect_language,
    render_segments,
    segment_article,
    segment_html,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "segment"
WORKED_ID = "000_3cce98ca88fb24fd"


def art(text: str, title: str = "", aid: str = "a1") -> Article:
    return Article(id=aid, outlet="Test", title=title, text=text)


def segs(text: str, **kw):
    return Segmenter(**kw).segment(art(text))


def kinds_of(text: str, **kw) -> list[str]:
    return [s.kind for s in segs(text, **kw)]


def check_invariants(article: Article, segments) -> None:
    """Spans reproduce text, are ordered and disjoint; kinds/voices are valid."""
    last_end = 0
    for i, s in enumerate(segments):
        assert s.position == i
        assert s.kind in KINDS and s.voice in VOICES
        assert s.article_id == article.id
        src = article.title if s.field == "title" else article.text
        assert s.text == src[s.start : s.end]
        assert s.text and s.text == s.text.strip(R.STRIP_CHARS)
        if s.field == "text":
            assert s.start >= last_end
            last_end = s.end
        else:
            assert i == 0 and s.kind == "headline" and s.voice == "outlet"


def uncovered(text: str, segments) -> str:
    """Characters of ``text`` outside every segment, minus blanks."""
    covered = bytearray(len(text))
    for s in segments:
        if s.field == "text":
            covered[s.start : s.end] = b"\x01" * (s.end - s.start)
    return "".join(c for c, k in zip(text, covered, strict=True) if not k).strip(R.STRIP_CHARS)


# --------------------------------------------------------------------------------------
# The worked example
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def worked_text() -> str:
    mirror = Path(os.environ.get("FRAMELENS_MIRROR", "../shared/corpora"))
    if not mirror.is_absolute():
        mirror = ROOT / mirror
    path = mirror / "rt_zaranj" / f"{WORKED_ID}.txt"
    if not path.exists():
        msg = f"worked example not found at {path}: set FRAMELENS_MIRROR to the corpus mirror"
        if os.environ.get("FRAMELENS_REQUIRE_CORPORA") == "1":
            pytest.fail(msg + " [FRAMELENS_REQUIRE_CORPORA=1]")
        pytest.skip(msg)
    return path.read_text(encoding="utf-8")


def test_worked_example(worked_text):
    article = Article(id=WORKED_ID, outlet="RT", title="", text=worked_text)
    out = Segmenter().segment(article)
    check_invariants(article, out)
    assert uncovered(worked_text, out) == ""

    posts = [s for s in out if s.kind == "embedded_post"]
    assert len(posts) == 6
    assert all(s.voice == "social" for s in posts)
    assert [s for s in out if s.voice == "social"] == posts
    assert posts[0].text.startswith("#BREAKING: Using US armored Humvees")
    assert posts[0].text.endswith("pic.twitter.com/3RPD4jDMe8")
    assert any(s.text.startswith("Quite an ironic sight.") for s in posts)
    assert any(s.text.startswith("THE TALIBAN WOULD LIKE TO THANK") for s in posts)
    pashto = [s for s in posts if "نیمروز" in s.text]
    assert len(pashto) == 1 and pashto[0].lang not in ("en", None)
    assert all(s.lang == "en" for s in posts if s is not pashto[0])

    media = [s for s in out if s.kind == "media_link"]
    assert [s.text for s in media] == [
        "https://cdni.rt.com/files/2021.08/xxl/610dd8a285f5402ad9746ce5.jpg"
    ]
    assert media[0].voice == "page"
    boiler = [s.text for s in out if s.kind == "boilerplate"]
    assert len(boiler) == 2
    assert boiler[0].startswith("READ MORE:")  # followed by an NBSP in the source
    assert boiler[1] == "Think your friends would be interested? Share this story!"
    assert {s.voice for s in out if s.kind == "boilerplate"} == {"page"}

    # The nine prose paragraphs are covered by outlet/quoted segments only.
    paragraphs = [p.strip() for p in worked_text.split("\n\n") if p.strip()]
    prose = [
        p
        for p in paragraphs
        if "pic.twitter.com" not in p
        and not p.startswith(("https://", "READ MORE", "Think your friends"))
    ]
    assert len(prose) == 9
    for para in prose:
        start = worked_text.index(para)
        end = start + len(para)
        inside = [s for s in out if s.start < end and s.end > start]
        assert inside, para[:40]
        assert {s.voice for s in inside} <= {"outlet", "quoted"}
        assert all(start <= s.start and s.end <= end for s in inside)
        joined = "".join(s.text for s in inside)
        assert "".join(joined.split()) == "".join(para.split())  # every character covered
    assert sum(1 for s in out if s.voice == "outlet") >= 9


def test_worked_example_render_json_parses(worked_text):
    article = Article(id=WORKED_ID, outlet="RT", title="", text=worked_text)
    out = segment_article(article)
    rows = json.loads(render_segments(article, out, fmt="json"))
    assert len(rows) == len(out)
    for row, s in zip(rows, out, strict=True):
        assert {"kind", "voice", "lang", "start", "end", "text", "field", "speaker"} <= set(row)
        assert row["text"] == worked_text[row["start"] : row["end"]] == s.text
    shown = render_segments(article, out)
    assert "embedded_post/social lang=ps" in shown
    assert "media_link/page" in shown


# --------------------------------------------------------------------------------------
# Embedded posts
# --------------------------------------------------------------------------------------

PROSE = (
    "The senator spoke to reporters on Tuesday about the budget, which has been stalled "
    "in committee for weeks."
)


def test_post_with_glued_pic_link_and_signature():
    post = "Is this the answerpic.twitter.com/AbCdEf1234 — Jane Doe (@janedoe) July 1, 2019"
    out = segs(f"{PROSE}\n\n{post}\n\n{PROSE}")
    assert [s.kind for s in out] == ["body", "embedded_post", "body"]
    assert out[1].text == post and out[1].voice == "social"
    assert out[1].speaker == "Jane Doe (@janedoe)"


def test_multi_line_post_is_one_segment():
    lines = [
        "Mr. President,",
        "Declare a national emergency NOW.",
        "Build a wall NOW. — Lindsey Graham (@LindseyGrahamSC) January 11, 2019",
    ]
    text = PROSE + "\n\n" + "\n\n\n\n".join(lines) + "\n\n" + PROSE
    out = segs(text)
    assert [s.kind for s in out] == ["body", "embedded_post", "body"]
    assert out[1].text == "\n\n\n\n".join(lines)
    assert out[1].speaker == "Lindsey Graham (@LindseyGrahamSC)"


def test_signature_alone_on_its_line_takes_the_line_above():
    text = (
        f"{PROSE}\n\n"
        "Roger Stone's indictment makes clear there was a deliberate, coordinated effort.\n\n"
        "— Nancy Pelosi (@SpeakerPelosi) January 26, 2019\n\n"
        f"{PROSE}"
    )
    out = segs(text)
    assert [s.kind for s in out] == ["body", "embedded_post", "body"]
    assert out[1].text.startswith("Roger Stone's indictment")
    assert out[1].text.endswith("January 26, 2019")


def test_signature_with_dash_at_end_of_previous_line():
    text = (
        f"{PROSE}\n\n"
        "Remember the old days when #DOMA was around? Crazy right!? —\n\n"
        "Jesse Tyler Ferguson (@jessetyler) June 26, 2013\n\n"
        f"{PROSE}"
    )
    out = segs(text)
    assert [s.kind for s in out] == ["body", "embedded_post", "body"]
    assert out[1].speaker == "Jesse Tyler Ferguson (@jessetyler)"


def test_author_first_post():
    post = (
        "Donald J. Trump (@realDonaldTrump) I will be announcing my decision on Paris Accord, "
        "Thursday at 3:00 P.M. The White House Rose Garden. pic.twitter.com/XyZ123abc"
    )
    out = segs(f"{PROSE}\n\n{post}")
    assert out[1].kind == "embedded_post"
    assert out[1].speaker == "Donald J. Trump (@realDonaldTrump)"
    # without the link, author-first still reads as a post ...
    out = segs(f"{PROSE}\n\nBernie Sanders (@BernieSanders) Game on. I look forward to it.")
    assert out[1].kind == "embedded_post"
    # ... but an author bio does not
    bio = "Regina Rini (@rinireg) teaches philosophy at York University in Toronto."
    assert segs(f"{PROSE}\n\n{bio}")[1].kind == "body"


def test_bbc_skip_twitter_post_over_two_lines_is_one_segment():
    text = (
        f"{PROSE}\n\nSkip Twitter post by @jdoe The deal is very much in the making.\n\n"
        "Time and place to be determined. — Jane Doe (@jdoe) March 10, 2018 Report\n\n"
        f"{PROSE}"
    )
    out = segs(text)
    assert [s.kind for s in out] == ["body", "embedded_post", "body"]
    assert out[1].text.endswith("Report")


def test_bbc_skip_twitter_post():
    post = (
        "Skip Twitter post by @elizapalmer CBS crew just visited the crash site west of Tehran. "
        "pic.twitter.com/hhNJyokhjq — Elizabeth Palmer (@elizapalmer) January 10, 2020 Report"
    )
    out = segs(f"{PROSE}\n\n{post}\n\n{PROSE}")
    assert [s.kind for s in out] == ["body", "embedded_post", "body"]
    assert out[1].text == post


def test_instagram_and_facebook_posts():
    insta = (
        "☔️⚡️🙏🏽 #houston, we have a problem. BE SAFE out there! A photo posted by SOLiDA VAUN "
        "(@solidavaun) on May 26, 2015 at 5:58am PDT"
    )
    fb = (
        "The children of the Reagan Revolution are ready to lead. Posted by Marco Rubio on "
        "Saturday, February 20, 2016"
    )
    out = segs(f"{PROSE}\n\n{insta}\n\n{PROSE}\n\n{fb}")
    assert [s.kind for s in out] == ["body", "embedded_post", "body", "embedded_post"]
    assert out[1].speaker == "SOLiDA VAUN (@solidavaun)"
    assert out[3].speaker == "Marco Rubio"


def test_several_posts_glued_in_one_line():
    line = (
        "SNL better do a spoof on this — Katie Pavlich (@KatiePavlich) March 15, 2017 "
        "Why won't Rachel Maddow release the returns? — T.J. Quinn (@TJQuinnESPN) March 15, 2017"
    )
    out = segs(f"{PROSE}\n\n{line}")
    assert [s.kind for s in out] == ["body", "embedded_post", "embedded_post"]
    assert out[1].speaker == "Katie Pavlich (@KatiePavlich)"
    assert out[2].text.startswith("Why won't")


def test_post_kicker_and_tweet_word_inside_a_post_do_not_cut_it():
    kicker = (
        "JUST IN: New minimum wage would boost pay for millions but threaten jobs: CBO "
        "https://t.co/i0sCYIszhv pic.twitter.com/24ViLAgKiA — The Paper (@thepaper) July 8, 2019"
    )
    reply = (
        "“NOT WHAT WE SAID” What a sweeping denial to hide in the middle of your statement. "
        "You have learned nothing to have the audacity to tweet that. Try again. "
        "https://t.co/K2qQzIhQaD — Some One (@someone) June 25, 2020"
    )
    for line in (kicker, reply):
        out = segs(f"{PROSE}\n\n{line}")
        assert [s.kind for s in out] == ["body", "embedded_post"]
        assert out[1].text == line


def test_post_first_line_with_kicker_or_mention_joins_the_post():
    sig = "Most say the mandate was not a reason https://t.co/3SZHUGuJzK — Poll Org (@PollOrg) April 3, 2018"
    for first in (
        "NEW POLL: Survey finds 9 in 10 enrollees plan to keep buying insurance.",
        "Senator @JaneDoe holds up a paper with notes about @JohnRoe today.",
    ):
        out = segs(f"{PROSE}\n\n{first}\n\n{sig}")
        assert [s.kind for s in out] == ["body", "embedded_post"], first
    for first in (
        "UPDATE: Three suspects are responsible, officials say.",
        'Trump disputed it: "The report on @CNN is false."',
    ):
        out = segs(f"{PROSE}\n\n{first}\n\n{sig}")
        assert [s.kind for s in out][-1] == "embedded_post"
        assert out[-1].text == sig, first


def test_outlet_prose_glued_before_a_signature_stays_outlet():
    line = (
        "Trump offered the tweet at 8:14 a.m. with little other comment. And while the tweet "
        "didn't cite the criticism, it was hard to see the words as anything but a response. "
        "AMERICA FIRST! — Donald J. Trump (@realDonaldTrump) January 13, 2018"
    )
    out = segs(line)
    assert [s.kind for s in out] == ["body", "embedded_post"]
    assert out[1].text.startswith("AMERICA FIRST!")


def test_hashtag_heavy_line_is_a_post_but_prose_about_hashtags_is_not():
    assert kinds_of(f"{PROSE}\n\n#MAGA #KAG #Trump2020 #BuildTheWall")[1] == "embedded_post"
    prose = (
        "Some on social media though have been using the #BoycottNike and #JustBurnIt hashtags, "
        "a play on the company's slogan."
    )
    assert kinds_of(f"{PROSE}\n\n{prose}")[1] == "body"


@pytest.mark.parametrize(
    "line",
    [
        "Trump tweeted that the media was the enemy of the people, and his aides defended it.",
        "In a tweet on Monday, the senator said he would not support the bill (@ or no @).",
        "The president took to Twitter to announce the exact decision time.",
    ],
)
def test_outlet_sentences_mentioning_tweets_are_not_posts(line):
    out = segs(f"{PROSE}\n\n{line}")
    assert [s.voice for s in out] == ["outlet", "outlet"]


# --------------------------------------------------------------------------------------
# Page debris
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("READ MORE: Taliban takes first provincial capital", "boilerplate"),
        ("Think your friends would be interested? Share this story!", "boilerplate"),
        ("Read or Share this story: https://usat.ly/2HQw70F", "boilerplate"),
        ("SEE ALSO: Former NAACP chairman says it is OK", "boilerplate"),
        ("ADVERTISEMENT", "boilerplate"),
        ("Advertisement Continue reading the main story", "boilerplate"),
        ("Story Continued Below", "boilerplate"),
        (
            "Copyright © 2019 The Washington Times, LLC. Click here for reprint permission.",
            "boilerplate",
        ),
        ("Sign up for Daily Newsletters Manage Newsletters", "boilerplate"),
        ("© 2020 Tribune Content Agency, LLC", "boilerplate"),
        ("Follow Chuck on Twitter", "boilerplate"),
        ("The Associated Press contributed to this report.", "boilerplate"),
        ("CLICK HERE TO GET THE FOX NEWS APP", "boilerplate"),
        ("More:Flynn, Trump lawyers no longer sharing information on Mueller probe", "boilerplate"),
        ("Send tips to kevin@dailycallernewsfoundation.org.", "boilerplate"),
        ("Updated at 5:10 p.m. ET", "boilerplate"),
        ("* * *", "boilerplate"),
        ("toggle caption Kiichiro Sato/AP", "caption"),
        (
            "Enlarge this image toggle caption J. Scott Applewhite/AP J. Scott Applewhite/AP",
            "caption",
        ),
        (
            "Image copyright Getty Images Image caption Joanna Hendon said Trump hired her firm",
            "caption",
        ),
        ("CLOSE Washington Bureau chief Susan Page explains the poll. USA TODAY", "caption"),
        (
            "President Donald Trump speaks with reporters on the South Lawn, Saturday, Dec. 7, "
            "2019, in Washington. (AP Photo/Alex Brandon)",
            "caption",
        ),
        ("Alex Wong/Getty Images", "caption"),
        ("ABOVE: CBN News Channel Coverage of the Announcement", "caption"),
        ("Jordain Carney contributed.", "boilerplate"),
        ("YouTube", "boilerplate"),
        ("Why the Senate vote matters (and for... Read on The Inventory", "boilerplate"),
        ("GIULIANI SLAMS RUSSIA PROBE LEAKS AS HEARING LOOMS", "boilerplate"),
        ("Research by Rob Savillo and Cydney Hargis, graph by Sarah Wasko.", "boilerplate"),
        (
            "Thank you for signing up. For more from The Nation, check out our latest issue",
            "boilerplate",
        ),
        ("[pullquote]", "boilerplate"),
        ("He arrives in Montreal, August 8, 2018. REUTERS/Christinne Muschi", "caption"),
        ("Joe Biden speaks during a debate in Los Angeles. Associated Press", "caption"),
        ("Image Pierre Korkie Credit... Gift of Givers, via Agence France-Presse", "caption"),
        ("https://cdni.rt.com/files/2021.08/xxl/610dd8a285f5402ad9746ce5.jpg", "media_link"),
        ('[embedtweet id="423476579885649920"]', "media_link"),
        ("Jane Doe / AFP / Getty Images Protesters gather outside the court in June.", "caption"),
        ("The senator at a rally in Ohio on Sept. 2, 2014. | Getty Images", "caption"),
        (
            "WASHINGTON, DC - MAY 3: The senator arrives for a hearing on Capitol Hill, May 3, "
            "2018 in Washington, DC. The committee is examining the budget request for the next "
            "fiscal year, and members from both parties questioned officials for hours about "
            "the proposed cuts and about the timeline. (Photo by Jane Doe/Getty Images)",
            "caption",
        ),
        (
            "Growth slowed in the first quarter; a look at next week's news. Photo: Getty Images.",
            "caption",
        ),
        ("Network Name YouTube", "caption"),
        ("Opinion: Will the cease-fire hold this time?", "boilerplate"),
        ("EDITORIAL: The Administration's Parting Shot", "boilerplate"),
        (
            "Add Our Site to your Facebook and Twitter feeds to stay on top of the news.",
            "boilerplate",
        ),
        ("Send questions/comments to the editors.", "boilerplate"),
        ("filed under:", "boilerplate"),
        ("Updated at 12:36 p.m. ET, July 11", "boilerplate"),
        ("Update 2110 BST (1610 EST)", "boilerplate"),  # a live blog's stamp in two zones
        ("Bacon reported from McLean, Va. Contributing: Christal Hayes", "boilerplate"),
        ("• Stephen Dinan reported from Washington.", "boilerplate"),  # bulleted credit
        ("This story is part of a partnership between NPR and Kaiser Health News.", "boilerplate"),
        (
            "This content is created and maintained by a third party, and imported onto this "
            "page to help users provide their email addresses.",
            "boilerplate",
        ),
        ("This article tagged under: Wall Street", "boilerplate"),
        ("Go deeper: The push to multiply limited medical supplies", "boilerplate"),
        ("Now playing: Watch this: Facebook getting an oversight board", "boilerplate"),
        ("NurPhoto Getty Images", "caption"),
        ("A protestor’s sign memorializes Breonna Taylor. JASON CONNOLLY Getty Images", "caption"),
        (
            "Police escort witnesses away from a mosque in central Christchurch. "
            "Photographer: Mark Baker/AP Photo",
            "caption",
        ),
        (
            "Cruz (left) and then-Texas Governor Rick Perry stand together during a press "
            "conference at the front gate of Fort Hood.",
            "caption",
        ),
        ("Update 2:21AM EDT (07:21 BST)", "boilerplate"),
        ("Last updated on Jan. 8 at 7:15 a.m.", "boilerplate"),
        ("(Reporting by Jane Doe; Editing by John Roe)", "boilerplate"),
        ("Officials insist all will work once the site is up. | REUTERS Site headaches", "caption"),
        ("( PODCAST: Questioning the glitches - who knew what, when?)", "boilerplate"),
        ("A woman waits for news. Photograph: Jane Doe/LA Times via Getty Images", "caption"),
        (
            "Embed What will the new term look like? 6:39 autoplay autoplay Copy this code to your website or blog",
            "boilerplate",
        ),
        ("Produced by Jane Doe. Shot by John Roe. Music by Some Band.", "boilerplate"),
        ("Artist: http://example.com/", "boilerplate"),
        (
            "Jobs Were Hit Hardest Payrolls by sector, 2019 Source: Bureau of Labor Statistics",
            "caption",
        ),
        (
            "This column does not necessarily reflect the opinion of the editorial board.",
            "boilerplate",
        ),
        ("Analysis by Jane Doe, North America reporter", "boilerplate"),
        # round 11: shapes from the misses of the blind samples 20261214/15
        ("Senate Passes The Spending Bill Listen · 3:02 3:02", "boilerplate"),  # audio player
        ("Thanks to Jane Doe and John Roe for their research help.", "boilerplate"),
        (
            "Special thanks to Jane Doe, one of my readers, who tipped me off to the clip.",
            "boilerplate",
        ),
        ("“ ” We will not stop until every family in this city is safe again.", "boilerplate"),
        ("(Graph courtesy of the Federal Reserve Bank of St. Louis.)", "caption"),
        ("Jane Doe/Agence France-Presse — Getty Images", "caption"),
        ("Doe reported from Springfield, Ill.; Contributing: John Roe, USA TODAY", "boilerplate"),
        (
            "Jane Doe contributed reporting from Washington; John Roe from Los Angeles.",
            "boilerplate",
        ),
        ("Other key election stories from NPR:", "boilerplate"),
        ("Politics Podcast: What the midterms mean", "boilerplate"),
        ("Jane’s Friday Links", "boilerplate"),  # a weekly link list's label
        ("Must Reads", "boilerplate"),
        ("#share#", "boilerplate"),  # a CMS placeholder
        (
            "Ticker Security Last Change Change % ABC ABC CORP. 61.75 +0.23 +0.37% "
            "XYZ XYZ INC. 8.29 +3.49 +72.65%",
            "boilerplate",
        ),
        (
            "⦁ Jane Doe covered the White House for a decade. She can be reached at jd@example.com.",
            "boilerplate",
        ),
    ],
)
def test_debris_shapes(line, kind):
    out = segs(f"{PROSE}\n\n{line}\n\n{PROSE}")
    assert [s.kind for s in out] == ["body", kind, "body"]
    assert out[1].voice == "page"


@pytest.mark.parametrize(
    "line",
    [
        "Robin, a patient here, was among the first to sign up for insurance under the ACA.",
        "He does not subscribe to that theory, his aides said on Friday.",
        "It was Trump's first visit to the DMZ, which every president since Ronald Reagan has "
        "toured, according to the Associated Press.",
        "We'll watch for more news from the president's statement.",
        "The copyright lawsuit was dismissed in March.",
        "1. RAND – MAN IN THE MIDDLE ON FOREIGN POLICY?",
        "“11”",
        "He told the Associated Press.",
        "Trump follows 45 people on Twitter and is followed by millions.",
        "Using your phone to follow Twitter or Facebook is how most voters see the ads.",
        "Reporting by CNN and the New York Times said the source was outside the inner circle.",
        "(Editor's note: This story has been updated.)",
        "As Facebook, Twitter and other US tech giants refuse to share user data, TikTok left.",
        "Infections have been reported in 22 states throughout the country.",
        "Thanks to ObamaCare, insurers can be hit by delays in approving their plans for years.",
        "Thanks to Senate Republicans, the bill stalled for months before the recess.",
    ],
)
def test_prose_that_looks_like_debris_stays_outlet(line):
    assert kinds_of(f"{PROSE}\n\n{line}") == ["body", "body"]


def test_hover_cards_inside_prose_are_page_debris_and_quotes_keep_their_speaker():
    """The Hill prints a hover card after a name: the full name glued to up to three related
    headlines, then "MORE" (1,217 of its 1,377 AllSides articles). The card is page debris;
    the prose around it stays the outlet's, its quoted headline is not a quotation, and the
    quotation after it keeps its speaker."""
    card = (
        "Charles (Charlie) Wieder DentOvernight Health Care — Federal judge blocks Trump from "
        "detaining migrant children Dent says he 'cannot support' the bill MORE"
    )
    text = (
        "“The type of turnover we see in the White House is not reassuring,” said Rep. "
        f"Charlie Dent {card} (R-Pa.), who is retiring next year. “We like stability.”\n\n"
        "The latest to quit is Gary Cohn."
    )
    got = segs(text)
    check_invariants(art(text), got)
    assert [(s.voice, s.text[:24]) for s in got] == [
        ("quoted", "“The type of turnover we"),
        ("outlet", "said Rep. Charlie Dent"),
        ("page", "Charles (Charlie) Wieder"),
        ("outlet", "(R-Pa.), who is retiring"),
        ("quoted", "“We like stability.”"),
        ("outlet", "The latest to quit is Ga"),
    ]
    assert got[2].text == card and got[2].kind == "boilerplate"
    assert got[0].speaker == got[4].speaker == "Rep. Charlie Dent"
    # an upper-case word before MORE makes a link label, not the end of a card
    assert not R.HOVER_CARD_RE.search("Sen. Tim Scott Tim Scott READ MORE: his plan")


def test_related_headlines_under_a_bare_label():
    text = (
        f"{PROSE}\n\nREAD MORE:\n\nOur War Against Memory\n\nDestroying Symbols: Where Does It "
        f"End?\n\n{PROSE}"
    )
    assert kinds_of(text) == ["body", "boilerplate", "boilerplate", "boilerplate", "body"]


@pytest.mark.parametrize(
    "label, items",
    [
        # Vanity Fair: its label names the outlet, each headline behind a dash
        (
            "More Great Stories from Vanity Fair",
            [
                "— The investigations that could haunt Trump",
                "— A mega-church pastor’s drug-running hustle",
            ],
        ),
        # CNN: a reading list of other outlets' headlines, each after the source's name
        (
            "Reading List:",
            [
                "Gallup: Four years in, GOP support for Tea Party down to 41 percent",
                "Politico: Earmarks divide Republicans",
            ],
        ),
        # a columnist's weekly link list: the label names no outlet, the items are bare
        (
            "Jane’s Friday Links",
            ["The rise of ax-throwing", "Why you should eat popcorn with chopsticks"],
        ),
    ],
)
def test_listed_related_headlines_under_a_label(label, items):
    text = f"{PROSE}\n\n{label}\n\n" + "\n\n".join(items) + f"\n\n{PROSE}"
    assert kinds_of(text) == ["body", "boilerplate", "boilerplate", "boilerplate", "body"]


def test_headlines_after_a_label_glued_to_the_first_one():
    text = (
        f"{PROSE}\n\nRead more on the trade fight Handbags and Cameras Hit as New Tariffs Target "
        "Consumers\n\nYou Have a Month to Comment on the Latest Tariff List\n\nShort Subhead"
        f"\n\n{PROSE}"
    )
    assert kinds_of(text) == ["body", "boilerplate", "boilerplate", "body", "body"]


def test_analysis_box_heading_over_a_byline_is_not_a_related_link():
    text = f"{PROSE}\n\nAnalysis: One final swoop\n\nBy Jane Doe, North America reporter\n\n{PROSE}"
    assert kinds_of(text)[1] == "body"


def test_pull_quote_repeating_a_sentence_is_debris():
    sentence = "The economy and the avoidance of war will determine the president's popularity."
    text = (
        f"{PROSE}\n\n{sentence}\n\nFinally, the economy and the avoidance of war will "
        "determine the president's popularity. If growth returns, so will his numbers."
    )
    assert kinds_of(text) == ["body", "boilerplate", "body"]


def test_post_first_line_flattened_onto_its_own_line():
    text = (
        f"{PROSE}\n\n"
        "Trump on why he picked Easter as the day he wants to reopen American businesses:\n\n"
        '"Easter is a very special day for me." pic.twitter.com/6cXEtW8LmR — Aaron Rupar '
        "(@atrupar) March 24, 2020"
    )
    out = segs(text)
    assert [s.kind for s in out] == ["body", "embedded_post"]
    assert out[1].text.startswith("Trump on why he picked Easter")
    # an outlet label or an outlet sentence about the post stays outlet
    for intro in ("Prime Minister Benjamin Netanyahu:", "Trump tweeted on Saturday:"):
        text = f'{intro}\n\n"Thank you all." pic.twitter.com/abc123 — X Y (@xy) May 1, 2020'
        assert kinds_of(text) == ["body", "embedded_post"], intro


def test_author_bio_only_at_the_end():
    bio = "Jonathan Smith is a senior fellow at the Cato Institute and the author of two books."
    assert kinds_of(f"{PROSE}\n\n{bio}") == ["body", "boilerplate"]
    assert kinds_of(f"{bio}\n\n{PROSE}\n\n{PROSE}\n\n{PROSE}\n\n{PROSE}")[0] == "body"


# --------------------------------------------------------------------------------------
# Quotations
# --------------------------------------------------------------------------------------


def test_quote_with_speaker_after():
    text = "“It was a very broad effort to try,” said a former senior CIA official."
    out = segs(text)
    assert [(s.kind, s.voice) for s in out] == [("quote", "quoted"), ("body", "outlet")]
    assert out[0].text == "“It was a very broad effort to try,”"
    assert out[0].speaker == "a former senior CIA official"


def test_quote_with_speaker_before_and_straight_quotes():
    text = 'Trump told reporters on Thursday: "I am not going anywhere at all." He then left.'
    out = segs(text)
    assert [s.kind for s in out] == ["body", "quote", "body"]
    assert out[1].speaker == "Trump"
    assert out[1].text == '"I am not going anywhere at all."'


def test_quote_split_keeps_surrounding_prose_in_outlet_voice():
    text = (
        "Environmental groups were even more heated, with the League of Conservation Voters "
        "calling it “a wildly irresponsible decision,” saying it would hurt children."
    )
    out = segs(text)
    assert [s.kind for s in out] == ["body", "quote", "body"]
    assert out[1].speaker == "the League of Conservation Voters"
    assert out[0].voice == out[2].voice == "outlet"


def test_pronoun_resolves_to_a_recent_named_speaker_only():
    text = (
        "Daca recipient Jung Woo Kim, 33, said he was disappointed.\n\n"
        "“I don’t think they speak the language we speak,” he said.\n\n"
        "“We will keep pushing for a vote,” he added."
    )
    quotes = [s for s in segs(text) if s.kind == "quote"]
    assert [q.speaker for q in quotes] == ["Jung Woo Kim", "Jung Woo Kim"]
    # no antecedent nearby: no guess
    assert segs("“We will keep pushing for a vote,” she said.")[0].speaker is None


def test_multi_paragraph_quotation_keeps_its_speaker():
    text = (
        "Sen. Jane Roe said the bill would fail. “We have seen this before and the votes are not "
        "there for it\n\n“We will try again next year, with a better bill,” she said."
    )
    quotes = [s for s in segs(text) if s.kind == "quote"]
    assert len(quotes) == 2
    assert quotes[1].speaker == "Sen. Jane Roe"


def test_scare_quotes_and_titles_stay_outlet():
    for text in (
        "The administration calls the program “voluntary” and the critics disagree.",
        'The show "Sex and the City" made the coffee shop famous.',
        "with the New York Times reporting “dozens” of bombings over the last two weeks.",
    ):
        assert {s.voice for s in segs(text)} == {"outlet"}, text


def test_block_quotation_after_saying_colon():
    text = (
        "And Trump himself lashed out on Twitter, saying:\n\n"
        "Justice Ginsburg has embarrassed all by making very dumb political statements.\n\n"
        f"{PROSE}"
    )
    assert kinds_of(text) == ["body", "quote", "body"]


def test_split_quotes_off():
    text = "“It was a very broad effort to try,” said a former senior CIA official."
    assert kinds_of(text, split_quotes=False) == ["body"]


# --------------------------------------------------------------------------------------
# Headline, table, render, HTML
# --------------------------------------------------------------------------------------


def test_headline_segment():
    a = art("Body text here.", title="  Taliban seize Zaranj  ")
    out = Segmenter().segment(a)
    assert out[0].kind == "headline" and out[0].field == "title" and out[0].voice == "outlet"
    assert out[0].text == "Taliban seize Zaranj" == a.title[out[0].start : out[0].end]
    assert Segmenter().segment(art("Body.", title="   "))[0].kind == "body"


def test_segment_table_columns_and_rows():
    table = pd.DataFrame(
        {
            "id": ["x1", "x2", "x3"],
            "outlet": ["A", "B", None],
            "title": ["A title", "", float("nan")],
            "text": [
                f"{PROSE}\n\nADVERTISEMENT",
                "Great reporting! pic.twitter.com/abcDEF — X (@x) May 1, 2020",
                None,
            ],
            "date": ["2020-01-01", None, None],
        }
    )
    out = Segmenter().segment_table(table)
    assert tuple(out.columns) == SEGMENT_COLUMNS
    assert out["article_id"].tolist() == ["x1", "x1", "x1", "x2"]
    assert out["kind"].tolist() == ["headline", "body", "boilerplate", "embedded_post"]
    assert out["position"].tolist() == [0, 1, 2, 0]
    assert Segmenter().segment_table(table.iloc[:0]).columns.tolist() == list(SEGMENT_COLUMNS)


def test_render_text_and_json():
    a = art(f"{PROSE}\n\n“We will win,” said Jane Doe, the mayor.", title="Title")
    out = Segmenter().segment(a)
    shown = render_segments(a, out)
    assert "[0] headline/outlet" in shown and "speaker=Jane Doe" in shown
    rows = json.loads(render_segments(a, out, fmt="json"))
    assert [r["kind"] for r in rows] == ["headline", "body", "quote", "body"]
    assert rows[0]["field"] == "title" and rows[2]["position"] == 2
    with pytest.raises(ValueError):
        render_segments(a, out, fmt="xml")


def test_segment_html_uses_page_structure():
    html = (DATA / "page_with_tweet.html").read_text(encoding="utf-8")
    article, out = segment_html(html, article_id="p1", outlet="Example")
    check_invariants(article, out)
    assert article.title == "Taliban parade captured Humvees after taking Zaranj"
    assert [s.kind for s in out] == [
        "headline",
        "media_link",
        "caption",
        "body",
        "body",
        "embedded_post",
        "quote",
        "body",
        "body",
        "boilerplate",
    ]
    post = out[5]
    assert post.speaker == "Example Reporter (@example_reporter)"
    assert post.text.startswith("Quite an ironic sight. #Taliban")
    assert "Home" not in article.text and "Copyright" not in article.text
    assert out[6].speaker == "Ahmad Khan"


def test_segment_html_degenerate_inputs():
    assert segment_html("", article_id="e")[1] == []
    article, out = segment_html(b"<html><body><p>Just one paragraph.</p></body></html>")
    check_invariants(article, out)


# --------------------------------------------------------------------------------------
# Language
# --------------------------------------------------------------------------------------


def test_language_per_segment():
    spanish = (
        "Quisieron poner a prueba lealtades de la Fuerza Armada y del pueblo sobre todo y ya ven "
        "que somos infranqueables. pic.twitter.com/Nsa0fY4fOc — freddy (@luchaalmada) August 5, 2018"
    )
    hebrew = "ראש הממשלה אמר היום כי הממשלה תמשיך לפעול למען ביטחון האזרחים בכל מחיר."
    out = segs(f"{PROSE}\n\n{spanish}\n\n{hebrew}\n\nADVERTISEMENT\n\n😀😀😀")
    assert [s.lang for s in out] == ["en", "es", "he", "en", None]
    assert [s.kind for s in out][-1] == "boilerplate"


def test_short_segments_inherit_the_article_language():
    assert detect_language("Thank you") == (None, False)
    assert detect_language("😀 🎉") == (None, True)
    assert detect_language("كابل")[0] is not None  # non-Latin: script decides, any length
    out = Segmenter().segment(Article(id="d", outlet="o", title="", text="Danke!", language="de"))
    assert out[0].lang == "de"


def test_detect_language_off():
    assert {s.lang for s in segs(f"{PROSE}\n\nADVERTISEMENT", detect_language=False)} == {None}


def test_short_english_headlines_are_not_flagged_foreign():
    # py3langid reads short English headlines as Nigerian Pidgin, Latin or Uzbek
    for text in (
        "Signs grow for Dem wave in House race",
        "Democratic momentum continues in state legislative special elections",
        "Wall Street donors dump Democrats",
    ):
        assert Segmenter().segment(art(text))[0].lang in ("en", None), text


def test_all_caps_english_is_english():
    caps = "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR RECENT LARGE DONATION"
    assert detect_language(caps)[0] == "en"


# --------------------------------------------------------------------------------------
# Bad inputs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n\t  \n",
        "\x00\x01\x02\x1b[31m",
        "\u200b\ufeff\u00a0",
        "😀😀😀\n\n🎉",
        "<html><head><script>var x = '<p>no</p>';</script></head><body><p>Hello <b>world</b>"
        "</p><div>Second paragraph &amp; more</div><!-- comment --></body></html>",
        "مرحبا بالعالم. هذا نص عربي من اليمين إلى اليسار.\n\nשלום עולם",
        "Taliban\u00a0fighters \u2014 the group\u2019s men \u2013 took\u00a0Zaranj\u2011city.",
        "line\rwith\rcarriage returns\r\nand\u2029paragraph separators\u2028too",
        "“unclosed quote at the end",
        'odd " straight " quotes " everywhere',
        "(@) (@x) (@x) March 3, 2019 — — Posted by  on",
        "#\n#\n##\n#a#b#c#d",
        "x" * 10_000,
    ],
)
def test_bad_inputs_never_raise(text):
    a = art(text, title=text[:50])
    out = Segmenter().segment(a)
    check_invariants(a, out)
    if "<" not in text:
        assert uncovered(text, out) == ""


def test_none_text_and_title():
    a = Article(id="n", outlet="o", title=None, text=None)  # type: ignore[arg-type]
    assert Segmenter().segment(a) == []


def test_html_soup_in_text_field_is_cut_at_block_tags():
    soup = (
        "<div class='story'><p>First paragraph of the story, with some words.</p>"
        "<p>ADVERTISEMENT</p><script>document.write('<p>ad</p>')</script>"
        "<p>Second paragraph, the end.</p></div>"
    )
    out = segs(soup)
    assert [s.text for s in out] == [
        "First paragraph of the story, with some words.",
        "ADVERTISEMENT",
        "Second paragraph, the end.",
    ]
    assert [s.kind for s in out] == ["body", "boilerplate", "body"]


def _big_article(size: int) -> str:
    unit = (
        f"{PROSE} “This is a quotation of some length,” said Jane Doe, the mayor.\n\n"
        "Great point! pic.twitter.com/AbC123 — X Y (@xy) May 1, 2020\n\n"
        "ADVERTISEMENT\n\n"
    )
    return unit * (size // len(unit) + 1)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 300_000,
        "word " * 60_000,
        "(@" * 150_000,
        '"a ' * 100_000,
        "“" * 300_000,
        "#" * 300_000,
        "<p " * 100_000,
        "Photo Photo/ " * 25_000,
        _big_article(300_000).replace("\n", " "),
    ],
    ids=["letters", "words", "handles", "quotes", "curly", "hashes", "tags", "credits", "flat"],
)
def test_pathological_inputs_are_linear_and_fast(text):
    # 300 kB each here; the 5 MB case is the slow test below
    a = art(text)
    t0 = time.perf_counter()
    out = Segmenter(detect_language=False).segment(a)
    assert time.perf_counter() - t0 < 5
    check_invariants(a, out)
    assert max(s.end - s.start for s in out) <= 6000  # long lines are cut


@pytest.mark.slow
def test_five_megabyte_article_runs_in_seconds():
    text = _big_article(5_000_000)
    a = art(text)
    t0 = time.perf_counter()
    out = Segmenter().segment(a)
    elapsed = time.perf_counter() - t0
    check_invariants(a, out)
    assert elapsed < 30, elapsed  # ~4 s on one core here; generous for loaded CI machines
    flat = text.replace("\n", " ")
    t0 = time.perf_counter()
    Segmenter().segment(art(flat))
    assert time.perf_counter() - t0 < 30


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        "\n\n\n\n",
        " ",
        "\u00a0",
        "—",
        "“",
        "”",
        '"',
        "(@handle)",
        " July 1, 2019",
        "pic.twitter.com/abc",
        "#tag",
        "said Jane Doe.",
        "Advertisement",
        "READ MORE:",
        "toggle caption",
        "https://x.org/a.jpg",
        "<p>",
        "</div>",
        "مرحبا",
        "😀",
        "\x00",
        "Posted by X on May 1, 2020",
        "The senator spoke on Tuesday.",
    ]
)
_TEXTS = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=40).map("".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS, title=st.text(max_size=30))
def test_any_string_gives_valid_segments(text, title):
    a = art(text, title=title)
    out = Segmenter().segment(a)
    check_invariants(a, out)
    if "<" not in text:
        assert uncovered(text, out) == ""


# --------------------------------------------------------------------------------------
# Issue 3, second round: general debris signals (benchmarks/segment_eval.md, section 3)
# --------------------------------------------------------------------------------------


def page_lines(text: str, title: str = "", outlet: str = "Test") -> dict[str, str]:
    """Each line of ``text`` mapped to the voice of the segment that starts it."""
    article = Article(id="a1", outlet=outlet, title=title, text=text)
    out = {}
    for s in Segmenter(detect_language=False).segment(article):
        if s.field == "text":
            line = text[s.start :].split("\n", 1)[0]
            out.setdefault(line, s.voice)
    return out


@pytest.mark.parametrize(
    "line",
    [
        "Analysis by the BBC's Laura Bicker in Seoul",
        "Carlos Ballesteros and Manny Ramos are corps members of Report for America, a "
        "not-for-profit journalism program that aims to bolster coverage.",
        '[sharequote align="center"]Kids are sitting ducks for hackers[/sharequote]',
        "Click play to watch Trump's address.",
        "Take me back to the top of his post.",
        "For More Information",
        "Cold Funk by Kevin MacLeod is licensed under a Creative Commons Attribution license",
        "Does the travel ban affect you? We want to hear your stories. Tag #CNNiReport on "
        "social or use WhatsApp to share stories.",
        "SHARE YOUR THOUGHTS What are the implications of moving troops? Join the conversation "
        "below.",
        "Caesar crossing the Rubicon by Adolphe Yvon (1875)",
        "First Lady Michelle Obama meets with Melania Trump for tea in the Yellow Oval Room, "
        "Nov. 10. Chuck Kennedy / The White House",
        "US Senator Jon Tester came to Boston for a fund-raiser in 2010. Michael Albans/"
        "Associated Press/File 2012",
        "Areas of control, Oct. 21 Syrian government Turkish army Kurdish forces Mosul Raqqa "
        "Erbil Aleppo 50 miles 50 km",
    ],
)
def test_second_round_debris_shapes(line):
    assert page_lines(f"{PROSE}\n\n{line}\n\n{PROSE}")[line] == "page", line


@pytest.mark.parametrize(
    "line",
    [
        "Tap into crisis hotlines",  # a subhead, not a page control
        "TODD: Right. I mean, that's --",  # a transcript, not a kicker over a headline
        "EU: 'Moral and humanitarian obligation to act'",
        "Likely D (37): Maine (1 EV), Minnesota, New Jersey, New Mexico, Oregon",
        "'If You Don't Vote, You Have No Right To Complain'",
        "Andrew C. McCarthy, National Review",  # the source of a quoted excerpt
        "Click and Clack were the hosts of a radio show for decades.",
    ],
)
def test_second_round_shapes_that_stay_outlet(line):
    assert page_lines(f"{PROSE}\n\n{line}\n\n{PROSE}")[line] == "outlet", line


def test_sign_off_and_outlet_name_lines_use_the_outlet():
    text = f"{PROSE}\n\nDamian Grammaticas, BBC News, Beijing\n\n{PROSE}\n\nCNN Map\n\n{PROSE}"
    got = page_lines(text, outlet="CNN (Web News)")
    assert got["Damian Grammaticas, BBC News, Beijing"] == "page"  # a newsroom in the middle
    assert got["CNN Map"] == "page"
    assert page_lines(f"{PROSE}\n\nCNN Map\n\n{PROSE}", outlet="Fox News")["CNN Map"] == "outlet"


def test_other_stories_headlines_between_prose_paragraphs():
    kicker = "PHILLY HQ: Joe Biden chooses Philadelphia as campaign headquarters"
    titled = "Why Pacific Trade Deal Is a Big Deal With U.S. or Not: QuickTake"
    long = f"{PROSE} {PROSE}"  # a headline sits between paragraphs of real length
    got = page_lines(f"{long}\n\n{kicker}\n\n{long}\n\n{titled}\n\n{long}")
    assert got[kicker] == "page" and got[titled] == "page"
    # the article's own title repeated at the top stays the outlet's
    own = "Why Pacific Trade Deal Is a Big Deal With U.S. or Not"
    assert page_lines(f"{long}\n\n{own}\n\n{long}", title=own)[own] == "outlet"


def test_first_line_caption_closed_by_the_title():
    first = (
        "Patty Murray said Tuesday that she's in 'very good conversations' with Paul Ryan. "
        "Hope grows for budget deal"
    )
    title = "Hope grows for budget deal"
    assert page_lines(f"{first}\n\n{PROSE}", title=title)[first] == "page"
    # the title repeated as the first line, with a colon or an abbreviation in it
    for own in ("Sequester Scorecard: A Month Later, Effects Still Up In Air", "U.S. Plans Cuts"):
        assert page_lines(f"{own}\n\n{PROSE}", title=own)[own] == "outlet"


def test_colon_inside_a_one_line_post_does_not_cut_it():
    for line in (
        "Today, you will read all sorts of stories about how #USAFreedomAct ends bulk "
        "collection. It doesn’t: Facebook page. — Justin Amash (@justinamash) May 13, 2015",
        'President Trump: "The Hong Kong thing is a very tough situation." '
        "pic.twitter.com/QJrFWiUOLu — MSNBC (@MSNBC) August 13, 2019",
        "THIS MORNING on @FaceTheNation - @RepAdamSchiff responds to @realdonaldtrump’s "
        "tweets: “I think racism is good politics.” pic.twitter.com/Hyu9iMzCcU — Face The "
        "Nation (@FaceTheNation) July 21, 2019",
    ):
        out = segs(f"{PROSE}\n\n{line}")
        assert [s.kind for s in out] == ["body", "embedded_post"], line
        assert out[1].text == line
    # the outlet's own announcement glued in front is still cut off
    glued = "Trump tweeted: AMERICA FIRST! — Donald J. Trump (@realDonaldTrump) January 13, 2018"
    out = segs(f"{PROSE}\n\n{glued}")
    assert out[-1].kind == "embedded_post" and out[-1].text.startswith("AMERICA FIRST!")


@pytest.mark.parametrize(
    "line",
    [
        "(h/t Right Wing Watch)",
        "This is a breaking news story, refresh the page for updates.",
        "If you enjoyed this article, we have a proposition for you: join our club.",
        "A woman looks at the exchange site on Oct. 1. (Photo: Karen Bleier, AFP/Getty Images) "
        "Story Highlights Deadline for signing up is still March 1.",
        "Democratic House candidates raised more than $35.8 million online in August. | Alex "
        "Wong/Getty Images Elections Democrats find their answer to the Koch brothers",
        "The Universal City Overlook is closed during the pandemic, April 8, 2020 in Los "
        "Angeles. Rich Fury/Getty Images, FILE",
        "A streetcar conductor wears a mask in New Orleans, March 19, 2020. Gerald Herbert/AP, FILE",
    ],
)
def test_third_round_debris_shapes(line):
    assert page_lines(f"{PROSE}\n\n{line}\n\n{PROSE}")[line] == "page", line


def test_the_outlet_describing_itself_at_the_end():
    blurb = (
        "The Daily Wire, headed by bestselling author Ben Shapiro, is a leading provider of "
        "conservative news, cutting through the noise of the day."
    )
    assert page_lines(f"{PROSE}\n\n{blurb}", outlet="The Daily Wire")[blurb] == "page"
    # another outlet named at the end of the story, and the same line mid-text, stay prose
    assert page_lines(f"{PROSE}\n\n{blurb}", outlet="Fox News")[blurb] == "outlet"
    mid = f"{blurb}\n\n" + "\n\n".join([PROSE] * 4)
    assert page_lines(mid, outlet="The Daily Wire")[blurb] == "outlet"


# ---------------------------------------------------------------- round 4 shapes

PROSE_A = "The council met on Tuesday and voted to approve the new budget after a long debate."
PROSE_B = "Critics said the plan would raise taxes, while supporters pointed to new jobs downtown."
PROSE_C = "The mayor is expected to sign the measure later this week, aides said on Wednesday."


def _kind_of(text: str, line: str, outlet: str = "Test", title: str = "") -> str:
    got = Segmenter(detect_language=False).segment(
        Article(id="r4", outlet=outlet, title=title, text=text)
    )
    return next(s.kind for s in got if s.field == "text" and s.text == line)


@pytest.mark.parametrize(
    "line",
    [
        "8/13/2018",
        "2018-05-23",
        "SPLC staff writer Gabriel Greschle is on Twitter @ggreschler.",
        "Associated Press video journalists Jo Kearney and Philipp-Moritz Jenne contributed. "
        "Casert reported from Brussels.",
    ],
)
def test_round4_debris_lines(line):
    text = "\n\n".join((PROSE_A, line, PROSE_B, PROSE_C))
    assert _kind_of(text, line) == "boilerplate"


def test_player_markup_line_is_a_media_link():
    line = (
        'poster="http://v.politico.com/images/1155968404/201611/1112/x-vs.jpg?pubId=1" '
        "2016 Poll: 'Shy Trump' voters are a mirage A new study suggests an army of voters."
    )
    assert _kind_of("\n\n".join((line, PROSE_A, PROSE_B)), line) == "media_link"


def test_byline_over_a_partner_domain():
    text = "\n\n".join(("Dan Doyle", "OilPrice.com", PROSE_A, PROSE_B))
    assert _kind_of(text, "Dan Doyle", outlet="USA TODAY") == "boilerplate"
    assert _kind_of(text, "OilPrice.com", outlet="USA TODAY") == "boilerplate"
    # a name alone above prose is not a byline
    assert _kind_of("\n\n".join(("Dan Doyle", PROSE_A, PROSE_B)), "Dan Doyle") == "body"


def test_pull_quote_with_attribution():
    pull = '"We showed a significant decrease across the board in every patient group." — Dr. Nick Spirtos'
    source = (
        '"We showed a significant decrease across the board in every patient group, which was '
        'stunning in a four-week period," Spirtos said.'
    )
    text = "\n\n".join((PROSE_A, pull, source, PROSE_B))
    assert _kind_of(text, pull) == "boilerplate"
    # the same shape without a source sentence elsewhere is an ordinary quotation
    alone = "\n\n".join((PROSE_A, pull, PROSE_B))
    got = Segmenter(detect_language=False).segment(
        Article(id="r4", outlet="", title="", text=alone)
    )
    assert "boilerplate" not in {s.kind for s in got}


def test_closing_pointer_line():
    closer = "Watch Trump's reaction below:"
    assert _kind_of("\n\n".join((PROSE_A, PROSE_B, closer)), closer) == "boilerplate"
    intro = "The conclusion of the essay is grim, but here, it is apt:"
    assert _kind_of("\n\n".join((PROSE_A, PROSE_B, intro)), intro) == "body"
    # mid-text it introduces what follows
    assert _kind_of("\n\n".join((PROSE_A, closer, PROSE_B)), closer) == "body"


def test_bulleted_bio_and_reader_promo_in_the_last_lines():
    bio = "• Jane Keene is opinion editor of The Washington Times."
    text = "\n\n".join((PROSE_A, PROSE_B, PROSE_C, bio))
    assert _kind_of(text, bio, outlet="Washington Times") == "boilerplate"
    promo = "The debate begins at 9 p.m. ET. You can listen to special coverage from NPR on your local station."
    text = "\n\n".join((PROSE_A, PROSE_B, PROSE_C, promo))
    assert _kind_of(text, promo, outlet="NPR Online News") == "boilerplate"
    turn = "AMY GOODMAN: Thank you for being with us here on NPR today, you were great."
    text = "\n\n".join((PROSE_A, PROSE_B, PROSE_C, turn))
    assert _kind_of(text, turn, outlet="NPR Online News") != "boilerplate"


def test_line_printed_twice_is_furniture_both_times():
    """Gallery captions printed over and under their image, and a pull quote repeated whole
    on a line of its own, are page voice (both copies); prose around them is untouched."""
    cap = "A visitor tours the crash site at the memorial on September 10 before the ceremony."
    text = "\n\n".join((PROSE_A, cap, cap, PROSE_B, PROSE_C))
    assert _kind_of(text, cap) == "caption"
    got = Segmenter(detect_language=False).segment(
        Article(id="r5", outlet="Test", title="", text=text)
    )
    assert [s.kind for s in got] == ["body", "caption", "caption", "body", "body"]
    pull = "The plan will help every family in the county, the mayor has argued for months."
    text = "\n\n".join((PROSE_A, pull, PROSE_B, PROSE_C, pull))
    assert [s.voice for s in Segmenter(detect_language=False).segment(art(text))] == [
        "outlet",
        "page",
        "outlet",
        "outlet",
        "page",
    ]


def test_repeated_section_opener_and_doubled_page_stay_prose():
    # The Flip Side prints each side's opening sentence again as the story's summary
    summary = "The right is critical of the subpoenas, which it calls a partisan exercise."
    text = "\n\n".join((summary, PROSE_A, "From the Right", summary, PROSE_B))
    assert _kind_of(text, summary) == "body"
    # a page scraped twice: its repeated paragraphs are the story itself
    doubled = "\n\n".join((PROSE_A, PROSE_B, PROSE_C) * 2)
    assert set(kinds_of(doubled)) == {"body"}


def test_bracketed_promo_is_boilerplate_but_bracketed_note_is_not():
    promo = "[Watch Fox: Rep. Peter King, R-N.Y., discusses Benghazi in the 1 p.m. ET hour]"
    opinion = "[New at Fox News Opinion: We cannot strike Syria with no long-term strategy]"
    note = "[Editor's note: The original version stated the murder rate figures incorrectly.]"
    excerpt = "[WSJ: “a close friend of Secretary of State John Kerry’s stepson” joined the board.]"
    text = "\n\n".join((PROSE_A, promo, PROSE_B, opinion, note, excerpt, PROSE_C))
    assert _kind_of(text, promo, outlet="Fox News") == "boilerplate"
    assert _kind_of(text, opinion, outlet="Fox News") == "boilerplate"
    assert _kind_of(text, note, outlet="Fox News") == "body"
    got = Segmenter(detect_language=False).segment(
        Article(id="r6", outlet="Fox News", title="", text=text)
    )
    at = text.index(excerpt)
    inside = [s for s in got if s.start >= at and s.end <= at + len(excerpt)]
    assert inside and all(s.voice in ("outlet", "quoted") for s in inside)


def test_a_first_line_of_names_joined_by_and_is_the_byline():
    text = f"Jane Doe, John Roe and Mary Major\n\n{PROSE}\n\n{PROSE}"
    assert kinds_of(text) == ["boilerplate", "body", "body"]
    # a title of capitalised words with commas is not a list of names
    text = f"In Ukraine, Cease-Fire Between Government, Separatists Takes Hold\n\n{PROSE}"
    assert kinds_of(text)[0] != "boilerplate"
    # names joined by "and" inside the story are prose
    text = f"{PROSE}\n\nJane Doe and John Roe\n\n{PROSE}"
    assert kinds_of(text)[1] == "body"


def test_pull_quote_in_spaced_display_marks_is_debris():
    # MarketWatch and the Daily Beast set pull quotes as "“ … ”", marks apart from the words
    pull = (
        "“ Rather than freaking out about the market’s rollercoaster ride, there are several "
        "steps you can take to improve your physical and financial health. ”"
    )
    assert kinds_of(f"{PROSE}\n\n{pull}\n\n{PROSE}") == ["body", "boilerplate", "body"]
    # an ordinary quotation paragraph keeps its marks against the words
    quoted = "“Freaking out doesn’t help you stay healthy,” said Catherine Belling, a professor."
    assert "boilerplate" not in kinds_of(f"{PROSE}\n\n{quoted}\n\n{PROSE}")


def test_list_of_dated_related_headlines_is_debris_but_a_dated_heading_is_not():
    links = (
        "Jan. 9: In extraordinary public negotiation with Congress, Trump promises to sign DACA bill\n"
        "Jan. 8: How Trump's wall pledge is complicating a DACA bill for 'Dreamers'"
    )
    assert kinds_of(f"{PROSE}\n\n{links}\n\n{PROSE}") == [
        "body",
        "boilerplate",
        "boilerplate",
        "body",
    ]
    bullets = (
        "► April 6: Texas sending 250, Arizona 150 National Guard to Mexican border\n"
        "► April 5: Trump wants 2,000 to 4,000 National Guard troops on Mexican border"
    )
    assert kinds_of(f"{PROSE}\n\n{bullets}\n\n{PROSE}").count("boilerplate") == 2
    # a timeline whose dated headings each open a paragraph is the story itself
    timeline = (
        "Here is a look back at some of the biggest moments of the partial government shutdown:\n\n"
        "Dec. 11: The White House meeting\n\nIt was a fight for the ages and the public was "
        "invited to watch, as the president clashed with Democratic leaders on camera.\n\n"
        "Dec. 19: Senate passes bill to keep government open\n\nThe Senate approved a stopgap "
        "measure by voice vote late in the evening, sending it to the House."
    )
    assert "boilerplate" not in kinds_of(f"{PROSE}\n\n{timeline}")
    # a dated update note is a sentence, not a headline
    note = (
        "April 3: This story was updated with the Dow’s close.\nApril 2: This story was corrected."
    )
    assert "boilerplate" not in kinds_of(f"{PROSE}\n\n{note}\n\n{PROSE}")


def test_embed_credit_with_via_is_a_caption():
    for credit in (
        "MSNBC via YouTube",
        "KTRK-TV ABC13 via AP",
        "Los Angeles Police Department via AP",
    ):
        assert kinds_of(f"{PROSE}\n\n{credit}\n\n{PROSE}") == ["body", "caption", "body"], credit
    # "via" inside a sentence is prose
    assert kinds_of(f"{PROSE}\n\nHe said via Twitter that he would not resign.\n\n{PROSE}") == [
        "body",
        "body",
        "body",
    ]


def test_cli_segment_shows_a_file_or_a_corpus_article(tmp_path, capsys):
    """`framelens segment` on a text file, an HTML page, an article id of the sample corpus;
    a file that is not UTF-8 and an unknown id are one-line errors."""
    from analysis import cli

    text = tmp_path / "story.txt"
    text.write_text('Officials said on Tuesday that the plan was "a total disaster for all".\n')
    assert cli.main(["segment", str(text), "--outlet", "Wire"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("=== story | Wire |") and '"a total disaster for all"' in shown
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>The council met on Monday to vote.</p></body></html>")
    assert cli.main(["segment", str(page), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["text"] == "The council met on Monday to vote."
    assert cli.main(["segment", "000_3cce98ca88fb24fd"]) == 0  # the worked example, in sample
    assert "embedded_post/social" in capsys.readouterr().out
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\xff\xfe\x00binary")
    assert cli.main(["segment", str(binary)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid UTF-8 in blob.txt (byte 1 of the file)" in err
    assert cli.main(["segment", "no-such-id"]) == 2
    assert "neither a file nor an article id in corpus 'sample'" in capsys.readouterr().err
    own = tmp_path / "mine.csv"  # an article of your own corpus file
    own.write_text('id,outlet,text\nx1,Wire,"Officials said the plan was ""a disaster"" today."\n')
    assert cli.main(["segment", "x1", "--corpus", str(own)]) == 0
    assert capsys.readouterr().out.startswith("=== x1 | Wire |")
    assert cli.main(["segment", "x1", "--corpus", "custom"]) == 2
    assert "--corpus FILE" in capsys.readouterr().err
    renamed = tmp_path / "renamed.csv"  # its own column names, mapped with --field
    renamed.write_text('key,publisher,body\nx2,Wire,"The plan was ""a disaster"", he said."\n')
    assert cli.main(["segment", "x2", "--corpus", str(renamed)]) == 2
    assert "--field text=" in capsys.readouterr().err  # the hint names this command's flag
    argv = ["segment", "x2", "--corpus", str(renamed), "--field", "id=key"]
    argv += ["--field", "outlet=publisher", "--field", "text=body"]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.startswith("=== x2 | Wire |")
    # the text mapped but not the ids: the articles are named by record, and the error says so
    args = ["segment", "x2", "--corpus", str(renamed), "--field", "text=body"]
    assert cli.main([*args, "--field", "outlet=publisher"]) == 2
    assert "renamed.csv has no 'id' column" in capsys.readouterr().err
    assert cli.main(["segment", "x2", "--field", "text=body"]) == 2  # not with a named corpus
    assert "--corpus FILE" in capsys.readouterr().err
    assert cli.main([*argv[:4], "--field", "text"]) == 2
    assert "FIELD=COLUMN" in capsys.readouterr().err
    # segmenting needs no outlet column: the file's articles get --outlet's name
    plain = tmp_path / "plain.csv"
    plain.write_text('id,text\nx3,"WE WOULD LIKE TO THANK THE TAXPAYER FOR THE DONATION"\n')
    assert cli.main(["segment", "x3", "--corpus", str(plain), "--outlet", "Posts"]) == 0
    assert capsys.readouterr().out.startswith("=== x3 | Posts | 1 segments ===\n[0] body/outlet")
    posts = tmp_path / "posts.jsonl"  # the same for JSONL (its first record's keys)
    posts.write_text('{"id": "j1", "text": "Fine day."}\n{"id": "j2", "body": "No text field."}\n')
    assert cli.main(["segment", "j1", "--corpus", str(posts)]) == 0
    assert capsys.readouterr().out.startswith("=== j1 | unknown |")
    assert cli.main(["segment", "j2", "--corpus", str(posts)]) == 2  # set aside: says why
    err = capsys.readouterr().err
    assert "1 of its 2 records were set aside, 'j2' because: missing text" in err
    assert "--field text=COLUMN" in err
    listed = tmp_path / "posts.json"  # a JSON list without outlets: the same
    listed.write_text('[{"id": "k1", "text": "Fine day."}, {"id": "k2", "text": "Rain."}]')
    assert cli.main(["segment", "k2", "--corpus", str(listed), "--outlet", "Mine"]) == 0
    assert capsys.readouterr().out.startswith("=== k2 | Mine |")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # text that only looks like markup stays as written
        ("We know a<b and c>d, e<f and g>h, i<j and k>l, m<n and o>p.", None),
        ("use vector<int> and map<string, int> with <placeholder>; if (a<b && c>d) { }", None),
        ("Plain text & a stray <b> tag.", None),
        ("See https://x.com/?id=1&section=world&reg=1", None),
        ("the &regulators; met", None),
        # markup is read as text
        ("<p>The Federal Reserve raised rates.</p><p>Powell said.</p>",
         "The Federal Reserve raised rates.\n\nPowell said."),
        ("<p>Contact John <john@x.com> today.</p><p>Next.</p>", "Contact John <john@x.com> today.\n\nNext."),
        ("<p>He said <q>we will fight</q> on Monday.</p>", "He said \u201cwe will fight\u201d on Monday."),
        ("Line one<br>Line two<br/>three", "Line one\nLine two\nthree"),
        ('See https://x.com/?a=1&reg=1 said &quot;x&quot;', 'See https://x.com/?a=1&reg=1 said "x"'),
        ("&lt;p&gt;Escaped &lt;a href=&quot;x&quot;&gt;link&lt;/a&gt; here&lt;/p&gt;", "Escaped link here"),
        ("AT&amp;T said 3 &lt; 4", "AT&T said 3 < 4"),
        # an attribute's quote left open does not take the rest of the text with it
        ('<p>They met <a href="http://x.com>today</a> and voted.</p><p>Next.</p>',
         "They met today and voted.\n\nNext."),
        ("<p>Single <a href='x.com>quote</a> too.</p><p>Next.</p>", "Single quote too.\n\nNext."),
        ('<p>A <a title="a>b" href="u">closed</a> one.</p><p>Next.</p>', "A closed one.\n\nNext."),
        ("<p>They met <a href=\"http://x.com>Trump's speech</a> and voted.</p><p>Next.</p>",
         "They met Trump's speech and voted.\n\nNext."),
        # an equals sign and a quote in text, not in a tag, are left as written
        ('<p>In math a="b>c holds.</p><p>Next.</p>', 'In math a="b>c holds.\n\nNext.'),
        ('<p>Code: <code>if (a="b>c) run();</code></p><p>Next.</p>', 'Code: if (a="b>c) run();\n\nNext.'),
    ],
)  # fmt: skip
def test_html_to_text_reads_markup_and_leaves_text_alone(given, expected):
    from analysis.segment import html_to_text

    assert html_to_text(given) == (given if expected is None else expected)


def test_a_speaker_ends_where_the_sentence_ends():
    """'said Senator Jane Doe. The Pentagon declined' gave the speaker 'Senator Jane Doe.
    The Pentagon'; initials and titles keep their periods."""
    from analysis.segment import _clean_speaker

    assert _clean_speaker("Senator Jane Doe. The Pentagon") == "Senator Jane Doe"
    assert _clean_speaker("Jane D. Doe") == "Jane D. Doe"
    assert _clean_speaker("Sen. Lindsey Graham") == "Sen. Lindsey Graham"
    text = '"This is a disgrace," said Senator Jane Doe. The Pentagon declined to comment.'
    (quote,) = [s for s in Segmenter().segment(Article(id="x", outlet="T", title="", text=text))
                if s.voice == "quoted"]  # fmt: skip
    assert quote.speaker == "Senator Jane Doe"


def test_shouting_in_capitals_is_debris_between_paragraphs_but_content_alone():
    """A line in capitals between paragraphs is a related-story link (Fox News prints them
    so); the same line as the whole text (a tweet, a sentence) is shouting, and measured."""
    shout = "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR GENEROUS DONATION"
    assert kinds_of(f"{PROSE}\n\n{shout}\n\n{PROSE}") == ["body", "boilerplate", "body"]
    assert kinds_of(shout) == ["body"]
    assert kinds_of(f"  {shout}!!\n") == ["body"]
    assert kinds_of("• WE ARE SO DONE WITH THIS ONE, FOLKS") == ["body"]
    # a shouted post of several lines, or with its link, is still shouting, not links
    assert kinds_of(f"{shout}\nhttps://t.co/abc123")[0] == "body"
    assert kinds_of("THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER\nFOR THEIR GENEROUS DONATION OF HUMVEES TODAY") == ["body", "body"]  # fmt: skip

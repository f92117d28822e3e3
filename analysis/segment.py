"""Split an article into voiced segments: the outlet's prose, quoted people, embedded posts.

Every measurement in framelens is made per *voice* (see ``DESIGN.md``): the outlet's own
sentences, the people it quotes, and the social-media posts it embeds. This module turns an
:class:`~analysis.records.Article` into :class:`~analysis.records.Segment` records, each with
a kind, a voice, a language and a character span that reproduces its text exactly
(``article.text[start:end]``; ``article.title[start:end]`` for the headline).

How it works (plain text, the common case):

1. The text is cut into lines (paragraphs) at line breaks; each line's span is stripped of
   whitespace, NBSP, zero-width and control characters. Lines longer than
   ``max_line_chars`` are cut at sentence ends so no segment grows without bound. Text that
   is HTML soup is cut at block-level tags instead, and script/style/comment blocks become
   debris.
2. Each line is checked for embedded-post signals (a ``— Name (@handle) July 1, 2019``
   signature, ``pic.twitter.com``/``t.co``/status links, ``Skip Twitter post by``,
   Instagram's "A photo posted by", Facebook's "Posted by … on", author-first
   ``Name (@handle) Text``, hashtag-heavy short lines) and page-debris signals (see
   :mod:`analysis.segment_rules`). A signature in the middle of a line splits it.
3. Posts spanning several lines are regrouped into one segment: a signature-only line takes
   the line before it, and a post extends backwards over lines separated from it by a wider
   gap than the article's usual paragraph break (embeds flatten a tweet's own line breaks
   into runs of blank lines), within a tweet's length, or over a line at the usual gap that
   reads as the post's own (a capitals kicker such as ``NEW POLL:``, tweet @-syntax); a
   BBC ``Skip Twitter post by @x`` opener joins the signed line below it.
4. Outlet paragraphs are split at quotation marks: a quotation of at least
   ``min_quote_words`` words (or any attributed quotation) becomes a ``quote`` segment with
   its speaker when a ``"…," said X`` / ``X said: "…"`` / ``according to X`` attribution is
   found; the surrounding prose stays ``body``. Shorter quoted fragments (scare quotes,
   single quoted words) stay in the outlet's voice: they are the outlet's framing.
5. Each segment gets a language (see :func:`detect_language`): non-Latin scripts always go to
   the classifier; Latin-script segments with fewer than ``min_lang_letters`` letters
   inherit the article's language, since character n-gram models are unreliable there.

Saved HTML pages go through :func:`segment_html`, which reads tweet blockquotes and figure
captions from the page structure (lxml) and the main text through trafilatura.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis import segment_rules as R
from analysis.records import SEGMENT_COLUMNS, Article, Segment

if TYPE_CHECKING:  # pandas is imported when a table is segmented, not on import
    import pandas as pd

__all__ = [
    "Segmenter",
    "detect_language",
    "render_segments",
    "segment_article",
    "segment_html",
]

# --------------------------------------------------------------------------------------
# Language identification
# --------------------------------------------------------------------------------------

_IDENTIFIER: Any = None

#: Function words that are English and (nearly) nothing else among the languages seen in
#: news text; "a", "in", "an", "on", "die" etc. are left out because they are words in
#: Spanish, German, Dutch or French too. A segment where they make up a fifth of the tokens
#: is English without asking the classifier, which saves most of the cost on English news.
_EN_FUNCTION_WORDS = R.words(
    "the and of to that for with was is are be by this have has had from at his they we not"
    " but been were their which would there it you he she who what when than about said says"
    " will could should into after also over only just its them these those other some our"
    " your my him being does did how why where because while if more most"
    " can do new people"
)
#: The subset of those that no other common Latin-script language uses as a word.
_EN_ONLY_WORDS = R.words(
    "the and of that with this have has from they their which would there what when about"
    " said says could should into after them these those other your being does how why where"
    " because while people"
)
_NEAR_ENGLISH = R.words("pcm sco jam")
_CLEAN_FOR_LANG_RE = re.compile(
    r"(?:https?://|www\.)\S{1,2000}|\b(?:pic\.twitter\.com|t\.co)/\S{1,100}"
    r"|[@#]\w{1,60}|<[^<>\n]{0,300}>|&\w{1,10};|\d+"
)


def _identifier() -> Any:
    """The py3langid model, loaded once per process (about 0.5 s)."""
    global _IDENTIFIER
    if _IDENTIFIER is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def detect_language(
    text: str, *, min_letters: int = 20, min_confidence: float = 0.5, latin: bool = True
) -> tuple[str | None, bool]:
    """Identify the language of one segment cheaply.

    Parameters
    ----------
    text : str
        The segment text. URLs, @mentions, #hashtags, tags and digits are removed first;
        only the first 1000 characters of what remains are classified.
    min_letters : int
        Latin-script text with fewer letters than this is not classified (the answer would
        be noise): the function returns ``(None, False)`` and the caller substitutes the
        article's language.
    min_confidence : float
        For Latin-script text, a classifier answer below this normalised probability is
        treated like a too-short text (all-caps shouting and name lists score low). Latin
        text under 100 letters, and answers of English-like languages (Nigerian Pidgin, Scots,
        Jamaican Creole, which the model confuses with English headlines), need 0.9.
    latin : bool
        False: never classify Latin-script text (return ``(None, False)``, i.e. "inherit");
        only other scripts are classified. Used for page debris, which is never measured.

    Returns
    -------
    lang : str or None
        ISO 639-1 code (``en``, ``ps`` …), or None when undecided.
    decided : bool
        False when the text was too short or too uncertain; the caller may then fall back to
        the article's language. Text without any letter (emoji, numbers) returns
        ``(None, True)``: there is no language to inherit.
    """
    # ~50 words decide the common case; the classifier later sees up to 500 characters
    head = text[:300]
    low = head.lower()
    if latin:
        tokens = R.WORD_RE.findall(low)
        hits = sum(map(_EN_FUNCTION_WORDS.__contains__, tokens))
        if len(head) >= min_letters and (
            (hits >= 2 and hits * 6 >= len(tokens))
            # one unambiguous English word in a short ASCII phrase ("his commitment")
            or (head.isascii() and hits * 8 >= len(tokens) and _EN_ONLY_WORDS.intersection(tokens))
        ):
            return "en", True
    cleaned = _CLEAN_FOR_LANG_RE.sub(" ", text[:3000].lower())
    letters = R.NON_LETTERS_RE.sub("", cleaned)
    if not letters:
        return None, True
    is_latin = letters.isascii() or len(R.NON_LATIN_LETTER_RE.findall(letters)) * 2 < len(letters)
    if is_latin and (len(letters) < min_letters or not latin):
        return None, False
    # Lower-casing matters: the model reads ALL-CAPS English as Nigerian Pidgin.
    lang, conf = _identifier().classify(cleaned[:500])
    if lang in ("zxx", "und"):
        return None, True
    # Short Latin-script answers are noisy (headlines come out as Latin or Uzbek), and the
    # model confuses English with Nigerian Pidgin and Scots: ask for more confidence there.
    needed = min_confidence
    if is_latin and (len(letters) < 100 or lang in _NEAR_ENGLISH):
        needed = max(min_confidence, 0.9)
    if is_latin and conf < needed:
        return None, False
    return lang, True


# --------------------------------------------------------------------------------------
# Internal line record
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    """A stretch of the article text under consideration (a line, or part of one)."""

    start: int
    end: int
    gap: int  # newlines between the previous piece and this one (0: same line / soft cut)
    kind: str | None = None
    speaker: str | None = None
    sig: bool = False  # ends with a post signature
    sig_only: bool = False  # is nothing but a signature: the post's text is the line before
    ends_post: bool = False  # a signature or a post link: lines above may belong to the post
    fixed: bool = False  # labelled from page structure (HTML); never regrouped or split
    opens_post: bool = False  # "Skip Twitter post by @x …": the post may go on below


_REPORTING_RE = re.compile(
    r"\b(?:he|she|they)\s{1,3}(?:tweeted|wrote|said|added|posted|says|writes)\b|according to"
)
_OUTLET_INTRO_RE = re.compile(
    r"\b(?:tweet\w*|twitter|wrote|writes|said|says|posted|responded|replied|reacted|added"
    r"|here[’']s|here is|following|below|statement|this|these)\b",
    re.I,
)
_POST_LABEL_WORDS = R.words("re via cc ht h/t rt fwd ps pic pics video update thread")
_NAME_LINE_RE = re.compile(r"[A-Z][\w.'’-]{1,20}(?: [A-Z][\w.'’-]{0,20}){1,3}$")
_GALLERY_RE = re.compile(r"hide caption \d{1,3} of \d{1,3}")
# "Trump tweeted.", "In a tweet, …", "on Twitter" -- but not a post's own "… to tweet that."
_TWEET_WORD_RE = re.compile(
    r"\b(?:tweet(?:s|ed)|Twitter)\b|\b(?:a|his|her|their|the|this|that|[’']s)\s{1,3}tweet\b"
)
# A post's own kicker: "JUST IN: …", "BREAKING: …", "#NEW: …"
# ("UPDATE:", "CORRECTION:" and "EDITOR'S NOTE:" are the outlet's own notes)
_POST_KICKER_RE = re.compile(
    r"(?!UPDATE|CORRECTION|CLARIFICATION|EDITOR|NOTE)[#.]?[A-Z][A-Z0-9 ]{1,20}:\s"
)
_SENTENCE_END_RE = re.compile(r"[.!?…:;][\"'”’)\]]{0,3}\s{1,5}(?=[\"“'‘(\[]?[A-Z0-9@#])")
_SOFT_CUT_RE = re.compile(r"[.!?…][\"'”’)\]]{0,3}\s{1,5}|\s{1,5}")
_LEAD_PUNCT = "•*·>»|-–—([ "
_QUOTE_ANY_RE = re.compile(r"[\"“”]")
_PROSE_SENTENCE_RE = re.compile(r"[a-z]{2}[.!?]\s{1,3}[A-Z]")
_CREDIT_SPLIT_RE = re.compile(r"(?<=[a-z]{2}\.)\s+")

# Block-level tags: in HTML soup they separate paragraphs; inline tags stay in the text.
_SOUP_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,2000})?/?>")
_BLOCK_TAGS = R.words(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote figure figcaption table tr td th tbody"
    " thead section article header footer nav aside main hr pre form iframe img html head"
    " body title meta link noscript dl dt dd address center"
)
_TAG_NAME_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]{0,15})")

# --------------------------------------------------------------------------------------
# Quotations
# --------------------------------------------------------------------------------------

_QUOTE_CHAR_RE = re.compile(r"[\"“”„«»]")
_OPENERS = "“„«"
_CLOSERS = "”»"
_SPEECH_VERB = (
    r"(?:said|says|say|told|tells|added|adds|wrote|writes|tweeted|tweets|posted|asked|asks"
    r"|explained|explains|noted|notes|argued|argues|claimed|claims|stated|states|declared"
    r"|continued|continues|replied|replies|responded|responds|insisted|insists|warned|warns"
    r"|recalled|recalls|acknowledged|acknowledges|admitted|admits|announced|announces"
    r"|suggested|suggests|concluded|observed|remarked|shouted|testified|joked|quipped"
    r"|complained|conceded|countered|cautioned|pointed out|went on|wondered|vowed|predicted"
    r"|boasted|urged|contended|emphasized|stressed|alleged|reads|writing|saying|telling"
    r"|adding|asking|noting|arguing|reported|reports)"
)
# Before a quotation only unambiguous verbs count ("continued against the Taliban" is not
# speech), followed by at most three words ("told reporters Thursday:").
_SPEECH_VERB_BEFORE = (
    r"(?:said|says|say|told|tells|added|adds|wrote|writes|tweeted|tweets|posted|asked|asks"
    r"|explained|explains|argued|argues|claimed|claims|stated|states|declared|declares"
    r"|replied|replies|responded|responds|insisted|insists|warned|warns|recalled|recalls"
    r"|acknowledged|admitted|announced|announces|concluded|remarked|shouted|testified|joked"
    r"|quipped|complained|conceded|countered|vowed|predicted|boasted|urged|reads|writing"
    r"|saying|telling|adding|asking|noting|arguing"
    # naming verbs: 'X called Y "a traitor"' quotes X's words, not the outlet's
    r"|called|calling|dubbed|labeled|labelled|branded|referred to)"
)
_NAME = (
    r"(?:\b(?:he|she|they|I|we)\b"
    r"|\b(?i:the|a|an|his|her|their|its|one|another)\s{1,3}(?:[\w.'’&-]{1,30}\s{1,3}){0,4}?"
    r"[\w'’-]{1,30}"
    r"|\b(?:[A-Z][\w.'’-]{0,30}(?:,\s{0,2}[A-Z]-[A-Z][\w.]{0,10},)?\s{1,3}){0,4}"
    r"[A-Z][\w.'’-]{0,30})"
)
_ADVERB = (
    r"(?:[a-z]{1,13}ly|also|later|then|again|once|has|had|have|is|was|would|will|recently"
    r"|previously|reportedly)"
)
# after a verb nothing ends the noun phrase, so it is taken greedily and trimmed later
_NAME_AFTER_VERB = _NAME.replace("{0,4}?", "{0,4}")
_ATTR_AFTER_RE = re.compile(
    r"^[\s,:;—–-]{0,4}(?:"
    r"(?:" + _SPEECH_VERB + r")\s{1,3}(?P<n1>" + _NAME_AFTER_VERB + r")"
    r"|(?P<n2>" + _NAME + r")\s{1,3}(?:" + _ADVERB + r"\s{1,3})?" + _SPEECH_VERB + r"\b"
    r"|according to\s{1,3}(?P<n3>" + _NAME + r"))"
)
_ATTR_BEFORE_RE = re.compile(
    r"(?:(?P<n1>" + _NAME + r")\s{1,3}(?:" + _ADVERB + r"\s{1,3})?" + _SPEECH_VERB_BEFORE + r"\b"
    r"(?:\s{1,3}[\w'’.-]{1,30}){0,3}"
    r"|according to\s{1,3}(?P<n2>" + _NAME + r")"
    r")\s{0,2}[,:]?\s{0,3}$"
)
_SUBJECT_VERB_RE = re.compile(
    r"\b(?:said|says|told|tells|wrote|writes|added|argued|argues|explained|tweeted|noted"
    r"|testified|stated|insisted|warned|acknowledged|recalled)\b"
)
_SUBJECT_NAME_RE = re.compile(
    r"\b((?:[A-Z][\w.'’-]{0,30}\s{1,3}){0,3}[A-Z][\w.'’-]{1,30})"
    r"(?:,(?:\s{1,2}[\w.'’-]{1,30}){1,5},)?\s{1,3}(?:" + _ADVERB + r"\s{1,3})?$"
)
# "…, says Karen Greenberg, who runs …"
_VERB_SUBJECT_RE = re.compile(r"\s{1,3}((?:[A-Z][\w.'’-]{0,30}\s{1,3}){0,3}[A-Z][\w.'’-]{1,30})")
_SPEECH_VERB_END_RE = re.compile(
    r"\b" + _SPEECH_VERB_BEFORE + r"\b(?:\s{1,3}[\w'’.-]{1,30}){0,3}\s{0,2}:$"
)
_NAME_STOP_WORDS = R.words(
    "then but and so also later meanwhile in on at when while after before yet still however"
    " thus instead now here there as because if though although today yesterday regardless"
    " nonetheless nevertheless indeed moreover furthermore separately earlier finally overall"
    " ultimately again asked even"
)
_PRONOUNS_RESOLVED = frozenset({"he", "she"})
_PRONOUNS = R.words("he she they it we i you one")
_NAME_END_WORDS = R.words(
    "in on at who whose which during after when while to with and that as via before since"
)
_NOT_NAMES = R.words(
    "the a an this that it there here his her their its one another some many most"
)
_TITLE_SMALL_WORDS = R.words("a an the and of in on for to with at by or from")


_TITLE_ABBREVIATIONS = R.words(
    "sen rep gov gen col lt sgt capt maj adm cmdr prof dr mr mrs ms jr sr st ft mt gov"
    " pres supt insp det atty corp inc ltd co rev hon amb"
)


def _clean_speaker(name: str | None) -> str | None:
    if not name:
        return None
    words = name.strip(" ,.:;").split()
    for k, w in enumerate(words[1:], 1):
        if w.lower() in _NAME_END_WORDS:
            words = words[:k]
            break
    for w in words[:-1]:
        # a sentence boundary inside the "name": the match ran across two sentences
        if w.endswith(".") and len(w) > 4 and not w[0].isupper() and w.count(".") == 1:
            return None
    for k, w in enumerate(words[:-1]):
        # "Senator Jane Doe. The Pentagon": a name ends a sentence, the next one starts;
        # not initials (D.), titles (Sen., Gov.) or U.S.
        if (
            w.endswith(".")
            and w.count(".") == 1
            and len(w) > 3
            and w[0].isupper()
            and w[:-1].lower() not in _TITLE_ABBREVIATIONS
            and words[k + 1][:1].isupper()
        ):
            words = words[: k + 1]
            break
    if words:
        words[-1] = words[-1].rstrip(".,;:")
    while words and words[0].lower() in _NAME_STOP_WORDS and len(words) > 1:
        words.pop(0)
    if not words or words[0].lower() in _NAME_STOP_WORDS:
        return None
    if len(words) == 1 and words[0].lower() in _NOT_NAMES:
        return None
    return " ".join(words)


def _speech_subjects(fragment: str) -> list[str]:
    """Capitalised subjects of speech verbs in outlet prose ("Jung Woo Kim, 33, said …")."""
    names = []
    if len(fragment) > 3000:
        return names
    for m in _SUBJECT_VERB_RE.finditer(fragment):
        n = _SUBJECT_NAME_RE.search(fragment, max(0, m.start() - 90), m.start())
        if n is None:
            n = _VERB_SUBJECT_RE.match(fragment, m.end())
        if n:
            name = _clean_speaker(n.group(1))
            if name and name[0].isupper() and name.lower() not in _PRONOUNS:
                names.append(name)
    return names


# --------------------------------------------------------------------------------------
# The segmenter
# --------------------------------------------------------------------------------------


class Segmenter:
    """Turn articles into voiced segments.

    Parameters
    ----------
    detect_language : bool
        Fill ``Segment.lang`` (py3langid, offline). Off, every ``lang`` is None; the rest is
        unchanged.
    min_post_hashtags : int
        A short line (at most 300 characters, no quotation marks, no "tweeted"/"hashtag"
        talk) with at least this many hashtags is taken for an embedded post.
    min_quote_words : int
        Quotations with fewer words stay in the outlet's voice unless an attribution
        (``"…," she said``) is found next to them: single quoted words are mostly scare
        quotes, a framing device of the outlet itself.
    split_quotes : bool
        Split outlet paragraphs at quotation marks (kind ``quote``, voice ``quoted``).
    max_post_chars : int
        Upper bound on a regrouped multi-line post, signature included (a tweet is at most
        280 characters; links, emoji and the signature add up to about 140 more).
    max_line_chars : int
        Lines longer than this are cut at sentence ends into pieces of about a third of it,
        so that no segment grows without bound (a text without line breaks).
    min_lang_letters : int
        Latin-script segments with fewer letters inherit the article's language.
    recurring_min_articles : int
        Corpus signal (needs :meth:`fit`): a line that occurs verbatim (up to case and
        spacing) in at least this many distinct articles of the same outlet is page furniture
        when it sits in the article's first two or last four lines, or anywhere when it is
        shaped like a label or link (ends with ``:``, ``Label: title``, a URL/@handle) --
        unless it is a question, a quotation, a reported statement or a one-word utterance.
        0 switches the signal (and the pipeline's fitting pass) off.
    recurring_lines : str or None
        The table learned by :meth:`fit` (see :meth:`recurring_state`): hashed
        ``(outlet, line)`` pairs. The pipeline fills it in a first pass over the corpus and
        passes it to every worker in the segment config, so the result does not depend on
        how the corpus is chunked; None (not fitted) leaves the signal off.
    """

    def __init__(
        self,
        detect_language: bool = True,
        min_post_hashtags: int = 2,
        min_quote_words: int = 3,
        split_quotes: bool = True,
        max_post_chars: int = 420,
        max_line_chars: int = 6000,
        min_lang_letters: int = 20,
        recurring_min_articles: int = 3,
        recurring_lines: str | None = None,
    ) -> None:
        self.detect_language = detect_language
        self.min_post_hashtags = min_post_hashtags
        self.min_quote_words = min_quote_words
        self.split_quotes = split_quotes
        self.max_post_chars = max_post_chars
        self.max_line_chars = max_line_chars
        self.min_lang_letters = min_lang_letters
        self.recurring_min_articles = int(recurring_min_articles or 0)
        self.recurring_lines = recurring_lines
        self._recurring: frozenset[int] = (
            decode_recurring(recurring_lines) if recurring_lines else frozenset()
        )

    # ---------------------------------------------------------------- corpus fitting

    def fit(self, articles: Iterable[Any], max_entries: int = 2_000_000) -> Segmenter:
        """Learn the per-outlet recurring lines from a corpus, in one streaming pass.

        Parameters
        ----------
        articles : iterable of Article, or of article tables (pandas.DataFrame chunks)
            Read once, in order; nothing is kept but a bounded table of line hashes.
        max_entries : int
            Memory bound of the counter (see :class:`RecurringLineCounter`).

        Returns
        -------
        Segmenter
            ``self``, with :attr:`recurring_lines` set (unchanged when
            ``recurring_min_articles`` is 0).
        """
        if self.recurring_min_articles <= 0:
            return self
        counter = RecurringLineCounter(max_entries=max_entries)
        for item in articles:
            if isinstance(item, Article):
                counter.add(item.outlet, item.text)
                continue
            n = len(item)
            outlets = item["outlet"].tolist() if "outlet" in item else [""] * n
            texts = item["text"].tolist() if "text" in item else [""] * n
            for outlet, text in zip(outlets, texts, strict=True):
                counter.add(_as_str(outlet), _as_str(text))
        self.recurring_lines = encode_recurring(counter.recurring(self.recurring_min_articles))
        self._recurring = decode_recurring(self.recurring_lines)
        return self

    def recurring_state(self) -> str | None:
        """The learned table as a compact string (the ``recurring_lines`` parameter)."""
        return self.recurring_lines

    # ---------------------------------------------------------------- public API

    def segment(self, article: Article) -> list[Segment]:
        """Segment one article.

        Parameters
        ----------
        article : Article
            ``title`` and ``text`` may be any strings (empty, huge, HTML soup, any script);
            None counts as empty.

        Returns
        -------
        list of Segment
            Headline first (``field="title"``) when the title is non-blank, then the text's
            segments in order. Every non-blank line of the text is covered, except markup
            tags and blank separators in HTML soup.
        """
        return self._segment(article, fixed=None)

    def segment_table(self, articles: pd.DataFrame) -> pd.DataFrame:
        """Segment every row of an article table.

        Parameters
        ----------
        articles : pandas.DataFrame
            Columns ``id``, ``outlet``, ``title``, ``text`` (others are ignored; a missing
            ``title``/``outlet`` counts as empty).

        Returns
        -------
        pandas.DataFrame
            One row per segment, columns exactly :data:`~analysis.records.SEGMENT_COLUMNS`.
        """
        cols: dict[str, list[Any]] = {c: [] for c in SEGMENT_COLUMNS}
        n = len(articles)
        ids = articles["id"].tolist() if "id" in articles else list(range(n))
        outlets = articles["outlet"].tolist() if "outlet" in articles else [""] * n
        titles = articles["title"].tolist() if "title" in articles else [""] * n
        texts = articles["text"].tolist() if "text" in articles else [""] * n
        languages = articles["language"].tolist() if "language" in articles else [None] * n
        for aid, outlet, title, text, language in zip(
            ids, outlets, titles, texts, languages, strict=True
        ):
            art = Article(
                id=str(aid),
                outlet=_as_str(outlet),
                title=_as_str(title),
                text=_as_str(text),
                language=language if isinstance(language, str) and language else None,
            )
            for seg in self.segment(art):
                for c in SEGMENT_COLUMNS:
                    cols[c].append(getattr(seg, c))
        import pandas as pd

        table = pd.DataFrame(cols, columns=list(SEGMENT_COLUMNS))
        return table.astype({"position": "int64", "start": "int64", "end": "int64"})

    # ---------------------------------------------------------------- pipeline

    def _segment(
        self, article: Article, fixed: list[tuple[int, int, str, str | None]] | None
    ) -> list[Segment]:
        original = text = _as_str(article.text)
        title = _as_str(article.title)
        # hover cards printed inline are blanked for the analysis (their headlines are not
        # the outlet's prose, their quotes not quotations) and cut out as page debris below
        cards = _hover_cards(text) if not fixed else []
        if cards:
            text = _mask(text, cards)
        pieces = self._split(text, fixed)
        if pieces:
            self._classify(text, pieces)
            pieces = self._group_posts(text, pieces)
            self._context_debris(text, pieces, title, _as_str(article.outlet))
            if self._recurring:
                self._recurring_debris(text, pieces, _as_str(article.outlet))
        raw: list[tuple[str, int, int, str, str | None]] = []  # field, start, end, kind, speaker
        ts, te = _strip_span(title, 0, len(title))
        if te > ts:
            raw.append(("title", ts, te, "headline", None))
        quote_state = _QuoteState()
        for p in pieces:
            kind = p.kind or "body"
            if kind == "body" and self.split_quotes and not p.fixed:
                for s, e, k, spk in self._split_quotes(text, p, quote_state):
                    raw.append(("text", s, e, k, spk))
            else:
                if kind != "body":
                    quote_state.carry = None
                    quote_state.block = None
                raw.append(("text", p.start, p.end, kind, p.speaker))
        if cards:
            text = original
            raw = _cut_spans(raw, text, cards, "boilerplate")
        langs = self._languages(article, title, text, raw)
        segs = []
        for pos, ((fld, s, e, kind, spk), lang) in enumerate(zip(raw, langs, strict=True)):
            src = title if fld == "title" else text
            segs.append(
                Segment(
                    article_id=_as_str(article.id),
                    position=pos,
                    kind=kind,
                    voice=_VOICE[kind],
                    field=fld,
                    start=s,
                    end=e,
                    lang=lang,
                    speaker=spk,
                    text=src[s:e],
                )
            )
        return segs

    # ---------------------------------------------------------------- 1. lines

    def _split(
        self, text: str, fixed: list[tuple[int, int, str, str | None]] | None
    ) -> list[_Piece]:
        if not text:
            return []
        if fixed:
            return self._split_fixed(text, fixed)
        spans = _soup_spans(text) if text.count("<") >= 5 else None
        if spans is None:
            spans = [(m.start(), m.end()) for m in R.LINE_RE.finditer(text)]
        pieces: list[_Piece] = []
        prev_end = 0
        for s0, e0 in spans:
            s, e = _strip_span(text, s0, e0)
            if e <= s:
                continue
            gap = _count_newlines(text, prev_end, s) if pieces else 0
            pieces.append(_Piece(s, e, gap))
            prev_end = e
        return pieces

    def _split_fixed(
        self, text: str, fixed: list[tuple[int, int, str, str | None]]
    ) -> list[_Piece]:
        """Lines of a text assembled from a page, with some spans labelled in advance."""
        pieces: list[_Piece] = []
        fixed_sorted = sorted(fixed)
        fi = 0
        pos = 0
        prev_end = 0
        while pos < len(text):
            if fi < len(fixed_sorted) and fixed_sorted[fi][0] <= pos:
                s, e, kind, spk = fixed_sorted[fi]
                fi += 1
                s2, e2 = _strip_span(text, s, e)
                if e2 > s2:
                    gap = _count_newlines(text, prev_end, s2) if pieces else 0
                    pieces.append(_Piece(s2, e2, gap, kind=kind, speaker=spk, fixed=True))
                    prev_end = e2
                pos = max(pos, e)
                continue
            nxt = fixed_sorted[fi][0] if fi < len(fixed_sorted) else len(text)
            for m in R.LINE_RE.finditer(text, pos, nxt):
                s, e = _strip_span(text, m.start(), m.end())
                if e > s:
                    gap = _count_newlines(text, prev_end, s) if pieces else 0
                    pieces.append(_Piece(s, e, gap))
                    prev_end = e
            pos = nxt
        return pieces

    # ---------------------------------------------------------------- 2. line signals

    def _classify(self, text: str, pieces: list[_Piece]) -> None:
        out: list[_Piece] = []
        for p in pieces:
            if p.fixed:
                out.append(p)
                continue
            if text[p.start] == "#":
                m = R.LEAD_MARKER_RE.match(text, p.start, p.end)
                if m and m.end() < p.end:
                    out.append(_Piece(p.start, m.end(), p.gap, kind="boilerplate"))
                    p = _Piece(_strip_span(text, m.end(), p.end)[0], p.end, 0)
            line = text[p.start : p.end]
            labelled: list[_Piece] = []
            if "(@" in line or "osted by" in line:
                split = _split_signatures(text, p)
                if split is not None:
                    for q in split:
                        if q.kind is None:
                            labelled.extend(self._classify_line(text, q))
                        else:
                            labelled.append(q)
            if not labelled:
                labelled = self._classify_line(text, p)
            for q in labelled:
                if q.end - q.start > self.max_line_chars:
                    # a text without line breaks: cut at sentence ends, keeping the label
                    chunks = _chunk(text, q.start, q.end, self.max_line_chars // 3)
                    for k, (cs, ce) in enumerate(chunks):
                        out.append(
                            _Piece(cs, ce, q.gap if k == 0 else 0, kind=q.kind, speaker=q.speaker)
                        )
                else:
                    out.append(q)
        pieces[:] = out

    def _classify_line(self, text: str, p: _Piece) -> list[_Piece]:
        """Label one line in place; returns it (or it cut in two when prose is glued on)."""
        line = text[p.start : p.end]
        n = len(line)
        nwords = line.count(" ") + 1
        if (
            _is_url_only(line)
            or (n <= 400 and R.EMBED_MARKUP_RE.match(line))
            or ("=" in line[:22] and R.ATTR_MARKUP_RE.match(line))
        ):
            p.kind = "media_link"
            return [p]
        m = R.POST_SKIP_RE.match(line)
        if m:
            p.kind = "embedded_post"
            p.speaker = m.group("who")
            p.opens_post = True
            return [p]
        link = R.POST_LINK_RE.search(line) if R.has_any(line.lower(), R.POST_LINK_KEYS) else None
        if link and not _is_outlet_link_mention(line):
            p.kind = "embedded_post"
            p.ends_post = True
            m = R.POST_AUTHOR_FIRST_RE.match(line)
            if m:
                p.speaker = f"{m.group('name').strip()} (@{m.group('handle')})"
            if n > self.max_post_chars:
                # Prose glued to a post: the post is what follows the last prose sentence.
                last = list(R.POST_LINK_RE.finditer(line, link.start()))[-1]
                cut = _post_start(text, p.start, p.start + last.start(), 330)
                if cut > p.start:
                    a, b = _strip_span(text, p.start, cut)
                    if b > a:
                        head = _Piece(a, b, p.gap)
                        tail = _Piece(cut, p.end, 0, kind="embedded_post", ends_post=True)
                        return [head, tail]
            return [p]
        debris = _debris_kind(line, nwords)
        if (
            debris == "boilerplate"
            and not _LOWER_RE.search(line)
            and _shouting_only(text)
            and _debris_kind(line, nwords, alone=True) is None
        ):
            debris = None  # a shouted post, not a related-story link: nothing else to link
        if debris:
            p.kind = debris
            return [p]
        if n <= 400:
            m = R.POST_AUTHOR_FIRST_RE.match(line)
            if m and not R.CTA_START_RE.match(line):
                p.kind = "embedded_post"
                p.speaker = f"{m.group('name').strip()} (@{m.group('handle')})"
                return [p]
        if n <= 300 and line.count("#") >= self.min_post_hashtags:
            tags = len(R.HASHTAG_RE.findall(line))
            if (
                tags >= self.min_post_hashtags
                and tags * 7 >= nwords  # hashtag-heavy, not prose naming a hashtag or two
                and not R.POST_MENTION_RE.search(line)
                and not _QUOTE_CHAR_RE.search(line)
            ):
                p.kind = "embedded_post"
        return [p]

    # ---------------------------------------------------------------- 3. multi-line posts

    def _group_posts(self, text: str, pieces: list[_Piece]) -> list[_Piece]:
        gaps = [p.gap for p in pieces[1:] if p.gap > 0]
        sep = _typical_gap(gaps)
        out: list[_Piece] = []
        for p in pieces:
            if p.kind != "embedded_post" or p.fixed or not (p.sig or p.ends_post):
                out.append(p)
                continue
            start = p.start
            gap = p.gap
            need = p.sig_only
            total = p.end - p.start
            speaker = p.speaker
            while out:
                prev = out[-1]
                if prev.fixed or prev.sig or (prev.kind not in (None, "embedded_post")):
                    break
                if prev.opens_post and total + prev.end - prev.start <= 2 * self.max_post_chars:
                    # BBC: "Skip Twitter post by @x <first lines>" … "— Name (@x) date"
                    out.pop()
                    start, gap = prev.start, prev.gap
                    speaker = speaker or prev.speaker
                    break
                plen = prev.end - prev.start
                glued_dash = text[prev.end - 1] in "—–-" if prev.end > prev.start else False
                wide = gap > sep
                if need or glued_dash:
                    cut = prev.start
                    if prev.kind is None:  # outlet prose may be glued to the post's text
                        cut = _post_start(text, prev.start, prev.end, self.max_post_chars // 2)
                    if cut > prev.start:
                        # the post starts inside the previous line: leave its prose alone
                        prev_tail = _Piece(cut, prev.end, 0)
                        prev.end = _strip_span(text, prev.start, cut)[1]
                        start = prev_tail.start
                        gap = 0
                        total += plen
                        need = False
                        break
                elif (
                    not (
                        (wide and plen <= 300 or self._post_syntax(text, prev))
                        and total + plen <= self.max_post_chars
                    )
                    or (plen > 100 and text[prev.end - 1] == ":")  # the outlet introducing it
                    or _REPORTING_RE.search(text, prev.start, prev.end)  # '…," she tweeted.'
                ):
                    break
                out.pop()
                start = prev.start
                gap = prev.gap
                speaker = speaker or prev.speaker
                total += plen
                need = False
            if out and out[-1].kind is None and not out[-1].fixed:
                prev = out[-1]
                if _is_post_intro(text[prev.start : prev.end], text[start : start + 2]):
                    out.pop()
                    start, gap = prev.start, prev.gap
            out.append(_Piece(start, p.end, gap, kind="embedded_post", speaker=speaker, sig=p.sig))
        return out

    @staticmethod
    def _post_syntax(text: str, prev: _Piece) -> bool:
        """A line above a post, at the ordinary paragraph gap, that reads as the post's own.

        "NEW POLL: Survey of the non-group market finds …" (a post's capitals kicker) or
        "President @realDonaldTrump holds up a paper with tweets about @IlhanMN Rep." (tweet
        @-syntax, which outlet prose seldom uses), unless it talks about the post.
        """
        if prev.kind is not None or prev.end - prev.start > 280:
            return False
        line = text[prev.start : prev.end]
        if not _POST_KICKER_RE.match(line):
            m = R.MENTION_RE.search(line)
            # 'Trump disputed it: "The report on @CNN is false …"': the outlet quoting it
            if m is None or _QUOTE_ANY_RE.search(line, 0, m.start()):
                return False
        return _OUTLET_INTRO_RE.search(line) is None

    # ---------------------------------------------------------------- 4. context debris

    def _context_debris(
        self, text: str, pieces: list[_Piece], title: str = "", outlet: str = ""
    ) -> None:
        """Debris recognisable only from its neighbours (or the article's title and outlet).

        * Author bios, but only in the last lines of an article (or bulleted), never mid-text.
        * Lists of related headlines under a bare label ("READ MORE:", "Related Articles",
          "More On This..."): the short, unpunctuated lines that follow it.
        * Pull quotes: a line repeating a sentence found inside a longer paragraph.
        * Bylines: a bare name right above an affiliation line ("Special for USA TODAY").
        * Sign-offs naming a newsroom or the outlet ("Damian Grammaticas, BBC News, Beijing")
          and short lines repeating the outlet's name ("CNN Map").
        * Headlines of other stories between prose paragraphs: a capitals kicker over a
          headline ("PHILLY HQ: Joe Biden chooses …") or a long Title-Case line.
        * A caption on the first line closed by (a variant of) the article's own title.
        * A short last line ending with a colon that points at the page ("Watch … below:"):
          the intro of something not kept.
        """
        tail_from = max(0, len(pieces) - 3)
        outlet_re = _outlet_name_re(outlet)
        title_words = _content_words(title) if title else frozenset()
        first = next((k for k, q in enumerate(pieces) if not q.fixed), -1)
        in_list = False
        min_words = 1
        # Pull quotes repeat a sentence of the article on a line of their own; cheap to
        # find by counting, so only done for texts of ordinary size.
        find_pull = len(text) <= 200_000
        twice = _printed_twice(text, pieces) if find_pull else frozenset()
        for i, p in enumerate(pieces):
            if p.fixed:
                in_list = False
                continue
            line = text[p.start : p.end]
            if p.kind is not None:
                if (
                    p.kind == "boilerplate"
                    and i + 1 < len(pieces)
                    and text.startswith("By ", pieces[i + 1].start)
                    and R.KICKER_HEADLINE_RE.match(line)
                ):
                    # "Analysis: One final swoop" over "By Anthony Zurcher, BBC …": the
                    # heading of the outlet's own analysis box, not a related link
                    p.kind = None
                elif p.kind == "boilerplate":
                    if _is_bare_label(line):
                        in_list, min_words = True, 1
                    elif (
                        line[-1] not in ".!"
                        and line.count(" ") >= 8
                        and R.LIST_LEAD_RE.match(line.lstrip(_LEAD_PUNCT))
                    ):
                        # "Read more on the escalating conflict Handbags and Cameras Hit …":
                        # the label is glued to the first headline; the others follow it.
                        # Subheads are short, so only headline-length lines join this list.
                        in_list, min_words = True, 6
                continue
            if in_list:
                if _is_headline_like(line) and line.count(" ") + 1 >= min_words:
                    p.kind = "boilerplate"
                    continue
                in_list = False
            if (
                i + 1 < len(pieces)
                and pieces[i + 1].kind == "boilerplate"
                and len(line) <= 40
                and _NAME_LINE_RE.match(line)
                and (
                    R.AFFILIATION_RE.match(nxt := text[pieces[i + 1].start : pieces[i + 1].end])
                    or R.DOMAIN_ONLY_RE.match(nxt)
                )
            ):
                p.kind = "boilerplate"
                continue
            if i == first and title_words and _caption_over_title(line, title_words):
                p.kind = "caption"
                continue
            if (
                i == first
                and len(line) <= 200
                and (" and " in line or " & " in line)
                and R.NAME_LIST_RE.match(line)
            ):
                p.kind = "boilerplate"  # the byline: "Kevin Johnson and David Jackson"
                continue
            if (
                i == len(pieces) - 1
                and i != first
                and line[-1] == ":"
                and line.count(" ") < 12
                and _POINTER_RE.search(line)
            ):
                # "Watch Trump's reaction below:" closing the text: what it introduced (a
                # video, a post) was not kept
                p.kind = "boilerplate"
                continue
            if twice and line in twice:
                # the same sentence printed twice as a line of its own: a gallery caption
                # (printed over and under its image: the copies are neighbours) or a pull
                # quote set in display type away from the paragraph it repeats
                beside = any(
                    0 <= k < len(pieces) and text[pieces[k].start : pieces[k].end] == line
                    for k in (i - 1, i + 1)
                )
                p.kind = "caption" if beside else "boilerplate"
                continue
            if line[0] == "[" and _bracketed_promo(line, outlet_re):
                p.kind = "boilerplate"
                continue
            if _dated_headline(line) and any(
                0 <= k < len(pieces) and _dated_headline(text[pieces[k].start : pieces[k].end])
                for k in (i - 1, i + 1)
            ):
                # a list of dated related headlines ("Jan. 9: In extraordinary public
                # negotiation …", "Jan. 8: How Trump's wall pledge …"); a dated heading
                # followed by its paragraph ("Dec. 11: The White House meeting") is the story
                p.kind = "boilerplate"
                continue
            if len(line) <= 200:
                around = [pieces[k] for k in (i - 1, i + 1) if 0 <= k < len(pieces)]
                near_post = any(q.kind == "embedded_post" for q in around)
                # a headline between two prose paragraphs, and not this article's own
                in_prose = (
                    i != first
                    and len(around) == 2
                    and all(q.kind is None and q.end - q.start >= 120 for q in around)
                )
                if _other_story_line(line, outlet_re, near_post, in_prose, title_words):
                    p.kind = "boilerplate"
                    continue
            if len(line) > 600:
                continue
            tail = i >= tail_from
            bio = (tail or line[0] in "•*—–-") and R.BIO_RE.match(line) is not None
            if bio or (
                tail
                and outlet_re is not None
                and (_outlet_blurb(line, outlet_re) or _outlet_promo(line, outlet_re))
            ):
                # an author's bio, the outlet describing itself or addressing the reader
                p.kind = "boilerplate"
            elif len(line) > 400:
                continue
            elif (
                find_pull
                and 50 <= len(line) <= 300
                and text.count(probe := _pull_probe(_pull_body(line))) >= 2
            ):
                # the other occurrence (its first letter may differ in case: "The economy" vs
                # "Finally, the economy"; it may go on where the pull quote stops with a
                # period) must sit inside a longer paragraph
                for q in pieces:
                    longer = q is not p and q.end - q.start > len(line) + 20
                    if longer and text.find(probe, q.start, q.end) >= 0:
                        p.kind = "boilerplate"
                        break

    def _recurring_debris(self, text: str, pieces: list[_Piece], outlet: str) -> None:
        """Outlet furniture learned from the corpus (see ``recurring_min_articles``)."""
        o = _norm_line(outlet)
        body = [
            i
            for i, p in enumerate(pieces)
            if p.kind is None and not p.fixed and p.end - p.start <= RECURRING_MAX_CHARS
        ]
        hits = [
            i
            for i in body
            if _line_digest(o, text[pieces[i].start : pieces[i].end]) & 0xFFFFFFFFFFFFFFFF
            in self._recurring
        ]
        if not hits:
            return
        n_body = sum(1 for p in pieces if p.kind is None)
        if len(hits) >= 3 and 2 * len(hits) > n_body:
            return  # mostly lines seen elsewhere: a republished story, not its furniture
        first = next((k for k, p in enumerate(pieces) if not p.fixed), 0)
        outlet_re = _outlet_name_re(outlet)
        for i in hits:
            line = text[pieces[i].start : pieces[i].end]
            edge = i < first + 2 or i >= len(pieces) - 4
            if _recurring_furniture(line, edge, outlet_re):
                pieces[i].kind = "boilerplate"

    # ---------------------------------------------------------------- 5. quotations

    def _split_quotes(
        self, text: str, p: _Piece, state: _QuoteState
    ) -> list[tuple[int, int, str, str | None]]:
        line = text[p.start : p.end]
        state.next_paragraph()
        block = state.block
        state.block = None
        if line.endswith(":") and _SPEECH_VERB_END_RE.search(line[-80:]):
            # 'Trump lashed out on Twitter, saying:' introduces a block quotation
            state.block = _attribution("", line[-150:]) or ""
        if not _QUOTE_CHAR_RE.search(line):
            state.carry = None
            if block is not None and state.block is None and len(line) <= 1500:
                return [(p.start, p.end, "quote", state.resolve(block))]
            state.seen(_speech_subjects(line))
            return [(p.start, p.end, "body", None)]
        spans = _quote_spans(line)
        carry = state.carry
        state.carry = None
        out: list[tuple[int, int, str, str | None]] = []
        last_speaker: str | None = None
        cursor = 0
        for qs, qe, closed in spans:
            inner = line[qs + 1 : qe - 1 if closed else qe]
            nwords = len(R.WORD_RE.findall(inner)) if len(inner) < 400 else 100
            if nwords == 0:
                continue
            after = line[qe : qe + 120] if closed else ""
            before = line[max(cursor, qs - 150) : qs]
            state.seen(_speech_subjects(line[cursor:qs]))
            speaker = _attribution(after, before)
            attributed = speaker is not None
            if not attributed and qs == 0 and carry is not None:
                speaker, attributed = carry, True
            if not attributed and last_speaker is not None and nwords >= self.min_quote_words:
                speaker = last_speaker
            if nwords < self.min_quote_words and not attributed:
                continue
            if not attributed and nwords < 8 and _looks_like_title(inner, closed):
                continue
            speaker = state.resolve(speaker)
            if qs > cursor:
                out.append((p.start + cursor, p.start + qs, "body", None))
            out.append((p.start + qs, p.start + qe, "quote", speaker))
            cursor = qe
            last_speaker = speaker
            if not closed:
                state.carry = speaker if speaker is not None else ""
        if cursor < len(line):
            out.append((p.start + cursor, p.end, "body", None))
            state.seen(_speech_subjects(line[cursor:]))
        return _tidy_fragments(text, out)

    # ---------------------------------------------------------------- 6. languages

    def _languages(
        self,
        article: Article,
        title: str,
        text: str,
        raw: list[tuple[str, int, int, str, str | None]],
    ) -> list[str | None]:
        if not self.detect_language:
            return [None] * len(raw)
        langs: list[str | None] = []
        undecided: list[int] = []
        weight: Counter[str] = Counter()
        for i, (fld, s, e, _kind, _spk) in enumerate(raw):
            src = title if fld == "title" else text
            lang, decided = detect_language(
                src[s:e],
                min_letters=self.min_lang_letters,
                latin=_VOICE[raw[i][3]] != "page",  # debris inherits: it is never measured
            )
            langs.append(lang)
            if not decided:
                undecided.append(i)
            elif lang is not None and _VOICE[raw[i][3]] == "outlet":
                # the article's language is its own prose's, not that of what it embeds
                weight[lang] += e - s
        if undecided:
            default = article.language if isinstance(article.language, str) else None
            if not default and weight:
                default = weight.most_common(1)[0][0]
            if not default:
                joined = " ".join(
                    (title if raw[i][0] == "title" else text)[raw[i][1] : raw[i][2]]
                    for i in undecided
                )
                default, _ = detect_language(joined, min_letters=8, min_confidence=0.0)
            for i in undecided:
                langs[i] = default
        return langs


_VOICE = {
    "headline": "outlet",
    "body": "outlet",
    "quote": "quoted",
    "embedded_post": "social",
    "caption": "page",
    "boilerplate": "page",
    "media_link": "page",
}


@dataclass(slots=True)
class _QuoteState:
    """Speakers carried across paragraphs of one article."""

    carry: str | None = None  # speaker of a quotation left open at the end of a paragraph
    block: str | None = None  # speaker announced by a paragraph ending "…, saying:"
    # Named speakers seen in the previous and the current paragraph: "he"/"she" resolve to
    # the latest of them and to nothing further back (a wrong speaker is worse than none).
    prev_names: list[str] = field(default_factory=list)
    cur_names: list[str] = field(default_factory=list)

    def next_paragraph(self) -> None:
        self.prev_names = self.cur_names
        self.cur_names = []

    def seen(self, names: list[str]) -> None:
        self.cur_names.extend(names)

    def resolve(self, speaker: str | None) -> str | None:
        if speaker is None or speaker == "":
            return None
        low = speaker.lower()
        if low in _PRONOUNS_RESOLVED:
            names = self.cur_names or self.prev_names
            if not names:
                return None
            self.cur_names.append(names[-1])
            return names[-1]
        if low in ("they", "i", "we", "it"):
            return None
        if speaker[0].isupper():
            self.cur_names.append(speaker)
        return speaker


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    chars = R.STRIP_CHARS
    while s < e and text[s] in chars:
        s += 1
    while e > s and text[e - 1] in chars:
        e -= 1
    return s, e


def _count_newlines(text: str, a: int, b: int) -> int:
    if b <= a:
        return 0
    seg = text[a:b]
    n = seg.count("\n")
    if n == 0:
        n = seg.count("\r") + seg.count("\u2029") + seg.count("\u2028")
    return n


def _typical_gap(gaps: list[int]) -> int:
    if not gaps:
        return 2
    counts = Counter(gaps)
    best = max(counts.values())
    return min(g for g, c in counts.items() if c == best)


def _chunk(text: str, s: int, e: int, target: int) -> Iterable[tuple[int, int]]:
    """Cut ``text[s:e]`` into pieces of about ``target`` characters at sentence ends."""
    pos = s
    while e - pos > target * 3 // 2:
        hi = pos + target
        cut = None
        # the last sentence end in [pos + target/2, pos + target]
        for m in _SOFT_CUT_RE.finditer(text, pos + target // 2, hi):
            if m.group()[0] in ".!?…":
                cut = m.end()
        if cut is None:
            ws = text.rfind(" ", pos + target // 2, hi)
            cut = ws + 1 if ws > pos else hi
        a, b = _strip_span(text, pos, cut)
        if b > a:
            yield a, b
        pos = cut
    a, b = _strip_span(text, pos, e)
    if b > a:
        yield a, b


_ENTITY_RE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_DROPPED_TAGS = ("script", "style", "noscript", "template", "svg", "head")
# Only names HTML has count as tags: "a<b and c>d", "vector<int>", "<john@x.com>" are text
_HTML_TAGS = _BLOCK_TAGS | R.words(
    "a abbr b bdi bdo big cite code del dfn em font i ins kbd mark q s samp small span strike"
    " strong sub sup time tt u var wbr picture source video audio script style template svg"
    " button label input select option textarea iframe caption col colgroup main summary details"
)
_KNOWN_TAG_RE = re.compile(
    r"<!--|</?(?:"
    + "|".join(sorted(_HTML_TAGS, key=len, reverse=True))
    + r")(?=[\s/>])[^<>]{0,2000}>",
    re.IGNORECASE,
)
_NOT_A_TAG_RE = re.compile(
    r"<(?!!--|!doctype|/?(?:"
    + "|".join(sorted(_HTML_TAGS, key=len, reverse=True))
    + r")(?=[\s/>])[^<>]{0,2000}>)",
    re.IGNORECASE,
)
#: An attribute value whose quote is not closed before its tag ends and the next tag begins
#: (``<a href="http://x.com>today</a>``): a parser, like a browser, would read the rest of
#: the text into the attribute; the quote is closed where the tag ends instead.
_UNCLOSED_ATTRIBUTE_RE = re.compile(
    r"""(<[A-Za-z][A-Za-z0-9]*\s[^<>]*?=\s*)(["'])((?:(?!\2)[^<>])*)>(?=(?:(?!\2)[^<])*<)"""
)
_BARE_AMPERSAND_RE = re.compile(
    r"&(?!(?:[A-Za-z][A-Za-z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)"
)


def _has_tags(text: str, least: int = 2) -> bool:
    """At least ``least`` HTML tags (by name: ``<p>``, ``</a>``; stops at that many)."""
    return "<" in text and len(list(itertools.islice(_KNOWN_TAG_RE.finditer(text), least))) >= least


def looks_like_html(text: str) -> bool:
    """Markup in a text field: two HTML tags or more (``<p>...</p>``), or an HTML entity
    ending in ``;`` (``&quot;``, ``&#8217;``)."""
    return _has_tags(text) or ("&" in text and _unescape(text) != text)


def _unescape(text: str) -> str:
    """Decode the entities that end in ``;`` only: ``&reg=1`` in a URL stays as written."""
    from html.entities import html5

    def one(m: re.Match) -> str:
        name = m.group()[1:]
        known = name.startswith("#") or name in html5  # "&regulators;" is not "&reg"
        return html.unescape(m.group()) if known else m.group()

    return _ENTITY_RE.sub(one, text)


def html_to_text(text: str) -> str:
    """The text of HTML held in a text field, with paragraphs kept as blank-line breaks.

    Block elements (``p``, ``div``, ``li``, headings, ``blockquote``...) become paragraphs
    and ``br`` a line break; inline tags (``a``, ``em``, ``span``) are dropped with their
    text kept, and ``q`` keeps its quotation marks; scripts, styles and comments go
    entirely; entities are decoded. Only HTML's own tag names count as tags, so ``a<b``,
    ``vector<int>`` or ``<john@x.com>`` stay text, and a text with fewer than two tags only
    has its entities decoded. Entities must end in ``;`` (``&reg=1`` in a URL is not
    ``®=1``). Markup escaped twice (``&lt;p&gt;``) is read as markup. Embedded posts (a
    tweet's blockquote) stay paragraphs of their own, where the segmenter finds their
    signature line.
    """
    for _ in range(2):  # escaped markup decodes into markup once
        if not looks_like_html(text):
            return text
        if not _has_tags(text):
            decoded = _unescape(text)
            if decoded == text or not _has_tags(decoded):
                return decoded
            text = decoded
        text = _markup_to_text(text)
    return text


def _markup_to_text(text: str) -> str:
    import lxml.html
    from lxml import etree

    # what is not a tag or an entity is text: escape it before the parser guesses
    escaped = _BARE_AMPERSAND_RE.sub("&amp;", _NOT_A_TAG_RE.sub("&lt;", text))
    escaped = _UNCLOSED_ATTRIBUTE_RE.sub(r"\1\2\3\2>", escaped)
    try:
        root = lxml.html.fragment_fromstring(escaped, create_parent="div")
    except (etree.ParserError, ValueError):
        return _unescape(text)
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction, *_DROPPED_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = el.tag.lower()
        if name == "br":
            el.tail = "\n" + (el.tail or "")
        elif name == "q":  # an inline quotation: its marks are the markup
            el.text = "\u201c" + (el.text or "")
            if len(el):
                el[-1].tail = (el[-1].tail or "") + "\u201d"
            else:
                el.text += "\u201d"
        elif name in _BLOCK_TAGS:
            el.text = "\n\n" + (el.text or "")
            el.tail = "\n\n" + (el.tail or "")
    lines = [" ".join(line.split()) for line in root.text_content().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _soup_spans(text: str) -> list[tuple[int, int]] | None:
    """Paragraph spans of HTML soup: cut at block tags and newlines, drop script/style/comments.

    Returns None when the text does not look like markup (fewer than five tags).
    """
    tags = []
    for m in _SOUP_TAG_RE.finditer(text):
        tags.append(m)
        if len(tags) >= 5:
            break
    if len(tags) < 5:
        return None
    low = text.lower()
    cuts: list[tuple[int, int]] = []  # ranges that separate paragraphs
    pos = 0
    n = len(text)
    while pos < n:
        lt = text.find("<", pos)
        if lt < 0:
            break
        if text.startswith("<!--", lt):
            end = text.find("-->", lt + 4)
            end = n if end < 0 else end + 3
            cuts.append((lt, end))
            pos = end
            continue
        m = _SOUP_TAG_RE.match(text, lt)
        if m is None:
            pos = lt + 1
            continue
        name_m = _TAG_NAME_RE.match(m.group())
        name = name_m.group(1).lower() if name_m else ""
        end = m.end()
        if name in ("script", "style") and not m.group().startswith("</"):
            close = low.find("</" + name, end)
            end = n if close < 0 else (low.find(">", close) + 1 or n)
            cuts.append((lt, end))
        elif name in _BLOCK_TAGS:
            cuts.append((lt, end))
        pos = end
    spans: list[tuple[int, int]] = []
    prev = 0
    for a, b in cuts + [(n, n)]:
        if a > prev:
            for m in R.LINE_RE.finditer(text, prev, a):
                spans.append((m.start(), m.end()))
        prev = max(prev, b)
    return spans


#: A line pointing at something on the page: ``Watch Trump's reaction below:``.
_POINTER_RE = re.compile(r"\b(?:below|above)\b|^(?:Watch|Listen|View|See|Read|Check)\b")
_ATTRIBUTED_PULL_RE = re.compile(
    r"^([\"“][^\"“”]{40,300}[\"”])\s{0,3}[—–]{1,2}\s{0,3}[A-Z][\w.'’ -]{2,60}$"
)


def _printed_twice(text: str, pieces: list[_Piece]) -> frozenset[str]:
    """Prose-length lines (six words or more) that stand twice, whole, in one article.

    Empty when such lines make up half of the article's prose lines: that is a page scraped
    twice, whose repeated paragraphs are the story itself, not furniture around it.
    """
    lines = Counter(
        text[q.start : q.end]
        for q in pieces
        if q.kind is None and not q.fixed and 40 <= q.end - q.start <= 600
    )
    twice = {ln for ln, n in lines.items() if n >= 2 and ln.count(" ") >= 5}
    if not twice:
        return frozenset()
    for k in range(1, len(pieces)):
        line = text[pieces[k].start : pieces[k].end]
        if line in twice:
            prev = text[pieces[k - 1].start : pieces[k - 1].end]
            if prev.count(" ") < 6 and prev[-1] not in '.!?"”':
                # the opening sentence of a section under its heading ("From the Right"),
                # also printed as the story's summary: prose, not furniture
                twice.discard(line)
    if not twice:
        return frozenset()
    n_prose = sum(1 for q in pieces if q.kind is None and not q.fixed)
    if 2 * sum(lines[ln] for ln in twice) >= n_prose:
        return frozenset()
    return frozenset(twice)


def _dated_headline(line: str) -> bool:
    """``Jan. 9: In extraordinary public negotiation with Congress, …`` (a bullet allowed)."""
    line = line.lstrip(_LEAD_PUNCT + "►▪⦁")
    return line[:1].isupper() and R.DATED_HEADLINE_RE.match(line) is not None


def _bracketed_promo(line: str, outlet_re: re.Pattern[str] | None) -> bool:
    """An editorial insert in brackets that sends the reader elsewhere: ``[Watch Fox: … in the
    9 a.m. ET hour]``, ``[New at Fox News Opinion: …]``, ``[Read "…"]``. Other bracketed
    lines (an editor's note, a quoted excerpt, a delegate count) are the outlet's text."""
    if line[-1] != "]" or line.count("[") != 1:
        return False
    inner = line[1:-1].strip()
    label, sep, rest = inner.partition(":")
    if sep and len(label) <= 40 and outlet_re is not None and outlet_re.search(label):
        return True  # "[Listen to Fox: …]", "[New at Fox News Opinion: …]"
    return bool(
        _PROMO_VERB_RE.match(inner)
        or (sep and len(label) <= 60 and _PROMO_VERB_RE.match(rest.lstrip()))
    )


_PROMO_VERB_RE = re.compile(
    r"(?:Watch|Listen|Read|Click|Tune in|Sign up|Subscribe|Get (?:daily|the latest|our))\b"
)


def _pull_body(line: str) -> str:
    """A pull quote without its attribution: ``"…oncology." — Dr. Andrew Epstein``."""
    if line[-1].isalpha() and ("—" in line or "–" in line):
        m = _ATTRIBUTED_PULL_RE.match(line)
        if m:
            return m.group(1)[1:-1]  # without its quotation marks
    return line


def _pull_probe(line: str) -> str:
    return line[1:].rstrip(".!?\"”’' ")


def _is_bare_label(line: str) -> bool:
    """A related-links label with nothing after it: ``READ MORE:``, ``Related Articles``."""
    if len(line) > 40:
        return False
    m = R.LINK_LABEL_RE.match(line.lstrip(_LEAD_PUNCT))
    if m:
        return len(line.lstrip(_LEAD_PUNCT)) - m.end() < 3
    return bool(R.BARE_LABEL_RE.match(line))


_TITLE_STOP = R.words(
    "a an the and or of in on for to with at by from as is are was be it its this that his her"
    " their after over into about but not no"
)


def _content_words(text: str) -> frozenset[str]:
    return frozenset(
        w.lower().strip("'’") for w in R.WORD_RE.findall(text) if w.lower() not in _TITLE_STOP
    )


@functools.lru_cache(maxsize=4096)  # once per outlet, not per article (called twice each)
def _outlet_name_re(outlet: str) -> re.Pattern[str] | None:
    """The outlet's name as printed in its pages: ``CNN`` for "CNN (Web News)", ``BBC News``."""
    name = re.split(r"\s[(\-–—|]|\s-\s", outlet.strip(), maxsplit=1)[0].strip()
    first = name.split()[0] if name else ""
    if len(first) >= 3 and first.isupper() and first.isalpha():
        name = first  # "CNN", "BBC", "NPR": the acronym alone is how the page names itself
    elif len(name) < 4:
        return None
    return re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])")


_READER_RE = re.compile(r"\b(?i:you|your)\b")
_SPEAKER_TURN_RE = re.compile(r"^[A-Z][\w.'’ -]{1,40}:\s")


def _outlet_promo(line: str, outlet_re: re.Pattern[str]) -> bool:
    """A closing line addressing the reader about the outlet: ``… You can listen to special
    coverage from NPR on your local station or watch at NPR.org.``"""
    return (
        "you" in line.lower()
        and _READER_RE.search(line) is not None
        and line.count(" ") < 60
        and not _QUOTE_ANY_RE.search(line)
        and not _SPEAKER_TURN_RE.match(line)  # "AMY GOODMAN: … thank you for being with us"
        and not _SPEECH_VERB_ANY_RE.search(line)  # "NPR's Noguchi … noted that …"
        and outlet_re.search(line) is not None
    )


def _outlet_blurb(line: str, outlet_re: re.Pattern[str]) -> bool:
    """The outlet describing itself at the end: ``The Daily Wire, headed by …, is a leading
    provider of conservative news …``."""
    m = outlet_re.match(line)
    return m is not None and _BLURB_RE.search(line, m.end(), m.end() + 150) is not None


_BLURB_RE = re.compile(r"\b(?:is|are) (?:a|an|the)\b")


def _caption_over_title(line: str, title_words: frozenset[str]) -> bool:
    """``Patty Murray said … with Paul Ryan. Hope grows for budget deal``: a photo caption
    closed by the article's title (or a variant of it), printed above the text."""
    if len(line) > 400 or line[-1] in ".!?\"”'’)":
        return False
    ends = [m for m in _SENTENCE_END_RE.finditer(line) if line[m.start()] in ".!?"]
    if not ends:
        return False
    head = line[: ends[-1].start()]
    tail = _content_words(line[ends[-1].end() :])
    return (
        head.count(" ") >= 5  # a caption sentence, not "U.S." or "Scorecard:" in the title
        and len(tail) >= 3
        and len(tail & title_words) >= 0.6 * len(tail)
        and _overlap(head, title_words) < 0.5
    )


def _overlap(line: str, title_words: frozenset[str]) -> float:
    words_ = _content_words(line)
    return len(words_ & title_words) / len(words_) if words_ else 0.0


def _other_story_line(
    line: str,
    outlet_re: re.Pattern[str] | None,
    near_post: bool,
    in_prose: bool,
    title_words: frozenset[str],
) -> bool:
    """A short line that belongs to the page, not to the story (see ``_context_debris``)."""
    nwords = line.count(" ") + 1
    last = line.rstrip("’”'\"")[-1:] or "."
    if nwords <= 12 and "," in line:
        m = R.SIGNOFF_RE.match(line)
        if m and (
            R.NEWSROOM_RE.search(m.group("org")) or (outlet_re and outlet_re.search(m.group("org")))
        ):
            return True
    if nwords <= 4 and last not in '.!?:;,"”' and outlet_re and outlet_re.search(line):
        return True
    if near_post or last in ".!?,;:":
        return False
    if 5 <= nwords <= 25 and ":" in line[:32] and R.CAPS_KICKER_RE.match(line):
        # not a transcript ("TODD: Right. I mean, that's --") nor "EU: 'Obligation to act'"
        kicker, rest = line.split(":", 1)
        return (
            sum(c.isalpha() for c in kicker) >= 4
            and last not in "-—–"
            and not _PROSE_SENTENCE_RE.search(rest)
            and not line.isupper()
        )
    if (
        in_prose
        and 8 <= nwords <= 20
        and line[0].isalpha()  # not '"Quoted" Subhead'
        and line.count(",") <= 1  # not a list of names or places
        and not line.isupper()
    ):
        words_ = [w for w in line.split() if w[:1].isalpha()]
        caps = [w[:1].isupper() for w in words_]
        long_caps = all(w[:1].isupper() for w in words_ if len(w) >= 4)
        return (
            long_caps
            and sum(caps) >= 0.8 * len(caps)
            and not (title_words and _overlap(line, title_words) >= 0.5)  # its own title
        )
    return False


def _is_headline_like(line: str) -> bool:
    """Short, starts with a capital (after a list dash or bullet), no sentence punctuation
    at the end, no quotation."""
    line = line.lstrip(_LEAD_PUNCT) or line
    if len(line) > 160 or line.count(" ") > 16 or not line[0].isupper():
        return False
    return line[-1] not in ".,;:" and not _QUOTE_CHAR_RE.match(line)


def _is_credit_list(line: str) -> bool:
    """A credit line, not prose that opens with "Reporting by CNN …".

    Short lines are credits; longer ones must be Reuters-style ``(…; Editing by …)`` or a
    run of "X by Name." sentences ("Produced by … Shot by … Music by …").
    """
    if line[0] == "(" or ";" in line:
        return True
    parts = [x for x in _CREDIT_SPLIT_RE.split(line) if x]
    if len(parts) >= 2 and all(" by " in x[:40] for x in parts):
        return True
    return line.count(" ") < 12 and not _PROSE_SENTENCE_RE.search(line)


def _is_url_only(line: str) -> bool:
    if len(line) > 2100 or line.count(" ") > 4 or ("/" not in line and "www." not in line):
        return False
    rest, n = R.URL_RE.subn("", line)
    return n > 0 and not R.LETTER_RE.search(rest) and len(rest.strip(" \t()[]<>|,;:-–—·•\"'")) <= 2


def _is_outlet_link_mention(line: str) -> bool:
    """A long prose paragraph that merely contains a t.co link (the outlet citing a post)."""
    return len(line) > 700 and R.POST_SIG_ANCHOR_RE.search(line) is None


_LOWER_RE = re.compile(r"[a-z]")


@functools.lru_cache(maxsize=8)
def _shouting_only(text: str) -> bool:
    """The whole text is in capitals (links aside): a shouted post or sentence, where a
    line in capitals cannot be a related-story link between paragraphs of prose.

    Cached: every line in capitals of a text asks (an article of 5 MB has thousands of
    "ADVERTISEMENT" lines), and a string's hash is computed once, so a hit is cheap."""
    first = _LOWER_RE.search(text)
    if first is None:
        return True
    if R.URL_RE.search(text) is None:  # no link: any lower-case letter is prose
        return False
    return _LOWER_RE.search(R.URL_RE.sub("", text)) is None


def _debris_kind(line: str, nwords: int, *, alone: bool = False) -> str | None:
    """Page-debris kind of a whole line (``caption``/``boilerplate``/``media_link``) or None.

    ``alone``: the text has no prose around the line (a shouted tweet, one line or several,
    links aside), so shouting in capitals is content, not a related-story link between
    paragraphs.
    """
    if " mi" in line[-300:] and R.MAP_SCALE_RE.search(line[-300:]):
        return "caption"  # a map's legend and place names flattened into a line
    if line[0] == "T" and R.TICKER_WIDGET_RE.match(line):
        return "boilerplate"  # a stock-quote table: "Ticker Security Last Change Change % …"
    if nwords > 120:
        # photo galleries flattened into one long line ("Hide Caption 3 of 14 Photos: …")
        head = line[:3000].lower()
        if "caption" in head and (head.count("caption") >= 2 or _GALLERY_RE.search(head)):
            return "caption"
        return None
    if not R.LETTER_RE.search(line):
        if nwords == 1 and R.NUMERIC_DATE_RE.match(line):
            return "boilerplate"  # a page's date stamp ("8/13/2018")
        # separators and emoji are debris; a bare number ("“11”", "23.6") is content
        return None if any(ch.isdigit() for ch in line) else "boilerplate"
    if nwords > 60 and "expressed in this" in line and R.DISCLAIMER_RE.search(line):
        return "boilerplate"  # CNN glues the op-ed disclaimer to the author's bio
    if nwords > 60 and R.has_any(line.lower(), R.LONG_PROMO_KEYS) and R.LONG_PROMO_RE.search(line):
        return "boilerplate"
    if line[0] in "[#" and (R.CMS_TOKEN_RE.match(line) or R.SHORTCODE_PAIR_RE.match(line)):
        return "boilerplate"
    if len(line) > 1500:  # debris is short; also keeps every pattern below off huge lines
        return None
    if (line[0] in "•·*⦁▪►" or line[:2] == "- ") and len(line) > 2:
        # a bulleted credit or label is judged like the same line without its bullet
        return _debris_kind(line[1:].lstrip(), nwords, alone=alone)
    low = line.lower()
    if R.has_any(low, R.CAPTION_MARK_KEYS) and R.CAPTION_MARK_RE.search(line):
        return "caption"
    if (
        nwords <= 60
        and ")" in line
        and R.PHOTO_POSITION_RE.search(line)
        and not _QUOTE_ANY_RE.search(line)
    ):
        return "caption"  # "Cruz (left) and then-Texas Governor Rick Perry stand together …"
    if line[0] in "ABCFIPVW" and R.CAPTION_START_RE.match(line):
        return "caption"
    if nwords <= 80 and ")" in line[-10:] and R.CREDIT_TAIL_RE.search(line):
        return "caption"
    if ")" in line[-10:] and R.PHOTO_BY_TAIL_RE.search(line[-150:]):
        return "caption"
    if "/" in line[:90] and R.CREDIT_START_RE.match(line):
        return "caption"
    if nwords <= 80 and "|" in line and R.CREDIT_MID_RE.search(line):
        return "caption"
    if (
        nwords <= 80
        and R.CREDIT_END_HINT_RE.search(tail := line[-80:])
        and R.CREDIT_END_RE.search(tail)
    ):
        return "caption"
    if nwords <= 8 and (
        R.CAPTION_LINE_RE.match(line.lstrip("«‹ ")) or R.CREDIT_ONLY_RE.match(line)
    ):
        return "caption"
    if nwords <= 6 and R.EMBED_CREDIT_RE.match(line):
        return "caption"
    if nwords <= 20 and line[-1] == ")" and R.ARTWORK_CREDIT_RE.match(line):
        return "caption"
    if nwords > 60:
        return None
    if nwords <= 8 and R.AD_LINE_RE.match(line):
        return "boilerplate"
    if line[0] in '“"' and line[1:3].strip() in ("”", '"') and nwords >= 6:
        return "boilerplate"  # a pull quote whose quotation marks were emptied: "“ ” How can …"
    if line[:2] == "“ " and line[-2:] == " ”" and nwords >= 6:
        return "boilerplate"  # a pull quote set in display type: "“ Rather than freaking out … ”"
    if "Listen" in line and R.PLAYER_DURATION_RE.search(line):
        return "boilerplate"  # an audio player: "… Listen · 4:07 4:07"
    if nwords <= 40 and "hanks to" in line[:20] and R.THANKS_RE.match(line):
        return "boilerplate"
    if nwords <= 25 and line[0] == "(" and R.PAREN_CREDIT_RE.match(line):
        return "caption"
    if nwords <= 12 and " — " in line and "/" in line and R.AGENCY_DASH_CREDIT_RE.match(line):
        return "caption"
    if nwords <= 15 and line[-1] == ":" and R.COVERAGE_LABEL_RE.match(line):
        return "boilerplate"
    if nwords <= 15 and "Podcast:" in line and R.PODCAST_LABEL_RE.match(line):
        return "boilerplate"
    if R.has_any(low, R.LEGAL_KEYS) and R.LEGAL_RE.search(line):
        return "boilerplate"
    if nwords <= 40 and " by" in low[:40] and R.CREDIT_BY_RE.match(line) and _is_credit_list(line):
        return "boilerplate"
    if nwords <= 4 and ":" in line[:22] and R.LABEL_URL_RE.match(line):
        return "boilerplate"
    if R.has_any(low, R.CTA_ANY_KEYS) and R.CTA_ANY_RE.search(line):
        return "boilerplate"
    if ("your " in low or "stories" in low) and R.SOLICIT_RE.search(line):
        return "boilerplate"
    if nwords <= 12 and R.has_any(low, R.AD_ANY_KEYS):
        return "boilerplate"
    bare = line.lstrip(_LEAD_PUNCT)
    if nwords <= 40 and R.LINK_LABEL_RE.match(bare):
        return "boilerplate"
    if nwords <= 25:
        m = R.CTA_START_RE.match(bare)
        if m and (
            R.PAGE_NOUN_RE.search(bare, m.end())
            # "Click play to watch …": only page controls are clicked or tapped
            or (nwords <= 15 and R.CLICK_RE.match(bare) is not None)
        ):
            return "boilerplate"
    if nwords <= 12 and (R.NAV_RE.match(bare) or R.HAT_TIP_RE.match(line)):
        return "boilerplate"
    if nwords <= 30 and ":" in line[:60] and R.GLUED_LABEL_RE.match(line):
        return "boilerplate"
    if nwords <= 20 and line[-1] not in "." and R.LABEL_HEADLINE_RE.match(line):
        return "boilerplate"
    if nwords <= 16 and line[-1] not in ".,;:" and R.KICKER_HEADLINE_RE.match(line):
        return "boilerplate"
    if nwords <= 25 and line[0] == "(" and R.PAREN_LINK_RE.match(line):
        return "boilerplate"
    if (
        nwords <= 45
        and sum(name in low for name in R.SOCIAL_PLATFORMS) >= 2
        and not _QUOTE_ANY_RE.search(line)  # someone quoted talking about social media
        and R.SOCIAL_CTA_RE.search(line)
        and R.PLATFORM_PREP_RE.search(line)
    ):
        return "boilerplate"
    if nwords <= 12 and (R.AFFILIATION_RE.match(line) or R.BARE_LABEL_RE.match(line)):
        return "boilerplate"
    if nwords <= 12:
        tokens = low.replace(":", " ").replace("|", " ").split()
        if tokens and all(t.strip(".,!?-–—•") in R.SHARE_TOKENS for t in tokens):
            return "boilerplate"
        if R.TIMESTAMP_RE.match(line) and any(ch.isdigit() for ch in line):
            return "boilerplate"
        if nwords == 1 and R.DOMAIN_ONLY_RE.match(line):
            return "boilerplate"
        if R.FOLLOW_HANDLE_RE.match(line):
            return "boilerplate"
        if R.BYLINE_RE.match(line):
            return "boilerplate"
    if nwords <= 30 and "@" in line and R.EMAIL_RE.search(line):
        return "boilerplate"
    if (
        not alone
        and 6 <= nwords <= 30
        and not any(c.islower() for c in line)
        and R.LETTER_RE.search(line)
        and not line[0].isdigit()  # "1. RAND – MAN IN THE MIDDLE": a numbered subheading
        and line[-1] != "?"
    ):
        # Fox News prints its related-story links in capitals between paragraphs
        return "boilerplate"
    return None


def _hover_cards(text: str) -> list[tuple[int, int]]:
    """Spans of the scraped hover cards in a text (``R.HOVER_CARD_RE``), in order."""
    if " MORE" not in text:
        return []
    return [m.span("card") for m in R.HOVER_CARD_RE.finditer(text)]


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span blanked out (spaces, so every offset stays valid)."""
    parts, pos = [], 0
    for s, e in spans:
        parts += [text[pos:s], " " * (e - s)]
        pos = e
    return "".join(parts) + text[pos:]


def _cut_spans(
    raw: list[tuple[str, int, int, str, str | None]],
    text: str,
    spans: list[tuple[int, int]],
    kind: str,
) -> list[tuple[str, int, int, str, str | None]]:
    """``raw`` segments of the text with ``spans`` cut out of them as segments of ``kind``;
    what is left of a segment on either side keeps its kind and speaker."""
    out: list[tuple[str, int, int, str, str | None]] = []
    for fld, s, e, k, spk in raw:
        inside = [(a, b) for a, b in spans if fld == "text" and a < e and b > s]
        pos = s
        for a, b in inside:
            x, y = _strip_span(text, pos, max(pos, a))
            if y > x:
                out.append((fld, x, y, k, spk))
            if max(a, pos) < min(b, e):
                out.append((fld, max(a, pos), min(b, e), kind, None))
            pos = max(pos, b)
        x, y = _strip_span(text, pos, e)
        if y > x:
            out.append((fld, x, y, k, spk))
    return out


def _split_signatures(text: str, p: _Piece) -> list[_Piece] | None:
    """Cut a line at each post signature in it; None when it has none.

    The pieces ending in a signature are posts (``sig=True``); a signature with hardly any
    text before it on its line is ``sig_only``: its post is the line above.
    """
    line = text[p.start : p.end]
    sigs: list[tuple[int, int, str | None]] = []
    prev_end = 0
    for m in R.POST_SIG_ANCHOR_RE.finditer(line):
        a = m.start()
        s, name = _sig_start(line, prev_end, a)
        handle = m.group("handle")
        speaker = f"{name} (@{handle})" if name else f"@{handle}"
        sigs.append((s, m.end(), speaker))
        prev_end = m.end()
    if "osted by" in line:
        for m in R.FB_SIG_RE.finditer(line):
            if any(s <= m.start() < e for s, e, _ in sigs):
                continue
            sigs.append((m.start(), m.end(), m.group("name").strip()))
        sigs.sort()
    if not sigs:
        return None
    out: list[_Piece] = []
    cursor = 0
    gap = p.gap
    for s, e, speaker in sigs:
        body = line[cursor:s]
        letters = len(R.LETTER_RE.findall(body[:200])) if len(body) < 200 else 200
        if letters < 3:
            # only the signature: the post's text is the line before
            start = p.start + cursor
            start, _ = _strip_span(text, start, p.start + e)
            out.append(
                _Piece(
                    start,
                    p.start + e,
                    gap,
                    kind="embedded_post",
                    speaker=speaker,
                    sig=True,
                    sig_only=True,
                )
            )
        else:
            cut = _post_start(text, p.start + cursor, p.start + s, 330)
            if cut > p.start + cursor:
                a, b = _strip_span(text, p.start + cursor, cut)
                if b > a:
                    out.append(_Piece(a, b, gap))
                    gap = 0
            a, _ = _strip_span(text, cut, p.start + e)
            out.append(_Piece(a, p.start + e, gap, kind="embedded_post", speaker=speaker, sig=True))
        gap = 0
        cursor = e
    a, b = _strip_span(text, p.start + cursor, p.end)
    if b > a:
        out.append(_Piece(a, b, 0))
    return out


def _sig_start(line: str, lo: int, anchor: int) -> tuple[int, str | None]:
    """Where the signature ending at ``anchor`` (its ``(@``) begins, and the author's name."""
    wlo = max(lo, anchor - 100)
    window = line[wlo:anchor]
    leads = list(R.SIG_LEAD_RE.finditer(window))
    lead = leads[-1] if leads else None
    if lead is not None:
        name = window[lead.end() :].strip(" \t\u00a0,")
        return wlo + lead.start(), (name or None)
    head = line[lo:anchor].strip()
    if anchor - lo <= 100 and len(head.split()) <= 6 and not any(c in head for c in ".!?:"):
        return lo, (head or None)
    words = window.split()
    name_words: list[str] = []
    for w in reversed(words):
        if len(name_words) >= 5 or not (w[:1].isupper() or w[:1].isdigit()):
            break
        name_words.append(w)
    name = " ".join(reversed(name_words))
    if not name:
        return anchor, None
    return wlo + window.rfind(name_words[-1]), name


def _post_start(text: str, lo: int, hi: int, limit: int) -> int:
    """Where a post that ends at ``hi`` begins within ``text[lo:hi]``.

    Scraped pages sometimes glue an outlet sentence to the embedded post that follows it.
    If the stretch is short it is all post; otherwise the post begins after the last
    sentence that introduces it (ends with ":" or talks about a tweet), or failing that at
    the first sentence end that leaves at most ``limit`` characters.
    """
    if hi - lo <= limit:
        # short: all post, unless an outlet sentence announcing it is glued on in front
        if _POST_KICKER_RE.match(text, lo):
            return lo  # "JUST IN: … jobs: CBO https://t.co/…": the post's own kicker
        best = lo
        sent_start = lo
        for m in _SENTENCE_END_RE.finditer(text, lo, hi):
            sentence = text[sent_start : m.start() + 1]
            sent_start = m.end()
            if hi - m.end() >= 10 and _is_glued_intro(sentence):
                best = m.end()
        return best
    best_intro = None
    first_fit = None
    sent_start = lo
    for m in _SENTENCE_END_RE.finditer(text, lo, hi):
        b = m.end()
        sentence = text[sent_start : m.start() + 1]
        sent_start = b
        if hi - b > limit + 100:
            continue
        if _is_intro(sentence) or R.POST_MENTION_RE.search(sentence):
            best_intro = b
        if first_fit is None and hi - b <= limit:
            first_fit = b
    if best_intro is not None:
        return best_intro
    if first_fit is not None:
        return first_fit
    return lo


def _is_post_intro(line: str, post_head: str) -> bool:
    """The post's own first line, ending in a colon, flattened onto a line of its own.

    Reporters' tweets read "Trump on why he picked Easter: "Easter is a very special day
    …"" or "To @X's question, @ewarren continued: "…"". The line counts as the post's when it
    ends with ":" and either uses tweet syntax (@mention, #hashtag) or introduces a
    quotation that opens the post, and is neither a bare name label ("Lanny Davis:") nor an
    outlet sentence about the post ("Trump tweeted:", "Here's Pelosi:").
    """
    if len(line) > 280 or not line.endswith(":"):
        return False
    if R.MENTION_RE.search(line) or R.HASHTAG_RE.search(line):
        return _OUTLET_INTRO_RE.search(line) is None
    if not post_head or post_head[0] not in '“"':
        return False
    words = line[:-1].split()
    if len(words) <= 5 and all(w[:1].isupper() or w[:1] in "@#." for w in words):
        return False  # a speaker label
    return _OUTLET_INTRO_RE.search(line) is None


def _is_glued_intro(sentence: str) -> bool:
    """An outlet sentence glued in front of a short post ("Trump tweeted:", "In a tweet, …").

    A sentence of the post itself may end in a colon too ("It doesn't:", "President Trump:",
    "… responds to @realdonaldtrump's tweets:"): tweet syntax (@mention, #hashtag) marks it
    as the post's, and a colon sentence must talk about the post to be the outlet's.
    """
    if "@" in sentence and R.MENTION_RE.search(sentence) or R.HASHTAG_RE.search(sentence):
        return False
    if sentence.endswith(":"):
        return _is_intro(sentence) and _OUTLET_INTRO_RE.search(sentence) is not None
    return _TWEET_WORD_RE.search(sentence) is not None


def _is_intro(sentence: str) -> bool:
    """An outlet sentence announcing what follows ("Christie discussing Pence on MSNBC:").

    Not a post's own label: "BREAKING:", "THREAD:" are capitals, "… re:" and "h/t:" are
    abbreviations inside the post.
    """
    if not sentence.endswith(":") or not any(c.islower() for c in sentence):
        return False
    if _POST_KICKER_RE.match(sentence):
        return False
    words = sentence[:-1].split()
    return bool(words) and words[-1].lower() not in _POST_LABEL_WORDS


def _quote_spans(line: str) -> list[tuple[int, int, bool]]:
    """Quotation spans (start, end including marks, closed?) in one line, left to right.

    Curly marks say which way they face. A straight ``"`` is read from its neighbours: after
    a space and before a letter it opens, after a letter or punctuation and before a space it
    closes (so sloppy mixes like ``“I’m not interested," Trump said`` pair up); otherwise it
    toggles.
    """
    spans: list[tuple[int, int, bool]] = []
    open_at = -1
    seen = False
    n = len(line)
    for m in _QUOTE_CHAR_RE.finditer(line):
        ch = m.group()
        i = m.start()
        if ch == '"':
            before = line[i - 1] if i > 0 else " "
            after = line[i + 1] if i + 1 < n else " "
            opens = (before.isspace() or before in "([{—–-/") and not after.isspace()
            closes = not before.isspace() and (after.isspace() or after in ".,;:!?)]}—–-")
            if opens == closes:  # both or neither: toggle
                opens, closes = open_at < 0, open_at >= 0
        else:
            opens, closes = ch in _OPENERS, ch in _CLOSERS
        if open_at < 0:
            if opens:
                open_at = i
            elif closes and not spans and i > 0 and not seen:
                # the quotation opened in an earlier paragraph ("It’s insulting,” said …)
                spans.append((0, i + 1, True))
            seen = True
        elif closes:
            spans.append((open_at, i + 1, True))
            open_at = -1
    if open_at >= 0:
        spans.append((open_at, n, False))
    return spans


def _attribution(after: str, before: str) -> str | None:
    m = _ATTR_AFTER_RE.match(after) if after else None
    if m:
        return _clean_speaker(m.group("n1") or m.group("n2") or m.group("n3"))
    if not before:
        return None
    # only the clause right before the quotation
    cut = max(before.rfind(". "), before.rfind("? "), before.rfind("! "))
    clause = before[cut + 2 :] if cut >= 0 else before
    clause = clause[-110:]
    if not clause.strip():
        return None
    m = _ATTR_BEFORE_RE.search(clause)
    if m:
        return _clean_speaker(m.group("n1") or m.group("n2"))
    return None


def _looks_like_title(inner: str, closed: bool) -> bool:
    """``"Sex and the City"``: Title Case without sentence punctuation is a name, not speech."""
    words = inner.split()
    if not words or inner.rstrip()[-1:] in ".,!?;:":
        return False
    caps = 0
    for w in words:
        if w[:1].isupper() or w[:1].isdigit():
            caps += 1
        elif w.lower() not in _TITLE_SMALL_WORDS:
            return False
    return caps >= 1


def _tidy_fragments(
    text: str, frags: list[tuple[int, int, str, str | None]]
) -> list[tuple[int, int, str, str | None]]:
    """Strip fragment edges; fold letterless leftovers ("," between quotes) into a neighbour."""
    out: list[list[Any]] = []
    pending_start: int | None = None
    for s, e, kind, spk in frags:
        s2, e2 = _strip_span(text, s, e)
        if e2 <= s2:
            continue
        if kind == "body" and R.LETTER_RE.search(text, s2, e2) is None:
            if out:
                out[-1][1] = e2
            elif pending_start is None:
                pending_start = s2
            continue
        if pending_start is not None:
            s2 = pending_start
            pending_start = None
        out.append([s2, e2, kind, spk])
    if pending_start is not None and not out:
        return [(pending_start, frags[-1][1], "body", None)]
    return [(a, b, k, sp) for a, b, k, sp in out]


# --------------------------------------------------------------------------------------
# Convenience functions
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# Corpus signal: lines recurring across an outlet's articles
# --------------------------------------------------------------------------------------

_RECURRING_VERSION = "r1"
#: Lines longer than this are never counted (prose paragraphs; boilerplate is shorter).
RECURRING_MAX_CHARS = 700


def _norm_line(line: str) -> str:
    """Case, spacing and leading bullets do not matter (``• Jane Doe is …`` = ``Jane Doe is …``)."""
    return " ".join(line.lstrip(_LEAD_PUNCT + "•·").split()).casefold()


def _line_digest(outlet_norm: str, line: str) -> int:
    data = (outlet_norm + "\x1f" + _norm_line(line)).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "little")


def _text_lines(text: str) -> Iterable[str]:
    """The non-blank lines of a text exactly as :meth:`Segmenter._split` cuts it."""
    spans = _soup_spans(text) if text.count("<") >= 5 else None
    if spans is None:
        spans = [(m.start(), m.end()) for m in R.LINE_RE.finditer(text)]
    for s0, e0 in spans:
        s, e = _strip_span(text, s0, e0)
        if e > s:
            yield text[s:e]


class RecurringLineCounter:
    """Count, per outlet, in how many distinct articles each short line occurs.

    Streaming and memory-bounded, for corpora of millions of articles: a line's first
    occurrence only sets bits in a fixed Bloom filter (``bloom_bits`` bits, 32 MB by
    default); only lines seen again get an exact counter, and when more than
    ``max_entries`` lines have counters the lowest counts are dropped (first the
    count-2 lines, and so on) until half remain. A Bloom false positive can count a line
    once too often (rare: ~1e-6 per line for 1M distinct lines); dropping can only
    undercount. Deterministic for a given order of articles; the order is the corpus
    order, whatever the chunking.
    """

    def __init__(
        self,
        max_chars: int = RECURRING_MAX_CHARS,
        max_entries: int = 2_000_000,
        bloom_bits: int = 1 << 28,
    ) -> None:
        self.max_chars = max_chars
        self.max_entries = max(16, int(max_entries))
        self._mask = (1 << max(10, int(bloom_bits).bit_length() - 1)) - 1
        self._bloom = bytearray((self._mask + 1) >> 3)
        self.counts: dict[int, int] = {}
        self.articles = 0

    def add(self, outlet: str, text: str) -> None:
        """Count the distinct short lines of one article."""
        self.articles += 1
        if not text:
            return
        o = _norm_line(outlet or "")
        digests = {_line_digest(o, ln) for ln in _text_lines(text) if len(ln) <= self.max_chars}
        bloom, mask, counts = self._bloom, self._mask, self.counts
        for d in sorted(digests):
            key = d & 0xFFFFFFFFFFFFFFFF
            hi = d >> 64
            seen = True
            for pos in (hi & mask, (hi >> 32) & mask, (key >> 20) & mask):
                byte, bit = pos >> 3, 1 << (pos & 7)
                if not bloom[byte] & bit:
                    seen = False
                    bloom[byte] |= bit
            if seen:
                counts[key] = counts.get(key, 1) + 1
        if len(counts) > self.max_entries:
            floor = 2
            while len(counts) > self.max_entries // 2:
                counts = {k: v for k, v in counts.items() if v > floor}
                floor += 1
            self.counts = counts

    def recurring(self, min_articles: int) -> list[int]:
        """Sorted keys of the lines seen in at least ``min_articles`` articles."""
        k = max(2, int(min_articles))
        return sorted(key for key, c in self.counts.items() if c >= k)


#: Reported statements recur as stock prose ("… did not respond to a request for comment.",
#: "X has denied any wrongdoing."): never furniture.
_STOCK_PROSE_RE = re.compile(
    r"\b(?:said|says|told|tells|declined|denied|denies|responded|respond|insisted|argued"
    r"|claimed|according to|for comment)\b",
    re.IGNORECASE,
)
_SPEECH_VERB_ANY_RE = re.compile(r"\b" + _SPEECH_VERB + r"\b", re.IGNORECASE)
_FURNITURE_CUE_RE = re.compile(
    r"\b(?i:you|your|we|our|we['’](?:re|ve|d|ll))\b|\bus\b|\b(?i:is|are) (?:a|an|the)\b"
    r"|://|\bwww\.|@\w"
)
_LABEL_SHAPE_RE = re.compile(r"[:|]\s*$|://|\bwww\.|@\w|\S: \S[^.!?…]*$|\s\|\s")


def _recurring_furniture(line: str, edge: bool, outlet_re: re.Pattern[str] | None = None) -> bool:
    """Whether a line recurring across an outlet's articles is page furniture.

    Never: questions (subheads such as "What happens next?"), quotations, reported
    statements, one- or two-word utterances of transcripts ("Yeah.", "Right."). In the
    first two or last four lines anything else is (bylines, taglines, newsletter and
    promo lines, disclaimers) -- but a long line (12+ words) only when it addresses the
    reader or speaks for the outlet (you/your, we/our/us, "is a …", the outlet's name, a URL
    or @handle): long recurring prose without that is the outlet reusing its own sentences
    ("The chief actuary of the Social Security Administration … estimates that …"). In
    between only label and link shapes are furniture (a line ending with ``:``, ``What to
    do if you have symptoms: Coronavirus symptoms``, a URL or @handle): a recurring short
    unpunctuated line there is a subhead or a speaker label.
    """
    s = line.strip()
    if not s or s[-1] == "?" or s[0] in "\"“”‘'«„" or sum(c.isalpha() for c in s) < 2:
        return False
    if s.count(" ") < 2 and s[-1] in ".!":
        return False
    if _STOCK_PROSE_RE.search(s) or (s[-1] == ":" and _SPEECH_VERB_ANY_RE.search(s)):
        return False  # reported speech, or its intro ("The BBC reports:", "She added:")
    if _LABEL_SHAPE_RE.search(s):
        return True
    if not edge:
        return False
    return (
        s.count(" ") < 11
        or _FURNITURE_CUE_RE.search(s) is not None
        or (outlet_re is not None and outlet_re.search(s) is not None)
    )


def encode_recurring(keys: Iterable[int]) -> str:
    """A table of line keys as one short string (sorted 8-byte keys, base64)."""
    raw = b"".join(k.to_bytes(8, "little") for k in sorted(set(keys)))
    return f"{_RECURRING_VERSION}:{base64.b64encode(raw).decode('ascii')}"


def decode_recurring(state: str) -> frozenset[int]:
    version, _, payload = str(state).partition(":")
    if version != _RECURRING_VERSION:
        raise ValueError(f"recurring_lines: unknown table format {version!r}")
    raw = base64.b64decode(payload.encode("ascii"))
    return frozenset(int.from_bytes(raw[i : i + 8], "little") for i in range(0, len(raw), 8))


def fit_segment_config(cfg: Any, make_chunks: Any) -> Any:
    """The pipeline's first pass: a copy of ``cfg`` whose segmenter carries its fitted table.

    ``make_chunks()`` must stream the same articles, in the same order, as the run. Returns
    ``cfg`` itself when there is no :class:`Segmenter`, the signal is off, or the table is
    already given; otherwise a copy with ``segment.recurring_lines`` set, so that the stage
    hash changes with the table and every worker builds the same segmenter.
    """
    seg_cfg = cfg.get("segment") if cfg is not None else None
    if not seg_cfg or seg_cfg.get("_target_") != f"{__name__}.Segmenter":
        return cfg
    if seg_cfg.get("recurring_lines") is not None:
        return cfg
    k = seg_cfg.get("recurring_min_articles", 3)
    if not k:
        return cfg
    seg = Segmenter(detect_language=False, recurring_min_articles=int(k)).fit(make_chunks())
    import copy

    from omegaconf import DictConfig, open_dict

    run = copy.deepcopy(cfg)
    if isinstance(run, DictConfig):
        with open_dict(run):
            run.segment.recurring_lines = seg.recurring_state()
    else:
        run["segment"]["recurring_lines"] = seg.recurring_state()
    return run


def segment_article(article: Article, **kw: Any) -> list[Segment]:
    """Segment one article with a :class:`Segmenter` built from ``kw``."""
    return Segmenter(**kw).segment(article)


def render_segments(article: Article, segments: list[Segment], fmt: str = "text") -> str:
    """Show segments for checking by eye (``fmt="text"``) or as JSON (``fmt="json"``).

    Parameters
    ----------
    article : Article
        The article the segments came from (for the header and the uncovered gaps).
    segments : list of Segment
        As returned by :meth:`Segmenter.segment`.
    fmt : {"text", "json"}
        ``text``: one block per segment, ``[position] kind/voice lang speaker`` over the
        segment's text (indented, line breaks kept). ``json``: a list of objects with
        position, kind, voice, field, start, end, lang, speaker, text.

    Returns
    -------
    str
    """
    if fmt == "json":
        return json.dumps(
            [
                {
                    "position": s.position,
                    "kind": s.kind,
                    "voice": s.voice,
                    "field": s.field,
                    "start": s.start,
                    "end": s.end,
                    "lang": s.lang,
                    "speaker": s.speaker,
                    "text": s.text,
                }
                for s in segments
            ],
            ensure_ascii=False,
            indent=1,
        )
    if fmt != "text":
        raise ValueError(f"fmt must be 'text' or 'json', not {fmt!r}")
    lines = [f"=== {article.id} | {article.outlet} | {len(segments)} segments ==="]
    for s in segments:
        tag = f"[{s.position}] {s.kind}/{s.voice} lang={s.lang or '-'}"
        if s.speaker:
            tag += f" speaker={s.speaker}"
        tag += f" {s.field}[{s.start}:{s.end}]"
        lines.append(tag)
        for ln in s.text.splitlines() or [""]:
            if ln.strip():
                lines.append("    | " + ln)
    return "\n".join(lines) + "\n"


def segment_html(
    html: str | bytes,
    article_id: str = "",
    outlet: str = "",
    *,
    segmenter: Segmenter | None = None,
    url: str | None = None,
) -> tuple[Article, list[Segment]]:
    """Segment a saved HTML page using its structure.

    Tweet and Instagram embeds (``blockquote.twitter-tweet``, ``blockquote.instagram-media``)
    and figure captions are read from the DOM with lxml and replaced by placeholders; the
    main text is extracted by trafilatura (boilerplate such as navigation and footers is
    dropped there); the placeholders are then put back as labelled paragraphs. The
    article's ``text`` is the extracted paragraphs joined by blank lines, so spans refer to
    it. Unlabelled paragraphs go through the plain-text rules (debris, quotations).

    Parameters
    ----------
    html : str or bytes
        The page.
    article_id, outlet : str
        Copied to the Article.
    segmenter : Segmenter, optional
        Settings for the plain-text rules and language id.
    url : str, optional
        Passed to trafilatura (used for metadata).

    Returns
    -------
    article : Article
        ``title`` from the page metadata, ``text`` as described above.
    segments : list of Segment
    """
    import lxml.html
    import trafilatura

    seg = segmenter or Segmenter()
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html or not html.strip():
        art = Article(id=article_id, outlet=outlet, title="", text="", url=url)
        return art, []
    try:
        root = lxml.html.fromstring(html)
    except Exception:  # lxml refuses some inputs (e.g. XML declarations); fall back to text
        art = Article(id=article_id, outlet=outlet, title="", text=html, url=url)
        return art, seg.segment(art)

    stash: dict[str, tuple[str, str, str | None]] = {}  # marker -> (kind, text, speaker)

    def _marker(kind: str, content: str, speaker: str | None) -> str:
        key = f"FLSEGMENTMARK{len(stash)}X"
        stash[key] = (kind, content, speaker)
        return key

    def _replace(el: Any, key: str) -> None:
        parent = el.getparent()
        if parent is None:
            return
        p = lxml.html.Element("p")
        p.text = key
        p.tail = el.tail
        parent.replace(el, p)

    for el in root.xpath(
        "//blockquote[contains(concat(' ', normalize-space(@class), ' '), ' twitter-tweet ')"
        " or contains(@class, 'instagram-media') or contains(@class, 'twitter-video')]"
    ):
        content = _norm_ws(" ".join(el.itertext()))
        speaker = None
        m = R.POST_SIG_ANCHOR_RE.search(content)
        if m:
            s, name = _sig_start(content, 0, m.start())
            speaker = f"{name} (@{m.group('handle')})" if name else f"@{m.group('handle')}"
        if content:
            _replace(el, _marker("embedded_post", content, speaker))
    for el in root.xpath("//figure"):
        caps = el.xpath(".//figcaption")
        imgs = [i.get("src") for i in el.xpath(".//img") if i.get("src")]
        key_parts = []
        for src in imgs[:1]:
            key_parts.append(_marker("media_link", src, None))
        for cap in caps:
            content = _norm_ws(" ".join(cap.itertext()))
            if content:
                key_parts.append(_marker("caption", content, None))
        parent = el.getparent()
        if parent is None:
            continue
        if not key_parts:
            parent.remove(el)
            continue
        for key in key_parts:
            p = lxml.html.Element("p")
            p.text = key
            el.addprevious(p)
        parent.remove(el)
    for cap in root.xpath("//figcaption"):  # figcaptions outside a figure
        content = _norm_ws(" ".join(cap.itertext()))
        if content:
            _replace(cap, _marker("caption", content, None))

    page = lxml.html.tostring(root, encoding="unicode")
    extracted = trafilatura.extract(
        page, url=url, output_format="txt", include_comments=False, favor_recall=True
    )
    meta = trafilatura.extract_metadata(page)
    title = _norm_ws(meta.title) if meta is not None and meta.title else ""
    date = meta.date if meta is not None else None

    paras: list[str] = []
    fixed: list[tuple[int, int, str, str | None]] = []
    pos = 0
    lines = (extracted or "").split("\n")
    if lines and title and _norm_ws(lines[0]) == title:
        lines = lines[1:]
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        keys = re.findall(r"FLSEGMENTMARK\d+X", ln)
        if keys:
            for key in keys:
                kind, content, speaker = stash[key]
                if paras:
                    pos += 2
                paras.append(content)
                fixed.append((pos, pos + len(content), kind, speaker))
                pos += len(content)
            rest = re.sub(r"FLSEGMENTMARK\d+X", " ", ln).strip()
            if not rest:
                continue
            ln = rest
        if paras:
            pos += 2
        paras.append(ln)
        pos += len(ln)
    text = "\n\n".join(paras)
    art = Article(id=article_id, outlet=outlet, title=title, text=text, date=date, url=url)
    return art, seg._segment(art, fixed=fixed)


def _norm_ws(s: str) -> str:
    return " ".join(s.split())

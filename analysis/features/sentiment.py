"""Sentence-level sentiment: VADER (through NLTK) and TextBlob's pattern analyzer.

Both score every sentence of a text (:func:`analysis.features._text.analyze` splits them)
and aggregate per text. Whole-text VADER saturates on articles (|compound| >= 0.95 for two
thirds of AllSides) and sums valence over hundreds of words; sentence scores averaged per
text stay comparable between a tweet and an article.

Neither works offline out of the box: NLTK's VADER wants ``vader_lexicon`` from the NLTK
data server, so :func:`ensure_vader_data` zips the lexicon that ships inside the
``vaderSentiment`` wheel into ``$FRAMELENS_CACHE/nltk_data`` (default
``~/.cache/framelens/nltk_data``) once; TextBlob's ``.sentences``/``.words`` need NLTK
punkt, so only its pattern analyzer is called, on our own sentences.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import re
import string
import warnings
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from analysis.errors import FramelensError
from analysis.io import OutputError, atomic_write

from ._text import RebuiltOnLoad, analyze, as_texts, memo_by_text, text_tags

__all__ = [
    "TextBlobSentiment",
    "VaderSentiment",
    "ensure_vader_data",
    "framelens_cache_dir",
    "load_vader_lexicon",
    "textblob_sentence_scores",
]

_VADER_RESOURCE = "sentiment/vader_lexicon.zip/vader_lexicon/vader_lexicon.txt"
_VADER_MEMBER = "vader_lexicon/vader_lexicon.txt"


def framelens_cache_dir() -> Path:
    """The user cache folder: ``$FRAMELENS_CACHE`` or ``~/.cache/framelens``."""
    env = os.environ.get("FRAMELENS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "framelens"


def _vader_lexicon_bytes() -> bytes:
    try:
        res = resources.files("vaderSentiment").joinpath("vader_lexicon.txt")
        return res.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as err:
        raise RuntimeError(
            "The VADER lexicon comes from the vaderSentiment package: "
            "pip install vaderSentiment (no NLTK download needed)."
        ) from err


@functools.cache
def load_vader_lexicon() -> dict[str, float]:
    """The VADER lexicon (token -> mean valence, -4..4) from the vaderSentiment wheel."""
    lex: dict[str, float] = {}
    for line in _vader_lexicon_bytes().decode("utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 2:
            lex[parts[0]] = float(parts[1])
    return lex


def ensure_vader_data(cache_dir: str | os.PathLike | None = None) -> Path:
    """Make NLTK's VADER loadable offline and return the NLTK data folder to use.

    Writes ``<cache>/nltk_data/sentiment/vader_lexicon.zip`` (the layout ``nltk.download``
    would produce) from the lexicon inside the vaderSentiment wheel, unless an identical
    one is already there. NLTK 3.10 refuses absolute lexicon paths, so the folder has to be
    on ``nltk.data.path``; :class:`VaderSentiment` puts it first. Written atomically, so
    parallel workers can race here safely. Never downloads.

    Parameters
    ----------
    cache_dir : path, optional
        Cache root; default :func:`framelens_cache_dir`.
    """
    root = Path(cache_dir).expanduser() if cache_dir else framelens_cache_dir()
    data_dir = root / "nltk_data"
    target = data_dir / "sentiment" / "vader_lexicon.zip"
    src = _vader_lexicon_bytes()
    if target.is_file():
        try:
            with zipfile.ZipFile(target) as zf:
                if zf.read(_VADER_MEMBER) == src:
                    return data_dir
        except (zipfile.BadZipFile, KeyError, OSError):
            pass

    def write_zip(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            info = zipfile.ZipInfo(_VADER_MEMBER, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, src)

    try:
        atomic_write(target, write_zip)
    except OutputError as exc:
        why = getattr(exc.__cause__, "strerror", None) or "not writable"
        raise FramelensError(
            f"cannot write VADER's lexicon for NLTK to {target} ({why}): set FRAMELENS_CACHE "
            "to a writable folder with free space"
        ) from exc
    return data_dir


_STRIP = string.punctuation


def _may_score(sentence: str, lexicon: dict[str, float]) -> bool:
    """False only if VADER would certainly score ``sentence`` 0 (no lexicon item in it).

    VADER looks up each white-space token (longer than one character), possibly with one
    run of leading or trailing ASCII punctuation removed; checking the token, and the token
    stripped on either side, is a superset of its lookups. Skipping the rest is exact and
    saves about a quarter of the calls on news text.
    """
    for tok in sentence.split():
        low = tok.lower()
        if low in lexicon or low.rstrip(_STRIP) in lexicon or low.lstrip(_STRIP) in lexicon:
            return True
    return False


_PUNCT_CHARS = frozenset(_STRIP)


class _SentiTokens:
    """What NLTK's ``sentiment_valence`` reads from a ``SentiText``: tokens and caps flag."""

    __slots__ = ("text", "words_and_emoticons", "is_cap_diff")

    def __init__(self, text: str, punc_list: frozenset):
        words = []
        for we in text.split():
            if len(we) <= 1:
                continue
            # NLTK's SentiText maps "word," and ",word" to "word" (one PUNC_LIST item on
            # one side of a punctuation-free word of 2+ characters) through a dict of
            # every word x punctuation pair; this does the same lookup directly.
            if we[-1] in _PUNCT_CHARS:
                w = we.rstrip(_STRIP)
                if len(w) > 1 and we[len(w) :] in punc_list and _PUNCT_CHARS.isdisjoint(w):
                    we = w
            elif we[0] in _PUNCT_CHARS:
                w = we.lstrip(_STRIP)
                if (
                    len(w) > 1
                    and we[: len(we) - len(w)] in punc_list
                    and _PUNCT_CHARS.isdisjoint(w)
                ):
                    we = w
            words.append(we)
        self.text = text
        self.words_and_emoticons = words
        allcaps = sum(1 for w in words if w.isupper())
        self.is_cap_diff = 0 < len(words) - allcaps < len(words)


def _fast_sentiments(sia, st: _SentiTokens) -> list | None:
    """The per-word valences of NLTK's ``polarity_scores`` loop (None: no lexicon word).

    Words that are not in the lexicon get valence 0 from ``sentiment_valence`` whatever
    their neighbours, so only lexicon words are passed to it (most words of news text are
    not in it). NLTK looks the context up at the first occurrence of a word
    (``words.index``); so does this.
    """
    words = st.words_and_emoticons
    lexicon = sia.lexicon
    lows = [w.lower() for w in words]
    hits = [j for j, low in enumerate(lows) if low in lexicon]
    if not hits:
        return None
    sentiments: list = [0] * len(words)
    boosters = sia.constants.BOOSTER_DICT
    n = len(words)
    for j in hits:
        item = words[j]
        i = words.index(item)
        low = lows[j]
        if (i < n - 1 and low == "kind" and lows[i + 1] == "of") or low in boosters:
            continue
        sentiments[j] = sia.sentiment_valence(0, st, item, i, [])[0]
    return sia._but_check(words, sentiments)


def _fast_polarity_scores(sia, text: str) -> dict:
    """``sia.polarity_scores(text)``, with NLTK's tokenization step done in linear time.

    NLTK's ``SentiText`` builds a dict over every (punctuation, word) pair of a sentence,
    about 70% of VADER's run time; the scoring rules below are NLTK 3.10's
    ``polarity_scores`` loop calling the analyzer's own methods, for the lexicon words
    only (:func:`_fast_sentiments`). :class:`VaderSentiment` checks in ``fit`` that both
    give identical scores and falls back to the stock method otherwise.
    """
    st = _SentiTokens(text, frozenset(sia.constants.PUNC_LIST))
    sentiments = _fast_sentiments(sia, st)
    if sentiments is None:
        sentiments = [0] * len(st.words_and_emoticons)
    return sia.score_valence(sentiments, text)


_RUN_RE = re.compile(r"[^\s!-/:-@\[-`{-~]+")  # runs of characters other than space/ASCII punct


def _fast_compound(sia, text: str, punc_list: frozenset) -> float:
    """``sia.polarity_scores(text)["compound"]``; 0.0 at once without a lexicon word.

    VADER looks up each white-space token, or the token without one run of leading or
    trailing punctuation when the rest has none: a maximal run of non-punctuation
    characters. A sentence sharing neither kind of piece with the lexicon scores 0 (the
    C-level set test of :func:`_may_score`).
    """
    low = text.lower()
    lexicon = sia.lexicon
    if lexicon.keys().isdisjoint(low.split()) and lexicon.keys().isdisjoint(_RUN_RE.findall(low)):
        return 0.0
    sentiments = _fast_sentiments(sia, _SentiTokens(text, punc_list))
    if sentiments is None:
        return 0.0
    return sia.score_valence(sentiments, text)["compound"]


#: Sentences on which the fast path must agree with NLTK (caps, emoticons, negation,
#: boosters, "kind of", "but", "least", idioms, punctuation emphasis, glued punctuation).
_VADER_PROBES = (
    "The food was GREAT!!! But the service was kind of slow...",
    "I don't think this is a good idea, not at all :(",
    "At least it isn't the worst policy; it is the least bad one?!",
    "He said: 'wonderful,' and ,wonderful and wonderful!? and !!wonderful",
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR DONATION.",
    "Never so happy :) :-D <3 lol, yeah right... that's the bomb, cut the mustard",
    "a disgraceful, failed policy",
    "Extremely good, very bad, barely acceptable -- no. Never again!",
    "\"Quite\" an ironic sight? #irony — 'likely' to fail; sort of ok.",
    "KIND OF GOOD but VERY BAD, without doubt, not the best but not bad either",
)


class VaderSentiment(RebuiltOnLoad, TransformerMixin, BaseEstimator):
    """VADER sentiment per sentence (NLTK's analyzer, offline), aggregated per text.

    Each sentence gets VADER's normalized ``compound`` score in [-1, 1]; per text the
    extractor reports the mean, the share of positive (compound >= ``threshold``) and of
    negative (<= -``threshold``) sentences, and the minimum and maximum.

    Output columns: ``vader_compound_mean``, ``vader_positive_share``,
    ``vader_negative_share``, ``vader_compound_min``, ``vader_compound_max``. A text
    with no word token (empty, white space, a bare link, None, NaN) gives a NaN row.

    Parameters
    ----------
    threshold : float, default 0.05
        Compound cut-off for a positive/negative sentence; 0.05 is the authors'
        recommendation (Hutto & Gilbert 2014, and the vaderSentiment README).
    cache_dir : path or None, default None
        Where to build the offline NLTK data (see :func:`ensure_vader_data`).

    Attributes
    ----------
    analyzer_ : nltk.sentiment.vader.SentimentIntensityAnalyzer
        The NLTK analyzer, loaded from the zipped vaderSentiment lexicon.
    lexicon_sha256_ : str
        Hash of the lexicon text the analyzer loaded (cached values name it).
    fast_ : bool
        Whether sentences are scored through the linear-time tokenization path
        (identical scores, checked on probe sentences in ``fit``; about 4x faster).

    Notes
    -----
    ``fit`` inserts the cache's ``nltk_data`` folder at the front of ``nltk.data.path``
    (a process-wide setting) so this lexicon wins over any other ``vader_lexicon`` there.
    The lexicon is the one shipped with vaderSentiment 3.3.2, which differs slightly from
    NLTK's own download; NLTK VADER and the vaderSentiment package also differ in code, so
    their scores are not interchangeable.

    References
    ----------
    .. [1] Hutto, C. J., & Gilbert, E. (2014). VADER: A parsimonious rule-based model for
       sentiment analysis of social media text. Proceedings of ICWSM 8(1), 216-225.
    """

    feature_version = "1"
    _names = (
        "vader_compound_mean",
        "vader_positive_share",
        "vader_negative_share",
        "vader_compound_min",
        "vader_compound_max",
    )

    def __init__(self, threshold=0.05, cache_dir=None):
        self.threshold = threshold
        self.cache_dir = cache_dir

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Check parameters and load NLTK's VADER from the offline lexicon."""
        as_texts(X)
        if not isinstance(self.threshold, (int, float)) or not 0 <= self.threshold < 1:
            raise ValueError(f"threshold must be a number in [0, 1), got {self.threshold!r}")
        import nltk
        from nltk.sentiment.vader import SentimentIntensityAnalyzer

        data_dir = str(ensure_vader_data(self.cache_dir))
        if data_dir in nltk.data.path:
            nltk.data.path.remove(data_dir)
        nltk.data.path.insert(0, data_dir)
        try:
            self.analyzer_ = SentimentIntensityAnalyzer(_VADER_RESOURCE)
        except LookupError as err:  # pragma: no cover - only if the zip vanished
            raise RuntimeError(
                f"NLTK could not load the VADER lexicon from {data_dir}; delete that "
                "folder and fit again (never nltk.download('vader_lexicon'))."
            ) from err
        text = self.analyzer_.lexicon_file
        self.lexicon_sha256_ = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.punc_list_ = frozenset(self.analyzer_.constants.PUNC_LIST)
        self.fast_ = all(
            _fast_polarity_scores(self.analyzer_, p) == self.analyzer_.polarity_scores(p)
            for p in _VADER_PROBES
        )
        if not self.fast_:  # pragma: no cover - only with a changed NLTK
            warnings.warn(
                "This NLTK version's VADER differs from framelens' fast path; using the "
                "stock (slower) polarity_scores.",
                RuntimeWarning,
                stacklevel=2,
            )
        return self

    def sentence_scores(self, text: str) -> list[float]:
        """Compound score of every sentence of ``text`` (empty list if none)."""
        sia = self.analyzer_
        lex = sia.lexicon
        if getattr(self, "fast_", False):
            punc = self.punc_list_
            return [_fast_compound(sia, sent, punc) for sent in analyze(text).sentences]
        scores = []
        for sent in analyze(text).sentences:
            if not _may_score(sent, lex):
                scores.append(0.0)
            else:
                scores.append(sia.polarity_scores(sent)["compound"])
        return scores

    def transform(self, X):
        """One row of sentence-aggregated VADER scores per text."""
        check_is_fitted(self, "analyzer_")
        texts = as_texts(X)
        out = np.full((len(texts), len(self._names)), np.nan)
        thr = self.threshold
        for r, text in enumerate(texts):
            c = self.sentence_scores(text)
            if c:
                n = len(c)  # plain Python: numpy's per-call overhead dominates tiny arrays
                pos = sum(1 for x in c if x >= thr)
                neg = sum(1 for x in c if x <= -thr)
                out[r] = (sum(c) / n, pos / n, neg / n, min(c), max(c))
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self._names, dtype=object)


_PATTERN_WORDS: dict[str, list[str]] = {}
_PATTERN_WORDS_MAX = 500_000

#: Sentences on which the fast TextBlob path must agree with TextBlob (emoticons, the
#: "(!)" sarcasm mark, contractions, quotes, abbreviations, modifiers and negation).
_TEXTBLOB_PROBES = (
    "What a great day :-) :) ;-) <3 :-D but a sad end :( :'(",
    "Oh, wonderful (!) and ( ! ) and (! ) -- isn't it? I'm not really sure it's good.",
    "He said 'terrible' and “awful”... Mr. Smith of the U.S. e.g. disagreed!!!",
    "not bad, really not good, very very good, never great; don't like it?!",
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR DONATION.",
)


def _pattern_words(sentence: str, analyzer) -> list[str]:
    """The lower-cased words TextBlob's pattern analyzer scores in ``sentence``.

    TextBlob tokenizes with pattern's ``find_tokens``, about half of its run time. That
    tokenizer works within each white-space token, except for gluing back emoticons and
    the "(!)" mark split across tokens, so tokenizing each distinct white-space token once
    (memoized; the lookups run in C) and redoing the two glue steps gives the same words.
    A token of ASCII letters only is its own single word (no punctuation, quote or
    contraction to split).
    """
    memo = _PATTERN_WORDS
    toks = sentence.split()
    missing = set(toks).difference(memo)
    if missing:
        new = {
            tok: [tok]
            if tok.isalpha() and tok.isascii()
            else " ".join(analyzer.tokenizer(tok)).split()
            for tok in missing
        }
        if len(memo) + len(new) <= _PATTERN_WORDS_MAX:  # bounded; never cleared under a reader
            memo.update(new)
        else:  # memo full: look the new tokens up in their own dict (no copy of the memo)
            words = (new[t] if t in new else memo[t] for t in toks)
            joined = " ".join(itertools.chain.from_iterable(words))
            return _glue_pattern_words(joined)
    joined = " ".join(itertools.chain.from_iterable(map(memo.__getitem__, toks)))
    return _glue_pattern_words(joined)


def _glue_pattern_words(joined: str) -> list[str]:
    """pattern's two glue steps after tokenizing: the "(!)" mark and emoticons."""
    from textblob._text import RE_EMOTICONS, RE_SARCASM

    if "!" in joined:
        joined = RE_SARCASM.sub("(!)", joined)
    joined = RE_EMOTICONS.sub(lambda m: m.group(1).replace(" ", "") + m.group(2), joined)
    return joined.lower().split()


def _collapse_plain(words: list[str], special: frozenset) -> list[str]:
    """``words`` with each run of plain words shortened to what pattern's loop reads.

    In pattern's ``Sentiment.assessments`` a word that is not in the lexicon, not a
    negation, not "!" or "(!)" and not an emoticon ("plain") only clears the pending
    negation (if its length without quotes exceeds 1) and the pending modifier (if its
    length exceeds 2); in any order, so a run of plain words acts like one placeholder
    with the same two properties, or like nothing. The assessments, and so the scores,
    are unchanged; :func:`_textblob_scorer` checks the placeholders are plain.
    """
    flags = list(map(special.__contains__, words))
    keep = list(itertools.compress(range(len(words)), flags))
    if len(keep) == len(words):
        return words
    out: list[str] = []
    prev = 0
    for j in [*keep, len(words)]:
        if j > prev:
            gap = words[prev:j]
            if max(map(len, gap)) > 2:
                bare = max(map(len, map(str.strip, gap, itertools.repeat("'"))))
                out.append(_PLAIN_BOTH if bare > 1 else _PLAIN_MODIFIER_ONLY)
            elif max(map(len, map(str.strip, gap, itertools.repeat("'")))) > 1:
                out.append(_PLAIN_NEGATION_ONLY)
        if j < len(words):
            out.append(words[j])
        prev = j + 1
    return out


#: Placeholders for runs of plain words: clear negation and modifier / negation only /
#: modifier only (three characters of which at most one survives stripping quotes).
_PLAIN_BOTH, _PLAIN_NEGATION_ONLY, _PLAIN_MODIFIER_ONLY = "qqq", "qq", "''q"


def _eager_analyzer(analyzer):
    """A copy of TextBlob's pattern ``Sentiment`` that is a plain dict once loaded.

    The stock analyzer is a ``lazydict``: every ``w in analyzer`` and ``analyzer[w]`` in
    its ``assessments`` loop goes through a Python-level ``_lazy`` hop, about a third of
    TextBlob's scoring time. The copy holds the same entries and attributes and runs the
    same (TextBlob's own) methods with dict's C lookups.
    """
    len(analyzer)  # loads the lexicon
    cls = type(analyzer)
    eager_cls = type(
        f"Eager{cls.__name__}",
        (cls,),
        {
            name: getattr(dict, name)
            for name in ("__contains__", "__getitem__", "__len__", "__iter__", "get", "keys")
        },
    )
    eager = dict.__new__(eager_cls)
    dict.update(eager, analyzer)
    eager.__dict__.update(analyzer.__dict__)
    return eager


@functools.cache
def _textblob_scorer():
    """``(analyzer, triggers, special)`` of the fast TextBlob path, or ``None`` (stock path).

    ``triggers`` are the words that can produce an assessment (lexicon words, the "(!)"
    mark, emoticons): a sentence without any of them scores (0, 0) in TextBlob, so it is
    not scored. ``special`` are the words that pattern's loop treats other than as plain
    words (:func:`_collapse_plain`). The fast path is used only if it reproduces TextBlob on
    the probes.
    """
    from textblob._text import EMOTICONS
    from textblob.en import sentiment as pattern_sentiment

    eager = _eager_analyzer(pattern_sentiment)
    triggers = frozenset(eager) | {"(!)"} | {e.lower() for v in EMOTICONS.values() for e in v}
    special = triggers | frozenset(eager.negations) | {"!"}
    placeholders = (_PLAIN_BOTH, _PLAIN_NEGATION_ONLY, _PLAIN_MODIFIER_ONLY)
    if not special.isdisjoint(placeholders):  # pragma: no cover - a changed lexicon
        special = None
    for probe in _TEXTBLOB_PROBES:
        stock = pattern_sentiment(probe)
        assessments, fast = _fast_textblob(_pattern_words(probe, pattern_sentiment), eager, special)
        if tuple(stock)[:2] != fast or stock.assessments != assessments:
            warnings.warn(  # pragma: no cover - only with a changed TextBlob
                "This TextBlob version tokenizes differently from framelens' fast path; "
                "using the stock (slower) analyzer.",
                RuntimeWarning,
                stacklevel=2,
            )
            return None
    return eager, triggers, special


def _fast_textblob(words: list[str], eager, special) -> tuple[list, tuple[float, float]]:
    """pattern's assessments of ``words`` and its ``(polarity, subjectivity)``.

    ``Sentiment.__call__`` on a word list without its per-call dispatch: the assessments
    come from pattern's own loop (on the words shortened by :func:`_collapse_plain`), and
    the two unweighted means are summed in the same order as pattern's ``avg``.
    """
    if special is not None:
        words = _collapse_plain(words, special)
    a = eager.assessments([(w, None) for w in words], True)
    pol = subj = 0
    for _, p, s, _ in a:
        pol += p
        subj += s
    n = float(len(a) or 1)
    return a, (pol / n, subj / n)


def _textblob_fast() -> bool:
    """Whether the fast path (:func:`_pattern_words`, eager analyzer) reproduces TextBlob."""
    return _textblob_scorer() is not None


@memo_by_text
def textblob_sentence_scores(text: str) -> tuple[tuple[float, float], ...]:
    """TextBlob pattern ``(polarity, subjectivity)`` of each sentence of ``text``.

    Memoized per text, so :class:`TextBlobSentiment` and
    :class:`~analysis.features.framing.LoadedWords` in one FeatureUnion score each
    sentence once.
    """
    from textblob.en import sentiment as pattern_sentiment

    fast = _textblob_scorer()
    out = []
    if fast is None:
        for sent in analyze(text).sentences:
            score = pattern_sentiment(sent)
            out.append((float(score[0]), float(score[1])))
        return tuple(out)
    eager, triggers, special = fast
    for sent in analyze(text).sentences:
        words = _pattern_words(sent, pattern_sentiment)
        if triggers.isdisjoint(words):
            out.append((0.0, 0.0))
            continue
        score = _fast_textblob(words, eager, special)[1]
        out.append((float(score[0]), float(score[1])))
    return tuple(out)


class TextBlobSentiment(RebuiltOnLoad, TransformerMixin, BaseEstimator):
    """TextBlob (pattern) polarity and subjectivity per sentence, aggregated per text.

    Calls TextBlob's default ``PatternAnalyzer`` lexicon directly on each sentence (no
    NLTK data needed). Polarity is in [-1, 1], subjectivity in [0, 1]; a sentence without
    any lexicon word scores (0, 0) and counts in the means as neutral and objective.

    Output columns: ``textblob_polarity_mean``, ``textblob_subjectivity_mean``,
    ``textblob_polarity_min``, ``textblob_polarity_max``. A text with no word token gives
    a NaN row.

    Notes
    -----
    The lexicon is English only: it scores Spanish text -1 and Chinese or Russian 0
    without warning, so filter segments by language first.

    Attributes
    ----------
    analyzer_ : textblob.en.Sentiment
        The pattern sentiment lexicon.
    fast_ : bool
        Whether sentences are tokenized through the memoized fast path (identical scores,
        checked on probe sentences in ``fit``; about twice as fast).

    References
    ----------
    .. [1] De Smedt, T., & Daelemans, W. (2012). Pattern for Python. Journal of Machine
       Learning Research 13, 2063-2067.
    .. [2] Loria, S. TextBlob: simplified text processing. https://textblob.readthedocs.io
    """

    feature_version = "1"
    _names = (
        "textblob_polarity_mean",
        "textblob_subjectivity_mean",
        "textblob_polarity_min",
        "textblob_polarity_max",
    )

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Load TextBlob's pattern analyzer."""
        as_texts(X)
        from textblob.en import sentiment as pattern_sentiment

        self.analyzer_ = pattern_sentiment
        self.fast_ = _textblob_fast()
        return self

    def transform(self, X):
        """One row of sentence-aggregated TextBlob scores per text."""
        check_is_fitted(self, "analyzer_")
        texts = as_texts(X)
        out = np.full((len(texts), len(self._names)), np.nan)
        for r, text in enumerate(texts):
            scores = textblob_sentence_scores(text)
            if scores:
                pol = [p for p, _ in scores]
                subj = sum(s for _, s in scores) / len(scores)
                out[r] = (sum(pol) / len(pol), subj, min(pol), max(pol))
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self._names, dtype=object)

"""Surface style: capitals, exclamations, questions, quotation marks, sentence length,
vocabulary richness and readability.

The share of an article's text spoken by each voice is computed at aggregation, not here
(one row here is one segment).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._text import analyze, as_texts, text_tags

__all__ = ["StyleFeatures", "count_syllables", "flesch_reading_ease"]

_VOWEL_GROUP_RE = re.compile(r"[aeiouyàáâäãåæèéêëìíîïòóôöõøùúûü]+")
_NON_LETTER_RE = re.compile(r"[^a-zàáâäãåæçèéêëìíîïñòóôöõøùúûüÿ]")
_SYLLABLES: dict[str, int] = {}
_VOICED_E = ("le", "ee", "ye", "ie")  # table, free, goodbye, movie
_VOICED_ES_ED = ("ted", "ded", "ses", "zes", "ces", "ges", "xes", "shes", "ches", "ies", "ees")
_QUOTE_MARKS = frozenset('"“”„«»')

#: Clip range of :func:`flesch_reading_ease`: Flesch's own 0 (very difficult) to 100 (very
#: easy) scale. Raw scores fall outside it for one-word sentences (up to 121.2) and for
#: "sentences" that are really unpunctuated lists (far below 0); clipping keeps such
#: segments from dominating an outlet mean.
FLESCH_RANGE = (0.0, 100.0)


def count_syllables(word: str) -> int:
    """Estimate the syllables of an English word (a heuristic, no dictionary).

    Counts vowel groups (``y`` included), then drops a silent final ``e`` (``make``,
    but not ``table`` or ``free``) and the silent ``e`` of ``-es``/``-ed`` endings
    (``makes``, ``jumped``, but not ``wanted``, ``boxes``). At least 1. Words in other
    scripts count 1 per word. Memoized per word.

    Textstat's CMUdict lookup would be more exact but downloads the dictionary on first
    use; on running text this heuristic is within about 0.1 syllable per word of it.
    """
    n = _SYLLABLES.get(word)
    if n is not None:
        return n
    w = _NON_LETTER_RE.sub("", word.lower())
    n = len(_VOWEL_GROUP_RE.findall(w))
    silent_e = w.endswith("e") and not w.endswith(_VOICED_E)
    silent_es_ed = w.endswith(("es", "ed")) and not w.endswith(_VOICED_ES_ED)
    if n > 1 and (silent_e or silent_es_ed):
        n -= 1
    n = max(n, 1)
    if len(_SYLLABLES) < 500_000:
        _SYLLABLES[word] = n
    return n


def flesch_reading_ease(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Flesch reading ease, clipped to :data:`FLESCH_RANGE`; NaN without words.

    ``206.835 - 1.015 * words/sentences - 84.6 * syllables/words`` (Flesch 1948).
    """
    if n_words <= 0 or n_sentences <= 0:
        return float("nan")
    raw = 206.835 - 1.015 * (n_words / n_sentences) - 84.6 * (n_syllables / n_words)
    return float(min(max(raw, FLESCH_RANGE[0]), FLESCH_RANGE[1]))


def moving_average_ttr(tokens, window: int) -> float:
    """Type-token ratio averaged over every window of ``window`` tokens (MATTR).

    Plain TTR for texts shorter than the window. NaN without tokens.
    """
    n = len(tokens)
    if n == 0:
        return float("nan")
    if n <= window:
        return len(set(tokens)) / n
    counts = Counter(tokens[:window])
    types = len(counts)
    total = types
    for i in range(window, n):
        new, old = tokens[i], tokens[i - window]
        if new != old:
            counts[new] += 1
            if counts[new] == 1:
                types += 1
            counts[old] -= 1
            if counts[old] == 0:
                types -= 1
        total += types
    return total / ((n - window + 1) * window)


class StyleFeatures(TransformerMixin, BaseEstimator):
    """Surface style of each text.

    Output columns:

    ``style_caps_ratio``
        Upper-case letters / letters (NaN without cased letters).
    ``style_exclamations_per_sentence``, ``style_questions_per_sentence``
        ``!`` and ``?`` characters per sentence.
    ``style_quotes_per_1k``
        Double quotation marks (``"“”„«»``) per 1000 tokens; single quotes are left out
        because they double as apostrophes.
    ``style_mean_sentence_length``
        Tokens per sentence.
    ``style_type_token_ratio``
        Moving-average type-token ratio over windows of ``ttr_window`` tokens (plain TTR
        for shorter texts), so it does not fall with text length as raw TTR does.
    ``style_flesch_reading_ease``
        Flesch reading ease with a heuristic syllable count (:func:`count_syllables`),
        over tokens containing a letter, clipped to [0, 100] (:data:`FLESCH_RANGE`).
    ``style_n_tokens``, ``style_n_sentences``
        Size of the text, for weighting at aggregation (counts, 0 for empty texts).

    Ratios are NaN for a text without word tokens (empty, white space, a bare link,
    None, NaN); the two counts are 0.

    Parameters
    ----------
    ttr_window : int, default 50
        MATTR window in tokens.

    References
    ----------
    .. [1] Flesch, R. (1948). A new readability yardstick. Journal of Applied Psychology
       32(3), 221-233.
    .. [2] Covington, M. A., & McFall, J. D. (2010). Cutting the Gordian knot: The
       moving-average type-token ratio (MATTR). Journal of Quantitative Linguistics 17(2),
       94-100.
    """

    feature_version = "1"
    _names = (
        "style_caps_ratio",
        "style_exclamations_per_sentence",
        "style_questions_per_sentence",
        "style_quotes_per_1k",
        "style_mean_sentence_length",
        "style_type_token_ratio",
        "style_flesch_reading_ease",
        "style_n_tokens",
        "style_n_sentences",
    )

    def __init__(self, ttr_window=50):
        self.ttr_window = ttr_window

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Check parameters."""
        as_texts(X)
        w = self.ttr_window
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            raise ValueError(f"ttr_window must be a positive integer, got {w!r}")
        self.n_features_out_ = len(self._names)
        return self

    def _row(self, text: str) -> tuple:
        doc = analyze(text)
        n_tok, n_sent = doc.n_tokens, doc.n_sentences
        if not n_tok:
            return (np.nan,) * 7 + (0.0, 0.0)
        letters = "".join(doc.tokens)
        upper = sum(map(str.isupper, letters))
        cased = upper + sum(map(str.islower, letters))
        quotes = sum(text.count(q) for q in _QUOTE_MARKS)
        words = [t for t in doc.norm if not t.isdigit()]
        known = _SYLLABLES.get  # memo first: count_syllables is >= 1, so `or` is exact
        syll = sum([known(t) or count_syllables(t) for t in words])
        return (
            upper / cased if cased else np.nan,
            text.count("!") / n_sent,
            text.count("?") / n_sent,
            quotes * 1000.0 / n_tok,
            n_tok / n_sent,
            moving_average_ttr(doc.norm, int(self.ttr_window)),
            flesch_reading_ease(len(words), n_sent, syll),
            float(n_tok),
            float(n_sent),
        )

    def transform(self, X):
        """One row of style measures per text."""
        check_is_fitted(self, "n_features_out_")
        texts = as_texts(X)
        out = np.empty((len(texts), len(self._names)))
        for r, text in enumerate(texts):
            out[r] = self._row(text)
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self._names, dtype=object)

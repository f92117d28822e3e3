"""Label predictors: train, evaluate and apply text classifiers described by a config.

A *task* is one config under ``configs/classifier/`` (``irony``, ``irony_type``, ``frames``,
``bias``): which corpus table and label column to learn, which rows to leave out and why,
how texts are cleaned, the scikit-learn pipeline, the grid of ``C`` and class weights, and
the cross-validation scheme. Everything is selected on the training data only:

- :func:`tune` picks the classifier's hyper-parameters by stratified k-fold
  cross-validation. The text features are fitted inside each training fold (never on the
  held-out fold) and shared by all candidates of that fold, which makes a grid cheap.
- :func:`cross_validate_task` is the honest estimate: *nested* cross-validation, where the
  tuning above runs again inside every outer training fold. Its out-of-fold predictions
  give the metrics, per-fold mean +- std, a fold-based t interval and a bootstrap interval.
- :func:`train_task` tunes on all training rows, fits the final pipeline (calibrated when
  the task needs probabilities), and :func:`save_model` writes it with skops plus a model
  card (Markdown and JSON).

A trained model is a plain fitted :class:`~sklearn.pipeline.Pipeline` from raw text::

    clean -> features (FeatureUnion: word, char, ...) -> clf

with the task's metadata in its ``framelens_`` attribute, so it works wherever an estimator
is expected (:class:`analysis.features.IronyProbability` loads it directly).
:func:`load_model` refuses files holding types outside an allow-list and turns a corrupt or
truncated file into a :class:`ModelError`.

Labels keep the corpus spelling everywhere: SemEval ``"0"``/``"1"``, GVFC frames ``"1"``..
``"9"``, BABE ``"Biased"``/``"Non-biased"``.

References
----------
Van Hee, Lefever and Hoste (2018), SemEval-2018 Task 3: Irony Detection in English Tweets.
Liu, Guo, Mays, Betke and Wijaya (2019), Detecting Frames in News Headlines (GVFC), CoNLL.
Spinde et al. (2021), Neural Media Bias Detection Using Distant Supervision With BABE.
Varma and Simon (2006), Bias in error estimation when using cross-validation for model
selection, BMC Bioinformatics 7:91 (why the reported scores come from nested CV).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import os
import platform
import re
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.model_selection import ParameterGrid, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from analysis.corpora import sha256_file
from analysis.errors import ConfigError, FramelensError
from analysis.records import text_problem

log = logging.getLogger(__name__)

__all__ = [
    "TASKS",
    "AnnotatedWordScores",
    "CVResult",
    "CompactCountVectorizer",
    "CompactTfidfVectorizer",
    "KeywordCounts",
    "ModelError",
    "SoftVote",
    "StemmedText",
    "TextCleaner",
    "TopicScores",
    "TrainResult",
    "TuneResult",
    "build_pipeline",
    "compose_task",
    "cross_validate_task",
    "demojize",
    "evaluate_task",
    "load_model",
    "load_task_data",
    "model_info",
    "predict_file",
    "predict_texts",
    "attach_nested_cv",
    "save_model",
    "score",
    "strip_hashtags",
    "train_task",
    "tune",
]

#: Tasks with a config under configs/classifier/.
TASKS = ("irony", "irony_type", "frames", "bias")
#: Written into every model file; load_model checks it.
MODEL_FORMAT = "framelens-classifier/1"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The hashtags SemEval-2018 Task 3 collected its ironic tweets with (Van Hee et al. 2018),
#: plus #ironic and #sarcastic, which the organisers' hashtag-free files also lack (measured:
#: every #irony/#ironic/#sarcasm/#sarcastic/#not of the *_ironyHashtags file is gone there).
IRONY_HASHTAGS = ("irony", "ironic", "sarcasm", "sarcastic", "not")


class ModelError(FramelensError):
    """A model file that cannot be used: missing, corrupt, truncated, untrusted or for another task."""


# --------------------------------------------------------------------------- text cleaning

_URL_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<![\w@])@\w{1,30}")
_SPACES_RE = re.compile(r"[ \t\u00a0]{2,}")
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
# Emoji presentation blocks. The SemEval "taskA"/"taskB" files write emoji as their Unicode
# names (":face_with_tears_of_joy:"), exactly unicodedata.name() lower-cased with "_";
# measured on the training files: every converted character is category So in these ranges,
# regional indicators (flags) and U+2606 WHITE STAR were left as they were.
_EMOJI_RANGES = ((0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
_EMOJI_SKIP = frozenset({0x2606, *range(0x1F1E6, 0x1F200)})
_INVISIBLE = dict.fromkeys([0xFE0E, 0xFE0F, 0x200D], None)


def _hashtag_re(tags: Iterable[str]) -> re.Pattern | None:
    alts = sorted(
        {str(t).lstrip("#").lower() for t in tags if str(t).strip("# ")}, key=len, reverse=True
    )
    if not alts:
        return None
    # "#not" at the end, mid-text, glued to a word ("world#not"), before punctuation, in any
    # case, as the SemEval organisers removed it; never "#nothing" or "#not_me"
    return re.compile(r"#(?:" + "|".join(map(re.escape, alts)) + r")(?!\w)", re.IGNORECASE)


def _strip(rx: re.Pattern, text: str) -> str:
    return rx.sub(" ", text) if "#" in text else text


def strip_hashtags(text: str, tags: Iterable[str] = IRONY_HASHTAGS) -> str:
    """Remove the given hashtags (default #irony, #sarcasm, #not, any case) from ``text``.

    SemEval-2018 Task 3 collected its ironic tweets by these hashtags and removed them from
    the official input; a model that sees them learns the collection method, not irony
    (PITFALLS.md), so they are stripped from training and prediction text alike.
    """
    rx = _hashtag_re(tags)
    if rx is None:
        return text
    return _SPACES_RE.sub(" ", _strip(rx, text)).strip()


@lru_cache(maxsize=4096)
def _emoji_name(ch: str) -> str | None:
    code = ord(ch)
    if code in _EMOJI_SKIP or unicodedata.category(ch) != "So":
        return None
    if not any(lo <= code <= hi for lo, hi in _EMOJI_RANGES):
        return None
    name = unicodedata.name(ch, "")
    return f" :{name.lower().replace(' ', '_')}: " if name else None


def demojize(text: str) -> str:
    """Write emoji as ``:unicode_name:`` the way the SemEval-2018 taskA/taskB files do.

    A model trained on those files then reads raw tweets (real emoji) and the organisers'
    name-converted text the same way.
    """
    if text.isascii():
        return text
    out = []
    for ch in text.translate(_INVISIBLE):
        name = _emoji_name(ch) if ord(ch) >= 0x2600 else None
        out.append(name if name else ch)
    return _SPACES_RE.sub(" ", "".join(out)).strip()


class TextCleaner(TransformerMixin, BaseEstimator):
    """Normalize raw texts before feature extraction; the first step of every task pipeline.

    Being part of the fitted pipeline, the same cleaning runs at training and prediction
    time: a saved irony model strips #irony/#sarcasm/#not from whatever it is given.

    Parameters
    ----------
    strip_hashtags : list of str, default ()
        Hashtags to remove (without ``#``, case-insensitive), e.g. ``[irony, sarcasm, not]``.
    demojize : bool, default False
        Write emoji as ``:name:`` (see :func:`demojize`).
    urls : str or None, default None
        Replace links by this token (``"http"``); None keeps them.
    mentions : str or None, default None
        Replace ``@user`` handles by this token (``"@user"``); None keeps them.
    """

    def __init__(self, strip_hashtags=(), demojize=False, urls=None, mentions=None):
        self.strip_hashtags = strip_hashtags
        self.demojize = demojize
        self.urls = urls
        self.mentions = mentions

    def fit(self, X, y=None):
        _as_texts(X)
        if isinstance(self.strip_hashtags, str):
            raise ValueError("strip_hashtags must be a list of hashtags, not one string")
        return self

    def transform(self, X) -> list[str]:
        rx = _hashtag_re(self.strip_hashtags or ())
        out = []
        for text in _as_texts(X):
            if rx is not None:
                text = _strip(rx, text)
            if self.urls is not None:
                text = _URL_RE.sub(f" {self.urls} ", text)
            if self.mentions is not None:
                text = _MENTION_RE.sub(f" {self.mentions} ", text)
            if self.demojize:
                text = demojize(text)
            out.append(_SPACES_RE.sub(" ", text).strip())
        return out

    def __sklearn_tags__(self):
        from analysis.features._text import text_tags

        return text_tags(super().__sklearn_tags__())


class SoftVote(ClassifierMixin, BaseEstimator):
    """Average a classifier's probabilities with class probabilities the features carry.

    The last ``len(classes_)`` columns of ``X`` are taken to be another model's class
    probabilities, in the order of ``classes_`` (sorted labels): those of the fine-tuned
    encoder (:class:`analysis.embeddings.FineTunedProbabilities`), which
    :func:`build_pipeline` puts last in the feature union when ``classifier.encoder_vote``
    is on. ``estimator`` is fitted on the other columns; ``predict_proba`` is
    ``(1 - weight) * estimator's + weight * those columns`` (soft voting with fixed
    weights, as :class:`sklearn.ensemble.VotingClassifier` does for two models that read
    the same input), and ``predict`` takes the most probable class.

    The encoder's probabilities are not learned from by ``estimator``: a fine-tuned encoder
    fits its own training texts far better than new ones, so a model stacked on them would
    trust them too much. A fixed weight does not have that problem.
    """

    def __init__(self, estimator=None, weight=0.5):
        self.estimator = estimator
        self.weight = weight

    def _split(self, X):
        k = len(self.classes_)
        if X.shape[1] <= k:
            raise ValueError(
                f"SoftVote expects the features followed by {k} class probabilities, "
                f"got only {X.shape[1]} columns"
            )
        voted = X[:, -k:]
        voted = np.asarray(voted.toarray() if hasattr(voted, "toarray") else voted, dtype=float)
        return X[:, :-k], voted

    def fit(self, X, y):
        if self.estimator is None:
            raise ValueError("SoftVote needs an estimator")
        w = float(self.weight)
        if not 0.0 <= w <= 1.0:
            raise ValueError(f"SoftVote weight must be between 0 and 1, got {self.weight!r}")
        self.classes_ = np.unique(np.asarray(y, dtype=object))
        rest, _ = self._split(X)
        self.estimator_ = clone(self.estimator).fit(rest, y)
        if list(self.estimator_.classes_) != list(self.classes_):
            raise ValueError(
                f"the estimator's classes {list(self.estimator_.classes_)} are not "
                f"{list(self.classes_)}"
            )
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        rest, voted = self._split(X)
        w = float(self.weight)
        return (1.0 - w) * np.asarray(self.estimator_.predict_proba(rest)) + w * voted

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


@lru_cache(maxsize=1)
def _stemmer():
    # Snowball's English rules are code, not data: no nltk.download needed
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


class StemmedText(TransformerMixin, BaseEstimator):
    """Texts rewritten as their lower-cased word tokens reduced to Snowball stems.

    Put it before a word TfidfVectorizer: ``shootings``/``shooting``/``shooter`` share one
    column, which matters with a few hundred examples per class.
    """

    def __init__(self, min_length=2):
        self.min_length = min_length

    def fit(self, X, y=None):
        _as_texts(X)
        if int(self.min_length) < 1:
            raise ValueError("min_length must be >= 1")
        return self

    def transform(self, X) -> list[str]:
        n = int(self.min_length)
        return [
            " ".join(_stem(w) for w in _TOKEN_RE.findall(t.lower()) if len(w) >= n)
            for t in _as_texts(X)
        ]

    def __sklearn_tags__(self):
        from analysis.features._text import text_tags

        return text_tags(super().__sklearn_tags__())


class KeywordCounts(TransformerMixin, BaseEstimator):
    """Whether (or how often) each category of a keyword lexicon occurs in a text.

    A small hand-written lexicon gives the linear model a prior for rare classes (GVFC has
    30 "gun rights" headlines). Terms match whole words or phrases, case-insensitively.

    Parameters
    ----------
    lexicon : dict of str to list of str
        Category -> terms. Categories become columns ``kw_<category>``.
    binary : bool, default True
        1.0 if any term occurs, else log(1 + count).
    """

    def __init__(self, lexicon=None, binary=True):
        self.lexicon = lexicon
        self.binary = binary

    def fit(self, X, y=None):
        _as_texts(X)
        if not isinstance(self.lexicon, Mapping) or not self.lexicon:
            raise ValueError("KeywordCounts needs lexicon={category: [terms, ...]}")
        self.categories_ = sorted(str(k) for k in self.lexicon)
        for name in self.categories_:
            terms = self.lexicon[name]
            if isinstance(terms, str) or not all(isinstance(t, str) and t.strip() for t in terms):
                raise ValueError(f"lexicon category {name!r} must be a list of non-empty terms")
        return self

    def _patterns(self) -> list[re.Pattern]:
        key = tuple((k, tuple(self.lexicon[k])) for k in self.categories_)
        return _keyword_patterns(key)

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "categories_")
        texts = _as_texts(X)
        pats = self._patterns()
        out = np.zeros((len(texts), len(pats)))
        for i, text in enumerate(texts):
            for j, rx in enumerate(pats):
                n = len(rx.findall(text))
                if n:
                    out[i, j] = 1.0 if self.binary else math.log1p(n)
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"kw_{c}" for c in self.categories_], dtype=object)

    def __sklearn_tags__(self):
        from analysis.features._text import text_tags

        return text_tags(super().__sklearn_tags__())


class TopicScores(TransformerMixin, BaseEstimator):
    """Topic probabilities from a classifier trained on the titles of a second corpus.

    The topic model (stemmed word TF-IDF + logistic regression) learns the news topics of a
    larger labelled corpus, by default the 67 AllSides topics with at least 100 titles
    (35,672 titles: ``gun_control_and_gun_rights``, ``elections``, ``economy_and_jobs``...),
    and its probabilities become features. It is transfer, not a second look at the task's data: ``fit`` never sees the
    task's labels, so the fitted topic model is the same in every fold and is built once per
    process (cached); it is stored in the fitted pipeline, so a saved model predicts without
    the corpus. The corpus is read through :mod:`analysis.corpora` (the mirror or the
    original source).

    Parameters
    ----------
    corpus, table : str
        Corpus name and table (``configs/corpus``) with the titles and their topics.
    text, label : str
        Columns holding the text and the topic.
    min_count : int, default 100
        Topics with fewer texts are left out.
    C : float, default 3.0
        Inverse regularisation of the topic model's logistic regression.
    """

    def __init__(
        self, corpus="allsides", table="articles", text="title", label="topic", min_count=100, C=3.0
    ):
        self.corpus = corpus
        self.table = table
        self.text = text
        self.label = label
        self.min_count = min_count
        self.C = C

    def fit(self, X, y=None):
        _as_texts(X)
        if int(self.min_count) < 1 or float(self.C) <= 0:
            raise ValueError("TopicScores needs min_count >= 1 and C > 0")
        self.model_, self.info_ = _topic_model(
            str(self.corpus),
            str(self.table),
            str(self.text),
            str(self.label),
            int(self.min_count),
            float(self.C),
        )
        self.topics_ = np.asarray(self.model_.classes_, dtype=object)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(_as_texts(X))

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"topic_{t}" for t in self.topics_], dtype=object)

    def __sklearn_tags__(self):
        from analysis.features._text import text_tags

        return text_tags(super().__sklearn_tags__())


@lru_cache(maxsize=4)
def _topic_model(
    corpus: str, table: str, text: str, label: str, min_count: int, C: float
) -> tuple[Pipeline, dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression

    from analysis.corpora import iter_articles

    # streamed, keeping only the two columns: the whole AllSides table with article texts
    # would hold ~240 MB in the (joblib worker) process for the rest of its life
    parts = []
    for chunk in iter_articles({"name": corpus, "table": table}, chunk_size=5000):
        missing = [c for c in (text, label) if c not in chunk.columns]
        if missing:
            raise ConfigError(
                f"TopicScores: corpus {corpus!r} table {table!r} has no column(s) {missing}; "
                f"its columns are {list(chunk.columns)}: set text= and label= to two of them"
            )
        parts.append(chunk[[text, label]])
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[text, label])
    texts = df[text].astype("string").fillna("").str.strip()
    topics = df[label].astype("string").fillna("").str.strip()
    usable = (texts != "") & (topics != "")
    counts = topics[usable].value_counts()
    kept = counts[counts >= min_count].index
    rows = usable & topics.isin(kept)
    if len(kept) < 2:
        raise ConfigError(
            f"TopicScores: {corpus!r} has {len(kept)} topic(s) in {label!r} with >= {min_count} "
            "texts; a topic model needs at least two: lower min_count"
        )
    model = Pipeline(
        [
            ("stemmedtext", StemmedText()),
            ("tfidf", CompactTfidfVectorizer(sublinear_tf=True, min_df=2)),
            ("logreg", LogisticRegression(C=C, max_iter=300)),
        ]
    )
    model.fit(texts[rows].tolist(), topics[rows].to_numpy(dtype=object).astype(str))
    info = {
        "corpus": corpus,
        "texts": int(rows.sum()),
        "topics": len(kept),
        "left_out": int(usable.sum() - rows.sum()),
    }
    return model, info


class AnnotatedWordScores(TransformerMixin, BaseEstimator):
    """How strongly a text's words look like the words annotators marked, learned per token.

    BABE's experts did not only label a sentence biased, they marked the words that make it
    so (``biased_words``: "bizarre", "cult", "slammed"). A token-level logistic regression
    learns from those marks which word, in which context, is a marked one (features: the
    word, its stem, its last two and three letters, the words before and after it, and
    whether it is capitalised inside the sentence); a text's features are its highest three
    token probabilities, how many exceed 0.5 and their sum. Word-level supervision puts the
    blame of a biased sentence on its loaded words instead of on every word of it, which a
    sentence-level bag of words cannot do.

    ``fit`` learns from the marks of its training texts only: it reads the corpus's
    annotation column through :mod:`analysis.corpora` and matches the texts it is given
    (white space normalised), so in cross-validation the held-out fold's marks are never
    read. ``fit_transform`` returns *cross-fitted* features (each training text scored by a
    token model that did not see its marks, ``folds`` folds), as
    :class:`sklearn.preprocessing.TargetEncoder` does, so the classifier after it learns how
    far the scores can be trusted on unseen text; ``fit(X).transform(X)`` therefore differs
    from ``fit_transform(X)``. The fitted token model is stored with the pipeline, so a saved
    model predicts without the corpus.

    Parameters
    ----------
    corpus, table : str
        Corpus name and table holding the texts and their marked words.
    text, words : str
        The text column and the column of marked words: a list, or text such as
        ``"['cult', 'fringe']"`` (its words are what counts).
    C : float, default 0.3
        Inverse regularisation of the token model.
    folds : int, default 5
        Cross-fitting folds of ``fit_transform``.
    min_found : float, default 0.9
        Share of the training texts that must be found in the corpus; fewer means the model
        is being trained on other texts than the annotated ones, which is an error.
    seed : int, default 0
        Shuffling of the cross-fitting folds.
    """

    N_FEATURES = 2**18  #: hashed token features

    def __init__(
        self,
        corpus="babe",
        table="sentences",
        text="text",
        words="biased_words",
        C=0.3,
        folds=5,
        min_found=0.9,
        seed=0,
    ):
        self.corpus = corpus
        self.table = table
        self.text = text
        self.words = words
        self.C = C
        self.folds = folds
        self.min_found = min_found
        self.seed = seed

    def _marks(self, texts: list[str]) -> list[frozenset]:
        if float(self.C) <= 0 or int(self.folds) < 2:
            raise ValueError("AnnotatedWordScores needs C > 0 and folds >= 2")
        marks = _word_marks(str(self.corpus), str(self.table), str(self.text), str(self.words))
        found = [marks.get(" ".join(t.split())) for t in texts]
        share = sum(m is not None for m in found) / max(len(texts), 1)
        if share < float(self.min_found):
            raise ValueError(
                f"AnnotatedWordScores: only {share:.0%} of the {len(texts):,} training texts are "
                f"in corpus {self.corpus!r} table {self.table!r}; it learns from that corpus's "
                f"marked words ({self.words!r}), so train it on that corpus's texts "
                "(or lower min_found if a few were changed on purpose)"
            )
        self.found_ = float(share)
        return [m or frozenset() for m in found]

    def _fit_tokens(self, texts, marks):
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        hashed = [_hashed_tokens(t) for t in texts]
        labels = [
            w.lower() in m for (_, words), m in zip(hashed, marks, strict=True) for w in words
        ]
        if len(set(labels)) < 2:
            raise ValueError(
                f"AnnotatedWordScores: the training texts have {'no' if not any(labels) else 'only'}"
                f" marked words in {self.words!r}; the token model needs both kinds"
            )
        # liblinear: 4x faster than lbfgs on these ~60,000 x 2^18 hashed tokens; bias nested
        # CV 0.752 vs 0.755 macro-F1 (it also penalises the intercept)
        model = LogisticRegression(C=float(self.C), solver="liblinear")
        return model.fit(sparse.vstack([h for h, _ in hashed]), np.asarray(labels, dtype=int))

    def _scores(self, model, texts) -> np.ndarray:
        out = np.zeros((len(texts), 5))
        for i, p in enumerate(_token_probabilities(model, texts)):
            q = np.sort(p)[::-1]
            top = np.concatenate([q[:3], np.zeros(max(0, 3 - len(q)))])
            out[i] = [*top, float((q > 0.5).sum()), float(q.sum())]
        return out

    def token_probabilities(self, X, cache: bool = True) -> list[np.ndarray]:
        """Per text, the probability of each of its words (``_WORD_RE`` tokens, in order) to be
        a marked one, from the fitted token model. ``cache=False`` for texts seen once (a
        run's segments), which would only fill the per-text cache that CV relies on."""
        check_is_fitted(self, "model_")
        return _token_probabilities(self.model_, _as_texts(X), cache=cache)

    def fit(self, X, y=None):
        texts = _as_texts(X)
        self.model_ = self._fit_tokens(texts, self._marks(texts))
        return self

    def fit_transform(self, X, y=None, **fit_params):
        from sklearn.model_selection import KFold

        texts = _as_texts(X)
        marks = self._marks(texts)
        out = np.zeros((len(texts), len(self.get_feature_names_out())))
        folds = KFold(int(self.folds), shuffle=True, random_state=int(self.seed))
        for train, test in folds.split(texts):
            model = self._fit_tokens([texts[i] for i in train], [marks[i] for i in train])
            out[test] = self._scores(model, [texts[i] for i in test])
        self.model_ = self._fit_tokens(texts, marks)
        return out

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self._scores(self.model_, _as_texts(X))

    def get_feature_names_out(self, input_features=None):
        names = ("top1", "top2", "top3", "over_half", "sum")
        return np.asarray([f"marked_words_{n}" for n in names], dtype=object)

    def __sklearn_tags__(self):
        from analysis.features._text import text_tags

        return text_tags(super().__sklearn_tags__())


def _token_probabilities(model, texts: list[str], cache: bool = True) -> list[np.ndarray]:
    from scipy import sparse

    hash_tokens = _hashed_tokens if cache else _hashed_tokens.__wrapped__
    hashed = [hash_tokens(t) for t in texts]
    sizes = np.cumsum([0] + [h.shape[0] for h, _ in hashed])
    if not sizes[-1]:
        return [np.zeros(0) for _ in texts]
    p = model.predict_proba(sparse.vstack([h for h, _ in hashed]))[:, 1]
    return [p[a:b] for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


@lru_cache(maxsize=20_000)
def _hashed_tokens(text: str):
    """The words of ``text`` and one hashed feature row per word (cached: cross-fitting and
    nested CV score the same texts many times)."""
    from sklearn.feature_extraction import FeatureHasher

    from analysis.features._text import _WORD_RE

    words = tuple(_WORD_RE.findall(text))
    low = [w.lower() for w in words]
    rows = []
    for j, w in enumerate(low):
        f = [
            "w=" + w,
            "s=" + _stem(w),
            "x3=" + w[-3:],
            "x2=" + w[-2:],
            "p=" + (low[j - 1] if j else "<s>"),
            "n=" + (low[j + 1] if j + 1 < len(low) else "</s>"),
        ]
        if j and words[j][0].isupper():
            f.append("cap")
        rows.append(f)
    if not rows:
        from scipy import sparse

        return sparse.csr_matrix((0, AnnotatedWordScores.N_FEATURES)), words
    hashed = FeatureHasher(AnnotatedWordScores.N_FEATURES, input_type="string").transform(rows)
    return hashed.tocsr(), words


@lru_cache(maxsize=4)
def _word_marks(corpus: str, table: str, text: str, words: str) -> dict[str, frozenset]:
    """Normalised text -> the lower-cased words marked in it (union over repeated texts)."""
    from analysis.corpora import iter_articles
    from analysis.features._text import _WORD_RE

    marks: dict[str, frozenset] = {}
    for chunk in iter_articles({"name": corpus, "table": table}, chunk_size=5000):
        missing = [c for c in (text, words) if c not in chunk.columns]
        if missing:
            raise ConfigError(
                f"AnnotatedWordScores: corpus {corpus!r} table {table!r} has no column(s) "
                f"{missing}; its columns are {list(chunk.columns)}: set text= and words="
            )
        pairs = zip(chunk[text].astype("string").fillna(""), chunk[words], strict=True)
        for t, m in pairs:
            key = " ".join(str(t).split())
            if isinstance(m, (list, tuple, np.ndarray)):  # a list column (Parquet, JSONL)
                m = " ".join(map(str, m))
            elif m is None or (isinstance(m, float) and m != m):
                m = ""
            got = frozenset(w.lower() for w in _WORD_RE.findall(str(m)))
            marks[key] = marks.get(key, frozenset()) | got
    return marks


@lru_cache(maxsize=32)
def _keyword_patterns(key: tuple) -> list[re.Pattern]:
    pats = []
    for _, terms in key:
        alts = sorted({t.strip().lower() for t in terms}, key=len, reverse=True)
        body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts)
        pats.append(re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE))
    return pats


def _as_texts(X) -> list[str]:
    if isinstance(X, str):
        raise ValueError("expected a list of texts, got one string: wrap it in a list")
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError("expected one column of texts")
        X = X.iloc[:, 0]
    return ["" if t is None or (isinstance(t, float) and t != t) else str(t) for t in X]


# --------------------------------------------------------------------------- task configs


def compose_task(task: str, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The resolved config of a task: ``configs/config.yaml`` with ``classifier=TASK``.

    ``overrides`` are Hydra-style (``classifier.cv.folds=3``, ``seed=7``). Returns the
    ``classifier`` node as a plain dict, with the global ``seed`` filled in.
    """
    from omegaconf import OmegaConf

    from analysis.run import compose_config

    _check_task_name(task)
    overrides = [str(o) for o in overrides]
    for o in overrides:
        if "=" not in o and not o.startswith("~"):
            raise ConfigError(f"override {o!r} is not key=value (e.g. classifier.cv.folds=3)")
    try:
        cfg = compose_config([f"classifier={task}", *overrides])
    except FramelensError:
        raise
    except Exception as exc:
        # config.yaml without a `classifier` default: append the group instead of overriding it
        if "Could not override 'classifier'" not in str(exc):
            raise ConfigError(
                f"cannot compose classifier={task}: {exc}".replace("\n", " ")
            ) from exc
        try:
            cfg = compose_config([f"+classifier={task}", *overrides])
        except Exception as exc2:
            raise ConfigError(
                f"cannot compose classifier={task}: {exc2}".replace("\n", " ")
            ) from exc2
    node = cfg.get("classifier")
    if node is None:
        raise ConfigError(f"configs/classifier/{task}.yaml composed to nothing")
    out = OmegaConf.to_container(node, resolve=True)
    out.setdefault("seed", int(cfg.get("seed", 13)))
    out.setdefault("task", task)
    _check_cv(out.get("cv") or {})
    return out


#: The ``cv`` settings of a task and their smallest sensible values.
_CV_MINIMA = {"folds": 2, "inner_folds": 2, "bootstrap": 1, "repeats": 1}


def _check_cv(cv: Mapping[str, Any]) -> None:
    """Refuse a ``classifier.cv`` value that is not a whole number at or above its minimum
    before any data is read (``repeats=abc`` used to fail deep inside the evaluation)."""
    for key, least in _CV_MINIMA.items():
        value = cv.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(
                f"classifier.cv.{key} must be a whole number >= {least}, got {value!r} "
                f"(e.g. classifier.cv.{key}={max(least, 3 if key != 'bootstrap' else 1000)})"
            )


def _check_task_name(task: str) -> None:
    known = sorted(p.stem for p in (PROJECT_ROOT / "configs" / "classifier").glob("*.yaml"))
    if task not in known:
        raise ConfigError(
            f"unknown classifier task {task!r}; tasks with a config under configs/classifier/: "
            + ", ".join(known)
        )


@dataclass
class TaskData:
    """Texts and labels of a task, with the accounting that goes into the model card."""

    texts: list[str]
    labels: np.ndarray
    ids: list[str]
    info: dict[str, Any]


def load_task_data(cfg: Mapping[str, Any], sample: int | None = None) -> TaskData:
    """Load a task's training rows from its corpus and apply the row rules.

    ``cfg["rows"]`` may hold ``keep`` and ``drop`` lists of rules ``{column, values, why}``:
    rows whose column is not among the values are left out (keep), or rows whose column is
    (drop); each rule's count and reason go into the model card. ``sample`` draws a
    stratified subsample (tests, notebooks on small settings).
    """
    import dataclasses

    from analysis.corpora import load_corpus, resolve_source, table_columns

    corpus = dict(cfg.get("corpus") or {})
    if not corpus.get("name"):
        raise ConfigError("classifier.corpus.name is missing")
    table = str(corpus.get("table") or "")
    if "ironyhashtags" in table.lower():
        raise ConfigError(
            f"refusing to train on {corpus['name']}/{table}: that table keeps the irony hashtags "
            "the tweets were collected with, so the label leaks into the text; use taskA or taskB"
        )
    label_col = cfg.get("label")
    if not label_col:
        raise ConfigError("classifier.label (the label column) is missing")
    if corpus.get("path"):
        # your own labelled file: the label column is read as it is named, and a text
        # classifier needs no outlet (a corpus of articles does)
        corpus["extra"] = {str(label_col): str(label_col), **dict(corpus.get("extra") or {})}
        fields = dict(corpus.get("fields") or {})
        fields.setdefault("outlet", {"value": "-"})
        corpus["fields"] = fields
        # labelled items, as in the bundled training corpora: a repeated text is another
        # example (with its own label), not a duplicate article
        options = dict(corpus.get("options") or {})
        if not options.get("duplicate_texts"):
            options["duplicate_texts"] = "keep"
        corpus["options"] = options
    source = resolve_source({k: v for k, v in corpus.items() if v is not None})
    if source.custom:  # the corpus layer's hints in this command's settings
        source = dataclasses.replace(
            source,
            fields_hint="+classifier.corpus.fields.{field}=COLUMN",
            # the label column is checked below, with the setting that names it
            named_columns=tuple(
                c for c in source.named_columns if c[0] != f"corpus.extra.{label_col}"
            ),
        )
    df, report = load_corpus(source)
    from analysis.provenance import file_listing, source_files

    if corpus.get("path") and label_col in df.columns and not df[label_col].notna().any():
        found = table_columns(Path(str(corpus["path"])).expanduser(), source.table)
        raise ConfigError(
            f"no label in column {label_col!r} of {Path(str(corpus['path'])).name}: "
            + (
                f"the file has no such column (its columns: {', '.join(map(repr, found))})"
                if found is not None and label_col not in found
                else "the column is empty or absent"
            )
            + "; name the label column with classifier.label=COLUMN"
        )
    if label_col not in df.columns:
        raise ConfigError(
            f"corpus {corpus['name']} has no column {label_col!r}; columns: {', '.join(df.columns)}"
        )
    info: dict[str, Any] = {
        "corpus": corpus.get("name"),
        "table": report.table,
        **({"path": str(corpus["path"])} if corpus.get("path") else {}),
        "label_column": label_col,
        "load_report": report.to_dict(),
        "excluded": [],
        # what the model was trained from, as a run's manifest lists it
        **file_listing(source_files(source)),
    }
    df = df.copy()
    df[label_col] = df[label_col].map(lambda v: "" if v is None or v != v else str(v).strip())
    rows = dict(cfg.get("rows") or {})
    for rule in [*(rows.get("keep") or []), *(rows.get("drop") or [])]:
        if (
            not isinstance(rule, Mapping)
            or rule.get("column") not in df.columns
            or not rule.get("values")
        ):
            raise ConfigError(
                f"classifier.rows rule {rule!r} needs a column of the corpus and values "
                f"(columns: {', '.join(df.columns)})"
            )
    for rule in rows.get("keep") or []:
        col, values = rule["column"], [str(v) for v in rule["values"]]
        mask = df[col].astype(str).isin(values)
        info["excluded"].append(
            {
                "rule": f"keep {col} in {values}",
                "why": rule.get("why", ""),
                "rows": int((~mask).sum()),
            }
        )
        df = df[mask]
    for rule in rows.get("drop") or []:
        col, values = rule["column"], [str(v) for v in rule["values"]]
        mask = df[col].astype(str).isin(values)
        info["excluded"].append(
            {"rule": f"drop {col} in {values}", "why": rule.get("why", ""), "rows": int(mask.sum())}
        )
        df = df[~mask]
    empty = df[label_col] == ""
    if empty.any():
        info["excluded"].append(
            {"rule": "empty label", "why": "no label to learn", "rows": int(empty.sum())}
        )
        df = df[~empty]
    labels = [str(v) for v in (cfg.get("labels") or [])]
    if labels:
        unknown = sorted(set(df[label_col]) - set(labels))
        if unknown:
            raise ConfigError(
                f"labels {unknown} in column {label_col!r} are not in classifier.labels {labels}; "
                "add them or drop those rows with classifier.rows.drop"
            )
    if sample and sample >= len(df):
        log.warning(
            "--sample %d is not below the %d rows there are: using all of them", sample, len(df)
        )
    elif sample:
        info["rows_before_sample"] = len(df)  # the full model's rows, for the card
        df = _stratified_sample(df, label_col, int(sample), int(cfg.get("seed", 13)))
        info["subsample"] = int(sample)
    if df[label_col].nunique() < 2:
        raise ConfigError(f"task {cfg.get('task')}: fewer than two labels left after the row rules")
    info["rows"] = len(df)
    info["label_counts"] = {k: int(v) for k, v in sorted(Counter(df[label_col]).items())}
    y = np.asarray(df[label_col].tolist(), dtype=object)
    return TaskData(df["text"].astype(str).tolist(), y, df["id"].astype(str).tolist(), info)


def _stratified_sample(df: pd.DataFrame, col: str, n: int, seed: int) -> pd.DataFrame:
    """Exactly ``n`` rows (all of them when ``n >= len(df)``), each label in proportion and
    at least twice (cross-validation needs two per label): largest remainders fill up."""
    rng = np.random.default_rng(seed)
    groups = [group for _, group in df.groupby(col, sort=True)]
    sizes = np.array([len(g) for g in groups])
    if n >= sizes.sum():
        return df
    floor = np.minimum(sizes, 2)
    if n < floor.sum():
        raise ConfigError(
            f"a sample of {n} rows cannot hold two rows of each of the {len(groups)} labels of "
            f"{col!r}: ask for at least {int(floor.sum())} (--sample)"
        )
    quota = sizes * (n / sizes.sum())
    k = np.clip(np.floor(quota).astype(int), floor, sizes)
    order = np.argsort(-(quota - np.floor(quota)), kind="stable")  # largest remainder first
    while k.sum() < n:
        for i in order:
            if k.sum() < n and k[i] < sizes[i]:
                k[i] += 1
    while k.sum() > n:  # the two-per-label floor took more: trim the largest shares
        for i in np.argsort(-(k - quota), kind="stable"):
            if k.sum() > n and k[i] > floor[i]:
                k[i] -= 1
    parts = []
    for group, size in zip(groups, k, strict=True):
        idx = rng.choice(len(group), size=int(size), replace=False)
        parts.append(group.iloc[np.sort(idx)])
    return pd.concat(parts).sort_index()


# --------------------------------------------------------------------------- pipelines


def _built(node: Any, where: str) -> Any:
    from analysis.config import build

    if isinstance(node, Mapping) and "_target_" not in node:
        # Hydra would hand the mapping itself to scikit-learn, which fails far away
        hint = f" (it has 'target': write {where}._target_)" if "target" in node else ""
        raise ConfigError(
            f"{where} needs _target_ naming the class to build{hint}; it has: "
            f"{', '.join(map(str, node)) or 'nothing'}. E.g. "
            f"'+{where}={{_target_:my_features.MyTransformer}}'"
        )
    obj = build(node, where, _convert_="all")
    return _fix_tuples(obj)


def _fix_tuples(est: Any) -> Any:
    """YAML gives lists; scikit-learn wants tuples for ranges (``ngram_range``)."""
    from analysis.config import TUPLE_PARAMS

    if isinstance(est, BaseEstimator):
        fixes = {
            k: tuple(v)
            for k, v in est.get_params(deep=True).items()
            if k.rsplit("__", 1)[-1] in TUPLE_PARAMS and isinstance(v, list)
        }
        if fixes:
            est.set_params(**fixes)
    return est


def _branch(node: Any, where: str) -> Any:
    if isinstance(node, list):
        steps = [_built(n, f"{where}[{i}]") for i, n in enumerate(node)]
        names = [type(s).__name__.lower() for s in steps]
        return Pipeline(list(zip(names, steps, strict=True)))
    return _built(node, where)


def build_pipeline(
    cfg: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    *,
    calibrated: bool | None = None,
    fine_tune: bool | None = None,
) -> Pipeline:
    """The unfitted task pipeline ``clean -> features -> clf`` from a task config.

    ``cfg["pipeline"]`` has ``clean`` (a node), ``features`` (name -> node, or a list of
    nodes run in sequence), optional ``weights`` (name -> float) and ``model`` (a node).
    ``params`` are set on the classifier (e.g. the tuned ``C``). With
    ``embeddings.enabled`` a ``embeddings`` branch is added to the features: frozen MiniLM
    vectors, or with ``embeddings.fine_tune.enabled`` (or ``fine_tune=True``) an encoder
    fine-tuned on the training labels. The classifier is wrapped in
    :class:`~sklearn.calibration.CalibratedClassifierCV` when ``calibration.enabled`` (or
    ``calibrated=True``). Tuning uses ``calibrated=False, fine_tune=False``: the grid is
    searched over frozen vectors, so the encoder is fine-tuned once per fitted model rather
    than once per inner fold (in nested CV on GVFC frames both ways chose the same
    parameters in 4 of 5 folds and scored alike, benchmarks/classifiers.md).
    """
    pcfg = dict(cfg.get("pipeline") or {})
    if not pcfg.get("features") or not pcfg.get("model"):
        raise ConfigError("classifier.pipeline needs features and model")
    clean = (
        _built(pcfg["clean"], "classifier.pipeline.clean") if pcfg.get("clean") else TextCleaner()
    )
    branches = [
        (name, _branch(node, f"classifier.pipeline.features.{name}"))
        for name, node in dict(pcfg["features"]).items()
        if node is not None
    ]
    weights = {k: float(v) for k, v in dict(pcfg.get("weights") or {}).items()}
    unknown = sorted(set(weights) - set(dict(pcfg["features"])) - {"embeddings"})
    if unknown:  # a misspelt branch name would leave the branch it meant at weight 1
        raise ConfigError(
            f"classifier.pipeline.weights.{unknown[0]} names no feature branch; the branches "
            f"are: {', '.join(sorted(dict(pcfg['features'])))} (a branch without a weight "
            "has weight 1)"
        )
    emb = dict(cfg.get("embeddings") or {})
    if emb.get("enabled"):
        from analysis.embeddings import FineTunedEmbeddings, SentenceEmbeddings

        common = {
            "model": emb.get("model", "all-MiniLM-L6-v2"),
            "batch_size": int(emb.get("batch_size", 64)),
        }
        tuning = dict(emb.get("fine_tune") or {})
        if tuning.get("enabled") if fine_tune is None else fine_tune:
            tuning.pop("enabled", None)
            try:
                encoder = FineTunedEmbeddings(**common, **tuning)
            except TypeError:
                known = set(FineTunedEmbeddings().get_params()) - set(common)
                raise ConfigError(
                    "classifier.embeddings.fine_tune has unknown keys "
                    f"{sorted(set(tuning) - known)}: use enabled, {', '.join(sorted(known))}"
                ) from None
        else:
            encoder = SentenceEmbeddings(**common)
        if emb.get("standardize"):
            from sklearn.preprocessing import StandardScaler

            encoder = Pipeline(
                [("sentenceembeddings", encoder), ("standardscaler", StandardScaler())]
            )
        branches.append(("embeddings", encoder))
        weights["embeddings"] = float(emb.get("weight", 1.0))
    vote = _encoder_vote(cfg) if fine_tune is not False else None
    if vote is not None:  # last: SoftVote reads its probabilities from the last columns
        branches.append(("encoder_vote", vote[0]))
        weights["encoder_vote"] = 1.0
    names = [n for n, _ in branches]
    weights = {k: v for k, v in weights.items() if k in names} or None
    features = FeatureUnion(branches, transformer_weights=weights)
    model = _built(pcfg["model"], "classifier.pipeline.model")
    if params:
        model.set_params(**params)
    seed = int(cfg.get("seed", 13))
    calib = dict(cfg.get("calibration") or {})
    if calib.get("enabled") if calibrated is None else calibrated:
        model = _calibrated(model, calib, seed)
    if vote is not None:
        model = SoftVote(model, weight=vote[1])
    pipe = Pipeline([("clean", clean), ("features", features), ("clf", model)])
    # every random step gets the config's seed (LinearSVC's dual solver shuffles, for one)
    unseeded = {
        k: seed
        for k, v in pipe.get_params(deep=True).items()
        if k.endswith("random_state") and v is None
    }
    return pipe.set_params(**unseeded) if unseeded else pipe


#: the keys of ``classifier.encoder_vote`` besides enabled and weight
ENCODER_VOTE_KEYS = (
    "epochs",
    "learning_rate",
    "train_batch_size",
    "warmup",
    "class_weight",
    "batch_size",
)


def _encoder_vote(cfg: Mapping[str, Any]) -> tuple[Any, float] | None:
    """The fine-tuned encoder and its vote weight, if ``classifier.encoder_vote.enabled``."""
    node = dict(cfg.get("encoder_vote") or {})
    if not node.get("enabled"):
        return None
    unknown = sorted(set(node) - {"enabled", "weight", "model", *ENCODER_VOTE_KEYS})
    if unknown:
        raise ConfigError(
            f"classifier.encoder_vote has unknown keys {unknown}: use enabled, weight, "
            + ", ".join(ENCODER_VOTE_KEYS)
        )
    try:
        weight = float(node.get("weight", 0.5))
    except (TypeError, ValueError):
        weight = float("nan")
    if not 0.0 < weight <= 1.0:
        raise ConfigError(
            f"classifier.encoder_vote.weight must be above 0 and at most 1, got "
            f"{node.get('weight')!r} (the encoder's share of the averaged probability)"
        )
    from analysis.embeddings import FineTunedProbabilities

    kwargs = {k: node[k] for k in ENCODER_VOTE_KEYS if node.get(k) is not None}
    encoder = FineTunedProbabilities(model=node.get("model") or "all-MiniLM-L6-v2", **kwargs)
    return encoder, weight


def _calibrated(model: Any, calib: Mapping[str, Any], seed: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV

    folds = StratifiedKFold(int(calib.get("folds", 5)), shuffle=True, random_state=seed)
    return CalibratedClassifierCV(
        model,
        method=str(calib.get("method", "sigmoid")),
        cv=folds,
        ensemble=bool(calib.get("ensemble", True)),
    )


def _grid(cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The candidates of ``classifier.grid``, each checked against the model before any
    work: an empty list, an unknown parameter or a value the model refuses (``C=-1``,
    ``class_weight=balancd``) is a :class:`ConfigError` naming the key, not a traceback
    from the first fit."""
    grid = dict(cfg.get("grid") or {})
    empty = [k for k, v in grid.items() if isinstance(v, (list, tuple)) and not v]
    if empty:
        raise ConfigError(
            f"classifier.grid.{empty[0]} is an empty list: give at least one value, or drop "
            f"the key with '~classifier.grid.{empty[0]}'"
        )
    candidates = (
        list(
            ParameterGrid(
                {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in grid.items()}
            )
        )
        if grid
        else [{}]
    )
    pcfg = cfg.get("pipeline") or {}
    if "model" not in pcfg:
        return candidates
    model = _built(pcfg["model"], "classifier.pipeline.model")

    def check(est: Any, setting: str) -> None:
        try:
            getattr(est, "_validate_params", lambda: None)()  # scikit-learn's own check
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{setting} is not valid for {type(est).__name__}: "
                f"{' '.join(str(exc).split())[:300]}"
            ) from None

    for params in candidates:
        for key, value in params.items():
            try:
                est = clone(model).set_params(**{key: value})
            except ValueError as exc:  # a parameter the model does not have
                raise ConfigError(
                    f"classifier.grid.{key} is not a parameter of {type(model).__name__}: "
                    f"{' '.join(str(exc).split())[:300]}"
                ) from None
            check(est, f"classifier.grid.{key}={value!r}")
    calib = dict(cfg.get("calibration") or {})
    if calib.get("enabled"):
        check(_calibrated(clone(model), calib, 0), "classifier.calibration")
    return candidates


# --------------------------------------------------------------------------- metrics


def _metric_name(cfg: Mapping[str, Any]) -> str:
    return str(cfg.get("metric") or "f1_macro")


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    index = {lab: i for i, lab in enumerate(labels)}
    t = np.fromiter((index[v] for v in y_true), dtype=np.int64, count=len(y_true))
    p = np.fromiter((index.get(v, -1) for v in y_pred), dtype=np.int64, count=len(y_pred))
    ok = p >= 0
    k = len(labels)
    return np.bincount(t[ok] * k + p[ok], minlength=k * k).reshape(k, k)


def _scores_from_confusion(cm: np.ndarray) -> dict[str, Any]:
    tp = np.diag(cm).astype(float)
    pred = cm.sum(axis=0).astype(float)
    true = cm.sum(axis=1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(pred > 0, tp / pred, 0.0)
        rec = np.where(true > 0, tp / true, 0.0)
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    total = cm.sum()
    return {
        "precision": prec,
        "recall": rec,
        "f1": f1,
        "accuracy": tp.sum() / total if total else 0.0,
    }


def score(metric: str, y_true, y_pred, labels: Sequence[str], positive: str | None = None) -> float:
    """``f1_macro``, ``f1_positive`` (F1 of ``positive``) or ``accuracy`` of predictions."""
    s = _scores_from_confusion(_confusion(np.asarray(y_true), np.asarray(y_pred), labels))
    if metric == "f1_macro":
        return float(s["f1"].mean())
    if metric == "f1_positive":
        if positive is None:
            raise ConfigError("metric f1_positive needs classifier.positive (the label it scores)")
        return float(s["f1"][list(labels).index(positive)])
    if metric == "accuracy":
        return float(s["accuracy"])
    raise ConfigError(f"unknown metric {metric!r}: use f1_macro, f1_positive or accuracy")


def _all_scores(y_true, y_pred, labels, positive, class_weights=None) -> dict[str, float]:
    """Every metric of the predictions; ``class_weights`` (one per label) weight each row by
    its true label's weight (:func:`_test_share_weights`)."""
    return _cm_scores(_confusion(y_true, y_pred, labels), labels, positive, class_weights)


def _cm_scores(cm: np.ndarray, labels, positive, class_weights=None) -> dict[str, float]:
    if class_weights is not None:  # rows of the confusion matrix are the true labels
        cm = cm * np.asarray(class_weights, dtype=float)[:, None]
    s = _scores_from_confusion(cm)
    out = {"f1_macro": float(s["f1"].mean()), "accuracy": float(s["accuracy"])}
    if positive is not None:
        out["f1_positive"] = float(s["f1"][list(labels).index(positive)])
    return out


def _test_shares(cfg: Mapping[str, Any], labels: Sequence[str]) -> dict[str, Any] | None:
    """``classifier.test_shares`` checked: ``{counts: {label: n}, source}`` with a positive
    count for every label, or None when the task config gives none. With ``corpus: NAME``
    the counts describe that corpus's test, so they are left out (None) when the task is
    trained on another corpus or on your own labelled file."""
    node = cfg.get("test_shares")
    if not node:
        return None
    corpus = dict(cfg.get("corpus") or {})
    of = node.get("corpus") if isinstance(node, Mapping) else None
    if of is not None and (corpus.get("path") or of != corpus.get("name")):
        return None
    counts = dict(node.get("counts") or {}) if isinstance(node, Mapping) else {}
    counts = {str(k): v for k, v in counts.items()}
    bad = [k for k, v in counts.items() if not isinstance(v, int) or isinstance(v, bool) or v < 1]
    if set(counts) != {str(lab) for lab in labels} or bad:
        raise ConfigError(
            "classifier.test_shares needs counts: {label: number of test rows} for exactly the "
            f"labels {list(labels)} (positive integers), and a source; got {dict(node)!r}"
        )
    return {"counts": counts, "source": str(node.get("source") or "")}


def _test_share_weights(y: np.ndarray, labels: Sequence[str], counts: Mapping[str, int]):
    """Per label, its share in the test over its share in ``y``: weighting each row by its
    label's weight gives the class balance of the test."""
    n, total = len(y), sum(counts.values())
    return np.array(
        [counts[lab] / total / max((y == lab).sum() / n, 1e-12) for lab in labels], dtype=float
    )


def _t_interval(
    values: Sequence[float], level: float = 0.95, bounds: tuple[float, float] = (0.0, 1.0)
) -> tuple[float, float]:
    """A t interval of the fold mean, cut to the metric's range (F1 and accuracy lie in
    [0, 1]; on a few small folds the plain interval ran to -0.08)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return float(v.mean()), float(v.mean())
    half = stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return float(max(bounds[0], v.mean() - half)), float(min(bounds[1], v.mean() + half))


def _bootstrap(
    y_true,
    y_pred,
    labels,
    positive,
    n_boot: int,
    seed: int,
    level: float = 0.95,
    class_weights=None,
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of each metric over rows resampled with replacement (each row
    weighted by its true label's ``class_weights``, when given)."""
    labels = list(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    t = np.fromiter((index[v] for v in y_true), dtype=np.int64, count=len(y_true))
    p = np.fromiter((index.get(v, 0) for v in y_pred), dtype=np.int64, count=len(y_pred))
    k, n = len(labels), len(t)
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    codes = t * k + p
    for _ in range(int(n_boot)):
        cm = np.bincount(codes[rng.integers(0, n, n)], minlength=k * k).reshape(k, k)
        for m, v in _cm_scores(cm, labels, positive, class_weights).items():
            draws.setdefault(m, []).append(v)
    lo, hi = 50 * (1 - level), 50 * (1 + level)
    return {m: (float(np.percentile(v, lo)), float(np.percentile(v, hi))) for m, v in draws.items()}


# --------------------------------------------------------------------------- tuning


@dataclass
class TuneResult:
    """Outcome of :func:`tune`: the chosen parameters and every candidate's fold scores."""

    metric: str
    best_params: dict[str, Any]
    best_score: float
    candidates: list[dict[str, Any]]
    folds: int
    oof_pred: np.ndarray | None = None  # out-of-fold predictions of the chosen candidate

    def table(self) -> pd.DataFrame:
        rows = [
            {"params": json.dumps(c["params"], sort_keys=True), "mean": c["mean"], "std": c["std"]}
            for c in self.candidates
        ]
        return pd.DataFrame(rows).sort_values(["mean", "params"], ascending=[False, True])


def _fold_features(
    pipe: Pipeline, X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray
):
    head = clone(Pipeline(pipe.steps[:-1]))
    A = head.fit_transform(list(X[train]), y[train])
    B = head.transform(list(X[test]))
    return A, B


def _quiet_fit_warnings() -> None:
    """Inside ``warnings.catch_warnings()``: silence what every grid point would repeat
    (an extreme ``C`` not converging is scored like any other candidate and rarely chosen)."""
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", category=ConvergenceWarning)
    warnings.simplefilter("ignore", category=UserWarning)


def _fit_candidates(pipe, X, y, train, test, grid, labels, metric, positive):
    A, B = _fold_features(pipe, X, y, train, test)
    scores, preds = [], []
    for params in grid:
        clf = clone(pipe.steps[-1][1]).set_params(**params)
        with warnings.catch_warnings():
            _quiet_fit_warnings()
            clf.fit(A, y[train])
        pred = clf.predict(B)
        preds.append(pred)
        scores.append(score(metric, y[test], pred, labels, positive))
    return test, scores, preds


def tune(
    pipe: Pipeline,
    X: Sequence[str],
    y: Sequence[str],
    grid: Sequence[Mapping[str, Any]],
    *,
    folds: int = 5,
    seed: int = 13,
    metric: str = "f1_macro",
    positive: str | None = None,
    labels: Sequence[str] | None = None,
    n_jobs: int = 1,
) -> TuneResult:
    """Choose classifier parameters by stratified k-fold CV on ``X, y`` only.

    ``grid`` is a list of parameter dicts for the last pipeline step. Per fold the feature
    steps are fitted on the training part once and reused by every candidate. Ties go to
    the candidate listed first.
    """
    from joblib import Parallel, delayed

    X = np.asarray(list(X), dtype=object)
    y = np.asarray(list(y), dtype=object)
    labels = list(labels) if labels is not None else sorted(set(y))
    grid = [dict(g) for g in grid] or [{}]
    if len(grid) == 1 and folds < 2:
        return TuneResult(
            metric,
            grid[0],
            float("nan"),
            [{"params": grid[0], "mean": float("nan"), "std": float("nan"), "folds": []}],
            0,
        )
    cv = StratifiedKFold(int(folds), shuffle=True, random_state=int(seed))
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_candidates)(pipe, X, y, tr, te, grid, labels, metric, positive)
        for tr, te in cv.split(X, y)
    )
    per = np.array([r[1] for r in results])  # folds x candidates
    cands = [
        {
            "params": g,
            "mean": float(per[:, i].mean()),
            "std": float(per[:, i].std(ddof=1)),
            "folds": per[:, i].tolist(),
        }
        for i, g in enumerate(grid)
    ]
    best = int(np.argmax(per.mean(axis=0)))
    oof = np.empty(len(y), dtype=object)
    for test, _, preds in results:
        oof[test] = preds[best]
    return TuneResult(metric, grid[best], cands[best]["mean"], cands, int(folds), oof)


# --------------------------------------------------------------------------- nested CV


@dataclass
class CVResult:
    """Out-of-fold predictions of nested cross-validation and the metrics derived from them."""

    task: str
    labels: list[str]
    positive: str | None
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray | None  # n x labels, out-of-fold probabilities (or scores)
    proba_kind: str  # "probability" or "score"
    fold: np.ndarray
    chosen: list[dict[str, Any]]
    metrics: dict[str, Any]
    seconds: float
    ids: list[str] = field(default_factory=list)

    def oof_table(self, texts: Sequence[str] | None = None) -> pd.DataFrame:
        df = pd.DataFrame(
            {
                "id": self.ids or range(len(self.y_true)),
                "fold": self.fold,
                "label": self.y_true,
                "predicted": self.y_pred,
            }
        )
        if self.proba is not None:
            prefix = "p_" if self.proba_kind == "probability" else "score_"
            for j, lab in enumerate(self.labels):
                df[f"{prefix}{lab}"] = self.proba[:, j]
        if texts is not None:
            df["text"] = list(texts)
        return df


def _scores_matrix(clf: Any, B: Any, labels: Sequence[str]) -> tuple[np.ndarray | None, str]:
    classes = list(clf.classes_)
    order = [classes.index(lab) for lab in labels]
    if hasattr(clf, "predict_proba"):
        return np.asarray(clf.predict_proba(B))[:, order], "probability"
    if hasattr(clf, "decision_function"):
        d = np.asarray(clf.decision_function(B))
        if d.ndim == 1:  # binary: score of classes_[1]
            d = np.column_stack([-d, d])
        return d[:, order], "score"
    return None, "none"


def _outer_fold(cfg, X, y, train, test, labels, positive, seed):
    inner = dict(cfg.get("cv") or {})
    tuned = tune(
        build_pipeline(cfg, calibrated=False, fine_tune=False),
        X[train],
        y[train],
        _grid(cfg),
        folds=int(inner.get("inner_folds", 3)),
        seed=seed,
        metric=_metric_name(cfg),
        positive=positive,
        labels=labels,
        n_jobs=1,
    )
    final = build_pipeline(cfg, tuned.best_params)
    with warnings.catch_warnings():
        _quiet_fit_warnings()
        final.fit(list(X[train]), y[train])
    pred = final.predict(list(X[test]))
    feats = Pipeline(final.steps[:-1]).transform(list(X[test]))
    proba, kind = _scores_matrix(final.steps[-1][1], feats, labels)
    return test, pred, proba, kind, tuned.best_params


def _labels(cfg: Mapping[str, Any], y: np.ndarray) -> list[str]:
    given = [str(v) for v in (cfg.get("labels") or [])]
    present = set(y.tolist())
    return [lab for lab in given if lab in present] if given else sorted(present)


def _warm_embeddings(cfg: Mapping[str, Any], texts: Sequence[str]) -> None:
    """Encode every text once in this process, so parallel folds read the disk cache
    instead of each loading the encoder and encoding the same texts."""
    if not dict(cfg.get("embeddings") or {}).get("enabled"):
        return
    pipe = build_pipeline(cfg, calibrated=False, fine_tune=False)
    emb = dict(pipe.named_steps["features"].transformer_list)["embeddings"]
    emb = emb.steps[0][1] if isinstance(emb, Pipeline) else emb
    cleaned = pipe.named_steps["clean"].fit(list(texts)).transform(list(texts))
    emb.fit(cleaned).transform(cleaned)


def cross_validate_task(
    cfg: Mapping[str, Any], data: TaskData | None = None, n_jobs: int | None = None
) -> CVResult:
    """Nested CV of a task on its training data: honest metrics with intervals.

    Outer ``cv.folds`` stratified folds; inside each outer training part the grid is tuned
    with ``cv.inner_folds`` folds and the chosen model (calibrated if configured) is fitted,
    then it predicts the outer test part. Metrics come from the pooled out-of-fold
    predictions; per-fold scores give mean +- std and a t interval, resampling rows gives a
    bootstrap interval (``cv.bootstrap`` draws).

    One partition into folds is one draw: on a thousand rows the fold mean moves by about a
    point of macro-F1 from one shuffle to the next. ``cv.repeats = R`` (> 1) repeats the
    whole nested CV on R partitions, seeded ``seed, seed + 1, ..., seed + R - 1`` (each
    repeat is exactly the run with that seed), and adds the mean and spread of the fold
    means over the partitions to each metric's summary (``repeated``); the predictions,
    per-fold scores and intervals stay those of the first partition.
    """
    from joblib import Parallel, delayed

    start = time.perf_counter()
    _check_positive(cfg)
    data = data or load_task_data(cfg)
    _check_enough_rows(cfg, data.labels, nested=True)
    X = np.asarray(data.texts, dtype=object)
    y = data.labels
    labels = _labels(cfg, y)
    _test_shares(cfg, labels)  # a bad classifier.test_shares: refused before any fold
    positive = cfg.get("positive")
    positive = str(positive) if positive is not None else None
    cvc = dict(cfg.get("cv") or {})
    seed = int(cfg.get("seed", 13))
    repeats = int(cvc.get("repeats") if cvc.get("repeats") is not None else 1)
    if repeats < 1:
        raise ValueError(f"classifier.cv.repeats must be at least 1, got {repeats}")
    folds = int(cvc.get("folds", 5))
    jobs = int(n_jobs if n_jobs is not None else cfg.get("n_jobs", 1))
    _warm_embeddings(cfg, data.texts)
    splits = [
        (r, tr, te)
        for r in range(repeats)
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed + r).split(X, y)
    ]
    done = Parallel(n_jobs=jobs)(
        delayed(_outer_fold)(cfg, X, y, tr, te, labels, positive, seed + r) for r, tr, te in splits
    )
    results = [res for (r, _, _), res in zip(splits, done, strict=True) if r == 0]
    pred = np.empty(len(y), dtype=object)
    fold = np.zeros(len(y), dtype=int)
    proba = None
    kind = "none"
    chosen = []
    for i, (test, p, pr, k, params) in enumerate(results):
        pred[test] = p
        fold[test] = i
        kind = k
        if pr is not None:
            if proba is None:
                proba = np.zeros((len(y), len(labels)))
            proba[test] = pr
        chosen.append(params)
    metrics = _metrics(y, pred, proba, kind, fold, labels, positive, cfg)
    if repeats > 1:
        _add_repeated(metrics, y, splits, done, labels, positive, seed)
    return CVResult(
        task=str(cfg.get("task")),
        labels=labels,
        positive=positive,
        y_true=y,
        y_pred=pred,
        proba=proba,
        proba_kind=kind,
        fold=fold,
        chosen=chosen,
        metrics=metrics,
        seconds=time.perf_counter() - start,
        ids=data.ids,
    )


def _add_repeated(metrics, y, splits, done, labels, positive, seed) -> None:
    """Per metric, the fold mean of every partition and their mean and spread."""
    per_repeat: dict[int, list[dict[str, float]]] = {}
    for (r, _, test), (_, p, *_rest) in zip(splits, done, strict=True):
        per_repeat.setdefault(r, []).append(_all_scores(y[test], p, labels, positive))
    for name, summary in metrics["summary"].items():
        means = [float(np.mean([s[name] for s in scores])) for scores in per_repeat.values()]
        summary["repeated"] = {
            "repeats": len(means),
            "seeds": [seed + r for r in per_repeat],
            "mean": float(np.mean(means)),
            "std": float(np.std(means, ddof=1)),
            "range": [float(min(means)), float(max(means))],
            "fold_means": means,
        }


def _metrics(y, pred, proba, kind, fold, labels, positive, cfg) -> dict[str, Any]:
    cvc = dict(cfg.get("cv") or {})
    seed = int(cfg.get("seed", 13))
    overall = _all_scores(y, pred, labels, positive)
    per_fold = [
        _all_scores(y[fold == f], pred[fold == f], labels, positive) for f in sorted(set(fold))
    ]
    boot = _bootstrap(y, pred, labels, positive, int(cvc.get("bootstrap", 1000)), seed)
    summary = {}
    for m, value in overall.items():
        vals = [pf[m] for pf in per_fold]
        summary[m] = {
            "pooled": value,
            "fold_mean": float(np.mean(vals)),
            "fold_std": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0,
            # every metric lies in [0, 1] except the log loss
            "fold_t95": list(_t_interval(vals, bounds=(0.0, np.inf if m == "log_loss" else 1.0))),
            "bootstrap95": list(boot[m]),
            "folds": vals,
        }
    test = _test_shares(cfg, labels)
    if test is not None:
        # what the official test should show if it differed only in class balance: the
        # same predictions, each row weighted by its label's test share over its share here
        w = _test_share_weights(y, labels, test["counts"])
        at = _all_scores(y, pred, labels, positive, w)
        boot_w = _bootstrap(
            y, pred, labels, positive, int(cvc.get("bootstrap", 1000)), seed, class_weights=w
        )
        for m, value in at.items():
            summary[m]["at_test_shares"] = {"value": value, "bootstrap95": list(boot_w[m])}
    s = _scores_from_confusion(_confusion(y, pred, labels))
    per_class = {
        lab: {
            "precision": float(s["precision"][j]),
            "recall": float(s["recall"][j]),
            "f1": float(s["f1"][j]),
            "support": int((y == lab).sum()),
        }
        for j, lab in enumerate(labels)
    }
    out: dict[str, Any] = {
        "primary": _metric_name(cfg),
        "summary": summary,
        "per_class": per_class,
        "confusion": _confusion(y, pred, labels).tolist(),
        "labels": list(labels),
        "n": len(y),
        "folds": len(set(fold.tolist())),
    }
    if test is not None:
        out["test_shares"] = test
    if proba is not None and kind == "probability":
        from sklearn.metrics import average_precision_score, brier_score_loss, log_loss

        out["log_loss"] = float(log_loss(y, np.clip(proba, 1e-12, 1), labels=labels))
        if positive is not None:
            j = labels.index(positive)
            out["brier_positive"] = float(brier_score_loss(y == positive, proba[:, j]))
        out["average_precision"] = {
            lab: float(average_precision_score(y == lab, proba[:, j]))
            for j, lab in enumerate(labels)
        }
    return out


# --------------------------------------------------------------------------- training


@dataclass
class TrainResult:
    """A fitted task pipeline, the tuning that chose it, and the card describing it."""

    pipeline: Pipeline
    tuning: TuneResult
    card: dict[str, Any]
    cv: CVResult | None = None


def _check_positive(cfg: Mapping[str, Any]) -> None:
    """A positive label that is not among the configured labels (labels changed to
    [no, yes], positive left at "1") failed deep inside the scoring with a traceback."""
    labels, positive = cfg.get("labels"), cfg.get("positive")
    if labels and positive is not None and str(positive) not in [str(v) for v in labels]:
        raise ConfigError(
            f"classifier.positive={positive!r} is not one of classifier.labels "
            f"{[str(v) for v in labels]}: set classifier.positive to the label whose "
            "probability and F1 you want"
        )


def _check_enough_rows(cfg: Mapping[str, Any], y: Sequence[str], nested: bool) -> None:
    """Stop with the counts when a label has too few rows for the configured folds (a
    small labelled file of your own), instead of scikit-learn's traceback from deep
    inside the cross-validation."""
    cvc = dict(cfg.get("cv") or {})
    folds = int(cvc.get("folds", 5))
    calib = dict(cfg.get("calibration") or {})
    need = max(folds, int(calib.get("folds", 5)) if calib.get("enabled") else 0)
    if nested:  # each outer training part (folds - 1 of folds) is split again
        inner = int(cvc.get("inner_folds", 3))
        need = max(need, math.ceil(max(inner, need) * folds / max(folds - 1, 1)))
    counts = Counter(y)
    short = {lab: n for lab, n in sorted(counts.items()) if n < need}
    if len(counts) < 2 or short:
        have = ", ".join(f"{lab!r}: {n}" for lab, n in sorted(counts.items())) or "no rows"
        raise ConfigError(
            f"too few training rows for {folds}-fold cross-validation"
            + (" with calibration" if calib.get("enabled") else "")
            + f": each label needs at least {need} rows (and there must be two labels); "
            f"the rows per label are {have}. Add labelled rows, or lower "
            "classifier.cv.folds (and classifier.calibration.folds)"
        )


def train_task(
    cfg: Mapping[str, Any],
    data: TaskData | None = None,
    *,
    nested: bool = False,
    n_jobs: int | None = None,
) -> TrainResult:
    """Tune on all training rows, fit the final pipeline and describe it in a card.

    The card's ``selection_cv`` metrics are the chosen candidate's own tuning folds (slightly
    optimistic: it won on them). With ``nested=True`` the honest nested-CV metrics of
    :func:`cross_validate_task` are added as ``nested_cv``.
    """
    start = time.perf_counter()
    _check_positive(cfg)
    data = data or load_task_data(cfg)
    _check_enough_rows(cfg, data.labels, nested=nested)
    labels = _labels(cfg, data.labels)
    positive = str(cfg["positive"]) if cfg.get("positive") is not None else None
    jobs = int(n_jobs if n_jobs is not None else cfg.get("n_jobs", 1))
    cvc = dict(cfg.get("cv") or {})
    _warm_embeddings(cfg, data.texts)
    tuned = tune(
        build_pipeline(cfg, calibrated=False, fine_tune=False),
        data.texts,
        data.labels,
        _grid(cfg),
        folds=int(cvc.get("folds", 5)),
        seed=int(cfg.get("seed", 13)),
        metric=_metric_name(cfg),
        positive=positive,
        labels=labels,
        n_jobs=jobs,
    )
    pipe = build_pipeline(cfg, tuned.best_params)
    with warnings.catch_warnings():
        _quiet_fit_warnings()
        pipe.fit(data.texts, data.labels)
    train_seconds = time.perf_counter() - start
    cvres = cross_validate_task(cfg, data, n_jobs=jobs) if nested else None
    card = _card(cfg, data, tuned, labels, positive, train_seconds, cvres)
    card["pipeline"] = _describe_pipeline(pipe, cfg)
    pipe.framelens_ = {
        "format": MODEL_FORMAT,
        "task": str(cfg.get("task")),
        "labels": labels,
        "positive": positive,
        "label_column": cfg.get("label"),
        "label_names": _label_names(cfg),
        "corpus": card["data"]["corpus"],
        "table": card["data"]["table"],
        "created": card["created"],
        "version": card["framelens_version"],
        "sklearn": card["sklearn_version"],
        "config_sha256": card["config_sha256"],
    }
    return TrainResult(pipe, tuned, card, cvres)


def _config_hash(cfg: Mapping[str, Any]) -> str:
    """Hash of what determines the model (not how many processes computed it)."""
    keep = {k: v for k, v in cfg.items() if k != "n_jobs"}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def _describe_pipeline(pipe: Pipeline, cfg: Mapping[str, Any]) -> list[str]:
    """One line per feature branch and one for the classifier, for the model card: each
    step with the parameters the config gives it or that differ from the class's defaults
    (``SimpleImputer(fill_value=0.0, strategy='constant', ...)``, not ``SimpleImputer()``)."""
    pcfg = dict(cfg.get("pipeline") or {})
    nodes = dict(pcfg.get("features") or {})
    emb = dict(cfg.get("embeddings") or {})
    if emb.get("enabled") and "embeddings" not in nodes:  # the branch build_pipeline adds
        tuning = dict(emb.get("fine_tune") or {})
        tuning = (
            {k: v for k, v in tuning.items() if k != "enabled"} if tuning.get("enabled") else {}
        )
        nodes["embeddings"] = {"model": emb.get("model"), **tuning}
    union = pipe.named_steps["features"]
    weights = union.transformer_weights or {}
    clf = pipe.named_steps["clf"]
    vote = clf if isinstance(clf, SoftVote) else None
    if vote is not None:
        clf = getattr(vote, "estimator_", vote.estimator)
        nodes.setdefault("encoder_vote", dict(cfg.get("encoder_vote") or {}))
    lines = []
    for name, est in union.transformer_list:
        steps = [s for _, s in est.steps] if isinstance(est, Pipeline) else [est]
        node = nodes.get(name)
        given = node if isinstance(node, list) else [node]
        parts = [
            _describe_step(step, given[i] if i < len(given) else None)
            for i, step in enumerate(steps)
        ]
        if vote is not None and name == "encoder_vote":
            lines.append(
                f"{name} (its class probabilities, weight {vote.weight} in the average): "
                + " -> ".join(parts)
            )
            continue
        lines.append(f"{name} (weight {weights.get(name, 1.0)}): " + " -> ".join(parts))
    calib = dict(cfg.get("calibration") or {})
    inner = getattr(clf, "estimator", None) if calib.get("enabled") else None
    base = inner if inner is not None else clf
    model_node = {**dict(pcfg.get("model") or {}), **dict(cfg.get("grid") or {})}
    text = f"classifier: {_describe_step(base, model_node)}"
    if inner is not None:
        text += f", probabilities calibrated ({calib.get('method', 'sigmoid')}, {calib.get('folds', 5)} folds)"
    if vote is not None:
        text += (
            f", fitted on the other branches; its probabilities are averaged with the "
            f"fine-tuned encoder's (weights {1 - float(vote.weight):g} and {float(vote.weight):g})"
        )
    return [*lines, text]


def _describe_step(step: Any, node: Any = None) -> str:
    """``Class(param=value, ...)`` with the parameters named in the step's config ``node``
    and those that differ from the defaults of the class's ``__init__``."""
    import inspect

    given = set(node) if isinstance(node, Mapping) else set()
    try:
        params = step.get_params(deep=False)
        signature = inspect.signature(type(step).__init__).parameters
    except (AttributeError, TypeError, ValueError):
        return type(step).__name__
    shown = []
    for key, value in sorted(params.items()):
        if isinstance(value, BaseEstimator):
            continue  # a wrapped estimator is described on its own
        default = signature[key].default if key in signature else inspect.Parameter.empty
        if key in given or default is inspect.Parameter.empty or not _same_value(value, default):
            shown.append(f"{key}={_short_value(value)}")
    return f"{type(step).__name__}({', '.join(shown)})"


def _same_value(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):  # arrays compare element-wise
        return False


def _short_value(value: Any) -> str:
    """A parameter value for the card: a long lexicon or list is summarised, not printed."""
    if isinstance(value, Mapping):
        sizes = [len(v) for v in value.values() if isinstance(v, (list, tuple, set))]
        if len(sizes) == len(value) and value:
            return f"<{len(value)} lists, {sum(sizes):,} entries>"
        return f"<{len(value)} entries>" if len(value) > 4 else repr(dict(value))
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"<{len(value)} items>"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _preprocessing_notes(cfg: Mapping[str, Any]) -> list[str]:
    notes = []
    clean = dict((cfg.get("pipeline") or {}).get("clean") or {})
    tags = clean.get("strip_hashtags") or []
    if tags:
        notes.append(
            "hashtags "
            + ", ".join(f"#{t}" for t in tags)
            + " removed (any case, anywhere in the text) "
            "from training and prediction text by the pipeline's first step; the SemEval taskA/taskB "
            "training files already have them removed, the model strips them anyway so that "
            "raw tweets and the gold test file (which keeps them) are read the same way"
        )
    if clean.get("demojize"):
        notes.append("emoji written as :unicode_name: (as in the SemEval taskA/taskB files)")
    if clean.get("urls") is not None:
        notes.append(f"links replaced by {clean['urls']!r}")
    if clean.get("mentions") is not None:
        notes.append(f"@user handles replaced by {clean['mentions']!r}")
    emb = dict(cfg.get("embeddings") or {})
    tuning = dict(emb.get("fine_tune") or {})
    if emb.get("enabled") and tuning.get("enabled"):
        notes.append(
            "MiniLM fine-tuned on the training texts and labels before its vectors join the "
            "features (contrastive pairs: same label -> cosine 1, other label -> 0; "
            f"{tuning.get('pair_rounds', 5)} x 2 pairs per text, {tuning.get('epochs', 1)} "
            f"epoch(s), learning rate {tuning.get('learning_rate', 2e-5)}); the grid "
            "(selection_cv) was searched over the frozen vectors, the chosen parameters were "
            "then fitted with the fine-tuned encoder"
        )
    vote = _encoder_vote(cfg)
    if vote is not None:
        encoder, weight = vote
        notes.append(
            "MiniLM fine-tuned end to end as a classifier on the training texts and labels "
            f"(cross-entropy, {encoder.epochs} epoch(s), learning rate "
            f"{encoder.learning_rate}); its class probabilities are averaged with the "
            f"linear model's, weight {weight} for the encoder; the grid "
            "(selection_cv) was searched for the linear model alone"
        )
    return notes


def _card(
    cfg, data: TaskData, tuned: TuneResult, labels, positive, seconds, cvres: CVResult | None
) -> dict[str, Any]:

    y, oof = data.labels, tuned.oof_pred
    fold_scores = [c for c in tuned.candidates if c["params"] == tuned.best_params][0]["folds"]
    selection = {
        "metric": tuned.metric,
        "folds": tuned.folds,
        "fold_scores": fold_scores,
        "mean": float(np.mean(fold_scores)) if fold_scores else None,
        "std": float(np.std(fold_scores, ddof=1)) if len(fold_scores) > 1 else None,
        "fold_t95": list(_t_interval(fold_scores)) if len(fold_scores) > 1 else None,
        "note": (
            f"scores of the chosen candidate on its own tuning folds ({len(tuned.candidates)} "
            "candidates): slightly optimistic; `framelens classify evaluate` gives nested CV"
        ),
    }
    if oof is not None and all(v is not None for v in oof):
        cvc = dict(cfg.get("cv") or {})
        pooled = _all_scores(y, oof, labels, positive)
        boot = _bootstrap(
            y, oof, labels, positive, int(cvc.get("bootstrap", 1000)), int(cfg.get("seed", 13))
        )
        selection["pooled"] = pooled
        selection["bootstrap95"] = {m: list(v) for m, v in boot.items()}
    return {
        "task": cfg.get("task"),
        "description": cfg.get("description", ""),
        **_provenance(),
        "data": {
            **{k: v for k, v in data.info.items()},
            "preprocessing": _preprocessing_notes(cfg),
        },
        # the config's notes describe the model (its features), not how texts are cleaned
        "notes": [str(n) for n in cfg.get("notes") or []],
        "labels": labels,
        "positive": positive,
        "selection": {
            "grid": cfg.get("grid"),
            "chosen": tuned.best_params,
            "candidates": [
                {"params": c["params"], "mean": c["mean"], "std": c["std"]}
                for c in tuned.candidates
            ],
        },
        "selection_cv": selection,
        "nested_cv": cvres.metrics if cvres is not None else None,
        "train_seconds": round(seconds, 1),
        "config": dict(cfg),
        "config_sha256": _config_hash(cfg),
    }


# --------------------------------------------------------------------------- save / load

#: Types a model file may contain without being named by the caller. Checked against the
#: type names skops reports as untrusted; anything else is refused.
TRUSTED_PREFIXES = ("sklearn.", "analysis.")
TRUSTED_TYPES = frozenset(
    {
        "builtins.slice",
        "collections.OrderedDict",
        "collections.defaultdict",
        "numpy.dtype",
        "numpy.ndarray",
        "numpy.float64",
        "numpy.float32",
        "numpy.int64",
        "numpy.int32",
        "numpy.bool_",
        "numpy.str_",
        "numpy.random.mtrand.RandomState",
        "numpy.random._generator.Generator",
        "numpy.random._pcg64.PCG64",
        "numpy.random._mt19937.MT19937",
        "numpy.random.bit_generator.SeedSequence",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csc.csc_matrix",
        "scipy.sparse._csr.csr_array",
        "scipy.sparse._csc.csc_array",
    }
)


def _is_trusted_type(name: str) -> bool:
    """Allow-listed: the named types above, or estimator and CV-splitter classes from sklearn,
    analysis or a module you allowed with ``FRAMELENS_ALLOW`` (importing them is safe: they
    are this environment's own code, or code you vouched for)."""
    from analysis.config import allowed_modules

    if name in TRUSTED_TYPES:
        return True
    if not name.startswith(TRUSTED_PREFIXES + allowed_modules()):
        return False
    module, _, attr = name.rpartition(".")
    try:
        import importlib

        obj = getattr(importlib.import_module(module), attr)
    except Exception:
        return False
    if not isinstance(obj, type):
        return False
    from sklearn.model_selection import BaseCrossValidator

    if issubclass(obj, (BaseEstimator, BaseCrossValidator)):
        return True
    # plain data holders scikit-learn stores inside fitted estimators
    return (
        name.startswith("sklearn.")
        and obj.__module__.startswith("sklearn.")
        and obj.__name__
        in {
            "Bunch",
            "_CalibratedClassifier",
            "_SigmoidCalibration",
            "_MissingValues",
        }
    )


class _CompactVocabulary:
    """Saves a fitted ``vocabulary_`` as one array of terms instead of a dict.

    skops writes a dict entry by entry into its JSON schema: a 100k-term vocabulary made a
    100 MB file that took a minute to load; as an array it is a few MB and loads in well
    under a second. Behaviour is unchanged (these are subclasses with no new parameters).
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns __dict__ itself
        vocab = state.get("vocabulary_")
        if isinstance(vocab, dict) and sorted(vocab.values()) == list(range(len(vocab))):
            terms = [""] * len(vocab)
            for term, i in vocab.items():
                terms[i] = term
            if not any(t.endswith("\x00") for t in terms):  # numpy str arrays drop trailing NULs
                state.pop("vocabulary_")
                state["vocabulary_terms_"] = np.asarray(terms, dtype=str)
        return state

    def __setstate__(self, state):
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {t: i for i, t in enumerate(np.asarray(terms).tolist())}
        super().__setstate__(state)


class CompactTfidfVectorizer(_CompactVocabulary, TfidfVectorizer):
    """:class:`~sklearn.feature_extraction.text.TfidfVectorizer` that saves compactly with skops."""


class CompactCountVectorizer(_CompactVocabulary, CountVectorizer):
    """:class:`~sklearn.feature_extraction.text.CountVectorizer` that saves compactly with skops."""


_COMPACT = {TfidfVectorizer: CompactTfidfVectorizer, CountVectorizer: CompactCountVectorizer}


def _compact(obj: Any, seen: set[int] | None = None) -> None:
    """Give fitted vectorizers inside ``obj`` (in place) their compact-saving subclass."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (list, tuple)):
        for v in obj:
            _compact(v, seen)
    elif isinstance(obj, dict):
        for v in obj.values():
            _compact(v, seen)
    elif isinstance(obj, BaseEstimator):
        if type(obj) in _COMPACT:
            obj.__class__ = _COMPACT[type(obj)]
        for v in vars(obj).values():
            _compact(v, seen)


def _atomic_write(path: Path, write) -> None:
    from analysis.io import atomic_write

    atomic_write(path, write)


def save_model(
    pipe: Pipeline, path: str | os.PathLike, card: Mapping[str, Any] | None = None
) -> Path:
    """Write a fitted pipeline with skops (atomically) and its model card beside it.

    Returns the model path. The card goes beside it, named after it (:func:`card_paths`:
    ``irony.model_card.json`` and ``.md`` for ``irony.skops``, so two models in one folder
    keep a card each), with the model file's sha256. Vectorizers are saved through their
    compact subclasses (:class:`CompactTfidfVectorizer`), which behave identically.
    """
    import copy
    import zipfile

    import skops.io as sio

    path = Path(path)
    if path.suffix != ".skops":
        raise ModelError(f"model files end in .skops: {path}")
    if not isinstance(getattr(pipe, "framelens_", None), dict):
        raise ModelError(
            "save_model needs a pipeline trained by train_task (it has no framelens_ "
            "metadata): express the change as a task config (a feature branch, another "
            "model; notebook 02 shows how) and train it with train_task, which tunes it and "
            "writes the card that describes it"
        )
    from analysis.features._text import params_only_state

    with params_only_state():  # lexicon-based features: their parameters, rebuilt on load
        pipe = copy.deepcopy(pipe)  # (TextBlob's fitted analyzer cannot be deep-copied)
    _compact(pipe)

    def dump(tmp) -> None:
        with params_only_state():
            sio.dump(pipe, tmp, compression=zipfile.ZIP_DEFLATED)

    _atomic_write(path, dump)
    if card is not None:
        card = dict(card)
        card["model_file"] = {
            "path": str(path),
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
        }
        text = json.dumps(_jsonable(card), indent=2, sort_keys=True, ensure_ascii=False)
        card_json, card_md = card_paths(path)
        _atomic_write(card_json, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
        md = render_card(card)
        _atomic_write(card_md, lambda tmp: Path(tmp).write_text(md, encoding="utf-8"))
    return path


def card_paths(model_path: str | os.PathLike) -> tuple[Path, Path]:
    """The model card files of a model file: ``X.model_card.json`` and ``X.model_card.md``
    beside ``X.skops``."""
    path = Path(model_path)
    stem = path.parent / path.name.removesuffix(".skops")
    return Path(f"{stem}.model_card.json"), Path(f"{stem}.model_card.md")


def attach_nested_cv(card: dict[str, Any], metrics_json: str | os.PathLike) -> bool:
    """Copy nested-CV metrics from an ``evaluate`` run into ``card`` if they describe the
    same model: the same config and the same rows (neither run on a subsample, the same
    row and label counts)."""
    path = Path(metrics_json)
    if not path.is_file() or card.get("nested_cv"):
        return False
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    mine, theirs = card.get("data") or {}, report.get("data") or {}
    if (
        report.get("config_sha256") != card.get("config_sha256")
        or mine.get("subsample")
        or theirs.get("subsample")
        or (mine.get("rows"), mine.get("label_counts"))
        != (theirs.get("rows"), theirs.get("label_counts"))
    ):
        return False
    card["nested_cv"] = report["metrics"]
    card["nested_cv_source"] = str(path)
    return True


def load_model(
    path: str | os.PathLike,
    *,
    task: str | None = None,
    trusted: Iterable[str] = (),
) -> Pipeline:
    """Load a model file written by :func:`save_model`, refusing anything not allow-listed.

    ``trusted`` adds type names you have checked yourself. A missing, corrupt or truncated
    file, a type outside the allow-list, or a model of another ``task`` raises
    :class:`ModelError` with one line saying what to do.
    """
    import skops.io as sio

    path = Path(path).expanduser()
    train = f"framelens classify train {task or 'TASK'}"
    if path.is_dir():
        inside = sorted(str(p) for p in path.glob("*.skops"))
        raise ModelError(
            f"{path} is a folder, not a model file: "
            + (f"give the file, e.g. --model {inside[0]}" if inside else f"it holds no .skops "
               f"file; train one with `{train}`")
        )  # fmt: skip
    if not path.is_file():
        near = sorted(p.name for p in path.parent.glob("*.skops")) if path.parent.is_dir() else []
        raise ModelError(
            f"no model file at {path}"
            + (f" (that folder holds: {', '.join(near[:5])})" if near else "")
            + f": check the path, or train one with `{train}`"
        )
    extra = set(trusted or ())
    not_skops = _not_a_skops_file(path)
    if not_skops:
        raise ModelError(
            f"cannot read model file {path}: {not_skops}; give the .skops file that "
            "`framelens classify train TASK` wrote, or train one"
        )
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelError(
            f"cannot read model file {path}: it is not a complete skops model file "
            f"({type(exc).__name__}: {str(exc)[:200]}); it may be truncated or corrupt, "
            "retrain it with `framelens classify train TASK`".replace("\n", " ")
        ) from None
    refused = sorted(t for t in untrusted if t not in extra and not _is_trusted_type(t))
    from analysis.config import allowed_modules

    unimportable = [t for t in refused if t.startswith(allowed_modules())]
    if unimportable:  # allowed, but the module cannot be imported here
        module = unimportable[0].rpartition(".")[0]
        raise ModelError(
            f"cannot load {path}: it holds {unimportable[0]}, whose module {module!r} you "
            f"allowed (FRAMELENS_ALLOW) but which cannot be imported here: put the folder "
            f"that holds {module.split('.')[0]}.py on PYTHONPATH (or install its package)"
        )
    if refused:
        raise ModelError(
            f"refusing to load {path}: it contains types outside the allow-list: "
            + ", ".join(refused)
            + ". Load only model files from sources you trust; if you have checked them, pass "
            + " ".join(f"--trust {t}" for t in refused)
            + " (in a run: +features.irony_probability.trusted=[...]; in Python: "
            "load_model(..., trusted=[...]) with these names); for types of your own "
            f"module: FRAMELENS_ALLOW={refused[0].split('.')[0]}"
        )
    try:
        model = sio.load(path, trusted=list(untrusted))
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"cannot load model file {path}: it needs the Python module {exc.name!r}, which is "
            f"not installed here (ModuleNotFoundError: {exc}); install the package that "
            "provides it, or retrain the model with `framelens classify train TASK`"
        ) from None
    except Exception as exc:
        raise ModelError(
            f"cannot load model file {path} ({type(exc).__name__}: {str(exc)[:200]}); it may be "
            "corrupt or written by an incompatible version, retrain it with "
            "`framelens classify train TASK`".replace("\n", " ")
        ) from None
    meta = getattr(model, "framelens_", None)
    if (
        not isinstance(model, Pipeline)
        or not isinstance(meta, dict)
        or meta.get("format") != MODEL_FORMAT
    ):
        raise ModelError(f"{path} is not a framelens classifier (no {MODEL_FORMAT} metadata)")
    if task is not None and meta.get("task") != task:
        raise ModelError(
            f"{path} is a model for task {meta.get('task')!r}, not {task!r}: give a {task} "
            f"model with --model (the default is models/{task}/{task}.skops), or predict "
            f"with task {meta.get('task')}"
        )
    import sklearn

    if meta.get("sklearn") and meta["sklearn"] != sklearn.__version__:
        log.warning(
            "%s was trained with scikit-learn %s, this is %s: retrain if predictions look wrong",
            path,
            meta["sklearn"],
            sklearn.__version__,
        )
    return model


def _not_a_skops_file(path: Path) -> str | None:
    """Why ``path`` is plainly not a skops file (a skops file is a zip archive), or None.

    A zip that is cut short still starts like one: that case is left to skops, whose
    error then reads as a truncated file."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK"):
        return None
    if not head:
        return "the file is empty"
    # pickle protocols 2-5 start with PROTO (0x80) and the protocol number; .pkl/.joblib
    # files are pickles whatever their first bytes (joblib may compress them)
    if (head[0] == 0x80 and 2 <= head[1] <= 5) or path.suffix.lower() in (
        ".pkl",
        ".pickle",
        ".joblib",
    ):
        return (
            "this is not a skops model file (a pickle? framelens does not load pickles: "
            "loading one can run any code it holds)"
        )
    return "this is not a skops model file (a skops file is a zip archive; this one is not)"


def model_cache_key(cfg: Mapping[str, Any]) -> str:
    """What determines a trained model: the task config (as :func:`train_task`'s card
    hashes it), the checksums of its corpus's files, and the framelens and scikit-learn
    versions."""
    import sklearn

    from analysis import __version__
    from analysis.corpora import resolve_source
    from analysis.provenance import source_files

    corpus = {k: v for k, v in dict(cfg.get("corpus") or {}).items() if v is not None}
    spec = {
        "config_sha256": _config_hash(cfg),
        # the files the task reads, as the run manifest lists them
        "corpus_files": source_files(resolve_source(corpus)),
        "framelens": __version__,
        "sklearn": sklearn.__version__,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def cached_model(
    task: str,
    overrides: Sequence[str] = (),
    directory: str | os.PathLike | None = None,
    retrain: bool = False,
) -> Path:
    """The model file of a task config, trained on first use and kept for the next.

    What ``framelens classify train TASK [overrides]`` would write, under
    ``<cache>/models/TASK-KEY/TASK.skops`` (``$FRAMELENS_CACHE`` by default) with its model
    card beside it; ``KEY`` is :func:`model_cache_key`, so a changed config, corpus file or
    library version trains a new model instead of reusing an old one. This is how a
    feature that needs a trained classifier (``irony_probability``) runs from an
    experiment config alone. Returns the path; load it with :func:`load_model`.
    ``retrain`` trains it again over a cached file that cannot be loaded.
    """
    from analysis.cache import default_cache_dir

    cfg = compose_task(task, overrides)
    key = model_cache_key(cfg)[:16]
    path = Path(directory or default_cache_dir()) / "models" / f"{task}-{key}" / f"{task}.skops"
    if path.is_file() and not retrain:
        return path
    say = logging.getLogger("framelens")
    say.info(
        "training the %s classifier (configs/classifier/%s.yaml) once, for %s", task, task, path
    )
    start = time.perf_counter()
    result = train_task(cfg)
    saved = save_model(result.pipeline, path, result.card)
    say.info("trained the %s classifier in %.0f s", task, time.perf_counter() - start)
    return saved


def model_info(pipe: Pipeline) -> dict[str, Any]:
    """The framelens metadata of a trained pipeline (task, labels, positive class...)."""
    meta = getattr(pipe, "framelens_", None)
    if not isinstance(meta, dict):
        raise ModelError("this pipeline has no framelens metadata: train it with train_task")
    return dict(meta)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _fmt_metric(m: Mapping[str, Any]) -> str:
    text = (
        f"{m['fold_mean']:.3f} ± {m['fold_std']:.3f} (fold t95 {m['fold_t95'][0]:.3f}–{m['fold_t95'][1]:.3f}; "
        f"pooled {m['pooled']:.3f}, bootstrap95 {m['bootstrap95'][0]:.3f}–{m['bootstrap95'][1]:.3f})"
    )
    if m.get("repeated"):
        text += "; " + fmt_repeated(m["repeated"])
    if m.get("at_test_shares"):
        text += "; " + fmt_at_shares(m["at_test_shares"])
    return text


def fmt_at_shares(a: Mapping[str, Any]) -> str:
    """``at the test's class shares 0.617 (bootstrap95 0.599–0.635)``."""
    lo, hi = a["bootstrap95"]
    return f"at the test's class shares {a['value']:.3f} (bootstrap95 {lo:.3f}–{hi:.3f})"


def class_shares_note(metrics: Mapping[str, Any]) -> str | None:
    """One sentence on ``at the test's class shares`` for reports, or None."""
    test = metrics.get("test_shares")
    if not test:
        return None
    total = sum(test["counts"].values())
    shares = ", ".join(f"`{k}` {v / total:.1%}" for k, v in test["counts"].items())
    return (
        "At the test's class shares: the same out-of-fold predictions with each row weighted "
        f"by its label's share in the official test ({shares}; "
        f"{test['source'] or 'classifier.test_shares'}) over its share here: what the test "
        "should show if it differed from the training data only in class balance."
    )


def fmt_repeated(r: Mapping[str, Any]) -> str:
    """``over 20 partitions: 0.650 ± 0.009 (0.633–0.676)``: the fold mean repeated over
    partitions (:func:`cross_validate_task` with ``cv.repeats``)."""
    return (
        f"over {r['repeats']} partitions: {r['mean']:.3f} ± {r['std']:.3f} "
        f"({r['range'][0]:.3f}–{r['range'][1]:.3f})"
    )


def _sample_note(data: Mapping[str, Any]) -> str | None:
    """``Stratified subsample of 400 of the 3,832 rows left after the row rules``, or None
    for a model trained on all rows."""
    if not data.get("subsample"):
        return None
    n, full = data["subsample"], data.get("rows_before_sample")
    if not full:  # a card written before the full count was kept
        return f"Stratified subsample of {n:,} rows"
    return f"Stratified subsample of {n:,} of the {full:,} rows left after the row rules"


def _files_lines(data: Mapping[str, Any]) -> list[str]:
    """The card's line on the files the model was trained from (sha256, shortened)."""
    files = data.get("files")
    if files:
        shown = ", ".join(f"`{name}` (sha256 `{sha[:12]}…`)" for name, sha in files.items())
        return [f"- Trained from: {shown}"]
    if data.get("n_files"):
        return [
            f"- Trained from {data['n_files']:,} files (sha256 of their listing "
            f"`{str(data.get('files_sha256', ''))[:12]}…`; the card's JSON has it whole)"
        ]
    return []


def _overrides_lines(overrides: Sequence[str] | None) -> list[str]:
    """The line a card or a metrics page gives the command-line overrides of its task
    config: a variant (embeddings off, another grid) says so at the top, not only in the
    config dump at the bottom."""
    if not overrides:
        return []
    return [
        "- **A variant of the task config**, with the overrides: "
        + " ".join(f"`{o}`" for o in overrides)
    ]


def _provenance() -> dict[str, str]:
    """When and with what an output was made (the header of a card or a metrics page)."""
    import sklearn

    import analysis

    return {
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "framelens_version": analysis.__version__,
        "sklearn_version": sklearn.__version__,
        "python": platform.python_version(),
    }


def render_card(card: Mapping[str, Any]) -> str:
    """The Markdown model card."""
    d = card["data"]
    lines = [
        f"# Model card: {card['task']}",
        "",
        (
            "Trained on your own file, labels "
            + ", ".join(f"`{x}`" for x in card.get("labels") or [])
            + (f" (positive: `{card['positive']}`)" if card.get("positive") else "")
            + ". The task config describes its own corpus's model: "
            if d.get("path")
            else ""
        )
        + str(card.get("description", "")).strip(),
        "",
        f"- Created: {card['created']} · framelens {card['framelens_version']} · scikit-learn "
        f"{card['sklearn_version']} · Python {card['python']}",
        f"- Model file: `{card.get('model_file', {}).get('path', '?')}` (sha256 "
        f"`{card.get('model_file', {}).get('sha256', '?')[:16]}…`), skops format; load with "
        "`analysis.classifiers.load_model` (types outside an allow-list are refused)",
        f"- Training time: {card['train_seconds']} s (tuning + final fit)",
        *_overrides_lines(card.get("overrides")),
        "",
        "## Data",
        "",
        (
            f"- Your own file `{d['path']}`"
            if d.get("path")
            else f"- Corpus `{d['corpus']}`, table `{d['table']}`"
        )
        + f", label column `{d['label_column']}`; {d['load_report']['loaded']:,} rows loaded, "
        f"{d['rows']:,} used for training"
        + (
            f"; {d['load_report']['quarantined']:,} quarantined (the reasons are in "
            "the card's JSON file, `data.load_report`)."
            if d["load_report"].get("quarantined")
            else "."
        ),
        "- Labels (spelled as in the corpus): "
        + ", ".join(f"`{k}`: {v:,}" for k, v in d["label_counts"].items()),
        *_files_lines(d),
    ]
    for ex in d.get("excluded") or []:
        why = f": {ex['why']}" if str(ex.get("why") or "").strip() else ""
        rows = f"{ex['rows']:,} row{'s' if ex['rows'] != 1 else ''}"
        lines.append(f"- Excluded {rows} by rule `{ex['rule']}`{why}")
    sampled = _sample_note(d)
    if sampled:
        lines.append(f"- {sampled} (small setting, not a full model)")
    for note in d.get("preprocessing") or []:
        lines.append(f"- Preprocessing: {note}")
    if card.get("pipeline") or card.get("notes"):
        lines += ["", "## Pipeline", ""]
    if card.get("pipeline"):
        lines += [
            "Raw text -> TextCleaner ("
            + ("its preprocessing above" if d.get("preprocessing") else "text as given")
            + ") -> union of feature branches -> classifier "
            "(each step with the parameters it is given):",
            "",
        ]
        lines += [f"- {line}" for line in card["pipeline"]]
    lines += [f"- Note: {note}" for note in card.get("notes") or []]
    sel = card["selection"]
    lines += [
        "",
        "## Model selection (training data only)",
        "",
        f"- Grid: `{json.dumps(sel['grid'], sort_keys=True)}`; chosen: `{json.dumps(sel['chosen'], sort_keys=True)}`",
    ]
    s = card["selection_cv"]
    if s.get("mean") is not None:
        lines.append(
            f"- Tuning CV ({s['folds']} folds, {s['metric']}): {s['mean']:.3f} ± {s['std']:.3f} "
            f"(t95 {s['fold_t95'][0]:.3f}–{s['fold_t95'][1]:.3f}). {s['note']}."
        )
    if s.get("pooled"):
        lines.append(
            "- Pooled out-of-fold: "
            + ", ".join(
                f"{m} {v:.3f} (bootstrap95 {s['bootstrap95'][m][0]:.3f}–{s['bootstrap95'][m][1]:.3f})"
                for m, v in s["pooled"].items()
            )
        )
    nested = card.get("nested_cv")
    lines += ["", "## Nested cross-validation (honest estimate)", ""]
    if nested:
        source = card.get("nested_cv_source")
        lines.append(
            f"{nested['folds']} outer folds, tuning repeated inside each; mean ± std over folds"
            + (f" (from `{source}`, same config)" if source else "")
            + ":"
        )
        lines.append("")
        for m, v in nested["summary"].items():
            lines.append(f"- {m}: {_fmt_metric(v)}")
        if note := class_shares_note(nested):
            lines += ["", note]
        lines += ["", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for lab, v in nested["per_class"].items():
            lines.append(
                f"| `{lab}` | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
            )
    else:
        lines.append(
            f"Not run for this file: `framelens classify evaluate {card['task']}` (or `train --evaluate`) "
            + (
                "with the training command's overrides (your file, its labels) "
                if d.get("path")
                else ""
            )
            + "writes nested-CV metrics with intervals, a confusion matrix and PR curves."
        )
    lines += ["", "## Intended use and limits", ""]
    if d.get("path"):
        lines += [
            f"This model was trained on your own file (`{d['path']}`). The text below, from "
            "the task config, describes the model trained on the task's own corpus: its "
            "counts and sources are not this model's (see Data above).",
            "",
        ]
    if sampled:
        # the config's limits describe the model trained on all rows ("Trained on 3,832 ...")
        lines += [
            f"This model was trained on a {sampled[0].lower()}{sampled[1:]}. The text below, "
            "from the task config, describes the model trained on all rows; this one saw "
            "fewer examples, so expect lower and less stable scores.",
            "",
        ]
    lines += [
        str(card["config"].get("limits", "")).strip() or "See the task config.",
        "",
        "## Config",
        "",
        "```json",
        json.dumps(_jsonable(card["config"]), indent=2, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- prediction


def predict_texts(pipe: Pipeline, texts: Sequence[Any]) -> pd.DataFrame:
    """Predict labels for texts; one output row per input, in order.

    Columns: ``label`` (corpus spelling), ``label_name`` when the task names its labels
    (GVFC's frame numbers: ``4`` is ``mental health``), ``probability`` (of that label, if
    the model has probabilities) or ``score``, one ``p_<label>``/``score_<label>`` column
    per label, and ``reason``: why a row got no label (missing, not text, empty), else empty.
    """
    meta = model_info(pipe)
    labels = list(meta["labels"])
    names = meta.get("label_names") or {}
    clf = pipe.steps[-1][1]
    has_proba = hasattr(clf, "predict_proba")
    prefix = "p_" if has_proba else "score_"
    n = len(texts)
    out = pd.DataFrame({"label": [""] * n})
    if names:
        out["label_name"] = ""
    out["probability" if has_proba else "score"] = np.nan
    for lab in labels:
        out[f"{prefix}{lab}"] = np.nan
    reasons = [text_problem(t) for t in texts]
    ok = [i for i, r in enumerate(reasons) if r is None]
    if ok:
        cleaned = dict(zip(ok, pipe.steps[0][1].transform([texts[i] for i in ok]), strict=True))
        for i, t in cleaned.items():
            if not t.strip():
                reasons[i] = "empty text after cleaning (only hashtags the model removes)"
        keep = [i for i in ok if reasons[i] is None]
        if keep:
            feats = Pipeline(pipe.steps[1:-1]).transform([cleaned[i] for i in keep])
            pred = clf.predict(feats)
            scores, _ = _scores_matrix(clf, feats, labels)
            out.loc[keep, "label"] = [str(p) for p in pred]
            if names:
                out.loc[keep, "label_name"] = [names.get(str(p), "") for p in pred]
            if scores is not None:
                for j, lab in enumerate(labels):
                    out.loc[keep, f"{prefix}{lab}"] = scores[:, j]
                col = {lab: j for j, lab in enumerate(labels)}
                chosen = scores[np.arange(len(keep)), [col[str(p)] for p in pred]]
                out.loc[keep, "probability" if has_proba else "score"] = chosen
    out["reason"] = [r or "" for r in reasons]
    return out


#: Input formats ``predict_file`` reads (the corpus layer's readers); ``json`` is one JSON
#: list of records (read whole), ``lines`` a plain text file with one text per line.
PREDICT_INPUT_FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "lines")


def predict_formats(
    input_path: str | os.PathLike, output_path: str | os.PathLike, fmt: str | None = None
) -> tuple[str, str]:
    """``(input format, output format)`` of a prediction, checked before any work.

    The input format is ``fmt`` (``--format``) or follows from the suffix (``.csv``,
    ``.tsv``, ``.jsonl``/``.ndjson``, ``.json``, ``.parquet``, optionally ``.gz``); the
    returned input format is the corpus layer's name (``json_files`` for ``json``); the output is CSV,
    TSV or Parquet by its suffix. Anything else raises :class:`FramelensError` naming the
    flag to change.
    """
    from analysis.corpora import infer_format
    from analysis.score import _output_format

    src, out = Path(input_path), Path(output_path)
    if out.resolve() == src.resolve():
        raise FramelensError(
            f"--output {out} is the --input file: writing the predictions there would replace "
            f"the texts they are made from; give another file, e.g. --output "
            f"{out.with_name(out.stem + '.predicted' + out.suffix)}"
        )
    out_fmt = _output_format(out)  # "--output must end in .csv, .tsv or .parquet, not ..."
    choices = ", ".join(PREDICT_INPUT_FORMATS)
    if fmt:
        if fmt not in PREDICT_INPUT_FORMATS:
            raise FramelensError(f"--format must be one of {choices}, not {fmt!r}")
        in_fmt = "json_files" if fmt == "json" else fmt
    else:
        try:
            in_fmt = infer_format(src)
        except FramelensError:
            raise FramelensError(
                f"cannot tell the format of --input {src.name} from its name: give --format "
                f"({choices}; lines = one text per line)"
            ) from None
        if in_fmt == "txt":
            raise FramelensError(
                f"--input {src.name}: a .txt file would be read as one single text; predict "
                "reads CSV, TSV, JSONL, JSON or Parquet rows. For a file with one text per line "
                "pass --format lines"
            )
        if in_fmt not in (*PREDICT_INPUT_FORMATS, "json_files"):
            raise FramelensError(
                f"--input {src.name}: predict reads CSV, TSV, JSONL, JSON or Parquet rows, not "
                f"{in_fmt} files; convert it, or give --format ({choices}) if the name misleads"
            )
    packed = src.suffix.lower()
    if packed in (".bz2", ".xz") or (packed == ".gz" and in_fmt in ("parquet", "lines")):
        raise FramelensError(
            f"--input {src.name}: {in_fmt} input is read "
            + (
                "plain or gzip-compressed (.gz)"
                if in_fmt in ("csv", "tsv", "jsonl", "json_files")
                else "uncompressed"
            )
            + f", not {packed}: decompress it first"
        )
    return in_fmt, out_fmt


def predict_columns(pipe: Pipeline, id_field: str | None = None) -> list[str]:
    """The columns :func:`predict_file` writes, for an empty input as for any other."""
    return ["row", *(["id"] if id_field else []), *predict_texts(pipe, []).columns]


def predict_file(
    pipe: Pipeline,
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    fmt: str | None = None,
    chunk_size: int = 20_000,
) -> dict[str, Any]:
    """Predict every row of a CSV / TSV / JSONL / Parquet file or a JSON list of records
    (or ``fmt="lines"``: one text per line) into a CSV, TSV or Parquet file (by ``output_path``'s suffix).

    Rows are read with the corpus layer's readers, so quoting, encodings, gzip and bad
    records are handled as for corpora. Every input record gives one output row in the
    same order: ``row`` (1-based record number: the header, and the empty lines of a
    multi-column CSV or JSONL file, are not records, so ``row`` is not the file's line
    number), ``id`` (with ``id_field``), ``label``, probabilities or scores, and
    ``reason`` for rows that could not be classified (undecodable, malformed, empty,
    missing or non-text field) with an empty label. An empty line of a one-column CSV is
    a record with an empty value. A ``text_field`` or ``id_field`` that no record has
    stops with an error naming the columns there are. The output is written atomically
    with the permissions a new file gets (umask).

    Returns counts: ``rows``, ``with_reason``, ``blank_lines`` (skipped, not records) and
    ``output``.
    """
    from analysis.corpora import input_spec, read_raw
    from analysis.io import atomic_write, write_tables
    from analysis.segment import html_to_text

    input_path = Path(input_path).expanduser()
    output_path = Path(output_path).expanduser()
    in_fmt, out_fmt = predict_formats(input_path, output_path, fmt)
    if not input_path.is_file():
        what = "is a folder, not a file" if input_path.is_dir() else "does not exist"
        raise FramelensError(f"--input {input_path} {what}")
    try:
        with open(input_path, "rb"):
            pass
    except OSError as exc:
        raise FramelensError(f"cannot read --input {input_path} ({exc.strerror or exc})") from None
    spec = input_spec(input_path, in_fmt, text_field)
    columns = predict_columns(pipe, id_field)
    counts: Counter = Counter()

    def frame(buf: list[tuple[int, str, Any, str | None]]) -> pd.DataFrame:
        pred = predict_texts(pipe, [b[2] if b[3] is None else None for b in buf])
        pred["reason"] = [
            b[3] if b[3] is not None else r for b, r in zip(buf, pred["reason"], strict=True)
        ]
        head = pd.DataFrame({"row": pd.array([b[0] for b in buf], dtype="int64")})
        if id_field:
            head["id"] = [b[1] for b in buf]
        out = pd.concat([head, pred], axis=1)[columns]
        counts["rows"] += len(out)
        counts["with_reason"] += int((out["reason"] != "").sum())
        return out

    def records() -> Iterator[Any]:
        counts["blank_lines"] += (yield from read_raw(input_path, spec)) or 0

    def chunks() -> Iterator[pd.DataFrame]:
        seen: dict[str, None] = {}  # the fields of the records read until both fields showed
        found = {text_field: False, id_field: id_field is None}
        buf: list[tuple[int, str, Any, str | None]] = []
        yielded = False
        for row_no, raw in enumerate(records(), 1):
            rec = raw.record
            if rec is None:  # its id all the same when that field could be read
                rid = _id_text((raw.partial or {}).get(id_field)) if id_field else ""
                buf.append((row_no, rid, None, _short(raw.error or "unreadable record")))
            else:
                if not all(found.values()):
                    seen.update(dict.fromkeys(str(k) for k in rec if not str(k).startswith("@")))
                    found = {k: v or (k in rec) for k, v in found.items()}
                rid = _id_text(rec.get(id_field)) if id_field else ""
                if text_field in rec:
                    text = rec[text_field]
                    if isinstance(text, str) and ("<" in text or "&" in text):
                        text = html_to_text(text)  # markup read as text, as in training
                    buf.append((row_no, rid, text, None))
                else:
                    buf.append((row_no, rid, None, f"no field {text_field!r} in this record"))
            if len(buf) >= chunk_size:
                _check_fields(input_path, text_field, id_field, found, seen)
                yield frame(buf)
                buf, yielded = [], True
        if not buf and not yielded:  # not one record: an empty file, or a header alone
            _check_header(Path(input_path), spec, text_field, id_field)
        else:
            _check_fields(input_path, text_field, id_field, found, seen)
        if buf or not yielded:  # an input without records still gets the header
            yield frame(buf)

    kinds = {"strings": ("id", "label", "label_name", "reason"), "integers": ("row",)}
    atomic_write(output_path, lambda tmp: write_tables(chunks(), tmp, out_fmt, **kinds))
    return {
        "rows": counts["rows"],
        "with_reason": counts["with_reason"],
        "blank_lines": counts["blank_lines"],
        "output": str(output_path),
    }


def _id_text(value: Any) -> str:
    """An id as text: empty for a missing one (None, NaN), else ``str``."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value if isinstance(value, str) else str(value)


def _check_header(path: Path, spec: Any, text_field: str, id_field: str | None) -> None:
    """An input without records: a 0-byte file is an error (a failed export, the wrong
    file); a CSV, TSV or Parquet file with a header alone is fine (no rows to predict) if
    the header has the named columns."""
    from analysis.corpora import table_columns

    if path.stat().st_size == 0:
        raise FramelensError(
            f"--input {path.name} is empty (0 bytes): there is nothing to predict; check "
            "that the export that wrote it finished, or that this is the file you meant"
        )
    header = table_columns(path, spec)
    if header is None:  # JSON formats: no header to check
        return
    found = {text_field: text_field in header, id_field: id_field is None or id_field in header}
    _check_fields(path, text_field, id_field, found, dict.fromkeys(header))


def _check_fields(
    path: Path, text_field: str, id_field: str | None, found: Mapping, seen: Mapping
) -> None:
    """Stop when no record read so far has the text (or id) field: a wrong --text-field or
    --id-field, not bad rows. Records lacking the text field among others that have it get
    a reason each; with no readable record at all there is nothing to check."""
    from analysis.score import missing_field

    if not seen:
        return
    if not found[text_field]:
        raise missing_field(
            path, text_field, seen, "name the column holding the text with --text-field"
        )
    if id_field is not None and not found[id_field]:
        raise missing_field(
            path, id_field, seen, "name the id column with --id-field, or leave --id-field "
            "out to identify rows by the row column alone",
        )  # fmt: skip


def _short(reason: str) -> str:
    return reason.replace("\n", " ")[:300]


# --------------------------------------------------------------------------- evaluation outputs


def evaluate_task(
    cfg: Mapping[str, Any],
    out_dir: str | os.PathLike,
    data: TaskData | None = None,
    n_jobs: int | None = None,
    overrides: Sequence[str] = (),
) -> CVResult:
    """Nested CV of a task, written to ``out_dir``: metrics (JSON, CSV, Markdown), the
    out-of-fold predictions, a confusion matrix and precision-recall curves (PNG/PDF/SVG
    plus the CSV behind each, via :func:`analysis.plots.save_figure`). ``overrides`` (the
    command line's, recorded) mark the outputs as those of a variant of the task config."""
    names = _label_names(cfg)  # a malformed label_names stops before the CV, not after
    data = data or load_task_data(cfg)
    res = cross_validate_task(cfg, data, n_jobs=n_jobs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "task": res.task,
        **_provenance(),
        "overrides": list(overrides),
        "data": data.info,
        "metrics": res.metrics,
        "chosen_per_fold": res.chosen,
        "seconds": round(res.seconds, 1),
        "config": dict(cfg),
        "config_sha256": _config_hash(cfg),
    }
    text = json.dumps(_jsonable(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _atomic_write(out / "metrics.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    rows = []
    for m, v in res.metrics["summary"].items():
        rows.append(
            {
                "metric": m,
                "fold_mean": v["fold_mean"],
                "fold_std": v["fold_std"],
                "fold_t95_low": v["fold_t95"][0],
                "fold_t95_high": v["fold_t95"][1],
                "pooled": v["pooled"],
                "bootstrap95_low": v["bootstrap95"][0],
                "bootstrap95_high": v["bootstrap95"][1],
                **(
                    {
                        "repeats": v["repeated"]["repeats"],
                        "repeated_mean": v["repeated"]["mean"],
                        "repeated_std": v["repeated"]["std"],
                    }
                    if v.get("repeated")
                    else {}
                ),
                **(
                    {
                        "at_test_shares": v["at_test_shares"]["value"],
                        "at_test_shares_bootstrap95_low": v["at_test_shares"]["bootstrap95"][0],
                        "at_test_shares_bootstrap95_high": v["at_test_shares"]["bootstrap95"][1],
                    }
                    if v.get("at_test_shares")
                    else {}
                ),
            }
        )
    _atomic_write(
        out / "metrics.csv",
        lambda tmp: pd.DataFrame(rows).to_csv(tmp, index=False, float_format="%.6g"),
    )
    oof = res.oof_table(data.texts).sort_values("id", kind="stable")
    _atomic_write(
        out / "oof_predictions.csv", lambda tmp: oof.to_csv(tmp, index=False, float_format="%.6g")
    )
    md = _metrics_markdown(res, data, report)
    _atomic_write(out / "metrics.md", lambda tmp: Path(tmp).write_text(md, encoding="utf-8"))
    plot_confusion(res, out, label_names=names)
    plot_pr_curves(res, out, label_names=names)
    return res


def _metrics_markdown(res: CVResult, data: TaskData, report: Mapping[str, Any]) -> str:
    m = res.metrics
    sampled = _sample_note(data.info)
    excluded = sum(int(ex["rows"]) for ex in data.info.get("excluded") or [])
    lines = [
        f"# {res.task}: nested {m['folds']}-fold cross-validation on the training data",
        "",
        f"- Created: {report['created']} · framelens {report['framelens_version']} · "
        f"scikit-learn {report['sklearn_version']} · Python {report['python']}",
        *_overrides_lines(report.get("overrides")),
        *([f"- {sampled} (a small setting, not the task's full evaluation)"] if sampled else []),
        "",
        f"{m['n']:,} rows; labels "
        + ", ".join(f"`{k}`: {v}" for k, v in data.info["label_counts"].items())
        + (
            f" ({excluded:,} rows excluded by the task's row rules: `metrics.json`, "
            "`data.excluded`)"
            if excluded
            else ""
        )
        + ".",
        f"Primary metric: {m['primary']}. Mean ± std over outer folds, fold t interval and row bootstrap interval (95%).",
        "",
    ]
    for name, v in m["summary"].items():
        lines.append(f"- {name}: {_fmt_metric(v)}")
    if note := class_shares_note(m):
        lines += ["", note]
    lines += ["", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for lab, v in m["per_class"].items():
        lines.append(
            f"| `{lab}` | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
        )
    lines += [
        "",
        f"Chosen per outer fold: {json.dumps(res.chosen, sort_keys=True)}",
        f"Time: {res.seconds:.0f} s",
        "",
    ]
    return "\n".join(lines)


def _label_names(cfg: Mapping[str, Any] | None) -> dict[str, str]:
    """``classifier.label_names`` (label -> name, e.g. ``"4": mental health``) as strings;
    empty when the task config gives none (figures then show the codes)."""
    names = (cfg or {}).get("label_names") or {}
    if not isinstance(names, Mapping):
        raise ConfigError(f"classifier.label_names must map each label to a name, got {names!r}")
    return {str(k): str(v) for k, v in names.items() if v not in (None, "")}


def _label_text(label: str, names: Mapping[str, str]) -> str:
    name = names.get(label)
    return f"{label} {name}" if name and name != label else label


def plot_confusion(
    res: CVResult,
    out_dir: str | os.PathLike,
    formats: Sequence[str] = ("png", "pdf", "svg"),
    label_names: Mapping[str, str] | None = None,
) -> list[Path]:
    """Confusion matrix of the out-of-fold predictions: each cell prints its number of
    rows, its colour is that count's share of the true label's rows (the row sums to 1).
    ``label_names`` (label -> name) labels the axes as ``4 mental health``."""
    import matplotlib.pyplot as plt

    from analysis.plots import COLUMN_WIDTH, paper_style, save_figure

    labels = res.labels
    names = dict(label_names or {})
    ticks = [_label_text(lab, names) for lab in labels]
    cm = np.asarray(res.metrics["confusion"], dtype=float)
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    data = pd.DataFrame(
        [
            {"true": t, "predicted": p, "count": int(cm[i, j]), "share_of_true": float(share[i, j])}
            for i, t in enumerate(labels)
            for j, p in enumerate(labels)
        ]
    )
    with paper_style():
        size = max(COLUMN_WIDTH, 0.42 * len(labels) + 1.2)
        fig, ax = plt.subplots(figsize=(size, size * 0.9))
        im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        long = max(map(len, ticks)) > 2
        ax.set_xticks(
            range(len(labels)),
            ticks,
            rotation=45 if long else 0,
            ha="right" if long else "center",
            rotation_mode="anchor" if long else "default",
        )
        ax.set_yticks(range(len(labels)), ticks)
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(
                    j,
                    i,
                    f"{int(cm[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if share[i, j] > 0.5 else "black",
                )
        ax.set_xlabel("predicted label")
        ax.set_ylabel("true label")
        ax.set_title(
            f"{res.task}: out-of-fold confusion matrix\n"
            "numbers: rows; colour: share of the true label's rows",
            fontsize=8,
        )
        bar = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        bar.set_label("share of the true label's rows")
        return save_figure(fig, out_dir, "confusion_matrix", data, formats)


def plot_pr_curves(
    res: CVResult,
    out_dir: str | os.PathLike,
    formats: Sequence[str] = ("png", "pdf", "svg"),
    label_names: Mapping[str, str] | None = None,
) -> list[Path]:
    """Precision-recall curve per label (the positive label only for binary tasks).

    Each label gets its own colour and line style (:data:`analysis.plots.CATEGORY_STYLES`:
    eight colours solid, then dashed), the legend sits beside the axes, and labels read
    ``4 mental health (AP 0.48)`` when ``label_names`` gives names."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import average_precision_score, precision_recall_curve

    from analysis.plots import CATEGORY_STYLES, COLUMN_WIDTH, paper_style, save_figure

    if res.proba is None:
        return []
    labels = [res.positive] if res.positive is not None and len(res.labels) == 2 else res.labels
    names = dict(label_names or {})
    rows = []
    with paper_style():
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, COLUMN_WIDTH * 0.85))
        for k, lab in enumerate(labels):
            j = res.labels.index(lab)
            truth = res.y_true == lab
            prec, rec, thr = precision_recall_curve(truth, res.proba[:, j])
            ap = average_precision_score(truth, res.proba[:, j])
            color, hatch = CATEGORY_STYLES[k % len(CATEGORY_STYLES)]
            # the plain fills solid, the hatched ones dashed; past 16 labels dotted
            style = ":" if k >= len(CATEGORY_STYLES) else "--" if hatch else "-"
            ax.plot(
                rec,
                prec,
                color=color,
                linestyle=style,
                lw=1,
                label=f"{_label_text(lab, names)} (AP {ap:.2f})",
                drawstyle="steps-post",
            )
            if len(labels) == 1:  # a classifier that guesses has the label's share as precision
                share = float(np.mean(truth))
                ax.axhline(share, color="#777777", lw=0.6, ls=":", label=f"no skill ({share:.2f})")
            thr = np.append(thr, np.nan)
            rows.extend(
                {
                    "label": lab,
                    "name": names.get(lab, ""),
                    "recall": float(r),
                    "precision": float(p),
                    "threshold": float(t),
                    "average_precision": float(ap),
                }
                for r, p, t in zip(rec, prec, thr, strict=True)
            )
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        kind = "probability" if res.proba_kind == "probability" else "decision score"
        ax.set_title(f"{res.task}: out-of-fold PR curves ({kind})")
        # beside the axes: inside, nine labels sat on the curves they name
        ax.legend(
            frameon=False,
            fontsize=6,
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            borderaxespad=0.0,
            title="label (average precision)",
            title_fontsize=6,
        )
        return save_figure(fig, out_dir, "pr_curves", pd.DataFrame(rows), formats)


def default_model_path(task: str) -> Path:
    """``models/<task>/<task>.skops`` under the project root."""
    return PROJECT_ROOT / "models" / task / f"{task}.skops"

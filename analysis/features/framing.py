"""Framing: policy frames, issue frames, actor labels, hedging and attribution, loaded words.

All five read YAML lexicons from ``analysis/lexicons`` (or a user file with the same
format, or an inline mapping) and count matches on the shared tokens of
:func:`analysis.features._text.analyze`. Rates are hits per ``per`` (default 1000) tokens,
NaN for a text without word tokens; counts are 0 for such a text.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._text import (
    _URL_RE,
    Lexicon,
    RebuiltOnLoad,
    analyze,
    as_texts,
    compile_lexicon,
    load_lexicon,
    read_yaml_source,
    text_tags,
)
from .sentiment import textblob_sentence_scores

__all__ = ["ActorLabels", "FrameShare", "HedgingAttribution", "LoadedWords", "MarkedWords"]

_PREFIX_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_per(per) -> None:
    if isinstance(per, bool) or not isinstance(per, numbers.Real) or not per > 0:
        raise ValueError(f"per must be a positive number (e.g. 1000), got {per!r}")


def _check_prefix(prefix) -> None:
    if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
        raise ValueError(f"prefix must be a lower-case identifier such as 'frame', got {prefix!r}")


def _rates(lexicon: Lexicon, texts, per, exclusive=False) -> np.ndarray:
    out = np.full((len(texts), len(lexicon.categories)), np.nan)
    for r, text in enumerate(texts):
        doc = analyze(text)
        if doc.n_tokens:
            out[r] = lexicon.count(doc, exclusive) * (per / doc.n_tokens)
    return out


class FrameShare(RebuiltOnLoad, TransformerMixin, BaseEstimator):
    """Frame-lexicon hits per 1000 tokens, one column per frame.

    With the default ``lexicon="mfc"`` the frames are the 15 generic policy frames of the
    Media Frames Corpus codebook (``frame_economic``, ``frame_capacity_and_resources``,
    ``frame_morality``, ``frame_fairness_and_equality``,
    ``frame_legality_constitutionality_jurisprudence``,
    ``frame_policy_prescription_and_evaluation``, ``frame_crime_and_punishment``,
    ``frame_security_and_defense``, ``frame_health_and_safety``,
    ``frame_quality_of_life``, ``frame_cultural_identity``, ``frame_public_opinion``,
    ``frame_political``, ``frame_external_regulation_and_reputation``); the residual
    ``other`` frame has no cue words and is omitted. ``lexicon="issue_frames"`` gives the
    worked example's issue frames (cost_to_taxpayer, occupation, mission,
    defeat_humiliation, chaos_withdrawal).

    Within a frame, overlapping matches count once (the longest, leftmost); one word may
    cue several frames. A text without word tokens gives a NaN row.

    Parameters
    ----------
    lexicon : str, path or mapping, default "mfc"
        Bundled lexicon name (``mfc``, ``issue_frames``), path to a YAML file in the same
        format, or a mapping ``{frame: [terms]}``.
    per : float, default 1000
        Rate unit: hits per this many tokens.
    prefix : str, default "frame"
        Column name prefix: ``<prefix>_<frame>``.

    Attributes
    ----------
    categories_ : list of str
        Frames in column order.
    matcher_ : Lexicon
        The compiled lexicon.
    lexicon_name_, lexicon_sha256_ : str
        Which lexicon, and the hash of its file (cached values name it).

    References
    ----------
    .. [1] Boydstun, A. E., Card, D., Gross, J. H., Resnik, P., & Smith, N. A. (2014).
       Tracking the development of media frames within and across policy issues. APSA.
    .. [2] Card, D., Boydstun, A. E., Gross, J. H., Resnik, P., & Smith, N. A. (2015). The
       Media Frames Corpus: Annotations of frames across issues. ACL-IJCNLP, 438-444.
    """

    feature_version = "1"

    def __init__(self, lexicon="mfc", per=1000, prefix="frame"):
        self.lexicon = lexicon
        self.per = per
        self.prefix = prefix

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Check parameters and compile the frame lexicon."""
        as_texts(X)
        _check_per(self.per)
        _check_prefix(self.prefix)
        lex = load_lexicon(self.lexicon)
        self.matcher_ = compile_lexicon(lex)
        self.categories_ = list(self.matcher_.categories)
        self.lexicon_name_ = lex["name"]
        self.lexicon_sha256_ = lex["sha256"]
        return self

    def transform(self, X):
        """Hits per ``per`` tokens, one row per text, one column per frame."""
        check_is_fitted(self, "matcher_")
        return _rates(self.matcher_, as_texts(X), self.per)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "categories_")
        return np.asarray([f"{self.prefix}_{c}" for c in self.categories_], dtype=object)

    def explain(self, text: str) -> list[tuple[str, str]]:
        """``(column, matched words)`` for every hit counted in ``text``."""
        check_is_fitted(self, "matcher_")
        return [(f"{self.prefix}_{c}", w) for c, w in self.matcher_.spans(analyze(text))]


class HedgingAttribution(RebuiltOnLoad, TransformerMixin, BaseEstimator):
    """Hedges and attribution markers per 1000 tokens.

    Output columns with the bundled lexicon:

    ``hedging_hedge``
        Hedges and uncertainty (apparently, reportedly, allegedly, may, might, could,
        it appears, unconfirmed).
    ``hedging_distancing``
        Attribution that casts doubt on the source (claimed, alleged, purported,
        so-called, insisted).
    ``hedging_neutral``
        Neutral attribution (said, told, according to).
    ``hedging_anonymous``
        Anonymous or vague sources (sources said, it is believed, experts say).
    ``hedging_distancing_share``
        distancing / (distancing + neutral): how often attribution is distancing; NaN
        when the text attributes nothing. Only present if the lexicon has both categories.

    A span counts in one category only (longest match first, so "according to sources" is
    anonymous, not also neutral). "May" written mid-sentence is read as the month. A text
    without word tokens gives a NaN row.

    Parameters
    ----------
    lexicon : str, path or mapping, default "hedging"
        Bundled name or YAML file (format of ``analysis/lexicons/hedging.yaml``).
    per : float, default 1000
        Rate unit: hits per this many tokens.

    Attributes
    ----------
    categories_ : list of str
    matcher_ : Lexicon
    lexicon_sha256_ : str

    References
    ----------
    .. [1] Hyland, K. (1998). Hedging in Scientific Research Articles. John Benjamins.
    .. [2] Recasens, M., Danescu-Niculescu-Mizil, C., & Jurafsky, D. (2013). Linguistic
       models for analyzing and detecting biased language. ACL, 1650-1659.
    .. [3] Bell, A. (1991). The Language of News Media. Blackwell.
    """

    feature_version = "1"

    def __init__(self, lexicon="hedging", per=1000):
        self.lexicon = lexicon
        self.per = per

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Check parameters and compile the hedging lexicon."""
        as_texts(X)
        _check_per(self.per)
        lex = load_lexicon(self.lexicon)
        self.matcher_ = compile_lexicon(lex)
        self.categories_ = list(self.matcher_.categories)
        cats = self.categories_
        self.share_ = (
            (cats.index("distancing"), cats.index("neutral"))
            if "distancing" in cats and "neutral" in cats
            else None
        )
        self.lexicon_sha256_ = lex["sha256"]
        return self

    def transform(self, X):
        """Rates per category (and the distancing share), one row per text."""
        check_is_fitted(self, "matcher_")
        rates = _rates(self.matcher_, as_texts(X), self.per, exclusive=True)
        if self.share_ is None:
            return rates
        d, n = rates[:, self.share_[0]], rates[:, self.share_[1]]
        total = d + n
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, d / np.where(total > 0, total, 1), np.nan)
        return np.column_stack([rates, share])

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "categories_")
        names = [f"hedging_{c}" for c in self.categories_]
        if self.share_ is not None:
            names.append("hedging_distancing_share")
        return np.asarray(names, dtype=object)

    def explain(self, text: str) -> list[tuple[str, str]]:
        """``(column, matched words)`` for every hit counted in ``text``."""
        check_is_fitted(self, "matcher_")
        return [(f"hedging_{c}", w) for c, w in self.matcher_.spans(analyze(text), True)]


class LoadedWords(RebuiltOnLoad, TransformerMixin, BaseEstimator):
    """Loaded and subjective wording per 1000 tokens, plus TextBlob subjectivity.

    Output columns with the bundled lexicon: ``loaded_factive``, ``loaded_implicative``,
    ``loaded_assertive``, ``loaded_report``, ``loaded_intensifier``, ``loaded_subjective``
    (hits per 1000 tokens per word class), ``loaded_any`` (tokens spans in any class,
    each counted once), and ``loaded_textblob_subjectivity`` (mean TextBlob subjectivity
    over sentences, 0..1) unless ``subjectivity=False``. A text without word tokens gives
    a NaN row.

    Parameters
    ----------
    lexicon : str, path or mapping, default "loaded"
        Bundled name or YAML file (format of ``analysis/lexicons/loaded.yaml``).
    per : float, default 1000
        Rate unit: hits per this many tokens.
    subjectivity : bool, default True
        Add the TextBlob subjectivity mean (shares the per-sentence TextBlob scores with
        :class:`~analysis.features.sentiment.TextBlobSentiment` through a memo).

    Attributes
    ----------
    categories_ : list of str
    matcher_ : Lexicon
    lexicon_sha256_ : str

    References
    ----------
    .. [1] Recasens, M., Danescu-Niculescu-Mizil, C., & Jurafsky, D. (2013). Linguistic
       models for analyzing and detecting biased language. ACL, 1650-1659.
    .. [2] Hooper, J. B. (1975). On assertive predicates. Syntax and Semantics 4, 91-124.
    .. [3] Karttunen, L. (1971). Implicative verbs. Language 47(2), 340-358.
    .. [4] Riloff, E., & Wiebe, J. (2003). Learning extraction patterns for subjective
       expressions. EMNLP.
    """

    feature_version = "1"

    def __init__(self, lexicon="loaded", per=1000, subjectivity=True):
        self.lexicon = lexicon
        self.per = per
        self.subjectivity = subjectivity

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Check parameters and compile the loaded-words lexicon."""
        as_texts(X)
        _check_per(self.per)
        if not isinstance(self.subjectivity, (bool, np.bool_)):
            raise ValueError(f"subjectivity must be True or False, got {self.subjectivity!r}")
        lex = load_lexicon(self.lexicon)
        self.matcher_ = compile_lexicon(lex)
        self.categories_ = list(self.matcher_.categories)
        if "any" in self.categories_:
            raise ValueError("A loaded-words category may not be called 'any'.")
        self.lexicon_sha256_ = lex["sha256"]
        return self

    def transform(self, X):
        """Per-class rates, the any-class rate and subjectivity, one row per text."""
        check_is_fitted(self, "matcher_")
        texts = as_texts(X)
        k = len(self.categories_)
        out = np.full((len(texts), k + 1 + bool(self.subjectivity)), np.nan)
        lex = self.matcher_
        for r, text in enumerate(texts):
            doc = analyze(text)
            if not doc.n_tokens:
                continue
            found = lex.matches(doc.norm, doc.tokens, doc.sent_starts)
            counts = np.zeros(k)
            for _, _, c in lex.resolve(found, exclusive=False):
                counts[c] += 1
            scale = self.per / doc.n_tokens
            out[r, :k] = counts * scale
            out[r, k] = len(lex.resolve(found, exclusive=True)) * scale
            if self.subjectivity:
                scores = textblob_sentence_scores(text)
                out[r, k + 1] = sum(s for _, s in scores) / len(scores)
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "categories_")
        names = [f"loaded_{c}" for c in self.categories_] + ["loaded_any"]
        if self.subjectivity:
            names.append("loaded_textblob_subjectivity")
        return np.asarray(names, dtype=object)

    def explain(self, text: str) -> list[tuple[str, str]]:
        """``(column, matched words)`` for every hit counted in ``text``."""
        check_is_fitted(self, "matcher_")
        return [(f"loaded_{c}", w) for c, w in self.matcher_.spans(analyze(text))]


class MarkedWords(TransformerMixin, BaseEstimator):
    """Learned loaded wording: words that look like the ones BABE's experts marked as biased.

    A token model (:class:`analysis.classifiers.AnnotatedWordScores`) learns from all of BABE
    which words, in which context, the experts marked in biased sentences ("bizarre", "cult",
    "slammed"); each word of a text gets the probability of being such a word. Unlike the
    fixed :class:`LoadedWords` lexicon it generalises to words no list holds. On BASIL
    (another corpus, other annotators) the highest token probability of a sentence separates
    sentences holding an expert lexical-bias span with ROC AUC 0.70 (95% CI 0.68-0.73),
    against 0.56 for ``loaded_any`` (``benchmarks/features_validity.py``).

    Output columns: ``marked_words_rate`` (the expected number of marked words per 1000
    tokens: the sum of token probabilities, scaled) and ``marked_words_max`` (the highest
    token probability). A text without word tokens gives a NaN row.

    Parameters
    ----------
    corpus, table, text, words : str
        The annotated corpus (read through :mod:`analysis.corpora`; default BABE's sentences
        and their ``biased_words``).
    C : float, default 0.3
        Inverse regularisation of the token model.
    per : float, default 1000
        Rate unit of ``marked_words_rate``.

    Attributes
    ----------
    scorer_ : AnnotatedWordScores
        The fitted token model (trained once per process and shared).

    References
    ----------
    .. [1] Spinde, T. et al. (2021). Neural media bias detection using distant supervision
       with BABE - Bias Annotations By Experts. Findings of EMNLP, 1166-1177.
    """

    feature_version = "1"

    def __init__(
        self, corpus="babe", table="sentences", text="text", words="biased_words", C=0.3, per=1000
    ):
        self.corpus = corpus
        self.table = table
        self.text = text
        self.words = words
        self.C = C
        self.per = per

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Train (or reuse) the token model on the whole annotated corpus; ``X`` is ignored."""
        as_texts(X)
        _check_per(self.per)
        self.scorer_ = _marked_word_scorer(
            str(self.corpus), str(self.table), str(self.text), str(self.words), float(self.C)
        )
        return self

    def transform(self, X):
        check_is_fitted(self, "scorer_")
        texts = [_URL_RE.sub(" ", t) for t in as_texts(X)]  # a link is not wording
        out = np.full((len(texts), 2), np.nan)
        for r, p in enumerate(self.scorer_.token_probabilities(texts, cache=False)):
            if len(p):
                out[r] = [p.sum() * self.per / len(p), p.max()]
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray(["marked_words_rate", "marked_words_max"], dtype=object)


@lru_cache(maxsize=4)
def _marked_word_scorer(corpus: str, table: str, text: str, words: str, C: float):
    from analysis.classifiers import AnnotatedWordScores, _word_marks

    scorer = AnnotatedWordScores(corpus=corpus, table=table, text=text, words=words, C=C)
    return scorer.fit(list(_word_marks(corpus, table, text, words)))


def _load_actors(source) -> tuple[dict, str]:
    data, sha = read_yaml_source(source)
    actors = data.get("actors", data)
    if not isinstance(actors, Mapping) or not actors:
        raise ValueError(f"Actor lexicon {source!r} has no actors.")
    out: dict[str, dict] = {}
    for actor, spec in actors.items():
        if actor in ("name", "version", "references"):
            continue
        if not _PREFIX_RE.match(str(actor)):
            raise ValueError(f"Actor id {actor!r} must be a lower-case identifier.")
        if not isinstance(spec, Mapping) or "labels" not in spec:
            raise ValueError(f"Actor {actor!r} needs a 'labels' entry.")
        labels = spec["labels"]
        if isinstance(labels, list):  # plain list: each term is its own label
            labels = {re.sub(r"\W+", "_", t.rstrip("*").strip().lower()): [t] for t in labels}
        if not isinstance(labels, Mapping) or not labels:
            raise ValueError(f"Actor {actor!r}: labels must be a list or a mapping.")
        for label, terms in labels.items():
            if not _PREFIX_RE.match(str(label)) or label == "mentions":
                raise ValueError(
                    f"Actor {actor!r}: label {label!r} must be a lower-case identifier "
                    "other than 'mentions'."
                )
            if isinstance(terms, str):
                labels[label] = [terms]
        out[str(actor)] = {"names": list(spec.get("names") or []), "labels": dict(labels)}
    return out, sha


class ActorLabels(RebuiltOnLoad, TransformerMixin, BaseEstimator):
    """Which words a text uses for each actor: label counts per (actor, label) pair.

    Columns are ``actor_<actor>__<label>`` (for example ``actor_taliban__militants``,
    ``actor_us_military__occupiers``) followed by ``actor_<actor>__mentions`` (how often
    the actor is named, or for an actor without names, how many of its labels occur).
    A label occurrence counts for an actor when the actor is named within ``scope`` and
    the label is not part of another actor's name ("forces" in "Afghan government forces"
    is an afghan_government name, not a Taliban label). Within one actor a span counts for
    one label (the longest: "undocumented immigrants" is not also "immigrants").

    Values are counts, so empty texts give 0. Divide by ``..__mentions`` (or sum a
    row's labels) at aggregation to compare label shares across outlets.

    Parameters
    ----------
    actors : str, path or mapping, default "actors"
        Bundled name or YAML file mapping actors to names and labels (format in
        ``analysis/lexicons/actors.yaml``).
    scope : {"sentence", "text"} or int, default "sentence"
        Where the actor must be named for a label to count: the same sentence, anywhere in
        the text, or at most this many tokens between the name and the label (0: the
        label touches the name, as in "Taliban fighters").

    Attributes
    ----------
    actors_ : list of str
        Actor ids in column order.
    columns_ : list of (str, str)
        (actor, label) per label column.
    names_, labels_ : Lexicon
        Compiled name and label lexicons.
    lexicon_sha256_ : str

    References
    ----------
    .. [1] Entman, R. M. (1993). Framing: Toward clarification of a fractured paradigm.
       Journal of Communication 43(4), 51-58.
    """

    feature_version = "1"

    def __init__(self, actors="actors", scope="sentence"):
        self.actors = actors
        self.scope = scope

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Check parameters and compile actor names and labels."""
        as_texts(X)
        scope = self.scope
        if not (
            scope in ("sentence", "text")
            or (isinstance(scope, numbers.Integral) and not isinstance(scope, bool) and scope >= 0)
        ):
            raise ValueError(
                f"scope must be 'sentence', 'text' or a token window >= 0, got {scope!r}"
            )
        spec, sha = _load_actors(self.actors)
        self.actors_ = list(spec)
        self.columns_ = [(a, lab) for a in self.actors_ for lab in spec[a]["labels"]]
        self.names_ = Lexicon({a: spec[a]["names"] for a in self.actors_ if spec[a]["names"]})
        self.labels_ = Lexicon({f"{a}__{lab}": spec[a]["labels"][lab] for a, lab in self.columns_})
        # label category index -> (column, actor index)
        actor_index = {a: i for i, a in enumerate(self.actors_)}
        name_actor = [actor_index[c] for c in self.names_.categories]
        self._name_actor = name_actor
        self._label_actor = [actor_index[a] for a, _ in self.columns_]
        self._has_names = [bool(spec[a]["names"]) for a in self.actors_]
        self.lexicon_sha256_ = sha
        return self

    def _row(self, doc) -> np.ndarray:
        n_cols = len(self.columns_)
        row = np.zeros(n_cols + len(self.actors_))
        if not doc.n_tokens:
            return row
        names = self.names_
        name_spans: list[tuple[int, int, int]] = []  # (start, end, actor index)
        every_name: list[tuple[int, int, int]] = []  # overlapping ones too
        if len(names):
            found = names.matches(doc.norm, doc.tokens, doc.sent_starts)
            every_name = [(s, e, self._name_actor[c]) for s, e, c in found]
            for s, e, c in names.resolve(found):
                name_spans.append((s, e, self._name_actor[c]))
        for _, _, a in name_spans:
            row[n_cols + a] += 1
        found = self.labels_.matches(doc.norm, doc.tokens, doc.sent_starts)
        if not found:
            return row
        # longest label per (start, actor); then non-overlapping per actor
        best: dict[tuple[int, int], tuple[int, int, int]] = {}
        for s, e, c in found:
            key = (s, self._label_actor[c])
            cur = best.get(key)
            if cur is None or e > cur[1]:
                best[key] = (s, e, c)
        free: dict[int, int] = {}
        scope = self.scope
        sent_of = doc.sentence_of
        name_sents: dict[int, set[int]] = {}
        if scope == "sentence":
            for s, _, a in name_spans:
                name_sents.setdefault(a, set()).add(sent_of(s))
        named = {a for _, _, a in name_spans}
        for s, e, c in sorted(best.values()):
            a = self._label_actor[c]
            if s < free.get(a, 0):
                continue
            free[a] = e
            if any(ns <= s and e <= ne and b != a for ns, ne, b in every_name):
                continue  # part of another actor's name
            if self._has_names[a]:
                if scope == "text":
                    ok = a in named
                elif scope == "sentence":
                    ok = sent_of(s) in name_sents.get(a, ())
                else:
                    ok = any(
                        b == a and s - ne <= scope and ns - e <= scope for ns, ne, b in name_spans
                    )
                if not ok:
                    continue
            else:
                row[n_cols + a] += 1
            row[c] += 1
        return row

    def transform(self, X):
        """Label counts per (actor, label) and mentions per actor, one row per text."""
        check_is_fitted(self, "labels_")
        texts = as_texts(X)
        out = np.zeros((len(texts), len(self.columns_) + len(self.actors_)))
        for r, text in enumerate(texts):
            out[r] = self._row(analyze(text))
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "columns_")
        names = [f"actor_{a}__{lab}" for a, lab in self.columns_]
        names += [f"actor_{a}__mentions" for a in self.actors_]
        return np.asarray(names, dtype=object)

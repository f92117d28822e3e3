"""Irony and sarcasm: interpretable cues, and the probability from a trained classifier.

:class:`IronyCues` counts things a reader can point at (sarcastic gratitude, shouting,
scare quotes, #sarcasm, "yeah right", positive words about a war). :class:`IronyProbability`
wraps a classifier trained elsewhere (``framelens classify train irony``) and reports its
calibrated probability. Both are usually read per voice: in the worked example the
mockery lives in embedded tweets, not in the outlet's own sentences.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ._text import (
    Lexicon,
    RebuiltOnLoad,
    analyze,
    as_texts,
    normalize_token,
    read_yaml_source,
    text_tags,
    tokenize,
)
from .sentiment import load_vader_lexicon

__all__ = ["IronyCues", "IronyProbability", "strip_irony_hashtags"]

_NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "neither",
        "nor",
        "nobody",
        "nothing",
        "none",
        "nowhere",
        "hardly",
        "barely",
        "without",
    ]
)

# A quoted phrase: curly, guillemet, or straight quotes opening after white space or an
# opening bracket (so the gap between two quotations is not read as one).
_QUOTE_RES = (
    re.compile(r"“\s*([^“”\n]{1,60}?)\s*”"),
    re.compile(r"«\s*([^«»\n]{1,60}?)\s*»"),
    re.compile(r"(?<![^\s(\[—–-])\"(?=\S)([^\"\n]{1,60}?)(?<=\S)\"(?!\w)"),
    re.compile(r"(?<![^\s(\[—–-])'(?=\w)([^'\n]{1,40}?)(?<=[^\s'])'(?!\w)"),
    re.compile(r"(?<!\w)‘(?=\S)([^‘’\n]{1,40}?)(?<=\S)’(?!\w)"),
)
_QUOTE_OPENINGS = ("“", "«", '"', "'", "‘")
_ELLIPSIS_RE = re.compile(r"\.{3,}|…+|(?:\. ){2}\.")
_THANK_RE = re.compile(r"thank", re.IGNORECASE)
_THANKS_FOR_NOTHING_RE = re.compile(
    r"\bthanks?\s+(?:you\s+)?(?:so\s+much\s+|a\s+lot\s+)?for\s+nothing\b"
    r"|\bgee,?\s+thanks\b|\bthanks,?\s+obama\b",
    re.IGNORECASE,
)
_THANK_FOR_RE = re.compile(
    r"\bthank(?:s|\s+you|\s+u)?\b[^.!?\n]{0,100}?\bfor\b(?P<rest>[^.!?\n]{0,140})",
    re.IGNORECASE,
)


_APOSTROPHE_RE = re.compile(r"['’]")
_ELONGATION_RE = re.compile(r"(.)\1{2,}")  # "LOOOOVE"
# Capitals that are typography, not shouting: a stage direction in square brackets
# ("[SPEAKING RUSSIAN]") or a transcript's cue in parentheses ("(SOUNDBITE OF ...)"), a
# dateline ("WASHINGTON —", "WASHINGTON/RIYADH (Reuters) -", "KABUL, Afghanistan (AP) -"), a
# label opening a line ("UPDATE:", "STEVE INSKEEP, HOST:", a kicker "CLEARED BY KERRY? -",
# "WITH YOUR SECOND CUP OF COFFEE..."), an outlet's name ("USA TODAY"), a phone word
# ("1-800-CALL-FBI"), a subhead (a whole text
# of at most eight words in capitals, no "!": "WIDE SUPPORT", "‘HISTORIC EVENT’", "LAST
# WORD?"; a segment, since the segmenter makes each subhead line one; a shouted post keeps
# its signature or link in its segment, and "!" or a shout word like "WOW" keeps a text), and
# acronyms by their company: a ticker ("(CAT)"), a pair ("ACT/SAT"), a bill ("CASE Act"),
# a number after it ("COP 21")
_TYPOGRAPHIC_CAPS_RE = re.compile(
    r"\[[^\]a-z]{2,80}\]"
    r"|\((?:SOUNDBITE|CROSSTALK|LAUGHTER|APPLAUSE|INAUDIBLE|BEGIN|END|VO|SOT|NATS|MUSIC"
    r"|COMMERCIAL|VIDEO|AUDIO|CHEERS|BOOING|UNINTELLIGIBLE)\b[^)a-z]{0,80}\)"
    r"|\A\s*[‘'\"“]?[A-Z][A-Z0-9.,'’&/%-]*(?: [‘“]?[A-Z0-9&][A-Z0-9.,'’&/%-]*){0,7}[’'\"”]?\??"
    r"\s*\Z"
    r"|^[ \t]*[A-Z][A-Z.'’/ ]{1,40}(?=(?:,[^\n]{0,40}?)?(?:[ \t]*\([A-Za-z. ]{1,30}\))?"
    r"[ \t]*[-—–]{1,2}[ \t]?[A-Z\"“])"
    r"|^[ \t]*[A-Z][A-Z.'’#0-9]*,?(?: [A-Z#0-9][A-Z.'’#0-9]*,?){0,5}:(?=\s|$)"
    r"|^[ \t]*[A-Z][A-Z.'’ ]{2,60}\?(?=[ \t]*[-—–])"
    r"|^[ \t]*[A-Z][A-Z.'’]*(?: [A-Z][A-Z.'’]*){3,9}(?:\.\.\.|…)(?=[ \t]*[A-Z])"
    r"|\bUSA TODAY\b|\b\d[\d-]*-[A-Z][A-Z-]*\b"
    r"|\([A-Z]{2,6}\)|\b[A-Z]{2,}/[A-Z]{2,}\b|\b[A-Z]{2,}(?= Acts?\b| \d)",
    re.MULTILINE,
)
# Acronyms spelled like English words, common in news ("ICE agents", "the WHO", "SEAL")
_WORDLIKE_ACRONYMS = frozenset(
    {"ICE", "WHO", "NOW", "SEAL", "SEALS", "DREAM", "CARES", "PATRIOT", "AIDS", "SNAP"}
    | {"SALT", "START", "AIM", "NAFTA", "OPEC", "CAT", "WIC", "ACE", "JOBS", "HERO"}
    | {"ABC", "IRS", "GDP", "EST", "TIME", "FOX", "SUN", "PPP", "CHIP", "SAT", "COP"}
)
_ROMAN_RE = re.compile(r"[IVXLC]+")  # "Henry VIII", "Lerner III"
# Shouted without being dictionary words; two-letter words that are emphasis alone
_SHOUT_WORDS = frozenset({"OMG", "OMFG", "WTF", "WTH", "LOL", "LMAO", "ROFL", "SMH", "FFS"})
_SHOUT_WORDS |= {"WOW", "YAY", "UGH", "DUH", "NOPE", "YEP", "YES"}
_EMPHATIC_2 = frozenset({"SO", "NO", "OH", "MY", "DO", "GO", "BE", "AM", "WE", "IF"})


def _typography(m: re.Match) -> str:
    """A match of :data:`_TYPOGRAPHIC_CAPS_RE` blanked, unless it is a shout opening a line
    ("WOW - what a day" is not a dateline)."""
    return m.group() if m.group().strip() in _SHOUT_WORDS else " "


def _english_words() -> frozenset[str]:
    """TextBlob's spelling vocabulary (about 29,000 lower-case English words, from Project
    Gutenberg books and the BNC): words that are shouted when written in capitals, where an
    acronym or a name (FBI, NATO, ISIS, TALIBAN) is not among them."""
    global _ENGLISH
    if _ENGLISH is None:
        from importlib import resources

        text = resources.files("textblob").joinpath("en", "en-spelling.txt").read_text("utf-8")
        _ENGLISH = frozenset(
            line.split(" ", 1)[0] for line in text.splitlines() if line and not line.startswith(";")
        )
    return _ENGLISH


_ENGLISH: frozenset[str] | None = None


def _shouts(word: str, english: frozenset[str]) -> bool:
    """A capitalized word that is shouting on its own: an English word of three letters or
    more (elongations read as the word: LOOOOVE), not an acronym spelled like one (ICE,
    WHO), or an internet shout (OMG, WTF)."""
    if word in _SHOUT_WORDS:
        return True
    if len(word) < 3 or word in _WORDLIKE_ACRONYMS or _ROMAN_RE.fullmatch(word):
        return False
    base = _APOSTROPHE_RE.split(word.lower(), 1)[0]
    return (
        base in english
        or _ELONGATION_RE.sub(r"\1\1", base) in english
        or _ELONGATION_RE.sub(r"\1", base) in english
    )


def shouted_words(words: list[str], english: frozenset[str]) -> int:
    """How many of ``words`` are shouted. Capitalized words come in runs: a run of two or
    more with a word that shouts on its own (:func:`_shouts`) is shouted as a whole ("THE
    TALIBAN WOULD LIKE TO THANK", "THANKS A LOT"); a capitalized word alone is shouted if
    it shouts on its own ("I LOVE Mondays") or is an emphatic two-letter word ("I am SO
    happy"). Acronyms and names, alone or listed, are not: "the FBI said", "US troops",
    "the FBI, CIA, NSA and DOJ", "NATO, EU, UN and OSCE", "ICE agents"."""
    n = i = 0
    while i < len(words):
        if not words[i].isupper():
            i += 1
            continue
        j = i
        while j < len(words) and words[j].isupper():
            j += 1
        run = words[i:j]
        if len(run) >= 2:
            n += len(run) if any(_shouts(w, english) for w in run) else 0
        else:
            n += _shouts(run[0], english) or run[0] in _EMPHATIC_2
        i = j
    return int(n)


def _may_have_ellipsis(text: str) -> bool:
    """Exact gate for :data:`_ELLIPSIS_RE` (each of its forms contains one of these)."""
    return "..." in text or "…" in text or ". . ." in text


def _alternation(words) -> str:
    alts = sorted({w.strip().lower() for w in words if w and w.strip()}, key=len, reverse=True)
    return "|".join(re.escape(a) for a in alts) if alts else r"(?!x)x"


def _hashtag_regex(tags) -> re.Pattern:
    return re.compile(rf"#(?:{_alternation(tags)})(?![\w])", re.IGNORECASE)


def _bundled_hashtags() -> list[str]:
    data, _ = read_yaml_source("irony_cues")
    return list(data.get("irony_hashtags", []))


def strip_irony_hashtags(texts, tags=None) -> list[str]:
    """Remove irony-labelling hashtags (#irony, #sarcasm, #not...) from each text.

    SemEval-2018 Task 3 collected ironic tweets by these hashtags, so a classifier must
    neither train nor predict on them (see PITFALLS.md); :class:`IronyCues` counts them
    separately.
    """
    rx = _hashtag_regex(tags if tags is not None else _bundled_hashtags())
    return [re.sub(r"[ \t]{2,}", " ", rx.sub(" ", t)).strip() for t in as_texts(texts)]


class IronyCues(RebuiltOnLoad, TransformerMixin, BaseEstimator):
    """Counts of interpretable irony and sarcasm cues per text.

    Output columns (counts unless noted):

    ``irony_sarcastic_gratitude``
        Sentences thanking someone for a donation/gift/generosity ("would like to thank the
        American taxpayer for their recent large donation"), "thanks for nothing" and
        similar, or thanking someone for a negative event ("thank you Biden for the chaos").
    ``irony_all_caps_ratio``
        Share of word tokens (2+ characters, not numbers) shouted in ALL CAPS (NaN without
        such words; words in uncased scripts count as not capitalized; see
        :func:`shouted_words`): a run of capitalized words with an English word in it ("THE
        TALIBAN WOULD LIKE"), an English word alone ("I LOVE Mondays", elongations too),
        emphatic short words ("SO"), internet shouts ("OMG"). Not acronyms and names,
        alone or listed (FBI, NATO, "the FBI, CIA and NSA", ICE, WHO), nor typography:
        stage directions ("[SPEAKING RUSSIAN]", "(SOUNDBITE)"), datelines ("WASHINGTON —",
        "WASHINGTON/RIYADH (Reuters) -"), labels opening a line ("UPDATE:", "SEN. LINDSEY
        GRAHAM:"), subheads (a text of at most eight capitalized words without "!": "WIDE
        SUPPORT"), tickers, acronym pairs, bills ("(CAT)", "ACT/SAT", "CASE Act"). Before
        version 2 every capitalized word counted, and news that writes many acronyms (BBC's
        US, IS, UN, UK) scored highest; version 4 added the subheads, the Reuters datelines
        and the acronyms by their company (Reuters' subheads had made it the most
        "shouting" center outlet); version 5 the transcript labels with a comma, kickers,
        "USA TODAY" and phone words. Acronyms spelled like English words that the list of
        known ones lacks (a "CHIP" is known, "CAL FIRE" is not) still count.
    ``irony_scare_quotes``
        Quoted phrases of 1-3 words (“dozens”, 'likely'), not counting a text that is
        itself one short quotation.
    ``irony_hashtags``
        Irony-labelling hashtags (#irony, #sarcasm, #not, #ironic, #sarcastic...).
    ``irony_interjections``
        Sarcastic interjections and stock phrases ("yeah right", "oh great", "go figure").
    ``irony_ellipses``
        Ellipses ("..." or "…").
    ``irony_explicit``
        Words naming irony or sarcasm outside hashtags ("Quite an ironic sight.").
    ``irony_positive_negative``
        Sentences with a positive word (VADER valence >= ``positive_threshold``, not
        directly negated) and a negative-event word (war, attack, captured, killed,
        crisis...): positive sentiment about a negative situation.

    Empty texts give 0 counts and a NaN caps ratio. None and NaN count as empty.

    Parameters
    ----------
    lexicon : str, path or mapping, default "irony_cues"
        Bundled name or YAML file with the cue lists (see
        ``analysis/lexicons/irony_cues.yaml`` for the format).
    positive_threshold : float, default 2.0
        Minimum VADER valence (scale -4..4) for a positive word; 2.0 keeps evaluative
        words (great, wonderful, thanks) and drops mild ones (like, support, united).

    Attributes
    ----------
    interjections_, negative_events_ : Lexicon
        Compiled phrase lexicons.
    positive_words_ : frozenset of str
        Positive words used by the positive-about-negative cue.
    lexicon_sha256_ : str
        Hash of the cue lexicon file.

    Notes
    -----
    Each cue is evidence, not a verdict: sincere thanks for a charity donation also fires
    sarcastic gratitude, and war reporting mentions "victory" sincerely. Compare cue rates
    between outlets and voices rather than reading single texts. The hashtag cue is useless
    on SemEval-2018-style data, whose labels came from those hashtags.

    References
    ----------
    .. [1] Riloff, E., Qadir, A., Surve, P., De Silva, L., Gilbert, N., & Huang, R. (2013).
       Sarcasm as contrast between a positive sentiment and negative situation. EMNLP.
    .. [2] Carvalho, P., Sarmento, L., Silva, M. J., & de Oliveira, E. (2009). Clues for
       detecting irony in user-generated contents: oh...!! it's "so easy" ;-). TSA@CIKM.
    .. [3] Van Hee, C., Lefever, E., & Hoste, V. (2018). SemEval-2018 Task 3: Irony
       detection in English tweets. SemEval.
    """

    feature_version = "5"
    _names = (
        "irony_sarcastic_gratitude",
        "irony_all_caps_ratio",
        "irony_scare_quotes",
        "irony_hashtags",
        "irony_interjections",
        "irony_ellipses",
        "irony_explicit",
        "irony_positive_negative",
    )

    def __init__(self, lexicon="irony_cues", positive_threshold=2.0):
        self.lexicon = lexicon
        self.positive_threshold = positive_threshold

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def fit(self, X, y=None):
        """Check parameters and compile the cue lexicons."""
        as_texts(X)
        thr = self.positive_threshold
        if isinstance(thr, bool) or not isinstance(thr, (int, float)) or not 0 < thr <= 4:
            raise ValueError(f"positive_threshold must be in (0, 4], got {thr!r}")
        data, sha = read_yaml_source(self.lexicon)
        cats = data.get("categories") or {}
        missing = {"interjection", "negative_event"} - set(cats)
        if missing:
            raise ValueError(f"Irony lexicon {self.lexicon!r} lacks categories {missing}")

        def words(items, what):
            items = list(items or [])
            bad = [w for w in items if not isinstance(w, str)]
            if bad:  # YAML reads bare yes/no/on/off as booleans: quote them
                raise ValueError(f"Irony lexicon {what}: non-string entries {bad}")
            return items

        def terms(cat):
            spec = cats[cat]
            return words(spec.get("terms", []) if isinstance(spec, dict) else spec, cat)

        self.interjections_ = Lexicon({"interjection": terms("interjection")})
        self.negative_events_ = Lexicon({"negative_event": terms("negative_event")})
        negative_single = {
            normalize_token(t) for t in terms("negative_event") if " " not in t and "*" not in t
        }
        exclude = {w.lower() for w in words(data.get("positive_exclude"), "positive_exclude")}
        positive = {
            w
            for w, v in load_vader_lexicon().items()
            if v >= thr and w.isalpha() and w not in exclude
        }
        positive |= {w.lower() for w in words(data.get("positive_extra"), "positive_extra")}
        self.positive_words_ = frozenset(positive - negative_single)
        self.english_words_ = _english_words()
        self.hashtag_re_ = _hashtag_regex(words(data.get("irony_hashtags"), "irony_hashtags"))
        markers = words(data.get("explicit_markers"), "markers")
        # cheap substring gate before the regex: most texts contain none of the markers
        self.explicit_gate_ = tuple(sorted({m.lower()[:4] for m in markers if m.strip()}))
        self.explicit_re_ = re.compile(
            rf"(?<![#\w])(?:{_alternation(markers)})(?!\w)",
            re.IGNORECASE,
        )
        self.gratitude_re_ = re.compile(
            r"\bthank(?:s|\s+you|\s+u)?\b[^.!?\n]{0,120}?\bfor\s+(?:[\w'’-]+\s+){0,4}?"
            rf"(?:{_alternation(words(data.get('gratitude_objects'), 'gratitude'))})\b",
            re.IGNORECASE,
        )
        self.lexicon_sha256_ = sha
        return self

    def _gratitude(self, doc) -> int:
        if not _THANK_RE.search(doc.text):
            return 0
        n = 0
        for sent in doc.sentences:
            if not _THANK_RE.search(sent):
                continue
            if self.gratitude_re_.search(sent) or _THANKS_FOR_NOTHING_RE.search(sent):
                n += 1
                continue
            for m in _THANK_FOR_RE.finditer(sent):
                rest = tuple(normalize_token(t) for t in tokenize(m.group("rest")))
                if self.negative_events_.matches(rest):
                    n += 1
                    break
        return n

    @staticmethod
    def _scare_quotes(text: str) -> int:
        n = 0
        whole = text.strip()
        for opening, rx in zip(_QUOTE_OPENINGS, _QUOTE_RES, strict=True):
            if opening not in text:  # cheap gate: the regex needs its opening mark
                continue
            for m in rx.finditer(text):
                if m.group() == whole:
                    continue
                if 1 <= len(tokenize(m.group(1))) <= 3:
                    n += 1
        return n

    def _explicit(self, text: str) -> int:
        low = text.lower()
        if not any(g in low for g in self.explicit_gate_):
            return 0
        return len(self.explicit_re_.findall(text))

    def _positive_negative(self, doc) -> int:
        if self.positive_words_.isdisjoint(doc.norm):  # most texts: no positive word
            return 0
        neg = self.negative_events_.matches(doc.norm, doc.tokens, doc.sent_starts)
        if not neg:
            return 0
        neg_sents = {doc.sentence_of(s) for s, _, _ in neg}
        pos_sents = set()
        pos = self.positive_words_
        norm = doc.norm
        for i, tok in enumerate(norm):
            if tok in pos:
                prev = norm[i - 1] if i else ""
                if prev in _NEGATORS or prev.endswith("n't"):
                    continue
                pos_sents.add(doc.sentence_of(i))
        return len(neg_sents & pos_sents)

    def transform(self, X):
        """One row of cue counts per text."""
        check_is_fitted(self, "positive_words_")
        texts = as_texts(X)
        out = np.zeros((len(texts), len(self._names)))
        for r, text in enumerate(texts):
            doc = analyze(text)
            words = [t for t in doc.tokens if len(t) > 1 and not t.isdigit()]
            caps = shouted_words(words, self.english_words_)
            if caps:  # not typography: stage directions, datelines, kicker labels
                bare = _TYPOGRAPHIC_CAPS_RE.sub(_typography, text)
                if bare != text:
                    kept = [t for t in analyze(bare).tokens if len(t) > 1 and not t.isdigit()]
                    caps = shouted_words(kept, self.english_words_)
            out[r] = (
                self._gratitude(doc),
                caps / len(words) if words else np.nan,
                self._scare_quotes(text) if text else 0,
                len(self.hashtag_re_.findall(text)) if "#" in text else 0,
                self.interjections_.count(doc)[0],
                len(_ELLIPSIS_RE.findall(text)) if _may_have_ellipsis(text) else 0,
                self._explicit(text),
                self._positive_negative(doc),
            )
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self._names, dtype=object)


class IronyProbability(TransformerMixin, BaseEstimator):
    """Probability that a text is ironic, from a trained text classifier.

    Output column: ``irony_probability``, NaN for texts with no word token (empty, white
    space, a bare link, None, NaN).

    Parameters
    ----------
    model : str, path, estimator or None
        Path to the ``.skops`` file written by ``framelens classify train irony`` (loaded
        with :func:`analysis.classifiers.load_model`, which refuses untrusted types and
        models of other tasks), or a
        fitted estimator (usually a Pipeline from raw text) with ``predict_proba``. To keep
        a fitted estimator fitted through :func:`sklearn.base.clone` (which refits-from-
        scratch copies estimator parameters), wrap it in
        :class:`sklearn.frozen.FrozenEstimator`. None: train the task ``train`` names.
    train : str or None, default None
        With ``model=None``: the classifier task (``configs/classifier/TRAIN.yaml``) whose
        model to use, trained on first use and cached by its config, corpus and versions
        (:func:`analysis.classifiers.cached_model`), so an experiment config alone
        reproduces its scores. The feature config sets ``irony``.
    train_overrides : list of str, default ()
        Hydra overrides of that task config (``classifier.grid.C=[1.0]``).
    positive_class : label or None, default None
        The class meaning "ironic"; None takes the last of a binary model's ``classes_``.
    strip_hashtags : bool, default True
        Remove #irony/#sarcasm/#not and similar before predicting (the model must not see
        the labels' collection method; :class:`IronyCues` counts the hashtags).
    trusted : list of str or None, default None
        Extra type names to trust when loading a ``.skops`` file, beyond the classifier
        module's allow-list.

    Attributes
    ----------
    estimator_ : estimator
        The loaded (or given) fitted classifier.
    positive_index_ : int
        Column of ``predict_proba`` holding the ironic class.
    model_file_ : Path or None
        The model file read (None for an estimator passed in).
    fingerprint_ : str or None
        sha256 of that file: the feature cache keys the scores by it.
    """

    feature_version = "1"
    _names = ("irony_probability",)

    def __init__(
        self,
        model=None,
        positive_class=None,
        strip_hashtags=True,
        trusted=None,
        train=None,
        train_overrides=(),
    ):
        self.model = model
        self.train = train
        self.train_overrides = train_overrides
        self.positive_class = positive_class
        self.strip_hashtags = strip_hashtags
        self.trusted = trusted

    def __sklearn_tags__(self):
        return text_tags(super().__sklearn_tags__())

    def _train_overrides(self) -> list[str]:
        return [str(o) for o in self.train_overrides or ()]

    def fit(self, X, y=None):
        """Load the classifier (``y`` is ignored: the model is trained elsewhere)."""
        as_texts(X)
        how = (
            "Train one with `framelens classify train irony` (it writes a .skops file) and "
            "pass its path, pass a fitted estimator with predict_proba, or set train=irony "
            "to have the package train and cache it."
        )
        path, task = None, "irony"
        if self.model is None:
            if not self.train:
                raise ValueError(f"IronyProbability needs model=... . {how}")
            from analysis.classifiers import cached_model

            task = str(self.train)
            path = cached_model(task, self._train_overrides())
        elif isinstance(self.model, (str, os.PathLike)):
            path = Path(self.model).expanduser()
            if not path.is_file():
                raise FileNotFoundError(f"No irony model at {str(path)!r}. {how}")
        if path is not None:
            # the classifier module's loader: its allow-list, task and format checks
            from analysis.classifiers import ModelError, load_model

            try:
                est = load_model(path, task=task, trusted=self.trusted or ())
            except ModelError as exc:
                if self.model is not None:  # the user's own file: theirs to mend
                    raise
                # the package's cached copy is damaged (disk, hand edits): train it again
                logging.getLogger("framelens").warning(
                    "the cached %s model cannot be loaded (%s); training it again", task, exc
                )
                path = cached_model(task, self._train_overrides(), retrain=True)
                est = load_model(path, task=task, trusted=self.trusted or ())
        else:
            est = self.model
        if not hasattr(est, "predict_proba"):
            raise TypeError(
                f"The irony model must have predict_proba; {type(est).__name__} has not."
            )
        try:
            check_is_fitted(est)
        except NotFittedError as err:
            raise ValueError(
                "The irony model is not fitted. If it was fitted before, it was probably "
                "cloned (clone() copies estimator parameters unfitted): wrap it in "
                "sklearn.frozen.FrozenEstimator, or pass the path of its .skops file."
            ) from err
        classes = list(getattr(est, "classes_", []))
        # a framelens model file says which label is the positive one ("ironic" with labels
        # [not ironic, ironic] sorts first): its word beats the position
        saved = (getattr(est, "framelens_", None) or {}).get("positive")
        if self.positive_class is None and saved is not None and saved in classes:
            idx = classes.index(saved)
        elif self.positive_class is None:
            if len(classes) != 2:
                raise ValueError(
                    f"Cannot tell the ironic class among {classes}; set "
                    "+features.irony_probability.positive_class=LABEL."
                )
            idx = 1
        elif self.positive_class in classes:
            idx = classes.index(self.positive_class)
        else:
            raise ValueError(f"positive_class {self.positive_class!r} not in {classes}")
        self.estimator_ = est
        self.positive_index_ = idx
        self.model_file_ = path
        self.fingerprint_ = None
        if path is not None:
            from analysis.corpora import sha256_file

            self.fingerprint_ = sha256_file(path)
        self.hashtags_ = _bundled_hashtags() if self.strip_hashtags else []
        return self

    def transform(self, X):
        """One row per text: the probability of the ironic class."""
        check_is_fitted(self, "estimator_")
        texts = as_texts(X)
        if self.strip_hashtags:
            texts = strip_irony_hashtags(texts, self.hashtags_)
        out = np.full((len(texts), 1), np.nan)
        keep = [i for i, t in enumerate(texts) if analyze(t).n_tokens]
        if keep:
            proba = self.estimator_.predict_proba([texts[i] for i in keep])
            out[keep, 0] = np.asarray(proba, dtype=float)[:, self.positive_index_]
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self._names, dtype=object)

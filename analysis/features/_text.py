"""Shared text plumbing for the feature extractors: one tokenizer, one sentence splitter,
one lexicon format.

Every extractor in :mod:`analysis.features` sees a text through :func:`analyze`, which
splits it into sentences and word tokens once and memoizes the result per text, so a
``FeatureUnion`` of several extractors over the same segments tokenizes each segment once
(as long as one batch of texts fits in the cache, see :func:`set_cache_size`).

Lexicons (frames, hedges, loaded words, irony cues) are YAML files with one list of terms
per category; :func:`load_lexicon` reads them and :class:`Lexicon` compiles them once (in
``fit``) into token lookups so ``transform`` never scans a regex alternation per term.

Tokens
    Word tokens are maximal runs of letters and digits, with inner apostrophes kept
    (``don't``); hyphens and periods split (``US-made`` -> ``US``, ``made``). URLs and
    ``pic.twitter.com/...`` links are removed first. The normalized form used for lexicon
    matching is lower-cased, curly apostrophes become straight ones and a possessive
    ``'s`` is dropped (``Afghanistan's`` -> ``afghanistan``).
Sentences
    A regex splitter (NLTK's punkt needs data that is not on PyPI): a sentence ends at
    ``.``, ``!``, ``?`` or ``…`` (plus closing quotes or brackets) followed by white space,
    and at every line break. A period does not end a sentence after a known abbreviation
    (``Mr.``, ``U.S.``, ``Jan.``) or a single letter (initials), or when the next word
    starts lower-case. Sentences without any word token (a bare link, an emoji) are dropped.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

__all__ = [
    "Doc",
    "Lexicon",
    "RebuiltOnLoad",
    "analyze",
    "as_texts",
    "clear_cache",
    "load_lexicon",
    "normalize_token",
    "params_only_state",
    "read_yaml_source",
    "set_cache_size",
    "split_sentences",
    "text_tags",
    "tokenize",
]

# ---------------------------------------------------------------------------------------
# model files: compiled state is rebuilt on load, not saved

_SAVING = threading.local()


class params_only_state:
    """Context manager: while active, the transformers built on :class:`RebuiltOnLoad`
    pickle (and skops-save) their parameters and lexicon checksum only, not what ``fit``
    compiled from them. ``analysis.classifiers.save_model`` writes model files inside it;
    everywhere else (copies, Dask workers) the full fitted state is kept."""

    def __enter__(self):
        self._before = getattr(_SAVING, "on", False)
        _SAVING.on = True
        return self

    def __exit__(self, *exc):
        _SAVING.on = self._before
        return False


class RebuiltOnLoad:
    """Mixin for transformers whose fitted state is compiled from their parameters alone
    (lexicons, regexes, analyzers: their ``fit`` ignores ``X``).

    A model file then holds the parameters and ``lexicon_sha256_``; loading fits again from
    the parameters. Compiled objects (regexes, lexicon indexes, NLTK and pattern analyzers)
    cannot be restored by skops, or only by trusting types that have no business in a
    model file, so a classifier with these features in its pipeline could be saved but not
    loaded. When the lexicon found at load time differs from the one the model was trained
    with, a warning says so (the features then follow the lexicon as it is now).
    """

    def __getstate__(self):
        state = dict(super().__getstate__())
        fitted = any(k.endswith("_") and not k.startswith("_") for k in state)
        if not (fitted and getattr(_SAVING, "on", False)):
            return state
        keep = {*self.get_params(deep=False), "_sklearn_version", "lexicon_sha256_"}
        slim = {k: v for k, v in state.items() if k in keep}
        slim["_rebuild_on_load"] = True
        return slim

    def __setstate__(self, state):
        state = dict(state)
        rebuild = state.pop("_rebuild_on_load", False)
        super().__setstate__(state)
        if rebuild:
            import warnings

            saved = state.get("lexicon_sha256_")
            self.fit([])
            now = getattr(self, "lexicon_sha256_", None)
            if saved and now and saved != now:
                warnings.warn(
                    f"{type(self).__name__}: its lexicon changed since this model was saved "
                    f"(sha256 {saved[:12]}... then, {now[:12]}... now); its features follow "
                    "the lexicon as it is now: retrain the model to match them",
                    UserWarning,
                    stacklevel=2,
                )


# ---------------------------------------------------------------------------------------
# input validation shared by all transformers


def as_texts(X: Any) -> list[str]:
    """Turn the ``X`` a transformer receives into a list of strings.

    Accepts any iterable of texts (list, tuple, numpy array, pandas Series) and a
    one-column DataFrame or ``(n, 1)`` array (what a ``ColumnTransformer`` passes for a
    list column selector). Items that are not strings (None, float NaN) become ``""``.

    Raises
    ------
    TypeError
        For a bare string or bytes (iterating it would yield characters, not texts) and for
        a DataFrame with several columns.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "Expected an iterable of texts (list, array or Series of str), got a single "
            f"{type(X).__name__}. Wrap it in a list: transform([text])."
        )
    columns = getattr(X, "columns", None)
    if columns is not None:  # a DataFrame
        if len(columns) != 1:
            raise TypeError(
                f"Expected one text column, got a DataFrame with {len(columns)} columns; "
                "pass the text column itself, e.g. df['text']."
            )
        X = X.iloc[:, 0]
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if X.shape[1] != 1:
            raise TypeError(f"Expected a 1-D array of texts, got shape {X.shape}.")
        X = X[:, 0]
    try:
        items = list(X)
    except TypeError:
        raise TypeError(f"Expected an iterable of texts, got {type(X).__name__}.") from None
    return [x if isinstance(x, str) else "" for x in items]


def text_tags(tags: Any) -> Any:
    """Mark scikit-learn estimator tags as taking a list of strings, not a 2-D array."""
    tags.input_tags.two_d_array = False
    tags.input_tags.string = True
    return tags


# ---------------------------------------------------------------------------------------
# tokenizer and sentence splitter

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|pic\.twitter\.com/\w+|\b[\w-]+\.(?:com|org|net|gov)/\S*",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# a sentence-final run of punctuation (plus closing quotes/brackets) before white space,
# or a line break
_BOUNDARY_RE = re.compile(r"[.!?…]+['\"’”»)\]]*[ \t\u00a0\u2009\u202f]+|[ \t\u00a0]*\n\s*")
_LAST_WORD_RE = re.compile(r"([\w.]+)\.$")

#: Words that end in a period without ending the sentence (lower-case, without the
#: final period). Short on purpose: the lower-case rule catches most others.
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "rep",
        "sen",
        "gov",
        "pres",
        "rev",
        "hon",
        "atty",
        "supt",
        "insp",
        "det",
        "cpl",
        "pvt",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "etc",
        "vs",
        "v",
        "al",
        "inc",
        "corp",
        "co",
        "ltd",
        "llc",
        "dept",
        "univ",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "a.m",
        "p.m",
        "approx",
        "est",
    ]
)
#: Abbreviations that only hold before a number (``No. 2``, but ``said no. Then``).
NUMBER_ABBREVIATIONS = frozenset(["no", "nos", "vol", "fig", "p", "pp", "art", "sec"])


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences (see the module docstring for the rules).

    Sentences are returned stripped; empty ones are dropped, sentences without word
    tokens are kept (:func:`analyze` drops those).
    """
    out: list[str] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY_RE.finditer(text):
        mark = m.group()
        if "\n" not in mark and mark[0] in ".…":
            if m.end() < n and text[m.end()].islower():
                continue
            if not mark.startswith(("..", ".…")):
                w = _LAST_WORD_RE.search(text, max(start, m.start() - 12), m.start() + 1)
                if w is not None:
                    word = w.group(1).lower()
                    if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                        continue
                    if word in NUMBER_ABBREVIATIONS and text[m.end() : m.end() + 1].isdigit():
                        continue
        piece = text[start : m.start() + len(mark.rstrip())].strip()
        if piece:
            out.append(piece)
        start = m.end()
    piece = text[start:].strip()
    if piece:
        out.append(piece)
    return out


_NORM: dict[str, str] = {}
_NORM_MAX = 500_000


def normalize_token(token: str) -> str:
    """The lexicon-matching form of one word token (see the module docstring)."""
    norm = _NORM.get(token)
    if norm is None:
        norm = token.lower().replace("’", "'")
        if norm.endswith("'s") and len(norm) > 2:
            norm = norm[:-2]
        if len(_NORM) >= _NORM_MAX:
            _NORM.clear()
        _NORM[token] = norm
    return norm


def tokenize(text: str) -> list[str]:
    """Word tokens of ``text`` in their original case (URLs removed)."""
    if "/" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    return _WORD_RE.findall(text)


@dataclass(frozen=True, slots=True)
class Doc:
    """A text split once into sentences and tokens; what every extractor reads.

    Attributes
    ----------
    text : str
        The text as given.
    sentences : tuple of str
        Sentences that contain at least one word token.
    tokens : tuple of str
        Word tokens in original case, all sentences concatenated.
    norm : tuple of str
        The same tokens normalized for lexicon matching (:func:`normalize_token`).
    sent_starts : tuple of int
        Index into ``tokens`` where each sentence starts, plus ``len(tokens)`` at the end.
    """

    text: str
    sentences: tuple[str, ...]
    tokens: tuple[str, ...]
    norm: tuple[str, ...]
    sent_starts: tuple[int, ...]

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def n_sentences(self) -> int:
        return len(self.sentences)

    def sentence_of(self, i: int) -> int:
        """Index of the sentence holding token ``i``."""
        return bisect.bisect_right(self.sent_starts, i) - 1


def _build_doc(text: str) -> Doc:
    sentences: list[str] = []
    tokens: list[str] = []
    starts: list[int] = []
    for sent in split_sentences(text):
        toks = tokenize(sent)
        if toks:
            sentences.append(sent)
            starts.append(len(tokens))
            tokens.extend(toks)
    starts.append(len(tokens))
    known = _NORM.get  # the memo first, without a function call per token
    norm = tuple([known(t) or normalize_token(t) for t in tokens])
    return Doc(text, tuple(sentences), tuple(tokens), norm, tuple(starts))


class TextCache:
    """A thread-safe LRU memo keyed by text, bounded by the total length of its keys.

    Bounded by characters rather than entries because segments range from a one-word
    tweet to a whole article. A text longer than the whole budget is computed, not stored.
    """

    def __init__(self, func, max_chars: int):
        self.func = func
        self.max_chars = max_chars
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(self, text: str) -> Any:
        with self._lock:
            value = self._data.get(text)
            if value is not None:
                self._data.move_to_end(text)
                self.hits += 1
                return value
            self.misses += 1
        value = self.func(text)
        size = len(text) + 1
        if size <= self.max_chars:
            with self._lock:
                if text not in self._data:
                    self._data[text] = value
                    self._chars += size
                    while self._chars > self.max_chars:
                        old, _ = self._data.popitem(last=False)
                        self._chars -= len(old) + 1
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._chars = 0
            self.hits = self.misses = 0


#: Default memo budget in characters of cached text (about 12 bytes of tokens per
#: character, so ~200 MB). Override with the ``FRAMELENS_TEXT_CACHE_CHARS`` env variable
#: or :func:`set_cache_size`. A FeatureUnion only reuses tokens if one batch of texts
#: fits: keep chunks below this many characters.
DEFAULT_CACHE_CHARS = int(os.environ.get("FRAMELENS_TEXT_CACHE_CHARS", 16_000_000))

_CACHES: list[TextCache] = []


def memo_by_text(func):
    """Decorate ``func(text)`` with a shared, character-bounded :class:`TextCache`."""
    cache = TextCache(func, DEFAULT_CACHE_CHARS)
    _CACHES.append(cache)
    return cache


def set_cache_size(max_chars: int) -> None:
    """Set the character budget of every per-text memo (tokens, sentence scores)."""
    for cache in _CACHES:
        with cache._lock:
            cache.max_chars = int(max_chars)
        cache.clear()


def clear_cache() -> None:
    """Empty every per-text memo (tokens, sentence scores)."""
    for cache in _CACHES:
        cache.clear()


@memo_by_text
def analyze(text: str) -> Doc:
    """Sentences and tokens of ``text``, computed once per distinct text (memoized)."""
    return _build_doc(text)


# ---------------------------------------------------------------------------------------
# lexicons

_LEXICON_PACKAGE = "analysis"
_LEXICON_DIR = "lexicons"
_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")


def _bundled_path(name: str):
    return resources.files(_LEXICON_PACKAGE).joinpath(_LEXICON_DIR, f"{name}.yaml")


def bundled_lexicons() -> list[str]:
    """Names of the lexicons shipped in ``analysis/lexicons``."""
    folder = resources.files(_LEXICON_PACKAGE).joinpath(_LEXICON_DIR)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_yaml_source(source: str | os.PathLike | Mapping) -> tuple[dict, str]:
    """Read a lexicon given as a bundled name, a path to a YAML file, or a mapping.

    Returns
    -------
    data : dict
        The parsed YAML (or a copy of the mapping).
    sha256 : str
        Hash of the file bytes (of the canonical JSON for a mapping), so cached feature
        values can be tied to the exact lexicon that produced them.
    """
    if isinstance(source, Mapping):
        data = json.loads(json.dumps(source, sort_keys=True, default=str))
        raw = json.dumps(data, sort_keys=True).encode()
        return data, hashlib.sha256(raw).hexdigest()
    if isinstance(source, str) and _NAME_RE.match(source):
        res = _bundled_path(source)
        if not res.is_file():
            raise ValueError(
                f"Unknown lexicon {source!r}: not one of the bundled lexicons "
                f"{bundled_lexicons()} (or pass a path to a YAML file)."
            )
        raw = res.read_bytes()
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"Lexicon file not found: {path}")
        raw = path.read_bytes()
    else:
        raise TypeError(
            "A lexicon is a bundled name, a path to a YAML file or a mapping, got "
            f"{type(source).__name__}."
        )
    data = yaml.safe_load(raw)
    if not isinstance(data, dict):
        raise ValueError(f"Lexicon {source!r} is not a YAML mapping.")
    return data, hashlib.sha256(raw).hexdigest()


def load_lexicon(source: str | os.PathLike | Mapping) -> dict:
    """Load a category lexicon and normalize it.

    The YAML format::

        name: mfc
        version: 1
        references: [...]          # optional, free text
        skip_if_capitalized: [may] # optional: not matched as "May" mid-sentence
        categories:
          economic:                # either a mapping with "terms" ...
            description: costs, benefits, monetary or financial implications
            terms: [econom*, budget, cost of living, taxpayers' money]
          political: [partisan, lawmaker*]   # ... or a bare list of terms

    A term is a word, a multiword phrase, or a stem ending in ``*`` (prefix match on the
    last word). Matching is case-insensitive on token boundaries (see :class:`Lexicon`).
    Categories with no terms are dropped. A plain ``{category: [terms]}`` mapping without
    the ``categories`` key is accepted too (handy inline in tests and notebooks).

    Returns
    -------
    dict
        ``{"name", "version", "categories": {name: [terms]}, "skip_if_capitalized",
        "sha256", "raw"}`` with categories in file order.
    """
    data, sha = read_yaml_source(source)
    cats = data.get("categories", None)
    if cats is None:
        cats = {k: v for k, v in data.items() if isinstance(v, (list, dict))}
    if not isinstance(cats, Mapping) or not cats:
        raise ValueError(f"Lexicon {source!r} has no categories.")
    categories: dict[str, list[str]] = {}
    for cat, spec in cats.items():
        terms = spec.get("terms", []) if isinstance(spec, Mapping) else spec
        if terms is None:
            terms = []
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError(
                f"Lexicon {source!r}: category {cat!r} must list strings (quote words "
                "YAML reads as booleans: 'yes', 'no', 'on', 'off')."
            )
        if not re.match(r"^[a-z0-9_]+$", str(cat)):
            raise ValueError(
                f"Lexicon {source!r}: category name {cat!r} must be lower-case "
                "letters, digits and underscores (it becomes a column name)."
            )
        if terms:
            categories[str(cat)] = terms
    if not categories:
        raise ValueError(f"Lexicon {source!r}: every category is empty.")
    name = data.get("name") or (source if isinstance(source, str) else "inline")
    return {
        "name": str(name),
        "version": data.get("version"),
        "categories": categories,
        "skip_if_capitalized": [s.lower() for s in data.get("skip_if_capitalized", [])],
        "sha256": sha,
        "raw": data,
    }


def parse_term(term: str) -> tuple[tuple[str, bool], ...]:
    """Token pattern of one lexicon term: ``((token, is_stem), ...)``.

    ``"taxpayers' money"`` -> ``(("taxpayers", False), ("money", False))``;
    ``"econom*"`` -> ``(("econom", True),)``. The term is tokenized like text, so
    ``"U.S. troops"`` matches ``U.S. troops`` and ``US troops`` does not.
    """
    out: list[tuple[str, bool]] = []
    for piece in term.split():
        stem = piece.endswith("*")
        toks = [normalize_token(t) for t in _WORD_RE.findall(piece.rstrip("*"))]
        if not toks:
            continue
        out.extend((t, False) for t in toks[:-1])
        out.append((toks[-1], stem))
    return tuple(out)


class Lexicon:
    """Category lexicon compiled for fast matching over :class:`Doc` tokens.

    Single words are a dict lookup; stems are resolved once per distinct token and
    memoized; multiword phrases are indexed by their first token and checked forward.

    Parameters
    ----------
    categories : dict of str to list of str
        Category name -> terms (see :func:`load_lexicon`).
    skip_if_capitalized : iterable of str
        Single words not matched when written Title-case away from a sentence start
        (``May`` the month is not the modal ``may``).
    """

    _MEMO_MAX = 500_000

    def __init__(self, categories: Mapping[str, list[str]], skip_if_capitalized=()):
        self.categories = list(categories)
        self.patterns: list[tuple[tuple[str, bool], ...]] = []
        self.pattern_cat: list[int] = []
        first_exact: dict[str, list[int]] = {}
        first_stem: list[tuple[str, int]] = []
        seen: set[tuple] = set()
        for ci, cat in enumerate(self.categories):
            for term in categories[cat]:
                pat = parse_term(term)
                if not pat or (pat, ci) in seen:
                    continue
                seen.add((pat, ci))
                pid = len(self.patterns)
                self.patterns.append(pat)
                self.pattern_cat.append(ci)
                tok, stem = pat[0]
                if stem:
                    first_stem.append((tok, pid))
                else:
                    first_exact.setdefault(tok, []).append(pid)
        self._first_exact = first_exact
        # stems grouped by length, so a token needs one dict lookup per stem length
        by_len: dict[int, dict[str, list[int]]] = {}
        for prefix, pid in first_stem:
            by_len.setdefault(len(prefix), {}).setdefault(prefix, []).append(pid)
        self._stems_by_len = sorted(by_len.items())
        self._skip_cap = frozenset(skip_if_capitalized)
        self._memo: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.patterns)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_memo"] = {}  # a cache, not state: keep pickles (Dask tasks) small
        return state

    def _candidates(self, token: str) -> tuple[int, ...]:
        pids = list(self._first_exact.get(token, ()))
        n = len(token)
        for length, stems in self._stems_by_len:
            if length > n:
                break
            hit = stems.get(token[:length])
            if hit:
                pids.extend(hit)
        return tuple(sorted(pids))

    def matches(self, norm: tuple[str, ...], tokens=None, sent_starts=()) -> list:
        """Every pattern occurrence as ``(start, end, category_index)``, by start.

        Overlapping and nested occurrences are all listed; :meth:`count` resolves them.
        ``tokens`` (original case) and ``sent_starts`` are only needed for
        ``skip_if_capitalized``.
        """
        memo = self._memo
        get = memo.get
        out = []
        n = len(norm)
        patterns = self.patterns
        for i, tok in enumerate(norm):
            pids = get(tok)
            if pids is None:
                pids = self._candidates(tok)
                if len(memo) < self._MEMO_MAX:  # bounded; never cleared under a reader
                    memo[tok] = pids
            if not pids:
                continue
            if (
                self._skip_cap
                and tok in self._skip_cap
                and tokens is not None
                and tokens[i].istitle()
                and i not in sent_starts
            ):
                continue
            for pid in pids:
                pat = patterns[pid]
                end = i + len(pat)
                if end > n:
                    continue
                ok = True
                for k in range(1, len(pat)):
                    want, stem = pat[k]
                    got = norm[i + k]
                    if not (got.startswith(want) if stem else got == want):
                        ok = False
                        break
                if ok:
                    out.append((i, end, self.pattern_cat[pid]))
        return out

    def resolve(self, matches: list, exclusive: bool = False) -> list:
        """Keep leftmost-longest, non-overlapping occurrences.

        With ``exclusive=False`` overlaps are resolved within each category only (one word
        can cue two frames); with ``exclusive=True`` across all categories (a span belongs
        to one category: "according to sources" is anonymous, not also neutral; ties go
        to the category listed first).
        """
        if not matches:
            return []
        best: dict[tuple[int, int], tuple[int, int, int]] = {}
        for s, e, c in matches:
            key = (s, -1 if exclusive else c)
            cur = best.get(key)
            if cur is None or e > cur[1] or (e == cur[1] and c < cur[2]):
                best[key] = (s, e, c)
        kept = []
        free: dict[int, int] = {}
        for s, e, c in sorted(best.values()):
            k = -1 if exclusive else c
            if s >= free.get(k, 0):
                kept.append((s, e, c))
                free[k] = e
        return kept

    def spans(self, doc: Doc, exclusive: bool = False) -> list[tuple[str, str]]:
        """``(category, matched words)`` for each counted occurrence, to see what fired."""
        found = self.resolve(self.matches(doc.norm, doc.tokens, doc.sent_starts), exclusive)
        return [(self.categories[c], " ".join(doc.tokens[s:e])) for s, e, c in found]

    def count(self, doc: Doc, exclusive: bool = False) -> np.ndarray:
        """Occurrences per category in ``doc`` after :meth:`resolve`."""
        counts = np.zeros(len(self.categories), dtype=float)
        found = self.matches(doc.norm, doc.tokens, doc.sent_starts)
        for _, _, c in self.resolve(found, exclusive):
            counts[c] += 1
        return counts


def compile_lexicon(lex: Mapping) -> Lexicon:
    """:class:`Lexicon` from the output of :func:`load_lexicon`."""
    return Lexicon(lex["categories"], lex.get("skip_if_capitalized", ()))


def term_regex(terms: Iterable[str]) -> re.Pattern:
    """One case-insensitive alternation over literal ``terms``, longest first."""
    alts = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    if not alts:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(re.escape(a) for a in alts), re.IGNORECASE)

"""Same event, several outlets: paired comparisons and agreement with expert bias spans.

A compare stage (``configs/compare/same_event.yaml``) for corpora where every event is told
by each of a fixed set of outlets (BASIL: Fox News, the New York Times and HuffPost on the
same 70 events). Because the three articles of an event share their topic, the comparison
is made *within* events: for every event, the difference between two outlets' article
values, then statistics over events. Topic mix can then not explain a difference.

Functions
    :func:`resolve_stage`           a compare stage named in a config, checked against an allow-list
    :func:`all_voices`              article-level values over every voice (character-weighted)
    :func:`event_values`            one row per event x outlet x voice; incomplete events reported
    :func:`paired_tests`            within-event differences: bootstrap CI, Wilcoxon, BH, effect size
    :func:`friedman_tests`          one Friedman test per voice and feature across all outlets
    :func:`spearman_ci`             Spearman correlation with a seeded (cluster) bootstrap CI
    :func:`read_basil_spans`        BASIL's expert spans, located in their sentences
    :func:`span_overlap`            loaded-lexicon hits inside and outside expert spans
    :func:`compare_stage`           the stage: tables, figures and report lines of a run
"""

from __future__ import annotations

import ast
import importlib
import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from scipy import stats

from analysis import compare as S
from analysis.config import check_targets
from analysis.errors import ConfigError
from analysis.glossary import glossary_markdown
from analysis.plots import (
    COLUMN_WIDTH,
    FULL_WIDTH,
    HUE_MARKERS,
    VOICE_COLORS,
    feature_label,
    figure_markdown,
    outlet_colors,
    paper_style,
    save_figure,
)

__all__ = [
    "all_voices",
    "compare_stage",
    "event_values",
    "friedman_tests",
    "paired_tests",
    "rank_biserial",
    "read_basil_spans",
    "resolve_stage",
    "span_overlap",
    "spearman_ci",
]

#: The compare stage used when a compare config names none.
DEFAULT_STAGE = "analysis.outlets.compare_stage"
#: Outlet colours when the config gives no leans (Okabe-Ito, neutral); with
#: ``compare.outlet_leans`` an outlet has its lean's colour, as in every other figure.
OUTLET_COLORS = ("#CC79A7", "#009E73", "#E69F00", "#56B4E9", "#0072B2", "#D55E00")
VOICE_STYLE = {
    "outlet": (VOICE_COLORS["outlet"], "outlet's own prose"),
    "all": ("#777777", "all voices"),
}


def _outlet_styles(
    outlets: Sequence[str], leans: Mapping[str, str] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """``(colours, markers)`` per outlet: the colour of its lean when ``leans`` covers every
    outlet (two outlets of one lean then differ by marker), else neutral colours."""
    if leans and all(o in leans for o in outlets):
        colors = outlet_colors({o: leans[o] for o in outlets})
    else:
        colors = dict(zip(outlets, OUTLET_COLORS, strict=False))
    return colors, dict(zip(outlets, HUE_MARKERS, strict=False))


# --------------------------------------------------------------------------- dispatch


def resolve_stage(name: str | None, where: str = "compare.stage") -> Callable:
    """The compare-stage function a config names, e.g. ``analysis.events.compare_stage``.

    The name must pass :func:`analysis.config.check_targets` (the package's own modules)
    and the function must be *defined* in the module named, so a name such as
    ``analysis.pipeline.shutil.rmtree`` (a foreign function re-exported by an analysis
    module) is refused as well.
    """
    name = str(name or DEFAULT_STAGE)
    check_targets({"_target_": name}, where.rsplit(".", 1)[0])
    module_name, _, attr = name.rpartition(".")
    if not module_name.startswith("analysis") or not attr:
        raise ConfigError(f"{where}={name!r} is not allowed: name a function in analysis.*")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{where}={name!r}: cannot import {module_name} ({exc})") from exc
    func = getattr(module, attr, None)
    if not callable(func) or getattr(func, "__module__", None) != module.__name__:
        raise ConfigError(
            f"{where}={name!r} is not allowed: {attr!r} is not a function defined in "
            f"{module_name} (e.g. analysis.outlets.compare_stage, analysis.events.compare_stage)"
        )
    return func


# --------------------------------------------------------------------------- tables


def all_voices(av: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """Article-level values over every voice: character-weighted means, voice ``"all"``.

    Same weighting as :func:`analysis.pipeline.aggregate_article_voice` (missing values
    are left out of numerator and denominator), applied to the article x voice rows.
    """
    from analysis.pipeline import char_weighted_means

    out = char_weighted_means(av, ["article_id", "outlet"], list(features))
    out.insert(2, "voice", "all")
    return out


def event_values(
    av: pd.DataFrame,
    articles: pd.DataFrame,
    features: Sequence[str],
    outlets: Sequence[str],
    voices: Sequence[str] = ("outlet", "all"),
    event: str = "event",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per event, outlet and voice; events without every outlet set aside.

    Parameters
    ----------
    av : DataFrame
        Article x voice table of a run (``article_id, outlet, voice, n_chars`` + features).
    articles : DataFrame
        ``id``, ``outlet`` and the ``event`` column of every article of the run.
    outlets : list of str
        The outlets every event must have (compared case-insensitively).
    voices : list of str
        Voices to keep; ``"all"`` adds :func:`all_voices`.

    Returns
    -------
    values : DataFrame
        ``event, outlet, voice, article_id, n_chars, *features`` for complete events,
        sorted. An outlet with several articles on one event keeps the first by id (and
        is reported).
    problems : DataFrame
        ``event, outlets_present, missing, duplicated``: one row per event that is
        incomplete (left out of the paired comparison) or had duplicates.
    """
    features = list(features)
    wanted = [str(o).lower() for o in outlets]
    meta = articles.rename(columns={"id": "article_id"})[["article_id", event]]
    meta = meta.rename(columns={event: "event"})
    table = av.copy()
    table["outlet"] = table["outlet"].astype(str).str.lower()
    parts = [
        table[table["voice"].isin(voices)][["article_id", "outlet", "voice", "n_chars", *features]]
    ]
    if "all" in voices:
        parts.append(all_voices(table, features))
    rows = pd.concat(parts, ignore_index=True).merge(meta, on="article_id", how="left")
    rows = rows[rows["event"].notna()]
    # every article of the corpus counts for completeness, even one without a voice row
    arts = pd.DataFrame(
        {
            "article_id": articles["id"].to_numpy(),
            "event": articles[event].to_numpy(),
            "outlet": articles["outlet"].astype(str).str.lower().to_numpy(),
        }
    )
    arts = arts[arts["event"].notna()].sort_values(["event", "outlet", "article_id"])
    problems = []
    keep_ids = []
    for ev, group in arts.groupby("event", sort=True):
        present = sorted(set(group["outlet"]))
        missing = [o for o in wanted if o not in present]
        dup = sorted(o for o, n in group["outlet"].value_counts().items() if n > 1 and o in wanted)
        if missing or dup:
            problems.append(
                {
                    "event": ev,
                    "outlets_present": " ".join(present),
                    "missing": " ".join(missing),
                    "duplicated": " ".join(dup),
                }
            )
        if missing:
            continue
        first = group[group["outlet"].isin(wanted)].drop_duplicates("outlet")
        keep_ids += first["article_id"].tolist()
    values = rows[rows["article_id"].isin(set(keep_ids))]
    values = values[["event", "outlet", "voice", "article_id", "n_chars", *features]]
    values = values.sort_values(["event", "outlet", "voice"], kind="stable").reset_index(drop=True)
    cols = ["event", "outlets_present", "missing", "duplicated"]
    return values, pd.DataFrame(problems, columns=cols)


def rank_biserial(d: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation of paired differences ``d``.

    ``(R+ - R-) / (R+ + R-)`` with ``R+``/``R-`` the sums of the ranks of ``|d|`` over the
    positive/negative differences (zeros dropped, as in the Wilcoxon test); +1 when every
    nonzero difference is positive. NaN without nonzero differences.

    References
    ----------
    .. [1] Kerby, D. S. (2014). The simple difference formula: an approach to teaching
       nonparametric correlation. Comprehensive Psychology 3, 11.IT.3.1.
    """
    d = np.asarray(d, dtype=float)
    d = d[~np.isnan(d) & (d != 0)]
    if not len(d):
        return float("nan")
    ranks = stats.rankdata(np.abs(d))
    plus, minus = ranks[d > 0].sum(), ranks[d < 0].sum()
    return float((plus - minus) / (plus + minus))


def _wide(
    values: pd.DataFrame,
    voice: str,
    feature: str,
    columns: tuple[str, str, str] = ("event", "outlet", "voice"),
) -> pd.DataFrame:
    unit, side, stratum = columns
    sub = values[values[stratum] == voice]
    return sub.pivot(index=unit, columns=side, values=feature)


def paired_tests(
    values: pd.DataFrame,
    features: Sequence[str],
    pairs: Sequence[Sequence[str]],
    voices: Sequence[str] | None = None,
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int = 13,
    alpha: float = 0.05,
    columns: tuple[str, str, str] = ("event", "outlet", "voice"),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Within-event differences between outlets, with intervals and signed-rank tests.

    For every voice, feature and pair ``(a, b)``: the per-event difference
    ``value(a) - value(b)`` over the events where both have a value; its mean with a
    seeded percentile-bootstrap interval over events (:func:`analysis.compare.bootstrap_means`
    with the event as resampling unit), its median, the two-sided Wilcoxon signed-rank
    test (``scipy.stats.wilcoxon`` defaults: zero differences dropped; exact or permutation
    null distribution up to 50 events, normal approximation above) and the matched-pairs
    rank-biserial correlation (:func:`rank_biserial`). Benjamini-Hochberg runs once over
    every test of the call (all voices, features and pairs).

    ``columns`` names the pairing unit, the two sides and the strata in ``values``; the
    default is events x outlets per voice, and ``("article_id", "voice", "lean")`` pairs
    the voices of one article per lean (the output keeps its column names: ``voice`` is
    then the stratum, ``outlet_a``/``outlet_b`` the voices, ``n_events`` the articles).

    Returns
    -------
    tests : DataFrame
        ``voice, feature, pair, outlet_a, outlet_b, n_events, mean_a, mean_b, mean_diff,
        ci_low, ci_high, median_diff, n_a_higher, n_b_higher, n_ties, statistic, p_value,
        p_adj, reject, rank_biserial``, in the order voices x features x pairs. A pair
        whose differences are all zero is not testable: NaN ``p_value``, left out of the
        adjustment. A test over ``k`` non-zero differences whose smallest possible p,
        ``2 / 2**k``, exceeds ``alpha`` keeps its ``p_value`` but is left out of the
        adjustment too (NaN ``p_adj``; Tarone 1990): it could not be significant whatever
        the data, and would only dilute the family.
    diffs : DataFrame
        ``voice, pair, event`` and one column per feature: the per-event differences.
    """
    features = list(features)
    stratum = columns[2]
    voices = list(voices) if voices is not None else list(pd.unique(values[stratum]))
    rows, diff_parts = [], []
    for voice in voices:
        wide = {f: _wide(values, voice, f, columns) for f in features}
        for a, b in pairs:
            name = f"{a}-{b}"
            events = sorted(set().union(*(w.index for w in wide.values())))
            part = pd.DataFrame({"voice": voice, "pair": name, "event": events})
            for f in features:
                w = wide[f].reindex(events)
                da = w[a] if a in w else pd.Series(np.nan, index=events)
                db = w[b] if b in w else pd.Series(np.nan, index=events)
                part[f] = (da - db).to_numpy()
            diff_parts.append(part)
            for f in features:
                w = wide[f]
                if a not in w or b not in w:
                    continue
                both = w[[a, b]].dropna()
                d = (both[a] - both[b]).to_numpy()
                row = {
                    "voice": voice,
                    "feature": f,
                    "pair": name,
                    "outlet_a": a,
                    "outlet_b": b,
                    "n_events": len(d),
                    "mean_a": both[a].mean() if len(d) else np.nan,
                    "mean_b": both[b].mean() if len(d) else np.nan,
                    "median_diff": float(np.median(d)) if len(d) else np.nan,
                    "n_a_higher": int((d > 0).sum()),
                    "n_b_higher": int((d < 0).sum()),
                    "n_ties": int((d == 0).sum()),
                    "statistic": np.nan,
                    "p_value": np.nan,
                    "rank_biserial": rank_biserial(d),
                }
                if (d != 0).any():
                    res = stats.wilcoxon(d)
                    row["statistic"], row["p_value"] = float(res.statistic), float(res.pvalue)
                rows.append(row)
    diffs = pd.concat(diff_parts, ignore_index=True) if diff_parts else pd.DataFrame()
    cols = [
        "voice", "feature", "pair", "outlet_a", "outlet_b", "n_events", "mean_a", "mean_b",
        "mean_diff", "ci_low", "ci_high", "median_diff", "n_a_higher", "n_b_higher", "n_ties",
        "statistic", "p_value", "p_adj", "reject", "rank_biserial",
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=cols), diffs
    tests = pd.DataFrame(rows)
    boot = S.bootstrap_means(diffs, ["voice", "pair"], features, n_boot, ci, seed, unit="event")
    boot = boot.rename(columns={"mean": "mean_diff"})[
        ["voice", "pair", "feature", "mean_diff", "ci_low", "ci_high"]
    ]
    tests = tests.merge(boot, on=["voice", "pair", "feature"], how="left")
    # a test over k non-zero differences cannot go below 2 / 2^k whatever the data (five:
    # 0.0625): it keeps its p but stays out of the BH family (Tarone 1990), as the lean tests'
    untied = (tests["n_a_higher"] + tests["n_b_higher"]).to_numpy(dtype=float)
    p = tests["p_value"].to_numpy(dtype=float)
    p = np.where(2.0 / 2.0**untied > alpha, np.nan, p)
    tests["p_adj"], tests["reject"] = S._bh(p, alpha)
    return tests[cols], diffs


def _unreachable_clause(tests: pd.DataFrame, alpha: float = 0.05) -> str:
    """The clause saying how many of ``tests`` were left out of the BH family for having
    too few non-zero differences (:func:`paired_tests` at ``alpha``); empty when none were."""
    left_out = int(tests["p_value"].notna().sum() - tests["p_adj"].notna().sum())
    if not left_out:
        return ""
    most = max(k for k in range(64) if 2.0 / 2.0**k > alpha)  # 5 at alpha 0.05
    return (
        f" that can reach p < {alpha:g} at all (the other {left_out}, with {most} or fewer "
        "non-zero differences, are left out of the correction, Tarone 1990)"
    )


def friedman_tests(
    values: pd.DataFrame,
    features: Sequence[str],
    outlets: Sequence[str],
    voices: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Friedman test per voice and feature: do the outlets differ at all, within events?

    Uses the events where every outlet has a value (``scipy.stats.friedmanchisquare``);
    Kendall's W = chi2 / (n (k - 1)) as effect size; BH across the call. Fewer than two
    complete events or identical values everywhere give NaN.
    """
    voices = list(voices) if voices is not None else list(pd.unique(values["voice"]))
    rows = []
    for voice in voices:
        for f in features:
            w = _wide(values, voice, f)
            have = [o for o in outlets if o in w]
            block = w[have].dropna() if len(have) == len(outlets) else w.iloc[0:0]
            n, k = len(block), len(outlets)
            stat = p = np.nan
            if n >= 2 and k >= 3 and np.ptp(block.to_numpy(), axis=1).any():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    res = stats.friedmanchisquare(*(block[o].to_numpy() for o in outlets))
                stat, p = float(res.statistic), float(res.pvalue)
            rows.append(
                {
                    "voice": voice,
                    "feature": f,
                    "n_events": n,
                    "chi2": stat,
                    "p_value": p,
                    "kendall_w": stat / (n * (k - 1)) if n and k > 1 else np.nan,
                }
            )
    out = pd.DataFrame(
        rows, columns=["voice", "feature", "n_events", "chi2", "p_value", "kendall_w"]
    )
    out["p_adj"], out["reject"] = S._bh(out["p_value"].to_numpy(dtype=float), alpha)
    return out


def _spearman_rows(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair (average ranks for ties); NaN for a constant row."""
    rx = stats.rankdata(xs, axis=1)
    ry = stats.rankdata(ys, axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(axis=1) / np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))


def spearman_ci(
    x: Sequence[float],
    y: Sequence[float],
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int = 13,
    clusters: Sequence[Any] | None = None,
) -> dict[str, float]:
    """Spearman's rho of ``x`` and ``y`` with a seeded percentile-bootstrap interval.

    Pairs with a missing value are dropped. With ``clusters`` (e.g. the event of each
    article) whole clusters are resampled. Returns ``n, rho, p_value, ci_low, ci_high``
    (``p_value`` from ``scipy.stats.spearmanr``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    n = len(x)
    out = {"n": n, "rho": np.nan, "p_value": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    res = stats.spearmanr(x, y)
    out["rho"], out["p_value"] = float(res.statistic), float(res.pvalue)
    rng = np.random.default_rng(seed)
    if clusters is None:
        idx = rng.integers(0, n, size=(n_boot, n))
        boot = _spearman_rows(x[idx], y[idx])
    else:
        codes = pd.factorize(np.asarray(clusters, dtype=object)[ok], sort=True)[0]
        members = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
        picks = [
            np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
            for _ in range(n_boot)
        ]
        boot = np.full(n_boot, np.nan)
        # replicates of equal length (equal cluster sizes) are ranked together
        by_len: dict[int, list[int]] = {}
        for r, idx in enumerate(picks):
            by_len.setdefault(len(idx), []).append(r)
        for rows in by_len.values():
            idx = np.stack([picks[r] for r in rows])
            boot[rows] = _spearman_rows(x[idx], y[idx])
    lo, hi = np.nanquantile(boot, [(1 - ci) / 2, (1 + ci) / 2])
    out["ci_low"], out["ci_high"] = float(lo), float(hi)
    return out


# --------------------------------------------------------------------------- expert spans


def _paragraphs(value: Any) -> list[list[str]]:
    if isinstance(value, str) and value.startswith("["):
        value = ast.literal_eval(value)  # some BASIL files store the list as its repr
    if not isinstance(value, list):
        return []
    return [p if isinstance(p, list) else [str(p)] for p in value]


def read_basil_spans(
    article_files: Sequence[Path], annotation_files: Sequence[Path]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """BASIL's sentences and expert spans, each span located in its sentence.

    Articles and annotations are joined by file name (``<id>.json`` and ``<id>_ann.json``;
    four HPO files have uuid ``empty``). A span's ``start``/``end`` are offsets into the
    sentence that holds it, which the files do not name: the first sentence of the article
    with ``sentence[start:end] == txt`` is taken, else the first containing ``txt``, else
    the span is kept with ``sentence = -1`` (not located).

    Returns
    -------
    sentences : DataFrame
        ``article_id, outlet, sentence, text``.
    spans : DataFrame
        ``article_id, span_id, sentence, start, end, bias, quote, polarity, txt, located``.
    """
    annotations = {p.name[: -len("_ann.json")]: p for p in annotation_files}
    sent_rows, span_rows = [], []
    for path in sorted(article_files):
        aid = path.stem
        if aid not in annotations:
            continue
        art = json.loads(path.read_text(encoding="utf-8"))
        sents = [s for para in _paragraphs(art.get("body-paragraphs")) for s in para]
        outlet = str(art.get("source", "")).lower()
        sent_rows += [
            {"article_id": aid, "outlet": outlet, "sentence": i, "text": s}
            for i, s in enumerate(sents)
        ]
        ann = json.loads(annotations[aid].read_text(encoding="utf-8"))
        for sp in ann.get("phrase-level-annotations") or []:
            txt, start, end = str(sp.get("txt", "")), sp.get("start"), sp.get("end")
            where, how = -1, "no"
            for i, s in enumerate(sents):
                if isinstance(start, int) and s[start:end] == txt:
                    where, how = i, "offsets"
                    break
            if where < 0:
                for i, s in enumerate(sents):
                    if txt and txt in s:
                        where, how = i, "text"
                        start = s.index(txt)
                        end = start + len(txt)
                        break
            span_rows.append(
                {
                    "article_id": aid,
                    "span_id": str(sp.get("id", "")),
                    "sentence": where,
                    "start": start if where >= 0 else -1,
                    "end": end if where >= 0 else -1,
                    "bias": str(sp.get("bias", "")),
                    "quote": str(sp.get("quote", "")),
                    "polarity": str(sp.get("polarity", "")),
                    "txt": txt,
                    "located": how,
                }
            )
    sentences = pd.DataFrame(sent_rows, columns=["article_id", "outlet", "sentence", "text"])
    spans = pd.DataFrame(
        span_rows,
        columns=[
            "article_id", "span_id", "sentence", "start", "end", "bias", "quote", "polarity",
            "txt", "located",
        ],
    )  # fmt: skip
    return sentences, spans


def _merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


class _Counter:
    """Loaded-lexicon hits of texts, read off the fitted extractor's ``loaded_any`` rate."""

    def __init__(self, extractor: Any):
        from analysis.features._text import analyze

        self.est = extractor
        self.analyze = analyze
        self.names = list(extractor.get_feature_names_out())
        self.per = float(extractor.per)

    def counts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """Tokens, hits (``loaded_any`` spans) and per-class hits of each text."""
        texts = list(texts)
        if not texts:
            return np.zeros(0), np.zeros(0), pd.DataFrame(columns=self.names)
        values = np.asarray(self.est.transform(texts), dtype=float)
        tokens = np.array([self.analyze(t).n_tokens for t in texts], dtype=float)
        hits = np.rint(np.nan_to_num(values) * tokens[:, None] / self.per)
        table = pd.DataFrame(hits, columns=self.names)
        return tokens, table["loaded_any"].to_numpy(), table


def span_overlap(
    sentences: pd.DataFrame, spans: pd.DataFrame, extractor: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loaded-lexicon hits per article inside expert spans and outside them.

    The fitted extractor (:class:`analysis.features.framing.LoadedWords`) scores each
    sentence, each merged lexical-bias region, each merged informational region and each
    merged region of any span (sentence substrings); hits are its ``loaded_any`` rate times
    the text's token count. A lexicon term that crosses a span boundary counts as outside.

    Returns
    -------
    regions : DataFrame
        Per article: ``tokens_*`` and ``hits_*`` for ``sentence`` (all text), ``lex``,
        ``inf``, ``any`` and ``outside`` (sentence minus any span).
    lex_spans : DataFrame
        The located lexical-bias spans with ``tokens``, ``hits`` (``loaded_any`` count of
        the span text alone), ``hit`` (at least one) and the word classes that fired.
    """
    counter = _Counter(extractor)
    text_of = {(r.article_id, r.sentence): r.text for r in sentences.itertuples()}
    located = spans[spans["sentence"] >= 0]
    pieces: list[tuple[str, str, str]] = []  # (article, region, text)
    for (aid, sent), group in located.groupby(["article_id", "sentence"], sort=True):
        text = text_of[(aid, sent)]
        for region, mask in (
            ("lex", group["bias"] == "lex"),
            ("inf", group["bias"] == "inf"),
            ("any", group["bias"].notna()),
        ):
            spans_here = list(zip(group.loc[mask, "start"], group.loc[mask, "end"], strict=True))
            for s, e in _merge_intervals([(int(s), int(e)) for s, e in spans_here]):
                pieces.append((aid, region, text[s:e]))
    pieces += [(r.article_id, "sentence", r.text) for r in sentences.itertuples()]
    table = pd.DataFrame(pieces, columns=["article_id", "region", "text"])
    tokens, hits, _ = counter.counts(table["text"].tolist())
    table["tokens"], table["hits"] = tokens, hits
    sums = table.groupby(["article_id", "region"])[["tokens", "hits"]].sum().unstack("region")
    regions = pd.DataFrame(index=sorted(set(sentences["article_id"])))
    regions.index.name = "article_id"
    for region in ("sentence", "lex", "inf", "any"):
        for what in ("tokens", "hits"):
            col = (what, region)
            regions[f"{what}_{region}"] = sums[col].reindex(regions.index) if col in sums else 0.0
    regions = regions.fillna(0.0)
    regions["tokens_outside"] = (regions["tokens_sentence"] - regions["tokens_any"]).clip(lower=0)
    regions["hits_outside"] = (regions["hits_sentence"] - regions["hits_any"]).clip(lower=0)
    regions = regions.reset_index()

    lex = spans[(spans["bias"] == "lex") & (spans["sentence"] >= 0)].reset_index(drop=True)
    tokens, hits, per_class = counter.counts(lex["txt"].tolist())
    lex = lex.assign(tokens=tokens, hits=hits, hit=hits > 0)
    classes = [c for c in per_class.columns if c != "loaded_any"]
    lex["classes"] = [
        " ".join(c.removeprefix("loaded_") for c in classes if row[c] > 0)
        for _, row in per_class.iterrows()
    ]
    return regions, lex


def region_rates(
    regions: pd.DataFrame, n_boot: int = 2000, ci: float = 0.95, seed: int = 13
) -> pd.DataFrame:
    """Pooled loaded-lexicon hits per 1,000 tokens in each region, articles resampled.

    The interval resamples articles and recomputes ``sum(hits) / sum(tokens)``
    (:func:`analysis.compare._bootstrap_ratio`, the ratio bootstrap behind
    :func:`analysis.compare.bootstrap_means`).
    """
    names = ["lex", "inf", "outside", "sentence"]
    hits = regions[[f"hits_{r}" for r in names]].to_numpy(dtype=float)
    tokens = regions[[f"tokens_{r}" for r in names]].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = hits.sum(axis=0) / tokens.sum(axis=0)
    rng = np.random.default_rng([seed, 1])
    boot = S._bootstrap_ratio(hits, tokens, np.nan_to_num(rate), n_boot, rng)
    lo, hi = np.nanquantile(boot, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
    return pd.DataFrame(
        {
            "region": names,
            "articles": (tokens > 0).sum(axis=0),
            "tokens": tokens.sum(axis=0).astype(int),
            "hits": hits.sum(axis=0).astype(int),
            "per_1k": 1000 * rate,
            "ci_low": 1000 * lo,
            "ci_high": 1000 * hi,
        }
    )


def _lexicon_extractor(cfg: DictConfig) -> Any:
    from analysis.config import build
    from analysis.features.framing import LoadedWords

    node = (cfg.get("features") or {}).get("loaded")
    est = build(node, "features.loaded") if node is not None else LoadedWords()
    return est.set_params(subjectivity=False).fit([""])


# --------------------------------------------------------------------------- figures


def _label(outlet: str, labels: Mapping[str, str], short: bool = True) -> str:
    full = labels.get(outlet, outlet)
    return (
        full.replace("The New York Times", "NYT").replace("New York Times", "NYT")
        if short
        else full
    )


def _pair_label(pair: str, labels: Mapping[str, str]) -> str:
    a, b = pair.split("-", 1)
    return f"{_label(a, labels)} − {_label(b, labels)}"


def plot_paired_differences(
    tests: pd.DataFrame,
    features: Sequence[str],
    pairs: Sequence[str],
    voices: Sequence[str],
    labels: Mapping[str, str],
    ncols: int = 2,
    *,
    row_labels: Mapping[str, str] | None = None,
    styles: Mapping[str, tuple[str, str]] | None = None,
    xlabel: str = "mean within-event difference (first outlet minus second, in the feature's "
    "unit), 95% bootstrap CI over events",
) -> Any:
    """Small multiples: per feature, the mean within-event difference of each pair, with CI.

    One panel per feature (its own unit), one row per pair, one marker per voice; filled
    markers are significant after Benjamini-Hochberg. ``row_labels`` (row value -> label)
    replaces the "outlet a − outlet b" labels, ``styles`` (voice -> colour, legend label)
    :data:`VOICE_STYLE`, and ``xlabel`` the axis label, for other pairings (the voices of
    one article per lean, :func:`analysis.outlets.voice_tests`).
    """
    styles = VOICE_STYLE if styles is None else styles
    import matplotlib.lines as mlines
    import matplotlib.pyplot as plt

    features = [f for f in features if f in set(tests["feature"])]
    nrows = max(1, math.ceil(len(features) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(FULL_WIDTH, 0.55 + 1.0 * nrows), squeeze=False)
    step = 0.32 / max(len(voices) - 1, 1)
    for k, ax in enumerate(axes.ravel()):
        if k >= len(features):
            ax.set_axis_off()
            continue
        feat = features[k]
        data = tests[tests["feature"] == feat]
        for i, pair in enumerate(pairs):
            for j, voice in enumerate(voices):
                r = data[(data["pair"] == pair) & (data["voice"] == voice)]
                if r.empty:
                    continue
                r = r.iloc[0]
                y = len(pairs) - 1 - i + (len(voices) - 1) / 2 * step - j * step
                color = styles.get(voice, ("#000000", voice))[0]
                ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=color, linewidth=1.1)
                ax.plot(
                    [r["mean_diff"]], [y], "o", markersize=3.6, color=color,
                    markerfacecolor=color if bool(r["reject"]) else "white", markeredgewidth=0.9,
                )  # fmt: skip
        ax.axvline(0, color="#555555", linewidth=0.6, linestyle=":")
        lo, hi = ax.get_xlim()  # zero off the spine: every value on one side of it
        span = hi - lo
        ax.set_xlim(min(lo, -0.06 * span), max(hi, 0.06 * span))
        ticks = [
            row_labels.get(p, p) if row_labels is not None else _pair_label(p, labels)
            for p in reversed(pairs)
        ]
        ax.set_yticks(range(len(pairs)), ticks)
        ax.set_ylim(-0.6, len(pairs) - 0.4)
        ax.set_title(feature_label(feat), fontsize=7, loc="left")
        ax.tick_params(axis="x", labelsize=6.5)
        ax.grid(axis="x", color="#E5E5E5", linewidth=0.5)
        ax.set_axisbelow(True)
    handles = [
        mlines.Line2D([], [], color=styles.get(v, ("#000", v))[0], marker="o",
                      markersize=3.6, label=styles.get(v, ("", v))[1])
        for v in voices
    ]  # fmt: skip
    handles += [
        mlines.Line2D([], [], color="#333333", marker="o", markersize=3.6, linestyle="",
                      label="significant (BH-adjusted p < 0.05)"),
        mlines.Line2D([], [], color="#333333", marker="o", markersize=3.6, linestyle="",
                      markerfacecolor="white", label="not significant"),
    ]  # fmt: skip
    fig.legend(
        handles=handles, loc="upper center", ncols=4, frameon=False, bbox_to_anchor=(0.5, 1.0)
    )
    fig.supxlabel(xlabel, fontsize=7)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.25 / (0.55 + 1.0 * nrows)))
    return fig


def plot_event_slopes(
    values: pd.DataFrame,
    means: pd.DataFrame,
    features: Sequence[str],
    outlets: Sequence[str],
    labels: Mapping[str, str],
    voice: str = "outlet",
    leans: Mapping[str, str] | None = None,
) -> Any:
    """Per feature, one grey line per event joining its outlets' values; outlet means + CI
    (coloured by the outlet's lean when ``leans`` gives every outlet one)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(features), figsize=(FULL_WIDTH if len(features) > 1 else COLUMN_WIDTH, 2.6),
        squeeze=False,
    )  # fmt: skip
    colors, markers = _outlet_styles(outlets, leans)
    xs = np.arange(len(outlets))
    for ax, feat in zip(axes[0], features, strict=True):
        w = _wide(values, voice, feat).reindex(columns=list(outlets))
        for _, row in w.iterrows():
            ax.plot(xs, row.to_numpy(dtype=float), color="#9A9A9A", linewidth=0.5, alpha=0.45)
        m = means[(means["feature"] == feat) & (means["voice"] == voice)].set_index("outlet")
        for x, o in zip(xs, outlets, strict=True):
            if o not in m.index:
                continue
            r = m.loc[o]
            ax.plot([x, x], [r["ci_low"], r["ci_high"]], color=colors[o], linewidth=2.2)
            ax.plot([x], [r["mean"]], markers[o], color=colors[o], markersize=5.5,
                    markeredgecolor="black", markeredgewidth=0.6)  # fmt: skip
        ax.set_xticks(xs, [f"{labels.get(o, o)}\n(n={int(w[o].notna().sum())})" for o in outlets])
        ax.set_xlim(-0.4, len(outlets) - 0.6)
        name, _, unit = feature_label(feat).partition(" (")
        ax.set_ylabel(f"{name}\n({unit}" if unit else name)
        ax.grid(axis="y", color="#E5E5E5", linewidth=0.5)
        ax.set_axisbelow(True)
    fig.tight_layout()
    return fig


def plot_expert_agreement(
    per_article: pd.DataFrame,
    rates: pd.DataFrame,
    corr: Sequence[tuple[str, Mapping[str, float]]],
    recall: Mapping[str, float],
    precision: Mapping[str, float],
    outlets: Sequence[str],
    labels: Mapping[str, str],
    score: str,
    seed: int = 13,
    leans: Mapping[str, str] | None = None,
) -> Any:
    """(a) the package's loaded-wording score against the experts' lexical-span count per
    article (seeded horizontal jitter, articles per count on top); (b) lexicon hits per
    1,000 tokens inside expert lexical / informational spans and outside any span.

    ``corr``: ``(expert measure, spearman_ci result)`` pairs printed in the panel title.
    """
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(FULL_WIDTH, 2.9), gridspec_kw={"width_ratios": [1.35, 1]}
    )
    colors, markers = _outlet_styles(outlets, leans)
    rng = np.random.default_rng(seed)
    for o in outlets:
        d = per_article[per_article["outlet"] == o]
        jitter = rng.uniform(-0.22, 0.22, size=len(d))
        ax.scatter(d["lex_spans"] + jitter, d[score], s=9, color=colors[o], alpha=0.8,
                   marker=markers[o], linewidths=0, label=labels.get(o, o))  # fmt: skip
    counts = per_article["lex_spans"].value_counts().sort_index()
    top = per_article[score].max()
    ax.set_ylim(bottom=min(0, per_article[score].min()), top=top * 1.08)
    ax.set_xticks(counts.index)
    ax.set_xlim(counts.index.min() - 0.5, counts.index.max() + 0.5)
    sec = ax.secondary_xaxis("top")
    sec.set_xticks(counts.index, [str(n) for n in counts.to_numpy()], fontsize=6, color="#555555")
    sec.tick_params(length=2, color="#999999")
    sec.set_xlabel("articles with that count", fontsize=6, color="#555555", labelpad=2)
    ax.set_xlabel("expert lexical-bias spans in the article (count)")
    ax.set_ylabel(feature_label(score) + "\n(package, all voices)")
    shown = "; ".join(
        f"{what} {c['rho']:.2f} [{c['ci_low']:.2f}, {c['ci_high']:.2f}]" for what, c in corr
    )
    n = corr[0][1]["n"] if corr else len(per_article)
    ax.set_title(
        f"(a) Spearman ρ [95% CI], n = {n} articles:\n{shown}",
        fontsize=7,
        loc="left",
        pad=4,
    )
    ax.legend(frameon=False, loc="upper right", fontsize=6, handletextpad=0.2, markerscale=1.5)
    show = rates[rates["region"].isin(["lex", "inf", "outside"])].set_index("region")
    names = {
        "lex": "inside lexical-\nbias spans",
        "inf": "inside informational-\nbias spans",
        "outside": "outside any\nexpert span",
    }
    ys = np.arange(len(show))[::-1]
    for y, (region, r) in zip(ys, show.iterrows(), strict=True):
        bx.barh(y, r["per_1k"], color="#0072B2" if region == "lex" else "#A0A0A0", height=0.6)
        bx.plot([r["ci_low"], r["ci_high"]], [y, y], color="black", linewidth=1)
        bx.text(r["ci_high"] + 0.02 * show["ci_high"].max(), y,
                f"{r['per_1k']:.1f}  ({int(r['hits']):,} hits / {int(r['tokens']):,} tokens)",
                va="center", fontsize=6)  # fmt: skip
    bx.set_yticks(ys, [names[r] for r in show.index])
    bx.set_xlim(0, show["ci_high"].max() * 2.0)
    bx.set_xlabel("loaded-lexicon hits per 1,000 tokens\n(95% bootstrap CI over articles)")
    bx.set_title(
        f"(b) recall {recall['share']:.0%} of {recall['n']} lexical spans; "
        f"precision {precision['share']:.0%} of {precision['n']:,} hits",
        fontsize=7,
        loc="left",
    )
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the stage


def _article_meta(work: Path, wanted: Sequence[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    from analysis.pipeline import read_parts

    parts = sorted((work / "articles").glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame(columns=["id", "outlet"])
    have = set(pq.read_schema(parts[0]).names)
    return read_parts(work, "articles", [c for c in ["id", "outlet", *wanted] if c in have])


def _fmt_ci(mean: float, lo: float, hi: float, digits: str = ".3g") -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):  # too few units for an interval
        return f"{mean:+{digits}} [no CI: n < 3]"
    return f"{mean:+{digits}} [{lo:+{digits}}, {hi:+{digits}}]"


def compare_stage(cfg: DictConfig, out: Path, work: Path) -> tuple[list[Path], list[str]]:
    """Paired same-event comparison and agreement with expert spans, for a run.

    Reads the run's article x voice and article tables, writes the tables and figures
    under ``out`` and returns ``(files, report lines)`` like
    :func:`analysis.outlets.compare_stage`. Configured by ``configs/compare/same_event.yaml``.
    """
    from analysis.pipeline import read_parts, write_csv

    ccfg = OmegaConf.to_container(cfg.compare, resolve=True)
    event = str(ccfg.get("event_column", "event"))
    label_col = ccfg.get("event_label_column")
    outlets = [str(o).lower() for o in ccfg.get("outlets", [])]
    labels = {str(k).lower(): str(v) for k, v in (ccfg.get("outlet_labels") or {}).items()}
    leans = {str(k).lower(): str(v) for k, v in (ccfg.get("outlet_leans") or {}).items()}
    pairs = [(str(a).lower(), str(b).lower()) for a, b in ccfg.get("pairs", [])]
    pair_names = [f"{a}-{b}" for a, b in pairs]
    voices = list(ccfg.get("voices", ["outlet", "all"]))
    seed, n_boot = int(cfg.seed), int(ccfg.get("n_boot", 2000))
    ci, alpha = float(ccfg.get("ci", 0.95)), float(ccfg.get("alpha", 0.05))
    fig_dir = out / "figures"
    formats = list(cfg.plot.get("formats", ["png"]))
    dpi = int(cfg.plot.get("dpi", 200))
    files: list[Path] = []
    lines = ["## Same event, different outlets", ""]

    av = read_parts(work, "article_voice")
    articles = _article_meta(work, [event, *([label_col] if label_col else [])])
    if av.empty or event not in articles.columns:
        why = "no feature table" if av.empty else f"the corpus has no {event!r} column"
        return files, lines + [f"Not computed: {why} (compare.event_column).", ""]
    features = [f for f in ccfg.get("features", []) if f in av.columns]
    values, problems = event_values(av, articles, features, outlets, voices, event)
    files.append(write_csv(problems, out / "events_incomplete.csv"))
    n_events = values["event"].nunique()
    n_all = articles[event].nunique()
    names = ", ".join(f"{labels.get(o, o)} (`{o}`)" for o in outlets)
    lines += [
        f"Outlets: {names}. Events: {n_all} in the corpus, {n_events} told by all "
        f"{len(outlets)} outlets and compared"
        + (
            f"; {int((problems['missing'] != '').sum())} incomplete event(s) left out and "
            f"{int((problems['duplicated'] != '').sum())} with duplicate articles — "
            "`events_incomplete.csv`."
            if len(problems)
            else "; none incomplete."
        ),
        "",
    ]
    if not n_events or len(pairs) == 0:
        return files, lines + ["No complete event to compare.", ""]
    if label_col and label_col in articles.columns:
        titles = articles.drop_duplicates(event).set_index(event)[label_col]
        values.insert(1, "event_title", values["event"].map(titles))
    files.append(write_csv(values, out / "event_values.csv"))

    tests, diffs = paired_tests(values, features, pairs, voices, n_boot, ci, seed, alpha)
    friedman = friedman_tests(values, features, outlets, voices, alpha)
    files.append(write_csv(tests, out / "paired_tests.csv"))
    files.append(write_csv(diffs, out / "event_differences.csv"))
    files.append(write_csv(friedman, out / "friedman_tests.csv"))
    voice_names = {"outlet": "the outlet's own prose", "all": "all voices"}
    sig = tests[tests["reject"].astype(bool)]
    lines += [
        "Within each event, each feature's article value of one outlet minus another's "
        f"({', '.join(_pair_label(p, labels) for p in pair_names)}), for "
        + " and ".join(voice_names.get(v, v) for v in voices)
        + f" ('all voices' = character-weighted mean over the outlet's prose and quotes). "
        f"Mean differences with {n_boot} seeded bootstrap resamples of events (95% "
        "percentile CI); two-sided Wilcoxon signed-rank test per pair (zero differences "
        f"dropped), Benjamini-Hochberg over all {int(tests['p_adj'].notna().sum())} tests"
        + _unreachable_clause(tests, alpha)
        + "; "
        "matched-pairs rank-biserial correlation as effect size; a Friedman test per "
        "feature across the three outlets. "
        f"**{len(sig)} of {len(tests)} paired differences are significant at FDR {alpha}.** "
        "Tables: `paired_tests.csv`, `friedman_tests.csv`, per-event values "
        "`event_values.csv` and differences `event_differences.csv`.",
        "",
    ]
    show = tests[tests["voice"] == voices[0]].copy()
    show = show.reindex(show["p_value"].sort_values(kind="stable").index)
    n_rows = int(ccfg.get("table_rows", 12))
    always = set(ccfg.get("table_features", []))
    show = show[(np.arange(len(show)) < n_rows) | show["feature"].isin(always).to_numpy()]
    if len(show):
        lines += [
            f"Key table ({voice_names.get(voices[0], voices[0])}; the {n_rows} smallest "
            f"p-values of {len(features)} features x {len(pairs)} pairs"
            + (f", plus {', '.join(sorted(always))}" if always else "")
            + "; every row, both voices: `paired_tests.csv`):",
            "",
            "| feature | pair | events | mean A | mean B | mean diff [95% CI] | A higher / B higher / tied | r (rank-biserial) | p (BH) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in show.itertuples():
            lines.append(
                f"| {r.feature} | {_pair_label(r.pair, labels)} | {r.n_events} | "
                f"{r.mean_a:.3g} | {r.mean_b:.3g} | {_fmt_ci(r.mean_diff, r.ci_low, r.ci_high)} | "
                f"{r.n_a_higher} / {r.n_b_higher} / {r.n_ties} | {r.rank_biserial:+.2f} | "
                + (f"{r.p_adj:.2g}{' *' if r.reject else ''}" if r.p_adj == r.p_adj else "n/a")
                + " |"
            )
        lines += ["", "`*`: significant at FDR 0.05. Units: see the figure panels.", ""]
    fsig = friedman[friedman["reject"].astype(bool)]
    if len(fsig):
        lines += [
            "Friedman tests significant at FDR 0.05: "
            + "; ".join(
                f"{r.feature} ({voice_names.get(r.voice, r.voice)}): chi2 = {r.chi2:.1f}, "
                f"Kendall's W = {r.kendall_w:.2f}, p (BH) = {r.p_adj:.2g}"
                for r in fsig.itertuples()
            )
            + ".",
            "",
        ]
    else:
        lines += ["No Friedman test is significant at FDR 0.05.", ""]

    figs: list[tuple[str, str]] = []
    slope_feats = [f for f in ccfg.get("slope_features", []) if f in features]
    with paper_style():
        fig = plot_paired_differences(tests, features, pair_names, voices, labels)
        files += save_figure(fig, fig_dir, "paired_differences", tests, formats, dpi)
        figs.append(
            (
                "paired_differences",
                "Paired differences between outlets on the same events: for each feature "
                "(panel title, with its unit) and pair of outlets, the mean over events of "
                "(first outlet's article value − second outlet's), with its 95% bootstrap "
                "interval over events; green = the outlet's own prose, grey = all voices "
                "(prose and quotes). Filled markers: Wilcoxon signed-rank p < 0.05 after "
                "Benjamini-Hochberg. The intervals are unadjusted and are of the mean, while "
                "the test ranks the events' differences, so a hollow marker can have an "
                "interval that excludes 0 (a mean pulled up by a few events) and a filled "
                "one an interval that touches it. NYT = The New York Times.",
            )
        )
        if slope_feats:
            means = S.bootstrap_means(
                values[values["voice"] == voices[0]], ["voice", "outlet"], slope_feats,
                n_boot, ci, seed, unit="event",
            )  # fmt: skip
            fig = plot_event_slopes(
                values, means, slope_feats, outlets, labels, voices[0], leans=leans
            )
            data = values[values["voice"] == voices[0]][["event", "outlet", "voice", *slope_feats]]
            files += save_figure(fig, fig_dir, "event_slopes", data, formats, dpi)
            files.append(write_csv(means, out / "outlet_means_over_events.csv"))
            figs.append(
                (
                    "event_slopes",
                    "Each grey line is one event, joining the three outlets' articles on it "
                    f"({voice_names.get(voices[0], voices[0])}); coloured points and bars: "
                    "mean over events and 95% bootstrap interval (resampling events), coloured by "
                    "the outlet's lean (compare.outlet_leans). n = events with a value.",
                )
            )
    expert_files, expert_lines, expert_figs = _experts(
        cfg, ccfg, out, av, articles, outlets, labels, event, seed, n_boot, ci,
        fig_dir, formats, dpi,
    )  # fmt: skip
    files += expert_files
    lines += ["### Figures", ""]
    lines += figure_markdown(figs)
    lines += expert_lines
    lines += figure_markdown(expert_figs)
    ecfg = ccfg.get("experts") or {}
    scores = [ecfg.get("score", "loaded_any"), *(ecfg.get("also_scores") or [])]
    lines += glossary_markdown(
        [*features, *(f for f in scores if f in av.columns)] if expert_lines else features,
        ["voice", "bootstrap CI", "BH, p (BH)", "rank-biserial r", "Friedman test",
         "Kendall's W", *(["Spearman ρ"] if expert_lines else [])],
        used_in="\n".join(lines),
    )  # fmt: skip
    return files, lines


def _experts(cfg, ccfg, out, av, articles, outlets, labels, event, seed, n_boot, ci,
             fig_dir, formats, dpi):  # fmt: skip
    """Agreement of the loaded-wording score with BASIL's expert lexical-bias spans."""
    from analysis.corpora import corpus_files
    from analysis.pipeline import write_csv

    ecfg = ccfg.get("experts") or {}
    if not ecfg.get("enabled", False):
        return [], [], []
    lines = ["## Loaded wording vs the experts' lexical-bias spans", ""]
    corpus = str(ecfg.get("corpus", "basil"))
    if str(cfg.corpus.get("name")) != corpus:
        return [], lines + [f"Not computed: the run's corpus is not {corpus!r}.", ""], []
    art_files = corpus_files(corpus, str(ecfg.get("articles", "articles/*/*.json")))
    ann_files = corpus_files(corpus, str(ecfg.get("annotations", "annotations/*/*_ann.json")))
    run_ids = set(articles["id"])
    art_files = [p for p in art_files if p.stem in run_ids]
    sentences, spans = read_basil_spans(art_files, ann_files)
    if spans.empty:
        return [], lines + ["Not computed: no expert spans for the run's articles.", ""], []
    score = str(ecfg.get("score", "loaded_any"))
    extractor = _lexicon_extractor(cfg)
    regions, lex = span_overlap(sentences, spans, extractor)
    files: list[Path] = []

    # per article: expert counts and the package's scores (all voices, outlet voice)
    feats = [f for f in [score, *ecfg.get("also_scores", [])] if f in av.columns]
    allv = all_voices(av, feats).set_index("article_id")
    own = av[av["voice"] == "outlet"].set_index("article_id")
    per = regions[["article_id", "tokens_sentence"]].rename(columns={"tokens_sentence": "tokens"})
    per["outlet"] = per["article_id"].map(articles.set_index("id")["outlet"].str.lower())
    per["event"] = per["article_id"].map(articles.set_index("id")[event])
    sp = spans[spans["bias"] == "lex"].groupby("article_id")
    per["lex_spans"] = per["article_id"].map(sp.size()).fillna(0).astype(int)
    unq = spans[(spans["bias"] == "lex") & (spans["quote"] == "no")].groupby("article_id").size()
    per["lex_spans_unquoted"] = per["article_id"].map(unq).fillna(0).astype(int)
    inf = spans[spans["bias"] == "inf"].groupby("article_id").size()
    per["inf_spans"] = per["article_id"].map(inf).fillna(0).astype(int)
    per["lex_per_1k"] = 1000 * per["lex_spans"] / per["tokens"].where(per["tokens"] > 0)
    per["lex_unquoted_per_1k"] = (
        1000 * per["lex_spans_unquoted"] / per["tokens"].where(per["tokens"] > 0)
    )
    for f in feats:
        per[f] = per["article_id"].map(allv[f])
        per[f"{f}_outlet_voice"] = per["article_id"].map(own[f])
    per["lexicon_hits"] = regions["hits_sentence"].to_numpy()
    per = per.sort_values("article_id").reset_index(drop=True)
    files.append(write_csv(per, out / "expert_article_agreement.csv"))

    # correlations: Spearman with bootstrap CI (articles resampled; events for the centred one)
    centred = per.assign(
        **{c: per[c] - per.groupby("event")[c].transform("mean") for c in [*feats, "lex_per_1k"]}
    )
    plan = [
        (f"{score} (all voices)", "lexical spans per 1,000 tokens", per[score], per["lex_per_1k"], None, "articles"),
        (f"{score} (all voices)", "lexical spans (count)", per[score], per["lex_spans"], None, "articles"),
        (f"{score} (outlet's prose)", "unquoted lexical spans per 1,000 tokens", per[f"{score}_outlet_voice"], per["lex_unquoted_per_1k"], None, "articles"),
        (f"{score} (all voices), event-centred", "lexical spans per 1,000 tokens, event-centred", centred[score], centred["lex_per_1k"], per["event"], "events"),
        ("lexicon hits (count)", "lexical spans (count)", per["lexicon_hits"], per["lex_spans"], None, "articles"),
    ]  # fmt: skip
    for f in feats[1:]:
        plan.append((f"{f} (all voices)", "lexical spans per 1,000 tokens", per[f], per["lex_per_1k"], None, "articles"))  # fmt: skip
        plan.append((f"{f} (all voices), event-centred", "lexical spans per 1,000 tokens, event-centred", centred[f], centred["lex_per_1k"], per["event"], "events"))  # fmt: skip
    rows = []
    for k, (a, b, x, y, clusters, unit) in enumerate(plan):
        res = spearman_ci(x, y, n_boot, ci, seed + k, clusters)
        rows.append({"package_score": a, "expert_measure": b, "resampled": unit, **res})
    corr = pd.DataFrame(rows)
    files.append(write_csv(corr, out / "expert_correlations.csv"))

    # span level: recall over lexical spans, precision over lexicon hits, rates by region
    rates = region_rates(regions, n_boot, ci, seed)
    n_lex = len(lex)
    recall = {"n": n_lex, "share": float(lex["hit"].mean()) if n_lex else float("nan")}
    hits_total = float(regions["hits_sentence"].sum())
    precision = {
        "n": int(hits_total),
        "share": float(regions["hits_lex"].sum() / hits_total) if hits_total else float("nan"),
    }
    prec_any = float(regions["hits_any"].sum() / hits_total) if hits_total else float("nan")
    tok_share = float(regions["tokens_lex"].sum() / regions["tokens_sentence"].sum())
    inf_spans = spans[(spans["bias"] == "inf") & (spans["sentence"] >= 0)]
    _, inf_hits, _ = _Counter(extractor).counts(inf_spans["txt"].tolist())
    recall_inf = float((inf_hits > 0).mean()) if len(inf_hits) else float("nan")
    recall_rows = S.bootstrap_means(
        pd.concat(
            [
                pd.DataFrame({"spans": "lexical", "article_id": lex["article_id"], "hit": lex["hit"].astype(float)}),
                pd.DataFrame({"spans": "informational", "article_id": inf_spans["article_id"].to_numpy(), "hit": (inf_hits > 0).astype(float)}),
            ],
            ignore_index=True,
        ),
        "spans", ["hit"], n_boot, ci, seed,
    )  # fmt: skip
    files.append(write_csv(rates, out / "expert_region_rates.csv"))
    files.append(write_csv(recall_rows, out / "expert_span_recall.csv"))
    lex_out = lex[
        ["article_id", "span_id", "quote", "polarity", "txt", "tokens", "hits", "classes"]
    ]
    files.append(write_csv(lex_out, out / "expert_lexical_spans.csv"))
    not_located = int((spans["sentence"] < 0).sum())
    main = corr.iloc[0]
    centred_row = corr.iloc[3]
    tail = corr.tail(2 * (len(feats) - 1)).to_dict("records")  # also_scores: the plan's end
    others = [
        f"`{f}` {a['rho']:.2f} [{a['ci_low']:.2f}, {a['ci_high']:.2f}], within events "
        f"{c['rho']:.2f} [{c['ci_low']:.2f}, {c['ci_high']:.2f}]"
        for f, a, c in zip(feats[1:], tail[::2], tail[1::2], strict=True)
    ]
    if others:
        others = [
            "- **Other package scores** against the same expert span density (all voices, "
            "Spearman ρ with 95% bootstrap CI; within events: both centred on the event "
            "mean, events resampled): " + "; ".join(others) + "."
        ]
    lex_rate = rates.set_index("region").loc["lex"]
    out_rate = rates.set_index("region").loc["outside"]
    inf_rate = rates.set_index("region").loc["inf"]
    rec = recall_rows.set_index("spans")
    strength = (
        "weak" if abs(main["rho"]) < 0.3 else "moderate" if abs(main["rho"]) < 0.5 else "strong"
    )
    span_words = lex["txt"].str.lower().str.strip(" \"'“”‘’.,;:")
    misses = span_words[~lex["hit"]].value_counts().head(12)
    hits_words = span_words[lex["hit"]].value_counts().head(8)
    lines += [
        f"BASIL's experts marked {len(spans):,} bias spans in the run's {len(per)} annotated "
        f"articles ({len(per) - spans['article_id'].nunique()} without any span; "
        f"{int((spans['bias'] == 'lex').sum())} lexical, "
        f"{int((spans['bias'] == 'inf').sum())} informational); {len(spans) - not_located:,} "
        f"were located in their sentence ({not_located} not). The annotation and sentence "
        "files are read with `analysis.corpora.corpus_files` (the corpus descriptor's "
        "`json_files` table maps one file to one article and cannot list spans), joined by "
        "file name. The package's side is the loaded-wording extractor "
        f"(`LoadedWords`, the run's `features.loaded` config) — `{score}` per article from "
        "the run, and the same extractor applied to sentence and span texts for the "
        "span-level counts.",
        "",
        f"- **Article level ({strength}).** Spearman ρ between `{score}` (all voices) and "
        f"the experts' lexical spans per 1,000 tokens: {main['rho']:.2f} "
        f"[{main['ci_low']:.2f}, {main['ci_high']:.2f}] (95% bootstrap CI, {int(main['n'])} "
        f"articles, p = {main['p_value']:.2g}); within events (both centred on the event "
        f"mean): {centred_row['rho']:.2f} [{centred_row['ci_low']:.2f}, "
        f"{centred_row['ci_high']:.2f}]. All variants: `expert_correlations.csv`.",
        *others,
        f"- **Recall.** {recall['share']:.0%} of the {n_lex} located lexical-bias spans "
        f"contain at least one loaded-lexicon term (95% CI "
        f"{rec.loc['lexical', 'ci_low']:.0%}-{rec.loc['lexical', 'ci_high']:.0%}, articles "
        f"resampled); for the longer informational spans, {recall_inf:.0%}.",
        f"- **Precision.** Of the {precision['n']:,} loaded-lexicon hits in the article "
        f"sentences, {precision['share']:.1%} fall inside a lexical-bias span (which covers "
        f"{tok_share:.1%} of the tokens) and {prec_any:.1%} inside any expert span.",
        f"- **Rates.** Loaded-lexicon hits per 1,000 tokens: {lex_rate['per_1k']:.1f} "
        f"[{lex_rate['ci_low']:.1f}, {lex_rate['ci_high']:.1f}] inside lexical-bias spans, "
        f"{inf_rate['per_1k']:.1f} [{inf_rate['ci_low']:.1f}, {inf_rate['ci_high']:.1f}] "
        f"inside informational spans, {out_rate['per_1k']:.1f} [{out_rate['ci_low']:.1f}, "
        f"{out_rate['ci_high']:.1f}] outside any span — `expert_region_rates.csv`.",
        "- Most frequent expert lexical spans the lexicon misses: "
        + ", ".join(f"“{t}” ({n})" for t, n in misses.items())
        + "; most frequent it catches: "
        + ", ".join(f"“{t}” ({n})" for t, n in hits_words.items())
        + ". Every lexical span with its hits and word classes: `expert_lexical_spans.csv`.",
        "",
    ]
    figs = []
    with paper_style():
        fig = plot_expert_agreement(
            per,
            rates,
            [
                ("with count", corr.iloc[1].to_dict()),
                ("with spans per 1,000 tokens", main.to_dict()),
            ],
            recall,
            precision,
            outlets,
            labels,
            score,
            seed,
            leans={str(k).lower(): str(v) for k, v in (ccfg.get("outlet_leans") or {}).items()},
        )
        data = per[["article_id", "outlet", "lex_spans", "lex_per_1k", score]]
        files += save_figure(fig, fig_dir, "expert_agreement", data, formats, dpi)
        files.append(write_csv(rates, fig_dir / "expert_agreement_rates.csv"))
    figs.append(
        (
            "expert_agreement",
            f"(a) Per article, the package's loaded-wording score (`{score}`, all voices) "
            "against the number of lexical-bias spans BASIL's experts marked (points "
            "jittered horizontally; numbers on top: articles with that count); Spearman ρ "
            "with the count and with the span density (spans per 1,000 tokens), 95% "
            "bootstrap CI over articles. (b) Loaded-lexicon hits per 1,000 tokens inside the "
            "experts' lexical-bias spans, inside informational-bias spans and outside any "
            "span (95% bootstrap CI, articles resampled); recall = share of lexical spans "
            "with at least one lexicon term, precision = share of lexicon hits inside a "
            "lexical span. Bar data: `figures/expert_agreement_rates.csv`.",
        )
    )
    return files, lines, figs

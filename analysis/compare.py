"""Outlet comparisons: bootstrap means, pairwise tests, a lean model and distinctive words.

Every function takes a tidy table and returns a tidy table (one row per number), sorted,
so a rerun with the same ``seed`` writes byte-identical CSV files.

Inputs
    *article x voice table*: one row per article and measured voice with columns
    ``article_id, outlet, lean, topic, voice, n_chars`` and numeric feature columns (NaN
    where a feature is not measurable). :func:`feature_columns` picks the features.

    *segment texts*: ``article_id, outlet, lean, voice, kind, text``; rows of voice
    ``page`` (and kinds ``boilerplate`` / ``media_link``) are dropped here as well.

Functions
    :func:`bootstrap_means`         group means with seeded percentile-bootstrap intervals
    :func:`pairwise_tests`          Welch / Mann-Whitney between groups, BH-adjusted, effect sizes
    :func:`omnibus_tests`           Kruskal-Wallis across many groups (outlets), BH-adjusted
    :func:`posthoc_tests`           pairwise tests where the omnibus test found a difference
    :func:`adjusted_group_tests`    do groups differ with topic held fixed (OLS, Wald F)
    :func:`cluster_means`           weighted means per outlet (the unit for tests of lean)
    :func:`lean_model`              feature ~ lean + topic, outlet as random intercept
    :func:`adjust_lean_effects`     BH adjustment of the lean effects of several fits
    :func:`distinctive_words`       log-odds with an informative Dirichlet prior (Monroe 2008)
    :func:`actor_label_preferences` which label each group uses for the same actor
    :func:`voice_decomposition`     share of a feature's total that each voice carries
"""

from __future__ import annotations

import logging
import math
import re
import warnings
import zlib
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse, special, stats

log = logging.getLogger("framelens")

__all__ = [
    "DEBRIS_PATTERNS",
    "KEY_COLUMNS",
    "STOPWORDS",
    "actor_label_preferences",
    "adjust_lean_effects",
    "adjusted_group_tests",
    "bootstrap_means",
    "cluster_means",
    "distinctive_words",
    "feature_columns",
    "lean_model",
    "log_odds_dirichlet",
    "omnibus_tests",
    "min_attainable_p",
    "pairwise_tests",
    "posthoc_tests",
    "tokenize_terms",
    "voice_decomposition",
]

#: Numeric columns of the article x voice table that are keys or weights, not features.
KEY_COLUMNS = ("article_id", "n_chars", "position", "start", "end", "n_articles")

#: Elements per block of the bootstrap weight matrix (bounds memory at ~32 MB of float64).
_BOOT_BLOCK = 4_000_000


# ------------------------------------------------------------------------------- helpers


def feature_columns(table: pd.DataFrame, exclude: Iterable[str] = KEY_COLUMNS) -> list[str]:
    """The feature columns of an article x voice table: numeric (or bool) columns, in
    table order, except keys and weights (:data:`KEY_COLUMNS`, e.g. ``n_chars``)."""
    skip = set(exclude)
    return [
        c
        for c in table.columns
        if c not in skip
        and (pd.api.types.is_numeric_dtype(table[c]) or pd.api.types.is_bool_dtype(table[c]))
    ]


def _as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


def _check_columns(table: pd.DataFrame, cols: Iterable[str], what: str = "table") -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise KeyError(f"{what} has no column(s) {missing}; it has {list(table.columns)}")


def _float_column(column: pd.Series) -> np.ndarray:
    """One feature column as a float array with every non-finite value (NaN, +-inf) as NaN:
    the column's own buffer (no copy) when it is already a finite-or-NaN float64 column."""
    if column.dtype == np.float64:
        a = column.to_numpy()
    else:
        a = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(a).any():
        a = np.where(np.isinf(a), np.nan, a)
    return a


class _Features:
    """Feature columns of a table, read once as float arrays, with rows taken per group.

    A statistic per group needs only that group's rows: building the whole rows x features
    matrix first doubled the table's memory on a million-article corpus.
    """

    def __init__(self, table: pd.DataFrame, features: Sequence[str]):
        self.columns = [_float_column(table[f]) for f in features]

    def take(self, idx: np.ndarray) -> np.ndarray:
        """The (rows x features) matrix of the rows at positions ``idx`` (a new array)."""
        x = np.empty((len(idx), len(self.columns)), dtype=float)
        for j, a in enumerate(self.columns):
            np.take(a, idx, out=x[:, j])
        return x


def _key_tuple(key: Any, n: int) -> tuple:
    if n == 1 and not isinstance(key, tuple):
        return (key,)
    return tuple(key)


def _stable_hash(key: tuple) -> int:
    """A hash of a group key that is the same in every process (``hash`` is salted)."""
    text = "\x1f".join("<NA>" if pd.isna(k) else str(k) for k in key)
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def _group_indices(table: pd.DataFrame, by: list[str]) -> list[tuple[tuple, np.ndarray]]:
    """``(key tuple, row positions)`` per group, sorted by key; NaN keys form their own group."""
    if not by:
        return [((), np.arange(len(table)))]
    grouped = table.groupby(by, sort=True, dropna=False, observed=True)
    return [(_key_tuple(k, len(by)), np.asarray(v)) for k, v in grouped.indices.items()]


def _sort_frame(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    if df.empty:
        return df.reset_index(drop=True)
    return df.sort_values(cols, kind="stable", na_position="last").reset_index(drop=True)


# ------------------------------------------------------------------------------ bootstrap


def rows_where(table: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """``table[mask]``, or ``table`` itself when every row is kept: a boolean selection copies
    the frame, and on a million-article corpus where every outlet has a lean that copy of
    the article x voice table was a third of this stage's peak memory."""
    return table if bool(mask.all()) else table[mask]


def value_codes(values: pd.Series, sort: bool = False) -> np.ndarray:
    """An int64 code per distinct value (in the values' sorted order with ``sort``), -1 for
    a missing value: ``pd.factorize(values, sort=sort)[0]``.

    A column of Arrow strings is encoded by Arrow from its own buffers: pandas' factorize
    of two million string ids peaked at more memory than the ids themselves. Arrow sorts
    strings by their UTF-8 bytes, which is Python's order of code points.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(values.array, pd.arrays.ArrowStringArray) or not len(values):
        return pd.factorize(values, sort=sort, use_na_sentinel=True)[0].astype(np.int64)
    encoded = pa.chunked_array(pa.array(values.array)).dictionary_encode()
    dictionary = encoded.chunk(0).dictionary
    if any(len(c.dictionary) != len(dictionary) for c in encoded.chunks):
        # the chunks share one dictionary (Arrow's hash kernel keeps one memo table over
        # the chunks); if a version ever does not, encode the chunks combined
        encoded = pa.chunked_array([pa.array(values.array).combine_chunks().dictionary_encode()])
        dictionary = encoded.chunk(0).dictionary
    codes = np.concatenate(
        [c.indices.fill_null(-1).to_numpy().astype(np.int64) for c in encoded.chunks]
    )
    if sort:
        order = pc.array_sort_indices(dictionary).to_numpy()
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = np.where(codes < 0, -1, rank[codes])
    del encoded, dictionary
    # the hash table and dictionary were Arrow's: give its pool's pages back to the system,
    # or they stay resident beside everything numpy allocates after them
    pa.default_memory_pool().release_unused()
    return codes


def articles_per(table: pd.DataFrame, group: str) -> pd.Series:
    """``table.groupby(group, observed=True)["article_id"].nunique()``, counted on integer
    codes of the ids (:func:`value_codes`): hashing millions of string ids in pandas cost
    more memory than the ids themselves on a million-article corpus."""
    keys, names = pd.factorize(table[group], sort=True)  # -1: no group (left out, as groupby)
    counts = _distinct_per_code(keys, value_codes(table["article_id"]), len(names))
    return pd.Series(counts, index=pd.Index(names, name=group), name="article_id", dtype="int64")


def _distinct_per_code(codes: np.ndarray, ids: np.ndarray, size: int) -> np.ndarray:
    """How many distinct ``ids`` (integer codes, -1 missing) each group code ``0..size-1``
    holds; rows with a negative group code are left out."""
    ok = (ids >= 0) & (codes >= 0)
    base = np.int64(ids.max(initial=-1) + 1)
    pairs = np.unique(codes[ok].astype(np.int64) * base + ids[ok])
    return np.bincount(pairs // max(base, 1), minlength=size).astype(np.int64)


def _unit_codes(units: pd.Series) -> np.ndarray:
    """Resampling units as integer codes in the sorted order of their values.

    A group's units are then put in order by their codes, which is the order of the values
    themselves, without turning a column of millions of strings into Python objects. A row
    without a unit is a unit of its own; these come before every named unit, ordered as the
    strings ``"row<position>"`` (the order of this function's earlier string keys, so seeded
    intervals do not change).
    """
    codes = value_codes(units, sort=True)
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        order = sorted(range(len(missing)), key=lambda k: f"row{missing[k]}")
        codes = codes + len(missing)
        codes[missing[order]] = np.arange(len(missing))
    return codes


def _unit_sums(x: np.ndarray, units: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per resampling unit: sum of the non-missing values and how many there are.

    ``x`` (rows x features, a fresh array of the caller's) is overwritten: for a group of
    most of a million-article table, each copy of it is tens of megabytes.
    """
    mask = ~np.isnan(x)
    np.copyto(x, 0.0, where=~mask)
    if units is None:
        return x, mask.astype(float)
    codes, uniques = pd.factorize(units, sort=True)
    if len(uniques) == len(units):  # already one row per unit
        order = np.argsort(codes, kind="stable")
        x = x[order]
        return x, mask[order].astype(float)
    agg = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(uniques), len(codes))
    )
    return np.asarray(agg @ x), np.asarray(agg @ mask.astype(float))


def _bootstrap_ratio(
    sums: np.ndarray,
    counts: np.ndarray,
    centre: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    overwrite: bool = False,
) -> np.ndarray:
    """Bootstrap replicates of ``sum(values) / sum(counts)`` over resampled units.

    Units are drawn with replacement; a replicate is the weighted sum ``W @ sums`` with
    ``W`` the (replicates x units) matrix of how often each unit was drawn, so all
    features share one draw and the work is a matrix product. Values are centred first
    (``sums - centre * counts``) so a constant feature gives replicates exactly equal to
    its mean. ``overwrite=True`` centres ``sums`` in place (one column at a time: no
    temporaries the size of ``sums``).
    """
    m = sums.shape[0]
    if overwrite:
        centred = sums
        for j in range(sums.shape[1]):
            centred[:, j] -= centre[j] * counts[:, j]
    else:
        centred = sums - centre * counts
    complete = (counts == 1).all(axis=0)
    out = np.empty((n_boot, sums.shape[1]))
    block = max(1, min(n_boot, _BOOT_BLOCK // max(m, 1)))
    for start in range(0, n_boot, block):
        b = min(block, n_boot - start)
        idx = rng.integers(0, m, size=(b, m), dtype=np.uint32)
        idx += (np.arange(b, dtype=np.uint32) * np.uint32(m))[:, None]
        weights = np.bincount(idx.ravel(), minlength=b * m).reshape(b, m).astype(float)
        num = weights @ centred
        den = np.full_like(num, float(m))  # complete features: every replicate draws m values
        if not complete.all():
            den[:, ~complete] = weights @ counts[:, ~complete]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + b] = centre + num / den
    return out


#: Values closer to 0 than this are rounding error of sums of shares and rates, not data.
_ROUNDING_ZERO = 1e-14


def bootstrap_means(
    table: pd.DataFrame,
    by: str | Sequence[str],
    features: Sequence[str] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 13,
    min_n: int = 1,
    unit: str | None = "article_id",
    min_ci_n: int = 3,
) -> pd.DataFrame:
    """Mean of each feature per group with a percentile-bootstrap confidence interval.

    Parameters
    ----------
    table : DataFrame
        Article x voice table (one row per article and voice).
    by : str or list of str
        Grouping columns, e.g. ``["outlet", "voice"]`` or ``["lean", "voice"]``. Missing
        keys (NaN) form a group of their own rather than being dropped silently.
    features : list of str, optional
        Feature columns; default :func:`feature_columns` (numeric columns except keys and
        ``n_chars``).
    n_boot : int, default 1000
        Bootstrap replicates.
    ci : float, default 0.95
        Coverage of the interval.
    seed : int, default 13
        Seed of the resampling. Each group draws from its own generator,
        ``np.random.default_rng([seed, crc32(group key)])``, so a group's interval does not
        change when other groups or other features are added or removed, and every feature
        of a group uses the same resamples.
    min_n : int, default 1
        Omit (group, feature) rows with fewer than ``min_n`` units that have a value; an
        all-NaN feature therefore yields no rows.
    unit : str or None, default "article_id"
        Resampling unit. Articles are resampled (with all their rows in the group), so the
        interval is a cluster bootstrap when a group has several rows per article (e.g.
        ``by="outlet"`` over the voice rows). ``None`` (or a table without that column)
        resamples rows.
    min_ci_n : int, default 3
        Groups with fewer units than this get NaN bounds: resampling one unit gives a
        zero-width interval and two units give little more than their range, which read as
        certainty they are not (the mean and ``n`` are still given).

    Returns
    -------
    DataFrame
        Columns ``[*by, "feature", "n", "mean", "ci_low", "ci_high"]`` sorted by
        ``[*by, "feature"]``. ``n`` is the number of units (articles) with a value for the
        feature, ``mean`` the mean over the non-missing rows.

    Notes
    -----
    Missing values (NaN, and +-inf, which are treated as missing) are dropped per feature:
    the statistic is ``sum of values / number of values`` over the non-missing rows. The
    bootstrap resamples the group's units and re-applies that statistic, so the number of
    non-missing values varies between replicates when a feature is missing for some units
    (a replicate that draws none is ignored). For a feature without missing values this is
    the ordinary percentile bootstrap of the mean (Efron & Tibshirani 1993, ch. 13). Below
    ``min_ci_n`` units there is no interval (NaN); just above it the percentile interval
    is still too narrow (it undercovers for small samples): read ``n`` before the interval.

    The work is one matrix product per group and block of replicates, so 40,000 articles x
    100 features x 30 groups take a few seconds.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
       Chapman & Hall, ch. 13 (percentile intervals).
    .. [2] Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their Application.
       Cambridge University Press, sec. 3.8 (resampling clusters).
    """
    by = _as_list(by)
    features = feature_columns(table) if features is None else list(features)
    _check_columns(table, [*by, *features])
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    columns = [*by, "feature", "n", "mean", "ci_low", "ci_high"]
    if table.empty or not features:
        return pd.DataFrame(columns=columns)
    values = _Features(table, features)
    units = _unit_codes(table[unit]) if unit is not None and unit in table.columns else None
    q = [(1 - ci) / 2, (1 + ci) / 2]
    parts: list[list] = [[] for _ in columns]
    for key, idx in _group_indices(table, by):
        sums, counts = _unit_sums(values.take(idx), None if units is None else units[idx])
        n = (counts > 0).sum(axis=0)
        keep = n >= max(min_n, 1)
        if not keep.any():
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sums.sum(axis=0) / counts.sum(axis=0)
        rng = np.random.default_rng([seed, _stable_hash(key)])
        boot = _bootstrap_ratio(sums, counts, np.nan_to_num(mean), n_boot, rng, overwrite=True)
        boot[:, ~keep] = 0.0  # features without values: nothing to summarise
        if np.isnan(boot).any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanquantile(boot, q, axis=0)
        else:
            lo, hi = np.quantile(boot, q, axis=0)
        # a bound that is zero up to rounding (3.5e-18 from summing shares) is zero
        lo, hi = (np.where(np.abs(x) < _ROUNDING_ZERO, 0.0, x) for x in (lo, hi))
        lo, hi = (np.where(n < min_ci_n, np.nan, x) for x in (lo, hi))
        k = int(keep.sum())
        for pos, value in enumerate(key):
            parts[pos].append([value] * k)
        parts[-5].append(np.asarray(features, dtype=object)[keep])
        parts[-4].append(n[keep])
        parts[-3].append(mean[keep])
        parts[-2].append(lo[keep])
        parts[-1].append(hi[keep])
    if not parts[-1]:
        return pd.DataFrame(columns=columns)
    data = {c: np.concatenate(p) for c, p in zip(columns, parts, strict=True)}
    out = pd.DataFrame(data)
    for col in by:
        out[col] = out[col].astype(table[col].dtype) if len(out) else out[col]
    out["n"] = out["n"].astype(int)
    for col in ("mean", "ci_low", "ci_high"):
        out[col] = out[col].astype(float)
    return _sort_frame(out, [*by, "feature"])


# -------------------------------------------------------------------------- pairwise tests


def cluster_means(
    table: pd.DataFrame,
    keys: Sequence[str],
    features: Sequence[str],
    weight: str | None = None,
    min_articles: int = 1,
) -> pd.DataFrame:
    """One row per group of ``keys`` (an outlet and voice): each feature's mean over the
    group's rows (each article's value counts once, as in :func:`bootstrap_means`; or
    weighted by a ``weight`` column), and its number of articles.

    The unit for a question about a property of outlets. Lean belongs to the outlet, so a
    test of lean over articles counts every article of one outlet as independent evidence
    and calls tiny differences significant; the same test over outlet means asks whether
    outlets of one lean differ from outlets of the other (Mann-Whitney over a dozen to a
    hundred outlets). A missing value is left out of that feature's numerator and
    denominator; groups with fewer than ``min_articles`` articles are dropped (a mean over
    one or two articles says little about its outlet).

    Returns
    -------
    DataFrame
        ``[*keys, n_articles, *features]`` sorted by ``keys``; a feature without any value in
        a group is NaN.
    """
    keys, features = list(keys), list(features)
    if not keys:
        raise ValueError("cluster_means needs at least one key column (e.g. ['outlet'])")
    need = [*keys, *features] + ([weight] if weight else [])
    _check_columns(table, need)
    # group codes from each key's integer codes (pandas' groupby over string keys of a
    # million-row table hashed them into a copy); a row with any key missing has no group
    codes = np.zeros(len(table), dtype=np.int64)
    ok = np.ones(len(table), dtype=bool)
    for k in keys:
        c = value_codes(table[k], sort=True)
        ok &= c >= 0
        codes[ok] = codes[ok] * np.int64(c.max(initial=-1) + 1) + c[ok]
        # renumber densely after each key, so the codes of many keys cannot overflow
        _, first, codes[ok] = np.unique(codes[ok], return_index=True, return_inverse=True)
    codes[~ok] = -1
    size = len(first)
    rows = np.flatnonzero(ok)[first]  # one row per group, in key order
    out = pd.DataFrame({k: table[k].iloc[rows].to_numpy() for k in keys})
    for k in keys:
        out[k] = out[k].astype(table[k].dtype)
    ids = (
        value_codes(table["article_id"]) if "article_id" in table.columns else np.arange(len(table))
    )
    out["n_articles"] = _distinct_per_code(codes, ids, size)
    w = _float_column(table[weight]) if weight else np.ones(len(table))
    for f in features:
        x = _float_column(table[f])
        valid = ok & ~np.isnan(x)
        num = np.bincount(codes[valid], weights=x[valid] * w[valid], minlength=size)
        den = np.bincount(codes[valid], weights=w[valid], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f] = np.where(den > 0, num / den, np.nan)
    return out[out["n_articles"] >= int(min_articles)].reset_index(drop=True)


def hedges_g(mean_a, mean_b, var_a, var_b, n_a, n_b):
    """Hedges' g: standardised mean difference (pooled SD) with the small-sample correction
    ``J = 1 - 3 / (4 (n_a + n_b) - 9)``. Arrays broadcast; NaN where undefined (a group with
    fewer than 2 values, or both groups constant).

    References
    ----------
    .. [1] Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
       related estimators. Journal of Educational Statistics 6(2), 107-128.
    .. [2] Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
       science. Frontiers in Psychology 4, 863, eq. 4.
    """
    mean_a, mean_b, var_a, var_b, n_a, n_b = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (mean_a, mean_b, var_a, var_b, n_a, n_b))
    )
    df = n_a + n_b - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(((n_a - 1) * var_a + (n_b - 1) * var_b) / df)
        d = (mean_a - mean_b) / pooled
        g = d * (1 - 3 / (4 * df - 1))
    return np.where((n_a >= 2) & (n_b >= 2) & (pooled > 0), g, np.nan)


def _welch(ma, mb, va, vb, na, nb):
    """Welch's t statistic and two-sided p, as ``scipy.stats.ttest_ind(equal_var=False)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sa, sb = va / na, vb / nb
        se2 = sa + sb
        t = (ma - mb) / np.sqrt(se2)
        df = se2**2 / (sa**2 / (na - 1) + sb**2 / (nb - 1))
        df = np.where(se2 > 0, df, na + nb - 2)  # scipy's choice when both are constant
        p = 2 * stats.t.sf(np.abs(t), df)
    ok = (na >= 2) & (nb >= 2)
    return np.where(ok, t, np.nan), np.where(ok, p, np.nan)


def _mannwhitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sided Mann-Whitney U of ``a`` and its p-value for sorted samples.

    Same numbers as ``scipy.stats.mannwhitneyu(a, b)`` (``method="auto"``): scipy itself
    for small samples (exact distribution when a sample has 8 or fewer values and there are
    no ties), otherwise the normal approximation with tie and continuity corrections
    computed here from sorted arrays, which is much faster than ranking every pair.
    """
    n1, n2 = len(a), len(b)
    if n1 <= 8 or n2 <= 8:
        res = stats.mannwhitneyu(a, b, alternative="two-sided")
        return float(res.statistic), float(res.pvalue)
    less = np.searchsorted(b, a, side="left")
    leq = np.searchsorted(b, a, side="right")
    u1 = float(less.sum() + 0.5 * (leq - less).sum())
    _, ties = np.unique(np.concatenate([a, b]), return_counts=True)
    ties = ties.astype(float)
    n = n1 + n2
    tie_term = float((ties**3 - ties).sum())
    s = math.sqrt(max(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))), 0.0))
    u = max(u1, n1 * n2 - u1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.float64(u - n1 * n2 / 2 - 0.5) / s
    p = float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))
    return u1, p


def _test_columns(
    table: pd.DataFrame, group: str, features: Sequence[str] | None, by
) -> tuple[list[str], list[str]]:
    """The strata and the features a test function runs over (default: every feature column
    but the group and strata), after checking the table has them all."""
    by = _as_list(by)
    features = feature_columns(table) if features is None else list(features)
    features = [f for f in features if f not in (group, *by)]
    _check_columns(table, [group, *by, *features])
    return by, features


def _present_groups(codes: np.ndarray, labels: Any, idx: np.ndarray) -> list[tuple[Any, int]]:
    """``(label, code)`` of the groups with rows at ``idx`` (missing labels, code -1, left
    out), in the order of their labels: the order every test function lists groups in."""
    here = np.unique(codes[idx])
    return sorted(((labels[c], c) for c in here[here >= 0]), key=lambda t: (str(type(t[0])), t[0]))


def _bh(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    from statsmodels.stats.multitest import multipletests

    p_adj = np.full(p.shape, np.nan)
    reject = np.zeros(p.shape, dtype=bool)
    ok = ~np.isnan(p)
    if ok.any():
        reject[ok], p_adj[ok], _, _ = multipletests(p[ok], alpha=alpha, method="fdr_bh")
    return p_adj, reject


def min_attainable_p(n_a: np.ndarray, n_b: np.ndarray) -> np.ndarray:
    """The smallest two-sided p-value an exact Mann-Whitney U test of ``n_a`` against
    ``n_b`` values can give: ``2 / C(n_a + n_b, n_a)`` (complete separation, no ties), at
    most 1. Two outlets against five cannot go below 0.095, whatever they measure."""
    from scipy.special import comb

    n_a, n_b = np.asarray(n_a, dtype=float), np.asarray(n_b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.minimum(1.0, 2.0 / comb(n_a + n_b, n_a))


def pairwise_tests(
    table: pd.DataFrame,
    group: str,
    features: Sequence[str] | None = None,
    method: Literal["welch", "mannwhitney"] = "welch",
    alpha: float = 0.05,
    by: str | Sequence[str] | None = None,
    pairs: Sequence[tuple[Hashable, Hashable]] | None = None,
    reference: Hashable | None = None,
    min_n: int = 2,
    reachable_only: bool = False,
) -> pd.DataFrame:
    """Two-sample tests between every pair of groups, for every feature, BH-adjusted.

    Parameters
    ----------
    table : DataFrame
        Article x voice table. Filter it to one voice, or pass ``by="voice"``: rows of
        different voices are different measurements and are never pooled here.
    group : str
        Column whose values are compared (``"lean"``, ``"outlet"``).
    features : list of str, optional
        Default :func:`feature_columns`.
    method : {"welch", "mannwhitney"}
        Welch's unequal-variance t test (effect size Hedges' g) or the two-sided
        Mann-Whitney U test (``scipy.stats.mannwhitneyu``, ``method="auto"``; effect size
        Cliff's delta, equal to the rank-biserial correlation ``2 U_a / (n_a n_b) - 1``).
    alpha : float, default 0.05
        False discovery rate for ``reject``.
    by : str or list of str, optional
        Strata tested separately (e.g. ``"voice"``); their columns lead the output.
    pairs : list of (a, b), optional
        Only these pairs. Default: every pair of groups present in the stratum, ``a < b``.
    reference : optional
        Compare every other group with this one only (``group_a`` is the reference).
    min_n : int, default 2
        Fewer non-missing values than this in either group gives NaN ``statistic``,
        ``p_value`` and ``effect_size`` (the row is kept, with its ``n``, so the reader
        sees why).
    reachable_only : bool, default False
        Mann-Whitney only: leave out of the Benjamini-Hochberg family the tests whose
        groups are too small to give a p-value below ``alpha`` at all
        (:func:`min_attainable_p`; Tarone 1990). They keep their ``p_value`` and get
        ``p_adj`` NaN: they could never reject, and counting them would only make the
        correction of the others stricter. The choice depends on the group sizes alone,
        not on the data, so it does not bias the family. For tests over outlets, where a
        lean may have two or three.

    Returns
    -------
    DataFrame
        ``[*by, feature, group_a, group_b, n_a, n_b, mean_a, mean_b, diff, statistic,
        p_value, p_adj, reject, effect_size, effect_name]`` sorted by
        ``[*by, feature, group_a, group_b]``. ``diff = mean_a - mean_b``; ``statistic`` is
        Welch's t or the Mann-Whitney U of ``group_a``; ``effect_size`` is positive when
        ``group_a`` is higher.

    Notes
    -----
    Benjamini-Hochberg adjustment runs once over every test of the call (all features,
    pairs and strata) with ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``.
    Tests with a NaN p-value (too few values; both groups constant and equal under Welch)
    are left out of the adjustment and get ``p_adj`` NaN and ``reject`` False. Two constant
    groups with different means give Welch ``statistic`` +-inf and ``p_value`` 0, as
    scipy does, and a NaN Hedges' g (pooled SD 0). Identical samples under Mann-Whitney
    give p = 1.

    Hedges' g uses the pooled SD even though the test is Welch's: it is the conventional
    standardised difference; the test itself does not assume equal variances.

    References
    ----------
    .. [1] Welch, B. L. (1947). The generalization of "Student's" problem when several
       different population variances are involved. Biometrika 34, 28-35.
    .. [2] Mann, H. B. & Whitney, D. R. (1947). On a test of whether one of two random
       variables is stochastically larger than the other. Ann. Math. Statist. 18, 50-60.
    .. [3] Cliff, N. (1993). Dominance statistics: Ordinal analyses to answer ordinal
       questions. Psychological Bulletin 114(3), 494-509.
    .. [4] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate.
       J. R. Statist. Soc. B 57(1), 289-300.
    .. [5] Hedges, L. V. (1981), see :func:`hedges_g`.
    .. [6] Tarone, R. E. (1990). A modified Bonferroni method for discrete data.
       Biometrics 46(2), 515-522.
    """
    if method not in ("welch", "mannwhitney"):
        raise ValueError(f"method must be 'welch' or 'mannwhitney', got {method!r}")
    by, features = _test_columns(table, group, features, by)
    out_cols = [
        *by,
        "feature",
        "group_a",
        "group_b",
        "n_a",
        "n_b",
        "mean_a",
        "mean_b",
        "diff",
        "statistic",
        "p_value",
        "p_adj",
        "reject",
        "effect_size",
        "effect_name",
    ]
    effect_name = "hedges_g" if method == "welch" else "cliffs_delta"
    values = _Features(table, features)
    codes, labels = pd.factorize(table[group])  # missing labels get code -1 and are left out
    need = max(min_n, 1)
    frames = []
    for key, idx in _group_indices(table, by):
        present = _present_groups(codes, labels, idx)
        todo = _pairs([g for g, _ in present], pairs, reference)
        if not todo:
            continue
        pos = {g: i for i, (g, _) in enumerate(present)}
        ia = np.array([pos[a] for a, _ in todo])
        ib = np.array([pos[b] for _, b in todo])
        rows = [idx[codes[idx] == c] for _, c in present]
        for j, feat in enumerate(features):
            column = values.columns[j]
            vals = [v[~np.isnan(v)] for v in (column[r] for r in rows)]
            n = np.array([len(v) for v in vals], dtype=float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.array([v.mean() if len(v) else np.nan for v in vals])
                var = np.array([v.var(ddof=1) if len(v) > 1 else np.nan for v in vals])
            na, nb, ma, mb = n[ia], n[ib], mean[ia], mean[ib]
            ok = (na >= need) & (nb >= need)
            if method == "welch":
                stat, p = _welch(ma, mb, var[ia], var[ib], na, nb)
                effect = hedges_g(ma, mb, var[ia], var[ib], na, nb)
            else:
                stat, p, effect = (np.full(len(todo), np.nan) for _ in range(3))
                ordered = [np.sort(v) for v in vals]
                for k in np.flatnonzero(ok):
                    stat[k], p[k] = _mannwhitney(ordered[ia[k]], ordered[ib[k]])
                    effect[k] = 2.0 * stat[k] / (na[k] * nb[k]) - 1.0
            cols = {c: v for c, v in zip(by, key, strict=True)}
            cols.update(
                feature=feat,
                group_a=[a for a, _ in todo],
                group_b=[b for _, b in todo],
                n_a=na.astype(int),
                n_b=nb.astype(int),
                mean_a=ma,
                mean_b=mb,
                diff=ma - mb,
                statistic=np.where(ok, stat, np.nan),
                p_value=np.where(ok, p, np.nan),
                effect_size=np.where(ok, effect, np.nan),
            )
            frames.append(pd.DataFrame(cols))
    if not frames:
        return pd.DataFrame(columns=out_cols)
    res = pd.concat(frames, ignore_index=True)
    p = res["p_value"].to_numpy(dtype=float)
    if reachable_only and method == "mannwhitney":
        p = np.where(min_attainable_p(res["n_a"], res["n_b"]) > alpha, np.nan, p)
    res["p_adj"], res["reject"] = _bh(p, alpha)
    res["effect_name"] = effect_name
    res = res[out_cols]
    return _sort_frame(res, [*by, "feature", "group_a", "group_b"])


def omnibus_tests(
    table: pd.DataFrame,
    group: str,
    features: Sequence[str] | None = None,
    alpha: float = 0.05,
    by: str | Sequence[str] | None = None,
    min_n: int = 2,
) -> pd.DataFrame:
    """Do the groups differ at all? Kruskal-Wallis H per feature (and stratum), BH-adjusted.

    The question before :func:`pairwise_tests` when there are many groups (twelve outlets
    are 66 pairs): one rank test across all of them per feature and voice.

    Parameters
    ----------
    table : DataFrame
        Article x voice table; pass ``by="voice"`` (rows of different voices are never
        pooled) or filter it to one voice.
    group : str
        Column whose values are compared (``"outlet"``).
    features : list of str, optional
        Default :func:`feature_columns`.
    alpha : float, default 0.05
        False discovery rate for ``reject``.
    by : str or list of str, optional
        Strata tested separately; their columns lead the output.
    min_n : int, default 2
        Groups with fewer non-missing values are left out of that test; fewer than two
        groups left, or every value equal, gives NaN ``statistic`` and ``p_value`` (the row
        is kept, with its counts).

    Returns
    -------
    DataFrame
        ``[*by, feature, n_groups, n, statistic, df, p_value, p_adj, reject, effect_size,
        effect_name, highest, highest_mean, lowest, lowest_mean]`` sorted by
        ``[*by, feature]``: ``statistic`` is H (``scipy.stats.kruskal``, tie-corrected,
        chi-squared with ``df = n_groups - 1``); ``effect_size`` is epsilon squared,
        ``H / (n - 1)`` (0: the groups' rank distributions are alike, 1: they do not
        overlap); ``highest`` / ``lowest`` are the groups with the highest / lowest mean.

    References
    ----------
    .. [1] Kruskal, W. H. & Wallis, W. A. (1952). Use of ranks in one-criterion variance
       analysis. J. Amer. Statist. Assoc. 47, 583-621.
    .. [2] Tomczak, M. & Tomczak, E. (2014). The need to report effect size estimates
       revisited. Trends in Sport Sciences 21(1), 19-25 (epsilon squared for H).
    """
    by, features = _test_columns(table, group, features, by)
    out_cols = [
        *by,
        "feature",
        "n_groups",
        "n",
        "statistic",
        "df",
        "p_value",
        "p_adj",
        "reject",
        "effect_size",
        "effect_name",
        "highest",
        "highest_mean",
        "lowest",
        "lowest_mean",
    ]
    values = _Features(table, features)
    codes, labels = pd.factorize(table[group])  # missing labels get code -1 and are left out
    rows = []
    for key, idx in _group_indices(table, by):
        present = _present_groups(codes, labels, idx)
        if not present:  # a stratum without any group (every label missing): no test
            continue
        members = [idx[codes[idx] == c] for _, c in present]
        for j, feat in enumerate(features):
            column = values.columns[j]
            vals = [(g, column[r]) for (g, _), r in zip(present, members, strict=True)]
            vals = [(g, v[~np.isnan(v)]) for g, v in vals]
            vals = [(g, v) for g, v in vals if len(v) >= max(min_n, 1)]
            n = sum(len(v) for _, v in vals)
            stat = p = np.nan
            if len(vals) >= 2 and n > len(vals):
                pooled = np.concatenate([v for _, v in vals])
                if np.ptp(pooled) > 0:
                    stat, p = stats.kruskal(*(v for _, v in vals))
            means = [(v.mean(), g) for g, v in vals]
            # ties broken by the group's name, so the row does not depend on input order
            high = max(means, key=lambda t: (t[0], str(t[1])), default=(np.nan, None))
            low = min(means, key=lambda t: (t[0], str(t[1])), default=(np.nan, None))
            if high[0] == low[0]:  # every group's mean the same: neither is highest
                high, low = (high[0], None), (low[0], None)
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "feature": feat,
                    "n_groups": len(vals),
                    "n": n,
                    "statistic": stat,
                    "df": len(vals) - 1 if len(vals) >= 2 else np.nan,
                    "p_value": p,
                    "effect_size": stat / (n - 1) if n > 1 else np.nan,
                    "highest": high[1],
                    "highest_mean": high[0],
                    "lowest": low[1],
                    "lowest_mean": low[0],
                }
            )
    if not rows:
        return pd.DataFrame(columns=out_cols)
    res = pd.DataFrame(rows)
    res["p_adj"], res["reject"] = _bh(res["p_value"].to_numpy(dtype=float), alpha)
    res["effect_name"] = "epsilon_squared"
    return _sort_frame(res[out_cols], [*by, "feature"])


def adjusted_group_tests(
    table: pd.DataFrame,
    group: str,
    features: Sequence[str],
    covariates: Sequence[str] = ("topic",),
    by: str | Sequence[str] | None = None,
    min_n: int = 2,
    min_count: int = 30,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Do the groups differ with covariates held fixed? A Wald F test of ``group`` in
    ``feature ~ C(group) + C(covariate)``, per feature (and stratum), BH-adjusted.

    :func:`omnibus_tests` compares everything an outlet writes; outlets also differ in what
    they cover, so a difference there may be one of topic mix. Here each feature is
    regressed on the group and the (categorical) covariates by OLS (``statsmodels``) with
    heteroskedasticity-robust (HC3) standard errors, and the group coefficients are tested
    together against zero. Groups with fewer than ``min_n`` values are left out. Covariate
    levels seen fewer than ``min_count`` times are lumped into ``"other"`` (as in
    :func:`lean_model`).

    A p-value is given only for a test that is what it says; otherwise the row has NaN
    statistic and p, stays out of the BH family, and ``note`` says why:

    - a covariate whose rows hold several values (or missing ones) but that is left with
      one level after lumping: nothing of it is held fixed. (A covariate with one known
      value in every row is constant: the test is within it, and ``note`` says so.)
    - the robust covariance of the group contrasts has lower rank than their number (e.g.
      groups whose values are all 0): statsmodels would cut the F test's numerator degrees
      of freedom to that rank and test fewer contrasts than there are groups;
    - a constant feature, fewer than two groups, a design where the groups cannot be
      separated from the covariates, a robust covariance that is not finite.

    ``note`` also says when groups were left out for having fewer than ``min_n`` values
    (another test of the same rows, with its own ``min_n``, may count more groups).

    Returns
    -------
    DataFrame
        ``[*by, feature, n_groups, n, statistic, df_num, df_denom, p_value, p_adj, reject,
        covariates, note]`` sorted by ``[*by, feature]``. ``covariates`` names the
        covariates in the model; ``p_adj`` is BH across the rows with a p-value.
    """
    import statsmodels.api as sm

    by, features = _test_columns(table, group, features, by)
    covariates = [c for c in covariates if c not in (group, *by)]
    _check_columns(table, covariates)
    out_cols = [*by, "feature", "n_groups", "n", "statistic", "df_num", "df_denom",
                "p_value", "p_adj", "reject", "covariates", "note"]  # fmt: skip
    rows = []
    for key, idx in _group_indices(table, by):
        part = table.iloc[idx]
        groups = part[group].to_numpy()
        # kept rows -> their design: the features with the same rows share one
        designs: dict[bytes, _Design] = {}
        for feat in features:
            y = _float_column(part[feat])
            keep = ~np.isnan(y) & pd.notna(groups)
            sizes = pd.Series(groups[keep]).value_counts()
            keep &= pd.Series(groups).isin(sizes.index[sizes >= max(min_n, 1)]).to_numpy()
            mask_key = np.packbits(keep).tobytes()
            if mask_key not in designs:
                designs[mask_key] = _group_design(
                    part.iloc[np.flatnonzero(keep)], group, covariates, min_count
                )
            design = designs[mask_key]
            y = y[keep]
            n = len(y)
            notes = []
            if len(sizes) > design.n_groups:
                notes.append(
                    f"{design.n_groups} of {len(sizes)} {group} groups (those with >= "
                    f"{max(min_n, 1)} values)"
                )
            notes += design.notes
            result, why = _wald_group_test(sm, y, design, group)
            if why:
                notes.append(why)
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "feature": feat,
                    "n_groups": design.n_groups,
                    "n": n,
                    **result,
                    "covariates": " + ".join(design.used),
                    "note": "; ".join(notes),
                }
            )
    if not rows:
        return pd.DataFrame(columns=out_cols)
    res_table = pd.DataFrame(rows)
    res_table["p_adj"], res_table["reject"] = _bh(res_table["p_value"].to_numpy(dtype=float), alpha)
    return _sort_frame(res_table[out_cols], [*by, "feature"])


class _Design(NamedTuple):
    """The design of :func:`adjusted_group_tests` for some rows: ``exog`` (empty when there
    is nothing to fit), the positions of the group terms, the number of groups, the
    covariates in the model, notes on the covariates, and why the rows cannot be tested
    ("" when they can)."""

    exog: np.ndarray
    cols: list[int]
    n_groups: int
    used: list[str]
    notes: list[str]
    reason: str


def _group_design(
    rows: pd.DataFrame, group: str, covariates: Sequence[str], min_count: int
) -> _Design:
    """The design of :func:`adjusted_group_tests` for the given rows: an intercept, the
    group with its first level as reference, each covariate (rare levels lumped, the most
    frequent level as reference). A covariate left with one level is not in the model: fine
    when it is constant (one known value in every row), a reason not to test otherwise."""
    import statsmodels.formula.api as smf

    d = pd.DataFrame({"y": 0.0, "g": rows[group].astype(str).to_numpy()})
    rhs, used, notes, unfixed = ["C(g)"], [], [], []
    n_groups = int(d["g"].nunique())
    for i, cov in enumerate(covariates):
        col = f"c{i}"
        raw = rows[cov].reset_index(drop=True)
        d[col] = _lump_rare(raw, min_count)
        if d[col].nunique() > 1:
            rhs.append(f"C({col}, Treatment(reference={_most_frequent(d[col])!r}))")
            used.append(cov)
            continue
        values = raw.dropna().unique()
        if len(d) == 0:
            continue
        if len(values) == 1 and not raw.isna().any():
            notes.append(f"{cov}: one value ({values[0]}) in every row, constant")
        elif len(values) == 0:
            unfixed.append(f"{cov}: missing in every row; nothing held fixed")
        else:
            unfixed.append(
                f"{cov}: one level ({len(values)} values"
                + (" and missing ones" if raw.isna().any() else "")
                + f", each seen fewer than {min_count} times, lumped together); "
                "nothing held fixed"
            )
    empty = np.empty((len(d), 0))
    if n_groups < 2:
        return _Design(empty, [], n_groups, used, notes, f"fewer than two {group} groups")
    if len(d) <= n_groups:
        return _Design(empty, [], n_groups, used, notes, "too few values")
    if unfixed:
        return _Design(empty, [], n_groups, used, notes, "; ".join(unfixed))
    model = smf.ols("y ~ " + " + ".join(rhs), d)  # statsmodels' formula engine; y unused
    cols = [j for j, name in enumerate(model.exog_names) if name.startswith("C(g)")]
    rank = int(np.linalg.matrix_rank(model.exog))
    if rank < model.exog.shape[1]:
        reason = (
            f"{group} not separable from {' + '.join(used)} (design of rank {rank} for "
            f"{model.exog.shape[1]} terms)"
        )
        return _Design(empty, [], n_groups, used, notes, reason)
    return _Design(model.exog, cols, n_groups, used, notes, "")


def _wald_group_test(sm, y: np.ndarray, design: _Design, group: str) -> tuple[dict, str]:
    """The robust Wald F test of the group terms of ``design`` for outcome ``y``: its
    ``statistic, df_num, df_denom, p_value`` (NaN when not testable) and why not ("")."""
    nan = {"statistic": np.nan, "df_num": np.nan, "df_denom": np.nan, "p_value": np.nan}
    if design.reason:
        return nan, design.reason
    if not np.ptp(y) > 0:
        return nan, "constant feature"
    k = len(design.cols)
    res = sm.OLS(y, design.exog).fit(cov_type="HC3")
    constraints = np.zeros((k, design.exog.shape[1]))
    constraints[np.arange(k), design.cols] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rank warning: checked below
        try:
            test = res.wald_test(constraints, use_f=True, scalar=True)
        except ValueError:  # a NaN in the robust covariance (an article of leverage 1)
            return nan, "robust covariance not finite"
    if not np.isfinite(test.statistic):
        return nan, "robust covariance not finite"
    if int(test.df_num) < k:
        return nan, (
            f"robust covariance of the {k} {group} contrasts has rank {int(test.df_num)} "
            f"(groups without variation); not testable"
        )
    return {
        "statistic": float(test.statistic),
        "df_num": float(test.df_num),
        "df_denom": float(test.df_denom),
        "p_value": float(test.pvalue),
    }, ""


def posthoc_tests(
    table: pd.DataFrame, group: str, omnibus: pd.DataFrame, alpha: float = 0.05
) -> pd.DataFrame:
    """Mann-Whitney tests between every two groups, only where :func:`omnibus_tests` found a
    difference (its ``reject``), BH-adjusted across them.

    The protected procedure: a pair is tested for a feature (and stratum) only when the
    groups differ there at all, so twelve outlets do not add 66 pairs to every feature's
    family whether or not anything differs. Strata are the omnibus table's leading columns
    (those before ``feature``). Same columns as :func:`pairwise_tests`.
    """
    by = list(omnibus.columns[: list(omnibus.columns).index("feature")])
    sig = omnibus[omnibus["reject"].fillna(False).astype(bool)]
    parts = []
    for key, rows in sig.groupby(by, sort=True) if by else [((), sig)]:
        key = _key_tuple(key, len(by))
        mask = np.ones(len(table), dtype=bool)
        for col, value in zip(by, key, strict=True):
            mask &= (table[col] == value).to_numpy()
        # other strata drop out by a missing group label: no copy of the selected rows
        here = table.assign(**{group: table[group].where(mask)})
        parts.append(
            pairwise_tests(here, group, list(rows["feature"]), method="mannwhitney", by=by or None)
        )
    if not parts:
        return pairwise_tests(table.iloc[:0], group, [], method="mannwhitney", by=by or None)
    res = pd.concat(parts, ignore_index=True)
    res["p_adj"], res["reject"] = _bh(res["p_value"].to_numpy(dtype=float), alpha)
    return _sort_frame(res, [*by, "feature", "group_a", "group_b"])


def _pairs(present: list, pairs, reference) -> list[tuple]:
    if pairs is not None:
        have = set(present)
        return [(a, b) for a, b in pairs if a in have and b in have]
    if reference is not None:
        return [(reference, g) for g in present if g != reference] if reference in present else []
    return [(a, b) for i, a in enumerate(present) for b in present[i + 1 :]]


# ------------------------------------------------------------------------------ lean model


def _lump_rare(values: pd.Series, min_count: int, other: str = "other") -> pd.Series:
    values = values.astype("string").fillna("unknown").astype(object)
    counts = values.value_counts()
    rare = counts.index[counts < min_count]
    return values.where(~values.isin(rare), other)


def _most_frequent(values: pd.Series) -> str:
    counts = values.value_counts()
    top = counts[counts == counts.max()].index
    return sorted(map(str, top))[0]


_TERM_RE = re.compile(r"^C\((\w+), Treatment\(reference=.*\)\)\[T\.(.*)\]$")


def lean_model(
    table: pd.DataFrame,
    feature: str,
    lean_col: str = "lean",
    group_col: str = "outlet",
    covariates: Sequence[str] = ("topic",),
    reference: str = "center",
    min_count: int = 30,
    min_groups: int = 5,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Effect of lean on a feature, with outlet as a grouping factor and topic adjusted.

    Fits the linear mixed model ``feature ~ C(lean, Treatment(reference)) + C(topic)`` with
    a random intercept per outlet (``statsmodels.formula.api.mixedlm``, REML). Lean is a
    property of the outlet, so articles of one outlet are not independent evidence about
    lean: the random intercept makes the lean effect rest on between-outlet variation.

    Parameters
    ----------
    table : DataFrame
        Article x voice table **for one voice** (filter first); rows with a missing
        feature, lean or outlet are dropped.
    feature : str
        The outcome column.
    lean_col, group_col : str
        Lean (fixed effect) and grouping (random intercept) columns.
    covariates : list of str
        Categorical covariates (string-like) are adjusted for as fixed effects with levels
        seen fewer than ``min_count`` times lumped into ``"other"`` and the most frequent
        level as reference; numeric covariates enter linearly. A covariate left with a
        single level is dropped.
    reference : str, default "center"
        Reference lean; the ``lean[...]`` coefficients are differences from it.
    min_count : int, default 30
        Minimum rows per covariate level before it is lumped into "other".
    min_groups : int, default 5
        With fewer outlets than this the mixed model is not attempted (a variance from a
        handful of groups is not estimable).
    ci : float, default 0.95
        Confidence level of ``ci_low``, ``ci_high``.

    Returns
    -------
    DataFrame
        ``[term, coef, se, z, p_value, ci_low, ci_high, model, n, n_groups, feature,
        note]``. Terms: ``Intercept``, ``lean[<level>]``, ``<covariate>[<level>]``,
        numeric covariates by name, and for the mixed model three variance rows in the
        outcome's units: ``var(<group_col>)``, the random-intercept variance (statsmodels'
        ``cov_re``, not its ``params`` entry, which is that divided by the residual
        variance) with a Wald SE and interval; ``var(residual)``, the residual variance
        (``scale``); ``icc(<group_col>)``, the intraclass correlation ``var(<group_col>) /
        (var(<group_col>) + var(residual))``. The variance rows have NaN z and p (a
        variance at its boundary has no normal test), the last two NaN SE and interval.
        ``model`` is ``mixedlm``, ``ols_cluster`` (OLS with cluster-robust SEs by outlet,
        used when the mixed model fails to converge, gives non-finite SEs, or there are
        fewer than ``min_groups`` outlets) or ``ols_hc1`` (fewer than two outlets);
        ``note`` says why a fallback was used. An outlet variance estimated at its boundary
        (0: an ICC below :data:`BOUNDARY_ICC`) is a valid fit, not a failure: the mixed
        model is kept and the note says so. statsmodels' own boundary warning is not used:
        it fires for any variance below 0.01 in the outcome's units.

    Notes
    -----
    With few outlets per lean, lean and outlet are hard to separate: the cluster-robust SEs
    then rest on a handful of clusters and are unreliable, which the ``note`` says. A lean
    (or the reference) carried by a single outlet (BASIL: one outlet per lean) cannot be
    separated from that outlet at all: its term keeps its estimate as ``coef`` (without
    covariates, the difference of means) but gets no SE, test or interval (NaN), and the
    ``note`` names it.

    References
    ----------
    .. [1] Laird, N. M. & Ware, J. H. (1982). Random-effects models for longitudinal data.
       Biometrics 38(4), 963-974.
    .. [2] Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
       inference. Journal of Human Resources 50(2), 317-372.
    """
    import statsmodels.formula.api as smf

    covariates = [c for c in _as_list(list(covariates)) if c not in (lean_col, group_col)]
    _check_columns(table, [feature, lean_col, group_col, *covariates])
    if "voice" in table.columns and table["voice"].nunique(dropna=True) > 1:
        raise ValueError(
            "lean_model needs one voice: filter the table first, e.g. "
            "table[table['voice'] == 'outlet'] (got voices "
            f"{sorted(table['voice'].dropna().unique())})"
        )
    d = pd.DataFrame(
        {
            "y": pd.to_numeric(table[feature], errors="coerce").astype(float),
            "lean": table[lean_col].astype("string").astype(object),
            "grp": table[group_col].astype("string").astype(object),
        },
        index=table.index,
    )
    d.loc[~np.isfinite(d["y"].to_numpy(dtype=float, na_value=np.nan)), "y"] = np.nan
    d = d.join(table[covariates].set_axis([f"cov{i}" for i in range(len(covariates))], axis=1))
    d = d.dropna(subset=["y", "lean", "grp"]).reset_index(drop=True)
    leans = sorted(d["lean"].unique())
    if reference not in leans:
        raise ValueError(
            f"reference lean {reference!r} has no rows with a value for {feature!r}; "
            f"leans present: {leans}"
        )
    if len(leans) < 2:
        raise ValueError(f"lean_model needs at least two leans with data, got {leans}")
    rhs = [f"C(lean, Treatment(reference={reference!r}))"]
    names = {"lean": lean_col}
    for i, cov in enumerate(covariates):
        col = f"cov{i}"
        names[col] = cov
        if pd.api.types.is_numeric_dtype(table[cov]) and not pd.api.types.is_bool_dtype(table[cov]):
            d[col] = pd.to_numeric(d[col], errors="coerce").astype(float)
            d = d.dropna(subset=[col])
            if d[col].nunique() > 1:
                rhs.append(col)
            continue
        d[col] = _lump_rare(d[col], min_count)
        if d[col].nunique() > 1:
            rhs.append(f"C({col}, Treatment(reference={_most_frequent(d[col])!r}))")
    formula = "y ~ " + " + ".join(rhs)
    n, n_groups = len(d), int(d["grp"].nunique())
    model, note, res, unit = "mixedlm", "", None, 1.0
    if n_groups >= max(min_groups, 2):
        res, note = _fit_mixed(smf, formula, d)
        y_sd = float(d["y"].std())
        if res is None and "did not converge" in note and np.isfinite(y_sd) and y_sd > 0:
            # once more on the outcome in standard deviations, the estimates turned back
            # into its units: on VADER compound (sd 0.17) whether the optimizer converged
            # depended on the machine's floating point (converged on one, not another)
            again, _ = _fit_mixed(smf, formula, d.assign(y=d["y"] / y_sd))
            if again is not None:
                res, note, unit = again, "", y_sd
    else:
        note = f"only {n_groups} {group_col} group(s): mixed model not attempted"
    if res is None:
        if n_groups >= 2:
            model = "ols_cluster"
            codes = pd.factorize(d["grp"], sort=True)[0]
            res = smf.ols(formula, d).fit(cov_type="cluster", cov_kwds={"groups": codes})
            if n_groups < 10:
                note += f"; cluster-robust SEs from {n_groups} clusters are unreliable"
        else:
            model = "ols_hc1"
            res = smf.ols(formula, d).fit(cov_type="HC1")
    params = res.params
    alpha = 1 - ci
    conf = res.conf_int(alpha=alpha)
    out = pd.DataFrame(
        {
            "term": [_tidy_term(t, names, group_col) for t in params.index],
            "coef": params.to_numpy(dtype=float),
            "se": np.asarray(res.bse, dtype=float),
            "z": np.asarray(res.tvalues, dtype=float),
            "p_value": np.asarray(res.pvalues, dtype=float),
            "ci_low": conf.iloc[:, 0].to_numpy(dtype=float),
            "ci_high": conf.iloc[:, 1].to_numpy(dtype=float),
        }
    )
    if model == "ols_cluster":
        note = _untestable_leans(out, d, reference, lean_col, group_col, note)
    if model == "mixedlm":
        fixed = out.index[: len(res.fe_params)]
        out.loc[fixed, ["coef", "se", "ci_low", "ci_high"]] *= unit
        out, boundary = _variance_rows(out, res, group_col, alpha, unit**2)
        if boundary:
            note = f"{group_col} variance estimated at the boundary (0; the fit reduces to OLS)"
    is_var = out["term"].str.startswith(("var(", "icc("))
    out.loc[is_var, ["z", "p_value"]] = np.nan
    out["model"] = model
    out["n"] = n
    out["n_groups"] = n_groups
    out["feature"] = feature
    out["note"] = note.strip("; ")
    return out


def _untestable_leans(
    out: pd.DataFrame, d: pd.DataFrame, reference: str, lean_col: str, group_col: str, note: str
) -> str:
    """Blank the test of each lean term that rests on a single outlet (in place).

    With outlet-clustered errors, a lean (or the reference) carried by one outlet is that
    outlet's mean: its residuals sum to zero within the one cluster, so the cluster-robust
    SE collapses towards 0 and the p-value towards 0 while lean and outlet cannot be told
    apart at all. Such a term keeps its coefficient (its estimate) but gets NaN
    SE, z, p and interval, and the note says why.
    """
    per_lean = d.groupby("lean")["grp"].nunique()
    lonely = []
    for i, term in out["term"].items():
        if not str(term).startswith(f"{lean_col}["):
            continue
        level = str(term)[len(lean_col) + 1 : -1]
        if min(per_lean.get(level, 0), per_lean.get(reference, 0)) < 2:
            out.loc[i, ["se", "z", "p_value", "ci_low", "ci_high"]] = np.nan
            lonely.append(level)
    if not lonely:
        return note
    one = sorted({lv for lv in [*lonely, reference] if per_lean.get(lv, 0) < 2})
    return (
        f"{note}; no test for {', '.join(lonely)} vs {reference}: "
        f"{' and '.join(one)} rest{'s' if len(one) == 1 else ''} on a single {group_col}, "
        f"so lean and {group_col} cannot be told apart"
    )


def adjust_lean_effects(
    models: pd.DataFrame, lean_col: str = "lean", alpha: float = 0.05
) -> pd.DataFrame:
    """Benjamini-Hochberg adjustment of the lean effects of several :func:`lean_model` fits.

    A report that fits one model per feature tests every lean against the reference in
    each of them; the raw p-values of that family overstate what is significant. The lean
    terms (``lean[<level>]``) of all fits form one family and get ``p_adj`` (BH, the same
    adjustment as :func:`pairwise_tests`) and ``reject`` at ``alpha``; the other terms
    (intercept, covariates, the outlet variance) and features that were not fitted get
    NaN and False. Returns a copy.
    """
    out = models.copy()
    out["p_adj"] = np.nan
    out["reject"] = False
    if out.empty or "term" not in out.columns:
        return out
    lean = out["term"].astype(str).str.startswith(f"{lean_col}[").to_numpy()
    p_adj, reject = _bh(out.loc[lean, "p_value"].to_numpy(dtype=float), alpha)
    out.loc[lean, "p_adj"] = p_adj
    out.loc[lean, "reject"] = reject
    return out


#: statsmodels' warnings of a MixedLM optimizer that failed before the next one is tried.
_RETRY_WARNINGS = ("Retrying MixedLM optimization", "Maximum Likelihood optimization failed")


def _fit_mixed(smf, formula: str, d: pd.DataFrame):
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = smf.mixedlm(formula, d, groups=d["grp"]).fit(reml=True)
        except (np.linalg.LinAlgError, ValueError) as exc:
            return None, f"mixed model failed ({type(exc).__name__}: {exc})"
    fixed = res.bse.iloc[: len(res.fe_params)]
    problems = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    # statsmodels' "MLE may be on the boundary" fires whenever the group variance is below
    # 0.01 in the outcome's own units (any variance of a sentiment score in [-1, 1]): not a
    # failure, and not evidence of a variance at 0 either; lean_model judges that from the fit
    problems = [p for p in problems if "boundary" not in p]
    # statsmodels tries bfgs, then lbfgs, then cg, warning at each retry; a fit that one of
    # them brought to convergence is converged (the warnings of the attempts before are not
    # about it: rejecting them sent a converged model to the OLS fallback)
    if res.converged:
        problems = [p for p in problems if not p.startswith(_RETRY_WARNINGS)]
    if not res.converged or problems:
        detail = f" ({problems[0].splitlines()[0]})" if problems else ""
        return None, f"mixed model did not converge{detail}"
    if not np.all(np.isfinite(fixed.to_numpy(dtype=float))):
        return None, "mixed model gave non-finite standard errors"
    return res, ""


#: A group variance below this share of the total (ICC) is reported as at its boundary (0).
BOUNDARY_ICC = 1e-6


def _variance_rows(
    out: pd.DataFrame, res, group_col: str, alpha: float, unit: float = 1.0
) -> tuple[pd.DataFrame, bool]:
    """The variance rows of a mixed-model fit in the outcome's units, and whether the group
    variance sits at its boundary.

    statsmodels' ``params`` (and ``bse``) hold the group variance divided by the residual
    variance (``cov_re / scale``). ``var(<group>)`` is ``cov_re`` itself, its standard
    error ``scale`` times that of the ratio (the residual variance taken as known; the
    summary's ``bse_re`` multiplies by its square root instead, which overstates it many
    times over for a small-scale outcome) and a Wald interval on the log scale,
    ``var * exp(+-z se / var)`` (a variance is positive and its sampling distribution
    skewed: the plain Wald interval went below 0); ``var(residual)`` is
    ``scale`` and ``icc(<group>)`` the share of the group variance in the total, ``cov_re
    / (cov_re + scale)``, both without standard errors. The boundary: an ICC below
    :data:`BOUNDARY_ICC`.
    """
    # ``unit``: the variance of the outcome's unit when the fit was to a rescaled outcome
    scale = float(res.scale) * unit
    var = float(np.asarray(res.cov_re, dtype=float)[0, 0]) * unit
    icc = var / (var + scale) if var + scale > 0 else np.nan
    q = stats.norm.ppf(1 - alpha / 2)
    row = out.index[out["term"] == f"var({group_col})"]
    if len(row):
        i = row[0]
        se = scale * float(out.at[i, "se"])
        if var > 0 and np.isfinite(se):
            with np.errstate(over="ignore"):  # se >> var: the upper end is unbounded
                low, high = var * np.exp(-q * se / var), var * np.exp(q * se / var)
        else:  # at the boundary the interval on the log scale does not exist
            low, high = np.nan, np.nan
        out.loc[i, ["coef", "se", "ci_low", "ci_high"]] = [var, se, low, high]
    extra = pd.DataFrame(
        {"term": ["var(residual)", f"icc({group_col})"], "coef": [scale, icc]}
    ).reindex(columns=out.columns)
    out = pd.concat([out, extra], ignore_index=True)
    return out, bool(icc < BOUNDARY_ICC) if np.isfinite(icc) else False


def _tidy_term(term: str, names: Mapping[str, str], group_col: str) -> str:
    if term == "Group Var":
        return f"var({group_col})"
    m = _TERM_RE.match(term)
    if m:
        return f"{names.get(m.group(1), m.group(1))}[{m.group(2)}]"
    return names.get(term, term)


# ----------------------------------------------------------------------- distinctive words

#: English function words (and a few web tokens: "amp" from "&amp;", "rt", "nbsp") left out
#: of distinctive-word counts. Short on purpose: content words and reporting verbs
#: ("said", "claimed") can be framing and stay in.
_STOPWORDS_TEXT = """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each either few for from further had hadn't has hasn't have
haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more most much
must mustn't my myself neither no nor not now of off on once one only or other ought our ours
ourselves out over own per same shan't she she'd she'll she's should shouldn't so some such
than that that's the their theirs them themselves then there there's these they they'd
they'll they're they've this those though through to too two under until up upon us very
was wasn't we we'd we'll we're we've were weren't what what's when when's where where's
whether which while who who's whom whose why why's will with won't would wouldn't yet you
you'd you'll you're you've your yours yourself yourselves may might many even still
get got gets since among within without across around via amp rt nbsp mr mrs ms dr
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

#: Page debris that is not the outlet's, a quoted person's or a post's words: photo-caption
#: controls (NPR "toggle caption", CNN "hide caption", BBC "Image caption"), photo credits,
#: CNN video and gallery widgets ("JUST WATCHED ... Replay More Videos", "Photos:"),
#: newsletter, sharing and privacy prompts, reprint and copyright footers, related-link
#: teasers (the debris table in ``corpora/allsides/README.md``). Regexes applied in order to
#: the lower-cased text, each match replaced by a break: first whole short lines (<= 800
#: characters: a caption, a prompt; in :func:`distinctive_words` every sentence is its own
#: line) that carry a credit or caption control or start with a prompt, then the phrases
#: themselves wherever they are left.
DEBRIS_PATTERNS = (
    r"(?m)^[^\n]{0,400}?\b(?:getty images|ap photo|afp via getty|shutterstock|reuters/"
    r"|hide caption|toggle caption|image caption|media caption|image copyright|image source"
    r")\b[^\n]{0,400}$",
    r"(?m)^[\s\W]*(?:click here|sign up|subscribe|read more|continue reading|related:"
    r"|related coverage|share this|follow us|follow \w+(?: \w+)? on|copyright|\u00a9"
    r"|all rights reserved|advertisement|for reprint|reprint permission|watch:|listen:"
    r"|just watched|must watch|photos:|get the monitor|update at \d|media playback"
    r"|watch the latest video|read or share this story)[^\n]*",
    r"(?m)^[\s\W]*(?:update|updated|editor's note)\b[^:\n]{0,40}:",
    r"\b(?:hide caption(?: \d+ of \d+)?|toggle caption|image caption|media caption"
    r"|image copyright|getty images|click here|sign up(?: for)?|reprint permissions?"
    r"|share this story|read more|continue reading|all rights reserved|just watched"
    r"|must watch|replay more videos|more videos|delivered to your inbox"
    r"|by signing up,? you agree to our privacy policy|privacy policy"
    r"|terms of (?:service|use)|story highlights|story continued below"
    r"|continue reading the main story|newsletter sign up|archived recording"
    r"|please verify you're not a robot|invalid email address|please re-enter"
    r"|you must select a newsletter to subscribe to|you will receive emails|previous next)\b",
    r"(?:\u00a9|\bcopyright \d{4})[^\n]*",
)
_DEBRIS_CACHE: dict[tuple[str, ...], list[re.Pattern]] = {}

_URL_RE = re.compile(
    r"https?://\S+|www\.\S+|pic\.twitter\.com/\S*|@\w+"
    r"|\b[a-z0-9-]+\.(?:[a-z0-9-]+\.)*(?:com|org|net|gov|edu|ly|uk)\b(?:/\S*)?"
)
#: A word token (letters with inner apostrophes, not glued to digits) or a break character.
_TOKEN_RE = re.compile(
    r"(?<![\w'])[^\W\d_]+(?:'[^\W\d_]+)*(?!\w)"
    r"|[.!?;:,()\[\]{}\"\u201c\u201d\u00ab\u00bb\u2014\u2013|/\u2026\n\r\t*]"
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
#: The country written "U.S.", "US" or "USA" (upper case) is kept as the term "u.s."; the
#: lower-case pronoun "us" is a stopword.
_US_RE = re.compile(r"\bU\.S\.(?:A\.)?|\bU\.S\b|\bUSA?\b(?![ \u00a0]+TODAY)")
_US_TOKEN = "zzunitedstateszz"


def _debris_res(patterns: Sequence[str]) -> list[re.Pattern]:
    key = tuple(patterns)
    if key not in _DEBRIS_CACHE:
        _DEBRIS_CACHE[key] = [re.compile(p) for p in key]
    return _DEBRIS_CACHE[key]


def tokenize_terms(
    text: str,
    ngrams: tuple[int, int] = (1, 2),
    stopwords: Iterable[str] = STOPWORDS,
    debris: Sequence[str] = DEBRIS_PATTERNS,
) -> list[str]:
    """Terms (unigrams and/or bigrams) of one text for word counting.

    Lower-cased (curly apostrophes straightened); debris patterns (applied to the
    lower-cased text), URLs (``pic.twitter.com/...``, ``www...``, ``x.com/...``) and
    ``@handles`` removed; ``#`` dropped from hashtags; a possessive ``'s`` dropped. Tokens
    are runs of letters with inner apostrophes, so numbers and words glued to digits are
    left out; hyphens split words; the country ("U.S.", "US", "USA" in upper case) becomes
    the term ``u.s.`` (the pronoun "us" is a stopword). Stopwords and single characters are
    dropped. A bigram
    joins two kept tokens that are adjacent in the text: it never spans a stopword,
    punctuation, a removed URL or debris, or a line break (so "president said" is not
    made from "president has said").
    """
    lo, hi = ngrams
    if not 1 <= lo <= hi <= 2:
        raise ValueError(f"ngrams must be (1, 1), (1, 2) or (2, 2), got {ngrams}")
    stop = stopwords if isinstance(stopwords, (set, frozenset)) else frozenset(stopwords)
    if not isinstance(text, str) or not text:
        return []
    text = _US_RE.sub(f" {_US_TOKEN} ", text).translate(_APOSTROPHES).lower()
    for pat in _debris_res(debris):
        text = pat.sub(" | ", text)
    text = _URL_RE.sub(" | ", text).replace("#", " ")
    out: list[str] = []
    unigrams, bigrams = lo == 1, hi == 2
    prev = None
    for tok in _TOKEN_RE.findall(text):
        if tok.endswith("'s"):
            tok = tok[:-2]
        elif tok == _US_TOKEN:
            tok = "u.s."
        if len(tok) < 2 or tok in stop:
            prev = None
            continue
        if unigrams:
            out.append(tok)
        if bigrams and prev is not None:
            out.append(f"{prev} {tok}")
        prev = tok
    return out


def log_odds_dirichlet(
    y_i: np.ndarray,
    n_i: float | np.ndarray,
    y_j: np.ndarray,
    n_j: float | np.ndarray,
    alpha: np.ndarray,
    alpha0: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds ratio of each word between ``i`` and ``j`` with an informative Dirichlet
    prior, and its z-score (Monroe, Colaresi & Quinn 2008, eqs. 16, 18-22)::

        delta = log((y_i + a_w) / (n_i + a_0 - y_i - a_w))
              - log((y_j + a_w) / (n_j + a_0 - y_j - a_w))
        var   = 1 / (y_i + a_w) + 1 / (y_j + a_w)
        z     = delta / sqrt(var)

    Returns ``(delta, z)``; positive means more frequent in ``i``.

    References
    ----------
    .. [1] Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: Lexical
       feature selection and evaluation for identifying the content of political conflict.
       Political Analysis 16(4), 372-403.
    """
    y_i, y_j, alpha = (np.asarray(v, dtype=float) for v in (y_i, y_j, alpha))
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha)) - np.log(
            (y_j + alpha) / (n_j + alpha0 - y_j - alpha)
        )
        z = delta / np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
    return delta, z


def _measured_segments(segments: pd.DataFrame, text_col: str = "text") -> pd.DataFrame:
    keep = pd.Series(True, index=segments.index)
    if "voice" in segments.columns:
        keep &= segments["voice"].astype("string").fillna("") != "page"
    if "kind" in segments.columns:
        keep &= ~segments["kind"].isin(("boilerplate", "media_link"))
    keep &= segments[text_col].notna()
    return segments[keep]


def _documents(
    segments: pd.DataFrame, group_col: str, outlet_col: str | None, text_col: str
) -> pd.DataFrame:
    """One document per (group, article): its segments joined by line breaks."""
    seg = _measured_segments(segments, text_col)
    seg = seg[seg[group_col].notna()]
    keys = [group_col, "article_id"] if "article_id" in seg.columns else None
    if keys is None:
        docs = seg[[group_col, text_col]].copy()
        docs["_outlet"] = seg[outlet_col] if outlet_col else docs[group_col]
        docs["article_id"] = np.arange(len(docs))
    else:
        agg = {text_col: "\n".join}
        if outlet_col and outlet_col != group_col:
            agg[outlet_col] = "first"
        docs = seg.groupby(keys, sort=True, observed=True).agg(agg).reset_index()
        docs["_outlet"] = docs[outlet_col] if outlet_col else docs[group_col]
    return docs.rename(columns={text_col: "text"}).reset_index(drop=True)


_SPLIT_SENTENCES_RE = re.compile(r"(?<=[.!?\u2026])\s+|\s*\n\s*")


def _drop_repeated(docs: pd.DataFrame, min_repeats: int | None) -> pd.Series:
    """Texts without the sentences an outlet repeats verbatim ``min_repeats`` or more times
    (bylines, credit lines, newsletter prompts, section banners, gallery captions)."""
    if not min_repeats:
        return docs["text"]
    split = [_SPLIT_SENTENCES_RE.split(t) for t in docs["text"]]
    seen: Counter = Counter(
        (o, " ".join(sent.lower().split()))
        for o, sents in zip(docs["_outlet"], split, strict=True)
        for sent in sents
    )
    repeated = {k for k, c in seen.items() if c >= min_repeats and k[1]}
    # texts are always rebuilt one sentence per line, so the line rules of the debris
    # patterns act on sentences whether or not anything was repeated
    return pd.Series(
        [
            "\n".join(x for x in sents if (o, " ".join(x.lower().split())) not in repeated)
            for o, sents in zip(docs["_outlet"], split, strict=True)
        ],
        index=docs.index,
    )


def _term_matrix(texts: Sequence[str], analyzer, min_df: int):
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(analyzer=analyzer, min_df=min_df, dtype=np.int64)
    try:
        x = vec.fit_transform(texts)
    except ValueError:  # empty vocabulary
        return sparse.csr_matrix((len(texts), 0), dtype=np.int64), np.array([], dtype=object)
    return x.tocsr(), vec.get_feature_names_out()


def _indicator(codes: np.ndarray, n_rows: int) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_rows, len(codes))
    )


def _prior(
    prior: str | Mapping[str, float] | pd.Series,
    terms: np.ndarray,
    totals: np.ndarray,
    prior_size: float | None,
) -> tuple[np.ndarray, float]:
    """Dirichlet prior ``alpha_w`` for each term and ``alpha_0 = sum(alpha_w)``."""
    n = float(totals.sum())
    size = float(prior_size) if prior_size is not None else n
    if size <= 0:
        raise ValueError(f"prior_size must be positive, got {prior_size}")
    if isinstance(prior, str):
        if prior == "corpus":
            base = totals.astype(float)
        elif prior == "uniform":
            base = np.ones(len(terms))
        else:
            raise ValueError(f"prior must be 'corpus', 'uniform' or a mapping, got {prior!r}")
    else:
        background = pd.Series(prior, dtype=float)
        base = background.reindex(terms).fillna(0.0).to_numpy() + 0.01  # unseen terms
    alpha = size * base / base.sum()
    return alpha, float(alpha.sum())


def _subsumed_terms(terms: pd.Series, counts: pd.Series, share: float) -> np.ndarray:
    """Mask of the terms that occur mostly inside a longer term of the same list: the
    longer term's count is at least ``share`` of theirs (see :func:`distinctive_words`)."""
    count = dict(zip(terms, counts, strict=True))
    inside: set[str] = set()
    for term, n in count.items():
        words = term.split()
        for k in range(1, len(words)):
            for i in range(len(words) - k + 1):
                part = " ".join(words[i : i + k])
                if part in count and n >= share * count[part]:
                    inside.add(part)
    return terms.isin(inside).to_numpy()


def distinctive_words(
    segments: pd.DataFrame,
    group_col: str,
    min_outlets: int = 3,
    prior: str | Mapping[str, float] | pd.Series = "corpus",
    top: int | None = 30,
    *,
    prior_size: float | None = None,
    ngrams: tuple[int, int] = (1, 2),
    min_count: int = 5,
    min_articles: int = 3,
    max_outlet_share: float = 0.8,
    repeated: int | None = 5,
    outlet_col: str | None = "outlet",
    text_col: str = "text",
    stopwords: Iterable[str] = STOPWORDS,
    debris: Sequence[str] = DEBRIS_PATTERNS,
    subsumed: float | None = 0.8,
) -> pd.DataFrame:
    """Words and phrases most typical of each group compared with all the other groups.

    Each group ``i`` is compared with the rest ``j`` by the log-odds ratio with an
    informative Dirichlet prior (Monroe et al. 2008, eq. 22; :func:`log_odds_dirichlet`)
    and ranked by its z-score.

    Parameters
    ----------
    segments : DataFrame
        Segment texts with ``article_id``, ``group_col``, ``outlet_col`` and ``text_col``.
        Rows of voice ``page`` or kind ``boilerplate``/``media_link`` are dropped.
    group_col : str
        Column that defines the groups (``"lean"``, ``"outlet"``, ``"voice"``).
    min_outlets : int, default 3
        A term is ranked for a group only if at least this many different outlets of the
        group use it, so one outlet's house style or page furniture ("toggle caption" at
        NPR, "reprint permission" at the Washington Times) cannot dominate a lean. The
        threshold is capped at the number of outlets in the group (a group that is one
        outlet, e.g. ``group_col="outlet"``, needs one).
    prior : "corpus", "uniform" or mapping term -> count
        ``"corpus"``: ``alpha_w`` proportional to the term's count in all the segments
        given (the informative prior of Monroe et al. sec. 3.5.2); ``"uniform"``: the same
        ``alpha_w`` for every term; a mapping or Series: background counts from another
        corpus (terms missing there get 0.01).
    top : int or None, default 30
        Terms kept per group (highest z first); None keeps every ranked term.
    prior_size : float, optional
        ``alpha_0 = sum_w alpha_w``, the prior's weight in tokens. Default: the number of
        tokens counted, so with ``prior="corpus"`` ``alpha_w`` equals the term's corpus
        count (a prior as strong as the data; smaller values shrink less).
    ngrams : (int, int), default (1, 2)
        Unigrams and bigrams; (1, 1) for words only.
    min_count : int, default 5
        Minimum count of the term in the group to be ranked.
    min_articles : int, default 3
        Minimum number of the group's articles using the term (one long article repeating
        a name does not make it typical).
    max_outlet_share : float, default 0.8
        A term is not ranked for a group when one outlet accounts for more than this share
        of the group's count (in a group of two or more outlets): a common word inflated by
        one outlet's page widget ("photos" from CNN galleries) passes ``min_outlets`` but
        not this. Set 1.0 to switch off.
    repeated : int or None, default 5
        Sentences (and lines) that one outlet repeats verbatim (case and spacing aside) at
        least this many times, in one article or across its articles, are left out before
        counting: bylines, credit lines ("The Associated Press contributed to this
        report."), newsletter prompts and section banners that no pattern list can
        anticipate. Texts are then counted one sentence per line (no bigram spans two
        sentences). None keeps them and the line structure as given.
    outlet_col : str or None, default "outlet"
        Outlet column for ``min_outlets``, ``max_outlet_share`` and ``repeated``; None
        treats each group as one outlet.
    text_col : str, default "text"
    stopwords : iterable of str, default :data:`STOPWORDS`
    debris : list of regex, default :data:`DEBRIS_PATTERNS`
        Removed from every text before tokenizing (see :func:`tokenize_terms`).
    subsumed : float or None, default 0.8
        A term is left out of a group's list when a longer term ranked for the same group
        contains it and has at least this share of its count: "arabia" (391) inside "saudi
        arabia" (391), "laden" inside "bin laden", so the list is not the same name three
        times. "islamic" (1,338) stays beside "islamic state" (916). None keeps every term.

    Returns
    -------
    DataFrame
        ``[group, term, count, log_odds, z]``: ``count`` is the term's count in the group,
        ``log_odds`` the prior-smoothed log-odds ratio (group vs rest), ``z`` its z-score.
        Sorted by group, then z descending (ties by term).

    Notes
    -----
    Counting units are documents = the measured segments of one article in one group
    joined together. Tokenizing is pure Python (about 1-2 MB of text per second); for the
    full AllSides corpus filter to the articles of interest first.

    References
    ----------
    .. [1] Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: Lexical
       feature selection and evaluation for identifying the content of political conflict.
       Political Analysis 16(4), 372-403.
    """
    columns = ["group", "term", "count", "log_odds", "z"]
    if outlet_col is not None and outlet_col not in segments.columns:
        outlet_col = None
    _check_columns(segments, [group_col, text_col], "segments")
    docs = _documents(segments, group_col, outlet_col, text_col)
    if docs.empty:
        return pd.DataFrame(columns=columns)
    stop = frozenset(stopwords)

    def analyzer(text: str) -> list[str]:
        return tokenize_terms(text, ngrams, stop, debris)

    texts = _drop_repeated(docs, repeated).tolist()
    x, terms = _term_matrix(texts, analyzer, min_df=max(1, min(min_articles, 2)))
    if x.shape[1] == 0:
        return pd.DataFrame(columns=columns)
    gcodes, groups = pd.factorize(docs[group_col], sort=True)
    g_ind = _indicator(gcodes, len(groups))
    counts = (g_ind @ x).tocsr()  # groups x terms
    present = x.copy()
    present.data[:] = 1
    articles = (g_ind @ present).tocsr()
    pair_codes, pair_keys = pd.factorize(
        pd.MultiIndex.from_arrays([gcodes, docs["_outlet"].astype(str)]), sort=True
    )
    pair_ind = _indicator(pair_codes, len(pair_keys))
    pair_counts = (pair_ind @ x).tocsr()
    pair_present = pair_ind @ present
    pair_present.data[:] = 1
    pair_group = np.asarray([k[0] for k in pair_keys])
    outlets = (_indicator(pair_group, len(groups)) @ pair_present).tocsr()
    outlets_per_group = np.bincount(pair_group, minlength=len(groups))

    totals = np.asarray(counts.sum(axis=0)).ravel()
    alpha, alpha0 = _prior(prior, terms, totals, prior_size)
    n_total = float(totals.sum())
    group_tokens = np.asarray(counts.sum(axis=1)).ravel()
    frames = []
    for gi, name in enumerate(groups):
        row = counts.getrow(gi)
        cols, y_i = row.indices, row.data.astype(float)
        need_outlets = min(max(min_outlets, 1), int(outlets_per_group[gi]))
        n_art = articles.getrow(gi).toarray().ravel()[cols]
        n_out = outlets.getrow(gi).toarray().ravel()[cols]
        ok = (y_i >= min_count) & (n_art >= min_articles) & (n_out >= need_outlets)
        if outlets_per_group[gi] >= 2 and max_outlet_share < 1:
            top_outlet = pair_counts[pair_group == gi].max(axis=0).toarray().ravel()[cols]
            ok &= top_outlet <= max_outlet_share * y_i
        cols, y_i = cols[ok], y_i[ok]
        if not len(cols):
            continue
        n_i = group_tokens[gi]
        delta, z = log_odds_dirichlet(
            y_i, n_i, totals[cols] - y_i, n_total - n_i, alpha[cols], alpha0
        )
        frame = pd.DataFrame(
            {
                "group": name,
                "term": terms[cols],
                "count": y_i.astype(int),
                "log_odds": delta,
                "z": z,
            }
        )
        frame = frame.sort_values(["z", "term"], ascending=[False, True], kind="stable")
        if subsumed is not None:
            frame = frame[~_subsumed_terms(frame["term"], frame["count"], subsumed)]
        frames.append(frame.head(top) if top is not None else frame)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


# ---------------------------------------------------------------------------- actor labels

_SENTENCE_RE = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+|\n+")


def _term_pattern(term: str) -> str:
    """Regex for a lexicon term: words separated by any non-word run; ``stem*`` matches
    any ending."""
    term = term.strip().lower().translate(_APOSTROPHES)
    stem = term.endswith("*")
    words = [re.escape(w) for w in re.split(r"\s+", term.rstrip("*").strip()) if w]
    body = r"[\W_]+".join(words)
    return rf"\b{body}\w*" if stem else rf"\b{body}\b"


def _label_variants(label: str) -> list[str]:
    """A bare label and its simple singular or plural (``militants`` <-> ``militant``)."""
    label = label.strip().lower()
    if label.endswith("*") or " " in label:
        return [label]
    other = label[:-1] if label.endswith("s") and len(label) > 3 else label + "s"
    return [label, other]


def _normalize_actor_map(actor_map: Mapping[str, Any]) -> dict[str, dict]:
    """``{actor: {"names": [...], "labels": {label: [terms]}}}`` from either form."""
    out = {}
    for actor, spec in actor_map.items():
        if isinstance(spec, Mapping):
            names = list(spec.get("names") or [])
            labels = spec.get("labels") or {}
            if not isinstance(labels, Mapping):
                labels = {lab: _label_variants(lab) for lab in labels}
            labels = {lab: [t] if isinstance(t, str) else list(t) for lab, t in labels.items()}
        else:
            names = [str(actor).replace("_", " ")]
            labels = {lab: _label_variants(lab) for lab in spec}
        if not labels:
            raise ValueError(f"actor {actor!r} has no labels")
        out[str(actor)] = {"names": names, "labels": labels}
    return out


def _compile_actors(spec: dict[str, dict]) -> dict[str, dict]:
    compiled = {}
    for actor, s in spec.items():
        name_re = re.compile("|".join(_term_pattern(t) for t in s["names"])) if s["names"] else None
        terms = [(t, lab) for lab, ts in s["labels"].items() for t in ts]
        # longest term first, so "terror group" counts once, as terrorists, not also as group
        terms.sort(key=lambda tl: (-len(tl[0].rstrip("*")), tl[0]))
        label_re = re.compile(
            "|".join(f"(?P<t{k}>{_term_pattern(t)})" for k, (t, _) in enumerate(terms))
        )
        compiled[actor] = {
            "names": name_re,
            "labels": label_re,
            "label_of": {f"t{k}": lab for k, (_, lab) in enumerate(terms)},
            "order": list(s["labels"]),
        }
    for actor, c in compiled.items():
        others = [o["names"].pattern for a, o in compiled.items() if a != actor and o["names"]]
        c["other_names"] = re.compile("|".join(others)) if others else None
    return compiled


def _count_labels(
    text: str, compiled: dict[str, dict], scope: str, any_re: re.Pattern | None
) -> Counter:
    counts: Counter = Counter()
    text = text.translate(_APOSTROPHES).lower()
    if any_re is not None and not any_re.search(text):
        return counts  # no actor named and every actor has names: nothing can count
    units = _SENTENCE_RE.split(text) if scope == "sentence" else [text]
    for unit in units:
        for actor, c in compiled.items():
            if c["names"] is not None and not c["names"].search(unit):
                continue
            masked = c["other_names"].sub(" | ", unit) if c["other_names"] is not None else unit
            for m in c["labels"].finditer(masked):
                counts[(actor, c["label_of"][m.lastgroup])] += 1
    return counts


def actor_label_preferences(
    segments: pd.DataFrame,
    group_col: str,
    actor_map: Mapping[str, Any],
    scope: Literal["sentence", "segment"] = "sentence",
    prior_size: float | None = None,
    text_col: str = "text",
) -> pd.DataFrame:
    """Which label each group uses for the same actor ("Taliban militants" vs "fighters").

    Parameters
    ----------
    segments : DataFrame
        Segment texts with ``group_col`` and ``text_col`` (voice ``page`` dropped).
    group_col : str
        Groups to compare (``"lean"``, ``"outlet"``, ``"voice"``).
    actor_map : mapping
        ``{"taliban": ["militants", "insurgents", "fighters", ...]}``: the actor is
        identified by its key (underscores as spaces, ``"us_military"`` -> "us military")
        and each label matches itself and its simple singular/plural. Or the format of
        ``analysis/lexicons/actors.yaml``: ``{"taliban": {"names": [...], "labels":
        {"militants": ["militant", "militants"], ...}}}`` (an actor without names is
        identified by its labels alone). Terms are case-insensitive words or phrases;
        ``stem*`` matches any ending.
    scope : {"sentence", "segment"}, default "sentence"
        Counting rule: a label occurrence counts for an actor only when one of the actor's
        names occurs in the same sentence (``"sentence"``; sentences end at ``. ! ? …``
        followed by white space, and at line breaks) or anywhere in the same segment
        (``"segment"``). Occurrences inside another actor's name do not count ("forces" in
        "Afghan government forces" when ``afghan_government`` is an actor with that name);
        overlapping terms of one actor count once, for the longest term.
    prior_size : float, optional
        Weight of the Dirichlet prior for the z-scores; default the actor's total label
        count (the prior is the labels' corpus distribution).

    Returns
    -------
    DataFrame
        ``[group, actor, label, count, share, log_odds, z]``, every (group, actor, label)
        combination: ``share`` is the label's share of the actor's label occurrences in
        the group (NaN if the group never labels the actor); ``log_odds`` and ``z`` compare
        the group with all other groups within the actor's labels (Monroe et al. 2008,
        eq. 22; NaN for a group without occurrences). Sorted by actor, group, z descending.

    References
    ----------
    .. [1] Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words. Political
       Analysis 16(4), 372-403.
    .. [2] Entman, R. M. (1993). Framing: Toward clarification of a fractured paradigm.
       Journal of Communication 43(4), 51-58.
    """
    if scope not in ("sentence", "segment"):
        raise ValueError(f"scope must be 'sentence' or 'segment', got {scope!r}")
    columns = ["group", "actor", "label", "count", "share", "log_odds", "z"]
    _check_columns(segments, [group_col, text_col], "segments")
    spec = _normalize_actor_map(actor_map)
    compiled = _compile_actors(spec)
    seg = _measured_segments(segments, text_col)
    seg = seg[seg[group_col].notna()]
    groups = sorted(pd.unique(seg[group_col]), key=lambda v: (str(type(v)), v))
    totals: dict[Hashable, Counter] = {g: Counter() for g in groups}
    named = [c["names"].pattern for c in compiled.values() if c["names"] is not None]
    any_re = re.compile("|".join(named)) if len(named) == len(compiled) else None
    for g, text in zip(seg[group_col], seg[text_col], strict=True):
        if isinstance(text, str) and text:
            totals[g].update(_count_labels(text, compiled, scope, any_re))
    frames = []
    for actor, c in compiled.items():
        labels = c["order"]
        y = np.array([[totals[g][(actor, lab)] for lab in labels] for g in groups], dtype=float)
        y = y.reshape(len(groups), len(labels))
        corpus = y.sum(axis=0)
        n = float(corpus.sum())
        size = float(prior_size) if prior_size is not None else max(n, 1.0)
        alpha = size * (corpus + 0.01) / (corpus + 0.01).sum()
        for gi, g in enumerate(groups):
            n_i = y[gi].sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                share = y[gi] / n_i if n_i > 0 else np.full(len(labels), np.nan)
            delta, z = log_odds_dirichlet(y[gi], n_i, corpus - y[gi], n - n_i, alpha, size)
            if n_i == 0:
                delta = z = np.full(len(labels), np.nan)
            frames.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "actor": actor,
                        "label": labels,
                        "count": y[gi].astype(int),
                        "share": share,
                        "log_odds": delta,
                        "z": z,
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    out["_neg_z"] = -out["z"]
    out = _sort_frame(out, ["actor", "group", "_neg_z", "label"])
    return out.drop(columns="_neg_z")


# ------------------------------------------------------------------------ voice decomposition


def voice_decomposition(
    table: pd.DataFrame,
    group: str,
    features: Sequence[str],
    weight: str | None = "n_chars",
    voices: Sequence[str] = ("outlet", "quoted", "social"),
) -> pd.DataFrame:
    """How much of each feature's total sits in each voice, per group.

    The *mass* of a feature in a voice is ``sum(value * weight)`` over the group's
    articles (``weight="n_chars"``: a rate per token times the voice's length is an
    amount, so a long quote with a low rate can outweigh a short post with a high one) or
    ``sum(value)`` (``weight=None``: the feature is already a count per article and voice).
    The *share* is mass / the group's total mass over the voices, so shares add up to 1
    per group and feature. ``feature="n_chars"`` (or the weight column) gives the share of
    text, the baseline to read the other shares against.

    Parameters
    ----------
    table : DataFrame
        Article x voice table with ``group``, ``voice``, the features and ``weight``.
    group : str
        ``"outlet"``, ``"lean"`` or any column; ``"article_id"`` for one article.
    features : list of str
        Non-negative features (counts, rates, probabilities); negative values (a sentiment
        score) have no "amount" and raise ValueError. NaN counts as 0.
    weight : str or None, default "n_chars"
    voices : list of str
        Voices in output order; other voices (``page``) are ignored.

    Returns
    -------
    DataFrame
        ``[group, feature, voice, mass, share, n_articles, n_with]`` (the group column
        keeps its name), one row per group, feature and voice (zeros included), sorted by
        group, feature and the order of ``voices``. ``share`` is NaN where the group's total
        is 0; ``n_articles`` counts the group's articles with any row, ``n_with`` those with
        any mass of the feature (in any of the voices): a share that rests on two articles
        is read differently from one over two hundred.
    """
    features = list(features)
    need = [group, "voice", *[f for f in features if f != weight]]
    if weight is not None:
        need.append(weight)
    _check_columns(table, need)
    voices = list(voices)
    t = rows_where(table, table["voice"].isin(voices))
    w = (
        pd.to_numeric(t[weight], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        if weight is not None
        else np.ones(len(t))
    )
    cols = {}
    for f in features:
        if f == weight:
            v = w.copy()
        else:
            v = pd.to_numeric(t[f], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if (v < 0).any():
                raise ValueError(
                    f"voice_decomposition needs non-negative features; {f!r} has negative "
                    "values (compare its means per voice with bootstrap_means instead)"
                )
            v = np.nan_to_num(v, nan=0.0, posinf=0.0) * w
        cols[f] = v
    mass = pd.DataFrame(cols, index=t.index)
    mass[group] = t[group].array
    mass["voice"] = t["voice"].array
    summed = mass.groupby([group, "voice"], sort=True, observed=True)[features].sum()
    keys = sorted(pd.unique(t[group].dropna()), key=lambda v: (str(type(v)), v))
    full = pd.MultiIndex.from_product([keys, voices], names=[group, "voice"])
    summed = summed.reindex(full, fill_value=0.0)
    long = summed.stack().rename("mass").reset_index()
    long = long.rename(columns={long.columns[2]: "feature"})
    total = long.groupby([group, "feature"])["mass"].transform("sum")
    long["share"] = long["mass"] / total.where(total > 0)
    # articles per group, and per group and feature those with any mass of it, counted on
    # integer codes computed once (without article ids, each row is an article)
    gcodes, names = pd.factorize(t[group], sort=True)
    ids = value_codes(t["article_id"]) if "article_id" in t.columns else np.arange(len(t))

    def per_group(codes: np.ndarray) -> pd.Series:
        return pd.Series(_distinct_per_code(codes, ids, len(names)), index=names)

    long["n_articles"] = long[group].map(per_group(gcodes)).fillna(0).astype(int)
    with_mass = {f: per_group(np.where(v > 0, gcodes, -1)) for f, v in cols.items()}
    long["n_with"] = [
        int(with_mass[f].get(g, 0)) for g, f in zip(long[group], long["feature"], strict=True)
    ]
    long["_f"] = long["feature"].map({f: i for i, f in enumerate(features)})
    long["_v"] = long["voice"].map({v: i for i, v in enumerate(voices)})
    long = _sort_frame(long, [group, "_f", "_v"]).drop(columns=["_f", "_v"])
    return long[[group, "feature", "voice", "mass", "share", "n_articles", "n_with"]]

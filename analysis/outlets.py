"""The comparison stage of a run: outlet and lean statistics, their figures and report text.

Reads the per-chunk article x voice tables of a run (small), computes with
:mod:`analysis.compare` and draws with :mod:`analysis.plots`. Driven by ``cfg.compare``
(``configs/compare/*.yaml``); returns the files written and the report sections.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml
from omegaconf import DictConfig, OmegaConf

from analysis import compare as S
from analysis.corpora import LEANS
from analysis.errors import ConfigError
from analysis.glossary import glossary_markdown
from analysis.plots import (
    feature_label,
    feature_unit,
    figure_markdown,
    paper_style,
    plot_article_vs_distribution,
    plot_distinctive_words,
    plot_forest,
    plot_frame_composition,
    plot_heatmap,
    plot_voice_decomposition,
    save_figure,
)

LEXICONS = Path(__file__).resolve().parent / "lexicons"
log = logging.getLogger("framelens")


def _write(table: pd.DataFrame, path: Path) -> Path:
    from analysis.pipeline import write_csv

    return write_csv(table, path)


def _pick(features: list[str], which: Any) -> list[str]:
    """The features a figure family is drawn for: the first ``which`` of ``features`` (an
    int), or the names listed (those among ``features``)."""
    if isinstance(which, (int, float, str)):
        return features[: int(which)]
    return [f for f in which if f in features]


def voice_plot_features(features: list[str], paired: pd.DataFrame | None, which: Any) -> list[str]:
    """The panels of the voice-differences figure: the first ``which`` features (an int)
    whose voices differ in some outlet at all, since a cue no article uses in either voice
    draws an empty panel; or the features listed, as given."""
    if isinstance(which, (int, float, str)) and paired is not None:
        moving = set(paired.loc[paired["mean_diff"].fillna(0) != 0, "feature"])
        features = [f for f in features if f in moving]
    return _pick(features, which)


def compare_stage(cfg: DictConfig, out: Path, work: Path) -> tuple[list[Path], list[str]]:
    """Statistics, figures and report lines for the run's article x voice table."""
    from analysis.pipeline import read_parts

    ccfg = OmegaConf.to_container(cfg.compare, resolve=True)
    names = _table_columns(work)
    needed, frames = _needed_columns(names, ccfg)
    t0 = time.perf_counter()
    av = read_parts(work, "article_voice", needed)
    if av.empty:
        return [], []

    def step(what: str) -> None:
        """Between steps: say where a long stage is, and hand the pages Arrow's pool kept
        from the last step (pandas groups and encodes strings through Arrow) back to the
        system, so numpy's arrays of the next step do not stack on top of them."""
        pa.default_memory_pool().release_unused()
        log.info("comparison: %s (%.0f s)", what, time.perf_counter() - t0)

    step(f"read {len(av):,} article x voice rows; bootstrap means per outlet and lean")
    av["lean"] = av["lean"].fillna("unknown")
    files: list[Path] = []
    lines: list[str] = ["## Comparisons", ""]
    fig_dir = out / "figures"
    formats = list(cfg.plot.get("formats", ["png"]))
    dpi = int(cfg.plot.get("dpi", 200))
    seed = int(cfg.seed)
    n_boot = int(ccfg.get("n_boot", 1000))
    highlight = ccfg.get("highlight_article")
    features = [f for f in ccfg.get("features", []) if f in av.columns]
    if not features:
        features = S.feature_columns(av)[:12]
    absent = absent_features(ccfg, names)
    if absent:
        log.warning("comparison: %s", absent)
        lines += [f"Note: {absent}", ""]
    skipped = not_computed(ccfg, names)
    if skipped:
        log.info("comparison: %s", skipped)
        lines += [f"Note: {skipped}.", ""]

    # the highlighted article's rows on their own, the rest as the reference corpus; the
    # full table is not kept beside the reference (on a large corpus, two copies of it)
    own = av[av["article_id"] == highlight].copy() if highlight else av.iloc[:0]
    if highlight and own.empty:
        missing = (
            f"compare.highlight_article={highlight!r} is not an article of this run (or it "
            "has no measured text), so no article is placed against the outlets"
        )
        log.warning("comparison: %s", missing)
        lines += [f"Note: {missing}.", ""]
    reference = S.rows_where(av, av["article_id"] != highlight) if len(own) else av
    columns = list(av.columns)
    del av

    # outlets: the largest ones with enough articles
    per_outlet = S.articles_per(reference, "outlet").sort_values(ascending=False)
    per_outlet = per_outlet[per_outlet >= int(ccfg.get("min_articles", 20))]
    top = per_outlet.head(int(ccfg.get("top_outlets", 12))).index.tolist()
    # the rows of those outlets, as a mask: each statistic below takes only the columns it
    # uses (a copy of these rows with every column was most of the table on a large corpus)
    in_top = reference["outlet"].isin(top).to_numpy()
    present = set(reference["lean"].unique())  # not set(column): millions of str objects
    leans = [x for x in LEANS if x in present]
    by_lean_table = S.rows_where(reference, reference["lean"].isin(leans))
    other_leans = sorted(present - {*LEANS, "unknown"})
    if other_leans:
        # e.g. AllSides' "Lean Right" or a corpus's own scheme: not guessed into the three
        arts = reference.drop_duplicates("article_id")["lean"].value_counts()
        counts = {v: int(arts.get(v, 0)) for v in other_leans}
        shown = ", ".join(
            f"{v!r} ({n:,} article{'s' if n != 1 else ''})" for v, n in list(counts.items())[:8]
        )
        note = (
            f"lean values other than left, center and right are left out of the lean "
            f"comparisons: {shown}; to count one as one of the three, map it, e.g. "
            + lean_map_hint(cfg, other_leans)
        )
        log.warning("comparison: %s", note)
        lines += [f"Note: {note[0].upper()}{note[1:]}.", ""]

    # 1. means with bootstrap CIs, per outlet x voice and per lean x voice
    # every outlet's interval is its own (seeded by its key), so computing them all over the
    # reference corpus and keeping the top outlets gives what the top outlets' rows alone give
    outlet_means = S.bootstrap_means(reference, ["outlet", "voice"], features, n_boot, seed=seed)
    outlet_means = outlet_means[outlet_means["outlet"].isin(top)].reset_index(drop=True)
    lean_of, mixed = outlet_leans(reference)
    outlet_means.insert(1, "lean", outlet_means["outlet"].map(lean_of))
    if mixed:
        log.warning("comparison: %s", mixed)
        lines += [f"Note: {mixed}", ""]
    lean_means = lean_bootstrap_means(by_lean_table, features, n_boot, seed)
    files.append(_write(outlet_means, out / "outlet_voice_means.csv"))
    files.append(_write(lean_means, out / "lean_voice_means.csv"))
    min_articles = int(ccfg.get("min_articles", 20))
    compared = (
        (
            f"Outlets compared: the {len(top)} largest with at least {min_articles} articles"
            if len(top) > 1
            else f"Outlet compared: the only one with at least {min_articles} articles"
        )
        if top
        else f"No outlet has {min_articles} articles or more, so the per-outlet tables are empty "
        "and their figures left out (set compare.min_articles lower for smaller outlets)"
    )
    lines += [
        f"{compared}; leans: {', '.join(leans) or 'none'}. Each article's value in a voice "
        "is the character-weighted mean of its segments; outlet and lean means are plain "
        f"means over articles, with 95% percentile intervals from {n_boot} seeded bootstrap "
        "resamples: of an outlet's articles for an outlet, of a lean's outlets (each with "
        "all its articles) for a lean, since an outlet's articles share its editing and "
        "sources and are not independent draws of its lean: `outlet_voice_means.csv`, "
        "`lean_voice_means.csv`.",
        "",
    ]

    step("pairwise lean tests")
    # 2. pairwise tests between leans, per voice, BH-corrected across all of them
    if len(leans) >= 2:
        lean_tests = functools.partial(
            S.pairwise_tests, group="lean", features=features, method="mannwhitney", by="voice",
            reachable_only=True,
        )  # fmt: skip
        tests = lean_tests(by_lean_table)
        # the same tests with outlets as the unit: lean is a property of the outlet
        min_units = int(ccfg.get("outlet_test_min_articles", 5))
        per_outlet = S.cluster_means(
            by_lean_table, ["voice", "lean", "outlet"], features, min_articles=min_units
        )
        tests = with_outlet_tests(tests, lean_tests(per_outlet))
        files.append(_write(tests, out / "lean_pairwise_tests.csv"))
        lines += lean_tests_markdown(tests, min_units=min_units)

    step("lean models")
    # 3. mixed-effects model of lean with outlet as grouping factor, topic as covariate
    model_rows = []
    model_features = [f for f in ccfg.get("model_features", []) if f in columns]
    model_columns = ["article_id", "outlet", "lean", "topic", *model_features]
    outlet_voice, sampled = model_sample(
        by_lean_table.loc[
            by_lean_table["voice"] == "outlet",
            [c for c in dict.fromkeys(model_columns) if c in columns],
        ],
        "outlet",
        ccfg.get("model_max_rows"),
        seed,
    )
    if len(leans) >= 2 and "center" in leans:
        for feat in model_features:
            try:
                model_rows.append(S.lean_model(outlet_voice, feat))
            except Exception as exc:  # a model that cannot be fitted is reported, not fatal
                model_rows.append(pd.DataFrame({"feature": [feat], "note": [f"not fitted: {exc}"]}))
        if model_rows:
            models = S.adjust_lean_effects(pd.concat(model_rows, ignore_index=True))
            files.append(_write(models, out / "lean_models.csv"))
            lines += [
                "Regression of each model feature on lean (reference: center) in the outlet's own "
                "prose, outlet as random intercept, topic as covariate (statsmodels MixedLM; "
                "OLS with outlet-clustered errors when it cannot be fitted) — `lean_models.csv`. "
                "p (BH): Benjamini-Hochberg across all lean effects in the table. "
                "`var(outlet)` is the between-outlet variance in the feature's units, "
                "`icc(outlet)` its share of the total variance; a note says 'at the boundary "
                "(0)' only when that share is below one in a million."
                + (f" {sampled}" if sampled else "")
                + _few_outlets_caveat(outlet_voice),
                "",
                *lean_effects_markdown(models),
            ]

    omnibus = None
    if ccfg.get("outlet_tests", True) and len(top) >= 2:
        step("tests between outlets")
        # 4. do the outlets compared differ? One rank test across them per voice and feature
        # (also with topic held fixed), then every pair of them where they do; each family
        # BH-corrected on its own. The other outlets' rows are left out by a missing outlet
        # label, not by selecting rows: a selection copies them (+300 MB at a million
        # articles), while pandas' copy-on-write shares the unchanged columns with `reference`
        cols = [c for c in dict.fromkeys(["voice", "topic", *features]) if c in columns]
        table = reference[cols].assign(outlet=reference["outlet"].where(in_top))
        omnibus = S.omnibus_tests(table, "outlet", features, by="voice")
        pairs = S.posthoc_tests(table, "outlet", omnibus)
        adjusted, sampled = topic_adjusted_tests(table, features, ccfg, seed)
        del table
        omnibus = with_topic_tests(omnibus, adjusted)
        files.append(_write(omnibus, out / "outlet_tests.csv"))
        files.append(_write(pairs, out / "outlet_pairwise_tests.csv"))
        lines += outlet_tests_markdown(omnibus, pairs, sampled=sampled)

    voice_spec = dict(ccfg.get("voice_tests") or {})
    paired = None
    if voice_spec.get("enabled", True):
        step("voices of the same articles")
        # 5. where does it sit: the quoted people against the outlet's own prose, article by
        # article (topic, outlet and story held fixed), then outlet by outlet (the unit)
        paired, sampled = voice_tests(reference, features, leans, voice_spec, seed, n_boot)
        if len(paired):
            files.append(_write(paired, out / "voice_tests.csv"))
            lines += voice_tests_markdown(paired, sampled=sampled)

    step("figures")
    # 6. figures
    figs: list[tuple[str, str]] = []
    with paper_style():
        heat = outlet_means[outlet_means["voice"] == "outlet"]
        if len(heat):
            rows = in_top & (reference["voice"] == "outlet").to_numpy()
            sparse_share = float(ccfg.get("heatmap_sparse_share", 0.05))
            sparse = sparse_features(reference, features, sparse_share, rows)
            # a feature no article shown carries is a column of zeros: named, not drawn
            absent = [f for f, (k, _) in sparse.items() if k == 0]
            sparse = {f: kn for f, kn in sparse.items() if f not in absent}
            heat = heat[~heat["feature"].isin(absent)]
            notes = {f: f"({k:,} of {n:,} articles)" for f, (k, n) in sparse.items()}
            ax = plot_heatmap(heat, row="outlet", col="feature", zscore=True, col_notes=notes)
            files += save_figure(ax.figure, fig_dir, "outlet_heatmap", heat, formats, dpi)
            figs.append(
                (
                    "outlet_heatmap",
                    "Outlet x feature in the outlets' own prose (colour: distance from the median outlet in standard deviations, within each feature; numbers: raw means; pale cells: the outlet's 95% bootstrap interval includes the median of the outlets shown)."
                    + (
                        " A feature that fewer than "
                        f"{sparse_share:.0%} of the articles shown "
                        "carry at all says in its label how many do: its z-scores rest on those "
                        "few articles."
                        if sparse
                        else ""
                    )
                    + _absent_note(absent, "articles shown"),
                )
            )
        for feat in _pick(features, ccfg.get("forest_features", 3)):
            data = outlet_means[
                (outlet_means["feature"] == feat) & (outlet_means["voice"] == "outlet")
            ]
            if len(data):
                ax = plot_forest(data, group="outlet", feature=feat, color_by="lean")
                name = f"forest_outlet_{feat}"
                files += save_figure(ax.figure, fig_dir, name, data, formats, dpi)
                figs.append(
                    (
                        name,
                        f"`{feat}` in the outlets' own prose: mean and 95% bootstrap CI per outlet."
                        + outlet_test_caption(omnibus, "outlet", feat),
                    )
                )
        for feat in _pick(features, ccfg.get("lean_forest_features", 1)):
            data = lean_means[lean_means["feature"] == feat]
            if len(data):
                ax = plot_forest(
                    data, group="lean", feature=feat, color_by="lean", hue="voice",
                    ci_label="95% bootstrap CI over outlets",
                )  # fmt: skip
                name = f"forest_lean_{feat}"
                files += save_figure(ax.figure, fig_dir, name, data, formats, dpi)
                figs.append(
                    (
                        name,
                        f"`{feat}` by lean and voice (colour and marker): mean over articles "
                        "and 95% bootstrap CI over outlets (each resampled with all its "
                        "articles); beside each point the articles and outlets it rests on.",
                    )
                )
        plotted = voice_plot_features(features, paired, voice_spec.get("plot_features", 6))
        # only rows with an outlet mean to draw: too few articles with both voices per
        # outlet (a small corpus) leaves every panel empty
        drawable = (
            paired is not None
            and (paired["feature"].isin(plotted) & paired["mean_diff"].notna()).any()
        )
        if drawable:
            fig, data = plot_voice_differences(paired, plotted)
            files += save_figure(fig, fig_dir, "voice_differences", data, formats, dpi)
            a, b = paired["voice_a"].iloc[0], paired["voice_b"].iloc[0]
            figs.append(
                (
                    "voice_differences",
                    f"Where it sits: each article's {a} voice minus its {b} voice, averaged per "
                    "outlet over its articles with both; mean over the outlets and 95% "
                    "bootstrap CI over outlets, per lean; filled markers are significant "
                    "(Wilcoxon signed-rank over outlets, BH; every test in `voice_tests.csv`)."
                    + rank_mean_disagreements(paired, plotted),
                )
            )
        if frames and in_top.any():
            # the frame shares are read here, for the rows drawn only: with every row of the
            # table they were most of its columns
            shares = read_parts(
                work, "article_voice", ["article_id", "outlet", "n_chars", *frames],
                filters=[("voice", "==", "outlet"), ("outlet", "in", top)],
            )  # fmt: skip
            shares = shares[shares["article_id"] != highlight] if highlight else shares
            comp = frame_composition(shares, frames)
            comp["n"] = comp["outlet"].map(shares.groupby("outlet")["article_id"].nunique())
            del shares
            ax = plot_frame_composition(comp, group="outlet", frame_col="frame", value="share")
            files += save_figure(ax.figure, fig_dir, "frame_composition", comp, formats, dpi)
            figs.append(
                (
                    "frame_composition",
                    "Generic policy frames (Media Frames Corpus categories, Boydstun et al. 2014; lexicon hits) as shares of each outlet's frame vocabulary in its own prose; n = the outlet's articles.",
                )
            )
        decomp_feats = [f for f in ccfg.get("voice_features", []) if f in columns]
        # a measure no article of the outlets shown has would be a panel of empty bars
        carried = sparse_features(reference, decomp_feats, 1e-12, in_top)
        absent_voice = [f for f, (k, _) in carried.items() if k == 0]
        decomp_feats = [f for f in decomp_feats if f not in absent_voice]
        if decomp_feats and in_top.any():
            used = ["article_id", "outlet", "voice", *dict.fromkeys(["n_chars", *decomp_feats])]
            table, pinned = reference.loc[in_top, used], []
            if len(own):
                # the worked example on its own row, above the outlets it is compared with
                pinned = [f"{own['outlet'].iloc[0]}: worked example"]
                table = pd.concat([own[used].assign(outlet=pinned[0]), table], ignore_index=True)
            counts = [f for f in decomp_feats if feature_unit(f) == "hits per segment"]
            rates = [f for f in decomp_feats if f not in counts]
            decomp = S.voice_decomposition(table, "outlet", ["n_chars", *rates])
            if counts:
                hits = voice_hit_counts(work, table[["article_id", "outlet"]], counts)
                decomp = pd.concat(
                    [decomp, S.voice_decomposition(hits, "outlet", counts, weight=None)],
                    ignore_index=True,
                )
                rank = {f: i for i, f in enumerate(["n_chars", *decomp_feats])}
                decomp = decomp.sort_values(
                    ["outlet", "feature"],
                    key=lambda c: c.map(rank) if c.name == "feature" else c,
                    kind="stable",
                ).reset_index(drop=True)
            fig = plot_voice_decomposition(
                table, group="outlet", features=decomp_feats, pin_first=pinned,
                decomposition=decomp,
            )  # fmt: skip
            files += save_figure(fig, fig_dir, "voice_decomposition", decomp, formats, dpi)
            figs.append(
                (
                    "voice_decomposition",
                    "Where each measure lives: share of its total in the outlet's prose, in quotes and in embedded posts, per outlet (a rate per 1,000 tokens times the voice's length; a count per segment summed over the voice's segments); the small number right of a bar counts the articles with any of that measure, i.e. how many the shares rest on; pale hatched bars rest on fewer than 10."
                    + _absent_note(absent_voice, "articles of the outlets shown"),
                )
            )
        if len(own):
            dist_feats = [f for f in ccfg.get("highlight_features", features) if f in columns]
            shown = ["article_id", "outlet", "voice", *dict.fromkeys(dist_feats)]
            among, among_text = highlight_reference(reference, ccfg.get("highlight_reference"))
            for voice in ("outlet", "social"):
                row = own[own["voice"] == voice]
                if row.empty:
                    continue
                dist = reference.loc[
                    in_top & among & (reference["voice"] == voice).to_numpy(), shown
                ]
                if dist.empty:
                    lines += [
                        f"No article among {among_text} has a {voice} voice in the outlets "
                        f"shown, so the worked example's {voice} voice has no figure.",
                        "",
                    ]
                    continue
                data = pd.concat([dist, row[shown]])
                fig = plot_article_vs_distribution(
                    data, row.iloc[0], dist_feats, group="outlet",
                    article_group=row.iloc[0]["outlet"], article_label=f"worked example ({voice} voice)",
                )  # fmt: skip
                name = f"article_vs_outlets_{voice}"
                files += save_figure(
                    fig,
                    fig_dir,
                    name,
                    data,
                    formats,
                    dpi,
                )
                figs.append(
                    (
                        name,
                        f"The worked example's {voice} voice (dashed line) against each "
                        f"compared outlet's distribution of {voice}-voice values among "
                        f"{among_text}: the {dist['article_id'].nunique():,} of them with a "
                        f"{voice} voice in the {dist['outlet'].nunique()} outlets shown (10-90 "
                        "and 25-75 percentile bands and median for outlets with 10 articles or "
                        "more; fewer are drawn as single dots); `highlight_places.csv` places "
                        "the article among all of them, other outlets too.",
                    )
                )
            files.append(
                _write(
                    own[["article_id", "outlet", "voice", "n_chars", *features]],
                    out / "highlight_article.csv",
                )
            )
            places = highlight_places(own, reference.loc[among], dist_feats)
            files.append(_write(places, out / "highlight_places.csv"))
            lines += highlight_markdown(places, own["outlet"].iloc[0], among_text)
    # the article x voice tables are done with: free them before the segment texts are read
    del own, reference, by_lean_table, outlet_voice
    step("distinctive words and actor labels")
    files += _words_and_actors(cfg, ccfg, out, work, fig_dir, formats, dpi, figs, lines)
    step("done")
    lines += ["### Figures", ""]
    lines += figure_markdown(figs)
    glossed = [*features, *model_features, *(ccfg.get("voice_features") or [])]
    glossed += (ccfg.get("highlight_features") or []) if highlight else []
    lines += glossary_markdown(
        [f for f in glossed if f in columns],
        ["voice", "bootstrap CI", "BH, p (BH)", "Tarone 1990", "Cliff's delta", "epsilon²",
         "rank-biserial r", "var(outlet), icc(outlet)"],
        used_in="\n".join(lines),
    )  # fmt: skip
    return files, lines


def _absent_note(features: list[str], where: str) -> str:
    """A caption's sentence on the features left out of a figure for being zero throughout."""
    if not features:
        return ""
    names = ", ".join(feature_label(f, unit=False) for f in features)
    return f" Not drawn: {names} (none of the {where} has any)."


def sparse_features(
    table: pd.DataFrame, features: list[str], share: float, rows: np.ndarray | None = None
) -> dict[str, tuple[int, int]]:
    """Features that fewer than ``share`` of the table's rows (one per article; ``rows`` a
    boolean mask selecting them) carry at all, i.e. have a non-zero value, as ``{feature:
    (rows with it, rows)}``. Column by column: no copy of the rows.

    A column z-score makes one article's single hit look like a finding (full colour for
    the one outlet that has it); the heatmap says in such a column's label how many
    articles the colours rest on.
    """
    n = int(rows.sum()) if rows is not None else len(table)
    out = {}
    for f in features:
        values = table[f].to_numpy(dtype=float, na_value=0.0)  # missing: not carried
        k = int(np.count_nonzero(values[rows] if rows is not None else values))
        if n and k < share * n:
            out[str(f)] = (k, n)
    return out


#: Columns of the outlet-level tests in ``lean_pairwise_tests.csv`` (beside the article-level
#: ones), renamed from :func:`analysis.compare.pairwise_tests`'s.
OUTLET_TEST_COLUMNS = {
    "n_a": "n_outlets_a",
    "n_b": "n_outlets_b",
    "effect_size": "effect_size_outlets",
    "p_value": "p_value_outlets",
    "p_adj": "p_adj_outlets",
    "reject": "reject_outlets",
}


def outlet_leans(table: pd.DataFrame) -> tuple[pd.Series, str | None]:
    """Each outlet's lean, the one most of its articles carry, and a sentence naming the
    outlets whose articles carry more than one (merged desks, a corpus that rated an
    outlet twice) or None. Lean comparisons use each article's own lean; the outlet rows
    show this one."""
    arts = table.drop_duplicates("article_id")[["outlet", "lean"]]
    counts = arts.value_counts().rename("n").reset_index()
    counts = counts.sort_values(["outlet", "n", "lean"], ascending=[True, False, True])
    lean_of = counts.drop_duplicates("outlet").set_index("outlet")["lean"]
    per = counts.groupby("outlet")["lean"].nunique()
    several = per[per > 1].index.tolist()
    if not several:
        return lean_of, None
    sizes = counts.groupby("outlet")["n"].sum().loc[several].sort_values(ascending=False)
    shown = "; ".join(
        f"{o} ("
        + ", ".join(f"{r.lean} {r.n:,}" for r in counts[counts["outlet"] == o].itertuples())
        + ")"
        for o in sizes.index[:3]
    )
    return lean_of, (
        f"{len(several)} outlet{'s carry' if len(several) > 1 else ' carries'} articles of "
        f"more than one lean: {shown}. The lean comparisons use each article's own lean; "
        "the outlet tables show the lean most of its articles carry."
    )


def lean_map_hint(cfg: DictConfig, values: list[str]) -> str:
    """The override that maps a corpus's other lean values onto the three: the column the
    lean is read from, each value to the lean its name suggests (``Lean Left`` -> left; a
    value naming none or two of them, ``Left-Center``, gets the placeholder ``LEAN`` and a
    sentence asks the reader to choose: pasted unchanged, a guess would count the outlets
    on a side the reader never chose). A named corpus needs the ``+``."""
    from analysis.corpora import get_descriptor

    corpus = OmegaConf.to_container(cfg.corpus, resolve=True) if "corpus" in cfg else {}
    how = (corpus.get("fields") or {}).get("lean")
    if how is None and corpus.get("name") not in (None, "custom"):
        try:
            how = get_descriptor(corpus["name"]).table(corpus.get("table")).fields.get("lean")
        except Exception:  # a corpus config this code cannot resolve: the generic hint
            how = None
    column = how.get("column") if isinstance(how, dict) else how
    column = column if isinstance(column, str) and not column.startswith("@") else "COLUMN"

    def guess(value: str) -> str:
        low = value.lower()
        named = [lean for lean, stem in (("left", "left"), ("center", "cent"), ("right", "right"))
                 if stem in low]  # fmt: skip
        return named[0] if len(named) == 1 else "LEAN"

    pairs = ",".join(f"{v}:{guess(v)}" for v in values[:4])
    prefix = "+" if corpus.get("name") not in (None, "custom") else ""
    hint = f"'{prefix}corpus.fields.lean={{column:{column},map:{{{pairs}}}}}'"
    if "LEAN" in pairs:
        hint += " with each LEAN replaced by left, center or right"
    return hint


def lean_bootstrap_means(
    table: pd.DataFrame, features: list[str], n_boot: int, seed: int
) -> pd.DataFrame:
    """Each lean's mean per voice and feature over its articles, with a cluster-bootstrap
    interval that resamples the lean's **outlets** (each with all its articles): lean is a
    property of the outlet, and a lean's three largest outlets can hold most of its
    articles, so resampling articles gave intervals several times too narrow. Columns as
    :func:`analysis.compare.bootstrap_means`, with ``n_outlets`` (the resampled units) and
    ``n`` (articles with a value)."""
    means = S.bootstrap_means(
        table, ["lean", "voice"], features, n_boot, seed=seed, unit="outlet"
    ).rename(columns={"n": "n_outlets"})
    keys = [table["lean"], table["voice"]]
    counts = pd.concat(  # finite values, as bootstrap_means counts them; a column at a time
        {
            f: pd.Series(np.isfinite(table[f].to_numpy(dtype=float)), index=table.index)
            .groupby(keys, observed=True, dropna=False)
            .sum()
            for f in features
        },
        names=["feature"],
    )
    counts = counts.rename("n").reset_index()
    means = means.merge(counts, on=["lean", "voice", "feature"], how="left", validate="1:1")
    cols = ["lean", "voice", "feature", "n", "n_outlets", "mean", "ci_low", "ci_high"]
    return means[cols + [c for c in means.columns if c not in cols]]


#: Outlets below which the lean models' large-sample (Wald z) inference is flagged: lean is
#: a property of the outlet, so the outlets, not the articles, are its sample.
FEW_MODEL_OUTLETS = 30


def _few_outlets_caveat(rows: pd.DataFrame) -> str:
    """A sentence on how many outlets each lean of the lean models rests on, with a
    caution when there are fewer than :data:`FEW_MODEL_OUTLETS` in all."""
    per_lean = rows.groupby("lean", observed=True)["outlet"].nunique()
    per_lean = per_lean[[v for v in LEANS if v in per_lean.index]]
    total = int(rows.loc[rows["lean"].isin(LEANS), "outlet"].nunique())  # one may be in two
    counts = ", ".join(f"{v} {_outlets(int(k))}" for v, k in per_lean.items())
    text = f" The models rest on {total} outlets ({counts})"
    if total >= FEW_MODEL_OUTLETS:
        return text + "."
    return (
        text + ": the z tests and intervals are large-sample approximations that so few "
        "outlets do not support (lean is a property of the outlet, so the outlets are the "
        "sample). Read the lean effects as descriptive unless the outlet-level tests agree."
    )


def _outlets(k: int) -> str:
    return f"{k} outlet" if k == 1 else f"{k} outlets"


def with_outlet_tests(tests: pd.DataFrame, by_outlet: pd.DataFrame) -> pd.DataFrame:
    """The article-level lean tests with the outlet-level ones (same voice, feature and
    pair) as extra columns; a pair that has no outlet-level test gets NaN there."""
    keys = [c for c in tests.columns if c in ("voice", "feature", "group_a", "group_b")]
    right = by_outlet[[*keys, *OUTLET_TEST_COLUMNS]].rename(columns=OUTLET_TEST_COLUMNS)
    merged = tests.merge(right, on=keys, how="left", validate="one_to_one")
    merged["reject_outlets"] = merged["reject_outlets"].astype("boolean").fillna(False)
    return merged


def lean_tests_markdown(tests: pd.DataFrame, top: int = 8, min_units: int = 5) -> list[str]:
    """The report's paragraph on :func:`analysis.compare.pairwise_tests` between leans: how
    many are significant after Benjamini-Hochberg, with articles and (columns of
    :func:`with_outlet_tests`) with outlets as the unit, and the ``top`` of them by effect
    size with the articles each side rests on (a large Cliff's delta from 20 embedded posts
    reads differently from one over a thousand articles of prose)."""
    sig = tests[tests["reject"].fillna(False).astype(bool)]
    outlets = "p_adj_outlets" in tests.columns
    both = int(sig["reject_outlets"].fillna(False).astype(bool).sum()) if outlets else 0
    outlet_part = ""
    if outlets:
        tested = int(tests["p_value_outlets"].notna().sum())
        family = int(tests["p_adj_outlets"].notna().sum())
        outlet_part = (
            f"; {both} of them also with outlets as the unit (each outlet's mean, outlets "
            f"with at least {min_units} articles in that voice; Benjamini-Hochberg across "
            f"the {family} outlet-level tests"
            + (
                f" that can reach p < 0.05 at all: the other {tested - family}, with too few "
                "outlets a side (two against five cannot go below p = 0.095), are left out "
                "of the correction, Tarone 1990"
                if tested > family
                else ""
            )
            + "). Lean is a property of the outlet, so the articles of one outlet are not "
            "independent evidence about it: read the outlet-level column first"
        )
    lines = [
        f"Pairwise lean differences (Mann-Whitney U per voice, Benjamini-Hochberg across "
        f"{int(tests['p_adj'].notna().sum())} tests, Cliff's delta as effect size: positive "
        f"when the first lean named is higher): {len(sig)} significant at FDR 0.05 with "
        f"articles as the unit{outlet_part} — `lean_pairwise_tests.csv`.",
        "",
    ]
    if not len(sig):
        return lines
    if outlets:
        # the largest effects among those an outlet-level test can check; a delta from the
        # embedded posts of two outlets is listed below the table, not at its top
        few = sig["p_adj_outlets"].isna()
        if few.any() and not few.all():
            lines[0] = lines[0].removesuffix(".") + (
                f". The table lists the largest effects among those with enough outlets a side "
                f"for an outlet-level test; {int(few.sum())} more "
                f"{'rests' if few.sum() == 1 else 'rest'} on too few outlets "
                f"(e.g. {sig[few]['voice'].iloc[0]} voice, `{sig[few]['feature'].iloc[0]}`, "
                f"{_n_outlets(sig[few].iloc[0])} outlets) and "
                f"{'is' if few.sum() == 1 else 'are'} in the file."
            )
            sig = sig[~few]
    show = sig.reindex(sig["effect_size"].abs().sort_values(ascending=False).index).head(top)
    # the outlet-level columns first: they are the ones to read
    head, rule = "| voice | feature | groups |", "|---|---|---|"
    if outlets:
        head += " outlets | Cliff's delta, outlets | p (BH), outlets |"
        rule += "---|---|---|"
    head += " articles | means | Cliff's delta, articles | p (BH), articles |"
    rule += "---|---|---|---|"
    lines += [head, rule]
    opposite = 0
    levels: list[str] = []  # rows whose outlet-level and article-level deltas disagree
    for r in show.itertuples():
        row = f"| {r.voice} | {r.feature} | {r.group_a} vs {r.group_b} |"
        if outlets:
            d_out = r.effect_size_outlets
            p_out = r.p_adj_outlets
            row += (
                f" {_n_outlets(r._asdict())} | {'–' if pd.isna(d_out) else f'{d_out:+.2f}'} | "
                f"{'–' if pd.isna(p_out) else f'{p_out:.2g}'} |"
            )
        row += (
            f" {int(r.n_a):,} vs {int(r.n_b):,} | {r.mean_a:.3g} vs {r.mean_b:.3g} | "
            f"{r.effect_size:+.2f} | {r.p_adj:.2g} |"
        )
        opposite += bool(np.sign(r.effect_size) * np.sign(r.mean_a - r.mean_b) < 0)
        if outlets and np.sign(r.effect_size) * np.sign(r.effect_size_outlets) < 0:
            levels.append(f"{r.voice} `{r.feature}` ({r.group_a} vs {r.group_b})")
        lines.append(row)
    lines.append("")
    if levels:
        lines += [
            f"The outlet-level and the article-level delta point opposite ways in "
            f"{len(levels)} row{'s' if len(levels) > 1 else ''} here ("
            + "; ".join(levels)
            + "): the lean's typical outlet is on one side while its articles, pooled, are "
            "on the other, so a few outlets with many articles (or an outlet's many articles "
            "of one kind) carry the article-level result. Read the outlet-level column.",
            "",
        ]
    if opposite:
        lines += [
            f"Cliff's delta compares every article of one lean with every article of the "
            "other (the share of pairs where the first is higher minus the share where it is "
            f"lower), so it can take the other sign than the difference of means, as in "
            f"{opposite} row{'s' if opposite > 1 else ''} here: for a measure that is zero in "
            "most articles, a lean with more articles above zero has the positive delta even "
            "when a few articles of the other lean carry a higher mean.",
            "",
        ]
    return lines


def _n_outlets(row) -> str:
    """``"15 vs 21"``: the outlets on each side of a lean test (``–`` without one)."""
    a, b = row["n_outlets_a"], row["n_outlets_b"]
    return f"{int(a)} vs {int(b)}" if pd.notna(a) and pd.notna(b) else "–"


def topic_adjusted_tests(
    table: pd.DataFrame, features: list[str], ccfg: dict, seed: int
) -> tuple[pd.DataFrame | None, str | None]:
    """The outlet tests with topic held fixed (:func:`analysis.compare.adjusted_group_tests`)
    when the rows carry more than one topic, on at most ``compare.model_max_rows`` articles
    per voice (a seeded sample drawn like the lean models': the design matrix is dense); outlets
    need ``compare.outlet_test_min_articles`` in the voice, as robust standard errors from
    a handful of articles are not to be trusted. ``(None, None)`` without topics."""
    if "topic" not in table.columns or table["topic"].nunique(dropna=True) < 2:
        return None, None
    outlets = S.value_codes(table["outlet"])  # -1: a row of an outlet not compared
    voices = S.value_codes(table["voice"])
    rng = np.random.default_rng(seed)
    keep, sampled = [], False
    for voice in np.unique(voices[voices >= 0]):
        idx = np.flatnonzero((voices == voice) & (outlets >= 0))
        limit = fair_share_limit(pd.Series(outlets[idx]).value_counts(), ccfg.get("model_max_rows"))
        if limit is None:
            keep.append(idx)
            continue
        sampled = True
        for code in np.unique(outlets[idx]):
            rows = idx[outlets[idx] == code]
            keep.append(rows if len(rows) <= limit else rng.choice(rows, limit, replace=False))
    rows = np.sort(np.concatenate(keep)) if keep else np.array([], dtype=np.int64)
    adjusted = S.adjusted_group_tests(
        table.iloc[rows], "outlet", features, ("topic",), by="voice",
        min_n=int(ccfg.get("outlet_test_min_articles", 5)),
    )  # fmt: skip
    note = (
        "The tests with topic held fixed ran on a seeded sample of each voice's articles "
        "(every outlet kept, the largest trimmed to one size: `compare.model_max_rows`)."
    )
    return adjusted, note if sampled else None


#: Columns of the topic-adjusted outlet tests joined to the Kruskal-Wallis table.
TOPIC_TEST_COLUMNS = {
    "statistic": "f_topic",
    "df_num": "df_num_topic",
    "df_denom": "df_denom_topic",
    "p_value": "p_value_topic",
    "p_adj": "p_adj_topic",
    "reject": "reject_topic",
    "n_groups": "n_groups_topic",
    "n": "n_topic",
    "note": "note_topic",
}


def with_topic_tests(omnibus: pd.DataFrame, adjusted: pd.DataFrame | None) -> pd.DataFrame:
    """The Kruskal-Wallis table with the topic-adjusted F tests of the same voice and
    feature as extra columns (none when there was no topic to hold fixed)."""
    if adjusted is None:
        return omnibus
    right = adjusted[["voice", "feature", *TOPIC_TEST_COLUMNS]].rename(columns=TOPIC_TEST_COLUMNS)
    merged = omnibus.merge(right, on=["voice", "feature"], how="left", validate="one_to_one")
    merged["reject_topic"] = merged["reject_topic"].astype("boolean").fillna(False)
    return merged


def outlet_test_caption(omnibus: pd.DataFrame | None, voice: str, feature: str) -> str:
    """The outlet test of one voice and feature, for a figure's caption ("" without one)."""
    if omnibus is None:
        return ""
    row = omnibus[(omnibus["voice"] == voice) & (omnibus["feature"] == feature)]
    if row.empty or pd.isna(row["p_adj"].iloc[0]):
        return ""
    r = row.iloc[0]
    text = (
        f" Do the outlets differ? Kruskal-Wallis, epsilon² {r['effect_size']:.3f}, "
        f"p (BH) {r['p_adj']:.2g}"
    )
    if pd.notna(r.get("p_adj_topic", np.nan)):
        text += f"; with topic held fixed p (BH) {r['p_adj_topic']:.2g}"
    return text + " (`outlet_tests.csv`)."


def outlet_tests_markdown(
    omnibus: pd.DataFrame, pairs: pd.DataFrame, top: int = 8, sampled: str | None = None
) -> list[str]:
    """The report's paragraph on the tests between outlets: how many of the Kruskal-Wallis
    tests (:func:`analysis.compare.omnibus_tests`), of the pairwise Mann-Whitney tests and
    (columns of :func:`with_topic_tests`) of the tests with topic held fixed are significant
    after Benjamini-Hochberg, and the ``top`` differences by effect size, each with its
    highest and lowest outlet and how many of its pairs differ."""
    n_outlets = int(omnibus["n_groups"].max()) if len(omnibus) else 0
    sig = omnibus[omnibus["reject"].fillna(False).astype(bool)]
    pair_sig = pairs[pairs["reject"].fillna(False).astype(bool)]
    # the families BH ran over: tests without a p-value (too few articles) are not in them
    n_tests, n_pairs = int(omnibus["p_value"].notna().sum()), int(pairs["p_value"].notna().sum())
    topic = "p_adj_topic" in omnibus.columns
    if topic:
        kept = int(sig["reject_topic"].fillna(False).astype(bool).sum())
        n_topic = int(omnibus["p_value_topic"].notna().sum())
        untested = int((sig["p_value_topic"].isna()).sum()) if "note_topic" in sig else 0
        caveat = (
            f"With topic held fixed (OLS of each feature on outlet and topic, Wald F test of "
            f"outlet with HC3 robust errors, Benjamini-Hochberg across the {n_topic} tests "
            f"that could be run) {kept} of the {len(sig)} remain significant: column "
            "`p_adj_topic`."
            + (
                f" {untested} of them have no topic-adjusted test: their topics lumped into "
                "one level, or the robust errors could not separate the outlets "
                "(`note_topic`)."
                if untested
                else ""
            )
            + (f" {sampled}" if sampled else "")
        )
    else:
        caveat = (
            "Every article of an outlet counts, whatever its topic: the corpus gives no "
            "topics to hold fixed, so an outlet that covers other stories differs for that "
            "reason too."
        )
    lines = [
        f"Differences between the {n_outlets} outlets compared (Kruskal-Wallis H per voice "
        f"and feature, Benjamini-Hochberg across {n_tests} tests, epsilon squared as "
        f"effect size): {len(sig)} significant at FDR 0.05 — `outlet_tests.csv`. "
        + (
            "Where they differ, every two outlets (Mann-Whitney U, Benjamini-Hochberg across "
            f"those {n_pairs:,} tests, Cliff's delta): {len(pair_sig):,} pairs significant — "
            "`outlet_pairwise_tests.csv`. "
            if n_pairs
            else "With no difference, no two outlets are compared pairwise. "
        )
        + caveat,
        "",
    ]
    if not len(sig):
        return lines
    counts = pair_sig.groupby(["voice", "feature"]).size()
    totals = pairs[pairs["p_value"].notna()].groupby(["voice", "feature"]).size()
    show = sig.reindex(sig["effect_size"].sort_values(ascending=False).index).head(top)
    head = (
        "| voice | feature | outlets | articles | highest (mean per article) | lowest | "
        "epsilon² | p (BH) | pairs that differ |"
    )
    rule = "|---|---|---|---|---|---|---|---|---|"
    if topic:
        head += " p (BH), topic held fixed |"
        rule += "---|"
    lines += [head, rule]
    for r in show.itertuples():
        key = (r.voice, r.feature)
        row = (
            f"| {r.voice} | {r.feature} | {int(r.n_groups)} | {int(r.n):,} | "
            f"{r.highest} ({r.highest_mean:.3g}) | {r.lowest} ({r.lowest_mean:.3g}) | "
            f"{r.effect_size:.3f} | {r.p_adj:.2g} | "
            f"{int(counts.get(key, 0))} of {int(totals.get(key, 0))} |"
        )
        if topic:
            row += f" {r.p_adj_topic:.2g} |" if pd.notna(r.p_adj_topic) else " – |"
        lines.append(row)
    return [*lines, ""]


#: Output columns of :func:`analysis.events.paired_tests` renamed for voices of one article.
VOICE_TEST_COLUMNS = {
    "voice": "lean",
    "outlet_a": "voice_a",
    "outlet_b": "voice_b",
    "n_events": "n_outlets",
}


def voice_tests(
    reference: pd.DataFrame,
    features: list[str],
    leans: list[str],
    spec: dict,
    seed: int,
    n_boot: int,
) -> tuple[pd.DataFrame, str | None]:
    """Two voices of the same articles against each other (``spec["pair"]``, default the
    quoted people minus the outlet's own prose), per lean (all articles when the corpus
    gives no leans), with the **outlet** as the unit.

    Each article with both voices gives a difference (its ``a`` value minus its ``b``
    value: outlet, topic and story are the same on both sides); each outlet with at least
    ``spec["min_articles"]`` (default 5) such articles gives the mean of its articles'
    differences; the test is over those outlet means (:func:`analysis.events.paired_tests`
    with the outlet as the pair: the Wilcoxon signed-rank test, the mean with a bootstrap
    interval over outlets and the matched-pairs rank-biserial correlation, BH across all).
    Articles of one outlet share its editing and its sources, so they are not independent
    draws: treating a thousand articles of forty outlets as a thousand units made the
    intervals too narrow and some tests significant that no majority of outlets supports.

    ``n_articles`` counts the articles with both voices in the outlets tested, ``n_outlets``
    the outlets. The second return value names the outlets left out for having too few
    articles, or None. ``spec["pooled"]`` (with leans) adds a stratum ``all`` over every
    outlet whatever its lean: leans of two to four outlets cannot reach significance on
    their own (a Wilcoxon test over k outlets cannot go below 2 / 2**k).
    """
    from analysis.events import paired_tests

    a, b = list(spec.get("pair", ["quoted", "outlet"]))
    least = max(1, int(spec.get("min_articles", 5)))
    keep = reference["voice"].isin([a, b]).to_numpy()
    cols = ["article_id", "outlet", "voice", *features]
    cols += ["lean"] if leans else []
    rows = reference.loc[keep, cols]
    side_a = rows[rows["voice"] == a].drop_duplicates("article_id").set_index("article_id")
    side_b = rows[rows["voice"] == b].drop_duplicates("article_id").set_index("article_id")
    both = side_a.index.intersection(side_b.index)
    side_a, side_b = side_a.loc[both], side_b.loc[both]
    strata = side_a["lean"].astype(object) if leans else pd.Series("all", index=both)
    va, vb = side_a[features].astype(float), side_b[features].astype(float)
    pooled = bool(leans) and bool(spec.get("pooled", False))
    if pooled:  # every outlet once more in one stratum "all", whatever its lean
        strata = pd.concat([strata, pd.Series("all", index=both)])
        va, vb = pd.concat([va, va]), pd.concat([vb, vb])
        unit = pd.concat([side_a["outlet"], side_a["outlet"]])
    else:
        unit = side_a["outlet"]
    # positional keys: with "all" the articles appear twice, so their index repeats
    keys = [pd.Index(strata.to_numpy(), name="stratum"), pd.Index(unit.to_numpy(), name="unit")]
    paired = va.notna() & vb.notna()  # per feature, the articles measured in both voices
    n = paired.groupby(keys).sum()
    mean_a = va.where(paired).groupby(keys).mean().where(n >= least)
    mean_b = vb.where(paired).groupby(keys).mean().where(n >= least)
    wanted = (leans + ["all"] if pooled else leans) or ["all"]
    levels = mean_a.index.get_level_values("stratum")
    mean_a, mean_b, n = (x[levels.isin(wanted)] for x in (mean_a, mean_b, n))
    values = pd.concat(
        [mean_a.assign(side=a).reset_index(), mean_b.assign(side=b).reset_index()],
        ignore_index=True,
    )
    strata_present = [s for s in wanted if s in set(values["stratum"])]
    tests, _ = paired_tests(
        values, features, [(a, b)], strata_present, n_boot=n_boot, seed=seed,
        columns=("unit", "side", "stratum"),
    )  # fmt: skip
    tests = tests.rename(columns=VOICE_TEST_COLUMNS)
    # articles behind each row: those of the outlets tested for that feature
    counted = n.where(n >= least, 0).groupby(level="stratum").sum()
    tests.insert(
        tests.columns.get_loc("n_outlets") + 1,
        "n_articles",
        [int(counted.at[r.lean, r.feature]) for r in tests.itertuples()],
    )
    few = (n < least).all(axis=1).groupby(level="stratum").sum()
    if pooled:  # each outlet is in its lean and in "all": count it once
        few = few.drop("all", errors="ignore")
    note = (
        f"{int(few.sum()):,} outlets with fewer than {least} articles that have both voices are "
        "left out (`compare.voice_tests.min_articles`)."
        if few.sum()
        else None
    )
    return tests, note


def plot_voice_differences(paired: pd.DataFrame, features: list[str]) -> tuple[Any, pd.DataFrame]:
    """The figure of :func:`voice_tests`: per feature, one row per lean, the mean difference
    between the two voices with its CI (:func:`analysis.events.plot_paired_differences`)."""
    from analysis.events import plot_paired_differences
    from analysis.plots import VOICE_COLORS, count_labels

    a, b = paired["voice_a"].iloc[0], paired["voice_b"].iloc[0]
    data = paired[paired["feature"].isin(features)].reset_index(drop=True)
    tested = data.groupby("lean", sort=False)["n_outlets"].max() > 0
    rows = [v for v in dict.fromkeys(data["lean"]) if tested.get(v, False)]  # no empty rows
    data = data[data["lean"].isin(rows)].reset_index(drop=True)
    key = f"{a}-{b}"
    tests = data.rename(columns={"pair": "_pair"}).assign(pair=data["lean"], voice=key)
    fig = plot_paired_differences(
        tests, features, rows, [key], {},
        row_labels=count_labels(data, "lean", n="n_articles", n_outlets="n_outlets"),
        styles={key: (VOICE_COLORS.get(a, "#000000"), f"{a} minus {b} (same articles)")},
        xlabel=f"mean over outlets of their articles' {a} minus {b} difference (in the "
        "feature's unit), 95% bootstrap CI over outlets",
    )  # fmt: skip
    return fig, data


def rank_mean_disagreements(paired: pd.DataFrame, features: list[str] | None = None) -> str:
    """A sentence on the rows of :func:`voice_tests` (of ``features``) where the Wilcoxon
    test and the mean difference's bootstrap interval disagree ("" when none do).

    The test follows the typical article, the interval the mean: a skewed difference (most
    articles a little lower, a few far higher) can be significant with an interval across
    zero, or the reverse. A reader of the figure sees the interval; this says why a marker
    is filled (or hollow) anyway."""
    rows = paired if features is None else paired[paired["feature"].isin(features)]
    reject = rows["reject"].fillna(False).astype(bool)
    covers = (rows["ci_low"] <= 0) & (rows["ci_high"] >= 0)
    has_ci = rows["ci_low"].notna() & rows["ci_high"].notna()  # none below 3 outlets
    shift = rows[reject & covers]
    mean_only = rows[~reject & ~covers & has_ci & rows["p_value"].notna()]
    if not len(shift) and not len(mean_only):
        return ""
    a, b = paired["voice_a"].iloc[0], paired["voice_b"].iloc[0]
    parts = []
    if len(shift):
        r = shift.iloc[0]
        parts.append(
            f"{len(shift)} of the {len(rows)} rows shown {'is' if len(shift) == 1 else 'are'} "
            f"significant with an interval across 0 (e.g. {r['lean']}, `{r['feature']}`: the "
            f"{b} voice is higher in {int(r['n_b_higher']):,} outlets, the {a} voice in "
            f"{int(r['n_a_higher']):,}, mean difference {r['mean_diff']:+.3g}): the rank test "
            "weighs each outlet's difference by its rank, the mean by its size, so a few "
            "large differences move the mean and not the test"
        )
    if len(mean_only):
        parts.append(
            f"{len(mean_only)} {'has' if len(mean_only) == 1 else 'have'} an interval clear of "
            "0 without a significant rank test (large differences in a few outlets)"
        )
    text = "; ".join(parts)
    return f" {text[0].upper()}{text[1:]}."


def _too_few_outlets_note(tests: pd.DataFrame, alpha: float = 0.05) -> str:
    """A sentence on the leans whose tests cannot reach ``alpha`` at all: a two-sided exact
    Wilcoxon signed-rank test over ``k`` outlets cannot go below ``2 / 2**k`` (five outlets:
    0.0625), so "0 significant" there says nothing about the data."""
    k = tests.groupby("lean", sort=True)["n_outlets"].max().dropna().astype(int)
    k = k[k > 0]  # a lean without outlets to test has no rows to read
    weak = k[2.0 / 2.0**k >= alpha]
    if weak.empty:
        return ""
    named = ", ".join(
        _outlets(n) if lean == "all" else f"{lean} ({_outlets(n)})" for lean, n in weak.items()
    )
    return (
        f" With {named}, no test can reach p < {alpha:g} whatever the data (a Wilcoxon "
        "signed-rank test over k outlets cannot go below 2 / 2^k: 0.0625 with five), and "
        "the intervals rest on that handful of outlets: read those rows as descriptive."
    )


def voice_tests_markdown(
    tests: pd.DataFrame, top: int = 8, sampled: str | None = None
) -> list[str]:
    """The report's paragraph on :func:`voice_tests`: how many differences between the two
    voices of the same articles are significant after Benjamini-Hochberg, and the ``top``
    of them by rank-biserial correlation."""
    from analysis.events import _fmt_ci

    a, b = tests["voice_a"].iloc[0], tests["voice_b"].iloc[0]
    sig = tests[tests["reject"].fillna(False).astype(bool)]
    tested = int(tests["p_value"].notna().sum())
    family = int(tests["p_adj"].notna().sum())
    left_out = (
        f" that can reach p < 0.05 at all; the other {tested - family}, with five or fewer "
        "outlets whose difference is not zero, are left out of the correction, Tarone 1990"
        if tested > family
        else ""
    )
    lines = [
        f"The same articles' voices, {a} against {b}: each article's {a} minus its {b} value "
        "(outlet, topic and story are the same on both sides), averaged per outlet over its "
        "articles with both, and the outlets tested per lean (Wilcoxon signed-rank over "
        "outlets, matched-pairs rank-biserial r, 95% bootstrap intervals over outlets; "
        f"Benjamini-Hochberg across the {family} tests{left_out}): "
        f"{len(sig)} significant at FDR 0.05 — `voice_tests.csv`. The outlet is the unit "
        "because an outlet's articles share its editing and sources: they are not "
        "independent draws." + (f" {sampled}" if sampled else "") + _too_few_outlets_note(tests),
        "",
    ]
    if not len(sig):
        return lines
    show = sig.reindex(sig["rank_biserial"].abs().sort_values(ascending=False).index).head(top)
    lines += [
        f"| lean | feature | outlets (articles) | {a} | {b} | difference (95% CI, unadjusted) | r | p (BH) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in show.itertuples():
        lines.append(
            f"| {r.lean} | {r.feature} | {int(r.n_outlets)} ({int(r.n_articles):,}) | "
            f"{r.mean_a:.3g} | "
            f"{r.mean_b:.3g} | {_fmt_ci(r.mean_diff, r.ci_low, r.ci_high)} | "
            f"{r.rank_biserial:+.2f} | {r.p_adj:.2g} |"
        )
    return [*lines, ""]


def lean_effects_markdown(
    models: pd.DataFrame, lean_col: str = "lean", reference: str = "center"
) -> list[str]:
    """The lean rows of :func:`analysis.compare.lean_model` results as a report table.

    One row per model feature and lean (the difference from the reference lean with its
    95% interval, p, and ``p_adj`` of :func:`analysis.compare.adjust_lean_effects` when the
    table has it), the model that was fitted with its size, and the fit's note (an outlet
    variance at the boundary, a fallback to OLS); features that could not be fitted say
    why. The other terms (intercept, topics, the outlet variance) stay in the CSV.
    """
    if models.empty:
        return []
    lines = [
        f"| feature | {lean_col} (vs {reference}) | difference (95% CI, unadjusted) | p | p (BH) | model (articles, outlets) | var(outlet) | icc(outlet) | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for feature, rows in models.groupby("feature", sort=False):
        if "term" not in rows or rows["term"].isna().all():
            note = str(rows["note"].iloc[0]) if "note" in rows else ""
            lines.append(f"| {feature} | | | | | not fitted | | | {note} |")
            continue
        terms = rows.set_index(rows["term"].astype(str))["coef"]
        var = terms.get("var(outlet)", np.nan)
        icc = terms.get("icc(outlet)", np.nan)
        var = "" if pd.isna(var) else f"{var:.3g}"
        icc = "" if pd.isna(icc) else f"{icc:.2f}"
        for r in rows[rows["term"].astype(str).str.startswith(f"{lean_col}[")].itertuples():
            level = str(r.term)[len(lean_col) + 1 : -1]
            note = r.note if isinstance(r.note, str) else ""
            p_adj = getattr(r, "p_adj", np.nan)
            p_adj = "" if pd.isna(p_adj) else f"{p_adj:.2g}"
            ci = "" if pd.isna(r.ci_low) else f" ({r.ci_low:+.3g} to {r.ci_high:+.3g})"
            p = "no test" if pd.isna(r.p_value) else f"{r.p_value:.2g}"
            lines.append(
                f"| {feature} | {level} | {r.coef:+.3g}{ci} | "
                f"{p} | {p_adj} | {r.model} ({int(r.n):,}, {int(r.n_groups)}) | "
                f"{var} | {icc} | {note} |"
            )
    return [*lines, ""]


def _needed_columns(names: list[str], ccfg: dict) -> tuple[list[str] | None, list[str]]:
    """The article x voice columns this stage reads for every row (ids, lengths and the
    configured features), so a large corpus is not read with all of its ~110 feature
    columns, and the frame-share columns, which only the frame-composition figure uses and
    which are read for its rows alone. ``None`` reads every column (no feature configured,
    or none of them computed: the first feature columns stand in for the list). ``names``:
    the table's columns."""
    if not names:
        return None, []
    frames = [c for c in names if c.startswith("frame_")]
    wanted = {"article_id", "outlet", "lean", "topic", "voice", "n_chars"}
    for key in ("features", "model_features", "voice_features", "highlight_features"):
        wanted |= set(ccfg.get(key) or [])
    if ccfg.get("highlight_reference"):
        wanted.add(ccfg["highlight_reference"])
    if not any(f in names for f in ccfg.get("features") or []):
        return None, frames  # none listed was computed: compare_stage falls back to the first
    return [c for c in names if c in wanted], frames


def _table_columns(work: Path) -> list[str]:
    """The columns of the run's article x voice table (from its first part's schema)."""
    import pyarrow.parquet as pq

    parts = sorted((work / "article_voice").glob("part-*.parquet"))
    return pq.read_schema(parts[0]).names if parts else []


def absent_features(ccfg: dict, names: list[str]) -> str | None:
    """A sentence naming the features the compare config lists (``features``,
    ``model_features``, ``highlight_features``, the figure lists) that look misspelt: not
    in the run's table, but close to a column that is. None when there are none.

    Names that are simply absent are expected: ``features=[vader]`` keeps the default
    lists (:func:`not_computed` names them in the report). A misspelt
    name (``vader_compound``) would otherwise vanish without a word."""
    import difflib

    if not names:
        return None
    listed: dict[str, None] = {}
    for key in (
        "features",
        "model_features",
        "highlight_features",
        "forest_features",
        "lean_forest_features",
    ):
        value = ccfg.get(key)
        if isinstance(value, list):
            listed.update(dict.fromkeys(value))
    shown = []
    for name in listed:
        close = [] if name in names else difflib.get_close_matches(name, names, 3, 0.8)
        if close:
            shown.append(f"{name} (did you mean {' or '.join(close)}?)")
    said = []
    if shown:
        said.append(
            "features named in the compare config but not in this run's table: " + "; ".join(shown)
        )
    if ccfg.get("features") and not any(name in names for name in ccfg["features"]):
        said.append(
            "none of compare.features is in this run's table, so its first 12 feature "
            "columns are compared instead"
        )
    return ". ".join(said) or None


def highlight_places(
    own: pd.DataFrame, reference: pd.DataFrame, features: list[str]
) -> pd.DataFrame:
    """Where one article sits among the reference articles, per voice and feature: its
    value, how many reference articles have that voice, their median, and the share of
    them at or above the article's value (every outlet's, not only those in the figures).
    An example placed in a distribution, not a test."""
    rows = []
    for voice, mine in own.groupby("voice", sort=False):
        ref = reference[reference["voice"] == voice]
        for f in features:
            value = mine[f].iloc[0]
            col = ref[f].dropna()
            rows.append(
                {
                    "voice": voice,
                    "feature": f,
                    "value": value,
                    "n_reference": len(col),
                    "median": col.median() if len(col) else np.nan,
                    "share_at_or_above": (col >= value).mean()
                    if len(col) and pd.notna(value)
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


def highlight_markdown(places: pd.DataFrame, outlet: str, among_text: str) -> list[str]:
    """The report's table of :func:`highlight_places`: the worked example per voice."""
    if places.empty:
        return []
    lines = [
        f"The worked example ({outlet}) per voice against {among_text} (the same voice of "
        "each): its value, their median and the share of them at or above it (one article "
        "placed in a distribution, not a test) — `highlight_places.csv`.",
        "",
        "| voice | feature | worked example | reference articles | median | at or above |",
        "|---|---|---|---|---|---|",
    ]
    for r in places.itertuples():
        share = "–" if pd.isna(r.share_at_or_above) else f"{r.share_at_or_above:.0%}"
        median = "–" if pd.isna(r.median) else f"{r.median:.3g}"
        lines.append(
            f"| {r.voice} | {r.feature} | {r.value:.3g} | {r.n_reference:,} | {median} | {share} |"
        )
    return [*lines, ""]


def highlight_reference(reference: pd.DataFrame, column: str | None) -> tuple[np.ndarray, str]:
    """``(row mask, words naming them)``: the articles a highlighted article is set against.

    ``compare.highlight_reference`` null: every article of the outlets shown. A feature
    column (``actor_taliban__mentions``): only articles with a positive value of it in any
    voice, so that a measure most articles never carry (the Taliban's labels) is compared
    with the coverage where it can occur, not with a corpus of zeros."""
    if not column:
        return np.ones(len(reference), dtype=bool), "every other article of the corpus"
    if column not in reference.columns:
        raise ConfigError(
            f"compare.highlight_reference={column!r} is not a feature column of this run; "
            "name one it computes (e.g. actor_taliban__mentions) or null for every article"
        )
    values = pd.to_numeric(reference[column], errors="coerce")
    if values.notna().sum() == 0 and reference[column].notna().any():
        raise ConfigError(
            f"compare.highlight_reference={column!r} is not a numeric feature column; name "
            "one whose positive values pick the reference (e.g. actor_taliban__mentions)"
        )
    hits = reference.loc[values.fillna(0).to_numpy() > 0, "article_id"]
    among = reference["article_id"].isin(set(hits)).to_numpy()
    n = int(reference.loc[among, "article_id"].nunique())
    return among, f"the {n:,} articles with `{column}` above 0 in any voice"


def not_computed(ccfg: dict, names: list[str]) -> str | None:
    """A sentence for the report naming what ``compare.features`` lists but the run did not
    compute (its extractor was not in the run's features), so that a reader knows what the
    comparison leaves out; None when everything listed is there. Misspellings are
    :func:`absent_features`' business."""
    import difflib

    missing = [
        f
        for f in ccfg.get("features") or []
        if f not in names and not difflib.get_close_matches(f, names, 1, 0.8)
    ]
    if not names or not missing:
        return None
    return (
        f"compare.features also lists {', '.join(missing)}, which this run did not compute "
        "(their extractors are not in its features list), so they are not compared"
    )


def words_sample(
    arts: pd.DataFrame, group: str, limit: int | None, seed: int
) -> tuple[list[str] | None, str | None]:
    """Article ids for the words and actor-label counts: at most ``limit`` per group.

    Counting terms needs every segment text of the articles counted in memory at once, so a
    corpus of a million articles is counted on a seeded sample of ``limit`` articles per
    group (``compare.words.max_articles_per_group``; null counts all). Returns ``(None,
    None)`` when no group is larger than ``limit`` (nothing is sampled), else the ids and a
    sentence for the report.
    """
    pool = arts[arts[group].isin(LEANS)] if group == "lean" else arts
    sizes = pool.groupby(group).size()
    if not limit or sizes.empty or int(sizes.max()) <= int(limit):
        return None, None
    limit = int(limit)
    shown = ", ".join(f"{g} {min(int(n), limit):,} of {int(n):,}" for g, n in sizes.items())
    return sample_per_group(pool, group, limit, seed), (
        f"Distinctive words and actor labels are counted on a seeded random sample of at most "
        f"{limit:,} articles per {group} ({shown}; `compare.words.max_articles_per_group`)."
    )


def sample_per_group(table: pd.DataFrame, group: str, limit: int, seed: int) -> list[str]:
    """Sorted article ids: every article of a group with at most ``limit``, a seeded random
    ``limit`` of the larger ones (the same ids for the same table and seed)."""
    rng = np.random.default_rng(seed)
    keep: list[str] = []
    for _, ids in table.groupby(group, sort=True)["article_id"]:
        ids = ids.drop_duplicates().sort_values().to_numpy()
        keep += list(ids if len(ids) <= limit else rng.choice(ids, size=limit, replace=False))
    return sorted(keep)


def fair_share_limit(sizes: pd.Series, total: int | None) -> int | None:
    """The largest per-group cap ``k`` with ``sum(min(size, k)) <= total``, or None when the
    groups fit whole: small groups stay whole and the large ones are trimmed to one size."""
    n = np.sort(sizes.to_numpy(dtype=np.int64))
    if not total or n.sum() <= total:
        return None
    rest = int(total)
    for i, size in enumerate(n):
        left = len(n) - i
        if size * left > rest:
            return max(rest // left, 1)
        rest -= int(size)
    return int(n[-1])


def model_sample(
    table: pd.DataFrame, group: str, total: int | None, seed: int
) -> tuple[pd.DataFrame, str | None]:
    """The rows the lean models are fitted on: all of them, or for a corpus whose
    ``table`` (one voice, one row per article) has more than ``total`` rows a seeded sample
    with every ``group`` kept and the largest trimmed to one size
    (``compare.model_max_rows``), with a sentence for the report.

    The mixed model's memory grows with rows x topic levels (statsmodels holds several
    dense copies of the design), while the lean effect rests on the variation between
    outlets: past a few thousand articles per outlet, more articles barely narrow it.
    """
    sizes = table.groupby(group).size()
    limit = fair_share_limit(sizes, total)
    if limit is None:
        return table, None
    ids = sample_per_group(table, group, limit, seed)
    kept = table[table["article_id"].isin(ids)]
    return kept, (
        f"The lean models are fitted on a seeded random sample of {len(kept):,} of "
        f"{len(table):,} articles: every {group} kept, none with more than {limit:,} "
        "(`compare.model_max_rows`)."
    )


def voice_hit_counts(work: Path, articles: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Per article and measured voice, the segments' hits of count features summed (a
    count per segment has no length to weight by: the article x voice table holds its
    length-weighted mean, so mean x length would give long voices' hits more weight).

    ``articles`` maps ``article_id`` to ``outlet`` (the group the figure shows); the
    segment table is read part by part, only those articles' rows and ``features``.
    Returns ``article_id, voice, outlet, *features``.
    """
    from analysis.pipeline import MEASURED_VOICES

    outlet_of = articles.drop_duplicates("article_id").set_index("article_id")["outlet"]
    ids = pa.array(outlet_of.index.astype(str).tolist())
    sums = []
    for part in sorted((work / "features").glob("part-*.parquet")):
        seg = pd.read_parquet(
            part, columns=["article_id", "voice", *features],
            filters=[("article_id", "in", ids), ("voice", "in", list(MEASURED_VOICES))],
        )  # fmt: skip
        if len(seg):
            sums.append(seg.groupby(["article_id", "voice"])[features].sum(min_count=1))
    if not sums:
        return pd.DataFrame(columns=["article_id", "voice", "outlet", *features])
    out = pd.concat(sums).reset_index()
    out["outlet"] = out["article_id"].map(outlet_of)
    return out


def frame_composition(table: pd.DataFrame, frames: list[str]) -> pd.DataFrame:
    """Per outlet: each frame's share of all frame hits (character-weighted)."""
    w = table["n_chars"].to_numpy(dtype=float)
    mass = pd.DataFrame(  # column by column: no rows x frames temporaries on a large corpus
        {f: np.nan_to_num(table[f].to_numpy(dtype=float, na_value=np.nan)) * w for f in frames}
    )
    mass["outlet"] = table["outlet"].array
    totals = mass.groupby("outlet")[frames].sum()
    shares = totals.div(totals.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    long = shares.reset_index().melt(id_vars="outlet", var_name="frame", value_name="share")
    return long.sort_values(["outlet", "frame"]).reset_index(drop=True)


def self_mentions(segs: pd.DataFrame, top: int = 20, share: float = 0.5) -> set[str]:
    """Outlet-name words used mostly by that outlet itself ("told Fox News", "Reuters reports").

    Such self-mentions are house style, not framing, and would top a distinctive-words list.
    A name word counts only when more than ``share`` of the segments using it come from an
    outlet whose name contains it, so shared words ("Christian", "national") are kept.
    """
    outlets = segs["outlet"].value_counts().head(top).index
    lowered = segs["text"].str.lower()
    drop = set()
    for outlet in outlets:
        for term in set(S.tokenize_terms(str(outlet), ngrams=(1, 1))):
            uses = lowered.str.contains(rf"\b{re.escape(term)}\b", regex=True)
            if uses.sum() == 0:
                continue
            own = segs.loc[uses, "outlet"].str.lower().str.contains(rf"\b{re.escape(term)}\b")
            if own.mean() > share:
                drop.add(term)
    return drop


def outlet_name_terms(outlets) -> set[str]:
    """Words that name news outlets, whoever writes them ("told Reuters", "the BBC reports").

    Naming a source is sourcing style, not framing, and wire credits ("(AP) -") would top
    a distinctive-words list. Kept narrow so ordinary words survive: words of outlet names
    that are not English dictionary words (Reuters, Politico, BBC, CNN; the dictionary is
    the word list TextBlob ships for spelling correction) and the initials of multi-word
    names (AP, NYT, WSJ). Ordinary words in names ("hill", "times", "fox") are left to
    :func:`self_mentions`, which drops them only when the outlet itself uses them most.
    """
    terms = set()
    for outlet in outlets:
        name = re.sub(r"\(.*?\)|\s-\s.*$", " ", str(outlet))  # "CNN (Web News)", "NYT - News"
        words = re.findall(r"[A-Za-z][A-Za-z'.&]*", name)
        words = [w for w in words if w.lower() not in {"the", "online", "news", "of"}]
        terms |= {w.lower().strip(".") for w in words}
        capitals = [w for w in words if w[0].isupper()]
        if len(capitals) >= 2:
            terms.add("".join(w[0] for w in capitals).lower())
    return {t for t in terms if len(t) >= 2 and t not in _english_words()}


@functools.cache
def _english_words() -> frozenset[str]:
    import textblob

    path = Path(textblob.__file__).parent / "en" / "en-spelling.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(ln.split()[0].lower() for ln in lines if ln.strip() and ln[0] != ";")


def _words_and_actors(cfg, ccfg, out, work, fig_dir, formats, dpi, figs, lines) -> list[Path]:
    from analysis.pipeline import read_parts

    wcfg = ccfg.get("words") or {}
    if not wcfg.get("enabled", True):
        return []
    files: list[Path] = []
    arts = read_parts(work, "articles", ["id", "outlet", "lean"]).rename(
        columns={"id": "article_id"}
    )
    arts["lean"] = arts["lean"].fillna("unknown")
    group = wcfg.get("group", "lean")
    sample, note = words_sample(arts, group, wcfg.get("max_articles_per_group"), int(cfg.seed))
    # only the sampled articles' texts are read: memory follows the sample, not the corpus
    filters = None if sample is None else [("article_id", "in", sample)]
    segs = read_parts(work, "segments", ["article_id", "voice", "kind", "lang", "text"], filters)
    if segs.empty:
        return []
    segs = segs[segs["voice"].isin(("outlet", "quoted")) & segs["lang"].fillna("en").eq("en")]
    segs = segs.merge(arts, on="article_id", how="left")
    segs = segs[segs[group].isin(LEANS)] if group == "lean" else segs
    if segs.empty:
        return []
    if note:
        lines += [note, ""]
    if segs[group].nunique() < 2:  # words distinctive of a group need another to differ from
        lines += [
            f"Distinctive words and actor labels need two {group}s or more; this run has "
            f"{segs[group].iloc[0]} only.",
            "",
        ]
        return []
    own_names = self_mentions(segs) | outlet_name_terms(arts["outlet"].dropna().unique())
    min_outlets = int(wcfg.get("min_outlets", 3))
    words = S.distinctive_words(
        segs,
        group,
        min_outlets=min_outlets,
        top=int(wcfg.get("top", 30)),
        stopwords=set(S.STOPWORDS) | own_names,
        subsumed=wcfg.get("subsumed", 0.8),
    )
    files.append(_write(words, out / "distinctive_words.csv"))
    if len(words):
        with paper_style():
            fig = plot_distinctive_words(words, top=int(wcfg.get("plot_top", 15)))
            files += save_figure(fig, fig_dir, "distinctive_words", words, formats, dpi)
        figs.append(
            (
                "distinctive_words",
                f"Words distinctive of each {group} in outlet prose and quotes: log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008), z-scores, on one scale across panels; terms must be used by at least {min_outlets} outlets of the group (by all of them in a group of fewer); page debris and outlet names (sourcing, wire credits) removed. The z ranks terms and is descriptive, not a test: it counts every token as an independent draw, and thousands of terms are compared. Groups that cover different years also differ in the events of those years.",
            )
        )
        lines += [
            f"Distinctive words per {group}: `distinctive_words.csv` (group, term, count, log_odds, z).",
            "",
        ]
    actor_map = yaml.safe_load((LEXICONS / "actors.yaml").read_text())["actors"]
    prefs = S.actor_label_preferences(segs, group, actor_map)
    if len(prefs):
        prefs = prefs[prefs.groupby(["actor"])["count"].transform("sum") > 0]
        files.append(_write(prefs, out / "actor_labels.csv"))
        lines += [
            f"Which labels each {group} uses for the same actor (count, share, log-odds z): `actor_labels.csv`.",
            "",
        ]
    return files

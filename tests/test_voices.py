"""Voices of the same articles against each other, with the outlet as the unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats


def voiced_outlets(seed: int = 6, outlets: int = 24, per_outlet: int = 8) -> pd.DataFrame:
    """Articles with prose and quotes in outlets of two leans: quotes score about 1 higher on
    x than their own article's prose (whose level varies a lot between articles and
    outlets); y does not differ. Each outlet's first article has prose only, and one
    outlet per lean has too few articles with both voices to be tested."""
    rng = np.random.default_rng(seed)
    rows = []
    for o in range(outlets):
        lean = "left" if o % 2 else "right"
        gap = 1.0 + rng.normal(0, 0.2)
        n = 4 if o < 2 else per_outlet  # outlets 0 and 1: 3 articles with both voices
        for i in range(n):
            level = rng.normal(0, 3)
            for voice in ("outlet", "quoted") if i else ("outlet",):
                rows.append({"article_id": f"o{o}a{i}", "outlet": f"O{o}", "lean": lean,
                             "voice": voice, "y": rng.normal(),
                             "x": level + (gap if voice == "quoted" else 0.0) + rng.normal(0, 0.3)})  # fmt: skip
    return pd.DataFrame(rows)


def _outlet_means(table: pd.DataFrame, lean: str, feature: str, least: int = 5) -> pd.Series:
    sub = table[table["lean"] == lean]
    wide = sub.pivot(index="article_id", columns="voice", values=feature).dropna()
    outlet = sub.drop_duplicates("article_id").set_index("article_id")["outlet"]
    d = (wide["quoted"] - wide["outlet"]).groupby(outlet.loc[wide.index]).agg(["mean", "size"])
    return d.loc[d["size"] >= least, "mean"]


def test_voice_tests_take_the_outlet_as_the_unit():
    from analysis.events import rank_biserial
    from analysis.outlets import voice_tests, voice_tests_markdown

    table = voiced_outlets()
    spec = {"pair": ["quoted", "outlet"], "min_articles": 5}
    tests, note = voice_tests(table, ["x", "y"], ["left", "right"], spec, seed=1, n_boot=300)
    assert note.startswith("2 outlets with fewer than 5 articles that have both voices")
    t = tests.set_index(["lean", "feature"])
    row = t.loc[("left", "x")]
    assert row["n_outlets"] == 11 and row["n_articles"] == 77  # 11 outlets x 7 articles
    assert t.loc[("left", "x"), "reject"] and t.loc[("right", "x"), "reject"]
    assert not t.xs("y", level="feature")["reject"].any()
    # the mean over outlets of each outlet's mean difference, scipy's signed-rank test on them
    means = _outlet_means(table, "left", "x")
    assert row["mean_diff"] == pytest.approx(means.mean())
    assert row["ci_low"] < means.mean() < row["ci_high"]
    assert row["p_value"] == pytest.approx(stats.wilcoxon(means.to_numpy()).pvalue)
    assert row["rank_biserial"] == pytest.approx(rank_biserial(means.to_numpy()))
    # no leans: one stratum, "all"; every outlet counts with min_articles 1
    pooled, note = voice_tests(table, ["x"], [], {"min_articles": 1}, seed=1, n_boot=100)
    assert pooled["lean"].tolist() == ["all"] and note is None
    assert pooled["n_outlets"].tolist() == [24] and pooled["n_articles"].tolist() == [160]
    lines = voice_tests_markdown(tests)
    assert lines[0].startswith("The same articles' voices, quoted against outlet")
    assert "Benjamini-Hochberg across the 4 tests): 2 significant" in lines[0]
    assert lines[2].startswith("| lean | feature | outlets (articles) | quoted | outlet |")
    assert "| 11 (77) |" in lines[4]
    assert "no test can reach" not in lines[0]
    # a lean of five outlets: no signed-rank test over them can go below p = 0.0625
    few = tests.assign(n_outlets=np.where(tests["lean"] == "right", 5, tests["n_outlets"]))
    said = voice_tests_markdown(few)[0]
    assert "With right (5 outlets), no test can reach p < 0.05 whatever the data" in said
    assert stats.wilcoxon(np.arange(1.0, 6.0)).pvalue == pytest.approx(2 / 2**5)


def test_voice_tests_that_cannot_reach_significance_stay_out_of_the_correction():
    """A methods review: ten outlets all tied but one gave r = -1.00 and p = 1 inside a BH
    family, and 22 tests over four outlets (no p below 0.125) diluted the rest, so a right
    lean where 10 of 10 outlets agree (p 0.002) came out at p (BH) 0.0625. A test over k
    non-zero differences cannot go below 2 / 2^k: those over five or fewer keep their p but
    stay out of the family (Tarone 1990), as the lean tests' do."""
    from analysis.events import paired_tests
    from analysis.outlets import voice_tests_markdown

    rng = np.random.default_rng(3)
    rows = []
    for lean, k, shift in (("right", 10, 1.0), ("left", 4, 1.0), ("center", 10, 0.0)):
        for o in range(k):
            tie = lean == "center" and o > 0  # nine outlets tied, one lower
            d = 0.0 if tie else (-1.0 if lean == "center" else shift + rng.normal(0, 0.1))
            rows += [
                {"unit": f"{lean}{o}", "side": "quoted", "stratum": lean, "x": 5.0 + d},
                {"unit": f"{lean}{o}", "side": "outlet", "stratum": lean, "x": 5.0},
            ]
    tests, _ = paired_tests(
        pd.DataFrame(rows), ["x"], [("quoted", "outlet")], ["right", "left", "center"],
        n_boot=200, seed=1, columns=("unit", "side", "stratum"),
    )  # fmt: skip
    t = tests.set_index("voice")
    assert t.loc["right", "p_value"] == pytest.approx(2 / 2**10)
    assert t.loc["right", "p_adj"] == pytest.approx(2 / 2**10)  # a family of one
    assert bool(t.loc["right", "reject"])
    for lean in ("left", "center"):  # 4 outlets; 1 untied of 10: p 0.125 and 1 at best
        assert t.loc[lean, "p_value"] > 0.05 and np.isnan(t.loc[lean, "p_adj"])
        assert not t.loc[lean, "reject"]
    renamed = tests.rename(
        columns={"voice": "lean", "outlet_a": "voice_a", "outlet_b": "voice_b",
                 "n_events": "n_outlets"}
    ).assign(n_articles=50)  # fmt: skip
    said = voice_tests_markdown(renamed)[0]
    assert (
        "Benjamini-Hochberg across the 1 tests that can reach p < 0.05 at all; the other 2" in said
    )


def test_one_large_outlet_does_not_make_a_lean_significant():
    """Forty articles of one outlet whose quotes run far above its prose, and ten outlets
    whose quotes do not: as a thousand-article test this was significant; over outlets the
    one outlet is one unit of eleven."""
    from analysis.outlets import voice_tests

    rng = np.random.default_rng(3)
    rows = []
    for o in range(11):
        for i in range(40 if o == 0 else 6):
            prose = rng.normal(0, 1)
            gap = 2.0 if o == 0 else rng.normal(0, 0.5)
            for voice, value in (("outlet", prose), ("quoted", prose + gap)):
                rows.append({"article_id": f"{o}-{i}", "outlet": f"O{o}", "lean": "left",
                             "voice": voice, "x": value})  # fmt: skip
    table = pd.DataFrame(rows)
    wide = table.pivot(index="article_id", columns="voice", values="x")
    assert stats.wilcoxon(wide["quoted"] - wide["outlet"]).pvalue < 0.001  # article level
    tests, _ = voice_tests(table, ["x"], ["left"], {"min_articles": 5}, seed=1, n_boot=300)
    assert tests.loc[0, "n_outlets"] == 11 and not tests.loc[0, "reject"]


def test_voice_differences_figure_and_caption():
    import matplotlib.pyplot as plt

    from analysis.outlets import plot_voice_differences, rank_mean_disagreements, voice_tests

    tests, _ = voice_tests(voiced_outlets(), ["x"], ["left", "right"], {}, seed=1, n_boot=100)
    fig, data = plot_voice_differences(tests, ["x"])
    assert set(data["feature"]) == {"x"} and len(data) == 2
    # each lean row says how many articles and outlets its difference rests on
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    n = data.set_index("lean")
    assert ticks == [
        f"{lean} (n={int(n.loc[lean, 'n_articles'])} articles, {int(n.loc[lean, 'n_outlets'])} outlets)"
        for lean in ("right", "left")
    ]
    assert "95% bootstrap CI over outlets" in fig.get_supxlabel()
    plt.close(fig)
    # most outlets' quotes a little below their prose, a few far above: the rank test
    # rejects, the mean's interval covers 0; the caption says which and why
    rng = np.random.default_rng(2)
    rows = []
    for o in range(60):
        diff = 30.0 if o % 10 == 0 else -1.0 + rng.normal(0.0, 0.3)
        for i in range(5):
            prose = rng.normal(5.0, 0.5)
            for voice, value in (("outlet", prose), ("quoted", prose + diff)):
                rows.append({"article_id": f"{o}-{i}", "outlet": f"O{o}", "voice": voice,
                             "lean": "left", "x": value})  # fmt: skip
    skewed, _ = voice_tests(pd.DataFrame(rows), ["x"], ["left"], {}, 1, 300)
    row = skewed.iloc[0]
    assert row["reject"] and row["mean_diff"] > 0 > row["median_diff"]
    sentence = rank_mean_disagreements(skewed.assign(ci_low=-0.1))  # an interval across 0
    assert sentence.startswith(" 1 of the 1 rows shown is significant with an interval across 0")
    assert "the outlet voice is higher in 54 outlets, the quoted voice in 6" in sentence
    assert rank_mean_disagreements(skewed) == ""  # both agree: nothing to say
    assert rank_mean_disagreements(skewed.assign(reject=False, p_value=0.2)) == (
        " 1 has an interval clear of 0 without a significant rank test "
        "(large differences in a few outlets)."
    )


def test_count_features_are_summed_over_segments_for_the_decomposition(tmp_path):
    """A count per segment is summed over the voice's segments, read part by part: one hit
    in a long quote and one in a short prose paragraph are one hit each (the article x
    voice table's length-weighted mean times the length would weigh the quote's more)."""
    from analysis.compare import voice_decomposition
    from analysis.outlets import voice_hit_counts

    parts = tmp_path / "features"
    parts.mkdir()
    pd.DataFrame(
        {
            "article_id": ["a", "a", "a", "b"],
            "voice": ["outlet", "quoted", "page", "outlet"],
            "n_chars": [50, 500, 10, 80],
            "hits": [1.0, 1.0, 7.0, np.nan],
        }  # fmt: skip
    ).to_parquet(parts / "part-00000.parquet")
    pd.DataFrame(
        {
            "article_id": ["c", "c", "z"],
            "voice": ["outlet", "outlet", "quoted"],
            "n_chars": [10, 10, 10],
            "hits": [2.0, 0.0, 5.0],
        }  # fmt: skip
    ).to_parquet(parts / "part-00001.parquet")
    articles = pd.DataFrame({"article_id": ["a", "b", "c"], "outlet": ["X", "X", "Y"]})
    hits = voice_hit_counts(tmp_path, articles, ["hits"])
    got = hits.set_index(["article_id", "voice"])["hits"]
    assert got[("a", "outlet")] == 1 and got[("a", "quoted")] == 1 and got[("c", "outlet")] == 2
    assert ("a", "page") not in got.index and "z" not in hits["article_id"].tolist()
    assert np.isnan(got[("b", "outlet")])  # not measured: missing, not 0
    dec = voice_decomposition(hits, "outlet", ["hits"], weight=None).set_index(["outlet", "voice"])
    assert dec.loc[("X", "quoted"), "share"] == 0.5 and dec.loc[("Y", "outlet"), "share"] == 1


def test_lean_intervals_resample_outlets_not_articles():
    """A lean's interval resamples its outlets with all their articles: with a few large
    outlets far apart, resampling articles made it several times too narrow."""
    from analysis.compare import bootstrap_means
    from analysis.outlets import lean_bootstrap_means

    rng = np.random.default_rng(4)
    rows = []
    for k in range(8):  # 8 outlets per lean, sizes 5..400, outlet effects sd 1
        for lean in ("left", "right"):
            size, level = int(5 * 1.9**k), rng.normal(0, 1)
            for i in range(size):
                rows.append({"article_id": f"{lean}{k}-{i}", "outlet": f"{lean}{k}",
                             "lean": lean, "voice": "outlet", "f": level + rng.normal(0, 0.3)})  # fmt: skip
    table = pd.DataFrame(rows)
    table.loc[table.index[:3], "f"] = np.nan
    means = lean_bootstrap_means(table, ["f"], 400, seed=1)
    assert list(means.columns[:8]) == [
        "lean", "voice", "feature", "n", "n_outlets", "mean", "ci_low", "ci_high",
    ]  # fmt: skip
    means = means.set_index("lean")
    naive = bootstrap_means(table, ["lean", "voice"], ["f"], 400, seed=1).set_index("lean")
    assert means.loc["left", "mean"] == pytest.approx(naive.loc["left", "mean"])
    assert means.loc["left", "n"] == naive.loc["left", "n"] == (table["lean"] == "left").sum() - 3
    assert (means["n_outlets"] == 8).all()
    width = means["ci_high"] - means["ci_low"]
    naive_width = naive["ci_high"] - naive["ci_low"]
    assert (width > 4 * naive_width).all()


def test_the_lean_mapping_hint_names_the_column_and_a_sensible_lean():
    from analysis.outlets import lean_map_hint
    from analysis.run import compose_config

    cfg = compose_config(["corpus=custom", "corpus.path=mine.csv", "corpus.fields.lean=leaning"])
    hint = lean_map_hint(cfg, ["Lean Left", "Lean Right", "Left-Center", "mixed"])
    assert hint == (
        "'corpus.fields.lean={column:leaning,map:{Lean Left:left,Lean Right:right,"
        "Left-Center:LEAN,mixed:LEAN}}' with each LEAN replaced by left, center or right"
    )
    named = lean_map_hint(compose_config(["corpus=allsides"]), ["Lean Right"])
    assert named == "'+corpus.fields.lean={column:bias_text,map:{Lean Right:right}}'"


def test_an_outlet_with_articles_of_two_leans_is_named():
    from analysis.outlets import outlet_leans

    table = pd.DataFrame(
        {
            "article_id": ["a", "b", "c", "d", "e", "e"],
            "outlet": ["X", "X", "X", "Y", "Z", "Z"],
            "lean": ["right", "left", "right", "center", "left", "left"],
        }
    )
    lean_of, note = outlet_leans(table)
    assert lean_of.to_dict() == {"X": "right", "Y": "center", "Z": "left"}
    assert note.startswith("1 outlet carries articles of more than one lean: X (right 2, left 1)")
    assert outlet_leans(table[table["outlet"] != "X"])[1] is None


def test_the_voice_figure_skips_features_that_never_differ():
    """An all-zero panel (a cue no article uses in either voice) took one of the six places
    while features with clear differences were left out; listed features stay as given."""
    from analysis.outlets import voice_plot_features

    paired = pd.DataFrame(
        {"feature": ["zero", "zero", "a", "b", "c"], "mean_diff": [0.0, np.nan, 0.2, -0.1, 0.3]}
    )
    assert voice_plot_features(["zero", "a", "b", "c"], paired, 2) == ["a", "b"]
    assert voice_plot_features(["zero", "a"], paired, ["zero", "a"]) == ["zero", "a"]
    assert voice_plot_features(["zero", "a"], None, 1) == ["zero"]


def test_pooled_voice_tests_add_one_stratum_over_every_outlet():
    """With leans of a few outlets no per-lean test can reach significance; pooled=true adds
    the stratum "all" (every outlet once), and the per-lean rows stay as they were."""
    from analysis.outlets import voice_tests

    table = voiced_outlets()
    spec = {"min_articles": 5}
    alone, note = voice_tests(table, ["x"], ["left", "right"], spec, seed=1, n_boot=100)
    both, pooled_note = voice_tests(
        table, ["x"], ["left", "right"], {**spec, "pooled": True}, seed=1, n_boot=100
    )
    assert both["lean"].tolist() == ["left", "right", "all"]
    assert pooled_note == note  # the outlets left out are counted once
    per_lean = both[both["lean"] != "all"].drop(columns=["p_adj", "reject"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        per_lean, alone.drop(columns=["p_adj", "reject"]).reset_index(drop=True)
    )
    every = both.set_index("lean").loc["all"]
    assert every["n_outlets"] == 22 and every["n_articles"] == 154  # 11 + 11 outlets x 7

"""Figures: every plot function draws synthetic tables, writes through save_figure, and a
second rendering is byte-identical (PNG, PDF, SVG)."""

from __future__ import annotations

import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis import compare
from analysis.plots import (
    CATEGORY_STYLES,
    feature_label,
    paper_style,
    plot_article_vs_distribution,
    plot_distinctive_words,
    plot_forest,
    plot_frame_composition,
    plot_heatmap,
    plot_outlet_counts,
    plot_voice_decomposition,
    plot_voice_shares,
    save_figure,
)

OUTLETS = {
    "CNN (Web News)": "left",
    "New York Times - News": "left",
    "Politico": "left",
    "Vox": "left",
    "NPR Online News": "center",
    "Reuters": "center",
    "USA TODAY": "center",
    "BBC News": "center",
    "Fox Online News": "right",
    "Washington Times": "right",
    "Breitbart News": "right",
    "RT": "right",
}
FRAMES = [
    "economic",
    "capacity_and_resources",
    "morality",
    "fairness_and_equality",
    "legality_constitutionality_and_jurisprudence",
    "policy_prescription_and_evaluation",
    "crime_and_punishment",
    "security_and_defense",
    "health_and_safety",
    "quality_of_life",
    "cultural_identity",
    "public_opinion",
    "political",
    "external_regulation_and_reputation",
    "other",
]


def synthetic_table(n_articles: int = 600, seed: int = 0) -> pd.DataFrame:
    """Article x voice table with outlet, lean, topic, voice, n_chars and features."""
    rng = np.random.default_rng(seed)
    names = list(OUTLETS)
    outlet = rng.choice(names, n_articles, p=np.linspace(2, 1, len(names)) / 18)
    rows = []
    for i, o in enumerate(outlet):
        lean = OUTLETS[o]
        topic = rng.choice(["terrorism", "middle_east", "us_military", "defense"])
        for voice in ("outlet", "quoted", "social"):
            if voice == "social" and rng.random() > (0.6 if o == "RT" else 0.25):
                continue
            n_chars = int(rng.integers(200, 4000) if voice == "outlet" else rng.integers(50, 800))
            shift = {"left": 0.05, "center": 0.0, "right": -0.08}[lean]
            sarcasm = rng.poisson(0.8 if voice == "social" else 0.05)
            rows.append(
                {
                    "article_id": f"a{i:04d}",
                    "outlet": o,
                    "lean": lean,
                    "topic": topic,
                    "voice": voice,
                    "n_chars": n_chars,
                    "vader_compound_mean": float(np.clip(rng.normal(shift, 0.3), -1, 1)),
                    "irony_sarcastic_gratitude": float(sarcasm),
                    "irony_all_caps_ratio": float(rng.beta(1, 20 if voice != "social" else 5)),
                    "frame_economic": float(rng.gamma(2, 2)),
                    "frame_security_and_defense": float(rng.gamma(3, 3 if lean == "right" else 2)),
                    "hedging_purported": float(rng.gamma(1, 1) * (o == "RT") + rng.gamma(1, 0.3)),
                    "loaded_any": float(rng.gamma(2, 1.5)),
                    "actor_taliban__militants": float(rng.poisson(0.3)),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return synthetic_table()


@pytest.fixture(scope="module")
def figures(table) -> dict:
    return figure_cases(table)


def figure_cases(table: pd.DataFrame) -> dict:
    """name -> (function drawing a fresh figure, the table it plots)."""
    outlet_voice = table[table["voice"] == "outlet"]
    means = compare.bootstrap_means(outlet_voice, "outlet", n_boot=200)
    means = means.merge(table[["outlet", "lean"]].drop_duplicates(), on="outlet")
    lean_means = compare.bootstrap_means(table, ["lean", "voice"], ["vader_compound_mean"], 200)
    rng = np.random.default_rng(1)
    shares = pd.DataFrame(
        [
            {"outlet": o, "frame": f, "share": float(rng.gamma(1.0, 1.0)), "n": 40}
            for o in OUTLETS
            for f in FRAMES
        ]
    )
    words = pd.DataFrame(
        [
            {"group": g, "term": f"{g} term {k}", "count": 100 - k, "log_odds": 0.1, "z": 9 - k / 2}
            for g in ("left", "center", "right")
            for k in range(15)
        ]
    )
    feats = ["irony_sarcastic_gratitude", "hedging_purported", "loaded_any"]
    article = {"irony_sarcastic_gratitude": 2.0, "hedging_purported": 4.1, "loaded_any": 3.0}
    return {
        "heatmap": (lambda: plot_heatmap(means, zscore=True).figure, means),
        "forest_outlet": (
            lambda: plot_forest(means, "outlet", "vader_compound_mean", ref=0).figure,
            means[means["feature"] == "vader_compound_mean"],
        ),
        "forest_lean": (
            lambda: plot_forest(lean_means, "lean", hue="voice", ref=0).figure,
            lean_means,
        ),
        "frames": (lambda: plot_frame_composition(shares).figure, shares),
        "words": (lambda: plot_distinctive_words(words), words),
        "voices": (
            lambda: plot_voice_decomposition(table, "outlet", feats[:2]),
            compare.voice_decomposition(table, "outlet", ["n_chars", *feats[:2]]),
        ),
        "article": (
            lambda: plot_article_vs_distribution(outlet_voice, article, feats, article_group="RT"),
            outlet_voice[["outlet", *feats]],
        ),
    }


NAMES = ["heatmap", "forest_outlet", "forest_lean", "frames", "words", "voices", "article"]


def _render_twice(draw, data, name, tmp_path, formats, dpi):
    outputs = []
    for run in ("a", "b"):
        with paper_style():
            paths = save_figure(draw(), tmp_path / run, name, data, formats=formats, dpi=dpi)
        outputs.append({p.name: p.read_bytes() for p in paths})
    assert set(outputs[0]) == {f"{name}.{ext}" for ext in ("csv", *formats)}
    for file, content in outputs[0].items():
        assert content == outputs[1][file], f"{file} differs between two renderings"


@pytest.mark.parametrize("name", NAMES)
def test_figures_draw(figures, name):
    draw, data = figures[name]
    assert len(data)
    with paper_style():
        fig = draw()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert visible
    assert all(ax.has_data() for ax in visible if ax.get_label() != "<colorbar>")
    plt.close(fig)


def test_png_is_byte_identical_on_rerun(figures, tmp_path):
    # one figure in the default run; every figure and format in the slow test below
    draw, data = figures["forest_lean"]
    _render_twice(draw, data, "forest_lean", tmp_path, ("png",), dpi=50)


def test_every_offered_format_is_written_byte_identical_and_others_are_refused(figures, tmp_path):
    """TIFF and JPEG (journals ask for them) take no metadata: they used to crash the run
    after its features were computed. Every format offered is written and reproducible; a
    format that is not (eps embeds the time, pgf needs LaTeX, a typo) is refused first."""
    from analysis.errors import ConfigError
    from analysis.plots import FIGURE_FORMATS, check_formats

    draw, data = figures["forest_lean"]
    _render_twice(draw, data, "forest_lean", tmp_path, FIGURE_FORMATS, dpi=40)
    assert check_formats(["png", "tiff"]) == ["png", "tiff"] and check_formats("pdf") == ["pdf"]
    for bad, says in [(["png", "eps"], "eps embeds the time of writing"),
                      (["pgn"], "pgn is not a figure format here"), ([], "choose from png")]:  # fmt: skip
        with pytest.raises(ConfigError, match=says):
            check_formats(bad)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_figures_all_formats_are_byte_identical_on_rerun(figures, name, tmp_path):
    draw, data = figures[name]
    _render_twice(draw, data, name, tmp_path, ("png", "pdf", "svg"), dpi=200)


def test_existing_figures_still_work(tmp_path):
    counts = pd.DataFrame({"outlet": ["A", "B"], "lean": ["left", "right"], "articles": [3, 5]})
    shares = pd.DataFrame(
        {"outlet": ["A", "A", "B"], "voice": ["outlet", "social", "outlet"], "share": [0.8, 0.2, 1]}
    )
    with paper_style():
        save_figure(plot_outlet_counts(counts).figure, tmp_path, "c", counts, ("png",))
        save_figure(plot_voice_shares(shares, "outlet").figure, tmp_path, "v", shares, ("png",))
    assert (tmp_path / "c.png").exists() and (tmp_path / "v.png").exists()
    # with the articles behind each bar: beside the outlet's name
    ax = plot_voice_shares(shares.assign(n=[1200, 1200, 7]), "outlet")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B (n=7)", "A (n=1,200)"]


def test_outlet_counts_legend_names_no_source_and_stays_off_the_bars():
    """The leans are the corpus's (BASIL, a custom corpus: not AllSides); center is not the
    grey of "no lean"; the legend stands beside the bars."""
    from matplotlib.colors import to_hex

    from analysis.plots import LEAN_COLORS, NO_LEAN_COLOR

    counts = pd.DataFrame(
        {
            "outlet": [f"outlet {i}" for i in range(8)],
            "lean": ["left", "center", "right", "unknown", "center", "left", "right", "left"],
            "articles": [40, 38, 36, 35, 34, 33, 32, 31],  # long bars everywhere
        }
    )
    with paper_style():
        ax = plot_outlet_counts(counts)
        fig = ax.figure
        legend = ax.get_legend()
        title = legend.get_title().get_text()
        assert "AllSides" not in title and title.startswith("lean")
        labels = [t.get_text() for t in legend.get_texts()]
        assert labels == ["left", "center", "right", "not given"]
        fig.canvas.draw()
        box = legend.get_window_extent()
        for bar in ax.patches:
            assert not box.overlaps(bar.get_window_extent()), "the legend covers a bar"
        by_outlet = {
            t.get_text(): to_hex(b.get_facecolor())
            for t, b in zip(ax.get_yticklabels(), ax.patches, strict=True)
        }
        assert by_outlet["outlet 3"] == NO_LEAN_COLOR.lower()
        assert by_outlet["outlet 1"] == LEAN_COLORS["center"].lower()
        named = plot_outlet_counts(counts.head(3), lean_source="AllSides")
        assert named.get_legend().get_title().get_text() == "lean (AllSides)"
        plt.close("all")
    # center is far from the no-lean grey (it was #999999 against #7F7F7F)
    rgb = [int(LEAN_COLORS["center"][i : i + 2], 16) for i in (1, 3, 5)]
    grey = [int(NO_LEAN_COLOR[i : i + 2], 16) for i in (1, 3, 5)]
    assert (
        max(rgb) - min(rgb) > 60 and sum(abs(a - b) for a, b in zip(rgb, grey, strict=True)) > 100
    )
    assert (LEAN_COLORS["left"], LEAN_COLORS["right"]) == ("#0072B2", "#D55E00")


def test_forest_is_sorted_by_mean_and_shows_n(table):
    means = compare.bootstrap_means(table[table["voice"] == "outlet"], "outlet", n_boot=50)
    with paper_style():
        ax = plot_forest(means, "outlet", "frame_economic", color_by=None)
    sub = means[means["feature"] == "frame_economic"].sort_values("mean")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [lab.split(" (n=")[0] for lab in labels] == sub["outlet"].tolist()
    assert all("(n=" in lab for lab in labels)


def test_forest_keeps_leans_in_political_order():
    """Leans are drawn left, center, right from the top whatever their means; a level
    outside the three (e.g. "unknown") goes below them."""
    means = pd.DataFrame(
        {
            "lean": ["right", "left", "center", "unknown"],
            "feature": "f",
            "mean": [0.1, 0.3, 0.2, 0.0],
            "ci_low": [0.0, 0.2, 0.1, -0.1],
            "ci_high": [0.2, 0.4, 0.3, 0.1],
            "n": 10,
        }
    )
    with paper_style():
        ax = plot_forest(means, "lean", "f")
    bottom_up = [t.get_text().split(" (n=")[0] for t in ax.get_yticklabels()]
    assert bottom_up == ["unknown", "right", "center", "left"]


def test_forest_needs_one_row_per_group(table):
    means = compare.bootstrap_means(table, ["outlet", "voice"], ["frame_economic"], 20)
    with pytest.raises(ValueError, match="hue"):
        plot_forest(means, "outlet")


def test_heatmap_rejects_duplicate_cells(table):
    means = compare.bootstrap_means(table, ["outlet", "voice"], ["frame_economic"], 20)
    with pytest.raises(ValueError, match="one value per"):
        plot_heatmap(means)


def test_heatmap_handles_missing_cells_and_single_row():
    means = pd.DataFrame(
        {"outlet": ["A", "A"], "feature": ["f", "g"], "mean": [0.2, np.nan], "n": [1, 0]}
    )
    with paper_style():
        ax = plot_heatmap(means)
    assert ax.get_yticklabels()[0].get_text() == "A (n=1)"


def test_heatmap_labels_sparse_features_with_how_few_articles_carry_them():
    """A feature that one article in 200 carries is labelled with that count under its
    name, and stays in the note on units; features most articles carry are not."""
    from analysis.outlets import sparse_features

    table = pd.DataFrame(
        {
            "irony_sarcastic_gratitude": [0.0] * 199 + [0.5],
            "loaded_any": np.linspace(0.1, 3, 200),
            "hedging_hedge": [np.nan] * 5 + [0.0] * 190 + [1.0] * 5,
            "outlet": ["A", "B"] * 100,
        }
    )
    feats = ["irony_sarcastic_gratitude", "loaded_any", "hedging_hedge"]
    sparse = sparse_features(table, feats, 0.05)
    assert sparse == {"irony_sarcastic_gratitude": (1, 200), "hedging_hedge": (5, 200)}
    rows = (table["outlet"] == "B").to_numpy()
    assert sparse_features(table, feats, 0.05, rows) == {
        "irony_sarcastic_gratitude": (1, 100),
        "hedging_hedge": (3, 100),
    }
    assert sparse_features(table, feats, 0.0) == {}
    means = compare.bootstrap_means(table, ["outlet"], feats, 20)
    notes = {f: f"({k:,} of {n:,} articles)" for f, (k, n) in sparse.items()}
    with paper_style():
        ax = plot_heatmap(means, zscore=True, col_notes=notes)
    labels = sorted(t.get_text() for t in ax.get_xticklabels())
    assert labels == [
        "hedging: hedge (5 of 200 articles)",
        "irony: sarcastic gratitude (×1,000) (1 of 200 articles)",  # means under 0.01
        "loaded: any",
    ]
    assert "irony sarcastic gratitude" in " ".join(ax.get_xlabel().split())  # units note


def test_heatmap_mutes_cells_the_interval_cannot_tell_from_the_average():
    """A rare count that one outlet has in two articles is +3 sd; its interval reaches the
    column mean, so it is drawn pale and the note says why. The outlets without a single
    hit have the one-value interval [0, 0], which 'excludes' the mean only because the
    bootstrap cannot vary a constant: pale too. A clear difference is not."""
    means = pd.DataFrame(
        {
            "outlet": ["A", "B", "C", "D"] * 2,
            "feature": ["rare"] * 4 + ["clear"] * 4,
            "mean": [0.0, 0.0, 0.0, 0.004, 1.0, 1.2, 0.8, 3.0],
            "ci_low": [0.0, 0.0, 0.0, 0.0, 0.95, 1.15, 0.75, 2.8],
            "ci_high": [0.0, 0.0, 0.0, 0.012, 1.05, 1.25, 0.85, 3.2],
            "n": 100,
        }
    )

    def pale(ax):
        return sorted(
            (int(round(p.get_y() + 0.5)), int(round(p.get_x() + 0.5)))
            for p in ax.patches
            if isinstance(p, matplotlib.patches.Rectangle) and p.get_alpha()
        )

    with paper_style():
        ax = plot_heatmap(means, zscore=True, col_order=["rare", "clear"])
        assert pale(ax) == [(0, 0), (1, 0), (2, 0), (3, 0)]  # the "rare" column; "clear" stays
        assert ax.get_xlabel().startswith("Pale cells: the outlet's 95% interval")
        assert "or is a single value (all its articles alike" in ax.get_xlabel()
        plain = plot_heatmap(means, zscore=True, mute_within_ci=False)
        assert pale(plain) == [] and "Pale" not in plain.get_xlabel()
        levels = plot_heatmap(means.drop(columns=["ci_low", "ci_high"]), zscore=True)
        assert pale(levels) == []
    # a skewed feature (a methods review: all-caps shares): one outlet far above pulls the
    # mean off the three typical ones, which then looked different while it looked average;
    # against the median the typical ones are pale and the outlier is not
    skewed = pd.DataFrame(
        {
            "outlet": ["A", "B", "C", "D"],
            "feature": "caps",
            "mean": [0.0001, 0.0002, 0.0004, 0.0058],
            "ci_low": [0.0, 0.0001, 0.0002, 0.001],
            "ci_high": [0.00035, 0.0004, 0.0006, 0.0167],
            "n": 100,
        }
    )
    assert np.mean(skewed["mean"]) > skewed["ci_high"][:3].max()  # the old centre
    with paper_style():
        ax = plot_heatmap(skewed, zscore=True)
    assert pale(ax) == [(0, 0), (1, 0), (2, 0)]
    assert "includes the median of the outlets shown" in " ".join(ax.get_xlabel().split())


def test_frame_composition_needs_enough_styles():
    assert len(set(CATEGORY_STYLES)) == len(CATEGORY_STYLES) >= 15
    shares = pd.DataFrame({"outlet": "A", "frame": [f"f{k}" for k in range(17)], "share": 1.0})
    with pytest.raises(ValueError, match="distinct fills"):
        plot_frame_composition(shares)


def test_voice_decomposition_rejects_signed_features(table):
    with pytest.raises(ValueError, match="non-negative"):
        plot_voice_decomposition(table, "outlet", ["vader_compound_mean"])


def test_voice_decomposition_figure_from_given_numbers(table, tmp_path):
    """A caller that already computed the decomposition (to write it) hands it over, and
    the figure is the one drawn from the table: same bytes, no second pass over the rows."""
    feats = ["irony_sarcastic_gratitude", "hedging_purported"]
    dec = compare.voice_decomposition(table, "outlet", ["n_chars", *feats])
    drawn = {}
    for how, source in (("table", table), ("given", table.iloc[:0])):
        with paper_style():
            fig = plot_voice_decomposition(
                source, "outlet", feats, decomposition=dec if how == "given" else None
            )
            paths = save_figure(fig, tmp_path / how, "voices", dec, formats=["png"], dpi=60)
        drawn[how] = [p.read_bytes() for p in paths]
    assert drawn["given"] == drawn["table"]


def test_article_panel_says_na_for_missing_value(table):
    dist = table[table["voice"] == "outlet"]
    with paper_style():
        fig = plot_article_vs_distribution(dist, {"loaded_any": np.nan}, ["loaded_any"])
    assert "n/a" in fig.axes[0].get_title(loc="left")


def test_distinctive_words_panel_for_empty_group():
    words = pd.DataFrame({"group": ["left"], "term": ["x"], "count": [3], "log_odds": 1, "z": 2.5})
    with paper_style():
        fig = plot_distinctive_words(words, groups=["left", "right"], top=5)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("frame_economic", "frame: economic (hits per 1,000 tokens)"),
        ("actor_taliban__militants", "actor: taliban / militants (hits per segment)"),
        ("vader_positive_share", "vader: positive share (share, 0-1)"),
        ("mystery", "mystery"),
        ("marked_words_rate", "marked words: rate (expected per 1,000 tokens)"),
        ("marked_words_max", "marked words: max (highest token probability, 0-1)"),
    ],
)
def test_feature_label(name, expected):
    assert feature_label(name) == expected


def test_crowded_tick_labels_are_thinned(tmp_path):
    """A narrow axis with long tick labels (-0.175, -0.150, ...) gets fewer ticks, so no two
    labels touch; a categorical axis keeps its own ticks."""
    import matplotlib.pyplot as plt

    from analysis.plots import _ticks_overlap, paper_style, save_figure

    with paper_style():
        fig, (ax, bar) = plt.subplots(1, 2, figsize=(3.5, 1.5))
        ax.plot([-0.1875, -0.0125], [0, 1])
        bar.bar(["a", "b", "c"], [1, 2, 3])
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        assert _ticks_overlap(ax.xaxis, renderer, 4 * fig.dpi / 72)  # the default crowds
        paths = save_figure(fig, tmp_path, "crowded", pd.DataFrame({"x": [1]}), formats=["png"])
        assert not _ticks_overlap(ax.xaxis, renderer, 4 * fig.dpi / 72)
        assert len([t for t in ax.get_xticklabels() if t.get_text()]) >= 3
        assert [t.get_text() for t in bar.get_xticklabels()] == ["a", "b", "c"]
    assert {p.suffix for p in paths} == {".csv", ".png"}


def test_heatmap_prints_a_column_of_tiny_values_times_1000():
    """0.00051 next to 0.00029 overran their cells: such a column prints 0.51 and 0.29,
    and its label and the note under the plot say the values are times 1,000."""
    means = pd.DataFrame(
        {
            "outlet": ["A", "A", "B", "B"],
            "feature": ["irony_all_caps_ratio", "hedging_hedge"] * 2,
            "mean": [0.00051, 4.9, 0.00029, 6.0],
        }
    )
    ax = plot_heatmap(means, zscore=True)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["0.29", "0.51", "4.9", "6"]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].endswith("(×1,000)") and "×" not in labels[1]
    assert "times 1,000" in ax.get_xlabel().replace("\n", " ")
    plt.close(ax.figure)


# --------------------------------------------------------------------------- review fixes


def _hex(color) -> str:
    from matplotlib.colors import to_hex

    return to_hex(color).lower()


def _bars_by_row(ax) -> dict:
    """Row index -> the bar patches drawn on it (horizontal bars)."""
    rows: dict = {}
    for p in ax.patches:
        if isinstance(p, matplotlib.patches.Rectangle) and p.get_width() > 0:
            rows.setdefault(int(round(p.get_y() + p.get_height() / 2)), []).append(p)
    return rows


def test_voice_colours_are_never_lean_colours_and_voices_have_markers():
    """A blue dot on the "left" row read as "left": voices have their own hues, none of
    them a lean's (or the grey of no lean), and each its own marker in the forest plot
    and its legend, so the legend does not rest on colour alone."""
    from analysis.plots import LEAN_COLORS, NO_LEAN_COLOR, VOICE_COLORS, VOICE_MARKERS

    lean_hues = {c.lower() for c in LEAN_COLORS.values()} | {NO_LEAN_COLOR.lower()}
    assert not {c.lower() for c in VOICE_COLORS.values()} & lean_hues
    assert len(set(VOICE_COLORS.values())) == len(VOICE_COLORS)
    assert len(set(VOICE_MARKERS.values())) == len(VOICE_MARKERS)
    means = pd.DataFrame(
        [
            {"lean": lean, "voice": v, "feature": "f", "n": 50, "n_outlets": 9,
             "mean": k + j / 10, "ci_low": k - 0.1, "ci_high": k + 0.3}
            for k, lean in enumerate(["left", "center", "right"])
            for j, v in enumerate(["outlet", "quoted", "social"])
        ]
    )  # fmt: skip
    with paper_style():
        ax = plot_forest(means, "lean", hue="voice")
    points = [ln for ln in ax.lines if ln.get_marker() not in (None, "None", "", " ")]
    assert len(points) == 9
    drawn = {(_hex(ln.get_color()), ln.get_marker()) for ln in points}
    assert drawn == {
        (VOICE_COLORS[v].lower(), VOICE_MARKERS[v]) for v in VOICE_COLORS if v != "page"
    }
    assert not {c for c, _ in drawn} & lean_hues
    legend = ax.get_legend()
    entries = {
        t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
    }
    assert list(entries) == ["outlet", "quoted", "social"]
    assert [entries[v].get_marker() for v in entries] == [VOICE_MARKERS[v] for v in entries]
    plt.close(ax.figure)


def test_outlets_are_coloured_by_lean_and_named_for_display():
    """BASIL's corpus gives no lean, its paper does: passed in, fox is the vermilion of
    "right" as AllSides' Fox is, and the codes read as the names the other BASIL figures
    use, in the counts and in the voice shares."""
    from analysis.plots import LEAN_COLORS, NO_LEAN_COLOR, outlet_colors

    leans = {"fox": "right", "hpo": "left", "nyt": "center"}
    names = {"fox": "Fox News", "hpo": "HuffPost", "nyt": "NYT"}
    assert outlet_colors({**leans, "x": None, "y": "Left"}) == {
        "fox": LEAN_COLORS["right"],
        "hpo": LEAN_COLORS["left"],
        "nyt": LEAN_COLORS["center"],
        "x": NO_LEAN_COLOR,
        "y": LEAN_COLORS["left"],
    }
    counts = pd.DataFrame(
        {"outlet": ["fox", "hpo", "nyt"], "lean": "unknown", "articles": [70, 70, 70]}
    )
    with paper_style():
        ax = plot_outlet_counts(counts, leans=leans, labels=names, lean_source="BASIL")
        bars = {
            t.get_text(): _hex(b.get_facecolor())
            for t, b in zip(ax.get_yticklabels(), ax.patches, strict=True)
        }
        assert bars == {names[o]: LEAN_COLORS[lean].lower() for o, lean in leans.items()}
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["left", "center", "right"]
        # without the mapping the corpus's "unknown" is the grey of no lean, as before
        plain = plot_outlet_counts(counts)
        assert {_hex(b.get_facecolor()) for b in plain.patches} == {NO_LEAN_COLOR.lower()}
        shares = pd.DataFrame(
            {"outlet": ["fox", "fox", "hpo", "nyt"], "voice": ["outlet", "quoted"] + ["outlet"] * 2,
             "share": [0.7, 0.3, 1.0, 1.0], "n": 70}
        )  # fmt: skip
        ax = plot_voice_shares(shares, "outlet", labels=names)
        assert [t.get_text() for t in ax.get_yticklabels()] == [
            "NYT (n=70)",
            "HuffPost (n=70)",
            "Fox News (n=70)",
        ]
    plt.close("all")


def test_lean_rows_say_how_many_articles_and_outlets_they_rest_on():
    """A lean's row carries its n and outlets ("left (n=62 articles, 15 outlets)"); with
    voices dodged, each point has its own, printed on its row right of the axes."""
    from analysis.plots import count_label, count_labels

    csv = pd.DataFrame(
        {
            "lean": ["center", "left", "right", "left"],
            "voice": ["social", "social", "social", "outlet"],
            "feature": "vader_compound_mean",
            "n": [29, 62, 70, 974],
            "n_outlets": [7, 15, 14, 48],
            "mean": [-0.1, 0.0, -0.02, -0.08],
            "ci_low": [-0.2, -0.05, -0.08, -0.1],
            "ci_high": [0.1, 0.07, 0.05, -0.06],
        }
    )
    social = csv[csv["voice"] == "social"]
    with paper_style():
        ax = plot_forest(social, "lean", ref=0)
        assert [t.get_text() for t in ax.get_yticklabels()][::-1] == [
            "left (n=62 articles, 15 outlets)",
            "center (n=29 articles, 7 outlets)",
            "right (n=70 articles, 14 outlets)",
        ]
        ax = plot_forest(csv, "lean", hue="voice")
        texts = {t.get_text(): t.get_position()[1] for t in ax.texts}
        assert set(texts) == {
            "n=974 articles, 48 outlets",
            "n=62 articles, 15 outlets",
            "n=29 articles, 7 outlets",
            "n=70 articles, 14 outlets",
        }
        # each count on the row of its own point
        social_left = next(
            ln for ln in ax.lines if ln.get_marker() == "^" and ln.get_xdata()[0] == 0.0
        )
        assert texts["n=62 articles, 15 outlets"] == pytest.approx(social_left.get_ydata()[0])
        assert all(t.get_position()[0] > 1 for t in ax.texts)  # right of the axes
    plt.close("all")
    # the voice-differences figure's rows (analysis.outlets.plot_voice_differences)
    paired = pd.DataFrame(
        {"lean": ["left", "left", "right"], "n_articles": [869, 860, 1122], "n_outlets": 16}
    )
    assert count_labels(paired, "lean", n="n_articles") == {
        "left": "left (n=860\u2013869 articles, 16 outlets)",
        "right": "right (n=1,122 articles, 16 outlets)",
    }
    assert count_label("x", 1, 1) == "x (n=1 articles, 1 outlet)"
    assert count_label("x") == "x"


def _decomposition_table() -> pd.DataFrame:
    rows = []
    for outlet, n in (("Big", 30), ("Small", 3), ("Example", 1)):
        for i in range(n):
            for voice, chars, hits in (("outlet", 900, 1.0), ("quoted", 100, 1.0)):
                rows.append(
                    {"article_id": f"{outlet}{i}", "outlet": outlet, "voice": voice,
                     "n_chars": chars, "irony_sarcastic_gratitude": hits}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_voice_decomposition_greys_bars_that_rest_on_few_articles():
    """Three articles drawing a full 100% bar are not evidence: such bars are pale and
    hatched, their count says "n<10", the legend says why; a big outlet's bars and the
    pinned worked example (one article by design) are drawn as they are."""
    from analysis.plots import VOICE_COLORS

    table = _decomposition_table()
    with paper_style():
        fig = plot_voice_decomposition(
            table, "outlet", ["irony_sarcastic_gratitude"], pin_first=["Example"]
        )
    text_ax, feat_ax = fig.axes[:2]
    rows = [t.get_text().split(" (n=")[0] for t in text_ax.get_yticklabels()]
    assert rows[-1] == "Example"  # pinned on top
    for ax in (text_ax, feat_ax):
        by_row = _bars_by_row(ax)
        for k, outlet in enumerate(rows):
            hatched = {bool(p.get_hatch()) for p in by_row[k]}
            assert hatched == {outlet == "Small"}, (outlet, hatched)
        small = by_row[rows.index("Small")]
        assert _hex(small[0].get_facecolor()) != VOICE_COLORS["outlet"].lower()
        big = by_row[rows.index("Big")]
        assert _hex(big[0].get_facecolor()) == VOICE_COLORS["outlet"].lower()
    counts = [t.get_text() for t in feat_ax.texts]
    assert "3 (n<10)" in counts and "30" in counts and "1" in counts
    assert any("fewer than 10 articles" in t.get_text() for t in fig.legends[0].get_texts())
    plt.close(fig)
    with paper_style():
        fig = plot_voice_decomposition(
            table, "outlet", ["irony_sarcastic_gratitude"], min_articles=None
        )
    assert not any(p.get_hatch() for ax in fig.axes for p in ax.patches)
    plt.close(fig)


def test_heatmap_mutes_cells_resting_on_few_articles():
    means = pd.DataFrame(
        {"outlet": ["A", "B", "C"], "feature": "f", "mean": [1.0, 2.0, 3.0], "n": [100, 4, 50]}
    )

    def pale_rows(ax):
        return sorted(
            int(round(p.get_y() + 0.5))
            for p in ax.patches
            if isinstance(p, matplotlib.patches.Rectangle) and p.get_alpha()
        )

    with paper_style():
        ax = plot_heatmap(means)
        assert pale_rows(ax) == [1]  # B, 4 articles
        assert "fewer than 10 articles" in ax.get_xlabel()
        assert pale_rows(plot_heatmap(means, min_n=None)) == []
    plt.close("all")


def test_frame_composition_uses_full_mfc_names_and_shows_n():
    """ "external reputation" read as another category than External regulation and
    reputation: the legend has the Media Frames Corpus names (both spellings of the
    legality column), wrapped, and every outlet row its number of articles."""
    from analysis.plots import MFC_LABELS, frame_label

    assert frame_label("frame_external_regulation_and_reputation") == (
        "External regulation and reputation"
    )
    assert frame_label("frame_policy_prescription_and_evaluation") == (
        "Policy prescription and evaluation"
    )
    assert frame_label("frame_legality_constitutionality_jurisprudence") == (
        "Legality, constitutionality and jurisprudence"
    )
    assert len(MFC_LABELS) == 15
    frames = [f"frame_{f}" for f in FRAMES]
    frames[4] = "frame_legality_constitutionality_jurisprudence"  # as the lexicon names it
    shares = pd.DataFrame(
        [
            {"outlet": o, "frame": f, "share": 1.0 + k}
            for o in ("A", "B")
            for k, f in enumerate(frames)
        ]
    )
    with paper_style():
        ax = plot_frame_composition(shares, n={"A": 172, "B": 93})
    legend = [" ".join(t.get_text().split()) for t in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted(MFC_LABELS.values())
    assert (
        max(len(line) for t in ax.get_legend().get_texts() for line in t.get_text().split("\n"))
        <= 28
    )
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["A (n=172)", "B (n=93)"]
    plt.close(ax.figure)


def test_small_print_is_at_least_6_5_points(table):
    """Counts beside bars were 5.5 pt, below journal minimums."""
    words = pd.DataFrame(
        {"group": "left", "term": ["a", "b"], "count": [30, 20], "log_odds": 1.0, "z": [3.0, 2.0]}
    )
    with paper_style():
        figs = [
            plot_distinctive_words(words),
            plot_voice_decomposition(table, "outlet", ["irony_sarcastic_gratitude"]),
            plot_heatmap(
                pd.DataFrame({"outlet": ["A", "B"], "feature": "f", "mean": [1.0, np.nan]})
            ).figure,
        ]
    for fig in figs:
        sizes = [t.get_fontsize() for ax in fig.axes for t in ax.texts]
        assert sizes and min(sizes) >= 6.5
        plt.close(fig)


def test_article_panel_bands_only_for_enough_articles_and_marks_the_article_in_black():
    """Percentile bands of three articles looked like evidence: an outlet with fewer than
    ten values shows them as dots. The article is black (not the vermilion of "right")
    and its outlet's row is on top."""
    rng = np.random.default_rng(3)
    dist = pd.DataFrame(
        {
            "outlet": ["Big"] * 40 + ["Few"] * 3 + ["RT"],
            "loaded_any": np.r_[rng.gamma(2, 1, 40), [0.5, 1.0, 1.5], [4.0]],
        }
    )
    with paper_style():
        fig = plot_article_vs_distribution(
            dist,
            {"loaded_any": 4.0},
            ["loaded_any"],
            article_group="RT",
            order=["Big", "Few", "RT"],
        )
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "RT (n=1)"  # the top row, whatever the order asked
    row = {lab.split(" (n=")[0]: k for k, lab in enumerate(labels)}
    bands = [seg for coll in ax.collections for seg in coll.get_segments()]
    assert {int(round(seg[0][1])) for seg in bands} == {row["Big"]}
    dots = [ln for ln in ax.lines if ln.get_gid() == "single-values"]
    assert len(dots) == 1 and set(dots[0].get_ydata()) == {row["Few"]}
    assert sorted(dots[0].get_xdata()) == [0.5, 1.0, 1.5]
    marks = [ln for ln in ax.lines if ln.get_gid() != "single-values" and ln.get_marker() == "D"]
    assert len(marks) == 1 and _hex(marks[0].get_color()) == "#000000"
    assert marks[0].get_ydata()[0] == row["RT"]
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert dashed and all(_hex(ln.get_color()) == "#000000" for ln in dashed)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "each article (n < 10)" in legend
    plt.close(fig)

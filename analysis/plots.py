"""Figures: plot functions take a tidy table and return Axes; :func:`save_figure` writes them.

:func:`save_figure` is the one place figures are written: PNG plus PDF/SVG with fixed
metadata so reruns are byte-identical, and the CSV of exactly what is plotted beside them.
All figures share one style (:func:`paper_style`): sized for a paper column, labelled axes,
and the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

import contextlib
import logging
import os
import textwrap
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on clusters and CI

import matplotlib.colors  # noqa: E402
import matplotlib.lines  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.transforms  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.io import atomic_write  # noqa: E402  (re-exported for old imports)

# PDF font subsetting logs every glyph at INFO level
logging.getLogger("fontTools").setLevel(logging.WARNING)

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",
)
#: Lean colours follow the US convention (left blue, right red) within the palette; center
#: is the palette's reddish purple (between the two), never a grey: grey is for no lean.
LEAN_COLORS = {
    "left": "#0072B2",
    "center": "#CC79A7",
    "right": "#D55E00",
}
#: Outlets whose lean the corpus does not give.
NO_LEAN_COLOR = "#7F7F7F"
#: Voice colours: Okabe-Ito hues that no lean uses (a blue dot on the "left" row of a lean
#: forest plot read as "left", not as "the outlet's own prose"); page debris a light grey,
#: unlike the darker grey of "no lean".
VOICE_COLORS = {"outlet": "#009E73", "quoted": "#E69F00", "social": "#56B4E9", "page": "#BBBBBB"}
#: Voice markers wherever voices are points, so the legend does not rest on colour alone.
VOICE_MARKERS = {"outlet": "o", "quoted": "s", "social": "^", "page": "D"}
#: Markers of other hue levels, in order.
HUE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")
#: Bars and cells resting on fewer articles than this are drawn pale and hatched: one
#: article's 100% is not evidence about an outlet.
MIN_ARTICLES = 10
#: Fill of the hatching on such thin-evidence bars.
_THIN_HATCH = "////"
#: One column of a two-column paper is about 3.5 in; full width about 7 in.
COLUMN_WIDTH = 3.5
FULL_WIDTH = 7.0


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Matplotlib settings shared by every framelens figure."""
    rc = {
        "font.size": 8,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
        "savefig.bbox": "tight",
        "svg.hashsalt": "framelens",  # stable element ids in SVG
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
        "figure.dpi": 100,
    }
    with matplotlib.rc_context(rc):
        yield


#: Metadata that would otherwise embed the date or software version and break byte identity.
_METADATA = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    "svg": {"Date": None, "Creator": None},
}
#: Figure formats written byte-identical on every rerun (the raster ones carry no date).
FIGURE_FORMATS = ("png", "pdf", "svg", "tif", "tiff", "jpg", "jpeg", "webp")


def check_formats(formats: Sequence[str] | str | None) -> list[str]:
    """``plot.formats`` as a list, or a :class:`~analysis.errors.ConfigError` naming a
    format that cannot be written (checked before a run starts, not after its features)."""
    from analysis.errors import ConfigError

    given = [formats] if isinstance(formats, str) else list(formats or [])
    bad = [f for f in given if f not in FIGURE_FORMATS]
    if not given or bad:
        detail = "; ".join(
            f"{f} embeds the time of writing, so reruns would differ: pdf is the vector format"
            for f in bad
            if f in ("eps", "ps")
        )
        raise ConfigError(
            f"plot.formats={given} cannot be written"
            + (f": {', '.join(map(str, bad))} is not a figure format here" if bad else "")
            + (f" ({detail})" if detail else "")
            + f"; choose from {', '.join(FIGURE_FORMATS)}, e.g. plot.formats=[png,pdf]"
        )
    return given


def save_figure(
    fig: plt.Figure,
    out_dir: str | os.PathLike,
    name: str,
    data: pd.DataFrame,
    formats: Sequence[str] = ("png", "pdf", "svg"),
    dpi: int = 200,
) -> list[Path]:
    """Write ``fig`` as ``<out_dir>/<name>.<fmt>`` and its data as ``<name>.csv``.

    Returns the paths written. The figure is closed afterwards.
    """
    out = Path(out_dir)
    written = []
    thin_crowded_ticks(fig)
    csv_path = out / f"{name}.csv"
    atomic_write(csv_path, lambda tmp: data.to_csv(tmp, index=False, float_format="%.6g"))
    written.append(csv_path)
    for fmt in formats:
        path = out / f"{name}.{fmt}"
        atomic_write(
            path,
            lambda tmp, fmt=fmt: fig.savefig(
                tmp,
                format=fmt,
                dpi=dpi,
                # the formats that take metadata (raster formats other than png do not)
                **({"metadata": _METADATA[fmt]} if fmt in _METADATA else {}),
            ),
        )
        written.append(path)
    plt.close(fig)
    return written


def _ticks_overlap(axis, renderer, pad: float) -> bool:
    boxes = sorted(
        (t.get_window_extent(renderer) for t in axis.get_ticklabels() if t.get_text()),
        key=lambda b: b.x0,
    )
    return any(a.x1 + pad > b.x0 for a, b in zip(boxes, boxes[1:], strict=False))


def thin_crowded_ticks(fig: plt.Figure, pad_points: float = 4.0) -> None:
    """Fewer ticks on every linear x axis whose tick labels touch or overlap.

    Matplotlib's automatic locator picks the tick count from the axis length, not from the
    labels' width, so long labels (``-0.175``, ``-0.150`` ...) on a column-wide axis run
    into each other. Such an axis gets the next wider round tick step (1, 2, 2.5 or 5 times
    a power of ten) until ``pad_points`` separate neighbouring labels; axes with their own
    locator (categorical, percent, log) are left alone."""
    from matplotlib.ticker import AutoLocator, MultipleLocator

    renderer = None
    for ax in fig.axes:
        axis = ax.xaxis
        if type(axis.get_major_locator()) is not AutoLocator or axis.get_scale() != "linear":
            continue
        if renderer is None:
            if not hasattr(fig.canvas, "get_renderer"):  # a closed or pyplot-free figure
                from matplotlib.backends.backend_agg import FigureCanvasAgg

                FigureCanvasAgg(fig)
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
        pad = pad_points * fig.dpi / 72
        ticks = np.diff(axis.get_majorticklocs())
        if not len(ticks) or not _ticks_overlap(axis, renderer, pad):
            continue
        step = float(ticks[0])
        power = 10.0 ** np.floor(np.log10(step))
        wider = [m * power * 10**k for k in (0, 1) for m in (1, 2, 2.5, 5)]
        for candidate in [w for w in wider if w > step * 1.001][:4]:
            axis.set_major_locator(MultipleLocator(candidate))
            fig.canvas.draw()  # the labels and their extents follow the new ticks
            if not _ticks_overlap(axis, renderer, pad):
                break


def figure_markdown(figs: Iterable[tuple[str, str]]) -> list[str]:
    """Report lines embedding each ``(name, caption)`` figure written by :func:`save_figure`
    into ``figures/``, with a pointer to the CSV of its numbers."""
    lines: list[str] = []
    for name, caption in figs:
        lines += [
            f"![{name}](figures/{name}.png)",
            "",
            f"{caption} Data: `figures/{name}.csv`.",
            "",
        ]
    return lines


def plot_outlet_counts(
    counts: pd.DataFrame,
    ax: plt.Axes | None = None,
    lean_source: str | None = None,
    *,
    leans: Mapping | None = None,
    labels: Mapping | None = None,
) -> plt.Axes:
    """Horizontal bars: articles per outlet, coloured by lean (grey: the corpus gives none).

    ``counts`` has columns ``outlet``, ``lean``, ``articles`` (one row per outlet).
    ``lean_source`` names where the leans come from (``"AllSides"``) in the legend title;
    without it the title says only that they are the corpus's. The legend stands right of
    the bars, never over them.

    Parameters
    ----------
    leans : mapping, optional
        Outlet -> lean, over the ``lean`` column (a corpus that gives none, such as
        BASIL, whose config gives AllSides' ratings of its three outlets),
        so an outlet has the colour of its lean here as in every other figure.
    labels : mapping, optional
        Outlet -> display name (``{"hpo": "HuffPost"}``); default the outlet as stored.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.18 * len(counts) + 0.8))
    data = counts.sort_values(["articles", "outlet"], ascending=[True, False])
    given = dict(leans or {})
    pairs = zip(data["outlet"], data["lean"], strict=True)
    leans_shown = [str(given.get(o, lean)) for o, lean in pairs]
    colors = [LEAN_COLORS.get(lean, NO_LEAN_COLOR) for lean in leans_shown]
    names = dict(labels or {})
    ax.barh([str(names.get(o, o)) for o in data["outlet"]], data["articles"], color=colors)
    ax.set_xlabel("articles")
    ax.set_ylabel("")
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=c, label=lean)
        for lean, c in LEAN_COLORS.items()
        if lean in set(leans_shown)
    ]
    if handles and any(lean not in LEAN_COLORS for lean in leans_shown):
        handles.append(plt.Rectangle((0, 0), 1, 1, color=NO_LEAN_COLOR, label="not given"))
    if handles:
        title = f"lean ({lean_source})" if lean_source else "lean (as the corpus\ngives it)"
        ax.legend(
            handles=handles,
            title=title,
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            alignment="left",
        )
    return ax


def plot_voice_shares(
    shares: pd.DataFrame,
    group: str,
    ax: plt.Axes | None = None,
    *,
    labels: Mapping | None = None,
    min_articles: int | None = MIN_ARTICLES,
) -> plt.Axes:
    """Stacked horizontal bars: mean share of article text per voice, per group.

    ``shares`` has columns ``<group>``, ``voice``, ``share`` (0-1), and optionally ``n``
    (the group's articles), shown beside the group's name (``fox (n=70)``).
    ``labels`` maps a group to its display name (``{"hpo": "HuffPost"}``). A group with
    an ``n`` below ``min_articles`` is drawn pale and hatched (None: never).
    """
    wide = shares.pivot(index=group, columns="voice", values="share").fillna(0.0)
    voices = [v for v in VOICE_COLORS if v in wide.columns]
    wide = wide[voices].sort_index(ascending=False)
    names = dict(labels or {})
    thin = np.zeros(len(wide), dtype=bool)
    if "n" in shares.columns:
        n = shares.drop_duplicates(group).set_index(group)["n"]
        if min_articles is not None:
            thin = np.array([n[g] < min_articles for g in wide.index])
        wide.index = [_with_n(names.get(g, g), n[g]) for g in wide.index]
    else:
        wide.index = [str(names.get(g, g)) for g in wide.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.22 * len(wide) + 0.9))
    left = pd.Series(0.0, index=wide.index)
    for voice in voices:
        bars = ax.barh(wide.index, wide[voice], left=left, color=VOICE_COLORS[voice], label=voice)
        _mark_thin(bars, thin, VOICE_COLORS[voice])
        left += wide[voice]
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of article characters")
    handles, texts = ax.get_legend_handles_labels()
    if thin.any():
        handles.append(_thin_handle(f"n < {min_articles}"))
        texts.append(f"n < {min_articles}")
    ax.legend(
        handles, texts, ncols=len(handles), frameon=False, loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
    )  # fmt: skip
    return ax


# --------------------------------------------------------------------------- comparisons

#: Units of feature families, from the extractors' docstrings (``analysis/features``),
#: matched by prefix (or suffix for ``*_share``); :func:`feature_label` appends them.
#: The pipeline aggregates segments to article x voice by character-weighted means
#: (:func:`analysis.pipeline.char_weighted_means`), so a count per segment (irony cues,
#: actor labels) stays a count per segment, averaged with length weights: one cue in a
#: tweet that is a fifth of an article's embedded-post text reads 0.2, which is not "a
#: count". Extremes and sizes have their own rules (``analysis.pipeline.COMBINE_RULES``:
#: the lowest ``*_min``, the highest ``*_max``, summed ``style_n_*``). Change here if the
#: aggregation changes.
FEATURE_UNITS = {
    "marked_words_rate": "expected per 1,000 tokens",
    "marked_words_max": "highest token probability, 0-1",
    "suffix:_share": "share, 0-1",
    "suffix:_ratio": "share, 0-1",
    "suffix:_per_1k": "per 1,000 tokens",
    "suffix:_per_sentence": "per sentence",
    "vader_compound": "VADER compound, -1 to 1",
    "textblob_polarity": "-1 to 1",
    "textblob_subjectivity": "0-1",
    "loaded_textblob_subjectivity": "0-1",
    "irony_probability": "probability",
    "irony_": "hits per segment",
    "actor_": "hits per segment",
    "frame_": "hits per 1,000 tokens",
    "issue_": "hits per 1,000 tokens",
    "hedging_": "hits per 1,000 tokens",
    "loaded_": "hits per 1,000 tokens",
    "style_flesch": "0-100",
    "style_n_tokens": "tokens in the voice",
    "style_n_sentences": "sentences in the voice",
    "style_mean_sentence_length": "tokens",
    "n_chars": "characters",
}

#: 16 fills for many categories (frames): the Okabe-Ito hues without black, plus grey,
#: first plain and then with white diagonal hatching, so no two categories share a fill
#: and none depends on telling red from green.
CATEGORY_STYLES = tuple(
    (color, hatch)
    for hatch in ("", "////")
    for color in (*[c for c in OKABE_ITO if c != "#000000"], "#999999")
)


#: Feature families whose name holds an underscore (``marked_words_rate`` -> ``marked words:
#: rate``); other columns are split at their first underscore.
FEATURE_FAMILIES = ("marked_words",)


def feature_unit(name: str) -> str | None:
    """The unit of a feature column from :data:`FEATURE_UNITS` (``"hits per segment"``),
    None when unknown."""
    for key, value in FEATURE_UNITS.items():
        if key.startswith("suffix:") and name.endswith(key[7:]):
            return value
        if not key.startswith("suffix:") and name.startswith(key):
            return value
    return None


def feature_label(name: str, unit: bool = True) -> str:
    """Readable axis label for a feature column: ``frame_economic`` -> ``frame: economic
    (hits per 1,000 tokens)``; ``actor_taliban__militants`` -> ``actor: taliban /
    militants (hits per segment)``. Units come from :data:`FEATURE_UNITS` (none when unknown)."""
    text = str(name)
    found = feature_unit(text)
    family = next((f for f in FEATURE_FAMILIES if text.startswith(f + "_")), None)
    if family:
        head, sep, rest = family.replace("_", " "), "_", text[len(family) + 1 :]
    else:
        head, sep, rest = text.partition("_")
    pretty = f"{head}: {rest}" if sep and rest else head
    pretty = pretty.replace("__", " / ").replace("_", " ")
    return f"{pretty} ({found})" if unit and found else pretty


def units_note(columns: Sequence[str]) -> str:
    """ "Units ...: per 1,000 tokens (a, b); 0-1 (c)." for the columns whose unit is known."""
    by_unit: dict[str, list[str]] = {}
    for c in columns:
        plain, full = feature_label(c, unit=False), feature_label(c)
        if full != plain:
            by_unit.setdefault(full[len(plain) + 2 : -1], []).append(plain.replace(": ", " "))
    parts = [f"{unit} ({', '.join(names)})" for unit, names in by_unit.items()]
    return "Units of the printed values: " + "; ".join(parts) + "." if parts else ""


def _group_color(value, palette: dict | None = None) -> str:
    if palette and value in palette:
        return palette[value]
    if str(value) in LEAN_COLORS:
        return LEAN_COLORS[str(value)]
    return "#555555"


def _palette_for(values, fixed: dict | None = None) -> dict:
    """A stable colour per distinct value: the fixed mapping first, then Okabe-Ito."""
    out = {}
    cycle = [c for c in OKABE_ITO if c not in (fixed or {}).values()]
    k = 0
    for v in sorted(pd.unique(pd.Series(list(values)).dropna()), key=str):
        if fixed and v in fixed:
            out[v] = fixed[v]
        else:
            out[v] = cycle[k % len(cycle)]
            k += 1
    return out


#: How far a muted heatmap cell is blended towards white.
_MUTE = 0.7


def _text_color(rgba) -> str:
    r, g, b = rgba[:3]
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"


def _with_n(label, n) -> str:
    if n is None or pd.isna(n):
        return str(label)
    return f"{label} (n={int(n):,})"


def _span(values) -> str | None:
    """ "62" or "60–62" (a count that differs between the rows behind one label)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    if v.empty:
        return None
    lo, hi = int(v.min()), int(v.max())
    return f"{lo:,}" if lo == hi else f"{lo:,}\u2013{hi:,}"


def counts_text(n=None, n_outlets=None, unit: str = "articles") -> str:
    """What a row rests on: ``n=62 articles, 15 outlets``; ``n`` and ``n_outlets`` may be
    numbers or several values (shown as a range, ``860–869``); "" when neither is known."""
    n_text = _span(np.atleast_1d(n)) if n is not None else None
    o_text = _span(np.atleast_1d(n_outlets)) if n_outlets is not None else None
    parts = ([f"n={n_text} {unit}"] if n_text else []) + (
        [f"{o_text} outlet{'s' if o_text != '1' else ''}"] if o_text else []
    )
    return ", ".join(parts)


def count_label(label, n=None, n_outlets=None, unit: str = "articles") -> str:
    """A row label with what it rests on: ``left (n=62 articles, 15 outlets)``
    (:func:`counts_text`)."""
    text = counts_text(n, n_outlets, unit)
    return f"{label} ({text})" if text else str(label)


def count_labels(
    table: pd.DataFrame,
    group: str = "lean",
    n: str = "n",
    n_outlets: str | None = "n_outlets",
    unit: str = "articles",
) -> dict:
    """Group -> :func:`count_label` from a table's count columns (``n``/``n_articles``,
    ``n_outlets``), for figures whose rows are groups (leans): ``{"left": "left (n=869
    articles, 16 outlets)"}``. A count that differs between the group's rows (features)
    is shown as its range."""
    out = {}
    for g, sub in table.groupby(group, sort=False):
        out[g] = count_label(
            g,
            sub[n] if n in sub.columns else None,
            sub[n_outlets] if n_outlets and n_outlets in sub.columns else None,
            unit,
        )
    return out


def outlet_colors(leans: Mapping) -> dict:
    """Outlet -> the colour of its lean (:data:`LEAN_COLORS`; :data:`NO_LEAN_COLOR` when
    the lean is unknown), so one outlet has one colour in every figure (BASIL's Fox News is
    the vermilion of "right" as AllSides' Fox is). ``leans`` maps outlet -> lean."""
    return {
        o: LEAN_COLORS.get(str(lean).strip().lower(), NO_LEAN_COLOR) for o, lean in leans.items()
    }


def _pale(color, amount: float = 0.55) -> tuple:
    """``color`` blended towards white (thin-evidence bars keep their hue, faded)."""
    rgba = np.asarray(matplotlib.colors.to_rgba(color))
    return tuple((1 - amount) * rgba[:3] + amount) + (1.0,)


def _mark_thin(bars, thin, color) -> None:
    """Draw the bars resting on too few articles (``thin``) pale and hatched."""
    for bar, few in zip(bars, thin, strict=True):
        if few:
            bar.set_facecolor(_pale(color))
            bar.set_hatch(_THIN_HATCH)
            bar.set_edgecolor("#999999")
            bar.set_linewidth(0)


def _thin_handle(label: str) -> matplotlib.patches.Patch:
    return matplotlib.patches.Patch(
        facecolor=_pale("#777777"), hatch=_THIN_HATCH, edgecolor="#999999", linewidth=0,
        label=label,
    )  # fmt: skip


def _require(table: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise KeyError(f"{what} needs column(s) {missing}; got {list(table.columns)}")


def _empty_axes(ax: plt.Axes, message: str) -> plt.Axes:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_axis_off()
    return ax


def plot_heatmap(
    means: pd.DataFrame,
    row: str = "outlet",
    col: str = "feature",
    value: str = "mean",
    center: float | None = 0.0,
    annotate: bool = True,
    zscore: bool = False,
    cmap: str = "RdBu_r",
    fmt: str = "{:.2g}",
    row_order: Sequence | None = None,
    col_order: Sequence | None = None,
    col_labels: dict | None = None,
    ax: plt.Axes | None = None,
    mute_within_ci: bool = True,
    col_notes: dict | None = None,
    min_n: int | None = MIN_ARTICLES,
) -> plt.Axes:
    """Heatmap of a value per row (outlet) and column (feature).

    Parameters
    ----------
    means : DataFrame
        Tidy table with one row per (``row``, ``col``), e.g. :func:`analysis.compare.
        bootstrap_means` filtered to one voice. An ``n`` column adds the sample size to
        the row labels (the largest n over the row's features).
    center : float or None, default 0
        Value drawn white by the diverging colormap (limits symmetric around it); None
        scales from the minimum to the maximum.
    annotate : bool, default True
        Print each cell's value (always the raw ``value``, also when ``zscore``).
    zscore : bool, default False
        Colour by each column's distance from its median row in standard deviations,
        ``(x - median) / sd``, so features on different scales share one colour scale:
        the colour then says "high or low compared with the typical outlet", not the
        level (the median, since one outlier would pull a mean off every typical row).
        Constant columns are 0.
    cmap : str, default "RdBu_r"
        A diverging colormap that is colour-blind safe (``RdBu_r``, ``PuOr_r``); missing
        cells are light grey with a dash.
    fmt : str
        Format of the annotations.
    row_order, col_order : list, optional
        Default rows sorted by name, columns in order of first appearance.
    col_labels : dict, optional
        Column -> label; default :func:`feature_label` without the unit. The units of the
        printed values, which differ between columns, are listed in a note under the
        plot; the colour bar says what the colour is.
    col_notes : dict, optional
        Column -> a short note printed on a second line of its label (e.g. how few rows
        carry the feature), below the label from ``col_labels`` or the default one; unlike
        ``col_labels`` it leaves the column in the note on units.
    mute_within_ci : bool, default True
        With ``zscore`` and ``ci_low``/``ci_high`` columns (:func:`analysis.compare.
        bootstrap_means`): draw pale the cells whose interval contains the column's median
        over the rows, the centre of the scale. Their colour is then not a difference
        the data can tell from sampling noise (a count feature that two articles of one
        outlet have is +3 sd and full red otherwise); the note under the plot says so.
    min_n : int or None, default 10
        With an ``n`` column: also draw pale (with or without ``zscore``) the cells whose
        value rests on fewer than ``min_n`` articles; None: never.

    Returns
    -------
    Axes
    """
    _require(means, [row, col, value], "plot_heatmap")
    if means.duplicated([row, col]).any():
        raise ValueError(
            f"plot_heatmap needs one value per ({row}, {col}); filter the table first "
            "(e.g. to one voice)"
        )
    rows = list(row_order) if row_order is not None else sorted(means[row].unique(), key=str)
    cols = list(col_order) if col_order is not None else list(pd.unique(means[col]))
    wide = means.pivot(index=row, columns=col, values=value).reindex(index=rows, columns=cols)
    raw = wide.to_numpy(dtype=float)
    shown = raw
    if zscore:
        # centred on the median row, not the mean: one outlier (a feature most outlets
        # barely have) pulls the mean off every typical row, which then all look different
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
            mu = np.nanmedian(raw, axis=0)
        sd = np.nanstd(raw, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            shown = np.where(sd > 0, (raw - mu) / sd, np.where(np.isnan(raw), np.nan, 0.0))
    if ax is None:
        width = min(FULL_WIDTH, 1.9 + 0.45 * len(cols))
        _, ax = plt.subplots(figsize=(width, 0.9 + 0.24 * len(rows)))
    if not rows or not cols:
        return _empty_axes(ax, "no data to show")
    finite = shown[np.isfinite(shown)]
    if center is not None and not zscore:
        span = float(np.max(np.abs(finite - center))) if finite.size else 1.0
        span = span or 1.0
        norm = matplotlib.colors.Normalize(center - span, center + span)
    elif zscore:
        span = float(np.max(np.abs(finite))) if finite.size else 1.0
        norm = matplotlib.colors.Normalize(-(span or 1.0), span or 1.0)
    else:
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        norm = matplotlib.colors.Normalize(lo, hi if hi > lo else lo + 1)
    colormap = matplotlib.colormaps[cmap].with_extremes(bad="#EEEEEE")
    im = ax.imshow(np.ma.masked_invalid(shown), cmap=colormap, norm=norm, aspect="auto")
    muted = degenerate = few = np.zeros(raw.shape, dtype=bool)
    if zscore and mute_within_ci and {"ci_low", "ci_high"} <= set(means.columns):
        lo, hi = (
            means.pivot(index=row, columns=col, values=c)
            .reindex(index=rows, columns=cols)
            .to_numpy(dtype=float)
            for c in ("ci_low", "ci_high")
        )
        # a one-value interval (every article of the row alike: typically no hits of a rare
        # feature) is the bootstrap's blind spot, not certainty: its colour is muted too
        # and a cell without one (too few units for an interval) is no finding either
        degenerate = ~(hi - lo > 0) & np.isfinite(raw)
        muted = ((lo <= mu) & (mu <= hi)) | degenerate
    if min_n is not None and "n" in means.columns:
        # a cell from a handful of articles is an anecdote, whatever its interval says
        n_cell = (
            means.pivot(index=row, columns=col, values="n")
            .reindex(index=rows, columns=cols)
            .to_numpy(dtype=float)
        )
        few = (n_cell < min_n) & np.isfinite(raw)
        muted = muted | few
    for i, j in zip(*np.nonzero(muted), strict=True):
        ax.add_patch(
            matplotlib.patches.Rectangle(
                (j - 0.5, i - 0.5), 1, 1, facecolor="white", alpha=_MUTE, linewidth=0
            )
        )
    labels = col_labels or {}
    notes = col_notes or {}
    # a column of tiny values (a share of 0.00051) is printed times 1,000: "0.51", which
    # fits its cell and reads at a glance; its label says so
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
        top = np.nanmax(np.abs(raw), axis=0) if raw.size else np.zeros(len(cols))
    scale = np.where((top > 0) & (top < 0.01), 1000.0, 1.0)
    ax.set_xticks(
        range(len(cols)),
        [
            labels.get(c, feature_label(c, unit=False))
            + (" (×1,000)" if k == 1000.0 else "")
            + (f" {notes[c]}" if c in notes else "")
            for c, k in zip(cols, scale, strict=True)
        ],
    )
    ax.tick_params(axis="x", rotation=40)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")
    n_by_row = means.groupby(row)["n"].max() if "n" in means.columns else {}
    ax.set_yticks(range(len(rows)), [_with_n(r, n_by_row.get(r)) for r in rows])
    ax.spines[:].set_visible(False)
    ax.set_xticks(np.arange(len(cols) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1)
    ax.tick_params(which="minor", length=0)
    if annotate:
        for i in range(len(rows)):
            for j in range(len(cols)):
                v = raw[i, j]
                if np.isnan(v):
                    ax.text(j, i, "\u2013", ha="center", va="center", fontsize=6.5, color="#777777")
                    continue
                rgba = np.asarray(colormap(norm(shown[i, j])))
                if muted[i, j]:
                    rgba = (1 - _MUTE) * rgba + _MUTE
                color = _text_color(rgba)
                ax.text(
                    j, i, fmt.format(v * scale[j]), ha="center", va="center", fontsize=6.5,
                    color=color,
                )  # fmt: skip
    label = f"distance from the median {row}, in sd (per column)" if zscore else str(value)
    if not zscore and value == "mean" and len(cols) == 1:
        label = f"mean {feature_label(cols[0])}"
    ax.figure.colorbar(im, ax=ax, shrink=0.85, pad=0.02, label=label)
    note = units_note([c for c in cols if c not in labels]) if annotate else ""
    if annotate and (scale > 1).any():
        note += " Columns marked ×1,000 print their values times 1,000."
    if muted.any():
        why = []
        if (muted & ~few).any():
            why.append(
                f"the {row}'s 95% interval includes the median of the {row}s shown "
                f"(no difference from the typical {row} that the data can tell)"
                + (
                    " or is a single value (all its articles alike, e.g. none with a hit)"
                    if degenerate.any()
                    else ""
                )
            )
        if few.any():
            why.append(f"fewer than {min_n} articles")
        note = f"Pale cells: {'; or '.join(why)}. {note}"
    # the units of the printed values, under the column labels
    ax.set_xlabel(textwrap.fill(note, 120), fontsize=6.5, color="#444444", loc="left")
    ax.set_ylabel("")
    return ax


def plot_forest(
    means: pd.DataFrame,
    group: str = "outlet",
    feature: str | None = None,
    color_by: str | None = "lean",
    hue: str | None = None,
    ref: float | None = None,
    xlabel: str | None = None,
    ci_label: str = "95% bootstrap CI",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Forest plot: each group's mean with its confidence interval, sorted by the mean
    (leans in their political order instead: left, center, right from the top).

    Parameters
    ----------
    means : DataFrame
        :func:`analysis.compare.bootstrap_means` output (``group``, ``feature``, ``n``,
        ``mean``, ``ci_low``, ``ci_high``, optionally ``n_outlets``) plus, optionally, the
        ``color_by`` column (e.g. join the outlet's lean).
    group : str
        ``"outlet"`` or ``"lean"`` (one function for both).
    feature : str, optional
        The feature to draw (required when ``means`` holds several).
    color_by : str or None, default "lean"
        Colour points by this column (lean colours for left/center/right); ignored when
        absent or when ``hue`` is set.
    hue : str, optional
        A second key with several rows per group (e.g. ``"voice"``): points are dodged
        vertically, coloured by it and each level drawn with its own marker (voice colours
        and :data:`VOICE_MARKERS` for voices, never a lean colour).
    ref : float, optional
        Draw a dotted vertical reference line (e.g. 0 for sentiment).
    xlabel : str, optional
        Default :func:`feature_label` of the feature with the interval kind.

    Returns
    -------
    Axes
        Without ``hue``, y labels carry each group's sample size: ``CNN (n=336)``, or with
        an ``n_outlets`` column ``left (n=974 articles, 48 outlets)``. With ``hue`` each
        dodged point's ``n`` (and outlets) is printed right of the axes on its row.
    """
    _require(means, [group, "mean", "ci_low", "ci_high"], "plot_forest")
    data = means
    if "feature" in data.columns:
        feats = list(pd.unique(data["feature"]))
        if feature is None:
            if len(feats) != 1:
                raise ValueError(f"plot_forest draws one feature; choose one of {feats}")
            feature = feats[0]
        data = data[data["feature"] == feature]
    keys = [group, hue] if hue else [group]
    if data.duplicated(keys).any():
        extra = [c for c in ("voice", "lean", "outlet") if c in data.columns and c not in keys]
        raise ValueError(
            f"plot_forest needs one row per {keys}; filter the table or pass hue= "
            f"(candidates: {extra})"
        )
    order = data.groupby(group)["mean"].mean().sort_values(kind="stable")
    order = order.reset_index().sort_values(["mean", group], kind="stable")[group].tolist()
    if group == "lean":
        # the political order, left at the top, reads faster than a ranking of three
        spectrum = [v for v in reversed(LEAN_COLORS) if v in order]
        order = [v for v in order if v not in LEAN_COLORS] + spectrum
    levels: list = []
    if hue:
        levels = [v for v in VOICE_COLORS if v in set(data[hue])] + sorted(
            set(data[hue]) - set(VOICE_COLORS), key=str
        )
    counted = hue is not None and "n" in data.columns
    if ax is None:
        rows = max(len(order), 1) * (max(0.6 * len(levels), 1.0) if hue else 1.0)
        _, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.7 + 0.2 * rows))
        if counted:
            # room right of the axes for each point's "n=974 articles, 48 outlets"
            ax.figure.subplots_adjust(right=0.64)
    if data.empty:
        return _empty_axes(ax, f"no data for {feature}")
    ypos = {g: i for i, g in enumerate(order)}
    handles = {}
    if hue:
        palette = _palette_for(levels, VOICE_COLORS if hue == "voice" else None)
        markers = {
            lv: (VOICE_MARKERS.get(lv) if hue == "voice" else None)
            or HUE_MARKERS[k % len(HUE_MARKERS)]
            for k, lv in enumerate(levels)
        }
        step = 0.7 / max(len(levels), 1)
        # the first level on top within a group, as the legend reads left to right
        offsets = {lv: ((len(levels) - 1) / 2 - k) * step for k, lv in enumerate(levels)}
    right = matplotlib.transforms.blended_transform_factory(ax.transAxes, ax.transData)
    no_interval = False
    for _, r in data.iterrows():
        y = ypos[r[group]]
        marker = "o"
        if hue:
            y += offsets[r[hue]]
            color, key, marker = palette[r[hue]], r[hue], markers[r[hue]]
        elif color_by and color_by in data.columns:
            color, key = _group_color(r[color_by]), r[color_by]
        else:
            color, key = OKABE_ITO[0], None
        ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=color, linewidth=1.2)
        bare = not (np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"]))
        no_interval = no_interval or bare
        (h,) = ax.plot(
            [r["mean"]], [y], marker, color=color, markersize=4, linestyle="none",
            markerfacecolor="white" if bare else color,
        )  # fmt: skip
        if key is not None:
            handles.setdefault(key, h)
        if counted:
            text = counts_text(r["n"], r.get("n_outlets"))
            ax.text(
                1.02, y, text, transform=right, va="center", ha="left", fontsize=6.5,
                color="#444444", clip_on=False,
            )  # fmt: skip
    if ref is not None:
        ax.axvline(ref, color="#777777", linewidth=0.6, linestyle=":")
    if "n" in data.columns and not hue:
        n_out = "n_outlets" in data.columns
        by = data.set_index(group)
        names = {
            g: count_label(g, by.at[g, "n"], by.at[g, "n_outlets"] if n_out else None)
            if n_out
            else _with_n(g, by.at[g, "n"])
            for g in order
        }
    else:
        names = {g: str(g) for g in order}
    ax.set_yticks(range(len(order)), [names[g] for g in order])
    ax.set_ylim(-0.6, len(order) - 0.4)
    label = xlabel or f"{feature_label(feature or 'value')}\nmean and {ci_label}"
    if no_interval:  # compare.bootstrap_means gives no interval below 3 units
        units = "outlets" if "n_outlets" in data.columns else "articles"
        label += f"\n(open marker: fewer than 3 {units}, no interval)"
    ax.set_xlabel(label)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.5)
    ax.set_axisbelow(True)
    if hue and len(order) > 1:
        # a faint rule between groups, so dodged points read as one group's
        for k in range(len(order) - 1):
            ax.axhline(k + 0.5, color="#EEEEEE", linewidth=0.6, zorder=0)
    if set(handles) <= {"unknown"}:
        handles = {}  # a corpus without leans: "lean: unknown" says nothing
    if handles:
        title = hue or color_by
        ordered = sorted(
            handles, key=lambda k: list(LEAN_COLORS).index(k) if k in LEAN_COLORS else 9
        )
        if hue:
            ordered = [v for v in levels if v in handles]
        ax.legend(
            [  # filled, whatever the first point drawn of each kind
                matplotlib.lines.Line2D(
                    [],
                    [],
                    marker=handles[k].get_marker(),
                    color=handles[k].get_color(),
                    markersize=4,
                    linestyle="none",
                )  # fmt: skip
                for k in ordered
            ],
            [str(k) for k in ordered],
            title=title,
            frameon=False,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=min(len(ordered), 4),
        )
    return ax


#: Names of the 15 Media Frames Corpus categories as Boydstun et al. (2014) give them.
MFC_LABELS = {
    "economic": "Economic",
    "capacity_and_resources": "Capacity and resources",
    "morality": "Morality",
    "fairness_and_equality": "Fairness and equality",
    "legality_constitutionality_and_jurisprudence": (
        "Legality, constitutionality and jurisprudence"
    ),
    "policy_prescription_and_evaluation": "Policy prescription and evaluation",
    "crime_and_punishment": "Crime and punishment",
    "security_and_defense": "Security and defense",
    "health_and_safety": "Health and safety",
    "quality_of_life": "Quality of life",
    "cultural_identity": "Cultural identity",
    "public_opinion": "Public opinion",
    "political": "Political",
    "external_regulation_and_reputation": "External regulation and reputation",
    "other": "Other",
}


def frame_label(frame: str) -> str:
    """Legend label of a frame: its full Media Frames Corpus name
    (``frame_external_regulation_and_reputation`` -> ``External regulation and
    reputation``), never a shortening that reads as another category; unknown frames lose
    a ``frame_`` prefix and underscores.

    References
    ----------
    Boydstun, A. E., Card, D., Gross, J. H., Resnik, P. and Smith, N. A. (2014). Tracking
    the development of media frames within and across policy issues.
    """
    name = str(frame).removeprefix("frame_")
    # the framing lexicon spells one column without its "and"
    # (frame_legality_constitutionality_jurisprudence)
    by_words = {k.replace("_and_", "_"): v for k, v in MFC_LABELS.items()}
    return MFC_LABELS.get(name) or by_words.get(name.replace("_and_", "_"), name.replace("_", " "))


def plot_frame_composition(
    shares: pd.DataFrame,
    group: str = "outlet",
    frame_col: str = "frame",
    value: str = "share",
    order: Sequence | None = None,
    label_min: float = 0.08,
    frame_labels: dict | None = None,
    ax: plt.Axes | None = None,
    *,
    n: Mapping | None = None,
    labels: Mapping | None = None,
    wrap: int = 28,
) -> plt.Axes:
    """Stacked horizontal bars: each group's mix of frames, adding up to 100%.

    Parameters
    ----------
    shares : DataFrame
        One row per (``group``, ``frame_col``) with ``value`` (a share, or any
        non-negative amount such as frame hits: each group's row is normalised to sum to
        1). An ``n`` column (articles per group) is added to the labels
        (``Fox News (n=172)``).
    order : list, optional
        Group order top to bottom; default by the share of the most common frame.
    label_min : float, default 0.08
        Segments at least this wide get a percentage label.
    frame_labels : dict, optional
        Frame -> legend label; default :func:`frame_label` (the full Media Frames Corpus
        names), wrapped at ``wrap`` characters.
    n : mapping, optional
        Group -> articles, when ``shares`` has no ``n`` column (a Series from
        ``table.groupby("outlet")["article_id"].nunique()``).
    labels : mapping, optional
        Group -> display name.

    Notes
    -----
    Up to 16 frames get distinct fills (:data:`CATEGORY_STYLES`): the seven Okabe-Ito
    colours other than black plus grey, then the same eight with white hatching. The
    15 Media Frames Corpus categories therefore never reuse a fill and never rely on
    red-green contrast alone. Frames are stacked from the left in order of their overall
    share, the legend lists them in the same order.

    Returns
    -------
    Axes
    """
    _require(shares, [group, frame_col, value], "plot_frame_composition")
    wide = shares.pivot_table(
        index=group, columns=frame_col, values=value, aggfunc="sum", fill_value=0.0
    ).astype(float)
    if (wide.to_numpy() < 0).any():
        raise ValueError("plot_frame_composition needs non-negative values")
    total = wide.sum(axis=1)
    wide = wide.div(total.where(total > 0), axis=0).fillna(0.0)
    frames = wide.mean(axis=0).sort_values(ascending=False, kind="stable").index.tolist()
    if len(frames) > len(CATEGORY_STYLES):
        raise ValueError(
            f"{len(frames)} frames but only {len(CATEGORY_STYLES)} distinct fills: "
            "lump the rare ones into 'other' first"
        )
    if order is None:
        first = frames[0] if frames else None
        order = (
            wide.assign(_k=wide[first] if first is not None else 0.0)
            .reset_index()
            .sort_values(["_k", group], ascending=[True, False], kind="stable")[group]
            .tolist()
        )
    else:
        order = list(order)[::-1]  # barh draws the first category at the bottom
    wide = wide.reindex(order).fillna(0.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(FULL_WIDTH, 1.3 + 0.25 * max(len(order), 1)))
    if wide.empty:
        return _empty_axes(ax, "no frame data")
    if n is not None:
        n_by = pd.Series(dict(n))
    else:
        n_by = shares.groupby(group)["n"].max() if "n" in shares.columns else pd.Series()
    shown = dict(labels or {})
    ticks = [_with_n(shown.get(g, g), n_by.get(g)) for g in order]
    y = np.arange(len(order))
    left = np.zeros(len(order))
    names = frame_labels or {}
    for k, frame in enumerate(frames):
        color, hatch = CATEGORY_STYLES[k]
        widths = wide[frame].to_numpy()
        label = textwrap.fill(names.get(frame, frame_label(frame)), wrap)
        ax.barh(
            y,
            widths,
            left=left,
            color=color,
            hatch=hatch,
            hatchcolor="white",
            edgecolor="white",
            linewidth=0.4,
            label=label,
            height=0.75,
        )
        for yi, (x0, w) in enumerate(zip(left, widths, strict=True)):
            if w >= label_min:
                ax.text(
                    x0 + w / 2,
                    yi,
                    f"{w:.0%}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color=_text_color(matplotlib.colors.to_rgba(color)),
                    bbox={"boxstyle": "round,pad=0.1", "fc": color, "ec": "none"}
                    if hatch
                    else None,
                )
        left += widths
    ax.set_yticks(y, ticks)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(
        f"share of frame {value} per {group}" if value != "share" else "share of frame hits"
    )
    ax.legend(
        frameon=False,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=min(len(frames), 4),
        handlelength=1.6,
        columnspacing=1.0,
    )
    return ax


def plot_distinctive_words(
    words: pd.DataFrame,
    groups: Sequence | None = None,
    top: int = 15,
    ncols: int | None = None,
    colors: dict | None = None,
) -> plt.Figure:
    """One panel per group: its most distinctive terms by z-score, as horizontal bars.

    Parameters
    ----------
    words : DataFrame
        :func:`analysis.compare.distinctive_words` output (``group, term, count,
        log_odds, z``).
    groups : list, optional
        Panels to draw, in order; default every group (lean order for leans).
    top : int, default 15
        Terms per panel (highest z at the top).
    ncols : int, optional
        Panels per row; default up to 3.
    colors : dict, optional
        Group -> colour; default lean colours, otherwise Okabe-Ito.

    Returns
    -------
    Figure
        Each bar is labelled with the term's count in the group; the x axis is the z-score
        of the log-odds ratio (group vs all other groups, informative Dirichlet prior,
        Monroe et al. 2008). It ranks the terms and is not drawn against a significance
        line: it treats every token as an independent draw (an outlet's repeated phrasing
        is not) and thousands of terms are compared.
    """
    _require(words, ["group", "term", "z"], "plot_distinctive_words")
    present = list(pd.unique(words["group"]))
    if groups is None:
        groups = [g for g in LEAN_COLORS if g in present] + sorted(
            [g for g in present if g not in LEAN_COLORS], key=str
        )
    groups = list(groups)
    if not groups:
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.2))
        _empty_axes(ax, "no distinctive terms: no group has a term that passes the filters")
        return fig
    palette = _palette_for(groups, {**LEAN_COLORS, **(colors or {})})
    n = max(len(groups), 1)
    ncols = ncols or min(n, 3)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(FULL_WIDTH if ncols > 1 else COLUMN_WIDTH, nrows * (0.55 + 0.15 * top)),
        squeeze=False,
        layout="constrained",
        sharex=True,  # one z scale: bars of the same length mean the same in every panel
    )
    shown = {
        g: words[words["group"] == g]
        .sort_values(["z", "term"], ascending=[False, True])
        .head(top)
        .iloc[::-1]
        for g in groups
    }
    drawn = [sub["z"] for sub in shown.values() if len(sub)]
    zmax = max((float(z.max()) for z in drawn), default=1.0)
    zmin = min([0.0, *(float(z.min()) for z in drawn)])
    for k, ax in enumerate(axes.ravel()):
        if k >= len(groups):
            ax.set_visible(False)
            continue
        g = groups[k]
        sub = shown[g]
        ax.set_title(str(g), loc="left", fontsize=8, fontweight="bold")
        if sub.empty:
            _empty_axes(ax, "no term passes the filters")
            continue
        y = np.arange(len(sub))
        ax.barh(y, sub["z"], color=palette[g], height=0.7)
        ax.set_yticks(y, sub["term"].tolist())
        ax.set_ylim(-0.6, top - 0.4)
        if "count" in sub.columns:
            for yi, (zv, c) in enumerate(zip(sub["z"], sub["count"], strict=True)):
                ax.text(
                    zv + 0.01 * zmax, yi, f"{int(c):,}", va="center", fontsize=6.5, color="#555555"
                )
        ax.set_xlim(zmin, zmax * 1.22)  # one scale for every panel, room for the counts
        ax.tick_params(axis="y", labelsize=6.5, length=0)
        if k >= (nrows - 1) * ncols or k + ncols >= len(groups):
            ax.set_xlabel("z-score of log-odds vs other groups")
    note = "z ranks the terms (descriptive: tokens are not independent draws)"
    if "count" in words.columns:
        note = "numbers: the term's count in the group; " + note
    fig.supxlabel(note, fontsize=6.5, color="#555555")
    return fig


def plot_voice_decomposition(
    table: pd.DataFrame,
    group: str = "outlet",
    features: Sequence[str] = ("irony_sarcastic_gratitude",),
    weight: str | None = "n_chars",
    order: Sequence | None = None,
    feature_labels: dict | None = None,
    pin_first: Sequence = (),
    decomposition: pd.DataFrame | None = None,
    min_articles: int | None = MIN_ARTICLES,
    labels: Mapping | None = None,
) -> plt.Figure:
    """Where a feature lives: its share in the outlet's prose, in quotes and in embedded
    posts, per group (stacked bars, one panel per feature).

    Stacked shares of the feature's total (its *mass*, value x characters; see
    :func:`analysis.compare.voice_decomposition`, which returns exactly the numbers
    drawn) read better than grouped bars of per-voice means: the question is "of all the
    mockery an outlet publishes, how much is its own?", and a share answers it directly
    while means per voice hide how much text each voice has. The first panel shows each
    voice's share of the text itself, so a voice that carries more of a feature than of
    the text (embedded posts with 5% of the characters but 60% of the sarcasm) stands
    out.

    Parameters
    ----------
    table : DataFrame
        Article x voice table (``group``, ``voice``, ``n_chars``, features).
    features : list of str
        Non-negative features (irony cues, loaded-word rates, irony probability).
    weight : str or None, default "n_chars"
        Column multiplying each value (None: values are already counts).
    order : list, optional
        Groups top to bottom; default by the share outside the outlet's own prose in the
        first feature (most amplified first).
    feature_labels : dict, optional
        Feature -> panel title.
    pin_first : list, optional
        Groups drawn on top whatever the order (the worked example above the outlets).
    decomposition : DataFrame, optional
        What :func:`analysis.compare.voice_decomposition` already returned for this
        ``table``, ``group``, ``[weight, *features]`` and ``weight``, so a caller that
        writes those numbers does not compute them twice (on a large corpus, a pass over
        every row); ``table`` is then not read.
    min_articles : int or None, default 10
        A bar resting on fewer articles (those with any of the feature, ``n_with``; the
        group's articles in the text panel) is drawn pale and hatched and its count reads
        "3 (n<10)": one article's 100% is not a pattern. The ``pin_first`` rows (a single
        worked example by design) are drawn as they are. None: never.
    labels : mapping, optional
        Group -> display name.

    Returns
    -------
    Figure
        Groups without any of a feature show "none" in that panel; labels carry the
        number of articles, and the small number right of each feature's bar the number
        of those articles with any of the feature (the ``n_with`` the shares rest on).
    """
    from analysis.compare import voice_decomposition

    features = list(features)
    panels = ([weight] if weight else []) + [f for f in features if f != weight]
    dec = (
        decomposition
        if decomposition is not None
        else voice_decomposition(table, group, panels, weight=weight)
    )
    voices = [v for v in ("outlet", "quoted", "social") if v in set(dec["voice"])]
    first = features[0] if features else panels[0]
    if order is None:
        own = dec[(dec["feature"] == first) & (dec["voice"] == "outlet")].set_index(group)
        key = (1 - own["share"]).fillna(-1.0).rename("k").reset_index()
        order = key.sort_values(["k", group], ascending=[True, False], kind="stable")[group]
        order = order.tolist()
    else:
        order = list(order)[::-1]
    pinned = [g for g in pin_first if g in order]
    order = [g for g in order if g not in pinned] + pinned[::-1]
    n_by = dec.groupby(group)["n_articles"].max()
    if not order:
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.2))
        _empty_axes(ax, f"no articles with a measured voice per {group}")
        return fig
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(FULL_WIDTH, 1.0 + 0.22 * max(len(order), 1)),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    titles = feature_labels or {}
    y = np.arange(len(order))
    any_thin = False
    for ax, feat in zip(axes[0], panels, strict=True):
        sub = dec[dec["feature"] == feat].pivot(index=group, columns="voice", values="share")
        sub = sub.reindex(index=order, columns=voices)
        n_with = dec[dec["feature"] == feat].groupby(group)["n_with"].max()
        rests_on = n_by if feat == weight else n_with
        thin = np.array(
            [
                min_articles is not None
                and g not in pinned
                and sub.loc[g].notna().any()
                and rests_on.get(g, 0) < min_articles
                for g in order
            ],
            dtype=bool,
        )
        any_thin |= bool(thin.any())
        left = np.zeros(len(order))
        for voice in voices:
            w = sub[voice].fillna(0.0).to_numpy()
            bars = ax.barh(y, w, left=left, color=VOICE_COLORS[voice], label=voice, height=0.75)
            _mark_thin(bars, thin, VOICE_COLORS[voice])
            left += w
        for yi, g in enumerate(order):
            if sub.loc[g].isna().all():
                ax.text(0.02, yi, "none", va="center", fontsize=6.5, color="#777777")
            elif feat != weight or thin[yi]:
                # how many articles the shares rest on: one post in one article is not a
                # pattern, and the bar alone would look the same as two hundred
                count = f"{int(rests_on.get(g, 0)):,}"
                ax.text(
                    1.02, yi, f"{count} (n<{min_articles})" if thin[yi] else count,
                    va="center", ha="left", fontsize=6.5, color="#555555", clip_on=False,
                )  # fmt: skip
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        ax.set_xticks([0, 0.5, 1])
        if feat == weight:
            title = "text (characters)"
        else:
            title = titles.get(feat, feature_label(feat, unit=False))
        ax.set_title(textwrap.fill(title, 22), fontsize=7.5, loc="left")
        ax.tick_params(axis="y", length=0)
    names = dict(labels or {})
    axes[0][0].set_yticks(y, [_with_n(names.get(g, g), n_by.get(g)) for g in order])
    fig.supxlabel("share of the total per voice", fontsize=8)
    handles, texts = axes[0][0].get_legend_handles_labels()
    handles, texts = handles[: len(voices)], texts[: len(voices)]
    if any_thin:
        texts.append(f"pale, hatched: fewer than {min_articles} articles")
        handles.append(_thin_handle(texts[-1]))
    fig.legend(handles, texts, loc="outside upper center", ncols=len(handles), frameon=False)
    return fig


def plot_article_vs_distribution(
    distribution: pd.DataFrame,
    article_values: pd.Series | dict | pd.DataFrame,
    feature_list: Sequence[str],
    group: str = "outlet",
    article_group=None,
    article_label: str = "this article",
    order: Sequence | None = None,
    ncols: int | None = None,
    min_n: int = MIN_ARTICLES,
    labels: Mapping | None = None,
) -> plt.Figure:
    """The worked-example article against each group's distribution, one panel per
    feature.

    Each group (outlet) with at least ``min_n`` values is a quantile band: thin line
    10th-90th percentile, thick line 25th-75th, white dot the median. A group with fewer
    values shows each of them as a small grey dot instead: percentiles of three articles
    would draw a band that looks like evidence. The article's value is a black dashed
    line across the panel (black: no lean or voice colour, which would say something it
    does not), and a black diamond on its own group's row when ``article_group`` is
    given; that row is drawn at the top, whatever the order. Quantile bands stay readable
    for 12+ outlets at column width where box plots with outliers do not, and they show
    the many zeros of count features honestly (a band collapsed at 0).

    Parameters
    ----------
    distribution : DataFrame
        One row per article (one voice) with ``group`` and the features.
    article_values : Series, dict or one-row DataFrame
        The article's value per feature (NaN: not drawn, "n/a" in the panel title).
    feature_list : list of str
        Features, one panel each.
    article_group : optional
        The article's own group (e.g. "RT"), marked on its row, in bold and on top.
    order : list, optional
        Groups top to bottom; default by the median of the first feature.
    ncols : int, optional
        Panels per row; default up to 3.
    min_n : int, default 10
        Fewest values a group needs for percentile bands.
    labels : mapping, optional
        Group -> display name.

    Returns
    -------
    Figure
    """
    feature_list = list(feature_list)
    _require(distribution, [group, *feature_list], "plot_article_vs_distribution")
    if isinstance(article_values, pd.DataFrame):
        if len(article_values) != 1:
            raise ValueError("article_values must be one row")
        article_values = article_values.iloc[0]
    article_values = pd.Series(article_values, dtype=object)
    q = [0.1, 0.25, 0.5, 0.75, 0.9]
    stats = {}
    for feat in feature_list:
        vals = pd.to_numeric(distribution[feat], errors="coerce")
        grouped = vals.groupby(distribution[group])
        st = grouped.quantile(q).unstack()
        st["n"] = grouped.count()
        stats[feat] = st
    groups = sorted(pd.unique(distribution[group].dropna()), key=str)
    if not groups or not feature_list:
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.2))
        _empty_axes(ax, f"no {group} distribution to compare with (0 articles)")
        return fig
    if order is None:
        med = stats[feature_list[0]][0.5].reindex(groups) if feature_list else None
        order = (
            pd.DataFrame({group: groups, "m": med.to_numpy() if med is not None else 0})
            .sort_values(["m", group], ascending=[True, False], kind="stable", na_position="first")[
                group
            ]
            .tolist()
        )
    else:
        order = list(order)[::-1]
    if article_group is not None and article_group in order:
        # the worked example's own row on top: the eye finds it first, in every panel
        order = [g for g in order if g != article_group] + [article_group]
    n = max(len(feature_list), 1)
    ncols = ncols or min(n, 3)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(FULL_WIDTH if ncols > 1 else COLUMN_WIDTH, nrows * (0.9 + 0.2 * len(order))),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    y = np.arange(len(order))
    n_rows = distribution.groupby(group).size()
    band = "#555555"
    single = "#8A8A8A"
    mark = "#000000"
    values_of = pd.DataFrame(
        {f: pd.to_numeric(distribution[f], errors="coerce") for f in feature_list}
    ).groupby(distribution[group])
    any_dots = False
    for k, ax in enumerate(axes.ravel()):
        if k >= len(feature_list):
            ax.set_visible(False)
            continue
        feat = feature_list[k]
        st = stats[feat].reindex(order)
        banded = (st["n"].fillna(0) >= min_n).to_numpy()
        sb = st[banded]
        yb = y[banded]
        ax.hlines(yb, sb[0.1], sb[0.9], color=band, linewidth=0.8)
        ax.hlines(yb, sb[0.25], sb[0.75], color=band, linewidth=3.0)
        ax.plot(
            sb[0.5],
            yb,
            "o",
            markersize=3.2,
            markerfacecolor="white",
            markeredgecolor="black",
            markeredgewidth=0.6,
            linestyle="none",
        )
        for yi, g in zip(y[~banded], np.asarray(order, dtype=object)[~banded], strict=True):
            if g not in values_of.groups:
                continue
            v = values_of.get_group(g)[feat].dropna().to_numpy()
            if g == article_group:
                # the article itself is the diamond; the rest of its group are dots
                v = np.delete(v, np.flatnonzero(np.isclose(v, _num(article_values, feat)))[:1])
            if v.size:
                any_dots = True
                ax.plot(
                    v, np.full(v.size, yi), "o", markersize=2.6, color=single, alpha=0.8,
                    markeredgewidth=0, linestyle="none", gid="single-values",
                )  # fmt: skip
        value = _num(article_values, feat)
        if pd.notna(value):
            ax.axvline(value, color=mark, linestyle="--", linewidth=0.9, label=article_label)
            if article_group is not None and article_group in order:
                ax.plot(
                    [value], [order.index(article_group)], "D", color=mark, markersize=4.5,
                    zorder=5,
                )  # fmt: skip
            shown = f"{value:.3g}"
        else:
            shown = "n/a"
        # the legend says what the dashed line is ("worked example (outlet voice)"); the
        # title keeps its head, so three panels' titles do not run into each other
        short = article_label.split(" (")[0]
        ax.set_title(f"{feature_label(feat, unit=False)}\n{short}: {shown}", fontsize=7, loc="left")
        unit = feature_label(feat)
        ax.set_xlabel(unit[unit.find("(") + 1 : -1] if unit.endswith(")") else "value", fontsize=7)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.margins(x=0.06)
        ax.ticklabel_format(axis="x", useOffset=False, style="plain")
        spread = [st[[0.1, 0.9]].to_numpy(dtype=float).ravel(), [value]]
        drawn = np.concatenate(spread)
        drawn = drawn[np.isfinite(drawn)]
        dots = [ln.get_xdata() for ln in ax.lines if ln.get_gid() == "single-values"]
        if dots:
            drawn = np.concatenate([drawn, *[np.asarray(d, dtype=float) for d in dots]])
        if drawn.size and np.ptp(drawn) < 1e-9:
            # every value the same (often all zero): a readable unit-wide axis around it
            low = drawn[0] - 0.1 if drawn[0] >= 0 else drawn[0] - 0.5
            ax.set_xlim(low, low + 1.0)
    ax0 = axes[0][0]
    names = dict(labels or {})
    ax0.set_yticks(y, [_with_n(names.get(g, g), n_rows.get(g)) for g in order])
    ax0.set_ylim(-0.7, len(order) - 0.3)
    if article_group is not None:
        own = _with_n(names.get(article_group, article_group), n_rows.get(article_group))
        for ax_row in axes:
            for tick in ax_row[0].get_yticklabels():
                if tick.get_text() == own:
                    tick.set_fontweight("bold")
    legend = [
        matplotlib.lines.Line2D([], [], color=band, linewidth=0.8, label="10th-90th percentile"),
        matplotlib.lines.Line2D([], [], color=band, linewidth=3.0, label="25th-75th percentile"),
        matplotlib.lines.Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markerfacecolor="white",
            markeredgecolor="black",
            markersize=4,
            label="median",
        ),
    ]
    if any_dots:
        legend.append(
            matplotlib.lines.Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                color=single,
                markersize=3,
                markeredgewidth=0,
                label=f"each article (n < {min_n})",
            )  # fmt: skip
        )
    legend.append(
        matplotlib.lines.Line2D(
            [], [], color=mark, linestyle="--", marker="D", markersize=4, label=article_label
        )
    )
    fig.legend(handles=legend, loc="outside upper center", ncols=len(legend), frameon=False)
    return fig


def _num(values: pd.Series, key) -> float:
    return pd.to_numeric(pd.Series([values.get(key)]), errors="coerce").iloc[0]

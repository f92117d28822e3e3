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
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on clusters and CI

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

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
#: Lean colours follow the US convention (left blue, right red) within the palette.
LEAN_COLORS = {
    "left": "#0072B2",
    "center": "#999999",
    "right": "#D55E00",
}
VOICE_COLORS = {"outlet": "#0072B2", "quoted": "#E69F00", "social": "#CC79A7", "page": "#BBBBBB"}
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


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: never a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
    csv_path = out / f"{name}.csv"
    atomic_write(csv_path, lambda tmp: data.to_csv(tmp, index=False, float_format="%.6g"))
    written.append(csv_path)
    for fmt in formats:
        path = out / f"{name}.{fmt}"
        atomic_write(
            path,
            lambda tmp, fmt=fmt: fig.savefig(
                tmp, format=fmt, dpi=dpi, metadata=_METADATA.get(fmt, {})
            ),
        )
        written.append(path)
    plt.close(fig)
    return written


def plot_outlet_counts(counts: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Horizontal bars: articles per outlet, coloured by lean.

    ``counts`` has columns ``outlet``, ``lean``, ``articles`` (one row per outlet).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.18 * len(counts) + 0.8))
    data = counts.sort_values(["articles", "outlet"], ascending=[True, False])
    colors = [LEAN_COLORS.get(str(lean), "#7F7F7F") for lean in data["lean"]]
    ax.barh(data["outlet"], data["articles"], color=colors)
    ax.set_xlabel("articles")
    ax.set_ylabel("")
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=c, label=lean)
        for lean, c in LEAN_COLORS.items()
        if lean in set(data["lean"])
    ]
    if handles:
        ax.legend(handles=handles, title="AllSides lean", frameon=False, loc="lower right")
    return ax


def plot_voice_shares(shares: pd.DataFrame, group: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Stacked horizontal bars: mean share of article text per voice, per group.

    ``shares`` has columns ``<group>``, ``voice``, ``share`` (0-1).
    """
    wide = shares.pivot(index=group, columns="voice", values="share").fillna(0.0)
    voices = [v for v in VOICE_COLORS if v in wide.columns]
    wide = wide[voices].sort_index(ascending=False)
    if ax is None:
        _, ax = plt.subplots(figsize=(COLUMN_WIDTH, 0.22 * len(wide) + 0.9))
    left = pd.Series(0.0, index=wide.index)
    for voice in voices:
        ax.barh(wide.index, wide[voice], left=left, color=VOICE_COLORS[voice], label=voice)
        left += wide[voice]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of article characters")
    ax.legend(ncols=len(voices), frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return ax

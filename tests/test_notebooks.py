"""The notebooks in experiments/notebooks/ run top to bottom on small settings.

Each is executed in a fresh kernel with FRAMELENS_NB_SMALL=1 (a subsample of the corpus and
a one-value grid), from its own folder, as a researcher would open it. They need the corpus
mirror and take about a minute each, so they are ``slow``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted(
    (Path(__file__).resolve().parent.parent / "experiments" / "notebooks").glob("*.ipynb")
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_are_stripped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, (
                f"{path.name}: strip outputs"
            )


@pytest.mark.slow
@pytest.mark.corpora
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, with_mirror, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("FRAMELENS_NB_SMALL", "1")
    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # the notebooks' scratch folders (tempfile.mkdtemp) land here, where the test can read them
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=dict(os.environ))
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    # Markdown shown in a notebook resolves links from the notebook's folder: a report's
    # "![name](figures/name.png)" is a broken image there (figures are shown with Image).
    shown = [
        (cell, out["data"]["text/markdown"])
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "text/markdown" in out.get("data", {})
    ]
    assert not [md for _, md in shown if "![" in md]
    # a report excerpt is whole lines of the run's report.md, never cut mid-line or mid-table
    tagged = [cell for cell in nb.cells if "report-excerpt" in cell.metadata.get("tags", [])]
    if tagged:
        excerpts = [md for cell, md in shown if any(cell is t for t in tagged)]
        assert excerpts
        (report,) = tmp_path.glob("*/report.md")
        text = "\n" + report.read_text(encoding="utf-8") + "\n"
        assert all("\n" + md + "\n" in text for md in excerpts)

"""Shared fixtures: the corpus mirror (skipped, or failed under FRAMELENS_REQUIRE_CORPORA=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = ROOT.parent / "shared" / "corpora"


def mirror_path() -> Path | None:
    value = os.environ.get("FRAMELENS_MIRROR")
    path = Path(value) if value else DEFAULT_MIRROR
    return path.resolve() if path.is_dir() else None


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Feature cache and VADER data in a per-session folder, not the user's home."""
    mp = pytest.MonkeyPatch()
    mp.setenv("FRAMELENS_CACHE", str(tmp_path_factory.mktemp("framelens-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The corpus mirror; tests needing it skip when it is absent, unless it is required."""
    path = mirror_path()
    if path is None:
        msg = (
            "corpus mirror not found: set FRAMELENS_MIRROR to a folder with one <name>/ "
            "folder per corpus (e.g. ../shared/corpora)"
        )
        if os.environ.get("FRAMELENS_REQUIRE_CORPORA") == "1":
            pytest.fail(msg + " [FRAMELENS_REQUIRE_CORPORA=1]")
        pytest.skip(msg)
    return path


@pytest.fixture
def with_mirror(mirror, monkeypatch) -> Path:
    monkeypatch.setenv("FRAMELENS_MIRROR", str(mirror))
    return mirror


# --------------------------------------------------------------------------- small classifiers

TINY_TRAIN = ROOT / "tests" / "data" / "classifiers" / "tiny_train.csv"


def irony_overrides(train_csv: Path = TINY_TRAIN) -> list[str]:
    """Hydra overrides of the irony task that train on a small labelled CSV (the 48-row
    fixture by default) in a few seconds."""
    return [
        "classifier.corpus.name=custom",
        f"+classifier.corpus.path='{train_csv}'",
        "+classifier.corpus.fields={id:id,outlet:outlet,text:text}",
        "+classifier.corpus.extra={label:label}",
        "classifier.grid.C=[1.0]",
        "classifier.grid.class_weight=[balanced]",
        "classifier.cv.folds=3",
        "classifier.calibration.folds=3",
        "classifier.n_jobs=1",
    ]


@pytest.fixture(scope="session")
def tiny_irony_overrides():
    """:func:`irony_overrides`, for tests (a function: give it another CSV if needed)."""
    return irony_overrides


# --------------------------------------------------------------------------- bad-input counts

#: Generated bad inputs tried per component (tests/test_bad_input.py): examples, records
#: read / loaded / quarantined / filtered, rows scored or given a reason.
BAD_INPUT_COUNTS: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="session")
def bad_input_counts() -> dict[str, dict[str, int]]:
    return BAD_INPUT_COUNTS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the bad-input counts and keep them in git-ignored outputs/bad_input_counts.json."""
    if not BAD_INPUT_COUNTS:
        return
    import json

    terminalreporter.section("generated bad inputs per component")
    for name, counts in sorted(BAD_INPUT_COUNTS.items()):
        terminalreporter.write_line(
            f"{name:<28} " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        )
    out = ROOT / "outputs" / "bad_input_counts.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(BAD_INPUT_COUNTS, indent=2, sort_keys=True) + "\n")

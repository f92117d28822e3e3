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

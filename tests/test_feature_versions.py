"""The feature cache trusts ``feature_version``: an extractor whose output changes must get a
new one, or every rerun over texts already cached serves the old values.

Each extractor that needs no training data (every default one) is run over the segments of
the committed sample corpus and a few probes; a digest of its output is stored beside its
``feature_version`` in ``tests/data/feature_fingerprints.json``. Same version, different
digest: this test fails and says to bump the version. After a deliberate change (with the
version bumped), refresh the file with ``FRAMELENS_UPDATE_FINGERPRINTS=1 pytest
tests/test_feature_versions.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from analysis.corpora import load_corpus
from analysis.pipeline import _fitted_features
from analysis.run import compose_config
from analysis.segment import Segmenter

STORE = Path(__file__).parent / "data" / "feature_fingerprints.json"
#: The extractors that train on a corpus or a model file are versioned by what they read.
TRAINED = {"irony_probability", "marked_words"}
PROBES = [
    "THE TALIBAN WOULD LIKE TO THANK THE AMERICAN TAXPAYER FOR THEIR RECENT LARGE DONATION",
    "WASHINGTON/RIYADH (Reuters) - The deal was signed. WIDE SUPPORT",
    "Thanks for nothing, Biden! The so-called 'withdrawal' was a disaster... #not",
    "",
]


def _texts() -> list[str]:
    articles, _ = load_corpus("sample")
    segments = Segmenter().segment_table(articles.head(20))
    return [*segments["text"].tolist(), *PROBES]


def _digest(values: np.ndarray) -> str:
    cells = np.where(np.isnan(values), np.inf, np.round(values.astype(float), 9))
    return hashlib.sha256(np.ascontiguousarray(cells).tobytes()).hexdigest()[:16]


def test_changed_extractor_output_comes_with_a_new_feature_version():
    names = sorted(
        p.stem for p in (Path(__file__).parents[1] / "configs" / "features").glob("*.yaml")
    )
    names = [n for n in names if n not in TRAINED]
    cfg = compose_config([f"features=[{','.join(names)}]"])
    union = _fitted_features(cfg.features)
    texts = _texts()
    seen = {}
    for name, est in union.transformer_list:
        seen[name] = {
            "feature_version": str(getattr(est, "feature_version", "")),
            "digest": _digest(np.asarray(est.transform(texts), dtype=float)),
        }
    if os.environ.get("FRAMELENS_UPDATE_FINGERPRINTS") == "1":
        STORE.write_text(json.dumps(seen, indent=2, sort_keys=True) + "\n")
    stored = json.loads(STORE.read_text())
    stale = [
        f"{name} (feature_version {now['feature_version']})"
        for name, now in seen.items()
        if name in stored
        and stored[name]["feature_version"] == now["feature_version"]
        and stored[name]["digest"] != now["digest"]
    ]
    assert not stale, (
        "these extractors give other values than before under the same feature_version, so "
        f"the feature cache would serve their old values: {', '.join(stale)}; bump their "
        "feature_version, then refresh the store: FRAMELENS_UPDATE_FINGERPRINTS=1 pytest "
        "tests/test_feature_versions.py"
    )
    missing = sorted(set(seen) - set(stored))
    moved = sorted(n for n in seen if n in stored and stored[n] != seen[n])
    assert not missing and not moved, (
        f"refresh tests/data/feature_fingerprints.json for {', '.join(missing + moved)}: "
        "FRAMELENS_UPDATE_FINGERPRINTS=1 pytest tests/test_feature_versions.py"
    )

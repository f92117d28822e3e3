"""Evaluate the article segmenter on the shared corpora (see ``segment_eval.md``).

    python benchmarks/segment_eval.py [--seed 20261130] [--n-random 20] [--n-tweet 12]
                                      [--n-debris 12] [--out outputs/segment_eval]
                                      [--skip-allsides] [--skip-basil]

Reads the corpus mirror (``$FRAMELENS_MIRROR``, default ``../shared/corpora`` relative to
the repository root) and prints:

1. the worked example (``rt_zaranj``): every segment's kind, voice and language;
2. AllSides: how many articles contain embedded posts, page debris (boilerplate, captions,
   media links) and quotations, segments per kind, and the same counts for the plain
   patterns the corpus README lists (an independent reference);
3. a seeded sample of AllSides articles for reading by eye, in three strata: ``--n-random``
   drawn uniformly from all articles, ``--n-tweet`` among the other articles whose raw text
   matches a README tweet pattern (``pic.twitter.com/`` or a ``(@handle) Month D, YYYY``
   signature) and ``--n-debris`` among the remaining ones matching a README debris pattern.
   The strata are defined on the raw text, not on the segmenter's output, so they do not
   depend on what is being measured; embedded posts are rare (7% of articles), hence the
   tweet stratum. Each sampled article is written rendered (``render_segments``) to
   ``--out/seed<seed>/<stratum>_<id>.txt`` and the ids are printed;
4. BASIL: agreement of quote segments with the expert spans marked ``quote: yes`` (recall:
   fraction of ``yes`` spans lying inside one quote segment) and ``quote: no`` (spans that
   wrongly lie inside a quote segment), for ``min_quote_words`` 1 to 4.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.records import Article  # noqa: E402
from analysis.segment import Segmenter, render_segments  # noqa: E402

DEBRIS = ("boilerplate", "caption", "media_link")

#: The raw-text patterns of the AllSides README ("Page debris inside content_original"),
#: used to define the flagged stratum independently of the segmenter.
TWEET_PATTERNS = re.compile(
    r"pic\.twitter\.com/|\(@\w+\)\s*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
    r"\s+\d{1,2},\s+\d{4}"
)
DEBRIS_PATTERNS = re.compile(
    r"(?i:share this)|READ MORE|(?i:read more)|Advertisement|(?i:click here)|(?i:sign up for)"
    r"|(?i:continue reading)|Follow .{1,40} on Twitter|reprint permission|Copyright ©|© \d{4}"
    r"|toggle caption|hide caption|Image caption|Getty Images|\(AP Photo"
)


def mirror() -> Path:
    path = Path(os.environ.get("FRAMELENS_MIRROR", "../shared/corpora"))
    return path if path.is_absolute() else (ROOT / path).resolve()


def iter_allsides(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            yield Article(
                id=d["ID"],
                outlet=d["source"],
                title=d["title"],
                text=d["content_original"],
                topic=d.get("topic"),
                lean=d.get("bias_text"),
            )


def worked_example(seg: Segmenter) -> None:
    path = mirror() / "rt_zaranj" / "000_3cce98ca88fb24fd.txt"
    if not path.exists():
        print(f"worked example: {path} not found, skipped")
        return
    art = Article(id="000_3cce98ca88fb24fd", outlet="RT", title="", text=path.read_text("utf-8"))
    segs = seg.segment(art)
    print("== worked example (rt_zaranj) ==")
    for s in segs:
        print(f"  [{s.position:2d}] {s.kind:13s} {s.voice:7s} {s.lang or '-':3s} {s.text[:70]!r}")
    kinds = Counter(s.kind for s in segs)
    print(f"  kinds: {dict(sorted(kinds.items()))}")
    print(f"  non-English: {[s.lang for s in segs if s.lang not in ('en', None)]}")


def allsides(seg: Segmenter, args) -> None:
    path = mirror() / "allsides" / "articles.jsonl.gz"
    if not path.exists():
        print(f"AllSides: {path} not found, skipped")
        return
    n = 0
    with_kind: Counter[str] = Counter()
    seg_kind: Counter[str] = Counter()
    non_en: Counter[tuple[str, str]] = Counter()
    raw_tweet = raw_debris = 0
    ids: list[str] = []
    tweet_pool: list[str] = []
    debris_pool: list[str] = []
    keep: dict[str, Article] = {}
    t0 = time.time()
    for art in iter_allsides(path):
        n += 1
        ids.append(art.id)
        is_tweet = bool(TWEET_PATTERNS.search(art.text))
        is_debris = bool(DEBRIS_PATTERNS.search(art.text))
        raw_tweet += is_tweet
        raw_debris += is_debris
        if is_tweet:
            tweet_pool.append(art.id)
        elif is_debris:
            debris_pool.append(art.id)
        segs = seg.segment(art)
        kinds = {s.kind for s in segs}
        for s in segs:
            seg_kind[s.kind] += 1
            if s.lang not in ("en", None):
                non_en[(s.voice, s.lang)] += 1
        for k in kinds:
            with_kind[k] += 1
        if kinds & set(DEBRIS):
            with_kind["any debris"] += 1
        keep[art.id] = art
    dt = time.time() - t0
    print(f"\n== AllSides: {n} articles segmented in {dt:.0f} s ({n / dt:.0f} articles/s) ==")
    print("articles containing at least one segment of kind:")
    for k in ("embedded_post", "boilerplate", "caption", "media_link", "any debris", "quote"):
        print(f"  {k:14s} {with_kind[k]:6d}  ({100 * with_kind[k] / n:.1f}%)")
    print("segments per kind:")
    for k, c in sorted(seg_kind.items()):
        print(f"  {k:14s} {c:8d}")
    print(
        f"non-English segments (voice, lang): {sum(non_en.values())}, top: {non_en.most_common(8)}"
    )
    print(
        f"raw patterns (README list): tweet pattern in {raw_tweet} articles, debris pattern in "
        f"{raw_debris}; either: {len(tweet_pool) + len(debris_pool)}"
    )

    rng = random.Random(args.seed)
    uniform = rng.sample(ids, args.n_random)
    taken = set(uniform)
    tweets = rng.sample([i for i in tweet_pool if i not in taken], args.n_tweet)
    debris = rng.sample([i for i in debris_pool if i not in taken], args.n_debris)
    out = ROOT / args.out / f"seed{args.seed}"
    out.mkdir(parents=True, exist_ok=True)
    for stratum, chosen in (("random", uniform), ("tweet", tweets), ("debris", debris)):
        print(f"\nsample seed={args.seed} stratum={stratum} ({len(chosen)}):")
        for i in chosen:
            art = keep[i]
            segs = seg.segment(art)
            (out / f"{stratum}_{i}.txt").write_text(render_segments(art, segs), "utf-8")
            kinds = Counter(s.kind for s in segs)
            print(
                f"  {i}  {art.outlet[:24]:24s} posts={kinds['embedded_post']:2d} "
                f"debris={sum(kinds[k] for k in DEBRIS):2d} quotes={kinds['quote']:2d}"
            )
    print(f"rendered to {out}")


def basil_articles(root: Path):
    for ann_path in sorted((root / "annotations").glob("*/*_ann.json")):
        art_path = root / "articles" / ann_path.parent.name / ann_path.name.replace("_ann", "")
        if not art_path.exists():
            continue
        art = json.loads(art_path.read_text("utf-8"))
        ann = json.loads(ann_path.read_text("utf-8"))
        yield art_path.stem, art, ann


def basil(args) -> None:
    root = mirror() / "basil"
    if not root.exists():
        print(f"BASIL: {root} not found, skipped")
        return
    data = list(basil_articles(root))
    print(f"\n== BASIL: {len(data)} annotated articles ==")
    print("min_quote_words  quote=yes inside quote seg (recall)  quote=no inside quote seg")
    for mqw in (1, 2, 3, 4):
        seg = Segmenter(detect_language=False, min_quote_words=mqw)
        inside = Counter()
        total = Counter()
        unlocated = 0
        for name, art, ann in data:
            paras = art.get("body-paragraphs") or []
            sentences: list[tuple[int, str]] = []
            parts = []
            pos = 0
            for pi, para in enumerate(paras):
                if pi:
                    pos += 1  # "\n"
                for si, sent in enumerate(para):
                    if si:
                        pos += 1  # " "
                    sentences.append((pos, sent))
                    pos += len(sent)
                parts.append(" ".join(para))
            text = "\n".join(parts)
            segs = seg.segment(Article(id=name, outlet=str(art.get("source")), title="", text=text))
            quotes = [(s.start, s.end) for s in segs if s.kind == "quote"]
            for span in ann.get("phrase-level-annotations") or []:
                label = span.get("quote")
                txt = span.get("txt") or ""
                st, en = span.get("start"), span.get("end")
                where = None
                for off, sent in sentences:
                    if isinstance(st, int) and sent[st:en] == txt:
                        where = (off + st, off + en)
                        break
                if where is None:
                    k = text.find(txt)
                    where = (k, k + len(txt)) if k >= 0 and txt else None
                if where is None:
                    unlocated += 1
                    continue
                total[label] += 1
                if any(qs <= where[0] and where[1] <= qe for qs, qe in quotes):
                    inside[label] += 1
        yes = inside["yes"] / max(1, total["yes"])
        no = inside["no"] / max(1, total["no"])
        print(
            f"  {mqw}              {inside['yes']:4d}/{total['yes']:4d} = {yes:.3f}"
            f"                 {inside['no']:4d}/{total['no']:4d} = {no:.3f}"
            f"   (spans not located: {unlocated})"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--n-random", type=int, default=20)
    ap.add_argument("--n-tweet", type=int, default=12)
    ap.add_argument("--n-debris", type=int, default=12)
    ap.add_argument("--out", default="outputs/segment_eval")
    ap.add_argument("--skip-allsides", action="store_true")
    ap.add_argument("--skip-basil", action="store_true")
    args = ap.parse_args(argv)
    seg = Segmenter()
    worked_example(seg)
    if not args.skip_allsides:
        allsides(seg, args)
    if not args.skip_basil:
        basil(args)


if __name__ == "__main__":
    main()

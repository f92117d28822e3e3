"""Evaluate the article segmenter on the shared corpora (see ``segment_eval.md``).

    python benchmarks/segment_eval.py [--seed 20261130] [--n-random 20] [--n-tweet 12]
                                      [--n-debris 12] [--out outputs/segment_eval]
                                      [--skip-allsides] [--skip-basil]
    python benchmarks/segment_eval.py --gold benchmarks/segment_gold_seed*.json [--no-fit]
    python benchmarks/segment_eval.py --draw --seed 20261205 --n-tweet 10 --n-debris 10

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

With ``--gold FILE`` (one or more) it only scores the hand annotations stored in
``benchmarks/segment_gold_seed<seed>.json`` (article ids, and for each the lines a reader
marked as page debris, neutral furniture and embedded posts, by line index and first 60
characters) against the current segmenter and prints precision and recall per stratum, plus
every miss, without segmenting the whole corpus (a few seconds).

Before scoring (and before section 2), the segmenter is fitted on all of AllSides, as the
pipeline's first pass fits it on the corpus it runs on (per-outlet recurring lines,
``Segmenter.fit``); ``--no-fit`` scores the article-only rules.

With ``--draw`` it only draws the sample of ``--seed`` (same strata and order as section 3,
without segmenting) and writes each article's numbered raw lines, with no segmenter labels,
plus an empty annotation skeleton, to ``--out/seed<seed>/blind/``: the way to annotate a new
sample blind before measuring it.

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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.records import Article  # noqa: E402
from analysis.segment import Segmenter, _hover_cards, render_segments  # noqa: E402

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


def draw_blind(args) -> None:
    """Draw the sample of ``--seed`` exactly as section 3 does, without segmenting anything.

    Writes, for reading *blind* (no segmenter labels), each article's non-blank lines as the
    segmenter splits them, numbered, to ``--out/seed<seed>/blind/<stratum>_<id>.txt``, and an
    empty annotation skeleton ``--out/seed<seed>/blind/segment_gold_seed<seed>.json`` to fill
    in (``debris``/``neutral``/``posts`` as ``[index, first 60 characters]``).
    """
    path = mirror() / "allsides" / "articles.jsonl.gz"
    ids: list[str] = []
    tweet_pool: list[str] = []
    debris_pool: list[str] = []
    for art in iter_allsides(path):
        ids.append(art.id)
        if TWEET_PATTERNS.search(art.text):
            tweet_pool.append(art.id)
        elif DEBRIS_PATTERNS.search(art.text):
            debris_pool.append(art.id)
    rng = random.Random(args.seed)
    uniform = rng.sample(ids, args.n_random)
    taken = set(uniform)
    tweets = rng.sample([i for i in tweet_pool if i not in taken], args.n_tweet)
    debris = rng.sample([i for i in debris_pool if i not in taken], args.n_debris)
    strata = {i: "random" for i in uniform} | {i: "tweet" for i in tweets}
    strata |= {i: "debris" for i in debris}
    arts = {a.id: a for a in iter_allsides(path) if a.id in strata}
    seg = Segmenter(detect_language=False)
    out = ROOT / args.out / f"seed{args.seed}" / "blind"
    out.mkdir(parents=True, exist_ok=True)
    skeleton = []
    for i, stratum in strata.items():
        art = arts[i]
        lines = [art.text[s:e] for s, e in _line_spans(seg, art.text)]
        head = f"# {i}  {stratum}  {art.outlet}\n# title: {art.title}\n"
        body = "".join(f"[{k}] {line}\n" for k, line in enumerate(lines))
        (out / f"{stratum}_{i}.txt").write_text(head + body, "utf-8")
        skeleton.append(
            {
                "id": i,
                "stratum": stratum,
                "outlet": art.outlet,
                "debris": [],
                "neutral": [],
                "posts": [],
            }
        )
    doc = {
        "seed": args.seed,
        "n_random": args.n_random,
        "n_tweet": args.n_tweet,
        "n_debris": args.n_debris,
        "lines": "non-blank lines of content_original as Segmenter splits them "
        "(index, first 60 chars)",
        "articles": skeleton,
    }
    (out / f"segment_gold_seed{args.seed}.json").write_text(json.dumps(doc, indent=0), "utf-8")
    print(f"drew {len(strata)} articles for seed {args.seed}; blind listings in {out}")


def _line_spans(seg: Segmenter, text: str) -> list[tuple[int, int]]:
    return [(p.start, p.end) for p in seg._split(text, None)]


def fitted_segmenter(fit: bool = True, cls: type[Segmenter] = Segmenter, **kw) -> Segmenter:
    """A segmenter fitted on all of AllSides (per-outlet recurring lines), as the pipeline's
    first pass fits it on the corpus it runs on; ``fit=False``: the article-only rules."""
    seg = cls(**kw)
    if fit:
        t0 = time.time()
        seg.fit(iter_allsides(mirror() / "allsides" / "articles.jsonl.gz"))
        n = len(seg._recurring)
        print(f"fitted on AllSides in {time.time() - t0:.0f} s: {n} recurring (outlet, line) keys")
    return seg


def score_gold(
    paths: list[str], verbose: bool = True, fit: bool = True, seg: Segmenter | None = None
) -> dict[str, Counter]:
    """Score the segmenter against hand annotations (see module docstring).

    Debris is scored per line: a line counts as page voice when at least half of its
    characters lie in boilerplate/caption/media_link segments. The annotations mark whole
    lines, so the hover cards cut out of a prose line (``_hover_cards``: "Trump Donald John
    TrumpGOP senators balk ... MORE", added after the annotations) are left out of both
    counts: such a line is judged by the rest of its characters. A debris line in page voice is
    a TP, otherwise a FN; any other page-voice line that is neither neutral nor part of a
    post is a FP. A post is a TP only when exactly one ``embedded_post`` segment overlaps its
    lines and covers all of them; an ``embedded_post`` segment is correct when every line it
    touches belongs to one annotated post.
    """
    if seg is None:
        seg = fitted_segmenter(fit, detect_language=False)
    docs = [json.loads(Path(p).read_text("utf-8")) for p in paths]
    want = {a["id"] for d in docs for a in d["articles"]}
    arts: dict[str, Article] = {}
    for art in iter_allsides(mirror() / "allsides" / "articles.jsonl.gz"):
        if art.id in want:
            arts[art.id] = art
            if len(arts) == len(want):
                break
    totals: dict[str, Counter] = {}
    per_article: dict[str, list[Counter]] = {}
    n_cards: Counter = Counter()
    for doc in docs:
        per: dict[str, Counter] = {}
        for a in doc["articles"]:
            art = arts[a["id"]]
            spans = _line_spans(seg, art.text)
            for i, prefix in (*a["debris"], *a["neutral"], *(x for p in a["posts"] for x in p)):
                got = art.text[spans[i][0] : spans[i][1]][: len(prefix)]
                if got != prefix:
                    raise ValueError(f"{a['id']} line {i}: {got!r} != {prefix!r}")
            segs = seg.segment(art)
            body = [s for s in segs if s.field == "text"]
            cards = _hover_cards(art.text)
            n_cards[str(doc["seed"])] += len(cards)
            card_chars = [
                sum(max(0, min(le, e) - max(ls, s)) for s, e in cards) for ls, le in spans
            ]
            page = [0] * len(spans)
            post_segs: list[tuple[int, int]] = []
            for s in body:
                if s.kind == "embedded_post":
                    post_segs.append((s.start, s.end))
                if s.voice != "page" or (s.start, s.end) in cards:
                    continue
                for li, (ls, le) in enumerate(spans):
                    if s.start < le and ls < s.end:
                        page[li] += min(le, s.end) - max(ls, s.start)
            is_page = [
                2 * page[li] >= le - ls - card_chars[li] for li, (ls, le) in enumerate(spans)
            ]
            debris = {i for i, _ in a["debris"]}
            neutral = {i for i, _ in a["neutral"]}
            post_of = {i: k for k, p in enumerate(a["posts"]) for i, _ in p}
            c = Counter()
            per_article.setdefault(str(doc["seed"]), []).append(c)
            misses = []
            for li in range(len(spans)):
                text = art.text[spans[li][0] : spans[li][1]]
                if li in debris:
                    c["debris_tp" if is_page[li] else "debris_fn"] += 1
                    if not is_page[li]:
                        misses.append(f"debris FN [{li}] {text[:110]!r}")
                elif is_page[li] and li not in neutral and li not in post_of:
                    c["debris_fp"] += 1
                    misses.append(f"debris FP [{li}] {text[:110]!r}")
            for p in a["posts"]:
                idx = [i for i, _ in p]
                s0, e0 = spans[min(idx)][0], spans[max(idx)][1]
                hit = [(s, e) for s, e in post_segs if s < e0 and s0 < e]
                ok = len(hit) == 1 and hit[0][0] <= s0 and hit[0][1] >= e0
                c["post_tp" if ok else "post_fn"] += 1
                if not ok:
                    misses.append(f"post FN {idx} ({len(hit)} segs) {art.text[s0:e0][:110]!r}")
            for s, e in post_segs:
                touched = {li for li, (ls, le) in enumerate(spans) if s < le and ls < e}
                owners = {post_of.get(li) for li in touched}
                good = len(owners) == 1 and None not in owners
                c["seg_ok" if good else "seg_bad"] += 1
                if not good:
                    misses.append(f"post FP {sorted(touched)} {art.text[s:e][:110]!r}")
            per.setdefault(a["stratum"], Counter()).update(c)
            if verbose and misses:
                print(f"  {a['stratum']:6s} {a['id']} {a['outlet'][:30]}")
                for m in misses:
                    print(f"      {m}")
        total = Counter()
        for c in per.values():
            total.update(c)
        per["all"] = total
        print(f"\n== gold seed {doc['seed']} ({len(doc['articles'])} articles) ==")
        print("stratum   posts P          posts R          debris P         debris R")
        for name, c in per.items():
            print(
                f"  {name:7s} {_ratio(c['seg_ok'], c['seg_ok'] + c['seg_bad'])}"
                f" {_ratio(c['post_tp'], c['post_tp'] + c['post_fn'])}"
                f" {_ratio(c['debris_tp'], c['debris_tp'] + c['debris_fp'])}"
                f" {_ratio(c['debris_tp'], c['debris_tp'] + c['debris_fn'])}"
            )
        totals[str(doc["seed"])] = total
        print(_bootstrap_line(per_article[str(doc["seed"])]))
    if len(docs) > 1:
        pooled = [c for cs in per_article.values() for c in cs]
        total = Counter()
        for c in pooled:
            total.update(c)
        print(
            f"\n== pooled: {len(docs)} files, {len(pooled)} articles "
            f"({sum(n_cards.values())} hover cards cut out of prose lines) =="
        )
        print(
            f"  posts P {_ratio(total['seg_ok'], total['seg_ok'] + total['seg_bad'])}"
            f"  posts R {_ratio(total['post_tp'], total['post_tp'] + total['post_fn'])}"
            f"  debris P {_ratio(total['debris_tp'], total['debris_tp'] + total['debris_fp'])}"
            f"  debris R {_ratio(total['debris_tp'], total['debris_tp'] + total['debris_fn'])}"
        )
        print(_bootstrap_line(pooled))
    return totals


_RATIOS = {
    "posts P": ("seg_ok", "seg_bad"),
    "posts R": ("post_tp", "post_fn"),
    "debris P": ("debris_tp", "debris_fp"),
    "debris R": ("debris_tp", "debris_fn"),
}


def _bootstrap_line(articles: list[Counter], draws: int = 2000, seed: int = 0) -> str:
    """95% intervals of the four ratios when the *articles* are resampled: debris and posts
    come in clusters (one photo gallery can hold 60 captions), so lines are not independent
    and the article is the unit a new sample would draw."""
    keys = sorted({k for ab in _RATIOS.values() for k in ab})
    m = np.array([[c[k] for k in keys] for c in articles], dtype=float)
    rng = np.random.default_rng(seed)
    boot = m[rng.integers(0, len(m), size=(draws, len(m)))].sum(axis=1)
    parts = []
    for name, (good, bad) in _RATIOS.items():
        g, b = boot[:, keys.index(good)], boot[:, keys.index(bad)]
        with np.errstate(invalid="ignore", divide="ignore"):
            r = g / (g + b)
        r = r[~np.isnan(r)]
        if len(r):
            lo, hi = np.percentile(r, [2.5, 97.5])
            parts.append(f"{name} {lo:.2f}-{hi:.2f}")
    return "  article-bootstrap 95%: " + ", ".join(parts)


def agreement(path_a: str, path_b: str) -> None:
    """How two readers' annotations of the same sample agree (inter-annotator agreement).

    Per line class (debris, post line): how many of A's lines B also marked and vice
    versa, and Cohen's kappa over every non-blank line of the sample's articles for "debris
    vs not" (neutral and unlisted lines are both "not"). Posts are compared line by line.
    """
    docs = [json.loads(Path(p).read_text("utf-8")) for p in (path_a, path_b)]
    if docs[0]["seed"] != docs[1]["seed"]:
        raise SystemExit("the two files annotate different samples")
    arts_b = {a["id"]: a for a in docs[1]["articles"]}
    ids = {a["id"] for a in docs[0]["articles"]}
    texts = {
        a.id: a.text
        for a in iter_allsides(mirror() / "allsides" / "articles.jsonl.gz")
        if a.id in ids
    }
    seg = Segmenter(detect_language=False)
    n_lines = sum(len(_line_spans(seg, texts[i])) for i in ids)

    def lines(doc_art: dict, key: str) -> set[int]:
        if key == "posts":
            return {k for post in doc_art["posts"] for k, _ in post}
        return {k for k, _ in doc_art[key]}

    print(
        f"== agreement, seed {docs[0]['seed']}: {Path(path_a).name} (A) vs {Path(path_b).name} (B), {n_lines} lines =="
    )
    for key in ("debris", "posts", "neutral"):
        a_tot = b_tot = both = 0
        for art in docs[0]["articles"]:
            la, lb = lines(art, key), lines(arts_b[art["id"]], key)
            a_tot, b_tot, both = a_tot + len(la), b_tot + len(lb), both + len(la & lb)
        line = f"  {key:8} A {a_tot:4d}  B {b_tot:4d}  both {both:4d}  B finds {_ratio(both, a_tot)} of A's, A finds {_ratio(both, b_tot)} of B's"
        if key == "debris":
            # Cohen's kappa, debris vs not, over all lines
            p_o = (n_lines - (a_tot - both) - (b_tot - both)) / n_lines
            pa, pb = a_tot / n_lines, b_tot / n_lines
            p_e = pa * pb + (1 - pa) * (1 - pb)
            line += f"  kappa {(p_o - p_e) / (1 - p_e):.2f}"
        print(line)


def _ratio(a: int, b: int) -> str:
    return f"{a:3d}/{b:3d} = {a / b:.2f}" if b else f"{a:3d}/{b:3d} =  -  "


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--n-random", type=int, default=20)
    ap.add_argument("--n-tweet", type=int, default=12)
    ap.add_argument("--n-debris", type=int, default=12)
    ap.add_argument("--out", default="outputs/segment_eval")
    ap.add_argument("--skip-allsides", action="store_true")
    ap.add_argument("--skip-basil", action="store_true")
    ap.add_argument("--gold", nargs="+", help="score these annotation files and stop")
    ap.add_argument("--quiet", action="store_true", help="with --gold: totals only")
    ap.add_argument(
        "--no-fit",
        action="store_true",
        help="with --gold: do not fit the recurring-line table on the corpus first",
    )
    ap.add_argument(
        "--draw",
        action="store_true",
        help="only draw the sample of --seed and write blind line listings to annotate",
    )
    ap.add_argument(
        "--agree",
        nargs=2,
        metavar=("GOLD_A", "GOLD_B"),
        help="compare two readers' annotation files of the same sample and stop",
    )
    args = ap.parse_args(argv)
    if args.agree:
        agreement(*args.agree)
        return
    if args.draw:
        draw_blind(args)
        return
    if args.gold:
        score_gold(args.gold, verbose=not args.quiet, fit=not args.no_fit)
        return
    seg = fitted_segmenter(not args.skip_allsides)
    worked_example(seg)
    if not args.skip_allsides:
        allsides(seg, args)
    if not args.skip_basil:
        basil(args)


if __name__ == "__main__":
    main()

"""Where one process spends its time in the default pipeline, against the naive loop.

    FRAMELENS_MIRROR=../shared/corpora python benchmarks/pipeline_breakdown.py [--articles 2000]

One process, CPU seconds, side by side on the first N AllSides articles (read into memory
first): the segmenter's first pass (``fit_segment_config``) and segmentation; then, on the
measured segments the pipeline scores (outlet / quoted / social voice, English), the shared
tokenizer alone, each default extractor alone (each pays for tokenizing: the per-text memos
are emptied before every chunk, as in a run), the two sentiment extractors together
(``vader`` + ``textblob``, what the naive loop computes) and the whole default FeatureUnion;
finally the naive loop of ``pipeline_bench.py`` (d): NLTK VADER + TextBlob on each whole
article. Every figure is the minimum over ``--repeat`` rounds, in ms per article.

It answers the question ``pipeline_bench.py`` (a)/(d) raises: how fast could the pipeline be
if everything but segmentation and the two sentiment features cost nothing? The last lines
print that bound as a ratio to the naive loop. Writing Parquet parts, summaries and figures
(the rest of a run) is not included, so the bound is optimistic.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("FRAMELENS_MIRROR", str(ROOT.parent / "shared" / "corpora"))

    import nltk
    from hydra import compose, initialize_config_dir
    from nltk.sentiment.vader import SentimentIntensityAnalyzer
    from omegaconf import OmegaConf
    from sklearn.pipeline import FeatureUnion
    from textblob import TextBlob

    from analysis.corpora import iter_articles
    from analysis.features import clear_cache
    from analysis.features._text import analyze
    from analysis.features.sentiment import ensure_vader_data
    from analysis.pipeline import MEASURED_VOICES, build_stages
    from analysis.segment import fit_segment_config

    n = args.articles
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base=None):
        cfg = compose(
            config_name="config",
            overrides=["corpus=allsides", f"corpus.limit={n}", "cache.enabled=false"],
        )
    chunk_size = int(cfg.chunk_size)
    chunks = list(iter_articles(OmegaConf.to_container(cfg.corpus), chunk_size=chunk_size))
    n = sum(len(c) for c in chunks)
    times: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)

    t = time.process_time()
    run_cfg = fit_segment_config(cfg, lambda: iter(chunks))
    record("segmenter first pass (fit)", time.process_time() - t)
    stages = build_stages(run_cfg)
    segmenter, union = stages.segmenter, stages.features
    texts: list[list[str]] = []
    seg_time = 0.0
    for chunk in chunks:
        t = time.process_time()
        seg = segmenter.segment_table(chunk)
        seg_time += time.process_time() - t
        keep = seg["voice"].isin(MEASURED_VOICES) & seg["lang"].fillna("en").eq("en")
        texts.append(seg.loc[keep, "text"].tolist())
    record("segmentation", seg_time)

    by_name = dict(union.transformer_list)
    sentiment = FeatureUnion([(k, by_name[k]) for k in ("vader", "textblob") if k in by_name])
    scorers = [("tokenize (shared)", None), *union.transformer_list]
    scorers += [("vader + textblob", sentiment), ("default FeatureUnion", union)]

    nltk.data.path.insert(0, str(ensure_vader_data()))
    sia = SentimentIntensityAnalyzer()

    def naive() -> None:
        for chunk in chunks:
            for text in chunk["text"]:
                blob = TextBlob(text)
                (sia.polarity_scores(text)["compound"], *blob.sentiment)

    for _ in range(args.repeat):
        for name, est in scorers:
            total = 0.0
            for batch in texts:
                clear_cache()
                if est is None:
                    total += cpu(lambda b=batch: [analyze(x) for x in b])
                else:
                    total += cpu(lambda b=batch, e=est: e.transform(b))
            record(name, total)
        clear_cache()
        record("naive loop (d): VADER + TextBlob on whole articles", cpu(naive))

    ms = {k: min(v) / n * 1e3 for k, v in times.items()}
    n_seg = sum(map(len, texts))
    print(
        f"{n:,} AllSides articles, {n_seg:,} measured segments; {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"CPU ms per article, min of {args.repeat} (first pass and segmentation: 1 round)"
    )
    for k, v in ms.items():
        print(f"  {k:52s} {v:7.2f}")
    naive_ms = ms["naive loop (d): VADER + TextBlob on whole articles"]
    pipeline = ms["segmenter first pass (fit)"] + ms["segmentation"]
    full = pipeline + ms["default FeatureUnion"]
    floor = pipeline + ms["vader + textblob"]
    print(
        f"segmentation + every default feature: {full:.2f} ms -> {naive_ms / full:.2f}x the naive loop"
    )
    print(
        f"segmentation + vader + textblob only (the other extractors free): {floor:.2f} ms -> "
        f"{naive_ms / floor:.2f}x the naive loop (the (a)/(d) target is 2x)"
    )


if __name__ == "__main__":
    main()

"""Build the committed sample corpus ``corpora/sample/articles.jsonl`` (seeded, reproducible).

    FRAMELENS_MIRROR=../shared/corpora python scripts/make_sample.py

The worked example (rt_zaranj) plus 40 AllSides articles (Apache-2.0): 20 from the security
topics the experiments study and 20 from the rest, half each among articles that embed a
tweet, balanced by lean, each under 12,000 characters so the file stays well under 1 MB.
Rewrites ``corpora/sample/corpus.yaml``'s checksum.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import pandas as pd

from analysis.corpora import load_corpus

ROOT = Path(__file__).resolve().parent.parent
SEED = 20211108
SECURITY = {
    "terrorism", "middle_east", "us_military", "national_security", "isis",
    "national_defense", "defense", "foreign_policy",
}  # fmt: skip
TWEET = re.compile(r"pic\.twitter\.com|\(@\w+\) \w+ \d{1,2}, \d{4}")


def main() -> None:
    rng = random.Random(SEED)
    allsides, _ = load_corpus("allsides")
    allsides = allsides[allsides["text"].str.len() < 12_000].sort_values("id")
    picked = []
    for security in (True, False):
        pool = allsides[allsides["topic"].isin(SECURITY) == security]
        for has_tweet in (True, False):
            sub = pool[pool["text"].str.contains(TWEET) == has_tweet]
            for lean in ("left", "center", "right"):
                ids = sorted(sub.loc[sub["lean"] == lean, "id"])
                k = 4 if lean != "center" else 2  # 10 per (security, tweet) cell
                picked += rng.sample(ids, min(k, len(ids)))
    sample = allsides[allsides["id"].isin(picked)]
    zaranj, _ = load_corpus("rt_zaranj")
    out = ROOT / "corpora" / "sample" / "articles.jsonl"
    cols = ["id", "outlet", "title", "text", "date", "url", "lean", "topic"]
    table = pd.concat([zaranj[cols], sample[cols]]).astype(object)
    table = table.where(table.notna(), None)  # JSON null, not NaN
    with open(out, "w", encoding="utf-8") as fh:
        for rec in table.to_dict("records"):
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    desc = ROOT / "corpora" / "sample" / "corpus.yaml"
    text = re.sub(r"articles.jsonl: [0-9a-f]{64}", f"articles.jsonl: {digest}", desc.read_text())
    desc.write_text(text)
    print(f"{out}: {1 + len(sample)} articles, {out.stat().st_size / 1e3:.0f} kB, sha256 {digest}")


if __name__ == "__main__":
    main()

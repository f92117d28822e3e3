"""What the measures and statistics in a report mean, for a reader who did not build them.

One place holds the definitions; the report stages (:mod:`analysis.outlets`,
:mod:`analysis.events`) list the ones their tables use (:func:`glossary_markdown`).
Units come from :func:`analysis.plots.feature_unit`, so a figure's axis and the report
say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["FEATURES", "STATISTICS", "describe_feature", "glossary_markdown"]

#: Definitions of feature columns, by exact name or by prefix (``actor_``, ``frame_``):
#: what is counted, and where the word list or model comes from. An article's value in a
#: voice is the character-weighted mean of its segments' values (``analysis.score``).
FEATURES: dict[str, str] = {
    "vader_compound_mean": "VADER compound sentiment (Hutto & Gilbert 2014), scored sentence "
    "by sentence and averaged: -1 most negative, +1 most positive",
    "textblob_polarity_mean": "TextBlob (pattern) polarity, sentence by sentence, averaged",
    "textblob_subjectivity_mean": "TextBlob (pattern) subjectivity, sentence by sentence, "
    "averaged: 0 factual, 1 opinionated wording",
    "loaded_any": "words of Recasens et al.'s (2013) bias word classes (factive, implicative, "
    "assertive and report verbs, intensifiers, subjective words), any class, each span once",
    "loaded_subjective": "subjective words of Recasens et al.'s (2013) lexicon",
    "loaded_textblob_subjectivity": "TextBlob subjectivity computed with the loaded-word "
    "feature (the same as textblob_subjectivity_mean)",
    "marked_words_rate": "learned loaded wording: the expected number of words that look "
    "like those BABE's experts marked as biased (Spinde et al. 2021), from a token model "
    "trained on BABE",
    "marked_words_max": "the highest probability of any token being such a marked word",
    "hedging_hedge": "hedges and uncertainty (apparently, reportedly, allegedly, may, might)",
    "hedging_distancing": "attribution that casts doubt on the source (claimed, alleged, "
    "purported, so-called, insisted)",
    "hedging_neutral": "neutral attribution (said, told, according to)",
    "hedging_anonymous": "anonymous or vague sources (sources said, experts say)",
    "hedging_distancing_share": "distancing attribution as a share of distancing plus "
    "neutral attribution",
    "irony_sarcastic_gratitude": "sentences thanking someone for a 'donation' or 'gift', or "
    "for a negative event ('thanks for nothing', 'thank you Biden for the chaos')",
    "irony_all_caps_ratio": "share of words shouted in capitals (not acronyms, names, "
    "datelines or labels): typography as much as irony in news prose",
    "irony_scare_quotes": "quoted phrases of one to three words (“dozens”, 'likely')",
    "irony_interjections": "sarcastic stock phrases ('yeah right', 'oh great')",
    "irony_positive_negative": "sentences with a strongly positive word about a negative "
    "event (war, attack, captured)",
    "irony_probability": "probability that the text is ironic, from an irony classifier: "
    "the package's, trained on SemEval-2018 Task 3A tweets (in-domain only for social posts), "
    "unless the run names a model file of its own (manifest.json lists it)",
    "style_flesch_reading_ease": "Flesch reading ease: higher is easier (60-70 plain "
    "English); each segment's score is clipped to Flesch's 0-100 scale before the means "
    "(one-word sentences score up to 121, unpunctuated lists far below 0), and quoted "
    "fragments and short posts inflate it",
    "style_quotes_per_1k": "double quotation marks (single quotes double as apostrophes)",
    "style_caps_ratio": "share of letters in capitals",
    "style_mean_sentence_length": "tokens per sentence",
    "frame_": "words of one of the Media Frames Corpus' generic policy frames (Boydstun et "
    "al. 2014; lexicon after Card et al. 2015)",
    "issue_": "words of one issue frame of the worked example (lexicon issue_frames)",
    "actor_": "how often a segment uses this label for this actor, counted where the actor "
    "is named in the same segment (actor_X__mentions: how often it is named)",
}

#: The statistics the reports use, in words.
STATISTICS: dict[str, str] = {
    "bootstrap CI": "95% percentile interval from seeded resamples of the units the table "
    "or caption names (an outlet's articles; a lean's outlets, each with all its articles; "
    "events). Unadjusted for the number of comparisons, so an interval that excludes 0 "
    "need not be significant after BH",
    "BH, p (BH)": "Benjamini-Hochberg adjusted p-value, controlling the false discovery rate "
    "at 5% within the family of tests the table names",
    "Tarone 1990": "tests that cannot reach p < 0.05 whatever the data (too few outlets a "
    "side) are left out of the BH family: Tarone, R. E. (1990). A modified Bonferroni method "
    "for discrete data. Biometrics 46(2), 515-522",
    "Cliff's delta": "share of pairs (one from each group) where the first group is higher "
    "minus the share where it is lower: -1 to +1, 0 no difference; 0.15, 0.33 and 0.47 are "
    "the usual lower bounds of a small, medium and large effect (Romano et al. 2006)",
    "epsilon²": "Kruskal-Wallis effect size, the share of rank variance between the outlets: "
    "0 to 1 (0.01 small, 0.08 medium, 0.26 large: Mangiafico's rcompanion conventions, "
    "Summary and Analysis of Extension Program Evaluation in R, 2016)",
    "rank-biserial r": "Wilcoxon signed-rank effect size: the rank sum of the pairs (outlets "
    "or events) where the first is higher minus that where it is lower, over the total; "
    "-1 to +1",
    "Friedman test": "rank test of outlets across the same events (each event a block), the "
    "repeated-measures analogue of Kruskal-Wallis",
    "Kendall's W": "Friedman effect size: how consistently the outlets are ranked the same "
    "way across events, 0 (no agreement) to 1 (the same order in every event)",
    "Spearman ρ": "rank correlation, -1 to +1",
    "var(outlet), icc(outlet)": "between-outlet variance of a mixed model's random "
    "intercept, and its share of the total variance (intraclass correlation): how much "
    "articles of one outlet resemble each other beyond lean and topic",
    "voice": "who speaks: the outlet's own prose (outlet), people it quotes (quoted), social "
    "posts it embeds (social); page debris (bylines, captions, links) is set aside, not "
    "measured",
}


#: Prefixes whose columns are the categories of a bundled lexicon that describes each one.
_LEXICON_OF_PREFIX = {"frame_": "mfc", "issue_": "issue_frames"}


def describe_feature(name: str) -> str | None:
    """The definition of a feature column (exact name first, then its prefix; for a frame,
    the bundled lexicon's description of its category), or None."""
    if name in FEATURES:
        return FEATURES[name]
    for key, text in FEATURES.items():
        if key.endswith("_") and name.startswith(key):
            category = _category_description(key, name[len(key) :])
            return f"{text}: {category[0].lower()}{category[1:]}" if category else text
    return None


def _category_description(prefix: str, category: str) -> str | None:
    lexicon = _LEXICON_OF_PREFIX.get(prefix)
    if lexicon is None:
        return None
    from analysis.features._text import read_yaml_source

    try:
        spec = read_yaml_source(lexicon)[0].get("categories", {}).get(category)
    except (OSError, ValueError):
        return None
    text = spec.get("description") if isinstance(spec, dict) else None
    return text.rstrip(".") if isinstance(text, str) else None


#: How a report shows it uses a statistic (any of these strings), where the key alone is
#: not what its tables and captions print.
_SIGNS = {
    "bootstrap CI": ("CI", "bootstrap"),
    "BH, p (BH)": ("(BH)", "Benjamini-Hochberg"),
    "Tarone 1990": ("Tarone",),
    "rank-biserial r": ("rank-biserial",),
    "Friedman test": ("Friedman",),
    "var(outlet), icc(outlet)": ("var(outlet)", "icc(outlet)"),
}


def glossary_markdown(
    features: Iterable[str], statistics: Iterable[str] = (), used_in: str | None = None
) -> list[str]:
    """A report section: each feature with its definition and unit, then the statistics
    named (keys of :data:`STATISTICS`). Features without a definition are listed with
    their unit alone, so none is left out. With ``used_in`` (the report's text so far), a
    statistic is listed only when that text shows it (a one-lean run has no Cliff's delta
    between leans and no mixed model, so its glossary does not define them)."""
    from analysis.plots import feature_unit

    lines = ["## Measures and statistics", ""]
    for name in dict.fromkeys(features):
        text = describe_feature(name)
        unit = feature_unit(name)
        parts = [p for p in (text, f"unit: {unit}" if unit else None) if p]
        lines.append(f"- `{name}`: {'; '.join(parts) or 'see its extractor in configs/features/'}.")
    stats = [s for s in dict.fromkeys(statistics) if s in STATISTICS]
    if used_in is not None:
        stats = [s for s in stats if any(sign in used_in for sign in _SIGNS.get(s, (s,)))]
    if stats:
        lines.append("")
        lines += [f"- **{s}**: {STATISTICS[s]}." for s in stats]
    return [*lines, ""]

"""Feature extractors: scikit-learn transformers from a list of segment texts to a
2-D float array, one row per text and one named column per measure.

Every family has a config under ``configs/features/`` whose top key repeats its file
name; :data:`DEFAULT_FEATURES` lists the ones a run uses unless told otherwise. All
extractors share one memoized tokenizer (:func:`analysis.features._text.analyze`), so a
``FeatureUnion`` over the same texts splits each text once.

Empty texts (and None, NaN, a bare link: anything without a word token) never raise:
rates and means come out NaN, counts 0 (each class documents which columns are which),
so aggregation can use NaN-aware means.

>>> from analysis.features import FrameShare
>>> FrameShare(lexicon="issue_frames").fit_transform(["A chaotic withdrawal."]).shape
(1, 5)
"""

from ._text import bundled_lexicons, clear_cache, load_lexicon, set_cache_size
from .framing import ActorLabels, FrameShare, HedgingAttribution, LoadedWords, MarkedWords
from .irony import IronyCues, IronyProbability, strip_irony_hashtags
from .sentiment import TextBlobSentiment, VaderSentiment, ensure_vader_data
from .style import StyleFeatures

#: Config names (``configs/features/<name>.yaml``) selected by default. Optional ones:
#: ``marked_words`` (trains on BABE) and ``irony_probability`` (trains the irony classifier
#: on SemEval-2018 on first use and caches it).
DEFAULT_FEATURES = [
    "vader",
    "textblob",
    "irony_cues",
    "framing",
    "issue_frames",
    "actors",
    "hedging",
    "loaded",
    "style",
]

__all__ = [
    "DEFAULT_FEATURES",
    "ActorLabels",
    "FrameShare",
    "HedgingAttribution",
    "IronyCues",
    "IronyProbability",
    "LoadedWords",
    "MarkedWords",
    "StyleFeatures",
    "TextBlobSentiment",
    "VaderSentiment",
    "bundled_lexicons",
    "clear_cache",
    "ensure_vader_data",
    "load_lexicon",
    "set_cache_size",
    "strip_irony_hashtags",
]

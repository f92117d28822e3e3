"""The one place a config becomes objects.

Only :func:`build` calls :func:`hydra.utils.instantiate`. Before it does, every ``_target_``
in the config is checked against an allow-list (the package's own modules plus a few named
scikit-learn classes), so a config file cannot call arbitrary code such as ``os.system``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf

from analysis.errors import ConfigError

#: Modules whose callables a config may name.
ALLOWED_PREFIXES = ("analysis.",)
#: Environment variable naming your own modules (comma-separated) whose callables configs
#: may name and whose types model files may hold: ``FRAMELENS_ALLOW=my_features``.
ALLOW_ENV = "FRAMELENS_ALLOW"


def allowed_modules() -> tuple[str, ...]:
    """The module prefixes you allowed with ``FRAMELENS_ALLOW`` (``("my_features.",)``).

    Read at each check, so a notebook can set ``os.environ["FRAMELENS_ALLOW"]`` before it
    builds a config, and worker processes inherit it. Allowing a module trusts its code as
    much as the package's: name only modules you wrote or checked.
    """
    import os

    names = [n.strip().strip(".") for n in os.environ.get(ALLOW_ENV, "").split(",")]
    return tuple(f"{n}." for n in names if n)


#: Callables outside the package that configs may name.
ALLOWED_TARGETS = frozenset(
    {
        "sklearn.pipeline.Pipeline",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.make_union",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.feature_extraction.text.CountVectorizer",
        "sklearn.linear_model.LogisticRegression",
        "sklearn.linear_model.SGDClassifier",
        "sklearn.linear_model.RidgeClassifier",
        "sklearn.svm.LinearSVC",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.preprocessing.StandardScaler",
        "sklearn.impute.SimpleImputer",
        "sklearn.preprocessing.MaxAbsScaler",
        "sklearn.preprocessing.MinMaxScaler",
        "sklearn.model_selection.StratifiedKFold",
    }
)
#: scikit-learn parameters that must be tuples; YAML gives lists.
TUPLE_PARAMS = frozenset({"ngram_range", "feature_range", "quantile_range"})


def check_targets(node: Any, where: str = "config") -> None:
    """Raise :class:`ConfigError` if any ``_target_`` under ``node`` is not allowed."""
    if isinstance(node, (DictConfig, ListConfig)):
        node = OmegaConf.to_container(node, resolve=False, throw_on_missing=False)
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "_target_":
                target = str(value)
                if target.startswith("__main__."):
                    raise ConfigError(
                        f"{where}._target_={target!r}: a class defined in a notebook or "
                        "script (__main__) cannot be named by a config, and a model holding "
                        "it cannot be loaded anywhere else: put it in a module file (e.g. "
                        "my_features.py beside the notebook), import it from there and allow "
                        f"that module with {ALLOW_ENV}=my_features"
                    )
                prefixes = ALLOWED_PREFIXES + allowed_modules()
                if not (target.startswith(prefixes) or target in ALLOWED_TARGETS):
                    module = target.rpartition(".")[0] or target
                    raise ConfigError(
                        f"{where}._target_={target!r} is not allowed: configs may only name "
                        "callables in the analysis package, in analysis.config.ALLOWED_TARGETS, "
                        f"or in modules of your own that you allow: {ALLOW_ENV}={module} "
                        "(comma-separated; the module must be importable, e.g. on PYTHONPATH)"
                    )
            else:
                check_targets(value, f"{where}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            check_targets(value, f"{where}[{i}]")


def _restore_tuples(obj: Any) -> Any:
    """Give scikit-learn tuple parameters back their type.

    Hydra turns every sequence into a list on the way in, and scikit-learn validates
    ``ngram_range`` and friends as tuples (a list fails only later, at ``fit``).
    """
    get_params = getattr(obj, "get_params", None)
    if callable(get_params):
        fixes = {
            key: tuple(value)
            for key, value in get_params(deep=True).items()
            if key.rsplit("__", 1)[-1] in TUPLE_PARAMS and isinstance(value, list)
        }
        if fixes:
            obj.set_params(**fixes)
    elif isinstance(obj, list):
        for item in obj:
            _restore_tuples(item)
    return obj


def build(cfg: Any, where: str = "config", **kwargs: Any) -> Any:
    """Instantiate a config node (a mapping with ``_target_``) after checking it."""
    check_targets(cfg, where)
    container = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    # plain dicts and lists reach the objects, never OmegaConf containers
    kwargs.setdefault("_convert_", "all")
    try:
        return _restore_tuples(instantiate(container, **kwargs))
    except Exception as exc:  # hydra wraps the real error; keep its message, one line
        missing = _missing_key(exc)
        if missing:
            raise ConfigError(
                f"cannot build {where}: {where}.{missing} has no value (??? in its config); "
                f"set it on the command line: {where}.{missing}=..."
            ) from exc
        raise ConfigError(f"cannot build {where}: {exc}".replace("\n", " ")) from exc


def _missing_key(exc: BaseException | None) -> str | None:
    """The key of an unset mandatory value (``???``) behind ``exc``, if that is the cause."""
    from omegaconf.errors import MissingMandatoryValue

    while exc is not None:
        if isinstance(exc, MissingMandatoryValue):
            return str(getattr(exc, "full_key", "") or getattr(exc, "key", "") or "") or None
        exc = exc.__cause__ or exc.__context__
    return None


def build_features(features: Any) -> Any:
    """A ``FeatureUnion`` of the selected feature configs, named by their keys, or None."""
    from sklearn.pipeline import FeatureUnion

    if not features:
        return None
    parts = [(name, build(node, f"features.{name}")) for name, node in features.items()]
    # names are already prefixed by family (vader_, frame_, actor_), so drop "<key>__"
    union = FeatureUnion(parts, verbose_feature_names_out=False)
    union.set_output(transform="pandas")
    return union

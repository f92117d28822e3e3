"""Thin Hydra entry point: ``python -m analysis.run [overrides]`` (or ``framelens run``).

All work happens in :func:`analysis.pipeline.run_pipeline`; notebooks call that directly
with a config composed by :func:`compose_config`.
"""

from __future__ import annotations

import difflib
import os
import shlex
import sys
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from analysis.corpora import DEFAULT_FIELDS
from analysis.errors import ConfigError, FramelensError
from analysis.pipeline import configure_logging, log, run_pipeline

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose ``configs/config.yaml`` with overrides, as the command line would.

    Inside ``framelens run`` (a Hydra app on the same config folder, e.g. when a feature
    composes the classifier task it trains) Hydra is already set up: compose with it."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    overrides = [str(o) for o in overrides or []]
    if GlobalHydra.instance().is_initialized():
        cfg = compose(config_name="config", overrides=overrides)
    else:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
    # the overrides, for the report's "Reproduce" line (kept beside the config, not in it:
    # config.yaml and everything hashed from the config stay as they were)
    _COMPOSED[id(cfg)] = (weakref.ref(cfg), tuple(overrides))
    return cfg


#: id(config) -> (weak reference to it, the overrides it was composed with).
_COMPOSED: dict[int, tuple[weakref.ref, tuple[str, ...]]] = {}


def composed_overrides(cfg: DictConfig) -> list[str] | None:
    """The overrides :func:`compose_config` composed ``cfg`` with (None: not composed there)."""
    for key in [k for k, (ref, _) in _COMPOSED.items() if ref() is None]:
        _COMPOSED.pop(key, None)  # configs that are gone
    entry = _COMPOSED.get(id(cfg))
    if entry is None or entry[0]() is not cfg:
        return None
    return list(entry[1])


def command_line(cfg: DictConfig) -> str:
    """``framelens run`` with the overrides ``cfg`` was composed with, to rerun it.

    A config not made by :func:`compose_config` gives ``framelens run experiment=NAME``."""
    overrides = composed_overrides(cfg)
    if overrides is None:
        return f"framelens run experiment={cfg.get('name')}"
    return " ".join(["framelens run", *(shlex.quote(o) for o in overrides)])


#: Settings that change how a run is executed or where it writes, never its results
#: (results are identical across executors, chunk sizes and with or without the cache).
EXECUTION_SETTINGS = ("output_dir", "work_dir", "executor", "cache", "chunk_size")


def experiment_as_configured(cfg: DictConfig) -> DictConfig | None:
    """The experiment ``cfg.name`` names (``configs/experiment/<name>.yaml``), composed on
    its own without any override; None for an ad-hoc run."""
    name = cfg.get("name")
    if not name or not (Path(CONFIG_DIR) / "experiment" / f"{name}.yaml").is_file():
        return None
    return compose_config([f"experiment={name}"])


def experiment_changes(cfg: DictConfig, own: DictConfig | None = None) -> list[str]:
    """The settings in which ``cfg`` differs from its experiment as configured.

    ``cfg.name`` names an experiment (``configs/experiment/<name>.yaml``): the experiment is
    composed on its own and every setting that differs, apart from
    :data:`EXECUTION_SETTINGS`, is listed by its dotted key (``corpus.limit``,
    ``corpus.exclude.outlet``). Empty for the experiment as configured and for ad-hoc runs.
    ``own``: the experiment as configured, when the caller has composed it already.
    The committed outputs and the notes of an experiment describe it as configured, so a
    variant must neither overwrite them nor carry its notes.
    """
    from omegaconf import OmegaConf

    own = own if own is not None else experiment_as_configured(cfg)
    if own is None:
        return []

    def settings(c: DictConfig, resolve: bool) -> dict[str, Any]:  # without the folders
        tree = OmegaConf.to_container(c, resolve=False)
        for key in EXECUTION_SETTINGS:
            tree.pop(key, None)
        return _flat(OmegaConf.to_container(OmegaConf.create(tree), resolve=resolve))

    # changed as written and as resolved: `seed=3` moves `classifier.seed: ${seed}` only
    # when resolved, a run's resolved config.yaml differs from the experiment only as written
    changed = set.intersection(
        *(
            {
                key
                for key in mine.keys() | base.keys()
                if mine.get(key, _MISSING) != base.get(key, _MISSING)
            }
            for mine, base in (
                (settings(cfg, resolve), settings(own, resolve)) for resolve in (False, True)
            )
        )
    )
    # an empty mapping filled in ({} -> {outlet: [...]}) is named by the key filled in
    return sorted(k for k in changed if not any(o.startswith(f"{k}.") for o in changed))


_MISSING = object()


def _flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists stay values; an empty mapping is one)."""
    if not isinstance(tree, dict) or not tree:
        return {prefix: tree}
    out: dict[str, Any] = {}
    for key, value in tree.items():
        out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


# --------------------------------------------------------------------------- checked compose

#: Settings that must be whole numbers: (lowest value or None, None allowed).
INT_SETTINGS = {
    "chunk_size": (1, False),
    "seed": (0, False),  # numpy's generators take no negative seed
    "executor.n_jobs": (1, True),
    "executor.n_workers": (1, True),
    "corpus.limit": (0, True),
    "compare.n_boot": (2, True),
    "compare.min_articles": (1, True),
    "compare.outlet_test_min_articles": (2, True),
    "compare.voice_tests.min_articles": (1, True),
    "compare.model_max_rows": (1, True),
    "compare.words.max_articles_per_group": (1, True),
}

#: Settings that are levels or probabilities: strictly between 0 and 1 (None allowed).
SHARE_SETTINGS = ("compare.ci", "compare.alpha")


def compose_checked(overrides: Sequence[str] = ()) -> DictConfig:
    """:func:`compose_config`, with any config error raised as a one-line :class:`ConfigError`
    that says what is wrong and how to fix it (an unknown key: the close existing keys; an
    unknown option: the options there are). ``framelens run``, ``features`` and
    ``reproduce`` all compose through here."""
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    overrides = [str(o) for o in overrides]
    try:
        cfg = compose_config(overrides)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise ConfigError(f"bad override: {explain_compose_error(exc, overrides)}") from exc
    _check_added_keys(cfg, overrides)
    for key, (low, optional) in INT_SETTINGS.items():
        try:
            value = OmegaConf.select(cfg, key, default=None)
        except OmegaConfBaseException as exc:
            raise ConfigError(f"bad value for {key}: {hydra_message(exc)}") from exc
        if value is None and optional:
            continue
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok or (low is not None and value < low):
            need = "a whole number" + (f" >= {low}" if low is not None else "")
            raise ConfigError(f"{key}={value!r} is not valid: {key} must be {need}")
    pair = OmegaConf.select(cfg, "compare.voice_tests.pair", default=None)
    if pair is not None:
        from analysis.pipeline import MEASURED_VOICES

        pair = list(pair) if not isinstance(pair, str) else [pair]
        if len(pair) != 2 or len(set(pair)) != 2 or not set(pair) <= set(MEASURED_VOICES):
            raise ConfigError(
                f"compare.voice_tests.pair={pair} is not valid: it must name two different "
                f"voices of {', '.join(MEASURED_VOICES)}, e.g. [quoted,outlet]"
            )
    for key in SHARE_SETTINGS:
        value = OmegaConf.select(cfg, key, default=None)
        if value is None:
            continue
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1
        if not ok:
            raise ConfigError(
                f"{key}={value!r} is not valid: {key} must be a number between 0 and 1 "
                "(e.g. 0.95 for a 95% interval, 0.05 for a 5% level)"
            )
    return cfg


def explain_compose_error(exc: BaseException, overrides: Sequence[str]) -> str:
    """One line for a composition error: close keys or options when a name is unknown."""
    import re

    text = str(exc)
    found = re.search(r"Could not override '([^']+)'", text)
    if found and "not in struct" in str(exc.__cause__ or ""):
        return _unknown_key(found[1], overrides)
    found = re.search(r"Could not (?:load|find) '([^']+)/([^'/]+)'", text)
    if found:
        return unknown_option(found[1], found[2], hydra_message(exc))
    return hydra_message(exc)


def _override_for(key: str, overrides: Sequence[str]) -> tuple[str | None, str]:
    """The override that sets ``key`` and the value it gives."""
    for o in reversed(list(overrides)):
        name, sep, value = o.partition("=")
        if sep and name.lstrip("+~") == key:
            return o, value
    return None, "..."


#: Config maps whose keys are the user's (article fields, columns, values), added with '+'.
OPEN_MAPS = ("corpus.filters", "corpus.exclude", "corpus.fields", "corpus.extra", "corpus.options")


#: The article fields ``corpus.fields`` maps (``corpus.extra`` keeps other columns).
ARTICLE_FIELDS = tuple(DEFAULT_FIELDS)


def _check_added_keys(cfg: DictConfig, overrides: Sequence[str]) -> None:
    """A ``+key=value`` that adds a key next to one of nearly the same name
    (``+corpus.limt=10`` beside ``limit``) is a typo: nothing reads the new key and the run
    would go on without the setting. Keys of the open maps (:data:`OPEN_MAPS`) are the
    user's to add."""
    from omegaconf import OmegaConf

    for override in overrides:
        if not override.startswith("+") or override.startswith("++"):
            continue
        key, _, value = override[1:].partition("=")
        parent, _, name = key.rpartition(".")
        if parent in OPEN_MAPS or parent.startswith(tuple(f"{m}." for m in OPEN_MAPS)):
            continue
        node = OmegaConf.select(cfg, parent) if parent else cfg
        if not isinstance(node, DictConfig):
            continue
        siblings = [str(k) for k in node if str(k) != name]
        close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.8)
        if close:
            where = f"{parent}." if parent else ""
            raise ConfigError(
                f"+{key} adds a key that nothing reads, beside {where}{close[0]}: did you mean "
                f"{where}{close[0]}={value}?"
            )


def _unknown_key(key: str, overrides: Sequence[str]) -> str:
    """``compare has no key min_article; did you mean compare.min_articles=5? ...``

    Hydra's own hint (``use +compare.min_article=5``) adds a key nothing reads: the run
    then goes on with the setting silently ignored."""
    from omegaconf import DictConfig as Node

    bad, value = _override_for(key, overrides)
    rest = [o for o in overrides if o != bad]
    try:  # the config the other overrides give (an experiment changes the groups)
        cfg = compose_config(rest)
    except Exception:  # noqa: BLE001  (another bad override: the defaults still tell the keys)
        cfg = compose_config([])
    parts = key.split(".")
    node, depth = cfg, 0
    while depth < len(parts) - 1 and isinstance(node, Node) and parts[depth] in node:
        node, depth = node[parts[depth]], depth + 1
    where = ".".join(parts[:depth])
    missing = parts[depth]
    keys = sorted(str(k) for k in node) if isinstance(node, Node) else []
    prefix = f"{where}." if where else ""
    tail = ".".join(parts[depth + 1 :])
    close = difflib.get_close_matches(missing, keys, n=2, cutoff=0.75)
    head = f"{where or 'the config'} has no key {missing}"
    if where == "corpus.fields" and missing not in ARTICLE_FIELDS:
        close = difflib.get_close_matches(missing, ARTICLE_FIELDS, n=1, cutoff=0.6)
        return (
            f"{head}: corpus.fields maps the article fields {', '.join(ARTICLE_FIELDS)}"
            + (f"; did you mean corpus.fields.{close[0]}={value}?" if close else "")
            + f" (another column is kept with +corpus.extra.{missing}={value})"
        )
    if where in OPEN_MAPS:
        # open maps: their keys are the user's (article fields, columns), added with a '+'
        return f"{head} yet: add it with a leading +, as in +{key}={value}"
    add = f"only to add a new key that some code reads: +{key}={value}"
    if close:
        guesses = " or ".join(f"{prefix}{c}{'.' + tail if tail else ''}={value}" for c in close)
        return f"{head}; did you mean {guesses}? ({add})"
    listed = ", ".join(keys) if keys else "none"
    return f"{head} (its keys: {listed}; {add})"


def unknown_option(group: str, name: str, fallback: str = "") -> str:
    """``there is no experiment 'security_coverge' ...; did you mean security_coverage?``"""
    folder = Path(CONFIG_DIR) / group
    options = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
    missing = f"there is no {group} {name!r} (configs/{group}/{name}.yaml)"
    if not options:
        return fallback or missing
    close = difflib.get_close_matches(name, options, n=2, cutoff=0.6)
    guess = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"{missing}{guess} (available: {', '.join(options)})"


def hydra_message(exc: BaseException) -> str:
    """Hydra's multi-line message (and its cause) as one line."""
    noise = ("full_key:", "object_type=", "reference_type=", "provider=", "See https://")
    lines, options = [], []
    text = str(exc)
    if exc.__cause__ is not None and str(exc.__cause__) not in text:
        text += "\n(" + str(exc.__cause__).splitlines()[0] + ")"
    in_options = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(noise) or line.startswith("Config search path"):
            in_options = False if line.startswith("Config search path") else in_options
            continue
        if line.startswith("Available options"):
            in_options = True
            continue
        (options if in_options else lines).append(line)
    msg = " ".join(lines).removeprefix("In 'config': ")
    if getattr(exc, "override", None):
        msg = f"{exc.override!r}: {msg}"
    return msg + (f" (available: {', '.join(options)})" if options else "")


@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    configure_logging()
    hc = HydraConfig.get()
    # Hydra's own output folder when Hydra chose it: a multirun job's subfolder, or a
    # `hydra.run.dir=PATH` a Hydra user gives instead of output_dir=PATH
    run_dir_set = any(o.startswith("hydra.run.dir=") for o in hc.overrides.hydra)
    out_dir = hc.runtime.output_dir if hc.mode == RunMode.MULTIRUN or run_dir_set else None
    command = "framelens run " + " ".join(shlex.quote(o) for o in hc.overrides.task)
    try:
        result = run_pipeline(cfg, out_dir=out_dir, command=command.strip())
    except FramelensError as exc:
        if os.environ.get("FRAMELENS_DEBUG") == "1":
            raise
        sys.stderr.write(f"framelens: error: {exc}\n")
        sys.exit(exc.exit_code)
    log.info("outputs in %s (%.1f s)", result.out_dir, result.seconds)


if __name__ == "__main__":
    main()

"""``framelens reproduce NAME``: rerun an experiment and compare with its committed outputs.

The experiment is rerun into a temporary folder (fresh work directory; the feature cache
may be used, since it is keyed by extractor version) and every committed file is compared
byte for byte. For CSV tables that moved, the cells that changed are listed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from analysis.errors import ConfigError, FramelensError
from analysis.pipeline import run_pipeline
from analysis.provenance import MANIFEST, diff_manifests
from analysis.run import CONFIG_DIR, compose_checked, unknown_option

IGNORED_PARTS = {"work"}


def _files(root: Path) -> set[Path]:
    from analysis.pipeline import LOCK_NAME

    return {
        p.relative_to(root)
        for p in root.rglob("*")
        if p.is_file()
        and not IGNORED_PARTS & set(p.relative_to(root).parts)
        and p.name != LOCK_NAME
    }


def diff_csv(old: Path, new: Path, limit: int = 10) -> list[str]:
    """Human-readable cell differences between two CSV tables."""
    a, b = pd.read_csv(old), pd.read_csv(new)
    if list(a.columns) != list(b.columns):
        return [f"columns changed: {list(a.columns)} -> {list(b.columns)}"]
    if len(a) != len(b):
        return [f"rows changed: {len(a)} -> {len(b)}"]
    out = []
    for col in a.columns:
        x, y = a[col], b[col]
        same = (x == y) | (x.isna() & y.isna())
        for i in same[~same].index[: limit - len(out)]:
            out.append(f"row {i + 1}, {col}: {x[i]} -> {y[i]}")
        if len(out) >= limit:
            out.append("...")
            break
    return out


def _manifest_diff(old: Path, new: Path) -> list[str]:
    try:
        return diff_manifests(json.loads(old.read_text()), json.loads(new.read_text()))
    except (OSError, ValueError) as exc:
        return [f"cannot read: {exc}"]


#: Settings of how a run executes, not of what it computes: a rerun that changes only these
#: (another executor, the cache off, another folder) reproduces the run.
EXECUTION_KEYS = ("executor", "cache", "work_dir", "output_dir")


def _config_diff(old: Path, new: Path) -> list[str]:
    """The settings that differ between two runs' ``config.yaml`` (execution settings left
    out), one ``key: old -> new`` line each."""
    import yaml

    from analysis.provenance import flat_leaves

    try:
        a, b = (yaml.safe_load(p.read_text(encoding="utf-8")) or {} for p in (old, new))
    except (OSError, yaml.YAMLError) as exc:
        return [f"cannot read: {exc}"]
    a, b = (
        {k: v for k, v in flat_leaves(x).items() if k.split(".", 1)[0] not in EXECUTION_KEYS}
        for x in (a, b)
    )
    return [
        f"{k}: {a.get(k, '(absent)')} -> {b.get(k, '(absent)')}"
        for k in sorted(a.keys() | b.keys())
        if a.get(k, "(absent)") != b.get(k, "(absent)")
    ]


def compare_dirs(committed: Path, rerun: Path) -> list[str]:
    """Differences between two output folders (empty list: identical). An input that moved
    (a corpus file, a library, a lexicon: the manifest) comes first, since it explains the
    rest; a config or manifest that differs only in how the run executed is no difference."""
    old, new = _files(committed), _files(rerun)
    problems = [f"missing in rerun: {p}" for p in sorted(old - new)]
    problems += [f"new in rerun: {p}" for p in sorted(new - old)]
    inputs: list[str] = []
    for rel in sorted(old & new):
        if (committed / rel).read_bytes() == (rerun / rel).read_bytes():
            continue
        if rel.suffix == ".csv":
            cells = diff_csv(committed / rel, rerun / rel)
            problems.append(f"changed: {rel}" + "".join(f"\n    {c}" for c in cells))
        elif rel.name == MANIFEST:  # which input moved: a library, a corpus file, a lexicon
            moved = _manifest_diff(committed / rel, rerun / rel)
            if moved:  # the output checksums it also lists are compared as files
                inputs.append(f"inputs changed ({rel}):" + "".join(f"\n    {c}" for c in moved))
        elif rel.name == "config.yaml" and rel.parent == Path("."):
            settings = _config_diff(committed / rel, rerun / rel)
            if settings:
                problems.append(f"changed: {rel}" + "".join(f"\n    {c}" for c in settings))
        else:
            problems.append(f"changed: {rel}")
    return inputs + problems


def reproduce(
    name: str,
    overrides: list[str] | None = None,
    keep: bool = False,
    kept: list[Path] | None = None,
) -> list[str]:
    """Rerun experiment ``name``, or the run whose output folder ``name`` is; return the
    differences (empty when identical).

    A folder is rerun from the composed config it holds (``config.yaml``, which every run
    writes) with the command its ``manifest.json`` records; only overrides of how it
    executes (:data:`EXECUTION_KEYS`) are taken there.
    With ``keep`` the rerun's folder is not deleted; its path is appended to ``kept`` (as
    soon as it exists, so a caller can name it even when the rerun fails)."""
    is_experiment = (Path(CONFIG_DIR) / "experiment" / f"{name}.yaml").is_file()
    if Path(name).is_dir() and not is_experiment:
        committed = Path(name)
        cfg, command = _folder_run(committed, overrides)
    else:
        if not is_experiment and ("/" in name or Path(name).exists()):
            what = "is a file" if Path(name).exists() else "does not exist"
            raise FramelensError(
                f"{name} {what}: give the output folder of a run (it holds config.yaml) or "
                "the name of an experiment (framelens reproduce security_coverage)"
            )
        if not is_experiment:
            raise ConfigError(
                unknown_option("experiment", name)
                + " — or give the output folder of a run (it holds config.yaml)"
            )
        cfg = compose_checked([f"experiment={name}", *(overrides or [])])
        command = f"framelens run experiment={name}"
        committed = Path(cfg.output_dir)
        if not committed.is_dir():
            raise FramelensError(
                f"{committed} does not exist: run `framelens run experiment={name}` first"
            )
    tmp = Path(tempfile.mkdtemp(prefix=f"reproduce-{Path(name).name or 'run'}-"))
    if keep and kept is not None:
        kept.append(tmp)
    try:
        run_pipeline(cfg, out_dir=tmp, command=command)
        return compare_dirs(committed, tmp)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _folder_run(folder: Path, overrides: list[str] | None):
    """The config and command of the run whose outputs are in ``folder``."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    other = [
        o for o in overrides or [] if o.split("=", 1)[0].split(".", 1)[0] not in EXECUTION_KEYS
    ]
    if other:
        raise ConfigError(
            f"{other[0]!r} is not taken when rerunning the run in {folder}: it reruns the "
            "config it holds (config.yaml), with only how it executes changed (executor=local, "
            "cache.enabled=false, ...); a variant is a new run (framelens run ...)"
        )
    config, manifest = folder / "config.yaml", folder / MANIFEST
    if not config.is_file() or not manifest.is_file():
        missing = "config.yaml" if not config.is_file() else MANIFEST
        raise FramelensError(
            f"{folder} has no {missing}: it is not the output folder of a finished framelens "
            "run (an interrupted one has no manifest.json: finish it first)"
        )
    try:
        cfg = OmegaConf.load(config)
        command = json.loads(manifest.read_text(encoding="utf-8")).get("command")
    except (OSError, ValueError, OmegaConfBaseException) as exc:
        raise FramelensError(f"cannot read the run in {folder}: {exc}") from None
    return _with_execution(cfg, overrides or []), command or "framelens run"


def _with_execution(cfg, overrides: list[str]):
    """``cfg`` with execution overrides applied: ``executor=NAME`` takes that executor's
    config group, ``cache.enabled=false`` or ``executor.n_jobs=2`` set one value."""
    from omegaconf import OmegaConf

    for override in overrides:
        key, _, value = override.lstrip("+").partition("=")
        if key == "executor":  # a group choice: its composed config replaces the node
            cfg.executor = compose_checked([f"executor={value}"]).executor
        else:
            OmegaConf.update(cfg, key, yaml_value(value), force_add=True)
    return cfg


def yaml_value(text: str):
    """An override's value as Hydra reads a plain one: ``false``, ``2``, ``null``, text."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text

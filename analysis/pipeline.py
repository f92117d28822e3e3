"""The pipeline: one function, :func:`run_pipeline`, driven by a composed config.

Stages (DESIGN.md "Data flow"):

1. **load**: stream the corpus in chunks; rejects go to ``quarantine.jsonl`` with reasons;
2. **per chunk** (:func:`process_chunk`, run by the configured executor): segment the
   articles into voices, then score the segments with the selected feature extractors; each
   chunk's tables are written to ``<work_dir>/<table>/part-NNNNN.parquet`` as it finishes,
   so memory stays bounded and an interrupted run resumes where it stopped;
3. **summaries**: small CSV tables from the Parquet parts (counts, voice shares);
4. **figures** and **report**, written with :func:`analysis.plots.save_figure`.

Later stages (comparisons, more figures) plug in as further functions called from
:func:`run_pipeline`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from analysis import __version__
from analysis.cache import FeatureCache, default_cache_dir
from analysis.config import build, build_features
from analysis.corpora import LoadReport, iter_articles, resolve_source
from analysis.errors import ConfigError, FramelensError
from analysis.io import atomic_write, remove_partial_files, write_text
from analysis.io import write_csv as io_write_csv
from analysis.plots import (
    check_formats,
    paper_style,
    plot_outlet_counts,
    plot_voice_shares,
    save_figure,
)
from analysis.provenance import write_manifest
from analysis.records import extra_as_text

log = logging.getLogger("framelens")

#: Voices that are measured (``page`` debris is not).
MEASURED_VOICES = ("outlet", "quoted", "social")
TABLES = (
    "articles", "segments", "features", "article_voice", "voice_share", "kind_counts",
    "cache_counts",
)  # fmt: skip


# --------------------------------------------------------------------------- per chunk


@dataclass
class Stages:
    """The per-chunk objects, built once per process (not per article)."""

    segmenter: Any = None
    features: Any = None
    cache: FeatureCache | None = None


#: Stages built in this process, by config hash: workers build them once, not per chunk.
_BUILT: dict[str, Stages] = {}


#: The feature stage the running :func:`run_pipeline` built in the driver before any work,
#: by features-config hash: the serial executor uses it, and forked workers (executor=local,
#: a forked Dask LocalCluster) inherit it instead of loading lexicons and training models
#: again. Emptied when the run ends, so a later run rebuilds (a lexicon file may change).
_DRIVER_FEATURES: dict[str, Any] = {}


def _config_hash(node: Any) -> str:
    """Hash of a config node (DictConfig or plain container), for the per-process caches."""
    if isinstance(node, DictConfig):
        node = OmegaConf.to_container(node, resolve=True)
    return hashlib.sha1(json.dumps(node, sort_keys=True, default=str).encode()).hexdigest()


def _fitted_features(features_cfg: Any) -> Any:
    features = build_features(features_cfg)
    if features is not None:
        features.fit([""])  # lexicons and analyzers load here, once per process
    return features


def build_stages(cfg: DictConfig | dict) -> Stages:
    cfg = OmegaConf.create(cfg) if isinstance(cfg, dict) else cfg
    segmenter = build(cfg.segment, "segment") if cfg.get("segment") else None
    features = _DRIVER_FEATURES.get(_config_hash(cfg.get("features"))) if _DRIVER_FEATURES else None
    if features is None:
        features = _fitted_features(cfg.get("features"))
    cache_cfg = cfg.get("cache") or {}
    cache = None
    if features is not None and cache_cfg.get("enabled", False):
        cache = FeatureCache(cache_cfg.get("dir"))
    return Stages(segmenter, features, cache)


def stages_for(cfg_container: dict) -> Stages:
    """The stages of a config, built at most once per process."""
    key = _config_hash(cfg_container)
    if key not in _BUILT:
        _BUILT[key] = build_stages(cfg_container)
    return _BUILT[key]


def process_chunk(articles: pd.DataFrame, stages: Stages | dict) -> dict[str, pd.DataFrame]:
    """Segment and score one chunk of articles.

    Returns ``{"articles", "segments", "features", "article_voice"}`` (the last two when
    features are selected). ``stages`` may be a config container; workers then build the
    stages once and reuse them for every chunk they get.
    """
    if isinstance(stages, dict):
        stages = stages_for(stages)
    # one type per extra column in every chunk's Parquet part (a JSONL field can hold an
    # int in one record and a string in the next)
    out = {"articles": extra_as_text(articles)}
    if stages.segmenter is None:
        return out
    segments = stages.segmenter.segment_table(articles)
    out["segments"] = segments
    out["voice_share"] = voice_shares(articles, segments)
    out["kind_counts"] = kind_counts(segments)
    if stages.features is not None:
        from analysis.features import clear_cache

        before = (stages.cache.hits, stages.cache.misses) if stages.cache is not None else None
        try:
            features = score_segments(segments, stages.features, stages.cache)
            if before is not None:  # what this chunk read from the feature cache
                out["cache_counts"] = pd.DataFrame(
                    {
                        "hits": [stages.cache.hits - before[0]],
                        "misses": [stages.cache.misses - before[1]],
                    }
                )
        finally:
            # the per-text memos (tokens, sentence scores) serve the extractors of one
            # batch; emptied here, a worker holds one chunk's texts, not up to the budget
            clear_cache()
        out["features"] = features
        out["article_voice"] = aggregate_article_voice(features, articles)
    return out


#: Columns that are not averaged when segments are combined into an article's voice (or a
#: whole text, ``framelens features``): an extreme stays the extreme of all its sentences,
#: a size is summed. Matched by exact name or by ``suffix:``; every other column is a
#: character-weighted mean.
COMBINE_RULES = {
    "suffix:_min": "min",
    "suffix:_max": "max",
    "style_n_tokens": "sum",
    "style_n_sentences": "sum",
}


def combine_rule(column: str) -> str:
    """How :func:`char_weighted_means` combines ``column``: mean, sum, min or max."""
    for key, rule in COMBINE_RULES.items():
        if key == column or (key.startswith("suffix:") and column.endswith(key[7:])):
            return rule
    return "mean"


def char_weighted_means(table: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: each column's mean weighted by ``n_chars``, and the summed
    ``n_chars`` (after the keys). Missing values are left out of numerator and denominator;
    a group without any value gets NaN. Columns named in :data:`COMBINE_RULES` are combined
    by their rule instead (the lowest ``*_min``, the highest ``*_max``, summed sizes): a
    text's most negative sentence is its most negative sentence, not a length-weighted
    average of its paragraphs' most negative ones.

    Each group's sums add its own rows in table order (``np.add.reduceat`` over the rows
    sorted stably by group), so a group's values do not depend on which other groups share
    the table: scoring a corpus in chunks of any size gives the same bits. (pandas' grouped
    sum does not promise that; chunks of 100 and of 1,000 articles differed in the last
    digits of about one value in twenty.)"""
    grouped = table.groupby(keys, sort=True)
    chars = grouped["n_chars"].sum()
    ids = grouped.ngroup().to_numpy()
    keep = np.flatnonzero(ids >= 0)  # rows with a missing key belong to no group
    order = keep[np.argsort(ids[keep], kind="stable")]
    x = table[columns].to_numpy(dtype=float, copy=True)
    w = table["n_chars"].to_numpy(dtype=float)
    if len(order) < len(x) or np.any(order[1:] < order[:-1]):
        x, w = x[order], w[order]
    rules = np.array([combine_rule(c) for c in columns])
    values = np.full((len(chars), len(columns)), np.nan)
    if len(order):
        starts = np.flatnonzero(np.r_[True, np.diff(ids[order]) != 0])
        valid = ~np.isnan(x)
        seen = np.add.reduceat(valid, starts, axis=0) > 0
        for rule, reduce in (("min", np.fmin), ("max", np.fmax)):
            cols = np.flatnonzero(rules == rule)
            if len(cols):
                values[:, cols] = reduce.reduceat(x[:, cols], starts, axis=0)  # NaN skipped
        x[~valid] = 0.0
        cols = np.flatnonzero(rules == "sum")
        if len(cols):
            values[:, cols] = np.where(
                seen[:, cols], np.add.reduceat(x[:, cols], starts, axis=0), np.nan
            )
        cols = np.flatnonzero(rules == "mean")
        if len(cols):
            num = np.add.reduceat(x[:, cols] * w[:, None], starts, axis=0)
            den = np.add.reduceat(valid[:, cols] * w[:, None], starts, axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                values[:, cols] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    out = pd.DataFrame(values, columns=columns, index=chars.index).reset_index()
    out.insert(len(keys), "n_chars", chars.to_numpy())
    return out


def aggregate_article_voice(features: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """One row per article and measured voice: character-weighted means of segment features
    (extremes and sizes by their rules, :func:`char_weighted_means`).

    Weights are segment lengths, so a long paragraph counts more than a two-word quote;
    missing values (non-English segments) are left out of both numerator and denominator.
    """
    keys = ["article_id", "voice"]
    value_cols = [
        c
        for c in features.columns
        if c not in ("article_id", "position", "voice", "kind", "lang", "n_chars")
    ]
    table = char_weighted_means(features, keys, value_cols)
    meta = articles[["id", "outlet", "lean", "topic"]].rename(columns={"id": "article_id"})
    table = meta.merge(table, on="article_id", how="inner")
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


def feature_matrix(
    features: Any, texts: list[str], cache: FeatureCache | None = None
) -> np.ndarray:
    """The feature union's values for ``texts`` as a float array, one row per text in
    order (through the cache when given).

    A plain array on purpose: the union's pandas output carries its own row index, and a
    DataFrame built from it with another index would be realigned by label, not by row."""
    n_out = len(features.get_feature_names_out())
    if not texts:
        return np.empty((0, n_out))
    if cache is not None:
        blocks = [cache.transform(name, est, texts) for name, est in features.transformer_list]
        return np.hstack(blocks) if blocks else np.empty((len(texts), 0))
    return np.asarray(features.transform(texts), dtype=float)


def score_segments(
    segments: pd.DataFrame, features: Any, cache: FeatureCache | None = None
) -> pd.DataFrame:
    """Feature rows for the measured segments (outlet/quoted/social voice, English).

    Non-English segments are kept in the segment table but not scored with English
    lexicons: their feature values are missing (NaN), never silently measured.
    """
    keys = ["article_id", "position", "voice", "kind", "lang"]
    measured = segments["voice"].isin(MEASURED_VOICES)
    english = segments["lang"].fillna("en").eq("en")
    todo = segments[measured & english]
    names = list(features.get_feature_names_out())
    matrix = feature_matrix(features, todo["text"].tolist(), cache)
    values = pd.DataFrame(matrix, columns=names, index=todo.index)
    table = segments.loc[measured, keys].join(values)
    table["n_chars"] = segments.loc[measured, "end"] - segments.loc[measured, "start"]
    return table.reset_index(drop=True)


# --------------------------------------------------------------------------- executors


def _chunk_key(chunk: pd.DataFrame, stage_hash: str) -> str:
    """What a chunk's results are made of: the stages (``stage_hash``) and every value of
    every record in it, so a corpus file edited between two runs (a lean corrected, a text
    fixed, same ids) has its changed chunks redone on resume, not reused."""
    digest = hashlib.sha1(stage_hash.encode())
    digest.update("\x00".join(map(str, chunk.columns)).encode("utf-8", "surrogatepass"))
    for rid in chunk["id"]:
        digest.update(str(rid).encode("utf-8", "surrogatepass") + b"\x00")
    # pandas' stable 64-bit hash of each row (fixed key): vectorised, same across processes
    try:
        rows = pd.util.hash_pandas_object(chunk, index=False)
    except TypeError:  # a list or mapping in an extra field: hashed by its JSON
        rows = pd.util.hash_pandas_object(
            chunk.apply(lambda col: col.map(_json_if_nested) if col.dtype == object else col),
            index=False,
        )
    digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()


def _json_if_nested(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


#: The lock file a run holds in its output and work folders (git-ignored).
LOCK_NAME = ".framelens-run.lock"


@contextlib.contextmanager
def run_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` for a run, or stop at once if another holds it.

    The lock is the operating system's (``flock``), so a run that is killed, even with
    SIGKILL, leaves nothing to clean up: the next run takes the lock and resumes. Where
    ``fcntl`` does not exist (Windows) runs are not locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        yield
        return
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise FramelensError(
            f"cannot write the run's lock file {path} ({exc.strerror or exc}): free some "
            "space, or choose another folder with output_dir=PATH"
        ) from exc
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise FramelensError(
                f"another framelens run ({holder}) is writing to {folder}: two runs in one "
                "folder would mix their results. Wait for it to finish (or stop it), or "
                "give this run another output_dir=PATH"
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
        except OSError:
            pass  # the pid is only for the message of a run that finds the lock taken
        yield
    finally:
        fh.close()  # releases the lock


def _write_parts(work: Path, index: int, tables: dict[str, pd.DataFrame], key: str) -> None:
    """Write one chunk's tables, then its done-marker.

    Each part is written atomically and flushed to disk before the marker is, so a chunk
    with a marker has every part complete; a chunk without one (killed, disk full) is
    redone on resume. The marker lists the tables, so a part lost later is redone too.
    """
    for name, table in tables.items():
        path = work / name / f"part-{index:05d}.parquet"
        atomic_write(path, lambda tmp, t=table: t.to_parquet(tmp, index=False), fsync=True)
    for name in set(TABLES) - set(tables):  # an earlier run's part of a table this one lacks
        (work / name / f"part-{index:05d}.parquet").unlink(missing_ok=True)
    info = {"key": key, "rows": len(tables["articles"]), "tables": sorted(tables)}
    write_text(work / "done" / f"part-{index:05d}.json", json.dumps(info), fsync=True)


def _is_done(work: Path, index: int, key: str) -> bool:
    """A chunk is done when its marker matches ``key`` and every part it lists exists."""
    marker = work / "done" / f"part-{index:05d}.json"
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(info, dict) or info.get("key") != key:
        return False
    tables = info.get("tables") or ()
    return all((work / name / f"part-{index:05d}.parquet").is_file() for name in tables)


def run_chunks(
    chunks: Iterable[pd.DataFrame],
    cfg: DictConfig,
    work: Path,
    stage_hash: str,
    total: int | None = None,
) -> dict[str, int]:
    """Process every chunk with the configured executor; skip chunks already done.

    Executors: ``serial`` (this process), ``local`` (worker processes), ``dask``
    (dask.distributed: a LocalCluster, or ``executor.address`` of a running scheduler).
    Every executor runs the same :func:`process_chunk` and the driver writes the parts, so
    results are identical. At most ``2 * workers`` chunks are in flight: memory is bounded.
    """
    kind = cfg.executor.get("kind", "serial")
    n_jobs = int(cfg.executor.get("n_jobs", 1) or 1)
    counts = {"chunks": 0, "resumed": 0}
    container = OmegaConf.to_container(cfg, resolve=True)
    progress = tqdm(
        total=total or None, unit=" articles", desc="framelens", disable=None, leave=False
    )
    heartbeat = _Heartbeat(total) if progress.disable else None

    def advance(n: int) -> None:
        progress.update(n)
        if heartbeat is not None:  # no bar in a log file: a line now and then instead
            heartbeat.update(n)

    def todo() -> Iterator[tuple[int, pd.DataFrame, str]]:
        for i, chunk in enumerate(chunks):
            counts["chunks"] += 1
            key = _chunk_key(chunk, stage_hash)
            if _is_done(work, i, key):
                counts["resumed"] += 1
                advance(len(chunk))
                continue
            yield i, chunk, key

    def finish(i: int, chunk_ids: list[str], key: str, result: Any) -> None:
        _write_parts(work, i, result, key)
        advance(len(chunk_ids))

    try:
        if kind == "serial" or (kind == "local" and n_jobs == 1):
            stages = build_stages(cfg)
            for i, chunk, key in todo():
                try:
                    result = process_chunk(chunk, stages)
                except Exception as exc:
                    raise ChunkFailed(i, chunk["id"].tolist(), exc) from exc
                finish(i, chunk["id"].tolist(), key, result)
        elif kind == "local":
            pool = ProcessPoolExecutor(
                n_jobs, initializer=_local_worker_init, initargs=(os.getpid(),)
            )
            try:
                _run_pool(pool.submit, todo(), container, 2 * n_jobs, finish, _wait_futures)
            except BaseException:
                _stop_pool(pool)  # Ctrl-C or a failed chunk: do not wait for the others
                raise
            pool.shutdown(wait=True)
        elif kind == "dask":
            client, owned = _dask_client(cfg.executor)
            try:
                n_workers = max(1, len(client.scheduler_info().get("workers", {})))
                _run_pool(client.submit, todo(), container, 2 * n_workers, finish, _wait_dask)
            except KeyboardInterrupt:
                # the workers took the Ctrl-C too: their shutdown is not news
                logging.getLogger("distributed").setLevel(logging.CRITICAL)
                raise
            finally:
                # our connection is closed either way; the cluster only if this run started it
                cluster = client.cluster if owned else None
                client.close()
                if cluster is not None:
                    cluster.close()
        else:
            raise FramelensError(f"executor.kind={kind!r} is not known; use serial, local or dask")
    finally:
        progress.close()
    return counts


class _Heartbeat:
    """Progress for a run whose output is not a terminal (a log file, a batch job), where
    the progress bar stays off: one line at most every ``every`` seconds, so a short run
    (a test, CI) prints none and an hours-long one shows that it is moving."""

    def __init__(self, total: int | None, every: float | None = None):
        self.total, self.done = total or None, 0
        self.every = float(every or os.environ.get("FRAMELENS_PROGRESS_EVERY", 60))
        self.start = self.last = time.monotonic()

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        of = f" of {self.total:,} ({self.done / self.total:.0%})" if self.total else ""
        log.info("features: %s%s articles, %.0f s", f"{self.done:,}", of, now - self.start)


class ChunkFailed(FramelensError):
    """A chunk failed in a worker: names the articles involved; the run can be resumed."""

    def __init__(
        self,
        index: int,
        ids: list[str],
        exc: BaseException,
        resume: str = "run the same command again to resume",
    ):
        shown = ", ".join(map(str, ids[:5])) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        super().__init__(
            f"chunk {index} failed ({type(exc).__name__}: {exc}); articles involved: {shown}. "
            f"Finished chunks are kept: fix the cause and {resume}"
        )
        self.index = index
        self.ids = ids
        self.cause = exc


def resume_instruction(cfg: DictConfig, out: Path, out_dir: Any = None) -> str:
    """How to resume a run that stopped: the same command, unless its output folder is
    named by the clock (the default ``outputs/<date>/<time>``), which a rerun would not
    find again: then the same command with ``output_dir`` set to this run's folder."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
        # each job's folder is <sweep dir>/<job number> (configs/config.yaml), and the
        # sweep dir is named by the clock too
        sweep = Path(HydraConfig.get().runtime.output_dir).parent
        return f"run the same command with hydra.sweep.dir={sweep} to resume"
    raw = OmegaConf.to_container(cfg, resolve=False).get("output_dir")
    if out_dir is None and "${now:" in str(raw):
        return f"run the same command with output_dir={out} to resume"
    return "run the same command again to resume"


def _local_worker_init(driver: int) -> None:
    """Start of each local worker: Ctrl-C is the driver's to handle (it stops the workers;
    a worker that took the signal itself could die holding the pool's queue lock and hang
    the driver's shutdown), and a worker whose driver is gone (killed with SIGKILL) exits
    within a second instead of running on as an orphan."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # the parent is the driver when forked, the fork server under "forkserver" (which
    # exits with the driver): either way, a new parent means the driver is gone
    parent = os.getppid()

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=exit_with_parent, name="framelens-parent-watch", daemon=True).start()


@contextlib.contextmanager
def _sigint_held(start_method: str = "fork") -> Iterator[None]:
    """Ctrl-C kept from the processes started in the block, and not lost for the driver.

    Forked processes (and threads) started in the block inherit SIGINT blocked, so they
    never take Ctrl-C: it is the driver's to handle. A Ctrl-C pressed meanwhile is
    recorded (an older thread may receive it) and raised in the driver as
    KeyboardInterrupt once the block is over, so what the block started exists and can be
    stopped. Spawned processes keep neither a mask nor a handler through ``exec``, only an
    ignored signal, so with another ``start_method`` SIGINT is ignored during the block
    (a Ctrl-C then is lost). A no-op off the main thread, where signals cannot be set.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if start_method != "fork" or not hasattr(signal, "pthread_sigmask"):
        before = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, before)
        return
    pressed: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one still pending: recorded now
        signal.signal(signal.SIGINT, handler)
    if pressed:
        raise KeyboardInterrupt


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a local pool now: cancel what has not started, terminate what has (its chunk
    is redone on resume; finished chunks are on disk)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


def _run_pool(submit, tasks, container, max_in_flight, finish, wait_some) -> None:
    pending: dict[Any, tuple[int, list[str], str]] = {}
    for i, chunk, key in tasks:
        pending[submit(process_chunk, chunk, container)] = (i, chunk["id"].tolist(), key)
        if len(pending) >= max_in_flight:
            _collect(pending, finish, wait_some, wait_all=False)
    _collect(pending, finish, wait_some, wait_all=True)


def _collect(pending: dict, finish, wait_some, wait_all: bool) -> None:
    while pending:
        for fut in wait_some(list(pending)):
            i, ids, key = pending.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # a worker crash or an error inside the chunk
                for other in pending:
                    other.cancel()
                raise ChunkFailed(i, ids, exc) from exc
            finish(i, ids, key, result)
        if not wait_all:
            return


def _wait_futures(futures: list) -> list:
    done, _ = wait(futures, return_when=FIRST_COMPLETED)
    return list(done)


def _wait_dask(futures: list) -> list:
    from distributed import wait as dask_wait

    done, _ = dask_wait(futures, return_when="FIRST_COMPLETED")
    return list(done)


def _quiet_cancelled(record: logging.LogRecord) -> bool:
    """A logging filter: False for a Dask worker's note that a task it ran was cancelled."""
    return not str(record.msg).endswith("ended with CancelledError")


def _dask_client(ecfg: Any):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise FramelensError(
            "executor=dask needs dask.distributed: pip install -e '.[dask]'"
        ) from exc
    address = ecfg.get("address")
    if address:
        try:
            return Client(address, timeout=ecfg.get("timeout", "30s")), False
        except OSError as exc:
            raise FramelensError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    import dask

    # Dask spawns fresh worker processes by default, which import the package and its
    # libraries before their first chunk; forking the driver, as the local executor does,
    # starts them with all of it loaded (~3 s less on 3,000 articles: benchmarks/pipeline.md)
    method = ecfg.get("start_method") or ("fork" if sys.platform.startswith("linux") else "spawn")
    if method not in multiprocessing.get_all_start_methods():
        raise FramelensError(
            f"executor.start_method={method!r} is not available here; use one of "
            f"{', '.join(multiprocessing.get_all_start_methods())} (or null for the default)"
        )
    # distributed logs every nanny, worker and retirement at INFO: ~60 lines a run. Its
    # warnings and errors still show; forked workers inherit the level
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # a chunk still running when a stopped run closes the cluster is cancelled, and its
    # worker warns "Async instruction ... ended with CancelledError": expected, not news
    state_machine = logging.getLogger("distributed.worker.state_machine")
    if _quiet_cancelled not in state_machine.filters:
        state_machine.addFilter(_quiet_cancelled)
    # the worker processes start with Ctrl-C blocked (inherited), as local workers ignore
    # it: the driver handles it and closes the cluster; workers taking it too print a
    # traceback each
    cluster = None
    try:
        with (
            dask.config.set({"distributed.worker.multiprocessing-method": str(method)}),
            _sigint_held(str(method)),
        ):
            cluster = LocalCluster(
                n_workers=int(ecfg.get("n_workers", 2)),
                threads_per_worker=int(ecfg.get("threads_per_worker", 1)),
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
        return Client(cluster), True
    except KeyboardInterrupt:  # pressed while the cluster started: delivered as it ends
        if cluster is not None:
            cluster.close()
        raise


def read_parts(
    work: str | os.PathLike,
    table: str,
    columns: list[str] | None = None,
    filters: list | None = None,
) -> pd.DataFrame:
    """Concatenate the Parquet parts of one table (only the columns asked for).

    ``filters`` (pyarrow's ``[(column, op, value), ...]``, e.g. ``[("article_id", "in",
    ids)]``) are applied part by part while reading, so memory follows the rows kept, not
    the table.

    Without filters the row count is known from the parts' footers, so the numeric columns
    are filled part by part into arrays of their final length (:func:`_fill_parts`): a
    ``pd.concat`` of the parts holds every part and the result at once, which on a
    million-article run was most of the comparison stage's peak memory.
    """
    parts = sorted((Path(work) / table).glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame(columns=columns or [])
    import pyarrow as pa

    try:
        if filters is None:
            filled = _fill_parts(parts, columns)
            if filled is not None:
                return filled
        return pd.concat(
            [pd.read_parquet(p, columns=columns, filters=filters) for p in parts],
            ignore_index=True,
        )
    finally:
        pa.default_memory_pool().release_unused()  # Parquet decoding buffers: back to the OS


def _fill_parts(parts: list[Path], columns: list[str] | None) -> pd.DataFrame | None:
    """What ``pd.concat`` of the parts gives, built in place; ``None`` when a part's column
    types differ from the first part's (the caller then concatenates, which resolves them).

    Numeric and boolean columns are written into preallocated arrays; the other columns
    (strings) are compact and are concatenated column by column at the end.
    """
    import pyarrow.parquet as pq

    sizes = [pq.read_metadata(p).num_rows for p in parts]
    total, pos = sum(sizes), 0
    dtypes: pd.Series | None = None
    arrays: dict[str, np.ndarray] = {}
    pieces: dict[str, list[pd.Series]] = {}
    for path, size in zip(parts, sizes, strict=True):
        df = pd.read_parquet(path, columns=columns)
        if len(df) != size:
            return None
        if dtypes is None:
            dtypes = df.dtypes
            for col, dtype in dtypes.items():
                if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
                    arrays[col] = np.empty(total, dtype=dtype)
                else:
                    pieces[col] = []
        elif not df.dtypes.equals(dtypes):
            return None
        for col, array in arrays.items():
            array[pos : pos + size] = df[col].to_numpy()
        for col, kept in pieces.items():
            kept.append(df[col])
        pos += size
    assert dtypes is not None
    data = {
        col: pd.Series(arrays[col], copy=False)
        if col in arrays
        else pd.concat(pieces.pop(col), ignore_index=True)
        for col in dtypes.index
    }
    return pd.DataFrame(data, copy=False)


# --------------------------------------------------------------------------- summaries


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    """A summary table as CSV, atomically (:func:`analysis.io.write_csv`)."""
    return io_write_csv(table, path, float_format="%.6g")


def corpus_counts(articles: pd.DataFrame) -> pd.DataFrame:
    lean = articles["lean"].fillna("unknown")
    counts = (
        articles.assign(lean=lean)
        .groupby(["outlet", "lean"], dropna=False)
        .size()
        .rename("articles")
        .reset_index()
    )
    return counts.sort_values(["articles", "outlet", "lean"], ascending=[False, True, True])


def kind_counts(segments: pd.DataFrame) -> pd.DataFrame:
    """Segments and articles per kind, voice and language class (summable across chunks).

    ``segments`` counts the segments of each language class; ``articles`` counts each
    article once per kind and voice, under ``en`` when any of its segments of that kind and
    voice is English and under ``other`` when none is. An article never spans two chunks, so
    the sum over chunks and language classes (:func:`segments_by_kind`) is the number of
    distinct articles with that kind of segment.
    """
    seg = pd.DataFrame(
        {
            "kind": segments["kind"].to_numpy(),
            "voice": segments["voice"].to_numpy(),
            "article_id": segments["article_id"].to_numpy(),
            "lang_class": np.where(segments["lang"].fillna("en").eq("en"), "en", "other"),
        }
    )
    keys = ["kind", "voice", "lang_class"]
    counts = seg.groupby(keys).size().rename("segments")
    # "en" sorts first: an article with an English segment of a kind is counted there
    first = seg.sort_values("lang_class", kind="stable").drop_duplicates(
        ["kind", "voice", "article_id"]
    )
    articles = first.groupby(keys).size().rename("articles")
    out = pd.concat([counts, articles], axis=1).fillna(0).astype("int64")
    return out.rename_axis(keys).reset_index()


def segments_by_kind(kinds: pd.DataFrame) -> pd.DataFrame:
    """Segments and distinct articles per kind and voice: the per-chunk
    :func:`kind_counts` summed over chunks and language classes."""
    return kinds.groupby(["kind", "voice"])[["segments", "articles"]].sum().reset_index()


def voice_shares(articles: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Per article: characters and share of text per voice (headline excluded)."""
    body = segments[segments["field"] == "text"]
    chars = (body["end"] - body["start"]).groupby([body["article_id"], body["voice"]]).sum()
    wide = chars.unstack("voice", fill_value=0)
    for voice in (*MEASURED_VOICES, "page"):
        if voice not in wide:
            wide[voice] = 0
    total = wide.sum(axis=1).where(lambda s: s > 0)
    share = wide.div(total, axis=0).fillna(0.0)
    share = (
        share.rename_axis("id")
        .reset_index()
        .melt(id_vars="id", var_name="voice", value_name="share")
    )
    meta = articles[["id", "outlet", "lean"]].assign(lean=lambda d: d["lean"].fillna("unknown"))
    return share.merge(meta, on="id", how="left")


# --------------------------------------------------------------------------- the run


@dataclass
class RunResult:
    out_dir: Path
    work_dir: Path
    report: LoadReport
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def _code_fingerprint() -> str:
    """Hash of the package's code and lexicons: edited code never reuses old chunk results."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.yaml")]):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def _stage_hash(cfg: DictConfig) -> str:
    """Hash of everything that changes per-chunk results (corpus, segmenter, features)."""
    parts = {
        k: OmegaConf.to_container(cfg[k], resolve=True)
        for k in ("corpus", "segment", "features")
        if cfg.get(k) is not None
    }
    parts["version"] = __version__
    parts["code"] = _code_fingerprint()
    parts["chunk_size"] = int(cfg.chunk_size)
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def run_pipeline(
    cfg: DictConfig, out_dir: str | os.PathLike | None = None, command: str | None = None
) -> RunResult:
    """Run every stage for a composed config; returns where the outputs went.

    ``out_dir`` overrides ``cfg.output_dir`` (notebooks, tests); the work directory then
    sits inside it unless ``cfg.work_dir`` is absolute.
    """
    t0 = time.perf_counter()
    if command is None:  # a notebook's compose_config(overrides): those overrides rerun it
        from analysis.run import command_line

        command = command_line(cfg)
    out, work, changes = _run_folders(cfg, out_dir, command)
    new = [f for f in dict.fromkeys((out, work)) if not f.exists()]  # this run creates them
    check_formats((cfg.get("plot") or {}).get("formats", ["png"]))
    _check_not_foreign(out)
    _check_writable(out)
    _check_writable(
        work, "output_dir" if out_dir is not None or work.is_relative_to(out) else "work_dir"
    )
    # one run at a time per output and work folder: a second would mix its files into the
    # first's; leftovers of a killed run are removed only once the folders are this run's
    try:
        with run_lock(out), contextlib.ExitStack() as stack:
            if work.resolve() != out.resolve():
                stack.enter_context(run_lock(work))
            for folder in (out, work):
                remove_partial_files(folder, depth=1)
            return _run_locked(cfg, out, work, out_dir, command, t0, changes)
    except FramelensError:
        # refused before it made anything (a corpus file that is not there, columns that do
        # not match): the folders this run created hold only its lock files; remove them
        for folder in sorted(new, key=lambda f: len(f.parts), reverse=True):
            _remove_if_only_locks(folder)
        raise


def _remove_if_only_locks(folder: Path) -> None:
    """Remove ``folder`` when it holds nothing but run lock files and empty folders."""
    try:
        files = [p for p in folder.rglob("*") if p.is_file()]
        if any(p.name != LOCK_NAME for p in files):
            return
        for p in files:
            p.unlink()
        for d in sorted((p for p in folder.rglob("*") if p.is_dir()), key=str, reverse=True):
            d.rmdir()
        folder.rmdir()
    except OSError:
        pass  # a folder that cannot be tidied is left as it is


def _run_folders(cfg: DictConfig, out_dir: Any, command: str) -> tuple[Path, Path, list[str]]:
    """The run's output and work folders, and the settings in which it differs from its
    experiment as configured (:func:`analysis.run.experiment_changes`).

    An experiment's own ``output_dir`` holds its committed outputs and its ``work_dir`` the
    tables they are made from: a variant (``experiment=X corpus.limit=500``) may write into
    neither unless the command names them. Without ``output_dir`` it is refused, with the
    fix; with one, its work folder goes inside that ``output_dir``.
    """
    from analysis.run import experiment_as_configured, experiment_changes

    own = experiment_as_configured(cfg)
    changes = experiment_changes(cfg, own)
    if out_dir is not None:
        out = Path(out_dir)
        return out, out / "work", changes
    out, work = Path(cfg.output_dir), Path(cfg.work_dir)
    if not changes:
        return out, work, changes
    if out == Path(own.output_dir) and not re.search(r"(^|\s)\+*output_dir=", command or ""):
        raise ConfigError(
            f"this run changes {', '.join(changes)} of experiment {cfg.name}, whose outputs "
            f"in {out} are of the experiment as configured: give this variant its own folder "
            f"with output_dir=PATH (e.g. output_dir=outputs/{cfg.name}_variant), or name "
            f"output_dir={out} to replace them"
        )
    if work == Path(own.work_dir) and out != Path(own.output_dir):
        work = out / "work"
    return out, work, changes


def _run_locked(
    cfg: DictConfig,
    out: Path,
    work: Path,
    out_dir: Any,
    command: str,
    t0: float,
    changes: list[str],
) -> RunResult:
    """:func:`run_pipeline` once its work folder is locked."""
    corpus = OmegaConf.to_container(cfg.corpus, resolve=True)
    # corpus.also: further corpora appended to the main one (e.g. the worked example)
    sources = [resolve_source(corpus)] + [resolve_source(c) for c in corpus.get("also") or []]
    quarantine = out / "quarantine.jsonl"
    quarantine.unlink(missing_ok=True)
    names = "+".join(s.name for s in sources)
    report = LoadReport(names, "+".join(s.table.name for s in sources))
    chunks = _chain_chunks(sources, int(cfg.chunk_size), quarantine, report)
    _check_feature_corpora(cfg)
    # a first streaming pass fits the segmenter on the whole corpus (lines recurring across
    # an outlet's articles); the run config carries the table to every worker and the hash
    from analysis.segment import fit_segment_config

    _DRIVER_FEATURES.clear()
    _DRIVER_FEATURES[_config_hash(cfg.get("features"))] = _feature_stage(cfg)
    try:
        seen = [0]  # the first pass counts the articles: the progress bar's total

        def first_pass() -> Iterator[pd.DataFrame]:
            for chunk in _chain_chunks(sources, int(cfg.chunk_size), None, LoadReport(names, "")):
                seen[0] += len(chunk)
                yield chunk

        run_cfg = fit_segment_config(cfg, first_pass)
        if not _cache_usable(run_cfg):  # warned once here, not by every worker
            run_cfg = OmegaConf.merge(run_cfg, {"cache": {"enabled": False}})
        stage_hash = _stage_hash(run_cfg)
        # parts from a previous, different configuration must not be mixed in
        _reset_work_if_stale(work, stage_hash)
        counts = run_chunks(chunks, run_cfg, work, stage_hash, total=seen[0] or None)
    except ChunkFailed as exc:
        resume = resume_instruction(cfg, out, out_dir)
        raise ChunkFailed(exc.index, exc.ids, exc.cause, resume) from exc.cause
    except KeyboardInterrupt:
        done = len(list((work / "done").glob("part-*.json")))
        log.warning(
            "interrupted: %d finished chunk%s kept in %s; %s",
            done,
            " is" if done == 1 else "s are",
            work,
            resume_instruction(cfg, out, out_dir),
        )
        raise
    finally:
        _DRIVER_FEATURES.clear()
    _drop_extra_parts(work, counts["chunks"])
    log.info(report.summary())
    if variants := report.variants_line():
        log.warning(variants)
    _require_articles(report, corpus)
    if counts["resumed"]:
        log.info("resumed: %d of %d chunks were already done", counts["resumed"], counts["chunks"])
    cached = read_parts(work, "cache_counts")
    if len(cached):  # on the console only: the outputs do not depend on the cache
        hits, misses = int(cached["hits"].sum()), int(cached["misses"].sum())
        log.info(
            "feature cache: %s of %s values (segment texts x extractors) read from it, "
            "%s computed (%s)",
            f"{hits:,}", f"{hits + misses:,}", f"{misses:,}",
            (run_cfg.get("cache") or {}).get("dir") or default_cache_dir(),
        )  # fmt: skip

    # the manifest is written last: a folder without one holds no finished run's outputs
    (out / "manifest.json").unlink(missing_ok=True)
    try:
        files = [write_config(cfg, out / "config.yaml")]
        files += summarize(cfg, out, work, report)
        sections: list[str] = []
        if cfg.get("compare"):
            from analysis.events import resolve_stage  # allow-listed: functions of analysis.*

            compare_stage = resolve_stage(cfg.compare.get("stage"), "compare.stage")
            more, sections = compare_stage(cfg, out, work)
            files += more
            # a comparison that could not run is said in the report; say it here too, since
            # the run otherwise ends as if it had
            for line in sections:
                if isinstance(line, str) and line.startswith("Not computed:"):
                    log.warning("comparison (compare.stage %s): %s", cfg.compare.get("stage"), line)
        result = RunResult(out, work, report, files, time.perf_counter() - t0)
        files.append(write_report(cfg, result, command, sections, changes))
    except KeyboardInterrupt:
        log.warning(
            "interrupted while writing the tables and figures: %s is incomplete (no report.md "
            "or manifest.json of this run); the features of all %d chunks are kept in %s: "
            "%s (only the tables, figures and report are made again)",
            out,
            counts["chunks"],
            work,
            resume_instruction(cfg, out, out_dir),
        )
        raise
    # last: what the outputs were made from, and a checksum of each
    outputs = [*files, quarantine] if quarantine.is_file() else files
    files.append(
        write_manifest(
            out, outputs, sources, feature_corpora(cfg), command, models=feature_models(cfg)
        )
    )
    _warn_stale_files(out, work, files)
    return result


def _cache_usable(cfg: DictConfig) -> bool:
    """False when the run's feature cache is on but cannot be used (a folder that cannot
    be written, a damaged file): checked in the driver, which warns once."""
    cache_cfg = cfg.get("cache") or {}
    if cfg.get("features") is None or not cache_cfg.get("enabled", False):
        return True
    cache = FeatureCache(cache_cfg.get("dir"))
    try:
        return cache.usable()
    finally:
        with contextlib.suppress(Exception):
            cache.close()


def _warn_stale_files(out: Path, work: Path, written: list[Path]) -> None:
    """Say which files in the output folder this run did not write (left by an earlier run
    with another config, e.g. a figure no longer drawn): they would read as its results."""
    mine = {Path(p).resolve() for p in written}
    work = work.resolve()
    stale = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file()
        and p.resolve() not in mine
        and not p.resolve().is_relative_to(work)
        and p.name not in ("quarantine.jsonl", LOCK_NAME)
    )
    if stale:
        shown = ", ".join(stale[:10]) + (f" and {len(stale) - 10} more" if len(stale) > 10 else "")
        log.warning(
            "%d file(s) in %s were not written by this run (left from an earlier one; "
            "manifest.json lists this run's outputs): %s. Delete them, or run into a fresh "
            "output_dir.",
            len(stale),
            out,
            shown,
        )


def _feature_stage(cfg: DictConfig) -> Any:
    """Build the feature extractors once in the driver, before any work: a missing model
    file or a bad lexicon stops the run at once with its message (not inside a chunk)."""
    try:
        return _fitted_features(cfg.get("features"))
    except FramelensError:
        raise
    except (OSError, ValueError, KeyError, TypeError, ImportError) as exc:
        raise FramelensError(
            f"the feature extractors could not be set up ({type(exc).__name__}: {exc})"
        ) from exc


def feature_corpora(cfg: DictConfig) -> dict[str, str]:
    """The corpora the selected feature extractors train on, by feature name: ``corpus:``
    in their config (``marked_words`` reads BABE), or the corpus of the classifier task they
    ``train`` (``irony_probability``: SemEval-2018), when it is a descriptor corpus."""
    from analysis.classifiers import compose_task

    out = {}
    for name, spec in (cfg.get("features") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        corpus = spec.get("corpus")
        if not corpus and spec.get("train") and not spec.get("model"):
            overrides = [str(o) for o in spec.get("train_overrides") or ()]
            source = dict(compose_task(str(spec["train"]), overrides).get("corpus") or {})
            corpus = None if source.get("path") else source.get("name")
        if corpus:
            out[str(name)] = str(corpus)
    return out


def feature_models(cfg: DictConfig) -> dict[str, str]:
    """The model files the selected feature extractors load instead of training, by feature
    name (``features.irony_probability.model=models/irony/irony.skops``): the manifest
    records each one's checksum, so ``framelens reproduce`` names a model that changed."""
    return {
        str(name): str(spec["model"])
        for name, spec in (cfg.get("features") or {}).items()
        if isinstance(spec, Mapping) and spec.get("model")
    }


def _check_feature_corpora(cfg: DictConfig) -> None:
    """Fetch the corpora that feature extractors train on (:func:`feature_corpora`) before
    any work, so a missing one stops the run at once with the fetch instructions instead of
    failing inside the first chunk."""
    from analysis.corpora import ensure_available, get_descriptor

    for name, corpus in feature_corpora(cfg).items():
        try:
            ensure_available(get_descriptor(corpus))
        except FramelensError as exc:
            raise FramelensError(f"feature {name!r} trains on corpus {corpus!r}: {exc}") from exc


def _require_articles(report: LoadReport, corpus: dict) -> None:
    """Stop with a clear message when nothing is left to measure (never empty figures)."""
    if report.loaded:
        return
    if report.read == 0:
        why = "the corpus has no records"
    elif report.filtered == report.read:
        kept = [f"{k}={v}" for k, v in (corpus.get("filters") or {}).items() if v]
        dropped = [f"not {k}={v}" for k, v in (corpus.get("exclude") or {}).items() if v]
        names = " and ".join(
            n for n, given in (("corpus.filters", kept), ("corpus.exclude", dropped)) if given
        )
        why = (
            f"{names or 'corpus.filters'} ({', '.join(kept + dropped)}) selected none of the "
            f"{report.read:,} records; "
            f"`framelens corpora info {corpus.get('name')}` lists the values of each field"
        )
    else:
        why = (
            f"all {report.read:,} records were quarantined or filtered out; the reasons are "
            f"in {report.quarantine_path or 'quarantine.jsonl'}"
        )
    raise FramelensError(f"no articles to analyse: {why}")


def _outlet_map(corpus: Mapping[str, Any]) -> dict[str, str]:
    """The outlet names a corpus config merges (``fields.outlet.map``), if any."""
    how = (corpus.get("fields") or {}).get("outlet")
    return (
        {str(k): str(v) for k, v in dict(how.get("map") or {}).items()}
        if isinstance(how, Mapping)
        else {}
    )


def _chain_chunks(sources, chunk_size: int, quarantine: Path, report: LoadReport):
    """Chunks of every source in turn; one report counts them all."""
    for source in sources:
        part = LoadReport(source.name, source.table.name)
        yield from iter_articles(source, chunk_size=chunk_size, quarantine=quarantine, report=part)
        for attr in ("read", "loaded", "quarantined", "filtered"):
            setattr(report, attr, getattr(report, attr) + getattr(part, attr))
        report.reasons.update(part.reasons)
        report.warnings.update(part.warnings)
        report.outlets.update(part.outlets)
        report.outlet_mapping = part.outlet_mapping
        report.quarantine_path = part.quarantine_path


#: Files a run writes at the top of its output folder, whatever its config.
RUN_FILES = ("report.md", "config.yaml", "summary.json", "manifest.json")


def _check_not_foreign(out: Path) -> None:
    """Refuse an output folder whose report, config or tables no framelens run wrote.

    A folder of an earlier run (it has ``manifest.json``, or the lock file every run leaves,
    an interrupted one too) is rerun into, as resuming needs; a folder of your own files that a run
    would overwrite (a ``report.md`` of yours, CSV tables, ``figures/``) is not touched.
    Files a run never writes (``notes.txt``) do not count.
    """
    if not out.is_dir() or (out / "manifest.json").is_file() or (out / LOCK_NAME).exists():
        return  # a run's folder: every run leaves its lock file, even one killed at once
    clash = sorted(
        p.name
        for p in out.iterdir()
        if p.name in RUN_FILES or p.suffix == ".csv" or (p.name == "figures" and p.is_dir())
    )
    if clash:
        raise FramelensError(
            f"output_dir {out} holds files that no framelens run wrote ({', '.join(clash[:5])}"
            f"{' ...' if len(clash) > 5 else ''}), which this run would overwrite: choose a new "
            "or empty folder with output_dir=PATH"
        )


def _check_writable(path: Path, option: str = "output_dir") -> None:
    """Create ``path`` and check that files can be written there, before any work is done.

    The temporary files a killed run may have left (``.NAME.RANDOM.part``) are removed by
    :func:`run_pipeline` once it holds the folder's lock, never from under a running run.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        what = exc.strerror or str(exc)
        if isinstance(exc, FileExistsError | NotADirectoryError):
            what = "a file is in the way of the folder"
        raise FramelensError(
            f"cannot write outputs to {path} ({what}): choose another folder with {option}=PATH"
        ) from exc


def _reset_work_if_stale(work: Path, stage_hash: str) -> None:
    stamp = work / "stages.json"
    try:
        same = json.loads(stamp.read_text())["hash"] == stage_hash
    except (OSError, ValueError, KeyError):
        same = False
    if not same:
        for name in (*TABLES, "done"):
            shutil.rmtree(work / name, ignore_errors=True)
        write_text(stamp, json.dumps({"hash": stage_hash}))


def _drop_extra_parts(work: Path, n_chunks: int) -> None:
    for name in (*TABLES, "done"):
        for part in (work / name).glob("part-*"):
            if int(part.name[5:10]) >= n_chunks:
                part.unlink()


def write_config(cfg: DictConfig, path: Path) -> Path:
    text = "# The composed config of this run (python -m analysis.run reads the same groups)\n"
    text += OmegaConf.to_yaml(cfg, resolve=True)
    return write_text(path, text)


def summarize(cfg: DictConfig, out: Path, work: Path, report: LoadReport) -> list[Path]:
    """Tables and figures of the stages that ran."""
    files = []
    articles = read_parts(work, "articles", ["id", "outlet", "lean", "topic"])
    counts = corpus_counts(articles)
    files.append(write_csv(counts, out / "corpus_counts.csv"))
    summary = {"load": report.to_dict()}
    top = int(cfg.plot.get("top_outlets", 20))
    fig_dir = out / "figures"
    formats = list(cfg.plot.get("formats", ["png"]))
    dpi = int(cfg.plot.get("dpi", 200))
    ccfg = cfg.get("compare") or {}
    # display names and leans a compare config gives its outlets (BASIL's codes and the
    # AllSides ratings of its three outlets), so these figures name and colour them as its own
    labels = dict(ccfg.get("outlet_labels") or {})
    leans = dict(ccfg.get("outlet_leans") or {})
    # the config's leans name only its outlets (BASIL's codes): on another corpus none of
    # the outlets shown takes its colour from them, and the corpus's own leans are drawn
    shown = set(counts.head(top)["outlet"])
    lean_source = (
        str(ccfg.get("outlet_leans_source") or "compare.outlet_leans")
        if shown & set(leans)
        else None
    )
    summary["outlet_counts_lean_source"] = lean_source
    with paper_style():
        ax = plot_outlet_counts(
            counts.head(top), leans=leans, labels=labels, lean_source=lean_source
        )
        # a file of the user's own is named by its file name, not "custom"
        path = (cfg.get("corpus") or {}).get("path")
        corpus_name = Path(str(path)).name if report.corpus == "custom" and path else report.corpus
        ax.set_title(
            f"{corpus_name}: {len(articles):,} articles, top {min(top, len(counts))} outlets"
        )
        files += save_figure(ax.figure, fig_dir, "outlet_counts", counts.head(top), formats, dpi)
    # small per-chunk aggregates only: memory does not grow with the corpus
    kinds = read_parts(work, "kind_counts")
    if len(kinds):
        files.append(write_csv(segments_by_kind(kinds), out / "segments_by_kind.csv"))
        summary["segments"] = {
            "total": int(kinds["segments"].sum()),
            "per_voice": {k: int(v) for k, v in kinds.groupby("voice")["segments"].sum().items()},
            "non_english": int(kinds.loc[kinds["lang_class"] == "other", "segments"].sum()),
        }
        shares = read_parts(work, "voice_share")
        by_lean = shares.groupby(["lean", "voice"])["share"].mean().reset_index()
        files.append(write_csv(by_lean, out / "voice_shares_by_lean.csv"))
        top_outlets = counts.head(top)["outlet"]
        shown = shares[shares["outlet"].isin(top_outlets)]
        by_outlet = shown.groupby(["outlet", "voice"])["share"].mean().reset_index()
        by_outlet["n"] = by_outlet["outlet"].map(shown.groupby("outlet")["id"].nunique())
        with paper_style():
            ax = plot_voice_shares(by_outlet, "outlet", labels=labels)
            ax.set_title("Who speaks: mean share of article text per voice", pad=18)
            files += save_figure(ax.figure, fig_dir, "voice_shares", by_outlet, formats, dpi)
    summary_text = json.dumps(summary, indent=2, sort_keys=True) + "\n"
    files.append(write_text(out / "summary.json", summary_text))
    return files


def write_report(
    cfg: DictConfig,
    result: RunResult,
    command: str | None = None,
    sections: list[str] | None = None,
    changes: Sequence[str] = (),
) -> Path:
    """A Markdown report that reads top to bottom: question, data, counts, figures.

    ``changes``: the settings in which the run differs from its experiment as configured;
    the experiment's notes (``compare.notes``), written for it as configured, are then left
    out, unless the run gives its own."""
    out = result.out_dir
    summary = json.loads((out / "summary.json").read_text())
    rep = result.report
    title = cfg.get("title") or (
        f"{rep.corpus}: outlets{', leans' if _has_leans(out) else ''} and voices compared "
        "(ad hoc run)"
        if cfg.name == "adhoc"
        else cfg.name
    )
    lines = [f"# {title}", ""]
    if cfg.get("question"):
        lines += [f"**Question.** {cfg.question}", ""]
    corpus = OmegaConf.to_container(cfg.corpus, resolve=True)
    lines += [
        "## Data",
        "",
        f"- Corpus: `{rep.corpus}` (table `{rep.table}`); filters: {corpus.get('filters') or 'none'}"
        + (f"; excluded: {corpus['exclude']}" if corpus.get("exclude") else "")
        + f"; limit: {corpus.get('limit')}",
        f"- Records read: {rep.read:,}; loaded: {rep.loaded:,}; quarantined: {rep.quarantined:,}"
        + (f"; filtered out: {rep.filtered:,}" if rep.filtered else ""),
    ]
    if rep.reasons:
        lines.append(
            "- Quarantine reasons: "
            + "; ".join(f"{k} ({v:,})" for k, v in sorted(rep.reasons.items()))
            + " — see `quarantine.jsonl`"
        )
    if rep.warnings:
        lines.append(
            "- Kept with warnings: "
            + "; ".join(f"{k} ({v:,})" for k, v in sorted(rep.warnings.items()))
        )
    outlet_map = _outlet_map(corpus)
    if outlet_map:
        lines.append(
            "- Outlet names merged by the config (`corpus.fields.outlet.map`): "
            + "; ".join(f"{k} -> {v}" for k, v in outlet_map.items())
        )
    variants = rep.variants_line()
    if variants:
        lines.append(f"- **Check:** {variants}")
    seg = summary.get("segments")
    if seg:
        per_voice = ", ".join(f"{k} {v:,}" for k, v in seg["per_voice"].items())
        lines.append(
            f"- Segments: {seg['total']:,} ({per_voice}); non-English segments (kept, not scored): {seg['non_english']:,}"
        )
    lines += ["", "## Figures", ""]
    captions = {
        "outlet_counts": "Articles per outlet (largest outlets), coloured by the outlet's political lean "
        + (
            f"({summary['outlet_counts_lean_source']}; the corpus gives none)"
            if summary.get("outlet_counts_lean_source")
            else "as the corpus gives it"
        )
        + " (blue: left, purple: center, vermillion: right; grey: no lean given). Data: `figures/outlet_counts.csv`.",
        "voice_shares": "Mean share of each article's characters spoken by the outlet, by quoted people, by embedded social posts, and page debris, per outlet (n = its articles; pale and hatched: fewer than 10). Data: `figures/voice_shares.csv`.",
    }
    for name, caption in captions.items():
        if (out / "figures" / f"{name}.png").exists():
            lines += [f"![{name}](figures/{name}.png)", "", caption, ""]
    lines += sections or []
    # the researcher's reading of the results, written in the experiment config
    notes = list((cfg.get("compare") or {}).get("notes") or [])
    if notes and changes and "compare.notes" not in changes:
        lines += [
            "## Reading the results",
            "",
            f"*The experiment's notes are left out: they were written for `framelens run "
            f"experiment={cfg.name}` as configured, and this run changes "
            f"{', '.join(f'`{c}`' for c in changes)}, so its numbers differ.*",
            "",
        ]
    elif notes:
        lines += ["## Reading the results", ""] + [f"- {n}" for n in notes] + [""]
    lines += [
        "## Tables",
        "",
        "- `corpus_counts.csv`: articles per outlet and lean",
    ]
    if seg:
        lines += [
            "- `segments_by_kind.csv`: segments and articles per segment kind and voice",
            "- `voice_shares_by_lean.csv`: mean share of text per voice by lean",
        ]
    lines += [
        "",
        "## Reproduce",
        "",
        "```",
        command or f"framelens run experiment={cfg.name}",
        "```",
        "",
        f"framelens {__version__}; composed config in `config.yaml`; library versions, data "
        "checksums and a checksum of every output in `manifest.json`." + _relative_paths_note(cfg),
        "",
    ]
    return write_text(out / "report.md", "\n".join(lines))


def _has_leans(out: Path) -> bool:
    """Whether any article of the run has a lean of the three (``corpus_counts.csv``,
    written before the report; articles without one count as ``unknown``)."""
    try:
        leans = pd.read_csv(out / "corpus_counts.csv", usecols=["lean"])["lean"]
    except (OSError, ValueError):
        return False
    return bool(leans.isin(["left", "center", "right"]).any())


def _relative_paths_note(cfg: DictConfig) -> str:
    """A sentence when the run read a corpus file named by a relative path: the command
    above then reproduces from the same folder only (it is not written into the report,
    which must not depend on where the run was started)."""
    corpora = [cfg.corpus, *(cfg.corpus.get("also") or [])]
    paths = [str(c.get("path")) for c in corpora if c.get("path") not in (None, "", "???")]
    relative = [p for p in paths if not Path(p).expanduser().is_absolute()]
    if not relative:
        return ""
    return (
        f" `corpus.path` {', '.join(relative)} is relative: run the command from the folder "
        "the run was started in, or give the file's absolute path."
    )


class _CurrentStderr(logging.StreamHandler):
    """A handler that writes to ``sys.stderr`` as it is when a message is logged, not as it
    was when the handler was made: a notebook kernel, pytest's capture or a redirect may
    replace it later, and a handler holding a closed stream prints "Logging error"."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ assigns it; the property decides
        pass


def configure_logging(level: int = logging.INFO) -> None:
    if not log.handlers:
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("[framelens] %(message)s"))
        log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False

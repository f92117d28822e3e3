"""Reliability (issues #7 and #8): killed runs resume, full disks and read-only folders never
leave half-written outputs, the feature cache is reused, and every user error is one line.

The kill-and-resume test runs the real command line in a subprocess, kills it with SIGKILL
once a chunk is done, runs the same command again and compares the outputs with an
uninterrupted run, byte for byte.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.base import BaseEstimator, TransformerMixin

from analysis import cli
from analysis.cache import FeatureCache
from analysis.errors import FramelensError
from analysis.io import OutputError, atomic_write, remove_partial_files, write_text
from analysis.pipeline import (
    LOCK_NAME,
    TABLES,
    _code_fingerprint,
    _is_done,
    read_parts,
    run_pipeline,
)
from analysis.run import compose_config

ROOT = Path(__file__).resolve().parent.parent
LIGHT = "features=[irony_cues,issue_frames]"


def _partials(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob(".*.part") if p.is_file())


def _env(**more: str) -> dict[str, str]:
    env = {**os.environ, "MPLBACKEND": "Agg", **more}
    env.pop("FRAMELENS_DEBUG", None)
    return env


def _cli(*args: str, env: dict | None = None, code: str | None = None, timeout: float = 300):
    """Run ``framelens ARGS`` in a subprocess (``code`` runs first: fault injection)."""
    prog = "import sys\n" + (code or "") + "\nfrom analysis.cli import main\nsys.exit(main())\n"
    return subprocess.run(
        [sys.executable, "-c", prog, *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        cwd=ROOT,
        timeout=timeout,
    )


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    """The run failed with exactly one ``framelens: error:`` line and no traceback."""
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [x for x in proc.stderr.splitlines() if x.startswith("framelens: error:")]
    assert len(errors) == 1, proc.stderr
    assert proc.stderr.rstrip("\n").splitlines()[-1] == errors[0], proc.stderr
    return errors[0]


# --------------------------------------------------------------------------- kill and resume

RESUME_OVERRIDES = [
    "corpus=sample",
    "chunk_size=2",  # 21 chunks: a kill lands between two of them
    LIGHT,
    "plot.formats=[png]",
    "cache.enabled=false",  # chunks are really recomputed; the cache has its own test
    "~compare",
]


def _normalized(path: Path) -> bytes:
    """A file's bytes; config.yaml and report.md without the lines naming folder/executor."""
    if path.name == "config.yaml":
        cfg = yaml.safe_load(path.read_text())
        for key in ("output_dir", "work_dir", "executor"):
            cfg.pop(key, None)
        return json.dumps(cfg, sort_keys=True).encode()
    if path.name == "report.md":
        lines = path.read_text().splitlines()
        return "\n".join(x for x in lines if not x.startswith("framelens run ")).encode()
    if path.name == "manifest.json":  # those two files are compared normalized, above
        manifest = json.loads(path.read_text())
        manifest.pop("command", None)
        for name in ("config.yaml", "report.md"):
            manifest["outputs"].pop(name, None)
        return json.dumps(manifest, sort_keys=True).encode()
    return path.read_bytes()


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): _normalized(p)
        for p in sorted(out.rglob("*"))
        if p.is_file()
        and "work" not in p.relative_to(out).parts
        and p.name != LOCK_NAME  # the run's lock holds its pid: not an output
    }


#: Uninterrupted reference runs, by code fingerprint.
_REFERENCES: dict[str, Path] = {}


def _uninterrupted(tmp_path_factory, fingerprint: str) -> Path:
    """The reference: the same configuration run once, without interruption.

    A subprocess too, so it runs the code on disk, as the killed and resumed runs do (this
    process imported the package when the session started).
    """
    if fingerprint not in _REFERENCES:
        out = tmp_path_factory.mktemp("uninterrupted")
        proc = _cli("run", *RESUME_OVERRIDES, f"output_dir={out}")
        assert proc.returncode == 0, proc.stderr
        _REFERENCES[fingerprint] = out
    return _REFERENCES[fingerprint]


def _markers(work: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (work / "done").glob("part-*.json")}


@pytest.mark.parametrize(
    "executor",
    ["serial", pytest.param("local", marks=pytest.mark.slow)],
)
def test_sigkill_mid_run_then_resume_gives_identical_outputs(tmp_path_factory, executor):
    # Edited package code rightly invalidates finished chunks (the stage hash covers it), so
    # an attempt during which analysis/ changed (a shared working tree) is repeated.
    for _attempt in range(3):
        before = _code_fingerprint()
        reference = _uninterrupted(tmp_path_factory, before)
        result = _kill_and_resume(tmp_path_factory.mktemp("killed"), executor)
        if _code_fingerprint() == before:
            break
    else:
        pytest.skip("analysis/ kept changing while the test ran (concurrent edits)")
    out, done, stderr = result
    work = out / "work"
    # (i) finished chunks were not recomputed: counted as resumed, markers and parts untouched
    found = re.search(r"resumed: (\d+) of (\d+) chunks were already done", stderr)
    assert found, stderr
    assert (int(found[1]), int(found[2])) == (len(done), 21)
    after = _markers(work)
    assert len(after) == 21
    assert all(after[name] == t for name, (t, _) in done.items())
    for _, parts in done.values():
        assert parts and all(p.stat().st_mtime_ns == t for p, t in parts.items())
    # a temporary file the kill left behind is cleared, never read as a part
    assert _partials(out) == []
    # (ii) every output equals the uninterrupted run's, byte for byte
    assert _outputs(out) == _outputs(reference)
    for table in ("articles", "segments", "features", "article_voice"):
        pd.testing.assert_frame_equal(
            read_parts(work, table), read_parts(reference / "work", table)
        )


def _kill_and_resume(tmp: Path, executor: str):
    """Run, SIGKILL once a chunk is done, run again; ``(out, done-at-kill, stderr)``."""
    out = tmp / "out"
    args = ["run", *RESUME_OVERRIDES, f"executor={executor}", f"output_dir={out}"]
    if executor == "local":
        args.append("executor.n_jobs=2")
    prog = "import sys\nfrom analysis.cli import main\nsys.exit(main())\n"
    # its own process group: SIGKILL reaches the driver and any worker processes at once
    proc = subprocess.Popen(
        [sys.executable, "-c", prog, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
        start_new_session=True,
    )
    work = out / "work"
    deadline = time.monotonic() + 240
    try:
        while not _markers(work):
            if proc.poll() is not None:
                pytest.fail("run ended before a chunk was done: " + proc.stderr.read().decode())
            if time.monotonic() > deadline:
                pytest.fail("no chunk was done within 240 s")
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    markers = _markers(work)
    assert 0 < len(markers) < 21, "the kill must land mid-run"
    assert not (out / "summary.json").exists()
    done = {
        name: (t, {p: p.stat().st_mtime_ns for p in work.glob(f"*/{name[:-5]}.parquet")})
        for name, t in markers.items()
    }
    again = subprocess.run(
        [sys.executable, "-c", prog, *args],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    return out, done, again.stderr


# --------------------------------------------------------------------------- feature cache


def _count_transforms(monkeypatch) -> list[int]:
    """Count the texts the LIGHT extractors really compute (not read from the cache)."""
    from analysis.features.framing import FrameShare
    from analysis.features.irony import IronyCues

    calls: list[int] = []
    for cls in (IronyCues, FrameShare):
        original = cls.transform

        def counted(self, X, _original=original):
            calls.append(len(X))
            return _original(self, X)

        monkeypatch.setattr(cls, "transform", counted)
    return calls


def test_rerun_and_second_experiment_read_features_from_the_cache(tmp_path, monkeypatch, caplog):
    calls = _count_transforms(monkeypatch)
    cache = f"cache.dir={tmp_path / 'cache'}"
    base = ["corpus=sample", LIGHT, "plot.formats=[png]", "~compare", "cache.enabled=true", cache]
    with caplog.at_level("INFO", logger="framelens"):
        first = run_pipeline(compose_config([*base, "chunk_size=20"]), out_dir=tmp_path / "a")
    computed = sum(calls)
    assert computed > 0
    said = [r.getMessage() for r in caplog.records if "feature cache:" in r.getMessage()]
    assert said and ", 0 computed" not in said[-1]  # the console says what it computed
    calls.clear()
    caplog.clear()
    # a rerun in a fresh folder, and a "second experiment" whose chunks differ: no recompute
    with caplog.at_level("INFO", logger="framelens"):
        second = run_pipeline(compose_config([*base, "chunk_size=20"]), out_dir=tmp_path / "b")
    said = [r.getMessage() for r in caplog.records if "feature cache:" in r.getMessage()]
    assert said and ", 0 computed (" in said[-1]
    third = run_pipeline(compose_config([*base, "chunk_size=7"]), out_dir=tmp_path / "c")
    assert sum(calls) == 0
    # and without the cache, the same values in the same rows (the union's own output is
    # a DataFrame with a row index of its own: never realigned by label)
    off = [*base[:-2], "cache.enabled=false", "chunk_size=20"]
    uncached = run_pipeline(compose_config(off), out_dir=tmp_path / "d")
    assert sum(calls) >= computed  # every text computed again (repeats too)
    for other in (second, third, uncached):
        pd.testing.assert_frame_equal(
            read_parts(first.work_dir, "features"), read_parts(other.work_dir, "features")
        )


def test_cache_counts_hits_and_keeps_versions_apart(tmp_path, monkeypatch):
    from analysis.features.framing import FrameShare

    est = FrameShare(lexicon="issue_frames", prefix="issue").fit([""])
    cache = FeatureCache(tmp_path)
    texts = ["Taxpayers foot the bill.", "Chaos at the airport.", "Taxpayers foot the bill."]
    first = cache.transform("issue_frames", est, texts)
    assert (cache.hits, cache.misses) == (0, 2)  # the repeated text is computed once
    again = cache.transform("issue_frames", est, texts)
    assert (cache.hits, cache.misses) == (3, 2)
    assert (first == again).all()
    est.feature_version = "2"  # a new extractor version never reads the old values
    cache.transform("issue_frames", est, texts[:1])
    assert cache.misses == 3
    # nor does a new version of a scoring library (an upgrade outside the lock file)
    import analysis.cache as cache_module

    real = cache_module._library_versions
    monkeypatch.setattr(cache_module, "_library_versions", lambda: {**real(), "nltk": "99"})
    cache.transform("issue_frames", est, texts[:1])
    assert cache.misses == 4
    cache.close()


def test_unusable_cache_is_given_up_with_one_warning_and_values_are_computed(tmp_path, caplog):
    """A cache that cannot be opened (here its file name is taken by a folder) or written
    (a full disk, simulated) costs time, never the run or its values."""
    import sqlite3

    from analysis.features.framing import FrameShare

    est = FrameShare(lexicon="issue_frames", prefix="issue").fit([""])
    texts = ["Taxpayers foot the bill.", "Chaos at the airport."]
    expected = est.transform(texts)
    (tmp_path / "blocked" / "features.sqlite").mkdir(parents=True)
    cache = FeatureCache(tmp_path / "blocked")
    with caplog.at_level("WARNING", logger="framelens"):
        assert (cache.transform("issue_frames", est, texts) == expected).all()
        assert (cache.transform("issue_frames", est, texts[:1]) == expected[:1]).all()
    (warning,) = [r.getMessage() for r in caplog.records]  # once, not per call
    assert "features.sqlite cannot be used (OperationalError" in warning
    assert "cache.dir=PATH" in warning and "cache.enabled=false" in warning

    full = FeatureCache(tmp_path / "full")

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    full.transform("issue_frames", est, texts[:1])  # opens and fills the table
    full._con = _FailingWrites(full.con, disk_full)
    assert (full.transform("issue_frames", est, texts) == expected).all()
    assert full.failed == "OperationalError: database or disk is full"


def test_damaged_cache_file_is_computed_around_named_by_info_and_cleared(tmp_path, capsys):
    from analysis.features.framing import FrameShare

    (tmp_path / "features.sqlite").write_bytes(b"not a database" * 100)
    est = FrameShare(lexicon="issue_frames", prefix="issue").fit([""])
    damaged = FeatureCache(tmp_path)
    values = damaged.transform("issue_frames", est, ["Chaos at the airport."])
    assert (values == est.transform(["Chaos at the airport."])).all()
    assert damaged.failed == "DatabaseError: file is not a database"
    capsys.readouterr()  # the warning above, when an earlier test set up the log handler
    assert cli.main(["cache", "info", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be read (file is not a database)" in err
    assert "`framelens cache clear` removes it" in err
    assert cli.main(["cache", "clear", "--dir", str(tmp_path)]) == 0
    assert not (tmp_path / "features.sqlite").exists()


class _FailingWrites:
    """A SQLite connection whose writes fail (executemany), reads work."""

    def __init__(self, con, fail):
        self._real, self.executemany = con, fail

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self._real.__enter__()

    def __exit__(self, *exc):
        return self._real.__exit__(*exc)


def test_cache_info_and_clear(tmp_path, capsys):
    from analysis.features.framing import FrameShare

    cache = FeatureCache(tmp_path)
    est = FrameShare(lexicon="issue_frames", prefix="issue").fit([""])
    cache.transform("issue_frames", est, ["Taxpayers foot the bill.", "Chaos.", "Chaos."])
    (info,) = cache.info()
    assert (info["name"], info["rows"], info["columns"]) == (
        "issue_frames",
        2,
        len(est.get_feature_names_out()),
    )
    assert info["class"] == "analysis.features.framing.FrameShare"
    cache.close()
    (tmp_path / "models" / "irony-0123").mkdir(parents=True)
    (tmp_path / "models" / "irony-0123" / "irony.skops").write_bytes(b"x" * 10)
    assert cli.main(["cache", "info", "--dir", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert "issue_frames" in shown and "2 texts" in shown and "trained model:" in shown
    assert cli.main(["cache", "clear", "--dir", str(tmp_path)]) == 0
    assert not (tmp_path / "features.sqlite").exists()
    assert (tmp_path / "models" / "irony-0123").is_dir()  # models only with --models
    assert cli.main(["cache", "clear", "--models", "--dir", str(tmp_path)]) == 0
    assert not (tmp_path / "models" / "irony-0123").exists()
    assert FeatureCache(tmp_path).info() == []


def test_cache_rows_round_trip_exactly_and_old_format_tables_go(tmp_path):
    """Rows are stored compressed and come back bit for bit (NaN, infinities, -0.0, tiny
    and huge values); tables of the first, uncompressed format are dropped on open."""
    import sqlite3

    class Values(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            base = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7e308, 1 / 3, 0.0])
            return np.vstack([np.roll(base, i) for i in range(len(X))])

        def get_feature_names_out(self, input_features=None):
            return np.array([f"v{i}" for i in range(8)], dtype=object)

    with sqlite3.connect(tmp_path / "features.sqlite") as con:  # a cache of the first format
        con.execute("CREATE TABLE f_0123 (h TEXT PRIMARY KEY, v BLOB NOT NULL)")
        con.execute("INSERT INTO f_0123 VALUES ('ab', x'00')")
    cache = FeatureCache(tmp_path)
    texts = ["a", "b", "a", "c"]
    computed = cache.transform("values", Values(), texts)
    cache.close()
    cache = FeatureCache(tmp_path)
    read = cache.transform("values", Values(), texts)
    assert (cache.hits, cache.misses) == (4, 0)
    assert computed.tobytes() == read.tobytes()
    names = {n for (n,) in cache.con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not any(n.startswith("f_") for n in names) and len(names - {"extractors"}) == 1
    cache.close()


# --------------------------------------------------------------------------- atomic writes


def _disk_full_after(n_bytes: int):
    """A writer that writes ``n_bytes`` of the content, then fails as a full disk does."""

    def write(tmp):
        with open(tmp, "w") as fh:
            fh.write("id,outlet,text\n" * 100)
            fh.flush()
            fh.truncate(n_bytes)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def test_disk_full_leaves_no_target_and_no_temporary_file(tmp_path):
    target = tmp_path / "t" / "table.csv"
    with pytest.raises(OutputError) as info:
        atomic_write(target, _disk_full_after(40))
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
    assert "No space left on device" in str(info.value) and str(target) in str(info.value)
    assert "\n" not in str(info.value)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_disk_full_keeps_the_previous_content(tmp_path):
    target = tmp_path / "summary.json"
    write_text(target, '{"complete": true}\n')
    with pytest.raises(OutputError):
        atomic_write(target, _disk_full_after(7))
    assert target.read_text() == '{"complete": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_permission_denied_and_other_errors_clean_up(tmp_path, monkeypatch):
    def denied(tmp):
        raise PermissionError(errno.EACCES, "Permission denied", tmp)

    with pytest.raises(OutputError, match="Permission denied"):
        atomic_write(tmp_path / "x.png", denied)

    def bug(tmp):
        Path(tmp).write_text("half")
        raise ValueError("not an OS error")

    with pytest.raises(ValueError):  # programming errors are not disguised as disk errors
        atomic_write(tmp_path / "y.csv", bug)
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_normal_permissions(tmp_path):
    path = write_text(tmp_path / "r.md", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_leftover_temporary_files_are_removed(tmp_path):
    (tmp_path / "figures").mkdir()
    left = [tmp_path / ".summary.json.abc123.part", tmp_path / "figures" / ".x.png.q1w2.part"]
    keep = [tmp_path / "notes.part", tmp_path / "summary.json"]
    for p in [*left, *keep]:
        p.write_text("")
    assert remove_partial_files(tmp_path) == 2
    assert all(not p.exists() for p in left) and all(p.exists() for p in keep)


def test_every_output_writer_goes_through_atomic_write():
    """No module writes an output file directly (the quarantine log and caches excepted)."""
    direct = re.compile(r"\.to_(csv|parquet)\(|\.savefig\(|\.write_(text|bytes)\(")
    allowed = {
        "io.py",  # the writer itself
        "corpora.py",  # fetch: temp + sha256 + rename; the .fetched stamp
        "classifiers.py",  # its own temp + rename writer (_atomic_write, predict_file)
        "embeddings.py",
    }
    offenders = []
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        if path.name in allowed:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if direct.search(line) and "tmp" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


# --------------------------------------------------------------------------- chunk parts


def _failing_parquet(monkeypatch, table: str, chunk: int):
    original = pd.DataFrame.to_parquet

    def to_parquet(self, path, *args, **kwargs):
        if f"{os.sep}{table}{os.sep}.part-{chunk:05d}.parquet." in str(path):
            original(self, path, *args, **kwargs)
            with open(path, "r+b") as fh:
                fh.truncate(100)  # half of the file reached the disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)


def _run(out: Path, *overrides: str):
    cfg = compose_config(["corpus=sample", LIGHT, "plot.formats=[png]", "~compare", *overrides])
    return run_pipeline(cfg, out_dir=out)


def test_disk_full_on_a_part_writes_no_marker_and_resume_redoes_the_chunk(tmp_path, monkeypatch):
    _failing_parquet(monkeypatch, "features", 2)
    with pytest.raises(OutputError, match="part-00002.parquet.*No space left"):
        _run(tmp_path, "chunk_size=10")
    work = tmp_path / "work"
    assert sorted(_markers(work)) == ["part-00000.json", "part-00001.json"]
    assert not (work / "features" / "part-00002.parquet").exists()
    assert (work / "segments" / "part-00002.parquet").exists()  # written before the failure
    assert _partials(tmp_path) == []
    assert not (tmp_path / "summary.json").exists()
    monkeypatch.undo()
    _run(tmp_path, "chunk_size=10")
    assert len(_markers(work)) == 5
    assert len(read_parts(work, "articles")) == 41
    assert read_parts(work, "features")["article_id"].nunique() == 41


def test_marker_is_written_after_every_part(tmp_path, monkeypatch):
    order: list[str] = []
    import analysis.pipeline as P

    for name in ("atomic_write", "write_text"):
        original = getattr(P, name)

        def recording(path, *args, _original=original, **kw):
            if Path(path).parent.name in (*TABLES, "done"):
                order.append(Path(path).parent.name)
            return _original(path, *args, **kw)

        monkeypatch.setattr(P, name, recording)
    _run(tmp_path, "chunk_size=20")
    # per chunk: every table part, then the marker
    k = len(TABLES) + 1
    assert len(order) == 3 * k
    per_chunk = [order[i : i + k] for i in range(0, 3 * k, k)]
    for names in per_chunk:
        assert names[-1] == "done" and sorted(names[:-1]) == sorted(TABLES), order


def test_a_lost_part_makes_its_chunk_redo(tmp_path):
    first = _run(tmp_path, "chunk_size=20")
    work = first.work_dir
    key = json.loads((work / "done" / "part-00001.json").read_text())["key"]
    assert _is_done(work, 1, key)
    assert not _is_done(work, 1, "another-configuration")
    (work / "article_voice" / "part-00001.parquet").unlink()
    assert not _is_done(work, 1, key)
    (work / "done" / "part-00000.json").write_text("{trunc")  # a damaged marker: redo
    assert not _is_done(work, 0, key)
    _run(tmp_path, "chunk_size=20")
    assert len(read_parts(work, "article_voice")["article_id"].unique()) == 41


# --------------------------------------------------------------------------- the command line

FULL_DISK = textwrap.dedent(
    """
    import errno, os
    import pandas as pd
    _to_csv = pd.DataFrame.to_csv
    def to_csv(self, path=None, *a, **k):
        if path is not None and "corpus_counts.csv." in str(path):
            with open(path, "w") as fh:
                fh.write("outlet,le")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _to_csv(self, path, *a, **k)
    pd.DataFrame.to_csv = to_csv
    """
)

READ_ONLY = textwrap.dedent(
    """
    import errno, os, tempfile
    _mkstemp = tempfile.mkstemp
    def mkstemp(*a, dir=None, **k):
        if dir is not None and "readonly" in str(dir):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return _mkstemp(*a, dir=dir, **k)
    tempfile.mkstemp = mkstemp
    """
)


def test_cli_disk_full_keeps_the_previous_outputs(tmp_path):
    out = tmp_path / "out"
    args = ["run", "corpus=sample", LIGHT, "plot.formats=[png]", "~compare", f"output_dir={out}"]
    assert _cli(*args).returncode == 0
    before = (out / "corpus_counts.csv").read_bytes()
    proc = _cli(*args, code=FULL_DISK)
    line = _one_error_line(proc)
    assert "corpus_counts.csv" in line and "No space left on device" in line
    assert proc.returncode == 2
    assert (out / "corpus_counts.csv").read_bytes() == before
    assert _partials(out) == []


def test_cli_read_only_output_dir(tmp_path):
    out = tmp_path / "readonly"
    proc = _cli("run", "corpus=sample", LIGHT, f"output_dir={out}", code=READ_ONLY)
    line = _one_error_line(proc)
    assert "cannot write outputs to" in line and "Read-only file system" in line
    assert "output_dir=PATH" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_cli_read_only_output_dir_for_real(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        proc = _cli("run", "corpus=sample", LIGHT, f"output_dir={out}")
    finally:
        out.chmod(0o755)
    assert "cannot write outputs to" in _one_error_line(proc)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["corpus=nosuch"], "there is no corpus 'nosuch' (configs/corpus/nosuch.yaml)"),
        (["corpus=nosuch"], "(available: allsides, babe"),
        (["corpus=sample", "nosuchkey=1"], "the config has no key nosuchkey (its keys: cache,"),
        (["corpus=sample", "chunk_size=abc"], "chunk_size='abc' is not valid"),
        (["corpus=sample", "chunk_size=0"], "chunk_size must be a whole number >= 1"),
        (["corpus=sample", "executor=local", "executor.n_jobs=two"], "executor.n_jobs='two'"),
        (["corpus=sample", "seed=-1"], "seed must be a whole number >= 0"),
        (["corpus=sample", "compare.n_boot=0"], "compare.n_boot must be a whole number >= 2"),
        (["corpus=sample", "compare.ci=95"], "compare.ci must be a number between 0 and 1"),
        (["experiment=basil_same_story", "compare.alpha=0"], "compare.alpha=0 is not valid"),
        (["compare.voice_tests.pair=[quoted,quote]"], "two different voices of outlet, quoted"),
        (["corpus=sample", "corpus.filters.topic=[x]"], "add it with a leading +, as in +corpus"),
        (["corpus=sample", "features=[vader,nosuch]"], "there is no features 'nosuch'"),
        (["corpus=sample", "features=[vader,nosuch]"], "(available: actors, framing,"),
        (["experiment=security_coverge"], "did you mean security_coverage?"),
        (["corpus.limit=[1"], "'corpus.limit=[1'"),
    ],
)
def test_cli_bad_overrides_are_one_line(overrides, expected, capsys):
    assert cli.main(["run", *overrides]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("framelens: error: ")
    assert expected in err


def test_filter_on_a_field_articles_do_not_have_is_named(capsys):
    """Not 'the corpus selected none of its records' after reading it all."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "corpus=sample", "+corpus.filters.topc=[x]"])
    assert exit_.value.code == 2
    err = _one_line(capsys.readouterr().err)
    assert (
        "the articles have no field 'topc'" in err and "did you mean corpus.filters.topic?" in err
    )


def _one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("framelens: error: "), err
    return err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["features=[vader,nosuch]"], "there is no features 'nosuch'"),
        (["foo=bar"], "the config has no key foo"),
        (["compare.min_article=5"], "did you mean compare.min_articles=5?"),
    ],
)
def test_cli_features_bad_overrides_are_one_line(args, expected, tmp_path, capsys):
    """``framelens features`` turns config errors into messages as ``framelens run`` does."""
    src = tmp_path / "mine.csv"
    src.write_text("id,text\n1,Taxpayers foot the bill.\n")
    cmd = ["features", "--input", str(src), "--output", str(tmp_path / "o.csv"), *args]
    assert cli.main(cmd) == 2
    assert expected in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "o.csv").exists()


def test_cli_output_into_a_closed_pipe_is_quiet():
    """`framelens corpora info sample | head -3` printed a BrokenPipeError traceback when
    head stopped reading; a reader that goes away is not an error."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    prog = "import sys\nfrom analysis.cli import main\nsys.exit(main())\n"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", prog, "corpora", "info", "sample"],
            stdout=write, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.returncode == 141


def test_cli_reproduce_misspelt_experiment_is_one_line(capsys):
    assert cli.main(["reproduce", "security_coverge"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "there is no experiment 'security_coverge'" in err
    assert "did you mean security_coverage?" in err and "available: basil_same_story" in err


def test_cli_reproduce_keep_prints_the_folder(monkeypatch, capsys):
    import analysis.reproduce as R

    def fake_run(cfg, out_dir, command):  # a rerun that writes one file of its own
        (Path(out_dir) / "only_in_rerun.txt").write_text("x")

    monkeypatch.setattr(R, "run_pipeline", fake_run)
    kept = None
    try:
        assert cli.main(["reproduce", "--keep", "basil_same_story"]) == 1
        out = capsys.readouterr().out
        line = next(x for x in out.splitlines() if x.startswith("rerun kept in "))
        kept = Path(line.removeprefix("rerun kept in "))
        assert (kept / "only_in_rerun.txt").is_file()
        assert "new in rerun: only_in_rerun.txt" in out
    finally:
        if kept is not None:
            shutil.rmtree(kept, ignore_errors=True)
    assert cli.main(["reproduce", "basil_same_story"]) == 1  # without --keep: nothing named
    assert "rerun kept" not in capsys.readouterr().out


def test_cli_cache_clear_of_a_missing_folder_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo"
    for action in ("clear", "info"):
        assert cli.main(["cache", action, "--dir", str(missing)]) == 0
        out = capsys.readouterr().out
        assert f"no feature cache and no trained models in {missing} (no such folder)" in out
        assert "removed" not in out.replace("nothing removed", "")
    assert not missing.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["cache", "clear", "--models", "--dir", str(empty)]) == 0
    assert "nothing removed" in capsys.readouterr().out
    assert list(empty.iterdir()) == []


def _descriptor_copy(tmp_path: Path, name: str = "gvfc") -> Path:
    corpora = tmp_path / "corpora"
    (corpora / name).mkdir(parents=True)
    shutil.copy(ROOT / "corpora" / name / "corpus.yaml", corpora / name / "corpus.yaml")
    return corpora


def test_cli_missing_corpus_data_and_missing_mirror(tmp_path):
    env = _env(FRAMELENS_CORPORA=str(_descriptor_copy(tmp_path)))
    env.pop("FRAMELENS_MIRROR", None)
    proc = _cli("run", "corpus=gvfc", f"output_dir={tmp_path / 'o'}", env=env)
    assert proc.returncode == 2
    assert "is not fetched and no mirror is configured" in _one_error_line(proc)
    proc = _cli(
        "run", "corpus=gvfc", f"output_dir={tmp_path / 'o'}", env={**env, "FRAMELENS_MIRROR": "/x"}
    )
    assert proc.returncode == 2
    assert "mirror directory /x does not exist" in _one_error_line(proc)


def test_cli_checksum_mismatch_exits_3(tmp_path, capsys, monkeypatch):
    corpora = _descriptor_copy(tmp_path)
    desc = yaml.safe_load((corpora / "gvfc" / "corpus.yaml").read_text())
    mirror = tmp_path / "mirror"
    for rel in desc["files"]:
        (mirror / "gvfc" / rel).parent.mkdir(parents=True, exist_ok=True)
        (mirror / "gvfc" / rel).write_text("id,text\n1,tampered\n")
    env = _env(FRAMELENS_CORPORA=str(corpora), FRAMELENS_MIRROR=str(mirror))
    proc = _cli("run", "corpus=gvfc", f"output_dir={tmp_path / 'o'}", env=env)
    assert proc.returncode == 3
    assert "checksum mismatch" in _one_error_line(proc)
    assert not any((corpora / "gvfc").rglob("*.csv"))  # nothing unverified was kept
    monkeypatch.setenv("FRAMELENS_CORPORA", str(corpora))
    monkeypatch.setenv("FRAMELENS_MIRROR", str(mirror))
    assert cli.main(["corpora", "fetch", "gvfc"]) == 3
    assert cli.main(["corpora", "verify", "gvfc"]) == 3
    lines = capsys.readouterr()
    assert lines.err.count("\n") == 1 and "checksum mismatch" in lines.err
    assert "FAILED" in lines.out and "checksum mismatch" in lines.out


def test_framelens_errors_keep_their_exit_codes():
    assert issubclass(OutputError, FramelensError) and OutputError.exit_code == 2


# ------------------------------------------------------------ scale review (session 31)


def _jsonl_corpus(path: Path, lean: str = "left", n: int = 12) -> Path:
    rows = [
        {"id": f"a{i}", "outlet": f"Outlet {i % 3}", "lean": lean,
         "text": f"Officials said on Monday that the plan number {i} was a disaster for all."}
        for i in range(n)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_an_edited_corpus_file_is_not_resumed_from_its_old_results(tmp_path):
    """Same ids, another lean: the chunks are redone, so the tables say the new lean (the
    resume key held the ids only, and a rerun kept the old tables under the new checksum)."""
    from analysis.pipeline import read_parts

    data = _jsonl_corpus(tmp_path / "mine.jsonl")
    args = [f"corpus.path={data}", "corpus=custom", "chunk_size=5"]
    first = _run(tmp_path / "out", *args)
    assert set(read_parts(first.work_dir, "articles")["lean"]) == {"left"}
    _jsonl_corpus(data, lean="right")
    second = _run(tmp_path / "out", *args)
    assert set(read_parts(second.work_dir, "articles")["lean"]) == {"right"}
    # unchanged, it is resumed: no part is written again
    parts = {p: p.stat().st_mtime_ns for p in (second.work_dir / "articles").glob("*.parquet")}
    _run(tmp_path / "out", *args)
    assert {p: p.stat().st_mtime_ns for p in parts} == parts


def test_a_second_run_in_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    """Two runs writing one work folder would mix their parts: the second stops at once,
    naming the first; the lock goes with the process, so the next run proceeds."""
    from analysis.pipeline import run_lock

    work = tmp_path / "work"
    with (
        run_lock(work),
        pytest.raises(FramelensError, match=r"another framelens run \(pid \d+\) is writing to"),
    ):
        _run(tmp_path, "chunk_size=50")
    assert (_run(tmp_path, "chunk_size=50").out_dir / "report.md").is_file()


def test_local_workers_ignore_ctrl_c_and_exit_when_their_driver_is_gone(tmp_path):
    """The driver handles Ctrl-C (workers taking it too hung its shutdown); a worker whose
    driver was killed exits instead of running on as an orphan."""
    import subprocess
    import sys

    script = (
        "import os, signal, sys, time\n"
        "from analysis.pipeline import _local_worker_init\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    _local_worker_init(1)  # not its parent's pid: under forkserver it is not\n"
        "    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN\n"
        "    print(os.getpid(), flush=True)\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "time.sleep(2.5)  # the worker lives while its parent does\n"
        "os._exit(0)  # the driver dies without a word\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    child = int(out.stdout.split()[0])
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(child, 9)
        pytest.fail("the worker outlived its driver by 10 s")


def test_a_damaged_cache_row_is_computed_again_and_a_cache_folder_that_cannot_be_made_warns(
    tmp_path, caplog
):
    from analysis.features.framing import FrameShare

    est = FrameShare(lexicon="issue_frames", prefix="issue").fit([""])
    texts = ["Taxpayers foot the bill.", "Chaos at the airport."]
    expected = est.transform(texts)
    cache = FeatureCache(tmp_path / "c")
    cache.transform("issue_frames", est, texts)
    table = next(iter(cache._tables))
    with cache.con:  # one row's bytes damaged on disk: zlib cannot read it
        first = cache.con.execute(f"SELECT h FROM {table} LIMIT 1").fetchone()[0]
        cache.con.execute(f"UPDATE {table} SET v = ? WHERE h = ?", (b"x\x01garbage", first))
    again = FeatureCache(tmp_path / "c")
    assert (again.transform("issue_frames", est, texts) == expected).all()
    assert again.misses == 1 and again.failed is None  # that row only, written over
    (tmp_path / "afile").write_text("not a folder")
    blocked = FeatureCache(tmp_path / "afile" / "sub")
    with caplog.at_level("WARNING", logger="framelens"):
        assert (blocked.transform("issue_frames", est, texts) == expected).all()
    assert blocked.failed.startswith(("NotADirectoryError", "FileExistsError"))
    assert "cannot be used" in caplog.records[0].getMessage()


def test_duplicate_ids_are_one_quarantine_category(tmp_path):
    from analysis.corpora import _reason_kind

    assert _reason_kind("duplicate id 'a0' (first seen at x.jsonl:1)") == "duplicate id"
    assert _reason_kind('duplicate id "b" (first seen at x.jsonl:2)') == "duplicate id"
    assert _reason_kind("missing text: the record has no 'text' field") == "missing text"
    # ids holding ':' or ' (' (URLs, timestamps) are one category too
    assert _reason_kind("duplicate id 'http://x.com/a (b)' (first seen at x:1)") == "duplicate id"
    assert _reason_kind("duplicate id '2021-05-01:3' (first seen at x:2)") == "duplicate id"


def test_a_full_disk_while_writing_the_quarantine_is_one_clear_error(tmp_path, monkeypatch):
    import builtins
    import errno

    from analysis.corpora import QuarantineWriter

    writer = QuarantineWriter(tmp_path / "q.jsonl")
    real_open = builtins.open

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self):
            self.fh.close()

    monkeypatch.setattr(builtins, "open", lambda *a, **k: Full(real_open(*a, **k)))
    with pytest.raises(FramelensError, match=r"cannot write the quarantine file .*q\.jsonl \(No space left on device\): free some space"):  # fmt: skip
        writer.write("c", "t", "x:1", "empty text", {"id": "x"})


def test_chunk_keys_hash_nested_extra_fields_and_are_stable():
    """A list or mapping in an extra field (unhashable for pandas) is hashed by its JSON;
    the key is the same for equal chunks and moves with any value."""
    from analysis.pipeline import _chunk_key

    chunk = pd.DataFrame(
        {"id": ["a", "b"], "tags": [["x", "y"], {"k": 1}], "lean": [None, np.nan], "n": [1, "s"]}
    )
    key = _chunk_key(chunk, "stages")
    assert key == _chunk_key(chunk.copy(), "stages")
    edited = chunk.copy()
    edited.at[0, "tags"] = ["x", "z"]
    assert _chunk_key(edited, "stages") != key
    assert _chunk_key(chunk, "other stages") != key


def test_a_model_of_your_own_file_is_named_by_the_whole_file_name():
    from analysis.classify_cli import _run_name

    assert _run_name("irony", {"corpus": {}}) == "irony"
    names = {f: _run_name("irony", {"corpus": {"path": f}}) for f in ["news.2020.csv", "news.2021.csv", "my file.jsonl.gz", ".hidden.csv"]}  # fmt: skip
    assert names == {"news.2020.csv": "irony-news.2020", "news.2021.csv": "irony-news.2021",
                     "my file.jsonl.gz": "irony-my_file", ".hidden.csv": "irony-hidden"}  # fmt: skip


def test_highlight_reference_must_be_a_numeric_column():
    from analysis.errors import ConfigError
    from analysis.outlets import highlight_reference

    ref = pd.DataFrame({"article_id": ["a", "b"], "outlet": ["X", "Y"]})
    with pytest.raises(ConfigError, match="is not a numeric feature column"):
        highlight_reference(ref, "outlet")


def test_cli_reproduce_reruns_the_run_in_a_folder(tmp_path, capsys):
    """An ad-hoc or custom run is reproduced from its own folder (config.yaml and the
    manifest's command); a folder that is not a finished run's says what is missing."""
    from analysis.pipeline import run_pipeline
    from analysis.run import compose_config

    out = tmp_path / "mine"
    cfg = compose_config(["corpus=sample", "features=[vader,irony_cues]", "plot.formats=[png]",
                          "compare.n_boot=50"])  # fmt: skip
    run_pipeline(cfg, out_dir=out, command="framelens run corpus=sample ...")
    assert cli.main(["reproduce", str(out)]) == 0
    assert f"{out}: identical" in capsys.readouterr().out
    # how it executes may change (another executor, the cache off); what it computes not
    assert cli.main(["reproduce", str(out), "executor=local", "cache.enabled=false"]) == 0
    assert f"{out}: identical" in capsys.readouterr().out
    assert cli.main(["reproduce", str(out), "seed=3"]) != 0
    assert "'seed=3' is not taken when rerunning the run in" in _one_line(capsys.readouterr().err)
    (out / "corpus_counts.csv").write_text("outlet,articles\nX,1\n")
    assert cli.main(["reproduce", str(out)]) == 1
    assert "changed: corpus_counts.csv" in capsys.readouterr().out
    (out / "manifest.json").unlink()
    assert cli.main(["reproduce", str(out)]) != 0
    assert "has no manifest.json: it is not the output folder of a finished" in _one_line(
        capsys.readouterr().err
    )


def test_cli_reproduce_of_a_file_or_a_missing_path_says_what_it_wants(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert cli.main(["reproduce", str(afile)]) != 0
    err = _one_line(capsys.readouterr().err)
    assert f"{afile} is a file: give the output folder of a run" in err
    assert cli.main(["reproduce", str(tmp_path / "nope")]) != 0
    assert "does not exist: give the output folder" in _one_line(capsys.readouterr().err)

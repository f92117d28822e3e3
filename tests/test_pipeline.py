"""The runner end to end on the committed sample corpus: outputs, determinism, resume."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from analysis.pipeline import LOCK_NAME, _fill_parts, read_parts, run_pipeline
from analysis.run import compose_config

ROOT = Path(__file__).resolve().parent.parent


LIGHT = "features=[irony_cues,issue_frames]"  # enough to exercise the feature stage quickly


def _run(tmp: Path, *overrides: str, formats: str = "[png]", features: str = LIGHT):
    cfg = compose_config(["corpus=sample", f"plot.formats={formats}", features, *overrides])
    return run_pipeline(cfg, out_dir=tmp)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("run"), formats="[png,pdf,svg]")


def test_default_features_run_on_the_sample(tmp_path):
    """The default composition (all default features) end to end, per voice; the
    researcher's notes in the config close the report."""
    note = "The mockery sits in the embedded posts."
    cfg = compose_config(["corpus=sample", "plot.formats=[png]", f"compare.notes=['{note}']"])
    result = run_pipeline(cfg, out_dir=tmp_path)
    report = (result.out_dir / "report.md").read_text()
    assert f"## Reading the results\n\n- {note}\n\n## Tables" in report
    av = read_parts(result.work_dir, "article_voice")
    worked = av[av["article_id"] == "000_3cce98ca88fb24fd"].set_index("voice")
    # the mockery sits in the embedded posts, not in the outlet's prose
    assert worked.loc["social", "irony_sarcastic_gratitude"] > 0
    assert worked.loc["outlet", "irony_sarcastic_gratitude"] == 0
    assert (
        worked.loc["social", "issue_cost_to_taxpayer"]
        > worked.loc["outlet", "issue_cost_to_taxpayer"]
    )
    assert worked.loc["outlet", "actor_taliban__militants"] > 0
    assert worked.loc["outlet", "actor_taliban__insurgents"] > 0
    assert worked.loc["outlet", "hedging_distancing"] > 0
    assert {"vader_compound_mean", "frame_economic", "style_caps_ratio"} <= set(av.columns)


def test_forest_features_by_count_or_by_name(tmp_path):
    """compare.forest_features / lean_forest_features: the first N features, or a list."""
    result = _run(tmp_path, "compare.min_articles=1", "compare.n_boot=50",
                  "compare.forest_features=[irony_scare_quotes]",
                  "compare.lean_forest_features=2")  # fmt: skip
    figures = {p.stem for p in (result.out_dir / "figures").glob("forest_*.png")}
    first_two = ["irony_sarcastic_gratitude", "irony_scare_quotes"]  # of the LIGHT features
    lean = {f"forest_lean_{f}" for f in first_two}
    assert figures == {"forest_outlet_irony_scare_quotes"} | lean


def test_run_writes_outputs(sample_run):
    out = sample_run.out_dir
    for rel in ("config.yaml", "corpus_counts.csv", "summary.json", "report.md"):
        assert (out / rel).is_file(), rel
    for name in ("outlet_counts", "voice_shares"):
        for ext in ("png", "pdf", "svg", "csv"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 0
    counts = pd.read_csv(out / "corpus_counts.csv")
    assert counts["articles"].sum() == 41
    # no sample outlet reaches compare.min_articles: the report says so and how to change it
    assert "No outlet has 20 articles or more" in (out / "report.md").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["load"]["loaded"] == 41 and summary["load"]["quarantined"] == 0
    assert summary["segments"]["per_voice"]["social"] > 0
    report = (out / "report.md").read_text()
    assert "Records read: 41; loaded: 41; quarantined: 0" in report
    assert "![voice_shares](figures/voice_shares.png)" in report


def test_segments_are_written_with_the_run(sample_run):
    segments = read_parts(sample_run.work_dir, "segments")
    assert set(segments["article_id"]) >= {"000_3cce98ca88fb24fd"}
    worked = segments[segments["article_id"] == "000_3cce98ca88fb24fd"]
    assert (worked["kind"] == "embedded_post").sum() == 6


def test_rerun_is_byte_identical(sample_run, tmp_path):
    again = _run(tmp_path, formats="[png,pdf,svg]")
    first, second = sample_run.out_dir, again.out_dir
    files = sorted(
        p.relative_to(first) for p in first.rglob("*") if p.is_file() and "work" not in p.parts
    )
    assert files == sorted(
        p.relative_to(second) for p in second.rglob("*") if p.is_file() and "work" not in p.parts
    )
    differ = [
        str(rel)
        for rel in files
        if rel.name not in ("config.yaml", "manifest.json")
        and (first / rel).read_bytes() != (second / rel).read_bytes()
    ]
    assert differ == []
    # the manifests differ only in the config's checksum (it names the output folder)
    a, b = (json.loads((d / "manifest.json").read_text()) for d in (first, second))
    assert a.pop("outputs").keys() == b.pop("outputs").keys() and a == b


def test_manifest_says_what_the_outputs_were_made_from(sample_run):
    import hashlib
    from importlib import metadata

    from analysis.corpora import get_descriptor
    from analysis.provenance import diff_manifests
    from analysis.reproduce import compare_dirs

    out = sample_run.out_dir
    manifest = json.loads((out / "manifest.json").read_text())
    written = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file()
        and "work" not in p.relative_to(out).parts
        and p.name not in ("manifest.json", LOCK_NAME)  # the run's lock: not an output
    )
    assert sorted(manifest["outputs"]) == written
    for rel, entry in manifest["outputs"].items():
        data = (out / rel).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert manifest["libraries"]["pandas"] == pd.__version__
    assert manifest["libraries"]["scikit-learn"] == metadata.version("scikit-learn")
    assert "pytest" not in manifest["libraries"]  # dependencies only, not the dev extra
    assert manifest["data"]["sample/articles"]["files"] == get_descriptor("sample").files
    assert set(manifest["lexicons"]) >= {"irony_cues.yaml", "issue_frames.yaml"}
    # what reproduce says when an input moved
    moved = json.loads(json.dumps(manifest))
    moved["libraries"]["pandas"] = "0.0.1"
    moved["outputs"]["report.md"]["sha256"] = "0" * 64
    assert diff_manifests(manifest, moved) == [f"libraries.pandas: {pd.__version__} -> 0.0.1"]
    moved_dir = out.parent / "moved"
    shutil.copytree(out, moved_dir, ignore=shutil.ignore_patterns("work"))
    (moved_dir / "manifest.json").write_text(json.dumps(moved))
    (moved_dir / "corpus_counts.csv").write_text("outlet,lean,articles\nX,left,1\n")
    # the moved input first: it explains the rest
    assert compare_dirs(out, moved_dir) == [
        f"inputs changed (manifest.json):\n    libraries.pandas: {pd.__version__} -> 0.0.1",
        "changed: corpus_counts.csv\n    rows changed: "
        f"{len(pd.read_csv(out / 'corpus_counts.csv'))} -> 1",
    ]
    # a config that differs in how the run executed (cache, executor, folders) is no
    # difference, and neither is the manifest that lists its checksum; a setting is named
    shutil.copy(out / "corpus_counts.csv", moved_dir / "corpus_counts.csv")
    shutil.copy(out / "manifest.json", moved_dir / "manifest.json")
    config = (out / "config.yaml").read_text()
    assert "\ncache:\n  enabled: true\n" in config and "output_dir:" in config
    executed = config.replace("\ncache:\n  enabled: true\n", "\ncache:\n  enabled: false\n")
    (moved_dir / "config.yaml").write_text(executed.replace("output_dir:", "output_dir: /x #"))
    assert compare_dirs(out, moved_dir) == []
    (moved_dir / "config.yaml").write_text(config.replace("seed: 13", "seed: 14"))
    (said,) = compare_dirs(out, moved_dir)
    assert said.startswith("changed: config.yaml\n") and "\n    seed: 13 -> 14" in said


def test_resume_skips_finished_chunks(tmp_path):
    first = _run(tmp_path, "chunk_size=10")
    parts = sorted((first.work_dir / "done").glob("part-*.json"))
    assert len(parts) == 5  # 41 articles in chunks of 10
    # pretend the run died before chunk 3 and 4 were finished
    for i in (3, 4):
        (first.work_dir / "done" / f"part-{i:05d}.json").unlink()
        (first.work_dir / "segments" / f"part-{i:05d}.parquet").unlink()
    before = {p.name: p.stat().st_mtime_ns for p in (first.work_dir / "segments").glob("*.parquet")}
    second = _run(tmp_path, "chunk_size=10")
    after = {p.name: p.stat().st_mtime_ns for p in (second.work_dir / "segments").glob("*.parquet")}
    assert all(after[name] == t for name, t in before.items())  # finished chunks untouched
    assert len(after) == 5
    assert len(read_parts(second.work_dir, "articles")) == 41


def test_changed_config_does_not_reuse_parts(tmp_path):
    _run(tmp_path, "chunk_size=10")
    second = _run(tmp_path, "chunk_size=20")
    assert len(list((second.work_dir / "done").glob("part-*.json"))) == 3


def test_local_executor_gives_the_same_tables(sample_run, tmp_path):
    local = _run(tmp_path, "executor=local", "executor.n_jobs=2", "chunk_size=10")
    for name in ("corpus_counts.csv", "voice_shares_by_lean.csv", "segments_by_kind.csv"):
        assert (local.out_dir / name).read_bytes() == (sample_run.out_dir / name).read_bytes(), name


def test_quarantine_file_from_a_custom_corpus(tmp_path):
    src = tmp_path / "mine.jsonl"
    src.write_text(
        '{"id": "a", "outlet": "X", "text": "Fine article.\\n\\nSecond paragraph."}\n'
        '{"id": "b", "outlet": "X", "text": ""}\n'
        "not json\n"
    )
    cfg = compose_config(["corpus=custom", f"corpus.path={src}"])
    result = run_pipeline(cfg, out_dir=tmp_path / "out")
    assert result.report.loaded == 1 and result.report.quarantined == 2
    lines = (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()
    assert [json.loads(x)["reason"].split(":")[0] for x in lines] == ["empty text", "invalid JSON"]


def test_outlets_of_a_corpus_without_leans_are_tested(tmp_path):
    """A researcher's own corpus names outlets but no leans: the outlets are still compared
    with tests (Kruskal-Wallis, then pairs where they differ), not only with intervals."""
    src = tmp_path / "mine.csv"
    loud = "What a disgraceful, shameful, outrageous fiasco! The reckless plan is a disaster!"
    calm = "The committee met on Tuesday. It reviewed the budget and adjourned at noon."
    rows = [
        {"id": f"{o}{i}", "source": o, "body": (loud if o == "Loud" else calm) + f" Item {i}."}
        for o in ("Loud", "Calm A", "Calm B") for i in range(25)
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(src, index=False)
    base = ["corpus=custom", f"corpus.path={src}", "corpus.fields.outlet=source",
            "corpus.fields.text=body", "plot.formats=[png]", "features=[vader]",
            "compare.n_boot=50"]  # fmt: skip
    out = run_pipeline(compose_config(base), out_dir=tmp_path / "out").out_dir
    omnibus = pd.read_csv(out / "outlet_tests.csv").set_index("feature")
    assert omnibus.loc["vader_compound_mean", "reject"]
    assert omnibus.loc["vader_compound_mean", "lowest"] == "Loud"
    pairs = pd.read_csv(out / "outlet_pairwise_tests.csv")
    mean = pairs[pairs["feature"] == "vader_compound_mean"]
    assert mean["reject"].tolist() == [False, True, True]  # Calm A vs Calm B: no difference
    report = (out / "report.md").read_text()
    assert "leans: none." in report and "Differences between the 3 outlets compared" in report
    assert "| outlet | vader_compound_mean | 3 | 75 |" in report
    # the forest plot's caption carries the test of the outlets it shows
    caption = next(ln for ln in report.splitlines() if ln.startswith("`vader_compound_mean` in"))
    assert "Do the outlets differ? Kruskal-Wallis, epsilon² " in caption
    assert "topic held fixed" not in caption  # the corpus gives no topics
    off = run_pipeline(
        compose_config([*base, "compare.outlet_tests=false"]), out_dir=tmp_path / "off"
    )
    assert not (off.out_dir / "outlet_tests.csv").exists()


def _cli(
    *args: str, env: dict | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
        timeout=300,
    )


def test_cli_run_on_sample_end_to_end(tmp_path):
    proc = _cli("run", "corpus=sample", f"output_dir={tmp_path / 'out'}")
    assert proc.returncode == 0, proc.stderr
    assert "sample/articles: read 41 records: loaded 41, quarantined 0" in proc.stderr
    assert (tmp_path / "out" / "report.md").is_file()


def test_an_unusable_feature_cache_is_named_once_per_run_not_per_worker(tmp_path):
    """Two local workers and a cache folder that cannot be made: one warning, from the
    driver, and the features are computed without the cache."""
    blocker = tmp_path / "a-file"  # a folder below a file cannot be made, even by root
    blocker.write_text("")
    proc = _cli(
        "run", "corpus=sample", LIGHT, "executor=local", "executor.n_jobs=2", "chunk_size=20",
        "cache.enabled=true", f"cache.dir={blocker / 'cache'}", f"output_dir={tmp_path / 'out'}",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    warnings = [ln for ln in proc.stderr.splitlines() if "cannot be used" in ln]
    assert len(warnings) == 1 and "this run computes every feature without it" in warnings[0]
    assert len(pd.read_parquet(tmp_path / "out" / "work" / "features")) > 0


def test_cli_hydra_run_dir_is_the_output_folder(tmp_path):
    """A Hydra user's `hydra.run.dir=PATH` puts the outputs there, as output_dir=PATH does."""
    proc = _cli("run", "corpus=sample", "features=[vader]", f"hydra.run.dir={tmp_path / 'h'}")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "h" / "report.md").is_file()
    assert f"outputs in {tmp_path / 'h'}" in proc.stderr


def test_cli_user_errors_are_one_line(tmp_path):
    proc = _cli(
        "run", "corpus=custom", f"corpus.path={tmp_path / 'missing.csv'}", f"output_dir={tmp_path}"
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "does not exist" in proc.stderr
    proc = _cli("corpora", "fetch", "nosuch")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "known corpora" in proc.stderr


def test_cli_unwritable_output_dir(tmp_path):
    # a path below a regular file cannot be created, even by root
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = _cli("run", "corpus=sample", f"output_dir={blocker / 'out'}")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "cannot write outputs" in proc.stderr and "output_dir=PATH" in proc.stderr


def test_cli_corpora_verify_and_info(mirror):
    env = {"FRAMELENS_MIRROR": str(mirror)}
    proc = _cli("corpora", "verify", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    oks = [line for line in proc.stdout.splitlines() if ": OK (" in line]
    assert len(oks) == 8  # seven mirrored corpora + the bundled sample
    proc = _cli("corpora", "info", "allsides", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "13,727  right" in proc.stdout and "CNN (Web News)" in proc.stdout
    assert "elections" in proc.stdout


def _boom(self, articles):
    if "000_3cce98ca88fb24fd" in set(articles["id"]):
        raise RuntimeError("simulated worker crash")
    return _ORIGINAL_SEGMENT_TABLE(self, articles)


from analysis.segment import Segmenter  # noqa: E402

_ORIGINAL_SEGMENT_TABLE = Segmenter.segment_table


@pytest.mark.parametrize("executor", ["serial", "local"])
def test_worker_failure_names_articles_and_run_resumes(tmp_path, monkeypatch, executor):
    from analysis.pipeline import ChunkFailed

    monkeypatch.setattr(Segmenter, "segment_table", _boom)  # local workers fork and inherit it
    overrides = ["chunk_size=10", f"executor={executor}", "executor.n_jobs=2"]
    with pytest.raises(ChunkFailed, match="000_3cce98ca88fb24fd") as info:
        _run(tmp_path, *overrides)
    assert "run the same command again to resume" in str(info.value)
    done_before = len(list((tmp_path / "work" / "done").glob("*.json")))
    monkeypatch.setattr(Segmenter, "segment_table", _ORIGINAL_SEGMENT_TABLE)
    result = _run(tmp_path, *overrides)
    assert len(read_parts(result.work_dir, "articles")) == 41
    assert done_before >= 0


def test_resume_instruction_names_a_clock_named_output_folder(tmp_path):
    """The default output folder is named by the clock, so "the same command" would start
    over in a new one: the instruction then names this run's folder."""
    from analysis.pipeline import resume_instruction

    cfg = compose_config(["corpus=sample"])
    out = Path(cfg.output_dir)
    assert resume_instruction(cfg, out) == (f"run the same command with output_dir={out} to resume")
    fixed = compose_config(["corpus=sample", f"output_dir={tmp_path}"])
    assert resume_instruction(fixed, tmp_path) == "run the same command again to resume"
    assert resume_instruction(cfg, tmp_path, out_dir=tmp_path).endswith("again to resume")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_tables(sample_run, tmp_path):
    pytest.importorskip("distributed")
    result = _run(tmp_path, "executor=dask", "executor.n_workers=2", "chunk_size=10")
    for name in ("corpus_counts.csv", "voice_shares_by_lean.csv", "segments_by_kind.csv"):
        assert (result.out_dir / name).read_bytes() == (sample_run.out_dir / name).read_bytes(), (
            name
        )


@pytest.mark.slow
def test_dask_existing_cluster_by_address(sample_run, tmp_path):
    """``executor.address`` runs on a cluster someone else started (here a 2-worker
    LocalCluster on loopback), gives the same tables, and leaves that cluster running."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        result = _run(tmp_path, "executor=dask", f"executor.address={cluster.scheduler_address}",
                      "chunk_size=10")  # fmt: skip
        for name in ("corpus_counts.csv", "voice_shares_by_lean.csv", "segments_by_kind.csv"):
            assert (result.out_dir / name).read_bytes() == (
                sample_run.out_dir / name
            ).read_bytes(), name
        with distributed.Client(cluster.scheduler_address, timeout="10s") as client:
            assert len(client.scheduler_info()["workers"]) == 2  # not shut down by the run
            # and the run's own connection to it was closed: only this client is left
            names = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.clients))
            assert [n for n in names if n != "fire-and-forget"] == [client.id], names


def _driver_marker():
    import analysis.pipeline

    return getattr(analysis.pipeline, "_test_driver_marker", None)


def _sigint_kept_out() -> bool:
    """Ctrl-C cannot reach this process: blocked (forked workers) or ignored (spawned)."""
    import signal

    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    return blocked or signal.getsignal(signal.SIGINT) == signal.SIG_IGN


@pytest.mark.slow
@pytest.mark.parametrize(("method", "inherited"), [("fork", True), ("spawn", False)])
def test_dask_local_cluster_start_method(monkeypatch, method, inherited):
    """executor.start_method: forked workers start with the driver's state (its imported
    modules); spawned ones import everything afresh. Either way Ctrl-C cannot reach them
    (the driver handles it), and reaches the driver again once the cluster is up."""
    pytest.importorskip("distributed")
    import analysis.pipeline
    from analysis.pipeline import _dask_client

    monkeypatch.setattr(analysis.pipeline, "_test_driver_marker", "driver", raising=False)
    client, owned = _dask_client(OmegaConf.create({"n_workers": 1, "start_method": method}))
    try:
        seen = set(client.run(_driver_marker).values())
        kept_out = set(client.run(_sigint_kept_out).values())
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    assert owned and seen == ({"driver"} if inherited else {None})
    assert kept_out == {True} and not _sigint_kept_out()
    state_machine = logging.getLogger("distributed.worker.state_machine")
    assert analysis.pipeline._quiet_cancelled in state_machine.filters


@pytest.mark.slow
def test_ctrl_c_while_a_local_cluster_starts_stops_the_run(tmp_path):
    """Ctrl-C pressed while the LocalCluster starts (it used to be ignored there) reaches
    the driver once the cluster is up, which closes it: no worker is left behind."""
    pytest.importorskip("distributed")
    script = (
        "import os, signal, threading, time\n"
        "import psutil\n"
        "from omegaconf import OmegaConf\n"
        "from analysis.pipeline import _dask_client\n"
        "def press():\n"
        "    time.sleep(0.05)\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "threading.Thread(target=press, daemon=True).start()\n"
        "try:\n"
        "    _dask_client(OmegaConf.create({'n_workers': 2}))\n"
        "    print('not interrupted')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
        "deadline = time.time() + 10\n"
        "while psutil.Process().children(recursive=True) and time.time() < deadline:\n"
        "    time.sleep(0.1)\n"
        "print('children', len(psutil.Process().children(recursive=True)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert out.stdout.split("\n")[:2] == ["interrupted", "children 0"], out.stdout + out.stderr


def test_dask_workers_do_not_warn_about_the_chunks_a_stopped_run_cancels():
    """Ctrl-C closes the cluster with chunks still running; each worker's "Async instruction
    ... ended with CancelledError" warning is filtered (forked workers inherit the filter)."""
    import logging

    from analysis.pipeline import _quiet_cancelled

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("distributed.worker.state_machine", 30, "", 0, msg, None, None)

    assert not _quiet_cancelled(record("Async instruction for <Task> ended with CancelledError"))
    assert _quiet_cancelled(record("Unhandled exception in async instruction for <Task>"))


def test_dask_unknown_start_method_is_a_clear_error():
    pytest.importorskip("distributed")
    from analysis.errors import FramelensError
    from analysis.pipeline import _dask_client

    with pytest.raises(FramelensError, match=r"executor.start_method='forks' is not available"):
        _dask_client(OmegaConf.create({"start_method": "forks"}))


def test_dask_unreachable_scheduler_is_a_clear_error(tmp_path):
    pytest.importorskip("distributed")
    from analysis.errors import FramelensError

    with pytest.raises(
        FramelensError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
    ):
        _run(tmp_path, "executor=dask", "executor.address=tcp://127.0.0.1:9",
             "executor.timeout=2s")  # fmt: skip


def test_irony_probability_runs_from_the_config_alone(tmp_path, monkeypatch, tiny_irony_overrides):
    """irony_probability with no model file: the driver trains the irony classifier once
    (here on the 48-row fixture), forked workers inherit it, a second run reuses the file."""
    monkeypatch.setenv("FRAMELENS_CACHE", str(tmp_path / "cache"))
    cfg = compose_config(["corpus=sample", "plot.formats=[png]", "executor=local",
                          "features=[irony_cues,irony_probability]"])  # fmt: skip
    cfg.features.irony_probability.train_overrides = tiny_irony_overrides()
    result = run_pipeline(cfg, out_dir=tmp_path / "a")
    models = list((tmp_path / "cache" / "models").glob("irony-*/irony.skops"))
    assert len(models) == 1
    av = read_parts(result.work_dir, "article_voice")
    scored = av["irony_probability"].dropna()
    assert len(scored) >= 40 and scored.between(0, 1).all() and scored.nunique() > 10
    stamp = models[0].stat().st_mtime_ns
    again = run_pipeline(cfg, out_dir=tmp_path / "b")
    assert list((tmp_path / "cache" / "models").glob("irony-*/irony.skops")) == models
    assert models[0].stat().st_mtime_ns == stamp
    pd.testing.assert_frame_equal(read_parts(again.work_dir, "article_voice"), av)


def test_feature_training_corpus_is_checked_before_any_chunk(tmp_path):
    """A feature that trains on a corpus (marked_words reads BABE) stops the run up front,
    naming the feature and the corpus, when that corpus cannot be had."""
    from analysis.errors import FramelensError

    with pytest.raises(FramelensError, match=r"feature 'marked_words' trains on corpus 'nope'"):
        _run(tmp_path, "features.marked_words.corpus=nope",
             features="features=[vader,marked_words]")  # fmt: skip
    assert not list((tmp_path / "work").glob("*/part-*"))


@pytest.mark.parametrize("executor", ["executor=serial", "executor=local"])
def test_feature_stage_is_built_before_any_chunk(tmp_path, executor):
    """The extractors are set up once in the driver before any work (forked workers inherit
    them): a missing irony model stops the run with its message, not as a failed chunk."""
    from analysis.errors import FramelensError

    with pytest.raises(
        FramelensError, match=r"could not be set up \(FileNotFoundError: No irony model"
    ):
        _run(tmp_path, executor, f"features.irony_probability.model={tmp_path / 'none.skops'}",
             features="features=[vader,irony_probability]")  # fmt: skip
    assert not list((tmp_path / "work").glob("*/part-*"))


def test_filter_that_selects_nothing_is_a_clear_error(tmp_path):
    from analysis.errors import FramelensError

    with pytest.raises(FramelensError, match=r"selected none of the 41 records.*corpora info"):
        _run(tmp_path, "+corpus.filters.topic=[no_such_topic]")
    proc = _cli("run", "corpus=sample", "+corpus.filters.lean=[nowhere]", f"output_dir={tmp_path}")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().endswith("lists the values of each field")
    assert not (tmp_path / "report.md").exists()


def test_read_parts_equals_concatenating_the_parts(tmp_path):
    """The in-place reader gives exactly ``pd.concat`` of the parts, and falls back to it when
    the parts' column types differ (here a float column that one part holds as strings)."""
    run = _run(tmp_path / "run", "chunk_size=10")
    for table in ("article_voice", "segments", "articles"):
        parts = sorted((run.work_dir / table).glob("part-*.parquet"))
        assert len(parts) == 5 and _fill_parts(parts, None) is not None  # built in place
        expected = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(read_parts(run.work_dir, table), expected)
        columns = list(expected.columns[[0, 2, -1]])
        pd.testing.assert_frame_equal(read_parts(run.work_dir, table, columns), expected[columns])
    mixed = tmp_path / "article_voice"
    mixed.mkdir()
    a = pd.DataFrame({"article_id": ["a", "b"], "x": [1.5, float("nan")], "n": [1, 2]})
    b = pd.DataFrame({"article_id": ["c"], "x": ["2.5"], "n": [3]})
    a.to_parquet(mixed / "part-00000.parquet")
    b.to_parquet(mixed / "part-00001.parquet")
    assert _fill_parts(sorted(mixed.glob("*.parquet")), None) is None
    got = read_parts(tmp_path, "article_voice")
    pd.testing.assert_frame_equal(got, pd.concat([a, b], ignore_index=True))
    assert got["n"].tolist() == [1, 2, 3] and got["x"].tolist()[2] == "2.5"


def test_files_left_from_an_earlier_run_are_named(tmp_path):
    """A figure an earlier config drew stays in the folder (nothing is deleted), but the
    run says it did not write it."""
    import logging

    _run(tmp_path)
    (tmp_path / "figures" / "forest_outlet_old_feature.png").write_bytes(b"png")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # the framelens logger may or may not propagate
    logger = logging.getLogger("framelens")
    logger.addHandler(handler)
    try:
        _run(tmp_path)
    finally:
        logger.removeHandler(handler)
    stale = [r.getMessage() for r in records if "not written by this run" in r.getMessage()]
    assert len(stale) == 1 and stale[0].endswith(
        "figures/forest_outlet_old_feature.png. Delete them, or run into a fresh output_dir."
    )
    assert (tmp_path / "figures" / "forest_outlet_old_feature.png").is_file()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "figures/forest_outlet_old_feature.png" not in manifest["outputs"]


def test_weighted_means_of_a_group_do_not_depend_on_the_other_groups():
    """A corpus scored in chunks of any size gives the same bits: each article's weighted
    mean adds its own segments only. Ids whose sorted order is not the table's, as with real
    ones: pandas' grouped sum changed the last digits of many of these groups between the
    whole table and its second half."""
    import numpy as np

    from analysis.pipeline import char_weighted_means

    rng = np.random.default_rng(1)
    parts = []
    for a in range(200):
        k = int(rng.integers(5, 60))
        v = rng.normal(size=k) * rng.choice([1e-3, 1.0, 1e3], size=k)
        v[rng.random(k) < 0.1] = np.nan  # a non-English segment: left out of both sums
        parts.append(
            pd.DataFrame(
                {
                    "article_id": str(a),  # "10" sorts before "2"
                    "voice": "all",  # as `framelens features` combines the voices
                    "n_chars": rng.integers(1, 900, size=k),
                    "v": v,
                    "u": np.nan,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    keys = ["article_id", "voice"]
    whole = char_weighted_means(table, keys, ["v", "u"]).set_index(keys)
    half = char_weighted_means(table[table["article_id"].astype(int) >= 100], keys, ["v", "u"])
    half = half.set_index(keys)
    assert (whole.loc[half.index, "v"].to_numpy() == half["v"].to_numpy()).all()
    assert whole["u"].isna().all()  # a group without any value gets NaN
    one = table[table["article_id"] == "7"]
    ok = one["v"].notna()
    expected = (one["v"][ok] * one["n_chars"][ok]).sum() / one["n_chars"][ok].sum()
    assert whole.loc[("7", "all"), "v"] == pytest.approx(expected, rel=1e-12)
    assert whole.loc[("7", "all"), "n_chars"] == one["n_chars"].sum()
    assert char_weighted_means(table.iloc[:0], keys, ["v"]).columns.tolist() == [
        *keys,
        "n_chars",
        "v",
    ]


def test_extremes_and_sizes_are_combined_by_their_rules():
    """A voice's most negative sentence is the lowest of its segments' minima, its size
    the sum of theirs; means stay character-weighted; a missing value is skipped."""
    import numpy as np

    from analysis.pipeline import char_weighted_means, combine_rule

    table = pd.DataFrame(
        {
            "article_id": ["a", "a", "a", "b"],
            "voice": "outlet",
            "n_chars": [100, 300, 50, 10],
            "vader_compound_mean": [0.5, -0.1, np.nan, 0.2],
            "vader_compound_min": [0.1, -0.6, np.nan, np.nan],
            "vader_compound_max": [0.9, 0.0, np.nan, np.nan],
            "style_n_tokens": [20.0, 55.0, np.nan, np.nan],
        }
    )
    cols = ["vader_compound_mean", "vader_compound_min", "vader_compound_max", "style_n_tokens"]
    assert [combine_rule(c) for c in cols] == ["mean", "min", "max", "sum"]
    out = char_weighted_means(table, ["article_id", "voice"], cols).set_index("article_id")
    assert out.loc["a", "vader_compound_mean"] == pytest.approx((0.5 * 100 - 0.1 * 300) / 400)
    assert out.loc["a", "vader_compound_min"] == -0.6
    assert out.loc["a", "vader_compound_max"] == 0.9
    assert out.loc["a", "style_n_tokens"] == 75.0
    assert out.loc["a", "n_chars"] == 450
    assert out.loc["b", "vader_compound_mean"] == 0.2
    assert out.loc["b", cols[1:]].isna().all()  # nothing measured: missing, not 0


def test_articles_per_kind_are_distinct_across_languages_and_chunks():
    """An article with English and non-English segments of one kind is one article of that
    kind, however its corpus was chunked; the segments keep their language classes."""
    import numpy as np

    from analysis.pipeline import kind_counts, segments_by_kind

    rng = np.random.default_rng(2)
    rows = []
    for a in range(60):
        for kind, voice in (("body", "outlet"), ("quote", "quoted"), ("embedded_post", "social")):
            if kind != "body" and rng.random() < 0.4:
                continue
            for _ in range(int(rng.integers(1, 6))):
                lang = rng.choice(["en", "de", None], p=[0.6, 0.3, 0.1])
                rows.append({"article_id": f"a{a:02d}", "kind": kind, "voice": voice, "lang": lang})
    segments = pd.DataFrame(rows)
    distinct = segments.groupby(["kind", "voice"])["article_id"].nunique()
    sizes = segments.groupby(["kind", "voice"]).size()
    mixed = (
        segments[segments["kind"] == "body"]
        .groupby("article_id")["lang"]
        .agg(lambda s: s.fillna("en").nunique())
    )
    assert (mixed > 1).sum() > 5  # articles with both language classes in their body
    ids = segments["article_id"]
    for chunks in (
        [ids < "a30", ids >= "a30"],
        [ids == ids],
        [ids.str.endswith(str(d)) for d in range(10)],
    ):
        kinds = pd.concat([kind_counts(segments[m]) for m in chunks], ignore_index=True)
        per_kind = segments_by_kind(kinds).set_index(["kind", "voice"])
        assert per_kind["articles"].to_dict() == distinct.to_dict()
        assert per_kind["segments"].to_dict() == sizes.to_dict()
        other = segments["lang"].fillna("en").ne("en").sum()
        assert kinds.loc[kinds["lang_class"] == "other", "segments"].sum() == other
    # an article is counted under "other" only when none of its segments of the kind is English
    one = kind_counts(
        pd.DataFrame(
            {
                "article_id": ["x", "x", "y"],
                "kind": "body",
                "voice": "outlet",
                "lang": ["de", "en", "de"],
            }
        )  # fmt: skip
    ).set_index("lang_class")
    assert one.loc["en", ["segments", "articles"]].tolist() == [1, 1]
    assert one.loc["other", ["segments", "articles"]].tolist() == [2, 1]
    empty = kind_counts(pd.DataFrame(columns=["article_id", "kind", "voice", "lang"]))
    assert empty.empty and {"segments", "articles", "lang_class"} <= set(empty.columns)


def test_work_tables_read_as_one_table_each(sample_run):
    """What the README tells researchers: a table's folder of parts reads as one table with
    pandas, and read_parts takes a plain string path and a column subset."""
    from analysis.pipeline import read_parts

    folder = sample_run.work_dir / "article_voice"
    whole = pd.read_parquet(folder)
    parts = read_parts(str(sample_run.work_dir), "article_voice")
    pd.testing.assert_frame_equal(
        whole.sort_values(["article_id", "voice"]).reset_index(drop=True),
        parts.sort_values(["article_id", "voice"]).reset_index(drop=True),
        check_dtype=False,
        check_categorical=False,
    )
    some = read_parts(str(sample_run.work_dir), "article_voice", ["article_id", "voice"])
    assert list(some.columns) == ["article_id", "voice"] and len(some) == len(whole)


def test_extra_fields_of_mixed_types_are_kept_as_text(tmp_path):
    """A JSONL field can hold an int, a string, a list or nothing from record to record (and
    a whole chunk of one type): every value is kept, as text, and the chunks' parts still
    read as one table."""
    values = [5, "Jane Doe", None, [1, "two"], 2.5, True, {"a": 1}]
    src = tmp_path / "mixed.jsonl"
    with src.open("w") as fh:
        for i, value in enumerate(values):
            text = f"Article {i} reports on the budget. Critics said it was late."
            fh.write(json.dumps({"id": f"a{i}", "outlet": "X", "text": text, "who": value}) + "\n")
    cfg = compose_config(
        ["corpus=custom", f"corpus.path={src}", "+corpus.extra.who=who", "chunk_size=2", LIGHT]
    )
    result = run_pipeline(cfg, out_dir=tmp_path / "out")
    assert result.report.loaded == len(values) and result.report.quarantined == 0
    table = pd.read_parquet(result.work_dir / "articles").set_index("id").sort_index()
    who = [None if pd.isna(v) else v for v in table["who"]]
    assert who == ["5", "Jane Doe", None, '[1, "two"]', "2.5", "True", '{"a": 1}']


def test_other_lean_values_are_named_in_the_report(sample_run):
    """The sample's RT article is 'state-funded': not one of the three leans, so the
    report says it is left out of the lean comparisons instead of dropping it silently."""
    report = (sample_run.out_dir / "report.md").read_text()
    assert "left out of the lean comparisons: 'state-funded' (1 article)" in report


def test_no_empty_voice_differences_figure(sample_run):
    """The sample has too few articles per outlet with both voices for any outlet mean:
    the figure would be empty panels, so it is not drawn (the report says why)."""
    tests = pd.read_csv(sample_run.out_dir / "voice_tests.csv")
    assert tests["mean_diff"].isna().all()
    assert not list((sample_run.out_dir / "figures").glob("voice_differences.*"))
    assert "voice_differences" not in (sample_run.out_dir / "report.md").read_text()


def test_one_lean_gets_no_distinctive_words_figure(tmp_path):
    """With one lean there is nothing for its words to be distinctive against: no figure
    of z = 0 bars labelled 'vs other groups', a sentence instead."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # matplotlib's identical-xlims warning
        result = _run(tmp_path, "+corpus.filters.outlet=[Vox]")
    assert not list((result.out_dir / "figures").glob("distinctive_words.*"))
    report = (result.out_dir / "report.md").read_text()
    assert "Distinctive words and actor labels need two leans or more; this run has left only" in (
        report
    )
    # and its glossary does not define statistics between leans that it never computed
    glossary = report.split("## Measures and statistics")[1]
    assert "**Cliff's delta**" not in glossary and "icc(outlet)" not in glossary


def test_report_says_when_a_corpus_path_is_relative(tmp_path):
    from analysis.pipeline import _relative_paths_note

    relative = compose_config(["corpus=custom", "corpus.path=data/mine.csv"])
    assert "`corpus.path` data/mine.csv is relative" in _relative_paths_note(relative)
    absolute = compose_config(["corpus=custom", f"corpus.path={tmp_path / 'mine.csv'}"])
    assert _relative_paths_note(absolute) == ""
    assert _relative_paths_note(compose_config(["corpus=sample"])) == ""


def test_a_folder_of_your_own_files_is_not_overwritten(tmp_path):
    """A report.md or tables of yours in output_dir were replaced without a word; a folder
    of an earlier run (manifest, or the lock file even a killed run leaves) is still rerun
    into, and files a run never writes do not count."""
    from analysis.errors import FramelensError

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.md").write_text("my notes")
    (mine / "counts.csv").write_text("a,b\n")
    with pytest.raises(FramelensError, match=r"holds files that no framelens run wrote \(counts"):
        _run(mine)
    assert (mine / "report.md").read_text() == "my notes"
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "notes.txt").write_text("kept")
    first = _run(notes)
    assert (notes / "notes.txt").read_text() == "kept" and (notes / "manifest.json").is_file()
    (notes / "manifest.json").unlink()  # a run's folder all the same: its lock file stays
    _run(notes)
    assert first.out_dir == notes


def test_the_manifest_names_a_model_file_a_feature_loads(tmp_path):
    """A run with features.irony_probability.model=PATH depends on that file: the manifest
    records its checksum, so `framelens reproduce` can say the model changed."""
    from analysis.pipeline import feature_models
    from analysis.provenance import diff_manifests, write_manifest

    model = tmp_path / "irony.skops"
    cfg = compose_config(["corpus=sample", "features=[irony_cues,irony_probability]",
                          f"features.irony_probability.model={model}"])  # fmt: skip
    assert feature_models(cfg) == {"irony_probability": str(model)}
    assert feature_models(compose_config(["corpus=sample"])) == {}
    manifests = []
    for content, folder in ((b"first model", "a"), (b"retrained", "b")):
        model.write_bytes(content)
        (tmp_path / folder).mkdir()
        path = write_manifest(tmp_path / folder, [], [], models=feature_models(cfg))
        manifests.append(json.loads(path.read_text()))
    assert manifests[0]["models"]["irony_probability"]["path"] == str(model)
    (moved,) = diff_manifests(*manifests)
    assert moved.startswith("models.irony_probability.sha256: ")


def test_ctrl_c_while_the_outputs_are_written_says_the_folder_is_incomplete(
    tmp_path, monkeypatch, caplog
):
    """Interrupted in the comparison stage, a folder used to keep the previous run's
    manifest beside half of the new tables, with no word on how to finish. Now the manifest
    goes first (a folder without one holds no finished run), the message says so and how
    to finish, and the rerun makes only the outputs again."""
    import analysis.pipeline as P

    first = _run(tmp_path)
    assert (first.out_dir / "manifest.json").is_file()
    real = P.summarize

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(P, "summarize", interrupted)
    with caplog.at_level("WARNING", logger="framelens"), pytest.raises(KeyboardInterrupt):
        _run(tmp_path)
    assert not (tmp_path / "manifest.json").exists()
    said = " ".join(r.getMessage() for r in caplog.records)
    assert f"interrupted while writing the tables and figures: {tmp_path} is incomplete" in said
    assert "run the same command again to resume (only the tables" in said
    monkeypatch.setattr(P, "summarize", real)
    assert (_run(tmp_path).out_dir / "manifest.json").is_file()


def test_a_run_computing_none_of_the_compared_features_compares_its_own(tmp_path):
    """features=[irony_probability] alone (or any list disjoint from compare.features)
    crashed the comparison with "No objects to concatenate": only the listed columns were
    read. It now compares the run's first feature columns and says so."""
    result = _run(tmp_path, "compare.features=[vader_compound_mean]", features="features=[style]")
    report = (result.out_dir / "report.md").read_text()
    assert "none of compare.features is in this run's table, so its first" in report
    assert "style_" in (result.out_dir / "lean_voice_means.csv").read_text()


def test_a_comparison_that_cannot_run_says_so_on_the_console(tmp_path, caplog):
    """A methods review: compare=same_event on a corpus without events ended with rc 0 and a
    quiet console, the missing comparison only in the report; and the outlet-count caption
    credited the config's leans (BASIL's three outlets) for bars coloured by the corpus's."""
    with caplog.at_level("WARNING", logger="framelens"):
        result = _run(tmp_path, "compare=same_event", "compare.features=[irony_all_caps_ratio]")
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "Not computed: the corpus has no 'event' column (compare.event_column)" in said
    report = (result.out_dir / "report.md").read_text()
    assert "coloured by the outlet's political lean as the corpus gives it" in report
    assert "the corpus gives none" not in report


def test_a_run_without_a_terminal_reports_progress_now_and_then(tmp_path, caplog, monkeypatch):
    """A batch job's log had nothing between the start and the end of the feature stage
    (the progress bar is off without a terminal): a line at most once a minute, with the
    total from the first pass. Here every chunk, to see them."""
    monkeypatch.setenv("FRAMELENS_PROGRESS_EVERY", "0")
    with caplog.at_level("INFO", logger="framelens"):
        _run(tmp_path, "chunk_size=20", "~compare")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("features:")]
    assert lines[0].startswith("features: 20 of 41 (49%) articles"), lines
    assert lines[-1].startswith("features: 41 of 41 (100%)")


def test_a_run_refused_before_it_starts_leaves_no_folder(tmp_path):
    """A user test: a corpus.path that is not there stopped the run with a clear error but
    left an output folder holding only lock files."""
    from analysis.errors import FramelensError

    out = tmp_path / "new" / "run"
    cfg = compose_config(
        ["corpus=custom", f"corpus.path={tmp_path / 'nope.jsonl'}", "plot.formats=[png]", LIGHT]
    )
    with pytest.raises(FramelensError):
        run_pipeline(cfg, out_dir=out)
    assert not out.exists()
    kept = tmp_path / "kept"  # a folder that was there before the run stays
    kept.mkdir()
    with pytest.raises(FramelensError):
        run_pipeline(cfg, out_dir=kept)
    assert kept.is_dir()

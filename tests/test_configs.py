"""Every YAML under configs/ composes, and every object it names instantiates."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from analysis import corpora as C
from analysis.config import build, build_features, check_targets
from analysis.errors import ConfigError
from analysis.run import CONFIG_DIR, compose_config

CONFIGS = Path(CONFIG_DIR)
GROUP_FILES = sorted(p for p in CONFIGS.glob("*/*.yaml"))


def _override(path: Path) -> str:
    group, name = path.parent.name, path.stem
    return f"{group}=[{name}]" if group == "features" else f"{group}={name}"


def test_default_config_composes():
    cfg = compose_config()
    assert cfg.corpus.name == "allsides" and cfg.seed == 13
    for group in ("corpus", "features", "compare", "plot", "executor"):
        assert group in cfg


@pytest.mark.parametrize("path", GROUP_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_group_file_composes_and_builds(path, request):
    if path.stem == "marked_words":  # its token model is trained on BABE when built
        request.getfixturevalue("with_mirror")
    text = path.read_text()
    if path.parent.name == "experiment":
        assert text.startswith("# @package _global_\n"), "package line must come first"
        assert text.splitlines()[1].startswith("# "), "then a comment on what it asks"
    else:
        assert text.startswith("# "), "every config opens with a comment on what it selects"
    cfg = compose_config([_override(path)])
    check_targets(cfg)
    missing = sorted(k for k in OmegaConf.missing_keys(cfg) if k.startswith("features."))
    if missing:  # a value only the user can give (a model file): building says which and how
        assert missing == ["features.irony_probability.model"]
        with pytest.raises(ConfigError, match=r"command line: features\.irony_probability\.model="):
            build_features(cfg.features)
        return
    if cfg.get("segment"):
        build(cfg.segment, "segment")
    if cfg.get("features"):
        union = build_features(cfg.features)
        union.fit([""])
        assert len(union.get_feature_names_out()) > 0
    desc = C.get_descriptor(cfg.corpus.name) if cfg.corpus.name != "custom" else None
    if desc is not None and cfg.corpus.get("table"):
        desc.table(cfg.corpus.table)
    assert cfg.executor.kind in ("serial", "local", "dask")


def test_disallowed_target_is_refused():
    bad = OmegaConf.create({"x": {"_target_": "os.system", "command": "echo hacked"}})
    with pytest.raises(ConfigError, match="not allowed"):
        build(bad.x, "x")
    nested = OmegaConf.create({"a": [{"b": {"_target_": "subprocess.call"}}]})
    with pytest.raises(ConfigError, match="subprocess.call"):
        check_targets(nested)


def test_tuple_parameters_are_converted():
    node = {"_target_": "sklearn.feature_extraction.text.TfidfVectorizer", "ngram_range": [1, 2]}
    vec = build(node)
    assert isinstance(vec.ngram_range, tuple) and vec.ngram_range == (1, 2)
    nested = {
        "_target_": "sklearn.pipeline.Pipeline",
        "steps": [["tfidf", {**node, "analyzer": "char_wb", "ngram_range": [2, 4]}]],
    }
    pipe = build(nested)
    assert isinstance(pipe.steps[0][1].ngram_range, tuple)
    pipe.fit(["a small text", "another one"])  # validation of tuple params passes


def test_misspelt_parameter_fails_at_build():
    node = {"_target_": "sklearn.feature_extraction.text.TfidfVectorizer", "ngram_rnge": [1, 2]}
    with pytest.raises(ConfigError, match="ngram_rnge"):
        build(node)


# --------------------------------------------------------------------------- checked compose


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["corpus=sample", "compare.min_article=5"],
            "compare has no key min_article; did you mean compare.min_articles=5? "
            "(only to add a new key that some code reads: +compare.min_article=5)",
        ),
        (
            ["compare.words.topp=3"],
            "compare.words has no key topp; did you mean compare.words.top=3?",
        ),
        (
            ["compar.min_articles=3"],
            "the config has no key compar; did you mean compare.min_articles=3?",
        ),
        (["compare.xyzzy=1"], "compare has no key xyzzy (its keys: ci, features,"),
        (["experiment=security_coverge"], "there is no experiment 'security_coverge'"),
        (["features=[vader,nosuch]"], "(available: actors, framing, hedging,"),
    ],
)
def test_unknown_keys_and_options_name_what_exists(overrides, expected):
    from analysis.run import compose_checked

    with pytest.raises(ConfigError) as info:
        compose_checked(overrides)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_unknown_key_hint_reads_the_experiments_groups():
    """The keys suggested are those of the config the other overrides give."""
    from analysis.run import compose_checked

    with pytest.raises(ConfigError, match=r"did you mean compare\.pairs=1\?"):
        compose_checked(["experiment=basil_same_story", "compare.pair=1"])
    with pytest.raises(ConfigError, match=r"compare has no key pair \(its keys: ci,"):
        compose_checked(["compare.pair=1"])  # outlet_means has no pairs


def test_command_line_keeps_the_overrides_given_to_compose_config():
    from analysis.run import command_line, composed_overrides

    cfg = compose_config(["experiment=security_coverage", "corpus.limit=100"])
    assert composed_overrides(cfg) == ["experiment=security_coverage", "corpus.limit=100"]
    assert command_line(cfg) == "framelens run experiment=security_coverage corpus.limit=100"
    given = ["corpus=sample", "compare.notes=['a b']"]
    assert shlex.split(command_line(compose_config(given))) == ["framelens", "run", *given]
    assert command_line(OmegaConf.create({"name": "x"})) == "framelens run experiment=x"


def test_a_variant_of_an_experiment_keeps_off_its_outputs_and_its_notes(tmp_path, monkeypatch):
    """`experiment=X corpus.limit=N` differs from X as configured: it may not overwrite X's
    committed outputs or share its work folder without saying so, and X's notes (written
    for X as configured) are left out of its report. Executor and cache settings do not
    make a variant."""
    from analysis.pipeline import run_pipeline
    from analysis.run import command_line, experiment_changes

    def changes(*overrides):
        return experiment_changes(compose_config(["experiment=zaranj_humvees", *overrides]))

    assert changes() == [] and changes("executor=dask", "cache.enabled=false") == []
    assert changes("corpus.limit=5", "seed=3") == ["corpus.limit", "seed"]
    assert changes("+corpus.exclude.outlet=[RT]") == ["corpus.exclude.outlet"]
    assert experiment_changes(compose_config(["corpus=sample", "corpus.limit=5"])) == []

    monkeypatch.chdir(tmp_path)  # the experiment's own folders, relative, land here
    small = ["experiment=zaranj_humvees", "corpus.limit=40", "plot.formats=[png]"]
    cfg = compose_config(small)
    own = Path(cfg.output_dir)
    with pytest.raises(ConfigError, match=r"changes corpus\.limit, plot\.formats of experiment .*"
                       r"output_dir=PATH"):  # fmt: skip
        run_pipeline(cfg)
    assert not own.exists() and not Path(cfg.work_dir).exists()
    variant = compose_config([*small, "output_dir=v"])
    result = run_pipeline(variant)
    assert result.out_dir == Path("v") and result.work_dir == Path("v/work")
    assert not own.exists() and not Path(cfg.work_dir).exists()
    report = (result.out_dir / "report.md").read_text()
    assert "*The experiment's notes are left out" in report and "`corpus.limit`" in report
    assert not any(n[:40] in report for n in cfg.compare.notes)
    # named on purpose, the experiment's own folder is replaced (its work folder kept)
    named = compose_config([*small, f"output_dir={own}"])
    result = run_pipeline(named)
    assert result.out_dir == own and result.work_dir == Path(cfg.work_dir)
    # from a notebook with a folder of its own (not written into the report, which must
    # not depend on where the run went; rerun as printed, the command is refused as above)
    result = run_pipeline(cfg, out_dir="mine")
    assert result.work_dir == Path("mine/work")
    assert f"\n{command_line(cfg)}\n" in (result.out_dir / "report.md").read_text()


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("argv", "overrides"),
    [
        (
            [
                "classify",
                "evaluate",
                "frames",
                "--sample",
                "300",
                "classifier.embeddings.enabled=false",
            ],
            ["classifier.embeddings.enabled=false"],
        ),
        (
            ["classify", "train", "irony", "seed=1", "--sample", "300", "classifier.cv.folds=3"],
            ["seed=1", "classifier.cv.folds=3"],
        ),
        (
            [
                "features",
                "a=1",
                "--input",
                "x.csv",
                "b=2",
                "--output",
                "o.csv",
                "~c",
                "--no-segment",
            ],
            ["a=1", "b=2", "~c"],
        ),
        (["reproduce", "--keep", "basil_same_story", "executor=local"], ["executor=local"]),
        (["reproduce", "basil_same_story", "--keep", "executor=local"], ["executor=local"]),
    ],
)
def test_overrides_go_before_or_after_the_options(argv, overrides):
    from analysis.cli import build_parser, parse_args

    args = parse_args(build_parser(), argv)
    assert args.overrides == overrides
    if "--sample" in argv:
        assert args.sample == 300


def test_options_that_do_not_exist_are_still_refused(capsys):
    from analysis.cli import build_parser, parse_args

    parser = build_parser()
    with pytest.raises(SystemExit):
        parse_args(parser, ["classify", "evaluate", "frames", "--nosuch", "1"])
    with pytest.raises(SystemExit):  # predict takes no overrides
        parse_args(parser, ["classify", "predict", "irony", "--input", "x", "--output", "y", "a=b"])
    assert "unrecognized arguments: a=b" in capsys.readouterr().err


def test_features_help_says_an_id_column_is_used_by_default(capsys):
    from analysis.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["features", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: id if there is one); the row column numbers rows" in text


# --------------------------------------------------------------------------- --sample


@pytest.mark.parametrize("n", [8, 10, 50, 299, 300, 301, 777])
@pytest.mark.parametrize("sizes", [(500, 300, 97), (1000, 3), (400, 400, 90, 7)])
def test_stratified_sample_has_exactly_n_rows(n, sizes):
    import pandas as pd

    from analysis.classifiers import _stratified_sample

    labels = [f"l{i}" for i, size in enumerate(sizes) for _ in range(size)]
    df = pd.DataFrame({"label": labels, "text": [str(i) for i in range(len(labels))]})
    out = _stratified_sample(df, "label", n, seed=13)
    assert len(out) == n and out.index.is_unique and out.index.is_monotonic_increasing
    counts = out["label"].value_counts()
    assert (counts >= 2).all() and len(counts) == len(sizes)  # every label, twice at least
    for i, size in enumerate(sizes):  # in proportion, give or take the two-per-label floor
        assert abs(counts[f"l{i}"] - n * size / len(df)) < 1 + 2 * len(sizes)
    again = _stratified_sample(df, "label", n, seed=13)
    assert out.index.equals(again.index)


def test_stratified_sample_too_small_for_two_per_label_says_so():
    import pandas as pd

    from analysis.classifiers import _stratified_sample

    df = pd.DataFrame({"label": list("aabbccdd") * 3})
    with pytest.raises(ConfigError, match="at least 8"):
        _stratified_sample(df, "label", 7, seed=13)


def test_a_plus_key_beside_a_near_namesake_is_a_typo():
    """+corpus.limt=10 added a key nothing reads and the run went on over every record; a
    misspelt article field named the '+' that only led to a second error."""
    from analysis.run import compose_checked

    with pytest.raises(ConfigError, match=r"\+corpus\.limt adds a key that nothing reads, "
                       r"beside corpus\.limit: did you mean corpus\.limit=10\?"):  # fmt: skip
        compose_checked(["+corpus.limt=10"])
    with pytest.raises(ConfigError, match=r"did you mean corpus\.fields\.outlet=source\?"):
        compose_checked(["corpus=custom", "corpus.path=x.csv", "corpus.fields.outlett=source"])
    # the user's own keys of the open maps, and new parameters, are added as before
    compose_checked(["+corpus.extra.author=author", "+corpus.exclude.outlet=[X]"])
    compose_checked(["features=[irony_probability]", "+features.irony_probability.trusted=[a.B]"])

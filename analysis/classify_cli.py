"""``framelens classify``: train, evaluate and apply the task classifiers.

    framelens classify train TASK [key=value ...] [--output MODEL.skops] [--evaluate]
    framelens classify evaluate TASK [key=value ...] [--output-dir DIR]
    framelens classify predict TASK --model PATH --input FILE --text-field text
                               [--id-field id] --output OUT.csv|OUT.tsv|OUT.parquet

TASK is a config under ``configs/classifier/`` (irony, irony_type, frames, bias); the
``key=value`` overrides are Hydra overrides of the composed config, e.g.
``classifier.cv.folds=3`` or ``classifier.embeddings.enabled=true``.

``train`` prints a short summary and, as its last line, the path of the saved model file.
Progress goes to stderr. :func:`register` adds the subcommand to an argparse parser;
``python -m analysis.classify_cli ...`` runs it alone.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from analysis.errors import FramelensError

#: What ``predict --format`` accepts (analysis.classifiers.PREDICT_INPUT_FORMATS; not
#: imported from there, so that ``--help`` stays fast).
PREDICT_INPUT_FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "lines")


def _out(msg: str = "") -> None:
    """A line to stdout; once the reader has gone (``| head -1``), the rest is dropped."""
    try:
        sys.stdout.write(msg + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # the work is done and saved; send what is left to /dev/null so that neither this
        # nor Python's flush at exit raises again
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _err(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def _note_fine_tuning(cfg: dict, fits: int) -> None:
    from analysis.classifiers import _encoder_vote

    vote = _encoder_vote(cfg)
    if vote is not None:
        _err(
            f"  the sentence encoder is fine-tuned as a classifier {fits} time(s) on the "
            f"training rows ({vote[0].epochs} epoch(s), about 30 seconds per epoch and "
            "1,000 texts on 2 CPU cores); classifier.encoder_vote.enabled=false leaves it out"
        )
    emb = dict(cfg.get("embeddings") or {})
    if emb.get("enabled") and dict(emb.get("fine_tune") or {}).get("enabled"):
        _err(
            f"  the sentence encoder is fine-tuned {fits} time(s) on the training rows (about 8 "
            "minutes each for 1,000 texts on 2 CPU cores); "
            "classifier.embeddings.fine_tune.enabled=false uses frozen vectors instead"
        )


def _task_config(args: argparse.Namespace) -> dict:
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from analysis.classifiers import compose_task
    from analysis.errors import ConfigError
    from analysis.run import explain_compose_error

    try:
        cfg = compose_task(args.task, args.overrides)
    except ConfigError as exc:  # a bad override: said as `framelens run` says it
        cause = exc.__cause__
        if not isinstance(cause, (HydraException, OmegaConfBaseException)):
            raise
        overrides = [f"classifier={args.task}", *args.overrides]
        raise ConfigError(f"bad override: {explain_compose_error(cause, overrides)}") from exc
    if getattr(args, "jobs", None):
        cfg["n_jobs"] = int(args.jobs)
    return cfg


def _run_name(task: str, cfg: dict) -> str:
    """The task's name, or ``TASK-STEM`` when it is trained on your own file.

    So training or evaluating on your own labelled file never overwrites the default model
    (``models/TASK/TASK.skops``) or the default task's evaluation outputs.
    """
    own = (cfg.get("corpus") or {}).get("path")
    if not own:
        return task
    name = Path(str(own)).name
    for suffix in (".gz", ".bz2", ".xz", ".zst"):  # a compressed file: its own suffix too
        name = name.removesuffix(suffix)
    stem = re.sub(r"[^\w.-]+", "_", Path(name).stem).strip("._") or "own"
    return f"{task}-{stem}"


def _say_if_replacing(path: Path, args: argparse.Namespace, chosen: bool, option: str) -> None:
    """A variant (overrides, --sample) written to the task's default place replaces what is
    there, which `classify predict` (the model) or `classify train` (the card's nested CV)
    read by default: say so, and how to keep them apart."""
    if chosen or not path.exists() or not (args.overrides or args.sample):
        return
    what = "overrides " + " ".join(args.overrides) if args.overrides else ""
    what += (" and " if what else "") + (f"--sample {args.sample}" if args.sample else "")
    _err(f"note: this variant ({what}) replaces {path}; {option} keeps both")


def cmd_train(args: argparse.Namespace) -> int:
    from analysis import classifiers as C
    from analysis.pipeline import _check_writable

    cfg = _task_config(args)
    name = _run_name(args.task, cfg)
    path = Path(args.output) if args.output else Path("models") / name / f"{name}.skops"
    # a wrong --output stops here, not after minutes of training
    if path.suffix != ".skops":
        raise FramelensError(
            f"--output must be a model file ending in .skops, not {path} "
            f"(e.g. --output {path / (name + '.skops') if not path.suffix else path.with_suffix('.skops')})"
        )
    _check_writable(path.parent, "--output")
    data = C.load_task_data(cfg, sample=args.sample)
    grid = C._grid(cfg)
    folds = int((cfg.get("cv") or {}).get("folds", 5))
    _err(
        f"classify train {args.task}: {len(data.texts):,} rows, {len(grid)} candidate(s) x {folds} folds"
        + (", then nested CV" if args.evaluate else "")
    )
    _note_fine_tuning(cfg, 1 + (folds if args.evaluate else 0))
    start = time.perf_counter()
    result = C.train_task(cfg, data, nested=args.evaluate)
    result.card["overrides"] = list(args.overrides)
    _say_if_replacing(path, args, bool(args.output), "--output FILE.skops")
    # nested-CV metrics of `classify evaluate` for the very same config go into the card
    evaluated = Path("outputs") / "classify" / name / "metrics.json"
    attached = C.attach_nested_cv(result.card, evaluated)
    saved = C.save_model(result.pipeline, path, result.card)
    sel = result.card["selection_cv"]
    chosen = (
        ", ".join(f"{k}={v}" for k, v in sorted(result.tuning.best_params.items())) or "defaults"
    )
    _out(f"{args.task}: chose {chosen} by {folds}-fold CV on {len(data.texts):,} training rows")
    if sel.get("mean") is not None:
        _out(
            f"tuning CV {sel['metric']}: {sel['mean']:.3f} ± {sel['std']:.3f} (chosen candidate; nested CV via `evaluate`)"
        )
    nested = result.card.get("nested_cv")
    if nested:
        m = nested["summary"][nested["primary"]]
        _out(
            f"nested CV {nested['primary']}: {m['fold_mean']:.3f} ± {m['fold_std']:.3f} "
            f"(bootstrap95 {m['bootstrap95'][0]:.3f}-{m['bootstrap95'][1]:.3f})"
            + (f", from {evaluated}" if attached else "")
        )
    _out(
        f"trained in {result.card['train_seconds']:.1f} s (tuning and final fit, as the card "
        f"says; {time.perf_counter() - start:.1f} s with saving); model card: "
        f"{C.card_paths(saved)[1]}"
    )
    _out(str(saved.resolve()))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from analysis import classifiers as C

    cfg = _task_config(args)
    data = C.load_task_data(cfg, sample=args.sample)
    out_dir = (
        Path(args.output_dir)
        if args.output_dir
        else Path("outputs") / "classify" / _run_name(args.task, cfg)
    )
    from analysis.pipeline import _check_writable

    _check_writable(out_dir, "--output-dir")  # before the CV, not after it
    cv = dict(cfg.get("cv") or {})
    repeats = int(cv.get("repeats") or 1)
    _err(
        f"classify evaluate {args.task}: nested CV, {cv.get('folds', 5)} outer x "
        f"{cv.get('inner_folds', 3)} inner folds on {len(data.texts):,} rows"
        + (f", repeated on {repeats} partitions" if repeats > 1 else "")
    )
    _note_fine_tuning(cfg, int(cv.get("folds", 5)) * repeats)
    _say_if_replacing(out_dir / "metrics.json", args, bool(args.output_dir), "--output-dir DIR")
    res = C.evaluate_task(cfg, out_dir, data, overrides=args.overrides)
    m = res.metrics
    _out(
        f"{args.task}: nested {m['folds']}-fold CV on {m['n']:,} training rows ({res.seconds:.0f} s)"
    )
    for name, v in m["summary"].items():
        _out(
            f"  {name:<12} {v['fold_mean']:.3f} ± {v['fold_std']:.3f}  fold t95 {v['fold_t95'][0]:.3f}-{v['fold_t95'][1]:.3f}"
            f"  pooled {v['pooled']:.3f}  bootstrap95 {v['bootstrap95'][0]:.3f}-{v['bootstrap95'][1]:.3f}"
        )
        if v.get("repeated"):
            _out(f"  {'':<12} {C.fmt_repeated(v['repeated'])}")
        if v.get("at_test_shares"):
            _out(f"  {'':<12} {C.fmt_at_shares(v['at_test_shares'])}")
    if note := C.class_shares_note(m):
        _out(note)
    _out(f"metrics, confusion matrix and PR curves in {out_dir}")
    _out(str(out_dir.resolve()))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from analysis import classifiers as C

    C._check_task_name(args.task)  # a typo: the tasks there are, not "train one"
    model_path = (
        Path(args.model) if args.model else Path("models") / args.task / f"{args.task}.skops"
    )
    # a wrong suffix or --format stops before the model is loaded
    C.predict_formats(args.input, args.output, args.format)
    pipe = C.load_model(model_path, task=args.task, trusted=args.trust or ())
    counts = C.predict_file(
        pipe,
        args.input,
        args.output,
        text_field=args.text_field,
        id_field=args.id_field,
        fmt=args.format,
    )
    blank = counts.get("blank_lines") or 0
    _out(
        f"{args.task}: {counts['rows']:,} rows written, {counts['rows'] - counts['with_reason']:,} "
        f"with a label, {counts['with_reason']:,} without (see the reason column)"
        + (
            f"; {blank:,} empty line(s) skipped, not records (row counts records, not file lines)"
            if blank
            else ""
        )
    )
    _out(str(Path(counts["output"]).resolve()))
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``classify {train,evaluate,predict}`` to an argparse subparsers object."""
    p = subparsers.add_parser(
        "classify",
        help="train, evaluate and apply the irony / frame / bias classifiers",
        description=__doc__.split("\n\n")[0],
    )
    sub = p.add_subparsers(dest="classify_action", required=True)

    t = sub.add_parser("train", help="tune by CV, fit, save the model (skops) and its model card")
    t.add_argument("task", help="irony, irony_type, frames or bias (configs/classifier/TASK.yaml)")
    t.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. classifier.cv.folds=3")
    t.add_argument(
        "--output",
        help="model file (default models/TASK/TASK.skops, or models/TASK-FILE/TASK-FILE.skops "
        "when trained on your own FILE); the card goes beside it",
    )
    t.add_argument(
        "--evaluate", action="store_true", help="also run nested CV and put its metrics in the card"
    )
    t.add_argument(
        "--sample", type=_positive, help="train on a stratified subsample of N rows (quick runs)"
    )
    t.add_argument("--jobs", type=_positive, help="parallel folds (default: classifier.n_jobs)")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser(
        "evaluate", help="nested CV metrics with intervals, confusion matrix, PR curves"
    )
    e.add_argument("task")
    e.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. classifier.cv.folds=3")
    e.add_argument(
        "--output-dir",
        help="where to write (default outputs/classify/TASK, or TASK-FILE for your own FILE)",
    )
    e.add_argument("--sample", type=_positive, help="evaluate on a stratified subsample of N rows")
    e.add_argument(
        "--jobs", type=_positive, help="parallel outer folds (default: classifier.n_jobs)"
    )
    e.set_defaults(func=cmd_evaluate)

    r = sub.add_parser(
        "predict",
        help="label every row of a CSV/TSV/JSONL/JSON/Parquet file",
        description=(
            "Label every record of --input. The output has one row per input record, in "
            "order: row (the record's number, 1 = the first record after the header; empty "
            "lines of a multi-column CSV or JSONL file are not records, so it is not the "
            "file's line number), id (with --id-field), label, the probability or score of "
            "each label, and reason (why a row has no label). An empty line of a one-column "
            "CSV is a record with empty text."
        ),
    )
    r.add_argument("task")
    r.add_argument("--model", help="model file (default models/TASK/TASK.skops)")
    r.add_argument(
        "--input",
        required=True,
        help="CSV (also ';'-separated), TSV, JSONL or a JSON list of records (optionally .gz), "
        "or Parquet file; a "
        "text file with one text per line with --format lines",
    )
    r.add_argument("--text-field", default="text", help="column holding the text (default: text)")
    r.add_argument(
        "--id-field", help="column copied to the output as id (default: row numbers only)"
    )
    r.add_argument(
        "--output", required=True, help="output file: .csv, .tsv or .parquet (by its suffix)"
    )
    r.add_argument(
        "--format",
        choices=list(PREDICT_INPUT_FORMATS),
        help="input format (default: from the suffix); lines = one text per line",
    )
    r.add_argument(
        "--trust",
        action="append",
        metavar="TYPE",
        help="extra type name to trust in the model file (repeat for several)",
    )
    r.set_defaults(func=cmd_predict)
    return p


def _positive(text: str) -> int:
    """argparse type of --sample and --jobs: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``classify`` on its own: ``python -m analysis.classify_cli train irony``."""
    import logging
    import os

    parser = argparse.ArgumentParser(prog="framelens")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "classify":
        argv = ["classify", *argv]
    logging.basicConfig(level=logging.WARNING, format="[%(name)s] %(message)s")
    try:
        from analysis.cli import parse_args

        args = parse_args(parser, argv)  # overrides before or after the options
        return args.func(args)
    except FramelensError as exc:
        if os.environ.get("FRAMELENS_DEBUG") == "1":
            raise
        _err(f"framelens: error: {exc}")
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())

"""The ``framelens`` command.

    framelens run [hydra overrides]         run the pipeline (python -m analysis.run)
    framelens corpora list                  corpora with a descriptor, and whether fetched
    framelens corpora info NAME             source, license, counts by lean, top outlets/topics
    framelens corpora fetch NAME [--mirror DIR]
    framelens corpora verify [NAME ...]     checksums of fetched copies (or the mirror's)
    framelens segment FILE_OR_ID [--corpus NAME] [--format text|json]
    framelens reproduce NAME|FOLDER [--keep] rerun an experiment or a run's folder: "identical" or what moved
    framelens classify train|evaluate|predict TASK ...   irony, irony_type, frames, bias
    framelens features --input FILE --output OUT.csv [--text-field text] [--no-segment] [overrides]

Hydra overrides (key=value) may stand before or after a subcommand's options. User errors
print one line and exit non-zero; ``--debug`` (or FRAMELENS_DEBUG=1) shows the
traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from analysis.errors import FramelensError


def _out(msg: str = "") -> None:
    sys.stdout.write(msg + "\n")


# --------------------------------------------------------------------------- corpora


def cmd_corpora(args: argparse.Namespace) -> int:
    from analysis import corpora as C

    if args.action == "list":
        for name in C.list_corpora():
            desc = C.get_descriptor(name)
            state = (
                "bundled" if desc.bundled else ("fetched" if C.is_fetched(desc) else "not fetched")
            )
            _out(f"{name:<20} {state:<12} {desc.title}")
        return 0
    names = args.names or ([] if args.action != "verify" else C.list_corpora())
    if not names:
        raise FramelensError(
            f"framelens corpora {args.action} needs a corpus name; see `framelens corpora list`"
        )
    status = 0
    for name in names:
        if args.action == "info":
            _corpus_info(name, args.table)
        elif args.action == "fetch":
            path = C.fetch(name, mirror=args.mirror, force=args.force)
            _out(f"{name}: fetched and verified into {path}")
        elif args.action == "verify":
            result = C.verify(name, mirror=args.mirror)
            _out(result.line())
            status = status or (0 if result.ok else 3)
    return status


def _corpus_info(name: str, table: str | None) -> None:
    from analysis import corpora as C

    desc = C.get_descriptor(name)
    _out(f"{desc.name}: {desc.title}")
    _out(
        f"  source:   {desc.source.get('url', '?')}"
        + (f" @ {desc.source['commit'][:12]}" if desc.source.get("commit") else "")
    )
    _out(f"  license:  {desc.license}")
    _out(f"  citation: {desc.citation}")
    _out(
        f"  tables:   {', '.join(desc.tables)} (default {desc.default_table}); {len(desc.files)} files"
    )
    articles, report = C.load_corpus({"name": name, "table": table})
    _out(f"  {report.summary()}")
    if variants := report.variants_line():
        _out(f"  check: {variants}")
    info = C.describe(articles)
    for key, label in (("lean", "by lean"), ("outlet", "top outlets"), ("topic", "top topics")):
        if key in info:
            _out(f"  {label}:")
            for value, n in info[key].items():
                _out(f"    {n:>7,}  {value}")
    if "dates" in info:
        d = info["dates"]
        _out(f"  dates: {d['first']} to {d['last']} ({d['missing']:,} without a date)")


# --------------------------------------------------------------------------- segment


def cmd_segment(args: argparse.Namespace) -> int:
    from analysis import corpora as C
    from analysis.records import Article
    from analysis.segment import Segmenter, render_segments

    path = Path(args.target)
    if path.is_file():
        # as a run reads it: a file that is not UTF-8 would be quarantined, not segmented
        text, problem = C.decode_text(path.read_bytes(), f"in {path.name}")
        if problem:
            raise FramelensError(f"{path}: {problem}")
        if path.suffix.lower() in (".html", ".htm"):
            from analysis.segment import segment_html

            article, segments = segment_html(text, article_id=path.stem, outlet=args.outlet)
            _out(render_segments(article, segments, fmt=args.format))
            return 0
        article = Article(id=path.stem, outlet=args.outlet, title="", text=text)
    else:
        found = None
        if args.corpus == "custom":
            raise FramelensError("for your own corpus give its file: --corpus FILE")
        # a corpus name, or your own corpus file (as corpus=custom corpus.path=FILE reads it)
        own = Path(args.corpus).is_file()
        fields = dict(_field_option(f) for f in args.field or [])
        if fields and not own:
            raise FramelensError(
                "--field maps the columns of your own corpus file (--corpus FILE); a named "
                "corpus's fields are set in its descriptor"
            )
        columns = None
        if own:  # the corpus layer's hints name this command's flag
            source = C.resolve_source({"name": "custom", "path": args.corpus, "fields": fields})
            columns = C.record_fields(Path(args.corpus), source.table)
            if "outlet" not in fields and columns is not None and "outlet" not in columns:
                # segmenting needs no outlet column: the file's articles get --outlet's name
                fields["outlet"] = {"value": args.outlet}
                source = C.resolve_source({"name": "custom", "path": args.corpus, "fields": fields})
            source = dataclasses.replace(source, fields_hint="--field {field}=COLUMN")
        else:
            source = C.resolve_source({"name": args.corpus})
        report = C.LoadReport(source.name, source.table.name)
        with tempfile.TemporaryDirectory() as tmp:
            quarantine = Path(tmp) / "quarantine.jsonl"
            for chunk in C.iter_articles(
                source, chunk_size=5000, quarantine=quarantine, report=report
            ):
                hit = chunk[chunk["id"] == args.target]
                if len(hit):
                    found = hit.iloc[0].to_dict()
                    break
            id_column = fields.get("id", "id") if own else "id"
            first = (
                _quarantine_reason(quarantine, args.target, id_column) if found is None else None
            )
        if found is None:
            why = ""
            if report.quarantined:  # perhaps the article itself: say why records were set aside
                reason, mine = first or (None, False)
                why = f"; {report.quarantined:,} of its {report.read:,} records were set aside" + (
                    f", {args.target!r} because: {reason}"
                    if mine
                    else f", the first because: {reason}"
                )
            if own and "id" not in fields and columns is not None and "id" not in columns:
                why += (
                    f"; {Path(args.corpus).name} has no 'id' column, so its articles are named "
                    "by file and record number: name the column that holds the ids with "
                    "--field id=COLUMN"
                )
            raise FramelensError(
                f"{args.target!r} is neither a file nor an article id in corpus {args.corpus!r} "
                f"(choose the corpus with --corpus NAME, or --corpus FILE for your own){why}"
            )
        found = {k: (None if v != v else v) for k, v in found.items()}  # NaN -> None
        article = Article.from_row(found)
    segments = Segmenter().segment(article)
    _out(render_segments(article, segments, fmt=args.format))
    return 0


def _quarantine_reason(path: Path, target: str, id_column: object) -> tuple[str, bool] | None:
    """``(reason, is the target's)`` from a quarantine file (JSONL): the entry of the record
    whose ``id_column`` is ``target`` if there is one, else the first entry's."""
    first = None
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                entry = json.loads(line)
                record = entry.get("record")
                if (
                    isinstance(id_column, str)
                    and isinstance(record, dict)
                    and str(record.get(id_column)) == target
                ):
                    return entry.get("reason"), True
                if first is None:
                    first = (entry.get("reason"), False)
    except (OSError, ValueError):
        pass
    return first


def _field_option(value: str) -> tuple[str, str]:
    field, sep, column = value.partition("=")
    if not sep or not field.strip() or not column.strip():
        raise FramelensError(f"--field takes FIELD=COLUMN (e.g. --field text=body), not {value!r}")
    return field.strip(), column.strip()


# --------------------------------------------------------------------------- features


def cmd_features(args: argparse.Namespace) -> int:
    from analysis.features import DEFAULT_FEATURES
    from analysis.pipeline import build_stages
    from analysis.run import compose_checked
    from analysis.score import score_file

    overrides = list(args.overrides)
    if not any(o.startswith("features=") for o in overrides):
        overrides.append("features=[" + ",".join(DEFAULT_FEATURES) + "]")
    cfg = compose_checked(overrides)  # a bad override: one line naming what there is
    stages = build_stages(cfg)
    info = score_file(
        args.input,
        args.output,
        stages,
        text_field=args.text_field,
        id_field=args.id_field or "id",
        segment=not args.no_segment,
        id_required=args.id_field is not None,  # a named column must exist
    )
    bad = info["rows"] - info["scored"]
    sys.stderr.write(
        f"[framelens] {info['rows']:,} rows: {info['scored']:,} scored, {bad:,} with a reason\n"
    )
    if not info["rows"]:
        sys.stderr.write(
            f"[framelens] warning: --input {args.input} holds no rows; the output is a "
            "header only\n"
        )
    _out(info["output"])
    return 0


# --------------------------------------------------------------------------- cache


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def cmd_cache(args: argparse.Namespace) -> int:
    import shutil

    from analysis.cache import FeatureCache, default_cache_dir

    directory = Path(args.dir) if args.dir else default_cache_dir()
    cache = FeatureCache(directory)  # creates no folder until something is written
    models = sorted(p for p in (directory / "models").glob("*") if p.is_dir())
    if not cache.files() and not models:
        where = str(directory) + ("" if directory.is_dir() else " (no such folder)")
        done = "nothing removed" if args.action == "clear" else "nothing cached there yet"
        _out(f"no feature cache and no trained models in {where}: {done}")
        return 0
    if args.action == "info":
        import sqlite3

        try:
            tables = cache.info()  # opening the cache may give free space back first
        except sqlite3.Error as exc:
            raise FramelensError(
                f"the feature cache {cache.path} cannot be read ({exc}); runs compute "
                "without it. `framelens cache clear` removes it (trained models stay)"
            ) from exc
        size = sum(p.stat().st_size for p in cache.files())
        _out(f"feature cache: {cache.path} ({_mb(size)})")
        for t in tables:
            _out(f"  {t['name']:<20} {t['rows']:>12,} texts  {t['columns'] or '?':>3} columns  "
                 f"{t['class']} v{t['version']}  [{t['table']}]")  # fmt: skip
        for folder in models:
            used = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            _out(f"trained model: {folder} ({_mb(used)})")
        return 0
    if cache.files():
        freed = cache.clear()
        _out(f"removed the feature cache {cache.path} ({_mb(freed)})")
    else:
        _out(f"no feature cache in {directory}")
    if args.models:
        for folder in models:
            freed = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder)
            _out(f"removed trained model {folder} ({_mb(freed)})")
    return 0


# --------------------------------------------------------------------------- reproduce


def cmd_reproduce(args: argparse.Namespace) -> int:
    from analysis.reproduce import reproduce

    kept: list[Path] = []
    try:
        problems = reproduce(args.name, args.overrides, keep=args.keep, kept=kept)
    except BaseException:
        if kept:  # the rerun failed: what it wrote is there to look at
            sys.stderr.write(f"[framelens] the rerun is kept in {kept[0]}\n")
        raise
    if not problems:
        _out(f"{args.name}: identical")
    else:
        _out(f"{args.name}: {len(problems)} difference(s)")
        for line in problems:
            _out(f"  {line}")
    if kept:
        _out(f"rerun kept in {kept[0]}")
    return 1 if problems else 0


# --------------------------------------------------------------------------- run


def cmd_run(argv: Sequence[str]) -> int:
    from analysis import run

    # Hydra reports a bad override in several lines (or a traceback, for a value of the
    # wrong type found later); plain runs are checked first so the user gets one line.
    # Hydra's own flags (-m, --help, --cfg) and hydra.* overrides go straight to Hydra.
    if not any(a.startswith("-") or a.lstrip("+~").startswith("hydra") for a in argv):
        check_run_overrides(argv)
    sys.argv = ["framelens run", *argv]
    run.main()
    return 0


def check_run_overrides(overrides: Sequence[str]):
    """Compose the run's config; raise :class:`ConfigError` (one line) if it cannot be."""
    from analysis.run import compose_checked

    return compose_checked(overrides)


# --------------------------------------------------------------------------- main


def _is_override(arg: str) -> bool:
    """A Hydra override (``key=value``, ``+key=value``, ``~key``), not an option."""
    return not arg.startswith("-") and ("=" in arg or arg.startswith("~"))


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """``parser.parse_args``, with Hydra overrides allowed before or after the options.

    argparse fills a positional ``overrides`` list once, where the first override stands;
    overrides after an option (``classify evaluate frames --sample 300 key=value``) come
    back unrecognized and join the list here, in the order given."""
    args, extra = parser.parse_known_args(list(argv))
    extra = [a for a in extra if a != "--debug"]  # main() reads it wherever it stands
    if extra:
        if hasattr(args, "overrides") and all(_is_override(a) for a in extra):
            args.overrides = [*(args.overrides or []), *extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framelens", description="Media bias and framing per outlet and voice."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run",
        help="run the pipeline: framelens run [hydra overrides], e.g. corpus=sample",
        add_help=False,
    )

    p = sub.add_parser("corpora", help="list, describe, fetch and verify corpora")
    p.add_argument("action", choices=["list", "info", "fetch", "verify"])
    p.add_argument("names", nargs="*", help="corpus names (verify: all when omitted)")
    p.add_argument("--mirror", help="mirror directory (default: $FRAMELENS_MIRROR)")
    p.add_argument("--table", help="table of the corpus (info)")
    p.add_argument("--force", action="store_true", help="fetch again even if present")
    p.set_defaults(func=cmd_corpora)

    p = sub.add_parser(
        "features", help="score your own texts (CSV/TSV/JSONL/JSON) into CSV/Parquet"
    )
    p.add_argument(
        "--input",
        required=True,
        help="CSV (also ';'-separated), TSV, JSONL(.gz), JSON list of records or Parquet file",
    )
    p.add_argument("--output", required=True, help="OUT.csv or OUT.parquet")
    p.add_argument("--text-field", default="text", help="column holding the text")
    p.add_argument(
        "--id-field",
        default=None,
        help="column holding ids (default: id if there is one); the row column numbers rows",
    )
    p.add_argument(
        "--no-segment", action="store_true", help="score each text whole (tweets, sentences)"
    )
    p.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. features=[vader,framing]")
    p.set_defaults(func=cmd_features)

    p = sub.add_parser("cache", help="size of the feature cache and trained models; clear them")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--dir", help="cache folder (default: $FRAMELENS_CACHE or ~/.cache/framelens)")
    p.add_argument(
        "--models", action="store_true", help="clear: also the classifiers trained for features"
    )
    p.set_defaults(func=cmd_cache)

    p = sub.add_parser(
        "reproduce", help="rerun an experiment or a run's folder; report identical or what moved"
    )
    p.add_argument(
        "name",
        help="experiment name (configs/experiment/NAME.yaml), or the output folder of a run",
    )
    p.add_argument(
        "overrides",
        nargs="*",
        help="extra Hydra overrides, e.g. executor=local (a run's folder takes only those of "
        "how it executes: executor, cache, work_dir; they are not a difference)",
    )
    p.add_argument("--keep", action="store_true", help="keep the rerun's folder")
    p.set_defaults(func=cmd_reproduce)

    from analysis.classify_cli import register as register_classify

    register_classify(sub)

    p = sub.add_parser("segment", help="show an article split into segments and voices")
    p.add_argument("target", help="a text/HTML file, or an article id in --corpus")
    p.add_argument(
        "--corpus",
        default="sample",
        help="corpus name, or your own corpus file, to look the id up in (default: sample)",
    )
    p.add_argument(
        "--field",
        action="append",
        metavar="FIELD=COLUMN",
        help="with --corpus FILE: the column holding an article field, as corpus.fields does "
        "for a run (e.g. --field text=body --field id=article_key); repeatable",
    )
    p.add_argument("--outlet", default="unknown", help="outlet name for a file")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_segment)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("FRAMELENS_DEBUG") == "1"
    logging.basicConfig(level=logging.WARNING, format="[%(name)s] %(message)s")
    from analysis.pipeline import configure_logging

    configure_logging()
    try:
        # `run` hands everything after it to Hydra (overrides, -m, --help, --cfg job)
        args_wo_debug = [a for a in argv if a != "--debug"]
        if args_wo_debug and args_wo_debug[0] == "run":
            return cmd_run(args_wo_debug[1:])
        args = parse_args(build_parser(), argv)
        return args.func(args)
    except FramelensError as exc:
        if debug:
            raise
        sys.stderr.write(f"framelens: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("framelens: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader went away (`framelens corpora info allsides | head`): that is not an
        # error; point stdout at nothing so that the interpreter's final flush is quiet too
        # (the recipe of Python's signal documentation)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())

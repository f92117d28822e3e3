"""``manifest.json``: what a run's outputs were made from, and a checksum of each output.

A run writes it last, into its output folder: the framelens version, Python and the
versions of the package's installed dependencies (from its own distribution metadata, so
the list follows ``pyproject.toml``), the data read (each corpus's files with the sha256 its
descriptor pins, or the content hash of a user's own file), the bundled lexicons, and the
sha256 and size of every output file of the run. Nothing in it depends on the time, the
folder or the machine, so an unchanged rerun rewrites it byte for byte, and
``framelens reproduce`` can say which input moved when an output did
(:func:`diff_manifests`).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from analysis.cache import LEXICON_DIR
from analysis.corpora import CorpusSource, get_descriptor, sha256_file, table_files
from analysis.errors import FramelensError
from analysis.io import write_text

MANIFEST = "manifest.json"


def library_versions(distribution: str = "framelens") -> dict[str, str]:
    """Installed versions of ``distribution``'s required dependencies (extras left out);
    a dependency not installed is reported as ``"not installed"``."""
    try:
        requires = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return {}
    out = {}
    for req in requires:
        if ";" in req and "extra" in req.split(";", 1)[1]:
            continue
        name = re.split(r"[\s;<>=!~\[(]", req.strip(), maxsplit=1)[0]
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def source_files(source: CorpusSource) -> dict[str, str]:
    """The files a corpus source reads, with their sha256: a descriptor's pinned checksums
    (verified when fetched), or the content hash of a user's own file(s), named relative to
    the folder the run started in."""
    try:
        desc = get_descriptor(source.name)
    except FramelensError:
        desc = None
    if desc is not None and desc.files and source.root.resolve() == desc.data_dir.resolve():
        return dict(desc.files)
    return {
        os.path.relpath(p, source.root): sha256_file(p)
        for p in table_files(source.table, source.root)
    }


#: Corpora with more files than this are listed by count and one digest of their listing.
MAX_LISTED_FILES = 20


def file_listing(files: Mapping[str, str]) -> dict[str, Any]:
    """``{"files": {path: sha256}}``, or for a corpus of many files (BASIL's 420)
    ``{"n_files": N, "files_sha256": digest of the sorted "sha256  path" lines}``."""
    files = dict(sorted(files.items()))
    if len(files) <= MAX_LISTED_FILES:
        return {"files": files}
    lines = "".join(f"{sha}  {path}\n" for path, sha in files.items())
    return {"n_files": len(files), "files_sha256": hashlib.sha256(lines.encode()).hexdigest()}


def write_manifest(
    out: Path,
    outputs: Iterable[str | os.PathLike],
    sources: Iterable[CorpusSource],
    feature_corpora: Mapping[str, str] | None = None,
    command: str | None = None,
    models: Mapping[str, str] | None = None,
) -> Path:
    """Write ``out/manifest.json`` (see the module docstring); returns its path.

    ``feature_corpora`` maps feature names to the corpora they train on (``marked_words``:
    ``babe``); their files are listed under ``data`` too. ``models`` maps feature names to
    the model files they load (``irony_probability``: ``models/irony/irony.skops``); each
    is listed under ``models`` with its checksum.
    """
    from analysis import __version__

    data: dict[str, Any] = {}
    for source in sources:
        data[f"{source.name}/{source.table.name}"] = file_listing(source_files(source))
    for feature, corpus in sorted((feature_corpora or {}).items()):
        entry = data.setdefault(corpus, file_listing(get_descriptor(corpus).files))
        entry.setdefault("trains", []).append(feature)
    files = {}
    for path in sorted({Path(p) for p in outputs}):
        if path.name == MANIFEST or not path.is_file():
            continue
        rel = path.relative_to(out) if path.is_relative_to(out) else path
        files[rel.as_posix()] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    manifest = {
        "framelens": __version__,
        "command": command,
        "python": platform.python_version(),
        "libraries": library_versions(),
        "data": data,
        "lexicons": {p.name: sha256_file(p) for p in sorted(LEXICON_DIR.glob("*.yaml"))},
        **(
            {
                "models": {
                    name: {"path": path, "sha256": sha256_file(Path(path).expanduser())}
                    for name, path in sorted(models.items())
                }
            }
            if models
            else {}
        ),
        "outputs": dict(sorted(files.items())),
    }
    return write_text(out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=False) + "\n")


def flat_leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flat_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: node}


def diff_manifests(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What moved between two manifests, outputs left out (the files are compared
    themselves): ``libraries.pandas: 2.2.3 -> 3.0.0``, ``data.allsides/articles.files...``."""
    a = {k: v for k, v in flat_leaves(old).items() if not k.startswith("outputs.")}
    b = {k: v for k, v in flat_leaves(new).items() if not k.startswith("outputs.")}
    lines = []
    for key in sorted(a.keys() | b.keys()):
        if key == "command":
            continue
        before, after = a.get(key, "(absent)"), b.get(key, "(absent)")
        if before != after:
            lines.append(f"{key}: {before} -> {after}")
    return lines

"""Each page's fingerprint: a hash of exactly what the page read when it last ran.

helpers.reads records, while a notebook runs in the build, which catalogue columns it read for
which works (all, or one task's) and which other files of the book it opened. The build stores
that record beside the execution cache (`RECORDS`), keyed by the page's code (`source_digest`:
its prose may change without voiding the record) and the helpers' code. A page's fingerprint is then the hash of the current values of that slice, so a data edit
re-executes only the pages that read what changed, and a page with no valid record (never run by
the build, its code or the helpers' code changed since) depends on every data file, as before.

Why this is never stale: a page's record was taken on its last run; if none of the values it read
has changed since, running it again would read the same values and make the same output. If one
has, the fingerprint changes, the page runs again and records anew.
"""
from __future__ import annotations

import hashlib
import json
import re
from contextlib import suppress
from importlib import import_module
from pathlib import Path

from .fingerprints import code_fingerprint, data_fingerprint

RECORDS = "page-reads.json"  # beside the jupyter-cache folder


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def source_digest(page: Path) -> str:
    """Hash of the parts of a page that can hold code: its front matter (the kernel) and every
    fenced block (a code cell is one, nested in another or not). Prose between blocks is left
    out, so that a prose edit keeps the record of what the page's code reads."""
    lines = Path(page).read_text(encoding="utf-8").splitlines()
    kept, fence = [], None
    if lines and lines[0].strip() == "---":  # front matter
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), len(lines) - 1)
        kept, lines = lines[: end + 1], lines[end + 1:]
    for line in lines:
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                kept.append(line)
            continue
        kept.append(line)
        if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not line.strip()[len(match.group(1)):].strip():
            fence = None
    return hashlib.sha256("\n".join(kept).encode()).hexdigest()


def slice_digest(root: Path, record: dict) -> str:
    """Hash of the current values of everything in `record` (see helpers.reads.record)."""
    from . import load, reads  # here: a build whose fingerprints are all known needs no pandas

    hasher = hashlib.sha256()
    columns = record.get("columns", {})
    if columns:
        with reads.untracked():
            works = load._catalogue(Path(root).resolve(), data_fingerprint(root))
        for scope in sorted(columns):
            rows = works if scope == reads.ALL else works[works["task"] == scope.removeprefix("task:")]
            # The scope's works, in order: which works a page shows, and in what order, are part
            # of its output whatever columns it reads.
            hasher.update(json.dumps([scope, list(rows["key"])]).encode())
            for column in sorted(set(columns[scope]) & set(works.columns)):
                hasher.update(json.dumps([column, [repr(v) for v in rows[column]]]).encode())
    for name in sorted(record.get("derived", [])):
        module, function = name.split(":")
        result = getattr(import_module(module), function).__wrapped__(Path(root))
        hasher.update(name.encode() + b"\0" + repr(result).encode() + b"\0")
    _hash_files(hasher, root, record.get("files", []))
    return hasher.hexdigest()[:16]


def inputs_digest(root: Path, record: dict, data: str) -> str | None:
    """Hash of the raw files a record's values come from (`data`: the data fingerprint): equal
    whenever they are unchanged, so that the slice digest computed from them can be reused without
    loading the catalogue. None for a record that does not list them."""
    if record.get("derived") and "derived_files" not in record:
        return None
    hasher = hashlib.sha256(json.dumps([data if record.get("columns") else "", record.get("derived", [])]).encode())
    _hash_files(hasher, root, sorted({*record.get("files", []), *record.get("derived_files", [])}))
    return hasher.hexdigest()


def _hash_files(hasher, root: Path, names) -> None:
    for name in sorted(names):
        path = Path(root) / name
        if name.endswith("/"):  # a folder the page listed: the names in it
            content = "\n".join(sorted(p.name for p in path.iterdir())).encode() if path.is_dir() else b"(missing)"
        else:
            content = path.read_bytes() if path.is_file() else b"(missing)"
        hasher.update(name.encode() + b"\0" + content + b"\0")


class PageFingerprints:
    """The fingerprint of each page of one book at the current state of its inputs."""

    def __init__(self, root: Path, cache_path: Path | None):
        self.root = Path(root).resolve()
        self.records_file = Path(cache_path).parent / RECORDS if cache_path else None
        self.records = self._read()
        self.code = code_fingerprint()
        self._data = None

    def __call__(self, page: Path, kind: str | None) -> str | None:
        """The fingerprint appended to `page`'s notebook; None for a page that imports no helpers."""
        if kind is None:
            return None
        if self._data is None:
            self._data = data_fingerprint(self.root)
        record = self.records.get(self._label(page))
        if record and record.get("code") == self.code and record.get("source") == source_digest(page):
            inputs = inputs_digest(self.root, record["reads"], self._data)
            if inputs is None or record.get("inputs") != inputs or "value" not in record:
                # the raw inputs changed (or are not known): hash the values actually read
                record["value"] = f"reads-{slice_digest(self.root, record['reads'])}-{self.code}"
                record["inputs"] = inputs
            return record["value"]
        if kind == "code":  # a lab: the helpers' code only, until its first run says otherwise
            return f"code-{self.code}"
        return f"{self._data}-{self.code}"

    def remember(self, page: Path, kind: str, record: dict | None) -> str:
        """Keep what `page` read on the run that just finished (None: unknown, so it may have read
        anything); return the page's fingerprint now."""
        if record is None:
            self.records.pop(self._label(page), None)
        else:
            self.records[self._label(page)] = {"source": source_digest(page), "code": self.code, "reads": record}
        return self(page, kind)

    def save(self) -> None:
        if self.records_file is not None:
            with suppress(OSError):
                self.records_file.write_text(json.dumps(self.records, indent=1, sort_keys=True), encoding="utf-8")

    def _label(self, page: Path) -> str:
        return Path(page).resolve().relative_to(self.root).as_posix()

    def _read(self) -> dict:
        try:
            return json.loads(self.records_file.read_text(encoding="utf-8")) if self.records_file else {}
        except (OSError, ValueError):
            return {}

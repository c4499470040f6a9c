"""Formatted bibliography entries, remembered between builds.

sphinxcontrib-bibtex formats every cited entry twice (the reference list and its tooltip) on every
build in which any page changed: about 3 s of a prose edit's rebuild here. The formatted text
depends only on the pybtex style, the label and the entry's own fields and names, so it is stored
under a hash of exactly those, next to Sphinx's doctrees, and an entry is formatted again as soon
as any of them changes. Entries with a `crossref` (whose text depends on another entry) are never
remembered.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

_MEMO: dict[str, object] = {}
_USED: set[str] = set()
_FILE = "survey-bibformat.pickle"


@lru_cache(maxsize=1)
def _pybtex_version() -> str:
    return version("pybtex")  # a metadata look-up: once, not once per entry


def entry_key(style, label: str, entry) -> str:
    """Everything pybtex's format_entry reads: style class and options, label, type, fields, names."""
    options = sorted((name, type(value).__qualname__, value if isinstance(value, (bool, int, str)) else None)
                     for name, value in vars(style).items())
    parts = [_pybtex_version(), type(style).__module__, type(style).__qualname__, repr(options), label,
             entry.key, entry.type, repr(sorted((k, str(v)) for k, v in entry.fields.items())),
             repr(sorted((role, [str(p) for p in people]) for role, people in entry.persons.items()))]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _remember_plugin_lookups() -> None:
    """pybtex finds its style and backend classes by scanning the installed packages' entry points
    (importlib.metadata) on every look-up, and sphinxcontrib-bibtex looks one up for each citation
    it resolves: 634 scans, about a sixth of a clean Sphinx run here (cProfile). The installed
    packages do not change during a build, so each (group, name) is scanned once. Plugins registered
    at run time are looked up by pybtex before the entry points and stay unaffected."""
    import pybtex.plugin as plugin

    if getattr(plugin.entry_points, "survey_memo", False):
        return
    scan = plugin.entry_points

    @lru_cache(maxsize=None)
    def found(group: str, name: str | None) -> tuple:
        return tuple(scan(group=group, name=name) if name is not None else scan(group=group))

    def entry_points(*, group: str, name: str | None = None):
        return found(group, name)

    entry_points.survey_memo = True
    plugin.entry_points = entry_points


def install() -> None:
    """Wrap pybtex's BaseStyle.format_entry with the memo, and remember its plugin look-ups (once
    per process)."""
    from pybtex.style.formatting import BaseStyle

    _remember_plugin_lookups()

    original = BaseStyle.format_entry
    if getattr(original, "survey_memo", False):
        return

    def format_entry(self, label, entry, bib_data=None):
        if "crossref" in entry.fields:
            return original(self, label, entry, bib_data)
        key = entry_key(self, label, entry)
        _USED.add(key)
        if key not in _MEMO:
            _MEMO[key] = original(self, label, entry, bib_data)
        return _MEMO[key]

    format_entry.survey_memo = True
    BaseStyle.format_entry = format_entry


def load(folder: Path) -> None:
    """Read the entries remembered by the last build in `folder` (nothing if none or unreadable)."""
    _MEMO.clear()
    _USED.clear()
    try:
        _MEMO.update(pickle.loads((Path(folder) / _FILE).read_bytes()))
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass  # formatted afresh


def save(folder: Path) -> None:
    """Keep the entries this build used, written whole or not at all (a build that formatted none,
    because no page changed, keeps the last file)."""
    if not _USED:
        return
    path = Path(folder) / _FILE
    kept = {key: _MEMO[key] for key in sorted(_USED) if key in _MEMO}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
    except (OSError, pickle.PicklingError):
        pass  # formatted afresh next time

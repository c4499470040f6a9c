"""What a notebook reads from the book's inputs, recorded while it runs (for precise rebuilds).

The build executes each page with recording switched on (`start`), and afterwards saves the record
(`save`) with the page's cached outputs. The next build re-executes the page only when what it read
has changed (see helpers.dependencies). So the record must be complete, whatever the page does:

* the catalogue (`load.catalogue()`) is a `TrackedFrame` while recording: reading a column from it,
  by `works["year"]`, `works[["year", "task"]]`, `works.year` or `works.loc[rows, columns]`,
  records that column; any other use of its values (a method such as `groupby` or `iterrows`,
  `pd.DataFrame(works)`, `np.asarray(works)`, arithmetic) records every column of the frame in
  hand. The rows are those of the frame's scope: all works, or one task's after `load.of_task`.
  Precision is the reward for projecting first (`works[["year", "direction"]].groupby(...)`);
  completeness does not depend on it;
* a helper that reads files and keeps only part of what they say (which section cites which work)
  can be marked `@derived`: the page then depends on the function's result, which the build
  recomputes, not on the files' bytes;
* any other file of the book that the kernel opens (data/corrections.csv, references.bib, a
  chapter's source) is recorded whole, by an audit hook on `open`, however it is opened; a
  folder it lists (glob, listdir), by the names in it. A bare existence check (`is_file`) raises
  no audit event: a helper that makes one is marked `@derived`. The
  helpers' own loaders read under `untracked()`, because they record more finely.

A module-level cache of file contents would hide a read from the second notebook of a warm kernel;
the only such cache, load's catalogue, is covered by the frame's own recording.
"""
from __future__ import annotations

import functools
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

ALL = "all"  # the scope of every work; one task's scope is "task:<id>"
# Folders whose files are not inputs of a page's output: the package's code (the code fingerprint
# covers it), build output and caches, environments.
NOT_INPUTS = ("src", "_build", ".venv", ".git", ".ipynb_checkpoints")

_state = {"on": False, "root": None, "columns": {}, "files": set(), "derived": set(), "derived_files": set(),
          "in_derived": False}
_depth = [0]  # > 0 while the helpers' own loaders or pandas internals run: nothing is recorded


def start(root: str | os.PathLike) -> None:
    """Begin a new record for the notebook about to run in this kernel."""
    _state.update(on=True, root=Path(root).resolve(), columns={}, files=set(), derived=set(), derived_files=set(),
                  in_derived=False)
    _install_hook()


def record() -> dict:
    """The record so far: {"columns": {scope: [column, ...]}, "files": [path relative to root],
    "derived": ["module:function", ...], "derived_files": [files those functions opened]}."""
    return {"columns": {scope: sorted(columns) for scope, columns in sorted(_state["columns"].items())},
            "files": sorted(_state["files"]), "derived": sorted(_state["derived"]),
            "derived_files": sorted(_state["derived_files"])}


def save(path: str | os.PathLike) -> None:
    """Write the record as JSON (for the executor in the build process) and stop recording."""
    Path(path).write_text(json.dumps(record(), sort_keys=True), encoding="utf-8")
    _state["on"] = False


def recording() -> bool:
    return _state["on"]


@contextmanager
def untracked():
    """Reads inside this block are not recorded (the caller records them itself, more finely)."""
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1


def record_columns(scope: str | None, columns) -> None:
    if _state["on"] and not _depth[0]:
        _state["columns"].setdefault(scope or ALL, set()).update(str(c) for c in columns)


def derived(function):
    """Mark a helper `function(root)` whose result is all a page takes from the files it reads:
    the page's record names the function, and its fingerprint hashes the function's result."""
    name = f"{function.__module__}:{function.__qualname__}"

    @functools.wraps(function)
    def wrapper(root):
        if not _state["on"] or _depth[0]:
            with untracked():
                return function(root)
        _state["derived"].add(name)
        # the files it opens are noted apart: they say cheaply when its result may have changed
        _state["in_derived"] = True
        try:
            with untracked():
                return function(root)
        finally:
            _state["in_derived"] = False
    return wrapper


# --- every file the kernel opens ---------------------------------------------------------------

_hooked = [False]


def _install_hook() -> None:
    if not _hooked[0]:  # an audit hook cannot be removed: install one per process, switch by state
        sys.addaudithook(_on_audit_event)
        _hooked[0] = True


def _on_audit_event(event: str, args: tuple) -> None:
    if event not in ("open", "os.listdir", "os.scandir") or not _state["on"] or (_depth[0] and not _state["in_derived"]):
        return
    path = args[0] if args else None
    if path is None and event != "open":
        path = "."  # os.listdir() of the working folder
    if not isinstance(path, (str, bytes, os.PathLike)):
        return  # a file descriptor: already open
    try:
        resolved = Path(os.fsdecode(path)).resolve()
        relative = resolved.relative_to(_state["root"])
    except (ValueError, OSError):
        return  # outside the book
    if relative.parts and relative.parts[0] in NOT_INPUTS:
        return
    target = _state["derived_files"] if _state["in_derived"] else _state["files"]
    if event == "open" and resolved.is_file():
        target.add(relative.as_posix())
    elif event != "open" and resolved.is_dir():
        target.add(relative.as_posix().rstrip("/") + "/")  # a folder's listing: its names


# --- the catalogue as a frame that records what is read from it --------------------------------

# Attributes that give no access to cell values: labels, sizes, pandas' own type tags and the
# machinery that makes derived frames. Row labels and counts are covered, because the order of a
# scope's works is part of every fingerprint of that scope.
_NO_VALUES = frozenset({
    "__class__", "_typ", "_metadata", "_survey_scope", "columns", "index", "shape", "ndim", "size",
    "empty", "attrs", "flags", "keys", "_constructor", "_constructor_from_mgr", "_constructor_sliced",
    "_constructor_sliced_from_mgr", "_constructor_expanddim", "__finalize__", "_flags", "_attrs",
    "__len__", "__iter__", "__contains__", "_is_copy", "_cacher", "_item_cache", "_info_axis_name",
    "_AXIS_ORDERS", "_AXIS_LEN",
})
# Methods that return some of the frame's own rows or columns, under their own names, without
# reading values: their result is a TrackedFrame that records in turn. (Not `rename` or
# `set_axis`: a column read under a new name would be recorded under a name the catalogue lacks.)
_SAFE_METHODS = frozenset({"copy", "head", "tail", "reset_index", "filter"})


class TrackedFrame(pd.DataFrame):
    """A DataFrame that records, while recording is on, which columns are read (see module doc)."""

    _metadata = ["_survey_scope"]
    _survey_scope = ALL

    @property
    def _constructor(self):
        return TrackedFrame

    def __getattribute__(self, name):
        if _depth[0] or not _state["on"] or name.startswith("__"):
            return super().__getattribute__(name)
        if name in _NO_VALUES:
            with untracked():  # a label or size, whatever pandas reads to compute it
                return super().__getattribute__(name)
        with untracked():
            columns = list(super().__getattribute__("columns"))
        scope = object.__getattribute__(self, "_survey_scope")
        if name in columns:
            record_columns(scope, [name])  # works.year (pandas answers it in __getattr__)
        with untracked():
            value = super().__getattribute__(name)
        if name in ("loc", "iloc", "at", "iat"):
            return _Indexer(self, value, name, columns)
        if name in columns:
            return value  # recorded above
        if name == "sort_values":
            return _quietly(value, lambda by=None, *a, **k: record_columns(scope, _labels(by, columns)))
        elif name in _SAFE_METHODS:
            return _quietly(value)
        else:
            record_columns(scope, columns)  # any other use: every column of this frame
            if callable(value) and hasattr(value, "__self__"):
                return _quietly(value)  # the method's own internals need not record again
        return value

    def __getattr__(self, name):  # a column as an attribute: recorded in __getattribute__
        with untracked():
            return super().__getattr__(name)

    def __getitem__(self, key):
        if _state["on"] and not _depth[0]:
            with untracked():
                columns = list(self.columns)
            scope = object.__getattribute__(self, "_survey_scope")
            if getattr(key, "dtype", None) == bool or isinstance(key, slice):
                pass  # a row filter: its values were read (and recorded) when the mask was made
            else:
                record_columns(scope, _labels(key, columns))
        with untracked():
            return super().__getitem__(key)

    def __setitem__(self, key, value):
        with untracked():  # writing a column reads nothing from the catalogue
            super().__setitem__(key, value)

    def __len__(self):
        with untracked():
            return super().__len__()

    def __iter__(self):  # column labels only
        with untracked():
            return iter(list(self.columns))

    def __contains__(self, key):
        with untracked():
            return super().__contains__(key)


def _labels(key, columns: list) -> list:
    """The column labels a key names; every column when the key is anything else."""
    if isinstance(key, str):
        return [key]
    if isinstance(key, (list, tuple, pd.Index)) and all(isinstance(k, str) for k in key):
        return list(key)
    return columns


def _quietly(method, before=None):
    def call(*args, **kwargs):
        if before is not None:
            before(*args, **kwargs)
        with untracked():
            return method(*args, **kwargs)
    return call


class _Indexer:
    """`works.loc[rows, columns]` and its kin: records the columns named, or all of them."""

    def __init__(self, frame, indexer, name, columns):
        self._frame, self._indexer, self._name, self._columns = frame, indexer, name, columns

    def __getattr__(self, name):  # a column as an attribute: recorded in __getattribute__
        with untracked():
            return super().__getattr__(name)

    def __getitem__(self, key):
        scope = object.__getattribute__(self._frame, "_survey_scope")
        if self._name in ("loc", "at") and isinstance(key, tuple) and len(key) == 2:
            record_columns(scope, _labels(key[1], self._columns))
        else:
            record_columns(scope, self._columns)  # whole rows, or positions: every column
        with untracked():
            return self._indexer[key]

    def __setitem__(self, key, value):
        with untracked():
            self._indexer[key] = value


def tracked(frame: pd.DataFrame, scope: str = ALL) -> pd.DataFrame:
    """`frame` as a TrackedFrame of `scope` while recording is on; unchanged otherwise."""
    if not _state["on"]:
        return frame
    result = TrackedFrame(frame)
    result._survey_scope = scope
    return result


def scope_of(frame) -> str:
    return getattr(frame, "_survey_scope", ALL) if isinstance(frame, TrackedFrame) else ALL

"""Load references.bib and data/*.csv into one validated pandas DataFrame (the catalogue).

Chapters call `catalogue()`; nothing else in a chapter reads a file. The result is cached on the
content of the data files, so editing data/ in a running kernel is picked up on the next call.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import bib, paths, reads
from .fingerprints import VALIDATED_ENV, data_fingerprint as fingerprint  # noqa: F401 - re-exported
from .fingerprints import remember_validated, validated_before
from .problems import InputError
from .readers import LIST_COLUMNS, read_table, split_list  # noqa: F401 - part of this module's interface
from .validate import FACETS



def table(name: str, root: Path | str | None = None) -> pd.DataFrame:
    """One CSV of data/ by name (e.g. "corrections"), for chapters: the root is found for them."""
    return read_table(paths.project_root() if root is None else Path(root), name)


def short_authors(authors: list[str]) -> str:
    last = [name.split()[-1] if name.split() else name for name in authors]
    if not last:
        return "unknown"
    if len(last) == 1:
        return last[0]
    if len(last) == 2:
        return f"{last[0]} and {last[1]}"
    return f"{last[0]} et al."


def catalogue(root: Path | str | None = None) -> pd.DataFrame:
    """The surveyed works, one row each, with bibliographic and synthetic-data columns.

    Raises InputError (listing every problem) when the data do not validate.
    """
    root = paths.project_root() if root is None else Path(root).resolve()
    with reads.untracked():  # recorded column by column by the frame itself (see helpers.reads)
        return reads.tracked(_catalogue(root, fingerprint(root)).copy())


@lru_cache(maxsize=4)
def _catalogue(root: Path, _fingerprint: str) -> pd.DataFrame:
    if os.environ.get(VALIDATED_ENV) != _fingerprint and not validated_before(root, _fingerprint):
        from .validate import find_problems  # here: frictionless is slow to import, rarely needed

        problems = find_problems(root, data_only=True)
        if problems:
            raise InputError(problems)
        remember_validated(root, _fingerprint)
    entries = {e.key: e for e in bib.read_bib(root / "references.bib", "references.bib")[0]}
    papers = read_table(root, "papers")
    tasks = read_table(root, "tasks").rename(columns={"id": "task", "title": "task_title", "order": "task_order"})
    tasks["task_order"] = tasks["task_order"].astype(int)
    generators = read_table(root, "generators").set_index("name")

    df = papers.merge(tasks, on="task", how="left")
    df["title"] = [entries[k].get("title").replace("{", "").replace("}", "") for k in df["key"]]
    df["authors"] = [entries[k].authors for k in df["key"]]
    df["short_authors"] = df["authors"].map(short_authors)
    df["year"] = [int(entries[k].get("year")) for k in df["key"]]
    df["venue"] = [entries[k].venue for k in df["key"]]
    df["venue_type"] = [entries[k].venue_type for k in df["key"]]
    df["url"] = [entries[k].get("url") for k in df["key"]]
    df["arxiv_id"] = [entries[k].arxiv_id or "" for k in df["key"]]
    for column in LIST_COLUMNS:
        df[f"{column}_cell"] = df[column]  # as written: "" = not filled in yet, "unknown" = not stated
        df[column] = df[column].map(lambda cell: [] if cell in ("", "unknown") else split_list(cell))
    # Whether each facet is stated, `unknown` or not filled in, apart from its value: pages that
    # count states read these columns, and a stated value's edit does not re-run them.
    for facet in FACETS:
        written = df[f"{facet}_cell" if facet in LIST_COLUMNS else facet]
        df[f"{facet}_state"] = written.map(lambda cell: "not filled" if cell == "" else
                                           "unknown" if cell == "unknown" else "stated")
    # Access and kind belong to the generator, so they are derived, not stored per paper.
    df["generator_access"] = df["generators"].map(lambda gs: sorted({generators.at[g, "access"] for g in gs}))
    df["generator_kinds"] = df["generators"].map(lambda gs: sorted({generators.at[g, "kind"] for g in gs}))
    order = ["task_order", "year", "key"]
    return df.sort_values(order, kind="stable").reset_index(drop=True)


def of_task(works: pd.DataFrame, task: str | None) -> pd.DataFrame:
    """The works of one task category (all of them for None); an unknown task is an error."""
    if task is None:
        return works
    # Which works belong to the task is part of the task's scope, and every fingerprint of a
    # scope covers its works (helpers.dependencies): the task column is not recorded as read.
    with reads.untracked():
        selected = works[works["task"] == task]
        if selected.empty:
            raise ValueError(f"no works for task {task!r}")
        if isinstance(selected, reads.TrackedFrame):
            selected._survey_scope = f"task:{task}"
    return selected


def tasks(root: Path | str | None = None) -> pd.DataFrame:
    """The task categories in book order."""
    root = paths.project_root() if root is None else Path(root).resolve()
    table = read_table(root, "tasks")
    table["order"] = table["order"].astype(int)
    return table.sort_values("order").reset_index(drop=True)

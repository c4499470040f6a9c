"""What a page reads is recorded completely (helpers.reads), and a page's fingerprint covers exactly
that (helpers.dependencies). The whole-book property, that no page's output depends on anything
outside its record, is tests/test_slices.py."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from conftest import copy_book, read_rows, write_rows
from helpers import dependencies, load, reads


@pytest.fixture(scope="module")
def shared_book(tmp_path_factory):
    """One copy for the tests that only read it (validating a new copy takes a second)."""
    return copy_book(tmp_path_factory.mktemp("reads") / "book")


@pytest.fixture
def recording(shared_book):
    reads.start(shared_book)
    yield shared_book
    reads._state["on"] = False


def columns_read(scope: str = reads.ALL) -> list[str]:
    return reads.record()["columns"].get(scope, [])


def test_nothing_is_tracked_when_not_recording(shared_book):
    assert type(load.catalogue(shared_book)) is pd.DataFrame


@pytest.mark.parametrize("use, expected", [
    (lambda w: w["year"], ["year"]),
    (lambda w: w[["year", "direction"]], ["direction", "year"]),
    (lambda w: w.year, ["year"]),
    (lambda w: w.loc[w.index[:3], "title"], ["title"]),
    (lambda w: w.loc[:, ["title", "key"]], ["key", "title"]),
    (lambda w: w.sort_values("year").head(2), ["year"]),
    (lambda w: (len(w), w.shape, list(w.columns), "year" in w), []),
    (lambda w: w[["year", "direction"]].groupby("direction").size(), ["direction", "year"]),
    (lambda w: w[w["year"] > 2023]["title"], ["title", "year"]),
])
def test_naming_a_column_records_that_column(recording, use, expected):
    use(load.catalogue(recording))
    assert columns_read() == expected


@pytest.mark.parametrize("use", [
    lambda w: w.groupby("direction").size(),
    lambda w: list(w.iterrows()),
    lambda w: list(w.itertuples()),
    lambda w: w.to_dict(),
    lambda w: pd.DataFrame(w).iloc[0],
    lambda w: np.asarray(w),
    lambda w: w == 1,
    lambda w: w.iloc[0],
    lambda w: pd.concat([w, w]),
    lambda w: w.merge(w[["key"]], on="key"),
    lambda w: repr(w),
    lambda w: w.values,
    lambda w: w.rename(columns={"dataset": "renamed"})["renamed"],
    lambda w: w.set_axis([f"c{i}" for i in range(len(w.columns))], axis=1)["c0"],
])
def test_any_other_use_records_every_column_of_the_frame(recording, use):
    works = load.catalogue(recording)
    use(works)
    assert set(works.columns) <= set(columns_read())


def test_a_projection_limits_every_column_to_those_projected(recording):
    load.catalogue(recording)[["year", "task"]].groupby("task").size()
    assert columns_read() == ["task", "year"]


def test_of_task_narrows_the_scope_and_reads_no_column(recording):
    works = load.of_task(load.catalogue(recording), "video")
    assert reads.record()["columns"] == {}
    works["dataset"].tolist()
    assert reads.record()["columns"] == {"task:video": ["dataset"]}


def test_reads_inside_the_helpers_own_loaders_are_not_recorded_as_files(recording):
    load.catalogue(recording)
    assert reads.record()["files"] == []


def test_every_file_of_the_book_opened_is_recorded_however_it_is_opened(recording, tmp_path):
    load.table("corrections", recording)
    with open(recording / "references.bib", encoding="utf-8") as handle:
        handle.read(10)
    pd.read_csv(recording / "data" / "tasks.csv")
    os.listdir(recording / "chapters")
    (tmp_path / "outside.txt").write_text("x")
    (tmp_path / "outside.txt").read_text()
    assert reads.record()["files"] == ["chapters/", "data/corrections.csv", "data/tasks.csv", "references.bib"]


def test_a_derived_helper_is_recorded_by_name(recording):
    from helpers import explorer

    explorer.discussion_anchors(recording)
    assert reads.record()["derived"] == ["helpers.explorer:discussion_anchors"]
    assert reads.record()["files"] == []  # the chapters it read are covered by its result
    # but noted apart, to tell cheaply when the result may have changed
    assert {"chapters/video.md", "data/tasks.csv"} <= set(reads.record()["derived_files"])


def record_of(root, use) -> dict:
    reads.start(root)
    try:
        use(load.catalogue(root))
        return reads.record()
    finally:
        reads._state["on"] = False


def edit_first(root, task: str, column: str, value: str) -> None:
    rows = read_rows(root, "papers")
    next(r for r in rows if r["task"] == task)[column] = value
    write_rows(root, "papers", rows)


def test_the_fingerprint_changes_with_a_value_read_and_only_then(book):
    record = record_of(book, lambda w: load.of_task(w, "video")["dataset"].tolist())
    before = dependencies.slice_digest(book, record)
    edit_first(book, "chart", "dataset", "a dataset no page of video shows")
    assert dependencies.slice_digest(book, record) == before  # another task's row
    edit_first(book, "video", "summary", "a summary the page does not read")
    assert dependencies.slice_digest(book, record) == before  # another column
    edit_first(book, "video", "dataset", "EDITED")
    assert dependencies.slice_digest(book, record) != before


def test_the_fingerprint_covers_which_works_a_scope_has(book):
    record = record_of(book, lambda w: load.of_task(w, "video")["dataset"].tolist())
    before = dependencies.slice_digest(book, record)
    rows = read_rows(book, "papers")
    moved = next(r for r in rows if r["task"] == "chart")
    moved["task"] = "video"  # a work joins the scope; the page reads no `task` column
    write_rows(book, "papers", rows)
    assert dependencies.slice_digest(book, record) != before


def test_the_fingerprint_covers_files_folders_and_derived_results(book):
    record = {"columns": {}, "files": ["data/corrections.csv", "chapters/"],
              "derived": ["helpers.explorer:discussion_anchors"]}
    before = dependencies.slice_digest(book, record)
    chapter = book / "chapters" / "video.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA sentence that cites no work.\n", encoding="utf-8")
    assert dependencies.slice_digest(book, record) == before  # the anchors did not change
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nNow it cites {cite:t}`nobody2099cited`.\n",
                       encoding="utf-8")
    assert dependencies.slice_digest(book, record) != before
    after = dependencies.slice_digest(book, record)
    (book / "chapters" / "new-page.md").write_text("# New\n", encoding="utf-8")
    assert dependencies.slice_digest(book, record) != after


def test_source_digest_ignores_prose_and_sees_every_code_cell(tmp_path):
    page = tmp_path / "page.md"
    text = ("---\nkernelspec:\n  name: python3\n---\n\n# Title\n\nProse.\n\n```{code-cell} ipython3\nx = 1\n```\n\n"
            "````{exercise}\nDo it.\n```{code-cell} ipython3\ny = 2\n```\n````\n")
    page.write_text(text)
    before = dependencies.source_digest(page)
    page.write_text(text.replace("Prose.", "Other prose, longer."))
    assert dependencies.source_digest(page) == before
    for edit in (("x = 1", "x = 3"), ("y = 2", "y = 5"), ("python3", "python2")):
        page.write_text(text.replace(*edit))
        assert dependencies.source_digest(page) != before, edit


def test_a_known_fingerprint_is_reused_until_a_raw_input_changes(book, monkeypatch):
    from helpers import explorer

    page = book / "chapters" / "video.md"
    cache = book / "_build" / "cache" / ".jupyter_cache"
    cache.parent.mkdir(parents=True)
    record = record_of(book, lambda w: (load.of_task(w, "video")["dataset"].tolist(), explorer.discussion_anchors(book)))
    first = dependencies.PageFingerprints(book, cache)
    before = first.remember(page, "data", record)
    first.save()

    def no_catalogue(*args):
        raise AssertionError("the slice was hashed again although no input changed")

    with monkeypatch.context() as patch:
        patch.setattr(dependencies, "slice_digest", no_catalogue)
        assert dependencies.PageFingerprints(book, cache)(page, "data") == before
    edit_first(book, "chart", "summary", "a value the page does not read")  # raw input changed ...
    assert dependencies.PageFingerprints(book, cache)(page, "data") == before  # ... its slice did not
    edit_first(book, "video", "dataset", "EDITED")
    assert dependencies.PageFingerprints(book, cache)(page, "data") != before
    after = dependencies.PageFingerprints(book, cache)(page, "data")
    chapter = book / "chapters" / "chart.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nCites {cite:t}`nobody2099cited`.\n", encoding="utf-8")
    assert dependencies.PageFingerprints(book, cache)(page, "data") != after  # a file the derived helper read

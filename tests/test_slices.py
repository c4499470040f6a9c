"""The property behind precise rebuilds: a page's output depends on nothing outside what it was
recorded to read (helpers.reads). If that holds, a build that re-runs exactly the pages whose
recorded slice changed (helpers.dependencies) never serves a stale page, whatever column of
papers.csv or field of references.bib an author edits.

Checked on every page of the real book that reads the catalogue: run its code once with recording
on; then run it again on a catalogue in which every value outside its record is replaced by
another one (a poisoned copy: other strings, other lists, other numbers); the outputs must be the
same, and the page must not fail. A page that read a column without its record saying so would
show, or trip over, the poison. Rebuilds of edited copies are tests/test_rebuild.py."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import REPO
from helpers import load, reads
from helpers.execute import toc_pages
from helpers.fingerprints import page_kind

pytestmark = pytest.mark.book

# Always part of a fingerprint: which works a scope has (task) and their order (key).
SCOPE_COLUMNS = {"task", "key"}


def data_pages() -> list[Path]:
    return [p for p in toc_pages(REPO) if p.suffix == ".md" and page_kind(p.read_text(encoding="utf-8")) == "data"]


def poison(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, list):
        return [f"poison {v}" for v in value] + ["poison"]
    return f"poison {value}"


def poisoned(works, record: dict):
    """`works` with every value the record does not cover replaced."""
    columns = record["columns"]
    everywhere = set(columns.get(reads.ALL, []))
    out = works.copy()
    for column in out.columns:
        if column in SCOPE_COLUMNS:
            continue
        covered = out["task"].map(lambda task: column in everywhere or column in columns.get(f"task:{task}", []))
        out[column] = [value if keep else poison(value) for value, keep in zip(out[column], covered)]
    return out


def run_page(shell, page: Path) -> list:
    """The outputs of every code cell of a page, run in a fresh namespace."""
    from IPython.utils.capture import capture_output
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(page.read_text(encoding="utf-8"), path=str(page))
    shell.reset(new_session=False)
    outputs = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        with capture_output() as captured:
            result = shell.run_cell(cell.source, store_history=False, silent=False)
        outputs.append(captured.stdout)
        outputs += [output.data for output in captured.outputs]
        if result.error_in_exec is not None:
            outputs.append(f"error: {result.error_in_exec!r}")
        elif result.result is not None:
            outputs.append(shell.display_formatter.format(result.result)[0])
    return outputs


@pytest.fixture(scope="module")
def shell():
    import matplotlib

    matplotlib.use("Agg")
    from IPython.core.interactiveshell import InteractiveShell

    folder, root, main = os.getcwd(), os.environ.get(load.paths.ROOT_ENV), sys.modules["__main__"]
    os.chdir(REPO / "chapters")
    os.environ[load.paths.ROOT_ENV] = str(REPO)
    yield InteractiveShell.instance()
    # Put the worker back as found, for the tests after these in the same process: with SURVEY_ROOT
    # left set, a later `make serve` test built the repository instead of its copy; with IPython's
    # stand-in for __main__ left in sys.modules, multiprocessing could not start a process (cards).
    InteractiveShell.clear_instance()
    sys.modules["__main__"] = main
    os.chdir(folder)
    if root is None:
        del os.environ[load.paths.ROOT_ENV]
    else:
        os.environ[load.paths.ROOT_ENV] = root
    reads._state["on"] = False


@pytest.mark.parametrize("page", data_pages(), ids=lambda p: p.stem)
def test_a_page_shows_nothing_it_was_not_recorded_to_read(shell, page, monkeypatch):
    reads.start(REPO)
    first = run_page(shell, page)
    record = reads.record()
    reads._state["on"] = False
    assert not any(isinstance(o, str) and o.startswith("error:") for o in first), first

    works = load._catalogue(REPO, load.fingerprint(REPO))
    monkeypatch.setattr(load, "_catalogue", lambda root, fingerprint: poisoned(works, record))
    second = run_page(shell, page)
    changed = [i for i, (a, b) in enumerate(zip(first, second)) if a != b]
    assert len(first) == len(second) and not changed, (
        f"{page.name}: output {changed[:1]} depends on catalogue values outside its record {record['columns']}: "
        f"{str(second[changed[0]])[:300] if changed else ''}")

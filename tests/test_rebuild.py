"""Rebuild correctness on a small copy of the book: which notebooks run after which edit, that
every page shows the edit, and that two clean builds give the same bytes. (Speed is measured by
benchmarks/rebuild.py, not here.)"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import build_book, copy_book, read_rows, write_rows

pytestmark = pytest.mark.book

SMALL_TOC = """format: jb-book
root: chapters/intro
parts:
  - caption: Part
    numbered: true
    chapters:
      - file: chapters/preliminaries
      - file: chapters/chart
      - file: chapters/video
  - caption: Back matter
    chapters:
      - file: chapters/references
"""
USES_DATA = ["chapters/chart.md", "chapters/intro.md", "chapters/video.md"]


STUB_CHAPTER = """# {title}

A short page of prose, standing in for the real chapter, whose links reach pages outside this
small book.

```{{code-cell}} ipython3
from helpers import tables

tables.works_table("{task}")
```
"""


STUB_INTRO = """# Introduction

A short home page that reads the data, standing in for the real one.

```{code-cell} ipython3
from helpers import tables

tables.corpus_facts()
```
"""


STUB_NO_DATA = """# Preliminaries

A page with code that reads no data, so a data edit must not re-run it.

```{code-cell} ipython3
print(sum(range(10)))
```
"""


def small_book(path: Path) -> Path:
    """The real data, with the home page and two task chapters reduced to code that reads it, and
    one page whose code reads no data (the real pages link to pages outside this small book)."""
    root = copy_book(path)
    (root / "_toc.yml").write_text(SMALL_TOC, encoding="utf-8")
    front_matter = (root / "chapters" / "chart.md").read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n\n"
    (root / "chapters" / "intro.md").write_text(front_matter + STUB_INTRO, encoding="utf-8")
    for task, title in (("chart", "Chart Understanding"), ("video", "Video-Centric Tasks")):
        (root / "chapters" / f"{task}.md").write_text(front_matter + STUB_CHAPTER.format(title=title, task=task),
                                                      encoding="utf-8")
    (root / "chapters" / "preliminaries.md").write_text(front_matter + STUB_NO_DATA, encoding="utf-8")
    return root


def build(root: Path) -> str:
    result = build_book(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Executing notebook using" not in result.stdout, "myst-nb executed a notebook itself"
    return result.stdout


def executed(root: Path) -> list[str]:
    return json.loads((root / "_build" / ".staging" / "execution.json").read_text())["executed"]


def page(root: Path, name: str) -> str:
    return (root / "_build" / "html" / "chapters" / f"{name}.html").read_text(encoding="utf-8")


def site_digest(root: Path) -> dict[str, str]:
    html = root / "_build" / "html"
    return {p.relative_to(html).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(html.rglob("*")) if p.is_file()}


def test_each_edit_reexecutes_exactly_the_notebooks_that_depend_on_it(tmp_path):
    root = small_book(tmp_path / "book")
    build(root)
    assert executed(root) == sorted(USES_DATA + ["chapters/preliminaries.md"])

    before = site_digest(root)
    assert "up to date" in build(root)
    assert site_digest(root) == before

    chart = root / "chapters" / "chart.md"
    chart.write_text(chart.read_text(encoding="utf-8") + "\nA sentence added by the prose test.\n", encoding="utf-8")
    build(root)
    assert executed(root) == []
    assert "A sentence added by the prose test." in page(root, "chart")

    rows = read_rows(root, "papers")
    next(r for r in rows if r["task"] == "video")["dataset"] = "DATAEDIT2718"
    write_rows(root, "papers", rows)
    build(root)
    assert executed(root) == USES_DATA  # not the page that reads no data
    assert "DATAEDIT2718" in page(root, "video")

    text = chart.read_text(encoding="utf-8")
    chart.write_text(text.replace('tables.works_table("chart")', 'print("CODEEDIT3141")\ntables.works_table("chart")'),
                     encoding="utf-8")
    build(root)
    assert executed(root) == ["chapters/chart.md"]
    assert "CODEEDIT3141" in page(root, "chart")
    assert "DATAEDIT2718" in page(root, "video")  # still there: nothing stale, nothing lost


def test_two_clean_builds_are_byte_identical(tmp_path):
    root = small_book(tmp_path / "book")
    build(root)
    first = site_digest(root)
    shutil.rmtree(root / "_build")
    build(root)
    second = site_digest(root)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []

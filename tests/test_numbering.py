"""Figure numbers kept when no page's outline changed, worked out again when one did
(helpers.numbering), on a small Sphinx project with numbers that run across pages."""
from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

CONF = """
from helpers import numbering

numfig = True
numfig_secnum_depth = 0  # one count for the whole book: a table added early renumbers later ones
def setup(app):
    numbering.install(app)
"""
INDEX = "Book\n====\n\n.. toctree::\n   :numbered:\n\n   a\n   b\n"
TABLE = """
.. table:: {caption}
   :name: {name}

   ===  ===
   x    y
   ===  ===
   1    2
   ===  ===
"""


def page(title: str, *tables: tuple[str, str], prose: str = "") -> str:
    return f"{title}\n{'=' * len(title)}\n\n{prose}\n" + "".join(TABLE.format(caption=c, name=n) for c, n in tables)


def build(source: Path, output: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", str(source), str(output)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    env = pickle.loads((output / ".doctrees" / "environment.pickle").read_bytes())
    return env.survey_figure_numbers


def numbers(output: Path, name: str) -> list[str]:
    return re.findall(r'<span class="caption-number">(Table \d+) </span>', (output / f"{name}.html").read_text())


@pytest.fixture
def book(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(CONF)
    (source / "index.rst").write_text(INDEX)
    (source / "a.rst").write_text(page("Chapter A", ("First table", "table-a")))
    (source / "b.rst").write_text(page("Chapter B", ("Second table", "table-b"), prose="See :numref:`table-b`."))
    output = tmp_path / "html"
    assert build(source, output) == "assigned"
    assert numbers(output, "a") == ["Table 1"] and numbers(output, "b") == ["Table 2"]
    return source, output


def test_a_prose_edit_keeps_the_numbers_without_walking_the_book(book):
    source, output = book
    (source / "b.rst").write_text(page("Chapter B", ("Second table", "table-b"), prose="See :numref:`table-b`, now."))
    assert build(source, output) == "kept"
    assert numbers(output, "b") == ["Table 2"] and "now." in (output / "b.html").read_text()


def test_a_table_added_early_renumbers_the_later_pages_as_a_clean_build_does(book, tmp_path):
    source, output = book
    (source / "a.rst").write_text(page("Chapter A", ("First table", "table-a"), ("Added table", "table-new")))
    assert build(source, output) == "assigned"
    assert numbers(output, "a") == ["Table 1", "Table 2"] and numbers(output, "b") == ["Table 3"]
    assert "Table 3" in (output / "b.html").read_text().split("See")[1][:300]  # the reference too
    clean = tmp_path / "clean"
    build(source, clean)
    assert numbers(clean, "b") == numbers(output, "b")


def test_a_caption_removed_renumbers_too(book):
    """An uncaptioned table is not numbered: the outline records whether each element has a title."""
    source, output = book
    (source / "a.rst").write_text(page("Chapter A", prose="No table here any more."))
    assert build(source, output) == "assigned"
    assert numbers(output, "b") == ["Table 1"]

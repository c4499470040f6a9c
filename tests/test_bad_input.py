"""Every kind of bad input in every file an author edits is a problem line, never a traceback.

For each case: `python -m helpers.validate` (the same check `make book` runs first) prints
`file:line: field: value: what is wrong` (or `file:-: ...` where no line applies), exits non-zero,
and leaves every file as it was. A UTF-8 byte-order mark and CRLF line endings are accepted.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from conftest import copy_book
from helpers import validate

CSV_FILES = ["data/papers.csv", "data/tasks.csv", "data/generators.csv", "data/corrections.csv",
             "data/background.csv", "data/evidence.csv"]
YAML_FILES = ["data/datapackage.yaml", "_toc.yml", "_config.yml"]
CHAPTER = "chapters/chart.md"
ALL_FILES = CSV_FILES + YAML_FILES + ["references.bib", CHAPTER]
# A column whose values come from a fixed vocabulary, and one that is required, per table.
VOCABULARY = {"data/papers.csv": "direction", "data/tasks.csv": "status", "data/generators.csv": "kind",
              "data/corrections.csv": "field", "data/evidence.csv": "facet"}
REQUIRED = {"data/papers.csv": "task", "data/tasks.csv": "title", "data/generators.csv": "access",
            "data/corrections.csv": "corrected", "data/background.csv": "why", "data/evidence.csv": "locator"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return copy_book(tmp_path_factory.mktemp("pristine") / "book")


@pytest.fixture
def book(pristine, tmp_path) -> Path:
    import shutil

    copy = tmp_path / "book"
    shutil.copytree(pristine, copy)
    return copy


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run(root: Path, capsys) -> tuple[int, list[str]]:
    """Validate like `make check`, in-process; the exit code and the problem lines printed."""
    before = digest(root)
    code = validate.main([str(root)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert digest(root) == before, "validation changed a file"
    return code, [line for line in err.splitlines() if not line.endswith("nothing was built or changed.")]


def expect(root: Path, capsys, pattern: str) -> str:
    code, lines = run(root, capsys)
    assert code == 1, lines
    matching = [line for line in lines if re.match(pattern, line)]
    assert matching, f"no line matches {pattern!r}:\n" + "\n".join(lines[:20])
    return matching[0]


def csv_line(root: Path, label: str, line: int) -> list[str]:
    import csv

    return next(csv.reader([(root / label).read_text(encoding="utf-8").splitlines()[line - 1]]))


def set_cells(root: Path, label: str, line: int, **cells: str) -> None:
    """Rewrite one line of a CSV (a row on a single line) with some cells replaced."""
    import csv
    import io

    path = root / label
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[line - 1]]))
    for name, value in cells.items():
        row[header.index(name)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    lines[line - 1] = out.getvalue()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def first_data_line(root: Path, label: str) -> int:
    """The first line of a row that sits on one line (no quoted line breaks)."""
    text = (root / label).read_text(encoding="utf-8")
    lines = text.splitlines()
    for number in range(2, len(lines) + 1):
        if lines[number - 1].count('"') % 2 == 0:
            return number
    pytest.fail(f"{label} has no one-line row")


# --- cases that apply to every file -------------------------------------------------------------

@pytest.mark.parametrize("label", ALL_FILES)
def test_invalid_utf8_names_line_and_byte_offset(book, capsys, label):
    path = book / label
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    target = min(2, len(lines) - 1)  # the second line (0-based 1), or the first
    offset = sum(len(line) + 1 for line in lines[:target - 1]) + 3
    path.write_bytes(raw[:offset] + b"\xff\xfe" + raw[offset:])
    expect(book, capsys, rf"{re.escape(label)}:{target}: encoding: 'ff': not valid UTF-8 at byte offset {offset} ")


@pytest.mark.parametrize("label", ALL_FILES)
def test_nul_byte(book, capsys, label):
    path = book / label
    text = path.read_text(encoding="utf-8")
    cut = text.index("\n") + 2
    path.write_text(text[:cut] + "\0" + text[cut:], encoding="utf-8")
    expect(book, capsys, rf"{re.escape(label)}:2: content: '\\\\x00': NUL byte")


@pytest.mark.parametrize("label", ALL_FILES)
def test_bom_and_crlf_are_accepted(book, capsys, label):
    path = book / label
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    code, lines = run(book, capsys)
    assert (code, lines) == (0, []), lines


# --- CSV cases ----------------------------------------------------------------------------------

@pytest.mark.parametrize("label", CSV_FILES)
def test_unclosed_quote(book, capsys, label):
    line = first_data_line(book, label)
    path = book / label
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = lines[line - 1].replace(",", ',"', 1)  # the second cell opens a quote it never closes
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expect(book, capsys, rf"{re.escape(label)}:{line}: row: '.*': malformed CSV: .*never closed")


@pytest.mark.parametrize("label", CSV_FILES)
def test_duplicate_column_names(book, capsys, label):
    path = book / label
    lines = path.read_text(encoding="utf-8").split("\n")
    first = lines[0].split(",")[0]
    lines[0] = lines[0].replace(lines[0].split(",")[1], first, 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    expect(book, capsys, rf"{re.escape(label)}:1: {first}: '{first}': duplicate column name")


@pytest.mark.parametrize("label", sorted(REQUIRED))
@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "spaces"])
def test_required_cell_empty_or_only_spaces(book, capsys, label, blank):
    line = first_data_line(book, label)
    column = REQUIRED[label]
    set_cells(book, label, line, **{column: blank})
    message = "required cell is empty" if blank == "" else "required cell is only spaces"
    expect(book, capsys, rf"{re.escape(label)}:{line}: {column}: '{blank}': {message}")


@pytest.mark.parametrize("label", sorted(VOCABULARY))
@pytest.mark.parametrize("pad", [" {}", "{} "], ids=["leading", "trailing"])
def test_vocabulary_value_with_spaces(book, capsys, label, pad):
    line = first_data_line(book, label)
    column = VOCABULARY[label]
    value = pad.format(csv_line(book, label, line)[csv_line(book, label, 1).index(column)])
    set_cells(book, label, line, **{column: value})
    expect(book, capsys, rf"{re.escape(label)}:{line}: {column}: {re.escape(repr(value))}: leading or trailing spaces")


def test_spaces_inside_a_list_value(book, capsys):
    line = first_data_line(book, "data/papers.csv")
    set_cells(book, "data/papers.csv", line, modalities="image ;video")
    expect(book, capsys, rf"data/papers.csv:{line}: modalities: 'image ;video': spaces around a ';'-separated value")


@pytest.mark.parametrize("label", CSV_FILES)
def test_one_megabyte_field(book, capsys, label):
    line = first_data_line(book, label)
    column = csv_line(book, label, 1)[-1]
    set_cells(book, label, line, **{column: "x" * 1_000_000})
    expect(book, capsys, rf"{re.escape(label)}:{line}: {column}: 'x+': cell of 1,000,000 characters; the limit is 10,000")


def test_one_megabyte_bib_field(book, capsys):
    path = book / "references.bib"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ttitle = {", "\tnote = {" + "y" * 1_000_000 + "},\n\ttitle = {", 1), encoding="utf-8")
    expect(book, capsys, r"references\.bib:\d+: note: 'y+': field of 1,000,000 characters")


# --- YAML and the book's structure --------------------------------------------------------------

@pytest.mark.parametrize("label", YAML_FILES)
def test_yaml_syntax_error(book, capsys, label):
    path = book / label
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "broken: [unclosed, list")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expect(book, capsys, rf"{re.escape(label)}:\d+: yaml: .*: YAML syntax error: ")


def test_toc_entry_whose_file_does_not_exist(book, capsys):
    path = book / "_toc.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- file: chapters/chart\n", "- file: chapters/chrat\n"), encoding="utf-8")
    line = text.splitlines().index(next(l for l in text.splitlines() if l.endswith("- file: chapters/chart"))) + 1
    expect(book, capsys, rf"_toc\.yml:{line}: file: 'chapters/chrat': no such page: chapters/chrat\.md does not exist")


def test_chapter_that_no_toc_entry_lists(book, capsys):
    (book / "chapters" / "orphan.md").write_text("# An orphan page\n", encoding="utf-8")
    expect(book, capsys, r"chapters/orphan\.md:-: _toc\.yml: 'chapters/orphan': this page is in no _toc\.yml entry")


def test_chapter_front_matter_that_is_not_valid_yaml(book, capsys):
    path = book / CHAPTER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("kernelspec:\n", "kernelspec: [oops\n", 1), encoding="utf-8")
    expect(book, capsys, rf"{re.escape(CHAPTER)}:\d+: yaml: .*: YAML syntax error: ")


def test_chapter_front_matter_never_closed(book, capsys):
    path = book / CHAPTER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n---\n", "\n", 1), encoding="utf-8")
    code, lines = run(book, capsys)
    assert code == 1 and any(l.startswith(f"{CHAPTER}:1: front matter:") for l in lines), lines


def test_the_build_stops_on_bad_input_with_the_same_lines(book, capsys):
    """`make book` runs helpers.build, which must refuse in the same words, with nothing built."""
    from helpers import build

    path = book / "data" / "tasks.csv"
    path.write_bytes(path.read_bytes().replace(b"Evaluation", b"Evalu\xe9tion", 1))
    before = digest(book)
    assert build.main([str(book)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"data/tasks\.csv:\d+: encoding: 'e9 74 69': not valid UTF-8 at byte offset \d+", err) or \
        re.search(r"data/tasks\.csv:\d+: encoding: 'e9': not valid UTF-8", err), err
    assert "Traceback" not in err and digest(book) == before
    assert not (book / "_build").exists()

"""Bad input stops everything with `file:line: field: value: what is wrong`, and changes no file."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import build
from helpers.validate import find_problems


def messages(root: Path) -> list[str]:
    return [str(p) for p in find_problems(root)]


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def set_cell(path: Path, line: int, column: int, value: str) -> None:
    """Overwrite one cell of a simple CSV (no quoted commas on that line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[line - 1].split(",")
    cells[column] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def first_paper(book: Path) -> str:
    return (book / "data" / "papers.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_real_book_input_is_valid():
    assert messages(Path(__file__).resolve().parents[1]) == []


def test_malformed_bib_entry_names_its_line(book):
    bib = book / "references.bib"
    key = first_paper(book)
    replace_in(bib, "@", "@misc{broken2024entry,\n  title = {Unclosed\n  year = 2024\n}\n\n@", 1)
    found = messages(book)
    assert any(m.startswith("references.bib:1: entry: ") and "malformed BibTeX entry" in m for m in found), found
    # the parser recovers at the next entry, which must not be reported as lost
    assert not any(key in m for m in found), found


def test_a_kept_parse_of_the_bibliography_follows_edits_and_is_not_shared(book):
    from helpers import bib as bibfile

    path = book / "references.bib"
    first, _ = bibfile.read_bib(path, "references.bib")
    first[0].fields["title"] = "changed by a caller"
    again, _ = bibfile.read_bib(path, "references.bib")
    assert again[0].fields["title"] != "changed by a caller"
    replace_in(path, again[0].fields["title"], "A Title Edited On Disk")
    edited, _ = bibfile.read_bib(path, "references.bib")
    assert edited[0].fields["title"] == "A Title Edited On Disk"


def test_duplicate_bib_key(book):
    bib = book / "references.bib"
    text = bib.read_text(encoding="utf-8")
    first_entry = text[: text.index("\n}\n") + 3]
    bib.write_text(text + "\n" + first_entry, encoding="utf-8")
    dup_line = len(text.splitlines()) + 2
    found = messages(book)
    assert any(re.match(rf"references\.bib:{dup_line}: key: '[a-z0-9]+': duplicate BibTeX key", m) for m in found), found


@pytest.mark.parametrize("field, bad, expected", [
    ("year", "1899", "year must be a number"),
    ("url", "htp:/nowhere", "not a well-formed https URL"),
])
def test_bad_bib_field_values(book, field, bad, expected):
    bib = book / "references.bib"
    line = line_of(bib, f"\t{field} = ")
    lines = bib.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = f"\t{field} = {{{bad}}},"
    bib.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f"references.bib:{line}: {field}: {bad!r}: {expected}" in "\n".join(messages(book))


def test_missing_required_bib_field(book):
    bib = book / "references.bib"
    line = line_of(bib, "\ttitle = ")
    lines = bib.read_text(encoding="utf-8").splitlines()
    del lines[line - 1]
    bib.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert any(": title: '': entry " in m and "has no title" in m for m in messages(book))


def test_two_works_sharing_one_arxiv_id(book):
    bib = book / "references.bib"
    ids = re.findall(r"eprint = \{([0-9.]+)\}", bib.read_text(encoding="utf-8"))
    replace_in(bib, f"eprint = {{{ids[1]}}}", f"eprint = {{{ids[0]}}}")
    found = messages(book)
    assert any("eprint" in m and f"'{ids[0]}'" in m and "arXiv id also used by" in m for m in found), found


def test_two_entries_with_the_same_title(book):
    bib = book / "references.bib"
    titles = re.findall(r"\ttitle = \{\{(.+)\}\},", bib.read_text(encoding="utf-8"))
    replace_in(bib, "{{" + titles[1] + "}}", "{{" + titles[0].upper() + "}}")
    found = messages(book)
    assert any(": title: " in m and "title also used by" in m for m in found), found


def test_bad_vocabulary_value_in_csv(book):
    set_cell(book / "data" / "papers.csv", 4, 2, "maybe")  # direction
    found = messages(book)
    assert any(m.startswith("data/papers.csv:4: direction: 'maybe': ") for m in found), found


def test_unknown_task_is_a_foreign_key_error(book):
    set_cell(book / "data" / "papers.csv", 6, 1, "astrology")  # task
    found = messages(book)
    assert any(m.startswith("data/papers.csv:6: task: 'astrology': no such row") for m in found), found


def test_csv_row_without_bib_entry_and_bib_entry_without_row(book):
    papers = book / "data" / "papers.csv"
    key = first_paper(book)
    replace_in(papers, f"\n{key},", "\nghost2024paper,")
    found = messages(book)
    assert "data/papers.csv:2: key: 'ghost2024paper': no entry with this key in references.bib" in found
    bib_line = line_of(book / "references.bib", f"{{{key},")
    assert f"references.bib:{bib_line}: key: '{key}': entry has no row in data/papers.csv (or data/background.csv)" in found


def test_generator_must_be_listed(book):
    set_cell(book / "data" / "papers.csv", 2, 3, "GPT-4;HAL-9000")  # generators
    (book / "data" / "generators.csv").write_text("name,kind,access\nGPT-4,llm,closed-api\n", encoding="utf-8")
    found = messages(book)
    assert "data/papers.csv:2: generators: 'HAL-9000': not a name in data/generators.csv" in found, found


def test_unknown_facet_needs_a_reason(book):
    papers = book / "data" / "papers.csv"
    header = papers.read_text(encoding="utf-8").splitlines()[0].split(",")
    lines = papers.read_text(encoding="utf-8").splitlines()
    lines.append(",".join({"key": first_paper(book) + "x", "task": "chart", "dataset": "unknown"}.get(c, "")
                          for c in header))
    papers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = messages(book)
    assert (f"data/papers.csv:{len(lines)}: unknown_reasons: '': dataset is 'unknown': say why in unknown_reasons"
            in found), found


def test_citation_to_missing_key_in_chapter(book):
    chapter = book / "chapters" / "preliminaries.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nSee {cite:t}`nobody2020nothing`.\n", encoding="utf-8")
    line = len(chapter.read_text(encoding="utf-8").splitlines())
    assert (f"chapters/preliminaries.md:{line}: cite: 'nobody2020nothing': cited key has no entry in references.bib"
            in messages(book))


def test_all_problems_reported_in_one_run_and_nothing_rewritten(book):
    replace_in(book / "references.bib", "@", "@misc{broken,\n title = {x\n}\n@", 1)
    chapter = book / "chapters" / "evaluation.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n{cite:p}`missing2021key`\n", encoding="utf-8")
    before = digest(book)
    result = subprocess.run([sys.executable, "-m", "helpers.validate", str(book)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "references.bib:1: entry:" in result.stderr
    assert "chapters/evaluation.md:" in result.stderr and "missing2021key" in result.stderr
    assert digest(book) == before


def test_build_refuses_bad_input_and_keeps_last_good_site(book, capsys):
    site = book / "_build" / "html"
    site.mkdir(parents=True)
    (site / "index.html").write_text("last good build", encoding="utf-8")
    replace_in(book / "data" / "tasks.csv", "instruction-tuning,Instruction", "instruction-tuning,,Instruction")
    before = digest(book)
    assert build.main([str(book)]) == 1
    err = capsys.readouterr().err
    assert "data/tasks.csv:2:" in err and "nothing was built" in err
    assert digest(book) == before
    assert not (book / "_build" / ".staging").exists()


def test_plain_jupyter_book_build_also_refuses_bad_input(book):
    """The Sphinx hook validates too, unless helpers.build has just validated the same bytes."""
    import os

    set_cell(book / "data" / "papers.csv", 4, 2, "maybe")  # direction
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(book)], capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert "data/papers.csv:4: direction: 'maybe'" in result.stdout + result.stderr
    assert not (book / "_build" / "html" / "index.html").exists()

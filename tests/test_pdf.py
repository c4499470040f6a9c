"""The PDF edition (`make pdf`, helpers.pdf): built from the same sources as the web edition, and
checked as a reader would: every chapter and every work is in it, nothing is left unresolved or
unrendered, figures and fonts are embedded, two builds read the same, and the web pages offer it.

The tests that typeset need TeX (README: "The PDF edition"); where it is missing they are skipped
with a message, unless SURVEY_REQUIRE_TEX=1 (set by .ci/run), which makes them fail instead."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, axe_violations, build_book, build_once, rebuildable_copy, serve
from helpers import build, pdf

MISSING_TEX = pdf.missing_tools() or (None if shutil.which("pdftotext") and shutil.which("pdffonts") else
                                      "the PDF tests read the PDF with pdftotext and pdffonts: "
                                      "sudo apt-get install poppler-utils")
EPOCH = "1764460800"  # 2025-11-30: SOURCE_DATE_EPOCH of the test builds


def flat(text: str) -> str:
    """Text reduced to lower-case letters and digits: line breaks, hyphenation and typography
    (ligatures, dashes, quotes) of the PDF do not count."""
    text = unicodedata.normalize("NFKD", text).casefold()
    return re.sub(r"[^a-z0-9]", "", text)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# --- without TeX: the parts that decide what fails the build ------------------------------------

def test_the_log_check_fails_undefined_references_and_lines_more_than_10pt_too_wide():
    log = "\n".join([
        "LaTeX Warning: Reference `chapters/intro:fig-x' on page 3 undefined on input line 12.",
        "LaTeX Warning: Citation `smith2024' on page 4 undefined on input line 20.",
        r"Overfull \hbox (12.5pt too wide) in paragraph at lines 30--31",
        r"Overfull \hbox (9.9pt too wide) in paragraph at lines 40--41",
        r"Overfull \vbox (55.3pt too high) detected at line 50",
        r"Underfull \hbox (badness 10000) in paragraph at lines 60--61",
        "LaTeX Warning: There were undefined references.",
    ])
    problems = pdf.log_problems(log, "book.log")
    assert len(problems) == 5, problems
    assert any("fig-x" in p for p in problems) and any("smith2024" in p for p in problems)
    assert any("12.5 pt too wide" in p and "lines 30--31" in p for p in problems)
    assert any("55.3 pt too high" in p for p in problems)
    assert not any("9.9" in p or "Underfull" in p for p in problems)
    assert pdf.log_problems("Output written on book.xdv (3 pages).") == []
    # with the LaTeX source, a box names the chapter and the text it comes from
    tex = "\n".join(["\\chapter{Glossary}", "\\label{\\detokenize{chapters/glossary::doc}}", *["x"] * 27,
                     "1234567890123456789012345678901234567890 is too long"])
    located = pdf.log_problems(r"Overfull \hbox (12.5pt too wide) in paragraph at lines 30--31", "book.log", tex)
    assert located == ["book.log: a line 12.5 pt too wide in paragraph at lines 30--31 (from chapters/glossary.md: "
                       "'1234567890123456789012345678901234567890 is too long')"], located


def test_table_columns_are_never_narrower_than_their_longest_word():
    cells = [["Work", "Venue", "Direction"],
             ["Li et al. [2023]: LLaVA-Med: Training a Large Language-and-Vision Assistant", "NeurIPS 2023",
              "VLM generates"],
             ["Zhang et al. [2024]", "arXiv 2024", "for a VLM"]]
    widths = pdf.column_widths(cells)
    room = pdf.LINE_CHARACTERS - pdf.CELL_PADDING * 3
    assert sum(widths) <= room
    for column, width in enumerate(widths):
        longest = max(len(word) for row in cells for word in row[column].split())
        assert width > longest, (column, width, longest)
    # a long token (a DOI) counts by the pieces a line may break it into
    assert pdf.pieces("10.1109/TPAMI.2026.3683747") == ["10.", "1109/", "TPAMI.", "2026.", "3683747"]
    assert pdf.pieces("short") == ["short"]


def test_the_parts_the_web_edition_leaves_unnumbered_are_appendices():
    assert pdf.unnumbered_parts(REPO) == ["Back matter"]
    tex = "\\part{Outlook}\n\\chapter{Conclusion}\n\\part{Back matter}\n\\chapter{Paper Explorer}\n"
    assert pdf.letter_appendices(tex, ["Back matter"]) == tex.replace("{Back matter}", "{Back matter}\\appendix")
    assert pdf.letter_appendices(tex, ["Not there"]) == tex


def test_without_tex_make_pdf_says_what_to_install_and_builds_nothing(book, tmp_path):
    bin_dir = tmp_path / "bin"  # an empty PATH: no TeX (the venv's Python is named in full)
    bin_dir.mkdir()
    result = subprocess.run([sys.executable, "-m", "helpers.build", "--pdf", str(book)], cwd=book,
                            env={**os.environ, "PATH": str(bin_dir)}, capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install" in lines[0] and "texlive-xetex" in lines[0], result.stderr
    assert not (book / "_build").exists()


def test_the_web_edition_offers_the_pdf_in_the_download_menu_or_on_its_own():
    app = SimpleNamespace(config=SimpleNamespace(survey_pdf=True))
    menu = {"label": "download-buttons", "buttons": []}
    context = {"header_buttons": [menu], "pathto": lambda name, resource: f"../{name}"}
    build._offer_pdf(app, "chapters/video", "page.html", context, None)
    assert [b["url"] for b in menu["buttons"]] == ["../book.pdf"] and menu["buttons"][0]["tooltip"]
    bare = {"header_buttons": [], "pathto": lambda name, resource: name}
    build._offer_pdf(app, "search", "search.html", bare, None)
    assert bare["header_buttons"][0]["url"] == "book.pdf"
    app.config.survey_pdf = False
    untouched = {"header_buttons": [], "pathto": lambda name, resource: name}
    build._offer_pdf(app, "search", "search.html", untouched, None)
    assert untouched["header_buttons"] == []


def test_only_the_web_edition_offers_a_built_pdf(tmp_path):
    assert not build.pdf_offered(tmp_path, hide_solutions=False)  # not built
    (tmp_path / build.PDF.product).parent.mkdir(parents=True)
    (tmp_path / build.PDF.product).write_bytes(b"%PDF-1.5")
    assert build.pdf_offered(tmp_path, hide_solutions=False)
    assert not build.pdf_offered(tmp_path, hide_solutions=True)  # the student edition


def test_the_explorer_prints_as_one_table_of_every_work_by_task_then_year():
    from helpers import explorer, load

    table = explorer.catalogue_table(REPO).splitlines()
    rows = [line for line in table[2:] if line.startswith("|")]
    works = load.catalogue(REPO)
    assert len(rows) == len(works) == 125
    order = {t.title: t.order for t in load.tasks(REPO).itertuples()}
    keys = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        keys.append((order[re.sub(r"\\(.)", r"\1", cells[0])], int(cells[1])))  # Markdown escapes undone
        assert re.fullmatch(r"\{cite:t\}`[^`]+`", cells[2]), cells[2]
    assert keys == sorted(keys)


# --- the built PDF ------------------------------------------------------------------------------

def _require_tex():
    if MISSING_TEX:
        if os.environ.get("SURVEY_REQUIRE_TEX") == "1":
            pytest.fail(f"TEX REQUIRED: {MISSING_TEX}")
        pytest.skip(f"PDF TESTS SKIPPED: {MISSING_TEX}")


def make_pdf(root: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers.build", "--pdf", str(root), *extra], cwd=root,
                          env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, capture_output=True, text=True)


def _build_the_pdf(folder: Path, built: Path) -> None:
    staging = folder.with_name(folder.name + ".partial")
    root = rebuildable_copy(built, staging / "book")
    for command in (lambda: make_pdf(root), lambda: build_book(root)):  # the PDF, then the site offering it
        result = command()
        assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    staging.rename(folder)


@pytest.fixture(scope="session")
def pdf_book(request, tmp_path_factory, built_book) -> Path:
    """A copy of the built book with its PDF edition built (SOURCE_DATE_EPOCH fixed), and its web
    edition built again after it, so that it offers the PDF. Read-only."""
    _require_tex()
    return build_once(request, tmp_path_factory, "pdf", lambda folder: _build_the_pdf(folder, built_book)) / "book"


@pytest.fixture(scope="session")
def text(pdf_book) -> str:
    return pdf_text(pdf_book / build.PDF.product)


def chapter_titles(root: Path) -> list[str]:
    from helpers.execute import toc_pages

    titles = []
    for page in toc_pages(root):
        heading = re.search(r"^# (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
        titles.append(heading.group(1))
    return titles


@pytest.mark.book
def test_the_pdf_has_every_chapter_and_every_surveyed_work(pdf_book, text):
    body = flat(text)
    titles = chapter_titles(pdf_book)
    assert len(titles) >= 40
    missing = [t for t in titles if flat(t) not in body]
    assert missing == [], missing
    from helpers import load

    works = load.catalogue(pdf_book)
    missing = [w.title for w in works.itertuples() if flat(w.title) not in body]
    assert missing == [], missing
    assert len(works) == 125


@pytest.mark.book
def test_the_pdf_has_no_unresolved_reference_and_no_raw_markup(text):
    for mark in ("??", "[?]", "```", ":::", "{cite", "{doc}", "{ref}", "{numref}", "{glue", "{term}", "\\textbf",
                 "\\sphinx", "\\begin", "<a href", "IPython.core.display"):
        assert mark not in text, (mark, text[max(0, text.find(mark) - 200):text.find(mark) + 200])


@pytest.mark.book
def test_every_font_is_embedded(pdf_book):
    listing = subprocess.run(["pdffonts", str(pdf_book / build.PDF.product)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing, "no fonts listed"
    # columns: name, type (one or more words), encoding, emb, sub, uni, object, generation
    not_embedded = [line for line in listing if line.split()[-5] != "yes"]
    assert not_embedded == [], not_embedded


@pytest.mark.book
def test_every_numbered_figure_of_the_web_edition_is_a_vector_figure_of_the_pdf(pdf_book, text):
    html = pdf_book / "_build" / "html"
    web = sum(len(BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").select("figure span.caption-number"))
              for page in (html / "chapters").glob("*.html"))
    printed = set(re.findall(r"^Fig\. (\d+(?:\.\d+)*): ", text, flags=re.M))
    assert web >= 40 and len(printed) == web, (web, len(printed))
    tex = (pdf_book / build.PDF.staging / "_build" / "latex" / "book.tex").read_text(encoding="utf-8")
    graphics = re.findall(r"\\sphinxincludegraphics(?:\[[^\]]*\])?\{\{([^}]*)\}(\.\w+)\}", tex)
    assert len(graphics) >= web
    # every figure file is a PDF made from the web edition's SVG (vector), none a bitmap
    assert {suffix for _, suffix in graphics} == {".pdf"}


@pytest.mark.book
def test_every_exercise_and_its_solution_is_in_the_pdf(pdf_book, text):
    sources = "".join(p.read_text(encoding="utf-8") for p in (pdf_book / "chapters").glob("*-lab.md"))
    exercises = len(re.findall(r"```\{exercise-start\}", sources))
    solutions = len(re.findall(r"```\{solution-start\}", sources))
    assert exercises >= 30 and solutions == exercises
    assert len(set(re.findall(r"^Exercise (\d+\.\d+\.\d+)$", text, flags=re.M))) == exercises
    assert len(set(re.findall(r"^Solution to Exercise (\d+\.\d+\.\d+)$", text, flags=re.M))) == solutions


@pytest.mark.book
def test_the_explorer_has_its_static_stand_in(text):
    assert re.search(r"APPENDIX\s+A\s+PAPER EXPLORER", text), "the back matter is lettered"
    start = text.index("PAPER EXPLORER")
    chapter = text[start:text.index("TEACHING WITH THIS BOOK", start)]
    assert len(re.findall(r"\[20\d\d\]", chapter)) >= 125  # "Author et al. [year]", one per work


@pytest.mark.book
def test_the_bibliography_lists_every_surveyed_work_once(pdf_book):
    from helpers import load

    tex = (pdf_book / build.PDF.staging / "_build" / "latex" / "book.tex").read_text(encoding="utf-8")
    keys = re.findall(r"\\bibitem\[[^\]]*\]\{chapters/references:cite-([^}]+)\}", tex)
    assert len(keys) == len(set(keys)), "an entry twice"
    missing = set(load.catalogue(pdf_book)["key"]) - set(keys)
    assert not missing, missing


@pytest.mark.book
def test_the_latex_log_has_no_undefined_reference_and_no_overfull_box(pdf_book):
    log = (pdf_book / build.PDF.staging / "_build" / "latex" / "book.log").read_text(encoding="utf-8", errors="replace")
    assert "Output written on book.xdv" in log
    assert pdf.log_problems(log) == []


@pytest.mark.book
def test_two_builds_with_the_same_source_date_read_the_same(pdf_book, text, tmp_path):
    root = rebuildable_copy(pdf_book, tmp_path / "book")
    first = (root / build.PDF.product).read_bytes()
    result = make_pdf(root, "--all")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert pdf_text(root / build.PDF.product) == text
    print("byte-identical:", (root / build.PDF.product).read_bytes() == first)


@pytest.mark.book
def test_every_web_page_offers_the_pdf(pdf_book):
    html = pdf_book / "_build" / "html"
    assert (html / "book.pdf").read_bytes() == (pdf_book / build.PDF.product).read_bytes()
    pages = [p for p in [*html.glob("*.html"), *html.glob("chapters/*.html")] if p.name != "index.html"]
    assert len(pages) >= 40
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        links = [a for a in soup.select("a[href]") if a["href"].endswith("book.pdf")]
        assert links, page
        assert all((page.parent / a["href"]).resolve() == (html / "book.pdf").resolve() for a in links), page


@pytest.mark.book
def test_the_download_menu_link_opens_the_pdf_in_a_browser(browser, pdf_book):
    url, server = serve(pdf_book / "_build" / "html")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/chapters/video.html")
        page.get_by_role("button", name="Download this page").click()
        link = page.get_by_role("link", name=re.compile("Book \\(PDF\\)"))
        link.wait_for(state="visible")
        response = page.request.get(urljoin(page.url, link.get_attribute("href")))
        assert response.status == 200 and response.body()[:5] == b"%PDF-"
        # a page without a download menu (search) has the link on its own, named and accessible
        page.goto(f"{url}/search.html")
        assert page.get_by_role("link", name=re.compile("Book \\(PDF\\)")).is_visible()
        violations = axe_violations(page)
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
        page.close()
    finally:
        server.shutdown()


def test_pdf_text_flattening_ignores_typography():
    assert flat("Vision–Language “Models”\nﬁne-\ntuning") == flat("vision-language models fine-tuning")

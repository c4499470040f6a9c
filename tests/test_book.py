"""Whole-book tests: build temporary copies exactly as `make book` does and inspect the HTML."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import build_book, copy_book, read_rows, write_rows

pytestmark = pytest.mark.book


def html(root: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_build" / "html" / page).read_text(encoding="utf-8"), "html.parser")


def cited_keys(soup: BeautifulSoup) -> list[str]:
    return [a["href"].split("#cite-", 1)[1] for a in soup.select('a[href*="#cite-"]')]


def test_build_has_no_warnings(built_book):
    log = (built_book / "build.log").read_text(encoding="utf-8")
    assert "build succeeded." in log
    assert not re.search(r"\bWARNING:", log), re.findall(r".*WARNING:.*", log)[:5]


def test_every_toc_page_is_built(built_book):
    toc = (built_book / "_toc.yml").read_text(encoding="utf-8")
    for page in re.findall(r"(?:file|root): (chapters/[\w-]+)", toc):
        assert (built_book / "_build" / "html" / f"{page}.html").is_file(), page


def test_each_chapter_table_lists_exactly_its_works(built_book):
    papers = read_rows(built_book, "papers")
    for task in read_rows(built_book, "tasks"):
        soup = html(built_book, f"chapters/{task['chapter']}.html")
        tables = soup.select("table")
        assert len(tables) == 1, task["id"]
        expected = sorted(p["key"] for p in papers if p["task"] == task["id"])
        assert sorted(cited_keys(tables[0])) == expected, task["id"]


def test_every_citation_resolves_to_a_reference_entry(built_book):
    references = html(built_book, "chapters/references.html")
    entries = {tag["id"][len("cite-"):] for tag in references.select('[id^="cite-"]')}
    cited = set()
    for page in (built_book / "_build" / "html" / "chapters").glob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for link in soup.select('a[href*="#cite-"]'):
            assert link["href"].startswith("references.html#cite-") or page.name == "references.html"
            cited.add(link["href"].split("#cite-", 1)[1])
    assert cited <= entries
    assert {p["key"] for p in read_rows(built_book, "papers")} <= entries


def test_every_image_has_alt_text(built_book):
    images = []
    for page in (built_book / "_build" / "html").rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        images += [(page.name, img) for img in soup.select("article img, main img")]
    assert images, "expected at least one figure"
    for page, img in images:
        assert img.get("alt", "").strip(), f"{page}: {img}"


def test_figures_are_numbered_and_referenced(built_book):
    intro = html(built_book, "chapters/intro.html")
    numbers = [span.get_text() for span in intro.select("figcaption .caption-number")]
    assert numbers and all(re.match(r"Fig\. \d+", n) for n in numbers)
    assert intro.select('a[href="#fig-works-per-task"]')


def test_data_edit_and_new_citation_show_up_after_a_plain_rebuild(tmp_path):
    """Stock JB1 serves stale tables here; the build hooks must not."""
    root = copy_book(tmp_path / "book")
    assert build_book(root).returncode == 0
    papers = read_rows(root, "papers")
    edited = papers[3]
    marker = "STALECHECK4711"
    edited["dataset"] = marker
    new_key = "zebra2024testwork"
    papers.append(dict(papers[3], key=new_key, dataset="", summary=""))
    write_rows(root, "papers", papers)
    with (root / "references.bib").open("a", encoding="utf-8") as handle:
        handle.write("\n@misc{zebra2024testwork,\n\ttitle = {{Zebra Crossing Test Work}},\n"
                     "\tauthor = {Zed Zebra},\n\tyear = {2024},\n\teprint = {2499.99999},\n"
                     "\tarchiveprefix = {arXiv},\n\turl = {https://arxiv.org/abs/2499.99999}\n}\n")
    result = build_book(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    task = next(t for t in read_rows(root, "tasks") if t["id"] == edited["task"])
    chapter = (root / "_build" / "html" / "chapters" / f"{task['chapter']}.html").read_text(encoding="utf-8")
    assert marker in chapter
    assert f"references.html#cite-{new_key}" in chapter
    references = (root / "_build" / "html" / "chapters" / "references.html").read_text(encoding="utf-8")
    assert f'id="cite-{new_key}"' in references and "Zebra Crossing Test Work" in references
    intro = (root / "_build" / "html" / "chapters" / "intro.html").read_text(encoding="utf-8")
    assert "126" in intro  # the glued work count followed the data
    shutil.rmtree(root / "_build" / ".staging", ignore_errors=True)


def test_exports_exist_parse_and_hold_exactly_the_works(built_book):
    import bibtexparser
    import pandas as pd

    exports = built_book / "_build" / "html" / "exports"
    papers = read_rows(built_book, "papers")
    everything = bibtexparser.parse_string((exports / "references.bib").read_text(encoding="utf-8"))
    source = bibtexparser.parse_string((built_book / "references.bib").read_text(encoding="utf-8"))
    assert not everything.failed_blocks
    assert [e.key for e in everything.entries] == [e.key for e in source.entries]
    table = pd.read_csv(exports / "works.csv", dtype=str, keep_default_na=False)
    assert sorted(table["key"]) == sorted(p["key"] for p in papers)
    assert table.set_index("key").loc[papers[0]["key"], "title"]
    for task in read_rows(built_book, "tasks"):
        library = bibtexparser.parse_string((exports / f"{task['chapter']}.bib").read_text(encoding="utf-8"))
        assert not library.failed_blocks
        assert sorted(e.key for e in library.entries) == sorted(p["key"] for p in papers if p["task"] == task["id"])


def test_explorer_task_links_reach_the_discussion(built_book):
    from helpers.explorer import explorer_frame

    links = explorer_frame(built_book)["Task"].str.extract(r'href="([^"]+)"')[0]
    written = {t["chapter"] for t in read_rows(built_book, "tasks") if t["status"] == "written"}
    checked = 0
    for href in links:
        page, _, anchor = href.partition("#")
        if page[: -len(".html")] in written:
            assert anchor, f"{href}: a written chapter should link to the section discussing the work"
        if anchor:
            assert html(built_book, f"chapters/{page}").find(id=anchor) is not None, href
            checked += 1
    assert checked


def test_chapters_offer_binder_and_an_ipynb_download(built_book):
    import yaml

    config = yaml.safe_load((built_book / "_config.yml").read_text(encoding="utf-8"))
    owner_repo = config["repository"]["url"].removeprefix("https://github.com/")
    for task in read_rows(built_book, "tasks"):
        page = (built_book / "_build" / "html" / "chapters" / f"{task['chapter']}.html").read_text(encoding="utf-8")
        assert f"mybinder.org/v2/gh/{owner_repo}/" in page
        assert f"urlpath=lab/tree/chapters/{task['chapter']}.md" in page
        notebook = built_book / "_build" / "html" / "_sources" / "chapters" / f"{task['chapter']}.ipynb"
        assert f"../_sources/chapters/{task['chapter']}.ipynb" in page and notebook.is_file()

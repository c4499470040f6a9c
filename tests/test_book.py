"""Whole-book tests: build temporary copies exactly as `make book` does and inspect the HTML."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import read_rows, rebuildable_copy
from helpers import stylesheets

pytestmark = pytest.mark.book


def html(root: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((root / "_build" / "html" / page).read_text(encoding="utf-8"), "lxml")


def built_pages(site: Path) -> list[Path]:
    """The site's pages (not its static files nor the notebooks' sources), in a stable order."""
    return [p for p in sorted(site.rglob("*.html")) if "_static" not in p.parts and "_sources" not in p.parts]


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
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        for link in soup.select('a[href*="#cite-"]'):
            assert link["href"].startswith("references.html#cite-") or page.name == "references.html"
            cited.add(link["href"].split("#cite-", 1)[1])
    assert cited <= entries
    assert {p["key"] for p in read_rows(built_book, "papers")} <= entries


def test_every_image_has_alt_text(built_book):
    images = []
    for page in (built_book / "_build" / "html").rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        images += [(page.name, img) for img in soup.select("article img, main img")]
    assert images, "expected at least one figure"
    for page, img in images:
        assert img.get("alt", "").strip(), f"{page}: {img}"


def test_figures_are_numbered_and_referenced(built_book):
    intro = html(built_book, "chapters/intro.html")
    numbers = [span.get_text() for span in intro.select("figcaption .caption-number")]
    assert numbers and all(re.match(r"Fig\. \d+", n) for n in numbers)
    assert intro.select('a[href="#fig-works-per-task"]')


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


def test_explorer_records_link_to_the_discussion(built_book):
    from helpers.explorer import records

    links = [re.search(r'<dt>Discussed in</dt><dd><a href="([^"]+)"', r["details"]).group(1)
             for r in records(built_book)]
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


PAGE_WEIGHT_LIMIT = 250_000  # bytes of a page's own HTML and the images it loads (theme assets aside)
HEAVY_BY_DESIGN = {"chapters/explorer.html"}  # the whole catalogue in one table: its own limit, below


def page_weight(site: Path, page: Path) -> int:
    """A page's own bytes: its HTML plus every image of the site it loads (each counted once)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    images = {(page.parent / img["src"]).resolve() for img in soup.select("img[src]")
              if not img["src"].startswith(("http:", "https:", "data:")) and "_static" not in img["src"]}
    return page.stat().st_size + sum(p.stat().st_size for p in images if p.is_file())


def test_every_page_is_light(built_book):
    site = built_book / "_build" / "html"
    weights = {p.relative_to(site).as_posix(): page_weight(site, p) for p in built_pages(site)}
    print("page weights (bytes):", *(f"{w:>9,}  {name}" for name, w in sorted(weights.items(), key=lambda i: -i[1])),
          sep="\n  ")
    heavy = {name: w for name, w in weights.items() if w > PAGE_WEIGHT_LIMIT and name not in HEAVY_BY_DESIGN}
    assert heavy == {}, f"pages over {PAGE_WEIGHT_LIMIT:,} bytes: {heavy}"
    assert weights["chapters/explorer.html"] <= 1_200_000


def test_the_student_edition_has_every_exercise_and_no_solution(built_book, tmp_path):
    """`make book-student`: the same pages, the exercises all there, the solutions gone from the
    pages and from the downloadable notebooks."""
    import subprocess
    import sys

    root = rebuildable_copy(built_book, tmp_path / "book")
    result = subprocess.run([sys.executable, "-m", "helpers.build", str(root), "--student"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "executed 0 notebook(s)" in result.stdout, "the student edition reuses the execution cache"
    student, web = root / "_build" / "student", root / "_build" / "html"
    labs = sorted(p.name for p in (root / "chapters").glob("*-lab.md"))
    assert len(labs) == len(read_rows(root, "tasks"))
    for lab in labs:
        page = lab.replace(".md", ".html")
        source = (root / "chapters" / lab).read_text(encoding="utf-8")
        exercises = len(re.findall(r"```\{exercise-start\}", source))
        for site, solutions in ((web, exercises), (student, 0)):
            soup = BeautifulSoup((site / "chapters" / page).read_text(encoding="utf-8"), "lxml")
            assert len(soup.select("div.exercise")) == exercises, (site.name, page)
            assert len(soup.select("div.solution")) == solutions, (site.name, page)
        # no line of any solution's prose survives in the student page or notebook
        student_page = (student / "chapters" / page).read_text(encoding="utf-8")
        notebook = (student / "_sources" / "chapters" / lab.replace(".md", ".ipynb")).read_text(encoding="utf-8")
        for body in re.findall(r"```\{solution-start\}[^\n]*\n(?::[^\n]*\n)*```\n(.*?)```", source, flags=re.S):
            first = next((line.strip() for line in body.splitlines() if len(line.strip()) > 30), None)
            if first:
                assert first[:60] not in student_page and first[:60] not in notebook, (lab, first)
        assert "solution-start" not in notebook


def test_math_is_mathml_and_no_page_loads_a_math_script(built_book):
    """MathJax (1.1 MB of script typesetting on the reader's phone) is replaced by MathML written at
    build time (helpers.mathml): every formula of every page is a <math> element, none is left as
    TeX for a script, and no page loads MathJax."""
    site = built_book / "_build" / "html"
    formulas = {}
    for path in built_pages(site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        name = path.relative_to(site).as_posix()
        assert not [s for s in soup.select("script") if "mathjax" in ((s.get("src") or "") + (s.string or "")).lower()], name
        assert not re.search(r"\\\(|\\\[|\$\$", soup.get_text()), name  # TeX left for a script to typeset
        for element in soup.select("span.math, div.math"):
            assert element.find("math") is not None, (name, str(element)[:200])
        if soup.select("math"):
            formulas[name] = [m["display"] for m in soup.select("math")]
    # the book has math (so the check is live): the Preliminaries' loss and its symbols in the prose
    assert formulas["chapters/preliminaries.html"].count("block") == 1
    assert formulas["chapters/preliminaries.html"].count("inline") >= 5


def test_no_page_loads_the_font_awesome_script(built_book):
    """The icons come from the theme's web font; fontawesome.js (1.49 MB) is dropped (helpers.build)."""
    site = built_book / "_build" / "html"
    pages = built_pages(site)
    assert len(pages) > 30
    assert [p.name for p in pages if "scripts/fontawesome.js" in p.read_text(encoding="utf-8")] == []


def test_no_script_holds_up_the_first_paint_and_the_search_index_stays_on_the_search_page(built_book):
    """helpers.build defers the head's external scripts, inlines documentation_options.js (inline
    scripts below it use what it defines) and keeps the 185 KB search index to search.html."""
    site = built_book / "_build" / "html"
    blocking, index_on = {}, set()
    for path in built_pages(site):
        name = path.relative_to(site).as_posix()
        head = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").head
        scripts = [s for s in head.select("script[src]") if s.get("type") not in ("module",)]
        late = [s["src"] for s in scripts if not (s.has_attr("defer") or s.has_attr("async"))]
        if late:
            blocking[name] = late
        if any("searchindex.js" in s["src"] for s in scripts):
            index_on.add(name)
    assert blocking == {}
    assert index_on == {"search.html"}


def test_the_navigation_starts_folded_on_the_explorer_page_only(built_book):
    """helpers.build folds the book's navigation away in the explorer's page itself (the theme's own
    class; before, the explorer's script did it once running, and the sidebar slid away over 0.25 s
    while the table was drawn). No other page starts folded."""
    site = built_book / "_build" / "html"
    folded = []
    for path in built_pages(site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        sidebar = soup.select_one("#pst-primary-sidebar")
        if sidebar is not None and "pst-sidebar-hidden" in sidebar.get("class", []):
            folded.append(path.relative_to(site).as_posix())
            assert soup.select_one("#explorer-app") is not None
    assert folded == ["chapters/explorer.html"]


def test_every_page_links_one_stylesheet_whose_icon_fonts_hold_every_icon_used(built_book):
    """helpers.stylesheets: one bundle per page instead of eleven stylesheets and an @import, and
    Font Awesome cut to the icons the pages and their scripts name. Every glyph that an icon rule
    of a used class draws, and that the theme's full font has, is in the served subset."""
    import tinycss2
    from fontTools.ttLib import TTFont

    site = built_book / "_build" / "html"
    bundles = set()
    for path in built_pages(site):
        if path.name == "index.html":
            continue
        head = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").head
        links = [link["href"] for link in head.select('link[rel="stylesheet"]')]
        assert len(links) == 1 and "/bundle-" in "/" + links[0], (path.name, links)
        bundles.add((path.parent / links[0]).resolve())
    assert len(bundles) == 1
    bundle = bundles.pop()
    css = bundle.read_text(encoding="utf-8")
    assert "@import" not in css
    # the sources as published (the theme rewrites pygments.css late in the build): each line
    # that bundling leaves alone is in the bundle's rules before the unused ones are dropped,
    # and the bundle holds only rules of theirs (test_browser compares the pages' styles)
    sources = re.match(r"/\* sources: (.*?) \*/", css).group(1).split(", ")
    assert "pygments.css" in sources and len(sources) >= 8
    every_rule = stylesheets.bundled_rules(site / "_static", tuple(stylesheets.bundle_sources(bundle)))
    for source in sources:
        lines = (site / "_static" / source).read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip() and not re.search(r"url\(|@import|@charset|sourceMappingURL", line)]
        assert all(line in every_rule for line in kept), [line for line in kept if line not in every_rule][:3]

    def rules(nodes) -> set[str]:
        """Every style rule, at any depth of @media and @supports, as text."""
        found = set()
        for rule in nodes:
            if rule.type == "qualified-rule":
                found.add(tinycss2.serialize([rule]))
            elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
                found |= rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
        return found

    def parse(text: str) -> list:
        return tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    assert rules(parse(css)) <= rules(parse(every_rule))
    assert len(css) < 0.45 * len(every_rule)
    used = set()
    for path in site.rglob("*.html"):
        used |= set(re.findall(r"\bfa-[a-z0-9-]+", path.read_text(encoding="utf-8")))
    needed = set()
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            classes = set(re.findall(r"\.(fa-[a-z0-9-]+)::?before", tinycss2.serialize(rule.prelude)))
            if classes & used:
                needed |= {c for t in rule.content if t.type == "string" for c in t.value}
    assert len(needed) >= 15, needed  # the header's and navigation's icons
    faces = re.findall(r'@font-face\{[^}]*src:url\("(fonts/(fa-[a-z]+-\d+)-[0-9a-f]+\.woff2)"\)', css)
    assert len(faces) == 3, faces
    fonts = site / "_static" / "vendor" / "fontawesome" / "webfonts"
    for served, stem in faces:
        full = set(TTFont(fonts / f"{stem}.woff2").getBestCmap())
        kept = set(TTFont(site / "_static" / served).getBestCmap())
        assert {ord(c) for c in needed} & full <= kept, stem
        assert len(kept) < len(full) / 10, stem  # a subset, not the whole font
        assert (site / "_static" / served).stat().st_size < 8_000


def test_the_home_redirect_is_a_complete_page(built_book):
    """index.html sends readers to the Introduction; it has a language, a title and an icon (without
    one the browser asks for /favicon.ico, a 404 in the console)."""
    soup = BeautifulSoup((built_book / "_build" / "html" / "index.html").read_text(encoding="utf-8"), "lxml")
    assert soup.html.get("lang") == "en" and soup.title.string.strip()
    assert soup.select_one('noscript meta[http-equiv="Refresh"]')["content"] == "0; url=chapters/intro.html"
    assert 'location.replace("chapters/intro.html" + location.hash)' in soup.head.script.string
    icon = soup.select_one('link[rel="icon"]')["href"]
    assert (built_book / "_build" / "html" / icon).is_file()


def test_every_figure_opens_at_full_size(built_book):
    """On a phone a wide figure is drawn small: its image links to its own file, to be zoomed."""
    site = built_book / "_build" / "html"
    figures, unlinked = 0, []
    for path in sorted((site / "chapters").glob("*.html")):
        for figure in BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").select("figure"):
            image = figure.find("img")
            if image is None or "_images/" not in image["src"] or "_images/inline/" in image["src"]:
                continue  # the gallery's cards (thumbnails under _images/inline/) link to their labs instead
            figures += 1
            link = image.find_parent("a")
            if link is None or link["href"] != image["src"] or not (path.parent / link["href"]).is_file():
                unlinked.append(f"{path.name}: {image['src']}")
    assert figures > 40 and unlinked == []


def test_link_previews_point_at_the_published_site(built_book):
    """og:url and og:image are absolute addresses under the book's published address (relative
    ones, as sphinxext-opengraph wrote them without its own setting, cannot be followed by the sites
    that draw link previews); every page's preview image exists, a whole PNG of the size the page
    states (the cards are drawn beside the build, helpers.cards)."""
    import struct

    import yaml

    base = yaml.safe_load((built_book / "_config.yml").read_text(encoding="utf-8"))["html"]["baseurl"]
    site = built_book / "_build" / "html"
    soup = BeautifulSoup((site / "chapters" / "chart.html").read_text(encoding="utf-8"), "lxml")
    url = soup.select_one('meta[property="og:url"]')["content"]
    assert url == base + "chapters/chart.html", url
    cards = 0
    for path in built_pages(site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        if (tag := soup.select_one('meta[property="og:image"]')) is None:
            continue
        image = tag["content"]
        assert image.startswith(base) and (site / image[len(base):]).is_file(), (path.name, image)
        png = (site / image[len(base):]).read_bytes()
        size = struct.unpack(">II", png[16:24])  # the IHDR chunk: width, height
        stated = tuple(int(soup.select_one(f'meta[property="og:image:{d}"]')["content"]) for d in ("width", "height"))
        assert png.startswith(b"\x89PNG") and png.endswith(b"IEND\xaeB`\x82") and size == stated, (path.name, size)
        cards += 1
    assert cards >= 40

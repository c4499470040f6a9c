"""The built site in a real browser: Playwright driving Debian's chromium (headless, offline) against
the book served on 127.0.0.1. `.ci/run` installs chromium; without it these tests skip, loudly."""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from conftest import read_rows

pytestmark = pytest.mark.book

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def site(built_book):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(built_book / "_build" / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("BROWSER TESTS SKIPPED: no chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context()
    page = context.new_page()
    page.outside = []  # requests to any other host: the site must work offline
    page.errors = []

    def route(handler, request):
        if urlparse(request.url).hostname not in ("127.0.0.1", None):
            page.outside.append(request.url)
            return handler.abort()
        return handler.continue_()

    page.route("**/*", route)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def info(page) -> str:
    return page.locator("#explorer_wrapper .dt-info, .dt-container .dt-info").first.inner_text()


def open_explorer(page, site, query: str = ""):
    page.goto(f"{site}/chapters/explorer.html{query}")
    page.wait_for_selector("table#explorer.dataTable", timeout=20000)


def test_explorer_lists_every_work_offline(page, site, built_book):
    open_explorer(page, site)
    assert f"of {len(read_rows(built_book, 'papers'))} entries" in info(page)
    assert page.outside == []


def test_column_filter_shrinks_the_row_count(page, site, built_book):
    open_explorer(page, site)
    expected = sum(any("gpt-4v" in g.lower() for g in p["generators"].split(";")) for p in read_rows(built_book, "papers"))
    assert 0 < expected < len(read_rows(built_book, "papers"))
    # typed key by key, as a reader does (the column filters listen to key presses)
    page.locator("thead input[placeholder='Generator(s)']").first.press_sequentially("GPT-4V")
    page.wait_for_function(
        f"document.querySelector('.dt-info').innerText.includes('of {expected} entries (filtered')", timeout=10000)


def test_task_link_from_a_chapter_opens_a_filtered_explorer(page, site, built_book):
    page.goto(f"{site}/chapters/chart.html")
    page.click("text=Open these works in the paper explorer")
    page.wait_for_selector("table#explorer.dataTable", timeout=20000)
    expected = sum(p["task"] == "chart" for p in read_rows(built_book, "papers"))
    page.wait_for_function(
        f"document.querySelector('.dt-info').innerText.includes('of {expected} entries (filtered')", timeout=10000)
    assert "Chart%20Understanding" in page.url or quote("Chart Understanding") in page.url


def test_a_works_bibtex_opens_from_its_row(page, site):
    open_explorer(page, site)
    first = page.locator("table#explorer tbody tr").first
    first.locator("summary").click()
    entry = first.locator("details pre")
    assert entry.is_visible()
    assert entry.inner_text().lstrip().startswith("@")


def toc_pages(root: Path) -> list[str]:
    import re

    return re.findall(r"(?:file|root): (chapters/[\w-]+)", (root / "_toc.yml").read_text(encoding="utf-8"))


def test_every_page_loads_without_errors_or_outside_requests(page, site, built_book):
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    for name in ["index", *toc_pages(built_book)]:
        page.goto(f"{site}/{name}.html")
        page.wait_for_load_state("networkidle")
    assert page.errors == [] and console_errors == [], page.errors + console_errors
    assert page.outside == []


def test_sidebar_reaches_every_chapter(page, site, built_book):
    page.goto(f"{site}/chapters/intro.html")
    links = page.locator("nav.bd-docs-nav a.reference").evaluate_all("links => links.map(a => a.href)")
    reached = {urlparse(link).path.lstrip("/").removesuffix(".html") for link in links}
    missing = set(toc_pages(built_book)) - reached - {"chapters/intro"}  # the root is the home link
    assert missing == set()


def test_search_finds_a_work_by_a_word_of_its_title(page, site):
    page.goto(f"{site}/search.html?q=ChartLlama")
    page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    hits = page.locator("#search-results ul.search li a").evaluate_all("links => links.map(a => a.href)")
    assert any("chapters/chart.html" in hit for hit in hits), hits


def test_citation_links_to_the_references_and_shows_them_on_hover(page, site):
    page.goto(f"{site}/chapters/chart.html")
    citation = page.locator('a[href^="references.html#cite-han2023chartllama"]').first
    assert "ChartLlama" in (citation.get_attribute("title") or "")  # the browser's hover text
    citation.click()
    page.wait_for_load_state()
    assert page.url.endswith("references.html#cite-han2023chartllama")
    assert page.locator("#cite-han2023chartllama").is_visible()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_figures_are_visible_opaque_images_in_both_themes(page, site, mode, tmp_path):
    from PIL import Image, ImageStat

    page.goto(f"{site}/chapters/intro.html")
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'; document.documentElement.dataset.mode = '{mode}'")
    figures = page.locator("figure img")
    assert figures.count() >= 2
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        assert figure.get_attribute("alt")
        assert figure.evaluate("img => img.complete && img.naturalWidth > 0")
        shot = tmp_path / f"{mode}-{i}.png"
        figure.screenshot(path=str(shot))
        image = Image.open(shot).convert("RGB")
        stats = ImageStat.Stat(image)
        assert max(stats.stddev) > 10, "the figure is a blank box"
        # the figure keeps its own white background, so its text stays readable on a dark page
        # (the dark theme dims images a little, so light grey there rather than white)
        corner = image.getpixel((8, 8))  # inside the rounded corners the theme gives images
        assert min(corner) > (240 if mode == "light" else 150), f"{mode}: page shows through ({corner})"


def test_accessibility_no_serious_or_critical_violations(page, site, built_book):
    from axe_playwright_python.sync_playwright import Axe

    axe, serious, reported = Axe(), [], []
    for name in ["index", *toc_pages(built_book)]:
        page.goto(f"{site}/{name}.html")
        page.wait_for_load_state("networkidle")
        for violation in axe.run(page).response["violations"]:
            entry = f"{name}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes)"
            (serious if violation["impact"] in ("serious", "critical") else reported).append(entry)
    print("axe-core, minor and moderate findings (reported, not failed):", *sorted(set(reported)), sep="\n  ")
    assert serious == [], "\n".join(serious)

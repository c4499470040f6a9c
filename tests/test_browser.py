"""The built site in a real browser: Playwright driving Debian's chromium (headless, offline) against
the book served on 127.0.0.1. `.ci/run` installs chromium; without it these tests skip, loudly."""
from __future__ import annotations

import csv
import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

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


def papers(root: Path) -> list[dict]:
    with (root / "data" / "papers.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def info(page) -> str:
    return page.locator("#explorer_wrapper .dt-info, .dt-container .dt-info").first.inner_text()


def open_explorer(page, site, query: str = ""):
    page.goto(f"{site}/chapters/explorer.html{query}")
    page.wait_for_selector("table#explorer.dataTable", timeout=20000)


def test_explorer_lists_every_work_offline(page, site, built_book):
    open_explorer(page, site)
    assert f"of {len(papers(built_book))} entries" in info(page)
    assert page.outside == []


def test_column_filter_shrinks_the_row_count(page, site, built_book):
    open_explorer(page, site)
    expected = sum(any("gpt-4v" in g.lower() for g in p["generators"].split(";")) for p in papers(built_book))
    assert 0 < expected < len(papers(built_book))
    # typed key by key, as a reader does (the column filters listen to key presses)
    page.locator("thead input[placeholder='Generator(s)']").first.press_sequentially("GPT-4V")
    page.wait_for_function(
        f"document.querySelector('.dt-info').innerText.includes('of {expected} entries (filtered')", timeout=10000)


def test_task_link_from_a_chapter_opens_a_filtered_explorer(page, site, built_book):
    page.goto(f"{site}/chapters/chart.html")
    page.click("text=Open these works in the paper explorer")
    page.wait_for_selector("table#explorer.dataTable", timeout=20000)
    expected = sum(p["task"] == "chart" for p in papers(built_book))
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

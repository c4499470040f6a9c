"""The paper explorer in a real browser: it fits the screen, its facets count what the data say, its
state lives in the URL, and each work's full record is one click (or key press) away. Expected
counts are computed here from data/papers.csv, not read back from the page."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from conftest import read_rows

pytestmark = pytest.mark.book

DIRECTIONS = {"vlm-generates": "VLM generates", "for-vlm": "for a VLM", "both": "both", "unknown": "unknown"}


def open_explorer(page, site, query: str = ""):
    page.goto(f"{site}/chapters/explorer.html{query}")
    page.wait_for_selector("#explorer-app[data-ready=true]", timeout=30000)


def shown(page) -> int:
    return int(page.locator(".explorer-count").inner_text().split()[0])


def tick(page, facet: str, value: str):
    page.locator(f'fieldset[data-facet="{facet}"] input[value="{value}"]').check()


def facet_count(page, facet: str, value: str) -> int:
    label = page.locator(f'fieldset[data-facet="{facet}"] input[value="{value}"] + label .explorer-n').inner_text()
    return int(label.strip("()"))


@pytest.fixture(scope="module")
def data(built_book):
    tasks = {t["id"]: t["title"] for t in read_rows(built_book, "tasks")}
    papers = read_rows(built_book, "papers")
    for p in papers:
        p["task_title"] = tasks[p["task"]]
        p["direction_label"] = DIRECTIONS[p["direction"]]
        p["generator_list"] = [g.strip() for g in p["generators"].split(";")] if p["generators"] else []
    return papers


def test_every_work_is_listed_offline(page, site, data):
    open_explorer(page, site)
    assert shown(page) == len(data)
    assert page.outside == [] and page.errors == []


def test_at_1280_the_default_columns_fit_without_horizontal_scroll(page, site):
    open_explorer(page, site)
    headers = page.locator("table#explorer thead th").all_inner_texts()
    assert [h.strip() for h in headers] == ["", "Title", "Year", "Task", "Direction", "Generator(s)", "Data kind"]
    widths = page.evaluate("""() => { const t = document.getElementById('explorer');
        const box = t.closest('.explorer-main');
        return [t.scrollWidth, box.clientWidth, document.documentElement.scrollWidth, window.innerWidth]; }""")
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths
    # no row taller than three lines of text
    tallest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('#explorer tbody tr')]
        .map(r => r.getBoundingClientRect().height))""")
    line = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.explorer-clamp')).lineHeight)")
    assert tallest <= 3 * line + 20, (tallest, line)  # 20 px: cell padding


def test_at_1280_the_navigation_starts_folded_and_its_button_brings_it_back(page, site):
    open_explorer(page, site)
    sidebar = page.locator("#pst-primary-sidebar")
    assert not sidebar.is_visible()
    page.get_by_role("button", name="Toggle primary sidebar").first.click()
    sidebar.get_by_role("link", name="Paper Explorer").wait_for(state="visible")
    assert sidebar.is_visible() and page.errors == []


def test_on_a_phone_the_page_never_scrolls_sideways(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        open_explorer(page, site)
        page.locator(".explorer-toggle").first.click()
        page.locator(".explorer-details").first.wait_for()  # the records file arrives first
        sizes = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sizes[0] <= sizes[1], sizes
        # the hidden columns' values are in the open record instead
        assert page.locator("table#explorer thead th").count() <= 3
        assert page.locator(".explorer-details dt", has_text="Summary").count() == 1
    finally:
        context.close()


def test_two_facet_values_give_the_count_of_the_data_and_update_the_other_facets(page, site, data):
    open_explorer(page, site)
    tick(page, "task", "Evaluation")
    tick(page, "direction", "VLM generates")
    chosen = [p for p in data if p["task_title"] == "Evaluation" and p["direction_label"] == "VLM generates"]
    page.wait_for_function(f"document.querySelector('.explorer-count').innerText.startsWith('{len(chosen)} of')")
    assert shown(page) == len(chosen) == page.locator("table#explorer tbody tr").count() - (len(chosen) == 0)
    # another facet counts within the selection
    gpt4v = sum("GPT-4V" in p["generator_list"] for p in chosen)
    if gpt4v:
        assert facet_count(page, "generator", "GPT-4V") == gpt4v
    # a facet's own values count as if that facet were not set: ticking another task widens
    hallucination = sum(p["task_title"] == "Hallucination" and p["direction_label"] == "VLM generates" for p in data)
    assert facet_count(page, "task", "Hallucination") == hallucination


@pytest.mark.parametrize("search", ["search", "q"])  # "q": links made before it was renamed
def test_a_url_with_filters_search_and_sort_reproduces_the_view(page, site, data, search):
    query = f"?task=Evaluation&task=Hallucination&sort=year-desc&{search}=benchmark"
    open_explorer(page, site, query)
    expected = [p for p in data if p["task_title"] in ("Evaluation", "Hallucination")]
    assert 0 < shown(page) <= len(expected)
    assert page.locator('fieldset[data-facet="task"] input[value="Evaluation"]').is_checked()
    assert page.locator(".explorer-search input").input_value() == "benchmark"
    years = [int(y) for y in page.locator("table#explorer tbody td.explorer-year").all_inner_texts()]
    assert years == sorted(years, reverse=True)
    assert "search=benchmark" in page.url and "q=" not in page.url.split("?", 1)[1]
    if search == "search":  # Sphinx's search script runs a site search for a "q" and fails outside search.html
        assert page.errors == []


def test_filters_go_into_the_url_and_back_restores_the_previous_view(page, site, data):
    open_explorer(page, site)
    tick(page, "task", "Evaluation")
    page.wait_for_url("**task=Evaluation**")
    after_one = shown(page)
    tick(page, "modality", "video")
    page.wait_for_url("**modality=video**")
    assert shown(page) <= after_one
    page.go_back()
    page.wait_for_function(f"document.querySelector('.explorer-count').innerText.startsWith('{after_one} of')")
    assert not page.locator('fieldset[data-facet="modality"] input[value="video"]').is_checked()


def test_a_task_link_from_a_chapter_opens_a_filtered_explorer(page, site, data):
    page.goto(f"{site}/chapters/chart.html")
    page.click("text=Open these works in the paper explorer")
    page.wait_for_selector("#explorer-app[data-ready=true]", timeout=30000)
    assert shown(page) == sum(p["task"] == "chart" for p in data)
    assert quote("Chart Understanding") in page.url or "Chart+Understanding" in page.url


def test_a_works_record_shows_its_summary_bibtex_and_similar_works(page, site, data):
    open_explorer(page, site, "?sort=title-asc")
    first = page.locator("table#explorer tbody tr").first
    first.locator(".explorer-toggle").click()
    details = page.locator(".explorer-details").first
    summary = details.locator("dt:has-text('Summary') + dd").inner_text()
    assert any(summary == p["summary"] for p in data)
    assert details.locator("pre").inner_text().lstrip().startswith("@")
    similar = details.locator(".explorer-similar a")
    assert similar.count() == 5
    target = similar.first.get_attribute("data-work")
    similar.first.click()
    page.wait_for_url(f"**work={target}**")
    page.locator(".explorer-toggle[aria-expanded=true]").first.wait_for()


def test_a_work_link_opens_that_record(page, site, data):
    key = data[len(data) // 2]["key"]
    open_explorer(page, site, f"?work={key}")
    opened = page.locator(".explorer-details")
    opened.first.wait_for()
    assert opened.count() == 1
    summary = opened.locator("dt:has-text('Summary') + dd").inner_text()
    assert summary == next(p["summary"] for p in data if p["key"] == key)


def test_facets_and_records_work_from_the_keyboard(page, site, data):
    from playwright.sync_api import expect

    open_explorer(page, site)
    box = page.locator('fieldset[data-facet="task"] input[value="Evaluation"]')
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_url("**task=Evaluation**")
    assert shown(page) == sum(p["task"] == "evaluation" for p in data)
    toggle = page.locator(".explorer-toggle").first
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")  # once the records file has arrived
    assert page.locator(".explorer-details").count() == 1


def test_columns_can_be_shown_and_hidden(page, site):
    open_explorer(page, site)
    page.click("button.buttons-colvis")
    page.click("button.dt-button:has-text('Authors')")
    page.keyboard.press("Escape")
    page.wait_for_url("**cols=**")
    assert "Authors" in page.locator("table#explorer thead").inner_text()


def contrast(foreground: tuple[float, ...], background: tuple[float, ...]) -> float:
    """WCAG 2 contrast ratio of two opaque sRGB colours (0-255)."""
    def luminance(rgb):
        linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(top: tuple[float, ...], below: tuple[float, ...]) -> tuple[float, ...]:
    """`top` (r, g, b, alpha) painted over the opaque colour `below`."""
    alpha = top[3] if len(top) > 3 else 1.0
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], below[:3]))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_column_chooser_is_legible_in_both_themes(page, site, scheme):
    """The chooser's panel follows the book's theme: each item's text against the panel's colour
    (with the item's own translucent background over it) has a contrast of at least 4.5. DataTables
    darkens the panel only under html.dark, a class the book's theme never sets: in the dark theme
    its items were light grey on white (1.4). axe-core leaves this case undecided (the page behind the
    panel is shaded by a gradient), so the ratio is computed here."""
    page.emulate_media(color_scheme=scheme)
    open_explorer(page, site)
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    page.click("button.buttons-colvis")
    page.wait_for_selector("div.dt-button-collection button.dt-button")
    colours = page.evaluate("""() => {
      const rgba = (text) => text.match(/[\\d.]+/g).map(Number);
      const panel = document.querySelector("div.dt-button-collection");
      return { panel: rgba(getComputedStyle(panel).backgroundColor),
               items: [...panel.querySelectorAll("button.dt-button")].map((item) => ({
                 name: item.innerText.trim(), color: rgba(getComputedStyle(item).color),
                 background: rgba(getComputedStyle(item).backgroundColor) })) };
    }""")
    assert len(colours["panel"]) == 3 or colours["panel"][3] == 1, f"the panel is not opaque: {colours['panel']}"
    assert colours["items"], "the chooser lists no column"
    ratios = {}
    for item in colours["items"]:
        background = over(item["background"], colours["panel"])
        ratios[item["name"]] = round(contrast(over(item["color"], background), background), 2)
    low = {name: ratio for name, ratio in ratios.items() if ratio < 4.5}
    assert low == {}, f"{scheme}: items below a contrast of 4.5 (panel {colours['panel']}): {low}"


def test_the_records_file_is_fetched_on_the_first_open_record_and_a_failure_is_said(page, site, data):
    """The page starts without the works' details (a fifth of the bytes); the first record opened
    fetches them once. If that fails, the row says so, and the next click on it loads them."""
    fetched = []
    page.on("request", lambda request: fetched.append(request.url) if "/details-" in request.url else None)
    failing = {"on": True}
    page.route("**/details-*.json", lambda route: route.abort() if failing["on"] else route.continue_())
    open_explorer(page, site)
    assert fetched == []
    toggle = page.locator(".explorer-toggle").first
    toggle.click()
    expect_text = page.locator(".explorer-error")
    expect_text.wait_for()
    assert "could not be loaded" in expect_text.inner_text()
    assert toggle.get_attribute("aria-expanded") == "false"
    failing["on"] = False
    toggle.click()  # the same row: its message is not taken for an open record
    page.locator(".explorer-details").first.wait_for()
    assert page.locator(".explorer-error").count() == 0
    assert page.locator(".explorer-details dt", has_text="Summary").count() == 1
    page.locator(".explorer-toggle").nth(2).click()
    page.wait_for_function("document.querySelectorAll('.explorer-details').length === 2")
    assert len(fetched) == 2  # the failed attempt and the one that loaded; none after


def test_datatables_is_fetched_after_the_page_is_painted(page, site):
    """On a phone's connection, DataTables (176 KB compressed) asked for while the page loaded shared
    the link with the page's stylesheet and held up the first paint (Lighthouse: 2.8 s against 2.0 s).
    The explorer's script asks for it once the page's text has been painted."""
    open_explorer(page, site)
    painted, fetched = page.evaluate("""() => [
      performance.getEntriesByName("first-contentful-paint")[0].startTime,
      performance.getEntriesByType("resource").find((r) => r.name.includes("/explorer/dt_bundle.js")).startTime]""")
    assert fetched >= painted, f"DataTables asked for at {fetched:.0f} ms, the page painted at {painted:.0f} ms"

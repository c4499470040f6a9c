"""The built site in a real browser: Playwright driving Chromium (headless, offline) against the
book served on 127.0.0.1 (fixtures in conftest.py). `.ci/run` installs Debian's chromium; without a
browser these tests skip, loudly, or fail where SURVEY_REQUIRE_BROWSER=1."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import REPO, axe_violations, read_rows

pytestmark = pytest.mark.book


def toc_pages(root: Path) -> list[str]:
    return re.findall(r"(?:file|root): (chapters/[\w-]+)", (root / "_toc.yml").read_text(encoding="utf-8"))


PAGES = ["index", *toc_pages(REPO)]


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_offline_and_is_accessible(page, site, name):
    """One visit per page, two checks: no script error and no request to another host; and no
    serious or critical axe-core violation (minor and moderate ones are printed, not failed)."""
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{site}/{name}.html")
    page.wait_for_load_state("networkidle")
    assert page.errors == [] and console_errors == [], page.errors + console_errors
    assert page.outside == []
    serious, reported = [], []
    for violation in axe_violations(page):
        entry = f"{name}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes)"
        (serious if violation["impact"] in ("serious", "critical") else reported).append(entry)
    print("axe-core, minor and moderate findings (reported, not failed):", *sorted(set(reported)), sep="\n  ")
    assert serious == [], "\n".join(serious)


def test_sidebar_reaches_every_chapter(page, site, built_book):
    page.goto(f"{site}/chapters/intro.html")
    links = page.locator("nav.bd-docs-nav a.reference").evaluate_all("links => links.map(a => a.href)")
    reached = {urlparse(link).path.lstrip("/").removesuffix(".html") for link in links}
    missing = set(toc_pages(built_book)) - reached - {"chapters/intro"}  # the root is the home link
    assert missing == set()


def test_the_header_buttons_open_the_navigation_and_contents_on_a_phone_and_fold_it_on_a_wide_screen(page, site):
    """The themes wire their sidebar buttons to hidden copies (helpers.build SIDEBAR_TOGGLE passes
    the visible buttons' clicks on): in stock Jupyter Book 1 none of these opened anything."""
    page.goto(f"{site}/chapters/intro.html")
    sidebar, button = page.locator("#pst-primary-sidebar"), page.locator(".primary-toggle:visible")
    link = page.locator(".bd-sidebar-primary").get_by_role("link", name="Preliminaries")
    assert button.count() == 1 and link.is_visible()
    button.click()  # wide screen: the navigation folds away, and comes back
    link.wait_for(state="hidden")
    button.click()
    link.wait_for(state="visible")
    assert sidebar.is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    link.wait_for(state="hidden")
    page.locator(".primary-toggle:visible").click()  # phone: the navigation opens as a drawer
    page.locator("#pst-primary-sidebar-modal[open]").get_by_role("link", name="Preliminaries").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator(".secondary-toggle:visible").click()  # and the page's contents
    page.locator("#pst-secondary-sidebar-modal[open]").get_by_role("link", name="The corpus in numbers").wait_for(state="visible")
    assert page.errors == []


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


@pytest.mark.parametrize("width", [1280, 390])
def test_header_icons_are_drawn_by_the_web_font(browser, site, width):
    """Without fontawesome.js every icon of the header is still drawn (a Font Awesome glyph of
    non-zero size) and every header button keeps its accessible name."""
    page = browser.new_page(viewport={"width": width, "height": 844})
    page.goto(f"{site}/chapters/intro.html")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    icons = page.locator(".bd-header-article i[class*='fa-'], .article-header-buttons i[class*='fa-']").evaluate_all(
        """icons => icons.filter(i => i.offsetParent !== null).map(i => ({
             cls: i.className, font: getComputedStyle(i, '::before').fontFamily,
             glyph: getComputedStyle(i, '::before').content, width: i.getBoundingClientRect().width,
             name: (i.closest('button, a') || {}).ariaLabel || (i.closest('button, a') || {}).title || ''}))""")
    assert len(icons) >= 5, icons
    for icon in icons:
        assert "Font Awesome" in icon["font"] and icon["glyph"] not in ("none", "normal", '""'), icon
        assert icon["width"] > 8, icon
        assert icon["name"].strip(), icon
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_formula_is_drawn_as_mathematics_and_never_widens_the_page(page, site, width):
    """helpers.mathml writes MathML: drawn by the browser, fractions stand on two levels (as flat
    text the formula would be one line high), and on a phone it scrolls in its own box."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site}/chapters/preliminaries.html")
    formula = page.locator("div.math math[display=block]")
    box = formula.bounding_box()
    line = page.locator("article p").first.evaluate("p => parseFloat(getComputedStyle(p).lineHeight)")
    assert box["height"] > 2 * line, (box, line)
    numerator, denominator = (formula.locator("mfrac").first.locator(":scope > *").nth(i).bounding_box() for i in (0, 1))
    assert numerator["y"] + numerator["height"] <= denominator["y"] + 1, (numerator, denominator)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# Records every value given to <html data-theme>, the value before, and whether the page's body
# existed then (a change after that makes the browser restyle every element of the page; setting
# the same value again costs nothing).
THEME_WATCH = """window.__themes = [];
new MutationObserver((records) => records.forEach((record) => window.__themes.push(
  [record.oldValue, record.target.dataset.theme, Boolean(document.body)]))
).observe(document, {subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-theme"]});"""


@pytest.mark.parametrize("scheme, stored", [("light", None), ("dark", None), ("light", "dark"), ("dark", "light")])
def test_the_colour_theme_is_set_before_the_page_is_drawn_and_never_changed_after(browser, site, scheme, stored):
    """On a first visit (nothing stored) the theme follows the system's scheme, and on a later one
    the reader's choice; either way it is set in <head> and the theme's scripts leave it as it is (a
    late change restyled every element: 1.3 s of a phone's main thread on a lab page)."""
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    if stored:
        page.goto(f"{site}/chapters/intro.html")
        page.evaluate(f"localStorage.setItem('mode', '{stored}'); localStorage.setItem('theme', '{stored}')")
    page.add_init_script(THEME_WATCH)
    page.goto(f"{site}/chapters/chart-lab.html")
    page.wait_for_load_state("load")
    expected = stored or scheme
    changes = page.evaluate("window.__themes")
    assert page.evaluate("document.documentElement.dataset.theme") == expected
    assert changes and all(new == expected for _, new, _ in changes), changes
    late = [change for change in changes if change[2] and change[0] != change[1]]
    assert not late, f"changed after the body existed: {changes}"
    context.close()


@pytest.mark.parametrize("scripts", [True, False])
def test_the_home_address_opens_the_introduction_with_or_without_scripts(browser, site, scripts):
    """index.html sends the reader on before anything is drawn (a script, and a <meta> refresh
    for browsers without scripts); a link to a section keeps its anchor."""
    context = browser.new_context(java_script_enabled=scripts)
    page = context.new_page()
    page.goto(f"{site}/index.html")
    page.wait_for_url("**/chapters/intro.html")
    assert page.locator("article h1").first.is_visible()
    if scripts:
        page.goto(f"{site}/index.html#a-section")
        page.wait_for_url("**/chapters/intro.html#a-section")
    context.close()


CUMULATIVE_SHIFT = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => list.getEntries().forEach((e) => { if (!e.hadRecentInput) total += e.value; }))
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 1500);
})"""


@pytest.mark.parametrize("name", ["chapters/labs", "chapters/intro", "chapters/chart-lab"])
def test_nothing_moves_while_a_page_loads_on_a_phone(browser, site, name):
    """Images have their size before they are drawn (the lab gallery's thumbnails did not: Lighthouse
    measured a layout shift of 0.62 on its page; good is under 0.1)."""
    context = browser.new_context(viewport={"width": 412, "height": 823}, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{site}/{name}.html")
    page.wait_for_load_state("load")
    shift = page.evaluate(CUMULATIVE_SHIFT)
    assert shift < 0.05, f"{name}: layout shift {shift:.3f}"
    context.close()


TRACE_CATEGORIES = "devtools.timeline,disabled-by-default-devtools.timeline.stack"


def load_traced(page, url: str) -> list[dict]:
    """Chromium's timeline events of one page load, until a second after the load event."""
    cdp = page.context.new_cdp_session(page)
    events, done = [], []
    cdp.on("Tracing.dataCollected", lambda message: events.extend(message["value"]))
    cdp.on("Tracing.tracingComplete", lambda message: done.append(True))
    cdp.send("Tracing.start", {"categories": TRACE_CATEGORIES, "transferMode": "ReportEvents"})
    page.goto(url, wait_until="load")
    page.wait_for_timeout(1000)
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)
    return events


def layouts_forced_before_the_page_is_drawn(events: list[dict], page_url: str) -> list[str]:
    """Style or layout work that a theme script forced between the end of the page's parsing and the
    next frame the browser drew for it: everything parsed since the last frame is laid out inside the
    script."""
    def begin(event):
        return (event.get("args") or {}).get("beginData") or {}

    # the document's own parser (a script's innerHTML is parsed too, with the script on the stack)
    parsing = [e for e in events if e.get("name") == "ParseHTML" and not begin(e).get("stackTrace")]
    frame = next(begin(e)["frame"] for e in parsing if begin(e).get("url") == page_url)
    parsed = max(e["ts"] + e.get("dur", 0) for e in parsing if begin(e).get("frame") == frame)
    drawn = min(e["ts"] for e in events if e.get("name") == "Paint" and e["ts"] > parsed
                and ((e.get("args") or {}).get("data") or {}).get("frame") == frame)
    found = []
    for event in events:
        stack = begin(event).get("stackTrace") or [{}]
        if (event.get("name") in ("Layout", "UpdateLayoutTree") and begin(event).get("frame") == frame
                and parsed <= event["ts"] < drawn and "/_static/scripts/" in stack[0].get("url", "")):
            found.append(f"{event['name']} {event.get('dur', 0) / 1000:.1f} ms forced by "
                         f"{stack[0]['url'].rsplit('/', 1)[-1]}:{stack[0].get('columnNumber')}")
    return found


@pytest.mark.parametrize("width, height", [(412, 823), (1280, 900)])
def test_the_theme_scripts_read_the_layout_only_after_the_page_is_drawn(browser, site, width, height):
    """pydata-sphinx-theme and Bootstrap measured the header, the navigation and the banners as soon as
    the page was parsed, so the browser styled and laid out the whole page inside their scripts: on a
    lab page under Lighthouse's phone CPU one task of 0.4-0.9 s, most of its Total Blocking Time.
    helpers.theme_scripts moves each read after the next frame (or to the first scroll)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    url = f"{site}/chapters/chart-lab.html"
    forced = layouts_forced_before_the_page_is_drawn(load_traced(page, url), url)
    context.close()
    assert forced == [], "\n".join(forced)


def test_the_theme_scripts_still_do_their_work(browser, site):
    """What the edited reads are for: the navigation shows the current page (scrolled to it on a first
    visit), the back-to-top button is shown when the reader scrolls back up, the contents mark the
    section on screen, and code that overflows its box can be reached with the keyboard."""
    context = browser.new_context(viewport={"width": 1280, "height": 600})
    page = context.new_page()
    page.goto(f"{site}/chapters/references.html")  # the last entry of the navigation
    page.wait_for_function("document.querySelector('div.bd-sidebar').scrollTop > 0")
    active = page.locator(".bd-docs-nav li.active > a").last
    assert active.is_visible() and active.evaluate(
        "a => { const r = a.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")

    page.goto(f"{site}/chapters/chart-lab.html")
    page.wait_for_load_state("load")
    page.mouse.move(600, 400)
    page.mouse.wheel(0, 3000)
    page.wait_for_function("scrollY > 2000")
    page.mouse.wheel(0, -400)
    # the script shows the button (the book's stylesheet keeps it hidden, in stock Jupyter Book too)
    page.wait_for_function("document.getElementById('pst-back-to-top').style.display === 'block'")
    heading = page.locator("article section h2").nth(2)
    # the highlighter marks the section whose heading is in the top 30% of the window, under the header
    heading.evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + scrollY"
                     " - document.querySelector('#pst-header').offsetHeight - 20)")
    section = heading.evaluate("h => h.parentElement.id")
    page.wait_for_function(
        "id => document.querySelector(`#pst-page-toc-nav a[href='#${id}']`)?.classList.contains('active')", arg=section)

    context.close()
    context = browser.new_context(viewport={"width": 412, "height": 823})
    page = context.new_page()
    page.goto(f"{site}/chapters/chart-lab.html")
    page.wait_for_load_state("load")
    page.wait_for_function("[...document.querySelectorAll('pre')].some(p => p.tabIndex === 0)")
    stops = page.evaluate("[...document.querySelectorAll('pre')].map(p => [p.scrollWidth > p.clientWidth || p.scrollHeight > p.clientHeight, p.tabIndex])")
    assert all(index == (0 if overflows else -1) for overflows, index in stops), stops
    context.close()


def test_figures_arrive_as_the_reader_nears_them_in_their_own_proportions(browser, site):
    """A figure far down the page is not fetched with the page (loading="lazy"); scrolled to, it is
    drawn with the proportions of its drawing, in the place kept for it."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{site}/chapters/chart-lab.html")
    page.wait_for_load_state("load")
    last = page.locator("a.survey-figure img").last
    source = last.evaluate("img => img.src")
    fetched = page.evaluate("() => performance.getEntriesByType('resource').map((r) => r.name)")
    assert source not in fetched
    for image in page.locator("a.survey-figure img").all():
        image.scroll_into_view_if_needed()
        image.evaluate("img => img.decode()")
        box_ratio, drawing_ratio, natural = image.evaluate(
            "img => [img.clientHeight / img.clientWidth, img.getAttribute('height') / img.getAttribute('width'), img.naturalWidth]")
        assert natural > 0 and abs(box_ratio - drawing_ratio) < 0.01, (box_ratio, drawing_ratio)
        assert image.evaluate("img => img.clientWidth <= document.documentElement.clientWidth")
    context.close()


CHARACTER_STYLES = """block => {
    // every visible character of the block, with what the browser draws it in
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    const drawn = [];
    const seenThrough = colour => colour === "transparent" || colour === "rgba(0, 0, 0, 0)";
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const style = getComputedStyle(node.parentElement);
        let under = node.parentElement;  // the background the character is drawn on
        while (under && seenThrough(getComputedStyle(under).backgroundColor)) under = under.parentElement;
        const background = under ? getComputedStyle(under).backgroundColor : "none";
        for (const character of node.data) {
            if (character.trim()) drawn.push([character, style.color, background, style.fontFamily,
                style.fontSize, style.fontWeight, style.fontStyle, style.textDecorationLine]);
        }
    }
    const box = block.getBoundingClientRect();
    return {drawn, size: [box.width, box.height]};
}"""


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_code_without_its_plain_spans_is_drawn_as_before(page, site, mode):
    """helpers.code_spans takes out the spans of names, punctuation and spaces: each code block of
    a lab, as Sphinx highlights it and as the build writes it, draws every character in the same
    colour, font and weight, and takes the same room, in both themes."""
    from urllib.request import urlopen

    from sphinx.highlighting import PygmentsBridge

    from helpers.code_spans import PLAIN_CLASS, plain_token_classes, unwrap_plain_tokens

    plain = plain_token_classes(urlopen(f"{site}/_static/pygments.css").read().decode("utf-8"))
    assert {"n", "p"} <= plain
    published = urlopen(f"{site}/chapters/chart-lab.html").read().decode("utf-8")
    page.goto(f"{site}/chapters/chart-lab.html")
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'; document.documentElement.dataset.mode = '{mode}'")
    containers = page.locator(f"div.cell_input div[class*='highlight-']:has(> div.highlight > pre.{PLAIN_CLASS})")
    assert containers.count() >= 10
    bridge = PygmentsBridge("html")
    for i in range(containers.count()):
        container = containers.nth(i)
        container.evaluate("(c, i) => { c.id = `code-compared-${i}`; }", i)
        container = page.locator(f"#code-compared-{i}")
        language = container.evaluate("c => c.className.match(/highlight-(\\S+)/)[1]")
        code = container.locator("pre").evaluate("pre => pre.textContent")
        as_sphinx_writes_it = bridge.highlight_block(code, language).strip()
        as_built = unwrap_plain_tokens(as_sphinx_writes_it, plain)
        assert as_built != as_sphinx_writes_it and as_built in published, \
            f"block {i} is not what the build makes of Sphinx's block"
        drawn = []
        for markup in (as_sphinx_writes_it, as_built):
            container.evaluate("(c, markup) => { c.innerHTML = markup; }", markup)
            drawn.append(container.locator("div.highlight").evaluate(CHARACTER_STYLES))
        assert len(drawn[0]["drawn"]) == len(code.replace(" ", "").replace("\n", "")) > 0
        changed = [(before, after) for before, after in zip(drawn[0]["drawn"], drawn[1]["drawn"]) if before != after]
        assert changed == [], f"{mode}, block {i}: {len(changed)} characters drawn differently, e.g. {changed[:3]}"
        assert drawn[0]["size"] == drawn[1]["size"]


def test_the_lab_gallerys_thumbnails_arrive_as_files_and_are_drawn(browser, site):
    """The thumbnails, data URIs in the notebook's output, are files of their own in the site
    (helpers.build INLINE_SVG_IMAGE): each one is drawn once scrolled to, in its own proportions."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{site}/chapters/labs.html")
    thumbnails = page.locator("article img[alt^='Thumbnail of the lab']")
    assert thumbnails.count() >= 15
    for i in range(thumbnails.count()):
        thumbnail = thumbnails.nth(i)
        assert "/_images/inline/" in thumbnail.get_attribute("src")
        thumbnail.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
        shown, declared = thumbnail.evaluate(
            "img => [img.clientHeight / img.clientWidth, img.getAttribute('height') / img.getAttribute('width')]")
        assert abs(shown - declared) < 0.02
    page.close()


# Every element's computed style (and its ::before/::after where they draw): hashed per element, or
# in full for the elements named by their index.
COMPUTED_STYLES = """(only) => {
  const hash = text => { let h = 2166136261; for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619); } return h >>> 0; };
  const names = [...getComputedStyle(document.documentElement)];  // every property, listed once: 4x faster
  const styles = (element, pseudo) => { const s = getComputedStyle(element, pseudo); let text = '';
    for (const name of names) text += (pseudo || '') + name + ':' + s.getPropertyValue(name) + ';\\n'; return text; };
  return [...document.querySelectorAll('*')].map((element, index) => {
    if (only && !only.includes(index)) return null;
    let text = styles(element, null);
    for (const pseudo of ['::before', '::after']) {
      if (getComputedStyle(element, pseudo).content !== 'none') text += styles(element, pseudo);
    }
    const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') +
      (typeof element.className === 'string' && element.className ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
    return [index + ' ' + name, only ? text : hash(text)];
  }).filter(Boolean);
}"""
# Put a stylesheet in the bundle's place: the new link goes in next to the old one, which is removed
# once the new one has loaded, so that no element is ever without its rules (no transition starts).
SWAP_STYLESHEET = """href => new Promise((resolve, reject) => {
  const old = document.querySelector('link[rel=stylesheet][data-compared], link[rel=stylesheet][href*="bundle-"]');
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.dataset.compared = '';
  // the icon fonts' faces are the same files (helpers.stylesheets cuts them once); wait for them all
  // the same, since a face that is loading changes the size of what it draws
  link.addEventListener('load', () => { old.remove(); document.body.offsetHeight; document.fonts.ready.then(resolve); }, {once: true});
  link.addEventListener('error', reject, {once: true});
  link.href = href;
  old.after(link);
})"""


def settled_styles(page, only=None) -> list:
    """COMPUTED_STYLES once no transition or animation runs and every font face has loaded."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    page.evaluate("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))")
    return page.evaluate(COMPUTED_STYLES, only)


@pytest.mark.parametrize("name, width, mode, state", [
    ("chapters/intro", 1280, "light", "tooltip"),
    ("chapters/chart-lab", 390, "dark", "solutions"),
    ("chapters/preliminaries", 390, "light", "navigation"),
    ("chapters/chart", 1280, "dark", "menu"),
    ("chapters/explorer", 1280, "light", "as loaded"),
    ("search", 390, "dark", "results"),
])
def test_the_rules_left_out_of_the_bundle_change_no_style_of_any_element(browser, site, built_book, name, width, mode, state):
    """helpers.unused_css leaves out the rules that no page or script names: with every rule of the
    bundle's sources put back, every element (and its ::before and ::after) has the same computed
    style, as loaded and in the states that scripts make (a tooltip, opened solutions, the
    navigation drawer, a header menu, search results), in both themes and at both widths."""
    from helpers import stylesheets

    static = built_book / "_build" / "html" / "_static"
    bundle = next(static.glob(f"{stylesheets.BUNDLE_PREFIX}*.css"))
    every_rule = stylesheets.bundled_rules(static, tuple(stylesheets.bundle_sources(bundle)))
    assert len(every_rule) > 2 * bundle.stat().st_size, "the bundle left nothing out: the check would prove nothing"
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.route("**/_static/every-rule.css", lambda route: route.fulfill(body=every_rule, content_type="text/css"))
    page.goto(f"{site}/{name}.html" + ("?q=ChartLlama" if state == "results" else ""))
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'; document.documentElement.dataset.mode = '{mode}'")
    page.wait_for_load_state("networkidle")
    if state == "tooltip":
        page.locator("[data-bs-toggle=tooltip]:visible").first.hover()
        page.wait_for_selector(".tooltip.show")
    elif state == "solutions":
        buttons = page.locator("button.toggle-button")
        assert buttons.count() >= 1
        for i in range(buttons.count()):
            buttons.nth(i).click()
        page.wait_for_function("!document.querySelector('.solution.toggle-hidden, .solution .toggle-hidden')")
    elif state == "navigation":
        page.locator(".primary-toggle:visible").click()
        page.locator("#pst-primary-sidebar-modal[open]").wait_for()
    elif state == "menu":
        page.locator("button.dropdown-toggle[aria-label='Download this page']").click()
        page.wait_for_selector(".dropdown-menu.show")
    elif state == "results":
        page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    elif name.endswith("explorer"):
        page.wait_for_selector("#explorer tbody tr")
    if state != "tooltip":
        page.mouse.move(0, 0)  # no hover left on what a click opened (the copy buttons fade in on hover)
    page.wait_for_timeout(300)
    bundle_url = page.evaluate("document.querySelector('link[rel=stylesheet][href*=\"bundle-\"]').href")
    purged = settled_styles(page)
    page.evaluate(SWAP_STYLESHEET, f"{site}/_static/every-rule.css")
    full = settled_styles(page)
    assert len(purged) == len(full) > 100
    differ = [index for index, (a, b) in enumerate(zip(purged, full)) if a != b]
    if differ:  # the bundle again: a left-out rule that matters differs again; a late layout does not
        page.evaluate(SWAP_STYLESHEET, bundle_url)
        again = settled_styles(page)
        differ = [index for index in differ if again[index] != full[index]]
    if differ:  # what differs, property by property
        as_built = settled_styles(page, differ[:3])
        page.evaluate(SWAP_STYLESHEET, f"{site}/_static/every-rule.css")
        with_every_rule = settled_styles(page, differ[:3])
        report = [f"{a[0]}: {sorted(set(a[1].splitlines()) ^ set(b[1].splitlines()))[:6]}" for a, b in zip(as_built, with_every_rule)]
        pytest.fail(f"{len(differ)} elements styled differently without the left-out rules:\n" + "\n".join(report))
    context.close()

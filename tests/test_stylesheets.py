"""helpers.stylesheets on small made-up sites: one stylesheet per run of links, same rules in the
same order, url()s that still point at their files, icon fonts cut to the icons used."""
from __future__ import annotations

import re
from pathlib import Path

import pydata_sphinx_theme
import pytest
from fontTools.ttLib import TTFont

from helpers import stylesheets
from helpers.stylesheets import BundleError, bundle_assets

THEME_FONTS = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" / "vendor" / "fontawesome" / "webfonts"
BOOK, ROCKET, INFO = "\uf02d", "\uf135", "\uf05a"  # three Font Awesome solid glyphs


TEXT = '<p class="note"><q class="quote">text</q></p>'  # the classes the made-up stylesheets style


def page_html(static_href: str, body: str = TEXT, extra_head: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">\n'
            f'<link href="{static_href}styles/theme.css?digest=1" rel="stylesheet" />\n'
            f'  <!-- a comment between links -->\n'
            f'<link rel="stylesheet" type="text/css" href="{static_href}site.css?v=2" />\n'
            f'<link rel="stylesheet" type="text/css" href="{static_href}print.css" media="print" />\n'
            f'{extra_head}'
            f'</head><body>{body}</body></html>\n')


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path)


def make_site(tmp_path: Path) -> Path:
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "img").mkdir()
    (static / "img" / "dot.png").write_bytes(b"png")
    (static / "basic.css").write_text("body { margin: 0 }\n.note { background: url(img/dot.png) }\n", encoding="utf-8")
    (static / "styles" / "theme.css").write_text(
        '@charset "utf-8";\n@import "../basic.css";\n'
        "/* url(not-a-file.png) inside a comment stays */\n"
        '.quote::before { content: "url(neither.png)" }\n'
        "h1 { background: url('../img/dot.png?v=1#x') }\n", encoding="utf-8")
    (static / "site.css").write_text("a { color: red }\n", encoding="utf-8")
    (static / "print.css").write_text("nav { display: none }\n", encoding="utf-8")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "search.html").write_text(page_html("_static/"), encoding="utf-8")
    (tmp_path / "chapters" / "one.html").write_text(page_html("../_static/"), encoding="utf-8")
    return tmp_path


def linked_stylesheets(page: Path) -> list[str]:
    head = page.read_text(encoding="utf-8").partition("</head>")[0]
    return re.findall(r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"', head)


def test_every_page_links_one_bundle_of_its_stylesheets_in_cascade_order(site):
    names = bundle_assets(site)
    assert len(names) == 1
    for page, prefix in [(site / "search.html", "_static/"), (site / "chapters" / "one.html", "../_static/")]:
        assert linked_stylesheets(page) == [prefix + names[0]]
        assert "<!-- a comment between links -->" not in page.read_text(encoding="utf-8")
    css = (site / "_static" / names[0]).read_text(encoding="utf-8")
    assert css.startswith("/* sources: styles/theme.css, site.css, print.css @media print */\n")
    # @import inlined where it stood, @charset dropped, the print sheet kept for print only
    order = [css.index(rule) for rule in ("body { margin: 0 }", "h1 {", "a { color: red }", "@media print {\nnav")]
    assert order == sorted(order)
    assert "@import" not in css and "@charset" not in css
    # url()s now relative to _static/, the bundle's folder; comments and strings untouched
    assert 'url("img/dot.png")' in css and 'url("img/dot.png?v=1#x")' in css
    assert "url(not-a-file.png)" in css and '"url(neither.png)"' in css
    for url in re.findall(r'url\("([^"?#]+)', css):
        assert (site / "_static" / url).is_file(), url


def test_a_bundle_is_named_by_its_content_and_made_again_when_a_source_changes(site):
    first = bundle_assets(site)
    before = (site / "_static" / first[0]).read_bytes()
    assert bundle_assets(site) == first  # a page linking the bundle is read back through its sources line
    assert (site / "_static" / first[0]).read_bytes() == before
    # Sphinx rewrites only the pages it rebuilds: a page still linking the old bundle gets the new one
    (site / "_static" / "site.css").write_text("a { color: blue }\n", encoding="utf-8")
    (site / "search.html").write_text(page_html("_static/"), encoding="utf-8")
    second = bundle_assets(site)
    assert second != first and not (site / "_static" / first[0]).exists()
    assert linked_stylesheets(site / "chapters" / "one.html") == ["../_static/" + second[0]]
    assert "a { color: blue }" in (site / "_static" / second[0]).read_text(encoding="utf-8")


def test_another_sites_stylesheet_or_a_style_element_splits_the_run(site):
    extra = '<link rel="stylesheet" href="https://cdn.example.org/x.css" />\n<link rel="stylesheet" href="_static/site.css" />\n'
    (site / "search.html").write_text(page_html("_static/", extra_head=extra), encoding="utf-8")
    bundle_assets(site)
    links = linked_stylesheets(site / "search.html")
    assert len(links) == 3 and links[1] == "https://cdn.example.org/x.css"
    assert links[0] != links[2] and all(link.startswith("_static/bundle-") for link in (links[0], links[2]))


def test_an_import_from_another_site_stops_with_the_file_named(site):
    (site / "_static" / "site.css").write_text('@import url("https://fonts.example.org/a.css");\n', encoding="utf-8")
    before = (site / "search.html").read_text(encoding="utf-8")
    with pytest.raises(BundleError, match=r"site\.css: an @import the bundle cannot hold: url\("):
        bundle_assets(site)
    assert (site / "search.html").read_text(encoding="utf-8") == before


def icon_site(site: Path, used: str) -> Path:
    static = site / "_static"
    (static / "fa").mkdir()
    (static / "fa" / "fa-solid-900.woff2").write_bytes((THEME_FONTS / "fa-solid-900.woff2").read_bytes())
    (static / "site.css").write_text(
        "@font-face{font-display:block;font-family:Font Awesome\\ 6 Free;font-weight:900;"
        'src:url(fa/fa-solid-900.woff2) format("woff2"),url(fa/fa-solid-900.ttf) format("truetype")}\n'
        '.fa-book:before{content:"\\f02d"}\n.fa-rocket:before{content:"\\f135"}\n'
        f':root{{--note-icon:"{INFO}"}}\n', encoding="utf-8")
    for page in (site / "search.html", site / "chapters" / "one.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace(TEXT, f'{TEXT}<i class="fa-solid {used}"></i>'), encoding="utf-8")
    return site


def served_font(site: Path) -> TTFont:
    css = (site / "_static" / bundle_assets(site)[0]).read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\{[^}]*\}", css)
    assert len(faces) == 1 and "font-display:block" in faces[0] and "font-weight:900" in faces[0]
    font = re.search(r'src:url\("([^"]+\.woff2)"\) format\("woff2"\)\}', faces[0]).group(1)
    return TTFont(site / "_static" / font)


def test_icon_fonts_keep_the_icons_used_and_those_the_styles_draw(site):
    font = served_font(icon_site(site, "fa-book"))
    cmap = font.getBestCmap()
    assert ord(BOOK) in cmap and ord(INFO) in cmap  # a page's icon, and the stylesheet's own icon
    assert ord(ROCKET) not in cmap  # in the theme's font, named by no page
    assert len(cmap) < 10
    assert font.flavor == "woff2"


def test_an_icon_named_only_by_a_script_is_kept(site):
    icon_site(site, "fa-book")
    (site / "_static" / "menu.js").write_text('button.classList.add("fa-rocket");\n', encoding="utf-8")
    page = site / "chapters" / "one.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", '<script defer src="../_static/menu.js"></script></body>'),
                    encoding="utf-8")
    assert ord(ROCKET) in served_font(site).getBestCmap()


def test_the_same_site_gives_the_same_bundle_and_subset_bytes(tmp_path):
    made = []
    for name in ("a", "b"):
        root = icon_site(make_site(tmp_path / name), "fa-book")
        names = bundle_assets(root)
        files = sorted((root / "_static").glob("bundle-*.css")) + sorted((root / "_static" / stylesheets.FONTS).glob("*.woff2"))
        assert [f.name for f in files][:1] == names and len(files) == 2
        made.append({f.name: f.read_bytes() for f in files})
    assert made[0] == made[1]


def test_a_rule_that_no_page_or_script_can_match_is_left_out_of_the_bundle(site):
    (site / "_static" / "site.css").write_text(".note a { color: red }\n.sidebar-open .nav { left: 0 }\n.ghost { x: 1 }\n",
                                               encoding="utf-8")
    (site / "_static" / "menu.js").write_text('import("./drawer.js");\n', encoding="utf-8")
    (site / "_static" / "drawer.js").write_text('document.body.classList.toggle("sidebar-open");\n', encoding="utf-8")
    page = site / "chapters" / "one.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", '<nav class="nav"></nav><script type="module" src="../_static/menu.js"></script></body>'), encoding="utf-8")
    css = (site / "_static" / bundle_assets(site)[0]).read_text(encoding="utf-8")
    assert ".note a { color: red }" in css
    assert ".sidebar-open .nav { left: 0 }" in css  # named only by a module that a loaded script imports
    assert ".ghost" not in css


def test_a_new_word_renames_the_bundle_only_when_a_selector_names_it(site):
    (site / "_static" / "site.css").write_text(".note a { color: red }\n.ghost { x: 1 }\n", encoding="utf-8")
    first = bundle_assets(site)
    page = site / "search.html"
    page.write_text(page.read_text(encoding="utf-8").replace("text</q>", "text about unicorns</q>"), encoding="utf-8")
    assert bundle_assets(site) == first  # prose: same bundle, no page rewritten for it
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", '<div class="ghost"></div></body>'), encoding="utf-8")
    second = bundle_assets(site)
    assert second != first and not (site / "_static" / first[0]).exists()
    assert ".ghost { x: 1 }" in (site / "_static" / second[0]).read_text(encoding="utf-8")
    assert linked_stylesheets(site / "chapters" / "one.html") == ["../_static/" + second[0]]

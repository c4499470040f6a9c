"""Build hooks: a Sphinx extension that keeps pages in step with data/, and the staged build command.

Stock Jupyter Book 1 re-reads only pages whose *source* changed, and jupyter-cache keys a notebook
on its code cells only, so after an edit of data/ or references.bib it serves stale tables and
figures. This extension (listed in _config.yml) fixes both halves:

* every page that imports `helpers` has a fingerprint of what it was built from: the values it
  read on its last run and the code of this package (helpers.dependencies; before a page's first
  run, every data file); when that fingerprint changes, Sphinx is told the page is outdated
  (`env-get-outdated`);
* the fingerprint is appended to the page's notebook, at read time, as a hidden code cell, so it is
  part of jupyter-cache's key and the notebook is executed again instead of served from the cache.

The command `python -m helpers.build` (what `make book` runs) validates the input first, builds into
_build/.staging, and only when the build succeeded replaces _build/html: a failed build never leaves
partial output where readers look, and never touches the author's files.
"""
from __future__ import annotations

import argparse
import hashlib
import html
from contextlib import suppress
from dataclasses import dataclass, field
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import bibformat, cards, code_spans, datatables, mathml, numbering, paths, pdf, readers, rendering, sitemap, stylesheets, theme_scripts
from .fingerprints import (VALIDATED_ENV, data_fingerprint, fingerprint_cell,  # noqa: F401
                           page_kind, remember_validated, validated_before)
from .problems import InputError
from .run_jupyter_book import AWAIT_ENV, TOLD_TO_STOP  # the Sphinx process's words

STAGING = Path("_build") / ".staging"
PUBLISHED = Path("_build") / "html"
# Where myst-nb keeps its jupyter-cache by default: next to the HTML output folder.
EXECUTION_CACHE = STAGING / "_build" / ".jupyter_cache"
# Everything a build reads; if none of it changed since the last published build, skip the build.
INPUT_GLOBS = ("_config.yml", "_toc.yml", "references.bib", "requirements.lock", "chapters/**/*", "data/**/*")
STAMP = STAGING / "inputs.sha256"
REPORT = STAGING / "execution.json"


# --- Sphinx extension -------------------------------------------------------------------------

def _on_config_inited(app, config) -> None:
    from sphinx.errors import ConfigError

    root = Path(app.srcdir).resolve()
    os.environ[paths.ROOT_ENV] = str(root)  # kernels started by the build inherit it
    # `python -m helpers.build` has validated these very bytes already; a plain
    # `jupyter-book build` has not, and gets the same check here.
    from .dependencies import PageFingerprints

    if os.environ.get(VALIDATED_ENV) != data_fingerprint(root):
        from .validate import find_problems  # here: importing it (frictionless) takes 0.4 s

        problems = find_problems(root)
        if problems:
            raise ConfigError(str(InputError(problems)))
    # Each page's fingerprint covers what it read on its last run (helpers.dependencies); the
    # records sit beside the build's execution cache, wherever this build keeps its own. Started
    # early by `python -m helpers.build`, this process reads them once the notebooks have run.
    if not os.environ.get(AWAIT_ENV):
        app.survey_fingerprints = PageFingerprints(root, root / EXECUTION_CACHE)
    # The web edition offers the PDF edition once it has been built (never the student edition,
    # whose readers should not get the solutions). A config value of the HTML category: when the
    # PDF appears or goes, Sphinx writes every page again (their download menus change).
    config.survey_pdf = pdf_offered(root, config.survey_hide_solutions)
    # sphinxext-opengraph makes og:url and og:image from its own setting, not from the site's
    # address: unset, they were relative ("chapters/chart.html"), which link previews cannot follow
    if not getattr(config, "ogp_site_url", None) and config.html_baseurl:
        config.ogp_site_url = config.html_baseurl


def static_digest() -> str:
    """Hash of the book's own static files (site CSS, explorer script and styles)."""
    return paths.digest({p.relative_to(STATIC).as_posix(): p for p in sorted(STATIC.rglob("*")) if p.is_file()})


def _await_word(app) -> None:
    """Last of the builder-inited handlers, once start-up is done and before any page is looked at
    (or anything printed about pages): in a Sphinx process started early, wait for the word on
    stdin. "go": the notebooks have run; read the fingerprints they left. Anything else (a
    notebook failed, the build command was stopped): end here."""
    if os.environ.get(AWAIT_ENV):
        from .dependencies import PageFingerprints

        if sys.stdin.readline().strip() != "go":
            # SystemExit, not os._exit: the exit handlers must run, or the process that
            # sphinx-sitemap forks at start-up outlives this one (and holds its output open)
            raise SystemExit(TOLD_TO_STOP)
        root = Path(app.srcdir).resolve()
        app.survey_fingerprints = PageFingerprints(root, root / EXECUTION_CACHE)


def _on_env_get_outdated(app, env, added, changed, removed):
    recorded = getattr(env, "survey_data_fingerprints", {})
    current = app.survey_fingerprints
    outdated = [doc for doc, (kind, value) in recorded.items()
                if doc in env.found_docs and doc not in removed and value != current(Path(env.doc2path(doc)), kind)]
    # Sphinx copies static files, and stamps each page's links to them with their checksum, only
    # when it writes pages: an edit of the site CSS alone would be built as "no targets are out of
    # date" and never reach the site. Such an edit rewrites every page.
    digest = static_digest()
    if getattr(env, "survey_static_digest", None) != digest:
        env.survey_static_digest = digest
        outdated = sorted(env.found_docs - set(removed))
    return outdated


def _on_source_read(app, docname, source) -> None:
    if not hasattr(app.env, "survey_data_fingerprints"):
        app.env.survey_data_fingerprints = {}
    kind = page_kind(source[0])
    if kind is not None:
        value = app.survey_fingerprints(Path(app.env.doc2path(docname)), kind)
        app.env.survey_data_fingerprints[docname] = (kind, value)
        source[0] += fingerprint_cell(value)
    else:
        app.env.survey_data_fingerprints.pop(docname, None)


def _on_env_purge_doc(app, env, docname) -> None:
    getattr(env, "survey_data_fingerprints", {}).pop(docname, None)


def _on_env_merge_info(app, env, docnames, other) -> None:
    if not hasattr(env, "survey_data_fingerprints"):
        env.survey_data_fingerprints = {}
    incoming = getattr(other, "survey_data_fingerprints", {})
    env.survey_data_fingerprints.update({d: incoming[d] for d in docnames if d in incoming})


STATIC = Path(__file__).with_name("static")  # the explorer's script and styles, and the site's CSS
SITE_STATIC = STATIC / "site"  # the book's own CSS, on every page
EXPLORER = Path("_static") / "explorer"  # the explorer's script, DataTables and the works' details


def _on_builder_inited(app) -> None:
    bibformat.install()
    bibformat.load(Path(app.doctreedir).parent)
    if app.builder.format == "html":
        app.config.html_static_path = [*app.config.html_static_path, str(SITE_STATIC)]
        app.add_css_file("survey.css")
        app.add_js_file(None, body=SIDEBAR_TOGGLE)


def _on_build_finished(app, exception) -> None:
    """Write the downloadable exports and the explorer's files next to the pages."""
    if exception is None and app.builder.format == "html":
        bibformat.save(Path(app.doctreedir).parent)
        if not os.environ.get(AWAIT_ENV):  # `python -m helpers.build` writes them while Sphinx runs
            _write_exports_if_outdated(Path(app.outdir), Path(app.srcdir), Path(app.doctreedir).parent)
        _fix_pages(Path(app.outdir))
        if app.config.survey_hide_solutions:
            _strip_solutions(Path(app.outdir))
        _stable_notebook_ids(Path(app.outdir))
        copy_explorer_assets(Path(app.outdir) / EXPLORER)
        _place_pdf(Path(app.srcdir) / PDF.product if app.config.survey_pdf else None, Path(app.outdir) / PDF_IN_SITE)


def _write_exports_if_outdated(outdir: Path, root: Path, state: Path) -> None:
    """The downloads (works.csv, BibTeX per chapter) and the explorer's details file depend on the
    data and the helpers' code only: written again when those changed, not on every build (they
    load the catalogue)."""
    from .fingerprints import code_fingerprint

    stamp = state / "survey-exports.inputs"
    key = f"{data_fingerprint(root)}-{code_fingerprint()}"
    written = (outdir / paths.EXPORTS / "works.csv").is_file() \
        and any((outdir / EXPLORER).glob(f"{paths.DETAILS_PREFIX}*.json"))
    if written and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return
    from .explorer import write_details  # here: they import pandas (0.6 s), which most builds need not
    from .exports import write_exports

    write_exports(outdir, root)
    write_details(outdir / EXPLORER, root)
    stamp.write_text(key, encoding="utf-8")


PDF_IN_SITE = "book.pdf"  # where the web edition serves the PDF edition


def pdf_offered(root: Path, hide_solutions: bool) -> bool:
    """Whether the web pages link to the PDF edition: when it has been built, and never in the
    student edition (the PDF has the solutions)."""
    return (root / PDF.product).is_file() and not hide_solutions


def _place_pdf(source: Path | None, target: Path) -> None:
    """The PDF edition in the site, copied only when it changed (see publish); gone without one."""
    if source is None or not source.is_file():
        target.unlink(missing_ok=True)
    elif not (target.is_file() and target.stat().st_size == source.stat().st_size
              and target.read_bytes() == source.read_bytes()):
        shutil.copyfile(source, target)


def _offer_pdf(app, pagename, templatename, context, doctree) -> None:
    """The whole book as a PDF, in every page's download menu (after the theme has made the menu)."""
    if not app.config.survey_pdf or "header_buttons" not in context:
        return
    link = {"type": "link", "url": context["pathto"](PDF_IN_SITE, 1), "text": "Book (PDF)", "icon": "fas fa-book",
            "tooltip": "Download the whole book as one PDF", "label": "download-book-pdf-button"}
    menu = next((g for g in context["header_buttons"] if g.get("label") == "download-buttons"), None)
    if menu is not None:
        menu["buttons"].append(link)
    else:  # pages made by Sphinx (search, index) have no download menu: the link stands alone
        context["header_buttons"].insert(0, link)


def copy_explorer_assets(target: Path) -> None:
    """The explorer's script and style, and its DataTables bundle (static/datatables/, see
    helpers.datatables), served once from _static/ (cached by the browser)."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    for source in [*sorted(STATIC.glob("*")), *(datatables.RECIPE / name for name in datatables.BUNDLE)]:
        copy = target / source.name
        # copied only when different, so that an unchanged file keeps its date (see publish)
        if source.is_file() and not (copy.is_file() and copy.read_bytes() == source.read_bytes()):
            shutil.copyfile(source, copy)


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    """Render each script once per page. Under Jupyter Book, sphinx-thebe and togglebutton add their
    inline scripts a second time (at another priority), and thebe's `const` declared twice is a
    JavaScript error on every page. The scripts are added after this event's handlers run, so the
    check happens where the page template renders them."""
    render = context.get("js_tag")
    if render is None:
        return
    rendered: set[str] = set()

    def js_tag_once(script) -> str:
        tag = render(script)
        if tag in rendered:
            return ""
        rendered.add(tag)
        return tag

    context["js_tag"] = js_tag_once


# Both themes wire their sidebar buttons with document.querySelector: the first .primary-toggle and
# .secondary-toggle of the page, which are pydata-sphinx-theme's header icons, hidden under
# sphinx-book-theme. The buttons a reader sees did nothing, in stock Jupyter Book 1 too: on a phone
# neither the navigation nor "Contents" opened, on a wide screen the navigation never folded. Each
# visible button passes its click to the wired one, whose handlers (drawer on a phone, fold on a
# wide screen) then run as the themes intend. Inline: a few hundred bytes, no request.
SIDEBAR_TOGGLE = """document.addEventListener("DOMContentLoaded", () => {
  for (const side of ["primary", "secondary"]) {
    const [wired, ...others] = document.querySelectorAll(`.${side}-toggle`);
    others.forEach((button) => button.addEventListener("click", (event) => { event.preventDefault(); wired.click(); }));
  }
});"""


# The explorer's table takes the whole window: on its page the book's navigation starts folded away
# on wide screens (the theme's own class, which its CSS applies from 992 px up; the header's button,
# see SIDEBAR_TOGGLE, brings it back). Set in the page rather than by the script: no relayout and no
# sliding sidebar while the explorer starts. (Pages that Sphinx did not rewrite are fixed again: the
# class is added once.)
PRIMARY_SIDEBAR = re.compile(r'(<div id="pst-primary-sidebar" class="(?![^"]*\bpst-sidebar-hidden\b)[^"]*)"')


# The navigation's expand buttons are <summary> elements with an icon and no text (axe-core:
# summary-name); they get the name of the chapter whose sections they show.
NAV_TOGGLE = re.compile(r'(<a class="[^"]*reference internal[^"]*" href="[^"]*">([^<]*)</a><details[^>]*>)<summary>')


# The theme loads Font Awesome twice: as a web font from its CSS, which draws every icon the book
# uses, and as fontawesome.js (1.49 MB, the largest file of every page), which is there "so that
# users can add custom icons" by replacing <i> elements with inline SVG. This book adds none.
FONTAWESOME_JS = re.compile(r'<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\s*')
# Sphinx and its extensions put ten plain <script src> tags in <head>, and each one holds up the
# first paint on a slow phone. Deferred, they run in the same order, after parsing and before
# DOMContentLoaded, which is when their code acts. documentation_options.js cannot wait (inline
# scripts further down the head assign to the object it defines): its few lines go into the page.
BLOCKING_SCRIPT = re.compile(r'<script (?![^>]*\b(?:defer|async)\b)(?![^>]*documentation_options\.js)([^>]*\bsrc="[^"]+"[^>]*)></script>')
OPTIONS_SCRIPT = re.compile(r'<script src="(?P<href>[^"]*_static/documentation_options\.js)(?:\?[^"]*)?"></script>')
# Wide figures are drawn small on a phone; each figure's image links to its own file, which the
# browser opens at full size, to be zoomed. The image is fetched only when the reader nears it
# (loading="lazy"), with its drawing's width and height so that nothing moves when it arrives:
# on a phone's connection a figure three screens down shared the link with the page's stylesheet
# and its first paragraph was drawn later (Lighthouse, chart lab: largest paint 2.75 -> 2.27 s).
FIGURE_IMAGE = re.compile(r'(<figure[^>]*>\s*)(<img [^>]*?src="([^"]*_images/[^"]+)"[^>]*>)')
# The theme's first script in <head> sets the page's colour theme to the one stored by an earlier
# visit or, on a first visit, to "auto", a value no stylesheet rule knows; its main script later sets
# "light" or "dark". A change of data-theme on <html> makes the browser restyle every element: on a
# long page under Lighthouse's phone CPU, 1.3 s of main thread in one task (a Chromium trace with
# invalidation tracking names data-theme as the cause). Resolving "auto" in <head>, as the main
# script does, gives the value it will set, so its later assignment changes nothing.
THEME_SCRIPT = re.compile(
    r'document\.documentElement\.dataset\.mode = localStorage\.getItem\("mode"\) \|\| "(?P<default>[a-z]*)";\s*'
    r'document\.documentElement\.dataset\.theme = localStorage\.getItem\("theme"\) \|\| "[a-z]*";')
THEME_RESOLVED = (
    '{{ let mode = localStorage.getItem("mode") || "{default}";\n'
    '    if (!["light", "dark", "auto"].includes(mode)) mode = "auto";\n'
    '    document.documentElement.dataset.mode = mode;\n'
    '    document.documentElement.dataset.theme = mode != "auto" ? mode'
    ' : matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"; }}')
# The search index (185 KB) is read by the search page only: the theme's search box sends the
# query there, and search-as-you-type is off.
SEARCH_INDEX = re.compile(r'<script[^>]*\bsrc="[^"]*searchindex\.js"[^>]*></script>\s*')


# An image whose SVG is written into the page as a data URI (the lab gallery's thumbnails: 123 of
# the Lab Gallery page's 162 KB). The page is smaller as a file of its own for each, fetched lazily:
# the page's text is drawn sooner, and the images below the screen are not read at all on a phone.
INLINE_SVG_IMAGE = re.compile(r"<img src='data:image/svg\+xml;charset=utf-8,(?P<svg>[^']*)'")
INLINE_IMAGES = "inline"  # _images/inline/<digest>.svg


def _inline_image_to_file(match: re.Match, page: Path, outdir: Path, written: set[str]) -> str:
    """The <img> tag with its data URI replaced by a file under _images/inline/ named by its content
    (the SVG as the browser reads the URI: the attribute's entities, then the URI's %-escapes)."""
    from urllib.parse import unquote

    svg = unquote(html.unescape(match["svg"]))
    name = f"{hashlib.sha256(svg.encode('utf-8')).hexdigest()[:16]}.svg"
    target = outdir / "_images" / INLINE_IMAGES / name
    if name not in written and not (target.is_file() and target.read_text(encoding="utf-8") == svg):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(svg, encoding="utf-8")
    written.add(name)
    return f'<img loading="lazy" src="{Path(os.path.relpath(target, page.parent)).as_posix()}"'


def _lazy_image(tag: str, image: Path) -> str:
    """An <img> tag fetched lazily, with the width and height (CSS pixels) of its SVG drawing; a tag
    whose size cannot be read, or that has one already, is left as it is."""
    if " width=" in tag or " loading=" in tag or image.suffix != ".svg" or not image.is_file():
        return tag
    with image.open(encoding="utf-8", errors="replace") as handle:
        size = readers.svg_size(handle.read(2000))  # the <svg> element opens the file
    if size is None:
        return tag
    width, height = size
    return tag.replace("<img ", f'<img loading="lazy" width="{width}" height="{height}" ', 1)


def _fix_pages(outdir: Path) -> None:
    """Fixes of the theme's markup, on every page. For assistive technology: docutils marks each
    reference role="doc-biblioentry" inside a role="list", but an ARIA list must hold list items
    (axe-core: aria-required-children) and doc-biblioentry is deprecated; and the sidebar's expand
    buttons need names (NAV_TOGGLE). For readers on slow connections: no fontawesome.js, head
    scripts deferred or inlined, the search index on the search page only, and the colour theme
    chosen once (THEME_SCRIPT). For readers on phones: every
    figure opens at full size (FIGURE_IMAGE). For the explorer: its table takes the whole window from
    the start (PRIMARY_SIDEBAR). Images written into a page as data URIs become files
    (INLINE_SVG_IMAGE); files of that kind that no page uses any more are removed."""
    inline_images: set[str] = set()
    for page in paths.site_pages(outdir):
        text = page.read_text(encoding="utf-8")
        fixed = text.replace('role="doc-biblioentry"', 'role="listitem"')
        fixed = INLINE_SVG_IMAGE.sub(lambda m: _inline_image_to_file(m, page, outdir, inline_images), fixed)
        inline_images.update(re.findall(rf'_images/{INLINE_IMAGES}/([0-9a-f]{{16}}\.svg)"', fixed))
        fixed = NAV_TOGGLE.sub(lambda m: f'{m.group(1)}<summary aria-label="Sections of {m.group(2)}">', fixed)
        fixed = FONTAWESOME_JS.sub("", fixed)
        fixed = FIGURE_IMAGE.sub(lambda m: f'{m[1]}<a class="survey-figure" href="{m[3]}">'
                                 f'{_lazy_image(m[2], page.parent / html.unescape(m[3]))}</a>', fixed)
        if 'id="explorer-app"' in fixed:
            fixed = PRIMARY_SIDEBAR.sub(r'\1 pst-sidebar-hidden"', fixed, count=1)
        head, separator, body = fixed.partition("</head>")
        head = THEME_SCRIPT.sub(lambda m: THEME_RESOLVED.format(default=m["default"]), head)
        head = BLOCKING_SCRIPT.sub(r"<script defer \1></script>", head)
        head = OPTIONS_SCRIPT.sub(lambda m: f"<script>{(page.parent / m['href']).read_text(encoding='utf-8').strip()}</script>", head)
        if page.relative_to(outdir).as_posix() != "search.html":
            head = SEARCH_INDEX.sub("", head)
        fixed = head + separator + body
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
    for image in (outdir / "_images" / INLINE_IMAGES).glob("*.svg"):
        if image.name not in inline_images:
            image.unlink()


# Jupyter Book's bare redirect, or the page made of it by an earlier build (sphinx-external-toc
# writes index.html only when there is none, so an incremental build finds the earlier page). A page
# of Sphinx's own is never this small.
REDIRECT = re.compile(r'<meta http-equiv="Refresh" content="0; url=(?P<target>[^"]+)"\s*/?>')
REDIRECT_PAGE_MAX_BYTES = 2_000


def _on_build_finished_late(app, exception) -> None:
    """After sphinx-external-toc has written index.html and the theme its pygments.css (their own
    build-finished handlers): the bundles must hold the stylesheets as published. The theme's
    scripts are written again after Sphinx has copied them (helpers.theme_scripts). Code blocks lose
    the spans that draw nothing of their own, found in the pygments.css just written (helpers.code_spans).
    The stylesheets are bundled last: a bundle keeps the rules that the finished pages and scripts
    can match (`plain-tokens`, which code_spans gives code blocks, among them)."""
    if exception is None and app.builder.format == "html":
        _complete_redirect(Path(app.outdir), app.config.html_title or app.config.project)
        theme_scripts.edit_theme_scripts(Path(app.outdir))
        code_spans.unwrap_pages(Path(app.outdir))
        stylesheets.bundle_assets(Path(app.outdir))


def _complete_redirect(outdir: Path, title: str) -> None:
    """Jupyter Book's index.html is a bare <meta> refresh: no language, title or icon, so browsers
    ask the server for /favicon.ico (a 404 in the console). Make it a complete small page. The
    reader is sent on by a script in <head>, before anything is drawn (the <meta> refresh stays for
    browsers without scripts): a drawn link, then the Introduction, made the Introduction's start
    count as blocking the page on a phone (Lighthouse: TBT 853 ms on index against 191 ms on the
    Introduction itself)."""
    import json
    from html import escape, unescape

    index = outdir / "index.html"
    small = index.is_file() and index.stat().st_size <= REDIRECT_PAGE_MAX_BYTES
    found = REDIRECT.search(index.read_text(encoding="utf-8")) if small else None
    if not found:
        return
    address = unescape(found.group("target"))  # an earlier build's page holds it escaped
    target = escape(address, quote=True)
    # json.dumps makes a JavaScript string; "</" cannot end the script early
    script_target = json.dumps(address).replace("</", "<\\/")
    index.write_text(
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
        f'<script>location.replace({script_target} + location.hash);</script>\n'
        f'<noscript><meta http-equiv="Refresh" content="0; url={target}"></noscript>\n<link rel="canonical" href="{target}">\n'
        f'<link rel="icon" href="_static/favicon.svg">\n</head>\n<body>\n'
        f'<p><a href="{target}">{escape(title)}</a></p>\n</body>\n</html>\n', encoding="utf-8")


SOLUTION_START = re.compile(r"```\{solution-start\}.*?\n```\n?", re.S)  # the fence and its options
SOLUTION_END = re.compile(r"```\{solution-end\}\s*\n```\n?")


def strip_solutions(notebook) -> int:
    """Remove every solution (from its solution-start fence to its solution-end fence, across
    cells) from a notebook read by nbformat; returns how many were removed."""
    kept, inside, count = [], False, 0
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            if not inside:
                kept.append(cell)
            continue
        text, out = cell.source, ""
        while text:
            if inside:
                end = SOLUTION_END.search(text)
                if end is None:
                    text = ""
                    break
                text, inside = text[end.end():], False
            else:
                start = SOLUTION_START.search(text)
                if start is None:
                    out, text = out + text, ""
                    break
                out, text, inside, count = out + text[:start.start()], text[start.end():], True, count + 1
        if out.strip():
            cell.source = out.rstrip() + "\n"
            kept.append(cell)
    notebook.cells = kept
    return count


def _strip_solutions(outdir: Path) -> None:
    """The student edition's downloadable notebooks carry the exercises but not their solutions."""
    import nbformat

    for path in sorted((outdir / "_sources").rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        if strip_solutions(notebook):
            nbformat.write(notebook, path)


def _stable_notebook_ids(outdir: Path) -> None:
    """The .ipynb downloads are written with random cell ids; number them so that two builds of
    the same sources give the same bytes."""
    import nbformat

    for path in sorted((outdir / "_sources").rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        if all(cell.get("id") == f"cell-{index}" for index, cell in enumerate(cells)):
            continue  # numbered by an earlier build: left as it is, so its date says unchanged
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{index}"
        nbformat.write(notebook, path)


def _remove_solutions_transform():
    """A transform that drops every solution from the pages when `survey_hide_solutions` is set.
    (sphinx-exercise's own hide_solutions leaves the body of gated solutions, and its end marker,
    behind; this runs after its merge of gated solutions, so whole solutions go, code cells and all,
    while the notebooks, and so their execution-cache keys, stay the same.)"""
    from sphinx.transforms import SphinxTransform
    from sphinx_exercise.nodes import solution_node

    class RemoveSolutions(SphinxTransform):
        default_priority = 11  # MergeGatedSolutions runs at 10

        def apply(self):
            if self.config.survey_hide_solutions:
                for node in list(self.document.findall(solution_node)):
                    node.parent.remove(node)

    return RemoveSolutions


def setup(app):
    app.add_config_value("survey_hide_solutions", False, "env")
    app.add_config_value("survey_pdf", False, "html")  # set by _on_config_inited
    app.add_transform(_remove_solutions_transform())
    mathml.install(app)
    cards.draw_beside_the_build(app)
    rendering.install(app)
    numbering.install(app)
    sitemap.list_every_page(app)
    app.connect("config-inited", _on_config_inited)
    app.connect("config-inited", pdf.use_sphinx_class, priority=900)  # after sphinx-jupyterbook-latex's
    for transform in pdf.print_transforms():
        app.add_post_transform(transform)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("builder-inited", _await_word, priority=900)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("source-read", _on_source_read)
    app.connect("env-purge-doc", _on_env_purge_doc)
    app.connect("env-merge-info", _on_env_merge_info)
    app.connect("build-finished", _on_build_finished)
    app.connect("build-finished", _on_build_finished_late, priority=900)
    # early: a later handler may return a template name, which ends the event for the rest
    app.connect("html-page-context", _on_html_page_context, priority=100)
    app.connect("html-page-context", _offer_pdf, priority=600)  # the theme makes its buttons at 501
    return {"version": "2", "env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}


# --- staged build command ---------------------------------------------------------------------

def publish(built: Path, target: Path) -> None:
    """Replace `target` by the content of `built` in one rename, so that readers never see a
    half-written site.

    The new tree is assembled beside the site. A file that the last publish took from the same
    built file, unchanged since (same size, same modification time), is hard-linked from the site
    being replaced instead of copied: a published file is never written in place (every publish
    makes a new tree), so sharing it is safe, and Sphinx, which does write in place, only ever
    writes the built files. A prose edit thus copies a few pages, not the whole 50 MB site."""
    manifest = built.with_name(built.name + ".published.json")
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    placed: dict[str, list[int]] = {}

    def place(source: str, destination: str) -> str:
        name = Path(source).relative_to(built).as_posix()
        stat = os.stat(source)
        placed[name] = signature = [stat.st_size, stat.st_mtime_ns]
        current = target / name
        if previous.get(name) == signature and current.is_file() and not current.is_symlink():
            with suppress(OSError):  # another file system, say: copy instead
                os.link(current, destination)
                return destination
        return shutil.copy2(source, destination)

    shutil.copytree(built, fresh, copy_function=place)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    manifest.write_text(json.dumps(placed, sort_keys=True), encoding="utf-8")


def publish_file(built: Path, target: Path) -> None:
    """Replace one file in one rename (readers see the old file or the new one, never half of one)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(target.name + ".new")
    shutil.copyfile(built, fresh)
    os.replace(fresh, target)


def jupyter_book_command(root: Path, staging: Path, extra: list[str], builder: str = "html") -> list[str]:
    """`jupyter-book build`, run so that its process ends as soon as the build is over
    (helpers.run_jupyter_book)."""
    return [sys.executable, "-m", "helpers.run_jupyter_book", "build", str(root), "--path-output", str(staging),
            "--builder", builder, "-W", "-n", "--keep-going", *extra]


def inputs_digest(root: Path, edition: "Edition | None" = None) -> str:
    """Hash of the names and bytes of every file the build reads, the code of this package included
    (wherever it is installed from: a copy of the book may have no src/ of its own). The web
    edition also serves the PDF edition, when there is one."""
    files = {p.relative_to(root).as_posix(): p for pattern in INPUT_GLOBS for p in root.glob(pattern)
             if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    if edition is WEB and (root / PDF.product).is_file():
        files[PDF.product.as_posix()] = root / PDF.product
    # the explorer's script and the site's CSS are copied into every build: an edit must rebuild
    static = {f"helpers/static/{p.relative_to(STATIC).as_posix()}": p for p in sorted(STATIC.rglob("*")) if p.is_file()}
    return paths.digest({**files, **paths.package_files(), **static})


LOCK = Path("_build") / ".build.lock"


@dataclass(frozen=True)
class Edition:
    """Where one edition of the book is staged and published, and what its configuration adds."""
    name: str
    staging: Path
    published: Path
    sphinx_config: dict = field(default_factory=dict)
    extensions: tuple = ()
    builder: str = "html"

    @property
    def product(self) -> Path:
        """The file whose presence says the edition has been published."""
        return self.published / ("book.pdf" if self.builder == "latex" else "index.html")

    @property
    def stamp(self) -> Path:
        return self.staging / "inputs.sha256"

    @property
    def report(self) -> Path:
        return self.staging / "execution.json"


WEB = Edition("web", STAGING, PUBLISHED)
# The same book without the exercises' solutions (sphinx-exercise's hide_solutions), for students.
STUDENT = Edition("student", Path("_build") / ".staging-student", Path("_build") / "student",
                  {"survey_hide_solutions": True})
# The whole book as one typeset PDF (helpers.pdf), solutions included, in _build/pdf/book.pdf.
PDF = Edition("pdf", Path("_build") / ".staging-pdf", Path("_build") / "pdf", pdf.SPHINX_CONFIG, pdf.EXTENSIONS, "latex")


@dataclass
class Spare:
    """A Sphinx process started ahead of the next build of the web edition (`make serve` starts
    one after each build), its start-up done, waiting for word (_await_word). A build takes it if
    nothing it read at start-up has changed since (`key`), and ends it otherwise."""
    process: subprocess.Popen
    key: str
    taken: bool = False

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _startup_key(root: Path, edition: Edition) -> str:
    """What a Sphinx process reads before it waits: the configuration, the ToC, the references
    (sphinxcontrib-bibtex parses them at start-up), the code of the helpers and of the installed
    packages, the saved environment of the last build, and whether there is a PDF to offer."""
    from .fingerprints import code_fingerprint

    state = [root / name for name in ("_config.yml", "_toc.yml", "references.bib", "requirements.lock")]
    state += [root / edition.staging / "_build" / ".doctrees" / "environment.pickle", root / PDF.product]
    stats = [(p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else (p.as_posix(),) for p in state]
    files = hashlib.sha256(repr(stats).encode()).hexdigest()
    return f"{files}-{code_fingerprint()}-{static_digest()}"


def _start_sphinx(root: Path, command: list[str]) -> subprocess.Popen:
    """Start Sphinx to wait for word (_await_word). It is told "go" only once the build has
    validated the inputs, so it need not validate the data itself (VALIDATED_ENV)."""
    environment = {**os.environ, paths.ROOT_ENV: str(root), VALIDATED_ENV: data_fingerprint(root), AWAIT_ENV: "1"}
    return subprocess.Popen(command, cwd=root, env=environment, stdin=subprocess.PIPE, text=True)


def start_spare(root: Path) -> Spare:
    """Start the Sphinx process of the next build of the web edition, to wait for it."""
    root = Path(root).resolve()
    command = jupyter_book_command(root, root / WEB.staging, edition_config(root, WEB), WEB.builder)
    key = _startup_key(root, WEB)  # before it reads anything: a later change must show
    process = _start_sphinx(root, command)
    _tell(process, "start")  # not under the build's lock: a build meanwhile changes the key
    return Spare(process, key)


def main(argv: list[str] | None = None, spare: Spare | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", help="the book's folder (default: found from the working folder)")
    parser.add_argument("--all", action="store_true", help="re-read every page (execution cache kept)")
    parser.add_argument("--serial", action="store_true",
                        help="let myst-nb execute notebooks one by one during the Sphinx build")
    parser.add_argument("--fresh-kernels", action="store_true",
                        help="start a new kernel for every notebook instead of one warm kernel per worker")
    parser.add_argument("--student", action="store_true",
                        help=f"build the edition without solutions into {STUDENT.published}")
    parser.add_argument("--pdf", action="store_true", help=f"build the PDF edition into {PDF.product}")
    args = parser.parse_args(argv)
    root = paths.project_root(args.root)
    edition = PDF if args.pdf else STUDENT if args.student else WEB
    if edition is PDF and (missing := pdf.missing_tools()):
        print(missing, file=sys.stderr)
        return 1
    digest = inputs_digest(root, edition)
    if not args.all and _up_to_date(root, digest, edition):
        return 0
    # The Sphinx process starts now and imports its modules (most of its start-up) while the inputs
    # are validated; it reads and writes nothing before it is told "start" (see run_jupyter_book).
    taken = None if args.serial else _take(spare, root, edition, args)  # a spare has been told "start"
    sphinx = None if args.serial else taken or _start_sphinx(root, _command(root, edition, args))
    try:
        if _input_problems(root, edition):
            return 1
        # One build at a time per book folder: a second `make book` waits for the first, then finds
        # the book up to date (or builds what changed meanwhile); _build/ never holds two builds' files.
        from filelock import FileLock, Timeout

        (root / LOCK).parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(root / LOCK))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            print(f"another build of {root} is running: waiting for it to finish", flush=True)
            lock.acquire()
        try:
            digest = inputs_digest(root, edition)  # the inputs may have changed while we waited
            if not args.all and _up_to_date(root, digest, edition):
                return 0
            return _build(root, args, digest, edition, sphinx, started=taken is not None)
        finally:
            lock.release()
    finally:
        if sphinx is not None and sphinx.poll() is None:  # not used: it has read and written nothing
            sphinx.kill()
            sphinx.wait()


def _command(root: Path, edition: Edition, args) -> list[str]:
    extra = (["--all"] if args.all else []) + edition_config(root, edition)
    return jupyter_book_command(root, root / edition.staging, extra, edition.builder)


def _input_problems(root: Path, edition: Edition) -> bool:
    """Validate the inputs and print their problems; True if there are any. Data whose exact
    bytes validated before (the record load.catalogue keeps too) are not validated again; pages,
    ToC and citations always are. Only successes are remembered, so every build of inputs with a
    problem reports it."""
    from .validate import find_problems  # here: the no-op path needs none of it (pandas, 0.5 s)

    data_known_good = validated_before(root, data_fingerprint(root))
    problems = find_problems(root, skip_data=data_known_good)
    if not problems and not data_known_good:
        remember_validated(root, data_fingerprint(root))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the input: nothing was built; "
              f"{root / edition.published} is unchanged.", file=sys.stderr)
    return bool(problems)


def _up_to_date(root: Path, digest: str, edition: Edition) -> bool:
    stamp, product = root / edition.stamp, root / edition.product
    if stamp.is_file() and stamp.read_text() == digest and product.is_file():
        print(f"book is up to date: {product}")
        return True
    return False


def edition_config(root: Path, edition: Edition) -> list[str]:
    """jupyter-book options for an edition: none for the web edition; otherwise a configuration file
    (written by write_edition_config) that adds the edition's Sphinx settings to _config.yml and
    shares the web edition's execution cache, so that no notebook runs twice."""
    return [] if edition is WEB else ["--config", str(root / edition.staging / "_config.yml")]


def write_edition_config(root: Path, edition: Edition) -> None:
    if edition is WEB:
        return
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx.setdefault("config", {}).update(edition.sphinx_config)
    sphinx["extra_extensions"] = [*sphinx.get("extra_extensions", []), *edition.extensions]
    config.setdefault("execute", {})["cache"] = str(root / EXECUTION_CACHE)
    path = root / edition.staging / "_config.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _build(root: Path, args, digest: str, edition: Edition, sphinx: subprocess.Popen | None,
           started: bool = False) -> int:
    """Inputs validated, the lock held: execute, build into staging, publish. `sphinx`: the Sphinx
    process, waiting for its words (None: run Sphinx here, with myst-nb executing the pages);
    `started`: it has been told "start" already (a spare)."""
    staging, published, stamp = root / edition.staging, root / edition.published, root / edition.stamp
    # The data were just validated: kernels need not validate them again (see load.catalogue);
    # the Sphinx hook validates again if the data changed after that.
    os.environ.update({paths.ROOT_ENV: str(root), VALIDATED_ENV: data_fingerprint(root)})
    stamp.unlink(missing_ok=True)
    write_edition_config(root, edition)
    report = None
    if sphinx is None:
        returncode = subprocess.run(_command(root, edition, args), cwd=root, env=dict(os.environ)).returncode
    else:
        # Told "start", Sphinx sets itself up (extensions, the saved environment) while the
        # notebooks are found and run; it then waits for "go" before it looks at any page
        # (_await_word), so that it reads only finished results.
        if not started:
            _tell(sphinx, "start")
        try:
            from .execute import execute_outdated

            report = execute_outdated(root, root / EXECUTION_CACHE, fresh_kernels=args.fresh_kernels)
        except BaseException:
            sphinx.kill()
            sphinx.wait()
            raise
        for page, error in report.failed.items():
            print(failure_message(root, page, error), file=sys.stderr)
        if report.failed:
            _tell(sphinx, "stop")
            sphinx.wait()
            print(f"build failed: {published} is unchanged.", file=sys.stderr)
            return 1
        print(f"executed {len(report.executed)} notebook(s) in {report.seconds:.1f} s, "
              f"{len(report.cached)} from the cache", flush=True)
        _tell(sphinx, "go")
        if edition.builder == "html":
            # the downloads and the explorer's records (1.5-2 s after a data edit) are written
            # here, on the core that Sphinx leaves idle, into the folder Sphinx writes pages to
            try:
                _write_exports_if_outdated(staging / "_build" / "html", root, staging / "_build")
            except BaseException:
                sphinx.kill()
                sphinx.wait()
                raise
        returncode = sphinx.wait()
    if returncode != 0:
        print(f"build failed (exit {returncode}): {published} is unchanged.", file=sys.stderr)
        return returncode
    if edition.builder == "latex":
        started = time.monotonic()
        typeset, problems = pdf.typeset(staging / "_build" / "latex", appendices=pdf.unnumbered_parts(root))
        print(f"typeset with XeLaTeX in {time.monotonic() - started:.1f} s")
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"build failed: {published} is unchanged.", file=sys.stderr)
            return 1
        publish_file(typeset, published / "book.pdf")
    else:
        publish(staging / "_build" / "html", published)
    if report is not None:
        (root / edition.report).write_text(json.dumps({"executed": report.executed, "cached": report.cached,
                                                       "seconds": round(report.seconds, 2),
                                                       "page_seconds": report.page_seconds}, indent=1))
    stamp.write_text(digest)
    print(f"book built: {root / edition.product}")
    return 0


def _take(spare: Spare | None, root: Path, edition: Edition, args) -> subprocess.Popen | None:
    """The spare Sphinx process, if there is one, still waiting, for this edition and with
    nothing it read at start-up changed since; otherwise None (and the spare is ended)."""
    if spare is None or spare.taken:
        return None
    spare.taken = True
    if edition is WEB and not args.all and spare.process.poll() is None and spare.key == _startup_key(root, edition):
        return spare.process
    spare.end()
    return None


def _tell(sphinx: subprocess.Popen, word: str) -> None:
    """Send the waiting Sphinx process its next word: "start", then "go" or "stop". One that has
    already stopped cannot hear it."""
    with suppress(BrokenPipeError, OSError):
        sphinx.stdin.write(word + "\n")
        sphinx.stdin.flush()
        if word != "start":
            sphinx.stdin.close()


def failure_message(root: Path, page: str, error: str) -> str:
    """What to print when a page's notebook fails. A sentence whose claim no longer holds (see
    helpers.claims) is named by its page and line; anything else shows its traceback."""
    from .claims import MARK, locate

    error = re.sub(r"\x1b\[[0-9;]*m", "", error)  # the kernel colours its tracebacks
    if MARK in error:
        claim = next(line for line in error.splitlines() if MARK in line)
        claim = claim[claim.index(MARK):]
        line = locate((root / page).read_text(encoding="utf-8"), claim)
        return f"{page}:{line or '-'}: {claim}\n  (the data no longer support this sentence: correct the prose or the data)"
    return f"{page}: executing the notebook failed:\n{error}"


if __name__ == "__main__":
    from .run_jupyter_book import exit_now

    exit_now(main())  # as the Sphinx process does: about 0.4 s less after a build

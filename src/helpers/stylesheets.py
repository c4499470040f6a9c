"""One stylesheet per page and icon fonts cut to the icons the book shows: fewer round trips and
bytes before a page is drawn on a slow phone (a build hook, run after Sphinx has written the pages).

The theme and Sphinx's extensions link eleven stylesheets from every page's head (one of them
@imports a twelfth). On a phone's connection each of them costs a round trip before the first paint: Lighthouse's mobile preset put the first
paint of a prose chapter at 3.6 s, and 2.0 s with the same CSS in one file. The icon fonts (274 KB
of Font Awesome, loaded in full for about twenty icons) then shared the slow link with the text.

`bundle_assets` replaces each run of adjacent local stylesheet links with one link to a bundle of
the same rules in the same order (@imports inlined, url()s made relative to the bundle), less the
rules that no page can match (helpers.unused_css: 550 KB of CSS become 183 KB). The bundle's first line names its sources, so a later build can
rebuild it from them when a page Sphinx did not write again still links an older bundle. The Font
Awesome faces in a bundle point to subsets of their fonts that hold every icon a page or script
of the site names (`fa-*` classes) and every icon glyph the stylesheets use themselves
(admonition and link icons). CSS is located with tinycss2's tokenizer, so comments and strings
are never mistaken for rules; the text between the edits is kept byte for byte.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import paths, unused_css
from .css_text import block_end, line_offsets, offset

BUNDLE_PREFIX = "bundle-"  # _static/bundle-<digest>.css
FONTS = "fonts"  # _static/fonts/<font>-<digest>.woff2: the subsets
SOURCES = re.compile(r"\A/\* sources: (?P<sources>.*?) \*/\n")
STYLESHEET = re.compile(r'<link\b(?=[^>]*\brel="stylesheet")[^>]*>')
HREF = re.compile(r'\bhref="(?P<href>[^"]+)"')
MEDIA = re.compile(r'\bmedia="(?P<media>[^"]+)"')
COMMENT = re.compile(r"<!--.*?-->", re.S)
BETWEEN_LINKS = re.compile(rf"\A(?:\s|{COMMENT.pattern})*\Z", re.S)  # links separated only by this are adjacent
SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"')
IMPORTED = re.compile(r"""\bimport\s*\(\s*["']([^"']+)["']\s*\)|\bfrom\s*["']([.][^"']+)["']""")
ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
ICON_FAMILY = re.compile(r"Font\s*Awesome", re.I)  # the theme's icon fonts (solid, regular, brands)
ICON_RULE = re.compile(r"\A\.(fa-[a-z0-9-]+)::?before\Z")  # `.fa-book:before{content:"\f02d"}`
ANOTHER_SITE = re.compile(r"[a-z][a-z0-9+.-]*:|//", re.I)  # https:, data:, //cdn...: not a file of this site
# part of every bundle's digest: a change to the code that writes bundles makes new ones
CODE = Path(__file__).read_bytes() + Path(unused_css.__file__).read_bytes()


@dataclass(frozen=True)
class Used:
    """What the site's pages and scripts name: the icon classes, every word (classes and ids among
    them), and those of the words that decide which rules a bundle keeps (part of its name)."""
    icons: frozenset[str]
    words: frozenset[str]
    deciding: tuple[str, ...]


class BundleError(Exception):
    """A stylesheet that cannot be bundled (a missing file, an @import of another site)."""


def bundle_assets(outdir: Path) -> list[str]:
    """Rewrite every page under `outdir` to link one bundle per run of adjacent stylesheets; write the bundles and font subsets they need, remove those no
    page links any more. Returns the bundles' names."""
    static = outdir / "_static"
    pages = paths.site_pages(outdir)
    page_texts = [page.read_text(encoding="utf-8") for page in pages]
    texts = site_texts(outdir, pages, page_texts)
    words = frozenset().union(*map(unused_css.words, texts))
    used = Used(icons=frozenset(name for text in texts for name in ICON_CLASS.findall(text)), words=words,
                deciding=tuple(unused_css.deciding_words(words, _selector_names(static))))
    made: dict[tuple, str] = {}  # sources -> bundle file name, each bundle made once per build
    for page, text in zip(pages, page_texts):
        head, separator, body = text.partition("</head>")
        if not separator:
            continue
        fixed = _link_bundles(page, head, static, used, made)
        if fixed != head:
            page.write_text(fixed + separator + body, encoding="utf-8")
    keep = set(made.values()) | {font for name in made.values() for font in _fonts_of(static / name)}
    for old in [*static.glob(f"{BUNDLE_PREFIX}*.css"), *(static / FONTS).glob("*")]:
        if old.relative_to(static).as_posix() not in keep:
            old.unlink()
    return sorted(made.values())


def _link_bundles(page: Path, head: str, static: Path, used: Used, made: dict) -> str:
    runs, run, last_end = [], [], None
    for match in STYLESHEET.finditer(head):
        href = HREF.search(match.group(0))
        source = _local_file(page, href.group("href") if href else "", static)
        adjacent = last_end is not None and BETWEEN_LINKS.match(head[last_end:match.start()])
        if run and not (source and adjacent):
            runs.append(run)
            run = []
        if source:
            media = MEDIA.search(match.group(0))
            run.append((match, source, media.group("media") if media else "all"))
        last_end = match.end()
    if run:
        runs.append(run)
    for run in reversed(runs):  # from the end, so that earlier offsets stay valid
        sources = tuple(s for _, path, media in run for s in _expand(path, media, static))
        if sources not in made:
            made[sources] = write_bundle(static, sources, used)
        href = _relative(static / made[sources], page.parent)
        link = f'<link rel="stylesheet" type="text/css" href="{href}" />'
        head = head[:run[0][0].start()] + link + head[run[-1][0].end():]
    return head


def _local_file(page: Path, href: str, static: Path) -> Path | None:
    """The file under _static/ that a page's href names, or None for another site's stylesheet."""
    if not href or ANOTHER_SITE.match(href):
        return None
    # normpath, not resolve(): resolving touches every folder of the path, and this runs for every
    # link of every page; a build's output holds no symbolic links
    path = Path(os.path.normpath(page.parent.absolute() / href.split("?")[0].split("#")[0]))
    return path if path.is_relative_to(os.path.normpath(static.absolute())) and path.is_file() else None


def _expand(path: Path, media: str, static: Path) -> list[tuple[str, str]]:
    """A stylesheet's sources: itself, or, for a bundle from an earlier build, the files it holds."""
    if path.name.startswith(BUNDLE_PREFIX):
        sources = bundle_sources(path)
        if sources:
            return sources
    return [(path.resolve().relative_to(static.resolve()).as_posix(), media)]


def bundle_sources(bundle: Path) -> list[tuple[str, str]]:
    """The (file under _static, media) pairs a bundle holds, read from its first line."""
    found = SOURCES.match(bundle.read_text(encoding="utf-8"))
    if not found:
        return []
    items = [item.partition(" @media ") for item in found.group("sources").split(", ")]
    return [(name, media or "all") for name, _, media in items]


def write_bundle(static: Path, sources: tuple[tuple[str, str], ...], used: Used) -> str:
    """Write the bundle of `sources` ((file under _static, media) pairs, in cascade order), without
    the rules that no page can match, and the icon-font subsets it names; return its name relative
    to _static. An unchanged bundle keeps its name and is not written again."""
    missing = [name for name, _ in sources if not (static / name).is_file()]
    if missing:
        raise BundleError(f"{static}: stylesheets to bundle not found: {', '.join(missing)}")
    contents = [(name, media, (static / name).read_bytes()) for name, media in sources]
    digest = hashlib.sha256(CODE)
    for name, media, data in contents:
        digest.update(f"\0{name}\0{media}\0".encode() + data)
    digest.update("\0".join(sorted(used.icons)).encode())
    # the words that decide which rules stay; not every word of the prose, which would rename the
    # bundle (and rewrite every page) whenever a paragraph gains a new word
    digest.update(b"\1" + "\0".join(used.deciding).encode())
    name = f"{BUNDLE_PREFIX}{digest.hexdigest()[:16]}.css"
    if (static / name).is_file():
        return name
    header = ", ".join(s if m == "all" else f"{s} @media {m}" for s, m in sources)
    css = unused_css.drop_unused_rules(bundled_rules(static, sources), used.words)
    css = subset_icon_fonts(css, static, used.icons)
    (static / name).write_text(f"/* sources: {header} */\n{css}\n", encoding="utf-8")
    return name


def bundled_rules(static: Path, sources: tuple[tuple[str, str], ...]) -> str:
    """Every rule of `sources` in cascade order, @imports inlined, url()s relative to _static/: a
    bundle before the rules no page can match are dropped."""
    parts = []
    for source, media in sources:
        css = inline_imports(static / source, static, (static / source).read_text(encoding="utf-8-sig"))
        parts.append(css if media == "all" else f"@media {media} {{\n{css}\n}}")
    return "\n".join(parts)


def inline_imports(path: Path, static: Path, css: str, seen: tuple[Path, ...] = ()) -> str:
    """The stylesheet at `path` with every @import replaced by the imported rules, and every url()
    made relative to _static/, where the bundle is."""
    import tinycss2

    if path in seen:
        raise BundleError(f"{path}: @import cycle: {' -> '.join(str(p) for p in seen)}")
    edits = []  # (start, end, replacement) in the text of this file
    offsets = line_offsets(css)
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)  # parsed once: 400 KB
    for rule in rules:
        start = offset(offsets, rule)
        if rule.type == "at-rule" and rule.lower_at_keyword == "charset":
            edits.append((start, css.index(";", start) + 1, ""))
        elif rule.type == "at-rule" and rule.lower_at_keyword == "import":
            target = next((t for t in rule.prelude if t.type in ("url", "string")), None)
            if target is None or ANOTHER_SITE.match(target.value):
                raise BundleError(f"{path}: an @import the bundle cannot hold: {tinycss2.serialize(rule.prelude).strip()}")
            imported = (path.parent / target.value).resolve()
            media = tinycss2.serialize(rule.prelude[rule.prelude.index(target) + 1:]).strip()
            text = inline_imports(imported, static, imported.read_text(encoding="utf-8-sig"), (*seen, path))
            edits.append((start, css.index(";", start) + 1, f"@media {media} {{\n{text}\n}}" if media else text))
    for token_start, token_end, url in _urls(css, offsets, rules):
        if not (ANOTHER_SITE.match(url) or url.startswith(("/", "#"))) and not any(s <= token_start < e for s, e, _ in edits):
            target, query = re.match(r"([^?#]*)(.*)", url, re.S).groups()  # keep ?v=... and #iefix
            moved = _relative((path.parent / target).resolve(), static.resolve()) + query
            edits.append((token_start, token_end, 'url("%s")' % moved.replace('"', '\\"')))
    for start, end, replacement in sorted(edits, reverse=True):
        css = css[:start] + replacement + css[end:]
    return re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)


def _urls(css: str, offsets: list[int], rules: list):
    """(start, end, url) of every url(...) in a stylesheet (`rules`, as tinycss2 parsed `css`),
    comments and strings excluded."""
    for token in _tokens(rules):
        url = _url_of(token)
        if url is not None:
            start = offset(offsets, token)
            yield start, _call_end(css, start), url


def _tokens(nodes):
    """Every node of a tinycss2 tree, depth first (rules' preludes and blocks, functions' arguments)."""
    for node in nodes:
        yield node
        for child in ("prelude", "content", "arguments"):
            inner = getattr(node, child, None)
            if isinstance(inner, list):
                yield from _tokens(inner)


def _url_of(token) -> str | None:
    """The address of a url(...) token, quoted or not; None for any other token."""
    if token.type == "url":
        return token.value
    if token.type == "function" and token.lower_name == "url":
        return next((a.value for a in token.arguments if a.type == "string"), None)
    return None


def _call_end(css: str, start: int) -> int:
    """The offset just after the `)` that closes the url( at `start`, quotes respected."""
    index, quote = css.index("(", start) + 1, None
    while True:
        char = css[index]
        if char == "\\":
            index += 2
            continue
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ")":
            return index + 1
        index += 1


def _relative(target: Path, folder: Path) -> str:
    return Path(os.path.relpath(target, folder)).as_posix()


# --- what the site names ---------------------------------------------------------------------

def site_texts(outdir: Path, pages: list[Path], page_texts: list[str]) -> list[str]:
    """What names the classes, ids and icons that the site's elements can carry: the text of every
    page (`page_texts`), without its comments and stylesheet links, which the bundling rewrites (so
    that a bundle's own name and the links it replaces never count), and of every local script a
    page loads, with the modules those scripts import (the explorer fetches DataTables that way)."""
    texts = [STYLESHEET.sub("", COMMENT.sub("", text)) for text in page_texts]
    scripts = {path for page, text in zip(pages, texts) for src in SCRIPT_SRC.findall(text)
               if (path := _local_file(page, src, outdir / "_static")) is not None}
    seen: set[Path] = set()
    while scripts:
        script = min(scripts)
        scripts.discard(script)
        seen.add(script)
        text = script.read_text(encoding="utf-8", errors="replace")
        texts.append(text)
        for match in IMPORTED.finditer(text):
            path = _local_file(script, match.group(1) or match.group(2), outdir / "_static")
            if path is not None and path not in seen:
                scripts.add(path)
    return texts


def _selector_names(static: Path) -> frozenset[str]:
    """Every name a selector of the site's own stylesheets could require (a superset, read without
    parsing): with the words of the site, what decides which rules a bundle keeps."""
    return frozenset(name for sheet in sorted(static.rglob("*.css")) if not sheet.name.startswith(BUNDLE_PREFIX)
                     for name in unused_css.selector_names(sheet.read_text(encoding="utf-8", errors="replace")))


# --- icon fonts -------------------------------------------------------------------------------

def icon_characters(rules: list, icons: frozenset[str]) -> set[str]:
    """The characters an icon font must keep: those of the icon rules (`.fa-x:before`) whose class
    is used, and every non-ASCII character any other rule writes (the theme's admonition icons).
    `rules`: a stylesheet as tinycss2 parsed it."""
    import tinycss2

    keep: set[str] = set()

    def strings(tokens):
        return (token.value for token in _tokens(tokens) if token.type == "string")

    def visit(rules):
        for rule in rules:
            if rule.type == "qualified-rule":
                selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
                icon_rule = [ICON_RULE.match(s) for s in selectors]
                if all(icon_rule):
                    if any(m.group(1) in icons for m in icon_rule):
                        keep.update(*strings(rule.content))
                    continue
                keep.update(c for s in strings(rule.content) for c in s if ord(c) > 127)
            elif rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword != "font-face":
                inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
                if any(r.type == "qualified-rule" for r in inner):
                    visit(inner)
                else:  # an at-rule of declarations (@page): its strings count as used
                    keep.update(c for s in strings(rule.content) for c in s if ord(c) > 127)

    visit(rules)
    return keep


def subset_icon_fonts(css: str, static: Path, icons: frozenset[str]) -> str:
    """Point every Font Awesome @font-face of a bundle at a WOFF subset of its font that holds the
    characters `icon_characters` finds; the other declarations of the face stay as they are."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)  # parsed once: 550 KB
    characters = icon_characters(rules, icons)
    offsets = line_offsets(css)
    edits = []
    for rule in rules:
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face":
            continue
        declarations = [d for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
                        if d.type == "declaration"]
        family = next((tinycss2.serialize(d.value) for d in declarations if d.lower_name == "font-family"), "")
        if not ICON_FAMILY.search(family.replace("\\", "")):
            continue
        src = next(d for d in declarations if d.lower_name == "src")
        urls = [url for url in map(_url_of, src.value) if url is not None]
        # the WOFF2 that browsers load, so that the subset draws the very same outlines
        font = next((static / u.split("?")[0] for u in urls if u.split("?")[0].endswith(".woff2")), None)
        if font is None or not font.is_file():
            raise BundleError(f"{family}: no WOFF2 font among {urls} to cut to the used icons")
        subset = _write_subset(font, characters, static)
        kept = "".join(f"{tinycss2.serialize([d]).strip().rstrip(';')};" for d in declarations if d.lower_name != "src")
        start = offset(offsets, rule)
        edits.append((start, block_end(css, start), f'@font-face{{{kept}src:url("{subset}") format("woff2")}}'))
    for start, end, replacement in sorted(edits, reverse=True):
        css = css[:start] + replacement + css[end:]
    return css


def _write_subset(font: Path, characters: set[str], static: Path) -> str:
    """A WOFF2 of `font` with only `characters` (those it has), named by its content."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.notdef_outline = True
    options.recalc_timestamp = False  # same input, same bytes
    loaded = subset.load_font(str(font), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in characters))
    subsetter.subset(loaded)
    buffer = io.BytesIO()
    subset.save_font(loaded, buffer, options)
    data = buffer.getvalue()
    name = f"{FONTS}/{font.stem}-{hashlib.sha256(data).hexdigest()[:12]}.woff2"
    (static / FONTS).mkdir(exist_ok=True)
    if not (static / name).is_file():
        (static / name).write_bytes(data)
    return name


def _fonts_of(bundle: Path) -> list[str]:
    return re.findall(rf'url\("({FONTS}/[^"]+\.woff2)"\)', bundle.read_text(encoding="utf-8")) if bundle.is_file() else []

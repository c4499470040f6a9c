"""Highlighted code with fewer elements (build hook).

Pygments wraps every token of a code block in its own <span>, names and punctuation included,
although in the styles the theme uses those spans only set the code block's own text colour. On
the labs' pages they are half of all elements, and the browser's style and layout work for them
was most of the blocking time that Lighthouse measured on a phone. Here such spans are taken out
and their text left in place; the block's <pre> gets the class `plain-tokens`, for which
survey.css takes the colour of the code block (`.highlight`) instead of the theme's text colour,
so every character is drawn as before. A block that has text or markup outside its tokens
(program output, highlighted lines) is left as it is: that text has the theme's colour, and would
change colour with the <pre>."""
from __future__ import annotations

import re
from pathlib import Path

from . import paths

PLAIN_CLASS = "plain-tokens"
# One rule of the theme's pygments.css: both themes' rules for the block, then for each token class.
RULE = re.compile(r'html\[data-theme="(?P<theme>light|dark)"\] \.highlight(?: \.(?P<token>[\w-]+))? \{(?P<body>[^}]*)\}')
BLOCK = re.compile(r'<div class="highlight"><pre>(?P<code>.*?)</pre></div>', re.S)
TOKEN = re.compile(r'<span class="(?P<token>[\w-]+)">(?P<text>[^<]*)</span>')
EMPTY_SPAN = "<span></span>"  # Sphinx opens every block with one


def plain_token_classes(pygments_css: str) -> frozenset[str]:
    """Token classes whose only rule, in the light and in the dark theme, sets the colour that the
    code block itself has in that theme."""
    block: dict[str, dict[str, str]] = {}
    tokens: dict[str, dict[str, dict[str, str]]] = {}
    for rule in RULE.finditer(pygments_css):
        declarations = dict(_declarations(rule["body"]))
        if rule["token"] is None:
            block.setdefault(rule["theme"], {}).update(declarations)
        else:
            tokens.setdefault(rule["token"], {}).setdefault(rule["theme"], {}).update(declarations)
    colours = {theme: block.get(theme, {}).get("color") for theme in ("light", "dark")}
    if None in colours.values():
        return frozenset()
    return frozenset(token for token, themes in tokens.items()
                     if all(themes.get(theme) == {"color": colour} for theme, colour in colours.items()))


def _declarations(body: str):
    for declaration in body.split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            yield name.strip().lower(), value.strip().lower()


def unwrap_plain_tokens(page: str, plain: frozenset[str]) -> str:
    """The page with the plain tokens' spans removed from each code block made only of tokens."""
    if not plain:
        return page

    def block(match: re.Match) -> str:
        code = match["code"]
        if TOKEN.sub("", code).replace(EMPTY_SPAN, "").strip():
            return match[0]
        code = TOKEN.sub(lambda t: t["text"] if t["token"] in plain else t[0], code)
        return f'<div class="highlight"><pre class="{PLAIN_CLASS}">{code}</pre></div>'

    return BLOCK.sub(block, page)


def unwrap_pages(outdir: Path) -> int:
    """Apply unwrap_plain_tokens to every page of a built site, with the token classes read from
    the site's own pygments.css. Returns the number of pages rewritten (a page already done is
    not: its blocks' <pre> carry the class)."""
    css = outdir / "_static" / "pygments.css"
    plain = plain_token_classes(css.read_text(encoding="utf-8")) if css.is_file() else frozenset()
    written = 0
    for page in paths.site_pages(outdir):
        text = page.read_text(encoding="utf-8")
        fixed = unwrap_plain_tokens(text, plain)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
            written += 1
    return written

"""Highlighted code loses only the spans that draw nothing of their own (helpers.code_spans). That
the characters are drawn as before is checked in a browser (test_browser.py); here, which spans
go and which blocks are left alone."""
from __future__ import annotations

import re

from pydata_sphinx_theme.pygments import get_pygments_stylesheet
from sphinx.highlighting import PygmentsBridge

from helpers.code_spans import PLAIN_CLASS, plain_token_classes, unwrap_plain_tokens

# The styles of the theme's theme.conf, which this book does not change.
THEME_CSS = get_pygments_stylesheet("a11y-high-contrast-light", "a11y-high-contrast-dark")
CODE = 'import pandas as pd\n\ndef share(rows, kind="chart"):  # one comment\n    return len([r for r in rows if r.kind == kind]) / 2\n'


def rule(theme: str, token: str | None, body: str) -> str:
    return f'html[data-theme="{theme}"] .highlight{" ." + token if token else ""} {{ {body} }}'


def test_plain_classes_are_those_drawn_in_the_blocks_own_colour_in_both_themes():
    css = "\n".join([rule("light", None, "background: #fff; color: #111"), rule("dark", None, "background: #000; color: #EEE"),
                     rule("light", "n", "color: #111"), rule("dark", "n", "color: #eee"),
                     rule("light", "o", "color: #111"), rule("dark", "o", "color: #0f0"),  # coloured in one theme
                     rule("light", "k", "color: #111; font-weight: bold"), rule("dark", "k", "color: #eee"),
                     rule("light", "c", "color: #111")])  # no dark rule: the dark theme's default, not known
    assert plain_token_classes(css) == {"n"}
    assert plain_token_classes(rule("light", "n", "color: #111")) == frozenset()  # no block colour


def test_with_the_themes_styles_names_and_punctuation_go_and_keywords_strings_and_comments_stay():
    plain = plain_token_classes(THEME_CSS)
    assert {"n", "p"} <= plain
    assert not plain & {"k", "kn", "s2", "c1", "o", "ow", "mi", "nf", "nb"}


def test_a_block_of_tokens_keeps_its_text_and_loses_its_plain_spans():
    plain = plain_token_classes(THEME_CSS)
    block = PygmentsBridge("html").highlight_block(CODE, "ipython3")
    page = f"<main><p>Before</p>{block}<p>After</p></main>"
    fixed = unwrap_plain_tokens(page, plain)
    assert f'<pre class="{PLAIN_CLASS}">' in fixed
    spans = re.findall(r'<span class="([\w-]+)">', fixed)
    assert spans and not set(spans) & plain
    assert {"k", "kn", "s2", "c1"} <= set(spans)
    text = lambda html: re.sub(r"<[^>]+>", "", html)  # noqa: E731
    assert text(fixed) == text(page)
    assert unwrap_plain_tokens(fixed, plain) == fixed  # a page done in an earlier build is left as it is


def test_blocks_with_text_or_markup_outside_tokens_are_left_alone():
    plain = plain_token_classes(THEME_CSS)
    output = '<div class="highlight"><pre><span></span>share: 0.5\n<span class="n">rows</span></pre></div>'
    lines = PygmentsBridge("html").highlight_block(CODE, "ipython3", hl_lines=[1])
    assert '<span class="hll">' in lines
    for block in (output, lines):
        assert unwrap_plain_tokens(block, plain) == block
    assert unwrap_plain_tokens(PygmentsBridge("html").highlight_block(CODE, "ipython3"), frozenset()).count("<span") > 10

"""Math typeset at build time as MathML, which browsers draw natively (Chromium since 109, Firefox,
Safari), instead of MathJax in the reader's browser.

MathJax is 1.1 MB of script that typesets on the reader's phone: on the Preliminaries page, its one
equation cost 1.2 s of blocked main thread in Lighthouse's mobile preset. The TeX is converted with
latex2mathml while Sphinx writes the page; the LaTeX (PDF) builder still typesets the TeX itself.

A command that latex2mathml does not know is passed through as text (`\\foo` would be shown to
the reader), so the output is checked for it: bad TeX is a build warning (an error under -W)
naming the file, line and formula, never a page that shows broken math."""
from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

# latex2mathml writes an unknown command as an identifier or operator that starts with a backslash
LEFT_OVER_COMMAND = re.compile(r"<m[io][^>]*>(\\[A-Za-z]+)</m[io]>")
# \log, \exp...: a name of several letters. TeX puts a thin space between such a name and the
# letter or fraction after it (not before an operator or bracket); latex2mathml does not.
FUNCTION_NAME = re.compile(r"(<mi>[a-z]{2,}</mi>)(?!<mo)")


class MathError(ValueError):
    """TeX that cannot be drawn as MathML."""


def to_mathml(tex: str, display: bool) -> str:
    """One formula as a <math> element; MathError says what is wrong with the TeX."""
    from latex2mathml.converter import convert

    try:
        markup = convert(tex.strip(), display="block" if display else "inline")
    except Exception as error:  # the converter's own errors are bare (e.g. NoAvailableTokensError)
        raise MathError(f"{type(error).__name__} {error}".strip()) from None
    unknown = LEFT_OVER_COMMAND.search(markup)
    if unknown:
        raise MathError(f"unknown command {unknown.group(1)}")
    markup = FUNCTION_NAME.sub(r'\1<mspace width="0.1667em"></mspace>', markup)
    # the TeX as the accessible alternative text, as MathJax gave it
    return markup.replace("<math ", f'<math alttext="{html.escape(" ".join(tex.split()))}" ', 1)


def _typeset(translator, node, tex: str, display: bool) -> str:
    try:
        return to_mathml(tex, display)
    except MathError as error:
        logger.warning("math: `%s`: %s", " ".join(tex.split()), error, location=node)
        return f"<code>{translator.encode(tex)}</code>"


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_typeset(self, node, node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    # equations separated by a blank line are drawn one below the other
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        self.body.append(_typeset(self, node, part, display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def install(app) -> None:
    """Register the renderer; `_config.yml` chooses it with `html_math_renderer: mathml`."""
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))

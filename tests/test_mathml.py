"""helpers.mathml: math drawn as MathML when the page is written, and bad TeX stopping the build
with the file, line and formula named (never a page that shows a raw command)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from helpers.mathml import MathError, to_mathml

ROOT = Path(__file__).resolve().parents[1]


def display_formula() -> str:
    """The Preliminaries' contrastive loss, as the chapter writes it."""
    source = (ROOT / "chapters" / "preliminaries.md").read_text(encoding="utf-8")
    return source.split("$$")[1]


def test_the_books_formula_becomes_mathml_with_its_structure():
    math = BeautifulSoup(to_mathml(display_formula(), display=True), "html.parser").math
    assert math["display"] == "block"
    assert len(math.find_all("mfrac")) == 3  # 1/2N and the two softmax fractions
    assert math.find("munderover") is not None  # the sum from i=1 to N
    assert "\u2112" in math.get_text()  # \mathcal{L}, the script L
    assert "\\" not in math.get_text()  # no command left over as text
    assert math["alttext"].startswith("\\mathcal{L} = -\\frac{1}{2N}")


def test_a_function_name_is_set_apart_from_its_argument_as_tex_does():
    math = BeautifulSoup(to_mathml(r"\log\frac{a}{b} + \log(x)", display=False), "html.parser").math
    first, second = math.find_all("mi", string="log")
    assert first.find_next_sibling().name == "mspace"
    assert second.find_next_sibling().name == "mo"  # no space before a bracket


@pytest.mark.parametrize("tex, problem", [
    (r"x + \foo{y}", r"unknown command \foo"),
    (r"\frac{1}{", "NoAvailableTokensError"),
])
def test_tex_that_cannot_be_drawn_is_an_error_naming_the_problem(tex, problem):
    with pytest.raises(MathError, match=problem.replace("\\", "\\\\")):
        to_mathml(tex, display=True)


def sphinx_project(folder: Path, body: str) -> Path:
    (folder / "conf.py").write_text(textwrap.dedent("""
        html_math_renderer = "mathml"
        def setup(app):
            from helpers import mathml
            mathml.install(app)
    """), encoding="utf-8")
    (folder / "index.rst").write_text(f"Title\n=====\n\n{body}\n", encoding="utf-8")
    return folder


def build(folder: Path, capsys) -> tuple[int, str]:
    """Build in this process; Sphinx's logger is put back as it was, since Sphinx leaves its handlers
    (warnings as errors, for an app that is gone) and propagate=False on it after the build."""
    import logging

    from sphinx.cmd.build import build_main

    logger = logging.getLogger("sphinx")
    before = (logger.handlers[:], logger.propagate, logger.level)
    try:
        code = build_main(["-W", "-q", "-b", "html", str(folder), str(folder / "_build")])
    finally:
        logger.handlers[:], logger.propagate, logger.level = before
    return code, capsys.readouterr().err


def test_a_page_gets_mathml_and_no_math_script(tmp_path, capsys):
    folder = sphinx_project(tmp_path, "The loss :math:`\\log p` of\n\n.. math::\n\n   \\frac{a}{b}\n")
    code, err = build(folder, capsys)
    assert code == 0, err
    page = BeautifulSoup((folder / "_build" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [m["display"] for m in page.select("span.math > math, div.math > math")] == ["inline", "block"]
    assert not [s for s in page.select("script[src]") if "mathjax" in s["src"].lower()]


def test_bad_tex_stops_the_build_naming_file_line_and_formula(tmp_path, capsys):
    folder = sphinx_project(tmp_path, "Fine :math:`x`.\n\nBroken :math:`\\foo{x}` here.\n")
    code, err = build(folder, capsys)
    assert code != 0
    assert "index.rst:6" in err and "`\\foo{x}`" in err and "unknown command \\foo" in err, err

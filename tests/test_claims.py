"""Sentences backed by helpers.claims: every fragment a claim cell quotes occurs in its page's prose
(so a failed claim is reported at the right line), the checks fail on data that contradict them,
and a data edit that makes a sentence false stops the build with the page, line and sentence."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers import claims

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
CELL = re.compile(r"^(`{3,})\{code-cell\}[^\n]*\n(?P<body>.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CHECKS = {"holds", "only_reviewed_mention", "none_have", "all_have", "most_have", "at_least", "at_most", "more", "largest",
          "share_at_least", "ordered"}


def without_options(body: str) -> str:
    """A cell's code, its `:key: value` or `---` YAML options blanked (line numbers kept)."""
    lines = body.split("\n")
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        return "\n" * (end + 1) + "\n".join(lines[end + 1:])
    options = 0
    while options < len(lines) and lines[options].startswith(":"):
        options += 1
    return "\n" * options + "\n".join(lines[options:])


def claimed_fragments(text: str) -> list[tuple[int, str]]:
    """(line of the call, quoted fragment) for every `claims.<check>("...", ...)` in the page's cells."""
    found = []
    for cell in CELL.finditer(text):
        if "claims." not in cell.group("body"):
            continue
        first_line = text.count("\n", 0, cell.start("body")) + 1
        for node in ast.walk(ast.parse(without_options(cell.group("body")))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "claims"
                    and node.func.attr in CHECKS):
                sentence = node.args[0] if node.args else None
                assert isinstance(sentence, ast.Constant) and isinstance(sentence.value, str), (
                    f"line {first_line + node.lineno - 1}: the first argument of claims.{node.func.attr} "
                    "must be the quoted fragment of the sentence it backs")
                found.append((first_line + node.lineno - 1, sentence.value))
    return found


def unbacked(text: str) -> list[str]:
    """The fragments of the page's claim cells that its prose does not contain."""
    return [f"line {line}: «{fragment}»" for line, fragment in claimed_fragments(text)
            if claims.fragment_line(text, fragment) is None]


def test_every_claim_quotes_a_fragment_of_its_pages_prose():
    problems = {page.name: unbacked(page.read_text(encoding="utf-8")) for page in CHAPTERS}
    assert {name: found for name, found in problems.items() if found} == {}
    assert sum(len(claimed_fragments(page.read_text(encoding="utf-8"))) for page in CHAPTERS) >= 40


def test_every_chapter_with_prose_about_the_catalogue_has_claim_cells():
    """The front and back matter and all task chapters (the labs check their own runs)."""
    pages = [page for page in CHAPTERS if not page.stem.endswith("-lab") and page.stem not in
             {"references", "glossary", "errata", "explorer", "labs", "teaching", "preliminaries"}]
    assert [page.name for page in pages if not claimed_fragments(page.read_text(encoding="utf-8"))] == []


def test_a_fragment_missing_from_the_prose_is_found():
    page = (ROOT / "chapters" / "chart.md").read_text(encoding="utf-8")
    line, fragment = claimed_fragments(page)[0]
    reworded = page.replace(fragment, fragment.upper(), 1)  # the prose, which comes before the cell
    assert unbacked(reworded) == [f"line {line}: «{fragment}»"]


def test_the_line_reported_is_the_prose_line_not_the_cell():
    text = "# Page\n\nNone of the works\nbuilds preference pairs.\n\n```{code-cell} ipython3\n" \
           "claims.none_have('None of the works builds preference pairs', w, 'c', 'v')\n```\n"
    assert claims.fragment_line(text, "None of the works builds preference pairs") == 3
    assert claims.fragment_line(text.replace("None of the works\nbuilds", "No work\nbuilds"),
                                "None of the works builds preference pairs") is None
    cell_first = "# Page\n\n```{code-cell} ipython3\nx = 1\ny = 2\n```\n\n" + text.split("\n", 2)[2]
    assert claims.fragment_line(cell_first, "None of the works builds preference pairs") == 8


WORKS = pd.DataFrame({"key": ["a", "b", "c"], "kinds": [["captions"], ["captions", "qa"], ["qa"]],
                      "purpose": ["training", "training", "evaluation"]})


@pytest.mark.parametrize("check, arguments", [
    (claims.none_have, (WORKS, "kinds", "qa")),
    (claims.all_have, (WORKS, "kinds", "captions")),
    (claims.most_have, (WORKS, "purpose", "evaluation")),
    (claims.at_least, (3, WORKS, "kinds", "qa")),
    (claims.at_most, (1, WORKS, "kinds", "qa")),
    (claims.more, (("x", 1), ("y", 2))),
    (claims.largest, ({"x": 1, "y": 2}, ["x"])),
    (claims.share_at_least, (1, 3, 0.5)),
    (claims.ordered, ({2023: 3, 2024: 2},)),
])
def test_each_check_fails_on_data_that_contradict_it_and_names_the_sentence(check, arguments):
    with pytest.raises(claims.ClaimFailed) as failure:
        check("the sentence under test", *arguments)
    assert str(failure.value).startswith("claim failed: «the sentence under test»: ")
    assert claims.locate("a line\nthe sentence\nunder test here\n", str(failure.value)) == 2


def test_each_check_passes_on_data_that_support_it():
    claims.none_have("s", WORKS, "kinds", "images")
    claims.all_have("s", WORKS.iloc[:2], "kinds", "captions")
    claims.most_have("s", WORKS, "purpose", "training")
    claims.at_least("s", 2, WORKS, "kinds", "qa")
    claims.at_most("s", 2, WORKS, "kinds", "qa")
    claims.more("s", ("y", 2), ("x", 1))
    claims.largest("s", {"x": 1, "y": 2}, ["y"])
    claims.share_at_least("s", 2, 3, 0.5)
    claims.ordered("s", {2023: 1, 2024: 2})

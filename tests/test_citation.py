"""Crediting the source survey: it is in the bibliography, cited where the book uses its structure,
and named in CITATION.cff, which validates against the Citation File Format schema (cffconvert,
run from a throwaway environment: its pinned jsonschema<4 cannot share the book's environment)."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, build_once, install_into_throwaway_venv

SURVEY = "mohammadkhani2025survey"
PAGES_USING_ITS_STRUCTURE = ["intro", "future-directions", "errata"]


def _cffconvert(folder) -> None:
    result = install_into_throwaway_venv(sys.executable, folder, "cffconvert==2.0.0")
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="session")
def cffconvert(request, tmp_path_factory):
    return build_once(request, tmp_path_factory, "cffconvert", _cffconvert) / "bin" / "cffconvert"


@pytest.mark.env
def test_citation_cff_validates(cffconvert):
    result = subprocess.run([str(cffconvert), "--validate", "-i", str(REPO / "CITATION.cff")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_citation_cff_credits_the_survey():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    survey = next(r for r in cff["references"] if r["title"] == "A Survey on Bridging VLMs and Synthetic Data")
    assert [a["family-names"] for a in survey["authors"]] == ["Ghiasvand Mohammadkhani", "Momtazi", "Beigy"]
    assert "ThjDCZOljE" in survey["url"]


@pytest.mark.parametrize("page", PAGES_USING_ITS_STRUCTURE)
def test_the_survey_is_cited_where_its_structure_is_used(page):
    text = (REPO / "chapters" / f"{page}.md").read_text(encoding="utf-8")
    assert re.search(r"\{cite:[pt]\}`[^`]*" + SURVEY, text), f"{page} does not cite the survey"


def test_the_readme_names_the_survey_and_its_reading_list():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "A Survey on Bridging VLMs and Synthetic Data" in readme
    assert "mghiasvand1/Awesome-VLM-Synthetic-Data" in readme

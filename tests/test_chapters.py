"""What a written task chapter promises (data/tasks.csv status 'written'): every work of its
category discussed and cited in the prose, a numbered and referenced figure when the chapter has
six works or more, and a closing 'Open problems' section."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import read_rows

REPO = Path(__file__).resolve().parents[1]
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


WRITTEN = [t for t in read_rows(REPO, "tasks") if t["status"] == "written"]


def cells(text: str) -> list[tuple[dict, str]]:
    """(metadata, source) of each code cell of a MyST notebook."""
    found = []
    for match in re.finditer(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S):
        body = match.group(1)
        meta = {}
        if body.startswith("---\n"):
            header, body = body[4:].split("\n---\n", 1)
            meta = yaml.safe_load(header) or {}
        found.append((meta, body))
    return found


def prose(text: str) -> str:
    return re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)


def test_some_chapters_are_written():
    assert WRITTEN, "no task chapter is marked written in data/tasks.csv"


@pytest.mark.parametrize("task", WRITTEN, ids=lambda t: t["id"])
def test_every_work_is_cited_in_the_prose(task):
    text = prose((REPO / "chapters" / f"{task['chapter']}.md").read_text(encoding="utf-8"))
    cited = {key.strip() for group in CITE.findall(text) for key in group.split(",")}
    expected = {p["key"] for p in read_rows(REPO, "papers") if p["task"] == task["id"]}
    assert expected - cited == set(), f"not discussed: {sorted(expected - cited)}"


@pytest.mark.parametrize("task", WRITTEN, ids=lambda t: t["id"])
def test_figure_and_open_problems(task):
    text = (REPO / "chapters" / f"{task['chapter']}.md").read_text(encoding="utf-8")
    assert re.search(r"^## Open problems", text, flags=re.M | re.I), "no 'Open problems' section"
    works = sum(p["task"] == task["id"] for p in read_rows(REPO, "papers"))
    figures = [meta["mystnb"] for meta, _ in cells(text) if "figure" in meta.get("mystnb", {})]
    if works >= 6:
        assert figures, "a chapter of six or more works needs a figure"
    for figure in figures:
        name = figure["figure"]["name"]
        assert figure["figure"].get("caption"), name
        assert figure.get("image", {}).get("alt"), f"{name} has no alt text"
        assert f"{{numref}}`{name}`" in text, f"{name} is never referenced"


TASKS = read_rows(REPO, "tasks")


def toc_sections() -> dict[str, list[str]]:
    """Each chapter of _toc.yml with the pages nested under it (sections:)."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    found = {}
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            found[chapter["file"].removeprefix("chapters/")] = [
                s["file"].removeprefix("chapters/") for s in chapter.get("sections", [])]
    return found


def exercises(text: str) -> tuple[list[str], list[str]]:
    """Labels of the exercises, and the exercise each solution answers."""
    return (re.findall(r"```\{exercise-start\}\n:label: ([\w-]+)", text),
            re.findall(r"```\{solution-start\} ([\w-]+)", text))


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t["id"])
def test_every_lab_declares_what_the_guide_and_gallery_show(task):
    """helpers.labs.registry(): one module per task chapter, with a question, the task's own works
    as the ones it mirrors, skills, minutes and whether it measures (see helpers/labs/__init__.py)."""
    from helpers import labs

    record = next((r for r in labs.registry() if r["chapter"] == task["chapter"]), None)
    assert record is not None, f"no helpers.labs module declares CHAPTER = {task['chapter']!r}"
    keys = {row["key"] for row in read_rows(REPO, "papers") if row["task"] == task["id"]}
    assert record["mirrors"] and set(record["mirrors"]) <= keys, "a lab mirrors works of its own chapter"
    assert record["title"] and not record["title"].startswith("Lab")
    assert record["question"].endswith("?") and record["skills"].strip()
    assert isinstance(record["minutes"], int) and record["minutes"] > 0 and isinstance(record["measures"], bool)
    assert "<svg" in record["module"].thumbnail().data


def test_at_least_nine_labs_measure_a_tiny_model_against_a_control():
    from helpers import labs

    assert sum(record["measures"] for record in labs.registry()) >= 9


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t["id"])
def test_every_task_chapter_has_its_lab(task):
    chapter = task["chapter"]
    assert toc_sections().get(chapter) == [f"{chapter}-lab"], f"_toc.yml: no lab nested under {chapter}"
    lab = (REPO / "chapters" / f"{chapter}-lab.md").read_text(encoding="utf-8")
    assert re.search(r"^# Lab: ", lab, flags=re.M), "the lab page is titled 'Lab: ...'"
    labels, answered = exercises(lab)
    assert len(labels) >= 2, "a lab needs at least two exercises"
    assert sorted(labels) == sorted(answered), "every exercise needs exactly one solution"
    assert re.search(r"^## What this miniature leaves out", lab, flags=re.M)
    text = (REPO / "chapters" / f"{chapter}.md").read_text(encoding="utf-8")
    head, _, tail = text.partition("## Open problems")
    assert f"{{doc}}`{chapter}-lab`" in head[:4000], "the chapter links to its lab near the top"
    assert f"{{doc}}`{chapter}-lab`" in tail, "and again in its open problems"


def test_the_exercise_check_catches_a_missing_solution():
    text = "```{exercise-start}\n:label: x-lab-ex1\n```\n```{exercise-start}\n:label: x-lab-ex2\n```\n" \
           "```{solution-start} x-lab-ex1\n```\n"
    labels, answered = exercises(text)
    assert sorted(labels) != sorted(answered)

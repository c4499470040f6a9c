"""The prose agrees with the catalogue: what a row's summary names, what a chapter says is absent,
and where a chapter sends the reader for a work.

Each check is a function over texts, so the tests below can show it failing on a planted error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, read_rows

CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
DOC = re.compile(r"\{doc\}`([^`<]+?)(?:\s*<([^>]+)>)?`")
# Generator names that are descriptions rather than names, so a summary may say them in passing.
SUMMARY_EXCEPTIONS = {"own model", "rendering code", "template code", "image-editing code", "path-planning code",
                      "function-chain code"}
# Other spellings of a listed generator that summaries use.
ALIASES = {"SDXL": ("Stable Diffusion XL",), "GPT-4o-mini": ("GPT-4o mini",), "GPT-3.5": ("ChatGPT",)}
# Models a summary names in another role than generating the data (documented, one by one).
NOT_GENERATORS = {
    ("liu2023visual", "LLaVA"): "the model trained on the data",
    ("zhang2023llavar", "LLaVA"): "the model trained on the data",
    ("wang2023see", "LLaVA-1.5"): "the model fine-tuned on the data",
    ("li2023llavamed", "LLaVA"): "the model the work starts from",
    ("zhang2024multimodal", "LLaVA-1.5"): "an example of the models fine-tuned",
    ("liu2024mminstruct", "LLaVA-1.5"): "the model trained on the data",
    ("wang2024vigc", "LLaVA"): "an example of the models fine-tuned",
    ("zhao2023genixer", "Fuyu-8B"): "a filter of generated samples",
    ("ji2023language", "GPT-3.5"): "the grader of answers",
    ("heakl2025kitabbench", "GPT-4o"): "a model evaluated on the benchmark",
    ("gao2025multimodal", "Qwen2-VL"): "a model tuned on the data",
    ("li2024enhanced", "LLaVA"): "the model instruction-tuned on the data",
}


def prose(text: str) -> str:
    """A chapter without its code cells and front matter."""
    text = re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)
    return re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)


def sentences(text: str) -> list[str]:
    """Sentences of the prose, paragraph by paragraph (a citation's punctuation does not split)."""
    found = []
    for paragraph in re.split(r"\n\s*\n", prose(text)):
        flat = " ".join(paragraph.split())
        found += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*{(])", flat) if s]
    return found


def keys_in(sentence: str) -> list[str]:
    return [k.strip() for group in CITE.findall(sentence) for k in group.split(",") if k.strip()]


# --- 1. a summary names only generators that its row lists --------------------------------------

def summary_generator_gaps(papers: list[dict], generators: list[str]) -> list[str]:
    gaps = []
    for row in papers:
        listed = {g.strip() for g in row["generators"].split(";")}
        for name in generators:
            if name in SUMMARY_EXCEPTIONS or name in listed or (row["key"], name) in NOT_GENERATORS:
                continue
            if any(name in alias and alias in row["summary"] for g in listed for alias in ALIASES.get(g, ())):
                continue
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", row["summary"]):
                # a longer listed name that contains this one (GPT-4 inside GPT-4V) is not a gap
                if not any(name in other and re.search(re.escape(other), row["summary"]) for other in listed):
                    gaps.append(f"{row['key']}: the summary names {name!r}, the generators cell is {row['generators']!r}")
    return gaps


def test_summaries_name_only_listed_generators():
    generators = [g["name"] for g in read_rows(REPO, "generators")]
    assert summary_generator_gaps(read_rows(REPO, "papers"), generators) == []


def test_summary_check_catches_a_planted_gap():
    row = {"key": "x2024y", "generators": "GPT-4V", "summary": "GPT-4o writes the answers; GPT-4V checks them."}
    assert summary_generator_gaps([row], ["GPT-4V", "GPT-4o", "GPT-4"]) == [
        "x2024y: the summary names 'GPT-4o', the generators cells is 'GPT-4V'".replace("cells", "cell")]


# --- 2. a chapter never calls a value absent that its table prints ------------------------------

# Sentences about what *this book's sources* do not give, and the facet they are about.
ABSENCE = re.compile(r"(not (?:named|stated|given|reported|described|known) in (?:any |the )?(?:sources?|pages?|what) we"
                     r"|no (?:source|page) we (?:could )?read|the table records (?:the|its) [\w ,]+ as unknown"
                     r"|(?:is|are) (?:left|recorded|kept) (?:as )?unknown)", re.I)
FACET_WORDS = {"generators": r"\b(?:model|generator|teacher|writer|LLM|VLM)s?\b", "dataset_size": r"\b(?:size|how many|count)\b",
               "seed_data": r"\bseed\b", "direction": r"\bdirection\b"}


# Sentences that say part of a facet is missing where the cell holds the rest (documented one by one).
PARTLY_ABSENT = {
    ("3d-scenes.md", "guo2026pisa", "generators"): "the 2D and 3D models outside the loop are not named; 'own model' is",
    ("long-context.md", "tu2025longwriterv", "seed_data"): "the cell itself says the seed sources are not named",
}


def absence_contradictions(chapter: str, text: str, papers: dict[str, dict]) -> list[str]:
    problems, current = [], []
    for sentence in sentences(text):
        keys = [k for k in keys_in(sentence) if k in papers]
        current = keys or current  # a sentence without a citation is about the works cited last
        if not ABSENCE.search(sentence) or len(current) != 1 or re.search(r"\bworks\b", sentence):
            continue  # statements about several works are claims for helpers.claims, not this check
        row = papers[current[0]]
        for facet, words in FACET_WORDS.items():
            if (re.search(words, sentence) and row[facet] not in ("", "unknown")
                    and (chapter, current[0], facet) not in PARTLY_ABSENT):
                problems.append(f"{chapter}: says {facet} of {current[0]} is missing, but the catalogue (and so the "
                                f"table) gives {row[facet]!r}: {sentence[:160]}")
    return problems


def test_no_chapter_calls_absent_what_its_table_prints():
    papers = {p["key"]: p for p in read_rows(REPO, "papers")}
    problems = []
    for page in sorted((REPO / "chapters").glob("*.md")):
        problems += absence_contradictions(page.name, page.read_text(encoding="utf-8"), papers)
    assert problems == [], "\n".join(problems)


def test_absence_check_catches_a_planted_contradiction():
    papers = {"a2024x": {"generators": "GPT-4o", "dataset_size": "unknown", "seed_data": "", "direction": "both"}}
    text = ("**A** makes data {cite:p}`a2024x`. The generating model is not named in the sources we read.\n\n"
            "**B** makes more {cite:p}`a2024x`. Its size is not stated in the sources we read.\n")
    found = absence_contradictions("x.md", text, papers)
    assert len(found) == 1 and "generators of a2024x" in found[0]


# --- 3. "see {doc}`chapter`" next to a citation: that chapter cites the work --------------------

def cross_reference_problems(chapter: str, text: str, cited_in: dict[str, set[str]]) -> list[str]:
    """Within a sentence, each {doc} pointer refers to the citations written since the previous
    pointer; each of those works must be cited in one of the chapters the pointer names."""
    problems = []
    for sentence in (clause for s in sentences(text) for clause in s.split("; ")):
        tokens = sorted([(m.start(), "cite", m) for m in CITE.finditer(sentence)]
                        + [(m.start(), "doc", m) for m in DOC.finditer(sentence)], key=lambda t: t[0])
        groups: list[tuple[list[str], list[str]]] = []  # (keys, the chapters pointed to for them)
        pending: list[str] = []
        previous = None
        for _, kind, match in tokens:
            if kind == "cite":
                pending += [k.strip() for k in match.group(1).split(",") if k.strip()]
            else:
                target = (match.group(2) or match.group(1)).strip().removeprefix("chapters/")
                if pending:
                    groups.append((pending, [target]))
                    pending = []
                elif previous == "doc" and groups:
                    groups[-1][1].append(target)  # "see {doc}`a` and {doc}`b`": either may cite it
            previous = kind
        for keys, targets in groups:
            targets = [t for t in targets if t in cited_in]
            for key in keys:
                if targets and not any(key in cited_in[t] for t in targets):
                    problems.append(f"{chapter}: points to {', '.join(targets)} for {key}, which "
                                    f"{'does' if len(targets) == 1 else 'do'} not cite it: {sentence[:160]}")
    return problems


def citations_by_chapter() -> dict[str, set[str]]:
    return {p.stem: {k for s in sentences(p.read_text(encoding="utf-8")) for k in keys_in(s)}
            for p in (REPO / "chapters").glob("*.md")}


def test_cross_references_point_to_chapters_that_cite_the_work():
    cited_in = citations_by_chapter()
    problems = []
    for page in sorted((REPO / "chapters").glob("*.md")):
        problems += cross_reference_problems(page.name, page.read_text(encoding="utf-8"), cited_in)
    assert problems == [], "\n".join(problems)


def test_cross_reference_check_catches_a_planted_pointer():
    cited_in = {"reasoning": {"b2024y"}, "3d-scenes": {"a2024x"}}
    text = "SpatialVLM measures distances {cite:p}`a2024x` (see {doc}`reasoning`), as R-CoT {cite:p}`b2024y` does.\n"
    assert len(cross_reference_problems("x.md", text, cited_in)) == 1
    fixed = text.replace("{doc}`reasoning`", "{doc}`3d-scenes`")
    assert cross_reference_problems("x.md", fixed, cited_in) == []

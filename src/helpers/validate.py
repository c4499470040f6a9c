"""Check the book's input before anything is built: `make check` / `python -m helpers.validate`.

Checks, all in one pass: the Table Schema of data/ (data/datapackage.yaml, via frictionless);
references.bib syntax and fields; that every CSV key has a bib entry and every bib entry a CSV row;
';'-lists that name rows of another table; and that every {cite} key used in chapters/ exists.
Each problem is printed as `file:line: field: value: what is wrong`; nothing is ever rewritten.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from frictionless import Package, system

from . import bib, paths
from .load import read_table, split_list
from .problems import InputError, Problem

# Errors after which a table's columns cannot be trusted, so checks across files are skipped.
STRUCTURAL = {"extra-cell", "missing-cell", "blank-header", "duplicate-label", "incorrect-label",
              "missing-label", "extra-label", "blank-label", "scheme-error", "source-error",
              "format-error", "encoding-error", "file-error", "resource-error", "package-error"}
CITE_ROLE = re.compile(r"\{(?:cite|footcite)(?::[a-z]+)?\}`([^`]*)`")


def _row_lines(path: Path) -> dict[int, int]:
    """Map frictionless row numbers to file lines (they differ only when a cell spans lines)."""
    import csv

    mapping, row, end_of_previous = {}, 1, 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        for _ in reader:
            mapping[row] = end_of_previous + 1  # the line the row starts on
            end_of_previous = reader.line_num
            row += 1
    return mapping


def schema_problems(root: Path) -> tuple[list[Problem], bool]:
    """Problems against data/datapackage.yaml, and whether any of them breaks a table's structure."""
    problems: list[Problem] = []
    structural = False
    with system.use_context(trusted=True):
        package = Package(str(root / "data" / "datapackage.yaml"))
        report = package.validate()
    for task in report.tasks:
        label = f"data/{Path(task.place).name}"
        path = root / label
        lines = _row_lines(path) if path.is_file() else {}
        for error in task.errors:
            row = getattr(error, "row_number", None)
            line = lines.get(row, row)
            field = getattr(error, "field_name", None) or ",".join(getattr(error, "field_names", []) or []) or "-"
            cell = getattr(error, "cell", None)
            if cell is None:
                cells = getattr(error, "field_cells", None)
                cell = ",".join(str(c) for c in cells) if cells else ""
            message = error.note
            if error.type == "constraint-error" and "pattern" in message:
                message = "value not allowed here (see the field's pattern in data/datapackage.yaml)"
            elif error.type == "foreign-key":
                message = f"no such row in the referenced table ({error.note})"
            elif error.type in ("unique-error", "primary-key"):
                message = f"duplicate: {error.note}"
            structural = structural or error.type in STRUCTURAL
            problems.append(Problem(label, line, field, str(cell), message))
    return problems, structural


def _key_lines(root: Path, name: str) -> dict[str, int]:
    table = read_table(root, name)
    return {key: index + 2 for index, key in enumerate(table.iloc[:, 0])}


def list_reference_problems(root: Path) -> list[Problem]:
    """papers.generators names rows of generators.csv; frictionless cannot check ';'-lists."""
    known = set(read_table(root, "generators")["name"])
    problems = []
    for index, cell in enumerate(read_table(root, "papers")["generators"]):
        if cell in ("", "unknown"):
            continue
        for name in split_list(cell):
            if name not in known:
                problems.append(Problem("data/papers.csv", index + 2, "generators", name,
                                        "not a name in data/generators.csv"))
    return problems


FACETS = ("direction", "generators", "data_kinds", "modalities", "seed_data", "dataset", "dataset_size", "purpose")


def unknown_reason_problems(root: Path) -> list[Problem]:
    """A facet may be 'unknown' (the source does not say it), but then the row must say why."""
    problems = []
    for index, row in read_table(root, "papers").iterrows():
        unknown = [f for f in FACETS if row[f] == "unknown"]
        if unknown and not row["unknown_reasons"].strip():
            problems.append(Problem("data/papers.csv", int(index) + 2, "unknown_reasons", "",
                                    f"{', '.join(unknown)} is 'unknown': say why in unknown_reasons"))
    return problems


def consistency_problems(root: Path, entries: list[bib.BibEntry]) -> list[Problem]:
    problems = []
    paper_lines = _key_lines(root, "papers")
    background_lines = _key_lines(root, "background")
    bib_keys = {e.key: e for e in entries}
    for key, line in paper_lines.items():
        if key not in bib_keys:
            problems.append(Problem("data/papers.csv", line, "key", key, "no entry with this key in references.bib"))
        if key in background_lines:
            problems.append(Problem("data/background.csv", background_lines[key], "key", key,
                                    "listed both as a surveyed work (papers.csv) and as background"))
    for key, line in background_lines.items():
        if key not in bib_keys:
            problems.append(Problem("data/background.csv", line, "key", key, "no entry with this key in references.bib"))
    for entry in entries:
        if entry.key not in paper_lines and entry.key not in background_lines:
            problems.append(Problem("references.bib", entry.line, "key", entry.key,
                                    "entry has no row in data/papers.csv (or data/background.csv)"))
    for task in read_table(root, "tasks").itertuples():
        if not (root / "chapters" / f"{task.chapter}.md").is_file():
            problems.append(Problem("data/tasks.csv", int(task.Index) + 2, "chapter", task.chapter,
                                    f"chapters/{task.chapter}.md does not exist"))
    return problems


def citation_problems(root: Path, bib_keys: set[str]) -> list[Problem]:
    problems = []
    for path in sorted((root / "chapters").glob("*.md")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in CITE_ROLE.finditer(text):
                for key in (k.strip() for k in match.group(1).split(",")):
                    if key and key not in bib_keys:
                        problems.append(Problem(f"chapters/{path.name}", number, "cite", key,
                                                "cited key has no entry in references.bib"))
    return problems


def find_problems(root: Path | str | None = None) -> list[Problem]:
    """Every problem in the book's input, in file and line order (empty when all is well)."""
    root = paths.project_root() if root is None else Path(root).resolve()
    problems, structural = schema_problems(root)
    bib_path = root / "references.bib"
    entries, bib_problems = bib.read_bib(bib_path, "references.bib")
    problems += bib_problems + bib.check_entries(entries, "references.bib")
    if not structural:  # cross-file checks need well-formed tables
        problems += (list_reference_problems(root) + unknown_reason_problems(root)
                     + consistency_problems(root, entries))
    problems += citation_problems(root, {e.key for e in entries})
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.field, p.value))


def check(root: Path | str | None = None) -> None:
    """Raise InputError listing every problem, or return quietly."""
    problems = find_problems(root)
    if problems:
        raise InputError(problems)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = paths.project_root(argv[0] if argv else None)
    problems = find_problems(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s); nothing was built or changed.", file=sys.stderr)
        return 1
    print(f"data and bibliography OK ({root})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check the book's input before anything is built: `make check` / `python -m helpers.validate`.

Checks, all in one pass, of every file an author edits:
* each file can be read: UTF-8 (a byte-order mark and CRLF are accepted), no NUL bytes;
* data/*.csv: well-formed rows and headers, no over-long cells, no stray spaces around values;
  then the Table Schema of data/datapackage.yaml (via frictionless);
* references.bib: syntax and fields; every CSV key has a bib entry and every bib entry a CSV row;
  ';'-lists that name rows of another table; reasons for every `unknown` facet;
* _config.yml, _toc.yml and the chapters: YAML syntax (front matter included), every page of the
  ToC exists, every page in chapters/ is in the ToC, every {cite} key exists.
Each problem is printed as `file:line: field: value: what is wrong`; a run never raises on the
content of a file, and nothing is ever rewritten.
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from . import bib, paths
from .problems import InputError, Problem
from .readers import LIST_COLUMNS, csv_problems, csv_rows, read_table, read_text, split_list, yaml_document

# Errors after which a table's columns cannot be trusted, so checks across files are skipped.
STRUCTURAL = {"extra-cell", "missing-cell", "blank-header", "duplicate-label", "incorrect-label",
              "missing-label", "extra-label", "blank-label", "scheme-error", "source-error",
              "format-error", "encoding-error", "file-error", "resource-error", "package-error"}
CITE_ROLE = re.compile(r"\{(?:cite|footcite)(?::[a-z]+)?\}`([^`]*)`")
PACKAGE = "data/datapackage.yaml"


def _resources(descriptor) -> list[dict]:
    """The resource descriptors of datapackage.yaml that name a CSV file in data/."""
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return []
    return [r for r in descriptor["resources"] if isinstance(r, dict) and isinstance(r.get("path"), str)]


def _fields(resource: dict) -> list[dict]:
    fields = (resource.get("schema") or {}).get("fields") or []
    return [f for f in fields if isinstance(f, dict)]


def data_problems(root: Path) -> tuple[list[Problem], bool, dict[str, str]]:
    """Read the schema and every CSV it declares; return the problems, whether any of them breaks
    a file's structure (so that schema and cross-file checks cannot run), and the decoded texts."""
    text, problems = read_text(root / PACKAGE, PACKAGE)
    descriptor = None
    if text is not None:
        descriptor, problems = yaml_document(text, PACKAGE)
        if not problems and not _resources(descriptor):
            problems = [Problem(PACKAGE, 1, "resources", "", "no resources declared: expected a list of tables")]
    if problems:
        return problems, True, {}
    texts: dict[str, str] = {}
    structural = False
    for resource in _resources(descriptor):
        label = f"data/{resource['path']}"
        text, read = read_text(root / label, label)
        if text is None:
            problems += read
            structural = True
            continue
        fields = _fields(resource)
        required = {f.get("name") for f in fields if (f.get("constraints") or {}).get("required")}
        found = csv_problems(text, label, required=required, list_columns=set(LIST_COLUMNS))
        structural = structural or any(p.field in ("row", "header") or p.message == "duplicate column name"
                                       for p in found)
        problems += found
        texts[label] = text
    return problems, structural, texts


# Problems of one table under the schema, by what they depend on: the schema, the table's text and
# the texts of the tables its foreign keys point to. The same bytes give the same problems, so a
# validation of one edited table in a session (a test run, a live preview) checks only that table.
_SCHEMA_CACHE: dict[str, tuple[list[Problem], bool]] = {}


def _resource_key(schema: str, resource: dict, texts: dict[str, str]) -> str:
    import hashlib

    referenced = sorted({fk.get("reference", {}).get("resource", "") for fk in
                         (resource.get("schema") or {}).get("foreignKeys", []) or [] if isinstance(fk, dict)})
    parts = [schema, resource.get("name", ""), texts.get(f"data/{resource['path']}", "")]
    parts += [texts.get(f"data/{name}.csv", "") for name in referenced]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def schema_problems(root: Path, texts: dict[str, str]) -> tuple[list[Problem], bool]:
    """Problems against data/datapackage.yaml, and whether any of them breaks a table's structure.
    frictionless reads normalised copies (UTF-8 without BOM, LF line ends) in a temporary folder,
    so that it sees exactly the text that was decoded, and the author's files are never touched.
    Each table is validated on its own (its foreign keys still looked up in the others), and a
    table whose bytes and dependencies were validated before in this process is not read again."""
    from frictionless import Package, system

    schema_text = (root / PACKAGE).read_text(encoding="utf-8")
    descriptor, _ = yaml_document(schema_text, PACKAGE)
    resources = {r["name"]: r for r in _resources(descriptor) if isinstance(r.get("name"), str)}
    keys = {name: _resource_key(schema_text, r, texts) for name, r in resources.items()}
    todo = [name for name in resources if keys[name] not in _SCHEMA_CACHE]
    if todo:
        with tempfile.TemporaryDirectory(prefix="survey-validate-") as folder:
            copy = Path(folder)
            for label, text in texts.items():
                (copy / Path(label).name).write_text(text, encoding="utf-8")
            try:
                with system.use_context(trusted=True):
                    # The descriptor parsed above (libyaml) rather than its path: frictionless would
                    # parse the file again with pure-Python YAML (a tenth of a validation's time, profiled).
                    package = Package(descriptor, basepath=folder)
                    reports = {name: package.get_resource(name).validate() for name in todo}
            except Exception as error:  # noqa: BLE001 - a schema the library cannot read is a problem too
                return [Problem(PACKAGE, None, "schema", "", f"the schema cannot be used ({error})")], True
        for name, report in reports.items():
            label = f"data/{resources[name]['path']}"
            lines = _row_lines(texts.get(label, ""), label)
            found, breaks = [], False
            for task in report.tasks:
                for error in task.errors:
                    problem, broken = _problem(error, label, lines)
                    breaks = breaks or broken
                    found.append(problem)
            _SCHEMA_CACHE[keys[name]] = (found, breaks)
    problems = [p for name in resources for p in _SCHEMA_CACHE[keys[name]][0]]
    return problems, any(_SCHEMA_CACHE[keys[name]][1] for name in resources)


def _row_lines(text: str, label: str) -> dict[int, int]:
    """Map frictionless row numbers (the header is row 1) to the file lines where the rows start."""
    rows, _ = csv_rows(text, label)
    return {number: line for number, (line, _) in enumerate(rows, start=1)}


def _problem(error, label: str, lines: dict[int, int]) -> tuple[Problem, bool]:
    row = getattr(error, "row_number", None)
    line = lines.get(row, row)
    field = getattr(error, "field_name", None) or ",".join(getattr(error, "field_names", []) or []) or "-"
    cell = getattr(error, "cell", None)
    if cell is None:
        cells = getattr(error, "field_cells", None)
        cell = ",".join(str(c) for c in cells) if cells else ""
    message = error.note or getattr(error, "message", "") or error.type
    if error.type in ("incorrect-label", "missing-label", "extra-label", "blank-label"):
        message = f"the header does not match the schema in {PACKAGE} ({error.type}: {getattr(error, 'message', '')})"
    elif error.type == "constraint-error" and "pattern" in message:
        message = "value not allowed here (see the field's pattern in data/datapackage.yaml)"
    elif error.type == "constraint-error" and "required" in message:
        message = "required cell is empty"
    elif error.type == "foreign-key":
        message = f"no such row in the referenced table ({error.note})"
    elif error.type in ("unique-error", "primary-key"):
        message = f"duplicate: {error.note}"
    return Problem(label, line, field, str(cell), message), error.type in STRUCTURAL


def _table(root: Path, name: str):
    """A validated table and the file line on which each of its rows starts."""
    label = f"data/{name}.csv"
    text, _ = read_text(root / label, label)
    rows, _ = csv_rows(text or "", label)
    return read_table(root, name), [line for line, _ in rows[1:]]


def _key_lines(root: Path, name: str) -> dict[str, int]:
    table, lines = _table(root, name)
    return dict(zip(table.iloc[:, 0], lines))


def list_reference_problems(root: Path) -> list[Problem]:
    """papers.generators names rows of generators.csv; frictionless cannot check ';'-lists."""
    known = set(read_table(root, "generators")["name"])
    papers, lines = _table(root, "papers")
    problems = []
    for line, cell in zip(lines, papers["generators"]):
        if cell in ("", "unknown"):
            continue
        for name in split_list(cell):
            if name not in known:
                problems.append(Problem("data/papers.csv", line, "generators", name,
                                        "not a name in data/generators.csv"))
    return problems


FACETS = ("direction", "generators", "data_kinds", "modalities", "seed_data", "dataset", "dataset_size", "purpose")


def unknown_reason_problems(root: Path) -> list[Problem]:
    """A facet may be 'unknown' (the source does not say it), but then the row must say why."""
    problems = []
    papers, lines = _table(root, "papers")
    for line, (_, row) in zip(lines, papers.iterrows()):
        unknown = [f for f in FACETS if row[f] == "unknown"]
        reasons = row["unknown_reasons"]
        if unknown and not reasons.strip():
            problems.append(Problem("data/papers.csv", line, "unknown_reasons", "",
                                    f"{', '.join(unknown)} is 'unknown': say why in unknown_reasons"))
            continue
        unnamed = [f for f in unknown if not re.search(rf"(?<![\w]){f}(?![\w])", reasons)]
        if unnamed:
            problems.append(Problem("data/papers.csv", line, "unknown_reasons", reasons,
                                    f"{', '.join(unnamed)} is 'unknown' but unknown_reasons does not name it: "
                                    f"give each unknown facet its reason ('{unnamed[0]}: not stated in ...')"))
    return problems


def evidence_problems(root: Path) -> list[Problem]:
    """Evidence is recorded for facts: a row of data/evidence.csv for a facet that papers.csv
    leaves unknown or empty contradicts it."""
    if not (root / "data" / "evidence.csv").is_file():
        return []
    papers = read_table(root, "papers").set_index("key")
    evidence, lines = _table(root, "evidence")
    problems = []
    for line, row in zip(lines, evidence.itertuples()):
        if row.key in papers.index and row.facet in papers.columns and papers.at[row.key, row.facet] in ("", "unknown"):
            problems.append(Problem("data/evidence.csv", line, "facet", row.facet,
                                    f"evidence for {row.key}'s {row.facet}, which data/papers.csv gives as "
                                    f"{papers.at[row.key, row.facet] or 'empty'!r}"))
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
    tasks, lines = _table(root, "tasks")
    for line, task in zip(lines, tasks.itertuples()):
        if not (root / "chapters" / f"{task.chapter}.md").is_file():
            problems.append(Problem("data/tasks.csv", line, "chapter", task.chapter,
                                    f"chapters/{task.chapter}.md does not exist"))
    return problems


# --- the book's structure: _config.yml, _toc.yml, chapters/ ------------------------------------

def _toc_files(node, found: list) -> None:
    """(value node) of every `file:` and `root:` entry of a composed _toc.yml, with its position."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in ("file", "root") and isinstance(value, yaml.ScalarNode):
                found.append(value)
            else:
                _toc_files(value, found)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _toc_files(item, found)


def front_matter(text: str, label: str) -> tuple[dict | None, list[Problem]]:
    """The YAML front matter of a MyST page ({} when there is none)."""
    if not text.startswith("---\n"):
        return {}, []
    end = text.find("\n---\n", 3)
    if end < 0 and text.endswith("\n---"):
        end = len(text) - 4
    if end < 0:
        return None, [Problem(label, 1, "front matter", "---", "the front matter is never closed by a '---' line")]
    data, problems = yaml_document(text[4:end + 1], label, first_line=2)
    if not problems and data is not None and not isinstance(data, dict):
        problems = [Problem(label, 2, "front matter", str(data)[:60], "the front matter must be a YAML mapping")]
    return data, problems


def structure_problems(root: Path) -> tuple[list[Problem], dict[str, str]]:
    """_config.yml and _toc.yml parse, every ToC entry is a page that exists, every page in
    chapters/ is in the ToC, every page's front matter parses. Returns the readable pages' texts."""
    import yaml

    problems: list[Problem] = []
    for label in ("_config.yml", "_toc.yml"):
        text, read = read_text(root / label, label)
        problems += read
        if text is None:
            continue
        data, parsed = yaml_document(text, label)
        problems += parsed
        if parsed:
            continue
        if not isinstance(data, dict):
            problems.append(Problem(label, 1, "-", str(data)[:60], "expected a YAML mapping of settings"))
            continue
        if label == "_toc.yml":
            entries: list = []
            _toc_files(yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), entries)
            listed = set()
            for node in entries:
                name = str(node.value).strip()
                listed.add(name)
                if not any((root / f"{name}{suffix}").is_file() for suffix in (".md", ".ipynb", "")):
                    problems.append(Problem(label, node.start_mark.line + 1, "file", name,
                                            f"no such page: {name}.md does not exist"))
            if not entries:
                problems.append(Problem(label, 1, "root", "", "the table of contents lists no pages"))
            for page in sorted((root / "chapters").glob("*.md")):
                name = f"chapters/{page.stem}"
                if name not in listed and f"{name}.md" not in listed:
                    problems.append(Problem(f"chapters/{page.name}", None, "_toc.yml", name,
                                            "this page is in no _toc.yml entry: list it there, or delete it"))
    pages: dict[str, str] = {}
    for page in sorted((root / "chapters").glob("*.md")):
        label = f"chapters/{page.name}"
        text, read = read_text(page, label)
        problems += read
        if text is None:
            continue
        problems += front_matter(text, label)[1]
        pages[label] = text
    return problems, pages


def citation_problems(pages: dict[str, str], bib_keys: set[str]) -> list[Problem]:
    problems = []
    for label, text in pages.items():
        for number, line in enumerate(text.splitlines(), start=1):
            for match in CITE_ROLE.finditer(line):
                for key in (k.strip() for k in match.group(1).split(",")):
                    if key and key not in bib_keys:
                        problems.append(Problem(label, number, "cite", key, "cited key has no entry in references.bib"))
    return problems


def find_problems(root: Path | str | None = None, data_only: bool = False, skip_data: bool = False) -> list[Problem]:
    """Every problem in the book's input, in file and line order (empty when all is well);
    `data_only`: only data/ and references.bib, what the catalogue is loaded from; `skip_data`: all
    but those (for data whose bytes passed this validation before, see fingerprints.validated_before)."""
    root = paths.project_root() if root is None else Path(root).resolve()
    entries, bib_problems = bib.read_bib(root / "references.bib", "references.bib")
    problems = [] if skip_data else _data_problems(root, entries, bib_problems)
    if data_only:
        return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.field, p.value))
    found, pages = structure_problems(root)
    problems += found + citation_problems(pages, {e.key for e in entries})
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.field, p.value))


def _data_problems(root: Path, entries, bib_problems) -> list[Problem]:
    problems, structural, texts = data_problems(root)
    if not structural:
        found, structural = schema_problems(root, texts)
        problems += found
    problems += bib_problems + bib.check_entries(entries, "references.bib")
    if not structural:  # cross-file checks need well-formed tables
        problems += (list_reference_problems(root) + unknown_reason_problems(root) + evidence_problems(root)
                     + consistency_problems(root, entries))
    return problems


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

"""Read the author's files without ever raising on their content.

Every function here turns bytes into text, rows or YAML and reports what is wrong as `Problem`s
(`file:line: field: value: what is wrong`) instead of a traceback: invalid UTF-8 (with the line and
byte offset), NUL bytes, unclosed quotes, duplicate column names, cells too long to be meant, YAML
syntax errors. A UTF-8 byte-order mark and CRLF line endings are accepted. This is the bottom layer
of the package: it imports nothing from it but `problems`.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from .problems import Problem

BOM = b"\xef\xbb\xbf"
# Cells of data/papers.csv that hold ';'-separated lists of values.
LIST_COLUMNS = ("generators", "data_kinds", "modalities", "purpose")
# No cell of the catalogue needs more; a longer one is a paste gone wrong (and the csv module's
# own limit, 128 KiB, would otherwise raise on it).
MAX_CELL = 10_000
csv.field_size_limit(64 * 1024 * 1024)


def decode(raw: bytes, label: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text with LF line endings, or None and the problems that prevent reading it."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start
        line = raw.count(b"\n", 0, offset) + 1
        column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        bad = raw[offset:error.end]
        return None, [Problem(label, line, "encoding", bad.hex(" "),
                              f"not valid UTF-8 at byte offset {offset} (column {column}); save the file as UTF-8")]
    if "\0" in text:
        offset = text.index("\0")
        line = text.count("\n", 0, offset) + 1
        return None, [Problem(label, line, "content", "\\x00",
                              f"NUL byte at character {offset}: the file is binary or damaged")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def read_text(path: Path, label: str | None = None) -> tuple[str | None, list[Problem]]:
    """The file's text (see `decode`), or None with a problem when it cannot be read at all."""
    label = label or path.name
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        return None, [Problem(label, None, "file", str(path), f"cannot be read ({error.strerror or error})")]
    return decode(raw, label)


def text_or_raise(path: Path, label: str | None = None) -> str:
    """For readers of files that were validated already: the decoded text."""
    from .problems import InputError

    text, problems = read_text(path, label)
    if text is None:
        raise InputError(problems)
    return text


def csv_rows(text: str, label: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """(first line, cells) of every row, header included; stops at the first malformed row."""
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return rows, []
        except csv.Error as error:
            hint = " (is a quote opened in this row never closed?)" if any(
                word in str(error) for word in ('"', "EOF", "end of data")) else ""
            return rows, [Problem(label, start, "row", _line(text, start), f"malformed CSV: {error}{hint}")]
        rows.append((start, cells))
        start = reader.line_num + 1


def _line(text: str, number: int) -> str:
    lines = text.split("\n")
    return lines[number - 1] if 0 < number <= len(lines) else ""


def csv_problems(text: str, label: str, required=frozenset(), list_columns=frozenset()) -> list[Problem]:
    """Problems of CSV structure and of cells that no schema rule describes well: malformed rows,
    duplicate or empty column names, rows of the wrong width, cells that are too long, required
    cells that are only spaces, and values with leading or trailing spaces."""
    rows, problems = csv_rows(text, label)
    if not rows:
        return problems + [Problem(label, 1, "header", "", "the file has no header row")]
    _, header = rows[0]
    seen: set[str] = set()
    for name in header:
        if not name.strip():
            problems.append(Problem(label, 1, "header", name, "empty column name"))
        elif name in seen:
            problems.append(Problem(label, 1, name, name, "duplicate column name"))
        seen.add(name)
    for line, cells in rows[1:]:
        if cells == []:
            continue  # a blank line
        if len(cells) != len(header):
            problems.append(Problem(label, line, "row", ",".join(cells)[:80],
                                    f"{len(cells)} cells where the header has {len(header)}"))
            continue
        for name, cell in zip(header, cells):
            if len(cell) > MAX_CELL:
                problems.append(Problem(label, line, name, cell[:60],
                                        f"cell of {len(cell):,} characters; the limit is {MAX_CELL:,}"))
            elif name in required and cell and not cell.strip():
                problems.append(Problem(label, line, name, cell, "required cell is only spaces"))
            elif cell != cell.strip():
                problems.append(Problem(label, line, name, cell, "leading or trailing spaces in the value"))
            elif name in list_columns and any(part != part.strip() or not part for part in _list_items(cell)):
                problems.append(Problem(label, line, name, cell,
                                        "spaces around a ';'-separated value (write 'a; b' or 'a;b')"))
    return problems


def _list_items(cell: str) -> list[str]:
    """The items of a ';'-list cell, each with the one optional space after ';' removed."""
    if ";" not in cell:
        return []
    parts = cell.split(";")
    return [parts[0]] + [p[1:] if p.startswith(" ") else p for p in parts[1:]]


def read_table(root: Path, name: str) -> "pd.DataFrame":
    """One CSV of data/ as strings; empty cells stay empty strings (they mean 'not filled in yet').
    For validated files: raises InputError if the file cannot be decoded."""
    label = f"data/{name}.csv"
    text = text_or_raise(Path(root) / "data" / f"{name}.csv", label)
    import pandas as pd  # here: validating pages, ToC and citations alone needs no pandas (0.5 s)

    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)


def split_list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(";") if item.strip()]


def yaml_document(text: str, label: str, first_line: int = 1):
    """Parse YAML; returns (data, problems). `first_line` is where `text` starts in its file."""
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), []  # C parser: fast
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        reason = " ".join(str(getattr(error, "problem", None) or error).split())
        return None, [Problem(label, line, "yaml", _line(text, line - first_line + 1).strip(),
                              f"YAML syntax error: {reason}")]


SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="(?P<width>[\d.]+)(?P<unit>pt|px)?"[^>]*?\bheight="(?P<height>[\d.]+)(?P=unit)?"')


def svg_size(svg: str) -> tuple[int, int] | None:
    """Width and height of an SVG drawing in CSS pixels, rounded, from its width and height
    attributes (matplotlib writes points, 1pt = 4/3 px); None without them (a viewBox alone gives
    a shape, not a size)."""
    found = SVG_SIZE.search(svg)
    if not found:
        return None
    scale = 4 / 3 if found["unit"] == "pt" else 1
    return round(float(found["width"]) * scale), round(float(found["height"]) * scale)

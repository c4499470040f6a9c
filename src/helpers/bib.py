"""Read references.bib with bibtexparser (never with regular expressions) and check each entry."""
from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import DuplicateBlockKeyBlock

from .problems import Problem
from .readers import MAX_CELL, read_text

# bibtexparser logs its own copy of every parse failure; we report them ourselves, once.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

REQUIRED = ("title", "author", "year", "url")
VENUE_FIELDS = ("booktitle", "journal", "howpublished")
FIRST_YEAR = 2010
ARXIV_ID = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", re.I)


@dataclass
class BibEntry:
    key: str
    entry_type: str
    line: int  # 1-based line of the entry's first line
    fields: dict[str, str]
    field_lines: dict[str, int]
    authors: list[str]  # "First Last", in order

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    @property
    def arxiv_id(self) -> str | None:
        if self.get("archiveprefix").lower() == "arxiv" and self.get("eprint"):
            return self.get("eprint").split("v")[0]
        match = ARXIV_ID.search(self.get("url"))
        return match.group(1) if match else None

    @property
    def venue_type(self) -> str:
        """conference, journal, workshop or preprint (for the explorer's facet)."""
        if self.get("journal"):
            return "journal"
        if self.get("booktitle"):
            return "workshop" if "workshop" in self.get("booktitle").lower() else "conference"
        return "preprint"

    @property
    def venue(self) -> str:
        """Short venue for tables: the acronym in the last parentheses of booktitle/journal, or arXiv."""
        full = self.get("booktitle") or self.get("journal")
        if not full:
            return "arXiv" if self.arxiv_id else "unknown"
        match = re.search(r"\(([^()]+)\)\s*$", full)
        return match.group(1) if match else full


class _DecodeLatexWhereNeeded(middlewares.LatexDecodingMiddleware):
    """Decode LaTeX only in values that contain a command; plain values (nearly all) are left as
    they are, which makes loading the bibliography several times faster."""

    def _transform_python_value_string(self, python_string: str):
        if "\\" not in python_string:
            return python_string, ""
        return super()._transform_python_value_string(python_string)


def _name(parts) -> str:
    return " ".join(parts.first + parts.von + parts.last + parts.jr).replace("{", "").replace("}", "")


def read_bib(path: Path, label: str | None = None) -> tuple[list[BibEntry], list[Problem]]:
    """Parse a .bib file; return its entries and the problems of syntax and duplicate keys."""
    label = label or path.name
    text, problems = read_text(path, label)
    if text is None:
        return [], problems
    # One build reads the file twice (validation, then loading) and the tests validate the same
    # file hundreds of times: a parse is kept per text. Copies, so that no caller changes the kept one.
    if (label, text) not in _PARSED:
        if len(_PARSED) >= 4:
            _PARSED.clear()
        _PARSED[label, text] = _parse(text, label)
    entries, found = _PARSED[label, text]
    return copy.deepcopy(entries), problems + list(found)


_PARSED: dict[tuple[str, str], tuple[list[BibEntry], list[Problem]]] = {}


def _parse(text: str, label: str) -> tuple[list[BibEntry], list[Problem]]:
    problems: list[Problem] = []
    try:
        library = bibtexparser.parse_string(
            text,
            append_middleware=[
                _DecodeLatexWhereNeeded(),
                middlewares.SeparateCoAuthors(),
                middlewares.SplitNameParts(),
            ],
        )
    except Exception as error:  # noqa: BLE001 - the parser's own failure becomes a problem line
        return [], [Problem(label, None, "entry", "", f"BibTeX could not be parsed ({type(error).__name__}: {error})")]
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.append(Problem(label, line, "key", block.key, "duplicate BibTeX key"))
        else:
            first = block.raw.strip().splitlines()[0] if block.raw.strip() else ""
            error = getattr(block, "error", None)
            reason = (getattr(error, "abort_reason", "") or str(error or "") or "syntax error").strip()
            problems.append(Problem(label, line, "entry", first, f"malformed BibTeX entry ({reason})"))
    entries = []
    for entry in library.entries:
        fields, lines, authors = {}, {}, []
        for field in entry.fields:
            name = field.key.lower()
            lines[name] = field.start_line + 1
            if name == "author" and isinstance(field.value, list):
                authors = [_name(p) if hasattr(p, "last") else str(p) for p in field.value]
                fields[name] = " and ".join(authors)
            else:
                fields[name] = str(field.value).strip()
        entries.append(BibEntry(entry.key, entry.entry_type.lower(), entry.start_line + 1, fields, lines, authors))
    return entries, problems


def check_entries(entries: list[BibEntry], label: str) -> list[Problem]:
    """Per-entry and cross-entry checks: required fields, venue, year, URL, duplicate titles/URLs/arXiv ids."""
    problems: list[Problem] = []
    this_year = date.today().year

    def report(entry: BibEntry, field: str, value: str, message: str) -> None:
        problems.append(Problem(label, entry.field_lines.get(field, entry.line), field, value, message))

    seen: dict[tuple[str, str], BibEntry] = {}
    for entry in entries:
        for field, value in entry.fields.items():
            if len(value) > MAX_CELL:
                report(entry, field, value[:60], f"field of {len(value):,} characters; the limit is {MAX_CELL:,}")
        for field in REQUIRED:
            if not entry.get(field):
                report(entry, field, "", f"entry {entry.key} has no {field}")
        if not any(entry.get(f) for f in VENUE_FIELDS) and not (entry.get("eprint") and entry.get("archiveprefix")):
            report(entry, "booktitle", "", f"entry {entry.key} needs booktitle, journal, howpublished, or eprint + archivePrefix")
        year = entry.get("year")
        if year and not (year.isdigit() and FIRST_YEAR <= int(year) <= this_year + 1):
            report(entry, "year", year, f"year must be a number from {FIRST_YEAR} to {this_year + 1}")
        url = entry.get("url")
        if url:
            parsed = urlparse(url)
            if parsed.scheme != "https" or not parsed.netloc or " " in url:
                report(entry, "url", url, "not a well-formed https URL")
        identities = {
            "title": re.sub(r"[^a-z0-9]+", " ", entry.get("title").lower()).strip(),
            "url": url.rstrip("/").lower(),
            "eprint": entry.arxiv_id or "",
        }
        for field, ident in identities.items():
            if not ident:
                continue
            other = seen.get((field, ident))
            if other is not None:
                shown = "url" if field == "eprint" and "eprint" not in entry.fields else field
                report(entry, shown, entry.get(shown) or ident,
                       f"{'arXiv id' if field == 'eprint' else field} also used by {other.key} (line {other.line})")
            else:
                seen[(field, ident)] = entry
    return problems

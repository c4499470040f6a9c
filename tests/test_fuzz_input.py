"""Random damage to the real data never gives a traceback (hypothesis).

Byte-level mutations (insert, delete, overwrite) and cell-level ones (any text in any cell) of the
real papers.csv, tasks.csv and references.bib: validation either passes, and then the catalogue
loads, or it lists problems (and `make check`, which prints them, exits 1). It never raises, and never writes a file.
The example counts are bounded so that these tests take seconds."""
from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import copy_book
from helpers import load, validate
from helpers.problems import InputError

FILES = ["data/papers.csv", "data/tasks.csv", "references.bib"]
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NASTY = st.sampled_from(["", " ", "unknown", ";", "a;;b", '"', '""', "\n", "\r\n", "\0", "\ufeff", "é", "x" * 20_000,
                         "{cite}`x`", "<script>", "1e400", "-1", "NaN", "unknown; GPT-4", "GPT-4 ", " for-vlm"])
CELL = st.one_of(NASTY, st.text(max_size=40))


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return copy_book(tmp_path_factory.mktemp("fuzz") / "book")


def digest(root: Path) -> str:
    """The author's files (not _build/, where loading keeps its record of validated data)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "_build" not in p.relative_to(root).parts:
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def check_no_traceback(root: Path, label: str, damaged: bytes) -> None:
    path = root / label
    original = path.read_bytes()
    path.write_bytes(damaged)
    try:
        before = digest(root)
        problems = validate.find_problems(root)  # must not raise, whatever the bytes
        assert isinstance(problems, list)
        assert all(p.file and p.message for p in problems)
        if not problems:
            try:
                load.catalogue(root)  # what validation lets through must load
            except InputError as error:  # noqa: PERF203
                pytest.fail(f"validation passed but loading failed: {error}")
        assert digest(root) == before, "validation wrote a file"
    finally:
        path.write_bytes(original)


MUTATION = st.tuples(st.sampled_from(["insert", "delete", "overwrite"]), st.floats(0, 1),
                     st.binary(min_size=1, max_size=8))


def mutate(raw: bytes, mutations) -> bytes:
    for kind, where, payload in mutations:
        at = int(where * len(raw))
        if kind == "insert":
            raw = raw[:at] + payload + raw[at:]
        elif kind == "delete":
            raw = raw[:at] + raw[at + len(payload):]
        else:
            raw = raw[:at] + payload + raw[at + len(payload):]
    return raw


@pytest.mark.parametrize("label", FILES)
@SETTINGS
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_byte_level_damage_never_raises(book, label, mutations):
    check_no_traceback(book, label, mutate((book / label).read_bytes(), mutations))


@pytest.mark.parametrize("label", ["data/papers.csv", "data/tasks.csv"])
@SETTINGS
@given(row=st.floats(0, 1), column=st.floats(0, 1), value=CELL)
def test_any_cell_value_never_raises(book, label, row, column, value):
    rows = list(csv.reader(io.StringIO((book / label).read_text(encoding="utf-8"), newline="")))
    r = 1 + int(row * (len(rows) - 1)) if len(rows) > 1 else 0
    c = int(column * (len(rows[r]) - 1))
    rows[r][c] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    check_no_traceback(book, label, out.getvalue().encode("utf-8", "surrogatepass"))


@SETTINGS
@given(field=st.sampled_from(["title", "author", "year", "url", "eprint", "booktitle"]), value=CELL)
def test_any_bib_field_value_never_raises(book, field, value):
    text = (book / "references.bib").read_text(encoding="utf-8")
    marker = f"\t{field} = {{"
    start = text.find(marker)
    if start < 0:
        marker, start = "\ttitle = {", text.find("\ttitle = {")
    end = text.index("},\n", start)
    damaged = text[: start + len(marker)] + value + text[end:]
    check_no_traceback(book, "references.bib", damaged.encode("utf-8", "surrogatepass"))

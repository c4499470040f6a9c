"""Shared fixtures: temporary copies of the book, so tests never touch the real sources."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BOOK_SOURCES = ("_config.yml", "_toc.yml", "references.bib", "favicon.svg", "chapters", "data")


def copy_book(destination: Path) -> Path:
    """Copy what a build reads (not _build, not .venv) into `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in BOOK_SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    return destination


def read_rows(root: Path, name: str) -> list[dict]:
    """The rows of data/<name>.csv as dictionaries."""
    with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(root: Path, name: str, rows: list[dict]) -> None:
    """Rewrite data/<name>.csv from dictionaries (the columns of the first row)."""
    with (root / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def svg_background(svg: str) -> str | None:
    """Fill colour of a matplotlib SVG's first shape, the figure's own background."""
    match = re.search(r'<g id="patch_1">\s*<path d="M 0 [^"]*" style="fill: (#[0-9a-f]{6})"', svg)
    return match.group(1) if match else None


def build_book(root: Path) -> subprocess.CompletedProcess:
    """Run the same command as `make book` on a copy; output captured for assertions."""
    return subprocess.run([sys.executable, "-m", "helpers.build", str(root)], cwd=root,
                          capture_output=True, text=True)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return copy_book(tmp_path / "book")


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    root = copy_book(tmp_path_factory.mktemp("built") / "book")
    result = build_book(root)
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    (root / "build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    return root

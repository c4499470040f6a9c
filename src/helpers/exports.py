"""Downloadable exports, written into the built site by the build (see helpers.build):

* exports/references.bib: the whole bibliography, byte for byte;
* exports/works.csv: data/papers.csv joined with each work's bibliographic fields;
* exports/<chapter>.bib: the BibTeX entries of the works of one task chapter.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import bibtexparser

from . import load, paths

EXPORTS = paths.EXPORTS
CSV_COLUMNS = ["key", "title", "authors", "year", "venue", "url", "arxiv_id", "task", "task_title",
               "direction", "generators", "generator_access", "data_kinds", "modalities", "seed_data",
               "dataset", "dataset_size", "purpose", "summary", "source_url", "unknown_reasons"]


def raw_entries(root: Path) -> dict[str, str]:
    """Each entry's BibTeX text exactly as written in references.bib, by key."""
    library = bibtexparser.parse_string((root / "references.bib").read_text(encoding="utf-8"))
    return {entry.key: entry.raw.strip() + "\n" for entry in library.entries}


def works_csv(root: Path) -> str:
    works = load.catalogue(root)
    table = works.assign(**{c: works[c].map("; ".join) for c in
                            ("authors", "generators", "generator_access", "data_kinds", "modalities", "purpose")})
    return table[CSV_COLUMNS].to_csv(index=False, lineterminator="\n")


def write_exports(outdir: Path, root: Path | None = None) -> list[Path]:
    root = paths.project_root() if root is None else Path(root)
    target = Path(outdir) / EXPORTS
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    written = [target / "references.bib", target / "works.csv"]
    shutil.copyfile(root / "references.bib", written[0])
    written[1].write_text(works_csv(root), encoding="utf-8")
    entries = raw_entries(root)
    works = load.catalogue(root)
    for task in load.tasks(root).itertuples():
        keys = works.loc[works["task"] == task.id, "key"]
        path = target / f"{task.chapter}.bib"
        path.write_text("\n".join(entries[k] for k in keys), encoding="utf-8")
        written.append(path)
    return written

"""The paper explorer: every surveyed work in one faceted, searchable table, with its full record.

The table is DataTables (static/datatables/, see helpers.datatables; served once from the site's
_static/ folder instead of being inlined in the page), driven by `static/explorer.js`: facets with
counts that follow the other filters, free-text search, sorting, a column chooser, each work's full
record in a details row, and every filter kept in the URL. This module prepares the data: one
record per work, with its details rendered to escaped HTML here, so the page's script only places
text that was escaped already. The details (four fifths of the data) are not in the page: they are
a file of the site (`details_file`, written by helpers.build) that the script fetches when a reader
first opens a record or searches, so that a phone downloads and parses a fifth as much to start.

Facet checkboxes are written by hand rather than with DataTables' SearchPanes: a SearchPanes option
is a table row selected by mouse click, with no keyboard access, whereas a checkbox is reachable
with the Tab key and announced with its label.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from IPython.display import Markdown

from . import load, paths, reads
from .exports import EXPORTS, raw_entries
from .notebook import Editions
from .tables import DIRECTION_LABELS, escape, markdown_table, short_list

PAGE = "explorer"  # chapters/explorer.md
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
ACCESS_LABELS = {"closed-api": "closed", "open-weights": "open weights", "programmatic": "programmatic",
                 "unknown": "access unknown"}
# (URL parameter, label) of each facet, in the order the page shows them.
FACETS = [("task", "Task"), ("direction", "Direction"), ("generator", "Generator"), ("access", "Generator access"),
          ("kind", "Data kind"), ("modality", "Modality"), ("purpose", "Purpose"), ("year", "Year"),
          ("venue", "Venue type")]
FACETS_FOR_SIMILARITY = ("task", "direction", "generator", "access", "kind", "modality", "purpose")
STATIC = Path(__file__).with_name("static")  # explorer.js and .css, copied into the site by helpers.build


@reads.derived  # the explorer depends on where works are cited, not on the rest of the prose
def discussion_anchors(root: Path) -> dict[str, tuple[str, str]]:
    """For each cited key: (chapter file name, id of the section where its prose first cites it)."""
    from docutils.nodes import make_id

    anchors: dict[str, tuple[str, str]] = {}
    for task in load.tasks(root).itertuples():
        text = (root / "chapters" / f"{task.chapter}.md").read_text(encoding="utf-8")
        text = re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)  # prose only
        section = ""
        for line in text.splitlines():
            heading = HEADING.match(line)
            if heading:
                section = make_id(heading.group(2))
                continue
            for group in CITE.findall(line):
                for key in (k.strip() for k in group.split(",")):
                    anchors.setdefault(key, (task.chapter, section))
    return anchors


def facet_values(work: pd.Series) -> dict[str, list[str]]:
    """The values a work has in each facet ('unknown' where the catalogue says so)."""
    def listed(column: str) -> list[str]:
        return work[column] or (["unknown"] if work[f"{column}_cell"] == "unknown" else ["not filled in"])

    generators = listed("generators")
    return {
        "task": [work["task_title"]],
        "direction": [DIRECTION_LABELS.get(work["direction"], work["direction"])],
        "generator": generators,
        "access": [ACCESS_LABELS.get(a, a) for a in work["generator_access"]] or ["no generator named"],
        "kind": listed("data_kinds"),
        "modality": listed("modalities"),
        "purpose": listed("purpose"),
        "year": [str(work["year"])],
        "venue": [work["venue_type"]],
    }


def similar_works(facets: dict[str, dict[str, list[str]]], count: int = 5) -> dict[str, list[str]]:
    """For each work, the `count` works that share most of its facet values (Jaccard similarity of
    the sets of (facet, value) pairs; ties broken by key, so the result is deterministic)."""
    sets = {key: {(f, v) for f in FACETS_FOR_SIMILARITY for v in values[f] if v not in ("unknown", "not filled in")}
            for key, values in facets.items()}
    nearest = {}
    for key, mine in sets.items():
        scored = []
        for other, theirs in sets.items():
            if other != key and (mine | theirs):
                scored.append((-len(mine & theirs) / len(mine | theirs), other))
        nearest[key] = [other for _, other in sorted(scored)[:count]]
    return nearest


def lab_pages(root: Path) -> dict[str, tuple[str, str]]:
    """Works mirrored by a lab: key -> (lab page, lab title)."""
    from . import labs

    # The folder is listed rather than each page checked with is_file(): a listing is recorded as
    # something the explorer read (helpers.reads), an existence check is not.
    pages = {p.name for p in (root / "chapters").iterdir()}
    mirrored = {}
    for record in labs.registry():
        for key in record["mirrors"]:
            if f"{record['chapter']}-lab.md" in pages:
                mirrored.setdefault(key, (f"{record['chapter']}-lab.html", record["title"]))
    return mirrored


def _escape(value) -> str:
    return html.escape(", ".join(value) if isinstance(value, list) else str(value or "—"))


def _link(url: str, text: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def details_html(work: pd.Series, place: str, lab: tuple[str, str] | None, evidence: pd.DataFrame,
                 corrections: pd.DataFrame, bibtex: str) -> str:
    """The full record of one work, as escaped HTML for its details row."""
    from .tables import source_kind

    reasons = work["unknown_reasons"]
    size = work["dataset_size"] or "—"
    rows = [
        ("Summary", _escape(work["summary"])),
        ("Authors", _escape(", ".join(work["authors"]))),
        ("Venue", _escape(f'{work["venue"]} {work["year"]}')),
        ("Seed data", _escape(work["seed_data"])),
        ("Dataset", _escape(work["dataset"])),
        ("Size, as the authors state it", _escape(size)),
        ("Purpose", _escape(work["purpose"] or work["purpose_cell"])),
        ("Why facets are unknown", _escape(reasons) if reasons else "no facet is unknown"),
        ("Verified against", f'{_link(work["source_url"], work["source_url"])} ({html.escape(source_kind(work["source_url"]))})'),
    ]
    if not evidence.empty:
        items = "".join(f'<li>{html.escape(e.facet)}: {html.escape(e.source)}, {html.escape(e.locator)} '
                        f'({_link(e.url, "source")})</li>' for e in evidence.itertuples())
        rows.append(("Facts beyond the abstract", f"<ul>{items}</ul>"))
    if not corrections.empty:
        items = "".join(f"<li>{html.escape(c.field)}: the reading list says {html.escape(c.listed)}; this book "
                        f"uses {html.escape(c.corrected)} ({_link(c.evidence_url, 'evidence')})</li>"
                        for c in corrections.itertuples())
        rows.append(("Corrections to the reading list", f"<ul>{items}</ul>"))
    rows.append(("Discussed in", _link(place, work["task_title"])))
    if lab:
        rows.append(("Lab", _link(lab[0], f"Lab: {lab[1]}")))
    rows.append(("Similar works", '<ul class="explorer-similar"></ul>'))  # filled by the page from "similar"
    body = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    entry_id = f"bibtex-{html.escape(work['key'])}"
    bib = (f'<div class="explorer-bibtex"><button type="button" class="explorer-copy" data-copy="{entry_id}">'
           f'Copy BibTeX</button><pre id="{entry_id}">{html.escape(bibtex)}</pre></div>')
    return f'<dl class="explorer-record">{body}</dl>{bib}'


def records(root=None) -> list[dict]:
    """One record per work: the table's cells, the facet values, the details HTML."""
    root = paths.project_root() if root is None else Path(root)
    works = load.catalogue(root)
    anchors = discussion_anchors(root)
    entries = raw_entries(root)
    evidence = load.table("evidence", root) if (root / "data" / "evidence.csv").is_file() else pd.DataFrame(
        columns=["key", "facet", "source", "locator", "url"])
    corrections = load.table("corrections", root)
    labs = lab_pages(root)
    facets = {w["key"]: facet_values(w) for _, w in works.iterrows()}
    nearest = similar_works(facets)
    out = []
    for _, w in works.iterrows():
        key = w["key"]
        chapter, section = anchors.get(key, (w["chapter"], ""))
        # the section where the chapter discusses the work, when the chapter's prose cites it
        place = f"{chapter}.html" + (f"#{section}" if chapter == w["chapter"] and section else "")
        out.append({
            "key": key,
            "title": w["title"],
            "url": w["url"],
            "authors": w["short_authors"],
            "venue": w["venue"],
            "facets": facets[key],
            "details": details_html(w, place, labs.get(key), evidence[evidence["key"] == key],
                                    corrections[corrections["key"] == key], entries[key]),
            "similar": nearest[key],
        })
    return out


def summary(root=None) -> Markdown:
    """Counts by direction and by task, above the table."""
    works = load.catalogue(root)
    direction = works["direction"].map(lambda d: DIRECTION_LABELS.get(d, d)).value_counts()
    tasks = works.groupby(["task_order", "task_title"]).size()
    lines = [f"**{len(works)} works.** By direction: "
             + "; ".join(f"{name} {n}" for name, n in direction.sort_index().items()) + "."]
    rows = [[title, str(n), f'<a href="{PAGE}.html?task={quote(title)}">filter</a>']
            for (_, title), n in tasks.items()]
    return Markdown("\n\n".join(lines + [markdown_table(["Task", "Works", "In the table"], rows)]))


def downloads() -> Editions:
    """Links to the exports in the web edition; in the PDF, which cannot carry them, their names."""
    files = [("references.bib", "the whole bibliography (BibTeX)"),
             ("works.csv", "every work with its data and bibliographic fields (CSV)")]
    chapters = [f"{t.chapter}.bib" for t in load.tasks().itertuples()]
    items = [f'<li><a href="../{EXPORTS}/{name}" download>{name}</a>: {what}</li>' for name, what in files]
    items.append("<li>one BibTeX file per task chapter: " + ", ".join(
        f'<a href="../{EXPORTS}/{name}" download>{name}</a>' for name in chapters) + "</li>")
    printed = [f"- `{name}`: {what}" for name, what in files] + ["- one BibTeX file per task chapter, from "
                                                                 f"`{chapters[0]}` to `{chapters[-1]}`"]
    return Editions('<ul class="explorer-downloads">' + "".join(items) + "</ul>",
                    "The web edition offers these files on this page:\n\n" + "\n".join(printed))


def catalogue_table(root=None) -> str:
    """The explorer's stand-in in the PDF edition: every work in one compact table (MyST Markdown),
    ordered by task, then year, then key."""
    works = load.catalogue(root)
    works = works[["key", "task_order", "task_title", "year", "direction", "generators", "generators_cell",
                   "data_kinds", "data_kinds_cell"]].sort_values(["task_order", "year", "key"])
    rows = [[escape(w.task_title), str(w.year), f"{{cite:t}}`{w.key}`",
             DIRECTION_LABELS.get(w.direction, escape(w.direction)),
             short_list(w.generators, w.generators_cell), short_list(w.data_kinds, w.data_kinds_cell)]
            for w in works.itertuples()]
    return markdown_table(["Task", "Year", "Work", "Direction", "Generator(s)", "Synthesized data"], rows)


DETAILS_PREFIX = paths.DETAILS_PREFIX


def details_file(data: list[dict]) -> tuple[str, bytes]:
    """The works' details HTML by key, as the JSON file the explorer fetches, and its name: named
    by its content, so that a reader's browser never pairs a page with details of another build."""
    content = json.dumps({work["key"]: work["details"] for work in data}, ensure_ascii=False,
                         separators=(",", ":"), sort_keys=True).encode("utf-8")
    return f"{DETAILS_PREFIX}{hashlib.sha256(content).hexdigest()[:16]}.json", content


def write_details(folder: Path, root=None) -> Path:
    """Write the details file into the site's explorer folder; remove those of older builds."""
    name, content = details_file(records(root))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{DETAILS_PREFIX}*.json"):
        if old.name != name:
            old.unlink()
    target = folder / name
    if not (target.is_file() and target.read_bytes() == content):
        target.write_bytes(content)
    return target


def show(root=None) -> Editions:
    """The explorer: its data as JSON and the containers the page's script fills. In the built
    book the script and DataTables load from _static/; opened as a notebook, the page says how to
    see the interactive version and shows the records as a plain table instead. The PDF edition
    shows catalogue_table()."""
    data = records(root)
    details_name, _ = details_file(data)
    works = [{k: v for k, v in work.items() if k != "details"} for work in data]
    payload = json.dumps({"facets": FACETS, "works": works}, ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c")  # no "</script>" (nor "<!--") inside the data block
    in_notebook = os.environ.get("SURVEY_VALIDATED") is None  # the book build sets it; a notebook does not
    fallback = ""
    if in_notebook:
        rows = "".join(f"<tr><td>{html.escape(r['title'])}</td><td>{html.escape(', '.join(r['facets']['year']))}</td>"
                       f"<td>{html.escape(', '.join(r['facets']['task']))}</td></tr>" for r in data)
        fallback = ("<p>The interactive explorer runs in the built book (<code>make book</code>); here are the "
                    f"works as a plain table.</p><table><tr><th>Title</th><th>Year</th><th>Task</th></tr>{rows}</table>")
    # DataTables (75 KB compressed) is asked for by the script once the page has been painted, not
    # preloaded: on a phone's connection a preload shared the link with the page's stylesheet and
    # held up the first paint (Lighthouse: first paint 2.8 s with it, 2.0 s without; see
    # benchmarks/README.md). Loading the script from the page's head was measured too: no gain.
    return Editions(f"""<link rel="stylesheet" href="../_static/explorer/explorer.css">
<script type="module" src="../_static/explorer/explorer.js"></script>
<div id="explorer-app" class="explorer" data-details="../_static/explorer/{details_name}">
<p class="explorer-loading">{fallback or "Loading the explorer…"}</p>
</div>
<script type="application/json" id="explorer-data">{payload}</script>""", catalogue_table(root))

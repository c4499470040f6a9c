"""The paper explorer: one interactive table (ITables, offline) of every surveyed work."""
from __future__ import annotations

import html
import re
from urllib.parse import quote
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from . import load, paths
from .exports import EXPORTS, raw_entries
from .tables import DIRECTION_LABELS, markdown_table

PAGE = "explorer"  # chapters/explorer.md
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def _text(value) -> str:
    return html.escape(", ".join(value) if isinstance(value, list) else str(value or "—"))


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


def explorer_frame(root=None) -> pd.DataFrame:
    """One row per work, every cell escaped HTML (links where they help)."""
    root = paths.project_root() if root is None else Path(root)
    works = load.catalogue(root)
    anchors = discussion_anchors(root)
    entries = raw_entries(root)
    rows = []
    for _, w in works.iterrows():
        chapter, section = anchors.get(w["key"], (w["chapter"], ""))
        # the section where the chapter discusses the work, when the chapter's prose cites it
        place = f"{chapter}.html" + (f"#{section}" if chapter == w["chapter"] and section else "")
        rows.append({
            "Title": f'<a href="{html.escape(w["url"])}">{html.escape(w["title"])}</a>',
            "Authors": _text(w["short_authors"]),
            "Year": int(w["year"]),
            "Venue": _text(w["venue"]),
            "Task": f'<a href="{html.escape(place)}">{html.escape(w["task_title"])}</a>',
            "Direction": _text(DIRECTION_LABELS.get(w["direction"], w["direction"])),
            "Generator(s)": _text(w["generators"] or w["generators_cell"]),
            "Access": _text(w["generator_access"]),
            "Data kind": _text(w["data_kinds"] or w["data_kinds_cell"]),
            "Modality": _text(w["modalities"] or w["modalities_cell"]),
            "Dataset (size)": _text(" ".join(x for x in (w["dataset"], f'({w["dataset_size"]})'
                                                         if w["dataset_size"] else "") if x)),
            "BibTeX": f'<details><summary>BibTeX</summary><pre>{html.escape(entries[w["key"]])}</pre></details>',
        })
    return pd.DataFrame(rows)


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


def downloads() -> Markdown:
    files = [("references.bib", "the whole bibliography (BibTeX)"),
             ("works.csv", "every work with its data and bibliographic fields (CSV)")]
    items = [f'- <a href="../{EXPORTS}/{name}" download>{name}</a>: {what}' for name, what in files]
    items.append("- one BibTeX file per task chapter: " + ", ".join(
        f'<a href="../{EXPORTS}/{t.chapter}.bib" download>{t.chapter}.bib</a>' for t in load.tasks().itertuples()))
    return Markdown("\n".join(items))


# A link such as explorer.html?task=Evaluation pre-filters the table to one task category.
# (ITables' own initComplete hook is taken by its column filters, so this waits for the table.)
FILTER_FROM_URL = """<script type="module">
const task = new URLSearchParams(window.location.search).get("task");
if (task) {
  const { jQuery: $ } = await window.%(bundle)s;
  const table = document.getElementById("%(table)s");
  while (!table.classList.contains("dataTable")) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  $(table).DataTable().column(%(column)d).search(task).draw();
  const box = table.closest(".dt-container").querySelectorAll("thead input")[%(column)d];
  if (box) { box.value = task; }
}
</script>"""


def show(root=None) -> None:
    """Display the explorer table; its scripts are embedded in the page (no CDN)."""
    import itables
    from IPython.display import HTML, display

    frame = explorer_frame(root)
    task_column = list(frame.columns).index("Task")
    itables.init_notebook_mode(all_interactive=False, connected=False)
    itables.show(
        frame,
        table_id="explorer",
        allow_html=True,  # every cell was escaped by explorer_frame
        column_filters="header",
        maxBytes=0,  # never downsample: every work is listed
        showIndex=False,
        classes="display compact",
        pageLength=25,
        lengthMenu=[10, 25, 50, 100, 200],
        order=[],
        scrollX=True,
    )
    bundle = "_itables_" + itables.__version__.replace(".", "_").replace("-", "_")
    display(HTML(FILTER_FROM_URL % {"bundle": bundle, "table": "explorer", "column": task_column}))

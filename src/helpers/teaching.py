"""The teaching guide's table of labs and the lab gallery, made from each lab's own declarations
(helpers.labs) and the task order of data/tasks.csv, so that a new lab appears in both by itself."""
from __future__ import annotations

from . import labs, load
from .readers import svg_size


def _ordered(root=None) -> list[dict]:
    """The labs in the book's order (the order of their chapters in data/tasks.csv)."""
    order = {t.chapter: (t.order, t.title) for t in load.tasks(root).itertuples()}
    records = [r for r in labs.registry() if r["chapter"] in order]
    for record in records:
        record["task_order"], record["task_title"] = order[record["chapter"]]
    return sorted(records, key=lambda r: r["task_order"])


def guide_table(root=None):
    """The teaching guide's table of labs: chapter, mirrored works, skills, prerequisites, minutes."""
    from IPython.display import Markdown

    rows = ["| Lab | Chapter | Mirrors | Skills practised | Measures a tiny model | Minutes |",
            "|---|---|---|---|---|---|"]
    for r in _ordered(root):
        mirrors = f"{{cite:p}}`{','.join(r['mirrors'])}`" if r["mirrors"] else "—"
        rows.append(f"| {{doc}}`{r['chapter']}-lab` | {{doc}}`{r['chapter']}` | {mirrors} | {r['skills']} | "
                    f"{'yes' if r['measures'] else 'no'} | {r['minutes']} |")
    return Markdown("\n".join(rows))


def _data_uri(svg: str) -> str:
    """An SVG as a data URI for an <img>: only the characters a URI or the attribute would misread
    are escaped, so the image costs barely more than the drawing."""
    return "data:image/svg+xml;charset=utf-8," + svg.replace("%", "%25").replace("#", "%23").replace("'", "%27")


def gallery(root=None):
    """One card per lab: a thumbnail drawn by the lab's own code, its question, and a link to it.
    (The PDF edition shows a table of the same labs instead.)"""
    import html

    from .notebook import Editions
    from .tables import escape, markdown_table

    labs_in_order = _ordered(root)
    cards = []
    for r in labs_in_order:
        svg = r["module"].thumbnail().data
        alt = f"Thumbnail of the lab '{r['title']}', drawn by the lab's own code."
        # The drawing's own size, so the card has its height before the image is decoded (without
        # it the gallery's text moved down as each thumbnail appeared: a layout shift of 0.6)
        size = svg_size(svg)
        if size is None:
            raise ValueError(f"the thumbnail of the lab '{r['title']}' has no size: it cannot be given to the page")
        width, height = size
        cards.append(
            f'<figure class="lab-card"><a href="{r["chapter"]}-lab.html">'
            f"<img src='{_data_uri(svg)}' alt=\"{html.escape(alt)}\" width=\"{width}\" height=\"{height}\"></a>"
            f'<figcaption><a href="{r["chapter"]}-lab.html"><strong>{html.escape(r["title"])}</strong></a><br>'
            f'{html.escape(r["question"])} <em>({html.escape(r["task_title"])}; {r["minutes"]} min'
            f'{"; with a measurement" if r["measures"] else ""})</em></figcaption></figure>')
    style = ("<style>.lab-gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1.2rem}"
             ".lab-card{margin:0}.lab-card img{width:100%;height:auto;background:#fff;border:1px solid #ccc;"
             "border-radius:4px}.lab-card figcaption{font-size:.85rem;line-height:1.35;margin-top:.4rem}</style>")
    rows = [[f"{{doc}}`{r['chapter']}-lab`", escape(r["question"]), escape(r["task_title"]), str(r["minutes"]),
             "yes" if r["measures"] else "no"] for r in labs_in_order]
    printed = markdown_table(["Lab", "Question it answers", "Task", "Minutes", "Measures a tiny model"], rows)
    return Editions(style + '<div class="lab-gallery">' + "".join(cards) + "</div>", printed)

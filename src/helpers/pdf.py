"""The PDF edition: the LaTeX that Sphinx writes for the whole book, typeset by XeLaTeX.

`python -m helpers.build --pdf` (what `make pdf` runs) builds the book with Sphinx's LaTeX builder
from the same chapters, data, bibliography and execution cache as the web edition, then typesets it
here with latexmk. Three things differ from a stock Jupyter Book PDF:

* the SVG figures are kept as vector graphics (rsvg-convert turns each into a PDF), where myst-nb
  would fall back to the figure's text;
* every table gets column widths from its content, so that long tables wrap their cells instead of
  running off the page (Sphinx gives a table of more than 30 rows unwrapped columns);
* Sphinx's own document class replaces sphinx-jupyterbook-latex's, which loads bbm, pgfplots and
  TikZ (hundreds of MB of TeX packages) for macros the book never uses.

The LaTeX log is then read: an undefined reference or citation, or a line more than 10 pt too
wide, fails the build like a Sphinx warning does.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

# What typesetting needs, and the Debian package that provides each: the smallest set that works
# (about 80 MB to download; texlive-fonts-recommended only for a font hyperref loads with XeTeX).
TOOLS = {"xelatex": "texlive-xetex", "latexmk": "latexmk", "rsvg-convert": "librsvg2-bin"}
FONTS = {"FreeSerif": "fonts-freefont-otf",  # Sphinx's default fonts for XeLaTeX: GNU FreeFont
         "DejaVu Sans": "fonts-dejavu-core"}  # the figures' text (helpers.style), drawn by rsvg-convert
TEX_FILE = ("pzdr.tfm", "texlive-fonts-recommended")  # ZapfDingbats metrics: hyperref's XeTeX driver
APT = "sudo apt-get install --no-install-recommends " + " ".join([*TOOLS.values(), *FONTS.values(), TEX_FILE[1]])

# Sphinx settings of the PDF edition (added to _config.yml's by helpers.build).
SPHINX_CONFIG = {
    "latex_engine": "xelatex",
    # myst-nb offers LaTeX no SVG; with rsvg-convert's converter listed, SVG comes first.
    "nb_mime_priority_overrides": [["latex", "image/svg+xml", 5]],
    "jblatex_load_imgconverter": False,  # ImageMagick is not needed: rsvg-convert converts the SVGs
    "latex_show_urls": "no",
    "latex_domain_indices": False,
    "latex_use_xindy": False,
    "latex_elements": {
        "papersize": "a4paper",
        "pointsize": "10pt",
        "makeindex": "",  # the glossary's terms are index entries, but the book has no index
        "printindex": "",
        "sphinxsetup": "verbatimforcewraps=true, verbatimmaxunderfull=1",
        # The home page comes first, after the contents, with a heading of its own.
        "tableofcontents": "\\sphinxtableofcontents\n\\chapter*{Introduction}\\addcontentsline{toc}{chapter}"
                           "{Introduction}\\markboth{Introduction}{Introduction}",
        "preamble": "\n".join([
            # A word too long for a narrow table column may stick out a little rather than
            # leave a gaping line.
            r"\setlength{\emergencystretch}{3em}",
            # Tables in a slightly smaller type: the works tables have six columns.
            r"\AtBeginEnvironment{tabular}{\small}\AtBeginEnvironment{longtable}{\small}",
            # sphinx-jupyterbook-latex writes notebook cells in these environments and defines
            # them in its own class (not used, see the module's docstring): outputs are indented.
            r"\usepackage{changepage}",
            r"\newenvironment{sphinxVerbatimInput}{}{}",
            r"\newenvironment{sphinxVerbatimOutput}{\begin{adjustwidth}{1.5em}{}}{\end{adjustwidth}}",
            # Notes (the labs' exercises and solutions among them) between two rules, as Sphinx drew
            # them before 7.4, rather than in a frame: a code block inside a frame cannot break
            # across pages, and a solution's code and output can be longer than a page.
            r"\renewenvironment{sphinxnote}[1]{\begin{sphinxlightbox}\sphinxstrong{#1}\par}{\end{sphinxlightbox}}",
            r"\makeatletter",
            # Table cells ragged right: justified narrow columns leave gaps between words.
            r"\newcolumntype{\X}[2]{>{\raggedright\arraybackslash}p{\dimexpr"
            r"(\linewidth-\spx@arrayrulewidth)*#1/#2-\tw@\tabcolsep-\spx@arrayrulewidth\relax}}",
            # The bibliography is the content of the References chapter, not a chapter of its own.
            r"\patchcmd{\thebibliography}{\chapter*{\bibname}}{}{}{}",
            r"\renewenvironment{sphinxthebibliography}[1]{\phantomsection\begin{thebibliography}{#1}}"
            r"{\end{thebibliography}}",
            r"\makeatother",
        ]),
    },
}
EXTENSIONS = ("sphinxcontrib.rsvgconverter",)

OVERFULL_LIMIT = 10.0  # pt: what the eye catches in a margin
OVERFULL = re.compile(r"^Overfull \\[hv]box \((?P<points>[0-9.]+)pt too (?P<how>wide|high)\) (?P<where>.*)$", re.M)
UNDEFINED = re.compile(r"^(?:LaTeX|Package \w+) Warning: (?:Reference|Citation|Hyper reference) .*? undefined.*$", re.M)
SUMMARY = re.compile(r"^LaTeX Warning: There were undefined (?:references|citations)\.$", re.M)


def missing_tools() -> str | None:
    """One line saying what to install, or None when everything needed is on this machine."""
    missing = [name for name in TOOLS if shutil.which(name) is None]
    if shutil.which("fc-list"):
        missing += [f"the font {font}" for font in FONTS
                    if not subprocess.run(["fc-list", font], capture_output=True, text=True).stdout.strip()]
    if shutil.which("kpsewhich") and not subprocess.run(["kpsewhich", TEX_FILE[0]], capture_output=True, text=True).stdout.strip():
        missing.append(TEX_FILE[0])
    if not missing:
        return None
    return f"make pdf needs TeX ({', '.join(missing)} not found): {APT}"


def use_sphinx_class(app, config) -> None:
    """After sphinx-jupyterbook-latex's config-inited handler: Sphinx's manual class, not its own."""
    config.latex_theme = "manual"


LINE_CHARACTERS = 95  # what a line of the A4 page holds at 10 pt, in characters
CELL_PADDING = 3  # what a column's separation costs, in characters
LONG_TABLE_ROWS = 8  # a table with more rows may cross a page break (a longtable)
HREF = re.compile(r'^<a\s[^>]*\bhref="(?P<url>[^"]*)"[^>]*>$')
BREAK_AFTER = re.compile(r"(?<=[/._-])(?=\w)")  # where a long token (a URL, a DOI) may break
LONG_TOKEN = 16


def pieces(word: str) -> list[str]:
    """A word as the pieces a line may break it into (see print_transforms)."""
    return BREAK_AFTER.split(word) if len(word) > LONG_TOKEN else [word]


def column_widths(cells: list[list[str]]) -> list[int]:
    """Widths, in characters, for table columns with these cells' text: each column at least as wide
    as its longest word, the rest of the line shared in proportion to how much more each column's
    longest cell (capped) would take."""
    count = max(len(row) for row in cells)
    columns = [[row[i] if i < len(row) else "" for row in cells] for i in range(count)]
    # characters differ in width (capitals, digits, bold headers): a word gets a fifth more room
    least = [round(1.2 * max((len(piece) for text in column for word in text.split() for piece in pieces(word)),
                             default=1)) + 1 for column in columns]
    wanted = [max(min(max((len(text) for text in column), default=1), 60), low) for column, low in zip(columns, least)]
    room = LINE_CHARACTERS - CELL_PADDING * count
    if sum(wanted) <= room:
        return wanted
    if sum(least) >= room:  # too many columns for the line: the longest words decide
        return least
    spare = room - sum(least)
    extra = [w - low for w, low in zip(wanted, least)]
    return [low + round(spare * e / sum(extra)) for low, e in zip(least, extra)]


def print_transforms():
    """Post-transforms for the LaTeX output (the PDF edition):

    * links written as inline HTML (`<a href=...>text</a>`) become links when they point to another
      site, and go, text and all, when they point into the web edition (the explorer's filters);
    * a table column left with no text (the web edition's "record" links) is dropped, and every
      table gets column widths from its text (column_widths), so that Sphinx typesets wrapping
      columns; a table of more than LONG_TABLE_ROWS rows may break across pages."""
    from docutils import nodes
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class WebLinks(SphinxPostTransform):
        default_priority = 440
        formats = ("latex",)

        def run(self, **kwargs) -> None:
            for start in list(self.document.findall(nodes.raw)):
                found = HREF.match(start.astext().strip()) if "html" in start.get("format", "") else None
                if found is None or start.parent is None:
                    continue
                parent, index = start.parent, start.parent.index(start)
                inner, end = [], None
                for node in parent.children[index + 1:]:
                    if isinstance(node, nodes.raw) and node.astext().strip() == "</a>":
                        end = node
                        break
                    inner.append(node)
                if end is None:
                    continue
                for node in [start, *inner, end]:
                    parent.remove(node)
                if found["url"].startswith(("http://", "https://")):
                    parent.insert(index, nodes.reference("", "", *inner, refuri=found["url"]))
                elif isinstance(parent, nodes.paragraph) and not parent.astext().strip():
                    parent.parent.remove(parent)

    class TableWidths(SphinxPostTransform):
        default_priority = 450
        formats = ("latex",)

        def run(self, **kwargs) -> None:
            for table in list(self.document.findall(nodes.table)):
                if "colwidths-given" in table["classes"]:
                    continue
                for group in table.findall(nodes.tgroup):
                    self.fit(group)
                table["classes"].append("colwidths-given")
                rows = sum(len(body.children) for body in table.findall(nodes.tbody))
                boxed = any(isinstance(a, (nodes.Admonition, nodes.Sequential, nodes.table)) for a in _ancestors(table))
                if rows > LONG_TABLE_ROWS and not boxed:
                    table["classes"].append("longtable")

        def fit(self, group) -> None:
            specs = [c for c in group.children if isinstance(c, nodes.colspec)]
            body = [row.children for body in group.findall(nodes.tbody) for row in body.children]
            empty = [i for i in range(len(specs)) if body and all(
                len(cells) <= i or not cells[i].astext().strip() for cells in body)]
            for index in reversed(empty):
                group.remove(specs.pop(index))
                for row in group.findall(nodes.row):
                    if len(row.children) > index:
                        row.remove(row.children[index])
            group["cols"] = len(specs)
            for text in list(group.findall(nodes.Text)):
                self.allow_breaks(text)
            cells = [["".join(t.astext() for t in entry.findall(nodes.Text) if not isinstance(t.parent, nodes.raw))
                      for entry in row.children] for row in group.findall(nodes.row)]
            for spec, width in zip(specs, column_widths(cells)):
                spec["colwidth"] = width

        @staticmethod
        def allow_breaks(text) -> None:
            """Let a long token in a table cell (a DOI, a URL written out) break after / . _ -."""
            if isinstance(text.parent, (nodes.raw, nodes.literal_block)) or not any(
                    len(word) > LONG_TOKEN for word in text.astext().split()):
                return
            parts = []
            for word in re.split(r"(\s+)", text.astext()):
                for index, piece in enumerate(pieces(word)):
                    if index:
                        parts.append(nodes.raw("", r"\allowbreak{}", format="latex"))
                    parts.append(nodes.Text(piece))
            text.parent.replace(text, parts)

    return [WebLinks, TableWidths]


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


PAGE_LABEL = re.compile(r"\\label\{\\detokenize\{(chapters/[^:}]+)::doc\}\}")
TEX_LINES = re.compile(r"lines? (\d+)(?:--(\d+))?")


def source_of(tex: str, first: int, last: int) -> str:
    """The chapter that lines first..last of the LaTeX file come from, and their first line of text."""
    lines = tex.splitlines()
    page = next((m.group(1) for text in reversed(lines[:last]) for m in [PAGE_LABEL.search(text)] if m), None)
    chosen = [t.strip() for t in lines[first - 1:last] if t.strip() and not t.strip().startswith("\\")]
    text = (chosen or [lines[last - 1].strip() if 0 < last <= len(lines) else ""])[0][:80]
    return f" (from {page}.md: {text!r})" if page else ""


def log_problems(log: str, name: str = "book.log", tex: str | None = None) -> list[str]:
    """What in a LaTeX log fails the build: undefined references or citations, and lines or pages
    more than OVERFULL_LIMIT too wide or tall (underfull boxes and badness are allowed). With the
    LaTeX source, each overfull box names the chapter it comes from."""
    problems = [f"{name}: {line.strip()}" for line in UNDEFINED.findall(log)]
    problems += [f"{name}: {line.strip()}" for line in SUMMARY.findall(log)]
    for found in OVERFULL.finditer(log):
        if float(found["points"]) > OVERFULL_LIMIT:
            what = "a line" if found["how"] == "wide" else "a page"
            line = TEX_LINES.search(found["where"])
            where = source_of(tex, int(line.group(1)), int(line.group(2) or line.group(1))) if tex and line else ""
            problems.append(f"{name}: {what} {found['points']} pt too {found['how']} {found['where'].strip()}{where}")
    return problems


def unnumbered_parts(root: Path) -> list[str]:
    """Captions of the parts of _toc.yml that the web edition does not number (the back matter)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [part["caption"] for part in toc.get("parts", []) if not part.get("numbered") and part.get("caption")]


def letter_appendices(tex: str, captions: list[str]) -> str:
    """The chapters from the first unnumbered part on become appendices (A, B, ...), as the web
    edition leaves them unnumbered: `\\appendix` after that part's heading."""
    from sphinx.util.texescape import escape

    for caption in captions:
        heading = "\\part{" + escape(caption) + "}"
        if heading in tex:
            return tex.replace(heading, heading + "\\appendix", 1)
    return tex


def typeset(latex_dir: Path, name: str = "book", appendices: list[str] = ()) -> tuple[Path | None, list[str]]:
    """Run latexmk (XeLaTeX, as many passes as the references need) on `name`.tex in `latex_dir`,
    the parts captioned in `appendices` lettered; return the PDF, or None, and the problems found."""
    source = latex_dir / f"{name}.tex"
    source.write_text(letter_appendices(source.read_text(encoding="utf-8"), list(appendices)), encoding="utf-8")
    env = dict(os.environ)
    # a fixed SOURCE_DATE_EPOCH also fixes the dates xdvipdfmx writes into the PDF
    if "SOURCE_DATE_EPOCH" in env:
        env.setdefault("FORCE_SOURCE_DATE", "1")
    # latexmk remembers a failed run and would not try again on unchanged sources
    (latex_dir / f"{name}.fdb_latexmk").unlink(missing_ok=True)
    command = ["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"]
    result = subprocess.run(command, cwd=latex_dir, env=env, capture_output=True, text=True, errors="replace")
    log_path = latex_dir / f"{name}.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    pdf = latex_dir / f"{name}.pdf"
    if result.returncode != 0 or not pdf.is_file():
        errors = [line for line in log.splitlines() if line.startswith(("!", "l."))]
        detail = "\n".join(errors[:10]) or result.stdout[-2000:]
        return None, [f"{log_path}: XeLaTeX failed (latexmk exit {result.returncode}):\n{detail}"]
    return pdf, log_problems(log, str(log_path), (latex_dir / f"{name}.tex").read_text(encoding="utf-8"))

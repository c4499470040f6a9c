"""Rebuild correctness on a small copy of the book: which notebooks run after which edit, that
every page shows the edit, and that two clean builds give the same bytes. (Speed is measured by
benchmarks/rebuild.py, not here.)"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import build_book, build_once, copy_book, read_rows, rebuildable_copy, write_rows

pytestmark = pytest.mark.book

SMALL_TOC = """format: jb-book
root: chapters/intro
parts:
  - caption: Part
    numbered: true
    chapters:
      - file: chapters/preliminaries
      - file: chapters/chart
      - file: chapters/video
  - caption: Back matter
    chapters:
      - file: chapters/references
"""
USES_DATA = ["chapters/chart.md", "chapters/intro.md", "chapters/video.md"]


STUB_CHAPTER = """# {title}

A short page of prose, standing in for the real chapter, whose links reach pages outside this
small book.

```{{code-cell}} ipython3
from helpers import tables

tables.works_table("{task}")
```
"""


STUB_INTRO = """# Introduction

A short home page that reads the data, standing in for the real one.

```{code-cell} ipython3
from helpers import tables

tables.corpus_facts()
```
"""


STUB_NO_DATA = """# Preliminaries

A page with code that reads no data, so a data edit must not re-run it.

```{code-cell} ipython3
print(sum(range(10)))
```
"""


def small_book(path: Path) -> Path:
    """The real data, with the home page and two task chapters reduced to code that reads it, and
    one page whose code reads no data (the real pages link to pages outside this small book). Every
    other page becomes a one-line stub, listed in a part of its own (every page must be in the ToC)."""
    root = copy_book(path)
    kept = {"intro", "preliminaries", "chart", "video", "references"}
    stubs = sorted(p.stem for p in (root / "chapters").glob("*.md") if p.stem not in kept)
    for name in stubs:
        (root / "chapters" / f"{name}.md").write_text(f"# Stub {name}\n", encoding="utf-8")
    listing = "".join(f"      - file: chapters/{name}\n" for name in stubs)
    (root / "_toc.yml").write_text(SMALL_TOC + "  - caption: Stubs\n    chapters:\n" + listing, encoding="utf-8")
    front_matter = (root / "chapters" / "chart.md").read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n\n"
    (root / "chapters" / "intro.md").write_text(front_matter + STUB_INTRO, encoding="utf-8")
    for task, title in (("chart", "Chart Understanding"), ("video", "Video-Centric Tasks")):
        (root / "chapters" / f"{task}.md").write_text(front_matter + STUB_CHAPTER.format(title=title, task=task),
                                                      encoding="utf-8")
    (root / "chapters" / "preliminaries.md").write_text(front_matter + STUB_NO_DATA, encoding="utf-8")
    return root


def build(root: Path) -> str:
    result = build_book(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Executing notebook using" not in result.stdout, "myst-nb executed a notebook itself"
    # Sphinx, started while the notebooks run, looks at pages only once they have all run (it
    # says which pages it reads after the word to go, which follows the report of the runs, on
    # a line of its own)
    if "updating environment" in result.stdout:
        assert re.search(r"^executed \d+ notebook", result.stdout, flags=re.M), result.stdout[-3000:]
        assert result.stdout.index("executed ") < result.stdout.index("updating environment"), result.stdout[-3000:]
    return result.stdout


def executed(root: Path) -> list[str]:
    return json.loads((root / "_build" / ".staging" / "execution.json").read_text())["executed"]


def page(root: Path, name: str) -> str:
    return (root / "_build" / "html" / "chapters" / f"{name}.html").read_text(encoding="utf-8")


def site_digest(root: Path) -> dict[str, str]:
    html = root / "_build" / "html"
    return {p.relative_to(html).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(html.rglob("*")) if p.is_file()}


def _build_small_book(folder: Path) -> None:
    root = small_book(folder / "book")
    build(root)


@pytest.fixture(scope="session")
def small_built(request, tmp_path_factory) -> Path:
    """The small book after one clean build, made once per test run; copy it before editing."""
    return build_once(request, tmp_path_factory, "small-built", _build_small_book) / "book"


def test_each_edit_reexecutes_exactly_the_notebooks_that_depend_on_it(small_built, tmp_path):
    root = rebuildable_copy(small_built, tmp_path / "book")
    assert executed(root) == sorted(USES_DATA + ["chapters/preliminaries.md"])

    before = site_digest(root)
    assert "up to date" in build(root)
    assert site_digest(root) == before

    chart = root / "chapters" / "chart.md"
    sitemap = (root / "_build" / "html" / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("<loc>") == len(list((root / "_build" / "html" / "chapters").glob("*.html"))) + 2
    for sentence in ("A sentence added by the prose test.", "A second one."):
        chart.write_text(chart.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
        build(root)
        assert executed(root) == []
        assert sentence in page(root, "chart")
        # Every page is still listed, not only the ones this build wrote (helpers.sitemap). The
        # first edit rewrites every page (the copy's folder is new to Sphinx), the second only two.
        assert (root / "_build" / "html" / "sitemap.xml").read_text(encoding="utf-8") == sitemap

    rows = read_rows(root, "papers")
    next(r for r in rows if r["task"] == "video")["dataset"] = "DATAEDIT2718"
    write_rows(root, "papers", rows)
    build(root)
    # only the page that shows the cell: intro counts works, chart shows other works
    # (helpers.reads records what each page read; helpers.dependencies keys it)
    assert executed(root) == ["chapters/video.md"]
    assert "DATAEDIT2718" in page(root, "video")

    key = next(r["key"] for r in read_rows(root, "papers") if r["task"] == "chart")
    bib = root / "references.bib"
    text = bib.read_text(encoding="utf-8")
    entry = re.search(r"@\w+\{" + re.escape(key) + r",.*?\n\s*title\s*=\s*\{\{", text, flags=re.S)
    bib.write_text(text[:entry.end()] + "Bibedit1618 " + text[entry.end():], encoding="utf-8")
    build(root)
    assert executed(root) == ["chapters/chart.md"]  # the only page that shows that title
    assert "Bibedit1618" in page(root, "chart")

    text = chart.read_text(encoding="utf-8")
    chart.write_text(text.replace('tables.works_table("chart")', 'print("CODEEDIT3141")\ntables.works_table("chart")'),
                     encoding="utf-8")
    build(root)
    assert executed(root) == ["chapters/chart.md"]
    assert "CODEEDIT3141" in page(root, "chart")
    assert "DATAEDIT2718" in page(root, "video")  # still there: nothing stale, nothing lost

    # After all these incremental builds, every page is the page a clean build of the same sources
    # writes (figure numbers kept by helpers.numbering included)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_build"))
    build(clean)
    incremental, fresh = site_digest(root), site_digest(clean)
    pages = sorted(name for name in fresh if name.endswith(".html"))
    assert [name for name in pages if incremental.get(name) != fresh[name]] == []


def test_two_clean_builds_are_byte_identical(small_built, tmp_path):
    root = small_book(tmp_path / "book")
    build(root)
    first, second = site_digest(small_built), site_digest(root)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_data_edit_and_new_citation_show_up_after_a_plain_rebuild(small_built, tmp_path):
    """Stock JB1 serves stale tables here; the build hooks must not."""
    root = rebuildable_copy(small_built, tmp_path / "book")
    papers = read_rows(root, "papers")
    edited = next(p for p in papers if p["task"] == "video")
    marker = "STALECHECK4711"
    edited["dataset"] = marker
    new_key = "zebra2024testwork"
    papers.append(dict(edited, key=new_key, dataset="", summary="A test work."))
    write_rows(root, "papers", papers)
    with (root / "references.bib").open("a", encoding="utf-8") as handle:
        handle.write("\n@misc{zebra2024testwork,\n\ttitle = {{Zebra Crossing Test Work}},\n"
                     "\tauthor = {Zed Zebra},\n\tyear = {2024},\n\teprint = {2499.99999},\n"
                     "\tarchiveprefix = {arXiv},\n\turl = {https://arxiv.org/abs/2499.99999}\n}\n")
    build(root)
    chapter = page(root, "video")
    assert marker in chapter
    assert f"references.html#cite-{new_key}" in chapter
    references = page(root, "references")
    assert f'id="cite-{new_key}"' in references and "Zebra Crossing Test Work" in references
    assert re.search(rf"works\W+{len(papers)}\b", page(root, "intro"))  # the count followed the data
    # the downloads and the explorer's records, written beside Sphinx by the build, followed too
    site = root / "_build" / "html"
    assert marker in (site / "exports" / "works.csv").read_text(encoding="utf-8")
    assert "Zebra Crossing Test Work" in (site / "exports" / "references.bib").read_text(encoding="utf-8")
    [details] = (site / "_static" / "explorer").glob("details-*.json")
    assert marker in details.read_text(encoding="utf-8")


def test_two_builds_started_together_do_not_interleave(tmp_path):
    """`make book` twice at once in one folder: the second waits for the first's lock, then finds
    the book up to date; _build/ holds one complete site."""
    import subprocess
    import sys
    import time

    root = small_book(tmp_path / "book")
    command = [sys.executable, "-m", "helpers.build", str(root)]
    first = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lock = root / "_build" / ".build.lock"
    deadline = time.monotonic() + 60
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # start the second one once the first holds the lock
    second = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out_first, out_second = first.communicate(timeout=600)[0], second.communicate(timeout=600)[0]
    assert first.returncode == 0 and second.returncode == 0, out_first[-2000:] + out_second[-2000:]
    assert "book built" in out_first
    assert "waiting for it to finish" in out_second and "book is up to date" in out_second, out_second[-2000:]
    assert "executed" not in out_second
    assert executed(root) == sorted(USES_DATA + ["chapters/preliminaries.md"])
    assert not (root / "_build" / "html.new").exists() and not (root / "_build" / "html.old").exists()


CLAIMED = """
Not one of the chart works here builds preference pairs for
alignment.

```{code-cell} ipython3
:tags: [remove-cell]
from helpers import claims
claims.none_have("Not one of the chart works here builds preference pairs", claims.works(task="chart"),
                 "data_kinds", "preference-pairs")
```
"""


def test_a_data_edit_that_makes_a_sentence_false_stops_the_build_and_names_it(small_built, tmp_path):
    root = rebuildable_copy(small_built, tmp_path / "book")
    chart = root / "chapters" / "chart.md"
    chart.write_text(chart.read_text(encoding="utf-8") + CLAIMED, encoding="utf-8")
    build(root)  # the sentence holds on the real data
    published = site_digest(root)
    line = chart.read_text(encoding="utf-8").splitlines().index("Not one of the chart works here builds preference pairs for") + 1

    rows = read_rows(root, "papers")
    work = next(r for r in rows if r["task"] == "chart")
    work["data_kinds"] += ";preference-pairs"
    write_rows(root, "papers", rows)
    result = build_book(root)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (f"chapters/chart.md:{line}: claim failed: «Not one of the chart works here builds preference pairs»: "
            f"1 of ") in output, output[-3000:]
    assert work["key"] in output  # the work that contradicts it is named
    assert "Traceback" not in output
    assert site_digest(root) == published  # the site a reader sees is the last good one
    # Nothing of the stopped build lives on: the Sphinx process started early (and the helper
    # process that sphinx-sitemap forks from it) has ended (build_book returns only when every
    # process holding its output has; the timeout turns a wait for a stray one into a failure).
    import psutil

    assert not [p.info["cmdline"] for p in psutil.process_iter(["cmdline"]) if str(root) in " ".join(p.info["cmdline"] or [])]


def test_data_validated_before_are_not_trusted_after_an_edit(small_built, tmp_path):
    """The build skips validating data bytes that passed before; an edit changes the bytes, so the
    problem it brings is reported, on this build and on the next one."""
    root = rebuildable_copy(small_built, tmp_path / "book")
    assert (root / "_build" / ".validated").is_file()  # the first build remembered its data
    rows = read_rows(root, "papers")
    rows[3]["direction"] = "sideways"
    write_rows(root, "papers", rows)
    for _ in range(2):
        result = build_book(root)
        assert result.returncode == 1
        assert "data/papers.csv:5: direction: 'sideways'" in result.stderr, result.stderr[-2000:]


def test_make_serve_reloads_the_open_page_after_a_prose_edit(small_built, tmp_path, browser):
    """`make serve` (helpers.serve): a saved edit is rebuilt and the open page reloads by itself,
    also when the page's reload socket connects only while the build runs (as on a loaded machine,
    where the page opened just before the save: the socket's handshake must not wait for the build)."""
    import queue
    import socket
    import subprocess
    import sys
    import threading
    import time

    root = rebuildable_copy(small_built, tmp_path / "book")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "helpers.serve", "--port", str(port)], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    printed: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()

    def wait_for_line(words: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                printed.append(lines.get(timeout=0.5))
            except queue.Empty:
                continue
            if words in printed[-1]:
                return
        raise AssertionError(f"make serve printed no {words!r}:\n" + "".join(printed[-40:]))

    # The page's reload socket is held: what the page sends is kept until it is let through.
    held: dict = {"page": None, "server": None, "sent": []}

    def hold(route) -> None:
        held["page"] = route

        def from_page(message) -> None:
            (held["server"].send if held["server"] else held["sent"].append)(message)

        route.on_message(from_page)

    try:
        page_in_browser = browser.new_page()
        page_in_browser.route_web_socket("**/livereload", hold)
        url = f"http://127.0.0.1:{port}/chapters/chart.html"
        deadline = time.monotonic() + 60
        while True:  # the server starts after its first (up-to-date) build
            try:
                page_in_browser.goto(url)
                break
            except Exception:  # noqa: BLE001 - not listening yet
                assert time.monotonic() < deadline and server.poll() is None, "make serve did not start"
                time.sleep(0.5)
        page_in_browser.wait_for_function("window.LiveReload !== undefined", timeout=10_000)
        for _ in range(200):  # the page opens its socket (later on a busy machine)
            if held["page"] is not None:
                break
            page_in_browser.wait_for_timeout(100)
        assert held["page"] is not None, "the page opened no reload socket in 20 s"
        chart = root / "chapters" / "chart.md"
        chart.write_text(chart.read_text(encoding="utf-8") + "\nA sentence saved while serving.\n", encoding="utf-8")
        wait_for_line("executed", 60)  # the rebuild has started (Sphinx still has the pages to write)
        held["server"] = held["page"].connect_to_server()
        for message in held["sent"]:
            held["server"].send(message)
        # no goto, no reload from here: the page must reload itself once the rebuild is done (while
        # it reloads, the new document may have no body yet)
        try:
            page_in_browser.wait_for_function(
                "document.body?.innerText.includes('A sentence saved while serving.')", timeout=90_000)
        except Exception as error:
            while not lines.empty():
                printed.append(lines.get())
            raise AssertionError(f"the page did not reload; make serve printed:\n{''.join(printed[-40:])}") from error
    finally:
        server.terminate()
        server.wait(timeout=30)


SPARE_SCENARIO = """
import json, sys
from pathlib import Path
from helpers import build

root, kind = Path(sys.argv[1]), sys.argv[2]
spare = build.start_spare(root)
if kind == "prose":
    chart = root / "chapters" / "chart.md"
    chart.write_text(chart.read_text(encoding="utf-8") + "\\nA sentence for the spare.\\n", encoding="utf-8")
else:  # a setting that Sphinx reads at start-up, before it waits
    config = root / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("Bridging", "Spanning", 1), encoding="utf-8")
status = build.main([str(root)], spare=spare)
print(json.dumps({"status": status, "taken": spare.taken, "spare_exit": spare.process.wait()}))
"""


@pytest.mark.parametrize("kind", ["prose", "config"])
def test_a_spare_sphinx_process_builds_only_while_what_it_read_is_unchanged(small_built, tmp_path, kind):
    """`make serve` starts the next build's Sphinx process ahead (helpers.build.start_spare). It
    builds a prose edit; after an edit of what it read at start-up it is ended and a fresh one
    builds, so the page shows the new setting."""
    import subprocess
    import sys

    root = rebuildable_copy(small_built, tmp_path / "book")
    result = subprocess.run([sys.executable, "-c", SPARE_SCENARIO, str(root), kind], capture_output=True, text=True,
                            timeout=600)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == 0 and report["taken"], result.stdout[-2000:] + result.stderr[-2000:]
    if kind == "prose":
        assert report["spare_exit"] == 0  # the spare built it
        assert "A sentence for the spare." in page(root, "chart")
    else:
        assert report["spare_exit"] != 0  # ended unused: it had read the old title
        assert "Spanning Vision-Language Models" in page(root, "chart")

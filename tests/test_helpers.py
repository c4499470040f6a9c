"""Unit tests of the helpers package on the real catalogue and on small edited copies."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import read_rows, svg_background, write_rows
from helpers import build, figures, load, paths, tables
from helpers.problems import InputError

REPO = Path(__file__).resolve().parents[1]


def test_catalogue_has_one_row_per_surveyed_work():
    works = load.catalogue(REPO)
    rows = read_rows(REPO, "papers")
    assert len(works) == len(rows) == 125
    assert set(works["key"]) == {r["key"] for r in rows}
    assert works["key"].is_unique


def test_catalogue_joins_bibliography_fields(book):
    bib = book / "references.bib"
    text = bib.read_text(encoding="utf-8")
    key = read_rows(book, "papers")[0]["key"]
    start = text.index("{" + key + ",")
    end = text.index("\n}", start)
    entry = (
        "@inproceedings{" + key + ",\n\ttitle = {{A {Braced} Title \\& More}},\n"
        "\tauthor = {Ada Lovelace and Grace Hopper and Alan Turing},\n\tyear = {2024},\n"
        "\tbooktitle = {Conference on Testing (ConfT)},\n\turl = {https://example.org/paper}"
    )
    bib.write_text(text[: text.rindex("@", 0, start)] + entry + text[end:], encoding="utf-8")
    row = load.catalogue(book).set_index("key").loc[key]
    assert row["title"] == "A Braced Title & More"
    assert row["authors"] == ["Ada Lovelace", "Grace Hopper", "Alan Turing"]
    assert row["short_authors"] == "Lovelace et al."
    assert row["year"] == 2024
    assert row["venue"] == "ConfT"


def test_lists_are_split_and_generator_access_is_derived(book):
    papers = read_rows(book, "papers")
    papers[0].update(generators="GPT-4V; Stable Diffusion", data_kinds="images;captions")
    write_rows(book, "papers", papers)
    row = load.catalogue(book).set_index("key").loc[papers[0]["key"]]
    assert row["generators"] == ["GPT-4V", "Stable Diffusion"]
    assert row["data_kinds"] == ["images", "captions"]
    assert row["generator_access"] == ["closed-api", "open-weights"]
    assert row["generator_kinds"] == ["diffusion", "vlm"]


def test_catalogue_refuses_invalid_data(book):
    (book / "data" / "tasks.csv").write_text("id,title,order,chapter\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load.catalogue(book)
    assert "data/papers.csv" in str(raised.value)


def test_short_authors():
    assert load.short_authors(["Ada Lovelace"]) == "Lovelace"
    assert load.short_authors(["Ada Lovelace", "Alan Turing"]) == "Lovelace and Turing"
    assert load.short_authors(["A B", "C D", "E F"]) == "B et al."


@pytest.mark.parametrize("raw", ["<script>alert(1)</script>", "a | b", "R&D {cite}`x` *bold* $x$"])
def test_escape_neutralises_markdown_and_html(raw):
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(tables.escape(raw))
    assert "<script>" not in html and "<em>" not in html and "<code>" not in html
    text = re.sub(r"<[^>]+>", "", html).strip()
    assert text == raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_works_table_lists_exactly_the_works_of_its_task():
    rows = read_rows(REPO, "papers")
    for task in {r["task"] for r in rows}:
        markdown = tables.works_table(task, REPO).data
        cited = re.findall(r"\{cite:t\}`([^`]+)`", markdown)
        expected = [r["key"] for r in rows if r["task"] == task]
        assert sorted(cited) == sorted(expected), task
        table = markdown.split("\n\n", 1)[1]
        assert table.count("\n") == len(expected) + 1  # header, rule, one line per work
        assert markdown.startswith('<a href="explorer.html?task=')


def test_works_table_rejects_unknown_task():
    with pytest.raises(ValueError, match="no works for task 'nope'"):
        tables.works_table("nope", REPO)


def test_figures_are_deterministic_opaque_svgs():
    for draw in (figures.works_per_task, figures.works_per_year):
        first, second = draw(REPO).data, draw(REPO).data
        assert first == second, draw.__name__
        assert first.lstrip().startswith("<?xml") or "<svg" in first[:500]
        assert "<dc:date>" not in first  # no timestamp
        # the first shape is the figure's own white background, so it never shows through
        assert svg_background(first) == "#ffffff", draw.__name__


def test_works_per_task_follows_the_data(book):
    before = figures.works_per_task(book).data
    assert "<title>Surveyed works per task category</title>" in before
    papers = book / "data" / "papers.csv"
    lines = papers.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[1] = "chart" if cells[1] != "chart" else "video"  # move one work to another category
    lines[1] = ",".join(cells)
    papers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert figures.works_per_task(book).data != before


def test_fingerprint_changes_with_any_data_file(book):
    before = load.fingerprint(book)
    (book / "data" / "background.csv").write_text("key,why\n\n", encoding="utf-8")
    assert load.fingerprint(book) != before


def test_page_kind_and_fingerprint_cell():
    assert build.page_kind("```{code-cell}\nfrom helpers import tables\n```") == "data"
    assert build.page_kind("```{code-cell}\nfrom helpers.labs import chart\n```") == "code"
    assert build.page_kind("# Prose only\n") is None
    cell = build.fingerprint_cell("abc123")
    assert "abc123" in cell and ":tags: [remove-cell]" in cell and cell.strip().endswith("```")


def test_project_root_is_found_from_a_chapter_folder(book, monkeypatch):
    monkeypatch.delenv(paths.ROOT_ENV, raising=False)
    monkeypatch.chdir(book / "chapters")
    assert paths.project_root() == book.resolve()
    monkeypatch.setenv(paths.ROOT_ENV, str(REPO))
    assert paths.project_root() == REPO


def test_publish_replaces_the_site_in_one_step(tmp_path):
    built = tmp_path / "built"
    built.mkdir()
    (built / "index.html").write_text("new", encoding="utf-8")
    target = tmp_path / "html"
    target.mkdir()
    (target / "stale.html").write_text("old", encoding="utf-8")
    build.publish(built, target)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert not (tmp_path / "html.new").exists() and not (tmp_path / "html.old").exists()


def test_publish_links_unchanged_files_and_never_shares_a_file_the_build_writes(tmp_path):
    built, target = tmp_path / "built", tmp_path / "html"
    built.mkdir()
    (built / "same.html").write_text("unchanged", encoding="utf-8")
    (built / "page.html").write_text("first", encoding="utf-8")
    build.publish(built, target)
    first_inode = (target / "same.html").stat().st_ino
    (built / "page.html").write_text("second", encoding="utf-8")  # written in place, as Sphinx does
    build.publish(built, target)
    assert (target / "same.html").stat().st_ino == first_inode  # linked from the old site, not copied
    assert (target / "page.html").read_text(encoding="utf-8") == "second"
    for name in ("same.html", "page.html"):  # the site never shares a file with the build folder
        assert (target / name).stat().st_ino != (built / name).stat().st_ino
    (built / "same.html").write_text("edited in place after publishing", encoding="utf-8")
    assert (target / "same.html").read_text(encoding="utf-8") == "unchanged"


def test_generators_by_data_kind_is_deterministic_and_task_specific():
    first = figures.generators_by_data_kind("instruction-tuning", REPO).data
    assert first == figures.generators_by_data_kind("instruction-tuning", REPO).data
    assert first != figures.generators_by_data_kind("evaluation", REPO).data
    assert "<title>Generators and the kinds of data they produced</title>" in first
    with pytest.raises(ValueError, match="no works for task"):
        figures.generators_by_data_kind("nope", REPO)


def test_works_per_year_can_be_limited_to_one_task():
    assert figures.works_per_year(REPO, task="chart").data != figures.works_per_year(REPO).data


def test_explorer_records_escape_what_they_render_and_keep_data_as_data(book):
    """The details HTML is escaped here; titles travel as data (the page's script escapes them) and
    the JSON cannot end its <script> block early."""
    from helpers.explorer import records, show

    bib = book / "references.bib"
    text = bib.read_text(encoding="utf-8")
    key = read_rows(book, "papers")[0]["key"]
    start = text.index("{" + key + ",")
    title_start = text.index("title = {{", start) + len("title = {{")
    title_end = text.index("}}", title_start)
    bib.write_text(text[:title_start] + "</script><script>alert(1)</script> R&D" + text[title_end:], encoding="utf-8")
    works = {r["key"]: r for r in records(book)}
    assert works[key]["title"].startswith("</script><script>alert(1)")
    assert "<script" not in works[key]["details"] and "&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D" in works[key]["details"]
    page = show(book).web
    assert page.count("<script") == page.count("</script>") == 2  # the title's tags stayed inside the data


def test_explorer_page_names_its_details_file_which_holds_every_record(book, tmp_path):
    """The records' details are a file of the site, not part of the page: the page names the file
    by a digest of its content, write_details writes that very file and removes older ones."""
    import json

    from helpers.explorer import records, show, write_details

    page = show(book).web
    data = json.loads(re.search(r'id="explorer-data">(.*?)</script>', page, re.S).group(1))
    assert data["works"] and not any("details" in work for work in data["works"])
    name = re.search(r'data-details="\.\./_static/explorer/(details-[0-9a-f]{16}\.json)"', page).group(1)
    folder = tmp_path / "explorer"
    folder.mkdir()
    (folder / "details-0000000000000000.json").write_text("{}", encoding="utf-8")  # an older build's
    written = write_details(folder, book)
    assert [p.name for p in folder.iterdir()] == [name] == [written.name]
    details = json.loads(written.read_text(encoding="utf-8"))
    assert details == {r["key"]: r["details"] for r in records(book)}
    assert sorted(details) == sorted(w["key"] for w in data["works"])


def test_similar_works_share_facets_and_are_deterministic(book):
    from helpers.explorer import records

    first, second = records(book), records(book)
    assert [r["similar"] for r in first] == [r["similar"] for r in second]
    works = {r["key"]: r for r in first}
    for record in first[:20]:
        assert len(record["similar"]) == 5 and record["key"] not in record["similar"]
        best = works[record["similar"][0]]
        shared = sum(len(set(record["facets"][f]) & set(best["facets"][f])) for f in ("task", "direction", "kind"))
        assert shared >= 1


def test_corpus_facts_follow_the_csv():
    rows = read_rows(REPO, "papers")
    facts = tables.corpus_facts(REPO)
    assert facts["works"] == len(rows)
    assert facts["tasks"] == len({r["task"] for r in rows})
    for name, value in (("vlm_generates", "vlm-generates"), ("for_vlm", "for-vlm"), ("both", "both"),
                        ("direction_unknown", "unknown")):
        assert facts[name] == sum(r["direction"] == value for r in rows), name
    assert facts["peer_reviewed"] + facts["preprints"] == len(rows)
    assert facts["generator_unknown"] == sum(r["generators"] in ("", "unknown") for r in rows)


def test_corrections_table_has_one_row_per_correction():
    corrections = read_rows(REPO, "corrections")
    markdown = tables.corrections_table(REPO).data
    body = markdown.splitlines()[2:]
    assert len(body) == len(corrections)
    assert all(line.startswith("| {cite:t}`") and '<a href="https://' in line for line in body)


def test_corpus_figures_are_deterministic():
    for draw in (figures.generators_per_year, figures.venues, figures.data_kinds):
        assert draw(REPO).data == draw(REPO).data, draw.__name__
        assert "<title>" in draw(REPO).data


def test_an_edit_of_the_explorer_script_or_site_css_rebuilds_the_book(tmp_path, monkeypatch):
    """Those files are copied into every build; the inputs hash must see them, or `make book`
    would answer "up to date" and keep serving the old script."""
    from helpers import build

    static = tmp_path / "static"
    (static / "site").mkdir(parents=True)
    (static / "explorer.js").write_text("let a = 1;\n", encoding="utf-8")
    (static / "site" / "survey.css").write_text("a { color: red }\n", encoding="utf-8")
    monkeypatch.setattr(build, "STATIC", static)
    before = build.inputs_digest(REPO)
    (static / "explorer.js").write_text("let a = 2;\n", encoding="utf-8")
    after_script = build.inputs_digest(REPO)
    (static / "site" / "survey.css").write_text("a { color: blue }\n", encoding="utf-8")
    assert len({before, after_script, build.inputs_digest(REPO)}) == 3


def test_an_edit_of_the_site_css_alone_rewrites_every_page(tmp_path, monkeypatch):
    """Sphinx copies static files only when it writes pages; without this, a CSS edit would be built
    as "no targets are out of date" and never reach the site."""
    from types import SimpleNamespace

    from helpers import build

    static = tmp_path / "static"
    static.mkdir()
    (static / "survey.css").write_text("a { color: red }\n", encoding="utf-8")
    monkeypatch.setattr(build, "STATIC", static)
    env = SimpleNamespace(found_docs={"chapters/a", "chapters/b"}, survey_data_fingerprints={})
    app = SimpleNamespace(survey_fingerprints={})
    build._on_env_get_outdated(app, env, set(), set(), set())  # a first build records the digest
    assert build._on_env_get_outdated(app, env, set(), set(), set()) == []
    (static / "survey.css").write_text("a { color: blue }\n", encoding="utf-8")
    assert build._on_env_get_outdated(app, env, set(), set(), set()) == ["chapters/a", "chapters/b"]
    assert build._on_env_get_outdated(app, env, set(), set(), set()) == []


def test_documentation_options_are_inlined_so_no_script_blocks_the_first_paint(tmp_path):
    """build._fix_pages: the one head script that cannot be deferred goes into the page, before
    the inline scripts that use what it defines."""
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "documentation_options.js").write_text("const DOCUMENTATION_OPTIONS = {A: 1};\n", encoding="utf-8")
    (tmp_path / "chapters").mkdir()
    page = tmp_path / "chapters" / "one.html"
    page.write_text('<html><head><script src="../_static/documentation_options.js?v=3"></script>\n'
                    '<script>DOCUMENTATION_OPTIONS.pagename = "x";</script></head><body></body></html>\n', encoding="utf-8")
    build._fix_pages(tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "documentation_options.js" not in text
    assert text.index("<script>const DOCUMENTATION_OPTIONS = {A: 1};</script>") < text.index("DOCUMENTATION_OPTIONS.pagename")


def test_fixing_pages_twice_changes_nothing_more(tmp_path):
    """build._fix_pages runs over every page of an incremental build, also the pages Sphinx did not
    rewrite: each fix applies once (here the explorer's folded navigation and a figure's link)."""
    (tmp_path / "chapters").mkdir()
    page = tmp_path / "chapters" / "explorer.html"
    page.write_text('<html><head></head><body><div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'
                    '</div><figure class="x"><img src="../_images/a.svg" alt="A"></figure>'
                    '<div id="explorer-app"></div></body></html>\n', encoding="utf-8")
    build._fix_pages(tmp_path)
    once = page.read_text(encoding="utf-8")
    assert 'class="bd-sidebar-primary bd-sidebar pst-sidebar-hidden"' in once and 'class="survey-figure"' in once
    build._fix_pages(tmp_path)
    assert page.read_text(encoding="utf-8") == once


def test_a_figures_image_is_fetched_lazily_with_its_drawings_size(tmp_path):
    """Each figure's <img> gets loading="lazy" and the width and height of its SVG in CSS pixels
    (matplotlib writes points: 1pt = 4/3 px), so that its place is kept before it arrives; an image
    whose size cannot be read is left without them."""
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.svg").write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                                                'width="510.86pt" height="452.66pt" viewBox="0 0 510.86 452.66"></svg>')
    (tmp_path / "_images" / "b.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"></svg>')
    (tmp_path / "_images" / "c.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 3 2"></svg>')
    (tmp_path / "chapters").mkdir()
    page = tmp_path / "chapters" / "one.html"
    page.write_text("<html><head></head><body>" + "".join(
        f'<figure class="x"><img alt="{n}" src="../_images/{n}.svg" /></figure>' for n in "abc") + "</body></html>")
    build._fix_pages(tmp_path)
    text = page.read_text(encoding="utf-8")
    assert '<img loading="lazy" width="681" height="604" alt="a"' in text
    assert '<img loading="lazy" width="300" height="150" alt="b"' in text
    assert '<img alt="c"' in text and text.count("loading=") == 2


def test_an_svg_written_into_a_page_becomes_a_file_of_its_own_fetched_lazily(tmp_path):
    """The lab gallery's thumbnails are data URIs in the page (helpers.teaching); the build writes
    each to _images/inline/, named by its content, exactly as the browser reads the URI, and a file
    that no page uses any more is removed."""
    from helpers import teaching

    drawings = ['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"><text fill="#0072b2">50% it\'s</text></svg>',
                '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect fill="#d55e00"/></svg>']
    (tmp_path / "chapters").mkdir()
    pages = {tmp_path / "index.html": drawings[:1], tmp_path / "chapters" / "labs.html": drawings}
    for page, svgs in pages.items():
        page.write_text("<html><head></head><body>" + "".join(
            f"<a><img src='{teaching._data_uri(svg)}' alt=\"thumbnail\" width=\"13\" height=\"7\"></a>" for svg in svgs)
            + "</body></html>", encoding="utf-8")
    build._fix_pages(tmp_path)
    files = sorted((tmp_path / "_images" / "inline").glob("*.svg"))
    assert sorted(f.read_text(encoding="utf-8") for f in files) == sorted(drawings)
    labs = (tmp_path / "chapters" / "labs.html").read_text(encoding="utf-8")
    assert "data:" not in labs and labs.count('<img loading="lazy" src="../_images/inline/') == 2
    assert 'alt="thumbnail" width="13" height="7"' in labs
    assert '<img loading="lazy" src="_images/inline/' in (tmp_path / "index.html").read_text(encoding="utf-8")
    build._fix_pages(tmp_path)  # a second pass changes nothing
    assert (tmp_path / "chapters" / "labs.html").read_text(encoding="utf-8") == labs
    (tmp_path / "chapters" / "labs.html").write_text("<html><head></head><body></body></html>", encoding="utf-8")
    build._fix_pages(tmp_path)
    assert [f.read_text(encoding="utf-8") for f in (tmp_path / "_images" / "inline").glob("*.svg")] == drawings[:1]


THEME_HEAD = """<html><head><script data-cfasync="false">
    document.documentElement.dataset.mode = localStorage.getItem("mode") || "auto";
    document.documentElement.dataset.theme = localStorage.getItem("theme") || "auto";
  </script></head><body></body></html>
"""


def test_the_colour_theme_is_resolved_in_the_head_once(tmp_path):
    """The theme's head script leaves "auto" for its main script to replace (a restyle of the whole
    page); the fixed script picks light or dark itself, and a second pass changes nothing."""
    page = tmp_path / "page.html"
    page.write_text(THEME_HEAD, encoding="utf-8")
    build._fix_pages(tmp_path)
    once = page.read_text(encoding="utf-8")
    assert '|| "auto"' in once and 'matchMedia("(prefers-color-scheme: dark)")' in once
    assert 'localStorage.getItem("theme")' not in once
    build._fix_pages(tmp_path)
    assert page.read_text(encoding="utf-8") == once


def test_the_home_redirect_is_made_again_on_every_build_and_a_real_home_page_is_left_alone(tmp_path):
    """sphinx-external-toc writes its bare redirect only when index.html is missing: a later build
    finds the page an earlier build made of it, and must still bring it up to date."""
    index = tmp_path / "index.html"
    index.write_text('<meta http-equiv="Refresh" content="0; url=chapters/intro.html" />\n', encoding="utf-8")
    build._complete_redirect(tmp_path, "Book")
    made = index.read_text(encoding="utf-8")
    assert 'location.replace("chapters/intro.html" + location.hash)' in made and "<title>Book</title>" in made
    earlier = made.replace("<script>", "<script>/* an earlier build's page */")
    index.write_text(earlier, encoding="utf-8")
    build._complete_redirect(tmp_path, "Book")
    assert index.read_text(encoding="utf-8") == made
    real = '<html><head><meta http-equiv="Refresh" content="0; url=elsewhere.html"></head><body>' + "text " * 1000
    index.write_text(real, encoding="utf-8")
    build._complete_redirect(tmp_path, "Book")
    assert index.read_text(encoding="utf-8") == real

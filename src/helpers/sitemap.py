"""A sitemap of every page after every build, not only of the pages the last build wrote (a Sphinx
build hook).

sphinx-sitemap (2.9.0) lists the pages written during the run that makes sitemap.xml. After a
clean build that is every page; after an edit, when Sphinx writes only the pages that changed, the
new sitemap.xml lists those few and search engines lose the rest. Before it writes the file, the
pages this run did not write are handed to it the same way as the ones it did, in the order of a
clean build."""
from __future__ import annotations


def _remember_written(app, pagename, templatename, context, doctree) -> None:
    if pagename not in app.survey_pages_written:
        app.survey_pages_written.append(pagename)


def _list_every_page(app, exception) -> None:
    """Hand sphinx-sitemap every page, in the order a clean build writes them (documents by name,
    then the pages Sphinx generates), so that the file does not depend on what this run wrote."""
    if exception is not None or app.builder.format != "html" or not hasattr(app.env.app, "sitemap_links"):
        return
    import queue

    from sphinx_sitemap import add_html_link

    links = app.env.app.sitemap_links
    while True:  # the links of the pages written in this run: made again below, with the others
        try:
            links.get_nowait()
        except queue.Empty:
            break
    generated = [name for name in app.survey_pages_written if name not in app.env.found_docs]
    for pagename in [*sorted(app.env.found_docs), *generated]:
        add_html_link(app, pagename, None, {}, None)


class InProcess:
    """Stands for multiprocessing's Manager in sphinx-sitemap when Sphinx writes pages in this one
    process: its queue of links is then a plain one. A Manager is a server process, started
    with every build (about 0.1 s before Sphinx can look at a page), and each link passed
    through it is a round trip to that process (about 0.3 s for the links of every page)."""

    @staticmethod
    def Queue() -> "queue.Queue":  # noqa: N802 - the name sphinx-sitemap calls
        import queue

        return queue.Queue()


def list_every_page(app) -> None:
    """Install the completion, if sphinx-sitemap is there."""
    try:
        import sphinx_sitemap
    except ImportError:
        return
    if app.parallel <= 1:  # pages written by forked processes need the Manager's shared queue
        sphinx_sitemap.Manager = InProcess
    app.survey_pages_written = []
    app.connect("html-page-context", _remember_written)
    # sphinx-sitemap writes the file in its own build-finished handler, at the default priority (500)
    app.connect("build-finished", _list_every_page, priority=450)

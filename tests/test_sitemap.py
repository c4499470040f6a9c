"""sphinx-sitemap's queue of links (helpers.sitemap): a plain in-process queue when Sphinx writes
pages in one process, the Manager's shared queue when it writes them in several."""
from __future__ import annotations

import queue

import pytest
import sphinx_sitemap

from helpers import sitemap


class App:
    def __init__(self, parallel):
        self.parallel = parallel

    def connect(self, *args, **kwargs):
        pass


@pytest.mark.parametrize("parallel, in_process", [(0, True), (1, True), (2, False)])
def test_the_links_queue_is_shared_only_between_processes(monkeypatch, parallel, in_process):
    monkeypatch.setattr(sphinx_sitemap, "Manager", sphinx_sitemap.Manager)  # put back afterwards
    sitemap.list_every_page(App(parallel))
    assert (sphinx_sitemap.Manager is sitemap.InProcess) is in_process
    if in_process:
        assert isinstance(sphinx_sitemap.Manager().Queue(), queue.Queue)

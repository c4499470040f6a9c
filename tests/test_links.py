"""Links of the built site, offline: every link inside the site reaches an existing file and anchor;
every link out of it is https, and a work's link points to a known scholarly host."""
from __future__ import annotations

from urllib.parse import unquote, urlparse

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.book

SCHOLARLY_HOSTS = {"arxiv.org", "openreview.net", "aclanthology.org", "openaccess.thecvf.com", "doi.org",
                   "proceedings.neurips.cc", "papers.nips.cc", "ojs.aaai.org", "dl.acm.org",
                   "proceedings.mlr.press", "ieeexplore.ieee.org", "www.ijcai.org", "link.springer.com"}


@pytest.fixture(scope="module")
def pages(built_book):
    site = built_book / "_build" / "html"
    pages = [p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts]  # not theme templates
    return site, {p: BeautifulSoup(p.read_text(encoding="utf-8"), "lxml") for p in pages}


def ids_of(soup: BeautifulSoup) -> set[str]:
    return {tag["id"] for tag in soup.select("[id]")} | {tag["name"] for tag in soup.select("a[name]")}


def test_internal_links_resolve_to_files_and_anchors(pages):
    site, soups = pages
    broken, anchors = [], {}
    for page, soup in soups.items():
        for tag, attribute in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for element in soup.find_all(tag):
                target = element.get(attribute)
                if not target or target.startswith(("mailto:", "javascript:", "data:")):
                    continue
                parsed = urlparse(target)
                if parsed.scheme or parsed.netloc:
                    continue  # external, checked below
                path = (page.parent / unquote(parsed.path)).resolve() if parsed.path else page
                if path.is_dir():
                    path = path / "index.html"
                if not path.is_file() or site.resolve() not in path.parents and path != site.resolve():
                    broken.append(f"{page.relative_to(site)}: {target} (no such file)")
                elif parsed.fragment and path.suffix == ".html":
                    if path not in anchors:  # each page's anchors are collected once, not once per link
                        soup_of_target = soups.get(path) or BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
                        anchors[path] = ids_of(soup_of_target)
                    if unquote(parsed.fragment) not in anchors[path]:
                        broken.append(f"{page.relative_to(site)}: {target} (no such anchor)")
    assert broken == [], "\n".join(broken[:30])


def test_external_links_are_https(pages):
    site, soups = pages
    insecure = [f"{page.relative_to(site)}: {a['href']}" for page, soup in soups.items()
                for a in soup.find_all("a", href=True) if a["href"].startswith("http://")]
    assert insecure == []


def test_every_reference_links_to_a_scholarly_host(pages):
    site, soups = pages
    references = soups[site / "chapters" / "references.html"]
    entries = references.select('[id^="cite-"]')
    assert entries
    for entry in entries:
        links = [a["href"] for a in entry.find_all("a", href=True) if a["href"].startswith("http")]
        assert links, entry["id"]
        assert any(urlparse(link).hostname in SCHOLARLY_HOSTS for link in links), (entry["id"], links)

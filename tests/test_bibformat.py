"""The memo of formatted reference entries (helpers.bibformat) gives what pybtex gives, and forgets
an entry as soon as anything its text depends on changes."""
from __future__ import annotations

import pybtex.plugin
from pybtex.database import Entry, Person

from helpers import bibformat


def entry(title="A Title", year="2024", author="Ada Lovelace") -> Entry:
    made = Entry("article", fields={"title": title, "year": year, "journal": "J"})
    made.persons["author"] = [Person(author)]
    made.key = "k2024"
    return made


def plain():
    return pybtex.plugin.find_plugin("pybtex.style.formatting", "plain")()


def test_every_input_of_the_text_is_in_the_key():
    style, base = plain(), bibformat.entry_key(plain(), "1", entry())
    assert bibformat.entry_key(style, "1", entry()) == base
    changed = [bibformat.entry_key(style, "2", entry()), bibformat.entry_key(style, "1", entry(title="B Title")),
               bibformat.entry_key(style, "1", entry(year="2025")),
               bibformat.entry_key(style, "1", entry(author="Alan Turing")),
               bibformat.entry_key(pybtex.plugin.find_plugin("pybtex.style.formatting", "alpha")(), "1", entry())]
    assert len({base, *changed}) == 6


def test_the_memo_returns_what_pybtex_formats_and_follows_an_edit(tmp_path):
    style = plain()
    fresh = style.format_entry("1", entry()).text.render_as("text")
    bibformat.install()
    bibformat.load(tmp_path)
    assert style.format_entry("1", entry()).text.render_as("text") == fresh
    bibformat.save(tmp_path)
    bibformat.load(tmp_path)  # as the next build does
    assert style.format_entry("1", entry()).text.render_as("text") == fresh
    assert "another title" in style.format_entry("1", entry(title="Another Title")).text.render_as("text").lower()


def test_each_plugin_is_looked_up_in_the_installed_packages_once(monkeypatch):
    """sphinxcontrib-bibtex asks pybtex for a style or backend class once per citation, and pybtex
    scanned every installed package's entry points each time; with the memo the same classes come
    back and each (group, name) is scanned once."""
    scans = []
    original = pybtex.plugin.entry_points

    def counting(**query):
        scans.append(tuple(sorted(query.items())))
        return original(**query)

    monkeypatch.setattr(pybtex.plugin, "entry_points", counting)
    before = [pybtex.plugin.find_plugin("pybtex.style.formatting", "plain"),
              pybtex.plugin.find_plugin("pybtex.backends", "plaintext")]
    scans.clear()
    bibformat._remember_plugin_lookups()
    for _ in range(3):
        after = [pybtex.plugin.find_plugin("pybtex.style.formatting", "plain"),
                 pybtex.plugin.find_plugin("pybtex.backends", "plaintext")]
        assert after == before
    assert sorted(scans) == sorted({*scans}) and len(scans) == 2, scans

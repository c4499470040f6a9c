"""Pages read and rendered without repeated work (helpers.rendering): the theme's navigation
rendered once per page, myst-nb's renderer looked up once, compiled templates kept between builds."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import rendering


class Templates:
    def __init__(self):
        self.rendered = []

    def render(self, name, context):
        self.rendered.append(name)
        return "" if name == "empty.html" else f"<div>{name}</div>"


class App:
    def __init__(self):
        self.builder = type("Builder", (), {"templates": Templates()})()
        self.hooks = []

    def connect(self, event, handler, priority=500):
        self.hooks.append((event, handler))


@pytest.fixture
def installed(monkeypatch):
    from myst_nb import sphinx_
    from pydata_sphinx_theme import utils

    # set to themselves, so that monkeypatch puts the originals back afterwards
    monkeypatch.setattr(utils, "_update_and_remove_templates", utils._update_and_remove_templates)
    monkeypatch.setattr(sphinx_, "load_renderer", sphinx_.load_renderer)
    original = (utils._update_and_remove_templates, sphinx_.load_renderer)
    app = App()
    rendering.install(app)
    rendering.install(app)  # a second Sphinx application in the same process wraps nothing twice
    return app, original


def test_the_sidebar_navigation_is_not_rendered_to_see_whether_it_is_empty(installed):
    from pydata_sphinx_theme import utils

    app, _ = installed
    kept = utils._update_and_remove_templates(app, {}, "navbar-logo, empty, sbt-sidebar-nav.html, search-field",
                                              "sidebars", ["navbar-nav.html"])
    # empty templates are still dropped; the navigation is kept without being rendered
    assert kept == ["navbar-logo.html", "sbt-sidebar-nav.html", "search-field.html"]
    assert app.builder.templates.rendered == ["navbar-logo.html", "empty.html", "search-field.html"]


def test_the_sidebar_navigation_never_renders_empty():
    """Why skipping the check changes no page: the template's first element is unconditional."""
    import sphinx_book_theme

    template = Path(sphinx_book_theme.__file__).parent / "theme" / "sphinx_book_theme" / "components" / \
        rendering.SIDEBAR_NAVIGATION
    assert re.match(r"\s*<nav\b", template.read_text(encoding="utf-8"))


def test_the_renderer_is_looked_up_once_and_is_the_same_class(installed):
    from myst_nb import sphinx_

    _, (_, look_up) = installed
    assert sphinx_.load_renderer("default") is look_up("default")
    sphinx_.load_renderer("default")
    assert sphinx_.load_renderer.cache_info().hits >= 1


@pytest.mark.book
def test_the_build_keeps_compiled_templates_beside_the_doctrees(built_book):
    kept = list((built_book / "_build" / ".staging" / "_build" / ".doctrees" / "templates").glob("*/__jinja2_*.cache"))
    assert len(kept) >= 20, kept

"""Pages read and rendered without repeated work (a Sphinx build hook).

Profiles of a prose-edit build (two pages written) found three costs that every build pays again:
- Jinja compiles each of the themes' 60-odd templates to Python code the first time a build uses
  it, about 0.4 s at every start of Sphinx. Compiled templates are kept on disk with Jinja's own
  bytecode cache, beside the doctrees; Jinja checks each against its template's source.
- pydata-sphinx-theme renders every sidebar template once to find out whether it is empty, and
  then again in the page. It skips that check for its own navigation template, which is slow (the
  whole book's table of contents), but not for sphinx-book-theme's, which always renders a
  `<nav>` element: the navigation was rendered twice on every page. The check is skipped for it
  too, which changes no page.
- myst-nb looks up the class that renders a notebook's outputs by scanning every installed
  package's entry points (importlib.metadata), once for each page it reads: 0.1-0.2 s a page.
  The installed packages do not change during a build: each name is looked up once."""
from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path

SIDEBAR_NAVIGATION = "sbt-sidebar-nav.html"  # sphinx-book-theme's; never renders empty


def _navigation_not_rendered_twice(check):
    @functools.wraps(check)
    def without_navigation(app, context, templates, section, templates_skip_empty_check=None):
        skipped = [*(templates_skip_empty_check or []), SIDEBAR_NAVIGATION]
        return check(app, context, templates, section, skipped)

    without_navigation.survey_patched = True
    return without_navigation


def _keep_compiled_templates(app) -> None:
    if app.builder.format != "html" or not hasattr(app.builder, "templates"):
        return
    import jinja2
    import sphinx

    environment = app.builder.templates.environment
    # Jinja keys a compiled template by its name, file and source only, not by the settings of
    # the environment that compiled it: the folder's name carries those.
    settings = repr((jinja2.__version__, sphinx.__version__, sys.version, sorted(environment.extensions),
                     environment.autoescape, environment.optimized))
    folder = Path(app.doctreedir) / "templates" / hashlib.sha256(settings.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))


def _renderer_looked_up_once() -> None:
    try:
        from myst_nb import sphinx_
    except ImportError:
        return
    if not hasattr(sphinx_.load_renderer, "cache_info"):
        sphinx_.load_renderer = functools.lru_cache(maxsize=None)(sphinx_.load_renderer)


def install(app) -> None:
    _renderer_looked_up_once()
    try:
        from pydata_sphinx_theme import utils
    except ImportError:
        pass
    else:
        if not getattr(utils._update_and_remove_templates, "survey_patched", False):
            utils._update_and_remove_templates = _navigation_not_rendered_twice(utils._update_and_remove_templates)
    app.connect("builder-inited", _keep_compiled_templates)

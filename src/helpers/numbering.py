"""Figure numbers worked out again only when they can change (a Sphinx build hook).

With `numfig` on, Sphinx numbers every figure, table and captioned code block of the book after
each build's reading step: it loads the stored doctree of every page, about 40 here, and walks
them all, even when one sentence of one page changed (about 0.4 s of a prose edit's 5 s).

The numbers depend only on the pages' outline: for each page, in order, its sections (their
ids), its tables of contents (their entries) and its numbered elements (their type and id); and
on the section numbers and the settings. Here that outline is kept for every page, with the size
and time of the stored doctree it was taken from. A build loads only the doctrees written since
(the pages it read) and compares their outlines: if nothing in the outline changed, the numbers
Sphinx computed last time still hold and are kept; otherwise Sphinx numbers everything as usual,
and the outlines are taken again from the doctrees it loads.
"""
from __future__ import annotations

import copy
import os

from docutils import nodes

_ORIGINAL = "survey_original_assign_figure_numbers"


def _numbered_type(env, node) -> tuple:
    """What decides whether and how Sphinx numbers `node`: each domain's answer."""
    types = tuple(domain.get_enumerable_node_type(node) for domain in env.domains.values())
    if not any(types):
        return ()
    return types + (bool(env.domains["std"].get_numfig_title(node)),)


def outline(env, doctree) -> tuple:
    """The parts of a doctree that Sphinx's figure numbering looks at, in its order."""
    from sphinx import addnodes

    def walk(node) -> list:
        found = []
        for child in node.children:
            if isinstance(child, nodes.section):
                found.append(("section", tuple(child["ids"]), tuple(walk(child))))
            elif isinstance(child, addnodes.toctree):
                found.append(("toctree", tuple(tuple(entry) for entry in child["entries"])))
            elif isinstance(child, nodes.Element):
                numbered = _numbered_type(env, child)
                if numbered:
                    found.append(("numbered", numbered, tuple(child["ids"])))
                found.extend(walk(child))
        return found

    return tuple(walk(doctree))


def _stored(env, docname: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(os.path.join(env.doctreedir, docname + ".doctree"))
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _settings(env) -> tuple:
    return (env.config.numfig, env.config.numfig_secnum_depth, env.config.root_doc,
            repr(sorted(env.toc_secnumbers.items())), sorted(env.domains))


def _outlines_unchanged(env) -> bool:
    """True if every page's outline and the settings are those of the last numbering."""
    kept = getattr(env, "survey_outlines", None)
    if kept is None or getattr(env, "survey_outline_settings", None) != _settings(env) \
            or set(kept) != set(env.all_docs) or not hasattr(env, "survey_fignumbers"):
        return False
    for docname, (stored, old) in list(kept.items()):
        now = _stored(env, docname)
        if now is None:
            return False
        if now != stored:  # written by this build: load it and compare
            new = outline(env, env.get_doctree(docname))
            if new != old:
                return False
            kept[docname] = (now, new)
    return True


def _assign(collector, env) -> list[str]:
    original = getattr(type(collector), _ORIGINAL)
    if not env.config.numfig:
        return original(collector, env)
    if _outlines_unchanged(env):
        # the same outlines give the same numbers; Sphinx has dropped those of the pages it read
        # again (TocTreeCollector.clear_doc), so all are put back as they were last worked out
        env.toc_fignumbers = copy.deepcopy(env.survey_fignumbers)
        env.survey_figure_numbers = "kept"
        return []
    taken: dict[str, tuple] = {}
    get_doctree = env.get_doctree

    def get_and_outline(docname):
        doctree = get_doctree(docname)
        taken[docname] = (_stored(env, docname), outline(env, doctree))
        return doctree

    env.get_doctree = get_and_outline  # an instance attribute, for this walk only
    try:
        rewrite = original(collector, env)
    finally:
        del env.get_doctree
    for docname in set(env.all_docs) - set(taken):  # pages outside every table of contents
        taken[docname] = (_stored(env, docname), outline(env, get_doctree(docname)))
    env.survey_outlines, env.survey_outline_settings = taken, _settings(env)
    env.survey_fignumbers = copy.deepcopy(env.toc_fignumbers)
    env.survey_figure_numbers = "assigned"
    return rewrite


def install(app) -> None:
    from sphinx.environment.collectors.toctree import TocTreeCollector

    if not hasattr(TocTreeCollector, _ORIGINAL):
        setattr(TocTreeCollector, _ORIGINAL, TocTreeCollector.assign_figure_numbers)
        TocTreeCollector.assign_figure_numbers = _assign

"""Drop the stylesheet rules that no page of the site can match (a build hook's helper, used by
helpers.stylesheets when it writes a bundle).

The theme, Font Awesome, sphinx-design and the other extensions ship 550 KB of CSS, written for
every site; a page of this book uses a small part of it. A phone parses the whole file and matches
its rules before the first paint: on Lighthouse's mobile preset (a 4x slower CPU) that parse was
one of the long tasks left on the longest pages.

A rule is kept when one of its selectors can match: every class and id it requires is a word
found in a page of the site or in a script a page loads (scripts add classes: "show", "active",
"highlighted"), or that starts with such a word ending in a hyphen: scripts also build names from
a fixed start, `"bs-" + name` or `bs-${name}-auto` (Bootstrap's tooltips). Classes inside
functional pseudo-classes (`:not(.a)`, `:is(.a, .b)`) are not required, since `:not(.a)` matches
where `.a` is missing. Tag names, attributes and pseudo-classes never drop a rule. A selector
naming an escaped class (`.md\\:flex`) is kept. @font-face, @keyframes and every other at-rule
without rules inside are kept; @media and @supports keep the
rules of theirs that can match and disappear when none can. The text of what is kept is not
changed: dropped rules are cut out by their offsets.
"""
from __future__ import annotations

import re

from .css_text import block_end, line_offsets, offset

WORD = re.compile(r"[A-Za-z0-9_-]+")  # how a page or a script names a class or an id
SELECTOR_NAME = re.compile(r"[.#]([A-Za-z0-9_-]+)")  # wide on purpose: `.5em` and `#fff` too, never too few
START = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*-")  # `bs-`: the fixed start of a built name
GROUPS = frozenset({"media", "supports", "layer", "container", "document"})  # at-rules holding rules


def words(text: str) -> set[str]:
    """The words of a page or a script that could be a class or an id."""
    return set(WORD.findall(text))


def selector_names(css: str) -> set[str]:
    """Every class or id name that a selector of `css` could require, found without parsing (a
    superset: comments and url()s count too). With the site's words, they decide a bundle's rules."""
    return set(SELECTOR_NAME.findall(css))


def deciding_words(used: frozenset[str] | set[str], names: frozenset[str] | set[str]) -> list[str]:
    """The words of a site that decide which rules stay, given `names`, a superset of the names the
    stylesheets' selectors use (`selector_names`): the used names and the fixed starts. Sorted, for
    a content name; other words of the prose do not count (a new word would rename the bundle)."""
    return sorted((set(used) & set(names)) | {word for word in used if START.fullmatch(word)})


def drop_unused_rules(css: str, used: frozenset[str] | set[str]) -> str:
    """`css` without the rules that no selector can match on a site whose pages and scripts hold
    the words `used`."""
    import tinycss2

    offsets = line_offsets(css)
    cuts: list[tuple[int, int]] = []

    def visit(rules) -> bool:
        """Record the cuts inside `rules`; True when one of them is kept."""
        kept = False
        for rule in rules:
            if rule.type == "qualified-rule":
                if _can_match(rule.prelude, used):
                    kept = True
                    continue
            elif rule.type == "at-rule" and rule.lower_at_keyword in GROUPS and rule.content is not None:
                inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
                before = len(cuts)
                if visit(inner):
                    kept = True
                    continue
                del cuts[before:]  # the whole group goes: no need for the cuts inside it
            else:
                kept = kept or rule.type == "at-rule"
                continue
            start = offset(offsets, rule)
            cuts.append((start, block_end(css, start)))
        return kept

    visit(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    pieces, last = [], 0
    for start, end in sorted(cuts):
        pieces.append(css[last:start])
        last = end
    pieces.append(css[last:])
    return "".join(pieces)


def _can_match(prelude: list, used) -> bool:
    """Whether one selector of a rule's selector list requires only used classes and ids."""
    selector: list = []
    for token in [*prelude, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            if _required_names_used(selector, used):
                return True
            selector = []
        else:
            selector.append(token)
    return False


def _required_names_used(selector: list, used) -> bool:
    for index, token in enumerate(selector):
        if token.type == "hash":
            name = token.value
        elif token.type == "literal" and token.value == "." and index + 1 < len(selector) \
                and selector[index + 1].type == "ident":
            name = selector[index + 1].value
        else:
            continue  # tags, attributes, pseudo-classes and everything inside their parentheses
        if not WORD.fullmatch(name):
            return True  # an escaped or non-ASCII name: not worth the risk
        if name not in used and not _built_from_a_used_start(name, used):
            return False
    return True


def _built_from_a_used_start(name: str, used) -> bool:
    """Whether a script could have built `name` by adding to a used word that ends in a hyphen
    (`bs-` for `bs-tooltip-auto`)."""
    return any(name[:index + 1] in used and START.fullmatch(name[:index + 1])
               for index, char in enumerate(name[:-1]) if char == "-")

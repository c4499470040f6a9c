"""helpers.unused_css: which rules a bundle drops, on made-up stylesheets. (The built book's pages
drawn with and without the dropped rules are compared in test_browser.py.)"""
from __future__ import annotations

from helpers.unused_css import deciding_words, drop_unused_rules, selector_names, words


def test_a_rule_stays_when_one_of_its_selectors_names_only_used_classes_and_ids():
    css = ".used { a: 1 }\n.unused { b: 2 }\n.unused, div.used > p { c: 3 }\n#main .used { d: 4 }\n#other { e: 5 }\n"
    assert drop_unused_rules(css, {"used", "main"}) == ".used { a: 1 }\n\n.unused, div.used > p { c: 3 }\n#main .used { d: 4 }\n\n"


def test_every_class_of_a_compound_selector_must_be_used():
    css = ".a.b { x: 1 }\n.a .c { y: 2 }\n"
    assert drop_unused_rules(css, {"a", "b"}) == ".a.b { x: 1 }\n\n"


def test_tags_attributes_and_pseudo_classes_never_drop_a_rule():
    css = ("body { m: 0 }\nhtml[data-theme=dark] a:hover::after { c: red }\n"
           "input:checked + label { w: 1 }\n:root { --x: 1 }\n* { box-sizing: border-box }\n")
    assert drop_unused_rules(css, set()) == css


def test_classes_inside_not_is_and_where_are_not_required():
    css = "p:not(.gone) { a: 1 }\n:is(.gone, .also-gone) span { b: 2 }\n:where(.gone) { c: 3 }\n.gone:not(.kept) { d: 4 }\n"
    assert drop_unused_rules(css, set()) == "p:not(.gone) { a: 1 }\n:is(.gone, .also-gone) span { b: 2 }\n:where(.gone) { c: 3 }\n\n"


def test_an_escaped_class_name_is_kept():
    css = ".md\\:flex { display: flex }\n.plain { a: 1 }\n"
    assert drop_unused_rules(css, set()) == ".md\\:flex { display: flex }\n\n"


def test_groups_keep_their_matching_rules_and_go_when_none_is_left():
    css = ("@media (min-width: 960px) { .used { a: 1 } .unused { b: 2 } }\n"
           "@media print { .unused { c: 3 } }\n"
           "@supports (display: grid) { @media screen { .unused { d: 4 } } }\n"
           "@supports (display: grid) { @media screen { .used { e: 5 } } }\n")
    assert drop_unused_rules(css, {"used"}) == (
        "@media (min-width: 960px) { .used { a: 1 }  }\n\n\n"
        "@supports (display: grid) { @media screen { .used { e: 5 } } }\n")


def test_at_rules_without_rules_inside_are_kept():
    css = ("@font-face { font-family: X; src: url(x.woff2) }\n@keyframes spin { from { r: 0 } to { r: 1 } }\n"
           "@page { margin: 1cm }\n@charset \"utf-8\";\n")
    assert drop_unused_rules(css, set()) == css


def test_braces_in_strings_and_comments_do_not_end_a_rule_early():
    css = '.gone::before { content: "}" } /* } */ .kept::after { content: "{" }\n.gone { /* } */ a: 1 }\n'
    assert drop_unused_rules(css, {"kept"}) == ' /* } */ .kept::after { content: "{" }\n\n'


def test_words_are_what_pages_and_scripts_could_name_a_class_with():
    assert words('<div class="sd-card  bd-sidebar" id="main-1">x.classList.add("show")</div>') >= {
        "sd-card", "bd-sidebar", "main-1", "show", "classList"}


def test_selector_names_hold_every_class_and_id_a_selector_can_require():
    css = ".sd-card > .x-1 { a: 1 } #main:not(.y) { b: 2 } /* url(x.png) */ .md\\:flex { c: 3 }"
    assert selector_names(css) == {"sd-card", "x-1", "main", "y", "png", "md"}  # a superset: png is a file
    assert selector_names(".--x { a: 1 } .fa-500px { b: 2 }") == {"--x", "fa-500px"}


def test_a_class_that_a_script_builds_from_a_used_start_is_kept():
    css = ".bs-tooltip-auto { a: 1 }\n.bs-popover-top { b: 2 }\n.col-md-4 { c: 3 }\n"
    used = words("tip.classList.add(`bs-${this.constructor.NAME}-auto`)")
    assert "bs-" in used
    assert drop_unused_rules(css, used) == ".bs-tooltip-auto { a: 1 }\n.bs-popover-top { b: 2 }\n\n"
    assert drop_unused_rules(css, {"-", "-md-4"}) == "\n\n\n"  # a lone hyphen or an end is no start


def test_only_used_selector_names_and_fixed_starts_decide_which_rules_stay():
    used = words("<p class='note'>Unicorns -- and bs-${x}</p> <!-- x -->")
    assert deciding_words(used, selector_names(".note { a: 1 } .unicorn { b: 2 } .bs-tip { c: 3 }")) == ["bs-", "note"]
    assert drop_unused_rules(".--x { a: 1 }\n", {"--"}) == "\n"  # "--" is no start of a name

"""helpers.theme_scripts: the theme's scripts, edited so that they read the layout only once it is
done. What the edits do in a browser is tested in test_browser.py (no forced layout while a page
starts, and the navigation, contents highlighter, back-to-top button and tab stops still work)."""
from __future__ import annotations

import shutil

import pytest

from helpers import theme_scripts
from helpers.theme_scripts import EDITS, ThemeScriptError, edit_theme_scripts, theme_static


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.what)
def test_each_edit_matches_the_installed_theme_once(edit):
    original = (theme_static() / edit.script).read_text(encoding="utf-8")
    assert original.count(edit.old) == 1
    result = theme_scripts.edited(edit.script, original)
    assert result.count(edit.new) == 1 and (edit.old in edit.new or edit.old not in result)
    # only the edited pieces differ: the same length change as the edits of this script add up to
    added = sum(len(e.new) - len(e.old) for e in EDITS if e.script == edit.script)
    assert len(result) - len(original) == added


def test_the_edited_scripts_are_written_once_and_the_same_from_any_earlier_copy(tmp_path):
    site = tmp_path / "html"
    assert edit_theme_scripts(site) == ["scripts/bootstrap.js", "scripts/pydata-sphinx-theme.js"]
    written = {p.name: p.read_bytes() for p in (site / "_static" / "scripts").iterdir()}
    stamps = {p.name: p.stat().st_mtime_ns for p in (site / "_static" / "scripts").iterdir()}
    edit_theme_scripts(site)  # an incremental build: nothing to change, dates kept
    assert {p.name: p.stat().st_mtime_ns for p in (site / "_static" / "scripts").iterdir()} == stamps
    # Sphinx copies the theme's originals over them in a later build: written again, identical
    for name in written:
        shutil.copyfile(theme_static() / "scripts" / name, site / "_static" / "scripts" / name)
    edit_theme_scripts(site)
    assert {p.name: p.read_bytes() for p in (site / "_static" / "scripts").iterdir()} == written


def test_a_theme_whose_code_changed_stops_the_build_naming_file_and_edit(tmp_path):
    source = tmp_path / "theme"
    shutil.copytree(theme_static() / "scripts", source / "scripts")
    script = source / "scripts" / "pydata-sphinx-theme.js"
    script.write_text(script.read_text(encoding="utf-8").replace("c()}", "c();}"), encoding="utf-8")
    with pytest.raises(ThemeScriptError) as error:
        edit_theme_scripts(tmp_path / "html", source)
    message = str(error.value)
    assert "_static/scripts/pydata-sphinx-theme.js" in message and "contents' highlighter" in message
    assert "0 matches" in message

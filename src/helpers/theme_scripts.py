"""The theme's scripts, edited so that none of them makes the browser lay out the whole page while
it starts (a build hook, run after Sphinx has copied the theme's static files).

Reading an element's size or scroll position (getBoundingClientRect, scrollWidth, scrollTop)
while the page still has unlaid-out content forces the browser to style and lay out everything at
once, inside the script. pydata-sphinx-theme and its Bootstrap bundle do this five times as a page
starts: to place the back-to-top button, to size the (empty) banners above the header, to scroll the
navigation to the current page, to size the margin of the "on this page" highlighter, and to give
scrollable code a tab stop. On a long lab page under Lighthouse's phone CPU that was one task of
0.4-0.9 s after the first paint, most of the page's Total Blocking Time. Each read now happens where the layout is already done: after the next
frame is drawn, or (the back-to-top button) on the first scroll. What the scripts do is unchanged.

Each edit is an exact piece of the installed theme's minified code and its replacement. The edits
are applied to the theme's own file (not to an earlier build's copy), so the result is the same in
every build; if a theme release changes the code, the build stops and names the file and the edit.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

# After the browser has drawn its next frame, the layout is up to date and reading it costs nothing.
AFTER_FRAME = "requestAnimationFrame(()=>setTimeout({}))"


class ThemeScriptError(Exception):
    """The installed theme's script no longer holds the code an edit replaces."""


@dataclass(frozen=True)
class Edit:
    script: str  # under the theme's static folder, as under _build/html/_static/
    what: str
    old: str
    new: str


EDITS = (
    Edit("scripts/bootstrap.js", "the back-to-top button measures the header on the first scroll",
         'var e=document.getElementsByClassName("bd-header")[0].getBoundingClientRect();'
         'window.addEventListener("scroll",function(){this.oldScroll',
         'var e;window.addEventListener("scroll",function(){'
         'e=e||document.getElementsByClassName("bd-header")[0].getBoundingClientRect();this.oldScroll'),
    Edit("scripts/pydata-sphinx-theme.js", "the banners' height is measured after the first frame",
         'e(async function(){await Promise.allSettled([O(),N()]);',
         'e(async function(){await Promise.allSettled([O(),N()]);'
         'await new Promise(e=>' + AFTER_FRAME.format("e") + ");"),
    # AFTER_FRAME written out here: the function it wraps is closed by the next edit
    Edit("scripts/pydata-sphinx-theme.js", "the navigation scrolls to the current page after the first frame",
         'e(function(){if(!document.querySelector(".bd-docs-nav"))return;',
         'e(()=>requestAnimationFrame(()=>setTimeout(function(){if(!document.querySelector(".bd-docs-nav"))return;'),
    Edit("scripts/pydata-sphinx-theme.js", "(the end of the same function: the two calls closed)",
         'sessionStorage.setItem("sidebar-scroll-top",e.scrollTop)})})',
         'sessionStorage.setItem("sidebar-scroll-top",e.scrollTop)})})))'),
    Edit("scripts/pydata-sphinx-theme.js", "the contents' highlighter measures the header after the first frame",
         'window.addEventListener("resize",_(c,300)),c()}',
         'window.addEventListener("resize",_(c,300)),' + AFTER_FRAME.format("c") + "}"),
    Edit("scripts/pydata-sphinx-theme.js", "scrollable code gets its tab stop after the frame that follows load",
         '"complete"===document.readyState?I():window.addEventListener("load",I)',
         '"complete"===document.readyState?' + AFTER_FRAME.format("I")
         + ':window.addEventListener("load",()=>' + AFTER_FRAME.format("I") + ")"),
)


def theme_static() -> Path:
    """pydata-sphinx-theme's static folder, found without importing the theme."""
    return Path(importlib.util.find_spec("pydata_sphinx_theme").origin).parent / "theme" / "pydata_sphinx_theme" / "static"


def edited(script: str, text: str) -> str:
    """`text` (the theme's `script`) with every edit for it applied; each must match exactly once."""
    for edit in (e for e in EDITS if e.script == script):
        found = text.count(edit.old)
        if found != 1:
            raise ThemeScriptError(
                f"_static/{script}: the theme's code changed ({found} matches where 1 was expected): the edit "
                f"'{edit.what}' no longer applies; update helpers/theme_scripts.py for this theme version")
        text = text.replace(edit.old, edit.new)
    return text


def edit_theme_scripts(outdir: Path, source: Path | None = None) -> list[str]:
    """Write the edited scripts into `outdir`/_static (only where they differ). Returns their names."""
    source = source or theme_static()
    written = []
    for script in sorted({e.script for e in EDITS}):
        text = edited(script, (source / script).read_text(encoding="utf-8"))
        target = outdir / "_static" / script
        if not (target.is_file() and target.read_text(encoding="utf-8") == text):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        written.append(script)
    return written

"""Build hooks: a Sphinx extension that keeps pages in step with data/, and the staged build command.

Stock Jupyter Book 1 re-reads only pages whose *source* changed, and jupyter-cache keys a notebook
on its code cells only, so after an edit of data/ or references.bib it serves stale tables and
figures. This extension (listed in _config.yml) fixes both halves:

* every page that imports `helpers` records the fingerprint of what it was built from (the data
  files and the code of this package); when that fingerprint changes, Sphinx is told the page is
  outdated (event `env-get-outdated`);
* the fingerprint is appended to the page's notebook, at read time, as a hidden code cell, so it is
  part of jupyter-cache's key and the notebook is executed again instead of served from the cache.

The command `python -m helpers.build` (what `make book` runs) validates the input first, builds into
_build/.staging, and only when the build succeeded replaces _build/html: a failed build never leaves
partial output where readers look, and never touches the author's files.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import paths
from .load import VALIDATED_ENV, fingerprint
from .problems import InputError

USES_DATA = ("import helpers", "from helpers")
STAGING = Path("_build") / ".staging"
PUBLISHED = Path("_build") / "html"
# Where myst-nb keeps its jupyter-cache by default: next to the HTML output folder.
EXECUTION_CACHE = STAGING / "_build" / ".jupyter_cache"
# Everything a build reads; if none of it changed since the last published build, skip the build.
INPUT_GLOBS = ("_config.yml", "_toc.yml", "references.bib", "requirements.lock", "chapters/**/*", "data/**/*")
STAMP = STAGING / "inputs.sha256"
REPORT = STAGING / "execution.json"


def page_uses_data(source: str) -> bool:
    return any(marker in source for marker in USES_DATA)


def page_fingerprint(root: Path) -> str:
    """What a data page's output depends on besides its own code cells: data files and helpers code."""
    return f"{fingerprint(root)}-{paths.digest(paths.package_files())[:16]}"


def fingerprint_cell(value: str) -> str:
    return (
        "\n\n+++\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n"
        f"# data and helpers fingerprint {value}: added by helpers.build at read time, not in the source\n```\n"
    )


# --- Sphinx extension -------------------------------------------------------------------------

def _on_config_inited(app, config) -> None:
    from sphinx.errors import ConfigError

    from .validate import find_problems

    root = Path(app.srcdir).resolve()
    os.environ[paths.ROOT_ENV] = str(root)  # kernels started by the build inherit it
    # `python -m helpers.build` has validated these very bytes already; a plain
    # `jupyter-book build` has not, and gets the same check here.
    if os.environ.get(VALIDATED_ENV) != fingerprint(root):
        problems = find_problems(root)
        if problems:
            raise ConfigError(str(InputError(problems)))
    app.survey_fingerprint = page_fingerprint(root)


def _on_env_get_outdated(app, env, added, changed, removed):
    recorded = getattr(env, "survey_data_fingerprints", {})
    current = app.survey_fingerprint
    return [doc for doc, value in recorded.items()
            if value != current and doc in env.found_docs and doc not in removed]


def _on_source_read(app, docname, source) -> None:
    if not hasattr(app.env, "survey_data_fingerprints"):
        app.env.survey_data_fingerprints = {}
    if page_uses_data(source[0]):
        app.env.survey_data_fingerprints[docname] = app.survey_fingerprint
        source[0] += fingerprint_cell(app.survey_fingerprint)
    else:
        app.env.survey_data_fingerprints.pop(docname, None)


def _on_env_purge_doc(app, env, docname) -> None:
    getattr(env, "survey_data_fingerprints", {}).pop(docname, None)


def _on_env_merge_info(app, env, docnames, other) -> None:
    if not hasattr(env, "survey_data_fingerprints"):
        env.survey_data_fingerprints = {}
    incoming = getattr(other, "survey_data_fingerprints", {})
    env.survey_data_fingerprints.update({d: incoming[d] for d in docnames if d in incoming})


def mathjax_folder() -> Path | None:
    """MathJax as shipped by the sphinx-mathjax-offline distribution (whose own module cannot be
    imported: its folder name has a hyphen), so that pages with math load it from the site."""
    from importlib.metadata import PackageNotFoundError, files

    try:
        entry = next(f for f in files("sphinx-mathjax-offline") if f.name == "tex-chtml.js")
    except (PackageNotFoundError, StopIteration, TypeError):
        return None
    return Path(entry.locate()).parent


def _on_builder_inited(app) -> None:
    if mathjax_folder() is not None:
        app.config.mathjax_path = "mathjax/tex-chtml.js"  # relative to _static/, no CDN


def _on_build_finished(app, exception) -> None:
    """Write the downloadable exports and the offline MathJax next to the pages."""
    if exception is None and app.builder.format == "html":
        from sphinx.util.fileutil import copy_asset

        from .exports import write_exports

        write_exports(Path(app.outdir), Path(app.srcdir))
        _fix_bibliography_roles(Path(app.outdir))
        _stable_notebook_ids(Path(app.outdir))
        folder = mathjax_folder()
        if folder is not None:
            copy_asset(str(folder), str(Path(app.outdir) / "_static" / "mathjax"))


def _on_html_page_context(app, pagename, templatename, context, doctree) -> None:
    """Render each script once per page. Under Jupyter Book, sphinx-thebe and togglebutton add their
    inline scripts a second time (at another priority), and thebe's `const` declared twice is a
    JavaScript error on every page. The scripts are added after this event's handlers run, so the
    check happens where the page template renders them."""
    render = context.get("js_tag")
    if render is None:
        return
    rendered: set[str] = set()

    def js_tag_once(script) -> str:
        tag = render(script)
        if tag in rendered:
            return ""
        rendered.add(tag)
        return tag

    context["js_tag"] = js_tag_once


def _fix_bibliography_roles(outdir: Path) -> None:
    """docutils marks each reference role="doc-biblioentry" inside a role="list": an ARIA list must
    hold list items (axe-core: aria-required-children), and doc-biblioentry is deprecated."""
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if 'role="doc-biblioentry"' in text:
            page.write_text(text.replace('role="doc-biblioentry"', 'role="listitem"'), encoding="utf-8")


def _stable_notebook_ids(outdir: Path) -> None:
    """The .ipynb downloads are written with random cell ids; number them so that two builds of
    the same sources give the same bytes."""
    import nbformat

    for path in sorted((outdir / "_sources").rglob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{index}"
        nbformat.write(notebook, path)


def setup(app):
    app.connect("config-inited", _on_config_inited)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("source-read", _on_source_read)
    app.connect("env-purge-doc", _on_env_purge_doc)
    app.connect("env-merge-info", _on_env_merge_info)
    app.connect("build-finished", _on_build_finished)
    # early: a later handler may return a template name, which ends the event for the rest
    app.connect("html-page-context", _on_html_page_context, priority=100)
    return {"version": "1", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}


# --- staged build command ---------------------------------------------------------------------

def publish(built: Path, target: Path) -> None:
    """Replace `target` by a copy of `built`, so that readers never see a half-written site."""
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(built, fresh)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def jupyter_book_command(root: Path, staging: Path, extra: list[str]) -> list[str]:
    executable = Path(sys.executable).with_name("jupyter-book")
    return [str(executable), "build", str(root), "--path-output", str(staging),
            "-W", "-n", "--keep-going", *extra]


def inputs_digest(root: Path) -> str:
    """Hash of the names and bytes of every file the build reads, the code of this package included
    (wherever it is installed from: a copy of the book may have no src/ of its own)."""
    files = {p.relative_to(root).as_posix(): p for pattern in INPUT_GLOBS for p in root.glob(pattern)
             if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    return paths.digest({**files, **paths.package_files()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", help="the book's folder (default: found from the working folder)")
    parser.add_argument("--all", action="store_true", help="re-read every page (execution cache kept)")
    parser.add_argument("--serial", action="store_true",
                        help="let myst-nb execute notebooks one by one during the Sphinx build")
    parser.add_argument("--fresh-kernels", action="store_true",
                        help="start a new kernel for every notebook instead of one warm kernel per worker")
    args = parser.parse_args(argv)
    root = paths.project_root(args.root)
    staging = root / STAGING
    digest = inputs_digest(root)
    stamp = root / STAMP
    if (not args.all and stamp.is_file() and stamp.read_text() == digest
            and (root / PUBLISHED / "index.html").is_file()):
        print(f"book is up to date: {root / PUBLISHED / 'index.html'}")
        return 0

    from .validate import find_problems

    problems = find_problems(root)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in the input: nothing was built; "
              f"{root / PUBLISHED} is unchanged.", file=sys.stderr)
        return 1
    data_fingerprint = fingerprint(root)
    # The data were just validated: kernels need not validate them again (see load.catalogue).
    os.environ.update({paths.ROOT_ENV: str(root), VALIDATED_ENV: data_fingerprint})
    stamp.unlink(missing_ok=True)
    report = None
    if not args.serial:
        from .execute import execute_outdated

        report = execute_outdated(root, root / EXECUTION_CACHE, page_fingerprint(root),
                                  fresh_kernels=args.fresh_kernels)
        for page, error in report.failed.items():
            print(f"{page}: executing the notebook failed:\n{error}", file=sys.stderr)
        if report.failed:
            print(f"build failed: {root / PUBLISHED} is unchanged.", file=sys.stderr)
            return 1
        print(f"executed {len(report.executed)} notebook(s) in {report.seconds:.1f} s, "
              f"{len(report.cached)} from the cache")
    command = jupyter_book_command(root, staging, ["--all"] if args.all else [])
    result = subprocess.run(command, cwd=root, env=dict(os.environ))
    if result.returncode != 0:
        print(f"build failed (exit {result.returncode}): {root / PUBLISHED} is unchanged.", file=sys.stderr)
        return result.returncode
    publish(staging / "_build" / "html", root / PUBLISHED)
    if report is not None:
        (root / REPORT).write_text(json.dumps({"executed": report.executed, "cached": report.cached,
                                               "seconds": round(report.seconds, 2)}, indent=1))
    stamp.write_text(digest)
    print(f"book built: {root / PUBLISHED / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared fixtures: temporary copies of the book, so tests never touch the real sources.

The suite runs in parallel (`pytest -n auto`, pytest-xdist). The whole book is built once per run,
not once per worker: the first worker that needs it builds it under a file lock in the run's
shared temporary folder, and the others wait for it and reuse it (read-only)."""
from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BOOK_SOURCES = ("_config.yml", "_toc.yml", "references.bib", "favicon.svg", "chapters", "data")


# What a test may change only for its own time: the SURVEY_ variables (SURVEY_ROOT makes a build or
# `make serve` work on another folder), the working folder, the __main__ module (IPython's shell
# puts a stand-in there, with which multiprocessing cannot start a process) and the "sphinx" logger
# (a Sphinx build in the test process leaves its warnings-as-errors handlers on it). Looked at when
# a module's tests are done (its module-scoped fixtures torn down), so the module that leaves one
# changed is named there, and put back, so that one leak fails one module, not every later test.
def _process_state() -> dict:
    logger = logging.getLogger("sphinx")
    return {"SURVEY_ variables": {key: value for key, value in os.environ.items() if key.startswith("SURVEY_")},
            "working folder": os.getcwd(), "__main__": sys.modules["__main__"],
            "sphinx logger (handlers, propagate, level)": (logger.handlers[:], logger.propagate, logger.level)}


def _restore_process_state(state: dict) -> None:
    for key in [key for key in os.environ if key.startswith("SURVEY_")]:
        del os.environ[key]
    os.environ.update(state["SURVEY_ variables"])
    os.chdir(state["working folder"])
    sys.modules["__main__"] = state["__main__"]
    logger = logging.getLogger("sphinx")
    logger.handlers[:], logger.propagate, logger.level = state["sphinx logger (handlers, propagate, level)"]


_PROCESS_STATE_AT_START = _process_state()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    if nextitem is None or nextitem.module is not item.module:
        now = _process_state()
        left = {name: value for name, value in now.items() if value != _PROCESS_STATE_AT_START[name]}
        _restore_process_state(_PROCESS_STATE_AT_START)
        assert not left, f"{item.module.__name__} left the test process changed for the tests after it: {left}"
    return result


def pytest_collection_modifyitems(config, items):
    """The tests of the PDF edition first, then the others that need the built book, then the rest
    (a stable sort: each group keeps its order). xdist's worksteal gives each worker a contiguous
    share of this list, so one worker starts the book's build at once while the other runs tests
    that need no book, instead of waiting for the build (a core idle for about 30 s otherwise); and
    a worker that runs out of tests steals from the end of the other's share, the tests whose
    books are built by then, not the PDF's (one run waited 56 s for it)."""
    def group(item) -> int:
        needs = getattr(item, "fixturenames", ())
        return 0 if "pdf_book" in needs else 1 if "built_book" in needs else 2

    items.sort(key=group)


def copy_book(destination: Path) -> Path:
    """Copy what a build reads (not _build, not .venv) into `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in BOOK_SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    return destination


def read_rows(root: Path, name: str) -> list[dict]:
    """The rows of data/<name>.csv as dictionaries."""
    with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(root: Path, name: str, rows: list[dict]) -> None:
    """Rewrite data/<name>.csv from dictionaries (the columns of the first row)."""
    with (root / "data" / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def svg_background(svg: str) -> str | None:
    """Fill colour of a matplotlib SVG's first shape, the figure's own background."""
    match = re.search(r'<g id="patch_1">\s*<path d="M 0 [^"]*" style="fill: (#[0-9a-f]{6})"', svg)
    return match.group(1) if match else None


def build_book(root: Path) -> subprocess.CompletedProcess:
    """Run the same command as `make book` on a copy; output captured for assertions. The
    timeout (far above any build's time) turns a hang, such as a stray process holding the output
    open, into a failure."""
    return subprocess.run([sys.executable, "-m", "helpers.build", str(root)], cwd=root,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return copy_book(tmp_path / "book")


def shared_folder(request, tmp_path_factory) -> Path:
    """A temporary folder that every xdist worker of this run sees (the run's base folder)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(request.config, "workerinput") else base


def build_once(request, tmp_path_factory, name: str, make) -> Path:
    """Run `make(folder)` once per test run, whichever worker asks first; the others wait and
    reuse its result. A failure is recorded, so that every worker reports it instead of retrying."""
    from filelock import FileLock

    shared = shared_folder(request, tmp_path_factory)
    folder, failed = shared / name, shared / f"{name}.failed"
    with FileLock(str(shared / f"{name}.lock")):
        if not folder.exists() and not failed.exists():
            try:
                make(folder)
            except BaseException as error:  # noqa: BLE001 - recorded for the other workers
                failed.write_text(str(error), encoding="utf-8")
                raise
    if failed.exists():
        pytest.fail(f"{name} could not be made:\n{failed.read_text(encoding='utf-8')[-6000:]}")
    return folder


def _build_the_book(folder: Path) -> None:
    staging = folder.with_name(folder.name + ".partial")
    root = copy_book(staging / "book")
    result = build_book(root)
    (root / "build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    staging.rename(folder)  # only a complete build is ever seen under the final name


@pytest.fixture(scope="session")
def built_book(request, tmp_path_factory) -> Path:
    """The whole book, built once per test run exactly as `make book` builds it. Read-only: a test
    that edits and rebuilds works on `rebuildable_copy(built_book, ...)`. While working on the
    tests of a built site, SURVEY_TEST_BUILT_BOOK=<a copy of the book you built> reuses that build."""
    reuse = os.environ.get("SURVEY_TEST_BUILT_BOOK")
    if reuse:
        assert (Path(reuse) / "_build" / "html" / "index.html").is_file(), f"{reuse} has no built book"
        return Path(reuse)
    return build_once(request, tmp_path_factory, "built", _build_the_book) / "book"


def rebuildable_copy(built: Path, destination: Path) -> Path:
    """A copy of a built book with its _build folder, so that a rebuild after an edit starts from
    the execution cache and environment of the first build instead of from nothing."""
    shutil.copytree(built, destination, symlinks=True)
    return destination


# --- throwaway Python environments (uv) -----------------------------------------------------------

UV = Path(sys.executable).with_name("uv")


def interpreter(version: str) -> str | None:
    """A working python<version> on the PATH, or in pyenv's folder of versions."""
    import glob

    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def binder_python_version() -> str:
    return (REPO / "binder" / "runtime.txt").read_text(encoding="utf-8").strip().removeprefix("python-")


def install_into_throwaway_venv(python: str, folder: Path, *requirements: str) -> subprocess.CompletedProcess:
    """Make a venv with `python` and pip-install `requirements` (arguments of `pip install`) into it
    with uv (seconds, not minutes; the pins are exact, so pip would install the same set)."""
    subprocess.run([str(UV), "venv", "-q", "--python", python, str(folder)], check=True)
    return subprocess.run([str(UV), "pip", "install", "-q", "--python", str(folder / "bin" / "python"), *requirements],
                          capture_output=True, text=True)


def _binder_environment(folder: Path) -> None:
    """What Binder builds: the runtime's Python, binder/requirements.txt, then postBuild's install
    of helpers (`pip install --no-deps -e .`)."""
    python = interpreter(binder_python_version()) or sys.executable  # missing: the one running the tests
    result = install_into_throwaway_venv(python, folder / "venv", "-r", str(REPO / "binder" / "requirements.txt"))
    if result.returncode == 0:
        result = subprocess.run([str(UV), "pip", "install", "-q", "--python", str(folder / "venv" / "bin" / "python"),
                                 "--no-deps", "-e", str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, f"the Binder environment could not be made:\n{result.stderr[-3000:]}"
    copy_book(folder / "book")


@pytest.fixture(scope="session")
def binder(request, tmp_path_factory) -> Path:
    """Binder's environment (venv/) and a copy of the book (book/), made once per test run: the
    notebooks run in it (test_notebooks) and the Python check reads it (test_python_support)."""
    return build_once(request, tmp_path_factory, "binder", _binder_environment)


# --- the built site in a browser ----------------------------------------------------------------

# The browser: $SURVEY_CHROMIUM (the GitHub workflow points it at the Chrome that Playwright
# installs), else Debian's chromium on the PATH. With SURVEY_REQUIRE_BROWSER=1 a missing browser
# fails the tests instead of skipping them, so a green run there means that they ran.
CHROMIUM = os.environ.get("SURVEY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]


def serve(folder: Path):
    """Serve a folder on 127.0.0.1 in a thread; returns (base URL, server)."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture(scope="session")
def site(built_book):
    url, server = serve(built_book / "_build" / "html")
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None or not Path(CHROMIUM).exists():
        message = f"no browser: SURVEY_CHROMIUM={os.environ.get('SURVEY_CHROMIUM')!r} and no chromium on the PATH"
        if os.environ.get("SURVEY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"BROWSER REQUIRED: {message}")
        pytest.skip(f"BROWSER TESTS SKIPPED: {message} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, site):
    """A fresh page (1280 x 900) that refuses every request to another host: the site works offline."""
    from urllib.parse import urlparse

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []
    page.errors = []

    def route(handler, request):
        if urlparse(request.url).hostname not in ("127.0.0.1", None):
            page.outside.append(request.url)
            return handler.abort()
        return handler.continue_()

    page.route("**/*", route)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now (every rule axe runs by default). Only the
    violations come back from the browser: the full result (passes, incomplete, inapplicable)
    took about 0.8 s more per page to serialize, and no test reads it."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate(Axe().axe_script)
    return page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(results => results.violations)")

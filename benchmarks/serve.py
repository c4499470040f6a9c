"""Live preview: time from saving a prose edit to the edited sentence in the browser (`make serve`).

Usage: .venv/bin/python benchmarks/serve.py [--runs 5]

Copies the book (sources, and the built state of the checkout's `_build/` when there is one, so
that the first build is incremental) into a temporary folder, starts `python -m helpers.serve`
there, opens a chapter in headless Chromium, and then, once per run: appends a new sentence to
`chapters/chart.md` and waits until the open page, reloaded by livereload, shows it. The time runs
from the file's write to the sentence in the page (the save-to-screen time a writer sees),
including livereload's polling of the files (every 0.8 s). Median over the runs. A benchmark,
not a test: it prints figures and asserts nothing (tests/test_rebuild.py checks that the page
reloads at all).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import BROWSER_ARGS, CHROMIUM, copy_book  # noqa: E402 - the tests' browser and copy


def copy_built_book(target: Path) -> None:
    copy_book(target)
    if (ROOT / "_build").is_dir():
        shutil.copytree(ROOT / "_build", target / "_build", symlinks=True,
                        ignore=shutil.ignore_patterns("lighthouse", ".build.lock"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if CHROMIUM is None:
        print("no Chromium: apt-get install chromium (or set SURVEY_CHROMIUM)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    times, rebuilds = [], []
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as folder:
        book = Path(folder) / "book"
        copy_built_book(book)
        port = free_port()
        log = open(Path(folder) / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115 - read at the end
        server = subprocess.Popen([sys.executable, "-m", "helpers.serve", "--port", str(port)], cwd=book,
                                  stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
                page = browser.new_page()
                deadline = time.monotonic() + 600
                while True:  # the server listens after its first build
                    try:
                        page.goto(f"http://127.0.0.1:{port}/chapters/chart.html")
                        break
                    except Exception:  # noqa: BLE001 - not listening yet
                        if time.monotonic() > deadline or server.poll() is not None:
                            print("make serve did not start", file=sys.stderr)
                            return 1
                        time.sleep(0.5)
                page.wait_for_function("window.LiveReload !== undefined", timeout=30_000)
                time.sleep(3)  # let the first build's files settle before the first edit
                chart = book / "chapters" / "chart.md"
                for run in range(args.runs):
                    sentence = f"Sentence number {run} saved while serving."
                    text = chart.read_text(encoding="utf-8") + f"\n{sentence}\n"
                    saved = time.monotonic()
                    chart.write_text(text, encoding="utf-8")
                    page.wait_for_function(f"document.body?.innerText.includes({sentence!r})", timeout=120_000)
                    times.append(time.monotonic() - saved)
                    time.sleep(2)  # as a writer would pause before saving again
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.seek(0)
            rebuilds = [line.strip() for line in log if line.startswith(("rebuilt", "build failed"))]
            log.close()
    print(f"prose edit saved -> shown in the browser, median of {args.runs}: {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)}; load average {os.getloadavg()[0]:.2f})")
    print("the server's own reports: " + "; ".join(rebuilds))
    return 0


if __name__ == "__main__":
    sys.exit(main())

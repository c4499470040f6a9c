"""Weight and time to interactive of the paper explorer, in headless Chromium.

Usage: .venv/bin/python benchmarks/explorer.py [built site folder, default _build/html] [--runs 5]

Serves the built site on 127.0.0.1, opens chapters/explorer.html in a fresh browser context per
run (empty cache) at 1280x900, and reports:
* the page's own bytes: its HTML (the table's data is inline in it), the works' records (the
  details-*.json file that the page fetches when a record is first opened or a search typed), and
  the explorer's scripts and styles under _static/explorer/ (theme assets aside);
* time to interactive: from navigation start to the moment the explorer marks itself ready
  (`data-ready="true"`, set once the table, facets and counts are drawn), read from the page's own
  clock by a MutationObserver installed before any script runs;
* the time a facet click takes to update the row count;
* the machine's state while measuring: the load average, and the time the same browser takes for a
  fixed piece of script (CALIBRATION) before and after the runs. On this 2-core machine kind the
  same build measured medians of 0.79-0.91 s with the host idle and 0.97-1.26 s while it was busy
  (benchmarks/README.md); these two figures say which case a report is.
Medians over the runs. A benchmark, not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import BROWSER_ARGS, CHROMIUM, serve  # noqa: E402 - the tests' server and browser

READY_CLOCK = """
new MutationObserver((changes, observer) => {
  const app = document.getElementById('explorer-app');
  if (app && app.dataset.ready === 'true') { window.__readyAt = performance.now(); observer.disconnect(); }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-ready'], childList: true});
"""

# A fixed amount of work for the browser's main thread: sort 200,000 pseudo-random numbers.
CALIBRATION = """() => { let x = 1; const a = new Float64Array(200000);
  for (let i = 0; i < a.length; i++) { x = (x * 48271) % 2147483647; a[i] = x; }
  const t = performance.now(); a.sort(); return performance.now() - t; }"""


def calibrate(browser) -> float:
    """Median time (ms) of CALIBRATION over 5 runs in a fresh page."""
    page = browser.new_page()
    times = [page.evaluate(CALIBRATION) for _ in range(5)]
    page.close()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if CHROMIUM is None:
        print("no Chromium: apt-get install chromium (or set SURVEY_CHROMIUM)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    html = args.site / "chapters" / "explorer.html"
    assets = sorted((args.site / "_static" / "explorer").rglob("*"))
    asset_bytes = sum(p.stat().st_size for p in assets if p.is_file())
    url, server = serve(args.site)
    ready, click = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            load, calibration_before = os.getloadavg()[0], calibrate(browser)
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.add_init_script(READY_CLOCK)
                page.goto(f"{url}/chapters/explorer.html")
                page.wait_for_selector("#explorer-app[data-ready=true]", timeout=60000)
                page.wait_for_function("window.__readyAt !== undefined")
                ready.append(page.evaluate("window.__readyAt"))
                before = page.inner_text(".explorer-count")
                started = page.evaluate("performance.now()")
                page.locator(".explorer-facet input[type=checkbox]").first.check()
                page.wait_for_function(f"document.querySelector('.explorer-count').innerText !== {before!r}")
                click.append(page.evaluate("performance.now()") - started)
                context.close()
            calibration_after = calibrate(browser)
            browser.close()
    finally:
        server.shutdown()
    records = sum(p.stat().st_size for p in assets if p.name.startswith("details-"))
    print(f"explorer.html: {html.stat().st_size / 1000:.0f} KB of HTML (table data inline), "
          f"{records / 1000:.0f} KB of records (fetched on first use), "
          f"{(asset_bytes - records) / 1000:.0f} KB of explorer scripts and styles ({len(assets)} files in all)")
    print(f"time to interactive (navigation start to ready), median of {args.runs}: {statistics.median(ready):.0f} ms "
          f"(runs: {', '.join(f'{r:.0f}' for r in ready)})")
    print(f"facet click to updated count, median: {statistics.median(click):.0f} ms")
    print(f"machine: load average {load:.2f} before the runs; calibration script {calibration_before:.0f} ms before, "
          f"{calibration_after:.0f} ms after")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reader speed on a phone: Lighthouse's mobile preset on built pages, this project against stock.

Usage (what `make lighthouse` runs):
    .venv/bin/python benchmarks/lighthouse.py --site _build/html [--stock /path/to/stock/_build/html]
        [--pages chapters/intro chapters/chart ...] [--runs 3] [--write benchmarks/README.md]

Each site is served gzip-compressed from 127.0.0.1, as GitHub Pages serves it. Every page is run
`--runs` times with Lighthouse's default mobile preset (simulated slow 4G and a 4x slower CPU), in
Debian's Chromium, and the median of each figure is reported, with the pages that miss the goal of issue #22; each of
those is then run `--recheck` more times, and its figures again and its longest tasks are reported
(TBT varies by 100-200 ms between runs of one page). Lighthouse is installed from npm at
a pinned version into _build/lighthouse/ (ignored by git, not read by Sphinx). A benchmark, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VERSION = "12.2.3"
FOLDER = REPO / "_build" / "lighthouse"  # inside _build/: ignored by git and never read as pages
BINARY = FOLDER / "node_modules" / ".bin" / "lighthouse"
COMPRESSED = (".html", ".css", ".js", ".svg", ".json", ".txt", ".xml", ".map", ".ttf")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files, gzip-compressed where the browser accepts it (text types only, as Pages does)."""

    def log_message(self, *args):  # quiet
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (not path.is_file() or not path.name.endswith(COMPRESSED)
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # Lighthouse drops connections at the end
            super().handle_error(request, client_address)


def serve(folder: Path) -> tuple[str, ThreadingHTTPServer]:
    server = QuietServer(("127.0.0.1", 0), partial(GzipHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def install() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        sys.exit("lighthouse needs Node.js and npm: apt-get install nodejs npm")
    installed = FOLDER / "node_modules" / "lighthouse" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == VERSION:
        return
    FOLDER.mkdir(exist_ok=True)
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(FOLDER),
                    f"lighthouse@{VERSION}"], check=True)


def chromium() -> str:
    found = os.environ.get("SURVEY_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        sys.exit("lighthouse needs a Chromium: apt-get install chromium (or set SURVEY_CHROMIUM)")
    return found


def run_once(url: str, browser: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="lh-") as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([str(BINARY), url, "--quiet", "--output=json", f"--output-path={report}",
                        f"--only-categories={','.join(CATEGORIES)}",
                        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"],
                       check=True, env={**os.environ, "CHROME_PATH": browser}, capture_output=True)
        data = json.loads(report.read_text(encoding="utf-8"))
    audits = data["audits"]
    tasks = audits.get("long-tasks", {}).get("details", {}).get("items", [])
    return {
        "tasks": [(round(t["duration"]), _short(t.get("url", ""))) for t in tasks[:3]],
        **{name: round(100 * (data["categories"][name]["score"] or 0)) for name in CATEGORIES},
        "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "kib": audits["total-byte-weight"]["numericValue"] / 1024,
    }


def _short(url: str) -> str:
    """A long task's source as the table shows it: the file's name, without its query."""
    return url.split("?")[0].rsplit("/", 1)[-1] or url or "?"


def measure(site: Path, pages: list[str], runs: int, browser: str) -> dict[str, dict]:
    url, server = serve(site)
    results = {}
    try:
        for page in pages:
            samples = [run_once(f"{url}/{page}.html", browser) for _ in range(runs)]
            results[page] = {key: statistics.median(s[key] for s in samples) for key in samples[0] if key != "tasks"}
            results[page]["tbt_range"] = (min(s["tbt"] for s in samples), max(s["tbt"] for s in samples))
            # the long tasks of the run whose TBT is the median's
            results[page]["tasks"] = sorted(samples, key=lambda s: s["tbt"])[len(samples) // 2]["tasks"]
            print(f"  {site.parent.parent.name or site}: {page}: {results[page]}", file=sys.stderr)
    finally:
        server.shutdown()
    return results


def misses(page: str, r: dict, stock: dict | None) -> list[str]:
    """What a page's figures miss of the goal of issue #22 (empty: the page meets it)."""
    found = []
    if page.endswith("explorer"):
        found += ["performance"] if r["performance"] < 75 else []
    else:
        found += [name for name, missed in (("performance", r["performance"] < 90), ("LCP", r["lcp"] > 2.5),
                                            ("TBT", r["tbt"] > 200), ("CLS", r["cls"] > 0.1)) if missed]
    found += [name for name in ("accessibility", "best-practices", "seo") if r[name] < 100]
    if stock is not None and r["performance"] <= stock["performance"]:
        found.append("not above stock")
    return found


def table(ours: dict[str, dict], stock: dict[str, dict] | None, runs: int, stock_runs: int) -> str:
    header = ("| page | performance | FCP (s) | LCP (s) | TBT (ms) | CLS | KiB | accessibility | best practices | SEO |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")

    def cells(r: dict) -> str:
        return (f"{r['performance']:.0f} | {r['fcp']:.1f} | {r['lcp']:.1f} | {r['tbt']:.0f} | {r['cls']:.2f} | "
                f"{r['kib']:,.0f} | {r['accessibility']:.0f} | {r['best-practices']:.0f} | {r['seo']:.0f}")

    lines = []
    for page, r in ours.items():
        lines.append(f"| {page} | {cells(r)} |")
        if stock and page in stock:
            lines.append(f"| {page} (stock) | {cells(stock[page])} |")
    of_stock = f" (stock: {stock_runs})" if stock and stock_runs != runs else ""
    missed = {page: misses(page, r, (stock or {}).get(page)) for page, r in ours.items()}
    verdict = ", ".join(f"{page} ({', '.join(m)})" for page, m in missed.items() if m) or "none"
    return (f"Lighthouse {VERSION}, mobile preset, median of {runs} runs per page{of_stock}, served "
            f"gzip-compressed from 127.0.0.1.\n\n" + header + "\n".join(lines) + "\n\n"
            f"Pages that miss the goal (performance at least 90, or 75 for the explorer; LCP at most 2.5 s; "
            f"TBT at most 200 ms; CLS at most 0.1; accessibility, best practices and SEO 100; above stock): "
            f"{verdict}.\n")


def rechecked(site: Path, ours: dict[str, dict], stock: dict | None, runs: int, browser: str) -> str:
    """Run each page that missed the goal `runs` more times: its figures again, the spread of its
    TBT and its longest tasks, so that a miss is reported with what caused it."""
    failing = [page for page, r in ours.items() if misses(page, r, (stock or {}).get(page))]
    if not failing or runs == 0:
        return ""
    again = measure(site, failing, runs, browser)
    lines = [f"| {page} | {', '.join(misses(page, ours[page], (stock or {}).get(page)))} | "
             f"{ours[page]['tbt']:.0f} ({ours[page]['tbt_range'][0]:.0f}-{ours[page]['tbt_range'][1]:.0f}) | "
             f"{r['performance']:.0f} | {r['lcp']:.1f} | {r['tbt']:.0f} ({r['tbt_range'][0]:.0f}-{r['tbt_range'][1]:.0f}) | "
             f"{'; '.join(f'{d} ms {name}' for d, name in ours[page]['tasks'])} |" for page, r in again.items()]
    return (f"\nEach page that missed, measured {runs} more times right after (median; TBT's range over the runs in "
            f"brackets), with the three longest main-thread tasks (Lighthouse's simulated durations) of the "
            f"first pass's median run:\n\n"
            "| page | missed | TBT first pass (ms) | performance again | LCP again (s) | TBT again (ms) | longest tasks, first pass |\n"
            "|---|---|---:|---:|---:|---:|---|\n" + "\n".join(lines) + "\n")


def toc_pages() -> list[str]:
    return ["index", *re.findall(r"(?:file|root): (chapters/[\w-]+)", (REPO / "_toc.yml").read_text(encoding="utf-8"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--stock", type=Path, help="the same book built by stock Jupyter Book 1")
    parser.add_argument("--pages", nargs="*", help="default: every page of _toc.yml")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stock-runs", type=int, help="runs per page of the stock build (default: --runs)")
    parser.add_argument("--recheck", type=int, default=5,
                        help="runs again, right after, for each page that missed the goal (0: none)")
    parser.add_argument("--write", type=Path, help="replace the Lighthouse section of this Markdown file")
    args = parser.parse_args()
    browser = chromium()
    install()
    pages = args.pages or toc_pages()
    ours = measure(args.site, pages, args.runs, browser)
    stock_runs = args.stock_runs or args.runs
    stock = measure(args.stock, pages, stock_runs, browser) if args.stock else None
    result = table(ours, stock, args.runs, stock_runs) + rechecked(args.site, ours, stock, args.recheck, browser)
    print(result)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        start, end = "<!-- lighthouse:start -->", "<!-- lighthouse:end -->"
        if start not in text:
            text += f"\n## Reader speed (Lighthouse)\n\n{start}\n{end}\n"
        before, rest = text.split(start, 1)
        args.write.write_text(before + start + "\n" + result + rest[rest.index(end):], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

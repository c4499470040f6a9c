"""Reader speed on a phone: Lighthouse's mobile preset on built pages, this project against stock.

Usage (what `make lighthouse` runs):
    .venv/bin/python benchmarks/lighthouse.py --site _build/html [--stock /path/to/stock/_build/html]
        [--pages chapters/intro chapters/chart ...] [--runs 3] [--write benchmarks/README.md]

Each site is served gzip-compressed from 127.0.0.1, as GitHub Pages serves it. Every page is run
`--runs` times with Lighthouse's default mobile preset (simulated slow 4G and a 4x slower CPU), in
Debian's Chromium, and the median of each figure is reported. Lighthouse is installed from npm at
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
    return {
        **{name: round(100 * (data["categories"][name]["score"] or 0)) for name in CATEGORIES},
        "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "kib": audits["total-byte-weight"]["numericValue"] / 1024,
    }


def measure(site: Path, pages: list[str], runs: int, browser: str) -> dict[str, dict]:
    url, server = serve(site)
    results = {}
    try:
        for page in pages:
            samples = [run_once(f"{url}/{page}.html", browser) for _ in range(runs)]
            results[page] = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
            print(f"  {site.parent.parent.name or site}: {page}: {results[page]}", file=sys.stderr)
    finally:
        server.shutdown()
    return results


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
    return (f"Lighthouse {VERSION}, mobile preset, median of {runs} runs per page{of_stock}, served "
            f"gzip-compressed from 127.0.0.1.\n\n" + header + "\n".join(lines) + "\n")


def toc_pages() -> list[str]:
    return ["index", *re.findall(r"(?:file|root): (chapters/[\w-]+)", (REPO / "_toc.yml").read_text(encoding="utf-8"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--stock", type=Path, help="the same book built by stock Jupyter Book 1")
    parser.add_argument("--pages", nargs="*", help="default: every page of _toc.yml")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stock-runs", type=int, help="runs per page of the stock build (default: --runs)")
    parser.add_argument("--write", type=Path, help="replace the Lighthouse section of this Markdown file")
    args = parser.parse_args()
    browser = chromium()
    install()
    pages = args.pages or toc_pages()
    ours = measure(args.site, pages, args.runs, browser)
    stock_runs = args.stock_runs or args.runs
    stock = measure(args.stock, pages, stock_runs, browser) if args.stock else None
    result = table(ours, stock, args.runs, stock_runs)
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

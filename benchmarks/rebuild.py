"""Benchmark: this book's build against a stock Jupyter Book 1 build of the same book.

    python benchmarks/rebuild.py [--repeat 3] [--write benchmarks/README.md]

Both configurations build a temporary copy of the book's sources:

* stock: `jupyter-book build` with the same _config.yml minus the `helpers.build` extension
  (execution mode "cache", notebooks executed one after the other by myst-nb);
* this project: `python -m helpers.build` (what `make book` runs).

Scenarios, each repeated (the median wall time is reported): clean build; no-op rebuild; a prose
edit of one chapter; an edit of one row of data/papers.csv; an edit of one chapter's code cell.
For each: notebooks executed, peak memory of the whole process tree (sampled), and whether the
output is correct (the edited value is on the page, nothing stale). It times; `make test` doesn't.
"""
from __future__ import annotations

import argparse
import csv
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("_config.yml", "_toc.yml", "references.bib", "favicon.svg", "chapters", "data")
CHAPTER = "chart"  # the chapter whose prose and code the edit scenarios change


@dataclass
class Run:
    seconds: float
    executed: int
    peak_mib: float
    correct: bool | None


def copy_sources(target: Path, stock: bool) -> Path:
    """The book's sources as committed (HEAD), so that edits in progress do not leak in."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD", *SOURCES], cwd=REPO, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    if stock:
        config = target / "_config.yml"
        text = re.sub(r"^\s*- helpers\.build\s*\n", "", config.read_text(encoding="utf-8"), flags=re.M)
        # helpers.build registers the MathML renderer; stock keeps Sphinx's default (MathJax)
        text = re.sub(r"^\s*html_math_renderer: mathml\b.*\n", "", text, flags=re.M)
        assert not re.search(r"^\s*- helpers\.build|\bmathml\b", text, flags=re.M)
        config.write_text(text, encoding="utf-8")
    return target


def command(root: Path, stock: bool) -> list[str]:
    if stock:
        return [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root)]
    return [sys.executable, "-m", "helpers.build", str(root)]


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall time, peak resident memory of the process and all its children, and the output."""
    peak = 0

    def sample(process: psutil.Process, done: threading.Event) -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                total = sum(p.memory_info().rss for p in tree if p.is_running())
            except psutil.Error:
                total = 0
            peak = max(peak, total)
            time.sleep(0.05)

    started = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()
    sampler = threading.Thread(target=sample, args=(psutil.Process(child.pid), done))
    sampler.start()
    output, _ = child.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{output[-3000:]}")
    return elapsed, peak / 2**20, output


def executed_count(output: str) -> int:
    """Notebooks run by myst-nb during Sphinx, plus those run by helpers.execute beforehand."""
    during_sphinx = len(re.findall(r"Executing notebook using", output))
    before = sum(int(n) for n in re.findall(r"^executed (\d+) notebook", output, flags=re.M))
    return during_sphinx + before


def page(root: Path, name: str) -> str:
    return (root / "_build" / "html" / "chapters" / f"{name}.html").read_text(encoding="utf-8")


def edit_prose(root: Path, n: int) -> tuple[str, str]:
    marker = f"Prose marker {n} {time.time_ns()}."
    path = root / "chapters" / f"{CHAPTER}.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{marker}\n", encoding="utf-8")
    return CHAPTER, marker


def edit_data(root: Path, n: int) -> tuple[str, str]:
    marker = f"DATAMARKER{n}x{time.time_ns()}"
    path = root / "data" / "papers.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = next(r for r in rows if r["task"] == "video")
    row["dataset"] = marker
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return "video", marker


def edit_code(root: Path, n: int) -> tuple[str, str]:
    marker = f"CODEMARKER{n}x{time.time_ns()}"
    path = root / "chapters" / f"{CHAPTER}.md"
    text = path.read_text(encoding="utf-8")
    call = f'tables.works_table("{CHAPTER}")'
    assert call in text, f"{path} has no {call}"
    # a visible change made by code: the cell now also prints the marker
    path.write_text(text.replace(call, f'print("{marker}")\n{call}', 1), encoding="utf-8")
    return CHAPTER, marker


def edit_bib_title(root: Path, n: int) -> tuple[str, str]:
    """One word added to the title of one Video-Centric work in references.bib."""
    marker = f"Bibmarker{n}x{time.time_ns()}"
    rows = _rows(root / "data" / "papers.csv")
    key = next(r["key"] for r in rows if r["task"] == "video")
    path = root / "references.bib"
    text = path.read_text(encoding="utf-8")
    entry = re.search(r"@\w+\{" + re.escape(key) + r",.*?\n\s*title\s*=\s*\{\{", text, flags=re.S)
    assert entry, f"no title for {key} in {path}"
    path.write_text(text[:entry.end()] + marker + " " + text[entry.end():], encoding="utf-8")
    return "references", marker


RENAMED = "LLaVA-1.5"  # a generator of several works that no chapter's code names


def edit_column_wide(root: Path, n: int) -> tuple[str, str]:
    """One vocabulary value renamed everywhere: a generator's name in generators.csv and in the
    `generators` cell of every work that lists it."""
    marker = f"Renamed{n}x{time.time_ns()}"
    papers, generators = root / "data" / "papers.csv", root / "data" / "generators.csv"
    rows = _rows(papers)
    chapter = next(r["task"] for r in rows if RENAMED in r["generators"].split(";"))
    for row in rows:
        row["generators"] = ";".join(marker if g == RENAMED else g for g in row["generators"].split(";"))
    _write_rows(papers, rows)
    names = _rows(generators)
    for row in names:
        row["name"] = marker if row["name"] == RENAMED else row["name"]
    _write_rows(generators, names)
    tasks = {r["id"]: r["chapter"] for r in _rows(root / "data" / "tasks.csv")} if (root / "data" / "tasks.csv").is_file() else {}
    return tasks.get(chapter, chapter), marker


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_rows(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


EDITS = {"prose edit": edit_prose, "data edit": edit_data, "code edit": edit_code,
         "bib-title edit": edit_bib_title, "column-wide edit": edit_column_wide}


def run_config(stock: bool, repeat: int, workdir: Path) -> dict[str, list[Run]]:
    name = "stock" if stock else "project"
    results: dict[str, list[Run]] = {s: [] for s in ["clean build", "no-op rebuild", *EDITS]}
    for i in range(repeat):
        root = copy_sources(workdir / f"{name}-{i}", stock)
        seconds, peak, output = measure(command(root, stock), root)
        results["clean build"].append(Run(seconds, executed_count(output), peak, None))
        seconds, peak, output = measure(command(root, stock), root)
        results["no-op rebuild"].append(Run(seconds, executed_count(output), peak, None))
        for scenario, edit in EDITS.items():
            chapter, marker = edit(root, i)
            seconds, peak, output = measure(command(root, stock), root)
            results[scenario].append(Run(seconds, executed_count(output), peak, marker in page(root, chapter)))
        shutil.rmtree(root)
        print(f"  {name} round {i + 1}/{repeat} done", file=sys.stderr)
    return results


def table(stock: dict[str, list[Run]], ours: dict[str, list[Run]], repeat: int) -> str:
    def med(runs, attr):
        return statistics.median(getattr(r, attr) for r in runs)

    def ok(runs):
        values = {r.correct for r in runs}
        return "n/a" if values == {None} else ("yes" if values == {True} else "**no (stale)**")

    lines = [
        f"| scenario | stock JB1 (s) | this project (s) | ratio | notebooks executed (stock / project) "
        f"| peak memory MiB (stock / project) | output correct (stock / project) |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for scenario in stock:
        s, o = stock[scenario], ours[scenario]
        lines.append(
            f"| {scenario} | {med(s, 'seconds'):.1f} | {med(o, 'seconds'):.1f} | "
            f"{med(o, 'seconds') / med(s, 'seconds'):.2f} | {med(s, 'executed'):.0f} / {med(o, 'executed'):.0f} | "
            f"{max(r.peak_mib for r in s):.0f} / {max(r.peak_mib for r in o):.0f} | {ok(s)} / {ok(o)} |")
    machine = f"{platform.machine()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
    return (f"Median of {repeat} runs per scenario on {machine}, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}.\n\n" + "\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", type=Path, help="replace the results section of this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        print("stock Jupyter Book 1 ...", file=sys.stderr)
        stock = run_config(True, args.repeat, Path(tmp))
        print("this project ...", file=sys.stderr)
        ours = run_config(False, args.repeat, Path(tmp))
    result = table(stock, ours, args.repeat)
    print(result)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        start, end = "<!-- results:start -->", "<!-- results:end -->"
        head, rest = text.split(start, 1)
        args.write.write_text(head + start + "\n" + result + end + rest.split(end, 1)[1], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

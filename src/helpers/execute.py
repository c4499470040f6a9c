"""Execute the book's notebooks in parallel into the jupyter-cache that myst-nb reads.

Stock Jupyter Book executes notebooks one after the other while Sphinx reads pages. Here, before
Sphinx starts, every notebook whose cache key has no match is executed in a pool of worker
processes, and the results are stored in the same jupyter-cache, under the same key that myst-nb
computes (code cells + kernelspec, including the fingerprint cell that helpers.build adds). Sphinx
then finds every notebook in the cache and executes nothing itself.

Most of a chapter's run time is the kernel starting and importing pandas and matplotlib, so by
default each worker keeps one warm kernel and runs notebooks in it, clearing the user namespace
(`%reset -f`), pandas' display options and the working folder before each one; `fresh_kernels=True`
starts a new kernel per notebook instead. Workers take their next notebook from one shared queue,
longest first, so that neither waits idle while the other still has pages to run. Each chapter is
also run in a fresh kernel by the tests (tests/test_notebooks.py), which would catch a notebook that
leant on another's leftovers.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from . import paths
from .dependencies import PageFingerprints
from .fingerprints import fingerprint_cell, page_kind, set_fingerprint


@dataclass
class ExecutionReport:
    executed: list[str] = field(default_factory=list)  # pages run in this build
    cached: list[str] = field(default_factory=list)  # pages whose outputs came from the cache
    failed: dict[str, str] = field(default_factory=dict)  # page -> traceback
    seconds: float = 0.0
    page_seconds: dict[str, float] = field(default_factory=dict)  # page -> its cells' run time


def toc_pages(root: Path) -> list[Path]:
    """Source files of every page in _toc.yml, in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                names.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    pages = []
    for name in names:
        for suffix in (".md", ".ipynb"):
            if (root / f"{name}{suffix}").is_file():
                pages.append(root / f"{name}{suffix}")
                break
    return pages


def notebook_for(page: Path, fingerprint: str | None) -> nbformat.NotebookNode | None:
    """The notebook myst-nb builds from a page at read time (None for plain Markdown pages), with
    the page's `fingerprint` appended as helpers.build appends it."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

    text = page.read_text(encoding="utf-8")
    if page.suffix == ".ipynb":
        return nbformat.reads(text, as_version=4)
    if not is_myst_markdown_notebook(text):
        return None
    if fingerprint is not None:
        text += fingerprint_cell(fingerprint)
    return read_myst_markdown_notebook(text, path=str(page))


KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]  # quiet the notice about the local TCP transport
# page, executed notebook, seconds, traceback, what it read (helpers.reads.record)
Result = tuple[str, "dict | None", float, "str | None", "dict | None"]


def _execute(job: tuple[str, dict, int]) -> Result:
    """Worker: run one notebook in a new kernel in its own folder."""
    return _execute_batch([job])[0]


# in a worker process: the shared queue of notebooks still to run, and the one for their results
_queues: tuple | None = None
# What nearly every page imports first (about 1 s): a worker's kernel imports it while the build is
# still looking for the pages to run, so the first page it runs does not wait for it.
WARM_UP = "import numpy, pandas, matplotlib.pyplot"
# Display options a page may set for itself; back to their defaults before the next page, so that a
# page looks the same whichever page ran before it in the kernel (and as it does on its own).
RESET_OPTIONS = ("import sys as _sys\nif 'pandas' in _sys.modules:\n"
                 "    _sys.modules['pandas'].reset_option('^display'); _sys.modules['pandas'].reset_option('^styler')\n"
                 "del _sys")


def _take_queues(jobs, results) -> None:
    global _queues
    _queues = (jobs, results)


def _execute_queued(kernel_name: str, folder: str) -> None:
    """Worker: run notebooks from the shared queue in one warm kernel until it says stop (None),
    handing back each result as soon as it is there."""
    jobs, results = _queues
    for result in _run_in_warm_kernel(iter(jobs.get, None), kernel_name, folder, warm_up=True):
        results.put(result)


def _longest_first(jobs: list) -> list:
    """Source size is a cheap proxy for run time; no long page is left for the end."""
    return sorted(jobs, key=lambda job: -len(str(job[1])))


def _kernel_of(nb_dict: dict) -> str:
    return nb_dict["metadata"].get("kernelspec", {}).get("name", "python3")


def _execute_batch(batch) -> list[Result]:
    """Worker: run several notebooks, one after the other, in one warm kernel (the first one's)."""
    batch = list(batch)
    if not batch:
        return []
    return list(_run_in_warm_kernel(batch, _kernel_of(batch[0][1]), str(Path(batch[0][0]).parent)))


def _run_in_warm_kernel(jobs, kernel_name: str, folder: str, warm_up: bool = False):
    """Run each job (any iterable) in one kernel of `kernel_name`, started in `folder`; yield each
    result as it is done. With `warm_up`, the kernel first imports WARM_UP (for a worker that
    starts before its first page is known)."""
    import traceback

    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    jobs = iter(jobs)
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(cwd=folder, extra_arguments=KERNEL_ARGS)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        if warm_up:
            with suppress(TimeoutError, RuntimeError):  # a kernel without these modules just starts colder
                kc.execute_interactive(WARM_UP, silent=True, timeout=120)
        for path, nb_dict, timeout in jobs:
            if _kernel_of(nb_dict) != kernel_name:
                yield _execute((path, nb_dict, timeout))
                continue
            nb = nbformat.from_dict(nb_dict)
            started = time.perf_counter()
            # a clean slate: no variables from the previous notebook, pandas' display options as
            # a new kernel has them (a page may set them for itself), the notebook's own folder,
            # and what it reads recorded from its first cell on (helpers.reads)
            kc.execute_interactive(f"%reset -f\n{RESET_OPTIONS}\nimport os as _os\n_os.chdir({str(Path(path).parent)!r})\ndel _os\n"
                                   f"import helpers.reads as _r\n_r.start({os.environ.get(paths.ROOT_ENV, str(Path(path).parent))!r})\ndel _r",
                                   silent=True, timeout=60)
            # record_timing=False: timings in cell metadata would change the cache key (as in jupyter-cache).
            # coalesce_streams: one print can reach the client as one stream output or as two,
            # depending on when the kernel flushed; merged, the page is the same on every build.
            client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=False, kernel_name=kernel_name,
                                    record_timing=False, coalesce_streams=True)
            client.kc = kc
            try:
                client.execute()
            except Exception:  # noqa: BLE001 - reported with its traceback, the build then stops
                yield (path, None, time.perf_counter() - started, traceback.format_exc(), None)
                # The failed notebook may have left anything in this kernel, and restarting it in
                # place proved fragile under load ("kernel died before replying"): the rest of
                # this worker's share runs in fresh kernels, so every one is still reported.
                for job in jobs:
                    yield _execute(job)
                break
            seconds = time.perf_counter() - started
            yield (path, nb, seconds, None, _fetch_record(kc))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _fetch_record(kc) -> dict | None:
    """What the notebook just run in this kernel read; None (= it may have read anything) if the
    record cannot be had."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "reads.json"
        try:
            reply = kc.execute_interactive(f"import helpers.reads as _r\n_r.save({str(target)!r})\ndel _r",
                                           silent=True, timeout=60)
            if reply.get("content", {}).get("status") != "ok" or not target.is_file():
                return None
            return json.loads(target.read_text(encoding="utf-8"))
        except (TimeoutError, RuntimeError, OSError, ValueError):
            return None  # the page then depends on every data file, as if never recorded


def execute_outdated(root: Path, cache_path: Path, fingerprints: PageFingerprints | None = None,
                     timeout: int = 300, workers: int | None = None,
                     fresh_kernels: bool = False) -> ExecutionReport:
    """Run every page whose notebook, with its fingerprint appended, has no match in the cache.
    After a run, the page's fingerprint is the one of what it read (helpers.dependencies)."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    started = time.perf_counter()
    report = ExecutionReport()
    cache = get_cache(str(cache_path))
    fingerprints = fingerprints or PageFingerprints(root, cache_path)
    # Parsing every page into a notebook takes about a second; a page whose text and fingerprints
    # are those of its last cached run, whose cache record still exists, need not be parsed again.
    known = _read_keys(cache_path)
    stored = {record.hashkey for record in cache.list_cache_records()}
    keys, jobs, pending = {}, [], {}
    os.environ[paths.ROOT_ENV] = str(root)  # kernels started below inherit it
    warm = None if fresh_kernels else _WarmWorkers(root, workers or os.cpu_count() or 1)
    try:
        _find_jobs(root, cache, fingerprints, known, stored, timeout, keys, jobs, pending, report, warm)
        for path, nb, seconds, error, reads in _run(jobs, fresh_kernels, workers, warm):
            label = Path(path).relative_to(root).as_posix()
            if error is not None:
                report.failed[label] = error
                continue
            kind, fingerprint = pending[label]
            if kind is not None:
                # stored under the fingerprint of what it read, as the next build computes it
                now = fingerprints.remember(Path(path), kind, reads)
                set_fingerprint(nb, fingerprint, now)
                fingerprint = now
            record = cache.cache_notebook_bundle(
                CacheBundleIn(nb, path, data={"execution_seconds": seconds}),
                check_validity=False, overwrite=True,
            )
            keys[label] = {"source": _source_key(Path(path), fingerprint, root), "hashkey": record.hashkey}
            report.executed.append(label)
            report.page_seconds[label] = round(seconds, 2)
    finally:
        if warm is not None:
            warm.stop()
    fingerprints.save()
    _write_keys(cache_path, keys)
    report.executed.sort()
    report.seconds = time.perf_counter() - started
    return report


class _WarmWorkers:
    """Worker processes with one warm kernel each, fed from one shared queue. Each starts as soon as
    there is a page for it (the first page found to run starts the first worker, the second the
    second), so its kernel starts and imports WARM_UP while the remaining pages are still parsed.
    Results come back one by one, so the build stores each while the workers run the next."""

    def __init__(self, root: Path, most: int):
        context = multiprocessing.get_context()
        self.root, self.most, self.shares, self.pool = root, most, [], None
        self.jobs, self.results, self.stopped = context.Queue(), context.Queue(), False

    def want(self, pages: int) -> None:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.most, initializer=_take_queues,
                                            initargs=(self.jobs, self.results))
        while len(self.shares) < min(pages, self.most):
            self.shares.append(self.pool.submit(_execute_queued, "python3", str(self.root)))

    def run(self, jobs: list):
        """Yield the result of every job, in the order they finish."""
        import queue

        for job in _longest_first(jobs):
            self.jobs.put(job)
        self.stop(wait=False)
        for _ in jobs:
            while True:
                try:
                    yield self.results.get(timeout=1)
                    break
                except queue.Empty:
                    for share in self.shares:
                        if share.done():
                            share.result()  # a worker that died: its error, instead of a wait forever

    def stop(self, wait: bool = True) -> None:
        """One stop sign per worker: each finishes what it took, then shuts its kernel down."""
        if not self.stopped:
            self.stopped = True
            for _ in self.shares:
                self.jobs.put(None)
        if wait and self.pool is not None:
            self.pool.shutdown(wait=True)


def _find_jobs(root, cache, fingerprints, known, stored, timeout, keys, jobs, pending, report, warm) -> None:
    """The pages to run (into jobs and pending); the others' cache keys (into keys and report)."""
    from jupyter_cache.base import CacheBundleIn

    for page in toc_pages(root):
        label = page.relative_to(root).as_posix()
        kind = page_kind(page.read_text(encoding="utf-8")) if page.suffix == ".md" else None
        fingerprint = fingerprints(page, kind)
        source = _source_key(page, fingerprint, root)
        if known.get(label, {}).get("source") == source and known[label]["hashkey"] in stored:
            keys[label] = known[label]
            report.cached.append(label)
            continue
        nb = notebook_for(page, fingerprint)
        if nb is None:
            continue
        with suppress(KeyError):
            keys[label] = {"source": source, "hashkey": cache.match_cache_notebook(nb).hashkey}
            report.cached.append(label)
            continue
        if not any(cell.cell_type == "code" for cell in nb.cells):
            # nothing to run: the notebook is its own executed form, no kernel needed
            record = cache.cache_notebook_bundle(CacheBundleIn(nb, str(page)), check_validity=False, overwrite=True)
            keys[label] = {"source": source, "hashkey": record.hashkey}
            report.executed.append(label)
            continue
        jobs.append((str(page), dict(nb), timeout))
        pending[label] = (kind, fingerprint)
        if warm is not None:
            warm.want(len(jobs))


def _run(jobs: list, fresh_kernels: bool, workers: int | None, warm: "_WarmWorkers | None"):
    if not jobs:
        return []
    if warm is not None:
        return warm.run(jobs)  # a generator: results as they come
    # kernels spend part of their start-up waiting: one more worker than cores keeps both busy
    workers = workers or min(len(jobs), (os.cpu_count() or 1) + 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_execute, _longest_first(jobs)))


def _source_key(page: Path, fingerprint: str | None, root: Path) -> str:
    """What the notebook made from a page depends on: its text, the fingerprint appended to it,
    and the locked versions of the tools that parse and hash it."""
    lock = root / "requirements.lock"
    parts = [page.read_bytes(), str(fingerprint).encode(), lock.read_bytes() if lock.is_file() else b""]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _keys_file(cache_path: Path) -> Path:
    return Path(cache_path).parent / "page-cache-keys.json"


def _read_keys(cache_path: Path) -> dict:
    try:
        return json.loads(_keys_file(cache_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: every page is parsed and matched


def _write_keys(cache_path: Path, keys: dict) -> None:
    with suppress(OSError):
        _keys_file(cache_path).write_text(json.dumps(keys, indent=1, sort_keys=True), encoding="utf-8")

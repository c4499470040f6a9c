"""The warm-kernel executor (helpers.execute): a notebook that fails in a worker's share does not
take the rest of the share with it, and each failure is reported with its traceback."""
from __future__ import annotations

from pathlib import Path

import nbformat

from helpers.execute import _execute_batch


def notebook(*cells: str) -> dict:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return dict(nb)


def test_after_a_failing_notebook_the_rest_of_the_share_still_runs_and_is_reported(tmp_path):
    batch = [(str(tmp_path / "a.md"), notebook("x = 1", "print('A ran')"), 60),
             (str(tmp_path / "b.md"), notebook("raise AssertionError('claim failed: «b»: planted')"), 60),
             (str(tmp_path / "c.md"), notebook("print('C ran', 'x' in globals())"), 60),
             (str(tmp_path / "d.md"), notebook("raise ValueError('second failure')"), 60)]
    results = {path.rsplit("/", 1)[1]: (nb, error) for path, nb, _seconds, error, _reads in _execute_batch(batch)}
    assert list(results) == ["a.md", "b.md", "c.md", "d.md"]
    assert results["a.md"][1] is None and "A ran" in str(results["a.md"][0].cells[1].outputs)
    assert "claim failed: «b»: planted" in results["b.md"][1]
    assert results["c.md"][1] is None and "C ran False" in str(results["c.md"][0].cells[0].outputs)
    assert "second failure" in results["d.md"][1]


def test_each_notebook_returns_what_it_read_or_none_when_that_cannot_be_known(tmp_path, monkeypatch):
    """The record of what a page read (helpers.reads) comes back with its run; a kernel that
    cannot give it yields None, so the page depends on every data file instead of nothing."""
    from conftest import REPO

    monkeypatch.setenv("SURVEY_ROOT", str(REPO))
    batch = [(str(tmp_path / "a.md"), notebook("from helpers import load", "load.catalogue()['year'].max()"), 60),
             (str(tmp_path / "b.md"), notebook("import helpers.reads as r\nr.save = lambda path: 1 / 0"), 60)]
    reads = {path.rsplit("/", 1)[1]: record for path, _nb, _seconds, _error, record in _execute_batch(batch)}
    assert reads["a.md"]["columns"] == {"all": ["year"]}
    assert reads["b.md"] is None


def test_one_cells_printing_is_one_output_however_the_kernel_flushed_it(tmp_path):
    """A print that reaches the client in two pieces (the kernel flushed between them) is stored as
    one output, so a page does not change between two builds of the same sources."""
    cell = "import sys, time\nsys.stdout.write('76 removed'); sys.stdout.flush(); time.sleep(0.3)\nprint()\nprint('done')"
    [(_path, nb, _seconds, error, _reads)] = _execute_batch([(str(tmp_path / "a.md"), notebook(cell), 60)])
    assert error is None
    assert [(o.output_type, o.get("name"), o.get("text")) for o in nb.cells[0].outputs] == \
        [("stream", "stdout", "76 removed\ndone\n")]


def test_workers_share_one_queue_so_none_waits_while_notebooks_remain(tmp_path):
    """With two workers, a long notebook taken by one does not leave the other idle with a fixed
    share: every notebook runs once, and the short ones all go to the worker that is free."""
    from helpers.execute import _WarmWorkers

    # The long notebook lasts until the four short ones have run (at most 30 s): as short as the
    # other kernel's start allows, and never too short for it however slowly that kernel starts;
    # then 1.5 s more, for the last short one's result to come back first (a short notebook writes
    # its file before its kernel answers: without the margin the two raced, and once the long one won)
    done = [tmp_path / f"s{i}.done" for i in range(4)]
    wait = (f"import os, time, pathlib\ndone = [pathlib.Path(p) for p in {[str(p) for p in done]!r}]\n"
            "deadline = time.time() + 30\nwhile time.time() < deadline and not all(p.exists() for p in done):\n"
            "    time.sleep(0.05)\ntime.sleep(1.5)\nprint(os.getpid())")
    long_job = (str(tmp_path / "long.md"), notebook(wait), 60)
    short = [(str(tmp_path / f"s{i}.md"), notebook(f"import os, pathlib\npathlib.Path({str(done[i])!r}).touch()\nprint(os.getpid())"), 60)
             for i in range(4)]
    workers = _WarmWorkers(tmp_path, 2)
    workers.want(1)
    workers.want(2)
    try:
        results = list(workers.run([long_job, *short]))
    finally:
        workers.stop()
    ran = {Path(path).name: nb.cells[0].outputs[0]["text"].strip() for path, nb, _s, _e, _r in results}
    assert sorted(ran) == ["long.md", "s0.md", "s1.md", "s2.md", "s3.md"]
    # the kernel that ran the long notebook ran none of the short ones: the other worker took them all
    assert all(ran[f"s{i}.md"] != ran["long.md"] for i in range(4))
    # results come back as they finish: the short ones before the long one
    assert Path(results[-1][0]).name == "long.md"


def test_a_page_looks_the_same_whichever_page_ran_before_it_in_the_kernel(tmp_path):
    """Display options that one page sets for itself do not reach the next page in the same warm
    kernel: the next page's output is the one it has on its own, in a new kernel."""
    table = "import pandas as pd\npd.DataFrame({'question': ['At the end, is the orange circle on the left or the right?']})"
    setter = notebook("import pandas as pd\npd.set_option('display.max_colwidth', None)")
    alone = _execute_batch([(str(tmp_path / "b.md"), notebook(table), 60)])
    after = _execute_batch([(str(tmp_path / "a.md"), setter, 60), (str(tmp_path / "b.md"), notebook(table), 60)])
    shown = [results[-1][1].cells[0].outputs[0]["data"]["text/plain"] for results in (alone, after)]
    assert "left o..." in shown[0]  # pandas' default width, as in a new kernel
    assert shown[1] == shown[0]


def test_a_sphinx_process_started_early_waits_for_its_word(tmp_path):
    """helpers.build starts Sphinx before the notebooks run; the process looks at no page before
    it is told "go" (then it reads the fingerprints the runs left), and ends, writing nothing, on
    any other word or on a closed pipe."""
    import subprocess
    import sys

    script = ("import sys, types\nfrom helpers import build\n"
              f"app = types.SimpleNamespace(srcdir={str(tmp_path)!r})\n"
              "build._await_word(app)\n"
              "print(type(app.survey_fingerprints).__name__)\n")
    env = {**__import__("os").environ, "SURVEY_SPHINX_AWAITS_WORD": "1"}
    for word, status, output in (("go\n", 0, "PageFingerprints"), ("stop\n", 75, ""), ("", 75, "")):
        result = subprocess.run([sys.executable, "-c", script], input=word, capture_output=True, text=True, env=env)
        assert (result.returncode, result.stdout.strip()) == (status, output), result.stderr[-2000:]

"""The warm-kernel executor (helpers.execute): a notebook that fails in a worker's share does not
take the rest of the share with it, and each failure is reported with its traceback."""
from __future__ import annotations

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

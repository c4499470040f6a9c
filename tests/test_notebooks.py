"""Educators open chapters as notebooks: do what Binder does, with no book build involved.

A fresh virtual environment is made from binder/requirements.txt (the same lock as the build) with
the Python that binder/runtime.txt names, the helpers package is installed as binder/postBuild
does, and every page of the book is converted by jupytext and executed top to bottom in its own
fresh kernel, from a copy's chapters/ folder (one test per page, so pages run in parallel)."""
from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import REPO

pytestmark = pytest.mark.book

# One runner process per test worker: it imports jupytext and nbclient once, then executes each
# page it is sent in a fresh kernel of its own and answers with one line of JSON.
RUNNER = """
import json, sys, traceback
from pathlib import Path
import jupytext
from nbclient import NotebookClient

for line in sys.stdin:
    path = line.strip()
    try:
        notebook = jupytext.read(path)
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
        print(json.dumps({"page": path, "error": None}), flush=True)
    except Exception:
        print(json.dumps({"page": path, "error": traceback.format_exc()[-4000:]}), flush=True)
"""
PAGES = sorted(p.name for p in (REPO / "chapters").glob("*.md") if "kernelspec:" in p.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def runner(binder):
    """A runner process of this worker, in the Binder environment, started in a copy's chapters/."""
    book = binder / "book"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}  # find data/ unaided
    # uv installs no bytecode; let the first kernel that imports a module write it for the others
    # (where PYTHONDONTWRITEBYTECODE is set, as on this machine kind, each kernel would compile again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    process = subprocess.Popen([str(binder / "venv" / "bin" / "python"), "-c", RUNNER], cwd=book / "chapters",
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    yield process
    process.stdin.close()
    process.wait(timeout=60)


def test_binder_postbuild_sets_jupytext_as_the_markdown_viewer():
    script = (REPO / "binder" / "postBuild").read_text(encoding="utf-8")
    settings = script.split("<<'JSON'\n", 1)[1].split("\nJSON", 1)[0]
    viewers = json.loads(settings)["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    assert "pip install --no-deps -e ." in script
    assert os.access(REPO / "binder" / "postBuild", os.X_OK)


def test_binder_environment_renders_myst_in_jupyterlab(binder):
    """jupyterlab-myst makes admonitions, exercises and math render in JupyterLab's notebooks."""
    python = binder / "venv" / "bin" / "python"
    listed = subprocess.run([str(python), "-m", "jupyter", "labextension", "list"], capture_output=True, text=True)
    assert re.search(r"jupyterlab-myst .*enabled.*OK", listed.stdout + listed.stderr), listed.stdout + listed.stderr


def test_every_page_with_code_is_tested():
    assert len(PAGES) >= 18


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_as_a_notebook_in_a_fresh_kernel(binder, runner, page):
    runner.stdin.write(str(binder / "book" / "chapters" / page) + "\n")
    runner.stdin.flush()
    answer = json.loads(runner.stdout.readline())
    assert answer["error"] is None, f"{page}:\n{answer['error']}"

"""Educators open chapters as notebooks: do what Binder does, with no book build involved.

A fresh virtual environment is made from binder/requirements.txt (the same lock as the build),
the helpers package is installed as binder/postBuild does, and every page of the book is converted
by jupytext and executed top to bottom in a fresh kernel from a copy's chapters/ folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_book

pytestmark = pytest.mark.book

RUNNER = """
import json, sys, traceback
from pathlib import Path
import jupytext
from nbclient import NotebookClient

failures = {}
for path in sys.argv[1:]:
    notebook = jupytext.read(path)
    try:
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    except Exception:
        failures[Path(path).name] = traceback.format_exc()[-2000:]
print(json.dumps(failures))
"""


@pytest.fixture(scope="module")
def binder_python(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("binder") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "binder/requirements.txt"], cwd=REPO, check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(REPO)], check=True)  # what binder/postBuild does first
    return python


def test_binder_postbuild_sets_jupytext_as_the_markdown_viewer():
    script = (REPO / "binder" / "postBuild").read_text(encoding="utf-8")
    settings = script.split("<<'JSON'\n", 1)[1].split("\nJSON", 1)[0]
    viewers = json.loads(settings)["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    assert "pip install --no-deps -e ." in script
    assert os.access(REPO / "binder" / "postBuild", os.X_OK)


def test_every_chapter_runs_as_a_notebook_in_a_fresh_kernel(binder_python, tmp_path):
    book = copy_book(tmp_path / "book")
    chapters = sorted(str(p) for p in (book / "chapters").glob("*.md") if "kernelspec:" in p.read_text())
    assert len(chapters) >= 18
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}  # find data/ unaided
    result = subprocess.run([str(binder_python), "-c", RUNNER, *chapters], cwd=book / "chapters",
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert failures == {}, "\n\n".join(f"{name}:\n{trace}" for name, trace in failures.items())

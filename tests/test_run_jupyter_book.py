"""helpers.run_jupyter_book ends the Sphinx process without tearing its heap down: what it prints
still arrives whole through a pipe, and its exit status is jupyter-book's."""
from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers.run_jupyter_book", *args], capture_output=True, text=True)


def test_its_output_arrives_whole_and_success_is_zero():
    result = run("build", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: jupyter-book build") and "--keep-going" in result.stdout


def test_a_failure_keeps_its_status_and_message(tmp_path):
    result = run("build", str(tmp_path / "no-such-book"))
    assert result.returncode != 0
    assert "no-such-book" in result.stdout + result.stderr

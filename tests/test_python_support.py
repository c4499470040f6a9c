"""The supported Pythons are stated once (requires-python in pyproject.toml) and true everywhere:
the README, the GitHub workflow's matrix and Binder's runtime agree with it, and the lock installs
on every supported interpreter this machine has (each missing one is skipped, with a message).
Too old a Python is refused by `make` before it makes a virtual environment."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from check_python import supported_range  # noqa: E402
from conftest import binder_python_version, install_into_throwaway_venv, interpreter  # noqa: E402

SPEC, LOW, HIGH = supported_range(REPO / "pyproject.toml")
SUPPORTED = [f"{LOW[0]}.{minor}" for minor in range(LOW[1], HIGH[1])]


def test_supported_range_is_what_the_readme_says():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"Python {SUPPORTED[0]} to {SUPPORTED[-1]}" in readme
    assert not re.search(r"3\.\d+ or newer", readme)


def test_workflow_tests_every_supported_version():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8"))
    assert workflow["jobs"]["test"]["strategy"]["matrix"]["python"] == SUPPORTED


def test_binder_pins_a_supported_python():
    runtime = (REPO / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    assert runtime.removeprefix("python-") in SUPPORTED


@pytest.mark.env
@pytest.mark.parametrize("version", SUPPORTED)
def test_the_lock_installs_on_every_supported_python(version, tmp_path):
    python = interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine: the lock is not checked for it here")
    result = install_into_throwaway_venv(python, tmp_path / "venv", "-r", str(REPO / "requirements.lock"))
    assert result.returncode == 0, result.stderr[-3000:]
    check = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c",
                            "import myst_nb, pandas, matplotlib, frictionless, bibtexparser, sphinx_exercise"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.env
def test_binder_requirements_install_on_binders_python(request):
    """binder/requirements.txt installs on the Python of binder/runtime.txt: checked on the Binder
    environment the notebook tests run in (the `binder` fixture fails, with uv's message, if not)."""
    version = binder_python_version()
    if interpreter(version) is None:
        pytest.skip(f"no Python {version} (binder/runtime.txt) on this machine")
    venv = request.getfixturevalue("binder") / "venv"
    assert re.search(rf"^version_info = {re.escape(version)}\.", (venv / "pyvenv.cfg").read_text(encoding="utf-8"), re.M)
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import jupyterlab, jupytext, pandas, helpers"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr[-3000:]


@pytest.mark.env
def test_an_unsupported_python_fails_the_lock_install(tmp_path):
    """The other half of the claim: the range is not wider than what works."""
    version = f"{LOW[0]}.{LOW[1] - 1}"
    python = interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    result = install_into_throwaway_venv(python, tmp_path / "venv", "-r", str(REPO / "requirements.lock"))
    assert result.returncode != 0


@pytest.mark.env
@pytest.mark.parametrize("version", [f"{LOW[0]}.{LOW[1] - 1}", f"{HIGH[0]}.{HIGH[1]}"])
def test_make_refuses_an_unsupported_python_before_making_a_venv(version, tmp_path):
    python = interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "tools"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, tmp_path / name)
    result = subprocess.run(["make", "book", f"PYTHON={python}"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert f"is Python {version}, but this book needs Python {SUPPORTED[0]} to {SUPPORTED[-1]}" in result.stderr
    assert "make book PYTHON=python" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_check_python_accepts_the_running_interpreter():
    result = subprocess.run([sys.executable, str(REPO / "tools" / "check_python.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

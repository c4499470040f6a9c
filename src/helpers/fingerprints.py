"""What a page's output depends on, as short hashes: the keys that say "nothing changed".

* `data_fingerprint(root)`: the bytes of every data file (data/*.csv, data/datapackage.yaml,
  references.bib);
* `code_fingerprint()`: the source of this package, wherever it is installed from;
* `page_kind(source)`: whether a page reads the catalogue through helpers ("data"), runs helpers
  code that reads no catalogue, such as a lab ("code"), or neither (None).

The build appends each page's fingerprint (helpers.dependencies: the values the page read on its
last run, or every data file before that, and the helpers' code) to the page's notebook as a hidden
cell (`fingerprint_cell`), so that jupyter-cache re-executes the page when, and only when, it changes.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import paths

# `from helpers import x`, `from helpers.x import y`, `import helpers`, `import helpers.x`
_IMPORT = re.compile(r"^\s*(?:from\s+helpers(?:\.(?P<from>[\w.]+))?\s+import\s+(?P<names>[^\n#]+)"
                     r"|import\s+helpers(?:\.(?P<module>[\w.]+))?)", re.M)
# Helpers code that reads no catalogue data: the labs, and the glue for numbers in the prose.
CODE_ONLY = ("labs", "notebook")
# Set by the build to the data fingerprint it has just validated, so that each executing notebook
# need not validate the same bytes again (see load.catalogue); any other fingerprint is validated.
VALIDATED_ENV = "SURVEY_VALIDATED"


def data_fingerprint(root: Path | None = None) -> str:
    """Hash of every data file's name and bytes: the key under which results may be cached."""
    root = paths.project_root() if root is None else Path(root)
    return paths.digest({p.relative_to(root).as_posix(): p for p in paths.data_files(root)})[:16]


def code_fingerprint() -> str:
    return paths.digest(paths.package_files())[:16]


def page_kind(source: str) -> str | None:
    """"data" if the page imports a helpers module that reads the catalogue, "code" if it imports
    only code-only modules (the labs), None if it imports no helpers."""
    kinds = set()
    for match in _IMPORT.finditer(source):
        module = match.group("from") or match.group("module")
        if module is None and match.group("names"):  # from helpers import a, b as c
            names = [n.strip().split()[0] for n in match.group("names").strip("() ").split(",") if n.strip()]
        else:
            names = [module or ""]
        kinds |= {"code" if name.split(".")[0] in CODE_ONLY else "data" for name in names}
    return "data" if "data" in kinds else "code" if kinds else None


_CELL_TEXT = "# data and helpers fingerprint {}: added by helpers.build at read time, not in the source"


def fingerprint_cell(value: str) -> str:
    return f"\n\n+++\n\n```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n{_CELL_TEXT.format(value)}\n```\n"


def set_fingerprint(nb, old: str, new: str) -> None:
    """Replace the fingerprint cell's value in a notebook made by fingerprint_cell."""
    for cell in reversed(nb.cells):
        if cell.cell_type == "code" and cell.source == _CELL_TEXT.format(old):
            cell.source = _CELL_TEXT.format(new)
            return
    raise ValueError(f"no fingerprint cell {old!r} in the notebook")


# Data fingerprints that validated without a problem, so that a kernel that loads the same bytes
# again (every notebook of a class on Binder, say) skips validation. Only successes are kept: data
# with a problem are validated, and the problem reported, every time.
VALIDATED_RECORD = Path("_build") / ".validated"


def validated_before(root: Path, fingerprint: str) -> bool:
    """Whether these data bytes passed validation before, under the same validation code."""
    record = Path(root) / VALIDATED_RECORD
    key = f"{fingerprint}-{code_fingerprint()}"
    return record.is_file() and key in record.read_text(encoding="utf-8").split()


def remember_validated(root: Path, fingerprint: str) -> None:
    record = Path(root) / VALIDATED_RECORD
    try:
        known = record.read_text(encoding="utf-8").split() if record.is_file() else []
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text("\n".join([*known[-19:], f"{fingerprint}-{code_fingerprint()}"]) + "\n",
                          encoding="utf-8")
    except OSError:
        pass  # a read-only copy of the book: validate again next time

"""Find the book's root folder (the one holding _config.yml and data/) wherever the code runs."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT_ENV = "SURVEY_ROOT"  # set by the build so executing notebooks read the copy being built
# Where the site keeps its downloads (helpers.exports) and the explorer's details file
# (helpers.explorer): here, so that the build can look for them without importing either (pandas).
EXPORTS = "exports"
DETAILS_PREFIX = "details-"


def _is_root(path: Path) -> bool:
    return (path / "_config.yml").is_file() and (path / "data" / "datapackage.yaml").is_file()


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The book root: $SURVEY_ROOT, else the nearest parent of `start` (default: the working folder)
    that is a book root, else the checkout this package was installed from (editable install)."""
    if start is None and os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if _is_root(candidate):
            return candidate
    installed_from = Path(__file__).resolve().parents[2]
    if _is_root(installed_from):
        return installed_from
    raise FileNotFoundError(
        f"no book root (a folder with _config.yml and data/datapackage.yaml) above {here}; "
        f"set {ROOT_ENV} to the book's folder"
    )


def site_pages(outdir: Path) -> list[Path]:
    """Every HTML page of a built site, in a stable order; not the theme's files under _static/."""
    return [page for page in sorted(outdir.rglob("*.html")) if "_static" not in page.relative_to(outdir).parts]


# Every file whose content the executed chapters depend on (through load.catalogue()).
DATA_GLOBS = ("data/*.csv", "data/datapackage.yaml", "references.bib")


def data_files(root: Path) -> list[Path]:
    files = {p for pattern in DATA_GLOBS for p in root.glob(pattern)}
    return sorted(files)


def digest(files: dict[str, Path]) -> str:
    """Hash of names and bytes of files (name -> path), in name order: the key for "unchanged"."""
    hasher = hashlib.sha256()
    for name, path in sorted(files.items()):
        hasher.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def package_files() -> dict[str, Path]:
    """The source files of this package, wherever it is installed from."""
    package = Path(__file__).resolve().parent
    return {f"helpers/{p.relative_to(package).as_posix()}": p for p in package.rglob("*.py")}

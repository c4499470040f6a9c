"""The explorer's DataTables bundle, rebuilt from npm packages at pinned versions (`make datatables`).

The explorer (static/explorer.js) uses DataTables' table and its Buttons extension (the column
chooser), with jQuery; its facets, search and records are its own. The bundle that ITables ships,
used before, carries every DataTables extension and JSZip (618 KB), all evaluated and set up on
each visit. The folder static/datatables/ holds the recipe (package.json with exact versions,
package-lock.json with their checksums, the entry points) and the two files it produced,
dt_bundle.js and dt_bundle.css, which the build copies: building the book never needs Node.

Rebuilding needs Node.js, npm and the npm registry. It runs in a scratch folder (default
_build/datatables), so no node_modules lands in the package, and copies the two files back."""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from . import paths

RECIPE = Path(__file__).with_name("static") / "datatables"
RECIPE_FILES = ("package.json", "package-lock.json", "entry.js", "entry.css")
BUNDLE = ("dt_bundle.js", "dt_bundle.css")


def rebuild(work: Path, out: Path = RECIPE) -> None:
    """Install the locked packages into `work` (npm ci), bundle them there (the recipe's `build`
    script: esbuild) and copy the bundle into `out`."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("make datatables needs Node.js and npm (Debian: apt-get install npm)")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in RECIPE_FILES:
        shutil.copyfile(RECIPE / name, work / name)
    # --ignore-scripts: esbuild's binary comes as a platform package; its install script is not needed
    for step in (["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], ["run", "--silent", "build"]):
        done = subprocess.run([npm, *step], cwd=work, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"npm {' '.join(step)} failed in {work} (exit {done.returncode}):\n"
                             f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    out.mkdir(parents=True, exist_ok=True)
    for name in BUNDLE:
        shutil.copyfile(work / name, out / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="scratch folder (default: _build/datatables)")
    parser.add_argument("--out", type=Path, default=RECIPE, help=f"where the bundle goes (default: {RECIPE})")
    args = parser.parse_args(argv)
    rebuild(args.work or paths.project_root() / "_build" / "datatables", args.out)
    for name in BUNDLE:
        print(f"{args.out / name}: {(args.out / name).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

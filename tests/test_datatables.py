"""The explorer's DataTables bundle (helpers.datatables, src/helpers/static/datatables/): it holds
exactly the packages its recipe pins, at the pinned versions, and it is what the recipe builds."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from helpers import datatables

# The packages the explorer needs, and the version line each one's licence comment carries.
BANNERS = {"jquery": "jQuery JavaScript Library v{}", "datatables.net": "DataTables {}",
           "datatables.net-buttons": "Buttons for DataTables {}"}


def bundled_packages(bundle: str) -> set[str]:
    """The npm packages whose modules esbuild put in a bundle (its list of licence comments)."""
    legal = bundle[bundle.rindex("/*! Bundled license information:"):]
    return {re.sub(r"/.*", "", path) if not path.startswith("@") else "/".join(path.split("/")[:2])
            for path in re.findall(r"^(\S+?):$", legal, flags=re.M)}


def locked_versions() -> dict[str, str]:
    lock = json.loads((datatables.RECIPE / "package-lock.json").read_text(encoding="utf-8"))
    return {name.removeprefix("node_modules/"): entry["version"]
            for name, entry in lock["packages"].items() if name.startswith("node_modules/")}


def test_the_bundle_holds_the_pinned_packages_and_no_other():
    manifest = json.loads((datatables.RECIPE / "package.json").read_text(encoding="utf-8"))
    locked = locked_versions()
    for name, version in {**manifest["dependencies"], **manifest["devDependencies"]}.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"package.json: {name}: {version!r} is not an exact version"
        assert locked[name] == version, f"package-lock.json has {name} {locked[name]}, package.json {version}"
    bundle = (datatables.RECIPE / "dt_bundle.js").read_text(encoding="utf-8")
    assert bundled_packages(bundle) == {"jquery", "datatables.net", "datatables.net-dt", "datatables.net-buttons",
                                        "datatables.net-buttons-dt"}
    for name, banner in BANNERS.items():
        assert banner.format(locked[name]) in bundle, f"dt_bundle.js is not built from {name} {locked[name]}"
    # what the explorer imports from it
    assert re.search(r"export\{\w+ as default,\w+ as jQuery\};", bundle)


def test_a_bundle_with_an_extension_the_recipe_does_not_pin_is_told_apart():
    """The check above, on a bundle that also carries SearchPanes (as ITables' bundle did)."""
    bundle = (datatables.RECIPE / "dt_bundle.js").read_text(encoding="utf-8")
    extra = bundle.replace("*/\n", "\ndatatables.net-searchpanes/js/dataTables.searchPanes.mjs:\n  (*! SearchPanes 2.3.5 *)\n*/\n")
    assert "datatables.net-searchpanes" in bundled_packages(extra) - bundled_packages(bundle)


@pytest.mark.env
@pytest.mark.skipif(shutil.which("npm") is None, reason="no npm on this machine: the bundle is not rebuilt")
def test_the_committed_bundle_is_what_the_recipe_builds(tmp_path):
    """`make datatables` in a scratch folder (npm ci from the lock, then esbuild) gives the very
    bytes that are committed: the bundle was not edited by hand, and the lock reproduces it."""
    datatables.rebuild(tmp_path / "work", tmp_path / "out")
    for name in datatables.BUNDLE:
        assert (tmp_path / "out" / name).read_bytes() == (datatables.RECIPE / name).read_bytes(), name

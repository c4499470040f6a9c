"""Link-preview cards drawn by a helper process beside the build (helpers.cards): named and drawn
exactly as sphinxext-opengraph names and draws them in the build's own process, every card finished
before the build ends, a card that cannot be drawn fails the build naming it, the extension's
warnings reach the build, and the build process never imports matplotlib for them."""
from __future__ import annotations

import logging
import subprocess
import sys
import types
from pathlib import Path

import pytest

from helpers import cards

SETTINGS = {"enable": True, "site_url": True, "site_title": True, "page_title": True, "description": True}
PAGES = [("The Survey", "Chart Understanding", "Charts rendered from generated tables.", "example.org/chart.html",
          "chapters/chart"),
         ("The Survey", "Image Captioning", "Captions enriched, then scored.", "example.org/captioning.html",
          "chapters/captioning"),
         ("Another Survey", "Index", "", "example.org/", "index")]


class App:
    def __init__(self):
        self.hooks = []

    def connect(self, event, handler, priority=500):
        self.hooks.append((event, handler, priority))


@pytest.fixture
def wait(monkeypatch):
    """The build-finished hook that waits for the helper (installed here without a stand-in module:
    the extension is imported first, and its own function is put back afterwards)."""
    import sphinxext.opengraph as extension

    monkeypatch.setattr(extension, "create_social_card", extension.create_social_card)
    app = App()
    cards.draw_beside_the_build(app)
    [(event, hook, priority)] = app.hooks
    assert event == "build-finished" and priority < 500  # before the hooks that read the output
    yield hook
    hook(None, RuntimeError("test over"))  # nothing left running


def test_cards_are_named_and_drawn_as_the_extension_does_in_the_build(tmp_path, wait):
    from sphinxext.opengraph import _social_cards

    in_process, beside = tmp_path / "in", tmp_path / "beside"
    environment = types.SimpleNamespace()  # where the extension keeps its figure between pages
    for settings in (SETTINGS, {**SETTINGS, "site_url": False, "text_color": "#123456"}):
        for *texts, page in PAGES:
            expected = _social_cards.create_social_card(settings, *texts, page, srcdir=tmp_path, outdir=in_process,
                                                        env=environment)
            assert cards.create_social_card(settings, *texts, page, srcdir=tmp_path, outdir=beside, env=None) == expected
    wait(None, None)
    drawn = sorted(p.relative_to(beside) for p in beside.rglob("*.png"))
    assert drawn == sorted(p.relative_to(in_process) for p in in_process.rglob("*.png")) and len(drawn) == 6
    for path in drawn:
        assert (beside / path).read_bytes() == (in_process / path).read_bytes()


def test_a_card_drawn_before_is_kept(tmp_path, wait):
    *texts, page = PAGES[0]
    first = cards.create_social_card(SETTINGS, *texts, page, srcdir=tmp_path, outdir=tmp_path, env=None)
    wait(None, None)
    (tmp_path / first).write_bytes(b"kept")
    assert cards.create_social_card(SETTINGS, *texts, page, srcdir=tmp_path, outdir=tmp_path, env=None) == first
    assert cards._pool is None and (tmp_path / first).read_bytes() == b"kept"  # nothing handed off


def test_a_card_that_cannot_be_drawn_fails_the_build_and_names_it(tmp_path, wait):
    *texts, page = PAGES[0]
    cards.create_social_card(SETTINGS, *texts, page, srcdir=tmp_path, outdir=tmp_path / "ok", env=None)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")  # the card's folder cannot be made under it
    path = cards.create_social_card(SETTINGS, *PAGES[1][:4], PAGES[1][4], srcdir=tmp_path, outdir=blocked, env=None)
    with pytest.raises(RuntimeError, match=f"{blocked / path}: the link-preview card could not be drawn"):
        wait(None, None)
    assert list((tmp_path / "ok").rglob("*.png"))


def test_the_extensions_warnings_reach_the_build(tmp_path, wait, caplog):
    (tmp_path / "logo.svg").write_text("<svg/>")
    *texts, page = PAGES[0]
    path = cards.create_social_card(SETTINGS, *texts, page, srcdir=tmp_path, outdir=tmp_path, env=None,
                                    html_logo="logo.svg")
    with caplog.at_level(logging.WARNING):
        wait(None, None)
    assert f"{tmp_path / path}: [Social card] image cannot be an SVG image, skipping..." in caplog.text
    assert (tmp_path / path).is_file()  # drawn without the logo, as the extension does


def test_a_failed_build_does_not_wait_for_its_cards(tmp_path, wait):
    *texts, page = PAGES[0]
    cards.create_social_card(SETTINGS, *texts, page, srcdir=tmp_path, outdir=tmp_path, env=None)
    wait(None, RuntimeError("the build failed"))  # returns without raising about the cards
    assert cards._pool is None and cards._pending == []


def test_the_build_process_does_not_import_matplotlib_for_the_cards():
    """Installed before the extension is imported (helpers.build comes first in _config.yml), the
    stand-in spares every build matplotlib's import; the extension gets its own default settings."""
    probe = """
import sys
from helpers import cards

class App:
    def connect(self, *args, **kwargs): pass

cards.draw_beside_the_build(App())
import sphinxext.opengraph as extension
assert extension.create_social_card is cards.create_social_card, extension.create_social_card
print(sorted(extension.DEFAULT_SOCIAL_CONFIG.items()), "matplotlib" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"{sorted(SETTINGS.items())} False", result.stdout + result.stderr
    order = __import__("yaml").safe_load((Path(__file__).parents[1] / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["extra_extensions"]
    assert order.index("helpers.build") < order.index("sphinxext.opengraph")

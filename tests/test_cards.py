"""Link-preview cards drawn by a helper process beside the build (helpers.cards): the same bytes as
sphinxext-opengraph draws in the build's own process, every card finished before the build ends,
and a card that cannot be drawn fails the build, naming it."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import cards

TEXTS = [("The Survey", "Chart Understanding", "Charts rendered from generated tables.", "example.org/chart.html"),
         ("The Survey", "Image Captioning", "Captions enriched, then scored.", "example.org/captioning.html")]


class App:
    def __init__(self):
        self.hooks = []

    def connect(self, event, handler, priority=500):
        self.hooks.append((event, handler, priority))


@pytest.fixture
def handed_off(monkeypatch):
    """The extension's module with the hand-off installed, restored afterwards."""
    from sphinxext.opengraph import _social_cards

    # set to themselves, so that monkeypatch puts the extension's own functions back afterwards
    monkeypatch.setattr(_social_cards, "create_social_card_objects", _social_cards.create_social_card_objects)
    monkeypatch.setattr(_social_cards, "render_social_card", _social_cards.render_social_card)
    original = (_social_cards.create_social_card_objects, _social_cards.render_social_card)
    app = App()
    cards.draw_beside_the_build(app)
    [(event, wait, priority)] = app.hooks
    assert event == "build-finished" and priority < 500  # before the hooks that read the output
    return _social_cards, original, wait


def test_cards_drawn_beside_the_build_are_the_cards_drawn_in_it(tmp_path, handed_off):
    module, (make_objects, render), wait = handed_off
    objects = make_objects()
    for number, texts in enumerate(TEXTS):
        objects = render(tmp_path / f"in-{number}.png", *texts, objects)
    layout = module.create_social_card_objects()  # what the extension calls: now a stand-in
    assert isinstance(layout, cards.Layout)
    for number, texts in enumerate(TEXTS):
        layout = module.render_social_card(tmp_path / f"beside-{number}.png", *texts, layout)
    wait(None, None)
    for number in range(len(TEXTS)):
        drawn = (tmp_path / f"beside-{number}.png").read_bytes()
        assert drawn == (tmp_path / f"in-{number}.png").read_bytes() and drawn.startswith(b"\x89PNG")


def test_a_card_that_cannot_be_drawn_fails_the_build_and_names_it(tmp_path, handed_off):
    module, _original, wait = handed_off
    layout = module.create_social_card_objects()
    module.render_social_card(tmp_path / "ok.png", *TEXTS[0], layout)
    missing = tmp_path / "no-such-folder" / "card.png"
    module.render_social_card(missing, *TEXTS[1], layout)
    with pytest.raises(RuntimeError, match=f"{missing}: the link-preview card could not be drawn"):
        wait(None, None)
    assert (tmp_path / "ok.png").is_file()


def test_a_failed_build_does_not_wait_for_its_cards(tmp_path, handed_off):
    module, _original, wait = handed_off
    layout = module.create_social_card_objects()
    module.render_social_card(tmp_path / "card.png", *TEXTS[0], layout)
    wait(None, RuntimeError("the build failed"))  # returns without raising about the cards
    assert cards._pool is None and cards._pending == []

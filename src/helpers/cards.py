"""Link-preview cards drawn beside the build instead of in its way (a Sphinx build hook).

sphinxext-opengraph draws one PNG card per page with matplotlib while Sphinx writes that page:
about 70 ms a page, close to 3 s of a clean build, spent on the one core that Sphinx uses while
the other waits. Importing its drawing module also imports matplotlib (0.7-0.8 s), at the start of
every build, a prose edit included, when Sphinx has not yet looked at a page.

Here the extension finds, in place of its drawing module, a stand-in with the same two names
(`DEFAULT_SOCIAL_CONFIG`, read from the real module's source, and `create_social_card`). The
stand-in names each card exactly as the extension does (the file name carries a hash of the card's
texts, so an existing card is kept) and hands the cards to draw to one helper process, which calls
the extension's own `create_social_card`. The build waits for the helper before it ends: a
finished build has every card, a card that fails fails the build naming its file, and the
extension's warnings (a missing or SVG logo) reach the build as warnings."""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import multiprocessing
import sys
import types
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

REAL = "sphinxext.opengraph._social_cards"
FOLDER = Path("_images") / "social_previews"  # where the extension puts cards, under the output

_pool: ProcessPoolExecutor | None = None
_pending: list[tuple[Path, Future]] = []
_environment = types.SimpleNamespace()  # in the helper: the extension keeps its figure on the env


def card_path(config_social: dict, site_name: str, page_title: str, description: str, page_path: str) -> Path:
    """The card's path under the output folder, named as sphinxext-opengraph (0.13) names it: a
    hash of the texts and settings drawn, so that a card already drawn is kept
    (tests/test_cards.py compares it with the extension's own result)."""
    key = (site_name + page_title + description + str(config_social)).encode()
    digest = hashlib.sha1(key, usedforsecurity=False).hexdigest()[:8]
    return FOLDER / f"summary_{page_path.replace('/', '_')}_{digest}.png"


class _Warnings:
    """Stands for the extension's logger in the helper: keeps its warnings for the build."""

    def __init__(self):
        self.messages: list[str] = []

    def warning(self, message, *args, **_kwargs) -> None:
        self.messages.append(str(message) % args if args else str(message))


def _draw(args: tuple, options: dict) -> list[str]:
    """In the helper process: the extension's own function draws the card; its warnings return."""
    social_cards = importlib.import_module(REAL)
    logger, social_cards.LOGGER = social_cards.LOGGER, _Warnings()
    try:
        social_cards.create_social_card(*args, **options, env=_environment)
        return social_cards.LOGGER.messages
    finally:
        social_cards.LOGGER = logger


def create_social_card(config_social, site_name, page_title, description, url_text, page_path, *,
                       srcdir, outdir, env, html_logo=None) -> Path:
    """What the extension calls for each page: the card's path at once, the drawing handed off."""
    global _pool
    relative = card_path(config_social, site_name, page_title, description, page_path)
    if (Path(outdir) / relative).exists():
        return relative
    if _pool is None:
        # spawn, not fork: the build process runs threads, which a fork would copy half-way
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    args = (config_social, site_name, page_title, description, url_text, page_path)
    options = {"srcdir": str(srcdir), "outdir": str(outdir), "html_logo": html_logo}
    _pending.append((Path(outdir) / relative, _pool.submit(_draw, args, options)))
    return relative


def _wait_for_cards(app, exception) -> None:
    global _pool
    if _pool is None:
        return
    from sphinx.util import logging

    pool, pending = _pool, list(_pending)
    _pool, _pending[:] = None, []
    if exception is not None:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    try:
        for path, future in pending:
            try:
                warnings = future.result()
            except Exception as error:  # noqa: BLE001 - reported with the card it concerns
                raise RuntimeError(f"{path}: the link-preview card could not be drawn: {error}") from error
            for message in warnings:
                logging.getLogger(REAL).warning("%s: %s", path, message)
    finally:
        pool.shutdown(wait=True)


def _default_settings(source: Path) -> dict:
    """The extension's DEFAULT_SOCIAL_CONFIG, read from its source without running it."""
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DEFAULT_SOCIAL_CONFIG" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"{source}: DEFAULT_SOCIAL_CONFIG not found (sphinxext-opengraph changed?)")


def draw_beside_the_build(app) -> None:
    """Install the stand-in, if sphinxext-opengraph and matplotlib are there to draw cards."""
    package = importlib.util.find_spec("sphinxext.opengraph")
    if package is None or importlib.util.find_spec("matplotlib") is None:
        return
    if "sphinxext.opengraph" in sys.modules:  # imported already: its bound name is replaced instead
        sys.modules["sphinxext.opengraph"].create_social_card = create_social_card
    elif REAL not in sys.modules:
        stand_in = types.ModuleType(REAL, __doc__)
        stand_in.DEFAULT_SOCIAL_CONFIG = _default_settings(Path(package.origin).with_name("_social_cards.py"))
        stand_in.create_social_card = create_social_card
        sys.modules[REAL] = stand_in
    # before the other build-finished hooks, which read the finished output
    app.connect("build-finished", _wait_for_cards, priority=100)

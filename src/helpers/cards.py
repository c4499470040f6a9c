"""Link-preview cards drawn beside the build instead of in its way (a Sphinx build hook).

sphinxext-opengraph draws one PNG card per page with matplotlib while Sphinx writes that page:
about 70 ms a page, close to 3 s of a clean build, spent on the one core that Sphinx uses while
the other waits. Here its two drawing steps are replaced by a hand-off: the cards are drawn by
one helper process, with the extension's own functions, in the order Sphinx asks for them. The
extension still chooses each card's file name and writes the page's meta tags; the build waits for
the helper before it ends, so a finished build has every card and a failed card fails the build.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor

_pool: ProcessPoolExecutor | None = None
_pending: list[tuple[str, Future]] = []
_drawn: dict = {}  # in the helper process: the extension's matplotlib objects, made once


class Layout:
    """Stands for the extension's matplotlib objects in the build process: only the arguments
    that the helper needs to make them. The extension keeps it between pages as it would keep
    the figure."""

    def __init__(self, options: dict):
        self.options = options


def _make_layout(**options) -> Layout:
    return Layout(options)


def _draw(options: dict, path: str, texts: tuple[str, str, str, str]) -> None:
    """In the helper process: draw one card, reusing the figure as the extension does."""
    from sphinxext.opengraph import _social_cards

    key = repr(sorted(options.items()))
    if key not in _drawn:
        _drawn[key] = _social_cards.create_social_card_objects(**options)
    _drawn[key] = _social_cards.render_social_card(path, *texts, _drawn[key])


def _hand_off(path, site_title, page_title, description, siteurl, layout: Layout) -> Layout:
    global _pool
    if _pool is None:
        # spawn, not fork: the build process runs threads, which a fork would copy half-way
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    texts = (site_title, page_title, description, siteurl)
    _pending.append((str(path), _pool.submit(_draw, layout.options, str(path), texts)))
    return layout


def _wait_for_cards(app, exception) -> None:
    global _pool
    if _pool is None:
        return
    pool, pending = _pool, list(_pending)
    _pool, _pending[:] = None, []
    if exception is not None:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    try:
        for path, future in pending:
            try:
                future.result()
            except Exception as error:  # noqa: BLE001 - reported with the card it concerns
                raise RuntimeError(f"{path}: the link-preview card could not be drawn: {error}") from error
    finally:
        pool.shutdown(wait=True)


def draw_beside_the_build(app) -> None:
    """Install the hand-off, if sphinxext-opengraph (with matplotlib) is there to draw cards."""
    try:
        from sphinxext.opengraph import _social_cards
    except ImportError:
        return
    _social_cards.create_social_card_objects = _make_layout
    _social_cards.render_social_card = _hand_off
    # before the other build-finished hooks, which read the finished output
    app.connect("build-finished", _wait_for_cards, priority=100)

"""`make serve`'s watcher (helpers.serve.NotifiedWatcher): woken by file events, it runs a file's
task when the file is saved in place and when an editor saves it by renaming a new file over it."""
from __future__ import annotations

import asyncio
import os
import threading
import time

from helpers.serve import NotifiedWatcher


def start_watching(watcher: NotifiedWatcher) -> None:
    """Start the watcher as livereload's server does, on an event loop of its own thread, and give
    the file-event watch time to begin."""
    from tornado.ioloop import IOLoop

    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        loop = IOLoop.current()
        watcher.start(watcher.examine)  # what livereload passes is its poll; examine is its core
        started.set()
        loop.start()

    threading.Thread(target=serve, daemon=True).start()
    assert started.wait(10)
    time.sleep(0.5)


def test_a_watched_file_saved_in_place_or_by_rename_runs_its_task_each_time(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("title: one\n")
    (tmp_path / "_build").mkdir()
    runs: list[str] = []
    watcher = NotifiedWatcher()
    watcher.watch(str(config), lambda: runs.append(config.read_text()))
    start_watching(watcher)

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 10
        while len(runs) < count:
            assert time.monotonic() < deadline, runs
            time.sleep(0.05)

    try:
        time.sleep(0.05)  # a new modification time
        config.write_text("title: two\n")  # saved in place
        wait_for(1)
        for number, title in enumerate(("three", "four"), start=2):
            time.sleep(0.05)
            (tmp_path / "new.yml").write_text(f"title: {title}\n")
            os.replace(tmp_path / "new.yml", config)  # saved by rename, as vim and others do
            wait_for(number)
        (tmp_path / "_build" / "page.html").write_text("output")  # the build's files wake nothing
        time.sleep(0.5)
        assert runs == ["title: two\n", "title: three\n", "title: four\n"]
    finally:
        watcher.stop.set()


def test_a_save_made_while_the_task_runs_runs_it_again_with_the_new_text(tmp_path):
    """The task (the build) runs on the watcher's own thread; a save made meanwhile must not be lost."""
    chapter = tmp_path / "chapter.md"
    chapter.write_text("one\n")
    runs: list[str] = []
    saved_during_run = threading.Event()

    def task() -> None:
        runs.append(chapter.read_text())
        if len(runs) == 1:  # the first build is slow; the writer saves again meanwhile
            time.sleep(0.1)
            chapter.write_text("two\n")
            time.sleep(0.5)
            saved_during_run.set()

    watcher = NotifiedWatcher()
    watcher.watch(str(tmp_path), task)
    start_watching(watcher)
    try:
        time.sleep(0.05)
        chapter.write_text("one, edited\n")
        deadline = time.monotonic() + 10
        while len(runs) < 2:
            assert time.monotonic() < deadline, runs
            time.sleep(0.05)
        assert saved_during_run.is_set()
        assert runs == ["one, edited\n", "two\n"]
    finally:
        watcher.stop.set()

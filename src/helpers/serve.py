"""Live preview while writing (`make serve`): build, serve _build/html on 127.0.0.1, rebuild on
save, and reload the open page in the browser when the rebuild is done.

Each rebuild is the same incremental, validated build as `make book`, so a save that breaks the
data shows the problems in the terminal and keeps the last good site on screen. Serving and
reloading are python-livereload's: it injects its script into every page served and tells the
browser to reload over a websocket after the rebuild. livereload looks for changed files every
0.8 s; here the operating system tells it of a save at once (watchfiles), through the watcher
hook livereload provides for that (`Watcher.start`).

After each build the Sphinx process of the next one is started (helpers.build.start_spare): its
start-up, about 2 s of a prose edit's build, is done while the writer writes, and it waits until
the next save. Its first lines ("Running Sphinx", "loading pickled environment") therefore appear
right after each build. A save that changes what it read at start-up (the configuration, the ToC,
the references, the helpers' code) ends it, and the build starts a fresh one."""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time

from livereload.watcher import Watcher

from . import build, paths

WATCHED = ("chapters", "data", "references.bib", "_config.yml", "_toc.yml")


class NotifiedWatcher(Watcher):
    """livereload's watcher, woken by the operating system's file events (watchfiles) rather than
    by a timer. Which files changed, and which task runs, livereload's own checks still decide.

    The tasks (the rebuild) run on the watcher's thread, not on the server's event loop: a browser
    that opens a page or connects its reload socket while a build runs is served and registered at
    once, so it is among those told to reload when the build is done. (Run on the loop, as
    livereload runs them, the build held the socket's handshake until after the reload was sent,
    and a page opened just before a save kept its old text.)"""

    def __init__(self):
        super().__init__()
        self.stop = threading.Event()
        self.ran = False  # a task ran in the current look

    def watch(self, path, func=None, delay=0, ignore=None):
        def task() -> None:
            self.ran = True
            func()

        super().watch(path, task if func else None, delay, ignore)

    def start(self, callback) -> bool:
        import watchfiles
        from livereload.handlers import LiveReloadHandler
        from tornado.ioloop import IOLoop

        loop, watched = IOLoop.current(), [os.path.abspath(path) for path in self._tasks]
        # A single file is watched through its folder: an editor that saves by writing a new file
        # and renaming it over the old one replaces the file a watch on it would follow.
        folders = {path if os.path.isdir(path) else os.path.dirname(path) for path in watched}
        folders = sorted(f for f in folders if not any(f.startswith(o + os.sep) for o in folders))
        callback()  # livereload's own first look (it takes the start-up entry it queued)

        def concerns(_change, path: str) -> bool:  # not the build's output in the book's folder
            return any(path == w or path.startswith(w + os.sep) for w in watched)

        def wake() -> None:
            # step: yield once the files have been quiet for 50 ms (an editor's save may be
            # several writes); saves made during a build are collected meanwhile and yielded next
            for _changes in watchfiles.watch(*folders, watch_filter=concerns, stop_event=self.stop,
                                             step=50, debounce=400):
                if self.look_until_settled():
                    loop.add_callback(LiveReloadHandler.reload_waiters)

        threading.Thread(target=wake, name="watchfiles", daemon=True).start()
        return True  # no polling

    def look_until_settled(self) -> bool:
        """Run the tasks of what changed until a look finds nothing new; True if any ran."""
        any_ran = False
        for _ in range(10):  # livereload stops at the first changed file it finds; a save may change two
            self.ran = False
            self.examine()
            if not self.ran:
                break
            any_ran = True
        return any_ran


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    from livereload import Server

    root = paths.project_root()
    build.main([str(root)])
    site = root / build.PUBLISHED
    spare = build.start_spare(root)

    def rebuild() -> None:
        nonlocal spare
        started = time.perf_counter()
        status = build.main([str(root)], spare=spare)
        outcome = "rebuilt" if status == 0 else "build failed, the last good site stays"
        print(f"{outcome} in {time.perf_counter() - started:.1f} s; reloading the browser", flush=True)
        if spare.taken or spare.process.poll() is not None:
            spare = build.start_spare(root)

    server = Server(watcher=NotifiedWatcher())
    for name in WATCHED:
        if (root / name).exists():
            server.watch(str(root / name), rebuild)
    server.watch(str(build.Path(build.__file__).parent), rebuild)  # the helpers' code
    print(f"serving http://127.0.0.1:{args.port}/ ; watching {', '.join(WATCHED)} (Ctrl-C to stop)", flush=True)
    # The site folder is replaced by each build (helpers.build.publish): livereload looks files
    # up by path on every request, so it serves the new site without a restart.
    try:
        server.serve(port=args.port, host="127.0.0.1", root=str(site), restart_delay=0)
    finally:
        server.watcher.stop.set()
        spare.end()
    return 0


if __name__ == "__main__":
    sys.exit(main())

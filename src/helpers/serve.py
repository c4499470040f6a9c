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
    by a timer. Which files changed, and which task runs, livereload's own checks still decide."""

    def __init__(self):
        super().__init__()
        self.stop = threading.Event()

    def start(self, callback) -> bool:
        import watchfiles
        from tornado.ioloop import IOLoop

        loop, watched = IOLoop.current(), [os.path.abspath(path) for path in self._tasks]
        # A single file is watched through its folder: an editor that saves by writing a new file
        # and renaming it over the old one replaces the file a watch on it would follow.
        folders = {path if os.path.isdir(path) else os.path.dirname(path) for path in watched}
        folders = sorted(f for f in folders if not any(f.startswith(o + os.sep) for o in folders))
        callback()  # the first look records every file's time, as livereload's own watchers do

        def concerns(_change, path: str) -> bool:  # not the build's output in the book's folder
            return any(path == w or path.startswith(w + os.sep) for w in watched)

        def wake() -> None:
            # step: yield once the files have been quiet for 50 ms (an editor's save may be
            # several writes); each wake-up has livereload look until it finds nothing new
            for _changes in watchfiles.watch(*folders, watch_filter=concerns, stop_event=self.stop,
                                             step=50, debounce=400):
                loop.add_callback(self._look_until_settled, callback)

        threading.Thread(target=wake, name="watchfiles", daemon=True).start()
        return True  # no polling

    def _look_until_settled(self, callback) -> None:
        for _ in range(10):  # livereload stops at the first changed file it finds; a save may change two
            callback()
            if self.filepath is None:  # nothing (more) changed
                return


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

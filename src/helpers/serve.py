"""Live preview while writing (`make serve`): build, serve _build/html on 127.0.0.1, rebuild on
save, and reload the open page in the browser when the rebuild is done.

Each rebuild is the same incremental, validated build as `make book`, so a save that breaks the
data shows the problems in the terminal and keeps the last good site on screen. Watching, serving
and reloading are python-livereload's: it injects its script into every page served and tells
the browser to reload over a websocket after the rebuild."""
from __future__ import annotations

import argparse
import sys
import time

from . import build, paths

WATCHED = ("chapters", "data", "references.bib", "_config.yml", "_toc.yml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    from livereload import Server

    root = paths.project_root()
    build.main([str(root)])
    site = root / build.PUBLISHED

    def rebuild() -> None:
        started = time.perf_counter()
        status = build.main([str(root)])
        outcome = "rebuilt" if status == 0 else "build failed, the last good site stays"
        print(f"{outcome} in {time.perf_counter() - started:.1f} s; reloading the browser", flush=True)

    server = Server()
    for name in WATCHED:
        if (root / name).exists():
            server.watch(str(root / name), rebuild)
    server.watch(str(build.Path(build.__file__).parent), rebuild)  # the helpers' code
    print(f"serving http://127.0.0.1:{args.port}/ ; watching {', '.join(WATCHED)} (Ctrl-C to stop)", flush=True)
    # The site folder is replaced by each build (helpers.build.publish): livereload looks files
    # up by path on every request, so it serves the new site without a restart.
    server.serve(port=args.port, host="127.0.0.1", root=str(site), restart_delay=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())

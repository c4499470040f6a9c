"""Live preview while writing (`make serve`): build, serve _build/html on 127.0.0.1, rebuild on save.

Each rebuild is the same incremental, validated build as `make book`, so a save that breaks the
data shows the problems in the terminal and keeps the last good site on screen. Reload the page in
the browser after a rebuild."""
from __future__ import annotations

import argparse
import functools
import http.server
import threading

from . import build, paths

WATCHED = ("chapters", "data", "references.bib", "_config.yml", "_toc.yml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    from watchfiles import watch

    root = paths.project_root()
    build.main([str(root)])
    site = root / build.PUBLISHED

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def translate_path(self, path):  # serve the current site even after it was replaced
            return str(site / path.split("?", 1)[0].split("#", 1)[0].lstrip("/"))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving http://127.0.0.1:{args.port}/ ; watching {', '.join(WATCHED)} (Ctrl-C to stop)")
    helpers_code = build.Path(build.__file__).parent
    try:
        for changes in watch(*(root / name for name in WATCHED if (root / name).exists()), helpers_code):
            print(f"changed: {', '.join(sorted({c[1] for c in changes}))[:200]}")
            build.main([str(root)])
    except KeyboardInterrupt:
        pass
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

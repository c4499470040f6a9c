"""Stop `make` before it creates the virtual environment when the Python it was given is outside the
range that pyproject.toml's requires-python states (the one place the supported range is written).

Runs under any Python 3, including ones too old for the book, so it uses nothing newer than 3.6.
"""
import re
import sys
from pathlib import Path


def supported_range(pyproject: Path):
    text = pyproject.read_text(encoding="utf-8")
    spec = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M).group(1)
    low = re.search(r">=\s*(\d+)\.(\d+)", spec)
    high = re.search(r"<\s*(\d+)\.(\d+)", spec)
    low = (int(low.group(1)), int(low.group(2)))
    high = (int(high.group(1)), int(high.group(2))) if high else (99, 0)
    return spec, low, high


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "python3"
    spec, low, high = supported_range(Path(__file__).resolve().parents[1] / "pyproject.toml")
    found = sys.version_info[:2]
    if low <= found < high:
        return 0
    last = (high[0], high[1] - 1)
    newest = "{}.{}".format(*last)
    print("make: {} is Python {}.{}, but this book needs Python {}.{} to {} (requires-python {}); "
          "pick another, e.g. make book PYTHON=python{}".format(name, found[0], found[1], low[0], low[1], newest,
                                                             spec, newest), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

"""Where things are in a stylesheet's text: tinycss2 reports a node's line and column, the build
edits the text by offset (so that what it does not edit stays byte for byte)."""
from __future__ import annotations

import re


def line_offsets(text: str) -> list[int]:
    """The offset at which each line of `text` starts."""
    offsets = [0]
    for match in re.finditer(r"\r\n|\n|\r|\f", text):  # CSS's newlines, as tinycss2 counts lines
        offsets.append(match.end())
    return offsets


def offset(offsets: list[int], node) -> int:
    """Where a tinycss2 node starts in the text (it reports 1-based line and column)."""
    return offsets[node.source_line - 1] + node.source_column - 1


def block_end(css: str, start: int) -> int:
    """The offset just after the `}` closing the first block from `start` (strings and comments skipped)."""
    depth, index = 0, start
    while True:
        if css.startswith("/*", index):
            index = css.index("*/", index) + 2
            continue
        char = css[index]
        if char in "\"'":
            index += 1
            while css[index] != char:
                index += 2 if css[index] == "\\" else 1
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1

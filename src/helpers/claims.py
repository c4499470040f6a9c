"""Sentences about the catalogue, checked when the page runs.

Prose that compares, ranks or generalises over the works ("the largest share", "none of them",
"most", "rises") is backed by a hidden cell right after it that calls one of these functions. Each
takes `sentence`, a fragment copied verbatim from the sentence it backs, and raises `ClaimFailed`
when the data no longer support it. The build (helpers.execute) finds that fragment in the page and
reports `chapters/<page>.md:<line>: claim failed: ...`, so a data edit that makes a sentence false
stops the build and names the sentence. `tests/test_claims.py` checks that every fragment occurs in
its page, so the locator cannot drift from the prose.

    ```{code-cell} ipython3
    :tags: [remove-cell]
    from helpers import claims
    chart = claims.works(task="chart")
    claims.none_have("none of them builds preference pairs", chart, "data_kinds", "preference-pairs")
    ```
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from . import load

MARK = "claim failed"
_MESSAGE = re.compile(MARK + r": «(?P<sentence>.+?)»: ")


class ClaimFailed(AssertionError):
    """A sentence of the prose that the catalogue no longer supports."""

    def __init__(self, sentence: str, detail: str):
        self.sentence, self.detail = sentence, detail
        super().__init__(f"{MARK}: «{sentence}»: {detail}")


def works(task: str | None = None, root=None) -> pd.DataFrame:
    """The catalogue, or the works of one task category."""
    return load.of_task(load.catalogue(root), task)


def has(works: pd.DataFrame, column: str, value: str) -> pd.Series:
    """Which works have `value` in `column` (a member of a ';'-list column, or equal to a plain one)."""
    return works[column].map(lambda cell: value in cell if isinstance(cell, list) else cell == value)


def count(works: pd.DataFrame, column: str, value: str) -> int:
    return int(has(works, column, value).sum())


def counts(works: pd.DataFrame, column: str) -> pd.Series:
    """Number of works per value of `column` (a work counts once for each value of a list column)."""
    values = works[column].explode() if works[column].map(lambda c: isinstance(c, list)).any() else works[column]
    return values.dropna().value_counts()


def _keys(works: pd.DataFrame, mask: pd.Series, limit: int = 6) -> str:
    keys = list(works.loc[mask, "key"])
    return ", ".join(keys[:limit]) + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def holds(sentence: str, condition: bool, detail: str) -> None:
    """The general form: `condition` must be true; `detail` says what the data show when it is not."""
    if not condition:
        raise ClaimFailed(sentence, detail)


def none_have(sentence: str, works: pd.DataFrame, column: str, value: str) -> None:
    """No work has `value` in `column`."""
    mask = has(works, column, value)
    holds(sentence, not mask.any(), f"{int(mask.sum())} of {len(works)} works have {column} {value!r} "
                                    f"({_keys(works, mask)})")


def all_have(sentence: str, works: pd.DataFrame, column: str, value: str) -> None:
    """Every work has `value` in `column`."""
    mask = ~has(works, column, value)
    holds(sentence, not mask.any(), f"{int(mask.sum())} of {len(works)} works lack {column} {value!r} "
                                    f"({_keys(works, mask)})")


def most_have(sentence: str, works: pd.DataFrame, column: str, value: str) -> None:
    """More than half of the works have `value` in `column` ("mostly", "mainly", "most")."""
    n = count(works, column, value)
    holds(sentence, 2 * n > len(works), f"only {n} of {len(works)} works have {column} {value!r}")


def at_least(sentence: str, minimum: int, works: pd.DataFrame, column: str, value: str) -> None:
    """At least `minimum` works have `value` in `column` ("several" is three or more)."""
    n = count(works, column, value)
    holds(sentence, n >= minimum, f"{n} works have {column} {value!r}, fewer than {minimum}")


def at_most(sentence: str, maximum: int, works: pd.DataFrame, column: str, value: str) -> None:
    """At most `maximum` works have `value` in `column` ("a handful", "few")."""
    n = count(works, column, value)
    holds(sentence, n <= maximum, f"{n} works have {column} {value!r}, more than {maximum}")


def more(sentence: str, larger: tuple[str, float], smaller: tuple[str, float]) -> None:
    """`larger` = (label, number) exceeds `smaller` strictly ("more than", "ahead of")."""
    (a, x), (b, y) = larger, smaller
    holds(sentence, x > y, f"{a} is {x:g}, not more than {b} ({y:g})")


def largest(sentence: str, numbers: Mapping[str, float], expected: Iterable[str]) -> None:
    """The `expected` labels are exactly the top len(expected) of `numbers`, with no tie across the
    cut ("A, B and C are the largest")."""
    expected = list(expected)
    ranked = sorted(numbers.items(), key=lambda item: -item[1])
    top, rest = ranked[: len(expected)], ranked[len(expected):]
    unknown = [e for e in expected if e not in numbers]
    ok = not unknown and {k for k, _ in top} == set(expected) and (not rest or rest[0][1] < top[-1][1])
    shown = ", ".join(f"{k} {v:g}" for k, v in ranked[: len(expected) + 2])
    holds(sentence, ok, f"expected {expected} to be the {len(expected)} largest; the data rank: {shown}"
                        + (f"; not in the data: {unknown}" if unknown else ""))


def share_at_least(sentence: str, part: float, whole: float, fraction: float) -> None:
    """part/whole >= fraction ("the larger share" is more than half; "a third" is 1/3)."""
    holds(sentence, whole > 0 and part / whole >= fraction,
          f"{part:g} of {whole:g} is {100 * part / max(whole, 1):.0f}%, below {100 * fraction:.0f}%")


def ordered(sentence: str, series: Mapping, increasing: bool = True, strict: bool = False) -> None:
    """The values, in key order (years, say), never decrease (or never increase): "rises", "falls"."""
    items = sorted(series.items())
    steps = list(zip(items, items[1:]))
    if increasing:
        bad = [(a, b) for a, b in steps if b[1] < a[1] or (strict and b[1] == a[1])]
    else:
        bad = [(a, b) for a, b in steps if b[1] > a[1] or (strict and b[1] == a[1])]
    word = "rise" if increasing else "fall"
    holds(sentence, not bad, f"does not {word} throughout: " + "; ".join(f"{a[0]}: {a[1]:g} -> {b[0]}: {b[1]:g}"
                                                                         for a, b in bad))


_SEARCHED = ("title", "summary", "seed_data", "dataset")


def mentioning(works: pd.DataFrame, pattern: str) -> pd.Series:
    """Which works mention `pattern` (a case-insensitive regular expression) in their title,
    summary, seed data or dataset name."""
    text = works[list(_SEARCHED)].astype(str).agg(" ".join, axis=1)
    return text.str.contains(pattern, case=False, regex=True)


def only_reviewed_mention(sentence: str, works: pd.DataFrame, pattern: str, reviewed: Iterable[str]) -> None:
    """For absence claims the columns cannot express ("no work targets driving"): the works that
    mention `pattern` are among `reviewed`, the ones an author read and found not to contradict the
    sentence. A new work that mentions it stops the build until someone reads it."""
    mask = mentioning(works, pattern) & ~works["key"].isin(list(reviewed))
    holds(sentence, not mask.any(), f"{int(mask.sum())} works mention /{pattern}/ and were not reviewed for "
                                    f"this sentence ({_keys(works, mask)})")


def locate(text: str, message: str) -> int | None:
    """The 1-based line of `text` where the sentence fragment named in a ClaimFailed message starts
    (whitespace and line breaks in the prose are ignored), or None."""
    match = _MESSAGE.search(message)
    if not match:
        return None
    return fragment_line(text, match.group("sentence"))


_CODE_CELL = re.compile(r"^(`{3,})\{code-cell\}.*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)


def prose_only(text: str) -> str:
    """`text` with its code cells blanked (line breaks kept, so line numbers stay right): the
    fragment a claim cell quotes also occurs in the cell itself, and the prose is what it backs."""
    return _CODE_CELL.sub(lambda cell: "\n" * cell.group(0).count("\n"), text)


def fragment_line(text: str, fragment: str) -> int | None:
    """The 1-based line where `fragment` starts in the prose of `text`, matching across line breaks."""
    words = fragment.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    prose = prose_only(text)
    found = re.search(pattern, prose)
    return prose.count("\n", 0, found.start()) + 1 if found else None

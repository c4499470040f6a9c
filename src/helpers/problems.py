"""One problem found in the author's input, reported as `file:line: field: value: what is wrong`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        line = self.line if self.line is not None else "-"
        return f"{self.file}:{line}: {self.field}: {value!r}: {self.message}"


class InputError(Exception):
    """Raised when the book's input is invalid; carries every problem found in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.field))
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the book's input:\n{lines}")

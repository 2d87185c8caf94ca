"""Reading the CSV files of the batch commands (payouts, members).

Files are UTF-8 (Excel's "CSV UTF-8", with or without a byte-order mark) with
a header. The header is checked before any row is read; each row becomes a dict
of stripped strings and then the command's own request. Whatever is wrong with
the file becomes the command's error, naming the row and its line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Row(Generic[R]):
    """One data row of a file and the request made of it."""

    number: int  # 1-based data row (the header is not counted)
    line: int  # line of the file where the row ends
    request: R


# Given the header's names, check them and return the parser of one row (which
# raises ValueError for a row it cannot parse).
RowParser = Callable[[dict[str, str]], R]


def cells(values: dict[Any, Any]) -> dict[str, str]:
    """A row of csv.DictReader as stripped strings; ValueError for a ragged row."""
    if None in values:
        raise ValueError("has more fields than the header")
    if any(value is None for value in values.values()):
        raise ValueError("has fewer fields than the header")
    return {str(key).strip(): str(value).strip() for key, value in values.items()}


def read_rows(
    path: Path,
    start: Callable[[Sequence[str] | None], RowParser[R]],
    error: Callable[[str], Exception],
) -> Iterator[Row[R]]:
    """Every row of ``path``, parsed."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            parse = start(reader.fieldnames)
            for number, values in enumerate(reader, start=1):
                try:
                    parsed = parse(cells(values))
                except ValueError as problem:
                    raise error(f"row {number} (line {reader.line_num}): {problem}") from None
                yield Row(number, reader.line_num, parsed)
    except UnicodeDecodeError:
        raise error('the file is not UTF-8 text; save it as "CSV UTF-8"') from None
    except csv.Error as problem:
        raise error(f"not a readable CSV file: {problem}") from None
    except OSError as problem:
        raise error(f"cannot read {path}: {problem.strerror or problem}") from None

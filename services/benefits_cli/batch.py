"""Posting a CSV file of payouts in all-or-nothing chunks.

The file is checked whole before anything is sent: the header, a unique
non-empty request id on every row, and amounts that convert exactly to fen.
Rules that belong to the ledger (positive amounts, dates in the fiscal year,
open programmes, caps) are left to the ledger, which refuses a chunk whole and
names the refused row; rerunning the same file is safe because every row's
request id replays what was already recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benefits_cli import csvfile
from benefits_cli.client import CallError, LedgerClient
from benefits_cli.money import AmountError, to_fen, wan_yuan, yuan
from benefits_cli.progress import Progress
from benefits_platform.protos.benefits.v1 import ledger_pb2

REQUIRED = ("request_id", "member_id", "program_code", "fiscal_year", "effective_date")
OPTIONAL = ("external_ref", "note")
AMOUNT_COLUMNS = ("amount", "amount_fen")
MAX_CHUNK = 10_000
_ROW_REFUSAL = re.compile(r"^payouts\[(\d+)\]: (.*)$", re.DOTALL)
_YEAR = re.compile(r"^\d{4}$")


class BatchFileError(Exception):
    """The file is refused before any row is posted."""


Row = csvfile.Row[ledger_pb2.PostPayoutRequest]


@dataclass(frozen=True)
class Refusal:
    """A chunk the ledger did not record, and the row it named when it named one."""

    error: CallError
    first_row: int
    last_row: int
    row: Row | None = None
    reason: str = ""


@dataclass
class BatchResult:
    rows: int
    chunks: int = 0
    done: int = 0
    replayed: int = 0
    amount_fen: int = 0
    refusal: Refusal | None = field(default=None)

    @property
    def recorded(self) -> int:
        """Rows recorded by this run (the others were replays of an earlier run)."""
        return self.done - self.replayed


def _header(fieldnames: Sequence[str] | None) -> str:
    """Check the header; return the amount column it uses."""
    names = [name.strip() for name in fieldnames or []]
    expected = ", ".join((*REQUIRED, "amount|amount_fen", *OPTIONAL))
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise BatchFileError(
            f"missing column(s) {', '.join(missing)}; the header must be: {expected}"
        )
    amounts = [name for name in AMOUNT_COLUMNS if name in names]
    if len(amounts) != 1:
        raise BatchFileError(
            "the header must have exactly one of the columns amount (yuan) or amount_fen"
        )
    unknown = sorted(set(names) - {*REQUIRED, *OPTIONAL, *AMOUNT_COLUMNS})
    if unknown or len(set(names)) != len(names):
        raise BatchFileError(
            f"unknown or repeated column(s) {', '.join(unknown) or names}; expected: {expected}"
        )
    return amounts[0]


def _request(text: dict[str, str], amount_column: str) -> ledger_pb2.PostPayoutRequest:
    if not _YEAR.match(text["fiscal_year"]):
        raise ValueError(f"fiscal_year: {text['fiscal_year']!r} is not a year")
    try:
        amount = to_fen(text[amount_column], fen=amount_column == "amount_fen")
    except AmountError as error:
        raise ValueError(f"{amount_column}: {error}") from None
    return ledger_pb2.PostPayoutRequest(
        request_id=text["request_id"],
        member_id=text["member_id"],
        program_code=text["program_code"],
        fiscal_year=int(text["fiscal_year"]),
        amount_fen=amount,
        effective_date=text["effective_date"],
        external_ref=text.get("external_ref", ""),
        note=text.get("note", ""),
    )


def _parser(
    fieldnames: Sequence[str] | None,
) -> Callable[[dict[str, str]], ledger_pb2.PostPayoutRequest]:
    amount_column = _header(fieldnames)
    return lambda text: _request(text, amount_column)


def _rows(path: Path) -> Iterator[Row]:
    return csvfile.read_rows(path, _parser, BatchFileError)


def check_file(path: Path) -> int:
    """Check the whole file; return its number of data rows."""
    seen: dict[str, int] = {}
    count = 0
    for row in _rows(path):
        request_id = row.request.request_id
        where = f"row {row.number} (line {row.line})"
        if not request_id:
            raise BatchFileError(f"{where}: request_id is empty; each row needs its own request id")
        if request_id in seen:
            raise BatchFileError(
                f"{where}: request_id {request_id!r} repeats row {seen[request_id]}; "
                "request ids must be unique within the file"
            )
        seen[request_id] = row.number
        count = row.number
    if count == 0:
        raise BatchFileError("the file has a header but no rows")
    return count


def chunks(path: Path, size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in _rows(path):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _refusal(error: CallError, chunk: list[Row]) -> Refusal:
    first, last = chunk[0].number, chunk[-1].number
    match = _ROW_REFUSAL.match(error.message)
    if match is not None and int(match.group(1)) < len(chunk):
        return Refusal(error, first, last, chunk[int(match.group(1))], match.group(2))
    return Refusal(error, first, last, None, error.message)


def post_file(client: LedgerClient, path: Path, size: int, progress: Progress) -> BatchResult:
    """Post the checked file chunk by chunk; stop at the first refused chunk."""
    result = BatchResult(rows=progress.total)
    try:
        for chunk in chunks(path, size):
            try:
                response = client.post_payouts([row.request for row in chunk])
            except CallError as error:
                result.refusal = _refusal(error, chunk)
                return result
            result.chunks += 1
            result.done += len(chunk)
            result.replayed += response.replayed_count
            result.amount_fen += sum(entry.amount_fen for entry in response.entries)
            progress.advance(len(chunk))
    finally:
        progress.finish()
    return result


# -- reporting ------------------------------------------------------------------------


def summary(path: Path, result: BatchResult) -> str:
    amount = f"{yuan(result.amount_fen)} 元 ({wan_yuan(result.amount_fen)})"
    return (
        f"{path.name}: {result.done:,} of {result.rows:,} rows posted in {result.chunks:,} "
        f"chunk(s): {result.recorded:,} newly recorded, {result.replayed:,} replayed "
        f"(recorded by an earlier run); amount {amount}"
    )


def document(path: Path, result: BatchResult) -> dict[str, Any]:
    refusal = result.refusal
    refused: dict[str, Any] | None = None
    if refusal is not None:
        refused = {
            "status": refusal.error.status,
            "message": refusal.reason,
            "row": refusal.row.number if refusal.row else None,
            "line": refusal.row.line if refusal.row else None,
            "first_row": refusal.first_row,
            "last_row": refusal.last_row,
        }
    return {
        "file": str(path),
        "rows": result.rows,
        "chunks": result.chunks,
        "rows_done": result.done,
        "recorded": result.recorded,
        "replayed": result.replayed,
        "amount_fen": str(result.amount_fen),
        "refused": refused,
    }


def refusal_lines(refusal: Refusal, result: BatchResult) -> list[str]:
    """What went wrong, what was recorded, and what to do next."""
    span = f"rows {refusal.first_row}-{refusal.last_row}"
    where = f"row {refusal.row.number} (line {refusal.row.line})" if refusal.row else span
    lines = [f"error: {where}: {refusal.error.status}: {refusal.reason}"]
    if refusal.error.hint():
        lines.append(f"hint: {refusal.error.hint()}")
    if refusal.error.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "UNKNOWN", "CANCELLED"):
        lines.append(f"the chunk of {span} may or may not have been recorded.")
    else:
        lines.append(f"the chunk of {span} was refused whole: none of its rows was recorded.")
    before = f" (rows 1-{result.done})" if result.done else ""
    lines.append(f"{result.done} row(s) were recorded before it{before}.")
    if refusal.last_row < result.rows:
        lines.append(f"rows {refusal.last_row + 1}-{result.rows} were not posted.")
    lines.append(
        "fix the file and run the same command again: rows already recorded replay by "
        "their request id and are never paid twice."
    )
    return lines

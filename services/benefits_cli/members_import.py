"""Enrolling a CSV file of members, one EnrollMember call per row, a few in flight.

The file is checked whole before anything is sent: the header, every row's
number of fields, a non-empty member id unique in the file, and no national ID
number twice. Rules that belong to the members service (check characters,
units, one membership per person) are left to it; each row stands alone, so a
refused row does not stop the others. Running the same file again is safe: a
row enrolled before replays (the same member id with the same details).

Nothing here prints a national ID number or a name: refusals name the row, its
line and member id, with the service's message (which never holds either).
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benefits_cli import csvfile
from benefits_cli.client import CallError, MembersClient
from benefits_cli.progress import Progress
from benefits_platform.protos.benefits.v1 import members_pb2

COLUMNS = (
    "member_id",
    "name",
    "national_id",
    "unit_code",
    "member_groups",
    "household_id",
    "join_date",
)
# After one of these the outcome of a row is unknown and the service is likely
# down: no further rows are sent.
STOPPING = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED", "UNKNOWN", "CANCELLED", "INTERNAL"})


class ImportFileError(Exception):
    """The file is refused before any row is sent."""


Row = csvfile.Row[members_pb2.EnrollMemberRequest]


@dataclass(frozen=True)
class Refused:
    row: Row
    error: CallError


@dataclass
class ImportResult:
    rows: int
    enrolled: int = 0
    refused: list[Refused] = field(default_factory=list)
    not_sent: int = 0

    @property
    def complete(self) -> bool:
        return not self.refused and not self.not_sent


def _header(fieldnames: Sequence[str] | None) -> None:
    names = [name.strip() for name in fieldnames or []]
    if sorted(names) != sorted(COLUMNS):
        raise ImportFileError(f"the header must be: {','.join(COLUMNS)}")


def _request(text: dict[str, str]) -> members_pb2.EnrollMemberRequest:
    groups = [g.strip() for g in text["member_groups"].split(";") if g.strip()]
    return members_pb2.EnrollMemberRequest(
        member_id=text["member_id"],
        name=text["name"],
        national_id=text["national_id"],
        unit_code=text["unit_code"],
        member_groups=groups,
        household_id=text["household_id"],
        join_date=text["join_date"],
    )


def _parser(
    fieldnames: Sequence[str] | None,
) -> Callable[[dict[str, str]], members_pb2.EnrollMemberRequest]:
    _header(fieldnames)
    return _request


def rows(path: Path) -> Iterator[Row]:
    return csvfile.read_rows(path, _parser, ImportFileError)


def check_file(path: Path) -> int:
    """Check the whole file; return its number of data rows."""
    member_ids: dict[str, int] = {}
    numbers: dict[str, int] = {}
    count = 0
    for row in rows(path):
        where = f"row {row.number} (line {row.line})"
        member_id = row.request.member_id
        if not member_id:
            raise ImportFileError(f"{where}: member_id is empty")
        if member_id in member_ids:
            raise ImportFileError(
                f"{where}: member_id {member_id!r} repeats row {member_ids[member_id]}"
            )
        member_ids[member_id] = row.number
        number = row.request.national_id.upper()
        if number and number in numbers:
            raise ImportFileError(
                f"{where}: the national ID number repeats row {numbers[number]} "
                "(one person, one membership)"
            )
        numbers[number] = row.number
        count = row.number
    if count == 0:
        raise ImportFileError("the file has a header but no rows")
    return count


def enroll_file(
    client: MembersClient, path: Path, concurrency: int, progress: Progress
) -> ImportResult:
    """Send every row of the checked file, ``concurrency`` calls in flight at a time."""
    result = ImportResult(rows=progress.total)
    stop = False
    in_flight: dict[cf.Future[members_pb2.MemberChange], Row] = {}

    def settle(done: set[cf.Future[members_pb2.MemberChange]]) -> None:
        nonlocal stop
        for future in done:
            row = in_flight.pop(future)
            try:
                future.result()
            except CallError as error:
                result.refused.append(Refused(row, error))
                stop = stop or error.status in STOPPING
            else:
                result.enrolled += 1
            progress.advance(1)

    try:
        with cf.ThreadPoolExecutor(max_workers=concurrency) as pool:
            for row in rows(path):
                if stop:
                    result.not_sent += 1
                    continue
                in_flight[pool.submit(client.enroll, row.request)] = row
                if len(in_flight) >= concurrency:
                    settle(cf.wait(in_flight, return_when=cf.FIRST_COMPLETED).done)
            settle(cf.wait(in_flight).done)
    finally:
        progress.finish()
    result.refused.sort(key=lambda refused: refused.row.number)
    return result


# -- reporting ------------------------------------------------------------------------


def summary(path: Path, result: ImportResult) -> str:
    text = f"{path.name}: {result.enrolled:,} of {result.rows:,} rows enrolled"
    if result.refused:
        text += f"; {len(result.refused):,} refused"
    if result.not_sent:
        text += f"; {result.not_sent:,} not sent"
    return text + " (a row enrolled by an earlier run replays)"


def document(path: Path, result: ImportResult) -> dict[str, Any]:
    return {
        "file": str(path),
        "rows": result.rows,
        "enrolled": result.enrolled,
        "refused": [
            {
                "row": r.row.number,
                "line": r.row.line,
                "member_id": r.row.request.member_id,
                "status": r.error.status,
                "message": r.error.message,
            }
            for r in result.refused
        ],
        "not_sent": result.not_sent,
    }


def refusal_lines(result: ImportResult) -> list[str]:
    """Each refused row, and what to do next."""
    lines = [
        f"error: row {r.row.number} (line {r.row.line}), member {r.row.request.member_id}: "
        f"{r.error.status}: {r.error.message}"
        for r in result.refused
    ]
    hints = {r.error.hint() for r in result.refused if r.error.hint()}
    lines += [f"hint: {hint}" for hint in sorted(hints)]
    if result.not_sent:
        lines.append(f"{result.not_sent:,} row(s) were not sent after the service failed.")
    if not result.complete:
        lines.append(
            "fix the file and run the same command again: rows already enrolled replay "
            "and are never enrolled twice."
        )
    return lines

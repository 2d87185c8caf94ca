"""``benefits unit ...``, ``benefits member ...`` and ``benefits hardship ...``:
the members service from the command line.

National ID numbers are printed only as the service returns them: masked,
unless ``member show --reveal`` is given and the caller's key has a role that
may see them in full (ADMIN or AUDITOR). ``member enroll --national-id -``
reads the number from stdin, so it stays out of the shell history.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from benefits_cli import formatting as fmt
from benefits_cli import members_import
from benefits_cli.main import (
    EXIT_FAILED,
    EXIT_OK,
    Cli,
    UsageError,
    enum_choices,
    page_size,
)
from benefits_cli.progress import Progress
from benefits_platform.protos.benefits.v1 import common_pb2, members_pb2

LEVELS = enum_choices(members_pb2.UnitLevel, "UNIT_LEVEL_")
TIERS = enum_choices(common_pb2.HardshipTier, "HARDSHIP_TIER_")
CAUSES = enum_choices(members_pb2.HardshipCause, "HARDSHIP_CAUSE_")
MAX_CONCURRENCY = 32

Sub = Callable[[Any, str, Callable[[Cli], int], str], Any]


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _causes(text: str) -> list[str]:
    names = _split(text)
    unknown = [name for name in names if name not in CAUSES]
    if unknown:
        raise UsageError(
            f"--causes: unknown cause(s) {', '.join(unknown)}; use {', '.join(CAUSES)}"
        )
    return [CAUSES[name] for name in names]


def _emit_change(cli: Cli, change: members_pb2.MemberChange, what: str) -> int:
    text = f"{what} (members log position {change.log_position})\n"
    cli.emit(change, lambda: text + fmt.member_detail(change.member))
    return EXIT_OK


def _change(cli: Cli, method: str, request: Message, what: str) -> int:
    """Send one member-changing call and print the member as it now is."""
    return _emit_change(cli, cli.members.change(method, request), what)


# -- units ----------------------------------------------------------------------------


def cmd_unit_register(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.RegisterUnitRequest(
        code=a.code,
        name_zh=a.name_zh,
        name_en=a.name_en,
        level=LEVELS[a.level],
        parent_code=a.parent,
    )
    change = cli.members.register_unit(request)
    text = f"unit registered (members log position {change.log_position})\n"
    cli.emit(change, lambda: text + fmt.unit_detail(change.unit))
    return EXIT_OK


def cmd_unit_show(cli: Cli) -> int:
    unit = cli.members.get_unit(cli.args.code)
    cli.emit(unit, lambda: fmt.unit_detail(unit))
    return EXIT_OK


def cmd_unit_list(cli: Cli) -> int:
    response = cli.members.list_units(cli.args.code or "")
    cli.emit(response, lambda: fmt.unit_table(response.units))
    return EXIT_OK


# -- members --------------------------------------------------------------------------


def _national_id(cli: Cli) -> str:
    given: str = cli.args.national_id
    if given != "-":
        return given
    return sys.stdin.readline().strip()


def cmd_member_enroll(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.EnrollMemberRequest(
        member_id=a.member_id,
        name=a.name,
        national_id=_national_id(cli),
        unit_code=a.unit,
        member_groups=_split(a.groups),
        household_id=a.household,
        join_date=a.join_date,
    )
    return _emit_change(cli, cli.members.enroll(request), "member enrolled")


def cmd_member_show(cli: Cli) -> int:
    a = cli.args
    member = cli.members.get_member(a.member_id, a.as_of or "", a.reveal)
    cli.emit(member, lambda: fmt.member_detail(member))
    return EXIT_OK


def cmd_member_list(cli: Cli) -> int:
    a = cli.args
    found = list(cli.members.members(a.unit, page_size(a.page_size)))
    cli.emit(members_pb2.ListMembersResponse(members=found), lambda: fmt.member_table(found))
    return EXIT_OK


def cmd_member_transfer(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.TransferMemberRequest(
        member_id=a.member_id, to_unit_code=a.to, effective_date=a.date
    )
    return _change(cli, "TransferMember", request, "member transferred")


def cmd_member_terminate(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.TerminateMembershipRequest(
        member_id=a.member_id, effective_date=a.date, reason=a.reason
    )
    return _change(cli, "TerminateMembership", request, "membership terminated")


def cmd_member_reinstate(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.ReinstateMemberRequest(member_id=a.member_id, effective_date=a.date)
    return _change(cli, "ReinstateMember", request, "member reinstated")


def cmd_member_forget(cli: Cli) -> int:
    a = cli.args
    if not a.yes:
        raise UsageError(
            "forgetting erases the member's name and national ID number for good: "
            "add --yes to confirm"
        )
    request = members_pb2.ForgetMemberPersonalDataRequest(member_id=a.member_id)
    return _change(cli, "ForgetMemberPersonalData", request, "member's personal data erased")


def cmd_member_import(cli: Cli) -> int:
    path, concurrency = Path(cli.args.file), cli.args.concurrency
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}")
    try:
        total = members_import.check_file(path)
    except members_import.ImportFileError as error:
        cli.note(f"error: {path}: {error}")
        cli.note("the file was refused: no row of it was sent.")
        return EXIT_FAILED
    progress = Progress(total, cli.err)
    result = members_import.enroll_file(cli.members, path, concurrency, progress)
    cli.emit(members_import.document(path, result), lambda: members_import.summary(path, result))
    for line in members_import.refusal_lines(result):
        cli.note(line)
    return EXIT_OK if result.complete else EXIT_FAILED


# -- hardship files -------------------------------------------------------------------


def cmd_hardship_open(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.OpenHardshipFileRequest(
        member_id=a.member_id,
        tier=TIERS[a.tier],
        causes=_causes(a.causes),
        effective_date=a.date,
        review_due_date=a.review_due,
    )
    return _change(cli, "OpenHardshipFile", request, "hardship file opened")


def cmd_hardship_tier(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.ChangeHardshipTierRequest(
        member_id=a.member_id, tier=TIERS[a.tier], effective_date=a.date, reason=a.reason
    )
    return _change(cli, "ChangeHardshipTier", request, "hardship tier changed")


def cmd_hardship_review(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.RecordHardshipReviewRequest(
        member_id=a.member_id,
        effective_date=a.date,
        finding=a.finding,
        next_review_due_date=a.next_review_due,
    )
    return _change(cli, "RecordHardshipReview", request, "hardship review recorded")


def cmd_hardship_close(cli: Cli) -> int:
    a = cli.args
    request = members_pb2.CloseHardshipFileRequest(
        member_id=a.member_id,
        effective_date=a.date,
        gradual_exit_months=a.gradual_exit_months,
        reason=a.reason,
    )
    return _change(cli, "CloseHardshipFile", request, "hardship file closed")


# -- the parser -----------------------------------------------------------------------


def _member_date(parser: Any, what: str) -> None:
    parser.add_argument("member_id", help="member id")
    parser.add_argument("--date", required=True, help=f"effective date of the {what} YYYY-MM-DD")


def add_units(commands: Any, sub: Sub) -> None:
    unit = commands.add_parser("unit", help="register, show and list union units")
    group = unit.add_subparsers(dest="unit_command", required=True, metavar="COMMAND")
    p = sub(group, "register", cmd_unit_register, "register a unit (once; the same body replays)")
    p.add_argument("--code", required=True, help="unit code, e.g. GD-SZ-NS-0001")
    p.add_argument("--name-zh", required=True, help="Chinese name, e.g. 南山区总工会")
    p.add_argument("--name-en", default="", help="English name")
    p.add_argument(
        "--level",
        required=True,
        choices=list(LEVELS),
        help="grassroots units sit under a county or directly under a city",
    )
    p.add_argument("--parent", default="", help="parent unit code (none for a province)")
    sub(group, "show", cmd_unit_show, "show one unit").add_argument("code")
    p = sub(group, "list", cmd_unit_list, "list a unit and every unit below it")
    p.add_argument("code", nargs="?", help="root of the subtree (default: every unit)")


def add_members(commands: Any, sub: Sub) -> None:
    member = commands.add_parser("member", help="enrol, show, list, transfer and import members")
    group = member.add_subparsers(dest="member_command", required=True, metavar="COMMAND")
    p = sub(group, "enroll", cmd_member_enroll, "enrol a member (the same body replays)")
    p.add_argument("member_id", help="member id")
    p.add_argument("--name", required=True, help="the member's name (personal data)")
    p.add_argument(
        "--national-id",
        required=True,
        metavar="NUMBER",
        help="18-character national ID number; '-' reads it from stdin",
    )
    p.add_argument("--unit", required=True, help="unit code")
    p.add_argument("--groups", help="comma-separated member groups, e.g. courier,delivery_rider")
    p.add_argument("--household", default="", help="household id")
    p.add_argument("--join-date", required=True, help="YYYY-MM-DD")
    p = sub(group, "show", cmd_member_show, "a member's state on a date (today by default)")
    p.add_argument("member_id", help="member id")
    p.add_argument("--as-of", metavar="DATE", help="the state on this date YYYY-MM-DD")
    p.add_argument(
        "--reveal",
        action="store_true",
        help="show the national ID number in full (needs a key with role ADMIN or AUDITOR)",
    )
    p = sub(group, "list", cmd_member_list, "the members of a unit and the units below it")
    p.add_argument("--unit", required=True, help="unit code")
    p.add_argument("--page-size", type=int, default=200, help="members per call (1-500)")
    p = sub(group, "transfer", cmd_member_transfer, "move a member to another unit")
    _member_date(p, "transfer")
    p.add_argument("--to", required=True, metavar="UNIT", help="the new unit's code")
    p = sub(group, "terminate", cmd_member_terminate, "end a membership")
    _member_date(p, "termination")
    p.add_argument("--reason", default="")
    _member_date(
        sub(group, "reinstate", cmd_member_reinstate, "reinstate a membership"), "reinstatement"
    )
    p = sub(
        group,
        "forget",
        cmd_member_forget,
        "erase a member's name and national ID number for good (the records stay)",
    )
    p.add_argument("member_id", help="member id")
    p.add_argument("--yes", action="store_true", help="confirm: the erasure cannot be undone")
    p = sub(group, "import", cmd_member_import, "enrol every row of a CSV file")
    p.add_argument("file", help="CSV: " + ",".join(members_import.COLUMNS))
    p.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help=f"rows in flight at once (1-{MAX_CONCURRENCY}, default 4)",
    )


def add_hardship(commands: Any, sub: Sub) -> None:
    hardship = commands.add_parser("hardship", help="hardship files (困难职工档案)")
    group = hardship.add_subparsers(dest="hardship_command", required=True, metavar="COMMAND")
    p = sub(group, "open", cmd_hardship_open, "open a hardship file (建档)")
    _member_date(p, "opening")
    p.add_argument("--tier", required=True, choices=list(TIERS))
    p.add_argument("--causes", required=True, help="comma-separated: " + ",".join(CAUSES))
    p.add_argument("--review-due", required=True, metavar="DATE", help="first review due")
    p = sub(group, "tier", cmd_hardship_tier, "change the tier of the open file")
    _member_date(p, "change")
    p.add_argument("--tier", required=True, choices=list(TIERS))
    p.add_argument("--reason", default="")
    p = sub(group, "review", cmd_hardship_review, "record a periodic review of the open file")
    _member_date(p, "review")
    p.add_argument("--finding", default="")
    p.add_argument("--next-review-due", required=True, metavar="DATE")
    p = sub(group, "close", cmd_hardship_close, "close the file: exit from hardship (脱困)")
    _member_date(p, "exit")
    p.add_argument(
        "--gradual-exit-months",
        type=int,
        default=0,
        metavar="N",
        help="gradual-exit period (渐退期) of 0-6 months from the exit date",
    )
    p.add_argument("--reason", default="")


def add_commands(commands: Any, sub: Sub) -> None:
    add_units(commands, sub)
    add_members(commands, sub)
    add_hardship(commands, sub)

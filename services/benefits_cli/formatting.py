"""Readable output: aligned tables (CJK-aware), programmes, entries, accounts,
units and members.

Every function returns text; the caller decides where it goes. ``--json``
output bypasses this module (see :func:`as_json`).
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.message import Message

from benefits_cli.money import wan_yuan, yuan
from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2, members_pb2

KIND_LABELS = {
    ledger_pb2.PROGRAM_KIND_SUBSIDY: ("subsidy", "补贴"),
    ledger_pb2.PROGRAM_KIND_AID: ("aid", "救助"),
    ledger_pb2.PROGRAM_KIND_MUTUAL_AID: ("mutual-aid", "互助"),
    ledger_pb2.PROGRAM_KIND_IN_KIND: ("in-kind", "实物"),
}
STATUS_LABELS = {
    ledger_pb2.PROGRAM_STATUS_OPEN: "open",
    ledger_pb2.PROGRAM_STATUS_CLOSED: "closed",
}
NONE = "-"
T = TypeVar("T")


# -- JSON -----------------------------------------------------------------------------


def message_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def as_json(document: Message | Mapping[str, Any]) -> str:
    """One JSON document: a protobuf message, or a mapping whose values may hold messages."""
    return json.dumps(_plain(document), ensure_ascii=False, indent=2)


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return message_dict(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# -- tables ---------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns a terminal uses for ``text``: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, columns: int, right: bool) -> str:
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()) -> str:
    """Aligned columns; the column indexes in ``right`` are right-aligned (numbers)."""
    body = [list(row) for row in rows]
    widths = [max(width(cell) for cell in column) for column in zip(headers, *body, strict=False)]
    aligned = set(right)
    lines = []
    for row in [list(headers), *body]:
        cells = [_pad(cell, widths[i], i in aligned) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


class Column(NamedTuple, Generic[T]):
    header: str
    value: Callable[[T], str]
    right: bool = False  # numbers are right-aligned


def table_of(columns: Sequence[Column[T]], items: Iterable[T]) -> str:
    rows = [[column.value(item) for column in columns] for item in items]
    right = [i for i, column in enumerate(columns) if column.right]
    return table([column.header for column in columns], rows, right)


def fields(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column list of labelled values."""
    items = list(pairs)
    columns = max((width(label) for label, _ in items), default=0)
    return "\n".join(f"{_pad(label, columns, False)}  {value}".rstrip() for label, value in items)


# -- values ---------------------------------------------------------------------------


def timestamp(ts: timestamp_pb2.Timestamp) -> str:
    if ts.seconds == 0 and ts.nanos == 0:
        return NONE
    return ts.ToDatetime(tzinfo=dt.UTC).isoformat(timespec="seconds")


def kind_label(kind: ledger_pb2.ProgramKind) -> str:
    en, zh = KIND_LABELS.get(kind, ("unspecified", "?"))
    return f"{en} {zh}"


def reason_label(reason: ledger_pb2.ReversalReason) -> str:
    name = (
        ledger_pb2.ReversalReason.Name(reason)
        if reason in ledger_pb2.ReversalReason.values()
        else ""
    )
    return name.removeprefix("REVERSAL_REASON_").lower().replace("_", "-") or NONE


def optional_yuan(fen: int, suffix: str = "") -> str:
    return f"{yuan(fen)} 元{suffix}" if fen else "none"


def yuan_and_wan(fen: int) -> str:
    return f"{yuan(fen)} 元 ({wan_yuan(fen)})"


# -- programmes -----------------------------------------------------------------------


def eligibility(program: ledger_pb2.Program) -> str:
    groups = ", ".join(program.eligibility.member_groups) or "all members"
    hardship = "; hardship file required" if program.eligibility.hardship_only else ""
    return groups + hardship


def program_detail(program: ledger_pb2.Program) -> str:
    p = program
    return fields(
        [
            ("Programme", f"{p.code} {p.fiscal_year}"),
            ("名称 / name", f"{p.name_zh} / {p.name_en}"),
            ("Kind", kind_label(p.kind)),
            ("Status", STATUS_LABELS.get(p.status, "unspecified")),
            ("Budget", yuan_and_wan(p.budget_fen)),
            ("Committed", yuan_and_wan(p.committed_fen)),
            ("Remaining", yuan_and_wan(p.remaining_fen)),
            ("Standard amount", optional_yuan(p.standard_amount_fen)),
            ("Annual cap", optional_yuan(p.per_member_annual_cap_fen, " per member")),
            ("Eligibility", eligibility(p)),
            ("Payouts", f"{p.payout_count:,} (reversals {p.reversal_count:,})"),
            ("Opened at", timestamp(p.opened_at)),
            ("Closed at", timestamp(p.closed_at)),
        ]
    )


PROGRAM_COLUMNS: list[Column[ledger_pb2.Program]] = [
    Column("CODE", lambda p: p.code),
    Column("YEAR", lambda p: str(p.fiscal_year)),
    Column("名称", lambda p: p.name_zh),
    Column("NAME", lambda p: p.name_en),
    Column("KIND", lambda p: kind_label(p.kind)),
    Column("STATUS", lambda p: STATUS_LABELS.get(p.status, "?")),
    Column("BUDGET 元", lambda p: yuan(p.budget_fen), True),
    Column("COMMITTED 元", lambda p: yuan(p.committed_fen), True),
    Column("REMAINING 元", lambda p: yuan(p.remaining_fen), True),
    Column("PAYOUTS", lambda p: f"{p.payout_count:,}", True),
    Column("REVERSALS", lambda p: f"{p.reversal_count:,}", True),
]


def program_table(programs: Sequence[ledger_pb2.Program]) -> str:
    if not programs:
        return "no programmes"
    budget = wan_yuan(sum(p.budget_fen for p in programs))
    committed = wan_yuan(sum(p.committed_fen for p in programs))
    total = f"{len(programs)} programme(s): budget {budget}, committed {committed}"
    return table_of(PROGRAM_COLUMNS, programs) + "\n" + total


# -- entries --------------------------------------------------------------------------


def entry_link(entry: ledger_pb2.Entry) -> str:
    if entry.reverses_entry_id:
        return f"reverses {entry.reverses_entry_id} ({reason_label(entry.reversal_reason)})"
    if entry.reversed_by_entry_id:
        return f"reversed by {entry.reversed_by_entry_id}"
    return ""


ENTRY_KINDS = {
    ledger_pb2.ENTRY_KIND_PAYOUT: "payout",
    ledger_pb2.ENTRY_KIND_REVERSAL: "reversal",
    ledger_pb2.ENTRY_KIND_CONTRIBUTION: "contribution",
    ledger_pb2.ENTRY_KIND_RECOVERY: "recovery",
}


def entry_kind(entry: ledger_pb2.Entry) -> str:
    return ENTRY_KINDS.get(entry.kind, "payout")


def entry_detail(entry: ledger_pb2.Entry) -> str:
    e = entry
    pairs = [
        ("Entry", f"{e.entry_id} ({entry_kind(e)})"),
        ("Member", e.member_id),
        ("Programme", f"{e.program_code} {e.fiscal_year}"),
        ("Amount", f"{yuan(e.amount_fen)} 元"),
        ("Effective date", e.effective_date),
        ("Recorded at", timestamp(e.recorded_at)),
        ("Request id", e.request_id),
        ("External ref", e.external_ref or NONE),
        ("Note", e.note or NONE),
    ]
    if entry_link(e):
        pairs.append(("Link", entry_link(e)))
    postings = table(
        ("ACCOUNT", "AMOUNT 元"), [(p.account, yuan(p.amount_fen)) for p in e.postings], right=[1]
    )
    return fields(pairs) + "\nPostings:\n" + _indent(postings)


ENTRY_COLUMNS: list[Column[ledger_pb2.Entry]] = [
    Column("DATE", lambda e: e.effective_date),
    Column("PROGRAMME", lambda e: e.program_code),
    Column("YEAR", lambda e: str(e.fiscal_year)),
    Column("KIND", entry_kind),
    Column("AMOUNT 元", lambda e: yuan(e.amount_fen), True),
    Column("ENTRY", lambda e: e.entry_id),
    Column("REQUEST ID", lambda e: e.request_id),
    Column("LINK", entry_link),
]


def entries_table(entries: Sequence[ledger_pb2.Entry]) -> str:
    return table_of(ENTRY_COLUMNS, entries) if entries else "no entries"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


# -- member accounts ------------------------------------------------------------------


def receipt_columns(
    programs: Sequence[ledger_pb2.Program],
) -> list[Column[ledger_pb2.ProgramReceipts]]:
    names = {(p.code, p.fiscal_year): (p.name_zh, p.name_en) for p in programs}

    def name(r: ledger_pb2.ProgramReceipts, index: int) -> str:
        return names.get((r.program_code, r.fiscal_year), ("", ""))[index]

    return [
        Column("PROGRAMME", lambda r: r.program_code),
        Column("YEAR", lambda r: str(r.fiscal_year)),
        Column("名称", lambda r: name(r, 0)),
        Column("NAME", lambda r: name(r, 1)),
        Column("RECEIVED 元", lambda r: yuan(r.received_fen), True),
        Column("PAYOUTS", lambda r: f"{r.payout_count:,}", True),
        Column("REVERSALS", lambda r: f"{r.reversal_count:,}", True),
    ]


def account_detail(
    account: ledger_pb2.MemberAccount, programs: Sequence[ledger_pb2.Program]
) -> str:
    head = fields(
        [
            ("Member", account.member_id),
            ("Entries", f"{account.entry_count:,}"),
            ("Stored value", f"{yuan(account.stored_value_balance_fen)} 元"),
            ("Received", yuan_and_wan(sum(r.received_fen for r in account.receipts))),
        ]
    )
    if not account.receipts:
        return head + "\nno receipts"
    return head + "\n\n" + table_of(receipt_columns(programs), account.receipts)


# -- units and members ----------------------------------------------------------------


def enum_label(enum: Any, value: int, prefix: str) -> str:
    """``HARDSHIP_TIER_DEEP`` -> ``deep``; '-' for UNSPECIFIED or an unknown value."""
    if value == 0 or value not in enum.values():
        return NONE
    return str(enum.Name(value)).removeprefix(prefix).lower()


def level_label(level: int) -> str:
    return enum_label(members_pb2.UnitLevel, level, "UNIT_LEVEL_")


def tier_label(tier: int) -> str:
    return enum_label(common_pb2.HardshipTier, tier, "HARDSHIP_TIER_")


def unit_detail(unit: members_pb2.Unit) -> str:
    return fields(
        [
            ("Unit", unit.code),
            ("名称 / name", f"{unit.name_zh} / {unit.name_en or NONE}"),
            ("Level", level_label(unit.level)),
            ("Parent", unit.parent_code or NONE),
            ("Path", " > ".join(unit.path)),
        ]
    )


def unit_table(units: Sequence[members_pb2.Unit]) -> str:
    if not units:
        return "no units"
    depth = min(len(u.path) for u in units)
    columns: list[Column[members_pb2.Unit]] = [
        Column("CODE", lambda u: "  " * (len(u.path) - depth) + u.code),
        Column("LEVEL", lambda u: level_label(u.level)),
        Column("名称", lambda u: u.name_zh),
        Column("NAME", lambda u: u.name_en),
    ]
    return table_of(columns, units) + f"\n{len(units)} unit(s)"


def hardship_pairs(h: members_pb2.HardshipState) -> list[tuple[str, str]]:
    status = hardship_label(h)
    if h.status in (0, members_pb2.HARDSHIP_STATUS_NONE):
        return [("Hardship", status)]
    causes = ", ".join(
        enum_label(members_pb2.HardshipCause, c, "HARDSHIP_CAUSE_") for c in h.causes
    )
    pairs = [
        ("Hardship", f"{status} (file {h.file_id})"),
        ("Tier", tier_label(h.tier)),
        ("Causes", causes or NONE),
        ("Opened", h.opened_date),
        ("Review due", h.review_due_date or NONE),
        ("Last review", h.last_review_date or NONE),
    ]
    if h.exit_date:
        pairs += [
            ("Exit date", h.exit_date),
            ("Gradual exit until", h.gradual_exit_until or "none granted"),
            ("Tier before exit", tier_label(h.pre_exit_tier)),
        ]
    return pairs


def member_detail(member: members_pb2.Member) -> str:
    m = member
    status = membership_label(m)
    pairs = [
        ("Member", m.member_id),
        ("姓名 / name", m.name),
        ("National ID", m.national_id),
        ("Unit", " > ".join(m.unit_path) or NONE),
        ("Groups", ", ".join(m.member_groups) or NONE),
        ("Household", m.household_id or NONE),
        ("Joined", m.join_date),
        ("Status", f"{status} on {m.as_of_date}"),
        *hardship_pairs(m.hardship),
        ("Log position", str(m.log_position)),
    ]
    return fields(pairs)


def membership_label(member: members_pb2.Member) -> str:
    return enum_label(members_pb2.MembershipStatus, member.status, "MEMBERSHIP_STATUS_")


def hardship_label(hardship: members_pb2.HardshipState) -> str:
    return enum_label(members_pb2.HardshipStatus, hardship.status, "HARDSHIP_STATUS_")


MEMBER_COLUMNS: list[Column[members_pb2.Member]] = [
    Column("MEMBER", lambda m: m.member_id),
    Column("姓名", lambda m: m.name),
    Column("NATIONAL ID", lambda m: m.national_id),
    Column("UNIT", lambda m: m.unit_code),
    Column("STATUS", membership_label),
    Column("HARDSHIP", lambda m: hardship_label(m.hardship)),
    Column("JOINED", lambda m: m.join_date),
]


def member_table(members: Sequence[members_pb2.Member]) -> str:
    if not members:
        return "no members"
    return table_of(MEMBER_COLUMNS, members) + f"\n{len(members):,} member(s)"

"""Hypothesis strategies that build any request message from its descriptor.

Every field of every request is drawn from a mix of plausible values (ids,
codes and dates the running stack knows, so calls get past validation into the
rules) and hostile ones: empty, huge, negative, int64 extremes, odd scripts,
right-to-left marks, NUL and other control characters, wrong enum numbers,
unknown ids. Nothing here knows a particular RPC: a new RPC or field is fuzzed
as soon as its generated code exists.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from typing import Any

from google.protobuf import descriptor as D
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from members.domain.values import check_character

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
UINT32 = (0, 2**32 - 1)
UINT64 = (0, 2**64 - 1)
# A string longer than the largest text limit of any field (500) by far.
HUGE_LENGTHS = (101, 129, 201, 501, 1_001, 10_000, 100_000)
# Larger than the fuzzed stack's gRPC message limit (see harness.MAX_MESSAGE_BYTES).
OVERSIZED = 4_300_000

ODD_TEXT = [
    "",
    " ",
    "\t",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\n",
    "\r\n",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بالعالم",  # Arabic (RTL)
    "שלום",  # Hebrew (RTL)
    "𠜎𠜱𠝹",  # CJK extension B (4-byte UTF-8)
    "ᚠᛇᚻ᛫ᛒᛦᚦ",  # runic
    "ꦧꦱꦗꦮ",  # Javanese
    "\u200b\u200c\u200d",  # zero-width
    "e\u0301\u0301\u0301",  # combining marks
    "🙂👨‍👩‍👧",
    "\ufeff",
    "\uffff",
    "\U0010ffff",
    "\uff10\uff11\uff12\uff13",  # full-width digits
    "١٢٣",  # Arabic-Indic digits
    "../../etc/passwd",
    "'; DROP TABLE members_events;--",
    "%s%s%n",
    "{}",
    "NaN",
    "-1",
    "9" * 30,
    "王小明",
    "广东省总工会",
]
DATES = [
    "2026-03-01",
    "2026-01-20",
    "2026-06-30",
    "2026-12-31",
    "2025-12-31",
    "2027-01-01",
    "2020-03-01",
    "1900-01-01",
    "1899-12-31",
    "2101-01-01",
    "9999-12-31",
    "0001-01-01",
    "2026-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-3-1",
    "20260301",
    "2026-03-01T00:00:00",
    "\uff12\uff10\uff12\uff16-\uff10\uff13-\uff10\uff11",  # full-width
]
# Dates the seeded programmes and members accept.
GOOD_DATES = ["2026-03-01", "2026-03-15", "2026-04-01", "2026-05-20", "2026-06-30"]
DATE_FIELDS = ("effective_from", "effective_to", "verified_on", "overdue_as_of")
INTS = [0, 1, -1, 2, 7, 10, 100, 2_000, 2_026, 200_000, 10**9, 10**12, 10**15]
YEARS = [2026, 2025, 2027, 0, 1999, 2000, 2100, 2101, -2026]


def national_id(first17: str) -> str:
    return first17 + check_character(first17)


NATIONAL_IDS = [
    national_id("11010519491231002"),
    national_id("44030519850615123"),
    national_id("44030519900101456"),
    "11010519491231002x",
    "110105194912310021",  # wrong check character
    "11010519491331002X",  # no such month
    "1101051949123100",
    "A1010519491231002X",
]


class Pools:
    """Values the stack knows (seeded, and harvested from successful replies)."""

    LIMIT = 64

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {
            "member_id": ["M1", "M2", "M3", "M4", "M404", "H1"],
            "unit_code": ["GD", "GD-SZ", "GD-SZ-NS", "GD-SZ-NS-0001", "GD-SZ-0100", "GD-GZ", "XX"],
            "program_code": ["GREEN_TRAVEL", "WINTER_WARMTH", "MUTUAL_AID", "EMERGENCY", "NOPE"],
            "request_id": ["r1", "r2", "r3", "seed-1", "fuzz:1"],
            "entry_id": ["00000000-0000-0000-0000-000000000000"],
            "claim_id": ["00000000-0000-0000-0000-000000000000"],
            "period_id": ["2026", "P1", "2026-H1"],
            "category": ["INPATIENT", "OUTPATIENT", "SERIOUS_ILLNESS", "ACCIDENT", "OTHER"],
            "source": ["ledger", "members", "claims"],
            "ledger_store": [
                "none",
                "sqlite:/nonexistent/x.sqlite",
                "postgresql://x@127.0.0.1:1/x",
            ],
            "page_token": ["0", "1", "10", "abc", "-1", "999999999999", "9999999999999"],
            "member_groups": ["courier", "delivery_rider", "other", "astronaut"],
            "name": ["王小明", "Zoë Ångström", "欧阳娜娜"],
            "hospital": ["深圳市人民医院", "H-1"],
            "bill_ref": ["B-1", "B-2"],
        }

    def add(self, kind: str, value: str) -> None:
        known = self.values.setdefault(kind, [])
        if value and value not in known:
            known.append(value)
            if len(known) > self.LIMIT:
                del known[1]

    def of(self, kind: str) -> list[str]:
        return self.values.get(kind, [])

    def pick(self, kind: str, extra: Sequence[str] = ()) -> st.SearchStrategy[str]:
        """One of the known values of ``kind`` (and ``extra``), drawn by index, so
        the draws do not depend on what the pool holds at the time."""
        return st.integers(0, self.LIMIT * 2).map(
            lambda i: ([*self.of(kind), *extra] or [""])[
                i % max(1, len(self.of(kind)) + len(extra))
            ]
        )


def _kind(field_name: str) -> str:
    """The pool a string field draws from, by its name."""
    name = field_name
    if name in ("member_id", "household_id"):
        return "member_id"
    if name.endswith("unit_code") or name == "parent_code":
        return "unit_code"
    if name.endswith("program_code"):
        return "program_code"
    if name.endswith("entry_id"):
        return "entry_id"
    if name in ("name", "name_zh", "name_en"):
        return "name"
    return name


def text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_TEXT),
        st.text(max_size=40),
        st.text(alphabet=string.ascii_letters + string.digits + "-_.:", max_size=70),
        st.builds(lambda n, c: c * n, st.sampled_from(HUGE_LENGTHS), st.sampled_from("x界9 ")),
    )


def string_field(
    field: D.FieldDescriptor, pools: Pools, oversized: bool, plausible: bool = False
) -> Any:
    kind = _kind(field.name)
    is_date = "date" in field.name or field.name in DATE_FIELDS
    if plausible and is_date:
        return st.sampled_from(GOOD_DATES)
    if plausible and field.name == "request_id":
        # New ids (recorded) as often as known ones (replays, changed bodies).
        return st.one_of(pools.pick(kind), st.uuids().map(lambda u: f"fz-{u.hex[:16]}"))
    choices: list[st.SearchStrategy[str]] = [] if plausible else [text()]
    if pools.of(kind):
        choices.append(pools.pick(kind))
        choices.append(pools.pick(kind))
    if is_date:
        choices.append(st.sampled_from(DATES))
        choices.append(st.sampled_from(DATES))
    if field.name == "national_id":
        choices.append(st.sampled_from(NATIONAL_IDS))
        choices.append(st.sampled_from(NATIONAL_IDS))
    if field.name in ("code", "to_unit_code"):
        choices.append(pools.pick("unit_code", pools.of("program_code")))
    if oversized:
        choices.append(st.just("o" * OVERSIZED))
    if not choices:  # plausible, and nothing known of this kind: short plain text
        return st.text(alphabet=string.ascii_letters + string.digits + " -", max_size=20)
    return st.one_of(*choices)


def int_field(field: D.FieldDescriptor, plausible: bool = False) -> st.SearchStrategy[int]:
    t = field.type
    if t in (
        D.FieldDescriptor.TYPE_INT32,
        D.FieldDescriptor.TYPE_SINT32,
        D.FieldDescriptor.TYPE_SFIXED32,
    ):
        low, high = INT32
    elif t in (D.FieldDescriptor.TYPE_UINT32, D.FieldDescriptor.TYPE_FIXED32):
        low, high = UINT32
    elif t in (D.FieldDescriptor.TYPE_UINT64, D.FieldDescriptor.TYPE_FIXED64):
        low, high = UINT64
    else:
        low, high = INT64
    edges = [v for v in (*INTS, low, high, low + 1, high - 1) if low <= v <= high]
    if "year" in field.name:
        edges = [v for v in YEARS if low <= v <= high] + edges[:4]
    if field.name == "members_position":
        # Ahead of the members log, a payout waits for it (seconds): rarely.
        return st.one_of(
            st.just(0), st.just(0), st.sampled_from([1, 3, 5]), st.sampled_from([0, 2, -1, high])
        )
    if plausible:
        if "year" in field.name:
            return st.just(2026)
        return st.sampled_from([v for v in (0, 1, 2, 100, 2_000, 12_000, 200_000) if v <= high])
    return st.one_of(
        st.sampled_from(edges),
        st.sampled_from(edges),
        st.integers(min_value=max(low, -1000), max_value=min(high, 1_000_000)),
        st.integers(min_value=low, max_value=high),
    )


def enum_field(field: D.FieldDescriptor, plausible: bool = False) -> st.SearchStrategy[int]:
    numbers = [v.number for v in field.enum_type.values]
    if plausible:
        return st.sampled_from([n for n in numbers if n] or numbers)
    return st.one_of(
        st.sampled_from(numbers),
        st.sampled_from(numbers),
        st.sampled_from([0, max(numbers) + 1, 99, -1, 2**31 - 1, -(2**31)]),
    )


def scalar(
    field: D.FieldDescriptor, pools: Pools, oversized: bool, plausible: bool = False
) -> st.SearchStrategy[Any]:
    T = D.FieldDescriptor
    if field.type == T.TYPE_STRING:
        return string_field(field, pools, oversized, plausible)
    if field.type == T.TYPE_BYTES:
        return st.binary(max_size=64)
    if field.type == T.TYPE_BOOL:
        return st.booleans()
    if field.type == T.TYPE_ENUM:
        return enum_field(field, plausible)
    if field.type in (T.TYPE_DOUBLE, T.TYPE_FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True, width=32)
    return int_field(field, plausible)


TIMESTAMP_SECONDS = [
    0,
    -1,
    1_767_225_600,
    1_798_761_600,
    253_402_300_799,
    253_402_300_800,
    -62_135_596_800,
    -62_135_596_801,
    2**63 - 1,
    -(2**63),
]


@st.composite
def message(
    draw: st.DrawFn,
    descriptor: D.Descriptor,
    pools: Pools,
    depth: int = 0,
    oversized: bool = False,
    big_batches: bool = False,
    plausible: bool = False,
) -> Message:
    """A message of type ``descriptor`` with each field set (or left unset) at
    random; ``plausible``: from the known values only (past validation, into
    the rules)."""
    cls = GetMessageClass(descriptor)
    msg = cls()
    if descriptor.full_name == "google.protobuf.Timestamp":
        msg.seconds = draw(st.sampled_from(TIMESTAMP_SECONDS) | st.integers(0, 2**34))
        msg.nanos = draw(st.sampled_from([0, 1, 999_999_999, 1_000_000_000, -1]))
        return msg
    for field in descriptor.fields:
        if not plausible and draw(st.integers(0, 9)) < 3:
            continue  # unset
        if field.type == D.FieldDescriptor.TYPE_MESSAGE:
            if depth >= 3:
                continue
            sub = message(field.message_type, pools, depth + 1, oversized, big_batches, plausible)
            if field.is_repeated:
                count = draw(_counts(big_batches))
                items = [draw(sub) for _ in range(min(count, 6))]
                if count > 6 and items:
                    items = (items * (count // len(items) + 1))[:count]
                getattr(msg, field.name).extend(items)
            else:
                getattr(msg, field.name).CopyFrom(draw(sub))
            continue
        value = scalar(field, pools, oversized, plausible)
        if field.is_repeated:
            getattr(msg, field.name).extend(draw(st.lists(value, max_size=4)))
        else:
            setattr(msg, field.name, draw(value))
    return msg


def _counts(big_batches: bool) -> st.SearchStrategy[int]:
    small = st.integers(0, 4)
    if not big_batches:
        return small
    return st.one_of(small, small, small, st.sampled_from([10_000, 10_001]))


def harvest(reply: Message, pools: Pools) -> None:
    """Remember the ids a successful reply names, so later calls can use them."""
    for field, value in reply.ListFields():
        if field.type == D.FieldDescriptor.TYPE_MESSAGE:
            items: Sequence[Any] = value if field.is_repeated else [value]
            for item in list(items)[:20]:
                if isinstance(item, Message):
                    harvest(item, pools)
        elif field.type == D.FieldDescriptor.TYPE_STRING and not field.is_repeated:
            kind = _kind(field.name)
            if kind in (
                "member_id",
                "entry_id",
                "claim_id",
                "unit_code",
                "program_code",
                "period_id",
                "request_id",
            ):
                pools.add(kind, value)


def replay_of(first: Message, second: Message) -> Message | None:
    """``second`` with ``first``'s request id (a replay with another body), or
    None when the message has no request id or ``first`` set none."""
    if "request_id" not in first.DESCRIPTOR.fields_by_name:
        return None
    if not first.request_id:  # type: ignore[attr-defined]
        return None
    changed = type(second)()
    changed.CopyFrom(second)
    changed.request_id = first.request_id  # type: ignore[attr-defined]
    return changed


Summary = Callable[[Message], str]


def summary(msg: Message, limit: int = 300) -> str:
    """A short, printable form of a request for reports."""
    parts = []
    for field, value in msg.ListFields():
        shown = repr(value)
        if isinstance(value, str) and len(value) > 40:
            shown = f"{value[:20]!r}...<{len(value)} chars>"
        elif field.type == D.FieldDescriptor.TYPE_MESSAGE:
            many = field.is_repeated
            shown = f"<{len(value)} items>" if many else f"<{type(value).__name__}>"
        parts.append(f"{field.name}={shown}")
    text = ", ".join(parts)
    return text if len(text) <= limit else text[: limit - 3] + "..."

"""What the reporting service reads from the two logs, as plain values.

The adapters decode each envelope into one of these facts; the projection and
the audit checks work on them alone. Every fact carries the position of its
event in its log. ``recorded_us`` is the recorded time in integer microseconds
since the epoch (the envelope's ``recorded_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

PAYOUT, REVERSAL = "PAYOUT", "REVERSAL"
ACTIVE, TERMINATED = "ACTIVE", "TERMINATED"

# Node ids of the unit tree as the reports roll it up: a unit's code, ROOT for
# "every unit", and UNASSIGNED for entries that recorded no unit (payouts posted
# before the ledger recorded an eligibility basis).
ROOT = ""
UNASSIGNED = "~"
# The programme code under which figures of every programme of a year add up.
ALL_PROGRAMMES = "*"
PATH_SEPARATOR = "/"


@dataclass(frozen=True, slots=True)
class ProgrammeOpened:
    position: int
    recorded_us: int
    code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    kind: str  # SUBSIDY, AID, MUTUAL_AID, IN_KIND
    budget_fen: int
    standard_amount_fen: int
    per_member_annual_cap_fen: int
    hardship_only: bool


@dataclass(frozen=True, slots=True)
class ProgrammeClosed:
    position: int
    recorded_us: int
    code: str
    fiscal_year: int


class EntryRecorded(NamedTuple):
    """A payout (amount > 0) or a reversal (amount < 0, reverses_entry_id set).
    A named tuple: one is made per ledger event, the cheapest immutable record."""

    position: int
    recorded_us: int
    entry_id: str
    request_id: str
    kind: str  # PAYOUT or REVERSAL
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    # From the payout's eligibility basis: the member's unit and household on
    # the effective date, and the members-log position the ledger had read.
    unit_code: str = ""
    household_id: str = ""
    members_position: int = 0
    reverses_entry_id: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class UnitRegistered:
    position: int
    code: str
    name_zh: str
    name_en: str
    level: str  # PROVINCE, CITY, COUNTY, GRASSROOTS
    parent_code: str


@dataclass(frozen=True, slots=True)
class MemberEnrolled:
    position: int
    member_id: str
    unit_code: str
    household_id: str
    join_date: str


@dataclass(frozen=True, slots=True)
class MemberTransferred:
    position: int
    member_id: str
    unit_code: str


@dataclass(frozen=True, slots=True)
class MembershipChanged:
    position: int
    member_id: str
    status: str  # ACTIVE or TERMINATED


@dataclass(frozen=True, slots=True)
class Unprojected:
    """An event no projection reads (it still moves the position)."""

    position: int
    event_type: str


LedgerFact = ProgrammeOpened | ProgrammeClosed | EntryRecorded | Unprojected
MembersFact = UnitRegistered | MemberEnrolled | MemberTransferred | MembershipChanged | Unprojected


def nodes_of(path: str) -> list[str]:
    """The report nodes an entry of unit ``path`` counts under: ROOT, then every
    unit from the province down to the unit itself."""
    return [ROOT, *path.split(PATH_SEPARATOR)] if path else [ROOT]


def month_of(effective_date: str) -> int:
    return int(effective_date[5:7])

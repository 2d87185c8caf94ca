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
# A clawback of (part of) an emergency payout: a negative amount that counts
# where its payout did, net in the paid figures but not in the counts.
RECOVERY = "RECOVERY"
ACTIVE, TERMINATED = "ACTIVE", "TERMINATED"
# The states of a mutual-aid claim, in their order.
FILED, UNDER_REVIEW, APPROVED = "FILED", "UNDER_REVIEW", "APPROVED"
REJECTED, WITHDRAWN, PAID = "REJECTED", "WITHDRAWN", "PAID"
CLAIM_STATES = (FILED, UNDER_REVIEW, APPROVED, REJECTED, WITHDRAWN, PAID)

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
    # Mutual-aid rules: the periods (id, first day, last day) and how far the
    # pool may go below zero; () when the programme has none.
    periods: tuple[tuple[str, str, str], ...] = ()
    overdraft_fen: int = 0
    # Emergency rules: days to verify a payout in (0: not an emergency programme).
    verify_within_days: int = 0


@dataclass(frozen=True, slots=True)
class ProgrammeClosed:
    position: int
    recorded_us: int
    code: str
    fiscal_year: int


class EntryRecorded(NamedTuple):
    """A payout (amount > 0), a reversal or a recovery (amount < 0,
    reverses_entry_id the payout it reverses or recovers from).
    A named tuple: one is made per ledger event, the cheapest immutable record."""

    position: int
    recorded_us: int
    entry_id: str
    request_id: str
    kind: str  # PAYOUT, REVERSAL or RECOVERY
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
class ContributionRecorded:
    """A member's contribution to a mutual-aid pool for one period."""

    position: int
    recorded_us: int
    entry_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    amount_fen: int
    effective_date: str
    # The member's unit on the contribution date (the basis), as for payouts.
    unit_code: str = ""
    members_position: int = 0


@dataclass(frozen=True, slots=True)
class ClaimFiled:
    position: int
    recorded_us: int
    claim_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    category: str
    incident_date: str
    bill_total_fen: int
    self_paid_fen: int
    # The member's unit on the incident date (the basis).
    unit_code: str = ""
    members_position: int = 0


@dataclass(frozen=True, slots=True)
class ClaimChanged:
    """A claim moved to ``state`` (UNDER_REVIEW, APPROVED, REJECTED, WITHDRAWN
    or PAID). ``benefit_fen``: the approved benefit (APPROVED) or what was
    paid (PAID), else 0; ``payout_entry_id`` for PAID."""

    position: int
    recorded_us: int
    claim_id: str
    state: str
    benefit_fen: int = 0
    payout_entry_id: str = ""
    effective_date: str = ""


@dataclass(frozen=True, slots=True)
class ObligationCreated:
    """An emergency payout's obligation to be verified by ``due_date``."""

    position: int
    recorded_us: int
    obligation_id: str
    payout_entry_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    due_date: str


@dataclass(frozen=True, slots=True)
class AidVerified:
    position: int
    recorded_us: int
    payout_entry_id: str
    member_id: str
    verified_on: str


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


MutualAidFact = ContributionRecorded | ClaimFiled | ClaimChanged | ObligationCreated | AidVerified
LedgerFact = ProgrammeOpened | ProgrammeClosed | EntryRecorded | MutualAidFact | Unprojected
MembersFact = UnitRegistered | MemberEnrolled | MemberTransferred | MembershipChanged | Unprojected


def nodes_of(path: str) -> list[str]:
    """The report nodes an entry of unit ``path`` counts under: ROOT, then every
    unit from the province down to the unit itself."""
    return [ROOT, *path.split(PATH_SEPARATOR)] if path else [ROOT]


def month_of(effective_date: str) -> int:
    return int(effective_date[5:7])

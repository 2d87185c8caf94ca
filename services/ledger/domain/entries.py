"""Entries: every movement of money is one entry, one event, with postings that
sum to zero. An entry's id is derived from the client's request id, so the event
store itself refuses a second entry for the same request id."""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

ENTRY_NS = uuid5(NAMESPACE_URL, "urn:benefits:ledger:entry")

FUND = "programme-fund"
MEMBER = "member"
CLEARING = "clearing:disbursement"
IN_KIND_CLEARING = "clearing:in-kind"
CONTRIBUTIONS_CLEARING = "clearing:contributions"
POOL = "mutual-aid-pool"

Postings = list[list[str | int]]  # [[account, signed amount in fen], ...]


_ENTRY_NS_BYTES = ENTRY_NS.bytes
# uuid5's version (5) and variant (RFC 4122) bits, for the hash's first 16 bytes.
_UUID5_KEEP = ~((0xF000 << 64) | (0xC000 << 48))
_UUID5_SET = (5 << 76) | (0x8000 << 48)


@functools.lru_cache(maxsize=65536)  # each id is asked for twice while a command runs
def entry_id_for(request_id: str) -> UUID:
    """uuid5(ENTRY_NS, request_id), computed as uuid.uuid5 does but without
    its round trip through bytes (one id per payout: a hot path)."""
    sha1 = hashlib.sha1(_ENTRY_NS_BYTES + request_id.encode(), usedforsecurity=False).digest()
    return UUID(int=int.from_bytes(sha1[:16], "big") & _UUID5_KEEP | _UUID5_SET)


def fund_account(code: str, fiscal_year: int) -> str:
    return f"{FUND}:{code}:{fiscal_year}"


def member_account(member_id: str) -> str:
    return f"{MEMBER}:{member_id}"


def pool_account(code: str, fiscal_year: int) -> str:
    return f"{POOL}:{code}:{fiscal_year}"


def payout_postings(
    *,
    code: str,
    fiscal_year: int,
    kind: str,
    member_id: str,
    amount_fen: int,
    funding_account: str = "",
) -> Postings:
    """Double entry for a payout. The programme fund (or, for a claim, the
    mutual-aid pool) pays the member; unless the benefit stays on the member
    card as stored value, it leaves the member's account again through
    disbursement (or in-kind) clearing."""
    fund = funding_account or fund_account(code, fiscal_year)
    member = member_account(member_id)
    postings: Postings = [[fund, -amount_fen], [member, amount_fen]]
    if kind != "SUBSIDY":
        clearing = IN_KIND_CLEARING if kind == "IN_KIND" else CLEARING
        postings += [[member, -amount_fen], [clearing, amount_fen]]
    return postings


def reversed_postings(postings: Postings) -> Postings:
    return [[str(account), -int(amount)] for account, amount in postings]


def recovery_postings(postings: Postings, amount_fen: int) -> Postings:
    """A payout's postings negated and scaled to ``amount_fen`` (every posting
    of a payout moves the payout's amount one way or the other)."""
    return [
        [str(account), -amount_fen if int(amount) > 0 else amount_fen]
        for account, amount in postings
    ]


def contribution_postings(code: str, fiscal_year: int, member_id: str, amount_fen: int) -> Postings:
    """Money arrives from the member through contributions clearing into the pool."""
    member = member_account(member_id)
    return [
        [CONTRIBUTIONS_CLEARING, -amount_fen],
        [member, amount_fen],
        [member, -amount_fen],
        [pool_account(code, fiscal_year), amount_fen],
    ]


def postings_sum(postings: Postings) -> int:
    return sum(int(amount) for _account, amount in postings)


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


class Payout(Aggregate):
    """A payout of one programme to one member."""

    class PayoutPosted(Aggregate.Created):
        request_id: str
        member_id: str
        program_code: str
        fiscal_year: int
        amount_fen: int
        effective_date: str
        external_ref: str
        note: str
        postings: Postings
        body_digest: str
        basis: dict[str, object]
        actor: str
        claim_id: str

        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v1 payouts were posted before eligibility: no basis was recorded."""
            state["basis"] = {}

        @staticmethod
        def upcast_v2_v3(state: dict[str, object]) -> None:
            """v2 payouts recorded no caller and paid no claims."""
            state["actor"] = ""
            state["claim_id"] = ""

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return entry_id_for(request_id)

    @event(PayoutPosted)
    def __init__(
        self,
        request_id: str,
        member_id: str,
        program_code: str,
        fiscal_year: int,
        amount_fen: int,
        effective_date: str,
        external_ref: str,
        note: str,
        postings: Postings,
        body_digest: str,
        basis: dict[str, object],
        actor: str,
        claim_id: str,
    ) -> None:
        self.request_id = request_id
        self.member_id = member_id
        self.program_code = program_code
        self.fiscal_year = fiscal_year
        self.amount_fen = amount_fen
        self.effective_date = effective_date
        self.basis = basis
        self.actor = actor
        self.claim_id = claim_id
        self.external_ref = external_ref
        self.note = note
        self.postings = postings
        self.body_digest = body_digest

    @classmethod
    def posted(
        cls,
        *,
        request_id: str,
        member_id: str,
        program_code: str,
        fiscal_year: int,
        amount_fen: int,
        effective_date: str,
        external_ref: str,
        note: str,
        postings: Postings,
        body_digest: str,
        basis: dict[str, object],
        actor: str,
        claim_id: str,
        timestamp: datetime | None = None,
    ) -> Payout:
        """Exactly what ``Payout(...)`` makes (the PayoutPosted event, pending, and
        the payout it creates, attribute for attribute and in the same order), built
        directly rather than through the generic aggregate machinery, which costs
        more than the rest of a payout's rules: the writer records thousands a
        second. Tested equal, down to the stored bytes."""
        entry_id = entry_id_for(request_id)
        if timestamp is None:
            timestamp = cls.PayoutPosted.create_timestamp()
        posted: Any = object.__new__(cls.PayoutPosted)
        posted.__dict__.update(
            {
                "originator_id": entry_id,
                "originator_version": 1,
                "timestamp": timestamp,
                "originator_topic": get_topic(cls),
                "request_id": request_id,
                "member_id": member_id,
                "program_code": program_code,
                "fiscal_year": fiscal_year,
                "amount_fen": amount_fen,
                "effective_date": effective_date,
                "external_ref": external_ref,
                "note": note,
                "postings": postings,
                "body_digest": body_digest,
                "basis": basis,
                "actor": actor,
                "claim_id": claim_id,
            }
        )
        payout: Payout = object.__new__(cls)
        payout.__dict__.update(
            {
                "_id": entry_id,
                "_version": 1,
                "_created_on": timestamp,
                "_modified_on": timestamp,
                "_pending_events": [posted],
                "request_id": request_id,
                "member_id": member_id,
                "program_code": program_code,
                "fiscal_year": fiscal_year,
                "amount_fen": amount_fen,
                "effective_date": effective_date,
                "basis": basis,
                "actor": actor,
                "claim_id": claim_id,
                "external_ref": external_ref,
                "note": note,
                "postings": postings,
                "body_digest": body_digest,
            }
        )
        return payout


class Reversal(Aggregate):
    """The correction of a payout: the payout's postings negated, linked to it,
    with a reason code. Nothing is ever updated or deleted."""

    class PayoutReversed(Aggregate.Created):
        request_id: str
        reverses_entry_id: str
        member_id: str
        program_code: str
        fiscal_year: int
        amount_fen: int
        effective_date: str
        reason: str
        note: str
        postings: Postings
        body_digest: str
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["actor"] = ""

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return entry_id_for(request_id)

    @event(PayoutReversed)
    def __init__(
        self,
        request_id: str,
        reverses_entry_id: str,
        member_id: str,
        program_code: str,
        fiscal_year: int,
        amount_fen: int,
        effective_date: str,
        reason: str,
        note: str,
        postings: Postings,
        body_digest: str,
        actor: str,
    ) -> None:
        self.request_id = request_id
        self.actor = actor
        self.reverses_entry_id = reverses_entry_id
        self.member_id = member_id
        self.program_code = program_code
        self.fiscal_year = fiscal_year
        self.amount_fen = amount_fen
        self.effective_date = effective_date
        self.reason = reason
        self.note = note
        self.postings = postings
        self.body_digest = body_digest


class Contribution(Aggregate):
    """A member's contribution to a mutual-aid pool for one period: credits the
    pool and enrols the member for the period."""

    class ContributionRecorded(Aggregate.Created):
        request_id: str
        member_id: str
        program_code: str
        fiscal_year: int
        period_id: str
        amount_fen: int
        effective_date: str
        coverage_start: str
        coverage_end: str
        external_ref: str
        postings: Postings
        body_digest: str
        basis: dict[str, object]
        actor: str

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return entry_id_for(request_id)

    @event(ContributionRecorded)
    def __init__(
        self,
        request_id: str,
        member_id: str,
        program_code: str,
        fiscal_year: int,
        period_id: str,
        amount_fen: int,
        effective_date: str,
        coverage_start: str,
        coverage_end: str,
        external_ref: str,
        postings: Postings,
        body_digest: str,
        basis: dict[str, object],
        actor: str,
    ) -> None:
        self.request_id = request_id
        self.member_id = member_id
        self.program_code = program_code
        self.fiscal_year = fiscal_year
        self.period_id = period_id
        self.amount_fen = amount_fen
        self.effective_date = effective_date
        self.coverage_start = coverage_start
        self.coverage_end = coverage_end
        self.external_ref = external_ref
        self.postings = postings
        self.body_digest = body_digest
        self.basis = basis
        self.actor = actor
        self.note = ""


class Recovery(Aggregate):
    """A clawback of (part of) an emergency payout, linked to it: the payout's
    postings negated and scaled to the amount recovered."""

    class PaymentRecovered(Aggregate.Created):
        request_id: str
        recovers_entry_id: str
        member_id: str
        program_code: str
        fiscal_year: int
        amount_fen: int  # negative: taken back
        effective_date: str
        instalment: int
        recovered_total_fen: int
        outstanding_fen: int
        note: str
        postings: Postings
        body_digest: str
        actor: str

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return entry_id_for(request_id)

    @event(PaymentRecovered)
    def __init__(
        self,
        request_id: str,
        recovers_entry_id: str,
        member_id: str,
        program_code: str,
        fiscal_year: int,
        amount_fen: int,
        effective_date: str,
        instalment: int,
        recovered_total_fen: int,
        outstanding_fen: int,
        note: str,
        postings: Postings,
        body_digest: str,
        actor: str,
    ) -> None:
        self.request_id = request_id
        self.recovers_entry_id = recovers_entry_id
        self.member_id = member_id
        self.program_code = program_code
        self.fiscal_year = fiscal_year
        self.amount_fen = amount_fen
        self.effective_date = effective_date
        self.instalment = instalment
        self.recovered_total_fen = recovered_total_fen
        self.outstanding_fen = outstanding_fen
        self.note = note
        self.postings = postings
        self.body_digest = body_digest
        self.actor = actor


Entry = Payout | Reversal | Contribution | Recovery
ENTRY_TYPES = (Payout, Reversal, Contribution, Recovery)
ENTRY_EVENTS = (
    Payout.PayoutPosted,
    Reversal.PayoutReversed,
    Contribution.ContributionRecorded,
    Recovery.PaymentRecovered,
)

"""Entries: every movement of money is one entry, one event, with postings that
sum to zero. An entry's id is derived from the client's request id, so the event
store itself refuses a second entry for the same request id."""

from __future__ import annotations

import functools
import hashlib
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

ENTRY_NS = uuid5(NAMESPACE_URL, "urn:benefits:ledger:entry")

FUND = "programme-fund"
MEMBER = "member"
CLEARING = "clearing:disbursement"
IN_KIND_CLEARING = "clearing:in-kind"

Postings = list[list[str | int]]  # [[account, signed amount in fen], ...]


@functools.lru_cache(maxsize=65536)  # each id is asked for twice while a command runs
def entry_id_for(request_id: str) -> UUID:
    return uuid5(ENTRY_NS, request_id)


def fund_account(code: str, fiscal_year: int) -> str:
    return f"{FUND}:{code}:{fiscal_year}"


def member_account(member_id: str) -> str:
    return f"{MEMBER}:{member_id}"


def payout_postings(
    *, code: str, fiscal_year: int, kind: str, member_id: str, amount_fen: int
) -> Postings:
    """Double entry for a payout. The programme fund pays the member; unless the
    benefit stays on the member card as stored value, it leaves the member's
    account again through disbursement (or in-kind) clearing."""
    fund = fund_account(code, fiscal_year)
    member = member_account(member_id)
    postings: Postings = [[fund, -amount_fen], [member, amount_fen]]
    if kind != "SUBSIDY":
        clearing = IN_KIND_CLEARING if kind == "IN_KIND" else CLEARING
        postings += [[member, -amount_fen], [clearing, amount_fen]]
    return postings


def reversed_postings(postings: Postings) -> Postings:
    return [[str(account), -int(amount)] for account, amount in postings]


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

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """v1 payouts were posted before eligibility: no basis was recorded."""
            state["basis"] = {}

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
    ) -> None:
        self.request_id = request_id
        self.member_id = member_id
        self.program_code = program_code
        self.fiscal_year = fiscal_year
        self.amount_fen = amount_fen
        self.effective_date = effective_date
        self.basis = basis
        self.external_ref = external_ref
        self.note = note
        self.postings = postings
        self.body_digest = body_digest


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
    ) -> None:
        self.request_id = request_id
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


Entry = Payout | Reversal

"""Mutual-aid claims: an aggregate with a state machine.

    FILED -> UNDER_REVIEW -> APPROVED -> PAID
                          -> REJECTED
    FILED, UNDER_REVIEW, APPROVED -> WITHDRAWN

A claim's id derives from the request id that filed it. Every transition is one
event carrying the caller (``actor``) and the request id and body digest of the
command, so a retry replays and a different command under the same request id
is refused. An illegal transition is FAILED_PRECONDITION naming the current
state; approving a claim one filed oneself is PERMISSION_DENIED (maker-checker).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from benefits_platform.domain_errors import FailedPrecondition, PermissionDenied

CLAIM_NS = uuid5(NAMESPACE_URL, "urn:benefits:ledger:claim")

FILED = "FILED"
UNDER_REVIEW = "UNDER_REVIEW"
APPROVED = "APPROVED"
REJECTED = "REJECTED"
WITHDRAWN = "WITHDRAWN"
PAID = "PAID"
STATES = (FILED, UNDER_REVIEW, APPROVED, REJECTED, WITHDRAWN, PAID)
WITHDRAWABLE = (FILED, UNDER_REVIEW, APPROVED)

REJECTION_REASONS = frozenset(
    {
        "NOT_COVERED",
        "INSUFFICIENT_DOCUMENTS",
        "NOT_ELIGIBLE",
        "FRAUD_SUSPECTED",
        "LATE_FILING",
        "OTHER",
    }
)


def claim_id_for(request_id: str) -> UUID:
    return uuid5(CLAIM_NS, request_id)


def bill_key(hospital: str, bill_ref: str) -> str:
    """Hospital and bill reference as compared for duplicates (case and
    surrounding spaces do not make a bill another bill)."""
    return f"{hospital.strip().casefold()}\x1f{bill_ref.strip().casefold()}"


class Transition:
    """One step of a claim's history."""

    __slots__ = ("actor", "at", "note", "request_id", "state")

    def __init__(self, state: str, actor: str, at: dt.datetime, request_id: str, note: str) -> None:
        self.state = state
        self.actor = actor
        self.at = at
        self.request_id = request_id
        self.note = note


class _ClaimEvent(Aggregate.Event):
    """What every transition carries, so an auditor reads it on its own."""

    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    actor: str


class Claim(Aggregate):
    class ClaimFiled(Aggregate.Created):
        request_id: str
        member_id: str
        program_code: str
        fiscal_year: int
        period_id: str
        category: str
        incident_date: str
        bill_total_fen: int
        insurance_covered_fen: int
        self_paid_fen: int
        hospital: str
        bill_ref: str
        document_refs: list[str]
        note: str
        body_digest: str
        basis: dict[str, object]
        actor: str

    class ClaimReviewStarted(_ClaimEvent):
        note: str
        body_digest: str

        def apply(self, claim: Any) -> None:
            claim.state = UNDER_REVIEW
            claim.log(self, UNDER_REVIEW, self.note)

    class ClaimApproved(_ClaimEvent):
        rule_result_fen: int
        computed_benefit_fen: int
        approved_benefit_fen: int
        reason: str
        body_digest: str

        def apply(self, claim: Any) -> None:
            claim.state = APPROVED
            claim.decided_by = self.actor
            claim.rule_result_fen = self.rule_result_fen
            claim.computed_benefit_fen = self.computed_benefit_fen
            claim.approved_benefit_fen = self.approved_benefit_fen
            claim.approval_reason = self.reason
            claim.log(self, APPROVED, self.reason)

    class ClaimRejected(_ClaimEvent):
        reason: str
        note: str
        body_digest: str

        def apply(self, claim: Any) -> None:
            claim.state = REJECTED
            claim.decided_by = self.actor
            claim.rejection_reason = self.reason
            claim.log(self, REJECTED, self.note)

    class ClaimWithdrawn(_ClaimEvent):
        previous_state: str
        note: str
        body_digest: str

        def apply(self, claim: Any) -> None:
            claim.state = WITHDRAWN
            claim.log(self, WITHDRAWN, self.note)

    class ClaimPaid(_ClaimEvent):
        payout_entry_id: str
        amount_fen: int
        effective_date: str

        def apply(self, claim: Any) -> None:
            claim.state = PAID
            claim.payout_entry_id = self.payout_entry_id
            claim.paid_fen = self.amount_fen
            claim.paid_on = self.effective_date
            claim.log(self, PAID, "")

    @staticmethod
    def create_id(request_id: str) -> UUID:
        return claim_id_for(request_id)

    @event(ClaimFiled)
    def __init__(
        self,
        request_id: str,
        member_id: str,
        program_code: str,
        fiscal_year: int,
        period_id: str,
        category: str,
        incident_date: str,
        bill_total_fen: int,
        insurance_covered_fen: int,
        self_paid_fen: int,
        hospital: str,
        bill_ref: str,
        document_refs: list[str],
        note: str,
        body_digest: str,
        basis: dict[str, object],
        actor: str,
    ) -> None:
        self.request_id = request_id
        self.member_id = member_id
        self.program_code = program_code
        self.fiscal_year = fiscal_year
        self.period_id = period_id
        self.category = category
        self.incident_date = incident_date
        self.bill_total_fen = bill_total_fen
        self.insurance_covered_fen = insurance_covered_fen
        self.self_paid_fen = self_paid_fen
        self.hospital = hospital
        self.bill_ref = bill_ref
        self.document_refs = list(document_refs)
        self.note = note
        self.body_digest = body_digest
        self.basis = basis
        self.filed_by = actor
        self.state = FILED
        self.decided_by = ""
        self.rule_result_fen = 0
        self.computed_benefit_fen = 0
        self.approved_benefit_fen = 0
        self.approval_reason = ""
        self.rejection_reason = ""
        self.payout_entry_id = ""
        self.paid_fen = 0
        self.paid_on = ""
        self.history = [Transition(FILED, actor, self.created_on, request_id, note)]

    def log(self, transition: _ClaimEvent, state: str, note: str) -> None:
        self.history = [
            *self.history,
            Transition(state, transition.actor, transition.timestamp, transition.request_id, note),
        ]

    # -- rules ------------------------------------------------------------------

    def check_state(self, allowed: tuple[str, ...], action: str) -> None:
        if self.state not in allowed:
            raise FailedPrecondition(
                f"claim_id: claim {self.id} is {self.state}; only a claim that is "
                f"{' or '.join(allowed)} can be {action}"
            )

    def check_checker(self, actor: str) -> None:
        """Maker-checker: the identity that filed a claim cannot approve it."""
        if actor == self.filed_by:
            raise PermissionDenied(
                f"maker-checker: claim {self.id} was filed by {actor!r}; the identity that "
                "files a claim cannot approve it"
            )

    def _context(self, request_id: str, actor: str) -> dict[str, Any]:
        return {
            "request_id": request_id,
            "member_id": self.member_id,
            "program_code": self.program_code,
            "fiscal_year": self.fiscal_year,
            "period_id": self.period_id,
            "actor": actor,
        }

    # -- transitions ------------------------------------------------------------

    def start_review(self, request_id: str, note: str, body_digest: str, actor: str) -> None:
        self.check_state((FILED,), "put under review")
        self.trigger_event(
            self.ClaimReviewStarted,
            note=note,
            body_digest=body_digest,
            **self._context(request_id, actor),
        )

    def approve(
        self,
        request_id: str,
        *,
        rule_result_fen: int,
        computed_benefit_fen: int,
        approved_benefit_fen: int,
        reason: str,
        body_digest: str,
        actor: str,
    ) -> None:
        self.trigger_event(
            self.ClaimApproved,
            rule_result_fen=rule_result_fen,
            computed_benefit_fen=computed_benefit_fen,
            approved_benefit_fen=approved_benefit_fen,
            reason=reason,
            body_digest=body_digest,
            **self._context(request_id, actor),
        )

    def reject(self, request_id: str, reason: str, note: str, body_digest: str, actor: str) -> None:
        self.check_state((UNDER_REVIEW,), "rejected")
        self.trigger_event(
            self.ClaimRejected,
            reason=reason,
            note=note,
            body_digest=body_digest,
            **self._context(request_id, actor),
        )

    def withdraw(self, request_id: str, note: str, body_digest: str, actor: str) -> None:
        self.check_state(WITHDRAWABLE, "withdrawn")
        self.trigger_event(
            self.ClaimWithdrawn,
            previous_state=self.state,
            note=note,
            body_digest=body_digest,
            **self._context(request_id, actor),
        )

    def mark_paid(
        self, request_id: str, payout_entry_id: str, effective_date: str, actor: str
    ) -> None:
        self.check_state((APPROVED,), "paid")
        self.trigger_event(
            self.ClaimPaid,
            payout_entry_id=payout_entry_id,
            amount_fen=self.approved_benefit_fen,
            effective_date=effective_date,
            **self._context(request_id, actor),
        )


CLAIM_EVENTS = (
    Claim.ClaimFiled,
    Claim.ClaimReviewStarted,
    Claim.ClaimApproved,
    Claim.ClaimRejected,
    Claim.ClaimWithdrawn,
    Claim.ClaimPaid,
)

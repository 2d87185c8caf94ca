"""proto <-> plain values for mutual aid, claims and emergency aid."""

from __future__ import annotations

from benefits_platform.domain_errors import InvalidArgument
from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2
from ledger.adapters.event_codec import basis
from ledger.domain import claims as C
from ledger.domain import entries as E
from ledger.domain import values
from ledger.domain.claim_commands import (
    ApproveClaim,
    FileClaim,
    PayClaim,
    RecordContribution,
    RecordContributionBatch,
    RecoverPayment,
    RejectClaim,
    StartReview,
    VerifyEmergencyAid,
    WithdrawClaim,
)
from ledger.domain.emergency import ObligationStatus
from ledger.entrypoints.converters import actor, timestamp
from ledger.results import ClaimResult, ObligationResult, PoolView, Recorded

# Commands that name an existing claim.
ClaimCommandOnId = StartReview | ApproveClaim | RejectClaim | WithdrawClaim | PayClaim

STATE_PREFIX = "CLAIM_STATE_"
REJECTION_PREFIX = "CLAIM_REJECTION_REASON_"
AID_STATE_PREFIX = "EMERGENCY_AID_STATE_"


def _enum_name(enum: object, value: int, prefix: str) -> str:
    """The domain's name of an enum value; '' for UNSPECIFIED or an unknown value."""
    if value == 0 or value not in enum.values():  # type: ignore[attr-defined]
        return ""
    return str(enum.Name(value)).removeprefix(prefix)  # type: ignore[attr-defined]


# -- requests -> commands ----------------------------------------------------------


def record_contribution(
    req: ledger_pb2.RecordContributionRequest, caller: str = ""
) -> RecordContribution:
    return RecordContribution(
        request_id=req.request_id,
        member_id=req.member_id,
        program_code=req.program_code,
        fiscal_year=req.fiscal_year,
        period_id=req.period_id,
        amount_fen=req.amount_fen,
        effective_date=req.effective_date,
        external_ref=req.external_ref,
        members_position=req.members_position,
        actor=caller or actor(),
    )


def record_contributions(req: ledger_pb2.RecordContributionsRequest) -> RecordContributionBatch:
    caller = actor()
    batch = RecordContributionBatch(
        tuple(record_contribution(row, caller) for row in req.contributions)
    )
    batch.validate()
    return batch


def file_claim(req: ledger_pb2.FileClaimRequest) -> FileClaim:
    cmd = FileClaim(
        request_id=req.request_id,
        member_id=req.member_id,
        program_code=req.program_code,
        fiscal_year=req.fiscal_year,
        period_id=req.period_id,
        category=req.category,
        incident_date=req.incident_date,
        bill_total_fen=req.bill_total_fen,
        insurance_covered_fen=req.insurance_covered_fen,
        self_paid_fen=req.self_paid_fen,
        hospital=req.hospital,
        bill_ref=req.bill_ref,
        document_refs=tuple(req.document_refs),
        note=req.note,
        members_position=req.members_position,
        actor=actor(),
    )
    cmd.validate()
    return cmd


def start_review(req: ledger_pb2.StartReviewRequest) -> StartReview:
    cmd = StartReview(req.request_id, req.claim_id, note=req.note, actor=actor())
    cmd.validate()
    return cmd


def approve_claim(req: ledger_pb2.ApproveClaimRequest) -> ApproveClaim:
    cmd = ApproveClaim(
        req.request_id,
        req.claim_id,
        approved_benefit_fen=req.approved_benefit_fen,
        reason=req.reason,
        actor=actor(),
    )
    cmd.validate()
    return cmd


def reject_claim(req: ledger_pb2.RejectClaimRequest) -> RejectClaim:
    reason = _enum_name(ledger_pb2.ClaimRejectionReason, req.reason, REJECTION_PREFIX)
    if not reason:
        raise InvalidArgument("reason", "must be a rejection reason code other than UNSPECIFIED")
    cmd = RejectClaim(req.request_id, req.claim_id, reason=reason, note=req.note, actor=actor())
    cmd.validate()
    return cmd


def withdraw_claim(req: ledger_pb2.WithdrawClaimRequest) -> WithdrawClaim:
    cmd = WithdrawClaim(req.request_id, req.claim_id, note=req.note, actor=actor())
    cmd.validate()
    return cmd


def pay_claim(req: ledger_pb2.PayClaimRequest) -> PayClaim:
    cmd = PayClaim(req.request_id, req.claim_id, effective_date=req.effective_date, actor=actor())
    cmd.validate()
    return cmd


def verify_emergency_aid(req: ledger_pb2.VerifyEmergencyAidRequest) -> VerifyEmergencyAid:
    cmd = VerifyEmergencyAid(
        req.request_id, req.entry_id, req.verified_on, note=req.note, actor=actor()
    )
    cmd.validate()
    return cmd


def recover_payment(req: ledger_pb2.RecoverPaymentRequest) -> RecoverPayment:
    cmd = RecoverPayment(
        req.request_id,
        req.entry_id,
        req.amount_fen,
        req.effective_date,
        note=req.note,
        actor=actor(),
    )
    cmd.validate()
    return cmd


def programme_filter(program_code: str, fiscal_year: int) -> None:
    """Optional filters: each empty or zero means any, else it must be well formed."""
    if program_code:
        values.program_code(program_code)
    if fiscal_year:
        values.fiscal_year(fiscal_year)


def claim_state(value: int) -> str:
    """A ClaimState filter: '' for any."""
    if value and value not in ledger_pb2.ClaimState.values():
        raise InvalidArgument("state", "must be a claim state (or UNSPECIFIED for any)")
    return _enum_name(ledger_pb2.ClaimState, value, STATE_PREFIX)


def claim_id(value: str) -> str:
    return str(values.uuid_of(value, "claim_id", "a claim id"))


# -- results -> messages -----------------------------------------------------------


def contribution(recorded: Recorded) -> ledger_pb2.Contribution:
    c = recorded.entry
    assert isinstance(c, E.Contribution)
    return ledger_pb2.Contribution(
        entry_id=str(c.id),
        request_id=c.request_id,
        member_id=c.member_id,
        program_code=c.program_code,
        fiscal_year=c.fiscal_year,
        period_id=c.period_id,
        amount_fen=c.amount_fen,
        effective_date=c.effective_date,
        coverage_start=c.coverage_start,
        coverage_end=c.coverage_end,
        postings=[common_pb2.Posting(account=str(a), amount_fen=int(n)) for a, n in c.postings],
        recorded_at=timestamp(c.created_on),
        external_ref=c.external_ref,
        actor=c.actor,
        basis=basis(c.basis),
        replayed=recorded.replayed,
    )


def pool(view: PoolView) -> ledger_pb2.Pool:
    p = view.programme
    return ledger_pb2.Pool(
        program_code=p.code,
        fiscal_year=p.fiscal_year,
        account=f"mutual-aid-pool:{p.code}:{p.fiscal_year}",
        balance_fen=view.balance_fen,
        contributed_fen=view.contributed_fen,
        contribution_count=view.contribution_count,
        claims_paid_fen=view.claims_paid_fen,
        claims_paid_count=view.claims_paid_count,
        overdraft_fen=view.rules.overdraft_fen,
        available_fen=view.available_fen,
        periods=[
            ledger_pb2.PeriodEnrolment(
                period_id=period.period_id,
                start_date=period.start_date,
                end_date=period.end_date,
                members=members,
            )
            for period, members in view.periods
        ],
    )


def claim(result: ClaimResult | C.Claim) -> ledger_pb2.Claim:
    if isinstance(result, ClaimResult):
        c, replayed = result.claim, result.replayed
    else:
        c, replayed = result, False
    return ledger_pb2.Claim(
        claim_id=str(c.id),
        request_id=c.request_id,
        member_id=c.member_id,
        program_code=c.program_code,
        fiscal_year=c.fiscal_year,
        period_id=c.period_id,
        category=c.category,
        incident_date=c.incident_date,
        bill_total_fen=c.bill_total_fen,
        insurance_covered_fen=c.insurance_covered_fen,
        self_paid_fen=c.self_paid_fen,
        hospital=c.hospital,
        bill_ref=c.bill_ref,
        document_refs=list(c.document_refs),
        note=c.note,
        state=STATE_PREFIX + c.state,  # type: ignore[arg-type]
        filed_by=c.filed_by,
        decided_by=c.decided_by,
        rule_result_fen=c.rule_result_fen,
        computed_benefit_fen=c.computed_benefit_fen,
        approved_benefit_fen=c.approved_benefit_fen,
        approval_reason=c.approval_reason,
        rejection_reason=(
            REJECTION_PREFIX + c.rejection_reason  # type: ignore[arg-type]
            if c.rejection_reason
            else ledger_pb2.CLAIM_REJECTION_REASON_UNSPECIFIED
        ),
        payout_entry_id=c.payout_entry_id,
        paid_fen=c.paid_fen,
        paid_on=c.paid_on,
        history=[
            ledger_pb2.ClaimTransition(
                state=STATE_PREFIX + t.state,  # type: ignore[arg-type]
                actor=t.actor,
                at=timestamp(t.at),
                request_id=t.request_id,
                note=t.note,
            )
            for t in c.history
        ],
        basis=basis(c.basis),
        replayed=replayed,
    )


def obligation(
    status: ObligationStatus, replayed: bool = False, as_of: str = ""
) -> ledger_pb2.EmergencyObligation:
    o = status.obligation
    return ledger_pb2.EmergencyObligation(
        obligation_id=str(o.id),
        payout_entry_id=o.payout_entry_id,
        member_id=o.member_id,
        program_code=o.program_code,
        fiscal_year=o.fiscal_year,
        paid_fen=o.amount_fen,
        effective_date=o.effective_date,
        due_date=o.due_date,
        state=AID_STATE_PREFIX + status.state,  # type: ignore[arg-type]
        verified_on=o.verified_on,
        verified_by=o.verified_by,
        recovered_fen=status.recovered_fen,
        instalments=status.instalments,
        outstanding_fen=status.outstanding_fen,
        overdue=bool(as_of) and status.overdue_on(as_of),
        replayed=replayed,
    )


def obligation_result(result: ObligationResult) -> ledger_pb2.EmergencyObligation:
    return obligation(result.status, result.replayed, result.as_of)

"""proto <-> plain values. Servicers only translate; rules live in the domain."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2

from benefits_platform.domain_errors import InvalidArgument
from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2
from ledger.adapters.event_codec import basis, tier_name
from ledger.application import MemberAccountView, PostPayoutBatch, ProgrammeView, Recorded
from ledger.domain import entries as E
from ledger.domain import values
from ledger.domain.commands import CloseProgram, OpenProgram, PostPayout, ReversePayout

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ONE_MICROSECOND = dt.timedelta(microseconds=1)
KIND_PREFIX = "PROGRAM_KIND_"
TIER_PREFIX = "HARDSHIP_TIER_"
REASON_PREFIX = "REVERSAL_REASON_"


def timestamp(when: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if when is None:
        return None
    # What Timestamp.FromDatetime does, without its generality (a hot path).
    micros = (when - EPOCH) // ONE_MICROSECOND
    seconds, micro = divmod(micros, 1_000_000)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=micro * 1000)


def open_program(req: ledger_pb2.OpenProgramRequest) -> OpenProgram:
    kind_name = (
        ledger_pb2.ProgramKind.Name(req.kind) if req.kind in ledger_pb2.ProgramKind.values() else ""
    )
    if not kind_name or req.kind == ledger_pb2.PROGRAM_KIND_UNSPECIFIED:
        raise InvalidArgument("kind", "must be one of SUBSIDY, AID, MUTUAL_AID, IN_KIND")
    cmd = OpenProgram(
        code=req.code,
        fiscal_year=req.fiscal_year,
        name_zh=req.name_zh,
        name_en=req.name_en,
        kind=kind_name.removeprefix(KIND_PREFIX),
        budget_fen=req.budget_fen,
        standard_amount_fen=req.standard_amount_fen,
        per_member_annual_cap_fen=req.per_member_annual_cap_fen,
        member_groups=tuple(req.eligibility.member_groups),
        hardship_only=req.eligibility.hardship_only,
        request_id=req.request_id,
        tier_standards=tuple((tier_name(t.tier), t.amount_fen) for t in req.tier_standards),
    )
    cmd.validate()
    return cmd


def close_program(req: ledger_pb2.CloseProgramRequest) -> CloseProgram:
    cmd = CloseProgram(code=req.code, fiscal_year=req.fiscal_year, reason=req.reason)
    cmd.validate()
    return cmd


def post_payout(req: ledger_pb2.PostPayoutRequest) -> PostPayout:
    return PostPayout(
        request_id=req.request_id,
        member_id=req.member_id,
        program_code=req.program_code,
        fiscal_year=req.fiscal_year,
        amount_fen=req.amount_fen,
        effective_date=req.effective_date,
        external_ref=req.external_ref,
        note=req.note,
        members_position=req.members_position,
    )


def post_payouts(req: ledger_pb2.PostPayoutsRequest) -> PostPayoutBatch:
    batch = PostPayoutBatch(tuple(post_payout(row) for row in req.payouts))
    batch.validate()
    return batch


def reverse_payout(req: ledger_pb2.ReversePayoutRequest) -> ReversePayout:
    if req.reason not in ledger_pb2.ReversalReason.values() or req.reason == 0:
        raise InvalidArgument("reason", "must be a reversal reason code other than UNSPECIFIED")
    reason = ledger_pb2.ReversalReason.Name(req.reason).removeprefix(REASON_PREFIX)
    return ReversePayout.of(req.request_id, req.entry_id, reason, req.note)


def program(view: ProgrammeView) -> ledger_pb2.Program:
    p = view.programme
    return ledger_pb2.Program(
        code=p.code,
        fiscal_year=p.fiscal_year,
        name_zh=p.name_zh,
        name_en=p.name_en,
        kind=KIND_PREFIX + p.kind,
        status=ledger_pb2.PROGRAM_STATUS_CLOSED if p.closed else ledger_pb2.PROGRAM_STATUS_OPEN,
        budget_fen=p.budget_fen,
        committed_fen=view.committed_fen,
        remaining_fen=view.remaining_fen,
        standard_amount_fen=p.standard_amount_fen,
        per_member_annual_cap_fen=p.per_member_annual_cap_fen,
        eligibility=ledger_pb2.Eligibility(
            member_groups=list(p.member_groups), hardship_only=p.hardship_only
        ),
        payout_count=view.payout_count,
        reversal_count=view.reversal_count,
        tier_standards=[
            ledger_pb2.TierStandard(tier=TIER_PREFIX + tier, amount_fen=amount)
            for tier, amount in sorted(p.tier_standards.items())
        ],
        opened_at=timestamp(p.created_on),
        closed_at=timestamp(p.closed_on) if p.closed else None,
    )


def entry(
    recorded: E.Payout | E.Reversal, replayed: bool = False, reversed_by: object = None
) -> ledger_pb2.Entry:
    msg = ledger_pb2.Entry(
        entry_id=str(recorded.id),
        request_id=recorded.request_id,
        member_id=recorded.member_id,
        program_code=recorded.program_code,
        fiscal_year=recorded.fiscal_year,
        amount_fen=recorded.amount_fen,
        effective_date=recorded.effective_date,
        recorded_at=timestamp(recorded.created_on),
        note=recorded.note,
        postings=[
            common_pb2.Posting(account=str(a), amount_fen=int(n)) for a, n in recorded.postings
        ],
        replayed=replayed,
    )
    if isinstance(recorded, E.Reversal):
        msg.MergeFrom(
            ledger_pb2.Entry(
                kind=ledger_pb2.ENTRY_KIND_REVERSAL,
                reverses_entry_id=recorded.reverses_entry_id,
                reversal_reason=REASON_PREFIX + recorded.reason,
            )
        )
    else:
        msg.kind = ledger_pb2.ENTRY_KIND_PAYOUT
        msg.external_ref = recorded.external_ref
        if recorded.basis:
            msg.basis.CopyFrom(basis(recorded.basis))
        if reversed_by is not None:
            msg.reversed_by_entry_id = str(reversed_by)
    return msg


def recorded_entry(recorded: Recorded) -> ledger_pb2.Entry:
    return entry(recorded.entry, recorded.replayed)


def member_account(view: MemberAccountView) -> ledger_pb2.MemberAccount:
    return ledger_pb2.MemberAccount(
        member_id=view.member_id,
        receipts=[
            ledger_pb2.ProgramReceipts(
                program_code=p.code,
                fiscal_year=p.fiscal_year,
                received_fen=stats[0],
                payout_count=stats[1],
                reversal_count=stats[2],
            )
            for p, stats in view.receipts
        ],
        stored_value_balance_fen=view.stored_value_balance_fen,
        entry_count=view.entry_count,
    )


def member_id(value: str) -> str:
    return values.member_id(value)

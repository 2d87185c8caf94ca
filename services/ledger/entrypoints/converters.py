"""proto <-> plain values. Servicers only translate; rules live in the domain."""

from __future__ import annotations

import datetime as dt
import marshal
from typing import Any

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from benefits_platform import identity
from benefits_platform.collection import collection_paused
from benefits_platform.domain_errors import InvalidArgument
from benefits_platform.forwarding import Preparation
from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2
from ledger.adapters.event_codec import basis, mutual_aid_rules, tier_name
from ledger.application import PostPayoutBatch
from ledger.domain import entries as E
from ledger.domain import values
from ledger.domain.commands import (
    MAX_BATCH,
    CloseProgram,
    OpenProgram,
    PostPayout,
    ReversePayout,
)
from ledger.domain.rules import MutualAidRules, Period
from ledger.results import MemberAccountView, ProgrammeView, Recorded

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


def actor() -> str:
    """The caller of the RPC being served, captured into the command here (the
    writer that runs the command is another task)."""
    return identity.current().id


def mutual_aid(rules: ledger_pb2.MutualAidRules) -> MutualAidRules:
    return MutualAidRules(
        periods=tuple(Period(p.period_id, p.start_date, p.end_date) for p in rules.periods),
        contribution_fen=rules.contribution_fen,
        waiting_days=rules.waiting_days,
        deductible_fen=rules.deductible_fen,
        categories=tuple((c.category, c.ratio_bp) for c in rules.categories),
        per_claim_cap_fen=rules.per_claim_cap_fen,
        per_period_cap_fen=rules.per_period_cap_fen,
        overdraft_fen=rules.overdraft_fen,
    )


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
        mutual_aid=mutual_aid(req.mutual_aid) if req.HasField("mutual_aid") else None,
        verify_within_days=req.emergency.verify_within_days,
        secondary_aid_of=req.secondary_aid.mutual_aid_program_code,
        actor=actor(),
    )
    if req.HasField("emergency") and not req.emergency.verify_within_days:
        raise InvalidArgument("emergency.verify_within_days", "must be 1 to 366 days")
    if req.HasField("secondary_aid") and not cmd.secondary_aid_of:
        raise InvalidArgument("secondary_aid.mutual_aid_program_code", "is required")
    cmd.validate()
    return cmd


def close_program(req: ledger_pb2.CloseProgramRequest) -> CloseProgram:
    cmd = CloseProgram(code=req.code, fiscal_year=req.fiscal_year, reason=req.reason, actor=actor())
    cmd.validate()
    return cmd


# PostPayout's fields but the actor, in their order.
PayoutRow = tuple[str, str, str, int, int, str, str, str, int]


def payout_row(req: ledger_pb2.PostPayoutRequest) -> PayoutRow:
    return (
        req.request_id,
        req.member_id,
        req.program_code,
        req.fiscal_year,
        req.amount_fen,
        req.effective_date,
        req.external_ref,
        req.note,
        req.members_position,
    )


def post_payout(req: ledger_pb2.PostPayoutRequest, caller: str = "") -> PostPayout:
    return PostPayout(*payout_row(req), actor=caller or actor())


def post_payouts(req: ledger_pb2.PostPayoutsRequest) -> PostPayoutBatch:
    caller = actor()
    batch = PostPayoutBatch(tuple(post_payout(row, caller) for row in req.payouts))
    batch.validate()
    return batch


# -- PostPayouts prepared by a front (benefits_platform.forwarding.Preparation) --------
# The front parses and validates the rows and sends their fields; the core
# records them and sends back each entry's fields, which the front builds the
# response from. Both ends are the same code in processes of the same Python
# (marshal's format is the interpreter's own).


def prepare_payouts(req: ledger_pb2.PostPayoutsRequest) -> bytes:
    """In a front: the batch's rows, validated as the core would (refusals name
    ``payouts[i]``), as marshalled tuples of PostPayout's fields but the actor,
    each with its body digest (PostPayout.digest: the core's writer then does
    not hash the row)."""
    rows = tuple(payout_row(r) for r in req.payouts)
    commands = tuple(PostPayout(*row) for row in rows)
    PostPayoutBatch(commands).validate()
    digests = (c.digest() for c in commands)
    return marshal.dumps(tuple((*row, d) for row, d in zip(rows, digests, strict=True)))


def prepared_payouts(payload: bytes) -> PostPayoutBatch:
    """In the core: the batch a front prepared (validated there), for the caller."""
    rows: tuple[PayoutRow, ...] = marshal.loads(payload)  # noqa: S302 (from a front, over the core's private socket)
    if not isinstance(rows, tuple) or not 0 < len(rows) <= MAX_BATCH:
        raise InvalidArgument("payouts", "a prepared batch must hold 1 to 10,000 rows")
    caller = actor()
    try:
        return PostPayoutBatch(tuple(PostPayout(*row, actor=caller) for row in rows))
    except TypeError:
        raise InvalidArgument("payouts", "a prepared row must hold a payout's fields") from None


def prepared_payouts_result(batch: PostPayoutBatch, recorded: list[Recorded]) -> bytes:
    """In the core: what the front needs, besides the rows it sent, to answer
    with the batch's entries: for an entry that is a payout of its row's
    fields (every entry of a batch, fresh or replayed: a replay matches its
    row's body) the values the core made, (recorded time in microseconds,
    replayed, actor, claim id, postings, basis values in BASIS_ORDER or None;
    the entry id is the row's request id's, E.entry_id_for); for any other,
    all its fields (see _entry_fields). A payout made in this call from the
    row itself (the row's own request id object, not replayed) is its row's
    by construction; any other is compared field by field."""
    out: list[Any] = []
    with collection_paused():
        for row, done in zip(batch.rows, recorded, strict=True):
            e = done.entry
            basis = e.basis if isinstance(e, E.Payout) else None
            if (
                basis is None
                or (basis and basis.keys() != BASIS_KEYS)
                or not _is_rows_payout(e, row, done.replayed)
            ):
                out.append(_whole(e, done.replayed))
                continue
            out.append(
                (
                    (e.created_on - EPOCH) // ONE_MICROSECOND,
                    done.replayed,
                    e.actor,
                    e.claim_id,  # type: ignore[union-attr]
                    e.postings,  # [[account, fen], ...]: marshalled as it is
                    tuple(basis[k] for k in BASIS_ORDER) if basis else None,
                )
            )
        return marshal.dumps(out)


def _is_rows_payout(e: Any, row: PostPayout, replayed: bool) -> bool:
    """Whether the payout ``e`` holds the row's fields."""
    if e.request_id is row.request_id and not replayed:
        return True  # made in this call from the row itself
    return bool(
        e.request_id == row.request_id
        and e.member_id == row.member_id
        and e.program_code == row.program_code
        and e.fiscal_year == row.fiscal_year
        and e.amount_fen == row.amount_fen
        and e.effective_date == row.effective_date
        and e.external_ref == row.external_ref
        and e.note == row.note
    )


def _whole(entry: E.Entry, replayed: bool) -> dict[str, Any]:
    fields = _entry_fields(entry, replayed)
    if isinstance(fields.get("basis"), Message):
        fields["basis"] = fields["basis"].SerializeToString()
    return fields


def finish_payouts(req: ledger_pb2.PostPayoutsRequest, result: bytes) -> bytes:
    """In a front: the PostPayoutsResponse for the request's rows and the
    core's result (see prepared_payouts_result)."""
    with collection_paused():
        made = marshal.loads(result)  # noqa: S302 (from the core, over its private socket)
        entries: list[dict[str, Any]] = []
        replayed = 0
        for row, item in zip(req.payouts, made, strict=True):
            if isinstance(item, dict):
                fields = item
                if isinstance(fields.get("basis"), bytes):
                    fields["basis"] = ledger_pb2.EligibilityBasis.FromString(fields["basis"])
            else:
                micros, again, actor_id, claim_id, postings, basis = item
                seconds, micro = divmod(micros, 1_000_000)
                fields = {
                    "entry_id": str(E.entry_id_for(row.request_id)),
                    "request_id": row.request_id,
                    "member_id": row.member_id,
                    "program_code": row.program_code,
                    "fiscal_year": row.fiscal_year,
                    "amount_fen": row.amount_fen,
                    "effective_date": row.effective_date,
                    "recorded_at": {"seconds": seconds, "nanos": micro * 1000},
                    "postings": [{"account": a, "amount_fen": n} for a, n in postings],
                    "actor": actor_id,
                    "kind": ledger_pb2.ENTRY_KIND_PAYOUT,
                }
                if row.note:
                    fields["note"] = row.note
                if again:
                    fields["replayed"] = True
                if row.external_ref:
                    fields["external_ref"] = row.external_ref
                if claim_id:
                    fields["claim_id"] = claim_id
                if basis is not None:
                    fields["basis"] = _basis_fields(dict(zip(BASIS_ORDER, basis, strict=True)))
            if fields.get("replayed"):
                replayed += 1
            entries.append(fields)
        response = ledger_pb2.PostPayoutsResponse(entries=entries, replayed_count=replayed)
        return response.SerializeToString()


PAYOUTS_PREPARATION = Preparation(ledger_pb2.PostPayoutsRequest, prepare_payouts, finish_payouts)


def reverse_payout(req: ledger_pb2.ReversePayoutRequest) -> ReversePayout:
    if req.reason not in ledger_pb2.ReversalReason.values() or req.reason == 0:
        raise InvalidArgument("reason", "must be a reversal reason code other than UNSPECIFIED")
    reason = ledger_pb2.ReversalReason.Name(req.reason).removeprefix(REASON_PREFIX)
    return ReversePayout.of(req.request_id, req.entry_id, reason, req.note, actor())


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
        mutual_aid=mutual_aid_rules(p.mutual_aid_state) if p.mutual_aid_state else None,
        emergency=(
            ledger_pb2.EmergencyRules(verify_within_days=p.verify_within_days)
            if p.verify_within_days
            else None
        ),
        secondary_aid=(
            ledger_pb2.SecondaryAidRules(mutual_aid_program_code=p.secondary_aid_of)
            if p.secondary_aid_of
            else None
        ),
    )


# The keys of an eligibility basis recorded by the current rules (book.check_eligibility).
BASIS_KEYS = frozenset(ledger_pb2.EligibilityBasis.DESCRIPTOR.fields_by_name)
BASIS_ORDER = tuple(ledger_pb2.EligibilityBasis.DESCRIPTOR.fields_by_name)
# A recorded tier ("" for none) -> its HardshipTier number.
TIER_NUMBERS = {
    name.removeprefix(TIER_PREFIX): number
    for name, number in common_pb2.HardshipTier.items()
    if name != TIER_PREFIX + "UNSPECIFIED"
} | {"": common_pb2.HARDSHIP_TIER_UNSPECIFIED}


def _basis_fields(recorded: dict[str, Any]) -> dict[str, Any] | ledger_pb2.EligibilityBasis:
    """The basis as message fields: what event_codec.basis makes, built from the
    recorded dict as it is when it holds exactly the message's fields with
    known tiers (every basis the current rules record; the general conversion
    for any other)."""
    if recorded.keys() != BASIS_KEYS:
        return basis(recorded)
    tier = TIER_NUMBERS.get(recorded["tier"])
    pre_exit_tier = TIER_NUMBERS.get(recorded["pre_exit_tier"])
    if tier is None or pre_exit_tier is None:
        return basis(recorded)
    fields = dict(recorded)
    fields["tier"] = tier
    fields["pre_exit_tier"] = pre_exit_tier
    return fields


def _entry_fields(
    recorded: E.Entry, replayed: bool = False, reversed_by: object = None
) -> dict[str, Any]:
    """An entry's fields for ledger_pb2.Entry(**fields): plain values and dicts,
    which protobuf builds faster than nested messages, and no empty ones (the
    same message: proto3 does not tell an empty field from an unset one)."""
    micros = (recorded.created_on - EPOCH) // ONE_MICROSECOND
    seconds, micro = divmod(micros, 1_000_000)
    fields: dict[str, Any] = {
        "entry_id": str(recorded.id),
        "request_id": recorded.request_id,
        "member_id": recorded.member_id,
        "program_code": recorded.program_code,
        "fiscal_year": recorded.fiscal_year,
        "amount_fen": recorded.amount_fen,
        "effective_date": recorded.effective_date,
        "recorded_at": {"seconds": seconds, "nanos": micro * 1000},
        "postings": [{"account": str(a), "amount_fen": int(n)} for a, n in recorded.postings],
        "actor": recorded.actor,
    }
    if recorded.note:
        fields["note"] = recorded.note
    if replayed:
        fields["replayed"] = True
    if isinstance(recorded, E.Payout):
        fields["kind"] = ledger_pb2.ENTRY_KIND_PAYOUT
        if recorded.external_ref:
            fields["external_ref"] = recorded.external_ref
        if recorded.claim_id:
            fields["claim_id"] = recorded.claim_id
        if recorded.basis:
            fields["basis"] = _basis_fields(recorded.basis)
        if reversed_by is not None:
            fields["reversed_by_entry_id"] = str(reversed_by)
    elif isinstance(recorded, E.Contribution):
        fields["kind"] = ledger_pb2.ENTRY_KIND_CONTRIBUTION
        fields["external_ref"] = recorded.external_ref
        fields["period_id"] = recorded.period_id
        if recorded.basis:
            fields["basis"] = _basis_fields(recorded.basis)
    elif isinstance(recorded, E.Recovery):
        fields["kind"] = ledger_pb2.ENTRY_KIND_RECOVERY
        fields["recovers_entry_id"] = recorded.recovers_entry_id
        fields["instalment"] = recorded.instalment
    else:
        fields["kind"] = ledger_pb2.ENTRY_KIND_REVERSAL
        fields["reverses_entry_id"] = recorded.reverses_entry_id
        fields["reversal_reason"] = REASON_PREFIX + recorded.reason
    return fields


def entry(
    recorded: E.Entry, replayed: bool = False, reversed_by: object = None
) -> ledger_pb2.Entry:
    return ledger_pb2.Entry(**_entry_fields(recorded, replayed, reversed_by))


def recorded_entry(recorded: Recorded) -> ledger_pb2.Entry:
    return entry(recorded.entry, recorded.replayed)


def post_payouts_response(recorded: list[Recorded]) -> ledger_pb2.PostPayoutsResponse:
    """A batch's entries, built in one go (thousands of rows; like the group that
    recorded them, without collections that could only promote them)."""
    with collection_paused():
        return ledger_pb2.PostPayoutsResponse(
            entries=[_entry_fields(r.entry, r.replayed) for r in recorded],
            replayed_count=sum(1 for r in recorded if r.replayed),
        )


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

"""Envelopes from the streams -> the reporting domain's facts and audit values.

Payloads are parsed straight from ``payload.value`` by event type (the type URL
is checked against the event type), which is what the relay packed.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from benefits_platform.envelopes import chain_hash
from benefits_platform.protos.benefits.v1 import (
    events_pb2,
    ledger_pb2,
    member_events_pb2,
    members_pb2,
)
from reporting.domain import facts as F
from reporting.domain.audit import EntryPostings, Link, StoredEvent
from reporting.domain.claims import pool_account
from reporting.domain.filters import EventKeys

LEDGER, MEMBERS = "ledger", "members"
SOURCES = (LEDGER, MEMBERS)

E = events_pb2
PAYLOADS: dict[str, type[Message]] = {
    "ProgramOpened": E.ProgramOpened,
    "ProgramClosed": E.ProgramClosed,
    "PayoutPosted": E.PayoutPosted,
    "PayoutReversed": E.PayoutReversed,
    "ContributionRecorded": E.ContributionRecorded,
    "ClaimFiled": E.ClaimFiled,
    "ClaimReviewStarted": E.ClaimReviewStarted,
    "ClaimApproved": E.ClaimApproved,
    "ClaimRejected": E.ClaimRejected,
    "ClaimWithdrawn": E.ClaimWithdrawn,
    "ClaimPaid": E.ClaimPaid,
    "EmergencyAidObligationCreated": E.EmergencyAidObligationCreated,
    "EmergencyAidVerified": E.EmergencyAidVerified,
    "PaymentRecovered": E.PaymentRecovered,
    **{
        name: getattr(member_events_pb2, name)
        for name in member_events_pb2.DESCRIPTOR.message_types_by_name
    },
}


class UndecodableEvent(ValueError):
    """An envelope or payload that cannot be read: never skipped, never acked."""


def enum_name(enum: Any, value: int, prefix: str) -> str:
    """The domain's name of an enum value ('' for UNSPECIFIED or unknown)."""
    if value == 0 or value not in enum.values():
        return ""
    return str(enum.Name(value)).removeprefix(prefix)


def envelope_of(data: bytes) -> events_pb2.EventEnvelope:
    try:
        return events_pb2.EventEnvelope.FromString(data)
    except Exception as error:
        raise UndecodableEvent(f"not an EventEnvelope: {type(error).__name__}") from None


def payload_of(envelope: events_pb2.EventEnvelope) -> Message | None:
    """The envelope's payload message, None for an event type this service
    does not know (it still moves the position)."""
    cls = PAYLOADS.get(envelope.event_type)
    if cls is None:
        return None
    if not envelope.payload.type_url.endswith("/" + cls.DESCRIPTOR.full_name):
        raise UndecodableEvent(
            f"position {envelope.position}: event type {envelope.event_type} carries a "
            f"{envelope.payload.type_url} payload"
        )
    try:
        return cls.FromString(envelope.payload.value)
    except Exception as error:
        raise UndecodableEvent(
            f"position {envelope.position}: {envelope.event_type} payload unreadable "
            f"({type(error).__name__})"
        ) from None


def recorded_us(envelope: events_pb2.EventEnvelope) -> int:
    recorded = envelope.recorded_at
    return int(recorded.seconds) * 1_000_000 + int(recorded.nanos) // 1000


def _entry(
    envelope: events_pb2.EventEnvelope,
    payload: E.PayoutPosted | E.PayoutReversed | E.PaymentRecovered,
    kind: str,
    unit_code: str = "",
    household_id: str = "",
    members_position: int = 0,
    reverses_entry_id: str = "",
    reason: str = "",
) -> F.EntryRecorded:
    recorded = envelope.recorded_at
    return F.EntryRecorded(
        envelope.position,
        recorded.seconds * 1_000_000 + recorded.nanos // 1000,  # recorded_us
        payload.entry_id,
        payload.request_id,
        kind,
        payload.member_id,
        payload.program_code,
        payload.fiscal_year,
        payload.amount_fen,
        payload.effective_date,
        unit_code,
        household_id,
        members_position,
        reverses_entry_id,
        reason,
    )


def ledger_fact(envelope: events_pb2.EventEnvelope) -> F.LedgerFact:
    payload = payload_of(envelope)
    position = envelope.position
    if isinstance(payload, events_pb2.PayoutPosted):
        basis = payload.basis
        return _entry(
            envelope, payload, F.PAYOUT, basis.unit_code, basis.household_id,
            basis.members_position,
        )  # fmt: skip
    if isinstance(payload, events_pb2.PayoutReversed):
        return _entry(
            envelope,
            payload,
            F.REVERSAL,
            reverses_entry_id=payload.reverses_entry_id,
            reason=enum_name(ledger_pb2.ReversalReason, payload.reason, "REVERSAL_REASON_"),
        )
    if isinstance(payload, E.PaymentRecovered):
        return _entry(envelope, payload, F.RECOVERY, reverses_entry_id=payload.recovers_entry_id)
    if isinstance(payload, events_pb2.ProgramOpened):
        rules = payload.mutual_aid
        return F.ProgrammeOpened(
            position=position,
            recorded_us=recorded_us(envelope),
            code=payload.code,
            fiscal_year=payload.fiscal_year,
            name_zh=payload.name_zh,
            name_en=payload.name_en,
            kind=enum_name(ledger_pb2.ProgramKind, payload.kind, "PROGRAM_KIND_"),
            budget_fen=payload.budget_fen,
            standard_amount_fen=payload.standard_amount_fen,
            per_member_annual_cap_fen=payload.per_member_annual_cap_fen,
            hardship_only=payload.eligibility.hardship_only,
            periods=tuple((p.period_id, p.start_date, p.end_date) for p in rules.periods),
            overdraft_fen=rules.overdraft_fen,
            verify_within_days=payload.emergency.verify_within_days,
        )
    if isinstance(payload, events_pb2.ProgramClosed):
        return F.ProgrammeClosed(position, recorded_us(envelope), payload.code, payload.fiscal_year)
    return _mutual_aid_fact(envelope, payload)


# Claim events after the filing -> the state they move the claim to.
ClaimStep = (
    E.ClaimReviewStarted | E.ClaimApproved | E.ClaimRejected | E.ClaimWithdrawn | E.ClaimPaid
)
CLAIM_STEPS: dict[type[Message], str] = {
    E.ClaimReviewStarted: F.UNDER_REVIEW,
    E.ClaimApproved: F.APPROVED,
    E.ClaimRejected: F.REJECTED,
    E.ClaimWithdrawn: F.WITHDRAWN,
    E.ClaimPaid: F.PAID,
}


def _mutual_aid_fact(envelope: events_pb2.EventEnvelope, payload: Message | None) -> F.LedgerFact:
    position, recorded = envelope.position, recorded_us(envelope)
    if isinstance(payload, E.ContributionRecorded):
        return F.ContributionRecorded(
            position,
            recorded,
            payload.entry_id,
            payload.member_id,
            payload.program_code,
            payload.fiscal_year,
            payload.period_id,
            payload.amount_fen,
            payload.effective_date,
            payload.basis.unit_code,
            payload.basis.members_position,
        )
    if isinstance(payload, E.ClaimFiled):
        return F.ClaimFiled(
            position,
            recorded,
            payload.claim_id,
            payload.member_id,
            payload.program_code,
            payload.fiscal_year,
            payload.period_id,
            payload.category,
            payload.incident_date,
            payload.bill_total_fen,
            payload.self_paid_fen,
            payload.basis.unit_code,
            payload.basis.members_position,
        )
    if isinstance(payload, ClaimStep):
        state, claim_id = CLAIM_STEPS[type(payload)], payload.claim_id
        if isinstance(payload, E.ClaimApproved):
            return F.ClaimChanged(position, recorded, claim_id, state, payload.approved_benefit_fen)
        if isinstance(payload, E.ClaimPaid):
            return F.ClaimChanged(
                position,
                recorded,
                claim_id,
                state,
                payload.amount_fen,
                payload.payout_entry_id,
                payload.effective_date,
            )
        return F.ClaimChanged(position, recorded, claim_id, state)
    if isinstance(payload, E.EmergencyAidObligationCreated):
        return F.ObligationCreated(
            position,
            recorded,
            payload.obligation_id,
            payload.payout_entry_id,
            payload.member_id,
            payload.program_code,
            payload.fiscal_year,
            payload.amount_fen,
            payload.effective_date,
            payload.due_date,
        )
    if isinstance(payload, E.EmergencyAidVerified):
        return F.AidVerified(
            position, recorded, payload.payout_entry_id, payload.member_id, payload.verified_on
        )
    return F.Unprojected(position, envelope.event_type)


def members_fact(envelope: events_pb2.EventEnvelope) -> F.MembersFact:
    payload = payload_of(envelope)
    position = envelope.position
    W = member_events_pb2
    if isinstance(payload, W.UnitRegistered):
        return F.UnitRegistered(
            position,
            payload.code,
            payload.name_zh,
            payload.name_en,
            enum_name(members_pb2.UnitLevel, payload.level, "UNIT_LEVEL_"),
            payload.parent_code,
        )
    if isinstance(payload, W.MemberEnrolled):
        return F.MemberEnrolled(
            position, payload.member_id, payload.unit_code, payload.household_id, payload.join_date
        )
    if isinstance(payload, W.MemberTransferred):
        return F.MemberTransferred(position, payload.member_id, payload.to_unit_code)
    if isinstance(payload, W.MembershipTerminated):
        return F.MembershipChanged(position, payload.member_id, F.TERMINATED)
    if isinstance(payload, W.MemberReinstated):
        return F.MembershipChanged(position, payload.member_id, F.ACTIVE)
    return F.Unprojected(position, envelope.event_type)


FACTS = {LEDGER: ledger_fact, MEMBERS: members_fact}


# -- audit values ---------------------------------------------------------------------


def link(envelope: events_pb2.EventEnvelope) -> Link:
    return Link(
        envelope.position,
        envelope.event_id,
        envelope.event_type,
        bytes(envelope.prev_hash),
        bytes(envelope.hash),
        chain_hash(bytes(envelope.prev_hash), envelope),
    )


def link_valid(envelope: events_pb2.EventEnvelope) -> bool:
    return chain_hash(bytes(envelope.prev_hash), envelope) == envelope.hash


def stored_event(envelope: events_pb2.EventEnvelope) -> StoredEvent:
    """The event without its chain: SHA-256(header || payload), header as in the
    chain (see events.proto), with the chain's prev_hash left out."""
    return StoredEvent(
        envelope.position,
        envelope.event_id,
        envelope.event_type,
        chain_hash(b"", envelope),
        bytes(envelope.payload.value),
    )


def entry_postings(envelope: events_pb2.EventEnvelope) -> EntryPostings | None:
    """The postings of an entry (payout, reversal, recovery, contribution) and
    the account it must move by its amount; None for any other event."""
    payload = payload_of(envelope)
    if not isinstance(
        payload, E.PayoutPosted | E.PayoutReversed | E.PaymentRecovered | E.ContributionRecorded
    ):
        return None
    funding, moves = "", None
    if isinstance(payload, E.PayoutPosted):
        funding = payload.funding_account
    elif isinstance(payload, E.ContributionRecorded):
        funding = pool_account(payload.program_code, payload.fiscal_year)
        moves = payload.amount_fen  # a contribution fills its pool
    return EntryPostings(
        envelope.position,
        envelope.event_id,
        envelope.event_type,
        payload.program_code,
        payload.fiscal_year,
        payload.amount_fen,
        [(p.account, p.amount_fen) for p in payload.postings],
        funding,
        moves,
    )


def payload_difference(event_type: str, expected: bytes, actual: bytes) -> str:
    """Which payload fields differ, e.g. 'amount_fen: 200000 -> 900000'."""
    cls = PAYLOADS.get(event_type)
    if cls is None:
        return ""
    try:
        a, b = cls.FromString(expected), cls.FromString(actual)
    except Exception:
        return "the payload cannot be read"
    changes = []
    for descriptor in cls.DESCRIPTOR.fields:
        left, right = getattr(a, descriptor.name), getattr(b, descriptor.name)
        if left != right:
            changes.append(f"{descriptor.name}: {_short(left)} -> {_short(right)}")
    return "; ".join(changes)


def _short(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes) else str(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:77] + "..."


def event_keys(envelope: events_pb2.EventEnvelope) -> EventKeys:
    """The fields StreamEvents filters on, from any envelope of either stream."""
    payload = payload_of(envelope)
    recorded = recorded_us(envelope)
    if payload is None:
        return EventKeys(recorded_us=recorded, effective_date=envelope.effective_date)
    get = getattr
    units: tuple[str, ...] = ()
    # A reversal, a recovery and an emergency obligation count under their
    # payout's unit, later claim events under the claim's.
    linked = str(get(payload, "reverses_entry_id", "") or get(payload, "recovers_entry_id", ""))
    if isinstance(payload, E.EmergencyAidObligationCreated | E.EmergencyAidVerified):
        linked = payload.payout_entry_id
    claim_id = str(get(payload, "claim_id", ""))
    if isinstance(payload, E.PayoutPosted | E.ContributionRecorded | E.ClaimFiled):
        units = (payload.basis.unit_code,)
        claim_id = ""
    elif isinstance(payload, member_events_pb2.UnitRegistered):
        units = (payload.code,)
    elif isinstance(payload, member_events_pb2.MemberEnrolled):
        units = (payload.unit_code,)
    elif isinstance(payload, member_events_pb2.MemberTransferred):
        units = (payload.from_unit_code, payload.to_unit_code)
    return EventKeys(
        member_id=str(get(payload, "member_id", "")),
        program_code=str(get(payload, "program_code", "") or get(payload, "code", ""))
        if envelope.source == LEDGER
        else "",
        fiscal_year=int(get(payload, "fiscal_year", 0)),
        effective_date=envelope.effective_date or str(get(payload, "effective_date", "")),
        recorded_us=recorded,
        unit_codes=tuple(u for u in units if u),
        reverses_entry_id=linked,
        claim_id=claim_id,
    )

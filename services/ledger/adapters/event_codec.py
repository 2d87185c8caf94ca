"""Domain events of the ledger as protobuf messages on the wire (decision 8)."""

from __future__ import annotations

from typing import Any

from benefits_platform.envelopes import EventParts
from benefits_platform.protos.benefits.v1 import common_pb2, events_pb2, ledger_pb2
from ledger.domain import entries as E
from ledger.domain.claims import Claim
from ledger.domain.emergency import EmergencyObligation
from ledger.domain.programme import Programme

TIER_PREFIX = "HARDSHIP_TIER_"


def _postings(postings: E.Postings) -> list[common_pb2.Posting]:
    return [common_pb2.Posting(account=str(a), amount_fen=int(n)) for a, n in postings]


def encode(event: Any) -> EventParts:
    if isinstance(event, E.Payout.PayoutPosted):
        return EventParts(
            event_type="PayoutPosted",
            aggregate_type="Payout",
            effective_date=event.effective_date,
            request_id=event.request_id,
            actor=event.actor,
            payload=events_pb2.PayoutPosted(
                entry_id=str(event.originator_id),
                request_id=event.request_id,
                member_id=event.member_id,
                program_code=event.program_code,
                fiscal_year=event.fiscal_year,
                amount_fen=event.amount_fen,
                effective_date=event.effective_date,
                external_ref=event.external_ref,
                note=event.note,
                postings=_postings(event.postings),
                body_digest=bytes.fromhex(event.body_digest),
                basis=basis(event.basis),
                actor=event.actor,
                claim_id=event.claim_id,
                # Only a claim payout draws on another account than the fund.
                funding_account=str(event.postings[0][0]) if event.claim_id else "",
            ),
        )
    if isinstance(event, E.Reversal.PayoutReversed):
        return EventParts(
            event_type="PayoutReversed",
            aggregate_type="Reversal",
            effective_date=event.effective_date,
            request_id=event.request_id,
            actor=event.actor,
            payload=events_pb2.PayoutReversed(
                entry_id=str(event.originator_id),
                request_id=event.request_id,
                reverses_entry_id=event.reverses_entry_id,
                member_id=event.member_id,
                program_code=event.program_code,
                fiscal_year=event.fiscal_year,
                amount_fen=event.amount_fen,
                effective_date=event.effective_date,
                reason=f"REVERSAL_REASON_{event.reason}",
                note=event.note,
                postings=_postings(event.postings),
                body_digest=bytes.fromhex(event.body_digest),
                actor=event.actor,
            ),
        )
    if isinstance(event, Programme.ProgramOpened):
        return EventParts(
            event_type="ProgramOpened",
            aggregate_type="Programme",
            effective_date="",
            request_id=event.request_id,
            actor=event.actor,
            payload=events_pb2.ProgramOpened(
                program_id=str(event.originator_id),
                code=event.code,
                fiscal_year=event.fiscal_year,
                name_zh=event.name_zh,
                name_en=event.name_en,
                kind=f"PROGRAM_KIND_{event.kind}",
                budget_fen=event.budget_fen,
                standard_amount_fen=event.standard_amount_fen,
                per_member_annual_cap_fen=event.per_member_annual_cap_fen,
                eligibility=ledger_pb2.Eligibility(
                    member_groups=list(event.member_groups), hardship_only=event.hardship_only
                ),
                tier_standards=[
                    ledger_pb2.TierStandard(tier=f"HARDSHIP_TIER_{tier}", amount_fen=amount)
                    for tier, amount in sorted(event.tier_standards.items())
                ],
                actor=event.actor,
                mutual_aid=mutual_aid_rules(event.mutual_aid) if event.mutual_aid else None,
                emergency=(
                    ledger_pb2.EmergencyRules(
                        verify_within_days=int(event.emergency["verify_within_days"])
                    )
                    if event.emergency
                    else None
                ),
                secondary_aid=(
                    ledger_pb2.SecondaryAidRules(mutual_aid_program_code=event.secondary_aid_of)
                    if event.secondary_aid_of
                    else None
                ),
            ),
        )
    if isinstance(event, Programme.ProgramClosed):
        return EventParts(
            event_type="ProgramClosed",
            aggregate_type="Programme",
            effective_date="",
            request_id="",
            actor=event.actor,
            payload=events_pb2.ProgramClosed(
                program_id=str(event.originator_id),
                code=event.code,
                fiscal_year=event.fiscal_year,
                reason=event.reason,
                actor=event.actor,
            ),
        )
    parts = _encode_mutual_aid(event)
    if parts is None:
        raise TypeError(f"no wire form for {type(event).__qualname__}")
    return parts


def _claim_context(event: Any) -> dict[str, Any]:
    return {
        "claim_id": str(event.originator_id),
        "request_id": event.request_id,
        "member_id": event.member_id,
        "program_code": event.program_code,
        "fiscal_year": event.fiscal_year,
        "period_id": event.period_id,
        "actor": event.actor,
    }


def _claim_parts(event: Any, payload: Any, effective_date: str = "") -> EventParts:
    return EventParts(
        event_type=type(payload).__name__,
        aggregate_type="Claim",
        effective_date=effective_date,
        request_id=event.request_id,
        actor=event.actor,
        payload=payload,
    )


def _encode_mutual_aid(event: Any) -> EventParts | None:
    """The wire form of a contribution, claim or emergency-aid event."""
    if isinstance(event, E.Contribution.ContributionRecorded):
        return EventParts(
            event_type="ContributionRecorded",
            aggregate_type="Contribution",
            effective_date=event.effective_date,
            request_id=event.request_id,
            actor=event.actor,
            payload=events_pb2.ContributionRecorded(
                entry_id=str(event.originator_id),
                request_id=event.request_id,
                member_id=event.member_id,
                program_code=event.program_code,
                fiscal_year=event.fiscal_year,
                period_id=event.period_id,
                amount_fen=event.amount_fen,
                effective_date=event.effective_date,
                coverage_start=event.coverage_start,
                coverage_end=event.coverage_end,
                external_ref=event.external_ref,
                postings=_postings(event.postings),
                body_digest=bytes.fromhex(event.body_digest),
                basis=basis(event.basis),
                actor=event.actor,
            ),
        )
    if isinstance(event, Claim.ClaimFiled):
        return _claim_parts(
            event,
            events_pb2.ClaimFiled(
                **_claim_context(event),
                category=event.category,
                incident_date=event.incident_date,
                bill_total_fen=event.bill_total_fen,
                insurance_covered_fen=event.insurance_covered_fen,
                self_paid_fen=event.self_paid_fen,
                hospital=event.hospital,
                bill_ref=event.bill_ref,
                document_refs=list(event.document_refs),
                note=event.note,
                body_digest=bytes.fromhex(event.body_digest),
                basis=basis(event.basis),
            ),
            event.incident_date,
        )
    if isinstance(event, Claim.ClaimReviewStarted):
        return _claim_parts(
            event,
            events_pb2.ClaimReviewStarted(
                **_claim_context(event),
                note=event.note,
                body_digest=bytes.fromhex(event.body_digest),
            ),
        )
    if isinstance(event, Claim.ClaimApproved):
        return _claim_parts(
            event,
            events_pb2.ClaimApproved(
                **_claim_context(event),
                rule_result_fen=event.rule_result_fen,
                computed_benefit_fen=event.computed_benefit_fen,
                approved_benefit_fen=event.approved_benefit_fen,
                reason=event.reason,
                body_digest=bytes.fromhex(event.body_digest),
            ),
        )
    if isinstance(event, Claim.ClaimRejected):
        return _claim_parts(
            event,
            events_pb2.ClaimRejected(
                **_claim_context(event),
                reason=f"CLAIM_REJECTION_REASON_{event.reason}",
                note=event.note,
                body_digest=bytes.fromhex(event.body_digest),
            ),
        )
    if isinstance(event, Claim.ClaimWithdrawn):
        return _claim_parts(
            event,
            events_pb2.ClaimWithdrawn(
                **_claim_context(event),
                previous_state=f"CLAIM_STATE_{event.previous_state}",
                note=event.note,
                body_digest=bytes.fromhex(event.body_digest),
            ),
        )
    if isinstance(event, Claim.ClaimPaid):
        return _claim_parts(
            event,
            events_pb2.ClaimPaid(
                **_claim_context(event),
                payout_entry_id=event.payout_entry_id,
                amount_fen=event.amount_fen,
                effective_date=event.effective_date,
            ),
            event.effective_date,
        )
    if isinstance(event, EmergencyObligation.EmergencyAidObligationCreated):
        return EventParts(
            event_type="EmergencyAidObligationCreated",
            aggregate_type="EmergencyObligation",
            effective_date=event.effective_date,
            request_id=event.request_id,
            actor=event.actor,
            payload=events_pb2.EmergencyAidObligationCreated(
                obligation_id=str(event.originator_id),
                payout_entry_id=event.payout_entry_id,
                request_id=event.request_id,
                member_id=event.member_id,
                program_code=event.program_code,
                fiscal_year=event.fiscal_year,
                amount_fen=event.amount_fen,
                effective_date=event.effective_date,
                due_date=event.due_date,
                actor=event.actor,
            ),
        )
    if isinstance(event, EmergencyObligation.EmergencyAidVerified):
        return EventParts(
            event_type="EmergencyAidVerified",
            aggregate_type="EmergencyObligation",
            effective_date=event.verified_on,
            request_id=event.request_id,
            actor=event.actor,
            payload=events_pb2.EmergencyAidVerified(
                obligation_id=str(event.originator_id),
                payout_entry_id=event.payout_entry_id,
                request_id=event.request_id,
                member_id=event.member_id,
                program_code=event.program_code,
                fiscal_year=event.fiscal_year,
                verified_on=event.verified_on,
                note=event.note,
                body_digest=bytes.fromhex(event.body_digest),
                actor=event.actor,
            ),
        )
    if isinstance(event, E.Recovery.PaymentRecovered):
        return EventParts(
            event_type="PaymentRecovered",
            aggregate_type="Recovery",
            effective_date=event.effective_date,
            request_id=event.request_id,
            actor=event.actor,
            payload=events_pb2.PaymentRecovered(
                entry_id=str(event.originator_id),
                request_id=event.request_id,
                recovers_entry_id=event.recovers_entry_id,
                member_id=event.member_id,
                program_code=event.program_code,
                fiscal_year=event.fiscal_year,
                amount_fen=event.amount_fen,
                effective_date=event.effective_date,
                instalment=event.instalment,
                recovered_total_fen=event.recovered_total_fen,
                outstanding_fen=event.outstanding_fen,
                note=event.note,
                postings=_postings(event.postings),
                body_digest=bytes.fromhex(event.body_digest),
                actor=event.actor,
            ),
        )
    return None


def mutual_aid_rules(state: dict[str, Any]) -> ledger_pb2.MutualAidRules:
    """Mutual-aid rules as stored on the programme's event -> protobuf."""
    return ledger_pb2.MutualAidRules(
        periods=[
            ledger_pb2.MutualAidPeriod(period_id=str(a), start_date=str(b), end_date=str(c))
            for a, b, c in state["periods"]
        ],
        contribution_fen=int(state["contribution_fen"]),
        waiting_days=int(state["waiting_days"]),
        deductible_fen=int(state["deductible_fen"]),
        categories=[
            ledger_pb2.CategoryRatio(category=str(n), ratio_bp=int(r))
            for n, r in state["categories"]
        ],
        per_claim_cap_fen=int(state["per_claim_cap_fen"]),
        per_period_cap_fen=int(state["per_period_cap_fen"]),
        overdraft_fen=int(state["overdraft_fen"]),
    )


def tier_name(value: int) -> str:
    """A hardship tier enum value as the domain's name; UNSPECIFIED or unknown is ''."""
    if value == 0 or value not in common_pb2.HardshipTier.values():
        return ""
    return common_pb2.HardshipTier.Name(value).removeprefix(TIER_PREFIX)  # type: ignore[arg-type]


def basis(recorded: dict[str, Any]) -> ledger_pb2.EligibilityBasis:
    def tier(name: str) -> str:
        return TIER_PREFIX + name if name else "HARDSHIP_TIER_UNSPECIFIED"

    return ledger_pb2.EligibilityBasis(
        membership_status=str(recorded.get("membership_status", "")),
        unit_code=str(recorded.get("unit_code", "")),
        member_groups=[str(g) for g in recorded.get("member_groups", [])],
        household_id=str(recorded.get("household_id", "")),
        hardship_status=str(recorded.get("hardship_status", "")),
        tier=tier(str(recorded.get("tier", ""))),
        pre_exit_tier=tier(str(recorded.get("pre_exit_tier", ""))),
        gradual_exit_until=str(recorded.get("gradual_exit_until", "")),
        ceiling_fen=int(recorded.get("ceiling_fen", 0)),
        members_position=int(recorded.get("members_position", 0)),
    )

"""Domain events of the ledger as protobuf messages on the wire (decision 8).

Each encoder reads an event's state as a mapping (``s``) and its aggregate id in
text: the attributes of a domain event (``encode(event)``), or the decoded state
of a stored event, which the outbox relay reads without rebuilding the event
(benefits_platform.envelopes.EventCodec)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benefits_platform.envelopes import EventCodec, EventParts
from benefits_platform.protos.benefits.v1 import common_pb2, events_pb2, ledger_pb2
from ledger.domain import entries as E
from ledger.domain.claims import Claim
from ledger.domain.emergency import EmergencyObligation
from ledger.domain.programme import Programme

TIER_PREFIX = "HARDSHIP_TIER_"

State = Mapping[str, Any]


def _postings(postings: E.Postings) -> list[common_pb2.Posting]:
    return [common_pb2.Posting(account=str(a), amount_fen=int(n)) for a, n in postings]


def _payout_posted(s: State, aggregate_id: str) -> EventParts:
    # The busiest event: sub-messages given as dicts (one call into protobuf).
    postings = s["postings"]
    return EventParts(
        "PayoutPosted",
        "Payout",
        s["effective_date"],
        s["request_id"],
        events_pb2.PayoutPosted(
            entry_id=aggregate_id,
            request_id=s["request_id"],
            member_id=s["member_id"],
            program_code=s["program_code"],
            fiscal_year=s["fiscal_year"],
            amount_fen=s["amount_fen"],
            effective_date=s["effective_date"],
            external_ref=s["external_ref"],
            note=s["note"],
            postings=[{"account": str(a), "amount_fen": int(n)} for a, n in postings],
            body_digest=bytes.fromhex(s["body_digest"]),
            basis=basis_fields(s["basis"]),
            actor=s["actor"],
            claim_id=s["claim_id"],
            # Only a claim payout draws on another account than the fund.
            funding_account=str(postings[0][0]) if s["claim_id"] else "",
        ),
        s["actor"],
    )


def _payout_reversed(s: State, aggregate_id: str) -> EventParts:
    return EventParts(
        event_type="PayoutReversed",
        aggregate_type="Reversal",
        effective_date=s["effective_date"],
        request_id=s["request_id"],
        actor=s["actor"],
        payload=events_pb2.PayoutReversed(
            entry_id=aggregate_id,
            request_id=s["request_id"],
            reverses_entry_id=s["reverses_entry_id"],
            member_id=s["member_id"],
            program_code=s["program_code"],
            fiscal_year=s["fiscal_year"],
            amount_fen=s["amount_fen"],
            effective_date=s["effective_date"],
            reason=f"REVERSAL_REASON_{s['reason']}",
            note=s["note"],
            postings=_postings(s["postings"]),
            body_digest=bytes.fromhex(s["body_digest"]),
            actor=s["actor"],
        ),
    )


def _program_opened(s: State, aggregate_id: str) -> EventParts:
    return EventParts(
        event_type="ProgramOpened",
        aggregate_type="Programme",
        effective_date="",
        request_id=s["request_id"],
        actor=s["actor"],
        payload=events_pb2.ProgramOpened(
            program_id=aggregate_id,
            code=s["code"],
            fiscal_year=s["fiscal_year"],
            name_zh=s["name_zh"],
            name_en=s["name_en"],
            kind=f"PROGRAM_KIND_{s['kind']}",
            budget_fen=s["budget_fen"],
            standard_amount_fen=s["standard_amount_fen"],
            per_member_annual_cap_fen=s["per_member_annual_cap_fen"],
            eligibility=ledger_pb2.Eligibility(
                member_groups=list(s["member_groups"]), hardship_only=s["hardship_only"]
            ),
            tier_standards=[
                ledger_pb2.TierStandard(tier=f"HARDSHIP_TIER_{tier}", amount_fen=amount)
                for tier, amount in sorted(s["tier_standards"].items())
            ],
            actor=s["actor"],
            mutual_aid=mutual_aid_rules(s["mutual_aid"]) if s["mutual_aid"] else None,
            emergency=(
                ledger_pb2.EmergencyRules(
                    verify_within_days=int(s["emergency"]["verify_within_days"])
                )
                if s["emergency"]
                else None
            ),
            secondary_aid=(
                ledger_pb2.SecondaryAidRules(mutual_aid_program_code=s["secondary_aid_of"])
                if s["secondary_aid_of"]
                else None
            ),
        ),
    )


def _program_closed(s: State, aggregate_id: str) -> EventParts:
    return EventParts(
        event_type="ProgramClosed",
        aggregate_type="Programme",
        effective_date="",
        request_id="",
        actor=s["actor"],
        payload=events_pb2.ProgramClosed(
            program_id=aggregate_id,
            code=s["code"],
            fiscal_year=s["fiscal_year"],
            reason=s["reason"],
            actor=s["actor"],
        ),
    )


def _contribution_recorded(s: State, aggregate_id: str) -> EventParts:
    return EventParts(
        event_type="ContributionRecorded",
        aggregate_type="Contribution",
        effective_date=s["effective_date"],
        request_id=s["request_id"],
        actor=s["actor"],
        payload=events_pb2.ContributionRecorded(
            entry_id=aggregate_id,
            request_id=s["request_id"],
            member_id=s["member_id"],
            program_code=s["program_code"],
            fiscal_year=s["fiscal_year"],
            period_id=s["period_id"],
            amount_fen=s["amount_fen"],
            effective_date=s["effective_date"],
            coverage_start=s["coverage_start"],
            coverage_end=s["coverage_end"],
            external_ref=s["external_ref"],
            postings=_postings(s["postings"]),
            body_digest=bytes.fromhex(s["body_digest"]),
            basis=basis(s["basis"]),
            actor=s["actor"],
        ),
    )


def _claim_context(s: State, aggregate_id: str) -> dict[str, Any]:
    return {
        "claim_id": aggregate_id,
        "request_id": s["request_id"],
        "member_id": s["member_id"],
        "program_code": s["program_code"],
        "fiscal_year": s["fiscal_year"],
        "period_id": s["period_id"],
        "actor": s["actor"],
    }


def _claim_parts(s: State, payload: Any, effective_date: str = "") -> EventParts:
    return EventParts(
        event_type=type(payload).__name__,
        aggregate_type="Claim",
        effective_date=effective_date,
        request_id=s["request_id"],
        actor=s["actor"],
        payload=payload,
    )


def _claim_filed(s: State, aggregate_id: str) -> EventParts:
    return _claim_parts(
        s,
        events_pb2.ClaimFiled(
            **_claim_context(s, aggregate_id),
            category=s["category"],
            incident_date=s["incident_date"],
            bill_total_fen=s["bill_total_fen"],
            insurance_covered_fen=s["insurance_covered_fen"],
            self_paid_fen=s["self_paid_fen"],
            hospital=s["hospital"],
            bill_ref=s["bill_ref"],
            document_refs=list(s["document_refs"]),
            note=s["note"],
            body_digest=bytes.fromhex(s["body_digest"]),
            basis=basis(s["basis"]),
        ),
        s["incident_date"],
    )


def _claim_review_started(s: State, aggregate_id: str) -> EventParts:
    return _claim_parts(
        s,
        events_pb2.ClaimReviewStarted(
            **_claim_context(s, aggregate_id),
            note=s["note"],
            body_digest=bytes.fromhex(s["body_digest"]),
        ),
    )


def _claim_approved(s: State, aggregate_id: str) -> EventParts:
    return _claim_parts(
        s,
        events_pb2.ClaimApproved(
            **_claim_context(s, aggregate_id),
            rule_result_fen=s["rule_result_fen"],
            computed_benefit_fen=s["computed_benefit_fen"],
            approved_benefit_fen=s["approved_benefit_fen"],
            reason=s["reason"],
            body_digest=bytes.fromhex(s["body_digest"]),
        ),
    )


def _claim_rejected(s: State, aggregate_id: str) -> EventParts:
    return _claim_parts(
        s,
        events_pb2.ClaimRejected(
            **_claim_context(s, aggregate_id),
            reason=f"CLAIM_REJECTION_REASON_{s['reason']}",
            note=s["note"],
            body_digest=bytes.fromhex(s["body_digest"]),
        ),
    )


def _claim_withdrawn(s: State, aggregate_id: str) -> EventParts:
    return _claim_parts(
        s,
        events_pb2.ClaimWithdrawn(
            **_claim_context(s, aggregate_id),
            previous_state=f"CLAIM_STATE_{s['previous_state']}",
            note=s["note"],
            body_digest=bytes.fromhex(s["body_digest"]),
        ),
    )


def _claim_paid(s: State, aggregate_id: str) -> EventParts:
    return _claim_parts(
        s,
        events_pb2.ClaimPaid(
            **_claim_context(s, aggregate_id),
            payout_entry_id=s["payout_entry_id"],
            amount_fen=s["amount_fen"],
            effective_date=s["effective_date"],
        ),
        s["effective_date"],
    )


def _obligation_created(s: State, aggregate_id: str) -> EventParts:
    return EventParts(
        event_type="EmergencyAidObligationCreated",
        aggregate_type="EmergencyObligation",
        effective_date=s["effective_date"],
        request_id=s["request_id"],
        actor=s["actor"],
        payload=events_pb2.EmergencyAidObligationCreated(
            obligation_id=aggregate_id,
            payout_entry_id=s["payout_entry_id"],
            request_id=s["request_id"],
            member_id=s["member_id"],
            program_code=s["program_code"],
            fiscal_year=s["fiscal_year"],
            amount_fen=s["amount_fen"],
            effective_date=s["effective_date"],
            due_date=s["due_date"],
            actor=s["actor"],
        ),
    )


def _aid_verified(s: State, aggregate_id: str) -> EventParts:
    return EventParts(
        event_type="EmergencyAidVerified",
        aggregate_type="EmergencyObligation",
        effective_date=s["verified_on"],
        request_id=s["request_id"],
        actor=s["actor"],
        payload=events_pb2.EmergencyAidVerified(
            obligation_id=aggregate_id,
            payout_entry_id=s["payout_entry_id"],
            request_id=s["request_id"],
            member_id=s["member_id"],
            program_code=s["program_code"],
            fiscal_year=s["fiscal_year"],
            verified_on=s["verified_on"],
            note=s["note"],
            body_digest=bytes.fromhex(s["body_digest"]),
            actor=s["actor"],
        ),
    )


def _payment_recovered(s: State, aggregate_id: str) -> EventParts:
    return EventParts(
        event_type="PaymentRecovered",
        aggregate_type="Recovery",
        effective_date=s["effective_date"],
        request_id=s["request_id"],
        actor=s["actor"],
        payload=events_pb2.PaymentRecovered(
            entry_id=aggregate_id,
            request_id=s["request_id"],
            recovers_entry_id=s["recovers_entry_id"],
            member_id=s["member_id"],
            program_code=s["program_code"],
            fiscal_year=s["fiscal_year"],
            amount_fen=s["amount_fen"],
            effective_date=s["effective_date"],
            instalment=s["instalment"],
            recovered_total_fen=s["recovered_total_fen"],
            outstanding_fen=s["outstanding_fen"],
            note=s["note"],
            postings=_postings(s["postings"]),
            body_digest=bytes.fromhex(s["body_digest"]),
            actor=s["actor"],
        ),
    )


encode = EventCodec(
    {
        E.Payout.PayoutPosted: _payout_posted,
        E.Reversal.PayoutReversed: _payout_reversed,
        Programme.ProgramOpened: _program_opened,
        Programme.ProgramClosed: _program_closed,
        E.Contribution.ContributionRecorded: _contribution_recorded,
        Claim.ClaimFiled: _claim_filed,
        Claim.ClaimReviewStarted: _claim_review_started,
        Claim.ClaimApproved: _claim_approved,
        Claim.ClaimRejected: _claim_rejected,
        Claim.ClaimWithdrawn: _claim_withdrawn,
        Claim.ClaimPaid: _claim_paid,
        EmergencyObligation.EmergencyAidObligationCreated: _obligation_created,
        EmergencyObligation.EmergencyAidVerified: _aid_verified,
        E.Recovery.PaymentRecovered: _payment_recovered,
    }
)


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


def _tier(name: str) -> str:
    return TIER_PREFIX + name if name else "HARDSHIP_TIER_UNSPECIFIED"


def basis_fields(recorded: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded eligibility basis as EligibilityBasis's fields."""
    get = recorded.get
    return {
        "membership_status": str(get("membership_status", "")),
        "unit_code": str(get("unit_code", "")),
        "member_groups": [str(g) for g in get("member_groups", [])],
        "household_id": str(get("household_id", "")),
        "hardship_status": str(get("hardship_status", "")),
        "tier": _tier(str(get("tier", ""))),
        "pre_exit_tier": _tier(str(get("pre_exit_tier", ""))),
        "gradual_exit_until": str(get("gradual_exit_until", "")),
        "ceiling_fen": int(get("ceiling_fen", 0)),
        "members_position": int(get("members_position", 0)),
    }


def basis(recorded: Mapping[str, Any]) -> ledger_pb2.EligibilityBasis:
    return ledger_pb2.EligibilityBasis(**basis_fields(recorded))

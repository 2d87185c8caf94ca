"""Domain events of the ledger as protobuf messages on the wire (decision 8)."""

from __future__ import annotations

from typing import Any

from benefits_platform.envelopes import EventParts
from benefits_platform.protos.benefits.v1 import common_pb2, events_pb2, ledger_pb2
from ledger.domain import entries as E
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
            ),
        )
    if isinstance(event, E.Reversal.PayoutReversed):
        return EventParts(
            event_type="PayoutReversed",
            aggregate_type="Reversal",
            effective_date=event.effective_date,
            request_id=event.request_id,
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
            ),
        )
    if isinstance(event, Programme.ProgramOpened):
        return EventParts(
            event_type="ProgramOpened",
            aggregate_type="Programme",
            effective_date="",
            request_id=event.request_id,
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
            ),
        )
    if isinstance(event, Programme.ProgramClosed):
        return EventParts(
            event_type="ProgramClosed",
            aggregate_type="Programme",
            effective_date="",
            request_id="",
            payload=events_pb2.ProgramClosed(
                program_id=str(event.originator_id),
                code=event.code,
                fiscal_year=event.fiscal_year,
                reason=event.reason,
            ),
        )
    raise TypeError(f"no wire form for {type(event).__qualname__}")


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

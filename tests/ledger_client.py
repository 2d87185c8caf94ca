"""Helpers for tests that talk to a real ledger over gRPC."""

from __future__ import annotations

import nats

from benefits_platform.protos.benefits.v1 import ledger_pb2
from tests.conftest import RunningLedger

YEAR = 2026


def open_request(
    code: str = "WINTER_WARMTH",
    budget: int = 10_000_000,
    cap: int = 0,
    kind: int = ledger_pb2.PROGRAM_KIND_AID,
    **extra: object,
) -> ledger_pb2.OpenProgramRequest:
    fields: dict[str, object] = {
        "code": code,
        "fiscal_year": YEAR,
        "name_zh": "送温暖",
        "name_en": "Winter warmth",
        "kind": kind,
        "budget_fen": budget,
        "per_member_annual_cap_fen": cap,
        "request_id": f"open-{code}",
    }
    fields.update(extra)
    return ledger_pb2.OpenProgramRequest(**fields)  # type: ignore[arg-type]


def payout(
    rid: str,
    member: str = "M1",
    amount: int = 200_000,
    code: str = "WINTER_WARMTH",
    date: str = "2026-01-20",
    **extra: object,
) -> ledger_pb2.PostPayoutRequest:
    return ledger_pb2.PostPayoutRequest(
        request_id=rid,
        member_id=member,
        program_code=code,
        fiscal_year=YEAR,
        amount_fen=amount,
        effective_date=date,
        **extra,
    )


async def stream_messages(url: str, stream: str = "BENEFITS_LEDGER") -> list[bytes]:
    """Every message in the stream, in order, read straight from JetStream."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        return [
            (await js.get_msg(stream, seq=seq)).data or b""
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
    finally:
        await nc.close()


async def settled_state(ledger: RunningLedger) -> tuple[int, int]:
    """(store position, stream length) once the relay has caught up."""
    position = ledger.server.app.recorder.max_notification_id() or 0
    await ledger.server.relay.wait_caught_up(position)
    messages = await stream_messages(ledger.config.nats_url)
    return position, len(messages)


# -- mutual aid and emergency aid ---------------------------------------------------


def pool_request(
    code: str = "MED_AID",
    overdraft: int = 0,
    contribution: int = 12_000,
    waiting_days: int = 30,
    **rules: object,
) -> ledger_pb2.OpenProgramRequest:
    """A MUTUAL_AID programme: 120 yuan a period, 500 yuan deductible, 80% for
    illness and 100% for accidents, 2,000 yuan a claim, 3,000 yuan a period."""
    fields: dict[str, object] = {
        "contribution_fen": contribution,
        "waiting_days": waiting_days,
        "deductible_fen": 50_000,
        "categories": [
            ledger_pb2.CategoryRatio(category="ILLNESS", ratio_bp=8_000),
            ledger_pb2.CategoryRatio(category="ACCIDENT", ratio_bp=10_000),
        ],
        "per_claim_cap_fen": 200_000,
        "per_period_cap_fen": 300_000,
        "overdraft_fen": overdraft,
    }
    fields.update(rules)
    return open_request(
        code=code,
        budget=100_000_000,
        kind=ledger_pb2.PROGRAM_KIND_MUTUAL_AID,
        name_zh="职工医疗互助",
        name_en="Medical mutual aid",
        mutual_aid=ledger_pb2.MutualAidRules(**fields),  # type: ignore[arg-type]
    )


def emergency_request(code: str = "EMERGENCY", days: int = 30) -> ledger_pb2.OpenProgramRequest:
    return open_request(
        code=code,
        name_zh="临时救助",
        name_en="Emergency aid",
        emergency=ledger_pb2.EmergencyRules(verify_within_days=days),
    )


def contribution(
    rid: str,
    member: str = "M1",
    amount: int = 12_000,
    date: str = "2026-01-02",
    code: str = "MED_AID",
    **extra: object,
) -> ledger_pb2.RecordContributionRequest:
    fields: dict[str, object] = {
        "request_id": rid,
        "member_id": member,
        "program_code": code,
        "fiscal_year": YEAR,
        "period_id": str(YEAR),
        "amount_fen": amount,
        "effective_date": date,
    }
    fields.update(extra)
    return ledger_pb2.RecordContributionRequest(**fields)  # type: ignore[arg-type]


def claim_request(
    rid: str,
    member: str = "M1",
    self_paid: int = 150_000,
    incident: str = "2026-03-01",
    code: str = "MED_AID",
    **extra: object,
) -> ledger_pb2.FileClaimRequest:
    fields: dict[str, object] = {
        "request_id": rid,
        "member_id": member,
        "program_code": code,
        "fiscal_year": YEAR,
        "period_id": str(YEAR),
        "category": "ILLNESS",
        "incident_date": incident,
        "bill_total_fen": self_paid + 100_000,
        "insurance_covered_fen": 100_000,
        "self_paid_fen": self_paid,
        "hospital": "深圳市人民医院",
        "bill_ref": f"INV-{rid}",
        "document_refs": ["scan-1"],
    }
    fields.update(extra)
    return ledger_pb2.FileClaimRequest(**fields)  # type: ignore[arg-type]


def self_paid_for(benefit: int, ratio_bp: int = 8_000, deductible: int = 50_000) -> int:
    """The smallest self-paid amount whose benefit before caps is ``benefit`` fen."""
    return deductible + -(-benefit * 10_000 // ratio_bp)

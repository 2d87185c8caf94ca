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

"""The ledger's view of members over a real members stream: read-your-writes,
rebuilt after a restart, and the basis of each decision recorded."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    events_pb2,
    ledger_pb2,
    member_events_pb2,
)
from tests.conftest import restart_config, start_ledger, stop_ledger
from tests.ledger_client import open_request, payout, settled_state, stream_messages
from tests.members_feed import enroll, enrolled, publish_member_events


async def test_payout_waits_for_the_members_position_it_carries(ledger):
    await ledger.stub.OpenProgram(open_request())
    position = await enroll(ledger, ["M1"])
    # The enrolment of M2 is published a moment after the payout that needs it.
    call = ledger.stub.PostPayout(payout("r1", member="M2", members_position=position + 1))
    await asyncio.sleep(0.2)
    assert not call.done()
    await publish_member_events(ledger.config.nats_url, [enrolled("M2")])
    entry = await call
    assert entry.basis.members_position == position + 1
    assert entry.basis.membership_status == "ACTIVE"


async def test_payout_refused_unavailable_when_the_view_does_not_catch_up(ledger, monkeypatch):
    await ledger.stub.OpenProgram(open_request())
    position = await enroll(ledger, ["M1"])
    monkeypatch.setattr(ledger.server, "members_wait_seconds", 0.3)
    before = await settled_state(ledger)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ledger.stub.PostPayout(payout("r1", members_position=position + 5))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert f"not yet {position + 5}" in err.value.details()
    assert await settled_state(ledger) == before


async def test_unknown_member_refused_and_nothing_written(ledger):
    await ledger.stub.OpenProgram(open_request())
    before = await settled_state(ledger)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ledger.stub.PostPayout(payout("r1", member="M404"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "member_id: unknown member M404" in err.value.details()
    assert await settled_state(ledger) == before


async def test_view_is_rebuilt_after_restart_and_basis_is_on_the_wire(ledger):
    await ledger.stub.OpenProgram(
        open_request(
            code="HARDSHIP_AID",
            eligibility=ledger_pb2.Eligibility(hardship_only=True),
            tier_standards=[
                ledger_pb2.TierStandard(tier=common_pb2.HARDSHIP_TIER_DEEP, amount_fen=200_000)
            ],
        )
    )
    await enroll(ledger, ["M1"])
    await publish_member_events(
        ledger.config.nats_url,
        [
            (
                "HardshipFileOpened",
                member_events_pb2.HardshipFileOpened(
                    member_id="M1",
                    file_id="F1",
                    tier=common_pb2.HARDSHIP_TIER_DEEP,
                    causes=[1],
                    effective_date="2026-01-05",
                ),
                "2026-01-05",
            ),
            (
                "HardshipFileClosed",
                member_events_pb2.HardshipFileClosed(
                    member_id="M1",
                    file_id="F1",
                    effective_date="2026-06-30",
                    gradual_exit_months=3,
                    gradual_exit_until="2026-09-29",
                    pre_exit_tier=common_pb2.HARDSHIP_TIER_DEEP,
                ),
                "2026-06-30",
            ),
        ],
    )
    await stop_ledger(ledger)
    restarted = await start_ledger(restart_config(ledger))
    try:
        assert restarted.server.app.members.position >= 3
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await restarted.stub.PostPayout(
                payout("r1", code="HARDSHIP_AID", amount=120_001, date="2026-07-01")
            )
        assert "at most 120000 fen, 120001 requested" in err.value.details()
        entry = await restarted.stub.PostPayout(
            payout("r2", code="HARDSHIP_AID", amount=120_000, date="2026-07-01")
        )
        assert entry.basis.hardship_status == "GRADUAL_EXIT"
        assert entry.basis.pre_exit_tier == common_pb2.HARDSHIP_TIER_DEEP
        assert entry.basis.ceiling_fen == 120_000
        await settled_state(restarted)
        last = events_pb2.EventEnvelope.FromString(
            (await stream_messages(ledger.config.nats_url))[-1]
        )
        posted = events_pb2.PayoutPosted()
        assert last.payload.Unpack(posted)
        assert posted.basis.hardship_status == "GRADUAL_EXIT" and posted.basis.members_position >= 3
    finally:
        await stop_ledger(restarted)

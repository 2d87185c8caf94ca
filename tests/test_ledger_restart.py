"""Idempotency is durable: a retry after a restart returns the original entry."""

from __future__ import annotations

from benefits_platform.protos.benefits.v1 import ledger_pb2
from tests.conftest import restart_config, start_ledger, stop_ledger
from tests.ledger_client import open_request, payout, settled_state
from tests.members_feed import enroll


async def test_retry_after_restart_returns_the_original_entry(ledger):
    await enroll(ledger, ["M1"])
    await ledger.stub.OpenProgram(open_request(cap=300_000))
    original = await ledger.stub.PostPayout(payout("retry-me", amount=250_000))
    before = await settled_state(ledger)
    await stop_ledger(ledger)

    restarted = await start_ledger(restart_config(ledger))
    try:
        retry = await restarted.stub.PostPayout(payout("retry-me", amount=250_000))
        assert retry.replayed
        assert retry.entry_id == original.entry_id
        assert retry.recorded_at == original.recorded_at
        assert list(retry.postings) == list(original.postings)
        assert await settled_state(restarted) == before
        # the rebuilt book still knows the cap is nearly used
        program = await restarted.stub.GetProgram(
            ledger_pb2.GetProgramRequest(code="WINTER_WARMTH", fiscal_year=2026)
        )
        assert program.committed_fen == 250_000
        account = await restarted.stub.GetMemberAccount(
            ledger_pb2.GetMemberAccountRequest(member_id="M1")
        )
        assert account.receipts[0].received_fen == 250_000
    finally:
        await stop_ledger(restarted)

from benefits_platform.protos.benefits.v1 import ledger_pb2


async def test_open_and_post(ledger):
    p = await ledger.stub.OpenProgram(ledger_pb2.OpenProgramRequest(
        code="GREEN_TRAVEL", fiscal_year=2026, name_zh="绿色出行", name_en="Green travel",
        kind=ledger_pb2.PROGRAM_KIND_SUBSIDY, budget_fen=100_000, request_id="open-1"))
    assert p.remaining_fen == 100_000
    e = await ledger.stub.PostPayout(ledger_pb2.PostPayoutRequest(
        request_id="r1", member_id="M1", program_code="GREEN_TRAVEL", fiscal_year=2026,
        amount_fen=2000, effective_date="2026-03-01"))
    assert e.amount_fen == 2000
    p = await ledger.stub.GetProgram(ledger_pb2.GetProgramRequest(code="GREEN_TRAVEL", fiscal_year=2026))
    assert p.committed_fen == 2000
    await ledger.server.relay.wait_caught_up(ledger.server.app.book.position)

"""The ledger over real gRPC, with a real nats-server, on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
import pytest
import structlog.testing

from benefits_platform.envelopes import verify_chain
from benefits_platform.protos.benefits.v1 import common_pb2, events_pb2, ledger_pb2
from tests.ledger_client import open_request, payout, settled_state, stream_messages
from tests.members_feed import enroll

CODE = grpc.StatusCode


async def expect_refusal(call, code: grpc.StatusCode, *fragments: str) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == code, err.value.details()
    for fragment in fragments:
        assert fragment in err.value.details()
    return err.value.details()


@pytest.fixture
async def opened(ledger):
    await enroll(ledger, ["M1", "M9", *(f"M{i}" for i in range(60))])
    await ledger.stub.OpenProgram(open_request(cap=500_000))
    await ledger.stub.OpenProgram(
        open_request(code="GREEN_TRAVEL", kind=ledger_pb2.PROGRAM_KIND_SUBSIDY, budget=1_000)
    )
    return ledger


async def test_post_get_and_account(opened):
    stub = opened.stub
    entry = await stub.PostPayout(payout("r1", external_ref="DESK-1", note="festival"))
    assert entry.kind == ledger_pb2.ENTRY_KIND_PAYOUT
    assert sum(p.amount_fen for p in entry.postings) == 0
    assert entry.recorded_at.seconds > 0
    got = await stub.GetPayout(ledger_pb2.GetPayoutRequest(entry_id=entry.entry_id))
    assert got.external_ref == "DESK-1" and got.amount_fen == 200_000
    await stub.PostPayout(payout("g1", code="GREEN_TRAVEL", amount=500))
    account = await stub.GetMemberAccount(ledger_pb2.GetMemberAccountRequest(member_id="M1"))
    assert account.stored_value_balance_fen == 500
    assert {(r.program_code, r.received_fen) for r in account.receipts} == {
        ("WINTER_WARMTH", 200_000),
        ("GREEN_TRAVEL", 500),
    }
    programs = await stub.ListPrograms(ledger_pb2.ListProgramsRequest(fiscal_year=2026))
    assert [p.code for p in programs.programs] == ["GREEN_TRAVEL", "WINTER_WARMTH"]


async def test_events_reach_the_stream_once_each_as_chained_envelopes(opened):
    stub = opened.stub
    first = await stub.PostPayout(payout("r1"))
    await stub.PostPayout(payout("r1"))  # a retry writes nothing
    await stub.ReversePayout(
        ledger_pb2.ReversePayoutRequest(
            request_id="rev1",
            entry_id=first.entry_id,
            reason=ledger_pb2.REVERSAL_REASON_WRONG_AMOUNT,
        )
    )
    position, _length = await settled_state(opened)
    envelopes = [
        events_pb2.EventEnvelope.FromString(m)
        for m in await stream_messages(opened.config.nats_url)
    ]
    assert [e.event_type for e in envelopes] == [
        "ProgramOpened",
        "ProgramOpened",
        "PayoutPosted",
        "PayoutReversed",
    ]
    assert [e.position for e in envelopes][-1] == position
    assert verify_chain(envelopes) is None
    posted = events_pb2.PayoutPosted()
    assert envelopes[2].payload.Unpack(posted)
    assert posted.entry_id == first.entry_id and posted.amount_fen == 200_000
    assert envelopes[2].request_id == "r1"
    tampered = envelopes[2]
    tampered.payload.value = tampered.payload.value.replace(b"M1", b"M9")
    assert verify_chain(envelopes) == tampered.position


async def test_batch_all_or_nothing(opened):
    stub = opened.stub
    rows = [payout(f"b{i}", member=f"M{i}", amount=1000) for i in range(50)]
    before = await settled_state(opened)
    bad = [*rows[:30], payout("bad", member="M1", amount=600_000), *rows[30:]]
    await expect_refusal(
        stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=bad)),
        CODE.FAILED_PRECONDITION,
        "payouts[30]",
        "per-member annual cap",
    )
    assert await settled_state(opened) == before
    response = await stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=rows))
    assert len(response.entries) == 50 and response.replayed_count == 0
    again = await stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=rows))
    assert again.replayed_count == 50
    assert [e.entry_id for e in again.entries] == [e.entry_id for e in response.entries]
    program = await stub.GetProgram(
        ledger_pb2.GetProgramRequest(code="WINTER_WARMTH", fiscal_year=2026)
    )
    assert program.committed_fen == 50_000 and program.payout_count == 50


async def test_a_replayed_batch_leaves_no_warning_behind(opened):
    """A batch holding rows recorded before, behind a new first row (the book
    does not flag it), is replayed after the store refuses its ids: that
    transaction rolls back, and on PostgreSQL the notification ids it drew are
    gone for good. The next group's gap is expected then, not a warning."""
    stub = opened.stub
    rows = [payout(f"b{i}", member=f"M{i}", amount=100) for i in range(3)]
    with structlog.testing.capture_logs() as logged:
        await stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=rows))
        again = await stub.PostPayouts(
            ledger_pb2.PostPayoutsRequest(payouts=[payout("b-new", member="M5"), *rows])
        )
        await stub.PostPayout(payout("after", member="M9"))
    assert again.replayed_count == 3
    gaps = [e for e in logged if e["event"] == "ledger.log_gap"]
    assert not [e for e in gaps if e["log_level"] == "warning"], gaps
    app = opened.server.app
    last = app.recorder.max_notification_id()
    stored = len(app.recorder.select_notifications(start=1, limit=10_000))
    if opened.config.store.is_postgres:
        assert last > stored  # the rolled-back insert's ids were skipped
    else:
        assert last == stored


async def test_member_entries_are_paged(opened):
    stub = opened.stub
    for i in range(7):
        await stub.PostPayout(payout(f"p{i}", amount=1000 + i))
    seen, token = [], ""
    while True:
        page = await stub.ListMemberEntries(
            ledger_pb2.ListMemberEntriesRequest(
                member_id="M1", page=common_pb2.PageRequest(page_size=3, page_token=token)
            )
        )
        seen += [e.amount_fen for e in page.entries]
        token = page.next_page_token
        if not token:
            break
    assert seen == [1000 + i for i in range(7)]


BAD_INPUT = [
    ("zero amount", payout("x", amount=0), CODE.INVALID_ARGUMENT, "amount_fen: must be a positive"),
    (
        "negative amount",
        payout("x", amount=-1),
        CODE.INVALID_ARGUMENT,
        "amount_fen: must be a positive",
    ),
    (
        "overflowing amount",
        payout("x", amount=2**63 - 1),
        CODE.INVALID_ARGUMENT,
        "amount_fen: must not exceed",
    ),
    ("missing request id", payout(""), CODE.INVALID_ARGUMENT, "request_id: is required"),
    ("bad request id", payout("a b"), CODE.INVALID_ARGUMENT, "request_id: must be 1-128"),
    ("missing member", payout("x", member=""), CODE.INVALID_ARGUMENT, "member_id: is required"),
    (
        "malformed member",
        payout("x", member="/etc/passwd"),
        CODE.INVALID_ARGUMENT,
        "member_id: must be",
    ),
    (
        "malformed date",
        payout("x", date="20-01-2026"),
        CODE.INVALID_ARGUMENT,
        "effective_date: must be an ISO date",
    ),
    (
        "impossible date",
        payout("x", date="2026-02-30"),
        CODE.INVALID_ARGUMENT,
        "effective_date: must be an ISO date",
    ),
    (
        "date outside year",
        payout("x", date="2027-01-01"),
        CODE.INVALID_ARGUMENT,
        "effective_date: must fall in fiscal year 2026",
    ),
    ("missing programme", payout("x", code=""), CODE.INVALID_ARGUMENT, "program_code: is required"),
    (
        "unknown programme",
        payout("x", code="NOPE"),
        CODE.NOT_FOUND,
        "program_code: no programme NOPE",
    ),
    (
        "budget exhausted",
        payout("x", code="GREEN_TRAVEL", amount=1_001),
        CODE.FAILED_PRECONDITION,
        "budget of GREEN_TRAVEL 2026 exhausted",
    ),
    (
        "cap exceeded",
        payout("x", amount=500_001),
        CODE.FAILED_PRECONDITION,
        "per-member annual cap",
    ),
    (
        "note too long",
        payout("x", note="n" * 501),
        CODE.INVALID_ARGUMENT,
        "note: must be at most 500",
    ),
    (
        "control characters",
        payout("x", note="a\x00b"),
        CODE.INVALID_ARGUMENT,
        "note: must not contain control",
    ),
]


@pytest.mark.parametrize(
    ("name", "request_", "code", "fragment"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
async def test_bad_payouts_are_refused_and_change_nothing(opened, name, request_, code, fragment):
    before = await settled_state(opened)
    await expect_refusal(opened.stub.PostPayout(request_), code, fragment)
    assert await settled_state(opened) == before


async def test_refusals_of_other_calls_change_nothing(opened):
    stub = opened.stub
    entry = await stub.PostPayout(payout("r1"))
    await stub.ReversePayout(
        ledger_pb2.ReversePayoutRequest(
            request_id="rev1", entry_id=entry.entry_id, reason=ledger_pb2.REVERSAL_REASON_FRAUD
        )
    )
    before = await settled_state(opened)
    cases = [
        (
            stub.PostPayout(payout("r1", amount=1)),
            CODE.ALREADY_EXISTS,
            "request_id: 'r1' was already used",
        ),
        (
            stub.ReversePayout(
                ledger_pb2.ReversePayoutRequest(
                    request_id="rev2",
                    entry_id=entry.entry_id,
                    reason=ledger_pb2.REVERSAL_REASON_FRAUD,
                )
            ),
            CODE.FAILED_PRECONDITION,
            "already reversed",
        ),
        (
            stub.ReversePayout(
                ledger_pb2.ReversePayoutRequest(
                    request_id="rev3",
                    entry_id="not-a-uuid",
                    reason=ledger_pb2.REVERSAL_REASON_FRAUD,
                )
            ),
            CODE.INVALID_ARGUMENT,
            "entry_id: must be an entry id",
        ),
        (
            stub.ReversePayout(
                ledger_pb2.ReversePayoutRequest(request_id="rev4", entry_id=entry.entry_id)
            ),
            CODE.INVALID_ARGUMENT,
            "reason: must be a reversal reason",
        ),
        (
            stub.ReversePayout(
                ledger_pb2.ReversePayoutRequest(
                    request_id="rev5", entry_id=entry.entry_id, reason=99
                )
            ),
            CODE.INVALID_ARGUMENT,
            "reason",
        ),
        (
            stub.ReversePayout(
                ledger_pb2.ReversePayoutRequest(
                    request_id="rev6",
                    entry_id="00000000-0000-0000-0000-000000000009",
                    reason=ledger_pb2.REVERSAL_REASON_FRAUD,
                )
            ),
            CODE.NOT_FOUND,
            "entry_id: no entry",
        ),
        (
            stub.GetPayout(
                ledger_pb2.GetPayoutRequest(entry_id="00000000-0000-0000-0000-000000000009")
            ),
            CODE.NOT_FOUND,
            "entry_id: no entry",
        ),
        (
            stub.GetProgram(ledger_pb2.GetProgramRequest(code="NOPE", fiscal_year=2026)),
            CODE.NOT_FOUND,
            "NOPE",
        ),
        (
            stub.GetProgram(ledger_pb2.GetProgramRequest(code="NOPE", fiscal_year=1999)),
            CODE.INVALID_ARGUMENT,
            "fiscal_year",
        ),
        (
            stub.PostPayouts(ledger_pb2.PostPayoutsRequest()),
            CODE.INVALID_ARGUMENT,
            "payouts: must hold at least one",
        ),
        (
            stub.PostPayouts(
                ledger_pb2.PostPayoutsRequest(
                    payouts=[payout(f"x{i}", member=f"M{i}", amount=1) for i in range(10_001)]
                )
            ),
            CODE.INVALID_ARGUMENT,
            "payouts: must hold at most 10000",
        ),
        (
            stub.PostPayouts(
                ledger_pb2.PostPayoutsRequest(payouts=[payout("y1"), payout("y2", amount=-3)])
            ),
            CODE.INVALID_ARGUMENT,
            "payouts[1]: amount_fen",
        ),
        (stub.OpenProgram(open_request(cap=1)), CODE.ALREADY_EXISTS, "request_id"),
        (stub.OpenProgram(open_request(code="NEW", budget=0)), CODE.INVALID_ARGUMENT, "budget_fen"),
        (stub.OpenProgram(open_request(code="NEW", kind=0)), CODE.INVALID_ARGUMENT, "kind"),
        (
            stub.OpenProgram(open_request(code="NEW", budget=10**16)),
            CODE.INVALID_ARGUMENT,
            "budget_fen: must not exceed",
        ),
        (
            stub.OpenProgram(open_request(code="NEW", name_zh="")),
            CODE.INVALID_ARGUMENT,
            "name_zh: is required",
        ),
        (
            stub.CloseProgram(ledger_pb2.CloseProgramRequest(code="NOPE", fiscal_year=2026)),
            CODE.NOT_FOUND,
            "NOPE",
        ),
        (
            stub.ListMemberEntries(
                ledger_pb2.ListMemberEntriesRequest(
                    member_id="M1", page=common_pb2.PageRequest(page_size=-1)
                )
            ),
            CODE.INVALID_ARGUMENT,
            "page.page_size",
        ),
        (
            stub.ListMemberEntries(
                ledger_pb2.ListMemberEntriesRequest(
                    member_id="M1", page=common_pb2.PageRequest(page_token="abc")
                )
            ),
            CODE.INVALID_ARGUMENT,
            "page.page_token",
        ),
        (
            stub.GetMemberAccount(ledger_pb2.GetMemberAccountRequest()),
            CODE.INVALID_ARGUMENT,
            "member_id: is required",
        ),
    ]
    for call, code, fragment in cases:
        await expect_refusal(call, code, fragment)
    assert await settled_state(opened) == before


async def test_closed_programme_and_oversized_message(opened):
    stub = opened.stub
    closed = await stub.CloseProgram(
        ledger_pb2.CloseProgramRequest(code="GREEN_TRAVEL", fiscal_year=2026, reason="ended")
    )
    assert closed.status == ledger_pb2.PROGRAM_STATUS_CLOSED
    before = await settled_state(opened)
    await expect_refusal(
        stub.PostPayout(payout("x", code="GREEN_TRAVEL", amount=1)),
        CODE.FAILED_PRECONDITION,
        "is closed",
    )
    await expect_refusal(
        stub.CloseProgram(ledger_pb2.CloseProgramRequest(code="GREEN_TRAVEL", fiscal_year=2026)),
        CODE.FAILED_PRECONDITION,
        "is closed",
    )
    huge = ledger_pb2.PostPayoutsRequest(
        payouts=[payout(f"h{i}", note="n" * 500) for i in range(40_000)]
    )
    await expect_refusal(stub.PostPayouts(huge), CODE.RESOURCE_EXHAUSTED)
    assert await settled_state(opened) == before

"""Pay first, verify after: emergency aid over real gRPC with a real nats-server.
Paid, overdue, verified, recovered by instalments with totals net of recovery;
refusals that write nothing; and secondary aid for members paid by mutual aid."""

from __future__ import annotations

import grpc
import pytest

from benefits_platform.envelopes import verify_chain
from benefits_platform.protos.benefits.v1 import events_pb2, ledger_pb2
from tests.ledger_client import (
    claim_request,
    contribution,
    emergency_request,
    open_request,
    payout,
    pool_request,
    settled_state,
    stream_messages,
)
from tests.members_feed import enroll
from tests.support import key_id
from tests.test_ledger_grpc import expect_refusal

CODE = grpc.StatusCode
FUND = "programme-fund:EMERGENCY:2026"
sqlite_only = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@pytest.fixture
async def aid(ledger):
    await enroll(ledger, ["M1", "M2", "M3"])
    await ledger.stub.OpenProgram(emergency_request(days=30))
    await ledger.stub.OpenProgram(open_request(code="WINTER_WARMTH"))
    return ledger


def recover(rid: str, entry_id: str, amount: int, date: str = "2026-04-01"):
    return ledger_pb2.RecoverPaymentRequest(
        request_id=rid, entry_id=entry_id, amount_fen=amount, effective_date=date
    )


def verify(rid: str, entry_id: str, on: str = "2026-03-01"):
    return ledger_pb2.VerifyEmergencyAidRequest(request_id=rid, entry_id=entry_id, verified_on=on)


async def overdue(stub, as_of: str, **filters: object) -> list[ledger_pb2.EmergencyObligation]:
    response = await stub.ListEmergencyObligations(
        ledger_pb2.ListEmergencyObligationsRequest(overdue_as_of=as_of, **filters)  # type: ignore[arg-type]
    )
    return list(response.obligations)


async def test_paid_overdue_verified_and_recovered_by_instalments(aid):
    poster = aid.stub_for(aid.keys.poster)
    reviewer = aid.stub_for(aid.keys.reviewer)
    first = await poster.PostPayout(
        payout("e1", amount=250_000, code="EMERGENCY", date="2026-02-10")
    )
    second = await poster.PostPayout(
        payout("e2", member="M2", amount=100_000, code="EMERGENCY", date="2026-02-20")
    )
    # due 30 days after the effective date: overdue from the day after
    assert await overdue(aid.stub, "2026-03-12") == []
    late = await overdue(aid.stub, "2026-03-13")
    assert [(o.payout_entry_id, o.due_date, o.overdue) for o in late] == [
        (first.entry_id, "2026-03-12", True)
    ]
    assert len(await overdue(aid.stub, "2026-03-23")) == 2

    verified = await reviewer.VerifyEmergencyAid(verify("v2", second.entry_id))
    assert verified.state == ledger_pb2.EMERGENCY_AID_STATE_VERIFIED
    assert verified.verified_by == key_id(aid.keys.reviewer)

    one = await poster.RecoverPayment(recover("r1", first.entry_id, 100_000))
    assert (one.kind, one.amount_fen, one.instalment) == (
        ledger_pb2.ENTRY_KIND_RECOVERY,
        -100_000,
        1,
    )
    assert one.recovers_entry_id == first.entry_id
    still = await overdue(aid.stub, "2026-12-31")
    assert [(o.recovered_fen, o.outstanding_fen, o.instalments) for o in still] == [
        (100_000, 150_000, 1)
    ]
    two = await poster.RecoverPayment(recover("r2", first.entry_id, 150_000, "2026-05-01"))
    assert two.instalment == 2
    assert await overdue(aid.stub, "2026-12-31") == []

    everything = await aid.stub.ListEmergencyObligations(
        ledger_pb2.ListEmergencyObligationsRequest(program_code="EMERGENCY", fiscal_year=2026)
    )
    rows = [
        (o.state, o.paid_fen, o.recovered_fen, o.outstanding_fen) for o in everything.obligations
    ]
    assert rows == [
        (ledger_pb2.EMERGENCY_AID_STATE_RECOVERED, 250_000, 250_000, 0),
        (ledger_pb2.EMERGENCY_AID_STATE_VERIFIED, 100_000, 0, 100_000),
    ]
    # totals net of recovery
    program = await aid.stub.GetProgram(
        ledger_pb2.GetProgramRequest(code="EMERGENCY", fiscal_year=2026)
    )
    assert (program.committed_fen, program.payout_count) == (100_000, 2)
    account = await aid.stub.GetMemberAccount(ledger_pb2.GetMemberAccountRequest(member_id="M1"))
    assert [(r.program_code, r.received_fen) for r in account.receipts] == [("EMERGENCY", 0)]
    entries = await aid.stub.ListMemberEntries(ledger_pb2.ListMemberEntriesRequest(member_id="M1"))
    assert [e.kind for e in entries.entries] == [
        ledger_pb2.ENTRY_KIND_PAYOUT,
        ledger_pb2.ENTRY_KIND_RECOVERY,
        ledger_pb2.ENTRY_KIND_RECOVERY,
    ]

    await settled_state(aid)
    envelopes = [
        events_pb2.EventEnvelope.FromString(m) for m in await stream_messages(aid.config.nats_url)
    ]
    assert verify_chain(envelopes) is None
    assert [e.event_type for e in envelopes][2:] == [
        "PayoutPosted",
        "EmergencyAidObligationCreated",
        "PayoutPosted",
        "EmergencyAidObligationCreated",
        "EmergencyAidVerified",
        "PaymentRecovered",
        "PaymentRecovered",
    ]
    created = events_pb2.EmergencyAidObligationCreated()
    assert envelopes[3].payload.Unpack(created)
    assert (created.payout_entry_id, created.due_date) == (first.entry_id, "2026-03-12")
    recovered = events_pb2.PaymentRecovered()
    assert envelopes[-1].payload.Unpack(recovered)
    assert (recovered.instalment, recovered.recovered_total_fen, recovered.outstanding_fen) == (
        2,
        250_000,
        0,
    )
    postings = [(p.account, p.amount_fen) for p in recovered.postings]
    assert sum(amount for _a, amount in postings) == 0
    assert sum(amount for account, amount in postings if account == FUND) == -recovered.amount_fen
    assert envelopes[-1].actor == key_id(aid.keys.poster)


@sqlite_only
async def test_refusals_write_nothing_and_replays_replay(aid):
    stub = aid.stub
    paid = await stub.PostPayout(payout("e1", amount=250_000, code="EMERGENCY", date="2026-02-10"))
    plain = await stub.PostPayout(payout("w1", member="M2", code="WINTER_WARMTH"))
    await stub.RecoverPayment(recover("r1", paid.entry_id, 50_000))
    again = await stub.RecoverPayment(recover("r1", paid.entry_id, 50_000))
    assert again.replayed and again.instalment == 1
    before = await settled_state(aid)
    unknown = "6f1c0d4e-0000-5000-8000-000000000000"
    INVALID, MISSING, PRECONDITION = CODE.INVALID_ARGUMENT, CODE.NOT_FOUND, CODE.FAILED_PRECONDITION
    listing = ledger_pb2.ListEmergencyObligationsRequest
    reversal = ledger_pb2.ReversePayoutRequest(
        request_id="rev", entry_id=paid.entry_id, reason=ledger_pb2.REVERSAL_REASON_OTHER
    )
    cases = [
        (
            stub.RecoverPayment(recover("r2", paid.entry_id, 200_001)),
            PRECONDITION,
            "amount_fen: at most 200000 fen",
        ),
        (stub.RecoverPayment(recover("r1", paid.entry_id, 60_000)), CODE.ALREADY_EXISTS, "request"),
        (stub.RecoverPayment(recover("r3", plain.entry_id, 1)), PRECONDITION, "not emergency aid"),
        (stub.RecoverPayment(recover("r4", unknown, 1)), MISSING, "entry_id"),
        (stub.RecoverPayment(recover("r5", "nope", 1)), INVALID, "entry_id"),
        (stub.RecoverPayment(recover("r6", paid.entry_id, 0)), INVALID, "amount_fen"),
        (
            stub.RecoverPayment(recover("r7", paid.entry_id, 1, "2026-02-01")),
            PRECONDITION,
            "effective_date",
        ),
        (stub.RecoverPayment(recover("", paid.entry_id, 1)), INVALID, "request_id"),
        (stub.VerifyEmergencyAid(verify("v1", plain.entry_id)), PRECONDITION, "not emergency aid"),
        (stub.VerifyEmergencyAid(verify("v2", unknown)), MISSING, "entry_id"),
        (stub.VerifyEmergencyAid(verify("v3", paid.entry_id, "2026-2-1")), INVALID, "verified_on"),
        (
            stub.VerifyEmergencyAid(verify("v4", paid.entry_id, "2026-01-01")),
            PRECONDITION,
            "verified_on",
        ),
        (stub.ListEmergencyObligations(listing(overdue_as_of="soon")), INVALID, "overdue_as_of"),
        (stub.ListEmergencyObligations(listing(program_code="x")), INVALID, "program_code"),
        (stub.ReversePayout(reversal), PRECONDITION, "has recoveries"),
    ]
    for call, code, fragment in cases:
        await expect_refusal(call, code, fragment)
    assert await settled_state(aid) == before
    done = await stub.VerifyEmergencyAid(verify("v5", paid.entry_id))
    replay = await stub.VerifyEmergencyAid(verify("v5", paid.entry_id))
    assert not done.replayed and replay.replayed
    await expect_refusal(
        stub.VerifyEmergencyAid(verify("v6", paid.entry_id)),
        CODE.FAILED_PRECONDITION,
        "is VERIFIED",
    )
    await expect_refusal(
        stub.RecoverPayment(recover("r8", paid.entry_id, 1)),
        CODE.FAILED_PRECONDITION,
        "is VERIFIED",
    )


@sqlite_only
async def test_reversed_emergency_aid_is_settled(aid):
    paid = await aid.stub.PostPayout(payout("e1", code="EMERGENCY", date="2026-02-10"))
    await aid.stub.ReversePayout(
        ledger_pb2.ReversePayoutRequest(
            request_id="rev", entry_id=paid.entry_id, reason=ledger_pb2.REVERSAL_REASON_WRONG_MEMBER
        )
    )
    listed = await aid.stub.ListEmergencyObligations(ledger_pb2.ListEmergencyObligationsRequest())
    assert [(o.state, o.outstanding_fen) for o in listed.obligations] == [
        (ledger_pb2.EMERGENCY_AID_STATE_REVERSED, 0)
    ]
    assert await overdue(aid.stub, "2027-01-01") == []
    await expect_refusal(
        aid.stub.RecoverPayment(recover("r1", paid.entry_id, 1)),
        CODE.FAILED_PRECONDITION,
        "is REVERSED",
    )


@sqlite_only
async def test_secondary_aid_only_for_members_paid_by_mutual_aid(ledger):
    await enroll(ledger, ["M1", "M2"])
    stub = ledger.stub
    await stub.OpenProgram(pool_request(waiting_days=0))
    await stub.OpenProgram(
        open_request(
            code="SECOND_AID",
            name_zh="二次救助",
            name_en="Secondary aid",
            secondary_aid=ledger_pb2.SecondaryAidRules(mutual_aid_program_code="MED_AID"),
        )
    )
    program = await stub.GetProgram(
        ledger_pb2.GetProgramRequest(code="SECOND_AID", fiscal_year=2026)
    )
    assert program.secondary_aid.mutual_aid_program_code == "MED_AID"
    for member in ("M1", "M2"):
        await stub.RecordContribution(contribution(f"c-{member}", member=member))
    maker = ledger.stub_for(ledger.keys.poster)
    checker = ledger.stub_for(ledger.keys.reviewer)
    claim = await maker.FileClaim(claim_request("f1", self_paid=60_000))
    await checker.StartReview(
        ledger_pb2.StartReviewRequest(request_id="rv", claim_id=claim.claim_id)
    )
    await checker.ApproveClaim(
        ledger_pb2.ApproveClaimRequest(request_id="ok", claim_id=claim.claim_id)
    )
    before = await settled_state(ledger)
    await expect_refusal(
        stub.PostPayout(payout("s1", code="SECOND_AID", date="2026-06-01")),
        CODE.FAILED_PRECONDITION,
        "member_id: programme SECOND_AID is secondary aid for members paid by MED_AID",
    )
    assert await settled_state(ledger) == before
    await maker.PayClaim(
        ledger_pb2.PayClaimRequest(
            request_id="pay", claim_id=claim.claim_id, effective_date="2026-05-01"
        )
    )
    entry = await stub.PostPayout(payout("s1", code="SECOND_AID", date="2026-06-01"))
    assert entry.amount_fen == 200_000
    await expect_refusal(
        stub.PostPayout(payout("s2", member="M2", code="SECOND_AID", date="2026-06-01")),
        CODE.FAILED_PRECONDITION,
        "member M2 has no paid MED_AID claim",
    )

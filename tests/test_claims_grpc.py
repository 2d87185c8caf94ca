"""Mutual-aid pools and claims over real gRPC, with a real nats-server, on SQLite
(and PostgreSQL for the end-to-end path): contributions, claims through every
state with maker-checker, benefits on the cap boundaries, the pool's overdraft,
duplicate bills, replays, bad input writing nothing, and the events on the
stream with a valid hash chain."""

from __future__ import annotations

import grpc
import pytest

from benefits_platform.envelopes import verify_chain
from benefits_platform.protos.benefits.v1 import common_pb2, events_pb2, ledger_pb2
from tests.ledger_client import (
    claim_request,
    contribution,
    open_request,
    payout,
    pool_request,
    self_paid_for,
    settled_state,
    stream_messages,
)
from tests.members_feed import enroll
from tests.support import key_id
from tests.test_ledger_grpc import expect_refusal

CODE = grpc.StatusCode
POOL = "mutual-aid-pool:MED_AID:2026"
sqlite_only = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


class Desk:
    """The ledger as the mutual-aid office uses it: a maker (POSTER) files and
    pays, a checker (REVIEWER) reviews and approves."""

    def __init__(self, ledger) -> None:
        self.ledger = ledger
        self.maker = ledger.stub_for(ledger.keys.poster)
        self.checker = ledger.stub_for(ledger.keys.reviewer)

    async def file(self, rid: str, **fields: object) -> ledger_pb2.Claim:
        return await self.maker.FileClaim(claim_request(rid, **fields))

    async def review(self, claim_id: str, rid: str = "") -> ledger_pb2.Claim:
        return await self.checker.StartReview(
            ledger_pb2.StartReviewRequest(request_id=rid or f"rv-{claim_id}", claim_id=claim_id)
        )

    async def approve(self, claim_id: str, amount: int = 0, reason: str = "") -> ledger_pb2.Claim:
        return await self.checker.ApproveClaim(
            ledger_pb2.ApproveClaimRequest(
                request_id=f"ok-{claim_id}",
                claim_id=claim_id,
                approved_benefit_fen=amount,
                reason=reason,
            )
        )

    async def pay(self, claim_id: str, rid: str = "", date: str = "2026-04-01") -> ledger_pb2.Claim:
        return await self.maker.PayClaim(
            ledger_pb2.PayClaimRequest(
                request_id=rid or f"pay-{claim_id}", claim_id=claim_id, effective_date=date
            )
        )

    async def approved(self, rid: str, **fields: object) -> ledger_pb2.Claim:
        claim = await self.file(rid, **fields)
        await self.review(claim.claim_id)
        return await self.approve(claim.claim_id)


@pytest.fixture
async def desk(ledger):
    await enroll(ledger, ["M1", "M2", "M3", "M4", "M5"])
    await ledger.stub.OpenProgram(pool_request())
    desk = Desk(ledger)
    for member in ("M1", "M2", "M3"):
        await desk.maker.RecordContribution(contribution(f"c-{member}", member=member))
    return desk


async def envelopes_of(ledger) -> list[events_pb2.EventEnvelope]:
    await settled_state(ledger)
    return [
        events_pb2.EventEnvelope.FromString(m)
        for m in await stream_messages(ledger.config.nats_url)
    ]


async def test_contribution_to_paid_claim_end_to_end(desk):
    ledger = desk.ledger
    pool = await ledger.stub.GetPool(
        ledger_pb2.GetPoolRequest(program_code="MED_AID", fiscal_year=2026)
    )
    assert (pool.account, pool.balance_fen, pool.contribution_count) == (POOL, 36_000, 3)
    assert pool.periods[0].period_id == "2026" and pool.periods[0].members == 3

    filed = await desk.file("f1", self_paid=150_000)
    assert filed.state == ledger_pb2.CLAIM_STATE_FILED
    assert filed.filed_by == key_id(ledger.keys.poster)
    assert filed.basis.unit_code == "GD-SZ-NS-0001"
    reviewing = await desk.review(filed.claim_id)
    assert reviewing.state == ledger_pb2.CLAIM_STATE_UNDER_REVIEW
    approved = await desk.approve(filed.claim_id)
    assert (approved.rule_result_fen, approved.computed_benefit_fen) == (80_000, 80_000)
    assert approved.approved_benefit_fen == 80_000 and approved.decided_by == key_id(
        ledger.keys.reviewer
    )
    # the pool holds 36_000: pay a smaller claim first, then refuse this one
    with_less = await desk.approved("f2", member="M2", self_paid=60_000)  # 8_000
    paid = await desk.pay(with_less.claim_id, rid="pay-f2")
    assert paid.state == ledger_pb2.CLAIM_STATE_PAID and paid.paid_fen == 8_000
    assert [t.state for t in paid.history] == [
        ledger_pb2.CLAIM_STATE_FILED,
        ledger_pb2.CLAIM_STATE_UNDER_REVIEW,
        ledger_pb2.CLAIM_STATE_APPROVED,
        ledger_pb2.CLAIM_STATE_PAID,
    ]
    entry = await ledger.stub.GetPayout(ledger_pb2.GetPayoutRequest(entry_id=paid.payout_entry_id))
    assert entry.claim_id == paid.claim_id and entry.amount_fen == 8_000
    assert [(p.account, p.amount_fen) for p in entry.postings] == [
        (POOL, -8_000),
        ("member:M2", 8_000),
        ("member:M2", -8_000),
        ("clearing:disbursement", 8_000),
    ]
    before = await settled_state(ledger)
    await expect_refusal(
        desk.pay(filed.claim_id), CODE.FAILED_PRECONDITION, "pool of MED_AID 2026 holds 28000 fen"
    )
    assert await settled_state(ledger) == before
    pool = await ledger.stub.GetPool(
        ledger_pb2.GetPoolRequest(program_code="MED_AID", fiscal_year=2026)
    )
    assert (pool.balance_fen, pool.claims_paid_fen, pool.claims_paid_count) == (28_000, 8_000, 1)

    envelopes = await envelopes_of(ledger)
    assert verify_chain(envelopes) is None
    types = [e.event_type for e in envelopes]
    assert types[:4] == ["ProgramOpened", *["ContributionRecorded"] * 3]
    assert types[-2:] == ["PayoutPosted", "ClaimPaid"]
    assert {"ClaimFiled", "ClaimReviewStarted", "ClaimApproved"} <= set(types)
    by_type = {e.event_type: e for e in envelopes}
    claim_paid = events_pb2.ClaimPaid()
    assert by_type["ClaimPaid"].payload.Unpack(claim_paid)
    assert claim_paid.payout_entry_id == paid.payout_entry_id and claim_paid.amount_fen == 8_000
    posted = events_pb2.PayoutPosted()
    assert by_type["PayoutPosted"].payload.Unpack(posted)
    assert (posted.claim_id, posted.funding_account) == (paid.claim_id, POOL)
    assert by_type["ClaimApproved"].actor == key_id(ledger.keys.reviewer)
    assert by_type["ClaimFiled"].actor == key_id(ledger.keys.poster)
    assert by_type["ProgramOpened"].actor == key_id(ledger.keys.admin)
    contribution_event = events_pb2.ContributionRecorded()
    assert by_type["ContributionRecorded"].payload.Unpack(contribution_event)
    assert sum(p.amount_fen for p in contribution_event.postings) == 0


@sqlite_only
async def test_illegal_transitions_name_the_state_and_write_nothing(desk):
    filed = await desk.file("f1")
    withdrawn = await desk.file("f2", member="M2")
    await desk.maker.WithdrawClaim(
        ledger_pb2.WithdrawClaimRequest(request_id="wd", claim_id=withdrawn.claim_id, note="asked")
    )
    before = await settled_state(desk.ledger)
    await expect_refusal(desk.pay(filed.claim_id), CODE.FAILED_PRECONDITION, "is FILED")
    await expect_refusal(desk.review(withdrawn.claim_id), CODE.FAILED_PRECONDITION, "is WITHDRAWN")
    await expect_refusal(desk.approve(filed.claim_id), CODE.FAILED_PRECONDITION, "is FILED")
    assert await settled_state(desk.ledger) == before
    await desk.review(filed.claim_id)
    await desk.approve(filed.claim_id)
    twice = desk.checker.ApproveClaim(
        ledger_pb2.ApproveClaimRequest(request_id="ok-again", claim_id=filed.claim_id)
    )
    await expect_refusal(twice, CODE.FAILED_PRECONDITION, "is APPROVED")
    rejected = await desk.file("f3", member="M3")
    await desk.review(rejected.claim_id)
    done = await desk.checker.RejectClaim(
        ledger_pb2.RejectClaimRequest(
            request_id="rj",
            claim_id=rejected.claim_id,
            reason=ledger_pb2.CLAIM_REJECTION_REASON_INSUFFICIENT_DOCUMENTS,
        )
    )
    assert done.rejection_reason == ledger_pb2.CLAIM_REJECTION_REASON_INSUFFICIENT_DOCUMENTS
    await expect_refusal(desk.pay(rejected.claim_id), CODE.FAILED_PRECONDITION, "is REJECTED")
    listed = await desk.ledger.stub.ListClaims(
        ledger_pb2.ListClaimsRequest(state=ledger_pb2.CLAIM_STATE_WITHDRAWN)
    )
    assert [c.claim_id for c in listed.claims] == [withdrawn.claim_id]


@sqlite_only
async def test_maker_checker_refusal_writes_nothing(desk):
    both = desk.ledger.stub_for(desk.ledger.keys.create("POSTER", "REVIEWER"))
    claim = await both.FileClaim(claim_request("f1"))
    await both.StartReview(ledger_pb2.StartReviewRequest(request_id="rv", claim_id=claim.claim_id))
    before = await settled_state(desk.ledger)
    own = both.ApproveClaim(
        ledger_pb2.ApproveClaimRequest(request_id="ok", claim_id=claim.claim_id)
    )
    await expect_refusal(own, CODE.PERMISSION_DENIED, "maker-checker", "cannot approve")
    assert await settled_state(desk.ledger) == before
    # another reviewer may
    other = desk.ledger.stub_for(desk.ledger.keys.reviewer2)
    done = await other.ApproveClaim(
        ledger_pb2.ApproveClaimRequest(request_id="ok", claim_id=claim.claim_id)
    )
    assert done.state == ledger_pb2.CLAIM_STATE_APPROVED


@sqlite_only
async def test_benefit_on_the_cap_boundaries(desk):
    at_cap = await desk.approved("cap0", self_paid=self_paid_for(200_000))
    assert (at_cap.rule_result_fen, at_cap.computed_benefit_fen) == (200_000, 200_000)
    over = await desk.approved("cap1", member="M2", self_paid=self_paid_for(200_001))
    assert (over.rule_result_fen, over.computed_benefit_fen) == (200_001, 200_000)
    # per period: 200_000 approved to M1 already; the cap leaves 100_000
    second = await desk.approved("cap2", self_paid=self_paid_for(100_001))
    assert (second.rule_result_fen, second.computed_benefit_fen) == (100_001, 100_000)
    third = await desk.file("cap3", self_paid=self_paid_for(1))
    await desk.review(third.claim_id)
    await expect_refusal(desk.approve(third.claim_id), CODE.FAILED_PRECONDITION, "is 0 fen")
    less = await desk.file("less", member="M3", self_paid=150_000)
    await desk.review(less.claim_id)
    await expect_refusal(
        desk.approve(less.claim_id, amount=80_001),
        CODE.FAILED_PRECONDITION,
        "approved_benefit_fen: at most the computed benefit of 80000 fen",
    )
    await expect_refusal(
        desk.approve(less.claim_id, amount=70_000), CODE.INVALID_ARGUMENT, "reason: is required"
    )
    done = await desk.approve(less.claim_id, amount=70_000, reason="excluded items")
    assert (done.approved_benefit_fen, done.approval_reason) == (70_000, "excluded items")


@sqlite_only
async def test_pool_down_to_the_overdraft_and_not_one_fen_further(ledger):
    await enroll(ledger, ["M1", "M2"])
    await ledger.stub.OpenProgram(pool_request(overdraft=10_000))
    desk = Desk(ledger)
    await desk.maker.RecordContribution(contribution("c1"))
    first = await desk.approved("f1", self_paid=self_paid_for(22_000))
    await desk.pay(first.claim_id)
    pool = await ledger.stub.GetPool(
        ledger_pb2.GetPoolRequest(program_code="MED_AID", fiscal_year=2026)
    )
    assert (pool.balance_fen, pool.available_fen) == (-10_000, 0)
    await desk.maker.RecordContribution(contribution("c2", member="M2"))
    second = await desk.approved("f2", member="M2", self_paid=self_paid_for(12_001))
    before = await settled_state(ledger)
    await expect_refusal(
        desk.pay(second.claim_id), CODE.FAILED_PRECONDITION, "would leave -10001 fen"
    )
    assert await settled_state(ledger) == before


@sqlite_only
async def test_duplicate_bill_and_replays(desk):
    ledger = desk.ledger
    first = await desk.file("f1", bill_ref="INV-77")
    again = await desk.file("f1", bill_ref="INV-77")
    assert again.replayed and again.claim_id == first.claim_id
    before = await settled_state(ledger)
    await expect_refusal(
        desk.file("f2", member="M2", bill_ref="inv-77"),
        CODE.ALREADY_EXISTS,
        "bill_ref",
        first.claim_id,
    )
    await expect_refusal(desk.file("f1", bill_ref="INV-78"), CODE.ALREADY_EXISTS, "request_id")
    assert await settled_state(ledger) == before
    # decisions and payments replay on their request ids
    await desk.review(first.claim_id, rid="rv")
    replay = await desk.review(first.claim_id, rid="rv")
    assert replay.replayed and replay.state == ledger_pb2.CLAIM_STATE_UNDER_REVIEW
    await desk.approve(first.claim_id)
    small = await desk.approved("f3", member="M3", self_paid=60_000)
    paid = await desk.pay(small.claim_id, rid="pay")
    repaid = await desk.pay(small.claim_id, rid="pay")
    assert repaid.replayed and repaid.payout_entry_id == paid.payout_entry_id
    before = await settled_state(ledger)
    await expect_refusal(
        desk.pay(small.claim_id, rid="pay", date="2026-04-02"), CODE.ALREADY_EXISTS, "request_id"
    )
    await expect_refusal(
        ledger.stub.PostPayout(payout("pay", code="MED_AID")), CODE.ALREADY_EXISTS, "request_id"
    )
    await expect_refusal(
        ledger.stub.ReversePayout(
            ledger_pb2.ReversePayoutRequest(
                request_id="rev",
                entry_id=paid.payout_entry_id,
                reason=ledger_pb2.REVERSAL_REASON_OTHER,
            )
        ),
        CODE.FAILED_PRECONDITION,
        "a claim payout cannot be reversed",
    )
    assert await settled_state(ledger) == before
    # contributions in a batch: all or nothing, and replayed
    rows = [contribution(f"b{m}", member=m) for m in ("M4", "M5")]
    bad = [*rows, contribution("bx", member="M1")]
    await expect_refusal(
        desk.maker.RecordContributions(ledger_pb2.RecordContributionsRequest(contributions=bad)),
        CODE.FAILED_PRECONDITION,
        "contributions[2]: member_id: member M1 is already enrolled",
    )
    assert await settled_state(ledger) == before
    done = await desk.maker.RecordContributions(
        ledger_pb2.RecordContributionsRequest(contributions=rows)
    )
    redo = await desk.maker.RecordContributions(
        ledger_pb2.RecordContributionsRequest(contributions=rows)
    )
    assert (done.replayed_count, redo.replayed_count) == (0, 2)
    assert [c.entry_id for c in redo.contributions] == [c.entry_id for c in done.contributions]
    account = await ledger.stub.ListMemberEntries(
        ledger_pb2.ListMemberEntriesRequest(member_id="M4")
    )
    assert [e.kind for e in account.entries] == [ledger_pb2.ENTRY_KIND_CONTRIBUTION]
    assert account.entries[0].period_id == "2026"


@sqlite_only
async def test_bad_input_names_the_field_and_writes_nothing(desk):
    ledger = desk.ledger
    stub = ledger.stub
    claim = await desk.file("f1")
    before = await settled_state(ledger)
    unknown = "6f1c0d4e-0000-5000-8000-000000000000"
    cid = claim.claim_id
    L = ledger_pb2
    INVALID, MISSING, PRECONDITION = CODE.INVALID_ARGUMENT, CODE.NOT_FOUND, CODE.FAILED_PRECONDITION

    def contrib(**fields: object) -> L.RecordContributionRequest:
        return contribution(str(fields.pop("rid", "x")), member="M4", **fields)

    cases = [
        (stub.RecordContribution(contrib(rid="")), INVALID, "request_id"),
        (stub.RecordContribution(contrib(amount=0)), INVALID, "amount_fen"),
        (stub.RecordContribution(contrib(period_id="a b")), INVALID, "period_id"),
        (stub.RecordContribution(contrib(effective_date="2026-13-01")), INVALID, "effective_date"),
        (stub.RecordContribution(contrib(period_id="2027")), MISSING, "period_id"),
        (stub.RecordContribution(contrib(amount=100)), PRECONDITION, "amount_fen"),
        (stub.RecordContribution(contrib(code="NOPE")), MISSING, "program_code"),
        (stub.RecordContributions(L.RecordContributionsRequest()), INVALID, "contributions"),
        (
            stub.RecordContributions(
                L.RecordContributionsRequest(contributions=[contrib(member_id="bad id")])
            ),
            INVALID,
            "contributions[0]: member_id",
        ),
        (stub.FileClaim(claim_request("x7", category="")), INVALID, "category"),
        (stub.FileClaim(claim_request("x8", category="DENTAL")), PRECONDITION, "category"),
        (stub.FileClaim(claim_request("x9", self_paid=0)), INVALID, "self_paid_fen"),
        (stub.FileClaim(claim_request("x10", insurance_covered_fen=10**9)), INVALID, "self_paid"),
        (stub.FileClaim(claim_request("x11", hospital="")), INVALID, "hospital"),
        (stub.FileClaim(claim_request("x12", incident="2026-02-30")), INVALID, "incident_date"),
        (stub.FileClaim(claim_request("x13", incident="2026-01-15")), PRECONDITION, "incident"),
        (stub.FileClaim(claim_request("x14", member="M4")), PRECONDITION, "member_id"),
        (stub.FileClaim(claim_request("x15", document_refs=["x" * 300])), INVALID, "document_refs"),
        (stub.GetClaim(L.GetClaimRequest(claim_id="nope")), INVALID, "claim_id"),
        (stub.GetClaim(L.GetClaimRequest(claim_id=unknown)), MISSING, "claim_id"),
        (stub.StartReview(L.StartReviewRequest(request_id="x16")), INVALID, "claim_id"),
        (
            stub.StartReview(L.StartReviewRequest(request_id="x", claim_id=unknown)),
            MISSING,
            "claim",
        ),
        (stub.ApproveClaim(L.ApproveClaimRequest(claim_id=cid)), INVALID, "request_id"),
        (
            stub.ApproveClaim(
                L.ApproveClaimRequest(request_id="x18", claim_id=cid, approved_benefit_fen=-1)
            ),
            INVALID,
            "approved_benefit_fen",
        ),
        (stub.RejectClaim(L.RejectClaimRequest(request_id="x19", claim_id=cid)), INVALID, "reason"),
        (
            stub.RejectClaim(L.RejectClaimRequest(request_id="x20", claim_id=cid, reason=99)),
            INVALID,
            "reason",
        ),
        (
            stub.WithdrawClaim(L.WithdrawClaimRequest(request_id="x21", claim_id=cid, note="\x00")),
            INVALID,
            "note",
        ),
        (
            stub.PayClaim(L.PayClaimRequest(request_id="x22", claim_id=cid)),
            INVALID,
            "effective_date",
        ),
        (stub.GetPool(L.GetPoolRequest(program_code="MED_AID")), INVALID, "fiscal_year"),
        (
            stub.GetPool(L.GetPoolRequest(program_code="WINTER_WARMTH", fiscal_year=2026)),
            MISSING,
            "program_code",
        ),
        (stub.ListClaims(L.ListClaimsRequest(member_id="bad id")), INVALID, "member_id"),
        (stub.ListClaims(L.ListClaimsRequest(state=42)), INVALID, "state"),
        (
            stub.ListClaims(L.ListClaimsRequest(page=common_pb2.PageRequest(page_size=501))),
            INVALID,
            "page.page_size",
        ),
        (stub.OpenProgram(pool_request(code="BAD_POOL", categories=[])), INVALID, "categories"),
        (
            stub.OpenProgram(open_request(code="BAD_AID", mutual_aid=L.MutualAidRules())),
            INVALID,
            "mutual_aid",
        ),
        (
            stub.OpenProgram(open_request(code="BAD_EMERGENCY", emergency=L.EmergencyRules())),
            INVALID,
            "emergency.verify_within_days",
        ),
        (
            stub.OpenProgram(
                open_request(
                    code="BAD_SECOND",
                    secondary_aid=L.SecondaryAidRules(mutual_aid_program_code="x"),
                )
            ),
            INVALID,
            "secondary_aid.mutual_aid_program_code",
        ),
    ]
    for call, code, field in cases:
        details = await expect_refusal(call, code, field)
        assert "internal" not in details.lower()
    assert await settled_state(ledger) == before


@sqlite_only
async def test_every_ledger_event_carries_its_caller(ledger):
    await enroll(ledger, ["M1"])
    admin, poster = ledger.keys.admin, ledger.keys.poster
    await ledger.stub.OpenProgram(open_request(cap=500_000))
    entry = await ledger.stub_for(poster).PostPayout(payout("r1"))
    assert entry.actor == key_id(poster)
    await ledger.stub_for(poster).ReversePayout(
        ledger_pb2.ReversePayoutRequest(
            request_id="rev1", entry_id=entry.entry_id, reason=ledger_pb2.REVERSAL_REASON_OTHER
        )
    )
    await ledger.stub.CloseProgram(
        ledger_pb2.CloseProgramRequest(code="WINTER_WARMTH", fiscal_year=2026)
    )
    envelopes = await envelopes_of(ledger)
    assert [(e.event_type, e.actor) for e in envelopes] == [
        ("ProgramOpened", key_id(admin)),
        ("PayoutPosted", key_id(poster)),
        ("PayoutReversed", key_id(poster)),
        ("ProgramClosed", key_id(admin)),
    ]
    messages = (
        events_pb2.ProgramOpened(),
        events_pb2.PayoutPosted(),
        events_pb2.PayoutReversed(),
        events_pb2.ProgramClosed(),
    )
    for envelope, message in zip(envelopes, messages, strict=True):
        assert envelope.payload.Unpack(message)
        assert message.actor == envelope.actor  # type: ignore[attr-defined]
    # a retry by another caller replays: the actor is not part of the body
    again = await ledger.stub.PostPayout(payout("r1"))
    assert again.replayed and again.actor == key_id(poster)

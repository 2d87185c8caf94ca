"""Mutual aid and emergency aid end to end: the ledger, members and reporting
services with a real nats-server and real gRPC, on SQLite and on PostgreSQL.

Members enrol through the members service; a maker (POSTER) records
contributions (one by one and through the batch path), files and pays claims
and recovers payments; a checker (REVIEWER) reviews, approves, rejects and
verifies. Claims go through every state; emergency aid is paid, verified,
left overdue, and recovered by instalments in part and in full. Then the
reporting service's figures agree with the ledger's own: the pool, the claims
by state and what they paid, each programme's committed amount (net of
recoveries), each member's receipts, the overdue aid; and VerifyLedger (hash
chains, postings summing to zero, the ledger's store against the stream, the
projections rebuilt and compared) passes.
"""

from __future__ import annotations

from collections import Counter

from benefits_platform.protos.benefits.v1 import ledger_pb2, reporting_pb2
from tests.conftest import RunningLedger
from tests.ledger_client import (
    YEAR,
    claim_request,
    contribution,
    emergency_request,
    payout,
    pool_request,
    self_paid_for,
)
from tests.members_fixtures import (
    RunningMembers,
    enrol_request,
    members,
    national_id,
    with_units,
)
from tests.reporting_support import WAIT, RunningReporting, reporting

__all__ = ["members", "reporting", "with_units"]  # fixtures, used by name

MED, AID = "MED_AID", "EMERGENCY"
L, R = ledger_pb2, reporting_pb2
# member -> unit
MEMBERS = {
    "M1": "GD-SZ-NS-0001",
    "M2": "GD-SZ-0100",
    "M3": "GD-GZ-0001",
    "M4": "GD-SZ-NS-0001",
}


async def enrol(members: RunningMembers, ledger: RunningLedger) -> None:
    position = 0
    for i, (member, unit) in enumerate(MEMBERS.items()):
        change = await members.stub.EnrollMember(
            enrol_request(
                member, number=national_id(f"44030519850615{100 + i:03d}"), unit=unit,
                household=f"H-{member}",
            )
        )  # fmt: skip
        position = change.log_position
    assert ledger.server.members_feed is not None
    assert await ledger.server.members_feed.wait_for(position, WAIT)


async def test_reporting_agrees_with_the_ledger_end_to_end(
    ledger: RunningLedger, with_units: RunningMembers, reporting: RunningReporting
) -> None:
    await enrol(with_units, ledger)
    await ledger.stub.OpenProgram(pool_request(MED, overdraft=100_000), timeout=WAIT)
    await ledger.stub.OpenProgram(emergency_request(AID, days=30), timeout=WAIT)
    maker = ledger.stub_for(ledger.keys.poster)
    checker = ledger.stub_for(ledger.keys.reviewer)

    # Contributions: one by one, then the rest as one batch.
    await maker.RecordContribution(contribution("c-M1", member="M1", code=MED), timeout=WAIT)
    await maker.RecordContributions(
        L.RecordContributionsRequest(
            contributions=[contribution(f"c-{m}", member=m, code=MED) for m in ("M2", "M3", "M4")]
        ),
        timeout=WAIT,
    )

    async def filed(rid: str, member: str, benefit: int) -> str:
        claim = await maker.FileClaim(
            claim_request(rid, member=member, self_paid=self_paid_for(benefit), code=MED),
            timeout=WAIT,
        )
        return str(claim.claim_id)

    async def review(claim_id: str) -> None:
        await checker.StartReview(
            L.StartReviewRequest(request_id=f"rv-{claim_id}", claim_id=claim_id), timeout=WAIT
        )

    async def approve(claim_id: str, amount: int = 0) -> L.Claim:
        return await checker.ApproveClaim(
            L.ApproveClaimRequest(
                request_id=f"ok-{claim_id}", claim_id=claim_id, approved_benefit_fen=amount,
                reason="partly covered elsewhere" if amount else "",
            ),
            timeout=WAIT,
        )  # fmt: skip

    # Every state: PAID, WITHDRAWN (after approval), REJECTED, UNDER_REVIEW,
    # FILED, APPROVED.
    paid = await filed("k1", "M1", 20_000)
    await review(paid)
    await approve(paid)
    await maker.PayClaim(
        L.PayClaimRequest(request_id="pay-k1", claim_id=paid, effective_date="2026-04-01"),
        timeout=WAIT,
    )
    withdrawn = await filed("k2", "M2", 30_000)
    await review(withdrawn)
    less = await approve(withdrawn, 25_000)
    assert (less.computed_benefit_fen, less.approved_benefit_fen) == (30_000, 25_000)
    await maker.WithdrawClaim(
        L.WithdrawClaimRequest(request_id="wd-k2", claim_id=withdrawn), timeout=WAIT
    )
    rejected = await filed("k3", "M3", 10_000)
    await review(rejected)
    await checker.RejectClaim(
        L.RejectClaimRequest(
            request_id="rj-k3", claim_id=rejected, reason=L.CLAIM_REJECTION_REASON_NOT_COVERED
        ),
        timeout=WAIT,
    )
    await review(await filed("k4", "M4", 15_000))
    await filed("k5", "M1", 5_000)
    approved = await filed("k6", "M2", 12_000)
    await review(approved)
    await approve(approved)

    # Emergency aid: E1 left unverified (overdue), E2 verified, E3 recovered
    # in part by two instalments, E4 recovered in full by two.
    async def aid(rid: str, member: str, amount: int, date: str) -> str:
        entry = await maker.PostPayout(
            payout(rid, member=member, amount=amount, code=AID, date=date), timeout=WAIT
        )
        return str(entry.entry_id)

    async def recover(rid: str, entry_id: str, amount: int) -> None:
        await maker.RecoverPayment(
            L.RecoverPaymentRequest(
                request_id=rid, entry_id=entry_id, amount_fen=amount, effective_date="2026-05-01"
            ),
            timeout=WAIT,
        )

    e1 = await aid("e1", "M1", 250_000, "2026-03-01")
    e2 = await aid("e2", "M2", 100_000, "2026-03-05")
    await checker.VerifyEmergencyAid(
        L.VerifyEmergencyAidRequest(request_id="v-e2", entry_id=e2, verified_on="2026-03-20"),
        timeout=WAIT,
    )
    e3 = await aid("e3", "M3", 200_000, "2026-04-01")
    await recover("r1-e3", e3, 50_000)
    await recover("r2-e3", e3, 50_000)
    e4 = await aid("e4", "M4", 90_000, "2026-04-10")
    await recover("r1-e4", e4, 45_000)
    await recover("r2-e4", e4, 45_000)

    await reporting.caught_up(ledger)

    # The pool.
    pool = await ledger.stub.GetPool(
        L.GetPoolRequest(program_code=MED, fiscal_year=YEAR), timeout=WAIT
    )
    report = await reporting.stub.GetClaimsReport(
        R.GetClaimsReportRequest(program_code=MED, fiscal_year=YEAR, unit_depth=3), timeout=WAIT
    )
    mine = report.pool
    assert (mine.account, mine.balance_fen, mine.overdraft_fen, mine.available_fen) == (
        pool.account, pool.balance_fen, pool.overdraft_fen, pool.available_fen,
    )  # fmt: skip
    assert (mine.contributed_fen, mine.contribution_count) == (
        pool.contributed_fen, pool.contribution_count,
    )  # fmt: skip
    assert (mine.claims_paid_fen, mine.claims_paid_count) == (
        pool.claims_paid_fen, pool.claims_paid_count,
    )  # fmt: skip
    assert (pool.contributed_fen, pool.claims_paid_fen, pool.balance_fen) == (
        48_000, 20_000, 28_000,
    )  # fmt: skip

    # Claims by state, and what was paid, as the ledger lists them.
    listed = await ledger.stub.ListClaims(
        L.ListClaimsRequest(program_code=MED, fiscal_year=YEAR), timeout=WAIT
    )
    by_state = Counter(c.state for c in listed.claims)
    assert {s.state: s.count for s in report.totals.by_state} == {
        state: by_state.get(state, 0) for state in range(1, 7)
    }
    assert sorted(by_state) == list(range(1, 7)) and set(by_state.values()) == {1}
    assert report.totals.paid_fen == sum(c.paid_fen for c in listed.claims) == 20_000
    assert report.totals.self_paid_fen == sum(c.self_paid_fen for c in listed.claims)
    approved_now = next(s for s in report.totals.by_state if s.state == L.CLAIM_STATE_APPROVED)
    assert approved_now.benefit_fen == sum(
        c.approved_benefit_fen for c in listed.claims if c.state == L.CLAIM_STATE_APPROVED
    )
    assert report.totals.loss_ratio_bp == 4_167  # 20,000 / 48,000
    # By unit: the member's unit on the incident date.
    ns = {u.unit_code: u.totals for u in report.periods[0].units}["GD-SZ-NS"]
    assert (ns.claim_count, ns.paid_fen, ns.contribution_count) == (3, 20_000, 2)

    # Programme totals and members' receipts: the same figures as the ledger's.
    annual = await reporting.report(depth=0)
    programmes = {p.program_code: p for p in annual.programs}
    for code in (MED, AID):
        kept = await ledger.stub.GetProgram(
            L.GetProgramRequest(code=code, fiscal_year=YEAR), timeout=WAIT
        )
        assert programmes[code].committed_fen == kept.committed_fen, code
        assert programmes[code].totals.paid_fen == kept.committed_fen, code
    assert programmes[AID].totals.paid_fen == 640_000 - 190_000  # net of recoveries
    assert programmes[AID].totals.recovered_fen == 190_000
    for member in MEMBERS:
        account = await ledger.stub.GetMemberAccount(
            L.GetMemberAccountRequest(member_id=member), timeout=WAIT
        )
        statement = await reporting.stub.GetMemberStatement(
            R.GetMemberStatementRequest(member_id=member), timeout=WAIT
        )
        assert {(r.program_code, r.received_fen, r.payout_count, r.reversal_count)
                for r in statement.receipts} == {
            (r.program_code, r.received_fen, r.payout_count, r.reversal_count)
            for r in account.receipts
        }, member  # fmt: skip

    # Emergency aid, net of recoveries, and what is overdue.
    (section,) = annual.emergency_aid
    obligations = await ledger.stub.ListEmergencyObligations(
        L.ListEmergencyObligationsRequest(program_code=AID, fiscal_year=YEAR), timeout=WAIT
    )
    assert section.payout_count == len(obligations.obligations) == 4
    assert section.paid_fen == sum(o.paid_fen for o in obligations.obligations)
    assert section.recovered_fen == sum(o.recovered_fen for o in obligations.obligations)
    assert section.net_paid_fen == programmes[AID].totals.paid_fen
    assert section.outstanding_fen == sum(
        o.outstanding_fen
        for o in obligations.obligations
        if o.state == L.EMERGENCY_AID_STATE_UNVERIFIED
    )
    states = Counter(o.state for o in obligations.obligations)
    assert (section.verified_count, section.recovered_in_full_count, section.unverified_count) == (
        states[L.EMERGENCY_AID_STATE_VERIFIED],
        states[L.EMERGENCY_AID_STATE_RECOVERED],
        states[L.EMERGENCY_AID_STATE_UNVERIFIED],
    )
    assert (section.verified_count, section.recovered_in_full_count) == (1, 1)
    for day in ("2026-03-31", "2026-04-01", "2026-05-02", "2026-12-31"):
        theirs = await ledger.stub.ListEmergencyObligations(
            L.ListEmergencyObligationsRequest(overdue_as_of=day), timeout=WAIT
        )
        ours = await reporting.stub.ListOverdueEmergencyAid(
            R.ListOverdueEmergencyAidRequest(as_of_date=day), timeout=WAIT
        )
        assert [(o.payout_entry_id, o.paid_fen, o.recovered_fen, o.outstanding_fen)
                for o in ours.obligations] == [
            (o.payout_entry_id, o.paid_fen, o.recovered_fen, o.outstanding_fen)
            for o in theirs.obligations
        ], day  # fmt: skip
    late = await reporting.stub.ListOverdueEmergencyAid(
        R.ListOverdueEmergencyAidRequest(as_of_date="2026-05-02"), timeout=WAIT
    )
    assert [o.payout_entry_id for o in late.obligations] == [e1, e3]
    assert (late.paid_fen, late.recovered_fen, late.outstanding_fen) == (
        450_000, 100_000, 350_000,
    )  # fmt: skip

    # The audit: chains, postings of contributions, claim payouts and
    # recoveries, the ledger's store against the stream, a rebuild compared.
    verdict = await reporting.verify()
    assert verdict.ok, verdict
    checks = {c.name: c for c in verdict.checks}
    assert not checks["store"].skipped and not checks["projections"].skipped
    # 4 contributions, 1 claim payout, 4 emergency payouts, 4 recoveries.
    assert checks["postings"].checked == 13

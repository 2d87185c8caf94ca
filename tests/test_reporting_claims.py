"""The reporting service's mutual-aid and emergency-aid projections against a
real nats-server and real gRPC, on SQLite and on PostgreSQL: ledger events
published straight onto BENEFITS_LEDGER (as the ledger's relay publishes them,
hash-chained), members events onto BENEFITS_MEMBERS, and the consumers
applying them a few at a time.

- GetClaimsReport: claims by state, paid, average benefit, contributions and
  loss ratio per period and unit (the member's unit on the incident date), and
  the pool, computed by hand;
- the annual report's mutual-aid and emergency-aid sections, programme totals
  net of recoveries, statements with recoveries and claim payouts;
- ListOverdueEmergencyAid on the due-date boundary, paged, by unit;
- "as recorded up to T" recounts equal the running figures and stay the same
  after later events; VerifyLedger (chains, postings of contributions, claim
  payouts and recoveries, projections rebuilt and compared) and a rebuild
  that changes nothing;
- bad input refused naming the field, nothing recorded;
- ``benefits report claims`` and ``benefits report overdue-aid``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.message import Message

from benefits_cli.main import main
from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    events_pb2,
    ledger_pb2,
    reporting_pb2,
)
from benefits_platform.sqlstore import Database
from reporting.adapters.consumers import ConsumerSettings
from reporting.adapters.tables import (
    ALL_TABLES,
    CLAIM_HISTORY,
    CLAIMS,
    CONTRIBUTION_TOTALS,
    CONTRIBUTIONS,
    OBLIGATIONS,
    PERIODS,
    POOLS,
    RULES,
    ProjectionStore,
)
from reporting.entrypoints.converters import canonical_content
from tests.members_feed import enrolled, publish_member_events
from tests.reporting_support import (
    UNITS,
    WAIT,
    YEAR,
    LedgerEvent,
    RunningReporting,
    chained,
    payout_posted,
    publish_ledger_events,
    start_reporting,
    stop_reporting,
    unit_events,
)
from tests.support import NatsServer

MA, EA = "MEDICAL_MUTUAL_AID", "EMERGENCY_AID"
POOL = f"mutual-aid-pool:{MA}:{YEAR}"
FUND = f"programme-fund:{EA}:{YEAR}"
# member -> (unit, household)
MEMBERS = {
    "M1": ("GD-SZ-NS-0001", "H1"),
    "M2": ("GD-SZ-NS-0002", "H2"),
    "M3": ("GD-SZ-FT-0001", "H3"),
    "M4": ("GD-SZ-0100", "H4"),
    "M5": ("GD-SZ-NS-0001", "H1"),
}
R = reporting_pb2
S = ledger_pb2


@pytest.fixture
async def reporting_alone(
    tmp_path: Path, nats_server: NatsServer, store: StoreConfig
) -> AsyncIterator[RunningReporting]:
    """The reporting service on its own (no ledger service: the test publishes
    the ledger's events), applying at most 4 messages per transaction."""
    if not store.is_postgres:
        store = StoreConfig(kind="sqlite", sqlite_path=tmp_path / "reporting" / "events.sqlite")
    config = ServiceConfig(
        service="reporting",
        port=0,
        data_dir=tmp_path,
        nats_url=nats_server.url,
        store=store,
        shutdown_grace_seconds=0.5,
    )
    running = await start_reporting(config, ConsumerSettings(batch=4))
    yield running
    await stop_reporting(running)


# -- the scenario ---------------------------------------------------------------------


class Ledger:
    """Builds the ledger's events of the scenario, each with its basis on the
    members log as it stood."""

    def __init__(self, members_position: int) -> None:
        self.members_position = members_position
        self.events: list[LedgerEvent] = []

    def basis(self, member: str) -> S.EligibilityBasis:
        unit, household = MEMBERS[member]
        return S.EligibilityBasis(
            membership_status="ACTIVE",
            unit_code=unit,
            household_id=household,
            members_position=self.members_position,
        )

    def add(self, aggregate: str, payload: Message, date: str = "") -> None:
        self.events.append((type(payload).__name__, aggregate, payload, date))

    def open(self) -> None:
        self.add(
            "Programme",
            events_pb2.ProgramOpened(
                code=MA, fiscal_year=YEAR, name_zh="职工医疗互助", name_en="Medical mutual aid",
                kind=S.PROGRAM_KIND_MUTUAL_AID, budget_fen=0,
                mutual_aid=S.MutualAidRules(
                    periods=[
                        S.MutualAidPeriod(period_id="2026H1", start_date="2026-01-01",
                                          end_date="2026-06-30"),
                        S.MutualAidPeriod(period_id="2026H2", start_date="2026-07-01",
                                          end_date="2026-12-31"),
                    ],
                    contribution_fen=12_000, overdraft_fen=100_000,
                    categories=[S.CategoryRatio(category="ILLNESS", ratio_bp=7_500)],
                ),
            ),
        )  # fmt: skip
        self.add(
            "Programme",
            events_pb2.ProgramOpened(
                code=EA, fiscal_year=YEAR, name_zh="临时救助", name_en="Emergency aid",
                kind=S.PROGRAM_KIND_AID, budget_fen=10_000_000,
                emergency=S.EmergencyRules(verify_within_days=30),
            ),
        )  # fmt: skip

    def contribution(self, member: str, period: str) -> None:
        date = "2026-01-05" if period == "2026H1" else "2026-07-05"
        entry = f"c-{member}-{period}"
        self.add(
            "Contribution",
            events_pb2.ContributionRecorded(
                entry_id=entry, request_id=entry, member_id=member, program_code=MA,
                fiscal_year=YEAR, period_id=period, amount_fen=12_000, effective_date=date,
                postings=[
                    common_pb2.Posting(account="clearing:contributions", amount_fen=-12_000),
                    common_pb2.Posting(account=f"member:{member}", amount_fen=12_000),
                    common_pb2.Posting(account=f"member:{member}", amount_fen=-12_000),
                    common_pb2.Posting(account=POOL, amount_fen=12_000),
                ],
                basis=self.basis(member),
            ),
            date,
        )  # fmt: skip

    def file(self, claim: str, member: str, period: str, self_paid: int) -> None:
        date = "2026-03-01" if period == "2026H1" else "2026-08-01"
        self.add(
            "Claim",
            events_pb2.ClaimFiled(
                claim_id=claim, request_id=f"file-{claim}", member_id=member, program_code=MA,
                fiscal_year=YEAR, period_id=period, category="ILLNESS", incident_date=date,
                bill_total_fen=self_paid * 3, insurance_covered_fen=self_paid * 2,
                self_paid_fen=self_paid, hospital="H", bill_ref=f"B-{claim}",
                basis=self.basis(member), actor="maker",
            ),
            date,
        )  # fmt: skip

    def review(self, claim: str) -> None:
        self.add("Claim", events_pb2.ClaimReviewStarted(claim_id=claim, actor="checker"))

    def approve(self, claim: str, computed: int, approved: int) -> None:
        self.add(
            "Claim",
            events_pb2.ClaimApproved(
                claim_id=claim, rule_result_fen=computed, computed_benefit_fen=computed,
                approved_benefit_fen=approved, reason="" if approved == computed else "cap",
                actor="checker",
            ),
        )  # fmt: skip

    def pay_claim(self, claim: str, member: str, amount: int) -> None:
        entry = f"pay-{claim}"
        self.payout(entry, member, MA, amount, "2026-04-01", claim_id=claim, funding_account=POOL)
        self.add(
            "Claim",
            events_pb2.ClaimPaid(
                claim_id=claim, request_id=entry, member_id=member, program_code=MA,
                fiscal_year=YEAR, period_id="2026H1", payout_entry_id=entry, amount_fen=amount,
                effective_date="2026-04-01",
            ),
            "2026-04-01",
        )  # fmt: skip

    def payout(self, entry: str, member: str, code: str, amount: int, date: str,
               **extra: str) -> None:  # fmt: skip
        self.events.append(payout_posted(entry, member, code, amount, date, self.basis(member),
                                         **extra))  # fmt: skip

    def emergency(self, entry: str, member: str, amount: int, date: str, due: str) -> None:
        self.payout(entry, member, EA, amount, date)
        self.add(
            "EmergencyObligation",
            events_pb2.EmergencyAidObligationCreated(
                obligation_id=f"o-{entry}", payout_entry_id=entry, request_id=entry,
                member_id=member, program_code=EA, fiscal_year=YEAR, amount_fen=amount,
                effective_date=date, due_date=due,
            ),
            date,
        )  # fmt: skip

    def taken_back(self, entry: str, member: str, amount: int) -> list[common_pb2.Posting]:
        return [
            common_pb2.Posting(account=FUND, amount_fen=amount),
            common_pb2.Posting(account=f"member:{member}", amount_fen=-amount),
            common_pb2.Posting(account=f"member:{member}", amount_fen=amount),
            common_pb2.Posting(account="clearing:disbursement", amount_fen=-amount),
        ]

    def recover(self, entry: str, of: str, member: str, amount: int, instalment: int) -> None:
        self.add(
            "Recovery",
            events_pb2.PaymentRecovered(
                entry_id=entry, request_id=entry, recovers_entry_id=of, member_id=member,
                program_code=EA, fiscal_year=YEAR, amount_fen=-amount,
                effective_date="2026-05-01", instalment=instalment,
                postings=self.taken_back(entry, member, amount),
            ),
            "2026-05-01",
        )  # fmt: skip


def member_events() -> list[tuple[str, Message, str]]:
    return [
        *unit_events(UNITS),
        *(enrolled(m, unit=u, household=h) for m, (u, h) in MEMBERS.items()),
    ]


async def scenario(running: RunningReporting) -> int:
    """Members and the ledger's events of the scenario (see the figures in
    test_claims_report_figures); returns the ledger's last position."""
    url = running.config.nats_url
    members_position = await publish_member_events(url, member_events())
    position = await publish_ledger_events(url, ledger_events(members_position))
    await caught_up(running, position)
    return position


def ledger_events(members_position: int) -> list[LedgerEvent]:
    ledger = Ledger(members_position)
    ledger.open()
    for member in MEMBERS:
        ledger.contribution(member, "2026H1")
    ledger.contribution("M1", "2026H2")
    ledger.file("K1", "M1", "2026H1", 80_000)
    ledger.file("K2", "M3", "2026H1", 30_000)
    ledger.file("K3", "M4", "2026H1", 5_000)
    ledger.review("K1")
    ledger.approve("K1", 60_000, 60_000)
    ledger.review("K2")
    ledger.approve("K2", 27_000, 25_000)
    ledger.review("K3")
    ledger.add("Claim", events_pb2.ClaimRejected(
        claim_id="K3", reason=S.CLAIM_REJECTION_REASON_NOT_COVERED))  # fmt: skip
    ledger.pay_claim("K1", "M1", 60_000)
    ledger.file("K4", "M5", "2026H2", 10_000)
    ledger.add("Claim", events_pb2.ClaimWithdrawn(
        claim_id="K2", previous_state=S.CLAIM_STATE_APPROVED))  # fmt: skip
    # Emergency aid: E1 unverified, E2 verified, E3 recovered in part by two
    # instalments, E4 reversed.
    ledger.emergency("E1", "M2", 250_000, "2026-03-01", "2026-03-31")
    ledger.emergency("E2", "M3", 100_000, "2026-03-05", "2026-04-04")
    ledger.add("EmergencyObligation", events_pb2.EmergencyAidVerified(
        obligation_id="o-E2", payout_entry_id="E2", member_id="M3", program_code=EA,
        fiscal_year=YEAR, verified_on="2026-03-20"), "2026-03-20")  # fmt: skip
    ledger.emergency("E3", "M4", 200_000, "2026-04-01", "2026-05-01")
    ledger.recover("R1", "E3", "M4", 50_000, 1)
    ledger.recover("R2", "E3", "M4", 50_000, 2)
    ledger.emergency("E4", "M5", 80_000, "2026-04-10", "2026-05-10")
    ledger.add(
        "Reversal",
        events_pb2.PayoutReversed(
            entry_id="X4", request_id="X4", reverses_entry_id="E4", member_id="M5",
            program_code=EA, fiscal_year=YEAR, amount_fen=-80_000, effective_date="2026-04-12",
            reason=S.REVERSAL_REASON_INELIGIBLE, postings=ledger.taken_back("X4", "M5", 80_000),
        ),
        "2026-04-12",
    )  # fmt: skip
    return ledger.events


async def caught_up(running: RunningReporting, position: int) -> None:
    projections = running.server.projections
    assert projections is not None
    assert await projections.wait_for_position("ledger", position, WAIT), projections.position(
        "ledger"
    )


def claims_report(**fields: object) -> R.GetClaimsReportRequest:
    return R.GetClaimsReportRequest(program_code=MA, fiscal_year=YEAR, **fields)  # type: ignore[arg-type]


def totals(t: R.ClaimsTotals) -> tuple[int, ...]:
    """(claims, self-paid, paid count, paid, average, contributions, contributed, loss bp)."""
    return (t.claim_count, t.self_paid_fen, t.paid_count, t.paid_fen, t.average_benefit_fen,
            t.contribution_count, t.contributions_fen, t.loss_ratio_bp)  # fmt: skip


def states(t: R.ClaimsTotals) -> dict[str, tuple[int, int, int]]:
    return {
        S.ClaimState.Name(s.state).removeprefix("CLAIM_STATE_"): (
            s.count, s.self_paid_fen, s.benefit_fen)
        for s in t.by_state
        if s.count
    }  # fmt: skip


# -- tests ------------------------------------------------------------------------------


async def test_claims_report_figures(reporting_alone: RunningReporting) -> None:
    position = await scenario(reporting_alone)
    report = await reporting_alone.stub.GetClaimsReport(claims_report(unit_depth=3), timeout=WAIT)

    # K1 paid 60,000 of 80,000 self-paid; K2 approved then withdrawn; K3
    # rejected; K4 (second half) filed. Six contributions of 120 yuan.
    assert totals(report.totals) == (4, 125_000, 1, 60_000, 60_000, 6, 72_000, 8_333)
    assert states(report.totals) == {
        "FILED": (1, 10_000, 0),
        "REJECTED": (1, 5_000, 0),
        "WITHDRAWN": (1, 30_000, 0),
        "PAID": (1, 80_000, 60_000),
    }
    assert [s.state for s in report.totals.by_state] == list(range(1, 7))  # every state, in order
    h1, h2 = report.periods
    assert (h1.period_id, h1.start_date, h1.end_date) == ("2026H1", "2026-01-01", "2026-06-30")
    assert totals(h1.totals) == (3, 115_000, 1, 60_000, 60_000, 5, 60_000, 10_000)
    assert totals(h2.totals) == (1, 10_000, 0, 0, 0, 1, 12_000, 0)
    assert (report.pool.account, report.pool.contributed_fen, report.pool.claims_paid_fen) == (
        POOL, 72_000, 60_000,
    )  # fmt: skip
    assert (report.pool.balance_fen, report.pool.overdraft_fen, report.pool.available_fen) == (
        12_000, 100_000, 112_000,
    )  # fmt: skip
    assert {p.source: p.position for p in report.built_from}["ledger"] == position

    # By unit: the district GD-SZ-NS holds M1, M2 and M5 (K1 paid there).
    units = {u.unit_code: totals(u.totals) for u in h1.units}
    assert units["GD-SZ-NS"] == (1, 80_000, 1, 60_000, 60_000, 3, 36_000, 16_667)
    assert units["GD-SZ-FT"] == (1, 30_000, 0, 0, 0, 1, 12_000, 0)
    assert units["GD-SZ-0100"] == (1, 5_000, 0, 0, 0, 1, 12_000, 0)
    assert [u.unit_code for u in h1.units] == ["GD", "GD-SZ", "GD-SZ-0100", "GD-SZ-FT", "GD-SZ-NS"]

    # One period, one unit subtree.
    district = await reporting_alone.stub.GetClaimsReport(
        claims_report(period_id="2026H1", unit_code="GD-SZ-NS", unit_depth=1), timeout=WAIT
    )
    assert [p.period_id for p in district.periods] == ["2026H1"]
    assert totals(district.totals) == units["GD-SZ-NS"]
    assert [u.unit_code for u in district.periods[0].units] == ["GD-SZ-NS-0001", "GD-SZ-NS-0002"]
    assert district.pool == report.pool  # the pool is programme-wide


async def test_annual_report_sections_and_statements(reporting_alone: RunningReporting) -> None:
    await scenario(reporting_alone)
    annual = await reporting_alone.stub.GetAnnualReport(
        R.GetAnnualReportRequest(fiscal_year=YEAR, unit_depth=1), timeout=WAIT
    )
    (mutual,) = annual.mutual_aid
    assert mutual.program_code == MA and totals(mutual.totals)[:4] == (4, 125_000, 1, 60_000)
    assert not mutual.periods[0].units and not mutual.built_from
    (aid,) = annual.emergency_aid
    assert (aid.program_code, aid.verify_within_days) == (EA, 30)
    assert (aid.payout_count, aid.paid_fen, aid.recovery_count, aid.recovered_fen) == (
        4, 630_000, 2, 100_000,
    )  # fmt: skip
    assert (aid.reversed_count, aid.reversed_fen, aid.net_paid_fen) == (1, 80_000, 450_000)
    assert (aid.verified_count, aid.recovered_in_full_count) == (1, 0)
    assert (aid.unverified_count, aid.outstanding_fen) == (2, 350_000)
    assert (aid.overdue_at_year_end_count, aid.overdue_at_year_end_fen) == (2, 350_000)

    programmes = {p.program_code: p.totals for p in annual.programs}
    emergency = programmes[EA]
    # Net of the reversal and the recoveries; the recovered payout still counts.
    assert (emergency.paid_fen, emergency.payout_fen, emergency.reversal_fen) == (
        450_000, 630_000, 80_000,
    )  # fmt: skip
    assert (emergency.recovered_fen, emergency.person_times, emergency.members) == (
        100_000, 3, 3,
    )  # fmt: skip
    assert (programmes[MA].paid_fen, programmes[MA].person_times) == (60_000, 1)
    assert annual.totals.recovered_fen == 100_000
    assert sum(m.paid_fen for m in annual.months) == annual.totals.paid_fen == 510_000

    statement = await reporting_alone.stub.GetMemberStatement(
        R.GetMemberStatementRequest(member_id="M4"), timeout=WAIT
    )
    lines = [(line.entry_id, line.kind, line.amount_fen, line.recovers_entry_id,
              line.running_received_fen, line.running_contributed_fen)
             for line in statement.lines]  # fmt: skip
    # The contribution is paid in: negative, and counted apart from what was received.
    assert lines == [
        ("c-M4-2026H1", S.ENTRY_KIND_CONTRIBUTION, -12_000, "", 0, 12_000),
        ("E3", S.ENTRY_KIND_PAYOUT, 200_000, "", 200_000, 12_000),
        ("R1", S.ENTRY_KIND_RECOVERY, -50_000, "E3", 150_000, 12_000),
        ("R2", S.ENTRY_KIND_RECOVERY, -50_000, "E3", 100_000, 12_000),
    ]
    assert statement.lines[0].period_id == "2026H1" and statement.line_count == 4
    assert not any(line.reverses_entry_id or line.reversed_by_entry_id for line in statement.lines)
    m1 = await reporting_alone.stub.GetMemberStatement(
        R.GetMemberStatementRequest(member_id="M1"), timeout=WAIT
    )
    assert [(line.entry_id, line.claim_id, line.running_program_fen, line.running_contributed_fen)
            for line in m1.lines] == [
        ("c-M1-2026H1", "", 0, 12_000),
        ("c-M1-2026H2", "", 0, 24_000),
        ("pay-K1", "K1", 60_000, 24_000),
    ]  # fmt: skip
    # Another year's statement holds none of them.
    other = await reporting_alone.stub.GetMemberStatement(
        R.GetMemberStatementRequest(member_id="M1", fiscal_year=YEAR + 1), timeout=WAIT
    )
    assert other.line_count == 0

    # The auditors' stream: a claim's later events, an obligation and its
    # verification count under the unit of the claim, of the payout.
    events = [
        e
        async for e in reporting_alone.stub.StreamEvents(
            R.StreamEventsRequest(unit_code="GD-SZ-FT"), timeout=WAIT
        )
    ]
    assert [e.envelope.event_type for e in events] == [
        "ContributionRecorded", "ClaimFiled", "ClaimReviewStarted", "ClaimApproved",
        "ClaimWithdrawn", "PayoutPosted", "EmergencyAidObligationCreated", "EmergencyAidVerified",
    ]  # fmt: skip
    assert {e.unit_code for e in events} == {"GD-SZ-FT-0001"}


async def test_overdue_emergency_aid(reporting_alone: RunningReporting) -> None:
    await scenario(reporting_alone)

    async def overdue(day: str, **fields: object) -> R.ListOverdueEmergencyAidResponse:
        request = R.ListOverdueEmergencyAidRequest(as_of_date=day, **fields)  # type: ignore[arg-type]
        return await reporting_alone.stub.ListOverdueEmergencyAid(request, timeout=WAIT)

    def rows(found: R.ListOverdueEmergencyAidResponse) -> list[tuple[object, ...]]:
        return [(o.payout_entry_id, o.unit_code, o.days_overdue, o.paid_fen, o.recovered_fen,
                 o.instalments, o.outstanding_fen) for o in found.obligations]  # fmt: skip

    assert rows(await overdue("2026-03-31")) == []  # E1 is due that day
    on_day_after = await overdue("2026-04-01")
    assert rows(on_day_after) == [("E1", "GD-SZ-NS-0002", 1, 250_000, 0, 0, 250_000)]
    # E2 verified, E4 reversed: never overdue; E3 past due with two instalments back.
    later = await overdue("2026-05-02")
    assert rows(later) == [
        ("E1", "GD-SZ-NS-0002", 32, 250_000, 0, 0, 250_000),
        ("E3", "GD-SZ-0100", 1, 200_000, 100_000, 2, 100_000),
    ]
    assert (later.total_count, later.paid_fen, later.recovered_fen, later.outstanding_fen) == (
        2, 450_000, 100_000, 350_000,
    )  # fmt: skip
    assert later.obligations[1].due_date == "2026-05-01" and later.as_of_date == "2026-05-02"

    first = await overdue("2026-05-02", page=common_pb2.PageRequest(page_size=1))
    assert rows(first) == rows(later)[:1] and first.next_page_token == "1"
    assert first.total_count == 2  # across pages
    second = await overdue(
        "2026-05-02", page=common_pb2.PageRequest(page_size=1, page_token="1")
    )
    assert rows(second) == rows(later)[1:] and not second.next_page_token

    district = await overdue("2026-05-02", unit_code="GD-SZ-NS")
    assert [o.payout_entry_id for o in district.obligations] == ["E1"]
    assert rows(await overdue("2026-05-02", program_code=EA, fiscal_year=YEAR)) == rows(later)
    assert rows(await overdue("2026-05-02", program_code=MA)) == []


async def test_as_of_recounts_equal_the_running_figures_and_stay_put(
    reporting_alone: RunningReporting,
) -> None:
    await scenario(reporting_alone)
    stub = reporting_alone.stub
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for request in (claims_report(unit_depth=4), claims_report(unit_code="GD-SZ", unit_depth=1)):
        current = await stub.GetClaimsReport(request, timeout=WAIT)
        request.as_of.FromDatetime(tomorrow)
        recount = await stub.GetClaimsReport(request, timeout=WAIT)
        for report in (current, recount):
            report.ClearField("as_of")
            report.ClearField("built_from")
            report.ClearField("generated_at")
        assert recount == current
    annual = R.GetAnnualReportRequest(fiscal_year=YEAR, unit_depth=4)
    running = await stub.GetAnnualReport(annual, timeout=WAIT)
    annual.as_of.FromDatetime(tomorrow)
    recounted = await stub.GetAnnualReport(annual, timeout=WAIT)
    recounted.ClearField("as_of")
    assert canonical_content(recounted) == canonical_content(running)

    # As recorded up to now, again after more events: figure for figure.
    cut = dt.datetime.now(dt.UTC)
    annual.as_of.FromDatetime(cut)
    before = await stub.GetAnnualReport(annual, timeout=WAIT)
    claims_before = await stub.GetClaimsReport(claims_report(as_of=cut), timeout=WAIT)
    ledger = Ledger({p.source: p.position for p in before.built_from}["members"])
    ledger.file("K5", "M2", "2026H2", 7_000)
    ledger.contribution("M2", "2026H2")
    ledger.add("EmergencyObligation", events_pb2.EmergencyAidVerified(
        obligation_id="o-E1", payout_entry_id="E1", member_id="M2", program_code=EA,
        fiscal_year=YEAR, verified_on="2026-06-01"), "2026-06-01")  # fmt: skip
    ledger.recover("R9", "E3", "M4", 10_000, 3)
    await caught_up(
        reporting_alone, await publish_ledger_events(reporting_alone.config.nats_url, ledger.events)
    )
    after = await stub.GetAnnualReport(annual, timeout=WAIT)
    assert after.content_sha256 == before.content_sha256
    claims_after = await stub.GetClaimsReport(claims_report(as_of=cut), timeout=WAIT)
    for report in (claims_before, claims_after):
        report.ClearField("built_from")
        report.ClearField("generated_at")
    assert claims_after == claims_before
    now = await stub.GetClaimsReport(claims_report(), timeout=WAIT)
    assert (now.totals.contribution_count, now.pool.contributed_fen) == (7, 84_000)
    assert now.totals.claim_count == 5 and claims_before.totals.claim_count == 4
    current = await stub.GetAnnualReport(R.GetAnnualReportRequest(fiscal_year=YEAR), timeout=WAIT)
    (aid,) = current.emergency_aid
    assert (aid.verified_count, aid.recovered_fen, aid.unverified_count) == (2, 110_000, 1)


async def test_the_audit_passes_and_a_rebuild_changes_nothing(
    reporting_alone: RunningReporting,
) -> None:
    await scenario(reporting_alone)
    verdict = await reporting_alone.verify(ledger_store="none")
    assert verdict.ok, verdict
    found = {c.name: c for c in verdict.checks}
    # 6 contributions, 5 payouts (one claim payout), 1 reversal, 2 recoveries.
    assert found["postings"].checked == 14
    assert found["projections"].checked > 0 and not found["projections"].skipped

    before = await reporting_alone.report(depth=4)
    claims_before = await reporting_alone.stub.GetClaimsReport(
        claims_report(unit_depth=4), timeout=WAIT
    )
    async for _reply in reporting_alone.stub.RebuildProjections(
        R.RebuildProjectionsRequest(), timeout=WAIT * 4
    ):
        pass
    after = await reporting_alone.report(depth=4)
    assert after.content_sha256 == before.content_sha256
    claims_after = await reporting_alone.stub.GetClaimsReport(
        claims_report(unit_depth=4), timeout=WAIT
    )
    for report in (claims_before, claims_after):
        report.ClearField("generated_at")
    assert claims_after == claims_before


async def test_a_contribution_that_moves_the_pool_by_another_amount_is_named(
    reporting_alone: RunningReporting,
) -> None:
    members_position = await publish_member_events(
        reporting_alone.config.nats_url, [*unit_events(UNITS), enrolled("M1", unit="GD-SZ")]
    )
    ledger = Ledger(members_position)
    ledger.open()
    ledger.add(
        "Contribution",
        events_pb2.ContributionRecorded(
            entry_id="bad", member_id="M1", program_code=MA, fiscal_year=YEAR,
            period_id="2026H1", amount_fen=12_000, effective_date="2026-01-05",
            postings=[common_pb2.Posting(account="clearing:contributions", amount_fen=-1_000),
                      common_pb2.Posting(account=POOL, amount_fen=1_000)],
        ),
        "2026-01-05",
    )  # fmt: skip
    position = await publish_ledger_events(reporting_alone.config.nats_url, ledger.events)
    await caught_up(reporting_alone, position)
    verdict = await reporting_alone.verify(ledger_store="none", skip_projections=True)
    first = verdict.first_discrepancy
    assert (first.kind, first.position, first.expected, first.actual) == (
        "postings-amount", position, "12000", "1000",
    )  # fmt: skip


def store_at(path: Path) -> ProjectionStore:
    return ProjectionStore(Database(StoreConfig(kind="sqlite", sqlite_path=path), path))


def messages(envelopes: list[events_pb2.EventEnvelope]) -> list[tuple[bytes, int]]:
    """(bytes, stream sequence) as a consumer hands them to the store."""
    return [(e.SerializeToString(), seq) for seq, e in enumerate(envelopes, 1)]


def tables(store: ProjectionStore) -> list[list[tuple[object, ...]]]:
    return [list(store.rows(table)) for table in ALL_TABLES]


def test_redelivered_and_failed_batches_count_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Straight into the projection store: the scenario's ledger events in
    batches of three, each delivered twice and overlapping the one before,
    and one batch whose transaction fails after writing; the tables equal
    those of one batch of everything."""
    members = messages(chained("members", [(t, "Member", p, d) for t, p, d in member_events()]))
    ledger = messages(chained("ledger", ledger_events(len(members))))
    whole = store_at(tmp_path / "whole.sqlite")
    whole.apply("members", members)
    assert whole.apply("ledger", ledger).applied == len(ledger)
    cut = store_at(tmp_path / "cut.sqlite")
    cut.apply("members", members)
    real = ProjectionStore._write_claims

    def write_then_fail(cur: object, changes: object) -> None:
        real(cur, changes)  # type: ignore[arg-type]
        raise RuntimeError("the database went away after writing")

    for start in range(0, len(ledger), 3):
        if start == 12:  # claims, approvals and a payout: fails once, then goes through
            before = tables(cut)
            monkeypatch.setattr(ProjectionStore, "_write_claims", staticmethod(write_then_fail))
            with pytest.raises(RuntimeError):
                cut.apply("ledger", ledger[start : start + 3])
            assert tables(cut) == before
            monkeypatch.setattr(ProjectionStore, "_write_claims", staticmethod(real))
        cut.apply("ledger", ledger[max(0, start - 2) : start + 3])
        again = cut.apply("ledger", ledger[start : start + 3])
        assert again.applied == 0
    assert tables(cut) == tables(whole)
    claims_tables = (RULES, PERIODS, CONTRIBUTIONS, CONTRIBUTION_TOTALS, POOLS, CLAIMS,
                     CLAIM_HISTORY, OBLIGATIONS)  # fmt: skip
    assert all(list(whole.rows(table)) for table in claims_tables)
    whole.close()
    cut.close()


INVALID, MISSING = "INVALID_ARGUMENT", "NOT_FOUND"


@pytest.mark.parametrize(
    ("call", "request_", "code", "field"),
    [
        ("GetClaimsReport", R.GetClaimsReportRequest(fiscal_year=YEAR), INVALID, "program_code"),
        ("GetClaimsReport", R.GetClaimsReportRequest(program_code=MA, fiscal_year=1999),
         INVALID, "fiscal_year"),
        ("GetClaimsReport", claims_report(unit_depth=5), INVALID, "unit_depth"),
        ("GetClaimsReport", R.GetClaimsReportRequest(program_code="NOPE", fiscal_year=YEAR),
         MISSING, "program_code"),
        ("GetClaimsReport", R.GetClaimsReportRequest(program_code=EA, fiscal_year=YEAR),
         INVALID, "program_code"),
        ("GetClaimsReport", claims_report(period_id="2026Q3"), MISSING, "period_id"),
        ("GetClaimsReport", claims_report(unit_code="NOPE"), MISSING, "unit_code"),
        ("ListOverdueEmergencyAid", R.ListOverdueEmergencyAidRequest(), INVALID, "as_of_date"),
        ("ListOverdueEmergencyAid", R.ListOverdueEmergencyAidRequest(as_of_date="2026-02-30"),
         INVALID, "as_of_date"),
        ("ListOverdueEmergencyAid",
         R.ListOverdueEmergencyAidRequest(as_of_date="2026-05-01", fiscal_year=99),
         INVALID, "fiscal_year"),
        ("ListOverdueEmergencyAid",
         R.ListOverdueEmergencyAidRequest(as_of_date="2026-05-01", program_code="NOPE"),
         MISSING, "program_code"),
        ("ListOverdueEmergencyAid",
         R.ListOverdueEmergencyAidRequest(as_of_date="2026-05-01", unit_code="NOPE"),
         MISSING, "unit_code"),
        ("ListOverdueEmergencyAid",
         R.ListOverdueEmergencyAidRequest(as_of_date="2026-05-01",
                                          page=common_pb2.PageRequest(page_size=9999)),
         INVALID, "page.page_size"),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_naming_the_field(
    reporting_alone: RunningReporting, call: str, request_: Message, code: str, field: str
) -> None:
    await scenario(reporting_alone)
    app = reporting_alone.server.app
    assert app is not None
    recorded = app.recorder.max_notification_id()
    positions = app.store.positions()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await getattr(reporting_alone.stub, call)(request_, timeout=WAIT)
    assert refused.value.code().name == code
    assert (refused.value.details() or "").startswith(field), refused.value.details()
    # Nothing recorded: no event in the service's store, the projections where they were.
    assert app.recorder.max_notification_id() == recorded
    assert app.store.positions() == positions


async def test_report_claims_and_overdue_aid_commands(
    reporting_alone: RunningReporting, capsys: pytest.CaptureFixture[str]
) -> None:
    await scenario(reporting_alone)

    async def cli(*argv: str) -> tuple[int, str, str]:
        args = ["--api-key", reporting_alone.keys.admin, *argv,
                "--reporting", reporting_alone.server.address]  # fmt: skip
        code = await asyncio.to_thread(main, args)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = await cli("report", "claims", MA, "--year", str(YEAR), "--unit", "GD-SZ",
                               "--depth", "1")  # fmt: skip
    assert code == 0, err
    assert "职工医疗互助：受理申请4件，赔付1人次0.06万元，缴费6人次0.07万元，赔付率83.33%" in out  # noqa: RUF001
    assert "mutual-aid-pool:MEDICAL_MUTUAL_AID:2026" in out and "120.00 元" in out
    assert "已赔付 paid" in out and "GD-SZ-NS工会 (GD-SZ-NS)" in out and "16.66%" not in out
    assert "166.67%" in out  # the district's loss ratio: 600 / 360 yuan
    code, out, _err = await cli("--json", "report", "claims", MA, "--year", str(YEAR),
                                "--period", "2026H2")  # fmt: skip
    document = json.loads(out)
    assert code == 0 and [p["period_id"] for p in document["periods"]] == ["2026H2"]
    assert document["totals"]["contributions_fen"] == "12000"

    code, out, err = await cli("report", "overdue-aid", "--as-of", "2026-05-02",
                               "--page-size", "1")  # fmt: skip
    assert code == 0, err
    assert "逾期未核实临时救助 2 笔" in out and "350,000.00" not in out and "3,500.00元" in out
    assert "E1" in out and "E3" in out and "2026-05-01" in out
    code, out, _err = await cli("--json", "report", "overdue-aid", "--as-of", "2026-05-02")
    document = json.loads(out)
    assert [o["payout_entry_id"] for o in document["obligations"]] == ["E1", "E3"]
    assert document["outstanding_fen"] == "350000"
    code, _out, err = await cli("report", "claims", EA, "--year", str(YEAR))
    assert code == 1 and "INVALID_ARGUMENT: program_code" in err

    code, out, err = await cli("report", "annual", "--year", str(YEAR))
    assert code == 0, err
    assert "互助保障 Mutual aid" in out and "临时救助 Emergency aid" in out
    assert "4,500.00" in out  # net paid emergency aid, yuan

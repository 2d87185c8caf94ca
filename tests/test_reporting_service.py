"""The reporting service against a real ledger, real nats-server and real gRPC,
on SQLite and on PostgreSQL: annual figures computed by hand for a small fixed
scenario (reversals, a retried payout, a member who moved units mid-year),
reports "as recorded up to T", statements, programme totals, the auditors'
event stream, and the refusals of bad input."""

from __future__ import annotations

import datetime as dt
import itertools

import grpc
import pytest

from benefits_platform.protos.benefits.v1 import common_pb2, ledger_pb2, members_pb2, reporting_pb2
from reporting.entrypoints.converters import canonical_content
from tests.conftest import RunningLedger
from tests.reporting_support import (
    GREEN,
    WARMTH,
    YEAR,
    RunningReporting,
    fixed_scenario,
    post,
    reporting,
)

__all__ = ["reporting"]  # a fixture, used by name


def figures(t: reporting_pb2.ReportTotals) -> tuple[int, ...]:
    """(paid, 人次, 人, 户, payouts, reversals, reversed fen)."""
    return (
        t.paid_fen,
        t.person_times,
        t.members,
        t.households,
        t.payout_count,
        t.reversal_count,
        t.reversal_fen,
    )


def by_unit(units: list[reporting_pb2.UnitTotals]) -> dict[str, tuple[int, ...]]:
    return {u.unit_code: figures(u.totals) for u in units}


def programme(report: reporting_pb2.AnnualReport, code: str) -> reporting_pb2.ProgramReport:
    return next(p for p in report.programs if p.program_code == code)


async def test_annual_totals_match_the_hand_computed_figures(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    report = await reporting.report()

    warmth = programme(report, WARMTH)
    # w1 M1, w2 M2 (retried once: one entry), w3 M3 reversed, w4 M4.
    assert figures(warmth.totals) == (600_000, 3, 3, 2, 4, 1, 200_000)
    assert (warmth.budget_fen, warmth.committed_fen, warmth.remaining_fen) == (
        1_000_000,
        600_000,
        400_000,
    )
    green = programme(report, GREEN)
    # g1 M1 (March, reversed), g2 M1 (August, after the move), g3 M5.
    assert figures(green.totals) == (4_000, 2, 2, 2, 3, 1, 2_000)
    # All programmes: M1, M2, M4, M5 are 4 distinct members (M1 paid by both
    # programmes), households H1 (M1 and M2), H4, H5.
    assert figures(report.totals) == (604_000, 5, 4, 3, 7, 2, 202_000)

    units = by_unit(list(report.units))
    # M1 counts under GD-SZ-NS for the winter warmth of January and under
    # GD-SZ-FT for the green travel of August; once in the city.
    assert units["GD-SZ-NS"] == (400_000, 2, 2, 1, 4, 2, 202_000)
    assert units["GD-SZ-NS-0001"] == (400_000, 2, 2, 1, 3, 1, 2_000)
    assert units["GD-SZ-NS-0002"] == (0, 0, 0, 0, 1, 1, 200_000)
    assert units["GD-SZ-FT"] == (202_000, 2, 2, 2, 2, 0, 0)
    assert units["GD-SZ-FT-0001"] == (202_000, 2, 2, 2, 2, 0, 0)
    assert units["GD-SZ-0100"] == (2_000, 1, 1, 1, 1, 0, 0)
    assert units["GD-SZ"] == units["GD"] == (604_000, 5, 4, 3, 7, 2, 202_000)
    assert "~" not in units  # every payout recorded its unit

    months = {m.month: (m.paid_fen, m.person_times, m.reversal_count) for m in report.months}
    assert months[1] == (400_000, 2, 1)
    assert months[2] == (200_000, 1, 0)
    assert months[3] == (0, 0, 1)
    assert months[8] == (4_000, 2, 0)
    assert sum(m.paid_fen for m in report.months) == report.totals.paid_fen

    # The city's report broken down one level: its districts and the
    # grassroots union directly under it.
    city = await reporting.report("GD-SZ", depth=1)
    assert figures(city.totals) == figures(report.totals)
    assert [u.unit_code for u in city.units] == ["GD-SZ-0100", "GD-SZ-FT", "GD-SZ-NS"]
    assert city.unit_level == members_pb2.UNIT_LEVEL_CITY
    district = await reporting.report("GD-SZ-FT", depth=0)
    assert figures(district.totals) == (202_000, 2, 2, 2, 2, 0, 0)
    assert not district.units
    built = {p.source: p.position for p in report.built_from}
    assert built["ledger"] == ledger.server.app.recorder.max_notification_id()


async def test_as_of_report_is_reproducible_after_a_backdated_entry(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    cut = dt.datetime.now(dt.UTC)
    before = await reporting.report(as_of=cut)
    current_before = await reporting.report()

    # A payout effective in February, recorded after the cut.
    await post(ledger, "late", "M5", 200_000, WARMTH, "2026-02-10")
    await reporting.caught_up(ledger)
    after = await reporting.report(as_of=cut)
    current = await reporting.report()

    assert after.content_sha256 == before.content_sha256
    assert canonical_content(after) == canonical_content(before)
    assert after.built_from != before.built_from  # built later, from more events
    assert current.content_sha256 != current_before.content_sha256
    assert figures(current.totals) == (804_000, 6, 4, 3, 8, 2, 202_000)
    assert {m.month: m.paid_fen for m in current.months}[2] == 400_000
    assert programme(after, WARMTH).committed_fen == 600_000
    assert programme(current, WARMTH).committed_fen == 800_000


async def test_recount_from_entries_equals_the_running_totals(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    """The as-of path (a recount of the entries) and the running totals agree
    figure for figure once every entry counts."""
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for unit, depth in (("", 4), ("GD-SZ", 1), ("GD-SZ-NS", 2), ("GD-SZ-0100", 0)):
        recount = await reporting.report(unit, depth, as_of=later)
        running = await reporting.report(unit, depth)
        recount.ClearField("as_of")
        assert canonical_content(recount) == canonical_content(running), (unit, depth)


async def test_member_statement_has_running_totals(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    statement = await reporting.stub.GetMemberStatement(
        reporting_pb2.GetMemberStatementRequest(member_id="M1")
    )
    assert statement.unit_code == "GD-SZ-FT-0001"  # after the move
    assert statement.household_id == "H1"
    lines = [
        (
            line.program_code,
            line.amount_fen,
            line.unit_code,
            line.running_received_fen,
            line.running_program_fen,
            line.running_stored_value_fen,
        )
        for line in statement.lines
    ]
    assert lines == [
        (WARMTH, 200_000, "GD-SZ-NS-0001", 200_000, 200_000, 0),
        (GREEN, 2_000, "GD-SZ-NS-0001", 202_000, 2_000, 2_000),
        (GREEN, 2_000, "GD-SZ-FT-0001", 204_000, 4_000, 4_000),
        (GREEN, -2_000, "GD-SZ-NS-0001", 202_000, 2_000, 2_000),
    ]
    march = statement.lines[1]
    reversal = statement.lines[3]
    assert march.reversed_by_entry_id == reversal.entry_id
    assert reversal.reverses_entry_id == march.entry_id
    assert reversal.kind == ledger_pb2.ENTRY_KIND_REVERSAL
    assert reversal.reversal_reason == ledger_pb2.REVERSAL_REASON_WRONG_MEMBER
    assert statement.stored_value_balance_fen == 2_000
    receipts = {(r.program_code, r.received_fen, r.payout_count, r.reversal_count)
                for r in statement.receipts}  # fmt: skip
    assert receipts == {(WARMTH, 200_000, 1, 0), (GREEN, 2_000, 2, 1)}

    page = await reporting.stub.GetMemberStatement(
        reporting_pb2.GetMemberStatementRequest(
            member_id="M1", page=common_pb2.PageRequest(page_size=3)
        )
    )
    assert len(page.lines) == 3 and page.next_page_token == "3" and page.line_count == 4
    rest = await reporting.stub.GetMemberStatement(
        reporting_pb2.GetMemberStatementRequest(
            member_id="M1", page=common_pb2.PageRequest(page_size=3, page_token="3")
        )
    )
    assert [line.running_received_fen for line in rest.lines] == [202_000]
    assert not rest.next_page_token


async def test_programme_totals(ledger: RunningLedger, reporting: RunningReporting) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    green = await reporting.stub.GetProgramTotals(
        reporting_pb2.GetProgramTotalsRequest(
            program_code=GREEN, fiscal_year=YEAR, unit_code="GD-SZ", unit_depth=1
        )
    )
    assert figures(green.totals) == (4_000, 2, 2, 2, 3, 1, 2_000)
    assert by_unit(list(green.units)) == {
        "GD-SZ-0100": (2_000, 1, 1, 1, 1, 0, 0),
        "GD-SZ-FT": (2_000, 1, 1, 1, 1, 0, 0),
        "GD-SZ-NS": (0, 0, 0, 0, 1, 1, 2_000),
    }
    assert green.kind == ledger_pb2.PROGRAM_KIND_SUBSIDY
    assert green.remaining_fen == 500_000 - 4_000


R = reporting_pb2
INVALID, MISSING = "INVALID_ARGUMENT", "NOT_FOUND"
BIG_PAGE = common_pb2.PageRequest(page_size=9999)


@pytest.mark.parametrize(
    ("call", "request_", "code", "field"),
    [
        ("GetAnnualReport", R.GetAnnualReportRequest(fiscal_year=1999), INVALID, "fiscal_year"),
        (
            "GetAnnualReport",
            R.GetAnnualReportRequest(fiscal_year=YEAR, unit_depth=9),
            INVALID,
            "unit_depth",
        ),
        (
            "GetAnnualReport",
            R.GetAnnualReportRequest(fiscal_year=YEAR, unit_code="NOPE"),
            MISSING,
            "unit_code",
        ),
        ("GetProgramTotals", R.GetProgramTotalsRequest(fiscal_year=YEAR), INVALID, "program_code"),
        (
            "GetProgramTotals",
            R.GetProgramTotalsRequest(program_code="NOPE", fiscal_year=YEAR),
            MISSING,
            "program_code",
        ),
        ("GetMemberStatement", R.GetMemberStatementRequest(), INVALID, "member_id"),
        (
            "GetMemberStatement",
            R.GetMemberStatementRequest(member_id="bad id!"),
            INVALID,
            "member_id",
        ),
        (
            "GetMemberStatement",
            R.GetMemberStatementRequest(member_id="NOBODY"),
            MISSING,
            "member_id",
        ),
        (
            "GetMemberStatement",
            R.GetMemberStatementRequest(member_id="M1", page=BIG_PAGE),
            INVALID,
            "page.page_size",
        ),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    reporting: RunningReporting, call: str, request_: object, code: str, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await getattr(reporting.stub, call)(request_)
    assert refused.value.code().name == code
    assert (refused.value.details() or "").startswith(field)


@pytest.mark.parametrize(
    ("request_", "code", "field"),
    [
        (R.StreamEventsRequest(source="payroll"), INVALID, "source"),
        (R.StreamEventsRequest(effective_from="2026-13-01"), INVALID, "effective_from"),
        (
            R.StreamEventsRequest(effective_from="2026-02-01", effective_to="2026-01-01"),
            INVALID,
            "effective_to",
        ),
        (R.StreamEventsRequest(limit=-1), INVALID, "limit"),
        (R.StreamEventsRequest(unit_code="NOPE"), MISSING, "unit_code"),
    ],
)
async def test_stream_events_refuses_bad_filters(
    reporting: RunningReporting, request_: reporting_pb2.StreamEventsRequest, code: str, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async for _event in reporting.stub.StreamEvents(request_):
            pass
    assert refused.value.code().name == code
    assert (refused.value.details() or "").startswith(field)


async def test_admin_calls_need_a_role(reporting: RunningReporting) -> None:
    """Rebuilding needs ADMIN and verifying AUDITOR or ADMIN, each for every unit:
    a POSTER key, and an ADMIN key scoped to a city, are refused."""
    keys = reporting.keys
    for key in (keys.poster, keys.create("ADMIN", unit="GD-SZ")):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _reply in reporting.stub_for(key).RebuildProjections(
                reporting_pb2.RebuildProjectionsRequest()
            ):
                pass
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "RebuildProjections needs the role ADMIN" in (refused.value.details() or "")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _reply in reporting.stub_for(key).VerifyLedger(
                reporting_pb2.VerifyLedgerRequest(ledger_store="/etc/passwd")
            ):
                pass
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_stream_events_filters_and_hashes(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)

    async def events(**fields: object) -> list[reporting_pb2.StreamEventsResponse]:
        request = reporting_pb2.StreamEventsRequest(**fields)  # type: ignore[arg-type]
        return [e async for e in reporting.stub.StreamEvents(request)]

    everything = await events()
    positions = [e.envelope.position for e in everything]
    assert positions == sorted(set(positions))  # strictly increasing (PostgreSQL may skip ids)
    assert [e.stream_seq for e in everything] == list(range(1, len(everything) + 1))
    assert all(e.link_valid for e in everything)
    assert everything[0].envelope.prev_hash == bytes(32)
    for before, after in itertools.pairwise(everything):
        assert after.envelope.prev_hash == before.envelope.hash

    m1 = await events(member_id="M1")
    assert [e.envelope.event_type for e in m1] == ["PayoutPosted"] * 3 + ["PayoutReversed"]
    # The reversal counts under its payout's unit (before the move).
    assert [e.unit_code for e in m1] == [
        "GD-SZ-NS-0001", "GD-SZ-NS-0001", "GD-SZ-FT-0001", "GD-SZ-NS-0001",
    ]  # fmt: skip
    ft = await events(unit_code="GD-SZ-FT")
    assert {e.unit_code for e in ft} == {"GD-SZ-FT-0001"} and len(ft) == 2
    feb = await events(effective_from="2026-02-01", effective_to="2026-03-31")
    assert len(feb) == 3  # w4, g1 and its reversal
    green = await events(program_code=GREEN, limit=2)
    assert [e.envelope.event_type for e in green] == ["ProgramOpened", "PayoutPosted"]
    later = await events(start_position=everything[-2].envelope.position)
    assert [e.envelope.position for e in later] == [
        everything[-2].envelope.position,
        everything[-1].envelope.position,
    ]
    recorded = everything[5].envelope.recorded_at
    since = await events(recorded_from=recorded)
    assert since[0].envelope.position <= everything[5].envelope.position
    members = await events(source="members", unit_code="GD-SZ-FT")
    assert {e.envelope.event_type for e in members} == {
        "UnitRegistered",
        "MemberEnrolled",
        "MemberTransferred",
    }

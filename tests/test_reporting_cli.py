"""``benefits report``, ``benefits audit`` and ``benefits demo``: the formats of
the annual report, and end-to-end runs of ``main(argv)`` against a real ledger,
members and reporting service (real gRPC, real nats-server, SQLite and
PostgreSQL). The CLI blocks, so every run goes through ``asyncio.to_thread``."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from benefits_cli import report_formats as rf
from benefits_cli.main import main
from benefits_cli.reports import CHINA, _note, parse_time
from benefits_platform.protos.benefits.v1 import ledger_pb2, members_pb2, reporting_pb2
from tests.conftest import RunningLedger
from tests.members_fixtures import RunningMembers, members
from tests.reporting_support import (
    RunningReporting,
    fixed_scenario,
    reporting,
)

__all__ = ["members", "reporting"]  # fixtures, used by name


@dataclass
class Run:
    code: int
    out: str
    err: str


Cli = Callable[..., Awaitable[Run]]


@pytest.fixture
def cli(
    ledger: RunningLedger,
    reporting: RunningReporting,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    monkeypatch.setenv("BENEFITS_API_KEY", ledger.keys.admin)

    async def invoke(*argv: str, key: str = "") -> Run:
        """Run the CLI; ``key``: the name of another test key to send (default admin)."""
        chosen = ["--api-key", getattr(ledger.keys, key)] if key else []
        args = ["--ledger", ledger.server.address, *chosen, *argv,
                "--reporting", reporting.server.address]  # fmt: skip
        code = await asyncio.to_thread(main, args)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return invoke


def sample_report() -> reporting_pb2.AnnualReport:
    totals = reporting_pb2.ReportTotals(
        paid_fen=2_210_000_000,
        person_times=915_000,
        members=61_000,
        households=52_000,
        payout_count=915_400,
        payout_fen=2_210_800_000,
        reversal_count=400,
        reversal_fen=800_000,
    )
    months = [
        reporting_pb2.MonthTotals(month=m, paid_fen=m * 10_000_000, person_times=m * 1000)
        for m in range(1, 13)
    ]
    unit = reporting_pb2.UnitTotals(
        unit_code="GD-SZ-NS",
        name_zh="南山区总工会",
        name_en="Nanshan",
        depth=1,
        level=members_pb2.UNIT_LEVEL_COUNTY,
        totals=totals,
    )
    programme = reporting_pb2.ProgramReport(
        program_code="GREEN_TRAVEL",
        fiscal_year=2026,
        name_zh="绿色出行",
        name_en="Green travel",
        kind=ledger_pb2.PROGRAM_KIND_SUBSIDY,
        budget_fen=2_210_000_000,
        committed_fen=2_210_000_000,
        totals=totals,
        months=months,
        units=[unit],
    )
    return reporting_pb2.AnnualReport(
        fiscal_year=2026,
        unit_code="GD-SZ",
        unit_name_zh="深圳市总工会",
        unit_name_en="Shenzhen",
        programs=[programme],
        totals=totals,
        months=months,
        units=[unit],
        content_sha256="ab" * 32,
        built_from=[reporting_pb2.StreamPosition(source="ledger", position=9, stream_seq=9)],
    )


def test_the_table_says_it_the_way_the_unions_publish_it() -> None:
    text = rf.as_table(sample_report())
    assert "绿色出行：发放2,210.00万元，惠及工会会员91.50万人次（61,000人，52,000户）" in text  # noqa: RUF001
    assert "2026年度" in text and "深圳市总工会" in text and "SHA-256 " + "ab" * 32 in text
    assert "南山区总工会 (GD-SZ-NS)" in text
    assert rf.count_wan(600) == "600" and rf.count_wan(915_000) == "91.50万"
    assert str(rf.wan(2_210_000_000)) == "2210.00" and str(rf.yuan_value(5)) == "0.05"


def test_csv_has_every_figure_with_bilingual_headers() -> None:
    rows = list(csv.reader(io.StringIO(rf.as_csv(sample_report()))))
    assert rows[0][:3] == ["范围 Section", "项目代码 Programme code", "项目 Programme"]
    programme = rows[1]
    assert programme[1] == "GREEN_TRAVEL" and programme[7] == "22100000.00"
    assert programme[8] == "2210.00" and programme[9] == "915000"
    sections = {row[0] for row in rows[1:]}
    assert sections == {"programme 项目", "total 合计", "unit 单位", "month 月份"}
    assert sum(1 for row in rows if row[0] == "month 月份") == 24  # 12 per programme, 12 total


def test_xlsx_is_a_workbook_written_with_the_standard_library() -> None:
    archive = zipfile.ZipFile(io.BytesIO(rf.as_xlsx(sample_report())))
    names = set(archive.namelist())
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet3.xml"} <= names
    for name in names:
        ElementTree.fromstring(archive.read(name))  # well-formed XML
    workbook = archive.read("xl/workbook.xml").decode()
    assert "汇总 Summary" in workbook and "按月 By month" in workbook
    summary = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>22100000.00</v>" in summary and "绿色出行 Green travel" in summary


def report_with_aid() -> reporting_pb2.AnnualReport:
    report = sample_report()
    report.mutual_aid.add(
        program_code="MUTUAL_AID",
        fiscal_year=2026,
        name_zh="职工医疗互助",
        name_en="Medical mutual aid",
        totals=reporting_pb2.ClaimsTotals(
            claim_count=12,
            self_paid_fen=3_600_000,
            paid_count=10,
            paid_fen=1_250_000,
            average_benefit_fen=125_000,
            contribution_count=400,
            contributions_fen=2_000_000,
            loss_ratio_bp=6250,
        ),
        pool=reporting_pb2.PoolTotals(
            account="mutual-aid-pool:MUTUAL_AID:2026",
            contributed_fen=2_000_000,
            balance_fen=750_000,
            overdraft_fen=100_000,
            available_fen=850_000,
        ),
    )
    report.emergency_aid.add(
        program_code="EMERGENCY",
        fiscal_year=2026,
        name_zh="临时救助",
        name_en="Emergency aid",
        payout_count=3,
        paid_fen=900_000,
        recovery_count=1,
        recovered_fen=100_000,
        net_paid_fen=800_000,
        verified_count=2,
        unverified_count=1,
        outstanding_fen=300_000,
        overdue_at_year_end_count=1,
        overdue_at_year_end_fen=300_000,
    )
    return report


def test_csv_and_xlsx_carry_the_mutual_aid_and_emergency_aid_figures() -> None:
    """After the figures table, each aid table with its title and headers,
    figures as numbers; in the workbook, a sheet each."""
    lines = list(csv.reader(io.StringIO(rf.as_csv(report_with_aid()))))
    mutual = lines.index(["互助保障 Mutual aid"])
    assert lines[mutual - 1] == []
    assert lines[mutual + 1] == rf.MUTUAL_AID_CELL_HEADERS
    row = dict(zip(lines[mutual + 1], lines[mutual + 2], strict=True))
    assert row["项目代码 Programme code"] == "MUTUAL_AID" and row["申请 Claims"] == "12"
    assert row["赔付金额(元) Paid (yuan)"] == "12500.00"
    assert row["赔付率(%) Loss ratio (%)"] == "62.50"
    assert row["资金池余额(元) Pool balance (yuan)"] == "7500.00"
    emergency = lines.index(["临时救助 Emergency aid"])
    assert lines[emergency + 1] == rf.EMERGENCY_CELL_HEADERS
    row = dict(zip(lines[emergency + 1], lines[emergency + 2], strict=True))
    assert row["净发放(元) Net paid (yuan)"] == "8000.00" and row["待核实 Unverified"] == "1"
    # A year without such programmes: the figures table only, as before.
    plain = list(csv.reader(io.StringIO(rf.as_csv(sample_report()))))
    assert [] not in plain and ["互助保障 Mutual aid"] not in plain

    archive = zipfile.ZipFile(io.BytesIO(rf.as_xlsx(report_with_aid())))
    workbook = archive.read("xl/workbook.xml").decode()
    assert "互助保障 Mutual aid" in workbook and "临时救助 Emergency aid" in workbook
    sheet = archive.read("xl/worksheets/sheet4.xml").decode()
    ElementTree.fromstring(sheet)
    assert "<v>12500.00</v>" in sheet and "<v>62.50</v>" in sheet
    assert "<v>8000.00</v>" in archive.read("xl/worksheets/sheet5.xml").decode()
    without = zipfile.ZipFile(io.BytesIO(rf.as_xlsx(sample_report())))
    assert "xl/worksheets/sheet4.xml" not in without.namelist()


def test_html_is_self_contained_with_a_monthly_chart() -> None:
    page = rf.as_html(sample_report())
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    ElementTree.fromstring(svg.group(0))
    assert svg.group(0).count("<rect") >= 12  # a bar a month (and the legend)
    outside = re.findall(r"(?:src|href)=|<script|<link|url\(|https?://(?!www\.w3\.org)", page)
    assert outside == []


def test_as_of_times_are_beijing_time_unless_a_zone_is_given() -> None:
    end_of_day = parse_time("2026-12-31", "--as-of")
    assert end_of_day == dt.datetime(2026, 12, 31, 23, 59, 59, 999_999, CHINA)
    assert parse_time("2026-12-31T08:00:00", "--as-of").utcoffset() == dt.timedelta(hours=8)
    assert parse_time("2026-12-31T00:00:00+00:00", "--as-of").utcoffset() == dt.timedelta(0)


async def test_report_and_audit_commands_end_to_end(
    ledger: RunningLedger, reporting: RunningReporting, cli: Cli, tmp_path: Path
) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)

    table = await cli("report", "annual", "--year", "2026", "--unit", "GD-SZ")
    assert table.code == 0, table.err
    assert "全部项目合计：发放0.60万元，惠及工会会员5人次（4人，3户）" in table.out  # noqa: RUF001
    document = await cli("report", "annual", "--year", "2026", "--format", "json")
    report = json.loads(document.out)
    assert report["totals"]["paid_fen"] == "604000" and len(report["content_sha256"]) == 64
    target = tmp_path / "report.xlsx"
    written = await cli(
        "report", "annual", "--year", "2026", "--format", "xlsx", "--output", str(target)
    )
    assert written.code == 0 and zipfile.is_zipfile(target)
    refused = await cli("report", "annual", "--year", "2026", "--format", "xlsx")
    assert refused.code == 2 and "--output" in refused.err
    as_of = await cli("report", "annual", "--year", "2026", "--as-of", "2000-01-01", "--json")
    assert json.loads(as_of.out)["programs"] == []  # nothing was recorded by then

    statement = await cli("report", "member", "M1")
    assert statement.code == 0 and "reversed by" in statement.out
    programme = await cli("report", "program", "GREEN_TRAVEL", "--year", "2026")
    assert "Green travel: 40.00 yuan paid, 2 person-times" in programme.out

    replay = await cli("audit", "replay", "--member", "M1", "--format", "jsonl")
    events = [json.loads(line) for line in replay.out.splitlines()]
    assert [e["envelope"]["event_type"] for e in events][-1] == "PayoutReversed"
    assert all(e["link_valid"] and len(e["envelope"]["hash"]) == 64 for e in events)
    assert events[0]["envelope"]["payload"]["member_id"] == "M1"  # decoded

    verify = await cli("audit", "verify")
    assert verify.code == 0, verify.out + verify.err
    assert "verdict: OK" in verify.out and "read:ledger" in verify.err  # progress on stderr
    rebuild = await cli("audit", "rebuild", key="auditor")
    assert rebuild.code == 1 and "PERMISSION_DENIED" in rebuild.err
    rebuild = await cli("audit", "rebuild")
    assert rebuild.code == 0 and "rebuilt from" in rebuild.out


async def test_unreachable_reporting_service_gets_a_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await asyncio.to_thread(
        main, ["report", "annual", "--year", "2026", "--reporting", "127.0.0.1:1"]
    )
    err = capsys.readouterr().err
    assert code == 1 and "BENEFITS_REPORTING_ADDR" in err


async def test_demo_posts_a_year_and_prints_the_report(
    ledger: RunningLedger,
    members: RunningMembers,
    reporting: RunningReporting,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [
        "--ledger",
        ledger.server.address,
        "--members",
        members.server.address,
        "--api-key",
        ledger.keys.admin,
        "demo",
        "--enrol",
        "400",
        "--year",
        "2026",
        "--seed",
        "5",
        "--reporting",
        reporting.server.address,
        "--reviewer-key",
        ledger.keys.reviewer,
    ]
    code = await asyncio.to_thread(main, argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "深圳市总工会" in out and "绿色出行" in out and "惠及工会会员" in out
    assert "replayed, none paid twice" in err
    # The mutual-aid pool's year and emergency aid, in the report's own sections.
    paid = re.search(r"approved the rest as a second identity, paid (\d+) from the pool", err)
    assert paid is not None and int(paid.group(1)) >= 1, err
    verified = re.search(r"emergency aid: (\d+) of (\d+) payouts verified", err)
    assert verified is not None and 0 < int(verified.group(1)) <= int(verified.group(2)), err
    assert "互助保障 Mutual aid" in out and "临时救助 Emergency aid" in out
    # Running it again replays: nothing is paid twice.
    await reporting.caught_up(ledger)
    before = await reporting.report("GD-SZ", 0)
    code = await asyncio.to_thread(main, argv)
    capsys.readouterr()
    assert code == 0
    await reporting.caught_up(ledger)
    after = await reporting.report("GD-SZ", 0)
    assert after.content_sha256 == before.content_sha256


def test_statement_notes_say_what_each_line_is() -> None:
    line = reporting_pb2.StatementLine
    assert _note(line(kind=ledger_pb2.ENTRY_KIND_CONTRIBUTION, period_id="2026H1")) == (
        "缴费 contribution, period 2026H1"
    )
    recovery = line(kind=ledger_pb2.ENTRY_KIND_RECOVERY, recovers_entry_id="e3e3e3e3-0000")
    assert _note(recovery) == "追回 recovers e3e3e3e3"
    assert _note(line(kind=ledger_pb2.ENTRY_KIND_PAYOUT, reversed_by_entry_id="abcdef012345")) == (
        "reversed by abcdef01"
    )
    assert _note(line(kind=ledger_pb2.ENTRY_KIND_PAYOUT)) == ""
    assert _note(line(kind=ledger_pb2.ENTRY_KIND_PAYOUT, claim_id="410d9ec1-58b5")) == (
        "理赔 pays claim 410d9ec1"
    )

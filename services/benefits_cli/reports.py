"""``benefits report ...`` and ``benefits audit ...``: the reporting service
from the command line (and ``benefits demo``, see benefits_cli.demo).

- ``report annual --year Y [--unit U] [--depth N] [--as-of T] --format
  table|csv|json|html|xlsx [--output FILE]``: the annual report in the unions'
  form (see benefits_cli.report_formats);
- ``report program CODE --year Y``, ``report member MEMBER``: one programme's
  totals, a member's statement with running totals;
- ``report claims CODE --year Y [--period P] [--unit U] [--depth N] [--as-of T]``:
  a mutual-aid programme's claims by state, paid, average benefit,
  contributions, loss ratio and pool, per period (and by unit);
- ``report overdue-aid [--as-of DATE] [--program CODE] [--year Y] [--unit U]``:
  emergency aid unverified past its due date, with what was paid, recovered
  and is outstanding;
- ``audit replay``: the events of a stream, filtered, decoded, with their hashes
  (a table, or JSON lines);
- ``audit verify``: hash chains, postings, the ledger's store against the stream
  and a rebuild of the projections compared with the live ones, with progress
  on stderr; exit status 1 when anything is found;
- ``audit rebuild`` (a key with role ADMIN for every unit): rebuild the projections
  from the first event.

The reporting service's address: ``--reporting`` or BENEFITS_REPORTING_ADDR.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from benefits_cli import formatting as fmt
from benefits_cli import report_formats as rf
from benefits_cli.client import CallError, GrpcClient
from benefits_cli.main import EXIT_FAILED, EXIT_OK, Cli, UsageError, page_size
from benefits_cli.money import yuan
from benefits_cli.progress import Progress
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    ledger_pb2,
    reporting_pb2,
    reporting_pb2_grpc,
)

DEFAULT_REPORTING = "127.0.0.1:50053"
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
FORMATS = ("table", "csv", "json", "html", "xlsx")
REPLAY_NOTE_EVERY = 10_000

Sub = Callable[[Any, str, Callable[[Cli], int], str], Any]


class ReportingCallError(CallError):
    def hint(self) -> str:
        if self.unreachable and not self.tls_mismatch:
            return (
                f"no reporting service is listening at {self.address}; start the stack with "
                "`make up` (or `benefits up`), or point --reporting / BENEFITS_REPORTING_ADDR "
                "at a running reporting service"
            )
        return super().hint()


class ReportingClient(GrpcClient):
    service = "reporting"
    stub_class = reporting_pb2_grpc.ReportingServiceStub

    def _error(self, error: grpc.RpcError) -> CallError:
        found = super()._error(error)
        return ReportingCallError(found.status, found.message, found.address, self.service)

    def annual_report(
        self, request: reporting_pb2.GetAnnualReportRequest
    ) -> reporting_pb2.AnnualReport:
        return self.call("GetAnnualReport", request, reporting_pb2.AnnualReport)

    def program_totals(
        self, request: reporting_pb2.GetProgramTotalsRequest
    ) -> reporting_pb2.ProgramReport:
        return self.call("GetProgramTotals", request, reporting_pb2.ProgramReport)

    def statement(
        self, request: reporting_pb2.GetMemberStatementRequest
    ) -> reporting_pb2.MemberStatement:
        return self.call("GetMemberStatement", request, reporting_pb2.MemberStatement)

    def claims_report(
        self, request: reporting_pb2.GetClaimsReportRequest
    ) -> reporting_pb2.ClaimsReport:
        return self.call("GetClaimsReport", request, reporting_pb2.ClaimsReport)

    def overdue_aid(
        self, request: reporting_pb2.ListOverdueEmergencyAidRequest
    ) -> reporting_pb2.ListOverdueEmergencyAidResponse:
        return self.call(
            "ListOverdueEmergencyAid", request, reporting_pb2.ListOverdueEmergencyAidResponse
        )

    def stream(self, method: str, request: Message) -> Iterator[Any]:
        """A server-streaming call, without a deadline (it reports progress)."""
        metadata = (("x-request-id", self.new_request_id()), *self.metadata)
        try:
            yield from getattr(self._stub, method)(request, metadata=metadata)
        except grpc.RpcError as error:
            raise self._error(error) from None


def reporting_client(cli: Cli) -> ReportingClient:
    a = cli.args
    return ReportingClient(a.reporting, a.timeout, a.request_id_prefix, credentials=cli.credentials)


def parse_time(text: str, option: str) -> dt.datetime:
    """An ISO date-time (Beijing time when it has no zone), or a date: the end
    of that day in Beijing time."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time(23, 59, 59, 999_999), CHINA)
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option}: expected YYYY-MM-DD or an ISO date-time, got {text!r}"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=CHINA)


class PhaseProgress:
    """AuditProgress messages as progress bars on stderr, one per phase."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.phase = ""
        self.bar: Progress | None = None
        self.done = 0

    def update(self, progress: reporting_pb2.AuditProgress) -> None:
        if progress.phase != self.phase:
            self.finish()
            self.phase, self.done = progress.phase, 0
            self.err.write(f"{progress.phase}\n")
            # Rows done before the first report of the phase count in the bar, not the rate.
            self.bar = (
                Progress(progress.total, self.err, done=progress.done) if progress.total else None
            )
            self.done = progress.done
            if self.bar is not None:
                self.bar.advance(0)
        if self.bar is not None and progress.done > self.done:
            self.bar.advance(progress.done - self.done)
            self.done = progress.done

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.finish()
            self.bar = None


# -- report ------------------------------------------------------------------------------------


def _write(cli: Cli, text: str | bytes) -> None:
    target: str | None = cli.args.output
    if target:
        Path(target).write_bytes(text if isinstance(text, bytes) else text.encode())
        cli.note(f"written to {target}")
    elif isinstance(text, bytes):
        raise UsageError("--format xlsx needs --output FILE")
    else:
        print(text, file=cli.out)


def cmd_report_annual(cli: Cli) -> int:
    a = cli.args
    request = reporting_pb2.GetAnnualReportRequest(
        fiscal_year=a.year, unit_code=a.unit, unit_depth=a.depth
    )
    if a.as_of:
        request.as_of.FromDatetime(parse_time(a.as_of, "--as-of"))
    form = "json" if a.json else a.format
    with reporting_client(cli) as client:
        report = client.annual_report(request)
    renderers: dict[str, Callable[[reporting_pb2.AnnualReport], str | bytes]] = {
        "table": rf.as_table,
        "csv": rf.as_csv,
        "json": fmt.as_json,
        "html": rf.as_html,
        "xlsx": rf.as_xlsx,
    }
    _write(cli, renderers[form](report))
    return EXIT_OK


def cmd_report_program(cli: Cli) -> int:
    a = cli.args
    request = reporting_pb2.GetProgramTotalsRequest(
        program_code=a.code, fiscal_year=a.year, unit_code=a.unit, unit_depth=a.depth
    )
    with reporting_client(cli) as client:
        found = client.program_totals(request)

    def text() -> str:
        units = fmt.table(
            ["单位 Unit", "层级 Level", *rf.FIGURE_HEADERS],
            [[u.unit_code, fmt.level_label(u.level), *rf.figures(u.totals)] for u in found.units],
            right=range(2, 2 + len(rf.FIGURE_HEADERS)),
        )
        return "\n".join(
            [
                rf.headline(found.name_zh, found.name_en, found.totals),
                fmt.fields(
                    [
                        ("预算 Budget", fmt.yuan_and_wan(found.budget_fen)),
                        ("已支出 Committed", fmt.yuan_and_wan(found.committed_fen)),
                        ("余额 Remaining", fmt.yuan_and_wan(found.remaining_fen)),
                    ]
                ),
                "",
                units if found.units else "",
            ]
        ).rstrip()

    cli.emit(found, text)
    return EXIT_OK


PageT = TypeVar("PageT", bound=Message)


def all_pages(fetch: Callable[[str], PageT], items: str) -> PageT:
    """Every page of a paged call (``fetch(page token)``), as the last page
    holding the ``items`` of them all."""
    found: list[Any] = []
    token = ""
    while True:
        page = fetch(token)
        found.extend(getattr(page, items))
        token = str(getattr(page, "next_page_token", ""))
        if not token:
            break
    page.ClearField(items)
    getattr(page, items).extend(found)
    return page


def cmd_report_member(cli: Cli) -> int:
    a = cli.args
    with reporting_client(cli) as client:
        page = all_pages(
            lambda token: client.statement(
                reporting_pb2.GetMemberStatementRequest(
                    member_id=a.member,
                    fiscal_year=a.year or 0,
                    page=common_pb2.PageRequest(page_size=page_size(a.page_size), page_token=token),
                )
            ),
            "lines",
        )

    def text() -> str:
        head = fmt.fields(
            [
                ("会员 Member", page.member_id),
                ("单位 Unit", page.unit_code or fmt.NONE),
                ("户 Household", page.household_id or fmt.NONE),
                ("卡内余额 Stored value", f"{yuan(page.stored_value_balance_fen)} 元"),
            ]
        )
        body = fmt.table(
            [
                "#",
                "日期 Effective",
                "项目 Programme",
                "金额 Amount (元)",
                "单位 Unit",
                "累计 Received",
                "本项目 Programme total",
                "卡内 Stored value",
                "累计缴费 Contributed",
                "备注 Note",
            ],
            [
                [
                    str(line.position),
                    line.effective_date,
                    f"{line.program_code} {line.fiscal_year}",
                    yuan(line.amount_fen),
                    line.unit_code,
                    yuan(line.running_received_fen),
                    yuan(line.running_program_fen),
                    yuan(line.running_stored_value_fen),
                    yuan(line.running_contributed_fen),
                    _note(line),
                ]
                for line in page.lines
            ],
            right=(0, 3, 5, 6, 7, 8),
        )
        return f"{head}\n\n{body}"

    cli.emit(page, text)
    return EXIT_OK


def cmd_report_claims(cli: Cli) -> int:
    a = cli.args
    request = reporting_pb2.GetClaimsReportRequest(
        program_code=a.code,
        fiscal_year=a.year,
        period_id=a.period or "",
        unit_code=a.unit,
        unit_depth=a.depth,
    )
    if a.as_of:
        request.as_of.FromDatetime(parse_time(a.as_of, "--as-of"))
    with reporting_client(cli) as client:
        found = client.claims_report(request)
    cli.emit(found, lambda: rf.claims_report_text(found))
    return EXIT_OK


def cmd_report_overdue_aid(cli: Cli) -> int:
    a = cli.args
    as_of = a.as_of or dt.datetime.now(CHINA).date().isoformat()
    with reporting_client(cli) as client:
        page = all_pages(
            lambda token: client.overdue_aid(
                reporting_pb2.ListOverdueEmergencyAidRequest(
                    as_of_date=as_of,
                    program_code=a.program or "",
                    fiscal_year=a.year or 0,
                    unit_code=a.unit,
                    page=common_pb2.PageRequest(page_size=page_size(a.page_size), page_token=token),
                )
            ),
            "obligations",
        )
    cli.emit(page, lambda: rf.overdue_text(page))
    return EXIT_OK


def _note(line: reporting_pb2.StatementLine) -> str:
    """What a statement line is, beyond a payout: a contribution, a reversal, a
    recovery, a claim paid, or a payout reversed since."""
    if line.kind == ledger_pb2.ENTRY_KIND_CONTRIBUTION:
        return f"缴费 contribution, period {line.period_id}"
    if line.claim_id and not line.reversed_by_entry_id:
        return f"理赔 pays claim {line.claim_id[:8]}"
    if line.recovers_entry_id:
        return f"追回 recovers {line.recovers_entry_id[:8]}"
    if line.reverses_entry_id:
        return f"reverses {line.reverses_entry_id[:8]} ({fmt.reason_label(line.reversal_reason)})"
    if line.reversed_by_entry_id:
        return f"reversed by {line.reversed_by_entry_id[:8]}"
    return ""


# -- audit -------------------------------------------------------------------------------------


def _event_document(event: reporting_pb2.StreamEventsResponse) -> dict[str, Any]:
    envelope = json_format.MessageToDict(event.envelope, preserving_proto_field_name=True)
    envelope["prev_hash"] = event.envelope.prev_hash.hex()
    envelope["hash"] = event.envelope.hash.hex()
    return {
        "stream_seq": event.stream_seq,
        "unit_code": event.unit_code,
        "link_valid": event.link_valid,
        "envelope": envelope,
    }


def _event_row(event: reporting_pb2.StreamEventsResponse) -> list[str]:
    e = event.envelope
    payload = json_format.MessageToDict(e.payload, preserving_proto_field_name=True)
    amount = payload.get("amount_fen")
    return [
        str(e.position),
        e.event_type,
        e.effective_date or fmt.NONE,
        fmt.timestamp(e.recorded_at),
        str(payload.get("member_id", "")) or fmt.NONE,
        str(payload.get("program_code", payload.get("code", ""))) or fmt.NONE,
        yuan(int(amount)) if amount is not None else fmt.NONE,
        event.unit_code or fmt.NONE,
        e.hash.hex()[:16],
        "ok" if event.link_valid else "BROKEN",
    ]


def cmd_audit_replay(cli: Cli) -> int:
    a = cli.args
    request = reporting_pb2.StreamEventsRequest(
        source=a.source,
        start_position=a.start_position,
        member_id=a.member or "",
        program_code=a.program or "",
        fiscal_year=a.year or 0,
        unit_code=a.unit or "",
        effective_from=a.effective_from or "",
        effective_to=a.effective_to or "",
        limit=a.limit,
    )
    if a.recorded_from:
        request.recorded_from.FromDatetime(parse_time(a.recorded_from, "--recorded-from"))
    if a.recorded_to:
        request.recorded_to.FromDatetime(parse_time(a.recorded_to, "--recorded-to"))
    jsonl = a.json or a.format == "jsonl"
    rows: list[list[str]] = []
    count = 0
    with reporting_client(cli) as client:
        for event in client.stream("StreamEvents", request):
            count += 1
            if jsonl:
                print(fmt.as_json(_event_document(event)).replace("\n", " "), file=cli.out)
            else:
                rows.append(_event_row(event))
            if count % REPLAY_NOTE_EVERY == 0:
                cli.note(f"{count:,} events")
    if not jsonl:
        headers = [
            "#",
            "事件 Event",
            "生效 Effective",
            "记录 Recorded",
            "会员 Member",
            "项目 Programme",
            "金额 Amount (元)",
            "单位 Unit",
            "hash",
            "链 Link",
        ]
        print(fmt.table(headers, rows, right=(0, 6)), file=cli.out)
    cli.note(f"{count:,} events")
    return EXIT_OK


def _verdict_text(verdict: reporting_pb2.AuditVerdict) -> str:
    rows = []
    for check in verdict.checks:
        status = "skipped" if check.skipped else ("ok" if check.ok else "FAILED")
        found = check.discrepancy
        where = f"{found.kind} at {found.source} position {found.position}" if found.kind else ""
        rows.append([check.name, status, f"{check.checked:,}", where or check.detail])
    lines = [
        "verdict: " + ("OK, nothing found" if verdict.ok else "DISCREPANCIES FOUND"),
        "verified up to: "
        + ", ".join(f"{p.source} {p.position} (seq {p.stream_seq})" for p in verdict.verified),
        "",
        fmt.table(["check", "status", "checked", "first discrepancy / note"], rows, right=(2,)),
    ]
    first = verdict.first_discrepancy
    if first.kind:
        lines += [
            "",
            "first discrepancy:",
            fmt.fields(
                [
                    ("kind", first.kind),
                    ("source", first.source),
                    ("position", str(first.position)),
                    ("event", f"{first.event_type} {first.event_id}".strip() or fmt.NONE),
                    ("expected", first.expected or fmt.NONE),
                    ("actual", first.actual or fmt.NONE),
                    ("detail", first.detail),
                ]
            ),
        ]
    return "\n".join(lines)


def _follow(cli: Cli, method: str, request: Message, result: str) -> Any:
    """Run a streaming audit call, drawing its progress; the final message's ``result``."""
    progress = PhaseProgress(cli.err)
    final = None
    try:
        with reporting_client(cli) as client:
            for reply in client.stream(method, request):
                if reply.HasField("progress"):
                    progress.update(reply.progress)
                else:
                    final = getattr(reply, result)
    finally:
        progress.finish()
    if final is None:
        raise CallError("UNKNOWN", "the call ended without a result", cli.args.reporting)
    return final


def cmd_audit_verify(cli: Cli) -> int:
    a = cli.args
    request = reporting_pb2.VerifyLedgerRequest(
        ledger_store=a.ledger_store or "", skip_projections=a.skip_projections
    )
    verdict: reporting_pb2.AuditVerdict = _follow(cli, "VerifyLedger", request, "verdict")
    cli.emit(verdict, lambda: _verdict_text(verdict))
    return EXIT_OK if verdict.ok else EXIT_FAILED


def cmd_audit_rebuild(cli: Cli) -> int:
    request = reporting_pb2.RebuildProjectionsRequest()
    done: reporting_pb2.RebuildResult = _follow(cli, "RebuildProjections", request, "done")
    cli.emit(
        done,
        lambda: (
            f"rebuilt from {done.events:,} events in {done.seconds:.1f} s; now at "
            + ", ".join(f"{p.source} {p.position}" for p in done.positions)
        ),
    )
    return EXIT_OK


# -- the parser --------------------------------------------------------------------------------


def _reporting_option(parser: Any) -> None:
    env = os.environ.get("BENEFITS_REPORTING_ADDR", "").strip() or DEFAULT_REPORTING
    parser.add_argument(
        "--reporting",
        default=env,
        metavar="ADDR",
        help=f"reporting gRPC address (env BENEFITS_REPORTING_ADDR; default {env})",
    )


def _scope(parser: Any, depth: int) -> None:
    parser.add_argument("--unit", default="", help="unit subtree, e.g. GD-SZ (default: all)")
    parser.add_argument(
        "--depth", type=int, default=depth, help=f"levels of units to list (0-4, default {depth})"
    )


def add_commands(commands: Any, sub: Sub) -> None:
    from benefits_cli import demo

    report = commands.add_parser("report", help="annual reports, programme totals, statements")
    group = report.add_subparsers(dest="report_command", required=True, metavar="COMMAND")
    p = sub(group, "annual", cmd_report_annual, "the annual report in the unions' form")
    p.add_argument("--year", type=int, required=True, help="fiscal year")
    _scope(p, 1)
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help="only entries recorded up to TIME "
        "(YYYY-MM-DD: end of that day; date-times without a zone: Beijing time)",
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    _reporting_option(p)
    p = sub(group, "program", cmd_report_program, "one programme's totals for a year")
    p.add_argument("code", help="programme code")
    p.add_argument("--year", type=int, required=True)
    _scope(p, 1)
    _reporting_option(p)
    p = sub(group, "member", cmd_report_member, "a member's statement with running totals")
    p.add_argument("member", help="member id")
    p.add_argument("--year", type=int, help="only this fiscal year")
    p.add_argument("--page-size", type=int, default=500, help="lines per call (1-500)")
    _reporting_option(p)
    p = sub(
        group,
        "claims",
        cmd_report_claims,
        "a mutual-aid programme's claims, contributions, loss ratio and pool",
    )
    p.add_argument("code", help="mutual-aid programme code")
    p.add_argument("--year", type=int, required=True, help="fiscal year")
    p.add_argument("--period", help="one period of the programme (default: every period)")
    _scope(p, 0)
    p.add_argument(
        "--as-of",
        metavar="TIME",
        help="only events recorded up to TIME "
        "(YYYY-MM-DD: end of that day; date-times without a zone: Beijing time)",
    )
    _reporting_option(p)
    p = sub(
        group,
        "overdue-aid",
        cmd_report_overdue_aid,
        "emergency aid not verified by its due date, with what is outstanding",
    )
    p.add_argument(
        "--as-of", metavar="DATE", help="overdue on this day, YYYY-MM-DD (default: today)"
    )
    p.add_argument("--program", help="only this programme")
    p.add_argument("--year", type=int, help="only this fiscal year")
    p.add_argument("--unit", default="", help="unit subtree (the payout's unit; default: all)")
    p.add_argument("--page-size", type=int, default=500, help="rows per call (1-500)")
    _reporting_option(p)

    audit = commands.add_parser("audit", help="replay the event history, verify the ledger")
    group = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    p = sub(group, "replay", cmd_audit_replay, "the events of a stream, filtered and decoded")
    p.add_argument("--source", choices=("ledger", "members"), default="ledger")
    p.add_argument("--member")
    p.add_argument("--program")
    p.add_argument("--year", type=int)
    p.add_argument("--unit", help="unit subtree")
    p.add_argument("--from", dest="effective_from", metavar="DATE", help="effective from")
    p.add_argument("--to", dest="effective_to", metavar="DATE", help="effective up to")
    p.add_argument("--recorded-from", metavar="TIME")
    p.add_argument("--recorded-to", metavar="TIME")
    p.add_argument("--start-position", type=int, default=0, metavar="N")
    p.add_argument("--limit", type=int, default=0, help="at most N events (0: all)")
    p.add_argument("--format", choices=("table", "jsonl"), default="table")
    _reporting_option(p)
    p = sub(group, "verify", cmd_audit_verify, "hash chains, postings, store and projections")
    p.add_argument(
        "--ledger-store",
        metavar="PATH|DSN|none",
        help="the ledger's store to compare with the stream (default: the service's "
        "configured one); verifying needs a key with role AUDITOR or ADMIN for every unit",
    )
    p.add_argument(
        "--skip-projections",
        action="store_true",
        help="do not rebuild the projections to compare them",
    )
    _reporting_option(p)
    p = sub(
        group, "rebuild", cmd_audit_rebuild, "rebuild the projections (needs ADMIN, every unit)"
    )
    _reporting_option(p)
    demo.add_command(commands, sub, _reporting_option)

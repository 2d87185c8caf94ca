"""Protobuf <-> the reporting service's plain values.

:func:`seal` stamps an annual report with the SHA-256 of its canonical content
(see AnnualReport.content_sha256 in reporting.proto): anyone holding the
response can recompute it with a protobuf JSON library.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from google.protobuf import json_format, timestamp_pb2

from benefits_platform import values
from benefits_platform.domain_errors import InvalidArgument
from benefits_platform.protos.benefits.v1 import (
    events_pb2,
    ledger_pb2,
    members_pb2,
    reporting_pb2,
)
from reporting.adapters.codec import LEDGER, SOURCES
from reporting.application import Positions, Statement
from reporting.auditing import Rebuilt, Verdict
from reporting.domain.audit import CheckResult, Discrepancy
from reporting.domain.facts import PAYOUT
from reporting.domain.report import (
    AnnualReport,
    Figures,
    MonthFigures,
    Section,
    UnitFigures,
    UnitNode,
)

MAX_STREAM_LIMIT = 10_000_000


def timestamp(us: int) -> timestamp_pb2.Timestamp:
    seconds, micro = divmod(us, 1_000_000)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=micro * 1000)


def micros(ts: timestamp_pb2.Timestamp) -> int:
    return int(ts.seconds) * 1_000_000 + int(ts.nanos) // 1000


def _enum(enum: object, prefix: str, name: str) -> int:
    if not name:
        return 0
    try:
        return int(enum.Value(prefix + name))  # type: ignore[attr-defined]
    except ValueError:
        return 0


def positions(found: Positions) -> list[reporting_pb2.StreamPosition]:
    return [
        reporting_pb2.StreamPosition(source=source, position=p, stream_seq=seq)
        for source, (p, seq) in sorted(found.items())
    ]


# -- reports ------------------------------------------------------------------------------


def totals(f: Figures) -> reporting_pb2.ReportTotals:
    return reporting_pb2.ReportTotals(
        paid_fen=f.paid_fen,
        person_times=f.person_times,
        members=f.members,
        households=f.households,
        payout_count=f.payout_count,
        payout_fen=f.payout_fen,
        reversal_count=f.reversal_count,
        reversal_fen=f.reversal_fen,
    )


def month(m: MonthFigures) -> reporting_pb2.MonthTotals:
    return reporting_pb2.MonthTotals(
        month=m.month,
        paid_fen=m.paid_fen,
        person_times=m.person_times,
        reversal_count=m.reversal_count,
        reversal_fen=m.reversal_fen,
    )


def level(node: UnitNode) -> Any:
    return _enum(members_pb2.UnitLevel, "UNIT_LEVEL_", node.level)


def unit(u: UnitFigures) -> reporting_pb2.UnitTotals:
    return reporting_pb2.UnitTotals(
        unit_code=u.unit.code,
        name_zh=u.unit.name_zh,
        name_en=u.unit.name_en,
        level=level(u.unit),
        parent_code=u.unit.parent_code,
        depth=u.depth,
        totals=totals(u.figures),
    )


def program_report(section: Section) -> reporting_pb2.ProgramReport:
    p = section.programme
    assert p is not None
    return reporting_pb2.ProgramReport(
        program_code=p.code,
        fiscal_year=p.fiscal_year,
        name_zh=p.name_zh,
        name_en=p.name_en,
        kind=_enum(ledger_pb2.ProgramKind, "PROGRAM_KIND_", p.kind),  # type: ignore[arg-type]
        budget_fen=p.budget_fen,
        committed_fen=p.committed_fen,
        remaining_fen=p.remaining_fen,
        closed=p.closed,
        totals=totals(section.totals),
        months=[month(m) for m in section.months],
        units=[unit(u) for u in section.units],
    )


def annual_report(
    report: AnnualReport, built_from: Positions, now: dt.datetime
) -> reporting_pb2.AnnualReport:
    message = reporting_pb2.AnnualReport(
        fiscal_year=report.fiscal_year,
        unit_code=report.root.code,
        unit_name_zh=report.root.name_zh,
        unit_name_en=report.root.name_en,
        unit_level=level(report.root),
        unit_depth=report.depth,
        programs=[program_report(s) for s in report.programmes],
        totals=totals(report.overall.totals),
        months=[month(m) for m in report.overall.months],
        units=[unit(u) for u in report.overall.units],
    )
    if report.as_of_us is not None:
        message.as_of.CopyFrom(timestamp(report.as_of_us))
    seal(message)
    message.built_from.extend(positions(built_from))
    message.generated_at.FromDatetime(now)
    return message


def canonical_content(report: reporting_pb2.AnnualReport) -> bytes:
    """The bytes content_sha256 is the SHA-256 of (see reporting.proto)."""
    content = reporting_pb2.AnnualReport()
    content.CopyFrom(report)
    for name in ("built_from", "generated_at", "content_sha256"):
        content.ClearField(name)
    document = json_format.MessageToDict(content, preserving_proto_field_name=True)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(report: reporting_pb2.AnnualReport) -> None:
    report.content_sha256 = hashlib.sha256(canonical_content(report)).hexdigest()


# -- statements ---------------------------------------------------------------------------


def statement(found: Statement) -> reporting_pb2.MemberStatement:
    reason_prefix = "REVERSAL_REASON_"
    lines = []
    for line in found.lines:
        e = line.entry
        lines.append(
            reporting_pb2.StatementLine(
                position=e.position,
                entry_id=e.entry_id,
                kind=ledger_pb2.ENTRY_KIND_PAYOUT
                if e.kind == PAYOUT
                else ledger_pb2.ENTRY_KIND_REVERSAL,
                program_code=e.program_code,
                fiscal_year=e.fiscal_year,
                amount_fen=e.amount_fen,
                effective_date=e.effective_date,
                recorded_at=timestamp(e.recorded_us),
                unit_code=e.unit_code,
                reverses_entry_id=e.reverses_entry_id,
                reversed_by_entry_id=line.reversed_by,
                reversal_reason=_enum(ledger_pb2.ReversalReason, reason_prefix, e.reason),  # type: ignore[arg-type]
                request_id=e.request_id,
                running_received_fen=line.running_received_fen,
                running_program_fen=line.running_program_fen,
                running_stored_value_fen=line.running_stored_value_fen,
            )
        )
    return reporting_pb2.MemberStatement(
        member_id=found.member_id,
        unit_code=found.unit_code,
        household_id=found.household_id,
        lines=lines,
        next_page_token=found.next_page_token,
        line_count=found.line_count,
        receipts=[
            reporting_pb2.MemberReceipts(
                program_code=r.program_code,
                fiscal_year=r.fiscal_year,
                kind=_enum(ledger_pb2.ProgramKind, "PROGRAM_KIND_", r.kind),  # type: ignore[arg-type]
                received_fen=r.received_fen,
                payout_count=r.payout_count,
                reversal_count=r.reversal_count,
            )
            for r in found.receipts
        ],
        stored_value_balance_fen=found.stored_value_balance_fen,
        built_from=positions(found.positions),
    )


# -- audit --------------------------------------------------------------------------------


def discrepancy(d: Discrepancy | None) -> reporting_pb2.AuditDiscrepancy | None:
    if d is None:
        return None
    return reporting_pb2.AuditDiscrepancy(
        kind=d.kind,
        source=d.source,
        position=d.position,
        event_id=d.event_id,
        event_type=d.event_type,
        expected=d.expected,
        actual=d.actual,
        detail=d.detail,
    )


def check(c: CheckResult) -> reporting_pb2.AuditCheck:
    detail = c.detail or (f"{c.found} discrepancies" if c.found else "")
    return reporting_pb2.AuditCheck(
        name=c.name,
        ok=c.ok,
        skipped=c.skipped,
        checked=c.checked,
        detail=detail,
        discrepancy=discrepancy(c.first),
    )


def verdict(v: Verdict) -> reporting_pb2.VerifyLedgerResponse:
    return reporting_pb2.VerifyLedgerResponse(
        verdict=reporting_pb2.AuditVerdict(
            ok=v.ok,
            checks=[check(c) for c in v.checks],
            first_discrepancy=discrepancy(v.first),
            verified=positions(v.positions),
        )
    )


def rebuilt(r: Rebuilt) -> reporting_pb2.RebuildProjectionsResponse:
    return reporting_pb2.RebuildProjectionsResponse(
        done=reporting_pb2.RebuildResult(
            events=r.events, positions=positions(r.positions), seconds=r.seconds
        )
    )


def progress(phase: str, done: int, total: int) -> reporting_pb2.AuditProgress:
    return reporting_pb2.AuditProgress(phase=phase, done=done, total=total)


# -- StreamEvents -------------------------------------------------------------------------


def stream_source(req: reporting_pb2.StreamEventsRequest) -> str:
    source = req.source or LEDGER
    if source not in SOURCES:
        raise InvalidArgument("source", f"must be one of {', '.join(SOURCES)}, got {source!r}")
    return source


def check_stream_request(req: reporting_pb2.StreamEventsRequest) -> None:
    if req.start_position < 0:
        raise InvalidArgument("start_position", "must be 0 or a log position")
    if req.limit < 0 or req.limit > MAX_STREAM_LIMIT:
        raise InvalidArgument("limit", f"must be 0 (no limit) to {MAX_STREAM_LIMIT}")
    if req.member_id:
        values.member_id(req.member_id)
    if req.fiscal_year and not 2000 <= req.fiscal_year <= 2100:
        raise InvalidArgument("fiscal_year", "must be 0 (every year) or 2000 to 2100")
    for name in ("effective_from", "effective_to"):
        if getattr(req, name):
            values.iso_date(getattr(req, name), name)
    if req.effective_from and req.effective_to and req.effective_from > req.effective_to:
        raise InvalidArgument("effective_to", "must not be before effective_from")
    if (
        req.HasField("recorded_from")
        and req.HasField("recorded_to")
        and micros(req.recorded_from) > micros(req.recorded_to)
    ):
        raise InvalidArgument("recorded_to", "must not be before recorded_from")


def stream_event(
    envelope: events_pb2.EventEnvelope, seq: int, unit_code: str, valid: bool
) -> reporting_pb2.StreamEventsResponse:
    return reporting_pb2.StreamEventsResponse(
        envelope=envelope, stream_seq=seq, unit_code=unit_code, link_valid=valid
    )

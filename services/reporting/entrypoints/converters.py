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
from reporting.application import OverdueAid, Positions, Statement
from reporting.auditing import Rebuilt, Verdict
from reporting.domain.audit import CheckResult, Discrepancy
from reporting.domain.claims import (
    ClaimsFigures,
    ClaimsReport,
    EmergencyFigures,
    PoolFigures,
    UnitClaimsFigures,
)
from reporting.domain.facts import PAYOUT, RECOVERY, REVERSAL
from reporting.domain.report import (
    AnnualReport,
    Figures,
    MonthFigures,
    ProgrammeInfo,
    Section,
    UnitFigures,
    UnitNode,
)
from reporting.domain.statement import CONTRIBUTION

MAX_STREAM_LIMIT = 10_000_000
MAX_CODE = 64


def timestamp(us: int) -> timestamp_pb2.Timestamp:
    seconds, micro = divmod(us, 1_000_000)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=micro * 1000)


# The range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31 (UTC).
MIN_SECONDS, MAX_SECONDS = -62_135_596_800, 253_402_300_799


def micros(ts: timestamp_pb2.Timestamp, field: str = "timestamp") -> int:
    """Microseconds since the epoch; INVALID_ARGUMENT outside Timestamp's range."""
    if not MIN_SECONDS <= ts.seconds <= MAX_SECONDS or not 0 <= ts.nanos <= 999_999_999:
        raise InvalidArgument(
            field, "must be a timestamp from 0001-01-01 to 9999-12-31 (nanos 0 to 999999999)"
        )
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
        recovered_fen=f.recovered_fen,
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


def unit_fields(node: UnitNode, depth: int) -> dict[str, Any]:
    """The fields a unit's row of a report shares (UnitTotals, UnitClaims)."""
    return {
        "unit_code": node.code,
        "name_zh": node.name_zh,
        "name_en": node.name_en,
        "level": level(node),
        "parent_code": node.parent_code,
        "depth": depth,
    }


def unit(u: UnitFigures) -> reporting_pb2.UnitTotals:
    return reporting_pb2.UnitTotals(**unit_fields(u.unit, u.depth), totals=totals(u.figures))


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
        mutual_aid=[claims_report(c) for c in report.mutual_aid],
        emergency_aid=[emergency_totals(p, f) for p, f in report.emergency],
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


# -- mutual aid and emergency aid ---------------------------------------------------------


def claims_totals(f: ClaimsFigures) -> reporting_pb2.ClaimsTotals:
    return reporting_pb2.ClaimsTotals(
        by_state=[
            reporting_pb2.ClaimStateTotals(
                state=_enum(ledger_pb2.ClaimState, "CLAIM_STATE_", state),  # type: ignore[arg-type]
                count=count,
                self_paid_fen=self_paid,
                benefit_fen=benefit,
            )
            for state, (count, self_paid, benefit) in f.by_state.items()
        ],
        claim_count=f.claim_count,
        self_paid_fen=f.self_paid_fen,
        paid_count=f.paid_count,
        paid_fen=f.paid_fen,
        average_benefit_fen=f.average_benefit_fen,
        contribution_count=f.contribution_count,
        contributions_fen=f.contributions_fen,
        loss_ratio_bp=f.loss_ratio_bp,
    )


def unit_claims(u: UnitClaimsFigures) -> reporting_pb2.UnitClaims:
    return reporting_pb2.UnitClaims(**unit_fields(u.unit, u.depth), totals=claims_totals(u.figures))


def pool(p: PoolFigures) -> reporting_pb2.PoolTotals:
    return reporting_pb2.PoolTotals(
        account=p.account,
        contributed_fen=p.contributed_fen,
        contribution_count=p.contribution_count,
        claims_paid_fen=p.claims_paid_fen,
        claims_paid_count=p.claims_paid_count,
        balance_fen=p.balance_fen,
        overdraft_fen=p.overdraft_fen,
        available_fen=p.available_fen,
    )


def claims_report(
    r: ClaimsReport, built_from: Positions | None = None, now: dt.datetime | None = None
) -> reporting_pb2.ClaimsReport:
    """A claims report; ``built_from`` and ``now`` only for a report of its
    own (inside an annual report, the annual report's as_of, built_from and
    generated_at stand for its own)."""
    message = reporting_pb2.ClaimsReport(
        program_code=r.programme.code,
        fiscal_year=r.programme.fiscal_year,
        name_zh=r.programme.name_zh,
        name_en=r.programme.name_en,
        unit_code=r.root.code,
        unit_name_zh=r.root.name_zh,
        unit_name_en=r.root.name_en,
        unit_level=level(r.root),
        unit_depth=r.depth,
        periods=[
            reporting_pb2.PeriodClaims(
                period_id=s.period.period_id,
                start_date=s.period.start_date,
                end_date=s.period.end_date,
                totals=claims_totals(s.totals),
                units=[unit_claims(u) for u in s.units],
            )
            for s in r.periods
        ],
        totals=claims_totals(r.totals),
        pool=pool(r.pool),
    )
    if built_from is not None:
        if r.as_of_us is not None:
            message.as_of.CopyFrom(timestamp(r.as_of_us))
        message.built_from.extend(positions(built_from))
    if now is not None:
        message.generated_at.FromDatetime(now)
    return message


def emergency_totals(p: ProgrammeInfo, f: EmergencyFigures) -> reporting_pb2.EmergencyAidTotals:
    return reporting_pb2.EmergencyAidTotals(
        program_code=p.code,
        fiscal_year=p.fiscal_year,
        name_zh=p.name_zh,
        name_en=p.name_en,
        verify_within_days=f.verify_within_days,
        payout_count=f.payout_count,
        paid_fen=f.paid_fen,
        recovery_count=f.recovery_count,
        recovered_fen=f.recovered_fen,
        reversed_count=f.reversed_count,
        reversed_fen=f.reversed_fen,
        net_paid_fen=f.net_paid_fen,
        verified_count=f.verified_count,
        recovered_in_full_count=f.recovered_in_full_count,
        unverified_count=f.unverified_count,
        outstanding_fen=f.outstanding_fen,
        overdue_at_year_end_count=f.overdue_at_year_end_count,
        overdue_at_year_end_fen=f.overdue_at_year_end_fen,
    )


def overdue_aid(found: OverdueAid) -> reporting_pb2.ListOverdueEmergencyAidResponse:
    return reporting_pb2.ListOverdueEmergencyAidResponse(
        as_of_date=found.as_of_date,
        obligations=[
            reporting_pb2.OverdueEmergencyAid(
                payout_entry_id=o.payout_entry_id,
                obligation_id=o.obligation_id,
                member_id=o.member_id,
                program_code=o.program_code,
                fiscal_year=o.fiscal_year,
                unit_code=o.unit_code,
                effective_date=o.effective_date,
                due_date=o.due_date,
                days_overdue=o.days_overdue(found.as_of_date),
                paid_fen=o.amount_fen,
                recovered_fen=o.recovered_fen,
                instalments=o.instalments,
                outstanding_fen=o.outstanding_fen,
            )
            for o in found.obligations
        ],
        next_page_token=found.next_page_token,
        total_count=found.total_count,
        paid_fen=found.paid_fen,
        recovered_fen=found.recovered_fen,
        outstanding_fen=found.outstanding_fen,
        built_from=positions(found.positions),
    )


# -- statements ---------------------------------------------------------------------------

ENTRY_KINDS = {
    PAYOUT: ledger_pb2.ENTRY_KIND_PAYOUT,
    REVERSAL: ledger_pb2.ENTRY_KIND_REVERSAL,
    RECOVERY: ledger_pb2.ENTRY_KIND_RECOVERY,
    CONTRIBUTION: ledger_pb2.ENTRY_KIND_CONTRIBUTION,
}


def statement(found: Statement) -> reporting_pb2.MemberStatement:
    reason_prefix = "REVERSAL_REASON_"
    lines = []
    for line in found.lines:
        e = line.entry
        lines.append(
            reporting_pb2.StatementLine(
                position=e.position,
                entry_id=e.entry_id,
                kind=ENTRY_KINDS.get(e.kind, ledger_pb2.ENTRY_KIND_UNSPECIFIED),
                program_code=e.program_code,
                fiscal_year=e.fiscal_year,
                amount_fen=e.amount_fen,
                effective_date=e.effective_date,
                recorded_at=timestamp(e.recorded_us),
                unit_code=e.unit_code,
                reverses_entry_id=e.reverses_entry_id if e.kind == REVERSAL else "",
                recovers_entry_id=e.reverses_entry_id if e.kind == RECOVERY else "",
                claim_id=found.claims.get(e.entry_id, ""),
                reversed_by_entry_id=line.reversed_by,
                reversal_reason=_enum(ledger_pb2.ReversalReason, reason_prefix, e.reason),  # type: ignore[arg-type]
                request_id=e.request_id,
                running_received_fen=line.running_received_fen,
                running_program_fen=line.running_program_fen,
                running_stored_value_fen=line.running_stored_value_fen,
                running_contributed_fen=line.running_contributed_fen,
                period_id=e.period_id,
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
    # Codes are looked up, never stored; still, nothing unbounded gets in.
    values.text(req.program_code, "program_code", MAX_CODE)
    values.text(req.unit_code, "unit_code", MAX_CODE)
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
        and micros(req.recorded_from, "recorded_from") > micros(req.recorded_to, "recorded_to")
    ):
        raise InvalidArgument("recorded_to", "must not be before recorded_from")


def stream_event(
    envelope: events_pb2.EventEnvelope, seq: int, unit_code: str, valid: bool
) -> reporting_pb2.StreamEventsResponse:
    return reporting_pb2.StreamEventsResponse(
        envelope=envelope, stream_seq=seq, unit_code=unit_code, link_valid=valid
    )

import datetime

from benefits_platform.protos.benefits.v1 import common_pb2 as _common_pb2
from benefits_platform.protos.benefits.v1 import events_pb2 as _events_pb2
from benefits_platform.protos.benefits.v1 import ledger_pb2 as _ledger_pb2
from benefits_platform.protos.benefits.v1 import members_pb2 as _members_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamPosition(_message.Message):
    __slots__ = ("source", "position", "stream_seq")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    STREAM_SEQ_FIELD_NUMBER: _ClassVar[int]
    source: str
    position: int
    stream_seq: int
    def __init__(self, source: _Optional[str] = ..., position: _Optional[int] = ..., stream_seq: _Optional[int] = ...) -> None: ...

class ReportTotals(_message.Message):
    __slots__ = ("paid_fen", "person_times", "members", "households", "payout_count", "payout_fen", "reversal_count", "reversal_fen", "recovered_fen")
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    PERSON_TIMES_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_FEN_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_FEN_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    paid_fen: int
    person_times: int
    members: int
    households: int
    payout_count: int
    payout_fen: int
    reversal_count: int
    reversal_fen: int
    recovered_fen: int
    def __init__(self, paid_fen: _Optional[int] = ..., person_times: _Optional[int] = ..., members: _Optional[int] = ..., households: _Optional[int] = ..., payout_count: _Optional[int] = ..., payout_fen: _Optional[int] = ..., reversal_count: _Optional[int] = ..., reversal_fen: _Optional[int] = ..., recovered_fen: _Optional[int] = ...) -> None: ...

class MonthTotals(_message.Message):
    __slots__ = ("month", "paid_fen", "person_times", "reversal_count", "reversal_fen")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    PERSON_TIMES_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_FEN_FIELD_NUMBER: _ClassVar[int]
    month: int
    paid_fen: int
    person_times: int
    reversal_count: int
    reversal_fen: int
    def __init__(self, month: _Optional[int] = ..., paid_fen: _Optional[int] = ..., person_times: _Optional[int] = ..., reversal_count: _Optional[int] = ..., reversal_fen: _Optional[int] = ...) -> None: ...

class UnitTotals(_message.Message):
    __slots__ = ("unit_code", "name_zh", "name_en", "level", "parent_code", "depth", "totals")
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    unit_code: str
    name_zh: str
    name_en: str
    level: _members_pb2.UnitLevel
    parent_code: str
    depth: int
    totals: ReportTotals
    def __init__(self, unit_code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., level: _Optional[_Union[_members_pb2.UnitLevel, str]] = ..., parent_code: _Optional[str] = ..., depth: _Optional[int] = ..., totals: _Optional[_Union[ReportTotals, _Mapping]] = ...) -> None: ...

class ProgramReport(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "name_zh", "name_en", "kind", "budget_fen", "committed_fen", "remaining_fen", "closed", "totals", "months", "units")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FEN_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_FEN_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FEN_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    kind: _ledger_pb2.ProgramKind
    budget_fen: int
    committed_fen: int
    remaining_fen: int
    closed: bool
    totals: ReportTotals
    months: _containers.RepeatedCompositeFieldContainer[MonthTotals]
    units: _containers.RepeatedCompositeFieldContainer[UnitTotals]
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., kind: _Optional[_Union[_ledger_pb2.ProgramKind, str]] = ..., budget_fen: _Optional[int] = ..., committed_fen: _Optional[int] = ..., remaining_fen: _Optional[int] = ..., closed: _Optional[bool] = ..., totals: _Optional[_Union[ReportTotals, _Mapping]] = ..., months: _Optional[_Iterable[_Union[MonthTotals, _Mapping]]] = ..., units: _Optional[_Iterable[_Union[UnitTotals, _Mapping]]] = ...) -> None: ...

class GetProgramTotalsRequest(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "unit_code", "unit_depth")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_DEPTH_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    unit_code: str
    unit_depth: int
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., unit_code: _Optional[str] = ..., unit_depth: _Optional[int] = ...) -> None: ...

class GetAnnualReportRequest(_message.Message):
    __slots__ = ("fiscal_year", "unit_code", "unit_depth", "as_of")
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_DEPTH_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    fiscal_year: int
    unit_code: str
    unit_depth: int
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, fiscal_year: _Optional[int] = ..., unit_code: _Optional[str] = ..., unit_depth: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AnnualReport(_message.Message):
    __slots__ = ("fiscal_year", "unit_code", "unit_name_zh", "unit_name_en", "unit_level", "unit_depth", "as_of", "programs", "totals", "months", "units", "built_from", "generated_at", "content_sha256", "mutual_aid", "emergency_aid")
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_EN_FIELD_NUMBER: _ClassVar[int]
    UNIT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    UNIT_DEPTH_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PROGRAMS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    BUILT_FROM_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    MUTUAL_AID_FIELD_NUMBER: _ClassVar[int]
    EMERGENCY_AID_FIELD_NUMBER: _ClassVar[int]
    fiscal_year: int
    unit_code: str
    unit_name_zh: str
    unit_name_en: str
    unit_level: _members_pb2.UnitLevel
    unit_depth: int
    as_of: _timestamp_pb2.Timestamp
    programs: _containers.RepeatedCompositeFieldContainer[ProgramReport]
    totals: ReportTotals
    months: _containers.RepeatedCompositeFieldContainer[MonthTotals]
    units: _containers.RepeatedCompositeFieldContainer[UnitTotals]
    built_from: _containers.RepeatedCompositeFieldContainer[StreamPosition]
    generated_at: _timestamp_pb2.Timestamp
    content_sha256: str
    mutual_aid: _containers.RepeatedCompositeFieldContainer[ClaimsReport]
    emergency_aid: _containers.RepeatedCompositeFieldContainer[EmergencyAidTotals]
    def __init__(self, fiscal_year: _Optional[int] = ..., unit_code: _Optional[str] = ..., unit_name_zh: _Optional[str] = ..., unit_name_en: _Optional[str] = ..., unit_level: _Optional[_Union[_members_pb2.UnitLevel, str]] = ..., unit_depth: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., programs: _Optional[_Iterable[_Union[ProgramReport, _Mapping]]] = ..., totals: _Optional[_Union[ReportTotals, _Mapping]] = ..., months: _Optional[_Iterable[_Union[MonthTotals, _Mapping]]] = ..., units: _Optional[_Iterable[_Union[UnitTotals, _Mapping]]] = ..., built_from: _Optional[_Iterable[_Union[StreamPosition, _Mapping]]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content_sha256: _Optional[str] = ..., mutual_aid: _Optional[_Iterable[_Union[ClaimsReport, _Mapping]]] = ..., emergency_aid: _Optional[_Iterable[_Union[EmergencyAidTotals, _Mapping]]] = ...) -> None: ...

class GetMemberStatementRequest(_message.Message):
    __slots__ = ("member_id", "fiscal_year", "page")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    fiscal_year: int
    page: _common_pb2.PageRequest
    def __init__(self, member_id: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class StatementLine(_message.Message):
    __slots__ = ("position", "entry_id", "kind", "program_code", "fiscal_year", "amount_fen", "effective_date", "recorded_at", "unit_code", "reverses_entry_id", "reversed_by_entry_id", "reversal_reason", "request_id", "running_received_fen", "running_program_fen", "running_stored_value_fen", "recovers_entry_id", "claim_id", "running_contributed_fen", "period_id")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    REVERSES_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_BY_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RUNNING_RECEIVED_FEN_FIELD_NUMBER: _ClassVar[int]
    RUNNING_PROGRAM_FEN_FIELD_NUMBER: _ClassVar[int]
    RUNNING_STORED_VALUE_FEN_FIELD_NUMBER: _ClassVar[int]
    RECOVERS_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    RUNNING_CONTRIBUTED_FEN_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    position: int
    entry_id: str
    kind: _ledger_pb2.EntryKind
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    recorded_at: _timestamp_pb2.Timestamp
    unit_code: str
    reverses_entry_id: str
    reversed_by_entry_id: str
    reversal_reason: _ledger_pb2.ReversalReason
    request_id: str
    running_received_fen: int
    running_program_fen: int
    running_stored_value_fen: int
    recovers_entry_id: str
    claim_id: str
    running_contributed_fen: int
    period_id: str
    def __init__(self, position: _Optional[int] = ..., entry_id: _Optional[str] = ..., kind: _Optional[_Union[_ledger_pb2.EntryKind, str]] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unit_code: _Optional[str] = ..., reverses_entry_id: _Optional[str] = ..., reversed_by_entry_id: _Optional[str] = ..., reversal_reason: _Optional[_Union[_ledger_pb2.ReversalReason, str]] = ..., request_id: _Optional[str] = ..., running_received_fen: _Optional[int] = ..., running_program_fen: _Optional[int] = ..., running_stored_value_fen: _Optional[int] = ..., recovers_entry_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., running_contributed_fen: _Optional[int] = ..., period_id: _Optional[str] = ...) -> None: ...

class MemberReceipts(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "kind", "received_fen", "payout_count", "reversal_count")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    kind: _ledger_pb2.ProgramKind
    received_fen: int
    payout_count: int
    reversal_count: int
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., kind: _Optional[_Union[_ledger_pb2.ProgramKind, str]] = ..., received_fen: _Optional[int] = ..., payout_count: _Optional[int] = ..., reversal_count: _Optional[int] = ...) -> None: ...

class MemberStatement(_message.Message):
    __slots__ = ("member_id", "unit_code", "household_id", "lines", "next_page_token", "line_count", "receipts", "stored_value_balance_fen", "built_from")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    STORED_VALUE_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    BUILT_FROM_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    unit_code: str
    household_id: str
    lines: _containers.RepeatedCompositeFieldContainer[StatementLine]
    next_page_token: str
    line_count: int
    receipts: _containers.RepeatedCompositeFieldContainer[MemberReceipts]
    stored_value_balance_fen: int
    built_from: _containers.RepeatedCompositeFieldContainer[StreamPosition]
    def __init__(self, member_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., household_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[StatementLine, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., line_count: _Optional[int] = ..., receipts: _Optional[_Iterable[_Union[MemberReceipts, _Mapping]]] = ..., stored_value_balance_fen: _Optional[int] = ..., built_from: _Optional[_Iterable[_Union[StreamPosition, _Mapping]]] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("source", "start_position", "member_id", "program_code", "fiscal_year", "unit_code", "effective_from", "effective_to", "recorded_from", "recorded_to", "limit")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    START_POSITION_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TO_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FROM_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TO_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    source: str
    start_position: int
    member_id: str
    program_code: str
    fiscal_year: int
    unit_code: str
    effective_from: str
    effective_to: str
    recorded_from: _timestamp_pb2.Timestamp
    recorded_to: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, source: _Optional[str] = ..., start_position: _Optional[int] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., unit_code: _Optional[str] = ..., effective_from: _Optional[str] = ..., effective_to: _Optional[str] = ..., recorded_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class StreamEventsResponse(_message.Message):
    __slots__ = ("envelope", "stream_seq", "unit_code", "link_valid")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    STREAM_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    LINK_VALID_FIELD_NUMBER: _ClassVar[int]
    envelope: _events_pb2.EventEnvelope
    stream_seq: int
    unit_code: str
    link_valid: bool
    def __init__(self, envelope: _Optional[_Union[_events_pb2.EventEnvelope, _Mapping]] = ..., stream_seq: _Optional[int] = ..., unit_code: _Optional[str] = ..., link_valid: _Optional[bool] = ...) -> None: ...

class VerifyLedgerRequest(_message.Message):
    __slots__ = ("ledger_store", "skip_projections")
    LEDGER_STORE_FIELD_NUMBER: _ClassVar[int]
    SKIP_PROJECTIONS_FIELD_NUMBER: _ClassVar[int]
    ledger_store: str
    skip_projections: bool
    def __init__(self, ledger_store: _Optional[str] = ..., skip_projections: _Optional[bool] = ...) -> None: ...

class AuditProgress(_message.Message):
    __slots__ = ("phase", "done", "total")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    phase: str
    done: int
    total: int
    def __init__(self, phase: _Optional[str] = ..., done: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class AuditDiscrepancy(_message.Message):
    __slots__ = ("kind", "source", "position", "event_id", "event_type", "expected", "actual", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    source: str
    position: int
    event_id: str
    event_type: str
    expected: str
    actual: str
    detail: str
    def __init__(self, kind: _Optional[str] = ..., source: _Optional[str] = ..., position: _Optional[int] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., expected: _Optional[str] = ..., actual: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class AuditCheck(_message.Message):
    __slots__ = ("name", "ok", "skipped", "checked", "detail", "discrepancy")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    CHECKED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    DISCREPANCY_FIELD_NUMBER: _ClassVar[int]
    name: str
    ok: bool
    skipped: bool
    checked: int
    detail: str
    discrepancy: AuditDiscrepancy
    def __init__(self, name: _Optional[str] = ..., ok: _Optional[bool] = ..., skipped: _Optional[bool] = ..., checked: _Optional[int] = ..., detail: _Optional[str] = ..., discrepancy: _Optional[_Union[AuditDiscrepancy, _Mapping]] = ...) -> None: ...

class AuditVerdict(_message.Message):
    __slots__ = ("ok", "checks", "first_discrepancy", "verified")
    OK_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    FIRST_DISCREPANCY_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    checks: _containers.RepeatedCompositeFieldContainer[AuditCheck]
    first_discrepancy: AuditDiscrepancy
    verified: _containers.RepeatedCompositeFieldContainer[StreamPosition]
    def __init__(self, ok: _Optional[bool] = ..., checks: _Optional[_Iterable[_Union[AuditCheck, _Mapping]]] = ..., first_discrepancy: _Optional[_Union[AuditDiscrepancy, _Mapping]] = ..., verified: _Optional[_Iterable[_Union[StreamPosition, _Mapping]]] = ...) -> None: ...

class VerifyLedgerResponse(_message.Message):
    __slots__ = ("progress", "verdict")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    progress: AuditProgress
    verdict: AuditVerdict
    def __init__(self, progress: _Optional[_Union[AuditProgress, _Mapping]] = ..., verdict: _Optional[_Union[AuditVerdict, _Mapping]] = ...) -> None: ...

class RebuildProjectionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RebuildResult(_message.Message):
    __slots__ = ("events", "positions", "seconds")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    events: int
    positions: _containers.RepeatedCompositeFieldContainer[StreamPosition]
    seconds: float
    def __init__(self, events: _Optional[int] = ..., positions: _Optional[_Iterable[_Union[StreamPosition, _Mapping]]] = ..., seconds: _Optional[float] = ...) -> None: ...

class RebuildProjectionsResponse(_message.Message):
    __slots__ = ("progress", "done")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    progress: AuditProgress
    done: RebuildResult
    def __init__(self, progress: _Optional[_Union[AuditProgress, _Mapping]] = ..., done: _Optional[_Union[RebuildResult, _Mapping]] = ...) -> None: ...

class GetClaimsReportRequest(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "period_id", "unit_code", "unit_depth", "as_of")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_DEPTH_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    period_id: str
    unit_code: str
    unit_depth: int
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_depth: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ClaimStateTotals(_message.Message):
    __slots__ = ("state", "count", "self_paid_fen", "benefit_fen")
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SELF_PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    BENEFIT_FEN_FIELD_NUMBER: _ClassVar[int]
    state: _ledger_pb2.ClaimState
    count: int
    self_paid_fen: int
    benefit_fen: int
    def __init__(self, state: _Optional[_Union[_ledger_pb2.ClaimState, str]] = ..., count: _Optional[int] = ..., self_paid_fen: _Optional[int] = ..., benefit_fen: _Optional[int] = ...) -> None: ...

class ClaimsTotals(_message.Message):
    __slots__ = ("by_state", "claim_count", "self_paid_fen", "paid_count", "paid_fen", "average_benefit_fen", "contribution_count", "contributions_fen", "loss_ratio_bp")
    BY_STATE_FIELD_NUMBER: _ClassVar[int]
    CLAIM_COUNT_FIELD_NUMBER: _ClassVar[int]
    SELF_PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    PAID_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_BENEFIT_FEN_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FEN_FIELD_NUMBER: _ClassVar[int]
    LOSS_RATIO_BP_FIELD_NUMBER: _ClassVar[int]
    by_state: _containers.RepeatedCompositeFieldContainer[ClaimStateTotals]
    claim_count: int
    self_paid_fen: int
    paid_count: int
    paid_fen: int
    average_benefit_fen: int
    contribution_count: int
    contributions_fen: int
    loss_ratio_bp: int
    def __init__(self, by_state: _Optional[_Iterable[_Union[ClaimStateTotals, _Mapping]]] = ..., claim_count: _Optional[int] = ..., self_paid_fen: _Optional[int] = ..., paid_count: _Optional[int] = ..., paid_fen: _Optional[int] = ..., average_benefit_fen: _Optional[int] = ..., contribution_count: _Optional[int] = ..., contributions_fen: _Optional[int] = ..., loss_ratio_bp: _Optional[int] = ...) -> None: ...

class UnitClaims(_message.Message):
    __slots__ = ("unit_code", "name_zh", "name_en", "level", "parent_code", "depth", "totals")
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    unit_code: str
    name_zh: str
    name_en: str
    level: _members_pb2.UnitLevel
    parent_code: str
    depth: int
    totals: ClaimsTotals
    def __init__(self, unit_code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., level: _Optional[_Union[_members_pb2.UnitLevel, str]] = ..., parent_code: _Optional[str] = ..., depth: _Optional[int] = ..., totals: _Optional[_Union[ClaimsTotals, _Mapping]] = ...) -> None: ...

class PeriodClaims(_message.Message):
    __slots__ = ("period_id", "start_date", "end_date", "totals", "units")
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    period_id: str
    start_date: str
    end_date: str
    totals: ClaimsTotals
    units: _containers.RepeatedCompositeFieldContainer[UnitClaims]
    def __init__(self, period_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., totals: _Optional[_Union[ClaimsTotals, _Mapping]] = ..., units: _Optional[_Iterable[_Union[UnitClaims, _Mapping]]] = ...) -> None: ...

class PoolTotals(_message.Message):
    __slots__ = ("account", "contributed_fen", "contribution_count", "claims_paid_fen", "claims_paid_count", "balance_fen", "overdraft_fen", "available_fen")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTED_FEN_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_PAID_COUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    OVERDRAFT_FEN_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    account: str
    contributed_fen: int
    contribution_count: int
    claims_paid_fen: int
    claims_paid_count: int
    balance_fen: int
    overdraft_fen: int
    available_fen: int
    def __init__(self, account: _Optional[str] = ..., contributed_fen: _Optional[int] = ..., contribution_count: _Optional[int] = ..., claims_paid_fen: _Optional[int] = ..., claims_paid_count: _Optional[int] = ..., balance_fen: _Optional[int] = ..., overdraft_fen: _Optional[int] = ..., available_fen: _Optional[int] = ...) -> None: ...

class ClaimsReport(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "name_zh", "name_en", "unit_code", "unit_name_zh", "unit_name_en", "unit_level", "unit_depth", "as_of", "periods", "totals", "pool", "built_from", "generated_at")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    UNIT_NAME_EN_FIELD_NUMBER: _ClassVar[int]
    UNIT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    UNIT_DEPTH_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    BUILT_FROM_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    unit_code: str
    unit_name_zh: str
    unit_name_en: str
    unit_level: _members_pb2.UnitLevel
    unit_depth: int
    as_of: _timestamp_pb2.Timestamp
    periods: _containers.RepeatedCompositeFieldContainer[PeriodClaims]
    totals: ClaimsTotals
    pool: PoolTotals
    built_from: _containers.RepeatedCompositeFieldContainer[StreamPosition]
    generated_at: _timestamp_pb2.Timestamp
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_name_zh: _Optional[str] = ..., unit_name_en: _Optional[str] = ..., unit_level: _Optional[_Union[_members_pb2.UnitLevel, str]] = ..., unit_depth: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., periods: _Optional[_Iterable[_Union[PeriodClaims, _Mapping]]] = ..., totals: _Optional[_Union[ClaimsTotals, _Mapping]] = ..., pool: _Optional[_Union[PoolTotals, _Mapping]] = ..., built_from: _Optional[_Iterable[_Union[StreamPosition, _Mapping]]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EmergencyAidTotals(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "name_zh", "name_en", "verify_within_days", "payout_count", "paid_fen", "recovery_count", "recovered_fen", "reversed_count", "reversed_fen", "net_paid_fen", "verified_count", "recovered_in_full_count", "unverified_count", "outstanding_fen", "overdue_at_year_end_count", "overdue_at_year_end_fen")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    VERIFY_WITHIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    REVERSED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVERSED_FEN_FIELD_NUMBER: _ClassVar[int]
    NET_PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_IN_FULL_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNVERIFIED_COUNT_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FEN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_AT_YEAR_END_COUNT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_AT_YEAR_END_FEN_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    verify_within_days: int
    payout_count: int
    paid_fen: int
    recovery_count: int
    recovered_fen: int
    reversed_count: int
    reversed_fen: int
    net_paid_fen: int
    verified_count: int
    recovered_in_full_count: int
    unverified_count: int
    outstanding_fen: int
    overdue_at_year_end_count: int
    overdue_at_year_end_fen: int
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., verify_within_days: _Optional[int] = ..., payout_count: _Optional[int] = ..., paid_fen: _Optional[int] = ..., recovery_count: _Optional[int] = ..., recovered_fen: _Optional[int] = ..., reversed_count: _Optional[int] = ..., reversed_fen: _Optional[int] = ..., net_paid_fen: _Optional[int] = ..., verified_count: _Optional[int] = ..., recovered_in_full_count: _Optional[int] = ..., unverified_count: _Optional[int] = ..., outstanding_fen: _Optional[int] = ..., overdue_at_year_end_count: _Optional[int] = ..., overdue_at_year_end_fen: _Optional[int] = ...) -> None: ...

class ListOverdueEmergencyAidRequest(_message.Message):
    __slots__ = ("as_of_date", "program_code", "fiscal_year", "unit_code", "page")
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    as_of_date: str
    program_code: str
    fiscal_year: int
    unit_code: str
    page: _common_pb2.PageRequest
    def __init__(self, as_of_date: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., unit_code: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class OverdueEmergencyAid(_message.Message):
    __slots__ = ("payout_entry_id", "obligation_id", "member_id", "program_code", "fiscal_year", "unit_code", "effective_date", "due_date", "days_overdue", "paid_fen", "recovered_fen", "instalments", "outstanding_fen")
    PAYOUT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    OBLIGATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DAYS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    INSTALMENTS_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FEN_FIELD_NUMBER: _ClassVar[int]
    payout_entry_id: str
    obligation_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    unit_code: str
    effective_date: str
    due_date: str
    days_overdue: int
    paid_fen: int
    recovered_fen: int
    instalments: int
    outstanding_fen: int
    def __init__(self, payout_entry_id: _Optional[str] = ..., obligation_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., unit_code: _Optional[str] = ..., effective_date: _Optional[str] = ..., due_date: _Optional[str] = ..., days_overdue: _Optional[int] = ..., paid_fen: _Optional[int] = ..., recovered_fen: _Optional[int] = ..., instalments: _Optional[int] = ..., outstanding_fen: _Optional[int] = ...) -> None: ...

class ListOverdueEmergencyAidResponse(_message.Message):
    __slots__ = ("as_of_date", "obligations", "next_page_token", "total_count", "paid_fen", "recovered_fen", "outstanding_fen", "built_from")
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    OBLIGATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FEN_FIELD_NUMBER: _ClassVar[int]
    BUILT_FROM_FIELD_NUMBER: _ClassVar[int]
    as_of_date: str
    obligations: _containers.RepeatedCompositeFieldContainer[OverdueEmergencyAid]
    next_page_token: str
    total_count: int
    paid_fen: int
    recovered_fen: int
    outstanding_fen: int
    built_from: _containers.RepeatedCompositeFieldContainer[StreamPosition]
    def __init__(self, as_of_date: _Optional[str] = ..., obligations: _Optional[_Iterable[_Union[OverdueEmergencyAid, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_count: _Optional[int] = ..., paid_fen: _Optional[int] = ..., recovered_fen: _Optional[int] = ..., outstanding_fen: _Optional[int] = ..., built_from: _Optional[_Iterable[_Union[StreamPosition, _Mapping]]] = ...) -> None: ...

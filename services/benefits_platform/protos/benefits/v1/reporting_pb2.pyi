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
    __slots__ = ("paid_fen", "person_times", "members", "households", "payout_count", "payout_fen", "reversal_count", "reversal_fen")
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    PERSON_TIMES_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_FEN_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_FEN_FIELD_NUMBER: _ClassVar[int]
    paid_fen: int
    person_times: int
    members: int
    households: int
    payout_count: int
    payout_fen: int
    reversal_count: int
    reversal_fen: int
    def __init__(self, paid_fen: _Optional[int] = ..., person_times: _Optional[int] = ..., members: _Optional[int] = ..., households: _Optional[int] = ..., payout_count: _Optional[int] = ..., payout_fen: _Optional[int] = ..., reversal_count: _Optional[int] = ..., reversal_fen: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("fiscal_year", "unit_code", "unit_name_zh", "unit_name_en", "unit_level", "unit_depth", "as_of", "programs", "totals", "months", "units", "built_from", "generated_at", "content_sha256")
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
    def __init__(self, fiscal_year: _Optional[int] = ..., unit_code: _Optional[str] = ..., unit_name_zh: _Optional[str] = ..., unit_name_en: _Optional[str] = ..., unit_level: _Optional[_Union[_members_pb2.UnitLevel, str]] = ..., unit_depth: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., programs: _Optional[_Iterable[_Union[ProgramReport, _Mapping]]] = ..., totals: _Optional[_Union[ReportTotals, _Mapping]] = ..., months: _Optional[_Iterable[_Union[MonthTotals, _Mapping]]] = ..., units: _Optional[_Iterable[_Union[UnitTotals, _Mapping]]] = ..., built_from: _Optional[_Iterable[_Union[StreamPosition, _Mapping]]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content_sha256: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("position", "entry_id", "kind", "program_code", "fiscal_year", "amount_fen", "effective_date", "recorded_at", "unit_code", "reverses_entry_id", "reversed_by_entry_id", "reversal_reason", "request_id", "running_received_fen", "running_program_fen", "running_stored_value_fen")
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
    def __init__(self, position: _Optional[int] = ..., entry_id: _Optional[str] = ..., kind: _Optional[_Union[_ledger_pb2.EntryKind, str]] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unit_code: _Optional[str] = ..., reverses_entry_id: _Optional[str] = ..., reversed_by_entry_id: _Optional[str] = ..., reversal_reason: _Optional[_Union[_ledger_pb2.ReversalReason, str]] = ..., request_id: _Optional[str] = ..., running_received_fen: _Optional[int] = ..., running_program_fen: _Optional[int] = ..., running_stored_value_fen: _Optional[int] = ...) -> None: ...

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

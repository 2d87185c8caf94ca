import datetime

from benefits_platform.protos.benefits.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProgramKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROGRAM_KIND_UNSPECIFIED: _ClassVar[ProgramKind]
    PROGRAM_KIND_SUBSIDY: _ClassVar[ProgramKind]
    PROGRAM_KIND_AID: _ClassVar[ProgramKind]
    PROGRAM_KIND_MUTUAL_AID: _ClassVar[ProgramKind]
    PROGRAM_KIND_IN_KIND: _ClassVar[ProgramKind]

class ProgramStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROGRAM_STATUS_UNSPECIFIED: _ClassVar[ProgramStatus]
    PROGRAM_STATUS_OPEN: _ClassVar[ProgramStatus]
    PROGRAM_STATUS_CLOSED: _ClassVar[ProgramStatus]

class ReversalReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVERSAL_REASON_UNSPECIFIED: _ClassVar[ReversalReason]
    REVERSAL_REASON_DUPLICATE_PAYMENT: _ClassVar[ReversalReason]
    REVERSAL_REASON_WRONG_AMOUNT: _ClassVar[ReversalReason]
    REVERSAL_REASON_WRONG_MEMBER: _ClassVar[ReversalReason]
    REVERSAL_REASON_INELIGIBLE: _ClassVar[ReversalReason]
    REVERSAL_REASON_RETURNED_BY_BANK: _ClassVar[ReversalReason]
    REVERSAL_REASON_FRAUD: _ClassVar[ReversalReason]
    REVERSAL_REASON_OTHER: _ClassVar[ReversalReason]

class EntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTRY_KIND_UNSPECIFIED: _ClassVar[EntryKind]
    ENTRY_KIND_PAYOUT: _ClassVar[EntryKind]
    ENTRY_KIND_REVERSAL: _ClassVar[EntryKind]
PROGRAM_KIND_UNSPECIFIED: ProgramKind
PROGRAM_KIND_SUBSIDY: ProgramKind
PROGRAM_KIND_AID: ProgramKind
PROGRAM_KIND_MUTUAL_AID: ProgramKind
PROGRAM_KIND_IN_KIND: ProgramKind
PROGRAM_STATUS_UNSPECIFIED: ProgramStatus
PROGRAM_STATUS_OPEN: ProgramStatus
PROGRAM_STATUS_CLOSED: ProgramStatus
REVERSAL_REASON_UNSPECIFIED: ReversalReason
REVERSAL_REASON_DUPLICATE_PAYMENT: ReversalReason
REVERSAL_REASON_WRONG_AMOUNT: ReversalReason
REVERSAL_REASON_WRONG_MEMBER: ReversalReason
REVERSAL_REASON_INELIGIBLE: ReversalReason
REVERSAL_REASON_RETURNED_BY_BANK: ReversalReason
REVERSAL_REASON_FRAUD: ReversalReason
REVERSAL_REASON_OTHER: ReversalReason
ENTRY_KIND_UNSPECIFIED: EntryKind
ENTRY_KIND_PAYOUT: EntryKind
ENTRY_KIND_REVERSAL: EntryKind

class Eligibility(_message.Message):
    __slots__ = ("member_groups", "hardship_only")
    MEMBER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    HARDSHIP_ONLY_FIELD_NUMBER: _ClassVar[int]
    member_groups: _containers.RepeatedScalarFieldContainer[str]
    hardship_only: bool
    def __init__(self, member_groups: _Optional[_Iterable[str]] = ..., hardship_only: _Optional[bool] = ...) -> None: ...

class OpenProgramRequest(_message.Message):
    __slots__ = ("code", "fiscal_year", "name_zh", "name_en", "kind", "budget_fen", "standard_amount_fen", "per_member_annual_cap_fen", "eligibility", "request_id", "tier_standards")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FEN_FIELD_NUMBER: _ClassVar[int]
    STANDARD_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PER_MEMBER_ANNUAL_CAP_FEN_FIELD_NUMBER: _ClassVar[int]
    ELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_STANDARDS_FIELD_NUMBER: _ClassVar[int]
    code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    kind: ProgramKind
    budget_fen: int
    standard_amount_fen: int
    per_member_annual_cap_fen: int
    eligibility: Eligibility
    request_id: str
    tier_standards: _containers.RepeatedCompositeFieldContainer[TierStandard]
    def __init__(self, code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., kind: _Optional[_Union[ProgramKind, str]] = ..., budget_fen: _Optional[int] = ..., standard_amount_fen: _Optional[int] = ..., per_member_annual_cap_fen: _Optional[int] = ..., eligibility: _Optional[_Union[Eligibility, _Mapping]] = ..., request_id: _Optional[str] = ..., tier_standards: _Optional[_Iterable[_Union[TierStandard, _Mapping]]] = ...) -> None: ...

class TierStandard(_message.Message):
    __slots__ = ("tier", "amount_fen")
    TIER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    tier: _common_pb2.HardshipTier
    amount_fen: int
    def __init__(self, tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., amount_fen: _Optional[int] = ...) -> None: ...

class CloseProgramRequest(_message.Message):
    __slots__ = ("code", "fiscal_year", "reason")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: str
    fiscal_year: int
    reason: str
    def __init__(self, code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class GetProgramRequest(_message.Message):
    __slots__ = ("code", "fiscal_year")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    code: str
    fiscal_year: int
    def __init__(self, code: _Optional[str] = ..., fiscal_year: _Optional[int] = ...) -> None: ...

class ListProgramsRequest(_message.Message):
    __slots__ = ("fiscal_year",)
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    fiscal_year: int
    def __init__(self, fiscal_year: _Optional[int] = ...) -> None: ...

class Program(_message.Message):
    __slots__ = ("code", "fiscal_year", "name_zh", "name_en", "kind", "status", "budget_fen", "committed_fen", "remaining_fen", "standard_amount_fen", "per_member_annual_cap_fen", "eligibility", "payout_count", "reversal_count", "opened_at", "closed_at", "tier_standards")
    CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FEN_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_FEN_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FEN_FIELD_NUMBER: _ClassVar[int]
    STANDARD_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PER_MEMBER_ANNUAL_CAP_FEN_FIELD_NUMBER: _ClassVar[int]
    ELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    TIER_STANDARDS_FIELD_NUMBER: _ClassVar[int]
    code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    kind: ProgramKind
    status: ProgramStatus
    budget_fen: int
    committed_fen: int
    remaining_fen: int
    standard_amount_fen: int
    per_member_annual_cap_fen: int
    eligibility: Eligibility
    payout_count: int
    reversal_count: int
    opened_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    tier_standards: _containers.RepeatedCompositeFieldContainer[TierStandard]
    def __init__(self, code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., kind: _Optional[_Union[ProgramKind, str]] = ..., status: _Optional[_Union[ProgramStatus, str]] = ..., budget_fen: _Optional[int] = ..., committed_fen: _Optional[int] = ..., remaining_fen: _Optional[int] = ..., standard_amount_fen: _Optional[int] = ..., per_member_annual_cap_fen: _Optional[int] = ..., eligibility: _Optional[_Union[Eligibility, _Mapping]] = ..., payout_count: _Optional[int] = ..., reversal_count: _Optional[int] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tier_standards: _Optional[_Iterable[_Union[TierStandard, _Mapping]]] = ...) -> None: ...

class ListProgramsResponse(_message.Message):
    __slots__ = ("programs",)
    PROGRAMS_FIELD_NUMBER: _ClassVar[int]
    programs: _containers.RepeatedCompositeFieldContainer[Program]
    def __init__(self, programs: _Optional[_Iterable[_Union[Program, _Mapping]]] = ...) -> None: ...

class PostPayoutRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "program_code", "fiscal_year", "amount_fen", "effective_date", "external_ref", "note", "members_position")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_POSITION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    external_ref: str
    note: str
    members_position: int
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., external_ref: _Optional[str] = ..., note: _Optional[str] = ..., members_position: _Optional[int] = ...) -> None: ...

class PostPayoutsRequest(_message.Message):
    __slots__ = ("payouts",)
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    payouts: _containers.RepeatedCompositeFieldContainer[PostPayoutRequest]
    def __init__(self, payouts: _Optional[_Iterable[_Union[PostPayoutRequest, _Mapping]]] = ...) -> None: ...

class PostPayoutsResponse(_message.Message):
    __slots__ = ("entries", "replayed_count")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_COUNT_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    replayed_count: int
    def __init__(self, entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ..., replayed_count: _Optional[int] = ...) -> None: ...

class ReversePayoutRequest(_message.Message):
    __slots__ = ("request_id", "entry_id", "reason", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    entry_id: str
    reason: ReversalReason
    note: str
    def __init__(self, request_id: _Optional[str] = ..., entry_id: _Optional[str] = ..., reason: _Optional[_Union[ReversalReason, str]] = ..., note: _Optional[str] = ...) -> None: ...

class Entry(_message.Message):
    __slots__ = ("entry_id", "kind", "request_id", "member_id", "program_code", "fiscal_year", "amount_fen", "effective_date", "recorded_at", "external_ref", "note", "postings", "reverses_entry_id", "reversed_by_entry_id", "reversal_reason", "replayed", "basis")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    REVERSES_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_BY_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    kind: EntryKind
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    recorded_at: _timestamp_pb2.Timestamp
    external_ref: str
    note: str
    postings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Posting]
    reverses_entry_id: str
    reversed_by_entry_id: str
    reversal_reason: ReversalReason
    replayed: bool
    basis: EligibilityBasis
    def __init__(self, entry_id: _Optional[str] = ..., kind: _Optional[_Union[EntryKind, str]] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., external_ref: _Optional[str] = ..., note: _Optional[str] = ..., postings: _Optional[_Iterable[_Union[_common_pb2.Posting, _Mapping]]] = ..., reverses_entry_id: _Optional[str] = ..., reversed_by_entry_id: _Optional[str] = ..., reversal_reason: _Optional[_Union[ReversalReason, str]] = ..., replayed: _Optional[bool] = ..., basis: _Optional[_Union[EligibilityBasis, _Mapping]] = ...) -> None: ...

class EligibilityBasis(_message.Message):
    __slots__ = ("membership_status", "unit_code", "member_groups", "hardship_status", "tier", "pre_exit_tier", "gradual_exit_until", "ceiling_fen", "members_position", "household_id")
    MEMBERSHIP_STATUS_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    HARDSHIP_STATUS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    PRE_EXIT_TIER_FIELD_NUMBER: _ClassVar[int]
    GRADUAL_EXIT_UNTIL_FIELD_NUMBER: _ClassVar[int]
    CEILING_FEN_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_POSITION_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    membership_status: str
    unit_code: str
    member_groups: _containers.RepeatedScalarFieldContainer[str]
    hardship_status: str
    tier: _common_pb2.HardshipTier
    pre_exit_tier: _common_pb2.HardshipTier
    gradual_exit_until: str
    ceiling_fen: int
    members_position: int
    household_id: str
    def __init__(self, membership_status: _Optional[str] = ..., unit_code: _Optional[str] = ..., member_groups: _Optional[_Iterable[str]] = ..., hardship_status: _Optional[str] = ..., tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., pre_exit_tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., gradual_exit_until: _Optional[str] = ..., ceiling_fen: _Optional[int] = ..., members_position: _Optional[int] = ..., household_id: _Optional[str] = ...) -> None: ...

class GetPayoutRequest(_message.Message):
    __slots__ = ("entry_id",)
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    def __init__(self, entry_id: _Optional[str] = ...) -> None: ...

class GetMemberAccountRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class ProgramReceipts(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "received_fen", "payout_count", "reversal_count")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FEN_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    received_fen: int
    payout_count: int
    reversal_count: int
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., received_fen: _Optional[int] = ..., payout_count: _Optional[int] = ..., reversal_count: _Optional[int] = ...) -> None: ...

class MemberAccount(_message.Message):
    __slots__ = ("member_id", "receipts", "stored_value_balance_fen", "entry_count")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    STORED_VALUE_BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    receipts: _containers.RepeatedCompositeFieldContainer[ProgramReceipts]
    stored_value_balance_fen: int
    entry_count: int
    def __init__(self, member_id: _Optional[str] = ..., receipts: _Optional[_Iterable[_Union[ProgramReceipts, _Mapping]]] = ..., stored_value_balance_fen: _Optional[int] = ..., entry_count: _Optional[int] = ...) -> None: ...

class ListMemberEntriesRequest(_message.Message):
    __slots__ = ("member_id", "page")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    page: _common_pb2.PageRequest
    def __init__(self, member_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListMemberEntriesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[Entry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[Entry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

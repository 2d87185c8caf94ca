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
    ENTRY_KIND_CONTRIBUTION: _ClassVar[EntryKind]
    ENTRY_KIND_RECOVERY: _ClassVar[EntryKind]

class ClaimState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIM_STATE_UNSPECIFIED: _ClassVar[ClaimState]
    CLAIM_STATE_FILED: _ClassVar[ClaimState]
    CLAIM_STATE_UNDER_REVIEW: _ClassVar[ClaimState]
    CLAIM_STATE_APPROVED: _ClassVar[ClaimState]
    CLAIM_STATE_REJECTED: _ClassVar[ClaimState]
    CLAIM_STATE_WITHDRAWN: _ClassVar[ClaimState]
    CLAIM_STATE_PAID: _ClassVar[ClaimState]

class ClaimRejectionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIM_REJECTION_REASON_UNSPECIFIED: _ClassVar[ClaimRejectionReason]
    CLAIM_REJECTION_REASON_NOT_COVERED: _ClassVar[ClaimRejectionReason]
    CLAIM_REJECTION_REASON_INSUFFICIENT_DOCUMENTS: _ClassVar[ClaimRejectionReason]
    CLAIM_REJECTION_REASON_NOT_ELIGIBLE: _ClassVar[ClaimRejectionReason]
    CLAIM_REJECTION_REASON_FRAUD_SUSPECTED: _ClassVar[ClaimRejectionReason]
    CLAIM_REJECTION_REASON_LATE_FILING: _ClassVar[ClaimRejectionReason]
    CLAIM_REJECTION_REASON_OTHER: _ClassVar[ClaimRejectionReason]

class EmergencyAidState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMERGENCY_AID_STATE_UNSPECIFIED: _ClassVar[EmergencyAidState]
    EMERGENCY_AID_STATE_UNVERIFIED: _ClassVar[EmergencyAidState]
    EMERGENCY_AID_STATE_VERIFIED: _ClassVar[EmergencyAidState]
    EMERGENCY_AID_STATE_RECOVERED: _ClassVar[EmergencyAidState]
    EMERGENCY_AID_STATE_REVERSED: _ClassVar[EmergencyAidState]
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
ENTRY_KIND_CONTRIBUTION: EntryKind
ENTRY_KIND_RECOVERY: EntryKind
CLAIM_STATE_UNSPECIFIED: ClaimState
CLAIM_STATE_FILED: ClaimState
CLAIM_STATE_UNDER_REVIEW: ClaimState
CLAIM_STATE_APPROVED: ClaimState
CLAIM_STATE_REJECTED: ClaimState
CLAIM_STATE_WITHDRAWN: ClaimState
CLAIM_STATE_PAID: ClaimState
CLAIM_REJECTION_REASON_UNSPECIFIED: ClaimRejectionReason
CLAIM_REJECTION_REASON_NOT_COVERED: ClaimRejectionReason
CLAIM_REJECTION_REASON_INSUFFICIENT_DOCUMENTS: ClaimRejectionReason
CLAIM_REJECTION_REASON_NOT_ELIGIBLE: ClaimRejectionReason
CLAIM_REJECTION_REASON_FRAUD_SUSPECTED: ClaimRejectionReason
CLAIM_REJECTION_REASON_LATE_FILING: ClaimRejectionReason
CLAIM_REJECTION_REASON_OTHER: ClaimRejectionReason
EMERGENCY_AID_STATE_UNSPECIFIED: EmergencyAidState
EMERGENCY_AID_STATE_UNVERIFIED: EmergencyAidState
EMERGENCY_AID_STATE_VERIFIED: EmergencyAidState
EMERGENCY_AID_STATE_RECOVERED: EmergencyAidState
EMERGENCY_AID_STATE_REVERSED: EmergencyAidState

class Eligibility(_message.Message):
    __slots__ = ("member_groups", "hardship_only")
    MEMBER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    HARDSHIP_ONLY_FIELD_NUMBER: _ClassVar[int]
    member_groups: _containers.RepeatedScalarFieldContainer[str]
    hardship_only: bool
    def __init__(self, member_groups: _Optional[_Iterable[str]] = ..., hardship_only: _Optional[bool] = ...) -> None: ...

class OpenProgramRequest(_message.Message):
    __slots__ = ("code", "fiscal_year", "name_zh", "name_en", "kind", "budget_fen", "standard_amount_fen", "per_member_annual_cap_fen", "eligibility", "request_id", "tier_standards", "mutual_aid", "emergency", "secondary_aid")
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
    MUTUAL_AID_FIELD_NUMBER: _ClassVar[int]
    EMERGENCY_FIELD_NUMBER: _ClassVar[int]
    SECONDARY_AID_FIELD_NUMBER: _ClassVar[int]
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
    mutual_aid: MutualAidRules
    emergency: EmergencyRules
    secondary_aid: SecondaryAidRules
    def __init__(self, code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., kind: _Optional[_Union[ProgramKind, str]] = ..., budget_fen: _Optional[int] = ..., standard_amount_fen: _Optional[int] = ..., per_member_annual_cap_fen: _Optional[int] = ..., eligibility: _Optional[_Union[Eligibility, _Mapping]] = ..., request_id: _Optional[str] = ..., tier_standards: _Optional[_Iterable[_Union[TierStandard, _Mapping]]] = ..., mutual_aid: _Optional[_Union[MutualAidRules, _Mapping]] = ..., emergency: _Optional[_Union[EmergencyRules, _Mapping]] = ..., secondary_aid: _Optional[_Union[SecondaryAidRules, _Mapping]] = ...) -> None: ...

class MutualAidRules(_message.Message):
    __slots__ = ("periods", "contribution_fen", "waiting_days", "deductible_fen", "categories", "per_claim_cap_fen", "per_period_cap_fen", "overdraft_fen")
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FEN_FIELD_NUMBER: _ClassVar[int]
    WAITING_DAYS_FIELD_NUMBER: _ClassVar[int]
    DEDUCTIBLE_FEN_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    PER_CLAIM_CAP_FEN_FIELD_NUMBER: _ClassVar[int]
    PER_PERIOD_CAP_FEN_FIELD_NUMBER: _ClassVar[int]
    OVERDRAFT_FEN_FIELD_NUMBER: _ClassVar[int]
    periods: _containers.RepeatedCompositeFieldContainer[MutualAidPeriod]
    contribution_fen: int
    waiting_days: int
    deductible_fen: int
    categories: _containers.RepeatedCompositeFieldContainer[CategoryRatio]
    per_claim_cap_fen: int
    per_period_cap_fen: int
    overdraft_fen: int
    def __init__(self, periods: _Optional[_Iterable[_Union[MutualAidPeriod, _Mapping]]] = ..., contribution_fen: _Optional[int] = ..., waiting_days: _Optional[int] = ..., deductible_fen: _Optional[int] = ..., categories: _Optional[_Iterable[_Union[CategoryRatio, _Mapping]]] = ..., per_claim_cap_fen: _Optional[int] = ..., per_period_cap_fen: _Optional[int] = ..., overdraft_fen: _Optional[int] = ...) -> None: ...

class MutualAidPeriod(_message.Message):
    __slots__ = ("period_id", "start_date", "end_date")
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    period_id: str
    start_date: str
    end_date: str
    def __init__(self, period_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class CategoryRatio(_message.Message):
    __slots__ = ("category", "ratio_bp")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RATIO_BP_FIELD_NUMBER: _ClassVar[int]
    category: str
    ratio_bp: int
    def __init__(self, category: _Optional[str] = ..., ratio_bp: _Optional[int] = ...) -> None: ...

class EmergencyRules(_message.Message):
    __slots__ = ("verify_within_days",)
    VERIFY_WITHIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    verify_within_days: int
    def __init__(self, verify_within_days: _Optional[int] = ...) -> None: ...

class SecondaryAidRules(_message.Message):
    __slots__ = ("mutual_aid_program_code",)
    MUTUAL_AID_PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    mutual_aid_program_code: str
    def __init__(self, mutual_aid_program_code: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("code", "fiscal_year", "name_zh", "name_en", "kind", "status", "budget_fen", "committed_fen", "remaining_fen", "standard_amount_fen", "per_member_annual_cap_fen", "eligibility", "payout_count", "reversal_count", "opened_at", "closed_at", "tier_standards", "mutual_aid", "emergency", "secondary_aid")
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
    MUTUAL_AID_FIELD_NUMBER: _ClassVar[int]
    EMERGENCY_FIELD_NUMBER: _ClassVar[int]
    SECONDARY_AID_FIELD_NUMBER: _ClassVar[int]
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
    mutual_aid: MutualAidRules
    emergency: EmergencyRules
    secondary_aid: SecondaryAidRules
    def __init__(self, code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., kind: _Optional[_Union[ProgramKind, str]] = ..., status: _Optional[_Union[ProgramStatus, str]] = ..., budget_fen: _Optional[int] = ..., committed_fen: _Optional[int] = ..., remaining_fen: _Optional[int] = ..., standard_amount_fen: _Optional[int] = ..., per_member_annual_cap_fen: _Optional[int] = ..., eligibility: _Optional[_Union[Eligibility, _Mapping]] = ..., payout_count: _Optional[int] = ..., reversal_count: _Optional[int] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tier_standards: _Optional[_Iterable[_Union[TierStandard, _Mapping]]] = ..., mutual_aid: _Optional[_Union[MutualAidRules, _Mapping]] = ..., emergency: _Optional[_Union[EmergencyRules, _Mapping]] = ..., secondary_aid: _Optional[_Union[SecondaryAidRules, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("entry_id", "kind", "request_id", "member_id", "program_code", "fiscal_year", "amount_fen", "effective_date", "recorded_at", "external_ref", "note", "postings", "reverses_entry_id", "reversed_by_entry_id", "reversal_reason", "replayed", "basis", "actor", "claim_id", "recovers_entry_id", "instalment", "period_id")
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
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    RECOVERS_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    INSTALMENT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
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
    actor: str
    claim_id: str
    recovers_entry_id: str
    instalment: int
    period_id: str
    def __init__(self, entry_id: _Optional[str] = ..., kind: _Optional[_Union[EntryKind, str]] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., external_ref: _Optional[str] = ..., note: _Optional[str] = ..., postings: _Optional[_Iterable[_Union[_common_pb2.Posting, _Mapping]]] = ..., reverses_entry_id: _Optional[str] = ..., reversed_by_entry_id: _Optional[str] = ..., reversal_reason: _Optional[_Union[ReversalReason, str]] = ..., replayed: _Optional[bool] = ..., basis: _Optional[_Union[EligibilityBasis, _Mapping]] = ..., actor: _Optional[str] = ..., claim_id: _Optional[str] = ..., recovers_entry_id: _Optional[str] = ..., instalment: _Optional[int] = ..., period_id: _Optional[str] = ...) -> None: ...

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

class RecordContributionRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "program_code", "fiscal_year", "period_id", "amount_fen", "effective_date", "external_ref", "members_position")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_POSITION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    amount_fen: int
    effective_date: str
    external_ref: str
    members_position: int
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., external_ref: _Optional[str] = ..., members_position: _Optional[int] = ...) -> None: ...

class RecordContributionsRequest(_message.Message):
    __slots__ = ("contributions",)
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    contributions: _containers.RepeatedCompositeFieldContainer[RecordContributionRequest]
    def __init__(self, contributions: _Optional[_Iterable[_Union[RecordContributionRequest, _Mapping]]] = ...) -> None: ...

class RecordContributionsResponse(_message.Message):
    __slots__ = ("contributions", "replayed_count")
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_COUNT_FIELD_NUMBER: _ClassVar[int]
    contributions: _containers.RepeatedCompositeFieldContainer[Contribution]
    replayed_count: int
    def __init__(self, contributions: _Optional[_Iterable[_Union[Contribution, _Mapping]]] = ..., replayed_count: _Optional[int] = ...) -> None: ...

class Contribution(_message.Message):
    __slots__ = ("entry_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "amount_fen", "effective_date", "coverage_start", "coverage_end", "postings", "recorded_at", "external_ref", "actor", "basis", "replayed")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_START_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_END_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    amount_fen: int
    effective_date: str
    coverage_start: str
    coverage_end: str
    postings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Posting]
    recorded_at: _timestamp_pb2.Timestamp
    external_ref: str
    actor: str
    basis: EligibilityBasis
    replayed: bool
    def __init__(self, entry_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., coverage_start: _Optional[str] = ..., coverage_end: _Optional[str] = ..., postings: _Optional[_Iterable[_Union[_common_pb2.Posting, _Mapping]]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., external_ref: _Optional[str] = ..., actor: _Optional[str] = ..., basis: _Optional[_Union[EligibilityBasis, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetPoolRequest(_message.Message):
    __slots__ = ("program_code", "fiscal_year")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ...) -> None: ...

class Pool(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "account", "balance_fen", "contributed_fen", "contribution_count", "claims_paid_fen", "claims_paid_count", "overdraft_fen", "available_fen", "periods")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FEN_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTED_FEN_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_PAID_COUNT_FIELD_NUMBER: _ClassVar[int]
    OVERDRAFT_FEN_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FEN_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    account: str
    balance_fen: int
    contributed_fen: int
    contribution_count: int
    claims_paid_fen: int
    claims_paid_count: int
    overdraft_fen: int
    available_fen: int
    periods: _containers.RepeatedCompositeFieldContainer[PeriodEnrolment]
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., account: _Optional[str] = ..., balance_fen: _Optional[int] = ..., contributed_fen: _Optional[int] = ..., contribution_count: _Optional[int] = ..., claims_paid_fen: _Optional[int] = ..., claims_paid_count: _Optional[int] = ..., overdraft_fen: _Optional[int] = ..., available_fen: _Optional[int] = ..., periods: _Optional[_Iterable[_Union[PeriodEnrolment, _Mapping]]] = ...) -> None: ...

class PeriodEnrolment(_message.Message):
    __slots__ = ("period_id", "start_date", "end_date", "members")
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    period_id: str
    start_date: str
    end_date: str
    members: int
    def __init__(self, period_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., members: _Optional[int] = ...) -> None: ...

class FileClaimRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "program_code", "fiscal_year", "period_id", "category", "incident_date", "bill_total_fen", "insurance_covered_fen", "self_paid_fen", "hospital", "bill_ref", "document_refs", "note", "members_position")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_DATE_FIELD_NUMBER: _ClassVar[int]
    BILL_TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_COVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    SELF_PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    HOSPITAL_FIELD_NUMBER: _ClassVar[int]
    BILL_REF_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_REFS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_POSITION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    category: str
    incident_date: str
    bill_total_fen: int
    insurance_covered_fen: int
    self_paid_fen: int
    hospital: str
    bill_ref: str
    document_refs: _containers.RepeatedScalarFieldContainer[str]
    note: str
    members_position: int
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., category: _Optional[str] = ..., incident_date: _Optional[str] = ..., bill_total_fen: _Optional[int] = ..., insurance_covered_fen: _Optional[int] = ..., self_paid_fen: _Optional[int] = ..., hospital: _Optional[str] = ..., bill_ref: _Optional[str] = ..., document_refs: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ..., members_position: _Optional[int] = ...) -> None: ...

class GetClaimRequest(_message.Message):
    __slots__ = ("claim_id",)
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    def __init__(self, claim_id: _Optional[str] = ...) -> None: ...

class ListClaimsRequest(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "member_id", "state", "page")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    member_id: str
    state: ClaimState
    page: _common_pb2.PageRequest
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., member_id: _Optional[str] = ..., state: _Optional[_Union[ClaimState, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListClaimsResponse(_message.Message):
    __slots__ = ("claims", "next_page_token")
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    claims: _containers.RepeatedCompositeFieldContainer[Claim]
    next_page_token: str
    def __init__(self, claims: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StartReviewRequest(_message.Message):
    __slots__ = ("request_id", "claim_id", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    claim_id: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ApproveClaimRequest(_message.Message):
    __slots__ = ("request_id", "claim_id", "approved_benefit_fen", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BENEFIT_FEN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    claim_id: str
    approved_benefit_fen: int
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., approved_benefit_fen: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectClaimRequest(_message.Message):
    __slots__ = ("request_id", "claim_id", "reason", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    claim_id: str
    reason: ClaimRejectionReason
    note: str
    def __init__(self, request_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., reason: _Optional[_Union[ClaimRejectionReason, str]] = ..., note: _Optional[str] = ...) -> None: ...

class WithdrawClaimRequest(_message.Message):
    __slots__ = ("request_id", "claim_id", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    claim_id: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class PayClaimRequest(_message.Message):
    __slots__ = ("request_id", "claim_id", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    claim_id: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class ClaimTransition(_message.Message):
    __slots__ = ("state", "actor", "at", "request_id", "note")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    state: ClaimState
    actor: str
    at: _timestamp_pb2.Timestamp
    request_id: str
    note: str
    def __init__(self, state: _Optional[_Union[ClaimState, str]] = ..., actor: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Claim(_message.Message):
    __slots__ = ("claim_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "category", "incident_date", "bill_total_fen", "insurance_covered_fen", "self_paid_fen", "hospital", "bill_ref", "document_refs", "note", "state", "filed_by", "decided_by", "rule_result_fen", "computed_benefit_fen", "approved_benefit_fen", "approval_reason", "rejection_reason", "payout_entry_id", "paid_fen", "paid_on", "history", "basis", "replayed")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_DATE_FIELD_NUMBER: _ClassVar[int]
    BILL_TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    INSURANCE_COVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    SELF_PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    HOSPITAL_FIELD_NUMBER: _ClassVar[int]
    BILL_REF_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_REFS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FILED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    RULE_RESULT_FEN_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_BENEFIT_FEN_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BENEFIT_FEN_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_REASON_FIELD_NUMBER: _ClassVar[int]
    REJECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    PAID_ON_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    category: str
    incident_date: str
    bill_total_fen: int
    insurance_covered_fen: int
    self_paid_fen: int
    hospital: str
    bill_ref: str
    document_refs: _containers.RepeatedScalarFieldContainer[str]
    note: str
    state: ClaimState
    filed_by: str
    decided_by: str
    rule_result_fen: int
    computed_benefit_fen: int
    approved_benefit_fen: int
    approval_reason: str
    rejection_reason: ClaimRejectionReason
    payout_entry_id: str
    paid_fen: int
    paid_on: str
    history: _containers.RepeatedCompositeFieldContainer[ClaimTransition]
    basis: EligibilityBasis
    replayed: bool
    def __init__(self, claim_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., category: _Optional[str] = ..., incident_date: _Optional[str] = ..., bill_total_fen: _Optional[int] = ..., insurance_covered_fen: _Optional[int] = ..., self_paid_fen: _Optional[int] = ..., hospital: _Optional[str] = ..., bill_ref: _Optional[str] = ..., document_refs: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ..., state: _Optional[_Union[ClaimState, str]] = ..., filed_by: _Optional[str] = ..., decided_by: _Optional[str] = ..., rule_result_fen: _Optional[int] = ..., computed_benefit_fen: _Optional[int] = ..., approved_benefit_fen: _Optional[int] = ..., approval_reason: _Optional[str] = ..., rejection_reason: _Optional[_Union[ClaimRejectionReason, str]] = ..., payout_entry_id: _Optional[str] = ..., paid_fen: _Optional[int] = ..., paid_on: _Optional[str] = ..., history: _Optional[_Iterable[_Union[ClaimTransition, _Mapping]]] = ..., basis: _Optional[_Union[EligibilityBasis, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class VerifyEmergencyAidRequest(_message.Message):
    __slots__ = ("request_id", "entry_id", "verified_on", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    entry_id: str
    verified_on: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., entry_id: _Optional[str] = ..., verified_on: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecoverPaymentRequest(_message.Message):
    __slots__ = ("request_id", "entry_id", "amount_fen", "effective_date", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    entry_id: str
    amount_fen: int
    effective_date: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., entry_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ListEmergencyObligationsRequest(_message.Message):
    __slots__ = ("program_code", "fiscal_year", "member_id", "overdue_as_of", "page")
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_AS_OF_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    program_code: str
    fiscal_year: int
    member_id: str
    overdue_as_of: str
    page: _common_pb2.PageRequest
    def __init__(self, program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., member_id: _Optional[str] = ..., overdue_as_of: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListEmergencyObligationsResponse(_message.Message):
    __slots__ = ("obligations", "next_page_token")
    OBLIGATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    obligations: _containers.RepeatedCompositeFieldContainer[EmergencyObligation]
    next_page_token: str
    def __init__(self, obligations: _Optional[_Iterable[_Union[EmergencyObligation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class EmergencyObligation(_message.Message):
    __slots__ = ("obligation_id", "payout_entry_id", "member_id", "program_code", "fiscal_year", "paid_fen", "effective_date", "due_date", "state", "verified_on", "verified_by", "recovered_fen", "instalments", "outstanding_fen", "overdue", "replayed")
    OBLIGATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PAID_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_BY_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FEN_FIELD_NUMBER: _ClassVar[int]
    INSTALMENTS_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FEN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    obligation_id: str
    payout_entry_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    paid_fen: int
    effective_date: str
    due_date: str
    state: EmergencyAidState
    verified_on: str
    verified_by: str
    recovered_fen: int
    instalments: int
    outstanding_fen: int
    overdue: bool
    replayed: bool
    def __init__(self, obligation_id: _Optional[str] = ..., payout_entry_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., paid_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., due_date: _Optional[str] = ..., state: _Optional[_Union[EmergencyAidState, str]] = ..., verified_on: _Optional[str] = ..., verified_by: _Optional[str] = ..., recovered_fen: _Optional[int] = ..., instalments: _Optional[int] = ..., outstanding_fen: _Optional[int] = ..., overdue: _Optional[bool] = ..., replayed: _Optional[bool] = ...) -> None: ...

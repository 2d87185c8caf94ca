import datetime

from benefits_platform.protos.benefits.v1 import common_pb2 as _common_pb2
from benefits_platform.protos.benefits.v1 import ledger_pb2 as _ledger_pb2
from google.protobuf import any_pb2 as _any_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventEnvelope(_message.Message):
    __slots__ = ("envelope_version", "source", "position", "event_id", "event_type", "aggregate_type", "aggregate_id", "aggregate_version", "effective_date", "recorded_at", "request_id", "actor", "prev_hash", "hash", "payload")
    ENVELOPE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    envelope_version: int
    source: str
    position: int
    event_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    effective_date: str
    recorded_at: _timestamp_pb2.Timestamp
    request_id: str
    actor: str
    prev_hash: bytes
    hash: bytes
    payload: _any_pb2.Any
    def __init__(self, envelope_version: _Optional[int] = ..., source: _Optional[str] = ..., position: _Optional[int] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., aggregate_version: _Optional[int] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., actor: _Optional[str] = ..., prev_hash: _Optional[bytes] = ..., hash: _Optional[bytes] = ..., payload: _Optional[_Union[_any_pb2.Any, _Mapping]] = ...) -> None: ...

class ProgramOpened(_message.Message):
    __slots__ = ("program_id", "code", "fiscal_year", "name_zh", "name_en", "kind", "budget_fen", "standard_amount_fen", "per_member_annual_cap_fen", "eligibility", "tier_standards", "actor", "mutual_aid", "emergency", "secondary_aid")
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FEN_FIELD_NUMBER: _ClassVar[int]
    STANDARD_AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    PER_MEMBER_ANNUAL_CAP_FEN_FIELD_NUMBER: _ClassVar[int]
    ELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    TIER_STANDARDS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MUTUAL_AID_FIELD_NUMBER: _ClassVar[int]
    EMERGENCY_FIELD_NUMBER: _ClassVar[int]
    SECONDARY_AID_FIELD_NUMBER: _ClassVar[int]
    program_id: str
    code: str
    fiscal_year: int
    name_zh: str
    name_en: str
    kind: _ledger_pb2.ProgramKind
    budget_fen: int
    standard_amount_fen: int
    per_member_annual_cap_fen: int
    eligibility: _ledger_pb2.Eligibility
    tier_standards: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.TierStandard]
    actor: str
    mutual_aid: _ledger_pb2.MutualAidRules
    emergency: _ledger_pb2.EmergencyRules
    secondary_aid: _ledger_pb2.SecondaryAidRules
    def __init__(self, program_id: _Optional[str] = ..., code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., kind: _Optional[_Union[_ledger_pb2.ProgramKind, str]] = ..., budget_fen: _Optional[int] = ..., standard_amount_fen: _Optional[int] = ..., per_member_annual_cap_fen: _Optional[int] = ..., eligibility: _Optional[_Union[_ledger_pb2.Eligibility, _Mapping]] = ..., tier_standards: _Optional[_Iterable[_Union[_ledger_pb2.TierStandard, _Mapping]]] = ..., actor: _Optional[str] = ..., mutual_aid: _Optional[_Union[_ledger_pb2.MutualAidRules, _Mapping]] = ..., emergency: _Optional[_Union[_ledger_pb2.EmergencyRules, _Mapping]] = ..., secondary_aid: _Optional[_Union[_ledger_pb2.SecondaryAidRules, _Mapping]] = ...) -> None: ...

class ProgramClosed(_message.Message):
    __slots__ = ("program_id", "code", "fiscal_year", "reason", "actor")
    PROGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    program_id: str
    code: str
    fiscal_year: int
    reason: str
    actor: str
    def __init__(self, program_id: _Optional[str] = ..., code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class PayoutPosted(_message.Message):
    __slots__ = ("entry_id", "request_id", "member_id", "program_code", "fiscal_year", "amount_fen", "effective_date", "external_ref", "note", "postings", "body_digest", "basis", "actor", "claim_id", "funding_account")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    FUNDING_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    external_ref: str
    note: str
    postings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Posting]
    body_digest: bytes
    basis: _ledger_pb2.EligibilityBasis
    actor: str
    claim_id: str
    funding_account: str
    def __init__(self, entry_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., external_ref: _Optional[str] = ..., note: _Optional[str] = ..., postings: _Optional[_Iterable[_Union[_common_pb2.Posting, _Mapping]]] = ..., body_digest: _Optional[bytes] = ..., basis: _Optional[_Union[_ledger_pb2.EligibilityBasis, _Mapping]] = ..., actor: _Optional[str] = ..., claim_id: _Optional[str] = ..., funding_account: _Optional[str] = ...) -> None: ...

class PayoutReversed(_message.Message):
    __slots__ = ("entry_id", "request_id", "reverses_entry_id", "member_id", "program_code", "fiscal_year", "amount_fen", "effective_date", "reason", "note", "postings", "body_digest", "actor")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSES_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    request_id: str
    reverses_entry_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    reason: _ledger_pb2.ReversalReason
    note: str
    postings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Posting]
    body_digest: bytes
    actor: str
    def __init__(self, entry_id: _Optional[str] = ..., request_id: _Optional[str] = ..., reverses_entry_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., reason: _Optional[_Union[_ledger_pb2.ReversalReason, str]] = ..., note: _Optional[str] = ..., postings: _Optional[_Iterable[_Union[_common_pb2.Posting, _Mapping]]] = ..., body_digest: _Optional[bytes] = ..., actor: _Optional[str] = ...) -> None: ...

class ContributionRecorded(_message.Message):
    __slots__ = ("entry_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "amount_fen", "effective_date", "coverage_start", "coverage_end", "external_ref", "postings", "body_digest", "basis", "actor")
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
    EXTERNAL_REF_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
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
    external_ref: str
    postings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Posting]
    body_digest: bytes
    basis: _ledger_pb2.EligibilityBasis
    actor: str
    def __init__(self, entry_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., coverage_start: _Optional[str] = ..., coverage_end: _Optional[str] = ..., external_ref: _Optional[str] = ..., postings: _Optional[_Iterable[_Union[_common_pb2.Posting, _Mapping]]] = ..., body_digest: _Optional[bytes] = ..., basis: _Optional[_Union[_ledger_pb2.EligibilityBasis, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class ClaimFiled(_message.Message):
    __slots__ = ("claim_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "category", "incident_date", "bill_total_fen", "insurance_covered_fen", "self_paid_fen", "hospital", "bill_ref", "document_refs", "note", "body_digest", "basis", "actor")
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
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
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
    body_digest: bytes
    basis: _ledger_pb2.EligibilityBasis
    actor: str
    def __init__(self, claim_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., category: _Optional[str] = ..., incident_date: _Optional[str] = ..., bill_total_fen: _Optional[int] = ..., insurance_covered_fen: _Optional[int] = ..., self_paid_fen: _Optional[int] = ..., hospital: _Optional[str] = ..., bill_ref: _Optional[str] = ..., document_refs: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ..., body_digest: _Optional[bytes] = ..., basis: _Optional[_Union[_ledger_pb2.EligibilityBasis, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class ClaimReviewStarted(_message.Message):
    __slots__ = ("claim_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "note", "body_digest", "actor")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    note: str
    body_digest: bytes
    actor: str
    def __init__(self, claim_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., note: _Optional[str] = ..., body_digest: _Optional[bytes] = ..., actor: _Optional[str] = ...) -> None: ...

class ClaimApproved(_message.Message):
    __slots__ = ("claim_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "rule_result_fen", "computed_benefit_fen", "approved_benefit_fen", "reason", "body_digest", "actor")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_RESULT_FEN_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_BENEFIT_FEN_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BENEFIT_FEN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    rule_result_fen: int
    computed_benefit_fen: int
    approved_benefit_fen: int
    reason: str
    body_digest: bytes
    actor: str
    def __init__(self, claim_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., rule_result_fen: _Optional[int] = ..., computed_benefit_fen: _Optional[int] = ..., approved_benefit_fen: _Optional[int] = ..., reason: _Optional[str] = ..., body_digest: _Optional[bytes] = ..., actor: _Optional[str] = ...) -> None: ...

class ClaimRejected(_message.Message):
    __slots__ = ("claim_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "reason", "note", "body_digest", "actor")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    reason: _ledger_pb2.ClaimRejectionReason
    note: str
    body_digest: bytes
    actor: str
    def __init__(self, claim_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., reason: _Optional[_Union[_ledger_pb2.ClaimRejectionReason, str]] = ..., note: _Optional[str] = ..., body_digest: _Optional[bytes] = ..., actor: _Optional[str] = ...) -> None: ...

class ClaimWithdrawn(_message.Message):
    __slots__ = ("claim_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "previous_state", "note", "body_digest", "actor")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    previous_state: _ledger_pb2.ClaimState
    note: str
    body_digest: bytes
    actor: str
    def __init__(self, claim_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., previous_state: _Optional[_Union[_ledger_pb2.ClaimState, str]] = ..., note: _Optional[str] = ..., body_digest: _Optional[bytes] = ..., actor: _Optional[str] = ...) -> None: ...

class ClaimPaid(_message.Message):
    __slots__ = ("claim_id", "request_id", "member_id", "program_code", "fiscal_year", "period_id", "payout_entry_id", "amount_fen", "effective_date", "actor")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    period_id: str
    payout_entry_id: str
    amount_fen: int
    effective_date: str
    actor: str
    def __init__(self, claim_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., period_id: _Optional[str] = ..., payout_entry_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class EmergencyAidObligationCreated(_message.Message):
    __slots__ = ("obligation_id", "payout_entry_id", "request_id", "member_id", "program_code", "fiscal_year", "amount_fen", "effective_date", "due_date", "actor")
    OBLIGATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    obligation_id: str
    payout_entry_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    due_date: str
    actor: str
    def __init__(self, obligation_id: _Optional[str] = ..., payout_entry_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., due_date: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class EmergencyAidVerified(_message.Message):
    __slots__ = ("obligation_id", "payout_entry_id", "request_id", "member_id", "program_code", "fiscal_year", "verified_on", "note", "body_digest", "actor")
    OBLIGATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    obligation_id: str
    payout_entry_id: str
    request_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    verified_on: str
    note: str
    body_digest: bytes
    actor: str
    def __init__(self, obligation_id: _Optional[str] = ..., payout_entry_id: _Optional[str] = ..., request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., verified_on: _Optional[str] = ..., note: _Optional[str] = ..., body_digest: _Optional[bytes] = ..., actor: _Optional[str] = ...) -> None: ...

class PaymentRecovered(_message.Message):
    __slots__ = ("entry_id", "request_id", "recovers_entry_id", "member_id", "program_code", "fiscal_year", "amount_fen", "effective_date", "instalment", "recovered_total_fen", "outstanding_fen", "note", "postings", "body_digest", "actor")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECOVERS_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_CODE_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    INSTALMENT_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_TOTAL_FEN_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FEN_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    BODY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    request_id: str
    recovers_entry_id: str
    member_id: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    instalment: int
    recovered_total_fen: int
    outstanding_fen: int
    note: str
    postings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Posting]
    body_digest: bytes
    actor: str
    def __init__(self, entry_id: _Optional[str] = ..., request_id: _Optional[str] = ..., recovers_entry_id: _Optional[str] = ..., member_id: _Optional[str] = ..., program_code: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., amount_fen: _Optional[int] = ..., effective_date: _Optional[str] = ..., instalment: _Optional[int] = ..., recovered_total_fen: _Optional[int] = ..., outstanding_fen: _Optional[int] = ..., note: _Optional[str] = ..., postings: _Optional[_Iterable[_Union[_common_pb2.Posting, _Mapping]]] = ..., body_digest: _Optional[bytes] = ..., actor: _Optional[str] = ...) -> None: ...

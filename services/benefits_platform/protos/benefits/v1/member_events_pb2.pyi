from benefits_platform.protos.benefits.v1 import common_pb2 as _common_pb2
from benefits_platform.protos.benefits.v1 import members_pb2 as _members_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UnitRegistered(_message.Message):
    __slots__ = ("code", "name_zh", "name_en", "level", "parent_code", "actor")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    name_en: str
    level: _members_pb2.UnitLevel
    parent_code: str
    actor: str
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., level: _Optional[_Union[_members_pb2.UnitLevel, str]] = ..., parent_code: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class MemberEnrolled(_message.Message):
    __slots__ = ("member_id", "unit_code", "member_groups", "household_id", "join_date", "national_id_digest", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_DATE_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    unit_code: str
    member_groups: _containers.RepeatedScalarFieldContainer[str]
    household_id: str
    join_date: str
    national_id_digest: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., member_groups: _Optional[_Iterable[str]] = ..., household_id: _Optional[str] = ..., join_date: _Optional[str] = ..., national_id_digest: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class MemberTransferred(_message.Message):
    __slots__ = ("member_id", "from_unit_code", "to_unit_code", "effective_date", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    from_unit_code: str
    to_unit_code: str
    effective_date: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., from_unit_code: _Optional[str] = ..., to_unit_code: _Optional[str] = ..., effective_date: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class MembershipTerminated(_message.Message):
    __slots__ = ("member_id", "effective_date", "reason", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    effective_date: str
    reason: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class MemberReinstated(_message.Message):
    __slots__ = ("member_id", "effective_date", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    effective_date: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class HardshipFileOpened(_message.Message):
    __slots__ = ("member_id", "file_id", "tier", "causes", "effective_date", "review_due_date", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CAUSES_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    file_id: str
    tier: _common_pb2.HardshipTier
    causes: _containers.RepeatedScalarFieldContainer[_members_pb2.HardshipCause]
    effective_date: str
    review_due_date: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., file_id: _Optional[str] = ..., tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., causes: _Optional[_Iterable[_Union[_members_pb2.HardshipCause, str]]] = ..., effective_date: _Optional[str] = ..., review_due_date: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class HardshipTierChanged(_message.Message):
    __slots__ = ("member_id", "file_id", "from_tier", "to_tier", "effective_date", "reason", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_TIER_FIELD_NUMBER: _ClassVar[int]
    TO_TIER_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    file_id: str
    from_tier: _common_pb2.HardshipTier
    to_tier: _common_pb2.HardshipTier
    effective_date: str
    reason: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., file_id: _Optional[str] = ..., from_tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., to_tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., effective_date: _Optional[str] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class HardshipReviewRecorded(_message.Message):
    __slots__ = ("member_id", "file_id", "effective_date", "finding", "next_review_due_date", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    FINDING_FIELD_NUMBER: _ClassVar[int]
    NEXT_REVIEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    file_id: str
    effective_date: str
    finding: str
    next_review_due_date: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., file_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., finding: _Optional[str] = ..., next_review_due_date: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class HardshipFileClosed(_message.Message):
    __slots__ = ("member_id", "file_id", "effective_date", "gradual_exit_months", "gradual_exit_until", "pre_exit_tier", "reason", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    GRADUAL_EXIT_MONTHS_FIELD_NUMBER: _ClassVar[int]
    GRADUAL_EXIT_UNTIL_FIELD_NUMBER: _ClassVar[int]
    PRE_EXIT_TIER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    file_id: str
    effective_date: str
    gradual_exit_months: int
    gradual_exit_until: str
    pre_exit_tier: _common_pb2.HardshipTier
    reason: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., file_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., gradual_exit_months: _Optional[int] = ..., gradual_exit_until: _Optional[str] = ..., pre_exit_tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class MemberPersonalDataForgotten(_message.Message):
    __slots__ = ("member_id", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    actor: str
    def __init__(self, member_id: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

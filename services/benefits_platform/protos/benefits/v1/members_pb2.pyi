from benefits_platform.protos.benefits.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UnitLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIT_LEVEL_UNSPECIFIED: _ClassVar[UnitLevel]
    UNIT_LEVEL_PROVINCE: _ClassVar[UnitLevel]
    UNIT_LEVEL_CITY: _ClassVar[UnitLevel]
    UNIT_LEVEL_COUNTY: _ClassVar[UnitLevel]
    UNIT_LEVEL_GRASSROOTS: _ClassVar[UnitLevel]

class MembershipStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBERSHIP_STATUS_UNSPECIFIED: _ClassVar[MembershipStatus]
    MEMBERSHIP_STATUS_NONE: _ClassVar[MembershipStatus]
    MEMBERSHIP_STATUS_ACTIVE: _ClassVar[MembershipStatus]
    MEMBERSHIP_STATUS_TERMINATED: _ClassVar[MembershipStatus]

class HardshipStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HARDSHIP_STATUS_UNSPECIFIED: _ClassVar[HardshipStatus]
    HARDSHIP_STATUS_NONE: _ClassVar[HardshipStatus]
    HARDSHIP_STATUS_OPEN: _ClassVar[HardshipStatus]
    HARDSHIP_STATUS_GRADUAL_EXIT: _ClassVar[HardshipStatus]
    HARDSHIP_STATUS_EXITED: _ClassVar[HardshipStatus]

class HardshipCause(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HARDSHIP_CAUSE_UNSPECIFIED: _ClassVar[HardshipCause]
    HARDSHIP_CAUSE_ILLNESS: _ClassVar[HardshipCause]
    HARDSHIP_CAUSE_DISABILITY: _ClassVar[HardshipCause]
    HARDSHIP_CAUSE_EDUCATION_COSTS: _ClassVar[HardshipCause]
    HARDSHIP_CAUSE_DISASTER: _ClassVar[HardshipCause]
    HARDSHIP_CAUSE_UNEMPLOYMENT: _ClassVar[HardshipCause]
    HARDSHIP_CAUSE_ACCIDENT: _ClassVar[HardshipCause]
    HARDSHIP_CAUSE_OTHER: _ClassVar[HardshipCause]
UNIT_LEVEL_UNSPECIFIED: UnitLevel
UNIT_LEVEL_PROVINCE: UnitLevel
UNIT_LEVEL_CITY: UnitLevel
UNIT_LEVEL_COUNTY: UnitLevel
UNIT_LEVEL_GRASSROOTS: UnitLevel
MEMBERSHIP_STATUS_UNSPECIFIED: MembershipStatus
MEMBERSHIP_STATUS_NONE: MembershipStatus
MEMBERSHIP_STATUS_ACTIVE: MembershipStatus
MEMBERSHIP_STATUS_TERMINATED: MembershipStatus
HARDSHIP_STATUS_UNSPECIFIED: HardshipStatus
HARDSHIP_STATUS_NONE: HardshipStatus
HARDSHIP_STATUS_OPEN: HardshipStatus
HARDSHIP_STATUS_GRADUAL_EXIT: HardshipStatus
HARDSHIP_STATUS_EXITED: HardshipStatus
HARDSHIP_CAUSE_UNSPECIFIED: HardshipCause
HARDSHIP_CAUSE_ILLNESS: HardshipCause
HARDSHIP_CAUSE_DISABILITY: HardshipCause
HARDSHIP_CAUSE_EDUCATION_COSTS: HardshipCause
HARDSHIP_CAUSE_DISASTER: HardshipCause
HARDSHIP_CAUSE_UNEMPLOYMENT: HardshipCause
HARDSHIP_CAUSE_ACCIDENT: HardshipCause
HARDSHIP_CAUSE_OTHER: HardshipCause

class Unit(_message.Message):
    __slots__ = ("code", "name_zh", "name_en", "level", "parent_code", "path")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    name_en: str
    level: UnitLevel
    parent_code: str
    path: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., level: _Optional[_Union[UnitLevel, str]] = ..., parent_code: _Optional[str] = ..., path: _Optional[_Iterable[str]] = ...) -> None: ...

class RegisterUnitRequest(_message.Message):
    __slots__ = ("code", "name_zh", "name_en", "level", "parent_code")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    name_en: str
    level: UnitLevel
    parent_code: str
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., level: _Optional[_Union[UnitLevel, str]] = ..., parent_code: _Optional[str] = ...) -> None: ...

class UnitChange(_message.Message):
    __slots__ = ("unit", "log_position")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LOG_POSITION_FIELD_NUMBER: _ClassVar[int]
    unit: Unit
    log_position: int
    def __init__(self, unit: _Optional[_Union[Unit, _Mapping]] = ..., log_position: _Optional[int] = ...) -> None: ...

class GetUnitRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ListUnitsRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ListUnitsResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[Unit]
    def __init__(self, units: _Optional[_Iterable[_Union[Unit, _Mapping]]] = ...) -> None: ...

class HardshipState(_message.Message):
    __slots__ = ("status", "file_id", "tier", "causes", "opened_date", "review_due_date", "last_review_date", "exit_date", "gradual_exit_until", "pre_exit_tier")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CAUSES_FIELD_NUMBER: _ClassVar[int]
    OPENED_DATE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_REVIEW_DATE_FIELD_NUMBER: _ClassVar[int]
    EXIT_DATE_FIELD_NUMBER: _ClassVar[int]
    GRADUAL_EXIT_UNTIL_FIELD_NUMBER: _ClassVar[int]
    PRE_EXIT_TIER_FIELD_NUMBER: _ClassVar[int]
    status: HardshipStatus
    file_id: str
    tier: _common_pb2.HardshipTier
    causes: _containers.RepeatedScalarFieldContainer[HardshipCause]
    opened_date: str
    review_due_date: str
    last_review_date: str
    exit_date: str
    gradual_exit_until: str
    pre_exit_tier: _common_pb2.HardshipTier
    def __init__(self, status: _Optional[_Union[HardshipStatus, str]] = ..., file_id: _Optional[str] = ..., tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., causes: _Optional[_Iterable[_Union[HardshipCause, str]]] = ..., opened_date: _Optional[str] = ..., review_due_date: _Optional[str] = ..., last_review_date: _Optional[str] = ..., exit_date: _Optional[str] = ..., gradual_exit_until: _Optional[str] = ..., pre_exit_tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("member_id", "name", "national_id", "unit_code", "unit_path", "member_groups", "household_id", "join_date", "status", "hardship", "as_of_date", "log_position", "personal_data_erased")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PATH_FIELD_NUMBER: _ClassVar[int]
    MEMBER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HARDSHIP_FIELD_NUMBER: _ClassVar[int]
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    LOG_POSITION_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_DATA_ERASED_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    national_id: str
    unit_code: str
    unit_path: _containers.RepeatedScalarFieldContainer[str]
    member_groups: _containers.RepeatedScalarFieldContainer[str]
    household_id: str
    join_date: str
    status: MembershipStatus
    hardship: HardshipState
    as_of_date: str
    log_position: int
    personal_data_erased: bool
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., national_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_path: _Optional[_Iterable[str]] = ..., member_groups: _Optional[_Iterable[str]] = ..., household_id: _Optional[str] = ..., join_date: _Optional[str] = ..., status: _Optional[_Union[MembershipStatus, str]] = ..., hardship: _Optional[_Union[HardshipState, _Mapping]] = ..., as_of_date: _Optional[str] = ..., log_position: _Optional[int] = ..., personal_data_erased: _Optional[bool] = ...) -> None: ...

class MemberChange(_message.Message):
    __slots__ = ("member", "log_position")
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    LOG_POSITION_FIELD_NUMBER: _ClassVar[int]
    member: Member
    log_position: int
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ..., log_position: _Optional[int] = ...) -> None: ...

class EnrollMemberRequest(_message.Message):
    __slots__ = ("member_id", "name", "national_id", "unit_code", "member_groups", "household_id", "join_date")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    MEMBER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_DATE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    national_id: str
    unit_code: str
    member_groups: _containers.RepeatedScalarFieldContainer[str]
    household_id: str
    join_date: str
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., national_id: _Optional[str] = ..., unit_code: _Optional[str] = ..., member_groups: _Optional[_Iterable[str]] = ..., household_id: _Optional[str] = ..., join_date: _Optional[str] = ...) -> None: ...

class GetMemberRequest(_message.Message):
    __slots__ = ("member_id", "as_of_date", "reveal_national_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    REVEAL_NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    as_of_date: str
    reveal_national_id: bool
    def __init__(self, member_id: _Optional[str] = ..., as_of_date: _Optional[str] = ..., reveal_national_id: _Optional[bool] = ...) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ("unit_code", "page")
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    unit_code: str
    page: _common_pb2.PageRequest
    def __init__(self, unit_code: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListMembersResponse(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class TransferMemberRequest(_message.Message):
    __slots__ = ("member_id", "to_unit_code", "effective_date")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    to_unit_code: str
    effective_date: str
    def __init__(self, member_id: _Optional[str] = ..., to_unit_code: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class TerminateMembershipRequest(_message.Message):
    __slots__ = ("member_id", "effective_date", "reason")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    effective_date: str
    reason: str
    def __init__(self, member_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReinstateMemberRequest(_message.Message):
    __slots__ = ("member_id", "effective_date")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    effective_date: str
    def __init__(self, member_id: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class OpenHardshipFileRequest(_message.Message):
    __slots__ = ("member_id", "tier", "causes", "effective_date", "review_due_date")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CAUSES_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    tier: _common_pb2.HardshipTier
    causes: _containers.RepeatedScalarFieldContainer[HardshipCause]
    effective_date: str
    review_due_date: str
    def __init__(self, member_id: _Optional[str] = ..., tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., causes: _Optional[_Iterable[_Union[HardshipCause, str]]] = ..., effective_date: _Optional[str] = ..., review_due_date: _Optional[str] = ...) -> None: ...

class ChangeHardshipTierRequest(_message.Message):
    __slots__ = ("member_id", "tier", "effective_date", "reason")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    tier: _common_pb2.HardshipTier
    effective_date: str
    reason: str
    def __init__(self, member_id: _Optional[str] = ..., tier: _Optional[_Union[_common_pb2.HardshipTier, str]] = ..., effective_date: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RecordHardshipReviewRequest(_message.Message):
    __slots__ = ("member_id", "effective_date", "finding", "next_review_due_date")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    FINDING_FIELD_NUMBER: _ClassVar[int]
    NEXT_REVIEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    effective_date: str
    finding: str
    next_review_due_date: str
    def __init__(self, member_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., finding: _Optional[str] = ..., next_review_due_date: _Optional[str] = ...) -> None: ...

class CloseHardshipFileRequest(_message.Message):
    __slots__ = ("member_id", "effective_date", "gradual_exit_months", "reason")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    GRADUAL_EXIT_MONTHS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    effective_date: str
    gradual_exit_months: int
    reason: str
    def __init__(self, member_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., gradual_exit_months: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ForgetMemberPersonalDataRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

"""Commands as plain values, validated field by field before any rule runs.

The name and national ID number of :class:`EnrollMember` are kept out of the
command's repr, so a command that ends up in a traceback or a debugger shows
neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from benefits_platform import values as shared
from benefits_platform.domain_errors import InvalidArgument

from . import values

MIN_YEAR, MAX_YEAR = 1900, 2100


def date(value: str, field: str = "effective_date") -> dt.date:
    """An ISO date within the years the registry deals with."""
    parsed = shared.iso_date(value, field)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidArgument(field, f"must fall in the years {MIN_YEAR} to {MAX_YEAR}")
    return parsed


def reason(value: str, name: str = "reason") -> None:
    shared.text(value, name)


@dataclass(frozen=True)
class RegisterUnit:
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str = ""

    def validate(self) -> None:
        values.unit_code(self.code)
        shared.text(self.name_zh, "name_zh", values.MAX_UNIT_NAME, required=True)
        shared.text(self.name_en, "name_en", values.MAX_UNIT_NAME)
        values.level(self.level)
        if self.parent_code:
            values.unit_code(self.parent_code, "parent_code")


@dataclass(frozen=True)
class EnrollMember:
    member_id: str
    name: str = field(repr=False)
    national_id: str = field(repr=False)
    unit_code: str
    member_groups: tuple[str, ...]
    household_id: str
    join_date: str

    @classmethod
    def of(
        cls,
        *,
        member_id: str,
        name: str,
        national_id: str,
        unit_code: str,
        member_groups: tuple[str, ...] | list[str],
        household_id: str,
        join_date: str,
    ) -> EnrollMember:
        """The validated command, with the number's check character upper-case,
        the name trimmed and the groups sorted."""
        shared.member_id(member_id)
        trimmed = name.strip()
        shared.text(trimmed, "name", values.MAX_NAME, required=True)
        number = values.national_id(national_id)
        values.unit_code(unit_code, "unit_code")
        groups = values.member_groups(member_groups)
        if household_id:
            shared.member_id(household_id, "household_id")
        joined = date(join_date, "join_date")
        if joined <= values.birth_date(number):
            raise InvalidArgument(
                "join_date", "must be after the birth date in the national ID number"
            )
        return cls(member_id, trimmed, number, unit_code, groups, household_id, join_date)


@dataclass(frozen=True)
class TransferMember:
    member_id: str
    to_unit_code: str
    effective_date: str

    def validate(self) -> None:
        shared.member_id(self.member_id)
        values.unit_code(self.to_unit_code, "to_unit_code")
        date(self.effective_date)


@dataclass(frozen=True)
class TerminateMembership:
    member_id: str
    effective_date: str
    reason: str = ""

    def validate(self) -> None:
        shared.member_id(self.member_id)
        date(self.effective_date)
        reason(self.reason)


@dataclass(frozen=True)
class ReinstateMember:
    member_id: str
    effective_date: str

    def validate(self) -> None:
        shared.member_id(self.member_id)
        date(self.effective_date)


@dataclass(frozen=True)
class OpenHardshipFile:
    member_id: str
    tier: str
    causes: tuple[str, ...]
    effective_date: str
    review_due_date: str

    def validate(self) -> None:
        shared.member_id(self.member_id)
        values.tier(self.tier)
        values.causes(self.causes)
        opened = date(self.effective_date)
        values.later_date(self.review_due_date, opened, "review_due_date", "effective_date")
        date(self.review_due_date, "review_due_date")


@dataclass(frozen=True)
class ChangeHardshipTier:
    member_id: str
    tier: str
    effective_date: str
    reason: str = ""

    def validate(self) -> None:
        shared.member_id(self.member_id)
        values.tier(self.tier)
        date(self.effective_date)
        reason(self.reason)


@dataclass(frozen=True)
class RecordHardshipReview:
    member_id: str
    effective_date: str
    finding: str
    next_review_due_date: str

    def validate(self) -> None:
        shared.member_id(self.member_id)
        reviewed = date(self.effective_date)
        shared.text(self.finding, "finding")
        values.later_date(
            self.next_review_due_date, reviewed, "next_review_due_date", "effective_date"
        )
        date(self.next_review_due_date, "next_review_due_date")


@dataclass(frozen=True)
class CloseHardshipFile:
    member_id: str
    effective_date: str
    gradual_exit_months: int
    reason: str = ""

    def validate(self) -> None:
        shared.member_id(self.member_id)
        date(self.effective_date)
        values.gradual_exit_months(self.gradual_exit_months)
        reason(self.reason)


@dataclass(frozen=True)
class ForgetMemberPersonalData:
    member_id: str

    def validate(self) -> None:
        shared.member_id(self.member_id)


MemberCommand = (
    TransferMember
    | TerminateMembership
    | ReinstateMember
    | OpenHardshipFile
    | ChangeHardshipTier
    | RecordHardshipReview
    | CloseHardshipFile
)

"""proto <-> plain values. Servicers only translate; rules live in the domain."""

from __future__ import annotations

from benefits_platform import values as shared
from benefits_platform.protos.benefits.v1 import members_pb2
from members.adapters.proto_enums import CAUSE, HARDSHIP, LEVEL, MEMBERSHIP, TIER
from members.application import MemberChange, MemberView, UnitChange
from members.domain import commands as C
from members.domain import values
from members.domain.units import UnitRecord

# -- requests -------------------------------------------------------------------------


def register_unit(req: members_pb2.RegisterUnitRequest) -> C.RegisterUnit:
    cmd = C.RegisterUnit(
        code=req.code,
        name_zh=req.name_zh,
        name_en=req.name_en,
        level=LEVEL.name(req.level),
        parent_code=req.parent_code,
    )
    cmd.validate()
    return cmd


def enroll_member(req: members_pb2.EnrollMemberRequest) -> C.EnrollMember:
    return C.EnrollMember.of(
        member_id=req.member_id,
        name=req.name,
        national_id=req.national_id,
        unit_code=req.unit_code,
        member_groups=list(req.member_groups),
        household_id=req.household_id,
        join_date=req.join_date,
    )


def forget_member(
    req: members_pb2.ForgetMemberPersonalDataRequest,
) -> C.ForgetMemberPersonalData:
    cmd = C.ForgetMemberPersonalData(req.member_id)
    cmd.validate()
    return cmd


def member_id(value: str) -> str:
    return shared.member_id(value)


def as_of_date(value: str) -> str:
    """An optional ISO date (empty: today)."""
    if value:
        C.date(value, "as_of_date")
    return value


def transfer_member(req: members_pb2.TransferMemberRequest) -> C.TransferMember:
    cmd = C.TransferMember(req.member_id, req.to_unit_code, req.effective_date)
    cmd.validate()
    return cmd


def terminate_membership(req: members_pb2.TerminateMembershipRequest) -> C.TerminateMembership:
    cmd = C.TerminateMembership(req.member_id, req.effective_date, req.reason)
    cmd.validate()
    return cmd


def reinstate_member(req: members_pb2.ReinstateMemberRequest) -> C.ReinstateMember:
    cmd = C.ReinstateMember(req.member_id, req.effective_date)
    cmd.validate()
    return cmd


def open_hardship_file(req: members_pb2.OpenHardshipFileRequest) -> C.OpenHardshipFile:
    cmd = C.OpenHardshipFile(
        member_id=req.member_id,
        tier=TIER.name(req.tier),
        causes=tuple(CAUSE.name(cause) for cause in req.causes),
        effective_date=req.effective_date,
        review_due_date=req.review_due_date,
    )
    cmd.validate()
    return cmd


def change_hardship_tier(req: members_pb2.ChangeHardshipTierRequest) -> C.ChangeHardshipTier:
    cmd = C.ChangeHardshipTier(req.member_id, TIER.name(req.tier), req.effective_date, req.reason)
    cmd.validate()
    return cmd


def record_hardship_review(
    req: members_pb2.RecordHardshipReviewRequest,
) -> C.RecordHardshipReview:
    cmd = C.RecordHardshipReview(
        req.member_id, req.effective_date, req.finding, req.next_review_due_date
    )
    cmd.validate()
    return cmd


def close_hardship_file(req: members_pb2.CloseHardshipFileRequest) -> C.CloseHardshipFile:
    cmd = C.CloseHardshipFile(
        req.member_id, req.effective_date, req.gradual_exit_months, req.reason
    )
    cmd.validate()
    return cmd


# -- responses ------------------------------------------------------------------------


def unit(record: UnitRecord) -> members_pb2.Unit:
    return members_pb2.Unit(
        code=record.code,
        name_zh=record.name_zh,
        name_en=record.name_en,
        level=LEVEL.value(record.level),
        parent_code=record.parent_code,
        path=list(record.path),
    )


def unit_change(change: UnitChange) -> members_pb2.UnitChange:
    return members_pb2.UnitChange(unit=unit(change.unit), log_position=change.position)


def hardship(view: MemberView) -> members_pb2.HardshipState:
    state = view.state
    file = state.file
    if file is None:
        return members_pb2.HardshipState(status=HARDSHIP.value(state.hardship))
    return members_pb2.HardshipState(
        status=HARDSHIP.value(state.hardship),
        file_id=file.file_id,
        tier=TIER.value(state.tier),
        causes=[CAUSE.value(cause) for cause in file.causes],
        opened_date=file.opened_date,
        review_due_date=file.review_due_date,
        last_review_date=file.last_review_date,
        exit_date=file.exit_date,
        gradual_exit_until=file.gradual_exit_until,
        pre_exit_tier=TIER.value(file.pre_exit_tier),
    )


def member(view: MemberView) -> members_pb2.Member:
    state = view.state
    return members_pb2.Member(
        member_id=state.member_id,
        name=view.name,
        national_id=view.national_id,
        unit_code=state.unit_code,
        unit_path=list(view.unit_path),
        member_groups=list(state.member_groups),
        household_id=state.household_id,
        join_date=state.join_date,
        status=MEMBERSHIP.value(state.membership),
        hardship=hardship(view),
        as_of_date=state.on,
        log_position=view.position,
        personal_data_erased=view.personal_data_erased,
    )


def member_change(change: MemberChange) -> members_pb2.MemberChange:
    return members_pb2.MemberChange(member=member(change.member), log_position=change.position)


def unit_code(value: str, field: str = "code") -> str:
    return values.unit_code(value, field)

"""Who may call each MembersService method, on which members and units, and
who may see national ID numbers in full.

Roles (see benefits_platform.auth.policy): the registry (units, enrolments,
transfers, terminations, reinstatements, hardship files, erasure of personal
data) is kept by ADMIN; every role reads. National ID numbers are shown in
full only to ADMIN and AUDITOR.

Unit scope: a caller scoped to a unit acts only on members whose current unit
lies in that unit's subtree (a transfer also needs the target unit there),
registers units only below it, and lists members only of it. Unit records
(codes and names of unions) are readable by every caller. The checks run
inside the same one-at-a-time step as the command they guard, so the member
cannot move between the check and the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from benefits_platform import identity
from benefits_platform.auth import ADMIN, AUDITOR, READ, Policy, allow, outside_scope
from benefits_platform.protos.benefits.v1 import members_pb2
from members.application import MembersApplication

SERVICE = members_pb2.DESCRIPTOR.services_by_name["MembersService"].full_name
REVEALING_ROLES = frozenset({ADMIN, AUDITOR})
T = TypeVar("T")

POLICY = Policy(
    SERVICE,
    {
        "RegisterUnit": allow(ADMIN),
        "GetUnit": READ,
        "ListUnits": READ,
        "EnrollMember": allow(ADMIN),
        "GetMember": READ,
        "ListMembers": READ,
        "TransferMember": allow(ADMIN),
        "TerminateMembership": allow(ADMIN),
        "ReinstateMember": allow(ADMIN),
        "OpenHardshipFile": allow(ADMIN),
        "ChangeHardshipTier": allow(ADMIN),
        "RecordHardshipReview": allow(ADMIN),
        "CloseHardshipFile": allow(ADMIN),
        "ForgetMemberPersonalData": allow(ADMIN),
    },
)


def may_reveal() -> bool:
    """Whether the caller may see national ID numbers in full."""
    return identity.current().has_any(REVEALING_ROLES)


def check_unit(app: MembersApplication, caller: identity.Caller, code: str, field: str) -> None:
    """The unit must lie in the caller's scope (an unknown unit is left to the command)."""
    record = app.registry.tree.units.get(code)
    if record is not None and not caller.covers(record.path):
        raise outside_scope(caller, f"{field}: unit {code} is")


def check_member(app: MembersApplication, caller: identity.Caller, member_id: str) -> None:
    """The member's current unit must lie in the caller's scope (an unknown
    member is left to the command)."""
    unit = app.registry.member_units.get(member_id)
    if unit is None or caller.all_units:
        return
    record = app.registry.tree.units.get(unit)
    if record is None or not caller.covers(record.path):
        raise outside_scope(caller, f"member_id: member {member_id} is in unit {unit}")


def check_new_unit(app: MembersApplication, caller: identity.Caller, parent_code: str) -> None:
    """A unit is registered below a unit in the caller's scope; a top-level unit
    needs every unit in scope."""
    if caller.all_units:
        return
    if not parent_code:
        raise outside_scope(caller, "parent_code: a unit without a parent (a province) is")
    check_unit(app, caller, parent_code, "parent_code")


def list_scope(caller: identity.Caller, unit_code: str) -> str:
    """The unit whose members a list covers: the one asked for, or, when none
    is given, the caller's own scope unit ("" is every unit)."""
    if unit_code or caller.all_units:
        return unit_code
    return caller.unit_scope


def guarded(
    app: MembersApplication,
    fn: Callable[..., T],
    *,
    member_id: str = "",
    units: Iterable[tuple[str, str]] = (),
    parent_code: str | None = None,
) -> Callable[..., T]:
    """``fn`` preceded by the scope checks of the current caller: the member,
    each (field, unit code) of ``units``, and the parent of a new unit."""
    caller = identity.current()
    checked_units = list(units)

    def run(*args: Any) -> T:
        if member_id:
            check_member(app, caller, member_id)
        for field, code in checked_units:
            if code:
                check_unit(app, caller, code, field)
        if parent_code is not None:
            check_new_unit(app, caller, parent_code)
        return fn(*args)

    return run

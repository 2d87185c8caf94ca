"""Who may call each ReportingService method (see benefits_platform.auth.policy).

Reports, statements and event streams: every role, within its unit scope,
checked by the servicer against the projections' unit tree: a scoped caller
asks for a unit in its subtree (a report of every unit, or a stream without a
unit, needs every unit in scope) and for statements of members whose current
unit lies there. The ledger's verification, which
reads the whole ledger, needs AUDITOR or ADMIN with every unit in scope;
rebuilding the projections needs ADMIN with every unit in scope.
"""

from __future__ import annotations

from benefits_platform import identity
from benefits_platform.auth import ADMIN, AUDITOR, READ, Policy, allow, outside_scope
from benefits_platform.protos.benefits.v1 import reporting_pb2
from reporting.application import ReportingApplication
from reporting.domain.facts import PATH_SEPARATOR

SERVICE = reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"].full_name

POLICY = Policy(
    SERVICE,
    {
        "GetMemberStatement": READ,
        "GetProgramTotals": READ,
        "GetAnnualReport": READ,
        "StreamEvents": READ,
        "VerifyLedger": allow(AUDITOR, ADMIN, all_units=True),
        "RebuildProjections": allow(ADMIN, all_units=True),
        # mutual-aid claims and emergency aid
        "GetClaimsReport": READ,
        "ListOverdueEmergencyAid": READ,
    },
)


def _covers(caller: identity.Caller, path: str) -> bool:
    return caller.covers(path.split(PATH_SEPARATOR) if path else ())


def check_unit(
    app: ReportingApplication, caller: identity.Caller, unit_code: str, field: str = "unit_code"
) -> None:
    """A report of ``unit_code`` ("" is every unit) must lie in the caller's
    scope. Blocking: reads the projections' unit tree. An unknown unit is left
    to the report, which says NOT_FOUND."""
    if caller.all_units:
        return
    if not unit_code:
        raise outside_scope(
            caller, f"{field}: a report of every unit (no {field} given; ask for your unit) is"
        )
    path = app.queries.unit_paths([unit_code]).get(unit_code)
    if path is not None and not _covers(caller, path):
        raise outside_scope(caller, f"{field}: unit {unit_code} is")


def check_member(app: ReportingApplication, caller: identity.Caller, member_id: str) -> None:
    """A member's statement: the member's current unit must lie in the caller's
    scope. Blocking: reads the projections."""
    if caller.all_units:
        return
    found = app.queries.member(member_id)
    if found is None:
        raise outside_scope(caller, f"member_id: member {member_id}, whose unit is not known here,")
    unit = found[0]
    path = app.queries.unit_paths([unit]).get(unit, "") if unit else ""
    if not _covers(caller, path):
        raise outside_scope(caller, f"member_id: member {member_id} is in unit {unit or '(none)'}")

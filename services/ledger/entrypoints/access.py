"""Who may call each LedgerService method (see benefits_platform.auth.policy).

Programmes are opened and closed by an ADMIN whose scope is every unit;
money moves by a POSTER (payouts, reversals, contributions, claims filed,
withdrawn and paid, recoveries); a REVIEWER reviews, approves and rejects
claims and verifies emergency aid; every role reads.

Unit scope: a caller scoped to a unit acts on (and reads) only members whose
unit, on the date that matters (a payout's effective date; the latest for
account reads), lies in that unit's subtree, judged from the ledger's own view
of the members log (:class:`ledger.domain.members_view.MembersView`). The
servicer calls :func:`check_member` / :func:`check_entry` before it submits a
command, so a refusal writes nothing.
"""

from __future__ import annotations

from benefits_platform import identity
from benefits_platform.auth import ADMIN, POSTER, READ, REVIEWER, Policy, allow, outside_scope
from benefits_platform.protos.benefits.v1 import ledger_pb2
from ledger.domain.members_view import MembersView

SERVICE = ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name

POLICY = Policy(
    SERVICE,
    {
        # programmes
        "OpenProgram": allow(ADMIN, all_units=True),
        "CloseProgram": allow(ADMIN, all_units=True),
        "GetProgram": READ,
        "ListPrograms": READ,
        # payouts
        "PostPayout": allow(POSTER),
        "PostPayouts": allow(POSTER),
        "ReversePayout": allow(POSTER),
        "GetPayout": READ,
        "GetMemberAccount": READ,
        "ListMemberEntries": READ,
        # mutual aid: contributions and the pool
        "RecordContribution": allow(POSTER),
        "RecordContributions": allow(POSTER),
        "GetPool": READ,
        # claims: the maker files, withdraws and pays; the checker reviews
        "FileClaim": allow(POSTER),
        "GetClaim": READ,
        "ListClaims": READ,
        "StartReview": allow(REVIEWER),
        "ApproveClaim": allow(REVIEWER),
        "RejectClaim": allow(REVIEWER),
        "WithdrawClaim": allow(POSTER),
        "PayClaim": allow(POSTER),
        # emergency aid: paid first, verified after, recovered when unfounded
        "VerifyEmergencyAid": allow(REVIEWER),
        "RecoverPayment": allow(POSTER),
        "ListEmergencyObligations": READ,
    },
)


def scoped() -> bool:
    """Whether the current caller is limited to a unit subtree."""
    return not identity.current().all_units


def check_member(view: MembersView, member_id: str, on: str = "", field: str = "member_id") -> None:
    """The member's unit on ``on`` (empty: the latest) must lie in the current
    caller's scope. A member the ledger's view does not know is left to the
    command's own rules, which refuse it."""
    caller = identity.current()
    if caller.all_units:
        return
    unit = view.unit_of(member_id, on)
    if unit is None:
        return
    if not caller.covers(view.unit_path(unit)):
        when = f" on {on}" if on else ""
        raise outside_scope(
            caller, f"{field}: member {member_id} is in unit {unit or '(none)'}{when}"
        )


def check_entry(view: MembersView, entry: object, field: str = "entry_id") -> None:
    """An entry's member, on the entry's effective date, must lie in the caller's scope."""
    member_id = str(getattr(entry, "member_id", ""))
    if member_id:
        on = str(getattr(entry, "effective_date", ""))
        check_member(view, member_id, on, f"{field}: the entry's member_id")

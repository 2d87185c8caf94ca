"""The ledger's own view of members, folded from the members log.

The ledger never calls the members service on the posting path: it keeps this
view from the members stream and judges each payout by the member's state on
the payout's effective date. It also keeps the union unit tree (each unit's
parent, from UnitRegistered), so the ledger can tell whether a member's unit
lies in a caller's scope without asking another service. Records are
immutable and replaced whole, so the writer reads a consistent record while the
feed applies newer events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ACTIVE, TERMINATED, NONE = "ACTIVE", "TERMINATED", "NONE"
OPEN, GRADUAL_EXIT, EXITED = "OPEN", "GRADUAL_EXIT", "EXITED"


@dataclass(frozen=True)
class HardshipMark:
    """A hardship file's state from a date on."""

    status: str  # OPEN or EXITED
    tier: str = ""
    pre_exit_tier: str = ""
    gradual_exit_until: str = ""


@dataclass(frozen=True)
class MemberState:
    """A member's state on one date: what eligibility rules read."""

    member_id: str
    on: str
    membership: str
    unit_code: str
    member_groups: tuple[str, ...]
    household_id: str
    join_date: str
    hardship: str
    tier: str
    pre_exit_tier: str
    gradual_exit_until: str


def _last_on(timeline: tuple[tuple[str, object], ...], on: str) -> object | None:
    found = None
    for date, value in timeline:
        if date > on:
            break
        found = value
    return found


@dataclass(frozen=True)
class MemberRecord:
    member_id: str
    household_id: str
    member_groups: tuple[str, ...]
    join_date: str
    membership: tuple[tuple[str, object], ...] = ()
    units: tuple[tuple[str, object], ...] = ()
    hardship: tuple[tuple[str, object], ...] = ()

    def state_on(self, on: str) -> MemberState:
        membership = _last_on(self.membership, on) or NONE
        mark = _last_on(self.hardship, on)
        hardship, tier, pre_exit, until = NONE, "", "", ""
        if isinstance(mark, HardshipMark):
            tier, pre_exit, until = mark.tier, mark.pre_exit_tier, mark.gradual_exit_until
            if mark.status == OPEN:
                hardship = OPEN
            elif until and on <= until:
                hardship = GRADUAL_EXIT
            else:
                hardship = EXITED
        return MemberState(
            member_id=self.member_id,
            on=on,
            membership=str(membership),
            unit_code=str(_last_on(self.units, on) or ""),
            member_groups=self.member_groups,
            household_id=self.household_id,
            join_date=self.join_date,
            hardship=hardship,
            tier=tier,
            pre_exit_tier=pre_exit,
            gradual_exit_until=until,
        )


# Units are at most four levels deep; a longer chain of parents is a cycle.
MAX_UNIT_DEPTH = 16


class MembersView:
    def __init__(self) -> None:
        self.records: dict[str, MemberRecord] = {}
        # Unit code -> its parent's code ("" for a top-level unit).
        self.unit_parents: dict[str, str] = {}
        self.position = 0

    def record(self, member_id: str) -> MemberRecord | None:
        return self.records.get(member_id)

    # -- the unit tree ----------------------------------------------------------------

    def unit_path(self, code: str) -> tuple[str, ...]:
        """The unit's ancestors from the top, then the unit itself; () for a unit
        this view never saw registered."""
        path: list[str] = []
        current = code
        while current and current in self.unit_parents and len(path) < MAX_UNIT_DEPTH:
            path.append(current)
            current = self.unit_parents[current]
        return tuple(reversed(path))

    def unit_of(self, member_id: str, on: str = "") -> str | None:
        """The member's unit on ``on`` (ISO date; empty: the latest), "" when the
        member had none then; None for a member this view never saw enrolled."""
        record = self.records.get(member_id)
        if record is None:
            return None
        if not on:
            return str(record.units[-1][1]) if record.units else ""
        return str(_last_on(record.units, on) or "")

    def _change(self, member_id: str, **timelines: tuple[str, object]) -> None:
        record = self.records.get(member_id)
        if record is None:
            return  # an event for a member this view never saw enrolled: nothing to add to
        updates = {name: (*getattr(record, name), change) for name, change in timelines.items()}
        self.records[member_id] = replace(record, **updates)  # type: ignore[arg-type]

    # -- the members log's events ---------------------------------------------------

    def unit_registered(self, code: str, parent_code: str) -> None:
        self.unit_parents[code] = parent_code

    def enrolled(
        self,
        member_id: str,
        unit_code: str,
        member_groups: tuple[str, ...],
        household_id: str,
        join_date: str,
    ) -> None:
        self.records[member_id] = MemberRecord(
            member_id=member_id,
            household_id=household_id,
            member_groups=tuple(sorted(member_groups)),
            join_date=join_date,
            membership=((join_date, ACTIVE),),
            units=((join_date, unit_code),),
        )

    def transferred(self, member_id: str, to_unit: str, on: str) -> None:
        self._change(member_id, units=(on, to_unit))

    def terminated(self, member_id: str, on: str) -> None:
        self._change(member_id, membership=(on, TERMINATED))

    def reinstated(self, member_id: str, on: str) -> None:
        self._change(member_id, membership=(on, ACTIVE))

    def hardship_opened(self, member_id: str, tier: str, on: str) -> None:
        self._change(member_id, hardship=(on, HardshipMark(OPEN, tier)))

    def hardship_tier_changed(self, member_id: str, tier: str, on: str) -> None:
        self._change(member_id, hardship=(on, HardshipMark(OPEN, tier)))

    def hardship_closed(self, member_id: str, pre_exit_tier: str, until: str, on: str) -> None:
        mark = HardshipMark(EXITED, "", pre_exit_tier, until)
        self._change(member_id, hardship=(on, mark))

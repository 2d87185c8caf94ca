"""What the members service's rules need to know across aggregates, folded
from the members log: the unit tree, which person (by the keyed digest of the
national ID number) is which member, the members of each unit, the log
position of each member's changes, and whose personal data was erased.

Enrolments recorded with per-member keys carry no digest: the application adds
theirs from the key table (:meth:`Registry.add_person`), where the digest is
kept with the member's key and erased with it.

The application folds every event into it at start-up and each event it
records after that, so a registry rebuilt from the log equals the live one.
"""

from __future__ import annotations

from typing import Any

from .member import Member
from .units import Unit, UnitTree

MEMBER_CHANGES = (
    Member.MembershipTerminated,
    Member.MemberReinstated,
    Member.HardshipFileOpened,
    Member.HardshipTierChanged,
    Member.HardshipReviewRecorded,
    Member.HardshipFileClosed,
)


class Registry:
    def __init__(self) -> None:
        self.tree = UnitTree()
        self.unit_positions: dict[str, int] = {}
        # Keyed digest of a national ID number -> the member id it was enrolled as.
        self.people: dict[str, str] = {}
        # Member id -> the unit of the member's latest change, and the reverse.
        self.member_units: dict[str, str] = {}
        self.unit_members: dict[str, set[str]] = {}
        # Member id -> log positions of the member's changes, in order.
        self.positions: dict[str, list[int]] = {}
        # Member id -> log position of the event that erased its personal data.
        self.forgotten: dict[str, int] = {}
        self.position = 0

    def apply(self, event: Any, position: int) -> None:
        """Fold one recorded event, at log ``position``, into the registry."""
        if isinstance(event, Unit.UnitRegistered):
            self.tree.add(event.code, event.name_zh, event.name_en, event.level, event.parent_code)
            self.unit_positions[event.code] = position
        elif isinstance(event, Member.MemberEnrolled):
            if event.national_id_digest:
                self.people[event.national_id_digest] = event.member_id
            self.positions[event.member_id] = [position]
            self._place(event.member_id, event.unit_code)
        elif isinstance(event, Member.MemberTransferred):
            self.positions[event.member_id].append(position)
            self._place(event.member_id, event.to_unit_code)
        elif isinstance(event, MEMBER_CHANGES):
            self.positions[event.member_id].append(position)
        elif isinstance(event, Member.MemberPersonalDataForgotten):
            # Not a dated change of the member: its position is kept apart.
            self.forgotten[event.member_id] = position
            for digest in [d for d, m in self.people.items() if m == event.member_id]:
                del self.people[digest]
        self.position = max(self.position, position)

    def add_person(self, digest: str, member_id: str) -> None:
        """A person enrolled with a per-member key (digest from the key table)."""
        if member_id in self.positions and member_id not in self.forgotten:
            self.people[digest] = member_id

    def _place(self, member_id: str, unit_code: str) -> None:
        previous = self.member_units.get(member_id)
        if previous is not None:
            self.unit_members[previous].discard(member_id)
        self.member_units[member_id] = unit_code
        self.unit_members.setdefault(unit_code, set()).add(member_id)

    def position_of(self, member_id: str, changes: int) -> int:
        """Log position of the last of the member's first ``changes`` changes (0: none)."""
        positions = self.positions.get(member_id, [])
        return positions[changes - 1] if 0 < changes <= len(positions) else 0

    def members_under(self, unit_code: str = "") -> list[str]:
        """Ids of the members whose latest change places them in the unit's subtree
        (every member when ``unit_code`` is empty), in member id order."""
        if not unit_code:
            return sorted(self.member_units)
        found: list[str] = []
        for unit in self.tree.subtree(unit_code):
            found.extend(self.unit_members.get(unit.code, ()))
        return sorted(found)

"""Union units (工会) at four levels, and the tree they form.

Level rules (each unit sits directly below its parent):

- PROVINCE (省总工会) has no parent;
- CITY (市总工会) sits under a PROVINCE;
- COUNTY (县/区总工会) sits under a CITY;
- GRASSROOTS (基层工会) sits under a COUNTY or directly under a CITY: enterprises
  and industry unions that report to a city union without a district union in
  between are grassroots unions of that city.

A unit's id is derived from its code, so the event store itself refuses a
second unit with the same code. Units are registered once and never change.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from benefits_platform.domain_errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)

from .values import CITY, COUNTY, GRASSROOTS, PROVINCE

UNIT_NS = uuid5(NAMESPACE_URL, "urn:benefits:members:unit")

PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    PROVINCE: (),
    CITY: (PROVINCE,),
    COUNTY: (CITY,),
    GRASSROOTS: (COUNTY, CITY),
}


def unit_id(code: str) -> UUID:
    return uuid5(UNIT_NS, code)


class Unit(Aggregate):
    class UnitRegistered(Aggregate.Created):
        code: str
        name_zh: str
        name_en: str
        level: str
        parent_code: str
        # Who registered it: the caller's key id or certificate name ("" before v2).
        actor: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["actor"] = ""

    @staticmethod
    def create_id(code: str) -> UUID:
        return unit_id(code)

    @event(UnitRegistered)
    def __init__(
        self, code: str, name_zh: str, name_en: str, level: str, parent_code: str, actor: str
    ) -> None:
        self.code = code
        self.name_zh = name_zh
        self.name_en = name_en
        self.level = level
        self.parent_code = parent_code


@dataclass(frozen=True)
class UnitRecord:
    """A registered unit as the tree knows it; ``path`` runs from the province down."""

    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str
    path: tuple[str, ...]

    def same_body(self, name_zh: str, name_en: str, level: str, parent_code: str) -> bool:
        return (self.name_zh, self.name_en, self.level, self.parent_code) == (
            name_zh,
            name_en,
            level,
            parent_code,
        )


class UnitTree:
    """Every registered unit, with its children in code order."""

    def __init__(self) -> None:
        self.units: dict[str, UnitRecord] = {}
        self.children: dict[str, list[str]] = {"": []}

    def __len__(self) -> int:
        return len(self.units)

    def add(
        self, code: str, name_zh: str, name_en: str, level: str, parent_code: str
    ) -> UnitRecord:
        parent = self.units.get(parent_code)
        path = (*(parent.path if parent else ()), code)
        record = UnitRecord(code, name_zh, name_en, level, parent_code, path)
        self.units[code] = record
        self.children.setdefault(code, [])
        bisect.insort(self.children.setdefault(parent_code, []), code)
        return record

    def get(self, code: str, field: str = "code") -> UnitRecord:
        try:
            return self.units[code]
        except KeyError:
            raise NotFound(f"{field}: no unit {code}") from None

    def subtree(self, code: str = "") -> list[UnitRecord]:
        """The unit and every unit below it, depth first, children in code order;
        every unit when ``code`` is empty."""
        roots = [self.get(code).code] if code else list(self.children[""])
        found: list[UnitRecord] = []
        stack = list(reversed(roots))
        while stack:
            current = stack.pop()
            found.append(self.units[current])
            stack.extend(reversed(self.children.get(current, ())))
        return found

    def check_register(
        self, code: str, name_zh: str, name_en: str, level: str, parent_code: str
    ) -> UnitRecord | None:
        """Check a registration against the tree: the unit already registered
        with the same body (a replay), or None when it may be registered."""
        existing = self.units.get(code)
        if existing is not None:
            if existing.same_body(name_zh, name_en, level, parent_code):
                return existing
            raise AlreadyExists(
                f"code: unit {code} is already registered ({existing.level}"
                f"{' under ' + existing.parent_code if existing.parent_code else ''}) "
                "with a different body; units never change"
            )
        allowed = PARENT_LEVELS[level]
        if not allowed:
            if parent_code:
                raise InvalidArgument("parent_code", "must be empty for a PROVINCE unit")
            return None
        if not parent_code:
            raise InvalidArgument(
                "parent_code", f"is required for a {level} unit (a {' or '.join(allowed)} unit)"
            )
        parent = self.get(parent_code, "parent_code")
        if parent.level not in allowed:
            raise FailedPrecondition(
                f"level: a {level} unit sits directly under a {' or '.join(allowed)} unit; "
                f"parent {parent_code} is a {parent.level} unit"
            )
        return None

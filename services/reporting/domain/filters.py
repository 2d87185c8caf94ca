"""Which events an auditor asked for (StreamEvents): by member, programme and
year, unit subtree, effective date and recorded time ranges."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .facts import PATH_SEPARATOR


@dataclass(frozen=True)
class EventKeys:
    """What an event says about the filters' fields ('' / 0: nothing)."""

    member_id: str = ""
    program_code: str = ""
    fiscal_year: int = 0
    effective_date: str = ""
    recorded_us: int = 0
    # Units the event names (a payout: its basis's unit; a transfer: both).
    unit_codes: tuple[str, ...] = ()
    # A reversal (a recovery, an emergency obligation) counts under its
    # payout's unit, looked up by this id.
    reverses_entry_id: str = ""
    # A claim's later events count under the unit it was filed under.
    claim_id: str = ""


@dataclass(frozen=True)
class EventFilter:
    member_id: str = ""
    program_code: str = ""
    fiscal_year: int = 0
    # Path of the unit subtree's root ('' : every unit).
    unit_path: str = ""
    effective_from: str = ""
    effective_to: str = ""
    recorded_from_us: int = 0
    recorded_to_us: int = 0

    @property
    def needs_units(self) -> bool:
        return bool(self.unit_path)

    def in_subtree(self, path: str) -> bool:
        return path == self.unit_path or path.startswith(self.unit_path + PATH_SEPARATOR)

    def matches(self, keys: EventKeys, unit_paths: Iterable[str] = ()) -> bool:
        """``unit_paths``: the paths of the units the event counts under."""
        if self.member_id and keys.member_id != self.member_id:
            return False
        if self.program_code and keys.program_code != self.program_code:
            return False
        if self.fiscal_year and keys.fiscal_year != self.fiscal_year:
            return False
        if self.effective_from or self.effective_to:
            date = keys.effective_date
            if not date or (self.effective_from and date < self.effective_from):
                return False
            if self.effective_to and date > self.effective_to:
                return False
        if self.recorded_from_us and keys.recorded_us < self.recorded_from_us:
            return False
        if self.recorded_to_us and keys.recorded_us > self.recorded_to_us:
            return False
        return not self.unit_path or any(self.in_subtree(p) for p in unit_paths)

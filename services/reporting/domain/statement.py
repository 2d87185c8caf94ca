"""A member's statement: every entry in ledger order with running totals.

Payouts, reversals and recoveries move what the member received; a
contribution (money the member paid into a mutual-aid pool) moves only what
the member contributed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .facts import REVERSAL

SUBSIDY = "SUBSIDY"  # programmes whose payouts stay on the member card
CONTRIBUTION = "CONTRIBUTION"  # an EntryLine's kind for a contribution


@dataclass(frozen=True)
class EntryLine:
    position: int
    entry_id: str
    kind: str
    program_code: str
    fiscal_year: int
    amount_fen: int
    effective_date: str
    recorded_us: int
    unit_code: str
    reverses_entry_id: str
    reason: str
    request_id: str
    # A contribution: the pool's period (its amount is negative: paid in).
    period_id: str = ""


@dataclass(frozen=True)
class StatementLine:
    entry: EntryLine
    reversed_by: str
    running_received_fen: int
    running_program_fen: int
    running_stored_value_fen: int
    running_contributed_fen: int = 0


def statement(
    entries: Iterable[EntryLine], kinds: dict[tuple[str, int], str]
) -> list[StatementLine]:
    """Lines with running totals (in the order given: ledger order). ``kinds``
    maps (programme, year) to the programme's kind (subsidies are stored value)."""
    ordered = list(entries)
    reversed_by = {e.reverses_entry_id: e.entry_id for e in ordered if e.kind == REVERSAL}
    received = stored = contributed = 0
    per_programme: dict[tuple[str, int], int] = {}
    lines = []
    for entry in ordered:
        key = (entry.program_code, entry.fiscal_year)
        if entry.kind == CONTRIBUTION:
            contributed -= entry.amount_fen
        else:
            received += entry.amount_fen
            per_programme[key] = per_programme.get(key, 0) + entry.amount_fen
            if kinds.get(key) == SUBSIDY:
                stored += entry.amount_fen
        lines.append(
            StatementLine(entry, reversed_by.get(entry.entry_id, ""), received,
                          per_programme.get(key, 0), stored, contributed)
        )  # fmt: skip
    return lines

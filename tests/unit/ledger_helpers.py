"""Builders for the ledger's commands in unit tests (in-memory store)."""

from __future__ import annotations

from ledger.application import LedgerApplication, PostPayoutBatch
from ledger.domain.commands import OpenProgram, PostPayout, ReversePayout

YEAR = 2026


def memory_app() -> LedgerApplication:
    return LedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def open_cmd(
    code: str = "WINTER_WARMTH",
    budget: int = 1_000_000,
    cap: int = 0,
    kind: str = "AID",
    standard: int = 0,
) -> OpenProgram:
    return OpenProgram(
        code=code,
        fiscal_year=YEAR,
        name_zh="送温暖",
        name_en="Winter warmth",
        kind=kind,
        budget_fen=budget,
        per_member_annual_cap_fen=cap,
        standard_amount_fen=standard,
        request_id=f"open-{code}",
    )


def pay(
    rid: str,
    member: str = "M1",
    amount: int = 200_000,
    code: str = "WINTER_WARMTH",
    date: str = "2026-01-20",
) -> PostPayout:
    return PostPayout(
        request_id=rid,
        member_id=member,
        program_code=code,
        fiscal_year=YEAR,
        amount_fen=amount,
        effective_date=date,
    )


def reverse(rid: str, entry_id: object, reason: str = "WRONG_AMOUNT") -> ReversePayout:
    return ReversePayout.of(rid, str(entry_id), reason)


def batch(*rows: PostPayout) -> PostPayoutBatch:
    return PostPayoutBatch(tuple(rows))


def run(app: LedgerApplication, command: object) -> object:
    """Execute one command the way the writer does; raise its refusal."""
    [result] = app.execute([command])  # type: ignore[list-item]
    if isinstance(result, Exception):
        raise result
    return result

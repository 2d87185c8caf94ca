"""Builders for the ledger's commands in unit tests (in-memory store)."""

from __future__ import annotations

from ledger.application import LedgerApplication, PostPayoutBatch
from ledger.domain.commands import OpenProgram, PostPayout, ReversePayout

YEAR = 2026


MEMBERS = ("M1", "A", "B", "C", "D", "E")


def memory_app(members: tuple[str, ...] = MEMBERS) -> LedgerApplication:
    """An in-memory ledger whose view of members holds ``members``, enrolled in 2020."""
    app = LedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for member in members:
        enroll(app, member)
    return app


def enroll(app: LedgerApplication, member: str, join_date: str = "2020-01-01",
           groups: tuple[str, ...] = ()) -> None:
    app.members.enrolled(member, "GD-SZ-NS-0001", groups, f"H-{member}", join_date)
    app.members.position += 1


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

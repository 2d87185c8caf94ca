"""The distinct members and households straight through the projection store,
whatever the batches: the same ledger applied in one batch, one event per
batch or three at a time gives the same tables, and the distinct counts are
the ones worked out by hand for members with several programmes and units, a
shared household and reversals."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from benefits_platform.config import StoreConfig
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    events_pb2,
    ledger_pb2,
    member_events_pb2,
    members_pb2,
)
from benefits_platform.sqlstore import Database
from reporting.adapters.tables import MEMBER_UNITS, NODES, PROJECTION_TABLES, ProjectionStore
from tests.reporting_support import YEAR
from tests.test_reporting_crash import envelope

UNITS = [
    ("GD", members_pb2.UNIT_LEVEL_PROVINCE, ""),
    ("GD-SZ", members_pb2.UNIT_LEVEL_CITY, "GD"),
    ("GD-GZ", members_pb2.UNIT_LEVEL_CITY, "GD"),
]
HOUSEHOLDS = {"A": "H1", "B": "H1", "C": "H2"}
MEMBERS_POSITION = len(UNITS) + len(HOUSEHOLDS)


def members_log() -> list[tuple[bytes, int]]:
    events = [
        envelope(
            "members",
            n,
            "UnitRegistered",
            member_events_pb2.UnitRegistered(
                code=code, name_zh=code, name_en=code, level=level, parent_code=parent
            ),
        )
        for n, (code, level, parent) in enumerate(UNITS, 1)
    ]
    for n, (member, household) in enumerate(sorted(HOUSEHOLDS.items()), len(UNITS) + 1):
        events.append(
            envelope(
                "members",
                n,
                "MemberEnrolled",
                member_events_pb2.MemberEnrolled(
                    member_id=member, unit_code="GD", household_id=household
                ),
            )
        )
    return [(data, n) for n, data in enumerate(events, 1)]


def opened(position: int, code: str) -> bytes:
    return envelope(
        "ledger",
        position,
        "ProgramOpened",
        events_pb2.ProgramOpened(
            code=code, fiscal_year=YEAR, name_zh=code, name_en=code, budget_fen=10**9
        ),
    )


def posted(position: int, member: str, code: str, unit: str) -> bytes:
    return envelope(
        "ledger",
        position,
        "PayoutPosted",
        events_pb2.PayoutPosted(
            entry_id=f"e{position}",
            request_id=f"r{position}",
            member_id=member,
            program_code=code,
            fiscal_year=YEAR,
            amount_fen=100,
            effective_date="2026-03-01",
            postings=[common_pb2.Posting(account=f"member:{member}", amount_fen=100)],
            basis=ledger_pb2.EligibilityBasis(
                unit_code=unit,
                household_id=HOUSEHOLDS[member],
                members_position=MEMBERS_POSITION,
            ),
        ),
    )


def reversed_(position: int, payout: int, member: str, code: str) -> bytes:
    return envelope(
        "ledger",
        position,
        "PayoutReversed",
        events_pb2.PayoutReversed(
            entry_id=f"e{position}",
            request_id=f"r{position}",
            reverses_entry_id=f"e{payout}",
            member_id=member,
            program_code=code,
            fiscal_year=YEAR,
            amount_fen=-100,
            effective_date="2026-03-01",
            reason=ledger_pb2.REVERSAL_REASON_RETURNED_BY_BANK,
            postings=[common_pb2.Posting(account=f"member:{member}", amount_fen=-100)],
        ),
    )


def ledger_log() -> list[tuple[bytes, int]]:
    events = [
        opened(1, "AID"),
        opened(2, "EDU"),
        posted(3, "A", "AID", "GD-SZ"),
        posted(4, "A", "EDU", "GD-SZ"),
        posted(5, "B", "AID", "GD-GZ"),  # A's household, another unit
        posted(6, "A", "AID", "GD-GZ"),  # A at a second unit
        reversed_(7, 3, "A", "AID"),  # A leaves AID at GD-SZ, stays there in EDU
        posted(8, "C", "AID", "GD-SZ"),
        reversed_(9, 5, "B", "AID"),
        posted(10, "B", "AID", "GD-SZ"),
        posted(11, "C", "AID", "GD-SZ"),  # C twice at the same place
        reversed_(12, 11, "C", "AID"),  # ... once reversed: C still counts
    ]
    return [(data, n) for n, data in enumerate(events, 1)]


def built(store: StoreConfig, tmp_path: Path, size: int) -> dict[str, list[tuple[object, ...]]]:
    """Every projection table after the logs, applied ``size`` events at a time
    (a database of its own: a file, or a PostgreSQL schema)."""
    if store.is_postgres:
        store = replace(store, postgres_schema=f"batches_of_{size}")
    projections = ProjectionStore(Database(store, tmp_path / f"batches-of-{size}.sqlite"))
    try:
        projections.apply("members", members_log())
        ledger = ledger_log()
        for start in range(0, len(ledger), size):
            applied = projections.apply("ledger", ledger[start : start + size])
            assert applied.consumed == len(ledger[start : start + size]), applied
        return {table.name: list(projections.rows(table)) for table in PROJECTION_TABLES}
    finally:
        projections.close()


def test_the_counts_are_the_same_whatever_the_batches(store: StoreConfig, tmp_path: Path) -> None:
    whole = built(store, tmp_path, 100)
    for size in (1, 3):
        assert built(store, tmp_path, size) == whole
    nodes = {(unit, code): tuple(row[-2:]) for _y, unit, code, *row in whole[NODES.name]}
    # (members, households) with a payout not reversed there
    assert nodes[("", "AID")] == (3, 2)  # A, B, C; H1, H2
    assert nodes[("GD-SZ", "AID")] == (2, 2)  # B, C; H1 (B), H2
    assert nodes[("GD-GZ", "AID")] == (1, 1)  # A; H1
    assert nodes[("GD-SZ", "EDU")] == (1, 1)  # A
    assert nodes[("GD-SZ", "*")] == (3, 2)  # A (EDU), B, C
    assert nodes[("GD-GZ", "*")] == (1, 1)
    assert nodes[("GD", "*")] == (3, 2)
    # The member's receipts stay whole, row by row (net, received, payouts, reversals).
    member_units = {(r[0], r[2], r[3]): r[4:] for r in whole[MEMBER_UNITS.name]}
    assert member_units[("A", "AID", "GD/GD-SZ")] == (0, 0, 1, 1)
    assert member_units[("C", "AID", "GD/GD-SZ")] == (1, 100, 2, 1)


def test_a_batch_is_applied_with_the_collector_paused(tmp_path: Path) -> None:
    """No cyclic collection runs while a batch is applied (its objects live
    until the commit: collections would free nothing), and collections resume
    after it, also after a batch that failed."""
    import gc

    path = tmp_path / "projections.sqlite"
    projections = ProjectionStore(Database(StoreConfig(kind="sqlite", sqlite_path=path), path))
    members, ledger = members_log(), ledger_log()
    inside: list[bool] = []
    collections: list[str] = []
    apply_batch = projections._apply

    def applying(*args: Any) -> Any:
        inside.append(True)
        try:
            return apply_batch(*args)
        finally:
            inside.clear()

    def during_apply(phase: str, _info: dict[str, int]) -> None:
        if phase == "start" and inside:
            collections.append(phase)

    projections._apply = applying  # type: ignore[method-assign]
    threshold = gc.get_threshold()
    gc.callbacks.append(during_apply)
    gc.set_threshold(1)  # a collection at (nearly) every allocation, unless paused
    try:
        assert projections.apply("members", members).applied == len(members)
        assert projections.apply("ledger", ledger).applied == len(ledger)
        refused = projections.apply("ledger", [(b"not an envelope", len(ledger) + 1)])
        assert refused.error is not None and refused.applied == 0
        assert gc.isenabled()
        assert collections == []
        inside.append(True)  # a control: outside apply, the same threshold collects
        _garbage = [[n] for n in range(100)]
        inside.clear()
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(during_apply)
        projections.close()
    assert collections  # the callback sees collections when there are some

"""The writer records payouts without the generic aggregate machinery and maps
events to stored events itself: on both stores, what it records is byte for
byte what the generic path records, and a store written by the generic path
loads, replays and refuses exactly as before."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import eventsourcing.domain
import pytest

import ledger.application as application_module
from benefits_platform.config import StoreConfig
from benefits_platform.domain_errors import AlreadyExists
from benefits_platform.eventstore import eventsourcing_env
from ledger.application import LedgerApplication
from ledger.domain import entries as E
from tests.unit.ledger_helpers import batch, enroll, open_cmd, pay, reverse

WHEN = dt.datetime(2026, 3, 1, 9, 15, 30, 654321, tzinfo=dt.UTC)


def second_store(store: StoreConfig, tmp_path: Path, request: pytest.FixtureRequest) -> StoreConfig:
    if store.kind == "sqlite":
        return StoreConfig(kind="sqlite", sqlite_path=tmp_path / "other" / "events.sqlite")
    dsn = request.getfixturevalue("pg").create_database(f"other_{abs(hash(request.node.name))}")
    return StoreConfig(kind="postgres", postgres_dsn=dsn)


@contextlib.contextmanager
def generic_writer() -> Iterator[None]:
    """The writer as it was: payouts made by calling the aggregate class (the
    eventsourcing metaclass), events mapped one by one by the mapper."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            E.Payout,
            "posted",
            classmethod(lambda cls, timestamp=None, **fields: cls(**fields)),
        )
        patch.setattr(
            application_module,
            "stored_events",
            lambda mapper, events, *_: [mapper.to_stored_event(e) for e in events],
        )
        yield


def ledger_on(store: StoreConfig) -> LedgerApplication:
    app = LedgerApplication(eventsourcing_env(store))
    for member in ("M1", "A", "B", "C"):
        enroll(app, member, groups=("SANITATION",))
    return app


def run_all(app: LedgerApplication) -> list[Any]:
    results: list[Any] = []
    for command in (
        open_cmd(budget=10_000_000),
        open_cmd(code="GREEN", kind="SUBSIDY", budget=10_000_000),
        replace(pay("p1"), note='送温暖 "慰问金"', external_ref="卡-0001", actor="poster-1"),
        batch(pay("b1", member="A"), pay("b2", member="B", code="GREEN", amount=1_234)),
    ):
        [result] = app.execute([command])  # type: ignore[list-item]
        results.append(result)
    [reversal] = app.execute([reverse("rv1", results[2].entry.id)])
    results.append(reversal)
    assert not any(isinstance(r, Exception) for r in results), results
    return results


def stored_rows(app: LedgerApplication) -> list[tuple[Any, ...]]:
    """Every stored event (notification ids: PostgreSQL's may skip numbers)."""
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in app.recorder.select_notifications(start=None, limit=1_000)
    ]


def test_payouts_are_stored_byte_for_byte_as_the_generic_path_stored_them(
    store: StoreConfig, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        # one clock for every event, so that both paths record the same bytes
        patch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: WHEN)
        with generic_writer():
            old = ledger_on(store)
            old_results = run_all(old)
        new = ledger_on(second_store(store, tmp_path, request))
        new_results = run_all(new)
    try:
        old_rows, new_rows = stored_rows(old), stored_rows(new)
        assert len(new_rows) == 6
        assert new_rows == old_rows
        topics = {row[3] for row in new_rows}
        assert "ledger.domain.entries:Payout.PayoutPosted" in topics
        # what each writer handed back is the same too
        assert new_results[2] == old_results[2]
        assert new_results[3] == old_results[3]
        payout = new_results[2].entry
        assert new.entry(payout.id) == payout == old.entry(payout.id)
    finally:
        old.close()
        new.close()


def test_a_store_written_by_the_generic_path_loads_replays_and_refuses_as_before(
    store: StoreConfig,
) -> None:
    with generic_writer():
        old = ledger_on(store)
        recorded = run_all(old)
        old.close()
    app = ledger_on(store)
    try:
        position = app.recorder.max_notification_id()
        assert app.book.position == position
        events = len(stored_rows(app))
        # the rebuilt book: budget used, the reversal known
        assert app.programme_view("WINTER_WARMTH", 2026).committed_fen == 200_000
        assert app.reversed_by(recorded[2].entry.id) == recorded[4].entry.id
        # the same request ids with the same bodies replay the original entries
        [single, rows] = app.execute(
            [
                replace(pay("p1"), note='送温暖 "慰问金"', external_ref="卡-0001"),
                batch(pay("b1", member="A"), pay("b2", member="B", code="GREEN", amount=1_234)),
            ]
        )
        assert single.replayed and single.entry == recorded[2].entry
        assert [r.replayed for r in rows] == [True, True]
        assert [r.entry for r in rows] == [r.entry for r in recorded[3]]
        # another body under a used request id is refused
        [refused] = app.execute([pay("b1", member="A", amount=1)])
        assert isinstance(refused, AlreadyExists)
        assert "b1" in str(refused)
        assert len(stored_rows(app)) == events
        # and a new payout recorded beside the old ones is read back whole
        [fresh] = app.execute([pay("p2", member="C")])
        assert app.entry(fresh.entry.id) == fresh.entry
        assert len(stored_rows(app)) == events + 1
    finally:
        app.close()

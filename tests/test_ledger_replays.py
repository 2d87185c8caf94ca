"""A batch sent again (a client retrying after a timeout, at year end with
10,000 rows) on each real store: its recorded entries are read back in one
query per 2,000 ids and answered from that read, never one read per row, and
they equal what the store holds; the rows not recorded before are recorded."""

from __future__ import annotations

from typing import Any

import pytest

from benefits_platform.config import StoreConfig
from benefits_platform.eventstore import eventsourcing_env, recorded_events
from ledger.application import LedgerApplication, Recorded
from tests.unit.ledger_helpers import batch, enroll, open_cmd, pay, reverse

MEMBERS = [f"R{i}" for i in range(40)]


@pytest.fixture
def app(store: StoreConfig) -> Any:
    application = LedgerApplication(eventsourcing_env(store))
    for member in MEMBERS:
        enroll(application, member)
    [opened] = application.execute([open_cmd(budget=10**12)])
    assert not isinstance(opened, Exception), opened
    yield application
    application.close()


def test_a_batch_sent_again_is_answered_from_one_read(
    app: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [pay(f"y-{i}", member=MEMBERS[i % len(MEMBERS)], amount=100 + i) for i in range(60)]
    [first] = app.execute([batch(*rows)])
    assert isinstance(first, list) and len(first) == 60
    [reversal] = app.execute([reverse("y-rv", first[3].entry.id)])
    assert isinstance(reversal, Recorded)
    stored = {r.entry.id: app.repository.get(r.entry.id) for r in first}

    def one_by_one(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an entry read on its own")

    monkeypatch.setattr(app.repository, "get", one_by_one)
    inserts = watch_inserts(app, monkeypatch)
    [again] = app.execute([batch(*rows, pay("y-new", member="R1", amount=7))])
    assert inserts == [1]  # the new row only: no store transaction refused first
    assert isinstance(again, list) and len(again) == 61
    assert [r.replayed for r in again] == [True] * 60 + [False]
    for done in again[:60]:
        original = stored[done.entry.id]
        assert done.entry.__dict__ == original.__dict__
    assert again[60].entry.amount_fen == 7


def watch_inserts(app: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of events of each insert_events call from now on."""
    calls: list[int] = []
    real = app.recorder.insert_events

    def insert_events(stored: Any, **kwargs: Any) -> Any:
        calls.append(len(stored))
        return real(stored, **kwargs)

    monkeypatch.setattr(app.recorder, "insert_events", insert_events)
    return calls


def test_a_batch_whose_first_row_is_new_finds_the_others_after_the_store_refuses_it(
    app: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The book is only a hint (a batch's first row): a batch that starts with
    a new row but holds recorded ones is refused by the store once, then run
    again knowing them."""
    rows = [pay(f"w-{i}", member=MEMBERS[i], amount=50 + i) for i in range(10)]
    [first] = app.execute([batch(*rows)])
    assert isinstance(first, list)
    inserts = watch_inserts(app, monkeypatch)
    [mixed] = app.execute([batch(pay("w-new", member="R3", amount=9), *rows)])
    assert inserts == [11, 1]  # refused whole, then the new row alone
    assert isinstance(mixed, list)
    assert [r.replayed for r in mixed] == [False] + [True] * 10
    assert [r.entry.id for r in mixed[1:]] == [r.entry.id for r in first]


def test_recorded_events_finds_exactly_the_ids_with_events(app: LedgerApplication) -> None:
    from ledger.domain.entries import entry_id_for

    [first] = app.execute([batch(*(pay(f"z-{i}", member="R2", amount=10) for i in range(5)))])
    assert isinstance(first, list)
    ids = [entry_id_for(f"z-{i}") for i in range(8)]  # z-5..z-7 never posted
    found = recorded_events(app.recorder, [*ids, ids[0]])
    assert set(found) == set(ids[:5])
    for entry_id, events in found.items():
        assert events == list(app.recorder.select_events(entry_id))

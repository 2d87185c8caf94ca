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
    [again] = app.execute([batch(*rows, pay("y-new", member="R1", amount=7))])
    assert isinstance(again, list) and len(again) == 61
    assert [r.replayed for r in again] == [True] * 60 + [False]
    for done in again[:60]:
        original = stored[done.entry.id]
        assert done.entry.__dict__ == original.__dict__
    assert again[60].entry.amount_fen == 7


def test_recorded_events_finds_exactly_the_ids_with_events(app: LedgerApplication) -> None:
    from ledger.domain.entries import entry_id_for

    [first] = app.execute([batch(*(pay(f"z-{i}", member="R2", amount=10) for i in range(5)))])
    assert isinstance(first, list)
    ids = [entry_id_for(f"z-{i}") for i in range(8)]  # z-5..z-7 never posted
    found = recorded_events(app.recorder, [*ids, ids[0]])
    assert set(found) == set(ids[:5])
    for entry_id, events in found.items():
        assert events == list(app.recorder.select_events(entry_id))

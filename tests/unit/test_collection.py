"""Service processes collect the youngest generation every YOUNG_THRESHOLD
allocations, not CPython's 700: a 1,000-row batch of payouts then sets off no
collection that walks the batch's live objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benefits_platform import collection, forwarding, relay_process, server
from benefits_platform.config import StoreConfig
from benefits_platform.eventstore import eventsourcing_env
from ledger.application import LedgerApplication
from tests.unit.ledger_helpers import batch, enroll, open_cmd, pay


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def collections_during_batches(app: LedgerApplication, prefix: str) -> int:
    counted = []

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            counted.append(info["generation"])

    gc.callbacks.append(count)
    try:
        for b in range(3):
            rows = [pay(f"{prefix}{b}-{i}", member=f"M{i % 50}", amount=10) for i in range(1000)]
            [done] = app.execute([batch(*rows)])
            assert isinstance(done, list), done
    finally:
        gc.callbacks.remove(count)
    return len(counted)


def test_batches_set_off_collections_only_with_the_default_threshold(
    tmp_path: Path, thresholds: None
) -> None:
    app = LedgerApplication(eventsourcing_env(StoreConfig(sqlite_path=tmp_path / "e.sqlite")))
    try:
        for i in range(50):
            enroll(app, f"M{i}")
        app.execute([open_cmd(budget=10**12)])
        gc.collect()
        gc.set_threshold(700, 10, 10)
        assert collections_during_batches(app, "default") >= 3
        collection.tune_collector()
        assert gc.get_threshold() == (collection.YOUNG_THRESHOLD, 10, 10)
        gc.collect()
        assert collections_during_batches(app, "tuned") <= 1
    finally:
        app.close()


@pytest.mark.parametrize(
    ("module", "main"),
    [
        (server, lambda: server.serve(lambda: None)),  # type: ignore[arg-type, return-value]
        (forwarding, lambda: forwarding.run_front(lambda: None)),  # type: ignore[arg-type, return-value]
        (relay_process, lambda: relay_process.serve_relay(None, None, None)),  # type: ignore[arg-type]
    ],
)
def test_every_service_process_tunes_its_collector(
    module: Any, main: Any, monkeypatch: pytest.MonkeyPatch, thresholds: None
) -> None:
    gc.set_threshold(700, 10, 10)
    seen = []

    def run(coroutine: Any) -> None:
        coroutine.close()
        seen.append(gc.get_threshold()[0])

    monkeypatch.setattr(module.asyncio, "run", run)
    main()
    assert seen == [collection.YOUNG_THRESHOLD]

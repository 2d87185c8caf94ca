"""The reporting consumer's fetch loop (StreamConsumer._run) with a fake pull
subscription: a prefetch that fails is retried with a new fetch, never awaited
again (a failed prefetch awaited again raises the same error forever and the
projection stops, as a NATS node failure once showed)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from nats.js.errors import ServiceUnavailableError

from reporting.adapters import consumers
from reporting.adapters.consumers import StreamConsumer


class FlakySubscription:
    """fetch: a batch, then one failure (the prefetch), then batches again."""

    def __init__(self) -> None:
        self.calls = 0

    async def fetch(self, limit: int, timeout: float) -> list[Any]:  # noqa: ASYNC109 (nats-py API)
        self.calls += 1
        if self.calls == 2:
            raise ServiceUnavailableError()
        return [f"message-{self.calls}"]


async def test_a_failed_prefetch_is_followed_by_a_new_fetch(monkeypatch: Any) -> None:
    monkeypatch.setattr(consumers, "FIRST_RETRY_SECONDS", 0.01)
    owner = SimpleNamespace(settings=SimpleNamespace(batch=10, fetches_per_transaction=5))
    consumer = StreamConsumer(owner, "ledger")  # type: ignore[arg-type]
    consumer._sub = FlakySubscription()
    handled: list[Any] = []
    third = asyncio.Event()

    async def handle(msgs: list[Any]) -> bool:
        handled.extend(msgs)
        if "message-3" in msgs:
            third.set()
        return True

    consumer._handle = handle  # type: ignore[method-assign]
    task = asyncio.create_task(consumer._run())
    try:
        await asyncio.wait_for(third.wait(), timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert handled[:2] == ["message-1", "message-3"]


def test_the_consumer_lets_two_transactions_of_messages_be_pending() -> None:
    """The consumer's max_ack_pending covers the transaction being applied and
    the next one being fetched (fewer would stall a catch-up at every
    transaction); an explicit figure is kept."""
    settings = consumers.ConsumerSettings(batch=2000, fetches_per_transaction=15)
    assert settings.pending_limit == 2 * 30_000 + 2000
    assert consumers.ConsumerSettings(batch=4, fetches_per_transaction=1).pending_limit == 12
    assert consumers.ConsumerSettings(max_ack_pending=500).pending_limit == 500
    config = StreamConsumer(SimpleNamespace(settings=settings), "ledger")._config(1)  # type: ignore[arg-type]
    assert config.max_ack_pending == settings.pending_limit

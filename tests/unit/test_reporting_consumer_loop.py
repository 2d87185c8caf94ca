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

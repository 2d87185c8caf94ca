"""The ledger's single writer groups what has queued up; under load a small
group waits a moment for more (each group costs a store commit), while a
command that finds the writer idle runs at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from benefits_platform.domain_errors import DomainError
from ledger.application import CommandWriter, PostPayoutBatch
from tests.unit.ledger_helpers import open_cmd, pay


class GroupRecorder:
    """Stands in for LedgerApplication: records each group it is given."""

    shared_store = None
    recorder = None

    def __init__(self) -> None:
        self.groups: list[list[Any]] = []

    def execute(self, commands: list[Any]) -> list[Any]:
        self.groups.append(list(commands))
        return [f"done {i}" for i in range(len(commands))]


def writer_for(app: GroupRecorder, linger: float) -> CommandWriter:
    writer = CommandWriter(app)  # type: ignore[arg-type]
    writer.linger_seconds = linger
    writer.start()
    return writer


@contextlib.asynccontextmanager
async def running(app: GroupRecorder, linger: float) -> AsyncIterator[CommandWriter]:
    writer = writer_for(app, linger)
    try:
        yield writer
    finally:
        await writer.stop()


async def test_a_busy_writer_lets_a_small_group_gather() -> None:
    app = GroupRecorder()
    async with running(app, linger=0.5) as writer:
        await writer.submit(pay("warm"))  # the writer has just been busy
        first = asyncio.ensure_future(writer.submit(pay("a")))
        await asyncio.sleep(0.05)  # well before the linger ends
        rest = [asyncio.ensure_future(writer.submit(pay(r))) for r in ("b", "c", "d")]
        await asyncio.gather(first, *rest)
    assert [[c.request_id for c in g] for g in app.groups] == [["warm"], ["a", "b", "c", "d"]]


async def test_a_command_that_finds_the_writer_idle_runs_at_once() -> None:
    app = GroupRecorder()
    async with running(app, linger=30.0) as writer:
        await writer.submit(pay("first"))
        await asyncio.sleep(writer.busy_seconds * 2)  # idle since
        await asyncio.wait_for(writer.submit(pay("second")), 5.0)
    assert len(app.groups) == 2


async def test_a_large_group_and_programme_commands_do_not_wait() -> None:
    app = GroupRecorder()
    async with running(app, linger=30.0) as writer:
        await writer.submit(pay("warm"))
        rows = tuple(pay(f"r{i}") for i in range(writer.gather_rows))
        await asyncio.wait_for(writer.submit(PostPayoutBatch(rows)), 5.0)
        await asyncio.wait_for(writer.submit(open_cmd()), 5.0)
    assert len(app.groups) == 3


async def test_commands_still_waiting_when_the_writer_stops_are_answered_unavailable() -> None:
    app = GroupRecorder()
    writer = writer_for(app, linger=30.0)
    await writer.submit(pay("warm"))  # busy: the next small group lingers
    lingering = asyncio.ensure_future(writer.submit(pay("a")))
    await asyncio.sleep(0.05)
    queued = asyncio.ensure_future(writer.submit(pay("b")))
    await asyncio.sleep(0)
    await writer.stop()
    for call in (lingering, queued):
        with pytest.raises(DomainError) as refused:
            await asyncio.wait_for(call, 5.0)
        assert refused.value.status == "UNAVAILABLE"
    assert len(app.groups) == 1

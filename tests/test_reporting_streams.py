"""Reading a stream for an audit while JetStream cannot answer, against a real
ledger, nats-server and gRPC: a read whose consumer is lost mid-way (as when
the node holding it goes down) goes on from the next sequence, every message
once and in order; NATS gone for longer than a read waits is UNAVAILABLE,
never INTERNAL, and the call succeeds once NATS is back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import nats
import pytest
from nats.js.errors import ServiceUnavailableError

from benefits_platform import bus, rpc
from benefits_platform.protos.benefits.v1 import reporting_pb2
from reporting.adapters import streams
from tests.conftest import RunningLedger
from tests.reporting_support import (
    WAIT,
    RunningReporting,
    fixed_scenario,
    reporting_config,
    sqlite_ledger,
    start_reporting,
    stop_reporting,
)
from tests.support import NatsServer

LEDGER = "ledger"
__all__ = ["sqlite_ledger"]  # a fixture, used by name


@pytest.fixture
async def stack(sqlite_ledger: RunningLedger, tmp_path: Path) -> AsyncIterator[RunningReporting]:
    """A ledger holding the fixed scenario and a reporting service caught up with it."""
    running = await start_reporting(reporting_config(sqlite_ledger, tmp_path))
    try:
        await fixed_scenario(sqlite_ledger)
        await running.caught_up(sqlite_ledger)
        yield running
    finally:
        await stop_reporting(running)


async def ephemeral_consumers(js: nats.js.JetStreamContext) -> list[str]:
    stream = bus.stream_name(LEDGER)
    return [c.name for c in await js.consumers_info(stream) if not c.config.durable_name]


async def test_a_read_whose_consumer_is_lost_goes_on_from_the_next_sequence(
    stack: RunningReporting, nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "FIRST_RETRY_SECONDS", 0.01)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        last = await streams.head(js, LEDGER)
        assert last >= 10
        whole = [seq for batch in [b async for b in streams.read_range(js, LEDGER, 1, last)]
                 for _data, seq in batch]  # fmt: skip
        assert whole == list(range(1, last + 1))

        read: list[tuple[bytes, int]] = []
        lost = 0
        async for batch in streams.read_range(js, LEDGER, 1, last, batch=3):
            read.extend(batch)
            if len(read) in (3, 6):  # twice: the read's consumer deleted under it
                names = await ephemeral_consumers(js)
                assert names, "the read has a consumer of its own"
                for name in names:
                    await js.delete_consumer(bus.stream_name(LEDGER), name)
                    lost += 1
        assert lost == 2
        assert [seq for _data, seq in read] == list(range(1, last + 1))
        for data, seq in read:
            msg = await js.get_msg(bus.stream_name(LEDGER), seq=seq)
            assert msg.data == data
        assert await ephemeral_consumers(js) == []  # each reader cleaned up
    finally:
        await nc.close()


async def test_a_read_that_is_refused_once_goes_on(
    stack: RunningReporting, nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal the audit met in a cluster that had just lost a node: a pull
    request answered 503 (no responders) once, then served."""
    monkeypatch.setattr(streams, "FIRST_RETRY_SECONDS", 0.01)
    real_fetch = streams.fetch
    calls = 0

    async def refused_once(sub: object, batch: int, timeout: float) -> list[object]:  # noqa: ASYNC109
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ServiceUnavailableError
        return await real_fetch(sub, batch, timeout)

    monkeypatch.setattr(streams, "fetch", refused_once)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        last = await streams.head(js, LEDGER)
        read = [seq for batch in [b async for b in streams.read_range(js, LEDGER, 1, last, batch=4)]
                for _data, seq in batch]  # fmt: skip
        assert calls > 2
        assert read == list(range(1, last + 1))
    finally:
        await nc.close()


async def test_a_read_ends_early_only_when_the_rest_is_deleted(
    stack: RunningReporting, nats_server: NatsServer
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        last = await streams.head(js, LEDGER)
        for seq in (last - 1, last):
            await js.delete_msg(bus.stream_name(LEDGER), seq)
        read = [seq for batch in [b async for b in streams.read_range(js, LEDGER, 1, last)]
                for _data, seq in batch]  # fmt: skip
        assert read == list(range(1, last - 1))
    finally:
        await nc.close()


async def test_nats_gone_longer_than_a_read_waits_is_unavailable_then_served(
    stack: RunningReporting, nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "READ_PATIENCE_SECONDS", 1.0)
    monkeypatch.setattr(streams, "FIRST_RETRY_SECONDS", 0.05)
    request = reporting_pb2.StreamEventsRequest(source=LEDGER)
    served = [e async for e in stack.stub.StreamEvents(request, timeout=WAIT)]
    assert served

    nats_server.stop()
    try:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            async for _event in stack.stub.StreamEvents(request, timeout=WAIT):
                pass
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value.details()
        assert "JetStream did not answer" in (err.value.details() or "")
        assert "retry" in (err.value.details() or "")
    finally:
        nats_server.start()

    async def again() -> list[reporting_pb2.StreamEventsResponse]:
        return [e async for e in stack.stub.StreamEvents(request, timeout=WAIT)]

    for _attempt in range(100):  # the service reconnects by itself
        try:
            assert await again() == served
            break
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
    else:
        pytest.fail("StreamEvents not served again after NATS came back")


def test_outages_of_nats_and_the_database_are_named_and_nothing_else() -> None:
    import psycopg
    from eventsourcing.persistence import IntegrityError, OperationalError

    assert rpc.outage(ServiceUnavailableError()) == "NATS"
    assert rpc.outage(nats.errors.TimeoutError()) == "NATS"
    assert rpc.outage(nats.errors.ConnectionClosedError()) == "NATS"
    assert rpc.outage(OperationalError("server closed the connection")) == "the database"
    assert rpc.outage(psycopg.OperationalError("connection refused")) == "the database"
    assert rpc.outage(IntegrityError("duplicate key")) is None
    assert rpc.outage(psycopg.errors.UniqueViolation("duplicate key")) is None
    assert rpc.outage(ValueError("a bug")) is None
    assert rpc.outage(nats.js.errors.BadRequestError()) is None

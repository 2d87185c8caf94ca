"""PostgreSQL restarted under the ledger (its own server, crashed the way a
power cut looks to it, then started again on the same port): every connection
the pool held is dead. The ledger's writer and the relay's log reader each
meet at most one of them (UNAVAILABLE: retry with the same request id), then
test the pool and draw a live one; over gRPC, payouts are served again and
published once each."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from eventsourcing.persistence import PersistenceError

from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.relay import LogReader
from tests.conftest import RunningLedger, start_ledger, stop_ledger
from tests.ledger_client import open_request, payout, stream_messages
from tests.members_feed import enroll
from tests.support import NatsServer, PostgresServer, postgres_server

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_pg() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's own: the test crashes it."""
    with postgres_server() as server:
        yield server


def restart(server: PostgresServer) -> None:
    server.crash()
    server.start()


async def test_after_a_restart_payouts_are_served_and_published_once(
    own_pg: PostgresServer, nats_server: NatsServer, tmp_path: Path
) -> None:
    config = ServiceConfig(
        service="ledger",
        port=0,
        data_dir=tmp_path,
        nats_url=nats_server.url,
        store=StoreConfig(kind="postgres", postgres_dsn=own_pg.dsn),
        shutdown_grace_seconds=0.5,
    )
    ledger: RunningLedger = await start_ledger(config)
    try:
        await enroll(ledger, ["M1", "M2"])
        await ledger.stub.OpenProgram(open_request())
        first = await ledger.stub.PostPayout(payout("before", member="M1"))
        app = ledger.server.app
        assert app is not None
        pool = app.recorder.datastore.pool
        assert pool.get_stats()["pool_size"] >= 2  # idle connections, all about to die

        await asyncio.to_thread(restart, own_pg)
        for _attempt in range(10):  # the writer and the relay share the pool: how
            try:  # many dead connections each meets depends on who draws first
                after = await ledger.stub.PostPayout(payout("after", member="M2"))
                break
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
                assert "retry with the same request id" in (error.details() or "")
        else:
            pytest.fail("PostPayout not served after PostgreSQL came back")
        # The relay publishes it: the stream holds both payouts, once each.
        for _ in range(200):
            messages = await stream_messages(nats_server.url)
            if sum(b"PayoutPosted" in m for m in messages) >= 2:
                break
            await asyncio.sleep(0.05)
        posted = []
        for data in messages:
            envelope = events_pb2.EventEnvelope.FromString(data)
            if envelope.event_type == "PayoutPosted":
                event = events_pb2.PayoutPosted()
                assert envelope.payload.Unpack(event)
                posted.append(event.request_id)
        assert posted == ["before", "after"]
        assert after.entry_id != first.entry_id
    finally:
        await stop_ledger(ledger)


def test_a_log_reader_draws_a_live_connection_after_a_restart(own_pg: PostgresServer) -> None:
    """The relay's reader alone (its reads bypass eventsourcing's retries): with
    five idle connections dead, one read fails, the next one succeeds."""
    from benefits_platform.eventstore import eventsourcing_env
    from ledger.adapters.event_codec import encode
    from ledger.application import LedgerApplication

    store = StoreConfig(kind="postgres", postgres_dsn=own_pg.dsn)
    app = LedgerApplication(env=eventsourcing_env(store))
    try:
        reader = LogReader(app.recorder, app.mapper, encode)
        assert reader.rows(0, 10) == []
        pool = app.recorder.datastore.pool
        with pool.connection(), pool.connection(), pool.connection():
            pass  # three connections made and back in the pool, idle
        restart(own_pg)
        failed = 0
        for _attempt in range(2):
            try:
                assert reader.rows(0, 10) == []
                break
            except PersistenceError:
                failed += 1
        else:
            pytest.fail("the reader drew a dead connection twice")
        assert failed <= 1
    finally:
        app.close()


def test_the_writer_serves_its_second_attempt_after_a_restart(own_pg: PostgresServer) -> None:
    """The ledger's writer alone: with several idle connections dead, one group
    may fail (UNAVAILABLE: retry with the same request id); the next one is
    recorded."""
    from benefits_platform.domain_errors import Unavailable
    from benefits_platform.eventstore import eventsourcing_env
    from ledger.application import LedgerApplication
    from tests.unit.ledger_helpers import enroll, open_cmd, pay

    store = StoreConfig(kind="postgres", postgres_dsn=own_pg.dsn)
    app = LedgerApplication(env=eventsourcing_env(store))
    try:
        enroll(app, "M1")
        [opened] = app.execute([open_cmd()])
        assert not isinstance(opened, Exception), opened
        pool = app.recorder.datastore.pool
        with pool.connection(), pool.connection(), pool.connection():
            pass  # three connections made and back in the pool, idle
        restart(own_pg)
        outcomes: list[object] = []
        for _attempt in range(2):
            try:
                outcomes.extend(app.execute([pay("after-restart")]))
                break
            except Unavailable as refused:
                outcomes.append(refused)
        assert not isinstance(outcomes[-1], Exception), outcomes
        assert len(outcomes) <= 2
    finally:
        app.close()

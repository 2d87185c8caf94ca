"""Two ledger instances on one PostgreSQL store (benefits_platform.shared_store).

Both instances take payouts at the same time, over real gRPC, against one
programme budget and one per-member cap: neither limit is ever exceeded, and
the limits are reached exactly (each group is judged on a book caught up under
the store's write lock). The same request id sent to both instances at once
records one entry. A writer that cannot get the write lock in time answers
UNAVAILABLE and writes nothing; the retry with the same request id succeeds.
Reads served by one instance follow the other's writes.
"""

from __future__ import annotations

import asyncio
import collections
import os
import socket
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import psycopg
import pytest
from eventsourcing.persistence import PersistenceError, StoredEvent

from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import ledger_pb2
from ledger.domain import entries as E
from tests.conftest import RunningLedger, start_ledger, stop_ledger
from tests.ledger_client import open_request, payout
from tests.members_feed import enrolled, publish_member_events
from tests.support import NatsServer, PostgresServer

pytestmark = pytest.mark.postgres

CODE = grpc.StatusCode
MEMBERS = [f"S{i}" for i in range(10)]
WAIT = 60.0


@dataclass
class Pair:
    a: RunningLedger
    b: RunningLedger
    dsn: str

    @property
    def both(self) -> tuple[RunningLedger, RunningLedger]:
        return self.a, self.b


@pytest.fixture
async def pair(tmp_path: Path, nats_server: NatsServer, pg: PostgresServer) -> AsyncIterator[Pair]:
    dsn = pg.create_database(f"shared_{tmp_path.name[-20:].lower().replace('-', '_')}")
    store = StoreConfig(kind="postgres", postgres_dsn=dsn)
    position = await publish_member_events(nats_server.url, [enrolled(m) for m in MEMBERS])
    started: list[RunningLedger] = []
    try:
        for _ in range(2):
            config = ServiceConfig(
                service="ledger",
                port=0,
                data_dir=tmp_path,
                nats_url=nats_server.url,
                store=store,
                shutdown_grace_seconds=0.5,
            )
            running = await start_ledger(config)
            started.append(running)
            assert running.server.members_feed is not None
            assert await running.server.members_feed.wait_for(position, WAIT)
            assert running.server.app is not None and running.server.app.shared_store is not None
        yield Pair(started[0], started[1], dsn)
    finally:
        for running in started:
            await stop_ledger(running)


async def post(stub, request) -> ledger_pb2.Entry | grpc.StatusCode:
    """The entry, or the status of a refusal; retries what the caller would retry."""
    while True:
        try:
            return await stub.PostPayout(request, timeout=WAIT)
        except grpc.aio.AioRpcError as error:
            if error.code() == CODE.UNAVAILABLE:
                continue
            return error.code()


def recorded_payouts(dsn: str) -> list[E.Payout]:
    """Every payout in the shared store, read back through a third application."""
    from benefits_platform.eventstore import eventsourcing_env
    from ledger.application import LedgerApplication

    app = LedgerApplication(eventsourcing_env(StoreConfig(kind="postgres", postgres_dsn=dsn)))
    try:
        found = []
        for notification in app.recorder.select_notifications(start=1, limit=100_000):
            event = app.mapper.to_domain_event(notification)
            if type(event).__qualname__.startswith("Payout."):
                found.append(app.repository.get(event.originator_id))
        return found
    finally:
        app.close()


async def eventually_equal(read, expected, seconds: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (value := await read()) != expected:
        assert loop.time() < deadline, (value, expected)
        await asyncio.sleep(0.02)


async def test_concurrent_posting_on_two_instances_never_exceeds_budget_or_cap(pair: Pair) -> None:
    budget, cap, amount = 20_000, 2_500, 100
    await pair.a.stub.OpenProgram(open_request(code="BUDGET", budget=budget), timeout=WAIT)
    # Opened again on the other instance: a replay, not a second programme.
    await pair.b.stub.OpenProgram(open_request(code="BUDGET", budget=budget), timeout=WAIT)
    await pair.b.stub.OpenProgram(open_request(code="CAPPED", budget=10**9, cap=cap), timeout=WAIT)

    # 300 asks of 100 fen against a budget of 200 of them; 5 members asking 40
    # times each against a cap of 25 each; odd rows to one instance, even to the other.
    asks = [("BUDGET", f"b{i}", MEMBERS[i % 10]) for i in range(300)]
    asks += [("CAPPED", f"c{i}", MEMBERS[i % 5]) for i in range(200)]
    stubs = [pair.a.stub, pair.b.stub]
    replies = await asyncio.gather(*(
        post(stubs[i % 2], payout(rid, member=member, amount=amount, code=code))
        for i, (code, rid, member) in enumerate(asks)
    ))  # fmt: skip

    accepted = collections.Counter()
    by_instance = collections.Counter()
    for i, ((code, _rid, member), reply) in enumerate(zip(asks, replies, strict=True)):
        if isinstance(reply, ledger_pb2.Entry):
            accepted[code, member if code == "CAPPED" else ""] += 1
            by_instance[i % 2] += 1
        else:
            assert reply == CODE.FAILED_PRECONDITION, (code, reply)
    assert sum(n for (code, _), n in accepted.items() if code == "BUDGET") == budget // amount
    assert {m: accepted["CAPPED", m] for m in MEMBERS[:5]} == dict.fromkeys(MEMBERS[:5], 25)
    assert by_instance[0] > 0 and by_instance[1] > 0  # both instances wrote

    stored = recorded_payouts(pair.dsn)
    assert sum(p.amount_fen for p in stored if p.program_code == "BUDGET") == budget
    for member in MEMBERS[:5]:
        capped = [p for p in stored if p.program_code == "CAPPED" and p.member_id == member]
        assert sum(p.amount_fen for p in capped) == cap
    # Both instances' books agree with the store.
    for running in pair.both:
        async def committed(stub=running.stub) -> int:
            reply = await stub.GetProgram(
                ledger_pb2.GetProgramRequest(code="BUDGET", fiscal_year=2026), timeout=WAIT
            )
            return reply.committed_fen

        await eventually_equal(committed, budget)


async def test_the_same_request_id_on_both_instances_records_one_entry(pair: Pair) -> None:
    await pair.a.stub.OpenProgram(open_request(code="TWICE", budget=10**9), timeout=WAIT)
    requests = [
        payout(f"t{i}", member=MEMBERS[i % 10], amount=100, code="TWICE") for i in range(60)
    ]
    replies = await asyncio.gather(*(
        post(running.stub, request) for request in requests for running in pair.both
    ))  # fmt: skip
    for i in range(len(requests)):
        first, second = replies[2 * i], replies[2 * i + 1]
        assert isinstance(first, ledger_pb2.Entry) and isinstance(second, ledger_pb2.Entry)
        assert first.entry_id == second.entry_id
        assert sorted([first.replayed, second.replayed]) == [False, True]
    stored = [p for p in recorded_payouts(pair.dsn) if p.program_code == "TWICE"]
    assert sorted(p.request_id for p in stored) == sorted(r.request_id for r in requests)


async def test_a_writer_that_cannot_get_the_lock_answers_unavailable_and_writes_nothing(
    pair: Pair,
) -> None:
    await pair.a.stub.OpenProgram(open_request(code="LOCKED", budget=10**9), timeout=WAIT)
    app = pair.b.server.app
    assert app is not None and app.shared_store is not None
    app.write_lock_seconds = 0.3
    before = app.recorder.max_notification_id()
    with psycopg.connect(pair.dsn, autocommit=True) as holder:
        # Another writer holds the store's write lock (as a paused process would).
        holder.execute("SELECT pg_advisory_lock(%s)", (app.shared_store.lock_key,))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await pair.b.stub.PostPayout(payout("held", member="S1", code="LOCKED"), timeout=WAIT)
        assert refused.value.code() == CODE.UNAVAILABLE
        assert "retry with the same request id" in (refused.value.details() or "")
        assert app.recorder.max_notification_id() == before
        holder.execute("SELECT pg_advisory_unlock(%s)", (app.shared_store.lock_key,))
    entry = await pair.b.stub.PostPayout(payout("held", member="S1", code="LOCKED"), timeout=WAIT)
    assert not entry.replayed
    again = await pair.a.stub.PostPayout(payout("held", member="S1", code="LOCKED"), timeout=WAIT)
    assert again.replayed and again.entry_id == entry.entry_id


async def test_reads_on_one_instance_follow_the_other_instances_writes(pair: Pair) -> None:
    await pair.a.stub.OpenProgram(open_request(code="READS", budget=10**9), timeout=WAIT)
    for i in range(5):
        await pair.a.stub.PostPayout(
            payout(f"r{i}", member="S1", amount=1_000, code="READS"), timeout=WAIT
        )

    async def on_b() -> tuple[int, int] | None:
        try:
            program = await pair.b.stub.GetProgram(
                ledger_pb2.GetProgramRequest(code="READS", fiscal_year=2026), timeout=WAIT
            )
        except grpc.aio.AioRpcError as error:
            assert error.code() == CODE.NOT_FOUND  # not caught up with the opening yet
            return None
        return program.committed_fen, program.payout_count

    await eventually_equal(on_b, (5_000, 5))


async def test_a_paused_holder_of_the_write_lock_is_cut_off_and_its_write_fails(
    pair: Pair,
) -> None:
    await pair.a.stub.OpenProgram(open_request(code="PAUSED", budget=10**9), timeout=WAIT)
    app = pair.a.server.app
    assert app is not None and app.shared_store is not None
    recorder = app.shared_store
    wake, taken = threading.Event(), threading.Event()
    never = StoredEvent(uuid.uuid4(), 1, "never.Stored", b"{}")

    def paused_holder() -> PersistenceError | None:
        """Takes the write lock, then sits idle in its transaction (as a process
        stopped with SIGSTOP would) until woken, then tries to write."""
        with recorder.exclusive(wait_seconds=WAIT, hold_seconds=0.5):
            taken.set()
            wake.wait(WAIT)
            try:
                recorder.insert_events([never])
            except PersistenceError as error:
                return error
            return None

    holder = asyncio.create_task(asyncio.to_thread(paused_holder))
    await asyncio.to_thread(taken.wait, WAIT)
    # The other instance writes although the holder never let go: PostgreSQL
    # ended the idle transaction and freed the lock.
    entry = await pair.b.stub.PostPayout(
        payout("after-pause", member="S2", code="PAUSED"), timeout=WAIT
    )
    assert not entry.replayed
    wake.set()
    assert isinstance(await holder, PersistenceError)
    assert recorder.select_events(never.originator_id) == []


async def test_a_batch_of_the_largest_size_is_recorded_and_replayed(pair: Pair) -> None:
    """10,000 payouts in one PostPayouts: one insert of ~12 MB of event data, sent
    statement by statement (in pipeline mode psycopg stopped sending it half-way
    and the writer waited for ever, holding the write lock)."""
    await pair.a.stub.OpenProgram(open_request(code="YEAR_END", budget=10**12), timeout=WAIT)
    rows = [
        payout(f"year-end-{i}", member=MEMBERS[i % len(MEMBERS)], amount=100 + i, code="YEAR_END")
        for i in range(10_000)
    ]
    request = ledger_pb2.PostPayoutsRequest(payouts=rows)
    posted = await pair.a.stub.PostPayouts(request, timeout=WAIT)
    assert len(posted.entries) == 10_000 and posted.replayed_count == 0
    again = await pair.b.stub.PostPayouts(request, timeout=WAIT)
    assert again.replayed_count == 10_000
    assert [e.entry_id for e in again.entries] == [e.entry_id for e in posted.entries]
    programme = await pair.b.stub.GetProgram(
        ledger_pb2.GetProgramRequest(code="YEAR_END", fiscal_year=2026), timeout=WAIT
    )
    assert programme.committed_fen == sum(100 + i for i in range(10_000))


async def test_an_insert_larger_than_the_send_buffer_is_not_stuck(pair: Pair) -> None:
    """As to a PostgreSQL on another host: the held connection's socket sends at
    most 4 KiB at a time, and 1,000 events of 1.2 KB go in under the write lock."""
    app = pair.a.server.app
    assert app is not None and app.shared_store is not None
    recorder = app.shared_store
    events = [
        StoredEvent(uuid.uuid4(), 1, "large.Stored", b'{"x":"' + b"y" * 1200 + b'"}')
        for _ in range(1000)
    ]
    outcome: list[object] = []

    def insert() -> None:
        try:
            with recorder.exclusive(wait_seconds=WAIT, hold_seconds=WAIT):
                conn = recorder.held_connection()
                held = socket.socket(fileno=os.dup(conn.pgconn.socket))
                try:
                    held.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
                finally:
                    held.close()
                outcome.append(recorder.insert_events(events))
        except Exception as error:
            outcome.append(error)

    worker = threading.Thread(target=insert, daemon=True)  # a stuck one must not hold pytest
    worker.start()
    await asyncio.to_thread(worker.join, WAIT)
    assert outcome, "the insert did not return"
    ids = outcome[0]
    assert isinstance(ids, list) and len(ids) == 1000, ids
    assert [e.originator_id for e in events[:3]] == [
        s.originator_id for e in events[:3] for s in recorder.select_events(e.originator_id)
    ]

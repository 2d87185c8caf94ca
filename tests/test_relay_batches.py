"""One acknowledgement per relay batch, and still exactly once: a message lost
in the middle of a batch, an unacknowledged last message and two relays on one
log all end with every event in the stream once, in order, chain intact."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import nats.errors
import pytest

from benefits_platform import bus
from benefits_platform.envelopes import (
    ZERO_HASH,
    EventParts,
    build_envelope,
    event_id,
    verify_chain,
)
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.relay import OutboxRelay
from benefits_platform.sqlstore import Database, RelayCheckpoints
from ledger.adapters.event_codec import encode
from tests.ledger_client import open_request, payout, stream_messages
from tests.members_feed import enroll
from tests.test_relay_faults import assert_exactly_once, envelopes_of

BATCH = 30


class CountingClient:
    """The relay's NATS client, counting core publishes; those whose index is in
    ``drop`` are lost on the way (never reach the server, no error)."""

    def __init__(self, nc: Any, drop: frozenset[int] = frozenset()) -> None:
        self.nc = nc
        self.drop = drop
        self.calls = 0
        self.dropped = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.nc, name)

    async def publish(self, subject: str, payload: bytes = b"", **kwargs: Any) -> None:
        index, self.calls = self.calls, self.calls + 1
        if index in self.drop:
            self.dropped += 1
            return
        await self.nc.publish(subject, payload, **kwargs)


class CountingJetStream:
    """The relay's JetStream context, counting acknowledged publishes; with
    ``swallow`` the next one is lost on the way and its PubAck never comes."""

    def __init__(self, js: Any, swallow: int = 0) -> None:
        self.js = js
        self.swallow = swallow
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.js, name)

    async def publish(self, subject: str, payload: bytes = b"", **kwargs: Any) -> Any:
        self.calls += 1
        if self.swallow > 0:
            self.swallow -= 1
            await asyncio.sleep(kwargs["timeout"])
            raise nats.errors.TimeoutError
        return await self.js.publish(subject, payload, **kwargs)


async def stopped_relay_with_backlog(ledger, count: int = BATCH) -> OutboxRelay:
    """The ledger's relay, caught up and stopped, with ``count`` payouts committed
    after it stopped (one batch's worth at the relay's batch size)."""
    members = [f"M{i}" for i in range(count)]
    await enroll(ledger, members)
    await ledger.stub.OpenProgram(open_request(budget=10**12))
    relay = ledger.server.relay
    await relay.wait_caught_up(ledger.server.app.book.position)
    await relay.stop()
    for i, member in enumerate(members):
        await ledger.stub.PostPayout(payout(f"r{i}", member=member, amount=100))
    return relay


async def test_a_batch_takes_one_acknowledgement(ledger):
    relay = await stopped_relay_with_backlog(ledger)
    position = ledger.server.app.book.position
    before = len(await stream_messages(ledger.config.nats_url))
    nc, js = CountingClient(relay.nc), CountingJetStream(relay.js)
    relay.nc, relay.js = nc, js
    relay.start()
    await relay.wait_caught_up(position)
    assert (nc.calls, js.calls) == (BATCH - 1, 1)
    assert relay.resyncs == 0
    assert_exactly_once(
        envelopes_of(await stream_messages(ledger.config.nats_url)), position, before + BATCH
    )


@pytest.mark.parametrize("lost", [0, BATCH // 2, BATCH - 2])
async def test_a_message_lost_mid_batch_is_published_again_once(ledger, lost):
    """Core publish number ``lost`` never reaches the server: every later message of
    the batch fails its expected-sequence check, so the acknowledged last one does
    too; the relay re-reads the stream's head and publishes the rest again."""
    relay = await stopped_relay_with_backlog(ledger)
    position = ledger.server.app.book.position
    before = len(await stream_messages(ledger.config.nats_url))
    client = CountingClient(relay.nc, drop=frozenset({lost}))
    relay.nc = client
    relay.start()
    await relay.wait_caught_up(position)
    assert client.dropped == 1
    assert relay.resyncs == 1
    envelopes = envelopes_of(await stream_messages(ledger.config.nats_url))
    assert_exactly_once(envelopes, position, before + BATCH)
    request_ids = [e.request_id for e in envelopes[before:]]
    assert request_ids == [f"r{i}" for i in range(BATCH)]


async def test_a_last_message_never_acknowledged_is_retried_once(ledger):
    relay = await stopped_relay_with_backlog(ledger)
    position = ledger.server.app.book.position
    before = len(await stream_messages(ledger.config.nats_url))
    relay.ack_timeout = 0.3
    relay.js = CountingJetStream(relay.js, swallow=1)
    relay.start()
    await relay.wait_caught_up(position)
    # The first n-1 were stored; the retry resumed after them and sent the last.
    assert relay.js.calls == 2
    assert_exactly_once(
        envelopes_of(await stream_messages(ledger.config.nats_url)), position, before + BATCH
    )


async def test_two_relays_on_one_log_publish_each_event_once(ledger, tmp_path):
    """The ledger's own relay and a second one (its own connection, small
    batches) follow the same log while payouts are committed."""
    await enroll(ledger, [f"M{i}" for i in range(40)])
    await ledger.stub.OpenProgram(open_request(budget=10**12))
    ledger.server.relay.batch_size = 7
    nc = await bus.connect(ledger.config.nats_url, "second-relay")
    db = Database(ledger.config.store, tmp_path / "second-relay.sqlite")
    app = ledger.server.app
    second = OutboxRelay(
        source="ledger",
        recorder=app.recorder,
        mapper=app.mapper,
        codec=encode,
        nc=nc,
        checkpoints=RelayCheckpoints(db),
        batch_size=11,
        poll_interval=0.005,
    )
    second.start()
    try:
        for round_ in range(10):
            await asyncio.gather(
                *(
                    ledger.stub.PostPayout(payout(f"r{round_}-{i}", member=f"M{i}", amount=10))
                    for i in range(40)
                )
            )
        position = app.book.position
        await asyncio.gather(
            ledger.server.relay.wait_caught_up(position), second.wait_caught_up(position)
        )
    finally:
        await second.stop()
        await nc.close()
        db.close()
    envelopes = envelopes_of(await stream_messages(ledger.config.nats_url))
    assert_exactly_once(envelopes, position, 1 + 400)
    assert second.head_hash == ledger.server.relay.head_hash == envelopes[-1].hash


async def test_the_checkpoint_is_written_every_n_events_and_when_idle(ledger, monkeypatch):
    relay = await stopped_relay_with_backlog(ledger)
    position = ledger.server.app.book.position
    saved: list[tuple[int, int]] = []
    real_save = RelayCheckpoints.save

    def counting_save(self, source, position_, stream_seq, hash_, now):
        saved.append((position_, stream_seq))
        return real_save(self, source, position_, stream_seq, hash_, now)

    monkeypatch.setattr(RelayCheckpoints, "save", counting_save)
    relay.batch_size = 5  # six batches
    relay.checkpoint_every = 12
    relay.checkpoint_seconds = 3600.0
    relay.start()
    await relay.wait_caught_up(position)
    await asyncio.sleep(0.1)
    # After 15 and 30 events (at least 12 unsaved each time); idle: nothing left.
    stream_seq = relay.stream_seq
    assert [seq for _, seq in saved] == [stream_seq - 15, stream_seq]
    checkpoint = relay.checkpoints.load("ledger")
    assert checkpoint == (position, stream_seq, relay.head_hash)


def test_event_id_is_the_uuid5_of_aggregate_and_version():
    for version in (0, 1, 2, 10, 12345, 2**40):
        aggregate = uuid.uuid4()
        assert event_id(aggregate, version) == str(uuid.uuid5(aggregate, str(version)))
    # A fixed value, so that a change of the wire's event ids cannot go unnoticed.
    assert event_id(uuid.NAMESPACE_DNS, 1) == "b04965e6-a9bb-591f-8f8a-1adcb2c8dc39"


def test_an_envelope_links_to_its_predecessor_and_packs_its_payload():
    payload = events_pb2.ProgramClosed(program_id="p", code="C", fiscal_year=2026, reason="x")
    aggregate = uuid.uuid4()
    first = build_envelope(
        source="ledger",
        position=1,
        aggregate_id=aggregate,
        aggregate_version=1,
        recorded_at=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
        parts=EventParts("ProgramClosed", "Programme", "", "req-1", payload),
        prev_hash=ZERO_HASH,
    )
    unpacked = events_pb2.ProgramClosed()
    assert first.payload.Unpack(unpacked) and unpacked == payload
    assert first.event_id == event_id(aggregate, 1) and first.aggregate_id == str(aggregate)
    assert first.recorded_at.nanos == 678901000
    second = build_envelope(
        source="ledger",
        position=2,
        aggregate_id=aggregate,
        aggregate_version=2,
        recorded_at=first.recorded_at.ToDatetime(dt.UTC),
        parts=EventParts("ProgramClosed", "Programme", "", "", payload),
        prev_hash=first.hash,
    )
    assert verify_chain([first, second]) is None
    second.aggregate_version = 3
    assert verify_chain([first, second]) == 2

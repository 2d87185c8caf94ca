"""The relay loses nothing and duplicates nothing when it dies at any point."""

from __future__ import annotations

import asyncio

import pytest

from benefits_platform.envelopes import verify_chain
from benefits_platform.protos.benefits.v1 import events_pb2
from benefits_platform.sqlstore import RelayCheckpoints
from tests.conftest import restart_config, start_ledger, stop_ledger
from tests.ledger_client import open_request, payout, stream_messages
from tests.members_feed import enroll


def envelopes_of(messages: list[bytes]) -> list[events_pb2.EventEnvelope]:
    return [events_pb2.EventEnvelope.FromString(m) for m in messages]


def assert_exactly_once(
    envelopes: list[events_pb2.EventEnvelope], store_position: int, count: int
) -> None:
    positions = [e.position for e in envelopes]
    assert len(positions) == count
    assert len(set(positions)) == len(positions)
    assert positions == sorted(positions)
    assert positions[-1] == store_position
    assert verify_chain(envelopes) is None


async def test_relay_dead_between_commit_and_publish(ledger):
    """Events committed while the relay is dead reach the stream after restart, once."""
    await enroll(ledger, [f"M{i}" for i in range(25)])
    await ledger.stub.OpenProgram(open_request())
    await ledger.server.relay.wait_caught_up(ledger.server.app.book.position)
    await ledger.server.relay.stop()  # the relay dies; the ledger keeps committing
    for i in range(25):
        await ledger.stub.PostPayout(payout(f"r{i}", member=f"M{i}", amount=100))
    position = ledger.server.app.book.position
    assert len(await stream_messages(ledger.config.nats_url)) == 1
    await stop_ledger(ledger)

    restarted = await start_ledger(restart_config(ledger))
    try:
        await restarted.server.relay.wait_caught_up(position)
        assert_exactly_once(
            envelopes_of(await stream_messages(ledger.config.nats_url)), position, 26
        )
    finally:
        await stop_ledger(restarted)


async def test_relay_dies_after_publish_before_recording_its_position(ledger, monkeypatch):
    await enroll(ledger, [f"M{i}" for i in range(25)])
    await ledger.stub.OpenProgram(open_request())
    await ledger.server.relay.wait_caught_up(ledger.server.app.book.position)
    failures = 0
    real_save = RelayCheckpoints.save

    def crash_once(self, *args):  # the process "dies" right after the stream acknowledged
        nonlocal failures
        if failures == 0:
            failures += 1
            raise ConnectionError("killed before the checkpoint was written")
        return real_save(self, *args)

    monkeypatch.setattr(RelayCheckpoints, "save", crash_once)
    for i in range(10):
        await ledger.stub.PostPayout(payout(f"r{i}", member=f"M{i}", amount=100))
    position = ledger.server.app.book.position
    await ledger.server.relay.wait_caught_up(position)
    await asyncio.sleep(0.6)  # past a poll: nothing more may be published
    assert failures == 1
    assert_exactly_once(envelopes_of(await stream_messages(ledger.config.nats_url)), position, 11)


class FlakyJetStream:
    """Delivers the first `allow` publishes of a batch, then the connection drops."""

    def __init__(self, js, allow: int) -> None:
        self.js = js
        self.allow = allow

    def __getattr__(self, name):
        return getattr(self.js, name)

    async def publish(self, subject, payload=b"", **kwargs):
        if self.allow <= 0:
            raise ConnectionResetError("connection lost mid-batch")
        self.allow -= 1
        return await self.js.publish(subject, payload, **kwargs)


@pytest.mark.parametrize("allow", [0, 3])
async def test_relay_loses_the_connection_mid_batch(ledger, allow):
    await enroll(ledger, [f"M{i}" for i in range(25)])
    await ledger.stub.OpenProgram(open_request())
    relay = ledger.server.relay
    await relay.wait_caught_up(ledger.server.app.book.position)
    await relay.stop()
    for i in range(8):
        await ledger.stub.PostPayout(payout(f"r{i}", member=f"M{i}", amount=100))
    position = ledger.server.app.book.position
    real_js = relay.js
    relay.js = FlakyJetStream(real_js, allow)
    relay.start()
    await asyncio.sleep(0.5)  # it fails and retries against the broken connection
    relay.js = real_js  # the connection comes back
    await relay.wait_caught_up(position)
    assert_exactly_once(envelopes_of(await stream_messages(ledger.config.nats_url)), position, 9)

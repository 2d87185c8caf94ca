"""The ledger's relay as its own process (``python -m ledger.entrypoints.relay``)
beside a ledger started with relay_mode "process": it publishes what the ledger
commits, survives kill -9, and runs safely beside an inline relay."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import nats
import pytest

from benefits_platform.config import ServiceConfig
from benefits_platform.config import load as load_config
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.protos.benefits.v1 import ledger_pb2
from benefits_platform.relay import relay_database
from benefits_platform.relay_process import EventLog
from benefits_platform.sqlstore import RelayCheckpoints
from ledger.application import LedgerApplication
from tests.conftest import RunningLedger, start_ledger, stop_ledger
from tests.ledger_client import open_request, payout, stream_messages
from tests.members_feed import enroll
from tests.test_relay_faults import assert_exactly_once, envelopes_of

MEMBERS = [f"M{i}" for i in range(50)]


class RelayProcess:
    def __init__(self, config: ServiceConfig, log_path: Path) -> None:
        self.log_path = log_path
        env = {
            **os.environ,
            "BENEFITS_DATA_DIR": str(config.data_dir),
            "BENEFITS_NATS_URL": config.nats_url,
            "BENEFITS_LOG_LEVEL": "INFO",
            "BENEFITS_SHUTDOWN_GRACE_SECONDS": "5",
        }
        if config.store.is_postgres:
            env.update(
                {"BENEFITS_STORE": "postgres", "BENEFITS_POSTGRES_DSN": config.store.postgres_dsn}
            )
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ledger.entrypoints.relay"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_events(self) -> list[dict[str, object]]:
        events = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                events.append(json.loads(line))
        return events

    async def running(self, timeout: float = 60) -> RelayProcess:  # noqa: ASYNC109
        """Wait until it has connected and started relaying."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not any(e["event"] == "relay.running" for e in self.log_events()):
            assert self.proc.poll() is None, self.log_path.read_text(errors="replace")[-3000:]
            assert loop.time() < deadline, "the relay process did not start"
            await asyncio.sleep(0.05)
        return self

    def terminate(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


async def stream_length(url: str) -> int:
    nc = await nats.connect(url)
    try:
        return int((await nc.jetstream().stream_info("BENEFITS_LEDGER")).state.last_seq or 0)
    finally:
        await nc.close()


async def wait_stream(url: str, length: int, relay: RelayProcess, timeout: float = 60) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (seen := await stream_length(url)) < length:
        assert relay.proc.poll() is None, relay.log_path.read_text(errors="replace")[-3000:]
        assert loop.time() < deadline, f"stream at {seen}, waiting for {length}"
        await asyncio.sleep(0.05)


@pytest.fixture
async def ledger_without_relay(ledger_config: ServiceConfig) -> AsyncIterator[RunningLedger]:
    running = await start_ledger(replace(ledger_config, relay_mode="process"))
    yield running
    await stop_ledger(running)


@pytest.fixture
def relays(tmp_path: Path):
    started: list[RelayProcess] = []

    def start(config: ServiceConfig) -> RelayProcess:
        relay = RelayProcess(config, tmp_path / f"relay-{len(started)}.log")
        started.append(relay)
        return relay

    yield start
    for relay in started:
        if relay.proc.poll() is None:
            relay.kill()


async def post_rounds(ledger: RunningLedger, rounds: int, prefix: str = "r") -> None:
    """``rounds`` times: a batch of one payout per member, then one unary payout."""
    for n in range(rounds):
        await ledger.stub.PostPayouts(
            ledger_pb2.PostPayoutsRequest(
                payouts=[payout(f"{prefix}{n}-{m}", member=m, amount=10) for m in MEMBERS]
            )
        )
        await ledger.stub.PostPayout(payout(f"{prefix}{n}-u", member="M0", amount=5))


async def opened(ledger: RunningLedger) -> None:
    await enroll(ledger, MEMBERS)
    await ledger.stub.OpenProgram(open_request(budget=10**12))


async def test_the_relay_process_publishes_what_the_ledger_commits(ledger_without_relay, relays):
    ledger = ledger_without_relay
    assert ledger.server.relay is None
    await opened(ledger)
    relay = await relays(ledger.config).running()
    await post_rounds(ledger, 4)
    position = ledger.server.app.book.position
    await wait_stream(ledger.config.nats_url, position, relay)
    await post_rounds(ledger, 2, prefix="later")  # while it polls
    position = ledger.server.app.book.position
    await wait_stream(ledger.config.nats_url, position, relay)
    assert relay.terminate() == 0
    envelopes = envelopes_of(await stream_messages(ledger.config.nats_url))
    assert_exactly_once(envelopes, position, position)
    stopped = [e for e in relay.log_events() if e["event"] == "relay.stopped"]
    assert stopped and stopped[-1]["position"] == position
    db = relay_database(ledger.config)
    try:
        checkpoint = RelayCheckpoints(db).load("ledger")
    finally:
        db.close()
    assert checkpoint == (position, len(envelopes), envelopes[-1].hash)


async def test_kill_9_of_the_relay_process_loses_and_duplicates_nothing(
    ledger_without_relay, relays
):
    ledger = ledger_without_relay
    await opened(ledger)
    relay = await relays(ledger.config).running()
    posting = asyncio.create_task(post_rounds(ledger, 30))
    try:
        await wait_stream(ledger.config.nats_url, 200, relay)
        relay.kill()
        await asyncio.sleep(0.2)  # the ledger keeps committing with no relay
        relay = await relays(ledger.config).running()
        await posting
    finally:
        posting.cancel()
    position = ledger.server.app.book.position
    await wait_stream(ledger.config.nats_url, position, relay)
    assert relay.terminate() == 0
    envelopes = envelopes_of(await stream_messages(ledger.config.nats_url))
    assert_exactly_once(envelopes, position, 1 + 30 * (len(MEMBERS) + 1))


async def test_an_inline_and_a_process_relay_at_once_publish_each_event_once(ledger, relays):
    """Misconfigured (the ledger's own relay left on) is wasted work, not a risk."""
    await opened(ledger)
    assert ledger.server.relay is not None
    relay = await relays(ledger.config).running()
    await asyncio.gather(post_rounds(ledger, 8, "a"), post_rounds(ledger, 8, "b"))
    position = ledger.server.app.book.position
    await ledger.server.relay.wait_caught_up(position)
    await wait_stream(ledger.config.nats_url, position, relay)
    assert relay.terminate() == 0
    envelopes = envelopes_of(await stream_messages(ledger.config.nats_url))
    assert_exactly_once(envelopes, position, 1 + 16 * (len(MEMBERS) + 1))


async def test_the_event_log_reads_the_ledger_store_without_its_book(ledger):
    await opened(ledger)
    await post_rounds(ledger, 1)
    log = EventLog(LedgerApplication, eventsourcing_env(ledger.config.store))
    try:
        assert log.name == "ledger" and not hasattr(log, "book")
        mine = log.recorder.select_notifications(start=None, limit=1000)
        theirs = ledger.server.app.recorder.select_notifications(start=None, limit=1000)
        assert [(n.id, n.topic, n.state) for n in mine] == [
            (n.id, n.topic, n.state) for n in theirs
        ]
        assert log.mapper.to_domain_event(mine[-1]) == ledger.server.app.mapper.to_domain_event(
            theirs[-1]
        )
    finally:
        log.close()


def test_relay_mode_comes_from_benefits_relay(monkeypatch):
    monkeypatch.delenv("BENEFITS_RELAY", raising=False)
    assert load_config("ledger").relay_mode == "inline"
    assert ServiceConfig(service="ledger").relay_mode == "inline"
    monkeypatch.setenv("BENEFITS_RELAY", "process")
    assert load_config("ledger").relay_mode == "process"
    monkeypatch.setenv("BENEFITS_RELAY", "both")
    with pytest.raises(ValueError, match="BENEFITS_RELAY"):
        load_config("ledger")

"""Fixtures: real nats-server, real PostgreSQL, real gRPC on loopback."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import grpc
import pytest

from benefits_platform import logs
from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import ledger_pb2_grpc
from ledger.entrypoints.server import LedgerServer, create_server
from tests.support import Keys, NatsServer, PostgresServer, channel, keys_for, postgres_server

logs.configure("WARNING")

_db_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats").start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    """Each test that takes this fixture runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return StoreConfig(kind="sqlite", sqlite_path=tmp_path / "ledger" / "events.sqlite")
    pg: PostgresServer = request.getfixturevalue("pg")
    dsn = pg.create_database(
        f"t{next(_db_names)}_{request.node.name[:20].lower()}".replace("[", "_")
        .replace("]", "")
        .replace("-", "_")
    )
    return StoreConfig(kind="postgres", postgres_dsn=dsn)


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    """API keys for every role in ``<tmp_path>/keys/api-keys.json``: the keys file
    every service whose data directory is ``tmp_path`` reads."""
    return keys_for(tmp_path / "keys" / "api-keys.json")


def ledger_service_config(data_dir: Path, nats_url: str, store: StoreConfig) -> ServiceConfig:
    """A test ledger's settings: any free port, a short shutdown grace."""
    return ServiceConfig(
        service="ledger",
        port=0,
        data_dir=data_dir,
        nats_url=nats_url,
        store=store,
        shutdown_grace_seconds=0.5,
    )


@pytest.fixture
def ledger_config(
    tmp_path: Path, nats_server: NatsServer, store: StoreConfig, keys: Keys
) -> ServiceConfig:
    return ledger_service_config(tmp_path, nats_server.url, store)


@dataclass
class RunningLedger:
    server: LedgerServer
    channel: grpc.aio.Channel
    stub: ledger_pb2_grpc.LedgerServiceStub
    config: ServiceConfig
    # The keys of the ledger's keys file; ``channel`` and ``stub`` send keys.admin.
    keys: Keys
    extra_channels: list[grpc.aio.Channel] = field(default_factory=list)

    def stub_for(self, key: str | None) -> ledger_pb2_grpc.LedgerServiceStub:
        """A stub on a new channel that sends ``key`` (None: no credentials),
        closed when the ledger is stopped."""
        opened = channel(self.server.address, key)
        self.extra_channels.append(opened)
        return ledger_pb2_grpc.LedgerServiceStub(opened)


async def start_ledger(config: ServiceConfig) -> RunningLedger:
    keys = keys_for(config.keys_file)
    server = create_server(config)
    await server.start()
    await server.wait_ready()
    opened = channel(server.address, keys.admin)
    return RunningLedger(server, opened, ledger_pb2_grpc.LedgerServiceStub(opened), config, keys)


async def stop_ledger(running: RunningLedger) -> None:
    for extra in running.extra_channels:
        await extra.close()
    await running.channel.close()
    await running.server.stop()


@pytest.fixture
async def ledger(ledger_config: ServiceConfig) -> AsyncIterator[RunningLedger]:
    running = await start_ledger(ledger_config)
    yield running
    await stop_ledger(running)


def restart_config(running: RunningLedger) -> ServiceConfig:
    return replace(running.config, port=0)

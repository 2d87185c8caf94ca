"""What the members and reporting services share: gRPC health and reflection,
honest about readiness (store open and NATS connected). Members also serves
benefits.v1.MembersService (tested in test_members_grpc.py), reporting
benefits.v1.ReportingService (test_reporting_*.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from benefits_platform.config import ServiceConfig, StoreConfig
from members.entrypoints.server import create_server as create_members
from reporting.entrypoints.server import create_server as create_reporting
from tests.support import NatsServer, channel, free_port, keys_for

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
BOUND = 60.0  # upper bound for a status change to show; never asserted on

FACTORIES: dict[str, Callable[[ServiceConfig], Any]] = {
    "members": create_members,
    "reporting": create_reporting,
}
# What reflection lists besides health and reflection themselves.
OWN_SERVICES: dict[str, list[str]] = {
    "members": ["benefits.v1.MembersService"],
    "reporting": ["benefits.v1.ReportingService"],
}


@pytest.fixture(params=sorted(FACTORIES))
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def config_for(service: str, tmp_path: Path, nats_url: str, store: StoreConfig) -> ServiceConfig:
    return ServiceConfig(
        service=service,
        port=0,
        data_dir=tmp_path,
        nats_url=nats_url,
        store=store,
        shutdown_grace_seconds=0.5,
    )


@pytest.fixture
def sqlite_store(tmp_path: Path, service: str) -> StoreConfig:
    return StoreConfig(kind="sqlite", sqlite_path=tmp_path / service / "events.sqlite")


async def health(channel: grpc.aio.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    return int(reply.status)


async def wait_for_status(channel: grpc.aio.Channel, wanted: int) -> None:
    """Follow Health.Watch until the server reports ``wanted``."""
    stub = health_pb2_grpc.HealthStub(channel)

    async def follow() -> None:
        async for reply in stub.Watch(health_pb2.HealthCheckRequest(service="")):
            if reply.status == wanted:
                return

    await asyncio.wait_for(follow(), BOUND)


@pytest.fixture
async def started(
    service: str, tmp_path: Path, nats_server: NatsServer, store: StoreConfig
) -> AsyncIterator[tuple[Any, grpc.aio.Channel]]:
    """The service started against a real nats-server, on SQLite and on PostgreSQL."""
    config = config_for(service, tmp_path, nats_server.url, store)
    server = FACTORIES[service](config)
    await server.start()
    # Health needs no key; reflection needs a valid one.
    opened = channel(server.address, keys_for(config.keys_file).auditor)
    try:
        yield server, opened
    finally:
        await opened.close()
        await server.stop()


async def test_serving_once_store_and_nats_are_ready(
    started: tuple[Any, grpc.aio.Channel],
) -> None:
    server, channel = started
    await server.wait_ready(BOUND)
    assert await health(channel) == SERVING
    assert server.app is not None
    assert server.nc is not None and server.nc.is_connected


async def test_reflection_lists_the_services(
    service: str, started: tuple[Any, grpc.aio.Channel]
) -> None:
    server, channel = started
    await server.wait_ready(BOUND)
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    names: list[str] = []
    async for reply in stub.ServerReflectionInfo(iter([request])):
        names.extend(s.name for s in reply.list_services_response.service)
    assert sorted(names) == sorted(
        [
            *OWN_SERVICES[service],
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
        ]
    )


async def test_not_serving_until_nats_is_reachable(
    service: str, tmp_path: Path, sqlite_store: StoreConfig
) -> None:
    port = free_port()
    server = FACTORIES[service](
        config_for(service, tmp_path, f"nats://127.0.0.1:{port}", sqlite_store)
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    nats = NatsServer(tmp_path / "nats", port=port)
    try:
        # Listening, store open, NATS down: it answers, and says NOT_SERVING.
        assert await health(channel) == NOT_SERVING
        assert server.nc is None
        nats.start()
        await server.wait_ready(BOUND)
        assert await health(channel) == SERVING
        assert sqlite_store.sqlite_path.exists()
    finally:
        await channel.close()
        await server.stop()
        nats.stop()


async def test_not_serving_while_nats_is_lost(
    service: str, tmp_path: Path, sqlite_store: StoreConfig
) -> None:
    nats = NatsServer(tmp_path / "nats").start()
    server = FACTORIES[service](config_for(service, tmp_path, nats.url, sqlite_store))
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    try:
        await server.wait_ready(BOUND)
        assert await health(channel) == SERVING
        nats.stop()
        await wait_for_status(channel, NOT_SERVING)
        nats.start()  # same port and store: the client reconnects
        await wait_for_status(channel, SERVING)
    finally:
        await channel.close()
        await server.stop()
        nats.stop()


async def test_stop_reports_not_serving_and_closes_connections(
    service: str, tmp_path: Path, nats_server: NatsServer, sqlite_store: StoreConfig
) -> None:
    server = FACTORIES[service](config_for(service, tmp_path, nats_server.url, sqlite_store))
    await server.start()
    await server.wait_ready(BOUND)
    nc = server.nc
    await server.stop()
    assert nc is not None and nc.is_closed
    assert server.nc is None and server.app is None


async def test_create_server_starts_nothing(
    service: str, tmp_path: Path, sqlite_store: StoreConfig
) -> None:
    server = FACTORIES[service](
        config_for(service, tmp_path, f"nats://127.0.0.1:{free_port()}", sqlite_store)
    )
    try:
        assert server.app is None and server.nc is None
        assert not sqlite_store.sqlite_path.exists()
        assert not (tmp_path / service / "keys.json").exists()
    finally:
        await server.stop()

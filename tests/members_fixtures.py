"""Fixtures and helpers for tests of the members service: a real server on
loopback (real gRPC, real nats-server, SQLite or PostgreSQL through conftest's
``store`` fixture), and the people and units the tests enrol.

National ID numbers here are made up; :func:`national_id` gives any 17 digits
their GB 11643 check character.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import members_pb2, members_pb2_grpc
from members.domain.values import check_character
from members.entrypoints.server import MembersServer
from tests.ledger_client import stream_messages
from tests.support import Keys, NatsServer, channel, keys_for

TODAY = dt.date(2026, 11, 23)
STREAM = "BENEFITS_MEMBERS"
CALL_SECONDS = 60.0

# GB 11643's own example (check character X) and another valid number.
ID_X = "11010519491231002X"
ID_DIGIT = "440305198506151233"


def national_id(first17: str) -> str:
    return first17 + check_character(first17)


# Units: a province, a city, a district under it, grassroots unions under the
# district and directly under the city, and a second city.
UNITS = [
    ("GD", "广东省总工会", "Guangdong", members_pb2.UNIT_LEVEL_PROVINCE, ""),
    ("GD-SZ", "深圳市总工会", "Shenzhen", members_pb2.UNIT_LEVEL_CITY, "GD"),
    ("GD-SZ-NS", "南山区总工会", "Nanshan", members_pb2.UNIT_LEVEL_COUNTY, "GD-SZ"),
    ("GD-SZ-NS-0001", "快递员工会", "Couriers", members_pb2.UNIT_LEVEL_GRASSROOTS, "GD-SZ-NS"),
    ("GD-SZ-0100", "地铁集团工会", "Metro", members_pb2.UNIT_LEVEL_GRASSROOTS, "GD-SZ"),
    ("GD-GZ", "广州市总工会", "Guangzhou", members_pb2.UNIT_LEVEL_CITY, "GD"),
    ("GD-GZ-0001", "环卫工会", "Sanitation", members_pb2.UNIT_LEVEL_GRASSROOTS, "GD-GZ"),
]


def unit_request(code: str, name_zh: str, name_en: str, level: int, parent: str) -> Any:
    return members_pb2.RegisterUnitRequest(
        code=code, name_zh=name_zh, name_en=name_en, level=level, parent_code=parent
    )


def enrol_request(
    member_id: str = "M1",
    *,
    name: str = "王小明",
    number: str = ID_X,
    unit: str = "GD-SZ-NS-0001",
    groups: tuple[str, ...] = ("courier",),
    household: str = "H1",
    join_date: str = "2020-03-01",
) -> members_pb2.EnrollMemberRequest:
    return members_pb2.EnrollMemberRequest(
        member_id=member_id,
        name=name,
        national_id=number,
        unit_code=unit,
        member_groups=list(groups),
        household_id=household,
        join_date=join_date,
    )


@dataclass
class RunningMembers:
    server: MembersServer
    channel: grpc.aio.Channel
    stub: members_pb2_grpc.MembersServiceStub
    config: ServiceConfig
    # The keys of the service's keys file; ``channel`` and ``stub`` send keys.admin.
    keys: Keys
    extra_channels: list[grpc.aio.Channel] = field(default_factory=list)

    def stub_for(self, key: str | None) -> members_pb2_grpc.MembersServiceStub:
        """A stub on a new channel that sends ``key`` (None: no credentials),
        closed when the service is stopped."""
        opened = channel(self.server.address, key, interceptors=[Deadline()])
        self.extra_channels.append(opened)
        return members_pb2_grpc.MembersServiceStub(opened)

    async def settled(self) -> tuple[int, int]:
        """(store position, stream length) once the relay has caught up."""
        app = self.server.app
        relay = self.server.relay
        assert app is not None and relay is not None
        position = app.recorder.max_notification_id() or 0
        await relay.wait_caught_up(position)
        return position, len(await self.messages())

    async def messages(self) -> list[bytes]:
        return await stream_messages(self.config.nats_url, STREAM)

    async def register_units(self) -> None:
        for unit in UNITS:
            await self.stub.RegisterUnit(unit_request(*unit))


def members_config(tmp_path: Path, nats_url: str, store: StoreConfig) -> ServiceConfig:
    if not store.is_postgres:
        store = replace(store, sqlite_path=tmp_path / "members" / "events.sqlite")
    return ServiceConfig(
        service="members",
        port=0,
        data_dir=tmp_path,
        nats_url=nats_url,
        store=store,
        shutdown_grace_seconds=0.5,
    )


class Deadline(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Every call without a deadline gets one: a stuck call fails the test
    instead of hanging the run."""

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        if details.timeout is None:
            details = details._replace(timeout=CALL_SECONDS)
        return await continuation(details, request)


async def start_members(config: ServiceConfig) -> RunningMembers:
    keys = keys_for(config.keys_file)
    server = MembersServer(config, today=lambda: TODAY)
    await server.start()
    await server.wait_ready()
    opened = channel(server.address, keys.admin, interceptors=[Deadline()])
    return RunningMembers(server, opened, members_pb2_grpc.MembersServiceStub(opened), config, keys)


async def stop_members(running: RunningMembers) -> None:
    """Close the channel, let the relay publish what was recorded, then stop.

    Stopping a relay in the middle of a publish can lose its cancellation
    (nats-py's request runs asyncio.wait_for, which on Python 3.11 swallows a
    cancellation that arrives as the reply does), and the server's stop then
    waits forever; an idle relay stops at once.
    """
    for extra in running.extra_channels:
        await extra.close()
    await running.channel.close()
    server = running.server
    if server.app is not None and server.relay is not None:
        with contextlib.suppress(TimeoutError):
            await server.relay.wait_caught_up(server.app.recorder.max_notification_id() or 0)
    await server.stop()


@pytest.fixture
async def members(
    tmp_path: Path, nats_server: NatsServer, store: StoreConfig
) -> AsyncIterator[RunningMembers]:
    """The members service on SQLite and on PostgreSQL, with a real nats-server."""
    running = await start_members(members_config(tmp_path, nats_server.url, store))
    yield running
    await stop_members(running)


@pytest.fixture
async def with_units(members: RunningMembers) -> RunningMembers:
    await members.register_units()
    return members


async def refusal(call: Awaitable[Any], code: grpc.StatusCode, *fragments: str) -> str:
    """Await a call that must be refused with ``code``; the details must hold every fragment."""
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    details = err.value.details() or ""
    assert err.value.code() == code, details
    for fragment in fragments:
        assert fragment in details, details
    return details

"""Limits every server keeps (benefits_platform.rpc.CallLimits and the gRPC
message size): oversized messages are RESOURCE_EXHAUSTED, bytes that are not
the method's request message are INVALID_ARGUMENT, and a call whose client set
no deadline is cut at the server's ceiling with DEADLINE_EXCEEDED; none of them
writes an event, and the service stays healthy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_platform.config import StoreConfig
from benefits_platform.protos.benefits.v1 import members_pb2, members_pb2_grpc
from tests.members_fixtures import (
    RunningMembers,
    enrol_request,
    members_config,
    start_members,
    stop_members,
)
from tests.support import NatsServer, channel

LIMIT = 64 * 1024
CEILING = 0.5
CODE = grpc.StatusCode
# Channels a test opened, closed when its service stops.
OPENED: list[grpc.aio.Channel] = []


@pytest.fixture
async def limited(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[RunningMembers]:
    """The members service with a 64 KiB message limit and a 0.5 s ceiling."""
    store = StoreConfig(kind="sqlite", sqlite_path=tmp_path / "members" / "events.sqlite")
    config = replace(
        members_config(tmp_path, nats_server.url, store),
        grpc_max_message_bytes=LIMIT,
        call_deadline_seconds=CEILING,
    )
    running = await start_members(config)
    yield running
    while OPENED:
        await OPENED.pop().close()
    await stop_members(running)


def raw(
    running: RunningMembers, method: str, key: str | None = None
) -> grpc.aio.UnaryUnaryMultiCallable:
    opened = channel(running.server.address, key if key is not None else running.keys.admin)
    OPENED.append(opened)
    return opened.unary_unary(f"/benefits.v1.MembersService/{method}")


async def serving(running: RunningMembers) -> bool:
    stub = health_pb2_grpc.HealthStub(running.channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    return reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_an_oversized_message_is_resource_exhausted(limited: RunningMembers) -> None:
    await limited.register_units()
    before = await limited.settled()
    huge = enrol_request("M1", name="王" * LIMIT)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await limited.stub.EnrollMember(huge)
    assert err.value.code() == CODE.RESOURCE_EXHAUSTED
    assert str(LIMIT) in (err.value.details() or "")
    # Also without credentials: the size is checked before anything else.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await raw(limited, "EnrollMember", key="")(huge.SerializeToString(), timeout=10)
    assert err.value.code() == CODE.RESOURCE_EXHAUSTED
    assert await limited.settled() == before
    assert await serving(limited)
    enrolled = await limited.stub.EnrollMember(enrol_request("M1"))
    assert enrolled.member.member_id == "M1"


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xff\xff\xff",  # not protobuf at all
        b"\x0a\x03\xff\xfe\xfd",  # member_id with bad UTF-8
        b"\x0a\x80\x80\x80\x80\x10",  # a length beyond the message
        enrol_request("M1").SerializeToString()[:-3],  # cut short
    ],
)
async def test_bytes_that_are_not_the_request_message_are_invalid_argument(
    limited: RunningMembers, payload: bytes
) -> None:
    await limited.register_units()
    before = await limited.settled()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await raw(limited, "EnrollMember")(payload, timeout=10)
    assert err.value.code() == CODE.INVALID_ARGUMENT, err.value.details()
    assert "request: not a valid EnrollMemberRequest message" in (err.value.details() or "")
    assert await limited.settled() == before
    assert await serving(limited)


async def test_a_call_without_a_deadline_is_cut_at_the_servers_ceiling(
    limited: RunningMembers,
) -> None:
    await limited.register_units()
    before = await limited.settled()
    # No client deadline on this channel (the fixture's adds one to every call).
    opened = channel(limited.server.address, limited.keys.admin)
    OPENED.append(opened)
    stub = members_pb2_grpc.MembersServiceStub(opened)
    runner = limited.server.runner
    assert runner is not None
    # The service is stuck behind a command that does not end (its lock held).
    async with runner._lock:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.EnrollMember(enrol_request("M1"))
        assert err.value.code() == CODE.DEADLINE_EXCEEDED
        assert "limit of 0.5 s" in (err.value.details() or "")
        # A client's own deadline is the client's: the ceiling does not cut it.
        waiting = asyncio.ensure_future(
            stub.GetUnit(members_pb2.GetUnitRequest(code="GD"), timeout=60)
        )
        await asyncio.sleep(CEILING * 3)
        assert not waiting.done()
    assert (await waiting).code == "GD"
    assert await limited.settled() == before  # the cut enrolment wrote nothing
    assert await serving(limited)

"""The ledger with front processes (BENEFITS_LEDGER_FRONTS): two fronts share
the gRPC port and forward every call to the core over a Unix socket.

The ledger's own gRPC tests run here again through the fronts (imported below,
so pytest collects them in this module, with this module's ``ledger_config``),
plus what only fronts have: a front that dies is replaced, a core that goes
away turns the fronts NOT_SERVING and their calls UNAVAILABLE until it is
back, and a front does not outlive the process that started it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import ledger_pb2
from tests.conftest import RunningLedger
from tests.ledger_client import open_request, payout
from tests.members_feed import enroll
from tests.support import Keys, NatsServer, free_port
from tests.test_auth import (  # noqa: F401  (collected here, through the fronts)
    test_health_is_open_and_reflection_needs_a_key,
    test_ledger_events_name_the_key_that_caused_them,
    test_ledger_refuses_every_unauthenticated_call_and_writes_nothing,
    test_ledger_roles_and_scopes_are_checked_before_anything_is_written,
)
from tests.test_ledger_grpc import (  # noqa: F401  (collected here, through the fronts)
    opened,
    test_bad_payouts_are_refused_and_change_nothing,
    test_batch_all_or_nothing,
    test_closed_programme_and_oversized_message,
    test_events_reach_the_stream_once_each_as_chained_envelopes,
    test_member_entries_are_paged,
    test_post_get_and_account,
    test_refusals_of_other_calls_change_nothing,
)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def store(tmp_path: Path) -> StoreConfig:
    return StoreConfig(kind="sqlite", sqlite_path=tmp_path / "ledger" / "events.sqlite")


@pytest.fixture
def ledger_config(
    tmp_path: Path, nats_server: NatsServer, store: StoreConfig, keys: Keys
) -> ServiceConfig:
    return ServiceConfig(
        service="ledger",
        port=free_port(),
        data_dir=tmp_path,
        nats_url=nats_server.url,
        store=store,
        shutdown_grace_seconds=0.5,
        fronts=2,
    )


async def health(ledger: RunningLedger) -> int:
    stub = health_pb2_grpc.HealthStub(ledger.channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    return int(reply.status)


async def until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def test_calls_are_served_by_front_processes(ledger: RunningLedger) -> None:
    server = ledger.server
    assert server.fronts is not None and len(server.fronts.pids) == 2
    assert os.getpid() not in server.fronts.pids
    assert server.address == f"127.0.0.1:{ledger.config.port}"
    assert server.host.address.startswith("unix:")  # the core's own port is private
    assert server.endpoint is not None and server.endpoint.links == 2
    await enroll(ledger, ["M1"])
    await ledger.stub.OpenProgram(open_request())
    entry = await ledger.stub.PostPayout(payout("f1"))
    again = await ledger.stub.PostPayout(payout("f1"))  # a replay, through whichever front
    assert again.entry_id == entry.entry_id
    assert server.app is not None and server.app.book.position >= 2


async def test_a_front_that_dies_is_replaced(ledger: RunningLedger) -> None:
    fronts = ledger.server.fronts
    assert fronts is not None
    victim = fronts.pids[0]
    os.kill(victim, signal.SIGKILL)

    async def replaced() -> bool:
        endpoint = ledger.server.endpoint
        return (
            victim not in fronts.pids
            and len(fronts.pids) == 2
            and endpoint is not None
            and endpoint.links == 2
        )

    await until(replaced)
    await enroll(ledger, ["M1"])
    await ledger.stub.OpenProgram(open_request())
    for index in range(6):  # new connections, spread over both fronts
        stub = ledger.stub_for(ledger.keys.admin)
        await stub.PostPayout(payout(f"after-{index}", amount=100))


async def test_without_the_core_fronts_are_not_serving_and_calls_unavailable(
    ledger: RunningLedger,
) -> None:
    await enroll(ledger, ["M1"])
    await ledger.stub.OpenProgram(open_request())
    endpoint = ledger.server.endpoint
    assert endpoint is not None
    position = ledger.server.app.book.position  # type: ignore[union-attr]
    await endpoint.stop()

    async def not_serving() -> bool:
        return await health(ledger) == NOT_SERVING

    await until(not_serving)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await ledger.stub.PostPayout(payout("while-down"))
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "retry with the same request id" in refused.value.details()
    assert ledger.server.app.book.position == position  # type: ignore[union-attr]

    await endpoint.start()
    endpoint.set_serving(True)

    async def serving() -> bool:
        return await health(ledger) == SERVING

    await until(serving)
    entry = await ledger.stub.PostPayout(payout("while-down"))
    assert entry.amount_fen > 0


@pytest.mark.parametrize("method", ["PostPayout", "PostPayouts"])
async def test_malformed_bytes_through_a_front_are_invalid_argument(
    ledger: RunningLedger, method: str
) -> None:
    call = ledger.channel.unary_unary(
        f"/benefits.v1.LedgerService/{method}",
        request_serializer=None,
        response_deserializer=None,
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call(b"\xff\xff\xff\xff garbage")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"not a valid {method}Request message" in refused.value.details()
    assert ledger.server.app.book.position == 0  # type: ignore[union-attr]


async def test_a_batch_answered_by_a_front_holds_the_entries_the_core_recorded(
    opened: RunningLedger,  # noqa: F811 (the fixture imported above)
) -> None:
    """PostPayouts batches are validated and answered by the fronts (the core
    records the rows): every entry of the response is the entry GetPayout
    reads from the core, a retry answers the same entries as replayed, and a
    bad row is refused with its index before anything is written."""
    ledger = opened
    stub = ledger.stub
    rows = [payout(f"fb-{n}", member=f"M{1 + n % 2}", amount=100 + n) for n in range(40)]
    response = await stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=rows))
    assert response.replayed_count == 0 and len(response.entries) == 40
    for row, entry in zip(rows, response.entries, strict=True):
        assert (entry.request_id, entry.member_id, entry.amount_fen) == (
            row.request_id,
            row.member_id,
            row.amount_fen,
        )
        read = await stub.GetPayout(ledger_pb2.GetPayoutRequest(entry_id=entry.entry_id))
        assert read == entry
        assert entry.basis.unit_code and sum(p.amount_fen for p in entry.postings) == 0
    again = await stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=rows))
    assert again.replayed_count == 40
    assert [e.entry_id for e in again.entries] == [e.entry_id for e in response.entries]
    position = ledger.server.app.book.position  # type: ignore[union-attr]
    bad = [payout("fb-new-1"), payout("fb-new-2", amount=-5)]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=bad))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details().startswith("payouts[1]: amount_fen")
    assert ledger.server.app.book.position == position  # type: ignore[union-attr]


ORPHAN = """
import subprocess, sys, os
env = dict(os.environ, BENEFITS_CORE_PID=str(os.getpid()))
front = subprocess.Popen(
    [sys.executable, "-m", "ledger.entrypoints.front"],
    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
# The front is up once its port takes connections; then this process exits.
import socket, time
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        port = int(os.environ["BENEFITS_LEDGER_PORT"])
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    raise SystemExit("the front never listened")
print(front.pid, flush=True)
"""


def test_a_front_exits_when_the_process_that_started_it_is_gone(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update({
        "BENEFITS_DATA_DIR": str(tmp_path),
        "BENEFITS_LEDGER_PORT": str(free_port()),
        "BENEFITS_LEDGER_CORE_SOCKET": str(tmp_path / "nobody.sock"),
        "PYTHONPATH": os.pathsep.join(sys.path),
    })
    parent = subprocess.run(
        [sys.executable, "-c", ORPHAN], env=env, capture_output=True, text=True, timeout=30
    )
    pid = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 20
    while Path(f"/proc/{pid}").exists() and b"Z" not in _state(pid):
        assert time.monotonic() < deadline, "the orphaned front is still running"
        time.sleep(0.1)


def _state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2][:3]
    except OSError:
        return b"Z"


def test_fronts_need_a_fixed_port(tmp_path: Path) -> None:
    from ledger.entrypoints.server import create_server

    with pytest.raises(ValueError, match="fixed port"):
        create_server(ServiceConfig(service="ledger", port=0, data_dir=tmp_path, fronts=2))


async def test_a_front_cuts_a_call_without_a_deadline_at_the_ceiling(
    ledger_config: ServiceConfig,
) -> None:
    from dataclasses import replace

    from tests.conftest import start_ledger, stop_ledger

    running = await start_ledger(replace(ledger_config, call_deadline_seconds=1.0))
    try:
        await enroll(running, ["M1"])
        await running.stub.OpenProgram(open_request())
        position = running.server.app.book.position  # type: ignore[union-attr]
        # The core waits (up to 5 s) for a members position it has not seen;
        # the front gives up first, at its 1 s ceiling.
        with pytest.raises(grpc.aio.AioRpcError) as cut:
            await running.stub.PostPayout(payout("slow", members_position=10**9))
        assert cut.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "server's limit of 1 s" in cut.value.details()
        await asyncio.sleep(5.5)  # the core's own wait ends: it refuses, writes nothing
        assert running.server.app.book.position == position  # type: ignore[union-attr]
    finally:
        await stop_ledger(running)


async def test_a_core_never_takes_over_another_running_cores_socket(tmp_path: Path) -> None:
    from benefits_platform.forwarding import CoreEndpoint, socket_path

    # Instances sharing a data directory serve different ports: different sockets.
    assert socket_path(tmp_path, "ledger", 50051) != socket_path(tmp_path, "ledger", 50061)
    path = socket_path(tmp_path, "ledger", 50051)
    dispatch = None  # never called: no front connects
    first = CoreEndpoint(path, dispatch, 1024)  # type: ignore[arg-type]
    await first.start()
    try:
        second = CoreEndpoint(path, dispatch, 1024)  # type: ignore[arg-type]
        with pytest.raises(OSError, match="another core is listening"):
            await second.start()
        assert path.exists()  # still the first core's
    finally:
        await first.stop()
    path.touch()  # a stale file left by a killed core is replaced
    again = CoreEndpoint(path, dispatch, 1024)  # type: ignore[arg-type]
    await again.start()
    await again.stop()


async def test_a_batch_of_the_largest_size_goes_through_a_front(
    opened: RunningLedger,  # noqa: F811 (the fixture imported above)
) -> None:
    """10,000 rows (the most one call may hold): forwarded, recorded and
    answered whole, and answered again as replayed."""
    stub = opened.stub
    rows = [payout(f"big-{n}", member=f"M{n % 60}", amount=10 + n % 7) for n in range(10_000)]
    request = ledger_pb2.PostPayoutsRequest(payouts=rows)
    response = await stub.PostPayouts(request, timeout=120)
    assert len(response.entries) == 10_000 and response.replayed_count == 0
    assert [e.request_id for e in response.entries] == [r.request_id for r in rows]
    again = await stub.PostPayouts(request, timeout=120)
    assert again.replayed_count == 10_000
    assert [e.entry_id for e in again.entries] == [e.entry_id for e in response.entries]

"""kill -9 of the ledger process under load: every acknowledged payout is in
the store and in the stream exactly once, and retries with the same request id
get the original entries."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import nats
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_platform.envelopes import verify_chain
from benefits_platform.protos.benefits.v1 import events_pb2, ledger_pb2, ledger_pb2_grpc
from tests.ledger_client import open_request, payout, stream_messages
from tests.members_feed import enrolled, publish_member_events
from tests.support import channel, free_port, keys_for

RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED,
}


def start_ledger_process(data_dir: Path, nats_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BENEFITS_DATA_DIR": str(data_dir),
        "BENEFITS_NATS_URL": nats_url,
        "BENEFITS_LEDGER_PORT": str(port),
        "BENEFITS_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ledger.entrypoints.server"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_serving(address: str) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for _ in range(600):
            try:
                reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.05)
    raise TimeoutError("ledger did not become SERVING")


async def post_until_acknowledged(stub, request) -> ledger_pb2.Entry:
    while True:
        try:
            return await stub.PostPayout(request, timeout=2)
        except grpc.aio.AioRpcError as error:
            assert error.code() in RETRYABLE, error.details()
            await asyncio.sleep(0.05)


async def test_kill_9_mid_load_loses_and_duplicates_nothing(tmp_path, nats_server):
    port = free_port()
    address = f"127.0.0.1:{port}"
    await publish_member_events(nats_server.url, [enrolled(f"M{i}") for i in range(37)])
    proc = start_ledger_process(tmp_path, nats_server.url, port)
    try:
        await wait_serving(address)
        key = keys_for(tmp_path / "keys" / "api-keys.json").admin
        async with channel(address, key) as opened:
            stub = ledger_pb2_grpc.LedgerServiceStub(opened)
            await stub.OpenProgram(open_request(budget=10**9))
            total, acked = 400, {}

            async def client(worker: int) -> None:
                for i in range(worker, total, 8):
                    entry = await post_until_acknowledged(
                        stub, payout(f"req-{i}", member=f"M{i % 37}", amount=100)
                    )
                    acked[entry.request_id] = entry.entry_id

            clients = asyncio.gather(*(client(w) for w in range(8)))
            while len(acked) < 120:  # noqa: ASYNC110 (polling a plain dict filled by clients)
                await asyncio.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc = start_ledger_process(tmp_path, nats_server.url, port)
            await clients
            assert len(acked) == total

            # A retry of everything replays the same entries.
            for i in range(0, total, 40):
                again = await stub.PostPayout(payout(f"req-{i}", member=f"M{i % 37}", amount=100))
                assert again.replayed and again.entry_id == acked[f"req-{i}"]
            program = await stub.GetProgram(
                ledger_pb2.GetProgramRequest(code="WINTER_WARMTH", fiscal_year=2026)
            )
            assert program.committed_fen == total * 100
            assert program.payout_count == total

        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            for _ in range(400):
                if (await js.stream_info("BENEFITS_LEDGER")).state.last_seq >= total + 1:
                    break
                await asyncio.sleep(0.05)
        finally:
            await nc.close()
        envelopes = [
            events_pb2.EventEnvelope.FromString(m) for m in await stream_messages(nats_server.url)
        ]
        assert len(envelopes) == total + 1
        assert verify_chain(envelopes) is None
        posted = []
        for envelope in envelopes[1:]:
            message = events_pb2.PayoutPosted()
            assert envelope.payload.Unpack(message)
            posted.append(message.request_id)
        assert sorted(posted) == sorted(acked)
    finally:
        proc.kill()
        proc.wait()

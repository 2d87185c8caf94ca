"""A real cluster for the fault tests, as ``benefits up --cluster`` lays it out
(benefits_cli.cluster.ClusterLayout): three nats-server nodes in one JetStream
cluster with every stream at 3 replicas, one PostgreSQL, two ledger instances
sharing its store, the ledger's relay and the reporting service, each its own
process, so that any of them can be killed (SIGKILL), paused (SIGSTOP) and
started again. Members reach the ledger and reporting on the members stream,
as the members service's relay would publish them.

The load: payouts posted by clients that retry with the same request id after
UNAVAILABLE, DEADLINE_EXCEEDED or CANCELLED, over one gRPC channel that spreads
calls round-robin over both ledger instances. The checks: every acknowledged
payout is exactly once in the store, in the stream and in the reporting
projections, nothing else was recorded for the programme, every entry's
postings sum to zero, and VerifyLedger passes.

BENEFITS_FAULT_PROFILE=long makes the loads larger and repeats each fault.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import http.client
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import grpc
import nats
import nats.errors
import nats.js.errors
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.js.errors import ServiceUnavailableError

from benefits_cli.client import channel_target
from benefits_cli.cluster import LEDGER_INSTANCES, NODES, ClusterLayout, ClusterPorts
from benefits_cli.postgres import PostgresServer
from benefits_platform import bus
from benefits_platform.config import StoreConfig
from benefits_platform.envelopes import verify_chain
from benefits_platform.eventstore import eventsourcing_env
from benefits_platform.protos.benefits.v1 import (
    events_pb2,
    ledger_pb2,
    ledger_pb2_grpc,
    reporting_pb2,
    reporting_pb2_grpc,
)
from benefits_platform.relay_process import EventLog
from ledger.application import LedgerApplication
from tests.ledger_client import YEAR, open_request, payout
from tests.members_feed import enrolled, publish_member_events
from tests.reporting_support import applied_positions, unit_events
from tests.support import channel, keys_for

T = TypeVar("T")
RETRYABLE = frozenset({
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED,
})  # fmt: skip
UNIT = "GD-SZ-NS-0001"
MEMBER_COUNT = 50
READY_SECONDS = 90.0
SETTLE_SECONDS = 120.0


@dataclass(frozen=True)
class Profile:
    name: str
    payouts: int  # per test
    clients: int  # concurrent clients
    repeats: int  # times each fault is injected in one test

    @classmethod
    def from_env(cls) -> Profile:
        if os.environ.get("BENEFITS_FAULT_PROFILE", "short").strip().lower() == "long":
            return cls("long", payouts=4_000, clients=16, repeats=3)
        return cls("short", payouts=240, clients=8, repeats=1)

    def at(self) -> list[float]:
        """The fractions of the load at which the faults are injected."""
        return [(i + 1) / (self.repeats + 1) for i in range(self.repeats)]


class Proc:
    """One process of the cluster that can be started again after any fault."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str] | None, log_dir: Path
    ) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.paused = False

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        assert not self.alive, f"{self.name} is running"
        self._close_log()
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.paused = False

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self, grace: float = 15.0) -> None:
        if self.alive:
            assert self.proc is not None
            if self.paused:
                self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class FaultCluster:
    def __init__(self, base: Path, profile: Profile) -> None:
        self.profile = profile
        self.layout = ClusterLayout(base / "cluster", ClusterPorts.free(), durable=False)
        self.root = self.layout.root
        self.log_dir = self.root / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.keys = keys_for(self.root / "keys" / "api-keys.json")
        self.pg: PostgresServer = self.layout.postgres()
        self._pg_log: IO[bytes] | None = None
        ports = self.layout.ports
        self.nats = [
            Proc(f"nats-{i + 1}", self.layout.nats_command(i), None, self.log_dir)
            for i in range(NODES)
        ]
        base_env = {
            **os.environ,
            "BENEFITS_LOG_LEVEL": "INFO",
            "BENEFITS_SHUTDOWN_GRACE_SECONDS": "1",
        }
        python = sys.executable
        self.ledgers = [
            Proc(
                name,
                [python, "-m", "ledger.entrypoints.server"],
                self.layout.service_env("ledger", port, self.pg.dsn, base_env),
                self.log_dir,
            )
            for name, port in zip(LEDGER_INSTANCES, ports.ledger, strict=True)
        ]
        self.relay = Proc(
            "ledger-relay",
            [python, "-m", "ledger.entrypoints.relay"],
            self.layout.service_env("ledger", ports.ledger[0], self.pg.dsn, base_env),
            self.log_dir,
        )
        reporting_env = self.layout.service_env("reporting", ports.reporting, self.pg.dsn, base_env)
        # Small batches: many projection transactions to be killed between.
        reporting_env["BENEFITS_REPORTING_BATCH"] = "25"
        self.reporting = Proc(
            "reporting", [python, "-m", "reporting.entrypoints.server"], reporting_env, self.log_dir
        )
        self._channels: list[grpc.aio.Channel] = []
        self.ledger: ledger_pb2_grpc.LedgerServiceStub | None = None
        self.report: reporting_pb2_grpc.ReportingServiceStub | None = None
        self.members = [f"F{i:03d}" for i in range(MEMBER_COUNT)]

    # -- bring-up ---------------------------------------------------------------------

    async def start(self) -> None:
        for node in self.nats:
            node.start()
        for node in range(NODES):
            await self.wait_nats(node)
        self.start_postgres()
        # The members stream at 3 replicas, with the unit tree and the members.
        nc = await bus.connect(self.layout.nats_url, "fault-tests")
        try:
            await bus.ensure_stream(nc.jetstream(), "members", 3)
        finally:
            await nc.close()
        await publish_member_events(
            self.layout.nats_urls[0],
            [*unit_events(), *(enrolled(m, unit=UNIT) for m in self.members)],
        )
        for ledger in self.ledgers:
            ledger.start()
        for i in range(len(self.ledgers)):
            await self.wait_ledger(i)
        self.relay.start()
        self.reporting.start()
        await wait_serving(f"127.0.0.1:{self.layout.ports.reporting}", self.reporting)
        target, options = channel_target(self.layout.ledger_target)
        ledger_channel = channel(target, self.keys.admin, options=options)
        report_channel = channel(f"127.0.0.1:{self.layout.ports.reporting}", self.keys.admin)
        self._channels += [ledger_channel, report_channel]
        self.ledger = ledger_pb2_grpc.LedgerServiceStub(ledger_channel)
        self.report = reporting_pb2_grpc.ReportingServiceStub(report_channel)

    def start_postgres(self) -> None:
        if self._pg_log is None:
            self._pg_log = (self.log_dir / "postgres.log").open("ab")
        self.pg.start(output=self._pg_log)

    async def wait_nats(self, node: int) -> None:
        port = self.layout.ports.monitor[node]
        proc = self.nats[node]
        for _ in range(int(READY_SECONDS * 10)):
            assert proc.alive, f"{proc.name} exited; see {proc.log_path}"
            if await asyncio.to_thread(http_ok, port, "/healthz"):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{proc.name} not healthy; see {proc.log_path}")

    async def wait_nats_current(self) -> None:
        """Wait until every node is healthy and every replica of the streams and of
        the reporting consumers has a leader and is current: the node brought back
        has caught up, so losing another one next is again a single failure."""
        for node in range(NODES):
            await self.wait_nats(node)
        nc = await nats.connect(self.layout.nats_urls)
        try:
            js = nc.jetstream()
            deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
            assets = [(bus.stream_name(s), f"reporting-{s}") for s in ("ledger", "members")]
            while True:
                infos: list[Any] = []
                for stream, consumer in assets:
                    infos.append(await settled(lambda s=stream: js.stream_info(s)))
                    with contextlib.suppress(nats.js.errors.NotFoundError):
                        infos.append(
                            await settled(lambda s=stream, c=consumer: js.consumer_info(s, c))
                        )
                if all(current(info.cluster) for info in infos):
                    return
                assert asyncio.get_running_loop().time() < deadline, [i.cluster for i in infos]
                await asyncio.sleep(0.2)
        finally:
            await nc.close()

    async def wait_ledger(self, index: int) -> None:
        address = self.layout.ledger_addresses[index]
        await wait_serving(address, self.ledgers[index])

    async def stop(self) -> None:
        for opened in self._channels:
            await opened.close()
        for proc in (*self.ledgers, self.reporting, self.relay):
            await asyncio.to_thread(proc.stop)
        for node in self.nats:
            await asyncio.to_thread(node.stop)
        await asyncio.to_thread(self.pg.stop)
        if self._pg_log is not None:
            self._pg_log.close()

    def store_position(self) -> int:
        """The last notification id of the ledger's store."""
        import psycopg

        with psycopg.connect(self.pg.dsn) as conn:
            row = conn.execute("SELECT max(notification_id) FROM ledger_events").fetchone()
        return int(row[0] or 0) if row else 0

    async def stream_state(self) -> tuple[int, str]:
        """(position of the last envelope in the ledger stream, the stream's leader)."""
        nc = await nats.connect(self.layout.nats_urls)
        try:
            js = nc.jetstream()
            stream = bus.stream_name("ledger")
            info = await settled(lambda: js.stream_info(stream))
            position = 0
            if info.state.last_seq:
                last = info.state.last_seq
                head = await settled(lambda: js.get_msg(stream, seq=last))
                position = events_pb2.EventEnvelope.FromString(head.data or b"").position
            leader = info.cluster.leader if info.cluster is not None else ""
            return position, leader or ""
        finally:
            await nc.close()

    def paused_lock_holders(self) -> int:
        """Sessions holding an advisory lock while idle in a transaction."""
        import psycopg

        with psycopg.connect(self.pg.dsn) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND a.state LIKE 'idle in transaction%'"
            ).fetchone()
        return int(row[0]) if row else 0

    # -- the load ---------------------------------------------------------------------

    def load(self, code: str, *, deadline: float = 5.0) -> Load:
        assert self.ledger is not None
        return Load(self, code, self.profile.payouts, self.profile.clients, deadline)

    # -- what the cluster holds -------------------------------------------------------

    def store_events(self) -> list[Any]:
        """Every event of the ledger's store, in log order (read only)."""
        env = eventsourcing_env(StoreConfig(kind="postgres", postgres_dsn=self.pg.dsn))
        log = EventLog(LedgerApplication, env)
        try:
            events, position = [], 0
            while batch := log.recorder.select_notifications(
                start=position, limit=5_000, inclusive_of_start=False
            ):
                for notification in batch:
                    event = log.mapper.to_domain_event(notification)
                    events.append((notification.id, event))
                position = batch[-1].id
            return events
        finally:
            log.close()

    async def stream_envelopes(self, at_least_position: int) -> list[events_pb2.EventEnvelope]:
        """The ledger stream, once it holds every event up to ``at_least_position``."""
        nc = await nats.connect(self.layout.nats_urls)
        try:
            js = nc.jetstream()
            stream = bus.stream_name("ledger")
            deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
            while True:
                info = await settled(lambda: js.stream_info(stream))
                last = info.state.last_seq
                if last:
                    head = await settled(lambda seq=last: js.get_msg(stream, seq=seq))
                    envelope = events_pb2.EventEnvelope.FromString(head.data or b"")
                    if envelope.position >= at_least_position:
                        break
                assert asyncio.get_running_loop().time() < deadline, (
                    f"the stream is at {last}, the store at {at_least_position}; "
                    f"see {self.relay.log_path}"
                )
                await asyncio.sleep(0.1)
            assert info.config.num_replicas == 3
            envelopes = []
            for seq in range(info.state.first_seq, last + 1):
                msg = await settled(lambda seq=seq: js.get_msg(stream, seq=seq))
                envelopes.append(events_pb2.EventEnvelope.FromString(msg.data or b""))
            return envelopes
        finally:
            await nc.close()

    async def projections_at(self, position: int) -> None:
        """Wait until the reporting projections applied the ledger up to ``position``."""
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while True:
            applied = await asyncio.to_thread(applied_positions, self.pg.dsn, self.root)
            if applied.get("ledger", (0, 0))[0] >= position:
                return
            assert asyncio.get_running_loop().time() < deadline, (
                f"projections at {applied}, waiting for {position}; "
                f"see {self.reporting.log_path}"
            )
            await asyncio.sleep(0.1)

    async def verify(self) -> reporting_pb2.AuditVerdict:
        assert self.report is not None
        verdict = None
        async for reply in self.report.VerifyLedger(
            reporting_pb2.VerifyLedgerRequest(), timeout=SETTLE_SECONDS
        ):
            if reply.HasField("verdict"):
                verdict = reply.verdict
        assert verdict is not None
        return verdict


@dataclass
class Load:
    """``total`` payouts of 100 fen + i for programme ``code``, from ``clients``
    concurrent clients retrying with the same request id until acknowledged."""

    cluster: FaultCluster
    code: str
    total: int
    clients: int
    deadline: float
    acked: dict[str, ledger_pb2.Entry] = field(default_factory=dict)
    retries: collections.Counter[str] = field(default_factory=collections.Counter)
    _task: asyncio.Task[None] | None = None

    def request(self, i: int) -> ledger_pb2.PostPayoutRequest:
        members = self.cluster.members
        return payout(
            f"{self.code}-{i}",
            member=members[i % len(members)],
            amount=100 + i,
            code=self.code,
            date=f"{YEAR}-{1 + i % 12:02d}-15",
        )

    async def open(self) -> None:
        stub = self.cluster.ledger
        assert stub is not None
        await until_acknowledged(
            lambda: stub.OpenProgram(open_request(code=self.code, budget=10**12), timeout=30),
            self.retries,
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"load-{self.code}")

    async def _run(self) -> None:
        stub = self.cluster.ledger
        assert stub is not None

        async def client(worker: int) -> None:
            for i in range(worker, self.total, self.clients):
                request = self.request(i)
                entry = await until_acknowledged(
                    lambda r=request: stub.PostPayout(r, timeout=self.deadline), self.retries
                )
                assert entry.request_id == request.request_id
                self.acked[request.request_id] = entry

        await asyncio.gather(*(client(w) for w in range(self.clients)))

    async def reached(self, fraction: float) -> None:
        """Wait until ``fraction`` of the payouts are acknowledged."""
        assert self._task is not None
        while len(self.acked) < fraction * self.total:
            if self._task.done():
                self._task.result()
                return
            await asyncio.sleep(0.01)

    async def finish(self) -> None:
        assert self._task is not None
        await asyncio.wait_for(self._task, SETTLE_SECONDS * 2)
        assert len(self.acked) == self.total

    async def check(self) -> dict[str, int]:
        """Everything the fault tests promise, for this load's programme; some figures."""
        cluster = self.cluster
        wanted = {self.request(i).request_id: self.request(i) for i in range(self.total)}
        assert set(self.acked) == set(wanted)
        # Retrying once more after everything replays the same entries.
        stub = cluster.ledger
        assert stub is not None
        for rid in list(wanted)[:: max(1, self.total // 20)]:
            again = await until_acknowledged(
                lambda r=wanted[rid]: stub.PostPayout(r, timeout=30), self.retries
            )
            assert again.replayed and again.entry_id == self.acked[rid].entry_id

        # The store: each acknowledged payout exactly once, nothing else for the
        # programme, every entry's postings summing to zero.
        events = await asyncio.to_thread(cluster.store_events)
        last_position = events[-1][0]
        in_store: collections.Counter[str] = collections.Counter()
        for _position, event in events:
            postings = getattr(event, "postings", None)
            if postings is not None:
                assert sum(int(amount) for _account, amount in postings) == 0, event
            if (
                getattr(event, "program_code", None) == self.code
                and hasattr(event, "amount_fen")
                and getattr(event, "reverses_entry_id", None) is None
            ):
                in_store[event.request_id] += 1
                assert str(event.originator_id) == self.acked[event.request_id].entry_id
                assert event.amount_fen == wanted[event.request_id].amount_fen
        missing = sorted(set(wanted) - set(in_store), key=lambda rid: int(rid.rsplit("-", 1)[1]))
        twice = sorted(rid for rid, n in in_store.items() if n > 1)
        assert not missing and not twice, f"not in the store: {missing}; twice: {twice}"

        # The stream: the same, once each, chained, at 3 replicas.
        envelopes = await cluster.stream_envelopes(last_position)
        assert verify_chain(envelopes) is None
        positions = [e.position for e in envelopes]
        assert positions == sorted(set(positions)), "a position twice or out of order"
        assert positions == [p for p, _e in events], "the stream differs from the store"
        in_stream: collections.Counter[str] = collections.Counter()
        for envelope in envelopes:
            if envelope.event_type == "PayoutPosted":
                posted = events_pb2.PayoutPosted()
                assert envelope.payload.Unpack(posted)
                if posted.program_code == self.code:
                    in_stream[posted.request_id] += 1
                    assert sum(p.amount_fen for p in posted.postings) == 0
        assert in_stream == in_store

        # The projections: every payout counted once, and the audit passes.
        await cluster.projections_at(last_position)
        assert cluster.report is not None
        totals = await cluster.report.GetProgramTotals(
            reporting_pb2.GetProgramTotalsRequest(program_code=self.code, fiscal_year=YEAR),
            timeout=60,
        )
        paid = sum(r.amount_fen for r in wanted.values())
        assert (totals.totals.paid_fen, totals.totals.person_times) == (paid, self.total)
        assert totals.committed_fen == paid
        verdict = await cluster.verify()
        assert verdict.ok, verdict
        return {
            "payouts": self.total,
            "retries": sum(self.retries.values()),
            "store_position": last_position,
        }


async def until_acknowledged(
    call: Callable[[], Awaitable[Any]], retries: collections.Counter[str]
) -> Any:
    """``call()`` again until it answers, as a client with a request id does."""
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            assert error.code() in RETRYABLE, (error.code(), error.details())
            retries[error.code().name] += 1
            await asyncio.sleep(0.05)


def current(cluster: Any) -> bool:
    """A replicated asset has a leader and every other replica is current."""
    return bool(
        cluster is not None
        and cluster.leader
        and len(cluster.replicas or []) == 2
        and all(peer.current and not peer.offline for peer in cluster.replicas)
    )


async def settled(call: Callable[[], Awaitable[T]], seconds: float = SETTLE_SECONDS) -> T:
    """A JetStream API call, again while the cluster has no leader for it (an
    election after a node was lost takes seconds)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            return await call()
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError, ServiceUnavailableError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


async def wait_serving(address: str, proc: Proc) -> None:
    async with grpc.aio.insecure_channel(address) as opened:
        health = health_pb2_grpc.HealthStub(opened)
        for _ in range(int(READY_SECONDS * 10)):
            assert proc.alive, f"{proc.name} exited; see {proc.log_path}"
            with contextlib.suppress(grpc.aio.AioRpcError):
                reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{proc.name} not SERVING at {address}; see {proc.log_path}")


def http_ok(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()

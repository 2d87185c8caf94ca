"""Posting throughput of the ledger, measured against the bare layers it is built on.

One run measures, on this machine:

  a. bare JetStream: pipelined ``js.publish_async`` of ``--envelope-size`` messages
     (552 B: the size of a ledger PayoutPosted envelope) with a ``Nats-Msg-Id`` header
     to a file-storage stream, at most ``--window`` unacknowledged, until every ack
     is in;
  b. bare gRPC: a bytes-in/bytes-out echo server (grpc.aio, in its own process),
     ``--concurrency`` client coroutines, once on one shared channel and once on one
     channel each; the faster shape is reported;
  c. ledger PostPayout (unary) from the same clients, in both shapes, counted end to
     end: from the first request until the relay has every payout in the
     BENEFITS_LEDGER stream; the figure in the shape reported for b is reported;
  d. ledger PostPayouts in batches of ``--batch-size`` rows, from 1, 2 and 4
     concurrent batch clients (a channel each), counted the same way; the best is
     reported;

and prints the rates with the ratios c/b and d/a. Each measurement runs ``--rounds``
times, interleaved (a b c d a b c d); each figure is its best round, the one least
disturbed by whatever else the machine was doing.

Every server runs in its own process (nats-server, the echo server, the ledger as
two: ``python -m ledger.entrypoints.server`` with ``BENEFITS_RELAY=process`` and its
outbox relay ``python -m ledger.entrypoints.relay``, as the stack runs them;
``--relay inline`` runs the relay inside the server instead), so the load generator
does not share an event loop or a GIL with the server under test. The CPU of both
ledger processes is counted. Everything is started on free loopback ports in a
temporary directory and stopped at the end.

    .venv/bin/python benchmarks/bench_posting.py                  # SQLite
    .venv/bin/python benchmarks/bench_posting.py --store postgres # throw-away PostgreSQL
    .venv/bin/python benchmarks/bench_posting.py --json
    .venv/bin/python benchmarks/bench_posting.py --phases unary --profile /tmp/prof

See benchmarks/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "services"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import grpc  # noqa: E402
import nats  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig  # noqa: E402

from benefits_platform import logs  # noqa: E402
from benefits_platform.protos.benefits.v1 import ledger_pb2, ledger_pb2_grpc  # noqa: E402
from tests.members_feed import enrolled, publish_member_events  # noqa: E402
from tests.support import (  # noqa: E402
    NatsServer,
    free_port,
    keys_for,
    postgres_server,
    wait_port,
)

LEDGER_STREAM = "BENEFITS_LEDGER"
BARE_STREAM = "BENCH_BARE"
ECHO_METHOD = "/bench.Echo/Echo"
PROGRAM_CODE = "BENCH_SUBSIDY"
FISCAL_YEAR = 2026
AMOUNT_FEN = 2_000
MEMBERS = 100_000
GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
]
TARGET_UNARY = 0.60  # c / b
TARGET_BATCH = 0.50  # d / a
PHASES = ("jetstream", "echo", "unary", "batch")


# -- results --------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    label: str
    count: int
    seconds: float
    detail: str = ""
    committed_seconds: float | None = None  # ledger: until the last RPC returned
    cpu: dict[str, float] = field(default_factory=dict)  # cores busy, per process

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    @property
    def committed_rate(self) -> float | None:
        if not self.committed_seconds:
            return None
        return self.count / self.committed_seconds

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "count": self.count,
            "seconds": round(self.seconds, 4),
            "rate_per_s": round(self.rate, 1),
        }
        if self.detail:
            out["detail"] = self.detail
        if self.committed_rate is not None:
            out["committed_rate_per_s"] = round(self.committed_rate, 1)
        if self.cpu:
            out["cpu_cores"] = self.cpu
        return out


@dataclass
class Report:
    store: str
    figures: dict[str, Figure] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def ratio(self, top: str, bottom: str) -> float | None:
        if top not in self.figures or bottom not in self.figures:
            return None
        base = self.figures[bottom].rate
        return self.figures[top].rate / base if base else None


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(stat_path: str) -> float:
    fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _with_children(pid: int) -> list[int]:
    pids = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids.extend(int(c) for c in (task / "children").read_text().split())
    return pids


class CpuMeter:
    """CPU time of processes over a measurement, in cores (1.0 = one core busy).
    For a Python server, its main thread (the event loop) is shown on its own:
    when that reaches 1.0 the server is bound by one thread (and the GIL)."""

    def __init__(self, pids: dict[str, int], loop_thread_of: str | None = None) -> None:
        self.pids = pids
        self.loop_thread_of = loop_thread_of
        self.start = self._read()
        self.t0 = time.perf_counter()

    def _read(self) -> dict[str, float]:
        out = {}
        for name, pid in self.pids.items():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if name == "postgres":  # the postmaster and its backends
                    out[name] = sum(_cpu_seconds(f"/proc/{p}/stat") for p in _with_children(pid))
                elif name == "fronts":  # the ledger's front processes: the server's children
                    out[name] = sum(
                        _cpu_seconds(f"/proc/{p}/stat") for p in _with_children(pid)[1:]
                    )
                else:
                    out[name] = _cpu_seconds(f"/proc/{pid}/stat")
        if self.loop_thread_of is not None:
            pid = self.pids[self.loop_thread_of]
            with contextlib.suppress(OSError, IndexError, ValueError):
                out[f"{self.loop_thread_of} loop thread"] = _cpu_seconds(
                    f"/proc/{pid}/task/{pid}/stat"
                )
        return out

    def cores(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self.t0
        end = self._read()
        return {k: round((end[k] - v) / elapsed, 2) for k, v in self.start.items() if k in end}


# -- the echo server (runs in a child process: this script with --echo-server) --------


async def serve_echo(port: int) -> None:
    async def echo(request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
        return request

    server = grpc.aio.server(options=[*GRPC_OPTIONS, ("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
            ),
        )
    )
    if server.add_insecure_port(f"127.0.0.1:{port}") == 0:
        raise OSError(f"cannot listen on 127.0.0.1:{port}")
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(0.5)


# -- child processes ------------------------------------------------------------------


class Child:
    """A server process; optionally run under ``py-spy record``."""

    def __init__(
        self,
        name: str,
        cmd: list[str],
        env: dict[str, str],
        log_path: Path,
        profile_to: Path | None = None,
        profile_mode: str = "gil",
    ) -> None:
        self.name = name
        self.log_path = log_path
        self.profile_to = profile_to
        if profile_to is not None:
            py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            if not Path(py_spy).exists():
                raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
            mode = ["--gil"] if profile_mode == "gil" else ["--idle"]
            cmd = [
                py_spy,
                "record",
                "--format",
                "raw",
                "--threads",
                "--rate",
                "200",
                *mode,
                "-o",
                str(profile_to),
                "--",
                *cmd,
            ]
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT
        )

    def python_pid(self) -> int:
        """The pid of the Python process (py-spy's child when profiling)."""
        if self.profile_to is None:
            return self.proc.pid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
                if children.split():
                    return int(children.split()[0])
            time.sleep(0.05)
        raise RuntimeError("py-spy did not start the server")

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """SIGTERM to the server (py-spy then writes its profile and exits); SIGKILL to
        both if that takes too long."""
        if self.proc.poll() is None:
            pid: int | None = None
            with contextlib.suppress(ProcessLookupError, RuntimeError):
                pid = self.python_pid()
                os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(60 if self.profile_to is not None else 20)
            except subprocess.TimeoutExpired:
                if pid is not None and pid != self.proc.pid:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.proc.kill()
                self.proc.wait()
        self._log.close()


async def wait_serving(target: str, child: Child, limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            child.check_alive()
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{child.name} not SERVING after {limit_s}s:\n{child.tail()}")
            await asyncio.sleep(0.1)


# -- gRPC client shapes -----------------------------------------------------------------


class Channels:
    """``shape`` "one": every client coroutine on one channel (one HTTP/2 connection);
    "each": one channel (and connection) per client coroutine."""

    def __init__(self, target: str, shape: str, clients: int) -> None:
        count = 1 if shape == "one" else clients
        options = [*GRPC_OPTIONS, ("grpc.use_local_subchannel_pool", 1)]
        self.shape = shape
        self.channels = [grpc.aio.insecure_channel(target, options=options) for _ in range(count)]

    async def ready(self) -> None:
        await asyncio.gather(*(asyncio.wait_for(c.channel_ready(), 30) for c in self.channels))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.channels))


async def drive(
    clients: int, items: Sequence[Any], call_for: Callable[[int], Callable[[Any], Awaitable[Any]]]
) -> tuple[float, list[str]]:
    """Send every item, ``clients`` coroutines pulling from one queue of work.
    Returns the wall time and the errors seen."""
    work = iter(items)
    errors: list[str] = []

    async def client(index: int) -> None:
        call = call_for(index)
        for item in work:
            try:
                await call(item)
            except grpc.aio.AioRpcError as error:
                errors.append(f"{error.code().name}: {error.details()}")

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return time.perf_counter() - start, errors


# -- a. bare JetStream ------------------------------------------------------------------


class BareJetStream:
    """A publisher in this process, to a file-storage stream made for the purpose."""

    def __init__(self, nats_url: str, nats_pid: int, size: int, window: int) -> None:
        self.nats_url = nats_url
        self.nats_pid = nats_pid
        self.size = size
        self.window = window
        self.payload = (bytes(range(256)) * (size // 256 + 1))[:size]
        self.nc: Any = None
        self.js: Any = None
        self.trials = 0

    async def start(self) -> None:
        self.nc = await nats.connect(self.nats_url, name="bench-bare")
        self.js = self.nc.jetstream(publish_async_max_pending=self.window)

    async def stop(self) -> None:
        if self.nc is not None:
            await self.nc.close()

    async def _publish(self, prefix: str, n: int) -> float:
        start = time.perf_counter()
        futures = [
            await self.js.publish_async(
                "bench.bare.v1.PayoutPosted", self.payload, headers={"Nats-Msg-Id": f"{prefix}-{i}"}
            )
            for i in range(n)
        ]
        acks = await asyncio.gather(*futures)
        elapsed = time.perf_counter() - start
        if any(a.duplicate for a in acks):
            raise RuntimeError("bare JetStream: a message was taken for a duplicate")
        return elapsed

    async def measure(self, count: int) -> Figure:
        """A fresh stream, a warm-up window, then ``count`` messages timed."""
        self.trials += 1
        await self.js.add_stream(
            StreamConfig(
                name=BARE_STREAM,
                subjects=["bench.bare.>"],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                discard=DiscardPolicy.OLD,
                num_replicas=1,
                duplicate_window=120.0,
            )
        )
        try:
            await self._publish(f"w{self.trials}", min(self.window, count))
            before = (await self.js.stream_info(BARE_STREAM)).state.last_seq
            meter = CpuMeter({"nats-server": self.nats_pid, "client": os.getpid()})
            elapsed = await self._publish(f"m{self.trials}", count)
            cpu = meter.cores()
            after = (await self.js.stream_info(BARE_STREAM)).state.last_seq
            if after - before != count:
                raise RuntimeError(f"bare JetStream: {after - before} stored, {count} published")
        finally:
            await self.js.delete_stream(BARE_STREAM)
        return Figure(
            "a",
            "bare JetStream publish_async",
            count,
            elapsed,
            f"{self.size} B, Nats-Msg-Id, window {self.window}, file storage",
            cpu=cpu,
        )


# -- b. bare gRPC echo ------------------------------------------------------------------


def shape_text(shape: str, clients: int) -> str:
    return "1 channel" if shape == "one" or clients == 1 else f"{clients} channels"


class EchoServer:
    """The echo server in its own process, and clients for it in this one."""

    def __init__(self, tmp: Path, concurrency: int, size: int) -> None:
        self.port = free_port()
        self.concurrency = concurrency
        self.size = size
        self.payload = (b"benefits-echo." * (size // 14 + 1))[:size]
        self.child = Child(
            "echo server",
            [sys.executable, str(Path(__file__).resolve()), "--echo-server", str(self.port)],
            dict(os.environ),
            tmp / "echo.log",
        )

    def start(self) -> None:
        wait_port(self.port)

    def stop(self) -> None:
        self.child.stop()

    async def measure(self, shape: str, count: int) -> Figure:
        channels = Channels(f"127.0.0.1:{self.port}", shape, self.concurrency)
        try:
            await channels.ready()
            calls = [c.unary_unary(ECHO_METHOD) for c in channels.channels]

            def call_for(index: int) -> Callable[[Any], Awaitable[Any]]:
                return calls[index % len(calls)]  # type: ignore[no-any-return]

            items = [self.payload] * count
            await drive(self.concurrency, items[: min(2_000, count)], call_for)  # warm-up
            meter = CpuMeter({"server": self.child.proc.pid, "client": os.getpid()}, "server")
            elapsed, errors = await drive(self.concurrency, items, call_for)
            cpu = meter.cores()
            if errors:
                raise RuntimeError(f"echo: {len(errors)} errors, first {errors[0]}")
            return Figure(
                "b",
                "bare gRPC unary echo",
                count,
                elapsed,
                f"{self.concurrency} clients, {shape_text(shape, self.concurrency)}, {self.size} B",
                cpu=cpu,
            )
        finally:
            await channels.close()


# -- c, d. the ledger -------------------------------------------------------------------


def member_id(i: int) -> str:
    return f"M{i % MEMBERS:07d}"


def payout(request_id: str, i: int) -> ledger_pb2.PostPayoutRequest:
    return ledger_pb2.PostPayoutRequest(
        request_id=request_id,
        member_id=member_id(i),
        program_code=PROGRAM_CODE,
        fiscal_year=FISCAL_YEAR,
        amount_fen=AMOUNT_FEN,
        effective_date="2026-03-01",
        external_ref=f"card-{i:09d}",
    )


class Ledger:
    """The ledger in its own processes (the server and, with ``--relay process``, its
    outbox relay), and what the benchmark needs from them."""

    def __init__(
        self,
        tmp: Path,
        nats_url: str,
        nats_pid: int,
        store_env: dict[str, str],
        profile_to: Path | None,
        profile_mode: str,
        log_level: str,
        relay_mode: str,
        pg_pid: int | None = None,
        fronts: int = 0,
    ) -> None:
        self.port = free_port()
        self.pg_pid = pg_pid
        self.fronts = fronts
        self.target = f"127.0.0.1:{self.port}"
        self.nats_url = nats_url
        self.nats_pid = nats_pid
        env = dict(os.environ)
        env.update(store_env)
        env.update(
            {
                "BENEFITS_DATA_DIR": str(tmp / "ledger-data"),
                "BENEFITS_NATS_URL": nats_url,
                "BENEFITS_LEDGER_HOST": "127.0.0.1",
                "BENEFITS_LEDGER_PORT": str(self.port),
                "BENEFITS_SHUTDOWN_GRACE_SECONDS": "1",
                "BENEFITS_LOG_LEVEL": log_level,
                "BENEFITS_RELAY": relay_mode,
                "BENEFITS_LEDGER_FRONTS": str(fronts),
                "PYTHONPATH": os.pathsep.join([str(ROOT / "services"), env.get("PYTHONPATH", "")]),
            }
        )
        # Every call carries a POSTER key (the admin key opens the programme),
        # sent per call rather than by a client interceptor, so the client's
        # cost stays what a production client pays.
        keys = keys_for(tmp / "ledger-data" / "keys" / "api-keys.json")
        self.admin_auth = (("authorization", f"Bearer {keys.admin}"),)
        self.auth = (("authorization", f"Bearer {keys.poster}"),)
        cmd = [sys.executable, "-m", "ledger.entrypoints.server"]
        self.child = Child("ledger", cmd, env, tmp / "ledger.log", profile_to, profile_mode)
        self.relay: Child | None = None
        if relay_mode == "process":
            relay_profile = None
            if profile_to is not None:
                relay_profile = profile_to.with_name("relay" + profile_to.name[len("ledger") :])
            self.relay = Child(
                "ledger relay",
                [sys.executable, "-m", "ledger.entrypoints.relay"],
                env,
                tmp / "relay.log",
                relay_profile,
                profile_mode,
            )
        self.nc: Any = None
        self.js: Any = None

    @property
    def children(self) -> list[Child]:
        return [self.child] if self.relay is None else [self.child, self.relay]

    async def start(self) -> None:
        await wait_serving(self.target, self.child)
        self.nc = await nats.connect(self.nats_url, name="bench-observer")
        self.js = self.nc.jetstream()

    async def stop(self) -> None:
        if self.nc is not None:
            await self.nc.close()
        for child in self.children:  # the server first: its relay publishes its last events
            child.stop()

    def check_alive(self) -> None:
        for child in self.children:
            child.check_alive()

    async def last_seq(self) -> int:
        return int((await self.js.stream_info(LEDGER_STREAM)).state.last_seq or 0)

    async def wait_stream(self, target: int, limit_s: float) -> float:
        """Poll until the stream holds ``target`` messages; the time it got there."""
        deadline = time.perf_counter() + limit_s
        while True:
            seq = await self.last_seq()
            if seq >= target:
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"stream at {seq}, waiting for {target}")
            self.check_alive()
            await asyncio.sleep(0.005)

    async def envelope_bytes(self) -> int:
        seq = await self.last_seq()
        msg = await self.js.get_msg(LEDGER_STREAM, seq=seq)
        return len(msg.data or b"")

    async def open_programme(self) -> None:
        async with grpc.aio.insecure_channel(self.target) as channel:
            await ledger_pb2_grpc.LedgerServiceStub(channel).OpenProgram(
                ledger_pb2.OpenProgramRequest(
                    code=PROGRAM_CODE,
                    fiscal_year=FISCAL_YEAR,
                    name_zh="基准补贴",
                    name_en="Benchmark subsidy",
                    kind=ledger_pb2.PROGRAM_KIND_SUBSIDY,
                    budget_fen=10**15,
                    request_id="bench-open",
                ),
                timeout=30,
                metadata=self.admin_auth,
            )

    async def measure(
        self,
        label: str,
        key: str,
        detail: str,
        clients: int,
        shape: str,
        items: Sequence[Any],
        rows_per_item: int,
        method: str,
        limit_s: float,
    ) -> Figure:
        channels = Channels(self.target, shape, clients)
        try:
            await channels.ready()
            stubs = [ledger_pb2_grpc.LedgerServiceStub(c) for c in channels.channels]

            def call_for(index: int) -> Callable[[Any], Awaitable[Any]]:
                fn = getattr(stubs[index % len(stubs)], method)
                return lambda item: fn(item, timeout=limit_s, metadata=self.auth)

            before = await self.last_seq()
            pids = {"server": self.child.python_pid()}
            if self.fronts:
                pids["fronts"] = pids["server"]  # its children
            if self.relay is not None:
                pids["relay"] = self.relay.python_pid()
            pids.update({"nats-server": self.nats_pid, "client": os.getpid()})
            if self.pg_pid is not None:
                pids["postgres"] = self.pg_pid
            meter = CpuMeter(pids, "server")
            start = time.perf_counter()
            committed, errors = await drive(clients, items, call_for)
            if errors:
                raise RuntimeError(f"{label}: {len(errors)} errors, first {errors[0]}")
            count = len(items) * rows_per_item
            done = await self.wait_stream(before + count, limit_s)
            cpu = meter.cores()
            if "relay" in cpu and "server" in cpu:
                cpu["ledger total"] = round(cpu["server"] + cpu["relay"] + cpu.get("fronts", 0), 2)
            return Figure(key, label, count, done - start, detail, committed, cpu)
        finally:
            await channels.close()


def payout_batches(prefix: str, batches: int, size: int) -> list[ledger_pb2.PostPayoutsRequest]:
    return [
        ledger_pb2.PostPayoutsRequest(
            payouts=[payout(f"{prefix}-{b}-{r}", b * size + r) for r in range(size)]
        )
        for b in range(batches)
    ]


async def warm_up_ledger(ledger: Ledger, args: argparse.Namespace) -> None:
    """Both code paths once, outside any measurement."""
    await ledger.open_programme()
    await ledger.measure(
        "warm-up",
        "-",
        "",
        args.concurrency,
        "one",
        [payout(f"w-{i}", i) for i in range(500)],
        1,
        "PostPayout",
        120,
    )
    if "batch" in args.phases:
        await ledger.measure(
            "warm-up",
            "-",
            "",
            1,
            "each",
            payout_batches("wb", 1, args.batch_size),
            args.batch_size,
            "PostPayouts",
            120,
        )


async def measure_unary(
    ledger: Ledger, args: argparse.Namespace, shape: str, round_no: int
) -> Figure:
    items = [payout(f"u{round_no}{shape}-{i}", i) for i in range(args.count)]
    return await ledger.measure(
        "ledger PostPayout (unary)",
        "c",
        f"{args.concurrency} clients, {shape_text(shape, args.concurrency)}",
        args.concurrency,
        shape,
        items,
        1,
        "PostPayout",
        args.timeout,
    )


async def measure_batch(
    ledger: Ledger, args: argparse.Namespace, clients: int, round_no: int
) -> Figure:
    per_batch = args.batch_size
    items = payout_batches(
        f"b{round_no}x{clients}", max(1, args.batch_count // per_batch), per_batch
    )
    return await ledger.measure(
        f"ledger PostPayouts x{per_batch}",
        "d",
        f"{clients} batch client{'s' if clients > 1 else ''}, {shape_text('each', clients)}",
        clients,
        "each",
        items,
        per_batch,
        "PostPayouts",
        args.timeout,
    )


# -- the run ----------------------------------------------------------------------------


@contextlib.contextmanager
def store_env(store: str) -> Iterator[tuple[dict[str, str], int | None]]:
    """The ledger's store settings, and the PostgreSQL server's pid if there is one."""
    if store == "sqlite":
        yield {"BENEFITS_STORE": "sqlite"}, None
        return
    log("starting a throw-away PostgreSQL server")
    with postgres_server() as pg:
        assert pg.proc is not None
        yield {"BENEFITS_STORE": "postgres", "BENEFITS_POSTGRES_DSN": pg.dsn}, pg.proc.pid


class Trials:
    """Every trial of every figure; a figure's reported value is its best trial (the one
    least disturbed by whatever else the machine was doing)."""

    def __init__(self) -> None:
        self.runs: dict[str, list[Figure]] = {}

    def add(self, name: str, figure: Figure) -> Figure:
        self.runs.setdefault(name, []).append(figure)
        return figure

    def best(self, name: str) -> Figure | None:
        runs = self.runs.get(name)
        return max(runs, key=lambda f: f.rate) if runs else None

    def rates(self) -> dict[str, list[float]]:
        return {k: [round(f.rate) for f in v] for k, v in self.runs.items()}

    def paired_ratios(self, top: Sequence[str], bottom: str) -> list[float]:
        """Round by round, the best of the ``top`` figures' trials in that round
        over ``bottom``'s trial in the same round: a ratio of two figures measured
        a minute apart, not the best of each from whichever rounds they came."""
        tops = [self.runs[name] for name in top if name in self.runs]
        bottoms = self.runs.get(bottom, [])
        ratios = []
        for round_no, base in enumerate(bottoms):
            rates = [runs[round_no].rate for runs in tops if round_no < len(runs)]
            if rates and base.rate:
                ratios.append(max(rates) / base.rate)
        return ratios


async def run(
    args: argparse.Namespace, tmp: Path, env: dict[str, str], pg_pid: int | None
) -> Report:
    report = Report(args.store)
    report.extra["code"] = code_version()
    report.extra["relay"] = args.relay
    report.extra["fronts"] = args.fronts
    report.extra["loadavg_before"] = loadavg()
    trials = Trials()
    phases = set(args.phases)
    nats_server = NatsServer(tmp / "nats").start()
    assert nats_server.proc is not None
    bare: BareJetStream | None = None
    echo: EchoServer | None = None
    ledger: Ledger | None = None
    try:
        if "jetstream" in phases:
            bare = BareJetStream(
                nats_server.url, nats_server.proc.pid, args.envelope_size, args.window
            )
            await bare.start()
        if "echo" in phases:
            echo = EchoServer(tmp, args.concurrency, args.request_size)
            echo.start()
        if phases & {"unary", "batch"}:
            profile_to = None
            if args.profile is not None:
                args.profile.mkdir(parents=True, exist_ok=True)
                name = "-".join(p for p in args.phases if p in ("unary", "batch"))
                profile_to = args.profile / f"ledger-{args.store}-{name}-{args.profile_mode}.txt"
            log(f"enrolling {MEMBERS:,} members on the members stream")
            await publish_member_events(
                nats_server.url, (enrolled(member_id(i)) for i in range(MEMBERS))
            )
            log(f"starting the ledger server (relay: {args.relay})")
            ledger = Ledger(
                tmp,
                nats_server.url,
                nats_server.proc.pid,
                env,
                profile_to,
                args.profile_mode,
                args.server_log_level,
                args.relay,
                pg_pid,
                args.fronts,
            )
            await ledger.start()

        shapes = ("one", "each") if args.shape == "auto" else (args.shape,)
        for round_no in range(1, args.rounds + 1):
            log(f"round {round_no} of {args.rounds}")
            if bare is not None:
                fig = trials.add("a", await bare.measure(args.js_count))
                log(f"  a. bare JetStream: {fig.rate:,.0f} msg/s")
            if echo is not None:
                for shape in shapes:
                    fig = trials.add(f"b {shape}", await echo.measure(shape, args.echo_count))
                    log(f"  b. bare gRPC echo ({shape}): {fig.rate:,.0f} req/s")
            if ledger is not None and round_no == 1:
                await warm_up_ledger(ledger, args)
                report.extra["envelope_bytes"] = await ledger.envelope_bytes()
            if ledger is not None and "unary" in phases:
                for shape in shapes:
                    fig = trials.add(
                        f"c {shape}", await measure_unary(ledger, args, shape, round_no)
                    )
                    log(
                        f"  c. unary ({shape}): {fig.rate:,.0f} payouts/s end to end "
                        f"({fig.committed_rate:,.0f}/s committed)"
                    )
            if ledger is not None and "batch" in phases:
                for clients in args.batch_clients:
                    fig = trials.add(
                        f"d {clients}", await measure_batch(ledger, args, clients, round_no)
                    )
                    log(
                        f"  d. batch, {clients} client(s): {fig.rate:,.0f} payouts/s end to end"
                        f" ({fig.committed_rate:,.0f}/s committed)"
                    )
    except BaseException:
        if ledger is not None:
            for child in ledger.children:
                log(f"the {child.name}'s log ends with:\n{child.tail()}")
        raise
    finally:
        if ledger is not None:
            await ledger.stop()
            profiles = [str(c.profile_to) for c in ledger.children if c.profile_to is not None]
            if profiles:
                report.extra["profile"] = profiles
                log(f"profiles written to {', '.join(profiles)}")
        if echo is not None:
            echo.stop()
        if bare is not None:
            await bare.stop()
        nats_server.stop()

    # The faster shape on the bare layer is the shape reported for the ledger as well.
    shape = shapes[0]
    if echo is not None:
        shape = max(shapes, key=lambda s: trials.best(f"b {s}").rate)  # type: ignore[union-attr]
    report.extra["client_shape"] = shape
    for key, name in (("a", "a"), ("b", f"b {shape}"), ("c", f"c {shape}")):
        best = trials.best(name)
        if best is not None:
            report.figures[key] = best
    by_clients = {c: trials.best(f"d {c}") for c in args.batch_clients}
    batch = {c: f for c, f in by_clients.items() if f is not None}
    if batch:
        report.figures["d"] = max(batch.values(), key=lambda f: f.rate)
        report.extra["batch_by_clients"] = {c: round(f.rate) for c, f in batch.items()}
    for prefix, name in (("b", "echo_by_shape"), ("c", "unary_by_shape")):
        found = {s: trials.best(f"{prefix} {s}") for s in shapes}
        if any(found.values()):
            report.extra[name] = {s: round(f.rate) for s, f in found.items() if f is not None}
    report.extra["rounds"] = args.rounds
    report.extra["trials"] = trials.rates()
    paired = {
        "c/b": trials.paired_ratios([f"c {shape}"], f"b {shape}"),
        "d/a": trials.paired_ratios([f"d {c}" for c in args.batch_clients], "a"),
    }
    report.extra["ratios_by_round"] = {k: [round(r, 3) for r in v] for k, v in paired.items() if v}
    return report


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def code_version() -> str:
    """The commit measured, with +dirty when the working tree differs from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def print_table(report: Report, args: argparse.Namespace) -> None:
    rows = [("figure", "rate", "unit", "detail")]
    units = {"a": "msg/s", "b": "req/s", "c": "payouts/s", "d": "payouts/s"}
    for key in ("a", "b", "c", "d"):
        fig = report.figures.get(key)
        if fig is None:
            continue
        detail = fig.detail
        if fig.committed_rate is not None:
            detail += f"; {fig.committed_rate:,.0f}/s committed (RPCs returned)"
        rows.append((f"{key}. {fig.label}", f"{fig.rate:,.0f}", units[key], detail))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print()
    print(
        f"store: {report.store}   code: {report.extra.get('code')}   "
        f"python {platform.python_version()}   cpus: {os.cpu_count()}   "
        f"relay: {report.extra.get('relay')}   fronts: {report.extra.get('fronts')}   "
        f"client shape: {report.extra.get('client_shape')}   "
        f"load before: {report.extra.get('loadavg_before')}"
    )
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    print(
        f"(each figure: the best of {report.extra.get('rounds')} interleaved round(s); "
        "every trial is in --json)"
    )
    for name, what in (("echo_by_shape", "echo, req/s"), ("unary_by_shape", "unary, payouts/s")):
        if name in report.extra:
            shapes = ", ".join(f"{k}: {v:,.0f}" for k, v in report.extra[name].items())
            print(f"({what}, by client shape: {shapes})")
    if "echo_by_shape" in report.extra:
        print(
            "('one' = all clients on 1 channel, 'each' = a channel per client; the shape"
            " faster on echo is reported for b and c)"
        )
    if "batch_by_clients" in report.extra:
        runs = ", ".join(f"{c}: {r:,.0f}" for c, r in report.extra["batch_by_clients"].items())
        print(f"(batch by concurrent batch clients, payouts/s: {runs}; best reported)")
    if "envelope_bytes" in report.extra:
        print(
            f"(a ledger PayoutPosted envelope on the stream: {report.extra['envelope_bytes']} B; "
            f"bare messages: {args.envelope_size} B)"
        )
    cpu_lines = []
    for key in ("a", "b", "c", "d"):
        fig = report.figures.get(key)
        if fig is not None and fig.cpu:
            cpu_lines.append(f"  {key}. " + ", ".join(f"{k} {v:.2f}" for k, v in fig.cpu.items()))
    if cpu_lines:
        print("CPU during each figure, in cores (1.00 = one core busy):")
        print("\n".join(cpu_lines))
        per_item = [
            f"  {key}. " + ", ".join(f"{k} {v:.0f}" for k, v in spent.items())
            for key, spent in cpu_per_items(report).items()
        ]
        print("CPU per message, request or payout, in microseconds (all cores):")
        print("\n".join(per_item))
        budget = batch_budget(report)
        if budget is not None:
            allowed, spent_us = budget
            print(
                f"(for d/a >= {TARGET_BATCH:.2f} on {os.cpu_count()} cpus, a batched payout may "
                f"cost at most {allowed:.0f} us of CPU in all processes together, the "
                f"benchmark's client included; this run's cost {spent_us:.0f} us)"
            )
    print()
    targets = (("c/b", "c", "b", TARGET_UNARY), ("d/a", "d", "a", TARGET_BATCH))
    for name, top, bottom, target in targets:
        ratio = report.ratio(top, bottom)
        if ratio is None:
            continue
        verdict = "meets" if ratio >= target else "BELOW"
        print(f"ratio {name} = {ratio:.2f}   (target >= {target:.2f}: {verdict})")
    by_round = report.extra.get("ratios_by_round", {})
    if by_round:
        rounds = "; ".join(
            f"{name} " + ", ".join(f"{r:.2f}" for r in ratios) for name, ratios in by_round.items()
        )
        print(f"(each round's own ratio, its two figures measured within a minute: {rounds})")


# Sub-totals in Figure.cpu: counted already under their own processes.
_PARTS = ("server loop thread", "ledger total")


def cpu_per_item(fig: Figure | None) -> dict[str, float]:
    """Microseconds of CPU per message, request or payout of ``fig``, by process,
    with their sum (``all``)."""
    if fig is None or not fig.cpu or fig.rate <= 0:
        return {}
    out = {k: v * 1e6 / fig.rate for k, v in fig.cpu.items()}
    out["all"] = sum(v for k, v in out.items() if k not in _PARTS)
    return out


def cpu_per_items(report: Report) -> dict[str, dict[str, float]]:
    """cpu_per_item of each figure measured, by figure key."""
    return {
        key: spent
        for key in ("a", "b", "c", "d")
        if (spent := cpu_per_item(report.figures.get(key)))
    }


def batch_budget(report: Report) -> tuple[float, float] | None:
    """(the CPU a batched payout may cost, in all processes together, for d/a to
    reach its target on this machine's cores at a's rate; what it cost in d), in
    microseconds. All cores busy with nothing else is the best case: above the
    allowance, the target cannot be met on these cores, whatever the concurrency."""
    a, d = report.figures.get("a"), report.figures.get("d")
    spent = cpu_per_item(d)
    if a is None or a.rate <= 0 or not spent:
        return None
    allowed = (os.cpu_count() or 1) * 1e6 / (TARGET_BATCH * a.rate)
    return allowed, spent["all"]


def as_json(report: Report, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "store": report.store,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "figures": {k: f.as_json() for k, f in sorted(report.figures.items())},
        "ratios": {},
        "targets": {"c/b": TARGET_UNARY, "d/a": TARGET_BATCH},
        **report.extra,
    }
    for name, top, bottom in (("c/b", "c", "b"), ("d/a", "d", "a")):
        ratio = report.ratio(top, bottom)
        if ratio is not None:
            out["ratios"][name] = round(ratio, 3)
    out["cpu_us_per_item"] = {
        key: {k: round(v, 1) for k, v in spent.items()}
        for key, spent in cpu_per_items(report).items()
    }
    budget = batch_budget(report)
    if budget is not None:
        out["batch_cpu_budget_us"] = {"allowed": round(budget[0], 1), "spent": round(budget[1], 1)}
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument(
        "--count",
        type=int,
        default=8_000,
        help="unary payouts per shape and round (8000); the other counts scale with it",
    )
    p.add_argument(
        "--batch-count",
        type=int,
        default=None,
        help="payouts per batch-client setting and round (default 2 x --count)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="interleaved rounds of every measurement; the best is reported (2)",
    )
    p.add_argument(
        "--js-count",
        type=int,
        default=None,
        help="messages for bare JetStream (default 5 x --count)",
    )
    p.add_argument(
        "--echo-count",
        type=int,
        default=None,
        help="requests per client shape for bare gRPC (default --count)",
    )
    p.add_argument("--concurrency", type=int, default=32, help="unary client coroutines (32)")
    p.add_argument(
        "--shape",
        choices=("auto", "one", "each"),
        default="auto",
        help="client channels: one shared, one each, or the faster on echo (auto)",
    )
    p.add_argument("--batch-size", type=int, default=1_000)
    p.add_argument(
        "--batch-clients",
        default="1,2,4",
        help="concurrent batch clients to try, comma-separated (1,2,4)",
    )
    p.add_argument(
        "--window",
        type=int,
        default=1_000,
        help="unacknowledged publishes in flight for bare JetStream (1000)",
    )
    p.add_argument(
        "--envelope-size",
        type=int,
        default=552,
        help="bare message bytes (552: a ledger PayoutPosted envelope is ~550 B)",
    )
    p.add_argument("--request-size", type=int, default=100, help="echo request bytes (100)")
    p.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"which measurements to run, comma-separated ({','.join(PHASES)})",
    )
    p.add_argument("--timeout", type=float, default=300.0, help="per-measurement limit, s")
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="run the ledger under py-spy and write its raw stacks to this directory"
        " (summarise with benchmarks/profile_summary.py)",
    )
    p.add_argument(
        "--profile-mode",
        choices=("gil", "wall"),
        default="gil",
        help="gil: samples of the thread holding the GIL (Python CPU); "
        "wall: every thread, idle ones included (default gil)",
    )
    p.add_argument(
        "--server-log-level",
        default="INFO",
        help="the ledger's BENEFITS_LOG_LEVEL (INFO, as in production; its log goes"
        " to a file in the temporary directory)",
    )
    p.add_argument(
        "--relay",
        choices=("process", "inline"),
        default="process",
        help="where the ledger's outbox relay runs: its own process (python -m"
        " ledger.entrypoints.relay, as the stack runs it) or inside the server (process)",
    )
    p.add_argument(
        "--fronts",
        type=int,
        default=2,
        help="the ledger's front processes (BENEFITS_LEDGER_FRONTS; 2, as the stack runs it;"
        " 0: the server process serves gRPC itself)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--echo-server", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.phases = [s.strip() for s in args.phases.split(",") if s.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        p.error(f"unknown phases: {', '.join(sorted(unknown))}")
    args.batch_clients = [int(x) for x in args.batch_clients.split(",") if x.strip()]
    if (
        args.count < 1
        or args.rounds < 1
        or args.batch_size < 1
        or any(c < 1 for c in args.batch_clients)
    ):
        p.error("counts must be positive")
    args.js_count = args.js_count or 5 * args.count
    args.echo_count = args.echo_count or args.count
    args.batch_count = args.batch_count or 2 * args.count
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.echo_server is not None:
        asyncio.run(serve_echo(args.echo_server))
        return
    logs.configure("WARNING")  # this process's own log lines (stream creation) stay quiet
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-posting-") as tmp_name:
        tmp = Path(tmp_name)
        os.chmod(tmp, 0o755)
        with store_env(args.store) as (env, pg_pid):
            report = asyncio.run(run(args, tmp, env, pg_pid))
    report.extra["wall_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(as_json(report, args), ensure_ascii=False))
    else:
        print_table(report, args)
        print(f"(whole run: {report.extra['wall_seconds']} s)")


if __name__ == "__main__":
    main()

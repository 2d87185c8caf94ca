"""End to end: ``run_stack`` in its own process, as ``benefits up`` runs it.

nats-server, the three services and the ledger's relay process start on free
ports in a temporary data directory; the ledger is called over real gRPC and
its events reach the stream through the relay process; SIGTERM stops
everything and leaves no process behind; a second run on the same directory
still has the data. Linux only (child processes are found through /proc).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from benefits_cli.stack import run_stack
from benefits_platform.envelopes import verify_chain
from benefits_platform.protos.benefits.v1 import events_pb2, ledger_pb2, ledger_pb2_grpc
from tests.ledger_client import stream_messages
from tests.members_feed import enrolled, publish_member_events
from tests.support import free_port, sync_channel

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("ledger", "members", "reporting")
PROCESSES = ("nats-server", *SERVICES, "ledger-relay")
BOUND = 120.0  # upper bound for the stack to come up or go down; never asserted on
UP_LINE = "benefits stack is up."

RUNNER = """
import json, sys
from pathlib import Path
from benefits_cli.stack import run_stack
ports = json.loads(sys.argv[2])
raise SystemExit(run_stack(
    Path(sys.argv[1]), nats_port=ports.pop("nats"), monitor_port=ports.pop("monitor"),
    ports=ports, extra_env={"BENEFITS_LOG_LEVEL": "INFO"},
))
"""


@dataclass
class RunningStack:
    data_dir: Path
    ports: dict[str, int]
    proc: subprocess.Popen[bytes]
    output_path: Path
    children: dict[int, str] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    @property
    def dev_key(self) -> str:
        """The development key with every role that the stack wrote on first start."""
        return (self.data_dir / "keys" / "dev-admin.key").read_text().strip()

    def channel(self, service: str, key: str | None = "dev") -> grpc.Channel:
        """A channel sending the development key (None: no key)."""
        chosen = self.dev_key if key == "dev" else key
        return sync_channel(f"127.0.0.1:{self.ports[service]}", chosen)


def children_of(pid: int) -> dict[int, str]:
    """Processes whose parent is ``pid``, with their command lines."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def serving(stack: RunningStack, service: str) -> bool:
    with stack.channel(service, key=None) as channel:  # health needs no key
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=1.0
            )
        except grpc.RpcError:
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def start_stack(data_dir: Path, ports: dict[str, int], output_path: Path) -> RunningStack:
    with output_path.open("ab") as output:
        proc = subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(data_dir), json.dumps(ports)],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, cwd=REPO,
        )
    stack = RunningStack(data_dir, ports, proc, output_path)
    runs = stack.output.count(UP_LINE)
    deadline = time.monotonic() + BOUND
    # Up means: every service answers SERVING and the runner has said so.
    while not (
        all(serving(stack, service) for service in SERVICES) and stack.output.count(UP_LINE) > runs
    ):
        if proc.poll() is not None:
            pytest.fail(f"the stack exited with {proc.returncode}:\n{stack.output}")
        if time.monotonic() > deadline:
            stop_stack(stack)
            pytest.fail(f"the stack did not come up:\n{stack.output}")
        time.sleep(0.2)
    stack.children = children_of(proc.pid)
    return stack


def stop_stack(stack: RunningStack, sig: int = signal.SIGTERM) -> int:
    if stack.proc.poll() is None:
        stack.proc.send_signal(sig)
    try:
        return stack.proc.wait(BOUND)
    except subprocess.TimeoutExpired:
        stack.proc.kill()
        for pid in children_of(stack.proc.pid):
            os.kill(pid, signal.SIGKILL)
        stack.proc.wait()
        raise


@pytest.fixture
def ports() -> dict[str, int]:
    chosen: set[int] = set()
    while len(chosen) < 5:
        chosen.add(free_port())
    return dict(zip(("nats", "monitor", *SERVICES), sorted(chosen), strict=True))


@pytest.fixture
def stacks() -> Iterator[list[RunningStack]]:
    """Stacks a test started; any still running at the end are stopped."""
    started: list[RunningStack] = []
    yield started
    for stack in started:
        if stack.proc.poll() is None:
            stop_stack(stack)


def nats_url(stack: RunningStack) -> str:
    return f"nats://127.0.0.1:{stack.ports['nats']}"


def ledger_stream(stack: RunningStack, length: int) -> list[events_pb2.EventEnvelope]:
    """The ledger's stream once it holds ``length`` events (the relay process's work)."""

    async def read() -> list[bytes]:
        nc = await nats.connect(nats_url(stack))
        try:
            js = nc.jetstream()
            deadline = time.monotonic() + BOUND
            while (await js.stream_info("BENEFITS_LEDGER")).state.last_seq < length:
                assert time.monotonic() < deadline, "the ledger's events did not reach the stream"
                await asyncio.sleep(0.05)
        finally:
            await nc.close()
        return await stream_messages(nats_url(stack))

    return [events_pb2.EventEnvelope.FromString(m) for m in asyncio.run(read())]


def winter_warmth_payout(members_position: int = 0) -> ledger_pb2.PostPayoutRequest:
    return ledger_pb2.PostPayoutRequest(
        request_id="ww-2026-0001",
        member_id="M0001",
        program_code="WINTER_WARMTH",
        fiscal_year=2026,
        amount_fen=200_000,
        effective_date="2026-01-20",
        members_position=members_position,
    )


def open_and_post(stack: RunningStack) -> ledger_pb2.Entry:
    # The members service's events, as its relay would publish them.
    members_position = asyncio.run(publish_member_events(nats_url(stack), [enrolled("M0001")]))
    with stack.channel("ledger") as channel:
        ledger = ledger_pb2_grpc.LedgerServiceStub(channel)
        programme = ledger.OpenProgram(ledger_pb2.OpenProgramRequest(
            code="WINTER_WARMTH", fiscal_year=2026, name_zh="送温暖", name_en="Winter warmth",
            kind=ledger_pb2.PROGRAM_KIND_AID, budget_fen=800_000_000, request_id="open-ww-2026",
        ), timeout=30)
        assert programme.status == ledger_pb2.PROGRAM_STATUS_OPEN
        entry: ledger_pb2.Entry = ledger.PostPayout(
            winter_warmth_payout(members_position), timeout=30
        )
    assert entry.amount_fen == 200_000 and not entry.replayed
    return entry


def test_stack_runs_stops_cleanly_and_keeps_its_data(
    tmp_path: Path, ports: dict[str, int], stacks: list[RunningStack]
) -> None:
    data_dir = tmp_path / "var"
    output_path = tmp_path / "stack.out"

    first = start_stack(data_dir, ports, output_path)
    stacks.append(first)
    assert sorted(cmd.split()[0].rsplit("/", 1)[-1] for cmd in first.children.values()) == [
        "nats-server", *[Path(sys.executable).name] * 4,
    ]
    for module in (*(f"{s}.entrypoints.server" for s in SERVICES), "ledger.entrypoints.relay"):
        assert any(f"-m {module}" in cmd for cmd in first.children.values()), module
    keys_dir = data_dir / "keys"
    for name in ("dev-admin", "poster", "reviewer", "auditor", "admin"):
        assert (keys_dir / f"{name}.key").stat().st_mode & 0o777 == 0o600
        assert str(keys_dir / f"{name}.key") in first.output
    assert (keys_dir / "api-keys.json").stat().st_mode & 0o777 == 0o600
    assert first.dev_key not in (keys_dir / "api-keys.json").read_text()  # hashes only
    with first.channel("ledger", key=None) as channel:  # nothing runs without a key
        with pytest.raises(grpc.RpcError) as refused:
            ledger_pb2_grpc.LedgerServiceStub(channel).ListPrograms(
                ledger_pb2.ListProgramsRequest(), timeout=30
            )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    entry = open_and_post(first)
    envelopes = ledger_stream(first, 2)
    assert [e.event_type for e in envelopes] == ["ProgramOpened", "PayoutPosted"]
    assert verify_chain(envelopes) is None

    out = first.output
    for service in SERVICES:
        assert f"127.0.0.1:{ports[service]}" in out
        assert str(data_dir / "logs" / f"{service}.log") in out
    assert f"nats://127.0.0.1:{ports['nats']}" in out
    assert f"http://127.0.0.1:{ports['monitor']}" in out
    assert str(data_dir / "logs" / "nats-server.log") in out
    assert str(data_dir / "logs" / "ledger-relay.log") in out

    assert stop_stack(first) == 0
    assert not [pid for pid in first.children if is_running(pid)]
    for name in PROCESSES:
        assert (data_dir / "logs" / f"{name}.log").stat().st_size > 0
    assert '"relay.stopped"' in (data_dir / "logs" / "ledger-relay.log").read_text()
    assert (data_dir / "nats" / "jetstream").is_dir()

    # Same data directory, same ports: everything recorded is still there, and
    # the keys are the same keys.
    dev_key = first.dev_key
    second = start_stack(data_dir, ports, output_path)
    stacks.append(second)
    assert second.dev_key == dev_key
    with second.channel("ledger") as channel:
        ledger = ledger_pb2_grpc.LedgerServiceStub(channel)
        programme = ledger.GetProgram(
            ledger_pb2.GetProgramRequest(code="WINTER_WARMTH", fiscal_year=2026), timeout=30
        )
        assert programme.name_zh == "送温暖"
        assert programme.committed_fen == 200_000
        assert programme.payout_count == 1
        replay = ledger.PostPayout(winter_warmth_payout(), timeout=30)
        assert replay.replayed and replay.entry_id == entry.entry_id
    assert len(ledger_stream(second, 2)) == 2  # nothing published twice on restart
    assert stop_stack(second, signal.SIGINT) == 0
    assert not [pid for pid in second.children if is_running(pid)]


@pytest.mark.parametrize(
    ("module", "name"),
    [("members.entrypoints", "members"), ("ledger.entrypoints.relay", "ledger-relay")],
)
def test_a_dying_child_stops_the_stack_with_an_error(
    tmp_path: Path, ports: dict[str, int], stacks: list[RunningStack], module: str, name: str
) -> None:
    stack = start_stack(tmp_path / "var", ports, tmp_path / "stack.out")
    stacks.append(stack)
    victims = [pid for pid, cmd in stack.children.items() if module in cmd]
    assert len(victims) == 1
    os.kill(victims[0], signal.SIGKILL)

    assert stack.proc.wait(BOUND) == 1
    assert f"{name} was killed by signal 9 unexpectedly" in stack.output
    assert not [pid for pid in stack.children if is_running(pid)]


def test_a_port_in_use_is_refused_before_anything_starts(
    tmp_path: Path, ports: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["members"]))
        taken.listen()
        status = run_stack(
            tmp_path / "var", nats_port=ports["nats"], monitor_port=ports["monitor"],
            ports={s: ports[s] for s in SERVICES},
        )
    assert status == 1
    assert f"port {ports['members']} (members) is already in use" in capsys.readouterr().err
    assert not (tmp_path / "var").exists()

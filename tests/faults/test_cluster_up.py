"""End to end: ``benefits up --cluster`` (run_cluster) in its own process.

Three NATS nodes, PostgreSQL, two ledger instances, the relay, members and
reporting come up on free loopback ports; the streams are at 3 replicas; a
client naming both ledger instances has its calls served by both; the events
reach the stream and the reporting projections, and the audit passes; SIGTERM
stops every process and the runner exits 0.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import nats
import pytest

from benefits_cli.client import channel_target
from benefits_cli.cluster import ClusterPorts
from benefits_cli.main import main
from benefits_platform.protos.benefits.v1 import (
    ledger_pb2,
    ledger_pb2_grpc,
    members_pb2_grpc,
    reporting_pb2,
    reporting_pb2_grpc,
)
from tests.faults.harness import settled
from tests.ledger_client import open_request, payout
from tests.members_fixtures import UNITS, enrol_request, national_id, unit_request
from tests.support import channel
from tests.test_stack import children_of, is_running

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]
UP_LINE = "benefits cluster is up."
BOUND = 180.0
RUNNER = """
import json, sys
from pathlib import Path
from benefits_cli.cluster import ClusterPorts, run_cluster
ports = ClusterPorts(**{k: tuple(v) if isinstance(v, list) else v
                       for k, v in json.loads(sys.argv[2]).items()})
raise SystemExit(run_cluster(Path(sys.argv[1]), ports, {"BENEFITS_LOG_LEVEL": "INFO"}))
"""


@dataclasses.dataclass
class RunningCluster:
    data_dir: Path
    ports: ClusterPorts
    proc: subprocess.Popen[bytes]
    output_path: Path

    @property
    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    @property
    def root(self) -> Path:
        return self.data_dir / "cluster"

    @property
    def key(self) -> str:
        return (self.root / "keys" / "dev-admin.key").read_text().strip()


@pytest.fixture
def cluster() -> Iterator[RunningCluster]:
    base = Path(tempfile.mkdtemp(prefix="benefits-cluster-"))
    base.chmod(0o755)  # PostgreSQL may run as another user
    ports = ClusterPorts.free()
    output_path = base / "runner.out"
    with output_path.open("ab") as output:
        proc = subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(base), json.dumps(dataclasses.asdict(ports))],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, cwd=REPO,
        )  # fmt: skip
    running = RunningCluster(base, ports, proc, output_path)
    deadline = time.monotonic() + BOUND
    try:
        while UP_LINE not in running.output:
            if proc.poll() is not None:
                pytest.fail(f"the cluster exited with {proc.returncode}:\n{running.output}")
            if time.monotonic() > deadline:
                pytest.fail(f"the cluster did not come up:\n{running.output}")
            time.sleep(0.2)
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)


async def use_the_cluster(cluster: RunningCluster) -> tuple[list[ledger_pb2.Entry], int]:
    ports, key = cluster.ports, cluster.key
    target, options = channel_target(",".join(f"127.0.0.1:{p}" for p in ports.ledger))
    async with (
        channel(target, key, options=options) as ledger_channel,
        channel(f"127.0.0.1:{ports.members}", key) as members_channel,
    ):
        members = members_pb2_grpc.MembersServiceStub(members_channel)
        for unit in UNITS:
            await members.RegisterUnit(unit_request(*unit), timeout=60)
        changes = []
        for i in range(4):
            changes.append(await members.EnrollMember(
                enrol_request(f"C{i}", number=national_id(f"44030519850615{i:03d}"),
                              household=f"HC{i}"),
                timeout=60,
            ))  # fmt: skip
        members_position = max(change.log_position for change in changes)
        ledger = ledger_pb2_grpc.LedgerServiceStub(ledger_channel)
        await ledger.OpenProgram(open_request(code="CLUSTER", budget=10**9), timeout=60)
        entries = []
        for i in range(20):  # one call at a time: round-robin over both instances
            entries.append(await ledger.PostPayout(
                payout(f"cluster-{i}", member=f"C{i % 4}", amount=1_000, code="CLUSTER",
                       members_position=members_position),
                timeout=60,
            ))  # fmt: skip
        return entries, members_position


async def audit(cluster: RunningCluster, entries: list[ledger_pb2.Entry]) -> None:
    ports = cluster.ports
    nc = await nats.connect([f"nats://127.0.0.1:{p}" for p in ports.nats])
    try:
        js = nc.jetstream()
        for stream in ("BENEFITS_LEDGER", "BENEFITS_MEMBERS"):
            info = await settled(lambda s=stream: js.stream_info(s))
            assert info.config.num_replicas == 3, stream
    finally:
        await nc.close()
    async with channel(f"127.0.0.1:{ports.reporting}", cluster.key) as opened:
        reporting = reporting_pb2_grpc.ReportingServiceStub(opened)
        request = reporting_pb2.GetProgramTotalsRequest(program_code="CLUSTER", fiscal_year=2026)
        deadline = asyncio.get_running_loop().time() + BOUND
        while True:
            with_totals = await reporting.GetProgramTotals(request, timeout=60)
            if with_totals.totals.person_times == len(entries):
                break
            assert asyncio.get_running_loop().time() < deadline, with_totals
            await asyncio.sleep(0.2)
        assert with_totals.totals.paid_fen == sum(e.amount_fen for e in entries)
        verdict = None
        request_verify = reporting_pb2.VerifyLedgerRequest()
        async for reply in reporting.VerifyLedger(request_verify, timeout=BOUND):
            if reply.HasField("verdict"):
                verdict = reply.verdict
        assert verdict is not None and verdict.ok, verdict


def test_the_cluster_serves_from_both_ledgers_and_stops_cleanly(cluster: RunningCluster) -> None:
    children = children_of(cluster.proc.pid)
    names = " ".join(children.values())
    assert sum("nats-server" in c for c in children.values()) == 3
    assert sum("ledger.entrypoints.server" in c for c in children.values()) == 2
    for module in ("ledger.entrypoints.relay", "members.entrypoints", "reporting.entrypoints"):
        assert module in names
    assert any("postgres" in c for c in children.values())

    entries, _position = asyncio.run(use_the_cluster(cluster))
    assert len({e.entry_id for e in entries}) == 20
    # Both instances recorded some of the payouts.
    for name in ("ledger-1", "ledger-2"):
        log = (cluster.root / "logs" / f"{name}.log").read_text(errors="replace")
        assert '"entries.recorded"' in log, name
    try:
        asyncio.run(audit(cluster, entries))
    except grpc.aio.AioRpcError as error:  # the services' errors, to see why
        logs = cluster.root / "logs"
        errors = [
            line
            for name in ("reporting.log", "ledger-1.log", "ledger-2.log", "ledger-relay.log")
            for line in (logs / name).read_text(errors="replace").splitlines()
            if '"level": "error"' in line
        ]
        raise AssertionError(
            f"{error.code()}: {error.details()}\n" + "\n".join(errors[-20:])
        ) from error
    # The CLI spreads its calls the same way when given both addresses.
    ledger_target = ",".join(f"127.0.0.1:{p}" for p in cluster.ports.ledger)
    assert main(["--ledger", ledger_target, "--api-key", cluster.key, "program", "list"]) == 0

    cluster.proc.send_signal(signal.SIGTERM)
    assert cluster.proc.wait(BOUND) == 0
    assert not [pid for pid in children if is_running(pid)]
    assert "stopping nats-1, nats-2, nats-3, postgres" in cluster.output



def test_benefits_nats_url_names_every_node_of_a_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    from benefits_platform.config import load

    monkeypatch.setenv("BENEFITS_NATS_URL", " nats://127.0.0.1:4222, nats://127.0.0.1:4223,")
    assert load("ledger").nats_url == "nats://127.0.0.1:4222,nats://127.0.0.1:4223"
    for bad in ("127.0.0.1:4222", "nats://127.0.0.1:4222,http://x:1", " , "):
        monkeypatch.setenv("BENEFITS_NATS_URL", bad)
        with pytest.raises(ValueError, match="BENEFITS_NATS_URL"):
            load("ledger")
    assert channel_target("127.0.0.1:1") == ("127.0.0.1:1", [])
    assert channel_target("127.0.0.1:1, 127.0.0.1:2") == (
        "ipv4:127.0.0.1:1,127.0.0.1:2",
        [("grpc.lb_policy_name", "round_robin")],
    )

"""The reporting service: projection rebuild rate against a bare JetStream
fetch+ack of the same stream, annual report latency on a large store, and the
service's peak memory.

One run, on this machine:

  0. fills a fresh nats-server's streams as the ledger and members relays would:
     a city's unit tree and ``--members`` MemberEnrolled on BENEFITS_MEMBERS;
     ten ProgramOpened, ``--payouts`` PayoutPosted (each with its eligibility
     basis: unit, household, members position) and one PayoutReversed per 200
     payouts on BENEFITS_LEDGER, hash-chained, ~480 B each like the ledger's;
  a. bare JetStream: a durable pull consumer on BENEFITS_LEDGER fetching
     ``--batch`` messages at a time and acknowledging each batch once (AckAll,
     the reporting consumers' settings), nothing decoded: the ceiling for any
     consumer written with nats-py's ``fetch``; a'. the same with the
     reporting service's own fetch (the same pull requests, one timer per
     request instead of one per message), its own ceiling;
  b. the reporting service (``python -m reporting.entrypoints.server``, its own
     process, an empty data directory or database) building its projections
     from the first event of both streams, timed from its first applied event
     to its last (read from its projection_positions table), events/s over both
     streams; the ratios b/a and b/a'; and the ledger stream's own rate (its
     payouts wait for the whole members log here, so it comes second);
  c. GetAnnualReport latency over gRPC once caught up: ``--calls`` calls each for
     the whole province down one level, the city down one level, every unit
     (depth 4), and ``--as-of-calls`` "as recorded up to T" reports of the
     city, T after every entry and T halfway through the ledger's recorded
     times;
  d. the service's peak resident memory (VmHWM) after all of it;
  e. with ``--verify``: the auditors' VerifyLedger (hash chains, postings, and
     every projection rebuilt into a scratch store and compared; no ledger
     store here), its time and events per second (not in d).

    .venv/bin/python benchmarks/bench_reporting.py                       # 1,000,000 payouts
    .venv/bin/python benchmarks/bench_reporting.py --payouts 200000      # quicker
    .venv/bin/python benchmarks/bench_reporting.py --store postgres      # throw-away PostgreSQL
    .venv/bin/python benchmarks/bench_reporting.py --json

See benchmarks/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "services"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import grpc  # noqa: E402
import nats  # noqa: E402
from google.protobuf.message import Message  # noqa: E402
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy  # noqa: E402

from benefits_platform import bus  # noqa: E402
from benefits_platform.envelopes import ZERO_HASH, EventParts, build_envelope  # noqa: E402
from benefits_platform.protos.benefits.v1 import (  # noqa: E402
    common_pb2,
    events_pb2,
    ledger_pb2,
    member_events_pb2,
    reporting_pb2,
    reporting_pb2_grpc,
)
from reporting.adapters import streams  # noqa: E402
from tests.reporting_support import applied_positions  # noqa: E402
from tests.support import (  # noqa: E402
    NatsServer,
    channel,
    free_port,
    keys_for,
    postgres_server,
)

YEAR = 2026
PROGRAMMES = [
    ("GREEN_TRAVEL", ledger_pb2.PROGRAM_KIND_SUBSIDY, 60, 2_000),
    ("SANITATION_BREAKFAST", ledger_pb2.PROGRAM_KIND_IN_KIND, 15, 11_000),
    ("FREE_CHECKUP", ledger_pb2.PROGRAM_KIND_IN_KIND, 10, 30_000),
    ("MEDICAL_MUTUAL", ledger_pb2.PROGRAM_KIND_MUTUAL_AID, 5, 150_000),
    ("WINTER_WARMTH", ledger_pb2.PROGRAM_KIND_AID, 4, 200_000),
    ("EDUCATION_AID", ledger_pb2.PROGRAM_KIND_AID, 2, 400_000),
    ("MAJOR_ILLNESS", ledger_pb2.PROGRAM_KIND_MUTUAL_AID, 1, 500_000),
    ("EMERGENCY_AID", ledger_pb2.PROGRAM_KIND_AID, 1, 250_000),
    ("WORK_STUDY", ledger_pb2.PROGRAM_KIND_SUBSIDY, 1, 300_000),
    ("LOAN_INTEREST", ledger_pb2.PROGRAM_KIND_SUBSIDY, 1, 2_700_000),
]
DISTRICTS = ["NS", "FT", "LH", "BA", "LG", "LHQ"]
PUBLISH_WINDOW = 5_000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- 0. the streams ----------------------------------------------------------------------------


class Log:
    """One source's log: positions and the hash chain, as its relay builds them."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.head = ZERO_HASH
        self.when = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)

    def envelope(self, event_type: str, payload: Message, effective: str = "") -> bytes:
        self.position += 1
        self.when += dt.timedelta(milliseconds=20)
        built = build_envelope(
            source=self.source,
            position=self.position,
            aggregate_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{self.source}-{self.position}"),
            aggregate_version=1,
            recorded_at=self.when,
            parts=EventParts(event_type, "Bench", effective, "", payload),
            prev_hash=self.head,
        )
        self.head = built.hash
        return built.SerializeToString()


def units() -> list[tuple[str, int, str]]:
    found = [("GD", 1, ""), ("GD-SZ", 2, "GD")]
    for district in DISTRICTS:
        found.append((f"GD-SZ-{district}", 3, "GD-SZ"))
        found += [(f"GD-SZ-{district}-{i:04d}", 4, f"GD-SZ-{district}") for i in range(1, 11)]
    found += [("GD-SZ-0100", 4, "GD-SZ"), ("GD-SZ-0101", 4, "GD-SZ")]
    return found


def members_events(count: int) -> Iterator[tuple[str, bytes]]:
    log_ = Log("members")
    for code, level, parent in units():
        payload = member_events_pb2.UnitRegistered(
            code=code, name_zh=f"{code}工会", name_en=code, level=level, parent_code=parent
        )
        yield "UnitRegistered", log_.envelope("UnitRegistered", payload)
    grassroots = [code for code, level, _parent in units() if level == 4]
    for n in range(count):
        payload = member_events_pb2.MemberEnrolled(
            member_id=f"B{n:07d}",
            unit_code=grassroots[n % len(grassroots)],
            household_id=f"H{n - n % 2:07d}",
            join_date="2020-01-01",
        )
        yield "MemberEnrolled", log_.envelope("MemberEnrolled", payload, "2020-01-01")


def ledger_events(payouts: int, members: int, members_position: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(7)
    log_ = Log("ledger")
    for code, kind, _weight, _amount in PROGRAMMES:
        payload = events_pb2.ProgramOpened(
            code=code,
            fiscal_year=YEAR,
            name_zh=code,
            name_en=code,
            kind=kind,
            budget_fen=10**15,
        )
        yield "ProgramOpened", log_.envelope("ProgramOpened", payload)
    grassroots = [code for code, level, _parent in units() if level == 4]
    codes = [p[0] for p in PROGRAMMES]
    weights = [p[2] for p in PROGRAMMES]
    amounts = {p[0]: p[3] for p in PROGRAMMES}
    for n in range(payouts):
        member = rng.randrange(members)
        code = rng.choices(codes, weights)[0]
        amount = amounts[code]
        month = 1 + n * 12 // payouts
        date = f"{YEAR}-{month:02d}-{1 + n % 28:02d}"
        fund, account = f"programme-fund:{code}:{YEAR}", f"member:B{member:07d}"
        payload = events_pb2.PayoutPosted(
            entry_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"p{n}")),
            request_id=f"bench-{n}",
            member_id=f"B{member:07d}",
            program_code=code,
            fiscal_year=YEAR,
            amount_fen=amount,
            effective_date=date,
            postings=[
                common_pb2.Posting(account=fund, amount_fen=-amount),
                common_pb2.Posting(account=account, amount_fen=amount),
                common_pb2.Posting(account=account, amount_fen=-amount),
                common_pb2.Posting(account="clearing:disbursement", amount_fen=amount),
            ],
            body_digest=bytes(32),
            basis=ledger_pb2.EligibilityBasis(
                membership_status="ACTIVE",
                unit_code=grassroots[member % len(grassroots)],
                household_id=f"H{member - member % 2:07d}",
                hardship_status="NONE",
                members_position=members_position,
            ),
        )
        yield "PayoutPosted", log_.envelope("PayoutPosted", payload, date)
        if n % 200 == 199:
            yield (
                "PayoutReversed",
                log_.envelope(
                    "PayoutReversed",
                    events_pb2.PayoutReversed(
                        entry_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"r{n}")),
                        request_id=f"bench-r{n}",
                        reverses_entry_id=payload.entry_id,
                        member_id=payload.member_id,
                        program_code=code,
                        fiscal_year=YEAR,
                        amount_fen=-amount,
                        effective_date=date,
                        reason=ledger_pb2.REVERSAL_REASON_RETURNED_BY_BANK,
                        postings=[
                            common_pb2.Posting(account=p.account, amount_fen=-p.amount_fen)
                            for p in payload.postings
                        ],
                        body_digest=bytes(32),
                    ),
                    date,
                ),
            )


async def fill(js: Any, source: str, events: Iterator[tuple[str, bytes]]) -> int:
    await bus.ensure_stream(js, source, 1)
    prefix = bus.subject_prefix(source)
    pending: list[Any] = []
    count = 0
    for event_type, data in events:
        pending.append(await js.publish_async(f"{prefix}.{event_type}", data))
        count += 1
        if len(pending) >= PUBLISH_WINDOW:
            await asyncio.gather(*pending)
            pending = []
            if count % 100_000 < PUBLISH_WINDOW:
                log(f"{source}: {count:,} events published")
    await asyncio.gather(*pending)
    return count


# -- a. bare fetch+ack -------------------------------------------------------------------------


async def bare_fetch_ack(js: Any, batch: int, total: int, lean: bool = False) -> float:
    """Messages/s of a durable pull consumer fetching ``batch`` at a time and
    acknowledging each batch once (AckAll); nothing decoded. ``lean``: with the
    reporting service's own fetch (reporting.adapters.streams.fetch: the same
    requests as nats-py's ``fetch``, one timer per request instead of one per
    message), else with nats-py's ``fetch``."""
    stream = bus.stream_name("ledger")
    name = f"bench-bare-{uuid.uuid4().hex[:8]}"
    await js.add_consumer(
        stream,
        ConsumerConfig(
            name=name,
            durable_name=name,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.ALL,
            max_ack_pending=20_000,
            ack_wait=30,
            filter_subject=f"{bus.subject_prefix('ledger')}.>",
        ),
    )
    sub = await js.pull_subscribe_bind(durable=name, stream=stream)
    seen = 0
    started = time.perf_counter()
    while seen < total:
        msgs = await (streams.fetch(sub, batch, 5) if lean else sub.fetch(batch, timeout=5))
        seen += len(msgs)
        await msgs[-1].ack()
    seconds = time.perf_counter() - started
    await sub.unsubscribe()
    await js.delete_consumer(stream, name)
    return seen / seconds


# -- b. the reporting service ------------------------------------------------------------------


class Reporting:
    def __init__(
        self, data_dir: Path, nats_url: str, dsn: str, batch: int, profile: str = ""
    ) -> None:
        self.data_dir = data_dir
        self.dsn = dsn
        self.port = free_port()
        env = {
            **os.environ,
            "BENEFITS_DATA_DIR": str(data_dir),
            "BENEFITS_NATS_URL": nats_url,
            "BENEFITS_REPORTING_PORT": str(self.port),
            "BENEFITS_LOG_LEVEL": "WARNING",
            "BENEFITS_REPORTING_BATCH": str(batch),
            "BENEFITS_LEDGER_STORE": "none",
        }
        if dsn:
            env |= {"BENEFITS_STORE": "postgres", "BENEFITS_POSTGRES_DSN": dsn}
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = (data_dir / "reporting.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reporting.entrypoints.server"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        self.profiler: subprocess.Popen[bytes] | None = None
        if profile:
            # py-spy (not a project dependency: `.venv/bin/pip install py-spy`)
            # samples the service until the rebuild is done; raw stacks to ``profile``.
            py_spy = str(Path(sys.executable).with_name("py-spy"))
            self.profiler = subprocess.Popen(
                [py_spy, "record", "-r", "200", "-f", "raw", "-o", profile, "--pid",
                 str(self.proc.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip

    def stop_profiling(self) -> None:
        if self.profiler is not None:
            self.profiler.send_signal(signal.SIGINT)
            self.profiler.wait(60)
            self.profiler = None

    def positions(self) -> dict[str, int]:
        """Stream sequences applied, straight from projection_positions."""
        return {s: seq for s, (_p, seq) in applied_positions(self.dsn, self.data_dir).items()}

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.stop_profiling()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


async def rebuild_rate(
    service: Reporting, targets: dict[str, int]
) -> tuple[float, float, int, dict[str, float]]:
    """(events/s, seconds, events) from the first applied event to the last,
    and per stream its events/s from its first applied event to its last; for
    the ledger from the moment the members stream was done if that is later
    (its payouts wait for the members log they read: here, all of it)."""
    first: tuple[float, int] | None = None
    firsts: dict[str, tuple[float, int]] = {}
    lasts: dict[str, float] = {}
    total = sum(targets.values())
    last_note = time.monotonic()
    while True:
        found = service.positions()
        done = sum(found.get(s, 0) for s in targets)
        now = time.perf_counter()
        if first is None and done > 0:
            first = (now, done)
        for source, target in targets.items():
            seq = found.get(source, 0)
            if source not in firsts and seq > 0:
                firsts[source] = (now, seq)
            if source not in lasts and seq >= target:
                lasts[source] = now
                if source == "members" and "ledger" in firsts:
                    firsts["ledger"] = (now, found.get("ledger", 0))
        if done >= total:
            break
        if time.monotonic() - last_note > 15:
            log(f"projections: {done:,} / {total:,} events")
            last_note = time.monotonic()
        if service.proc.poll() is not None:
            raise RuntimeError("the reporting service died; see its log")
        await asyncio.sleep(0.05)
    assert first is not None
    seconds = now - first[0]
    events = total - first[1]
    per_stream = {
        source: (targets[source] - firsts[source][1]) / max(lasts[source] - firsts[source][0], 1e-9)
        for source in targets
    }
    return events / seconds, seconds, events, per_stream


# -- c. latency --------------------------------------------------------------------------------


async def latencies(
    stub: Any, request: reporting_pb2.GetAnnualReportRequest, calls: int
) -> dict[str, float]:
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        await stub.GetAnnualReport(request, timeout=600)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "max_ms": round(timings[-1], 2),
        "calls": calls,
    }


async def wait_serving(stub: Any) -> None:
    for _ in range(1200):
        try:
            await stub.GetAnnualReport(
                reporting_pb2.GetAnnualReportRequest(fiscal_year=YEAR), timeout=2
            )
            return
        except grpc.aio.AioRpcError:
            await asyncio.sleep(0.1)
    raise TimeoutError("the reporting service did not answer")


# -- the run -----------------------------------------------------------------------------------


async def run(args: argparse.Namespace, base: Path, dsn: str) -> dict[str, Any]:
    nats_server = NatsServer(base / "nats").start()
    results: dict[str, Any] = {
        "store": args.store,
        "payouts": args.payouts,
        "members": args.members,
        "batch": args.batch,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
    }
    service: Reporting | None = None
    try:
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream(timeout=30)
        started = time.perf_counter()
        members = await fill(js, "members", members_events(args.members))
        ledger = await fill(js, "ledger", ledger_events(args.payouts, args.members, members))
        results["fill_seconds"] = round(time.perf_counter() - started, 1)
        results["events"] = {"ledger": ledger, "members": members}
        log(f"streams filled: ledger {ledger:,}, members {members:,} events")

        bare, lean = [], []
        for _round in range(args.rounds):
            bare.append(await bare_fetch_ack(js, args.batch, ledger))
            log(f"a. bare fetch+ack: {bare[-1]:,.0f} msg/s")
            lean.append(await bare_fetch_ack(js, args.batch, ledger, lean=True))
            log(f"a'. bare fetch+ack, the service's fetch: {lean[-1]:,.0f} msg/s")
        results["bare_fetch_ack_msgs_per_s"] = round(max(bare))
        results["bare_lean_fetch_ack_msgs_per_s"] = round(max(lean))

        service = Reporting(base / "data", nats_server.url, dsn, args.batch, args.profile)
        rate, seconds, events, per_stream = await rebuild_rate(
            service, {"ledger": ledger, "members": members}
        )
        service.stop_profiling()
        results["rebuild_events_per_s"] = round(rate)
        results["rebuild_ledger_events_per_s"] = round(per_stream["ledger"])
        results["rebuild_members_events_per_s"] = round(per_stream["members"])
        results["ratio_ledger_rebuild_to_bare"] = round(
            per_stream["ledger"] / results["bare_fetch_ack_msgs_per_s"], 3
        )
        results["ratio_rebuild_to_lean_bare"] = round(
            rate / results["bare_lean_fetch_ack_msgs_per_s"], 3
        )
        results["ratio_ledger_rebuild_to_lean_bare"] = round(
            per_stream["ledger"] / results["bare_lean_fetch_ack_msgs_per_s"], 3
        )
        results["rebuild_seconds"] = round(seconds, 1)
        results["rebuild_events_timed"] = events
        results["ratio_rebuild_to_bare"] = round(rate / results["bare_fetch_ack_msgs_per_s"], 3)
        log(f"b. rebuild: {rate:,.0f} events/s over {seconds:.1f} s")
        results["peak_rss_after_rebuild_mb"] = round(service.peak_rss_mb(), 1)

        key = keys_for(base / "data" / "keys" / "api-keys.json").auditor
        async with channel(f"127.0.0.1:{service.port}", key) as opened:
            stub = reporting_pb2_grpc.ReportingServiceStub(opened)
            await wait_serving(stub)
            cases = {
                "province_depth1": reporting_pb2.GetAnnualReportRequest(
                    fiscal_year=YEAR, unit_code="GD", unit_depth=1
                ),
                "city_depth1": reporting_pb2.GetAnnualReportRequest(
                    fiscal_year=YEAR, unit_code="GD-SZ", unit_depth=1
                ),
                "all_units_depth4": reporting_pb2.GetAnnualReportRequest(
                    fiscal_year=YEAR, unit_depth=4
                ),
            }
            results["latency"] = {}
            for name, request in cases.items():
                results["latency"][name] = await latencies(stub, request, args.calls)
                log(f"c. {name}: {results['latency'][name]}")
            results["peak_rss_before_as_of_mb"] = round(service.peak_rss_mb(), 1)
            # As recorded up to T: after every entry (the as-of buckets summed
            # whole), and halfway through the ledger's recorded times (a bucket
            # recounted in part).
            halfway = Log("ledger").when + dt.timedelta(milliseconds=20 * ledger // 2)
            for name, when in (
                ("as_of_after_all_city_depth1", dt.datetime(YEAR, 7, 1, tzinfo=dt.UTC)),
                ("as_of_halfway_city_depth1", halfway),
            ):
                as_of = reporting_pb2.GetAnnualReportRequest(
                    fiscal_year=YEAR, unit_code="GD-SZ", unit_depth=1
                )
                as_of.as_of.FromDatetime(when)
                results["latency"][name] = await latencies(stub, as_of, args.as_of_calls)
                log(f"c. {name}: {results['latency'][name]}")
        results["peak_rss_mb"] = round(service.peak_rss_mb(), 1)
        log(f"d. peak memory: {results['peak_rss_mb']} MB")
        if args.verify:
            results["verify"] = await verify(service, base, ledger + members)
            log(f"e. verify: {results['verify']}")
        await nc.close()
    finally:
        if service is not None:
            service.stop()
        nats_server.stop()
    return results


async def verify(service: Reporting, base: Path, events: int) -> dict[str, Any]:
    """VerifyLedger over both streams (no ledger store to compare with)."""
    key = keys_for(base / "data" / "keys" / "api-keys.json").auditor
    async with channel(f"127.0.0.1:{service.port}", key) as opened:
        stub = reporting_pb2_grpc.ReportingServiceStub(opened)
        started = time.perf_counter()
        verdict = None
        async for reply in stub.VerifyLedger(
            reporting_pb2.VerifyLedgerRequest(ledger_store="none"), timeout=3600
        ):
            if reply.HasField("verdict"):
                verdict = reply.verdict
        seconds = time.perf_counter() - started
    if verdict is None or not verdict.ok:
        raise RuntimeError(f"VerifyLedger did not pass: {verdict}")
    return {"seconds": round(seconds, 1), "events_per_s": round(events / seconds)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payouts", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2000, help="messages per fetch/transaction")
    parser.add_argument("--rounds", type=int, default=2, help="bare fetch+ack rounds (best kept)")
    parser.add_argument("--calls", type=int, default=200, help="report calls per case")
    parser.add_argument("--as-of-calls", type=int, default=20)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--verify", action="store_true", help="also time VerifyLedger (e)")
    parser.add_argument(
        "--profile",
        default="",
        metavar="FILE",
        help="run the service under py-spy record, raw stacks to FILE (slows it down)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reporting-") as tmp:
        base = Path(tmp)
        if args.store == "postgres":
            with postgres_server() as pg:
                results = asyncio.run(run(args, base, pg.create_database("reporting")))
        else:
            results = asyncio.run(run(args, base, ""))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"store: {results['store']}   payouts: {results['payouts']:,}   members: "
        f"{results['members']:,}   batch: {results['batch']}   cpus: {results['cpus']}   "
        f"load before: {results['load_before']:.1f}"
    )
    bare, rebuild = results["bare_fetch_ack_msgs_per_s"], results["rebuild_events_per_s"]
    print(f"a. bare JetStream fetch+ack     {bare:>10,} msg/s   (nats-py fetch)")
    print(
        f"a'. the same, service's fetch   {results['bare_lean_fetch_ack_msgs_per_s']:>10,} msg/s"
        "   (reporting.adapters.streams.fetch)"
    )
    print(
        f"b. projection rebuild           {rebuild:>10,} events/s   "
        f"({results['rebuild_events_timed']:,} events in {results['rebuild_seconds']} s)"
    )
    print(f"   ratio b/a = {results['ratio_rebuild_to_bare']:.2f}   (target >= 0.50)")
    print(f"   ratio b/a' = {results['ratio_rebuild_to_lean_bare']:.2f}")
    print(
        f"   the ledger stream alone {results['rebuild_ledger_events_per_s']:>10,} events/s: "
        f"{results['ratio_ledger_rebuild_to_bare']:.2f} of a, "
        f"{results['ratio_ledger_rebuild_to_lean_bare']:.2f} of a'; the members stream "
        f"{results['rebuild_members_events_per_s']:,} events/s"
    )
    for name, figures in results["latency"].items():
        print(
            f"c. GetAnnualReport {name:<28} p50 {figures['p50_ms']:>9} ms   "
            f"p95 {figures['p95_ms']:>9} ms   max {figures['max_ms']:>9} ms"
        )
    print(
        f"d. reporting service peak RSS   {results['peak_rss_mb']:>10} MB   (target < 500 MB; "
        f"{results['peak_rss_after_rebuild_mb']} MB after the rebuild, "
        f"{results['peak_rss_before_as_of_mb']} MB before the as-of reports)"
    )
    if "verify" in results:
        v = results["verify"]
        print(
            f"e. VerifyLedger                 {v['events_per_s']:>10,} events/s   "
            f"({v['seconds']} s: chains, postings, projections rebuilt and compared)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ledger's outbox relay alone: CPU per event and rate, against a bare publisher.

  1. fills a ledger store with ``--count`` payouts through LedgerApplication (in
     this process, in batches of ``--batch-size``, as PostPayouts would), members
     enrolled in the ledger's view so that every payout records its basis;
  2. per round: a fresh BENEFITS_LEDGER stream, then the relay process
     (``python -m ledger.entrypoints.relay``, as the stack runs it) drains the
     store into it; timed, with the relay process's CPU, from the first sample
     that sees the stream move until the stream holds every event;
  3. per round, in the same run: a bare ``js.publish_async`` of the same messages
     (the same envelope bytes and headers, to a fresh stream), at most
     ``--window`` unacknowledged, timed until every ack is in, with this
     process's CPU.

It prints the relay's rate, its CPU in microseconds per event, and the ratio of
its rate to the bare publisher's (each figure the best of ``--rounds``).

    .venv/bin/python benchmarks/bench_relay.py
    .venv/bin/python benchmarks/bench_relay.py --count 100000 --rounds 3
    .venv/bin/python benchmarks/bench_relay.py --store postgres
    .venv/bin/python benchmarks/bench_relay.py --profile /tmp/prof-relay.txt   # py-spy raw

``--profile`` runs the relay under ``py-spy record`` (GIL samples, raw format, for
benchmarks/profile_summary.py); its CPU figure then includes py-spy's overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "services", ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import nats  # noqa: E402
from bench_posting import (  # noqa: E402
    _TICK,
    Child,
    code_version,
    loadavg,
    log,
    store_env,
)
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig  # noqa: E402

from benefits_platform import bus, logs  # noqa: E402
from benefits_platform.config import load as load_config  # noqa: E402
from benefits_platform.eventstore import eventsourcing_env  # noqa: E402
from ledger.application import LedgerApplication, PostPayoutBatch  # noqa: E402
from ledger.domain.commands import OpenProgram, PostPayout  # noqa: E402
from tests.support import NatsServer  # noqa: E402

LEDGER_STREAM = bus.stream_name("ledger")
BARE_STREAM = "BENCH_RELAY_BARE"
PROGRAM_CODE = "BENCH_SUBSIDY"
FISCAL_YEAR = 2026
MEMBERS = 10_000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


@dataclass
class Trial:
    events: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu_seconds / self.events * 1e6


def fill(count: int, batch_size: int) -> int:
    """``count`` payouts in the ledger's store (BENEFITS_* from the environment);
    the store's last position."""
    config = load_config("ledger")
    app = LedgerApplication(eventsourcing_env(config.store))
    try:
        for i in range(MEMBERS):
            app.members.enrolled(f"M{i:07d}", "GD-SZ-NS-0001", ("STAFF",), f"H-{i}", "2020-01-01")
            app.members.position += 1
        [opened] = app.execute(
            [
                OpenProgram(
                    code=PROGRAM_CODE,
                    fiscal_year=FISCAL_YEAR,
                    name_zh="基准补贴",
                    name_en="Benchmark subsidy",
                    kind="SUBSIDY",
                    budget_fen=10**15,
                    per_member_annual_cap_fen=0,
                    standard_amount_fen=0,
                    request_id="bench-open",
                )
            ]
        )
        if isinstance(opened, Exception):
            raise opened
        for start in range(0, count, batch_size):
            rows = tuple(
                PostPayout(
                    request_id=f"bench-{i}",
                    member_id=f"M{i % MEMBERS:07d}",
                    program_code=PROGRAM_CODE,
                    fiscal_year=FISCAL_YEAR,
                    amount_fen=2_000,
                    effective_date="2026-03-01",
                    external_ref=f"card-{i:09d}",
                    actor="bench-poster",
                )
                for i in range(start, min(count, start + batch_size))
            )
            [result] = app.execute([PostPayoutBatch(rows)])
            if isinstance(result, Exception):
                raise result
        return int(app.recorder.max_notification_id() or 0)
    finally:
        app.close()


async def messages_of(js: Any, total: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """Every message the relay stored in its stream (subject, envelope, headers), in
    order, with the subject moved to the bare stream's."""
    sub = await js.pull_subscribe(">", stream=LEDGER_STREAM)
    out: list[tuple[str, bytes, dict[str, str]]] = []
    try:
        while len(out) < total:
            for msg in await sub.fetch(min(1000, total - len(out)), timeout=10):
                headers = {
                    k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-Num")
                }
                out.append(("bench.relay.bare." + msg.subject.rsplit(".", 1)[1], msg.data, headers))
                await msg.ack()
    finally:
        await sub.unsubscribe()
    return out


async def fresh_stream(js: Any, name: str, subjects: list[str]) -> None:
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_stream(name)
    await js.add_stream(
        StreamConfig(
            name=name,
            subjects=subjects,
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=1,
            duplicate_window=120.0,
            allow_direct=True,
        )
    )


async def last_seq(js: Any, stream: str) -> int:
    return int((await js.stream_info(stream)).state.last_seq or 0)


async def measure_relay(
    js: Any, env: dict[str, str], tmp: Path, total: int, round_: int, profile: Path | None
) -> Trial:
    await fresh_stream(js, LEDGER_STREAM, [f"{bus.subject_prefix('ledger')}.>"])
    child = Child(
        "ledger relay",
        [sys.executable, "-m", "ledger.entrypoints.relay"],
        env,
        tmp / f"relay-{round_}.log",
        profile,
        "gil",
    )
    try:
        pid = child.python_pid()
        seq, cpu, now = 0, 0.0, 0.0
        deadline = time.perf_counter() + 600
        while seq == 0:  # the first sample that sees the stream move starts the clock
            child.check_alive()
            cpu, now = cpu_seconds(pid), time.perf_counter()
            seq = await last_seq(js, LEDGER_STREAM)
            if now > deadline:
                raise TimeoutError("the relay published nothing")
            await asyncio.sleep(0.002)
        start_seq, start_cpu, start = seq, cpu, now
        while seq < total:
            child.check_alive()
            await asyncio.sleep(0.005)
            seq = await last_seq(js, LEDGER_STREAM)
            if time.perf_counter() > deadline:
                raise TimeoutError(f"stream at {seq}, waiting for {total}")
        end, end_cpu = time.perf_counter(), cpu_seconds(pid)
        if seq != total:
            raise RuntimeError(f"stream holds {seq} messages, the store {total} events")
        return Trial(total - start_seq, end - start, end_cpu - start_cpu)
    finally:
        child.stop()


async def measure_bare(js: Any, messages: Sequence[tuple[str, bytes, dict[str, str]]]) -> Trial:
    await fresh_stream(js, BARE_STREAM, ["bench.relay.bare.>"])
    try:
        cpu0, start = time.process_time(), time.perf_counter()
        futures = [
            await js.publish_async(subject, payload, headers=headers)
            for subject, payload, headers in messages
        ]
        acks = await asyncio.gather(*futures)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
        if any(a.duplicate for a in acks) or await last_seq(js, BARE_STREAM) != len(messages):
            raise RuntimeError("bare: the stream does not hold every message once")
    finally:
        await js.delete_stream(BARE_STREAM)
    return Trial(len(messages), elapsed, cpu)


async def run(args: argparse.Namespace, tmp: Path, env: dict[str, str]) -> dict[str, Any]:
    os.environ.update(env)
    log(f"filling the ledger's store with {args.count:,} payouts")
    t0 = time.perf_counter()
    total = await asyncio.to_thread(fill, args.count, args.batch_size)
    log(f"  {total:,} events in {time.perf_counter() - t0:.1f} s")
    nats_server = NatsServer(tmp / "nats").start()
    env = {**env, "BENEFITS_NATS_URL": nats_server.url}
    try:
        nc = await nats.connect(nats_server.url, name="bench-relay")
        js = nc.jetstream(publish_async_max_pending=args.window)
        relays: list[Trial] = []
        bares: list[Trial] = []
        messages: list[tuple[str, bytes, dict[str, str]]] = []
        try:
            for r in range(1, args.rounds + 1):
                log(f"round {r} of {args.rounds}")
                profile = args.profile if args.profile is not None and r == 1 else None
                relays.append(await measure_relay(js, env, tmp, total, r, profile))
                t = relays[-1]
                if not messages:
                    messages = await messages_of(js, total)
                log(f"  relay: {t.rate:,.0f} events/s, {t.cpu_us:.1f} µs CPU per event")
                bares.append(await measure_bare(js, messages))
                b = bares[-1]
                log(f"  bare publish_async: {b.rate:,.0f} msg/s, {b.cpu_us:.1f} µs CPU per msg")
        finally:
            await nc.close()
    finally:
        nats_server.stop()
    relay = max(relays, key=lambda t: t.rate)
    bare = max(bares, key=lambda t: t.rate)
    return {
        "events": total,
        "envelope_bytes": round(sum(len(p) for _, p, _ in messages) / len(messages)),
        "relay_rate": round(relay.rate),
        "relay_cpu_us_per_event": round(min(t.cpu_us for t in relays), 1),
        "relay_cores": round(relay.cpu_seconds / relay.seconds, 2),
        "bare_rate": round(bare.rate),
        "bare_cpu_us_per_msg": round(min(t.cpu_us for t in bares), 1),
        "ratio": round(relay.rate / bare.rate, 2),
        "trials": {
            "relay": [vars(t) for t in relays],
            "bare": [vars(t) for t in bares],
        },
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40_000, help="payouts in the store")
    parser.add_argument("--batch-size", type=int, default=1000, help="payouts per PostPayouts")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--window", type=int, default=1000, help="bare: unacknowledged at most")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of round 1's relay")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logs.configure("WARNING")  # this process's ledger, while it fills the store
    load = loadavg()
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp_name:
        tmp = Path(tmp_name)
        with store_env(args.store) as (store, _pg_pid):
            env = dict(os.environ)
            env.update(store)
            env.update(
                {
                    "BENEFITS_DATA_DIR": str(tmp / "ledger-data"),
                    "BENEFITS_LOG_LEVEL": "INFO",
                    "PYTHONPATH": os.pathsep.join(
                        [str(ROOT / "services"), env.get("PYTHONPATH", "")]
                    ),
                }
            )
            result = asyncio.run(run(args, tmp, env))
    result.update(store=args.store, code=code_version(), load_before=load)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"store: {args.store}   code: {result['code']}   events: {result['events']:,}"
        f"   envelope: {result['envelope_bytes']} B   load before: {load}"
    )
    print(
        f"relay process         {result['relay_rate']:>8,} events/s   "
        f"{result['relay_cpu_us_per_event']:>5} µs CPU/event   {result['relay_cores']} cores"
    )
    print(
        f"bare publish_async    {result['bare_rate']:>8,} msg/s      "
        f"{result['bare_cpu_us_per_msg']:>5} µs CPU/msg (the publisher)"
    )
    print(f"ratio relay/bare = {result['ratio']}   (each figure the best of {args.rounds} rounds)")


if __name__ == "__main__":
    main()

"""Nothing lost, nothing paid twice, whatever fails: fault tests on a real
cluster (tests/faults/harness.py): three NATS nodes with streams at 3 replicas,
PostgreSQL, two ledger instances on one store, the relay and reporting, each a
process of its own.

Each test runs a load of payouts from clients that retry with the same request
ids, injects its fault part-way (BENEFITS_FAULT_PROFILE=long: a larger load and
the fault three times), lets the load finish, and checks that every
acknowledged payout is exactly once in the store, the stream and the reporting
projections, that postings sum to zero and that VerifyLedger passes. The
cluster is shared by the tests of this module; each test posts to a programme of
its own and leaves every process running.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.faults.harness import FaultCluster, Profile

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.asyncio(loop_scope="module")]

FIGURES: list[dict[str, object]] = []


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[FaultCluster]:
    profile = Profile.from_env()
    # Not under pytest's own temporary directory (mode 0700): PostgreSQL may run
    # as another user and must reach its directory.
    base = Path(tempfile.mkdtemp(prefix="benefits-faults-"))
    base.chmod(0o755)  # noqa: ASYNC240 (before anything runs)
    failed_before = request.session.testsfailed
    running = FaultCluster(base, profile)
    started = time.monotonic()
    try:
        await running.start()
        yield running
    finally:
        await running.stop()
        if request.session.testsfailed == failed_before:
            await asyncio.to_thread(shutil.rmtree, base, True)
        else:
            print(f"\nfault tests: logs kept in {running.log_dir}")
        if FIGURES:
            summary = {
                "profile": profile.name,
                "tests": len(FIGURES),
                "payouts": sum(int(f["payouts"]) for f in FIGURES),  # type: ignore[call-overload]
                "faults": sum(int(f["faults"]) for f in FIGURES),  # type: ignore[call-overload]
                "seconds": round(time.monotonic() - started, 1),
            }
            print("\nfault tests:", json.dumps(summary))
            for figures in FIGURES:
                print("  ", json.dumps(figures))


async def under_faults(
    cluster: FaultCluster,
    name: str,
    inject: Callable[[int], Awaitable[object]],
    *,
    deadline: float = 5.0,
) -> None:
    """Run a load on programme FAULT_<name>, call ``inject(n)`` for the n-th
    fault when its share of the load is acknowledged, let the load finish, check
    everything and record the figures (with what each ``inject`` returned)."""
    started = time.monotonic()
    load = cluster.load(f"FAULT_{name.upper().replace(' ', '_')}", deadline=deadline)
    await load.open()
    load.start()
    notes = []
    for n, fraction in enumerate(cluster.profile.at()):
        await load.reached(fraction)
        notes.append(await inject(n))
    await load.finish()
    figures = await load.check()
    FIGURES.append({
        "test": name,
        "faults": len(notes),
        **figures,
        "seconds": round(time.monotonic() - started, 1),
        **({"notes": notes} if any(note is not None for note in notes) else {}),
    })  # fmt: skip


async def test_kill_9_a_ledger_instance_mid_load_then_restart_it(cluster: FaultCluster) -> None:
    async def inject(n: int) -> str:
        index = n % len(cluster.ledgers)
        cluster.ledgers[index].kill9()
        await asyncio.sleep(0.3)  # the other instance carries the load meanwhile
        cluster.ledgers[index].start()
        await cluster.wait_ledger(index)
        return cluster.ledgers[index].name

    await under_faults(cluster, "ledger kill", inject)


async def test_kill_9_the_relay_between_commit_and_publish(cluster: FaultCluster) -> None:
    async def inject(_n: int) -> dict[str, int]:
        cluster.relay.pause()  # commits go on; nothing more is published
        published, _leader = await cluster.stream_state()
        while (committed := await asyncio.to_thread(cluster.store_position)) <= published:  # noqa: ASYNC110 (another process's store)
            await asyncio.sleep(0.01)
        cluster.relay.kill9()  # with committed events not yet in the stream
        cluster.relay.start()
        return {"unpublished_when_killed": committed - published}

    await under_faults(cluster, "relay kill", inject)


async def test_kill_9_one_nats_node_mid_load_then_bring_it_back(cluster: FaultCluster) -> None:
    async def inject(_n: int) -> str:
        _position, leader = await cluster.stream_state()
        # The node leading the ledger stream (the hardest one to lose).
        node = int(leader.rsplit("-", 1)[1]) - 1 if leader else 0
        cluster.nats[node].kill9()
        await asyncio.sleep(1.0)  # the load goes on against the two others
        cluster.nats[node].start()
        await cluster.wait_nats_current()  # caught up: the next loss is again one node
        return f"{cluster.nats[node].name} (stream leader)"

    await under_faults(cluster, "nats kill", inject)


async def test_restart_postgresql_mid_load(cluster: FaultCluster) -> None:
    async def inject(_n: int) -> None:
        # Immediate shutdown: no checkpoint, recovery from the WAL at the start.
        await asyncio.to_thread(cluster.pg.crash)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(cluster.start_postgres)

    await under_faults(cluster, "postgres restart", inject)


async def test_kill_9_the_reporting_service_mid_batch(cluster: FaultCluster) -> None:
    async def inject(_n: int) -> None:
        cluster.reporting.kill9()  # it applies batches of 25 as the payouts come
        await asyncio.sleep(0.3)
        cluster.reporting.start()

    await under_faults(cluster, "reporting kill", inject)


async def test_sigstop_a_ledger_instance_past_the_client_deadline(cluster: FaultCluster) -> None:
    deadline = 2.0

    async def inject(n: int) -> dict[str, int]:
        victim = cluster.ledgers[(n + 1) % len(cluster.ledgers)]
        victim.pause()
        await asyncio.sleep(0.5)
        holding = await asyncio.to_thread(cluster.paused_lock_holders)
        # Past the client deadline, and past the time PostgreSQL gives a paused
        # holder of the write lock (LedgerApplication.write_hold_seconds).
        await asyncio.sleep(deadline + 4.0)
        victim.resume()
        return {"paused_while_holding_the_write_lock": holding}

    await under_faults(cluster, "ledger pause", inject, deadline=deadline)

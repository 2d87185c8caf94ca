"""Exactly once, whatever happens to the reporting service.

- kill -9 of the reporting process in the middle of the ledger stream, twice,
  then a restart: the projections equal a rebuild from the first event (the
  audit compares every table) and the figures are the ones posted;
- redelivery straight into the projection store: a batch applied again, an
  overlapping batch, a batch whose transaction fails half way, and a member
  event a ledger event must wait for.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from google.protobuf.message import Message

from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.envelopes import ZERO_HASH, EventParts, build_envelope
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    events_pb2,
    ledger_pb2,
    member_events_pb2,
    reporting_pb2,
    reporting_pb2_grpc,
)
from benefits_platform.sqlstore import Database
from reporting.adapters.tables import ENTRIES, NODES, ProjectionStore
from tests.conftest import RunningLedger
from tests.ledger_client import open_request, payout
from tests.members_feed import enrolled
from tests.reporting_support import (
    WAIT,
    YEAR,
    applied_positions,
    publish_members,
    unit_events,
)
from tests.support import channel, free_port, keys_for

MEMBERS = 200
PAYOUTS = 3000


def start_reporting_process(config: ServiceConfig, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BENEFITS_DATA_DIR": str(config.data_dir),
        "BENEFITS_NATS_URL": config.nats_url,
        "BENEFITS_REPORTING_PORT": str(port),
        "BENEFITS_LOG_LEVEL": "WARNING",
        # Small batches: many transactions to be killed between.
        "BENEFITS_REPORTING_BATCH": "25",
    }
    if config.store.is_postgres:
        env |= {"BENEFITS_STORE": "postgres", "BENEFITS_POSTGRES_DSN": config.store.postgres_dsn}
    return subprocess.Popen(
        [sys.executable, "-m", "reporting.entrypoints.server"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_position(config: ServiceConfig, at_least: int, seconds: float = WAIT * 2) -> int:
    deadline = asyncio.get_running_loop().time() + seconds
    dsn = config.store.postgres_dsn if config.store.is_postgres else ""
    while (position := applied_positions(dsn, config.data_dir).get("ledger", (0, 0))[0]) < at_least:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"projection at {position}, waiting for {at_least}")
        await asyncio.sleep(0.002)
    return position


async def post_year(ledger: RunningLedger) -> tuple[int, int, int]:
    """PAYOUTS payouts over MEMBERS members, every 10th reversed; (paid, 人次, 人)."""
    await publish_members(
        ledger,
        [*unit_events(), *(enrolled(f"K{i}", unit="GD-SZ-NS-0001") for i in range(MEMBERS))],
    )
    await ledger.stub.OpenProgram(open_request(budget=10**12), timeout=WAIT)
    entries = []
    for start in range(0, PAYOUTS, 500):
        rows = [
            payout(
                f"p{i}",
                member=f"K{i % MEMBERS}",
                amount=1_000 + i,
                date=f"2026-{1 + i % 12:02d}-15",
            )
            for i in range(start, start + 500)
        ]
        reply = await ledger.stub.PostPayouts(ledger_pb2.PostPayoutsRequest(payouts=rows))
        entries.extend(reply.entries)
    reversed_ = entries[::10]
    for entry in reversed_:
        await ledger.stub.ReversePayout(
            ledger_pb2.ReversePayoutRequest(
                request_id=f"x-{entry.entry_id}",
                entry_id=entry.entry_id,
                reason=ledger_pb2.REVERSAL_REASON_RETURNED_BY_BANK,
            )
        )
    paid = sum(e.amount_fen for e in entries) - sum(e.amount_fen for e in reversed_)
    kept = {e.member_id for e in entries} - {e.member_id for e in reversed_}
    # Every payout of a member whose number ends in 0 was reversed.
    assert len(kept) == MEMBERS - MEMBERS // 10
    return paid, len(entries) - len(reversed_), len(kept)


async def test_kill_9_mid_stream_then_restart_equals_a_rebuild(
    ledger: RunningLedger, tmp_path: Path
) -> None:
    paid, person_times, members = await post_year(ledger)
    assert ledger.server.app is not None and ledger.server.relay is not None
    last = ledger.server.app.recorder.max_notification_id() or 0
    await ledger.server.relay.wait_caught_up(last)
    store = ledger.config.store
    if not store.is_postgres:
        store = StoreConfig(kind="sqlite", sqlite_path=tmp_path / "reporting" / "events.sqlite")
    config = ServiceConfig(
        service="reporting", data_dir=tmp_path, nats_url=ledger.config.nats_url, store=store
    )
    port = free_port()
    opened = channel(f"127.0.0.1:{port}", keys_for(config.keys_file).auditor)
    stub = reporting_pb2_grpc.ReportingServiceStub(opened)
    try:
        reached = []
        for fraction in (3, 2):  # killed a third of the way, then half of the way
            proc = start_reporting_process(config, port)
            try:
                reached.append(await wait_position(config, last // fraction))
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
        assert all(position < last for position in reached), (reached, last)
        proc = start_reporting_process(config, port)
        try:
            await wait_position(config, last)
            report = await stub.GetAnnualReport(
                reporting_pb2.GetAnnualReportRequest(fiscal_year=YEAR), timeout=WAIT
            )
            assert (report.totals.paid_fen, report.totals.person_times) == (paid, person_times)
            assert report.totals.members == members
            verdict = None
            async for reply in stub.VerifyLedger(
                reporting_pb2.VerifyLedgerRequest(), timeout=WAIT * 4
            ):
                if reply.HasField("verdict"):
                    verdict = reply.verdict
            assert verdict is not None
            assert verdict.ok, verdict  # every projection table equals a rebuild
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    finally:
        await opened.close()


# -- redelivery straight into the store --------------------------------------------------


def envelope(source: str, position: int, event_type: str, payload: Message) -> bytes:
    built = build_envelope(
        source=source,
        position=position,
        aggregate_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{source}-{position}"),
        aggregate_version=1,
        recorded_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=position),
        parts=EventParts(event_type, "Test", "", "", payload),
        prev_hash=ZERO_HASH,
    )
    return built.SerializeToString()


def posted(position: int, member: str, amount: int, members_position: int = 2) -> bytes:
    return envelope(
        "ledger",
        position,
        "PayoutPosted",
        events_pb2.PayoutPosted(
            entry_id=f"e{position}",
            request_id=f"r{position}",
            member_id=member,
            program_code="AID",
            fiscal_year=YEAR,
            amount_fen=amount,
            effective_date="2026-03-01",
            postings=[common_pb2.Posting(account="member:x", amount_fen=amount)],
            basis=ledger_pb2.EligibilityBasis(
                unit_code="GD", household_id=f"H{member}", members_position=members_position
            ),
        ),
    )


def opened(position: int) -> bytes:
    return envelope(
        "ledger",
        position,
        "ProgramOpened",
        events_pb2.ProgramOpened(
            code="AID", fiscal_year=YEAR, name_zh="救助", name_en="Aid", budget_fen=10**9
        ),
    )


@pytest.fixture
def projection_store(store: StoreConfig, tmp_path: Path) -> ProjectionStore:
    return ProjectionStore(Database(store, tmp_path / "projections.sqlite"))


def snapshot(store: ProjectionStore) -> tuple[object, ...]:
    return (
        store.positions(),
        list(store.rows(ENTRIES)),
        list(store.rows(NODES)),
    )


def members_batch() -> list[tuple[bytes, int]]:
    unit = member_events_pb2.UnitRegistered(code="GD", name_zh="广东", name_en="GD", level=1)
    member = member_events_pb2.MemberEnrolled(member_id="A", unit_code="GD", household_id="HA")
    return [
        (envelope("members", 1, "UnitRegistered", unit), 1),
        (envelope("members", 2, "MemberEnrolled", member), 2),
    ]


def test_a_batch_delivered_again_changes_nothing(projection_store: ProjectionStore) -> None:
    store = projection_store
    store.apply("members", members_batch())
    batch = [(opened(1), 1), (posted(2, "A", 100), 2), (posted(3, "B", 200), 3)]
    first = store.apply("ledger", batch)
    assert (first.applied, first.consumed, first.position, first.stream_seq) == (3, 3, 3, 3)
    before = snapshot(store)
    again = store.apply("ledger", batch)
    assert (again.applied, again.skipped, again.consumed) == (0, 3, 3)
    assert snapshot(store) == before
    # Overlapping: two already applied, one new.
    overlap = store.apply("ledger", [*batch[1:], (posted(4, "A", 50), 4)])
    assert (overlap.applied, overlap.skipped) == (1, 2)
    nodes = {(r[0], r[1], r[2]): r[3:] for r in store.rows(NODES)}
    # paid, payouts, gross, reversals, reversed, members, households
    assert nodes[(YEAR, "", "AID")] == (350, 3, 350, 0, 0, 2, 2)
    store.close()


def test_a_failed_transaction_leaves_nothing_behind(
    projection_store: ProjectionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = projection_store
    store.apply("members", members_batch())
    store.apply("ledger", [(opened(1), 1)])
    before = snapshot(store)
    real = ProjectionStore._apply_ledger

    def half_then_fail(self: ProjectionStore, cur: object, items: object) -> None:
        real(self, cur, items)  # type: ignore[arg-type]
        raise RuntimeError("the database went away after writing")

    monkeypatch.setattr(ProjectionStore, "_apply_ledger", half_then_fail)
    batch = [(posted(2, "A", 100), 2), (posted(3, "B", 200), 3)]
    with pytest.raises(RuntimeError):
        store.apply("ledger", batch)
    assert snapshot(store) == before
    monkeypatch.setattr(ProjectionStore, "_apply_ledger", real)
    assert store.apply("ledger", batch).applied == 2
    assert store.positions()["ledger"] == (3, 3)
    store.close()


def test_a_ledger_event_waits_for_the_members_position_it_needs(
    projection_store: ProjectionStore,
) -> None:
    store = projection_store
    store.apply("ledger", [(opened(1), 1)])
    batch = [(posted(2, "A", 100, members_position=0), 2), (posted(3, "A", 100), 3)]
    waiting = store.apply("ledger", batch)
    # The first has no basis to wait for; the second needs members position 2.
    assert (waiting.consumed, waiting.waits_for_members) == (1, 2)
    store.apply("members", members_batch())
    rest = store.apply("ledger", batch[1:])
    assert rest.applied == 1
    paths = {row[0]: row[12] for row in store.rows(ENTRIES)}
    assert paths == {2: "~", 3: "GD"}  # no basis: counted as no unit recorded
    store.close()


def test_a_gap_in_the_stream_is_not_stepped_over_unless_known(
    projection_store: ProjectionStore,
) -> None:
    store = projection_store
    store.apply("members", members_batch())
    store.apply("ledger", [(opened(1), 1)])
    gap = store.apply("ledger", [(posted(3, "A", 100), 3)])
    assert (gap.consumed, gap.gap_at) == (0, 2)
    stepped = store.apply("ledger", [(posted(3, "A", 100), 3)], contiguous=False)
    assert stepped.applied == 1 and store.positions()["ledger"] == (3, 3)
    store.close()


def test_a_first_delivery_out_of_order_waits_for_the_first_sequence(
    projection_store: ProjectionStore,
) -> None:
    """Before anything is applied, sequence 2 delivered before 1 is a gap, not a
    start: applying it would make sequence 1 look applied and lose it."""
    store = projection_store
    store.apply("members", members_batch())
    early = store.apply("ledger", [(posted(2, "A", 100), 2)])
    assert (early.consumed, early.applied, early.gap_at) == (0, 0, 1)
    assert store.positions().get("ledger", (0, 0)) == (0, 0)
    in_order = store.apply("ledger", [(opened(1), 1), (posted(2, "A", 100), 2)])
    assert in_order.applied == 2 and store.positions()["ledger"] == (2, 2)
    store.close()

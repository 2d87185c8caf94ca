"""VerifyLedger and RebuildProjections against a real ledger, nats-server and
gRPC: a clean ledger passes every check (on SQLite and PostgreSQL, the store
compared with the stream); a rebuild from the first event equals the live
projections; and tampering is named, with its position:

- in a copy of the ledger's SQLite store (the store is the source of truth,
  the stream the hash-chained witness): one event edited, one deleted, two
  swapped;
- in the stream itself: a message deleted from BENEFITS_LEDGER breaks the
  chain, and the store shows which event it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import nats
import pytest

from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.protos.benefits.v1 import events_pb2, reporting_pb2
from reporting.application import Rebuild, Verification
from tests.conftest import RunningLedger, start_ledger, stop_ledger
from tests.reporting_support import (
    WAIT,
    WARMTH,
    RunningReporting,
    fixed_scenario,
    post,
    reporting,
    reporting_config,
    start_reporting,
    stop_reporting,
)
from tests.support import NatsServer, key_id

__all__ = ["reporting"]  # a fixture, used by name


@pytest.fixture
async def sqlite_ledger(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[RunningLedger]:
    config = ServiceConfig(
        service="ledger",
        port=0,
        data_dir=tmp_path,
        nats_url=nats_server.url,
        store=StoreConfig(kind="sqlite", sqlite_path=tmp_path / "ledger" / "events.sqlite"),
        shutdown_grace_seconds=0.5,
    )
    running = await start_ledger(config)
    yield running
    await stop_ledger(running)


def checks(verdict: reporting_pb2.AuditVerdict) -> dict[str, reporting_pb2.AuditCheck]:
    return {c.name: c for c in verdict.checks}


async def test_a_clean_ledger_passes_every_check(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    verdict = await reporting.verify()
    assert verdict.ok, verdict
    found = checks(verdict)
    assert list(found) == ["chain:ledger", "chain:members", "postings", "store", "projections"]
    assert not found["store"].skipped  # the ledger's store (SQLite file or PostgreSQL) compared
    assert found["store"].checked == found["chain:ledger"].checked > 0
    assert found["postings"].checked == 9  # 7 payouts and 2 reversals
    assert found["projections"].checked > 0
    verified = {p.source: p.position for p in verdict.verified}
    assert verified["ledger"] == ledger.server.app.recorder.max_notification_id()
    # Each verdict is recorded in the reporting service's own event store.
    app = reporting.server.app
    assert app is not None and app.recorder.max_notification_id() == 1


async def test_rebuild_equals_the_live_projections(
    ledger: RunningLedger, reporting: RunningReporting
) -> None:
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    before = await reporting.report()
    phases = []
    result = None
    async for reply in reporting.stub.RebuildProjections(reporting_pb2.RebuildProjectionsRequest()):
        if reply.HasField("progress"):
            phases.append(reply.progress.phase)
        else:
            result = reply.done
    assert result is not None and result.events > 0
    assert {"rebuild:members", "rebuild:ledger", "swap"} <= set(phases)
    after = await reporting.report()
    assert after.content_sha256 == before.content_sha256
    # The consumers go on from the rebuilt positions.
    await post(ledger, "more-1", "M5", 100_000, WARMTH, "2026-11-30")
    await reporting.caught_up(ledger)
    assert (await reporting.verify()).ok


def copy_store(source: Path, target: Path) -> Path:
    """A consistent copy of a live SQLite store (the backup API, WAL included)."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    return target


def rowid_of(path: Path, request_id: str) -> int:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT rowid, state FROM stored_events").fetchall()
    return next(r for r, state in rows if f'"request_id":"{request_id}"'.encode() in state)


async def test_tampering_with_a_copy_of_the_store_is_named(
    sqlite_ledger: RunningLedger, tmp_path: Path
) -> None:
    ledger = sqlite_ledger
    reporting = await start_reporting(reporting_config(ledger, tmp_path))
    try:
        await fixed_scenario(ledger)
        await reporting.caught_up(ledger)
        live = ledger.config.store.sqlite_path

        clean = copy_store(live, tmp_path / "clean.sqlite")
        verdict = await reporting.verify(ledger_store=str(clean), skip_projections=True)
        assert verdict.ok, verdict
        assert checks(verdict)["projections"].skipped

        edited = copy_store(live, tmp_path / "edited.sqlite")
        w1 = rowid_of(edited, "w1")
        with sqlite3.connect(edited) as db:
            (state,) = db.execute(
                "SELECT state FROM stored_events WHERE rowid = ?", (w1,)
            ).fetchone()
            forged = state.replace(b'"amount_fen":200000', b'"amount_fen":900000')
            db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (forged, w1))
        store = checks(await reporting.verify(ledger_store=str(edited)))["store"]
        assert not store.ok
        assert (store.discrepancy.kind, store.discrepancy.position) == ("edited", w1)
        assert "amount_fen: 200000 -> 900000" in store.discrepancy.detail
        assert store.discrepancy.event_type == "PayoutPosted"

        deleted = copy_store(live, tmp_path / "deleted.sqlite")
        w4 = rowid_of(deleted, "w4")
        with sqlite3.connect(deleted) as db:
            db.execute("DELETE FROM stored_events WHERE rowid = ?", (w4,))
        store = checks(await reporting.verify(ledger_store=str(deleted)))["store"]
        assert (store.discrepancy.kind, store.discrepancy.position) == ("deleted", w4)
        assert store.discrepancy.source == "ledger"

        swapped = copy_store(live, tmp_path / "swapped.sqlite")
        g2, g3 = rowid_of(swapped, "g2"), rowid_of(swapped, "g3")
        with sqlite3.connect(swapped) as db:
            db.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (g2,))
            db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (g2, g3))
            db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (g3,))
        verdict = await reporting.verify(ledger_store=str(swapped), skip_projections=True)
        store = checks(verdict)["store"]
        assert (store.discrepancy.kind, store.discrepancy.position) == ("swapped", min(g2, g3))
        assert f"positions {g2} and {g3}" in store.discrepancy.detail
        assert verdict.first_discrepancy == store.discrepancy
        # The stream itself was never touched: its chains hold.
        assert checks(verdict)["chain:ledger"].ok
    finally:
        await stop_reporting(reporting)


async def test_a_message_deleted_from_the_stream_is_named(
    sqlite_ledger: RunningLedger, tmp_path: Path
) -> None:
    ledger = sqlite_ledger
    await fixed_scenario(ledger)
    assert ledger.server.app is not None and ledger.server.relay is not None
    last = ledger.server.app.recorder.max_notification_id() or 0
    await ledger.server.relay.wait_caught_up(last)
    nc = await nats.connect(ledger.config.nats_url)
    try:
        js = nc.jetstream()
        victim = await js.get_msg("BENEFITS_LEDGER", seq=6)
        await js.delete_msg("BENEFITS_LEDGER", 6)
    finally:
        await nc.close()
    position = events_pb2.EventEnvelope.FromString(victim.data or b"").position
    # Started after the deletion: the live consumer steps over the missing
    # message (and says so in its log) instead of waiting for it forever.
    reporting = await start_reporting(reporting_config(ledger, tmp_path))
    try:
        await reporting.caught_up(ledger)
        verdict = await reporting.verify()
        found = checks(verdict)
        assert not verdict.ok
        chain = found["chain:ledger"].discrepancy
        assert chain.kind == "broken-link" and chain.position == position + 1
        store = found["store"].discrepancy
        assert (store.kind, store.source, store.position) == ("deleted", "stream", position)
        assert found["projections"].ok  # the rebuild skips the same gap as the live consumer
        assert verdict.first_discrepancy == chain
    finally:
        await stop_reporting(reporting)


async def test_a_store_path_that_does_not_exist_is_refused(
    reporting: RunningReporting, tmp_path: Path
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await reporting.verify(ledger_store=str(tmp_path / "nowhere.sqlite"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (refused.value.details() or "").startswith("ledger_store")


async def test_a_store_outside_the_allowed_places_is_refused(
    reporting: RunningReporting, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A caller cannot make the service open files elsewhere or reach other servers."""
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "ledger.sqlite"
    sqlite3.connect(elsewhere).close()
    for named in (
        str(elsewhere),
        "/etc/passwd",
        "postgresql://auditor@10.0.0.1:5432/ledger",
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await reporting.verify(ledger_store=named)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED, named
        assert (refused.value.details() or "").startswith("ledger_store: "), named


async def test_audit_and_rebuild_runs_record_the_caller(reporting: RunningReporting) -> None:
    """The record of audits says who asked for each run (the caller's key id)."""
    auditor = reporting.keys.auditor
    stub = reporting.stub_for(auditor)
    request = reporting_pb2.VerifyLedgerRequest(ledger_store="none", skip_projections=True)
    async for _reply in stub.VerifyLedger(request, timeout=WAIT * 4):
        pass
    async for _reply in reporting.stub.RebuildProjections(
        reporting_pb2.RebuildProjectionsRequest(), timeout=WAIT * 4
    ):
        pass
    app = reporting.server.app
    assert app is not None
    events = [
        app.mapper.to_domain_event(item)
        for item in app.recorder.select_notifications(start=1, limit=1000)
    ]
    verification = [e for e in events if isinstance(e, Verification.VerificationRecorded)]
    rebuild = [e for e in events if isinstance(e, Rebuild.RebuildRecorded)]
    assert [e.actor for e in verification] == [key_id(auditor)]
    assert [e.actor for e in rebuild] == [key_id(reporting.keys.admin)]

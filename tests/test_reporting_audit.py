"""VerifyLedger and RebuildProjections against a real ledger, nats-server and
gRPC: a clean ledger passes every check (on SQLite and PostgreSQL, the store
compared with the stream); a rebuild from the first event equals the live
projections; and tampering is named, with its position:

- in a copy of the ledger's store, SQLite or PostgreSQL (the store is the
  source of truth, the stream the hash-chained witness): one event edited, one
  deleted, two swapped;
- in the stream itself: a message deleted from BENEFITS_LEDGER breaks the
  chain, and the store shows which event it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import grpc
import nats
import psycopg
import pytest

from benefits_platform.config import StoreConfig
from benefits_platform.protos.benefits.v1 import events_pb2, reporting_pb2
from reporting import auditing
from reporting.adapters.ledger_store import SCHEMA_ENV
from reporting.application import Rebuild, Verification
from tests.conftest import RunningLedger
from tests.reporting_support import (
    WAIT,
    WARMTH,
    RunningReporting,
    fixed_scenario,
    post,
    reporting,
    reporting_config,
    sqlite_ledger,
    start_reporting,
    stop_reporting,
)
from tests.support import key_id

__all__ = ["reporting", "sqlite_ledger"]  # fixtures, used by name


def checks(verdict: reporting_pb2.AuditVerdict) -> dict[str, reporting_pb2.AuditCheck]:
    return {c.name: c for c in verdict.checks}


@pytest.mark.parametrize("chunk", [0, 4])
async def test_a_clean_ledger_passes_every_check(
    ledger: RunningLedger, reporting: RunningReporting, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(``chunk``: 4 messages checked and applied at a time, not CHECK_CHUNK.)"""
    if chunk:
        monkeypatch.setattr(auditing, "CHECK_CHUNK", chunk)
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


class StoreCopies:
    """Copies of the ledger's store to tamper with, and the ``ledger_store``
    a VerifyLedger request names each by: a SQLite file beside the live one,
    or, on PostgreSQL, a copy of its events table in a schema of its own in
    the same database (named through BENEFITS_LEDGER_STORE_SCHEMA)."""

    def __init__(self, store: StoreConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        self.store = store
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch

    def copy(self, name: str) -> str:
        if not self.store.is_postgres:
            return str(copy_store(self.store.sqlite_path, self.tmp_path / f"{name}.sqlite"))
        with psycopg.connect(self.store.postgres_dsn, autocommit=True) as pg:
            pg.execute(f'CREATE SCHEMA "{name}"')
            pg.execute(f'CREATE TABLE "{name}".ledger_events (LIKE ledger_events INCLUDING ALL)')
            pg.execute(f'INSERT INTO "{name}".ledger_events SELECT * FROM ledger_events')
        return name

    def named(self, copy: str) -> str:
        """The ``ledger_store`` of a VerifyLedger request for ``copy``."""
        if not self.store.is_postgres:
            return copy
        self.monkeypatch.setenv(SCHEMA_ENV, copy)
        return self.store.postgres_dsn

    def _run(
        self, copy: str, sql: str, params: tuple[object, ...] = ()
    ) -> list[tuple[object, ...]]:
        if not self.store.is_postgres:
            with contextlib.closing(sqlite3.connect(copy)) as lite, lite:
                return lite.execute(sql.replace("{events}", "stored_events"), params).fetchall()
        with psycopg.connect(self.store.postgres_dsn, autocommit=True) as pg:
            cur = pg.execute(
                sql.replace("{events}", f'"{copy}".ledger_events').replace("?", "%s"), params
            )
            return cur.fetchall() if cur.description else []

    @property
    def _id(self) -> str:
        return "notification_id" if self.store.is_postgres else "rowid"

    def position(self, copy: str, request_id: str) -> int:
        """The position (notification id) of the event recording ``request_id``."""
        rows = self._run(copy, f"SELECT {self._id}, state FROM {{events}}")
        needle = f'"request_id":"{request_id}"'.encode()
        return next(int(p) for p, state in rows if needle in bytes(state))  # type: ignore[call-overload, arg-type]

    def edit(self, copy: str, position: int, old: bytes, new: bytes) -> None:
        ((state,),) = self._run(copy, f"SELECT state FROM {{events}} WHERE {self._id} = ?",
                                (position,))  # fmt: skip
        forged = bytes(state).replace(old, new)  # type: ignore[call-overload]
        assert forged != bytes(state)  # type: ignore[call-overload]
        self._run(copy, f"UPDATE {{events}} SET state = ? WHERE {self._id} = ?", (forged, position))

    def delete(self, copy: str, position: int) -> None:
        self._run(copy, f"DELETE FROM {{events}} WHERE {self._id} = ?", (position,))

    def swap(self, copy: str, a: int, b: int) -> None:
        for old, new in ((a, -1), (b, a), (-1, b)):
            self._run(copy, f"UPDATE {{events}} SET {self._id} = ? WHERE {self._id} = ?",
                      (new, old))  # fmt: skip


async def test_tampering_with_a_copy_of_the_store_is_named(
    ledger: RunningLedger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite and on PostgreSQL: an edited, a deleted and two swapped events
    of a copy of the ledger's store are each named, with their positions."""
    reporting = await start_reporting(reporting_config(ledger, tmp_path))
    copies = StoreCopies(ledger.config.store, tmp_path, monkeypatch)
    try:
        await fixed_scenario(ledger)
        await reporting.caught_up(ledger)

        clean = copies.copy("clean")
        verdict = await reporting.verify(ledger_store=copies.named(clean), skip_projections=True)
        assert verdict.ok, verdict
        assert checks(verdict)["projections"].skipped
        assert checks(verdict)["store"].checked == checks(verdict)["chain:ledger"].checked > 0

        edited = copies.copy("edited")
        w1 = copies.position(edited, "w1")
        copies.edit(edited, w1, b'"amount_fen":200000', b'"amount_fen":900000')
        store = checks(await reporting.verify(ledger_store=copies.named(edited)))["store"]
        assert not store.ok
        assert (store.discrepancy.kind, store.discrepancy.position) == ("edited", w1)
        assert "amount_fen: 200000 -> 900000" in store.discrepancy.detail
        assert store.discrepancy.event_type == "PayoutPosted"

        deleted = copies.copy("deleted")
        w4 = copies.position(deleted, "w4")
        copies.delete(deleted, w4)
        store = checks(await reporting.verify(ledger_store=copies.named(deleted)))["store"]
        assert (store.discrepancy.kind, store.discrepancy.position) == ("deleted", w4)
        assert store.discrepancy.source == "ledger"

        swapped = copies.copy("swapped")
        g2, g3 = copies.position(swapped, "g2"), copies.position(swapped, "g3")
        copies.swap(swapped, g2, g3)
        verdict = await reporting.verify(ledger_store=copies.named(swapped), skip_projections=True)
        store = checks(verdict)["store"]
        assert (store.discrepancy.kind, store.discrepancy.position) == ("swapped", min(g2, g3))
        assert f"positions {g2} and {g3}" in store.discrepancy.detail
        assert verdict.first_discrepancy == store.discrepancy
        # The stream itself was never touched: its chains hold.
        assert checks(verdict)["chain:ledger"].ok
    finally:
        await stop_reporting(reporting)


@pytest.mark.parametrize("chunk", [0, 4])
async def test_a_message_deleted_from_the_stream_is_named(
    sqlite_ledger: RunningLedger, tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(``chunk``: 4 messages checked and applied at a time, not CHECK_CHUNK.)"""
    if chunk:
        monkeypatch.setattr(auditing, "CHECK_CHUNK", chunk)
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

"""Helpers for tests of the reporting service: a real reporting server beside
the real ledger (same nats-server, same kind of store), a unit tree and members
on the members stream, and the small fixed scenario whose annual figures are
computed by hand in test_reporting_service.py."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import grpc
import nats
import psycopg
import pytest
from google.protobuf.message import Message

from benefits_platform import bus
from benefits_platform.config import ServiceConfig, StoreConfig
from benefits_platform.envelopes import ZERO_HASH, EventParts, build_envelope
from benefits_platform.protos.benefits.v1 import (
    common_pb2,
    events_pb2,
    ledger_pb2,
    member_events_pb2,
    members_pb2,
    reporting_pb2,
    reporting_pb2_grpc,
)
from reporting.adapters.consumers import ConsumerSettings
from reporting.entrypoints.server import ReportingServer, create_server
from tests.conftest import RunningLedger, ledger_service_config, start_ledger, stop_ledger
from tests.ledger_client import open_request, payout
from tests.members_feed import enrolled, publish_member_events
from tests.support import Keys, NatsServer, channel, keys_for

YEAR = 2026
WAIT = 60.0

# A province, a city, two districts with grassroots unions, and a grassroots
# union directly under the city.
UNITS = [
    ("GD", members_pb2.UNIT_LEVEL_PROVINCE, ""),
    ("GD-SZ", members_pb2.UNIT_LEVEL_CITY, "GD"),
    ("GD-SZ-NS", members_pb2.UNIT_LEVEL_COUNTY, "GD-SZ"),
    ("GD-SZ-NS-0001", members_pb2.UNIT_LEVEL_GRASSROOTS, "GD-SZ-NS"),
    ("GD-SZ-NS-0002", members_pb2.UNIT_LEVEL_GRASSROOTS, "GD-SZ-NS"),
    ("GD-SZ-FT", members_pb2.UNIT_LEVEL_COUNTY, "GD-SZ"),
    ("GD-SZ-FT-0001", members_pb2.UNIT_LEVEL_GRASSROOTS, "GD-SZ-FT"),
    ("GD-SZ-0100", members_pb2.UNIT_LEVEL_GRASSROOTS, "GD-SZ"),
]

MemberEvent = tuple[str, Message, str]


def unit_events(units: Iterable[tuple[str, int, str]] = UNITS) -> list[MemberEvent]:
    return [
        (
            "UnitRegistered",
            member_events_pb2.UnitRegistered(
                code=code,
                name_zh=f"{code}工会",
                name_en=f"{code} union",
                level=level,
                parent_code=parent,
            ),
            "",
        )
        for code, level, parent in units
    ]


def transferred(member_id: str, from_unit: str, to_unit: str, date: str) -> MemberEvent:
    return (
        "MemberTransferred",
        member_events_pb2.MemberTransferred(
            member_id=member_id, from_unit_code=from_unit, to_unit_code=to_unit,
            effective_date=date,
        ),
        date,
    )  # fmt: skip


async def publish_members(running: RunningLedger, events: list[MemberEvent]) -> int:
    """Publish members-log events and wait until the ledger's view has them."""
    position = await publish_member_events(running.config.nats_url, events)
    assert running.server.members_feed is not None
    assert await running.server.members_feed.wait_for(position, WAIT)
    return position


@dataclass
class RunningReporting:
    server: ReportingServer
    channel: grpc.aio.Channel
    stub: reporting_pb2_grpc.ReportingServiceStub
    config: ServiceConfig
    # The keys of the service's keys file; ``channel`` and ``stub`` send keys.admin.
    keys: Keys
    extra_channels: list[grpc.aio.Channel] = field(default_factory=list)

    def stub_for(self, key: str | None) -> reporting_pb2_grpc.ReportingServiceStub:
        """A stub on a new channel that sends ``key`` (None: no credentials),
        closed when the service is stopped."""
        opened = channel(self.server.address, key)
        self.extra_channels.append(opened)
        return reporting_pb2_grpc.ReportingServiceStub(opened)

    async def caught_up(self, ledger: RunningLedger) -> None:
        """Wait until the projections hold every event the ledger has published."""
        assert ledger.server.app is not None and ledger.server.relay is not None
        position = ledger.server.app.recorder.max_notification_id() or 0
        await ledger.server.relay.wait_caught_up(position)
        projections = self.server.projections
        assert projections is not None
        assert await projections.wait_for_position("ledger", position, WAIT), (
            f"projection at {projections.position('ledger')}, ledger at {position}"
        )

    async def report(
        self, unit: str = "", depth: int = 4, **extra: object
    ) -> reporting_pb2.AnnualReport:
        request = reporting_pb2.GetAnnualReportRequest(
            fiscal_year=YEAR,
            unit_code=unit,
            unit_depth=depth,
            **extra,  # type: ignore[arg-type]
        )
        return await self.stub.GetAnnualReport(request, timeout=WAIT)

    async def verify(self, **fields: object) -> reporting_pb2.AuditVerdict:
        request = reporting_pb2.VerifyLedgerRequest(**fields)  # type: ignore[arg-type]
        verdict = None
        async for reply in self.stub.VerifyLedger(request, timeout=WAIT * 4):
            if reply.HasField("verdict"):
                verdict = reply.verdict
        assert verdict is not None
        return verdict


def applied_positions(dsn: str, data_dir: Path) -> dict[str, tuple[int, int]]:
    """source -> (position, stream sequence) the projections have applied, read
    straight from projection_positions (in another process's database: PostgreSQL
    when ``dsn``, else ``<data_dir>/reporting/projections.sqlite``); {} before it exists."""
    query = "SELECT source, position, stream_seq FROM projection_positions"
    try:
        if dsn:
            with psycopg.connect(dsn) as pg:
                rows = pg.execute(query).fetchall()
        else:
            path = data_dir / "reporting" / "projections.sqlite"
            with contextlib.closing(sqlite3.connect(path, timeout=5)) as lite:
                rows = lite.execute(query).fetchall()
    except (sqlite3.Error, psycopg.Error):
        return {}
    return {str(source): (int(position), int(seq)) for source, position, seq in rows}


@pytest.fixture
async def reporting(ledger: RunningLedger, tmp_path: Path) -> AsyncIterator[RunningReporting]:
    """The reporting service beside the ``ledger`` fixture's (same NATS, same kind of store)."""
    running = await start_reporting(reporting_config(ledger, tmp_path))
    yield running
    await stop_reporting(running)


@pytest.fixture
async def sqlite_ledger(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[RunningLedger]:
    """A ledger on SQLite, whatever store the ``ledger`` fixture is given."""
    sqlite = StoreConfig(kind="sqlite", sqlite_path=tmp_path / "ledger" / "events.sqlite")
    running = await start_ledger(ledger_service_config(tmp_path, nats_server.url, sqlite))
    yield running
    await stop_ledger(running)


def reporting_config(ledger: RunningLedger, tmp_path: Path) -> ServiceConfig:
    store = ledger.config.store
    if not store.is_postgres:
        store = StoreConfig(kind="sqlite", sqlite_path=tmp_path / "reporting" / "events.sqlite")
    return replace(ledger.config, service="reporting", port=0, store=store)


async def start_reporting(
    config: ServiceConfig, settings: ConsumerSettings | None = None
) -> RunningReporting:
    keys = keys_for(config.keys_file)
    server = create_server(config, settings)
    await server.start()
    await server.wait_ready()
    opened = channel(server.address, keys.admin)
    return RunningReporting(
        server, opened, reporting_pb2_grpc.ReportingServiceStub(opened), config, keys
    )


async def stop_reporting(running: RunningReporting) -> None:
    for extra in running.extra_channels:
        await extra.close()
    await running.channel.close()
    await running.server.stop()


# -- the fixed scenario ---------------------------------------------------------------------

GREEN = "GREEN_TRAVEL"
WARMTH = "WINTER_WARMTH"


async def post(ledger: RunningLedger, rid: str, member: str, amount: int, code: str,
               date: str) -> ledger_pb2.Entry:  # fmt: skip
    return await ledger.stub.PostPayout(
        payout(rid, member=member, amount=amount, code=code, date=date), timeout=WAIT
    )


async def reverse(ledger: RunningLedger, rid: str, entry: ledger_pb2.Entry) -> ledger_pb2.Entry:
    return await ledger.stub.ReversePayout(
        ledger_pb2.ReversePayoutRequest(
            request_id=rid, entry_id=entry.entry_id,
            reason=ledger_pb2.REVERSAL_REASON_WRONG_MEMBER,
        ),
        timeout=WAIT,
    )  # fmt: skip


async def fixed_scenario(ledger: RunningLedger) -> None:
    """Five members in four grassroots unions; M1 and M2 share household H1;
    M1 moves from GD-SZ-NS-0001 to GD-SZ-FT-0001 on 2026-07-01. Winter warmth
    to M1..M4 (M3's reversed), green travel to M1 in March (reversed) and
    August (after the move) and to M5; one payout retried with its request id."""
    await publish_members(
        ledger,
        [
            *unit_events(),
            enrolled("M1", household="H1", unit="GD-SZ-NS-0001"),
            enrolled("M2", household="H1", unit="GD-SZ-NS-0001"),
            enrolled("M3", household="H3", unit="GD-SZ-NS-0002"),
            enrolled("M4", household="H4", unit="GD-SZ-FT-0001"),
            enrolled("M5", household="H5", unit="GD-SZ-0100"),
            transferred("M1", "GD-SZ-NS-0001", "GD-SZ-FT-0001", "2026-07-01"),
        ],
    )
    await ledger.stub.OpenProgram(open_request(WARMTH, budget=1_000_000), timeout=WAIT)
    await ledger.stub.OpenProgram(
        open_request(
            GREEN, budget=500_000, kind=ledger_pb2.PROGRAM_KIND_SUBSIDY,
            name_zh="绿色出行", name_en="Green travel",
        ),
        timeout=WAIT,
    )  # fmt: skip
    await post(ledger, "w1", "M1", 200_000, WARMTH, "2026-01-20")
    await post(ledger, "w2", "M2", 200_000, WARMTH, "2026-01-20")
    w3 = await post(ledger, "w3", "M3", 200_000, WARMTH, "2026-01-21")
    await post(ledger, "w4", "M4", 200_000, WARMTH, "2026-02-01")
    g1 = await post(ledger, "g1", "M1", 2_000, GREEN, "2026-03-15")
    await post(ledger, "g2", "M1", 2_000, GREEN, "2026-08-15")
    await post(ledger, "g3", "M5", 2_000, GREEN, "2026-08-16")
    retried = await post(ledger, "w2", "M2", 200_000, WARMTH, "2026-01-20")
    assert retried.replayed
    await reverse(ledger, "x-w3", w3)
    await reverse(ledger, "x-g1", g1)
    again = await reverse(ledger, "x-g1", g1)
    assert again.replayed


async def until(predicate: object, timeout: float = WAIT) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


# -- ledger events straight onto the stream (no ledger service) -----------------------

LedgerEvent = tuple[str, str, Message, str]  # (event type, aggregate type, payload, date)


def payout_posted(
    entry: str,
    member: str,
    code: str,
    amount: int,
    date: str,
    basis: ledger_pb2.EligibilityBasis,
    **extra: str,
) -> LedgerEvent:
    """A PayoutPosted as the ledger records it (request id = entry id),
    funded from the programme's fund unless ``funding_account`` says otherwise."""
    account = extra.get("funding_account") or f"programme-fund:{code}:{YEAR}"
    return (
        "PayoutPosted",
        "Payout",
        events_pb2.PayoutPosted(
            entry_id=entry, request_id=entry, member_id=member, program_code=code,
            fiscal_year=YEAR, amount_fen=amount, effective_date=date,
            postings=[
                common_pb2.Posting(account=account, amount_fen=-amount),
                common_pb2.Posting(account=f"member:{member}", amount_fen=amount),
                common_pb2.Posting(account=f"member:{member}", amount_fen=-amount),
                common_pb2.Posting(account="clearing:disbursement", amount_fen=amount),
            ],
            basis=basis, **extra,
        ),
        date,
    )  # fmt: skip


def chained(
    source: str,
    events: Iterable[LedgerEvent],
    position: int = 0,
    head: bytes = ZERO_HASH,
    recorded: Iterable[dt.datetime] = (),
) -> list[events_pb2.EventEnvelope]:
    """Envelopes of ``source``'s log for ``events``, from ``position`` + 1 on,
    each hash-chained to the one before (the first to ``head``), recorded now
    or at the times ``recorded`` gives, in turn."""
    envelopes = []
    times = iter(recorded)
    for event_type, aggregate_type, payload, effective_date in events:
        position += 1
        envelope = build_envelope(
            source=source,
            position=position,
            aggregate_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{event_type}-{position}"),
            aggregate_version=1,
            recorded_at=next(times, None) or dt.datetime.now(dt.UTC),
            parts=EventParts(event_type, aggregate_type, effective_date, "", payload),
            prev_hash=head,
        )
        head = envelope.hash
        envelopes.append(envelope)
    return envelopes


async def publish_ledger_events(
    nats_url: str, events: Iterable[LedgerEvent], recorded: Iterable[dt.datetime] = ()
) -> int:
    """Publish events as the next envelopes of the ledger's log (hash-chained
    to the stream's last one, as the ledger's relay does; recorded now, or at
    the times ``recorded`` gives); returns the position of the last one."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await bus.ensure_stream(js, "ledger", 1)
        stream = bus.stream_name("ledger")
        info = await js.stream_info(stream)
        position, head = 0, ZERO_HASH
        if info.state.last_seq:
            last = await js.get_msg(stream, seq=info.state.last_seq)
            envelope = events_pb2.EventEnvelope.FromString(last.data or b"")
            position, head = envelope.position, envelope.hash
        for envelope in chained("ledger", events, position, head, recorded):
            position = envelope.position
            await js.publish(
                f"{bus.subject_prefix('ledger')}.{envelope.event_type}",
                envelope.SerializeToString(),
                headers={"Nats-Msg-Id": f"ledger-{position}"},
            )
        return position
    finally:
        await nc.close()

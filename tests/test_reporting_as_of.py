"""Reports "as recorded up to T" from the as-of buckets equal, figure for
figure and hash for hash, the reference recount of every entry recorded up to
T: on SQLite and PostgreSQL, for every T around each entry's recorded time,
with backdated entries, reversals, a member who moved units, a member paid at
two units, and entries recorded out of position order (as ledger instances
sharing one store write them). And projections of the layout before the
as-of buckets are built again from the first event."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from benefits_platform.config import StoreConfig
from benefits_platform.protos.benefits.v1 import events_pb2, ledger_pb2, reporting_pb2
from benefits_platform.sqlstore import Database
from reporting.adapters.tables import ProjectionStore
from reporting.application import ReportingApplication
from reporting.domain import projection
from reporting.entrypoints import converters as C
from tests.conftest import RunningLedger
from tests.reporting_support import (
    GREEN,
    WAIT,
    WARMTH,
    YEAR,
    LedgerEvent,
    RunningReporting,
    fixed_scenario,
    payout_posted,
    post,
    publish_ledger_events,
    reporting,
    reverse,
)

__all__ = ["reporting"]  # a fixture, used by name

UNITS = {
    "M2": ("GD-SZ-NS-0001", "H1"),
    "M3": ("GD-SZ-FT-0001", "H3"),  # paid before at GD-SZ-NS-0002
    "M4": ("GD-SZ-FT-0001", "H4"),
}


def payout(entry: str, member: str, code: str, amount: int, date: str, members_position: int
           ) -> LedgerEvent:  # fmt: skip
    unit, household = UNITS[member]
    basis = ledger_pb2.EligibilityBasis(
        membership_status="ACTIVE", unit_code=unit, household_id=household,
        members_position=members_position,
    )  # fmt: skip
    return payout_posted(entry, member, code, amount, date, basis)


def reversal(entry: str, of: str, member: str, code: str, amount: int, date: str) -> LedgerEvent:
    return (
        "PayoutReversed",
        "Payout",
        events_pb2.PayoutReversed(
            entry_id=entry, request_id=entry, reverses_entry_id=of, member_id=member,
            program_code=code, fiscal_year=YEAR, amount_fen=-amount, effective_date=date,
            reason=ledger_pb2.REVERSAL_REASON_WRONG_MEMBER,
        ),
        date,
    )  # fmt: skip


def both(
    app: ReportingApplication, unit: str, depth: int, as_of_us: int
) -> tuple[reporting_pb2.AnnualReport, reporting_pb2.AnnualReport]:
    """The report from the as-of buckets, and the reference recount's."""
    now = dt.datetime.now(dt.UTC)
    fast, positions = app.annual_report(YEAR, unit, depth, as_of_us)
    recounted, _ = app.annual_report(YEAR, unit, depth, as_of_us, recount=True)
    return C.annual_report(fast, positions, now), C.annual_report(recounted, positions, now)


@pytest.mark.parametrize("bucket", [0, 4, 1])
async def test_as_of_reports_equal_the_recount_for_every_time(
    ledger: RunningLedger,
    reporting: RunningReporting,
    bucket: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the real bucket size (0) every entry falls in one bucket; with
    buckets of 4 and of 1 ledger positions the reports cross settled buckets,
    the bucket where T falls and later ones, through the SQL of each store."""
    if bucket:
        monkeypatch.setattr(projection, "AS_OF_BUCKET", bucket)
    await fixed_scenario(ledger)
    await reporting.caught_up(ledger)
    # Backdated entries and reversals recorded after the scenario.
    late = await post(ledger, "late-1", "M5", 200_000, WARMTH, "2026-02-10")
    await post(ledger, "late-2", "M2", 2_000, GREEN, "2026-01-05")
    await reverse(ledger, "x-late-1", late)
    await reporting.caught_up(ledger)
    # Entries recorded out of position order, straight onto the stream.
    projections = reporting.server.projections
    assert projections is not None
    members_position = projections.position("members")[0]
    base = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    position = await publish_ledger_events(
        reporting.config.nats_url,
        [
            payout("d1", "M2", GREEN, 3_000, "2026-04-01", members_position),
            payout("d2", "M3", GREEN, 4_000, "2026-04-02", members_position),
            reversal("d3", "d1", "M2", GREEN, 3_000, "2026-04-01"),
            payout("d4", "M3", WARMTH, 200_000, "2026-12-01", members_position),
            payout("d5", "M4", GREEN, 2_000, "2026-03-01", members_position),
        ],
        [base + dt.timedelta(seconds=s) for s in (4, 1, 3, 0, 2)],
    )
    assert await projections.wait_for_position("ledger", position, WAIT)

    app = reporting.server.app
    assert app is not None
    with app.store.db.transaction() as cur:
        recorded = [
            int(t) for (t,) in cur.execute("SELECT recorded_us FROM rpt_entries").fetchall()
        ]
    assert len(recorded) == 17  # 9 of the scenario, 3 recorded later, 5 out of order
    times = sorted(set(recorded))
    cuts = sorted({times[0] - 1, *times, *(t + 1 for t in times), times[-1] + 10**9})
    totals = set()
    for as_of_us in cuts:
        for unit, depth in (("", 4), ("GD-SZ-NS", 2), ("GD-SZ-FT-0001", 0)):
            report, expected = both(app, unit, depth, as_of_us)
            assert C.canonical_content(report) == C.canonical_content(expected), (as_of_us, unit)
            assert report.content_sha256 == expected.content_sha256
            if unit == "":
                totals.add(report.totals.SerializeToString())
    assert len(totals) == len(times) + 1  # every entry changed the figures once it counted
    with app.store.db.transaction() as cur:
        buckets = cur.execute("SELECT COUNT(*) FROM rpt_buckets").fetchone()[0]
    assert buckets == 1 if not bucket else buckets >= 17 // bucket

    # Over gRPC: the same report, and a time among the out-of-order entries.
    middle = (base + dt.timedelta(seconds=2, microseconds=500_000)).replace(tzinfo=dt.UTC)
    served = await reporting.report(as_of=middle)
    middle_us = int(middle.timestamp()) * 1_000_000 + middle.microsecond
    assert served.content_sha256 == both(app, "", 4, middle_us)[1].content_sha256
    # The ledger's 9 payouts, and d2, d4 and d5 (recorded by then; d1 and its reversal not).
    assert served.totals.payout_count == 9 + 3
    assert served.totals.reversal_count == 3


def test_projections_of_an_older_layout_are_built_again(store: StoreConfig, tmp_path: Path) -> None:
    """A projections database from before the as-of buckets (no layout
    recorded, entries without their moves) is emptied, positions included, so
    the consumers build it again from the first event; a current one is kept."""
    db = Database(store, tmp_path / "reporting" / "projections.sqlite")
    try:
        with db.transaction() as cur:
            cur.execute(
                "CREATE TABLE projection_positions (source TEXT NOT NULL,"
                " position BIGINT NOT NULL, stream_seq BIGINT NOT NULL, PRIMARY KEY (source))"
            )
            cur.execute("INSERT INTO projection_positions VALUES ('ledger', 40, 41)")
            cur.execute("CREATE TABLE rpt_entries (position BIGINT NOT NULL PRIMARY KEY)")
            cur.execute("INSERT INTO rpt_entries VALUES (40)")
        projections = ProjectionStore(db)
        assert projections.positions() == {"ledger": (0, 0), "members": (0, 0)}
        with db.transaction() as cur:
            assert cur.execute("SELECT COUNT(*) FROM rpt_entries").fetchone()[0] == 0
            cur.execute("SELECT member_move, household_all_move FROM rpt_entries")
            cur.execute("INSERT INTO projection_positions VALUES ('ledger', 7, 7)")
        assert ProjectionStore(db).positions()["ledger"] == (7, 7)  # the current layout stays
    finally:
        db.close()


def test_projections_of_the_previous_layout_are_built_again(
    store: StoreConfig, tmp_path: Path
) -> None:
    """Layout 2 keyed the as-of bucket tables bucket first: such a database is
    emptied and built again, and its tables come back keyed leaf first."""
    db = Database(store, tmp_path / "reporting" / "projections.sqlite")
    try:
        ProjectionStore(db)
        with db.transaction() as cur:
            cur.execute("UPDATE projection_layout SET version = 2")
            cur.execute("INSERT INTO projection_positions VALUES ('ledger', 40, 41)")
            cur.execute(
                "INSERT INTO rpt_bucket_counts (fiscal_year, program_code, unit_path, bucket,"
                " members, households) VALUES (2026, 'P', '/U', 0, 1, 1)"
            )
        assert ProjectionStore(db).positions() == {"ledger": (0, 0), "members": (0, 0)}
        with db.transaction() as cur:
            assert cur.execute("SELECT COUNT(*) FROM rpt_bucket_counts").fetchone()[0] == 0
            assert cur.execute("SELECT version FROM projection_layout").fetchone()[0] == 3
    finally:
        db.close()

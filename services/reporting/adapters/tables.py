"""The projection tables, in SQLite (default) or PostgreSQL, through the shared
:class:`~benefits_platform.sqlstore.Database`.

:meth:`ProjectionStore.apply` is the exactly-once step: in ONE transaction it
reads the stream's position (``projection_positions``), skips every message at
or below it, applies the rest (stopping at a gap in the stream sequence, at an
event whose members-log position the members projection has not reached yet,
or at an event it cannot read) and records the new position. A redelivered
message, a crash before the commit or a crash after it change nothing.

Every table but ``projection_positions`` is a pure function of the streams up
to the recorded positions: a rebuild from the first event gives the same rows
(the audit compares them table by table, in key order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from benefits_platform import logs
from benefits_platform.collection import collection_paused
from benefits_platform.sqlstore import Cursor, Database
from reporting.adapters.codec import FACTS, LEDGER, MEMBERS, UndecodableEvent, envelope_of
from reporting.domain.claims import (
    ClaimRow,
    ClaimsChanges,
    ClaimsPlanner,
    ClaimsState,
    ObligationRow,
    claims_needs,
)
from reporting.domain.projection import (
    HolderRows,
    LedgerPlanner,
    LedgerState,
    MemberRow,
    MembersPlanner,
    MembersState,
    households_needed,
    ledger_needs,
    members_needs,
    members_position_needed,
)

log = logs.get("reporting.tables")

CHUNK = 900  # ids per IN (...) list
PAGE = 20_000  # rows per page when a table is read whole
SQLITE_CACHE_KIB = 65_536


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: int  # the first ``key`` columns are the primary key
    ddl: str  # column definitions; {int} is the 64-bit integer type
    indexes: tuple[str, ...] = ()

    @property
    def key_columns(self) -> tuple[str, ...]:
        return self.columns[: self.key]


def _table(name: str, key: int, columns: str, *indexes: str) -> Table:
    names = tuple(c.split()[0] for c in columns.split(",") if c.strip())
    return Table(name, names, key, columns, indexes)


ENTRIES = _table(
    "rpt_entries",
    1,
    "position {pk}, stream_seq {int} NOT NULL, entry_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " member_id TEXT NOT NULL, program_code TEXT NOT NULL, fiscal_year {int} NOT NULL,"
    " amount_fen {int} NOT NULL, effective_date TEXT NOT NULL, month {int} NOT NULL,"
    " recorded_us {int} NOT NULL, unit_code TEXT NOT NULL, unit_path TEXT NOT NULL,"
    " household_id TEXT NOT NULL, reverses_entry_id TEXT NOT NULL, reason TEXT NOT NULL,"
    " request_id TEXT NOT NULL, member_move {int} NOT NULL, member_all_move {int} NOT NULL,"
    " household_move {int} NOT NULL, household_all_move {int} NOT NULL",
    # No index on entry_id: a reversal's payout is found through its member
    # (one random-key index fewer to update per event).
    "CREATE INDEX IF NOT EXISTS rpt_entries_member ON rpt_entries (member_id, position)",
)
PROGRAMMES = _table(
    "rpt_programmes",
    2,
    "program_code TEXT NOT NULL, fiscal_year {int} NOT NULL, name_zh TEXT NOT NULL,"
    " name_en TEXT NOT NULL, kind TEXT NOT NULL, budget_fen {int} NOT NULL,"
    " standard_amount_fen {int} NOT NULL, per_member_annual_cap_fen {int} NOT NULL,"
    " hardship_only {int} NOT NULL, opened_position {int} NOT NULL, opened_us {int} NOT NULL,"
    " closed_us {int} NOT NULL, committed_fen {int} NOT NULL, payout_count {int} NOT NULL,"
    " reversal_count {int} NOT NULL",
)
NODES = _table(
    "rpt_node_totals",
    3,
    "fiscal_year {int} NOT NULL, unit_code TEXT NOT NULL, program_code TEXT NOT NULL,"
    " paid_fen {int} NOT NULL, payout_count {int} NOT NULL, payout_fen {int} NOT NULL,"
    " reversal_count {int} NOT NULL, reversal_fen {int} NOT NULL, members {int} NOT NULL,"
    " households {int} NOT NULL",
)
MONTHS = _table(
    "rpt_month_totals",
    4,
    "fiscal_year {int} NOT NULL, unit_code TEXT NOT NULL, program_code TEXT NOT NULL,"
    " month {int} NOT NULL, paid_fen {int} NOT NULL, payout_count {int} NOT NULL,"
    " reversal_count {int} NOT NULL, reversal_fen {int} NOT NULL",
)
MEMBER_UNITS = _table(
    "rpt_member_units",
    4,
    "member_id TEXT NOT NULL, fiscal_year {int} NOT NULL, program_code TEXT NOT NULL,"
    " unit_path TEXT NOT NULL, net_count {int} NOT NULL, received_fen {int} NOT NULL,"
    " payout_count {int} NOT NULL, reversal_count {int} NOT NULL",
)
HOUSEHOLD_UNITS = _table(
    "rpt_household_units",
    4,
    "household_id TEXT NOT NULL, fiscal_year {int} NOT NULL, program_code TEXT NOT NULL,"
    " unit_path TEXT NOT NULL, net_count {int} NOT NULL",
)
# The as-of buckets (see reporting.domain.projection): additive figures by
# effective month, distinct-count moves at every node of a path, and the
# recorded times each bucket of ledger positions spans. Keyed leaf first, bucket
# last: an as-of report sums the settled buckets of every leaf in one ordered
# pass of the key (no sort), a third of its time on a large store.
BUCKET_LEAVES = _table(
    "rpt_bucket_leaves",
    5,
    "fiscal_year {int} NOT NULL, program_code TEXT NOT NULL, unit_path TEXT NOT NULL,"
    " month {int} NOT NULL, bucket {int} NOT NULL, paid_fen {int} NOT NULL,"
    " payout_count {int} NOT NULL, payout_fen {int} NOT NULL, reversal_count {int} NOT NULL,"
    " reversal_fen {int} NOT NULL",
)
BUCKET_COUNTS = _table(
    "rpt_bucket_counts",
    4,
    "fiscal_year {int} NOT NULL, program_code TEXT NOT NULL, unit_path TEXT NOT NULL,"
    " bucket {int} NOT NULL, members {int} NOT NULL, households {int} NOT NULL",
)
BUCKETS = _table(
    "rpt_buckets",
    1,
    "bucket {int} NOT NULL, first_recorded_us {int} NOT NULL, last_recorded_us {int} NOT NULL",
)
UNITS = _table(
    "rpt_units",
    1,
    "code TEXT NOT NULL, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, level TEXT NOT NULL,"
    " parent_code TEXT NOT NULL, path TEXT NOT NULL, depth {int} NOT NULL,"
    " position {int} NOT NULL",
)
MEMBERS_TABLE = _table(
    "rpt_members",
    1,
    "member_id TEXT NOT NULL, unit_code TEXT NOT NULL, household_id TEXT NOT NULL,"
    " join_date TEXT NOT NULL, status TEXT NOT NULL, position {int} NOT NULL",
)
# Mutual aid and emergency aid (see reporting.domain.claims).
RULES = _table(
    "rpt_programme_rules",
    2,
    "program_code TEXT NOT NULL, fiscal_year {int} NOT NULL, mutual_aid {int} NOT NULL,"
    " overdraft_fen {int} NOT NULL, verify_within_days {int} NOT NULL",
)
PERIODS = _table(
    "rpt_periods",
    3,
    "program_code TEXT NOT NULL, fiscal_year {int} NOT NULL, period_id TEXT NOT NULL,"
    " start_date TEXT NOT NULL, end_date TEXT NOT NULL",
)
CONTRIBUTIONS = _table(
    "rpt_contributions",
    1,
    "position {pk}, entry_id TEXT NOT NULL, member_id TEXT NOT NULL,"
    " program_code TEXT NOT NULL, fiscal_year {int} NOT NULL, period_id TEXT NOT NULL,"
    " amount_fen {int} NOT NULL, effective_date TEXT NOT NULL, recorded_us {int} NOT NULL,"
    " unit_code TEXT NOT NULL, unit_path TEXT NOT NULL",
    "CREATE INDEX IF NOT EXISTS rpt_contributions_programme"
    " ON rpt_contributions (program_code, fiscal_year, period_id)",
    # A member's statement (reporting.adapters.queries.member_entries).
    "CREATE INDEX IF NOT EXISTS rpt_contributions_member"
    " ON rpt_contributions (member_id, position)",
)
CONTRIBUTION_TOTALS = _table(
    "rpt_contribution_totals",
    4,
    "program_code TEXT NOT NULL, fiscal_year {int} NOT NULL, period_id TEXT NOT NULL,"
    " unit_path TEXT NOT NULL, contribution_count {int} NOT NULL, amount_fen {int} NOT NULL",
)
POOLS = _table(
    "rpt_pools",
    2,
    "program_code TEXT NOT NULL, fiscal_year {int} NOT NULL, contributed_fen {int} NOT NULL,"
    " contribution_count {int} NOT NULL, claims_paid_fen {int} NOT NULL,"
    " claims_paid_count {int} NOT NULL",
)
CLAIMS = _table(
    "rpt_claims",
    1,
    "claim_id TEXT NOT NULL, program_code TEXT NOT NULL, fiscal_year {int} NOT NULL,"
    " period_id TEXT NOT NULL, member_id TEXT NOT NULL, category TEXT NOT NULL,"
    " incident_date TEXT NOT NULL, unit_code TEXT NOT NULL, unit_path TEXT NOT NULL,"
    " bill_total_fen {int} NOT NULL, self_paid_fen {int} NOT NULL, state TEXT NOT NULL,"
    " approved_fen {int} NOT NULL, paid_fen {int} NOT NULL, payout_entry_id TEXT NOT NULL,"
    " paid_on TEXT NOT NULL, filed_position {int} NOT NULL, filed_us {int} NOT NULL,"
    " position {int} NOT NULL, recorded_us {int} NOT NULL",
    "CREATE INDEX IF NOT EXISTS rpt_claims_programme ON rpt_claims (program_code, fiscal_year)",
    "CREATE INDEX IF NOT EXISTS rpt_claims_member ON rpt_claims (member_id)",
)
CLAIM_HISTORY = _table(
    "rpt_claim_history",
    1,
    "position {pk}, claim_id TEXT NOT NULL, program_code TEXT NOT NULL,"
    " fiscal_year {int} NOT NULL, state TEXT NOT NULL, benefit_fen {int} NOT NULL,"
    " recorded_us {int} NOT NULL",
    "CREATE INDEX IF NOT EXISTS rpt_claim_history_programme"
    " ON rpt_claim_history (program_code, fiscal_year, position)",
)
OBLIGATIONS = _table(
    "rpt_emergency_obligations",
    1,
    "payout_entry_id TEXT NOT NULL, obligation_id TEXT NOT NULL, member_id TEXT NOT NULL,"
    " program_code TEXT NOT NULL, fiscal_year {int} NOT NULL, unit_code TEXT NOT NULL,"
    " unit_path TEXT NOT NULL, amount_fen {int} NOT NULL, effective_date TEXT NOT NULL,"
    " due_date TEXT NOT NULL, created_position {int} NOT NULL, created_us {int} NOT NULL,"
    " verified_on TEXT NOT NULL, verified_us {int} NOT NULL, recovered_fen {int} NOT NULL,"
    " instalments {int} NOT NULL, reversed_fen {int} NOT NULL, reversed_us {int} NOT NULL,"
    " position {int} NOT NULL",
    "CREATE INDEX IF NOT EXISTS rpt_emergency_due ON rpt_emergency_obligations (due_date)",
)
POSITIONS = _table(
    "projection_positions",
    1,
    "source TEXT NOT NULL, position {int} NOT NULL, stream_seq {int} NOT NULL",
)

# What a rebuild must reproduce (compared in this order), and what a swap copies.
PROJECTION_TABLES = (
    UNITS,
    MEMBERS_TABLE,
    PROGRAMMES,
    ENTRIES,
    NODES,
    MONTHS,
    MEMBER_UNITS,
    HOUSEHOLD_UNITS,
    BUCKET_LEAVES,
    BUCKET_COUNTS,
    BUCKETS,
    RULES,
    PERIODS,
    CONTRIBUTIONS,
    CONTRIBUTION_TOTALS,
    POOLS,
    CLAIMS,
    CLAIM_HISTORY,
    OBLIGATIONS,
)
ALL_TABLES = (*PROJECTION_TABLES, POSITIONS)
# Tables keyed by a log position, appended to in key order: SQLite's rowid
# tables suit them; every other table is stored in its key's B-tree.
ROWID_TABLES = (ENTRIES, CONTRIBUTIONS, CLAIM_HISTORY)


# The layout of the projection tables; a database of another layout is
# rebuilt from the first event (see ProjectionStore._check_layout).
# 3: the as-of bucket tables keyed leaf first.
LAYOUT = 3
LAYOUT_TABLE = "projection_layout"


def _int(db: Database) -> str:
    return "BIGINT" if db.is_postgres else "INTEGER"


def _ddl(db: Database, table: Table) -> str:
    integer = _int(db)
    columns = table.ddl.format(int=integer, pk=f"{integer} NOT NULL")
    key = ", ".join(table.key_columns)
    ddl = f"CREATE TABLE IF NOT EXISTS {table.name} ({columns}, PRIMARY KEY ({key}))"
    if not db.is_postgres and table not in ROWID_TABLES:
        # Rows stored in their key's B-tree: one tree to update per upsert, not two.
        ddl += " WITHOUT ROWID"
    return ddl


def _placeholders(n: int) -> str:
    return ", ".join("?" * n)


def _insert(table: Table) -> str:
    return (
        f"INSERT INTO {table.name} ({', '.join(table.columns)})"
        f" VALUES ({_placeholders(len(table.columns))})"
    )


def _upsert(table: Table, add: bool) -> str:
    """Insert, or on the key: add the values to the row's (``add``) or replace them."""
    values = table.columns[table.key :]
    if add:
        sets = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in values)
    else:
        sets = ", ".join(f"{c} = excluded.{c}" for c in values)
    return f"{_insert(table)} ON CONFLICT ({', '.join(table.key_columns)}) DO UPDATE SET {sets}"


# A bucket's recorded times widen to take in a batch's (portable MIN/MAX of two values).
SPAN_UPSERT = (
    f"{_insert(BUCKETS)} ON CONFLICT (bucket) DO UPDATE SET first_recorded_us = CASE"
    " WHEN excluded.first_recorded_us < rpt_buckets.first_recorded_us"
    " THEN excluded.first_recorded_us ELSE rpt_buckets.first_recorded_us END,"
    " last_recorded_us = CASE WHEN excluded.last_recorded_us > rpt_buckets.last_recorded_us"
    " THEN excluded.last_recorded_us ELSE rpt_buckets.last_recorded_us END"
)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class Applied:
    """What :meth:`ProjectionStore.apply` did with a batch of messages."""

    # Messages consumed from the front of the batch (applied or skipped as
    # already applied); the rest stay unacknowledged.
    consumed: int = 0
    applied: int = 0
    skipped: int = 0
    position: int = 0
    stream_seq: int = 0
    # Set when it stopped before the end of the batch:
    waits_for_members: int = 0  # the members position a ledger event needs
    gap_at: int = 0  # the stream sequence expected, when a later one came
    error: UndecodableEvent | None = None
    notes: list[str] = field(default_factory=list)


Message = tuple[bytes, int]  # (envelope bytes, stream sequence)


class ProjectionStore:
    """The projection tables in one database (the live one, or a scratch one)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._units: dict[str, tuple[str, int]] = {}
        with db.transaction() as cur:
            if not db.is_postgres:
                # Indexes on random keys (entry ids, member ids) stay in memory
                # longer: a rebuild of a large store runs faster.
                cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            self._check_layout(cur)
            for table in ALL_TABLES:
                cur.execute(_ddl(db, table))
                for index in table.indexes:
                    cur.execute(index)

    def close(self) -> None:
        self.db.close()

    def _check_layout(self, cur: Cursor) -> None:
        """Projection tables of an older layout are dropped (positions
        included): the consumers then build them again from the first event."""
        cur.execute(f"CREATE TABLE IF NOT EXISTS {LAYOUT_TABLE} (version {_int(self.db)} NOT NULL)")
        row = cur.execute(f"SELECT version FROM {LAYOUT_TABLE}").fetchone()
        if row is not None and int(row[0]) == LAYOUT:
            return
        if row is not None or self._exists(cur, POSITIONS.name):
            log.warning("reporting.projections_rebuilt", reason="new table layout", layout=LAYOUT)
            for table in ALL_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {table.name}")
        cur.execute(f"DELETE FROM {LAYOUT_TABLE}")
        cur.execute(f"INSERT INTO {LAYOUT_TABLE} (version) VALUES (?)", (LAYOUT,))

    def _exists(self, cur: Cursor, table: str) -> bool:
        if self.db.is_postgres:
            sql = "SELECT 1 FROM information_schema.tables WHERE table_name = ?"
            sql += " AND table_schema = current_schema()"
        else:
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return cur.execute(sql, (table,)).fetchone() is not None

    # -- positions --------------------------------------------------------------------

    def positions(self) -> dict[str, tuple[int, int]]:
        """source -> (position, stream sequence) of the last event applied."""
        with self.db.transaction() as cur:
            rows = cur.execute("SELECT source, position, stream_seq FROM projection_positions")
            found = {str(r[0]): (int(r[1]), int(r[2])) for r in rows.fetchall()}
        return {source: found.get(source, (0, 0)) for source in (LEDGER, MEMBERS)}

    @staticmethod
    def _position(cur: Cursor, source: str) -> tuple[int, int]:
        row = cur.execute(
            "SELECT position, stream_seq FROM projection_positions WHERE source = ?", (source,)
        ).fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    # -- applying a batch --------------------------------------------------------------

    def apply(self, source: str, messages: Sequence[Message], contiguous: bool = True) -> Applied:
        """Apply a batch of one stream's messages (in stream order) exactly once.

        ``contiguous``: stop at a sequence that does not follow the last one
        applied (False: the stream is known to have messages deleted there)."""
        # Every object a batch makes lives until its commit: collections during
        # it would free nothing (see collection_paused; a third of a large
        # store's rebuild time went to them).
        with collection_paused():
            return self._apply(source, messages, contiguous)

    def _apply(self, source: str, messages: Sequence[Message], contiguous: bool) -> Applied:
        decode = FACTS[source]
        decoded: list[tuple[Any, int, int]] = []  # (fact, stream seq, envelope position)
        error: UndecodableEvent | None = None
        for data, seq in messages:
            try:
                envelope = envelope_of(data)
                decoded.append((decode(envelope), seq, envelope.position))
            except UndecodableEvent as failed:
                error = failed
                break
        with self.db.transaction() as cur:
            position, stream_seq = self._position(cur, source)
            members_at = self._position(cur, MEMBERS)[0] if source == LEDGER else 0
            out = Applied(position=position, stream_seq=stream_seq)
            todo: list[tuple[Any, int]] = []
            for fact, seq, event_position in decoded:
                if seq <= out.stream_seq:
                    out.skipped += 1  # delivered again: applied before
                elif contiguous and seq != out.stream_seq + 1:
                    out.gap_at = out.stream_seq + 1
                    break
                elif event_position <= out.position:
                    out.skipped += 1  # the stream holds this position twice
                    out.stream_seq = seq
                    out.notes.append(f"position {event_position} again at sequence {seq}")
                else:
                    needed = members_position_needed(fact)
                    if needed > members_at:
                        out.waits_for_members = needed
                        break
                    todo.append((fact, seq))
                    out.position, out.stream_seq = event_position, seq
                out.consumed += 1
            else:
                out.error = error
            if todo:
                if source == LEDGER:
                    self._apply_ledger(cur, todo)
                else:
                    self._apply_members(cur, todo)
                out.applied = len(todo)
            if (out.position, out.stream_seq) != (position, stream_seq):
                cur.execute(_upsert(POSITIONS, add=False), (source, out.position, out.stream_seq))
        return out

    def select_in(
        self, cur: Cursor, statement: str, values: Iterable[Any], *params: Any
    ) -> list[Any]:
        """``statement`` with ``{in}`` replaced by a list of placeholders, run
        for every chunk of ``values``; all rows."""
        rows: list[Any] = []
        ordered = sorted(values)
        for part in chunks(ordered):
            sql = statement.replace("{in}", _placeholders(len(part)))
            rows.extend(cur.execute(sql, (*params, *part)).fetchall())
        return rows

    @staticmethod
    def originals(cur: Cursor, pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str, str]]:
        """entry id -> (unit code, unit path, household) of each (member id,
        entry id) found (through the member index: reversals are few)."""
        found = {}
        for member_id, entry_id in pairs:
            row = cur.execute(
                "SELECT unit_code, unit_path, household_id FROM rpt_entries"
                " WHERE member_id = ? AND entry_id = ?",
                (member_id, entry_id),
            ).fetchone()
            if row is not None:
                found[entry_id] = (str(row[0]), str(row[1]), str(row[2]))
        return found

    def _unit_info(self, cur: Cursor, codes: Iterable[str]) -> dict[str, tuple[str, int]]:
        missing = [c for c in codes if c not in self._units]
        if missing:
            for code, path, position in self.select_in(
                cur, "SELECT code, path, position FROM rpt_units WHERE code IN ({in})", missing
            ):
                self._units[str(code)] = (str(path), int(position))
        return self._units

    def _holders(self, cur: Cursor, table: Table, ids: set[str]) -> dict[Any, HolderRows]:
        """(holder, year) -> {(code, path): row values} for every holder in ``ids``."""
        found: dict[Any, HolderRows] = {}
        holder = table.columns[0]
        values = ", ".join(table.columns[1:])
        for who, year, code, path, *row in self.select_in(
            cur, f"SELECT {holder}, {values} FROM {table.name} WHERE {holder} IN ({{in}})", ids
        ):
            found.setdefault((who, year), {})[(code, path)] = row
        return found

    def _apply_ledger(self, cur: Cursor, items: list[tuple[Any, int]]) -> None:
        facts = [fact for fact, _seq in items]
        needs = ledger_needs(facts)
        originals = self.originals(cur, needs.originals)
        state = LedgerState(
            units=self._unit_info(cur, needs.units),
            originals=originals,
            member_units=self._holders(cur, MEMBER_UNITS, needs.members),
            household_units=self._holders(
                cur, HOUSEHOLD_UNITS, households_needed(facts, originals)
            ),
        )
        planner = LedgerPlanner(state)
        for fact, seq in items:
            planner.add(fact, seq)
        changes = planner.changes()
        self._apply_claims(cur, facts, planner)
        for opened in changes.opened:
            cur.execute(
                _insert(PROGRAMMES),
                (
                    opened.code,
                    opened.fiscal_year,
                    opened.name_zh,
                    opened.name_en,
                    opened.kind,
                    opened.budget_fen,
                    opened.standard_amount_fen,
                    opened.per_member_annual_cap_fen,
                    int(opened.hardship_only),
                    opened.position,
                    opened.recorded_us,
                    0,
                    0,
                    0,
                    0,
                ),
            )
        for closed in changes.closed:
            cur.execute(
                "UPDATE rpt_programmes SET closed_us = ?"
                " WHERE program_code = ? AND fiscal_year = ?",
                (closed.recorded_us, closed.code, closed.fiscal_year),
            )
        if changes.entries:
            cur.executemany(_insert(ENTRIES), changes.entries)
        if changes.programmes:
            cur.executemany(
                "UPDATE rpt_programmes SET committed_fen = committed_fen + ?,"
                " payout_count = payout_count + ?, reversal_count = reversal_count + ?"
                " WHERE program_code = ? AND fiscal_year = ?",
                [(*v, code, year) for (code, year), v in sorted(changes.programmes.items())],
            )
        writes: list[tuple[Table, bool, list[tuple[Any, ...]]]] = [
            (NODES, True, [(y, n, c, *v) for (c, y, n), v in changes.nodes.items()]),
            (MONTHS, True, [(y, n, c, m, *v) for (c, y, n, m), v in changes.months.items()]),
            (MEMBER_UNITS, False, [(*k, *v) for k, v in changes.member_units.items()]),
            (HOUSEHOLD_UNITS, False, [(*k, *v) for k, v in changes.household_units.items()]),
            (
                BUCKET_LEAVES,
                True,
                [(y, c, p, m, b, *v) for (y, b, c, p, m), v in changes.bucket_leaves.items()],
            ),
            (
                BUCKET_COUNTS,
                True,
                [(y, c, p, b, *v) for (y, b, c, p), v in changes.bucket_counts.items()],
            ),
        ]
        for table, add, rows in writes:
            if rows:
                cur.executemany(_upsert(table, add), rows)
        if changes.bucket_spans:
            cur.executemany(
                SPAN_UPSERT, [(b, *span) for b, span in sorted(changes.bucket_spans.items())]
            )

    def claim_rows(self, cur: Cursor, ids: Iterable[str]) -> dict[str, ClaimRow]:
        return {
            str(row[0]): ClaimRow(*row)
            for row in self.select_in(
                cur,
                f"SELECT {', '.join(CLAIMS.columns)} FROM rpt_claims WHERE claim_id IN ({{in}})",
                ids,
            )
        }

    def obligation_rows(self, cur: Cursor, entry_ids: Iterable[str]) -> dict[str, ObligationRow]:
        return {
            str(row[0]): ObligationRow(*row)
            for row in self.select_in(
                cur,
                f"SELECT {', '.join(OBLIGATIONS.columns)} FROM rpt_emergency_obligations"
                " WHERE payout_entry_id IN ({in})",
                entry_ids,
            )
        }

    def _apply_claims(self, cur: Cursor, facts: list[Any], ledger: LedgerPlanner) -> None:
        """The mutual-aid and emergency-aid part of a ledger batch (after the
        entries: an obligation reads its payout's unit from them)."""
        needs = claims_needs(facts)
        before = self.originals(cur, needs.payouts)
        state = ClaimsState(
            units=self._unit_info(cur, needs.units),
            claims=self.claim_rows(cur, needs.claims),
            obligations=self.obligation_rows(cur, needs.obligations),
        )
        planner = ClaimsPlanner(
            state, lambda entry_id: ledger.original(entry_id) or before.get(entry_id)
        )
        for fact in facts:
            planner.add(fact)
        self._write_claims(cur, planner.changes())

    @staticmethod
    def _write_claims(cur: Cursor, changes: ClaimsChanges) -> None:
        if not changes:
            return
        writes: list[tuple[str, list[Any]]] = [
            (_insert(RULES), changes.rules),
            (_insert(PERIODS), changes.periods),
            (_insert(CONTRIBUTIONS), changes.contributions),
            (
                _upsert(CONTRIBUTION_TOTALS, add=True),
                [(*k, *v) for k, v in sorted(changes.contribution_totals.items())],
            ),
            (_upsert(POOLS, add=True), [(*k, *v) for k, v in sorted(changes.pools.items())]),
            (_upsert(CLAIMS, add=False), [r for _k, r in sorted(changes.claims.items())]),
            (_insert(CLAIM_HISTORY), changes.history),
            (
                _upsert(OBLIGATIONS, add=False),
                [r for _k, r in sorted(changes.obligations.items())],
            ),
        ]
        for sql, rows in writes:
            if rows:
                cur.executemany(sql, rows)

    def _apply_members(self, cur: Cursor, items: list[tuple[Any, int]]) -> None:
        facts = [fact for fact, _seq in items]
        parents, member_ids = members_needs(facts)
        known = {
            str(row[0]): MemberRow(
                str(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), int(row[5])
            )
            for row in self.select_in(
                cur,
                f"SELECT {', '.join(MEMBERS_TABLE.columns)} FROM rpt_members"
                " WHERE member_id IN ({in})",
                member_ids,
            )
        }
        planner = MembersPlanner(MembersState(self._unit_info(cur, parents), known))
        for fact, seq in items:
            planner.add(fact, seq)
        changes = planner.changes()
        if changes.units:
            cur.executemany(
                _insert(UNITS),
                [
                    (u.code, u.name_zh, u.name_en, u.level, u.parent_code, u.path, u.depth,
                     u.position)
                    for u in changes.units
                ],
            )  # fmt: skip
        if changes.members:
            cur.executemany(
                _upsert(MEMBERS_TABLE, add=False),
                [
                    (m.member_id, m.unit_code, m.household_id, m.join_date, m.status, m.position)
                    for _id, m in sorted(changes.members.items())
                ],
            )

    # -- whole tables -------------------------------------------------------------------

    def rows(self, table: Table) -> Iterator[tuple[Any, ...]]:
        """Every row of ``table`` in key order, a page at a time."""
        columns = ", ".join(table.columns)
        keys = ", ".join(table.key_columns)
        last: tuple[Any, ...] | None = None
        while True:
            if last is None:
                sql = f"SELECT {columns} FROM {table.name} ORDER BY {keys} LIMIT {PAGE}"
                params: tuple[Any, ...] = ()
            else:
                sql = (
                    f"SELECT {columns} FROM {table.name} WHERE ({keys}) >"
                    f" ({_placeholders(table.key)}) ORDER BY {keys} LIMIT {PAGE}"
                )
                params = last
            with self.db.transaction() as cur:
                page = [tuple(row) for row in cur.execute(sql, params).fetchall()]
            yield from page
            if len(page) < PAGE:
                return
            last = page[-1][: table.key]

    def replace_with(self, other: ProjectionStore) -> None:
        """Make every table (positions included) a copy of ``other``'s, in one
        transaction: readers see the old projections or the new ones."""
        with self.db.transaction() as cur:
            for table in ALL_TABLES:
                cur.execute(f"DELETE FROM {table.name}")
                batch: list[tuple[Any, ...]] = []
                for row in other.rows(table):
                    batch.append(row)
                    if len(batch) >= PAGE:
                        cur.executemany(_insert(table), batch)
                        batch = []
                if batch:
                    cur.executemany(_insert(table), batch)
        self._units.clear()

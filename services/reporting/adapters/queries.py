"""Reads of the projection tables for the reports and statements.

The current figures are read from the running totals (a handful of indexed
rows); the figures "as recorded up to T" from the as-of buckets, recounting
only the entries of the bucket where T falls and the few recorded out of
position order (see reporting.domain.report.AsOfCount). The full recount of
every entry recorded up to T (``recounted_as_of``) is the reference the tests
hold them to.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from benefits_platform.sqlstore import Cursor
from reporting.adapters.tables import MEMBERS_TABLE, UNITS, ProjectionStore
from reporting.domain import projection
from reporting.domain.facts import ROOT
from reporting.domain.report import (
    ROOT_NODE,
    UNASSIGNED_NODE,
    AsOfCount,
    AsOfEntry,
    DistinctCounter,
    Figures,
    HolderEntry,
    MonthFigures,
    ProgrammeInfo,
    UnitNode,
    as_of_plan,
    rollup,
)
from reporting.domain.statement import CONTRIBUTION, EntryLine

UNIT_COLUMNS = ", ".join(UNITS.columns)
AS_OF_COLUMNS = ", ".join(AsOfEntry._fields)
# An entry's figures (see leaf_values), summed.
LEAF_SUMS = (
    "SUM(amount_fen), SUM(CASE WHEN kind = 'PAYOUT' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN kind = 'PAYOUT' THEN amount_fen ELSE 0 END),"
    " SUM(CASE WHEN kind = 'REVERSAL' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN kind = 'REVERSAL' THEN -amount_fen ELSE 0 END)"
)
MOVES = "member_move, member_all_move, household_move, household_all_move"
MOVED = " OR ".join(f"{m} <> 0" for m in MOVES.split(", "))
HOLDER_COLUMNS = ", ".join(HolderEntry._fields)
# (programme, node) -> figures, (programme, month) -> figures of the root, code -> committed
AsOfFigures = tuple[
    dict[tuple[str, str], Figures], dict[tuple[str, int], MonthFigures], dict[str, int]
]
STREAM_ROWS = 10_000
# A statement's lines: the member's entries, and contributions (paid in: negative).
ENTRY_LINE = ", ".join(f.name for f in fields(EntryLine) if f.name != "period_id") + ", ''"
CONTRIBUTION_LINE = (
    f"position, entry_id, '{CONTRIBUTION}', program_code, fiscal_year, -amount_fen,"
    " effective_date, recorded_us, unit_code, '', '', '', period_id"
)


def _unit(row: Any) -> UnitNode:
    code, name_zh, name_en, level, parent, path, depth, _position = row
    return UnitNode(str(code), str(name_zh), str(name_en), str(level), str(parent), str(path),
                    int(depth))  # fmt: skip


@dataclass(frozen=True)
class Receipt:
    program_code: str
    fiscal_year: int
    kind: str
    received_fen: int
    payout_count: int
    reversal_count: int


class ReportQueries:
    def __init__(self, store: ProjectionStore) -> None:
        self.store = store
        self.db = store.db

    # -- units --------------------------------------------------------------------------

    def unit(self, code: str) -> UnitNode | None:
        if code == ROOT:
            return ROOT_NODE
        with self.db.transaction() as cur:
            row = cur.execute(
                f"SELECT {UNIT_COLUMNS} FROM rpt_units WHERE code = ?", (code,)
            ).fetchone()
        return None if row is None else _unit(row)

    def units_below(self, root: UnitNode, depth: int) -> list[UnitNode]:
        """The units below ``root`` to ``depth`` levels (ROOT: UNASSIGNED too)."""
        if depth <= 0:
            return []
        with self.db.transaction() as cur:
            if root.code == ROOT:
                rows = cur.execute(
                    f"SELECT {UNIT_COLUMNS} FROM rpt_units WHERE depth <= ?", (depth,)
                ).fetchall()
            else:
                rows = cur.execute(
                    f"SELECT {UNIT_COLUMNS} FROM rpt_units WHERE path LIKE ? AND depth <= ?",
                    (root.path + "/%", root.depth + depth),
                ).fetchall()
        nodes = [_unit(row) for row in rows]
        if root.code == ROOT:
            nodes.append(UNASSIGNED_NODE)
        return nodes

    # -- programmes ---------------------------------------------------------------------

    def programmes(
        self,
        fiscal_year: int,
        as_of_us: int | None = None,
        committed: Mapping[str, int] | None = None,
    ) -> list[ProgrammeInfo]:
        """The year's programmes; as recorded up to ``as_of_us`` with what each
        had committed then (``committed``, when the caller counted it already)."""
        if as_of_us is not None and committed is None:
            with self.db.transaction() as cur:
                committed = self._as_of(cur, fiscal_year, as_of_us, distinct=False).committed()
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT program_code, fiscal_year, name_zh, name_en, kind, budget_fen,"
                " committed_fen, closed_us, opened_us FROM rpt_programmes WHERE fiscal_year = ?"
                " ORDER BY program_code",
                (fiscal_year,),
            ).fetchall()
        committed = committed or {}
        found = []
        for code, year, name_zh, name_en, kind, budget, total, closed_us, opened_us in rows:
            if as_of_us is not None:
                if int(opened_us) > as_of_us:
                    continue
                total = committed.get(str(code), 0)
                closed = 0 < int(closed_us) <= as_of_us
            else:
                closed = int(closed_us) > 0
            found.append(
                ProgrammeInfo(str(code), int(year), str(name_zh), str(name_en), str(kind),
                              int(budget), int(total), closed)
            )  # fmt: skip
        return found

    # -- figures ------------------------------------------------------------------------

    def current_figures(
        self, fiscal_year: int, root: UnitNode, nodes: Iterable[UnitNode]
    ) -> tuple[dict[tuple[str, str], Figures], dict[tuple[str, int], MonthFigures]]:
        """(programme, node) -> figures for ``root`` and ``nodes``; (programme,
        month) -> figures for ``root``; from the running totals."""
        codes = [root.code, *(n.code for n in nodes)]
        figures: dict[tuple[str, str], Figures] = {}
        months: dict[tuple[str, int], MonthFigures] = {}
        with self.db.transaction() as cur:
            for code, unit, *values in self.store.select_in(
                cur,
                "SELECT program_code, unit_code, paid_fen, payout_count, payout_fen,"
                " reversal_count, reversal_fen, members, households FROM rpt_node_totals"
                " WHERE fiscal_year = ? AND unit_code IN ({in})",
                codes,
                fiscal_year,
            ):
                figures[(str(code), str(unit))] = Figures(*(int(v) for v in values))
            for code, month, *values in cur.execute(
                "SELECT program_code, month, paid_fen, payout_count, reversal_count, reversal_fen"
                " FROM rpt_month_totals WHERE fiscal_year = ? AND unit_code = ?",
                (fiscal_year, root.code),
            ).fetchall():
                months[(str(code), int(month))] = MonthFigures(
                    int(month), *(int(v) for v in values)
                )
        return figures, months

    def figures_as_of(
        self, fiscal_year: int, as_of_us: int, root: UnitNode, nodes: Iterable[UnitNode]
    ) -> AsOfFigures:
        """The same figures of ``root`` and ``nodes`` as recorded up to
        ``as_of_us``, and each programme's committed amount then."""
        shown = {root.code, *(n.code for n in nodes)}
        with self.db.transaction() as cur:
            count = self._as_of(cur, fiscal_year, as_of_us, distinct=True, shown=shown)
        figures, months = count.figures(root)
        return figures, months, count.committed()

    def _as_of(
        self,
        cur: Cursor,
        fiscal_year: int,
        as_of_us: int,
        distinct: bool,
        shown: Collection[str] | None = None,
    ) -> AsOfCount:
        """The as-of count (see AsOfCount) of the nodes ``shown`` (None: all):
        the buckets recorded wholly by ``as_of_us``, then the entries of the
        rest that may have been; with ``distinct`` the members and households
        of late entries recounted."""
        count = AsOfCount(as_of_us, shown)
        plan = as_of_plan(
            (
                (int(b), int(first), int(last))
                for b, first, last in cur.execute(
                    "SELECT bucket, first_recorded_us, last_recorded_us FROM rpt_buckets"
                    " ORDER BY bucket"
                ).fetchall()
            ),
            as_of_us,
            projection.AS_OF_BUCKET,
        )
        params = (fiscal_year, plan.settled_below)
        for code, path, month, *values in cur.execute(
            "SELECT program_code, unit_path, month, SUM(paid_fen), SUM(payout_count),"
            " SUM(payout_fen), SUM(reversal_count), SUM(reversal_fen) FROM rpt_bucket_leaves"
            " WHERE fiscal_year = ? AND bucket < ? GROUP BY program_code, unit_path, month",
            params,
        ).fetchall():
            count.add_leaf(str(code), str(path), int(month), [int(v) for v in values])
        if distinct:
            for code, path, members, households in cur.execute(
                "SELECT program_code, unit_path, SUM(members), SUM(households)"
                " FROM rpt_bucket_counts WHERE fiscal_year = ? AND bucket < ?"
                " GROUP BY program_code, unit_path",
                params,
            ).fetchall():
                count.add_moves(str(code), str(path), int(members), int(households))
        if not plan.reads:
            return count
        # Step 2 of AsOfCount with sums: where the replay ends (the year's
        # first entry from the bucket where T falls recorded after T, or the
        # first bucket not read), the figures of the entries recorded by T,
        # the moves of the replayed ones, and the late ones whole.
        first = plan.reads[0][0]
        row = cur.execute(
            "SELECT position FROM rpt_entries WHERE position >= ? AND position < ?"
            " AND fiscal_year = ? AND recorded_us > ? ORDER BY position LIMIT 1",
            (first, plan.limit, fiscal_year, as_of_us),
        ).fetchone()
        replayed_to = plan.limit if row is None else int(row[0])
        for start, end in plan.reads:
            for code, path, month, *values in cur.execute(
                f"SELECT program_code, unit_path, month, {LEAF_SUMS} FROM rpt_entries"
                " WHERE position >= ? AND position < ? AND fiscal_year = ? AND recorded_us <= ?"
                " GROUP BY program_code, unit_path, month",
                (start, end, fiscal_year, as_of_us),
            ).fetchall():
                count.add_leaf(str(code), str(path), int(month), [int(v) for v in values])
        if distinct:
            for code, path, *moves, times in cur.execute(
                f"SELECT program_code, unit_path, {MOVES}, COUNT(*) FROM rpt_entries"
                " WHERE position >= ? AND position < ? AND fiscal_year = ?"
                f" AND ({MOVED}) GROUP BY program_code, unit_path, {MOVES}",
                (first, replayed_to, fiscal_year),
            ).fetchall():
                count.replay(str(code), str(path), [int(m) for m in moves], int(times))
        late: list[AsOfEntry] = []
        for start, end in plan.reads:
            if end > replayed_to:
                cur.execute(
                    f"SELECT {AS_OF_COLUMNS} FROM rpt_entries WHERE position >= ?"
                    " AND position < ? AND fiscal_year = ? AND recorded_us <= ? ORDER BY position",
                    (max(start, replayed_to), end, fiscal_year, as_of_us),
                )
                late.extend(AsOfEntry(*row) for row in cur.fetchall())
        count.add_late(late, replayed_to)
        members, households = count.late_holders()
        if distinct and (members or households):
            count.recount_holders(
                self._holder_entries(cur, "member_id", members, fiscal_year),
                self._holder_entries(cur, "household_id", households, fiscal_year),
            )
        return count

    def _holder_entries(
        self, cur: Cursor, column: str, holders: set[str], fiscal_year: int
    ) -> dict[str, list[HolderEntry]]:
        """Every entry of the year of each holder (a member: through the
        member index; a household: a scan, for the few a late entry has)."""
        found: dict[str, list[HolderEntry]] = {}
        for who, *row in self.store.select_in(
            cur,
            f"SELECT {column}, {HOLDER_COLUMNS} FROM rpt_entries"
            f" WHERE fiscal_year = ? AND {column} IN ({{in}})",
            holders,
            fiscal_year,
        ):
            found.setdefault(str(who), []).append(HolderEntry(*row))
        return found

    def recounted_as_of(self, fiscal_year: int, as_of_us: int, root: UnitNode) -> AsOfFigures:
        """The reference: the same figures recounted from every entry recorded
        up to ``as_of_us``, and each programme's committed amount then."""
        window = "fiscal_year = ? AND recorded_us <= ?"
        params = (fiscal_year, as_of_us)
        with self.db.transaction() as cur:
            leaves = cur.execute(
                "SELECT program_code, unit_path, month, SUM(amount_fen),"
                " SUM(CASE WHEN kind = 'PAYOUT' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN kind = 'PAYOUT' THEN amount_fen ELSE 0 END),"
                " SUM(CASE WHEN kind = 'REVERSAL' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN kind = 'REVERSAL' THEN -amount_fen ELSE 0 END)"
                f" FROM rpt_entries WHERE {window} GROUP BY program_code, unit_path, month",
                params,
            ).fetchall()
        figures, months = rollup(
            (
                (str(c), str(p), int(m), int(paid), int(n), int(gross), int(r), int(back))
                for c, p, m, paid, n, gross, r, back in leaves
            ),
            root,
        )
        for holder, members in (("member_id", True), ("household_id", False)):
            counter = DistinctCounter(members)
            with self.db.transaction() as cur:
                cur.execute(
                    f"SELECT {holder}, program_code, unit_path FROM rpt_entries"
                    f" WHERE {window} AND {holder} <> ''"
                    f" GROUP BY {holder}, program_code, unit_path"
                    " HAVING SUM(CASE kind WHEN 'PAYOUT' THEN 1 WHEN 'REVERSAL' THEN -1"
                    " ELSE 0 END) > 0"
                    f" ORDER BY {holder}",
                    params,
                )
                while rows := cur.fetchmany(STREAM_ROWS):  # a page at a time: bounded memory
                    for who, code, path in rows:
                        counter.feed(str(who), str(code), str(path))
            counter.into(figures)
        with self.db.transaction() as cur:
            committed = {
                str(code): int(total)
                for code, total in cur.execute(
                    "SELECT program_code, SUM(amount_fen) FROM rpt_entries"
                    f" WHERE {window} GROUP BY program_code",
                    params,
                ).fetchall()
            }
        return figures, months, committed

    # -- members ------------------------------------------------------------------------

    def member(self, member_id: str) -> tuple[str, str] | None:
        """(current unit, household) of a member the members log enrolled."""
        with self.db.transaction() as cur:
            row = cur.execute(
                f"SELECT {', '.join(MEMBERS_TABLE.columns)} FROM rpt_members WHERE member_id = ?",
                (member_id,),
            ).fetchone()
        return None if row is None else (str(row[1]), str(row[2]))

    def member_entries(self, member_id: str, fiscal_year: int) -> list[EntryLine]:
        """The member's entries and contributions in ledger order (of one
        fiscal year, or all)."""
        where = "member_id = ?" + (" AND fiscal_year = ?" if fiscal_year else "")
        params: tuple[Any, ...] = (member_id, fiscal_year) if fiscal_year else (member_id,)
        with self.db.transaction() as cur:
            rows = cur.execute(
                f"SELECT {ENTRY_LINE} FROM rpt_entries WHERE {where} UNION ALL"
                f" SELECT {CONTRIBUTION_LINE} FROM rpt_contributions WHERE {where}"
                " ORDER BY 1",
                params + params,
            ).fetchall()
        return [EntryLine(*row) for row in rows]

    def receipts(self, member_id: str) -> list[Receipt]:
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT r.program_code, r.fiscal_year, COALESCE(MAX(p.kind), ''),"
                " SUM(r.received_fen), SUM(r.payout_count), SUM(r.reversal_count)"
                " FROM rpt_member_units r LEFT JOIN rpt_programmes p"
                " ON p.program_code = r.program_code AND p.fiscal_year = r.fiscal_year"
                " WHERE r.member_id = ? GROUP BY r.fiscal_year, r.program_code"
                " ORDER BY r.fiscal_year, r.program_code",
                (member_id,),
            ).fetchall()
        return [
            Receipt(str(c), int(y), str(k), int(n), int(p), int(r)) for c, y, k, n, p, r in rows
        ]

    def programme_exists(self, code: str, fiscal_year: int) -> bool:
        """Whether the ledger opened programme ``code`` (in ``fiscal_year``; 0: any year)."""
        sql = "SELECT 1 FROM rpt_programmes WHERE program_code = ?"
        params: tuple[Any, ...] = (code,)
        if fiscal_year:
            sql += " AND fiscal_year = ?"
            params += (fiscal_year,)
        with self.db.transaction() as cur:
            return cur.execute(sql + " LIMIT 1", params).fetchone() is not None

    def programme_kinds(self) -> dict[tuple[str, int], str]:
        with self.db.transaction() as cur:
            rows = cur.execute("SELECT program_code, fiscal_year, kind FROM rpt_programmes")
            return {(str(c), int(y)): str(k) for c, y, k in rows.fetchall()}

    # -- entries for the auditors ---------------------------------------------------------

    def entry_units(self, pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        """entry id -> (unit code, unit path) it counts under, for (member id,
        entry id) pairs."""
        with self.db.transaction() as cur:
            found = self.store.originals(cur, pairs)
        return {entry_id: (unit, path) for entry_id, (unit, path, _household) in found.items()}

    def claim_units(self, claim_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """claim id -> (unit code, unit path) the claim counts under."""
        with self.db.transaction() as cur:
            rows = self.store.select_in(
                cur,
                "SELECT claim_id, unit_code, unit_path FROM rpt_claims WHERE claim_id IN ({in})",
                claim_ids,
            )
        return {str(c): (str(u), str(p)) for c, u, p in rows}

    def unit_paths(self, codes: Iterable[str]) -> dict[str, str]:
        with self.db.transaction() as cur:
            rows = self.store.select_in(
                cur, "SELECT code, path FROM rpt_units WHERE code IN ({in})", codes
            )
        return {str(c): str(p) for c, p in rows}
